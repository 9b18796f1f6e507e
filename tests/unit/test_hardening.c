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

/* libyang's own printing of the <data> content of @reply (what the snapshot text was
 * before netconf/session.c printed opaque trees itself), returned (free). */
static char *
libyang_text(struct fx *f, const char *reply)
{
    struct lyd_node *op = NULL, *envp = NULL, *data = NULL;
    struct ly_in *in = NULL;
    char *out = NULL;

    assert_int_equal(lyd_dup_single(f->getconfig, NULL, LYD_DUP_RECURSIVE, &op), LY_SUCCESS);
    assert_int_equal(ly_in_new_memory(reply, &in), LY_SUCCESS);
    assert_int_equal(lyd_parse_op(f->ly, op, in, LYD_XML, LYD_TYPE_REPLY_NETCONF, &envp, NULL),
                     LY_SUCCESS);
    assert_int_equal(lyd_find_path(op, "data", 1, &data), LY_SUCCESS);
    assert_int_equal(((struct lyd_node_any *)data)->value_type, LYD_ANYDATA_DATATREE);
    assert_int_equal(lyd_print_mem(&out, ((struct lyd_node_any *)data)->value.tree, LYD_XML,
                                   LYD_PRINT_WITHSIBLINGS),
                     LY_SUCCESS);
    ly_in_free(in, 0);
    lyd_free_tree(envp);
    lyd_free_tree(op);
    return out ? out : strdup("");
}

static void
same_as_libyang(struct fx *f, const char *body)
{
    struct sess_error err;
    char *reply = NULL, *xml = NULL, *want;
    size_t n = strlen(body) + 256;

    reply = malloc(n);
    assert_non_null(reply);
    snprintf(reply, n, "<rpc-reply message-id=\"1\" xmlns=\"" NC "\"><data>%s</data></rpc-reply>",
             body);
    assert_int_equal(sess_reply_parse(f->ly, f->getconfig, reply, &xml, &err), NST_OK);
    want = libyang_text(f, reply);
    assert_string_equal(xml, want);
    free(want);
    nst_free(xml);
    free(reply);
}

/* The snapshot text is byte for byte what libyang prints: namespaces (default, prefixed,
 * redeclared, a value's prefixes), attributes with prefixes, escapes in text and
 * attributes, a value beside children, empty elements; and compiled configurations. */
static void
test_snapshot_text(void **state)
{
    static const char *bodies[] = {
        "<configuration xmlns=\"http://yang.juniper.net/junos/conf/root\" "
        "xmlns:junos=\"http://xml.juniper.net/junos/*/junos\" junos:changed-seconds=\"1\" "
        "junos:comment=\"a &amp; &quot;b&quot; &lt;c&gt; 'd'\">\n"
        "  <interfaces><interface><name>ge-0/0/0</name>"
        "<description>x &amp; y &lt;z&gt; \"q\" 'r'</description>\n"
        "  <unit xmlns:nc=\"" NC "\" nc:operation=\"merge\"><name>0</name></unit>"
        "</interface></interfaces>\n"
        "  <empty/><empty2 a=\"1\" b=\"\"/>\n</configuration>",
        "<interfaces xmlns=\"http://openconfig.net/yang/interfaces\" "
        "xmlns:ianaift=\"urn:ietf:params:xml:ns:yang:iana-if-type\"><interface><name>Et1</name>"
        "<config><type>ianaift:ethernetCsmacd</type><addr>2001:db8::1</addr>"
        "<t xmlns:oc=\"http://openconfig.net/yang/interfaces\">oc:X</t><u xmlns=\"urn:o\">v</u>"
        "<w xmlns:p=\"urn:p\" p:at=\"v\">p:val</w><m>text<k>child</k></m></config>"
        "</interface></interfaces>",
        "<top xmlns:a=\"urn:a\"><a:x>1</a:x><y xmlns=\"urn:y\"><a:z xmlns:a=\"urn:a2\">2</a:z>"
        "</y></top><second xmlns=\"urn:s\"/>",
        "<system xmlns=\"urn:netstitch:netsim:test-a\"><hostname>r1</hostname></system>",
        "<a xmlns=\"urn:a\"><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p><q><r><s>deep</s></r>"
        "</q></p></o></n></m></l></k></j></i></h></g></f></e></d></c></b></a>",
    };
    static const char *files[] = {
        NST_SRCDIR "/tests/golden/compile/oc-features/oc-pe1.xml",
        NST_SRCDIR "/tests/golden/compile/junos-features/pe1.xml",
        NST_SRCDIR "/tests/golden/compile/l3vpn-sros/pe-sr1.xml",
        NST_SRCDIR "/tests/golden/compile/mp-hub-vrp/pe-taipei.xml",
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        same_as_libyang(f, bodies[i]);
    }
    for (i = 0; i < sizeof files / sizeof *files; i++) {
        static char body[1 << 20];
        FILE *fp = fopen(files[i], "r");
        size_t n;
        const char *b;

        assert_non_null(fp);
        n = fread(body, 1, sizeof body - 1, fp);
        fclose(fp);
        body[n] = '\0';
        /* The content without its XML declaration. */
        b = strstr(body, "?>");
        same_as_libyang(f, b ? b + 2 : body);
    }
}

