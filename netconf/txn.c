/*
 * txn.c: the network-wide transaction: push, rollback and recover (struct nst_txn).
 *
 * Place in the pipeline: after compile, each device has a NETCONF payload. A push
 * changes every device of the service in one all-or-nothing transaction; whatever fails,
 * on whichever device, at whichever step, every device ends as it started, and the
 * report names the device, the step and the NETCONF error.
 *
 * Phases (txn_run), each run for all devices in parallel by at most `jobs` threads:
 *   connect   open a session (session.c), read the <hello>, choose the device's method:
 *               confirmed    :candidate + :confirmed-commit (1.1: with <persist>)
 *               candidate    :candidate without :confirmed-commit: snapshot + restore
 *               running      :writable-running only: snapshot + restore
 *   prepare   on the same pass as the connect (txn_ph_open: no wait for the slowest
 *             connect): lock (candidate, or running for "running" devices), discard
 *             leftovers, <get-config> running = the snapshot, written to the state
 *             directory with the payload (txn_put_dev_records); then, once every device
 *             is locked and snapshotted, the plan is written durably (state.c) BEFORE
 *             anything is changed; then
 *             <edit-config> on the candidate and <validate> where the server supports
 *             it and has no SESS_QUIRK_VALIDATE_LOSES_EDIT (yuma123 would silently drop
 *             the edit at the next commit).
 *   commit    confirmed devices: <commit><confirmed/><confirm-timeout> (+<persist>);
 *             candidate devices: <commit>; running devices: <edit-config> on running.
 *             Each is journaled "sent" before the RPC leaves, so a crash mid-RPC is
 *             recoverable.
 *   gate      txn_gate_before_confirm(): every session still alive; then, with a health
 *             check, the health gate (txn_gate(), health.c), its steps journaled
 *   confirm   only if the gate passed: the decision "confirm" is journaled
 *             durably, then a confirming <commit> (with <persist-id>) goes to every
 *             confirmed device; each device's running is read right after (the record
 *             of the change that txn_ph_finish writes before unlocking).
 *   abort     on any failure anywhere: the decision "abort" is journaled, then per
 *             device by how far it got: unlock; discard-changes; cancel-commit (1.1) or
 *             session close (1.0, RFC 6241 reverts); and for anything that may have
 *             reached running, verify against the snapshot and restore it (edit-config
 *             replace/remove of the touched top-level elements, see txn.h) when it
 *             differs. Every device's final state is verified, not assumed.
 *
 * Durability and recovery: the journal (state.h) has one line per step per device.
 * `recover` reads plan and journal of an interrupted transaction: after a durable
 * "confirm" decision it rolls forward (confirming commit with the persist id); otherwise
 * (or if rolling forward fails anywhere) it undoes, exactly as the abort phase does,
 * over fresh sessions. The device-side confirm-timeout is the second safety net for
 * confirmed devices; "running" devices are covered only by recover/rollback.
 * `rollback TXID` is a new transaction whose payloads are the restore payloads of TXID's
 * snapshots, so it has all the guarantees of a push and can itself be rolled back.
 *
 * Threads: the coordinator (the caller's thread) runs phases one after the other;
 * txn_for_each() starts workers that take devices from a shared index. A device's
 * fields are touched only by the worker handling it in the current phase; the phase
 * join orders them. Shared state (abort flag, journal, log, progress callback) is
 * guarded by txn->mu. libnetconf2's per-thread client options are the session layer's
 * concern (session.h).
 *
 * Secrets: `$NST_SECRET{name}` placeholders are resolved before any device is touched,
 * substituted into a private buffer right before the RPC and wiped after it; every error
 * text, journal line and log line is scrubbed of every secret value.
 *
 * Not here: producing payloads (compile), live diffs, reading BGP state (health.c),
 * retries of a failed RPC (a failed step aborts the transaction).
 */
#include "txn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"
#include "driver.h"
#include "health.h"
#include "inventory.h"
#include "jobs.h"
#include "ownership.h"
#include "payload.h"
#include "render.h"
#include "revert.h"
#include "secret.h"
#include "session.h"
#include "store.h"

#define TXN_CONFIRM_MARGIN_S 60
#define TXN_VERIFY_TRIES 6
#define TXN_VERIFY_PAUSE_MS 200

/*
 * The engine's structs
 */

/* How far a device got. Kept in order: later states imply the earlier ones. */
enum txn_state {
    TS_NEW = 0,
    TS_CONNECTED,
    TS_LOCKED,
    TS_EDITED,      /* candidate edited (candidate methods) */
    TS_COMMIT_SENT, /* the change may be live from here on */
    TS_COMMITTED,
    TS_CONFIRM_SENT,
    TS_CONFIRMED
};

struct txn_dev {
    /* input */
    char *name;
    char *payload;             /* <config> content; secrets as placeholders */
    char *rollback_before;     /* rollback: the snapshot of the transaction rolled back */
    char *rollback_payload;    /* rollback: that transaction's payload (its touched set) */
    char *rollback_after;      /* rollback: running right after it, NULL if not recorded */
    char *rollback_now;        /* rollback: running now (secrets as placeholders), and */
    char *rollback_rev;        /* the reverse diff (libyang diff XML), for showing it */
    char shown_driver[32];     /* rollback: the driver the service's record names (display
                                  only: the transaction itself works without one) */
    char later[40];            /* rollback: a later transaction that touched the device */
    int conflict;              /* rollback: nodes changed since (refused without --force) */
    const struct drv_ops *drv; /* NULL when the vendor is unknown */
    const struct inv_device *inv;
    size_t index;
    /* plan */
    enum nst_txn_method method;
    int persist; /* :confirmed-commit:1.1: <persist>, cancel-commit */
    int validate;
    uint32_t confirm_value; /* confirm-timeout in the vendor's unit */
    /* run */
    struct sess *s;
    unsigned caps;
    unsigned quirks;
    enum txn_state st;
    int locked; /* this session holds the lock of lock_ds */
    enum sess_ds lock_ds;
    int commit_rejected; /* the commit step got a definite <rpc-error> */
    int final_known;     /* recover: the journal has a final state for it */
    char *before;        /* the snapshot: running before the change */
    char *after;         /* running right after the change, read in the confirm pass */
    enum nst_txn_dev_state report;
    /* errors (scrubbed of secrets) */
    int failed;
    char step[32];
    struct sess_error err;
    char text[1024];
    char undo[1024];
};

struct nst_txn {
    struct nst_ctx *ctx;
    const struct nst_inventory *inv;
    char *state_dir;
    unsigned jobs;
    uint32_t confirm_timeout;
    unsigned flags;
    nst_txn_progress_cb cb;
    void *cb_user;
    struct txn_dev *devs;
    size_t ndevs;
    int ran;
    /* run */
    char kind[16];    /* push, delete, rollback, recover (the history's kind) */
    char service[72]; /* nst_txn_set_note(): the history's service, comment */
    char *comment;
    char rollback_of[40];
    struct store *st;
    struct store_txn *t;    /* this transaction's record, locked */
    struct store_txn *past; /* rollback/recover: the transaction acted on, locked */
    struct store_txn *rec;  /* recover: its own history row */
    struct store_lock *locks;
    FILE *log;
    char persist_id[64];
    char known_hosts[4096];
    pthread_mutex_t mu;
    int abort_flag; /* guarded by mu */
    enum nst_txn_outcome outcome;
    char message[1200];
    const char *code; /* the diagnostic code of message, NULL for a device failure */
    /* secrets used by the payloads: names and values, wiped in txn_secrets_clear */
    struct secret_set secrets;
    /* rollback: every device model (render.h), for devices whose session context lacks
     * the models of their configuration; loaded once, used under models_mu */
    struct render *models;
    int models_failed;
    pthread_mutex_t models_mu;
    /* the health gate (health.c), NULL: none */
    struct nst_health *health;
    char health_report[1200];
    /* the confirm window (push --confirm-window), 0: none */
    uint32_t window_s;
    nst_txn_window_cb window_cb;
    void *window_user;
};

static const char *const txn_empty = "";

/* Copy @src into @dst of @size bytes, truncating; always NUL-terminated. */
static void
txn_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

/*
 * Record a refusal: the catalogue's message for @code (diag_codes.def) formatted with the
 * arguments becomes txn->message, and a coded diagnostic (with @device) goes to the
 * context. The coordinator thread only: the context is not shared with workers.
 */
static void
txn_diag(struct nst_txn *txn, enum diag_code code, const char *device, ...)
{
    struct diag_loc loc = {NULL, 0, NULL, device};
    va_list ap;

    va_start(ap, device);
    vsnprintf(txn->message, sizeof txn->message, diag_code_template(code), ap);
    va_end(ap);
    secret_scrub_buf(&txn->secrets, txn->message, sizeof txn->message);
    txn->code = diag_code_str(code);
    diag_add_msg(txn->ctx, code, &loc, txn->message);
}

/*
 * Names
 */

NST_API const char *
nst_txn_method_name(enum nst_txn_method m)
{
    switch (m) {
    case NST_TXN_METHOD_CONFIRMED:
        return "confirmed-commit";
    case NST_TXN_METHOD_CANDIDATE:
        return "candidate+restore";
    case NST_TXN_METHOD_RUNNING:
        return "running+restore";
    case NST_TXN_METHOD_UNKNOWN:
        break;
    }
    return "unknown";
}

NST_API const char *
nst_txn_dev_state_name(enum nst_txn_dev_state s)
{
    switch (s) {
    case NST_TXN_DEV_UNTOUCHED:
        return "untouched";
    case NST_TXN_DEV_PREPARED:
        return "prepared";
    case NST_TXN_DEV_COMMITTED:
        return "committed";
    case NST_TXN_DEV_DISCARDED:
        return "discarded";
    case NST_TXN_DEV_RESTORED:
        return "restored";
    case NST_TXN_DEV_UNKNOWN:
        break;
    }
    return "UNKNOWN";
}

NST_API const char *
nst_txn_outcome_name(enum nst_txn_outcome o)
{
    switch (o) {
    case NST_TXN_NOT_RUN:
        return "not-run";
    case NST_TXN_COMMITTED:
        return "committed";
    case NST_TXN_DRY_RUN_OK:
        return "dry-run-ok";
    case NST_TXN_ABORTED:
        return "aborted";
    case NST_TXN_INCOMPLETE:
        return "incomplete";
    case NST_TXN_NOTHING_TO_DO:
        return "nothing-to-do";
    }
    return "unknown";
}

NST_API const char *
nst_txn_phase_name(enum nst_txn_phase p)
{
    switch (p) {
    case NST_TXN_PHASE_CONNECT:
        return "connect";
    case NST_TXN_PHASE_PREPARE:
        return "prepare";
    case NST_TXN_PHASE_COMMIT:
        return "commit";
    case NST_TXN_PHASE_CONFIRM:
        return "confirm";
    case NST_TXN_PHASE_ABORT:
        return "abort";
    case NST_TXN_PHASE_RECOVER:
        return "recover";
    case NST_TXN_PHASE_HEALTH:
        return "health";
    case NST_TXN_PHASE_DONE:
        return "done";
    }
    return "unknown";
}

static enum nst_txn_method
txn_method_parse(const char *s)
{
    if (!strcmp(s, "confirmed-commit")) {
        return NST_TXN_METHOD_CONFIRMED;
    }
    if (!strcmp(s, "candidate+restore")) {
        return NST_TXN_METHOD_CANDIDATE;
    }
    if (!strcmp(s, "running+restore")) {
        return NST_TXN_METHOD_RUNNING;
    }
    return NST_TXN_METHOD_UNKNOWN;
}

/*
 * Secrets: resolution, scrubbing
 */

/*
 * Read every secret the payloads and saved snapshots name, before any device is touched;
 * a missing or unreadable one stops the transaction. The inventory's other secrets are
 * read too where possible, so that they are scrubbed from errors and logs and replaced
 * by placeholders in saved snapshots.
 */
static nst_err
txn_secrets_resolve(struct nst_txn *txn)
{
    char **names = NULL, why[512];
    nst_err ret = NST_OK;

    for (size_t i = 0; i < txn->ndevs && !ret; i++) {
        const char *texts[3] = {txn->devs[i].payload, txn->devs[i].rollback_before,
                                txn->devs[i].before};

        for (int t = 0; t < 3 && !ret; t++) {
            if (!texts[t]) {
                continue;
            }
            ret = secret_scan(texts[t], &names);
            if (ret) {
                txn_diag(txn, DIAG_TXN_PLACEHOLDER, txn->devs[i].name, txn->devs[i].name);
                return ret;
            }
            for (size_t k = 0; names[k] && !ret; k++) {
                const struct inv_secret *sec = inv_find_secret(txn->inv, names[k]);

                if (!sec) {
                    txn_diag(txn, DIAG_TXN_SECRET_UNDEFINED, txn->devs[i].name, txn->devs[i].name,
                             names[k]);
                    ret = NST_ESECRET;
                    break;
                }
                ret = secret_set_add(&txn->secrets, sec->name, sec->source, why, sizeof why);
                if (ret == NST_EINVAL) {
                    txn_diag(txn, DIAG_TXN_SECRET_UNREADABLE, txn->devs[i].name, names[k], why);
                    ret = NST_ESECRET;
                }
            }
            secret_names_free(names);
            names = NULL;
        }
    }
    for (size_t i = 0; !ret && i < txn->inv->nsecrets; i++) {
        ret = secret_set_add(&txn->secrets, txn->inv->secrets[i].name, txn->inv->secrets[i].source,
                             why, sizeof why);
        if (ret == NST_EINVAL) {
            ret = NST_OK;
        }
    }
    return ret;
}

/* Scrub a fixed buffer of every secret (secret.c's one scrubber). */
static void
txn_scrub(const struct nst_txn *txn, char *buf, size_t len)
{
    secret_scrub_buf(&txn->secrets, buf, len);
}

