/*
 * store_import.c: the one-time import of a state directory of the file layout (netstitch
 * before the state store: STATE/txn/<TXID>/{plan,journal,dev-*.xml}, STATE/services/
 * <name>/{current,pending,gen-N/...}) into the store, the first time the store is opened
 * (and by `netstitch migrate-state`, which opens it).
 *
 * All or nothing: every row is written in one batch; only when it committed are the old
 * directories renamed txn.imported-<time> and services.imported-<time> (kept for
 * the operator to delete). A transaction of the old layout that a live process runs (its lock file
 * is flock()ed) stops the import: nothing is written, the message names it, and the next run tries
 * again. Journals keep their torn-last-line rule: only complete lines are imported, so an
 * interrupted transaction is recovered from the store as it would have been from its files.
 *
 * Not here: the file layout's writers (gone), the store's schema (store_sqlite.c).
 */
#include "store_impl.h"

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
#include "ownership.h"
#include "state.h"

nst_err store_import_files(struct store *s, char *why, size_t whylen);

/* The entries of directory @fd (not "." or ".."), sorted; NULL-terminated. */
static char **
imp_list(int fd, int want_dirs)
{
    int dup_fd = dup(fd);
    DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *e;
    char **list = NULL, **tmp;
    size_t n = 0;

    if (!dir) {
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        return NULL;
    }
    rewinddir(dir);
    list = nst_calloc(1, sizeof *list);
    while (list && (e = readdir(dir))) {
        struct stat st;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
            (want_dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
            continue;
        }
        tmp = nst_realloc(list, (n + 2) * sizeof *list);
        if (!tmp || !(tmp[n] = nst_strdup(e->d_name))) {
            store_list_free(tmp ? tmp : list);
            list = NULL;
            break;
        }
        list = tmp;
        list[++n] = NULL;
    }
    closedir(dir);
    for (size_t i = 1; list && i < n; i++) {
        for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
            char *t = list[j];

            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    }
    return list;
}

/* Import one transaction directory. */
static nst_err
imp_txn(struct store *s, int txfd, const char *id, int *lockfd, char *why, size_t whylen)
{
    struct store_txn_info info;
    char *journal = NULL, *plan = NULL, **files = NULL, *devs = NULL;
    int fd;
    nst_err ret = NST_OK;

    fd = openat(txfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return NST_OK;
    }
    *lockfd = openat(fd, "lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (*lockfd >= 0 && flock(*lockfd, LOCK_EX | LOCK_NB)) {
        snprintf(why, whylen,
                 "transaction %s of the file state directory %s is being run by another "
                 "netstitch process: let it finish, then run again (the directory is imported "
                 "into %s on first use)",
                 id, s->dir, s->location);
        close(fd);
        return NST_EBUSY;
    }
    memset(&info, 0, sizeof info);
    snprintf(info.id, sizeof info.id, "%s", id);
    snprintf(info.user, sizeof info.user, "?");
    snprintf(info.host, sizeof info.host, "?");
    snprintf(info.kind, sizeof info.kind, "push");
    if (st_read(fd, "journal", &journal)) {
        journal = NULL;
    }
    if (st_read(fd, "plan", &plan)) {
        plan = NULL;
    }
    /* The history fields the files hold: kind, rollback-of, devices, outcome, times. */
    for (const char *l = plan; l && *l;) {
        const char *end = strchr(l, '\n');
        char buf[600];
        size_t len = end ? (size_t)(end - l) : strlen(l);
        int off = 0;

        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), l);
        if (!strncmp(buf, "kind ", 5)) {
            snprintf(info.kind, sizeof info.kind, "%.15s", buf + 5);
        } else if (!strncmp(buf, "rollback-of ", 12) && strcmp(buf + 12, "-")) {
            snprintf(info.rollback_of, sizeof info.rollback_of, "%.39s", buf + 12);
        } else if (sscanf(buf, "device %*u %*s %*d %*u %*u %*s %n", &off) >= 0 && off > 0) {
            char *t = nst_asprintf("%s%s%s", devs ? devs : "", devs ? "," : "", buf + off);

            nst_free(devs);
            devs = t;
        }
        l = end ? end + 1 : NULL;
    }
    info.devices = devs;
    for (const char *l = journal; l && *l;) {
        const char *end = strchr(l, '\n');
        long long ms = 0;
        char word[32] = "";

        if (!end) {
            break; /* a torn last line */
        }
        if (sscanf(l, "%lld txn outcome %31s", &ms, word) == 2) {
            snprintf(info.outcome, sizeof info.outcome, "%s", word);
            info.finished_ms = ms;
        } else if (sscanf(l, "%lld", &ms) == 1 && !info.started_ms) {
            info.started_ms = ms;
        }
        l = end + 1;
    }
    if (!info.started_ms) {
        struct stat st;

        info.started_ms = fstat(fd, &st) ? 0 : (int64_t)st.st_mtime * 1000;
    }
    ret = s->ops->txn_insert(s, &info);
    if (!ret && info.outcome[0]) {
        ret = s->ops->txn_note(s, id, NULL, info.outcome, info.finished_ms);
    }
    for (const char *l = journal; !ret && l && *l;) {
        const char *end = strchr(l, '\n'), *sp;
        char *line;

        if (!end) {
            break;
        }
        sp = memchr(l, ' ', (size_t)(end - l));
        line = sp ? nst_strndup(sp + 1, (size_t)(end - sp - 1)) : NULL;
        if (line) {
            ret = s->ops->journal_append(s, id, strtoll(l, NULL, 10), line);
        }
        nst_free(line);
        l = end + 1;
    }
    files = imp_list(fd, 0);
    for (size_t i = 0; !ret && files && files[i]; i++) {
        char *data = NULL;

        if (!strcmp(files[i], "lock") || !strcmp(files[i], "journal") || !strcmp(files[i], "log") ||
            files[i][0] == '.') {
            continue;
        }
        ret = st_read(fd, files[i], &data);
        if (!ret) {
            ret = s->ops->rec_put(s, 'T', id, files[i], data);
        }
        nst_free(data);
    }
    if (ret) {
        snprintf(why, whylen, "cannot import transaction %s of %s/txn into %s", id, s->dir,
                 s->location);
    }
    store_list_free(files);
    nst_free(journal);
    nst_free(plan);
    nst_free(devs);
    close(fd);
    return ret;
}

