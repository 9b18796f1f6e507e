/*
 * render.c: the render stage (render.h, docs/drivers.md): per device, the driver's
 * templates turn the IR into a NETCONF payload, validated against the vendor's device
 * models, and into native CLI.
 *
 * For each IR <device>:
 *   1. copy the device into a document of its own, add the generic annotations every
 *      driver gets (netmask, secret placeholder, CLI-safe descriptions) and call the
 *      driver's prepare hook, which adds vendor attributes (SAP ids, RPL text, ...);
 *   2. for each feature the driver lists, in order, render <vendor>/<feature>.xml into
 *      a namespace-less holder element and parse the result with libyang (strict: an
 *      element or value the device models do not know is an error), keeping one tree
 *      per feature;
 *   3. merge the feature trees (libyang merges containers and list instances by key, so
 *      two features may both write under Junos' <configuration>), validate the result
 *      as a whole configuration (leafrefs, mandatory nodes, must, when) and print it
 *      (render_tree_text(): libyang's XML printer's bytes, without its cost):
 *      the printed form, wrapped in the NETCONF <config>, is the payload. libyang keeps
 *      schema order for siblings and template order within a list, so it is canonical;
 *   4. render <vendor>/<feature>.cli.xml for the same features and concatenate the text.
 *
 * Mapping a validation error back to a template: libyang names the offending data node
 * by path. The feature whose tree holds the deepest part of that path produced it; the
 * template of that feature is then read again (with line numbers) and its elements are
 * matched to the path's node names, following <?include?>s. Template instructions are
 * flat processing instructions between elements, so the template's element nesting is
 * the output's nesting: the deepest element that matches is the line reported.
 *
 * Not here: deciding what a device needs (lower.c), vendor specifics (drivers/),
 * writing files (compile.c).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libyang/libyang.h>
#include <libyang/plugins_types.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"
#include "driver.h"
#include "render.h"
#include "template.h"
#include "util.h"

#define X(s) ((const xmlChar *)(s))
#define RENDER_MAX_FEATURES 32
#define RENDER_MAX_STEPS 64
#define RENDER_INCLUDE_DEPTH 16
#define RENDER_MAX_SPARE 8

struct render {
    struct nst_ctx *ctx;
    char **dirs; /* the template search path */
    size_t ndirs;
    struct tpl_engine *eng;
    struct ly_ctx *ly;         /* every vendor's device models */
    const struct render *base; /* render_dup(): ly and dirs are base's, not owned */
    struct diag_loc origin;    /* the device being rendered, in the service (render_set_origin) */
    struct render *spare[RENDER_MAX_SPARE]; /* render_warm()'s duplicates, for render_dup() */
    size_t nspare;
};

void
render_set_ctx(struct render *r, struct nst_ctx *ctx)
{
    if (r && ctx) {
        r->ctx = ctx;
    }
}

void
render_set_origin(struct render *r, const struct diag_loc *origin)
{
    struct diag_loc none = {0};

    if (r) {
        r->origin = origin ? *origin : none;
    }
}

/*
 * libyang must never print: its thread's log options are set before every libyang call
 * here, not once per compile, because libyang 2.1.30 resets them when it evaluates
 * leafrefs (ctx_ly_quiet() in ctx.c explains).
 */
static void
render_quiet(struct render *r)
{
    (void)r;
    ctx_ly_quiet();
}

static int
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The built-in template directory: installed, else the source tree. */
static const char *
builtin_template_dir(void)
{
    static __thread char rel[4200];

    if (ctx_exe_share("templates", rel, sizeof rel)) {
        return rel;
    }
#ifdef NST_INSTALL_TEMPLATE_DIR
    if (is_dir(NST_INSTALL_TEMPLATE_DIR)) {
        return NST_INSTALL_TEMPLATE_DIR;
    }
#endif
#ifdef NST_SRCDIR
    if (is_dir(NST_SRCDIR "/templates")) {
        return NST_SRCDIR "/templates";
    }
#endif
    return "templates";
}

static nst_err
add_dir(struct render *r, const char *dir, size_t len)
{
    char **nd;

    if (!len) {
        return NST_OK;
    }
    nd = nst_realloc(r->dirs, (r->ndirs + 1) * sizeof *nd);
    if (!nd) {
        return NST_ENOMEM;
    }
    r->dirs = nd;
    r->dirs[r->ndirs] = nst_strndup(dir, len);
    if (!r->dirs[r->ndirs]) {
        return NST_ENOMEM;
    }
    r->ndirs++;
    return NST_OK;
}

static nst_err
build_search_path(struct render *r, const char *const *dirs, size_t ndirs)
{
    const char *env = getenv("NST_TEMPLATE_PATH"), *p, *colon;
    size_t i;
    nst_err ret;

    for (i = 0; i < ndirs; i++) {
        if (dirs[i] && (ret = add_dir(r, dirs[i], strlen(dirs[i])))) {
            return ret;
        }
    }
    for (p = env; p && *p; p = colon ? colon + 1 : p + strlen(p)) {
        colon = strchr(p, ':');
        ret = add_dir(r, p, colon ? (size_t)(colon - p) : strlen(p));
        if (ret) {
            return ret;
        }
    }
    p = builtin_template_dir();
    return add_dir(r, p, strlen(p));
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of @dir (not starting with '.'), sorted, into @out (freed by the caller
 * with free_names). */
static nst_err
list_dir(const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL, **nv;
    size_t cnt = 0;
    nst_err ret = NST_OK;

    *out = NULL;
    *n = 0;
    if (!d) {
        return NST_EENV;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        nv = nst_realloc(v, (cnt + 1) * sizeof *v);
        if (!nv) {
            ret = NST_ENOMEM;
            break;
        }
        v = nv;
        v[cnt] = nst_strdup(e->d_name);
        if (!v[cnt]) {
            ret = NST_ENOMEM;
            break;
        }
        cnt++;
    }
    closedir(d);
    if (cnt) {
        qsort(v, cnt, sizeof *v, name_cmp);
    }
    *out = v;
    *n = cnt;
    return ret;
}

static void
free_names(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        nst_free(v[i]);
    }
    nst_free(v);
}

static nst_err
env_error(struct nst_ctx *ctx, const char *what)
{
    diag_internal(ctx, __FILE__, __LINE__, what);
    return NST_EENV;
}

/*
 * One libyang context with every module of every yang/devices/<vendor>/ directory,
 * implemented (yang/devices/README.md: several modules use another's identities), with
 * yang/ietf on the search path for ietf-inet-types.
 */
static nst_err load_device_models_as(struct render *r, bool explicit_compile);

/*
 * The modules loaded first and compiled once (LY_CTX_EXPLICIT_COMPILE, ly_ctx_compile()):
 * loaded one by one, libyang compiles the whole context again after each module, 46
 * times (about 100 M instructions of a compile's 140 M here). Whatever fails that way is
 * done again one by one, which names the module that does not load as before.
 */
static nst_err
load_device_models(struct render *r)
{
    nst_err ret = load_device_models_as(r, true);

    if (ret == NST_EINPUT) {
        /* only libyang's refusals come back as NST_EINPUT, nothing recorded */
        ly_ctx_destroy(r->ly);
        r->ly = NULL;
        ret = load_device_models_as(r, false);
    }
    return ret;
}

