/*
 * test_qinq.c: multi-VLAN and port-based QinQ (netstitch-qinq, check_qinq.c). The base is
 * the golden compile case tests/compile/qinq/qinq-bundle.xml (clean); each test edits it
 * to break one rule and asserts the code, and that the clean one renders each vendor's
 * native match (Junos inner-list, VRP ce-vlan-list, IOS-XR dot1q range / any, OpenConfig
 * double-tagged-inner-range, SR OS S.* SAP) with only the S-tag popped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "check_run.h"
#include "netstitch.h"

static char *base;

/* @base with the first occurrence of @old replaced by @new. */
static char *
edit1(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    char *s;

    if (!at) {
        fail_msg("edit: '%s' not in the service", old);
    }
    s = malloc(strlen(text) - strlen(old) + strlen(new) + 1);
    memcpy(s, text, (size_t)(at - text));
    strcpy(s + (at - text), new);
    strcat(s, at + strlen(old));
    return s;
}

static void
expect(struct nst_ctx *ctx, const char *code, size_t n, const char *msg)
{
    size_t i;
    int found = !msg;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), code) && msg && strstr(nst_diag_message(d), msg)) {
            found = 1;
        }
    }
    if (count(ctx, code) != n || !found) {
        for (i = 0; i < nst_diag_count(ctx); i++) {
            const struct nst_diag *d = nst_diag_get(ctx, i);

            print_message("  %u %s %s\n", nst_diag_line(d), nst_diag_code(d), nst_diag_message(d));
        }
        fail_msg("expected %zu %s (with '%s'), got %zu", n, code, msg ? msg : "", count(ctx, code));
    }
}

static int
setup(void **state)
{
    struct nst_ctx *ctx = NULL;
    char path[1024];
    const char *top = getenv("TOP");

    snprintf(path, sizeof path, "%s/tests/compile/qinq/qinq-bundle.xml", top ? top : ".");
    if (!base) {
        base = slurp(path);
    }
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    *state = ctx;
    return 0;
}

static void
test_base_clean(void **state)
{
    assert_int_equal(run(*state, base), NST_OK);
    assert_int_equal(nst_diag_count_severity(*state, NST_SEV_ERROR), 0);
}

static void
test_range_backwards(void **state)
{
    char *s = edit1(base, "<nsq:c-vlan>100-110</nsq:c-vlan>", "<nsq:c-vlan>110-100</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-CVLAN-RANGE", 1, "runs backwards");
    free(s);
}

static void
test_range_overlaps_itself(void **state)
{
    char *s = edit1(base, "<nsq:c-vlan>120</nsq:c-vlan>", "<nsq:c-vlan>105</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-CVLAN-RANGE", 1, "overlaps 100-110");
    free(s);
}

static void
test_range_out_of_bounds(void **state)
{
    char *s = edit1(base, "<nsq:c-vlan>120</nsq:c-vlan>", "<nsq:c-vlan>4095</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-CVLAN-RANGE", 1, "outside 1-4094");
    free(s);
}

/* A second service on j1 xe-0/0/1 in S-tag 300 with C-VLAN 105: inside 100-110. */
static void
test_overlap_other_service(void **state)
{
    char *s = edit1(base, "  <connection>\n    <name>range-path</name>",
                    "  <connection>\n    <name>single</name>\n    <ip-mtu>1500</ip-mtu>\n"
                    "    <endpoint>a</endpoint>\n    <endpoint>x</endpoint>\n"
                    "    <hop><seq>1</seq><segment>a-j1</segment><encapsulation><qinq>"
                    "<s-tag>300</s-tag><c-tag>105</c-tag><tpid>0x8100</tpid></qinq>"
                    "</encapsulation></hop>\n  </connection>\n"
                    "  <connection>\n    <name>range-path</name>");

    run(*state, s);
    expect(*state, "QINQ-CVLAN-OVERLAP", 1,
           "customer VLAN 105"); /* j1 end; the other is external */
    free(s);
}

