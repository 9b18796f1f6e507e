/*
 * rpc.c: the NETCONF operations of a simulated device, every RPC handler. The edit engine
 * that applies an <edit-config> to a datastore is edit.c's (sim_edit_run()); the handler here
 * checks the target, its lock and reads the options. edit.c calls nothing of this file.
 *
 * sim_rpc_dispatch() is libnetconf2's global RPC callback: libnetconf2 has already parsed
 * the <rpc> against the device's schema (so an operation the profile lacks, like <commit> on
 * a running-only device, never gets here: libnetconf2 answers it). Dispatch rereads the faults
 * file, applies delay and drop-session faults, logs the RPC in full (rpc-xml.log), runs the
 * handler and logs one summary line with the outcome (rpc.log).
 *
 * Rules implemented (RFC 6241 unless noted):
 *   <lock>      lock-denied with the holder's session-id; also denied for a candidate with
 *               uncommitted changes (session-id of the session that made them, 0 if gone) and
 *               for running while another session's confirmed commit is pending (7.5)
 *   <unlock>    operation-failed unless this session holds the lock
 *   writes      in-use when another session holds the lock of the written datastore;
 *               <commit> also checks the candidate lock
 *   <commit>    validates the candidate (must, leafref, mandatory, unique, ...), copies it to
 *               running. Confirmed commit (8.3/8.4): <confirm-timeout> seconds (default 600);
 *               the first confirmed commit saves running for rollback; a follow-up confirmed
 *               commit re-arms the timer; a plain <commit> confirms. Without <persist> only the
 *               issuing session may confirm (1.1; any session for 1.0) and its end rolls back;
 *               with <persist> any session confirms or cancels with a matching <persist-id>
 *               (invalid-value otherwise). 1.0 profiles reject <persist>/<cancel-commit>.
 *   <cancel-commit> rolls back now; operation-failed when nothing is pending
 *   <get>       running + ietf-yang-library data (the 2.0.24 <hello> lists no modules, so
 *               clients build their schema context from this) + oper.xml (oper.c), subtree
 *               or XPath filter
 *   vendor RPCs (e.g. Junos <get-bgp-neighbor-information>): canned replies (oper.c)
 *   <get-config>, <validate>, <discard-changes>, <delete-config> (startup), <kill-session>,
 *   <close-session>, <get-schema> (our own: the built-in one is broken with libyang 2.1.30)
 * Not implemented: <get-data>/<edit-data> (NMDA), :url, notifications, partial lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "lyutil.h"
#include "netsim.h"

/* Find a direct child of @p parent by name; NULL if absent. */
static struct lyd_node *
rpc_child(const struct lyd_node *parent, const char *name)
{
    struct lyd_node *c;

    LY_LIST_FOR (lyd_child(parent), c) {
        if (!strcmp(ly_node_name(c), name)) {
            return c;
        }
    }
    return NULL;
}

static const char *
rpc_value(const struct lyd_node *parent, const char *name)
{
    struct lyd_node *c = rpc_child(parent, name);

    return c ? lyd_get_value(c) : NULL;
}

int
sim_rpc_ds(const struct lyd_node *rpc, const char *param, enum sim_ds *ds,
           const struct lyd_node **config)
{
    struct lyd_node *cont, *c;

    cont = rpc_child(rpc, param);
    if (!cont) {
        return -1;
    }
    c = lyd_child(cont);
    if (!c) {
        return -1;
    }
    if (!strcmp(ly_node_name(c), "running")) {
        *ds = SIM_DS_RUNNING;
    } else if (!strcmp(ly_node_name(c), "candidate")) {
        *ds = SIM_DS_CANDIDATE;
    } else if (!strcmp(ly_node_name(c), "startup")) {
        *ds = SIM_DS_STARTUP;
    } else if (!strcmp(ly_node_name(c), "config") && config) {
        *config = c;
        return 1;
    } else {
        /* url: not supported. */
        return -2;
    }
    return 0;
}

nst_err
sim_rpc_ds_ok(struct sim_dev *dev, enum sim_ds ds, struct nc_server_reply **err)
{
    unsigned caps = dev->cfg->prof.caps;

    if ((ds == SIM_DS_CANDIDATE && !(caps & SIM_CAP_CANDIDATE)) ||
        (ds == SIM_DS_STARTUP && !(caps & SIM_CAP_STARTUP))) {
        *err = sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "this device has no such datastore");
        return NST_EINPUT;
    }
    return NST_OK;
}

struct nc_server_reply *
sim_rpc_check_lock(struct sim_dev *dev, uint32_t sid, enum sim_ds ds)
{
    char msg[96];

    if (dev->lock[ds] && dev->lock[ds] != sid) {
        snprintf(msg, sizeof msg, "the %s datastore is locked by session %u", sim_ds_str(ds),
                 dev->lock[ds]);
        return sim_reply_err(dev, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, NULL, msg);
    }
    return NULL;
}

static struct nc_server_reply *
rpc_lock_denied(struct sim_dev *dev, uint32_t holder, const char *msg)
{
    struct lyd_node *err = nc_err(dev->ctx, NC_ERR_LOCK_DENIED, holder);

    if (!err) {
        return NULL;
    }
    if (msg) {
        nc_err_set_msg(err, msg, "en");
    }
    sim_err_note(dev, NC_ERR_LOCK_DENIED, msg ? msg : nc_err_get_msg(err));
    return nc_server_reply_err(err);
}

static NC_WD_MODE
rpc_wd(const struct lyd_node *rpc)
{
    struct lyd_node *n = NULL;
    const char *v;

    if (lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &n) || !n) {
        return NC_WD_EXPLICIT;
    }
    v = lyd_get_value(n);
    if (!strcmp(v, "report-all")) {
        return NC_WD_ALL;
    } else if (!strcmp(v, "report-all-tagged")) {
        return NC_WD_ALL_TAG;
    } else if (!strcmp(v, "trim")) {
        return NC_WD_TRIM;
    }
    return NC_WD_EXPLICIT;
}

