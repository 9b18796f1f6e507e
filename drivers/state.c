/*
 * state.c: finding a driver's BGP state reader, and the helpers the readers share.
 *
 * Each vendor's reader (its request and its reply parser) sits at the end of the
 * vendor's driver file; this file only maps a driver name to it and offers the XML
 * walking every parser needs. The replies come from libnetconf2 as XML text (a <get>
 * reply's <data> is anydata, not checked against a schema; the Junos RPC's output is
 * parsed against the junos-rpc-bgp model); the parsers read them with libxml2, by
 * namespace and local name, and refuse a reply that lacks what the model says must be
 * there (a neighbor without its address or a known state). Prefix counts are kept per
 * address family (IPv4 and IPv6 unicast, drv_state_family()); received/accepted are their
 * sums, which is what a session carrying both families receives.
 * Not here: deciding what is healthy (netconf/health.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "alloc.h"
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
                             .fam_accepted = {-1, -1}};

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
