/*
 * diff_cli.c: `netstitch diff --format cli`: a device's diff as the commands an operator
 * would type, in the vendor's own CLI.
 *
 * Place in the pipeline: after diff_compute() (diff.c), lifecycle.c calls diff_print_cli()
 * per device with the name of its driver. This file is an engine and knows no vendor:
 * everything vendor-specific (the syntax family, the negation word, which schema path is a
 * mode, a statement or implied, how values are quoted, value maps) is the driver's CLI
 * dialect, struct drv_cli_dialect in drivers/driver.h, kept in drivers/<vendor>.c next to
 * the templates that write the same CLI. Four syntax families (enum drv_cli_style):
 *   MODES  hierarchical configuration modes (IOS-XR, VRP, EOS): the dialect's rules map
 *          the schema paths netstitch's templates emit to a mode line (`interface X`), a
 *          statement (`mtu 1514`, several leaves in one line), or a statement that lives
 *          in another mode (VRP binds a bridge domain inside the interface). Removals are
 *          the negation (`no`, `undo`) of the old statement; a changed statement is
 *          emitted whole with its new values (taken from D: the diff holds only what
 *          changed). The lines are collected in a tree of modes (struct diff_cli_block)
 *          and printed removals first. A dialect may name a top-level list whose entries
 *          are CLI lines already (Arista's arista-cli `commands`): new lines are printed
 *          under their mode lines, removed ones negated.
 *   SET    Junos `set` / `delete`, one command per changed leaf, the path spelled from the
 *          schema (the dialect lists the list names the CLI hides and the leaves whose
 *          value stands alone); removals first.
 *   MDCLI  Nokia MD-CLI `/configure ...` / `delete /configure ...`, likewise.
 *   PATHS  no native CLI (generic OpenConfig): `path = value` / `delete path`.
 * In the flat families a rule may join a subtree into one command (DRV_CLI_STMT) or hide a
 * node (DRV_CLI_SKIP); everything else is spelled from the schema.
 *
 * A change the dialect has no rule for (MODES: a leaf, list or presence container whose
 * path has no rule and no rule above it that covers it) is never guessed at: the device's
 * output starts with an error line naming the path (CLI-RULE-MISSING), and the change is
 * left to the tree and xml formats. diff_cli_covers() answers the same question for a
 * schema node; tests/unit/test_cli_rules.c asks it for every node a template can emit.
 *
 * Not here: computing the diff (diff.c), the tree and JSON printers (diff_print.c).
 */
#include "diff.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff_int.h"
#include "driver.h"

/* The dialect of a device whose driver is unknown (a payload directory): its paths. */
static const struct drv_cli_dialect diff_cli_paths = {
    .style = DRV_CLI_PATHS,
    .comment = "#",
};

struct diff_cli {
    const struct diff_result *r;
    const struct drv_cli_dialect *dia;
    struct diff_buf *b;
    int color;
    char **missing; /* schema paths without a rule, each once */
    size_t nmissing;
};

/*
 * Paths and lookups
 */

/* A schema path of names, "/interfaces/interface/mtu" (choices and cases are not data). */
static void
diff_schema_path(const struct lyd_node *n, char *buf, size_t len)
{
    const struct lyd_node *chain[64];
    size_t k = 0, off = 0;

    for (; n && k < 64; n = lyd_parent(n)) {
        chain[k++] = n;
    }
    buf[0] = '\0';
    while (k--) {
        off +=
            (size_t)snprintf(buf + off, off < len ? len - off : 0, "/%s", chain[k]->schema->name);
    }
}

/* The node of the tree @first that is the same data node as @n (which is in another tree). */
static const struct lyd_node *
diff_counterpart(const struct lyd_node *first, const struct lyd_node *n)
{
    const struct lyd_node *p;

    if (!n || !first) {
        return NULL;
    }
    if (!lyd_parent(n)) {
        return diff_match(first, n);
    }
    p = diff_counterpart(first, lyd_parent(n));
    return p ? diff_match(lyd_child(p), n) : NULL;
}

/* The first of @first and its siblings named @name, @len characters. */
static const struct lyd_node *
diff_named(const struct lyd_node *first, const char *name, size_t len)
{
    for (const struct lyd_node *c = first; c; c = c->next) {
        if (c->schema && strlen(c->schema->name) == len && !strncmp(c->schema->name, name, len)) {
            return c;
        }
    }
    return NULL;
}

/* Resolve a rule path: "." (the node), "a/b", "../a", or "/top/a" (in @roots, in order). */
static const struct lyd_node *
diff_lookup(const struct lyd_node *ctx, const char *path, const struct lyd_node *const *roots,
            size_t nroots)
{
    const struct lyd_node *n = ctx;
    const char *p = path;

    if (!strcmp(path, ".")) {
        return ctx;
    }
    if (!strcmp(path, "*")) {
        /* Any child that is not a key: the entry says more than its name. */
        const struct lyd_node *c = lyd_child_no_keys(ctx);

        return c;
    }
    if (*p == '/') {
        for (size_t i = 0; i < nroots; i++) {
            const char *seg = p + 1, *end = strchr(seg, '/');
            const struct lyd_node *m =
                diff_named(roots[i], seg, end ? (size_t)(end - seg) : strlen(seg));

            while (m && end) {
                seg = end + 1;
                end = strchr(seg, '/');
                m = diff_named(lyd_child(m), seg, end ? (size_t)(end - seg) : strlen(seg));
            }
            if (m) {
                return m;
            }
        }
        return NULL;
    }
    while (n && *p) {
        const char *end = strchr(p, '/');
        size_t l = end ? (size_t)(end - p) : strlen(p);

        if (l == 2 && !strncmp(p, "..", 2)) {
            n = lyd_parent(n);
        } else {
            n = diff_named(lyd_child(n), p, l);
        }
        p = end ? end + 1 : p + l;
    }
    return n;
}