/*
 * @p tree and its siblings as the XML text libnetconf2 prints for them inside <data> in
 * explicit mode (nc_write_msg_io(): LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT), or NULL to
 * let libnetconf2 print the tree. libnetconf2 prints through lyd_print_clb(), whose
 * callback output vasprintf()s every piece and hands it to a write callback of its own: a
 * filtered configuration was 16% of the simulator's CPU in a live diff. Here the same
 * printer writes into a stdio memory stream (sim_print_xml(), store.c), and
 * libnetconf2 prints the text of an LYD_ANYDATA_XML node as it is. The bytes are the same:
 * inside <data> (netconf base namespace, no prefixes declared) every top-level node
 * declares its own namespace, as it does printed alone; a node in the base namespace would
 * not, so such a tree is left to libnetconf2.
 */
static char *
rpc_data_text(const struct lyd_node *tree)
{
    const struct lyd_node *n;
    char *buf;

    for (n = tree; n; n = n->next) {
        if (!n->schema || !strcmp(n->schema->module->ns, NC_NS_BASE)) {
            return NULL;
        }
    }
    /* As lyd_print_all(): every sibling, from the first. */
    buf = sim_print_xml(lyd_first_sibling(tree),
                        LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT);
    if (buf && !buf[0]) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* Build the <data> reply for @p rpc around @p tree (consumed). */
static struct nc_server_reply *
rpc_data_reply(const struct lyd_node *rpc, struct lyd_node *tree, NC_WD_MODE wd)
{
    struct lyd_node *out = NULL;
    char *text = tree && wd == NC_WD_EXPLICIT ? rpc_data_text(tree) : NULL;

    if (text) {
        lyd_free_siblings(tree);
        tree = NULL;
    }
    if (lyd_dup_single(rpc, NULL, 0, &out) ||
        lyd_new_any(out, NULL, "data", text ? (void *)text : (void *)tree, 1,
                    text ? LYD_ANYDATA_XML : LYD_ANYDATA_DATATREE, 1, NULL)) {
        free(text);
        lyd_free_siblings(tree);
        lyd_free_tree(out);
        return NULL;
    }
    return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}

/*
 * An unfiltered <get-config> in explicit or trim mode prints the datastore as it is, so the
 * reply lends it instead of copying it: the <data> anydata points at the datastore tree and
 * libnetconf2 gets the reply as NC_PARAMTYPE_CONST (it prints it and frees only its own
 * wrapper). nc_ps_poll() sends the reply before it returns; the next RPC (or the device's
 * end) calls sim_rpc_release_lent(), which unhooks the tree and frees the rest. Two copies
 * and two frees of the whole configuration per push.
 */
void
sim_rpc_release_lent(struct sim_dev *dev)
{
    struct lyd_node_any *any = (struct lyd_node_any *)dev->lent_any;

    if (!dev->lent_reply) {
        return;
    }
    if (any->value_type == LYD_ANYDATA_DATATREE) {
        any->value.tree = NULL;
    } else {
        any->value.str = dev->lent_str;
    }
    lyd_free_tree(dev->lent_reply);
    dev->lent_reply = dev->lent_any = NULL;
    dev->lent_str = NULL;
}

/*
 * The reply of @p rpc whose <data> is @p text, a text netsim keeps at least until the next
 * RPC (running's print, a filtered reply, a schema), or NULL. libyang keeps an anyxml
 * string in its dictionary, so giving it the text hashes it (one byte at a time), copies it,
 * and hashes it again to free it: for a 20 KB filtered configuration that was 5% of the
 * simulator's CPU in a live diff. So the node is made with an empty string and then points
 * at the text, and the reply is lent as rpc_data_reply_lent() lends a tree: libnetconf2
 * prints it (printer_xml.c prints an XML anyxml's string as it is) before nc_ps_poll()
 * returns, and sim_rpc_release_lent() puts the dictionary's string back before freeing.
 */
static struct nc_server_reply *
rpc_text_reply_lent(struct sim_dev *dev, const struct lyd_node *rpc, const char *text)
{
    struct lyd_node *out = NULL, *any = NULL;
    struct lyd_node_any *a;

    if (lyd_dup_single(rpc, NULL, 0, &out) ||
        lyd_new_any(out, NULL, "data", "", 0, LYD_ANYDATA_XML, 1, &any)) {
        lyd_free_tree(out);
        return NULL;
    }
    a = (struct lyd_node_any *)any;
    dev->lent_reply = out;
    dev->lent_any = any;
    dev->lent_str = a->value.str;
    /* Only the printer reads it; sim_rpc_release_lent() restores the dictionary string. */
    a->value.str = text;
    return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_CONST);
}

static struct nc_server_reply *
rpc_data_reply_lent(struct sim_dev *dev, const struct lyd_node *rpc, struct lyd_node *tree,
                    NC_WD_MODE wd)
{
    struct lyd_node *out = NULL, *any = NULL;

    if (lyd_dup_single(rpc, NULL, 0, &out) ||
        lyd_new_any(out, NULL, "data", tree, 1, LYD_ANYDATA_DATATREE, 1, &any)) {
        lyd_free_tree(out);
        return NULL;
    }
    dev->lent_reply = out;
    dev->lent_any = any;
    return nc_server_reply_data(out, wd, NC_PARAMTYPE_CONST);
}

/*
 * An unfiltered explicit-mode <get-config> of running, a push's two snapshots: running as
 * libnetconf2 would print it in the reply (shrunk, explicit), printed once per generation
 * of running and sent as the text of <data> (anyxml in ietf-netconf). The snapshot after a
 * push and the one before the next push print running once instead of twice, and the
 * reply's printing copies a string instead of walking the tree (libnetconf2 prints replies
 * through a callback: libyang formats every piece with vasprintf()).
 */
