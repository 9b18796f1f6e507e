/*
 * check_ip.c: addressing across the whole path.
 *
 * The field lesson: private ranges collided on hidden transit segments (gateway node
 * to edge router), not at the endpoints. So every prefix the service knows takes
 * part: site and cloud prefixes, site transit subnets, segment subnets and BGP link
 * subnets. They are sorted by start address and swept with a stack of enclosing
 * prefixes, so each overlapping pair is found in O(n log n + pairs) and reported once,
 * at the later of the two in the input, naming the other's file:line.
 *
 * The same network declared twice is not a collision: a segment's subnet equal to a
 * transit subnet of a site at one of its ends, the two ends of one BGP session
 * (mirrored addresses), a BGP session's link subnet equal to the subnet of the segment
 * its port sits on (the link written on the segment and on the session, issue 11),
 * and a site's own transit subnets inside its own prefixes. Likewise an external peer's
 * address that the session's segment already gives its far end is one address.
 *
 * Addresses: each segment end and each session end must be inside its subnet and
 * not be its network or broadcast address (/31 and /32 excepted); one address may
 * not sit on two different devices.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"

enum pfx_kind { PFX_SITE, PFX_TRANSIT, PFX_SEGMENT, PFX_BGP_LINK };

struct pfx {
    uint32_t start, end;
    uint8_t len;
    enum pfx_kind kind;
    const char *text;
    const struct m_src *src;
    const struct m_site *site;      /* PFX_SITE, PFX_TRANSIT */
    const char *sub;                /* transit subnet name */
    const struct m_segment *seg;    /* PFX_SEGMENT */
    const struct m_bgp *bgp;        /* PFX_BGP_LINK */
};

static uint32_t
mask_of(uint8_t len)
{
    return len ? (uint32_t)(0xffffffffu << (32 - len)) : 0;
}

static void
pfx_fill(struct pfx *p, const struct m_prefix *mp, enum pfx_kind kind)
{
    p->len = mp->len;
    p->start = mp->addr & mask_of(mp->len);
    p->end = p->start | ~mask_of(mp->len);
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
    }
    return buf;
}

