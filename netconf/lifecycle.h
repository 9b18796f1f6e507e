/*
 * lifecycle.h: internals of the service lifecycle (lifecycle.c) that other library
 * stages call: the public half is the nst_diff object in netstitch.h.
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
 * Every file is written with st_write_durable() (0600, fsync, rename, fsync of the
 * directory); a generation is complete before `pending` or `current` names it.
 */
#ifndef NST_LIFECYCLE_H
#define NST_LIFECYCLE_H

#include "netstitch.h"

/* 1 when @name can name a service's record: [A-Za-z0-9._-], 1..64, not "." or "..". */
int lc_service_name_valid(const char *name);

/*
 * After `rollback TXID` committed: every service whose current generation was recorded
 * by TXID goes back to the generation before it (the devices now hold what that one
 * describes). Errors are ignored by design: the record is then merely stale, which the
 * next diff shows as drift. @state_path is the state directory's path.
 */
void lc_rollback_applied(const char *state_path, const char *txid);

#endif
