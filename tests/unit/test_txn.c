/*
 * test_txn.c: the parts of push/rollback/recover that need no device: the pure
 * payload helpers of txn.c (normalise, secret placeholders, restore payload, touched-set
 * comparison), the inventory loader and its secrets, the state directory (permissions,
 * durable files, journal, ids, locks), the public API's argument and input errors, a push
 * to a refused loopback port, recover/rollback/list on hand-made state, and allocation
 * failure at every point of the helpers. A unit test: no lab needed.
 */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "ctx.h"
#include "inventory.h"
#include "netstitch.h"
#include "state.h"
#include "store.h"
#include "txn.h"

#define NSL "urn:netstitch:lab:net"
#define FP "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static char tmpdir[256];

static char *
path_in(const char *name)
{
    static char buf[8][512];
    static int k;

    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* A loopback port nothing listens on. */
static unsigned
closed_port(void)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned p;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
    p = ntohs(a.sin_port);
    close(fd);
    return p;
}

/*
 * Payload helpers
 */

static void
t_normalize(void **state)
{
    char *out = NULL, why[256];

    (void)state;
    assert_int_equal(payload_normalize("<?xml version=\"1.0\"?>\n<!-- c -->\n"
                                       "<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
                                       "<a xmlns=\"urn:x\"><b>1</b></a><c xmlns=\"urn:y\"/>"
                                       "</config>",
                                       &out, why, sizeof why),
                     NST_OK);
    assert_string_equal(out, "<a xmlns=\"urn:x\"><b>1</b></a><c xmlns=\"urn:y\"/>");
    nst_free(out);
    /* Bare top-level elements are kept exactly as written. */
    assert_int_equal(payload_normalize("  <a xmlns=\"urn:x\">\n <b>1</b></a>\n<c xmlns=\"urn:y\"/>",
                                       &out, why, sizeof why),
                     NST_OK);
    assert_string_equal(out, "<a xmlns=\"urn:x\">\n <b>1</b></a>\n<c xmlns=\"urn:y\"/>");
    nst_free(out);
    /* A <config> in another namespace is an ordinary element. */
    assert_int_equal(payload_normalize("<config xmlns=\"urn:x\"/>", &out, why, sizeof why), NST_OK);
    nst_free(out);
    assert_int_equal(payload_normalize("<a><b></a>", &out, why, sizeof why), NST_EINPUT);
    assert_non_null(strstr(why, "not well-formed"));
    assert_int_equal(payload_normalize("   ", &out, why, sizeof why), NST_EINPUT);
    assert_int_equal(
        payload_normalize("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>", &out, why,
                          sizeof why),
        NST_EINPUT);
    assert_non_null(strstr(why, "empty"));
    assert_int_equal(payload_normalize("text<a/>", &out, why, sizeof why), NST_EINPUT);
}

/*
 * Namespaces a top-level element of <config> uses but does not declare, and the names
 * libxml2's reconciliation gives the ones declared below it: payload_normalize() dumps an
 * element in place only when that gives what its copy in a document of its own gives
 * (pl_xml_self_contained()); these outputs are the copy's, from before that fast path.
 */
static void
t_normalize_namespaces(void **state)
{
    static const char *const cases[][2] = {
        {"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
         "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a xmlns=\"urn:a\"><b "
         "nc:operation=\"delete\">x</b></a><c xmlns=\"urn:c\"/></config>",
         "<a xmlns=\"urn:a\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><b "
         "nc:operation=\"delete\">x</b></a><c xmlns=\"urn:c\"/>"},
        {"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a><b>x</b></a></config>",
         "<a xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><b>x</b></a>"},
        {"<?xml version=\"1.0\"?><!-- hi --><config "
         "xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a xmlns=\"urn:a\" xml:lang=\"en\"><b "
         "xmlns:p=\"urn:p\"><p:c p:x=\"1\"><p:d xmlns:p=\"urn:q\"/></p:c></b></a></config>",
         "<a xmlns=\"urn:a\" xmlns:p=\"urn:p\" xmlns:p1=\"urn:q\" xml:lang=\"en\"><b "
         "xmlns:p=\"urn:p\"><p:c p:x=\"1\"><p1:d xmlns:p=\"urn:q\"/></p:c></b></a>"},
        {"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a xmlns=\"urn:a\"><b "
         "xmlns=\"urn:b\"><c xmlns=\"urn:a\"/><d "
         "xmlns:default=\"urn:z\"><default:e/></d></b></a><x:y "
         "xmlns:x=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/></config>",
         "<a xmlns=\"urn:a\" xmlns:default=\"urn:b\" xmlns:default1=\"urn:z\"><default:b "
         "xmlns=\"urn:b\"><c xmlns=\"urn:a\"/><default:d "
         "xmlns:default=\"urn:z\"><default1:e/></default:d></default:b></a><x:y "
         "xmlns:x=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>"},
        {"<nc:config xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
         "xmlns:default=\"urn:d\"><a xmlns=\"urn:a\"><b/></a><default:q/></nc:config>",
         "<a xmlns=\"urn:a\"><b/></a><default:q xmlns:default=\"urn:d\"/>"},
        {"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><a xmlns=\"urn:a\"><b "
         "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
         "nc:operation=\"remove\"/></a></config>",
         "<a xmlns=\"urn:a\" xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><b "
         "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" nc:operation=\"remove\"/></a>"},
        /* <config> declares the prefix the reconciliation would name urn:b after, and the
         * URI of an element below <a>: both are <a>'s copy's own. */
        {"<nc:config xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
         "xmlns:default=\"urn:d\"><a xmlns=\"urn:a\"><b xmlns=\"urn:b\"/></a></nc:config>",
         "<a xmlns=\"urn:a\" xmlns:default=\"urn:b\"><default:b xmlns=\"urn:b\"/></a>"},
        {"<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><p:a xmlns:p=\"urn:a\"><b "
         "xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/></p:a></config>",
         "<p:a xmlns:p=\"urn:a\" "
         "xmlns:default=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><default:b "
         "xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/></p:a>"},
    };
    char *out = NULL, why[256];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(payload_normalize(cases[i][0], &out, why, sizeof why), NST_OK);
        assert_string_equal(out, cases[i][1]);
        nst_free(out);
    }
}

