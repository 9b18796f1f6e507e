/*
 * state.c: the durable state directory (see state.h for the layout and the rules).
 *
 * Every file is created 0600 and every directory 0700 whatever the umask. The
 * directory itself is refused when it is not owned by the effective user or is
 * writable by group or others: a writable state directory would let another user
 * replace a saved configuration that `rollback` later pushes to a router.
 *
 * Only POSIX calls are used (openat, renameat, flock, fsync); all paths below the
 * state directory are resolved relative to its descriptor, so a rename of the
 * directory while netstitch runs cannot redirect writes.
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#define ST_MAX_FILE (256u << 20)

/* mkdir -p with mode 0700 for every component created. */
static int
st_mkdirs(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0700) && errno != EEXIST) {
        return -1;
    }
    return 0;
}

/* Check that @fd is a directory of ours that nobody else can write. */
static nst_err
st_check_dir(int fd, const char *path, char *why, size_t whylen)
{
    struct stat st;

    if (fstat(fd, &st)) {
        snprintf(why, whylen, "cannot stat %s: %s", path, strerror(errno));
        return NST_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "%s is not a directory", path);
        return NST_EIO;
    }
    if (st.st_uid != geteuid()) {
        snprintf(why, whylen, "%s is not owned by the user running netstitch", path);
        return NST_EIO;
    }
    if (st.st_mode & 022) {
        snprintf(why, whylen,
                 "%s is writable by group or others (mode %03o); refusing to keep "
                 "configurations there (chmod 700 it)",
                 path, (unsigned)(st.st_mode & 0777));
        return NST_EIO;
    }
    return NST_OK;
}

/* mkdirat 0700 if missing, then open it as a directory and check it. */
static int
st_subdir(int dirfd, const char *name)
{
    int fd;

    if (mkdirat(dirfd, name, 0700) && errno != EEXIST) {
        return -1;
    }
    fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    return fd;
}

nst_err
st_open(const char *path, struct st_dir **out, char *why, size_t whylen)
{
    struct st_dir *st = NULL;
    char buf[4096];
    const char *xdg, *home;
    nst_err ret = NST_OK;
    int fd;

    why[0] = '\0';
    if (!path || !*path) {
        xdg = getenv("XDG_STATE_HOME");
        home = getenv("HOME");
        if (xdg && xdg[0] == '/') {
            snprintf(buf, sizeof buf, "%s/netstitch", xdg);
        } else if (home && home[0] == '/') {
            snprintf(buf, sizeof buf, "%s/.local/state/netstitch", home);
        } else {
            snprintf(why, whylen, "no state directory: HOME is not set (use --state-dir)");
            return NST_EIO;
        }
        path = buf;
    }
    if (st_mkdirs(path)) {
        snprintf(why, whylen, "cannot create %s: %s", path, strerror(errno));
        return NST_EIO;
    }
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
        return NST_EIO;
    }
    ret = st_check_dir(fd, path, why, whylen);
    if (ret) {
        close(fd);
        return ret;
    }
    st = nst_calloc(1, sizeof *st);
    if (!st || !(st->path = nst_strdup(path))) {
        nst_free(st);
        close(fd);
        return NST_ENOMEM;
    }
    st->fd = fd;
    *out = st;
    return NST_OK;
}

void
st_close(struct st_dir *st)
{
    if (!st) {
        return;
    }
    close(st->fd);
    nst_free(st->path);
    nst_free(st);
}

static int
st_write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

nst_err
st_write_durable(int dirfd, const char *name, const char *data, size_t len)
{
    char tmp[512];
    int fd;

    if (snprintf(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid()) >= (int)sizeof tmp) {
        return NST_EIO;
    }
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return NST_EIO;
    }
    if (fchmod(fd, 0600) || st_write_all(fd, data, len) || fsync(fd)) {
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return NST_EIO;
    }
    if (close(fd) || renameat(dirfd, tmp, dirfd, name)) {
        unlinkat(dirfd, tmp, 0);
        return NST_EIO;
    }
    /* The rename is durable only once the directory entry is. */
    return fsync(dirfd) ? NST_EIO : NST_OK;
}

nst_err
st_read(int dirfd, const char *name, char **data)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    nst_err ret = NST_OK;
    int fd;

    fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return NST_EIO;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (unsigned long long)st.st_size > ST_MAX_FILE) {
        ret = NST_EIO;
        goto cleanup;
    }
    buf = nst_malloc((size_t)st.st_size + 1);
    if (!buf) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            ret = NST_EIO;
            goto cleanup;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';

