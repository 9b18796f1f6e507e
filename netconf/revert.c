/*
 * revert.c: rollback as a reverse diff (revert.h).
 *
 * Place in the pipeline: the transaction engine (txn.c) calls revert_edit() in the
 * prepare phase of `rollback TXID`, per device, once the device is locked and its running
 * configuration (C) snapshotted; B and A are TXID's records.
 *
 * Not here: sending (txn.c), the texts' secrets (secret.c).
 */
#include "revert.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "diff.h"
#include "render.h"

#define REVERT_NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define REVERT_YANG_NS "urn:ietf:params:xml:ns:yang:1"

/* Parse get-config data content; NULL tree for an empty text. */
static nst_err
revert_parse(struct ly_ctx *ly, const char *text, const char *what, struct lyd_node **tree,
             char *why, size_t whylen)
{
    const char *p = text ? text : "";
    LY_ERR e;

    *tree = NULL;
    p += strspn(p, " \t\r\n");
    if (!*p) {
        return NST_OK;
    }
    uint32_t quiet = 0;

    /* Strict: an element the models do not know must not silently drop out of the diff.
     * Quiet: the caller reports (and may try another context). */
    ly_temp_log_options(&quiet);
    e = lyd_parse_data_mem(ly, p, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, tree);
    ly_temp_log_options(NULL);
    if (e) {
        const struct ly_err_item *ei = ly_err_last(ly);

        snprintf(why, whylen, "the %s configuration does not parse: %s", what,
                 ei && ei->msg ? ei->msg : "invalid");
        lyd_free_siblings(*tree);
        *tree = NULL;
        ly_err_clean(ly, NULL);
        return e == LY_EMEM ? NST_ENOMEM : NST_EINPUT;
    }
    return NST_OK;
}

static const char *
revert_op(const struct lyd_node *n)
{
    const struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:operation");

    return m ? lyd_get_meta_value(m) : NULL;
}

/* The node at @path in the tree starting at @first, or NULL. */
static struct lyd_node *
revert_find(const struct lyd_node *first, const char *path)
{
    struct lyd_node *m = NULL;

    if (!first || lyd_find_path(first, path, 0, &m)) {
        return NULL;
    }
    return m;
}

static nst_err
revert_add_path(const struct lyd_node *n, char **out)
{
    char *path = lyd_path(n, LYD_PATH_STD, NULL, 0), *t;

    if (!path) {
        return NST_ENOMEM;
    }
    t = nst_asprintf("%s%s\n", *out, path);
    free(path);
    nst_free(*out);
    *out = t;
    return t ? NST_OK : NST_ENOMEM;
}

/* The node of @first's tree at @n's path, or NULL. */
static struct lyd_node *
revert_same(const struct lyd_node *first, const struct lyd_node *n)
{
    char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);
    struct lyd_node *m = path ? revert_find(first, path) : NULL;

    free(path);
    return m;
}

/*
 * Conflicts, leaf by leaf: every value the transaction set (created or replaced) must
 * still be in C as it is in A, and every value it deleted must still be absent from C.
 * Configuration a later transaction added next to it (a new child of a container the
 * transaction created) is no conflict.
 */
static nst_err
revert_check(const struct lyd_node *n, const char *inherited, const struct lyd_node *a,
             const struct lyd_node *c, char **out)
{
    const char *op = revert_op(n);
    const struct lyd_node *ch;
    nst_err ret = NST_OK;

    if (!op) {
        op = inherited;
    }
    if (op && !strcmp(op, "none")) {
        op = NULL;
    }
    if (op && (n->schema->nodetype & LYD_NODE_TERM)) {
        struct lyd_node *cn = revert_same(c, n), *an = revert_same(a, n);
        int bad = !strcmp(op, "delete") ? cn != NULL
                                        : !cn || !an || lyd_compare_single(an, cn, 0) != LY_SUCCESS;

        return bad ? revert_add_path(n, out) : NST_OK;
    }
    LY_LIST_FOR(lyd_child(n), ch)
    {
        ret = revert_check(ch, op, a, c, out);
        if (ret) {
            break;
        }
    }
    return ret;
}

/*
 * The reverse diff deletes whole what the transaction created. Where C holds more under
 * such a node than A did (a later transaction added a child), only what the transaction
 * created goes: the node stays ("none") and each of its children is deleted on its own,
 * recursively; key leaves stay with their entry.
 */