static void
t_secrets_scan_substitute(void **state)
{
    char **names = NULL, *out = NULL;
    char *n[] = {"k1", "k2"};
    char *v[] = {"a&b<c>\"'", "plain"};

    (void)state;
    assert_int_equal(
        secret_scan("<a>$NST_SECRET{k1}</a><b>$NST_SECRET{k2}$NST_SECRET{k1}</b>", &names), NST_OK);
    assert_string_equal(names[0], "k1");
    assert_string_equal(names[1], "k2");
    assert_null(names[2]);
    secret_names_free(names);
    assert_int_equal(secret_scan("<a/>", &names), NST_OK);
    assert_null(names[0]);
    secret_names_free(names);
    assert_int_equal(secret_scan("<a>$NST_SECRET{k1</a>", &names), NST_EINPUT);
    assert_int_equal(secret_scan("<a>$NST_SECRET{}</a>", &names), NST_EINPUT);

    assert_int_equal(secret_substitute("<a>$NST_SECRET{k1}</a><b>x$NST_SECRET{k2}y</b>",
                                       &(struct secret_set){(char **)n, (char **)v, 2}, &out),
                     NST_OK);
    assert_string_equal(out, "<a>a&amp;b&lt;c&gt;&quot;&apos;</a><b>xplainy</b>");
    secret_wipe_free(out);
    assert_int_equal(secret_substitute("<a>$NST_SECRET{k3}</a>",
                                       &(struct secret_set){(char **)n, (char **)v, 2}, &out),
                     NST_EINPUT);
    assert_int_equal(secret_substitute("<a>no placeholder</a>",
                                       &(struct secret_set){(char **)n, (char **)v, 2}, &out),
                     NST_OK);
    assert_string_equal(out, "<a>no placeholder</a>");
    secret_wipe_free(out);
}

static void
t_placeholderize(void **state)
{
    char *n[] = {"short", "long", "q"};
    char *v[] = {"key", "key-and-more", "it's <x>"};
    char *ph = NULL, *back = NULL;
    const char *dev = "<a><k>key-and-more</k><k>key</k><k>it's &lt;x&gt;</k>"
                      "<k>it&apos;s &lt;x&gt;</k><p>$NST_SECRET{other}</p></a>";

    (void)state;
    assert_int_equal(
        secret_placeholderize(dev, &(struct secret_set){(char **)n, (char **)v, 3}, &ph), NST_OK);
    /* Longest first; both escapings of the quote; foreign placeholders untouched. */
    assert_string_equal(ph, "<a><k>$NST_SECRET{long}</k><k>$NST_SECRET{short}</k>"
                            "<k>$NST_SECRET{q}</k><k>$NST_SECRET{q}</k>"
                            "<p>$NST_SECRET{other}</p></a>");
    assert_null(strstr(ph, "key"));
    /* Substituting back gives equivalent XML (the full escaping). */
    {
        char *n2[] = {"short", "long", "q", "other"};
        char *v2[] = {"key", "key-and-more", "it's <x>", "$NST_SECRET{other}"};
        int eq = 0;

        assert_int_equal(
            secret_substitute(ph, &(struct secret_set){(char **)n2, (char **)v2, 4}, &back),
            NST_OK);
        assert_int_equal(payload_touched_equal(dev, back, "<a/>", &eq), NST_OK);
        assert_int_equal(eq, 1);
        secret_wipe_free(back);
    }
    nst_free(ph);
    /* No secrets: unchanged. */
    assert_int_equal(secret_placeholderize(
                         "<a>x</a>", &(struct secret_set){(char **)NULL, (char **)NULL, 0}, &ph),
                     NST_OK);
    assert_string_equal(ph, "<a>x</a>");
    nst_free(ph);
}

static void
t_restore_payload(void **state)
{
    const char *before = "<interfaces xmlns=\"" NSL "\">\n  <interface><name>ge0</name>"
                         "<mtu>1500</mtu></interface>\n</interfaces>\n"
                         "<system xmlns=\"" NSL "\"><hostname>r1</hostname></system>";
    const char *payload = "<interfaces xmlns=\"" NSL "\"><interface><name>ge1</name></interface>"
                          "</interfaces><vlans xmlns=\"" NSL "\"><vlan><id>5</id></vlan></vlans>";
    char *out = NULL;

    (void)state;
    assert_int_equal(payload_restore(before, payload, 1, &out), NST_OK);
    /* interfaces back as they were, vlans removed, system (untouched) not sent. */
    assert_non_null(strstr(out, "<interfaces xmlns=\"" NSL "\""));
    assert_non_null(strstr(out, "nst-nc:operation=\"replace\""));
    assert_non_null(strstr(out, "<mtu>1500</mtu>"));
    assert_non_null(strstr(out, "<vlans xmlns=\"" NSL "\""));
    assert_non_null(strstr(out, "nst-nc:operation=\"remove\""));
    assert_null(strstr(out, "system"));
    assert_null(strstr(out, "ge1"));
    nst_free(out);
    assert_int_equal(payload_restore(before, payload, 0, &out), NST_OK);
    assert_non_null(strstr(out, "nst-nc:operation=\"delete\""));
    nst_free(out);
    assert_int_equal(payload_restore("", "<a xmlns=\"urn:x\"/>", 1, &out), NST_OK);
    assert_string_equal(out, "<a xmlns=\"urn:x\" xmlns:nst-nc=\"urn:ietf:params:xml:ns:netconf:"
                             "base:1.0\" nst-nc:operation=\"remove\"/>");
    nst_free(out);
    assert_int_equal(payload_restore("<a>", "<a/>", 1, &out), NST_EINPUT);
}

/* The snapshot's text as the router sent it is re-escaped the way libyang prints text
 * (payload_canonical_text()), so that a secret the router escaped its own way is found:
 * without it, "a&apos;b>c" and "x\"y&apos;z" (legal XML, in none of the three forms it
 * knows) hide the values a'b>c and x"y'z from
 * secret_placeholderize(), and the values would reach the state store. */
static void
t_canonical_text(void **state)
{
    char *n[] = {"k1", "k2"};
    char *v[] = {"a'b>c", "x\"y'z"};
    struct secret_set set = {(char **)n, (char **)v, 2};
    const char *router = "<s xmlns=\"urn:x\"><k>a&apos;b>c</k><m>x\"y&apos;z</m>"
                         "<q>&quot;&amp;&lt;</q></s><t xmlns=\"u>r\">1 > 0</t>";
    char *canon = NULL, *safe = NULL;

    (void)state;
    /* As the router sent it, the values are not found. */
    assert_int_equal(secret_placeholderize(router, &set, &safe), NST_OK);
    assert_non_null(strstr(safe, "a&apos;b>c"));
    assert_non_null(strstr(safe, "x\"y&apos;z"));
    nst_free(safe);
    assert_int_equal(payload_canonical_text(router, &canon), NST_OK);
    assert_string_equal(canon, "<s xmlns=\"urn:x\"><k>a'b&gt;c</k><m>x\"y'z</m>"
                               "<q>\"&amp;&lt;</q></s><t xmlns=\"u>r\">1 &gt; 0</t>");
    assert_int_equal(secret_placeholderize(canon, &set, &safe), NST_OK);
    assert_string_equal(safe, "<s xmlns=\"urn:x\"><k>$NST_SECRET{k1}</k><m>$NST_SECRET{k2}</m>"
                              "<q>\"&amp;&lt;</q></s><t xmlns=\"u>r\">1 &gt; 0</t>");
    nst_free(safe);
    nst_free(canon);
    /* libyang's own print is left as it is. */
    assert_int_equal(
        payload_canonical_text("<a xmlns=\"urn:x\">\n  <b>&lt;&amp;&gt;'\"</b>\n</a>\n", &canon),
        NST_OK);
    assert_string_equal(canon, "<a xmlns=\"urn:x\">\n  <b>&lt;&amp;&gt;'\"</b>\n</a>\n");
    nst_free(canon);
    /* An entity XML does not define is refused, not copied. */
    assert_int_equal(payload_canonical_text("<a>&nbsp;</a>", &canon), NST_EINPUT);
}

