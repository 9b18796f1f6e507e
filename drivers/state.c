/*
 * state.c: finding a driver's BGP state reader, and the helpers the readers share.
 *
 * Each vendor's reader (its request and its reply parser) sits at the end of the
 * vendor's driver file; this file only maps a driver name to it and offers the XML
 * walking every parser needs. The replies come from libnetconf2 as XML text (a <get>
 * reply's <data> is anydata, parsed with whatever schemas the device announced; the Junos
 * RPC's output with the session's junos-rpc-bgp). drv_state_check() checks every reply
 * against netstitch's own device models (yang/devices: the state parts of the vendor's
 * published modules, compared with them in yang/devices/README.md) with libyang: a value
 * not of its type (an unknown session-state, a count that is not a number), a list entry
 * without its key, a reply whose content holds none of the model's data (the right names
 * in another namespace): the reply does not fit, and the health check names that.
 * Elements the subsets lack are skipped, not refused: a real router's reply carries far
 * more than the state read needs. The parsers then read, with libxml2 by namespace and
 * local name, the tree libyang parsed printed back (drv_state_check_typed(): only the
 * model's nodes, canonical values; a Junos RPC's output as the session parsed it), and
 * refuse one that lacks what health needs (a neighbor without its address or a known
 * state). Prefix counts are kept per address family (IPv4 and IPv6 unicast,
 * drv_state_family()); received/accepted are their sums, which is what a session carrying
 * both families receives; advertised counts likewise (drv_state_advertised()). A neighbor
 * in a VRF (an L3VPN's PE-CE session) carries the VRF's name (drv_bgp_peer.vrf; the
 * vendor's name of the global table is "", drv_state_vrf_norm()), so the same address
 * in two tables is two neighbors.
 * Not here: deciding what is healthy (netconf/health.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libyang/libyang.h>

#include "alloc.h"
#include "ctx.h"
#include "driver.h"

const struct drv_state_ops *
drv_state_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    if (!strcmp(name, "junos")) {
        return &drv_junos_state;
    }
    if (!strcmp(name, "iosxr")) {
        return &drv_iosxr_state;
    }
    if (!strcmp(name, "sros")) {
        return &drv_sros_state;
    }
    if (!strcmp(name, "vrp")) {
        return &drv_vrp_state;
    }
    /* Arista EOS reports BGP state through the OpenConfig models (docs/vendors.md A.8). */
    if (!strcmp(name, "openconfig") || !strcmp(name, "eos")) {
        return &drv_openconfig_state;
    }
    return NULL;
}

/* libyang's last error of @ctx as "message (at path)" into @buf. */
static void
drv_state_ly_err(const struct ly_ctx *ctx, char *buf, size_t len)
{
    const struct ly_err_item *e = NULL;

    /* The last error; stored warnings (XPath notes of the models) are not the reason. */
    for (const struct ly_err_item *i = ly_err_first(ctx); i; i = i->next) {
        if (i->level == LY_LLERR) {
            e = i;
        }
    }
    snprintf(buf, len, "%s%s%s%s", e && e->msg ? e->msg : "libyang refused it",
             e && e->path ? " (at " : "", e && e->path ? e->path : "", e && e->path ? ")" : "");
}

static nst_err
drv_state_models(const struct drv_state_ops *ops, const char *yang_dir, struct ly_ctx **out,
                 char *why, size_t whylen)
{
    struct ly_ctx *ctx = NULL;
    char dir[4096], ietf[4096];

    snprintf(dir, sizeof dir, "%s/devices/%s", yang_dir, ops->module_dir);
    snprintf(ietf, sizeof ietf, "%s/ietf", yang_dir);
    /* Referenced modules implemented: identities in values (oc-bgp-types:IPV4_UNICAST). */
    if (ly_ctx_new(dir, LY_CTX_REF_IMPLEMENTED | LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx)) {
        snprintf(why, whylen, "cannot make a YANG context for %s", dir);
        return NST_EENV;
    }
    ly_ctx_set_searchdir(ctx, ietf);
    for (const char *const *m = ops->models; *m; m++) {
        if (!ly_ctx_load_module(ctx, *m, NULL, NULL)) {
            char e[256];

            drv_state_ly_err(ctx, e, sizeof e);
            snprintf(why, whylen, "cannot load the device model %s from %s: %s", *m, dir, e);
            ly_ctx_destroy(ctx);
            return NST_EENV;
        }
    }
    ly_err_clean(ctx, NULL);
    *out = ctx;
    return NST_OK;
}