static struct nc_server_reply *
rpc_running_reply(struct sim_dev *dev, const struct lyd_node *rpc)
{
    if (!dev->run_xml || dev->run_xml_gen != dev->run_gen) {
        free(dev->run_xml);
        dev->run_xml =
            sim_print_xml(dev->ds[SIM_DS_RUNNING],
                          LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT);
        if (!dev->run_xml) {
            return NULL;
        }
        dev->run_xml_gen = dev->run_gen;
    }
    return rpc_text_reply_lent(dev, rpc, dev->run_xml);
}

/* The reply of @p rpc whose <data> holds @p text (lent; NULL: nothing selected). */
static struct nc_server_reply *
rpc_text_reply(struct sim_dev *dev, const struct lyd_node *rpc, const char *text)
{
    if (!text) {
        return rpc_data_reply(rpc, NULL, NC_WD_EXPLICIT);
    }
    return rpc_text_reply_lent(dev, rpc, text);
}

void
sim_rpc_cache_free(struct sim_dev *dev)
{
    int i;

    for (i = 0; i < SIM_GETCFG_CACHE; i++) {
        nst_free(dev->getcfg[i].key);
        free(dev->getcfg[i].text);
        dev->getcfg[i].key = dev->getcfg[i].text = NULL;
    }
}

/* Which cache entry a new one replaces first: 0 unused, 1 stale (its datastore changed since),
 * 2 current. */
static int
rpc_cache_rank(const struct sim_dev *dev, const struct sim_getcfg_cache *e)
{
    return !e->key ? 0 : e->gen != sim_store_gen(dev, e->ds) ? 1 : 2;
}

/*
 * A filtered explicit-mode <get-config> of running or startup, the live diff's one RPC per
 * router: the reply's text is kept by datastore, datastore generation and the filter's key
 * (sim_filter_key(): the parts of the filter its expressions are built from), and the same
 * request on the same generation is answered with it, without building the expressions,
 * filtering (copies of every selected node with its ancestors) or printing. A generation
 * changes whenever the tree is replaced (sim_store_replace(): edits, copy-config,
 * delete-config, commit, confirmed-commit rollback), so an entry of an older generation
 * never matches again. SIM_GETCFG_CACHE entries per device; a new one takes an empty or
 * stale entry, else the least recently used.
 */
static struct nc_server_reply *
rpc_filtered_reply(struct sim_dev *dev, const struct lyd_node *rpc, const struct lyd_node *filter,
                   enum sim_ds ds)
{
    struct sim_getcfg_cache *e, *victim = NULL;
    struct nc_server_reply *err = NULL;
    struct lyd_node *result = NULL;
    struct sim_filter *f = NULL;
    unsigned long gen = sim_store_gen(dev, ds);
    const char *key;
    char *text, *kcopy;
    size_t keylen;
    int i;

    if (sim_filter_compile(dev, filter, &f, &err)) {
        return err;
    }
    key = sim_filter_key(f, &keylen);
    for (i = 0; i < SIM_GETCFG_CACHE; i++) {
        e = &dev->getcfg[i];
        if (e->key && e->ds == ds && e->gen == gen && e->keylen == keylen &&
            !memcmp(e->key, key, keylen)) {
            e->used = ++dev->getcfg_tick;
            sim_filter_free(f);
            return rpc_text_reply(dev, rpc, e->text);
        }
        if (!victim || rpc_cache_rank(dev, e) < rpc_cache_rank(dev, victim) ||
            (rpc_cache_rank(dev, e) == rpc_cache_rank(dev, victim) && e->used < victim->used)) {
            victim = e;
        }
    }
    if (sim_filter_eval(dev, f, dev->ds[ds], &result, &err)) {
        sim_filter_free(f);
        return err;
    }
    text = result ? rpc_data_text(result) : NULL;
    if (result && !text) {
        /* A tree rpc_data_text() leaves to libnetconf2: not kept. */
        sim_filter_free(f);
        return rpc_data_reply(rpc, result, NC_WD_EXPLICIT);
    }
    lyd_free_siblings(result);
    kcopy = nst_malloc(keylen + 1);
    if (kcopy) {
        memcpy(kcopy, key, keylen + 1);
        nst_free(victim->key);
        free(victim->text);
        victim->ds = ds;
        victim->gen = gen;
        victim->key = kcopy;
        victim->keylen = keylen;
        victim->text = text;
        victim->used = ++dev->getcfg_tick;
    }
    sim_filter_free(f);
    if (!kcopy) {
        free(text);
        return NULL;
    }
    return rpc_text_reply(dev, rpc, victim->text);
}

