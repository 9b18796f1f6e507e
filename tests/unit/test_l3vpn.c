/*
 * test_l3vpn.c: layer-3 multipoint VPNs (netstitch-multipoint kind l3vpn), the checks of
 * check_multipoint.c and the PE-CE links in check_ip.c's sweeps, on the three-PE Junos VPN
 * of tests/compile/multipoint/l3vpn-junos.xml (clean: no error, no MP-L3 code). Each test
 * breaks one thing and asserts the code, its line and its YANG path; one also asserts the
 * IR of the lowering (lower_mp_l3) for a PE with two sites.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check_run.h"
#include "netstitch.h"

static char *base;

static int
setup(void **state)
{
    char path[1024];
    const char *top = getenv("TOP");

    snprintf(path, sizeof path, "%s/tests/compile/multipoint/l3vpn-junos.xml", top ? top : ".");
    base = slurp(path);
    return ctx_setup(state);
}

static int
teardown(void **state)
{
    free(base);
    return ctx_teardown(state);
}

/* Exactly one @code, at @line, its path ending in @path_end (NULL: any), its message
 * holding @msg (NULL: any). */
static void
expect(struct nst_ctx *ctx, const char *code, uint32_t line, const char *path_end, const char *msg)
{
    const struct nst_diag *d = only(ctx, code);
    const char *p = nst_diag_path(d);

    if (nst_diag_line(d) != line) {
        dump(ctx);
        fail_msg("%s at line %u, expected %u", code, nst_diag_line(d), line);
    }
    if (path_end && (!p || strlen(p) < strlen(path_end) ||
                     strcmp(p + strlen(p) - strlen(path_end), path_end))) {
        dump(ctx);
        fail_msg("%s at %s, expected ...%s", code, p ? p : "(none)", path_end);
    }
    if (msg && !strstr(nst_diag_message(d), msg)) {
        dump(ctx);
        fail_msg("%s says '%s', expected '%s' in it", code, nst_diag_message(d), msg);
    }
}

/* The number of diagnostics whose code starts with @prefix. */
static size_t
count_prefix(struct nst_ctx *ctx, const char *prefix)
{
    size_t i, n = 0;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        n += !strncmp(nst_diag_code(nst_diag_get(ctx, i)), prefix, strlen(prefix));
    }
    return n;
}

/* Check @base with the (old, new) edits; the pairs end with NULL. */
static nst_err
run_edit(struct nst_ctx *ctx, const char *first, ...)
{
    const char *old = first;
    char *s = strdup(base);
    nst_err err;
    va_list ap;

    va_start(ap, first);
    while (old) {
        const char *new = va_arg(ap, const char *);
        char *t = edit_first(s, old, new, NULL);

        free(s);
        s = t;
        old = va_arg(ap, const char *);
    }
    va_end(ap);
    err = run(ctx, s);
    free(s);
    return err;
}

#define AC(n) "/netstitch-multipoint:multipoint[name='corp-vpn']/attachment-circuit[name='" n "']"
#define VPN "/netstitch-multipoint:multipoint[name='corp-vpn']"

static void
test_clean(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run(ctx, base), NST_OK);
    assert_int_equal(nst_diag_count_severity(ctx, NST_SEV_ERROR), 0);
    assert_int_equal(count_prefix(ctx, "MP-L3-"), 0);
    assert_int_equal(count(ctx, "IP-OVERLAP"), 0);
    /* The VPN's MTU per pair: 6 pairs of 4 circuits. */
    assert_non_null(
        strstr(nst_diag_message(only(ctx, "MP-WORST-PAIR")), "6 attachment-circuit pairs"));
}

static void
test_no_asn(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<asn>64600</asn><router-id>192.0.2.12</router-id>",
                              "<router-id>192.0.2.12</router-id>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-NO-ASN", 69, AC("dc"), "PE pe-b has no asn");
    assert_int_equal(count(ctx, "MP-L3-ASN-DIFFERS"), 0);
}

static void
test_asn_differs(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<asn>64600</asn><router-id>192.0.2.13</router-id>",
                              "<asn>64601</asn><router-id>192.0.2.13</router-id>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-ASN-DIFFERS", 72, AC("lab"), "PE pe-c is AS64601, but PE pe-a is AS64600");
}

static void
test_no_router_id(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<router-id>192.0.2.12</router-id>", "", NULL), NST_ECHECK);
    expect(ctx, "MP-L3-NO-ROUTER-ID", 69, AC("dc"), "pe-b");
}

