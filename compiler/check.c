/*
 * check.c: the semantic checker's driver, and the path, VLAN/TPID, stitch, VPLS and
 * bandwidth checks (see check.h for the list of files).
 *
 * Every check keeps going after a problem so one run reports everything. Checks
 * that compare across the whole service (duplicate tags on a port, one TPID per
 * port) sort their candidates instead of comparing all pairs, so the checker stays
 * O(n log n) for a thousand devices.
 *
 * Deliberately not here: anything the YANG model already enforces (ranges,
 * mandatory leaves, references by name). Those never reach the checker.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "driver.h"
#include "service.h"

void
chk_report(struct chk *c, enum diag_code code, const struct m_src *src, const char *device, ...)
{
    struct diag_loc loc = {c->svc->file, src ? src->line : 0, src ? src->path : NULL, device};
    char buf[1024];
    va_list ap;

    va_start(ap, device);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(buf, sizeof buf, diag_code_template(code), ap);
#pragma GCC diagnostic pop
    va_end(ap);
    if (diag_add_msg(c->ctx, code, &loc, buf) != NST_OK && !c->err) {
        c->err = NST_ENOMEM;
    }
}

const char *
chk_bw_str(uint64_t kbps, char *buf, size_t len)
{
    static const char *units[] = {"kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
    uint64_t div = 1;
    int u = 0;

    while (u < 3 && kbps >= div * 1000) {
        div *= 1000;
        u++;
    }
    if (kbps % div == 0) {
        snprintf(buf, len, "%llu %s", (unsigned long long)(kbps / div), units[u]);
    } else {
        snprintf(buf, len, "%.1f %s", (double)kbps / (double)div, units[u]);
    }
    return buf;
}

const struct m_hop *
chk_hop_at_port(const struct m_conn *conn, const struct m_device *dev, const struct m_port *port)
{
    size_t i;

    for (i = 0; i < conn->nhops; i++) {
        const struct m_end *e = model_seg_end_on(conn->hops[i].seg, dev);

        if (conn->hops[i].encap.kind == ENCAP_VPLS || !e) {
            continue;
        }
        if (e->port == port) {
            return &conn->hops[i];
        }
        /* A segment could end twice on one device (a loop cable): check the other end. */
        if (conn->hops[i].seg->end[1].dev == dev && conn->hops[i].seg->end[1].port == port) {
            return &conn->hops[i];
        }
    }
    return NULL;
}

/* The device two consecutive hops share, or NULL. */
static const struct m_device *
junction(const struct m_hop *a, const struct m_hop *b)
{
    int i, j;

    for (i = 0; i < 2; i++) {
        for (j = 0; j < 2; j++) {
            if (a->seg->end[i].dev && a->seg->end[i].dev == b->seg->end[j].dev) {
                return a->seg->end[i].dev;
            }
        }
    }
    return NULL;
}

static bool
seg_reaches_site(const struct m_segment *s, const struct m_site *site)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (s->end[i].site == site || (s->end[i].dev && s->end[i].dev->site == site)) {
            return true;
        }
    }
    return false;
}

static struct m_vpls *
conn_vpls(const struct m_conn *conn, const char *name)
{
    size_t i;

    for (i = 0; name && i < conn->nvpls; i++) {
        if (!strcmp(conn->vpls[i].name, name)) {
            return &conn->vpls[i];
        }
    }
    return NULL;
}

