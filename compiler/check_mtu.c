/*
 * check_mtu.c: the MTU budget of every hop, in each vendor's meaning of MTU.
 *
 * For each connection and hop the frame is IP MTU + 14-byte Ethernet header + 4 bytes
 * per VLAN tag, or, on an MPLS core hop carrying the connection's VPLS, the customer
 * frame + control word + two labels inside a core header (IP + 40). Each end's port
 * must carry it; what its MTU knob has to say depends on the vendor (driver.c:
 * drv_port_mtu_needed):
 *   - a segment someone else owns has a fixed MTU (the largest Ethernet payload it
 *     carries, tags counting against it): too small is an error that states the
 *     largest IP MTU the path can carry (the 1496 case: one tag on a 1500 link);
 *   - a managed port that is too small becomes a planned MTU change up to its
 *     hardware maximum (a note), or an error beyond it.
 * A port used by several hops needs the largest of their values; the planned change
 * is decided once per port after all connections are seen.
 *
 * A routed hop (a router on it runs a BGP session or a route stitch there) on a segment
 * someone else owns is also checked the other way round (issue 11): the owner's end sends
 * IP packets as large as the segment's fixed MTU allows, whatever netstitch writes on its
 * own side (the compile sets the router's interface to the connection's IP MTU), so when
 * that is more than the rest of the path carries, the difference is a warning
 * (MTU-ROUTED-HOP-LARGER) stating both numbers: those packets then live on
 * fragmentation or working path-MTU discovery (a cloud attachment at IP MTU 9001 in
 * front of a 1500-byte path).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "driver.h"

#define ETH_HDR 14u
#define CORE_OVERHEAD 40u /* customer header 14 + CW 4 + 2 labels 8 + core header 14 */

/* Bytes of customer C-tag a VPLS core hop carries inside its customer frames: 4 when
 * the VPLS's attachment circuits are QinQ bundles, whose C-tags ride the service
 * (netstitch-qinq; check_qinq.c keeps a bundle's neighbours bundles). */
static uint32_t
core_ctag(const struct m_hop *h)
{
    const struct m_vpls *v = h->encap.kind == ENCAP_VPLS ? h->encap.vpls_ref : NULL;
    size_t i;

    for (i = 0; v && i < v->nmembers; i++) {
        if (v->members[i].encap.bundle) {
            return 4u;
        }
    }
    return 0;
}

static uint32_t
frame_size(uint32_t ip, const struct m_hop *h)
{
    if (h->encap.kind == ENCAP_VPLS) {
        return ip + CORE_OVERHEAD + core_ctag(h);
    }
    return ip + ETH_HDR + 4u * model_encap_tags(&h->encap);
}

/* Largest IP MTU a fixed segment carries with this hop's tags. */
static uint32_t
fixed_max_ip(const struct m_hop *h)
{
    uint32_t over = h->encap.kind == ENCAP_VPLS ? CORE_OVERHEAD - ETH_HDR :
                                                  4u * model_encap_tags(&h->encap);

    if (h->seg->mtu_is_ip) {
        return h->seg->mtu;
    }

    return h->seg->mtu > over ? h->seg->mtu - over : 0;
}

/* The tags port @p's MTU counts for hop @h: the hop's own, or more where the vendor's
 * tagging mode for the whole port reserves more (drv_tags_counted; Junos
 * flexible-vlan-tagging counts two). @tagging is indexed by port. */
static unsigned
tags_counted(const struct m_port *p, const struct m_hop *h, const enum drv_tagging *tagging)
{
    return drv_tags_counted(p->dev->drv, tagging[p->idx], model_encap_tags(&h->encap));
}

/* Largest IP MTU a port carries on this hop, raised to its hardware maximum. */
static uint32_t
port_max_ip(const struct m_port *p, const struct m_hop *h, const enum drv_tagging *tagging)
{
    uint32_t best = p->max_mtu > p->mtu ? p->max_mtu : p->mtu;

    return drv_ip_mtu_carried(p->dev->drv, best, tags_counted(p, h, tagging),
                              h->encap.kind == ENCAP_VPLS ? DRV_FRAME_PW : DRV_FRAME_ETH);
}

/* Each port's tagging mode from every tagged hop that uses it, the way the drivers decide
 * it from the port's sub-interfaces (drv_tagging_add). NULL on allocation failure. */
