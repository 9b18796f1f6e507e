/*
 * store_impl.h: what a backend of the state store provides (store.h is the interface the
 * rest of the library uses). store.c does everything common: the local directory, ids,
 * history fields, argument checks, the serialisation of calls; a backend stores rows and
 * takes locks.
 *
 * Records are (scope, owner, name) -> text, scope 'T' for a transaction's records (owner
 * the transaction id) and 'S' for a service's (owner the service name).
 */
#ifndef NST_STORE_IMPL_H
#define NST_STORE_IMPL_H

#include <pthread.h>

#include "store.h"

/* The ids of every transaction, or of those whose history row has no outcome yet (the
 * row's outcome is written after the journal's outcome line): txn_list's query in SQL,
 * the same for both backends. */
#define STORE_SQL_TXN_ALL "SELECT id FROM txn ORDER BY id"
#define STORE_SQL_TXN_UNFINISHED "SELECT id FROM txn WHERE outcome = '' ORDER BY id"

struct store_ops {
    const char *name;
    nst_err (*txn_insert)(struct store *s, const struct store_txn_info *info);
    /* NST_OK when it exists, NST_EIO when not */
    nst_err (*txn_exists)(struct store *s, const char *id);
    nst_err (*txn_note)(struct store *s, const char *id, const char *devices, const char *outcome,
                        int64_t ms);
    nst_err (*txn_info)(struct store *s, const char *id, struct store_txn_info *info);
    /* every transaction, or with @unfinished only those whose history row has no outcome */
    nst_err (*txn_list)(struct store *s, int unfinished, char ***ids, size_t *n);
    nst_err (*txn_delete)(struct store *s, const char *id);
    nst_err (*rec_put)(struct store *s, char scope, const char *owner, const char *name,
                       const char *data);
    nst_err (*rec_get)(struct store *s, char scope, const char *owner, const char *name,
                       char **data);
    nst_err (*rec_del)(struct store *s, char scope, const char *owner, const char *prefix);
    /* names of @owner's records; or the owners of scope when @owner is NULL */
    nst_err (*rec_list)(struct store *s, char scope, const char *owner, char ***names);
    nst_err (*journal_append)(struct store *s, const char *id, int64_t ms, const char *line);
    nst_err (*journal_read)(struct store *s, const char *id, char **text);
    /* Take lock @key without waiting: a handle (>= 0) or -1 with *busy and @holder set. */
    long (*lock)(struct store *s, const char *key, const char *owner, int *busy, char *holder,
                 size_t hlen);
    void (*unlock)(struct store *s, const char *key, long handle);
    nst_err (*batch)(struct store *s, int op); /* 0 begin, 1 commit, 2 abort */
    void (*close)(struct store *s);
};

struct store {
    const struct store_ops *ops;
    void *be;  /* the backend's connection */
    char *dir; /* the local directory */
    int dirfd;
    char *location;     /* for messages */
    pthread_mutex_t mu; /* one call at a time */
    /* Group commit (store.c, store_group_write): journal lines and records waiting for
     * the next flush, and whether a thread is flushing. */
    pthread_mutex_t jmu;
    pthread_cond_t jcv;
    struct store_jline *jq, **jq_tail;
    int jflushing;
};

/* The backends' openers: fill s->ops and s->be. */
nst_err store_sqlite_open(struct store *s, char *why, size_t whylen);
nst_err store_pg_open(struct store *s, const char *url, char *why, size_t whylen);

/* flock()-based locks in DIR/locks (SQLite's; store.c). */
long store_flock_take(struct store *s, const char *key, const char *owner, int *busy, char *holder,
                      size_t hlen);
void store_flock_drop(struct store *s, const char *key, long handle);

#endif
