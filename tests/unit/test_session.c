/*
 * test_session.c: the parts of netconf/session.c that need no NETCONF server: option
 * checks, password-file rules, TCP failures and timeouts, error formatting, and
 * allocation failures. Everything that talks to a device is in labtest_session.c (run by
 * tests/lab/t_session.sh against yuma123).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "ctxpool.h"
#include "session.h"

#define PIN "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const char *no_keys[] = {"/nonexistent/key", NULL};

static struct sess_opts
base_opts(void)
{
    struct sess_opts o;

    memset(&o, 0, sizeof o);
    o.device = "r1";
    o.host = "127.0.0.1";
    o.port = 9;
    o.user = "admin";
    o.auth = SESS_AUTH_PASSWORD;
    o.password_env = "TS_PASSWORD";
    o.hostkey_sha256 = PIN;
    o.connect_timeout_ms = 2000;
    return o;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback port with nothing listening, or (listen = 1) a socket that listens but
 * never speaks; *fd receives the listener (or -1). */
static uint16_t
loopback_port(int listen_too, int *fd)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    int s = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
    if (listen_too) {
        assert_int_equal(listen(s, 4), 0);
        *fd = s;
    } else {
        close(s);
        *fd = -1;
    }
    return ntohs(sa.sin_port);
}

static void
expect_config_error(const struct sess_opts *o, const char *needle)
{
    struct sess *s = NULL;
    struct sess_error e;

    assert_int_equal(sess_connect(o, &s, &e), NST_EINVAL);
    assert_null(s);
    assert_int_equal(e.kind, SESS_ERR_CONFIG);
    assert_string_equal(e.op, "connect");
    if (!strstr(e.message, needle)) {
        fail_msg("message \"%s\" lacks \"%s\"", e.message, needle);
    }
}

static void
t_option_checks(void **state)
{
    struct sess_opts o;

    (void)state;
    setenv("TS_PASSWORD", "s3cret", 1);
    o = base_opts();
    o.host = NULL;
    expect_config_error(&o, "no host");
    o = base_opts();
    o.user = "";
    expect_config_error(&o, "no user");
    o = base_opts();
    o.auth = 0;
    expect_config_error(&o, "no authentication method");
    o = base_opts();
    o.auth = SESS_AUTH_PUBKEY;
    expect_config_error(&o, "without key files");
    o = base_opts();
    o.password_env = NULL;
    expect_config_error(&o, "without a password source");
    o = base_opts();
    o.hostkey_sha256 = NULL;
    expect_config_error(&o, "no host-key policy");
    o = base_opts();
    o.flags = SESS_OPT_TOFU;
    expect_config_error(&o, "trust-on-first-use needs a known_hosts file");
    o = base_opts();
    o.rpc_timeout_ms = -1;
    expect_config_error(&o, "negative timeout");
    o = base_opts();
    o.password_env = "TS_UNSET_VARIABLE";
    expect_config_error(&o, "TS_UNSET_VARIABLE is not set");
    o = base_opts();
    o.auth = SESS_AUTH_PUBKEY;
    o.key_files = no_keys;
    expect_config_error(&o, "cannot load private key /nonexistent/key");
    o = base_opts();
    o.schema_dir = "/nonexistent";
    expect_config_error(&o, "lacks ietf-netconf@2011-06-01.yang");
    o = base_opts();
    o.schema_cache_dir = "/nonexistent/cache";
    expect_config_error(&o, "not writable");
    /* A NULL error pointer is allowed. */
    o = base_opts();
    o.host = NULL;
    {
        struct sess *s = NULL;

        assert_int_equal(sess_connect(&o, &s, NULL), NST_EINVAL);
    }
}

