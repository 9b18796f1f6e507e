/*
 * ownership.c: the ownership records of services (ownership.h): what each service last
 * applied on each device, kept in the state directory as generations.
 *
 * Place in the pipeline: the lifecycle (lifecycle.c) reads a service's record before a
 * diff and writes a new generation around a push or delete; the transaction engine
 * (txn.c) calls own_rollback_applied() after a rollback committed, so that the records
 * follow the devices. This file knows nothing of diffs or transactions: it stores texts.
 *
 * Durability: every file is written with st_write_durable() (0600, fsync, rename, fsync
 * of the directory); a generation is complete before `pending` or `current` names it.
 *
 * Not here: what the owned texts mean (diff.c), when records change (lifecycle.c).
 */
#include "ownership.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "state.h"

#define OWN_KEEP_GENS 3
#define OWN_META_MAGIC "netstitch-service 1"

int
own_service_name_valid(const char *name)
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

void
own_gen_clear(struct own_gen *g)
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
void
own_read_line(int dirfd, const char *file, char *buf, size_t len)
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
nst_err
own_gen_read(int svcfd, const char *name, struct own_gen *g)
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
    if (strncmp(meta, OWN_META_MAGIC "\n", strlen(OWN_META_MAGIC) + 1)) {
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
            struct own_gen_dev *v = nst_realloc(g->devs, (g->ndevs + 1) * sizeof *v), *gd;

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
        own_gen_clear(g);
    }
    return ret;
}

/* The meta file's text. */
static char *
own_gen_meta(const char *service, const struct own_gen *g)
{
    char *text, *tmp;

    text = nst_asprintf("%s\nservice %s\ntxid %s\nprevious %s\ncreated %ld\ndevices %zu\n",
                        OWN_META_MAGIC, service, g->txid[0] ? g->txid : "-",
                        g->previous[0] ? g->previous : "-", (long)time(NULL), g->ndevs);
    for (size_t i = 0; text && i < g->ndevs; i++) {
        tmp = nst_asprintf("%sdevice %zu %s %d %s\n", text, i,
                           g->devs[i].driver && *g->devs[i].driver ? g->devs[i].driver : "-",
                           g->devs[i].orig ? 1 : 0, g->devs[i].name);
        nst_free(text);
        text = tmp;
    }
    return text;
}

/* Write generation @g (named g->name) completely and durably. */
nst_err
own_gen_write(int svcfd, const char *service, const struct own_gen *g)
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
        meta = own_gen_meta(service, g);
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
void
own_gen_remove(int svcfd, const char *name)
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
unsigned long
own_gen_next(int svcfd)
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
int
own_svc_open(int stfd, const char *name, int create)
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
int
own_lock(int svcfd, int *busy)
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

/* Keep the OWN_KEEP_GENS newest generations (and whatever current/pending name). */
void
own_prune(int svcfd, const char *keep1, const char *keep2)
{
    unsigned long newest = own_gen_next(svcfd);
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

        if (sscanf(e->d_name, "gen-%lu%c", &g, &tail) == 1 && g + OWN_KEEP_GENS < newest &&
            strcmp(e->d_name, keep1) && strcmp(e->d_name, keep2)) {
            snprintf(names[n++], sizeof names[0], "%.31s", e->d_name);
        }
    }
    closedir(dir);
    for (size_t i = 0; i < n; i++) {
        own_gen_remove(svcfd, names[i]);
    }
}

static int
own_gen_exists(int svcfd, const char *name)
{
    struct own_gen g;

    if (own_gen_read(svcfd, name, &g)) {
        return 0;
    }
    own_gen_clear(&g);
    return 1;
}

void
own_rollback_applied(const char *state_path, const char *txid)
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
        struct own_gen g;
        int fd, lock, busy;

        if (!own_service_name_valid(e->d_name)) {
            continue;
        }
        fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            continue;
        }
        lock = own_lock(fd, &busy);
        own_read_line(fd, "current", line, sizeof line);
        /* Generations recorded without a transaction (nothing needed pushing) sit on top of
         * the one the rolled-back transaction recorded: look through them. */
        for (int hops = 0; lock >= 0 && line[0] && hops < 64 && !own_gen_read(fd, line, &g);
             hops++) {
            int match = !strcmp(g.txid, txid), skip = !strcmp(g.txid, "-");

            if (match && g.previous[0] && strcmp(g.previous, "-") &&
                own_gen_exists(fd, g.previous)) {
                snprintf(line, sizeof line, "%s\n", g.previous);
                st_write_durable(fd, "current", line, strlen(line));
            } else if (match) {
                /* The service's first push was rolled back: it owns nothing again. */
                unlinkat(fd, "current", 0);
                fsync(fd);
            }
            snprintf(line, sizeof line, "%s", skip && strcmp(g.previous, "-") ? g.previous : "");
            own_gen_clear(&g);
        }
        if (lock >= 0) {
            close(lock);
        }
        close(fd);
    }
    closedir(dir);
    st_close(st);
}
