/*
 * store.c: the state store's common half (store.h): choosing the backend from the
 * location, the local directory, transaction ids and history fields, locks held as a
 * set, and the serialisation of every call on one handle (a transaction's workers
 * journal from several threads), with the group commit of the journal lines and records
 * they write at the same moment (store_group_write).
 *
 * Place in the pipeline: opened by the transaction engine (txn.c) and the service
 * lifecycle (lifecycle.c, ownership.c) before they touch a device; nothing else writes
 * state.
 *
 * Not here: SQL (store_sqlite.c, store_pg.c), what the records mean (txn.c, ownership.c).
 */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "state.h"

struct store_txn {
    struct store *s;
    char id[40];
    long lock;
};

struct store_lock {
    struct store *s;
    size_t n;
    char **keys;
    long *h;
};

static int64_t
store_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
store_txn_info_clear(struct store_txn_info *info)
{
    if (info) {
        nst_free(info->comment);
        nst_free(info->devices);
        info->comment = info->devices = NULL;
    }
}

static int
store_is_url(const char *loc)
{
    return loc && (!strncmp(loc, "postgresql://", 13) || !strncmp(loc, "postgres://", 11));
}

/* The URL without a password, for messages. */
static char *
store_url_safe(const char *url)
{
    const char *at = strchr(url, '@'), *scheme = strstr(url, "://"), *colon;

    if (!at || !scheme) {
        return nst_strdup(url);
    }
    colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    if (!colon) {
        return nst_strdup(url);
    }
    return nst_asprintf("%.*s:***%s", (int)(colon - url), url, at);
}

nst_err
store_open(const char *location, struct store **out, char *why, size_t whylen)
{
    struct store *s = NULL;
    struct st_dir *dir = NULL;
    const char *env = getenv("NETSTITCH_STATE"), *dirpath = NULL;
    nst_err ret;

    why[0] = '\0';
    if ((!location || !*location) && env && *env) {
        location = env;
    }
    if (location && strstr(location, "://") && !store_is_url(location)) {
        snprintf(why, whylen, "'%s': a state store is a directory or a postgresql:// URL",
                 location);
        return NST_EINVAL;
    }
    dirpath = store_is_url(location) ? getenv("NETSTITCH_STATE_DIR") : location;
    ret = st_open(dirpath, &dir, why, whylen);
    if (ret) {
        return ret;
    }
    s = nst_calloc(1, sizeof *s);
    if (!s || pthread_mutex_init(&s->mu, NULL)) {
        nst_free(s);
        st_close(dir);
        return NST_ENOMEM;
    }
    if (pthread_mutex_init(&s->jmu, NULL)) {
        pthread_mutex_destroy(&s->mu);
        nst_free(s);
        st_close(dir);
        return NST_ENOMEM;
    }
    if (pthread_cond_init(&s->jcv, NULL)) {
        pthread_mutex_destroy(&s->jmu);
        pthread_mutex_destroy(&s->mu);
        nst_free(s);
        st_close(dir);
        return NST_ENOMEM;
    }
    s->jq_tail = &s->jq;
    s->dir = nst_strdup(dir->path);
    s->dirfd = dup(dir->fd);
    st_close(dir);
    if (!s->dir || s->dirfd < 0) {
        ret = NST_ENOMEM;
        goto fail;
    }
    if (store_is_url(location)) {
        s->location = store_url_safe(location);
        ret = s->location ? store_pg_open(s, location, why, whylen) : NST_ENOMEM;
    } else {
        s->location = nst_asprintf("%s/state.db", s->dir);
        ret = s->location ? store_sqlite_open(s, why, whylen) : NST_ENOMEM;
    }
    if (ret) {
        goto fail;
    }
    *out = s;
    return NST_OK;

fail:
    store_close(s);
    return ret;
}

void
store_close(struct store *s)
{
    if (!s) {
        return;
    }
    if (s->ops) {
        s->ops->close(s);
    }
    if (s->dirfd >= 0) {
        close(s->dirfd);
    }
    nst_free(s->dir);
    nst_free(s->location);
    pthread_cond_destroy(&s->jcv);
    pthread_mutex_destroy(&s->jmu);
    pthread_mutex_destroy(&s->mu);
    nst_free(s);
}

