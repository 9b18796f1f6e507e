/*
 * check_multipoint.c: the MTU of a multipoint VPN per attachment pair.
 *
 * A VPLS is defined by its attachment circuits (its members: device, port, tags). A
 * connection that carries one is threaded through every member, but two sites of the
 * VPLS talk over their own two attachment circuits and the core between their PEs, not
 * over the other sites' circuits. So for each pair of members the largest IP MTU is the
 * smaller of the two attachment circuits' and of the core hops between them (each from
 * the MTU table of check_mtu.c, after planned raises), and the worst pair is named:
 * VPLS-WORST-PAIR, a note, with what limits it. The per-hop errors stay check_mtu.c's.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* The MTU-table row of hop @h of @conn, or NULL. */
static const struct chk_hop_mtu *
row_of(const struct chk *c, const struct m_hop *h)
{
    size_t i;

    for (i = 0; h && i < c->res->nhops; i++) {
        if (c->res->hops[i].hop == h) {
            return &c->res->hops[i];
        }
    }
    return NULL;
}

static void
chk_vpls_pairs(struct chk *c, const struct m_conn *conn, const struct m_vpls *v)
{
    const struct m_vpls_member *wa = NULL, *wb = NULL;
    uint32_t worst = UINT32_MAX;
    unsigned pairs = 0;
    char whybuf[160], why[160] = "";
    size_t i, j, k;

    for (i = 0; i < v->nmembers; i++) {
        const struct m_vpls_member *a = &v->members[i];
        const struct m_hop *ha = a->dev && a->port ? chk_hop_at_port(conn, a->dev, a->port) : NULL;
        const struct chk_hop_mtu *ra = row_of(c, ha);

        for (j = i + 1; ra && j < v->nmembers; j++) {
            const struct m_vpls_member *b = &v->members[j];
            const struct m_hop *hb =
                b->dev && b->port ? chk_hop_at_port(conn, b->dev, b->port) : NULL;
            const struct chk_hop_mtu *rb = row_of(c, hb);
            uint32_t m;
            size_t lo, hi;

            if (!rb) {
                continue;
            }
            pairs++;
            m = ra->max_ip < rb->max_ip ? ra->max_ip : rb->max_ip;
            snprintf(whybuf, sizeof whybuf, "the attachment circuit at %s",
                     ra->max_ip <= rb->max_ip ? a->dev->name : b->dev->name);
            /* The core hops of this VPLS between the two attachment circuits. */
            lo = (size_t)(ha < hb ? ha - conn->hops : hb - conn->hops);
            hi = (size_t)(ha < hb ? hb - conn->hops : ha - conn->hops);
            for (k = lo + 1; k < hi; k++) {
                const struct m_hop *h = &conn->hops[k];
                const struct chk_hop_mtu *r = row_of(c, h);

                if (h->encap.kind == ENCAP_VPLS && h->encap.vpls_ref == v && r && r->max_ip < m) {
                    m = r->max_ip;
                    snprintf(whybuf, sizeof whybuf, "core hop %u (%s)", h->seq, h->seg->name);
                }
            }
            if (m < worst) {
                worst = m;
                wa = a;
                wb = b;
                memcpy(why, whybuf, sizeof why);
            }
        }
    }
    if (wa && wb) {
        chk_report(c, DIAG_MP_WORST_PAIR, &v->src, NULL, v->name, pairs, wa->dev->name,
                   wb->dev->name, worst, why);
    }
}

void
chk_multipoint(struct chk *c)
{
    size_t i, j;

    for (i = 0; i < c->svc->nconns; i++) {
        for (j = 0; j < c->svc->conns[i].nvpls; j++) {
            if (c->svc->conns[i].vpls[j].nmembers > 2) {
                chk_vpls_pairs(c, &c->svc->conns[i], &c->svc->conns[i].vpls[j]);
            }
        }
    }
}
