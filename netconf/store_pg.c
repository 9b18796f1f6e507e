/*
 * store_pg.c: the PostgreSQL backend of the state store (store.h), for a team: every
 * operator and pipeline runner, on any host, uses one database, selected by a
 * postgresql:// (or postgres://) location, so two of them can never change one device,
 * one service or one transaction at once, and everyone reads one history.
 *
 * Durability: every call is one SQL transaction (autocommit, or the batch's), committed
 * before the call returns; with the server's default synchronous_commit=on it is on the
 * server's disk then. A kill -9 of netstitch loses nothing that was reported written.
 *
 * Locks: session advisory locks (pg_try_advisory_lock on a 64-bit hash of the key), held
 * by this process's connection and released by the server when it ends, so a crashed
 * netstitch holds nothing. Like flock(), a second take of a held key on the same handle
 * is refused. Who holds a lock is written to lock_owner for the message another process
 * shows.
 *
 * Schema (version 1), created when missing: the SQLite backend's tables (store_sqlite.c)
 * with BIGINT times and a BIGSERIAL journal sequence, plus lock_owner(key, owner).
 *
 * Not here: what is stored (txn.c, ownership.c).
 */
#include "store_impl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "alloc.h"

/*
 * libpq is loaded when the first PostgreSQL store is opened, not linked: it brings twelve
 * more libraries (LDAP, SASL, GnuTLS and theirs, whose constructors run at start), which
 * cost every netstitch command and every simulator 4 ms of CPU to start (an empty program
 * linked like netstitch: 8.0 ms and 21.1 M instructions, 4.2 ms and 12.2 M without libpq;
 * docs/PERFORMANCE.md, round 5). The header gives the types; the calls go through pq.
 */
