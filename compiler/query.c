/*
 * query.c: the public read-only view of a loaded service (nst_service_item_*).
 *
 * The model (model.h) and the checker's results (check.h) stay private; tools outside
 * the library (the `netstitch graph` command, an OSS drawing a service) read them through
 * three calls: a count per kind of item, and a text or number field of one item. Every
 * kind is one flat list in input order: ports device by device, hops and stitch points
 * connection by connection, which is also the order of chk_result.hops, so a hop's MTU
 * row is found by the same index.
 *
 * Deliberately not here: anything that allocates or formats. Text fields are strings
 * the service already owns (libyang dictionary strings, driver constants, fixed enum
 * names); a formatted label such as "QinQ 0x88a8 3100/2101" is the caller's business,
 * from the numbers. So the calls take a const service and never fail.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "driver.h"
#include "service.h"

/* One located item: exactly the pointers its kind needs are set. */
struct q_item {
    const struct m_site *site;
    const struct m_device *dev;
    const struct m_port *port;
    const struct m_segment *seg;
    const struct m_conn *conn;
    const struct m_hop *hop;
    const struct m_stitch *stitch;
    const struct m_mp *mp;
    const struct m_mp_ac *ac;
    size_t row; /* hop: index into chk_result.hops; port: m_port.idx */
};

static const struct m_service *
q_model(const struct nst_service *svc)
{
    return svc ? svc->model : NULL;
}

/* Find the @i-th item of @kind; 0 when out of range or unknown. */
static int
q_find(const struct m_service *m, enum nst_item kind, size_t i, struct q_item *it)
{
    size_t k;

    memset(it, 0, sizeof *it);
    switch (kind) {
    case NST_ITEM_SITE:
        if (i >= m->nsites) {
            return 0;
        }
        it->site = &m->sites[i];
        return 1;
    case NST_ITEM_DEVICE:
        if (i >= m->ndevices) {
            return 0;
        }
        it->dev = &m->devices[i];
        return 1;
    case NST_ITEM_PORT:
        for (k = 0; k < m->ndevices; k++) {
            if (i < m->devices[k].nports) {
                it->dev = &m->devices[k];
                it->port = &m->devices[k].ports[i];
                it->row = it->port->idx;
                return 1;
            }
            i -= m->devices[k].nports;
        }
        return 0;
    case NST_ITEM_SEGMENT:
        if (i >= m->nsegments) {
            return 0;
        }
        it->seg = &m->segments[i];
        return 1;
    case NST_ITEM_CONNECTION:
        if (i >= m->nconns) {
            return 0;
        }
        it->conn = &m->conns[i];
        it->row = i;
        return 1;
    case NST_ITEM_HOP:
        it->row = i;
        for (k = 0; k < m->nconns; k++) {
            if (i < m->conns[k].nhops) {
                it->conn = &m->conns[k];
                it->hop = &m->conns[k].hops[i];
                it->seg = it->hop->seg;
                return 1;
            }
            i -= m->conns[k].nhops;
        }
        return 0;
    case NST_ITEM_STITCH:
        for (k = 0; k < m->nconns; k++) {
            if (i < m->conns[k].nstitches) {
                it->conn = &m->conns[k];
                it->stitch = &m->conns[k].stitches[i];
                it->dev = it->stitch->dev;
                return 1;
            }
            i -= m->conns[k].nstitches;
        }
        return 0;
    case NST_ITEM_MULTIPOINT:
        if (i >= m->nmps) {
            return 0;
        }
        it->mp = &m->mps[i];
        it->row = i;
        return 1;
    case NST_ITEM_ATTACHMENT:
        for (k = 0; k < m->nmps; k++) {
            if (i < m->mps[k].nacs) {
                it->mp = &m->mps[k];
                it->ac = &m->mps[k].acs[i];
                it->dev = it->ac->dev;
                it->row = k;
                return 1;
            }
            i -= m->mps[k].nacs;
        }
        return 0;
    }
    return 0;
}

NST_API size_t
nst_service_item_count(const struct nst_service *svc, enum nst_item kind)
{
    const struct m_service *m = q_model(svc);
    size_t k, n = 0;

    if (!m) {
        return 0;
    }
    switch (kind) {
    case NST_ITEM_SITE:
        return m->nsites;
    case NST_ITEM_DEVICE:
        return m->ndevices;
    case NST_ITEM_PORT:
        return m->nports;
    case NST_ITEM_SEGMENT:
        return m->nsegments;
    case NST_ITEM_CONNECTION:
        return m->nconns;
    case NST_ITEM_HOP:
        for (k = 0; k < m->nconns; k++) {
            n += m->conns[k].nhops;
        }
        return n;
    case NST_ITEM_STITCH:
        for (k = 0; k < m->nconns; k++) {
            n += m->conns[k].nstitches;
        }
        return n;
    case NST_ITEM_MULTIPOINT:
        return m->nmps;
    case NST_ITEM_ATTACHMENT:
        for (k = 0; k < m->nmps; k++) {
            n += m->mps[k].nacs;
        }
        return n;
    }
    return 0;
}

