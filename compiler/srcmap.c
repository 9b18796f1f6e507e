/*
 * srcmap.c: the source map (see srcmap.h), data path -> input line.
 *
 * Place in the pipeline: the loader hands the text it gave libyang to
 * srcmap_build_xml() or srcmap_build_json() and keeps the result next to the data
 * tree; the checker and the diagnostics call srcmap_find(map, lyd_path(node)).
 *
 * How it works. Both builders walk their input alongside the compiled schema,
 * keeping the current path in one growing buffer (struct sm_build): entering a
 * node appends its path segment, leaving it truncates the buffer again, so a node
 * costs one segment print and one hash insert. The segment is printed the way
 * lyd_path() does it. Key and leaf-list values go through the type plugin's own
 * store callback, with the same value format and hints libyang's parsers use, and
 * the canonical form it produces is printed; that is what makes identityref
 * ("sa:x" becomes "srcmap-a:x"), decimal64, ip-prefix and union keys match.
 *
 * - XML is read with libxml2's SAX2 parser, no document built, inside a synthetic
 *   root element (libyang allows several top-level elements, XML does not); the start
 *   of every element gives the line of its '<' (libxml2's own line is that of the
 *   start tag's '>'). A stack of open elements stands for the DOM: see "XML" below.
 * - JSON has no reusable parser in libyang, so a small scanner builds a flat array
 *   of values (struct sm_jnode) with lines; the walk then resolves member names.
 *
 * The table (struct srcmap) is open addressing over 64-bit FNV-1a hashes of the
 * paths; an entry is the hash, the path's length and the line (16 bytes), not the
 * path: the paths of a 1000-router service take 40 MB, and two distinct paths of one
 * length with one 64-bit hash (odds about n^2 / 2^65, 10^-8 for half a million paths)
 * would at worst give one diagnostic the other's line. Building is O(total path
 * length) and a lookup is O(path length).
 *
 * What it deliberately does not do: validate. Unknown nodes, wrong value kinds and
 * missing keys are skipped silently; libyang reports them.
 */
#include "srcmap.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libyang/libyang.h>
#include <libyang/plugins_types.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "util.h"

/* ---------------------------------------------------------------- the table */

struct sm_entry {
    uint64_t hash;
    uint32_t len;           /* of the path */
    uint32_t line : 30;     /* 1-based; the input is at most 32 MiB */
    uint32_t used : 1;      /* 0 marks a free slot */
    uint32_t host_bits : 1; /* an IP prefix value written with bits set past its length */
};

/* One block of the string arena; blocks are never moved, so pointers stay valid. */
struct sm_block {
    struct sm_block *next;
    size_t used, cap;
    char data[];
};

struct srcmap {
    struct sm_entry *slots; /* capacity is a power of two, kept at most half full */
    size_t cap, count;
};

#define SM_BLOCK_SIZE (64 * 1024)
#define SM_MIN_SLOTS 64

/* Copy @n bytes into the arena; NULL when out of memory. */
static char *
sm_arena_dup(struct sm_block **blocks, const char *s, size_t n)
{
    struct sm_block *b = *blocks;
    size_t cap;
    char *r;

    if (!b || b->cap - b->used < n + 1) {
        cap = n + 1 > SM_BLOCK_SIZE ? n + 1 : SM_BLOCK_SIZE;
        b = nst_malloc(sizeof *b + cap);
        if (!b) {
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        /* A block bigger than the standard size is full at once; keep filling the
         * current one instead of abandoning its free space. */
        if (*blocks && cap > SM_BLOCK_SIZE) {
            b->next = (*blocks)->next;
            (*blocks)->next = b;
        } else {
            b->next = *blocks;
            *blocks = b;
        }
    }
    r = b->data + b->used;
    memcpy(r, s, n);
    r[n] = '\0';
    b->used += n + 1;
    return r;
}

static void
sm_arena_free(struct sm_block *b)
{
    struct sm_block *next;

    for (; b; b = next) {
        next = b->next;
        nst_free(b);
    }
}

static const struct sm_entry *
sm_lookup(const struct srcmap *m, const char *s, size_t n)
{
    uint64_t h;
    size_t i, mask;

    if (!m || !m->count) {
        return NULL;
    }
    h = util_fnv1a64(s, n);
    mask = m->cap - 1;
    for (i = h & mask; m->slots[i].used; i = (i + 1) & mask) {
        if (m->slots[i].hash == h && m->slots[i].len == n) {
            return &m->slots[i];
        }
    }
    return NULL;
}

static nst_err
sm_grow(struct srcmap *m)
{
    struct sm_entry *slots;
    size_t cap, i, j;

    cap = m->cap ? m->cap * 2 : SM_MIN_SLOTS;
    slots = nst_calloc(cap, sizeof *slots);
    if (!slots) {
        return NST_ENOMEM;
    }
    for (i = 0; i < m->cap; i++) {
        if (!m->slots[i].used) {
            continue;
        }
        for (j = m->slots[i].hash & (cap - 1); slots[j].used; j = (j + 1) & (cap - 1)) {
        }
        slots[j] = m->slots[i];
    }
    nst_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return NST_OK;
}

/* Record @path -> @line unless the path is already there: the first occurrence
 * wins, which is the one libyang keeps or complains about. */
static nst_err
sm_insert(struct srcmap *m, const char *path, size_t n, uint32_t line)
{
    struct sm_entry *e;
    uint64_t h;
    size_t i;
    nst_err err;

    if ((m->count + 1) * 2 > m->cap) {
        err = sm_grow(m);
        if (err) {
            return err;
        }
    }
    if (n > UINT32_MAX) {
        return NST_OK; /* a path no input of at most 32 MiB makes */
    }
    h = util_fnv1a64(path, n);
    for (i = h & (m->cap - 1); m->slots[i].used; i = (i + 1) & (m->cap - 1)) {
        e = &m->slots[i];
        if (e->hash == h && e->len == n) {
            return NST_OK;
        }
    }
    e = &m->slots[i];
    e->hash = h;
    e->len = (uint32_t)n;
    e->line = line > (1u << 30) - 1 ? (1u << 30) - 1 : line;
    e->used = 1;
    e->host_bits = 0;
    m->count++;
    return NST_OK;
}

void
srcmap_free(struct srcmap *m)
{
    if (!m) {
        return;
    }
    nst_free(m->slots);
    nst_free(m);
}

size_t
srcmap_count(const struct srcmap *m)
{
    return m ? m->count : 0;
}

uint32_t
srcmap_find_exact(const struct srcmap *m, const char *path)
{
    const struct sm_entry *e;

    if (!m || !path) {
        return 0;
    }
    e = sm_lookup(m, path, strlen(path));
    return e ? e->line : 0;
}

bool
srcmap_host_bits(const struct srcmap *m, const char *path)
{
    const struct sm_entry *e;

    if (!m || !path) {
        return false;
    }
    e = sm_lookup(m, path, strlen(path));
    return e && e->host_bits;
}

/*
 * Is @raw an IPv4 or IPv6 prefix with bits set past its length? libyang stores
 * ietf-inet-types prefixes in canonical form, host bits cleared, so the tree no
 * longer shows them: the map, which sees the text, keeps the fact (check_ip.c reports
 * it). Anything that is not a prefix is simply not one.
 */
static bool
sm_raw_host_bits(const char *raw, size_t n)
{
    unsigned char a[16];
    char buf[64];
    const char *slash;
    unsigned long len, bits, i;
    bool v6;

    if (!raw || n >= sizeof buf || !memchr(raw, '/', n)) {
        return false;
    }
    memcpy(buf, raw, n);
    buf[n] = '\0';
    slash = strchr(buf, '/');
    buf[slash - buf] = '\0';
    v6 = strchr(buf, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1) {
        return false;
    }
    len = strtoul(slash + 1, NULL, 10);
    bits = v6 ? 128 : 32;
    if (len > bits) {
        return false;
    }
    for (i = len; i < bits; i++) {
        if (a[i / 8] & (0x80u >> (i % 8))) {
            return true;
        }
    }
    return false;
}

/* Length of @path without its last segment, i.e. the offset of the last '/' that
 * is outside a predicate and outside a quoted value ('/' is common in ip-prefix
 * keys). 0 when there is no parent. Scans forward, since quotes cannot be matched
 * backward. */
static size_t
sm_parent_len(const char *path, size_t n)
{
    size_t i, last = 0;
    char quote = 0;
    int bracket = 0;

    for (i = 0; i < n; i++) {
        if (quote) {
            if (path[i] == quote) {
                quote = 0;
            }
        } else if (bracket) {
            if (path[i] == '\'' || path[i] == '"') {
                quote = path[i];
            } else if (path[i] == ']') {
                bracket = 0;
            }
        } else if (path[i] == '[') {
            bracket = 1;
        } else if (path[i] == '/') {
            last = i;
        }
    }
    return last;
}

uint32_t
srcmap_find(const struct srcmap *m, const char *path)
{
    const struct sm_entry *e;
    size_t n;

    if (!m || !path) {
        return 0;
    }
    for (n = strlen(path); n; n = sm_parent_len(path, n)) {
        e = sm_lookup(m, path, n);
        if (e) {
            return e->line;
        }
    }
    return 0;
}

/* ------------------------------------------------------- the path builder */

/* Instances seen so far of one key-less list or state leaf-list under the current
 * parent: libyang prints their 1-based position among same-schema siblings. */
struct sm_pos {
    const struct lysc_node *schema;
    uint32_t count;
};

struct sm_build {
    const struct ly_ctx *ly;
    struct srcmap *map;
    char *path; /* the current path, NUL-terminated, not counted in len */
    size_t len, cap;
};

static nst_err
sm_put(struct sm_build *b, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (b->cap - b->len < n + 1) {
        cap = b->cap ? b->cap : 256;
        while (cap - b->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                return NST_ENOMEM;
            }
            cap *= 2;
        }
        p = nst_realloc(b->path, cap);
        if (!p) {
            return NST_ENOMEM;
        }
        b->path = p;
        b->cap = cap;
    }
    memcpy(b->path + b->len, s, n);
    b->len += n;
    b->path[b->len] = '\0';
    return NST_OK;
}

