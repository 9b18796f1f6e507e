/*
 * edit.c: the <edit-config> engine (RFC 6241 7.2): sim_edit_run() applies one edit to a
 * datastore, sim_edit_parse_config() parses a <config> for it and for <copy-config>. The RPC
 * handlers (target, lock and option checks) are rpc.c's; this file calls none of them.
 *
 * An edit runs in three phases:
 *   1. parse: the <config> content is parsed against the device schema with libyang
 *      (parse-only, unknown or ill-typed elements kept as opaque nodes) and then checked:
 *      unknown namespace -> unknown-namespace, unknown element -> unknown-element, a list
 *      entry without its key -> missing-element, a bad value -> invalid-value, state data
 *      -> invalid-value. Every such error is reported and nothing is applied, whatever the
 *      error-option (as real devices and yuma do: these are parse-phase errors). A leaf with
 *      operation delete/remove may carry any value (usually none).
 *   2. fault injection: a `reject-edit XPATH` that selects a node of the edit rejects it.
 *   3. apply, on a copy of the target datastore, node by node in document order with the
 *      nc:operation of the node or the inherited one (the default-operation at the top):
 *        merge    create or update; descend into children
 *        replace  delete the existing node, then create it from the edit
 *        create   data-exists if the node exists
 *        delete   data-missing if it does not exist
 *        remove   delete if it exists
 *        none     only navigate; ancestors are created only when a descendant writes, and
 *                 a node that would be created only to hold nothing is removed again
 *      default-operation replace replaces the whole datastore with the <config> (RFC 6241
 *      7.2 "completely replaces the configuration in the target datastore").
 *      Nodes holding only their YANG default count as absent. error-option:
 *      stop-on-error keeps what was applied before the first error (RFC 6241 wording),
 *      continue-on-error applies everything it can and reports every error,
 *      rollback-on-error applies nothing when any error occurs.
 * Then, for running (a :writable-running profile) or test-option test-only, the whole
 * result is validated like a commit (must, leafref, mandatory, ...) and refused if invalid;
 * the candidate is stored unvalidated (validated at <validate>/<commit>, like routers do).
 * test-only never stores. An edit of running also resets an unmodified candidate to it.
 *
 * Not implemented: the yang:insert/value/key attributes of ordered-by-user lists (new entries
 * are appended) and <url>.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "lyutil.h"
#include "netsim.h"

enum edit_op {
    EDIT_UNSET = -1,
    EDIT_NONE = 0,
    EDIT_MERGE,
    EDIT_REPLACE,
    EDIT_CREATE,
    EDIT_DELETE,
    EDIT_REMOVE
};

enum edit_errmode { EDIT_STOP, EDIT_CONTINUE, EDIT_ROLLBACK };

/* State of one <edit-config>. */
struct edit_ctx {
    struct sim_dev *dev;
    struct lyd_node *root; /* working copy of the target, first sibling */
    enum edit_errmode errmode;
    struct nc_server_reply *reply; /* accumulated rpc-errors */
    int nerr;
    const struct lys_module *ncmod;
};

static void
edit_add_err(struct edit_ctx *ec, struct lyd_node *err)
{
    if (!err) {
        return;
    }
    if (!ec->reply) {
        ec->reply = nc_server_reply_err(err);
    } else {
        nc_server_reply_add_err(ec->reply, err);
    }
    ec->nerr++;
}

static enum edit_op
edit_op_parse(const char *v)
{
    if (!strcmp(v, "merge")) {
        return EDIT_MERGE;
    } else if (!strcmp(v, "replace")) {
        return EDIT_REPLACE;
    } else if (!strcmp(v, "create")) {
        return EDIT_CREATE;
    } else if (!strcmp(v, "delete")) {
        return EDIT_DELETE;
    } else if (!strcmp(v, "remove")) {
        return EDIT_REMOVE;
    } else if (!strcmp(v, "none")) {
        return EDIT_NONE;
    }
    return EDIT_UNSET;
}

/* The nc:operation attribute of an edit node, EDIT_UNSET when absent. */
static enum edit_op
edit_node_op(const struct edit_ctx *ec, const struct lyd_node *n)
{
    struct lyd_meta *m;
    struct lyd_attr *a;

    if (n->schema) {
        m = lyd_find_meta(n->meta, ec->ncmod, "operation");
        return m ? edit_op_parse(lyd_get_meta_value(m)) : EDIT_UNSET;
    }
    for (a = ((const struct lyd_node_opaq *)n)->attr; a; a = a->next) {
        if (!strcmp(a->name.name, "operation") && a->name.module_ns &&
            !strcmp(a->name.module_ns, NC_NS_BASE)) {
            return edit_op_parse(a->value);
        }
    }
    return EDIT_UNSET;
}