static void
txn_scrub_err(const struct nst_txn *txn, struct sess_error *e)
{
    txn_scrub(txn, e->message, sizeof e->message);
    txn_scrub(txn, e->path, sizeof e->path);
    txn_scrub(txn, e->info, sizeof e->info);
    txn_scrub(txn, e->app_tag, sizeof e->app_tag);
}

/*
 * Events: journal, log, progress, failures
 */

/* Journal a line for device @d (or the transaction when NULL). Caller holds no lock. */
static nst_err txn_journal(struct nst_txn *txn, const struct txn_dev *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static nst_err
txn_journal(struct nst_txn *txn, const struct txn_dev *d, const char *fmt, ...)
{
    char text[1600];
    va_list ap;
    nst_err ret;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    txn_scrub(txn, text, sizeof text);
    if (!txn->t) {
        return NST_OK;
    }
    if (d) {
        /* Not under txn->mu: the store orders concurrent appends and commits the lines
         * that arrive together as one batch (store.c, group commit), each durable before
         * its caller goes on. */
        return store_journal_append(txn->t, "dev %zu %s", d->index, text);
    }
    pthread_mutex_lock(&txn->mu);
    ret = store_journal_append(txn->t, "txn %s", text);
    /* The history row follows the journal's outcome line (store.h). */
    if (!ret && !strncmp(text, "outcome ", 8)) {
        char word[32];

        snprintf(word, sizeof word, "%.*s", (int)strcspn(text + 8, " "), text + 8);
        store_txn_note(txn->t, NULL, word);
    }
    pthread_mutex_unlock(&txn->mu);
    return ret;
}

static void
txn_progress(struct nst_txn *txn, enum nst_txn_phase phase, const struct txn_dev *d,
             const char *step, const char *result)
{
    if (!txn->cb) {
        return;
    }
    if (d) {
        pthread_mutex_lock(&txn->mu);
        txn->cb(phase, d->name, step, result, txn->cb_user);
        pthread_mutex_unlock(&txn->mu);
    } else {
        txn->cb(phase, NULL, NULL, NULL, txn->cb_user);
    }
}

/* A step on @d succeeded: journal it and tell the callback. */
static void
txn_step_ok(struct nst_txn *txn, enum nst_txn_phase phase, struct txn_dev *d, const char *step)
{
    txn_journal(txn, d, "%s ok", step);
    txn_progress(txn, phase, d, step, "ok");
}

/* A step on @d failed: keep the first error, journal, raise the abort flag. */
static void
txn_step_fail(struct nst_txn *txn, enum nst_txn_phase phase, struct txn_dev *d, const char *step,
              const struct sess_error *e)
{
    char line[1024];
    struct sess_error copy = *e;

    txn_scrub_err(txn, &copy);
    sess_error_format(&copy, line, sizeof line);
    txn_scrub(txn, line, sizeof line);
    if (!d->failed) {
        d->failed = 1;
        d->err = copy;
        snprintf(d->step, sizeof d->step, "%s", step);
        snprintf(d->text, sizeof d->text, "%s: %s: %s", step, sess_err_kind_name(copy.kind),
                 copy.message);
        if (copy.tag[0] || copy.app_tag[0]) {
            size_t n = strlen(d->text);

            snprintf(d->text + n, sizeof d->text - n, " [%s%s%s]", copy.tag,
                     copy.app_tag[0] ? "/" : "", copy.app_tag);
        }
        if (copy.path[0]) {
            size_t n = strlen(d->text);

            snprintf(d->text + n, sizeof d->text - n, " %s", copy.path);
        }
    }
    txn_journal(txn, d, "%s failed %s", step, line);
    pthread_mutex_lock(&txn->mu);
    if (!txn->abort_flag) {
        txn->abort_flag = 1;
        snprintf(txn->message, sizeof txn->message, "device %s failed at %s", d->name, d->text);
    }
    pthread_mutex_unlock(&txn->mu);
    txn_progress(txn, phase, d, step, "failed");
}

/* A local failure (no NETCONF error) on @d. */
static void txn_step_fail_msg(struct nst_txn *txn, enum nst_txn_phase phase, struct txn_dev *d,
                              const char *step, enum sess_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
txn_step_fail_msg(struct nst_txn *txn, enum nst_txn_phase phase, struct txn_dev *d,
                  const char *step, enum sess_err_kind kind, const char *fmt, ...)
{
    struct sess_error e;
    va_list ap;

    memset(&e, 0, sizeof e);
    e.kind = kind;
    snprintf(e.device, sizeof e.device, "%s", d->name);
    snprintf(e.op, sizeof e.op, "%s", step);
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    txn_step_fail(txn, phase, d, step, &e);
}

/* Something went wrong while undoing @d: remember it (first one wins) and journal it. */
static void
txn_undo_note(struct nst_txn *txn, struct txn_dev *d, const char *step, const struct sess_error *e)
{
    char line[1024];
    struct sess_error copy = *e;

    txn_scrub_err(txn, &copy);
    sess_error_format(&copy, line, sizeof line);
    txn_scrub(txn, line, sizeof line);
    if (!d->undo[0]) {
        char both[1100];

        snprintf(both, sizeof both, "%s: %s", step, line);
        txn_copy(d->undo, sizeof d->undo, both);
    }
    txn_journal(txn, d, "%s failed %s", step, line);
    txn_progress(txn, NST_TXN_PHASE_ABORT, d, step, "failed");
}

/* Session log messages: warnings and errors go to the transaction's log file. */
static void
txn_sess_log(enum nst_severity sev, const char *device, const char *msg, void *user)
{
    struct nst_txn *txn = user;
    char line[1200];

    if (sev < NST_SEV_WARNING || !txn->log) {
        return;
    }
    snprintf(line, sizeof line, "%s: %s: %s", nst_severity_name(sev), device, msg);
    txn_scrub(txn, line, sizeof line);
    line[strcspn(line, "\n")] = '\0';
    pthread_mutex_lock(&txn->mu);
    fprintf(txn->log, "%ld %s\n", (long)time(NULL), line);
    fflush(txn->log);
    pthread_mutex_unlock(&txn->mu);
}

static int
txn_aborting(struct nst_txn *txn)
{
    int a;

    pthread_mutex_lock(&txn->mu);
    a = txn->abort_flag;
    pthread_mutex_unlock(&txn->mu);
    return a;
}

/*
 * Worker pool
 */

typedef void (*txn_dev_fn)(struct nst_txn *txn, struct txn_dev *d);

struct txn_pool {
    struct nst_txn *txn;
    txn_dev_fn fn;
    size_t next;
    int stop_on_fail;
};

static void *
txn_worker(void *arg)
{
    struct txn_pool *p = arg;
    struct nst_txn *txn = p->txn;

    for (;;) {
        size_t i;
        int skip;

        pthread_mutex_lock(&txn->mu);
        i = p->next++;
        skip = p->stop_on_fail && txn->abort_flag;
        pthread_mutex_unlock(&txn->mu);
        if (i >= txn->ndevs) {
            break;
        }
        if (!skip) {
            p->fn(txn, &txn->devs[i]);
        }
    }
    return NULL;
}

/* Run @fn on every device with at most txn->jobs threads. With @stop_on_fail, devices
 * not yet started are skipped once any device failed. */
static void
txn_for_each(struct nst_txn *txn, txn_dev_fn fn, int stop_on_fail)
{
    struct txn_pool p = {txn, fn, 0, stop_on_fail};
    pthread_t th[JOBS_MAX];
    size_t n = jobs_count(txn->jobs, txn->ndevs), started = 0;

    if (n <= 1) {
        txn_worker(&p);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (pthread_create(&th[i], NULL, txn_worker, &p)) {
            break;
        }
        started++;
    }
    /* If no thread could be started, do the work here. */
    if (!started) {
        txn_worker(&p);
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
}

/*
 * Sessions
 */

static void
txn_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* Open (or reopen) @d's session; reads capabilities; does not choose a method. */
static nst_err
txn_connect(struct nst_txn *txn, struct txn_dev *d, struct sess_error *err)
{
    struct sess_opts o;
    const char *keys[2] = {NULL, NULL};
    char cache[4096];
    nst_err ret;

    if (d->s) {
        sess_free(d->s);
        d->s = NULL;
        d->locked = 0;
    }
    inv_sess_opts(d->inv, txn->known_hosts, &o, keys);
    /* The session layer has one RPC timeout; a commit may legitimately take as long as
     * the inventory's commit timeout, so that is the bound for every RPC. */
    if (d->inv->commit_s > d->inv->rpc_s) {
        o.rpc_timeout_ms = (int)d->inv->commit_s * 1000;
    }
    snprintf(cache, sizeof cache, "%s/schema-cache", store_dir(txn->st));
    mkdir(cache, 0700);
    {
        size_t k = strlen(cache);

        snprintf(cache + k, sizeof cache - k, "/%s_%u", d->inv->address, (unsigned)d->inv->port);
        for (char *c = cache + k + 1; *c; c++) {
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                  (*c >= 'A' && *c <= 'Z') || *c == '.' || *c == '-')) {
                *c = '_';
            }
        }
    }
    mkdir(cache, 0700);
    o.schema_cache_dir = cache;
    o.log_cb = txn_sess_log;
    o.log_user = txn;
    ret = sess_connect(&o, &d->s, err);
    if (ret) {
        d->s = NULL;
        return ret;
    }
    d->caps = sess_caps(d->s);
    d->quirks = sess_quirks(d->s);
    return NST_OK;
}

static int
txn_alive(struct txn_dev *d)
{
    return d->s && sess_is_alive(d->s);
}

static int
txn_candidate_method(const struct txn_dev *d)
{
    return d->method == NST_TXN_METHOD_CONFIRMED || d->method == NST_TXN_METHOD_CANDIDATE;
}

/* Choose the method from the capabilities (and the driver's facts). */
static int
txn_choose_method(struct nst_txn *txn, struct txn_dev *d, uint32_t confirm_s)
{
    d->persist = 0;
    if ((d->caps & SESS_CAP_CANDIDATE) && (d->caps & SESS_CAP_CONFIRMED_COMMIT)) {
        d->method = NST_TXN_METHOD_CONFIRMED;
        d->persist = (d->caps & SESS_CAP_CONFIRMED_COMMIT11) != 0;
    } else if (d->caps & SESS_CAP_CANDIDATE) {
        d->method = NST_TXN_METHOD_CANDIDATE;
    } else if (d->caps & SESS_CAP_WRITABLE_RUNNING) {
        d->method = NST_TXN_METHOD_RUNNING;
    } else {
        d->method = NST_TXN_METHOD_UNKNOWN;
        return 0;
    }
    /* <validate> only where it is safe and possible: never to a server with
     * SESS_QUIRK_VALIDATE_LOSES_EDIT (yuma123 would drop the edit at the next commit; the
     * commit validates anyway). */
    d->validate = txn_candidate_method(d) && (d->caps & SESS_CAP_VALIDATE) &&
                  !(d->quirks & SESS_QUIRK_VALIDATE_LOSES_EDIT) &&
                  !(txn->flags & NST_TXN_NO_VALIDATE);
    /* NETCONF's <confirm-timeout> is seconds (RFC 6241); a driver may say otherwise. */
    if (d->drv && d->drv->caps.confirm_timeout_minutes) {
        d->confirm_value = (confirm_s + 59) / 60;
    } else {
        d->confirm_value = confirm_s;
    }
    return 1;
}

/*
 * Running configuration as text, for the snapshot, the verify and running-after: the
 * router's own bytes of <data> when relay.h calls the reply plain (sess_get_config_text():
 * no parse by libnetconf2 and no print back, about a fifth of a push's client CPU), else
 * that parse printed back; either way with every text node escaped as libyang prints it
 * (payload_canonical_text()), the form secret_placeholderize() looks for.
 */
static nst_err
txn_running(struct txn_dev *d, char **xml, struct sess_error *err)
{
    char *text = NULL;
    nst_err ret;

    ret = sess_get_config_text(d->s, SESS_DS_RUNNING, NULL, &text, err);
    if (ret) {
        return ret;
    }
    ret = payload_canonical_text(text, xml);
    nst_free(text);
    if (ret) {
        memset(err, 0, sizeof *err);
        err->kind = ret == NST_ENOMEM ? SESS_ERR_NOMEM : SESS_ERR_PROTOCOL;
        snprintf(err->op, sizeof err->op, "get-config");
        snprintf(err->message, sizeof err->message,
                 ret == NST_ENOMEM ? "out of memory"
                                   : "the configuration has an entity XML does not define");
    }
    return ret;
}

/* Get running and compare the touched set with the snapshot. */
static nst_err
txn_verify(struct nst_txn *txn, struct txn_dev *d, int *equal, struct sess_error *err)
{
    char *now = NULL;
    nst_err ret;

    (void)txn;
    ret = txn_running(d, &now, err);
    if (ret) {
        return ret;
    }
    ret = payload_touched_equal(d->before, now, d->payload, equal);
    nst_free(now);
    if (ret) {
        memset(err, 0, sizeof *err);
        err->kind = SESS_ERR_PROTOCOL;
        snprintf(err->op, sizeof err->op, "verify");
        snprintf(err->message, sizeof err->message,
                 "cannot compare the configuration with the snapshot (not well-formed)");
    }
    return ret;
}

/* Send the restore payload: candidate (discard, edit, commit) or running (edit). The
 * session must hold the lock. */
static nst_err
txn_restore(struct nst_txn *txn, struct txn_dev *d, struct sess_error *err)
{
    char *restore = NULL;
    nst_err ret;

    (void)txn;
    ret = payload_restore(d->before, d->payload, (d->caps & SESS_CAP_BASE11) != 0, &restore);
    if (ret) {
        memset(err, 0, sizeof *err);
        err->kind = SESS_ERR_PROTOCOL;
        snprintf(err->op, sizeof err->op, "restore");
        snprintf(err->message, sizeof err->message, "cannot build the restore payload");
        return ret;
    }
    if (txn_candidate_method(d)) {
        ret = sess_discard(d->s, err);
        if (!ret) {
            ret = sess_edit_config(d->s, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT,
                                   restore, err);
        }
        if (!ret) {
            ret = sess_commit(d->s, 0, 0, NULL, NULL, err);
        }
        if (ret && sess_is_alive(d->s)) {
            struct sess_error ignore;

            sess_discard(d->s, &ignore);
        }
    } else {
        ret = sess_edit_config(d->s, SESS_DS_RUNNING, SESS_DEFOP_MERGE, SESS_ERROP_DEFAULT, restore,
                               err);
    }
    nst_free(restore);
    return ret;
}

/* Make sure @d has a live session holding its lock (reconnecting if needed). */
static nst_err
txn_ensure_locked(struct nst_txn *txn, struct txn_dev *d, struct sess_error *err)
{
    nst_err ret;

    if (!txn_alive(d)) {
        ret = txn_connect(txn, d, err);
        if (ret) {
            return ret;
        }
    }
    if (!d->locked) {
        d->lock_ds = txn_candidate_method(d) ? SESS_DS_CANDIDATE : SESS_DS_RUNNING;
        ret = sess_lock(d->s, d->lock_ds, err);
        if (ret) {
            return ret;
        }
        d->locked = 1;
    }
    return NST_OK;
}

/*
 * Phases, per device
 */

static void
txn_ph_connect(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;

    if (txn_connect(txn, d, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_CONNECT, d, "connect", &err);
        return;
    }
    d->st = TS_CONNECTED;
    txn_step_ok(txn, NST_TXN_PHASE_CONNECT, d, "connect");
    if (!txn_choose_method(txn, d, txn->confirm_timeout)) {
        txn_step_fail_msg(txn, NST_TXN_PHASE_CONNECT, d, "plan", SESS_ERR_UNSUPPORTED,
                          "the device advertises neither :candidate nor :writable-running");
        return;
    }
    txn_journal(txn, d, "plan %s persist=%d validate=%d confirm-timeout=%u%s",
                nst_txn_method_name(d->method), d->persist, d->validate, (unsigned)d->confirm_value,
                d->drv && d->drv->caps.confirm_timeout_minutes ? "min" : "s");
    txn_progress(txn, NST_TXN_PHASE_CONNECT, d, "plan", nst_txn_method_name(d->method));
}

/*
 * A rollback's edit for @d. With the configuration recorded right after the transaction
 * rolled back (A), the reverse diff (revert.c): exactly what it changed is undone, and
 * nodes a later transaction changed since are a conflict that refuses the rollback
 * unless NST_TXN_FORCE. Without A (a transaction recorded before A was, or whose record
 * of A failed), or when the texts do not parse in the device's models, the restore
 * payload of the old snapshot: its touched top-level elements, whole.
 */
static void
txn_rollback_plan(struct nst_txn *txn, struct txn_dev *d)
{
    char *now = NULL, *edit = NULL, *conflicts = NULL, why[512];
    nst_err ret = NST_EINPUT;

    if (d->rollback_after && !secret_placeholderize(d->before, &txn->secrets, &now)) {
        /* The session's context first (a real router's yang-library), else netstitch's
         * own device models (a simulated router advertises fewer). */
        nst_free(d->rollback_rev);
        d->rollback_rev = NULL;
        /* A shared context (ctxpool.h) is held while revert_edit's trees live. */
        sess_ctx_hold(d->s);
        ret = revert_edit(sess_ctx(d->s), d->rollback_before, d->rollback_after, now, &edit,
                          &conflicts, &d->rollback_rev, why, sizeof why);
        sess_ctx_release(d->s);
        if (ret == NST_EINPUT) {
            pthread_mutex_lock(&txn->models_mu);
            if (!txn->models && !txn->models_failed) {
                ly_temp_log_options(&(uint32_t){0});
                txn->models_failed = render_new(txn->ctx, NULL, 0, &txn->models) != NST_OK;
                ly_temp_log_options(NULL);
            }
            if (txn->models) {
                char why2[512];

                ret = revert_edit(render_ly(txn->models), d->rollback_before, d->rollback_after,
                                  now, &edit, &conflicts, &d->rollback_rev, why2, sizeof why2);
            }
            pthread_mutex_unlock(&txn->models_mu);
        }
        nst_free(d->rollback_now);
        d->rollback_now = now;
        if (ret == NST_EINPUT) {
            txn_journal(txn, d,
                        "plan reverse-diff impossible (%s): restoring the touched "
                        "top-level elements",
                        why);
        }
    }
    if (!ret) {
        if (*conflicts && !(txn->flags & NST_TXN_FORCE)) {
            size_t first = strcspn(conflicts, "\n");
            int more = conflicts[first] && conflicts[first + 1];

            d->conflict = 1;
            conflicts[first] = '\0';
            txn_step_fail_msg(txn, NST_TXN_PHASE_PREPARE, d, "plan", SESS_ERR_CONFIG,
                              "changed since %s by %s: %s%s (--force undoes it anyway)",
                              txn->rollback_of, d->later[0] ? d->later : "a later change",
                              conflicts, more ? " and more" : "");
            nst_free(edit);
            nst_free(conflicts);
            return;
        }
        nst_free(conflicts);
        nst_free(d->payload);
        d->payload = edit;
        txn_journal(txn, d, "plan reverse-diff %zu bytes", strlen(edit));
        return;
    }
    nst_free(edit);
    nst_free(conflicts);
    nst_free(d->payload);
    d->payload = NULL;
    if (payload_restore(d->rollback_before, d->rollback_payload, (d->caps & SESS_CAP_BASE11) != 0,
                        &d->payload)) {
        txn_step_fail_msg(txn, NST_TXN_PHASE_PREPARE, d, "plan", SESS_ERR_PROTOCOL,
                          "the saved snapshot or payload is not well-formed");
    }
}

/* The plan or a record it needs could not be written: abort, nothing was changed (the
 * first failure's message is kept). */
static void
txn_plan_unwritten(struct nst_txn *txn)
{
    pthread_mutex_lock(&txn->mu);
    if (!txn->abort_flag) {
        snprintf(txn->message, sizeof txn->message,
                 "cannot write the plan and snapshots to %s; nothing was changed",
                 store_location(txn->st));
    }
    txn->abort_flag = 1;
    pthread_mutex_unlock(&txn->mu);
}

/* @d's snapshot (with secret placeholders: no secret value ever reaches a state file) and
 * payload, written by its worker as soon as it is prepared (group-committed with the other
 * workers' records and journal lines). The plan, written once every device has them, is
 * what makes them a plan (txn_write_plan()); a transaction that stops before has none and
 * changed nothing. They were written by the coordinator, all at once between the last
 * snapshot and the first edit: 0.04 s for 50 routers, 0.15 to 0.3 s for 200 on the
 * critical path (docs/PERFORMANCE.md, round 5). */
static void
txn_put_dev_records(struct nst_txn *txn, struct txn_dev *d)
{
    char name[64], *safe = NULL;
    nst_err ret;

    ret = secret_placeholderize(d->before, &txn->secrets, &safe);
    if (!ret) {
        snprintf(name, sizeof name, "dev-%zu.before.xml", d->index);
        ret = store_txn_put(txn->t, name, safe);
        nst_free(safe);
    }
    if (!ret) {
        snprintf(name, sizeof name, "dev-%zu.payload.xml", d->index);
        ret = store_txn_put(txn->t, name, d->payload);
    }
    if (ret) {
        txn_plan_unwritten(txn);
    }
}

static void
txn_ph_prepare(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;

    d->lock_ds = txn_candidate_method(d) ? SESS_DS_CANDIDATE : SESS_DS_RUNNING;
    if (sess_lock(d->s, d->lock_ds, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_PREPARE, d, "lock", &err);
        return;
    }
    d->locked = 1;
    d->st = TS_LOCKED;
    txn_step_ok(txn, NST_TXN_PHASE_PREPARE, d, "lock");
    /* Edits somebody left in the candidate without a lock would be committed with
     * ours; start from running. */
    if (txn_candidate_method(d) && sess_discard(d->s, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_PREPARE, d, "discard-changes", &err);
        return;
    }
    if (txn_running(d, &d->before, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_PREPARE, d, "get-config", &err);
        return;
    }
    txn_step_ok(txn, NST_TXN_PHASE_PREPARE, d, "snapshot");
    if (d->rollback_before) {
        txn_rollback_plan(txn, d);
        if (d->failed) {
            return;
        }
    }
    txn_put_dev_records(txn, d);
}

/* Connect, then prepare unless anything anywhere failed meanwhile. */
static void
txn_ph_open(struct nst_txn *txn, struct txn_dev *d)
{
    txn_ph_connect(txn, d);
    if (d->st == TS_CONNECTED && !txn_aborting(txn)) {
        txn_ph_prepare(txn, d);
    }
}

/* @d's payload with secrets substituted, or NULL (failure recorded at @step). */
static char *
txn_payload_text(struct nst_txn *txn, enum nst_txn_phase phase, struct txn_dev *d, const char *step)
{
    char *text = NULL;

    if (secret_substitute(d->payload, &txn->secrets, &text)) {
        text = NULL;
    }
    if (!text) {
        txn_step_fail_msg(txn, phase, d, step, SESS_ERR_NOMEM,
                          "cannot build the payload (out of memory or unknown secret)");
    }
    return text;
}

static void
txn_ph_edit(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;
    char *text;
    nst_err ret;

    if (!txn_candidate_method(d)) {
        /* A running-only device is edited in the commit phase: editing it is committing. */
        return;
    }
    if (!*d->payload) {
        /* A rollback with nothing to undo on this device. */
        txn_step_ok(txn, NST_TXN_PHASE_PREPARE, d, "nothing-to-edit");
        return;
    }
    text = txn_payload_text(txn, NST_TXN_PHASE_PREPARE, d, "edit-config");
    if (!text) {
        return;
    }
    txn_journal(txn, d, "edit-config sent");
    d->st = TS_EDITED;
    ret = sess_edit_config(d->s, SESS_DS_CANDIDATE, SESS_DEFOP_MERGE,
                           (d->caps & SESS_CAP_ROLLBACK_ON_ERROR) ? SESS_ERROP_ROLLBACK
                                                                  : SESS_ERROP_DEFAULT,
                           text, &err);
    secret_wipe_free(text);
    if (ret) {
        txn_step_fail(txn, NST_TXN_PHASE_PREPARE, d, "edit-config", &err);
        return;
    }
    txn_step_ok(txn, NST_TXN_PHASE_PREPARE, d, "edit-config");
    if (d->validate) {
        if (sess_validate(d->s, SESS_DS_CANDIDATE, &err)) {
            txn_step_fail(txn, NST_TXN_PHASE_PREPARE, d, "validate", &err);
            return;
        }
        txn_step_ok(txn, NST_TXN_PHASE_PREPARE, d, "validate");
    }
}

static const char *
txn_commit_step(const struct txn_dev *d)
{
    switch (d->method) {
    case NST_TXN_METHOD_CONFIRMED:
        return "commit-confirmed";
    case NST_TXN_METHOD_RUNNING:
        return "edit-running";
    default:
        return "commit";
    }
}

static void
txn_ph_commit(struct nst_txn *txn, struct txn_dev *d)
{
    const char *step = txn_commit_step(d);
    struct sess_error err;
    char *text = NULL;
    nst_err ret;

    if (d->method == NST_TXN_METHOD_RUNNING && !*d->payload) {
        /* A rollback with nothing to undo on this device. */
        txn_step_ok(txn, NST_TXN_PHASE_COMMIT, d, "nothing-to-edit");
        return;
    }
    if (d->method == NST_TXN_METHOD_RUNNING) {
        text = txn_payload_text(txn, NST_TXN_PHASE_COMMIT, d, step);
        if (!text) {
            return;
        }
    }
    /* Durably before the RPC: from here on the change may be live. */
    if (txn_journal(txn, d, "%s sent", step)) {
        secret_wipe_free(text);
        txn_step_fail_msg(txn, NST_TXN_PHASE_COMMIT, d, step, SESS_ERR_CONFIG,
                          "cannot write the journal in the state directory");
        return;
    }
    d->st = TS_COMMIT_SENT;
    switch (d->method) {
    case NST_TXN_METHOD_CONFIRMED:
        ret = sess_commit(d->s, SESS_COMMIT_CONFIRMED, d->confirm_value,
                          d->persist ? txn->persist_id : NULL, NULL, &err);
        break;
    case NST_TXN_METHOD_RUNNING:
        ret = sess_edit_config(d->s, SESS_DS_RUNNING, SESS_DEFOP_MERGE,
                               (d->caps & SESS_CAP_ROLLBACK_ON_ERROR) ? SESS_ERROP_ROLLBACK
                                                                      : SESS_ERROP_DEFAULT,
                               text, &err);
        break;
    default:
        ret = sess_commit(d->s, 0, 0, NULL, NULL, &err);
        break;
    }
    secret_wipe_free(text);
    if (ret) {
        d->commit_rejected = err.kind == SESS_ERR_RPC;
        txn_step_fail(txn, NST_TXN_PHASE_COMMIT, d, step, &err);
        return;
    }
    d->st = TS_COMMITTED;
    txn_step_ok(txn, NST_TXN_PHASE_COMMIT, d, step);
}

/*
 * Zero the stack below the caller: the NETCONF and SSH libraries read a reply (here the
 * running configuration, which holds the device's keys) into stack buffers that nothing
 * overwrites when it is the last thing a thread does (tests/unit/labtest_secrets.c).
 */
static void __attribute__((noinline)) txn_stack_wipe(void)
{
    char buf[256 * 1024];

    explicit_bzero(buf, sizeof buf);
    __asm__ __volatile__("" : : "r"(buf) : "memory");
}

/* The confirming commit, then (every method) running as the change left it, for the
 * record txn_ph_finish() writes. Read here rather than in the finish pass: a device that
 * had nothing to confirm reads it while the others wait for their confirms, and the
 * others as soon as their own confirm is done, not after the slowest one. Best effort,
 * as the record is (txn_ph_finish()). */
static void
txn_ph_confirm(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;

    if (d->method == NST_TXN_METHOD_CONFIRMED) {
        txn_journal(txn, d, "confirm sent");
        d->st = TS_CONFIRM_SENT;
        if (sess_commit(d->s, 0, 0, NULL, d->persist ? txn->persist_id : NULL, &err)) {
            txn_step_fail(txn, NST_TXN_PHASE_CONFIRM, d, "confirm", &err);
            return;
        }
        d->st = TS_CONFIRMED;
        txn_step_ok(txn, NST_TXN_PHASE_CONFIRM, d, "confirm");
    }
    if (txn->t && txn_alive(d) && txn_running(d, &d->after, &err)) {
        d->after = NULL;
    }
    txn_stack_wipe();
}

/*
 * Recover: roll a pending confirmed commit forward with the persist id. A device whose
 * confirm the journal does not show as done may nevertheless have confirmed: the process
 * can die after the device answered and before the journal line was written (issue 15).
 * So when the confirm cannot be sent (1.0: no persist id, the pending commit would have
 * ended with the dead session) or is refused (no confirmed commit pending any more), read
 * the device: running that differs from the snapshot in the touched set, with no confirmed
 * commit pending, means the change is confirmed there; running equal to the snapshot means
 * it reverted, and rolling forward fails (the caller then undoes everything).
 */
static void
txn_ph_forward(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;
    int equal = 1;

    if (d->final_known || d->method != NST_TXN_METHOD_CONFIRMED || d->st >= TS_CONFIRMED) {
        return;
    }
    if (!txn_alive(d) && txn_connect(txn, d, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_RECOVER, d, "connect", &err);
        return;
    }
    if (d->persist) {
        txn_journal(txn, d, "confirm sent");
        d->st = TS_CONFIRM_SENT;
        if (!sess_commit(d->s, 0, 0, NULL, txn->persist_id, &err)) {
            d->st = TS_CONFIRMED;
            txn_step_ok(txn, NST_TXN_PHASE_RECOVER, d, "confirm");
            return;
        }
        if (err.kind != SESS_ERR_RPC) {
            txn_step_fail(txn, NST_TXN_PHASE_RECOVER, d, "confirm", &err);
            return;
        }
        /* Refused: nothing pending with our persist id. Confirmed before, or reverted? */
    }
    if (txn_verify(txn, d, &equal, &err)) {
        txn_step_fail(txn, NST_TXN_PHASE_RECOVER, d, "verify", &err);
        return;
    }
    if (equal) {
        txn_step_fail_msg(txn, NST_TXN_PHASE_RECOVER, d, "confirm", SESS_ERR_UNSUPPORTED,
                          d->persist ? "the confirmed commit is no longer pending and running "
                                       "is back at the snapshot: the device reverted"
                                     : "confirmed-commit 1.0 has no persist id and running is "
                                       "back at the snapshot: the pending commit ended with "
                                       "the session that issued it");
        return;
    }
    d->st = TS_CONFIRMED;
    txn_journal(txn, d, "confirm ok (found confirmed)");
    txn_step_ok(txn, NST_TXN_PHASE_RECOVER, d, "confirmed-before");
}

static void
txn_final(struct nst_txn *txn, struct txn_dev *d, enum nst_txn_dev_state s)
{
    d->report = s;
    txn_journal(txn, d, "final %s", nst_txn_dev_state_name(s));
}

/* Release the lock (after discarding candidate leftovers), close and free the session:
 * its libyang context is freed by the worker that is done with the device, not by the
 * coordinator for every device one after the other at the end (txn_end). */
static void
txn_release(struct nst_txn *txn, struct txn_dev *d, int discard)
{
    struct sess_error err;

    if (txn_alive(d) && d->locked) {
        if (discard && txn_candidate_method(d) && sess_discard(d->s, &err)) {
            txn_journal(txn, d, "discard-changes failed");
        }
        if (sess_unlock(d->s, d->lock_ds, &err)) {
            txn_journal(txn, d, "unlock failed");
        }
    }
    d->locked = 0;
    sess_free(d->s);
    d->s = NULL;
}

static void
txn_ph_finish(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;
    char *after = d->after, *safe = NULL, name[64];

    /* The configuration right after the change, for a later rollback's reverse diff
     * (revert.h): read by the confirm pass, else (recover) now. Best effort: without it
     * that rollback restores the old snapshot. */
    d->after = NULL;
    if (!after && txn->t && txn_alive(d) &&
        txn_running(d, &after, &err)) {
        after = NULL;
    }
    if (after && txn->t && !secret_placeholderize(after, &txn->secrets, &safe)) {
        snprintf(name, sizeof name, "dev-%zu.after.xml", d->index);
        if (store_txn_put(txn->t, name, safe)) {
            txn_journal(txn, d, "after not recorded");
        }
    }
    secret_wipe_free(after);
    nst_free(safe);
    txn_stack_wipe();
    txn_release(txn, d, 0);
    if (!d->final_known) {
        txn_final(txn, d, NST_TXN_DEV_COMMITTED);
    }
}

/* Undo one device, by how far it got; verify its running config against the snapshot. */
static void
txn_ph_undo(struct nst_txn *txn, struct txn_dev *d)
{
    struct sess_error err;
    int equal = 0, reverted = 0, restored = 0;

    if (d->final_known) {
        return;
    }
    if (d->st <= TS_CONNECTED) {
        txn_release(txn, d, 0);
        txn_final(txn, d, NST_TXN_DEV_UNTOUCHED);
        return;
    }
    if (d->st <= TS_EDITED) {
        /* Running was never touched; only the candidate may hold our edit. */
        enum nst_txn_dev_state s = NST_TXN_DEV_UNTOUCHED;

        if (txn_candidate_method(d) && d->st == TS_EDITED) {
            if (!txn_alive(d) && txn_connect(txn, d, &err)) {
                txn_undo_note(txn, d, "connect", &err);
            } else if (sess_discard(d->s, &err)) {
                txn_undo_note(txn, d, "discard-changes", &err);
            } else {
                txn_step_ok(txn, NST_TXN_PHASE_ABORT, d, "discard-changes");
                s = NST_TXN_DEV_DISCARDED;
            }
        }
        txn_release(txn, d, 0);
        txn_final(txn, d, s);
        return;
    }

    /* The change may be live. First undo what the device can undo by itself. */
    if (d->method == NST_TXN_METHOD_CONFIRMED && d->st < TS_CONFIRMED) {
        if (d->persist) {
            if (!txn_alive(d) && txn_connect(txn, d, &err)) {
                txn_undo_note(txn, d, "connect", &err);
                goto unknown;
            }
            if (sess_cancel_commit(d->s, txn->persist_id, &err)) {
                /* Nothing pending (the commit was rejected, or it expired): verify. */
                txn_journal(txn, d, "cancel-commit failed %s: %s", sess_err_kind_name(err.kind),
                            err.message);
            } else {
                reverted = 1;
                txn_step_ok(txn, NST_TXN_PHASE_ABORT, d, "cancel-commit");
            }
        } else {
            /* :confirmed-commit:1.0: the device reverts when the issuing session ends. */
            if (d->s) {
                sess_free(d->s);
                d->s = NULL;
                d->locked = 0;
                reverted = 1;
                txn_step_ok(txn, NST_TXN_PHASE_ABORT, d, "close-session");
            }
        }
    }
    if (!txn_alive(d) && txn_connect(txn, d, &err)) {
        txn_undo_note(txn, d, "connect", &err);
        goto unknown;
    }
    for (int i = 0; i < TXN_VERIFY_TRIES; i++) {
        if (txn_verify(txn, d, &equal, &err)) {
            txn_undo_note(txn, d, "verify", &err);
            goto unknown;
        }
        if (equal || !reverted) {
            break;
        }
        /* A revert may take effect a moment after the reply. */
        txn_sleep_ms(TXN_VERIFY_PAUSE_MS);
    }
    if (!equal) {
        if (txn_ensure_locked(txn, d, &err)) {
            txn_undo_note(txn, d, "lock", &err);
            goto unknown;
        }
        if (txn_restore(txn, d, &err)) {
            txn_undo_note(txn, d, "restore", &err);
            goto unknown;
        }
        restored = 1;
        txn_step_ok(txn, NST_TXN_PHASE_ABORT, d, "restore");
        if (txn_verify(txn, d, &equal, &err)) {
            txn_undo_note(txn, d, "verify", &err);
            goto unknown;
        }
        if (!equal) {
            memset(&err, 0, sizeof err);
            err.kind = SESS_ERR_PROTOCOL;
            snprintf(err.message, sizeof err.message,
                     "running configuration still differs from the snapshot after restore");
            txn_undo_note(txn, d, "verify", &err);
            goto unknown;
        }
    }
    txn_step_ok(txn, NST_TXN_PHASE_ABORT, d, "verify");
    txn_release(txn, d, 1);
    txn_final(txn, d,
              d->commit_rejected && !restored ? NST_TXN_DEV_DISCARDED : NST_TXN_DEV_RESTORED);
    return;

unknown:
    txn_release(txn, d, 1);
    txn_final(txn, d, NST_TXN_DEV_UNKNOWN);
}

/*
 * The plan file
 */

static char *
txn_plan_text(const struct nst_txn *txn)
{
    char *text, *tmp;

    text =
        nst_asprintf("netstitch-plan 1\ntxid %s\nkind %s\nrollback-of %s\npersist-id %s\n"
                     "confirm-timeout %u\ndevices %zu\n",
                     store_txn_id(txn->t), txn->kind, txn->rollback_of[0] ? txn->rollback_of : "-",
                     txn->persist_id, (unsigned)txn->confirm_timeout, txn->ndevs);
    for (size_t i = 0; text && i < txn->ndevs; i++) {
        const struct txn_dev *d = &txn->devs[i];

        tmp = nst_asprintf("%sdevice %zu %s %d %u %u %s %s\n", text, i,
                           nst_txn_method_name(d->method), d->persist, (unsigned)d->confirm_value,
                           (unsigned)d->inv->port, d->inv->address, d->name);
        nst_free(text);
        text = tmp;
    }
    return text;
}

/* The plan, once every device's snapshot and payload are written (txn_put_dev_records()):
 * its presence means all the rest is there. */
static nst_err
txn_write_plan(struct nst_txn *txn)
{
    char *plan = txn_plan_text(txn);
    nst_err ret;

    if (!plan) {
        return NST_ENOMEM;
    }
    ret = store_txn_put(txn->t, "plan", plan);
    nst_free(plan);
    return ret;
}

/* What a plan file says about one device. */
struct txn_plan_dev {
    size_t index;
    enum nst_txn_method method;
    int persist;
    unsigned confirm_value;
    unsigned port;
    char address[256];
    char name[256];
};

struct txn_plan {
    char kind[32];
    char rollback_of[40];
    char persist_id[64];
    unsigned confirm_timeout;
    struct txn_plan_dev *devs;
    size_t ndevs;
};

static nst_err
txn_plan_parse(const char *text, struct txn_plan *p)
{
    const char *line = text;
    size_t n = 0;

    memset(p, 0, sizeof *p);
    if (strncmp(text, "netstitch-plan 1\n", 17)) {
        return NST_EINPUT;
    }
    for (const char *c = text; (c = strstr(c, "\ndevice ")); c++) {
        n++;
    }
    p->devs = nst_calloc(n ? n : 1, sizeof *p->devs);
    if (!p->devs) {
        return NST_ENOMEM;
    }
    while (line && *line) {
        const char *end = strchr(line, '\n');
        char buf[1024];
        size_t len = end ? (size_t)(end - line) : strlen(line);

        if (len >= sizeof buf) {
            len = sizeof buf - 1;
        }
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (!strncmp(buf, "kind ", 5)) {
            txn_copy(p->kind, sizeof p->kind, buf + 5);
        } else if (!strncmp(buf, "rollback-of ", 12)) {
            txn_copy(p->rollback_of, sizeof p->rollback_of, buf + 12);
        } else if (!strncmp(buf, "persist-id ", 11)) {
            txn_copy(p->persist_id, sizeof p->persist_id, buf + 11);
        } else if (!strncmp(buf, "confirm-timeout ", 16)) {
            p->confirm_timeout = (unsigned)strtoul(buf + 16, NULL, 10);
        } else if (!strncmp(buf, "device ", 7) && p->ndevs < n) {
            struct txn_plan_dev *d = &p->devs[p->ndevs];
            char method[32];
            int off = 0;

            if (sscanf(buf + 7, "%zu %31s %d %u %u %255s %n", &d->index, method, &d->persist,
                       &d->confirm_value, &d->port, d->address, &off) < 6 ||
                !off || d->index != p->ndevs) {
                nst_free(p->devs);
                p->devs = NULL;
                return NST_EINPUT;
            }
            d->method = txn_method_parse(method);
            snprintf(d->name, sizeof d->name, "%s", buf + 7 + off);
            p->ndevs++;
        }
        line = end ? end + 1 : NULL;
    }
    return NST_OK;
}

/* What the journal says: per device progress, the last decision, the outcome. */
struct txn_journal_view {
    char window[16]; /* "open", "confirmed", "cancelled", "expired", "" */
    char gate[16];   /* "start", "passed", "failed", "interrupted", "": no gate */
    char decision[16];
    char outcome[32];
    char kind[32];
    size_t nplanned;
};

static enum nst_txn_dev_state
txn_state_parse(const char *s, int *ok)
{
    static const enum nst_txn_dev_state all[] = {
        NST_TXN_DEV_UNTOUCHED, NST_TXN_DEV_PREPARED, NST_TXN_DEV_COMMITTED,
        NST_TXN_DEV_DISCARDED, NST_TXN_DEV_RESTORED, NST_TXN_DEV_UNKNOWN,
    };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!strcmp(s, nst_txn_dev_state_name(all[i]))) {
            *ok = 1;
            return all[i];
        }
    }
    *ok = 0;
    return NST_TXN_DEV_UNKNOWN;
}