/* /intercloud/connection/hop: continuity, endpoints, segments used once, VPLS hops. */
static void
chk_path(struct chk *c, const struct m_conn *conn)
{
    size_t i, j;

    for (i = 0; i < conn->nhops; i++) {
        struct m_hop *h = &conn->hops[i];

        for (j = 0; j < i; j++) {
            if (conn->hops[j].seg == h->seg) {
                chk_report(c, DIAG_PATH_SEGMENT_TWICE, &h->src, NULL, h->seg->name,
                           conn->hops[j].seq, h->seq);
            }
        }
        if (i > 0 && !junction(&conn->hops[i - 1], h)) {
            chk_report(c, DIAG_PATH_DISCONTINUOUS, &h->src, NULL, h->seq, h->seg->name,
                       conn->hops[i - 1].seq, conn->hops[i - 1].seg->name);
        }
        if (h->encap.kind == ENCAP_VPLS) {
            h->encap.vpls_ref = conn_vpls(conn, h->encap.vpls);
            if (!h->encap.vpls_ref) {
                chk_report(c, DIAG_VPLS_UNKNOWN, &h->encap_src, NULL, h->seq, h->encap.vpls);
            }
            if (h->seg->kind != SEG_MPLS_CORE) {
                chk_report(c, DIAG_VPLS_NOT_CORE, &h->encap_src, NULL, h->seq, h->encap.vpls,
                           h->seg->name);
            }
        } else if (h->seg->kind == SEG_MPLS_CORE) {
            chk_report(c, DIAG_VPLS_CORE_UNTAGGED, &h->encap_src, NULL, h->seq, h->seg->name);
        }
    }
    if (conn->nhops && conn->nendpoints >= 2) {
        const struct m_site *first = conn->endpoints[0];
        const struct m_site *last = conn->endpoints[conn->nendpoints - 1];

        if (!seg_reaches_site(conn->hops[0].seg, first)) {
            chk_report(c, DIAG_PATH_ENDPOINT, &conn->hops[0].src, NULL, first->name);
        }
        if (!seg_reaches_site(conn->hops[conn->nhops - 1].seg, last)) {
            chk_report(c, DIAG_PATH_ENDPOINT, &conn->hops[conn->nhops - 1].src, NULL, last->name);
        }
    }
}

unsigned
chk_tpid_bit(enum m_tpid t)
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

/* Tag capability of one device for one attachment: TPID support, double-tag match,
 * a port fixed to another TPID. */
void
chk_tags_at(struct chk *c, const struct m_conn *conn, const struct m_hop *h,
            const struct m_end *e, const struct m_encap *enc, const struct m_src *src)
{
    const struct drv_ops *drv = e->dev->drv;
    char buf[64];

    (void)conn;
    if (enc->kind != ENCAP_DOT1Q && enc->kind != ENCAP_QINQ) {
        return;
    }
    if (!(drv->caps.tpid_supported & chk_tpid_bit(enc->tpid))) {
        chk_report(c, DIAG_VLAN_TPID_UNSUPPORTED, src, e->dev->name, e->dev->name, drv->name,
                   model_tpid_str(enc->tpid), e->port->name);
    }
    if (enc->kind == ENCAP_QINQ && !drv->caps.double_tag_match) {
        chk_report(c, DIAG_VLAN_DOUBLE_TAG, src, e->dev->name, e->dev->name, drv->name,
                   e->port->name);
    }
    if (enc->kind == ENCAP_QINQ && !(drv->caps.tpid_per_subif & chk_tpid_bit(enc->tpid)) &&
        e->port->tpid != TPID_NONE && e->port->tpid != enc->tpid) {
        chk_report(c, DIAG_VLAN_TPID_MISMATCH, src, e->dev->name,
                   h ? h->seg->name : "of the attachment circuit",
                   model_encap_str(enc, buf, sizeof buf), model_tpid_str(enc->tpid),
                   e->dev->name, e->port->name, model_tpid_str(e->port->tpid));
    }
}