/* Schema node an opaque edit node stands for, NULL if none. */
static const struct lysc_node *
edit_opaq_schema(const struct edit_ctx *ec, const struct lyd_node *n,
                 const struct lys_module **modp)
{
    const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
    const struct lyd_node *parent = lyd_parent(n);
    const struct lys_module *mod = NULL;

    if (parent && !parent->schema) {
        return NULL;
    }
    if (o->name.module_ns) {
        mod = ly_ctx_get_module_implemented_ns(ec->dev->ctx, o->name.module_ns);
    } else if (parent) {
        mod = parent->schema->module;
    }
    if (modp) {
        *modp = mod;
    }
    if (!mod) {
        return NULL;
    }
    return lys_find_child(parent ? parent->schema : NULL, mod, o->name.name, 0, 0, 0);
}

static char *
edit_path(const struct lyd_node *n)
{
    return lyd_path(n, LYD_PATH_STD, NULL, 0);
}

/* Phase 1 for one opaque node: explain why libyang could not type it. */
static void
edit_check_opaq(struct edit_ctx *ec, const struct lyd_node *n)
{
    const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
    const struct lys_module *mod = NULL;
    const struct lysc_node *sch, *key;
    const struct lyd_node *c;
    char *path = edit_path(n), *ppath = NULL, msg[256];
    enum edit_op op;
    int found;

    sch = edit_opaq_schema(ec, n, &mod);
    if (lyd_parent(n)) {
        ppath = edit_path(lyd_parent(n));
    }
    if (!mod) {
        snprintf(msg, sizeof msg, "unknown namespace \"%s\"",
                 o->name.module_ns ? o->name.module_ns : "");
        edit_add_err(ec, sim_err_elem(ec->dev, NC_ERR_UNKNOWN_NS, o->name.name, o->name.module_ns,
                                      ppath, msg));
    } else if (!sch) {
        snprintf(msg, sizeof msg, "unknown element \"%s\" (module %s)", o->name.name, mod->name);
        edit_add_err(ec,
                     sim_err_elem(ec->dev, NC_ERR_UNKNOWN_ELEM, o->name.name, NULL, ppath, msg));
    } else if (sch->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
        op = edit_node_op(ec, n);
        if (sch->nodetype == LYS_LEAF && (op == EDIT_DELETE || op == EDIT_REMOVE)) {
            /* The value of a deleted leaf does not matter. */
            goto cleanup;
        }
        snprintf(msg, sizeof msg, "invalid value \"%s\" for %s", o->value ? o->value : "",
                 o->name.name);
        edit_add_err(ec,
                     sim_err_new(ec->dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, path, msg));
    } else if (sch->nodetype == LYS_LIST) {
        /* An opaque list entry: a key is missing or has an invalid value. */
        for (key = lysc_node_child(sch); key && lysc_is_key(key); key = key->next) {
            found = 0;
            LY_LIST_FOR (lyd_child(n), c) {
                if (!strcmp(ly_node_name(c), key->name)) {
                    found = 1;
                }
            }
            if (!found) {
                snprintf(msg, sizeof msg, "list entry %s lacks its key %s", o->name.name,
                         key->name);
                edit_add_err(
                    ec, sim_err_elem(ec->dev, NC_ERR_MISSING_ELEM, key->name, NULL, path, msg));
                goto cleanup;
            }
        }
        snprintf(msg, sizeof msg, "invalid key value in list entry %s", o->name.name);
        edit_add_err(ec,
                     sim_err_new(ec->dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, path, msg));
    } else {
        snprintf(msg, sizeof msg, "element %s cannot be used here", o->name.name);
        edit_add_err(ec, sim_err_elem(ec->dev, NC_ERR_BAD_ELEM, o->name.name, NULL, path, msg));
    }

cleanup:
    free(path);
    free(ppath);
}

/* Phase 1 over a sibling list and everything below it. */
static void
edit_check(struct edit_ctx *ec, const struct lyd_node *first)
{
    const struct lyd_node *n;
    char *path;

    LY_LIST_FOR (first, n) {
        if (!n->schema) {
            edit_check_opaq(ec, n);
            continue;
        }
        if (n->schema->flags & LYS_CONFIG_R) {
            path = edit_path(n);
            edit_add_err(ec, sim_err_new(ec->dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, path,
                                         "state data (config false) cannot be configured"));
            free(path);
            continue;
        }
        edit_check(ec, lyd_child(n));
    }
}

