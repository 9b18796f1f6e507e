/*
 * test_check.c: unit tests for the checker, each check on a small in-memory service,
 * plus the vendor MTU arithmetic and allocation-failure injection over load + check.
 * Diagnostics are asserted exactly: code, line and path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "driver.h"
#include "check_run.h"
#include "netstitch.h"

/* A minimal clean service: r1 (junos) --s1 QinQ--> r2 (iosxr) --dx dot1q--> AWS; hop 0
 * (written last) brings the campus LAN to r1, so r1's sub-interface is stitched to it. */
static const char *BASE =
    "<intercloud xmlns=\"urn:netstitch:yang:intercloud\">\n"                       /* 1 */
    "<site><name>campus</name><kind>on-premises</kind><asn>65001</asn>\n"           /* 2 */
    "  <prefix>10.1.0.0/24</prefix>\n"                                             /* 3 */
    "  <transit-subnet><name>nat</name><prefix>10.9.0.0/30</prefix></transit-subnet></site>\n"
    "<site><name>aws</name><kind>aws</kind><asn>64512</asn><prefix>10.2.0.0/24</prefix></site>\n"
    "<device><name>r1</name><vendor>junos</vendor><role>site-edge</role><site>campus</site>\n"
    "  <asn>65001</asn><router-id>10.255.0.1</router-id>\n"                         /* 7 */
    "  <port><name>xe-0/0/0</name><bandwidth>10000000</bandwidth><mtu>1522</mtu><max-mtu>9192</max-mtu></port>"
    "  <port><name>ge-0/0/9</name><bandwidth>1000000</bandwidth><mtu>1522</mtu><max-mtu>9192</max-mtu></port></device>\n"
    "<device><name>r2</name><vendor>iosxr</vendor><role>cloud-edge</role><site>campus</site>\n"
    "  <asn>65002</asn><router-id>10.255.0.2</router-id>\n"                         /* 10 */
    "  <port><name>a</name><bandwidth>10000000</bandwidth><mtu>1514</mtu><max-mtu>9216</max-mtu></port>\n"
    "  <port><name>b</name><bandwidth>1000000</bandwidth><mtu>1514</mtu><max-mtu>9216</max-mtu></port></device>\n"
    "<segment><name>s1</name><a><device>r1</device><port>xe-0/0/0</port></a>\n"    /* 13 */
    "  <b><device>r2</device><port>a</port></b></segment>\n"                        /* 14 */
    "<segment><name>dx</name><a><device>r2</device><port>b</port></a>\n"            /* 15 */
    "  <b><site>aws</site></b><owner>aws</owner><mtu>1500</mtu><mtu-meaning>ip</mtu-meaning>\n"
    "  <bandwidth>50000</bandwidth></segment>"                                      /* 17 */
    "<segment><name>lan</name><a><site>campus</site></a><b><device>r1</device><port>ge-0/0/9</port></b></segment>\n"
    "<connection><name>c1</name><ip-mtu>1500</ip-mtu><endpoint>campus</endpoint><endpoint>aws</endpoint>\n"
    "  <hop><seq>1</seq><segment>s1</segment>\n"                                    /* 19 */
    "    <encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation></hop>\n"
    "  <hop><seq>2</seq><segment>dx</segment>\n"                                    /* 21 */
    "    <encapsulation><dot1q><vlan>300</vlan></dot1q></encapsulation></hop>"      /* 22 */
    "  <hop><seq>0</seq><segment>lan</segment>"
    "<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation></hop>\n"
    "  <stitch><device>r2</device><from-hop>1</from-hop><to-hop>2</to-hop><kind>route</kind></stitch>\n"
    "  <bgp-session><name>to-aws</name><device>r2</device><port>b</port>\n"        /* 24 */
    "    <link-subnet>169.254.10.0/30</link-subnet>\n"                               /* 25 */
    "    <local-address>169.254.10.2</local-address>\n"                              /* 26 */
    "    <peer-address>169.254.10.1</peer-address>\n"                                /* 27 */
    "    <peer-asn>64512</peer-asn><peer-site>aws</peer-site>\n"                     /* 28 */
    "    <announce>10.1.0.0/24</announce><accept>10.2.0.0/24</accept>\n"             /* 29 */
    "    <max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n" /* 30 */
    "</connection></intercloud>\n";

