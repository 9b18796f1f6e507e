/*
 * diag.h: recording diagnostics.
 *
 * Every problem netstitch finds is recorded on the context with a stable code from
 * the catalogue (diag_codes.def), the file and line of the input, the YANG data
 * path and, where there is one, the device. Checks keep going after an error so that
 * one run reports everything; a pipeline stage stops at its boundary when
 * diag_errors() is non-zero.
 */
#ifndef NST_DIAG_H
#define NST_DIAG_H

#include <stdint.h>

#include "ctx.h"

enum diag_code {
#define X(e, code, sev, msg, hint) e,
#include "diag_codes.def"
#undef X
    DIAG_CODE_COUNT
};

/* Where a diagnostic points: the input and the node. All fields borrowed. */
struct diag_loc {
    const char *file;
    uint32_t line;
    const char *path;
    const char *device;
};

/*
 * Record a diagnostic. The message is the catalogue template for @code formatted
 * with the variadic arguments. Returns NST_ENOMEM if the record cannot be stored
 * (the diagnostic is then lost, which the caller propagates).
 */
nst_err diag_add(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc, ...);

/* Record a diagnostic with a ready message (used for libyang's own messages). */
nst_err diag_add_msg(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc,
                     const char *msg);

/*
 * Move the diagnostics @lo to @hi - 1 of @from (in the order they were recorded) to the end of
 * @to, as if recorded there now: same sequence and log callback as diag_add(). The entries
 * left in @from are emptied (nst_diag_clear() releases the rest). For a thread that
 * recorded into a private context (compile.c renders devices in parallel).
 * Returns NST_OK or NST_ENOMEM (the unmoved ones stay in @from).
 */
nst_err diag_move(struct nst_ctx *to, struct nst_ctx *from, size_t lo, size_t hi);

/*
 * Record a diagnostic with a ready message and its own hint instead of the catalogue's
 * (an on-ramp profile's rule, check_onramp.c). @hint is copied; NULL keeps the catalogue's.
 */
nst_err diag_add_msg_hint(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc,
                          const char *msg, const char *hint);

/* Number of recorded errors. */
size_t diag_errors(const struct nst_ctx *ctx);

const char *diag_code_str(enum diag_code code);
enum nst_severity diag_code_severity(enum diag_code code);
const char *diag_code_hint(enum diag_code code);
const char *diag_code_template(enum diag_code code);

/* An internal error: records DIAG_INTERNAL with the source location; returns NST_EINTERNAL. */
#define DIAG_INTERNAL_ERR(ctx, what) diag_internal((ctx), __FILE__, __LINE__, (what))
nst_err diag_internal(struct nst_ctx *ctx, const char *file, int line, const char *what);

#endif