static const char *
q_encap_name(enum m_encap_kind k)
{
    switch (k) {
    case ENCAP_UNTAGGED:
        return "untagged";
    case ENCAP_DOT1Q:
        return "dot1q";
    case ENCAP_QINQ:
        return "qinq";
    case ENCAP_VPLS:
        return "vpls";
    }
    return NULL;
}

/* A segment end's text field; @e is 0 (a) or 1 (b), @what 0 device, 1 port, 2 site,
 * 3 node. */
static const char *
q_end_text(const struct m_segment *seg, int e, int what)
{
    const struct m_end *end = &seg->end[e];

    switch (what) {
    case 0:
        return end->dev ? end->dev->name : NULL;
    case 1:
        return end->port ? end->port->name : NULL;
    case 2:
        return end->dev ? NULL : (end->site ? end->site->name : NULL);
    default:
        return end->dev ? NULL : end->node;
    }
}

static const char *
q_text(const struct q_item *it, enum nst_item kind, enum nst_field field)
{
    switch (field) {
    case NST_FIELD_NAME:
        switch (kind) {
        case NST_ITEM_SITE:
            return it->site->name;
        case NST_ITEM_DEVICE:
            return it->dev->name;
        case NST_ITEM_PORT:
            return it->port->name;
        case NST_ITEM_SEGMENT:
            return it->seg->name;
        case NST_ITEM_CONNECTION:
            return it->conn->name;
        case NST_ITEM_MULTIPOINT:
            return it->mp->name;
        case NST_ITEM_ATTACHMENT:
            return it->ac->name;
        default:
            return NULL;
        }
    case NST_FIELD_PORT:
        return kind == NST_ITEM_ATTACHMENT && it->ac->port ? it->ac->port->name : NULL;
    case NST_FIELD_MULTIPOINT:
        return kind == NST_ITEM_ATTACHMENT ? it->mp->name : NULL;
    case NST_FIELD_SIGNALLING:
        if (kind != NST_ITEM_MULTIPOINT) {
            return NULL;
        }
        if (it->mp->kind == MP_L3VPN) {
            return "l3vpn"; /* no pseudowires: the sites' routes go over BGP (RFC 4364) */
        }
        return it->mp->signalling == SIG_BGP ? "bgp" : "ldp";
    case NST_FIELD_KIND:
        if (kind == NST_ITEM_MULTIPOINT) {
            return it->mp->topology == MP_HUB_AND_SPOKE ? "hub-and-spoke" : "full-mesh";
        }
        if (kind == NST_ITEM_SITE) {
            return it->site->kind_name;
        }
        if (kind == NST_ITEM_SEGMENT) {
            return it->seg->kind == SEG_MPLS_CORE ? "mpls-core" : "ethernet";
        }
        if (kind == NST_ITEM_STITCH) {
            return it->stitch->kind == STITCH_ROUTE ? "route" : "rewrite";
        }
        return NULL;
    case NST_FIELD_VENDOR:
        return kind == NST_ITEM_DEVICE ? it->dev->vendor_name : NULL;
    case NST_FIELD_PLATFORM:
        return kind == NST_ITEM_DEVICE ? it->dev->platform : NULL;
    case NST_FIELD_DRIVER:
        return kind == NST_ITEM_DEVICE && it->dev->drv ? it->dev->drv->name : NULL;
    case NST_FIELD_ROLE:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->mp->topology != MP_HUB_AND_SPOKE ? NULL : it->ac->hub ? "hub" : "spoke";
        }
        return kind == NST_ITEM_DEVICE ? it->dev->role : NULL;
    case NST_FIELD_SITE:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->ac->site ? it->ac->site->name : NULL;
        }
        return kind == NST_ITEM_DEVICE && it->dev->site ? it->dev->site->name : NULL;
    case NST_FIELD_DEVICE:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->dev ? it->dev->name : NULL;
        }
        return kind == NST_ITEM_PORT || kind == NST_ITEM_STITCH ? it->dev->name : NULL;
    case NST_FIELD_CONNECTION:
        return kind == NST_ITEM_HOP || kind == NST_ITEM_STITCH ? it->conn->name : NULL;
    case NST_FIELD_SEGMENT:
        return kind == NST_ITEM_HOP ? it->seg->name : NULL;
    case NST_FIELD_OWNER:
        return kind == NST_ITEM_SEGMENT && it->seg->owner ? it->seg->owner->name : NULL;
    case NST_FIELD_SUBNET:
        return kind == NST_ITEM_SEGMENT && it->seg->has_subnet ? it->seg->subnet.text : NULL;
    case NST_FIELD_IPV6_SUBNET:
        return kind == NST_ITEM_SEGMENT && it->seg->has_subnet6 ? it->seg->subnet6.text : NULL;
    case NST_FIELD_MTU_MEANING:
        if (kind == NST_ITEM_PORT) {
            return it->dev->drv ? it->dev->drv->mtu_meaning_name : NULL;
        }
        if (kind == NST_ITEM_SEGMENT) {
            return it->seg->mtu_is_ip ? "ip" : "frame-payload";
        }
        return NULL;
    case NST_FIELD_ENCAPSULATION:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->ac->encap.bundle ? "qinq-bundle" : q_encap_name(it->ac->encap.kind);
        }
        return kind == NST_ITEM_HOP ? q_encap_name(it->hop->encap.kind) : NULL;
    case NST_FIELD_VPLS:
        return kind == NST_ITEM_HOP && it->hop->encap.kind == ENCAP_VPLS ? it->hop->encap.vpls :
                                                                           NULL;
    case NST_FIELD_A_DEVICE:
    case NST_FIELD_A_PORT:
    case NST_FIELD_A_SITE:
    case NST_FIELD_A_NODE:
        return kind == NST_ITEM_SEGMENT ?
                   q_end_text(it->seg, 0, (int)(field - NST_FIELD_A_DEVICE)) :
                   NULL;
    case NST_FIELD_B_DEVICE:
    case NST_FIELD_B_PORT:
    case NST_FIELD_B_SITE:
    case NST_FIELD_B_NODE:
        return kind == NST_ITEM_SEGMENT ?
                   q_end_text(it->seg, 1, (int)(field - NST_FIELD_B_DEVICE)) :
                   NULL;
    default:
        /* A number field. */
        return NULL;
    }
}