/* Does rewriting @a into @b need a two-tag operation? */
static bool
needs_two_tag_rewrite(const struct m_encap *a, const struct m_encap *b)
{
    unsigned ta = model_encap_tags(a), tb = model_encap_tags(b);

    if ((ta == 2 && tb == 0) || (ta == 0 && tb == 2)) {
        return true;
    }
    if (ta == 2 && tb == 2) {
        /* Swapping only the outer tag (and its TPID) is a one-tag operation. */
        return a->inner != b->inner;
    }
    if (ta == 2 && tb == 1) {
        return a->inner != b->outer;    /* pop outer leaves the inner tag */
    }
    if (ta == 1 && tb == 2) {
        return a->outer != b->inner;    /* push outer keeps the tag as inner */
    }
    return false;
}

static const struct m_stitch *
stitch_between(const struct m_conn *conn, const struct m_device *dev, const struct m_hop *a,
               const struct m_hop *b)
{
    size_t i;

    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (s->dev == dev && ((s->from == a && s->to == b) || (s->from == b && s->to == a))) {
            return s;
        }
    }
    return NULL;
}

/* /intercloud/connection/stitch and the tag changes between consecutive hops. */
static void
chk_stitches(struct chk *c, const struct m_conn *conn)
{
    char b1[64], b2[64];
    size_t i;

    for (i = 0; i + 1 < conn->nhops; i++) {
        const struct m_hop *a = &conn->hops[i], *b = &conn->hops[i + 1];
        const struct m_device *d = junction(a, b);

        if (!d || a->encap.kind == ENCAP_VPLS || b->encap.kind == ENCAP_VPLS) {
            continue;   /* discontinuity is reported by chk_path; VPLS by chk_vpls */
        }
        if (!model_encap_equal(&a->encap, &b->encap) && !stitch_between(conn, d, a, b)) {
            chk_report(c, DIAG_VLAN_STITCH_MISSING, &b->src, d->name, d->name, a->seq,
                       model_encap_str(&a->encap, b1, sizeof b1), b->seq,
                       model_encap_str(&b->encap, b2, sizeof b2));
        }
    }
    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (!s->from || !s->to || !s->dev) {
            continue;
        }
        if (!model_seg_end_on(s->from->seg, s->dev) || !model_seg_end_on(s->to->seg, s->dev)) {
            chk_report(c, DIAG_VLAN_STITCH_OFF_PATH, &s->src, s->dev->name, s->dev->name,
                       s->from->seq, s->to->seq);
            continue;
        }
        if (s->kind == STITCH_ROUTE) {
            continue;
        }
        if (model_encap_equal(&s->from->encap, &s->to->encap)) {
            chk_report(c, DIAG_VLAN_STITCH_NOOP, &s->src, s->dev->name, s->dev->name,
                       s->from->seq, s->to->seq, model_encap_str(&s->from->encap, b1, sizeof b1));
            continue;
        }
        if (needs_two_tag_rewrite(&s->from->encap, &s->to->encap) &&
            !s->dev->drv->caps.rewrite_two_tags) {
            chk_report(c, DIAG_VLAN_REWRITE_UNSUPPORTED, &s->src, s->dev->name, s->dev->name,
                       s->dev->drv->name, model_encap_str(&s->from->encap, b1, sizeof b1),
                       model_encap_str(&s->to->encap, b2, sizeof b2));
        }
    }
}

/* A member's VE id as the lowering numbers it: its ve-id, else its position from 1. */
static unsigned
ve_id_of(const struct m_vpls *v, size_t j)
{
    return v->members[j].ve_id ? v->members[j].ve_id : (unsigned)(j + 1);
}

/*
 * /intercloud/connection/vpls[signalling='bgp']: what every member's driver must be able
 * to render (issue 11: a four-byte-AS route target passed check and stopped the IOS-XR
 * driver). The route target is parsed by the drivers' own parser, drv_rt_parse().
 */
