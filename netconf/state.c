/*
 * state.c: the local state directory and its durable files (see state.h).
 *
 * Every file is created 0600 and every directory 0700 whatever the umask. The
 * directory itself is refused when it is not owned by the effective user or is
 * writable by group or others: a writable state directory would let another user
 * replace a saved configuration that `rollback` later pushes to a router.
 *
 * Only POSIX calls are used (openat, renameat, fsync); all paths below the
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
