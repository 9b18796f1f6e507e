/*
 * test_hardening.c: the pure pieces behind tests/hardening: the relay's message check
 * (netconf/relay.h) and the session's reply interpretation (sess_reply_parse), on the
 * replies a broken or hostile router sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "relay.h"
#include "session.h"

#define NC "urn:ietf:params:xml:ns:netconf:base:1.0"
#define REPLY(body) "<rpc-reply message-id=\"1\" xmlns=\"" NC "\">" body "</rpc-reply>"

static int
check(const char *msg, char *why, size_t len)
{
    return relay_check_message(msg, strlen(msg), why, len);
}

static void
test_relay_check(void **state)
{
    char why[160];

    (void)state;
    assert_int_equal(check(REPLY("<ok/>"), why, sizeof why), 1);
    assert_string_equal(why, "");
    assert_int_equal(check(REPLY("<data><a xmlns=\"urn:x\"><b>1</b></a></data>"), why, sizeof why),
                     1);
    /* What crashed libyang 2.1.30 inside <data>. */
    assert_int_equal(check(REPLY("<data><i:s/><s/></data>"), why, sizeof why), 0);
    assert_string_equal(why, "an undeclared namespace prefix");
    assert_int_equal(check(REPLY("<data><s xmlns=\"\"/><s/></data>"), why, sizeof why), 0);
    assert_string_equal(why, "an element in no namespace");
    assert_int_equal(check("<rpc-reply message-id=\"1\"><ok/></rpc-reply>", why, sizeof why), 0);
    assert_string_equal(why, "an element in no namespace");
    assert_int_equal(check(REPLY("<ok/></rpc-rep"), why, sizeof why), 0);
    assert_string_equal(why, "XML that is not well-formed");
    assert_int_equal(check("<!DOCTYPE r [<!ENTITY a \"aa\">]>" REPLY("<ok/>&a;"), why, sizeof why),
                     0);
    assert_string_equal(why, "a DOCTYPE");
    assert_int_equal(check(REPLY("<ok/>&nosuch;"), why, sizeof why), 0);
    assert_int_equal(check("", why, sizeof why), 0);
    /* Not NUL-terminated: only the given length is read. */
    assert_int_equal(
        relay_check_message(REPLY("<ok/>") "garbage", strlen(REPLY("<ok/>")), why, sizeof why), 1);
}

struct fx {
    struct ly_ctx *ly;
    struct lyd_node *getconfig, *lock;
};

