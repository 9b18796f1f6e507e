/*
 * check_bgp.c: eBGP sessions.
 *
 * A session is described from one managed device. When the peer is managed too, its
 * own session back is found (the session on the peer device that names this device)
 * and the two must agree: each side's peer ASN is the other's local ASN, each side's
 * peer address is the other's local address. The field lesson here is that a
 * session stuck in Active is usually exactly such a disagreement.
 *
 * Also: ASN ranges (reserved ASNs are errors, public ones warnings: these services
 * use private ASNs, except a cloud's own public ASN on the cloud's side of a session,
 * which the user cannot change: cloud_asn()), max-prefix and authentication present, announced
 * prefixes inside the announcing site's prefixes or learned from another session on the same router
 * (a transit router such as CCX's re-announces the cloud's prefixes), and the AWS
 * Direct Connect rules: private customer ASN different from Amazon's, a VLAN on the
 * hop, IP MTU 1500 or 9001, at most 100 prefixes announced to AWS.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* Why an ASN is reserved, or NULL (RFC 7607, 6793, 5398, 7300, 6996). */
static const char *
asn_reserved(uint32_t asn)
{
    if (asn == 0) {
        return "RFC 7607";
    }
    if (asn == 23456) {
        return "AS_TRANS, RFC 6793";
    }
    if ((asn >= 64496 && asn <= 64511) || (asn >= 65536 && asn <= 65551)) {
        return "documentation, RFC 5398";
    }
    if (asn == 65535 || asn == 4294967295u) {
        return "last ASN, RFC 7300";
    }
    return NULL;
}

static bool
asn_private(uint32_t asn)
{
    return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u);
}

/*
 * Is @asn one the cloud of kind @kind peers with on its own side? Those are public and
 * fixed by the provider (issue 11): Azure ExpressRoute's Microsoft side is always AS12076
 * (Microsoft, "ExpressRoute routing requirements"); Google Cloud Router on Partner
 * Interconnect is AS16550 (Google, "Partner Interconnect overview"); AWS Direct Connect
 * public virtual interfaces peer with AS7224 and AS16509 carries Amazon's prefixes
 * (AWS, "Direct Connect virtual interfaces"; a private VIF's Amazon side is private,
 * 64512 by default, and never warned about).
 */
static bool
cloud_asn(enum m_site_kind kind, uint32_t asn)
{
    switch (kind) {
    case SITE_AWS:
        return asn == 7224 || asn == 16509;
    case SITE_AZURE:
        return asn == 12076;
    case SITE_GCP:
        return asn == 16550;
    case SITE_ON_PREMISES:
    case SITE_RESEARCH_CLOUD:
    case SITE_BACKBONE:
    case SITE_PARTNER:
    case SITE_EXCHANGE:
        break;
    }
    return false;
}

/* @cloud: the site whose side @asn is on, when it is a site (else NULL). */
static void
chk_asn(struct chk *c, uint32_t asn, const char *what, const struct m_src *src, const char *device,
        const struct m_site *cloud)
{
    const char *why;

    if (!asn) {
        return;
    }
    if ((why = asn_reserved(asn))) {
        chk_report(c, DIAG_BGP_ASN_RESERVED, src, device, asn, what, why);
    } else if (!asn_private(asn) && !(cloud && cloud_asn(cloud->kind, asn))) {
        chk_report(c, DIAG_BGP_ASN_PUBLIC, src, device, asn, what);
    }
}

/*
 * Every session, grouped by its device, in input order within a device: finding the
 * sessions of one device (the peer's session back, the routes a router learns) then
 * costs that device's sessions, not all of them. Scanning all of them for each session
 * made the check quadratic (40000 sessions at 1000 routers: docs/PERFORMANCE.md).
 */
struct bgp_by_dev {
    const struct m_bgp **list;
    size_t *start; /* device i's sessions: list[start[i] .. start[i + 1]) */
};

static size_t
dev_index(const struct m_service *svc, const struct m_device *d)
{
    return (size_t)(d - svc->devices);
}

