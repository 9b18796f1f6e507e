/*
 * check_ip.c: addressing across the whole path.
 *
 * The field lesson: private ranges collided on hidden transit segments (gateway node
 * to edge router), not at the endpoints. So every prefix the service knows takes
 * part: site and cloud prefixes, site transit subnets, segment subnets, BGP link
 * subnets and the PE-CE links of layer-3 multipoint VPNs (netstitch-multipoint). They
 * are sorted by start address and swept with a stack of enclosing prefixes, so each
 * overlapping pair is found in O(n log n + pairs) and reported once, at the later of
 * the two in the input, naming the other's file:line.
 *
 * The same network declared twice is not a collision: a segment's subnet equal to a
 * transit subnet of a site at one of its ends, the two ends of one BGP session
 * (mirrored addresses), a BGP session's link subnet equal to the subnet of the segment
 * its port sits on (the link written on the segment and on the session, issue 11),
 * and a site's own transit subnets inside its own prefixes. Likewise an external peer's
 * address that the session's segment already gives its far end is one address.
 *
 * Addresses: each segment end and each session end must be inside its subnet and
 * not be its network or broadcast address (/31 and /32 excepted; in IPv6 the
 * Subnet-Router anycast address, /127 and /128 excepted); one address may not sit on
 * two different devices.
 *
 * Both families take part in the same sweep: addresses sort by family first, so an
 * IPv4 and an IPv6 prefix never meet on the stack. IPv6 adds the segments'
 * ipv6-subnet and the IPv6 next-hop subnet of an IPv4 session carrying ipv6-unicast,
 * and its own rules (chk_ip_family): no link-local addresses (they need an interface
 * scope), point-to-point lengths /127, /126, /125 or /64, prefixes without host bits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"

enum pfx_kind { PFX_SITE, PFX_TRANSIT, PFX_SEGMENT, PFX_BGP_LINK, PFX_MP_LINK };

struct pfx {
    struct m_addr start, end;
    uint8_t len;
    enum pfx_kind kind;
    const char *text;
    const struct m_src *src;
    const struct m_site *site;      /* PFX_SITE, PFX_TRANSIT */
    const char *sub;                /* transit subnet name */
    const struct m_segment *seg;    /* PFX_SEGMENT */
    const struct m_bgp *bgp;        /* PFX_BGP_LINK */
    const struct m_mp *mp;          /* PFX_MP_LINK: the VPN and its circuit */
    const struct m_mp_ac *ac;
};

static void
pfx_fill(struct pfx *p, const struct m_prefix *mp, enum pfx_kind kind)
{
    p->len = mp->len;
    model_addr_span(&mp->addr, mp->len, false, &p->start);
    model_addr_span(&mp->addr, mp->len, true, &p->end);
    p->kind = kind;
    p->text = mp->text;
    p->src = &mp->src;
}

static const char *
pfx_label(const struct pfx *p, char *buf, size_t len)
{
    switch (p->kind) {
    case PFX_SITE:
        snprintf(buf, len, "prefix of site %s", p->site->name);
        break;
    case PFX_TRANSIT:
        snprintf(buf, len, "transit subnet %s/%s", p->site->name, p->sub);
        break;
    case PFX_SEGMENT:
        snprintf(buf, len, "subnet of segment %s", p->seg->name);
        break;
    case PFX_BGP_LINK:
        snprintf(buf, len, "link subnet of BGP session %s", p->bgp->name);
        break;
    case PFX_MP_LINK:
        snprintf(buf, len, "PE-CE link of multipoint %s attachment circuit %s", p->mp->name,
                 p->ac->name);
        break;
    }
    return buf;
}

static int
pfx_cmp(const void *x, const void *y)
{
    const struct pfx *a = x, *b = y;
    int r = model_addr_cmp(&a->start, &b->start);

    if (r) {
        return r;
    }
    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;    /* enclosing first */
    }
    /* Input order among equals keeps reports stable. */
    if (a->src->line != b->src->line) {
        return a->src->line < b->src->line ? -1 : 1;
    }
    return strcmp(a->src->path ? a->src->path : "", b->src->path ? b->src->path : "");
}

static bool
seg_touches_site(const struct m_segment *s, const struct m_site *site)
{
    return s->owner == site || s->end[0].site == site || s->end[1].site == site ||
           (s->end[0].dev && s->end[0].dev->site == site) ||
           (s->end[1].dev && s->end[1].dev->site == site);
}

