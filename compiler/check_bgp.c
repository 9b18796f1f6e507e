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
 * (a transit router such as CCX's re-announces the cloud's prefixes). The cloud
 * providers' own rules (AWS Direct Connect, Azure ExpressRoute, Google Cloud Interconnect,
 * IBM Cloud Direct Link) are on-ramp profiles, applied by check_onramp.c.
 *
 * Address families and knobs (revision 2026-12-06): a session carries the families it
 * names (default: its transport's); IPv6 routes over an IPv4 transport need the IPv6
 * next-hop addresses; each prefix is of a family the session carries; local-as options
 * go with a local-asn; communities in range; a primary/secondary pair differs in prepend
 * or MED. Whatever a session asks of its device's driver must be in the driver's
 * capabilities (drv_caps.bgp): otherwise a coded error naming the driver, never a
 * silently dropped knob. AWS Direct Connect's family rules (one family per BGP peer, /125
 * IPv6 peering subnets) are here; its other rules are the aws-direct-connect profile's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "driver.h"

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
    } else if (!asn_private(asn) && !(cloud && cloud_asn(cloud->kind, asn)) &&
               !(cloud && cloud->kind_name && !strcmp(cloud->kind_name, "ibm") && asn == 13884)) {
        /* IBM Cloud Direct Link's side is AS13884 (docs/checks.md, on-ramp profiles). */
        chk_report(c, DIAG_BGP_ASN_PUBLIC, src, device, asn, what);
    }
}

/*
 * Every session, grouped by its device, in input order within a device: finding the
 * sessions of one device (the peer's session back, the routes a router learns) then
 * costs that device's sessions, not all of them. Scanning all of them for each session
 * made the check quadratic (40000 sessions at 1000 routers: docs/PERFORMANCE.md).
 */
static size_t
dev_index(const struct m_service *svc, const struct m_device *d)
{
    return (size_t)(d - svc->devices);
}

/* The session on @b->peer_dev that points back at @b's device. */
static const struct m_bgp *
find_mirror(const struct m_service *svc, const struct m_bgp_by_dev *x, const struct m_bgp *b)
{
    const struct m_bgp *byaddr = NULL, *bydev = NULL;
    size_t d = dev_index(svc, b->peer_dev), k;

    for (k = x->start[d]; k < x->start[d + 1]; k++) {
        const struct m_bgp *t = x->list[k];

        if (t == b || t->peer_dev != b->dev) {
            continue;
        }
        if (model_addr_equal(&t->peer, &b->local) && !byaddr) {
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
    return model_prefix_inside(in, outer);
}

static void
chk_announce(struct chk *c, const struct m_bgp_by_dev *x, const struct m_bgp *b)
{
    const struct m_site *site = b->dev ? b->dev->site : NULL;
    size_t i, k;

    for (i = 0; i < b->nannounce; i++) {
        const struct m_prefix *p = &b->announce[i];
        bool ok = false;

        for (k = 0; site && k < site->nprefixes && !ok; k++) {
            ok = prefix_inside(p, &site->prefixes[k]);
        }
        if (!ok && !model_bgp_learned_elsewhere(c->svc, x, b->dev, b, p)) {
            chk_report(c, DIAG_BGP_ANNOUNCE_OUTSIDE, &p->src, b->dev->name, b->name, p->text,
                       site ? site->name : b->dev->name, b->dev->name);
        }
    }
}

/*
 * AWS Direct Connect and IPv6 (AWS Direct Connect User Guide, "Virtual interfaces"): a
 * dual-stack virtual interface has one IPv4 and one IPv6 BGP peer, each carrying its own
 * family; Amazon allocates the IPv6 peering addresses from a /125. The 100-prefix limit
 * per session and family is the aws-direct-connect profile's (check_onramp.c): a session
 * to AWS carries one family, so its count is the family's.
 */
static void
chk_aws_families(struct chk *c, const struct m_bgp *b)
{
    if ((b->afs & (M_AFS_V4 | M_AFS_V6)) == (M_AFS_V4 | M_AFS_V6)) {
        chk_report(c, DIAG_AWS_DX_AF, &b->afs_src, b->dev->name, b->name,
                   model_af_str(b->subnet.addr.af), "ipv4-unicast and ipv6-unicast");
    }
    if (b->subnet.addr.af == M_AF_V6 && b->subnet.len != 125) {
        chk_report(c, DIAG_AWS_DX_V6_SUBNET, &b->subnet.src, b->dev->name, b->name, b->subnet.text);
    }
    if (b->nh6_subnet.addr.af && b->nh6_subnet.len != 125) {
        chk_report(c, DIAG_AWS_DX_V6_SUBNET, &b->nh6_subnet.src, b->dev->name, b->name,
                   b->nh6_subnet.text);
    }
}

static const char *
af_name(unsigned afs_bit)
{
    return afs_bit == M_AFS_V6 ? "ipv6-unicast" : "ipv4-unicast";
}

static unsigned
afs_of(enum m_af af)
{
    return af == M_AF_V6 ? M_AFS_V6 : M_AFS_V4;
}

static void
chk_prefix_families(struct chk *c, const struct m_bgp *b, const struct m_prefix *p, size_t n,
                    const char *verb)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned bit = afs_of(p[i].addr.af);

        if (p[i].addr.af && !(b->afs & bit)) {
            chk_report(c, DIAG_BGP_AF_PREFIX, &p[i].src, b->dev->name, b->name, verb, p[i].text,
                       model_af_str(p[i].addr.af), af_name(bit));
        }
    }
}

