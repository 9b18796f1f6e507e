/*
 * labtest_txn.c: the public push/rollback API (netstitch.h, nst_txn_*) against the yuma123
 * lab, for what the command line cannot show:
 *   - the progress events, in order, per device and per phase, never carrying a secret;
 *   - the NETCONF fields of a device's error (step, kind, tag, app-tag, path);
 *   - two transactions in two threads on disjoint devices both commit, while a third one
 *     that overlaps a running one is refused as busy without touching anything;
 *   - timings: a push of three devices with --jobs 1 and with --jobs 3 (printed).
 * Run by tests/push/t_api.sh, which starts the lab and exports lab.env.
 */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netstitch.h"

#define NSL "urn:netstitch:lab:net"
#define KEY "api-K3y&<secret>"

static struct nst_ctx *ctx;
static struct nst_inventory *inv;
static char state_dir[512];

static const char *
env(const char *name)
{
    const char *v = getenv(name);

    if (!v || !*v) {
        fail_msg("%s not set (run via tests/push/t_api.sh)", name);
    }
    return v;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
payload(const char *ifname, unsigned mtu)
{
    static char buf[4][1024];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k],
             "<interfaces xmlns=\"" NSL "\"><interface><name>%s</name>"
             "<description>$NST_SECRET{api-key}</description><mtu>%u</mtu></interface>"
             "</interfaces>",
             ifname, mtu);
    return buf[k];
}

/* Progress events of one transaction, as text. */
struct events {
    pthread_mutex_t mu;
    char text[16384];
    /* With pause_at set, the callback stops at that "device:step" until released. */
    const char *pause_at;
    int paused;
    int release;
};

static void
on_progress(enum nst_txn_phase phase, const char *device, const char *step, const char *result,
            void *user)
{
    struct events *e = user;
    size_t n;
    char key[128];

    pthread_mutex_lock(&e->mu);
    n = strlen(e->text);
    if (device) {
        snprintf(e->text + n, sizeof e->text - n, "%s:%s:%s;", device, step, result);
    } else {
        snprintf(e->text + n, sizeof e->text - n, "[%s];", nst_txn_phase_name(phase));
    }
    pthread_mutex_unlock(&e->mu);
    if (e->pause_at && device) {
        snprintf(key, sizeof key, "%s:%s", device, step);
        if (!strcmp(key, e->pause_at)) {
            __atomic_store_n(&e->paused, 1, __ATOMIC_SEQ_CST);
            while (!__atomic_load_n(&e->release, __ATOMIC_SEQ_CST)) {
                usleep(10000);
            }
        }
    }
}

static struct nst_txn *
new_txn(struct events *e, unsigned jobs)
{
    struct nst_txn *txn = NULL;

    assert_int_equal(nst_txn_new(ctx, inv, &txn), NST_OK);
    assert_int_equal(nst_txn_set_state_dir(txn, state_dir), NST_OK);
    nst_txn_set_jobs(txn, jobs);
    if (e) {
        nst_txn_set_progress_cb(txn, on_progress, e);
    }
    return txn;
}

static void
rollback(const char *id)
{
    struct nst_txn *txn = new_txn(NULL, 0);

    assert_int_equal(nst_txn_rollback(txn, id), NST_OK);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_COMMITTED);
    nst_txn_free(txn);
}

/* Events of @dev, in order, from the whole text. */
static void
device_events(const char *text, const char *dev, char *out, size_t len)
{
    char pre[64];
    const char *p = text;

    out[0] = '\0';
    snprintf(pre, sizeof pre, "%s:", dev);
    while ((p = strstr(p, pre))) {
        const char *end = strchr(p, ';');

        if ((p == text || p[-1] == ';') && end) {
            size_t n = strlen(out);

            snprintf(out + n, len - n, "%.*s;", (int)(end - p - strlen(pre)), p + strlen(pre));
        }
        p = end ? end : p + 1;
    }
}

