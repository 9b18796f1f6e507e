/*
 * lower.c: checked model -> per-device IR (see lower.h, docs/ir.md).
 *
 * For every connection, hop by hop:
 *   - a hop's end on a managed router becomes a sub-interface on that port, matching
 *     the hop's tags (an untagged hop uses the port itself, id 0), except on an MPLS
 *     core hop, whose frames are pseudowire traffic: the port is marked core;
 *   - the sub-interface is layer 3 where the router routes (a route stitch or a BGP
 *     session on that port), else layer 2, popping all its tags on ingress and pushing
 *     them back on egress (symmetric), so that every layer-2 join below is between
 *     untagged service frames and each side re-tags in its own encapsulation. That one
 *     rule expresses every stitch: the partner site's QinQ-to-QinQ translation is two
 *     sub-interfaces popping two tags each, joined locally;
 *   - layer-2 sub-interfaces of consecutive hops that meet at a router are joined by an
 *     <l2-stitch> (a local cross-connect), unless the router is a VPLS member there, in
 *     which case the sub-interface is the VPLS instance's attachment circuit;
 *   - VPLS members get the instance with pseudowire neighbours (the other members'
 *     router ids, LDP) or BGP auto-discovery (route target, VE id);
 *   - a multipoint VPN (netstitch-multipoint, lower_mp) gives each PE the same <vpls>,
 *     its attachment circuits as layer-2 sub-interfaces, full mesh or hub-and-spoke; a
 *     layer-3 one (kind l3vpn, lower_mp_l3) a <vrf> with routed sub-interfaces and an
 *     eBGP neighbour per site's router, and the prefix lists and policies of each;
 *   - BGP sessions become neighbours with an import and an export policy each, always
 *     (IOS-XR and SR OS pass nothing on eBGP without policy), backed by prefix lists;
 *     every session's local address is an address of its sub-interface (a second one
 *     on the same hop is a secondary address);
 *   - every prefix a device announces and does not learn by BGP is originated: an
 *     <originate> of its <bgp>, with the next hop toward the site's gateway node when
 *     the prefix sits behind one, else a discard route (docs/drivers.md §9).
 * Ports get their planned MTU from the checker; layer-3 sub-interfaces carry the
 * connection's IP MTU, which every template writes.
 *
 * Dual stack (revision 2026-12-06): a routed sub-interface takes one IPv4 and one IPv6
 * address (lower_l3_addresses: the sessions on the port, whatever their transport, plus
 * the IPv6 next hop of an IPv4 session carrying ipv6-unicast, then the segment end's own
 * addresses); a session has one <family> per address family it carries, each with its
 * own prefix lists and policies (the IPv4 ones keep the names NS-x-IN/OUT, the IPv6 ones
 * are NS-x-IN6/OUT6), and the knobs (lower_bgp_knobs) as attributes of the neighbour
 * and of its export and import policies.
 *
 * The document is built in model order, which is the input's order, so it is
 * deterministic; names derived here (policy names) are stable functions of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "alloc.h"
#include "check.h"
#include "driver.h"
#include "lower.h"
#include "model.h"
#include "service.h"

#define X(s) ((const xmlChar *)(s))

struct lw {
    struct nst_service *svc;
    const struct m_service *m;
    const struct chk_result *chk;
    xmlDocPtr doc;
    xmlNodePtr *devnode; /* per device index; NULL outside [lo, hi) */
    size_t lo, hi;       /* the devices lowered in this document (lower_service_range) */
    /* Per device (lower_originate): its BGP sessions in connection order (bgp,
     * model.h), and its segment ends in segment order (segment index * 2 + end),
     * end_of[end_at[i]] to end_of[end_at[i + 1] - 1]. Without them every
     * announced prefix looked through every session and segment of the service:
     * quadratic, a fifth of the lowering's instructions at 100 routers and half at
     * 1000 (docs/PERFORMANCE.md, round 5). */
    struct m_bgp_by_dev bgp;
    size_t *end_of;
    size_t *end_at;
    int oom;
};

/* Every helper takes a NULL node (a device outside the range lowered, or an earlier
 * allocation failure, which set oom already) and does nothing. */
static void
set_attr(struct lw *w, xmlNodePtr n, const char *name, const char *value)
{
    if (n && value && !xmlNewProp(n, X(name), X(value))) {
        w->oom = 1;
    }
}

static void
set_uattr(struct lw *w, xmlNodePtr n, const char *name, unsigned long value)
{
    char buf[32];

    snprintf(buf, sizeof buf, "%lu", value);
    set_attr(w, n, name, buf);
}

static xmlNodePtr
new_child(struct lw *w, xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = parent ? xmlNewChild(parent, NULL, X(name), NULL) : NULL;

    if (parent && !n) {
        w->oom = 1;
    }
    return n;
}

/* A text child: the value is escaped on output by construction. */
static void
text_child(struct lw *w, xmlNodePtr parent, const char *name, const char *value)
{
    if (parent && value && !xmlNewTextChild(parent, NULL, X(name), X(value))) {
        w->oom = 1;
    }
}

static xmlNodePtr
find_keyed(xmlNodePtr parent, const char *elem, const char *attr, const char *value)
{
    xmlNodePtr c;

    for (c = parent ? parent->children : NULL; c; c = c->next) {
        xmlChar *v;
        int eq;

        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, elem)) {
            continue;
        }
        v = xmlGetProp(c, X(attr));
        eq = v && !strcmp((const char *)v, value);
        xmlFree(v);
        if (eq) {
            return c;
        }
    }
    return NULL;
}

static size_t
dev_index(struct lw *w, const struct m_device *d)
{
    return (size_t)(d - w->m->devices);
}

/* Is @d outside the devices this document holds? Its work is skipped. */
static bool
skipped(struct lw *w, const struct m_device *d)
{
    size_t i = dev_index(w, d);

    return i < w->lo || i >= w->hi;
}

/* /intercloud/device/port: created on first use, with its MTU plan. */
static xmlNodePtr
port_node(struct lw *w, const struct m_port *p)
{
    xmlNodePtr dev, n;
    const struct chk_port *cp = &w->chk->ports[p->idx];

    if (skipped(w, p->dev)) {
        return NULL;
    }
    dev = w->devnode[dev_index(w, p->dev)];
    n = find_keyed(dev, "port", "name", p->name);
    if (n) {
        return n;
    }
    n = new_child(w, dev, "port");
    if (!n) {
        return NULL;
    }
    set_attr(w, n, "name", p->name);
    set_uattr(w, n, "mtu-before", p->mtu);
    if (p->shared) {
        /* A shared exchange port (netstitch-exchange): its MTU, description, tagging
         * mode and TPID are the exchange's; no mtu attribute, no description, and the
         * drivers and templates leave the port-level leaves out (check_shared.c). */
        set_attr(w, n, "shared", "true");
        set_attr(w, n, "mtu-change", "false");
        return n;
    }
    set_uattr(w, n, "mtu", cp->planned ? cp->planned : p->mtu);
    set_attr(w, n, "mtu-change", cp->planned ? "true" : "false");
    set_uattr(w, n, "mtu-needed", cp->needed ? cp->needed : p->mtu);
    text_child(w, n, "description", p->description);
    return n;
}

static const char *
tpid_str(enum m_tpid t)
{
    return model_tpid_str(t);
}

static unsigned long
attr_ul(xmlNodePtr n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, X(name)) : NULL;
    unsigned long r = v ? strtoul((const char *)v, NULL, 10) : 0;

    xmlFree(v);
    return r;
}

