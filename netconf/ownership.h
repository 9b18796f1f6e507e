/*
 * ownership.h: the ownership records of services (ownership.c), shared by the service
 * lifecycle (lifecycle.c) and the transaction engine (txn.c, after a rollback).
 *
 * A service's ownership record is a set of named texts in the state store (store.h;
 * docs/diff.md), the service lock is store_lock_service():
 *   current                   "gen-N": the generation in force
 *   pending                   "gen-N": written before a push, removed after it
 *   gen-N/meta                "netstitch-service 1", service, txid, previous, devices
 *   gen-N/dev-<i>.owned.xml   what the service applied on device i (placeholders only)
 *   gen-N/dev-<i>.orig.xml    what pre-existed there, restored when released
 * A generation is written whole (one batch) before `pending` or `current` names it.
 */
#ifndef NST_OWNERSHIP_H
#define NST_OWNERSHIP_H

#include <stddef.h>

#include "netstitch.h"
#include "store.h"

/** @brief One device of a generation; every text owned by the generation. */
struct own_gen_dev {
    char *name;
    char *driver;
    char *owned;
    char *orig; /**< NULL when nothing pre-existed */
};

/** @brief One generation of a service's record. */
struct own_gen {
    char name[32]; /**< "gen-N", "" when none */
    char txid[64];
    char previous[32];
    char service[72]; /**< as its meta names it ("" in a record written before) */
    struct own_gen_dev *devs;
    size_t ndevs;
};

/** @brief 1 when @p name can name a service's record: [A-Za-z0-9._-], 1..64, not "." or "..". */
int own_service_name_valid(const char *name);

/** @brief Free a generation's contents and zero it. */
void own_gen_clear(struct own_gen *g);

/** @brief The generation a pointer ("current", "pending") names, "" when none. */
void own_read_line(struct store *s, const char *service, const char *file, char *buf, size_t len);

/** @brief Point @p file ("current", "pending") at generation @p gen, durably; NULL removes. */
nst_err own_set_line(struct store *s, const char *service, const char *file, const char *gen);

/**
 * @brief Read generation @p name of a service.
 * @return NST_OK; NST_EIO (missing or damaged); NST_ENOMEM.
 */
nst_err own_gen_read(struct store *s, const char *service, const char *name, struct own_gen *g);

/** @brief Write generation @p g (named g->name) completely and durably, in one batch. */
nst_err own_gen_write(struct store *s, const char *service, const struct own_gen *g);

/** @brief Remove a generation. */
void own_gen_remove(struct store *s, const char *service, const char *name);

/** @brief The next free generation number of a service. */
unsigned long own_gen_next(struct store *s, const char *service);

/** @brief Keep the newest generations (and those named @p keep1, @p keep2). */
void own_prune(struct store *s, const char *service, const char *keep1, const char *keep2);

/*
 * After a rollback committed, undoing the push or delete @txid (NULL: none): every service
 * whose current generation was recorded by @txid goes back to the generation before it
 * (the devices now hold what that one describes). Or re-applying the push or delete @redo
 * (NULL: none; a rollback of a rollback of it, txn.c follows the chain): every service
 * whose generation @redo recorded, and whose record the undo moved back (current is that
 * generation's previous, or none), points at it again. Errors are ignored by design: the
 * record is then merely stale, which the next diff shows as drift.
 */
void own_rollback_applied(struct store *s, const char *txid, const char *redo);

#endif
