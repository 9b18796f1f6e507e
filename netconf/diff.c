/*
 * diff.c: the live diff engine: what a service needs on a device against what the
 * device has, restricted to what the service manages (diff.h explains T, O, P, X, R).
 *
 * Place in the pipeline: lifecycle.c fetches a device's running configuration (or reads
 * a saved one) and calls diff_load() + diff_compute(); `netstitch diff` prints the
 * result with the printers of diff_print.c and diff_cli.c, and `push`/`delete` send its edit.
 *
 * The computation, per device, in one libyang context:
 *   1. R is normalised: every leaf whose T or O counterpart holds a secret placeholder
 *      gets the placeholder (the device has that secret, or netstitch set it) or
 *      DIFF_REDACTED. Real keys never go further.
 *   2. D, the desired state of the managed nodes (diff_desired): T, plus every node of
 *      O that T no longer has and that must stay: pre-existing nodes (P) get their
 *      original value back, nodes another service owns (X) keep the device's value,
 *      and a node netstitch created stays only as a holder when the device has
 *      configuration netstitch does not own below it (that configuration is never
 *      touched; only the owned nodes under it go).
 *   3. R' = R pruned to the nodes of T and O (diff_prune).
 *   4. lyd_diff_siblings(R', D): the changes. Moves of user-ordered entries are dropped
 *      (ordering is not compared: netsim and many devices append).
 *   5. The edit: the diff as edit-config content, merge for creations and changed
 *      values, nc:operation="delete" for removals.
 *   6. Drift: O against R, node by node.
 *   7. P' (what pre-existed, for the next ownership record): for every node of T, P's
 *      record when O already had it, else R's node as it is now.
 *
 * The printers are in diff_print.c (tree, JSON) and diff_cli.c (vendor CLI); the helpers
 * the three files share are declared in diff_int.h.
 *
 * Not here: sessions and files (lifecycle.c); anything that writes to a device; anything
 * that knows a vendor (the CLI dialects are in the drivers).
 */
#include "diff.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff_int.h"
#include "driver.h"
#include "lyutil.h"

#define DIFF_PH "$NST_SECRET{"

/* Free a string that held a secret, zeroing it first. */
static void
diff_wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        nst_free(s);
    }
}

/*
 * Node helpers
 */

static nst_err
diff_ly_err(LY_ERR e)
{
    return e == LY_EMEM ? NST_ENOMEM : NST_EINTERNAL;
}

/* A node the algebra looks at: schema-backed, explicit, not a list key. */
int
diff_usable(const struct lyd_node *n)
{
    return n->schema && !(n->flags & LYD_DEFAULT) && !lysc_is_key(n->schema);
}

int
diff_is_term(const struct lyd_node *n)
{
    return (n->schema->nodetype & LYD_NODE_TERM) != 0;
}

const char *
diff_value(const struct lyd_node *n)
{
    const char *v = lyd_get_value(n);

    return v ? v : "";
}

/*
 * The node of @siblings that is the same data node as @n: same schema, and for list
 * instances the same keys, for leaf-list entries the same value. Leaves and containers
 * match by schema alone (a leaf with another value is the same node, changed).
 */
struct lyd_node *
diff_match(const struct lyd_node *siblings, const struct lyd_node *n)
{
    struct lyd_node *m = NULL;

    if (!siblings || !n || !n->schema) {
        return NULL;
    }
    if (n->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) {
        if (lysc_is_dup_inst_list(n->schema) || lyd_find_sibling_first(siblings, n, &m)) {
            return NULL;
        }
    } else if (lyd_find_sibling_val(siblings, n->schema, NULL, 0, &m)) {
        return NULL;
    }
    return m;
}

struct lyd_node *
diff_child(const struct lyd_node *n)
{
    return n ? lyd_child(n) : NULL;
}

/* Copy @n (with its subtree when @recursive; list keys always) under @parent, or append it
 * to the top-level siblings *first. */
static nst_err
diff_dup(const struct lyd_node *n, struct lyd_node *parent, struct lyd_node **first, int recursive,
         struct lyd_node **dup)
{
    struct lyd_node *d = NULL;
    LY_ERR e;

    e = lyd_dup_single(n, (struct lyd_node_inner *)parent,
                       LYD_DUP_NO_META | (recursive ? LYD_DUP_RECURSIVE : 0), &d);
    if (e) {
        return diff_ly_err(e);
    }
    if (!parent) {
        e = lyd_insert_sibling(*first, d, first);
        if (e) {
            lyd_free_tree(d);
            return diff_ly_err(e);
        }
    }
    if (dup) {
        *dup = d;
    }
    return NST_OK;
}

/* The effective yang:operation of a diff node: its own, or its nearest parent's. */
static const char *
diff_op_own(const struct lyd_node *n)
{
    struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:operation");

    return m ? lyd_get_meta_value(m) : NULL;
}

const char *
diff_op(const struct lyd_node *n)
{
    for (; n; n = lyd_parent(n)) {
        const char *op = diff_op_own(n);

        if (op) {
            return op;
        }
    }
    return "none";
}

/* Drop every inner node that is a non-presence container without children, bottom up. */
static void
diff_drop_empty(struct lyd_node **first, struct lyd_node *parent)
{
    struct lyd_node *n, *next;

    for (n = parent ? lyd_child(parent) : *first; n; n = next) {
        next = n->next;
        if (!n->schema || !(n->schema->nodetype & LYD_NODE_INNER)) {
            continue;
        }
        diff_drop_empty(first, n);
        if (lysc_is_np_cont(n->schema) && !lyd_child(n)) {
            if (n == *first) {
                *first = next;
            }
            lyd_free_tree(n);
        }
    }
}

/*
 * Parsing
 */

static const char *
diff_skip_prolog(const char *p)
{
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (!strncmp(p, "<?", 2) || !strncmp(p, "<!--", 4)) {
            const char *e = strstr(p, p[1] == '?' ? "?>" : "-->");

            if (!e) {
                return p;
            }
            p = e + (p[1] == '?' ? 2 : 3);
        } else {
            return p;
        }
    }
}

/*
 * Whether the tree parsed with LYD_PARSE_ORDERED from a text is the tree the usual parse
 * gives. LYD_PARSE_ORDERED appends every node where the usual parse searches for its
 * place among the siblings already there (lyd_insert_node(): before the first instance
 * of a schema node that comes after its own; at the top level after the data of modules
 * whose names sort before its module's). When every sibling list of the appended tree is
 * in that order (at the top level by module name, then by the order of lys_getnext() over
 * the module; below, by lys_getnext() over the parent's schema, list keys first; instances
 * of one schema node in text order), no search would have found a place before the end:
 * the trees are the same node for node. Anything else (a node out of that order, an
 * opaque node, extension data, anydata or anyxml, whose content diff_compact() may have
 * changed) is parsed again the usual way. Printed by libyang (the
 * routers netstitch knows and its own payloads), a text is in that order; a router's own
 * printer need not be.
 */
int
diff_in_schema_order(const struct lyd_node *first, const struct lysc_node *sparent)
{
    const struct lysc_node *s = NULL;
    const struct lys_module *mod = NULL;

    for (const struct lyd_node *n = first; n; n = n->next) {
        if (!n->schema || (n->flags & LYD_EXT) || (n->schema->nodetype & LYD_NODE_ANY)) {
            return 0;
        }
        if (!sparent && n->schema->module != mod) {
            if (mod && strcmp(mod->name, n->schema->module->name) >= 0) {
                return 0;
            }
            mod = n->schema->module;
            s = NULL;
        }
        while (s != n->schema) {
            /* Schema nodes are passed once per sibling list: the walk ends with it. */
            s = lys_getnext(s, sparent, sparent ? NULL : mod->compiled, 0);
            if (!s) {
                return 0;
            }
        }
        if (lyd_child(n) && !diff_in_schema_order(lyd_child(n), n->schema)) {
            return 0;
        }
    }
    return 1;
}

static int
diff_is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * @p (@len bytes) without the whitespace between tags that libyang's parser skips, in a
 * new string *@out (NULL: nothing to leave out, or a text this scan does not follow, such as
 * a DOCTYPE or an unterminated tag: parsed as it is). A pretty-printed payload is a third
 * whitespace, and libyang's XML reader costs a function call per byte of the run that
 * follows a start tag. Left out: a run between two tags (start, end or empty-element
 * tags) unless it is all of an element's content (a start tag right before an end tag: a
 * leaf's value of blanks). Kept: runs next to text, comments, CDATA sections or
 * processing instructions, and anything inside a tag (attribute values). Where libyang
 * would keep such a run anyway (anydata content) diff_in_schema_order() sends the tree
 * back to the usual parse of the text as it was.
 */