static const struct drv_cli_rule *
diff_rule_find(const struct drv_cli_dialect *dia, const char *path)
{
    for (const struct drv_cli_rule *r = dia->rules; r && r->path; r++) {
        if (!strcmp(r->path, path)) {
            return r;
        }
    }
    return NULL;
}

/* "parent/child" in @pairs, for @n and its parent. */
static int
diff_pair_in(const char *const *pairs, const struct lyd_node *n)
{
    const struct lyd_node *p = lyd_parent(n);

    for (size_t i = 0; p && pairs && pairs[i]; i++) {
        size_t pl = strlen(p->schema->name);

        if (!strncmp(pairs[i], p->schema->name, pl) && pairs[i][pl] == '/' &&
            !strcmp(pairs[i] + pl + 1, n->schema->name)) {
            return 1;
        }
    }
    return 0;
}

static int
diff_name_in(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++) {
        if (!strcmp(names[i], name)) {
            return 1;
        }
    }
    return 0;
}

/* A leaf's base type, through leafrefs. */
static LY_DATA_TYPE
diff_basetype(const struct lyd_node *n)
{
    const struct lysc_type *t = ((const struct lysc_node_leaf *)n->schema)->type;

    if (t->basetype == LY_TYPE_LEAFREF && ((const struct lysc_type_leafref *)t)->realtype) {
        t = ((const struct lysc_type_leafref *)t)->realtype;
    }
    return t->basetype;
}

/* The value shown for a key or leaf in a path or command: identities without module. */
static const char *
diff_cli_shown(const struct lyd_node *n)
{
    const char *v = diff_value(n);

    if (diff_basetype(n) == LY_TYPE_IDENT && strchr(v, ':')) {
        return strchr(v, ':') + 1;
    }
    return v;
}

/*
 * Values in the flat families
 */

/* "..." with " and \ escaped, control characters as spaces. */
static void
diff_cli_quote(struct diff_buf *b, const char *v)
{
    diff_buf_puts(b, "\"");
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') {
            diff_buf_puts(b, "\\");
        }
        diff_buf_printf(b, "%c", (unsigned char)*v < ' ' ? ' ' : *v);
    }
    diff_buf_puts(b, "\"");
}

/* @v, the value of leaf @n, as the dialect shows it. */
static void
diff_cli_value(struct diff_buf *b, const struct drv_cli_dialect *dia, const struct lyd_node *n,
               const char *v)
{
    LY_DATA_TYPE t;

    switch (dia->style) {
    case DRV_CLI_SET:
        if (n && diff_name_in(dia->quoted, n->schema->name)) {
            diff_cli_quote(b, v);
        } else {
            diff_word(b, v);
        }
        return;
    case DRV_CLI_MDCLI:
        /* MD-CLI shows numbers, booleans, enumerations and a few names bare. */
        t = n ? diff_basetype(n) : LY_TYPE_STRING;
        if ((t != LY_TYPE_STRING && t != LY_TYPE_UNION) ||
            (n && (diff_name_in(dia->bare, n->schema->name) || diff_pair_in(dia->bare, n)))) {
            if (*v && !strpbrk(v, " \"\\#{}[];")) {
                diff_buf_puts(b, v);
                return;
            }
        }
        diff_cli_quote(b, v);
        return;
    case DRV_CLI_MODES:
    case DRV_CLI_PATHS:
        break;
    }
    diff_buf_puts(b, v);
}

/*
 * Rule formats
 */

static char *diff_cli_fmt(struct diff_cli *c, const char *fmt, const struct lyd_node *ctx);

static const struct drv_cli_map *
diff_cli_map(const struct drv_cli_dialect *dia, const char *name, size_t len)
{
    for (const struct drv_cli_map *m = dia->maps; m && m->name; m++) {
        if (strlen(m->name) == len && !strncmp(m->name, name, len)) {
            return m;
        }
    }
    return NULL;
}

/* A lookup map (driver.h): the entry of m->list whose m->key matches @v, or NULL. */
static const struct lyd_node *
diff_cli_map_entry(struct diff_cli *c, const struct drv_cli_map *m, const char *v)
{
    const struct lyd_node *roots[2] = {c->r->desired, c->r->actual};
    const char *slash = strrchr(m->list, '/');
    char parent[256];

    if (!slash || slash == m->list) {
        return NULL;
    }
    snprintf(parent, sizeof parent, "%.*s", (int)(slash - m->list), m->list);
    for (size_t i = 0; i < 2; i++) {
        const struct lyd_node *pn = diff_lookup(NULL, parent, &roots[i], 1);

        for (const struct lyd_node *it = diff_child(pn); it; it = it->next) {
            const struct lyd_node *k;
            const char *name;
            size_t nl, vl = strlen(v);

            if (!it->schema || strcmp(it->schema->name, slash + 1)) {
                continue;
            }
            k = diff_named(lyd_child(it), m->key, strlen(m->key));
            name = k ? diff_value(k) : "";
            nl = strlen(name);
            if (!m->suffix
                    ? !strcmp(name, v)
                    : nl > vl && !strcmp(name + nl - vl, v) &&
                          !isdigit((unsigned char)name[nl - vl - 1]) && name[nl - vl - 1] != '/') {
                return it;
            }
        }
    }
    return NULL;
}

