/*
 * load.c: the first stage. Read a service instance, parse and validate it with
 * libyang, build the source map (path -> line) and the C model.
 *
 *   file --read--> text --libyang--> tree --model_build--> struct m_service
 *                       \--srcmap---> path -> line
 *
 * libyang 2.1.30 stops at the first parse or validation error, so schema-level
 * problems are reported one at a time (each with file, line and data path); the
 * semantic checks that follow report everything at once. libyang's messages are
 * kept verbatim and classified into stable codes (YANG-UNKNOWN-NODE,
 * YANG-INVALID-VALUE, ...).
 *
 * Entity expansion and network access are off: the XML goes to libyang's own parser,
 * which handles neither, and to libxml2 for line numbers with XML_PARSE_NONET and
 * without XML_PARSE_NOENT (see srcmap.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "alloc.h"
#include "arena.h"
#include "diag.h"
#include "lyutil.h"
#include "model.h"
#include "service.h"
#include "srcmap.h"

/* Inputs larger than this are refused before parsing (override: NST_MAX_INPUT_BYTES).
 * 32 MiB holds a service of some 2500 routers (bench/gen-service.py: 1000 routers are
 * 12.8 MB) and costs about 1 GB of libyang trees at worst; a 100 MB file would cost
 * 3 GB and half a minute before the first diagnostic (tests/hardening/t_bounds.sh). */
#define LOAD_MAX_BYTES (32ull << 20)

static unsigned long long
max_input_bytes(void)
{
    const char *e = getenv("NST_MAX_INPUT_BYTES");
    unsigned long long v;

    if (e && *e) {
        v = strtoull(e, NULL, 10);
        if (v) {
            return v;
        }
    }
    return LOAD_MAX_BYTES;
}

/* Read a whole file; records IO-READ / INPUT-TOO-LARGE. */
static nst_err
read_file(struct nst_ctx *ctx, const char *path, char **data, size_t *len)
{
    struct diag_loc loc = {path, 0, NULL, NULL};
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t r;
    int fd;
    nst_err ret = NST_OK;

    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below). */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        diag_add(ctx, DIAG_IO_READ, &loc, path, strerror(errno));
        return NST_EIO;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        diag_add(ctx, DIAG_IO_READ, &loc, path,
                 fstat(fd, &st)            ? strerror(errno)
                 : S_ISDIR(st.st_mode)     ? "is a directory"
                                           : "not a regular file");
        ret = NST_EIO;
        goto cleanup;
    }
    if ((unsigned long long)st.st_size > max_input_bytes()) {
        diag_add(ctx, DIAG_INPUT_TOO_LARGE, &loc, path, (unsigned long long)st.st_size,
                 max_input_bytes());
        ret = NST_EINPUT;
        goto cleanup;
    }
    buf = nst_malloc((size_t)st.st_size + 1);
    if (!buf) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    while (got < (size_t)st.st_size) {
        r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            diag_add(ctx, DIAG_IO_READ, &loc, path, r < 0 ? strerror(errno) : "short read");
            ret = NST_EIO;
            goto cleanup;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';

cleanup:
    close(fd);
    if (ret) {
        nst_free(buf);
        return ret;
    }
    *data = buf;
    *len = got;
    return NST_OK;
}

static enum nst_format
guess_format(const char *name, const char *data, size_t len)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    size_t i;

    if (dot && !strcmp(dot, ".xml")) {
        return NST_FORMAT_XML;
    }
    if (dot && !strcmp(dot, ".json")) {
        return NST_FORMAT_JSON;
    }
    for (i = 0; i < len; i++) {
        if (data[i] == '<') {
            return NST_FORMAT_XML;
        }
        if (data[i] == '{') {
            return NST_FORMAT_JSON;
        }
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r') {
            break;
        }
    }
    return NST_FORMAT_AUTO;
}

/* Which stable code a libyang error gets. */
static enum diag_code
classify(const struct ly_err_item *e, enum nst_format fmt)
{
    const char *m = e->msg ? e->msg : "";

    if (e->vecode == LYVE_SYNTAX_XML || (e->vecode == LYVE_SYNTAX && fmt == NST_FORMAT_XML)) {
        return DIAG_XML_SYNTAX;
    }
    if (e->vecode == LYVE_SYNTAX_JSON || (e->vecode == LYVE_SYNTAX && fmt == NST_FORMAT_JSON)) {
        return DIAG_JSON_SYNTAX;
    }
    if (strstr(m, "not found as a child") || strstr(m, "No module named") ||
        strstr(m, "No module with namespace") || strstr(m, "Unknown element") ||
        strstr(m, "not found in") || strstr(m, "does not match any")) {
        return DIAG_YANG_UNKNOWN;
    }
    if (strstr(m, "Mandatory")) {
        return DIAG_YANG_MANDATORY;
    }
    if (strstr(m, "leafref")) {
        return DIAG_YANG_LEAFREF;
    }
    if (strstr(m, "Duplicate")) {
        return DIAG_YANG_DUPLICATE;
    }
    if (strstr(m, "When condition") || strstr(m, "Must condition") || strstr(m, "Too few") ||
        strstr(m, "Too many") || (e->apptag && !strcmp(e->apptag, "must-violation"))) {
        return DIAG_YANG_CONSTRAINT;
    }
    if (strstr(m, "Invalid") || strstr(m, "Unsatisfied") || strstr(m, "does not satisfy") ||
        strstr(m, "value")) {
        return DIAG_YANG_TYPE;
    }
    if (e->vecode == LYVE_SYNTAX) {
        return fmt == NST_FORMAT_JSON ? DIAG_JSON_SYNTAX : DIAG_XML_SYNTAX;
    }
    return DIAG_YANG_OTHER;
}

/*
 * libyang reports a missing mandatory node with its schema path only. Find the first
 * data instance of the parent that lacks it, so the diagnostic can name the entry
 * and its line.
 */
static char *
mandatory_data_path(const struct lyd_node *tree, const char *schema_path)
{
    const char *slash = strrchr(schema_path, '/');
    char *parent, *xpath, *res = NULL;
    struct ly_set *set = NULL;
    const struct lyd_node *c;
    size_t i;

    if (!slash || slash == schema_path || !tree) {
        return NULL;
    }
    parent = nst_strndup(schema_path, (size_t)(slash - schema_path));
    if (!parent) {
        return NULL;
    }
    xpath = parent;
    if (lyd_find_xpath(tree, xpath, &set) == LY_SUCCESS) {
        const char *leaf = strchr(slash + 1, ':') ? strchr(slash + 1, ':') + 1 : slash + 1;

        for (i = 0; i < set->count && !res; i++) {
            int found = 0;

            LY_LIST_FOR(lyd_child(set->dnodes[i]), c) {
                found |= !strcmp(ly_node_name(c), leaf);
            }
            if (!found) {
                res = lyd_path(set->dnodes[i], LYD_PATH_STD, NULL, 0);
            }
        }
    }
    ly_set_free(set, NULL);
    nst_free(parent);
    return res;
}