/* The sub-interface on @port whose match is @e's tags, or NULL. */
static xmlNodePtr
find_subif(xmlNodePtr port, const struct m_encap *e)
{
    unsigned tags = model_encap_tags(e);
    xmlNodePtr c, m;

    for (c = port ? port->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "subif")) {
            continue;
        }
        for (m = c->children; m && (m->type != XML_ELEMENT_NODE ||
                                    strcmp((const char *)m->name, "match")); m = m->next) {
        }
        if (m && attr_ul(m, "tags") == tags && (!tags || attr_ul(m, "outer") == e->outer) &&
            (tags < 2 || attr_ul(m, "inner") == e->inner)) {
            return c;
        }
    }
    return NULL;
}

/* A sub-interface id for @e on @port: its outer tag (0 untagged) when free, else the
 * first free id above the VLAN range (two QinQ hops sharing an S-tag). */
static unsigned long
subif_id(xmlNodePtr port, const struct m_encap *e)
{
    unsigned long id = model_encap_tags(e) ? e->outer : 0;
    char buf[32];

    snprintf(buf, sizeof buf, "%lu", id);
    if (!find_keyed(port, "subif", "id", buf)) {
        return id;
    }
    for (id = 4096;; id++) {
        snprintf(buf, sizeof buf, "%lu", id);
        if (!find_keyed(port, "subif", "id", buf)) {
            return id;
        }
    }
}

/*
 * A QinQ bundle's customer VLANs on its <match> (netstitch-qinq): @inner-list "2101-2105,2110"
 * as written, or @inner-any; @inner-low/@inner-high when it is one range (or all:
 * 1-4094), and @inner-tpid. @inner stays the lowest C-VLAN.
 */
static void
match_bundle(struct lw *w, xmlNodePtr m, const struct m_encap *e)
{
    char list[1024];
    size_t i, n = 0;

    set_attr(w, m, "bundle", "true");
    set_attr(w, m, "inner-tpid", tpid_str(e->inner_tpid ? e->inner_tpid : TPID_8100));
    if (e->all_cvlans) {
        set_attr(w, m, "inner-any", "true");
        set_uattr(w, m, "inner-low", 1);
        set_uattr(w, m, "inner-high", 4094);
        return;
    }
    list[0] = '\0';
    for (i = 0; i < e->ncvlans && n < sizeof list; i++) {
        const struct m_vlan_range *r = &e->cvlans[i];

        n += (size_t)(r->lo == r->hi
                          ? snprintf(list + n, sizeof list - n, "%s%u", i ? "," : "", r->lo)
                          : snprintf(list + n, sizeof list - n, "%s%u-%u", i ? "," : "", r->lo,
                                     r->hi));
    }
    set_attr(w, m, "inner-list", list);
    for (i = 0; list[i]; i++) {
        list[i] = list[i] == ',' ? ' ' : list[i];
    }
    set_attr(w, m, "inner-list-sp", list); /* Junos CLI: inner-list [ 2101-2105 2110 ] */
    if (e->ncvlans == 1) {
        set_uattr(w, m, "inner-low", e->cvlans[0].lo);
        set_uattr(w, m, "inner-high", e->cvlans[0].hi);
    }
    for (i = 0; i < e->ncvlans; i++) {
        xmlNodePtr c = new_child(w, m, "c-vlan");

        if (c) {
            set_uattr(w, c, "low", e->cvlans[i].lo);
            set_uattr(w, c, "high", e->cvlans[i].hi);
        }
    }
}

/* The sub-interface of hop @h on port @p (created with its match and rewrite). */
static xmlNodePtr
subif_node(struct lw *w, const struct m_conn *conn, const struct m_hop *h, const struct m_port *p,
           bool l3)
{
    xmlNodePtr port = port_node(w, p), n, m;
    unsigned tags = model_encap_tags(&h->encap);
    char desc[256];

    if (!port) {
        return NULL;
    }
    n = find_subif(port, &h->encap);
    if (n) {
        /* Two connections on one sub-interface (the same tags): it must carry the
         * smaller of their IP MTUs, or the larger one's packets reach a path that
         * cannot carry them. */
        if (conn->ip_mtu < attr_ul(n, "ip-mtu")) {
            char buf[32];

            snprintf(buf, sizeof buf, "%lu", (unsigned long)conn->ip_mtu);
            if (!xmlSetProp(n, X("ip-mtu"), X(buf))) {
                w->oom = 1;
            }
        }
        return n;
    }
    n = xmlNewNode(NULL, X("subif"));
    if (!n) {
        w->oom = 1;
        return NULL;
    }
    set_uattr(w, n, "id", subif_id(port, &h->encap));
    xmlAddChild(port, n);
    set_attr(w, n, "kind", l3 ? "l3" : "l2");
    set_attr(w, n, "connection", conn->name);
    set_uattr(w, n, "hop", h->seq);
    set_uattr(w, n, "ip-mtu", conn->ip_mtu);
    m = new_child(w, n, "match");
    if (m) {
        set_uattr(w, m, "tags", tags);
        if (tags) {
            set_uattr(w, m, "outer", h->encap.outer);
            set_attr(w, m, "tpid", tpid_str(h->encap.tpid));
        }
        if (tags == 2) {
            set_uattr(w, m, "inner", h->encap.inner);
        }
        if (h->encap.bundle) {
            match_bundle(w, m, &h->encap);
        }
    }
    if (!l3 && tags) {
        m = new_child(w, n, "rewrite");
        if (m) {
            /* A QinQ bundle pops only its S-tag: the customer VLANs pass through. */
            set_uattr(w, m, "pop", h->encap.bundle ? 1 : tags);
            set_attr(w, m, "symmetric", "true");
        }
    }
    snprintf(desc, sizeof desc, "netstitch %s hop %u (%s)", conn->name, h->seq, h->seg->name);
    text_child(w, n, "description", desc);
    return n;
}

/* An attachment-circuit reference to the sub-interface of hop @h on port @p. */
static void
ac_ref(struct lw *w, xmlNodePtr parent, const struct m_port *p, const struct m_hop *h)
{
    xmlNodePtr ac, sub = find_subif(port_node(w, p), &h->encap);

    if (!sub) {
        return;
    }
    ac = new_child(w, parent, "ac");
    if (ac) {
        set_attr(w, ac, "port", p->name);
        set_uattr(w, ac, "subif", attr_ul(sub, "id"));
        if (h->encap.bundle) {
            /* The customer VLANs ride the service tagged (netstitch-qinq). */
            set_attr(w, ac, "bundle", "true");
        }
    }
}

static const struct m_stitch *
stitch_at(const struct m_conn *conn, const struct m_device *d, const struct m_hop *h,
          enum m_stitch_kind kind)
{
    size_t i;

    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (s->dev == d && s->kind == kind && (s->from == h || s->to == h)) {
            return s;
        }
    }
    return NULL;
}

static const struct m_bgp *
bgp_on(const struct m_conn *conn, const struct m_device *d, const struct m_port *p)
{
    size_t i;

    for (i = 0; i < conn->nbgp; i++) {
        if (conn->bgp[i].dev == d && conn->bgp[i].port == p) {
            return &conn->bgp[i];
        }
    }
    return NULL;
}

static const struct m_vpls_member *
vpls_member_at(const struct m_conn *conn, const struct m_device *d, const struct m_port *p,
               const struct m_vpls **vout)
{
    size_t i, j;

    for (i = 0; i < conn->nvpls; i++) {
        for (j = 0; j < conn->vpls[i].nmembers; j++) {
            if (conn->vpls[i].members[j].dev == d && conn->vpls[i].members[j].port == p) {
                *vout = &conn->vpls[i];
                return &conn->vpls[i].members[j];
            }
        }
    }
    return NULL;
}

/* Whether sub-interface @sub already has the IPv4 address @addr. */
static bool
has_ipv4(xmlNodePtr sub, const char *addr)
{
    return find_keyed(sub, "ipv4", "address", addr) != NULL;
}