static void
test_other_stag_no_overlap(void **state)
{
    char *s = edit1(base, "  <connection>\n    <name>range-path</name>",
                    "  <connection>\n    <name>single</name>\n    <ip-mtu>1500</ip-mtu>\n"
                    "    <endpoint>a</endpoint>\n    <endpoint>x</endpoint>\n"
                    "    <hop><seq>1</seq><segment>a-j1</segment><encapsulation><qinq>"
                    "<s-tag>310</s-tag><c-tag>105</c-tag><tpid>0x8100</tpid></qinq>"
                    "</encapsulation></hop>\n  </connection>\n"
                    "  <connection>\n    <name>range-path</name>");

    run(*state, s);
    assert_int_equal(count(*state, "QINQ-CVLAN-OVERLAP"), 0);
    free(s);
}

static void
test_stitch_to_single_tag(void **state)
{
    char *s = edit1(base,
                    "<nsq:qinq-bundle><nsq:s-tag>302</nsq:s-tag><nsq:c-vlan>100-110</nsq:c-vlan>"
                    "<nsq:c-vlan>120</nsq:c-vlan><nsq:tpid>0x8100</nsq:tpid></nsq:qinq-bundle>",
                    "<dot1q><vlan>302</vlan></dot1q>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-BUNDLE-STITCH", 1, "only continue in a bundle");
    free(s);
}

static void
test_stitch_different_cvlans(void **state)
{
    char *s = edit1(base, "<nsq:s-tag>402</nsq:s-tag><nsq:c-vlan>200-210</nsq:c-vlan>",
                    "<nsq:s-tag>402</nsq:s-tag><nsq:c-vlan>200-209</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-BUNDLE-STITCH", 1, "different customer VLANs");
    free(s);
}

static void
test_sros_list_unsupported(void **state)
{
    char *s = edit1(base, "<nsq:s-tag>500</nsq:s-tag><nsq:all-c-vlans/>",
                    "<nsq:s-tag>500</nsq:s-tag><nsq:c-vlan>7</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-BUNDLE-UNSUPPORTED", 1, "SR OS QinQ SAP");
    free(s);
}

static void
test_iosxr_two_ranges_unsupported(void **state)
{
    char *s = edit1(base, "<nsq:s-tag>400</nsq:s-tag><nsq:c-vlan>200-210</nsq:c-vlan>",
                    "<nsq:s-tag>400</nsq:s-tag><nsq:c-vlan>200-205</nsq:c-vlan>"
                    "<nsq:c-vlan>206-210</nsq:c-vlan>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-BUNDLE-UNSUPPORTED", 1, "one inner range");
    free(s);
}