/* The "line number N" libyang appends to its location, else 0. */
static uint32_t
ly_line(const struct ly_err_item *e)
{
    const char *p;

    p = e->path ? strstr(e->path, "line number ") : NULL;
    if (!p && e->msg) {
        p = strstr(e->msg, "line number ");
    }
    return p ? (uint32_t)strtoul(p + 12, NULL, 10) : 0;
}

/* The quoted path after @key ("Data location", "Schema location") in libyang's
 * location string, newly allocated, or NULL. */
static char *
ly_location(const char *where, const char *key)
{
    const char *p = where ? strstr(where, key) : NULL;
    const char *q;

    if (!p || !(p = strchr(p, '"')) || !(q = strchr(p + 1, '"'))) {
        return NULL;
    }
    return nst_strndup(p + 1, (size_t)(q - p - 1));
}

/* libyang quotes the offending input verbatim: keep messages on one line and short. */
static void
tidy_message(char *msg)
{
    size_t len = strlen(msg), i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)msg[i] < 0x20) {
            msg[i] = ' ';
        }
    }
    if (len > 300) {
        memcpy(msg + 296, "...", 4);
    }
}

/* Which inet address forms a compiled string type's patterns describe (bits of
 * LOAD_AF_*): ietf-inet-types' IPv4 patterns hold the octet "25[0-5]", its IPv6 ones
 * the hex group "0-9a-fA-F"; a prefix pattern has the "/" of the length. */
#define LOAD_V4_ADDR 0x1u
#define LOAD_V6_ADDR 0x2u
#define LOAD_V4_PREFIX 0x4u
#define LOAD_V6_PREFIX 0x8u

static unsigned
load_inet_forms(const struct lysc_type *t)
{
    const struct lysc_type_str *st;
    const struct lysc_type_union *ut;
    LY_ARRAY_COUNT_TYPE i;
    unsigned forms = 0, f;

    if (!t) {
        return 0;
    }
    if (t->basetype == LY_TYPE_UNION) {
        ut = (const struct lysc_type_union *)t;
        LY_ARRAY_FOR(ut->types, i)
        {
            forms |= load_inet_forms(ut->types[i]);
        }
        return forms;
    }
    if (t->basetype != LY_TYPE_STRING) {
        return 0;
    }
    st = (const struct lysc_type_str *)t;
    LY_ARRAY_FOR(st->patterns, i)
    {
        const char *x = st->patterns[i]->expr;

        if (!x) {
            continue;
        }
        f = strstr(x, "0-9a-fA-F") ? LOAD_V6_ADDR : strstr(x, "25[0-5]") ? LOAD_V4_ADDR : 0;
        if (f && strchr(x, '/')) {
            f <<= 2; /* the prefix form of the same family */
        }
        forms |= f;
    }
    return forms;
}

/* The form of @v: one LOAD_* bit, or 0 when it is no address or prefix at all. */
static unsigned
load_value_form(const char *v)
{
    unsigned char a[16];
    char buf[64];
    char *slash, *end;
    unsigned long len;
    bool v6;

    if (strlen(v) >= sizeof buf) {
        return 0;
    }
    strcpy(buf, v);
    slash = strchr(buf, '/');
    if (slash) {
        *slash = '\0';
    }
    v6 = strchr(buf, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1) {
        return 0;
    }
    if (!slash) {
        return v6 ? LOAD_V6_ADDR : LOAD_V4_ADDR;
    }
    len = strtoul(slash + 1, &end, 10);
    if (!slash[1] || *end || len > (v6 ? 128u : 32u)) {
        return 0;
    }
    return v6 ? LOAD_V6_PREFIX : LOAD_V4_PREFIX;
}

static const char *
load_form_str(unsigned forms)
{
    switch (forms) {
    case LOAD_V4_ADDR:
        return "IPv4 address";
    case LOAD_V6_ADDR:
        return "IPv6 address";
    case LOAD_V4_PREFIX:
        return "IPv4 prefix";
    case LOAD_V6_PREFIX:
        return "IPv6 prefix";
    case LOAD_V4_ADDR | LOAD_V6_ADDR:
        return "IPv4 or IPv6 address";
    case LOAD_V4_PREFIX | LOAD_V6_PREFIX:
        return "IPv4 or IPv6 prefix (address/length)";
    }
    return "address";
}

/*
 * libyang rejects a bad value of an ietf-inet-types leaf by quoting the type's regular
 * expression (an IPv6 address in an IPv4 leaf printed a 150-character IPv4 pattern).
 * For such leaves, say in a sentence what the value is and what the leaf takes:
 * YANG-ADDRESS-FAMILY when it is a good address or prefix of the other family,
 * YANG-INVALID-VALUE otherwise. NULL (libyang's message stands) for any other leaf.
 */
static char *
load_address_message(struct nst_ctx *ctx, const char *spath, const char *dpath, const char *lymsg,
                     enum diag_code *code)
{
    const struct lysc_node *sn = NULL;
    const char *q1, *q2, *leaf;
    char path[512], value[128];
    unsigned want, have;
    size_t o = 0, i;
    int depth = 0;