/* The families a session carries, their next hops, prefixes and limits. */
static void
chk_session_families(struct chk *c, const struct m_bgp *b)
{
    enum m_af t = b->subnet.addr.af;
    const char *dn = b->dev->name;

    if ((b->afs & M_AFS_V6) && t == M_AF_V4 &&
        !(b->nh6_local_text && b->nh6_peer_text && b->nh6_subnet.addr.af)) {
        chk_report(c, DIAG_BGP_AF_NO_NEXT_HOP, b->has_nh6 ? &b->nh6_src : &b->afs_src, dn, b->name,
                   "ipv6-unicast", "IPv4", "IPv6");
    }
    if ((b->afs & M_AFS_V4) && t == M_AF_V6) {
        chk_report(c, DIAG_BGP_AF_NO_NEXT_HOP, &b->afs_src, dn, b->name, "ipv4-unicast", "IPv6",
                   "IPv4");
    }
    chk_prefix_families(c, b, b->announce, b->nannounce, "announces");
    chk_prefix_families(c, b, b->accept, b->naccept, "accepts");
    if (!b->max_prefix && (b->max_prefix_v4 || b->max_prefix_v6)) {
        if ((b->afs & M_AFS_V4) && !b->max_prefix_v4) {
            chk_report(c, DIAG_BGP_NO_FAMILY_LIMIT, &b->limit_src, dn, b->name, dn, "ipv4-unicast");
        }
        if ((b->afs & M_AFS_V6) && !b->max_prefix_v6) {
            chk_report(c, DIAG_BGP_NO_FAMILY_LIMIT, &b->limit_src, dn, b->name, dn, "ipv6-unicast");
        }
    }
}

/* Is every colon-separated part of @s at most 2^32 - 1? */
static bool
large_community_ok(const char *s)
{
    while (*s) {
        unsigned long long v = strtoull(s, NULL, 10);
        const char *colon = strchr(s, ':');

        if (v > 4294967295ull) {
            return false;
        }
        if (!colon) {
            break;
        }
        s = colon + 1;
    }
    return true;
}

static void
chk_communities(struct chk *c, const struct m_bgp *b, const struct m_communities *std,
                const struct m_communities *large, bool exported)
{
    size_t i;

    for (i = 0; i < large->n; i++) {
        if (!large_community_ok(large->v[i])) {
            chk_report(c, DIAG_BGP_COMMUNITY_RANGE, &large->src, b->dev->name, b->name,
                       large->v[i]);
        }
    }
    for (i = 0; exported && i < std->n; i++) {
        unsigned long hi = strtoul(std->v[i], NULL, 10);

        if (hi == 0 || hi == 65535) {
            chk_report(c, DIAG_BGP_COMMUNITY_RESERVED, &std->src, b->dev->name, b->name, std->v[i],
                       hi ? "65535:x, well-known, RFC 1997" : "0:x, RFC 8642");
        }
    }
}

/* local-as options, communities. */
static void
chk_session_knobs(struct chk *c, const struct m_bgp *b)
{
    bool local_as = b->local_asn_set && b->local_asn != b->dev->asn;

    if ((b->local_as_no_prepend || b->local_as_replace_as) && !local_as) {
        chk_report(c, DIAG_BGP_LOCAL_AS, &b->local_as_src, b->dev->name, b->name,
                   b->local_as_replace_as ? "local-as-replace-as" : "local-as-no-prepend",
                   "without a local-asn different from the device's ASN");
    } else if (b->local_as_replace_as && !b->local_as_no_prepend) {
        chk_report(c, DIAG_BGP_LOCAL_AS, &b->local_as_src, b->dev->name, b->name,
                   "local-as-replace-as", "without local-as-no-prepend");
    }
    chk_communities(c, b, &b->export_comm, &b->export_large, true);
    chk_communities(c, b, &b->import_comm, &b->import_large, false);
}