/* <get> and <get-config>: copy, add defaults, filter. */
static struct nc_server_reply *
rpc_get(struct sim_dev *dev, const struct lyd_node *rpc, int get)
{
    enum sim_ds ds = SIM_DS_RUNNING;
    struct lyd_node *data = NULL, *yl = NULL, *result = NULL;
    struct nc_server_reply *err = NULL;
    const struct lyd_node *filter;
    NC_WD_MODE wd;

    if (!get) {
        if (sim_rpc_ds(rpc, "source", &ds, NULL)) {
            return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                                 "unsupported source");
        }
        if (sim_rpc_ds_ok(dev, ds, &err)) {
            return err;
        }
    }
    filter = rpc_child(rpc, "filter");
    wd = rpc_wd(rpc);
    if (!get && !filter && wd == NC_WD_EXPLICIT && ds == SIM_DS_RUNNING) {
        return rpc_running_reply(dev, rpc);
    }
    if (!get && !filter && (wd == NC_WD_EXPLICIT || wd == NC_WD_TRIM)) {
        return rpc_data_reply_lent(dev, rpc, dev->ds[ds], wd);
    }
    /* Running and startup hold their defaults already: every way into them is a tree that
     * sim_store_validate() (or the startup load) validated, and libyang's validation adds
     * the implicit nodes, flagged LYD_DEFAULT as lyd_new_implicit_all() would. A filtered
     * <get-config> of either therefore filters the datastore itself (the filter copies what
     * it selects and changes nothing): no copy of the whole configuration and no walk of
     * every module of the device's schema, which were 23% of the simulator's CPU in a live
     * diff of 50 routers (docs/PERFORMANCE.md). */
    if (!get && filter && ds != SIM_DS_CANDIDATE && wd == NC_WD_EXPLICIT) {
        return rpc_filtered_reply(dev, rpc, filter, ds);
    }
    if (!get && filter && ds != SIM_DS_CANDIDATE) {
        if (sim_filter_apply(dev, filter, dev->ds[ds], &result, &err)) {
            return err;
        }
        return rpc_data_reply(rpc, result, wd);
    }
    data = sim_store_dup(dev->ds[ds]);
    if (dev->ds[ds] && !data) {
        return NULL;
    }
    /* Defaults are present so report-all works and a filter can select them; explicit and
     * trim printing hide them (libyang's lyd_node_should_print: a LYD_DEFAULT config node, or
     * an NP container holding only such nodes, is not printed), so an unfiltered
     * <get-config> in those modes prints the same without them. Adding them walks every
     * module of the device's schema: 13% of the simulator's CPU in a push. Only the
     * candidate can lack them (it is validated by <validate> and <commit>, not by edits). */
    if (ds == SIM_DS_CANDIDATE && (filter || (wd != NC_WD_EXPLICIT && wd != NC_WD_TRIM))) {
        lyd_new_implicit_all(&data, dev->ctx, LYD_IMPLICIT_NO_STATE, NULL);
    }
    if (get) {
        if (!ly_ctx_get_yanglib_data(dev->ctx, &yl, "%u", ly_ctx_get_change_count(dev->ctx))) {
            lyd_merge_siblings(&data, yl, LYD_MERGE_DESTRUCT);
        }
        if (sim_oper_merge(dev, &data, &err)) {
            lyd_free_siblings(data);
            return err;
        }
    }
    if (filter) {
        if (sim_filter_apply(dev, filter, data, &result, &err)) {
            lyd_free_siblings(data);
            return err;
        }
        lyd_free_siblings(data);
        data = result;
    }
    return rpc_data_reply(rpc, data, wd);
}

/* <edit-config>: the target and its lock are checked here, the edit itself is edit.c's. */
struct nc_server_reply *
sim_rpc_edit_config(struct sim_dev *dev, struct nc_session *session, struct lyd_node *rpc)
{
    struct sim_edit_req req = {0};
    struct nc_server_reply *err = NULL;
    struct lyd_node *c;
    const char *v;

    req.sid = nc_session_get_id(session);
    if (sim_rpc_ds(rpc, "target", &req.ds, NULL)) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unsupported target");
    }
    if (req.ds == SIM_DS_RUNNING && !(dev->cfg->prof.caps & SIM_CAP_WRITABLE_RUNNING)) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "running is not writable on this device (no :writable-running)");
    }
    if (sim_rpc_ds_ok(dev, req.ds, &err) || (err = sim_rpc_check_lock(dev, req.sid, req.ds))) {
        return err;
    }
    LY_LIST_FOR (lyd_child(rpc), c) {
        v = (c->schema && (c->schema->nodetype & LYD_NODE_TERM)) ? lyd_get_value(c) : NULL;
        if (!strcmp(ly_node_name(c), "default-operation") && v) {
            req.dflt_op = v;
        } else if (!strcmp(ly_node_name(c), "error-option") && v) {
            req.error_option = v;
        } else if (!strcmp(ly_node_name(c), "test-option") && v) {
            req.test_only = !strcmp(v, "test-only");
        } else if (!strcmp(ly_node_name(c), "config")) {
            req.config = req.config_take = c;
        }
    }
    if (!req.config) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "<url> is not supported; send <config>");
    }
    return sim_edit_run(dev, &req);
}