nst_err
diff_compact(const char *p, size_t len, char **out)
{
    enum { K_NONE, K_START, K_END, K_EMPTY, K_OTHER } prev = K_NONE, kind;
    const char *end = p + len, *q = p, *seg = p, *r;
    char *o = NULL, *w = NULL;

    *out = NULL;
    /* Most texts a router sends have no such run: each starts right after a '>'. */
    for (r = memchr(p, '>', len); r && r + 1 < end && !diff_is_ws(r[1]);
         r = memchr(r + 1, '>', (size_t)(end - r - 1))) {
    }
    if (!r || r + 1 >= end) {
        return NST_OK;
    }
    while (q < end) {
        const char *stop = NULL;

        if (*q != '<') {
            if (!diff_is_ws(*q)) {
                /* Text: on to the next tag. */
                q = memchr(q, '<', (size_t)(end - q));
                q = q ? q : end;
                prev = K_OTHER;
                continue;
            }
            for (r = q; r < end && diff_is_ws(*r); r++) {
            }
            if (r + 1 < end && r[0] == '<' && r[1] != '!' && r[1] != '?' &&
                (prev == K_START || prev == K_END || prev == K_EMPTY) &&
                !(prev == K_START && r[1] == '/')) {
                if (!o && !(o = w = nst_malloc(len + 1))) {
                    return NST_ENOMEM;
                }
                memcpy(w, seg, (size_t)(q - seg));
                w += q - seg;
                seg = r;
            } else {
                prev = K_OTHER;
            }
            q = r;
            continue;
        }
        kind = K_OTHER;
        if (q + 1 < end && q[1] == '/') {
            stop = memchr(q + 2, '>', (size_t)(end - q - 2 > 0 ? end - q - 2 : 0));
            stop = stop ? stop + 1 : NULL;
            kind = K_END;
        } else if (q + 1 < end && q[1] != '!' && q[1] != '?') {
            char quote = 0;

            for (r = q + 1; r < end && (quote || *r != '>'); r++) {
                if (quote) {
                    quote = *r == quote ? 0 : quote;
                } else if (*r == '"' || *r == '\'') {
                    quote = *r;
                }
            }
            stop = r < end ? r + 1 : NULL;
            kind = stop && r[-1] == '/' ? K_EMPTY : K_START;
        } else if ((size_t)(end - q) >= 4 && !memcmp(q, "<!--", 4)) {
            stop = memmem(q + 4, (size_t)(end - q - 4), "-->", 3);
            stop = stop ? stop + 3 : NULL;
        } else if ((size_t)(end - q) >= 9 && !memcmp(q, "<![CDATA[", 9)) {
            stop = memmem(q + 9, (size_t)(end - q - 9), "]]>", 3);
            stop = stop ? stop + 3 : NULL;
        } else if (q + 1 < end && q[1] == '?') {
            stop = memmem(q + 2, (size_t)(end - q - 2), "?>", 2);
            stop = stop ? stop + 2 : NULL;
        }
        if (!stop) {
            /* A DOCTYPE, an unterminated tag: parsed as it is. */
            nst_free(o);
            return NST_OK;
        }
        q = stop;
        prev = kind;
    }
    if (o) {
        memcpy(w, seg, (size_t)(end - seg));
        w += end - seg;
        *w = '\0';
        *out = o;
    }
    return NST_OK;
}

nst_err
diff_parse(struct ly_ctx *ly, const char *text, int strict, struct lyd_node **tree, char *why,
           size_t whylen)
{
    const char *p, *body_end;
    char *body = NULL, *compact = NULL;
    struct lyd_node *t = NULL;
    uint32_t quiet = LY_LOSTORE, opts = LYD_PARSE_ONLY | (strict ? LYD_PARSE_STRICT : 0);
    LY_ERR e;

    *tree = NULL;
    why[0] = '\0';
    p = diff_skip_prolog(text ? text : "");
    body_end = p + strlen(p);
    if (!strncmp(p, "<config", 7) && (p[7] == '>' || p[7] == '/' || isspace((unsigned char)p[7]))) {
        const char *gt = strchr(p, '>'), *last = NULL, *s;

        if (!gt) {
            snprintf(why, whylen, "unterminated <config> element");
            return NST_EINPUT;
        }
        if (gt[-1] == '/') {
            return NST_OK;
        }
        /* The last </config>: OpenConfig payloads hold <config> containers of their own.
         * Searched from the end, where it is. */
        for (s = p + strlen(p); !last && s > gt + 1;) {
            s--;
            if (*s == '<' && !strncmp(s, "</config>", 9)) {
                last = s;
            }
        }
        if (!last) {
            snprintf(why, whylen, "<config> element is not closed");
            return NST_EINPUT;
        }
        p = gt + 1;
        body_end = last;
    }
    if (diff_compact(p, (size_t)(body_end - p), &compact)) {
        return NST_ENOMEM;
    }
    if (!compact && *body_end) {
        /* Inside <config>: the content alone, terminated. Bare top-level elements (a
         * router's <data> content) are parsed where they are. */
        body = nst_strndup(p, (size_t)(body_end - p));
        if (!body) {
            return NST_ENOMEM;
        }
        p = body;
    }
    if (!*diff_skip_prolog(compact ? compact : p)) {
        nst_free(compact);
        nst_free(body);
        return NST_OK;
    }
    ly_temp_log_options(&quiet);
    /* Without the blanks between tags and in order first (diff_compact(),
     * diff_in_schema_order()); anything else, an error included, is parsed again the usual
     * way from the text as it was, which also gives the usual error. */
    e = lyd_parse_data_mem(ly, compact ? compact : p, LYD_XML, opts | LYD_PARSE_ORDERED, 0, &t);
    if (e || !diff_in_schema_order(t, NULL)) {
        lyd_free_siblings(t);
        t = NULL;
        ly_err_clean(ly, NULL);
        if (compact && *body_end && !body) {
            body = nst_strndup(p, (size_t)(body_end - p));
            p = body;
        }
        e = p ? lyd_parse_data_mem(ly, p, LYD_XML, opts, 0, &t) : LY_EMEM;
    }
    ly_temp_log_options(NULL);
    nst_free(compact);
    nst_free(body);
    if (e) {
        const struct ly_err_item *ei = ly_err_last(ly);

        snprintf(why, whylen, "%s%s%s", ei && ei->msg ? ei->msg : "not valid",
                 ei && ei->path ? " at " : "", ei && ei->path ? ei->path : "");
        lyd_free_siblings(t);
        ly_err_clean(ly, NULL);
        return e == LY_EMEM ? NST_ENOMEM : NST_EINPUT;
    }
    ly_err_clean(ly, NULL);
    *tree = t;
    return NST_OK;
}

/* Parse @text and merge it into *tree. */
static nst_err
diff_merge_text(struct diff_result *r, const char *text, struct lyd_node **tree, char *why,
                size_t whylen)
{
    struct lyd_node *x = NULL;
    nst_err ret = diff_parse(r->ly, text, 0, &x, why, whylen);

    if (ret || !x) {
        return ret;
    }
    if (!*tree) {
        *tree = x;
    } else if (lyd_merge_siblings(tree, x, LYD_MERGE_DESTRUCT)) {
        lyd_free_siblings(x);
        return NST_ENOMEM;
    }
    return NST_OK;
}

nst_err
diff_load(struct diff_result *r, const struct diff_inputs *in, char *why, size_t whylen)
{
    char reason[400];
    nst_err ret;

    why[0] = '\0';
    /* The declared ports, for the filter (diff_filter_port()); borrowed from @in's owner. */
    r->ports = in->ports;
    r->nports = in->nports;
    r->port_mtu = in->port_mtu;
    ret = r->target_parsed ? NST_OK
                           : diff_parse(r->ly, in->target, 1, &r->target, reason, sizeof reason);
    if (ret) {
        snprintf(why, whylen, "the payload does not fit the device's models: %s", reason);
        return ret;
    }
    ret = diff_parse(r->ly, in->owned, 0, &r->owned, reason, sizeof reason);
    if (!ret) {
        ret = diff_parse(r->ly, in->orig, 0, &r->orig, reason, sizeof reason);
    }
    if (!ret && in->owned_alt) {
        /* Both halves stay apart for drift; owned is their union for everything else. */
        ret = diff_parse(r->ly, in->owned_alt, 0, &r->owned_alt, reason, sizeof reason);
        if (!ret && r->owned &&
            lyd_dup_siblings(r->owned, NULL, LYD_DUP_RECURSIVE, &r->owned_cur)) {
            ret = NST_ENOMEM;
        }
        if (!ret && r->owned_alt) {
            struct lyd_node *alt = NULL;

            if (lyd_dup_siblings(r->owned_alt, NULL, LYD_DUP_RECURSIVE, &alt)) {
                ret = NST_ENOMEM;
            } else if (!r->owned) {
                r->owned = alt;
            } else if (lyd_merge_siblings(&r->owned, alt, LYD_MERGE_DESTRUCT)) {
                lyd_free_siblings(alt);
                ret = NST_ENOMEM;
            }
        }
    }
    if (!ret) {
        ret = diff_merge_text(r, in->orig_alt, &r->orig, reason, sizeof reason);
    }
    if (ret) {
        snprintf(why, whylen, "the saved ownership record does not parse: %s", reason);
        return ret;
    }
    for (size_t i = 0; i < in->nothers; i++) {
        ret = diff_merge_text(r, in->others[i], &r->others, reason, sizeof reason);
        if (!ret && in->others_orig) {
            ret = diff_merge_text(r, in->others_orig[i], &r->others_orig, reason, sizeof reason);
        }
        if (ret) {
            snprintf(why, whylen, "another service's ownership record does not parse: %s", reason);
            return ret;
        }
    }
    return NST_OK;
}