const char *
store_dir(const struct store *s)
{
    return s->dir;
}

const char *
store_location(const struct store *s)
{
    return s->location;
}

const char *
store_backend(const struct store *s)
{
    return s->ops->name;
}

int
store_txid_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    if (n < 8 || n >= sizeof((struct store_txn *)0)->id || id[0] == '-' || id[0] == '.') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-')) {
            return 0;
        }
    }
    return 1;
}

/*
 * Locks
 */

/* A lock file name for @key: [A-Za-z0-9.-], others become '_'. */
static void
store_lock_name(const char *key, char *name, size_t len)
{
    size_t k = 0;

    for (const char *p = key; *p && k + 6 < len; p++) {
        char c = *p;

        name[k++] = ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     c == '.' || c == '-')
                        ? c
                        : '_';
    }
    memcpy(name + k, ".lock", 6);
}

long
store_flock_take(struct store *s, const char *key, const char *owner, int *busy, char *holder,
                 size_t hlen)
{
    char name[300];
    int dirfd, fd;

    *busy = 0;
    holder[0] = '\0';
    if (mkdirat(s->dirfd, "locks", 0700) && errno != EEXIST) {
        return -1;
    }
    dirfd = openat(s->dirfd, "locks", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dirfd < 0) {
        return -1;
    }
    store_lock_name(key, name, sizeof name);
    fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    close(dirfd);
    if (fd < 0) {
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        ssize_t r;

        *busy = errno == EWOULDBLOCK;
        r = pread(fd, holder, hlen - 1, 0);
        holder[r > 0 ? r : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) == 0 && owner) {
        (void)!pwrite(fd, owner, strlen(owner), 0);
    }
    return fd;
}

void
store_flock_drop(struct store *s, const char *key, long handle)
{
    (void)s;
    (void)key;
    if (handle >= 0) {
        close((int)handle);
    }
}

static nst_err
store_lock_add(struct store_lock *l, const char *key, const char *owner, int *busy, char *holder,
               size_t hlen)
{
    long h;

    l->keys[l->n] = nst_strdup(key);
    if (!l->keys[l->n]) {
        return NST_ENOMEM;
    }
    pthread_mutex_lock(&l->s->mu);
    h = l->s->ops->lock(l->s, key, owner, busy, holder, hlen);
    pthread_mutex_unlock(&l->s->mu);
    if (h < 0) {
        nst_free(l->keys[l->n]);
        l->keys[l->n] = NULL;
        return *busy ? NST_EBUSY : NST_EIO;
    }
    l->h[l->n++] = h;
    return NST_OK;
}

static struct store_lock *
store_lock_new(struct store *s, size_t n)
{
    struct store_lock *l = nst_calloc(1, sizeof *l);

    if (!l) {
        return NULL;
    }
    l->s = s;
    l->keys = nst_calloc(n ? n : 1, sizeof *l->keys);
    l->h = nst_calloc(n ? n : 1, sizeof *l->h);
    if (!l->keys || !l->h) {
        nst_free(l->keys);
        nst_free(l->h);
        nst_free(l);
        return NULL;
    }
    return l;
}

void
store_unlock(struct store_lock *l)
{
    if (!l) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        pthread_mutex_lock(&l->s->mu);
        l->s->ops->unlock(l->s, l->keys[i], l->h[i]);
        pthread_mutex_unlock(&l->s->mu);
        nst_free(l->keys[i]);
    }
    nst_free(l->keys);
    nst_free(l->h);
    nst_free(l);
}

nst_err
store_lock_devices(struct store *s, const char *const *keys, const char *const *labels, size_t n,
                   const char *owner, struct store_lock **out, char *why, size_t whylen)
{
    struct store_lock *l = store_lock_new(s, n);
    nst_err ret = NST_OK;

    why[0] = '\0';
    if (!l) {
        return NST_ENOMEM;
    }
    for (size_t i = 0; i < n && !ret; i++) {
        char key[300], holder[160];
        int busy = 0;

        snprintf(key, sizeof key, "dev-%s", keys[i]);
        ret = store_lock_add(l, key, owner, &busy, holder, sizeof holder);
        if (ret == NST_EBUSY) {
            snprintf(why, whylen, "device %s is being changed by another netstitch process (%s)",
                     labels ? labels[i] : keys[i], holder[0] ? holder : "holder unknown");
        } else if (ret) {
            snprintf(why, whylen, "cannot lock device %s in %s", labels ? labels[i] : keys[i],
                     s->location);
        }
    }
    if (ret) {
        store_unlock(l);
        return ret;
    }
    *out = l;
    return NST_OK;
}

