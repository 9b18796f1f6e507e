/*
 * test_check_ipv6.c: the checker on a dual-stack service (revision 2026-12-06): the
 * overlap sweep over IPv4 and IPv6, /127, /126 and /64 links, link-local and host-bit
 * rules, address families and next hops, the AWS Direct Connect IPv6 rules, AS-path
 * prepend, MED and community checks, and the per-driver BGP capabilities. Diagnostics
 * are asserted exactly: code, line and path.
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

/* r1 (junos) routes a campus gateway segment (dual stack) to AWS Direct Connect, with
 * one IPv4 and one IPv6 BGP session to AWS on the same port, as AWS runs them. */
static const char *BASE6 =
    "<intercloud xmlns=\"urn:netstitch:yang:intercloud\">\n"                            /* 1 */
    "<site><name>campus</name><kind>on-premises</kind><asn>65001</asn>\n"               /* 2 */
    "  <prefix>10.1.0.0/24</prefix><prefix>2001:db8:1::/48</prefix>\n"                  /* 3 */
    "  <transit-subnet><name>nat</name><prefix>10.9.0.0/30</prefix></transit-subnet>\n" /* 4 */
    "  <transit-subnet><name>gw6</name><prefix>2001:db8:9::/64</prefix></transit-subnet></site>\n"
    "<site><name>aws</name><kind>aws</kind><asn>64512</asn><prefix>10.2.0.0/24</"
    "prefix><prefix>2600:1f18:22::/56</prefix></site>\n"
    "<device><name>r1</name><vendor>junos</vendor><role>site-edge</role><site>campus</site>\n"
    "  <asn>65001</asn><router-id>10.255.0.1</router-id>\n" /* 8 */
    "  "
    "<port><name>xe-0/0/0</name><bandwidth>10000000</bandwidth><mtu>1522</mtu><max-mtu>9192</"
    "max-mtu></port>\n"
    "  "
    "<port><name>xe-0/0/1</name><bandwidth>1000000</bandwidth><mtu>1522</mtu><max-mtu>9192</"
    "max-mtu></port></device>\n"
    "<segment><name>dx</name><a><device>r1</device><port>xe-0/0/1</port></a>\n" /* 11 */
    "  "
    "<b><site>aws</site></b><owner>aws</owner><mtu>1500</mtu><mtu-meaning>ip</mtu-meaning></"
    "segment>\n"
    "<segment><name>gw</name><a><site>campus</site><node>gateway</node><address>10.9.0.2</"
    "address><ipv6-address>2001:db8:9::2</ipv6-address></a>\n"
    "  "
    "<b><device>r1</device><port>xe-0/0/0</port><address>10.9.0.1</"
    "address><ipv6-address>2001:db8:9::1</ipv6-address></b>\n"
    "  "
    "<owner>campus</owner><mtu>1500</mtu><subnet>10.9.0.0/30</subnet><ipv6-subnet>2001:db8:9::/64</"
    "ipv6-subnet></segment>\n"
    "<connection><name>c1</name><ip-mtu>1500</ip-mtu><endpoint>campus</endpoint><endpoint>aws</"
    "endpoint>\n"
    "  <hop><seq>1</seq><segment>gw</segment><encapsulation><untagged/></encapsulation></hop>\n"
    "  "
    "<hop><seq>2</seq><segment>dx</segment><encapsulation><dot1q><vlan>300</vlan></dot1q></"
    "encapsulation></hop>\n"
    "  "
    "<stitch><device>r1</device><from-hop>1</from-hop><to-hop>2</to-hop><kind>route</kind></"
    "stitch>\n"
    "  <bgp-session><name>v4</name><device>r1</device><port>xe-0/0/1</port>\n" /* 20 */
    "    <link-subnet>169.254.10.0/30</link-subnet><local-address>169.254.10.2</local-address>\n"
    "    "
    "<peer-address>169.254.10.1</peer-address><peer-asn>64512</peer-asn><peer-site>aws</"
    "peer-site>\n"
    "    <announce>10.1.0.0/24</announce><accept>10.2.0.0/24</accept>\n"             /* 23 */
    "    <max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n" /* 24 */
    "  <bgp-session><name>v6</name><device>r1</device><port>xe-0/0/1</port>\n"       /* 25 */
    "    "
    "<link-subnet>2001:db8:ffff::/125</link-subnet><local-address>2001:db8:ffff::2</"
    "local-address>\n"
    "    "
    "<peer-address>2001:db8:ffff::1</peer-address><peer-asn>64512</peer-asn><peer-site>aws</"
    "peer-site>\n"
    "    <announce>2001:db8:1::/48</announce><accept>2600:1f18:22::/56</accept>\n"   /* 28 */
    "    <max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n" /* 29 */
    "</connection></intercloud>\n";