/* <copy-config>: a whole datastore (or the <config> given) replaces the target. */
struct nc_server_reply *
sim_rpc_copy_config(struct sim_dev *dev, struct nc_session *session, struct lyd_node *rpc)
{
    struct nc_server_reply *err = NULL;
    const struct lyd_node *config = NULL;
    struct lyd_node *tree = NULL, *cand;
    enum sim_ds tds, sds = SIM_DS_RUNNING;
    uint32_t sid = nc_session_get_id(session);
    int r;

    if (sim_rpc_ds(rpc, "target", &tds, NULL)) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unsupported target");
    }
    r = sim_rpc_ds(rpc, "source", &sds, &config);
    if (r < 0) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unsupported source");
    }
    if (tds == SIM_DS_RUNNING && !(dev->cfg->prof.caps & SIM_CAP_WRITABLE_RUNNING)) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "running is not writable on this device (no :writable-running)");
    }
    if (sim_rpc_ds_ok(dev, tds, &err) || (r == 0 && sim_rpc_ds_ok(dev, sds, &err)) ||
        (err = sim_rpc_check_lock(dev, sid, tds))) {
        return err;
    }
    if (r == 0 && sds == tds) {
        return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, NULL,
                             "source and target are the same datastore");
    }
    if (r == 1) {
        if (sim_edit_parse_config(dev, config, 1, &tree, &err)) {
            return err;
        }
    } else {
        tree = sim_store_dup(dev->ds[sds]);
        if (dev->ds[sds] && !tree) {
            return NULL;
        }
    }
    if (tds != SIM_DS_CANDIDATE && sim_store_validate(dev, &tree, &err)) {
        lyd_free_siblings(tree);
        return err;
    }
    sim_store_replace(dev, tds, tree);
    if (tds == SIM_DS_CANDIDATE) {
        dev->candidate_dirty = 1;
        dev->candidate_dirty_sid = sid;
    } else if (tds == SIM_DS_RUNNING && (dev->cfg->prof.caps & SIM_CAP_CANDIDATE) &&
               !dev->candidate_dirty) {
        cand = sim_store_dup(dev->ds[SIM_DS_RUNNING]);
        sim_store_replace(dev, SIM_DS_CANDIDATE, cand);
    }
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_lock(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc, int lock)
{
    enum sim_ds ds;
    struct nc_server_reply *err = NULL;
    char msg[128];
    uint32_t holder;

    if (sim_rpc_ds(rpc, "target", &ds, NULL)) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unsupported target");
    }
    if (sim_rpc_ds_ok(dev, ds, &err)) {
        return err;
    }
    if (!lock) {
        if (dev->lock[ds] != sid) {
            return sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, NULL,
                                 "the datastore is not locked by this session");
        }
        dev->lock[ds] = 0;
        return nc_server_reply_ok();
    }
    if (dev->lock[ds]) {
        snprintf(msg, sizeof msg, "lock held by session %u", dev->lock[ds]);
        return rpc_lock_denied(dev, dev->lock[ds], msg);
    }
    if (ds == SIM_DS_CANDIDATE && dev->candidate_dirty) {
        holder = sim_dev_find_session(dev, dev->candidate_dirty_sid) ? dev->candidate_dirty_sid : 0;
        return rpc_lock_denied(dev, holder,
                               "the candidate has uncommitted changes; <discard-changes> first");
    }
    if (ds == SIM_DS_RUNNING && dev->cc.pending && dev->cc.owner != sid) {
        return rpc_lock_denied(dev, dev->cc.owner, "a confirmed commit is pending");
    }
    dev->lock[ds] = sid;
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_discard(struct sim_dev *dev, uint32_t sid)
{
    struct nc_server_reply *err;
    struct lyd_node *cand;

    err = sim_rpc_check_lock(dev, sid, SIM_DS_CANDIDATE);
    if (err) {
        return err;
    }
    if (dev->cand_gen == dev->sync_cand_gen && dev->run_gen == dev->sync_run_gen) {
        /* Neither tree was replaced since the candidate was made a copy of running (every
         * change goes through sim_store_replace()): nothing to discard, nothing to copy. */
        dev->candidate_dirty = 0;
        return nc_server_reply_ok();
    }
    cand = sim_store_dup(dev->ds[SIM_DS_RUNNING]);
    if (dev->ds[SIM_DS_RUNNING] && !cand) {
        return NULL;
    }
    sim_store_replace(dev, SIM_DS_CANDIDATE, cand);
    dev->sync_cand_gen = dev->cand_gen;
    dev->sync_run_gen = dev->run_gen;
    dev->candidate_dirty = 0;
    return nc_server_reply_ok();
}

/* Validate a datastore or an inline <config>. */
static struct nc_server_reply *
rpc_validate(struct sim_dev *dev, const struct lyd_node *rpc)
{
    enum sim_ds ds = SIM_DS_CANDIDATE;
    const struct lyd_node *config = NULL;
    struct lyd_node *tree = NULL;
    struct nc_server_reply *err = NULL;
    int r;

    r = sim_rpc_ds(rpc, "source", &ds, &config);
    if (r < 0) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "unsupported source");
    }
    if (r == 1) {
        if (sim_edit_parse_config(dev, config, 1, &tree, &err)) {
            return err;
        }
    } else {
        if (sim_rpc_ds_ok(dev, ds, &err)) {
            return err;
        }
        tree = sim_store_dup(dev->ds[ds]);
        if (dev->ds[ds] && !tree) {
            return NULL;
        }
    }
    if (sim_store_validate(dev, &tree, &err)) {
        lyd_free_siblings(tree);
        return err;
    }
    if (r != 1 && ds == SIM_DS_CANDIDATE) {
        /* Kept for the <commit> that usually follows (rpc_commit). */
        lyd_free_siblings(dev->cand_valid);
        dev->cand_valid = tree;
        dev->cand_valid_gen = dev->cand_gen;
        return nc_server_reply_ok();
    }
    lyd_free_siblings(tree);
    return nc_server_reply_ok();
}

/* Whether a reject-commit fault is in force (it needs to see what the commit changes). */
static int
rpc_commit_faults(const struct sim_dev *dev)
{
    int i;

    for (i = 0; i < dev->faults.n; i++) {
        if (dev->faults.v[i].kind == SIM_FAULT_REJECT_COMMIT) {
            return 1;
        }
    }
    return 0;
}

static int
rpc_mono_add(struct timespec *ts, uint32_t seconds)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += seconds;
    return 0;
}