nst_err
store_lock_service(struct store *s, const char *name, struct store_lock **out)
{
    struct store_lock *l = store_lock_new(s, 1);
    char key[128], holder[160], owner[64];
    int busy = 0;
    nst_err ret;

    if (!l) {
        return NST_ENOMEM;
    }
    snprintf(key, sizeof key, "svc-%s", name);
    snprintf(owner, sizeof owner, "pid %ld\n", (long)getpid());
    ret = store_lock_add(l, key, owner, &busy, holder, sizeof holder);
    if (ret) {
        store_unlock(l);
        return ret;
    }
    *out = l;
    return NST_OK;
}

/*
 * Transactions
 */

static void
store_whoami(struct store_txn_info *info)
{
    struct passwd *pw = getpwuid(geteuid());
    const char *u = pw && pw->pw_name ? pw->pw_name : getenv("USER");

    snprintf(info->user, sizeof info->user, "%s", u ? u : "?");
    if (gethostname(info->host, sizeof info->host)) {
        snprintf(info->host, sizeof info->host, "?");
    }
    info->host[sizeof info->host - 1] = '\0';
}

static nst_err
store_txn_lock(struct store_txn *t, int *busy)
{
    char key[64], owner[64], holder[160];

    snprintf(key, sizeof key, "txn-%s", t->id);
    snprintf(owner, sizeof owner, "pid %ld\n", (long)getpid());
    pthread_mutex_lock(&t->s->mu);
    t->lock = t->s->ops->lock(t->s, key, owner, busy, holder, sizeof holder);
    pthread_mutex_unlock(&t->s->mu);
    return t->lock >= 0 ? NST_OK : *busy ? NST_EBUSY : NST_EIO;
}

nst_err
store_txn_create(struct store *s, const char *kind, const char *service, const char *comment,
                 const char *rollback_of, struct store_txn **out)
{
    struct store_txn_info info;
    struct store_txn *t;
    nst_err ret = NST_EIO;
    int busy = 0;

    t = nst_calloc(1, sizeof *t);
    if (!t) {
        return NST_ENOMEM;
    }
    t->s = s;
    t->lock = -1;
    memset(&info, 0, sizeof info);
    store_whoami(&info);
    snprintf(info.kind, sizeof info.kind, "%s", kind ? kind : "push");
    snprintf(info.service, sizeof info.service, "%s", service ? service : "");
    snprintf(info.rollback_of, sizeof info.rollback_of, "%s", rollback_of ? rollback_of : "");
    info.comment = (char *)(uintptr_t)comment; /* borrowed for the insert only */
    for (int tries = 0; tries < 8 && ret == NST_EIO; tries++) {
        unsigned char rnd[2] = {0, 0};
        struct timespec ts;
        struct tm tm;

        /* UTC time to the microsecond, then randomness: the id order is the creation
         * order, and two processes starting in the same microsecond still differ. */
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            rnd[0] = (unsigned char)(getpid() + tries);
            rnd[1] = (unsigned char)clock();
        }
        snprintf(t->id, sizeof t->id, "%04u%02u%02u-%02u%02u%02u-%06u-%02x%02x",
                 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
                 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
                 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
                 (unsigned)(ts.tv_nsec / 1000) % 1000000u, rnd[0], rnd[1]);
        snprintf(info.id, sizeof info.id, "%s", t->id);
        info.started_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        /* Locked before it exists, so nobody sees it unlocked and unfinished. */
        ret = store_txn_lock(t, &busy);
        if (!ret) {
            pthread_mutex_lock(&s->mu);
            ret = s->ops->txn_insert(s, &info);
            pthread_mutex_unlock(&s->mu);
            if (ret) {
                char key[64];

                snprintf(key, sizeof key, "txn-%s", t->id);
                s->ops->unlock(s, key, t->lock);
                t->lock = -1;
            }
        } else if (ret == NST_EBUSY) {
            ret = NST_EIO;
        }
    }
    if (ret) {
        nst_free(t);
        return ret;
    }
    *out = t;
    return NST_OK;
}