#define edit(...) edit_first(BASE6, __VA_ARGS__)

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
#define V4 C1 "/bgp-session[name='v4']"
#define V6 C1 "/bgp-session[name='v6']"

static void
test_dual_stack_is_clean(void **state)
{
    struct nst_ctx *ctx = *state;

    assert_int_equal(run(ctx, BASE6), NST_OK);
    if (nst_diag_count_severity(ctx, NST_SEV_ERROR) ||
        nst_diag_count_severity(ctx, NST_SEV_WARNING)) {
        only(ctx, "none"); /* prints them */
    }
}

/* The sweep finds an IPv6 prefix inside a hidden IPv6 transit subnet, naming both. */
static void
test_v6_overlap_hidden_transit(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<prefix>2600:1f18:22::/56</prefix>", "<prefix>2001:db8:9::/56</prefix>",
                   "<accept>2600:1f18:22::/56</accept>", "<accept>2001:db8:9::/56</accept>", NULL);
    const struct nst_diag *d;

    assert_int_equal(run(ctx, s), NST_ECHECK);
    d = only(ctx, "IP-OVERLAP");
    /* Reported at the later (the AWS prefix, line 6), naming the transit subnet at line 5. */
    assert_int_equal(nst_diag_line(d), 6);
    assert_string_equal(
        nst_diag_path(d),
        "/netstitch-intercloud:intercloud/site[name='aws']/prefix[.='2001:db8:9::/56']");
    assert_non_null(strstr(nst_diag_message(d), "transit subnet campus/gw6 2001:db8:9::/64"));
    assert_non_null(strstr(nst_diag_message(d), "t.xml:5"));
    free(s);
}

/* An IPv4 and an IPv6 prefix with the same leading bits are different networks:
 * 2001:db8:1::/48 begins with the bytes of 32.1.13.184. */
static void
test_v4_v6_never_overlap(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<prefix>10.2.0.0/24</prefix>",
                   "<prefix>10.2.0.0/24</prefix><prefix>32.1.13.0/24</prefix>", NULL);

    assert_int_equal(run(ctx, s), NST_OK);
    assert_int_equal(count(ctx, "IP-OVERLAP"), 0);
    free(s);
}

/* /127 links use both addresses (RFC 6164); a /126 keeps its Subnet-Router anycast
 * address; a /120 point-to-point link is unusual. */
static void
test_v6_127_and_126_links(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<prefix>2001:db8:9::/64</prefix>", "<prefix>2001:db8:9::/127</prefix>",
                   "<ipv6-address>2001:db8:9::2</ipv6-address>",
                   "<ipv6-address>2001:db8:9::</ipv6-address>",
                   "<ipv6-subnet>2001:db8:9::/64</ipv6-subnet>",
                   "<ipv6-subnet>2001:db8:9::/127</ipv6-subnet>", NULL);

    assert_int_equal(run(ctx, s), NST_OK);
    assert_int_equal(count(ctx, "IP-RESERVED-ADDRESS"), 0);
    assert_int_equal(count(ctx, "IP-V6-LINK-LENGTH"), 0);
    assert_int_equal(count(ctx, "IP-OVERLAP"), 0);
    free(s);

    s = edit("<prefix>2001:db8:9::/64</prefix>", "<prefix>2001:db8:9::/126</prefix>",
             "<ipv6-address>2001:db8:9::2</ipv6-address>",
             "<ipv6-address>2001:db8:9::</ipv6-address>",
             "<ipv6-subnet>2001:db8:9::/64</ipv6-subnet>",
             "<ipv6-subnet>2001:db8:9::/126</ipv6-subnet>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-RESERVED-ADDRESS", 13,
           "/netstitch-intercloud:intercloud/segment[name='gw']/a/ipv6-address");
    assert_non_null(
        strstr(nst_diag_message(only(ctx, "IP-RESERVED-ADDRESS")), "Subnet-Router anycast"));
    free(s);

    s = edit("<prefix>2001:db8:9::/64</prefix>", "<prefix>2001:db8:9::/120</prefix>",
             "<ipv6-subnet>2001:db8:9::/64</ipv6-subnet>",
             "<ipv6-subnet>2001:db8:9::/120</ipv6-subnet>", NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    expect(ctx, "IP-V6-LINK-LENGTH", 15,
           "/netstitch-intercloud:intercloud/segment[name='gw']/ipv6-subnet");
    free(s);
}

