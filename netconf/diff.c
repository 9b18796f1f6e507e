/*
 * diff.c: the live diff engine: what a service needs on a device against what the
 * device has, restricted to what the service manages (diff.h explains T, O, P, X, R).
 *
 * Place in the pipeline: lifecycle.c fetches a device's running configuration (or reads
 * a saved one) and calls diff_load() + diff_compute(); `netstitch diff` prints the
 * result with the printers at the end of this file, and `push`/`delete` send its edit.
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
 * Printers: the curly-brace tree (NSO's `outformat cli` look), JSON members, and the
 * vendor CLI (diff_print_cli, at the end). They walk the lyd diff tree: every node has
 * an effective yang:operation (its own metadata, or inherited from the nearest parent).
 *
 * Not here: sessions and files (lifecycle.c); anything that writes to a device.
 */
#include "diff.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lyutil.h"
#include "txn.h"

#define DIFF_PH "$NST_SECRET{"
#define DIFF_NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

/*
 * Text buffer
 */

void
diff_buf_printf(struct diff_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->failed) {
        return;
    }
    for (;;) {
        size_t room = b->cap - b->len;

        va_start(ap, fmt);
        n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        {
            size_t cap = b->cap ? b->cap * 2 : 1024;
            char *s;

            while (cap < b->len + (size_t)n + 1) {
                cap *= 2;
            }
            s = nst_realloc(b->s, cap);
            if (!s) {
                b->failed = 1;
                return;
            }
            b->s = s;
            b->cap = cap;
        }
    }
}

void
diff_buf_puts(struct diff_buf *b, const char *s)
{
    diff_buf_printf(b, "%s", s);
}

void
diff_json_str(struct diff_buf *b, const char *s)
{
    diff_buf_puts(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            diff_buf_printf(b, "\\%c", c);
        } else if (c == '\n') {
            diff_buf_puts(b, "\\n");
        } else if (c == '\t') {
            diff_buf_puts(b, "\\t");
        } else if (c < 0x20) {
            diff_buf_printf(b, "\\u%04x", c);
        } else {
            diff_buf_printf(b, "%c", c);
        }
    }
    diff_buf_puts(b, "\"");
}

static void
diff_xml_text(struct diff_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            diff_buf_puts(b, "&amp;");
            break;
        case '<':
            diff_buf_puts(b, "&lt;");
            break;
        case '>':
            diff_buf_puts(b, "&gt;");
            break;
        default:
            diff_buf_printf(b, "%c", *s);
        }
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
static int
diff_usable(const struct lyd_node *n)
{
    return n->schema && !(n->flags & LYD_DEFAULT) && !lysc_is_key(n->schema);
}

static int
diff_is_term(const struct lyd_node *n)
{
    return (n->schema->nodetype & LYD_NODE_TERM) != 0;
}

static const char *
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
static struct lyd_node *
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

static struct lyd_node *
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

static const char *
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

nst_err
diff_parse(struct ly_ctx *ly, const char *text, int strict, struct lyd_node **tree, char *why,
           size_t whylen)
{
    const char *p, *body_end;
    char *body;
    struct lyd_node *t = NULL;
    uint32_t quiet = LY_LOSTORE;
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
        /* The last </config>: OpenConfig payloads hold <config> containers of their own. */
        for (s = strstr(gt, "</config>"); s; s = strstr(s + 1, "</config>")) {
            last = s;
        }
        if (!last) {
            snprintf(why, whylen, "<config> element is not closed");
            return NST_EINPUT;
        }
        p = gt + 1;
        body_end = last;
    }
    body = nst_strndup(p, (size_t)(body_end - p));
    if (!body) {
        return NST_ENOMEM;
    }
    if (!*diff_skip_prolog(body)) {
        nst_free(body);
        return NST_OK;
    }
    ly_temp_log_options(&quiet);
    e = lyd_parse_data_mem(ly, body, LYD_XML, LYD_PARSE_ONLY | (strict ? LYD_PARSE_STRICT : 0), 0,
                           &t);
    ly_temp_log_options(NULL);
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
    ret = diff_parse(r->ly, in->target, 1, &r->target, reason, sizeof reason);
    if (ret) {
        snprintf(why, whylen, "the payload does not fit the device's models: %s", reason);
        return ret;
    }
    ret = diff_parse(r->ly, in->owned, 0, &r->owned, reason, sizeof reason);
    if (!ret) {
        ret = diff_parse(r->ly, in->orig, 0, &r->orig, reason, sizeof reason);
    }
    if (!ret) {
        ret = diff_merge_text(r, in->owned_alt, &r->owned, reason, sizeof reason);
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
    lyd_free_siblings(r->orig);
    lyd_free_siblings(r->others);
    lyd_free_siblings(r->running);
    lyd_free_siblings(r->diff);
    for (size_t i = 0; i < r->ndrift; i++) {
        nst_free(r->drift[i].path);
        nst_free(r->drift[i].owned);
        nst_free(r->drift[i].running);
    }
    nst_free(r->drift);
    nst_free(r->edit);
    nst_free(r->next_orig);
    r->target = r->owned = r->orig = r->others = r->running = r->diff = NULL;
    r->drift = NULL;
    r->ndrift = 0;
    r->edit = r->next_orig = NULL;
}