void
diff_result_clear(struct diff_result *r)
{
    lyd_free_siblings(r->target);
    lyd_free_siblings(r->owned);
    lyd_free_siblings(r->owned_cur);
    lyd_free_siblings(r->owned_alt);
    lyd_free_siblings(r->orig);
    lyd_free_siblings(r->others);
    lyd_free_siblings(r->others_orig);
    lyd_free_siblings(r->running);
    if (!r->desired_is_target) {
        lyd_free_siblings(r->desired);
    }
    r->desired_is_target = 0;
    if (!r->actual_is_running) {
        lyd_free_siblings(r->actual);
    }
    r->actual_is_running = 0;
    lyd_free_siblings(r->diff);
    for (size_t i = 0; i < r->ndrift; i++) {
        nst_free(r->drift[i].path);
        nst_free(r->drift[i].owned);
        nst_free(r->drift[i].running);
    }
    nst_free(r->drift);
    for (size_t i = 0; i < r->nmtu; i++) {
        nst_free(r->mtu[i].port);
    }
    nst_free(r->mtu);
    r->mtu = NULL;
    r->nmtu = 0;
    nst_free(r->edit);
    nst_free(r->next_orig);
    r->target = r->owned = r->orig = r->others = r->others_orig = r->running = r->diff = NULL;
    r->target_parsed = 0;
    r->desired = r->actual = r->owned_cur = r->owned_alt = NULL;
    r->drift = NULL;
    r->ndrift = 0;
    r->edit = r->next_orig = NULL;
}

/*
 * Subtree filter
 */

/* @s with &, <, > escaped, as diff_xml_text() writes it, a run of plain bytes at a time
 * (diff_xml_text() prints byte by byte: a third of the filter's time). */
static void
diff_filter_text(struct diff_buf *b, const char *s)
{
    while (*s) {
        size_t n = strcspn(s, "&<>");

        if (n) {
            diff_buf_printf(b, "%.*s", (int)n, s);
            s += n;
        }
        if (*s) {
            diff_buf_puts(b, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : "&gt;");
            s++;
        }
    }
}

static void
diff_filter_open(struct diff_buf *b, const struct lyd_node *n, const struct lys_module *pmod)
{
    diff_buf_printf(b, "<%s", n->schema->name);
    if (n->schema->module != pmod) {
        diff_buf_puts(b, " xmlns=\"");
        diff_filter_text(b, n->schema->module->ns);
        diff_buf_puts(b, "\"");
    }
}

static void
diff_filter_nodes(struct diff_buf *b, const struct lyd_node *first, const struct lys_module *pmod)
{
    const struct lysc_node *last = NULL;

    for (const struct lyd_node *n = first; n; n = n->next) {
        if (!diff_usable(n)) {
            continue;
        }
        if ((n->schema->nodetype & (LYD_NODE_TERM | LYD_NODE_ANY)) ||
            (n->schema->nodetype == LYS_CONTAINER && (n->schema->flags & LYS_PRESENCE))) {
            /* A selection node, once per schema node (leaf-list entries share one). A
             * presence container is taken whole, like a list instance: whether it holds
             * configuration netstitch does not own decides whether it may be removed. */
            if (n->schema != last) {
                diff_filter_open(b, n, pmod);
                diff_buf_puts(b, "/>");
            }
            last = n->schema;
            continue;
        }
        last = n->schema;
        diff_filter_open(b, n, pmod);
        diff_buf_puts(b, ">");
        if (n->schema->nodetype == LYS_LIST) {
            /* The keys as content-match nodes select the whole instance. An identityref
             * key would need its prefix declared; the other keys select well enough. */
            for (const struct lyd_node *k = lyd_child(n); k && lysc_is_key(k->schema);
                 k = k->next) {
                const struct lysc_node_leaf *ks = (const struct lysc_node_leaf *)k->schema;

                if (ks->type->basetype == LY_TYPE_IDENT) {
                    continue;
                }
                diff_buf_printf(b, "<%s>", k->schema->name);
                diff_filter_text(b, diff_value(k));
                diff_buf_printf(b, "</%s>", k->schema->name);
            }
        } else {
            diff_filter_nodes(b, lyd_child(n), n->schema->module);
        }
        diff_buf_printf(b, "</%s>", n->schema->name);
    }
}

/* The first of @first and its siblings named @name (@len characters). */
static struct lyd_node *
diff_filter_named(struct lyd_node *first, const char *name, size_t len)
{
    for (struct lyd_node *n = first; n; n = n->next) {
        if (n->schema && strlen(n->schema->name) == len && !strncmp(n->schema->name, name, len)) {
            return n;
        }
    }
    return NULL;
}

/* The schema child of @parent named @name (@len characters), choices and cases looked
 * through, any module. */
static const struct lysc_node *
diff_schema_child(const struct lysc_node *parent, const char *name, size_t len)
{
    for (const struct lysc_node *c = lys_getnext(NULL, parent, NULL, 0); c;
         c = lys_getnext(c, parent, NULL, 0)) {
        if (strlen(c->name) == len && !strncmp(c->name, name, len)) {
            return c;
        }
    }
    return NULL;
}

/*
 * Make the filter tree @u select port @port's entry (so the router's MTU of a declared port
 * is fetched even where the payload leaves the MTU alone, diff_mtu_check()): the list entry
 * of @pm->list with its key, under the top-level node of that name that @u already has
 * (its module is the payload's). Silently nothing when @u has no such top or a value does
 * not fit the models; NST_ENOMEM. With @missing, @u is left as it is and *missing set when
 * something would be added.
 */
static nst_err
diff_filter_port(struct lyd_node *u, const struct drv_port_mtu *pm, const char *port, int *missing)
{
    const char *p = pm->list + (*pm->list == '/'), *end = strchr(p, '/');
    struct lyd_node *n = diff_filter_named(u, p, end ? (size_t)(end - p) : strlen(p));

    while (n && end) {
        const struct lysc_node *sc;
        struct lyd_node *c;
        size_t len;
        LY_ERR e;

        p = end + 1;
        end = strchr(p, '/');
        len = end ? (size_t)(end - p) : strlen(p);
        sc = diff_schema_child(n->schema, p, len);
        if (!sc) {
            return NST_OK;
        }
        if (sc->nodetype == LYS_LIST && !end) {
            /* The port's entry: found by its key, else created with the key alone. */
            for (c = lyd_child(n); c; c = c->next) {
                const struct lyd_node *k;

                if (c->schema == sc &&
                    (k = diff_filter_named(lyd_child(c), pm->key, strlen(pm->key))) &&
                    !strcmp(diff_value(k), port)) {
                    return NST_OK;
                }
            }
            if (missing) {
                *missing = 1;
                return NST_OK;
            }
            e = lyd_new_list(n, sc->module, sc->name, 0, &c, port);
            return e == LY_EMEM ? NST_ENOMEM : NST_OK;
        }
        if (!(sc->nodetype & LYS_CONTAINER)) {
            return NST_OK;
        }
        c = diff_filter_named(lyd_child(n), p, len);
        if (!c && missing) {
            *missing = 1;
            return NST_OK;
        }
        if (!c) {
            e = lyd_new_inner(n, sc->module, sc->name, 0, &c);
            if (e) {
                return e == LY_EMEM ? NST_ENOMEM : NST_OK;
            }
        }
        n = c;
    }
    return NST_OK;
}

nst_err
diff_filter(const struct diff_result *r, char **filter)
{
    struct lyd_node *u = NULL;
    struct diff_buf b = {0};
    nst_err ret = NST_OK;

    *filter = NULL;
    /* Without an ownership record, T alone when it holds every declared port's entry
     * already (a payload configures its ports): the filter is printed from T itself, not
     * from a copy (copying T was three quarters of this function). */
    if (!r->owned && r->target) {
        int missing = 0;

        for (size_t i = 0; r->port_mtu && r->port_mtu->list && i < r->nports && !missing; i++) {
            diff_filter_port(r->target, r->port_mtu, r->ports[i].name, &missing);
        }
        if (!missing) {
            diff_filter_nodes(&b, r->target, NULL);
            if (b.failed) {
                nst_free(b.s);
                return NST_ENOMEM;
            }
            *filter = b.s;
            return NST_OK;
        }
    }
    if (r->target && lyd_dup_siblings(r->target, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &u)) {
        return NST_ENOMEM;
    }
    if (r->owned && lyd_merge_siblings(&u, r->owned, 0)) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    if (!u) {
        goto cleanup;
    }
    for (size_t i = 0; r->port_mtu && r->port_mtu->list && i < r->nports; i++) {
        ret = diff_filter_port(u, r->port_mtu, r->ports[i].name, NULL);
        if (ret) {
            goto cleanup;
        }
    }
    diff_filter_nodes(&b, u, NULL);
    if (b.failed) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    *filter = b.s;
    b.s = NULL;

cleanup:
    lyd_free_siblings(u);
    nst_free(b.s);
    return ret;
}

/*
 * Secrets
 */

/* @v with every placeholder replaced by the raw secret value, or NULL when a name is not
 * known (or memory ran out). Freed with diff_wipe_free(): it holds secrets. */
static char *
diff_subst_raw(const char *v, const struct diff_inputs *in)
{
    size_t len = 0, pl = strlen(DIFF_PH);
    char *out, *o;

    for (int pass = 0; pass < 2; pass++) {
        const char *p = v, *ph;

        o = pass ? out : NULL;
        while ((ph = strstr(p, DIFF_PH))) {
            const char *name = ph + pl, *end = strchr(name, '}');
            size_t i;

            if (!end) {
                break;
            }
            for (i = 0; i < in->nsec; i++) {
                if (strlen(in->sec_names[i]) == (size_t)(end - name) &&
                    !strncmp(in->sec_names[i], name, (size_t)(end - name))) {
                    break;
                }
            }
            if (i == in->nsec) {
                if (pass) {
                    diff_wipe_free(out);
                }
                return NULL;
            }
            if (pass) {
                memcpy(o, p, (size_t)(ph - p));
                o += ph - p;
                memcpy(o, in->sec_values[i], strlen(in->sec_values[i]));
                o += strlen(in->sec_values[i]);
            } else {
                len += (size_t)(ph - p) + strlen(in->sec_values[i]);
            }
            p = end + 1;
        }
        if (pass) {
            strcpy(o, p);
        } else {
            len += strlen(p);
            out = nst_malloc(len + 1);
            if (!out) {
                return NULL;
            }
        }
    }
    return out;
}