static int
edit_has_content(const struct lyd_node *n)
{
    const struct lyd_node *c;

    LY_LIST_FOR (lyd_child(n), c) {
        if (!c->schema || !lysc_is_key(c->schema)) {
            return 1;
        }
    }
    return 0;
}

static void
edit_free(struct edit_ctx *ec, struct lyd_node *n)
{
    if (n == ec->root) {
        ec->root = n->next;
    }
    lyd_free_tree(n);
}

/* Copy @p e (alone, or with its subtree) under @p tparent, or to the top level. */
static struct lyd_node *
edit_insert(struct edit_ctx *ec, const struct lyd_node *e, struct lyd_node *tparent, int recursive)
{
    struct lyd_node *dup = NULL;
    uint32_t opts = LYD_DUP_NO_META | (recursive ? LYD_DUP_RECURSIVE : 0);

    if (tparent) {
        if (lyd_dup_single(e, (struct lyd_node_inner *)tparent, opts, &dup)) {
            return NULL;
        }
        return dup;
    }
    if (lyd_dup_single(e, NULL, opts, &dup)) {
        return NULL;
    }
    if (lyd_insert_sibling(ec->root, dup, &ec->root)) {
        lyd_free_tree(dup);
        return NULL;
    }
    return dup;
}

/*
 * Apply edit node @p e under target node @p tparent (NULL: top level) with inherited
 * operation @p inh. Returns NST_OK, NST_EINPUT (an rpc-error was recorded in @p ec) or
 * NST_ENOMEM.
 */
static nst_err
edit_apply(struct edit_ctx *ec, const struct lyd_node *e, struct lyd_node *tparent,
           enum edit_op inh)
{
    const struct lysc_node *sch;
    struct lyd_node *siblings, *match = NULL, *target;
    const struct lyd_node *c;
    enum edit_op op;
    char *path;
    int exists, created = 0;
    nst_err r, rc = NST_OK;
    LY_ERR lr;

    sch = e->schema ? e->schema : edit_opaq_schema(ec, e, NULL);
    if (!sch) {
        return NST_EINPUT;
    }
    op = edit_node_op(ec, e);
    if (op == EDIT_UNSET) {
        op = inh;
    }
    siblings = tparent ? lyd_child(tparent) : ec->root;
    if (siblings) {
        /* List entries match by keys and leaf-list entries by value; anything else has one
         * instance, matched by schema alone (a leaf's new value must find the old one). */
        if (e->schema && (sch->nodetype & (LYS_LIST | LYS_LEAFLIST))) {
            lyd_find_sibling_first(siblings, e, &match);
        } else {
            lyd_find_sibling_val(siblings, sch, NULL, 0, &match);
        }
    }
    exists = match && !(match->flags & LYD_DEFAULT);

    switch (op) {
    case EDIT_DELETE:
    case EDIT_REMOVE:
        if (!exists) {
            if (op == EDIT_REMOVE) {
                return NST_OK;
            }
            path = edit_path(e);
            edit_add_err(ec, sim_err_new(ec->dev, NC_ERR_DATA_MISSING, NC_ERR_TYPE_APP, NULL, path,
                                         "delete: the node does not exist"));
            free(path);
            return NST_EINPUT;
        }
        edit_free(ec, match);
        return NST_OK;
    case EDIT_CREATE:
        if (exists) {
            path = edit_path(e);
            edit_add_err(ec, sim_err_new(ec->dev, NC_ERR_DATA_EXISTS, NC_ERR_TYPE_APP, NULL, path,
                                         "create: the node already exists"));
            free(path);
            return NST_EINPUT;
        }
        break;
    case EDIT_REPLACE:
        if (match) {
            edit_free(ec, match);
            match = NULL;
        }
        break;
    case EDIT_NONE:
    case EDIT_MERGE:
    case EDIT_UNSET:
        break;
    }
    if (!e->schema) {
        /* Only delete/remove accept an untyped leaf; phase 1 reported the rest. */
        return NST_EINPUT;
    }

    if (sch->nodetype & (LYD_NODE_TERM | LYD_NODE_ANY)) {
        if (op == EDIT_NONE) {
            return NST_OK;
        }
        if (match && sch->nodetype == LYS_LEAF) {
            lr = lyd_change_term(match, lyd_get_value(e));
            return (lr == LY_SUCCESS || lr == LY_EEXIST || lr == LY_ENOT) ? NST_OK : NST_ENOMEM;
        }
        if (match && sch->nodetype == LYS_LEAFLIST) {
            if (match->flags & LYD_DEFAULT) {
                /* Turn the default instance into an explicit one. */
                edit_free(ec, match);
                return edit_insert(ec, e, tparent, 0) ? NST_OK : NST_ENOMEM;
            }
            return NST_OK;
        }
        if (match) {
            edit_free(ec, match);
        }
        return edit_insert(ec, e, tparent, 1) ? NST_OK : NST_ENOMEM;
    }

