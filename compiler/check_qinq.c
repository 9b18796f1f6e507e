/*
 * check_qinq.c: multi-VLAN and port-based QinQ (netstitch-qinq qinq-bundle).
 *
 * A bundle hop is one S-tag carrying a list or ranges of customer VLANs, or all of
 * them; the C-tags pass through the service untouched and only the S-tag is pushed and
 * popped. The MTU and TPID rules of check_mtu.c and check.c apply unchanged (a bundle
 * is two tags with an outer TPID). Here:
 *
 *   - the C-VLAN list itself: ranges low-high within 1-4094, none overlapping another
 *     of the same bundle (QINQ-CVLAN-RANGE);
 *   - across every service on a port: two hops with the same S-tag whose customer
 *     VLANs overlap, at least one a bundle (QINQ-CVLAN-OVERLAP; two equal single C-tags
 *     are VLAN-DUPLICATE-TAGS in check.c);
 *   - where a bundle meets the next hop at a router: the next hop is a bundle with the
 *     same customer VLANs (a rewrite stitch may change the S-tag) or a VPLS; a route
 *     stitch or a BGP session on a bundle is refused (QINQ-BUNDLE-STITCH);
 *   - what each vendor can match (QINQ-BUNDLE-UNSUPPORTED): Junos a list (inner-list)
 *     or one range with a C-tag TPID (inner-range); IOS-XR one range or any (UM
 *     l2transport dot1ad/dot1q ... end-vlan-id); SR OS only all C-VLANs (SAP S.*);
 *     VRP a list with C-tag TPID 0x8100 (qinq ce-vlan-list); OpenConfig a list or
 *     one range (double-tagged-inner-list / -inner-range); EOS none (its FlexEncap
 *     inner ranges are not confirmed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "driver.h"

/* Does @e carry customer VLAN @v? Single C-tags count as one-VLAN bundles. */
static bool
carries(const struct m_encap *e, unsigned v)
{
    size_t i;

    if (!e->bundle) {
        return e->inner == v;
    }
    if (e->all_cvlans) {
        return v >= 1 && v <= 4094;
    }
    for (i = 0; i < e->ncvlans; i++) {
        if (v >= e->cvlans[i].lo && v <= e->cvlans[i].hi) {
            return true;
        }
    }
    return false;
}

/* The lowest customer VLAN two QinQ encapsulations share, or 0. */
static unsigned
first_shared(const struct m_encap *a, const struct m_encap *b)
{
    unsigned v;

    if (!a->bundle) {
        return carries(b, a->inner) ? a->inner : 0;
    }
    if (!b->bundle) {
        return carries(a, b->inner) ? b->inner : 0;
    }
    for (v = 1; v <= 4094; v++) {
        if (carries(a, v) && carries(b, v)) {
            return v;
        }
    }
    return 0;
}

static void
chk_cvlan_list(struct chk *c, const struct m_conn *conn, const struct m_hop *h)
{
    const struct m_encap *e = &h->encap;
    char buf[160], why[96];
    size_t i, j;

    for (i = 0; i < e->ncvlans; i++) {
        const struct m_vlan_range *r = &e->cvlans[i];

        why[0] = '\0';
        if (r->lo < 1 || r->hi > 4094) {
            snprintf(why, sizeof why, "%u-%u is outside 1-4094", r->lo, r->hi);
        } else if (r->lo > r->hi) {
            snprintf(why, sizeof why, "%u-%u runs backwards", r->lo, r->hi);
        }
        for (j = 0; !why[0] && j < i; j++) {
            if (r->lo <= e->cvlans[j].hi && e->cvlans[j].lo <= r->hi) {
                snprintf(why, sizeof why, "%u-%u overlaps %u-%u", r->lo, r->hi, e->cvlans[j].lo,
                         e->cvlans[j].hi);
            }
        }
        if (why[0]) {
            chk_report(c, DIAG_QINQ_CVLAN_RANGE, &h->encap_src, NULL, h->seq, conn->name,
                       model_encap_str(e, buf, sizeof buf), why);
            return;
        }
    }
}