/* Every placeholder of @v names a secret whose value is known. */
static int
diff_secret_known(const char *v, const struct diff_inputs *in)
{
    char *sub = diff_subst_raw(v, in);
    int known = sub != NULL;

    diff_wipe_free(sub);
    return known;
}

/* @v holds a placeholder whose substituted form is the device's value @rv. */
static int
diff_secret_is(const char *v, const char *rv, const struct diff_inputs *in)
{
    char *sub;
    int same;

    if (!v || !strstr(v, DIFF_PH)) {
        return 0;
    }
    sub = diff_subst_raw(v, in);
    same = sub && !strcmp(sub, rv);
    diff_wipe_free(sub);
    return same;
}

/*
 * The inner nodes of T and O that hold, somewhere below, a leaf whose value has a
 * placeholder: the only subtrees diff_secrets_normalize() can change anything in. Sorted
 * by address for diff_ph_has().
 */
struct diff_ph_set {
    const struct lyd_node **v;
    size_t n, cap;
};

static int
diff_ph_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const struct lyd_node *const *)a;
    uintptr_t y = (uintptr_t) * (const struct lyd_node *const *)b;

    return x < y ? -1 : x > y;
}

/* Add the ancestors of every placeholder leaf of @first and its siblings' subtrees. */
static nst_err
diff_ph_collect(struct diff_ph_set *s, const struct lyd_node *first)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        if (!n->schema) {
            continue;
        }
        if (n->schema->nodetype & LYD_NODE_INNER) {
            nst_err ret = diff_ph_collect(s, lyd_child(n));

            if (ret) {
                return ret;
            }
            continue;
        }
        if (n->schema->nodetype != LYS_LEAF || !strstr(diff_value(n), DIFF_PH)) {
            continue;
        }
        for (const struct lyd_node *p = lyd_parent(n); p; p = lyd_parent(p)) {
            if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 32;
                const struct lyd_node **v = nst_realloc(s->v, cap * sizeof *v);

                if (!v) {
                    return NST_ENOMEM;
                }
                s->v = v;
                s->cap = cap;
            }
            s->v[s->n++] = p;
        }
    }
    return NST_OK;
}

/* @n (NULL: no) is in @s. */
static int
diff_ph_has(const struct diff_ph_set *s, const struct lyd_node *n)
{
    return n && s->n && bsearch(&n, s->v, s->n, sizeof *s->v, diff_ph_cmp);
}

/*
 * Replace the secret leaves of R (in place): the placeholder when the device holds that
 * secret, or when netstitch set it (O), else DIFF_REDACTED. A value that cannot be set
 * (the type refuses it) removes the leaf: better a spurious "set the key" than a leak.
 * Only leaves whose T or O counterpart holds a placeholder change, so the walk goes down
 * only where that counterpart's parent is in @ph (a device's configuration is mostly
 * elsewhere: interfaces, policies).
 */
static nst_err
diff_secrets_normalize(struct lyd_node **first, struct lyd_node *parent, const struct lyd_node *t,
                       const struct lyd_node *o, const struct diff_ph_set *ph,
                       const struct diff_inputs *in)
{
    struct lyd_node *n, *next;
    nst_err ret;
    LY_ERR e;

    for (n = parent ? lyd_child(parent) : *first; n; n = next) {
        const struct lyd_node *tm, *om;
        const char *tv, *ov, *rv, *nv = NULL;

        next = n->next;
        if (!n->schema) {
            continue;
        }
        tm = diff_match(t, n);
        om = diff_match(o, n);
        if (n->schema->nodetype & LYD_NODE_INNER) {
            if (!diff_ph_has(ph, tm) && !diff_ph_has(ph, om)) {
                continue;
            }
            ret = diff_secrets_normalize(first, n, diff_child(tm), diff_child(om), ph, in);
            if (ret) {
                return ret;
            }
            continue;
        }
        if (n->schema->nodetype != LYS_LEAF) {
            continue;
        }
        tv = tm ? diff_value(tm) : NULL;
        ov = om ? diff_value(om) : NULL;
        if (!(tv && strstr(tv, DIFF_PH)) && !(ov && strstr(ov, DIFF_PH))) {
            continue;
        }
        rv = diff_value(n);
        if (strstr(rv, DIFF_PH)) {
            /* A saved configuration with placeholders (compile -o output). */
            continue;
        }
        if (diff_secret_is(tv, rv, in)) {
            nv = tv;
        } else if (diff_secret_is(ov, rv, in)) {
            nv = ov;
        } else if (ov && strstr(ov, DIFF_PH) && !diff_secret_known(ov, in)) {
            /* The secret cannot be read: compared by name only. */
            nv = ov;
        } else {
            /* Not the secret's current value: rotated (or changed on the device); the
             * source is authoritative, so this is a change to push, never drift. */
            nv = DIFF_REDACTED;
        }
        e = lyd_change_term(n, nv);
        if (e != LY_SUCCESS && e != LY_EEXIST && e != LY_ENOT) {
            if (n == *first) {
                *first = next;
            }
            lyd_free_tree(n);
        }
    }
    return NST_OK;
}

/*
 * The algebra
 */

/* Copy of the nodes of @src that match a node of @s1 or @s2 (recursively). */
static nst_err
diff_prune(const struct lyd_node *src, const struct lyd_node *s1, const struct lyd_node *s2,
           struct lyd_node *parent, struct lyd_node **first)
{
    nst_err ret;

    for (const struct lyd_node *n = src; n; n = n->next) {
        const struct lyd_node *m1, *m2;
        struct lyd_node *d = NULL;

        if (!diff_usable(n)) {
            continue;
        }
        m1 = diff_match(s1, n);
        m2 = diff_match(s2, n);
        if (!m1 && !m2) {
            continue;
        }
        if (!(n->schema->nodetype & LYD_NODE_INNER)) {
            ret = diff_dup(n, parent, first, 1, NULL);
        } else {
            ret = diff_dup(n, parent, first, 0, &d);
            if (!ret) {
                ret = diff_prune(lyd_child(n), diff_child(m1), diff_child(m2), d, NULL);
            }
        }
        if (ret) {
            return ret;
        }
    }
    return NST_OK;
}

/*
 * Whether diff_prune(@src, @s1, @s2) followed by diff_drop_empty() gives @src itself, node
 * for node and in the same order: every node of @src schema-backed and explicit, every one
 * but the list keys matched at its level in @s1 or @s2 (the keys come with their list's
 * copy), none with metadata (the copy leaves it out), no non-presence container without
 * children. Then R' is R (diff_result.actual_is_running): a router that sent back only what
 * the subtree filter named, the usual case, costs no copy. Nothing changes R or R' after
 * diff_compute() (both are only read: the diff, drift, MTUs, P', the printers).
 */
int
diff_prune_is_identity(const struct lyd_node *src, const struct lyd_node *s1,
                       const struct lyd_node *s2)
{
    for (const struct lyd_node *n = src; n; n = n->next) {
        const struct lyd_node *m1, *m2;

        if (!n->schema || (n->flags & LYD_DEFAULT) || n->meta) {
            return 0;
        }
        if (lysc_is_key(n->schema)) {
            continue;
        }
        m1 = diff_match(s1, n);
        m2 = diff_match(s2, n);
        if (!m1 && !m2) {
            return 0;
        }
        if ((n->schema->nodetype & LYD_NODE_INNER) &&
            ((lysc_is_np_cont(n->schema) && !lyd_child(n)) ||
             !diff_prune_is_identity(lyd_child(n), diff_child(m1), diff_child(m2)))) {
            return 0;
        }
    }
    return 1;
}

nst_err
diff_prune_copy(const struct lyd_node *src, const struct lyd_node *s1, const struct lyd_node *s2,
                struct lyd_node **out)
{
    nst_err ret;

    *out = NULL;
    ret = diff_prune(src, s1, s2, NULL, out);
    if (ret) {
        lyd_free_siblings(*out);
        *out = NULL;
        return ret;
    }
    diff_drop_empty(out, NULL);
    return NST_OK;
}

/* @r (a device node) holds something below it that @o (the owned node) does not have. */
static int
diff_has_foreign(const struct lyd_node *r, const struct lyd_node *o)
{
    for (const struct lyd_node *c = lyd_child(r); c; c = c->next) {
        const struct lyd_node *m;

        if (!diff_usable(c)) {
            continue;
        }
        m = diff_match(diff_child(o), c);
        if (!m || ((c->schema->nodetype & LYD_NODE_INNER) && diff_has_foreign(c, m))) {
            return 1;
        }
    }
    return 0;
}

/* Build D for one level: @t target, @o owned, @p originals, @x others, @r the device. */
static nst_err
diff_desired(const struct lyd_node *t, const struct lyd_node *o, const struct lyd_node *p,
             const struct lyd_node *x, const struct lyd_node *r, struct lyd_node *parent,
             struct lyd_node **first)
{
    nst_err ret = NST_OK;