static void
t_touched_equal(void **state)
{
    const char *payload = "<i xmlns=\"urn:x\"/><v xmlns=\"urn:x\"/>";
    int eq = -1;

    (void)state;
    /* Whitespace, prefixes, order of top-level elements and untouched elements differ. */
    assert_int_equal(
        payload_touched_equal("<i xmlns=\"urn:x\">\n  <n>1</n>\n</i><v xmlns=\"urn:x\"/>"
                              "<z xmlns=\"urn:x\">a</z>",
                              "<v xmlns=\"urn:x\"/><p:i xmlns:p=\"urn:x\"><p:n>1</p:n></p:i>"
                              "<z xmlns=\"urn:x\">b</z>",
                              payload, &eq),
        NST_OK);
    assert_int_equal(eq, 1);
    assert_int_equal(payload_touched_equal("<i xmlns=\"urn:x\"><n>1</n></i>",
                                           "<i xmlns=\"urn:x\"><n>2</n></i>", payload, &eq),
                     NST_OK);
    assert_int_equal(eq, 0);
    /* A touched element present on one side only. */
    assert_int_equal(payload_touched_equal("", "<v xmlns=\"urn:x\"/>", payload, &eq), NST_OK);
    assert_int_equal(eq, 0);
    /* Same name, other namespace: not touched. */
    assert_int_equal(payload_touched_equal("", "<v xmlns=\"urn:other\"/>", payload, &eq), NST_OK);
    assert_int_equal(eq, 1);
}

static void
t_helpers_alloc_failures(void **state)
{
    char *n[] = {"k"};
    char *v[] = {"s&cret"};
    int done[5] = {0};

    (void)state;
    for (long i = 0; i < 2000 && !(done[0] && done[1] && done[2] && done[3] && done[4]); i++) {
        char *out = NULL, why[128], **names = NULL;
        int eq;
        nst_err r[5];
        long tries[5];

        nst_alloc_fail_after(i);
        r[0] = payload_normalize("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
                                 "<a xmlns=\"urn:x\"/></config>",
                                 &out, why, sizeof why);
        tries[0] = nst_alloc_fail_after(i);
        if (!r[0]) {
            nst_free(out);
        }
        r[1] = payload_restore("<a xmlns=\"urn:x\"><b/></a>",
                               "<a xmlns=\"urn:x\"/><c xmlns=\"urn:x\"/>", 1, &out);
        tries[1] = nst_alloc_fail_after(i);
        if (!r[1]) {
            nst_free(out);
        }
        r[2] = secret_placeholderize("<a>s&amp;cret</a>",
                                     &(struct secret_set){(char **)n, (char **)v, 1}, &out);
        tries[2] = nst_alloc_fail_after(i);
        if (!r[2]) {
            assert_string_equal(out, "<a>$NST_SECRET{k}</a>");
            nst_free(out);
        }
        r[3] = secret_scan("$NST_SECRET{a}$NST_SECRET{b}", &names);
        tries[3] = nst_alloc_fail_after(i);
        if (!r[3]) {
            secret_names_free(names);
        }
        r[4] = payload_touched_equal("<a xmlns=\"urn:x\"/>", "<a xmlns=\"urn:x\"/>",
                                     "<a xmlns=\"urn:x\"/>", &eq);
        tries[4] = nst_alloc_fail_after(-1);
        for (int k = 0; k < 5; k++) {
            /* Either it failed cleanly, or the injection point was beyond its last
             * allocation and it succeeded. */
            assert_true(r[k] == NST_OK || r[k] == NST_ENOMEM);
            if (r[k] == NST_OK && tries[k] <= i) {
                done[k] = 1;
            }
        }
    }
    for (int k = 0; k < 5; k++) {
        assert_int_equal(done[k], 1);
    }
}

/*
 * Inventory and secrets
 */

static struct nst_ctx *
new_ctx(void)
{
    struct nst_ctx *ctx = NULL;

    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    return ctx;
}

static const char *
first_code(struct nst_ctx *ctx)
{
    return nst_diag_count(ctx) ? nst_diag_code(nst_diag_get(ctx, 0)) : "";
}