void
chk_vpls_bgp(struct chk *c, const struct m_vpls *v)
{
    const char *why = NULL;
    struct drv_rt rt;
    bool rt_ok = false;
    size_t j, k;

    if (v->signalling != SIG_BGP) {
        return;
    }
    if (!v->route_target) {
        chk_report(c, DIAG_VPLS_NO_ROUTE_TARGET, &v->src, NULL, v->name);
    } else if (drv_rt_parse(v->route_target, &rt, &why)) {
        chk_report(c, DIAG_VPLS_ROUTE_TARGET, &v->rt_src, NULL, v->name, v->route_target, why);
    } else {
        rt_ok = true;
    }
    for (j = 0; j < v->nmembers; j++) {
        const struct m_vpls_member *m = &v->members[j];
        const struct drv_caps *caps;
        unsigned max;

        if (!m->dev || !m->dev->drv->caps.vpls_bgp) {
            continue; /* VPLS-SIGNALLING-UNSUPPORTED says it */
        }
        caps = &m->dev->drv->caps;
        if (rt_ok && rt.four_byte_as && !caps->vpls_rt_four_byte_as) {
            chk_report(c, DIAG_VPLS_RT_VENDOR, &m->src, m->dev->name, v->name, v->route_target,
                       m->dev->name, m->dev->drv->name);
        }
        max = caps->vpls_ve_id_max ? caps->vpls_ve_id_max : 65535;
        if (ve_id_of(v, j) > max) {
            chk_report(c, DIAG_VPLS_VE_ID, &m->src, m->dev->name, v->name, m->dev->name,
                       ve_id_of(v, j), m->dev->drv->name, max);
        }
        for (k = 0; k < j; k++) {
            if (v->members[k].dev && ve_id_of(v, k) == ve_id_of(v, j)) {
                chk_report(c, DIAG_VPLS_VE_ID_DUPLICATE, &m->src, m->dev->name, v->name,
                           m->dev->name, ve_id_of(v, j), v->members[k].dev->name);
                break;
            }
        }
    }
}

/* /intercloud/connection/vpls: members are the path's attachment circuits. */
static void
chk_vpls(struct chk *c, const struct m_conn *conn)
{
    char b1[64], b2[64], msg[512];
    size_t i, j;

    for (i = 0; i < conn->nvpls; i++) {
        const struct m_vpls *v = &conn->vpls[i];

        chk_vpls_bgp(c, v);

        for (j = 0; j < v->nmembers; j++) {
            const struct m_vpls_member *m = &v->members[j];
            const struct m_hop *h;
            bool sig_ok;

            if (!m->dev || !m->port) {
                continue;
            }
            sig_ok = v->signalling == SIG_LDP ? m->dev->drv->caps.vpls_ldp :
                                                m->dev->drv->caps.vpls_bgp;
            if (!sig_ok) {
                chk_report(c, DIAG_VPLS_SIGNALLING, &m->src, m->dev->name, m->dev->name,
                           m->dev->drv->name, v->name, v->signalling == SIG_LDP ? "LDP" : "BGP");
            }
            if (!m->dev->router_id) {
                chk_report(c, DIAG_VPLS_NO_ROUTER_ID, &m->src, m->dev->name, v->name,
                           m->dev->name);
            }
            if (m->encap.kind == ENCAP_VPLS) {
                snprintf(msg, sizeof msg, "member %s: an attachment circuit cannot be a VPLS",
                         m->dev->name);
                chk_report(c, DIAG_VPLS_MEMBER, &m->src, m->dev->name, v->name, msg);
                continue;
            }
            if (model_encap_tags(&m->encap) == 2 && !m->dev->drv->caps.rewrite_two_tags) {
                /* The attachment circuit pops both tags into the instance. */
                chk_report(c, DIAG_VLAN_REWRITE_UNSUPPORTED, &m->src, m->dev->name, m->dev->name,
                           m->dev->drv->name, model_encap_str(&m->encap, b1, sizeof b1),
                           "untagged VPLS frames");
            }
            h = chk_hop_at_port(conn, m->dev, m->port);
            if (!h) {
                snprintf(msg, sizeof msg, "member %s port %s is on no hop of connection %s",
                         m->dev->name, m->port->name, conn->name);
                chk_report(c, DIAG_VPLS_MEMBER, &m->src, m->dev->name, v->name, msg);
                continue;
            }
            if (!model_encap_equal(&h->encap, &m->encap)) {
                snprintf(msg, sizeof msg,
                         "member %s attaches port %s with %s, but hop %u reaches it with %s",
                         m->dev->name, m->port->name, model_encap_str(&m->encap, b1, sizeof b1),
                         h->seq, model_encap_str(&h->encap, b2, sizeof b2));
                chk_report(c, DIAG_VPLS_MEMBER, &m->src, m->dev->name, v->name, msg);
            }
        }
    }
}