    for (const struct lyd_node *n = t; n && !ret; n = n->next) {
        struct lyd_node *d = NULL;

        if (!diff_usable(n)) {
            continue;
        }
        if (!(n->schema->nodetype & LYD_NODE_INNER)) {
            ret = diff_dup(n, parent, first, 1, NULL);
            continue;
        }
        ret = diff_dup(n, parent, first, 0, &d);
        if (!ret) {
            ret = diff_desired(lyd_child(n), diff_child(diff_match(o, n)),
                               diff_child(diff_match(p, n)), diff_child(diff_match(x, n)),
                               diff_child(diff_match(r, n)), d, NULL);
        }
    }
    /* What the service owned and no longer generates. */
    for (const struct lyd_node *n = o; n && !ret; n = n->next) {
        const struct lyd_node *xm, *pm, *rm;
        struct lyd_node *d = NULL;

        if (!diff_usable(n) || diff_match(t, n)) {
            continue;
        }
        xm = diff_match(x, n);
        pm = diff_match(p, n);
        rm = diff_match(r, n);
        if (!(n->schema->nodetype & LYD_NODE_INNER)) {
            if (xm || (pm && !strcmp(diff_value(pm), DIFF_REDACTED))) {
                /* Another service's, or pre-existing with a value netstitch cannot give
                 * back (a key): the device keeps what it has. */
                if (rm) {
                    ret = diff_dup(rm, parent, first, 1, NULL);
                }
            } else if (pm) {
                ret = diff_dup(pm, parent, first, 1, NULL);
            }
            continue;
        }
        if (xm || pm || (rm && diff_has_foreign(rm, n))) {
            ret = diff_dup(n, parent, first, 0, &d);
            if (!ret) {
                ret = diff_desired(NULL, lyd_child(n), diff_child(pm), diff_child(xm),
                                   diff_child(rm), d, NULL);
            }
        }
    }
    return ret;
}

/*
 * Whether D is T itself: with nothing owned, no originals and no other service's nodes,
 * diff_desired() copies every usable node of T and nothing else, and diff_drop_empty()
 * then drops its empty non-presence containers. When every node of T is usable (schema-
 * backed, explicit, no metadata, which diff_dup()'s LYD_DUP_NO_META would drop) and no
 * container of T is an empty non-presence one, that copy equals T node for node and in the
 * same order (both are built by inserting in schema order), so T serves as D: no copy to
 * make, walk and free. The trees diff_compute() builds from D (the diff) are copies either
 * way, and nothing changes D after it is made. Covers a service's first diff and every
 * --no-state diff.
 */
static int
diff_desired_is_target(const struct diff_result *r)
{
    struct lyd_node *top, *n; /* non-const: libyang's DFS macros cast to it */

    if (r->owned || r->orig || r->others) {
        return 0;
    }
    LY_LIST_FOR(r->target, top)
    {
        LYD_TREE_DFS_BEGIN(top, n)
        {
            if (!n->schema || (n->flags & LYD_DEFAULT) || n->meta ||
                (lysc_is_np_cont(n->schema) && !lyd_child(n))) {
                return 0;
            }
            LYD_TREE_DFS_END(top, n);
        }
    }
    return 1;
}

/*
 * P' for one level (see the file comment, step 7): @t target, @o owned, @p originals, @x
 * what other services own and @xp their originals, @r the device now. A node another
 * service owns is not "pre-existing" for this one (netstitch created it): its original is
 * that service's, if any, so the last service to release it gives back the real original.
 */
static nst_err
diff_next_orig(const struct lyd_node *t, const struct lyd_node *o, const struct lyd_node *p,
               const struct lyd_node *x, const struct lyd_node *xp, const struct lyd_node *r,
               struct lyd_node *parent, struct lyd_node **first)
{
    nst_err ret = NST_OK;

    for (const struct lyd_node *n = t; n && !ret; n = n->next) {
        const struct lyd_node *om, *pm, *xm, *xpm, *rm, *pre;
        struct lyd_node *d = NULL;

        if (!diff_usable(n)) {
            continue;
        }
        om = diff_match(o, n);
        pm = diff_match(p, n);
        xm = diff_match(x, n);
        xpm = diff_match(xp, n);
        rm = diff_match(r, n);
        pre = om ? pm : xm ? xpm : rm;
        if (!pre) {
            /* Created by netstitch (now or earlier): nothing below it pre-existed. */
            continue;
        }
        if (!(n->schema->nodetype & LYD_NODE_INNER)) {
            ret = diff_dup(pre, parent, first, 1, NULL);
            continue;
        }
        ret = diff_dup(pre, parent, first, 0, &d);
        if (!ret) {
            ret = diff_next_orig(lyd_child(n), diff_child(om), diff_child(pm), diff_child(xm),
                                 diff_child(xpm), diff_child(rm), d, NULL);
        }
    }
    return ret;
}

static nst_err
diff_drift_add(struct diff_result *r, const struct lyd_node *o, const struct lyd_node *m)
{
    struct diff_drift *v = nst_realloc(r->drift, (r->ndrift + 1) * sizeof *v);
    struct diff_drift *d;

    if (!v) {
        return NST_ENOMEM;
    }
    r->drift = v;
    d = &v[r->ndrift];
    memset(d, 0, sizeof *d);
    d->path = lyd_path(o, LYD_PATH_STD, NULL, 0);
    if (diff_is_term(o)) {
        d->owned = nst_strdup(diff_value(o));
    }
    if (m) {
        d->running = nst_strdup(diff_value(m));
    }
    r->ndrift++;
    if (!d->path || (diff_is_term(o) && !d->owned) || (m && !d->running)) {
        return NST_ENOMEM;
    }
    return NST_OK;
}

/*
 * lyd_diff_siblings(@first, @second, 0) (libyang 2.1.30, diff.c), walked here
 * (diff_siblings()): the same walk, the same additions in the same order, the same
 * metadata, user-ordered lists and leaf-lists included, without libyang's
 * duplicate-instance bookkeeping (lyd_dup_inst_next(): a set made for every matched node
 * and searched linearly, most of libyang's diff here). That bookkeeping pairs up the
 * instances a sibling list holds more than once; where no compared sibling list holds any
 * (diff_level_simple()), every match is libyang's lookup itself. Anything the walk does
 * not mirror (keyless lists and state leaf-lists, anydata and anyxml, an instance held
 * twice, a position libyang's own arrays would not hold) sets *other, and diff_siblings()
 * runs libyang's instead.
 */

/* One user-ordered schema node of a sibling list (libyang's struct lyd_diff_userord): its
 * instances as the changes so far leave them, and the next position in @second. */
struct diff_userord {
    const struct lysc_node *schema;
    const struct lyd_node **inst;
    size_t n, cap;
    size_t pos;
};

struct diff_walk {
    struct lyd_node **diff;
    int other;
};

/* "[k1='v1'][k2='v2']" of list instance @n (libyang's lyd_path_list_predicate()), in *@out
 * (freed by the caller); NST_ENOMEM. */
static nst_err
diff_key_pred(const struct lyd_node *n, char **out)
{
    struct diff_buf b = {0};

    for (const struct lyd_node *k = lyd_child(n); k && k->schema && (k->schema->flags & LYS_KEY);
         k = k->next) {
        const char *v = diff_value(k);
        char q = strchr(v, '\'') ? '"' : '\'';

        diff_buf_printf(&b, "[%s=%c%s%c]", k->schema->name, q, v, q);
    }
    if (b.failed) {
        nst_free(b.s);
        return NST_ENOMEM;
    }
    if (!b.s && !(b.s = nst_strdup(""))) {
        return NST_ENOMEM;
    }
    *out = b.s;
    return NST_OK;
}

/* The yang: metadata of a diff node (lyd_diff_add()'s names and order). */
struct diff_meta {
    const char *op, *orig_default, *orig_value, *key, *value, *orig_key;
};

static nst_err
diff_meta_add(struct lyd_node *n, const char *name, const char *value)
{
    if (!value) {
        return NST_OK;
    }
    return lyd_new_meta(NULL, n, NULL, name, value, 0, NULL) ? NST_ENOMEM : NST_OK;
}

/* The metadata libyang gives each user-ordered node of a created subtree: the key or
 * value of the instance before it, "" for the first (lyd_diff_add_create_nested_userord()). */
static nst_err
diff_created_userord(struct diff_walk *w, struct lyd_node *dup)
{
    struct lyd_node *elem;
    nst_err ret = NST_OK;

    LYD_TREE_DFS_BEGIN(dup, elem)
    {
        if (elem != dup && elem->schema && lysc_is_dup_inst_list(elem->schema)) {
            w->other = 1; /* yang:position, not mirrored */
            return NST_OK;
        }
        if (elem != dup && elem->schema && lysc_is_userordered(elem->schema)) {
            int prev = elem->prev->next && elem->prev->schema == elem->schema;

            if (elem->schema->nodetype == LYS_LIST) {
                char *key = NULL;

                ret = prev ? diff_key_pred(elem->prev, &key) : NST_OK;
                if (!ret) {
                    ret = diff_meta_add(elem, "yang:key", prev ? key : "");
                }
                nst_free(key);
            } else {
                ret = diff_meta_add(elem, "yang:value", prev ? diff_value(elem->prev) : "");
            }
            if (ret) {
                return ret;
            }
        }
        LYD_TREE_DFS_END(dup, elem);
    }
    return NST_OK;
}

/* libyang's lyd_diff_add(): @node's subtree copied into the diff under copies of the
 * parents the diff does not hold yet, with @m's metadata. */