/* A transform of a placeholder's value (driver.h: "sp", "nobang", "q", or a map). */
static void
diff_cli_transform(struct diff_cli *c, struct diff_buf *o, const char *fn, size_t fl, const char *v)
{
    const struct drv_cli_map *m;

    if (fl == 2 && !strncmp(fn, "sp", 2)) {
        for (; *v; v++) {
            diff_buf_printf(o, "%c", *v == '-' ? ' ' : *v);
        }
    } else if (fl == 6 && !strncmp(fn, "nobang", 6)) {
        diff_buf_puts(o, v + (*v == '!'));
    } else if (fl == 1 && *fn == 'q') {
        diff_cli_quote(o, v);
    } else if (fl == 3 && !strncmp(fn, "ipv", 3)) {
        /* The address family keyword of an address or prefix: "ip" or "ipv6". */
        diff_buf_puts(o, strchr(v, ':') ? "ipv6" : "ip");
    } else if (fl == 4 && !strncmp(fn, "usms", 4)) {
        /* Microseconds as milliseconds (OpenConfig BFD intervals, EOS CLI). */
        diff_buf_printf(o, "%lu", strtoul(v, NULL, 10) / 1000);
    } else if ((m = diff_cli_map(c->dia, fn, fl)) && m->pairs) {
        for (size_t i = 0; m->pairs[i] && m->pairs[i + 1]; i += 2) {
            if (!strcmp(m->pairs[i], v)) {
                diff_buf_puts(o, m->pairs[i + 1]);
                return;
            }
        }
        diff_buf_puts(o, v);
    } else if (m && m->list) {
        const struct lyd_node *e = diff_cli_map_entry(c, m, v);
        char *text = e ? diff_cli_fmt(c, m->fmt, e) : NULL;

        if (text) {
            diff_buf_puts(o, text);
            nst_free(text);
            return;
        }
        /* The fallback with "{.}" standing for the value. */
        for (const char *p = m->fallback ? m->fallback : "{.}"; *p; p++) {
            if (!strncmp(p, "{.}", 3)) {
                diff_buf_puts(o, v);
                p += 2;
            } else {
                diff_buf_printf(o, "%c", *p);
            }
        }
    } else {
        diff_buf_puts(o, v);
    }
}

/* The '}' that closes the '{' at @p (placeholders nest inside conditional text), or NULL. */
static const char *
diff_cli_close(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '{') {
            depth++;
        } else if (*p == '}' && !--depth) {
            return p;
        }
    }
    return NULL;
}

/* The 1-based position of @ctx among the entries of its list, in D (else R'). */
static size_t
diff_cli_position(struct diff_cli *c, const struct lyd_node *ctx)
{
    const struct lyd_node *n = diff_counterpart(c->r->desired, ctx);
    size_t pos = 1;

    if (!n) {
        n = diff_counterpart(c->r->actual, ctx);
    }
    if (!n) {
        n = ctx;
    }
    for (const struct lyd_node *p = lyd_first_sibling(n); p && p != n; p = p->next) {
        pos += p->schema == n->schema;
    }
    return pos;
}

/* Expand a rule format (driver.h) with @ctx as the context node; NULL when memory ran out. */
static char *
diff_cli_fmt(struct diff_cli *c, const char *fmt, const struct lyd_node *ctx)
{
    const struct lyd_node *roots[3] = {c->r->desired, c->r->diff, c->r->actual};
    struct diff_buf o = {0};

    for (const char *p = fmt; *p; p++) {
        const char *end, *bar, *colon;
        const struct lyd_node *n;
        char path[256];
        size_t pl;

        if (*p != '{' || !(end = diff_cli_close(p))) {
            diff_buf_printf(&o, "%c", *p);
            continue;
        }
        if (p[1] == '?' || p[1] == '!') {
            /* {?path|text} when path exists, {!path|text} when it does not. */
            bar = memchr(p, '|', (size_t)(end - p));
            pl = bar ? (size_t)(bar - p - 2) : 0;
            snprintf(path, sizeof path, "%.*s", (int)pl, p + 2);
            if (bar && (diff_lookup(ctx, path, roots, 3) != NULL) != (p[1] == '!')) {
                char *text = nst_strndup(bar + 1, (size_t)(end - bar - 1));
                char *sub = text ? diff_cli_fmt(c, text, ctx) : NULL;

                if (!sub) {
                    o.failed = 1;
                } else {
                    diff_buf_puts(&o, sub);
                }
                nst_free(text);
                nst_free(sub);
            }
        } else if (p[1] == '#') {
            /* {#step}: the entry's position in its list times step (a sequence number). */
            diff_buf_printf(&o, "%lu",
                            (unsigned long)diff_cli_position(c, ctx) * strtoul(p + 2, NULL, 10));
        } else if ((bar = memchr(p, '*', (size_t)(end - p)))) {
            /* {path*count}: the value at path, count times (the value at count),
             * space-separated (EOS `set as-path prepend 65010 65010`). */
            const struct lyd_node *cn;
            unsigned long times;

            snprintf(path, sizeof path, "%.*s", (int)(bar - p - 1), p + 1);
            n = diff_lookup(ctx, path, roots, 3);
            snprintf(path, sizeof path, "%.*s", (int)(end - bar - 1), bar + 1);
            cn = diff_lookup(ctx, path, roots, 3);
            times = cn && cn->schema && (cn->schema->nodetype & LYD_NODE_TERM)
                        ? strtoul(diff_cli_shown(cn), NULL, 10)
                        : 0;
            for (unsigned long i = 0;
                 n && n->schema && (n->schema->nodetype & LYD_NODE_TERM) && i < times && i < 255;
                 i++) {
                diff_buf_printf(&o, "%s%s", i ? " " : "", diff_cli_shown(n));
            }
        } else {
            colon = memchr(p, ':', (size_t)(end - p));
            pl = (size_t)((colon ? colon : end) - p - 1);
            snprintf(path, sizeof path, "%.*s", (int)pl, p + 1);
            n = diff_lookup(ctx, path, roots, 3);
            if (n && n->schema && (n->schema->nodetype & LYD_NODE_TERM) && colon &&
                end - colon - 1 == 3 && !strncmp(colon + 1, "all", 3)) {
                /* {path:all}: every value of a leaf-list, space-separated (Junos inner-list). */
                const struct lyd_node *it;
                int first = 1;

                for (it = n; it; it = it->next) {
                    if (it->schema == n->schema) {
                        diff_buf_printf(&o, "%s%s", first ? "" : " ", diff_cli_shown(it));
                        first = 0;
                    }
                }
            } else if (n && n->schema && (n->schema->nodetype & LYD_NODE_TERM)) {
                if (colon) {
                    diff_cli_transform(c, &o, colon + 1, (size_t)(end - colon - 1),
                                       diff_cli_shown(n));
                } else {
                    diff_cli_value(&o, c->dia, n, diff_cli_shown(n));
                }
            }
        }
        p = end;
    }
    if (o.failed) {
        nst_free(o.s);
        c->b->failed = 1;
        return NULL;
    }
    return o.s ? o.s : nst_strdup("");
}