static nst_err
revert_split(struct lyd_node *n, const char *inherited, const struct lyd_node *a,
             const struct lyd_node *c)
{
    struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:operation");
    const char *op = m ? lyd_get_meta_value(m) : inherited;
    struct lyd_node *ch;

    if (op && !strcmp(op, "delete") && !(n->schema->nodetype & LYD_NODE_TERM)) {
        struct lyd_node *cn = revert_same(c, n), *an = revert_same(a, n);

        if (!cn || !an || !lyd_compare_single(an, cn, LYD_COMPARE_FULL_RECURSION)) {
            return NST_OK; /* C holds exactly what the transaction created: delete it. */
        }
        if (m) {
            LY_ERR r = lyd_change_meta(m, "none");

            if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT) {
                return NST_ENOMEM;
            }
        } else if (lyd_new_meta(NULL, n, NULL, "yang:operation", "none", 0, NULL)) {
            return NST_ENOMEM;
        }
        LY_LIST_FOR(lyd_child(n), ch)
        {
            if (lysc_is_key(ch->schema)) {
                continue;
            }
            if (!lyd_find_meta(ch->meta, NULL, "yang:operation") &&
                lyd_new_meta(NULL, ch, NULL, "yang:operation", "delete", 0, NULL)) {
                return NST_ENOMEM;
            }
            if (revert_split(ch, "delete", a, c)) {
                return NST_ENOMEM;
            }
        }
        return NST_OK;
    }
    LY_LIST_FOR(lyd_child(n), ch)
    {
        if (revert_split(ch, op, a, c)) {
            return NST_ENOMEM;
        }
    }
    return NST_OK;
}

