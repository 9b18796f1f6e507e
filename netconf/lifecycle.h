/*
 * lifecycle.h: the service lifecycle (lifecycle.c) has no internal interface of its own:
 * its public half is the nst_diff object in netstitch.h, and the records it keeps are
 * ownership.h's.
 */
#ifndef NST_LIFECYCLE_H
#define NST_LIFECYCLE_H

#include "netstitch.h"
#include "ownership.h"

#endif