    /* The schema path: libyang's, or the data path without its predicates. */
    if (spath) {
        snprintf(path, sizeof path, "%s", spath);
    } else if (dpath) {
        for (i = 0; dpath[i] && o + 1 < sizeof path; i++) {
            depth += dpath[i] == '[';
            if (!depth) {
                path[o++] = dpath[i];
            }
            depth -= dpath[i] == ']' && depth;
        }
        path[o] = '\0';
    } else {
        return NULL;
    }
    sn = lys_find_path(ctx->ly, NULL, path, 0);
    if (!sn || !(sn->nodetype & (LYS_LEAF | LYS_LEAFLIST))) {
        return NULL;
    }
    want = load_inet_forms(((const struct lysc_node_leaf *)sn)->type);
    q1 = lymsg ? strchr(lymsg, '"') : NULL;
    q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (!want || !q2 || (size_t)(q2 - q1 - 1) >= sizeof value) {
        return NULL;
    }
    snprintf(value, sizeof value, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
    have = load_value_form(value);
    leaf = sn->name;
    if (have && !(have & want)) {
        bool v6 = have & (LOAD_V6_ADDR | LOAD_V6_PREFIX);
        bool pfx = have & (LOAD_V4_PREFIX | LOAD_V6_PREFIX);
        bool wpfx = want & (LOAD_V4_PREFIX | LOAD_V6_PREFIX);

        /* The same kind (address, prefix) of the other family. */
        if (pfx == wpfx) {
            *code = DIAG_YANG_ADDRESS_FAMILY;
            return nst_asprintf("\"%s\" is an %s %s, but %s takes an %s %s only", value,
                                v6 ? "IPv6" : "IPv4", pfx ? "prefix" : "address", leaf,
                                v6 ? "IPv4" : "IPv6", wpfx ? "prefix" : "address");
        }
    }
    *code = DIAG_YANG_TYPE;
    return nst_asprintf("\"%s\" is not a valid %s: %s takes an %s", value,
                        want & (LOAD_V4_PREFIX | LOAD_V6_PREFIX) ? "prefix" : "address", leaf,
                        load_form_str(want));
}

/* Turn libyang's first stored error into a diagnostic. libyang stores one error per
 * failed call (later entries only summarise it), so one is reported. */
/* A JSON syntax error found by the source map's scanner (srcmap_json_syntax). */
struct json_syntax {
    uint32_t line;
    char msg[200];
};

static nst_err
ly_errors_to_diags(struct nst_ctx *ctx, const char *file, enum nst_format fmt,
                   const struct srcmap *map, const struct lyd_node *tree,
                   const struct json_syntax *syn, enum diag_code *code_out, char **path_out)
{
    const struct ly_err_item *e;
    struct diag_loc loc = {file, 0, NULL, NULL};
    enum diag_code code;
    char *dpath = NULL, *spath = NULL, *mpath = NULL, *msg = NULL;
    nst_err ret = NST_OK;

    for (e = ly_err_first(ctx->ly); e && e->level != LY_LLERR; e = e->next) {
    }
    if (!e) {
        ret = diag_add(ctx, DIAG_YANG_OTHER, &loc, "the instance does not validate");
        return ret ? ret : NST_EINPUT;
    }
    code = classify(e, fmt);
    dpath = ly_location(e->path, "Data location");
    spath = ly_location(e->path, "Schema location");
    loc.path = dpath ? dpath : spath;
    if (code == DIAG_YANG_MANDATORY && !dpath && spath && tree) {
        /* Name the entry that lacks the node, so the line points at it. */
        mpath = mandatory_data_path(tree, spath);
        if (mpath) {
            loc.path = mpath;
        }
    }
    loc.line = ly_line(e);
    if (!loc.line && map && loc.path && loc.path[0] == '/') {
        loc.line = srcmap_find(map, loc.path);
    }
    /* libyang's JSON parser counts the line after reading past the value (the next
     * member's line, or a closing bracket's): the map knows the value's own line. */
    if (fmt == NST_FORMAT_JSON && map && dpath &&
        (code == DIAG_YANG_TYPE || code == DIAG_YANG_OTHER) && srcmap_find_exact(map, dpath)) {
        loc.line = srcmap_find_exact(map, dpath);
    }
    if (syn) {
        /* The scanner's line and sentence; libyang's entry path only where both agree
         * on the line, so the path never names an entry the line does not hold. */
        code = DIAG_JSON_SYNTAX;
        if (loc.line != syn->line) {
            loc.path = NULL;
        }
        loc.line = syn->line;
    }
    msg = !syn && code == DIAG_YANG_TYPE
              ? load_address_message(ctx, spath, dpath, e->msg, &code)
              : NULL;
    if (!msg) {
        msg = nst_strdup(syn ? syn->msg : e->msg ? e->msg : "invalid input");
    }
    if (!msg) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    tidy_message(msg);
    ret = diag_add(ctx, code, &loc, msg);
    if (!ret && code_out) {
        *code_out = code;
    }
    if (!ret && path_out && dpath) {
        *path_out = dpath;
        dpath = NULL;
    }

cleanup:
    nst_free(msg);
    nst_free(dpath);
    nst_free(spath);
    free(mpath);
    return ret ? ret : NST_EINPUT;
}

/* Upper bound on validation errors reported from one input. */
#define LOAD_MAX_VALIDATION_ERRORS 100

/*
 * Validate, reporting every validation error rather than libyang's first: after each
 * error whose node can be set aside without hiding others (a bad reference, a failed
 * when or must, a duplicate), that node is removed from the tree and validation runs
 * again. The tree is then no longer the input, which is fine: the load fails and the
 * semantic checks never see it. Parse-level errors (syntax, types) stop at the first,
 * because libyang's parser does.
 */
static nst_err
validate_all_errors(struct nst_ctx *ctx, const char *file, enum nst_format fmt,
                    const struct srcmap *map, struct lyd_node **tree, int *complete)
{
    int i, j, nremoved = 0, failed = 0, ours;
    nst_err ret = NST_OK;
    char *removed[LOAD_MAX_VALIDATION_ERRORS];

    for (i = 0; i < LOAD_MAX_VALIDATION_ERRORS; i++) {
        enum diag_code code = DIAG_YANG_OTHER;
        char *path = NULL;
        struct lyd_node *bad = NULL;

        ly_err_clean(ctx->ly, NULL);
        if (lyd_validate_all(tree, ctx->ly, LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, NULL) ==
            LY_SUCCESS) {
            *complete = 1;  /* every error found, or none */
            break;
        }
        failed = 1;
        ret = ly_errors_to_diags(ctx, file, fmt, map, *tree, NULL, &code, &path);
        if (ret == NST_ENOMEM) {
            nst_free(path);
            break;
        }
        ret = NST_OK;
        /* Once a node has been set aside, a missing mandatory node may be our doing
         * (a removed mandatory leaf): drop it and stop there. */
        ours = code == DIAG_YANG_MANDATORY && nremoved > 0 && ctx->ndiags > 0;
        if (ours) {
            /* Our own removal of a mandatory leaf caused this one: not the input's. */
            struct nst_diag *d = &ctx->diags[--ctx->ndiags];

            nst_free(d->message);
            nst_free(d->path);
            nst_free(d->file);
            nst_free(d->device);
            nst_free(path);
            /* libyang checks mandatory nodes after every reference: all were seen. */
            *complete = 1;
            break;
        }
        if (path && (code == DIAG_YANG_LEAFREF || code == DIAG_YANG_CONSTRAINT)) {
            lyd_find_path(*tree, path, 0, &bad);
        }
        nst_free(path);
        /* Only leaves are set aside: removing a list entry or container would turn
         * every reference to it into a further, derived error. */
        if (!bad || !bad->parent || !bad->schema ||
            !(bad->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST))) {
            break;  /* nothing to set aside: the first error stands alone */
        }
        removed[nremoved] = lyd_path(lyd_parent(bad), LYD_PATH_STD, NULL, 0);
        if (!removed[nremoved]) {
            ret = NST_ENOMEM;
            break;
        }
        nremoved++;
        lyd_free_tree(bad);
    }
    for (j = 0; j < nremoved; j++) {
        free(removed[j]);
    }
    if (ret) {
        return ret;
    }
    return failed ? NST_EINPUT : NST_OK;
}

