/*
 * ctx.c: the library context (struct nst_ctx, see ctx.h) and version calls.
 *
 * A context compiles netstitch's own YANG models once into a libyang context and
 * keeps the diagnostic list. libyang's own logging is switched to store-only for the
 * calling thread while the library runs (ctx_ly_quiet(), the one place that knows how),
 * so nothing is printed; libyang's messages become diagnostics instead. Diagnostics are
 * also reported through the context's log callback as they are recorded (diag.c).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"

#ifndef NST_VERSION_STRING
#define NST_VERSION_STRING "0.0.0"
#endif

NST_API const char *
nst_version(void)
{
    return NST_VERSION_STRING;
}

NST_API const char *
nst_strerror(nst_err err)
{
    switch (err) {
    case NST_OK:
        return "success";
    case NST_EINVAL:
        return "invalid argument";
    case NST_ENOMEM:
        return "out of memory";
    case NST_EIO:
        return "input/output error";
    case NST_EINPUT:
        return "invalid input";
    case NST_ECHECK:
        return "check failed";
    case NST_EENV:
        return "environment error";
    case NST_EINTERNAL:
        return "internal error";
    case NST_ESECRET:
        return "secret missing or unreadable";
    case NST_EBUSY:
        return "busy: held by another netstitch process";
    case NST_ECONFLICT:
        return "conflict: later changes to the same configuration";
    }
    return "unknown error";
}

void
ctx_log(struct nst_ctx *ctx, enum nst_severity level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    if (!ctx || !ctx->log_cb) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ctx->log_cb(level, buf, ctx->log_user);
}

static int
is_model_dir(const char *dir)
{
    char path[4400];
    struct stat st;

    snprintf(path, sizeof path, "%s/netstitch-intercloud.yang", dir);
    return stat(path, &st) == 0;
}

const char *
ctx_exe_share(const char *sub, char *buf, size_t len)
{
    char exe[4096], *slash;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct stat st;

    if (n <= 0) {
        return NULL;
    }
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash) {
        return NULL;
    }
    *slash = '\0';
    if ((size_t)snprintf(buf, len, "%s/../share/netstitch/%s", exe, sub) >= len || stat(buf, &st) ||
        !S_ISDIR(st.st_mode)) {
        return NULL;
    }
    return buf;
}

/* The first directory that holds the models: argument, environment, next to the
 * executable (an installed tree, wherever it was moved), install, source. */
static const char *
find_yang_dir(const char *arg)
{
    static __thread char rel[4200];
    const char *env = getenv("NST_YANG_DIR");

    if (arg) {
        return arg;
    }
    if (env && *env) {
        return env;
    }
    if (ctx_exe_share("yang", rel, sizeof rel) && is_model_dir(rel)) {
        return rel;
    }
#ifdef NST_INSTALL_YANG_DIR
    if (is_model_dir(NST_INSTALL_YANG_DIR)) {
        return NST_INSTALL_YANG_DIR;
    }
#endif
#ifdef NST_SRCDIR
    if (is_model_dir(NST_SRCDIR "/yang")) {
        return NST_SRCDIR "/yang";
    }
#endif
    return "yang";
}

/* Store every error, log none. libyang reads this through the pointer it is given and
 * never writes it. */
static uint32_t ctx_ly_store_only = LY_LOSTORE;

static void
ly_log_silent(LY_LOG_LEVEL level, const char *msg, const char *path)
{
    (void)level;
    (void)msg;
    (void)path;
}

static pthread_once_t ly_log_once = PTHREAD_ONCE_INIT;

static void
ly_log_install(void)
{
    if (!ly_get_log_clb()) {
        ly_set_log_clb(ly_log_silent, 1);
    }
}

/*
 * The one workaround for one libyang 2.1.30 bug: several of its internal helpers (leafref
 * evaluation, the union type plugin used by inet:host, lysc_path used for error locations)
 * end with ly_temp_log_options(NULL). That drops the calling thread's store-only setting
 * in the middle of a call, and libyang then follows its process-global options: store the
 * last error only and log through its default logger, which prints to stderr. So:
 *   - the thread's options are set here, and callers set them again before each libyang
 *     call that follows one which may have reset them (render.c does so per call);
 *   - when the embedding program has not installed a libyang log callback of its own, a
 *     silent one is installed, once per process, so that a reset mid-call never prints;
 *     libyang's messages still reach netstitch through its stored errors (the last one at
 *     least, under libyang's default global options);
 *   - the process-global options (ly_log_options()) are never touched: another context on
 *     another thread, or the embedding program, may rely on them.
 */