static nst_err
sm_puts(struct sm_build *b, const char *s)
{
    return sm_put(b, s, strlen(s));
}

/* "/name", or "/module:name" when the module differs from the parent's (always at
 * the top), as lyd_path() prints it. */
static nst_err
sm_put_name(struct sm_build *b, const struct lysc_node *snode, const struct lysc_node *parent)
{
    nst_err err;

    err = sm_put(b, "/", 1);
    if (!err && (!parent || parent->module != snode->module)) {
        err = sm_puts(b, snode->module->name);
        if (!err) {
            err = sm_put(b, ":", 1);
        }
    }
    if (!err) {
        err = sm_puts(b, snode->name);
    }
    return err;
}

static const struct lysc_type *
sm_type(const struct lysc_node *snode)
{
    if (snode->nodetype == LYS_LEAFLIST) {
        return ((const struct lysc_node_leaflist *)snode)->type;
    }
    return ((const struct lysc_node_leaf *)snode)->type;
}

/*
 * Print "[name=" / "[.=" (@what), the canonical form of the value, and "]".
 * The value is stored through the type plugin exactly as libyang's parser stores
 * it (same format, prefix data and hints); if the plugin rejects it, libyang has
 * rejected the document too, and the raw text is printed instead.
 */
static nst_err
sm_put_value(struct sm_build *b, const char *what, const struct lysc_node *snode, const char *raw,
             size_t rawlen, LY_VALUE_FORMAT format, void *prefix_data, uint32_t hints)
{
    const struct lysc_type *type = sm_type(snode);
    struct ly_err_item *lyerr = NULL;
    struct lyd_value val;
    const char *canon = NULL;
    char quote[2] = "'";
    bool stored = false;
    LY_ERR lr;
    nst_err err;

    memset(&val, 0, sizeof val);
    /* A string's canonical form is its text, stored or refused (then the raw text is
     * printed anyway): no need to ask the plugin (a fifth of the map's work). */
    if (type && type->basetype == LY_TYPE_LEAFREF) {
        type = ((const struct lysc_type_leafref *)type)->realtype;
    }
    if (type && type->basetype == LY_TYPE_STRING) {
        type = NULL;
    }
    if (type && type->plugin && type->plugin->store) {
        lr = type->plugin->store(b->ly, type, raw, rawlen, 0, format, prefix_data, hints, snode,
                                 &val, NULL, &lyerr);
        if (lr == LY_SUCCESS || lr == LY_EINCOMPLETE) {
            stored = true;
            canon = lyd_value_get_canonical(b->ly, &val);
        }
        ly_err_free(lyerr);
    }

    err = sm_puts(b, what);
    if (canon) {
        if (strchr(canon, '\'')) {
            quote[0] = '"';
        }
        if (!err) {
            err = sm_put(b, quote, 1);
        }
        if (!err) {
            err = sm_puts(b, canon);
        }
    } else {
        if (memchr(raw, '\'', rawlen)) {
            quote[0] = '"';
        }
        if (!err) {
            err = sm_put(b, quote, 1);
        }
        if (!err) {
            err = sm_put(b, raw, rawlen);
        }
    }
    if (!err) {
        err = sm_put(b, quote, 1);
    }
    if (!err) {
        err = sm_put(b, "]", 1);
    }
    if (stored && val.realtype && val.realtype->plugin && val.realtype->plugin->free) {
        val.realtype->plugin->free(b->ly, &val);
    }
    return err;
}

/* "[n]": the next 1-based position of @snode under the current parent. */
static nst_err
sm_put_position(struct sm_build *b, struct sm_pos **pos, size_t *npos,
                const struct lysc_node *snode)
{
    struct sm_pos *p;
    char num[16];
    size_t i;

    for (i = 0; i < *npos && (*pos)[i].schema != snode; i++) {
    }
    if (i == *npos) {
        p = nst_realloc(*pos, (*npos + 1) * sizeof *p);
        if (!p) {
            return NST_ENOMEM;
        }
        *pos = p;
        p[i].schema = snode;
        p[i].count = 0;
        (*npos)++;
    }
    (*pos)[i].count++;
    snprintf(num, sizeof num, "[%" PRIu32 "]", (*pos)[i].count);
    return sm_puts(b, num);
}

/* Whether libyang prints a position rather than a value or keys for @snode. */
static bool
sm_by_position(const struct lysc_node *snode)
{
    if (snode->nodetype == LYS_LIST) {
        return snode->flags & LYS_KEYLESS;
    }
    return snode->nodetype == LYS_LEAFLIST && !(snode->flags & LYS_CONFIG_W);
}

static nst_err
sm_record(struct sm_build *b, uint32_t line)
{
    return sm_insert(b->map, b->path, b->len, line);
}

/* Mark the entry just recorded for the current path. */
static void
sm_mark_host_bits(struct sm_build *b, const char *raw, size_t n)
{
    const struct sm_entry *found;
    struct sm_entry *e;

    if (!sm_raw_host_bits(raw, n)) {
        return;
    }
    /* The map is the builder's own: its entries are writable. */
    found = sm_lookup(b->map, b->path, b->len);
    if (found) {
        e = b->map->slots + (found - b->map->slots);
        e->host_bits = true;
    }
}

/* The data node kinds a path can name; RPCs and notifications are not data. */
#define SM_DATA_NODES (LYS_CONTAINER | LYS_LIST | LYS_LEAF | LYS_LEAFLIST | LYS_ANYDATA)

static nst_err
sm_build_new(const struct ly_ctx *ly, struct sm_build *b)
{
    memset(b, 0, sizeof *b);
    b->ly = ly;
    b->map = nst_calloc(1, sizeof *b->map);
    return b->map ? NST_OK : NST_ENOMEM;
}

/* Hand the map over on success, drop everything otherwise. */
static nst_err
sm_build_finish(struct sm_build *b, nst_err err, struct srcmap **out)
{
    nst_free(b->path);
    if (err) {
        srcmap_free(b->map);
    } else {
        *out = b->map;
    }
    b->map = NULL;
    return err;
}

/* ------------------------------------------------------------------- XML */

/* libxml2's xmlChar strings as plain char strings. */
#define SM_STR(x) ((const char *)(x))

/* The plugins take prefix strings as char * but never write them. */
static char *
sm_unconst(const void *p)
{
    return (char *)(uintptr_t)p;
}

