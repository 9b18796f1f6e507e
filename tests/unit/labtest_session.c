/*
 * labtest_session.c: the NETCONF session layer against real yuma123 netconfd devices.
 *
 * Run by tests/lab/t_session.sh, which starts a lab (tests/lab/lab.sh) and exports its
 * lab.env: devices a and b (candidate + startup) and c (running only), all with the
 * toy lab-net module. The tests share the lab, so each one uses its own interface names
 * and leaves committed state only where the final ncclient check expects it:
 *   a: interface lt-commit mtu 9000 (committed and confirmed here)
 *   b: nothing from lt-cancel (its confirmed commit is cancelled)
 * Extra environment from the script: LAB_SH (path of lab.sh), LT_STRANGER_KEY (a key
 * the lab does not authorize), SSH_AUTH_SOCK (an agent holding the client RSA key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "session.h"

#define NS "urn:netstitch:lab:net"
#define PW_ENV "LT_PASSWORD"
#define WRONG_PW "not-the-password-xyzzy"

/* Everything any session logged, to check that no secret leaks. Guarded: the thread
 * test logs from several threads. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_all;
static size_t log_len;

static void
log_collect(enum nst_severity sev, const char *device, const char *msg, void *user)
{
    char line[1200];
    int n;

    (void)user;
    n = snprintf(line, sizeof line, "[%d] %s: %s\n", (int)sev, device, msg);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sizeof line) {
        n = sizeof line - 1;
    }
    pthread_mutex_lock(&log_lock);
    log_all = realloc(log_all, log_len + (size_t)n + 1);
    memcpy(log_all + log_len, line, (size_t)n + 1);
    log_len += (size_t)n;
    pthread_mutex_unlock(&log_lock);
}

static const char *
env(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v) {
        fail_msg("environment variable %s is not set (run via tests/lab/t_session.sh)", name);
    }
    return v;
}

static uint16_t
dev_port(const char *dev)
{
    char name[64];

    snprintf(name, sizeof name, "LAB_DEV_%s_PORT", dev);
    return (uint16_t)atoi(env(name));
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *ed_keys[2];
static const char *rsa_keys[2];
static char lab_pw[128];
static char pins[256];

/* Options for public-key login as root with both host keys pinned. */
static struct sess_opts
opts_for(const char *dev, const char *const *keys)
{
    struct sess_opts o;

    memset(&o, 0, sizeof o);
    o.device = dev;
    o.host = "127.0.0.1";
    o.port = dev_port(dev);
    o.user = "root";
    o.auth = SESS_AUTH_PUBKEY;
    o.key_files = keys;
    o.hostkey_sha256 = pins;
    o.schema_cache_dir = env("LAB_SCHEMA_CACHE");
    o.connect_timeout_ms = 5000;
    o.rpc_timeout_ms = 5000;
    o.log_cb = log_collect;
    return o;
}


static struct sess *
connect_ok(const char *dev)
{
    struct sess_opts o = opts_for(dev, ed_keys);
    struct sess *s = NULL;
    struct sess_error e;
    char buf[1024];

    if (sess_connect(&o, &s, &e) != NST_OK) {
        fail_msg("connect to %s: %s", dev, sess_error_format(&e, buf, sizeof buf));
    }
    return s;
}

/* Assert @rc succeeded, printing the structured error otherwise. */
#define OK(call)                                                                            \
    do {                                                                                    \
        struct sess_error e_;                                                               \
        char b_[1024];                                                                      \
        memset(&e_, 0, sizeof e_);                                                          \
        if ((call) != NST_OK) {                                                             \
            fail_msg("%s: %s", #call, sess_error_format(&e_, b_, sizeof b_));               \
        }                                                                                   \
    } while (0)
#define E (&e_)

static char *
get_cfg(struct sess *s, enum sess_ds ds, const char *filter)
{
    char *xml = NULL;

    OK(sess_get_config(s, ds, filter, &xml, E));
    return xml;
}

static char *
iface_edit(const char *name, const char *mtu)
{
    return nst_asprintf("<interfaces xmlns=\"" NS "\"><interface><name>%s</name><mtu>%s</mtu>"
                        "</interface></interfaces>", name, mtu);
}

static const char *
iface_filter(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "<interfaces xmlns=\"" NS "\"><interface><name>%s</name></interface>"
             "</interfaces>", name);
    return buf;
}

static void
setup_lab(void)
{
    FILE *f;

    ed_keys[0] = env("LAB_CLIENT_KEY_ED25519");
    rsa_keys[0] = env("LAB_CLIENT_KEY_RSA");
    snprintf(pins, sizeof pins, "%s %s", env("LAB_HOSTKEY_ED25519_SHA256"),
             env("LAB_HOSTKEY_RSA_SHA256"));
    f = fopen(env("LAB_PASSWORD_FILE"), "r");
    if (!f || !fgets(lab_pw, sizeof lab_pw, f)) {
        fail_msg("cannot read %s", env("LAB_PASSWORD_FILE"));
    }
    fclose(f);
    lab_pw[strcspn(lab_pw, "\r\n")] = '\0';
    setenv(PW_ENV, lab_pw, 1);
}