/* Does @d route hop @h (a route stitch, or a BGP session on @p)? */
static bool
routes_hop(const struct m_conn *conn, const struct m_device *d, const struct m_port *p,
           const struct m_hop *h)
{
    size_t i;

    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (s->dev == d && s->kind == STITCH_ROUTE && (s->from == h || s->to == h)) {
            return true;
        }
    }
    for (i = 0; i < conn->nbgp; i++) {
        if (conn->bgp[i].dev == d && conn->bgp[i].port == p) {
            return true;
        }
    }
    return false;
}

/* Tag capabilities at every device end of every tagged hop. */
static void
chk_hop_tags(struct chk *c, const struct m_conn *conn)
{
    size_t i;
    int e;

    for (i = 0; i < conn->nhops; i++) {
        const struct m_hop *h = &conn->hops[i];

        for (e = 0; e < 2; e++) {
            const struct m_end *end = &h->seg->end[e];

            if (!end->dev || !end->port) {
                continue;
            }
            chk_tags_at(c, conn, h, end, &h->encap, &h->encap_src);
            if (h->encap.kind == ENCAP_QINQ && !end->dev->drv->caps.l3_double_tag &&
                routes_hop(conn, end->dev, end->port, h)) {
                chk_report(c, DIAG_VLAN_L3_DOUBLE_TAG, &h->encap_src, end->dev->name,
                           end->dev->name, end->dev->drv->name, end->port->name, h->seq);
            }
        }
    }
}

static bool
route_stitch_at(const struct m_conn *conn, const struct m_device *d, const struct m_hop *h)
{
    size_t i;

    for (i = 0; i < conn->nstitches; i++) {
        const struct m_stitch *s = &conn->stitches[i];

        if (s->dev == d && s->kind == STITCH_ROUTE && (s->from == h || s->to == h)) {
            return true;
        }
    }
    return false;
}

static bool
bgp_at(const struct m_conn *conn, const struct m_device *d, const struct m_port *p)
{
    size_t i;

    for (i = 0; i < conn->nbgp; i++) {
        if (conn->bgp[i].dev == d && conn->bgp[i].port == p) {
            return true;
        }
    }
    return false;
}

static bool
member_at(const struct m_conn *conn, const struct m_device *d, const struct m_port *p)
{
    size_t i, j;

    for (i = 0; i < conn->nvpls; i++) {
        for (j = 0; j < conn->vpls[i].nmembers; j++) {
            if (conn->vpls[i].members[j].dev == d && conn->vpls[i].members[j].port == p) {
                return true;
            }
        }
    }
    return false;
}

bool
chk_hops_bridged(const struct m_conn *conn, size_t k)
{
    const struct m_hop *a = &conn->hops[k], *b = &conn->hops[k + 1];
    const struct m_device *d = junction(a, b);
    const struct m_end *ea, *eb;

    if (!d || route_stitch_at(conn, d, a) || route_stitch_at(conn, d, b)) {
        return false;
    }
    ea = model_seg_end_on(a->seg, d);
    eb = model_seg_end_on(b->seg, d);
    return ea && eb && !bgp_at(conn, d, ea->port) && !bgp_at(conn, d, eb->port);
}