static void
test_route_target(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<route-target>64600:300</route-target>", "", NULL), NST_ECHECK);
    expect(ctx, "MP-L3-NO-ROUTE-TARGET", 55, VPN, NULL);
    assert_int_equal(run_edit(ctx, "<route-target>64600:300</route-target>",
                              "<route-target>4200000001:70000</route-target>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-ROUTE-TARGET", 61, VPN "/route-target", "16 bits");
}

/* A second layer-3 VPN (two more circuits of plant and lab) with the first one's route
 * target: the two would be one VPN. */
static const char *second_vpn =
    "  <multipoint xmlns=\"urn:netstitch:yang:multipoint\">\n"
    "    <name>lab-vpn</name><kind>l3vpn</kind><ip-mtu>1500</ip-mtu><vpn-id>301</vpn-id>\n"
    "    <route-target>64600:300</route-target>\n"
    "    <attachment-circuit><name>plant2</name><site>plant</site><device>pe-a</device>"
    "<port>ge-0/0/1</port><encapsulation><dot1q><vlan>211</vlan></dot1q></encapsulation>"
    "<routing><pe-address>10.255.21.1/30</pe-address><ce-address>10.255.21.2</ce-address>"
    "<ce-asn>65302</ce-asn></routing></attachment-circuit>\n"
    "    <attachment-circuit><name>lab2</name><site>lab</site><device>pe-c</device>"
    "<port>ge-0/0/0</port><encapsulation><dot1q><vlan>401</vlan></dot1q></encapsulation>"
    "<routing><pe-address>10.255.21.5/30</pe-address><ce-address>10.255.21.6</ce-address>"
    "<ce-asn>65304</ce-asn></routing></attachment-circuit>\n"
    "  </multipoint>\n"
    "</intercloud>";

static void
test_route_target_shared(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "</intercloud>", second_vpn, NULL), NST_ECHECK);
    expect(ctx, "MP-L3-ROUTE-TARGET-SHARED", 78,
           "/netstitch-multipoint:multipoint[name='lab-vpn']/route-target",
           "route target 64600:300 is also the route target of multipoint corp-vpn");
    /* Its own route target: clean. */
    assert_int_equal(
        run_edit(ctx, "</intercloud>", second_vpn,
                 "<route-target>64600:300</route-target>\n    <attachment-circuit><name>plant2",
                 "<route-target>64600:301</route-target>\n    <attachment-circuit><name>plant2",
                 NULL),
        NST_OK);
    assert_int_equal(count(ctx, "MP-L3-ROUTE-TARGET-SHARED"), 0);
}

/* Two VRFs on one PE with one vpn-id: the second's route distinguisher moves to the next
 * number free on the device (rd_choose, as for a BGP VPLS), so the PE's two VRFs stay apart. */
static void
test_rd_unique(void **state)
{
    struct nst_ctx *ctx = *state;
    struct nst_service *svc = NULL;
    struct nst_compiled *res = NULL;
    char *text =
        edit_first(base, "</intercloud>", second_vpn,
                   "<vpn-id>301</vpn-id>\n    <route-target>64600:300</route-target>",
                   "<vpn-id>300</vpn-id>\n    <route-target>64600:301</route-target>", NULL);
    char *ir = NULL;

    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "t.xml", &svc),
                     NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &res), NST_OK);
    assert_int_equal(nst_compiled_ir(res, &ir), NST_OK);
    assert_non_null(strstr(ir, "<vrf name=\"corp-vpn\" connection=\"corp-vpn\" vpn-id=\"300\" "
                               "route-distinguisher=\"192.0.2.11:300\""));
    assert_non_null(strstr(ir, "<vrf name=\"lab-vpn\" connection=\"lab-vpn\" vpn-id=\"300\" "
                               "route-distinguisher=\"192.0.2.11:301\""));
    assert_non_null(strstr(ir, "<vrf name=\"lab-vpn\" connection=\"lab-vpn\" vpn-id=\"300\" "
                               "route-distinguisher=\"192.0.2.13:301\""));
    nst_free_string(ir);
    nst_compiled_free(res);
    nst_service_free(svc);
    free(text);
}

/* A layer-3 VPN named as a connection's VPLS on the same PEs (tests/compile/junos/
 * junos-features.xml's ic-ldp on pe1 and pe2): one Junos routing instance for both. */
