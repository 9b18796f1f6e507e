/*
 * state.c: finding a driver's BGP state reader, and the helpers the readers share.
 *
 * Each vendor's reader (its request and its reply parser) sits at the end of the
 * vendor's driver file; this file only maps a driver name to it and offers the XML
 * walking every parser needs. The replies come from libnetconf2 as XML text (a <get>
 * reply's <data> is anydata, not checked against a schema; the Junos RPC's output is
 * parsed against the junos-rpc-bgp model); the parsers read them with libxml2, by
 * namespace and local name, and refuse a reply that lacks what the model says must be
 * there (a neighbor without its address or a known state).
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
    struct lyd_node *tree = NULL, *op = NULL;
    struct ly_in *in = NULL;
    char *text = NULL, e[512];
    LY_ERR r;
    nst_err ret = NST_OK;

    if (!ops || !ops->models || !ops->module_dir || !yang_dir || !ctx || !xml) {
        snprintf(why, whylen, "no device model to check the reply against");
        return NST_EENV;
    }
    ctx_ly_quiet();
    if (!*ctx && (ret = drv_state_models(ops, yang_dir, ctx, why, whylen))) {
        ctx_ly_restore();
        return ret;
    }
    ly_err_clean(*ctx, NULL);
    if (ops->kind == DRV_STATE_RPC) {
        /* The output children, inside the RPC's element: parsed as its reply. */
        const struct lys_module *mod = ly_ctx_get_module_implemented(*ctx, ops->models[0]);

        text =
            mod ? nst_asprintf("<%s xmlns=\"%s\">%s</%s>", ops->op, mod->ns, xml, ops->op) : NULL;
        if (!text || ly_in_new_memory(text, &in)) {
            ctx_ly_restore();
            nst_free(text);
            snprintf(why, whylen, "out of memory");
            return NST_ENOMEM;
        }
        r = lyd_parse_op(*ctx, NULL, in, LYD_XML, LYD_TYPE_REPLY_YANG, &tree, &op);
        ly_in_free(in, 0);
    } else {
        r = lyd_parse_data_mem(*ctx, xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree);
    }
    ctx_ly_quiet();
    if (r) {
        drv_state_ly_err(*ctx, e, sizeof e);
        snprintf(why, whylen, "the reply does not fit %s: %s", ops->models[0], e);
        ret = NST_EINPUT;
    }
    ly_err_clean(*ctx, NULL);
    ctx_ly_restore();
    lyd_free_all(tree);
    nst_free(text);
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