/* What libyang would say of a port reference it could not resolve (ctx.c). */
#define LOAD_PORT_REF_TARGET \
    "/nsi:intercloud/nsi:device[nsi:name = current()/../device]/nsi:port/nsi:name"
/* ... and of the device and segment references ctx.c takes out of its hands too: the
 * paths as the model writes them, for a segment end, a BGP session (its device and its
 * peer's) or a stitch, a VPLS member, a hop. */
#define LOAD_END_DEVICE_TARGET "/nsi:intercloud/nsi:device/nsi:name"
#define LOAD_BGP_DEVICE_TARGET "../../../device/name"
#define LOAD_MEMBER_DEVICE_TARGET "../../../../device/name"
#define LOAD_HOP_SEGMENT_TARGET "../../../segment/name"

/* The child leaf @name of @parent, or NULL. */
static const struct lyd_node *
load_child(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *c;

    LY_LIST_FOR(lyd_child(parent), c) {
        if (!strcmp(ly_node_name(c), name)) {
            return c;
        }
    }
    return NULL;
}

/* The entries of one list (devices, segments) by name, sorted, for the references the
 * loader checks: a binary search each (lyd_find_sibling_val() parses a predicate per
 * call, 4 000 instructions). */
struct load_index {
    struct load_name {
        const char *name;
        const struct lyd_node *node;
    } * v;
    size_t n;
};

static int
load_name_cmp(const void *a, const void *b)
{
    return strcmp(((const struct load_name *)a)->name, ((const struct load_name *)b)->name);
}

/* Every entry of the list whose instances include @first (the key is an entry's first
 * child). */
static nst_err
load_index_build(const struct lyd_node *first, struct load_index *ix)
{
    const struct lyd_node *n;
    size_t cnt = 0;

    ix->v = NULL;
    ix->n = 0;
    if (!first) {
        return NST_OK;
    }
    LY_LIST_FOR(first, n)
    {
        cnt += n->schema == first->schema;
    }
    ix->v = nst_calloc(cnt ? cnt : 1, sizeof *ix->v);
    if (!ix->v) {
        return NST_ENOMEM;
    }
    LY_LIST_FOR(first, n)
    {
        if (n->schema == first->schema && lyd_child(n)) {
            ix->v[ix->n].name = lyd_get_value(lyd_child(n));
            ix->v[ix->n].node = n;
            ix->n++;
        }
    }
    qsort(ix->v, ix->n, sizeof *ix->v, load_name_cmp);
    return NST_OK;
}

static const struct lyd_node *
load_index_find(const struct load_index *ix, const char *name)
{
    struct load_name key = {name, NULL};
    const struct load_name *hit;

    if (!ix->n || !name) {
        return NULL;
    }
    hit = bsearch(&key, ix->v, ix->n, sizeof *ix->v, load_name_cmp);
    return hit ? hit->node : NULL;
}

/* Report @leaf as a reference libyang would not have resolved, with libyang's message
 * (@target: the leafref's path as the model writes it). */
static nst_err
load_bad_ref(struct nst_ctx *ctx, const char *file, const struct srcmap *map,
             const struct lyd_node *leaf, const char *target)
{
    struct diag_loc loc = {file, 0, NULL, NULL};
    char *path = lyd_path(leaf, LYD_PATH_STD, NULL, 0);
    char *msg = nst_asprintf("Invalid leafref value \"%s\" - no target instance \"%s\" with the "
                             "same value.",
                             lyd_get_value(leaf), target);
    nst_err ret = NST_ENOMEM;

    if (path && msg) {
        tidy_message(msg);
        loc.path = path;
        loc.line = map ? srcmap_find(map, path) : 0;
        ret = diag_add(ctx, DIAG_YANG_LEAFREF, &loc, msg);
    }
    free(path);
    nst_free(msg);
    return ret;
}

/* The reference @name of @holder (a child leaf), if present, to an entry of the list
 * indexed in @ix: reported when there is none (only *@bad set without @ctx). */
static nst_err
load_check_name_ref(struct nst_ctx *ctx, const char *file, const struct srcmap *map,
                    const struct load_index *ix, const struct lyd_node *holder, const char *name,
                    const char *target, int *bad)
{
    const struct lyd_node *leaf = load_child(holder, name);

    if (!leaf || load_index_find(ix, lyd_get_value(leaf))) {
        return NST_OK;
    }
    *bad = 1;
    return ctx ? load_bad_ref(ctx, file, map, leaf, target) : NST_OK;
}

/* Every device's ports, as (device name, port name), sorted: a binary search per port
 * reference (a predicate search under the device was 12 000 instructions a reference). */
struct load_port_index {
    struct load_port {
        const char *dev, *port;
    } * v;
    size_t n;
};

static int
load_port_cmp(const void *a, const void *b)
{
    const struct load_port *x = a, *y = b;
    int c = strcmp(x->dev, y->dev);

    return c ? c : strcmp(x->port, y->port);
}

/* The ports of every device in @devs (sorted by name, load_index_build()). */
static nst_err
load_port_index_build(const struct load_index *devs, struct load_port_index *px)
{
    const struct lysc_node *plist;
    const struct lyd_node *p;
    size_t i, cnt = 0;

    px->v = NULL;
    px->n = 0;
    for (i = 0; i < devs->n; i++) {
        LY_LIST_FOR(lyd_child(devs->v[i].node), p)
        {
            cnt++;
        }
    }
    px->v = nst_calloc(cnt ? cnt : 1, sizeof *px->v);
    if (!px->v) {
        return NST_ENOMEM;
    }
    for (i = 0; i < devs->n; i++) {
        const struct lyd_node *dev = devs->v[i].node;

        plist = lys_find_child(dev->schema, dev->schema->module, "port", 0, LYS_LIST, 0);
        LY_LIST_FOR(lyd_child(dev), p)
        {
            if (plist && p->schema == plist && lyd_child(p)) {
                px->v[px->n].dev = devs->v[i].name;
                px->v[px->n].port = lyd_get_value(lyd_child(p));
                px->n++;
            }
        }
    }
    qsort(px->v, px->n, sizeof *px->v, load_port_cmp);
    return NST_OK;
}