/* Does @d join consecutive hops @a and @b in a local layer-2 stitch? The same rule as
 * lower.c's lower_stitches(): neither hop a VPLS, @d the device they share, no route
 * stitch there, and neither port a VPLS member or a BGP session's. */
static bool
l2_joined(const struct m_conn *conn, const struct m_device *d, const struct m_hop *a,
          const struct m_hop *b)
{
    const struct m_end *ea, *eb;

    if (a->encap.kind == ENCAP_VPLS || b->encap.kind == ENCAP_VPLS || junction(a, b) != d ||
        route_stitch_at(conn, d, a) || route_stitch_at(conn, d, b)) {
        return false;
    }
    ea = model_seg_end_on(a->seg, d);
    eb = model_seg_end_on(b->seg, d);
    return ea && eb && !member_at(conn, d, ea->port) && !member_at(conn, d, eb->port) &&
           !bgp_at(conn, d, ea->port) && !bgp_at(conn, d, eb->port);
}

/*
 * Every sub-interface the compile creates must carry traffic somewhere (issue 11): a hop
 * end on a managed router becomes a sub-interface that is routed (a BGP session on the
 * port, a route stitch), a VPLS attachment circuit (a member on the port), or one side of
 * a local layer-2 join with the hop before or after it. Anything else is a layer-2
 * sub-interface joined to nothing: the frames it takes in go nowhere. Connections whose
 * path is broken are left to PATH-DISCONTINUOUS.
 */
static void
chk_orphan_subifs(struct chk *c, const struct m_conn *conn)
{
    char buf[64];
    size_t i;
    int e;

    for (i = 1; i < conn->nhops; i++) {
        if (!junction(&conn->hops[i - 1], &conn->hops[i])) {
            return;
        }
    }
    for (i = 0; i < conn->nhops; i++) {
        const struct m_hop *h = &conn->hops[i];

        if (h->encap.kind == ENCAP_VPLS) {
            continue;
        }
        for (e = 0; e < 2; e++) {
            const struct m_device *d = h->seg->end[e].dev;
            const struct m_port *p = h->seg->end[e].port;

            if (!d || !p || bgp_at(conn, d, p) || route_stitch_at(conn, d, h) ||
                member_at(conn, d, p) || (i > 0 && l2_joined(conn, d, &conn->hops[i - 1], h)) ||
                (i + 1 < conn->nhops && l2_joined(conn, d, h, &conn->hops[i + 1]))) {
                continue;
            }
            chk_report(c, DIAG_SUBIF_ORPHAN, &h->src, d->name, h->seq, conn->name, d->name, p->name,
                       model_encap_str(&h->encap, buf, sizeof buf));
        }
    }
}

/* One use of a port by a hop, for the service-wide tag checks. */
struct port_use {
    const struct m_port *port;
    const struct m_conn *conn;
    const struct m_hop *hop;
    const struct m_encap *encap;
};

static int
use_cmp(const void *x, const void *y)
{
    const struct port_use *a = x, *b = y;

    if (a->port->idx != b->port->idx) {
        return a->port->idx < b->port->idx ? -1 : 1;
    }
    if (a->encap->kind != b->encap->kind) {
        return a->encap->kind < b->encap->kind ? -1 : 1;
    }
    if (a->encap->outer != b->encap->outer) {
        return a->encap->outer < b->encap->outer ? -1 : 1;
    }
    if (a->encap->inner != b->encap->inner) {
        return a->encap->inner < b->encap->inner ? -1 : 1;
    }
    return 0;
}

static const char *
hop_label(const struct m_conn *conn, const struct m_hop *h, char *buf, size_t len)
{
    snprintf(buf, len, "hop %u of %s", h->seq, conn->name);
    return buf;
}

/* Across all connections: duplicate tag pairs on a port; one outer TPID per port on
 * vendors that set it per port. */