    /* Container or list entry. */
    target = match;
    if (!target) {
        target = edit_insert(ec, e, tparent, 0);
        if (!target) {
            return NST_ENOMEM;
        }
        created = 1;
    }
    LY_LIST_FOR (lyd_child(e), c) {
        if (c->schema && lysc_is_key(c->schema)) {
            continue;
        }
        r = edit_apply(ec, c, target, op);
        if (r == NST_ENOMEM) {
            return r;
        }
        if (r) {
            rc = NST_EINPUT;
            if (ec->errmode != EDIT_CONTINUE) {
                break;
            }
        }
    }
    if (created && op == EDIT_NONE && !edit_has_content(target)) {
        edit_free(ec, target);
    }
    return rc;
}

/* Remove non-presence containers left empty by deletes. */
static void
edit_prune(struct lyd_node **first, struct lyd_node *parent)
{
    struct lyd_node *n, *next, *start = parent ? lyd_child(parent) : *first;

    for (n = start; n; n = next) {
        next = n->next;
        if (!n->schema || !(n->schema->nodetype & (LYS_CONTAINER | LYS_LIST))) {
            continue;
        }
        edit_prune(first, n);
        if (n->schema->nodetype == LYS_CONTAINER && !(n->schema->flags & LYS_PRESENCE) &&
            !lyd_child(n)) {
            if (n == *first) {
                *first = n->next;
            }
            lyd_free_tree(n);
        }
    }
}

/*
 * Whether the <config> tree libyang built while parsing the RPC is what the edit's own parse
 * (below) would build, so that the edit can take it instead of printing and reparsing it.
 * libyang 2.1.30 parses anydata content with the RPC's options minus strict plus opaque
 * (LYD_PARSE_ONLY | LYD_PARSE_OPAQ, parser_xml.c, lydxml_subtree_r), which are the edit's
 * options; it differs only in what it lets through typed or untyped: an element it could not
 * type (unknown namespace or element, bad value, list entry without its keys, no namespace
 * at all) is opaque there and becomes a parse error or an opaque node in the reparse, and an
 * RPC, action or notification node is typed there (anydata allows anything) but refused as
 * data. A node tagged wd:default="true" is flagged default there, and the print below
 * leaves it out. Trees holding any of these go through the reparse, so every rpc-error
 * stays as it was.
 */
static int
edit_tree_plain(const struct lyd_node *first)
{
    const struct lyd_node *n;

    LY_LIST_FOR (first, n) {
        if (!n->schema || (n->schema->nodetype & (LYS_RPC | LYS_ACTION | LYS_NOTIF)) ||
            (n->flags & LYD_DEFAULT) || !edit_tree_plain(lyd_child(n))) {
            return 0;
        }
    }
    return 1;
}

nst_err
sim_edit_parse_config(struct sim_dev *dev, const struct lyd_node *any, int data_only,
                      struct lyd_node **tree, struct nc_server_reply **err)
{
    const struct lyd_node_any *a = (const struct lyd_node_any *)any;
    char *xml = NULL;
    const char *s;
    uint32_t opts;
    nst_err ret = NST_OK;

    *tree = NULL;
    /* libyang 2.1 stores the <config> content typed when it can; lyd_any_value_str() would
     * then drop an empty non-presence container such as <interfaces nc:operation="delete"/>,
     * so the tree is printed with empty containers kept. */
    if (a->value_type == LYD_ANYDATA_DATATREE) {
        if (a->value.tree && lyd_print_mem(&xml, a->value.tree, LYD_XML,
                                           LYD_PRINT_WITHSIBLINGS | LYD_PRINT_KEEPEMPTYCONT)) {
            xml = NULL;
        }
        if (!a->value.tree) {
            goto cleanup;
        }
    }
    if (!xml && lyd_any_value_str(any, &xml)) {
        *err = sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
                             "cannot read <config>");
        return NST_EINPUT;
    }
    for (s = xml; s && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'); s++) {
    }
    if (!s || !*s) {
        goto cleanup;
    }
    opts = data_only ? (LYD_PARSE_ONLY | LYD_PARSE_STRICT | LYD_PARSE_NO_STATE)
                     : (LYD_PARSE_ONLY | LYD_PARSE_OPAQ);
    ly_err_clean(dev->ctx, NULL);
    if (lyd_parse_data_mem(dev->ctx, xml, LYD_XML, opts, 0, tree)) {
        *tree = NULL;
        *err = sim_store_ly_errors(dev, NC_ERR_INVALID_VALUE);
        ret = NST_EINPUT;
    }