static void
t_password_file_rules(void **state)
{
    struct sess_opts o = base_opts();
    char dir[] = "/tmp/ts-session-XXXXXX", path[64], link[80];
    FILE *f;
    int fd;
    uint16_t port;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pw", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("hunter2\n", f);
    fclose(f);
    o.password_env = NULL;
    o.password_file = path;

    assert_int_equal(chmod(path, 0644), 0);
    expect_config_error(&o, "has mode 0644");
    assert_int_equal(chmod(path, 0640), 0);
    expect_config_error(&o, "has mode 0640");
    assert_int_equal(chmod(path, 0604), 0);
    expect_config_error(&o, "has mode 0604");

    /* A symlink is not followed. */
    snprintf(link, sizeof link, "%s/link", dir);
    assert_int_equal(symlink(path, link), 0);
    o.password_file = link;
    expect_config_error(&o, "cannot open password file");
    o.password_file = path;

    /* 0600 and 0400 pass the check: the next failure is the network. */
    port = loopback_port(0, &fd);
    o.port = port;
    for (int i = 0; i < 2; i++) {
        struct sess *s = NULL;
        struct sess_error e;

        assert_int_equal(chmod(path, i ? 0400 : 0600), 0);
        assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
        assert_int_equal(e.kind, SESS_ERR_CONNECT);
        assert_null(strstr(e.message, "hunter2"));
    }

    /* An empty file is refused. */
    assert_int_equal(chmod(path, 0600), 0);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    expect_config_error(&o, "is empty");
    unlink(link);
    unlink(path);
    rmdir(dir);
}

static void
t_tcp_failures(void **state)
{
    struct sess_opts o = base_opts();
    struct sess *s = NULL;
    struct sess_error e;
    char buf[512];
    int fd;
    double t0, dt;

    (void)state;
    setenv("TS_PASSWORD", "s3cret", 1);
    /* Refused. */
    o.port = loopback_port(0, &fd);
    t0 = now_s();
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_true(now_s() - t0 < 1.0);
    assert_null(s);
    assert_int_equal(e.kind, SESS_ERR_CONNECT);
    assert_string_equal(e.device, "r1");
    assert_non_null(strstr(e.message, "refused"));
    assert_string_equal(sess_error_format(&e, buf, sizeof buf), buf);
    assert_non_null(strstr(buf, "r1: connect: connect: cannot connect to 127.0.0.1 port"));

    /* (Name resolution failures are not tested: without a reachable DNS server they
     * take the resolver's timeouts, far too long for make check.) */

    /* A listener that never sends an SSH banner: bounded by the connect timeout. */
    o = base_opts();
    o.device = NULL;
    o.port = loopback_port(1, &fd);
    o.connect_timeout_ms = 300;
    t0 = now_s();
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    dt = now_s() - t0;
    close(fd);
    assert_int_equal(e.kind, SESS_ERR_TIMEOUT);
    assert_true(dt >= 0.25 && dt < 1.2);
    /* Without a device name the error names host:port. */
    snprintf(buf, sizeof buf, "127.0.0.1:%u", (unsigned)o.port);
    assert_string_equal(e.device, buf);
}

static void
t_error_format(void **state)
{
    struct sess_error e;
    char buf[512], tiny[8];

    (void)state;
    memset(&e, 0, sizeof e);
    e.kind = SESS_ERR_RPC;
    strcpy(e.device, "pe1");
    strcpy(e.op, "lock");
    strcpy(e.message, "lock denied");
    strcpy(e.type, "protocol");
    strcpy(e.tag, "lock-denied");
    strcpy(e.app_tag, "no-access");
    assert_string_equal(sess_error_format(&e, buf, sizeof buf),
                        "pe1: lock: rpc-error: lock denied [protocol/lock-denied/no-access]");
    strcpy(e.path, "/a:b");
    e.app_tag[0] = '\0';
    assert_string_equal(sess_error_format(&e, buf, sizeof buf),
                        "pe1: lock: rpc-error: lock denied [protocol/lock-denied] at /a:b");
    assert_string_equal(sess_error_format(&e, tiny, sizeof tiny), "pe1: lo");

    assert_string_equal(sess_err_kind_name(SESS_ERR_NONE), "none");
    assert_string_equal(sess_err_kind_name(SESS_ERR_CONFIG), "config");
    assert_string_equal(sess_err_kind_name(SESS_ERR_CONNECT), "connect");
    assert_string_equal(sess_err_kind_name(SESS_ERR_HOSTKEY), "hostkey");
    assert_string_equal(sess_err_kind_name(SESS_ERR_AUTH), "auth");
    assert_string_equal(sess_err_kind_name(SESS_ERR_TIMEOUT), "timeout");
    assert_string_equal(sess_err_kind_name(SESS_ERR_RPC), "rpc-error");
    assert_string_equal(sess_err_kind_name(SESS_ERR_DROPPED), "session-dropped");
    assert_string_equal(sess_err_kind_name(SESS_ERR_UNSUPPORTED), "unsupported");
    assert_string_equal(sess_err_kind_name(SESS_ERR_PROTOCOL), "protocol");
    assert_string_equal(sess_err_kind_name(SESS_ERR_NOMEM), "nomem");
    sess_free(NULL);
    sess_close(NULL);
}