/* ---- connect and authentication ---------------------------------------------------- */

static void
t_connect_pubkey(void **state)
{
    struct sess_opts o;
    struct sess *s = NULL;
    struct sess_error e;
    double t0;

    (void)state;
    o = opts_for("a", ed_keys);
    t0 = now_s();
    assert_int_equal(sess_connect(&o, &s, &e), NST_OK);
    print_message("connect a (ed25519 key): %.0f ms\n", (now_s() - t0) * 1000);
    assert_int_equal(e.kind, SESS_ERR_NONE);
    assert_true(sess_session_id(s) > 0);
    assert_string_equal(sess_device(s), "a");
    assert_true(sess_is_alive(s));
    assert_non_null(sess_ctx(s));
    assert_non_null(ly_ctx_get_module_implemented(sess_ctx(s), "lab-net"));
    assert_true(!strcmp(sess_hostkey(s), env("LAB_HOSTKEY_ED25519_SHA256"))
                || !strcmp(sess_hostkey(s), env("LAB_HOSTKEY_RSA_SHA256")));
    sess_close(s);
    assert_false(sess_is_alive(s));
    /* After close the struct stays usable and RPCs report a dropped session. */
    assert_int_equal(sess_discard(s, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_DROPPED);
    sess_free(s);
    sess_free(NULL);

    /* The PEM RSA key works too. */
    o = opts_for("b", rsa_keys);
    assert_int_equal(sess_connect(&o, &s, &e), NST_OK);
    sess_free(s);
}

static void
t_connect_password(void **state)
{
    struct sess_opts o = opts_for("a", NULL);
    struct sess *s = NULL;
    struct sess_error e;
    char path[512], buf[1024];
    FILE *f;
    double t0;

    (void)state;
    o.user = env("LAB_PASSWORD_USER");
    o.auth = SESS_AUTH_PASSWORD;

    /* From an environment variable. */
    o.password_env = PW_ENV;
    t0 = now_s();
    if (sess_connect(&o, &s, &e) != NST_OK) {
        fail_msg("password via env: %s", sess_error_format(&e, buf, sizeof buf));
    }
    print_message("connect a (password): %.0f ms\n", (now_s() - t0) * 1000);
    sess_free(s);
    s = NULL;

    /* From a 0600 file. */
    snprintf(path, sizeof path, "%s/lt-password", env("LAB_DIR"));
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", lab_pw);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    o.password_env = NULL;
    o.password_file = path;
    assert_int_equal(sess_connect(&o, &s, &e), NST_OK);
    sess_free(s);
    s = NULL;

    /* A 0644 file is refused before anything is sent. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(sess_connect(&o, &s, &e), NST_EINVAL);
    assert_null(s);
    assert_int_equal(e.kind, SESS_ERR_CONFIG);
    assert_non_null(strstr(e.message, "0644"));
    assert_string_equal(e.device, "a");
    unlink(path);

    /* Missing variable: a configuration error too. */
    o.password_file = NULL;
    o.password_env = "LT_NO_SUCH_VARIABLE";
    assert_int_equal(sess_connect(&o, &s, &e), NST_EINVAL);
    assert_int_equal(e.kind, SESS_ERR_CONFIG);
}

static void
t_auth_failure(void **state)
{
    struct sess_opts o = opts_for("a", NULL);
    const char *stranger[2] = {env("LT_STRANGER_KEY"), NULL};
    struct sess *s = NULL;
    struct sess_error e;
    char buf[1024];

    (void)state;
    /* Wrong password. */
    o.user = env("LAB_PASSWORD_USER");
    o.auth = SESS_AUTH_PASSWORD;
    setenv(PW_ENV, WRONG_PW, 1);
    o.password_env = PW_ENV;
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_null(s);
    assert_int_equal(e.kind, SESS_ERR_AUTH);
    assert_null(strstr(sess_error_format(&e, buf, sizeof buf), WRONG_PW));
    setenv(PW_ENV, lab_pw, 1);

    /* A key the device does not know. */
    o = opts_for("a", stranger);
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_AUTH);
    assert_non_null(strstr(e.message, "publickey"));

    /* A missing key file is a configuration error, found before connecting. */
    {
        const char *missing[2] = {"/nonexistent/key", NULL};

        o = opts_for("a", missing);
        assert_int_equal(sess_connect(&o, &s, &e), NST_EINVAL);
        assert_int_equal(e.kind, SESS_ERR_CONFIG);
    }
}

static void
t_agent(void **state)
{
    struct sess_opts o = opts_for("a", NULL);
    struct sess *s = NULL;
    struct sess_error e;
    char buf[1024];
    char *sock = getenv("SSH_AUTH_SOCK") ? strdup(getenv("SSH_AUTH_SOCK")) : NULL;

    (void)state;
    if (!sock) {
        /* tests/lab/t_session.sh starts an agent: its absence is a broken run, not a skip. */
        fail_msg("SSH_AUTH_SOCK is not set: run through tests/lab/t_session.sh");
    }
    o.auth = SESS_AUTH_AGENT;
    if (sess_connect(&o, &s, &e) != NST_OK) {
        fail_msg("agent: %s", sess_error_format(&e, buf, sizeof buf));
    }
    sess_free(s);
    s = NULL;

    /* No agent: reported as an authentication failure. */
    unsetenv("SSH_AUTH_SOCK");
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_AUTH);
    setenv("SSH_AUTH_SOCK", sock, 1);
    free(sock);
}