/* What @d's driver cannot match of @e (drv_ops.bundle_problem), or NULL. */
static const char *
vendor_limit(const struct m_device *d, const struct m_encap *e)
{
    if (!d->drv || !d->drv->bundle_problem) {
        return "this driver does not render multi-VLAN QinQ";
    }
    return d->drv->bundle_problem(e->all_cvlans, e->ncvlans, e->inner_tpid == TPID_8100);
}

static void
chk_bundle_hop(struct chk *c, const struct m_conn *conn, size_t i)
{
    const struct m_hop *h = &conn->hops[i];
    char b1[160], b2[160];
    size_t k, st;
    int e;

    chk_cvlan_list(c, conn, h);
    for (e = 0; e < 2; e++) {
        const struct m_device *d = h->seg->end[e].dev;
        const char *why = d ? vendor_limit(d, &h->encap) : NULL;

        if (why) {
            chk_report(c, DIAG_QINQ_BUNDLE_UNSUPPORTED, &h->encap_src, d->name, h->seq, conn->name,
                       d->drv->name, d->name, model_encap_str(&h->encap, b1, sizeof b1), why);
        }
    }
    /* The neighbours at a router: a bundle with the same C-VLANs, or a VPLS. */
    for (k = 0; k < conn->nhops; k++) {
        const struct m_hop *o = &conn->hops[k];
        const struct m_device *d = NULL;
        const char *why = NULL;
        int a, b;

        if (k != i + 1 && i != k + 1) {
            continue;
        }
        for (a = 0; a < 2 && !d; a++) {
            for (b = 0; b < 2; b++) {
                if (h->seg->end[a].dev && h->seg->end[a].dev == o->seg->end[b].dev) {
                    d = h->seg->end[a].dev;
                }
            }
        }
        if (!d || o->encap.kind == ENCAP_VPLS || (k < i && o->encap.bundle)) {
            continue; /* VPLS joins are fine; two bundles: once, from the first */
        }
        if (!o->encap.bundle) {
            why = "a bundle's customer VLANs can only continue in a bundle or a VPLS";
        } else if (!model_cvlans_equal(&h->encap, &o->encap) && !h->encap.all_cvlans &&
                   !o->encap.all_cvlans) {
            /* Equal lists, or one side takes every C-VLAN (port-based: it passes
             * whatever the listed side sends, and the listed side filters the rest). */
            why = "the two bundles carry different customer VLANs";
        }
        for (st = 0; !why && st < conn->nstitches; st++) {
            if (conn->stitches[st].dev == d && conn->stitches[st].kind == STITCH_ROUTE) {
                why = "a route stitch cannot carry a bundle's customer VLANs";
            }
        }
        if (why) {
            chk_report(c, DIAG_QINQ_BUNDLE_STITCH, &o->encap_src, d->name, d->name, h->seq,
                       model_encap_str(&h->encap, b1, sizeof b1), o->seq,
                       model_encap_str(&o->encap, b2, sizeof b2), why);
        }
    }
}

/* Hop ends whose S-tag is shared with another service's on the same port. */
struct qinq_use {
    const struct m_port *port;
    const struct m_conn *conn;
    const struct m_hop *hop;
};

static int
qinq_use_cmp(const void *x, const void *y)
{
    const struct qinq_use *a = x, *b = y;

    if (a->port->idx != b->port->idx) {
        return a->port->idx < b->port->idx ? -1 : 1;
    }
    if (a->hop->encap.outer != b->hop->encap.outer) {
        return a->hop->encap.outer < b->hop->encap.outer ? -1 : 1;
    }
    return 0;
}