static void
test_name_in_use(void **state)
{
    struct nst_ctx *ctx = *state;
    const char *top = getenv("TOP");
    const char *port = "<port><name>ge-0/0/9</name><bandwidth>1000000</bandwidth><mtu>1518</mtu>"
                       "<max-mtu>9192</max-mtu></port>";
    const char *vpn =
        "  <multipoint xmlns=\"urn:netstitch:yang:multipoint\"><name>ic-ldp</name>"
        "<kind>l3vpn</kind><ip-mtu>1500</ip-mtu><vpn-id>900</vpn-id>"
        "<route-target>65100:900</route-target>\n"
        "    <attachment-circuit><name>x</name><site>campus</site><device>pe1</device>"
        "<port>ge-0/0/9</port><encapsulation><dot1q><vlan>900</vlan></dot1q></encapsulation>"
        "<routing><pe-address>10.254.90.1/30</pe-address><ce-address>10.254.90.2</ce-address>"
        "<ce-asn>65010</ce-asn></routing></attachment-circuit>\n"
        "    <attachment-circuit><name>y</name><site>dc</site><device>pe2</device>"
        "<port>ge-0/0/9</port><encapsulation><dot1q><vlan>900</vlan></dot1q></encapsulation>"
        "<routing><pe-address>10.254.90.5/30</pe-address><ce-address>10.254.90.6</ce-address>"
        "<ce-asn>65030</ce-asn></routing></attachment-circuit>\n"
        "  </multipoint>\n</intercloud>";
    char path[1024], pe1[256], pe2[256], *feat, *s, *t;
    size_t i, n = 0;

    snprintf(path, sizeof path, "%s/tests/compile/junos/junos-features.xml", top ? top : ".");
    feat = slurp(path);
    snprintf(pe1, sizeof pe1, "<router-id>10.255.9.1</router-id>%s", port);
    snprintf(pe2, sizeof pe2, "<asn>65100</asn><router-id>10.255.9.2</router-id>%s", port);
    s = edit_first(feat, "<router-id>10.255.9.1</router-id>", pe1,
                   "<router-id>10.255.9.2</router-id>", pe2, "</intercloud>", vpn, NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), "MP-L3-NAME-IN-USE")) {
            n++;
            assert_non_null(
                strstr(nst_diag_message(d), "also has the VPLS ic-ldp of connection vpls-ldp"));
        }
    }
    assert_int_equal(n, 2); /* once per PE */
    /* Another name: clean. */
    t = edit_first(s, "<name>ic-ldp</name><kind>l3vpn</kind>",
                   "<name>ic-vrf</name><kind>l3vpn</kind>", NULL);
    assert_int_equal(run(ctx, t), NST_OK);
    free(t);
    free(s);
    free(feat);
}

/* SR OS numbers every service of a router from one id space (drv_caps.service_ids_shared):
 * a layer-2 VPN whose vpls-id is the layer-3 VPN's vpn-id on the Nokia PE is refused at the
 * layer-3 VPN's circuit there (MP-L3-SERVICE-ID; the driver would refuse it at compile);
 * the Cisco PE holding both is not reported, and another vpls-id is clean. */