static bool
bgp_by_dev_build(struct chk *c, struct bgp_by_dev *x)
{
    const struct m_service *svc = c->svc;
    size_t i, j, n = 0, *fill;

    for (i = 0; i < svc->nconns; i++) {
        n += svc->conns[i].nbgp;
    }
    x->list = arena_array(c->arena, n ? n : 1, sizeof *x->list);
    x->start = arena_array(c->arena, svc->ndevices + 1, sizeof *x->start);
    fill = arena_array(c->arena, svc->ndevices + 1, sizeof *fill);
    if (!x->list || !x->start || !fill) {
        c->err = NST_ENOMEM;
        return false;
    }
    memset(x->start, 0, (svc->ndevices + 1) * sizeof *x->start);
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            if (svc->conns[i].bgp[j].dev) {
                x->start[dev_index(svc, svc->conns[i].bgp[j].dev) + 1]++;
            }
        }
    }
    for (i = 0; i < svc->ndevices; i++) {
        x->start[i + 1] += x->start[i];
        fill[i] = x->start[i];
    }
    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *t = &svc->conns[i].bgp[j];

            if (t->dev) {
                x->list[fill[dev_index(svc, t->dev)]++] = t;
            }
        }
    }
    return true;
}

/* The session on @b->peer_dev that points back at @b's device. */
static const struct m_bgp *
find_mirror(const struct m_service *svc, const struct bgp_by_dev *x, const struct m_bgp *b)
{
    const struct m_bgp *byaddr = NULL, *bydev = NULL;
    size_t d = dev_index(svc, b->peer_dev), k;

    for (k = x->start[d]; k < x->start[d + 1]; k++) {
        const struct m_bgp *t = x->list[k];

        if (t == b || t->peer_dev != b->dev) {
            continue;
        }
        if (t->peer == b->local && !byaddr) {
            byaddr = t;
        }
        if (!bydev) {
            bydev = t;
        }
    }
    return byaddr ? byaddr : bydev;
}

static bool
prefix_inside(const struct m_prefix *in, const struct m_prefix *outer)
{
    uint32_t m = outer->len ? (uint32_t)(0xffffffffu << (32 - outer->len)) : 0;

    return in->len >= outer->len && (in->addr & m) == (outer->addr & m);
}

/* Is @p accepted from some other session on the same device? */
static bool
learned_elsewhere(const struct m_service *svc, const struct bgp_by_dev *x, const struct m_bgp *b,
                  const struct m_prefix *p)
{
    size_t d = dev_index(svc, b->dev), i, k;

    for (i = x->start[d]; i < x->start[d + 1]; i++) {
        const struct m_bgp *t = x->list[i];

        if (t == b) {
            continue;
        }
        for (k = 0; k < t->naccept; k++) {
            if (prefix_inside(p, &t->accept[k])) {
                return true;
            }
        }
    }
    return false;
}

static void
chk_announce(struct chk *c, const struct bgp_by_dev *x, const struct m_bgp *b)
{
    const struct m_site *site = b->dev ? b->dev->site : NULL;
    size_t i, k;

    for (i = 0; i < b->nannounce; i++) {
        const struct m_prefix *p = &b->announce[i];
        bool ok = false;

        for (k = 0; site && k < site->nprefixes && !ok; k++) {
            ok = prefix_inside(p, &site->prefixes[k]);
        }
        if (!ok && !learned_elsewhere(c->svc, x, b, p)) {
            chk_report(c, DIAG_BGP_ANNOUNCE_OUTSIDE, &p->src, b->dev->name, b->name, p->text,
                       site ? site->name : b->dev->name, b->dev->name);
        }
    }
}

static void
chk_aws(struct chk *c, const struct m_conn *conn, const struct m_bgp *b)
{
    const struct m_hop *h;
    char buf[64];

    if (!asn_private(b->local_asn) || b->local_asn == b->peer_asn ||
        (b->peer_site->asn && b->local_asn == b->peer_site->asn)) {
        chk_report(c, DIAG_AWS_DX_ASN, &b->src, b->dev->name, b->name,
                   b->peer_site->asn ? b->peer_site->asn : b->peer_asn, b->local_asn);
    }
    h = b->port ? chk_hop_at_port(conn, b->dev, b->port) : NULL;
    if (h && h->encap.kind != ENCAP_DOT1Q) {
        chk_report(c, DIAG_AWS_DX_VLAN, &h->encap_src, b->dev->name, b->name, h->seq,
                   model_encap_str(&h->encap, buf, sizeof buf));
    }
    if (conn->ip_mtu != 1500 && conn->ip_mtu != 9001) {
        chk_report(c, DIAG_AWS_DX_MTU, &conn->src, b->dev->name, conn->name, conn->ip_mtu);
    }
    if (b->nannounce > 100) {
        chk_report(c, DIAG_AWS_DX_PREFIXES, &b->src, b->dev->name, b->name,
                   (unsigned)b->nannounce);
    }
}