/* An <ipv4> of @sub: the first one is the primary address, every further one is
 * marked secondary="true" (a second BGP session on the same sub-interface with a
 * local address of its own: issue 11, defect 9). An address already there is not
 * repeated. */
static void
add_ipv4(struct lw *w, xmlNodePtr sub, const char *addr, unsigned long len)
{
    bool secondary = drv_child(sub, "ipv4") != NULL;
    xmlNodePtr ip;

    if (addr && has_ipv4(sub, addr)) {
        return;
    }
    if (!addr && secondary) {
        return;
    }
    ip = new_child(w, sub, "ipv4");
    if (!ip || !addr) {
        return;
    }
    set_attr(w, ip, "address", addr);
    set_uattr(w, ip, "prefix-length", len);
    if (secondary) {
        set_attr(w, ip, "secondary", "true");
    }
}

/* An <ipv6> of @sub, as add_ipv4: the first is the primary address, further ones are
 * secondary="true" (an IPv6 session beside another one, or the IPv6 next hop of an IPv4
 * session beside the segment's own address). */
static void
add_ipv6(struct lw *w, xmlNodePtr sub, const char *addr, unsigned long len)
{
    bool secondary = drv_child(sub, "ipv6") != NULL;
    xmlNodePtr ip;

    if (!addr || find_keyed(sub, "ipv6", "address", addr)) {
        return;
    }
    ip = new_child(w, sub, "ipv6");
    if (!ip) {
        return;
    }
    set_attr(w, ip, "address", addr);
    set_uattr(w, ip, "prefix-length", len);
    if (secondary) {
        set_attr(w, ip, "secondary", "true");
    }
}

/*
 * The addresses of a routed sub-interface: every session on the port whose hop this is
 * (its transport address in its family; the IPv6 next hop of an IPv4 session carrying
 * ipv6-unicast), then the segment end's own IPv4 and IPv6 addresses. An <ipv4/> without
 * address marks a routed interface whose IPv4 address the service does not give, as
 * before dual stack; <ipv6> only appears with an address. Sessions with BFD put their
 * timers on the sub-interface too, for vendors that keep them there (SR OS).
 */
static void
lower_l3_addresses(struct lw *w, const struct m_conn *conn, const struct m_hop *h,
                   const struct m_end *end, xmlNodePtr sub)
{
    size_t k;

    for (k = 0; k < conn->nbgp; k++) {
        const struct m_bgp *s = &conn->bgp[k];

        if (s->dev != end->dev || s->port != end->port ||
            chk_hop_at_port(conn, s->dev, s->port) != h) {
            continue;
        }
        if (s->local.af == M_AF_V6) {
            add_ipv6(w, sub, s->local_text, s->subnet.len);
        } else {
            add_ipv4(w, sub, s->local_text, s->subnet.len);
        }
        if ((s->afs & M_AFS_V6) && s->nh6_local_text && s->nh6_subnet.addr.af) {
            add_ipv6(w, sub, s->nh6_local_text, s->nh6_subnet.len);
        }
        if (s->bfd && !xmlHasProp(sub, X("bfd-interval"))) {
            set_uattr(w, sub, "bfd-interval", s->bfd_interval);
            set_uattr(w, sub, "bfd-multiplier", s->bfd_multiplier);
        }
    }
    if (end->has_addr && h->seg->has_subnet) {
        add_ipv4(w, sub, end->addr_text, h->seg->subnet.len);
    }
    if (end->has_addr6 && h->seg->has_subnet6) {
        add_ipv6(w, sub, end->addr6_text, h->seg->subnet6.len);
    }
    if (!drv_child(sub, "ipv4")) {
        add_ipv4(w, sub, NULL, 0);
    }
}

/* Sub-interfaces and their layer-3 addresses for every hop end on a managed router.
 * Every BGP session on the hop's port gets its local address configured on the
 * sub-interface: a neighbour whose local address is on no interface never comes up. */
static void
lower_hops(struct lw *w, const struct m_conn *conn)
{
    size_t i;
    int e;

    for (i = 0; i < conn->nhops; i++) {
        const struct m_hop *h = &conn->hops[i];

        for (e = 0; e < 2; e++) {
            const struct m_end *end = &h->seg->end[e];
            const struct m_bgp *b;
            xmlNodePtr sub;
            bool l3;

            if (!end->dev || !end->port) {
                continue;
            }
            if (h->encap.kind == ENCAP_VPLS) {
                xmlNodePtr port = port_node(w, end->port);

                if (port && !xmlSetProp(port, X("core"), X("true"))) {
                    w->oom = 1;
                }
                continue;
            }
            b = bgp_on(conn, end->dev, end->port);
            l3 = b || stitch_at(conn, end->dev, h, STITCH_ROUTE);
            sub = subif_node(w, conn, h, end->port, l3);
            if (!sub || !l3) {
                continue;
            }
            lower_l3_addresses(w, conn, h, end, sub);
        }
    }
}

/* Local layer-2 joins between consecutive hops at a router that is not a VPLS member
 * there and does not route. */
static void
lower_stitches(struct lw *w, const struct m_conn *conn)
{
    size_t i;

    for (i = 0; i + 1 < conn->nhops; i++) {
        const struct m_hop *a = &conn->hops[i], *b = &conn->hops[i + 1];
        const struct m_end *ea, *eb;
        const struct m_device *d = NULL;
        const struct m_vpls *v;
        xmlNodePtr st;
        char name[160];
        int x, y;

        if (a->encap.kind == ENCAP_VPLS || b->encap.kind == ENCAP_VPLS) {
            continue;
        }
        for (x = 0; x < 2 && !d; x++) {
            for (y = 0; y < 2 && !d; y++) {
                if (a->seg->end[x].dev && a->seg->end[x].dev == b->seg->end[y].dev) {
                    d = a->seg->end[x].dev;
                }
            }
        }
        if (!d || skipped(w, d) || stitch_at(conn, d, a, STITCH_ROUTE) ||
            stitch_at(conn, d, b, STITCH_ROUTE)) {
            continue;
        }
        ea = model_seg_end_on(a->seg, d);
        eb = model_seg_end_on(b->seg, d);
        if (vpls_member_at(conn, d, ea->port, &v) || vpls_member_at(conn, d, eb->port, &v) ||
            bgp_on(conn, d, ea->port) || bgp_on(conn, d, eb->port)) {
            continue;
        }
        st = new_child(w, w->devnode[dev_index(w, d)], "l2-stitch");
        if (!st) {
            continue;
        }
        snprintf(name, sizeof name, "%s-%u-%u", conn->name, a->seq, b->seq);
        set_attr(w, st, "name", name);
        set_attr(w, st, "connection", conn->name);
        /* A QinQ bundle's C-tag rides the service: 4 bytes more per frame. */
        set_uattr(w, st, "mtu", conn->ip_mtu + (a->encap.bundle ? 4u : 0u));
        ac_ref(w, st, ea->port, a);
        ac_ref(w, st, eb->port, b);
    }
}

/* Is @rd already the route distinguisher of another instance (VPLS or VRF) on @dev? */
static bool
rd_used(xmlNodePtr dev, const char *rd)
{
    xmlNodePtr c;

    for (c = dev ? dev->children : NULL; c; c = c->next) {
        xmlChar *v;
        bool eq;

        if (c->type != XML_ELEMENT_NODE ||
            (strcmp((const char *)c->name, "vpls") && strcmp((const char *)c->name, "vrf"))) {
            continue;
        }
        v = xmlGetProp(c, X("route-distinguisher"));
        eq = v && !strcmp((const char *)v, rd);
        xmlFree(v);
        if (eq) {
            return true;
        }
    }
    return false;
}

