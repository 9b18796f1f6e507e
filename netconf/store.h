/*
 * store.h: the state store behind push, delete, rollback, recover, diff and history: one
 * interface (store.c), two backends: SQLite (store_sqlite.c, the default: one file
 * STATE/state.db) and PostgreSQL (store_pg.c, for a team: `--state postgresql://...`).
 *
 * What it keeps (docs/push.md, "The state store"):
 *   transactions  one row each: id, start time, user, host, kind (push, delete,
 *                 rollback, recover), service, comment, devices, outcome, finish time;
 *   records       named texts of a transaction, written once before anything on a device
 *                 changes: "plan", "dev-<i>.before.xml" (the snapshot, placeholders only),
 *                 "dev-<i>.payload.xml" (the edit sent, placeholders only);
 *   the journal   one line per step per device, appended durably, in order;
 *   services      named texts of each service's ownership record (ownership.h's layout:
 *                 "current", "pending", "gen-N/meta", "gen-N/dev-<i>.owned.xml", ...).
 * Every write is durable when the call returns (SQLite: WAL with synchronous=FULL, one
 * SQL transaction per call; PostgreSQL: a committed transaction), so a `kill -9` at any
 * point leaves either the whole write or none of it: what the file journal's fdatasync()
 * guaranteed before. store_batch_begin()/store_batch_commit() group writes that must
 * appear together (a generation of an ownership record).
 *
 * Locks, so that two processes (or two hosts, on PostgreSQL) never change one device, one
 * service or one transaction at once: SQLite: flock()ed files under STATE/locks, released
 * by the kernel when the process dies; PostgreSQL: session advisory locks, released when
 * the connection ends (the process died, or the server noticed the connection is gone).
 * A lock that can be taken is never stale. No call waits for a lock.
 *
 * The local directory (store_dir()) exists for both backends: known_hosts, the schema
 * cache, the session logs and the SQLite file live there.
 *
 * A state directory of the file layout (txn/<TXID>/..., services/<name>/...) from before
 * the store is imported into state.db the first time it is opened (store_import.c), and
 * the old directories are renamed *.imported-<time>.
 *
 * Threads: one store handle may be used by several threads of one transaction; calls
 * are serialised inside.
 */
#ifndef NST_STORE_H
#define NST_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "netstitch.h"

struct store;
struct store_txn;
struct store_lock;

/** @brief A transaction's history row. */
struct store_txn_info {
    char id[40];
    int64_t started_ms;  /**< unix time, milliseconds */
    int64_t finished_ms; /**< 0 while unfinished */
    char user[64];
    char host[128];
    char kind[16];        /**< push, delete, rollback, recover */
    char service[72];     /**< "" when not a service's push (payloads, rollback of several) */
    char rollback_of[40]; /**< "" unless kind is rollback */
    char outcome[32];     /**< "" while unfinished */
    char *comment;        /**< owned, may be NULL */
    char *devices;        /**< owned: "a,b,c", may be NULL before the plan */
};

/** @brief Free the owned strings of @p info. */
void store_txn_info_clear(struct store_txn_info *info);

/**
 * @brief Open (creating if needed) the state store.
 * @param[in] location NULL or "" (the default directory: $XDG_STATE_HOME/netstitch, else
 *            $HOME/.local/state/netstitch, or $NETSTITCH_STATE when set), a directory
 *            (SQLite in DIR/state.db), or a "postgresql://" / "postgres://" URL (the
 *            local directory is then the default one, or $NETSTITCH_STATE_DIR).
 * @param[out] out freed with store_close().
 * @param[out] why the reason on failure.
 * @return NST_OK; NST_EIO (cannot create, open, or migrate; unsafe permissions; server
 *         unreachable); NST_EINVAL (a URL of an unsupported kind); NST_ENOMEM.
 */
nst_err store_open(const char *location, struct store **out, char *why, size_t whylen);

/** @brief Close; accepts NULL. Releases every lock this handle holds. */
void store_close(struct store *s);

/** @brief The local directory (known_hosts, schema cache, logs). */
const char *store_dir(const struct store *s);

/** @brief Where the records are, for messages: "DIR/state.db" or the URL without password. */
const char *store_location(const struct store *s);

/** @brief "sqlite" or "postgresql". */
const char *store_backend(const struct store *s);

/** @brief 1 when @p id has the shape of a transaction id. */
int store_txid_valid(const char *id);

/**
 * @brief Create a transaction with a fresh id and lock it.
 * @param[in] kind, service, comment, rollback_of the history fields (NULL: none).
 * @return NST_OK; NST_EIO; NST_ENOMEM.
 */
nst_err store_txn_create(struct store *s, const char *kind, const char *service,
                         const char *comment, const char *rollback_of, struct store_txn **out);