/* yang:operation -> nc:operation on every element; libyang's diff metadata dropped. */
static int
revert_rewrite(xmlNodePtr n, xmlNsPtr nc)
{
    for (; n; n = n->next) {
        xmlAttrPtr at, next;
        char op[16] = "";

        if (n->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (at = n->properties; at; at = next) {
            next = at->next;
            if (at->ns && at->ns->href && !strcmp((const char *)at->ns->href, REVERT_YANG_NS)) {
                if (!strcmp((const char *)at->name, "operation")) {
                    xmlChar *v = xmlNodeGetContent((xmlNodePtr)at);

                    snprintf(op, sizeof op, "%s", v ? (const char *)v : "");
                    xmlFree(v);
                }
                xmlRemoveProp(at);
            }
        }
        if (!strcmp(op, "create") || !strcmp(op, "replace")) {
            if (!xmlSetNsProp(n, nc, (const xmlChar *)"operation", (const xmlChar *)"merge")) {
                return -1;
            }
        } else if (!strcmp(op, "delete")) {
            if (!xmlSetNsProp(n, nc, (const xmlChar *)"operation", (const xmlChar *)"remove")) {
                return -1;
            }
        }
        if (revert_rewrite(n->children, nc)) {
            return -1;
        }
    }
    return 0;
}

/* The reverse diff printed as a NETCONF edit. */
static nst_err
revert_print(const struct lyd_node *rev, char **edit)
{
    char *xml = NULL, *wrapped = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root, c;
    xmlNsPtr nc;
    xmlBufferPtr buf = NULL;
    nst_err ret = NST_ENOMEM;

    if (!rev) {
        *edit = nst_strdup("");
        return *edit ? NST_OK : NST_ENOMEM;
    }
    if (lyd_print_mem(&xml, rev, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK)) {
        return NST_ENOMEM;
    }
    wrapped = nst_asprintf("<nst-wrap xmlns:nst-nc=\"%s\">%s</nst-wrap>", REVERT_NC_NS, xml);
    free(xml);
    if (!wrapped) {
        return NST_ENOMEM;
    }
    doc = xmlReadMemory(wrapped, (int)strlen(wrapped), "revert.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    nst_free(wrapped);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    nc = root ? xmlSearchNsByHref(doc, root, (const xmlChar *)REVERT_NC_NS) : NULL;
    if (!nc || revert_rewrite(root->children, nc)) {
        goto cleanup;
    }
    buf = xmlBufferCreate();
    for (c = root->children; buf && c; c = c->next) {
        xmlDocPtr one;
        xmlNodePtr copy;

        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        /* Each top-level element alone, its namespaces (and nc's) declared on it. */
        one = xmlNewDoc((const xmlChar *)"1.0");
        copy = one ? xmlDocCopyNode(c, one, 1) : NULL;
        if (!copy) {
            xmlFreeDoc(one);
            goto cleanup;
        }
        xmlDocSetRootElement(one, copy);
        xmlReconciliateNs(one, copy);
        if (xmlNodeDump(buf, one, copy, 0, 0) < 0) {
            xmlFreeDoc(one);
            goto cleanup;
        }
        xmlFreeDoc(one);
    }
    if (buf) {
        *edit = nst_strdup(xmlBufferContent(buf) ? (const char *)xmlBufferContent(buf) : "");
        ret = *edit ? NST_OK : NST_ENOMEM;
    }

cleanup:
    if (buf) {
        xmlBufferFree(buf);
    }
    xmlFreeDoc(doc);
    return ret;
}

nst_err
revert_edit(struct ly_ctx *ly, const char *before, const char *after, const char *now, char **edit,
            char **conflicts, char **rev_text, char *why, size_t whylen)
{
    char *shown = NULL;
    struct lyd_node *b = NULL, *a = NULL, *c = NULL, *fwd = NULL, *rev = NULL;
    char *conf = NULL, *e = NULL;
    nst_err ret;

    why[0] = '\0';
    ret = revert_parse(ly, before, "saved (before)", &b, why, whylen);
    if (!ret) {
        ret = revert_parse(ly, after, "saved (after)", &a, why, whylen);
    }
    if (!ret) {
        ret = revert_parse(ly, now, "current", &c, why, whylen);
    }
    if (ret) {
        goto cleanup;
    }
    if (lyd_diff_siblings(b, a, 0, &fwd)) {
        snprintf(why, whylen, "cannot diff the saved configurations");
        ret = NST_EINPUT;
        goto cleanup;
    }
    conf = nst_strdup("");
    ret = conf ? NST_OK : NST_ENOMEM;
    for (const struct lyd_node *n = fwd; !ret && n; n = n->next) {
        ret = revert_check(n, NULL, a, c, &conf);
    }
    if (!ret && fwd && lyd_diff_reverse_all(fwd, &rev)) {
        snprintf(why, whylen, "cannot reverse the diff");
        ret = NST_EINPUT;
    }
    for (struct lyd_node *n = rev; !ret && n; n = n->next) {
        ret = revert_split(n, NULL, a, c);
    }
    if (!ret) {
        ret = revert_print(rev, &e);
    }
    /* The reverse diff itself, for `rollback --dry-run --diff-format` (nst_txn_diff_print). */
    if (!ret && rev) {
        char *t = NULL;

        ret = lyd_print_mem(&t, rev, LYD_XML, LYD_PRINT_WITHSIBLINGS) ? NST_ENOMEM : NST_OK;
        shown = t ? nst_strdup(t) : NULL;
        free(t);
        ret = ret || !shown ? NST_ENOMEM : NST_OK;
    } else if (!ret) {
        shown = nst_strdup("");
        ret = shown ? NST_OK : NST_ENOMEM;
    }
    if (!ret) {
        *edit = e;
        *conflicts = conf;
        *rev_text = shown;
        e = conf = shown = NULL;
    }

cleanup:
    nst_free(shown);
    nst_free(e);
    nst_free(conf);
    lyd_free_siblings(b);
    lyd_free_siblings(a);
    lyd_free_siblings(c);
    lyd_free_siblings(fwd);
    lyd_free_siblings(rev);
    return ret;
}

/* --- showing the plan: rollback --dry-run --diff-format --- */

/* One device's reverse diff in @fmt, appended to @b. 0 shown; -1 when it cannot be shown
 * (the caller prints the payload instead). */
static int
revert_show_one(struct diff_buf *b, struct ly_ctx *ly, const char *device, const char *driver,
                const char *now, const char *rev_text, enum nst_diff_format fmt, int color)
{
    struct diff_result r = {0};
    struct lyd_node *c = NULL, *rev = NULL, *want = NULL;
    char why[256];
    int ret = -1;
    const char *p = rev_text + strspn(rev_text, " \t\r\n");

    r.ly = ly;
    if (diff_parse(ly, now, 0, &c, why, sizeof why)) {
        goto cleanup;
    }
    if (*p) {
        uint32_t quiet = 0;
        LY_ERR e;

        ly_temp_log_options(&quiet);
        e = lyd_parse_data_mem(ly, p, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &rev);
        ly_temp_log_options(NULL);
        ly_err_clean(ly, NULL);
        if (e) {
            goto cleanup;
        }
    }
    /* What the device would hold after the rollback, for the CLI printer's context. */
    if (c && lyd_dup_siblings(c, NULL, LYD_DUP_RECURSIVE, &want)) {
        goto cleanup;
    }
    if (rev && lyd_diff_apply_all(&want, rev)) {
        ly_err_clean(ly, NULL);
        goto cleanup;
    }
    r.actual = c;
    r.desired = want;
    r.diff = rev;
    switch (fmt) {
    case NST_DIFF_FORMAT_JSON:
        diff_buf_puts(b, "\"status\": ");
        diff_buf_puts(b, rev ? "\"changes\"" : "\"in-sync\"");
        diff_buf_puts(b, ",\n    ");
        diff_print_json(b, &r);
        break;
    case NST_DIFF_FORMAT_CLI:
        diff_print_cli(b, &r, device, driver, color);
        break;
    default:
        diff_print_tree(b, &r, device, color);
        break;
    }
    ret = 0;

cleanup:
    r.actual = r.desired = r.diff = NULL;
    lyd_free_siblings(c);
    lyd_free_siblings(want);
    lyd_free_siblings(rev);
    return ret;
}

NST_API nst_err
nst_txn_diff_print(const struct nst_txn *txn, enum nst_diff_format fmt, unsigned flags, char **text)
{
    struct diff_buf b = {0};
    struct render *models = NULL;
    struct nst_ctx *ctx = NULL;
    int color = (flags & NST_DIFF_COLOR) != 0;
    size_t i, n = nst_txn_device_count(txn);

    if (!txn || !text) {
        return NST_EINVAL;
    }
    if (fmt == NST_DIFF_FORMAT_JSON) {
        diff_buf_puts(&b, "{\"command\": \"rollback\", \"devices\": [");
    } else if (fmt == NST_DIFF_FORMAT_XML) {
        diff_buf_puts(&b, "<diff xmlns=\"urn:netstitch:diff\">\n");
    }
    for (i = 0; i < n; i++) {
        const char *name = nst_txn_device_name(txn, i), *payload = nst_txn_device_payload(txn, i);
        const char *now = NULL, *rev = NULL, *driver = "";
        int shown = -1;

        if (!txn_device_revert_view(txn, i, &now, &rev, &driver, &ctx) && !models) {
            uint32_t quiet = 0;

            ly_temp_log_options(&quiet);
            if (render_new(ctx, NULL, 0, &models)) {
                models = NULL;
            }
            ly_temp_log_options(NULL);
        }
        if (fmt == NST_DIFF_FORMAT_JSON) {
            diff_buf_printf(&b, "%s\n  {\"name\": ", i ? "," : "");
            diff_json_str(&b, name);
            diff_buf_puts(&b, ", \"driver\": ");
            diff_json_str(&b, driver);
            diff_buf_puts(&b, ", ");
        }
        if (fmt != NST_DIFF_FORMAT_XML && rev && models) {
            size_t before = b.len;

            shown = revert_show_one(&b, render_ly(models), name, driver, now, rev, fmt, color);
            if (shown) {
                b.len = before;
            }
        }
        if (fmt == NST_DIFF_FORMAT_XML) {
            if (payload && *payload) {
                diff_buf_printf(&b, "  <device name=\"%s\" driver=\"%s\">\n", name, driver);
                diff_buf_printf(&b, "<config xmlns=\"%s\">\n", RENDER_NC_NS);
                diff_buf_puts(&b, payload);
                diff_buf_puts(&b, "</config>\n  </device>\n");
            }
        } else if (shown && fmt == NST_DIFF_FORMAT_JSON) {
            /* No reverse diff (the restore of whole top-level elements): the payload. */
            diff_buf_puts(&b, "\"status\": \"restore\", \"payload\": ");
            diff_json_str(&b, payload ? payload : "");
        } else if (shown) {
            diff_buf_printf(&b,
                            "%s device %s: no reverse diff; the rollback restores the "
                            "touched top-level elements whole (--diff-format xml shows them)\n",
                            fmt == NST_DIFF_FORMAT_CLI ? "#" : "!", name);
        }
        if (fmt == NST_DIFF_FORMAT_JSON) {
            diff_buf_puts(&b, "}");
        }
    }
    if (fmt == NST_DIFF_FORMAT_JSON) {
        diff_buf_printf(&b, "%s]}\n", n ? "\n" : "");
    } else if (fmt == NST_DIFF_FORMAT_XML) {
        diff_buf_puts(&b, "</diff>\n");
    }
    render_free(models);
    if (b.failed || !b.s) {
        nst_free(b.s);
        return NST_ENOMEM;
    }
    *text = b.s;
    return NST_OK;
}