static enum drv_tagging *
port_tagging(struct chk *c)
{
    const struct m_service *svc = c->svc;
    enum drv_tagging *t = arena_array(c->arena, svc->nports ? svc->nports : 1, sizeof *t);
    size_t i, j;
    int e;

    if (!t) {
        return NULL;
    }
    for (i = 0; i < svc->nports; i++) {
        t[i] = DRV_TAGGING_NONE;
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nhops; j++) {
            const struct m_hop *h = &svc->conns[i].hops[j];

            if (h->encap.kind == ENCAP_VPLS) {
                continue;
            }
            for (e = 0; e < 2; e++) {
                const struct m_port *p = h->seg->end[e].port;

                if (p) {
                    t[p->idx] =
                        drv_tagging_add(t[p->idx], model_encap_tags(&h->encap), h->encap.tpid);
                }
            }
        }
    }
    /* A multipoint VPN's attachment circuits are sub-interfaces of their ports too. */
    for (i = 0; i < svc->nmps; i++) {
        for (j = 0; j < svc->mps[i].nacs; j++) {
            const struct m_mp_ac *a = &svc->mps[i].acs[j];

            if (a->port) {
                t[a->port->idx] = drv_tagging_add(t[a->port->idx], model_encap_tags(&a->encap),
                                                  a->encap.tpid);
            }
        }
    }
    return t;
}

static const char *
overhead_str(const struct m_hop *h, char *buf, size_t len)
{
    unsigned tags = model_encap_tags(&h->encap);

    if (h->seg->mtu_is_ip) {
        snprintf(buf, len, "0 bytes: tags ride on top of an IP-meaning MTU");
    } else if (h->encap.kind == ENCAP_VPLS) {
        snprintf(buf, len, "customer header, control word and 2 labels, 26 bytes");
    } else {
        snprintf(buf, len, "%u tag%s, %u bytes", tags, tags == 1 ? "" : "s", 4 * tags);
    }
    return buf;
}

/* Does a router of the service route on hop @h of @conn (a BGP session on the port where
 * it reaches the hop, or a route stitch with the hop as one side)? */
static bool
hop_routed(const struct m_conn *conn, const struct m_hop *h)
{
    size_t i;

    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (s->kind == STITCH_ROUTE && (s->from == h || s->to == h)) {
            return true;
        }
    }
    for (i = 0; i < conn->nbgp; i++) {
        const struct m_bgp *b = &conn->bgp[i];

        if (b->dev && b->port && chk_hop_at_port(conn, b->dev, b->port) == h) {
            return true;
        }
    }
    return false;
}

/* Pass 4: routed hops whose owner's IP MTU is larger than the rest of the path carries. */
static void
routed_larger(struct chk *c)
{
    const struct m_service *svc = c->svc;
    const struct chk_result *r = c->res;
    size_t i, j;

    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];

        /* A path that cannot carry the connection's IP MTU is already an error
         * (MTU-FIXED-SEGMENT, MTU-PORT-HW-LIMIT) naming the largest IP MTU it carries;
         * the fix changes every number here, so no warning on top of it. */
        if (r->conns[i].max_ip < conn->ip_mtu) {
            continue;
        }
        for (j = 0; j < conn->nhops; j++) {
            const struct m_hop *h = &conn->hops[j];
            /* Every hop carries at least the connection's IP MTU (checked above) and
             * the routers' interfaces are set to it: that is what the rest carries. */
            uint32_t theirs, rest = conn->ip_mtu;

            if (!h->seg->owner || !h->seg->mtu || h->encap.kind == ENCAP_VPLS ||
                !hop_routed(conn, h)) {
                continue;
            }
            theirs = fixed_max_ip(h);
            if (theirs > rest) {
                chk_report(c, DIAG_MTU_ROUTED_LARGER, &h->src, NULL, h->seq, conn->name,
                           h->seg->name, h->seg->owner->name, theirs, rest, rest + 1, theirs);
            }
        }
    }
}