static nst_err
load_device_models_as(struct render *r, bool explicit_compile)
{
    char devdir[2048], path[4096], msg[4600];
    char **vendors = NULL, **files = NULL;
    size_t nv = 0, nf = 0, i, j;
    nst_err ret;

    snprintf(devdir, sizeof devdir, "%s/devices", r->ctx->yang_dir);
    ret = list_dir(devdir, &vendors, &nv);
    if (ret) {
        if (ret == NST_EENV) {
            snprintf(msg, sizeof msg, "device models not found in %s", devdir);
            ret = env_error(r->ctx, msg);
        }
        goto cleanup;
    }
    if (ly_ctx_new(NULL,
                   LY_CTX_DISABLE_SEARCHDIR_CWD | LY_CTX_NO_YANGLIBRARY |
                       (explicit_compile ? LY_CTX_EXPLICIT_COMPILE : 0),
                   &r->ly)) {
        ret = env_error(r->ctx, "cannot create the libyang context for the device models");
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/ietf", r->ctx->yang_dir);
    ly_ctx_set_searchdir(r->ly, path);
    for (i = 0; i < nv; i++) {
        snprintf(path, sizeof path, "%s/%s", devdir, vendors[i]);
        if (is_dir(path)) {
            ly_ctx_set_searchdir(r->ly, path);
        }
    }
    for (i = 0; i < nv; i++) {
        snprintf(path, sizeof path, "%s/%s", devdir, vendors[i]);
        if (!is_dir(path)) {
            continue;
        }
        ret = list_dir(path, &files, &nf);
        if (ret) {
            goto cleanup;
        }
        for (j = 0; j < nf; j++) {
            size_t len = strlen(files[j]);
            char *at;

            if (len < 6 || strcmp(files[j] + len - 5, ".yang")) {
                continue;
            }
            files[j][len - 5] = '\0';
            at = strchr(files[j], '@');
            if (at) {
                *at = '\0';
            }
            if (!ly_ctx_load_module(r->ly, files[j], at ? at + 1 : NULL, NULL)) {
                const struct ly_err_item *e = ly_err_first(r->ly);

                if (explicit_compile) {
                    ret = NST_EINPUT; /* again one by one, for the message */
                    goto cleanup;
                }

                snprintf(msg, sizeof msg, "cannot load device model %s/%s: %s", vendors[i],
                         files[j], e && e->msg ? e->msg : "unknown error");
                ret = env_error(r->ctx, msg);
                goto cleanup;
            }
        }
        free_names(files, nf);
        files = NULL;
        nf = 0;
    }
    if (explicit_compile) {
        if (ly_ctx_compile(r->ly) != LY_SUCCESS) {
            ret = NST_EINPUT;
            goto cleanup;
        }
        ly_ctx_unset_options(r->ly, LY_CTX_EXPLICIT_COMPILE);
    }

cleanup:
    free_names(files, nf);
    free_names(vendors, nv);
    return ret;
}

nst_err
render_new(struct nst_ctx *ctx, const char *const *dirs, size_t ndirs, struct render **out)
{
    struct render *r;
    nst_err ret;

    if (!ctx || !out || (ndirs && !dirs)) {
        return NST_EINVAL;
    }
    r = nst_calloc(1, sizeof *r);
    if (!r) {
        return NST_ENOMEM;
    }
    r->ctx = ctx;
    render_quiet(r);
    ret = build_search_path(r, dirs, ndirs);
    if (ret) {
        goto cleanup;
    }
    ret = tpl_engine_new((const char *const *)r->dirs, r->ndirs, &r->eng);
    if (ret) {
        goto cleanup;
    }
    ret = load_device_models(r);

cleanup:
    if (ret) {
        render_free(r);
        return ret;
    }
    *out = r;
    return NST_OK;
}

nst_err
render_dup(struct render *r, struct nst_ctx *ctx, struct render **out)
{
    struct render *d;
    nst_err ret;

    if (!r || !ctx || !out) {
        return NST_EINVAL;
    }
    if (r->nspare) {
        d = r->spare[--r->nspare];
        d->ctx = ctx;
        *out = d;
        return NST_OK;
    }
    d = nst_calloc(1, sizeof *d);
    if (!d) {
        return NST_ENOMEM;
    }
    d->ctx = ctx;
    d->base = r;
    d->dirs = r->dirs;
    d->ndirs = r->ndirs;
    d->ly = r->ly;
    ret = tpl_engine_new((const char *const *)d->dirs, d->ndirs, &d->eng);
    if (ret) {
        nst_free(d);
        return ret;
    }
    *out = d;
    return NST_OK;
}

void
render_warm(struct render *r, size_t n)
{
    size_t i, f;

    if (!r || r->base) {
        return;
    }
    while (r->nspare < n && r->nspare < RENDER_MAX_SPARE) {
        struct render *d = nst_calloc(1, sizeof *d);

        if (!d) {
            return;
        }
        d->ctx = r->ctx;
        d->base = r;
        d->dirs = r->dirs;
        d->ndirs = r->ndirs;
        d->ly = r->ly;
        if (tpl_engine_new((const char *const *)d->dirs, d->ndirs, &d->eng)) {
            nst_free(d);
            return;
        }
        for (i = 0; drv_all[i]; i++) {
            for (f = 0; drv_all[i]->features && drv_all[i]->features[f]; f++) {
                tpl_preload(d->eng, drv_all[i]->tpl_vendor, drv_all[i]->features[f], 0);
                tpl_preload(d->eng, drv_all[i]->tpl_vendor, drv_all[i]->features[f], 1);
            }
        }
        r->spare[r->nspare++] = d;
    }
}

void
render_free(struct render *r)
{
    size_t i;

    if (!r) {
        return;
    }
    for (i = 0; i < r->nspare; i++) {
        render_free(r->spare[i]);
    }
    r->nspare = 0;
    tpl_engine_free(r->eng);
    if (r->base) {
        nst_free(r);
        return;
    }
    if (r->ly) {
        ly_ctx_destroy(r->ly);
    }
    for (i = 0; i < r->ndirs; i++) {
        nst_free(r->dirs[i]);
    }
    nst_free(r->dirs);
    nst_free(r);
}

struct ly_ctx *
render_ly(const struct render *r)
{
    return r ? r->ly : NULL;
}

const char *const *
render_search_path(const struct render *r, size_t *n)
{
    *n = r ? r->ndirs : 0;
    return r ? (const char *const *)r->dirs : NULL;
}

/* --- generic annotations (docs/drivers.md "What every driver gets") --- */

static void
annotate_tree(struct drv_prep *p, xmlNodePtr n)
{
    xmlNodePtr c;

    for (c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        if (!strcmp((const char *)c->name, "ipv4")) {
            unsigned long len = drv_attr_ul(c, "prefix-length", 33);

            if (len <= 32) {
                uint32_t m = len ? 0xffffffffu << (32 - len) : 0;

                drv_set_attrf(p, c, "netmask", "%u.%u.%u.%u", m >> 24, (m >> 16) & 255,
                              (m >> 8) & 255, m & 255);
            }
        } else if (!strcmp((const char *)c->name, "neighbor") && drv_attr(c, "auth-key-ref")) {
            drv_set_attrf(p, c, "auth-key", "%s%s%s", NST_SECRET_PREFIX,
                          drv_attr(c, "auth-key-ref"), NST_SECRET_SUFFIX);
        } else if (!strcmp((const char *)c->name, "description")) {
            char buf[1024];

            drv_set_attr(p, c, "cli",
                         drv_cli_clean(drv_child_text(n, "description"), buf, sizeof buf));
        }
        annotate_tree(p, c);
    }
}

/* --- mapping an output node back to a template line --- */

/* Split a libyang data path into its node names (prefixes and predicates dropped) and
 * remember where each step ends, so prefixes of the path can be looked up. */
static size_t
path_steps(const char *path, char names[][128], size_t *ends, size_t max)
{
    size_t n = 0, i = 0, len = strlen(path);

    while (i < len && n < max) {
        size_t start, nstart, nend;
        char q = 0;
        int depth = 0;

        if (path[i] != '/') {
            break;
        }
        start = ++i;
        while (i < len) {
            char ch = path[i];

            if (q) {
                q = ch == q ? 0 : q;
            } else if (ch == '\'' || ch == '"') {
                q = ch;
            } else if (ch == '[') {
                depth++;
            } else if (ch == ']') {
                depth--;
            } else if (ch == '/' && !depth) {
                break;
            }
            i++;
        }
        nstart = start;
        nend = start;
        while (nend < i && path[nend] != '[') {
            if (path[nend] == ':') {
                nstart = nend + 1;
            }
            nend++;
        }
        snprintf(names[n], 128, "%.*s", (int)(nend - nstart), path + nstart);
        ends[n] = i;
        n++;
    }
    return n;
}

/* The file of <vendor>/<feature>.xml on the search path, into @buf; 0 when absent. */
static int
resolve_template(const struct render *r, const char *vendor, const char *feature, char *buf,
                 size_t len)
{
    size_t i;

    for (i = 0; i < r->ndirs; i++) {
        snprintf(buf, len, "%s/%s/%s.xml", r->dirs[i], vendor, feature);
        if (is_file(buf)) {
            return 1;
        }
    }
    return 0;
}

struct locate {
    const struct render *r;
    const char *vendor;
    char (*names)[128];
    size_t nnames;
    size_t best; /* steps matched by the best element so far */
    char file[1024];
    long line;
};

static void locate_in_file(struct locate *L, const char *file, size_t step, int depth);

/* Match names[step..] against the element children of @parent (template order). */
static void
locate_children(struct locate *L, const char *file, xmlNodePtr parent, size_t step, int depth)
{
    xmlNodePtr c;

    if (step >= L->nnames) {
        return;
    }
    for (c = parent->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, L->names[step])) {
            if (step + 1 > L->best) {
                L->best = step + 1;
                snprintf(L->file, sizeof L->file, "%s", file);
                L->line = xmlGetLineNo(c);
            }
            locate_children(L, file, c, step + 1, depth);
        } else if (c->type == XML_PI_NODE && !strcmp((const char *)c->name, "include") &&
                   c->content && depth < RENDER_INCLUDE_DEPTH) {
            char feature[256], path[1024];
            const char *s = (const char *)c->content;
            size_t k = 0;

            while (*s == ' ' || *s == '\t' || *s == '\n') {
                s++;
            }
            while (s[k] && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && k + 1 < sizeof feature) {
                feature[k] = s[k];
                k++;
            }
            feature[k] = '\0';
            if (resolve_template(L->r, L->vendor, feature, path, sizeof path)) {
                locate_in_file(L, path, step, depth + 1);
            }
        }
    }
}