static int
setup(void **state)
{
    static const char *feats[] = {"candidate", "confirmed-commit", "validate", NULL};
    struct fx *f = calloc(1, sizeof *f);

    if (!f || ly_ctx_new(NST_SRCDIR "/yang/ietf", LY_CTX_DISABLE_SEARCHDIR_CWD, &f->ly)) {
        return -1;
    }
    ly_log_options(LY_LOSTORE);
    ly_ctx_set_searchdir(f->ly, NST_SRCDIR "/tests/netsim/models/a");
    if (!ly_ctx_load_module(f->ly, "ietf-netconf", "2011-06-01", feats) ||
        !ly_ctx_load_module(f->ly, "netsim-test-a", NULL, NULL) ||
        lyd_new_path(NULL, f->ly, "/ietf-netconf:get-config/source/running", NULL, 0,
                     &f->getconfig) ||
        lyd_new_path(NULL, f->ly, "/ietf-netconf:lock/target/candidate", NULL, 0, &f->lock)) {
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    lyd_free_all(f->getconfig);
    lyd_free_all(f->lock);
    ly_ctx_destroy(f->ly);
    free(f);
    return 0;
}

static void
test_reply_data(void **state)
{
    struct fx *f = *state;
    struct sess_error err;
    char *xml = NULL;

    assert_int_equal(sess_reply_parse(f->ly, f->getconfig,
                                      REPLY("<data><system xmlns=\"urn:netstitch:netsim:test-a\">"
                                            "<hostname>r1</hostname></system></data>"),
                                      &xml, &err),
                     NST_OK);
    assert_int_equal(err.kind, SESS_ERR_NONE);
    assert_non_null(strstr(xml, "<hostname>r1</hostname>"));
    nst_free(xml);
    xml = NULL;
    assert_int_equal(sess_reply_parse(f->ly, f->getconfig, REPLY("<data/>"), &xml, &err), NST_OK);
    assert_string_equal(xml, "");
    nst_free(xml);
    xml = NULL;
    /* A reply without <data> to a get-config. */
    assert_int_equal(sess_reply_parse(f->ly, f->getconfig, REPLY("<ok/>"), &xml, &err), NST_EENV);
    assert_int_equal(err.kind, SESS_ERR_PROTOCOL);
    assert_null(xml);
}

static void
test_reply_hostile(void **state)
{
    struct fx *f = *state;
    struct sess_error err;
    char *xml = NULL;

    /* These crashed netstitch inside libyang before the relay check. */
    assert_int_equal(
        sess_reply_parse(f->ly, f->getconfig, REPLY("<data><i:s/><s/></data>"), &xml, &err),
        NST_EENV);
    assert_int_equal(err.kind, SESS_ERR_PROTOCOL);
    assert_non_null(strstr(err.message, "undeclared namespace prefix"));
    assert_int_equal(sess_reply_parse(f->ly, f->getconfig,
                                      REPLY("<data><s xmlns=\"\"/><s/></data>"), &xml, &err),
                     NST_EENV);
    assert_non_null(strstr(err.message, "no namespace"));
    assert_int_equal(sess_reply_parse(f->ly, f->lock, "<rpc-reply", &xml, &err), NST_EENV);
    assert_int_equal(err.kind, SESS_ERR_PROTOCOL);
    assert_null(xml);
}

static void
test_reply_rpc_error(void **state)
{
    struct fx *f = *state;
    struct sess_error err;
    char big[2048];

    assert_int_equal(
        sess_reply_parse(f->ly, f->lock,
                         REPLY("<rpc-error><error-type>application</error-type>"
                               "<error-tag>operation-failed</error-tag>"
                               "<error-severity>warning</error-severity>"
                               "<error-message>only a warning</error-message></rpc-error>"
                               "<rpc-error><error-type>protocol</error-type>"
                               "<error-tag>lock-denied</error-tag>"
                               "<error-severity>error</error-severity>"
                               "<error-message xml:lang=\"en\">held</error-message>"
                               "<error-info><session-id>454</session-id></error-info>"
                               "</rpc-error>"),
                         NULL, &err),
        NST_EENV);
    assert_int_equal(err.kind, SESS_ERR_RPC);
    assert_int_equal(err.n_rpc_errors, 2);
    assert_string_equal(err.tag, "lock-denied");
    assert_string_equal(err.message, "held");
    assert_int_equal(err.holder_session_id, 454);
    assert_string_equal(err.info, "session-id=454");
    /* An oversized error-message is cut to the field, terminated. */
    memset(big, 'x', sizeof big);
    memcpy(big,
           REPLY("<rpc-error><error-type>rpc</error-type><error-tag>invalid-value</error-tag>"
                 "<error-severity>error</error-severity><error-message>"),
           strlen(REPLY("<rpc-error><error-type>rpc</error-type><error-tag>invalid-value"
                        "</error-tag><error-severity>error</error-severity><error-message>")) -
               strlen("</rpc-reply>"));
    strcpy(big + sizeof big - 64, "</error-message></rpc-error></rpc-reply>");
    assert_int_equal(sess_reply_parse(f->ly, f->lock, big, NULL, &err), NST_EENV);
    assert_int_equal(err.kind, SESS_ERR_RPC);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_check),
        cmocka_unit_test_setup_teardown(test_reply_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_rpc_error, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