/* The route distinguisher of a BGP VPLS or a VRF on @d: router-id:(id mod 2^16), moved to the
 * next number the device's driver accepts (drv_ops.rd_number_ok) and unused on the device. */
static void
rd_choose(struct lw *w, const struct m_device *d, xmlNodePtr dev, uint32_t vpls_id, char *rd,
          size_t len)
{
    const char *rid = d->router_id ? d->router_id : "0.0.0.0";
    unsigned long n = vpls_id % 65536, tries;

    (void)w;
    for (tries = 0; tries < 65536; tries++) {
        snprintf(rd, len, "%s:%lu", rid, n);
        if ((!d->drv || !d->drv->rd_number_ok || d->drv->rd_number_ok(n)) && !rd_used(dev, rd)) {
            return;
        }
        n = n + 1 > 65535 ? 1 : n + 1;
    }
}

/* The largest VE id of a BGP-signalled instance: label blocks must cover it. */
static unsigned long
ve_max(const struct m_vpls *v)
{
    unsigned long max = 0, id;
    size_t j;

    for (j = 0; j < v->nmembers; j++) {
        id = v->members[j].ve_id ? v->members[j].ve_id : (unsigned long)(j + 1);
        if (id > max) {
            max = id;
        }
    }
    return max;
}

/* /intercloud/connection/vpls */
static void
lower_vpls(struct lw *w, const struct m_conn *conn)
{
    size_t i, j, k;

    for (i = 0; i < conn->nvpls; i++) {
        const struct m_vpls *v = &conn->vpls[i];

        for (j = 0; j < v->nmembers; j++) {
            const struct m_vpls_member *m = &v->members[j];
            const struct m_hop *h;
            xmlNodePtr n;
            char rd[64];

            if (!m->dev || !m->port || skipped(w, m->dev)) {
                continue;
            }
            n = new_child(w, w->devnode[dev_index(w, m->dev)], "vpls");
            if (!n) {
                continue;
            }
            set_attr(w, n, "name", v->name);
            set_attr(w, n, "connection", conn->name);
            set_attr(w, n, "signalling", v->signalling == SIG_BGP ? "bgp" : "ldp");
            set_uattr(w, n, "vpls-id", v->vpls_id);
            set_uattr(w, n, "mtu", conn->ip_mtu + (m->encap.bundle ? 4u : 0u));
            if (v->signalling == SIG_BGP) {
                set_attr(w, n, "route-target", v->route_target);
                rd_choose(w, m->dev, w->devnode[dev_index(w, m->dev)], v->vpls_id, rd,
                          sizeof rd);
                set_attr(w, n, "route-distinguisher", rd);
                set_uattr(w, n, "ve-id", m->ve_id ? m->ve_id : (unsigned long)(j + 1));
                set_uattr(w, n, "ve-max", ve_max(v));
            }
            h = chk_hop_at_port(conn, m->dev, m->port);
            if (h) {
                ac_ref(w, n, m->port, h);
            }
            if (v->signalling == SIG_LDP) {
                for (k = 0; k < v->nmembers; k++) {
                    xmlNodePtr nb;

                    if (k == j || !v->members[k].dev || !v->members[k].dev->router_id) {
                        continue;
                    }
                    nb = new_child(w, n, "neighbor");
                    if (!nb) {
                        continue;
                    }
                    set_attr(w, nb, "address", v->members[k].dev->router_id);
                    set_attr(w, nb, "device", v->members[k].dev->name);
                    set_uattr(w, nb, "pw-id", v->vpls_id);
                }
            }
        }
    }
}

/*
 * /intercloud/multipoint (netstitch-multipoint): a multipoint VPN becomes, on each PE, the
 * same <vpls> a connection's VPLS does, so every driver renders it on its VPLS path:
 *   - each attachment circuit is a layer-2 sub-interface of its port with the circuit's
 *     tags, popped on ingress and pushed back on egress (a bundle pops only its S-tag),
 *     as a connection's hop; hop is the circuit's position from 1;
 *   - one <vpls> per PE (a PE with two circuits has both as <ac>), named after the VPN;
 *   - LDP: a <neighbor> per other PE (full mesh), or spoke PEs toward the hub only and
 *     the hub toward every spoke, its neighbours marked spoke="true" (outside the
 *     split-horizon group: the hub forwards between spokes); BGP: the route target, a
 *     route distinguisher per PE and the VE id (the first circuit's on the PE: its ve-id,
 *     else its position from 1), as lower_vpls().
 */
static xmlNodePtr
mp_subif(struct lw *w, const struct m_mp *mp, size_t i)
{
    const struct m_mp_ac *a = &mp->acs[i];
    bool l3 = mp->kind == MP_L3VPN;
    xmlNodePtr port = port_node(w, a->port), n, m;
    unsigned tags = model_encap_tags(&a->encap);
    char desc[256];

    if (!port) {
        return NULL;
    }
    n = find_subif(port, &a->encap);
    if (n) {
        return n;
    }
    n = xmlNewNode(NULL, X("subif"));
    if (!n) {
        w->oom = 1;
        return NULL;
    }
    set_uattr(w, n, "id", subif_id(port, &a->encap));
    xmlAddChild(port, n);
    set_attr(w, n, "kind", l3 ? "l3" : "l2");
    set_attr(w, n, "connection", mp->name);
    set_uattr(w, n, "hop", i + 1);
    set_uattr(w, n, "ip-mtu", mp->ip_mtu);
    if (l3) {
        set_attr(w, n, "vrf", mp->name);
    }
    m = new_child(w, n, "match");
    if (m) {
        set_uattr(w, m, "tags", tags);
        if (tags) {
            set_uattr(w, m, "outer", a->encap.outer);
            set_attr(w, m, "tpid", tpid_str(a->encap.tpid));
        }
        if (tags == 2) {
            set_uattr(w, m, "inner", a->encap.inner);
        }
        if (a->encap.bundle) {
            match_bundle(w, m, &a->encap);
        }
    }
    if (tags && !l3) {
        m = new_child(w, n, "rewrite");
        if (m) {
            set_uattr(w, m, "pop", a->encap.bundle ? 1 : tags);
            set_attr(w, m, "symmetric", "true");
        }
    }
    if (l3) {
        /* Routed: the PE's address on the link to the CE; no rewrite. */
        add_ipv4(w, n, a->routing.pe_text, a->routing.subnet.len);
        if (a->routing.pe6_text && a->routing.ce6_text) {
            add_ipv6(w, n, a->routing.pe6_text, a->routing.subnet6.len); /* dual stack */
        }
    }
    snprintf(desc, sizeof desc, "netstitch %s attachment circuit %s (site %s)", mp->name, a->name,
             a->site ? a->site->name : "-");
    text_child(w, n, "description", desc);
    return n;
}

static void
mp_neighbor(struct lw *w, xmlNodePtr n, const struct m_mp *mp, const struct m_device *d, bool spoke)
{
    xmlNodePtr nb;

    if (!d->router_id || find_keyed(n, "neighbor", "device", d->name)) {
        return;
    }
    nb = new_child(w, n, "neighbor");
    if (!nb) {
        return;
    }
    set_attr(w, nb, "address", d->router_id);
    set_attr(w, nb, "device", d->name);
    set_uattr(w, nb, "pw-id", mp->vpls_id);
    if (spoke) {
        set_attr(w, nb, "spoke", "true");
    }
}

/* One <ac> in @n (a <vpls> or <vrf>) per attachment circuit of @mp on circuit @i's PE, from
 * @i on (the PE's first circuit), pointing at the circuit's <subif>; a QinQ bundle's is
 * marked bundle="true". */