static void
chk_overlaps(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct qinq_use *u;
    size_t n = 0, cap = 0, i, j, k, l;
    char b1[160], b2[160], l1[96], l2[96];

    for (i = 0; i < svc->nconns; i++) {
        cap += svc->conns[i].nhops * 2;
    }
    u = nst_calloc(cap ? cap : 1, sizeof *u);
    if (!u) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nhops; j++) {
            const struct m_hop *h = &svc->conns[i].hops[j];
            int e;

            if (h->encap.kind != ENCAP_QINQ) {
                continue;
            }
            for (e = 0; e < 2; e++) {
                if (h->seg->end[e].port) {
                    u[n].port = h->seg->end[e].port;
                    u[n].conn = &svc->conns[i];
                    u[n].hop = h;
                    n++;
                }
            }
        }
    }
    qsort(u, n, sizeof *u, qinq_use_cmp);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && !qinq_use_cmp(&u[i], &u[j]); j++) {
        }
        for (k = i; k < j; k++) {
            for (l = i; l < k; l++) {
                const struct m_encap *a = &u[l].hop->encap, *b = &u[k].hop->encap;
                unsigned v;

                if (u[l].hop == u[k].hop || (!a->bundle && !b->bundle)) {
                    continue; /* the same hop; equal single C-tags: VLAN-DUPLICATE-TAGS */
                }
                if (a->inner == b->inner && model_cvlans_equal(a, b) && a->bundle == b->bundle) {
                    continue; /* identical: VLAN-DUPLICATE-TAGS reports it */
                }
                v = first_shared(a, b);
                if (v) {
                    snprintf(l1, sizeof l1, "hop %u of %s", u[l].hop->seq, u[l].conn->name);
                    snprintf(l2, sizeof l2, "hop %u of %s", u[k].hop->seq, u[k].conn->name);
                    chk_report(c, DIAG_QINQ_CVLAN_OVERLAP, &u[k].hop->encap_src,
                               u[k].port->dev->name, u[k].port->name, u[k].port->dev->name, l1,
                               model_encap_str(a, b1, sizeof b1), l2,
                               model_encap_str(b, b2, sizeof b2), a->outer, v);
                }
            }
        }
    }
    nst_free(u);
}

/* A BGP session on a bundle hop: the C-tags pass through, there is nothing to route. */
static void
chk_bundle_bgp(struct chk *c, const struct m_conn *conn)
{
    char b1[160];
    size_t i;

    for (i = 0; i < conn->nbgp; i++) {
        const struct m_bgp *b = &conn->bgp[i];
        const struct m_hop *h = b->dev && b->port ? chk_hop_at_port(conn, b->dev, b->port) : NULL;

        if (h && h->encap.bundle) {
            chk_report(c, DIAG_QINQ_BUNDLE_STITCH, &b->src, b->dev->name, b->dev->name, h->seq,
                       model_encap_str(&h->encap, b1, sizeof b1), h->seq, b->name,
                       "a BGP session cannot ride a bundle of customer VLANs");
        }
    }
}

/* A VPLS whose attachment circuits mix bundles and other tagging: the bundles keep their
 * C-tags on the pseudowire, the others send untagged frames, so they cannot talk. */
static void
chk_bundle_vpls(struct chk *c, const struct m_conn *conn)
{
    char b1[160], b2[160];
    size_t i, j;

    for (i = 0; i < conn->nvpls; i++) {
        const struct m_vpls *v = &conn->vpls[i];

        for (j = 1; j < v->nmembers; j++) {
            const struct m_vpls_member *a = &v->members[0], *b = &v->members[j];

            if (a->encap.bundle == b->encap.bundle &&
                (!a->encap.bundle || model_cvlans_equal(&a->encap, &b->encap) ||
                 a->encap.all_cvlans || b->encap.all_cvlans)) {
                continue;
            }
            chk_report(c, DIAG_QINQ_BUNDLE_VPLS, &b->src, b->dev ? b->dev->name : NULL, v->name,
                       a->dev ? a->dev->name : "?", model_encap_str(&a->encap, b1, sizeof b1),
                       b->dev ? b->dev->name : "?", model_encap_str(&b->encap, b2, sizeof b2));
        }
    }
}

void
chk_qinq(struct chk *c)
{
    const struct m_service *svc = c->svc;
    bool any = false;
    size_t i, j;

    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];

        for (j = 0; j < conn->nhops; j++) {
            if (conn->hops[j].encap.bundle) {
                any = true;
                chk_bundle_hop(c, conn, j);
            }
        }
        chk_bundle_bgp(c, conn);
        chk_bundle_vpls(c, conn);
    }
    if (any) {
        chk_overlaps(c);
    }
}
