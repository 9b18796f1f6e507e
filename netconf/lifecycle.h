/*
 * lifecycle.h: the service lifecycle (lifecycle.c): its public half is the nst_diff object
 * in netstitch.h, and the records it keeps are ownership.h's. Internal: two hooks for the
 * tests of nst_diff_preload().
 */
#ifndef NST_LIFECYCLE_H
#define NST_LIFECYCLE_H

#include "netstitch.h"
#include "ownership.h"

/* Wait until the preload thread has read every file of its directory (nst_diff_preload()
 * then stops it at the run's start): the tests' way to make the run take the trees. */
void lc_preload_finish(struct nst_diff *d);

/* How many devices took a preloaded tree in nst_diff_run(). */
size_t lc_preload_adopted(const struct nst_diff *d);

#endif
