/*
 * lifecycle.c: the public diff object (struct nst_diff) and the service lifecycle:
 * what each service last applied on each device, kept in the state directory, so that
 * editing a service removes what it no longer generates, deleting it removes all of it,
 * and configuration netstitch did not create is never touched.
 *
 * Place in the pipeline: after compile. `netstitch diff` runs nst_diff_run() and prints;
 * `push SERVICE` and `delete SERVICE` run it too, then nst_diff_apply_begin() (service
 * lock, the new ownership generation written as pending, each changed device's edit
 * added to the push transaction), nst_txn_push(), and nst_diff_apply_end() (the pending
 * generation becomes current when the transaction committed).
 *
 * nst_diff_run(), per device, in parallel (at most `jobs` threads; a device's session,
 * context and trees are touched only by the thread working on it, then by the caller
 * after the join):
 *   live     parse T, O, P and X (T usually parsed already: nst_diff_preload()), connect
 *            (inventory, host-key policy, schema cache in the state directory),
 *            <get-config> of running with the subtree filter diff_filter() derives from
 *            T and O; the reply goes to a parser thread (lc_parser: parse, diff_compute())
 *            while the worker closes the session;
 *   offline  the same against DIR/<device>.xml, sequentially.
 * Every tree of every device lives in one libyang context holding every device model
 * (render.h's): a session's own context holds only what the device's <hello> and
 * yang-library made libnetconf2 load, which for netsim's vendor modules is not enough.
 * The trees are built in parallel without a lock of ours: libyang's threading rules
 * (libyang.h, "Threading Limitations") allow any function on data trees to run
 * concurrently as long as no tree is written by two threads, the context's dictionary
 * having a lock of its own; the context itself is complete (every model, ietf-netconf)
 * before the first thread starts, and each device's trees are its thread's.
 *
 * Ownership records: lifecycle.h describes the layout. A record is read without the
 * service lock; a `pending` generation whose lock nobody holds was left by a push that
 * died: what it describes may or may not be on the devices, so both it and `current`
 * count as owned (NST_DIFF_DEV_UNCERTAIN) until the next push or delete settles it.
 *
 * Not here: the comparison itself (diff.c), transactions (txn.c).
 */
#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"
#include "diff.h"
#include "driver.h"
#include "inventory.h"
#include "jobs.h"
#include "ownership.h"
#include "render.h"
#include "secret.h"
#include "session.h"
#include "store.h"

/* The largest saved configuration diff --offline reads (the service size limit). */
#define LC_SAVED_MAX (32L << 20)
/* Parser threads at most (lc_parser), fewer with fewer processors or devices. */
#define LC_PARSERS 4


struct lc_dev {
    char *name;
    char *driver;
    char *target;   /* normalised payload, NULL: nothing for this device */
    int has_target; /* added by nst_diff_add_target() */
    int no_payload; /* the driver renders none */
    const char *owned, *orig, *owned_alt, *orig_alt; /* borrowed from the generations */
    char **others;                                   /* owned texts of other services, borrowed */
    char **others_orig;                              /* their originals (or NULL), parallel */
    const char **others_svc;                         /* their services' names, parallel */
    size_t nothers;
    struct diff_port *ports; /* declared port MTUs (nst_diff_add_port()); names owned */
    size_t nports;
    struct sess *s; /* closed after the fetch; kept for its context */
    char *running;  /* the router's reply text, until lc_finish_one() (holds secrets) */
    struct diff_result res;
    unsigned status;
    char error[512];
    char foreign[512]; /* NST_DIFF_DEV_FOREIGN: the first marked path found */
};

/* A payload parsed ahead by nst_diff_preload(): taken by the device added later with the
 * same name and the same text. */
struct lc_pre {
    char *name;
    char *text;
    struct lyd_node *tree;
};

struct nst_diff {
    struct nst_ctx *ctx;
    char *service;
    const struct nst_inventory *inv;
    char *offline;
    char *state_dir;
    unsigned jobs;
    unsigned flags;
    struct lc_dev *devs;
    size_t ndevs;
    char **limit; /* nst_diff_set_limit(): NULL-terminated, NULL for every device */
    int ran;
    char message[1200];
    /* ownership */
    struct own_gen current, pending;
    int uncertain;
    struct own_gen *others;
    size_t nothers;
    /* secrets read for comparing keys; wiped on free */
    struct secret_set secrets;
    /* run */
    struct store *st;
    struct render *render; /* offline: every device model */
    char known_hosts[4096];
    pthread_mutex_t mu; /* the next device to work on, the parse queue */
    size_t next;
    /* The routers' replies parsed and compared on a thread of their own (lc_parser), in
     * the order they came, while their sessions close: guarded by mu */
    pthread_cond_t pq_cv;
    pthread_t pq_tid[LC_PARSERS];
    size_t npq;    /* parser threads started */
    int pq_closed; /* every worker is done: the parsers end when the queue is empty */
    size_t *pq;    /* device indexes, pq_head to pq_tail waiting */
    size_t pq_head, pq_tail;
    /* nst_diff_preload(): the payloads parsed on a thread of its own (pre_tid) while the
     * caller loads the service; pre and npre are its until the join in nst_diff_run() or
     * nst_diff_free() */
    pthread_t pre_tid;
    int pre_started;
    atomic_int pre_stop; /* nst_diff_free() before the run: stop at the next file */
    char *pre_dir;
    struct lc_pre *pre;
    size_t npre;
    size_t pre_adopted; /* devices that took a preloaded tree (lc_preload_adopted()) */
    /* apply */
    struct store_lock *lock; /* the service lock, held from apply_begin to apply_end */
    char applying[32];
    int noop; /* apply_begin found nothing to record */
};

/*
 * Names and generations
 */

/* Whether the service's ownership record moved since @d read it (another process applied
 * the service meanwhile): its current generation (into @cur) or a pending one differs. */
static bool
lc_record_moved(const struct nst_diff *d, char *cur, size_t curlen)
{
    char pend[48];

    own_read_line(d->st, d->service, "current", cur, curlen);
    own_read_line(d->st, d->service, "pending", pend, sizeof pend);
    return strcmp(cur, d->current.name) || (pend[0] && strcmp(pend, d->pending.name));
}

/* Read current and (stale) pending of the service into @d. */
static nst_err
lc_read_record(struct nst_diff *d)
{
    char cur[32], pend[32];
    struct store_lock *probe = NULL;
    nst_err ret = NST_OK;
    int busy = 0;

    own_read_line(d->st, d->service, "current", cur, sizeof cur);
    own_read_line(d->st, d->service, "pending", pend, sizeof pend);
    if (cur[0]) {
        ret = own_gen_read(d->st, d->service, cur, &d->current);
        if (ret) {
            snprintf(d->message, sizeof d->message,
                     "the ownership record of service %s (%s) cannot be read", d->service, cur);
            return ret == NST_ENOMEM ? ret : NST_EIO;
        }
    }
    if (pend[0] && strcmp(pend, cur)) {
        busy = store_lock_service(d->st, d->service, &probe) == NST_EBUSY;
        store_unlock(probe);
        if (!own_gen_read(d->st, d->service, pend, &d->pending)) {
            d->uncertain = 1;
            snprintf(d->message, sizeof d->message,
                     "%s: its ownership is uncertain (%s); the next push or delete settles it",
                     d->service,
                     busy ? "another netstitch is applying it right now"
                          : "an earlier push was interrupted");
        }
    }
    return NST_OK;
}