static void
chk_ports_tags(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct port_use *uses;
    size_t n = 0, cap = 0, i, j, k;
    char b1[64], b2[96], b3[96];
    int e;

    for (i = 0; i < svc->nconns; i++) {
        cap += svc->conns[i].nhops * 2;
    }
    uses = nst_calloc(cap ? cap : 1, sizeof *uses);
    if (!uses) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < svc->nconns; i++) {
        const struct m_conn *conn = &svc->conns[i];

        for (j = 0; j < conn->nhops; j++) {
            const struct m_hop *h = &conn->hops[j];

            if (h->encap.kind == ENCAP_VPLS) {
                continue;   /* core pseudowires carry labels, not tags */
            }
            for (e = 0; e < 2; e++) {
                if (h->seg->end[e].port) {
                    uses[n].port = h->seg->end[e].port;
                    uses[n].conn = conn;
                    uses[n].hop = h;
                    uses[n].encap = &h->encap;
                    n++;
                }
            }
        }
    }
    qsort(uses, n, sizeof *uses, use_cmp);
    for (i = 0; i < n; i = j) {
        /* [i, j) share a port; within it equal tags are adjacent. */
        for (j = i + 1; j < n && uses[j].port == uses[i].port; j++) {
        }
        for (k = i + 1; k < j; k++) {
            if (!use_cmp(&uses[k - 1], &uses[k]) && uses[k - 1].hop != uses[k].hop) {
                chk_report(c, DIAG_VLAN_DUPLICATE, &uses[k].hop->encap_src,
                           uses[k].port->dev->name, uses[k].port->name, uses[k].port->dev->name,
                           model_encap_str(uses[k].encap, b1, sizeof b1),
                           hop_label(uses[k - 1].conn, uses[k - 1].hop, b2, sizeof b2),
                           hop_label(uses[k].conn, uses[k].hop, b3, sizeof b3));
            }
        }
        /* One outer TPID per port where the vendor sets it per port. */
        for (k = i + 1; k < j; k++) {
            const struct port_use *first = NULL;
            size_t m;

            for (m = i; m < k && !first; m++) {
                if (uses[m].encap->kind == ENCAP_QINQ) {
                    first = &uses[m];
                }
            }
            if (first && uses[k].encap->kind == ENCAP_QINQ &&
                uses[k].encap->tpid != first->encap->tpid &&
                !(uses[k].port->dev->drv->caps.tpid_per_subif & chk_tpid_bit(uses[k].encap->tpid) &&
                  uses[k].port->dev->drv->caps.tpid_per_subif & chk_tpid_bit(first->encap->tpid))) {
                chk_report(c, DIAG_VLAN_TPID_PORT, &uses[k].hop->encap_src,
                           uses[k].port->dev->name, uses[k].port->dev->name, uses[k].port->name,
                           model_tpid_str(first->encap->tpid),
                           hop_label(first->conn, first->hop, b2, sizeof b2),
                           model_tpid_str(uses[k].encap->tpid),
                           hop_label(uses[k].conn, uses[k].hop, b3, sizeof b3));
            }
        }
    }
    nst_free(uses);
}

/* Bandwidth of a hop: the owner's fixed figure, else the slower managed port. */
static uint64_t
hop_bandwidth(const struct m_hop *h)
{
    uint64_t bw = h->seg->bandwidth;
    int e;

    for (e = 0; e < 2; e++) {
        const struct m_port *p = h->seg->end[e].port;

        if (p && p->bandwidth && (!bw || p->bandwidth < bw)) {
            bw = p->bandwidth;
        }
    }
    return bw;
}