static void
t_inventory_load(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    struct nst_inventory *inv = NULL;
    const struct inv_device *d;
    struct sess_opts o;
    const char *keys[2];

    (void)state;
    write_file(
        path_in("inv.xml"),
        "<inventory xmlns=\"urn:netstitch:yang:inventory\">\n"
        "  <device><name>r1</name><address>192.0.2.1</address><user>u</user>\n"
        "    <host-key><fingerprint>" FP "</fingerprint></host-key></device>\n"
        "  <device><name>r2</name><address>r2.example</address><port>2022</port><user>v</user>\n"
        "    <auth><password>env:R2_PW</password></auth>\n"
        "    <host-key><trust-on-first-use/></host-key>\n"
        "    <timeouts><connect>3</connect><commit>600</commit></timeouts></device>\n"
        "  <device><name>r3</name><address>192.0.2.3</address><user>w</user>\n"
        "    <auth><private-key>/k/id</private-key></auth>\n"
        "    <host-key><known-hosts-file>/k/kh</known-hosts-file></host-key></device>\n"
        "  <secret><name>bgp</name><source>file:/s/bgp.key</source></secret>\n"
        "</inventory>\n",
        0644);
    assert_int_equal(nst_inventory_load(ctx, path_in("inv.xml"), NST_FORMAT_AUTO, &inv), NST_OK);
    assert_int_equal(nst_inventory_device_count(inv), 3);
    assert_string_equal(nst_inventory_device_name(inv, 1), "r2");
    assert_null(nst_inventory_device_name(inv, 3));
    d = inv_find_device(inv, "r1");
    assert_non_null(d);
    assert_int_equal(d->port, 830);
    assert_int_equal(d->auth, INV_AUTH_AGENT);
    assert_int_equal(d->connect_s, 10);
    assert_int_equal(d->rpc_s, 30);
    assert_int_equal(d->commit_s, 120);
    inv_sess_opts(d, "/state/kh", &o, keys);
    assert_int_equal(o.auth, SESS_AUTH_AGENT);
    assert_string_equal(o.hostkey_sha256, FP);
    assert_int_equal(o.connect_timeout_ms, 10000);
    d = inv_find_device(inv, "r2");
    assert_int_equal(d->port, 2022);
    assert_int_equal(d->commit_s, 600);
    inv_sess_opts(d, "/state/kh", &o, keys);
    assert_int_equal(o.auth, SESS_AUTH_PASSWORD);
    assert_string_equal(o.password_env, "R2_PW");
    assert_null(o.password_file);
    assert_true(o.flags & SESS_OPT_TOFU);
    assert_string_equal(o.known_hosts, "/state/kh");
    d = inv_find_device(inv, "r3");
    inv_sess_opts(d, "/state/kh", &o, keys);
    assert_int_equal(o.auth, SESS_AUTH_PUBKEY);
    assert_string_equal(o.key_files[0], "/k/id");
    assert_null(o.key_files[1]);
    assert_string_equal(o.known_hosts, "/k/kh");
    assert_non_null(inv_find_secret(inv, "bgp"));
    assert_null(inv_find_secret(inv, "nope"));
    assert_null(inv_find_device(inv, "nope"));
    nst_inventory_free(inv);

    /* The shipped example loads, in both encodings. */
    assert_int_equal(nst_inventory_load(ctx, NST_SRCDIR "/examples/twcc-ccx-aws/inventory.xml",
                                        NST_FORMAT_AUTO, &inv),
                     NST_OK);
    assert_int_equal(nst_inventory_device_count(inv), 6);
    nst_inventory_free(inv);
    assert_int_equal(nst_inventory_load(ctx, NST_SRCDIR "/examples/twcc-ccx-aws/inventory.json",
                                        NST_FORMAT_AUTO, &inv),
                     NST_OK);
    assert_int_equal(nst_inventory_device_count(inv), 6);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

static void
t_inventory_errors(void **state)
{
    static const struct {
        const char *text;
        const char *code;
        uint32_t line;
    } cases[] = {
        /* host-key is a mandatory choice */
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\">\n<device><name>r1</name>\n"
         "<address>192.0.2.1</address><user>u</user></device>\n</inventory>",
         "YANG-MISSING", 0},
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\">\n<device><name>r1</name>\n"
         "<address>192.0.2.1</address><user>u</user>\n"
         "<host-key><fingerprint>MD5:xx</fingerprint></host-key></device>\n</inventory>",
         "YANG-INVALID-VALUE", 4},
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\">\n<secret><name>s</name>\n"
         "<source>plain:text</source></secret>\n</inventory>",
         "YANG-INVALID-VALUE", 3},
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\">\n<device><name>r1</name>\n"
         "<address>192.0.2.1</address><user>u</user><port>70000</port>\n"
         "<host-key><trust-on-first-use/></host-key></device>\n</inventory>",
         "YANG-INVALID-VALUE", 3},
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\"><bogus/></inventory>",
         "YANG-UNKNOWN-NODE", 1},
        {"<inventory xmlns=\"urn:netstitch:yang:inventory\"><device>", "XML-SYNTAX", 0},
        {"<intercloud xmlns=\"urn:netstitch:yang:intercloud\"/>", "YANG-INVALID", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct nst_ctx *ctx = new_ctx();
        struct nst_inventory *inv = NULL;
        nst_err r = nst_inventory_load_mem(ctx, cases[i].text, NST_FORMAT_XML, "inv.xml", &inv);

        if (r != NST_EINPUT || strcmp(first_code(ctx), cases[i].code)) {
            fail_msg("case %zu: rc %d code %s (%s), expected %s", i, r, first_code(ctx),
                     nst_diag_count(ctx) ? nst_diag_message(nst_diag_get(ctx, 0)) : "",
                     cases[i].code);
        }
        assert_null(inv);
        assert_string_equal(nst_diag_file(nst_diag_get(ctx, 0)), "inv.xml");
        if (cases[i].line) {
            assert_int_equal(nst_diag_line(nst_diag_get(ctx, 0)), cases[i].line);
        }
        nst_ctx_free(ctx);
    }
    {
        struct nst_ctx *ctx = new_ctx();
        struct nst_inventory *inv = NULL;

        assert_int_equal(nst_inventory_load(ctx, "/nonexistent/inv.xml", NST_FORMAT_AUTO, &inv),
                         NST_EIO);
        assert_string_equal(first_code(ctx), "IO-READ");
        assert_int_equal(nst_inventory_load(NULL, "x", NST_FORMAT_AUTO, &inv), NST_EINVAL);
        nst_ctx_free(ctx);
    }
}

static void
t_secret_read(void **state)
{
    char *v = NULL, why[512], src[600];

    (void)state;
    setenv("NST_UNIT_SECRET", "from-env", 1);
    assert_int_equal(inv_secret_read("env:NST_UNIT_SECRET", &v, why, sizeof why), NST_OK);
    assert_string_equal(v, "from-env");
    inv_secret_wipe(v);
    unsetenv("NST_UNIT_SECRET");
    assert_int_equal(inv_secret_read("env:NST_UNIT_SECRET", &v, why, sizeof why), NST_EINVAL);
    assert_non_null(strstr(why, "not set"));

    write_file(path_in("ok.key"), "file-secret\nsecond line\n", 0600);
    snprintf(src, sizeof src, "file:%s", path_in("ok.key"));
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_OK);
    assert_string_equal(v, "file-secret");
    inv_secret_wipe(v);
    write_file(path_in("ro.key"), "read-only\r\n", 0400);
    snprintf(src, sizeof src, "file:%s", path_in("ro.key"));
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_OK);
    assert_string_equal(v, "read-only");
    inv_secret_wipe(v);

    write_file(path_in("open.key"), "group-readable-secret\n", 0640);
    snprintf(src, sizeof src, "file:%s", path_in("open.key"));
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_EINVAL);
    assert_non_null(strstr(why, "mode 640"));
    assert_null(strstr(why, "group-readable-secret"));

    assert_int_equal(symlink(path_in("ok.key"), path_in("link.key")), 0);
    snprintf(src, sizeof src, "file:%s", path_in("link.key"));
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_EINVAL);

    write_file(path_in("empty.key"), "\n", 0600);
    snprintf(src, sizeof src, "file:%s", path_in("empty.key"));
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_EINVAL);
    assert_non_null(strstr(why, "empty"));

    snprintf(src, sizeof src, "file:%s", tmpdir);
    assert_int_equal(inv_secret_read(src, &v, why, sizeof why), NST_EINVAL);
    assert_int_equal(inv_secret_read("plain", &v, why, sizeof why), NST_EINVAL);
    assert_int_equal(inv_secret_read("file:/nonexistent/k", &v, why, sizeof why), NST_EINVAL);
}

/*
 * State directory
 */