/* The current (and pending) generations of every other service. */
static nst_err
lc_read_others(struct nst_diff *d)
{
    char **svcs = NULL;
    nst_err ret = NST_OK;

    if (store_svc_list(d->st, NULL, &svcs)) {
        return NST_OK;
    }
    for (size_t i = 0; !ret && svcs[i]; i++) {
        char line[32];

        if (!own_service_name_valid(svcs[i]) || !strcmp(svcs[i], d->service)) {
            continue;
        }
        for (int k = 0; k < 2 && !ret; k++) {
            struct own_gen *v;

            own_read_line(d->st, svcs[i], k ? "pending" : "current", line, sizeof line);
            if (!line[0]) {
                continue;
            }
            v = nst_realloc(d->others, (d->nothers + 1) * sizeof *v);
            if (!v) {
                ret = NST_ENOMEM;
                break;
            }
            d->others = v;
            if (!own_gen_read(d->st, svcs[i], line, &v[d->nothers])) {
                d->nothers++;
            }
        }
    }
    store_list_free(svcs);
    return ret;
}

/*
 * The object
 */

NST_API nst_err
nst_diff_new(struct nst_ctx *ctx, const char *service, struct nst_diff **out)
{
    struct nst_diff *d;

    if (!ctx || !out || !own_service_name_valid(service)) {
        return NST_EINVAL;
    }
    d = nst_calloc(1, sizeof *d);
    if (!d) {
        return NST_ENOMEM;
    }
    d->service = nst_strdup(service);
    if (!d->service) {
        nst_free(d);
        return NST_ENOMEM;
    }
    d->ctx = ctx;
    d->jobs = 0; /* jobs_count(): every device, within the process's limits */
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->pq_cv, NULL);
    *out = d;
    return NST_OK;
}

static void lc_preload_join(struct nst_diff *d, int stop, int adopt);

NST_API void
nst_diff_free(struct nst_diff *d)
{
    if (!d) {
        return;
    }
    lc_preload_join(d, 1, 0);
    if (d->flags & NST_DIFF_EXITING) {
        /* What outlives the process, and the secrets; the trees (a third of a millisecond
         * a device, on the calling thread after the parallel part) and the models go with
         * the exit. */
        secret_set_clear(&d->secrets);
        store_unlock(d->lock);
        store_close(d->st);
        d->lock = NULL;
        d->st = NULL;
        return;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        /* Trees first: they live in the session's context. */
        diff_result_clear(&v->res);
        secret_wipe_free(v->running);
        sess_free(v->s);
        nst_free(v->name);
        nst_free(v->driver);
        nst_free(v->target);
        for (size_t k = 0; k < v->nports; k++) {
            nst_free(v->ports[k].name);
        }
        nst_free(v->ports);
        nst_free(v->others);
        nst_free(v->others_orig);
        nst_free(v->others_svc);
    }
    nst_free(d->devs);
    own_gen_clear(&d->current);
    own_gen_clear(&d->pending);
    for (size_t i = 0; i < d->nothers; i++) {
        own_gen_clear(&d->others[i]);
    }
    nst_free(d->others);
    secret_set_clear(&d->secrets);
    nst_free(d->pre_dir);
    if (d->render) {
        render_free(d->render);
        ly_temp_log_options(NULL);
    }
    store_unlock(d->lock);
    store_close(d->st);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->pq_cv);
    nst_free(d->pq);
    nst_free(d->offline);
    store_list_free(d->limit);
    nst_free(d->state_dir);
    nst_free(d->service);
    nst_free(d);
}

NST_API nst_err
nst_diff_set_inventory(struct nst_diff *d, const struct nst_inventory *inv)
{
    if (!d || d->ran) {
        return NST_EINVAL;
    }
    d->inv = inv;
    return NST_OK;
}

static nst_err
lc_set_str(char **dst, const char *s)
{
    char *c = NULL;

    if (s && !(c = nst_strdup(s))) {
        return NST_ENOMEM;
    }
    nst_free(*dst);
    *dst = c;
    return NST_OK;
}

NST_API nst_err
nst_diff_set_offline(struct nst_diff *d, const char *dir)
{
    if (!d || d->ran || !dir || !*dir) {
        return NST_EINVAL;
    }
    return lc_set_str(&d->offline, dir);
}

NST_API nst_err
nst_diff_set_state_dir(struct nst_diff *d, const char *dir)
{
    if (!d || d->ran) {
        return NST_EINVAL;
    }
    return lc_set_str(&d->state_dir, dir && *dir ? dir : NULL);
}

NST_API void
nst_diff_set_jobs(struct nst_diff *d, unsigned jobs)
{
    if (d) {
        d->jobs = jobs > JOBS_MAX ? JOBS_MAX : jobs;
    }
}

NST_API void
nst_diff_set_flags(struct nst_diff *d, unsigned flags)
{
    if (d) {
        d->flags = flags;
    }
}

NST_API nst_err
nst_diff_set_limit(struct nst_diff *d, const char *const *devices, size_t n)
{
    char **l = NULL;

    if (!d || d->ran || (n && !devices) || d->pre_started) {
        return NST_EINVAL; /* the preload thread reads the limit */
    }
    if (n) {
        l = nst_calloc(n + 1, sizeof *l);
        for (size_t i = 0; l && i < n; i++) {
            if (!(l[i] = nst_strdup(devices[i]))) {
                store_list_free(l);
                l = NULL;
            }
        }
        if (!l) {
            return NST_ENOMEM;
        }
    }
    store_list_free(d->limit);
    d->limit = l;
    return NST_OK;
}

/*
 * Payloads parsed ahead
 */

/* The whole regular file @path, at most LC_SAVED_MAX bytes, into *text (NULL, and 0, when
 * there is no such file). O_NONBLOCK and the checks: a FIFO would block, a device (a link
 * to /dev/zero) or a huge file would never end or take all memory. 0, or -1 with @why. */