/* Does session @b ride segment @seg (its device and port are one end of it)? */
static bool
session_on_segment(const struct m_bgp *b, const struct m_segment *seg)
{
    int e;

    for (e = 0; e < 2; e++) {
        if (b->dev && seg->end[e].dev == b->dev && seg->end[e].port == b->port) {
            return true;
        }
    }
    return false;
}

/* The link subnet of @b written again on the segment it rides: one network. */
static bool
link_declared_twice(const struct pfx *seg, const struct pfx *link)
{
    return seg->kind == PFX_SEGMENT && link->kind == PFX_BGP_LINK &&
           session_on_segment(link->bgp, seg->seg);
}

/* Is the overlap of @a and @b the same network declared twice, or one site's plan? */
static bool
same_network(const struct pfx *a, const struct pfx *b)
{
    bool equal = model_addr_equal(&a->start, &b->start) && a->len == b->len;

    if ((a->kind == PFX_SITE || a->kind == PFX_TRANSIT) &&
        (b->kind == PFX_SITE || b->kind == PFX_TRANSIT) && a->site == b->site) {
        return true;
    }
    /* A PE-CE link numbered from its own site's prefixes is that site's plan. */
    if (a->kind == PFX_SITE && b->kind == PFX_MP_LINK && b->ac->site == a->site) {
        return true;
    }
    if (b->kind == PFX_SITE && a->kind == PFX_MP_LINK && a->ac->site == b->site) {
        return true;
    }
    if (equal && a->kind == PFX_BGP_LINK && b->kind == PFX_BGP_LINK) {
        return model_addr_equal(&a->bgp->local, &b->bgp->peer) &&
               model_addr_equal(&a->bgp->peer, &b->bgp->local);
    }
    if (equal && (link_declared_twice(a, b) || link_declared_twice(b, a))) {
        return true;
    }
    if (equal && a->kind == PFX_SEGMENT && b->kind == PFX_TRANSIT) {
        return seg_touches_site(a->seg, b->site);
    }
    if (equal && b->kind == PFX_SEGMENT && a->kind == PFX_TRANSIT) {
        return seg_touches_site(b->seg, a->site);
    }
    return false;
}

static bool
prefix_equal(const struct m_prefix *a, const struct m_prefix *b)
{
    return a->len == b->len && model_prefix_inside(a, b);
}

/* A segment whose subnet (@subnet: its IPv4 or IPv6 one) is a transit subnet of a site
 * it touches is that same network: it takes part in the overlap check once, as the
 * transit subnet. */
static bool
is_site_transit(const struct m_service *svc, const struct m_segment *seg,
                const struct m_prefix *subnet)
{
    size_t i, j;

    for (i = 0; i < svc->nsites; i++) {
        for (j = 0; j < svc->sites[i].ntransit; j++) {
            const struct m_prefix *t = &svc->sites[i].transit[j];

            if (prefix_equal(t, subnet) && seg_touches_site(seg, &svc->sites[i])) {
                return true;
            }
        }
    }
    return false;
}

static const char *
pfx_device(const struct pfx *p)
{
    if (p->kind == PFX_BGP_LINK) {
        return p->bgp->dev ? p->bgp->dev->name : NULL;
    }
    if (p->kind == PFX_MP_LINK) {
        return p->ac->dev ? p->ac->dev->name : NULL;
    }
    return NULL;
}

