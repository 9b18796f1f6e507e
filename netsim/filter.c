/*
 * filter.c: <filter> of <get> and <get-config> (RFC 6241 section 6 and 8.9).
 *
 * Both filter types end up as a list of XPath expressions evaluated with libyang on the
 * datastore copy; every selected node is duplicated with its ancestors (list keys included)
 * and the copies are merged into the result. A subtree filter's expression that names one
 * instance is looked up first without the XPath engine (filter_lookup() for containers,
 * leaves and list instances by their string keys; else lyd_find_path()): the live diff
 * sends one per list instance it compares.
 *
 * A subtree filter is turned into XPaths the way RFC 6241 6.2 reads: an element with text is
 * a content-match node and becomes a predicate of its parent ([name='ge-0/0/1']); an empty
 * element is a selection node (select the whole subtree); an element with children is a
 * containment node. When a sibling set has only content-match nodes, their parent is
 * selected whole; otherwise the content-match leaves are returned along with the selected
 * siblings. Namespaces map to module names. An element in the NETCONF base namespace (a
 * client that forgot xmlns) matches a top-level node of that name in any module: lenient on
 * purpose, real servers differ here. Attribute matching is not implemented.
 *
 * An XPath filter needs :xpath in the profile (operation-not-supported otherwise); its
 * select expression may use the XML prefixes declared in the request.
 *
 * sim_filter_compile() checks a <filter> and gives it a key (sim_filter_key()): what of
 * the request the expressions are built from, and nothing else; sim_filter_eval() builds
 * them (at its first call) and evaluates them. Two filters with the same key select the same
 * nodes of the same tree: rpc.c keeps a filtered <get-config>'s reply by that key
 * (rpc_filtered_reply()) and answers the same filter again without building anything.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lyutil.h"
#include "netsim.h"

struct filter_list {
    char **v;
    int n;
};

static int
filter_push(struct filter_list *l, char *xp)
{
    char **v;

    if (!xp) {
        return -1;
    }
    v = nst_realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) {
        nst_free(xp);
        return -1;
    }
    v[l->n++] = xp;
    l->v = v;
    return 0;
}

static void
filter_list_clear(struct filter_list *l)
{
    int i;

    for (i = 0; i < l->n; i++) {
        nst_free(l->v[i]);
    }
    nst_free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Name, namespace and text of a filter element (opaque or, rarely, typed). */
static const char *
filter_ns(const struct lyd_node *n)
{
    if (n->schema) {
        return n->schema->module->ns;
    }
    return ((const struct lyd_node_opaq *)n)->name.module_ns;
}