static nst_err
diff_add(struct diff_walk *w, const struct lyd_node *node, const struct diff_meta *m)
{
    struct lyd_node *dup, *siblings = *w->diff, *match = NULL, *diff_parent = NULL;
    const struct lyd_node *parent;
    nst_err ret;

    /* The first parent the diff does not have yet. */
    for (;;) {
        parent = node;
        while (parent->parent && (!diff_parent || parent->parent->schema != diff_parent->schema)) {
            parent = lyd_parent(parent);
        }
        if (parent == node || lyd_find_sibling_first(siblings, parent, &match)) {
            break;
        }
        diff_parent = match;
        siblings = lyd_child_no_keys(match);
    }
    if (lyd_dup_single(node, (struct lyd_node_inner *)diff_parent,
                       LYD_DUP_RECURSIVE | LYD_DUP_NO_META | LYD_DUP_WITH_PARENTS |
                           LYD_DUP_WITH_FLAGS,
                       &dup)) {
        return NST_ENOMEM;
    }
    if (!diff_parent) {
        diff_parent = lyd_parent(dup);
        while (diff_parent && diff_parent->parent) {
            diff_parent = lyd_parent(diff_parent);
        }
    } else {
        diff_parent = dup;
        while (diff_parent->parent && diff_parent->parent->schema == parent->schema) {
            diff_parent = lyd_parent(diff_parent);
        }
    }
    if (!diff_parent) {
        if (lyd_insert_sibling(*w->diff, dup, w->diff)) {
            lyd_free_tree(dup);
            return NST_ENOMEM;
        }
    } else if (!diff_parent->parent && lyd_insert_sibling(*w->diff, diff_parent, w->diff)) {
        lyd_free_tree(diff_parent);
        return NST_ENOMEM;
    }
    ret = diff_parent && diff_parent != dup ? diff_meta_add(diff_parent, "yang:operation", "none")
                                            : NST_OK;
    if (!ret) {
        ret = diff_meta_add(dup, "yang:operation", m->op);
    }
    if (!ret && !strcmp(m->op, "create")) {
        ret = diff_created_userord(w, dup);
    }
    if (!ret) {
        ret = diff_meta_add(dup, "yang:orig-default", m->orig_default);
    }
    if (!ret) {
        ret = diff_meta_add(dup, "yang:orig-value", m->orig_value);
    }
    if (!ret) {
        ret = diff_meta_add(dup, "yang:key", m->key);
    }
    if (!ret) {
        ret = diff_meta_add(dup, "yang:value", m->value);
    }
    if (!ret) {
        ret = diff_meta_add(dup, "yang:orig-key", m->orig_key);
    }
    return ret;
}

/* Whether the walk mirrors libyang on the sibling list @first: no node of a kind it does
 * not handle, no instance held twice (instances of one schema node are next to each other
 * in a libyang tree; two list or leaf-list instances with the same keys or value are found
 * as the same one, which then is not each of them). */
static int
diff_level_simple(const struct lyd_node *first)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        struct lyd_node *m = NULL;

        if (!n->schema) {
            continue;
        }
        if (lysc_is_dup_inst_list(n->schema) || (n->schema->nodetype & LYD_NODE_ANY)) {
            return 0;
        }
        if (n->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) {
            if (lyd_find_sibling_first(first, n, &m) || m != n) {
                return 0;
            }
        } else if (n->next && n->next->schema == n->schema) {
            return 0;
        }
    }
    return 1;
}

/* libyang's find of @target among @siblings (lyd_diff_find_match() without the
 * duplicate-instance cache): a default node is no match. */
static const struct lyd_node *
diff_find(const struct lyd_node *siblings, const struct lyd_node *target)
{
    struct lyd_node *m = NULL;

    if (target->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)) {
        lyd_find_sibling_first(siblings, target, &m);
    } else {
        lyd_find_sibling_val(siblings, target->schema, NULL, 0, &m);
    }
    return m && !(m->flags & LYD_DEFAULT) ? m : NULL;
}

/* The entry of @schema in *@uo (@nuo entries), made with @first's instances of it (in
 * order; none for NULL) when there is none yet: libyang's lyd_diff_userord_get(). */
static struct diff_userord *
diff_userord_get(struct diff_userord **uo, size_t *nuo, const struct lyd_node *first,
                 const struct lysc_node *schema)
{
    struct diff_userord *v, *it;

    for (size_t i = 0; i < *nuo; i++) {
        if ((*uo)[i].schema == schema) {
            return &(*uo)[i];
        }
    }
    v = nst_realloc(*uo, (*nuo + 1) * sizeof *v);
    if (!v) {
        return NULL;
    }
    *uo = v;
    it = &v[(*nuo)++];
    memset(it, 0, sizeof *it);
    it->schema = schema;
    if (first) {
        const struct lyd_node *i = lyd_first_sibling(first);

        for (; i && i->schema != schema; i = i->next) {
        }
        for (; i && i->schema == schema; i = i->next) {
            if (it->n == it->cap) {
                size_t cap = it->cap ? 2 * it->cap : 8;
                const struct lyd_node **a = nst_realloc(it->inst, cap * sizeof *a);

                if (!a) {
                    return NULL;
                }
                it->inst = a;
                it->cap = cap;
            }
            it->inst[it->n++] = i;
        }
    }
    return it;
}

/* The string a user-ordered neighbour gives the metadata: a list instance's key
 * predicate, a leaf-list entry's value (copied); "" for none. */
static nst_err
diff_userord_ref(const struct lyd_node *n, char **out)
{
    if (!n) {
        *out = nst_strdup("");
    } else if (n->schema->nodetype == LYS_LIST) {
        return diff_key_pred(n, out);
    } else {
        *out = nst_strdup(diff_value(n));
    }
    return *out ? NST_OK : NST_ENOMEM;
}

/*
 * libyang's lyd_diff_userord_attrs() and the add that follows it: @f the instance in R'
 * (NULL: created), @s in D (NULL: deleted).
 */
static nst_err
diff_userord_change(struct diff_walk *w, struct diff_userord *it, const struct lyd_node *f,
                    const struct lyd_node *s)
{
    int list = (f ? f : s)->schema->nodetype == LYS_LIST;
    size_t fpos = 0, spos = it->pos++;
    struct diff_meta m = {0};
    char *ref = NULL, *oref = NULL;
    nst_err ret = NST_OK;

    if (f) {
        while (fpos < it->n && it->inst[fpos] != f) {
            fpos++;
        }
        if (fpos == it->n) {
            w->other = 1;
            return NST_OK;
        }
    }
    if (!s) {
        m.op = "delete";
    } else if (!f) {
        m.op = "create";
    } else {
        if (spos >= it->n) {
            w->other = 1;
            return NST_OK;
        }
        if (!lyd_compare_single(s, it->inst[spos], 0)) {
            return NST_OK;
        }
        m.op = "replace";
        if (fpos < spos) {
            w->other = 1;
            return NST_OK;
        }
    }
    if (m.op[0] == 'r' && !list) {
        m.orig_default = (f->flags & LYD_DEFAULT) ? "true" : "false";
    }
    if (m.op[0] != 'd') {
        ret = diff_userord_ref(spos ? it->inst[spos - 1] : NULL, &ref);
        if (list) {
            m.key = ref;
        } else {
            m.value = ref;
        }
    }
    if (!ret && m.op[0] != 'c') {
        ret = diff_userord_ref(fpos ? it->inst[fpos - 1] : NULL, &oref);
        if (list) {
            m.orig_key = oref;
        } else {
            m.orig_value = oref;
        }
    }
    /* The instances as the change leaves them. */
    if (!ret && m.op[0] == 'c') {
        if (it->n == it->cap) {
            size_t cap = it->cap ? 2 * it->cap : 8;
            const struct lyd_node **a = nst_realloc(it->inst, cap * sizeof *a);

            if (!a) {
                ret = NST_ENOMEM;
            } else {
                it->inst = a;
                it->cap = cap;
            }
        }
        if (!ret) {
            if (spos > it->n) {
                w->other = 1;
            } else {
                memmove(it->inst + spos + 1, it->inst + spos, (it->n - spos) * sizeof *it->inst);
                it->inst[spos] = s;
                it->n++;
            }
        }
    } else if (!ret && m.op[0] == 'd') {
        memmove(it->inst + fpos, it->inst + fpos + 1, (it->n - fpos - 1) * sizeof *it->inst);
        it->n--;
    } else if (!ret) {
        memmove(it->inst + spos + 1, it->inst + spos, (fpos - spos) * sizeof *it->inst);
        it->inst[spos] = f;
    }
    if (!ret && !w->other) {
        ret = diff_add(w, s ? s : f, &m);
    }
    nst_free(ref);
    nst_free(oref);
    return ret;
}