static bool
load_port_exists(const struct load_port_index *px, const char *dev, const char *port)
{
    struct load_port key = {dev, port};

    return px->n && dev && port &&
           bsearch(&key, px->v, px->n, sizeof *px->v, load_port_cmp) != NULL;
}

static nst_err
load_check_port_ref(struct nst_ctx *ctx, const char *file, const struct srcmap *map,
                    const struct load_index *devs, const struct load_port_index *ports,
                    const struct lyd_node *holder, int *bad)
{
    const struct lyd_node *dleaf = load_child(holder, "device");
    const struct lyd_node *pleaf = load_child(holder, "port");
    const struct lyd_node *dev;
    struct diag_loc loc = {file, 0, NULL, NULL};
    char *path, *msg;
    nst_err ret;

    if (!pleaf) {
        return NST_OK;
    }
    /* No device leaf: validation set it aside as a bad reference (it is mandatory, and
     * only runs that saw every reference get here), so the port resolves to nothing,
     * as libyang's predicate would have found. */
    dev = dleaf ? load_index_find(devs, lyd_get_value(dleaf)) : NULL;
    if (dev && load_port_exists(ports, lyd_get_value(dleaf), lyd_get_value(pleaf))) {
        return NST_OK;
    }
    *bad = 1;
    if (!ctx) {
        return NST_OK;
    }
    path = lyd_path(pleaf, LYD_PATH_STD, NULL, 0);
    msg = nst_asprintf("Invalid leafref value \"%s\" - no target instance \"%s\" with the same "
                       "value.",
                       lyd_get_value(pleaf), LOAD_PORT_REF_TARGET);
    if (!path || !msg) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    tidy_message(msg);
    loc.path = path;
    loc.line = map ? srcmap_find(map, path) : 0;
    ret = diag_add(ctx, DIAG_YANG_LEAFREF, &loc, msg);

cleanup:
    free(path);
    nst_free(msg);
    return ret;
}

/*
 * The references libyang no longer checks (ctx.c): segment ends, VPLS members and BGP
 * sessions each name a device and one of its ports, a BGP session may name its peer
 * device, a stitch names a device, a hop names a segment. A binary search or two
 * each, so n log n in the service; every bad one is reported (without @ctx only
 * NST_EINPUT says there is one: the fast path's thread, load_fast_check_run()).
 */
static nst_err
load_check_port_refs(struct nst_ctx *ctx, const char *file, const struct srcmap *map,
                     const struct lyd_node *tree)
{
    const struct lyd_node *top = NULL, *n, *c, *m, *devs = NULL, *segs = NULL;
    struct load_index dix = {NULL, 0}, six = {NULL, 0};
    struct load_port_index pix = {NULL, 0};
    int bad = 0;
    nst_err ret = NST_OK;

    LY_LIST_FOR(tree, n)
    {
        if (n->schema && !strcmp(ly_node_name(n), "intercloud")) {
            top = n;
        }
    }
    LY_LIST_FOR(lyd_child(top), n)
    {
        if (!devs && !strcmp(ly_node_name(n), "device")) {
            devs = n;
        } else if (!segs && !strcmp(ly_node_name(n), "segment")) {
            segs = n;
        }
    }
    ret = load_index_build(devs, &dix);
    if (!ret) {
        ret = load_index_build(segs, &six);
    }
    if (!ret) {
        ret = load_port_index_build(&dix, &pix);
    }
    if (ret) {
        goto cleanup;
    }
    /* A holder's device before its port: libyang checked the device (and set a bad one
     * aside, so that its port resolved to nothing) before the loader checked the port. */
    LY_LIST_FOR(lyd_child(top), n)
    {
        const char *what = ly_node_name(n);

        if (!strcmp(what, "segment")) {
            LY_LIST_FOR(lyd_child(n), c)
            {
                if (!ret && (!strcmp(ly_node_name(c), "a") || !strcmp(ly_node_name(c), "b"))) {
                    ret = load_check_name_ref(ctx, file, map, &dix, c, "device",
                                              LOAD_END_DEVICE_TARGET, &bad);
                    ret = ret ? ret : load_check_port_ref(ctx, file, map, &dix, &pix, c, &bad);
                }
            }
        } else if (!strcmp(what, "connection")) {
            LY_LIST_FOR(lyd_child(n), c)
            {
                if (!strcmp(ly_node_name(c), "hop") && !ret) {
                    ret = load_check_name_ref(ctx, file, map, &six, c, "segment",
                                              LOAD_HOP_SEGMENT_TARGET, &bad);
                } else if (!strcmp(ly_node_name(c), "stitch") && !ret) {
                    ret = load_check_name_ref(ctx, file, map, &dix, c, "device",
                                              LOAD_BGP_DEVICE_TARGET, &bad);
                } else if (!strcmp(ly_node_name(c), "bgp-session") && !ret) {
                    ret = load_check_name_ref(ctx, file, map, &dix, c, "device",
                                              LOAD_BGP_DEVICE_TARGET, &bad);
                    ret = ret ? ret : load_check_port_ref(ctx, file, map, &dix, &pix, c, &bad);
                    ret = ret ? ret
                              : load_check_name_ref(ctx, file, map, &dix, c, "peer-device",
                                                    LOAD_BGP_DEVICE_TARGET, &bad);
                } else if (!strcmp(ly_node_name(c), "vpls")) {
                    LY_LIST_FOR(lyd_child(c), m)
                    {
                        if (!strcmp(ly_node_name(m), "member") && !ret) {
                            ret = load_check_name_ref(ctx, file, map, &dix, m, "device",
                                                      LOAD_MEMBER_DEVICE_TARGET, &bad);
                            ret = ret ? ret
                                      : load_check_port_ref(ctx, file, map, &dix, &pix, m, &bad);
                        }
                    }
                }
            }
        }
        if (ret) {
            goto cleanup;
        }
    }
    ret = bad ? NST_EINPUT : NST_OK;

cleanup:
    nst_free(dix.v);
    nst_free(six.v);
    nst_free(pix.v);
    return ret;
}

/* A child leaf or leaf-list entry @c of the service model's own module named @name? */
static bool
load_is(const struct lyd_node *c, const struct lys_module *mod, const char *name)
{
    return c->schema && c->schema->module == mod && !strcmp(c->schema->name, name);
}