/* Record a schema path the dialect has no rule for (printed once, as an error line). */
static void
diff_cli_missing(struct diff_cli *c, const char *path)
{
    char **v;

    for (size_t i = 0; i < c->nmissing; i++) {
        if (!strcmp(c->missing[i], path)) {
            return;
        }
    }
    v = nst_realloc(c->missing, (c->nmissing + 1) * sizeof *v);
    if (!v || !(v[c->nmissing] = nst_strdup(path))) {
        if (v) {
            c->missing = v;
        }
        c->b->failed = 1;
        return;
    }
    c->missing = v;
    c->nmissing++;
}

/*
 * Coverage
 */

static int
diff_cli_np_container(const struct lysc_node *s)
{
    return s->nodetype == LYS_CONTAINER && !(s->flags & LYS_PRESENCE);
}

int
diff_cli_covers(const struct drv_cli_dialect *dia, const struct lysc_node *sn)
{
    const struct lysc_node *chain[64];
    char path[1024];
    size_t k = 0, off = 0;

    if (!dia || dia->style != DRV_CLI_MODES) {
        /* The flat families spell every path from the schema. */
        return 1;
    }
    for (const struct lysc_node *s = sn; s && k < 64; s = s->parent) {
        if (!(s->nodetype & (LYS_CHOICE | LYS_CASE))) {
            chain[k++] = s;
        }
    }
    path[0] = '\0';
    if (k && dia->commands && !strcmp(chain[k - 1]->name, dia->commands)) {
        return 1;
    }
    while (k--) {
        const struct lysc_node *s = chain[k];
        const struct drv_cli_rule *rule;

        off +=
            (size_t)snprintf(path + off, off < sizeof path ? sizeof path - off : 0, "/%s", s->name);
        if (lysc_is_key(s)) {
            /* Printed with its list's line. */
            return 1;
        }
        rule = diff_rule_find(dia, path);
        if (rule) {
            if (rule->kind == DRV_CLI_STMT || rule->kind == DRV_CLI_SKIP ||
                rule->kind == DRV_CLI_BLOCK) {
                return 1;
            }
            continue;
        }
        if (!diff_cli_np_container(s)) {
            return 0;
        }
    }
    return 1;
}

/*
 * The mode tree (MODES)
 */

struct diff_cli_item {
    char *text; /* a statement (NULL for a block) */
    struct diff_cli_block *blk;
    int del;  /* a removal: printed first */
    int late; /* placed by a rule's mode from elsewhere (VRP binds a bridge domain in the
                 interface view): printed after the view's own statements, and removed first */
};

struct diff_cli_block {
    char *line; /* the mode line; NULL for the top */
    struct diff_cli_item *items;
    size_t n;
    int keep; /* printed even without statements (a new mode) */
};

static void
diff_cli_block_free(struct diff_cli_block *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        nst_free(b->items[i].text);
        diff_cli_block_free(b->items[i].blk);
    }
    nst_free(b->items);
    nst_free(b->line);
    nst_free(b);
}

/* Append a statement (consumed) or find/append a child block; NULL on failure. */
static struct diff_cli_block *
diff_cli_add(struct diff_cli *c, struct diff_cli_block *b, char *text, int del, int late,
             const char *mode)
{
    struct diff_cli_item *v;
    struct diff_cli_block *nb = NULL;

    for (size_t i = 0; i < b->n; i++) {
        if (mode && b->items[i].blk && !strcmp(b->items[i].blk->line, mode)) {
            return b->items[i].blk;
        }
        if (text && b->items[i].text && !strcmp(b->items[i].text, text) && b->items[i].del == del) {
            nst_free(text);
            return b;
        }
    }
    v = nst_realloc(b->items, (b->n + 1) * sizeof *v);
    if (mode) {
        nb = nst_calloc(1, sizeof *nb);
        if (nb) {
            nb->line = nst_strdup(mode);
        }
    }
    if (!v || (mode && (!nb || !nb->line))) {
        if (v) {
            b->items = v;
        }
        diff_cli_block_free(nb);
        nst_free(text);
        c->b->failed = 1;
        return NULL;
    }
    b->items = v;
    v[b->n].text = mode ? NULL : text;
    v[b->n].blk = nb;
    v[b->n].del = del;
    v[b->n].late = late;
    b->n++;
    return mode ? nb : b;
}