static void
t_progress_and_timing(void **state)
{
    struct events e = {PTHREAD_MUTEX_INITIALIZER, "", NULL, 0, 0};
    char a[2048], c[2048], id[64];
    double t0, t_seq, t_par;
    struct nst_txn *txn;

    (void)state;
    txn = new_txn(&e, 1);
    for (const char *d = "a"; *d; d = *d == 'a' ? "b" : *d == 'b' ? "c" : "") {
        assert_int_equal(nst_txn_add_payload(txn, d, NULL, payload("api-0", 1600)), NST_OK);
    }
    t0 = now_s();
    assert_int_equal(nst_txn_push(txn), NST_OK);
    t_seq = now_s() - t0;
    snprintf(id, sizeof id, "%s", nst_txn_id(txn));
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_COMMITTED);
    assert_int_equal(nst_txn_device_method(txn, 0), NST_TXN_METHOD_CONFIRMED);
    assert_int_equal(nst_txn_device_method(txn, 2), NST_TXN_METHOD_RUNNING);
    assert_string_equal(nst_txn_message(txn), "");
    nst_txn_free(txn);
    /* Phases in order, and each device's steps in order (yuma: no <validate>). */
    assert_non_null(strstr(e.text, "[connect];"));
    assert_true(strstr(e.text, "[prepare];") < strstr(e.text, "[commit];"));
    assert_true(strstr(e.text, "[commit];") < strstr(e.text, "[confirm];"));
    assert_true(strstr(e.text, "[confirm];") < strstr(e.text, "[done];"));
    device_events(e.text, "a", a, sizeof a);
    assert_string_equal(a, "connect:ok;plan:confirmed-commit;lock:ok;snapshot:ok;edit-config:ok;"
                           "commit-confirmed:ok;confirm:ok;");
    device_events(e.text, "c", c, sizeof c);
    assert_string_equal(c, "connect:ok;plan:running+restore;lock:ok;snapshot:ok;edit-running:ok;");
    assert_null(strstr(e.text, "K3y"));
    rollback(id);

    txn = new_txn(NULL, 3);
    for (const char *d = "a"; *d; d = *d == 'a' ? "b" : *d == 'b' ? "c" : "") {
        assert_int_equal(nst_txn_add_payload(txn, d, NULL, payload("api-0", 1600)), NST_OK);
    }
    t0 = now_s();
    assert_int_equal(nst_txn_push(txn), NST_OK);
    t_par = now_s() - t0;
    snprintf(id, sizeof id, "%s", nst_txn_id(txn));
    nst_txn_free(txn);
    rollback(id);
    printf("timing: push of 3 yuma devices: jobs=1 %.3f s, jobs=3 %.3f s\n", t_seq, t_par);
}

static void
t_error_fields(void **state)
{
    struct nst_txn *txn = new_txn(NULL, 0);

    (void)state;
    /* mtu 100 is out of the model's range: yuma refuses it at edit time. */
    assert_int_equal(nst_txn_add_payload(txn, "a", NULL, payload("api-1", 1600)), NST_OK);
    assert_int_equal(nst_txn_add_payload(txn, "b", NULL, payload("api-1", 100)), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_EENV);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_ABORTED);
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_STEP), "edit-config");
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_KIND), "rpc-error");
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_TAG), "invalid-value");
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_APP_TAG), "not-in-range");
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_MESSAGE), "value not in range");
    assert_non_null(strstr(nst_txn_device_error(txn, 1, NST_TXN_ERR_PATH),
                           "interface[ln:name='api-1']/ln:mtu"));
    assert_string_equal(nst_txn_device_error(txn, 0, NST_TXN_ERR_TEXT), "");
    assert_int_equal(nst_txn_device_state(txn, 0), NST_TXN_DEV_DISCARDED);
    assert_int_equal(nst_txn_device_state(txn, 1), NST_TXN_DEV_DISCARDED);
    assert_string_equal(nst_txn_device_error(txn, 1, NST_TXN_ERR_UNDO), "");
    assert_null(nst_txn_device_error(txn, 2, NST_TXN_ERR_TEXT));
    assert_non_null(strstr(nst_txn_message(txn),
                           "device b failed at edit-config: rpc-error: "
                           "value not in range [invalid-value/not-in-range]"));
    nst_txn_free(txn);
}

struct job {
    const char *dev;
    const char *ifname;
    struct events *ev;
    nst_err rc;
    char id[64];
};