nst_err
drv_state_check(const struct drv_state_ops *ops, const char *yang_dir, struct ly_ctx **ctx,
                const char *xml, char *why, size_t whylen)
{
    return drv_state_check_typed(ops, yang_dir, ctx, xml, NULL, why, whylen);
}

nst_err
drv_state_check_typed(const struct drv_state_ops *ops, const char *yang_dir, struct ly_ctx **ctx,
                      const char *xml, char **typed, char *why, size_t whylen)
{
    struct lyd_node *tree = NULL;
    char e[512];
    int content;
    nst_err ret = NST_OK;

    if (!ops || !ops->models || !ops->module_dir || !yang_dir || !ctx || !xml) {
        snprintf(why, whylen, "no device model to check the reply against");
        return NST_EENV;
    }
    content = strchr(xml, '<') != NULL;
    ctx_ly_quiet();
    if (!*ctx && (ret = drv_state_models(ops, yang_dir, ctx, why, whylen))) {
        ctx_ly_restore();
        return ret;
    }
    ly_err_clean(*ctx, NULL);
    if (ops->kind == DRV_STATE_RPC) {
        /* The RPC's output was parsed by the session against junos-rpc-bgp (the device's
         * own when it announces it, else this one: sess_rpc_xml()), and libyang offers no
         * lenient parse of an RPC's output alone; here: it must be the model's data. */
        const struct lys_module *mod = ly_ctx_get_module_implemented(*ctx, ops->models[0]);
        xmlDocPtr doc = content ? drv_state_parse_xml(xml, e, sizeof e) : NULL;
        xmlNodePtr top = doc ? xmlDocGetRootElement(doc)->children : NULL;

        while (top && top->type != XML_ELEMENT_NODE) {
            top = top->next;
        }
        if (content && (!mod || !top || !top->ns || !top->ns->href ||
                        strcmp((const char *)top->ns->href, mod->ns))) {
            ret = NST_EINPUT;
        }
        if (doc) {
            xmlFreeDoc(doc);
        }
    } else if (lyd_parse_data_mem(*ctx, xml, LYD_XML, LYD_PARSE_ONLY, 0, &tree)) {
        ctx_ly_quiet();
        drv_state_ly_err(*ctx, e, sizeof e);
        snprintf(why, whylen, "the reply does not fit %s: %s", ops->models[0], e);
        ly_err_clean(*ctx, NULL);
        ctx_ly_restore();
        return NST_EINPUT;
    } else if (content) {
        /* Elements the subset lacks are skipped (a real router reports more than the state
         * read needs), but a reply with content must hold the model's data: the right
         * names in another namespace are not the model's. */
        int found = 0;

        for (struct lyd_node *top = tree; top && !found; top = top->next) {
            struct lyd_node *n;

            LYD_TREE_DFS_BEGIN(top, n)
            {
                if (n->schema && !strcmp(n->schema->module->name, ops->models[0])) {
                    found = 1;
                    break;
                }
                LYD_TREE_DFS_END(top, n);
            }
        }
        ret = found ? NST_OK : NST_EINPUT;
        /* What the reader gets: the tree as libyang parsed it, printed back (only the
         * model's nodes, values in their canonical form). */
        if (!ret && typed && lyd_print_mem(typed, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
            *typed = NULL;
            ret = NST_ENOMEM;
            snprintf(why, whylen, "out of memory");
        }
    }
    if (ret == NST_EINPUT) {
        snprintf(why, whylen,
                 "the reply does not fit %s: it holds none of the model's data (another "
                 "namespace?)",
                 ops->models[0]);
    }
    ctx_ly_quiet();
    ly_err_clean(*ctx, NULL);
    ctx_ly_restore();
    lyd_free_all(tree);
    return ret;
}

xmlDocPtr
drv_state_parse_xml(const char *xml, char *why, size_t whylen)
{
    size_t len = strlen(xml);
    char *buf = nst_malloc(len + 8);
    xmlDocPtr doc = NULL;

    if (!buf) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    memcpy(buf, "<r>", 3);
    memcpy(buf + 3, xml, len);
    memcpy(buf + 3 + len, "</r>", 5);
    doc = xmlReadMemory(buf, (int)(len + 7), "reply.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    nst_free(buf);
    if (!doc) {
        snprintf(why, whylen, "the reply is not well-formed XML");
    }
    return doc;
}

static int
drv_state_is(xmlNodePtr c, const char *ns, const char *name)
{
    return c->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *)c->name, name)) &&
           (!ns || (c->ns && c->ns->href && !strcmp((const char *)c->ns->href, ns)));
}