/* Read the journal; with @devs, fold each device's lines into its state. Only complete
 * lines count: a crash may leave a torn last one. */
static void
txn_journal_read(const char *text, struct txn_journal_view *v, struct txn_dev *devs, size_t ndevs)
{
    const char *line = text;

    memset(v, 0, sizeof *v);
    while (line && *line) {
        const char *end = strchr(line, '\n');
        char buf[512], a[64] = "", b[64] = "", c[64] = "";
        size_t len, idx;

        if (!end) {
            break;
        }
        len = (size_t)(end - line) < sizeof buf - 1 ? (size_t)(end - line) : sizeof buf - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = end + 1;
        if (sscanf(buf, "%*s txn %63s %63s", a, b) >= 1) {
            if (!strcmp(a, "decision")) {
                txn_copy(v->decision, sizeof v->decision, b);
            } else if (!strcmp(a, "window")) {
                txn_copy(v->window, sizeof v->window, b);
            } else if (!strcmp(a, "gate") && (!strcmp(b, "start") || !strcmp(b, "passed") ||
                                              !strcmp(b, "failed") || !strcmp(b, "interrupted"))) {
                txn_copy(v->gate, sizeof v->gate, b);
            } else if (!strcmp(a, "outcome")) {
                txn_copy(v->outcome, sizeof v->outcome, b);
            } else if (!strcmp(a, "start") && !strncmp(b, "kind=", 5)) {
                txn_copy(v->kind, sizeof v->kind, b + 5);
            } else if (!strcmp(a, "planned")) {
                v->nplanned++;
            }
            continue;
        }
        if (sscanf(buf, "%*s dev %zu %63s %63s %63s", &idx, a, b, c) < 3 || !devs || idx >= ndevs) {
            continue;
        }
        {
            struct txn_dev *d = &devs[idx];
            enum txn_state s = d->st;
            int sent = !strcmp(b, "sent"), ok = !strcmp(b, "ok");

            if (!strcmp(a, "lock") && ok) {
                s = TS_LOCKED;
            } else if (!strcmp(a, "edit-config") && (sent || ok)) {
                s = TS_EDITED;
            } else if ((!strcmp(a, "commit") || !strcmp(a, "commit-confirmed") ||
                        !strcmp(a, "edit-running")) &&
                       (sent || ok)) {
                s = ok ? TS_COMMITTED : TS_COMMIT_SENT;
            } else if (!strcmp(a, "confirm") && (sent || ok)) {
                s = ok ? TS_CONFIRMED : TS_CONFIRM_SENT;
            } else if (!strcmp(a, "final")) {
                int known;
                enum nst_txn_dev_state f = txn_state_parse(b, &known);

                d->report = f;
                d->final_known = known && f != NST_TXN_DEV_UNKNOWN;
            }
            if (s > d->st) {
                d->st = s;
            }
        }
    }
}