static int
lc_read_text(const char *path, char **text, char *why, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    char *buf;
    size_t got = 0;
    ssize_t r = 1;

    *text = NULL;
    if (fd < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        snprintf(why, len, "cannot read %.500s", path);
        return -1;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > LC_SAVED_MAX) {
        snprintf(why, len, "%.500s: %s", path,
                 !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 32 MiB");
        close(fd);
        return -1;
    }
    if (!(buf = nst_malloc((size_t)st.st_size + 1))) {
        snprintf(why, len, "out of memory");
        close(fd);
        return -1;
    }
    while (got < (size_t)st.st_size &&
           ((r = read(fd, buf + got, (size_t)st.st_size - got)) > 0 || errno == EINTR)) {
        got += r > 0 ? (size_t)r : 0;
    }
    close(fd);
    if (got < (size_t)st.st_size) {
        nst_free(buf);
        snprintf(why, len, "cannot read %.500s", path);
        return -1;
    }
    buf[got] = '\0';
    *text = buf;
    return 0;
}

static void
lc_pre_free(struct nst_diff *d)
{
    for (size_t i = 0; i < d->npre; i++) {
        lyd_free_siblings(d->pre[i].tree);
        nst_free(d->pre[i].name);
        nst_free(d->pre[i].text);
    }
    nst_free(d->pre);
    d->pre = NULL;
    d->npre = 0;
}

/* The preload thread: every DIR/<device>.xml (the names `diff --payloads` reads, in the
 * same order) within the limit given to nst_diff_preload() parsed as diff_load() parses a
 * payload. A file that cannot be read or parsed is left out: the run reads and parses
 * what nst_diff_add_target() was given, and reports it there. */
static void *
lc_preload_run(void *arg)
{
    struct nst_diff *d = arg;
    struct ly_ctx *ly = render_ly(d->render);
    struct dirent **ents = NULL;
    int n = scandir(d->pre_dir, &ents, NULL, alphasort);
    char **limit = d->limit;

    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t len = strlen(name);
        int in = !limit;
        char path[4096], why[400];
        struct lyd_node *tree = NULL;
        struct lc_pre *np;
        char *text;

        if (atomic_load(&d->pre_stop) || len <= 4 || len > 255 || name[0] == '.' ||
            strcmp(name + len - 4, ".xml")) {
            goto next;
        }
        for (size_t k = 0; limit && limit[k] && !in; k++) {
            in = strlen(limit[k]) == len - 4 && !strncmp(limit[k], name, len - 4);
        }
        if (!in || (size_t)snprintf(path, sizeof path, "%s/%s", d->pre_dir, name) >= sizeof path ||
            lc_read_text(path, &text, why, sizeof why) || !text) {
            goto next;
        }
        if (diff_parse(ly, text, 1, &tree, why, sizeof why) || !tree ||
            !(np = nst_realloc(d->pre, (d->npre + 1) * sizeof *np))) {
            lyd_free_siblings(tree);
            nst_free(text);
            goto next;
        }
        d->pre = np;
        np[d->npre].name = nst_strndup(name, len - 4);
        np[d->npre].text = text;
        np[d->npre].tree = tree;
        if (!np[d->npre].name) {
            lyd_free_siblings(tree);
            nst_free(text);
            goto next;
        }
        d->npre++;
    next:
        free(ents[i]);
    }
    free(ents);
    return NULL;
}

/* The context of every device model the diff's trees are parsed into, with ietf-netconf
 * (the <get-config> reply's operations), on @ctx's diagnostics. When ietf-netconf does not
 * load, NST_EENV with *render set (nst_diff_run() and nst_diff_preload() both build it). */
static nst_err
lc_models(struct nst_ctx *ctx, struct render **render)
{
    nst_err ret = render_new(ctx, NULL, 0, render);

    ly_temp_log_options(NULL);
    if (!ret && !ly_ctx_load_module(render_ly(*render), "ietf-netconf", "2011-06-01", NULL)) {
        ret = NST_EENV;
    }
    return ret;
}

NST_API nst_err
nst_diff_preload(struct nst_diff *d, const char *dir)
{
    struct nst_ctx priv;
    nst_err ret;

    if (!d || !dir || d->ran || d->render || d->pre_started) {
        return NST_EINVAL;
    }
    if (nst_alloc_hooked()) {
        return NST_OK; /* the allocation tests count on one thread */
    }
    /* The device models now (the same work nst_diff_run() would do later), with a
     * diagnostics list of their own: should they not load, nothing is recorded on the
     * caller's context and the run tries again and reports it, as without the preload. */
    priv = *d->ctx;
    priv.diags = NULL;
    priv.ndiags = priv.cap = 0;
    priv.sorted = 1;
    priv.log_cb = NULL;
    priv.log_user = NULL;
    ret = lc_models(&priv, &d->render);
    if (d->render) {
        render_set_ctx(d->render, d->ctx);
    }
    nst_diag_clear(&priv);
    nst_free(priv.diags);
    if (ret) {
        render_free(d->render);
        d->render = NULL;
        return ret;
    }
    if (!(d->pre_dir = nst_strdup(dir))) {
        return NST_ENOMEM;
    }
    xmlInitParser(); /* before another thread uses libxml2 */
    d->pre_started = !pthread_create(&d->pre_tid, NULL, lc_preload_run, d);
    return NST_OK;
}

/* Wait for the preload thread, which stops at its next file with @stop; with @adopt, each
 * device whose target is the text preloaded under its name takes the tree (diff_load()
 * then parses it no more), and the rest is freed. What the thread did not get to is parsed
 * by the run, as without it. */
static void
lc_preload_join(struct nst_diff *d, int stop, int adopt)
{
    size_t j = 0;

    if (d->pre_started) {
        if (stop) {
            atomic_store(&d->pre_stop, 1);
        }
        pthread_join(d->pre_tid, NULL);
        d->pre_started = 0;
    }
    if (!adopt) {
        if (stop) {
            lc_pre_free(d);
        }
        return;
    }
    for (size_t i = 0; i < d->ndevs && d->npre; i++) {
        struct lc_dev *v = &d->devs[i];
        size_t k;

        if (!v->target) {
            continue;
        }
        /* Both in the directory's order as a rule: look where the last one was first. */
        for (k = 0; k < d->npre; k++) {
            struct lc_pre *p = &d->pre[(j + k) % d->npre];

            if (p->tree && !strcmp(p->name, v->name)) {
                if (!strcmp(p->text, v->target)) {
                    v->res.target = p->tree;
                    v->res.target_parsed = 1;
                    p->tree = NULL;
                    d->pre_adopted++;
                }
                j = (j + k + 1) % d->npre;
                break;
            }
        }
    }
    lc_pre_free(d);
}

void
lc_preload_finish(struct nst_diff *d)
{
    lc_preload_join(d, 0, 0);
}

size_t
lc_preload_adopted(const struct nst_diff *d)
{
    return d->pre_adopted;
}

/* Mark the devices outside the limit (after the record added the owned ones). */
static void
lc_apply_limit(struct nst_diff *d)
{
    for (size_t i = 0; d->limit && i < d->ndevs; i++) {
        int in = 0;

        for (size_t k = 0; d->limit[k] && !in; k++) {
            in = !strcmp(d->limit[k], d->devs[i].name);
        }
        if (!in) {
            d->devs[i].status = NST_DIFF_DEV_SKIPPED;
        }
    }
}

static struct lc_dev *
lc_find(struct nst_diff *d, const char *name)
{
    for (size_t i = 0; i < d->ndevs; i++) {
        if (!strcmp(d->devs[i].name, name)) {
            return &d->devs[i];
        }
    }
    return NULL;
}