static void
t_state_dir(void **state)
{
    struct st_dir *st = NULL;
    struct store *sto = NULL;
    struct store_txn *t = NULL, *t2 = NULL, *t3 = NULL;
    struct store_lock *l = NULL, *l2 = NULL;
    struct store_txn_info info;
    const char *keys[] = {"127.0.0.1:830", "[::1]:22/x"};
    const char *labels[] = {"r1 (127.0.0.1:830)", "r2"};
    char why[600], *data = NULL, **ids = NULL;
    struct stat sb;
    size_t n = 0;
    int busy = 0;

    (void)state;
    /* Created 0700 with its parents, whatever the umask. */
    umask(0);
    assert_int_equal(st_open(path_in("st/deep/state"), &st, why, sizeof why), NST_OK);
    umask(022);
    assert_int_equal(stat(path_in("st/deep/state"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(path_in("st/deep"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);

    assert_int_equal(st_write_durable(st->fd, "f", "hello", 5), NST_OK);
    assert_int_equal(st_read(st->fd, "f", &data), NST_OK);
    assert_string_equal(data, "hello");
    nst_free(data);
    assert_int_equal(fstatat(st->fd, "f", &sb, 0), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(st_write_durable(st->fd, "f", "x", 1), NST_OK);
    assert_int_equal(st_read(st->fd, "f", &data), NST_OK);
    assert_string_equal(data, "x");
    nst_free(data);
    assert_int_equal(st_read(st->fd, "missing", &data), NST_EIO);

    st_close(st);

    /* The store (SQLite in the directory): transactions unique, sortable, locked; the
     * journal holds one line per append; the history row follows. */
    assert_int_equal(store_open(path_in("st/deep/state"), &sto, why, sizeof why), NST_OK);
    assert_string_equal(store_backend(sto), "sqlite");
    assert_int_equal(stat(path_in("st/deep/state/state.db"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(store_txn_create(sto, "push", "svc-a", "a comment", NULL, &t), NST_OK);
    assert_true(store_txid_valid(store_txn_id(t)));
    assert_int_equal(store_txn_create(sto, "delete", NULL, NULL, NULL, &t2), NST_OK);
    assert_true(strcmp(store_txn_id(t), store_txn_id(t2)) < 0);
    assert_int_equal(store_txn_open(sto, store_txn_id(t), &t3, &busy), NST_EBUSY);
    assert_int_equal(busy, 1);
    assert_int_equal(store_journal_append(t, "dev %d step\nwith newline", 3), NST_OK);
    assert_int_equal(store_journal_read(t, &data), NST_OK);
    assert_non_null(strstr(data, " dev 3 step with newline\n"));
    assert_int_equal(strchr(data, '\n') - data + 1, (long)strlen(data));
    nst_free(data);
    assert_int_equal(store_txn_put(t, "plan", "p1"), NST_OK);
    assert_int_equal(store_txn_put(t, "plan", "p2"), NST_OK);
    assert_int_equal(store_txn_get(t, "plan", &data), NST_OK);
    assert_string_equal(data, "p2");
    nst_free(data);
    assert_int_equal(store_txn_get(t, "missing", &data), NST_EIO);
    assert_int_equal(store_txn_note(t, "r1,r2", NULL), NST_OK);
    assert_int_equal(store_txn_note(t, NULL, "committed"), NST_OK);
    assert_int_equal(store_txn_info(sto, store_txn_id(t), &info), NST_OK);
    assert_string_equal(info.kind, "push");
    assert_string_equal(info.service, "svc-a");
    assert_string_equal(info.comment, "a comment");
    assert_string_equal(info.devices, "r1,r2");
    assert_string_equal(info.outcome, "committed");
    assert_true(info.finished_ms >= info.started_ms && info.started_ms > 0);
    assert_true(info.user[0] && info.host[0]);
    store_txn_info_clear(&info);
    store_txn_close(t2);
    assert_int_equal(store_txn_list(sto, &ids, &n), NST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], store_txn_id(t));
    store_list_free(ids);
    store_txn_close(t);
    assert_int_equal(store_txn_open(sto, "20200101-000000-000000-0000", &t3, &busy), NST_EIO);
    assert_int_equal(store_txn_open(sto, "../etc", &t3, &busy), NST_EINVAL);
    assert_false(store_txid_valid("a/b-cdefgh"));
    assert_false(store_txid_valid("-abcdefgh"));
    assert_false(store_txid_valid("short"));

    /* Device locks: all or none; the second taker learns who holds it. */
    assert_int_equal(
        store_lock_devices(sto, keys, labels, 2, "pid 1, transaction T\n", &l, why, sizeof why),
        NST_OK);
    assert_int_equal(
        store_lock_devices(sto, keys + 1, labels + 1, 1, "other", &l2, why, sizeof why), NST_EBUSY);
    assert_non_null(strstr(why, "device r2 is being changed by another netstitch process "
                                "(pid 1, transaction T)"));
    store_unlock(l);
    assert_int_equal(store_lock_devices(sto, keys + 1, NULL, 1, "other", &l2, why, sizeof why),
                     NST_OK);
    store_unlock(l2);
    /* Service records: named texts, listed, deleted by prefix. */
    assert_int_equal(store_svc_put(sto, "s1", "gen-1/meta", "m"), NST_OK);
    assert_int_equal(store_svc_put(sto, "s1", "current", "gen-1\n"), NST_OK);
    assert_int_equal(store_svc_list(sto, NULL, &ids), NST_OK);
    assert_string_equal(ids[0], "s1");
    assert_null(ids[1]);
    store_list_free(ids);
    assert_int_equal(store_svc_del(sto, "s1", "gen-1/"), NST_OK);
    assert_int_equal(store_svc_list(sto, "s1", &ids), NST_OK);
    assert_string_equal(ids[0], "current");
    assert_null(ids[1]);
    store_list_free(ids);
    store_close(sto);
    st = NULL;

    /* Refused: writable by others, not a directory. */
    assert_int_equal(mkdir(path_in("open-state"), 0700), 0);
    assert_int_equal(chmod(path_in("open-state"), 0777), 0);
    assert_int_equal(st_open(path_in("open-state"), &st, why, sizeof why), NST_EIO);
    assert_non_null(strstr(why, "writable by group or others"));
    assert_int_equal(chmod(path_in("open-state"), 0770), 0);
    assert_int_equal(st_open(path_in("open-state"), &st, why, sizeof why), NST_EIO);
    write_file(path_in("a-file"), "x", 0600);
    assert_int_equal(st_open(path_in("a-file"), &st, why, sizeof why), NST_EIO);
}

/*
 * Group commit (store.c): journal lines and records written from many threads at once all
 * land, each thread's lines in its own order, and each line is committed before its append
 * returns (a second handle, another SQLite connection, sees only committed rows).
 */
#define JT_THREADS 16
#define JT_LINES 25

struct jt_arg {
    struct store_txn *t;
    struct store *other;
    int id;
    int bad; /* cmocka's asserts must stay on the main thread */
};

static void *
jt_main(void *p)
{
    struct jt_arg *a = p;
    char want[64], *text = NULL;

    for (int i = 0; i < JT_LINES; i++) {
        if (store_journal_append(a->t, "dev %d line %d", a->id, i)) {
            a->bad = 1;
            continue;
        }
        snprintf(want, sizeof want, "rec-%d-%d", a->id, i);
        if (store_txn_put(a->t, want, want + 4)) {
            a->bad = 3;
        }
        snprintf(want, sizeof want, " dev %d line %d\n", a->id, i);
        if (store_journal_peek(a->other, store_txn_id(a->t), &text) || !strstr(text, want)) {
            a->bad = 2;
        }
        nst_free(text);
        text = NULL;
    }
    return NULL;
}

static void
t_journal_concurrent(void **state)
{
    struct store *sto = NULL, *other = NULL;
    struct store_txn *t = NULL;
    struct jt_arg args[JT_THREADS];
    pthread_t th[JT_THREADS];
    char why[600], *text = NULL, *line;
    int next[JT_THREADS] = {0}, lines = 0;

    (void)state;
    assert_int_equal(mkdir(path_in("jt"), 0700), 0);
    assert_int_equal(store_open(path_in("jt"), &sto, why, sizeof why), NST_OK);
    assert_int_equal(store_open(path_in("jt"), &other, why, sizeof why), NST_OK);
    assert_int_equal(store_txn_create(sto, "push", NULL, NULL, NULL, &t), NST_OK);
    for (int i = 0; i < JT_THREADS; i++) {
        args[i] = (struct jt_arg){t, other, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, jt_main, &args[i]), 0);
    }
    for (int i = 0; i < JT_THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    assert_int_equal(store_journal_read(t, &text), NST_OK);
    for (line = text; (line = strstr(line, " dev ")); line++) {
        int d = -1, k = -1;

        assert_int_equal(sscanf(line, " dev %d line %d", &d, &k), 2);
        assert_true(d >= 0 && d < JT_THREADS);
        assert_int_equal(k, next[d]);
        next[d]++;
        lines++;
    }
    assert_int_equal(lines, JT_THREADS * JT_LINES);
    nst_free(text);
    for (int i = 0; i < JT_THREADS; i++) {
        for (int k = 0; k < JT_LINES; k++) {
            char name[32];

            snprintf(name, sizeof name, "rec-%d-%d", i, k);
            assert_int_equal(store_txn_get(t, name, &text), NST_OK);
            assert_string_equal(text, name + 4);
            nst_free(text);
        }
    }
    store_txn_close(t);
    store_close(other);
    store_close(sto);
}

/*
 * Public API without a device
 */

static struct nst_inventory *
lab_inventory(struct nst_ctx *ctx, unsigned port)
{
    struct nst_inventory *inv = NULL;
    char text[2048];

    snprintf(text, sizeof text,
             "<inventory xmlns=\"urn:netstitch:yang:inventory\">"
             "<device><name>r1</name><address>127.0.0.1</address><port>%u</port><user>u</user>"
             "<auth><password>env:NST_UNIT_PW</password></auth>"
             "<host-key><fingerprint>" FP "</fingerprint></host-key>"
             "<timeouts><connect>2</connect></timeouts></device>"
             "<device><name>r1-again</name><address>127.0.0.1</address><port>%u</port>"
             "<user>u</user><host-key><trust-on-first-use/></host-key></device>"
             "<secret><name>bgp</name><source>env:NST_UNIT_BGP</source></secret>"
             "<secret><name>broken</name><source>file:/nonexistent/key</source></secret>"
             "</inventory>",
             port, port);
    assert_int_equal(nst_inventory_load_mem(ctx, text, NST_FORMAT_XML, "lab", &inv), NST_OK);
    return inv;
}

static void
t_api_errors(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    struct nst_inventory *inv = lab_inventory(ctx, closed_port());
    struct nst_txn *txn = NULL;

    (void)state;
    assert_int_equal(nst_txn_new(NULL, inv, &txn), NST_EINVAL);
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_add_payload(txn, "nope", NULL, "<a/>"), NST_EINVAL);
    assert_non_null(strstr(nst_txn_message(txn), "device nope is not in the inventory"));
    assert_int_equal(nst_txn_add_payload(txn, "r1", NULL, "<a>"), NST_EINPUT);
    assert_non_null(strstr(nst_txn_message(txn), "not well-formed"));
    assert_int_equal(nst_txn_add_payload(txn, "r1", NULL, "<a>$NST_SECRET{nope}</a>"), NST_ESECRET);
    assert_non_null(strstr(nst_txn_message(txn), "secret 'nope'"));
    assert_string_equal(nst_txn_code(txn), "TXN-SECRET-UNDEFINED");
    assert_int_equal(nst_txn_add_payload(txn, "r1", "junos", "<a>$NST_SECRET{bgp}</a>"), NST_OK);
    assert_int_equal(nst_txn_add_payload(txn, "r1", NULL, "<a/>"), NST_EINVAL);
    assert_non_null(strstr(nst_txn_message(txn), "added twice"));
    assert_int_equal(nst_txn_add_payload(txn, "r1-again", NULL, "<a/>"), NST_EINVAL);
    assert_non_null(strstr(nst_txn_message(txn), "devices r1 and r1-again are the same router"));
    assert_int_equal(nst_txn_device_count(txn), 1);
    assert_string_equal(nst_txn_device_name(txn, 0), "r1");
    assert_null(nst_txn_device_name(txn, 1));
    assert_null(nst_txn_id(txn));
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOT_RUN);
    /* The secret cannot be read: refused before anything, not even a state directory. */
    unsetenv("NST_UNIT_BGP");
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("api-state")), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_ESECRET);
    assert_non_null(
        strstr(nst_txn_message(txn), "secret 'bgp': environment variable NST_UNIT_BGP"));
    /* The refusal is a coded diagnostic too (diag_codes.def), naming the device. */
    assert_string_equal(nst_txn_code(txn), "TXN-SECRET-UNREADABLE");
    assert_true(nst_diag_count(ctx) > 0);
    assert_string_equal(nst_diag_code(nst_diag_get(ctx, nst_diag_count(ctx) - 1)),
                        "TXN-SECRET-UNREADABLE");
    assert_int_equal(access(path_in("api-state"), F_OK), -1);
    assert_int_equal(nst_txn_push(txn), NST_EINVAL);
    nst_txn_free(txn);

    /* Nothing to push. */
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_EINVAL);
    nst_txn_free(txn);
    nst_txn_free(NULL);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);

    assert_string_equal(nst_txn_method_name(NST_TXN_METHOD_RUNNING), "running+restore");
    assert_string_equal(nst_txn_dev_state_name(NST_TXN_DEV_UNKNOWN), "UNKNOWN");
    assert_string_equal(nst_txn_outcome_name(NST_TXN_INCOMPLETE), "incomplete");
    assert_string_equal(nst_txn_phase_name(NST_TXN_PHASE_CONFIRM), "confirm");
}

struct progress_log {
    char text[4096];
};

static void
progress(enum nst_txn_phase phase, const char *device, const char *step, const char *result,
         void *user)
{
    struct progress_log *l = user;
    size_t n = strlen(l->text);

    snprintf(l->text + n, sizeof l->text - n, "%s %s %s %s;", nst_txn_phase_name(phase),
             device ? device : "-", step ? step : "-", result ? result : "-");
}

static void
t_push_refused(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    struct nst_inventory *inv = lab_inventory(ctx, closed_port());
    struct nst_txn *txn = NULL;
    struct progress_log log = {""};
    char *data = NULL, why[600], txid[64];
    struct store *sto = NULL;
    struct store_txn *t = NULL;
    struct store_txn_info info;
    int busy = 0;

    (void)state;
    setenv("NST_UNIT_BGP", "unit-bgp-secret", 1);
    setenv("NST_UNIT_PW", "unit-password", 1);
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("refused-state")), NST_OK);
    nst_txn_set_progress_cb(txn, progress, &log);
    assert_int_equal(
        nst_txn_add_payload(txn, "r1", NULL, "<a xmlns=\"urn:x\">$NST_SECRET{bgp}</a>"), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_EENV);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_ABORTED);
    assert_non_null(nst_txn_id(txn));
    assert_string_equal(nst_txn_device_error(txn, 0, NST_TXN_ERR_STEP), "connect");
    assert_string_equal(nst_txn_device_error(txn, 0, NST_TXN_ERR_KIND), "connect");
    assert_int_equal(nst_txn_device_state(txn, 0), NST_TXN_DEV_UNTOUCHED);
    assert_non_null(strstr(nst_txn_message(txn), "device r1 failed at connect: connect:"));
    assert_string_equal(log.text,
                        "connect - - -;connect r1 connect failed;abort - - -;done - - -;");
    /* The journal ends with an outcome, so recover has nothing to do with it. The
     * transaction object holds its lock until it is freed. */
    snprintf(txid, sizeof txid, "%s", nst_txn_id(txn));
    nst_txn_free(txn);
    assert_int_equal(store_open(path_in("refused-state"), &sto, why, sizeof why), NST_OK);
    assert_int_equal(store_txn_open(sto, txid, &t, &busy), NST_OK);
    assert_int_equal(store_journal_read(t, &data), NST_OK);
    assert_non_null(strstr(data, "txn outcome aborted"));
    assert_null(strstr(data, "unit-bgp-secret"));
    assert_null(strstr(data, "unit-password"));
    nst_free(data);
    store_txn_close(t);
    assert_int_equal(store_txn_info(sto, txid, &info), NST_OK);
    assert_string_equal(info.outcome, "aborted");
    assert_string_equal(info.devices, "r1");
    store_txn_info_clear(&info);
    store_close(sto);

    /* Nothing to recover; a failed push cannot be rolled back. */
    {
        char **ids = NULL, *line = NULL;
        char id[64];

        assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
        assert_int_equal(nst_txn_set_state_dir(txn, path_in("refused-state")), NST_OK);
        assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_INTERRUPTED, &ids), NST_OK);
        assert_null(ids[0]);
        nst_txn_list_free(ids);
        assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_ALL, &ids), NST_OK);
        assert_non_null(ids[0]);
        assert_null(ids[1]);
        snprintf(id, sizeof id, "%s", ids[0]);
        nst_txn_list_free(ids);
        assert_int_equal(nst_txn_describe(txn, id, &line), NST_OK);
        assert_non_null(strstr(line, " push aborted"));
        nst_free_string(line);
        assert_int_equal(nst_txn_rollback(txn, id), NST_EINVAL);
        assert_non_null(strstr(nst_txn_message(txn), "did not commit"));
        nst_txn_free(txn);
        assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
        assert_int_equal(nst_txn_set_state_dir(txn, path_in("refused-state")), NST_OK);
        assert_int_equal(nst_txn_recover(txn, id), NST_OK);
        assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOTHING_TO_DO);
        nst_txn_free(txn);
    }
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

