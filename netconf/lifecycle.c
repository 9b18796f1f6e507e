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
 *   live     parse T, O, P and X, connect (inventory, host-key policy, schema cache in
 *            the state directory), <get-config> of running with the subtree filter
 *            diff_filter() derives from T and O, close the session, diff_compute();
 *   offline  the same against DIR/<device>.xml, sequentially.
 * Every tree of every device lives in one libyang context holding every device model
 * (render.h's): a session's own context holds only what the device's <hello> and
 * yang-library made libnetconf2 load, which for netsim's vendor modules is not enough.
 * The sessions run in parallel; building trees in the shared context is serialised
 * (ly_mu): it takes milliseconds per device against the round trips of a session.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "ctx.h"
#include "diff.h"
#include "inventory.h"
#include "jobs.h"
#include "render.h"
#include "session.h"
#include "state.h"
#include "txn.h"

/* The largest saved configuration diff --offline reads (the service size limit). */
#define LC_SAVED_MAX (32L << 20)

#define LC_KEEP_GENS 3
#define LC_META_MAGIC "netstitch-service 1"

/* One device of a generation. */
struct lc_gen_dev {
    char *name;
    char *driver;
    char *owned;
    char *orig;
};

/* One generation of a service's record. */
struct lc_gen {
    char name[32]; /* "gen-N", "" when none */
    char txid[64];
    char previous[32];
    struct lc_gen_dev *devs;
    size_t ndevs;
};

struct lc_dev {
    char *name;
    char *driver;
    char *target;   /* normalised payload, NULL: nothing for this device */
    int has_target; /* added by nst_diff_add_target() */
    int no_payload; /* the driver renders none */
    const char *owned, *orig, *owned_alt, *orig_alt; /* borrowed from the generations */
    char **others;                                   /* owned texts of other services, borrowed */
    char **others_orig;                              /* their originals (or NULL), parallel */
    size_t nothers;
    struct sess *s; /* closed after the fetch; kept for its context */
    struct diff_result res;
    unsigned status;
    char error[512];
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
    int ran;
    char message[1200];
    /* ownership */
    struct lc_gen current, pending;
    int uncertain;
    struct lc_gen *others;
    size_t nothers;
    /* secrets read for comparing keys; wiped on free */
    char **sec_names, **sec_values;
    size_t nsec;
    /* run */
    struct st_dir *st;
    struct render *render; /* offline: every device model */
    char known_hosts[4096];
    pthread_mutex_t mu;    /* the next device to work on */
    pthread_mutex_t ly_mu; /* the shared libyang context: parsing, comparing */
    size_t next;
    /* apply */
    int lock_fd;
    int svc_fd;
    char applying[32];
    int noop; /* apply_begin found nothing to record */
};

/*
 * Names and generations
 */

int
lc_service_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (!n || n > 64 || !strcmp(name, ".") || !strcmp(name, "..")) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

static void
lc_gen_clear(struct lc_gen *g)
{
    for (size_t i = 0; i < g->ndevs; i++) {
        nst_free(g->devs[i].name);
        nst_free(g->devs[i].driver);
        nst_free(g->devs[i].owned);
        nst_free(g->devs[i].orig);
    }
    nst_free(g->devs);
    memset(g, 0, sizeof *g);
}

/* Read a one-line file ("current", "pending") into @buf; "" when missing. */
static void
lc_read_line(int dirfd, const char *file, char *buf, size_t len)
{
    char *text = NULL;

    buf[0] = '\0';
    if (st_read(dirfd, file, &text)) {
        return;
    }
    text[strcspn(text, "\r\n")] = '\0';
    if (!strncmp(text, "gen-", 4) && strlen(text) < len && !strchr(text, '/')) {
        strcpy(buf, text);
    }
    nst_free(text);
}

/* Read generation @name of the service directory @svcfd. */
static nst_err
lc_gen_read(int svcfd, const char *name, struct lc_gen *g)
{
    char *meta = NULL, *line, *save = NULL, file[64];
    int gfd;
    nst_err ret = NST_OK;

    memset(g, 0, sizeof *g);
    gfd = openat(svcfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (gfd < 0) {
        return NST_EIO;
    }
    ret = st_read(gfd, "meta", &meta);
    if (ret) {
        goto cleanup;
    }
    if (strncmp(meta, LC_META_MAGIC "\n", strlen(LC_META_MAGIC) + 1)) {
        ret = NST_EIO;
        goto cleanup;
    }
    snprintf(g->name, sizeof g->name, "%s", name);
    for (line = strtok_r(meta, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
        unsigned idx, has_orig;
        char driver[32];
        int off = 0;

        if (!strncmp(line, "txid ", 5)) {
            snprintf(g->txid, sizeof g->txid, "%s", line + 5);
        } else if (!strncmp(line, "previous ", 9)) {
            snprintf(g->previous, sizeof g->previous, "%s", line + 9);
        } else if (sscanf(line, "device %u %31s %u %n", &idx, driver, &has_orig, &off) == 3 &&
                   off > 0 && idx == g->ndevs) {
            struct lc_gen_dev *v = nst_realloc(g->devs, (g->ndevs + 1) * sizeof *v), *gd;

            if (!v) {
                ret = NST_ENOMEM;
                break;
            }
            g->devs = v;
            gd = &v[g->ndevs++];
            memset(gd, 0, sizeof *gd);
            gd->name = nst_strdup(line + off);
            gd->driver = nst_strdup(strcmp(driver, "-") ? driver : "");
            if (!gd->name || !gd->driver) {
                ret = NST_ENOMEM;
                break;
            }
            snprintf(file, sizeof file, "dev-%u.owned.xml", idx);
            ret = st_read(gfd, file, &gd->owned);
            if (!ret && has_orig) {
                snprintf(file, sizeof file, "dev-%u.orig.xml", idx);
                ret = st_read(gfd, file, &gd->orig);
            }
        }
    }

cleanup:
    nst_free(meta);
    close(gfd);
    if (ret) {
        lc_gen_clear(g);
    }
    return ret;
}

/* The meta file's text. */
static char *
lc_gen_meta(const char *service, const struct lc_gen *g)
{
    struct diff_buf b = {0};

    diff_buf_printf(&b, "%s\nservice %s\ntxid %s\nprevious %s\ncreated %ld\ndevices %zu\n",
                    LC_META_MAGIC, service, g->txid[0] ? g->txid : "-",
                    g->previous[0] ? g->previous : "-", (long)time(NULL), g->ndevs);
    for (size_t i = 0; i < g->ndevs; i++) {
        diff_buf_printf(&b, "device %zu %s %d %s\n", i,
                        g->devs[i].driver && *g->devs[i].driver ? g->devs[i].driver : "-",
                        g->devs[i].orig ? 1 : 0, g->devs[i].name);
    }
    if (b.failed) {
        nst_free(b.s);
        return NULL;
    }
    return b.s;
}

/* Write generation @g (named g->name) completely and durably. */
static nst_err
lc_gen_write(int svcfd, const char *service, const struct lc_gen *g)
{
    char file[64], *meta = NULL;
    int gfd;
    nst_err ret = NST_OK;

    if (mkdirat(svcfd, g->name, 0700) && errno != EEXIST) {
        return NST_EIO;
    }
    gfd = openat(svcfd, g->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (gfd < 0) {
        return NST_EIO;
    }
    for (size_t i = 0; i < g->ndevs && !ret; i++) {
        snprintf(file, sizeof file, "dev-%zu.owned.xml", i);
        ret = st_write_durable(gfd, file, g->devs[i].owned, strlen(g->devs[i].owned));
        if (!ret && g->devs[i].orig) {
            snprintf(file, sizeof file, "dev-%zu.orig.xml", i);
            ret = st_write_durable(gfd, file, g->devs[i].orig, strlen(g->devs[i].orig));
        }
    }
    if (!ret) {
        meta = lc_gen_meta(service, g);
        ret = meta ? st_write_durable(gfd, "meta", meta, strlen(meta)) : NST_ENOMEM;
    }
    if (!ret && fsync(svcfd)) {
        ret = NST_EIO;
    }
    nst_free(meta);
    close(gfd);
    return ret;
}

/* Remove a generation directory (its files, then itself). */
static void
lc_gen_remove(int svcfd, const char *name)
{
    int gfd = openat(svcfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *dir;
    struct dirent *e;

    if (gfd < 0) {
        return;
    }
    dir = fdopendir(gfd);
    if (!dir) {
        close(gfd);
        return;
    }
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            unlinkat(dirfd(dir), e->d_name, 0);
        }
    }
    closedir(dir);
    unlinkat(svcfd, name, AT_REMOVEDIR);
}

/* The next free generation number of a service directory. */
static unsigned long
lc_gen_next(int svcfd)
{
    unsigned long max = 0;
    int fd = dup(svcfd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (!dir) {
        if (fd >= 0) {
            close(fd);
        }
        return (unsigned long)time(NULL);
    }
    /* The duplicate shares the directory offset with @svcfd: start from the top. */
    rewinddir(dir);
    while ((e = readdir(dir))) {
        unsigned long n;
        char tail;

        if (sscanf(e->d_name, "gen-%lu%c", &n, &tail) == 1 && n > max) {
            max = n;
        }
    }
    closedir(dir);
    return max + 1;
}

/* Open services/<name> below the state directory; create it when @create. -1 if absent. */
static int
lc_svc_open(int stfd, const char *name, int create)
{
    int sfd, fd;

    if (create && mkdirat(stfd, "services", 0700) && errno != EEXIST) {
        return -1;
    }
    sfd = openat(stfd, "services", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (sfd < 0) {
        return -1;
    }
    if (create && mkdirat(sfd, name, 0700) && errno != EEXIST) {
        close(sfd);
        return -1;
    }
    fd = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (create && fd >= 0) {
        fsync(sfd);
    }
    close(sfd);
    return fd;
}

/* Try the service lock: the fd (held) or -1; @busy set when another process holds it. */
static int
lc_lock(int svcfd, int *busy)
{
    int fd = openat(svcfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    *busy = 0;
    if (fd < 0) {
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        *busy = errno == EWOULDBLOCK;
        close(fd);
        return -1;
    }
    return fd;
}

/* Read current and (stale) pending of the service in @svcfd into @d. */
static nst_err
lc_read_record(struct nst_diff *d, int svcfd)
{
    char cur[32], pend[32];
    nst_err ret = NST_OK;
    int busy = 0, fd;

    lc_read_line(svcfd, "current", cur, sizeof cur);
    lc_read_line(svcfd, "pending", pend, sizeof pend);
    if (cur[0]) {
        ret = lc_gen_read(svcfd, cur, &d->current);
        if (ret) {
            snprintf(d->message, sizeof d->message,
                     "the ownership record of service %s (%s) cannot be read", d->service, cur);
            return ret == NST_ENOMEM ? ret : NST_EIO;
        }
    }
    if (pend[0] && strcmp(pend, cur)) {
        fd = lc_lock(svcfd, &busy);
        if (fd >= 0) {
            close(fd);
        }
        if (!lc_gen_read(svcfd, pend, &d->pending)) {
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
    int sfd = openat(d->st->fd, "services", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *dir;
    struct dirent *e;
    nst_err ret = NST_OK;

    if (sfd < 0) {
        return NST_OK;
    }
    dir = fdopendir(sfd);
    if (!dir) {
        close(sfd);
        return NST_OK;
    }
    while (!ret && (e = readdir(dir))) {
        char line[32];
        int fd;

        if (!lc_service_name_valid(e->d_name) || !strcmp(e->d_name, d->service)) {
            continue;
        }
        fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            continue;
        }
        for (int k = 0; k < 2 && !ret; k++) {
            struct lc_gen *v;

            lc_read_line(fd, k ? "pending" : "current", line, sizeof line);
            if (!line[0]) {
                continue;
            }
            v = nst_realloc(d->others, (d->nothers + 1) * sizeof *v);
            if (!v) {
                ret = NST_ENOMEM;
                break;
            }
            d->others = v;
            if (!lc_gen_read(fd, line, &v[d->nothers])) {
                d->nothers++;
            }
        }
        close(fd);
    }
    closedir(dir);
    return ret;
}

/*
 * The object
 */

NST_API nst_err
nst_diff_new(struct nst_ctx *ctx, const char *service, struct nst_diff **out)
{
    struct nst_diff *d;

    if (!ctx || !out || !lc_service_name_valid(service)) {
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
    d->lock_fd = -1;
    d->svc_fd = -1;
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->ly_mu, NULL);
    *out = d;
    return NST_OK;
}

NST_API void
nst_diff_free(struct nst_diff *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        /* Trees first: they live in the session's context. */
        diff_result_clear(&v->res);
        sess_free(v->s);
        nst_free(v->name);
        nst_free(v->driver);
        nst_free(v->target);
        nst_free(v->others);
        nst_free(v->others_orig);
    }
    nst_free(d->devs);
    lc_gen_clear(&d->current);
    lc_gen_clear(&d->pending);
    for (size_t i = 0; i < d->nothers; i++) {
        lc_gen_clear(&d->others[i]);
    }
    nst_free(d->others);
    for (size_t i = 0; i < d->nsec; i++) {
        nst_free(d->sec_names[i]);
        inv_secret_wipe(d->sec_values[i]);
    }
    nst_free(d->sec_names);
    nst_free(d->sec_values);
    if (d->render) {
        render_free(d->render);
        ly_temp_log_options(NULL);
    }
    if (d->lock_fd >= 0) {
        close(d->lock_fd);
    }
    if (d->svc_fd >= 0) {
        close(d->svc_fd);
    }
    st_close(d->st);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->ly_mu);
    nst_free(d->offline);
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
            if (!texts[t] || txn_secrets_scan(texts[t], &names)) {
                continue;
            }
            for (size_t k = 0; names[k] && !ret; k++) {
                const struct inv_secret *sec = inv_find_secret(d->inv, names[k]);
                size_t j;
                char *value = NULL, **nn, **nv;

                for (j = 0; j < d->nsec && strcmp(d->sec_names[j], names[k]); j++) {
                }
                if (j < d->nsec || !sec) {
                    continue;
                }
                ret = inv_secret_read(sec->source, &value, why, sizeof why);
                if (ret == NST_EINVAL) {
                    /* Not fatal for a diff: the key is then compared by name only. */
                    snprintf(d->message, sizeof d->message,
                             "secret '%s' cannot be read (%s): keys set outside netstitch show "
                             "as changes",
                             names[k], why);
                    ret = NST_OK;
                    continue;
                }
                if (ret) {
                    break;
                }
                nn = nst_realloc(d->sec_names, (d->nsec + 1) * sizeof *nn);
                if (nn) {
                    d->sec_names = nn;
                }
                nv = nst_realloc(d->sec_values, (d->nsec + 1) * sizeof *nv);
                if (nv) {
                    d->sec_values = nv;
                }
                if (!nn || !nv || !(d->sec_names[d->nsec] = nst_strdup(names[k]))) {
                    inv_secret_wipe(value);
                    ret = NST_ENOMEM;
                    break;
                }
                d->sec_values[d->nsec++] = value;
            }
            txn_names_free(names);
            names = NULL;
        }
    }
    return ret;
}

static void
lc_inputs(const struct nst_diff *d, const struct lc_dev *v, struct diff_inputs *in)
{
    memset(in, 0, sizeof *in);
    in->target = v->target;
    in->owned = v->owned;
    in->orig = v->orig;
    in->owned_alt = v->owned_alt;
    in->orig_alt = v->orig_alt;
    in->others = (const char *const *)v->others;
    in->others_orig = (const char *const *)v->others_orig;
    in->nothers = v->nothers;
    in->sec_names = d->sec_names;
    in->sec_values = d->sec_values;
    in->nsec = d->nsec;
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
    FILE *f;

    lc_inputs(d, v, &in);
    v->res.ly = render_ly(d->render);
    ret = diff_load(&v->res, &in, why, sizeof why);
    if (ret) {
        lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
        return;
    }
    lc_file_name(d->offline, v->name, path, sizeof path);
    /* O_NONBLOCK and the checks below: a FIFO would block, a device (a link to
     * /dev/zero) or a huge file would never end or take all memory. */
    {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;

        f = NULL;
        if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > LC_SAVED_MAX)) {
            snprintf(why, sizeof why, "%.500s: %s", path,
                     S_ISREG(st.st_mode) ? "larger than 32 MiB" : "not a regular file");
            close(fd);
            lc_dev_fail(v, why);
            return;
        }
        if (fd >= 0 && !(f = fdopen(fd, "r"))) {
            close(fd);
        }
    }
    if (f) {
        struct diff_buf b = {0};
        char chunk[8192];
        size_t got;

        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            diff_buf_printf(&b, "%.*s", (int)got, chunk);
        }
        fclose(f);
        if (b.failed) {
            nst_free(b.s);
            lc_dev_fail(v, "out of memory");
            return;
        }
        text = b.s;
    } else if (errno != ENOENT) {
        snprintf(why, sizeof why, "cannot read %.500s", path);
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
    }
}

static void
lc_live_one(struct nst_diff *d, struct lc_dev *v)
{
    nst_err ret;
    const struct inv_device *iv = inv_find_device(d->inv, v->name);
    struct sess_opts o;
    struct sess_error err;
    struct diff_inputs in;
    struct lyd_node *running = NULL;
    const char *keys[2] = {NULL, NULL};
    char cache[4096], why[600], *filter = NULL, *text = NULL;
    size_t k;

    lc_inputs(d, v, &in);
    /* Every tree goes into the context with every device model: a device's session
     * context holds only what its <hello> and yang-library made libnetconf2 load. */
    v->res.ly = render_ly(d->render);
    /* The sessions work in parallel; the trees of the shared context are built one device
     * at a time (a few milliseconds each), which keeps libyang's thread rules trivially. */
    pthread_mutex_lock(&d->ly_mu);
    ret = diff_load(&v->res, &in, why, sizeof why);
    if (!ret && diff_filter(&v->res, &filter)) {
        ret = NST_ENOMEM;
    }
    if (!ret && !filter) {
        /* Nothing to compare: the service has nothing there and owned nothing. */
        ret = diff_compute(&v->res, NULL, &in, why, sizeof why);
    }
    pthread_mutex_unlock(&d->ly_mu);
    if (ret || !filter) {
        if (ret) {
            lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
        }
        nst_free(filter);
        return;
    }
    inv_sess_opts(iv, d->known_hosts, &o, keys);
    k = (size_t)snprintf(cache, sizeof cache, "%s/schema-cache", d->st->path);
    mkdir(cache, 0700);
    snprintf(cache + k, sizeof cache - k, "/%s_%u", iv->address, (unsigned)iv->port);
    for (char *c = cache + k + 1; *c; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              *c == '.' || *c == '-')) {
            *c = '_';
        }
    }
    mkdir(cache, 0700);
    o.schema_cache_dir = cache;
    if (sess_connect(&o, &v->s, &err)) {
        v->s = NULL;
        lc_dev_fail(v, sess_error_format(&err, why, sizeof why));
        goto cleanup;
    }
    if (sess_get_config(v->s, SESS_DS_RUNNING, filter, &text, &err)) {
        lc_dev_fail(v, sess_error_format(&err, why, sizeof why));
        goto cleanup;
    }
    sess_free(v->s);
    v->s = NULL;
    pthread_mutex_lock(&d->ly_mu);
    ret = diff_parse(v->res.ly, text, 0, &running, why, sizeof why);
    if (!ret) {
        ret = diff_compute(&v->res, running, &in, why, sizeof why);
    }
    pthread_mutex_unlock(&d->ly_mu);
    if (ret) {
        lc_dev_fail(v, ret == NST_ENOMEM ? "out of memory" : why);
    }