/* Import one service directory: its pointers and its generations. */
static nst_err
imp_service(struct store *s, int svfd, const char *name)
{
    char **files = NULL, **gens = NULL, path[160];
    int fd = openat(svfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    nst_err ret = NST_OK;

    if (fd < 0) {
        return NST_OK;
    }
    files = imp_list(fd, 0);
    for (size_t i = 0; !ret && files && files[i]; i++) {
        char *data = NULL;

        if (strcmp(files[i], "current") && strcmp(files[i], "pending")) {
            continue;
        }
        ret = st_read(fd, files[i], &data);
        if (!ret) {
            ret = s->ops->rec_put(s, 'S', name, files[i], data);
        }
        nst_free(data);
    }
    gens = imp_list(fd, 1);
    for (size_t g = 0; !ret && gens && gens[g]; g++) {
        int gfd = openat(fd, gens[g], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        char **gf = gfd >= 0 ? imp_list(gfd, 0) : NULL;

        for (size_t i = 0; !ret && gf && gf[i]; i++) {
            char *data = NULL;

            ret = st_read(gfd, gf[i], &data);
            snprintf(path, sizeof path, "%s/%s", gens[g], gf[i]);
            if (!ret) {
                ret = s->ops->rec_put(s, 'S', name, path, data);
            }
            nst_free(data);
        }
        store_list_free(gf);
        if (gfd >= 0) {
            close(gfd);
        }
    }
    store_list_free(files);
    store_list_free(gens);
    close(fd);
    return ret;
}

nst_err
store_import_files(struct store *s, char *why, size_t whylen)
{
    int txfd = openat(s->dirfd, "txn", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    int svfd = openat(s->dirfd, "services", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    char **ids = NULL, **svcs = NULL;
    int *locks = NULL;
    size_t nids = 0;
    nst_err ret = NST_OK;

    if (txfd < 0 && svfd < 0) {
        return NST_OK;
    }
    ids = txfd >= 0 ? imp_list(txfd, 1) : NULL;
    svcs = svfd >= 0 ? imp_list(svfd, 1) : NULL;
    for (; ids && ids[nids]; nids++) {
    }
    locks = nst_calloc(nids + 1, sizeof *locks);
    if ((txfd >= 0 && !ids) || (svfd >= 0 && !svcs) || !locks) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < nids; i++) {
        locks[i] = -1;
    }
    ret = s->ops->batch(s, 0);
    for (size_t i = 0; !ret && i < nids; i++) {
        if (!store_txid_valid(ids[i])) {
            continue;
        }
        /* Imported already (a crash between the commit and the rename). */
        if (!s->ops->txn_exists(s, ids[i])) {
            continue;
        }
        ret = imp_txn(s, txfd, ids[i], &locks[i], why, whylen);
    }
    for (size_t i = 0; !ret && svcs && svcs[i]; i++) {
        if (own_service_name_valid(svcs[i])) {
            ret = imp_service(s, svfd, svcs[i]);
        }
    }
    if (!ret) {
        ret = s->ops->rec_put(s, 'M', "meta", "imported", "1");
    }
    if (!ret) {
        ret = s->ops->batch(s, 1);
    } else {
        s->ops->batch(s, 2);
    }
    if (!ret) {
        char tn[64], sn[64];
        long now = (long)time(NULL);

        /* The rows are durable: the files are no longer read. */
        snprintf(tn, sizeof tn, "txn.imported-%ld", now);
        snprintf(sn, sizeof sn, "services.imported-%ld", now);
        if ((txfd >= 0 && renameat(s->dirfd, "txn", s->dirfd, tn)) ||
            (svfd >= 0 && renameat(s->dirfd, "services", s->dirfd, sn))) {
            snprintf(why, whylen, "imported into %s, but cannot rename the old directories: %s",
                     s->location, strerror(errno));
            ret = NST_EIO;
        }
        fsync(s->dirfd);
    } else if (!why[0]) {
        snprintf(why, whylen, "cannot import the file state directory %s into %s", s->dir,
                 s->location);
    }

cleanup:
    for (size_t i = 0; locks && i < nids; i++) {
        if (locks[i] >= 0) {
            close(locks[i]);
        }
    }
    nst_free(locks);
    store_list_free(ids);
    store_list_free(svcs);
    if (txfd >= 0) {
        close(txfd);
    }
    if (svfd >= 0) {
        close(svfd);
    }
    return ret;
}