void
ctx_ly_quiet(void)
{
    pthread_once(&ly_log_once, ly_log_install);
    ly_temp_log_options(&ctx_ly_store_only);
}

void
ctx_ly_restore(void)
{
    ly_temp_log_options(NULL);
}

/*
 * The port references of the service model, taken out of libyang's hands. Each of
 * these leaves is a leafref to "/intercloud/device[name = current()/../device]/port/name";
 * libyang 2.1.30 resolves a leafref by evaluating its XPath, which builds the set of
 * every device's ports and compares against each (its predicate is not hashed), once
 * per reference: quadratic in the size of the service, 18 s of a 25 s compile at 1000
 * routers and all but 1 s of yanglint's own validation of the same file (docs/
 * PERFORMANCE.md). This deviation makes them plain names (the same pattern), and
 * load.c checks each one with two hash lookups in the data tree, reporting a bad one
 * exactly as libyang would (YANG-BAD-REFERENCE, same message, path and line). The same
 * goes for the device a segment end, a BGP session (and its peer), a VPLS member or a
 * stitch names, and for the segment a hop names: libyang compares each with every device (segment)
 * name, half of its leafref time at 100 routers (docs/PERFORMANCE.md, round 4: the compile). If a user's model
 * directory does not take the deviation, libyang checks them.
 */
static const char ctx_port_refs_deviation[] =
    "module netstitch-intercloud-port-refs {\n"
    "  yang-version 1.1;\n"
    "  namespace \"urn:netstitch:yang:intercloud-port-refs\";\n"
    "  prefix nsipr;\n"
    "  import netstitch-intercloud { prefix nsi; }\n"
    "  description \"Port references are checked by netstitch's loader.\";\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:a/nsi:end/nsi:device/nsi:port {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:b/nsi:end/nsi:device/nsi:port {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:vpls/nsi:member/nsi:port {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:bgp-session/nsi:port {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:a/nsi:end/nsi:device/nsi:device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:b/nsi:end/nsi:device/nsi:device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:bgp-session/nsi:device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:vpls/nsi:member/nsi:device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:hop/nsi:segment {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:stitch/nsi:device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:bgp-session/nsi:peer/nsi:peer-device/"
    "nsi:peer-device {\n"
    "    deviate replace { type @T; }\n"
    "  }\n";

/*
 * The fast context (load.c, "Two contexts") takes more out of libyang's hands: the site
 * and hop-number references (a device's site, a segment's owner and external ends, a
 * connection's endpoints, a BGP session's peer site, a stitch's hops; libyang compares
 * each with every site or hop of the service: 128 M of the 353 M instructions validating
 * the 100-router service), and the name pattern of every name and name reference (@T
 * below is the plain string there: libyang runs the pattern through PCRE2 for each of
 * the 16 000 names of that service, 40 M instructions). The loader checks both, with a
 * binary search and load_name_ok() (the typedef's length and pattern, by hand). When
 * anything at all is wrong with a service, its load starts again in the exact context
 * (ctx_ly_exact(): the port references deviated as above, with the name type, and
 * nothing else), so that libyang finds and reports every error exactly as before.
 */
static const char ctx_fast_deviation[] =
    "  deviation /nsi:intercloud/nsi:device/nsi:site {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:owner {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:a/nsi:end/nsi:external/nsi:site {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:b/nsi:end/nsi:external/nsi:site {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:endpoint {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:bgp-session/nsi:peer/nsi:peer-site/"
    "nsi:peer-site {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:stitch/nsi:from-hop {\n"
    "    deviate replace { type uint16; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:stitch/nsi:to-hop {\n"
    "    deviate replace { type uint16; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:site/nsi:name { deviate replace { type @T; } }\n"
    "  deviation /nsi:intercloud/nsi:site/nsi:transit-subnet/nsi:name {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:device/nsi:name { deviate replace { type @T; } }\n"
    "  deviation /nsi:intercloud/nsi:device/nsi:port/nsi:name { deviate replace { type @T; } }\n"
    "  deviation /nsi:intercloud/nsi:segment/nsi:name { deviate replace { type @T; } }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:name { deviate replace { type @T; } }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:vpls/nsi:name {\n"
    "    deviate replace { type @T; }\n"
    "  }\n"
    "  deviation /nsi:intercloud/nsi:connection/nsi:bgp-session/nsi:name {\n"
    "    deviate replace { type @T; }\n"
    "  }\n";