static bool
has_v6(const struct m_bgp *b)
{
    return b->subnet.addr.af == M_AF_V6 || (b->afs & M_AFS_V6) || b->has_nh6;
}

static void
need_cap(struct chk *c, const struct m_bgp *b, unsigned bit, const struct m_src *src,
         const char *what)
{
    const struct drv_ops *d = b->dev->drv;

    if (d && !(d->caps.bgp & bit)) {
        chk_report(c, DIAG_BGP_KNOB_UNSUPPORTED, src && src->path ? src : &b->src, b->dev->name,
                   b->name, b->dev->name, d->name, what);
    }
}

/* What the session asks of its device's driver (drv_caps.bgp). */
static void
chk_bgp_caps(struct chk *c, const struct m_bgp *b)
{
    if (has_v6(b)) {
        need_cap(c, b, DRV_BGP_IPV6, &b->afs_src, "IPv6 (interfaces, neighbours, policies)");
    }
    if ((b->afs & M_AFS_V6) && b->subnet.addr.af == M_AF_V4) {
        need_cap(c, b, DRV_BGP_V6_OVER_V4, &b->afs_src, "ipv6-unicast over an IPv4 session");
    }
    if (b->bfd) {
        need_cap(c, b, DRV_BGP_BFD, &b->bfd_src, "BFD");
    }
    if (b->prepend) {
        need_cap(c, b, DRV_BGP_PREPEND, &b->export_src, "AS-path prepend");
    }
    if (b->has_med) {
        need_cap(c, b, DRV_BGP_MED, &b->export_src, "MED");
    }
    if (b->export_comm.n || b->import_comm.n) {
        need_cap(c, b, DRV_BGP_COMMUNITY,
                 b->export_comm.n ? &b->export_comm.src : &b->import_comm.src, "communities");
    }
    if (b->export_large.n || b->import_large.n) {
        need_cap(c, b, DRV_BGP_LARGE_COMMUNITY,
                 b->export_large.n ? &b->export_large.src : &b->import_large.src,
                 "large communities");
    }
    if (b->import_comm.n || b->import_large.n) {
        need_cap(c, b, DRV_BGP_COMMUNITY_MATCH,
                 b->import_comm.n ? &b->import_comm.src : &b->import_large.src,
                 "matching communities on import");
    }
    if (b->multihop) {
        need_cap(c, b, DRV_BGP_MULTIHOP, &b->multihop_src, "ebgp-multihop");
    }
    if (b->local_as_no_prepend && !b->local_as_replace_as) {
        need_cap(c, b, DRV_BGP_NO_PREPEND, &b->local_as_src,
                 "local-as no-prepend without replace-as");
    }
    if (b->local_as_replace_as) {
        need_cap(c, b, DRV_BGP_REPLACE_AS, &b->local_as_src, "local-as replace-as");
    }
    if (b->limit_src.path) {
        need_cap(c, b, DRV_BGP_LIMIT, &b->limit_src, "prefix-limit (per family, threshold)");
    }
    if (b->limit_restart_set) {
        need_cap(c, b, DRV_BGP_LIMIT_RESTART, &b->limit_src, "a prefix-limit restart time");
    }
}

/* Do @a and @b announce a common prefix? */
static const struct m_prefix *
common_announce(const struct m_bgp *a, const struct m_bgp *b)
{
    size_t i, k;

    for (i = 0; i < a->nannounce; i++) {
        for (k = 0; k < b->nannounce; k++) {
            if (a->announce[i].len == b->announce[k].len &&
                model_prefix_inside(&a->announce[i], &b->announce[k])) {
                return &a->announce[i];
            }
        }
    }
    return NULL;
}

/*
 * Primary and secondary: two sessions to the same peer (site or device) announcing the
 * same prefix, at least one of them with a prepend or a MED (so a preference is meant),
 * and both with the same prepend and MED: the peer cannot tell them apart. Only sessions
 * that set one are compared against the rest, so a service without them costs nothing.
 */
