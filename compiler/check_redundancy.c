/*
 * check_redundancy.c: redundant pairs (netstitch-redundancy).
 *
 * Connections naming one redundancy group are the legs of one service: a primary and
 * one or more secondaries that share the customer side and differ at the hand-off.
 * Each leg is a connection and gets every per-connection check (MTU, tags, overlaps,
 * its cloud's on-ramp rules). Here the group as a whole:
 *
 *   - REDUNDANCY-ROLES: exactly one primary, at least one secondary;
 *   - REDUNDANCY-ENDPOINTS: every leg joins the primary's two end sites;
 *   - REDUNDANCY-SAME-HANDOFF: the legs' last segments differ;
 *   - REDUNDANCY-NOT-DIVERSE (diverse, the default): after the customer side (the first
 *     hop's segment and the customer router it starts at) the legs share no segment and
 *     no managed router;
 *   - REDUNDANCY-PREFERENCE (active-standby, the default; a warning): the far side must
 *     prefer the primary, so a secondary's BGP sessions export with more AS-path
 *     prepends or a higher MED than the primary's. The knobs are read from the service's
 *     bgp-session/export (as-path-prepend, med) by name, so this works with any service
 *     model revision that has them and stays silent about legs without sessions.
 *
 * The group leaves are augments, read from the libyang tree by the connection's data
 * path; the C model is unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lyutil.h"

#define RED_NS "netstitch-redundancy"

struct red_leg {
    const struct m_conn *conn;
    const char *group;
    bool primary, active_active, diverse;
};

static const struct lyd_node *
node_at(const struct lyd_node *tree, const struct m_src *src)
{
    struct lyd_node *n = NULL;

    /* The model keeps the node (model.c); a path search otherwise, 23 000 instructions. */
    if (src->node) {
        return src->node;
    }
    if (!tree || !src->path || lyd_find_path(tree, src->path, 0, &n) != LY_SUCCESS) {
        return NULL;
    }
    return n;
}

static const struct lyd_node *
kid(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n;

    if (!parent) {
        return NULL;
    }
    LY_LIST_FOR(lyd_child(parent), n)
    {
        if (!strcmp(ly_node_name(n), name)) {
            return n;
        }
    }
    return NULL;
}

static const char *
kid_str(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *n = kid(parent, name);

    return n ? lyd_get_value(n) : NULL;
}

/* The least preference the far side gives @conn's sessions: max prepends, max MED. */
static void
leg_export(const struct lyd_node *tree, const struct m_conn *conn, unsigned *prepend,
           unsigned long long *med, bool *any)
{
    size_t i;

    *prepend = 0;
    *med = 0;
    *any = false;
    for (i = 0; i < conn->nbgp; i++) {
        const struct lyd_node *ex = kid(node_at(tree, &conn->bgp[i].src), "export");
        const char *v;

        *any = true;
        if ((v = kid_str(ex, "as-path-prepend")) && (unsigned)atoi(v) > *prepend) {
            *prepend = (unsigned)atoi(v);
        }
        if ((v = kid_str(ex, "med")) && strtoull(v, NULL, 10) > *med) {
            *med = strtoull(v, NULL, 10);
        }
    }
}

static bool
seg_in(const struct m_conn *conn, const struct m_segment *s, size_t from)
{
    size_t i;

    for (i = from; i < conn->nhops; i++) {
        if (conn->hops[i].seg == s) {
            return true;
        }
    }
    return false;
}

static bool
dev_in(const struct m_conn *conn, const struct m_device *d, const struct m_device *skip)
{
    size_t i;
    int e;

    for (i = 0; d && d != skip && i < conn->nhops; i++) {
        for (e = 0; e < 2; e++) {
            if (conn->hops[i].seg->end[e].dev == d) {
                return true;
            }
        }
    }
    return false;
}

/* The customer router: where the first hop starts (its first managed end). */
static const struct m_device *
customer_router(const struct m_conn *conn)
{
    const struct m_segment *s = conn->nhops ? conn->hops[0].seg : NULL;

    return !s ? NULL : s->end[0].dev ? s->end[0].dev : s->end[1].dev;
}

