/*
 * lower.h: lowering a checked service into the per-device intermediate representation.
 *
 * The IR is a libxml2 document, one <device> per managed router, holding what that
 * router must have for the service, in vendor-neutral terms: physical MTU changes,
 * sub-interfaces with their tags and tag rewrites, local cross-connects at stitch
 * points, VPLS instances with attachment circuits and pseudowire neighbours, BGP
 * neighbours with their import and export policies and prefix lists, and the prefixes
 * each router originates (static route plus BGP). Vendor templates
 * (templates/<vendor>/<feature>.xml) read it by XPath; docs/ir.md documents every
 * element and attribute. The IR is canonical: elements sorted, no timestamps, so two
 * compiles of one service are byte-identical.
 *
 * Secrets never enter the IR: a BGP session carries the *name* of its key
 * (auth-key-ref), resolved from the inventory only in memory at push time.
 */
#ifndef NST_LOWER_H
#define NST_LOWER_H

#include <libxml/tree.h>

#include "netstitch.h"

struct nst_service;

/*
 * Lower @svc, which must have passed nst_service_check() without errors, into a new
 * IR document returned in @out (freed with xmlFreeDoc by the caller).
 * Returns NST_OK, NST_EINVAL (not checked, or checked with errors), NST_ENOMEM.
 */
nst_err lower_service(struct nst_service *svc, xmlDocPtr *out);

/*
 * Like lower_service(), for the model's devices [@lo, @hi) only: their <device>
 * elements are exactly those of lower_service() (a device's IR depends on no other
 * device's), so a caller can lower, render and drop a few devices at a time and never
 * hold the IR of the whole service (docs/PERFORMANCE.md). Lowering code must take
 * w->devnode[i] == NULL for a device outside the range and create nothing there.
 * Returns NST_OK, NST_EINVAL (also for a bad range), NST_ENOMEM.
 */
nst_err lower_service_range(struct nst_service *svc, size_t lo, size_t hi, xmlDocPtr *out);

#endif