static struct lc_dev *
lc_dev_add(struct nst_diff *d, const char *name, const char *driver)
{
    struct lc_dev *v = nst_realloc(d->devs, (d->ndevs + 1) * sizeof *v), *dev;

    if (!v) {
        return NULL;
    }
    d->devs = v;
    dev = &v[d->ndevs];
    memset(dev, 0, sizeof *dev);
    dev->name = nst_strdup(name);
    dev->driver = nst_strdup(driver ? driver : "");
    if (!dev->name || !dev->driver) {
        nst_free(dev->name);
        nst_free(dev->driver);
        return NULL;
    }
    d->ndevs++;
    return dev;
}

NST_API nst_err
nst_diff_add_target(struct nst_diff *d, const char *device, const char *driver, const char *payload)
{
    struct lc_dev *dev;

    if (!d || d->ran || !device || !*device || lc_find(d, device)) {
        return NST_EINVAL;
    }
    dev = lc_dev_add(d, device, driver);
    if (!dev) {
        return NST_ENOMEM;
    }
    dev->has_target = 1;
    if (!payload) {
        dev->no_payload = 1;
    } else if (!(dev->target = nst_strdup(payload))) {
        return NST_ENOMEM;
    }
    return NST_OK;
}

NST_API nst_err
nst_diff_add_port(struct nst_diff *d, const char *device, const char *port, uint32_t mtu)
{
    struct lc_dev *dev;
    struct diff_port *v;

    if (!d || d->ran || !device || !port || !*port || !(dev = lc_find(d, device))) {
        return NST_EINVAL;
    }
    v = nst_realloc(dev->ports, (dev->nports + 1) * sizeof *v);
    if (!v) {
        return NST_ENOMEM;
    }
    dev->ports = v;
    v[dev->nports].name = nst_strdup(port);
    v[dev->nports].mtu = mtu;
    if (!v[dev->nports].name) {
        return NST_ENOMEM;
    }
    dev->nports++;
    return NST_OK;
}

/*
 * Running the diff
 */

/* Read every secret the texts of the diff name (when the inventory can give it). */
static nst_err
lc_secrets(struct nst_diff *d)
{
    char **names = NULL, why[256];
    nst_err ret = NST_OK;

    if (!d->inv) {
        return NST_OK;
    }
    for (size_t i = 0; i < d->ndevs && !ret; i++) {
        const struct lc_dev *v = &d->devs[i];
        const char *texts[5] = {v->target, v->owned, v->orig, v->owned_alt, v->orig_alt};

        for (int t = 0; t < 5 && !ret; t++) {
            if (!texts[t] || secret_scan(texts[t], &names)) {
                continue;
            }
            for (size_t k = 0; names[k] && !ret; k++) {
                const struct inv_secret *sec = inv_find_secret(d->inv, names[k]);

                if (!sec) {
                    continue;
                }
                ret = secret_set_add(&d->secrets, sec->name, sec->source, why, sizeof why);
                if (ret == NST_EINVAL) {
                    /* Not fatal for a diff: the key is then compared by name only. */
                    snprintf(d->message, sizeof d->message,
                             "secret '%s' cannot be read (%s): keys set outside netstitch show "
                             "as changes",
                             names[k], why);
                    ret = NST_OK;
                }
            }
            secret_names_free(names);
            names = NULL;
        }
    }
    return ret;
}

/*
 * Two services must not own one leaf with two values: whichever pushed last would win
 * and the other's record would be wrong. A leaf of this service's target that another
 * service owns on the device with another value refuses the device (NST_EINPUT, @why
 * naming both services and the node). The same value is sharing, which is fine. Called
 * with the trees of v->res loaded, under the shared context's lock.
 */
static nst_err
lc_overlap(const struct nst_diff *d, const struct lc_dev *v, char *why, size_t whylen)
{
    nst_err ret = NST_OK;

    for (size_t k = 0; k < v->nothers && !ret && v->res.target; k++) {
        struct lyd_node *o = NULL;
        struct lyd_node *top, *n;
        char reason[256];

        if (!v->others[k] || diff_parse(v->res.ly, v->others[k], 0, &o, reason, sizeof reason)) {
            continue;
        }
        LY_LIST_FOR(v->res.target, top)
        {
            LYD_TREE_DFS_BEGIN(top, n)
            {
                if (!ret && n->schema && n->schema->nodetype == LYS_LEAF &&
                    !lysc_is_key(n->schema)) {
                    char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);
                    struct lyd_node *m = NULL;

                    if (path && o && !lyd_find_path(o, path, 0, &m) &&
                        lyd_compare_single(n, m, 0) != LY_SUCCESS) {
                        snprintf(why, whylen,
                                 "service %s overlaps service %s: %s is %s in %s and %s in %s",
                                 d->service, v->others_svc[k], path,
                                 strstr(lyd_get_value(m), "$NST_SECRET{") ? "a secret"
                                                                          : lyd_get_value(m),
                                 v->others_svc[k],
                                 strstr(lyd_get_value(n), "$NST_SECRET{") ? "a secret"
                                                                          : lyd_get_value(n),
                                 d->service);
                        ret = NST_EINPUT;
                    }
                    free(path);
                }
                LYD_TREE_DFS_END(top, n);
            }
        }
        lyd_free_siblings(o);
    }
    return ret;
}

/*
 * Configuration netstitch marked ("netstitch ..." descriptions its templates write) that
 * this store does not know: the service's leaf with its mark is already on the device, but
 * the store has no record of the service there. Another state store pushed it (another
 * operator, another CI runner); adopting it silently would give two stores one router's
 * configuration. Called after diff_compute() under the shared context's lock.
 */
static void
lc_foreign(struct lc_dev *v)
{
    struct lyd_node *top, *n;

    if (v->owned || v->owned_alt || !v->res.target || !v->res.running) {
        return;
    }
    LY_LIST_FOR(v->res.target, top)
    {
        LYD_TREE_DFS_BEGIN(top, n)
        {
            const char *val =
                n->schema && n->schema->nodetype == LYS_LEAF ? lyd_get_value(n) : NULL;

            if (!v->foreign[0] && val && !strncmp(val, "netstitch ", 10)) {
                char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);
                struct lyd_node *m = NULL;

                struct lyd_node *x = NULL;

                /* Another service of this store owning it is sharing, not foreign. */
                if (path && !lyd_find_path(v->res.running, path, 0, &m) &&
                    !lyd_compare_single(n, m, 0) &&
                    !(v->res.others && !lyd_find_path(v->res.others, path, 0, &x))) {
                    snprintf(v->foreign, sizeof v->foreign, "%.500s", path);
                    v->status |= NST_DIFF_DEV_FOREIGN;
                }
                free(path);
            }
            LYD_TREE_DFS_END(top, n);
        }
    }
}