/*
 * Begin and end
 */

static nst_err
txn_open_state(struct nst_txn *txn)
{
    char why[600];
    nst_err ret;

    if (txn->st) {
        return NST_OK;
    }
    ret = store_open(txn->state_dir, &txn->st, why, sizeof why);
    if (ret) {
        txn_diag(txn, DIAG_STATE_OPEN, NULL, why);
        return ret;
    }
    snprintf(txn->known_hosts, sizeof txn->known_hosts, "%s/known_hosts", store_dir(txn->st));
    return NST_OK;
}

static nst_err
txn_open_log(struct nst_txn *txn)
{
    char path[4200];
    int fd;

    /* Session warnings go to a plain file: STATE/logs/<TXID>.log. */
    snprintf(path, sizeof path, "%s/logs", store_dir(txn->st));
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/logs/%s.log", store_dir(txn->st), store_txn_id(txn->t));
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0) {
        return NST_EIO;
    }
    txn->log = fdopen(fd, "a");
    if (!txn->log) {
        close(fd);
        return NST_EIO;
    }
    return NST_OK;
}

/* Device locks of every device of the transaction. */
static nst_err
txn_lock_devices(struct nst_txn *txn)
{
    char **keys, **labels;
    char why[600], owner[128];
    nst_err ret = NST_OK;

    keys = nst_calloc(txn->ndevs ? txn->ndevs : 1, sizeof *keys);
    labels = nst_calloc(txn->ndevs ? txn->ndevs : 1, sizeof *labels);
    if (!keys || !labels) {
        nst_free(keys);
        nst_free(labels);
        return NST_ENOMEM;
    }
    for (size_t i = 0; i < txn->ndevs && !ret; i++) {
        const struct inv_device *v = txn->devs[i].inv;

        /* One lock per address and port, whatever the inventory calls the device. */
        keys[i] = nst_asprintf("%s:%u", v->address, (unsigned)v->port);
        labels[i] = nst_asprintf("%s (%s:%u)", v->name, v->address, (unsigned)v->port);
        if (!keys[i] || !labels[i]) {
            ret = NST_ENOMEM;
        }
    }
    snprintf(owner, sizeof owner, "pid %ld, transaction %s\n", (long)getpid(),
             store_txn_id(txn->t));
    if (!ret) {
        ret = store_lock_devices(txn->st, (const char *const *)keys, (const char *const *)labels,
                                 txn->ndevs, owner, &txn->locks, why, sizeof why);
        if (ret) {
            txn_diag(txn, ret == NST_EBUSY ? DIAG_TXN_DEVICE_BUSY : DIAG_STATE_WRITE, NULL, why);
        }
    }
    for (size_t i = 0; i < txn->ndevs; i++) {
        nst_free(keys[i]);
        nst_free(labels[i]);
    }
    nst_free(keys);
    nst_free(labels);
    return ret;
}