static struct nc_server_reply *
rpc_commit(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc)
{
    const struct sim_profile *prof = &dev->cfg->prof;
    struct nc_server_reply *err = NULL;
    struct lyd_node *tree = NULL, *diff = NULL, *ferr, *cand;
    const char *persist, *persist_id, *tmo;
    int confirmed, unchanged, keep;
    uint32_t timeout = 600;
    char *end;
    unsigned long v;

    confirmed = rpc_child(rpc, "confirmed") != NULL;
    persist = rpc_value(rpc, "persist");
    persist_id = rpc_value(rpc, "persist-id");
    tmo = rpc_value(rpc, "confirm-timeout");

    if (prof->confirmed == SIM_CC_10 && (persist || persist_id)) {
        ferr = sim_err_elem(dev, NC_ERR_UNKNOWN_ELEM, persist ? "persist" : "persist-id", NULL,
                            "/ietf-netconf:commit", ":confirmed-commit:1.0 has no persist");
        return ferr ? nc_server_reply_err(ferr) : NULL;
    }
    if (tmo) {
        errno = 0;
        v = strtoul(tmo, &end, 10);
        if (errno || *end || !v || v > UINT32_MAX) {
            return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                                 "/ietf-netconf:commit/confirm-timeout", "invalid confirm-timeout");
        }
        timeout = (uint32_t)v;
    }
    if ((err = sim_rpc_check_lock(dev, sid, SIM_DS_RUNNING)) ||
        (err = sim_rpc_check_lock(dev, sid, SIM_DS_CANDIDATE))) {
        return err;
    }

    /* Who may confirm or extend a pending confirmed commit. */
    if (dev->cc.pending) {
        if (dev->cc.persist) {
            if (!persist_id || strcmp(persist_id, dev->cc.persist)) {
                return sim_reply_err(
                    dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                    "/ietf-netconf:commit/persist-id",
                    persist_id ? "persist-id does not match the pending confirmed commit"
                               : "a persistent confirmed commit is pending: persist-id required");
            }
        } else if (prof->confirmed == SIM_CC_11 && dev->cc.owner != sid) {
            return sim_reply_err(dev, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, NULL,
                                 "a confirmed commit of another session is pending");
        }
    } else if (persist_id) {
        return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                             "/ietf-netconf:commit/persist-id",
                             "no persistent confirmed commit is pending");
    }

    /* Faults see what the commit would change. Without them the difference matters only to
     * a commit that starts no confirmed commit (keep, below): a confirmed commit that starts
     * one stores the candidate whatever it holds, so it does not compare the two trees. */
    unchanged = 0;
    if (!rpc_commit_faults(dev) && dev->cand_gen == dev->sync_cand_gen &&
        dev->run_gen == dev->sync_run_gen) {
        /* Neither tree was replaced since the candidate was made a copy of running (the
         * confirming commit of a push, rpc_discard): no difference to compute. */
        unchanged = 1;
    } else if (rpc_commit_faults(dev) || !confirmed || dev->cc.pending) {
        if (lyd_diff_siblings(dev->ds[SIM_DS_RUNNING], dev->ds[SIM_DS_CANDIDATE], 0, &diff)) {
            return NULL;
        }
        ferr = sim_fault_reject(dev, SIM_FAULT_REJECT_COMMIT, diff);
        unchanged = diff == NULL;
        lyd_free_siblings(diff);
        if (ferr) {
            return nc_server_reply_err(ferr);
        }
    }

    /* A commit that changes nothing and starts no confirmed commit (the confirming commit
     * of a confirmed commit) leaves running and its file as they are: the candidate equals
     * running, and every way into running validated it (commit, edit and copy of running,
     * the startup load). That was a validation, two copies and a dump of the whole
     * configuration per push. */
    keep = unchanged && (!confirmed || dev->cc.pending);
    if (!keep && dev->cand_valid && dev->cand_valid_gen == dev->cand_gen) {
        /* <validate> validated this very candidate: take its tree (same result as below). */
        tree = dev->cand_valid;
        dev->cand_valid = NULL;
    } else if (!keep) {
        tree = sim_store_dup(dev->ds[SIM_DS_CANDIDATE]);
        if (dev->ds[SIM_DS_CANDIDATE] && !tree) {
            return NULL;
        }
        if (sim_store_validate(dev, &tree, &err)) {
            lyd_free_siblings(tree);
            return err;
        }
    }

    if (confirmed) {
        if (!dev->cc.pending) {
            dev->cc.backup = dev->ds[SIM_DS_RUNNING];
            dev->ds[SIM_DS_RUNNING] = NULL;
            dev->cc.pending = 1;
        }
        dev->cc.owner = sid;
        if (persist) {
            nst_free(dev->cc.persist);
            dev->cc.persist = nst_strdup(persist);
        }
        rpc_mono_add(&dev->cc.deadline, timeout);
    } else if (dev->cc.pending) {
        lyd_free_siblings(dev->cc.backup);
        dev->cc.backup = NULL;
        dev->cc.pending = 0;
        nst_free(dev->cc.persist);
        dev->cc.persist = NULL;
        sim_log(dev, sid, "event=confirmed-commit-confirmed -> ok");
    }
    if (!keep) {
        cand = sim_store_dup(tree);
        sim_store_replace(dev, SIM_DS_RUNNING, tree);
        sim_store_replace(dev, SIM_DS_CANDIDATE, cand);
        if (cand || !tree) {
            dev->sync_cand_gen = dev->cand_gen;
            dev->sync_run_gen = dev->run_gen;
        }
    }
    dev->candidate_dirty = 0;
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_cancel_commit(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc)
{
    const char *persist_id = rpc_value(rpc, "persist-id");
    char why[48];

    if (dev->cfg->prof.confirmed != SIM_CC_11) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "<cancel-commit> needs :confirmed-commit:1.1");
    }
    if (!dev->cc.pending) {
        return sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "no confirmed commit is pending");
    }
    if (dev->cc.persist) {
        if (!persist_id || strcmp(persist_id, dev->cc.persist)) {
            return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                                 "/ietf-netconf:cancel-commit/persist-id",
                                 "persist-id does not match the pending confirmed commit");
        }
    } else if (persist_id) {
        return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                             "/ietf-netconf:cancel-commit/persist-id",
                             "the pending confirmed commit has no persist token");
    } else if (dev->cc.owner != sid) {
        return sim_reply_err(dev, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, NULL,
                             "a confirmed commit of another session is pending");
    }
    snprintf(why, sizeof why, "cancel-commit-by-session-%u", sid);
    sim_dev_rollback_cc(dev, why);
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_delete_config(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc)
{
    enum sim_ds ds;
    struct nc_server_reply *err = NULL;

    if (sim_rpc_ds(rpc, "target", &ds, NULL) || ds != SIM_DS_STARTUP) {
        return sim_reply_err(dev, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, NULL,
                             "only <startup/> can be deleted");
    }
    if (sim_rpc_ds_ok(dev, ds, &err) || (err = sim_rpc_check_lock(dev, sid, ds))) {
        return err;
    }
    sim_store_replace(dev, ds, NULL);
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_kill_session(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc)
{
    const char *v = rpc_value(rpc, "session-id");
    struct nc_session *victim;
    unsigned long id = v ? strtoul(v, NULL, 10) : 0;

    if (id == sid) {
        return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, NULL,
                             "a session cannot kill itself; use <close-session>");
    }
    victim = sim_dev_find_session(dev, (uint32_t)id);
    if (!victim) {
        return sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, NULL,
                             "no such session");
    }
    /* Locks and a pending confirmed commit are released now; the loop frees the session. */
    sim_dev_session_cleanup(dev, victim);
    nc_session_set_term_reason(victim, NC_SESSION_TERM_KILLED);
    nc_session_set_killed_by(victim, sid);
    nc_session_set_status(victim, NC_STATUS_INVALID);
    return nc_server_reply_ok();
}