/**
 * @brief Open and lock an existing transaction.
 * @param[out] busy 1 when another process holds it (NST_EBUSY), else 0.
 * @return NST_OK; NST_EINVAL (malformed id); NST_EIO (no such transaction); NST_EBUSY;
 *         NST_ENOMEM.
 */
nst_err store_txn_open(struct store *s, const char *id, struct store_txn **out, int *busy);

/** @brief Close (and unlock); accepts NULL. */
void store_txn_close(struct store_txn *t);

/** @brief The transaction's id. */
const char *store_txn_id(const struct store_txn *t);

/** @brief Write record @p name of the transaction, durably (replacing any), before it
 *         returns; concurrent writes are committed together like journal lines. */
nst_err store_txn_put(struct store_txn *t, const char *name, const char *data);

/** @brief Read record @p name; NST_EIO when there is none. */
nst_err store_txn_get(struct store_txn *t, const char *name, char **data);

/**
 * @brief Append one journal line ("<unix-ms> <text>", newlines replaced by spaces),
 *        durably, before it returns. Safe from several threads: concurrent lines are
 *        kept in the order they were called and committed together (one fsync).
 */
nst_err store_journal_append(struct store_txn *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** @brief The journal, one line per entry, each ending in '\n' ("" when empty). */
nst_err store_journal_read(struct store_txn *t, char **text);

/** @brief store_journal_read() of transaction @p id without locking it (another process
 *         may be running it; its lines so far). */
nst_err store_journal_peek(struct store *s, const char *id, char **text);

/**
 * @brief Write record @p name of transaction @p id that another process holds: the one
 *        way to talk to it (`netstitch confirm` and `cancel` to a push holding its confirm
 *        window).
 */
nst_err store_txn_signal(struct store *s, const char *id, const char *name, const char *data);

/** @brief Set the history fields known only later: @p devices ("a,b"), @p outcome, when
 *         not NULL; an outcome also sets the finish time. */
nst_err store_txn_note(struct store_txn *t, const char *devices, const char *outcome);

/** @brief History row of transaction @p id (NST_EIO when unknown). */
nst_err store_txn_info(struct store *s, const char *id, struct store_txn_info *info);

/**
 * @brief Transaction ids, oldest first.
 * @param[out] ids NULL-terminated, freed with store_list_free().
 */
nst_err store_txn_list(struct store *s, char ***ids, size_t *n);

/**
 * @brief The transactions whose history row has no outcome yet, oldest first: running,
 *        or interrupted, or (a crash between the two writes) finished in the journal only.
 *        A superset of those whose journal has no outcome line, since the row's outcome
 *        is written only after that line committed (txn.c's txn_journal, recover, the
 *        import): callers that decide by the journal read only these journals, not every
 *        transaction's history.
 * @param[out] ids NULL-terminated, freed with store_list_free().
 */
nst_err store_txn_list_unfinished(struct store *s, char ***ids, size_t *n);

/** @brief Delete transaction @p id with its records and journal (gc). */
nst_err store_txn_delete(struct store *s, const char *id);

/** @brief Free a list of strings; accepts NULL. */
void store_list_free(char **list);

/**
 * @brief Take the locks of several devices, all or none, without waiting.
 * @param[in] keys device identities ("host:port"); @p labels how messages name them.
 * @param[in] owner shown to another process that finds the lock taken.
 * @param[out] why on NST_EBUSY names the device and the holder.
 * @return NST_OK; NST_EBUSY; NST_EIO; NST_ENOMEM.
 */
nst_err store_lock_devices(struct store *s, const char *const *keys, const char *const *labels,
                           size_t n, const char *owner, struct store_lock **out, char *why,
                           size_t whylen);

/**
 * @brief Take the lock of service @p name without waiting.
 * @return NST_OK; NST_EBUSY; NST_EIO; NST_ENOMEM.
 */
nst_err store_lock_service(struct store *s, const char *name, struct store_lock **out);

/** @brief Release locks; accepts NULL. */
void store_unlock(struct store_lock *l);

/** @brief Read text @p name of service @p service's record; NST_EIO when there is none. */
nst_err store_svc_get(struct store *s, const char *service, const char *name, char **data);

/** @brief Write (replace) text @p name of a service's record, durably. */
nst_err store_svc_put(struct store *s, const char *service, const char *name, const char *data);

/** @brief Delete every text of the record whose name starts with @p prefix ("" for all). */
nst_err store_svc_del(struct store *s, const char *service, const char *prefix);

/** @brief The names of a service's texts (sorted), or the services (@p service NULL). */
nst_err store_svc_list(struct store *s, const char *service, char ***names);

/** @brief Make the writes up to store_batch_commit() one durable unit. Not nested. */
nst_err store_batch_begin(struct store *s);
nst_err store_batch_commit(struct store *s);
/** @brief Drop the writes since store_batch_begin(). */
void store_batch_abort(struct store *s);

#endif