/* Text of a leaf-like element, trimmed; NULL when it has none (or has children). */
static char *
filter_text(const struct lyd_node *n)
{
    const char *v, *end;

    if (lyd_child(n)) {
        return NULL;
    }
    if (n->schema) {
        v = (n->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(n) : NULL;
    } else {
        v = ((const struct lyd_node_opaq *)n)->value;
    }
    if (!v) {
        return NULL;
    }
    while (isspace((unsigned char)*v)) {
        v++;
    }
    end = v + strlen(v);
    while (end > v && isspace((unsigned char)end[-1])) {
        end--;
    }
    if (end == v) {
        return NULL;
    }
    return nst_strndup(v, (size_t)(end - v));
}

/* Module of @p n: its own namespace if known, else the parent's module. */
static const struct lys_module *
filter_mod(struct sim_dev *dev, const struct lyd_node *n, const struct lys_module *parent)
{
    const char *ns = filter_ns(n);
    const struct lys_module *mod = NULL;

    if (ns && strcmp(ns, NC_NS_BASE)) {
        mod = ly_ctx_get_module_implemented_ns(dev->ctx, ns);
        if (!mod) {
            /* A namespace this device does not know: selects nothing. */
            return NULL;
        }
        return mod;
    }
    return parent;
}

static char *
filter_quote(const char *v)
{
    if (!strchr(v, '\'')) {
        return nst_asprintf("'%s'", v);
    }
    if (!strchr(v, '"')) {
        return nst_asprintf("\"%s\"", v);
    }
    return NULL;
}

static int
filter_build(struct sim_dev *dev, const struct lyd_node *n, const struct lys_module *mod,
             const char *base, struct filter_list *out)
{
    const struct lyd_node *c;
    const struct lys_module *cmod;
    char *path = NULL, *p2, *text, *q;
    int others = 0, rc = 0;

    path = nst_asprintf("%s/%s:%s", base, mod->name, ly_node_name(n));
    if (!path) {
        return -1;
    }
    /* Content-match children become predicates. Default nodes libyang may have added
     * while typing the filter content are not part of the request. */
    LY_LIST_FOR (lyd_child(n), c) {
        if (c->flags & LYD_DEFAULT) {
            continue;
        }
        text = filter_text(c);
        if (!text) {
            others = 1;
            continue;
        }
        cmod = filter_mod(dev, c, mod);
        q = filter_quote(text);
        nst_free(text);
        if (!cmod || !q) {
            /* Unknown namespace or an unquotable value: matches nothing. */
            nst_free(q);
            nst_free(path);
            return 0;
        }
        p2 = nst_asprintf("%s[%s:%s=%s]", path, cmod->name, ly_node_name(c), q);
        nst_free(q);
        nst_free(path);
        path = p2;
        if (!path) {
            return -1;
        }
    }
    if (!others) {
        return filter_push(out, path);
    }
    LY_LIST_FOR (lyd_child(n), c) {
        cmod = filter_mod(dev, c, mod);
        if (!cmod || (c->flags & LYD_DEFAULT)) {
            continue;
        }
        text = filter_text(c);
        if (text) {
            nst_free(text);
            rc = filter_push(out, nst_asprintf("%s/%s:%s", path, cmod->name, ly_node_name(c)));
        } else {
            rc = filter_build(dev, c, cmod, path, out);
        }
        if (rc) {
            break;
        }
    }
    nst_free(path);
    return rc;
}

/* Top-level filter element: resolve its module, or try every module when it has none. */
static int
filter_build_top(struct sim_dev *dev, const struct lyd_node *n, struct filter_list *out)
{
    const char *ns = filter_ns(n);
    const struct lys_module *mod;
    uint32_t idx = 0;

    if (ns && strcmp(ns, NC_NS_BASE)) {
        mod = ly_ctx_get_module_implemented_ns(dev->ctx, ns);
        return mod ? filter_build(dev, n, mod, "", out) : 0;
    }
    while ((mod = ly_ctx_get_module_iter(dev->ctx, &idx))) {
        if (mod->implemented && lys_find_child(NULL, mod, ly_node_name(n), 0, 0, 0)) {
            if (filter_build(dev, n, mod, "", out)) {
                return -1;
            }
        }
    }
    return 0;
}

static const char *
filter_meta(const struct lyd_node *filter, const char *name)
{
    struct lyd_meta *m;
    struct lyd_attr *a;

    LY_LIST_FOR (filter->meta, m) {
        if (!strcmp(m->name, name)) {
            return lyd_get_meta_value(m);
        }
    }
    if (!filter->schema) {
        for (a = ((const struct lyd_node_opaq *)filter)->attr; a; a = a->next) {
            if (!strcmp(a->name.name, name)) {
                return a->value;
            }
        }
    }
    return NULL;
}

/* Whether the predicate name @pn (@len bytes, "module:name") names the schema node @sn. */
static int
filter_pred_is(const char *pn, size_t len, const struct lysc_node *sn)
{
    size_t ml = strlen(sn->module->name), nl = strlen(sn->name);

    return len == ml + 1 + nl && !strncmp(pn, sn->module->name, ml) && pn[ml] == ':' &&
           !strncmp(pn + ml + 1, sn->name, nl);
}

/*
 * The lookup of a path filter_build() made, for the common shape, without parsing it into
 * libyang: every step a container, a leaf, or a list instance whose predicates are exactly
 * its keys, all of type string (the literal is then the canonical value the XPath would
 * compare). 1 found (@found), 0 there is none, -1 a shape this does not take (the caller
 * asks libyang).
 */
static int
filter_lookup(struct sim_dev *dev, const struct lyd_node *data, const char *path,
              const struct lyd_node **found)
{
    const struct lysc_node *parent = NULL, *sn, *key;
    const struct lyd_node *sib = data, *m = NULL;
    struct lyd_node *first;
    const char *p = path;

    while (*p == '/') {
        const char *mod = ++p, *colon = strchr(p, ':'), *name, *end;
        const struct lys_module *lm;
        char mbuf[128], nbuf[128];
        struct {
            const char *name, *val;
            size_t nlen, vlen;
        } pr[8];
        size_t npr = 0, nkeys = 0, k;

        if (!colon || (size_t)(colon - mod) >= sizeof mbuf) {
            return -1;
        }
        name = colon + 1;
        end = name + strcspn(name, "/[");
        if (end == name || (size_t)(end - name) >= sizeof nbuf) {
            return -1;
        }
        memcpy(mbuf, mod, (size_t)(colon - mod));
        mbuf[colon - mod] = '\0';
        memcpy(nbuf, name, (size_t)(end - name));
        nbuf[end - name] = '\0';
        p = end;
        /* Predicates: [mod:name='v'] or [mod:name="v"] (filter_quote()). */
        while (*p == '[') {
            const char *pn = p + 1, *eq = strchr(pn, '='), *q;

            if (npr == sizeof pr / sizeof pr[0] || !eq || (eq[1] != '\'' && eq[1] != '"') ||
                !(q = strchr(eq + 2, eq[1])) || q[1] != ']') {
                return -1;
            }
            pr[npr].name = pn;
            pr[npr].nlen = (size_t)(eq - pn);
            pr[npr].val = eq + 2;
            pr[npr].vlen = (size_t)(q - eq - 2);
            npr++;
            p = q + 2;
        }
        if (*p && *p != '/') {
            return -1;
        }
        lm = ly_ctx_get_module_implemented(dev->ctx, mbuf);
        sn = lm ? lys_find_child(parent, lm, nbuf, 0, 0, 0) : NULL;
        if (!sn || !(sn->nodetype & (LYS_CONTAINER | LYS_LEAF | LYS_LIST))) {
            return -1;
        }
        if (sn->nodetype == LYS_LIST) {
            /* Every predicate one key, every key one predicate, all strings. */
            for (key = lysc_node_child(sn); key && lysc_is_key(key); key = key->next) {
                if (((const struct lysc_node_leaf *)key)->type->basetype != LY_TYPE_STRING) {
                    return -1;
                }
                for (k = 0; k < npr && !filter_pred_is(pr[k].name, pr[k].nlen, key); k++) {
                }
                if (k == npr) {
                    return -1;
                }
                nkeys++;
            }
            if (!nkeys || nkeys != npr) {
                return -1;
            }
        } else if (npr) {
            return -1;
        }
        first = NULL;
        if (lyd_find_sibling_val(sib, sn, NULL, 0, &first)) {
            return 0;
        }
        m = NULL;
        if (sn->nodetype != LYS_LIST) {
            m = first;
        }
        /* The list's instances are together (libyang keeps a schema node's instances
         * adjacent); the one whose keys are the predicates' values. */
        for (const struct lyd_node *in = first; !m && in && in->schema == sn; in = in->next) {
            for (k = 0; k < npr; k++) {
                const struct lyd_node *c = lyd_child(in);
                const char *v;

                while (c && c->schema && lysc_is_key(c->schema) &&
                       !filter_pred_is(pr[k].name, pr[k].nlen, c->schema)) {
                    c = c->next;
                }
                v = c && c->schema && lysc_is_key(c->schema) ? lyd_get_value(c) : NULL;
                if (!v || strlen(v) != pr[k].vlen || strncmp(v, pr[k].val, pr[k].vlen)) {
                    break;
                }
            }
            if (k == npr) {
                m = in;
            }
        }
        if (!m) {
            return 0;
        }
        parent = sn;
        sib = lyd_child(m);
    }
    if (!m || *p) {
        return -1;
    }
    *found = m;
    return 1;
}

/* @n, its subtree and its ancestors (list keys included) copied and merged into @res. */
static int
filter_take(const struct lyd_node *n, struct lyd_node **res)
{
    struct lyd_node *dup = NULL, *top;

    if (lyd_dup_single(n, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS | LYD_DUP_WITH_FLAGS,
                       &dup)) {
        return -1;
    }
    for (top = dup; lyd_parent(top); top = lyd_parent(top)) {
    }
    lyd_merge_siblings(res, top, LYD_MERGE_DESTRUCT | LYD_MERGE_WITH_FLAGS);
    return 0;
}

/* A filter made ready to evaluate: its key now, its XPaths when first evaluated. */
struct sim_filter {
    struct filter_list xps;
    int built;                      /**< xps made */
    int xpath;                      /**< type="xpath": the one expression is the user's select */
    const struct lyd_node *content; /**< a subtree filter's elements (the request's) */
    char *xml;                      /**< or its text, when libyang kept it as a string */
    char *key;                      /**< sim_filter_key() */
    size_t keylen, keycap;
};

void
sim_filter_free(struct sim_filter *f)
{
    if (!f) {
        return;
    }
    filter_list_clear(&f->xps);
    free(f->xml);
    nst_free(f->key);
    nst_free(f);
}

/* Append @len bytes of @p to the key; -1 out of memory. */
static int
filter_key_put(struct sim_filter *f, const void *p, size_t len)
{
    char *k;
    size_t cap;

    if (f->keylen + len > f->keycap) {
        cap = (f->keylen + len) * 2 + 256;
        k = nst_realloc(f->key, cap);
        if (!k) {
            return -1;
        }
        f->key = k;
        f->keycap = cap;
    }
    memcpy(f->key + f->keylen, p, len);
    f->keylen += len;
    return 0;
}

/* A string (or NULL) in the key: its length, then its bytes. */
static int
filter_key_str(struct sim_filter *f, const char *str)
{
    size_t len = str ? strlen(str) : (size_t)-1;

    return filter_key_put(f, &len, sizeof len) || (str && filter_key_put(f, str, len));
}

/*
 * @p n and its siblings into the key, depth first: for each element exactly what
 * filter_build() reads of it (namespace, name, whether libyang added it as a default, its
 * raw text when it has no children) and then its children. Two subtree filters with the same
 * key therefore build the same expressions.
 */
static int
filter_key_tree(struct sim_filter *f, const struct lyd_node *n)
{
    const char *v;
    char tag;

    for (; n; n = n->next) {
        tag = (n->flags & LYD_DEFAULT) ? 'D' : 'E';
        if (filter_key_put(f, &tag, 1) || filter_key_str(f, filter_ns(n)) ||
            filter_key_str(f, ly_node_name(n))) {
            return -1;
        }
        if (lyd_child(n)) {
            if (filter_key_put(f, "(", 1) || filter_key_tree(f, lyd_child(n)) ||
                filter_key_put(f, ")", 1)) {
                return -1;
            }
            continue;
        }
        if (n->schema) {
            v = (n->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(n) : NULL;
        } else {
            v = ((const struct lyd_node_opaq *)n)->value;
        }
        if (filter_key_str(f, v)) {
            return -1;
        }
    }
    return 0;
}

const char *
sim_filter_key(const struct sim_filter *f, size_t *len)
{
    *len = f->keylen;
    return f->key;
}

/*
 * The request's filter checked and keyed: an XPath filter by its select expression, a
 * subtree filter by its elements (filter_key_tree()) or by its text. Building the XPaths of
 * a subtree filter (filter_build(): a string per element and predicate) waits for the first
 * evaluation, which a kept reply (rpc.c) does not need.
 */
nst_err
sim_filter_compile(struct sim_dev *dev, const struct lyd_node *filter, struct sim_filter **out,
                   struct nc_server_reply **err)
{
    const struct lyd_node_any *any = (const struct lyd_node_any *)filter;
    struct sim_filter *f;
    struct lyd_node *e;
    const char *type, *select;
    nst_err ret = NST_EINPUT;

    *out = NULL;
    f = nst_calloc(1, sizeof *f);
    if (!f) {
        return NST_ENOMEM;
    }
    type = filter_meta(filter, "type");
    if (type && !strcmp(type, "xpath")) {
        f->xpath = 1;
        if (!(dev->cfg->prof.caps & SIM_CAP_XPATH)) {
            *err = sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                                 "this device does not support XPath filters (:xpath)");
            goto cleanup;
        }
        select = filter_meta(filter, "select");
        if (!select) {
            e = sim_err_elem(dev, NC_ERR_MISSING_ATTR, "filter", "select", NULL, NULL);
            *err = e ? nc_server_reply_err(e) : NULL;
            goto cleanup;
        }
        if (filter_push(&f->xps, nst_strdup(select)) || filter_key_put(f, "x", 1) ||
            filter_key_str(f, select)) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
        f->built = 1;
    } else if (type && strcmp(type, "subtree")) {
        *err = sim_reply_err(dev, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unknown filter type");
        goto cleanup;
    } else if (any->value_type == LYD_ANYDATA_DATATREE) {
        f->content = any->value.tree;
        if (filter_key_put(f, "s", 1) || filter_key_tree(f, f->content)) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
    } else {
        /* A value libyang cannot give as text selects nothing, as an empty filter. */
        if (lyd_any_value_str(filter, &f->xml)) {
            f->xml = NULL;
        }
        if (filter_key_put(f, "t", 1) || filter_key_str(f, f->xml)) {
            ret = NST_ENOMEM;
            goto cleanup;
        }
    }
    *out = f;
    f = NULL;
    ret = NST_OK;

cleanup:
    sim_filter_free(f);
    return ret;
}

/* The XPaths of a subtree filter, made at its first evaluation. */
static nst_err
filter_build_all(struct sim_dev *dev, struct sim_filter *f, struct nc_server_reply **err)
{
    struct lyd_node *owned = NULL;
    const struct lyd_node *content = f->content, *n;

    if (f->built) {
        return NST_OK;
    }
    if (f->xml && f->xml[0]) {
        if (lyd_parse_data_mem(dev->ctx, f->xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0,
                               &owned)) {
            ly_err_clean(dev->ctx, NULL);
            *err = sim_reply_err(dev, NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC, NULL, NULL,
                                 "filter is not well-formed XML");
            return NST_EINPUT;
        }
        content = owned;
    }
    LY_LIST_FOR (content, n) {
        if (filter_build_top(dev, n, &f->xps)) {
            lyd_free_siblings(owned);
            return NST_ENOMEM;
        }
    }
    lyd_free_siblings(owned);
    f->built = 1;
    return NST_OK;
}

nst_err
sim_filter_eval(struct sim_dev *dev, struct sim_filter *f, const struct lyd_node *data,
                struct lyd_node **result, struct nc_server_reply **err)
{
    const struct filter_list *xps = &f->xps;
    struct lyd_node *res = NULL;
    struct ly_set *set = NULL;
    uint32_t i;
    int k;
    nst_err ret;

    ret = filter_build_all(dev, f, err);
    if (ret) {
        return ret;
    }
    ret = NST_EINPUT;

    for (k = 0; k < xps->n; k++) {
        struct lyd_node *one = NULL;
        LY_ERR lr;

        if (!data) {
            break;
        }
        ly_err_clean(dev->ctx, NULL);
        /* A subtree filter's path names one instance when every list on it has all its
         * keys (the live diff's filters): libyang's path lookup (hashes, no XPath engine)
         * finds it or finds there is none. Anything it cannot take (a list without its
         * keys, a leaf-list, a predicate on another leaf) goes to the XPath evaluation. */
        if (!f->xpath) {
            uint32_t quiet = 0;
            const struct lyd_node *hit = NULL;
            int fl = filter_lookup(dev, data, xps->v[k], &hit);

            if (fl == 0) {
                continue;
            }
            if (fl == 1) {
                if (filter_take(hit, &res)) {
                    ret = NST_ENOMEM;
                    goto cleanup;
                }
                continue;
            }
            ly_temp_log_options(&quiet);
            lr = lyd_find_path(data, xps->v[k], 0, &one);
            ly_temp_log_options(NULL);
            if (lr == LY_ENOTFOUND || lr == LY_EINCOMPLETE) {
                ly_err_clean(dev->ctx, NULL);
                continue;
            }
            if (lr == LY_SUCCESS) {
                if (filter_take(one, &res)) {
                    ret = NST_ENOMEM;
                    goto cleanup;
                }
                continue;
            }
            ly_err_clean(dev->ctx, NULL);
        }
        if (lyd_find_xpath(data, xps->v[k], &set)) {
            /* A syntax error in the user's XPath is an error; a path naming nodes this
             * schema lacks simply selects nothing. */
            if (f->xpath && ly_vecode(dev->ctx) == LYVE_XPATH) {
                *err = sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, NULL,
                                     ly_errmsg(dev->ctx));
                ly_err_clean(dev->ctx, NULL);
                goto cleanup;
            }
            ly_err_clean(dev->ctx, NULL);
            continue;
        }
        for (i = 0; i < set->count; i++) {
            if (filter_take(set->dnodes[i], &res)) {
                ret = NST_ENOMEM;
                goto cleanup;
            }
        }
        ly_set_free(set, NULL);
        set = NULL;
    }
    *result = res;
    res = NULL;
    ret = NST_OK;

cleanup:
    ly_set_free(set, NULL);
    lyd_free_siblings(res);
    return ret;
}

nst_err
sim_filter_apply(struct sim_dev *dev, const struct lyd_node *filter, const struct lyd_node *data,
                 struct lyd_node **result, struct nc_server_reply **err)
{
    struct sim_filter *f = NULL;
    nst_err ret;

    ret = sim_filter_compile(dev, filter, &f, err);
    if (!ret) {
        ret = sim_filter_eval(dev, f, data, result, err);
    }
    sim_filter_free(f);
    return ret;
}
