/*
 * diag.c: the diagnostic list and its public accessors.
 *
 * Diagnostics are appended in the order checks find them and sorted on first read
 * by (file, line, code, insertion order) so that output is deterministic whatever
 * order the checks run in. The catalogue (diag_codes.def) is turned into switch
 * functions here; there is no parallel array to fall out of step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diag.h"

const char *
diag_code_str(enum diag_code code)
{
    switch (code) {
#define X(e, c, sev, msg, hint) \
    case e: \
        return c;
#include "diag_codes.def"
#undef X
    case DIAG_CODE_COUNT:
        break;
    }
    return "UNKNOWN";
}

enum nst_severity
diag_code_severity(enum diag_code code)
{
    switch (code) {
#define X(e, c, sev, msg, hint) \
    case e: \
        return sev;
#include "diag_codes.def"
#undef X
    case DIAG_CODE_COUNT:
        break;
    }
    return NST_SEV_ERROR;
}

const char *
diag_code_hint(enum diag_code code)
{
    switch (code) {
#define X(e, c, sev, msg, hint) \
    case e: \
        return hint;
#include "diag_codes.def"
#undef X
    case DIAG_CODE_COUNT:
        break;
    }
    return NULL;
}

const char *
diag_code_template(enum diag_code code)
{
    switch (code) {
#define X(e, c, sev, msg, hint) \
    case e: \
        return msg;
#include "diag_codes.def"
#undef X
    case DIAG_CODE_COUNT:
        break;
    }
    return "%s";
}

/* Messages and paths are kept to this many bytes: libyang quotes offending values in
 * full, and a 20 MB name must not become a 20 MB diagnostic. */
#define DIAG_TEXT_MAX 1024

/* A copy of @s cut to DIAG_TEXT_MAX bytes at a UTF-8 character boundary, marked "...". */
static char *
diag_dup_capped(const char *s)
{
    size_t n = strlen(s);
    char *r;

    if (n <= DIAG_TEXT_MAX) {
        return nst_strdup(s);
    }
    n = DIAG_TEXT_MAX;
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80) {
        n--;
    }
    r = nst_malloc(n + 4);
    if (r) {
        memcpy(r, s, n);
        memcpy(r + n, "...", 4);
    }
    return r;
}

/* Count the diagnostic just written at ctx->diags[ctx->ndiags] in, and tell the log
 * callback. The list has room for it. */
static void
diag_record(struct nst_ctx *ctx)
{
    struct nst_diag *d = &ctx->diags[ctx->ndiags];

    d->seq = ctx->ndiags;
    ctx->ndiags++;
    ctx->sorted = 0;
    /* The log callback hears of every diagnostic as it is recorded: an embedding program
     * can follow a long check or a push without polling the list. */
    if (ctx->log_cb) {
        char where[512] = "";

        if (d->file && d->line) {
            snprintf(where, sizeof where, "%s:%u: ", d->file, d->line);
        } else if (d->file) {
            snprintf(where, sizeof where, "%s: ", d->file);
        }
        ctx_log(ctx, d->sev, "%s%s%s%s: %s", where, d->device ? d->device : "",
                d->device ? ": " : "", diag_code_str(d->code), d->message);
    }
}

/* Room for one more diagnostic in @ctx. */
static nst_err
diag_grow(struct nst_ctx *ctx)
{
    if (ctx->ndiags == ctx->cap) {
        size_t ncap = ctx->cap ? ctx->cap * 2 : 16;
        struct nst_diag *n = nst_realloc(ctx->diags, ncap * sizeof *n);

        if (!n) {
            return NST_ENOMEM;
        }
        ctx->diags = n;
        ctx->cap = ncap;
    }
    return NST_OK;
}

nst_err
diag_add_msg(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc,
             const char *msg)
{
    struct nst_diag *d;

    if (diag_grow(ctx)) {
        return NST_ENOMEM;
    }
    d = &ctx->diags[ctx->ndiags];
    memset(d, 0, sizeof *d);
    d->code = code;
    d->sev = diag_code_severity(code);
    d->hint = diag_code_hint(code);
    d->message = diag_dup_capped(msg ? msg : "");
    if (loc) {
        d->line = loc->line;
        d->path = loc->path ? diag_dup_capped(loc->path) : NULL;
        d->file = loc->file ? nst_strdup(loc->file) : NULL;
        d->device = loc->device ? nst_strdup(loc->device) : NULL;
    }
    if (!d->message || (loc && ((loc->path && !d->path) || (loc->file && !d->file) ||
                                (loc->device && !d->device)))) {
        nst_free(d->message);
        nst_free(d->path);
        nst_free(d->file);
        nst_free(d->device);
        return NST_ENOMEM;
    }
    diag_record(ctx);
    return NST_OK;
}