/* The block a rule's statement goes to: @b, or the rule's modes from the top. */
static struct diff_cli_block *
diff_cli_target(struct diff_cli *c, struct diff_cli_block *top, struct diff_cli_block *b,
                const struct drv_cli_rule *rule, const struct lyd_node *ctx)
{
    char *modes, *save = NULL;

    if (!rule || !rule->mode) {
        return b;
    }
    modes = diff_cli_fmt(c, rule->mode, ctx);
    b = top;
    for (char *m = modes ? strtok_r(modes, "\n", &save) : NULL; m && b;
         m = strtok_r(NULL, "\n", &save)) {
        b = diff_cli_add(c, b, NULL, 0, 0, m);
    }
    nst_free(modes);
    return modes ? b : NULL;
}

/* A statement line, removal or not, into @b; @rule placed it from elsewhere (its mode). */
static void
diff_cli_stmt(struct diff_cli *c, struct diff_cli_block *b, const struct drv_cli_rule *rule,
              const char *fmt, int del, const struct lyd_node *ctx)
{
    char *line = diff_cli_fmt(c, fmt, ctx), *full;

    if (!line || !*line) {
        /* A statement that says nothing here (a conditional format). */
        nst_free(line);
        return;
    }
    full = del ? nst_asprintf("%s%s", c->dia->no ? c->dia->no : "", line) : nst_strdup(line);
    nst_free(line);
    if (!full) {
        c->b->failed = 1;
        return;
    }
    diff_cli_add(c, b, full, del, rule && rule->mode, NULL);
}

static void
diff_cli_walk(struct diff_cli *c, struct diff_cli_block *top, struct diff_cli_block *b,
              const struct lyd_node *first)
{
    char path[1024];

    for (const struct lyd_node *n = first; n && b; n = n->next) {
        const struct drv_cli_rule *rule;
        const struct lyd_node *want;
        struct diff_cli_block *t;
        int del;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        if (!lyd_parent(n) && c->dia->commands && !strcmp(n->schema->name, c->dia->commands)) {
            /* diff_cli_commands() */
            continue;
        }
        del = !strcmp(diff_op(n), "delete");
        diff_schema_path(n, path, sizeof path);
        rule = diff_rule_find(c->dia, path);
        want = del ? n : diff_counterpart(c->r->desired, n);
        if (!want) {
            want = n;
        }
        if (!rule) {
            /* A container without presence is structure only: its children speak. Anything
             * else without a rule is an error, never a guess (the file comment). */
            if (diff_cli_np_container(n->schema)) {
                diff_cli_walk(c, top, b, lyd_child(n));
            } else {
                diff_cli_missing(c, path);
            }
            continue;
        }
        if (rule->kind == DRV_CLI_SKIP) {
            continue;
        }
        t = diff_cli_target(c, top, b, rule, want);
        if (!t) {
            continue;
        }
        switch (rule->kind) {
        case DRV_CLI_MODE:
            if (del) {
                char *line = diff_cli_fmt(c, rule->del ? rule->del : rule->fmt, n);

                if (line && !*line) {
                    /* A mode that says nothing here (VRP's public instance): its children's
                     * removals speak where they are, as its creation's children do. */
                    diff_cli_walk(c, top, t, lyd_child(n));
                } else if (line) {
                    diff_cli_stmt(c, t, rule, rule->del ? rule->del : rule->fmt, 1, n);
                }
                nst_free(line);
            } else {
                char *line = diff_cli_fmt(c, rule->fmt, want);
                struct diff_cli_block *m =
                    line && *line ? diff_cli_add(c, t, NULL, 0, 0, line) : NULL;

                if (line && !*line) {
                    /* A mode line that says nothing here (a reference to an object the
                     * router has, VRP's NULL0): its children, if any, speak where they are. */
                    diff_cli_walk(c, top, t, lyd_child(n));
                }
                nst_free(line);
                if (m) {
                    m->keep |= !strcmp(diff_op(n), "create");
                    diff_cli_walk(c, top, m, lyd_child(n));
                }
            }
            break;
        case DRV_CLI_STMT:
            if (del || rule->fmt) {
                diff_cli_stmt(c, t, rule, del && rule->del ? rule->del : rule->fmt, del, want);
            }
            break;
        case DRV_CLI_BLOCK:
            if (del) {
                diff_cli_stmt(c, t, rule, rule->del, 1, n);
            } else {
                const struct lyd_node *text = diff_lookup(want, rule->fmt, NULL, 0);
                char *block = nst_strdup(text ? diff_value(text) : "");

                if (!block) {
                    c->b->failed = 1;
                } else {
                    size_t bl = strlen(block);

                    if (bl && block[bl - 1] == '\n') {
                        block[bl - 1] = '\0';
                    }
                    diff_cli_add(c, t, block, 0, 0, NULL);
                }
            }
            break;
        case DRV_CLI_PASS:
            if (del && rule->del) {
                diff_cli_stmt(c, t, rule, rule->del, 1, n);
            } else {
                if (rule->fmt && !del && !strcmp(diff_op(n), "create")) {
                    /* A new entry that is a statement of its own as well (an empty EOS
                     * prefix list, a VRP peer's address family). */
                    diff_cli_stmt(c, t, rule, rule->fmt, 0, want);
                }
                diff_cli_walk(c, top, t, lyd_child(n));
            }
            break;
        case DRV_CLI_SKIP:
            break;
        }
    }
}