static nst_err
diff_siblings_r(struct diff_walk *w, const struct lyd_node *first, const struct lyd_node *second)
{
    struct diff_userord *uo = NULL;
    size_t nuo = 0;
    nst_err ret = NST_OK;

    if (!diff_level_simple(first) || !diff_level_simple(second)) {
        w->other = 1;
        return NST_OK;
    }
    /* R' against D: deletions, changed values, the matched subtrees. */
    for (const struct lyd_node *f = first; f && !ret && !w->other; f = f->next) {
        const struct lyd_node *m;

        if (!f->schema || (f->flags & LYD_DEFAULT)) {
            continue;
        }
        m = diff_find(second, f);
        if (lysc_is_userordered(f->schema)) {
            struct diff_userord *it = diff_userord_get(&uo, &nuo, f, f->schema);

            if (!it) {
                ret = NST_ENOMEM;
            } else if (!m) {
                ret = diff_userord_change(w, it, f, NULL);
            }
        } else if (!m) {
            struct diff_meta dm = {.op = "delete"};

            ret = diff_add(w, f, &dm);
        } else if (f->schema->nodetype == LYS_LEAF && lyd_compare_single(f, m, 0)) {
            struct diff_meta dm = {.op = "replace",
                                   .orig_default = (f->flags & LYD_DEFAULT) ? "true" : "false",
                                   .orig_value = diff_value(f)};

            ret = diff_add(w, m, &dm);
        }
        if (!ret && !w->other && m) {
            ret = diff_siblings_r(w, lyd_child_no_keys(f), lyd_child_no_keys(m));
        }
    }
    for (size_t i = 0; i < nuo; i++) {
        uo[i].pos = 0;
    }
    /* D against R': creations, user-ordered moves. */
    for (const struct lyd_node *s = second; s && !ret && !w->other; s = s->next) {
        const struct lyd_node *m;

        if (!s->schema || (s->flags & LYD_DEFAULT)) {
            continue;
        }
        m = diff_find(first, s);
        if (lysc_is_userordered(s->schema)) {
            struct diff_userord *it = diff_userord_get(&uo, &nuo, m, s->schema);

            ret = it ? diff_userord_change(w, it, m, s) : NST_ENOMEM;
        } else if (!m) {
            struct diff_meta dm = {.op = "create"};

            ret = diff_add(w, s, &dm);
        }
    }
    for (size_t i = 0; i < nuo; i++) {
        nst_free(uo[i].inst);
    }
    nst_free(uo);
    return ret;
}

nst_err
diff_siblings_walk(const struct lyd_node *first, const struct lyd_node *second,
                   struct lyd_node **diff, int *other)
{
    struct diff_walk w = {diff, 0};
    nst_err ret;

    *diff = NULL;
    ret = diff_siblings_r(&w, first, second);
    *other = w.other;
    if (ret || w.other) {
        lyd_free_siblings(*diff);
        *diff = NULL;
    }
    return ret;
}

const struct lyd_node *
diff_userord_twice(const struct lyd_node *first)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        const struct lyd_node *t;
        struct lyd_node *m = NULL;

        if (n->schema && lysc_is_userordered(n->schema) && !lysc_is_dup_inst_list(n->schema) &&
            !lyd_find_sibling_first(first, n, &m) && m != n) {
            return n;
        }
        if ((t = diff_userord_twice(lyd_child(n)))) {
            return t;
        }
    }
    return NULL;
}

nst_err
diff_siblings(const struct lyd_node *first, const struct lyd_node *second, struct lyd_node **diff)
{
    int other;
    nst_err ret = diff_siblings_walk(first, second, diff, &other);

    if (ret || !other) {
        return ret;
    }
    /* libyang 2.1.30's diff crashes on a user-ordered entry held twice (its position
     * arithmetic in lyd_diff_userord_attrs()): such a tree is refused. */
    if (diff_userord_twice(first) || diff_userord_twice(second)) {
        return NST_EINPUT;
    }
    return lyd_diff_siblings(first, second, 0, diff) ? NST_EINTERNAL : NST_OK;
}

/* O against R: owned nodes gone from the device, owned leaves with another value. */
static nst_err
diff_drift_walk(struct diff_result *r, const struct lyd_node *o, const struct lyd_node *rs)
{
    nst_err ret = NST_OK;

    for (const struct lyd_node *n = o; n && !ret; n = n->next) {
        const struct lyd_node *m;

        if (!diff_usable(n)) {
            continue;
        }
        m = diff_match(rs, n);
        if (!m) {
            ret = diff_drift_add(r, n, NULL);
        } else if (n->schema->nodetype == LYS_LEAF) {
            /* A secret leaf that no longer holds the secret's current value (normalised to
             * DIFF_REDACTED) is a rotation to push, not drift. */
            if (strcmp(diff_value(n), diff_value(m)) &&
                !(strstr(diff_value(n), DIFF_PH) && !strcmp(diff_value(m), DIFF_REDACTED))) {
                ret = diff_drift_add(r, n, m);
            }
        } else if (n->schema->nodetype & LYD_NODE_INNER) {
            ret = diff_drift_walk(r, lyd_child(n), lyd_child(m));
        }
    }
    return ret;
}

/*
 * An uncertain record (a push died between its two generations): what the devices hold
 * may be either. A node is drift only when it is drift against both generations; a node
 * one of them does not name is not drift (that generation has no opinion on it).
 */
static nst_err
diff_drift_uncertain(struct diff_result *r)
{
    struct diff_result alt = {0};
    size_t keep = 0;
    nst_err ret;

    alt.ly = r->ly;
    ret = diff_drift_walk(&alt, r->owned_alt, r->running);
    if (!ret) {
        ret = diff_drift_walk(r, r->owned_cur, r->running);
    }
    for (size_t i = 0; !ret && i < r->ndrift; i++) {
        int both = 0;

        for (size_t j = 0; j < alt.ndrift && !both; j++) {
            both = !strcmp(r->drift[i].path, alt.drift[j].path);
        }
        if (both) {
            r->drift[keep++] = r->drift[i];
        } else {
            nst_free(r->drift[i].path);
            nst_free(r->drift[i].owned);
            nst_free(r->drift[i].running);
        }
    }
    if (!ret) {
        r->ndrift = keep;
    }
    diff_result_clear(&alt);
    return ret;
}

/*
 * Moves of user-ordered entries are not changes here; drop them, then drop inner nodes
 * with operation "none" that hold no change any more.
 */
static void
diff_drop_moves(struct lyd_node **first, struct lyd_node *parent)
{
    struct lyd_node *n, *next;

    for (n = parent ? lyd_child(parent) : *first; n; n = next) {
        const char *op;

        next = n->next;
        if (!n->schema) {
            continue;
        }
        op = diff_op_own(n);
        if (op && !strcmp(op, "replace") && (n->schema->nodetype & (LYS_LIST | LYS_LEAFLIST))) {
            if (n->schema->nodetype == LYS_LEAFLIST) {
                if (n == *first) {
                    *first = next;
                }
                lyd_free_tree(n);
                continue;
            }
            lyd_change_meta(lyd_find_meta(n->meta, NULL, "yang:operation"), "none");
        }
        if (n->schema->nodetype & LYD_NODE_INNER) {
            op = diff_op(n);
            if (strcmp(op, "none")) {
                continue;
            }
            diff_drop_moves(first, n);
            if (!lyd_child_no_keys(n)) {
                if (n == *first) {
                    *first = next;
                }
                lyd_free_tree(n);
            }
        }
    }
}

/*
 * A non-presence container is never removed: nobody created it, and the device may hold
 * configuration below it that the subtree filter did not fetch (Junos `protocols` holds
 * more than the service's BGP group). Its removal becomes the removal of each of its
 * children, recursively, down to list instances, presence containers and leaves.
 */
static nst_err
diff_push_down_deletes(struct lyd_node *first, const struct lys_module *yang)
{
    for (struct lyd_node *n = first; n; n = n->next) {
        const char *own;
        nst_err ret;

        if (!n->schema || !(n->schema->nodetype & LYD_NODE_INNER)) {
            continue;
        }
        own = diff_op_own(n);
        if (own && !strcmp(own, "delete") && lysc_is_np_cont(n->schema)) {
            lyd_change_meta(lyd_find_meta(n->meta, NULL, "yang:operation"), "none");
            for (struct lyd_node *c = lyd_child(n); c; c = c->next) {
                if (c->schema && !lysc_is_key(c->schema) &&
                    lyd_new_meta(LYD_CTX(c), c, yang, "operation", "delete", 0, NULL)) {
                    return NST_ENOMEM;
                }
            }
        }
        ret = diff_push_down_deletes(lyd_child(n), yang);
        if (ret) {
            return ret;
        }
    }
    return NST_OK;
}

/* Strip the diff's yang: metadata; removals become nc:operation="delete". */
static nst_err
diff_edit_prepare(struct lyd_node *first, const struct lys_module *nc)
{
    for (struct lyd_node *n = first; n; n = n->next) {
        const char *own = diff_op_own(n);
        int del = own && !strcmp(own, "delete");
        struct lyd_meta *m, *mnext;

        for (m = n->meta; m; m = mnext) {
            mnext = m->next;
            if (m->annotation && !strcmp(m->annotation->module->name, "yang")) {
                lyd_free_meta_single(m);
            }
        }
        if (del) {
            struct lyd_node *c, *cnext;

            if (lyd_new_meta(LYD_CTX(n), n, nc, "operation", "delete", 0, NULL)) {
                return NST_ENOMEM;
            }
            for (c = lyd_child_no_keys(n); c; c = cnext) {
                cnext = c->next;
                lyd_free_tree(c);
            }
        } else if (n->schema && (n->schema->nodetype & LYD_NODE_INNER)) {
            nst_err ret = diff_edit_prepare(lyd_child(n), nc);

            if (ret) {
                return ret;
            }
        }
    }
    return NST_OK;
}

nst_err
diff_edit_text(const struct diff_result *r, char **text)
{
    struct lyd_node *e = NULL;
    const struct lys_module *nc;
    char *out = NULL;
    nst_err ret;

    *text = NULL;
    if (!r->diff) {
        return NST_OK;
    }
    nc = ly_ctx_get_module_implemented(r->ly, "ietf-netconf");
    if (!nc) {
        return NST_EINTERNAL;
    }
    if (lyd_dup_siblings(r->diff, NULL, LYD_DUP_RECURSIVE, &e)) {
        return NST_ENOMEM;
    }
    ret = diff_edit_prepare(e, nc);
    if (!ret && lyd_print_mem(&out, e, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_KEEPEMPTYCONT)) {
        ret = NST_ENOMEM;
    }
    lyd_free_siblings(e);
    if (!ret) {
        *text = nst_strdup(out ? out : "");
        ret = *text ? NST_OK : NST_ENOMEM;
    }
    free(out);
    return ret;
}