/*
 * The routed hops of @conn: run[k] numbers the routed hop hop k belongs to (consecutive
 * hops joined at layer 2 share it). Computed once per connection, so a session's check
 * costs the length of its own routed hop, not the connection's stitches and sessions
 * again. NULL on allocation failure (c->err set).
 */
static size_t *
routed_hops(struct chk *c, const struct m_conn *conn)
{
    size_t *run = arena_array(c->arena, conn->nhops ? conn->nhops : 1, sizeof *run);
    size_t k;

    if (!run) {
        c->err = NST_ENOMEM;
        return NULL;
    }
    run[0] = 0;
    for (k = 0; k + 1 < conn->nhops; k++) {
        run[k + 1] = chk_hops_bridged(conn, k) ? run[k] : run[k] + 1;
    }
    return run;
}

static const char *
hop_where(const struct m_conn *conn, const struct m_hop *h, char *buf, size_t len)
{
    char enc[64];

    snprintf(buf, len, "hop %u of %s (segment %s, %s)", h->seq, conn->name, h->seg->name,
             model_encap_str(&h->encap, enc, sizeof enc));
    return buf;
}

/*
 * Is the peer of @b on the routed hop @b rides (issue 11: the two ends of one session in
 * two connections land on two VLANs and never meet)? A managed peer's own session must
 * ride the same routed hop of the same connection; without one, the peer device must be
 * on it. An external peer's site, or an exchange's fabric, must be at an external end of
 * it.
 */
static void
chk_peer_on_hop(struct chk *c, const struct m_conn *conn, const size_t *run, const struct m_bgp *b,
                const struct m_bgp *t)
{
    const struct m_hop *hb = chk_hop_at_port(conn, b->dev, b->port), *ht;
    char w1[256], w2[256], why[600];
    size_t lo, hi, k;
    bool found = false;
    int e;

    if (!hb) {
        return; /* BGP-PORT-OFF-PATH */
    }
    lo = hi = (size_t)(hb - conn->hops);
    while (lo > 0 && run[lo - 1] == run[lo]) {
        lo--;
    }
    while (hi + 1 < conn->nhops && run[hi + 1] == run[hi]) {
        hi++;
    }
    if (t) {
        ht = t->port ? chk_hop_at_port(t->conn, t->dev, t->port) : NULL;
        if (!ht) {
            return; /* reported on the peer's session */
        }
        if (t->conn == conn && run[ht - conn->hops] == run[hb - conn->hops]) {
            return;
        }
        snprintf(why, sizeof why, "it rides %s, but the peer's session %s on %s rides %s",
                 hop_where(conn, hb, w1, sizeof w1), t->name, t->dev->name,
                 hop_where(t->conn, ht, w2, sizeof w2));
        chk_report(c, DIAG_BGP_PEER_OFF_HOP, &b->peer_src, b->dev->name, b->name, b->peer_text,
                   why);
        return;
    }
    for (k = lo; k <= hi && !found; k++) {
        for (e = 0; e < 2 && !found; e++) {
            const struct m_end *end = &conn->hops[k].seg->end[e];

            if (b->peer_dev) {
                found = end->dev == b->peer_dev;
            } else {
                found = !end->dev && end->site &&
                        (end->site == b->peer_site || end->site->kind == SITE_EXCHANGE);
            }
        }
    }
    if (!found) {
        snprintf(why, sizeof why,
                 "%s %s is not at an end of %s or of the hops joined to it at "
                 "layer 2",
                 b->peer_dev ? "device" : "site",
                 b->peer_dev ? b->peer_dev->name : b->peer_site->name,
                 hop_where(conn, hb, w1, sizeof w1));
        chk_report(c, DIAG_BGP_PEER_OFF_HOP, &b->peer_src, b->dev->name, b->name, b->peer_text,
                   why);
    }
}