static void
lc_inputs(const struct nst_diff *d, const struct lc_dev *v, struct diff_inputs *in)
{
    const struct drv_ops *drv;

    memset(in, 0, sizeof *in);
    in->target = v->target;
    in->owned = v->owned;
    in->orig = v->orig;
    in->owned_alt = v->owned_alt;
    in->orig_alt = v->orig_alt;
    in->others = (const char *const *)v->others;
    in->others_orig = (const char *const *)v->others_orig;
    in->nothers = v->nothers;
    in->sec_names = d->secrets.names;
    in->sec_values = d->secrets.values;
    in->nsec = d->secrets.n;
    /* The MTUs the service declares, where the driver keeps a port's MTU (MTU-MISMATCH). */
    in->ports = v->ports;
    in->nports = v->nports;
    drv = drv_by_name(v->driver);
    in->port_mtu = drv ? drv->port_mtu : NULL;
    /* The edit's text and P' wait for nst_diff_apply_begin() (or --format xml). */
    in->defer = 1;
}

/* Mark @v failed; @what is copied (truncated to fit). */
static void
lc_dev_fail(struct lc_dev *v, const char *what)
{
    size_t n = strnlen(what, sizeof v->error - 1);

    memcpy(v->error, what, n);
    v->error[n] = '\0';
    v->status |= NST_DIFF_DEV_ERROR;
}

/* A device file name as compile -o writes it: '/' becomes %2F. */
static void
lc_file_name(const char *dir, const char *device, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "%s/", dir);

    for (const char *s = device; *s && n + 4 < len; s++) {
        if (*s == '/') {
            n += (size_t)snprintf(buf + n, len - n, "%%2F");
        } else {
            buf[n++] = *s;
        }
    }
    snprintf(buf + (n < len ? n : len - 1), len - (n < len ? n : len - 1), ".xml");
}

static void
lc_offline_one(struct nst_diff *d, struct lc_dev *v)
{
    nst_err ret;
    struct diff_inputs in;
    struct lyd_node *running = NULL;
    char path[4096], why[600], *text = NULL;

    lc_inputs(d, v, &in);
    v->res.ly = render_ly(d->render);
    ret = diff_load(&v->res, &in, why, sizeof why);
    if (!ret) {
        ret = lc_overlap(d, v, why, sizeof why);
    }
    if (ret) {
        lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
        return;
    }
    lc_file_name(d->offline, v->name, path, sizeof path);
    if (lc_read_text(path, &text, why, sizeof why)) {
        lc_dev_fail(v, why);
        return;
    }
    if (text && (ret = diff_parse(v->res.ly, text, 0, &running, why, sizeof why))) {
        nst_free(text);
        snprintf(v->error, sizeof v->error, "%.200s: %.300s", path,
                 ret == NST_ENOMEM ? "out of memory" : why);
        v->status |= NST_DIFF_DEV_ERROR;
        return;
    }
    nst_free(text);
    ret = diff_compute(&v->res, running, &in, why, sizeof why);
    if (ret) {
        lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
        return;
    }
    lc_foreign(v);
}

/* The router's reply (v->running, then wiped and freed) parsed and compared with the
 * service's trees. */
static void
lc_finish_one(struct nst_diff *d, struct lc_dev *v)
{
    struct diff_inputs in;
    struct lyd_node *running = NULL;
    char why[600];
    nst_err ret;

    lc_inputs(d, v, &in);
    ret = diff_parse(v->res.ly, v->running, 0, &running, why, sizeof why);
    if (!ret) {
        ret = diff_compute(&v->res, running, &in, why, sizeof why);
    }
    if (!ret) {
        lc_foreign(v);
    }
    if (ret) {
        lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
    }
    secret_wipe_free(v->running);
    v->running = NULL;
}

/* A parser thread: the replies in the order their workers queued them (lc_live_one()),
 * until the workers are done and the queue is empty. A router's session closes (a round
 * trip) while its reply is parsed here; a few parsers (one a processor) rather than a
 * parse on every worker: at K = 50 the replies come in a burst at the end, and fifty
 * threads parsing at once only take turns on the processors (docs/PERFORMANCE.md, "Round 8:
 * the live diff's critical path"). */