static void
t_alloc_failures(void **state)
{
    struct sess_opts o = base_opts();
    int fd;
    long n, points = 0;

    (void)state;
    setenv("TS_PASSWORD", "s3cret", 1);
    o.port = loopback_port(0, &fd);
    /* Count the allocations of a connect that fails at TCP, then fail each in turn: the
     * result must be NOMEM (or the same CONNECT failure when the allocation was not
     * ours to report), never a crash or a leak (valgrind in check-asan). */
    nst_alloc_fail_after(-1);
    {
        struct sess *s = NULL;

        assert_int_equal(sess_connect(&o, &s, NULL), NST_EENV);
    }
    n = nst_alloc_fail_after(-1);
    assert_true(n > 0);
    for (long i = 0; i < n; i++) {
        struct sess *s = NULL;
        struct sess_error e;
        nst_err rc;

        nst_alloc_fail_after(i);
        rc = sess_connect(&o, &s, &e);
        nst_alloc_fail_after(-1);
        assert_null(s);
        if (rc == NST_ENOMEM) {
            assert_int_equal(e.kind, SESS_ERR_NOMEM);
            points++;
        } else {
            assert_int_equal(rc, NST_EENV);
            assert_int_equal(e.kind, SESS_ERR_CONNECT);
        }
    }
    assert_int_equal(points, n);
}

/*
 * A pooled context of a :confirmed-commit:1.0 / :validate:1.0 router (ctxpool.c,
 * "Features netstitch turns on itself"): built from a record whose ietf-netconf has
 * confirmed-commit and validate, it keeps them compiled in with the enabled flag cleared,
 * so that what libnetconf2's join does (set the hello's list, "candidate") changes
 * nothing; a writer whose module recompiles ietf-netconf gets them compiled in again.
 */
static int
pool_flag(const struct ly_ctx *ctx, const char *feature)
{
    const struct lys_module *m = ly_ctx_get_module_implemented(ctx, "ietf-netconf");

    return lys_feature_value(m, feature) == LY_SUCCESS;
}