void
chk_mtu(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct chk_result *r = c->res;
    size_t i, j, total = 0, row = 0;
    enum drv_tagging *tagging;
    char buf[96];
    int e;

    for (i = 0; i < svc->nconns; i++) {
        total += svc->conns[i].nhops;
    }
    tagging = port_tagging(c);
    if (!tagging) {
        c->err = NST_ENOMEM;
        return;
    }
    r->tagging = tagging;
    r->hops = arena_array(c->arena, total, sizeof *r->hops);
    if (!r->hops && total) {
        c->err = NST_ENOMEM;
        return;
    }
    r->nhops = total;

    /* Pass 1: per connection, the path maximum and each hop's frame; per port, the
     * largest need. */
    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];
        struct chk_conn *cc = &r->conns[i];

        cc->max_ip = UINT32_MAX;
        for (j = 0; j < conn->nhops; j++) {
            const struct m_hop *h = &conn->hops[j];
            struct chk_hop_mtu *m = &r->hops[row++];
            uint32_t hop_max = UINT32_MAX;

            m->conn = conn;
            m->hop = h;
            m->frame = frame_size(conn->ip_mtu, h);
            if (h->seg->owner && h->seg->mtu) {
                /* An IP-meaning MTU carries the tags on top (the frame limit grows
                 * with them); a frame-payload MTU counts them. */
                m->limit = h->seg->mtu + ETH_HDR +
                           (h->seg->mtu_is_ip ? m->frame - conn->ip_mtu - ETH_HDR : 0);
                hop_max = fixed_max_ip(h);
            }
            for (e = 0; e < 2; e++) {
                const struct m_port *p = h->seg->end[e].port;
                struct chk_port *cp;

                if (!p) {
                    continue;
                }
                m->need[e] = drv_port_mtu_needed(
                    p->dev->drv, conn->ip_mtu + core_ctag(h), tags_counted(p, h, tagging),
                    h->encap.kind == ENCAP_VPLS ? DRV_FRAME_PW : DRV_FRAME_ETH);
                if (port_max_ip(p, h, tagging) < hop_max) {
                    hop_max = port_max_ip(p, h, tagging);
                }
                cp = &r->ports[p->idx];
                cp->port = p;
                if (m->need[e] > cp->needed) {
                    cp->needed = m->need[e];
                    cp->conn = conn;
                    cp->hop = h;
                }
            }
            m->max_ip = hop_max;
            if (hop_max < cc->max_ip) {
                cc->max_ip = hop_max;
            }
        }
    }

    /* Pass 2: fixed segments that are too small. */
    for (i = 0; i < r->nhops; i++) {
        const struct chk_hop_mtu *m = &r->hops[i];
        const struct chk_conn *cc = &r->conns[m->conn - svc->conns];

        if (m->limit && m->frame > m->limit) {
            /* What the hop needs, in the segment's own meaning: an IP-meaning MTU is
             * compared with the IP MTU alone (issue 11: "needs 1504" for IP 1500). */
            chk_report(c, DIAG_MTU_FIXED, &m->hop->src, NULL, m->hop->seg->name, m->hop->seg->mtu,
                       m->hop->seg->owner->name, m->hop->seq,
                       m->hop->seg->mtu_is_ip ? m->conn->ip_mtu : m->frame - ETH_HDR,
                       m->conn->ip_mtu, overhead_str(m->hop, buf, sizeof buf), cc->max_ip);
        }
    }

    /* Pass 3: managed ports, once each. */
    for (i = 0; i < r->nports; i++) {
        struct chk_port *cp = &r->ports[i];
        const struct m_port *p = cp->port;

        if (!p || cp->needed <= p->mtu || p->shared) { /* shared: check_shared.c */
            continue;
        }
        if (p->max_mtu >= cp->needed) {
            cp->planned = cp->needed;
            chk_report(c, DIAG_MTU_RAISE, &p->src, p->dev->name, p->dev->name, p->name, p->mtu,
                       cp->needed, p->dev->drv->name, cp->hop->seq, cp->conn->name);
        } else {
            const struct chk_conn *cc = &r->conns[cp->conn - svc->conns];

            chk_report(c, DIAG_MTU_HW_LIMIT, &p->src, p->dev->name, p->dev->name, p->name,
                       cp->needed, p->dev->drv->name, cp->hop->seq, cp->conn->name,
                       p->max_mtu > p->mtu ? p->max_mtu : p->mtu, cc->max_ip);
        }
    }

    routed_larger(c);
}
