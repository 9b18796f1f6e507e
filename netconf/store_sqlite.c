/*
 * store_sqlite.c: the SQLite backend of the state store (store.h), the default: one file
 * STATE/state.db, mode 0600, in WAL mode with synchronous=FULL, so every call's SQL
 * transaction is on disk when the call returns (a kill -9 or a power cut loses nothing
 * that was reported written; store.c commits concurrent journal lines and records in one
 * batch and returns to each caller only after that commit). Several processes may use one file: SQLite serialises
 * writers (a busy timeout of 30 s), readers never wait. Locks are flock()ed files
 * (store.c), which do not reach across hosts: a team shares a PostgreSQL store.
 *
 * Schema (version 1):
 *   meta(key, value)                 "schema" = 1, "imported" when a file layout was
 *   txn(id, started_ms, finished_ms, user, host, kind, service, rollback_of, outcome,
 *       comment, devices)            one history row per transaction
 *   record(scope, owner, name, data) 'T': a transaction's texts; 'S': a service's
 *   journal(seq, txid, ms, line)     in order of seq
 *
 * Not here: what is stored (txn.c, ownership.c), the import of the file layout
 * (store_import.c).
 */
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"

#define SQ_SCHEMA                                                                                  \
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"                  \
    "CREATE TABLE IF NOT EXISTS txn(id TEXT PRIMARY KEY, started_ms INTEGER NOT NULL,"             \
    " finished_ms INTEGER NOT NULL DEFAULT 0, user TEXT NOT NULL DEFAULT '',"                      \
    " host TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '',"                               \
    " service TEXT NOT NULL DEFAULT '', rollback_of TEXT NOT NULL DEFAULT '',"                     \
    " outcome TEXT NOT NULL DEFAULT '', comment TEXT, devices TEXT);"                              \
    "CREATE TABLE IF NOT EXISTS record(scope TEXT NOT NULL, owner TEXT NOT NULL,"                  \
    " name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(scope, owner, name));"                   \
    "CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY AUTOINCREMENT,"                    \
    " txid TEXT NOT NULL, ms INTEGER NOT NULL, line TEXT NOT NULL);"                               \
    "CREATE INDEX IF NOT EXISTS journal_txid ON journal(txid, seq);"                               \
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1');"

nst_err store_import_files(struct store *s, char *why, size_t whylen);

/*
 * The statements a push runs once per journal line or record, prepared once per handle
 * and kept (SQLITE_PREPARE_PERSISTENT): preparing the INSERT again for each of a push's
 * 600 lines and 150 records cost more than running it (docs/PERFORMANCE.md, issue 17
 * round 4). Every other statement is prepared per call. Indexes into sq_conn.st.
 */
enum sq_stmt { SQ_BEGIN = 0, SQ_COMMIT, SQ_ROLLBACK, SQ_JOURNAL_APPEND, SQ_REC_PUT, SQ_NSTMT };

static const char *
sq_stmt_sql(enum sq_stmt k)
{
    switch (k) {
    case SQ_BEGIN:
        return "BEGIN IMMEDIATE";
    case SQ_COMMIT:
        return "COMMIT";
    case SQ_ROLLBACK:
        return "ROLLBACK";
    case SQ_JOURNAL_APPEND:
        return "INSERT INTO journal(txid, ms, line) VALUES(?1, ?2, ?3)";
    case SQ_REC_PUT:
        return "INSERT OR REPLACE INTO record(scope, owner, name, data) VALUES(?1,?2,?3,?4)";
    case SQ_NSTMT:
        break;
    }
    return NULL; /* unreachable: every statement is listed */
}

/* The backend's connection (store.be). Used under store.mu only, like every call. */
struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[SQ_NSTMT]; /* prepared on first use, NULL until then */
};

static sqlite3 *
sq_db(struct store *s)
{
    return ((struct sq_conn *)s->be)->db;
}

/* Prepare @sql and bind the text arguments (NULL binds NULL); NULL on failure. */
static sqlite3_stmt *
sq_prep(struct store *s, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(sq_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (args[i]) {
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(st, i + 1);
        }
    }
    return st;
}