static void
chk_overlaps(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct pfx *all, **stack;
    size_t n = 0, cap = 0, i, j, depth = 0;
    char l1[128], l2[128];

    for (i = 0; i < svc->nsites; i++) {
        cap += svc->sites[i].nprefixes + svc->sites[i].ntransit;
    }
    cap += 2 * svc->nsegments;
    for (i = 0; i < svc->nconns; i++) {
        cap += 2 * svc->conns[i].nbgp;
    }
    for (i = 0; i < svc->nmps; i++) {
        cap += svc->mps[i].nacs;
    }
    all = nst_calloc(cap ? cap : 1, sizeof *all);
    stack = nst_calloc(cap ? cap : 1, sizeof *stack);
    if (!all || !stack) {
        c->err = NST_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < svc->nsites; i++) {
        const struct m_site *s = &svc->sites[i];

        for (j = 0; j < s->nprefixes; j++) {
            pfx_fill(&all[n], &s->prefixes[j], PFX_SITE);
            all[n++].site = s;
        }
        for (j = 0; j < s->ntransit; j++) {
            pfx_fill(&all[n], &s->transit[j], PFX_TRANSIT);
            all[n].site = s;
            all[n++].sub = s->transit_names[j];
        }
    }
    for (i = 0; i < svc->nsegments; i++) {
        const struct m_segment *sg = &svc->segments[i];

        if (sg->has_subnet && !is_site_transit(svc, sg, &sg->subnet)) {
            pfx_fill(&all[n], &sg->subnet, PFX_SEGMENT);
            all[n++].seg = sg;
        }
        if (sg->has_subnet6 && !is_site_transit(svc, sg, &sg->subnet6)) {
            pfx_fill(&all[n], &sg->subnet6, PFX_SEGMENT);
            all[n++].seg = sg;
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];

            if (b->subnet.addr.af) {
                pfx_fill(&all[n], &b->subnet, PFX_BGP_LINK);
                all[n++].bgp = b;
            }
            if (b->nh6_subnet.addr.af) {
                pfx_fill(&all[n], &b->nh6_subnet, PFX_BGP_LINK);
                all[n++].bgp = b;
            }
        }
    }
    /* The PE-CE links of layer-3 multipoint VPNs: hidden transit links like any other. */
    for (i = 0; i < svc->nmps; i++) {
        for (j = 0; svc->mps[i].kind == MP_L3VPN && j < svc->mps[i].nacs; j++) {
            const struct m_mp_ac *a = &svc->mps[i].acs[j];

            if (a->routing.set && a->routing.subnet.addr.af) {
                pfx_fill(&all[n], &a->routing.subnet, PFX_MP_LINK);
                all[n].mp = &svc->mps[i];
                all[n++].ac = a;
            }
        }
    }
    qsort(all, n, sizeof *all, pfx_cmp);
    /* The stack holds the prefixes that enclose the current start address; since
     * prefixes nest or are disjoint, everything on it overlaps the current one. */
    for (i = 0; i < n; i++) {
        struct pfx *cur = &all[i];

        while (depth && model_addr_cmp(&stack[depth - 1]->end, &cur->start) < 0) {
            depth--;
        }
        for (j = 0; j < depth; j++) {
            const struct pfx *o = stack[j];
            const struct pfx *at = cur, *other = o;

            if (same_network(o, cur)) {
                continue;
            }
            /* Report at the later one in the input, pointing at the earlier. */
            if (o->src->line > cur->src->line) {
                at = o;
                other = cur;
            }
            chk_report(c, DIAG_IP_OVERLAP, at->src, pfx_device(at), pfx_label(at, l1, sizeof l1),
                       at->text, pfx_label(other, l2, sizeof l2), other->text, svc->file,
                       other->src->line);
        }
        stack[depth++] = cur;
    }

cleanup:
    nst_free(all);
    nst_free(stack);
}

/* An address inside its subnet, and a host address of it. */
static void
chk_addr_in(struct chk *c, const char *what, const struct m_addr *addr, const char *text,
            const struct m_prefix *subnet, const struct m_src *src, const char *device)
{
    struct m_addr net, last;

    if (!addr->af || !subnet->addr.af) {
        return;
    }
    if (addr->af != subnet->addr.af) {
        chk_report(c, DIAG_IP_FAMILY, src, device, what, text, model_af_str(addr->af), subnet->text,
                   model_af_str(subnet->addr.af));
        return;
    }
    if (!model_addr_in(addr, subnet)) {
        chk_report(c, DIAG_IP_OUTSIDE_SUBNET, src, device, what, text, subnet->text);
        return;
    }
    model_addr_span(&subnet->addr, subnet->len, false, &net);
    model_addr_span(&subnet->addr, subnet->len, true, &last);
    if (addr->af == M_AF_V6) {
        /* RFC 4291 2.6.1: the all-zero interface id is the Subnet-Router anycast
         * address; RFC 6164 lets both ends of a /127 use theirs. IPv6 has no broadcast. */
        if (subnet->len < 127 && model_addr_equal(addr, &net)) {
            chk_report(c, DIAG_IP_RESERVED, src, device, what, text, "Subnet-Router anycast",
                       subnet->text);
        }
    } else if (subnet->len < 31 && model_addr_equal(addr, &net)) {
        chk_report(c, DIAG_IP_RESERVED, src, device, what, text, "network", subnet->text);
    } else if (subnet->len < 31 && model_addr_equal(addr, &last)) {
        chk_report(c, DIAG_IP_RESERVED, src, device, what, text, "broadcast", subnet->text);
    }
}