/* A transaction that died before writing its plan: recover closes it, touching nothing. */
static void
t_recover_before_plan(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    struct nst_inventory *inv = lab_inventory(ctx, closed_port());
    struct nst_txn *txn = NULL;
    struct store *sto = NULL;
    struct store_txn *t = NULL;
    const char *id = "20200102-030405-000006-abcd";
    char why[256], path[200], **ids = NULL, *data = NULL;
    int busy = 0;

    (void)state;
    /* A state directory of the file layout (before the store), with a torn last journal
     * line as a crash mid-write leaves it: the store imports it on first use. */
    assert_int_equal(mkdir(path_in("crash-state"), 0700), 0);
    assert_int_equal(mkdir(path_in("crash-state/txn"), 0700), 0);
    snprintf(path, sizeof path, "crash-state/txn/%s", id);
    assert_int_equal(mkdir(path_in(path), 0700), 0);
    snprintf(path, sizeof path, "crash-state/txn/%s/journal", id);
    write_file(path_in(path),
               "1577934245000 txn start kind=push pid=1 devices=1\n"
               "1577934245001 dev 0 connect ok\n"
               "123 txn outcome commit",
               0600);

    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("crash-state")), NST_OK);
    assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_INTERRUPTED, &ids), NST_OK);
    assert_non_null(ids[0]);
    assert_string_equal(ids[0], id);
    nst_txn_list_free(ids);
    assert_int_equal(nst_txn_recover(txn, id), NST_OK);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOTHING_TO_DO);
    assert_non_null(strstr(nst_txn_message(txn), "stopped before changing anything"));
    nst_txn_free(txn);
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("crash-state")), NST_OK);
    assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_INTERRUPTED, &ids), NST_OK);
    assert_null(ids[0]);
    nst_txn_list_free(ids);
    assert_int_equal(nst_txn_recover(txn, "20200101-000000-000000-0000"), NST_EINVAL);
    nst_txn_free(txn);
    /* Imported: the old directory is renamed, the journal is in the store, torn line not. */
    assert_int_equal(access(path_in("crash-state/txn"), F_OK), -1);
    assert_int_equal(store_open(path_in("crash-state"), &sto, why, sizeof why), NST_OK);
    assert_int_equal(store_txn_open(sto, id, &t, &busy), NST_OK);
    assert_int_equal(store_journal_read(t, &data), NST_OK);
    assert_non_null(strstr(data, "1577934245001 dev 0 connect ok\n"));
    assert_null(strstr(data, "outcome commit\n"));
    assert_non_null(strstr(data, "txn outcome not-run"));
    nst_free(data);
    store_txn_close(t);
    store_close(sto);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

