/*
 * ownership.h: the ownership records of services (ownership.c), shared by the service
 * lifecycle (lifecycle.c) and the transaction engine (txn.c, after a rollback).
 *
 * A service's ownership record lives in the state directory (docs/diff.md):
 *   STATE/services/<service>/   0700
 *     lock                      flock()ed while a push or delete applies the service
 *     current                   "gen-N": the generation in force
 *     pending                   "gen-N": written before a push, removed after it
 *     gen-N/                    0700, one generation, written whole before it is named
 *       meta                    "netstitch-service 1", service, txid, previous, devices
 *       dev-<i>.owned.xml       what the service applied on device i (placeholders only)
 *       dev-<i>.orig.xml        what pre-existed there, restored when released
 */
#ifndef NST_OWNERSHIP_H
#define NST_OWNERSHIP_H

#include <stddef.h>

#include "netstitch.h"

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
    struct own_gen_dev *devs;
    size_t ndevs;
};

/** @brief 1 when @p name can name a service's record: [A-Za-z0-9._-], 1..64, not "." or "..". */
int own_service_name_valid(const char *name);

/** @brief Free a generation's contents and zero it. */
void own_gen_clear(struct own_gen *g);

/** @brief Read a one-line file ("current", "pending") naming a generation; "" when missing. */
void own_read_line(int dirfd, const char *file, char *buf, size_t len);

/**
 * @brief Read generation @p name of the service directory @p svcfd.
 * @return NST_OK; NST_EIO (missing or damaged); NST_ENOMEM.
 */
nst_err own_gen_read(int svcfd, const char *name, struct own_gen *g);

/** @brief Write generation @p g (named g->name) completely and durably. */
nst_err own_gen_write(int svcfd, const char *service, const struct own_gen *g);

/** @brief Remove a generation directory. */
void own_gen_remove(int svcfd, const char *name);

/** @brief The next free generation number of a service directory. */
unsigned long own_gen_next(int svcfd);

/** @brief Open services/<name> below the state directory (created when @p create); -1 if absent. */
int own_svc_open(int stfd, const char *name, int create);

/** @brief Try the service lock: the held fd, or -1 (@p busy set when another process holds it). */
int own_lock(int svcfd, int *busy);

/** @brief Keep the newest generations (and those named @p keep1, @p keep2). */
void own_prune(int svcfd, const char *keep1, const char *keep2);

/*
 * After `rollback TXID` committed: every service whose current generation was recorded
 * by TXID goes back to the generation before it (the devices now hold what that one
 * describes). Errors are ignored by design: the record is then merely stale, which the
 * next diff shows as drift. @state_path is the state directory's path.
 */
void own_rollback_applied(const char *state_path, const char *txid);

#endif