/* The tree of @text (siblings) parsed into @f's context, printed; "" for none. */
static char *
typed_text(struct fx *f, const char *text)
{
    struct lyd_node *t = NULL;
    char *out = NULL;

    assert_int_equal(
        lyd_parse_data_mem(f->ly, text, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &t),
        LY_SUCCESS);
    if (t) {
        assert_int_equal(lyd_print_mem(&out, t, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
    }
    lyd_free_siblings(t);
    return out ? out : strdup("");
}

/* relay_reply_info() on @reply: plain as @want; when plain, the device's own text of the
 * <data> content gives the tree sess_get_config()'s text (sess_reply_parse) gives. */
static void
plain_case(struct fx *f, const char *reply, int want)
{
    struct relay_reply rep = {0};
    struct sess_error err;
    char *xml = NULL, *span, *a, *b;

    relay_reply_info(reply, strlen(reply), &rep);
    if (rep.plain != want) {
        fail_msg("plain %d, want %d: %s", rep.plain, want, reply);
    }
    if (!rep.plain) {
        return;
    }
    assert_true(rep.data_off + rep.data_len <= strlen(reply));
    span = strndup(reply + rep.data_off, rep.data_len);
    assert_int_equal(sess_reply_parse(f->ly, f->getconfig, reply, &xml, &err), NST_OK);
    a = typed_text(f, span);
    b = typed_text(f, xml);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(span);
    nst_free(xml);
}

/* The <get-config> replies whose <data> text the live diff takes as the device sent it
 * (relay.h, struct relay_reply), and those it parses whole as libnetconf2 would. */
static void
test_reply_plain(void **state)
{
    struct fx *f = *state;
    char deep[2048];
    size_t n = 0;

#define SYS "<system xmlns=\"urn:netstitch:netsim:test-a\">"
#define IFS "<interfaces xmlns=\"urn:netstitch:netsim:test-a\">"
    /* netsim's and libnetconf2's reply; blanks, escapes, an XML declaration, empties. */
    plain_case(f,
               REPLY("<data>" SYS "<hostname>r1</hostname></system>\n  " IFS
                     "<interface><name>ge&amp;0</name><description> a &lt;b&gt; \"q\" "
                     "</description>\n <mtu>1500</mtu><tag>x</tag><tag>y</tag>"
                     "<vlan-tags><outer>10</outer></vlan-tags></interface></interfaces>\n"
                     "</data>"),
               1);
    plain_case(f,
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" REPLY(
                   "\n  <data >" SYS "<hostname>r1</hostname></system></data  >\n"),
               1);
    plain_case(f, REPLY("<data/>"), 1);
    plain_case(f, REPLY("<data></data>"), 1);
    plain_case(f, REPLY("<data>\n  \n</data>"), 1);
    plain_case(f,
               "<rpc-reply message-id=\"7\" xmlns=\"" NC "\" other=\"1\"><data xmlns=\"" NC
               "\">" SYS "<hostname>r</hostname></system></data></rpc-reply>",
               1);
    /* Taken whole: a namespace declared outside <data> (a value could use it), a prefixed
     * element (an unprefixed value would resolve elsewhere), attributes, CDATA, comments,
     * processing instructions, character references, text beside elements, no <data>. */
    plain_case(f,
               "<rpc-reply xmlns=\"" NC "\" xmlns:junos=\"http://xml.juniper.net/junos/*/junos\" "
               "message-id=\"1\"><data>" SYS "<hostname>r1</hostname></system></data></rpc-reply>",
               0);
    plain_case(f,
               "<nc:rpc-reply xmlns:nc=\"" NC "\" message-id=\"1\"><nc:data>" SYS
               "<hostname>r1</hostname></system></nc:data></nc:rpc-reply>",
               0);
    plain_case(f,
               REPLY("<data xmlns:t=\"urn:netstitch:netsim:test-a\">" SYS
                     "<hostname>r1</hostname></system></data>"),
               0);
    plain_case(f,
               REPLY("<data><t:system xmlns:t=\"urn:netstitch:netsim:test-a\"><t:hostname>r1"
                     "</t:hostname></t:system></data>"),
               0);
    plain_case(f,
               REPLY("<data><system xmlns=\"urn:netstitch:netsim:test-a\" a=\"1\">"
                     "<hostname>r1</hostname></system></data>"),
               0);
    plain_case(f, REPLY("<data>" SYS "<hostname><![CDATA[r1]]></hostname></system></data>"), 0);
    plain_case(f, REPLY("<data><!-- c -->" SYS "<hostname>r1</hostname></system></data>"), 0);
    plain_case(f, REPLY("<data><?pi x?>" SYS "<hostname>r1</hostname></system></data>"), 0);
    plain_case(f, REPLY("<data>" SYS "<hostname>r&#49;</hostname></system></data>"), 0);
    plain_case(f, REPLY("<data>" SYS "x<hostname>r1</hostname></system></data>"), 0);
    plain_case(f, REPLY("<data>" SYS "<hostname>r1</hostname>x</system></data>"), 0);
    plain_case(f, REPLY("<data>x</data>"), 0);
    plain_case(f, REPLY("<data/><data/>"), 0);
    plain_case(f, REPLY("<ok/>"), 0);
    plain_case(f,
               REPLY("<rpc-error><error-type>application</error-type><error-tag>"
                     "operation-failed</error-tag><error-severity>error</error-severity>"
                     "</rpc-error>"),
               0);
    plain_case(f, REPLY("<rpc-error><error-type>application</error-type></rpc-error><data/>"), 0);
    plain_case(f, "<rpc xmlns=\"" NC "\" message-id=\"1\"><data/></rpc>", 0);
    plain_case(f, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" REPLY("<data/>"), 0);
    plain_case(f, REPLY("<data><i:s/></data>"), 0); /* not even well-formed NETCONF */
    /* Deeper than the check's stack. */
    n += (size_t)snprintf(deep + n, sizeof deep - n, "<rpc-reply xmlns=\"%s\"><data>", NC);
    for (int i = 0; i < 70; i++) {
        n += (size_t)snprintf(deep + n, sizeof deep - n, "<a%s>", i ? "" : " xmlns=\"urn:a\"");
    }
    for (int i = 0; i < 70; i++) {
        n += (size_t)snprintf(deep + n, sizeof deep - n, "</a>");
    }
    snprintf(deep + n, sizeof deep - n, "</data></rpc-reply>");
    plain_case(f, deep, 0);
#undef SYS
#undef IFS
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_check),
        cmocka_unit_test_setup_teardown(test_reply_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_rpc_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_plain, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