static void
mp_acs(struct lw *w, xmlNodePtr n, const struct m_mp *mp, size_t i)
{
    const struct m_device *d = mp->acs[i].dev;

    for (size_t j = i; j < mp->nacs; j++) {
        xmlNodePtr sub, ac;

        if (mp->acs[j].dev != d) {
            continue;
        }
        sub = find_subif(port_node(w, mp->acs[j].port), &mp->acs[j].encap);
        ac = sub ? new_child(w, n, "ac") : NULL;
        if (ac) {
            set_attr(w, ac, "port", mp->acs[j].port->name);
            set_uattr(w, ac, "subif", attr_ul(sub, "id"));
            if (mp->acs[j].encap.bundle) {
                set_attr(w, ac, "bundle", "true");
            }
        }
    }
}

static void
lower_mp(struct lw *w, const struct m_mp *mp)
{
    const struct m_device *hub = NULL;
    bool bundle = false;
    size_t i, j, k;

    for (i = 0; i < mp->nacs; i++) {
        if (!mp->acs[i].dev || !mp->acs[i].port) {
            return;
        }
        bundle = bundle || mp->acs[i].encap.bundle;
        if (mp->topology == MP_HUB_AND_SPOKE && mp->acs[i].hub && !hub) {
            hub = mp->acs[i].dev;
        }
    }
    for (i = 0; i < mp->nacs; i++) {
        mp_subif(w, mp, i);
    }
    for (i = 0; i < mp->nacs; i++) {
        const struct m_device *d = mp->acs[i].dev;
        xmlNodePtr dev = w->devnode[dev_index(w, d)], n;
        bool first = true;
        char rd[64];

        for (j = 0; j < i && first; j++) {
            first = mp->acs[j].dev != d;
        }
        if (!first) {
            continue;
        }
        n = new_child(w, dev, "vpls");
        if (!n) {
            continue;
        }
        set_attr(w, n, "name", mp->name);
        set_attr(w, n, "connection", mp->name);
        set_attr(w, n, "signalling", mp->signalling == SIG_BGP ? "bgp" : "ldp");
        set_uattr(w, n, "vpls-id", mp->vpls_id);
        set_uattr(w, n, "mtu", mp->ip_mtu + (bundle ? 4u : 0u));
        if (mp->signalling == SIG_BGP) {
            set_attr(w, n, "route-target", mp->route_target);
            rd_choose(w, d, dev, mp->vpls_id, rd, sizeof rd);
            set_attr(w, n, "route-distinguisher", rd);
            set_uattr(w, n, "ve-id", mp->acs[i].ve_id ? mp->acs[i].ve_id : (unsigned long)(i + 1));
            set_uattr(w, n, "ve-max", ve_max(&mp->vpls));
        }
        mp_acs(w, n, mp, i);
        if (mp->signalling != SIG_LDP) {
            continue;
        }
        for (k = 0; k < mp->nacs; k++) {
            const struct m_device *o = mp->acs[k].dev;

            if (o == d) {
                continue;
            }
            if (!hub) {
                mp_neighbor(w, n, mp, o, false);
            } else if (d == hub) {
                mp_neighbor(w, n, mp, o, true);
            } else if (o == hub) {
                mp_neighbor(w, n, mp, o, false);
            }
        }
    }
}

/* The prefix list @name of the prefixes of family @af among @p. */
static void
prefix_list(struct lw *w, xmlNodePtr dev, const char *name, const struct m_prefix *p, size_t n,
            enum m_af af)
{
    xmlNodePtr pl = new_child(w, dev, "prefix-list");
    size_t i, k = 0;

    if (!pl) {
        return;
    }
    set_attr(w, pl, "name", name);
    set_attr(w, pl, "family", af == M_AF_V6 ? "ipv6" : "ipv4");
    for (i = 0; i < n; i++) {
        xmlNodePtr e;
        char addr[64];
        const char *slash = strchr(p[i].text, '/');
        size_t len = slash ? (size_t)(slash - p[i].text) : strlen(p[i].text);

        if (p[i].addr.af != af) {
            continue;
        }
        e = new_child(w, pl, "prefix");
        if (!e) {
            continue;
        }
        snprintf(addr, sizeof addr, "%.*s", (int)len, p[i].text);
        set_attr(w, e, "prefix", p[i].text);
        set_attr(w, e, "address", addr);
        set_uattr(w, e, "length", p[i].len);
        set_uattr(w, e, "seq", (unsigned long)(++k) * 10);
    }
}

/* Accept what the prefix list of the same name matches, reject the rest. */
static xmlNodePtr
policy(struct lw *w, xmlNodePtr dev, const char *name, const char *direction, enum m_af af)
{
    xmlNodePtr pol = new_child(w, dev, "policy");

    if (pol) {
        set_attr(w, pol, "name", name);
        set_attr(w, pol, "prefix-list", name);
        set_attr(w, pol, "direction", direction);
        set_attr(w, pol, "family", af == M_AF_V6 ? "ipv6" : "ipv4");
    }
    return pol;
}

/*
 * /intercloud/multipoint[kind='l3vpn'] (netstitch-multipoint): a layer-3 multipoint VPN
 * (RFC 4364) becomes, on each PE, one <vrf> named after the VPN:
 *   - each attachment circuit is a routed sub-interface of its port with the circuit's
 *     tags (no rewrite: the PE routes), vrf="VPN", the PE's address on the link to the
 *     CE, hop the circuit's position from 1;
 *   - the <vrf> has the VPN id, the route distinguisher ROUTER-ID:VPN-ID (rd_choose, as
 *     for a BGP VPLS), the one route target every PE imports and exports, the PE's AS
 *     and router id (for vendors whose VRF neighbours live in their one BGP instance);
 *     an <ac> per circuit on the PE and an eBGP <neighbor> per circuit toward its CE;
 *   - per circuit two prefix lists and policies, the existing elements: NS-VPN-AC-IN
 *     accepts the circuit's site's prefixes, NS-VPN-AC-OUT sends the CE the other sites'
 *     prefixes of the VPN (each site once, in circuit order).
 * The iBGP carrying VPN-IPv4 routes between the PEs is the backbone's and not lowered;
 * nothing goes into the device's global <bgp>. Each list holds one family: the IPv4
 * session's the sites' IPv4 prefixes, a dual-stack circuit's IPv6 session's their IPv6
 * prefixes (a site without IPv6 on its circuit: MP-L3-V6-NO-LINK).
 */
static void
mp_l3_lists(struct lw *w, xmlNodePtr dev, const struct m_mp *mp, size_t i, const char *in,
            const char *out, enum m_af af)
{
    const struct m_mp_ac *a = &mp->acs[i];
    struct m_prefix *others;
    size_t n = 0, j, k, cap = 0;

    for (j = 0; j < mp->nacs; j++) {
        cap += mp->acs[j].site ? mp->acs[j].site->nprefixes : 0;
    }
    others = nst_calloc(cap ? cap : 1, sizeof *others);
    if (!others) {
        w->oom = 1;
        return;
    }
    for (j = 0; j < mp->nacs; j++) {
        const struct m_site *s = mp->acs[j].site;
        bool seen = !s || s == a->site;

        for (k = 0; k < j && !seen; k++) {
            seen = mp->acs[k].site == s;
        }
        for (k = 0; !seen && k < s->nprefixes; k++) {
            others[n++] = s->prefixes[k];
        }
    }
    prefix_list(w, dev, in, a->site ? a->site->prefixes : NULL, a->site ? a->site->nprefixes : 0,
                af);
    prefix_list(w, dev, out, others, n, af);
    policy(w, dev, in, "import", af);
    policy(w, dev, out, "export", af);
    nst_free(others);
}