static void
diff_cli_indent(struct diff_cli *c, int depth)
{
    diff_buf_printf(c->b, "%*s", depth * c->dia->indent, "");
}

/* A statement may hold several lines (a route policy): each is indented. */
static void
diff_cli_lines(struct diff_cli *c, int depth, const char *text, int del)
{
    const char *p = text;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);

        if (c->color) {
            diff_buf_puts(c->b, del ? DIFF_C_DEL : DIFF_C_ADD);
        }
        diff_cli_indent(c, depth);
        diff_buf_printf(c->b, "%.*s", (int)l, p);
        if (c->color) {
            diff_buf_puts(c->b, DIFF_C_OFF);
        }
        diff_buf_puts(c->b, "\n");
        p += l + (nl != NULL);
    }
}

static int
diff_cli_has(const struct diff_cli_block *b)
{
    if (b->keep) {
        return 1;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].text || diff_cli_has(b->items[i].blk)) {
            return 1;
        }
    }
    return 0;
}

static void
diff_cli_print_block(struct diff_cli *c, const struct diff_cli_block *b, int depth)
{
    /* Removals first (those placed from elsewhere first of all: a binding goes before
     * what it binds), then the mode's own statements, then statements placed from
     * elsewhere, then the modes below. */
    for (int pass = 0; pass < 5; pass++) {
        int first = 1;

        for (size_t i = 0; i < b->n; i++) {
            const struct diff_cli_item *it = &b->items[i];

            if (it->text && pass < 4 && it->del == (pass < 2) &&
                it->late == (pass == 0 || pass == 3)) {
                if (first && !depth && c->dia->sep) {
                    diff_buf_printf(c->b, "%s\n", c->dia->sep);
                }
                first = 0;
                diff_cli_lines(c, depth, it->text, it->del);
            } else if (pass == 4 && it->blk && diff_cli_has(it->blk)) {
                if (!depth && c->dia->sep) {
                    diff_buf_printf(c->b, "%s\n", c->dia->sep);
                }
                diff_cli_indent(c, depth);
                diff_buf_printf(c->b, "%s\n", it->blk->line);
                diff_cli_print_block(c, it->blk, depth + 1);
                if (c->dia->end) {
                    diff_cli_indent(c, depth);
                    diff_buf_printf(c->b, "%s\n", c->dia->end);
                }
            }
        }
    }
}

/*
 * A list of CLI lines (dialect->commands)
 */

static size_t
diff_cli_depth(const char *v)
{
    return strspn(v, " ");
}

/*
 * The block of entry @x of a command list (whose entries are siblings), created under
 * @top: the mode lines before it with less indentation, from the top-level one down. NULL
 * when a mode line above it is @skip_op ("create": its block is printed whole; "delete":
 * it takes the line with it) or memory ran out.
 */
static struct diff_cli_block *
diff_cli_cmd_modes(struct diff_cli *c, struct diff_cli_block *top, const struct lyd_node *x,
                   const struct lyd_node *diffcmds, const char *skip_op)
{
    const struct lyd_node *chain[32];
    size_t k = 0, depth = diff_cli_depth(diff_value(x));
    struct diff_cli_block *b = top;

    for (const struct lyd_node *m = x->prev; depth && m != x && m->next; m = m->prev) {
        const char *v = diff_value(m);

        if (m->schema != x->schema || diff_cli_depth(v) >= depth) {
            continue;
        }
        if (k == 32) {
            return NULL;
        }
        chain[k++] = m;
        depth = diff_cli_depth(v);
    }
    while (k--) {
        const char *mode = diff_value(chain[k]);

        for (const struct lyd_node *y = diffcmds; y; y = y->next) {
            if (y->schema == chain[k]->schema && !strcmp(diff_value(y), mode) &&
                !strcmp(diff_op(y), skip_op)) {
                return NULL;
            }
        }
        b = diff_cli_add(c, b, NULL, 0, 0, mode + diff_cli_depth(mode));
        if (!b) {
            return NULL;
        }
    }
    return b;
}

/* Every line after @x (in its own list) that is deeper than @x, nested, into @nb. */
static void
diff_cli_cmd_body(struct diff_cli *c, struct diff_cli_block *nb, const struct lyd_node *x)
{
    struct diff_cli_block *stack[32];
    size_t depths[32], k = 0, base = diff_cli_depth(diff_value(x));

    stack[0] = nb;
    depths[0] = base;
    for (const struct lyd_node *y = x->next; y && y->schema == x->schema; y = y->next) {
        const char *v = diff_value(y);
        size_t d = diff_cli_depth(v);
        int opens =
            y->next && y->next->schema == y->schema && diff_cli_depth(diff_value(y->next)) > d;

        if (d <= base) {
            break;
        }
        while (k && depths[k] >= d) {
            k--;
        }
        if (opens && k + 1 < 32) {
            struct diff_cli_block *m = diff_cli_add(c, stack[k], NULL, 0, 0, v + d);

            if (!m) {
                return;
            }
            m->keep = 1;
            stack[++k] = m;
            depths[k] = d;
        } else {
            char *line = nst_strdup(v + d);

            if (!line) {
                c->b->failed = 1;
                return;
            }
            diff_cli_add(c, stack[k], line, 0, 0, NULL);
        }
    }
}