/*
 * The XML builder reads libxml2's SAX2 events; it builds no document (a DOM of the
 * whole input cost about 20 times the input's size, the compile's peak memory at
 * 1000 routers, docs/PERFORMANCE.md). It keeps a stack of open elements (struct
 * sm_xframe) and of the namespace declarations in scope (struct sm_ns), and the text
 * of the leaf being read. A node is recorded when its path is known: a container or
 * a key-less list entry at its start tag, a leaf or leaf-list entry at its end tag
 * (the value is part of a leaf-list entry's path, and of the host-bits mark), and a
 * keyed list entry when the last of its keys ends. The children of a list entry that
 * come before all its keys (RFC 7950 puts keys first, libyang without
 * LYD_PARSE_STRICT only warns) are kept as events (struct sm_xev) and replayed then.
 */

/* One namespace declaration in scope. */
struct sm_ns {
    char *prefix; /* NULL for the default namespace */
    char *uri;
};

enum sm_xev_kind { SM_XEV_START, SM_XEV_END, SM_XEV_TEXT };

/* A SAX event kept for replay. */
struct sm_xev {
    enum sm_xev_kind kind;
    char *name, *uri; /* START; uri may be NULL */
    char **decls;     /* START: prefix/uri pairs (prefix may be NULL) */
    size_t ndecls;    /* pairs */
    char *text;       /* TEXT */
    size_t textlen;
    uint32_t line; /* START */
};

/* What a key element of a pending list entry gave. */
struct sm_key {
    char *pred; /* "[name='v']"; NULL until seen */
    char *raw;  /* its text, for the host-bits mark */
    size_t rawlen;
    uint32_t line;
};

enum sm_xkind {
    SM_X_SKIP,  /* unknown to the schema, or below a node not walked: ignored */
    SM_X_ROOT,  /* the wrapper element */
    SM_X_INNER, /* container or list entry: children walked */
    SM_X_TERM,  /* leaf or leaf-list entry: recorded at its end */
    SM_X_KEY,   /* a key of the pending list entry it is in */
};

struct sm_xframe {
    enum sm_xkind kind;
    const struct lysc_node *snode;
    size_t mark;        /* path length before this element's segment */
    size_t nns;         /* namespace declarations this element pushed */
    uint32_t line;      /* of its '<' */
    struct sm_pos *pos; /* positions of its key-less children */
    size_t npos;
    /* SM_X_INNER, keyed list: the entry's keys are not all known yet */
    bool pending;
    size_t nkeys;
    struct sm_key *keys; /* in schema order */
    struct sm_xev *evs;  /* events of the children before the last key */
    size_t nevs, capevs;
    int bufdepth;  /* > 0 while a non-key child's subtree is kept */
    size_t keyidx; /* SM_X_KEY */
};

struct sm_xml {
    struct sm_build *b;
    xmlParserCtxtPtr ctxt;
    struct sm_xframe *fr;
    size_t nfr, capfr;
    struct sm_ns *ns;
    size_t nns, capns;
    char *text; /* the text of the SM_X_TERM or SM_X_KEY element on top */
    size_t textlen, textcap;
    const char *last_uri; /* the module of the last element's namespace (its ns string) */
    const struct lys_module *last_mod;
    nst_err err;
};

static void
sm_x_fail(struct sm_xml *x, nst_err err)
{
    if (!x->err) {
        x->err = err;
    }
    if (x->ctxt) {
        xmlStopParser(x->ctxt);
    }
}

static void
sm_xev_free(struct sm_xev *e)
{
    size_t i;

    nst_free(e->name);
    nst_free(e->uri);
    for (i = 0; i < 2 * e->ndecls; i++) {
        nst_free(e->decls[i]);
    }
    nst_free(e->decls);
    nst_free(e->text);
}

static void
sm_xevs_free(struct sm_xev *evs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        sm_xev_free(&evs[i]);
    }
    nst_free(evs);
}

static void
sm_xframe_clear(struct sm_xframe *f)
{
    size_t i;

    nst_free(f->pos);
    for (i = 0; f->keys && i < f->nkeys; i++) {
        nst_free(f->keys[i].pred);
        nst_free(f->keys[i].raw);
    }
    nst_free(f->keys);
    sm_xevs_free(f->evs, f->nevs);
    memset(f, 0, sizeof *f);
}

/* A copy of @n bytes of @s, or of the NUL-terminated @s when @n is SIZE_MAX; a NULL
 * @s gives NULL without failing. */
static bool
sm_x_dup(const char *s, size_t n, char **out)
{
    *out = NULL;
    if (!s) {
        return true;
    }
    *out = n == SIZE_MAX ? nst_strdup(s) : nst_strndup(s, n);
    return *out != NULL;
}