static void
chk_pair(struct chk *c, const struct red_leg *p, const struct red_leg *l)
{
    const struct m_conn *a = p->conn, *b = l->conn;
    const struct m_device *cust = customer_router(a);
    size_t i;
    int e;

    if (a->nendpoints >= 2 && b->nendpoints >= 2 &&
        (a->endpoints[0] != b->endpoints[0] ||
         a->endpoints[a->nendpoints - 1] != b->endpoints[b->nendpoints - 1])) {
        chk_report(c, DIAG_RED_ENDS, &b->src, NULL, b->name, l->group, b->endpoints[0]->name,
                   b->endpoints[b->nendpoints - 1]->name, a->name, a->endpoints[0]->name,
                   a->endpoints[a->nendpoints - 1]->name);
    }
    if (a->nhops && b->nhops && a->hops[a->nhops - 1].seg == b->hops[b->nhops - 1].seg) {
        chk_report(c, DIAG_RED_HANDOFF, &b->hops[b->nhops - 1].src, NULL, a->name, b->name,
                   l->group, b->hops[b->nhops - 1].seg->name);
        return;
    }
    if (!p->diverse) {
        return;
    }
    /* After the customer side: hops 2.. of each leg, and every router but the customer's. */
    for (i = 1; i < b->nhops; i++) {
        const struct m_segment *s = b->hops[i].seg;

        if (seg_in(a, s, 1)) {
            chk_report(c, DIAG_RED_DIVERSE, &b->hops[i].src, NULL, a->name, b->name, l->group,
                       "segment", s->name);
            return;
        }
        for (e = 0; e < 2; e++) {
            const struct m_device *d = s->end[e].dev;

            if (d && d != cust && dev_in(a, d, cust)) {
                chk_report(c, DIAG_RED_DIVERSE, &b->hops[i].src, d->name, a->name, b->name,
                           l->group, "router", d->name);
                return;
            }
        }
    }
}

static void
chk_preference(struct chk *c, const struct lyd_node *tree, const struct red_leg *p,
               const struct red_leg *l)
{
    unsigned pp, lp;
    unsigned long long pm, lm;
    bool pany, lany;
    char what[128];

    if (p->active_active) {
        return;
    }
    leg_export(tree, p->conn, &pp, &pm, &pany);
    leg_export(tree, l->conn, &lp, &lm, &lany);
    if (!pany || !lany || lp > pp || (lp == pp && lm > pm)) {
        return; /* no sessions to compare, or the secondary is less preferred */
    }
    snprintf(what, sizeof what, "prepend %u vs %u, MED %llu vs %llu", lp, pp, lm, pm);
    chk_report(c, DIAG_RED_PREFERENCE, &l->conn->src, NULL, l->group, l->conn->name, p->conn->name,
               what);
}

void
chk_redundancy(struct chk *c, const struct lyd_node *tree)
{
    const struct m_service *svc = c->svc;
    struct red_leg *legs;
    size_t n = 0, i, j;

    legs = arena_array(c->arena, svc->nconns ? svc->nconns : 1, sizeof *legs);
    if (!legs) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nconns; i++) {
        const struct lyd_node *r = kid(node_at(tree, &svc->conns[i].src), "redundancy");
        const char *v;

        if (!r || !r->schema || strcmp(r->schema->module->name, RED_NS)) {
            continue;
        }
        legs[n].conn = &svc->conns[i];
        legs[n].group = kid_str(r, "group");
        legs[n].primary = (v = kid_str(r, "role")) && !strcmp(v, "primary");
        legs[n].active_active = (v = kid_str(r, "mode")) && !strcmp(v, "active-active");
        legs[n].diverse = !(v = kid_str(r, "diverse")) || strcmp(v, "false");
        if (legs[n].group) {
            n++;
        }
    }
    for (i = 0; i < n; i++) {
        const struct red_leg *prim = NULL;
        unsigned np = 0, ns = 0;
        bool first = true;

        for (j = 0; j < i && first; j++) {
            first = strcmp(legs[j].group, legs[i].group) != 0;
        }
        if (!first) {
            continue; /* the group was done from its first leg */
        }
        for (j = i; j < n; j++) {
            if (!strcmp(legs[j].group, legs[i].group)) {
                np += legs[j].primary;
                ns += !legs[j].primary;
                prim = legs[j].primary && !prim ? &legs[j] : prim;
            }
        }
        if (np != 1 || !ns) {
            chk_report(c, DIAG_RED_ROLES, &legs[i].conn->src, NULL, legs[i].group, np, ns);
            continue;
        }
        for (j = i; j < n; j++) {
            if (&legs[j] != prim && !strcmp(legs[j].group, legs[i].group)) {
                chk_pair(c, prim, &legs[j]);
                chk_preference(c, tree, prim, &legs[j]);
            }
        }
    }
}