static void
locate_in_file(struct locate *L, const char *file, size_t step, int depth)
{
    xmlDocPtr doc = xmlReadFile(file, NULL,
                                XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);

    if (!doc) {
        return;
    }
    if (xmlDocGetRootElement(doc)) {
        locate_children(L, file, xmlDocGetRootElement(doc), step, depth);
    }
    xmlFreeDoc(doc);
}

/*
 * Which template produced the node at @path: feature @forced when it is a valid index
 * (a parse error names the feature that failed), else the feature whose tree holds the
 * longest prefix of the path (the first such feature on a tie); then the deepest
 * template element matching the path's names, plus @extra (the child libyang did not
 * know) when given. Falls back to the feature's file, line 0.
 */
static void
locate_path(struct render *r, const struct drv_ops *drv, struct lyd_node **trees, size_t nfeat,
            size_t forced, const char *path, const char *extra, char *file, size_t flen, long *line)
{
    char names[RENDER_MAX_STEPS][128];
    size_t ends[RENDER_MAX_STEPS], n, i, k, bestk = 0, bestf = 0;
    struct locate L;
    char *prefix;

    *line = 0;
    file[0] = '\0';
    n = path ? path_steps(path, names, ends, RENDER_MAX_STEPS - 1) : 0;
    prefix = path && forced >= nfeat ? nst_strdup(path) : NULL;
    for (i = 0; prefix && i < nfeat; i++) {
        struct lyd_node *match;

        if (!trees[i]) {
            continue;
        }
        for (k = n; k > bestk; k--) {
            char save = prefix[ends[k - 1]];

            prefix[ends[k - 1]] = '\0';
            match = NULL;
            render_quiet(r);
            if (!lyd_find_path(trees[i], prefix, 0, &match) && match) {
                bestk = k;
                bestf = i;
            }
            prefix[ends[k - 1]] = save;
            if (bestk == k) {
                break;
            }
        }
    }
    nst_free(prefix);
    ly_err_clean(r->ly, NULL);
    if (forced < nfeat) {
        bestf = forced;
    }
    if (extra && n < RENDER_MAX_STEPS) {
        snprintf(names[n++], sizeof names[0], "%s", extra);
    }
    if (!nfeat || !resolve_template(r, drv->tpl_vendor, drv->features[bestf], file, flen)) {
        return;
    }
    memset(&L, 0, sizeof L);
    L.r = r;
    L.vendor = drv->tpl_vendor;
    L.names = names;
    L.nnames = n;
    locate_in_file(&L, file, 0, 0);
    if (L.best) {
        snprintf(file, flen, "%s", L.file);
        *line = L.line;
    }
}

/* The quoted text after @key in libyang's location string ('Data location "/a/b"'),
 * newly allocated; or a copy of @where when it is already a bare path; else NULL. */
static char *
ly_quoted(const char *where, const char *key)
{
    const char *p = where ? strstr(where, key) : NULL, *q;

    if (where && where[0] == '/') {
        return nst_strdup(where);
    }
    if (!p || !(p = strchr(p, '"')) || !(q = strchr(p + 1, '"'))) {
        return NULL;
    }
    return nst_strndup(p + 1, (size_t)(q - p - 1));
}

static nst_err render_feature(struct render *r, const struct drv_ops *drv, const char *device,
                              xmlNodePtr dev, size_t f, struct lyd_node **trees,
                              struct buf *scratch);

/* Report libyang's first error on the device's payload, located in the templates.
 * @forced: the feature whose parse failed, or SIZE_MAX. @dev: the features' trees were
 * spent by the merge (render_device()): they are rendered again from @dev (with
 * @scratch) to locate the error, the same trees, since rendering is deterministic. */