/* Run a statement that returns no row. */
static nst_err
sq_exec(struct store *s, const char *sql, int n, const char *const *args)
{
    sqlite3_stmt *st = sq_prep(s, sql, n, args);
    int rc;

    if (!st) {
        return NST_EIO;
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NST_OK : NST_EIO;
}

/*
 * Run the kept statement @k, which returns no row, with the @n text arguments @args (NULL
 * binds NULL), except that parameter @int_at (1-based; 0: none) is the integer @iv. The
 * arguments are bound without a copy: the statement is reset and its bindings cleared
 * before this returns, so it never holds them (nor a read transaction) afterwards.
 */
static nst_err
sq_exec_kept(struct store *s, enum sq_stmt k, int n, const char *const *args, int int_at,
             sqlite3_int64 iv)
{
    struct sq_conn *c = s->be;
    sqlite3_stmt *st = c->st[k];
    int rc = SQLITE_OK;

    if (!st && sqlite3_prepare_v3(c->db, sq_stmt_sql(k), -1, SQLITE_PREPARE_PERSISTENT, &st,
                                  NULL) != SQLITE_OK) {
        return NST_EIO;
    }
    c->st[k] = st;
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        if (int_at == i + 1) {
            rc = sqlite3_bind_int64(st, i + 1, iv);
        } else if (args[i]) {
            rc = sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
        } else {
            rc = sqlite3_bind_null(st, i + 1);
        }
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? NST_OK : NST_EIO;
}

static nst_err
sq_txn_insert(struct store *s, const struct store_txn_info *i)
{
    char started[32];
    const char *a[9];

    snprintf(started, sizeof started, "%lld", (long long)i->started_ms);
    a[0] = i->id;
    a[1] = started;
    a[2] = i->user;
    a[3] = i->host;
    a[4] = i->kind;
    a[5] = i->service;
    a[6] = i->rollback_of;
    a[7] = i->comment;
    a[8] = i->devices;
    return sq_exec(s,
                   "INSERT INTO txn(id, started_ms, user, host, kind, service, rollback_of,"
                   " comment, devices) VALUES(?1, CAST(?2 AS INTEGER), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                   9, a);
}

static nst_err
sq_txn_exists(struct store *s, const char *id)
{
    const char *a[1] = {id};
    sqlite3_stmt *st = sq_prep(s, "SELECT 1 FROM txn WHERE id = ?1", 1, a);
    int rc;

    if (!st) {
        return NST_EIO;
    }
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? NST_OK : NST_EIO;
}

static nst_err
sq_txn_note(struct store *s, const char *id, const char *devices, const char *outcome, int64_t ms)
{
    char t[32];
    const char *a[4];

    snprintf(t, sizeof t, "%lld", (long long)ms);
    a[0] = id;
    a[1] = devices;
    a[2] = outcome;
    a[3] = t;
    return sq_exec(
        s,
        "UPDATE txn SET devices = COALESCE(?2, devices), outcome = COALESCE(?3, outcome),"
        " finished_ms = CASE WHEN ?3 IS NULL THEN finished_ms"
        " ELSE CAST(?4 AS INTEGER) END WHERE id = ?1",
        4, a);
}

static void
sq_col(sqlite3_stmt *st, int i, char *buf, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static char *
sq_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? nst_strdup((const char *)t) : NULL;
}

static nst_err
sq_txn_info(struct store *s, const char *id, struct store_txn_info *i)
{
    const char *a[1] = {id};
    sqlite3_stmt *st = sq_prep(s,
                               "SELECT id, started_ms, finished_ms, user, host, kind, service,"
                               " rollback_of, outcome, comment, devices FROM txn WHERE id = ?1",
                               1, a);
    nst_err ret = NST_EIO;

    if (!st) {
        return NST_EIO;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        sq_col(st, 0, i->id, sizeof i->id);
        i->started_ms = sqlite3_column_int64(st, 1);
        i->finished_ms = sqlite3_column_int64(st, 2);
        sq_col(st, 3, i->user, sizeof i->user);
        sq_col(st, 4, i->host, sizeof i->host);
        sq_col(st, 5, i->kind, sizeof i->kind);
        sq_col(st, 6, i->service, sizeof i->service);
        sq_col(st, 7, i->rollback_of, sizeof i->rollback_of);
        sq_col(st, 8, i->outcome, sizeof i->outcome);
        i->comment = sq_col_dup(st, 9);
        i->devices = sq_col_dup(st, 10);
        ret = NST_OK;
    }
    sqlite3_finalize(st);
    return ret;
}

/* Every first column of @st's rows, as a NULL-terminated list. */
static nst_err
sq_list(sqlite3_stmt *st, char ***out, size_t *count)
{
    char **list = NULL, **tmp;
    size_t n = 0;
    int rc = SQLITE_NOMEM;

    if (!st) {
        return NST_EIO;
    }
    list = nst_calloc(1, sizeof *list);
    while (list && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        tmp = nst_realloc(list, (n + 2) * sizeof *list);
        if (!tmp) {
            rc = SQLITE_NOMEM;
            break;
        }
        list = tmp;
        list[n] = sq_col_dup(st, 0);
        list[n + 1] = NULL;
        if (!list[n]) {
            rc = SQLITE_NOMEM;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_list_free(list);
        return rc == SQLITE_NOMEM ? NST_ENOMEM : NST_EIO;
    }
    *out = list;
    if (count) {
        *count = n;
    }
    return NST_OK;
}

static nst_err
sq_txn_list(struct store *s, int unfinished, char ***ids, size_t *n)
{
    return sq_list(sq_prep(s,
                           unfinished ? STORE_SQL_TXN_UNFINISHED : STORE_SQL_TXN_ALL,
                           0, NULL),
                   ids, n);
}

static nst_err
sq_batch(struct store *s, int op)
{
    return sq_exec_kept(s, op == 0 ? SQ_BEGIN : op == 1 ? SQ_COMMIT : SQ_ROLLBACK, 0, NULL, 0, 0);
}

static nst_err
sq_txn_delete(struct store *s, const char *id)
{
    const char *a[1] = {id};
    nst_err ret = sq_batch(s, 0);

    if (!ret) {
        ret = sq_exec(s, "DELETE FROM journal WHERE txid = ?1", 1, a);
    }
    if (!ret) {
        ret = sq_exec(s, "DELETE FROM record WHERE scope = 'T' AND owner = ?1", 1, a);
    }
    if (!ret) {
        ret = sq_exec(s, "DELETE FROM txn WHERE id = ?1", 1, a);
    }
    if (!ret) {
        ret = sq_batch(s, 1);
    }
    if (ret) {
        sq_batch(s, 2);
    }
    return ret;
}

static nst_err
sq_rec_put(struct store *s, char scope, const char *owner, const char *name, const char *data)
{
    char sc[2] = {scope, '\0'};
    const char *a[4] = {sc, owner, name, data};

    return sq_exec_kept(s, SQ_REC_PUT, 4, a, 0, 0);
}

static nst_err
sq_rec_get(struct store *s, char scope, const char *owner, const char *name, char **data)
{
    char sc[2] = {scope, '\0'};
    const char *a[3] = {sc, owner, name};
    sqlite3_stmt *st =
        sq_prep(s, "SELECT data FROM record WHERE scope = ?1 AND owner = ?2 AND name = ?3", 3, a);
    nst_err ret = NST_EIO;

    if (!st) {
        return NST_EIO;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        *data = sq_col_dup(st, 0);
        ret = *data ? NST_OK : NST_ENOMEM;
    }
    sqlite3_finalize(st);
    return ret;
}

static nst_err
sq_rec_del(struct store *s, char scope, const char *owner, const char *prefix)
{
    char sc[2] = {scope, '\0'};
    const char *a[3] = {sc, owner, prefix};

    return sq_exec(s,
                   "DELETE FROM record WHERE scope = ?1 AND owner = ?2"
                   " AND substr(name, 1, length(?3)) = ?3",
                   3, a);
}

static nst_err
sq_rec_list(struct store *s, char scope, const char *owner, char ***names)
{
    char sc[2] = {scope, '\0'};
    const char *a[2] = {sc, owner};

    if (!owner) {
        return sq_list(
            sq_prep(s, "SELECT DISTINCT owner FROM record WHERE scope = ?1 ORDER BY 1", 1, a),
            names, NULL);
    }
    return sq_list(
        sq_prep(s, "SELECT name FROM record WHERE scope = ?1 AND owner = ?2 ORDER BY 1", 2, a),
        names, NULL);
}

static nst_err
sq_journal_append(struct store *s, const char *id, int64_t ms, const char *line)
{
    const char *a[3] = {id, NULL, line};

    return sq_exec_kept(s, SQ_JOURNAL_APPEND, 3, a, 2, (sqlite3_int64)ms);
}

static nst_err
sq_journal_read(struct store *s, const char *id, char **text)
{
    const char *a[1] = {id};
    sqlite3_stmt *st =
        sq_prep(s, "SELECT ms, line FROM journal WHERE txid = ?1 ORDER BY seq", 1, a);
    size_t len = 0, cap = 256;
    char *buf;
    int rc;

    if (!st) {
        return NST_EIO;
    }
    buf = nst_malloc(cap);
    if (!buf) {
        sqlite3_finalize(st);
        return NST_ENOMEM;
    }
    buf[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *l = sqlite3_column_text(st, 1);
        size_t need = strlen(l ? (const char *)l : "") + 32;

        if (len + need + 1 > cap) {
            char *nb;

            cap = (len + need + 1) * 2;
            nb = nst_realloc(buf, cap);
            if (!nb) {
                nst_free(buf);
                sqlite3_finalize(st);
                return NST_ENOMEM;
            }
            buf = nb;
        }
        len += (size_t)snprintf(buf + len, cap - len, "%lld %s\n",
                                (long long)sqlite3_column_int64(st, 0), l ? (const char *)l : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        nst_free(buf);
        return NST_EIO;
    }
    *text = buf;
    return NST_OK;
}

static void
sq_close(struct store *s)
{
    struct sq_conn *c = s->be;

    if (c) {
        for (int k = 0; k < SQ_NSTMT; k++) {
            sqlite3_finalize(c->st[k]);
        }
        sqlite3_close(c->db);
        nst_free(c);
        s->be = NULL;
    }
}

static const struct store_ops sq_ops = {
    "sqlite",    sq_txn_insert,     sq_txn_exists,   sq_txn_note,      sq_txn_info,
    sq_txn_list, sq_txn_delete,     sq_rec_put,      sq_rec_get,       sq_rec_del,
    sq_rec_list, sq_journal_append, sq_journal_read, store_flock_take, store_flock_drop,
    sq_batch,    sq_close,
};

nst_err
store_sqlite_open(struct store *s, char *why, size_t whylen)
{
    sqlite3 *db = NULL;
    struct stat st;
    int fd, had_db;
    nst_err ret;

    /* Created 0600 before SQLite sees it; its -wal and -shm files take the same mode. */
    had_db = fstatat(s->dirfd, "state.db", &st, AT_SYMLINK_NOFOLLOW) == 0;
    fd = openat(s->dirfd, "state.db", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open %s: %s", s->location, strerror(errno));
        return NST_EIO;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(why, whylen,
                 "%s is not a private file of the user running netstitch (chmod 600 it)",
                 s->location);
        close(fd);
        return NST_EIO;
    }
    close(fd);
    if (sqlite3_open_v2(s->location, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        snprintf(why, whylen, "cannot open %s: %s", s->location,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NST_EIO;
    }
    s->be = nst_calloc(1, sizeof(struct sq_conn));
    if (!s->be) {
        sqlite3_close(db);
        snprintf(why, whylen, "out of memory");
        return NST_ENOMEM;
    }
    ((struct sq_conn *)s->be)->db = db;
    s->ops = &sq_ops;
    sqlite3_busy_timeout(db, 30000);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE;" SQ_SCHEMA "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "cannot set up %s: %s", s->location, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return NST_EIO;
    }
    (void)had_db;
    /* A state directory of the file layout is imported once (store_import.c). */
    ret = store_import_files(s, why, whylen);
    return ret;
}
