/*
 * ctx.h: the library context, shared by every stage.
 *
 * struct nst_ctx owns the libyang context holding netstitch's own models (the
 * service and inventory models), the diagnostic list, and the log callback. All state of
 * a run hangs off it, with two process-wide exceptions, both libyang's: a silent libyang
 * log callback, installed once when the embedding program has none (ctx_ly_quiet(), the
 * one workaround for a libyang 2.1.30 logging bug), and libyang's own per-thread log
 * options, which the library sets for the calling thread only, never the global ones.
 * One thread uses a context at a time; contexts on different threads are independent.
 */
#ifndef NST_CTX_H
#define NST_CTX_H

#include <stdint.h>

#include <libyang/libyang.h>

#include "netstitch.h"

struct nst_diag {
    enum nst_severity sev;
    int code;           /* enum diag_code */
    char *message;
    const char *hint;   /* borrowed from the catalogue, or hint_own */
    char *hint_own;     /* owned: a hint given with the diagnostic (diag_add_msg_hint) */
    char *path;         /* YANG data path, owned, may be NULL */
    char *file;         /* owned, may be NULL */
    uint32_t line;
    char *device;       /* owned, may be NULL */
    size_t seq;         /* insertion order, for stable sorting */
};

struct nst_ctx {
    struct ly_ctx *ly;          /* netstitch's own models; compiled once */
    char *yang_dir;
    struct nst_diag *diags;     /* kept sorted by (file, line, code) when read */
    size_t ndiags;
    size_t cap;
    int sorted;
    int port_refs_deviated;     /* load.c checks the port references (see ctx.c) */
    int site_refs_deviated;     /* ly is the fast context: site refs, names (see ctx.c) */
    struct ly_ctx *ly_exact;    /* ly without the fast deviation, built on first need */
    struct ctx_snode *snodes;   /* the fast context's schema nodes' priv (see ctx.c) */
    int onramp_loaded;          /* netstitch-onramp is in ly (check_onramp.c) */
    nst_log_cb log_cb;
    void *log_user;
};

/* The context load.c starts again in when a service has any error (ctx.c, the fast
 * context): netstitch's models with the port deviation only. Built on first use and
 * kept with @ctx; NULL when it cannot be built or there is no fast context. */
struct ly_ctx *ctx_ly_exact(struct nst_ctx *ctx);
/* What the fast context (ctx.c) keeps in each data schema node's priv, for load.c: its
 * place among its parent's children in schema order (lys_getnext()), and whether it is
 * a plain-string name whose pattern the loader checks. */
struct ctx_snode {
    uint32_t pos;
    uint8_t name;
};

/* Log through the callback, if any. */
void ctx_log(struct nst_ctx *ctx, enum nst_severity level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * libyang must never print, and its errors must be stored for the diagnostics: call
 * ctx_ly_quiet() before libyang calls (again after any call that may have reset the
 * thread's options, see ctx.c) and ctx_ly_restore() when the library returns. Both act on
 * the calling thread only.
 */
void ctx_ly_quiet(void);
void ctx_ly_restore(void);
/* @tree and its following siblings as the XML text lyd_print_mem() gives, printed
 * through a stdio memory stream ("" when nothing prints; NULL out of memory; free with
 * nst_free). */
char *ctx_tree_text(const struct lyd_node *tree);

/* DIR/../share/netstitch/@sub of the running executable (/proc/self/exe) in @buf when it
 * is a directory: an installed netstitch finds its models and templates after its tree
 * was moved. NULL otherwise. */
const char *ctx_exe_share(const char *sub, char *buf, size_t len);

#endif