nst_err
store_txn_open(struct store *s, const char *id, struct store_txn **out, int *busy)
{
    struct store_txn *t;
    nst_err ret;

    *busy = 0;
    if (!store_txid_valid(id)) {
        return NST_EINVAL;
    }
    pthread_mutex_lock(&s->mu);
    ret = s->ops->txn_exists(s, id);
    pthread_mutex_unlock(&s->mu);
    if (ret) {
        return ret;
    }
    t = nst_calloc(1, sizeof *t);
    if (!t) {
        return NST_ENOMEM;
    }
    t->s = s;
    snprintf(t->id, sizeof t->id, "%s", id);
    ret = store_txn_lock(t, busy);
    if (ret) {
        nst_free(t);
        return ret;
    }
    *out = t;
    return NST_OK;
}

void
store_txn_close(struct store_txn *t)
{
    char key[64];

    if (!t) {
        return;
    }
    snprintf(key, sizeof key, "txn-%s", t->id);
    pthread_mutex_lock(&t->s->mu);
    t->s->ops->unlock(t->s, key, t->lock);
    pthread_mutex_unlock(&t->s->mu);
    nst_free(t);
}

const char *
store_txn_id(const struct store_txn *t)
{
    return t->id;
}

nst_err
store_txn_get(struct store_txn *t, const char *name, char **data)
{
    nst_err ret;

    pthread_mutex_lock(&t->s->mu);
    ret = t->s->ops->rec_get(t->s, 'T', t->id, name, data);
    pthread_mutex_unlock(&t->s->mu);
    return ret;
}

/*
 * Group commit of a transaction's journal lines and records. Every line and record is
 * durable when store_journal_append() or store_txn_put() returns, as before; but a
 * transaction's device workers write at the same moments (every device finishes a step
 * within milliseconds of the others), and one SQL transaction per write meant one fsync
 * per write, one after the other under the handle's lock: with 50 routers the last
 * device's "edit-config sent" waited for 49 fsyncs (docs/PERFORMANCE.md). So a write is
 * queued; the first waiting thread that finds no flush running takes the whole queue and
 * writes it as one batch (one commit, one fsync), in queue order, while the next writes
 * queue up behind it; every thread returns once its own write's batch committed. A batch
 * that cannot begin or commit is written one write at a time instead, so each still gets
 * its own result. A write queued alone is written as it always was (so a store_txn_put()
 * inside the caller's own store_batch_begin() joins that batch).
 */
struct store_jline {
    struct store_txn *t;
    int64_t ms;
    const char *line; /* a journal line, or the record's data when name is set */
    const char *name;
    nst_err ret;
    int done;
    struct store_jline *next;
};

static nst_err
store_jline_write(struct store *s, const struct store_jline *l)
{
    return l->name ? s->ops->rec_put(s, 'T', l->t->id, l->name, l->line)
                   : s->ops->journal_append(s, l->t->id, l->ms, l->line);
}