/* The data paths of the fast context's plain-string names (above, and the port
 * references'), which load.c checks: marked in the compiled schema (ctx_fast_mark()). */
static const char *const ctx_fast_names[] = {
    "/segment/a/port",
    "/segment/b/port",
    "/connection/vpls/member/port",
    "/connection/bgp-session/port",
    "/segment/a/device",
    "/segment/b/device",
    "/connection/bgp-session/device",
    "/connection/vpls/member/device",
    "/connection/hop/segment",
    "/connection/stitch/device",
    "/connection/bgp-session/peer-device",
    "/device/site",
    "/segment/owner",
    "/segment/a/site",
    "/segment/b/site",
    "/connection/endpoint",
    "/connection/bgp-session/peer-site",
    "/site/name",
    "/site/transit-subnet/name",
    "/device/name",
    "/device/port/name",
    "/segment/name",
    "/connection/name",
    "/connection/vpls/name",
    "/connection/bgp-session/name",
};

/* @in with every "@T" replaced by @type, in a new string (NULL out of memory). */
static char *
ctx_type_subst(const char *in, const char *type)
{
    size_t n = 0, tl = strlen(type);
    const char *p;
    char *out, *o;

    for (p = strstr(in, "@T"); p; p = strstr(p + 2, "@T")) {
        n++;
    }
    out = nst_malloc(strlen(in) + n * tl + 1);
    if (!out) {
        return NULL;
    }
    for (o = out; *in;) {
        if (in[0] == '@' && in[1] == 'T') {
            memcpy(o, type, tl);
            o += tl;
            in += 2;
        } else {
            *o++ = *in++;
        }
    }
    *o = '\0';
    return out;
}

/* The deviation module into @ly: the port references, with @fast the fast context's
 * (above) too. 1 when loaded; 0 when it does not load (@ly as it was: libyang checks
 * them all); -1 when it loaded but a name to mark is not there (@ly is unusable). */
static int
ctx_deviate(struct ly_ctx *ly, bool fast)
{
    char *text = nst_asprintf("%s%s}\n", ctx_port_refs_deviation, fast ? ctx_fast_deviation : "");
    char *typed = text ? ctx_type_subst(text, fast ? "string" : "nsi:name") : NULL;
    const struct lysc_node *sn;
    char path[128];
    size_t i;
    int ok;

    nst_free(text);
    if (!typed) {
        return 0;
    }
    ly_err_clean(ly, NULL);
    ok = lys_parse_mem(ly, typed, LYS_IN_YANG, NULL) == LY_SUCCESS;
    ly_err_clean(ly, NULL);
    nst_free(typed);
    for (i = 0; ok && fast && i < sizeof ctx_fast_names / sizeof ctx_fast_names[0]; i++) {
        snprintf(path, sizeof path, "/netstitch-intercloud:intercloud%s", ctx_fast_names[i]);
        sn = lys_find_path(ly, NULL, path, 0);
        if (!sn) {
            ok = -1; /* not the model this was written for: no fast path */
            break;
        }
    }
    ly_err_clean(ly, NULL);
    return ok;
}

/* Number the data schema nodes under @parent (@mod's top level when NULL) in
 * lys_getnext() order, each sibling sequence from 0, into @v (counting only when NULL)
 * from index @n; the next index. */
