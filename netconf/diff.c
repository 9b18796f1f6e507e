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
#include "secret.h"

#define DIFF_PH "$NST_SECRET{"

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
    lyd_free_siblings(r->desired);
    lyd_free_siblings(r->actual);
    lyd_free_siblings(r->diff);
    for (size_t i = 0; i < r->ndrift; i++) {
        nst_free(r->drift[i].path);
        nst_free(r->drift[i].owned);
        nst_free(r->drift[i].running);
    }
    nst_free(r->drift);
    nst_free(r->edit);
    nst_free(r->next_orig);
    r->target = r->owned = r->orig = r->others = r->others_orig = r->running = r->diff = NULL;
    r->desired = r->actual = r->owned_cur = r->owned_alt = NULL;
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
 * known (or memory ran out). Freed with secret_wipe_free(): it holds secrets. */
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
                    secret_wipe_free(out);
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

    secret_wipe_free(sub);
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
    secret_wipe_free(sub);
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
        snprintf(why, whylen, "%s",
                 ret == NST_ENOMEM ? "out of memory" : "cannot build the desired configuration");
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
        ret = diff_push_down_deletes(r->diff, ly_ctx_get_module_implemented(r->ly, "yang"));
        if (ret) {
            snprintf(why, whylen, "out of memory");
            goto cleanup;
        }
    }
    if (r->diff) {
        ret = diff_make_edit(r);
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
        ret = diff_next_orig(r->target, r->owned, r->orig, r->others, r->others_orig, r->running,
                             NULL, &po);
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
    /* D and R' stay for the printers (the CLI needs values the diff does not carry). */
    r->desired = d;
    r->actual = rp;
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
 *
 * The diff, as the commands an operator would type. Three families:
 *   flat     Junos `set`/`delete` and SR OS MD-CLI `/configure ...` / `delete /configure
 *            ...`: one command per changed leaf, the path spelled from the schema (Junos
 *            hides a few list names and positional leaves, see diff_junos_*); removals
 *            first. OpenConfig devices without a CLI get `path = value` / `delete path`.
 *   modes    IOS-XR, VRP and EOS: hierarchical configuration modes. A rule table maps
 *            the schema paths netstitch's templates emit to a mode line (`interface X`),
 *            a statement (`mtu 1514`, several leaves in one line), or a statement that
 *            lives in another mode (VRP binds a bridge domain inside the interface).
 *            Removals are the vendor's negation (`no`, `undo`) of the old statement; a
 *            changed statement is emitted whole with its new values (taken from D: the
 *            diff holds only what changed). Paths without a rule fall back to the leaf's
 *            name and value.
 *   EOS      also its arista-cli `commands` list, whose entries are CLI lines already:
 *            new lines are printed under their mode line, removed ones negated.
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

/* The first child of @n (or sibling of @first) named @name, @len characters. */
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

struct diff_cli {
    const struct diff_result *r;
    const struct diff_dialect *dia;
    struct diff_buf *b;
    int color;
};

/* A transform of a rule value: "sp" dashes to spaces, "nobang" drops a leading '!', "vrprw"
 * VRP's rewrite words, "ifpos" the interface of a VRP port position. */
static void
diff_cli_transform(struct diff_cli *c, struct diff_buf *o, const char *fn, size_t fl, const char *v)
{
    if (fl == 2 && !strncmp(fn, "sp", 2)) {
        for (; *v; v++) {
            diff_buf_printf(o, "%c", *v == '-' ? ' ' : *v);
        }
    } else if (fl == 6 && !strncmp(fn, "nobang", 6)) {
        diff_buf_puts(o, v + (*v == '!'));
    } else if (fl == 5 && !strncmp(fn, "vrprw", 5)) {
        diff_buf_puts(o, !strcmp(v, "pop-double")  ? "pop double"
                         : !strcmp(v, "pop-outer") ? "pop single"
                                                   : v);
    } else if (fl == 6 && !strncmp(fn, "eosact", 6)) {
        diff_buf_puts(o, !strcmp(v, "ACCEPT_ROUTE")   ? "permit"
                         : !strcmp(v, "REJECT_ROUTE") ? "deny"
                                                      : v);
    } else if (fl == 5 && !strncmp(fn, "ifpos", 5)) {
        const struct lyd_node *roots[2] = {c->r->desired, c->r->actual};

        for (size_t i = 0; i < 2; i++) {
            const struct lyd_node *ifs = diff_lookup(NULL, "/ifm/interfaces", &roots[i], 1);

            for (const struct lyd_node *it = diff_child(ifs); it; it = it->next) {
                const struct lyd_node *nm = diff_named(lyd_child(it), "name", 4);
                const char *name = nm ? diff_value(nm) : "";
                size_t nl = strlen(name), vl = strlen(v);

                if (nl > vl && !strcmp(name + nl - vl, v) &&
                    !isdigit((unsigned char)name[nl - vl - 1]) && name[nl - vl - 1] != '/') {
                    diff_buf_puts(o, name);
                    return;
                }
            }
        }
        diff_buf_printf(o, "GigabitEthernet%s", v);
    } else {
        diff_buf_puts(o, v);
    }
}

/* Expand a rule format with @ctx as the context node. */
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

        if (*p != '{' || !(end = strchr(p, '}'))) {
            diff_buf_printf(&o, "%c", *p);
            continue;
        }
        if (p[1] == '?') {
            bar = memchr(p, '|', (size_t)(end - p));
            pl = bar ? (size_t)(bar - p - 2) : 0;
            snprintf(path, sizeof path, "%.*s", (int)pl, p + 2);
            if (bar && diff_lookup(ctx, path, roots, 3)) {
                diff_buf_printf(&o, "%.*s", (int)(end - bar - 1), bar + 1);
            }
        } else {
            colon = memchr(p, ':', (size_t)(end - p));
            pl = (size_t)((colon ? colon : end) - p - 1);
            snprintf(path, sizeof path, "%.*s", (int)pl, p + 1);
            n = diff_lookup(ctx, path, roots, 3);
            if (n && n->schema && (n->schema->nodetype & LYD_NODE_TERM)) {
                diff_cli_transform(c, &o, colon ? colon + 1 : "",
                                   colon ? (size_t)(end - colon - 1) : 0, diff_shown(n));
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

/* The mode tree the hierarchical dialects print. */
struct diff_cli_item {
    char *text; /* a statement (NULL for a block) */
    struct diff_cli_block *blk;
    int del; /* a removal: printed first */
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
diff_cli_add(struct diff_cli *c, struct diff_cli_block *b, char *text, int del, const char *mode)
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
    b->n++;
    return mode ? nb : b;
}

enum diff_rule_kind {
    DR_MODE,  /* a configuration mode; its children go inside */
    DR_STMT,  /* one statement for the node and everything below it */
    DR_SKIP,  /* part of a mode line or implied: never printed alone */
    DR_BLOCK, /* a leaf whose value is a whole block of configuration (IOS-XR RPL) */
    DR_PASS   /* a list or container whose children are printed on their own; its removal
                 is `del` (when given) */
};

struct diff_rule {
    const char *path;
    enum diff_rule_kind kind;
    const char *fmt;  /* the line */
    const char *del;  /* the line negated on removal; NULL: fmt with the old values */
    const char *mode; /* the mode(s) the statement lives in, '\n'-separated, from the top */
};

struct diff_dialect {
    const char *name;
    const char *no; /* "no ", "undo " */
    int indent;
    const char *end; /* closes every mode ("!"), or NULL */
    const char *sep; /* separates top-level modes ("#"), or NULL */
    const char *comment;
    const struct diff_rule *rules;
};

#define XR_IF "/interfaces/interface"
#define XR_BD "/l2vpn/bridge/groups/group/bridge-domains/bridge-domain"
#define XR_VFI XR_BD "/vfis/vfi"
#define XR_NB "/router/bgp/as/neighbors/neighbor"
static const struct diff_rule diff_rules_iosxr[] = {
    {XR_IF, DR_MODE, "interface {interface-name}{?sub-interface-type/l2transport| l2transport}",
     "interface {interface-name}", NULL},
    {XR_IF "/sub-interface-type", DR_SKIP, NULL, NULL, NULL},
    {XR_IF "/description", DR_STMT, "description {.}", "description", NULL},
    {XR_IF "/mtu", DR_STMT, "mtu {.}", "mtu", NULL},
    {XR_IF "/dot1q/tunneling/ethertype", DR_STMT, "dot1q tunneling ethertype {.}", NULL, NULL},
    {XR_IF "/encapsulation/dot1q", DR_STMT,
     "encapsulation dot1q {vlan-id}{?second-dot1q| second-dot1q }{second-dot1q}", NULL, NULL},
    {XR_IF "/encapsulation/dot1ad", DR_STMT,
     "encapsulation dot1ad {vlan-id}{?dot1q| dot1q }{dot1q}", NULL, NULL},
    {XR_IF "/l2transport-encapsulation/dot1q", DR_STMT,
     "encapsulation dot1q {vlan-id}{?second-dot1q| second-dot1q }{second-dot1q}", NULL, NULL},
    {XR_IF "/l2transport-encapsulation/dot1ad", DR_STMT,
     "encapsulation dot1ad {vlan-id}{?dot1q| dot1q }{dot1q}", NULL, NULL},
    {XR_IF "/rewrite/ingress/tag/pop/one", DR_STMT, "rewrite ingress tag pop 1 symmetric", NULL,
     NULL},
    {XR_IF "/rewrite/ingress/tag/pop/two", DR_STMT, "rewrite ingress tag pop 2 symmetric", NULL,
     NULL},
    {XR_IF "/ipv4/addresses/address", DR_STMT, "ipv4 address {address} {netmask}", NULL, NULL},
    {"/l2vpn", DR_MODE, "l2vpn", NULL, NULL},
    {"/l2vpn/bridge/groups/group", DR_MODE, "bridge group {group-name}", NULL, NULL},
    {XR_BD, DR_MODE, "bridge-domain {bridge-domain-name}", NULL, NULL},
    {XR_BD "/mtu", DR_STMT, "mtu {.}", "mtu", NULL},
    {XR_BD "/interfaces/interface", DR_MODE, "interface {interface-name}", NULL, NULL},
    {XR_VFI, DR_MODE, "vfi {vfi-name}", NULL, NULL},
    {XR_VFI "/vpn-id", DR_STMT, "vpn-id {.}", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp", DR_MODE, "autodiscovery bgp", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/rd/auto", DR_STMT, "rd auto", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/route-target/two-byte-as-rts/two-byte-as-rt", DR_STMT,
     "route-target {two-byte-as-number}:{assigned-number}", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/signaling-protocol/bgp", DR_MODE, "signaling-protocol bgp", NULL,
     NULL},
    {XR_VFI "/autodiscovery/bgp/signaling-protocol/bgp/ve-id", DR_STMT, "ve-id {.}", NULL, NULL},
    {XR_VFI "/neighbors/neighbor", DR_MODE, "neighbor {address} pw-id {pw-id}", NULL, NULL},
    {"/router/bgp/as", DR_MODE, "router bgp {as-number}", NULL, NULL},
    {"/router/bgp/as/bgp/router-id", DR_STMT, "bgp router-id {.}", NULL, NULL},
    {"/router/bgp/as/address-families/address-family", DR_MODE, "address-family {af-name:sp}", NULL,
     NULL},
    {XR_NB, DR_MODE, "neighbor {neighbor-address}", NULL, NULL},
    {XR_NB "/remote-as", DR_STMT, "remote-as {.}", NULL, NULL},
    {XR_NB "/description", DR_STMT, "description {.}", "description", NULL},
    {XR_NB "/local-as", DR_STMT,
     "local-as {as-number}{?no-prepend| no-prepend}{?no-prepend/replace-as| replace-as}"
     "{?no-prepend/replace-as/dual-as| dual-as}",
     "local-as", NULL},
    {XR_NB "/password/encrypted", DR_STMT, "password clear {.:nobang}", "password", NULL},
    {XR_NB "/address-families/address-family", DR_MODE, "address-family {af-name:sp}", NULL, NULL},
    {XR_NB "/address-families/address-family/route-policy/in", DR_STMT, "route-policy {.} in", NULL,
     NULL},
    {XR_NB "/address-families/address-family/route-policy/out", DR_STMT, "route-policy {.} out",
     NULL, NULL},
    {XR_NB "/address-families/address-family/maximum-prefix", DR_STMT,
     "maximum-prefix {prefix-limit}{?threshold| }{threshold}{?restart| restart }{restart}",
     "maximum-prefix", NULL},
    {"/routing-policy/route-policies/route-policy", DR_BLOCK, "rpl-route-policy",
     "route-policy {route-policy-name}", NULL},
    {"/routing-policy/sets/prefix-sets/prefix-set", DR_BLOCK, "rpl-prefix-set",
     "prefix-set {set-name}", NULL},
    {NULL, DR_SKIP, NULL, NULL, NULL},
};

#define VRP_IF "/ifm/interfaces/interface"
#define VRP_L2 VRP_IF "/ethernet/l2-sub-interface"
#define VRP_VSI "/l2vpn/instances/instance"
#define VRP_PEER "/network-instance/instances/instance/bgp/base-process/peers/peer"
#define VRP_BGP "bgp {/bgp/base-process/as}"
static const struct diff_rule diff_rules_vrp[] = {
    {"/bd/instances/instance", DR_MODE, "bridge-domain {id}", NULL, NULL},
    {"/bd/instances/instance/description", DR_STMT, "description {.}", "description", NULL},
    {"/bd/instances/instance/service-points/service-point", DR_STMT, "bridge-domain {../../id}",
     NULL, "interface {interface-name}"},
    {"/bgp/base-process", DR_MODE, "bgp {as}", NULL, NULL},
    {"/bgp/base-process/enable", DR_STMT, NULL, "bgp {../as}", ""},
    {"/bgp/base-process/as", DR_SKIP, NULL, NULL, NULL},
    {"/bgp/base-process/router-id", DR_STMT, "router-id {.}", NULL, NULL},
    {"/devm/ports/port", DR_PASS, NULL, NULL, NULL},
    {"/devm/ports/port/ethernet/jumbo-frame", DR_STMT, "jumboframe enable {.}", "jumboframe enable",
     "interface {../../position:ifpos}"},
    {VRP_IF, DR_MODE, "interface {name}{?l2-mode-enable| mode l2}", "interface {name}", NULL},
    {VRP_IF "/class", DR_SKIP, NULL, NULL, NULL},
    {VRP_IF "/parent-name", DR_SKIP, NULL, NULL, NULL},
    {VRP_IF "/number", DR_SKIP, NULL, NULL, NULL},
    {VRP_IF "/l2-mode-enable", DR_SKIP, NULL, NULL, NULL},
    {VRP_IF "/description", DR_STMT, "description {.}", "description", NULL},
    {VRP_IF "/mtu", DR_STMT, "mtu {.}", "mtu", NULL},
    {VRP_IF "/ethernet/main-interface/qinq-protocol", DR_STMT, "qinq protocol {.}", NULL, NULL},
    {VRP_L2 "/qinqs/qinq-vids/qinq-vid", DR_STMT,
     "encapsulation qinq vid {pe-vlan-id} ce-vid {ce-vlan-list}", NULL, NULL},
    {VRP_L2 "/dot1q/vlans/vlan-list", DR_STMT, "encapsulation dot1q vid {.}", NULL, NULL},
    {VRP_L2 "/untag", DR_STMT, "encapsulation untag", NULL, NULL},
    {VRP_L2 "/flow-action", DR_STMT, "rewrite {action-type:vrprw}", "rewrite", NULL},
    {VRP_IF "/ethernet/l3-sub-interface/vlan-type-dot1q/vlan-type-vid", DR_STMT,
     "vlan-type dot1q {.}", NULL, NULL},
    {VRP_IF "/ipv4/addresses/address", DR_STMT, "ip address {ip} {mask}", NULL, NULL},
    {VRP_VSI, DR_MODE, "vsi {name} {vpls/member-discovery-mode}", "vsi {name}", NULL},
    {VRP_VSI "/type", DR_SKIP, NULL, NULL, NULL},
    {VRP_VSI "/description", DR_STMT, "description {.}", "description", NULL},
    {VRP_VSI "/vpls/member-discovery-mode", DR_SKIP, NULL, NULL, NULL},
    {VRP_VSI "/vpls/encapsulation-type", DR_STMT, "encapsulation {.}", NULL, NULL},
    {VRP_VSI "/vpls/mtu", DR_STMT, "mtu {.}", "mtu", NULL},
    {VRP_VSI "/vpls/bds/bd", DR_STMT, "l2 binding vsi {../../../name}", NULL, "bridge-domain {id}"},
    {VRP_VSI "/vpls/ldp-signaling", DR_MODE, "pwsignal ldp", NULL, NULL},
    {VRP_VSI "/vpls/ldp-signaling/vsi-id", DR_STMT, "vsi-id {.}", NULL, NULL},
    {VRP_VSI "/vpls/ldp-signaling/pws/pw", DR_STMT, "peer {peer-ip}", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling", DR_MODE, "pwsignal bgp", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling/route-distinguisher", DR_STMT, "route-distinguisher {.}", NULL,
     NULL},
    {VRP_VSI "/vpls/bgp-signaling/vpn-targets/vpn-target", DR_STMT,
     "vpn-target {rt-value} {rt-type}", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling/sites/site", DR_STMT,
     "site {site-id} range {range} default-offset {default-offset}", NULL, NULL},
    {"/network-instance/instances/instance", DR_PASS, NULL, NULL, NULL},
    {VRP_PEER, DR_PASS, NULL, "peer {address}", VRP_BGP},
    {VRP_PEER "/remote-as", DR_STMT, "peer {../address} as-number {.}", NULL, VRP_BGP},
    {VRP_PEER "/description", DR_STMT, "peer {../address} description {.}", NULL, VRP_BGP},
    {VRP_PEER "/fake-as-parameter", DR_STMT, "peer {../address} fake-as {fake-as}", NULL, VRP_BGP},
    {VRP_PEER "/password-type", DR_SKIP, NULL, NULL, NULL},
    {VRP_PEER "/password-text", DR_STMT, "peer {../address} password {../password-type} {.}",
     "peer {../address} password", VRP_BGP},
    {VRP_PEER "/afs/af", DR_PASS, NULL, NULL, NULL},
    {VRP_PEER "/afs/af/ipv4-unicast/import-ip-prefix", DR_STMT,
     "peer {../../../../address} ip-prefix {.} import", NULL, VRP_BGP "\nipv4-family unicast"},
    {VRP_PEER "/afs/af/ipv4-unicast/export-ip-prefix", DR_STMT,
     "peer {../../../../address} ip-prefix {.} export", NULL, VRP_BGP "\nipv4-family unicast"},
    {VRP_PEER "/afs/af/ipv4-unicast/route-limit", DR_STMT,
     "peer {../../../../address} route-limit {number}", "peer {../../../../address} route-limit",
     VRP_BGP "\nipv4-family unicast"},
    {"/routing-policy/ipv4-prefix-filters/ipv4-prefix-filter", DR_PASS, NULL, "ip ip-prefix {name}",
     NULL},
    {"/routing-policy/ipv4-prefix-filters/ipv4-prefix-filter/nodes/node", DR_STMT,
     "ip ip-prefix {../../name} index {sequence} {match-mode} {ip-address} {masklength}"
     "{?masklength-upper| less-equal }{masklength-upper}",
     "ip ip-prefix {../../name} index {sequence}", NULL},
    {NULL, DR_SKIP, NULL, NULL, NULL},
};

#define EOS_NI "/network-instances/network-instance"
#define EOS_BGP EOS_NI "/protocols/protocol/bgp"
#define EOS_NB EOS_BGP "/neighbors/neighbor"
#define EOS_RB "router bgp {" EOS_BGP "/global/config/as}"
#define EOS_RP "/routing-policy"
static const struct diff_rule diff_rules_eos[] = {
    {EOS_NI, DR_PASS, NULL, NULL, NULL},
    {EOS_NI "/config", DR_SKIP, NULL, NULL, NULL},
    {EOS_NI "/protocols/protocol", DR_PASS, NULL, NULL, NULL},
    {EOS_NI "/protocols/protocol/config", DR_SKIP, NULL, NULL, NULL},
    {EOS_BGP "/global/config/as", DR_SKIP, NULL, NULL, NULL},
    {EOS_BGP "/global/config/router-id", DR_STMT, "router-id {.}", NULL, EOS_RB},
    {EOS_NB, DR_PASS, NULL, "neighbor {neighbor-address}", EOS_RB},
    {EOS_NB "/config/neighbor-address", DR_SKIP, NULL, NULL, NULL},
    {EOS_NB "/config/peer-as", DR_STMT, "neighbor {../../neighbor-address} remote-as {.}", NULL,
     EOS_RB},
    {EOS_NB "/config/description", DR_STMT, "neighbor {../../neighbor-address} description {.}",
     "neighbor {../../neighbor-address} description", EOS_RB},
    {EOS_NB "/config/local-as", DR_STMT,
     "neighbor {../../neighbor-address} local-as {.} no-prepend replace-as",
     "neighbor {../../neighbor-address} local-as", EOS_RB},
    {EOS_NB "/config/auth-password", DR_STMT, "neighbor {../../neighbor-address} password 0 {.}",
     "neighbor {../../neighbor-address} password", EOS_RB},
    {EOS_NB "/afi-safis/afi-safi", DR_PASS, NULL, NULL, NULL},
    {EOS_NB "/afi-safis/afi-safi/config", DR_STMT, "neighbor {../../../neighbor-address} activate",
     NULL, EOS_RB "\naddress-family ipv4"},
    {EOS_NB "/afi-safis/afi-safi/apply-policy/config/import-policy", DR_STMT,
     "neighbor {../../../../../neighbor-address} route-map {.} in", NULL, EOS_RB},
    {EOS_NB "/afi-safis/afi-safi/apply-policy/config/export-policy", DR_STMT,
     "neighbor {../../../../../neighbor-address} route-map {.} out", NULL, EOS_RB},
    {EOS_NB "/afi-safis/afi-safi/ipv4-unicast/prefix-limit/config/max-prefixes", DR_STMT,
     "neighbor {../../../../../../neighbor-address} maximum-routes {.}",
     "neighbor {../../../../../../neighbor-address} maximum-routes", EOS_RB},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set", DR_PASS, NULL, "ip prefix-list {name}", NULL},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set/config", DR_SKIP, NULL, NULL, NULL},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set/prefixes/prefix", DR_STMT,
     "ip prefix-list {../../name} permit {ip-prefix}", NULL, NULL},
    {EOS_RP "/policy-definitions/policy-definition", DR_PASS, NULL, "route-map {name}", NULL},
    {EOS_RP "/policy-definitions/policy-definition/config", DR_SKIP, NULL, NULL, NULL},
    {EOS_RP "/policy-definitions/policy-definition/statements/statement", DR_STMT,
     "route-map {../../name} {actions/config/policy-result:eosact} {name}"
     "{?conditions/match-prefix-set/config/prefix-set|\n   match ip address prefix-list }"
     "{conditions/match-prefix-set/config/prefix-set}",
     "route-map {../../name} {actions/config/policy-result:eosact} {name}", NULL},
    {NULL, DR_SKIP, NULL, NULL, NULL},
};

static const struct diff_dialect diff_dialects[] = {
    {"iosxr", "no ", 1, "!", NULL, "!", diff_rules_iosxr},
    {"vrp", "undo ", 1, NULL, "#", "#", diff_rules_vrp},
    {"eos", "no ", 3, "!", NULL, "!", diff_rules_eos},
};

static const struct diff_rule *
diff_rule_find(const struct diff_dialect *dia, const char *path)
{
    for (const struct diff_rule *r = dia->rules; r->path; r++) {
        if (!strcmp(r->path, path)) {
            return r;
        }
    }
    return NULL;
}

/* The block a rule's statement goes to: @b, or the rule's modes from the top. */
static struct diff_cli_block *
diff_cli_target(struct diff_cli *c, struct diff_cli_block *top, struct diff_cli_block *b,
                const struct diff_rule *rule, const struct lyd_node *ctx)
{
    char *modes, *save = NULL;

    if (!rule || !rule->mode) {
        return b;
    }
    modes = diff_cli_fmt(c, rule->mode, ctx);
    b = top;
    for (char *m = modes ? strtok_r(modes, "\n", &save) : NULL; m && b;
         m = strtok_r(NULL, "\n", &save)) {
        b = diff_cli_add(c, b, NULL, 0, m);
    }
    nst_free(modes);
    return modes ? b : NULL;
}

/* A statement line, removal or not, into @b. */
static void
diff_cli_stmt(struct diff_cli *c, struct diff_cli_block *b, const char *fmt, int del,
              const struct lyd_node *ctx)
{
    char *line = diff_cli_fmt(c, fmt, ctx), *full;

    if (!line) {
        return;
    }
    full = del ? nst_asprintf("%s%s", c->dia->no, line) : nst_strdup(line);
    nst_free(line);
    if (!full) {
        c->b->failed = 1;
        return;
    }
    diff_cli_add(c, b, full, del, NULL);
}

static void
diff_cli_walk(struct diff_cli *c, struct diff_cli_block *top, struct diff_cli_block *b,
              const struct lyd_node *first)
{
    char path[1024];

    for (const struct lyd_node *n = first; n && b; n = n->next) {
        const struct diff_rule *rule;
        const struct lyd_node *want;
        struct diff_cli_block *t;
        int del;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        if (!lyd_parent(n) && !strcmp(c->dia->name, "eos") &&
            !strcmp(n->schema->name, "commands")) {
            /* diff_cli_eos_commands() */
            continue;
        }
        del = !strcmp(diff_op(n), "delete");
        diff_schema_path(n, path, sizeof path);
        rule = diff_rule_find(c->dia, path);
        want = del ? n : diff_counterpart(c->r->desired, n);
        if (!want) {
            want = n;
        }
        if (rule && rule->kind == DR_SKIP) {
            continue;
        }
        t = diff_cli_target(c, top, b, rule, want);
        if (!t) {
            continue;
        }
        if (!rule) {
            /* No rule: the leaf's name and value, or the children of a container. */
            if (n->schema->nodetype & LYD_NODE_TERM) {
                struct diff_buf l = {0};

                diff_buf_puts(&l, n->schema->name);
                if (!del && !diff_is_empty_type(n)) {
                    diff_buf_puts(&l, " ");
                    diff_word(&l, diff_shown(want));
                }
                diff_cli_stmt(c, t, l.s ? l.s : "", del, want);
                nst_free(l.s);
            } else if (del && !lysc_is_np_cont(n->schema)) {
                struct diff_buf l = {0};

                diff_node_head(&l, n);
                diff_cli_stmt(c, t, l.s ? l.s : "", 1, want);
                nst_free(l.s);
            } else {
                diff_cli_walk(c, top, t, lyd_child(n));
            }
            continue;
        }
        switch (rule->kind) {
        case DR_MODE:
            if (del) {
                diff_cli_stmt(c, t, rule->del ? rule->del : rule->fmt, 1, n);
            } else {
                char *line = diff_cli_fmt(c, rule->fmt, want);
                struct diff_cli_block *m = line ? diff_cli_add(c, t, NULL, 0, line) : NULL;

                nst_free(line);
                if (m) {
                    m->keep |= !strcmp(diff_op(n), "create");
                    diff_cli_walk(c, top, m, lyd_child(n));
                }
            }
            break;
        case DR_STMT:
            if (del || rule->fmt) {
                diff_cli_stmt(c, t, del && rule->del ? rule->del : rule->fmt, del, want);
            }
            break;
        case DR_BLOCK:
            if (del) {
                diff_cli_stmt(c, t, rule->del, 1, n);
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
                    diff_cli_add(c, t, block, 0, NULL);
                }
            }
            break;
        case DR_PASS:
            if (del && rule->del) {
                diff_cli_stmt(c, t, rule->del, 1, n);
            } else {
                diff_cli_walk(c, top, t, lyd_child(n));
            }
            break;
        case DR_SKIP:
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
    /* Removals first, then statements, then the modes below. */
    for (int pass = 0; pass < 3; pass++) {
        int first = 1;

        for (size_t i = 0; i < b->n; i++) {
            const struct diff_cli_item *it = &b->items[i];

            if (it->text && pass < 2 && it->del == !pass) {
                if (first && !depth && c->dia->sep) {
                    diff_buf_printf(c->b, "%s\n", c->dia->sep);
                }
                first = 0;
                diff_cli_lines(c, depth, it->text, it->del);
            } else if (pass == 2 && it->blk && diff_cli_has(it->blk)) {
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

/* Arista's `commands` entries are CLI lines: a line without indentation opens a mode. */
static void
diff_cli_eos_commands(struct diff_cli *c, struct diff_cli_block *top)
{
    const struct lyd_node *roots[1] = {c->r->diff};
    const struct lyd_node *cmds = diff_lookup(NULL, "/commands", roots, 1);

    for (const struct lyd_node *n = diff_child(cmds); n; n = n->next) {
        const char *op = diff_op(n), *v = diff_value(n), *mode = NULL;
        const struct lyd_node *list = !strcmp(op, "delete") ? c->r->actual : c->r->desired;
        const struct lyd_node *m;
        int del = !strcmp(op, "delete");
        struct diff_cli_block *t = top;

        if (!n->schema || (strcmp(op, "create") && !del)) {
            continue;
        }
        if (*v == ' ') {
            /* The mode line before it, in the list the entry belongs to. */
            list = diff_lookup(NULL, "/commands", &list, 1);
            m = diff_match(diff_child(list), n);
            for (; m && m->prev != m && m != lyd_child(list); m = m->prev) {
                if (m->prev->schema == n->schema && *diff_value(m->prev) != ' ') {
                    mode = diff_value(m->prev);
                    break;
                }
            }
            if (mode && !del) {
                /* Its mode is new: the mode's block already has every line. */
                int fresh = 0;

                for (const struct lyd_node *x = lyd_child(cmds); x; x = x->next) {
                    if (!strcmp(diff_value(x), mode) && !strcmp(diff_op(x), "create")) {
                        fresh = 1;
                    }
                }
                if (fresh) {
                    continue;
                }
            }
            if (mode && del) {
                /* A removed mode takes its lines with it. */
                const struct lyd_node *dm = NULL;

                for (const struct lyd_node *x = lyd_child(cmds); x; x = x->next) {
                    if (!strcmp(diff_value(x), mode) && !strcmp(diff_op(x), "delete")) {
                        dm = x;
                    }
                }
                if (dm) {
                    continue;
                }
            }
            if (mode) {
                t = diff_cli_add(c, top, NULL, 0, mode);
            }
            while (*v == ' ') {
                v++;
            }
        } else if (!del) {
            /* A new mode: all of its lines, changed or not (an unchanged line under a new
             * interface is not in the diff, but the interface needs it). */
            struct diff_cli_block *nb = diff_cli_add(c, top, NULL, 0, v);
            const struct lyd_node *want = diff_counterpart(c->r->desired, n);

            if (nb) {
                nb->keep = 1;
            }
            for (const struct lyd_node *x = want ? want->next : NULL;
                 nb && x && x->schema == n->schema && *diff_value(x) == ' '; x = x->next) {
                const char *l = diff_value(x);
                char *line;

                while (*l == ' ') {
                    l++;
                }
                line = nst_strdup(l);
                if (!line) {
                    c->b->failed = 1;
                    break;
                }
                diff_cli_add(c, nb, line, 0, NULL);
            }
            continue;
        }
        if (t) {
            char *line = del ? nst_asprintf("%s%s", c->dia->no, v) : nst_strdup(v);

            if (!line) {
                c->b->failed = 1;
            } else {
                diff_cli_add(c, t, line, del, NULL);
            }
        }
    }
}

/* Junos: list names the CLI does not say, and leaves whose value stands alone. */
static int
diff_junos_hidden(const struct lyd_node *n)
{
    static const char *const pairs[] = {"interfaces/interface", "routing-instances/instance",
                                        "prefix-list/prefix-list-item", NULL};
    const struct lyd_node *p = lyd_parent(n);

    for (size_t i = 0; p && pairs[i]; i++) {
        size_t pl = strlen(p->schema->name);

        if (!strncmp(pairs[i], p->schema->name, pl) && pairs[i][pl] == '/' &&
            !strcmp(pairs[i] + pl + 1, n->schema->name)) {
            return 1;
        }
    }
    return 0;
}

static int
diff_junos_positional(const struct lyd_node *n)
{
    static const char *const pairs[] = {"autonomous-system/as-number",
                                        "local-as/as-number",
                                        "route-distinguisher/rd-type",
                                        "vrf-target/community",
                                        "teardown/limit-threshold",
                                        "idle-timeout/timeout",
                                        NULL};
    const struct lyd_node *p = lyd_parent(n);

    for (size_t i = 0; p && pairs[i]; i++) {
        size_t pl = strlen(p->schema->name);

        if (!strncmp(pairs[i], p->schema->name, pl) && pairs[i][pl] == '/' &&
            !strcmp(pairs[i] + pl + 1, n->schema->name)) {
            return 1;
        }
    }
    return 0;
}

/* SR OS: values that MD-CLI shows without quotes although they are strings. */
static int
diff_sros_bare(const struct lyd_node *n)
{
    static const char *const names[] = {"port-id", "sap-id",  "sdp-bind-id", "ip-prefix",
                                        "port",    "address", "router-id",   NULL};
    const struct lysc_node_leaf *s = (const struct lysc_node_leaf *)n->schema;

    if (s->type->basetype != LY_TYPE_STRING && s->type->basetype != LY_TYPE_UNION) {
        return 1;
    }
    for (size_t i = 0; names[i]; i++) {
        if (!strcmp(names[i], n->schema->name)) {
            return 1;
        }
    }
    return 0;
}

static void
diff_sros_value(struct diff_buf *b, const struct lyd_node *n)
{
    const char *v = diff_shown(n);

    if (diff_sros_bare(n) && *v && !strpbrk(v, " \"\\#{}[];")) {
        diff_buf_puts(b, v);
        return;
    }
    diff_buf_puts(b, "\"");
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') {
            diff_buf_puts(b, "\\");
        }
        diff_buf_printf(b, "%c", (unsigned char)*v < ' ' ? ' ' : *v);
    }
    diff_buf_puts(b, "\"");
}

/* The words of a flat command for @n: Junos (junos=1), SR OS (0), or an OpenConfig path. */
static void
diff_flat_path(struct diff_buf *b, const struct lyd_node *n, const char *dialect)
{
    const struct lyd_node *chain[64];
    size_t k = 0;
    int junos = !strcmp(dialect, "junos"), oc = !strcmp(dialect, "openconfig");

    for (const struct lyd_node *p = n; p && k < 64; p = lyd_parent(p)) {
        chain[k++] = p;
    }
    while (k--) {
        const struct lyd_node *x = chain[k];
        int last = k == 0;

        if (oc) {
            const struct lyd_node *px = lyd_parent(x);

            diff_buf_puts(b, "/");
            if (px && x->schema->module != px->schema->module) {
                diff_buf_printf(b, "%s:", x->schema->module->name);
            }
            diff_buf_puts(b, x->schema->name);
            if (x->schema->nodetype == LYS_LIST) {
                for (const struct lyd_node *key = lyd_child(x); key && lysc_is_key(key->schema);
                     key = key->next) {
                    diff_buf_printf(b, "[%s=%s]", key->schema->name, diff_shown(key));
                }
            }
            continue;
        }
        if (!lyd_parent(x) && !strcmp(x->schema->name, junos ? "configuration" : "configure")) {
            /* The root every command starts from. */
            continue;
        }
        if (junos && diff_junos_positional(x) && !last) {
            continue;
        }
        if (!(junos && x->schema->nodetype == LYS_LIST && diff_junos_hidden(x)) &&
            !(junos && diff_junos_positional(x))) {
            diff_buf_printf(b, " %s", x->schema->name);
        }
        if (x->schema->nodetype == LYS_LIST) {
            int first = 1;

            for (const struct lyd_node *key = lyd_child(x); key && lysc_is_key(key->schema);
                 key = key->next) {
                if (!junos && !first) {
                    diff_buf_printf(b, " %s", key->schema->name);
                }
                diff_buf_puts(b, " ");
                if (junos) {
                    diff_word(b, diff_shown(key));
                } else {
                    diff_sros_value(b, key);
                }
                first = 0;
            }
        }
    }
}

/* One flat command: set/delete of @n with value @v (NULL: none). */
static void
diff_flat_cmd(struct diff_cli *c, const char *dialect, const struct lyd_node *n, int del)
{
    int junos = !strcmp(dialect, "junos"), oc = !strcmp(dialect, "openconfig");
    int term = (n->schema->nodetype & LYD_NODE_TERM) != 0;

    if (c->color) {
        diff_buf_puts(c->b, del ? DIFF_C_DEL : DIFF_C_ADD);
    }
    if (junos) {
        diff_buf_puts(c->b, del ? "delete" : "set");
    } else if (oc) {
        diff_buf_puts(c->b, del ? "delete " : "");
    } else {
        diff_buf_puts(c->b, del ? "delete /configure" : "/configure");
    }
    diff_flat_path(c->b, n, dialect);
    if (term && !diff_is_empty_type(n) && (!del || n->schema->nodetype == LYS_LEAFLIST)) {
        if (oc) {
            diff_buf_printf(c->b, " = %s", diff_value(n));
        } else if (junos) {
            diff_buf_puts(c->b, " ");
            diff_word(c->b, diff_shown(n));
        } else if (n->schema->nodetype == LYS_LEAFLIST && !del) {
            diff_buf_puts(c->b, " [");
            diff_sros_value(c->b, n);
            diff_buf_puts(c->b, "]");
        } else {
            diff_buf_puts(c->b, " ");
            diff_sros_value(c->b, n);
        }
    }
    if (c->color) {
        diff_buf_puts(c->b, DIFF_C_OFF);
    }
    diff_buf_puts(c->b, "\n");
}

/* Flat dialects: removals (pass 0), then creations and changes (pass 1). */
static void
diff_flat_walk(struct diff_cli *c, const char *dialect, const struct lyd_node *first, int pass)
{
    for (const struct lyd_node *n = first; n; n = n->next) {
        const char *op;

        if (!n->schema || lysc_is_key(n->schema)) {
            continue;
        }
        op = diff_op(n);
        if (!strcmp(op, "delete")) {
            if (!pass) {
                diff_flat_cmd(c, dialect, n, 1);
            }
            continue;
        }
        if (n->schema->nodetype & LYD_NODE_TERM) {
            if (pass && strcmp(op, "none")) {
                diff_flat_cmd(c, dialect, n, 0);
            }
            continue;
        }
        if (pass && !strcmp(op, "create") && !lyd_child_no_keys(n)) {
            diff_flat_cmd(c, dialect, n, 0);
            continue;
        }
        diff_flat_walk(c, dialect, lyd_child(n), pass);
    }
}

void
diff_print_cli(struct diff_buf *b, const struct diff_result *r, const char *device,
               const char *driver, int color)
{
    struct diff_cli c = {r, NULL, b, color};
    struct diff_cli_block top = {0};
    const char *comment = "#";

    for (size_t i = 0; i < sizeof diff_dialects / sizeof diff_dialects[0]; i++) {
        if (!strcmp(diff_dialects[i].name, driver)) {
            c.dia = &diff_dialects[i];
            comment = c.dia->comment;
        }
    }
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
                    *driver ? driver : "unknown driver", color ? DIFF_C_OFF : "");
    if (!c.dia) {
        const char *d = !strcmp(driver, "junos") || !strcmp(driver, "sros") ? driver : "openconfig";

        if (!strcmp(d, "openconfig")) {
            diff_buf_printf(b, "%s no native CLI; the paths the edit sets and deletes\n", comment);
        }
        diff_flat_walk(&c, d, r->diff, 0);
        diff_flat_walk(&c, d, r->diff, 1);
        return;
    }
    if (!strcmp(c.dia->name, "eos")) {
        diff_cli_eos_commands(&c, &top);
    }
    diff_cli_walk(&c, &top, &top, r->diff);
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