cleanup:
    free(xml);
    return ret;
}

struct nc_server_reply *
sim_edit_run(struct sim_dev *dev, const struct sim_edit_req *req)
{
    struct edit_ctx ec = {0};
    struct nc_server_reply *err = NULL;
    struct lyd_node *edit = NULL, *ferr, *cand;
    struct lyd_node_any *any;
    const struct lyd_node *n;
    enum sim_ds ds = req->ds;
    enum edit_op dflt = req->dflt_op ? edit_op_parse(req->dflt_op) : EDIT_MERGE;
    uint32_t sid = req->sid;
    int test_only = req->test_only, failed = 0;
    nst_err r;

    ec.dev = dev;
    ec.errmode = !req->error_option                                ? EDIT_STOP
                 : !strcmp(req->error_option, "continue-on-error") ? EDIT_CONTINUE
                 : !strcmp(req->error_option, "rollback-on-error") ? EDIT_ROLLBACK
                                                                   : EDIT_STOP;
    ec.ncmod = ly_ctx_get_module_implemented(dev->ctx, "ietf-netconf");

    /* A fully typed <config> is taken from the RPC as libyang parsed it instead of being
     * printed and parsed again: 27% of a device's instructions in a push. The same tree in
     * the same context, so the same nodes, values and metadata (nc:operation). */
    any = (struct lyd_node_any *)req->config_take;
    if (any && any->value_type == LYD_ANYDATA_DATATREE && any->value.tree &&
        edit_tree_plain(any->value.tree)) {
        edit = any->value.tree;
        any->value.tree = NULL;
    } else if (sim_edit_parse_config(dev, req->config, 0, &edit, &err)) {
        return err;
    }

    /* Phase 1: report every parse-level problem, apply nothing. */
    edit_check(&ec, edit);
    if (ec.nerr) {
        goto cleanup;
    }
    /* Phase 2: fault injection. */
    ferr = sim_fault_reject(dev, SIM_FAULT_REJECT_EDIT, edit);
    if (ferr) {
        edit_add_err(&ec, ferr);
        goto cleanup;
    }
    /* Phase 3: apply to a copy. default-operation replace: "the <config> completely
     * replaces the configuration in the target datastore" (RFC 6241 7.2), so it starts empty. */
    if (dflt != EDIT_REPLACE) {
        ec.root = sim_store_dup(dev->ds[ds]);
        if (dev->ds[ds] && !ec.root) {
            goto cleanup;
        }
    }
    LY_LIST_FOR (edit, n) {
        r = edit_apply(&ec, n, NULL, dflt);
        if (r == NST_ENOMEM) {
            edit_add_err(&ec, sim_err_new(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
                                          "netsim: out of memory"));
            failed = 1;
            break;
        }
        if (r) {
            failed = 1;
            if (ec.errmode != EDIT_CONTINUE) {
                break;
            }
        }
    }
    if (failed && ec.errmode == EDIT_ROLLBACK) {
        goto cleanup;
    }
    edit_prune(&ec.root, NULL);
    if (ds == SIM_DS_RUNNING || test_only) {
        if (sim_store_validate(dev, &ec.root, &err)) {
            /* The reply carries the apply errors (if any) and the validation error. */
            if (ec.reply) {
                nc_server_reply_free(ec.reply);
            }
            ec.reply = err;
            goto cleanup;
        }
    }
    if (test_only) {
        goto cleanup;
    }
    if (ds == SIM_DS_RUNNING) {
        sim_store_replace(dev, SIM_DS_RUNNING, ec.root);
        ec.root = NULL;
        if (dev->ds[SIM_DS_CANDIDATE] || (dev->cfg->prof.caps & SIM_CAP_CANDIDATE)) {
            if (!dev->candidate_dirty) {
                cand = sim_store_dup(dev->ds[SIM_DS_RUNNING]);
                sim_store_replace(dev, SIM_DS_CANDIDATE, cand);
            }
        }
    } else {
        sim_store_replace(dev, ds, ec.root);
        ec.root = NULL;
        if (ds == SIM_DS_CANDIDATE) {
            dev->candidate_dirty = 1;
            dev->candidate_dirty_sid = sid;
        }
    }

cleanup:
    lyd_free_siblings(ec.root);
    lyd_free_siblings(edit);
    return ec.reply ? ec.reply : nc_server_reply_ok();
}