/* Does one of @conn's hops have the number @leaf holds? */
static bool
load_hop_exists(const struct lyd_node *conn, const struct lys_module *mod,
                const struct lyd_node *leaf)
{
    const struct lyd_node *h;

    LY_LIST_FOR(lyd_child(conn), h)
    {
        if (load_is(h, mod, "hop") && lyd_child(h) && load_is(lyd_child(h), mod, "seq") &&
            !strcmp(lyd_get_value(lyd_child(h)), lyd_get_value(leaf))) {
            return true;
        }
    }
    return false;
}

/* The name typedef of netstitch-intercloud, by hand: length "1..63", pattern
 * '[A-Za-z0-9][A-Za-z0-9._:/-]*' (ASCII only, so bytes are characters; anything else
 * fails the pattern too). */
static bool
load_name_ok(const char *v)
{
    size_t i;

    if (!v || !v[0] ||
        !((v[0] >= 'A' && v[0] <= 'Z') || (v[0] >= 'a' && v[0] <= 'z') ||
          (v[0] >= '0' && v[0] <= '9'))) {
        return false;
    }
    for (i = 1; v[i]; i++) {
        char c = v[i];

        if (i >= 63 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || strchr("._:/-", c))) {
            return false;
        }
    }
    return true;
}

/*
 * What the fast context leaves to the loader (ctx.c), for the fast path: the siblings'
 * order (the tree was parsed with LYD_PARSE_ORDERED), every name the name typedef's
 * pattern would have checked, and the site and hop-number references (a device's site, a
 * segment's owner and external ends, a connection's endpoints, a BGP session's peer
 * site, a stitch's hops). True when all are right; nothing is recorded (a false makes the
 * load start again where libyang checks them).
 */
static nst_err
load_fast_refs_ok(const struct lyd_node *tree, bool *ok)
{
    const struct lyd_node *top = NULL, *n, *c, *e, *sites = NULL;
    struct lyd_node *start, *elem; /* libyang's DFS macros take non-const nodes */
    const struct lys_module *mod;
    struct load_index six = {NULL, 0};
    bool good = true;
    nst_err ret;

    *ok = false;
    if (tree && tree->next) {
        return NST_OK; /* top-level order is by module as well: not checked, not fast */
    }
    LY_LIST_FOR(tree, n)
    {
        if (n->schema && !strcmp(ly_node_name(n), "intercloud")) {
            top = n;
        }
        start = (struct lyd_node *)(uintptr_t)n;
        LYD_TREE_DFS_BEGIN(start, elem)
        {
            const struct ctx_snode *info = elem->schema ? elem->schema->priv : NULL;
            const struct lyd_node *ch;
            const struct ctx_snode *prev = NULL, *ci;

            /* Parsed with LYD_PARSE_ORDERED: libyang's tree when the input's siblings
             * were in schema order, so they must be (ctx.c, ctx_fast_mark()). */
            if (!info || (info->name && !load_name_ok(lyd_get_value(elem)))) {
                return NST_OK;
            }
            LY_LIST_FOR(lyd_child(elem), ch)
            {
                ci = ch->schema ? ch->schema->priv : NULL;
                if (!ci || (prev && ci->pos < prev->pos)) {
                    return NST_OK;
                }
                prev = ci;
            }
            LYD_TREE_DFS_END(start, elem);
        }
    }
    if (!top) {
        *ok = true;
        return NST_OK;
    }
    mod = top->schema->module;
    LY_LIST_FOR(lyd_child(top), n)
    {
        if (load_is(n, mod, "site")) {
            sites = n;
            break;
        }
    }
    ret = load_index_build(sites, &six);
    if (ret) {
        return ret;
    }
#define LOAD_SITE_OK(leaf) (good = good && load_index_find(&six, lyd_get_value(leaf)) != NULL)
    LY_LIST_FOR(lyd_child(top), n)
    {
        if (!good) {
            break;
        }
        LY_LIST_FOR(lyd_child(n), c)
        {
            if (load_is(n, mod, "device") && load_is(c, mod, "site")) {
                LOAD_SITE_OK(c);
            } else if (load_is(n, mod, "segment") && load_is(c, mod, "owner")) {
                LOAD_SITE_OK(c);
            } else if (load_is(n, mod, "segment") &&
                       (load_is(c, mod, "a") || load_is(c, mod, "b"))) {
                LY_LIST_FOR(lyd_child(c), e)
                {
                    if (load_is(e, mod, "site")) {
                        LOAD_SITE_OK(e);
                    }
                }
            } else if (load_is(n, mod, "connection") && load_is(c, mod, "endpoint")) {
                LOAD_SITE_OK(c);
            } else if (load_is(n, mod, "connection") && load_is(c, mod, "bgp-session")) {
                LY_LIST_FOR(lyd_child(c), e)
                {
                    if (load_is(e, mod, "peer-site")) {
                        LOAD_SITE_OK(e);
                    }
                }
            } else if (load_is(n, mod, "connection") && load_is(c, mod, "stitch")) {
                LY_LIST_FOR(lyd_child(c), e)
                {
                    if (load_is(e, mod, "from-hop") || load_is(e, mod, "to-hop")) {
                        good = good && load_hop_exists(n, mod, e);
                    }
                }
            }
        }
    }
#undef LOAD_SITE_OK
    nst_free(six.v);
    *ok = good;
    return NST_OK;
}

/*
 * The source map of the input (srcmap.c), built while libyang parses the same text: both
 * only read the context (libyang allows that from several threads, libyang.h "Threading
 * Limitations"; the type plugins the map stores values with share the context's
 * dictionary, which has a lock) and each parses with a parser of its own. At 100 routers
 * the map is about a fifth of the load (docs/PERFORMANCE.md, round 4: the compile). The thread is
 * not used while the allocation test hook is (alloc.h), nor when it cannot be created.
 */
struct load_map {
    const char *data;
    size_t len;
    const struct ly_ctx *ly;
    enum nst_format format;
    struct srcmap *map; /* the result, or NULL */
    nst_err ret;
    bool has_syn; /* JSON: a syntax error, where and what in syn */
    struct json_syntax syn;
    pthread_t tid;
};