cleanup:
    txn_wipe_free(text);
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
        if (!(d->devs[i].status & NST_DIFF_DEV_ERROR)) {
            lc_live_one(d, &d->devs[i]);
        }
    }
}

/* Attach the record's texts to the devices; add devices the service no longer has. */
static nst_err
lc_attach_record(struct nst_diff *d)
{
    for (int k = 0; k < 2; k++) {
        const struct lc_gen *g = k ? &d->pending : &d->current;

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

    if (d->offline) {
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
    ret = st_open(d->state_dir, &d->st, why, sizeof why);
    if (ret) {
        snprintf(d->message, sizeof d->message, "state directory: %s", why);
        return ret;
    }
    snprintf(d->known_hosts, sizeof d->known_hosts, "%s/known_hosts", d->st->path);
    return NST_OK;
}

NST_API nst_err
nst_diff_run(struct nst_diff *d)
{
    pthread_t th[JOBS_MAX];
    size_t nth = 0, njobs;
    nst_err ret;
    int svcfd = -1;

    if (!d || d->ran || (!d->inv && !d->offline)) {
        return NST_EINVAL;
    }
    d->ran = 1;
    ret = lc_open_state(d);
    if (ret) {
        return ret;
    }
    if (d->st && !(d->flags & NST_DIFF_NO_STATE)) {
        svcfd = lc_svc_open(d->st->fd, d->service, 0);
        if (svcfd >= 0) {
            ret = lc_read_record(d, svcfd);
            close(svcfd);
        }
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
    ret = render_new(d->ctx, NULL, 0, &d->render);
    ly_temp_log_options(NULL);
    if (ret) {
        snprintf(d->message, sizeof d->message, "cannot load the device models");
        return ret;
    }
    if (!ly_ctx_load_module(render_ly(d->render), "ietf-netconf", "2011-06-01", NULL)) {
        snprintf(d->message, sizeof d->message, "cannot load ietf-netconf");
        return NST_EENV;
    }
    if (d->offline) {
        for (size_t i = 0; i < d->ndevs; i++) {
            if (!(d->devs[i].status & NST_DIFF_DEV_ERROR)) {
                lc_offline_one(d, &d->devs[i]);
            }
        }
    } else {
        d->next = 0;
        njobs = jobs_count(d->jobs, d->ndevs);
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
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        struct lc_dev *v = &d->devs[i];

        if (v->res.diff) {
            v->status |= NST_DIFF_DEV_CHANGES;
        }
        if (v->res.ndrift) {
            v->status |= NST_DIFF_DEV_DRIFT;
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

/* Replace every secret value in @s (raw and XML-escaped) by DIFF_REDACTED: a last line
 * of defence behind the normalisation of the running configuration. */
static char *
lc_scrub(const struct nst_diff *d, char *s)
{
    for (size_t i = 0; s && i < d->nsec; i++) {
        for (int form = 0; form < 2 && s; form++) {
            const char *v = d->sec_values[i];
            char *esc = NULL, *hit;
            struct diff_buf b = {0};
            const char *p = s;

            if (form) {
                struct diff_buf e = {0};

                for (const char *c = v; *c; c++) {
                    if (*c == '&' || *c == '<' || *c == '>' || *c == '"') {
                        diff_buf_puts(&e, *c == '&'   ? "&amp;"
                                          : *c == '<' ? "&lt;"
                                          : *c == '>' ? "&gt;"
                                                      : "&quot;");
                    } else {
                        diff_buf_printf(&e, "%c", *c);
                    }
                }
                esc = e.s;
                v = esc;
            }
            if (!v || strlen(v) < 4 || !strstr(s, v)) {
                txn_wipe_free(esc);
                continue;
            }
            while ((hit = strstr(p, v))) {
                diff_buf_printf(&b, "%.*s%s", (int)(hit - p), p, DIFF_REDACTED);
                p = hit + strlen(v);
            }
            diff_buf_puts(&b, p);
            txn_wipe_free(esc);
            nst_free(s);
            s = b.failed ? NULL : b.s;
            if (b.failed) {
                nst_free(b.s);
            }
        }
    }
    return s;
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
        diff_buf_puts(&b, "{\"service\": ");
        diff_json_str(&b, d->service);
        diff_buf_printf(&b, ", \"uncertain\": %s, \"devices\": [", d->uncertain ? "true" : "false");
    } else if (fmt == NST_DIFF_FORMAT_XML) {
        diff_buf_puts(&b, "<diff xmlns=\"urn:netstitch:diff\" service=\"");
        diff_buf_puts(&b, d->service);
        diff_buf_puts(&b, "\">\n");
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

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
        case NST_DIFF_FORMAT_XML:
            if (v->status & NST_DIFF_DEV_ERROR) {
                diff_buf_printf(&b, "  <!-- device %s: not compared -->\n", v->name);
            }
            if (!v->res.edit) {
                break;
            }
            diff_buf_printf(&b, "  <device name=\"%s\" driver=\"%s\">\n", v->name, v->driver);
            diff_buf_printf(&b, "<config xmlns=\"%s\">\n", RENDER_NC_NS);
            diff_buf_puts(&b, v->res.edit);
            diff_buf_puts(&b, "</config>\n  </device>\n");
            break;
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
    *text = lc_scrub(d, b.s);
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
        const struct lc_gen_dev *gd = NULL;

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
    if (d->lock_fd >= 0) {
        close(d->lock_fd);
        d->lock_fd = -1;
    }
}

NST_API nst_err
nst_diff_apply_begin(struct nst_diff *d, struct nst_txn *txn, size_t *added)
{
    struct lc_gen g;
    char why[512], line[48];
    int busy = 0;
    nst_err ret = NST_OK;

    if (!d || !d->ran || d->lock_fd >= 0 || !added || d->offline) {
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
    if (!d->st) {
        ret = st_open(d->state_dir, &d->st, why, sizeof why);
        if (ret) {
            snprintf(d->message, sizeof d->message, "state directory: %s", why);
            return ret;
        }
    }
    d->svc_fd = lc_svc_open(d->st->fd, d->service, 1);
    if (d->svc_fd < 0) {
        snprintf(d->message, sizeof d->message, "cannot create the record of service %s: %s",
                 d->service, strerror(errno));
        return NST_EIO;
    }
    d->lock_fd = lc_lock(d->svc_fd, &busy);
    if (d->lock_fd < 0) {
        snprintf(d->message, sizeof d->message,
                 busy ? "service %s is being applied by another netstitch process"
                      : "cannot lock service %s",
                 d->service);
        return busy ? NST_EENV : NST_EIO;
    }
    if (!txn && lc_record_unchanged(d)) {
        /* Nothing pushed and nothing to record: keep the record (and its transaction id,
         * which rollback looks for) as it is. */
        d->noop = 1;
        return NST_OK;
    }
    /* The new generation: every device the service has something on. */
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "gen-%lu", lc_gen_next(d->svc_fd));
    snprintf(g.previous, sizeof g.previous, "%s", d->current.name);
    g.devs = nst_calloc(d->ndevs ? d->ndevs : 1, sizeof *g.devs);
    if (!g.devs) {
        lc_unlock(d);
        return NST_ENOMEM;
    }
    for (size_t i = 0; i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

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
    ret = lc_gen_write(d->svc_fd, d->service, &g);
    if (!ret) {
        snprintf(line, sizeof line, "%s\n", g.name);
        ret = st_write_durable(d->svc_fd, "pending", line, strlen(line));
    }
    if (ret) {
        snprintf(d->message, sizeof d->message, "cannot write the ownership record of %s",
                 d->service);
        lc_gen_remove(d->svc_fd, g.name);
        nst_free(g.devs);
        lc_unlock(d);
        return ret;
    }
    snprintf(d->applying, sizeof d->applying, "%s", g.name);
    nst_free(g.devs);
    for (size_t i = 0; txn && i < d->ndevs; i++) {
        const struct lc_dev *v = &d->devs[i];

        if (!v->res.edit) {
            continue;
        }
        ret = nst_txn_add_payload(txn, v->name, *v->driver ? v->driver : NULL, v->res.edit);
        if (ret) {
            snprintf(d->message, sizeof d->message, "device %s: %s", v->name,
                     *nst_txn_message(txn) ? nst_txn_message(txn) : nst_strerror(ret));
            return ret;
        }
        (*added)++;
    }
    return NST_OK;
}

/* Keep the LC_KEEP_GENS newest generations (and whatever current/pending name). */
static void
lc_prune(int svcfd, const char *keep1, const char *keep2)
{
    unsigned long newest = lc_gen_next(svcfd);
    int fd = dup(svcfd);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    char names[64][32];
    size_t n = 0;

    if (!dir) {
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    rewinddir(dir);
    while ((e = readdir(dir)) && n < 64) {
        unsigned long g;
        char tail;

        if (sscanf(e->d_name, "gen-%lu%c", &g, &tail) == 1 && g + LC_KEEP_GENS < newest &&
            strcmp(e->d_name, keep1) && strcmp(e->d_name, keep2)) {
            snprintf(names[n++], sizeof names[0], "%.31s", e->d_name);
        }
    }
    closedir(dir);
    for (size_t i = 0; i < n; i++) {
        lc_gen_remove(svcfd, names[i]);
    }
}

NST_API nst_err
nst_diff_apply_end(struct nst_diff *d, const struct nst_txn *txn)
{
    enum nst_txn_outcome o = txn ? nst_txn_outcome(txn) : NST_TXN_COMMITTED;
    char line[48];
    nst_err ret = NST_OK;

    if (d && d->noop) {
        d->noop = 0;
        lc_unlock(d);
        return NST_OK;
    }
    if (!d || d->lock_fd < 0 || !d->applying[0]) {
        return NST_EINVAL;
    }
    if (o == NST_TXN_COMMITTED) {
        struct lc_gen g;

        /* Record the transaction in the generation, then make it current. */
        if (!lc_gen_read(d->svc_fd, d->applying, &g)) {
            snprintf(g.txid, sizeof g.txid, "%s", txn && nst_txn_id(txn) ? nst_txn_id(txn) : "-");
            ret = lc_gen_write(d->svc_fd, d->service, &g);
            lc_gen_clear(&g);
        }
        snprintf(line, sizeof line, "%s\n", d->applying);
        if (!ret) {
            ret = st_write_durable(d->svc_fd, "current", line, strlen(line));
        }
        if (!ret) {
            unlinkat(d->svc_fd, "pending", 0);
            fsync(d->svc_fd);
            lc_prune(d->svc_fd, d->applying, d->applying);
        }
    } else if (o != NST_TXN_INCOMPLETE) {
        /* Nothing reached the devices: the old record stands. An incomplete transaction
         * leaves the pending generation: recover decides what the devices hold. */
        unlinkat(d->svc_fd, "pending", 0);
        fsync(d->svc_fd);
        lc_gen_remove(d->svc_fd, d->applying);
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

static int
lc_gen_exists(int svcfd, const char *name)
{
    struct lc_gen g;

    if (lc_gen_read(svcfd, name, &g)) {
        return 0;
    }
    lc_gen_clear(&g);
    return 1;
}

void
lc_rollback_applied(const char *state_path, const char *txid)
{
    char why[256], line[48];
    struct st_dir *st = NULL;
    int sfd;
    DIR *dir;
    struct dirent *e;

    if (!txid || st_open(state_path, &st, why, sizeof why)) {
        return;
    }
    sfd = openat(st->fd, "services", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    dir = sfd >= 0 ? fdopendir(sfd) : NULL;
    if (!dir) {
        if (sfd >= 0) {
            close(sfd);
        }
        st_close(st);
        return;
    }
    while ((e = readdir(dir))) {
        struct lc_gen g;
        int fd, lock, busy;

        if (!lc_service_name_valid(e->d_name)) {
            continue;
        }
        fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            continue;
        }
        lock = lc_lock(fd, &busy);
        lc_read_line(fd, "current", line, sizeof line);
        /* Generations recorded without a transaction (nothing needed pushing) sit on top of
         * the one the rolled-back transaction recorded: look through them. */
        for (int hops = 0; lock >= 0 && line[0] && hops < 64 && !lc_gen_read(fd, line, &g);
             hops++) {
            int match = !strcmp(g.txid, txid), skip = !strcmp(g.txid, "-");

            if (match && g.previous[0] && strcmp(g.previous, "-") &&
                lc_gen_exists(fd, g.previous)) {
                snprintf(line, sizeof line, "%s\n", g.previous);
                st_write_durable(fd, "current", line, strlen(line));
            } else if (match) {
                /* The service's first push was rolled back: it owns nothing again. */
                unlinkat(fd, "current", 0);
                fsync(fd);
            }
            snprintf(line, sizeof line, "%s", skip && strcmp(g.previous, "-") ? g.previous : "");
            lc_gen_clear(&g);
        }
        if (lock >= 0) {
            close(lock);
        }
        close(fd);
    }
    closedir(dir);
    st_close(st);
}