/* Number fields that the checker computes. */
static uint64_t
q_checked(const struct chk_result *r, const struct q_item *it, enum nst_item kind,
          enum nst_field field)
{
    const struct chk_hop_mtu *hm = NULL;
    const struct chk_port *cp = NULL;
    const struct chk_conn *cc = NULL;

    if (!r) {
        return 0;
    }
    if (kind == NST_ITEM_HOP && it->row < r->nhops) {
        hm = &r->hops[it->row];
    } else if (kind == NST_ITEM_PORT && it->row < r->nports) {
        cp = &r->ports[it->row];
    } else if (kind == NST_ITEM_CONNECTION && it->row < r->nconns) {
        cc = &r->conns[it->row];
    } else if (kind == NST_ITEM_MULTIPOINT && field == NST_FIELD_MAX_IP_MTU) {
        /* The worst pair of sites (check_multipoint.c). */
        return it->row < r->nmps && r->mp_worst[it->row] != UINT32_MAX ? r->mp_worst[it->row] : 0;
    }
    switch (field) {
    case NST_FIELD_FRAME:
        return hm ? hm->frame : 0;
    case NST_FIELD_FRAME_LIMIT:
        return hm ? hm->limit : 0;
    case NST_FIELD_MAX_IP_MTU:
        if (hm) {
            return hm->max_ip == UINT32_MAX ? 0 : hm->max_ip;
        }
        return cc && cc->max_ip != UINT32_MAX ? cc->max_ip : 0;
    case NST_FIELD_A_MTU_NEEDED:
        return hm ? hm->need[0] : 0;
    case NST_FIELD_B_MTU_NEEDED:
        return hm ? hm->need[1] : 0;
    case NST_FIELD_MTU_NEEDED:
        return cp ? cp->needed : 0;
    case NST_FIELD_MTU_PLANNED:
        return cp ? cp->planned : 0;
    case NST_FIELD_BOTTLENECK_HOP:
        return cc && cc->bottleneck ? cc->bottleneck->seq : 0;
    default:
        return 0;
    }
}