static void *
lc_parser(void *arg)
{
    struct nst_diff *d = arg;

    pthread_mutex_lock(&d->mu);
    for (;;) {
        size_t i;

        while (d->pq_head == d->pq_tail && !d->pq_closed) {
            pthread_cond_wait(&d->pq_cv, &d->mu);
        }
        if (d->pq_head == d->pq_tail) {
            break;
        }
        i = d->pq[d->pq_head++];
        pthread_mutex_unlock(&d->mu);
        lc_finish_one(d, &d->devs[i]);
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void
lc_live_one(struct nst_diff *d, struct lc_dev *v)
{
    nst_err ret;
    const struct inv_device *iv = inv_find_device(d->inv, v->name);
    struct sess_opts o;
    struct sess_error err;
    struct diff_inputs in;
    const char *keys[2] = {NULL, NULL};
    char why[600], *filter = NULL, *text = NULL;
    int queued = 0;

    lc_inputs(d, v, &in);
    /* Every tree goes into the context with every device model: a device's session
     * context holds only what its <hello> and yang-library made libnetconf2 load. */
    v->res.ly = render_ly(d->render);
    ret = diff_load(&v->res, &in, why, sizeof why);
    if (!ret) {
        ret = lc_overlap(d, v, why, sizeof why);
    }
    if (!ret && diff_filter(&v->res, &filter)) {
        ret = NST_ENOMEM;
    }
    if (!ret && !filter) {
        /* Nothing to compare: the service has nothing there and owned nothing. */
        ret = diff_compute(&v->res, NULL, &in, why, sizeof why);
    }
    if (ret || !filter) {
        if (ret) {
            lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
        }
        nst_free(filter);
        return;
    }
    inv_sess_opts(iv, d->known_hosts, &o, keys);
    /* The diff only reads running configuration and parses it into the device models'
     * context: a session without libnetconf2 and its YANG context (session.h), so without
     * a schema cache either. */
    o.light = 1;
    if (sess_connect(&o, &v->s, &err)) {
        v->s = NULL;
        lc_dev_fail(v, sess_error_format(&err, why, sizeof why));
        goto cleanup;
    }
    if (sess_get_config_text(v->s, SESS_DS_RUNNING, filter, &text, &err)) {
        lc_dev_fail(v, sess_error_format(&err, why, sizeof why));
        goto cleanup;
    }
    v->running = text;
    text = NULL;
    /* To the parser threads, which work on it while the session closes; without them, here
     * once closed. From now on this thread touches v->s only. */
    pthread_mutex_lock(&d->mu);
    if (d->npq) {
        d->pq[d->pq_tail++] = (size_t)(v - d->devs);
        pthread_cond_signal(&d->pq_cv);
        queued = 1;
    }
    pthread_mutex_unlock(&d->mu);
    sess_free(v->s);
    v->s = NULL;
    if (!queued) {
        lc_finish_one(d, v);
    }

cleanup:
    secret_wipe_free(text);
    nst_free(filter);
    sess_free(v->s);
    v->s = NULL;
}

static void *
lc_worker(void *arg)
{
    struct nst_diff *d = arg;

    for (;;) {
        size_t i;

        pthread_mutex_lock(&d->mu);
        i = d->next++;
        pthread_mutex_unlock(&d->mu);
        if (i >= d->ndevs) {
            return NULL;
        }
        if (!(d->devs[i].status & (NST_DIFF_DEV_ERROR | NST_DIFF_DEV_SKIPPED))) {
            lc_live_one(d, &d->devs[i]);
        }
    }
}

/* Attach the record's texts to the devices; add devices the service no longer has. */
static nst_err
lc_attach_record(struct nst_diff *d)
{
    for (int k = 0; k < 2; k++) {
        const struct own_gen *g = k ? &d->pending : &d->current;

        for (size_t i = 0; i < g->ndevs; i++) {
            struct lc_dev *v = lc_find(d, g->devs[i].name);

            if (!v) {
                v = lc_dev_add(d, g->devs[i].name, g->devs[i].driver);
                if (!v) {
                    return NST_ENOMEM;
                }
            }
            if (!*v->driver && *g->devs[i].driver) {
                char *drv = nst_strdup(g->devs[i].driver);

                if (!drv) {
                    return NST_ENOMEM;
                }
                nst_free(v->driver);
                v->driver = drv;
            }
            if (k) {
                v->owned_alt = g->devs[i].owned;
                v->orig_alt = g->devs[i].orig;
                v->status |= NST_DIFF_DEV_UNCERTAIN;
            } else {
                v->owned = g->devs[i].owned;
                v->orig = g->devs[i].orig;
            }
        }
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        for (size_t g = 0; g < d->nothers; g++) {
            for (size_t j = 0; j < d->others[g].ndevs; j++) {
                char **nv;

                if (strcmp(d->others[g].devs[j].name, v->name)) {
                    continue;
                }
                nv = nst_realloc(v->others, (v->nothers + 1) * sizeof *nv);
                if (!nv) {
                    return NST_ENOMEM;
                }
                v->others = nv;
                nv = nst_realloc(v->others_orig, (v->nothers + 1) * sizeof *nv);
                if (!nv) {
                    return NST_ENOMEM;
                }
                v->others_orig = nv;
                {
                    const char **ns = nst_realloc(v->others_svc, (v->nothers + 1) * sizeof *ns);

                    if (!ns) {
                        return NST_ENOMEM;
                    }
                    v->others_svc = ns;
                    ns[v->nothers] = d->others[g].service[0] ? d->others[g].service : "another";
                }
                v->others_orig[v->nothers] = d->others[g].devs[j].orig;
                v->others[v->nothers++] = d->others[g].devs[j].owned;
            }
        }
    }
    return NST_OK;
}

/* Open the state directory: always for live diffs; offline only when it exists. */
static nst_err
lc_open_state(struct nst_diff *d)
{
    char why[512], path[4096];
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    struct stat sb;
    nst_err ret;

    if (d->offline && !(d->state_dir && strstr(d->state_dir, "://"))) {
        if (d->state_dir) {
            snprintf(path, sizeof path, "%s", d->state_dir);
        } else if (xdg && xdg[0] == '/') {
            snprintf(path, sizeof path, "%s/netstitch", xdg);
        } else if (home && home[0] == '/') {
            snprintf(path, sizeof path, "%s/.local/state/netstitch", home);
        } else {
            return NST_OK;
        }
        if (stat(path, &sb) || !S_ISDIR(sb.st_mode)) {
            return NST_OK;
        }
    }
    ret = store_open(d->state_dir, &d->st, why, sizeof why);
    if (ret) {
        snprintf(d->message, sizeof d->message, "state store: %s", why);
        return ret;
    }
    snprintf(d->known_hosts, sizeof d->known_hosts, "%s/known_hosts", store_dir(d->st));
    return NST_OK;
}

NST_API nst_err
nst_diff_run(struct nst_diff *d)
{
    pthread_t th[JOBS_MAX];
    size_t nth = 0, njobs;
    int drift = 0;
    nst_err ret;

    if (!d || d->ran || (!d->inv && !d->offline)) {
        return NST_EINVAL;
    }
    d->ran = 1;
    if (d->offline) {
        struct stat sb;

        /* A mistyped directory is not "every device is empty": refuse it. */
        int bad = stat(d->offline, &sb);

        if (bad || !S_ISDIR(sb.st_mode)) {
            snprintf(d->message, sizeof d->message, "--offline %s: %s", d->offline,
                     bad ? strerror(errno) : "not a directory");
            return NST_EINVAL;
        }
    }
    ret = lc_open_state(d);
    if (ret) {
        return ret;
    }
    if (d->st && !(d->flags & NST_DIFF_NO_STATE)) {
        ret = lc_read_record(d);
        if (!ret) {
            ret = lc_read_others(d);
        }
        if (!ret) {
            ret = lc_attach_record(d);
        }
        if (ret) {
            return ret;
        }
    }
    lc_apply_limit(d);
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        if (v->no_payload) {
            snprintf(v->error, sizeof v->error, "the %.40s driver renders no NETCONF payload yet",
                     *v->driver ? v->driver : "device's");
            v->status |= NST_DIFF_DEV_ERROR;
        }
        if (!d->offline && !inv_find_device(d->inv, v->name)) {
            snprintf(d->message, sizeof d->message, "device %s is not in the inventory", v->name);
            return NST_EINVAL;
        }
    }
    ret = lc_secrets(d);
    if (ret) {
        return ret;
    }
    if (d->render) {
        /* nst_diff_preload() built the models and parsed payloads meanwhile. */
        lc_preload_join(d, 1, 1);
    } else {
        ret = lc_models(d->ctx, &d->render);
        if (ret) {
            snprintf(d->message, sizeof d->message, "%s",
                     d->render ? "cannot load ietf-netconf" : "cannot load the device models");
            return ret;
        }
    }
    if (d->offline) {
        for (size_t i = 0; i < d->ndevs; i++) {
            if (!(d->devs[i].status & (NST_DIFF_DEV_ERROR | NST_DIFF_DEV_SKIPPED))) {
                lc_offline_one(d, &d->devs[i]);
            }
        }
    } else {
        d->next = 0;
        d->pq_head = d->pq_tail = 0;
        d->pq_closed = 0;
        njobs = jobs_count(d->jobs, d->ndevs);
        if (!nst_alloc_hooked() && (d->pq = nst_calloc(d->ndevs ? d->ndevs : 1, sizeof *d->pq))) {
            long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
            size_t want = ncpu > 1 ? (size_t)ncpu : 1;

            want = want < LC_PARSERS ? want : LC_PARSERS;
            want = want < d->ndevs ? want : d->ndevs;
            while (d->npq < want && !pthread_create(&d->pq_tid[d->npq], NULL, lc_parser, d)) {
                d->npq++;
            }
        }
        for (nth = 0; nth < njobs; nth++) {
            if (pthread_create(&th[nth], NULL, lc_worker, d)) {
                break;
            }
        }
        if (!nth) {
            lc_worker(d);
        }
        for (size_t i = 0; i < nth; i++) {
            pthread_join(th[i], NULL);
        }
        pthread_mutex_lock(&d->mu);
        d->pq_closed = 1;
        pthread_cond_broadcast(&d->pq_cv);
        pthread_mutex_unlock(&d->mu);
        for (size_t i = 0; i < d->npq; i++) {
            pthread_join(d->pq_tid[i], NULL);
        }
        d->npq = 0;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        if (v->res.diff) {
            v->status |= NST_DIFF_DEV_CHANGES;
        }
        if (v->res.ndrift) {
            v->status |= NST_DIFF_DEV_DRIFT;
            drift = 1;
        }
        if ((v->status & NST_DIFF_DEV_FOREIGN) && !d->message[0]) {
            snprintf(d->message, sizeof d->message,
                     "device %s holds configuration with netstitch's marks for this service "
                     "that %s has no record of (%.400s): pushed from another state store?",
                     v->name, d->st ? store_location(d->st) : "the state store", v->foreign);
        }
    }
    /* The record was read without the service lock, before the devices were: a push of
     * this service by another process that committed in between looks like drift against
     * it. Then this diff is stale, as nst_diff_apply_begin() finds when the record changed
     * before its lock: "run again" (NST_EBUSY), not drift (t_store_sqlite's two processes
     * pushing one service at once were refused as drift under load). */
    if (drift && d->st && !(d->flags & NST_DIFF_NO_STATE)) {
        char cur[48];

        if (lc_record_moved(d, cur, sizeof cur)) {
            snprintf(d->message, sizeof d->message,
                     "service %s was applied by another netstitch process while this diff ran "
                     "(its record is now %s); run again",
                     d->service, cur[0] ? cur : "empty");
            return NST_EBUSY;
        }
    }
    return NST_OK;
}

/*
 * Results
 */

NST_API size_t
nst_diff_device_count(const struct nst_diff *d)
{
    return d ? d->ndevs : 0;
}

NST_API const char *
nst_diff_device_name(const struct nst_diff *d, size_t i)
{
    return d && i < d->ndevs ? d->devs[i].name : NULL;
}

NST_API unsigned
nst_diff_device_status(const struct nst_diff *d, size_t i)
{
    return d && i < d->ndevs ? d->devs[i].status : 0;
}

NST_API const char *
nst_diff_device_error(const struct nst_diff *d, size_t i)
{
    return d && i < d->ndevs ? d->devs[i].error : NULL;
}

NST_API const char *
nst_diff_message(const struct nst_diff *d)
{
    return d ? d->message : "";
}

static const char *
lc_status_name(unsigned st)
{
    if (st & NST_DIFF_DEV_ERROR) {
        return "error";
    }
    return (st & NST_DIFF_DEV_CHANGES) ? "changes" : "in-sync";
}

NST_API nst_err
nst_diff_print(const struct nst_diff *d, enum nst_diff_format fmt, unsigned flags, char **text)
{
    struct diff_buf b = {0};
    int color = (flags & NST_DIFF_COLOR) != 0, first = 1;

    if (!d || !text || !d->ran) {
        return NST_EINVAL;
    }
    if (fmt == NST_DIFF_FORMAT_JSON) {
        int errors = 0, changes = 0;

        for (size_t i = 0; i < d->ndevs; i++) {
            errors |= (d->devs[i].status & NST_DIFF_DEV_ERROR) != 0;
            changes |= (d->devs[i].status & NST_DIFF_DEV_CHANGES) != 0;
        }
        /* As the other commands' reports: the command and its exit status (docs/diff.md:
         * errors win over changes). */
        diff_buf_printf(&b, "{\"command\": \"diff\", \"exit\": %d, \"service\": ",
                        errors    ? 1
                        : changes ? 3
                                  : 0);
        diff_json_str(&b, d->service);
        diff_buf_printf(&b, ", \"uncertain\": %s, \"devices\": [", d->uncertain ? "true" : "false");
    } else if (fmt == NST_DIFF_FORMAT_XML) {
        diff_buf_puts(&b, "<diff xmlns=\"urn:netstitch:diff\" service=\"");
        diff_buf_puts(&b, d->service);
        diff_buf_puts(&b, "\">\n");
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

        if (v->status & NST_DIFF_DEV_SKIPPED) {
            continue;
        }
        switch (fmt) {
        case NST_DIFF_FORMAT_JSON:
            diff_buf_printf(&b, "%s\n  {\"name\": ", first ? "" : ",");
            first = 0;
            diff_json_str(&b, v->name);
            diff_buf_puts(&b, ", \"driver\": ");
            diff_json_str(&b, v->driver);
            diff_buf_printf(&b, ", \"status\": \"%s\", \"error\": ", lc_status_name(v->status));
            if (v->status & NST_DIFF_DEV_ERROR) {
                diff_json_str(&b, v->error);
            } else {
                diff_buf_puts(&b, "null");
            }
            diff_buf_puts(&b, ",\n    ");
            diff_print_json(&b, &v->res);
            diff_buf_puts(&b, "}");
            break;
        case NST_DIFF_FORMAT_XML: {
            char *edit = NULL;

            if (v->status & NST_DIFF_DEV_ERROR) {
                diff_buf_printf(&b, "  <!-- device %s: not compared -->\n", v->name);
            }
            /* Deferred by the run (diff_inputs.defer): made here, not kept. */
            if (!v->res.edit && v->res.deferred && diff_edit_text(&v->res, &edit)) {
                b.failed = 1;
            }
            if (!v->res.edit && !edit) {
                break;
            }
            diff_buf_printf(&b, "  <device name=\"%s\" driver=\"%s\">\n", v->name, v->driver);
            diff_buf_printf(&b, "<config xmlns=\"%s\">\n", RENDER_NC_NS);
            diff_buf_puts(&b, v->res.edit ? v->res.edit : edit);
            diff_buf_puts(&b, "</config>\n  </device>\n");
            nst_free(edit);
            break;
        }
        case NST_DIFF_FORMAT_CLI:
            if (v->status & NST_DIFF_DEV_ERROR) {
                diff_buf_printf(&b, "%s# device %s: not compared: %s%s\n", color ? "\033[31m" : "",
                                v->name, v->error, color ? "\033[0m" : "");
            }
            diff_print_cli(&b, &v->res, v->name, v->driver, color);
            break;
        case NST_DIFF_FORMAT_TREE:
        default:
            if (v->status & NST_DIFF_DEV_ERROR) {
                diff_buf_printf(&b, "%s! device %s: not compared: %s%s\n", color ? "\033[31m" : "",
                                v->name, v->error, color ? "\033[0m" : "");
            }
            diff_print_tree(&b, &v->res, v->name, color);
            break;
        }
    }
    if (fmt == NST_DIFF_FORMAT_JSON) {
        diff_buf_printf(&b, "%s]}\n", d->ndevs ? "\n" : "");
    } else if (fmt == NST_DIFF_FORMAT_XML) {
        diff_buf_puts(&b, "</diff>\n");
    }
    if (b.failed) {
        nst_free(b.s);
        return NST_ENOMEM;
    }
    if (!b.s) {
        b.s = nst_strdup("");
    }
    *text = secret_scrub(&d->secrets, b.s);
    nst_free(b.s);
    return *text ? NST_OK : NST_ENOMEM;
}

/*
 * Applying: ownership around a push
 */

static int
lc_text_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The generation a push would write equals the current one. */
static int
lc_record_unchanged(const struct nst_diff *d)
{
    size_t n = 0;

    if (d->uncertain || !d->current.name[0]) {
        return 0;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];
        const struct own_gen_dev *gd = NULL;

        if (!v->res.target) {
            continue;
        }
        for (size_t j = 0; j < d->current.ndevs; j++) {
            if (!strcmp(d->current.devs[j].name, v->name)) {
                gd = &d->current.devs[j];
            }
        }
        if (!gd || !lc_text_same(gd->owned, v->target) ||
            !lc_text_same(gd->orig, v->res.next_orig) || strcmp(gd->driver, v->driver)) {
            return 0;
        }
        n++;
    }
    return n == d->current.ndevs;
}