static int
pfx_cmp(const void *x, const void *y)
{
    const struct pfx *a = x, *b = y;

    if (a->start != b->start) {
        return a->start < b->start ? -1 : 1;
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
    bool equal = a->start == b->start && a->len == b->len;

    if ((a->kind == PFX_SITE || a->kind == PFX_TRANSIT) &&
        (b->kind == PFX_SITE || b->kind == PFX_TRANSIT) && a->site == b->site) {
        return true;
    }
    if (equal && a->kind == PFX_BGP_LINK && b->kind == PFX_BGP_LINK) {
        return a->bgp->local == b->bgp->peer && a->bgp->peer == b->bgp->local;
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

/* A segment whose subnet is a transit subnet of a site it touches is that same
 * network: it takes part in the overlap check once, as the transit subnet. */
static bool
is_site_transit(const struct m_service *svc, const struct m_segment *seg)
{
    size_t i, j;

    for (i = 0; i < svc->nsites; i++) {
        for (j = 0; j < svc->sites[i].ntransit; j++) {
            const struct m_prefix *t = &svc->sites[i].transit[j];

            if (t->addr == seg->subnet.addr && t->len == seg->subnet.len &&
                seg_touches_site(seg, &svc->sites[i])) {
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
    cap += svc->nsegments;
    for (i = 0; i < svc->nconns; i++) {
        cap += svc->conns[i].nbgp;
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
        if (svc->segments[i].has_subnet && !is_site_transit(svc, &svc->segments[i])) {
            pfx_fill(&all[n], &svc->segments[i].subnet, PFX_SEGMENT);
            all[n++].seg = &svc->segments[i];
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            pfx_fill(&all[n], &svc->conns[i].bgp[j].subnet, PFX_BGP_LINK);
            all[n++].bgp = &svc->conns[i].bgp[j];
        }
    }
    qsort(all, n, sizeof *all, pfx_cmp);
    /* The stack holds the prefixes that enclose the current start address; since
     * prefixes nest or are disjoint, everything on it overlaps the current one. */
    for (i = 0; i < n; i++) {
        struct pfx *cur = &all[i];

        while (depth && stack[depth - 1]->end < cur->start) {
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
chk_addr_in(struct chk *c, const char *what, uint32_t addr, const char *text,
            const struct m_prefix *subnet, const struct m_src *src, const char *device)
{
    uint32_t m = mask_of(subnet->len);
    uint32_t net = subnet->addr & m;

    if ((addr & m) != net) {
        chk_report(c, DIAG_IP_OUTSIDE_SUBNET, src, device, what, text, subnet->text);
        return;
    }
    if (subnet->len < 31 && addr == net) {
        chk_report(c, DIAG_IP_RESERVED, src, device, what, text, "network", subnet->text);
    } else if (subnet->len < 31 && addr == (net | ~m)) {
        chk_report(c, DIAG_IP_RESERVED, src, device, what, text, "broadcast", subnet->text);
    }
}

struct addr_use {
    uint32_t addr;
    const char *text;
    const char *owner;      /* device or external node/site, for "same interface" */
    const char *label;
    const struct m_src *src;
};

static int
addr_cmp(const void *x, const void *y)
{
    const struct addr_use *a = x, *b = y;

    if (a->addr != b->addr) {
        return a->addr < b->addr ? -1 : 1;
    }
    return a->src->line < b->src->line ? -1 : (a->src->line > b->src->line);
}

/* Is @b's external peer address the address of the far end of the segment its hop in
 * @conn crosses? */
static bool
peer_is_segment_end(const struct m_conn *conn, const struct m_bgp *b)
{
    const struct m_hop *h = b->dev && b->port ? chk_hop_at_port(conn, b->dev, b->port) : NULL;
    int e;

    for (e = 0; h && e < 2; e++) {
        if (!h->seg->end[e].dev && h->seg->end[e].has_addr && h->seg->end[e].addr == b->peer) {
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
    size_t n = 0, cap = 2 * svc->nsegments, i, j;
    char label[128];
    int e;

    chk_overlaps(c);
    for (i = 0; i < svc->nconns; i++) {
        cap += 2 * svc->conns[i].nbgp;
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

            if (!end->has_addr) {
                continue;
            }
            snprintf(label, sizeof label, "segment %s end %s", s->name, e ? "b" : "a");
            if (s->has_subnet) {
                chk_addr_in(c, label, end->addr, end->addr_text, &s->subnet, &end->addr_src,
                            end->dev ? end->dev->name : NULL);
            }
            uses[n].addr = end->addr;
            uses[n].text = end->addr_text;
            uses[n].owner = end->dev ? end->dev->name : (end->node ? end->node : "external");
            uses[n].label = s->name;
            uses[n++].src = &end->addr_src;
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *b = &svc->conns[i].bgp[j];
            const char *dn = b->dev ? b->dev->name : NULL;

            snprintf(label, sizeof label, "session %s local address", b->name);
            chk_addr_in(c, label, b->local, b->local_text, &b->subnet, &b->local_src, dn);
            snprintf(label, sizeof label, "session %s peer address", b->name);
            chk_addr_in(c, label, b->peer, b->peer_text, &b->subnet, &b->peer_src, dn);
            if (b->local == b->peer) {
                chk_report(c, DIAG_IP_DUPLICATE, &b->peer_src, dn, b->peer_text,
                           "the local address", "the peer address", svc->file, b->local_src.line);
            }
            uses[n].addr = b->local;
            uses[n].text = b->local_text;
            uses[n].owner = dn;
            uses[n].label = b->name;
            uses[n++].src = &b->local_src;
            /* The peer's own session records a managed peer's address; an external
             * peer's address is recorded here, unless the segment the session rides
             * already gives it to its external end (one address, written twice). */
            if (b->peer_site && b->peer != b->local && !peer_is_segment_end(&svc->conns[i], b)) {
                uses[n].addr = b->peer;
                uses[n].text = b->peer_text;
                uses[n].owner = b->peer_site->name;
                uses[n].label = b->name;
                uses[n++].src = &b->peer_src;
            }
        }
    }
    qsort(uses, n, sizeof *uses, addr_cmp);
    for (i = 1; i < n; i++) {
        const struct addr_use *a = &uses[i - 1], *b = &uses[i];

        if (a->addr == b->addr && a->owner && b->owner && strcmp(a->owner, b->owner)) {
            char l1[160], l2[160];

            snprintf(l1, sizeof l1, "%s on %s", a->label, a->owner);
            snprintf(l2, sizeof l2, "%s on %s", b->label, b->owner);
            chk_report(c, DIAG_IP_DUPLICATE, b->src, NULL, b->text, l2, l1, svc->file,
                       a->src->line);
        }
    }
    nst_free(uses);
}