static nst_err
payload_error(struct render *r, const struct drv_ops *drv, const char *device,
              struct lyd_node **trees, size_t nfeat, size_t forced, const char *stage,
              xmlNodePtr dev, struct buf *scratch)
{
    const struct ly_err_item *e = ly_err_first(r->ly);
    struct diag_loc loc = {0};
    char file[1024], msg[1400], *path = NULL, *extra = NULL;
    long line;
    size_t f;

    while (e && e->level != LY_LLERR) {
        e = e->next;
    }
    if (e) {
        path = ly_quoted(e->path, "Data location");
        if (!path) {
            path = ly_quoted(e->msg, "Data location");
        }
        /* An unknown element: libyang names its parent; the child is in the message. */
        if (e->msg && strstr(e->msg, "\" not found as a child of")) {
            extra = ly_quoted(e->msg, "Node");
        }
    }
    snprintf(msg, sizeof msg, "the %s payload of device %s %s the device models: %s", drv->name,
             device, stage, e && e->msg ? e->msg : "unknown libyang error");
    ly_err_clean(r->ly, NULL);
    for (f = 0; dev && f < nfeat; f++) {
        lyd_free_siblings(trees[f]);
        trees[f] = NULL;
        render_feature(r, drv, device, dev, f, trees, scratch);
    }
    ly_err_clean(r->ly, NULL);
    locate_path(r, drv, trees, nfeat, forced, path, extra, file, sizeof file, &line);
    loc.file = file[0] ? file : NULL;
    loc.line = line > 0 ? (uint32_t)line : 0;
    loc.path = path;
    loc.device = device;
    diag_add(r->ctx, DIAG_PAYLOAD_INVALID, &loc, msg);
    nst_free(path);
    nst_free(extra);
    return NST_EINTERNAL;
}

/* --- rendering one device --- */

static nst_err
template_error(struct render *r, const char *device, const char *what, const struct tpl_error *te,
               nst_err rc)
{
    struct diag_loc loc = {0};
    char msg[1400];

    if (rc == NST_ENOMEM) {
        return rc;
    }
    loc.file = te->file[0] ? te->file : NULL;
    loc.line = te->line > 0 ? (uint32_t)te->line : 0;
    loc.device = device;
    snprintf(msg, sizeof msg, "%s for device %s: %s%s%s%s", what, device, te->msg,
             te->expr[0] ? " (in " : "", te->expr, te->expr[0] ? ")" : "");
    diag_add(r->ctx, DIAG_TEMPLATE_ERROR, &loc, msg);
    return rc == NST_EIO || rc == NST_EINPUT ? NST_EINPUT : rc;
}

/* Serialize the children of @holder (each carries its own namespace declarations,
 * since the holder has none) into one string for libyang. */
static nst_err
dump_children(xmlDocPtr doc, xmlNodePtr holder, struct buf *out)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodePtr c;

    if (!buf) {
        return NST_ENOMEM;
    }
    for (c = holder->children; c; c = c->next) {
        if (xmlNodeDump(buf, doc, c, 0, 0) < 0) {
            xmlBufferFree(buf);
            return NST_ENOMEM;
        }
    }
    out->len = 0;
    buf_add(out, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
    return buf_failed(out);
}

/*
 * A feature's rendered elements built into a libyang tree directly, without printing them
 * and parsing the text back (xmlNodeDump() and libyang's XML parser: a third of a
 * device's render at 100 routers, the parser's tokenizer, its namespace lookups and
 * location stack). The tree must be the one lyd_parse_data_mem(LYD_XML, LYD_PARSE_STRICT |
 * LYD_PARSE_ONLY) makes of the printed text (parser_xml.c, libyang 2.1.30): the same
 * schema nodes (lys_find_child() in the element's namespace's implemented module), made
 * by the same functions through the public API (lyd_create_inner(), lyd_create_term()
 * with the element's text, lyd_insert_node() into the parent as the parser inserts), so
 * the same order, flags and values. What the parser would refuse, and whatever this
 * does not build exactly as the parser does, is not decided here: the builder gives up
 * (xb_fail) and the caller parses the text as before, so every error and its report
 * come from libyang's parser as they always did. It gives up on:
 *   - an element without a namespace, with attributes, or whose namespace or name the
 *     models do not know (the parser's errors);
 *   - RPCs, actions, notifications, anydata and anyxml, key-less lists;
 *   - text that is not plain: a byte outside printable ASCII other than tab and newline
 *     (the parser checks UTF-8 and XML's characters), non-blank text in an inner node or
 *     at the top, anything but text in a leaf (comments, CDATA, entities, elements);
 *   - a value with ':' unless its type stores it the same whatever the format (the API
 *     takes values in JSON's format, the parser in XML's with the element's prefixes:
 *     identityrefs, instance-identifiers, xpath1.0, and unions holding any of them);
 *   - a list whose keys are not its first element children once each in key order
 *     (the parser refuses a key after a later key), or with more than 4 keys;
 *   - any libyang error.
 * Checked against the parse for every feature (-DNST_RENDER_BUILD_VERIFY: both trees
 * printed with every default and flag and compared) over the goldens and the bench's
 * services.
 */
struct xb {
    struct ly_ctx *ly;
    const xmlNs *last_ns; /* the namespace last looked up, and its module */
    const struct lys_module *last_mod;
};

#define XB_MAX_KEYS 4

static bool
xb_blank(const xmlChar *t)
{
    for (; t && *t; t++) {
        if (*t != ' ' && *t != '\t' && *t != '\n' && *t != '\r') {
            return false;
        }
    }
    return true;
}

/* Plain text: printable ASCII, tab and newline; *colon set when it holds a ':'. */
static bool
xb_plain(const xmlChar *t, bool *colon)
{
    for (; *t; t++) {
        if ((*t < 0x20 && *t != '\t' && *t != '\n') || *t >= 0x7f) {
            return false;
        }
        if (*t == ':') {
            *colon = true;
        }
    }
    return true;
}

/* The type stores a value the same from JSON's format as from XML's (no prefixes). */
static bool
xb_type_prefix_free(const struct lysc_type *t, int depth)
{
    LY_ARRAY_COUNT_TYPE u;

    if (depth > 8) {
        return false;
    }
    switch (t->basetype) {
    case LY_TYPE_IDENT:
    case LY_TYPE_INST:
    case LY_TYPE_UNKNOWN:
        return false;
    case LY_TYPE_LEAFREF:
        return ((const struct lysc_type_leafref *)t)->realtype &&
               xb_type_prefix_free(((const struct lysc_type_leafref *)t)->realtype, depth + 1);
    case LY_TYPE_UNION:
        LY_ARRAY_FOR(((const struct lysc_type_union *)t)->types, u)
        {
            if (!xb_type_prefix_free(((const struct lysc_type_union *)t)->types[u], depth + 1)) {
                return false;
            }
        }
        return true;
    default:
        /* a plugin of its own on a string (xpath1.0, node-instance-identifier) may read
         * prefixes; the address and prefix types do not */
        return t->plugin && t->plugin->id &&
               (!strcmp(t->plugin->id, "libyang 2 - string, version 1") ||
                t->basetype != LY_TYPE_STRING || strstr(t->plugin->id, "ipv4-") ||
                strstr(t->plugin->id, "ipv6-"));
    }
}

/* The identity's realtype: an identityref, or a leafref to one. */
static bool
xb_type_ident(const struct lysc_type *t)
{
    while (t && t->basetype == LY_TYPE_LEAFREF) {
        t = ((const struct lysc_type_leafref *)t)->realtype;
    }
    return t && t->basetype == LY_TYPE_IDENT;
}

/* An identityref's XML value ("prefix:name", or "name" in the default namespace) in
 * JSON's form, "module:name" with the module the parser's ly_xml_resolve_prefix() finds
 * (implemented, by namespace), in @buf; NULL to give up. */
