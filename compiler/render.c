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

struct render {
    struct nst_ctx *ctx;
    char **dirs; /* the template search path */
    size_t ndirs;
    struct tpl_engine *eng;
    struct ly_ctx *ly; /* every vendor's device models */
    const struct render *base; /* render_dup(): ly and dirs are base's, not owned */
    struct diag_loc origin; /* the device being rendered, in the service (render_set_origin) */
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
static nst_err
load_device_models(struct render *r)
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
    if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD | LY_CTX_NO_YANGLIBRARY, &r->ly)) {
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
render_dup(const struct render *r, struct nst_ctx *ctx, struct render **out)
{
    struct render *d;
    nst_err ret;

    if (!r || !ctx || !out) {
        return NST_EINVAL;
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
render_free(struct render *r)
{
    size_t i;

    if (!r) {
        return;
    }
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
    ret = dump_children(out, holder, scratch);
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