static void
test_eos_unsupported(void **state)
{
    char *s = edit1(base, "<vendor>openconfig</vendor>",
                    "<vendor>openconfig</vendor>\n    <platform>eos</platform>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "QINQ-BUNDLE-UNSUPPORTED", 2, "EOS");
    free(s);
}

static void
test_vrp_inner_tpid_unsupported(void **state)
{
    char *s =
        edit1(base,
              "<nsq:s-tag>302</nsq:s-tag><nsq:c-vlan>100-110</nsq:c-vlan><nsq:c-vlan>120</"
              "nsq:c-vlan><nsq:tpid>0x8100</nsq:tpid>",
              "<nsq:s-tag>302</nsq:s-tag><nsq:c-vlan>100-110</nsq:c-vlan><nsq:c-vlan>120</"
              "nsq:c-vlan><nsq:tpid>0x8100</nsq:tpid><nsq:inner-tpid>0x9100</nsq:inner-tpid>");

    run(*state, s);
    expect(*state, "QINQ-BUNDLE-UNSUPPORTED", 1, "VRP");
    free(s);
}

/* A VPLS mixing a bundle and a plain QinQ attachment circuit. */
static void
test_vpls_mixed(void **state)
{
    char *s = edit1(base, "  <connection>\n    <name>range-path</name>",
                    "  <connection>\n    <name>mp</name>\n    <ip-mtu>1500</ip-mtu>\n"
                    "    <endpoint>a</endpoint>\n    <endpoint>b</endpoint>\n"
                    "    <hop><seq>1</seq><segment>a-j1</segment><encapsulation><nsq:qinq-bundle>"
                    "<nsq:s-tag>330</nsq:s-tag><nsq:c-vlan>5</nsq:c-vlan></nsq:qinq-bundle>"
                    "</encapsulation></hop>\n"
                    "    <vpls><name>mpv</name><signalling>ldp</signalling><vpls-id>9</vpls-id>\n"
                    "      <member><device>j1</device><port>xe-0/0/1</port><encapsulation>"
                    "<nsq:qinq-bundle><nsq:s-tag>330</nsq:s-tag><nsq:c-vlan>5</nsq:c-vlan>"
                    "</nsq:qinq-bundle></encapsulation></member>\n"
                    "      <member><device>s1</device><port>1/1/1</port><encapsulation><qinq>"
                    "<s-tag>331</s-tag><c-tag>5</c-tag></qinq></encapsulation></member>\n"
                    "    </vpls>\n  </connection>\n"
                    "  <connection>\n    <name>range-path</name>");

    run(*state, s);
    expect(*state, "QINQ-BUNDLE-VPLS", 1, "member s1 attaches QinQ 0x88a8 331/5");
    free(s);
}

/* The MTU rules still hold: a bundle is two tags on a fixed 1504 segment. */
static void
test_mtu_two_tags(void **state)
{
    char *s = edit1(base, "<mtu>1508</mtu>", "<mtu>1504</mtu>");

    assert_int_equal(run(*state, s), NST_ECHECK);
    expect(*state, "MTU-FIXED-SEGMENT", 1, "2 tags");
    free(s);
}

static void
test_render_native(void **state)
{
    struct nst_service *svc = NULL;
    struct nst_compiled *out = NULL;
    size_t i;

    assert_int_equal(
        nst_service_load_mem(*state, base, strlen(base), NST_FORMAT_XML, "t.xml", &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &out), NST_OK);
    for (i = 0; i < nst_compiled_device_count(out); i++) {
        const char *n = nst_compiled_device_name(out, i), *x = nst_compiled_device_payload(out, i),
                   *c = nst_compiled_device_cli(out, i);

        if (!strcmp(n, "j1")) {
            assert_non_null(strstr(x, "<inner-list>100-110</inner-list>"));
            assert_non_null(strstr(x, "<inner-list>120</inner-list>"));
            assert_non_null(strstr(x, "<input-vlan-map>"));
            assert_null(strstr(x, "<vlan-id>none</vlan-id>"));
        } else if (!strcmp(n, "v1")) {
            assert_non_null(strstr(x, "<ce-vlan-list>100-110,120</ce-vlan-list>"));
            assert_non_null(strstr(x, "pop-outer"));
        } else if (!strcmp(n, "x1")) {
            assert_non_null(strstr(c, "encapsulation dot1ad 400 dot1q 200-210"));
            assert_non_null(strstr(c, "encapsulation dot1q 501 second-dot1q any"));
            assert_non_null(strstr(x, "<dot1q-end-vlan-id>210</dot1q-end-vlan-id>"));
            assert_null(strstr(c, "pop 2"));
        } else if (!strcmp(n, "o1")) {
            assert_non_null(strstr(x, "<double-tagged-inner-range>"));
        } else if (!strcmp(n, "s1")) {
            assert_non_null(strstr(c, "sap 1/1/1:500.*"));
            assert_non_null(strstr(c, "service-mtu 1518")); /* the C-tag rides the service */
        }
    }
    nst_compiled_free(out);
    nst_service_free(svc);
}

/* Every allocation of load + check failing in turn: NST_OK or NST_ENOMEM, never a crash. */
static void
test_alloc_failure_everywhere(void **state)
{
    long n, total;
    nst_err err;

    nst_alloc_fail_after(-1);
    run(*state, base);
    total = nst_alloc_fail_after(-1);
    assert_true(total > 10);
    for (n = 0; n < total; n++) {
        nst_alloc_fail_after(n);
        err = run(*state, base);
        nst_alloc_fail_after(-1);
        assert_true(err == NST_OK || err == NST_ENOMEM);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_base_clean, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_range_backwards, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_range_overlaps_itself, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_range_out_of_bounds, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_overlap_other_service, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_other_stag_no_overlap, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_stitch_to_single_tag, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_stitch_different_cvlans, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_sros_list_unsupported, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_iosxr_two_ranges_unsupported, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_eos_unsupported, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vrp_inner_tpid_unsupported, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_vpls_mixed, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_mtu_two_tags, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_render_native, setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failure_everywhere, setup, ctx_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    free(base);
    return rc;
}