static const char *
xb_ident_json(struct ly_ctx *ly, const xmlNode *e, const char *v, char *buf, size_t len)
{
    const struct lys_module *mod;
    const char *colon = strchr(v, ':'), *p;
    char prefix[64];
    xmlNsPtr ns;

    for (p = v; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.' || (*p == ':' && p == colon))) {
            return NULL;
        }
    }
    if (colon && ((size_t)(colon - v) >= sizeof prefix || colon == v)) {
        return NULL;
    }
    if (colon) {
        memcpy(prefix, v, (size_t)(colon - v));
        prefix[colon - v] = '\0';
    }
    ns = xmlSearchNs(e->doc, (xmlNodePtr)(uintptr_t)e, colon ? X(prefix) : NULL);
    mod = ns && ns->href ? ly_ctx_get_module_implemented_ns(ly, (const char *)ns->href) : NULL;
    if (!mod || !(colon ? colon[1] : v[0])) {
        return NULL;
    }
    if ((size_t)snprintf(buf, len, "%s:%s", mod->name, colon ? colon + 1 : v) >= len) {
        return NULL;
    }
    return buf;
}

/* A union of identityrefs and types that store a value alike in every format. */
static bool
xb_type_union_ident(const struct lysc_type *t)
{
    const struct lysc_type_union *u = (const struct lysc_type_union *)t;
    LY_ARRAY_COUNT_TYPE i;
    bool ident = false;

    if (t->basetype != LY_TYPE_UNION) {
        return false;
    }
    LY_ARRAY_FOR(u->types, i)
    {
        if (u->types[i]->basetype == LY_TYPE_IDENT) {
            ident = true;
        } else if (!xb_type_prefix_free(u->types[i], 1)) {
            return false;
        }
    }
    return ident;
}

/* The element's text as the parser would store it, or NULL to give up. *@check: a
 * union's identityref, to be checked once stored (xb_union_ident_ok()). */
static const char *
xb_term_text(struct ly_ctx *ly, const xmlNode *e, const struct lysc_node *sn, char *buf, size_t len,
             bool *check)
{
    const xmlNode *c = e->children;
    bool colon = false;

    if (!c) {
        return "";
    }
    if (c->type != XML_TEXT_NODE || c->next || !c->content || !xb_plain(c->content, &colon)) {
        return NULL;
    }
    if (c->content[0] && xb_blank(c->content)) {
        return NULL; /* all blank: the parser's ws_only handling, not reproduced */
    }
    if (xb_type_ident(((const struct lysc_node_leaf *)sn)->type)) {
        return xb_ident_json(ly, e, (const char *)c->content, buf, len);
    }
    if (colon && xb_type_union_ident(((const struct lysc_node_leaf *)sn)->type)) {
        /* A member other than the identityrefs takes the text as it is (JSON's format
         * alike, prefix-free): then it is not an identity for sure; give up. Else the
         * same members refuse it in XML, and the identity, by module name, must be what
         * the union stores. */
        if (lyd_value_validate(NULL, sn, (const char *)c->content, strlen((const char *)c->content),
                               NULL, NULL, NULL) != LY_EVALID) {
            return NULL;
        }
        *check = true;
        return xb_ident_json(ly, e, (const char *)c->content, buf, len);
    }
    if (colon && !xb_type_prefix_free(((const struct lysc_node_leaf *)sn)->type, 0)) {
        return NULL;
    }
    return (const char *)c->content;
}

/* The union stored an identity (xb_term_text()'s check). */
static bool
xb_union_ident_ok(const struct lyd_node *n)
{
    const struct lyd_value *v = &((const struct lyd_node_term *)n)->value;

    return v->realtype->basetype == LY_TYPE_UNION && v->subvalue &&
           v->subvalue->value.realtype->basetype == LY_TYPE_IDENT;
}

static const struct lys_module *
xb_module(struct xb *b, const xmlNs *ns)
{
    if (!ns || !ns->href) {
        return NULL;
    }
    if (ns != b->last_ns &&
        (!b->last_ns || !b->last_mod || strcmp((const char *)ns->href, b->last_mod->ns))) {
        b->last_mod = ly_ctx_get_module_implemented_ns(b->ly, (const char *)ns->href);
    }
    b->last_ns = ns;
    return b->last_mod;
}

static int xb_children(struct xb *b, struct lyd_node *parent, const xmlNode *first,
                       const xmlNode *const *skip, size_t nskip);

/* One element into @parent (NULL: a new top-level node returned in *top). */
static int
xb_element(struct xb *b, struct lyd_node *parent, const xmlNode *e, struct lyd_node **top)
{
    const struct lys_module *mod;
    const struct lysc_node *sn, *k;
    const xmlNode *keys[XB_MAX_KEYS], *c;
    const char *kv[XB_MAX_KEYS];
    char vbuf[XB_MAX_KEYS + 1][256];
    struct lyd_node *node = NULL;
    const char *name = (const char *)e->name;
    size_t nkeys = 0, i;
    bool kcheck = false;
    LY_ERR lr;

    if (e->properties || !(mod = xb_module(b, e->ns))) {
        return -1;
    }
    sn = lys_find_child(parent ? parent->schema : NULL, mod, name, 0, 0, 0);
    if (!sn || (sn->nodetype & (LYS_RPC | LYS_ACTION | LYS_NOTIF | LYD_NODE_ANY))) {
        return -1;
    }
    switch (sn->nodetype) {
    case LYS_CONTAINER:
        lr = lyd_new_inner(parent, mod, name, 0, &node);
        break;
    case LYS_LEAF:
    case LYS_LEAFLIST: {
        bool check = false;
        const char *v = xb_term_text(b->ly, e, sn, vbuf[0], sizeof vbuf[0], &check);

        if (!v) {
            return -1;
        }
        lr = lyd_new_term(parent, mod, name, v, 0, &node);
        if (!lr && check && !xb_union_ident_ok(node)) {
            if (!parent) {
                lyd_free_tree(node);
            }
            return -1;
        }
        break;
    }
    case LYS_LIST:
        if (sn->flags & LYS_KEYLESS) {
            return -1;
        }
        /* the keys: the first element children, in key order, each a plain value */
        c = e->children;
        for (k = lysc_node_child(sn); k && (k->flags & LYS_KEY); k = k->next) {
            while (c && c->type == XML_TEXT_NODE && xb_blank(c->content)) {
                c = c->next;
            }
            if (nkeys == XB_MAX_KEYS || !c || c->type != XML_ELEMENT_NODE ||
                strcmp((const char *)c->name, k->name) || xb_module(b, c->ns) != k->module ||
                c->properties ||
                !(kv[nkeys] =
                      xb_term_text(b->ly, c, k, vbuf[nkeys + 1], sizeof vbuf[0], &kcheck)) ||
                kcheck) {
                return -1;
            }
            keys[nkeys++] = c;
            c = c->next;
        }
        switch (nkeys) {
        case 1:
            lr = lyd_new_list(parent, mod, name, 0, &node, kv[0]);
            break;
        case 2:
            lr = lyd_new_list(parent, mod, name, 0, &node, kv[0], kv[1]);
            break;
        case 3:
            lr = lyd_new_list(parent, mod, name, 0, &node, kv[0], kv[1], kv[2]);
            break;
        case 4:
            lr = lyd_new_list(parent, mod, name, 0, &node, kv[0], kv[1], kv[2], kv[3]);
            break;
        default:
            return -1;
        }
        break;
    default:
        return -1;
    }
    if (lr || !node) {
        return -1;
    }
    if (!parent) {
        *top = node;
    }
    if (sn->nodetype & LYD_NODE_INNER) {
        /* a key again later: the parser refuses it or keeps both; leave it to the parser */
        for (c = e->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && nkeys) {
                for (i = 0; i < nkeys; i++) {
                    if (c != keys[i] &&
                        !strcmp((const char *)c->name, (const char *)keys[i]->name)) {
                        return -1;
                    }
                }
            }
        }
        return xb_children(b, node, e->children, keys, nkeys);
    }
    return 0;
}