/* The dialect's command list: its entries are CLI lines, indented by mode. */
static void
diff_cli_commands(struct diff_cli *c, struct diff_cli_block *top)
{
    const struct lyd_node *roots[1] = {c->r->diff};
    char path[128];
    const struct lyd_node *cmds;

    snprintf(path, sizeof path, "/%s", c->dia->commands);
    cmds = diff_lookup(NULL, path, roots, 1);
    for (const struct lyd_node *n = diff_child(cmds); n; n = n->next) {
        const char *op = diff_op(n), *v = diff_value(n);
        int del = !strcmp(op, "delete");
        const struct lyd_node *list, *x;
        struct diff_cli_block *t;

        if (!n->schema || (strcmp(op, "create") && !del)) {
            continue;
        }
        /* The entry in the list it belongs to (D for a new line, R' for a removed one),
         * where the lines around it say its modes. */
        list = del ? c->r->actual : c->r->desired;
        list = diff_lookup(NULL, path, &list, 1);
        x = diff_match(diff_child(list), n);
        if (!x) {
            continue;
        }
        t = diff_cli_cmd_modes(c, top, x, lyd_child(cmds), del ? "delete" : "create");
        if (!t) {
            continue;
        }
        if (!del && x->next && x->next->schema == x->schema &&
            diff_cli_depth(diff_value(x->next)) > diff_cli_depth(v)) {
            /* A new mode: all of its lines, changed or not (an unchanged line under a new
             * interface is not in the diff, but the interface needs it). */
            struct diff_cli_block *nb = diff_cli_add(c, t, NULL, 0, 0, v + diff_cli_depth(v));

            if (nb) {
                nb->keep = 1;
                diff_cli_cmd_body(c, nb, x);
            }
            continue;
        }
        {
            char *line =
                del ? nst_asprintf("%s%s", c->dia->no ? c->dia->no : "", v + diff_cli_depth(v))
                    : nst_strdup(v + diff_cli_depth(v));

            if (!line) {
                c->b->failed = 1;
            } else {
                diff_cli_add(c, t, line, del, 0, NULL);
            }
        }
    }
}

/*
 * The flat families (SET, MDCLI, PATHS)
 */

/* The words (or the path, PATHS) of @n, without a leading blank. */
static void
diff_flat_path(struct diff_cli *c, struct diff_buf *b, const struct lyd_node *n)
{
    const struct drv_cli_dialect *dia = c->dia;
    const struct lyd_node *chain[64];
    size_t k = 0;

    for (const struct lyd_node *p = n; p && k < 64; p = lyd_parent(p)) {
        chain[k++] = p;
    }
    while (k--) {
        const struct lyd_node *x = chain[k];
        int last = k == 0, set = dia->style == DRV_CLI_SET;

        if (dia->style == DRV_CLI_PATHS) {
            const struct lyd_node *px = lyd_parent(x);

            diff_buf_puts(b, "/");
            if (px && x->schema->module != px->schema->module) {
                diff_buf_printf(b, "%s:", x->schema->module->name);
            }
            diff_buf_puts(b, x->schema->name);
            if (x->schema->nodetype == LYS_LIST) {
                for (const struct lyd_node *key = lyd_child(x); key && lysc_is_key(key->schema);
                     key = key->next) {
                    diff_buf_printf(b, "[%s=%s]", key->schema->name, diff_cli_shown(key));
                }
            }
            continue;
        }
        if (!lyd_parent(x) && dia->root && !strcmp(x->schema->name, dia->root)) {
            /* The root every command starts from. */
            continue;
        }
        if (diff_pair_in(dia->positional, x) && !last) {
            continue;
        }
        if (!(x->schema->nodetype == LYS_LIST && diff_pair_in(dia->hidden_lists, x)) &&
            !diff_pair_in(dia->positional, x)) {
            diff_buf_printf(b, " %s", x->schema->name);
        }
        if (x->schema->nodetype == LYS_LIST) {
            int first = 1;

            for (const struct lyd_node *key = lyd_child(x); key && lysc_is_key(key->schema);
                 key = key->next) {
                if (!set && !first) {
                    diff_buf_printf(b, " %s", key->schema->name);
                }
                diff_buf_puts(b, " ");
                diff_cli_value(b, dia, key, diff_cli_shown(key));
                first = 0;
            }
        }
    }
}

/* A PATHS leaf that restates a key of its list ("list keys implied by the paths"). */
static int
diff_flat_restates_key(const struct lyd_node *n)
{
    const struct lyd_node *l = lyd_parent(n);

    while (l && l->schema->nodetype != LYS_LIST) {
        l = lyd_parent(l);
    }
    for (const struct lyd_node *k = diff_child(l); k && lysc_is_key(k->schema); k = k->next) {
        if (k != n && !strcmp(k->schema->name, n->schema->name) &&
            !strcmp(diff_value(k), diff_value(n))) {
            return 1;
        }
    }
    return 0;
}