/* Append an event to the pending entry @f. */
static struct sm_xev *
sm_x_event(struct sm_xml *x, struct sm_xframe *f, enum sm_xev_kind kind)
{
    struct sm_xev *e;
    size_t cap;

    if (f->nevs == f->capevs) {
        cap = f->capevs ? 2 * f->capevs : 8;
        e = nst_realloc(f->evs, cap * sizeof *e);
        if (!e) {
            sm_x_fail(x, NST_ENOMEM);
            return NULL;
        }
        f->evs = e;
        f->capevs = cap;
    }
    e = &f->evs[f->nevs++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

static void
sm_x_keep_start(struct sm_xml *x, struct sm_xframe *f, const char *name, const char *uri,
                const char *const *decls, size_t ndecls, uint32_t line)
{
    struct sm_xev *e = sm_x_event(x, f, SM_XEV_START);
    size_t i;

    if (!e) {
        return;
    }
    e->line = line;
    if (!sm_x_dup(name, SIZE_MAX, &e->name) || !sm_x_dup(uri, SIZE_MAX, &e->uri)) {
        sm_x_fail(x, NST_ENOMEM);
        return;
    }
    if (ndecls) {
        e->decls = nst_calloc(2 * ndecls, sizeof *e->decls);
        if (!e->decls) {
            sm_x_fail(x, NST_ENOMEM);
            return;
        }
        e->ndecls = ndecls;
        for (i = 0; i < 2 * ndecls; i++) {
            if (!sm_x_dup(decls[i], SIZE_MAX, &e->decls[i])) {
                sm_x_fail(x, NST_ENOMEM);
                return;
            }
        }
    }
}

static nst_err
sm_x_push_ns(struct sm_xml *x, const char *const *decls, size_t ndecls)
{
    struct sm_ns *ns;
    size_t i, cap;

    for (i = 0; i < ndecls; i++) {
        if (x->nns == x->capns) {
            cap = x->capns ? 2 * x->capns : 16;
            ns = nst_realloc(x->ns, cap * sizeof *ns);
            if (!ns) {
                return NST_ENOMEM;
            }
            x->ns = ns;
            x->capns = cap;
        }
        ns = &x->ns[x->nns];
        if (!sm_x_dup(decls[2 * i], SIZE_MAX, &ns->prefix)) {
            return NST_ENOMEM;
        }
        if (!sm_x_dup(decls[2 * i + 1] ? decls[2 * i + 1] : "", SIZE_MAX, &ns->uri)) {
            nst_free(ns->prefix);
            return NST_ENOMEM;
        }
        x->nns++;
        x->fr[x->nfr - 1].nns++;
    }
    return NST_OK;
}

static void
sm_x_pop_ns(struct sm_xml *x, size_t n)
{
    while (n-- && x->nns) {
        x->nns--;
        nst_free(x->ns[x->nns].prefix);
        nst_free(x->ns[x->nns].uri);
    }
}

static nst_err
sm_x_text_add(struct sm_xml *x, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (x->textcap - x->textlen < n + 1) {
        cap = x->textcap ? x->textcap : 64;
        while (cap - x->textlen < n + 1) {
            if (cap > SIZE_MAX / 2) {
                return NST_ENOMEM;
            }
            cap *= 2;
        }
        p = nst_realloc(x->text, cap);
        if (!p) {
            return NST_ENOMEM;
        }
        x->text = p;
        x->textcap = cap;
    }
    memcpy(x->text + x->textlen, s, n);
    x->textlen += n;
    x->text[x->textlen] = '\0';
    return NST_OK;
}

/*
 * Print the predicate for the XML value @value (a key or a leaf-list entry).
 * Prefixes in XML values (identityref, instance-identifier) are XML namespace
 * prefixes, and an unprefixed identity belongs to the default namespace. They are
 * handed to the plugin as resolved prefix -> module pairs built from the namespaces
 * in scope, innermost first and each prefix once, as xmlGetNsList() lists them (the
 * default one with a NULL prefix, which libyang 2.1 matches against unprefixed
 * values), which is public API, unlike libyang's own XML prefix data.
 */
static nst_err
sm_xml_put_value(struct sm_xml *x, const char *what, const struct lysc_node *snode,
                 const char *value, size_t len)
{
    struct sm_build *b = x->b;
    LY_ARRAY_COUNT_TYPE *arr = NULL;
    struct lysc_prefix *prefixes = NULL;
    const struct lys_module *mod;
    size_t i, j, n = 0;
    bool shadowed;
    nst_err err;

    arr = nst_malloc(sizeof *arr + (x->nns ? x->nns : 1) * sizeof *prefixes);
    if (!arr) {
        return NST_ENOMEM;
    }
    prefixes = (struct lysc_prefix *)(arr + 1);
    for (i = x->nns; i-- > 0;) {
        const struct sm_ns *ns = &x->ns[i];

        shadowed = false;
        for (j = i + 1; j < x->nns && !shadowed; j++) {
            shadowed = (!ns->prefix && !x->ns[j].prefix) ||
                       (ns->prefix && x->ns[j].prefix && !strcmp(ns->prefix, x->ns[j].prefix));
        }
        if (shadowed || !ns->uri[0]) {
            continue;
        }
        mod = ly_ctx_get_module_implemented_ns(b->ly, ns->uri);
        if (!mod) {
            continue;
        }
        prefixes[n].prefix = ns->prefix ? sm_unconst(ns->prefix) : NULL;
        prefixes[n].mod = mod;
        n++;
    }
    *arr = n;
    err = sm_put_value(b, what, snode, value, len, LY_VALUE_SCHEMA_RESOLVED,
                       n ? (void *)prefixes : NULL, LYD_HINT_DATA);
    nst_free(arr);
    return err;
}

static struct sm_xframe *
sm_x_push(struct sm_xml *x, enum sm_xkind kind, uint32_t line)
{
    struct sm_xframe *f;
    size_t cap;

    if (x->nfr == x->capfr) {
        cap = x->capfr ? 2 * x->capfr : 32;
        f = nst_realloc(x->fr, cap * sizeof *f);
        if (!f) {
            sm_x_fail(x, NST_ENOMEM);
            return NULL;
        }
        x->fr = f;
        x->capfr = cap;
    }
    f = &x->fr[x->nfr++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->mark = x->b->len;
    f->line = line;
    return f;
}

static void sm_x_start(struct sm_xml *x, const char *name, const char *uri,
                       const char *const *decls, size_t ndecls, uint32_t line);
static void sm_x_end(struct sm_xml *x);
static void sm_x_chars(struct sm_xml *x, const char *s, size_t n);

/* The keys of pending entry fr[@idx] are all known: record it and its keys, then
 * replay what came before the last key. */
static void
sm_x_complete(struct sm_xml *x, size_t idx)
{
    struct sm_build *b = x->b;
    struct sm_xframe *f = &x->fr[idx];
    const struct lysc_node *key;
    struct sm_xev *evs;
    size_t i, nevs, base;
    nst_err err = NST_OK;

    for (i = 0; !err && i < f->nkeys; i++) {
        err = sm_puts(b, f->keys[i].pred);
    }
    if (!err) {
        err = sm_record(b, f->line);
    }
    for (i = 0, key = lysc_node_child(f->snode); !err && i < f->nkeys; i++, key = key->next) {
        base = b->len;
        err = sm_put_name(b, key, f->snode);
        if (!err) {
            err = sm_record(b, f->keys[i].line);
        }
        if (!err) {
            sm_mark_host_bits(b, f->keys[i].raw, f->keys[i].rawlen);
        }
        b->len = base;
        b->path[base] = '\0';
    }
    if (err) {
        sm_x_fail(x, err);
        return;
    }
    f->pending = false;
    evs = f->evs;
    nevs = f->nevs;
    f->evs = NULL;
    f->nevs = f->capevs = 0;
    /* Replay; f may move as frames are pushed. */
    for (i = 0; i < nevs && !x->err; i++) {
        switch (evs[i].kind) {
        case SM_XEV_START:
            sm_x_start(x, evs[i].name, evs[i].uri, (const char *const *)evs[i].decls, evs[i].ndecls,
                       evs[i].line);
            break;
        case SM_XEV_END:
            sm_x_end(x);
            break;
        case SM_XEV_TEXT:
            sm_x_chars(x, evs[i].text, evs[i].textlen);
            break;
        }
    }
    sm_xevs_free(evs, nevs);
}

static void
sm_x_start(struct sm_xml *x, const char *name, const char *uri, const char *const *decls,
           size_t ndecls, uint32_t line)
{
    struct sm_build *b = x->b;
    struct sm_xframe *top, *f;
    const struct lysc_node *parent, *snode, *key;
    const struct lys_module *mod;
    size_t i;
    nst_err err = NST_OK;

    if (x->err) {
        return;
    }
    if (!x->nfr) {
        f = sm_x_push(x, SM_X_ROOT, line);
        if (f && (err = sm_x_push_ns(x, decls, ndecls))) {
            sm_x_fail(x, err);
        }
        return;
    }
    top = &x->fr[x->nfr - 1];
    if (top->pending && top->bufdepth) {
        top->bufdepth++;
        sm_x_keep_start(x, top, name, uri, decls, ndecls, line);
        return;
    }
    if (x->nfr > SRCMAP_MAX_DEPTH) {
        sm_x_fail(x, NST_EINPUT);
        return;
    }
    if (top->kind == SM_X_SKIP || top->kind == SM_X_TERM || top->kind == SM_X_KEY) {
        f = sm_x_push(x, SM_X_SKIP, line);
        if (f && (err = sm_x_push_ns(x, decls, ndecls))) {
            sm_x_fail(x, err);
        }
        return;
    }
    parent = top->kind == SM_X_ROOT ? NULL : top->snode;
    if (top->pending) {
        /* A key of the entry, read now; anything else waits for the keys. */
        for (i = 0, key = lysc_node_child(parent); uri && i < top->nkeys; i++, key = key->next) {
            if (!top->keys[i].pred && !strcmp(key->name, name) && !strcmp(key->module->ns, uri)) {
                break;
            }
        }
        if (!uri || i == top->nkeys) {
            top->bufdepth = 1;
            sm_x_keep_start(x, top, name, uri, decls, ndecls, line);
            return;
        }
        f = sm_x_push(x, SM_X_KEY, line);
        if (!f) {
            return;
        }
        f->snode = key;
        f->keyidx = i;
        x->textlen = 0;
        if ((err = sm_x_push_ns(x, decls, ndecls))) {
            sm_x_fail(x, err);
        }
        return;
    }
    f = sm_x_push(x, SM_X_SKIP, line);
    if (!f || (err = sm_x_push_ns(x, decls, ndecls))) {
        if (err) {
            sm_x_fail(x, err);
        }
        return;
    }
    /* The namespace rarely changes from one element to the next. */
    if (uri && x->last_uri && (uri == x->last_uri || !strcmp(uri, x->last_uri))) {
        mod = x->last_mod;
    } else {
        mod = uri ? ly_ctx_get_module_implemented_ns(b->ly, uri) : NULL;
        x->last_uri = mod ? mod->ns : NULL;
        x->last_mod = mod;
    }
    snode = mod ? lys_find_child(parent, mod, name, 0, SM_DATA_NODES, 0) : NULL;
    if (!snode) {
        return;
    }
    top = &x->fr[x->nfr - 2];
    f = &x->fr[x->nfr - 1];
    f->snode = snode;
    err = sm_put_name(b, snode, parent);
    if (!err && sm_by_position(snode)) {
        err = sm_put_position(b, &top->pos, &top->npos, snode);
    }
    if (err) {
        sm_x_fail(x, err);
        return;
    }
    if (snode->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
        f->kind = SM_X_TERM;
        x->textlen = 0;
        return;
    }
    if (snode->nodetype == LYS_LIST && !sm_by_position(snode)) {
        f->kind = SM_X_INNER;
        f->pending = true;
        for (key = lysc_node_child(snode); key && (key->flags & LYS_KEY); key = key->next) {
            f->nkeys++;
        }
        f->keys = nst_calloc(f->nkeys ? f->nkeys : 1, sizeof *f->keys);
        if (!f->keys) {
            sm_x_fail(x, NST_ENOMEM);
        }
        return;
    }
    err = sm_record(b, line);
    if (err) {
        sm_x_fail(x, err);
        return;
    }
    if (snode->nodetype & (LYS_CONTAINER | LYS_LIST)) {
        f->kind = SM_X_INNER;
    }
}

static void
sm_x_chars(struct sm_xml *x, const char *s, size_t n)
{
    struct sm_xframe *top;
    struct sm_xev *e;

    if (x->err || !x->nfr) {
        return;
    }
    top = &x->fr[x->nfr - 1];
    if (top->pending && top->bufdepth) {
        e = sm_x_event(x, top, SM_XEV_TEXT);
        if (e && !(e->text = nst_strndup(s, n))) {
            sm_x_fail(x, NST_ENOMEM);
            return;
        }
        if (e) {
            e->textlen = n;
        }
        return;
    }
    if ((top->kind == SM_X_TERM || top->kind == SM_X_KEY) && sm_x_text_add(x, s, n)) {
        sm_x_fail(x, NST_ENOMEM);
    }
}

static void
sm_x_end(struct sm_xml *x)
{
    struct sm_build *b = x->b;
    struct sm_xframe *f, *entry;
    const char *text;
    size_t base, idx = 0, i;
    bool complete = false;
    char what[512];
    nst_err err = NST_OK;

    if (x->err || !x->nfr) {
        return;
    }
    f = &x->fr[x->nfr - 1];
    if (f->pending && f->bufdepth) {
        f->bufdepth--;
        sm_x_event(x, f, SM_XEV_END);
        return;
    }
    text = x->text ? x->text : "";
    if (f->kind == SM_X_TERM) {
        if (f->snode->nodetype == LYS_LEAFLIST && !sm_by_position(f->snode)) {
            err = sm_xml_put_value(x, "[.=", f->snode, text, x->textlen);
        }
        if (!err) {
            err = sm_record(b, f->line);
        }
        if (!err) {
            sm_mark_host_bits(b, text, x->textlen);
        }
    } else if (f->kind == SM_X_KEY) {
        entry = &x->fr[x->nfr - 2];
        if (snprintf(what, sizeof what, "[%s=", f->snode->name) < (int)sizeof what) {
            /* (A longer key name is longer than any YANG identifier libyang accepts:
             * the entry stays unrecorded, as one with a missing key.) */
            base = b->len;
            err = sm_xml_put_value(x, what, f->snode, text, x->textlen);
            if (!err && !(entry->keys[f->keyidx].pred = nst_strdup(b->path + base))) {
                err = NST_ENOMEM;
            }
            if (!err && !(entry->keys[f->keyidx].raw = nst_strndup(text, x->textlen))) {
                err = NST_ENOMEM;
            }
            entry->keys[f->keyidx].rawlen = x->textlen;
            entry->keys[f->keyidx].line = f->line;
            b->len = base;
            b->path[base] = '\0';
            for (i = 0, complete = true; i < entry->nkeys; i++) {
                complete = complete && entry->keys[i].pred;
            }
            idx = x->nfr - 2;
        }
    }
    if (err) {
        sm_x_fail(x, err);
        return;
    }
    /* Leave the element: its segment, its namespaces, its frame. */
    if (b->path) {
        b->len = f->mark;
        b->path[f->mark] = '\0';
    }
    sm_x_pop_ns(x, f->nns);
    sm_xframe_clear(f);
    x->nfr--;
    if (complete) {
        sm_x_complete(x, idx);
    }
}

/*
 * SAX start of element: the line of the start tag's '<'. libxml2 calls this with the
 * input positioned at the tag's closing '>' and counts lines up to there, so the
 * newlines between '<' and the current position are subtracted. '<' cannot occur
 * inside a start tag (not even in attribute values), so the nearest one back is the
 * tag's own. If the buffer no longer holds it, the '>' line is kept.
 */
static void
sm_xml_start(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
             int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
             const xmlChar **attributes)
{
    struct sm_xml *x = user;
    xmlParserCtxtPtr ctxt = x->ctxt;
    const xmlChar *p;
    long line = 1;

    (void)prefix;
    (void)nb_attributes;
    (void)nb_defaulted;
    (void)attributes;
    if (ctxt->input && ctxt->input->cur && ctxt->input->base) {
        line = ctxt->input->line;
        for (p = ctxt->input->cur; p > ctxt->input->base;) {
            p--;
            if (*p == '<') {
                break;
            }
            if (*p == '\n') {
                line--;
            }
        }
        if (*p != '<') {
            line = ctxt->input->line;
        }
    } else if (ctxt->input) {
        line = ctxt->input->line;
    }
    if (line < 1) {
        line = 1;
    }
    sm_x_start(x, SM_STR(localname), SM_STR(uri), (const char *const *)namespaces,
               nb_namespaces > 0 ? (size_t)nb_namespaces : 0,
               line > UINT32_MAX ? UINT32_MAX : (uint32_t)line);
}

static void
sm_xml_end(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    sm_x_end(user);
}

static void
sm_xml_chars(void *user, const xmlChar *ch, int len)
{
    if (len > 0) {
        sm_x_chars(user, SM_STR(ch), (size_t)len);
    }
}

/*
 * The text as libxml2 gets it: "<srcmap-wrapper>" + data + "</srcmap-wrapper>",
 * with a leading byte order mark and XML declaration blanked out (a declaration is
 * only allowed at the very start of a document, but libyang also takes one after
 * whitespace). Blanking keeps every newline, and
 * the wrapper adds none, so line numbers are those of @data.
 */
static nst_err
sm_xml_wrap(const char *data, size_t len, char **out, size_t *outlen)
{
    static const char open[] = "<srcmap-wrapper>";
    static const char close[] = "</srcmap-wrapper>";
    size_t i = 0, end, n;
    char *buf;

    if (len > (size_t)INT_MAX - sizeof open - sizeof close) {
        return NST_EINPUT;
    }
    n = sizeof open - 1 + len + sizeof close - 1;
    buf = nst_malloc(n + 1);
    if (!buf) {
        return NST_ENOMEM;
    }
    memcpy(buf, open, sizeof open - 1);
    memcpy(buf + sizeof open - 1, data, len);
    memcpy(buf + sizeof open - 1 + len, close, sizeof close);

    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
        memset(buf + sizeof open - 1, ' ', 3);
        i = 3;
    }
    /* libyang tolerates whitespace before the declaration; XML does not. */
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) {
        i++;
    }
    if (len - i >= 6 && !memcmp(data + i, "<?xml", 5) &&
        (data[i + 5] == ' ' || data[i + 5] == '\t' || data[i + 5] == '\r' || data[i + 5] == '\n' ||
         data[i + 5] == '?')) {
        for (end = i + 5; end + 1 < len && !(data[end] == '?' && data[end + 1] == '>'); end++) {
        }
        if (end + 1 >= len) {
            nst_free(buf);
            return NST_EINPUT;
        }
        for (; i < end + 2; i++) {
            if (data[i] != '\n') {
                buf[sizeof open - 1 + i] = ' ';
            }
        }
    }
    *out = buf;
    *outlen = n;
    return NST_OK;
}

/* libxml2 reports some errors (its "huge text node" limit among them) through the
 * structured channel or the validity channel even with XML_PARSE_NOERROR; both are
 * pointed here so that nothing reaches stderr. */
static void
sm_xml_silent(void *user, xmlErrorPtr e)
{
    (void)user;
    (void)e;
}

nst_err
srcmap_build_xml(const char *data, size_t len, const struct ly_ctx *ly, struct srcmap **out)
{
    struct sm_build b;
    struct sm_xml x;
    xmlParserCtxtPtr ctxt = NULL;
    xmlSAXHandlerPtr sax;
    char *buf = NULL;
    size_t buflen = 0, i;
    int rc;
    nst_err err;

    if (!data || !ly || !out) {
        return NST_EINVAL;
    }
    memset(&x, 0, sizeof x);
    x.b = &b;
    err = sm_build_new(ly, &b);
    if (!err) {
        err = sm_xml_wrap(data, len, &buf, &buflen);
    }
    if (err) {
        goto cleanup;
    }
    ctxt = xmlCreateMemoryParserCtxt(buf, (int)buflen);
    if (!ctxt) {
        err = NST_ENOMEM;
        goto cleanup;
    }
    /* No network, no DTD loading, no entity substitution (XML_PARSE_NOENT is off),
     * lines past 65535, and silence: the library never prints. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    /* SAX2 events only, no document: every handler that would build one is off. */
    sax = ctxt->sax;
    memset(sax, 0, sizeof *sax);
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = sm_xml_start;
    sax->endElementNs = sm_xml_end;
    sax->characters = sm_xml_chars;
    sax->ignorableWhitespace = sm_xml_chars;
    sax->cdataBlock = sm_xml_chars;
    sax->serror = sm_xml_silent;
    ctxt->userData = &x;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    x.ctxt = ctxt;
    rc = xmlParseDocument(ctxt);
    if (x.err) {
        err = x.err;
    } else if (rc != 0 || !ctxt->wellFormed) {
        /* Not NST_ENOMEM even for XML_ERR_NO_MEMORY: libxml2 raises that for its own
         * limits too (a text node or comment over 10 MB), and a map that cannot be built
         * only costs line numbers; libyang's parse that follows reports a real lack of
         * memory. Only our own allocations (sm_*) make this NST_ENOMEM. */
        err = NST_EINPUT;
    }

cleanup:
    if (ctxt) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
        xmlFreeParserCtxt(ctxt);
    }
    for (i = 0; i < x.nfr; i++) {
        sm_xframe_clear(&x.fr[i]);
    }
    nst_free(x.fr);
    sm_x_pop_ns(&x, x.nns);
    nst_free(x.ns);
    nst_free(x.text);
    nst_free(buf);
    return sm_build_finish(&b, err, out);
}