/* The element children of an inner node (blank text between them), but @skip. */
static int
xb_children(struct xb *b, struct lyd_node *parent, const xmlNode *first, const xmlNode *const *skip,
            size_t nskip)
{
    const xmlNode *c;
    size_t i;

    for (c = first; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && xb_blank(c->content)) {
            continue;
        }
        if (c->type != XML_ELEMENT_NODE) {
            return -1;
        }
        for (i = 0; i < nskip && skip[i] != c; i++) {
        }
        if (i < nskip) {
            continue;
        }
        if (xb_element(b, parent, c, NULL)) {
            return -1;
        }
    }
    return 0;
}

/* The tree of @holder's children (NULL when it has no element), or -1: parse the text. */
static int
xb_build(struct ly_ctx *ly, const xmlNode *holder, struct lyd_node **out)
{
    struct xb b = {.ly = ly};
    struct lyd_node *first = NULL, *top;
    const xmlNode *c;

    for (c = holder->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE && xb_blank(c->content)) {
            continue;
        }
        top = NULL;
        if (c->type != XML_ELEMENT_NODE || xb_element(&b, NULL, c, &top)) {
            lyd_free_siblings(top);
            goto fail;
        }
        if (lyd_insert_sibling(first, top, &first)) {
            lyd_free_siblings(top);
            goto fail;
        }
    }
    *out = first;
    return 0;

fail:
    lyd_free_siblings(first);
    ly_err_clean(ly, NULL);
    return -1;
}

#ifdef NST_RENDER_BUILD_VERIFY
/* Every node's schema, flags and value alike, and both printed alike with defaults. */
static bool
xb_same(const struct lyd_node *a, const struct lyd_node *b)
{
    for (; a || b; a = a->next, b = b->next) {
        if (!a || !b || a->schema != b->schema || a->flags != b->flags || a->hash != b->hash ||
            !!a->meta != !!b->meta) {
            return false;
        }
        if (a->schema && (a->schema->nodetype & LYD_NODE_TERM)) {
            const struct lyd_node_term *ta = (const void *)a, *tb = (const void *)b;

            if (strcmp(lyd_get_value(a), lyd_get_value(b)) ||
                ta->value.realtype != tb->value.realtype) {
                return false;
            }
        } else if (!xb_same(lyd_child(a), lyd_child(b))) {
            return false;
        }
    }
    return true;
}

static void
xb_verify(struct ly_ctx *ly, const struct lyd_node *built, const char *text)
{
    struct lyd_node *parsed = NULL;
    char *p1 = NULL, *p2 = NULL;

    if (lyd_parse_data_mem(ly, text, LYD_XML, LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0, &parsed)) {
        fprintf(stderr, "NST_RENDER_BUILD_VERIFY: built a tree the parser refuses:\n%s\n", text);
        abort();
    }
    lyd_print_mem(&p1, built, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL_TAG);
    lyd_print_mem(&p2, parsed, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL_TAG);
    if (!xb_same(built, parsed) || !p1 != !p2 || (p1 && strcmp(p1, p2))) {
        fprintf(stderr, "NST_RENDER_BUILD_VERIFY: trees differ for:\n%s\nbuilt:\n%s\nparsed:\n%s\n",
                text, p1 ? p1 : "", p2 ? p2 : "");
        abort();
    }
    free(p1);
    free(p2);
    lyd_free_siblings(parsed);
}
#endif

static nst_err
render_feature(struct render *r, const struct drv_ops *drv, const char *device, xmlNodePtr dev,
               size_t f, struct lyd_node **trees, struct buf *scratch)
{
    struct tpl_error te;
    xmlDocPtr out = xmlNewDoc(X("1.0"));
    xmlNodePtr holder = out ? xmlNewDocNode(out, NULL, X("config"), NULL) : NULL;
    nst_err ret;

    if (!holder) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    xmlDocSetRootElement(out, holder);
    ret = tpl_render(r->eng, drv->tpl_vendor, drv->features[f], dev, holder, &te);
    if (ret) {
        ret = template_error(r, device, "template error rendering the payload", &te, ret);
        goto cleanup;
    }
    render_quiet(r);
    if (!xb_build(r->ly, holder, &trees[f])) {
#ifdef NST_RENDER_BUILD_VERIFY
        if (!dump_children(out, holder, scratch) && scratch->len) {
            xb_verify(r->ly, trees[f], scratch->p);
        }
#endif
        goto cleanup;
    }
    ret = dump_children(out, holder, scratch);
#ifdef NST_RENDER_BUILD_VERIFY
    if (getenv("NST_RENDER_BUILD_VERIFY_LOG")) {
        fprintf(stderr, "NST_RENDER_BUILD_VERIFY: parsed %s/%s: %.300s\n", drv->tpl_vendor,
                drv->features[f], scratch->p ? scratch->p : "");
    }
#endif
    if (ret || !scratch->len) {
        goto cleanup;
    }
    ly_err_clean(r->ly, NULL);
    render_quiet(r);
    if (lyd_parse_data_mem(r->ly, scratch->p, LYD_XML, LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0,
                           &trees[f])) {
        /* The partial tree, if any, still helps to locate the error. */
        ret = payload_error(r, drv, device, trees, f + 1, f, "does not parse with", NULL, NULL);
    }

cleanup:
    xmlFreeDoc(out);
    return ret;
}

static nst_err
render_cli(struct render *r, const struct drv_ops *drv, const char *device, xmlNodePtr dev,
           char **cli)
{
    struct buf b = {0};
    struct tpl_error te;
    size_t f;
    nst_err ret = NST_OK;

    buf_add(&b, "", 0);
    for (f = 0; drv->features[f]; f++) {
        char *text = NULL;

        ret = tpl_render_text(r->eng, drv->tpl_vendor, drv->features[f], dev, &text, &te);
        if (ret) {
            ret = template_error(r, device, "template error rendering the CLI", &te, ret);
            break;
        }
        buf_puts(&b, text);
        nst_free(text);
    }
    if (!ret) {
        ret = buf_failed(&b);
    }
    if (ret) {
        buf_clear(&b);
        return ret;
    }
    {
        /* Exactly sized: the compile keeps every router's CLI (the buffer doubles as it
         * grows, a third of it unused on average). */
        size_t len = b.len;
        char *p;

        *cli = buf_take(&b);
        p = nst_realloc(*cli, len + 1);
        if (p) {
            *cli = p;
        }
    }
    return NST_OK;
}

/* The device the templates read: <ir> (the original root's attributes) holding a deep
 * copy of @ir_device, or, with @take, @ir_device itself (unlinked by the caller), moved
 * into the new document; consumed then whatever happens. */