static size_t
ctx_snodes_walk(const struct lysc_node *parent, const struct lysc_module *mod, struct ctx_snode *v,
                size_t n)
{
    const struct lysc_node *s = NULL;
    uint32_t pos = 0;

    while ((s = lys_getnext(s, parent, mod, 0))) {
        if (v) {
            v[n].pos = pos;
            v[n].name = 0;
            /* Ours: libyang uses priv only with LY_CTX_SET_PRIV_PARSED. */
            ((struct lysc_node *)(uintptr_t)s)->priv = &v[n];
        }
        pos++;
        n++;
        if (s->nodetype & (LYS_CONTAINER | LYS_LIST)) {
            n = ctx_snodes_walk(s, NULL, v, n);
        }
    }
    return n;
}

/*
 * The fast context's marks, in each data schema node's priv (struct ctx_snode): where it
 * comes among its siblings in schema order (load.c parses with LYD_PARSE_ORDERED and
 * then checks the input was in that order: libyang's own insertion looks for each node's
 * place among the schema's following siblings, 60 M instructions at 100 routers), and
 * which nodes are names whose pattern load.c checks (ctx_fast_names).
 */
static nst_err
ctx_fast_mark(struct nst_ctx *ctx)
{
    const struct lys_module *mod;
    const struct lysc_node *sn;
    struct ctx_snode *info;
    uint32_t idx = 0;
    size_t n = 0, i;
    char path[128];

    while ((mod = ly_ctx_get_module_iter(ctx->ly, &idx))) {
        if (mod->implemented && mod->compiled) {
            n = ctx_snodes_walk(NULL, mod->compiled, NULL, n);
        }
    }
    ctx->snodes = nst_calloc(n ? n : 1, sizeof *ctx->snodes);
    if (!ctx->snodes) {
        return NST_ENOMEM;
    }
    n = 0;
    idx = 0;
    while ((mod = ly_ctx_get_module_iter(ctx->ly, &idx))) {
        if (mod->implemented && mod->compiled) {
            n = ctx_snodes_walk(NULL, mod->compiled, ctx->snodes, n);
        }
    }
    for (i = 0; i < sizeof ctx_fast_names / sizeof ctx_fast_names[0]; i++) {
        snprintf(path, sizeof path, "/netstitch-intercloud:intercloud%s", ctx_fast_names[i]);
        sn = lys_find_path(ctx->ly, NULL, path, 0);
        info = sn ? sn->priv : NULL;
        if (!info) {
            return NST_EINTERNAL; /* ctx_deviate() found every one */
        }
        info->name = 1;
    }
    ly_err_clean(ctx->ly, NULL);
    return NST_OK;
}

static nst_err ctx_ly_build_each(const char *dir, bool fast, struct ly_ctx **out, int *deviated,
                                 int *fast_ok, int *onramp);

/*
 * ctx_ly_build_each()'s context compiled once (LY_CTX_EXPLICIT_COMPILE): every module and
 * the deviation parsed, then ly_ctx_compile(). Loaded one by one, libyang compiles the
 * context again after each module (about 35 M of the 50 M instructions). Only when all
 * of it loads and compiles; anything else (an optional module missing, a deviation that
 * does not apply, a name it does not find) is left to ctx_ly_build_each(), whose
 * fall-backs decide as before. 1 when built; 0: build it the other way.
 */