struct addr_use {
    struct m_addr addr;
    const char *text;
    const char *owner;      /* device or external node/site, for "same interface" */
    const char *label;
    const struct m_src *src;
};

static int
addr_cmp(const void *x, const void *y)
{
    const struct addr_use *a = x, *b = y;
    int r = model_addr_cmp(&a->addr, &b->addr);

    if (r) {
        return r;
    }
    return a->src->line < b->src->line ? -1 : (a->src->line > b->src->line);
}

static void
use_add(struct addr_use *u, const struct m_addr *addr, const char *text, const char *owner,
        const char *label, const struct m_src *src)
{
    u->addr = *addr;
    u->text = text;
    u->owner = owner;
    u->label = label;
    u->src = src;
}

/* Is @a in fe80::/10? */
static bool
link_local(const struct m_addr *a)
{
    return a->af == M_AF_V6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

static void
chk_link_local(struct chk *c, const char *what, const struct m_addr *a, const char *text,
               const struct m_src *src, const char *device)
{
    if (link_local(a)) {
        chk_report(c, DIAG_IP_LINK_LOCAL, src, device, what, text);
    }
}

static void
chk_host_bits(struct chk *c, const char *what, const struct m_prefix *p, const char *device)
{
    if (p->addr.af && model_prefix_host_bits(p)) {
        chk_report(c, DIAG_IP_HOST_BITS, &p->src, device, what, p->text);
    }
}

/* An IPv6 point-to-point link subnet: /127 (RFC 6164), /126 (Azure), /125 (AWS), /64. */
static void
chk_v6_link_len(struct chk *c, const char *what, const struct m_prefix *p, const char *device)
{
    if (p->addr.af == M_AF_V6 && p->len != 64 && (p->len < 125 || p->len > 127)) {
        chk_report(c, DIAG_IP_V6_LINK_LENGTH, &p->src, device, what, p->text);
    }
}

/*
 * Rules of form rather than of relation: every prefix without host bits, no link-local
 * interface address, IPv6 link lengths. One pass over every prefix and address.
 */
static void
chk_ip_family(struct chk *c)
{
    const struct m_service *svc = c->svc;
    char what[160];
    size_t i, j, k;
    int e;

    for (i = 0; i < svc->nsites; i++) {
        const struct m_site *s = &svc->sites[i];

        snprintf(what, sizeof what, "prefix of site %s", s->name);
        for (j = 0; j < s->nprefixes; j++) {
            chk_host_bits(c, what, &s->prefixes[j], NULL);
        }
        for (j = 0; j < s->ntransit; j++) {
            snprintf(what, sizeof what, "transit subnet %s/%s", s->name, s->transit_names[j]);
            chk_host_bits(c, what, &s->transit[j], NULL);
        }
    }
    for (i = 0; i < svc->nsegments; i++) {
        const struct m_segment *s = &svc->segments[i];

        snprintf(what, sizeof what, "subnet of segment %s", s->name);
        if (s->has_subnet) {
            chk_host_bits(c, what, &s->subnet, NULL);
        }
        if (s->has_subnet6) {
            chk_host_bits(c, what, &s->subnet6, NULL);
            chk_v6_link_len(c, what, &s->subnet6, NULL);
        }
        for (e = 0; e < 2; e++) {
            if (s->end[e].has_addr6) {
                snprintf(what, sizeof what, "segment %s end %s", s->name, e ? "b" : "a");
                chk_link_local(c, what, &s->end[e].addr6, s->end[e].addr6_text,
                               &s->end[e].addr6_src, s->end[e].dev ? s->end[e].dev->name : NULL);
            }
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];
            const char *dn = b->dev ? b->dev->name : NULL;

            snprintf(what, sizeof what, "link subnet of BGP session %s", b->name);
            chk_host_bits(c, what, &b->subnet, dn);
            chk_v6_link_len(c, what, &b->subnet, dn);
            if (b->nh6_subnet.addr.af) {
                chk_host_bits(c, what, &b->nh6_subnet, dn);
                chk_v6_link_len(c, what, &b->nh6_subnet, dn);
            }
            snprintf(what, sizeof what, "session %s local address", b->name);
            chk_link_local(c, what, &b->local, b->local_text, &b->local_src, dn);
            if (b->nh6_local_text) {
                chk_link_local(c, what, &b->nh6_local, b->nh6_local_text, &b->nh6_local_src, dn);
            }
            snprintf(what, sizeof what, "session %s peer address", b->name);
            chk_link_local(c, what, &b->peer, b->peer_text, &b->peer_src, dn);
            if (b->nh6_peer_text) {
                chk_link_local(c, what, &b->nh6_peer, b->nh6_peer_text, &b->nh6_peer_src, dn);
            }
            snprintf(what, sizeof what, "session %s announces", b->name);
            for (k = 0; k < b->nannounce; k++) {
                chk_host_bits(c, what, &b->announce[k], dn);
            }
            snprintf(what, sizeof what, "session %s accepts", b->name);
            for (k = 0; k < b->naccept; k++) {
                chk_host_bits(c, what, &b->accept[k], dn);
            }
        }
    }
}