static void
test_service_id(void **state)
{
    struct nst_ctx *ctx = *state;
    const char *top = getenv("TOP");
    const char *l2 =
        "  </multipoint>\n"
        "  <multipoint xmlns=\"urn:netstitch:yang:multipoint\"><name>sr-l2</name>"
        "<ip-mtu>1500</ip-mtu><signalling>ldp</signalling><vpls-id>4700</vpls-id>\n"
        "    <attachment-circuit><name>p</name><site>factory</site><device>pe-sr1</device>"
        "<port>1/1/1</port><encapsulation><qinq><s-tag>302</s-tag><c-tag>100</c-tag></qinq>"
        "</encapsulation></attachment-circuit>\n"
        "    <attachment-circuit><name>q</name><site>office</site><device>pe-xr9</device>"
        "<port>GigabitEthernet0/0/0/0</port><encapsulation><dot1q><vlan>732</vlan></dot1q>"
        "</encapsulation></attachment-circuit>\n"
        "  </multipoint>\n</intercloud>";
    char path[1024], *sr, *s, *t;
    const struct nst_diag *d;

    snprintf(path, sizeof path, "%s/tests/compile/multipoint/l3vpn-sros.xml", top ? top : ".");
    sr = slurp(path);
    assert_int_equal(run(ctx, sr), NST_OK);
    s = edit_first(sr, "  </multipoint>\n</intercloud>", l2, NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    d = only(ctx, "MP-L3-SERVICE-ID");
    assert_non_null(strstr(nst_diag_path(d), "[name='sr-l3']/attachment-circuit[name='factory']"));
    assert_non_null(strstr(nst_diag_message(d), "PE pe-sr1 (sros) numbers its VRF with the VPN id "
                                                "4700, which multipoint sr-l2 (its vpls-id)"));
    t = edit_first(s, "<vpls-id>4700</vpls-id>", "<vpls-id>4702</vpls-id>", NULL);
    assert_int_equal(run(ctx, t), NST_OK);
    assert_int_equal(count(ctx, "MP-L3-SERVICE-ID"), 0);
    free(t);
    free(s);
    free(sr);
}

static void
test_ce_subnet(void **state)
{
    struct nst_ctx *ctx = *state;

    /* Outside the PE's /30. */
    assert_int_equal(run_edit(ctx, "<ce-address>10.255.20.6</ce-address>",
                              "<ce-address>10.255.20.9</ce-address>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-CE-SUBNET", 68, AC("plant") "/routing/ce-address",
           "outside the link 10.255.20.4/30");
    /* The PE's own address. */
    assert_int_equal(run_edit(ctx, "<ce-address>10.255.20.6</ce-address>",
                              "<ce-address>10.255.20.5</ce-address>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-CE-SUBNET", 68, AC("plant") "/routing/ce-address", "the PE's own");
    /* The broadcast address of a /30; a /31 has none (the hq link is one, and clean). */
    assert_int_equal(run_edit(ctx, "<ce-address>10.255.20.6</ce-address>",
                              "<ce-address>10.255.20.7</ce-address>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-CE-SUBNET", 68, AC("plant") "/routing/ce-address", "broadcast address");
    /* The PE on the network address. */
    assert_int_equal(run_edit(ctx, "<pe-address>10.255.20.5/30</pe-address>",
                              "<pe-address>10.255.20.4/30</pe-address>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-CE-SUBNET", 68, AC("plant") "/routing/pe-address",
           "the PE's address 10.255.20.4 is the network address");
}

static void
test_ce_asn(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<ce-asn>65204</ce-asn>", "<ce-asn>64600</ce-asn>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-CE-ASN", 74, AC("lab") "/routing/ce-asn", "AS64600 is the backbone's");
    assert_int_equal(count(ctx, "MP-L3-CE-ASN-SHARED"), 0);
    /* A reserved AS (AS_TRANS) or a public one: the peer-AS rules of every session. */
    assert_int_equal(run_edit(ctx, "<ce-asn>65204</ce-asn>", "<ce-asn>23456</ce-asn>", NULL),
                     NST_ECHECK);
    expect(ctx, "BGP-ASN-RESERVED", 74, AC("lab") "/routing/ce-asn",
           "ce-asn of multipoint corp-vpn attachment circuit lab");
    assert_int_equal(run_edit(ctx, "<ce-asn>65204</ce-asn>", "<ce-asn>3356</ce-asn>", NULL),
                     NST_OK);
    expect(ctx, "BGP-ASN-PUBLIC", 74, AC("lab") "/routing/ce-asn", "AS3356");
    /* Two sites with one AS: a warning (the CE may allow its own AS in). */
    assert_int_equal(run_edit(ctx, "<ce-asn>65204</ce-asn>", "<ce-asn>65202</ce-asn>", NULL),
                     NST_OK);
    expect(ctx, "MP-L3-CE-ASN-SHARED", 74, AC("lab") "/routing/ce-asn",
           "attachment circuit lab (site lab) and attachment circuit plant (site plant)");
}

static void
test_encap_bundle(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<qinq><s-tag>300</s-tag><c-tag>30</c-tag></qinq>",
                              "<qinq-bundle><s-tag>300</s-tag>"
                              "<c-vlan>30-39</c-vlan></qinq-bundle>",
                              NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-ENCAP", 70, AC("dc") "/encapsulation", "cannot route");
}

static void
test_unsupported_eos(void **state)
{
    struct nst_ctx *ctx = *state;
    size_t i, n = 0;

    assert_int_equal(
        run_edit(ctx, "<name>pe-c</name><vendor>junos</vendor>",
                 "<name>pe-c</name><vendor>openconfig</vendor><platform>eos</platform>", NULL),
        NST_ECHECK);
    /* On the EOS PE's circuit only, naming the driver (drv_caps.l3vpn). */
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (strcmp(nst_diag_code(d), "MP-L3-UNSUPPORTED")) {
            continue;
        }
        n++;
        assert_int_equal(nst_diag_line(d), 72);
        assert_non_null(strstr(nst_diag_message(d), "pe-c, whose driver (eos)"));
    }
    assert_int_equal(n, 1);
}

static void
test_hub(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<kind>l3vpn</kind>",
                              "<kind>l3vpn</kind><topology>hub-and-spoke</topology>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-HUB-UNSUPPORTED", 55, VPN, NULL);
    /* Not the VPLS hub rules. */
    assert_int_equal(count(ctx, "MP-HUBS"), 0);
}

static void
test_site_no_prefix(void **state)
{
    struct nst_ctx *ctx = *state;

    /* An IPv6 prefix only: nothing the IPv4 session routes. */
    assert_int_equal(
        run_edit(ctx, "<prefix>10.40.0.0/22</prefix>", "<prefix>2001:db8:40::/48</prefix>", NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-SITE-NO-PREFIX", 72, AC("lab"), "site lab has no IPv4 prefix");
}

/* hq has two prefixes; a limit of one tears its session down at once. */
static void
test_max_prefix(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(
        run_edit(ctx, "<max-prefix>50</max-prefix>", "<max-prefix>1</max-prefix>", NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-MAX-PREFIX", 65, AC("hq") "/routing/max-prefix",
           "accepts at most 1 prefixes from the CE, but site hq has 2");
    assert_int_equal(
        run_edit(ctx, "<max-prefix>50</max-prefix>", "<max-prefix>2</max-prefix>", NULL), NST_OK);
    assert_int_equal(count(ctx, "MP-L3-MAX-PREFIX"), 0);
}

static void
test_double_tag(void **state)
{
    struct nst_ctx *ctx = *state;

    /* A VRP PE: its driver routes no QinQ sub-interface (and renders no VRF yet, or
     * does: either way the double-tag rule is its own code). */
    assert_int_equal(run_edit(ctx, "<name>pe-b</name><vendor>junos</vendor>",
                              "<name>pe-b</name><vendor>vrp</vendor>",
                              "<name>xe-0/0/0</name><description>to dc",
                              "<name>GigabitEthernet0/1/0</name><description>to dc",
                              "<port>xe-0/0/0</port>", "<port>GigabitEthernet0/1/0</port>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-DOUBLE-TAG-UNSUPPORTED", 70, AC("dc") "/encapsulation", "QinQ");
}

static void
test_link_overlap(void **state)
{
    struct nst_ctx *ctx = *state;
    const struct nst_diag *d;

    /* A PE-CE link inside another site's prefix: the hidden transit link collides. */
    assert_int_equal(
        run_edit(ctx,
                 "<pe-address>10.255.20.13/30</pe-address><ce-address>10.255.20.14</ce-address>",
                 "<pe-address>10.30.9.1/30</pe-address><ce-address>10.30.9.2</ce-address>", NULL),
        NST_ECHECK);
    d = only(ctx, "IP-OVERLAP");
    assert_int_equal(nst_diag_line(d), 74);
    assert_non_null(
        strstr(nst_diag_message(d), "PE-CE link of multipoint corp-vpn attachment circuit lab"));
    assert_non_null(strstr(nst_diag_message(d), "prefix of site dc"));
    /* Inside its own site's prefix: that site's plan, no overlap. */
    assert_int_equal(
        run_edit(
            ctx, "<pe-address>10.255.20.13/30</pe-address><ce-address>10.255.20.14</ce-address>",
            "<pe-address>10.40.3.253/30</pe-address><ce-address>10.40.3.254</ce-address>", NULL),
        NST_OK);
    assert_int_equal(count(ctx, "IP-OVERLAP"), 0);
    /* Two links with one subnet: an overlap, and the CE address on two sites. */
    assert_int_equal(
        run_edit(
            ctx, "<pe-address>10.255.20.13/30</pe-address><ce-address>10.255.20.14</ce-address>",
            "<pe-address>10.255.20.5/30</pe-address><ce-address>10.255.20.6</ce-address>", NULL),
        NST_ECHECK);
    expect(ctx, "IP-OVERLAP", 74, AC("lab") "/routing/pe-address", "10.255.20.4/30");
    /* Both addresses are on two circuits (the PE's on two PEs, the CE's on two sites). */
    assert_int_equal(count(ctx, "IP-DUPLICATE-ADDRESS"), 2);
}

/* The core of an l3vpn carries the IP packet under two labels: a fixed core segment of 1508
 * carries IP 1500 (a VPLS would need 1526), 1507 does not. */
static void
test_pair_mtu(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(
        run_edit(ctx,
                 "<kind>mpls-core</kind>\n    "
                 "<a><device>pe-a</device><port>et-0/0/1</port></a><b><device>pe-b</"
                 "device><port>et-0/0/1</port></b>",
                 "<kind>mpls-core</kind>\n    "
                 "<a><device>pe-a</device><port>et-0/0/1</port></a><b><device>pe-b</"
                 "device><port>et-0/0/1</port></b><owner>backbone</owner><mtu>1508</mtu>",
                 NULL),
        NST_OK);
    assert_int_equal(count(ctx, "MP-PAIR-MTU"), 0);
    assert_non_null(strstr(nst_diag_message(only(ctx, "MP-WORST-PAIR")),
                           "carries IP MTU 1500 (core segment core-a-b)"));
    assert_int_equal(
        run_edit(ctx,
                 "<kind>mpls-core</kind>\n    "
                 "<a><device>pe-a</device><port>et-0/0/1</port></a><b><device>pe-b</"
                 "device><port>et-0/0/1</port></b>",
                 "<kind>mpls-core</kind>\n    "
                 "<a><device>pe-a</device><port>et-0/0/1</port></a><b><device>pe-b</"
                 "device><port>et-0/0/1</port></b><owner>backbone</owner><mtu>1507</mtu>",
                 NULL),
        NST_ECHECK);
    /* hq and plant (pe-a) to dc (pe-b): two pairs over core-a-b. */
    assert_int_equal(count(ctx, "MP-PAIR-MTU"), 2);
}

/* The IR of a PE with two sites: one <vrf>, two neighbours, the lists of each. */

/* Dual stack on a circuit (pe-ipv6-address, ce-ipv6-address). */
#define PLANT4 "<ce-address>10.255.20.6</ce-address>"
#define PLANT6(pe, ce)                                                                             \
    PLANT4 "<pe-ipv6-address>" pe "</pe-ipv6-address><ce-ipv6-address>" ce "</ce-ipv6-address>"

/* A well-formed IPv6 link on a /127 whose PE is its first address (RFC 6164): clean on
 * Junos (drv_caps.l3vpn_v6); on a PE whose driver renders VRFs but not IPv6 in them
 * (VRP this round) only the driver refusal, at the pe-ipv6-address leaf. */
static void
test_v6_unsupported(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::5"), NULL), NST_OK);
    assert_int_equal(count_prefix(ctx, "MP-L3-"), 0);
    assert_int_equal(run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::5"),
                              "<name>pe-a</name><vendor>junos</vendor>",
                              "<name>pe-a</name><vendor>vrp</vendor>", NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-V6-UNSUPPORTED", 68, AC("plant") "/routing/pe-ipv6-address",
           "pe-a's driver (vrp) does not render IPv6 in layer-3 VPNs");
    assert_int_equal(count_prefix(ctx, "MP-L3-"), 1);
    assert_int_equal(count_prefix(ctx, "IP-"), 0);
}

/* The lowering of a dual-stack circuit: the unit's <ipv6>, a second neighbour over IPv6
 * with family ipv6-unicast and the IPv6 lists; the other sites' IPv6 prefixes go out. */
static void
test_v6_lowering(void **state)
{
    struct nst_ctx *ctx = *state;
    struct nst_service *svc = NULL;
    struct nst_compiled *res = NULL;
    char *ir = NULL, *s = strdup(base), *t;

    t = edit_first(s, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::5"), NULL);
    free(s);
    s = edit_first(t, "<prefix>10.30.0.0/16</prefix>",
                   "<prefix>10.30.0.0/16</prefix><prefix>2001:db8:30::/48</prefix>", NULL);
    free(t);
    t = edit_first(s, "<prefix>10.20.0.0/16</prefix>",
                   "<prefix>10.20.0.0/16</prefix><prefix>2001:db8:20::/48</prefix>", NULL);
    free(s);
    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, t, strlen(t), NST_FORMAT_XML, "t.xml", &svc),
                     NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &res), NST_OK);
    assert_int_equal(nst_compiled_ir(res, &ir), NST_OK);
    assert_non_null(strstr(ir, "<ipv6 address=\"2001:db8:ff:20::4\" prefix-length=\"127\"/>"));
    assert_non_null(strstr(ir,
                           "<neighbor address=\"2001:db8:ff:20::5\" name=\"corp-vpn-plant-6\" "
                           "connection=\"corp-vpn\" peer-as=\"65202\" "
                           "local-address=\"2001:db8:ff:20::4\" import=\"NS-corp-vpn-plant-IN6\" "
                           "export=\"NS-corp-vpn-plant-OUT6\" transport=\"ipv6\">"));
    assert_non_null(strstr(ir, "<family name=\"ipv6-unicast\" import=\"NS-corp-vpn-plant-IN6\" "
                               "export=\"NS-corp-vpn-plant-OUT6\"/>"));
    /* In: plant's own IPv6 prefix; out: dc's, not plant's. */
    assert_non_null(strstr(ir, "<prefix-list name=\"NS-corp-vpn-plant-IN6\" family=\"ipv6\">\n"
                               "      <prefix prefix=\"2001:db8:20::/48\""));
    assert_non_null(strstr(ir, "<prefix-list name=\"NS-corp-vpn-plant-OUT6\" family=\"ipv6\">\n"
                               "      <prefix prefix=\"2001:db8:30::/48\""));
    assert_non_null(strstr(ir, "<policy name=\"NS-corp-vpn-plant-IN6\""));
    /* The IPv4 session's lists stay IPv4 only. */
    {
        char *v4 = strstr(ir, "<prefix-list name=\"NS-corp-vpn-plant-OUT\"");

        assert_non_null(v4);
        *strstr(v4, "</prefix-list>") = '\0';
        assert_null(strstr(v4, "2001:"));
    }
    free(t);
    nst_free_string(ir);
    nst_compiled_free(res);
    nst_service_free(svc);
}

/* The IPv6 link's own rules (MP-L3-V6-LINK), each beside the refusal. */
static void
test_v6_link(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::6"), NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/ce-ipv6-address",
           "outside the link 2001:db8:ff:20::4/127");
    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::4"), NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/ce-ipv6-address", "the PE's own");
    /* The all-zero interface id of a /64 is the Subnet-Router anycast address; of a /127
     * it is an end's (the test above). */
    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::1/64", "2001:db8:ff:20::"), NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/ce-ipv6-address",
           "Subnet-Router anycast address of 2001:db8:ff:20::/64");
    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::/64", "2001:db8:ff:20::2"), NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/pe-ipv6-address",
           "the PE's IPv6 address 2001:db8:ff:20:: is the Subnet-Router anycast address");
    /* Not a point-to-point length. */
    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::1/120", "2001:db8:ff:20::2"), NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/pe-ipv6-address",
           "is a /120, not a point-to-point length");
    /* One leaf without the other. */
    assert_int_equal(run_edit(ctx, PLANT4,
                              PLANT4 "<pe-ipv6-address>2001:db8:ff:20::4/127</pe-ipv6-address>",
                              NULL),
                     NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/pe-ipv6-address",
           "pe-ipv6-address without ce-ipv6-address");
    assert_int_equal(
        run_edit(ctx, PLANT4, PLANT4 "<ce-ipv6-address>2001:db8:ff:20::5</ce-ipv6-address>", NULL),
        NST_ECHECK);
    expect(ctx, "MP-L3-V6-LINK", 68, AC("plant") "/routing/ce-ipv6-address",
           "ce-ipv6-address without pe-ipv6-address");
}