/* P' (step 7) as text in r->next_orig, NULL when nothing pre-existed. */
static nst_err
diff_make_next_orig(struct diff_result *r)
{
    struct lyd_node *po = NULL;
    char *text = NULL;
    nst_err ret;

    ret = diff_next_orig(r->target, r->owned, r->orig, r->others, r->others_orig, r->running, NULL,
                         &po);
    if (!ret && po) {
        if (lyd_print_mem(&text, po, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
            ret = NST_ENOMEM;
        } else if (text && *text && !(r->next_orig = nst_strdup(text))) {
            ret = NST_ENOMEM;
        }
    }
    free(text);
    lyd_free_siblings(po);
    return ret;
}

nst_err
diff_complete(struct diff_result *r)
{
    nst_err ret = NST_OK;

    if (!r->deferred) {
        return NST_OK;
    }
    if (r->diff && !r->edit) {
        ret = diff_edit_text(r, &r->edit);
    }
    if (!ret) {
        ret = diff_make_next_orig(r);
    }
    ly_err_clean(r->ly, NULL);
    if (!ret) {
        r->deferred = 0;
    }
    return ret;
}

/*
 * The declared port MTUs against the router's (issue 11, defect 8): the service says what
 * each port runs now, and the plan starts from that number; a router that runs something
 * else makes the plan wrong (a port at 9192 declared 1514 would be lowered).
 */

/* The first of @first and its siblings named @name (@len characters). */
static const struct lyd_node *
diff_named_sibling(const struct lyd_node *first, const char *name, size_t len)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        if (n->schema && strlen(n->schema->name) == len && !strncmp(n->schema->name, name, len)) {
            return n;
        }
    }
    return NULL;
}

/* The node at names-only @path ("a/b", "/a/b" from @first's level) below or at @first. */
static const struct lyd_node *
diff_names_path(const struct lyd_node *first, const char *path)
{
    const struct lyd_node *n = NULL;
    const char *p = path + (*path == '/');

    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        n = diff_named_sibling(first, p, len);
        if (!n || !end) {
            return n;
        }
        first = lyd_child(n);
        p = end + 1;
    }
    return n;
}

/*
 * The MTU leaf of port @port among @first and its siblings, @path being what is left of the
 * list's path ("interfaces/interface"); NULL when absent. Every sibling of a name is tried:
 * a configuration may hold two modules' top-level "interfaces" (OpenConfig beside a
 * vendor's own), and only one of them has the port.
 */
static const struct lyd_node *
diff_mtu_leaf_in(const struct lyd_node *first, const char *path, const struct drv_port_mtu *pm,
                 const char *port)
{
    const char *end = strchr(path, '/');
    size_t len = end ? (size_t)(end - path) : strlen(path);

    for (const struct lyd_node *n = first; n; n = n->next) {
        const struct lyd_node *k, *leaf;

        if (!n->schema || strlen(n->schema->name) != len || strncmp(n->schema->name, path, len)) {
            continue;
        }
        if (end) {
            leaf = diff_mtu_leaf_in(lyd_child(n), end + 1, pm, port);
            if (leaf) {
                return leaf;
            }
            continue;
        }
        k = diff_named_sibling(lyd_child(n), pm->key, strlen(pm->key));
        if (k && !strcmp(diff_value(k), port)) {
            leaf = diff_names_path(lyd_child(n), pm->leaf);
            if (leaf && leaf->schema && (leaf->schema->nodetype & LYD_NODE_TERM)) {
                return leaf;
            }
        }
    }
    return NULL;
}

/* The MTU leaf of port @port in @tree (@pm: where the driver keeps it), or NULL. */
static const struct lyd_node *
diff_port_mtu_leaf(const struct lyd_node *tree, const struct drv_port_mtu *pm, const char *port)
{
    return diff_mtu_leaf_in(tree, pm->list + (*pm->list == '/'), pm, port);
}

nst_err
diff_mtu_check(struct diff_result *r, const struct diff_inputs *in)
{
    const struct drv_port_mtu *pm = in->port_mtu;

    if (!pm || !pm->list || !pm->key || !pm->leaf || !in->nports) {
        return NST_OK;
    }
    for (size_t i = 0; i < in->nports; i++) {
        const char *port = in->ports[i].name;
        const struct lyd_node *rl = diff_port_mtu_leaf(r->running, pm, port);
        const struct lyd_node *tl = diff_port_mtu_leaf(r->target, pm, port);
        unsigned long running;
        struct diff_mtu *v;
        char *end;

        /* Compared only where the router's value was fetched (the payload sets the leaf),
         * and not where the router already runs what netstitch sets (the plan raised the
         * port: it is done) or set before (a change since is drift, reported as such). */
        if (!rl || (tl && !strcmp(diff_value(tl), diff_value(rl))) ||
            diff_port_mtu_leaf(r->owned, pm, port)) {
            continue;
        }
        running = strtoul(diff_value(rl), &end, 10);
        if (*end || running == in->ports[i].mtu) {
            continue;
        }
        v = nst_realloc(r->mtu, (r->nmtu + 1) * sizeof *v);
        if (!v) {
            return NST_ENOMEM;
        }
        r->mtu = v;
        v[r->nmtu].port = nst_strdup(port);
        v[r->nmtu].declared = in->ports[i].mtu;
        v[r->nmtu].running = (uint32_t)running;
        if (!v[r->nmtu].port) {
            return NST_ENOMEM;
        }
        r->nmtu++;
    }
    return NST_OK;
}

nst_err
diff_compute(struct diff_result *r, struct lyd_node *running, const struct diff_inputs *in,
             char *why, size_t whylen)
{
    struct lyd_node *d = NULL, *rp = NULL;
    struct diff_ph_set ph = {NULL, 0, 0};
    nst_err ret;

    why[0] = '\0';
    r->running = running;
    ret = diff_ph_collect(&ph, r->target);
    if (!ret) {
        ret = diff_ph_collect(&ph, r->owned);
    }
    if (!ret) {
        if (ph.n) {
            qsort(ph.v, ph.n, sizeof *ph.v, diff_ph_cmp);
        }
        ret = diff_secrets_normalize(&r->running, NULL, r->target, r->owned, &ph, in);
    }
    nst_free(ph.v);
    r->desired_is_target = !ret && diff_desired_is_target(r);
    if (r->desired_is_target) {
        d = r->target;
    } else if (!ret) {
        ret = diff_desired(r->target, r->owned, r->orig, r->others, r->running, NULL, &d);
    }
    r->actual_is_running = !ret && diff_prune_is_identity(r->running, r->target, r->owned);
    if (r->actual_is_running) {
        rp = r->running;
    } else if (!ret) {
        ret = diff_prune(r->running, r->target, r->owned, NULL, &rp);
    }
    if (ret) {
        snprintf(why, whylen, "%s",
                 ret == NST_ENOMEM ? "out of memory" : "cannot build the desired configuration");
        goto cleanup;
    }
    if (!r->desired_is_target) {
        diff_drop_empty(&d, NULL);
    }
    if (!r->actual_is_running) {
        diff_drop_empty(&rp, NULL);
    }
    ret = diff_siblings(rp, d, &r->diff);
    if (ret) {
        const struct ly_err_item *ei = ly_err_last(r->ly);
        const struct lyd_node *twice = ret == NST_EINPUT ? diff_userord_twice(rp) : NULL;

        if (ret == NST_ENOMEM) {
            snprintf(why, whylen, "out of memory");
        } else if (ret == NST_EINPUT) {
            char *path = lyd_path(twice ? twice : diff_userord_twice(d), LYD_PATH_STD, NULL, 0);

            snprintf(why, whylen, "%s holds %.400s twice (an ordered-by-user entry)",
                     twice ? "the device's configuration" : "the payload",
                     path ? path : "an entry");
            free(path);
        } else {
            snprintf(why, whylen, "libyang diff failed: %s", ei && ei->msg ? ei->msg : "unknown");
        }
        goto cleanup;
    }
    diff_drop_moves(&r->diff, NULL);
    if (r->diff) {
        ret = diff_push_down_deletes(r->diff, ly_ctx_get_module_implemented(r->ly, "yang"));
        if (ret) {
            snprintf(why, whylen, "out of memory");
            goto cleanup;
        }
    }
    if (r->diff && !in->defer) {
        ret = diff_edit_text(r, &r->edit);
        if (ret) {
            snprintf(why, whylen, "cannot build the edit-config payload");
            goto cleanup;
        }
    }
    if (r->owned_alt) {
        ret = diff_drift_uncertain(r);
    } else {
        ret = diff_drift_walk(r, r->owned, r->running);
    }
    if (!ret) {
        ret = diff_mtu_check(r, in);
    }
    if (!ret && !in->defer) {
        ret = diff_make_next_orig(r);
    }
    r->deferred = !ret && in->defer;
    if (ret) {
        snprintf(why, whylen, "out of memory");
    }

cleanup:
    /* D and R' stay for the printers (the CLI needs values the diff does not carry). */
    r->desired = d;
    r->actual = rp;
    ly_err_clean(r->ly, NULL);
    return ret;
}
