/*
 * test_redundancy.c: redundant pairs (netstitch-redundancy, check_redundancy.c). The base is
 * two legs A (primary: site c -lanA- r1 -s1- x1 -h1- site d) and B (secondary: site c -lanB-
 * r1 -s2- x2 -h2- site d) of group g, sharing only the customer router r1; each test breaks
 * one rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "check_run.h"
#include "netstitch.h"

static const char
    *BASE = "<intercloud xmlns=\"urn:netstitch:yang:intercloud\" "
            "xmlns:nsr=\"urn:netstitch:yang:redundancy\">\n"        /* 1 */
            "<site><name>c</name><kind>on-premises</kind></site>\n" /* 2 */
            "<site><name>d</name><kind>partner</kind></site>\n"     /* 3 */
            "<site><name>e</name><kind>partner</kind></site>\n"     /* 4 */
            "<device><name>r1</name><vendor>junos</vendor><role>site-edge</role><site>c</site>\n" /* 5 */
            "  "
            "<port><name>p0</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</"
            "max-mtu></port>\n" /* 6 */
            "  "
            "<port><name>p4</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</"
            "max-mtu></port>\n" /* 7 */
            "  "
            "<port><name>p1</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</"
            "max-mtu></port>\n" /* 8 */
            "  "
            "<port><name>p2</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</"
            "max-mtu></port>\n" /* 9 */
            "  "
            "<port><name>p3</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</"
            "max-mtu></port></device>\n" /* 10 */
            "<device><name>x1</name><vendor>iosxr</vendor><role>exchange-edge</role><site>c</"
            "site>\n" /* 11 */
            "  "
            "<port><name>a</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port>\n" /* 12 */
            "  "
            "<port><name>b</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port>\n" /* 13 */
            "  "
            "<port><name>c</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port>\n" /* 14 */
            "  "
            "<port><name>e</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port></device>\n" /* 15 */
            "<device><name>x2</name><vendor>iosxr</vendor><role>exchange-edge</role><site>c</"
            "site>\n" /* 16 */
            "  "
            "<port><name>a</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port>\n" /* 17 */
            "  "
            "<port><name>b</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9216</"
            "max-mtu></port></device>\n" /* 18 */
            "<segment><name>lanA</name><a><site>c</site></a><b><device>r1</device><port>p0</port></"
            "b><owner>c</owner><mtu>9000</mtu></segment>\n" /* 19 */
            "<segment><name>lanB</name><a><site>c</site></a><b><device>r1</device><port>p4</port></"
            "b><owner>c</owner><mtu>9000</mtu></segment>\n" /* 20 */
            "<segment><name>s1</name><a><device>r1</device><port>p1</port></a><b><device>x1</"
            "device><port>a</port></b></segment>\n" /* 21 */
            "<segment><name>s2</name><a><device>r1</device><port>p2</port></a><b><device>x2</"
            "device><port>a</port></b></segment>\n" /* 22 */
            "<segment><name>s3</name><a><device>r1</device><port>p3</port></a><b><device>x1</"
            "device><port>c</port></b></segment>\n" /* 23 */
            "<segment><name>h1</name><a><device>x1</device><port>b</port></a><b><site>d</site></"
            "b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</mtu-meaning></segment>\n" /* 24 */
            "<segment><name>h2</name><a><device>x2</device><port>b</port></a><b><site>d</site></"
            "b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</mtu-meaning></segment>\n" /* 25 */
            "<segment><name>h3</name><a><device>x1</device><port>e</port></a><b><site>d</site></"
            "b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</mtu-meaning></segment>\n" /* 26 */
            "<connection><name>A</name><ip-mtu>1500</ip-mtu><endpoint>c</endpoint><endpoint>d</"
            "endpoint>\n" /* 27 */
            "  "
            "<nsr:redundancy><nsr:group>g</nsr:group><nsr:role>primary</nsr:role></"
            "nsr:redundancy>\n" /* 28 */
            "  "
            "<hop><seq>1</seq><segment>lanA</segment><encapsulation><dot1q><vlan>5</vlan></dot1q></"
            "encapsulation></hop>\n" /* 29 */
            "  "
            "<hop><seq>2</seq><segment>s1</segment><encapsulation><dot1q><vlan>10</vlan></dot1q></"
            "encapsulation></hop>\n" /* 30 */
            "  "
            "<hop><seq>3</seq><segment>h1</segment><encapsulation><dot1q><vlan>10</vlan></dot1q></"
            "encapsulation></hop>\n" /* 31 */
            "  <stitch><device>r1</device><from-hop>1</from-hop><to-hop>2</to-hop></stitch>\n" /* 32
                                                                                                */
            "</connection>\n" /* 33 */
            "<connection><name>B</name><ip-mtu>1500</ip-mtu><endpoint>c</endpoint><endpoint>d</"
            "endpoint>\n" /* 34 */
            "  "
            "<nsr:redundancy><nsr:group>g</nsr:group><nsr:role>secondary</nsr:role></"
            "nsr:redundancy>\n" /* 35 */
            "  "
            "<hop><seq>1</seq><segment>lanB</segment><encapsulation><dot1q><vlan>6</vlan></dot1q></"
            "encapsulation></hop>\n" /* 36 */
            "  "
            "<hop><seq>2</seq><segment>s2</segment><encapsulation><dot1q><vlan>20</vlan></dot1q></"
            "encapsulation></hop>\n" /* 37 */
            "  "
            "<hop><seq>3</seq><segment>h2</segment><encapsulation><dot1q><vlan>20</vlan></dot1q></"
            "encapsulation></hop>\n" /* 38 */
            "  <stitch><device>r1</device><from-hop>1</from-hop><to-hop>2</to-hop></stitch>\n" /* 39
                                                                                                */
            "</connection>\n" /* 40 */
            "</intercloud>\n" /* 41 */;