static uint64_t
q_number(const struct nst_service *svc, const struct q_item *it, enum nst_item kind,
         enum nst_field field)
{
    switch (field) {
    case NST_FIELD_ASN:
        if (kind == NST_ITEM_SITE) {
            return it->site->asn;
        }
        return kind == NST_ITEM_DEVICE ? it->dev->asn : 0;
    case NST_FIELD_MTU:
        if (kind == NST_ITEM_PORT) {
            return it->port->mtu;
        }
        return kind == NST_ITEM_SEGMENT ? it->seg->mtu : 0;
    case NST_FIELD_MAX_MTU:
        return kind == NST_ITEM_PORT ? it->port->max_mtu : 0;
    case NST_FIELD_BANDWIDTH:
        if (kind == NST_ITEM_PORT) {
            return it->port->bandwidth;
        }
        if (kind == NST_ITEM_SEGMENT) {
            return it->seg->bandwidth;
        }
        return kind == NST_ITEM_CONNECTION ? it->conn->bandwidth : 0;
    case NST_FIELD_IP_MTU:
        if (kind == NST_ITEM_MULTIPOINT) {
            return it->mp->ip_mtu;
        }
        return kind == NST_ITEM_CONNECTION ? it->conn->ip_mtu : 0;
    case NST_FIELD_SEQ:
        return kind == NST_ITEM_HOP ? it->hop->seq : 0;
    case NST_FIELD_OUTER_TAG:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->ac->encap.outer;
        }
        return kind == NST_ITEM_HOP && it->hop->encap.kind != ENCAP_VPLS ? it->hop->encap.outer :
                                                                           0;
    case NST_FIELD_INNER_TAG:
        if (kind == NST_ITEM_ATTACHMENT) {
            return it->ac->encap.kind == ENCAP_QINQ && !it->ac->encap.bundle ? it->ac->encap.inner
                                                                             : 0;
        }
        return kind == NST_ITEM_HOP && it->hop->encap.kind == ENCAP_QINQ ? it->hop->encap.inner :
                                                                           0;
    case NST_FIELD_TPID:
        if (kind == NST_ITEM_ATTACHMENT) {
            return (uint64_t)it->ac->encap.tpid;
        }
        return kind == NST_ITEM_HOP ? (uint64_t)it->hop->encap.tpid : 0;
    case NST_FIELD_FROM_HOP:
        return kind == NST_ITEM_STITCH && it->stitch->from ? it->stitch->from->seq : 0;
    case NST_FIELD_TO_HOP:
        return kind == NST_ITEM_STITCH && it->stitch->to ? it->stitch->to->seq : 0;
    default:
        return q_checked(svc->check, it, kind, field);
    }
}

/* A leaf of a connection's netstitch-redundancy container, from the tree (the model keeps
 * no copy: check_redundancy.c reads the tree too); a libyang dictionary string. */
static const char *
q_redundancy(const struct nst_service *svc, const struct m_conn *conn, const char *leaf)
{
    struct lyd_node *n = NULL;
    char path[256];

    if (!svc->tree || !conn->name ||
        !ly_ctx_get_module_implemented(LYD_CTX(svc->tree), "netstitch-redundancy")) {
        return NULL;
    }
    /* Names cannot hold a quote (the model's name pattern). */
    snprintf(path, sizeof path,
             "/netstitch-intercloud:intercloud/connection[name='%s']/"
             "netstitch-redundancy:redundancy/%s",
             conn->name, leaf);
    if (lyd_find_path(svc->tree, path, 0, &n) != LY_SUCCESS || !n) {
        return NULL;
    }
    return lyd_get_value(n);
}

NST_API const char *
nst_service_item_text(const struct nst_service *svc, enum nst_item kind, size_t i,
                      enum nst_field field)
{
    const struct m_service *m = q_model(svc);
    struct q_item it;

    if (!m || !q_find(m, kind, i, &it)) {
        return NULL;
    }
    if (kind == NST_ITEM_CONNECTION &&
        (field == NST_FIELD_REDUNDANCY_GROUP || field == NST_FIELD_REDUNDANCY_ROLE)) {
        return q_redundancy(svc, it.conn, field == NST_FIELD_REDUNDANCY_ROLE ? "role" : "group");
    }
    return q_text(&it, kind, field);
}

NST_API uint64_t
nst_service_item_number(const struct nst_service *svc, enum nst_item kind, size_t i,
                        enum nst_field field)
{
    const struct m_service *m = q_model(svc);
    struct q_item it;

    if (!m || !q_find(m, kind, i, &it)) {
        return 0;
    }
    return q_number(svc, &it, kind, field);
}