static void
test_v6_link_local_and_membership(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<ipv6-address>2001:db8:9::1</ipv6-address>",
                   "<ipv6-address>fe80::1</ipv6-address>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-LINK-LOCAL", 14,
           "/netstitch-intercloud:intercloud/segment[name='gw']/b/ipv6-address");
    expect(ctx, "IP-OUTSIDE-SUBNET", 14, NULL);
    free(s);

    /* The same address on the gateway and on r1. */
    s = edit("<ipv6-address>2001:db8:9::1</ipv6-address>",
             "<ipv6-address>2001:db8:9::2</ipv6-address>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-DUPLICATE-ADDRESS", 14, NULL);
    free(s);

    /* A session whose addresses and subnet differ in family. */
    s = edit("<peer-address>2001:db8:ffff::1</peer-address>",
             "<peer-address>169.254.10.5</peer-address>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "IP-FAMILY-MISMATCH", 27, V6 "/peer-address");
    free(s);
}

static void
test_host_bits(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<prefix>2001:db8:1::/48</prefix>", "<prefix>2001:db8:1::5/48</prefix>",
                   "<link-subnet>169.254.10.0/30</link-subnet>",
                   "<link-subnet>169.254.10.1/30</link-subnet>", NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_int_equal(count(ctx, "IP-HOST-BITS"), 2);
    assert_int_equal(nst_diag_line(nst_diag_get(ctx, 0)) == 3 ||
                         nst_diag_line(nst_diag_get(ctx, 1)) == 3,
                     1);
    free(s);
}

