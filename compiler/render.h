/*
 * render.h: the render stage of a compile (docs/drivers.md).
 *
 *   IR <device> --copy + prepare hooks--> annotated device --templates--> per-feature XML
 *     --libyang (strict parse)--> per-feature trees --merge--> device tree
 *     --lyd_validate_all against yang/devices/--> canonical payload text
 *   annotated device --text templates--> native CLI
 *
 * struct render is the state one compile shares across its devices: one template engine
 * (so every template file is read and every XPath compiled once per compile) and one
 * libyang context holding every vendor's device models (built once per compile). It
 * belongs to one thread; render_dup() gives another thread its own.
 *
 * A payload that does not validate is a netstitch bug (a template, or a driver that
 * asked for something its vendor's model cannot hold): it is reported as an INTERNAL
 * diagnostic naming the template file and line that produced the offending element.
 * A template error (syntax, XPath, a value XML or CLI cannot carry) is reported with
 * the template's file and line too.
 */
#ifndef NST_RENDER_H
#define NST_RENDER_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libyang/libyang.h>

#include "netstitch.h"

struct diag_loc;

struct nst_ctx;
struct drv_ops;
struct render;

/* The NETCONF base namespace of the <config> element around every payload. */
#define RENDER_NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/*
 * Create the render state of one compile.
 * @ctx: the library context (diagnostics, yang_dir); borrowed, must outlive the result.
 * @dirs/@ndirs: user template directories searched first, in order (may be 0); borrowed,
 *   copied. NST_TEMPLATE_PATH (colon-separated) comes next, then the built-in directory.
 * Returns NST_OK, NST_ENOMEM, NST_EENV (device models missing or not loadable; a
 * diagnostic says which). @out is freed with render_free().
 */
nst_err render_new(struct nst_ctx *ctx, const char *const *dirs, size_t ndirs, struct render **out);

/* Free the render state; NULL is accepted. */
void render_free(struct render *r);

/*
 * A render state for another thread: it shares @r's device models and template search
 * path (@r is borrowed and must outlive it; neither changes while devices render) and has
 * a template engine of its own (the engine keeps an XPath context and its cache per call)
 * and its own diagnostics context @ctx (borrowed). render_device() may then run on @r and
 * on each of its duplicates at the same time, one thread each: libyang allows concurrent
 * parsing and validation in a context no module is being loaded into (its dictionary has
 * a lock: libyang.h, "Threading Limitations"). Freed with render_free().
 * Returns NST_OK, NST_EINVAL, NST_ENOMEM.
 */
nst_err render_dup(struct render *r, struct nst_ctx *ctx, struct render **out);

/*
 * Make @n duplicates of @r ahead (at most RENDER_MAX_SPARE), each engine with every
 * driver's templates loaded and compiled (tpl_preload()), for render_dup() to hand out:
 * compile.c does it on the thread that builds the render state while the service loads,
 * when the second core would otherwise wait, instead of in each render thread's first
 * devices. Duplicates not handed out are freed with @r. Best effort: nothing reported.
 */
void render_warm(struct render *r, size_t n);

/* Record @r's diagnostics in @ctx (borrowed) from now on: render_new() may run on another
 * thread, with a context of its own, while the service loads (compile.c). */
void render_set_ctx(struct render *r, struct nst_ctx *ctx);

/*
 * Where the next device rendered comes from in the service (its file, line and YANG
 * path, borrowed until the next call): a driver that refuses the device is reported
 * there as DRIVER-UNSUPPORTED. NULL (the default) reports it without a location.
 */
void render_set_origin(struct render *r, const struct diag_loc *origin);

/*
 * Render one IR <device> with its driver @drv. On success @payload receives the NETCONF
 * <config> element as text (validated, canonical, ending in a newline) and @cli the
 * native CLI text; both are returned to the caller and freed with nst_free(). A driver
 * that renders nothing yet (drv->features == NULL) gives NST_OK with both NULL: the
 * device is pending. Errors are recorded as diagnostics on the context.
 * Returns NST_OK, NST_ENOMEM, NST_EINPUT (a template error, a driver that cannot
 * express the IR: DRIVER-UNSUPPORTED), NST_EINTERNAL (a payload that does not validate).
 */
nst_err render_device(struct render *r, xmlNodePtr ir_device, const struct drv_ops *drv,
                      char **payload, char **cli);

/*
 * render_device() of an IR <device> that the caller has unlinked from its document and
 * gives away: it is moved into the render's own document instead of copied (a device's
 * copy and its freeing were 3% of a compile), and freed on every path. Its document (the
 * lowering's, whose root's attributes the render reads) must outlive the call.
 */
nst_err render_device_take(struct render *r, xmlNodePtr ir_device, const struct drv_ops *drv,
                           char **payload, char **cli);

/* The libyang context with every device model (borrowed; lives as long as @r). */
struct ly_ctx *render_ly(const struct render *r);

/* The template search path, in order (borrowed). */
const char *const *render_search_path(const struct render *r, size_t *n);

/*
 * Parse a payload as render_device() returns it (a NETCONF <config> element) into a
 * libyang data tree of @ly, validated as a complete configuration. Used by tests (round
 * trip) and by later stages. @tree is freed with lyd_free_siblings().
 * Returns NST_OK, NST_EINVAL, NST_ENOMEM, NST_EINPUT (not a <config> element, or invalid).
 */
nst_err render_parse_payload(struct ly_ctx *ly, const char *payload, struct lyd_node **tree);

#endif