/* The eBGP neighbour of circuit @i toward its CE, in <vrf> @vrf, for family @af: the IPv4
 * session (NS-VPN-AC-IN/OUT), or on a dual-stack circuit the second one over IPv6
 * (name VPN-AC-6, NS-VPN-AC-IN6/OUT6, family ipv6-unicast): one session per family. */
static void
mp_l3_neighbor(struct lw *w, xmlNodePtr dev, xmlNodePtr vrf, const struct m_mp *mp, size_t i,
               enum m_af af)
{
    const struct m_mp_ac *a = &mp->acs[i];
    const struct m_mp_routing *r = &a->routing;
    const bool v6 = af == M_AF_V6;
    char name[160], in[192], out[192], desc[160];
    xmlNodePtr nb, fam;

    snprintf(name, sizeof name, "%s-%s%s", mp->name, a->name, v6 ? "-6" : "");
    snprintf(in, sizeof in, "NS-%s-%s-IN%s", mp->name, a->name, v6 ? "6" : "");
    snprintf(out, sizeof out, "NS-%s-%s-OUT%s", mp->name, a->name, v6 ? "6" : "");
    nb = new_child(w, vrf, "neighbor");
    if (!nb) {
        return;
    }
    set_attr(w, nb, "address", v6 ? r->ce6_text : r->ce_text);
    set_attr(w, nb, "name", name);
    set_attr(w, nb, "connection", mp->name);
    set_uattr(w, nb, "peer-as", r->ce_asn);
    set_attr(w, nb, "local-address", v6 ? r->pe6_text : r->pe_text);
    set_attr(w, nb, "import", in);
    set_attr(w, nb, "export", out);
    if (r->max_prefix) {
        set_uattr(w, nb, "max-prefix", r->max_prefix);
    }
    set_attr(w, nb, "auth-key-ref", r->auth_key_ref);
    set_attr(w, nb, "transport", v6 ? "ipv6" : "ipv4");
    fam = new_child(w, nb, "family");
    if (fam) {
        set_attr(w, fam, "name", v6 ? "ipv6-unicast" : "ipv4-unicast");
        set_attr(w, fam, "import", in);
        set_attr(w, fam, "export", out);
        if (r->max_prefix) {
            set_uattr(w, fam, "max-prefix", r->max_prefix);
            set_uattr(w, fam, "threshold", r->limit_threshold);
            set_uattr(w, fam, "restart", r->limit_restart);
        }
    }
    snprintf(desc, sizeof desc, "site %s (CE)%s", a->site ? a->site->name : a->name,
             v6 ? " IPv6" : "");
    text_child(w, nb, "description", desc);
    mp_l3_lists(w, dev, mp, i, in, out, af);
}

static void
lower_mp_l3(struct lw *w, const struct m_mp *mp)
{
    size_t i, j;

    for (i = 0; i < mp->nacs; i++) {
        if (!mp->acs[i].dev || !mp->acs[i].port || !mp->acs[i].routing.set) {
            return; /* unresolved or incomplete: the schema reported it */
        }
    }
    for (i = 0; i < mp->nacs; i++) {
        mp_subif(w, mp, i);
    }
    for (i = 0; i < mp->nacs; i++) {
        const struct m_device *d = mp->acs[i].dev;
        xmlNodePtr dev, n;
        bool first = true;
        char rd[64];

        for (j = 0; j < i && first; j++) {
            first = mp->acs[j].dev != d;
        }
        if (!first || skipped(w, d)) {
            continue;
        }
        dev = w->devnode[dev_index(w, d)];
        n = new_child(w, dev, "vrf");
        if (!n) {
            continue;
        }
        set_attr(w, n, "name", mp->name);
        set_attr(w, n, "connection", mp->name);
        set_uattr(w, n, "vpn-id", mp->vpn_id);
        rd_choose(w, d, dev, mp->vpn_id, rd, sizeof rd);
        set_attr(w, n, "route-distinguisher", rd);
        set_attr(w, n, "route-target", mp->route_target);
        if (d->asn) {
            set_uattr(w, n, "asn", d->asn);
        }
        set_attr(w, n, "router-id", d->router_id);
        mp_acs(w, n, mp, i);
        for (j = i; j < mp->nacs; j++) {
            if (mp->acs[j].dev == d) {
                mp_l3_neighbor(w, dev, n, mp, j, M_AF_V4);
            }
            if (mp->acs[j].dev == d && mp->acs[j].routing.pe6_text &&
                mp->acs[j].routing.ce6_text) {
                mp_l3_neighbor(w, dev, n, mp, j, M_AF_V6);
            }
        }
    }
}

/* One child per community; a match gets a name of its own (POLICY-M1, -M2, ... over
 * standard then large ones: vendors that match a named set need one set per value to
 * match any of them); *@k counts across calls. */
static void
community_children(struct lw *w, xmlNodePtr parent, const char *elem, const struct m_communities *c,
                   bool named, unsigned *k)
{
    xmlChar *pname = parent && named ? xmlGetProp(parent, X("name")) : NULL;
    char name[128];
    size_t i;

    for (i = 0; parent && i < c->n; i++) {
        xmlNodePtr n = new_child(w, parent, elem);

        if (n) {
            set_attr(w, n, "value", c->v[i]);
            if (pname) {
                snprintf(name, sizeof name, "%s-M%u", (const char *)pname, ++*k);
                set_attr(w, n, "name", name);
            }
        }
    }
    xmlFree(pname);
}

/* Export attributes (prepend, MED, communities set) and import matches of a session,
 * on its policies of one family. */
static void
lower_policy_knobs(struct lw *w, const struct m_bgp *b, xmlNodePtr in, xmlNodePtr out)
{
    char path[128];
    size_t o = 0;
    unsigned i;
    uint32_t asn = b->local_asn ? b->local_asn : b->dev->asn;

    if (out && b->prepend) {
        for (i = 0; i < b->prepend && o + 12 < sizeof path; i++) {
            o += (size_t)snprintf(path + o, sizeof path - o, "%s%u", i ? " " : "", asn);
        }
        set_uattr(w, out, "prepend", b->prepend);
        set_uattr(w, out, "prepend-as", asn);
        set_attr(w, out, "prepend-path", path);
    }
    if (out && b->has_med) {
        set_uattr(w, out, "med", b->med);
    }
    if (out && (b->export_comm.n || b->export_large.n)) {
        xmlChar *pname = xmlGetProp(out, X("name"));

        snprintf(path, sizeof path, "%s-SET", pname ? (const char *)pname : "NS");
        xmlFree(pname);
        set_attr(w, out, "community-set", path);
    }
    i = 0;
    community_children(w, out, "set-community", &b->export_comm, false, &i);
    community_children(w, out, "set-large-community", &b->export_large, false, &i);
    i = 0;
    community_children(w, in, "match-community", &b->import_comm, true, &i);
    community_children(w, in, "match-large-community", &b->import_large, true, &i);
}

/* The neighbour's knobs: local-as options, BFD, multihop (lower_bgp writes the rest). */
static void
lower_bgp_knobs(struct lw *w, const struct m_bgp *b, xmlNodePtr nb)
{
    set_attr(w, nb, "transport", b->subnet.addr.af == M_AF_V6 ? "ipv6" : "ipv4");
    if (b->local_as_no_prepend) {
        set_attr(w, nb, "local-as-no-prepend", "true");
    }
    if (b->local_as_replace_as) {
        set_attr(w, nb, "local-as-replace-as", "true");
    }
    if (b->bfd) {
        set_uattr(w, nb, "bfd-interval", b->bfd_interval);
        set_uattr(w, nb, "bfd-multiplier", b->bfd_multiplier);
    }
    if (b->multihop) {
        set_uattr(w, nb, "multihop", b->multihop);
    }
}