/*
 * Which transactions a push reads the journal of (txn_check_interrupted): those whose
 * history row has no outcome. One finished everywhere, one whose process died after its
 * journal's outcome line and before the row's (still listed: its journal says finished),
 * one interrupted; only the last is interrupted for nst_txn_list().
 */
static void
t_list_unfinished(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    struct nst_inventory *inv = lab_inventory(ctx, closed_port());
    struct nst_txn *txn = NULL;
    struct store *sto = NULL;
    struct store_txn *t[3] = {NULL, NULL, NULL};
    char why[256], id[3][64], **ids = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(store_open(path_in("unfinished"), &sto, why, sizeof why), NST_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_txn_create(sto, "push", NULL, NULL, NULL, &t[i]), NST_OK);
        snprintf(id[i], sizeof id[i], "%s", store_txn_id(t[i]));
        assert_int_equal(store_journal_append(t[i], "txn start kind=push pid=1 devices=0"), NST_OK);
    }
    assert_int_equal(store_journal_append(t[0], "txn outcome committed"), NST_OK);
    assert_int_equal(store_txn_note(t[0], NULL, "committed"), NST_OK);
    assert_int_equal(store_journal_append(t[1], "txn outcome aborted"), NST_OK);
    for (int i = 0; i < 3; i++) {
        store_txn_close(t[i]);
    }
    assert_int_equal(store_txn_list(sto, &ids, &n), NST_OK);
    assert_int_equal(n, 3);
    store_list_free(ids);
    assert_int_equal(store_txn_list_unfinished(sto, &ids, &n), NST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], id[1]);
    assert_string_equal(ids[1], id[2]);
    assert_null(ids[2]);
    store_list_free(ids);
    store_close(sto);

    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("unfinished")), NST_OK);
    assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_INTERRUPTED, &ids), NST_OK);
    assert_non_null(ids[0]);
    assert_string_equal(ids[0], id[2]);
    assert_null(ids[1]);
    nst_txn_list_free(ids);
    assert_int_equal(nst_txn_list(txn, 0, &ids), NST_OK);
    assert_non_null(ids[0] && ids[1] && ids[2]);
    assert_null(ids[3]);
    nst_txn_list_free(ids);
    nst_txn_free(txn);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

