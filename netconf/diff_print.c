/*
 * diff_print.c: the vendor-neutral printers of the live diff, and the text buffer every
 * printer of the module writes to.
 *
 * Place in the pipeline: after diff_compute() (diff.c), `netstitch diff` prints each
 * device's struct diff_result in the format the user asked for; lifecycle.c strings the
 * devices together. Here:
 *   - struct diff_buf, a growable text (diff.h);
 *   - the tree: the curly-brace form (NSO's `outformat cli` look), + and - per line;
 *   - JSON: the "changes" and "drift" members of a device;
 *   - how values are shown (diff_word, diff_shown), shared with diff_cli.c.
 * They walk the lyd diff tree: every node has an effective yang:operation (its own
 * metadata, or inherited from the nearest parent).
 *
 * Not here: the vendor CLI (diff_cli.c, driven by the drivers' dialects); computing the
 * diff (diff.c).
 */
#include "diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff_int.h"

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

void
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
 * Printers: shared
 */

/* A value as the tree and CLI formats show it: bare when it is one simple word. */
void
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
const char *
diff_shown(const struct lyd_node *n)
{
    const char *v = diff_value(n);
    const struct lysc_node_leaf *s = (const struct lysc_node_leaf *)n->schema;

    if (s->type->basetype == LY_TYPE_IDENT && strchr(v, ':')) {
        return strchr(v, ':') + 1;
    }
    return v;
}

int
diff_is_empty_type(const struct lyd_node *n)
{
    return ((const struct lysc_node_leaf *)n->schema)->type->basetype == LY_TYPE_EMPTY;
}

const char *
diff_orig_value(const struct lyd_node *n)
{
    struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:orig-value");

    return m ? lyd_get_meta_value(m) : "";
}

/* "name" or "name key1 key2" for a list instance. */
void
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
diff_print_mtu(struct diff_buf *b, const struct diff_result *r, const char *device,
               const char *prefix, int color)
{
    for (size_t i = 0; i < r->nmtu; i++) {
        diff_buf_printf(b,
                        "%s%s MTU-MISMATCH: device %s port %s: the service declares MTU %lu, the "
                        "router runs %lu; fix the port's mtu in the service before pushing%s\n",
                        color ? DIFF_C_NOTE : "", prefix, device, r->mtu[i].port,
                        (unsigned long)r->mtu[i].declared, (unsigned long)r->mtu[i].running,
                        color ? DIFF_C_OFF : "");
    }
}

void
diff_print_tree(struct diff_buf *b, const struct diff_result *r, const char *device, int color)
{
    struct diff_tree t = {b, color};

    diff_print_mtu(b, r, device, "!", color);
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
    diff_buf_printf(b, "%s], \"mtu\": [", r->ndrift ? "\n    " : "");
    for (size_t i = 0; i < r->nmtu; i++) {
        diff_buf_printf(b, "%s\n      {\"code\": \"MTU-MISMATCH\", \"port\": ", i ? "," : "");
        diff_json_str(b, r->mtu[i].port);
        diff_buf_printf(b, ", \"declared\": %lu, \"running\": %lu}",
                        (unsigned long)r->mtu[i].declared, (unsigned long)r->mtu[i].running);
    }
    diff_buf_printf(b, "%s]", r->nmtu ? "\n    " : "");
}