/*
 * Subtree filter
 */

static void
diff_filter_open(struct diff_buf *b, const struct lyd_node *n, const struct lys_module *pmod)
{
    diff_buf_printf(b, "<%s", n->schema->name);
    if (n->schema->module != pmod) {
        diff_buf_puts(b, " xmlns=\"");
        diff_xml_text(b, n->schema->module->ns);
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
        if (n->schema->nodetype & (LYD_NODE_TERM | LYD_NODE_ANY)) {
            /* A selection node, once per schema node (leaf-list entries share one). */
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
                diff_xml_text(b, diff_value(k));
                diff_buf_printf(b, "</%s>", k->schema->name);
            }
        } else {
            diff_filter_nodes(b, lyd_child(n), n->schema->module);
        }
        diff_buf_printf(b, "</%s>", n->schema->name);
    }
}

nst_err
diff_filter(const struct diff_result *r, char **filter)
{
    struct lyd_node *u = NULL;
    struct diff_buf b = {0};
    nst_err ret = NST_OK;

    *filter = NULL;
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
 * known (or memory ran out). Freed with txn_wipe_free(): it holds secrets. */
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
                    txn_wipe_free(out);
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
    txn_wipe_free(sub);
    return same;
}

/*
 * Replace the secret leaves of R (in place): the placeholder when the device holds that
 * secret, or when netstitch set it (O), else DIFF_REDACTED. A value that cannot be set
 * (the type refuses it) removes the leaf: better a spurious "set the key" than a leak.
 */