/* BASE with the @nth (1-based) occurrence of @old replaced by @new. */
static char *
edit_nth(const char *old, int nth, const char *new)
{
    const char *at = BASE;
    char *s;
    int i;

    for (i = 0; i < nth; i++) {
        at = strstr(i ? at + 1 : at, old);
        if (!at) {
            fail_msg("edit: occurrence %d of '%s' not in the base service", nth, old);
        }
    }
    s = malloc(strlen(BASE) - strlen(old) + strlen(new) + 1);
    memcpy(s, BASE, (size_t)(at - BASE));
    strcpy(s + (at - BASE), new);
    strcat(s, at + strlen(old));
    return s;
}

static void
expect_one(struct nst_ctx *ctx, const char *code, const char *msg)
{
    const char *text = nst_diag_message(only(ctx, code));

    if (!strstr(text, msg)) {
        dump(ctx);
        fail_msg("expected one %s with '%s', got '%s'", code, msg, text);
    }
}

static void
test_clean(void **state)
{
    assert_int_equal(run(*state, BASE), NST_OK);
    assert_int_equal(nst_diag_count_severity(*state, NST_SEV_ERROR), 0);
    assert_int_equal(nst_diag_count_severity(*state, NST_SEV_WARNING), 0);
}

static void
test_two_primaries(void **state)
{
    char *s = edit_nth("<nsr:role>secondary</nsr:role>", 1, "<nsr:role>primary</nsr:role>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect_one(*state, "REDUNDANCY-ROLES", "2 primary and 0 secondary");
    free(s);
}

static void
test_alone(void **state)
{
    char *s = edit_nth("<nsr:group>g</nsr:group><nsr:role>secondary", 1,
                       "<nsr:group>h</nsr:group><nsr:role>secondary");

    assert_int_equal(run(*state, s), NST_ECHECK);
    assert_int_equal(nst_diag_count_severity(*state, NST_SEV_ERROR), 2); /* g and h */
    free(s);
}

static void
test_other_endpoint(void **state)
{
    char *s = edit_nth("<endpoint>d</endpoint>", 2, "<endpoint>e</endpoint>");

    run(*state, s);
    expect_one(*state, "REDUNDANCY-ENDPOINTS", "joins c and e");
    free(s);
}

static void
test_same_handoff(void **state)
{
    char *s = edit_nth("<segment>h2</segment><encapsulation><dot1q><vlan>20", 1,
                       "<segment>h1</segment><encapsulation><dot1q><vlan>20");

    run(*state, s);
    expect_one(*state, "REDUNDANCY-SAME-HANDOFF", "same segment h1");
    free(s);
}

static void
test_not_diverse(void **state)
{
    char *t = edit_nth("<segment>s2</segment><encapsulation><dot1q><vlan>20", 1,
                       "<segment>s3</segment><encapsulation><dot1q><vlan>20");
    const char *old = "<segment>h2</segment>";
    char *at = strstr(t, old), *s = strdup(t);

    memcpy(s + (at - t), "<segment>h3</segment>", strlen(old));
    run(*state, s);
    expect_one(*state, "REDUNDANCY-NOT-DIVERSE", "router x1");
    free(t);
    free(s);
}

static void
test_not_diverse_allowed(void **state)
{
    char *t = edit_nth("<segment>s2</segment><encapsulation><dot1q><vlan>20", 1,
                       "<segment>s3</segment><encapsulation><dot1q><vlan>20");
    const char *old = "<segment>h2</segment>";
    char *at = strstr(t, old), *s, *u;

    memcpy(t + (at - t), "<segment>h3</segment>", strlen(old));
    s = strdup(t);
    at = strstr(s, "<nsr:role>primary</nsr:role>");
    u = malloc(strlen(s) + 64);
    memcpy(u, s, (size_t)(at - s));
    strcpy(u + (at - s), "<nsr:role>primary</nsr:role><nsr:diverse>false</nsr:diverse>");
    strcat(u, at + strlen("<nsr:role>primary</nsr:role>"));
    assert_int_equal(run(*state, u), NST_OK);
    free(t);
    free(s);
    free(u);
}

/*
 * REDUNDANCY-PREFERENCE reads bgp-session/export/{as-path-prepend, med}, which the
 * dual-stack revision of the service model adds. This test builds a model directory whose
 * netstitch-intercloud.yang is this tree's with that container spliced into bgp-session
 * (as that revision declares it), so the check runs against real data today.
 */
/* The netstitch YANG directory of the tree (the export knobs are in the service model
 * since its 2026-12-06 revision). */
static char *
yang_dir_real(void)
{
    const char *top = getenv("TOP") ? getenv("TOP") : ".";
    char rel[1024], *dir = malloc(4096);

    snprintf(rel, sizeof rel, "%s/yang", top);
    assert_non_null(dir);
    assert_non_null(realpath(rel, dir));
    return dir;
}

/* Legs with BGP sessions: A and B each peer with site d from x1 / x2. */
static const char *SESSION_A =
    "  <bgp-session><name>a</name><device>x1</device><port>b</port>"
    "<link-subnet>10.9.1.0/30</link-subnet><local-address>10.9.1.1</local-address>"
    "<peer-address>10.9.1.2</peer-address><peer-asn>65100</peer-asn><peer-site>d</peer-site>"
    "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref>EXPORT_A</bgp-session>\n"
    "</connection>\n<connection><name>B</name>";
static const char *SESSION_B =
    "  <bgp-session><name>b</name><device>x2</device><port>b</port>"
    "<link-subnet>10.9.2.0/30</link-subnet><local-address>10.9.2.1</local-address>"
    "<peer-address>10.9.2.2</peer-address><peer-asn>65100</peer-asn><peer-site>d</peer-site>"
    "<max-prefix>10</max-prefix><auth-key-ref>k</auth-key-ref>EXPORT_B</bgp-session>\n"
    "</connection>\n</intercloud>";

/* @text with the first @old replaced by @new (a new string). */
static char *
repl(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    char *s;

    assert_non_null(at);
    s = malloc(strlen(text) - strlen(old) + strlen(new) + 1);
    memcpy(s, text, (size_t)(at - text));
    strcpy(s + (at - text), new);
    strcat(s, at + strlen(old));
    return s;
}

static char *
with_sessions(const char *export_a, const char *export_b)
{
    char *sa = repl(SESSION_A, "EXPORT_A", export_a), *sb = repl(SESSION_B, "EXPORT_B", export_b);
    char *s1 = repl(BASE, "</connection>\n<connection><name>B</name>", sa);
    char *s2 = repl(s1, "</connection>\n</intercloud>", sb);

    free(sa);
    free(sb);
    free(s1);
    return s2;
}

static void
test_preference(void **state)
{
    char *dir = yang_dir_real(), *s;
    struct nst_ctx *ctx = NULL;

    (void)state;
    assert_int_equal(nst_ctx_new(dir, &ctx), NST_OK);
    /* Equal: the secondary is not less preferred. */
    s = with_sessions("", "");
    run(ctx, s);
    expect_one(ctx, "REDUNDANCY-PREFERENCE", "prepend 0 vs 0");
    free(s);
    /* The secondary prepends twice: fine. */
    s = with_sessions("", "<export><as-path-prepend>2</as-path-prepend></export>");
    run(ctx, s);
    if (nst_diag_count(ctx)) {
        size_t i;

        for (i = 0; i < nst_diag_count(ctx); i++) {
            assert_string_not_equal(nst_diag_code(nst_diag_get(ctx, i)), "REDUNDANCY-PREFERENCE");
        }
    }
    free(s);
    /* The primary sends the higher MED: wrong way round. */
    s = with_sessions("<export><med>200</med></export>", "<export><med>100</med></export>");
    run(ctx, s);
    expect_one(ctx, "REDUNDANCY-PREFERENCE", "MED 100 vs 200");
    free(s);
    nst_ctx_free(ctx);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_two_primaries, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_alone, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_other_endpoint, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_same_handoff, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_not_diverse, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_not_diverse_allowed, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_preference),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