/* /intercloud/connection: the bottleneck segment. */
static void
chk_bandwidth(struct chk *c, const struct m_conn *conn, struct chk_conn *cc)
{
    char b1[32], b2[32], why[64];
    size_t i;

    for (i = 0; i < conn->nhops; i++) {
        uint64_t bw = hop_bandwidth(&conn->hops[i]);

        if (bw && (!cc->bottleneck_kbps || bw < cc->bottleneck_kbps)) {
            cc->bottleneck_kbps = bw;
            cc->bottleneck = &conn->hops[i];
        }
    }
    if (!cc->bottleneck) {
        return;
    }
    why[0] = '\0';
    if (cc->bottleneck->seg->owner && cc->bottleneck->seg->bandwidth == cc->bottleneck_kbps) {
        snprintf(why, sizeof why, " (fixed by %s)", cc->bottleneck->seg->owner->name);
    }
    chk_report(c, DIAG_BW_BOTTLENECK, &cc->bottleneck->src, NULL, conn->name,
               cc->bottleneck->seq, cc->bottleneck->seg->name,
               chk_bw_str(cc->bottleneck_kbps, b1, sizeof b1), why);
    if (conn->bandwidth && conn->bandwidth > cc->bottleneck_kbps) {
        chk_report(c, DIAG_BW_INSUFFICIENT, &conn->src, NULL, conn->name,
                   chk_bw_str(conn->bandwidth, b1, sizeof b1), cc->bottleneck->seq,
                   cc->bottleneck->seg->name, chk_bw_str(cc->bottleneck_kbps, b2, sizeof b2));
    }
}

NST_API nst_err
nst_service_check(struct nst_service *svc)
{
    struct chk c;
    size_t i, errors_before;

    if (!svc || !svc->model) {
        return NST_EINVAL;
    }
    memset(&c, 0, sizeof c);
    c.ctx = svc->ctx;
    c.svc = svc->model;
    c.arena = &svc->arena;
    errors_before = diag_errors(c.ctx);
    c.res = arena_alloc(c.arena, sizeof *c.res);
    if (!c.res) {
        return NST_ENOMEM;
    }
    c.res->nports = c.svc->nports;
    c.res->ports = arena_array(c.arena, c.svc->nports, sizeof *c.res->ports);
    c.res->nconns = c.svc->nconns;
    c.res->conns = arena_array(c.arena, c.svc->nconns, sizeof *c.res->conns);
    if (!c.res->ports || !c.res->conns) {
        return NST_ENOMEM;
    }
    for (i = 0; i < c.svc->ndevices; i++) {
        const struct m_device *d = &c.svc->devices[i];
        size_t k;

        if (!d->drv) {
            return DIAG_INTERNAL_ERR(c.ctx, "device without a driver");
        }
        /* A port name the driver's templates cannot use would pass check and stop the
         * compile (issue 11). */
        for (k = 0; d->drv->port_name_problem && k < d->nports; k++) {
            const char *why = d->drv->port_name_problem(d->ports[k].name);

            if (why) {
                chk_report(&c, DIAG_PORT_NAME, &d->ports[k].src, d->name, d->ports[k].name, d->name,
                           d->drv->name, why);
            }
        }
    }
    for (i = 0; i < c.svc->nconns; i++) {
        const struct m_conn *conn = &c.svc->conns[i];

        c.res->conns[i].conn = conn;
        chk_path(&c, conn);
        chk_hop_tags(&c, conn);
        chk_stitches(&c, conn);
        chk_vpls(&c, conn);
        chk_orphan_subifs(&c, conn);
        chk_bandwidth(&c, conn, &c.res->conns[i]);
    }
    chk_ports_tags(&c);
    chk_mtu(&c);
    chk_ip(&c);
    chk_bgp(&c);
    chk_onramp(&c, svc->tree);
    chk_shared(&c);
    chk_qinq(&c);
    chk_redundancy(&c, svc->tree);
    chk_multipoint(&c);
    chk_mp(&c);
    if (c.err) {
        return c.err;
    }
    svc->check = c.res;
    svc->check_errors = diag_errors(c.ctx) > errors_before;
    return svc->check_errors ? NST_ECHECK : NST_OK;
}