/* A site with IPv6 prefixes on an IPv4-only circuit: a warning (those prefixes are not
 * routed), at the circuit's routing container; the service still checks clean. */
static void
test_v6_no_link(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<prefix>10.11.0.0/16</prefix>",
                              "<prefix>10.11.0.0/16</prefix><prefix>2001:db8:10::/48</prefix>",
                              NULL),
                     NST_OK);
    expect(ctx, "MP-L3-V6-NO-LINK", 64, AC("hq") "/routing",
           "the 1 IPv6 prefixes of site hq are not routed");
    assert_int_equal(nst_diag_count_severity(ctx, NST_SEV_ERROR), 0);
}

/* The IPv6 PE-CE link joins the global overlap sweep: inside another site's IPv6 prefix. */
static void
test_v6_overlap(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run_edit(ctx, "<prefix>10.30.0.0/16</prefix>",
                              "<prefix>10.30.0.0/16</prefix><prefix>2001:db8:30::/48</prefix>",
                              PLANT4, PLANT6("2001:db8:30::4/127", "2001:db8:30::5"), NULL),
                     NST_ECHECK);
    expect(ctx, "IP-OVERLAP", 68, AC("plant") "/routing/pe-ipv6-address", "2001:db8:30::4/127");
    /* The same link on two circuits: the PE's and the CE's IPv6 addresses twice. */
    assert_int_equal(run_edit(ctx, PLANT4, PLANT6("2001:db8:ff:20::4/127", "2001:db8:ff:20::5"),
                              "<ce-address>10.255.20.14</ce-address>",
                              "<ce-address>10.255.20.14</ce-address><pe-ipv6-address>2001:db8:"
                              "ff:20::4/127</pe-ipv6-address><ce-ipv6-address>2001:db8:ff:20::5<"
                              "/ce-ipv6-address>",
                              NULL),
                     NST_ECHECK);
    assert_int_equal(count(ctx, "IP-DUPLICATE-ADDRESS"), 2);
}