static void
lc_unlock(struct nst_diff *d)
{
    store_unlock(d->lock);
    d->lock = NULL;
}

NST_API nst_err
nst_diff_apply_begin(struct nst_diff *d, struct nst_txn *txn, size_t *added)
{
    struct own_gen g;
    char why[512], cur[48];
    nst_err ret = NST_OK;

    if (!d || !d->ran || d->lock || !added || d->offline) {
        return NST_EINVAL;
    }
    *added = 0;
    for (size_t i = 0; i < d->ndevs; i++) {
        if (d->devs[i].status & NST_DIFF_DEV_ERROR) {
            snprintf(d->message, sizeof d->message, "device %s could not be compared: %s",
                     d->devs[i].name, d->devs[i].error);
            return NST_EINVAL;
        }
    }
    /* The edits and P' the run deferred (diff_inputs.defer); the workers are done, so the
     * shared context is this thread's. */
    for (size_t i = 0; i < d->ndevs; i++) {
        ret = diff_complete(&d->devs[i].res);
        if (ret) {
            snprintf(d->message, sizeof d->message, "device %s: %s", d->devs[i].name,
                     nst_strerror(ret));
            return ret;
        }
    }
    if (!d->st) {
        ret = store_open(d->state_dir, &d->st, why, sizeof why);
        if (ret) {
            snprintf(d->message, sizeof d->message, "state directory: %s", why);
            return ret;
        }
    }
    ret = store_lock_service(d->st, d->service, &d->lock);
    if (ret) {
        snprintf(d->message, sizeof d->message,
                 ret == NST_EBUSY ? "service %s is being applied by another netstitch process"
                                  : "cannot lock service %s",
                 d->service);
        d->lock = NULL;
        return ret;
    }
    /* The diff read the record without the lock: another process may have applied the
     * service since. Then this diff is stale and pushing it would undo that change. */
    if (lc_record_moved(d, cur, sizeof cur)) {
        snprintf(d->message, sizeof d->message,
                 "service %s was applied by another netstitch process since this diff was made "
                 "(its record is now %s); run again",
                 d->service, cur[0] ? cur : "empty");
        lc_unlock(d);
        return NST_EBUSY;
    }
    if (!txn && lc_record_unchanged(d)) {
        /* Nothing pushed and nothing to record: keep the record (and its transaction id,
         * which rollback looks for) as it is. */
        d->noop = 1;
        return NST_OK;
    }
    /* The new generation: every device the service has something on. */
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "gen-%lu", own_gen_next(d->st, d->service));
    snprintf(g.previous, sizeof g.previous, "%s", d->current.name);
    g.devs = nst_calloc(d->ndevs ? d->ndevs : 1, sizeof *g.devs);
    if (!g.devs) {
        lc_unlock(d);
        return NST_ENOMEM;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

        if (v->status & NST_DIFF_DEV_SKIPPED) {
            /* Outside --limit: what the record said stays (borrowed from current). */
            for (size_t j = 0; j < d->current.ndevs; j++) {
                if (!strcmp(d->current.devs[j].name, v->name)) {
                    g.devs[g.ndevs++] = d->current.devs[j];
                }
            }
            continue;
        }
        if (!v->res.target) {
            continue;
        }
        /* Borrowed: the generation is only written, never freed here. */
        g.devs[g.ndevs].name = v->name;
        g.devs[g.ndevs].driver = v->driver;
        g.devs[g.ndevs].owned = v->target;
        g.devs[g.ndevs].orig = v->res.next_orig;
        g.ndevs++;
    }
    ret = own_gen_write(d->st, d->service, &g);
    if (!ret) {
        ret = own_set_line(d->st, d->service, "pending", g.name);
    }
    if (ret) {
        snprintf(d->message, sizeof d->message, "cannot write the ownership record of %s",
                 d->service);
        own_gen_remove(d->st, d->service, g.name);
        nst_free(g.devs);
        lc_unlock(d);
        return ret;
    }
    snprintf(d->applying, sizeof d->applying, "%s", g.name);
    nst_free(g.devs);
    for (size_t i = 0; txn && i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

        const char *edit = v->res.edit;

        /* Redeploy: an in-sync device gets the service's whole configuration again. */
        if (!edit && (d->flags & NST_DIFF_REDEPLOY) && v->res.target) {
            edit = v->target;
        }
        if (!edit) {
            continue;
        }
        ret = nst_txn_add_payload(txn, v->name, *v->driver ? v->driver : NULL, edit);
        if (ret) {
            snprintf(d->message, sizeof d->message, "device %s: %s", v->name,
                     *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(ret));
            return ret;
        }
        (*added)++;
    }
    return NST_OK;
}