static void
t_hostkey(void **state)
{
    struct sess_opts o = opts_for("a", ed_keys);
    struct sess *s = NULL;
    struct sess_error e;
    char kh[512], buf[1024];
    FILE *f;

    (void)state;
    /* A wrong pin is refused. */
    o.hostkey_sha256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_null(s);
    assert_int_equal(e.kind, SESS_ERR_HOSTKEY);
    assert_non_null(strstr(e.message, "SHA256:"));

    /* The lab's known_hosts file works without a pin. */
    o.hostkey_sha256 = NULL;
    o.known_hosts = env("LAB_KNOWN_HOSTS");
    if (sess_connect(&o, &s, &e) != NST_OK) {
        fail_msg("known_hosts: %s", sess_error_format(&e, buf, sizeof buf));
    }
    sess_free(s);
    s = NULL;

    /* A host absent from known_hosts is refused ... */
    snprintf(kh, sizeof kh, "%s/lt-known_hosts", env("LAB_DIR"));
    f = fopen(kh, "w");
    assert_non_null(f);
    fclose(f);
    o.known_hosts = kh;
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_HOSTKEY);
    assert_non_null(strstr(e.message, "not in"));

    /* ... unless trust-on-first-use is asked for, which records it, */
    o.flags = SESS_OPT_TOFU;
    assert_int_equal(sess_connect(&o, &s, &e), NST_OK);
    sess_free(s);
    s = NULL;
    /* after which it is known. */
    o.flags = 0;
    assert_int_equal(sess_connect(&o, &s, &e), NST_OK);
    sess_free(s);
    s = NULL;

    /* A changed key is refused even with TOFU. */
    {
        char pub[512], line[1024];
        FILE *p;

        snprintf(pub, sizeof pub, "%s.pub", env("LT_STRANGER_KEY"));
        p = fopen(pub, "r");
        assert_non_null(p);
        assert_non_null(fgets(line, sizeof line, p));
        fclose(p);
        f = fopen(kh, "w");
        assert_non_null(f);
        fprintf(f, "[127.0.0.1]:%u %s", (unsigned)dev_port("a"), line);
        fclose(f);
    }
    o.flags = SESS_OPT_TOFU;
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_HOSTKEY);
    assert_non_null(strstr(e.message, "differs"));
    unlink(kh);

    /* No policy at all is a configuration error. */
    o.known_hosts = NULL;
    o.flags = 0;
    assert_int_equal(sess_connect(&o, &s, &e), NST_EINVAL);
    assert_int_equal(e.kind, SESS_ERR_CONFIG);
}