#define edit(...) edit_first(BASE, __VA_ARGS__)

static void
expect(struct nst_ctx *ctx, const char *code, uint32_t line, const char *path)
{
    const struct nst_diag *d = only(ctx, code);

    assert_int_equal(nst_diag_line(d), line);
    if (path) {
        assert_string_equal(nst_diag_path(d), path);
    }
    assert_non_null(nst_diag_hint(d));
    assert_string_equal(nst_diag_file(d), "t.xml");
}

#define C1 "/netstitch-intercloud:intercloud/connection[name='c1']"

static void
test_base_is_clean(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run(ctx, BASE), NST_OK);
    assert_int_equal(nst_diag_count_severity(ctx, NST_SEV_ERROR), 0);
    assert_int_equal(nst_diag_count_severity(ctx, NST_SEV_WARNING), 0);
    /* The only note is the bottleneck: the 50 Mbit/s Direct Connect hop. */
    expect(ctx, "BW-BOTTLENECK", 21, C1 "/hop[seq='2']");
    assert_non_null(strstr(nst_diag_message(only(ctx, "BW-BOTTLENECK")), "50 Mbit/s"));
}

static void
test_mtu_fixed_segment_states_max(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<mtu-meaning>ip</mtu-meaning>", "", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "MTU-FIXED-SEGMENT", 21, C1 "/hop[seq='2']");
    assert_non_null(strstr(nst_diag_message(only(ctx, "MTU-FIXED-SEGMENT")),
                           "largest IP MTU this path can carry is 1496"));
    free(s);
}

static void
test_mtu_qinq_on_fixed_segment_1492(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<mtu-meaning>ip</mtu-meaning>", "",
                   "<dot1q><vlan>300</vlan></dot1q>", "<qinq><s-tag>300</s-tag><c-tag>1</c-tag></qinq>",
                   NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_non_null(strstr(nst_diag_message(only(ctx, "MTU-FIXED-SEGMENT")), "is 1492"));
    free(s);
}