/*
 * <get-schema> replies by module (or submodule) and format, kept for the device's life: the
 * text escaped as libyang escapes a string anyxml value when it prints one (& < > only,
 * printer_xml.c and xml.c, lyxml_dump_text), so the reply is sent as an XML value, one
 * string, instead of one output callback per character. Every connect of libnetconf2 2.0.24
 * asks for ietf-datastores (twice for some profiles).
 */
#define RPC_SCHEMA_CACHE 16
static struct {
    const void *mod;
    LYS_OUTFORMAT fmt;
    char *xml;
} rpc_schema_cache[RPC_SCHEMA_CACHE];

static char *
rpc_xml_escape(const char *text)
{
    size_t n = 0;
    const char *s;
    char *out, *o;

    for (s = text; *s; s++) {
        n += *s == '&' ? 5 : (*s == '<' || *s == '>') ? 4 : 1;
    }
    out = malloc(n + 1);
    if (!out) {
        return NULL;
    }
    for (s = text, o = out; *s; s++) {
        if (*s == '&') {
            memcpy(o, "&amp;", 5);
            o += 5;
        } else if (*s == '<' || *s == '>') {
            memcpy(o, *s == '<' ? "&lt;" : "&gt;", 4);
            o += 4;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* The escaped text of @p mod or @p submod in @p fmt, printed at the first request. */
static const char *
rpc_schema_text(const struct lys_module *mod, const struct lysp_submodule *submod,
                LYS_OUTFORMAT fmt)
{
    const void *key = mod ? (const void *)mod : (const void *)submod;
    struct ly_out *lyout = NULL;
    char *text = NULL, *xml;
    int i;

    for (i = 0; i < RPC_SCHEMA_CACHE && rpc_schema_cache[i].xml; i++) {
        if (rpc_schema_cache[i].mod == key && rpc_schema_cache[i].fmt == fmt) {
            return rpc_schema_cache[i].xml;
        }
    }
    if (mod) {
        lys_print_mem(&text, mod, fmt, 0);
    } else if (!ly_out_new_memory(&text, 0, &lyout)) {
        lys_print_submodule(lyout, submod, fmt, 0, 0);
        ly_out_free(lyout, NULL, 0);
    }
    if (!text) {
        return NULL;
    }
    xml = rpc_xml_escape(text);
    free(text);
    if (xml && i < RPC_SCHEMA_CACHE) {
        rpc_schema_cache[i].mod = key;
        rpc_schema_cache[i].fmt = fmt;
        rpc_schema_cache[i].xml = xml;
    }
    return xml;
}

struct nc_server_reply *
sim_rpc_get_schema(struct lyd_node *rpc, struct nc_session *session)
{
    struct sim_dev *dev = sim_dev_get();
    const char *id, *version, *format;
    const struct lys_module *mod = NULL;
    const struct lysp_submodule *submod = NULL;
    const char *text = NULL;
    LYS_OUTFORMAT fmt = LYS_OUT_YANG;
    struct nc_server_reply *reply = NULL;

    sim_rpc_release_lent(dev);
    dev->nrpc++;
    dev->result[0] = '\0';
    sim_log_xml(dev, nc_session_get_id(session), rpc);
    id = rpc_value(rpc, "identifier");
    version = rpc_value(rpc, "version");
    format = rpc_value(rpc, "format");
    if (version && !version[0]) {
        version = NULL;
    }
    if (format && strstr(format, "yin")) {
        fmt = LYS_OUT_YIN;
    } else if (format && !strstr(format, "yang")) {
        reply = sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, NULL,
                              "unsupported schema format");
        goto cleanup;
    }
    mod = version ? ly_ctx_get_module(dev->ctx, id, version)
                  : ly_ctx_get_module_implemented(dev->ctx, id);
    if (!mod && !version) {
        mod = ly_ctx_get_module_latest(dev->ctx, id);
    }
    if (!mod) {
        submod = ly_ctx_get_submodule(dev->ctx, id, version);
    }
    if (!mod && !submod) {
        reply = sim_reply_err(dev, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, NULL,
                              "the requested schema was not found");
        goto cleanup;
    }
    text = rpc_schema_text(mod, submod, fmt);
    if (text) {
        reply = rpc_text_reply_lent(dev, rpc, text);
    }

cleanup:
    sim_log(dev, nc_session_get_id(session), "rpc=get-schema identifier=%s version=%s -> %s%s",
            id ? id : "", version ? version : "", dev->result[0] ? "error " : "ok", dev->result);
    return reply;
}

/* " config=interfaces,routing": the top-level elements of an inline <config>. */
static int
rpc_summary_config(const struct lyd_node *config, char *buf, size_t size)
{
    const struct lyd_node_any *any = (const struct lyd_node_any *)config;
    const struct lyd_node *n;
    size_t len;
    int w, first = 1;

    w = snprintf(buf, size, " config");
    if (w < 0 || (size_t)w >= size || any->value_type != LYD_ANYDATA_DATATREE) {
        return w;
    }
    len = (size_t)w;
    LY_LIST_FOR (any->value.tree, n) {
        w = snprintf(buf + len, size - len, "%c%s", first ? '=' : ',', ly_node_name(n));
        if (w < 0 || (size_t)w >= size - len) {
            break;
        }
        len += (size_t)w;
        first = 0;
    }
    return (int)len;
}

/* "param=value ..." of the RPC's input, for the log line. */
static void
rpc_summary(const struct lyd_node *rpc, char *buf, size_t size)
{
    struct lyd_node *c;
    struct lyd_meta *m;
    size_t len = 0;
    int w;

    buf[0] = '\0';
    LY_LIST_FOR (lyd_child(rpc), c) {
        if (len >= size) {
            break;
        }
        if (c->schema && (c->schema->nodetype & LYD_NODE_TERM)) {
            w = snprintf(buf + len, size - len, " %s=%s", ly_node_name(c), lyd_get_value(c));
        } else if (c->schema && c->schema->nodetype == LYS_CONTAINER && lyd_child(c)) {
            w = snprintf(buf + len, size - len, " %s=%s", ly_node_name(c),
                         ly_node_name(lyd_child(c)));
        } else if (!strcmp(ly_node_name(c), "filter")) {
            m = lyd_find_meta(c->meta, NULL, "ietf-netconf:type");
            w = snprintf(buf + len, size - len, " filter=%s",
                         m ? lyd_get_meta_value(m) : "subtree");
        } else if (!strcmp(ly_node_name(c), "config") && c->schema &&
                   (c->schema->nodetype & LYS_ANYDATA)) {
            w = rpc_summary_config(c, buf + len, size - len);
        } else {
            w = snprintf(buf + len, size - len, " %s", ly_node_name(c));
        }
        if (w < 0) {
            break;
        }
        len += (size_t)w;
    }
}

static void
rpc_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

struct nc_server_reply *
sim_rpc_dispatch(struct lyd_node *rpc, struct nc_session *session)
{
    struct sim_dev *dev = sim_dev_get();
    struct sim_sess *ss = nc_session_get_data(session);
    uint32_t sid = nc_session_get_id(session);
    const char *name = ly_node_name(rpc), *pseudo = NULL;
    const struct sim_fault *drop;
    struct nc_server_reply *reply = NULL;
    char summary[384];
    unsigned ms;

    sim_rpc_release_lent(dev);
    dev->nrpc++;
    dev->result[0] = '\0';
    sim_faults_check(dev);
    sim_log_xml(dev, sid, rpc);
    rpc_summary(rpc, summary, sizeof summary);
    if (!strcmp(name, "commit")) {
        if (rpc_child(rpc, "confirmed")) {
            pseudo = "confirmed-commit";
        } else if (dev->cc.pending) {
            pseudo = "confirming-commit";
        }
    }

    ms = sim_fault_delay(dev, name, pseudo);
    if (ms) {
        sim_log(dev, sid, "event=fault kind=delay ms=%u rpc=%s -> fired", ms, name);
        rpc_sleep_ms(ms);
    }
    drop = sim_fault_drop(dev, name, pseudo);
    if (drop && !drop->after) {
        sim_log(dev, sid, "rpc=%s%s -> dropped (fault line %d, before processing)", name, summary,
                drop->line);
        goto drop_session;
    }

    if (!strcmp(name, "get")) {
        reply = rpc_get(dev, rpc, 1);
    } else if (!strcmp(name, "get-config")) {
        reply = rpc_get(dev, rpc, 0);
    } else if (!strcmp(name, "edit-config")) {
        reply = sim_rpc_edit_config(dev, session, rpc);
    } else if (!strcmp(name, "copy-config")) {
        reply = sim_rpc_copy_config(dev, session, rpc);
    } else if (!strcmp(name, "delete-config")) {
        reply = rpc_delete_config(dev, sid, rpc);
    } else if (!strcmp(name, "lock")) {
        reply = rpc_lock(dev, sid, rpc, 1);
    } else if (!strcmp(name, "unlock")) {
        reply = rpc_lock(dev, sid, rpc, 0);
    } else if (!strcmp(name, "commit")) {
        reply = rpc_commit(dev, sid, rpc);
    } else if (!strcmp(name, "cancel-commit")) {
        reply = rpc_cancel_commit(dev, sid, rpc);
    } else if (!strcmp(name, "discard-changes")) {
        reply = rpc_discard(dev, sid);
    } else if (!strcmp(name, "validate")) {
        reply = rpc_validate(dev, rpc);
    } else if (!strcmp(name, "kill-session")) {
        reply = rpc_kill_session(dev, sid, rpc);
    } else if (!strcmp(name, "close-session")) {
        /* libnetconf2 sends the reply, then ends the session because a reason is set. */
        nc_session_set_term_reason(session, NC_SESSION_TERM_CLOSED);
        reply = nc_server_reply_ok();
    } else {
        /* A vendor RPC from the device's models: a canned reply, if the test provided one. */
        reply = sim_oper_rpc_reply(dev, rpc);
    }
    if (!reply) {
        reply = sim_reply_err(dev, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, NULL,
                              "netsim internal error (out of memory?)");
    }
    sim_log(dev, sid, "rpc=%s%s -> %s%s", name, summary, dev->result[0] ? "error " : "ok",
            dev->result);
    if (!drop) {
        /* A `reply` fault rewrites the reply on its way out (hostile.c); otherwise it
         * leaves in whole segments (sim_uncork()). */
        dev->cork_reply = 1;
        sim_hostile_arm(dev, name, pseudo, sid);
        return reply;
    }
    sim_log(dev, sid, "event=fault kind=drop-session line=%d rpc=%s -> dropped after processing",
            drop->line, name);

drop_session:
    /* No reply reaches the client: libnetconf2 does not write to an invalid session, and the
     * poll loop then frees it, which closes the SSH connection. */
    if (ss) {
        ss->drop = 1;
    }
    nc_session_set_term_reason(session, NC_SESSION_TERM_DROPPED);
    nc_session_set_status(session, NC_STATUS_INVALID);
    if (!reply) {
        reply = nc_server_reply_ok();
    }
    return reply;
}
