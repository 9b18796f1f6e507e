/*
 * check_shared.c: shared exchange ports (netstitch-exchange).
 *
 * At a cloud exchange one physical port carries many customers' SAPs. A port marked
 * shared keeps its port-level settings: netstitch only adds and removes this service's
 * own sub-interfaces on it (the lowering leaves out the port's MTU, description,
 * encapsulation mode and TPID, see lower.c and the drivers). So a service that would
 * need one of them changed is refused here, with the port and the hop named:
 *
 *   - MTU: a hop needs a larger port MTU than the port has (SHARED-PORT-MTU), where an
 *     unshared port would get a planned raise (MTU-PORT-RAISE);
 *   - encapsulation: an untagged hop (it would take the whole port), or a QinQ hop on
 *     a port whose mode is dot1q (SHARED-PORT-ENCAP);
 *   - TPID: a hop whose outer TPID the vendor sets per port, on a shared port that does
 *     not declare that TPID (SHARED-PORT-TPID; a declared, different TPID is already
 *     QINQ-TPID-CONFLICT in check.c).
 *
 * VPLS attachment circuits on a shared port are held to the same rules, and so are a
 * multipoint VPN's (chk_shared_ac, called by check_multipoint.c; its MTU is the pair
 * check's, MP-PAIR-MTU, which takes a shared port's MTU as it is).
 */
#include <stdio.h>

#include "check.h"
#include "driver.h"

static unsigned
shared_tpid_bit(enum m_tpid t)
{
    switch (t) {
    case TPID_8100:
        return DRV_TPID_8100;
    case TPID_88A8:
        return DRV_TPID_88A8;
    case TPID_9100:
        return DRV_TPID_9100;
    case TPID_NONE:
        break;
    }
    return 0;
}

/* One use of a shared port: a hop end or a VPLS attachment. */
static void
shared_use(struct chk *c, const struct m_port *p, const struct m_encap *e, uint16_t seq,
           const char *conn, const struct m_src *src)
{
    const struct m_device *d = p->dev;
    char buf[64];

    if (e->kind == ENCAP_VPLS) {
        return;
    }
    if (e->kind == ENCAP_UNTAGGED) {
        chk_report(c, DIAG_SHARED_ENCAP, src, d->name, seq, conn, "untagged", p->name, d->name,
                   ": it would take the whole port");
        return;
    }
    if (e->kind == ENCAP_QINQ && p->shared_mode == 1) {
        chk_report(c, DIAG_SHARED_ENCAP, src, d->name, seq, conn,
                   model_encap_str(e, buf, sizeof buf), p->name, d->name,
                   " and in dot1q mode (encapsulation-mode)");
        return;
    }
    if (e->tpid != TPID_8100 && !(d->drv->caps.tpid_per_subif & shared_tpid_bit(e->tpid)) &&
        p->tpid == TPID_NONE) {
        chk_report(c, DIAG_SHARED_TPID, src, d->name, seq, conn, model_tpid_str(e->tpid), p->name,
                   d->name, d->drv->name,
                   "and does not declare its tpid: netstitch will not set it");
    }
}

void
chk_shared_ac(struct chk *c, const struct m_port *p, const struct m_encap *e, const char *what,
              const struct m_src *src)
{
    if (p && p->shared) {
        shared_use(c, p, e, 0, what, src);
    }
}

void
chk_shared(struct chk *c)
{
    const struct m_service *svc = c->svc;
    size_t i, j, k;

    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];

        for (j = 0; j < conn->nhops; j++) {
            const struct m_hop *h = &conn->hops[j];

            for (k = 0; k < 2; k++) {
                const struct m_end *e = &h->seg->end[k];

                if (e->dev && e->port && e->port->shared) {
                    shared_use(c, e->port, &h->encap, h->seq, conn->name, &h->encap_src);
                }
            }
        }
        for (j = 0; j < conn->nvpls; j++) {
            for (k = 0; k < conn->vpls[j].nmembers; k++) {
                const struct m_vpls_member *m = &conn->vpls[j].members[k];

                if (m->port && m->port->shared) {
                    shared_use(c, m->port, &m->encap, 0, conn->name, &m->src);
                }
            }
        }
    }
    for (i = 0; i < c->res->nports; i++) {
        struct chk_port *cp = &c->res->ports[i];
        const struct m_port *p = cp->port;

        if (p && p->shared && cp->needed > p->mtu) {
            chk_report(c, DIAG_SHARED_MTU, &p->src, p->dev->name, p->name, p->dev->name,
                       cp->hop ? cp->hop->seq : 0, cp->conn ? cp->conn->name : "?", cp->needed,
                       p->dev->drv->name, p->mtu);
            cp->planned = 0; /* never planned: the lowering must not touch it */
        }
    }
}