static void
test_mtu_planned_raise_and_hw_limit(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<mtu>1522</mtu>", "<mtu>1514</mtu>", NULL);

    /* Junos counts both tags: 1500 + 14 + 8 = 1522, within 9192: a planned change. */
    assert_int_equal(run(ctx, s), NST_OK);
    expect(ctx, "MTU-PORT-RAISE", 8, "/netstitch-intercloud:intercloud/device[name='r1']/port[name='xe-0/0/0']");
    assert_non_null(strstr(nst_diag_message(only(ctx, "MTU-PORT-RAISE")), "1514 -> 1522"));
    free(s);

    s = edit("<mtu>1522</mtu><max-mtu>9192</max-mtu>", "<mtu>1514</mtu><max-mtu>1518</max-mtu>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "MTU-PORT-HW-LIMIT", 8, NULL);
    assert_non_null(strstr(nst_diag_message(only(ctx, "MTU-PORT-HW-LIMIT")), "is 1496"));
    free(s);
}

static void
test_mtu_vendor_meaning(void **state)
{
    (void)state;
    /* docs/vendors.md A.6: IP MTU 1500. */
    assert_int_equal(drv_port_mtu_needed(&drv_junos_ops, 1500, 0, false), 1514);
    assert_int_equal(drv_port_mtu_needed(&drv_junos_ops, 1500, 1, false), 1518);
    assert_int_equal(drv_port_mtu_needed(&drv_junos_ops, 1500, 2, false), 1522);
    assert_int_equal(drv_port_mtu_needed(&drv_junos_ops, 1500, 0, true), 1544);
    assert_int_equal(drv_port_mtu_needed(&drv_sros_ops, 1500, 2, false), 1522);
    assert_int_equal(drv_port_mtu_needed(&drv_sros_ops, 1500, 0, true), 1540);
    assert_int_equal(drv_port_mtu_needed(&drv_iosxr_ops, 1500, 2, false), 1514);
    assert_int_equal(drv_port_mtu_needed(&drv_iosxr_ops, 1500, 0, true), 1540);
    assert_int_equal(drv_port_mtu_needed(&drv_vrp_ops, 1500, 2, false), 1500);
    assert_int_equal(drv_port_mtu_needed(&drv_eos_ops, 1500, 1, false), 1500);
    assert_int_equal(drv_port_mtu_needed(&drv_openconfig_ops, 1500, 1, false), 1518);
    /* and back */
    assert_int_equal(drv_ip_mtu_carried(&drv_junos_ops, 1518, 2, false), 1496);
    assert_int_equal(drv_ip_mtu_carried(&drv_iosxr_ops, 1514, 2, false), 1500);
    assert_int_equal(drv_ip_mtu_carried(&drv_vrp_ops, 1500, 2, false), 1500);
    /* The tagging mode a port's sub-interfaces give it, and what Junos then counts
     * (issue 11 defect 7): one 0x9100 tag makes the port flexible, which counts two. */
    assert_int_equal(drv_tagging_add(DRV_TAGGING_NONE, 0, 0), DRV_TAGGING_NONE);
    assert_int_equal(drv_tagging_add(DRV_TAGGING_NONE, 1, 0x8100), DRV_TAGGING_DOT1Q);
    assert_int_equal(drv_tagging_add(DRV_TAGGING_NONE, 1, 0x9100), DRV_TAGGING_FLEXIBLE);
    assert_int_equal(drv_tagging_add(DRV_TAGGING_DOT1Q, 2, 0x8100), DRV_TAGGING_FLEXIBLE);
    assert_int_equal(drv_tagging_add(DRV_TAGGING_FLEXIBLE, 1, 0x8100), DRV_TAGGING_FLEXIBLE);
    assert_int_equal(drv_tags_counted(&drv_junos_ops, DRV_TAGGING_FLEXIBLE, 1), 2);
    assert_int_equal(drv_tags_counted(&drv_junos_ops, DRV_TAGGING_DOT1Q, 1), 1);
    assert_int_equal(drv_tags_counted(&drv_sros_ops, DRV_TAGGING_FLEXIBLE, 1), 1);
}

/* Route targets (issue 11 defect 6): RFC 4360 two-octet and RFC 5668 four-octet AS forms. */
static void
test_route_target_parse(void **state)
{
    struct drv_rt rt;
    const char *why = NULL;

    (void)state;
    assert_int_equal(drv_rt_parse("65000:4294967295", &rt, &why), NST_OK);
    assert_int_equal(rt.as, 65000);
    assert_true(rt.num == 4294967295u && !rt.four_byte_as);
    assert_int_equal(drv_rt_parse("4200000001:500", &rt, &why), NST_OK);
    assert_true(rt.as == 4200000001u && rt.num == 500 && rt.four_byte_as);
    assert_int_equal(drv_rt_parse("65536:65535", &rt, &why), NST_OK);
    assert_true(rt.four_byte_as);
    assert_int_equal(drv_rt_parse("4200000001:65536", &rt, &why), NST_EINPUT);
    assert_non_null(strstr(why, "16 bits"));
    assert_int_equal(drv_rt_parse("0:1", &rt, &why), NST_EINPUT);
    assert_int_equal(drv_rt_parse("4294967296:1", &rt, &why), NST_EINPUT);
    assert_int_equal(drv_rt_parse("1:4294967296", &rt, &why), NST_EINPUT);
    assert_int_equal(drv_rt_parse("1:", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse(":1", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse("1:2:3", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse("065000:1", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse("65000:01", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse("65000:0", &rt, NULL), NST_OK);
    assert_int_equal(drv_rt_parse("99999999999999999999999:1", &rt, NULL), NST_EINPUT);
    assert_int_equal(drv_rt_parse(NULL, &rt, NULL), NST_EINPUT);
}

static void
test_vlan_stitch_missing(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<kind>route</kind>", "", NULL);

    /* A rewrite stitch of QinQ into dot1q on XR is fine for the tags... */
    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_int_equal(count(ctx, "VLAN-STITCH-MISSING") + count(ctx, "VLAN-REWRITE-UNSUPPORTED"), 0);
    /* ...but hop 2 is routed at r2 (its BGP session), so hop 1's sub-interface there would
     * be joined to nothing (issue 11). */
    expect(ctx, "SUBIF-ORPHAN", 19, C1 "/hop[seq='1']");
    assert_int_equal(nst_diag_count_severity(ctx, NST_SEV_ERROR), 1);
    free(s);
    /* ...no stitch at all is not. */
    s = edit("  <stitch><device>r2</device><from-hop>1</from-hop><to-hop>2</to-hop><kind>route</kind></stitch>\n",
             "", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "VLAN-STITCH-MISSING", 21, C1 "/hop[seq='2']");
    free(s);
}

static void
test_vlan_openconfig_cannot_rewrite_two_tags(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<vendor>iosxr</vendor>", "<vendor>openconfig</vendor>", "<kind>route</kind>",
                   "<kind>rewrite</kind>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "VLAN-REWRITE-UNSUPPORTED", 23, C1 "/stitch[device='r2']");
    free(s);
    /* EOS does it through arista-cli. */
    s = edit("<vendor>iosxr</vendor>", "<vendor>openconfig</vendor><platform>eos</platform>",
             "<kind>route</kind>", "<kind>rewrite</kind>", NULL);
    run(ctx, s);
    assert_int_equal(count(ctx, "VLAN-REWRITE-UNSUPPORTED"), 0);
    free(s);
}

static void
test_vlan_tpid_port_conflict(void **state)
{
    struct nst_ctx *ctx = *state;
    /* SR OS sets the QinQ TPID per port: a port fixed to 0x9100 cannot take 0x88a8. */
    char *s = edit("<vendor>iosxr</vendor>", "<vendor>sros</vendor>",
                   "<mtu>1514</mtu><max-mtu>9216</max-mtu></port>",
                   "<mtu>1514</mtu><max-mtu>9216</max-mtu><tpid>0x9100</tpid></port>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "VLAN-TPID-MISMATCH", 20, C1 "/hop[seq='1']/encapsulation");
    free(s);
    /* IOS-XR chooses dot1ad per sub-interface: no conflict there. */
    s = edit("<mtu>1514</mtu><max-mtu>9216</max-mtu></port>",
             "<mtu>1514</mtu><max-mtu>9216</max-mtu><tpid>0x9100</tpid></port>", NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    free(s);
}

static void
test_vlan_vrp_cannot_route_qinq(void **state)
{
    struct nst_ctx *ctx = *state;
    /* r2 routes hop 1 (route stitch), which is QinQ: VRP's models have no QinQ termination. */
    char *s = edit("<vendor>iosxr</vendor>", "<vendor>vrp</vendor>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "VLAN-L3-DOUBLE-TAG-UNSUPPORTED", 20, C1 "/hop[seq='1']/encapsulation");
    free(s);
}

static void
test_vlan_duplicate_tags_on_port(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("</connection>",
                   "</connection><connection><name>c2</name><ip-mtu>1500</ip-mtu>"
                   "<endpoint>campus</endpoint><endpoint>aws</endpoint>\n"
                   "<hop><seq>1</seq><segment>s1</segment><encapsulation><qinq><s-tag>100</s-tag>"
                   "<c-tag>200</c-tag></qinq></encapsulation></hop>\n</connection>",
                   NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    /* Both ends of s1 see the same pair twice. */
    assert_int_equal(count(ctx, "VLAN-DUPLICATE-TAGS"), 2);
    free(s);
}

static void
test_ip_overlap_names_both(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<prefix>10.9.0.0/30</prefix>", "<prefix>10.2.0.4/30</prefix>", NULL);
    const struct nst_diag *d;

    assert_int_equal(run(ctx, s), NST_ECHECK);
    d = only(ctx, "IP-OVERLAP");
    /* Reported at the later (the AWS prefix, line 5), naming the transit subnet at line 4. */
    assert_int_equal(nst_diag_line(d), 5);
    assert_non_null(strstr(nst_diag_message(d), "transit subnet campus/nat 10.2.0.4/30"));
    assert_non_null(strstr(nst_diag_message(d), "t.xml:4"));
    free(s);
}

static void
test_ip_addresses(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<peer-address>169.254.10.1<", "<peer-address>169.254.11.1<", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-OUTSIDE-SUBNET", 27, C1 "/bgp-session[name='to-aws']/peer-address");
    free(s);
    s = edit("<local-address>169.254.10.2<", "<local-address>169.254.10.3<", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-RESERVED-ADDRESS", 26, NULL);
    assert_non_null(strstr(nst_diag_message(only(ctx, "IP-RESERVED-ADDRESS")), "broadcast"));
    free(s);
}

static void
test_bgp_checks(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<peer-asn>64512</peer-asn>", "<peer-asn>64513</peer-asn>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-PEER-ASN-MISMATCH", 28, C1 "/bgp-session[name='to-aws']/peer-asn");
    free(s);

    s = edit("<max-prefix>100</max-prefix>", "", NULL);
    assert_int_equal(run(ctx, s), NST_OK); /* a warning only */
    expect(ctx, "BGP-NO-MAX-PREFIX", 24, C1 "/bgp-session[name='to-aws']");
    free(s);

    s = edit("<asn>65002</asn>", "<asn>23456</asn>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-ASN-RESERVED", 9, "/netstitch-intercloud:intercloud/device[name='r2']");
    free(s);

    s = edit("<announce>10.1.0.0/24</announce>", "<announce>10.1.0.0/16</announce>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-ANNOUNCE-OUTSIDE", 29, NULL);
    free(s);
}

static void
test_bgp_mirror_sessions(void **state)
{
    struct nst_ctx *ctx = *state;
    /* A managed peer: r1 <-> r2 over s1, both ends described; r1's end has the wrong ASN. */
    const char *sessions =
        "<bgp-session><name>r1-r2</name><device>r1</device><port>xe-0/0/0</port>"
        "<link-subnet>10.8.0.0/31</link-subnet><local-address>10.8.0.0</local-address>"
        "<peer-address>10.8.0.1</peer-address><peer-asn>65003</peer-asn><peer-device>r2</peer-device>"
        "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n"
        "<bgp-session><name>r2-r1</name><device>r2</device><port>a</port>"
        "<link-subnet>10.8.0.0/31</link-subnet><local-address>10.8.0.1</local-address>"
        "<peer-address>10.8.0.0</peer-address><peer-asn>65001</peer-asn><peer-device>r1</peer-device>"
        "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n</connection>";
    char *s = edit("</connection>", sessions, NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_non_null(strstr(nst_diag_message(only(ctx, "BGP-PEER-ASN-MISMATCH")), "r2 is AS65002"));
    /* The mirrored /31 is one link, not an overlap, and both ends ride hop 1. */
    assert_int_equal(count(ctx, "IP-OVERLAP") + count(ctx, "IP-DUPLICATE-ADDRESS"), 0);
    assert_int_equal(count(ctx, "BGP-PEER-OFF-HOP"), 0);
    /* r1 now routes hop 1, so hop 0 (the campus LAN) is no longer stitched to it. */
    expect(ctx, "SUBIF-ORPHAN", 22, C1 "/hop[seq='0']");
    assert_int_equal(nst_diag_count(ctx) - nst_diag_count_severity(ctx, NST_SEV_NOTE), 2);
    free(s);
    /* The same two sessions, r2's in a connection of its own on another VLAN of s1: the
     * two addresses are on two VLANs (issue 11). */
    s = edit("</connection>",
             "<bgp-session><name>r1-r2</name><device>r1</device><port>xe-0/0/0</port>"
             "<link-subnet>10.8.0.0/31</link-subnet><local-address>10.8.0.0</local-address>"
             "<peer-address>10.8.0.1</peer-address><peer-asn>65002</peer-asn><peer-device>r2</peer-device>"
             "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n"
             "</connection><connection><name>c2</name><ip-mtu>1500</ip-mtu>"
             "<endpoint>campus</endpoint><endpoint>aws</endpoint>\n"
             "<hop><seq>1</seq><segment>s1</segment><encapsulation><dot1q><vlan>7</vlan>"
             "</dot1q></encapsulation></hop>\n"
             "<bgp-session><name>r2-r1</name><device>r2</device><port>a</port>"
             "<link-subnet>10.8.0.0/31</link-subnet><local-address>10.8.0.1</local-address>"
             "<peer-address>10.8.0.0</peer-address><peer-asn>65001</peer-asn><peer-device>r1</peer-device>"
             "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n</connection>",
             NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_int_equal(count(ctx, "BGP-PEER-OFF-HOP"), 2);
    free(s);
}

static void
test_aws_direct_connect(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<encapsulation><dot1q><vlan>300</vlan></dot1q></encapsulation>",
                   "<encapsulation><untagged/></encapsulation>", "<ip-mtu>1500</ip-mtu>",
                   "<ip-mtu>1400</ip-mtu>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "AWS-DX-VLAN", 22, C1 "/hop[seq='2']/encapsulation");
    expect(ctx, "AWS-DX-MTU", 18, C1);
    free(s);
}

static void
test_bandwidth_insufficient(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1500</ip-mtu><bandwidth>60000</bandwidth>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_non_null(strstr(nst_diag_message(only(ctx, "BW-INSUFFICIENT")),
                           "needs 60 Mbit/s but hop 2, segment dx, carries only 50 Mbit/s"));
    free(s);
}

static void
test_json_same_as_xml(void **state)
{
    struct nst_ctx *ctx = *state;
    const char *json =
        "{\"netstitch-intercloud:intercloud\": {\n"
        "  \"site\": [{\"name\": \"a\", \"kind\": \"aws\", \"asn\": 70000}]\n"
        "}}\n";
    struct nst_service *svc = NULL;

    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, json, strlen(json), NST_FORMAT_JSON, "t.json",
                                          &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    nst_service_free(svc);
    /* AS70000 is public: a warning at line 2 where the site is. */
    assert_int_equal(nst_diag_line(only(ctx, "BGP-ASN-PUBLIC")), 2);
}

static void
test_schema_error_has_line_and_path(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<vlan>300</vlan>", "<vlan>4095</vlan>", NULL);
    struct nst_service *svc = NULL;

    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, s, strlen(s), NST_FORMAT_XML, "t.xml", &svc),
                     NST_EINPUT);
    assert_null(svc);
    expect(ctx, "YANG-INVALID-VALUE", 22, C1 "/hop[seq='2']/encapsulation/dot1q/vlan");
    free(s);
}

/* Every allocation in load + check may fail: each must give NST_ENOMEM (or succeed),
 * never crash; valgrind (make check-asan) proves nothing leaks. */
static void
test_alloc_failure_everywhere(void **state)
{
    struct nst_ctx *ctx = *state;
    long n, total;
    nst_err err;

    nst_alloc_fail_after(-1);
    run(ctx, BASE);
    total = nst_alloc_fail_after(-1);
    assert_true(total > 10);
    for (n = 0; n < total; n++) {
        nst_alloc_fail_after(n);
        err = run(ctx, BASE);
        nst_alloc_fail_after(-1);
        assert_true(err == NST_OK || err == NST_ENOMEM);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_base_is_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_route_target_parse),
        cmocka_unit_test_setup_teardown(test_mtu_fixed_segment_states_max, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_mtu_qinq_on_fixed_segment_1492, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_mtu_planned_raise_and_hw_limit, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_mtu_vendor_meaning),
        cmocka_unit_test_setup_teardown(test_vlan_stitch_missing, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vlan_openconfig_cannot_rewrite_two_tags, ctx_setup,
                                        ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vlan_tpid_port_conflict, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vlan_vrp_cannot_route_qinq, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vlan_duplicate_tags_on_port, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_ip_overlap_names_both, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_ip_addresses, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_bgp_checks, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_bgp_mirror_sessions, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_aws_direct_connect, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_bandwidth_insufficient, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_json_same_as_xml, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_schema_error_has_line_and_path, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_everywhere, ctx_setup, ctx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
