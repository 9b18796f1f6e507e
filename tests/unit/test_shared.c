/*
 * test_shared.c: shared exchange ports (netstitch-exchange, check_shared.c). The base is
 * an SR OS exchange port shared with other customers (QinQ mode, TPID 0x88a8 declared)
 * carrying one QinQ hop, stitched to a dot1q hop on a port of its own; each test breaks one rule
 * and asserts the code and line, and the compiled SR OS payload of the clean service leaves the
 * port's settings alone.
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

static const char *BASE =
    "<intercloud xmlns=\"urn:netstitch:yang:intercloud\" "
    "xmlns:nsx=\"urn:netstitch:yang:exchange\">\n"          /* 1 */
    "<site><name>a</name><kind>on-premises</kind></site>\n" /* 2 */
    "<site><name>x</name><kind>exchange</kind></site>\n"    /* 3 */
    "<device><name>ex1</name><vendor>sros</vendor><role>exchange-edge</role><site>x</"
    "site>\n" /* 4 */
    "  "
    "<port><name>1/1/1</name><bandwidth>10000000</bandwidth><mtu>1522</mtu><max-mtu>9212</"
    "max-mtu><tpid>0x88a8</tpid>\n"                                                   /* 5 */
    "    <nsx:shared/><nsx:encapsulation-mode>qinq</nsx:encapsulation-mode></port>\n" /* 6
                                                                                       */
    "  "
    "<port><name>1/1/2</name><bandwidth>10000000</bandwidth><mtu>1518</mtu><max-mtu>9212</"
    "max-mtu></port></device>\n"                                       /* 7 */
    "<segment><name>s1</name><a><site>x</site><node>peer</node></a>\n" /* 8 */
    "  "
    "<b><device>ex1</device><port>1/1/1</port></b><owner>x</owner><mtu>9000</mtu></"
    "segment>\n"                                                                         /* 9 */
    "<segment><name>s2</name><a><device>ex1</device><port>1/1/2</port></a>\n"            /* 10 */
    "  <b><site>a</site><node>cpe</node></b><owner>a</owner><mtu>9000</mtu></segment>\n" /* 11 */
    "<connection><name>c1</name><ip-mtu>1500</ip-mtu><endpoint>x</endpoint><endpoint>a</"
    "endpoint>\n"                                /* 12 */
    "  <hop><seq>1</seq><segment>s1</segment>\n" /* 13 */
    "    "
    "<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation></"
    "hop>\n"                                                                            /* 14 */
    "  <hop><seq>2</seq><segment>s2</segment>\n"                                        /* 15 */
    "    <encapsulation><dot1q><vlan>200</vlan></dot1q></encapsulation></hop>\n"        /* 16 */
    "  <stitch><device>ex1</device><from-hop>1</from-hop><to-hop>2</to-hop></stitch>\n" /* 17
                                                                                         */
    "</connection></intercloud>\n" /* 18 */;

static char *
edit1(const char *old, const char *new)
{
    return edit_first(BASE, old, new, NULL);
}

static void
expect_one(struct nst_ctx *ctx, const char *code, uint32_t line)
{
    assert_int_equal(nst_diag_line(only(ctx, code)), line);
}

static void
test_clean(void **state)
{
    assert_int_equal(run(*state, BASE), NST_OK);
    assert_int_equal(nst_diag_count_severity(*state, NST_SEV_ERROR), 0);
}

static void
test_mtu_change_refused(void **state)
{
    char *s = edit1("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1600</ip-mtu>");
    size_t i;

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect_one(*state, "SHARED-PORT-MTU", 5);
    /* The unshared far end still gets its planned raise; the shared port none. */
    for (i = 0; i < nst_diag_count(*state); i++) {
        const struct nst_diag *d = nst_diag_get(*state, i);

        if (!strcmp(nst_diag_code(d), "MTU-PORT-RAISE")) {
            assert_non_null(strstr(nst_diag_message(d), "port 1/1/2"));
        }
    }
    free(s);
}

static void
test_undeclared_tpid_refused(void **state)
{
    char *s = edit1("<tpid>0x88a8</tpid>", "");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect_one(*state, "SHARED-PORT-TPID", 14);
    free(s);
}

static void
test_qinq_on_dot1q_port_refused(void **state)
{
    char *s = edit1(">qinq</nsx:encapsulation-mode>", ">dot1q</nsx:encapsulation-mode>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect_one(*state, "SHARED-PORT-ENCAP", 14);
    free(s);
}

static void
test_untagged_refused(void **state)
{
    char *s = edit1("<qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq>", "<untagged/>");

    run(*state, s);
    expect_one(*state, "SHARED-PORT-ENCAP", 14);
    free(s);
}

static void
test_unshared_port_unaffected(void **state)
{
    char *s = edit1("<nsx:shared/><nsx:encapsulation-mode>qinq</nsx:encapsulation-mode>", "");
    char *t = strdup(s), *at = strstr(t, "<ip-mtu>1500");

    memcpy(at, "<ip-mtu>1600", 12);
    assert_int_equal(run(*state, t), NST_OK); /* raised as planned, no SHARED-* */
    free(s);
    free(t);
}

static void
test_compiled_port_untouched(void **state)
{
    struct nst_service *svc = NULL;
    struct nst_compiled *out = NULL;
    const char *payload = NULL, *p1;
    size_t i;

    assert_int_equal(
        nst_service_load_mem(*state, BASE, strlen(BASE), NST_FORMAT_XML, "t.xml", &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &out), NST_OK);
    for (i = 0; i < nst_compiled_device_count(out); i++) {
        if (!strcmp(nst_compiled_device_name(out, i), "ex1")) {
            payload = nst_compiled_device_payload(out, i);
        }
    }
    assert_non_null(payload);
    /* The shared port has no <port> entry of its own at all (its settings are the
     * exchange's); only the service's SAP on it. */
    assert_null(strstr(payload, "<port-id>1/1/1</port-id>"));
    /* Its SAP is there; the unshared port gets its settings as usual. */
    assert_non_null(strstr(payload, "<sap-id>1/1/1:100.200</sap-id>"));
    p1 = strstr(payload, "<port-id>1/1/2</port-id>");
    assert_non_null(p1);
    assert_non_null(strstr(p1, "<encap-type>dot1q</encap-type>"));
    nst_compiled_free(out);
    nst_service_free(svc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_mtu_change_refused, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_undeclared_tpid_refused, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_qinq_on_dot1q_port_refused, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_untagged_refused, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_unshared_port_unaffected, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_compiled_port_untouched, ctx_setup, ctx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