static nst_err txn_read_journal(struct store_txn *t, struct txn_journal_view *v,
                                struct txn_dev *devs, size_t ndevs);

/*
 * Refuse to touch a device that an interrupted transaction (no outcome, no live process)
 * may have left changed: its snapshot would capture the half-done state, and recovering
 * the old transaction later would undo the new one. `recover` comes first.
 */
static nst_err
txn_check_interrupted(struct nst_txn *txn)
{
    char **ids = NULL;
    size_t n = 0;
    nst_err ret = NST_OK;

    /* Only transactions without an outcome in their history row can lack one in their
     * journal (store.h): a push reads those journals, not the whole history's. */
    if (store_txn_list_unfinished(txn->st, &ids, &n)) {
        return NST_OK;
    }
    for (size_t i = 0; i < n && !ret; i++) {
        struct txn_plan plan = {0};
        struct txn_journal_view v;
        struct store_txn *t = NULL;
        char *text = NULL;
        int busy = 0;

        /* A busy transaction belongs to a live process, which holds its device locks. */
        if (!strcmp(ids[i], store_txn_id(txn->t)) || store_txn_open(txn->st, ids[i], &t, &busy)) {
            continue;
        }
        if (!txn_read_journal(t, &v, NULL, 0) && !v.outcome[0] &&
            !store_txn_get(t, "plan", &text) && !txn_plan_parse(text, &plan)) {
            for (size_t k = 0; k < plan.ndevs && !ret; k++) {
                for (size_t j = 0; j < txn->ndevs && !ret; j++) {
                    const struct inv_device *d = txn->devs[j].inv;

                    if (plan.devs[k].port == d->port && !strcmp(plan.devs[k].address, d->address)) {
                        txn_diag(txn, DIAG_TXN_INTERRUPTED, txn->devs[j].name, txn->devs[j].name,
                                 ids[i], ids[i]);
                        ret = NST_EBUSY;
                    }
                }
            }
        }
        nst_free(text);
        nst_free(plan.devs);
        store_txn_close(t);
    }
    store_list_free(ids);
    return ret;
}

/* The history row's device list: "a,b,c". */
static nst_err
txn_note_devices(struct nst_txn *txn)
{
    char *list = nst_strdup(""), *tmp;
    nst_err ret;

    for (size_t i = 0; list && i < txn->ndevs; i++) {
        tmp = nst_asprintf("%s%s%s", list, i ? "," : "", txn->devs[i].name);
        nst_free(list);
        list = tmp;
    }
    if (!list) {
        return NST_ENOMEM;
    }
    ret = store_txn_note(txn->t, list, NULL);
    nst_free(list);
    return ret;
}

/* State store, secrets, a new transaction record, device locks, journal, log. */
static nst_err
txn_begin(struct nst_txn *txn)
{
    nst_err ret;

    ret = txn_secrets_resolve(txn);
    if (ret) {
        return ret;
    }
    ret = txn_open_state(txn);
    if (ret) {
        return ret;
    }
    ret = store_txn_create(txn->st, txn->kind, txn->service[0] ? txn->service : NULL, txn->comment,
                           txn->rollback_of[0] ? txn->rollback_of : NULL, &txn->t);
    if (ret) {
        char why[600];

        snprintf(why, sizeof why, "cannot create a transaction in %s", store_location(txn->st));
        txn_diag(txn, DIAG_STATE_WRITE, NULL, why);
        return ret;
    }
    snprintf(txn->persist_id, sizeof txn->persist_id, "netstitch-%s", store_txn_id(txn->t));
    if (txn_note_devices(txn) || txn_open_log(txn)) {
        char why[600];

        snprintf(why, sizeof why, "cannot write the journal in %s", store_location(txn->st));
        txn_diag(txn, DIAG_STATE_WRITE, NULL, why);
        return NST_EIO;
    }
    txn_journal(txn, NULL, "start kind=%s pid=%ld devices=%zu%s%s", txn->kind, (long)getpid(),
                txn->ndevs, txn->rollback_of[0] ? " rollback-of=" : "", txn->rollback_of);
    ret = txn_lock_devices(txn);
    if (!ret) {
        ret = txn_check_interrupted(txn);
    }
    if (ret) {
        txn_journal(txn, NULL, "outcome not-run (%s)", ret == NST_EBUSY ? "busy" : "lock error");
        return ret;
    }
    return NST_OK;
}

/* Close every session, release device locks, wipe secrets. */
static void
txn_end(struct nst_txn *txn)
{
    for (size_t i = 0; i < txn->ndevs; i++) {
        sess_free(txn->devs[i].s);
        txn->devs[i].s = NULL;
        txn->devs[i].locked = 0;
    }
    store_unlock(txn->locks);
    txn->locks = NULL;
    secret_set_clear(&txn->secrets);
    if (txn->log) {
        fclose(txn->log);
        txn->log = NULL;
    }
}

static int
txn_all_clean(const struct nst_txn *txn)
{
    for (size_t i = 0; i < txn->ndevs; i++) {
        switch (txn->devs[i].report) {
        case NST_TXN_DEV_UNTOUCHED:
        case NST_TXN_DEV_DISCARDED:
        case NST_TXN_DEV_RESTORED:
            break;
        default:
            return 0;
        }
    }
    return 1;
}

/* Undo everywhere and set the outcome. */
static nst_err
txn_abort(struct nst_txn *txn, int dry)
{
    txn_journal(txn, NULL, "decision abort");
    txn_progress(txn, NST_TXN_PHASE_ABORT, NULL, NULL, NULL);
    txn_for_each(txn, txn_ph_undo, 0);
    if (txn_all_clean(txn)) {
        txn->outcome = dry ? NST_TXN_DRY_RUN_OK : NST_TXN_ABORTED;
        txn_journal(txn, NULL, "outcome %s", nst_txn_outcome_name(txn->outcome));
    } else {
        /* No outcome line: `recover` will pick the transaction up. */
        txn->outcome = NST_TXN_INCOMPLETE;
        txn_journal(txn, NULL, "incomplete");
        if (!txn->message[0]) {
            snprintf(txn->message, sizeof txn->message, "some device could not be restored");
        }
    }
    txn_progress(txn, NST_TXN_PHASE_DONE, NULL, NULL, NULL);
    return dry && txn->outcome == NST_TXN_DRY_RUN_OK ? NST_OK : NST_EENV;
}

/* A step of the gate (health.h): journaled on the device ("dev N gate-STEP RESULT
 * [REASON]") and told to the progress callback (phase health, step STEP). */
static void
txn_gate_step(const char *dev, const char *step, const char *result, const char *detail, void *user)
{
    struct nst_txn *txn = user;
    struct txn_dev *d = NULL;

    for (size_t i = 0; i < txn->ndevs && !d; i++) {
        if (!strcmp(txn->devs[i].name, dev)) {
            d = &txn->devs[i];
        }
    }
    if (!d) {
        /* A device the service reads but this push does not change. */
        txn_journal(txn, NULL, "gate %s %s %s%s%s", dev, step, result, *detail ? " " : "", detail);
        return;
    }
    txn_journal(txn, d, "gate-%s %s%s%s", step, result, *detail ? " " : "", detail);
    txn_progress(txn, NST_TXN_PHASE_HEALTH, d, step, result);
}

/* The gate's verdict, journaled ("gate passed|failed"), then told per device (phase
 * health, step "gate"): the last point before the decision. */
static void
txn_gate_verdict(struct nst_txn *txn, int passed)
{
    txn_journal(txn, NULL, "gate %s", passed ? "passed" : "failed");
    for (size_t i = 0; i < txn->ndevs; i++) {
        txn_progress(txn, NST_TXN_PHASE_HEALTH, &txn->devs[i], "gate",
                     passed ? "passed" : "failed");
    }
}

/*
 * The health gate (health.c, docs/push.md): every device holds the confirmed commit; poll
 * the service's BGP sessions until they are healthy or the deadline passes. Journaled:
 * "gate start", each device's steps (txn_gate_step: its first state read and every change
 * of its result, its sessions all healthy, a flap), then "gate passed" or "gate failed".
 * A kill anywhere in the gate, even after its verdict, leaves no decision, so recover
 * undoes everything and records the gate's outcome (passed, failed, or "interrupted");
 * a failed gate is followed by "decision abort". Returns 1 when the push must be undone.
 */