NST_API nst_err
nst_diff_apply_end(struct nst_diff *d, const struct nst_txn *txn)
{
    enum nst_txn_outcome o = txn ? nst_txn_outcome(txn) : NST_TXN_COMMITTED;
    nst_err ret = NST_OK;

    if (d && d->noop) {
        d->noop = 0;
        lc_unlock(d);
        return NST_OK;
    }
    if (!d || !d->lock || !d->applying[0]) {
        return NST_EINVAL;
    }
    if (o == NST_TXN_COMMITTED) {
        struct own_gen g;

        /* Record the transaction in the generation, then make it current. */
        if (!own_gen_read(d->st, d->service, d->applying, &g)) {
            snprintf(g.txid, sizeof g.txid, "%s", txn && nst_txn_id(txn) ? nst_txn_id(txn) : "-");
            ret = own_gen_write(d->st, d->service, &g);
            own_gen_clear(&g);
        }
        if (!ret) {
            ret = own_set_line(d->st, d->service, "current", d->applying);
        }
        if (!ret) {
            own_set_line(d->st, d->service, "pending", NULL);
            own_prune(d->st, d->service, d->applying, d->applying);
        }
    } else if (o != NST_TXN_INCOMPLETE) {
        /* Nothing reached the devices: the old record stands. An incomplete transaction
         * leaves the pending generation: recover decides what the devices hold. */
        own_set_line(d->st, d->service, "pending", NULL);
        own_gen_remove(d->st, d->service, d->applying);
    }
    if (ret) {
        snprintf(d->message, sizeof d->message,
                 "the push committed but the ownership record of %s could not be updated",
                 d->service);
    }
    lc_unlock(d);
    d->applying[0] = '\0';
    return ret;
}