static void
test_lowering(void **state)
{
    struct nst_ctx *ctx = *state;
    struct nst_service *svc = NULL;
    struct nst_compiled *res = NULL;
    char *ir = NULL, *pe_a, *pe_b, *bgp;

    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, base, strlen(base), NST_FORMAT_XML, "t.xml", &svc),
                     NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &res), NST_OK);
    assert_int_equal(nst_compiled_ir(res, &ir), NST_OK);
    assert_non_null(strstr(ir, "<subif id=\"0\" kind=\"l3\" connection=\"corp-vpn\" hop=\"1\" "
                               "ip-mtu=\"1500\" vrf=\"corp-vpn\">"));
    assert_non_null(strstr(ir, "<ipv4 address=\"10.255.20.0\" prefix-length=\"31\"/>"));
    assert_non_null(strstr(ir, "<vrf name=\"corp-vpn\" connection=\"corp-vpn\" vpn-id=\"300\" "
                               "route-distinguisher=\"192.0.2.11:300\" route-target=\"64600:300\" "
                               "asn=\"64600\" router-id=\"192.0.2.11\">"));
    assert_non_null(strstr(ir, "<neighbor address=\"10.255.20.1\" name=\"corp-vpn-hq\" "
                               "connection=\"corp-vpn\" peer-as=\"65201\" "
                               "local-address=\"10.255.20.0\" import=\"NS-corp-vpn-hq-IN\" "
                               "export=\"NS-corp-vpn-hq-OUT\" max-prefix=\"50\" "
                               "auth-key-ref=\"ce-hq\" transport=\"ipv4\">"));
    /* hq's export list: the three other sites, not hq's own prefixes. */
    assert_non_null(strstr(ir, "<prefix-list name=\"NS-corp-vpn-hq-OUT\" family=\"ipv4\">\n"
                               "      <prefix prefix=\"10.20.0.0/16\" address=\"10.20.0.0\" "
                               "length=\"16\" seq=\"10\"/>\n"
                               "      <prefix prefix=\"10.30.0.0/16\" address=\"10.30.0.0\" "
                               "length=\"16\" seq=\"20\"/>\n"
                               "      <prefix prefix=\"10.40.0.0/22\" address=\"10.40.0.0\" "
                               "length=\"22\" seq=\"30\"/>\n"
                               "    </prefix-list>"));
    /* No rewrite on a routed circuit; no global <bgp> on pe-a, whose only sessions are the
     * VRF's; pe-c's is its connection's. */
    assert_null(strstr(ir, "<rewrite"));
    pe_a = strstr(ir, "<device name=\"pe-a\"");
    pe_b = strstr(ir, "<device name=\"pe-b\"");
    assert_non_null(pe_a);
    assert_non_null(pe_b);
    bgp = strstr(pe_a, "<bgp ");
    assert_non_null(bgp);
    assert_true(bgp > pe_b);
    /* Within pe-c's <bgp> element. */
    *strstr(bgp, "</bgp>") = '\0';
    assert_null(strstr(bgp, "corp-vpn"));
    nst_free_string(ir);
    nst_compiled_free(res);
    nst_service_free(svc);
}