static nst_err
diff_secrets_normalize(struct lyd_node **first, struct lyd_node *parent, const struct lyd_node *t,
                       const struct lyd_node *o, const struct diff_inputs *in)
{
    struct lyd_node *n, *next;
    nst_err ret;

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
            ret = diff_secrets_normalize(first, n, diff_child(tm), diff_child(om), in);
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
        } else if (ov && strstr(ov, DIFF_PH)) {
            nv = ov;
        } else {
            nv = DIFF_REDACTED;
        }
        if (lyd_change_term(n, nv) > LY_EEXIST) {
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

/* P' for one level (see the file comment, step 7). */
static nst_err
diff_next_orig(const struct lyd_node *t, const struct lyd_node *o, const struct lyd_node *p,
               const struct lyd_node *r, struct lyd_node *parent, struct lyd_node **first)
{
    nst_err ret = NST_OK;

    for (const struct lyd_node *n = t; n && !ret; n = n->next) {
        const struct lyd_node *om, *pm, *rm, *pre;
        struct lyd_node *d = NULL;

        if (!diff_usable(n)) {
            continue;
        }
        om = diff_match(o, n);
        pm = diff_match(p, n);
        rm = diff_match(r, n);
        pre = om ? pm : rm;
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
            ret = diff_next_orig(lyd_child(n), diff_child(om), diff_child(pm), diff_child(rm), d,
                                 NULL);
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
            if (strcmp(diff_value(n), diff_value(m))) {
                ret = diff_drift_add(r, n, m);
            }
        } else if (n->schema->nodetype & LYD_NODE_INNER) {
            ret = diff_drift_walk(r, lyd_child(n), lyd_child(m));
        }
    }
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

static nst_err
diff_make_edit(struct diff_result *r)
{
    struct lyd_node *e = NULL;
    const struct lys_module *nc = ly_ctx_get_module_implemented(r->ly, "ietf-netconf");
    char *text = NULL;
    nst_err ret;

    if (!nc) {
        return NST_EINTERNAL;
    }
    if (lyd_dup_siblings(r->diff, NULL, LYD_DUP_RECURSIVE, &e)) {
        return NST_ENOMEM;
    }
    ret = diff_edit_prepare(e, nc);
    if (!ret &&
        lyd_print_mem(&text, e, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_KEEPEMPTYCONT)) {
        ret = NST_ENOMEM;
    }
    lyd_free_siblings(e);
    if (ret) {
        free(text);
        return ret;
    }
    r->edit = nst_strdup(text ? text : "");
    free(text);
    return r->edit ? NST_OK : NST_ENOMEM;
}

nst_err
diff_compute(struct diff_result *r, struct lyd_node *running, const struct diff_inputs *in,
             char *why, size_t whylen)
{
    struct lyd_node *d = NULL, *rp = NULL, *po = NULL;
    char *text = NULL;
    nst_err ret;

    why[0] = '\0';
    r->running = running;
    ret = diff_secrets_normalize(&r->running, NULL, r->target, r->owned, in);
    if (!ret) {
        ret = diff_desired(r->target, r->owned, r->orig, r->others, r->running, NULL, &d);
    }
    if (!ret) {
        ret = diff_prune(r->running, r->target, r->owned, NULL, &rp);
    }
    if (ret) {
        snprintf(why, whylen, "cannot build the desired configuration");
        goto cleanup;
    }
    diff_drop_empty(&d, NULL);
    diff_drop_empty(&rp, NULL);
    if (lyd_diff_siblings(rp, d, 0, &r->diff)) {
        const struct ly_err_item *ei = ly_err_last(r->ly);

        snprintf(why, whylen, "libyang diff failed: %s", ei && ei->msg ? ei->msg : "unknown");
        ret = NST_EINTERNAL;
        goto cleanup;
    }
    diff_drop_moves(&r->diff, NULL);
    if (r->diff) {
        ret = diff_make_edit(r);
        if (ret) {
            snprintf(why, whylen, "cannot build the edit-config payload");
            goto cleanup;
        }
    }
    ret = diff_drift_walk(r, r->owned, r->running);
    if (!ret) {
        ret = diff_next_orig(r->target, r->owned, r->orig, r->running, NULL, &po);
    }
    if (!ret && po) {
        if (lyd_print_mem(&text, po, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
            ret = NST_ENOMEM;
        } else if (text && *text && !(r->next_orig = nst_strdup(text))) {
            ret = NST_ENOMEM;
        }
    }
    if (ret) {
        snprintf(why, whylen, "out of memory");
    }

cleanup:
    free(text);
    lyd_free_siblings(d);
    lyd_free_siblings(rp);
    lyd_free_siblings(po);
    ly_err_clean(r->ly, NULL);
    return ret;
}

/*
 * Printers: shared
 */

#define DIFF_C_ADD "\033[32m"
#define DIFF_C_DEL "\033[31m"
#define DIFF_C_NOTE "\033[33m"
#define DIFF_C_HEAD "\033[1m"
#define DIFF_C_OFF "\033[0m"

/* A value as the tree and CLI formats show it: bare when it is one simple word. */
static void
diff_word(struct diff_buf *b, const char *v)
{
    int plain = *v != '\0';

    for (const char *s = v; *s && plain; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= ' ' || c == '"' || c == '\\' || c == ';' || c == '{' || c == '}' || c == '#' ||
            c == '!' || c == '[' || c == ']' || c == '\'' || c >= 0x7f) {
            plain = 0;
        }
    }
    if (plain) {
        diff_buf_puts(b, v);
        return;
    }
    diff_buf_puts(b, "\"");
    for (; *v; v++) {
        switch (*v) {
        case '"':
        case '\\':
            diff_buf_printf(b, "\\%c", *v);
            break;
        case '\n':
            diff_buf_puts(b, "\\n");
            break;
        case '\t':
            diff_buf_puts(b, "\\t");
            break;
        default:
            diff_buf_printf(b, "%c", (unsigned char)*v < ' ' ? ' ' : *v);
        }
    }
    diff_buf_puts(b, "\"");
}

/* The value shown for a leaf: identities without their module, types without a value. */
static const char *
diff_shown(const struct lyd_node *n)
{
    const char *v = diff_value(n);
    const struct lysc_node_leaf *s = (const struct lysc_node_leaf *)n->schema;

    if (s->type->basetype == LY_TYPE_IDENT && strchr(v, ':')) {
        return strchr(v, ':') + 1;
    }
    return v;
}

static int
diff_is_empty_type(const struct lyd_node *n)
{
    return ((const struct lysc_node_leaf *)n->schema)->type->basetype == LY_TYPE_EMPTY;
}

static const char *
diff_orig_value(const struct lyd_node *n)
{
    struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:orig-value");

    return m ? lyd_get_meta_value(m) : "";
}

/*
 * Printers: the tree
 */

struct diff_tree {
    struct diff_buf *b;
    int color;
};

static void
diff_tree_line(struct diff_tree *t, char mark, int depth, const char *text)
{
    if (t->color && mark != ' ') {
        diff_buf_puts(t->b, mark == '+' ? DIFF_C_ADD : DIFF_C_DEL);
    }
    diff_buf_printf(t->b, "%c%*s%s", mark, depth * 4, "", text);
    if (t->color && mark != ' ') {
        diff_buf_puts(t->b, DIFF_C_OFF);
    }
    diff_buf_puts(t->b, "\n");
}

/* "name" or "name key1 key2" for a list instance. */
static void
diff_node_head(struct diff_buf *b, const struct lyd_node *n)
{
    diff_buf_puts(b, n->schema->name);
    if (n->schema->nodetype == LYS_LIST) {
        for (const struct lyd_node *k = lyd_child(n); k && lysc_is_key(k->schema); k = k->next) {
            diff_buf_puts(b, " ");
            diff_word(b, diff_shown(k));
        }
    }
}

static void
diff_tree_leaf(struct diff_tree *t, char mark, int depth, const struct lyd_node *n, const char *v)
{
    struct diff_buf w = {0};

    diff_buf_puts(&w, n->schema->name);
    if (!diff_is_empty_type(n)) {
        diff_buf_puts(&w, " ");
        diff_word(&w, v);
    }
    diff_buf_puts(&w, ";");
    diff_tree_line(t, mark, depth, w.s ? w.s : "");
    t->b->failed |= w.failed;
    nst_free(w.s);
}

static void
diff_tree_nodes(struct diff_tree *t, const struct lyd_node *first, int depth)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        const char *op;
        char mark;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        op = diff_op(n);
        mark = !strcmp(op, "create") ? '+' : !strcmp(op, "delete") ? '-' : ' ';
        if (diff_is_term(n)) {
            if (!strcmp(op, "replace")) {
                diff_tree_leaf(t, '-', depth, n, diff_orig_value(n));
                diff_tree_leaf(t, '+', depth, n, diff_shown(n));
            } else if (mark != ' ') {
                diff_tree_leaf(t, mark, depth, n, diff_shown(n));
            }
        } else if (n->schema->nodetype & LYD_NODE_ANY) {
            diff_tree_line(t, mark, depth, n->schema->name);
        } else {
            struct diff_buf h = {0};

            diff_node_head(&h, n);
            if (!lyd_child_no_keys(n)) {
                diff_buf_puts(&h, ";");
                diff_tree_line(t, mark, depth, h.s ? h.s : "");
            } else {
                diff_buf_puts(&h, " {");
                diff_tree_line(t, mark, depth, h.s ? h.s : "");
                diff_tree_nodes(t, lyd_child(n), depth + 1);
                diff_tree_line(t, mark, depth, "}");
            }
            t->b->failed |= h.failed;
            nst_free(h.s);
        }
    }
}