static struct {
    PGconn *(*connectdb)(const char *);
    ConnStatusType (*status)(const PGconn *);
    char *(*errorMessage)(const PGconn *);
    void (*finish)(PGconn *);
    PGresult *(*exec)(PGconn *, const char *);
    PGresult *(*execParams)(PGconn *, const char *, int, const Oid *, const char *const *,
                            const int *, const int *, int);
    ExecStatusType (*resultStatus)(const PGresult *);
    int (*ntuples)(const PGresult *);
    char *(*getvalue)(const PGresult *, int, int);
    int (*getisnull)(const PGresult *, int, int);
    void (*clear)(PGresult *);
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[200] = "libpq.so.5 not loaded"; /* "" once it is */

/* @sym of @h into *@fn; false (and pq_error) when missing. */
static bool
pq_sym(void *h, const char *sym, void *fn, size_t size)
{
    void *p = dlsym(h, sym);

    if (!p) {
        snprintf(pq_error, sizeof pq_error, "libpq.so.5 has no %s", sym);
        return false;
    }
    memcpy(fn, &p, size);
    return true;
}

static void
pq_load(void)
{
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    const char *e;

    if (!h) {
        e = dlerror();
        snprintf(pq_error, sizeof pq_error, "%s", e ? e : "cannot load libpq.so.5");
        return;
    }
#define PQ_SYM(f) pq_sym(h, "PQ" #f, &pq.f, sizeof pq.f)
    if (!PQ_SYM(connectdb) || !PQ_SYM(status) || !PQ_SYM(errorMessage) || !PQ_SYM(finish) ||
        !PQ_SYM(exec) || !PQ_SYM(execParams) || !PQ_SYM(resultStatus) || !PQ_SYM(ntuples) ||
        !PQ_SYM(getvalue) || !PQ_SYM(getisnull) || !PQ_SYM(clear)) {
        return; /* the handle stays: nothing else would use it */
    }
#undef PQ_SYM
    pq_error[0] = '\0';
}

#define PQconnectdb pq.connectdb
#define PQstatus pq.status
#define PQerrorMessage pq.errorMessage
#define PQfinish pq.finish
#define PQexec pq.exec
#define PQexecParams pq.execParams
#define PQresultStatus pq.resultStatus
#define PQntuples pq.ntuples
#define PQgetvalue pq.getvalue
#define PQgetisnull pq.getisnull
#define PQclear pq.clear

#define PG_SCHEMA                                                                                  \
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"                  \
    "CREATE TABLE IF NOT EXISTS txn(id TEXT PRIMARY KEY, started_ms BIGINT NOT NULL,"              \
    " finished_ms BIGINT NOT NULL DEFAULT 0, \"user\" TEXT NOT NULL DEFAULT '',"                   \
    " host TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT '',"                               \
    " service TEXT NOT NULL DEFAULT '', rollback_of TEXT NOT NULL DEFAULT '',"                     \
    " outcome TEXT NOT NULL DEFAULT '', comment TEXT, devices TEXT);"                              \
    "CREATE TABLE IF NOT EXISTS record(scope TEXT NOT NULL, owner TEXT NOT NULL,"                  \
    " name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(scope, owner, name));"                   \
    "CREATE TABLE IF NOT EXISTS journal(seq BIGSERIAL PRIMARY KEY, txid TEXT NOT NULL,"            \
    " ms BIGINT NOT NULL, line TEXT NOT NULL);"                                                    \
    "CREATE INDEX IF NOT EXISTS journal_txid ON journal(txid, seq);"                               \
    "CREATE TABLE IF NOT EXISTS lock_owner(key TEXT PRIMARY KEY, owner TEXT NOT NULL);"            \
    "INSERT INTO meta(key, value) VALUES('schema', '1') ON CONFLICT DO NOTHING;"

/* The connection and the locks this handle holds (flock() semantics: no re-entry). */
struct pg_be {
    PGconn *conn;
    char **held;
    size_t nheld;
};

static PGconn *
pg_conn(struct store *s)
{
    return ((struct pg_be *)s->be)->conn;
}

/* Run @sql with text parameters; the result on success (PQclear it), NULL on failure. */
static PGresult *
pg_run(struct store *s, const char *sql, int n, const char *const *args)
{
    PGresult *r = PQexecParams(pg_conn(s), sql, n, NULL, args, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        PQclear(r);
        return NULL;
    }
    return r;
}

static nst_err
pg_exec(struct store *s, const char *sql, int n, const char *const *args)
{
    PGresult *r = pg_run(s, sql, n, args);

    PQclear(r);
    return r ? NST_OK : NST_EIO;
}

static nst_err
pg_txn_insert(struct store *s, const struct store_txn_info *i)
{
    char started[32];
    const char *a[9] = {i->id,      started,        i->user,    i->host,   i->kind,
                        i->service, i->rollback_of, i->comment, i->devices};

    snprintf(started, sizeof started, "%lld", (long long)i->started_ms);
    return pg_exec(s,
                   "INSERT INTO txn(id, started_ms, \"user\", host, kind, service, rollback_of,"
                   " comment, devices) VALUES($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9)",
                   9, a);
}

static nst_err
pg_txn_exists(struct store *s, const char *id)
{
    const char *a[1] = {id};
    PGresult *r = pg_run(s, "SELECT 1 FROM txn WHERE id = $1", 1, a);
    int found = r && PQntuples(r) > 0;

    PQclear(r);
    return found ? NST_OK : NST_EIO;
}

static nst_err
pg_txn_note(struct store *s, const char *id, const char *devices, const char *outcome, int64_t ms)
{
    char t[32];
    const char *a[4] = {id, devices, outcome, t};

    snprintf(t, sizeof t, "%lld", (long long)ms);
    return pg_exec(
        s,
        "UPDATE txn SET devices = COALESCE($2, devices), outcome = COALESCE($3, outcome),"
        " finished_ms = CASE WHEN $3::text IS NULL THEN finished_ms ELSE $4::bigint END"
        " WHERE id = $1",
        4, a);
}

static void
pg_col(PGresult *r, int row, int col, char *buf, size_t len)
{
    snprintf(buf, len, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static char *
pg_col_dup(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : nst_strdup(PQgetvalue(r, row, col));
}

static nst_err
pg_txn_info(struct store *s, const char *id, struct store_txn_info *i)
{
    const char *a[1] = {id};
    PGresult *r = pg_run(s,
                         "SELECT id, started_ms, finished_ms, \"user\", host, kind, service,"
                         " rollback_of, outcome, comment, devices FROM txn WHERE id = $1",
                         1, a);
    nst_err ret = NST_EIO;

    if (r && PQntuples(r) == 1) {
        pg_col(r, 0, 0, i->id, sizeof i->id);
        i->started_ms = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        i->finished_ms = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        pg_col(r, 0, 3, i->user, sizeof i->user);
        pg_col(r, 0, 4, i->host, sizeof i->host);
        pg_col(r, 0, 5, i->kind, sizeof i->kind);
        pg_col(r, 0, 6, i->service, sizeof i->service);
        pg_col(r, 0, 7, i->rollback_of, sizeof i->rollback_of);
        pg_col(r, 0, 8, i->outcome, sizeof i->outcome);
        i->comment = pg_col_dup(r, 0, 9);
        i->devices = pg_col_dup(r, 0, 10);
        ret = NST_OK;
    }
    PQclear(r);
    return ret;
}

/* The first column of every row, NULL-terminated. */
static nst_err
pg_list(PGresult *r, char ***out, size_t *count)
{
    char **list;
    int n;

    if (!r) {
        return NST_EIO;
    }
    n = PQntuples(r);
    list = nst_calloc((size_t)n + 1, sizeof *list);
    for (int i = 0; list && i < n; i++) {
        list[i] = nst_strdup(PQgetvalue(r, i, 0));
        if (!list[i]) {
            store_list_free(list);
            list = NULL;
        }
    }
    PQclear(r);
    if (!list) {
        return NST_ENOMEM;
    }
    *out = list;
    if (count) {
        *count = (size_t)n;
    }
    return NST_OK;
}

static nst_err
pg_txn_list(struct store *s, int unfinished, char ***ids, size_t *n)
{
    return pg_list(pg_run(s,
                          unfinished ? STORE_SQL_TXN_UNFINISHED : STORE_SQL_TXN_ALL,
                          0, NULL),
                   ids, n);
}

static nst_err
pg_batch(struct store *s, int op)
{
    static const char *const sql[] = {"BEGIN", "COMMIT", "ROLLBACK"};

    return pg_exec(s, sql[op], 0, NULL);
}

static nst_err
pg_txn_delete(struct store *s, const char *id)
{
    const char *a[1] = {id};
    nst_err ret = pg_batch(s, 0);

    if (!ret) {
        ret = pg_exec(s, "DELETE FROM journal WHERE txid = $1", 1, a);
    }
    if (!ret) {
        ret = pg_exec(s, "DELETE FROM record WHERE scope = 'T' AND owner = $1", 1, a);
    }
    if (!ret) {
        ret = pg_exec(s, "DELETE FROM txn WHERE id = $1", 1, a);
    }
    if (!ret) {
        ret = pg_batch(s, 1);
    }
    if (ret) {
        pg_batch(s, 2);
    }
    return ret;
}

static nst_err
pg_rec_put(struct store *s, char scope, const char *owner, const char *name, const char *data)
{
    char sc[2] = {scope, '\0'};
    const char *a[4] = {sc, owner, name, data};

    return pg_exec(s,
                   "INSERT INTO record(scope, owner, name, data) VALUES($1, $2, $3, $4)"
                   " ON CONFLICT (scope, owner, name) DO UPDATE SET data = EXCLUDED.data",
                   4, a);
}

static nst_err
pg_rec_get(struct store *s, char scope, const char *owner, const char *name, char **data)
{
    char sc[2] = {scope, '\0'};
    const char *a[3] = {sc, owner, name};
    PGresult *r =
        pg_run(s, "SELECT data FROM record WHERE scope = $1 AND owner = $2 AND name = $3", 3, a);
    nst_err ret = NST_EIO;

    if (r && PQntuples(r) == 1) {
        *data = nst_strdup(PQgetvalue(r, 0, 0));
        ret = *data ? NST_OK : NST_ENOMEM;
    }
    PQclear(r);
    return ret;
}

static nst_err
pg_rec_del(struct store *s, char scope, const char *owner, const char *prefix)
{
    char sc[2] = {scope, '\0'};
    const char *a[3] = {sc, owner, prefix};

    return pg_exec(s,
                   "DELETE FROM record WHERE scope = $1 AND owner = $2"
                   " AND left(name, length($3)) = $3",
                   3, a);
}

static nst_err
pg_rec_list(struct store *s, char scope, const char *owner, char ***names)
{
    char sc[2] = {scope, '\0'};
    const char *a[2] = {sc, owner};

    if (!owner) {
        return pg_list(
            pg_run(s, "SELECT DISTINCT owner FROM record WHERE scope = $1 ORDER BY 1", 1, a), names,
            NULL);
    }
    return pg_list(
        pg_run(s, "SELECT name FROM record WHERE scope = $1 AND owner = $2 ORDER BY 1", 2, a),
        names, NULL);
}

static nst_err
pg_journal_append(struct store *s, const char *id, int64_t ms, const char *line)
{
    char t[32];
    const char *a[3] = {id, t, line};

    snprintf(t, sizeof t, "%lld", (long long)ms);
    return pg_exec(s, "INSERT INTO journal(txid, ms, line) VALUES($1, $2::bigint, $3)", 3, a);
}

static nst_err
pg_journal_read(struct store *s, const char *id, char **text)
{
    const char *a[1] = {id};
    PGresult *r = pg_run(s, "SELECT ms, line FROM journal WHERE txid = $1 ORDER BY seq", 1, a);
    char *buf = NULL, *t;

    if (!r) {
        return NST_EIO;
    }
    buf = nst_strdup("");
    for (int i = 0; buf && i < PQntuples(r); i++) {
        t = nst_asprintf("%s%s %s\n", buf, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        nst_free(buf);
        buf = t;
    }
    PQclear(r);
    if (!buf) {
        return NST_ENOMEM;
    }
    *text = buf;
    return NST_OK;
}

static long
pg_lock(struct store *s, const char *key, const char *owner, int *busy, char *holder, size_t hlen)
{
    struct pg_be *be = s->be;
    const char *a[2] = {key, owner ? owner : ""};
    PGresult *r;
    char **h;
    int got;

    *busy = 0;
    holder[0] = '\0';
    for (size_t i = 0; i < be->nheld; i++) {
        if (be->held[i] && !strcmp(be->held[i], key)) {
            *busy = 1;
            snprintf(holder, hlen, "this process");
            return -1;
        }
    }
    r = pg_run(s, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1, a);
    got = r && PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    if (!r) {
        return -1;
    }
    if (!got) {
        *busy = 1;
        r = pg_run(s, "SELECT owner FROM lock_owner WHERE key = $1", 1, a);
        if (r && PQntuples(r) == 1) {
            snprintf(holder, hlen, "%s", PQgetvalue(r, 0, 0));
            holder[strcspn(holder, "\n")] = '\0';
        }
        PQclear(r);
        return -1;
    }
    pg_exec(s,
            "INSERT INTO lock_owner(key, owner) VALUES($1, $2)"
            " ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner",
            2, a);
    h = nst_realloc(be->held, (be->nheld + 1) * sizeof *h);
    if (!h || !(h[be->nheld] = nst_strdup(key))) {
        if (h) {
            be->held = h;
        }
        pg_exec(s, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, a);
        return -1;
    }
    be->held = h;
    return (long)be->nheld++;
}

static void
pg_unlock(struct store *s, const char *key, long handle)
{
    struct pg_be *be = s->be;
    const char *a[1] = {key};

    if (handle < 0 || (size_t)handle >= be->nheld || !be->held[handle]) {
        return;
    }
    pg_exec(s, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, a);
    nst_free(be->held[handle]);
    be->held[handle] = NULL;
}

static void
pg_close(struct store *s)
{
    struct pg_be *be = s->be;

    if (!be) {
        return;
    }
    /* Ending the connection releases every advisory lock it holds. */
    if (be->conn) {
        PQfinish(be->conn);
    }
    for (size_t i = 0; i < be->nheld; i++) {
        nst_free(be->held[i]);
    }
    nst_free(be->held);
    nst_free(be);
    s->be = NULL;
}

static const struct store_ops pg_ops = {
    "postgresql",    pg_txn_insert, pg_txn_exists, pg_txn_note, pg_txn_info, pg_txn_list,
    pg_txn_delete,   pg_rec_put,    pg_rec_get,    pg_rec_del,  pg_rec_list, pg_journal_append,
    pg_journal_read, pg_lock,       pg_unlock,     pg_batch,    pg_close,
};

nst_err
store_pg_open(struct store *s, const char *url, char *why, size_t whylen)
{
    struct pg_be *be = nst_calloc(1, sizeof *be);
    PGresult *r;

    if (!be) {
        return NST_ENOMEM;
    }
    s->be = be;
    s->ops = &pg_ops;
    pthread_once(&pq_once, pq_load);
    if (pq_error[0]) {
        snprintf(why, whylen, "cannot use %s: %s", s->location, pq_error);
        return NST_EIO;
    }
    be->conn = PQconnectdb(url);
    if (!be->conn || PQstatus(be->conn) != CONNECTION_OK) {
        char msg[256];

        snprintf(msg, sizeof msg, "%s", be->conn ? PQerrorMessage(be->conn) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(why, whylen, "cannot connect to %s: %s", s->location, msg);
        return NST_EIO;
    }
    /* Quiet NOTICEs ("relation already exists, skipping") on stderr. */
    r = PQexec(be->conn, "SET client_min_messages = warning");
    PQclear(r);
    /* Two first-time users creating the schema at once: serialised by a lock. */
    r = PQexec(be->conn, "SELECT pg_advisory_lock(7265237)");
    PQclear(r);
    r = PQexec(be->conn, PG_SCHEMA);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[256];

        snprintf(msg, sizeof msg, "%s", PQerrorMessage(be->conn));
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(why, whylen, "cannot set up the state store in %s: %s", s->location, msg);
        PQclear(r);
        return NST_EIO;
    }
    PQclear(r);
    r = PQexec(be->conn, "SELECT pg_advisory_unlock(7265237)");
    PQclear(r);
    return NST_OK;
}