static void *
push_one(void *arg)
{
    struct job *j = arg;
    struct nst_txn *txn = new_txn(j->ev, 0);

    assert_int_equal(nst_txn_add_payload(txn, j->dev, NULL, payload(j->ifname, 1700)), NST_OK);
    j->rc = nst_txn_push(txn);
    if (nst_txn_id(txn)) {
        snprintf(j->id, sizeof j->id, "%s", nst_txn_id(txn));
    }
    nst_txn_free(txn);
    return NULL;
}

static void
t_concurrent(void **state)
{
    struct events ea = {PTHREAD_MUTEX_INITIALIZER, "", "a:snapshot", 0, 0};
    struct job ja = {"a", "api-2", &ea, NST_EINTERNAL, ""};
    struct job jb = {"b", "api-3", NULL, NST_EINTERNAL, ""};
    pthread_t ta, tb;
    struct nst_txn *txn;

    (void)state;
    /* a's push stops while it holds a's locks (device lock and NETCONF candidate lock). */
    assert_int_equal(pthread_create(&ta, NULL, push_one, &ja), 0);
    while (!__atomic_load_n(&ea.paused, __ATOMIC_SEQ_CST)) {
        usleep(10000);
    }
    /* A disjoint push goes through meanwhile. */
    assert_int_equal(pthread_create(&tb, NULL, push_one, &jb), 0);
    pthread_join(tb, NULL);
    assert_int_equal(jb.rc, NST_OK);
    /* An overlapping one is refused before it touches anything. */
    txn = new_txn(NULL, 0);
    assert_int_equal(nst_txn_add_payload(txn, "a", NULL, payload("api-4", 1700)), NST_OK);
    assert_int_equal(nst_txn_add_payload(txn, "c", NULL, payload("api-4", 1700)), NST_OK);
    assert_int_equal(nst_txn_push(txn), NST_EBUSY);
    assert_int_equal(nst_txn_outcome(txn), NST_TXN_NOT_RUN);
    assert_non_null(strstr(nst_txn_message(txn), "device a (127.0.0.1:"));
    assert_non_null(strstr(nst_txn_message(txn), "is being changed by another netstitch process"));
    assert_string_equal(nst_txn_code(txn), "TXN-DEVICE-BUSY");
    nst_txn_free(txn);
    __atomic_store_n(&ea.release, 1, __ATOMIC_SEQ_CST);
    pthread_join(ta, NULL);
    assert_int_equal(ja.rc, NST_OK);
    rollback(ja.id);
    rollback(jb.id);
}

static int
setup(void **state)
{
    char text[4096];

    (void)state;
    snprintf(state_dir, sizeof state_dir, "%s/api-state", env("LAB_DIR"));
    setenv("NST_API_KEY", KEY, 1);
    snprintf(text, sizeof text,
             "<inventory xmlns=\"urn:netstitch:yang:inventory\">"
             "<device><name>a</name><address>127.0.0.1</address><port>%s</port><user>root</user>"
             "<auth><private-key>%s</private-key></auth>"
             "<host-key><known-hosts-file>%s</known-hosts-file></host-key></device>"
             "<device><name>b</name><address>127.0.0.1</address><port>%s</port><user>root</user>"
             "<auth><private-key>%s</private-key></auth>"
             "<host-key><known-hosts-file>%s</known-hosts-file></host-key></device>"
             "<device><name>c</name><address>127.0.0.1</address><port>%s</port><user>root</user>"
             "<auth><private-key>%s</private-key></auth>"
             "<host-key><known-hosts-file>%s</known-hosts-file></host-key></device>"
             "<secret><name>api-key</name><source>env:NST_API_KEY</source></secret>"
             "</inventory>",
             env("LAB_DEV_a_PORT"), env("LAB_CLIENT_KEY_ED25519"), env("LAB_KNOWN_HOSTS"),
             env("LAB_DEV_b_PORT"), env("LAB_CLIENT_KEY_ED25519"), env("LAB_KNOWN_HOSTS"),
             env("LAB_DEV_c_PORT"), env("LAB_CLIENT_KEY_ED25519"), env("LAB_KNOWN_HOSTS"));
    if (nst_ctx_new(NULL, &ctx) || nst_inventory_load_mem(ctx, text, NST_FORMAT_XML, "api", &inv)) {
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_progress_and_timing),
        cmocka_unit_test(t_error_fields),
        cmocka_unit_test(t_concurrent),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