static void
chk_preference(struct chk *c)
{
    const struct m_service *svc = c->svc;
    size_t i, j, k, l;

    for (i = 0; i < svc->nconns; i++) {
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            const struct m_bgp *a = &svc->conns[i].bgp[j];

            if (!a->dev || (!a->prepend && !a->has_med)) {
                continue;
            }
            for (k = 0; k < svc->nconns; k++) {
                for (l = 0; l < svc->conns[k].nbgp; l++) {
                    const struct m_bgp *b = &svc->conns[k].bgp[l];
                    const struct m_prefix *p;
                    bool earlier = k < i || (k == i && l < j);

                    if (b == a || !b->dev ||
                        (b->peer_site ? b->peer_site != a->peer_site
                                      : b->peer_dev != a->peer_dev)) {
                        continue;
                    }
                    /* A pair where both set a knob is reported once, at the later. */
                    if ((b->prepend || b->has_med) && earlier == false) {
                        continue;
                    }
                    if (b->prepend != a->prepend || b->has_med != a->has_med ||
                        (a->has_med && a->med != b->med)) {
                        continue;
                    }
                    if ((p = common_announce(a, b))) {
                        chk_report(c, DIAG_BGP_NO_PREFERENCE, &a->export_src, a->dev->name, b->name,
                                   a->name, p->text,
                                   a->peer_site ? a->peer_site->name : a->peer_dev->name);
                    }
                }
            }
        }
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
chk_session(struct chk *c, const struct m_bgp_by_dev *x, const struct m_conn *conn, const size_t *run,
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
    if (!b->max_prefix && !b->max_prefix_v4 && !b->max_prefix_v6) {
        chk_report(c, DIAG_BGP_NO_MAX_PREFIX, &b->src, dn, b->name, dn);
    }
    chk_session_families(c, b);
    chk_session_knobs(c, b);
    chk_bgp_caps(c, b);
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
        /* The two ends' keys, reported once per pair (from the end whose name sorts
         * first, or from the keyed end of a one-sided pair). */
        if (t && (b->auth_key_ref || t->auth_key_ref)) {
            if (!b->auth_key_ref != !t->auth_key_ref) {
                if (b->auth_key_ref) {
                    chk_report(c, DIAG_BGP_KEY_ONE_SIDED, &b->src, dn, b->name, "a key",
                               t->name, t->dev->name, "none");
                }
            } else if (strcmp(b->auth_key_ref, t->auth_key_ref) &&
                       (strcmp(dn, t->dev->name) < 0 ||
                        (!strcmp(dn, t->dev->name) && strcmp(b->name, t->name) < 0))) {
                chk_report(c, DIAG_BGP_KEY_REF_DIFFERS, &b->src, dn, b->name, b->auth_key_ref,
                           t->name, t->dev->name, t->auth_key_ref);
            }
        }
        if (!t) {
            chk_report(c, DIAG_BGP_PEER_MISSING, &b->src, dn, b->name, b->peer_dev->name,
                       b->local_text);
        } else if (!model_addr_equal(&t->local, &b->peer)) {
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
            chk_aws_families(c, b);
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
    struct m_bgp_by_dev x;
    size_t i, j;

    if (model_bgp_by_dev(svc, &x)) {
        c->err = NST_ENOMEM;
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
    /* The CE AS of every layer-3 multipoint VPN circuit (netstitch-multipoint): reserved
     * or public like any peer AS; the VPN's own rules are check_multipoint.c's. */
    for (i = 0; i < svc->nmps; i++) {
        for (j = 0; svc->mps[i].kind == MP_L3VPN && j < svc->mps[i].nacs; j++) {
            const struct m_mp_ac *a = &svc->mps[i].acs[j];
            char what[192];

            if (!a->routing.set) {
                continue;
            }
            snprintf(what, sizeof what, "ce-asn of multipoint %s attachment circuit %s",
                     svc->mps[i].name, a->name);
            chk_asn(c, a->routing.ce_asn, what, &a->routing.ce_asn_src,
                    a->dev ? a->dev->name : NULL, NULL);
        }
    }
    for (i = 0; i < svc->nconns; i++) {
        const size_t *run = NULL;

        if (svc->conns[i].nbgp && !(run = routed_hops(c, &svc->conns[i]))) {
            model_bgp_by_dev_free(&x);
            return;
        }
        for (j = 0; j < svc->conns[i].nbgp; j++) {
            chk_session(c, &x, &svc->conns[i], run, &svc->conns[i].bgp[j]);
        }
    }
    model_bgp_by_dev_free(&x);
    chk_preference(c);
}