static void
store_group_flush(struct store *s, struct store_jline *q)
{
    struct store_jline *l;
    nst_err ret = NST_OK;
    int batch = q->next != NULL;

    pthread_mutex_lock(&s->mu);
    if (batch && s->ops->batch(s, 0)) {
        batch = 0;
    }
    if (batch) {
        for (l = q; l && !ret; l = l->next) {
            ret = store_jline_write(s, l);
        }
        if (!ret) {
            ret = s->ops->batch(s, 1);
        }
        if (ret) {
            s->ops->batch(s, 2);
            batch = 0;
        }
    }
    for (l = q; l; l = l->next) {
        l->ret = batch ? NST_OK : store_jline_write(s, l);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Queue @me and return once it is written (by this thread or another). */
static nst_err
store_group_write(struct store *s, struct store_jline *me)
{
    struct store_jline *q, *l;
    nst_err ret;

    pthread_mutex_lock(&s->jmu);
    me->ms = store_now_ms();
    *s->jq_tail = me;
    s->jq_tail = &me->next;
    while (!me->done) {
        if (s->jflushing) {
            pthread_cond_wait(&s->jcv, &s->jmu);
            continue;
        }
        q = s->jq;
        s->jq = NULL;
        s->jq_tail = &s->jq;
        s->jflushing = 1;
        pthread_mutex_unlock(&s->jmu);
        store_group_flush(s, q);
        pthread_mutex_lock(&s->jmu);
        for (l = q; l; l = l->next) {
            l->done = 1;
        }
        s->jflushing = 0;
        pthread_cond_broadcast(&s->jcv);
    }
    ret = me->ret;
    pthread_mutex_unlock(&s->jmu);
    return ret;
}

nst_err
store_txn_put(struct store_txn *t, const char *name, const char *data)
{
    struct store_jline me = {0};

    me.t = t;
    me.name = name;
    me.line = data;
    return store_group_write(t->s, &me);
}

nst_err
store_journal_append(struct store_txn *t, const char *fmt, ...)
{
    struct store_jline me = {0};
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(line, sizeof line, fmt, ap) < 0) {
        va_end(ap);
        return NST_EIO;
    }
    va_end(ap);
    for (char *p = line; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    me.t = t;
    me.line = line;
    return store_group_write(t->s, &me);
}

nst_err
store_journal_read(struct store_txn *t, char **text)
{
    nst_err ret;

    pthread_mutex_lock(&t->s->mu);
    ret = t->s->ops->journal_read(t->s, t->id, text);
    pthread_mutex_unlock(&t->s->mu);
    return ret;
}

nst_err
store_journal_peek(struct store *s, const char *id, char **text)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->journal_read(s, id, text);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_txn_signal(struct store *s, const char *id, const char *name, const char *data)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->txn_exists(s, id);
    if (!ret) {
        ret = s->ops->rec_put(s, 'T', id, name, data);
    }
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_txn_note(struct store_txn *t, const char *devices, const char *outcome)
{
    nst_err ret;

    pthread_mutex_lock(&t->s->mu);
    ret = t->s->ops->txn_note(t->s, t->id, devices, outcome, outcome ? store_now_ms() : 0);
    pthread_mutex_unlock(&t->s->mu);
    return ret;
}

nst_err
store_txn_info(struct store *s, const char *id, struct store_txn_info *info)
{
    nst_err ret;

    memset(info, 0, sizeof *info);
    pthread_mutex_lock(&s->mu);
    ret = s->ops->txn_info(s, id, info);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static nst_err
store_txn_list_some(struct store *s, int unfinished, char ***ids, size_t *n)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->txn_list(s, unfinished, ids, n);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_txn_list(struct store *s, char ***ids, size_t *n)
{
    return store_txn_list_some(s, 0, ids, n);
}

nst_err
store_txn_list_unfinished(struct store *s, char ***ids, size_t *n)
{
    return store_txn_list_some(s, 1, ids, n);
}

nst_err
store_txn_delete(struct store *s, const char *id)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->txn_delete(s, id);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

void
store_list_free(char **list)
{
    for (size_t i = 0; list && list[i]; i++) {
        nst_free(list[i]);
    }
    nst_free(list);
}

/*
 * Services
 */

nst_err
store_svc_get(struct store *s, const char *service, const char *name, char **data)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->rec_get(s, 'S', service, name, data);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_svc_put(struct store *s, const char *service, const char *name, const char *data)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->rec_put(s, 'S', service, name, data);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_svc_del(struct store *s, const char *service, const char *prefix)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->rec_del(s, 'S', service, prefix);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_svc_list(struct store *s, const char *service, char ***names)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->rec_list(s, 'S', service, names);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_batch_begin(struct store *s)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->batch(s, 0);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

nst_err
store_batch_commit(struct store *s)
{
    nst_err ret;

    pthread_mutex_lock(&s->mu);
    ret = s->ops->batch(s, 1);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

void
store_batch_abort(struct store *s)
{
    pthread_mutex_lock(&s->mu);
    s->ops->batch(s, 2);
    pthread_mutex_unlock(&s->mu);
}