/* An interrupted transaction with a plan on an unreachable device: recover cannot finish
 * it (and blocks nothing else meanwhile); --forget marks it finished without a device. */
static void
t_recover_forget(void **state)
{
    struct nst_ctx *ctx = new_ctx();
    unsigned port = closed_port();
    struct nst_inventory *inv = lab_inventory(ctx, port);
    struct nst_txn *txn = NULL;
    struct store *sto = NULL;
    struct store_txn *t = NULL;
    char why[256], id[64], plan[512], **ids = NULL, *data = NULL;
    int busy = 0;

    (void)state;
    setenv("NST_UNIT_PW", "unit-password", 1);
    assert_int_equal(store_open(path_in("forget-state"), &sto, why, sizeof why), NST_OK);
    assert_int_equal(store_txn_create(sto, "push", NULL, NULL, NULL, &t), NST_OK);
    snprintf(id, sizeof id, "%s", store_txn_id(t));
    snprintf(plan, sizeof plan,
             "netstitch-plan 1\ntxid %s\nkind push\nrollback-of -\npersist-id p-%s\n"
             "confirm-timeout 60\ndevices 1\ndevice 0 running+restore 0 60 %u 127.0.0.1 r1\n",
             id, id, port);
    assert_int_equal(store_txn_put(t, "plan", plan), NST_OK);
    assert_int_equal(store_txn_put(t, "dev-0.before.xml", ""), NST_OK);
    assert_int_equal(store_txn_put(t, "dev-0.payload.xml", "<a xmlns=\"urn:x\"/>"), NST_OK);
    assert_int_equal(store_journal_append(t, "txn start kind=push pid=1 devices=1"), NST_OK);
    assert_int_equal(store_journal_append(t, "txn planned"), NST_OK);
    assert_int_equal(store_journal_append(t, "dev 0 edit-running sent"), NST_OK);
    store_txn_close(t);

    /* Recover cannot reach r1: the transaction stays interrupted. */
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("forget-state")), NST_OK);
    assert_int_equal(nst_txn_recover(txn, id), NST_EENV);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_INCOMPLETE);
    assert_int_equal(nst_txn_device_state(txn, 0), NST_TXN_DEV_UNKNOWN);
    assert_non_null(strstr(nst_txn_device_error(txn, 0, NST_TXN_ERR_UNDO), "connect"));
    nst_txn_free(txn);
    /* A push to r1 is refused until the transaction is finished. */
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("forget-state")), NST_OK);
    assert_int_equal(nst_txn_add_payload(txn, "r1", NULL, "<a xmlns=\"urn:x\"/>"), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_EBUSY);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOT_RUN);
    assert_non_null(strstr(nst_txn_message(txn), "interrupted transaction"));
    nst_txn_free(txn);
    /* --forget: no device, the transaction is finished. */
    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, path_in("forget-state")), NST_OK);
    nst_txn_set_flags(txn, NST_TXN_FORGET);
    assert_int_equal(nst_txn_recover(txn, id), NST_OK);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOTHING_TO_DO);
    assert_int_equal(nst_txn_list(txn, NST_TXN_LIST_INTERRUPTED, &ids), NST_OK);
    assert_null(ids[0]);
    nst_txn_list_free(ids);
    nst_txn_free(txn);
    assert_int_equal(store_txn_open(sto, id, &t, &busy), NST_OK);
    assert_int_equal(store_journal_read(t, &data), NST_OK);
    assert_non_null(strstr(data, "txn outcome abandoned"));
    assert_null(strstr(data, "unit-password"));
    nst_free(data);
    store_txn_close(t);
    store_close(sto);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

/* The one scrubber (secret.c): every non-empty secret, however short, in its raw and both
 * XML-escaped forms. lifecycle.c's old scrubber let a 3-byte key through. */
static void
t_scrub_every_form(void **state)
{
    char *n[] = {"short", "amp"}, *v[] = {"k3y", "a&b<c'"};
    struct secret_set set = {n, v, 2};
    char *out, buf[64];

    (void)state;
    out = secret_scrub(&set, "key k3y raw a&b<c' full a&amp;b&lt;c&apos; text a&amp;b&lt;c'");
    assert_non_null(out);
    assert_string_equal(out, "key " SECRET_MASK " raw " SECRET_MASK " full " SECRET_MASK
                             " text " SECRET_MASK);
    nst_free(out);
    snprintf(buf, sizeof buf, "error near k3y: k3yk3y");
    secret_scrub_buf(&set, buf, sizeof buf);
    assert_string_equal(buf, "error near " SECRET_MASK ": " SECRET_MASK SECRET_MASK);
    /* A set without values changes nothing. */
    set.n = 0;
    out = secret_scrub(&set, "k3y");
    assert_string_equal(out, "k3y");
    nst_free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_scrub_every_form),
        cmocka_unit_test(t_normalize),
        cmocka_unit_test(t_normalize_namespaces),
        cmocka_unit_test(t_secrets_scan_substitute),
        cmocka_unit_test(t_placeholderize),
        cmocka_unit_test(t_restore_payload),
        cmocka_unit_test(t_touched_equal),
        cmocka_unit_test(t_helpers_alloc_failures),
        cmocka_unit_test(t_canonical_text),
        cmocka_unit_test(t_inventory_load),
        cmocka_unit_test(t_inventory_errors),
        cmocka_unit_test(t_secret_read),
        cmocka_unit_test(t_state_dir),
        cmocka_unit_test(t_journal_concurrent),
        cmocka_unit_test(t_list_unfinished),
        cmocka_unit_test(t_api_errors),
        cmocka_unit_test(t_push_refused),
        cmocka_unit_test(t_recover_before_plan),
        cmocka_unit_test(t_recover_forget),
    };
    char cmd[300];
    int rc;

    snprintf(tmpdir, sizeof tmpdir, "/tmp/nst-txn-unit.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) {
        rc = rc ? rc : 1;
    }
    return rc;
}