void
diff_print_tree(struct diff_buf *b, const struct diff_result *r, const char *device, int color)
{
    struct diff_tree t = {b, color};

    for (size_t i = 0; i < r->ndrift; i++) {
        const struct diff_drift *d = &r->drift[i];

        diff_buf_printf(b, "%s! drift on %s: %s", color ? DIFF_C_NOTE : "", device, d->path);
        if (!d->running) {
            diff_buf_puts(b, " was removed outside netstitch");
        } else {
            diff_buf_puts(b, " is ");
            diff_word(b, d->running);
            diff_buf_puts(b, ", netstitch set ");
            diff_word(b, d->owned ? d->owned : "");
        }
        diff_buf_printf(b, "%s\n", color ? DIFF_C_OFF : "");
    }
    if (!r->diff) {
        return;
    }
    diff_buf_printf(b, "%s device %s {%s\n", color ? DIFF_C_HEAD : "", device,
                    color ? DIFF_C_OFF : "");
    diff_buf_puts(b, "     config {\n");
    diff_tree_nodes(&t, r->diff, 2);
    diff_buf_puts(b, "     }\n");
    diff_buf_puts(b, " }\n");
}

/*
 * Printers: JSON
 */

static void
diff_json_change(struct diff_buf *b, int *count, const char *op, const struct lyd_node *n,
                 const char *value, const char *old)
{
    char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

    if (!path) {
        b->failed = 1;
        return;
    }
    diff_buf_printf(b, "%s\n      {\"op\": \"%s\", \"path\": ", (*count)++ ? "," : "", op);
    diff_json_str(b, path);
    if (value) {
        diff_buf_puts(b, ", \"value\": ");
        diff_json_str(b, value);
    }
    if (old) {
        diff_buf_puts(b, ", \"old\": ");
        diff_json_str(b, old);
    }
    diff_buf_puts(b, "}");
    free(path);
}