/* One <family> of a neighbour, with its prefix lists and policies on the device. */
static void
lower_bgp_family(struct lw *w, xmlNodePtr dev, xmlNodePtr nb, const struct m_bgp *b, enum m_af af)
{
    const char *sfx = af == M_AF_V6 ? "6" : "";
    uint32_t limit = (af == M_AF_V6 ? b->max_prefix_v6 : b->max_prefix_v4);
    xmlNodePtr fam = new_child(w, nb, "family"), pin, pout;
    char in[96], out[96];

    snprintf(in, sizeof in, "NS-%s-IN%s", b->name, sfx);
    snprintf(out, sizeof out, "NS-%s-OUT%s", b->name, sfx);
    if (!limit) {
        limit = b->max_prefix;
    }
    if (fam) {
        set_attr(w, fam, "name", af == M_AF_V6 ? "ipv6-unicast" : "ipv4-unicast");
        set_attr(w, fam, "import", in);
        set_attr(w, fam, "export", out);
        if (limit) {
            set_uattr(w, fam, "max-prefix", limit);
            set_uattr(w, fam, "threshold", b->limit_threshold);
            set_uattr(w, fam, "restart", b->limit_restart);
        }
        if (af == M_AF_V6 && b->subnet.addr.af == M_AF_V4 && b->nh6_local_text) {
            set_attr(w, fam, "next-hop", b->nh6_local_text);
        }
    }
    prefix_list(w, dev, in, b->accept, b->naccept, af);
    prefix_list(w, dev, out, b->announce, b->nannounce, af);
    pin = policy(w, dev, in, "import", af);
    pout = policy(w, dev, out, "export", af);
    /* Two families: the IPv4 policies come first in the chain and end without a
     * reject, so that the other family's routes reach the IPv6 policies. */
    if (af == M_AF_V4 && (b->afs & M_AFS_V6)) {
        set_attr(w, pin, "final", "false");
        set_attr(w, pout, "final", "false");
    }
    lower_policy_knobs(w, b, pin, pout);
    /* IPv6 routes over an IPv4 session: the next hop sent is the IPv6 address of the
     * link (else vendors send an IPv4-mapped address the peer cannot resolve). */
    if (af == M_AF_V6 && b->subnet.addr.af == M_AF_V4 && b->nh6_local_text && pout) {
        set_attr(w, pout, "next-hop", b->nh6_local_text);
    }
}

/* /intercloud/connection/bgp-session */
static void
lower_bgp(struct lw *w, const struct m_conn *conn)
{
    size_t i;

    for (i = 0; i < conn->nbgp; i++) {
        const struct m_bgp *b = &conn->bgp[i];
        xmlNodePtr dev, bgp, nb;
        char in[96], out[96];
        bool first_v6;
        uint32_t limit;

        if (!b->dev || skipped(w, b->dev)) {
            continue;
        }
        dev = w->devnode[dev_index(w, b->dev)];
        bgp = NULL;
        for (nb = dev->children; nb; nb = nb->next) {
            if (nb->type == XML_ELEMENT_NODE && !strcmp((const char *)nb->name, "bgp")) {
                bgp = nb;
            }
        }
        if (!bgp) {
            bgp = new_child(w, dev, "bgp");
            if (!bgp) {
                continue;
            }
            set_uattr(w, bgp, "asn", b->dev->asn ? b->dev->asn : b->local_asn);
            set_attr(w, bgp, "router-id", b->dev->router_id);
        }
        /* The neighbour's own import/export/max-prefix are its first family's, as
         * before dual stack. */
        first_v6 = !(b->afs & M_AFS_V4);
        snprintf(in, sizeof in, "NS-%s-IN%s", b->name, first_v6 ? "6" : "");
        snprintf(out, sizeof out, "NS-%s-OUT%s", b->name, first_v6 ? "6" : "");
        nb = new_child(w, bgp, "neighbor");
        if (!nb) {
            continue;
        }
        set_attr(w, nb, "address", b->peer_text);
        set_attr(w, nb, "name", b->name);
        set_attr(w, nb, "connection", conn->name);
        set_uattr(w, nb, "peer-as", b->peer_asn);
        if (b->local_asn_set && b->local_asn != b->dev->asn) {
            set_uattr(w, nb, "local-as", b->local_asn);
        }
        set_attr(w, nb, "local-address", b->local_text);
        set_attr(w, nb, "import", in);
        set_attr(w, nb, "export", out);
        limit = first_v6 ? b->max_prefix_v6 : b->max_prefix_v4;
        if (limit || b->max_prefix) {
            set_uattr(w, nb, "max-prefix", limit ? limit : b->max_prefix);
        }
        set_attr(w, nb, "auth-key-ref", b->auth_key_ref);
        lower_bgp_knobs(w, b, nb);
        text_child(w, nb, "description",
                   b->peer_dev ? b->peer_dev->name : (b->peer_site ? b->peer_site->name : NULL));
        if (b->afs & M_AFS_V4) {
            lower_bgp_family(w, dev, nb, b, M_AF_V4);
        }
        if (b->afs & M_AFS_V6) {
            lower_bgp_family(w, dev, nb, b, M_AF_V6);
        }
    }
}

/* Is @p inside @outer (same family, same or longer length, same network bits)? */
static bool
prefix_within(const struct m_prefix *p, const struct m_prefix *outer)
{
    return model_prefix_inside(p, outer);
}

/* Is @addr on a subnet of one of @dev's routed sub-interfaces in the IR? A static
 * route's next hop must be, or the route never resolves. */