static int
txn_gate(struct nst_txn *txn)
{
    char why[1024], cache[4096];
    nst_err rc;

    if (txn_journal(txn, NULL, "gate start")) {
        pthread_mutex_lock(&txn->mu);
        txn->abort_flag = 1;
        snprintf(txn->message, sizeof txn->message, "cannot write the journal in %s",
                 store_location(txn->st));
        pthread_mutex_unlock(&txn->mu);
        return 1;
    }
    txn_progress(txn, NST_TXN_PHASE_HEALTH, NULL, NULL, NULL);
    snprintf(cache, sizeof cache, "%s/schema-cache", store_dir(txn->st));
    health_set_step_cb(txn->health, txn_gate_step, txn);
    rc = health_gate(txn->health, txn->known_hosts, cache, why, sizeof why);
    health_set_step_cb(txn->health, NULL, NULL);
    health_close(txn->health);
    txn_scrub(txn, why, sizeof why);
    if (!rc) {
        snprintf(txn->health_report, sizeof txn->health_report, "passed");
        txn_gate_verdict(txn, 1);
        return 0;
    }
    snprintf(txn->health_report, sizeof txn->health_report, "failed: %s", why);
    txn_gate_verdict(txn, 0);
    pthread_mutex_lock(&txn->mu);
    txn->abort_flag = 1;
    snprintf(txn->message, sizeof txn->message, "health gate: %s", why);
    pthread_mutex_unlock(&txn->mu);
    return 1;
}

/*
 * The confirm window (push --confirm-window, docs/push.md): every device holds the
 * confirmed commit (and the gate, if any, passed). Journal "window open", tell the caller
 * (the CLI detaches then), and wait for `netstitch confirm` or `cancel` (the record
 * "window" of the transaction in the state store) or the end of the window, keeping every session
 * open. Returns 1 when the push must be undone (cancelled, expired, a session lost).
 */