static void
test_families_and_next_hops(void **state)
{
    struct nst_ctx *ctx = *state;
    /* The v4 session carries IPv6 routes too, without an IPv6 next hop. */
    char *s = edit(
        "<announce>10.1.0.0/24</announce>",
        "<address-family>ipv4-unicast</address-family><address-family>ipv6-unicast</address-family>"
        "<announce>10.1.0.0/24</announce>",
        NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-AF-NO-NEXT-HOP", 23, V4 "/address-family[.='ipv6-unicast']");
    /* AWS runs one family per peer. */
    expect(ctx, "AWS-DX-ADDRESS-FAMILY", 23, NULL);
    free(s);

    /* With the IPv6 addresses of the link it has a next hop. */
    s = edit(
        "<announce>10.1.0.0/24</announce>",
        "<address-family>ipv4-unicast</address-family><address-family>ipv6-unicast</address-family>"
        "<ipv6><link-subnet>2001:db8:fffe::/125</link-subnet><local-address>2001:db8:fffe::2</"
        "local-address>"
        "<peer-address>2001:db8:fffe::1</peer-address></ipv6><announce>10.1.0.0/24</announce>",
        NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    assert_int_equal(count(ctx, "BGP-AF-NO-NEXT-HOP"), 0);
    free(s);

    /* An IPv6 prefix on an IPv4-only session. */
    s = edit("<announce>10.1.0.0/24</announce>",
             "<announce>10.1.0.0/24</announce><announce>2001:db8:1::/48</announce>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-AF-PREFIX", 23, V4 "/announce[.='2001:db8:1::/48']");
    free(s);

    /* Per-family limits: one family without. */
    s = edit("<max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref></bgp-session>\n  "
             "<bgp-session><name>v6</name>",
             "<prefix-limit><ipv6-unicast>10</ipv6-unicast></prefix-limit><auth-key-ref>k</"
             "auth-key-ref></bgp-session>\n  <bgp-session><name>v6</name>",
             NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    expect(ctx, "BGP-NO-FAMILY-LIMIT", 24, V4 "/prefix-limit");
    free(s);
}

static void
test_aws_ipv6_rules(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<link-subnet>2001:db8:ffff::/125</link-subnet>",
                   "<link-subnet>2001:db8:ffff::/126</link-subnet>", NULL);
    char many[8192], *p = many;
    int i;

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "AWS-DX-IPV6-SUBNET", 26, V6 "/link-subnet");
    free(s);

    /* 101 IPv6 prefixes on the IPv6 session: over AWS's 100 per family. */
    for (i = 0; i < 101; i++) {
        p += sprintf(p, "<announce>2001:db8:1:%x::/64</announce>", i);
    }
    s = edit("<announce>2001:db8:1::/48</announce>", many, NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "AWS-DX-PREFIX-LIMIT", 25, V6);
    /* The aws-direct-connect profile counts the session's prefixes; a session to AWS
     * carries one family (AWS-DX-ADDRESS-FAMILY), so the count is the family's. */
    assert_non_null(strstr(nst_diag_message(only(ctx, "AWS-DX-PREFIX-LIMIT")), "announces 101 prefixes"));
    free(s);
}

/* A primary and a backup session to the same peer must differ in prepend or MED. */
static void
test_prepend_and_med(void **state)
{
    struct nst_ctx *ctx = *state;
    const char *backup =
        "  <bgp-session><name>v4b</name><device>r1</device><port>xe-0/0/1</port>\n"
        "    <link-subnet>169.254.20.0/30</link-subnet><local-address>169.254.20.2</local-address>"
        "<peer-address>169.254.20.1</peer-address><peer-asn>64512</peer-asn><peer-site>aws</"
        "peer-site>"
        "<announce>10.1.0.0/24</announce><max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref>"
        "<export><as-path-prepend>%d</as-path-prepend></export></bgp-session>\n</connection>";
    char buf[1024], *s;

    snprintf(buf, sizeof buf, backup, 2);
    s = edit(
        "<announce>10.1.0.0/24</announce>",
        "<announce>10.1.0.0/24</announce><export><as-path-prepend>2</as-path-prepend></export>",
        "</connection>", buf, NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    expect(ctx, "BGP-NO-PREFERENCE", 31, C1 "/bgp-session[name='v4b']/export");
    assert_non_null(strstr(nst_diag_message(only(ctx, "BGP-NO-PREFERENCE")), "sessions v4 and v4b"));
    free(s);

    /* A longer prepend on the backup: a preference. */
    snprintf(buf, sizeof buf, backup, 3);
    s = edit("</connection>", buf, NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    assert_int_equal(count(ctx, "BGP-NO-PREFERENCE"), 0);
    free(s);

    /* Equal MEDs and no prepend: none. */
    s = edit(
        "<announce>10.1.0.0/24</announce>",
        "<announce>10.1.0.0/24</announce><export><med>50</med></export>", "</connection>",
        "  <bgp-session><name>v4b</name><device>r1</device><port>xe-0/0/1</port>\n"
        "    <link-subnet>169.254.20.0/30</link-subnet><local-address>169.254.20.2</local-address>"
        "<peer-address>169.254.20.1</peer-address><peer-asn>64512</peer-asn><peer-site>aws</"
        "peer-site>"
        "<announce>10.1.0.0/24</announce><max-prefix>100</max-prefix><auth-key-ref>k</auth-key-ref>"
        "<export><med>50</med></export></bgp-session>\n</connection>",
        NULL);
    assert_int_equal(run(ctx, s), NST_OK);
    assert_int_equal(count(ctx, "BGP-NO-PREFERENCE"), 1);
    free(s);
}

static void
test_communities_and_local_as(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<announce>10.1.0.0/24</announce>",
                   "<announce>10.1.0.0/24</announce><export><community>65535:666</community>"
                   "<large-community>4294967296:1:1</large-community></export>"
                   "<import><community>64512:100</community><large-community>64512:1:2</"
                   "large-community></import>",
                   NULL);

    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-COMMUNITY-RESERVED", 23, V4 "/export/community[.='65535:666']");
    expect(ctx, "BGP-COMMUNITY-RANGE", 23, V4 "/export/large-community[.='4294967296:1:1']");
    free(s);

    s = edit("<peer-asn>64512</peer-asn>",
             "<local-asn>65010</local-asn><local-as-replace-as>true</"
             "local-as-replace-as><peer-asn>64512</peer-asn>",
             NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-LOCAL-AS-OPTION", 22, V4 "/local-as-replace-as");
    assert_non_null(
        strstr(nst_diag_message(only(ctx, "BGP-LOCAL-AS-OPTION")), "without local-as-no-prepend"));
    free(s);

    s = edit("<peer-asn>64512</peer-asn>",
             "<local-as-no-prepend>true</local-as-no-prepend><peer-asn>64512</peer-asn>", NULL);
    assert_int_equal(run(ctx, s), NST_ECHECK);
    expect(ctx, "BGP-LOCAL-AS-OPTION", 22, V4 "/local-as-no-prepend");
    free(s);
}

/* BFD on a generic OpenConfig device: the driver cannot render it, and says so. */
static void
test_knob_unsupported_names_driver(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<vendor>junos</vendor>", "<vendor>openconfig</vendor>",
                   "<announce>10.1.0.0/24</announce>",
                   "<bfd><interval>300</interval></bfd><announce>10.1.0.0/24</announce>", NULL);
    const struct nst_diag *d;

    size_t i;

    assert_int_equal(run(ctx, s), NST_ECHECK);
    for (i = 0, d = NULL; i < nst_diag_count(ctx) && !d; i++) {
        d = nst_diag_get(ctx, i);
        d = !strcmp(nst_diag_code(d), "BGP-KNOB-UNSUPPORTED") && nst_diag_line(d) == 23 ? d : NULL;
    }
    assert_non_null(d);
    assert_string_equal(nst_diag_path(d), V4 "/bfd");
    assert_non_null(strstr(nst_diag_message(d), "the openconfig driver cannot express BFD"));
    free(s);
}

/* Schema errors on addresses are sentences, with the family. */
static void
test_address_family_messages(void **state)
{
    struct nst_ctx *ctx = *state;
    char *s = edit("<router-id>10.255.0.1</router-id>", "<router-id>2001:db8::1</router-id>", NULL);
    const struct nst_diag *d;

    assert_int_equal(run(ctx, s), NST_EINPUT);
    d = only(ctx, "YANG-ADDRESS-FAMILY");
    assert_int_equal(nst_diag_line(d), 8);
    assert_string_equal(nst_diag_path(d),
                        "/netstitch-intercloud:intercloud/device[name='r1']/router-id");
    assert_string_equal(
        nst_diag_message(d),
        "\"2001:db8::1\" is an IPv6 address, but router-id takes an IPv4 address only");
    free(s);

    s = edit("<ipv6-subnet>2001:db8:9::/64</ipv6-subnet>", "<ipv6-subnet>10.9.0.0/30</ipv6-subnet>",
             NULL);
    assert_int_equal(run(ctx, s), NST_EINPUT);
    d = only(ctx, "YANG-ADDRESS-FAMILY");
    assert_int_equal(nst_diag_line(d), 15);
    assert_null(strstr(nst_diag_message(d), "[0-9]"));
    free(s);

    s = edit("<local-address>2001:db8:ffff::2</local-address>",
             "<local-address>2001:db8:ffff::g</local-address>", NULL);
    assert_int_equal(run(ctx, s), NST_EINPUT);
    d = only(ctx, "YANG-INVALID-VALUE");
    assert_int_equal(nst_diag_line(d), 26);
    assert_string_equal(nst_diag_message(d), "\"2001:db8:ffff::g\" is not a valid address: "
                                             "local-address takes an IPv4 or IPv6 address");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dual_stack_is_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_v6_overlap_hidden_transit, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_v4_v6_never_overlap, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_v6_127_and_126_links, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_v6_link_local_and_membership, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_host_bits, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_families_and_next_hops, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_aws_ipv6_rules, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_prepend_and_med, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_communities_and_local_as, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_knob_unsupported_names_driver, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_address_family_messages, ctx_setup, ctx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