static int
ctx_ly_build_once(const char *dir, bool fast, struct ly_ctx **out, int *deviated, int *fast_ok,
                  int *onramp)
{
    static const char *const mods[] = {
        "netstitch-intercloud", "netstitch-inventory",  "netstitch-onramp",    "netstitch-exchange",
        "netstitch-qinq",       "netstitch-redundancy", "netstitch-multipoint"};
    struct ly_ctx *ly = NULL;
    char ietf[4096], path[128];
    char *text = NULL, *typed = NULL;
    size_t i;
    int ok = 0;

    snprintf(ietf, sizeof ietf, "%s/ietf", dir);
    if (ly_ctx_new(dir,
                   LY_CTX_DISABLE_SEARCHDIR_CWD | LY_CTX_NO_YANGLIBRARY | LY_CTX_EXPLICIT_COMPILE,
                   &ly) != LY_SUCCESS) {
        return 0;
    }
    ly_ctx_set_searchdir(ly, ietf);
    for (i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        if (!ly_ctx_load_module(ly, mods[i], NULL, NULL)) {
            goto cleanup;
        }
    }
    text = nst_asprintf("%s%s}\n", ctx_port_refs_deviation, fast ? ctx_fast_deviation : "");
    typed = text ? ctx_type_subst(text, fast ? "string" : "nsi:name") : NULL;
    if (!typed || lys_parse_mem(ly, typed, LYS_IN_YANG, NULL) != LY_SUCCESS ||
        ly_ctx_compile(ly) != LY_SUCCESS) {
        goto cleanup;
    }
    for (i = 0; fast && i < sizeof ctx_fast_names / sizeof ctx_fast_names[0]; i++) {
        snprintf(path, sizeof path, "/netstitch-intercloud:intercloud%s", ctx_fast_names[i]);
        if (!lys_find_path(ly, NULL, path, 0)) {
            goto cleanup;
        }
    }
    ly_ctx_unset_options(ly, LY_CTX_EXPLICIT_COMPILE);
    ok = 1;

cleanup:
    nst_free(text);
    nst_free(typed);
    if (ly) {
        ly_err_clean(ly, NULL);
    }
    if (!ok) {
        ly_ctx_destroy(ly);
        return 0;
    }
    *out = ly;
    *onramp = 1;
    *fast_ok = fast ? 1 : 0;
    *deviated = 1;
    return 1;
}

/* netstitch's own models from @dir in a new libyang context, with the port deviation
 * and with @fast the fast one (ctx_deviate()); *@deviated: whether the port deviation
 * loaded, *@fast_ok: whether the fast one did (0 without @fast), *@onramp: whether
 * netstitch-onramp did. */
static nst_err
ctx_ly_build(const char *dir, bool fast, struct ly_ctx **out, int *deviated, int *fast_ok,
             int *onramp)
{
    if (ctx_ly_build_once(dir, fast, out, deviated, fast_ok, onramp)) {
        return NST_OK;
    }
    return ctx_ly_build_each(dir, fast, out, deviated, fast_ok, onramp);
}

static nst_err
ctx_ly_build_each(const char *dir, bool fast, struct ly_ctx **out, int *deviated, int *fast_ok,
                  int *onramp)
{
    struct ly_ctx *ly = NULL;
    char ietf[4096];
    int dev;

    snprintf(ietf, sizeof ietf, "%s/ietf", dir);
    if (ly_ctx_new(dir, LY_CTX_DISABLE_SEARCHDIR_CWD | LY_CTX_NO_YANGLIBRARY, &ly) != LY_SUCCESS) {
        return NST_EENV;
    }
    ly_ctx_set_searchdir(ly, ietf);
    if (!ly_ctx_load_module(ly, "netstitch-intercloud", NULL, NULL) ||
        !ly_ctx_load_module(ly, "netstitch-inventory", NULL, NULL)) {
        ly_ctx_destroy(ly);
        return NST_EENV;
    }
    /* The on-ramp profiles' module (augments sites and sessions); optional so that a
     * model directory from before it still loads. */
    *onramp = ly_ctx_load_module(ly, "netstitch-onramp", NULL, NULL) != NULL;
    /* Shared exchange ports (augments ports); optional likewise. */
    (void)ly_ctx_load_module(ly, "netstitch-exchange", NULL, NULL);
    /* Multi-VLAN and port-based QinQ (augments encapsulations); optional likewise. */
    (void)ly_ctx_load_module(ly, "netstitch-qinq", NULL, NULL);
    /* Redundant pairs (augments connections); optional likewise. */
    (void)ly_ctx_load_module(ly, "netstitch-redundancy", NULL, NULL);
    /* Multipoint VPNs (augments the service with a list); optional likewise. */
    (void)ly_ctx_load_module(ly, "netstitch-multipoint", NULL, NULL);
    ly_err_clean(ly, NULL);
    *fast_ok = 0;
    dev = fast ? ctx_deviate(ly, true) : 0;
    if (dev < 0) {
        ly_ctx_destroy(ly);
        return ctx_ly_build_each(dir, false, out, deviated, fast_ok, onramp);
    }
    *fast_ok = dev;
    *deviated = dev ? 1 : ctx_deviate(ly, false) > 0;
    *out = ly;
    return NST_OK;
}