xmlNodePtr
drv_state_child(xmlNodePtr n, const char *ns, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (drv_state_is(c, ns, name)) {
            return c;
        }
    }
    return NULL;
}

xmlNodePtr
drv_state_next(xmlNodePtr n, const char *ns, const char *name)
{
    for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next) {
        if (drv_state_is(c, ns, name)) {
            return c;
        }
    }
    return NULL;
}

const char *
drv_state_text(xmlNodePtr n, const char *path, char *buf, size_t len)
{
    char p[256], *save = NULL, *tok;
    xmlChar *t;

    buf[0] = '\0';
    snprintf(p, sizeof p, "%s", path);
    for (tok = strtok_r(p, "/", &save); tok && n; tok = strtok_r(NULL, "/", &save)) {
        n = drv_state_child(n, NULL, tok);
    }
    if (n && (t = xmlNodeGetContent(n))) {
        const char *s = (const char *)t;
        size_t l;

        while (isspace((unsigned char)*s)) {
            s++;
        }
        snprintf(buf, len, "%s", s);
        for (l = strlen(buf); l && isspace((unsigned char)buf[l - 1]); l--) {
            buf[l - 1] = '\0';
        }
        xmlFree(t);
    }
    return buf;
}

long long
drv_state_num(const char *buf)
{
    char *end;
    long long v;

    if (!buf || !*buf || !isdigit((unsigned char)*buf)) {
        return -1;
    }
    v = strtoll(buf, &end, 10);
    return *end ? -1 : v;
}

nst_err
drv_state_add(struct drv_bgp_peer **peers, size_t *n, const struct drv_bgp_peer *p)
{
    struct drv_bgp_peer *v = nst_realloc(*peers, (*n + 1) * sizeof *v);

    if (!v) {
        return NST_ENOMEM;
    }
    v[(*n)++] = *p;
    *peers = v;
    return NST_OK;
}

struct drv_bgp_peer
drv_state_peer_unknown(void)
{
    struct drv_bgp_peer p = {.uptime_s = -1,
                             .received = -1,
                             .accepted = -1,
                             .fam_received = {-1, -1},
                             .fam_accepted = {-1, -1},
                             .advertised = -1,
                             .fam_advertised = {-1, -1}};

    return p;
}

void
drv_state_family(struct drv_bgp_peer *p, int af, long long received, long long accepted)
{
    if (af < 0 || af > 1) {
        return;
    }
    p->fam_received[af] = received;
    p->fam_accepted[af] = accepted;
    p->received = p->accepted = -1;
    for (int f = 0; f < 2; f++) {
        if (p->fam_received[f] >= 0) {
            p->received = (p->received > 0 ? p->received : 0) + p->fam_received[f];
        }
        if (p->fam_accepted[f] >= 0) {
            p->accepted = (p->accepted > 0 ? p->accepted : 0) + p->fam_accepted[f];
        }
    }
}

void
drv_state_advertised(struct drv_bgp_peer *p, int af, long long advertised)
{
    if (af < 0 || af > 1) {
        return;
    }
    p->fam_advertised[af] = advertised;
    p->advertised = -1;
    for (int f = 0; f < 2; f++) {
        if (p->fam_advertised[f] >= 0) {
            p->advertised = (p->advertised > 0 ? p->advertised : 0) + p->fam_advertised[f];
        }
    }
}

void
drv_state_vrf_norm(char *vrf)
{
    static const char *const global[] = {"default",  "master",      "Base",
                                         "_public_", "default-vrf", "DEFAULT"};

    for (size_t i = 0; i < sizeof global / sizeof global[0]; i++) {
        if (!strcmp(vrf, global[i])) {
            vrf[0] = '\0';
        }
    }
}