/* Where connection @conn carries IPv6, or NULL: an IPv6 address on one of its hops, or
 * a session of it carrying ipv6-unicast. */
static const char *
conn_v6_where(const struct m_conn *conn, char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < conn->nhops; i++) {
        if (conn->hops[i].seg->has_subnet6) {
            snprintf(buf, len, "segment %s", conn->hops[i].seg->name);
            return buf;
        }
    }
    for (i = 0; i < conn->nbgp; i++) {
        if (conn->bgp[i].afs & M_AFS_V6) {
            snprintf(buf, len, "session %s", conn->bgp[i].name);
            return buf;
        }
    }
    return NULL;
}

/* IPv6 needs every link to carry 1280 bytes (RFC 8200 section 5). */
static void
chk_ip_v6_mtu(struct chk *c)
{
    char where[160];
    size_t i;

    for (i = 0; i < c->svc->nconns; i++) {
        const struct m_conn *conn = &c->svc->conns[i];

        if (conn->ip_mtu < 1280 && conn_v6_where(conn, where, sizeof where)) {
            chk_report(c, DIAG_IP_V6_MTU, &conn->src, NULL, conn->name, where, conn->ip_mtu);
        }
    }
}

/* Is @b's external peer address the address of the far end of the segment its hop in
 * @conn crosses? */
static bool
peer_is_segment_end(const struct m_conn *conn, const struct m_bgp *b)
{
    const struct m_hop *h = b->dev && b->port ? chk_hop_at_port(conn, b->dev, b->port) : NULL;
    int e;

    for (e = 0; h && e < 2; e++) {
        if (!h->seg->end[e].dev && h->seg->end[e].has_addr && model_addr_equal(&h->seg->end[e].addr, &b->peer)) {
            return true;
        }
    }
    return false;
}