struct ly_ctx *
ctx_ly_exact(struct nst_ctx *ctx)
{
    int deviated = 0, fast_ok = 0, onramp = 0;

    if (!ctx->ly_exact && ctx->site_refs_deviated) {
        ctx_ly_quiet();
        if (ctx_ly_build(ctx->yang_dir, false, &ctx->ly_exact, &deviated, &fast_ok, &onramp) ==
                NST_OK &&
            (deviated != ctx->port_refs_deviated || onramp != ctx->onramp_loaded)) {
            /* Not the same models after all (the directory changed under us). */
            ly_ctx_destroy(ctx->ly_exact);
            ctx->ly_exact = NULL;
        }
    }
    return ctx->ly_exact;
}

NST_API nst_err
nst_ctx_new(const char *yang_dir, struct nst_ctx **out)
{
    struct nst_ctx *ctx = NULL;
    nst_err ret = NST_OK;

    if (!out) {
        return NST_EINVAL;
    }
    ctx_ly_quiet();
    ctx = nst_calloc(1, sizeof *ctx);
    if (!ctx) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    ctx->sorted = 1;
    ctx->yang_dir = nst_strdup(find_yang_dir(yang_dir));
    if (!ctx->yang_dir) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    if (!is_model_dir(ctx->yang_dir)) {
        ret = NST_EENV;
        goto cleanup;
    }
    ret = ctx_ly_build(ctx->yang_dir, true, &ctx->ly, &ctx->port_refs_deviated,
                       &ctx->site_refs_deviated, &ctx->onramp_loaded);
    if (!ret && ctx->site_refs_deviated) {
        ret = ctx_fast_mark(ctx);
    }

cleanup:
    ctx_ly_restore();
    if (ret) {
        nst_ctx_free(ctx);
        return ret;
    }
    *out = ctx;
    return NST_OK;
}

NST_API void
nst_ctx_free(struct nst_ctx *ctx)
{
    if (!ctx) {
        return;
    }
    nst_diag_clear(ctx);
    nst_free(ctx->diags);
    if (ctx->ly) {
        ly_ctx_destroy(ctx->ly);
    }
    if (ctx->ly_exact) {
        ly_ctx_destroy(ctx->ly_exact);
    }
    nst_free(ctx->snodes);
    nst_free(ctx->yang_dir);
    nst_free(ctx);
}

NST_API void
nst_ctx_set_log_cb(struct nst_ctx *ctx, nst_log_cb cb, void *user)
{
    if (ctx) {
        ctx->log_cb = cb;
        ctx->log_user = user;
    }
}

/* @tree and its siblings as libyang's XML text (the bytes lyd_print_mem() gives), or NULL
 * (out of memory). libyang's memory output vasprintf()s every piece it prints into a
 * buffer of its own and then realloc()s its output to the exact new length (libyang
 * 2.1.30, out.c ly_vprint_); a snapshot or a device's payload is tens of thousands of
 * pieces. A stdio memory stream takes the same printer's output with vfprintf() into a
 * buffer that grows geometrically, and with the stream's lock taken by the caller (this
 * thread alone uses it) no lock per piece either. The text is byte for byte the same: the
 * same printer, the same format strings. */
char *
ctx_tree_text(const struct lyd_node *tree)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct ly_out *out = NULL;
    int bad;

    /* lyd_print_all() prints from the first top-level sibling; an anydata's value tree
     * starts there and has no parent. Anything else goes the old way. */
    if (tree->parent || tree->prev->next) {
        if (f) {
            fclose(f);
            free(buf);
        }
        if (lyd_print_mem(&buf, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
            return NULL;
        }
        return buf ? buf : nst_strdup("");
    }
    if (!f) {
        return NULL;
    }
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    bad = ly_out_new_file(f, &out) != LY_SUCCESS ||
          lyd_print_all(out, tree, LYD_XML, 0) != LY_SUCCESS;
    ly_out_free(out, NULL, 0);
    /* fclose() writes the terminating NUL and gives @buf its final size. */
    if (fclose(f) || bad) {
        free(buf);
        return NULL;
    }
    /* Only default nodes: nothing printed, but the stream still gives "" (malloc()ed:
     * nst_free is free). */
    return buf;
}