static void *
load_map_run(void *arg)
{
    struct load_map *lm = arg;

    ctx_ly_quiet();
    if (lm->format == NST_FORMAT_XML) {
        lm->ret = srcmap_build_xml(lm->data, lm->len, lm->ly, &lm->map);
    } else {
        lm->ret = srcmap_build_json(lm->data, lm->len, lm->ly, &lm->map);
        /* Malformed JSON: the scanner says where and what (libyang's line can be a line
         * or two late, and a truncated document can even parse). */
        lm->has_syn = lm->ret == NST_EINPUT && srcmap_json_syntax(lm->data, lm->len, &lm->syn.line,
                                                                  lm->syn.msg, sizeof lm->syn.msg);
    }
    return NULL;
}

/* Start building @lm's map: true when on a thread of its own, false when it was built
 * here already. */
static bool
load_map_start(struct load_map *lm)
{
    if (!nst_alloc_hooked()) {
        xmlInitParser(); /* before another thread parses (libxml2's threads notes) */
        if (!pthread_create(&lm->tid, NULL, load_map_run, lm)) {
            return true;
        }
    }
    load_map_run(lm);
    return false;
}

/* load_fast_refs_ok() of a validated tree, on a thread of its own (load_attempt()). */
struct load_fast_check {
    const struct lyd_node *tree;
    bool ok;
    bool ports;     /* also the port references (ctx->port_refs_deviated) */
    bool ports_bad; /* one of them does not resolve: the caller reports them */
    nst_err ret;
    pthread_t tid;
};

static void *
load_fast_check_run(void *arg)
{
    struct load_fast_check *fc = arg;
    nst_err r;

    fc->ret = load_fast_refs_ok(fc->tree, &fc->ok);
    if (!fc->ret && fc->ok && fc->ports) {
        /* Without a context nothing is recorded: only whether one is bad. */
        r = load_check_port_refs(NULL, NULL, NULL, fc->tree);
        fc->ports_bad = r == NST_EINPUT;
        fc->ret = r == NST_ENOMEM ? r : NST_OK;
    }
    return NULL;
}

/* Start @fc: true when on a thread of its own, false when done here already (the
 * allocation test hook is in use, or no thread). */
static bool
load_fast_check_start(struct load_fast_check *fc)
{
    if (!nst_alloc_hooked() && !pthread_create(&fc->tid, NULL, load_fast_check_run, fc)) {
        return true;
    }
    load_fast_check_run(fc);
    return false;
}

static void
load_fast_check_join(struct load_fast_check *fc, bool started)
{
    if (started) {
        pthread_join(fc->tid, NULL);
    }
}

/* Whether @tree is one service (a single top-level intercloud), for which model_build()
 * records nothing and may run beside load_fast_refs_ok(). */
static bool
load_fast_early(const struct lyd_node *tree)
{
    return tree && !tree->next && tree->schema && !strcmp(ly_node_name(tree), "intercloud");
}

/* Wait for @lm's map; its status: NST_OK, NST_ENOMEM, NST_EINPUT (malformed text: only
 * line numbers are lost, libyang reports the error). */
static nst_err
load_map_join(struct load_map *lm, bool started)
{
    if (started) {
        pthread_join(lm->tid, NULL);
    }
    return lm->ret;
}

/*
 * Two contexts. The service is first loaded in the context whose site references are
 * plain names (ctx.c's site deviation: libyang's leafref check of them compares each with
 * every site, a third of the validation at 100 routers), and the loader checks those
 * references with a binary search each; a service that parses, validates and has every
 * reference right is loaded then and there (the fast path). At the first sign of any
 * error (a parse or validation error, a reference that does not resolve) nothing is
 * recorded: the load starts again in the context that has the site leafrefs
 * (ctx_ly_exact()), so that libyang finds and orders the errors exactly as it always did
 * (it stops at its first; validate_all_errors() sets aside one reference at a time, and
 * which error comes first depends on which references libyang checks). Both contexts have
 * the same modules: a service loads in one exactly when it loads in the other.
 */
enum load_how {
    LOAD_FAST,    /* the site references by the loader; any error: *retry */
    LOAD_EXACT,   /* in ctx_ly_exact(), or a context without the fast deviation */
    LOAD_TRUSTED, /* the exact context loaded it: the site references are right */
};