void
chk_ip(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct addr_use *uses = NULL;
    size_t n = 0, cap = 4 * svc->nsegments, i, j;
    char label[128];
    int e;

    chk_ip_family(c);
    chk_ip_v6_mtu(c);
    chk_overlaps(c);
    for (i = 0; i < svc->nconns; i++) {
        cap += 4 * svc->conns[i].nbgp;
    }
    for (i = 0; i < svc->nmps; i++) {
        cap += 2 * svc->mps[i].nacs;
    }
    uses = nst_calloc(cap ? cap : 1, sizeof *uses);
    if (!uses) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nsegments; i++) {
        const struct m_segment *s = &svc->segments[i];

        for (e = 0; e < 2; e++) {
            const struct m_end *end = &s->end[e];
            const char *owner = end->dev ? end->dev->name : (end->node ? end->node : "external");
            const char *dn = end->dev ? end->dev->name : NULL;

            snprintf(label, sizeof label, "segment %s end %s", s->name, e ? "b" : "a");
            if (end->has_addr) {
                if (s->has_subnet) {
                    chk_addr_in(c, label, &end->addr, end->addr_text, &s->subnet, &end->addr_src,
                                dn);
                }
                use_add(&uses[n++], &end->addr, end->addr_text, owner, s->name, &end->addr_src);
            }
            if (end->has_addr6) {
                if (s->has_subnet6) {
                    chk_addr_in(c, label, &end->addr6, end->addr6_text, &s->subnet6,
                                &end->addr6_src, dn);
                }
                use_add(&uses[n++], &end->addr6, end->addr6_text, owner, s->name, &end->addr6_src);
            }
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];
            const char *dn = b->dev ? b->dev->name : NULL;

            snprintf(label, sizeof label, "session %s local address", b->name);
            chk_addr_in(c, label, &b->local, b->local_text, &b->subnet, &b->local_src, dn);
            snprintf(label, sizeof label, "session %s peer address", b->name);
            chk_addr_in(c, label, &b->peer, b->peer_text, &b->subnet, &b->peer_src, dn);
            if (model_addr_equal(&b->local, &b->peer)) {
                chk_report(c, DIAG_IP_DUPLICATE, &b->peer_src, dn, b->peer_text,
                           "the local address", "the peer address", svc->file, b->local_src.line);
            }
            use_add(&uses[n++], &b->local, b->local_text, dn, b->name, &b->local_src);
            /* The peer's own session records a managed peer's address; an external
             * peer's address is recorded here, unless the segment the session rides
             * already gives it to its external end (one address, written twice). */
            if (b->peer_site && !model_addr_equal(&b->peer, &b->local) &&
                !peer_is_segment_end(&svc->conns[i], b)) {
                use_add(&uses[n++], &b->peer, b->peer_text, b->peer_site->name, b->name,
                        &b->peer_src);
            }
            /* The IPv6 next-hop addresses of a dual-stack session, likewise. */
            if (b->nh6_local_text && b->nh6_subnet.addr.af) {
                snprintf(label, sizeof label, "session %s ipv6 local-address", b->name);
                chk_addr_in(c, label, &b->nh6_local, b->nh6_local_text, &b->nh6_subnet,
                            &b->nh6_local_src, dn);
            }
            if (b->nh6_peer_text && b->nh6_subnet.addr.af) {
                snprintf(label, sizeof label, "session %s ipv6 peer-address", b->name);
                chk_addr_in(c, label, &b->nh6_peer, b->nh6_peer_text, &b->nh6_subnet,
                            &b->nh6_peer_src, dn);
            }
            if (b->nh6_local_text) {
                use_add(&uses[n++], &b->nh6_local, b->nh6_local_text, dn, b->name,
                        &b->nh6_local_src);
            }
            if (b->nh6_peer_text && b->peer_site &&
                !(b->nh6_local_text && model_addr_equal(&b->nh6_peer, &b->nh6_local))) {
                use_add(&uses[n++], &b->nh6_peer, b->nh6_peer_text, b->peer_site->name, b->name,
                        &b->nh6_peer_src);
            }
        }
    }
    /* The two ends of every PE-CE link (their subnet is check_multipoint.c's). */
    for (i = 0; i < svc->nmps; i++) {
        for (j = 0; svc->mps[i].kind == MP_L3VPN && j < svc->mps[i].nacs; j++) {
            const struct m_mp_ac *a = &svc->mps[i].acs[j];

            char *pe_label, *ce_label;

            if (!a->routing.set || !a->dev) {
                continue;
            }
            snprintf(label, sizeof label, "PE-CE link %s", a->name);
            pe_label = arena_strdup(c->arena, label);
            snprintf(label, sizeof label, "PE-CE link %s (CE)", a->name);
            ce_label = arena_strdup(c->arena, label);
            if (!pe_label || !ce_label) {
                c->err = NST_ENOMEM;
                break;
            }
            if (a->routing.pe.af) {
                use_add(&uses[n++], &a->routing.pe, a->routing.pe_text, a->dev->name, pe_label,
                        &a->routing.pe_src);
            }
            if (a->routing.ce.af && !model_addr_equal(&a->routing.ce, &a->routing.pe)) {
                use_add(&uses[n++], &a->routing.ce, a->routing.ce_text,
                        a->site ? a->site->name : a->name, ce_label, &a->routing.ce_src);
            }
        }
    }
    qsort(uses, n, sizeof *uses, addr_cmp);
    for (i = 1; i < n; i++) {
        const struct addr_use *a = &uses[i - 1], *b = &uses[i];

        if (model_addr_equal(&a->addr, &b->addr) && a->owner && b->owner &&
            strcmp(a->owner, b->owner)) {
            char l1[160], l2[160];

            snprintf(l1, sizeof l1, "%s on %s", a->label, a->owner);
            snprintf(l2, sizeof l2, "%s on %s", b->label, b->owner);
            chk_report(c, DIAG_IP_DUPLICATE, b->src, NULL, b->text, l2, l1, svc->file,
                       a->src->line);
        }
    }
    nst_free(uses);
}