cleanup:
    close(fd);
    if (ret) {
        nst_free(buf);
        return ret;
    }
    *data = buf;
    return NST_OK;
}

int
st_txid_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;

    if (n < 8 || n >= sizeof((struct st_txn *)0)->id || id[0] == '-' || id[0] == '.') {
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

/* Open txn/<id> (created when @create), lock it without waiting. */
static nst_err
st_txn_attach(struct st_dir *st, const char *id, int create, struct st_txn **out, int *busy)
{
    struct st_txn *t = NULL;
    int txdir = -1;
    nst_err ret = NST_OK;

    if (busy) {
        *busy = 0;
    }
    t = nst_calloc(1, sizeof *t);
    if (!t) {
        return NST_ENOMEM;
    }
    t->fd = t->lock_fd = t->journal_fd = -1;
    snprintf(t->id, sizeof t->id, "%s", id);
    t->path = nst_asprintf("%s/txn/%s", st->path, id);
    if (!t->path) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    txdir = st_subdir(st->fd, "txn");
    if (txdir < 0) {
        ret = NST_EIO;
        goto cleanup;
    }
    if (create) {
        if (mkdirat(txdir, id, 0700)) {
            ret = NST_EIO;
            goto cleanup;
        }
        fsync(txdir);
    }
    t->fd = openat(txdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (t->fd < 0) {
        ret = NST_EIO;
        goto cleanup;
    }
    t->lock_fd = openat(t->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (t->lock_fd < 0) {
        ret = NST_EIO;
        goto cleanup;
    }
    if (flock(t->lock_fd, LOCK_EX | LOCK_NB)) {
        if (busy) {
            *busy = 1;
        }
        ret = errno == EWOULDBLOCK ? NST_EBUSY : NST_EIO;
        goto cleanup;
    }
    {
        char line[64];
        int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());

        if (ftruncate(t->lock_fd, 0) == 0) {
            (void)!pwrite(t->lock_fd, line, (size_t)n, 0);
        }
    }

cleanup:
    if (txdir >= 0) {
        close(txdir);
    }
    if (ret) {
        st_txn_close(t);
        return ret;
    }
    *out = t;
    return NST_OK;
}

nst_err
st_txn_create(struct st_dir *st, struct st_txn **out)
{
    char id[40];
    unsigned char rnd[2] = {0, 0};
    struct timespec ts;
    struct tm tm;
    nst_err ret = NST_EIO;

    for (int tries = 0; tries < 8 && ret == NST_EIO; tries++) {
        /* UTC time to the microsecond, then randomness: the name order is the creation
         * order, and two processes starting in the same microsecond still differ. */
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            rnd[0] = (unsigned char)(getpid() + tries);
            rnd[1] = (unsigned char)clock();
        }
        snprintf(id, sizeof id, "%04u%02u%02u-%02u%02u%02u-%06u-%02x%02x",
                 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
                 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
                 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
                 (unsigned)(ts.tv_nsec / 1000) % 1000000u, rnd[0], rnd[1]);
        ret = st_txn_attach(st, id, 1, out, NULL);
    }
    return ret;
}

nst_err
st_txn_open(struct st_dir *st, const char *id, struct st_txn **out, int *busy)
{
    if (busy) {
        *busy = 0;
    }
    if (!st_txid_valid(id)) {
        return NST_EINVAL;
    }
    return st_txn_attach(st, id, 0, out, busy);
}

void
st_txn_close(struct st_txn *t)
{
    if (!t) {
        return;
    }
    if (t->journal_fd >= 0) {
        close(t->journal_fd);
    }
    if (t->lock_fd >= 0) {
        close(t->lock_fd);
    }
    if (t->fd >= 0) {
        close(t->fd);
    }
    nst_free(t->path);
    nst_free(t);
}

nst_err
st_journal_open(struct st_txn *t)
{
    if (t->journal_fd >= 0) {
        return NST_OK;
    }
    t->journal_fd =
        openat(t->fd, "journal", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (t->journal_fd < 0) {
        return NST_EIO;
    }
    fsync(t->fd);
    return NST_OK;
}

nst_err
st_journal_append(struct st_txn *t, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    va_list ap;
    int n, m;

    if (t->journal_fd < 0) {
        return NST_EIO;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    n = snprintf(line, sizeof line, "%lld ",
                 (long long)ts.tv_sec * 1000 + (long long)(ts.tv_nsec / 1000000));
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) {
        return NST_EIO;
    }
    n += m;
    if (n > (int)sizeof line - 2) {
        n = (int)sizeof line - 2;
    }
    for (int i = 0; i < n; i++) {
        if (line[i] == '\n' || line[i] == '\r') {
            line[i] = ' ';
        }
    }
    line[n++] = '\n';
    /* One write() with O_APPEND: a crash leaves at most a torn last line. */
    if (st_write_all(t->journal_fd, line, (size_t)n) || fdatasync(t->journal_fd)) {
        return NST_EIO;
    }
    return NST_OK;
}

static int
st_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

nst_err
st_txn_list(struct st_dir *st, char ***ids, size_t *n)
{
    char **list = NULL, **tmp;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    DIR *d = NULL;
    int fd;
    nst_err ret = NST_OK;

    fd = st_subdir(st->fd, "txn");
    if (fd < 0) {
        return NST_EIO;
    }
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return NST_EIO;
    }
    list = nst_calloc(1, sizeof *list);
    if (!list) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    cap = 1;
    while ((e = readdir(d))) {
        if (!st_txid_valid(e->d_name)) {
            continue;
        }
        if (cnt + 1 >= cap) {
            tmp = nst_realloc(list, cap * 2 * sizeof *list);
            if (!tmp) {
                ret = NST_ENOMEM;
                goto cleanup;
            }
            list = tmp;
            cap *= 2;
        }
        list[cnt] = nst_strdup(e->d_name);
        if (!list[cnt]) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
        list[++cnt] = NULL;
    }
    /* Ids start with the UTC time, so the name order is the creation order. */
    qsort(list, cnt, sizeof *list, st_cmp_str);

cleanup:
    closedir(d);
    if (ret) {
        st_txn_list_free(list);
        return ret;
    }
    *ids = list;
    *n = cnt;
    return NST_OK;
}

void
st_txn_list_free(char **ids)
{
    for (size_t i = 0; ids && ids[i]; i++) {
        nst_free(ids[i]);
    }
    nst_free(ids);
}

nst_err
st_lock_devices(struct st_dir *st, const char *const *keys, const char *const *labels, size_t n,
                const char *owner, struct st_locks **out, char *why, size_t whylen)
{
    struct st_locks *l = NULL;
    char name[300];
    int dirfd = -1;
    nst_err ret = NST_OK;

    why[0] = '\0';
    l = nst_calloc(1, sizeof *l);
    if (!l || !(l->fds = nst_calloc(n ? n : 1, sizeof *l->fds))) {
        nst_free(l);
        return NST_ENOMEM;
    }
    dirfd = st_subdir(st->fd, "locks");
    if (dirfd < 0) {
        snprintf(why, whylen, "cannot create %s/locks: %s", st->path, strerror(errno));
        ret = NST_EIO;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        int fd;

        for (const char *p = keys[i]; *p && k < sizeof name - 6; p++) {
            char c = *p;

            name[k++] = ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z') || c == '.' || c == '-')
                            ? c
                            : '_';
        }
        memcpy(name + k, ".lock", 6);
        fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            snprintf(why, whylen, "cannot open lock file %s/locks/%s: %s", st->path, name,
                     strerror(errno));
            ret = NST_EIO;
            goto cleanup;
        }
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            char holder[128] = "";
            ssize_t r = pread(fd, holder, sizeof holder - 1, 0);

            holder[r > 0 ? r : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            snprintf(why, whylen, "device %s is being changed by another netstitch process (%s)",
                     labels ? labels[i] : keys[i], holder[0] ? holder : "holder unknown");
            close(fd);
            ret = NST_EBUSY;
            goto cleanup;
        }
        if (ftruncate(fd, 0) == 0 && owner) {
            (void)!pwrite(fd, owner, strlen(owner), 0);
        }
        l->fds[l->n++] = fd;
    }

cleanup:
    if (dirfd >= 0) {
        close(dirfd);
    }
    if (ret) {
        st_unlock_devices(l);
        return ret;
    }
    *out = l;
    return NST_OK;
}

void
st_unlock_devices(struct st_locks *l)
{
    if (!l) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        close(l->fds[i]);
    }
    nst_free(l->fds);
    nst_free(l);
}