static nst_err
copy_device(xmlNodePtr ir_device, bool take, xmlDocPtr *doc_out, xmlNodePtr *dev_out)
{
    xmlDocPtr doc = xmlNewDoc(X("1.0"));
    xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, X("ir"), NULL) : NULL, dev;
    xmlNodePtr orig_root = ir_device->doc ? xmlDocGetRootElement(ir_device->doc) : NULL;

    if (!root) {
        xmlFreeDoc(doc);
        goto fail;
    }
    xmlDocSetRootElement(doc, root);
    if (orig_root && orig_root != ir_device && orig_root->properties) {
        root->properties = xmlCopyPropList(root, orig_root->properties);
        if (!root->properties) {
            xmlFreeDoc(doc);
            goto fail;
        }
    }
    dev = take ? ir_device : xmlDocCopyNode(ir_device, doc, 1);
    if (!dev || !xmlAddChild(root, dev)) {
        xmlFreeNode(dev);
        xmlFreeDoc(doc);
        return NST_ENOMEM;
    }
    *doc_out = doc;
    *dev_out = dev;
    return NST_OK;

fail:
    if (take) {
        xmlFreeNode(ir_device);
    }
    return NST_ENOMEM;
}

static nst_err
prepare_device(struct render *r, const struct drv_ops *drv, const char *device, xmlNodePtr dev)
{
    struct drv_prep p;
    struct diag_loc loc = {0};
    nst_err ret;

    memset(&p, 0, sizeof p);
    p.device = device;
    p.drv = drv;
    annotate_tree(&p, dev);
    ret = drv_prep_status(&p);
    if (!ret && drv->prepare) {
        ret = drv->prepare(&p, dev);
        if (!ret) {
            ret = drv_prep_status(&p);
        }
    }
    if (ret && p.failed) {
        /* A driver's refusal is about the user's service, not a netstitch fault: the
         * service's device is where it is reported (issue 11: it was INTERNAL at
         * "-: drivers:0"). */
        loc = r->origin;
        loc.device = device;
        diag_add(r->ctx, DIAG_DRIVER_UNSUPPORTED, &loc, drv->name, device, p.msg);
        return NST_EINPUT;
    }
    return ret ? ret : drv_prep_status(&p);
}

/*
 * The validated tree printed as libyang 2.1.30's XML printer prints it (lyd_print_all(),
 * LYD_XML, no options: printer_xml.c), byte for byte, without its cost: that printer
 * writes every escaped character through its output's one-byte writes and every piece
 * through a formatted print (6% of a 100-router compile). What it prints for the nodes of
 * a configuration: each element on its own line, indented two spaces a level, the
 * module's namespace as xmlns="..." where it differs from the enclosing element's, a term
 * node's value as its type plugin prints it for XML (with xmlns:PREFIX="..." for each
 * module its prefixes name, an identityref's), '&', '<' and '>' escaped, "<name/>" for an
 * empty value or an inner node with nothing printed in it, the nodes libyang would not
 * print skipped (lyd_node_should_print()). A node outside that (metadata, an opaque node,
 * anydata or anyxml) makes it give up: the caller then asks libyang's printer.
 */
struct xpr {
    struct buf *b;
    const char *ns[RENDER_MAX_STEPS]; /* the default namespaces in scope, innermost last */
    size_t nns;
};

static void
xpr_indent(struct xpr *x, size_t level)
{
    static const char spaces[] = "                                                                ";
    size_t n = 2 * level;

    while (n) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;

        buf_add(x->b, spaces, k);
        n -= k;
    }
}

/* lyxml_dump_text(): '&', '<', '>' escaped (not '"': element content only). */
static void
xpr_text(struct xpr *x, const char *t)
{
    const char *run = t;

    for (; *t; t++) {
        const char *e = *t == '&' ? "&amp;" : *t == '<' ? "&lt;" : *t == '>' ? "&gt;" : NULL;

        if (e) {
            buf_add(x->b, run, (size_t)(t - run));
            buf_puts(x->b, e);
            run = t + 1;
        }
    }
    buf_add(x->b, run, (size_t)(t - run));
}

static int xpr_node(struct xpr *x, const struct lyd_node *n, size_t level);

/* "<name", and xmlns="NS" unless it is the default namespace in scope (pushed). Fails on
 * what this printer does not print (metadata). */
static int
xpr_open(struct xpr *x, const struct lyd_node *n, size_t level)
{
    const char *ns = n->schema->module->ns;

    if (n->meta) {
        return -1;
    }
    xpr_indent(x, level);
    buf_puts(x->b, "<");
    buf_puts(x->b, n->schema->name);
    if (!x->nns || strcmp(x->ns[x->nns - 1], ns)) {
        if (x->nns == RENDER_MAX_STEPS) {
            return -1;
        }
        x->ns[x->nns++] = ns;
        buf_puts(x->b, " xmlns=\"");
        buf_puts(x->b, ns);
        buf_puts(x->b, "\"");
    }
    return 0;
}

static int
xpr_term(struct xpr *x, const struct lyd_node_term *n, size_t level)
{
    const struct lysc_type *type = ((const struct lysc_node_leaf *)n->schema)->type;
    struct ly_set mods = {0};
    ly_bool dynamic = 0;
    const char *value;
    uint32_t i;

    if (xpr_open(x, &n->node, level)) {
        return -1;
    }
    value = type->plugin->print(LYD_CTX(&n->node), &n->value, LY_VALUE_XML, &mods, &dynamic, NULL);
    if (!value) {
        ly_set_erase(&mods, NULL);
        return -1;
    }
    for (i = 0; i < mods.count; i++) {
        const struct lys_module *m = mods.objs[i];

        buf_puts(x->b, " xmlns:");
        buf_puts(x->b, m->prefix);
        buf_puts(x->b, "=\"");
        buf_puts(x->b, m->ns);
        buf_puts(x->b, "\"");
    }
    ly_set_erase(&mods, NULL);
    if (!value[0]) {
        buf_puts(x->b, "/>\n");
    } else {
        buf_puts(x->b, ">");
        xpr_text(x, value);
        buf_puts(x->b, "</");
        buf_puts(x->b, n->schema->name);
        buf_puts(x->b, ">\n");
    }
    if (dynamic) {
        free((void *)(uintptr_t)value);
    }
    return 0;
}

static int
xpr_inner(struct xpr *x, const struct lyd_node *n, size_t level)
{
    const struct lyd_node *c;

    if (xpr_open(x, n, level)) {
        return -1;
    }
    for (c = lyd_child(n); c && !lyd_node_should_print(c, 0); c = c->next) {
    }
    if (!c) {
        buf_puts(x->b, "/>\n");
        return 0;
    }
    buf_puts(x->b, ">\n");
    for (c = lyd_child(n); c; c = c->next) {
        if (xpr_node(x, c, level + 1)) {
            return -1;
        }
    }
    xpr_indent(x, level);
    buf_puts(x->b, "</");
    buf_puts(x->b, n->schema->name);
    buf_puts(x->b, ">\n");
    return 0;
}

static int
xpr_node(struct xpr *x, const struct lyd_node *n, size_t level)
{
    size_t nns = x->nns;
    int ret;

    if (!n->schema) {
        return -1; /* opaque */
    }
    if (!lyd_node_should_print(n, 0)) {
        return 0;
    }
    switch (n->schema->nodetype) {
    case LYS_CONTAINER:
    case LYS_LIST:
        ret = xpr_inner(x, n, level);
        break;
    case LYS_LEAF:
    case LYS_LEAFLIST:
        ret = xpr_term(x, (const struct lyd_node_term *)n, level);
        break;
    default:
        ret = -1;
        break;
    }
    x->nns = nns;
    return ret;
}