/* Created subtrees are listed leaf by leaf; removed ones once, at their root. */
static void
diff_json_nodes(struct diff_buf *b, int *count, const struct lyd_node *first)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        const char *op;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        op = diff_op(n);
        if (diff_is_term(n)) {
            if (!strcmp(op, "replace")) {
                diff_json_change(b, count, "replace", n, diff_value(n), diff_orig_value(n));
            } else if (!strcmp(op, "create") || !strcmp(op, "delete")) {
                diff_json_change(b, count, op, n, diff_is_empty_type(n) ? NULL : diff_value(n),
                                 NULL);
            }
            continue;
        }
        if (!strcmp(op, "delete")) {
            diff_json_change(b, count, "delete", n, NULL, NULL);
            continue;
        }
        if (!strcmp(op, "create") && !lyd_child_no_keys(n)) {
            /* A list instance with only its keys, or an empty presence container. */
            diff_json_change(b, count, "create", n, NULL, NULL);
            continue;
        }
        diff_json_nodes(b, count, lyd_child(n));
    }
}

void
diff_print_json(struct diff_buf *b, const struct diff_result *r)
{
    int count = 0;

    diff_buf_puts(b, "\"changes\": [");
    diff_json_nodes(b, &count, r->diff);
    diff_buf_printf(b, "%s], \"drift\": [", count ? "\n    " : "");
    for (size_t i = 0; i < r->ndrift; i++) {
        diff_buf_printf(b, "%s\n      {\"path\": ", i ? "," : "");
        diff_json_str(b, r->drift[i].path);
        diff_buf_puts(b, ", \"owned\": ");
        if (r->drift[i].owned) {
            diff_json_str(b, r->drift[i].owned);
        } else {
            diff_buf_puts(b, "null");
        }
        diff_buf_puts(b, ", \"running\": ");
        if (r->drift[i].running) {
            diff_json_str(b, r->drift[i].running);
        } else {
            diff_buf_puts(b, "null");
        }
        diff_buf_puts(b, "}");
    }
    diff_buf_printf(b, "%s]", r->ndrift ? "\n    " : "");
}

/*
 * Printers: vendor CLI
 */

void
diff_print_cli(struct diff_buf *b, const struct diff_result *r, const char *device,
               const char *driver, int color)
{
    (void)b;
    (void)r;
    (void)device;
    (void)driver;
    (void)color;
}
