/*
 * test_redundancy.c: redundant pairs (netstitch-redundancy, check_redundancy.c). The base is
 * two legs A (primary: r1 -s1- x1 -h1- site d) and B (secondary: r1 -s2- x2 -h2- site d) of
 * group g, sharing only the customer router r1; each test breaks one rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netstitch.h"

static const char *BASE = "<intercloud xmlns=\"urn:netstitch:yang:intercloud\" "
                          "xmlns:nsr=\"urn:netstitch:yang:redundancy\">\n"        /* 1 */
                          "<site><name>c</name><kind>on-premises</kind></site>\n" /* 2 */
                          "<site><name>d</name><kind>partner</kind></site>\n"     /* 3 */
                          "<site><name>e</name><kind>partner</kind></site>\n"     /* 4 */
                          "<device><name>r1</name><vendor>junos</vendor><role>site-edge</"
                          "role><site>c</site>\n" /* 5 */
                          "  "
                          "<port><name>p1</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9192</max-mtu></port>\n" /* 6 */
                          "  "
                          "<port><name>p2</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9192</max-mtu></port>\n" /* 7 */
                          "  "
                          "<port><name>p3</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9192</max-mtu></port></device>\n" /* 8 */
                          "<device><name>x1</name><vendor>iosxr</vendor><role>exchange-edge</"
                          "role><site>c</site>\n" /* 9 */
                          "  "
                          "<port><name>a</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port>\n" /* 10 */
                          "  "
                          "<port><name>b</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port>\n" /* 11 */
                          "  "
                          "<port><name>c</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port>\n" /* 12 */
                          "  "
                          "<port><name>e</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port></device>\n" /* 13 */
                          "<device><name>x2</name><vendor>iosxr</vendor><role>exchange-edge</"
                          "role><site>c</site>\n" /* 14 */
                          "  "
                          "<port><name>a</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port>\n" /* 15 */
                          "  "
                          "<port><name>b</name><bandwidth>1000000</bandwidth><mtu>1518</"
                          "mtu><max-mtu>9216</max-mtu></port></device>\n" /* 16 */
                          "<segment><name>s1</name><a><device>r1</device><port>p1</port></"
                          "a><b><device>x1</device><port>a</port></b></segment>\n" /* 17 */
                          "<segment><name>s2</name><a><device>r1</device><port>p2</port></"
                          "a><b><device>x2</device><port>a</port></b></segment>\n" /* 18 */
                          "<segment><name>s3</name><a><device>r1</device><port>p3</port></"
                          "a><b><device>x1</device><port>c</port></b></segment>\n" /* 19 */
                          "<segment><name>h1</name><a><device>x1</device><port>b</port></"
                          "a><b><site>d</site></b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</"
                          "mtu-meaning></segment>\n" /* 20 */
                          "<segment><name>h2</name><a><device>x2</device><port>b</port></"
                          "a><b><site>d</site></b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</"
                          "mtu-meaning></segment>\n" /* 21 */
                          "<segment><name>h3</name><a><device>x1</device><port>e</port></"
                          "a><b><site>d</site></b><owner>d</owner><mtu>1500</mtu><mtu-meaning>ip</"
                          "mtu-meaning></segment>\n" /* 22 */
                          "<connection><name>A</name><ip-mtu>1500</ip-mtu><endpoint>c</"
                          "endpoint><endpoint>d</endpoint>\n" /* 23 */
                          "  "
                          "<nsr:redundancy><nsr:group>g</nsr:group><nsr:role>primary</nsr:role></"
                          "nsr:redundancy>\n" /* 24 */
                          "  "
                          "<hop><seq>1</seq><segment>s1</segment><encapsulation><dot1q><vlan>10</"
                          "vlan></dot1q></encapsulation></hop>\n" /* 25 */
                          "  "
                          "<hop><seq>2</seq><segment>h1</segment><encapsulation><dot1q><vlan>10</"
                          "vlan></dot1q></encapsulation></hop>\n" /* 26 */
                          "</connection>\n"                       /* 27 */
                          "<connection><name>B</name><ip-mtu>1500</ip-mtu><endpoint>c</"
                          "endpoint><endpoint>d</endpoint>\n" /* 28 */
                          "  "
                          "<nsr:redundancy><nsr:group>g</nsr:group><nsr:role>secondary</nsr:role></"
                          "nsr:redundancy>\n" /* 29 */
                          "  "
                          "<hop><seq>1</seq><segment>s2</segment><encapsulation><dot1q><vlan>20</"
                          "vlan></dot1q></encapsulation></hop>\n" /* 30 */
                          "  "
                          "<hop><seq>2</seq><segment>h2</segment><encapsulation><dot1q><vlan>20</"
                          "vlan></dot1q></encapsulation></hop>\n" /* 31 */
                          "</connection>\n"                       /* 32 */
                          "</intercloud>\n" /* 33 */;

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

static nst_err
run(struct nst_ctx *ctx, const char *text)
{
    struct nst_service *svc = NULL;
    nst_err err;

    nst_diag_clear(ctx);
    err = nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "t.xml", &svc);
    if (err == NST_OK) {
        err = nst_service_check(svc);
    }
    nst_service_free(svc);
    return err;
}

static void
expect_one(struct nst_ctx *ctx, const char *code, const char *msg)
{
    size_t i, n = 0;
    int found = 0;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), code)) {
            n++;
            found |= strstr(nst_diag_message(d), msg) != NULL;
        }
    }
    if (n != 1 || !found) {
        for (i = 0; i < nst_diag_count(ctx); i++) {
            const struct nst_diag *d = nst_diag_get(ctx, i);

            print_message("  %u %s %s\n", nst_diag_line(d), nst_diag_code(d), nst_diag_message(d));
        }
        fail_msg("expected one %s with '%s', got %zu", code, msg, n);
    }
}

static int
setup(void **state)
{
    struct nst_ctx *ctx = NULL;

    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    *state = ctx;
    return 0;
}

static int
teardown(void **state)
{
    nst_ctx_free(*state);
    return 0;
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_primaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_handoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_diverse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_diverse_allowed, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