/* ------------------------------------------------------------------ JSON */

enum sm_jkind {
    SM_J_OBJECT,
    SM_J_ARRAY,
    SM_J_STRING,
    SM_J_NUMBER,
    SM_J_TRUE,
    SM_J_FALSE,
    SM_J_NULL
};

/* One JSON value. Nodes live in one array and link by index; 0 means none. */
struct sm_jnode {
    const char *name; /* member name (unescaped) when the parent is an object */
    const char *text; /* scalars: string contents (unescaped) or the spelling */
    size_t name_len, text_len;
    size_t child, next;
    uint32_t line;
    enum sm_jkind kind;
};

struct sm_json {
    const char *p, *end;
    uint32_t line;
    struct sm_jnode *nodes;
    size_t count, cap;
    struct sm_block *strings; /* unescaped strings */
    /* The first syntax error (srcmap_json_syntax): where and what; NULL while none. */
    const char *why;
    char why_buf[160];
    uint32_t why_line;
    uint32_t value_end_line;   /* line where the last complete value ended */
    uint32_t content_end_line; /* line of the last non-blank character of the input */
};

/* Record the first syntax error, at @line, and fail. */
static nst_err sm_json_fail(struct sm_json *js, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static nst_err
sm_json_fail(struct sm_json *js, uint32_t line, const char *fmt, ...)
{
    va_list ap;

    if (!js->why) {
        va_start(ap, fmt);
        vsnprintf(js->why_buf, sizeof js->why_buf, fmt, ap);
        va_end(ap);
        js->why = js->why_buf;
        js->why_line = line;
    }
    return NST_EINPUT;
}

/* The character at js->p for a message: 'x', or a description of a control byte. */
static const char *
sm_json_seen(const struct sm_json *js, char *buf, size_t len)
{
    unsigned char c = js->p < js->end ? (unsigned char)*js->p : 0;

    if (js->p >= js->end) {
        snprintf(buf, len, "the end of the input");
    } else if (c < 0x20 || c >= 0x7f) {
        snprintf(buf, len, "byte 0x%02x", c);
    } else {
        snprintf(buf, len, "'%c'", c);
    }
    return buf;
}

/* The input ended inside a value: reported at the last line that has text. */
static nst_err
sm_json_eof(struct sm_json *js, const char *inside, uint32_t opened)
{
    if (opened) {
        return sm_json_fail(js, js->content_end_line,
                            "the input ends inside the %s opened on line %u (truncated?)", inside,
                            opened);
    }
    return sm_json_fail(js, js->content_end_line, "the input ends %s (truncated?)", inside);
}

static void
sm_json_ws(struct sm_json *js)
{
    for (; js->p < js->end; js->p++) {
        if (*js->p == '\n') {
            js->line++;
        } else if (*js->p != ' ' && *js->p != '\t' && *js->p != '\r') {
            break;
        }
    }
}

static nst_err
sm_json_node(struct sm_json *js, enum sm_jkind kind, size_t *idx)
{
    struct sm_jnode *n;
    size_t cap;

    if (js->count == js->cap) {
        cap = js->cap ? js->cap * 2 : 256;
        n = nst_realloc(js->nodes, cap * sizeof *n);
        if (!n) {
            return NST_ENOMEM;
        }
        js->nodes = n;
        js->cap = cap;
    }
    n = &js->nodes[js->count];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = js->line;
    *idx = js->count++;
    return NST_OK;
}

static int
sm_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Four hex digits at @s (bounds already checked); -1 if they are not hex. */
static long
sm_hex4(const char *s)
{
    long v = 0;
    int i, d;

    for (i = 0; i < 4; i++) {
        d = sm_hex(s[i]);
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

static size_t
sm_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Decode the escapes of the raw string body @s (length @n, already checked to end
 * at the closing quote and to hold only complete escapes) into @o, which has room
 * for @n bytes: every escape is at least as long as its UTF-8 encoding.
 * Returns the decoded length, or (size_t)-1 for an invalid escape.
 */
static size_t
sm_json_unescape(const char *s, size_t n, char *o)
{
    size_t i = 0, k = 0;
    long cp, lo;

    while (i < n) {
        if (s[i] != '\\') {
            o[k++] = s[i++];
            continue;
        }
        if (i + 1 >= n) {
            return (size_t)-1;
        }
        switch (s[i + 1]) {
        case '"':
            o[k++] = '"';
            break;
        case '\\':
            o[k++] = '\\';
            break;
        case '/':
            o[k++] = '/';
            break;
        case 'b':
            o[k++] = '\b';
            break;
        case 'f':
            o[k++] = '\f';
            break;
        case 'n':
            o[k++] = '\n';
            break;
        case 'r':
            o[k++] = '\r';
            break;
        case 't':
            o[k++] = '\t';
            break;
        case 'u':
            if (n - i < 6 || (cp = sm_hex4(s + i + 2)) < 0) {
                return (size_t)-1;
            }
            i += 6;
            /* A high surrogate followed by an escaped low one is one code point; a
             * lone surrogate is kept as is (libyang judges the value, not us). */
            if (cp >= 0xD800 && cp < 0xDC00 && n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' &&
                (lo = sm_hex4(s + i + 2)) >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            k += sm_utf8(o + k, (unsigned long)cp);
            continue;
        default:
            return (size_t)-1;
        }
        i += 2;
    }
    return k;
}

/* A string token at js->p (which is '"'); sets *s and *n to its decoded contents. */
static nst_err
sm_json_string(struct sm_json *js, const char **s, size_t *n)
{
    const char *start = js->p + 1, *q;
    bool escaped = false;
    char *o;
    size_t k;

    for (q = start; q < js->end && *q != '"'; q++) {
        if ((unsigned char)*q < 0x20) {
            return sm_json_fail(js, js->line,
                                "a control character inside a string (a missing closing quote?)");
        }
        if (*q == '\\') {
            escaped = true;
            if (++q >= js->end) {
                return sm_json_eof(js, "inside a string", 0);
            }
        }
    }
    if (q >= js->end) {
        return sm_json_eof(js, "inside a string", 0);
    }
    js->p = q + 1;
    if (!escaped) {
        *s = start;
        *n = (size_t)(q - start);
        return NST_OK;
    }
    /* Reserve the raw length in the arena, then decode into it in place. */
    o = sm_arena_dup(&js->strings, start, (size_t)(q - start));
    if (!o) {
        return NST_ENOMEM;
    }
    k = sm_json_unescape(start, (size_t)(q - start), o);
    if (k == (size_t)-1) {
        return sm_json_fail(js, js->line, "an invalid escape sequence in a string");
    }
    o[k] = '\0';
    *s = o;
    *n = k;
    return NST_OK;
}

static bool
sm_digit(const struct sm_json *js, const char *q)
{
    return q < js->end && *q >= '0' && *q <= '9';
}

/* A number token per RFC 8259 at js->p; its spelling is kept as the text. */
static nst_err
sm_json_number(struct sm_json *js, size_t idx)
{
    const char *q = js->p;

    if (q < js->end && *q == '-') {
        q++;
    }
    if (!sm_digit(js, q)) {
        return sm_json_fail(js, js->line, "a malformed number");
    }
    if (*q == '0') {
        q++;
    } else {
        while (sm_digit(js, q)) {
            q++;
        }
    }
    if (q < js->end && *q == '.') {
        q++;
        if (!sm_digit(js, q)) {
            return sm_json_fail(js, js->line, "a malformed number");
        }
        while (sm_digit(js, q)) {
            q++;
        }
    }
    if (q < js->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < js->end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (!sm_digit(js, q)) {
            return sm_json_fail(js, js->line, "a malformed number");
        }
        while (sm_digit(js, q)) {
            q++;
        }
    }
    js->nodes[idx].text = js->p;
    js->nodes[idx].text_len = (size_t)(q - js->p);
    js->p = q;
    return NST_OK;
}

static nst_err
sm_json_literal(struct sm_json *js, const char *word, enum sm_jkind kind, size_t *idx)
{
    size_t n = strlen(word);
    nst_err err;

    if ((size_t)(js->end - js->p) < n || memcmp(js->p, word, n)) {
        return sm_json_fail(js, js->line,
                            "an unknown word where a value should be (strings need double quotes)");
    }
    err = sm_json_node(js, kind, idx);
    if (!err) {
        js->nodes[*idx].text = word;
        js->nodes[*idx].text_len = n;
        js->p += n;
    }
    return err;
}

/*
 * One value at js->p (after whitespace) into a new node *idx. Objects and arrays
 * recurse, at most SRCMAP_MAX_DEPTH deep, so hostile nesting cannot exhaust the
 * stack.
 */
static nst_err
sm_json_value(struct sm_json *js, int depth, size_t *idx)
{
    size_t self, child, last = 0;
    const char *name;
    size_t name_len;
    uint32_t name_line, open_line, comma_line = 0;
    bool object;
    char close;
    nst_err err;

    if (js->p >= js->end) {
        return sm_json_eof(js, "where a value should be", 0);
    }
    switch (*js->p) {
    case '{':
    case '[':
        break;
    case '"':
        err = sm_json_node(js, SM_J_STRING, idx);
        if (!err) {
            err = sm_json_string(js, &name, &name_len);
        }
        if (!err) {
            js->nodes[*idx].text = name;
            js->nodes[*idx].text_len = name_len;
        }
        return err;
    case 't':
        return sm_json_literal(js, "true", SM_J_TRUE, idx);
    case 'f':
        return sm_json_literal(js, "false", SM_J_FALSE, idx);
    case 'n':
        return sm_json_literal(js, "null", SM_J_NULL, idx);
    default:
        if ((*js->p >= 'a' && *js->p <= 'z') || (*js->p >= 'A' && *js->p <= 'Z')) {
            return sm_json_fail(js, js->line,
                                "an unknown word where a value should be "
                                "(strings need double quotes)");
        }
        if (*js->p != '-' && (*js->p < '0' || *js->p > '9')) {
            char seen[32];

            return sm_json_fail(js, js->line, "expected a value, found %s",
                                sm_json_seen(js, seen, sizeof seen));
        }
        err = sm_json_node(js, SM_J_NUMBER, idx);
        return err ? err : sm_json_number(js, *idx);
    }

    if (depth >= SRCMAP_MAX_DEPTH) {
        return NST_EINPUT;
    }
    object = *js->p == '{';
    close = object ? '}' : ']';
    err = sm_json_node(js, object ? SM_J_OBJECT : SM_J_ARRAY, &self);
    if (err) {
        return err;
    }
    *idx = self;
    open_line = js->line;
    js->p++;
    sm_json_ws(js);
    if (js->p < js->end && *js->p == close) {
        js->p++;
        js->value_end_line = js->line;
        return NST_OK;
    }
    for (;;) {
        name = NULL;
        name_len = 0;
        name_line = js->line;
        if (js->p >= js->end) {
            return sm_json_eof(js, object ? "object" : "array", open_line);
        }
        if (object) {
            if (*js->p != '"') {
                char seen[32];

                if (*js->p == close && last) {
                    return sm_json_fail(js, comma_line, "a comma after the last member");
                }
                return sm_json_fail(js, js->line,
                                    "expected a member name in double quotes, found %s",
                                    sm_json_seen(js, seen, sizeof seen));
            }
            err = sm_json_string(js, &name, &name_len);
            if (err) {
                return err;
            }
            sm_json_ws(js);
            if (js->p >= js->end) {
                return sm_json_eof(js, "object", open_line);
            }
            if (*js->p != ':') {
                return sm_json_fail(js, name_line, "expected ':' after the member name \"%.*s\"",
                                    (int)(name_len < 60 ? name_len : 60), name);
            }
            js->p++;
            sm_json_ws(js);
        } else if (*js->p == close && last) {
            return sm_json_fail(js, comma_line, "a comma after the last value of an array");
        }
        err = sm_json_value(js, depth + 1, &child);
        if (err) {
            return err;
        }
        /* Nodes may have moved (realloc): index only from here on. */
        if (object) {
            js->nodes[child].name = name;
            js->nodes[child].name_len = name_len;
            js->nodes[child].line = name_line;
        }
        if (last) {
            js->nodes[last].next = child;
        } else {
            js->nodes[self].child = child;
        }
        last = child;
        js->value_end_line = js->line;
        sm_json_ws(js);
        if (js->p < js->end && *js->p == ',') {
            comma_line = js->line;
            js->p++;
            sm_json_ws(js);
            continue;
        }
        if (js->p < js->end && *js->p == close) {
            js->p++;
            js->value_end_line = js->line;
            return NST_OK;
        }
        if (js->p >= js->end) {
            return sm_json_eof(js, object ? "object" : "array", open_line);
        }
        {
            char seen[32];

            /* Reported where the value ended: a missing comma belongs at the end of that
             * line, not on the next line where the next member starts. */
            if (js->line != js->value_end_line) {
                return sm_json_fail(js, js->value_end_line,
                                    "expected ',' or '%c' after this value, found %s on line %u",
                                    close, sm_json_seen(js, seen, sizeof seen), js->line);
            }
            return sm_json_fail(js, js->line, "expected ',' or '%c' after this value, found %s",
                                close, sm_json_seen(js, seen, sizeof seen));
        }
    }
}

/* The text and hints libyang's JSON parser gives the type plugin for a value. */
static bool
sm_json_scalar(const struct sm_json *js, const struct sm_jnode *v, const char **text, size_t *len,
               uint32_t *hints)
{
    const struct sm_jnode *c;

    switch (v->kind) {
    case SM_J_STRING:
        *hints = LYD_VALHINT_STRING | LYD_VALHINT_NUM64;
        break;
    case SM_J_NUMBER:
        *hints = LYD_VALHINT_DECNUM;
        break;
    case SM_J_TRUE:
    case SM_J_FALSE:
        *hints = LYD_VALHINT_BOOLEAN;
        break;
    case SM_J_ARRAY:
        /* [null] is the empty value. */
        c = v->child ? &js->nodes[v->child] : NULL;
        if (!c || c->kind != SM_J_NULL || c->next) {
            return false;
        }
        *text = "";
        *len = 0;
        *hints = LYD_VALHINT_EMPTY;
        return true;
    case SM_J_NULL:
        *hints = 0;
        break;
    default:
        return false;
    }
    *text = v->text ? v->text : "";
    *len = v->text_len;
    return true;
}

/* Split a member name into its module (NULL when unqualified) and local name. */
static const struct lys_module *
sm_json_module(const struct ly_ctx *ly, const struct sm_jnode *m, const char **local,
               size_t *local_len, bool *qualified)
{
    const char *colon = memchr(m->name, ':', m->name_len);
    char modname[256];
    size_t n;

    *qualified = colon != NULL;
    if (!colon) {
        *local = m->name;
        *local_len = m->name_len;
        return NULL;
    }
    n = (size_t)(colon - m->name);
    *local = colon + 1;
    *local_len = m->name_len - n - 1;
    if (n == 0 || n >= sizeof modname) {
        return NULL;
    }
    memcpy(modname, m->name, n);
    modname[n] = '\0';
    return ly_ctx_get_module_implemented(ly, modname);
}

static nst_err
sm_json_put_keys(struct sm_build *b, const struct sm_json *js, const struct lysc_node *list,
                 const struct sm_jnode *entry, bool *complete)
{
    const struct lysc_node *key;
    const struct sm_jnode *m;
    const char *local, *text;
    size_t local_len, len;
    uint32_t hints;
    bool qualified, found;
    char what[512];
    nst_err err = NST_OK;

    *complete = true;
    for (key = lysc_node_child(list); !err && key && (key->flags & LYS_KEY); key = key->next) {
        found = false;
        for (m = entry->child ? &js->nodes[entry->child] : NULL; m && !found;
             m = m->next ? &js->nodes[m->next] : NULL) {
            if (!m->name_len || m->name[0] == '@') {
                continue;
            }
            /* A redundant "module:" on the key is tolerated if it names the list's module. */
            if (sm_json_module(b->ly, m, &local, &local_len, &qualified) != key->module &&
                qualified) {
                continue;
            }
            if (local_len != strlen(key->name) || memcmp(local, key->name, local_len) ||
                !sm_json_scalar(js, m, &text, &len, &hints)) {
                continue;
            }
            found = true;
            if (snprintf(what, sizeof what, "[%s=", key->name) >= (int)sizeof what) {
                found = false;
                break;
            }
            err = sm_put_value(b, what, key, text, len, LY_VALUE_JSON, NULL, hints);
        }
        if (!found) {
            *complete = false;
            break;
        }
    }
    return err;
}

/* Members of object @obj; @parent is its schema node, NULL at the top. */
static nst_err
sm_json_walk(struct sm_build *b, const struct sm_json *js, size_t obj,
             const struct lysc_node *parent, int depth)
{
    const struct lysc_node *snode;
    const struct lys_module *mod;
    const struct sm_jnode *m, *v;
    struct sm_pos *pos = NULL;
    size_t npos = 0, mark, i, mi, len;
    const char *local, *text;
    size_t local_len;
    uint32_t hints;
    bool qualified, complete;
    nst_err err = NST_OK;

    if (depth > SRCMAP_MAX_DEPTH) {
        return NST_EINPUT;
    }
    mark = b->len;
    for (mi = js->nodes[obj].child; mi && !err; mi = js->nodes[mi].next) {
        m = &js->nodes[mi];
        if (!m->name_len || m->name[0] == '@') {
            continue; /* metadata */
        }
        mod = sm_json_module(b->ly, m, &local, &local_len, &qualified);
        if (!qualified) {
            /* Unqualified names inherit the parent's module; top-level ones must not. */
            mod = parent ? parent->module : NULL;
        }
        if (!mod || !local_len) {
            continue;
        }
        snode = lys_find_child(parent, mod, local, local_len, SM_DATA_NODES, 0);
        if (!snode) {
            continue;
        }
        switch (snode->nodetype) {
        case LYS_CONTAINER:
            if (m->kind != SM_J_OBJECT) {
                break;
            }
            err = sm_put_name(b, snode, parent);
            if (!err) {
                err = sm_record(b, m->line);
            }
            if (!err) {
                err = sm_json_walk(b, js, mi, snode, depth + 1);
            }
            break;
        case LYS_LIST:
        case LYS_LEAFLIST:
            if (m->kind != SM_J_ARRAY) {
                break;
            }
            for (i = m->child; i && !err; i = js->nodes[i].next) {
                v = &js->nodes[i];
                err = sm_put_name(b, snode, parent);
                complete = true;
                if (err) {
                    break;
                }
                if (snode->nodetype == LYS_LIST && v->kind != SM_J_OBJECT) {
                    complete = false;
                } else if (sm_by_position(snode)) {
                    err = sm_put_position(b, &pos, &npos, snode);
                } else if (snode->nodetype == LYS_LIST) {
                    err = sm_json_put_keys(b, js, snode, v, &complete);
                } else if (sm_json_scalar(js, v, &text, &len, &hints)) {
                    err = sm_put_value(b, "[.=", snode, text, len, LY_VALUE_JSON, NULL, hints);
                } else {
                    complete = false;
                }
                if (!err && complete) {
                    err = sm_record(b, v->line);
                }
                if (!err && complete && snode->nodetype == LYS_LEAFLIST && !sm_by_position(snode)) {
                    sm_mark_host_bits(b, text, len);
                }
                if (!err && complete && snode->nodetype == LYS_LIST) {
                    err = sm_json_walk(b, js, i, snode, depth + 1);
                }
                b->len = mark;
                b->path[mark] = '\0';
            }
            break;
        default:
            /* Leaves and anydata/anyxml: the node itself, nothing inside. */
            err = sm_put_name(b, snode, parent);
            if (!err) {
                err = sm_record(b, m->line);
            }
            if (!err && snode->nodetype == LYS_LEAF && sm_json_scalar(js, m, &text, &len, &hints)) {
                sm_mark_host_bits(b, text, len);
            }
            break;
        }
        if (b->path) {
            b->len = mark;
            b->path[mark] = '\0';
        }
    }
    nst_free(pos);
    return err;
}

nst_err
srcmap_build_json(const char *data, size_t len, const struct ly_ctx *ly, struct srcmap **out)
{
    struct sm_build b;
    struct sm_json js;
    size_t root, none;
    nst_err err;

    if (!data || !ly || !out) {
        return NST_EINVAL;
    }
    memset(&js, 0, sizeof js);
    js.p = data;
    js.end = data + len;
    js.line = 1;
    err = sm_build_new(ly, &b);
    /* Node 0 is the "none" index and never a real value. */
    if (!err) {
        err = sm_json_node(&js, SM_J_NULL, &none);
    }
    if (err) {
        goto cleanup;
    }
    sm_json_ws(&js);
    if (js.p == js.end) {
        /* Empty input is an empty data tree, as for libyang. */
        goto cleanup;
    }
    if (*js.p != '{') {
        err = NST_EINPUT;
        goto cleanup;
    }
    err = sm_json_value(&js, 0, &root);
    if (err) {
        goto cleanup;
    }
    sm_json_ws(&js);
    if (js.p != js.end) {
        err = NST_EINPUT;
        goto cleanup;
    }
    err = sm_json_walk(&b, &js, root, NULL, 0);

cleanup:
    nst_free(js.nodes);
    sm_arena_free(js.strings);
    return sm_build_finish(&b, err, out);
}

bool
srcmap_json_syntax(const char *data, size_t len, uint32_t *line, char *msg, size_t msglen)
{
    struct sm_json js;
    size_t root, none;
    const char *q;
    char seen[32];
    bool found = false;
    nst_err err;

    if (!data) {
        return false;
    }
    memset(&js, 0, sizeof js);
    js.p = data;
    js.end = data + len;
    js.line = 1;
    js.content_end_line = 1;
    for (q = data; q < js.end; q++) {
        if (*q == '\n') {
            js.line++;
        } else if (*q != ' ' && *q != '\t' && *q != '\r') {
            js.content_end_line = js.line;
        }
    }
    js.line = 1;
    err = sm_json_node(&js, SM_J_NULL, &none);
    if (!err) {
        sm_json_ws(&js);
        if (js.p < js.end && *js.p != '{') {
            sm_json_fail(&js, js.line, "a JSON service starts with '{', found %s",
                         sm_json_seen(&js, seen, sizeof seen));
        } else if (js.p < js.end && !sm_json_value(&js, 0, &root)) {
            sm_json_ws(&js);
            if (js.p != js.end) {
                sm_json_fail(&js, js.line, "%s after the end of the JSON document",
                             sm_json_seen(&js, seen, sizeof seen));
            }
        }
    }
    if (js.why) {
        found = true;
        if (line) {
            *line = js.why_line;
        }
        if (msg && msglen) {
            snprintf(msg, msglen, "%s", js.why);
        }
    }
    nst_free(js.nodes);
    sm_arena_free(js.strings);
    return found;
}