static void
t_unreachable(void **state)
{
    struct sess_opts o = opts_for("a", ed_keys);
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    struct sess *s = NULL;
    struct sess_error e;
    int fd;
    double t0, dt;

    (void)state;
    /* A port nobody listens on: take a free port and release it. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    close(fd);
    o.port = ntohs(sa.sin_port);
    o.connect_timeout_ms = 2000;
    t0 = now_s();
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    dt = now_s() - t0;
    assert_int_equal(e.kind, SESS_ERR_CONNECT);
    assert_true(dt < 2.0);

    /* A listener that never speaks SSH: the connect timeout bounds the wait. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = 0;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    sl = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    o.port = ntohs(sa.sin_port);
    o.connect_timeout_ms = 600;
    t0 = now_s();
    assert_int_equal(sess_connect(&o, &s, &e), NST_EENV);
    dt = now_s() - t0;
    close(fd);
    print_message("silent listener gave up after %.0f ms (timeout 600)\n", dt * 1000);
    assert_int_equal(e.kind, SESS_ERR_TIMEOUT);
    assert_true(dt >= 0.5 && dt < 1.6);
}

/* ---- capabilities ------------------------------------------------------------------ */

static void
t_capabilities(void **state)
{
    struct sess *a = connect_ok("a"), *c = connect_ok("c");
    const char *const *raw;
    struct sess_error e;
    int found = 0;

    (void)state;
    assert_true(sess_caps(a) & SESS_CAP_CANDIDATE);
    assert_true(sess_caps(a) & SESS_CAP_CONFIRMED_COMMIT);
    assert_true(sess_caps(a) & SESS_CAP_CONFIRMED_COMMIT11);
    assert_true(sess_caps(a) & SESS_CAP_VALIDATE);
    assert_true(sess_caps(a) & SESS_CAP_ROLLBACK_ON_ERROR);
    assert_true(sess_caps(a) & SESS_CAP_STARTUP);
    assert_false(sess_caps(a) & SESS_CAP_WRITABLE_RUNNING);
    assert_true(sess_quirks(a) & SESS_QUIRK_VALIDATE_LOSES_EDIT);

    assert_true(sess_caps(c) & SESS_CAP_WRITABLE_RUNNING);
    assert_false(sess_caps(c) & SESS_CAP_CANDIDATE);
    assert_false(sess_caps(c) & SESS_CAP_STARTUP);
    assert_true(sess_caps(c) & SESS_CAP_ROLLBACK_ON_ERROR);

    for (raw = sess_capabilities(a); raw && *raw; raw++) {
        found |= !strcmp(*raw, "urn:ietf:params:netconf:capability:candidate:1.0");
    }
    assert_true(found);
    found = 0;
    for (raw = sess_capabilities(c); raw && *raw; raw++) {
        found |= !strcmp(*raw, "urn:ietf:params:netconf:capability:candidate:1.0");
    }
    assert_false(found);

    /* What the running-only device lacks is refused locally. */
    assert_int_equal(sess_commit(c, 0, 0, NULL, NULL, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_UNSUPPORTED);
    assert_int_equal(sess_lock(c, SESS_DS_CANDIDATE, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_UNSUPPORTED);
    /* and it takes edits on running directly, all or nothing with rollback-on-error. */
    {
        char *edit = iface_edit("lt-direct", "1500"), *xml, f[256];

        OK(sess_lock(c, SESS_DS_RUNNING, E));
        OK(sess_edit_config(c, SESS_DS_RUNNING, SESS_DEFOP_MERGE, SESS_ERROP_ROLLBACK, edit, E));
        OK(sess_unlock(c, SESS_DS_RUNNING, E));
        xml = get_cfg(c, SESS_DS_RUNNING, iface_filter("lt-direct", f, sizeof f));
        assert_non_null(strstr(xml, "<mtu>1500</mtu>"));
        nst_free(xml);
        nst_free(edit);
    }
    /* The candidate device refuses running edits: locally, since it lacks the capability. */
    assert_int_equal(sess_edit_config(a, SESS_DS_RUNNING, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT,
                                      "<vlans xmlns=\"" NS "\"/>", &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_UNSUPPORTED);
    sess_free(a);
    sess_free(c);
}

/* ---- edits and commits ------------------------------------------------------------- */

static void
t_rpc_error_fields(void **state)
{
    struct sess *a = connect_ok("a");
    struct sess_error e;
    char *edit = iface_edit("lt-range", "100");

    (void)state;
    assert_int_equal(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE,
                                      SESS_ERROP_ROLLBACK, edit, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_RPC);
    assert_string_equal(e.op, "edit-config");
    assert_string_equal(e.device, "a");
    assert_string_equal(e.type, "protocol");
    assert_string_equal(e.tag, "invalid-value");
    assert_string_equal(e.app_tag, "not-in-range");
    assert_non_null(strstr(e.path, "mtu"));
    assert_string_equal(e.message, "value not in range");
    assert_non_null(strstr(e.info, "bad-value=100"));
    assert_int_equal(e.n_rpc_errors, 1);
    nst_free(edit);

    /* A must violation with the model's own app tag (the fault-injection knob). */
    OK(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT,
                        "<fault xmlns=\"" NS "\"><reject-interface>lt-poison</reject-interface>"
                        "</fault>", E));
    edit = iface_edit("lt-poison", "1500");
    assert_int_equal(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE,
                                      SESS_ERROP_DEFAULT, edit, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_RPC);
    assert_string_equal(e.tag, "operation-failed");
    assert_string_equal(e.app_tag, "fault-injected");
    assert_string_equal(e.message, "fault injection: device rejects this interface");
    nst_free(edit);
    OK(sess_discard(a, E));
    sess_free(a);
}

static void
t_lock_edit_confirmed_commit(void **state)
{
    struct sess *a = connect_ok("a"), *check;
    char *edit = iface_edit("lt-commit", "9000"), *xml, f[256];
    struct lyd_node *tree = NULL, *mtu = NULL;
    double t0;

    (void)state;
    t0 = now_s();
    OK(sess_lock(a, SESS_DS_CANDIDATE, E));
    OK(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_ROLLBACK, edit, E));
    OK(sess_commit(a, SESS_COMMIT_CONFIRMED, 60, NULL, NULL, E));
    print_message("lock+edit+confirmed commit: %.1f ms\n", (now_s() - t0) * 1000);

    /* Applied to running, as a typed tree in the session's context. */
    OK(sess_get_config_tree(a, SESS_DS_RUNNING, iface_filter("lt-commit", f, sizeof f), &tree, E));
    assert_non_null(tree);
    assert_int_equal(lyd_find_path(tree, "/lab-net:interfaces/interface[name='lt-commit']/mtu", 0,
                                   &mtu), LY_SUCCESS);
    assert_string_equal(lyd_get_value(mtu), "9000");
    lyd_free_siblings(tree);

    /* The confirming commit, then unlock and close: it must stay. */
    OK(sess_commit(a, 0, 0, NULL, NULL, E));
    OK(sess_unlock(a, SESS_DS_CANDIDATE, E));
    sess_free(a);
    check = connect_ok("a");
    xml = get_cfg(check, SESS_DS_RUNNING, iface_filter("lt-commit", f, sizeof f));
    assert_non_null(strstr(xml, "<mtu>9000</mtu>"));
    nst_free(xml);
    sess_free(check);
    nst_free(edit);
}

static void
t_unconfirmed_rolls_back_on_close(void **state)
{
    struct sess *b = connect_ok("b"), *check;
    char *edit = iface_edit("lt-unconfirmed", "1600"), *xml, f[256];

    (void)state;
    OK(sess_edit_config(b, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, edit, E));
    OK(sess_commit(b, SESS_COMMIT_CONFIRMED, 60, NULL, NULL, E));
    sess_close(b);
    check = connect_ok("b");
    xml = get_cfg(check, SESS_DS_RUNNING, iface_filter("lt-unconfirmed", f, sizeof f));
    assert_null(strstr(xml, "lt-unconfirmed"));
    nst_free(xml);
    sess_free(check);
    sess_free(b);
    nst_free(edit);
}

static void
t_cancel_commit(void **state)
{
    struct sess *b = connect_ok("b"), *other;
    struct sess_error e;
    char *edit = iface_edit("lt-cancel", "1700"), *xml, f[256];

    (void)state;
    OK(sess_edit_config(b, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, edit, E));
    OK(sess_commit(b, SESS_COMMIT_CONFIRMED, 60, "lt-token", NULL, E));
    /* persist: survives the session. */
    sess_free(b);
    other = connect_ok("b");
    xml = get_cfg(other, SESS_DS_RUNNING, iface_filter("lt-cancel", f, sizeof f));
    assert_non_null(strstr(xml, "<mtu>1700</mtu>"));
    nst_free(xml);
    /* A wrong token is an rpc-error, the right one reverts at once. */
    assert_int_equal(sess_cancel_commit(other, "wrong-token", &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_RPC);
    OK(sess_cancel_commit(other, "lt-token", E));
    xml = get_cfg(other, SESS_DS_RUNNING, iface_filter("lt-cancel", f, sizeof f));
    assert_null(strstr(xml, "lt-cancel"));
    nst_free(xml);
    /* Nothing pending any more. */
    assert_int_equal(sess_cancel_commit(other, "lt-token", &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_RPC);
    sess_free(other);
    nst_free(edit);
}

static void
t_discard(void **state)
{
    struct sess *a = connect_ok("a");
    char *edit = iface_edit("lt-discard", "1800"), *cand, *run, f[256];

    (void)state;
    OK(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, edit, E));
    cand = get_cfg(a, SESS_DS_CANDIDATE, iface_filter("lt-discard", f, sizeof f));
    assert_non_null(strstr(cand, "<mtu>1800</mtu>"));
    nst_free(cand);
    OK(sess_discard(a, E));
    /* <validate> is available (but see SESS_QUIRK_VALIDATE_LOSES_EDIT before a commit). */
    OK(sess_validate(a, SESS_DS_CANDIDATE, E));
    cand = get_cfg(a, SESS_DS_CANDIDATE, NULL);
    run = get_cfg(a, SESS_DS_RUNNING, NULL);
    assert_null(strstr(cand, "lt-discard"));
    assert_string_equal(cand, run);
    nst_free(cand);
    nst_free(run);
    sess_free(a);
    nst_free(edit);
}

static void
t_lock_contention(void **state)
{
    struct sess *s1 = connect_ok("a"), *s2 = connect_ok("a");
    struct sess_error e;
    char *edit = iface_edit("lt-locked", "1500");

    (void)state;
    OK(sess_lock(s1, SESS_DS_CANDIDATE, E));
    assert_int_equal(sess_lock(s2, SESS_DS_CANDIDATE, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_RPC);
    assert_string_equal(e.tag, "lock-denied");
    assert_int_equal(e.holder_session_id, sess_session_id(s1));
    assert_non_null(strstr(e.info, "session-id="));
    /* The non-holder cannot edit either. */
    assert_int_equal(sess_edit_config(s2, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE,
                                      SESS_ERROP_DEFAULT, edit, &e), NST_EENV);
    assert_string_equal(e.tag, "in-use");
    /* Closing the holder releases the lock. */
    sess_free(s1);
    OK(sess_lock(s2, SESS_DS_CANDIDATE, E));
    OK(sess_unlock(s2, SESS_DS_CANDIDATE, E));
    sess_free(s2);
    nst_free(edit);
}

static void
t_get_config_filters(void **state)
{
    struct sess *a = connect_ok("a");
    char *xml, *edit, f[256];

    (void)state;
    edit = nst_asprintf("<interfaces xmlns=\"" NS "\"><interface><name>lt-f1</name><mtu>1501</mtu>"
                        "</interface><interface><name>lt-f2</name><mtu>1502</mtu></interface>"
                        "</interfaces><vlans xmlns=\"" NS "\"><vlan><id>42</id><name>lt</name>"
                        "</vlan></vlans>");
    OK(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, edit, E));
    OK(sess_commit(a, 0, 0, NULL, NULL, E));

    /* Subtree filter: one interface only. */
    xml = get_cfg(a, SESS_DS_RUNNING, iface_filter("lt-f1", f, sizeof f));
    assert_non_null(strstr(xml, "lt-f1"));
    assert_null(strstr(xml, "lt-f2"));
    assert_null(strstr(xml, "vlan"));
    nst_free(xml);

    /* XPath filter (module-name prefixes). */
    xml = get_cfg(a, SESS_DS_RUNNING, "/lab-net:vlans/vlan[id='42']");
    assert_non_null(strstr(xml, "<name>lt</name>"));
    assert_null(strstr(xml, "lt-f1"));
    nst_free(xml);

    /* A filter matching nothing gives an empty string, not an error. */
    xml = get_cfg(a, SESS_DS_RUNNING, iface_filter("lt-nothing", f, sizeof f));
    assert_null(strstr(xml, "interface"));
    nst_free(xml);

    /* <get> includes the same config. */
    OK(sess_get(a, iface_filter("lt-f2", f, sizeof f), &xml, E));
    assert_non_null(strstr(xml, "<mtu>1502</mtu>"));
    nst_free(xml);

    /* Clean up so the final check sees only lt-commit. */
    nst_free(edit);
    edit = nst_asprintf("<interfaces xmlns=\"" NS "\" "
                        "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
                        "<interface nc:operation=\"delete\"><name>lt-f1</name></interface>"
                        "<interface nc:operation=\"delete\"><name>lt-f2</name></interface>"
                        "</interfaces><vlans xmlns=\"" NS "\" "
                        "xmlns:nc=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
                        "<vlan nc:operation=\"delete\"><id>42</id></vlan></vlans>");
    OK(sess_edit_config(a, SESS_DS_CANDIDATE, SESS_DEFOP_NONE, SESS_ERROP_DEFAULT, edit, E));
    OK(sess_commit(a, 0, 0, NULL, NULL, E));
    nst_free(edit);
    sess_free(a);
}

/* ---- session loss ------------------------------------------------------------------ */

static int
lab_cmd(const char *what, const char *dev)
{
    char cmd[1024];

    snprintf(cmd, sizeof cmd, "sh '%s' %s '%s' %s >/dev/null", env("LAB_SH"), what,
             env("LAB_DIR"), dev);
    return system(cmd);
}

/* Poll sess_is_alive for up to @secs; return how long it took to report 0, or -1. */
static double
wait_dead(struct sess *s, double secs)
{
    double t0 = now_s();

    while (now_s() - t0 < secs) {
        if (!sess_is_alive(s)) {
            return now_s() - t0;
        }
        usleep(10000);
    }
    return -1;
}

static void
t_session_drop(void **state)
{
    struct sess *b = connect_ok("b");
    struct sess_error e;
    char *xml = NULL;
    double dt;

    (void)state;
    OK(sess_lock(b, SESS_DS_CANDIDATE, E));
    assert_true(sess_is_alive(b));
    assert_int_equal(lab_cmd("drop-sessions", "b"), 0);
    dt = wait_dead(b, 3.0);
    print_message("TCP drop noticed by sess_is_alive after %.0f ms\n", dt * 1000);
    assert_true(dt >= 0);
    assert_int_equal(sess_get_config(b, SESS_DS_RUNNING, NULL, &xml, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_DROPPED);
    assert_null(xml);
    sess_free(b);

    /* The device releases the dropped session's lock (yuma: within about 0.3 s). */
    b = connect_ok("b");
    {
        struct sess_error le;
        double t0 = now_s();

        while (sess_lock(b, SESS_DS_CANDIDATE, &le) != NST_OK) {
            assert_string_equal(le.tag, "lock-denied");
            assert_true(now_s() - t0 < 3.0);
            usleep(50000);
        }
    }
    OK(sess_unlock(b, SESS_DS_CANDIDATE, E));
    sess_free(b);
}

static void
t_device_crash(void **state)
{
    struct sess *c = connect_ok("c");
    struct sess_error e;
    char *xml = NULL;
    double dt;

    (void)state;
    assert_int_equal(lab_cmd("kill-device", "c"), 0);
    dt = wait_dead(c, 3.0);
    print_message("netconfd crash noticed by sess_is_alive after %.0f ms\n", dt * 1000);
    assert_true(dt >= 0);
    assert_int_equal(sess_get_config(c, SESS_DS_RUNNING, NULL, &xml, &e), NST_EENV);
    assert_int_equal(e.kind, SESS_ERR_DROPPED);
    sess_free(c);
    assert_int_equal(lab_cmd("restart-device", "c"), 0);
    c = connect_ok("c");
    sess_free(c);
}

static void
t_rpc_timeout(void **state)
{
    struct sess_opts o = opts_for("b", ed_keys);
    struct sess *b = NULL;
    struct sess_error e;
    char *xml = NULL;
    double t0, dt;

    (void)state;
    o.rpc_timeout_ms = 400;
    OK(sess_connect(&o, &b, E));
    assert_int_equal(lab_cmd("pause-device", "b"), 0);
    t0 = now_s();
    assert_int_equal(sess_get_config(b, SESS_DS_RUNNING, NULL, &xml, &e), NST_EENV);
    dt = now_s() - t0;
    assert_int_equal(lab_cmd("resume-device", "b"), 0);
    print_message("hung device: RPC gave up after %.0f ms (timeout 400)\n", dt * 1000);
    assert_int_equal(e.kind, SESS_ERR_TIMEOUT);
    assert_true(dt >= 0.35 && dt < 1.5);
    assert_null(xml);
    /* The late reply is skipped; the session keeps working. */
    OK(sess_get_config(b, SESS_DS_RUNNING, NULL, &xml, E));
    nst_free(xml);
    assert_true(sess_is_alive(b));
    sess_free(b);
}

/* @a and @b (XML texts of <data> content) parse to the same tree in @s's context. */
static void
same_tree(struct sess *s, const char *a, const char *b)
{
    struct lyd_node *ta = NULL, *tb = NULL;
    char *pa = NULL, *pb = NULL;

    sess_ctx_hold(s);
    assert_int_equal(lyd_parse_data_mem(sess_ctx(s), a, LYD_XML, LYD_PARSE_ONLY, 0, &ta),
                     LY_SUCCESS);
    assert_int_equal(lyd_parse_data_mem(sess_ctx(s), b, LYD_XML, LYD_PARSE_ONLY, 0, &tb),
                     LY_SUCCESS);
    if (ta) {
        assert_int_equal(lyd_print_mem(&pa, ta, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
    }
    if (tb) {
        assert_int_equal(lyd_print_mem(&pb, tb, LYD_XML, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
    }
    assert_string_equal(pa ? pa : "", pb ? pb : "");
    free(pa);
    free(pb);
    lyd_free_siblings(ta);
    lyd_free_siblings(tb);
    sess_ctx_release(s);
}

/* sess_get_config_text() (the live diff's read, past libnetconf2 through the relay) gives
 * the tree sess_get_config() gives, for a subtree filter, an XPath one, none, one that
 * matches nothing; after a timeout the late reply is dropped by the relay and the session
 * goes on (libnetconf2's next RPC and another text read). */
static void
t_get_config_text(void **state)
{
    struct sess_opts o = opts_for("b", ed_keys);
    struct sess *b = NULL;
    struct sess_error e;
    char *edit, *x1, *x2 = NULL, f[256];
    const char *filters[4];
    double t0, dt;

    (void)state;
    o.rpc_timeout_ms = 400;
    OK(sess_connect(&o, &b, E));
    edit = iface_edit("lt-text", "1503");
    OK(sess_edit_config(b, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, edit, E));
    nst_free(edit);
    filters[0] = iface_filter("lt-text", f, sizeof f);
    filters[1] = "/lab-net:interfaces/interface[name='lt-text']";
    filters[2] = NULL;
    filters[3] = "<interfaces xmlns=\"" NS "\"><interface><name>lt-none</name></interface>"
                 "</interfaces>";
    for (int i = 0; i < 4; i++) {
        x1 = get_cfg(b, SESS_DS_CANDIDATE, filters[i]);
        OK(sess_get_config_text(b, SESS_DS_CANDIDATE, filters[i], &x2, E));
        if (i < 2) {
            assert_non_null(strstr(x2, "lt-text"));
        }
        same_tree(b, x1, x2);
        nst_free(x1);
        nst_free(x2);
        x2 = NULL;
    }
    assert_int_equal(lab_cmd("pause-device", "b"), 0);
    t0 = now_s();
    assert_int_equal(sess_get_config_text(b, SESS_DS_CANDIDATE, filters[0], &x2, &e), NST_EENV);
    dt = now_s() - t0;
    assert_int_equal(lab_cmd("resume-device", "b"), 0);
    assert_int_equal(e.kind, SESS_ERR_TIMEOUT);
    assert_string_equal(e.device, "b");
    assert_true(dt >= 0.35 && dt < 1.5);
    assert_null(x2);
    /* The late reply (the relay's message-id) must not reach libnetconf2 as this one's. */
    x1 = get_cfg(b, SESS_DS_CANDIDATE, filters[0]);
    assert_non_null(strstr(x1, "lt-text"));
    OK(sess_get_config_text(b, SESS_DS_CANDIDATE, filters[0], &x2, E));
    same_tree(b, x1, x2);
    nst_free(x1);
    nst_free(x2);
    OK(sess_discard(b, E));
    assert_true(sess_is_alive(b));
    sess_free(b);
}

/* ---- threads ----------------------------------------------------------------------- */

struct thr {
    const char *dev;
    int password;
    nst_err rc;
    char err[512];
    char fp[96];
    int lab_net;
    pthread_barrier_t *start;
    unsigned foreign_logs;
};

static void
thr_log(enum nst_severity sev, const char *device, const char *msg, void *user)
{
    struct thr *t = user;

    /* Each session's messages must reach its own callback only. */
    if (strcmp(device, t->dev)) {
        t->foreign_logs++;
    }
    log_collect(sev, device, msg, NULL);
}

static void *
thr_main(void *arg)
{
    struct thr *t = arg;
    struct sess_opts o = opts_for(t->dev, ed_keys);
    struct sess *s = NULL;
    struct sess_error e;
    char *xml = NULL;

    o.log_cb = thr_log;
    o.log_user = t;
    if (t->password) {
        o.auth = SESS_AUTH_PASSWORD;
        o.user = env("LAB_PASSWORD_USER");
        o.password_env = PW_ENV;
    }
    pthread_barrier_wait(t->start);
    t->rc = sess_connect(&o, &s, &e);
    if (t->rc == NST_OK) {
        t->lab_net = ly_ctx_get_module_implemented(sess_ctx(s), "lab-net") != NULL;
        snprintf(t->fp, sizeof t->fp, "%s", sess_hostkey(s));
        t->rc = sess_get_config(s, SESS_DS_RUNNING, NULL, &xml, &e);
        nst_free(xml);
    }
    if (t->rc != NST_OK) {
        sess_error_format(&e, t->err, sizeof t->err);
    }
    sess_free(s);
    return NULL;
}

static void
t_parallel_connect(void **state)
{
    struct thr t[4] = {
        {.dev = "a"}, {.dev = "b", .password = 1}, {.dev = "c"}, {.dev = "a", .password = 1},
    };
    pthread_t th[4];
    pthread_barrier_t start;
    double t0;

    (void)state;
    pthread_barrier_init(&start, NULL, 5);
    for (int i = 0; i < 4; i++) {
        t[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
    }
    t0 = now_s();
    pthread_barrier_wait(&start);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    print_message("4 threads connected + get-config + closed in %.0f ms\n", (now_s() - t0) * 1000);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < 4; i++) {
        if (t[i].rc != NST_OK) {
            fail_msg("thread %d (%s): %s", i, t[i].dev, t[i].err);
        }
        assert_true(t[i].lab_net);
        assert_int_equal(t[i].foreign_logs, 0);
        assert_true(t[i].fp[0]);
    }
}

/* ---- shared contexts (ctxpool.h) --------------------------------------------------- */

static void
t_shared_context(void **state)
{
    char dir[] = "/tmp/nst-lt-ctx.XXXXXX", cache[256], cmd[300], *x1 = NULL, *x2 = NULL;
    struct sess_opts o = opts_for("a", ed_keys);
    struct sess *p1 = NULL, *p2 = NULL, *s1 = NULL, *s2 = NULL, *s3 = NULL;
    struct sess_error e;
    char buf[1024];

    (void)state;
    /* No cache directory: a context per session, never shared. */
    o.schema_cache_dir = NULL;
    if (sess_connect(&o, &p1, &e) || sess_connect(&o, &p2, &e)) {
        fail_msg("connect: %s", sess_error_format(&e, buf, sizeof buf));
    }
    assert_ptr_not_equal(sess_ctx(p1), sess_ctx(p2));
    sess_free(p1);
    sess_free(p2);

    /* A cache directory of its own: the first connect records the set, the second proves
     * it on the set's context, the third joins that context while the second is open. */
    assert_non_null(mkdtemp(dir));
    snprintf(cache, sizeof cache, "%s/a", dir);
    assert_int_equal(mkdir(cache, 0700), 0);
    o.schema_cache_dir = cache;
    if (sess_connect(&o, &s1, &e) || sess_connect(&o, &s2, &e) || sess_connect(&o, &s3, &e)) {
        fail_msg("connect: %s", sess_error_format(&e, buf, sizeof buf));
    }
    assert_ptr_not_equal(sess_ctx(s1), sess_ctx(s2));
    assert_ptr_equal(sess_ctx(s2), sess_ctx(s3));
    OK(sess_get_config(s2, SESS_DS_RUNNING, NULL, &x1, E));
    OK(sess_get_config(s3, SESS_DS_RUNNING, NULL, &x2, E));
    assert_string_equal(x1, x2);
    nst_free(x1);
    nst_free(x2);
    sess_free(s3);
    /* The context outlives the session that joined it: s2 still works. */
    OK(sess_lock(s2, SESS_DS_CANDIDATE, E));
    OK(sess_unlock(s2, SESS_DS_CANDIDATE, E));
    sess_free(s2);
    sess_free(s1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- secrets ----------------------------------------------------------------------- */

static void
t_no_secret_in_logs(void **state)
{
    (void)state;
    /* Runs last: every password used above must be absent from everything logged. */
    assert_non_null(log_all);
    assert_null(strstr(log_all, WRONG_PW));
    assert_null(strstr(log_all, lab_pw));
    if (getenv("LT_DUMP_LOG")) {
        fputs(log_all, stderr);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_connect_pubkey),
        cmocka_unit_test(t_connect_password),
        cmocka_unit_test(t_auth_failure),
        cmocka_unit_test(t_agent),
        cmocka_unit_test(t_hostkey),
        cmocka_unit_test(t_unreachable),
        cmocka_unit_test(t_capabilities),
        cmocka_unit_test(t_rpc_error_fields),
        cmocka_unit_test(t_lock_edit_confirmed_commit),
        cmocka_unit_test(t_unconfirmed_rolls_back_on_close),
        cmocka_unit_test(t_cancel_commit),
        cmocka_unit_test(t_discard),
        cmocka_unit_test(t_lock_contention),
        cmocka_unit_test(t_get_config_filters),
        cmocka_unit_test(t_session_drop),
        cmocka_unit_test(t_device_crash),
        cmocka_unit_test(t_rpc_timeout),
        cmocka_unit_test(t_get_config_text),
        cmocka_unit_test(t_parallel_connect),
        cmocka_unit_test(t_shared_context),
        cmocka_unit_test(t_no_secret_in_logs),
    };

    setup_lab();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