static nst_err
load_attempt(struct nst_ctx *ctx, const char *data, size_t len, enum nst_format format,
             const char *name, enum load_how how, bool *retry, struct nst_service **out)
{
    bool fast = how == LOAD_FAST;
    struct nst_service *svc = NULL;
    struct srcmap *map = NULL;
    struct json_syntax syn = {0, ""};
    bool has_syn = false, sites_ok = true;
    struct diag_loc loc = {name, 0, NULL, NULL};
    LYD_FORMAT lyfmt;
    struct ly_in *in = NULL;
    nst_err ret = NST_OK;
    LY_ERR lr;
    int complete = 0;
    struct load_map lm;
    struct load_fast_check fc = {NULL, false, false, false, NST_OK, 0};
    bool lm_started = false, fc_started = false, built = false;

    memset(&lm, 0, sizeof lm);
    *retry = false;
    ly_err_clean(ctx->ly, NULL);
    svc = nst_calloc(1, sizeof *svc);
    if (!svc) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    svc->ctx = ctx;
    arena_init(&svc->arena);
    svc->file = nst_strdup(name);
    if (!svc->file) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    /* The line map, which libyang's own errors need too, is built on a thread of its
     * own while libyang parses (load_map_start()); joined before its first use. */
    lm.data = data;
    lm.len = len;
    lm.ly = ctx->ly;
    lm.format = format;
    lm_started = load_map_start(&lm);
    lyfmt = format == NST_FORMAT_XML ? LYD_XML : LYD_JSON;
    /* ly_in wants a NUL-terminated buffer; callers may pass a slice, and data[len] may
     * not even be readable (a fuzzer's exact-size buffer, a mapped file ending at a page
     * boundary), so the text is always copied. */
    svc->text = nst_strndup(data, len);
    if (!svc->text || ly_in_new_memory(svc->text, &in) != LY_SUCCESS) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    /* Parse, then validate apart, so that a validation failure leaves the tree in
     * place for locating the offending entry. The fast path has nothing to locate (any
     * error starts again in the exact context): it lets the parser validate, which
     * collects what the validation needs as it goes and adds default nodes while each
     * entry is still in the cache, instead of a second walk over the whole tree (40 M
     * instructions at 100 routers). */
    lr = lyd_parse_data(ctx->ly, NULL, in, lyfmt,
                        LYD_PARSE_STRICT | LYD_PARSE_NO_STATE |
                            (fast ? LYD_PARSE_ORDERED : LYD_PARSE_ONLY),
                        fast ? LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE : 0, &svc->tree);
    /* The tree holds copies of every value: the text is not needed any more (it is as
     * big as the input, 13 MB at 1000 routers, and the compile's peak comes later). */
    ly_in_free(in, 0);
    in = NULL;
    nst_free(svc->text);
    svc->text = NULL;
    if (fast) {
        /* Validated by the parser; what the fast context leaves to the loader needs no
         * map (nothing is recorded on the fast path): the map has until the model to
         * finish. On any error the exact context reports (see above). */
        if (lr != LY_SUCCESS) {
            *retry = true;
            ret = NST_EINPUT;
            goto cleanup;
        }
        complete = 1;
    }
    ret = load_map_join(&lm, lm_started);
    lm_started = false;
    map = lm.map;
    lm.map = NULL;
    has_syn = lm.has_syn;
    syn = lm.syn;
    if (ret == NST_ENOMEM) {
        goto cleanup;
    }
    ret = NST_OK;
    if (fast && has_syn) {
        *retry = true; /* nothing recorded: the exact context reports it */
        ret = NST_EINPUT;
        goto cleanup;
    }
    if (has_syn && lr == LY_SUCCESS) {
        /* libyang took a truncated document ({"...:intercloud": and nothing else) as an
         * empty tree, which would read as "no service" (issue 11). */
        loc.line = syn.line;
        ret = diag_add(ctx, DIAG_JSON_SYNTAX, &loc, syn.msg) ? NST_ENOMEM : NST_EINPUT;
        goto cleanup;
    }
    if (lr != LY_SUCCESS) {
        ret = ly_errors_to_diags(ctx, name, format, map, svc->tree, has_syn ? &syn : NULL, NULL,
                                 NULL);
        goto cleanup;
    }
    if (!fast) {
        ret = validate_all_errors(ctx, name, format, map, &svc->tree, &complete);
    } else if (load_fast_early(svc->tree)) {
        /* What the fast context left to the loader (load_fast_refs_ok()) on a thread of
         * its own while the model is built: both only read the validated tree, and
         * neither records anything (a tree with a service: model_build() records only
         * its absence). The port references (which record) wait for the verdict. */
        fc.tree = svc->tree;
        fc.ports = ctx->port_refs_deviated;
        fc_started = load_fast_check_start(&fc);
        ret = model_build(ctx, svc->tree, map, name, &svc->arena, &svc->model);
        load_fast_check_join(&fc, fc_started);
        fc_started = false;
        built = true;
        if (fc.ret) {
            ret = fc.ret; /* out of memory */
            goto cleanup;
        }
        if (!fc.ok) {
            *retry = true; /* the model goes with the service */
            ret = NST_EINPUT;
            goto cleanup;
        }
        if (ret) {
            goto cleanup;
        }
    } else {
        ret = load_fast_refs_ok(svc->tree, &sites_ok);
        if (ret) {
            goto cleanup;
        }
        if (!sites_ok) {
            *retry = true;
            ret = NST_EINPUT;
            goto cleanup;
        }
    }
    /* The port references, as libyang would have checked them in that loop: not after
     * an error that stands alone (a duplicate entry makes a reference ambiguous). On the
     * fast path's thread they were checked already: reported here when one is bad. */
    if (ret != NST_ENOMEM && complete && ctx->port_refs_deviated && (!built || fc.ports_bad)) {
        nst_err r = load_check_port_refs(ctx, name, map, svc->tree);

        ret = ret && r != NST_ENOMEM ? ret : r;
    }
    if (ret) {
        goto cleanup;
    }
    if (!built) {
        ret = model_build(ctx, svc->tree, map, name, &svc->arena, &svc->model);
    }

cleanup:
    if (fc_started) {
        load_fast_check_join(&fc, fc_started);
    }
    /* A map built here or on its thread that was not taken yet (an early failure). */
    if (lm_started) {
        load_map_join(&lm, lm_started);
    }
    srcmap_free(lm.map);
    ly_in_free(in, 0);
    srcmap_free(map);
    ly_err_clean(ctx->ly, NULL);
    if (ret) {
        nst_service_free(svc);
        return ret;
    }
    *out = svc;
    return NST_OK;
}

NST_API nst_err
nst_service_load_mem(struct nst_ctx *ctx, const char *data, size_t len, enum nst_format format,
                     const char *name, struct nst_service **out)
{
    struct diag_loc loc = {name, 0, NULL, NULL};
    struct ly_ctx *fast_ly, *exact;
    bool retry = false;
    nst_err ret;

    if (!ctx || !data || !out) {
        return NST_EINVAL;
    }
    if (!name) {
        name = "<input>";
        loc.file = name;
    }
    if (format == NST_FORMAT_AUTO) {
        format = guess_format(name, data, len);
    }
    if (format == NST_FORMAT_AUTO) {
        return diag_add(ctx, DIAG_INPUT_FORMAT, &loc, name) ? NST_ENOMEM : NST_EINPUT;
    }
    ctx_ly_quiet();
    ret = load_attempt(ctx, data, len, format, name,
                       ctx->site_refs_deviated ? LOAD_FAST : LOAD_EXACT, &retry, out);
    if (retry) {
        /* Something is wrong: again where libyang checks every reference (see above). */
        exact = ctx_ly_exact(ctx);
        if (!exact) {
            /* The models loaded a moment ago: only memory can be missing. */
            ctx_ly_restore();
            return NST_ENOMEM;
        }
        fast_ly = ctx->ly;
        ctx->ly = exact;
        ret = load_attempt(ctx, data, len, format, name, LOAD_EXACT, &retry, out);
        ctx->ly = fast_ly;
        if (!ret) {
            /* Not expected (the fast path refuses only what libyang refuses), but then
             * the service is right: loaded again in the context the rest uses. */
            nst_service_free(*out);
            *out = NULL;
            ret = load_attempt(ctx, data, len, format, name, LOAD_TRUSTED, &retry, out);
        }
    }
    ctx_ly_restore();
    return ret;
}

NST_API nst_err
nst_service_load(struct nst_ctx *ctx, const char *path, enum nst_format format,
                 struct nst_service **out)
{
    char *data = NULL;
    size_t len = 0;
    nst_err ret;

    if (!ctx || !path || !out) {
        return NST_EINVAL;
    }
    ret = read_file(ctx, path, &data, &len);
    if (ret) {
        return ret;
    }
    ret = nst_service_load_mem(ctx, data, len, format, path, out);
    nst_free(data);
    return ret;
}

NST_API void
nst_service_free(struct nst_service *svc)
{
    if (!svc) {
        return;
    }
    lyd_free_all(svc->tree);
    arena_clear(&svc->arena);
    nst_free(svc->text);
    nst_free(svc->file);
    nst_free(svc);
}