static int
txn_window(struct nst_txn *txn)
{
    struct timespec t0, now, ts = {0, 200 * 1000 * 1000};
    char *word = NULL;

    if (txn_journal(txn, NULL, "window open %u", (unsigned)txn->window_s)) {
        pthread_mutex_lock(&txn->mu);
        txn->abort_flag = 1;
        snprintf(txn->message, sizeof txn->message, "cannot write the journal in %s",
                 store_location(txn->st));
        pthread_mutex_unlock(&txn->mu);
        return 1;
    }
    if (txn->window_cb) {
        txn->window_cb(txn, txn->window_user);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        const char *why = NULL;

        /* `netstitch confirm` or `cancel` writes the record "window" (store_txn_signal). */
        if (!store_txn_get(txn->t, "window", &word)) {
            int confirm = !strncmp(word, "confirm", 7);

            nst_free(word);
            word = NULL;
            if (confirm) {
                txn_journal(txn, NULL, "window confirmed");
                return 0;
            }
            txn_journal(txn, NULL, "window cancelled");
            why = "cancelled by `netstitch cancel`";
        }
        for (size_t i = 0; !why && i < txn->ndevs; i++) {
            if (!txn_alive(&txn->devs[i])) {
                why = "a device's session ended during the confirm window";
                txn_journal(txn, &txn->devs[i], "window session-lost");
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!why && now.tv_sec - t0.tv_sec >= (time_t)txn->window_s) {
            txn_journal(txn, NULL, "window expired");
            why = "the confirm window ended without `netstitch confirm`";
        }
        if (why) {
            pthread_mutex_lock(&txn->mu);
            txn->abort_flag = 1;
            snprintf(txn->message, sizeof txn->message, "%s", why);
            pthread_mutex_unlock(&txn->mu);
            return 1;
        }
        nanosleep(&ts, NULL);
    }
}

/*
 * The gate before the decision to confirm: runs on the coordinator after every device's
 * commit step succeeded (confirmed devices hold a pending confirmed commit, the others are
 * committed), before "decision confirm" is journaled. Whatever fails here (recorded with
 * txn_step_fail*(), which raises the abort flag) makes the transaction abort and undo
 * everywhere; a crash here is undone by recover, as no decision exists yet. Checks that
 * need the network as changed (post-change verification, a health gate) belong here.
 *
 * Today: every session must still be alive; a session that died after its commit is far
 * likelier to fail the confirm, and a half-confirmed network is the one state the
 * transaction must not leave behind.
 */
static void
txn_gate_before_confirm(struct nst_txn *txn)
{
    for (size_t i = 0; i < txn->ndevs; i++) {
        if (!txn_alive(&txn->devs[i])) {
            txn_step_fail_msg(txn, NST_TXN_PHASE_CONFIRM, &txn->devs[i], "confirm",
                              SESS_ERR_DROPPED, "the session ended before the confirm");
        }
    }
}

/* Push and rollback: every phase. */
static nst_err
txn_run(struct nst_txn *txn)
{
    int dry = (txn->flags & NST_TXN_DRY_RUN) != 0;
    nst_err ret;

    if (!txn->confirm_timeout) {
        uint32_t m = 0;

        for (size_t i = 0; i < txn->ndevs; i++) {
            if (txn->devs[i].inv->commit_s > m) {
                m = txn->devs[i].inv->commit_s;
            }
        }
        /* The health gate runs while the confirmed commit is pending: its deadline must
         * end well before any device rolls back by itself. */
        txn->confirm_timeout = m + TXN_CONFIRM_MARGIN_S + txn->window_s +
                               (txn->health ? nst_health_deadline_ms(txn->health) / 1000 : 0);
    }
    /* Connect and prepare run as one pass per device: a device is locked and its snapshot
     * taken as soon as it is connected, while the others are still connecting. Waiting for
     * every connect first bought nothing (a device that cannot be reached aborts the
     * transaction either way, and the devices already locked are unlocked untouched) and
     * cost a whole round of RPC latency after the slowest connect (docs/PERFORMANCE.md,
     * round 5). The progress log keeps its two headers: "prepare" when every device is
     * open, before the edits. */
    txn_progress(txn, NST_TXN_PHASE_CONNECT, NULL, NULL, NULL);
    txn_for_each(txn, txn_ph_open, 1);
    if (txn_aborting(txn)) {
        return txn_abort(txn, 0);
    }
    txn_progress(txn, NST_TXN_PHASE_PREPARE, NULL, NULL, NULL);
    ret = txn_write_plan(txn);
    if (ret || txn_journal(txn, NULL, "planned")) {
        txn_plan_unwritten(txn); /* no failure before: every worker is joined */
        return txn_abort(txn, 0);
    }
    txn_for_each(txn, txn_ph_edit, 1);
    if (txn_aborting(txn)) {
        return txn_abort(txn, 0);
    }
    if (dry) {
        return txn_abort(txn, 1);
    }
    txn_progress(txn, NST_TXN_PHASE_COMMIT, NULL, NULL, NULL);
    txn_for_each(txn, txn_ph_commit, 1);
    if (txn_aborting(txn)) {
        return txn_abort(txn, 0);
    }
    /* The gate: every device now holds the change (confirmed commits pending), nothing is
     * decided yet. A failure recorded here aborts like any other. */
    txn_gate_before_confirm(txn);
    if (txn_aborting(txn)) {
        return txn_abort(txn, 0);
    }
    if (txn->health && txn_gate(txn)) {
        return txn_abort(txn, 0);
    }
    if (txn->window_s && txn_window(txn)) {
        return txn_abort(txn, 0);
    }
    if (txn_journal(txn, NULL, "decision confirm")) {
        pthread_mutex_lock(&txn->mu);
        txn->abort_flag = 1;
        snprintf(txn->message, sizeof txn->message, "cannot write the journal in %s",
                 store_location(txn->st));
        pthread_mutex_unlock(&txn->mu);
        return txn_abort(txn, 0);
    }
    txn_progress(txn, NST_TXN_PHASE_CONFIRM, NULL, NULL, NULL);
    txn_for_each(txn, txn_ph_confirm, 0);
    if (txn_aborting(txn)) {
        return txn_abort(txn, 0);
    }
    txn_for_each(txn, txn_ph_finish, 0);
    txn->outcome = NST_TXN_COMMITTED;
    txn_journal(txn, NULL, "outcome committed");
    txn_progress(txn, NST_TXN_PHASE_DONE, NULL, NULL, NULL);
    return NST_OK;
}

/*
 * Public: lifetime, options, payloads
 */

NST_API nst_err
nst_txn_new(struct nst_ctx *ctx, const struct nst_inventory *inv, struct nst_txn **out)
{
    struct nst_txn *txn;

    if (!ctx || !inv || !out) {
        return NST_EINVAL;
    }
    txn = nst_calloc(1, sizeof *txn);
    if (!txn) {
        return NST_ENOMEM;
    }
    if (pthread_mutex_init(&txn->mu, NULL) || pthread_mutex_init(&txn->models_mu, NULL)) {
        nst_free(txn);
        return NST_ENOMEM;
    }
    /* libxml2 must be initialised before threads use it. */
    xmlInitParser();
    txn->ctx = ctx;
    txn->inv = inv;
    txn->jobs = 0; /* jobs_count(): every device, within the process's limits */
    snprintf(txn->kind, sizeof txn->kind, "push");
    *out = txn;
    return NST_OK;
}

NST_API void
nst_txn_free(struct nst_txn *txn)
{
    if (!txn) {
        return;
    }
    txn_end(txn);
    for (size_t i = 0; i < txn->ndevs; i++) {
        struct txn_dev *d = &txn->devs[i];

        nst_free(d->name);
        nst_free(d->payload);
        nst_free(d->rollback_before);
        nst_free(d->rollback_payload);
        nst_free(d->rollback_after);
        nst_free(d->rollback_now);
        nst_free(d->rollback_rev);
        secret_wipe_free(d->before);
        secret_wipe_free(d->after);
    }
    nst_free(txn->devs);
    store_txn_close(txn->t);
    store_txn_close(txn->past);
    store_close(txn->st);
    render_free(txn->models);
    pthread_mutex_destroy(&txn->models_mu);
    nst_free(txn->comment);
    nst_free(txn->state_dir);
    pthread_mutex_destroy(&txn->mu);
    nst_free(txn);
}

NST_API nst_err
nst_txn_set_state_dir(struct nst_txn *txn, const char *dir)
{
    char *copy = NULL;

    if (!txn || txn->ran) {
        return NST_EINVAL;
    }
    if (dir && !(copy = nst_strdup(dir))) {
        return NST_ENOMEM;
    }
    nst_free(txn->state_dir);
    txn->state_dir = copy;
    return NST_OK;
}

NST_API nst_err
nst_txn_set_note(struct nst_txn *txn, enum nst_txn_note what, const char *value)
{
    char *copy = NULL;

    if (!txn || txn->ran) {
        return NST_EINVAL;
    }
    switch (what) {
    case NST_TXN_NOTE_SERVICE:
        if (value && strlen(value) >= sizeof txn->service) {
            return NST_EINVAL;
        }
        snprintf(txn->service, sizeof txn->service, "%s", value ? value : "");
        return NST_OK;
    case NST_TXN_NOTE_COMMENT:
        if (value && !(copy = nst_strdup(value))) {
            return NST_ENOMEM;
        }
        nst_free(txn->comment);
        txn->comment = copy;
        return NST_OK;
    case NST_TXN_NOTE_DELETE:
        snprintf(txn->kind, sizeof txn->kind, "%s", value ? "delete" : "push");
        return NST_OK;
    }
    return NST_EINVAL;
}

NST_API void
nst_txn_set_jobs(struct nst_txn *txn, unsigned jobs)
{
    if (txn) {
        txn->jobs = jobs > JOBS_MAX ? JOBS_MAX : jobs;
    }
}

NST_API void
nst_txn_set_confirm_timeout(struct nst_txn *txn, uint32_t seconds)
{
    if (txn) {
        txn->confirm_timeout = seconds;
    }
}

NST_API void
nst_txn_set_flags(struct nst_txn *txn, unsigned flags)
{
    if (txn) {
        txn->flags = flags;
    }
}

NST_API nst_err
nst_txn_set_health(struct nst_txn *txn, struct nst_health *h)
{
    if (!txn || txn->ran) {
        return NST_EINVAL;
    }
    txn->health = h;
    return NST_OK;
}

NST_API void
nst_txn_set_confirm_window(struct nst_txn *txn, uint32_t seconds, nst_txn_window_cb cb, void *user)
{
    if (txn && !txn->ran) {
        txn->window_s = seconds;
        txn->window_cb = cb;
        txn->window_user = user;
    }
}

NST_API nst_err
nst_txn_window_decide(struct nst_txn *txn, const char *txid, int confirm, uint32_t wait_s)
{
    struct txn_journal_view v;
    struct store_txn *t = NULL;
    char *text = NULL;
    int busy = 0;
    nst_err ret;

    if (!txn || !txid || txn->ran) {
        return NST_EINVAL;
    }
    txn->ran = 1;
    snprintf(txn->kind, sizeof txn->kind, "%s", confirm ? "confirm" : "cancel");
    ret = txn_open_state(txn);
    if (ret) {
        return ret;
    }
    if (!store_txid_valid(txid)) {
        txn_diag(txn, DIAG_TXN_BAD_ID, NULL, txid);
        return NST_EINVAL;
    }
    snprintf(txn->rollback_of, sizeof txn->rollback_of, "%s", txid);
    /* The process holding the window holds the transaction's lock: taking it means
     * nobody does any more. */
    ret = store_txn_open(txn->st, txid, &t, &busy);
    if (ret == NST_EIO || ret == NST_EINVAL) {
        txn_diag(txn, DIAG_TXN_UNKNOWN, NULL, txid, store_location(txn->st));
        return NST_EINVAL;
    }
    if (!ret) {
        ret = txn_read_journal(t, &v, NULL, 0);
        store_txn_close(t);
        if (ret) {
            return ret;
        }
        if (v.outcome[0] || strcmp(v.window, "open")) {
            snprintf(txn->message, sizeof txn->message,
                     v.outcome[0] ? "transaction %s already finished: %s"
                                  : "transaction %s has no confirm window open",
                     txid, v.outcome);
            return NST_EINVAL;
        }
        snprintf(txn->message, sizeof txn->message,
                 "no netstitch process holds the confirm window of %s any more (it was killed); "
                 "run `netstitch recover %s`, which undoes it",
                 txid, txid);
        txn->outcome = NST_TXN_INCOMPLETE;
        return NST_EENV;
    }
    /* Busy: the holder runs it. Its window must be open. */
    ret = store_journal_peek(txn->st, txid, &text);
    if (ret) {
        return ret;
    }
    txn_journal_read(text, &v, NULL, 0);
    nst_free(text);
    if (v.outcome[0] || strcmp(v.window, "open")) {
        snprintf(txn->message, sizeof txn->message,
                 v.outcome[0] ? "transaction %s already finished: %s"
                              : "transaction %s has no confirm window open",
                 txid, v.outcome);
        return NST_EINVAL;
    }
    ret = store_txn_signal(txn->st, txid, "window", confirm ? "confirm\n" : "cancel\n");
    if (ret) {
        snprintf(txn->message, sizeof txn->message, "cannot write the window record of %s", txid);
        return ret;
    }
    /* Wait until the holder has finished (it releases the lock), then read its outcome. */
    for (uint32_t ms = 0;; ms += 100) {
        struct timespec ts = {0, 100 * 1000 * 1000};

        busy = 0;
        if (!store_txn_open(txn->st, txid, &t, &busy)) {
            break;
        }
        if (!busy || ms / 1000 >= wait_s) {
            snprintf(txn->message, sizeof txn->message,
                     "the process holding %s did not finish within %u s", txid, (unsigned)wait_s);
            txn->outcome = NST_TXN_INCOMPLETE;
            return NST_EENV;
        }
        nanosleep(&ts, NULL);
    }
    ret = txn_read_journal(t, &v, NULL, 0);
    store_txn_close(t);
    if (ret) {
        return ret;
    }
    if (!strcmp(v.outcome, nst_txn_outcome_name(NST_TXN_COMMITTED))) {
        txn->outcome = NST_TXN_COMMITTED;
    } else if (!strcmp(v.outcome, nst_txn_outcome_name(NST_TXN_ABORTED))) {
        txn->outcome = NST_TXN_ABORTED;
    } else {
        txn->outcome = NST_TXN_INCOMPLETE;
        snprintf(txn->message, sizeof txn->message,
                 "transaction %s ended without an outcome: run `netstitch recover %s`", txid, txid);
    }
    return NST_OK;
}

NST_API const char *
nst_txn_health_report(const struct nst_txn *txn)
{
    return txn ? txn->health_report : txn_empty;
}

NST_API const struct nst_health *
nst_txn_health(const struct nst_txn *txn)
{
    return txn && txn->health_report[0] ? txn->health : NULL;
}

NST_API void
nst_txn_set_progress_cb(struct nst_txn *txn, nst_txn_progress_cb cb, void *user)
{
    if (txn) {
        txn->cb = cb;
        txn->cb_user = user;
    }
}

/* Append an empty device entry for inventory device @inv. */
static struct txn_dev *
txn_dev_add(struct nst_txn *txn, const struct inv_device *inv)
{
    struct txn_dev *n = nst_realloc(txn->devs, (txn->ndevs + 1) * sizeof *n);

    if (!n) {
        return NULL;
    }
    txn->devs = n;
    n = &txn->devs[txn->ndevs];
    memset(n, 0, sizeof *n);
    n->name = nst_strdup(inv->name);
    if (!n->name) {
        return NULL;
    }
    n->inv = inv;
    n->index = txn->ndevs++;
    return n;
}

NST_API nst_err
nst_txn_add_payload(struct nst_txn *txn, const char *device, const char *vendor, const char *xml)
{
    const struct inv_device *inv;
    struct txn_dev *d;
    char *norm = NULL, **names = NULL, why[512];
    nst_err ret;

    if (!txn || !device || !xml || txn->ran) {
        return NST_EINVAL;
    }
    inv = inv_find_device(txn->inv, device);
    if (!inv) {
        txn_diag(txn, DIAG_TXN_DEVICE_UNKNOWN, device, device, txn->inv->file);
        return NST_EINVAL;
    }
    for (size_t i = 0; i < txn->ndevs; i++) {
        const struct inv_device *o = txn->devs[i].inv;

        if (!strcmp(txn->devs[i].name, device)) {
            snprintf(txn->message, sizeof txn->message, "device %s was added twice", device);
            return NST_EINVAL;
        }
        if (o->port == inv->port && !strcmp(o->address, inv->address)) {
            txn_diag(txn, DIAG_TXN_DEVICE_TWICE, device, o->name, device, inv->address,
                     (unsigned)inv->port);
            return NST_EINVAL;
        }
    }
    ret = payload_normalize(xml, &norm, why, sizeof why);
    if (ret) {
        if (ret == NST_EINPUT) {
            txn_diag(txn, DIAG_TXN_PAYLOAD, device, device, why);
        }
        return ret;
    }
    ret = secret_scan(norm, &names);
    if (ret == NST_EINPUT) {
        txn_diag(txn, DIAG_TXN_PLACEHOLDER, device, device);
    }
    for (size_t i = 0; !ret && names[i]; i++) {
        if (!inv_find_secret(txn->inv, names[i])) {
            txn_diag(txn, DIAG_TXN_SECRET_UNDEFINED, device, device, names[i]);
            ret = NST_ESECRET;
        }
    }
    secret_names_free(names);
    if (ret) {
        nst_free(norm);
        return ret;
    }
    d = txn_dev_add(txn, inv);
    if (!d) {
        nst_free(norm);
        return NST_ENOMEM;
    }
    d->payload = norm;
    if (vendor) {
        /* A driver name (nst_compiled_device_driver(): "eos"), or a vendor. */
        d->drv = drv_by_name(vendor);
        if (!d->drv) {
            d->drv = drv_find(vendor, NULL);
        }
    }
    return NST_OK;
}

/*
 * Public: push, rollback, recover
 */

NST_API nst_err
nst_txn_push(struct nst_txn *txn)
{
    nst_err ret;

    if (!txn || txn->ran) {
        return NST_EINVAL;
    }
    txn->ran = 1;
    if (!txn->ndevs) {
        txn_diag(txn, DIAG_TXN_NO_DEVICE, NULL);
        return NST_EINVAL;
    }
    ret = txn_begin(txn);
    if (!ret) {
        ret = txn_run(txn);
    }
    txn_end(txn);
    return ret;
}

/* Outcome word of a journal ("" while unfinished). */
static nst_err
txn_read_journal(struct store_txn *t, struct txn_journal_view *v, struct txn_dev *devs,
                 size_t ndevs)
{
    char *text = NULL;
    nst_err ret = store_journal_read(t, &text);

    if (ret) {
        return ret;
    }
    txn_journal_read(text, v, devs, ndevs);
    nst_free(text);
    return NST_OK;
}

/* Load the devices of a past transaction's plan, with their snapshots and payloads. */
static nst_err
txn_load_past(struct nst_txn *txn, struct store_txn *past, struct txn_plan *plan, int for_rollback)
{
    char *text = NULL, name[64];
    nst_err ret;

    ret = store_txn_get(past, "plan", &text);
    if (ret) {
        return ret;
    }
    ret = txn_plan_parse(text, plan);
    nst_free(text);
    if (ret) {
        snprintf(txn->message, sizeof txn->message, "transaction %s: the plan is damaged",
                 store_txn_id(past));
        return ret;
    }
    for (size_t i = 0; i < plan->ndevs; i++) {
        const struct inv_device *inv = inv_find_device(txn->inv, plan->devs[i].name);
        struct txn_dev *d;
        char *before = NULL, *payload = NULL;

        if (!inv) {
            snprintf(txn->message, sizeof txn->message,
                     "transaction %s: device %s is not in the inventory %s", store_txn_id(past),
                     plan->devs[i].name, txn->inv->file);
            return NST_EINVAL;
        }
        snprintf(name, sizeof name, "dev-%zu.before.xml", i);
        ret = store_txn_get(past, name, &before);
        if (!ret) {
            snprintf(name, sizeof name, "dev-%zu.payload.xml", i);
            ret = store_txn_get(past, name, &payload);
        }
        if (ret || !(d = txn_dev_add(txn, inv))) {
            nst_free(before);
            nst_free(payload);
            if (ret) {
                snprintf(txn->message, sizeof txn->message,
                         "transaction %s: the snapshot of device %s is missing", store_txn_id(past),
                         plan->devs[i].name);
            }
            return ret ? ret : NST_ENOMEM;
        }
        if (for_rollback) {
            d->rollback_before = before;
            d->rollback_payload = payload;
            snprintf(name, sizeof name, "dev-%zu.after.xml", i);
            if (store_txn_get(past, name, &d->rollback_after)) {
                d->rollback_after = NULL;
            }
        } else {
            d->before = before;
            d->payload = payload;
            d->method = plan->devs[i].method;
            d->persist = plan->devs[i].persist;
            d->confirm_value = plan->devs[i].confirm_value;
        }
    }
    return NST_OK;
}

/* Open a past transaction for rollback or recover; busy means a live process runs it. */
static nst_err
txn_open_past(struct nst_txn *txn, const char *txid, struct store_txn **out)
{
    int busy = 0;
    nst_err ret;

    ret = txn_open_state(txn);
    if (ret) {
        return ret;
    }
    if (!store_txid_valid(txid)) {
        txn_diag(txn, DIAG_TXN_BAD_ID, NULL, txid);
        return NST_EINVAL;
    }
    ret = store_txn_open(txn->st, txid, out, &busy);
    if (busy) {
        txn_diag(txn, DIAG_TXN_BUSY, NULL, txid);
        return NST_EBUSY;
    }
    if (ret) {
        txn_diag(txn, DIAG_TXN_UNKNOWN, NULL, txid, store_location(txn->st));
        return NST_EINVAL;
    }
    return NST_OK;
}

/* For each device, the newest committed transaction after @txid that touched it: the one a
 * conflict names. */
static void
txn_find_later(struct nst_txn *txn, const char *txid)
{
    char **ids = NULL;
    size_t n = 0;

    if (store_txn_list(txn->st, &ids, &n)) {
        return;
    }
    for (size_t k = n; k-- > 0 && strcmp(ids[k], txid) > 0;) {
        struct store_txn_info info;

        if (store_txn_info(txn->st, ids[k], &info)) {
            continue;
        }
        for (size_t i = 0; i < txn->ndevs; i++) {
            struct txn_dev *d = &txn->devs[i];
            const char *p = info.devices;
            size_t len = strlen(d->name);

            while (!d->later[0] && p && !strcmp(info.outcome, "committed")) {
                if (!strncmp(p, d->name, len) && (p[len] == ',' || !p[len])) {
                    snprintf(d->later, sizeof d->later, "%s", info.id);
                }
                p = strchr(p, ',');
                p = p ? p + 1 : NULL;
            }
        }
        store_txn_info_clear(&info);
    }
    store_list_free(ids);
}

/* Ownership after `rollback TXID` committed. TXID a push or delete: undo its records. TXID a
 * rollback of a rollback ... of X: undo X or re-apply it, by the number of rollbacks. */
static void
txn_rollback_records(struct nst_txn *txn, const char *txid)
{
    char base[40];
    int undo = 1;

    snprintf(base, sizeof base, "%s", txid);
    for (int hops = 0; hops < 64; hops++) {
        struct store_txn_info info;
        int more;

        if (store_txn_info(txn->st, base, &info)) {
            break;
        }
        more = !strcmp(info.kind, "rollback") && info.rollback_of[0];
        if (more) {
            snprintf(base, sizeof base, "%s", info.rollback_of);
            undo = !undo;
        }
        store_txn_info_clear(&info);
        if (!more) {
            break;
        }
    }
    own_rollback_applied(txn->st, undo ? base : NULL, undo ? NULL : base);
}

/* The driver of each device without one, as the service's ownership records name it:
 * for showing a rollback's diff in the vendor's CLI (nst_txn_diff_print). */
static void
txn_rollback_drivers(struct nst_txn *txn)
{
    char **names = NULL;

    if (!txn->service[0] || !txn->st || !own_service_name_valid(txn->service) ||
        store_svc_list(txn->st, txn->service, &names)) {
        return;
    }
    for (size_t k = 0; names[k]; k++) {
        char gen[32], tail[8];
        unsigned long n;
        struct own_gen g;

        if (sscanf(names[k], "gen-%lu%7s", &n, tail) != 2 || strcmp(tail, "/meta")) {
            continue;
        }
        snprintf(gen, sizeof gen, "gen-%lu", n);
        if (own_gen_read(txn->st, txn->service, gen, &g)) {
            continue;
        }
        for (size_t j = 0; j < g.ndevs; j++) {
            for (size_t i = 0; i < txn->ndevs; i++) {
                struct txn_dev *d = &txn->devs[i];

                if (!d->drv && !d->shown_driver[0] && g.devs[j].driver &&
                    !strcmp(d->name, g.devs[j].name)) {
                    snprintf(d->shown_driver, sizeof d->shown_driver, "%s", g.devs[j].driver);
                }
            }
        }
        own_gen_clear(&g);
    }
    store_list_free(names);
}

NST_API nst_err
nst_txn_rollback(struct nst_txn *txn, const char *txid)
{
    struct txn_plan plan = {0};
    struct txn_journal_view v;
    nst_err ret;

    if (!txn || !txid || txn->ran || txn->ndevs) {
        return NST_EINVAL;
    }
    txn->ran = 1;
    ret = txn_open_past(txn, txid, &txn->past);
    if (ret) {
        return ret;
    }
    ret = txn_read_journal(txn->past, &v, NULL, 0);
    if (ret) {
        goto cleanup;
    }
    if (strcmp(v.outcome, "committed") && !(txn->flags & NST_TXN_FORCE)) {
        snprintf(txn->message, sizeof txn->message,
                 "transaction %s %s; there is nothing to roll back (--force restores its "
                 "snapshots anyway)",
                 txid,
                 !v.outcome[0]                   ? "did not finish (run `netstitch recover` first)"
                 : !strcmp(v.outcome, "aborted") ? "did not commit"
                                                 : "did not commit anything");
        ret = NST_EINVAL;
        goto cleanup;
    }
    ret = txn_load_past(txn, txn->past, &plan, 1);
    if (ret == NST_EIO) {
        snprintf(txn->message, sizeof txn->message,
                 "transaction %s changed nothing (it has no plan)", txid);
        ret = NST_EINVAL;
    }
    if (ret) {
        goto cleanup;
    }
    snprintf(txn->kind, sizeof txn->kind, "rollback");
    snprintf(txn->rollback_of, sizeof txn->rollback_of, "%s", txid);
    /* The rollback of a service's transaction is in that service's history too. */
    if (!txn->service[0]) {
        struct store_txn_info info;

        if (!store_txn_info(txn->st, txid, &info)) {
            snprintf(txn->service, sizeof txn->service, "%s", info.service);
            store_txn_info_clear(&info);
        }
    }
    txn_rollback_drivers(txn);
    txn_find_later(txn, txid);
    ret = txn_begin(txn);
    if (!ret) {
        ret = txn_run(txn);
    }
    for (size_t i = 0; i < txn->ndevs; i++) {
        if (txn->devs[i].conflict) {
            /* Refused before anything changed: later changes to the same nodes. */
            ret = NST_ECONFLICT;
        }
    }
    /* Service lifecycle hook (lifecycle.c): services whose ownership record TXID made go
     * back to their record from before it, as their devices just did. */
    if (!ret && txn->outcome == NST_TXN_COMMITTED && txn->st) {
        txn_rollback_records(txn, txid);
    }
    txn_end(txn);

cleanup:
    nst_free(plan.devs);
    return ret;
}

NST_API nst_err
nst_txn_recover(struct nst_txn *txn, const char *txid)
{
    struct txn_plan plan = {0};
    struct txn_journal_view v;
    int forward;
    nst_err ret;

    if (!txn || !txid || txn->ran || txn->ndevs) {
        return NST_EINVAL;
    }
    txn->ran = 1;
    snprintf(txn->kind, sizeof txn->kind, "recover");
    ret = txn_open_past(txn, txid, &txn->t);
    if (ret) {
        return ret;
    }
    ret = txn_read_journal(txn->t, &v, NULL, 0);
    if (ret) {
        goto cleanup;
    }
    if (v.outcome[0]) {
        txn->outcome = NST_TXN_NOTHING_TO_DO;
        snprintf(txn->message, sizeof txn->message, "transaction %s already finished: %s", txid,
                 v.outcome);
        goto cleanup;
    }
    /* A history row of its own (kind recover); the interrupted transaction's row gets its
     * outcome from its journal as it always does. */
    {
        char note[96];

        snprintf(note, sizeof note, "recover of %s", txid);
        if (store_txn_create(txn->st, "recover", NULL, txn->comment ? txn->comment : note, NULL,
                             &txn->rec)) {
            txn->rec = NULL;
        }
    }
    if (txn_open_log(txn)) {
        snprintf(txn->message, sizeof txn->message, "cannot write the session log in %s/logs",
                 store_dir(txn->st));
        ret = NST_EIO;
        goto cleanup;
    }
    if (txn->flags & NST_TXN_FORGET) {
        /* The operator's word: nothing is sent, the devices are unblocked. */
        txn->outcome = NST_TXN_NOTHING_TO_DO;
        ret =
            txn_journal(txn, NULL, "outcome abandoned (recover --forget, pid=%ld)", (long)getpid());
        snprintf(txn->message, sizeof txn->message,
                 "transaction %s marked abandoned; its devices were not checked", txid);
        goto cleanup;
    }
    ret = txn_load_past(txn, txn->t, &plan, 0);
    if (ret == NST_EIO && !v.nplanned) {
        /* It stopped before the plan was written, so before anything was changed. */
        txn->outcome = NST_TXN_NOTHING_TO_DO;
        txn_journal(txn, NULL, "outcome not-run (recovered: stopped before the plan)");
        snprintf(txn->message, sizeof txn->message,
                 "transaction %s stopped before changing anything", txid);
        ret = NST_OK;
        goto cleanup;
    }
    if (ret) {
        goto cleanup;
    }
    snprintf(txn->persist_id, sizeof txn->persist_id, "%s", plan.persist_id);
    txn->confirm_timeout = plan.confirm_timeout;
    /* The snapshots on disk hold placeholders; undoing needs the real values. */
    ret = txn_secrets_resolve(txn);
    for (size_t i = 0; !ret && i < txn->ndevs; i++) {
        char *raw = NULL;

        ret = secret_substitute(txn->devs[i].before, &txn->secrets, &raw);
        if (!ret) {
            nst_free(txn->devs[i].before);
            txn->devs[i].before = raw;
        }
    }
    if (ret) {
        goto cleanup;
    }
    ret = txn_read_journal(txn->t, &v, txn->devs, txn->ndevs);
    if (ret) {
        goto cleanup;
    }
    ret = txn_lock_devices(txn);
    if (ret) {
        goto cleanup;
    }
    forward = !strcmp(v.decision, "confirm") && !(txn->flags & NST_TXN_ABORT);
    /* The gate's outcome stays on record: a gate the kill cut short is "interrupted". */
    if (!strcmp(v.gate, "start")) {
        txn_journal(txn, NULL, "gate interrupted");
        snprintf(v.gate, sizeof v.gate, "interrupted");
    }
    txn_journal(txn, NULL, "recover pid=%ld %s%s%s%s", (long)getpid(), forward ? "forward" : "undo",
                v.gate[0] ? " (gate " : "", v.gate, v.gate[0] ? ")" : "");
    txn_progress(txn, NST_TXN_PHASE_RECOVER, NULL, NULL, NULL);
    if (forward) {
        txn_for_each(txn, txn_ph_forward, 0);
        if (!txn_aborting(txn)) {
            txn_for_each(txn, txn_ph_finish, 0);
            txn->outcome = NST_TXN_COMMITTED;
            txn_journal(txn, NULL, "outcome committed (recovered)");
            txn_progress(txn, NST_TXN_PHASE_DONE, NULL, NULL, NULL);
            ret = NST_OK;
            goto cleanup;
        }
        /* Rolling forward failed somewhere: the consistent state left is "before". */
        for (size_t i = 0; i < txn->ndevs; i++) {
            txn->devs[i].final_known = 0;
        }
    }
    txn_abort(txn, 0);
    ret = txn->outcome == NST_TXN_ABORTED ? NST_OK : NST_EENV;

cleanup:
    if (txn->rec) {
        char *devs = nst_strdup("");

        for (size_t i = 0; devs && i < txn->ndevs; i++) {
            char *t = nst_asprintf("%s%s%s", devs, i ? "," : "", txn->devs[i].name);

            nst_free(devs);
            devs = t;
        }
        /* Finished in its journal too, so that no later recover takes it for interrupted. */
        store_journal_append(txn->rec, "txn outcome %s (recover of %s)",
                             nst_txn_outcome_name(txn->outcome), txid);
        store_txn_note(txn->rec, devs, nst_txn_outcome_name(txn->outcome));
        nst_free(devs);
        store_txn_close(txn->rec);
        txn->rec = NULL;
    }
    txn_end(txn);
    nst_free(plan.devs);
    return ret;
}

/*
 * Public: history and report
 */

NST_API nst_err
nst_txn_list(struct nst_txn *txn, unsigned which, char ***out)
{
    char **ids = NULL, **keep;
    size_t n = 0, k = 0;
    nst_err ret;

    if (!txn || !out) {
        return NST_EINVAL;
    }
    ret = txn_open_state(txn);
    if (ret) {
        return ret;
    }
    ret = which & NST_TXN_LIST_INTERRUPTED ? store_txn_list_unfinished(txn->st, &ids, &n)
                                           : store_txn_list(txn->st, &ids, &n);
    if (ret || !(which & NST_TXN_LIST_INTERRUPTED)) {
        if (!ret) {
            *out = ids;
        }
        return ret;
    }
    keep = ids;
    for (size_t i = 0; i < n; i++) {
        struct store_txn *t = NULL;
        struct txn_journal_view v;
        int busy = 0, interrupted = 0;

        /* Interrupted: no outcome, and nobody holds its lock (so nobody runs it). */
        if (!store_txn_open(txn->st, ids[i], &t, &busy)) {
            interrupted = !txn_read_journal(t, &v, NULL, 0) && !v.outcome[0];
            store_txn_close(t);
        }
        if (interrupted) {
            keep[k++] = ids[i];
        } else {
            nst_free(ids[i]);
        }
    }
    keep[k] = NULL;
    *out = keep;
    return NST_OK;
}

NST_API void
nst_txn_list_free(char **ids)
{
    store_list_free(ids);
}

NST_API nst_err
nst_txn_describe(struct nst_txn *txn, const char *txid, char **line)
{
    struct txn_plan plan = {0};
    struct txn_journal_view v;
    struct store_txn *t = NULL;
    char *text = NULL, *devs = NULL, *tmp, outcome[48];
    int busy = 0;
    nst_err ret;

    if (!txn || !txid || !line) {
        return NST_EINVAL;
    }
    ret = txn_open_state(txn);
    if (ret) {
        return ret;
    }
    ret = store_txn_open(txn->st, txid, &t, &busy);
    if (ret && !busy) {
        return NST_EINVAL;
    }
    if (busy) {
        *line = nst_asprintf("%s - running", txid);
        return *line ? NST_OK : NST_ENOMEM;
    }
    ret = txn_read_journal(t, &v, NULL, 0);
    if (!ret && !store_txn_get(t, "plan", &text)) {
        txn_plan_parse(text, &plan);
        nst_free(text);
    }
    store_txn_close(t);
    if (ret) {
        nst_free(plan.devs);
        return ret;
    }
    snprintf(outcome, sizeof outcome, "%s", v.outcome[0] ? v.outcome : "interrupted");
    devs = nst_strdup("");
    for (size_t i = 0; devs && i < plan.ndevs; i++) {
        tmp = nst_asprintf("%s%s%s", devs, i ? "," : "", plan.devs[i].name);
        nst_free(devs);
        devs = tmp;
    }
    *line = devs ? nst_asprintf(
                       "%s %s %s %s%s%s", txid,
                       v.kind[0]      ? v.kind
                       : plan.kind[0] ? plan.kind
                                      : "-",
                       outcome, devs[0] ? devs : "-",
                       plan.rollback_of[0] && strcmp(plan.rollback_of, "-") ? " rollback-of=" : "",
                       plan.rollback_of[0] && strcmp(plan.rollback_of, "-") ? plan.rollback_of : "")
                 : NULL;
    nst_free(devs);
    nst_free(plan.devs);
    return *line ? NST_OK : NST_ENOMEM;
}

NST_API const char *
nst_txn_id(const struct nst_txn *txn)
{
    return txn && txn->t ? store_txn_id(txn->t) : NULL;
}

NST_API enum nst_txn_outcome
nst_txn_outcome(const struct nst_txn *txn)
{
    return txn ? txn->outcome : NST_TXN_NOT_RUN;
}

NST_API const char *
nst_txn_message(const struct nst_txn *txn)
{
    return txn ? txn->message : txn_empty;
}

NST_API size_t
nst_txn_device_count(const struct nst_txn *txn)
{
    return txn ? txn->ndevs : 0;
}

NST_API const char *
nst_txn_device_name(const struct nst_txn *txn, size_t i)
{
    return txn && i < txn->ndevs ? txn->devs[i].name : NULL;
}

NST_API enum nst_txn_method
nst_txn_device_method(const struct nst_txn *txn, size_t i)
{
    return txn && i < txn->ndevs ? txn->devs[i].method : NST_TXN_METHOD_UNKNOWN;
}

NST_API const char *
nst_txn_device_payload(const struct nst_txn *txn, size_t i)
{
    return txn && i < txn->ndevs ? txn->devs[i].payload : NULL;
}

int
txn_device_revert_view(const struct nst_txn *txn, size_t i, const char **now, const char **rev,
                       const char **driver, struct nst_ctx **ctx)
{
    const struct txn_dev *d;

    if (!txn || i >= txn->ndevs || !txn->devs[i].rollback_rev || !txn->devs[i].rollback_now) {
        return -1;
    }
    d = &txn->devs[i];
    *now = d->rollback_now;
    *rev = d->rollback_rev;
    *driver = d->drv ? d->drv->name : d->shown_driver;
    *ctx = txn->ctx;
    return 0;
}

NST_API enum nst_txn_dev_state
nst_txn_device_state(const struct nst_txn *txn, size_t i)
{
    return txn && i < txn->ndevs ? txn->devs[i].report : NST_TXN_DEV_UNKNOWN;
}

NST_API const char *
nst_txn_device_error(const struct nst_txn *txn, size_t i, enum nst_txn_err_field field)
{
    const struct txn_dev *d;

    if (!txn || i >= txn->ndevs) {
        return NULL;
    }
    d = &txn->devs[i];
    switch (field) {
    case NST_TXN_ERR_TEXT:
        return d->failed ? d->text : txn_empty;
    case NST_TXN_ERR_STEP:
        return d->failed ? d->step : txn_empty;
    case NST_TXN_ERR_KIND:
        return d->failed ? sess_err_kind_name(d->err.kind) : txn_empty;
    case NST_TXN_ERR_MESSAGE:
        return d->failed ? d->err.message : txn_empty;
    case NST_TXN_ERR_TAG:
        return d->failed ? d->err.tag : txn_empty;
    case NST_TXN_ERR_APP_TAG:
        return d->failed ? d->err.app_tag : txn_empty;
    case NST_TXN_ERR_PATH:
        return d->failed ? d->err.path : txn_empty;
    case NST_TXN_ERR_UNDO:
        return d->undo;
    }
    return txn_empty;
}

NST_API const char *
nst_txn_code(const struct nst_txn *txn)
{
    return txn && txn->code ? txn->code : txn_empty;
}