/* The health check of the shipped dual-stack WAN (taipei and hsinchu 6VPE) expects every
 * VRF neighbour the IR has: the five IPv4 PE-CE sessions and the two IPv6 ones
 * (VPN-CIRCUIT-6, the CE's IPv6 address), each on its own family's prefixes. */
static void
test_health_dual_stack(void **state)
{
    struct nst_ctx *ctx = *state;
    struct nst_service *svc = NULL;
    struct nst_inventory *inv = NULL;
    struct nst_health *h = NULL;
    char path[1024], buf[512], all[4096] = "";
    const char *top = getenv("TOP");

    snprintf(path, sizeof path, "%s/examples/enterprise-wan/service-l3vpn.xml", top ? top : ".");
    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load(ctx, path, NST_FORMAT_AUTO, &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_inventory_load_mem(ctx,
                                            "<inventory xmlns=\"urn:netstitch:yang:inventory\"/>",
                                            NST_FORMAT_XML, "inv", &inv),
                     NST_OK);
    assert_int_equal(nst_health_new(svc, inv, &h), NST_OK);
    assert_int_equal(nst_health_session_count(h), 7);
    for (size_t i = 0; i < nst_health_session_count(h); i++) {
        assert_non_null(nst_health_session_summary(h, i, buf, sizeof buf));
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s\n", buf);
    }
    assert_non_null(strstr(all, "corp-l3-hq-6 pe-taipei -> 2001:db8:ff:10::1 (taipei): not "
                                "reported, expected >= 1"));
    assert_non_null(strstr(all, "corp-l3-rnd-6 pe-hsinchu -> 2001:db8:ff:10::3 (hsinchu): not "
                                "reported, expected >= 1"));
    assert_non_null(strstr(all, "corp-l3-hq pe-taipei -> 10.255.10.2 (taipei): not reported, "
                                "expected >= 1"));
    assert_null(strstr(all, "corp-l3-factory-6"));
    nst_health_free(h);
    nst_inventory_free(inv);
    nst_service_free(svc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_dual_stack),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_no_asn),
        cmocka_unit_test(test_asn_differs),
        cmocka_unit_test(test_no_router_id),
        cmocka_unit_test(test_route_target),
        cmocka_unit_test(test_ce_subnet),
        cmocka_unit_test(test_route_target_shared),
        cmocka_unit_test(test_rd_unique),
        cmocka_unit_test(test_name_in_use),
        cmocka_unit_test(test_service_id),
        cmocka_unit_test(test_ce_asn),
        cmocka_unit_test(test_encap_bundle),
        cmocka_unit_test(test_unsupported_eos),
        cmocka_unit_test(test_hub),
        cmocka_unit_test(test_site_no_prefix),
        cmocka_unit_test(test_max_prefix),
        cmocka_unit_test(test_double_tag),
        cmocka_unit_test(test_link_overlap),
        cmocka_unit_test(test_pair_mtu),
        cmocka_unit_test(test_v6_unsupported),
        cmocka_unit_test(test_v6_lowering),
        cmocka_unit_test(test_v6_link),
        cmocka_unit_test(test_v6_no_link),
        cmocka_unit_test(test_v6_overlap),
        cmocka_unit_test(test_lowering),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