/* The text of @tree (a top-level sibling, not NULL) as lyd_print_all() prints it, newly
 * allocated; NULL when out of memory. */
static char *
render_tree_text(const struct lyd_node *tree)
{
    struct buf b = {0};
    struct xpr x = {0};
    const struct lyd_node *n;
    int ret = 0;

    while (tree->prev->next) {
        tree = tree->prev;
    }
    x.b = &b;
    b.min_cap = 64 * 1024;
    buf_add(&b, "", 0);
    for (n = tree; n && !ret; n = n->next) {
        ret = xpr_node(&x, n, 0);
    }
    if (ret || buf_failed(&b)) {
        buf_clear(&b);
        return ret ? ctx_tree_text(tree) : NULL;
    }
    return buf_take(&b);
}

/* Wrap libyang's printed tree (possibly "") in the NETCONF <config> element. Copied, not
 * formatted: vsnprintf() moves a %s of tens of KB through stdio's string file in small
 * pieces, twice (1.3 M instructions a device at 100 routers). */
static nst_err
wrap_payload(const char *body, char **payload)
{
    static const char head[] = "<config xmlns=\"" RENDER_NC_NS "\">\n", tail[] = "</config>\n";
    size_t n;
    char *p;

    if (!body || !*body) {
        *payload = nst_strdup("<config xmlns=\"" RENDER_NC_NS "\"/>\n");
        return *payload ? NST_OK : NST_ENOMEM;
    }
    n = strlen(body);
    p = nst_malloc(sizeof head - 1 + n + sizeof tail);
    if (!p) {
        return NST_ENOMEM;
    }
    memcpy(p, head, sizeof head - 1);
    memcpy(p + sizeof head - 1, body, n);
    memcpy(p + sizeof head - 1 + n, tail, sizeof tail);
    *payload = p;
    return NST_OK;
}

static nst_err render_device_impl(struct render *r, xmlNodePtr ir_device, bool take,
                                  const struct drv_ops *drv, char **payload, char **cli);

nst_err
render_device(struct render *r, xmlNodePtr ir_device, const struct drv_ops *drv, char **payload,
              char **cli)
{
    return render_device_impl(r, ir_device, false, drv, payload, cli);
}

nst_err
render_device_take(struct render *r, xmlNodePtr ir_device, const struct drv_ops *drv,
                   char **payload, char **cli)
{
    return render_device_impl(r, ir_device, true, drv, payload, cli);
}

static nst_err
render_device_impl(struct render *r, xmlNodePtr ir_device, bool take, const struct drv_ops *drv,
                   char **payload, char **cli)
{
    struct lyd_node *trees[RENDER_MAX_FEATURES] = {0}, *tree = NULL;
    struct buf scratch = {0};
    xmlDocPtr doc = NULL;
    xmlNodePtr dev;
    const char *device;
    char *body = NULL, *p_out = NULL, *c_out = NULL;
    size_t nfeat = 0, f;
    nst_err ret;

    if (!r || !ir_device || !drv || !payload || !cli) {
        ret = NST_EINVAL;
        goto refuse;
    }
    *payload = NULL;
    *cli = NULL;
    if (!drv->features) {
        ret = NST_OK;
        goto refuse;
    }
    while (drv->features[nfeat]) {
        nfeat++;
    }
    if (nfeat > RENDER_MAX_FEATURES) {
        ret = DIAG_INTERNAL_ERR(r->ctx, "a driver lists too many features");
        goto refuse;
    }
    ret = copy_device(ir_device, take, &doc, &dev);
    /* the device's name from the render's own copy (a taken device is freed with it) */
    device = ret ? NULL : drv_attr(dev, "name");
    device = device ? device : "?";
    if (ret) {
        goto cleanup;
    }
    ret = prepare_device(r, drv, device, dev);
    if (ret) {
        goto cleanup;
    }
    for (f = 0; f < nfeat; f++) {
        ret = render_feature(r, drv, device, dev, f, trees, &scratch);
        if (ret) {
            goto cleanup;
        }
    }
    /* The features' trees are moved into one (LYD_MERGE_DESTRUCT spends them), not
     * copied: a copy of every node and a second tree to free were a tenth of a device's
     * render. An error is located in trees rendered again (payload_error()). */
    render_quiet(r);
    for (f = 0; f < nfeat; f++) {
        struct lyd_node *t = trees[f];

        trees[f] = NULL;
        if (t && lyd_merge_siblings(&tree, t, LYD_MERGE_DESTRUCT)) {
            ret = payload_error(r, drv, device, trees, nfeat, SIZE_MAX, "cannot be merged with",
                                dev, &scratch);
            goto cleanup;
        }
    }
    render_quiet(r);
    if (tree && lyd_validate_all(&tree, r->ly, LYD_VALIDATE_PRESENT, NULL)) {
        ret = payload_error(r, drv, device, trees, nfeat, SIZE_MAX, "does not validate against",
                            dev, &scratch);
        goto cleanup;
    }
    render_quiet(r);
    if (tree && !(body = render_tree_text(tree))) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    ret = wrap_payload(body, &p_out);
    if (ret) {
        goto cleanup;
    }
    ret = render_cli(r, drv, device, dev, &c_out);

cleanup:
    for (f = 0; f < nfeat; f++) {
        lyd_free_siblings(trees[f]);
    }
    lyd_free_siblings(tree);
    nst_free(body);
    buf_clear(&scratch);
    xmlFreeDoc(doc);
    ly_err_clean(r->ly, NULL);
    if (ret) {
        nst_free(p_out);
        nst_free(c_out);
        return ret;
    }
    *payload = p_out;
    *cli = c_out;
    return NST_OK;

refuse:
    if (take && ir_device) {
        xmlFreeNode(ir_device);
    }
    return ret;
}

nst_err
render_parse_payload(struct ly_ctx *ly, const char *payload, struct lyd_node **tree)
{
    const char *start, *end, *open_end;
    char *body;
    struct lyd_node *t = NULL;
    nst_err ret = NST_OK;

    if (!ly || !payload || !tree) {
        return NST_EINVAL;
    }
    start = strstr(payload, "<config");
    open_end = start ? strchr(start, '>') : NULL;
    if (!open_end) {
        return NST_EINPUT;
    }
    if (open_end[-1] == '/') {
        *tree = NULL;
        return NST_OK;
    }
    /* The last </config>: OpenConfig payloads hold <config> containers of their own. */
    for (end = NULL, start = strstr(open_end, "</config>"); start;
         start = strstr(start + 1, "</config>")) {
        end = start;
    }
    if (!end) {
        return NST_EINPUT;
    }
    body = nst_strndup(open_end + 1, (size_t)(end - open_end - 1));
    if (!body) {
        return NST_ENOMEM;
    }
    ctx_ly_quiet();
    if (lyd_parse_data_mem(ly, body, LYD_XML, LYD_PARSE_STRICT, LYD_VALIDATE_PRESENT, &t)) {
        ret = NST_EINPUT;
    }
    ctx_ly_restore();
    nst_free(body);
    ly_err_clean(ly, NULL);
    if (ret) {
        lyd_free_siblings(t);
        return ret;
    }
    *tree = t;
    return NST_OK;
}