static bool
ir_connected(xmlNodePtr dev, const struct m_addr *addr)
{
    const char *fam = addr->af == M_AF_V6 ? "ipv6" : "ipv4";
    xmlNodePtr port, sub, ip;

    for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
        for (sub = drv_child(port, "subif"); sub; sub = drv_next(sub, "subif")) {
            for (ip = drv_child(sub, fam); ip; ip = drv_next(ip, fam)) {
                const char *a = drv_attr(ip, "address");
                unsigned long len = drv_attr_ul(ip, "prefix-length", 129);
                struct m_prefix net;

                memset(&net, 0, sizeof net);
                if (!a || len > model_af_bits((enum m_af)addr->af) ||
                    !model_addr_parse(a, &net.addr)) {
                    continue;
                }
                net.len = (uint8_t)len;
                if (model_addr_in(addr, &net) && !model_addr_equal(&net.addr, addr)) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* The next hop toward @p from @d: the address of an external node of the site that
 * holds @p (the site's prefix list covers it), on a segment that ends on @d where @d
 * routes (the node is on one of @d's routed subnets): the TWCC VM network
 * 192.168.0.0/24 behind the gateway node 10.254.1.6. NULL when there is none. */
static const char *
gateway_toward(struct lw *w, const struct m_device *d, const struct m_prefix *p)
{
    size_t i = dev_index(w, d), j, k;

    /* The segment ends on @d, in segment order and a before b. */
    for (j = w->end_at[i]; j < w->end_at[i + 1]; j++) {
        const struct m_segment *s = &w->m->segments[w->end_of[j] / 2];
        int e = (int)(w->end_of[j] % 2);
        const struct m_end *far = &s->end[1 - e];
        bool v6 = p->addr.af == M_AF_V6;

        if (far->dev || !far->site || !(v6 ? far->has_addr6 : far->has_addr)) {
            continue;
        }
        for (k = 0; k < far->site->nprefixes; k++) {
            if (prefix_within(p, &far->site->prefixes[k]) &&
                ir_connected(w->devnode[i], v6 ? &far->addr6 : &far->addr)) {
                return v6 ? far->addr6_text : far->addr_text;
            }
        }
    }
    return NULL;
}

/* The per-device indexes of struct lw (bgp, end_of): counted, then filled in model
 * order. Sets w->oom when out of memory. */
static bool
originate_index(struct lw *w)
{
    size_t nd = w->m->ndevices, i, ne = 0;
    size_t *efill;
    int e;

    if (model_bgp_by_dev(w->m, &w->bgp)) {
        w->oom = 1;
        return false;
    }
    w->end_at = nst_calloc(nd + 1, sizeof *w->end_at);
    if (!w->end_at) {
        w->oom = 1;
        return false;
    }
    /* Counts in [i + 1], prefix sums, then each end at its device's next slot. */
    for (i = 0; i < w->m->nsegments; i++) {
        for (e = 0; e < 2; e++) {
            if (w->m->segments[i].end[e].dev) {
                w->end_at[dev_index(w, w->m->segments[i].end[e].dev) + 1]++;
                ne++;
            }
        }
    }
    for (i = 0; i < nd; i++) {
        w->end_at[i + 1] += w->end_at[i];
    }
    w->end_of = nst_calloc(ne ? ne : 1, sizeof *w->end_of);
    efill = nst_calloc(nd ? nd : 1, sizeof *efill);
    if (!w->end_of || !efill) {
        nst_free(efill);
        w->oom = 1;
        return false;
    }
    for (i = 0; i < nd; i++) {
        efill[i] = w->end_at[i];
    }
    for (i = 0; i < w->m->nsegments; i++) {
        for (e = 0; e < 2; e++) {
            const struct m_device *d = w->m->segments[i].end[e].dev;

            if (d) {
                w->end_of[efill[dev_index(w, d)]++] = 2 * i + (size_t)e;
            }
        }
    }
    nst_free(efill);
    return true;
}

/*
 * /intercloud/connection/bgp-session/announce: origination (issue 11, defect 1).
 * An export policy only filters what is already in the routing table, so every prefix
 * a device announces must be in it: each announced prefix that no other session of
 * the device accepts (the device does not learn it by BGP) becomes an <originate> of
 * the device's <bgp>, with the static route that puts it in the table: toward the
 * site's gateway node when the prefix sits behind one (next-hop), else a discard
 * route (the usual anchor for an aggregate: any more specific route still wins, and a
 * connected route of the same prefix wins on preference). Once per prefix and device,
 * in the order of the sessions.
 */
static void
lower_originate(struct lw *w)
{
    size_t i, j, k;

    if (!originate_index(w)) {
        return;
    }
    for (i = 0; i < w->m->nconns; i++) {
        for (j = 0; j < w->m->conns[i].nbgp; j++) {
            const struct m_bgp *b = &w->m->conns[i].bgp[j];
            xmlNodePtr dev, bgp;

            if (!b->dev || skipped(w, b->dev)) {
                continue;
            }
            dev = w->devnode[dev_index(w, b->dev)];
            bgp = drv_child(dev, "bgp");
            for (k = 0; bgp && k < b->nannounce; k++) {
                const struct m_prefix *p = &b->announce[k];
                const char *nh;
                char addr[64];
                xmlNodePtr o;

                if (model_bgp_learned_elsewhere(w->m, &w->bgp, b->dev, b, p) ||
                    find_keyed(bgp, "originate", "prefix", p->text)) {
                    continue;
                }
                o = new_child(w, bgp, "originate");
                if (!o) {
                    continue;
                }
                set_attr(w, o, "prefix", p->text);
                set_attr(w, o, "address", model_addr_str(&p->addr, addr, sizeof addr));
                set_attr(w, o, "family", p->addr.af == M_AF_V6 ? "ipv6" : "ipv4");
                set_uattr(w, o, "length", p->len);
                nh = gateway_toward(w, b->dev, p);
                if (nh) {
                    set_attr(w, o, "next-hop", nh);
                } else {
                    set_attr(w, o, "discard", "true");
                }
                set_attr(w, o, "session", b->name);
            }
        }
    }
}

nst_err
lower_service(struct nst_service *svc, xmlDocPtr *out)
{
    if (!svc || !svc->model) {
        return NST_EINVAL;
    }
    return lower_service_range(svc, 0, svc->model->ndevices, out);
}

nst_err
lower_service_range(struct nst_service *svc, size_t lo, size_t hi, xmlDocPtr *out)
{
    struct lw w;
    xmlNodePtr root;
    size_t i;
    nst_err ret = NST_OK;

    if (!svc || !svc->model || !svc->check || !out || lo > hi || hi > svc->model->ndevices) {
        return NST_EINVAL;
    }
    memset(&w, 0, sizeof w);
    w.svc = svc;
    w.m = svc->model;
    w.chk = svc->check;
    w.lo = lo;
    w.hi = hi;
    w.doc = xmlNewDoc(X("1.0"));
    w.devnode = nst_calloc(w.m->ndevices ? w.m->ndevices : 1, sizeof *w.devnode);
    if (!w.doc || !w.devnode) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    root = xmlNewNode(NULL, X("ir"));
    if (!root) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    xmlDocSetRootElement(w.doc, root);
    set_attr(&w, root, "source", svc->file);
    for (i = lo; i < hi; i++) {
        const struct m_device *d = &w.m->devices[i];
        xmlNodePtr n = new_child(&w, root, "device");

        w.devnode[i] = n;
        if (!n) {
            continue;
        }
        set_attr(&w, n, "name", d->name);
        set_attr(&w, n, "vendor", d->vendor_name);
        set_attr(&w, n, "driver", d->drv->name);
        set_attr(&w, n, "platform", d->platform);
        set_attr(&w, n, "role", d->role);
        if (d->asn) {
            set_uattr(&w, n, "asn", d->asn);
        }
        set_attr(&w, n, "router-id", d->router_id);
    }
    if (w.oom) {
        ret = NST_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < w.m->nconns; i++) {
        lower_hops(&w, &w.m->conns[i]);
        lower_stitches(&w, &w.m->conns[i]);
        lower_vpls(&w, &w.m->conns[i]);
        lower_bgp(&w, &w.m->conns[i]);
    }
    for (i = 0; i < w.m->nmps; i++) {
        if (w.m->mps[i].kind == MP_L3VPN) {
            lower_mp_l3(&w, &w.m->mps[i]);
        } else {
            lower_mp(&w, &w.m->mps[i]);
        }
    }
    /* A multipoint VPN's core ports whose MTU grows (check_multipoint.c planned them) are
     * core ports, as a connection's VPLS hops make them. */
    for (i = 0; w.m->nmps && i < w.m->nsegments; i++) {
        const struct m_segment *s = &w.m->segments[i];
        int e;

        for (e = 0; s->kind == SEG_MPLS_CORE && e < 2; e++) {
            xmlNodePtr port;

            if (!s->end[e].port || !w.chk->ports[s->end[e].port->idx].planned) {
                continue;
            }
            port = port_node(&w, s->end[e].port);
            if (port && !xmlSetProp(port, X("core"), X("true"))) {
                w.oom = 1;
            }
        }
    }
    lower_originate(&w);
    /* Ports whose MTU must change but that carry no sub-interface of their own. */
    for (i = 0; i < w.chk->nports; i++) {
        if (w.chk->ports[i].planned) {
            port_node(&w, w.chk->ports[i].port);
        }
    }
    if (w.oom) {
        ret = NST_ENOMEM;
    }

cleanup:
    nst_free(w.devnode);
    model_bgp_by_dev_free(&w.bgp);
    nst_free(w.end_of);
    nst_free(w.end_at);
    if (ret) {
        xmlFreeDoc(w.doc);
        return ret;
    }
    *out = w.doc;
    return NST_OK;
}