/* One flat command: set/delete of @n; with a STMT @rule, its line after @n's parent. */
static void
diff_flat_cmd(struct diff_cli *c, const struct lyd_node *n, int del,
              const struct drv_cli_rule *rule)
{
    const struct drv_cli_dialect *dia = c->dia;
    int term = (n->schema->nodetype & LYD_NODE_TERM) != 0;
    const char *fmt = rule ? (del ? rule->del : rule->fmt) : NULL;

    if (c->color) {
        diff_buf_puts(c->b, del ? DIFF_C_DEL : DIFF_C_ADD);
    }
    /* The command word: the dialect's ("set", "/configure"), none for a path. */
    diff_buf_puts(c->b, del ? (dia->del_cmd ? dia->del_cmd : "delete ")
                            : (dia->set_cmd ? dia->set_cmd : ""));
    if (fmt) {
        const struct lyd_node *want = del ? n : diff_counterpart(c->r->desired, n);
        char *line;

        if (lyd_parent(n)) {
            diff_flat_path(c, c->b, lyd_parent(n));
        }
        line = diff_cli_fmt(c, fmt, want ? want : n);
        if (line) {
            diff_buf_printf(c->b, "%s%s", dia->style == DRV_CLI_PATHS ? "/" : " ", line);
            nst_free(line);
        }
    } else {
        diff_flat_path(c, c->b, n);
        if (term && !diff_is_empty_type(n) && (!del || n->schema->nodetype == LYS_LEAFLIST)) {
            if (dia->style == DRV_CLI_PATHS) {
                diff_buf_printf(c->b, " = %s", diff_value(n));
            } else if (dia->style == DRV_CLI_MDCLI && n->schema->nodetype == LYS_LEAFLIST && !del) {
                diff_buf_puts(c->b, " [");
                diff_cli_value(c->b, dia, n, diff_cli_shown(n));
                diff_buf_puts(c->b, "]");
            } else {
                diff_buf_puts(c->b, " ");
                diff_cli_value(c->b, dia, n, diff_cli_shown(n));
            }
        }
    }
    if (c->color) {
        diff_buf_puts(c->b, DIFF_C_OFF);
    }
    diff_buf_puts(c->b, "\n");
}

/* Flat families: removals (pass 0), then creations and changes (pass 1). */
static void
diff_flat_walk(struct diff_cli *c, const struct lyd_node *first, int pass)
{
    char path[1024];

    for (const struct lyd_node *n = first; n; n = n->next) {
        const struct drv_cli_rule *rule;
        const char *op;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        op = diff_op(n);
        diff_schema_path(n, path, sizeof path);
        rule = diff_rule_find(c->dia, path);
        if (rule && rule->kind == DRV_CLI_SKIP) {
            continue;
        }
        if (rule && rule->kind != DRV_CLI_STMT) {
            rule = NULL;
        }
        if (!strcmp(op, "delete")) {
            if (!pass) {
                diff_flat_cmd(c, n, 1, rule && rule->del ? rule : NULL);
            }
            continue;
        }
        if (rule) {
            /* One command for the node and everything below it. */
            if (pass) {
                diff_flat_cmd(c, n, 0, rule);
            }
            continue;
        }
        if (n->schema->nodetype & LYD_NODE_TERM) {
            if (pass && strcmp(op, "none") &&
                !(c->dia->style == DRV_CLI_PATHS && diff_flat_restates_key(n))) {
                diff_flat_cmd(c, n, 0, NULL);
            }
            continue;
        }
        if (pass && !strcmp(op, "create") && !lyd_child_no_keys(n)) {
            diff_flat_cmd(c, n, 0, NULL);
            continue;
        }
        diff_flat_walk(c, lyd_child(n), pass);
    }
}

/*
 * The printer
 */

void
diff_print_cli(struct diff_buf *b, const struct diff_result *r, const char *device,
               const char *driver, int color)
{
    const struct drv_ops *drv = drv_by_name(driver);
    struct diff_cli c = {r, drv && drv->cli ? drv->cli : &diff_cli_paths, b, color, NULL, 0};
    struct diff_cli_block top = {0};
    const char *comment = c.dia->comment ? c.dia->comment : "#";

    diff_print_mtu(b, r, device, comment, color);
    for (size_t i = 0; i < r->ndrift; i++) {
        diff_buf_printf(b, "%s%s drift on %s: %s%s%s%s\n", color ? DIFF_C_NOTE : "", comment,
                        device, r->drift[i].path,
                        r->drift[i].running ? " is " : " was removed outside netstitch",
                        r->drift[i].running ? r->drift[i].running : "", color ? DIFF_C_OFF : "");
    }
    if (!r->diff) {
        return;
    }
    diff_buf_printf(b, "%s%s device %s (%s)%s\n", color ? DIFF_C_HEAD : "", comment, device,
                    driver && *driver ? driver : "unknown driver", color ? DIFF_C_OFF : "");
    if (c.dia->style != DRV_CLI_MODES) {
        if (c.dia->style == DRV_CLI_PATHS) {
            diff_buf_printf(b, "%s no native CLI; the paths the edit sets and deletes\n", comment);
        }
        diff_flat_walk(&c, r->diff, 0);
        diff_flat_walk(&c, r->diff, 1);
        return;
    }
    if (c.dia->commands) {
        diff_cli_commands(&c, &top);
    }
    diff_cli_walk(&c, &top, &top, r->diff);
    for (size_t i = 0; i < c.nmissing; i++) {
        diff_buf_printf(b,
                        "%s%s error CLI-RULE-MISSING: device %s: the %s driver has no CLI rule "
                        "for %s; that change is shown by the tree and xml formats only%s\n",
                        color ? DIFF_C_DEL : "", comment, device, driver, c.missing[i],
                        color ? DIFF_C_OFF : "");
        nst_free(c.missing[i]);
    }
    nst_free(c.missing);
    diff_cli_print_block(&c, &top, 0);
    if (c.dia->sep && diff_cli_has(&top)) {
        diff_buf_printf(b, "%s\n", c.dia->sep);
    }
    for (size_t i = 0; i < top.n; i++) {
        nst_free(top.items[i].text);
        diff_cli_block_free(top.items[i].blk);
    }
    nst_free(top.items);
}