static void
chk_session(struct chk *c, const struct bgp_by_dev *x, const struct m_conn *conn, const size_t *run,
            const struct m_bgp *b)
{
    const char *dn = b->dev ? b->dev->name : NULL;
    const struct m_bgp *t;
    char what[160];

    if (!b->dev) {
        return;
    }
    if (b->local_asn_set) {
        snprintf(what, sizeof what, "local-asn of session %s", b->name);
        chk_asn(c, b->local_asn, what, &b->src, dn, NULL);
    }
    snprintf(what, sizeof what, "peer-asn of session %s", b->name);
    chk_asn(c, b->peer_asn, what, &b->peer_asn_src, dn, b->peer_site);
    if (!b->local_asn) {
        chk_report(c, DIAG_BGP_NO_LOCAL_ASN, &b->src, dn, b->name, dn);
    } else if (b->local_asn == b->peer_asn) {
        chk_report(c, DIAG_BGP_SAME_ASN, &b->peer_asn_src, dn, b->name, b->peer_asn);
    }
    if (b->port && !chk_hop_at_port(conn, b->dev, b->port)) {
        chk_report(c, DIAG_BGP_PORT_OFF_PATH, &b->port_src, dn, b->name, b->port->name, dn);
    }
    if (!b->max_prefix) {
        chk_report(c, DIAG_BGP_NO_MAX_PREFIX, &b->src, dn, b->name, dn);
    }
    if (!b->auth_key_ref) {
        chk_report(c, DIAG_BGP_NO_AUTH, &b->src, dn, b->name,
                   b->peer_dev ? b->peer_dev->name : b->peer_site->name);
    }
    chk_announce(c, x, b);

    if (b->peer_dev) {
        uint32_t expect = b->peer_dev->asn;

        t = find_mirror(c->svc, x, b);
        if (t && t->local_asn) {
            expect = t->local_asn;
        }
        if (expect && b->peer_asn != expect) {
            chk_report(c, DIAG_BGP_PEER_ASN, &b->peer_asn_src, dn, b->name, b->peer_asn,
                       "device", b->peer_dev->name, expect);
        }
        if (!t) {
            chk_report(c, DIAG_BGP_PEER_MISSING, &b->src, dn, b->name, b->peer_dev->name,
                       b->local_text);
        } else if (t->local != b->peer) {
            chk_report(c, DIAG_BGP_PEER_ADDRESS, &b->peer_src, dn, b->name, dn, b->peer_text,
                       t->name, t->dev->name, t->local_text);
        }
        if (b->port) {
            chk_peer_on_hop(c, conn, run, b, t);
        }
    } else if (b->peer_site) {
        if (b->peer_site->asn && b->peer_asn != b->peer_site->asn) {
            chk_report(c, DIAG_BGP_PEER_ASN, &b->peer_asn_src, dn, b->name, b->peer_asn, "site",
                       b->peer_site->name, b->peer_site->asn);
        }
        if (b->peer_site->kind == SITE_AWS) {
            chk_aws(c, conn, b);
        }
        if (b->port) {
            chk_peer_on_hop(c, conn, run, b, NULL);
        }
    }
}

void
chk_bgp(struct chk *c)
{
    const struct m_service *svc = c->svc;
    struct bgp_by_dev x;
    size_t i, j;

    if (!bgp_by_dev_build(c, &x)) {
        return;
    }
    for (i = 0; i < svc->ndevices; i++) {
        char what[96];

        snprintf(what, sizeof what, "device %s", svc->devices[i].name);
        chk_asn(c, svc->devices[i].asn, what, &svc->devices[i].src, svc->devices[i].name, NULL);
    }
    for (i = 0; i < svc->nsites; i++) {
        char what[96];

        snprintf(what, sizeof what, "site %s", svc->sites[i].name);
        chk_asn(c, svc->sites[i].asn, what, &svc->sites[i].src, NULL, &svc->sites[i]);
    }
    for (i = 0; i < svc->nconns; i++) {
        const size_t *run = NULL;

        if (svc->conns[i].nbgp && !(run = routed_hops(c, &svc->conns[i]))) {
            return;
        }
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            chk_session(c, &x, &svc->conns[i], run, &svc->conns[i].bgp[j]);
        }
    }
}