static void
t_pool_hidden_features(void **state)
{
    /* ietf-netconf-monitoring's capability first: its module name starts like ietf-netconf's. */
    static const char hello[] =
        "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities>"
        "<capability>urn:ietf:params:netconf:base:1.0</capability>"
        "<capability>urn:ietf:params:netconf:capability:candidate:1.0</capability>"
        "<capability>urn:ietf:params:netconf:capability:confirmed-commit:1.0</capability>"
        "<capability>urn:ietf:params:netconf:capability:validate:1.0</capability>"
        "<capability>urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring?module=ietf-netconf-"
        "monitoring&amp;revision=2010-10-04&amp;features=validate</capability>"
        "<capability>urn:ietf:params:xml:ns:netconf:base:1.0?module=ietf-netconf&amp;revision="
        "2011-06-01&amp;features=candidate</capability>"
        "</capabilities><session-id>7</session-id></hello>";
    const char *all[] = {"candidate", "confirmed-commit", "validate", NULL};
    const char *join[] = {"candidate", NULL};
    char dir[] = "/tmp/nst-ut-pool.XXXXXX", cache[300], sdir[300], cmd[400];
    struct ctxpool_set *set = NULL;
    struct ly_ctx *priv = NULL, *ctx = NULL;
    struct lys_module *mod;
    uint16_t count;

    (void)state;
    snprintf(sdir, sizeof sdir, "%s/yang/ietf", NST_SRCDIR);
    assert_non_null(mkdtemp(dir));
    snprintf(cache, sizeof cache, "%s/r1", dir);
    assert_int_equal(mkdir(cache, 0700), 0);
    /* No record: private; a private join's context (features enabled) writes it. */
    assert_int_equal(ctxpool_get(hello, strlen(hello), sdir, cache, 1, &set, &ctx),
                     CTXPOOL_PRIVATE);
    assert_non_null(set);
    assert_int_equal(ly_ctx_new(sdir, LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD, &priv),
                     LY_SUCCESS);
    assert_non_null(ly_ctx_load_module(priv, "ietf-netconf", "2011-06-01", all));
    ctxpool_record(set, priv, cache);
    ly_ctx_destroy(priv);

    assert_int_equal(ctxpool_get(hello, strlen(hello), sdir, cache, 1, &set, &ctx), CTXPOOL_PROVE);
    assert_non_null(ctx);
    assert_true(ctxpool_feature_compiled(ctx, "confirmed-commit"));
    assert_true(ctxpool_feature_compiled(ctx, "validate"));
    assert_false(pool_flag(ctx, "confirmed-commit"));
    assert_false(pool_flag(ctx, "validate"));
    assert_true(pool_flag(ctx, "candidate"));
    /* The join's feature setting is a no-op. */
    mod = ly_ctx_get_module_implemented(ctx, "ietf-netconf");
    count = ly_ctx_get_change_count(ctx);
    assert_int_equal(lys_set_implemented(mod, join), LY_SUCCESS);
    assert_int_equal(ly_ctx_get_change_count(ctx), count);
    assert_true(ctxpool_feature_compiled(ctx, "confirmed-commit"));
    /* The parses a join repeats: the same text again, during a join, from the memo. */
    {
        char path[400], *text;
        FILE *f;
        long n;
        struct lys_module *m1 = NULL, *m2 = NULL, *m3 = NULL;
        struct ctxpool_stats st;

        snprintf(path, sizeof path, "%s/ietf-netconf@2011-06-01.yang", sdir);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        text = calloc(1, (size_t)n + 2);
        assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        ctxpool_join_parses(set);
        assert_int_equal(lys_parse_mem(ctx, text, LYS_IN_YANG, &m1), LY_SUCCESS);
        assert_int_equal(lys_parse_mem(ctx, text, LYS_IN_YANG, &m2), LY_SUCCESS);
        ctxpool_join_parses(NULL);
        assert_int_equal(lys_parse_mem(ctx, text, LYS_IN_YANG, &m3), LY_SUCCESS);
        assert_ptr_equal(m1, mod);
        assert_ptr_equal(m2, mod);
        assert_ptr_equal(m3, mod);
        assert_int_equal(ly_ctx_get_change_count(ctx), count);
        ctxpool_stats_get(&st);
        assert_int_equal(st.parses_memo, 1);
        /* Another text (one more byte) is parsed, not taken from the memo. */
        text[n] = '\n';
        ctxpool_join_parses(set);
        assert_int_equal(lys_parse_mem(ctx, text, LYS_IN_YANG, &m1), LY_SUCCESS);
        ctxpool_join_parses(NULL);
        ctxpool_stats_get(&st);
        assert_int_equal(st.parses_memo, 1);
        free(text);
    }
    ctxpool_join_done(set, CTXPOOL_PROVE, -1, 0, NULL, 0);

    /* A module importing ietf-netconf recompiles it without them; the writer's release
     * compiles them in again, flags cleared. */
    ctxpool_write_acquire(set);
    assert_non_null(ly_ctx_load_module(ctx, "ietf-netconf-notifications", NULL, NULL));
    assert_false(ctxpool_feature_compiled(ctx, "confirmed-commit"));
    ctxpool_write_release(set);
    assert_true(ctxpool_feature_compiled(ctx, "confirmed-commit"));
    assert_true(ctxpool_feature_compiled(ctx, "validate"));
    assert_false(pool_flag(ctx, "confirmed-commit"));
    assert_false(pool_flag(ctx, "validate"));
    assert_int_equal(ctxpool_change_count(set), ly_ctx_get_change_count(ctx));

    ctxpool_clear();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_option_checks),
        cmocka_unit_test(t_password_file_rules),
        cmocka_unit_test(t_tcp_failures),
        cmocka_unit_test(t_error_format),
        cmocka_unit_test(t_alloc_failures),
        cmocka_unit_test(t_pool_hidden_features),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