nst_err
diag_move(struct nst_ctx *to, struct nst_ctx *from, size_t lo, size_t hi)
{
    size_t i;

    for (i = lo; i < hi && i < from->ndiags; i++) {
        if (diag_grow(to)) {
            return NST_ENOMEM;
        }
        to->diags[to->ndiags] = from->diags[i];
        memset(&from->diags[i], 0, sizeof from->diags[i]);
        diag_record(to);
    }
    return NST_OK;
}

nst_err
diag_add_msg_hint(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc,
                  const char *msg, const char *hint)
{
    struct nst_diag *d;
    nst_err err = diag_add_msg(ctx, code, loc, msg);

    if (err || !hint) {
        return err;
    }
    d = &ctx->diags[ctx->ndiags - 1];
    d->hint_own = diag_dup_capped(hint);
    if (!d->hint_own) {
        return NST_ENOMEM; /* the diagnostic stays, with the catalogue's hint */
    }
    d->hint = d->hint_own;
    return NST_OK;
}

nst_err
diag_add(struct nst_ctx *ctx, enum diag_code code, const struct diag_loc *loc, ...)
{
    va_list ap;
    char buf[1024];
    const char *tmpl = diag_code_template(code);

    va_start(ap, loc);
    /* The template comes from the catalogue, never from input. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(buf, sizeof buf, tmpl, ap);
#pragma GCC diagnostic pop
    va_end(ap);
    return diag_add_msg(ctx, code, loc, buf);
}

size_t
diag_errors(const struct nst_ctx *ctx)
{
    return nst_diag_count_severity(ctx, NST_SEV_ERROR);
}

nst_err
diag_internal(struct nst_ctx *ctx, const char *file, int line, const char *what)
{
    diag_add(ctx, DIAG_INTERNAL, NULL, file, line, what);
    return NST_EINTERNAL;
}

static int
diag_cmp(const void *a, const void *b)
{
    const struct nst_diag *x = a, *y = b;
    int c;

    c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    if (c) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    c = strcmp(diag_code_str(x->code), diag_code_str(y->code));
    if (c) {
        return c;
    }
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void
diag_sort(struct nst_ctx *ctx)
{
    if (!ctx->sorted && ctx->ndiags > 1) {
        qsort(ctx->diags, ctx->ndiags, sizeof *ctx->diags, diag_cmp);
    }
    ctx->sorted = 1;
}

NST_API size_t
nst_diag_count(const struct nst_ctx *ctx)
{
    return ctx ? ctx->ndiags : 0;
}

NST_API size_t
nst_diag_count_severity(const struct nst_ctx *ctx, enum nst_severity sev)
{
    size_t i, n = 0;

    for (i = 0; ctx && i < ctx->ndiags; i++) {
        n += ctx->diags[i].sev == sev;
    }
    return n;
}

NST_API const struct nst_diag *
nst_diag_get(const struct nst_ctx *ctx, size_t i)
{
    if (!ctx || i >= ctx->ndiags) {
        return NULL;
    }
    /* Sorting is a cache of the report order, not a semantic change. */
    diag_sort((struct nst_ctx *)(uintptr_t)ctx);
    return &ctx->diags[i];
}

NST_API void
nst_diag_clear(struct nst_ctx *ctx)
{
    size_t i;

    if (!ctx) {
        return;
    }
    for (i = 0; i < ctx->ndiags; i++) {
        nst_free(ctx->diags[i].message);
        nst_free(ctx->diags[i].path);
        nst_free(ctx->diags[i].file);
        nst_free(ctx->diags[i].device);
        nst_free(ctx->diags[i].hint_own);
    }
    ctx->ndiags = 0;
    ctx->sorted = 1;
}

NST_API enum nst_severity
nst_diag_severity(const struct nst_diag *d)
{
    return d->sev;
}

NST_API const char *
nst_diag_code(const struct nst_diag *d)
{
    return diag_code_str(d->code);
}

NST_API const char *
nst_diag_message(const struct nst_diag *d)
{
    return d->message;
}

NST_API const char *
nst_diag_hint(const struct nst_diag *d)
{
    return d->hint;
}

NST_API const char *
nst_diag_path(const struct nst_diag *d)
{
    return d->path;
}

NST_API const char *
nst_diag_file(const struct nst_diag *d)
{
    return d->file;
}

NST_API uint32_t
nst_diag_line(const struct nst_diag *d)
{
    return d->line;
}

NST_API const char *
nst_diag_device(const struct nst_diag *d)
{
    return d->device;
}

NST_API const char *
nst_severity_name(enum nst_severity sev)
{
    switch (sev) {
    case NST_SEV_NOTE:
        return "note";
    case NST_SEV_WARNING:
        return "warning";
    case NST_SEV_ERROR:
        return "error";
    }
    return "error";
}
