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
 *
 * Multipoint VPNs (netstitch-multipoint) are the first-class form of the same thing: a
 * VPLS defined only by its attachment circuits, full mesh or hub-and-spoke, over the
 * service's mpls-core segments. chk_mp() checks one:
 *   - encapsulation: every attachment circuit hands the VPN the same kind of frame
 *     (mp_frames): dot1q and QinQ circuits pop their tags (untagged frames, VLAN
 *     normalisation: different VLAN ids per site are fine), an untagged circuit passes the
 *     whole port with the customer's tags, a qinq-bundle passes its C-tags; mixing them
 *     delivers frames to sites that cannot read them (MP-ENCAP-MISMATCH);
 *   - signalling: each PE's driver must express it (drv_caps.vpls_ldp / vpls_bgp, the
 *     VPLS-SIGNALLING-UNSUPPORTED of connections), a router id for the pseudowires, the
 *     route target and VE ids as for a connection's VPLS (chk_vpls_bgp); hub-and-spoke:
 *     exactly one hub PE, LDP, and a hub whose driver has spoke pseudowires
 *     (drv_caps.vpls_spoke_pw);
 *   - ports: an attachment circuit takes frames no connection hop or other circuit takes;
 *   - MTU per pair of sites: the smaller of the two attachment circuits' largest IP MTU
 *     (port at its max-mtu, in its vendor's meaning, with the circuit's tags) and of the
 *     core path between the two PEs: the path of fewest mpls-core segments (the worst
 *     when several are equally short, as the IGP may use any), through the hub for two
 *     spokes. Every pair below ip-mtu is an error (MP-PAIR-MTU); the worst pair is a note
 *     (MP-WORST-PAIR); ports on the pairs' paths that must grow get a planned MTU
 *     (MP-MTU-RAISE), which the lowering writes as it writes check_mtu.c's.
 * Overlapping prefixes across the sites (their prefixes and hidden transit subnets) are
 * check_ip.c's IP-OVERLAP, which compares every site of the service with every other.
 *
 * A multipoint VPN of kind l3vpn (a BGP/MPLS IP VPN, RFC 4364) takes mp_l3() instead of the
 * encapsulation and signalling checks: full mesh only, one route target of its own, per PE
 * a driver with drv_caps.l3vpn, the backbone's one AS and a router id, per circuit a
 * routable encapsulation, a PE-CE link whose two addresses work, a CE AS that is neither the
 * backbone's nor (a warning) another site's, a site with IPv4 prefixes and a max-prefix that
 * takes them. Ports and the MTU per pair are shared with the VPLS, the latter with the
 * layer-3 core frame (mp_core_frame: the packet under two labels). The PE-CE links are in
 * check_ip.c's sweeps, the CE AS in check_bgp.c's ASN rules.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "driver.h"

#define MP_ETH_HDR 14u
#define MP_CORE_OVERHEAD 40u /* customer header 14 + CW 4 + 2 labels 8 + core header 14 */
#define MP_L3_LABELS 8u      /* l3vpn: the VPN label and the transport label, no inner header */

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

/* --- multipoint VPNs (netstitch-multipoint) --- */

/* What an attachment circuit hands the VPN: 0 every frame of the port (untagged circuit),
 * 1 untagged frames (dot1q / QinQ, tags popped), 2 C-tagged frames (qinq-bundle). */
static int
mp_frames(const struct m_encap *e)
{
    if (e->kind == ENCAP_UNTAGGED) {
        return 0;
    }
    return e->bundle ? 2 : 1;
}

static const char *
mp_frames_str(const struct m_encap *e, char *buf, size_t len)
{
    size_t i, n;

    if (mp_frames(e) == 0) {
        return "every frame of the port, tags included";
    }
    if (mp_frames(e) == 1) {
        return "untagged frames (its tags popped)";
    }
    if (e->all_cvlans) {
        return "the customer's frames with their C-tags (every C-VLAN)";
    }
    n = (size_t)snprintf(buf, len, "the customer's frames with their C-tags (C-VLANs ");
    for (i = 0; i < e->ncvlans && n < len; i++) {
        n += (size_t)(e->cvlans[i].lo == e->cvlans[i].hi
                          ? snprintf(buf + n, len - n, "%s%u", i ? "," : "", e->cvlans[i].lo)
                          : snprintf(buf + n, len - n, "%s%u-%u", i ? "," : "", e->cvlans[i].lo,
                                     e->cvlans[i].hi));
    }
    if (n < len) {
        snprintf(buf + n, len - n, ")");
    }
    return buf;
}

static void
mp_encap(struct chk *c, const struct m_mp *mp)
{
    const struct m_mp_ac *first = &mp->acs[0];
    char b1[96], b2[96], w1[160], w2[160];
    size_t i;

    for (i = 1; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];

        if (mp_frames(&a->encap) == mp_frames(&first->encap) &&
            (!a->encap.bundle || model_cvlans_equal(&a->encap, &first->encap))) {
            continue;
        }
        chk_report(c, DIAG_MP_ENCAP_MISMATCH, &a->encap_src, a->dev ? a->dev->name : NULL, mp->name,
                   a->name, model_encap_str(&a->encap, b1, sizeof b1),
                   mp_frames_str(&a->encap, w1, sizeof w1), first->name,
                   model_encap_str(&first->encap, b2, sizeof b2),
                   mp_frames_str(&first->encap, w2, sizeof w2));
    }
}

static void
mp_signalling(struct chk *c, const struct m_mp *mp)
{
    const struct m_mp_ac *hub = NULL;
    unsigned hubs = 0;
    char b1[64];
    size_t i, j;

    for (i = 0; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];
        bool seen = false, sig_ok;

        if (!a->dev || !a->port) {
            continue;
        }
        for (j = 0; j < i; j++) {
            seen = seen || mp->acs[j].dev == a->dev;
        }
        {
            struct m_end end;

            memset(&end, 0, sizeof end);
            end.dev = a->dev;
            end.port = a->port;
            chk_tags_at(c, NULL, NULL, &end, &a->encap, &a->encap_src);
        }
        if (model_encap_tags(&a->encap) == 2 && !a->encap.bundle &&
            !a->dev->drv->caps.rewrite_two_tags) {
            chk_report(c, DIAG_VLAN_REWRITE_UNSUPPORTED, &a->encap_src, a->dev->name, a->dev->name,
                       a->dev->drv->name, model_encap_str(&a->encap, b1, sizeof b1),
                       "untagged VPLS frames");
        }
        if (a->encap.bundle) {
            /* What the PE's driver can match of a multi-VLAN bundle (as check_qinq.c). */
            const char *why =
                a->dev->drv->bundle_problem
                    ? a->dev->drv->bundle_problem(a->encap.all_cvlans, a->encap.ncvlans,
                                                  a->encap.inner_tpid == TPID_8100)
                    : "this driver does not render multi-VLAN QinQ";

            if (why) {
                chk_report(c, DIAG_MP_BUNDLE_UNSUPPORTED, &a->encap_src, a->dev->name, mp->name,
                           a->name, a->dev->drv->name, a->dev->name,
                           model_encap_str(&a->encap, b1, sizeof b1), why);
            }
        }
        if (mp->topology == MP_HUB_AND_SPOKE && a->hub) {
            if (!hub || hub->dev != a->dev) {
                hubs++;
            }
            if (!hub && !a->dev->drv->caps.vpls_spoke_pw) {
                chk_report(c, DIAG_MP_SPOKE_PW, &a->src, a->dev->name, a->dev->name,
                           a->dev->drv->name, mp->name);
            }
            hub = hub ? hub : a;
        }
        if (seen) {
            continue; /* one instance per PE */
        }
        sig_ok =
            mp->signalling == SIG_LDP ? a->dev->drv->caps.vpls_ldp : a->dev->drv->caps.vpls_bgp;
        if (!sig_ok) {
            chk_report(c, DIAG_VPLS_SIGNALLING, &a->src, a->dev->name, a->dev->name,
                       a->dev->drv->name, mp->name, mp->signalling == SIG_LDP ? "LDP" : "BGP");
        }
        if (!a->dev->router_id) {
            chk_report(c, DIAG_VPLS_NO_ROUTER_ID, &a->src, a->dev->name, mp->name, a->dev->name);
        }
    }
    if (mp->topology == MP_HUB_AND_SPOKE) {
        if (hubs != 1) {
            chk_report(c, DIAG_MP_HUBS, &mp->src, NULL, mp->name, hubs);
        }
        if (mp->signalling == SIG_BGP) {
            chk_report(c, DIAG_MP_HUB_BGP, &mp->src, NULL, mp->name);
        }
    }
    chk_vpls_bgp(c, &mp->vpls);
}

/* --- layer-3 multipoint VPNs (kind l3vpn) --- */

/* The IPv4 prefixes of site @s: what an l3vpn routes, and what the PE accepts from its CE. */
static unsigned
site_v4(const struct m_site *s)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; s && i < s->nprefixes; i++) {
        n += s->prefixes[i].addr.af == M_AF_V4;
    }
    return n;
}

/* The routed link of circuit @a: the CE inside the PE's subnet, neither of them the
 * network or broadcast address (RFC 3021: a /31 has neither), and two addresses. */
static void
mp_l3_link(struct chk *c, const struct m_mp *mp, const struct m_mp_ac *a)
{
    const struct m_mp_routing *r = &a->routing;
    const struct m_prefix *net = &r->subnet;
    struct m_addr first, last;
    char why[256];
    const char *dn = a->dev ? a->dev->name : NULL;

    if (!r->pe.af || !r->ce.af) {
        return;
    }
    model_addr_span(&net->addr, net->len, false, &first);
    model_addr_span(&net->addr, net->len, true, &last);
    if (net->len < 31 && (model_addr_equal(&r->pe, &first) || model_addr_equal(&r->pe, &last))) {
        snprintf(why, sizeof why, "the PE's address %s is the %s address of %s", r->pe_text,
                 model_addr_equal(&r->pe, &first) ? "network" : "broadcast", net->text);
        chk_report(c, DIAG_MP_L3_CE_SUBNET, &r->pe_src, dn, mp->name, a->name, why);
    }
    if (!model_addr_in(&r->ce, net)) {
        snprintf(why, sizeof why, "the CE's address %s is outside the link %s (pe-address %s/%u)",
                 r->ce_text, net->text, r->pe_text, net->len);
    } else if (model_addr_equal(&r->ce, &r->pe)) {
        snprintf(why, sizeof why, "the CE's address %s is the PE's own", r->ce_text);
    } else if (net->len < 31 && model_addr_equal(&r->ce, &first)) {
        snprintf(why, sizeof why, "the CE's address %s is the network address of %s", r->ce_text,
                 net->text);
    } else if (net->len < 31 && model_addr_equal(&r->ce, &last)) {
        snprintf(why, sizeof why, "the CE's address %s is the broadcast address of %s", r->ce_text,
                 net->text);
    } else {
        return;
    }
    chk_report(c, DIAG_MP_L3_CE_SUBNET, &r->ce_src, dn, mp->name, a->name, why);
}

/* A connection's VPLS of the VPN's name on the PE of circuit @a: one routing instance (Junos)
 * or service name (SR OS) for both. */
static void
mp_l3_name(struct chk *c, const struct m_mp *mp, const struct m_mp_ac *a)
{
    size_t i, j, k;

    for (i = 0; i < c->svc->nconns; i++) {
        const struct m_conn *conn = &c->svc->conns[i];

        for (j = 0; j < conn->nvpls; j++) {
            const struct m_vpls *v = &conn->vpls[j];

            if (strcmp(v->name, mp->name)) {
                continue;
            }
            for (k = 0; k < v->nmembers; k++) {
                if (v->members[k].dev == a->dev) {
                    chk_report(c, DIAG_MP_L3_NAME_IN_USE, &a->src, a->dev->name, mp->name,
                               a->dev->name, v->name, conn->name);
                    return;
                }
            }
        }
    }
}

/* Does a multipoint VPN have a circuit on @dev? */
static bool
mp_on(const struct m_mp *mp, const struct m_device *dev)
{
    for (size_t i = 0; i < mp->nacs; i++) {
        if (mp->acs[i].dev == dev) {
            return true;
        }
    }
    return false;
}

/* On a PE whose router numbers every service from one id space (drv_caps.service_ids_shared),
 * the VRF's number (the vpn-id) must not be another service's of the PE: a connection's VPLS,
 * a layer-2 VPN's vpls-id, an earlier layer-3 VPN's vpn-id. Reported once, the first. */
static void
mp_l3_service_id(struct chk *c, const struct m_mp *mp, const struct m_mp_ac *a)
{
    char other[256];
    size_t i, j, k;

    if (!a->dev->drv->caps.service_ids_shared) {
        return;
    }
    other[0] = '\0';
    for (i = 0; i < c->svc->nconns && !other[0]; i++) {
        const struct m_conn *conn = &c->svc->conns[i];

        for (j = 0; j < conn->nvpls && !other[0]; j++) {
            const struct m_vpls *v = &conn->vpls[j];

            for (k = 0; k < v->nmembers && v->vpls_id == mp->vpn_id; k++) {
                if (v->members[k].dev == a->dev) {
                    snprintf(other, sizeof other, "the VPLS %s of connection %s", v->name,
                             conn->name);
                    break;
                }
            }
        }
    }
    for (i = 0; i < c->svc->nmps && !other[0]; i++) {
        const struct m_mp *o = &c->svc->mps[i];
        uint32_t id = o->kind == MP_L3VPN ? o->vpn_id : o->vpls_id;

        if (o == mp || (o->kind == MP_L3VPN && o > mp) || id != mp->vpn_id || !mp_on(o, a->dev)) {
            continue;
        }
        snprintf(other, sizeof other, "multipoint %s (its %s)", o->name,
                 o->kind == MP_L3VPN ? "vpn-id" : "vpls-id");
    }
    if (other[0]) {
        chk_report(c, DIAG_MP_L3_SERVICE_ID, &a->src, a->dev->name, mp->name, a->dev->name,
                   a->dev->drv->name, (unsigned long)mp->vpn_id, other);
    }
}

/*
 * A layer-3 multipoint VPN (kind l3vpn): full mesh only; a route target every PE imports
 * and exports; per PE a driver that renders VRFs, the backbone's AS (one for all PEs: the
 * VPN-IPv4 routes go over the backbone's iBGP) and a router id (the route distinguisher);
 * per circuit a routable encapsulation, a link whose addresses work, a CE AS that is not the
 * backbone's (nor another site's: a warning), a site with prefixes to route and a prefix
 * limit that takes them.
 */
static void
mp_l3(struct chk *c, const struct m_mp *mp)
{
    const struct m_mp_ac *asn_from = NULL;
    struct drv_rt rt;
    const char *why = NULL;
    char b1[64];
    size_t i, j;

    if (mp->topology == MP_HUB_AND_SPOKE) {
        chk_report(c, DIAG_MP_L3_HUB, &mp->src, NULL, mp->name);
    }
    if (!mp->route_target) {
        chk_report(c, DIAG_MP_L3_NO_RT, &mp->src, NULL, mp->name);
    } else if (drv_rt_parse(mp->route_target, &rt, &why)) {
        chk_report(c, DIAG_MP_L3_RT, &mp->rt_src, NULL, mp->name, mp->route_target, why);
    } else {
        /* One route target per layer-3 VPN: the first earlier VPN with this one. */
        for (i = 0; c->svc->mps + i < mp; i++) {
            const struct m_mp *o = &c->svc->mps[i];
            struct drv_rt ort;

            if (o->kind == MP_L3VPN && o->route_target &&
                !drv_rt_parse(o->route_target, &ort, NULL) && ort.as == rt.as &&
                ort.num == rt.num) {
                chk_report(c, DIAG_MP_L3_RT_SHARED, &mp->rt_src, NULL, mp->name, mp->route_target,
                           o->name);
                break;
            }
        }
    }
    for (i = 0; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];
        bool seen = false;

        if (!a->dev || !a->port) {
            continue;
        }
        for (j = 0; j < i; j++) {
            seen = seen || mp->acs[j].dev == a->dev;
        }
        if (!seen) {
            /* Once per PE. */
            if (!a->dev->drv->caps.l3vpn) {
                chk_report(c, DIAG_MP_L3_UNSUPPORTED, &a->src, a->dev->name, mp->name, a->name,
                           a->dev->name, a->dev->drv->name);
            }
            if (!a->dev->asn) {
                chk_report(c, DIAG_MP_L3_NO_ASN, &a->src, a->dev->name, mp->name, a->dev->name);
            } else if (!asn_from) {
                asn_from = a;
            } else if (a->dev->asn != asn_from->dev->asn) {
                chk_report(c, DIAG_MP_L3_ASN_DIFFERS, &a->src, a->dev->name, mp->name, a->dev->name,
                           a->dev->asn, asn_from->dev->name, asn_from->dev->asn);
            }
            if (!a->dev->router_id) {
                chk_report(c, DIAG_MP_L3_NO_ROUTER_ID, &a->src, a->dev->name, mp->name,
                           a->dev->name);
            }
            mp_l3_name(c, mp, a);
            mp_l3_service_id(c, mp, a);
        }
        {
            struct m_end end;

            memset(&end, 0, sizeof end);
            end.dev = a->dev;
            end.port = a->port;
            chk_tags_at(c, NULL, NULL, &end, &a->encap, &a->encap_src);
        }
        if (a->encap.bundle) {
            chk_report(c, DIAG_MP_L3_ENCAP, &a->encap_src, a->dev->name, mp->name, a->name,
                       model_encap_str(&a->encap, b1, sizeof b1));
        } else if (a->encap.kind == ENCAP_QINQ && !a->dev->drv->caps.l3_double_tag) {
            chk_report(c, DIAG_MP_L3_DOUBLE_TAG, &a->encap_src, a->dev->name, mp->name, a->name,
                       a->dev->name, a->dev->drv->name, a->port->name);
        }
        if (a->site && !site_v4(a->site)) {
            chk_report(c, DIAG_MP_L3_SITE_NO_PREFIX, &a->src, a->dev->name, mp->name, a->name,
                       a->site->name);
        }
        if (!a->routing.set) {
            continue; /* mandatory under when: the schema reported it */
        }
        mp_l3_link(c, mp, a);
        if (a->routing.max_prefix && a->site && site_v4(a->site) > a->routing.max_prefix) {
            chk_report(c, DIAG_MP_L3_MAX_PREFIX, &a->routing.max_prefix_src, a->dev->name, mp->name,
                       a->name, a->routing.max_prefix, a->site->name, site_v4(a->site));
        }
        if (a->dev->asn && a->routing.ce_asn == a->dev->asn) {
            chk_report(c, DIAG_MP_L3_CE_ASN, &a->routing.ce_asn_src, a->dev->name, mp->name,
                       a->name, a->routing.ce_asn);
        }
        for (j = 0; j < i; j++) {
            const struct m_mp_ac *o = &mp->acs[j];

            if (o->routing.set && o->site != a->site && o->routing.ce_asn == a->routing.ce_asn &&
                (!a->dev->asn || a->routing.ce_asn != a->dev->asn)) {
                chk_report(c, DIAG_MP_L3_CE_ASN_SHARED, &a->routing.ce_asn_src, a->dev->name,
                           mp->name, a->name, a->site ? a->site->name : "-", o->name,
                           o->site ? o->site->name : "-", a->routing.ce_asn);
                break;
            }
        }
    }
}

/* Do two sets of tags on one port take the same frames? */
static bool
encap_clash(const struct m_encap *a, const struct m_encap *b)
{
    unsigned ta = model_encap_tags(a), tb = model_encap_tags(b);

    if (a->kind == ENCAP_VPLS || b->kind == ENCAP_VPLS) {
        return false;
    }
    if (!ta || !tb) {
        return true; /* an untagged sub-interface is the whole port */
    }
    if (a->outer != b->outer) {
        return false;
    }
    if (ta == 1 || tb == 1 || a->bundle || b->bundle) {
        return true;
    }
    return a->inner == b->inner;
}

static void
mp_ports(struct chk *c, size_t m)
{
    const struct m_service *svc = c->svc;
    const struct m_mp *mp = &svc->mps[m];
    char b1[64], what[256], w2[256];
    size_t i, j, k;
    int e;

    for (i = 0; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];
        bool clash = false;

        if (!a->dev || !a->port) {
            continue;
        }
        snprintf(w2, sizeof w2, "multipoint %s (attachment circuit %s)", mp->name, a->name);
        chk_shared_ac(c, a->port, &a->encap, w2, &a->encap_src);
        for (j = 0; j < svc->nconns && !clash; j++) {
            for (k = 0; k < svc->conns[j].nhops && !clash; k++) {
                const struct m_hop *h = &svc->conns[j].hops[k];

                for (e = 0; e < 2 && !clash; e++) {
                    if (h->seg->end[e].port == a->port && encap_clash(&h->encap, &a->encap)) {
                        snprintf(what, sizeof what, "hop %u of connection %s", h->seq,
                                 svc->conns[j].name);
                        clash = true;
                    }
                }
            }
        }
        /* Other circuits: every earlier one of this VPN and every one of earlier VPNs. */
        for (j = 0; j <= m && !clash; j++) {
            const struct m_mp *o = &svc->mps[j];

            for (k = 0; k < (j == m ? i : o->nacs) && !clash; k++) {
                if (o->acs[k].port == a->port && encap_clash(&o->acs[k].encap, &a->encap)) {
                    snprintf(what, sizeof what, "attachment circuit %s of multipoint %s",
                             o->acs[k].name, o->name);
                    clash = true;
                }
            }
        }
        /* One outer TPID per port where the vendor sets it per port (as chk_ports_tags). */
        for (j = 0; j < svc->nconns && !clash && a->encap.kind == ENCAP_QINQ; j++) {
            for (k = 0; k < svc->conns[j].nhops; k++) {
                const struct m_hop *h = &svc->conns[j].hops[k];
                const struct drv_caps *caps = &a->dev->drv->caps;

                if ((h->seg->end[0].port != a->port && h->seg->end[1].port != a->port) ||
                    h->encap.kind != ENCAP_QINQ || h->encap.tpid == a->encap.tpid ||
                    ((caps->tpid_per_subif & chk_tpid_bit(a->encap.tpid)) &&
                     (caps->tpid_per_subif & chk_tpid_bit(h->encap.tpid)))) {
                    continue;
                }
                snprintf(what, sizeof what, "hop %u of connection %s", h->seq, svc->conns[j].name);
                snprintf(w2, sizeof w2, "attachment circuit %s of multipoint %s", a->name,
                         mp->name);
                chk_report(c, DIAG_VLAN_TPID_PORT, &a->encap_src, a->dev->name, a->dev->name,
                           a->port->name, model_tpid_str(h->encap.tpid), what,
                           model_tpid_str(a->encap.tpid), w2);
                break;
            }
        }
        if (clash) {
            chk_report(c, DIAG_MP_PORT_IN_USE, &a->src, a->dev->name, mp->name, a->name,
                       a->dev->name, a->port->name, model_encap_str(&a->encap, b1, sizeof b1),
                       what);
        }
    }
}

/* The tags port @p's MTU counts for a circuit with @e's tags (@core: none): the port's
 * tagging mode from every sub-interface on it (check_mtu.c's table, which counts the
 * circuits too), as the drivers decide it. */
static unsigned
mp_tags_counted(const struct chk *c, const struct m_port *p, const struct m_encap *e, bool core)
{
    unsigned tags = core ? 0 : model_encap_tags(e);
    enum drv_tagging mode = c->res->tagging
                                ? c->res->tagging[p->idx]
                                : drv_tagging_add(DRV_TAGGING_NONE, tags, e ? e->tpid : 0);

    return drv_tags_counted(p->dev->drv, mode, tags);
}

/* The core frame of VPN @mp: a pseudowire's (VPLS) or a layer-3 VPN's. */
static enum drv_frame
mp_core_frame(const struct m_mp *mp)
{
    return mp->kind == MP_L3VPN ? DRV_FRAME_L3VPN : DRV_FRAME_PW;
}

/* The largest IP MTU port @p carries on an attachment circuit with @e's tags (@frame
 * DRV_FRAME_ETH) or as an mpls-core port (@frame the VPN's core frame), at its hardware
 * maximum (a shared port: as it is). */
static uint32_t
mp_port_ip(const struct chk *c, const struct m_port *p, const struct m_encap *e,
           enum drv_frame frame, uint32_t ctag)
{
    bool core = frame != DRV_FRAME_ETH;
    uint32_t best = !p->shared && p->max_mtu > p->mtu ? p->max_mtu : p->mtu;
    uint32_t ip = drv_ip_mtu_carried(p->dev->drv, best, mp_tags_counted(c, p, e, core), frame);

    return ip > ctag ? ip - ctag : 0;
}

/* The largest IP MTU an mpls-core segment carries for the VPN: a fixed segment's MTU is
 * what it carries above the core's Ethernet header, less the pseudowire's customer header,
 * control word and labels (VPLS) or the two labels (l3vpn). */
static uint32_t
mp_core_ip(const struct chk *c, const struct m_segment *s, enum drv_frame frame, uint32_t ctag)
{
    uint32_t m = UINT32_MAX, ip;
    uint32_t over = frame == DRV_FRAME_L3VPN ? MP_L3_LABELS : MP_CORE_OVERHEAD - MP_ETH_HDR;
    int e;

    if (s->owner && s->mtu) {
        ip = s->mtu_is_ip ? s->mtu : (s->mtu > over ? s->mtu - over : 0);
        m = ip > ctag ? ip - ctag : 0;
    }
    for (e = 0; e < 2; e++) {
        if (s->end[e].port) {
            ip = mp_port_ip(c, s->end[e].port, NULL, frame, ctag);
            m = ip < m ? ip : m;
        }
    }
    return m;
}

/* Shortest core paths from one PE: per device its distance in mpls-core segments, the
 * worst bottleneck among the equally short paths, the segment that limits it, and the
 * segment by which that worst path arrives. */
struct mp_reach {
    unsigned dist; /* UINT32_MAX: unreachable */
    uint32_t best;
    const struct m_segment *limit;
    const struct m_segment *via;
};

static size_t
dev_idx(const struct m_service *svc, const struct m_device *d)
{
    return (size_t)(d - svc->devices);
}

static void
mp_bfs(const struct chk *c, const struct m_service *svc, const struct m_device *from,
       enum drv_frame frame, uint32_t ctag, struct mp_reach *r, size_t *queue)
{
    size_t head = 0, tail = 0, i;

    for (i = 0; i < svc->ndevices; i++) {
        r[i].dist = UINT32_MAX;
        r[i].best = 0;
        r[i].limit = NULL;
        r[i].via = NULL;
    }
    r[dev_idx(svc, from)].dist = 0;
    r[dev_idx(svc, from)].best = UINT32_MAX;
    queue[tail++] = dev_idx(svc, from);
    while (head < tail) {
        size_t u = queue[head++];

        for (i = 0; i < svc->nsegments; i++) {
            const struct m_segment *s = &svc->segments[i];
            const struct m_device *other;
            uint32_t edge, cand;
            size_t v;

            if (s->kind != SEG_MPLS_CORE || !s->end[0].dev || !s->end[1].dev) {
                continue;
            }
            if (s->end[0].dev == &svc->devices[u]) {
                other = s->end[1].dev;
            } else if (s->end[1].dev == &svc->devices[u]) {
                other = s->end[0].dev;
            } else {
                continue;
            }
            v = dev_idx(svc, other);
            if (r[v].dist != UINT32_MAX && r[v].dist != r[u].dist + 1) {
                continue;
            }
            edge = mp_core_ip(c, s, frame, ctag);
            cand = edge < r[u].best ? edge : r[u].best;
            if (r[v].dist == UINT32_MAX) {
                r[v].dist = r[u].dist + 1;
                queue[tail++] = v;
            } else if (cand >= r[v].best) {
                continue;
            }
            r[v].best = cand;
            r[v].limit = edge < r[u].best ? s : r[u].limit;
            r[v].via = s;
        }
    }
}

/* Plan port @p's MTU for @need (vendor meaning); a note when it grows. */
static void
mp_plan(struct chk *c, const struct m_mp *mp, const struct m_port *p, uint32_t need)
{
    struct chk_port *cp = &c->res->ports[p->idx];

    if (!cp->port) {
        cp->port = p;
    }
    if (need > cp->needed) {
        cp->needed = need;
    }
    if (p->shared || need <= p->mtu || need > p->max_mtu || need <= cp->planned) {
        return; /* fits, or cannot grow (the pair's MTU error says it) */
    }
    if (!cp->planned) {
        chk_report(c, DIAG_MP_MTU_RAISE, &p->src, p->dev->name, p->dev->name, p->name, p->mtu, need,
                   p->dev->drv->name, mp->name);
    }
    cp->planned = need;
}

/* The core ports along the worst shortest path to @to (reach @r from a PE). */
static void
mp_plan_path(struct chk *c, const struct m_mp *mp, const struct mp_reach *r,
             const struct m_device *to, uint32_t ctag)
{
    const struct m_service *svc = c->svc;
    const struct m_device *d = to;
    unsigned guard = 0;
    int e;

    while (r[dev_idx(svc, d)].via && guard++ < svc->ndevices) {
        const struct m_segment *s = r[dev_idx(svc, d)].via;

        for (e = 0; e < 2; e++) {
            if (s->end[e].port) {
                mp_plan(c, mp, s->end[e].port,
                        drv_port_mtu_needed(s->end[e].dev->drv, mp->ip_mtu + ctag,
                                            mp_tags_counted(c, s->end[e].port, NULL, true),
                                            mp_core_frame(mp)));
            }
        }
        d = s->end[0].dev == d ? s->end[1].dev : s->end[0].dev;
    }
}

static void
mp_mtu(struct chk *c, const struct m_mp *mp)
{
    const struct m_service *svc = c->svc;
    const struct m_mp_ac *hub = NULL, *wa = NULL, *wb = NULL;
    uint32_t ctag = 0, worst = UINT32_MAX, *acip;
    struct mp_reach *reach, *hubr = NULL;
    char why[192], wwhy[192] = "";
    unsigned pairs = 0;
    size_t *queue, i, j;

    for (i = 0; i < mp->nacs; i++) {
        if (!mp->acs[i].dev || !mp->acs[i].port) {
            return; /* unresolved: the schema reported it */
        }
        ctag = mp->acs[i].encap.bundle ? 4u : ctag;
        if (mp->topology == MP_HUB_AND_SPOKE && mp->acs[i].hub && !hub) {
            hub = &mp->acs[i];
        }
    }
    reach = arena_array(c->arena, (svc->ndevices + 1) * (mp->nacs + 1), sizeof *reach);
    queue = arena_array(c->arena, svc->ndevices + 1, sizeof *queue);
    acip = arena_array(c->arena, mp->nacs, sizeof *acip);
    if (!reach || !queue || !acip) {
        c->err = NST_ENOMEM;
        return;
    }
    for (i = 0; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];
        unsigned counted = mp_tags_counted(c, a->port, &a->encap, false);

        acip[i] = mp_port_ip(c, a->port, &a->encap, DRV_FRAME_ETH, 0);
        mp_plan(c, mp, a->port,
                drv_port_mtu_needed(a->dev->drv, mp->ip_mtu, counted, DRV_FRAME_ETH));
        mp_bfs(c, svc, a->dev, mp_core_frame(mp), ctag, &reach[i * svc->ndevices], queue);
        if (a == hub) {
            hubr = &reach[i * svc->ndevices];
        }
    }
    for (i = 0; i < mp->nacs; i++) {
        const struct m_mp_ac *a = &mp->acs[i];

        for (j = i + 1; j < mp->nacs; j++) {
            const struct m_mp_ac *b = &mp->acs[j];
            const struct mp_reach *ra = &reach[i * svc->ndevices];
            uint32_t m = acip[i] < acip[j] ? acip[i] : acip[j];
            const struct m_segment *lim = NULL;
            uint32_t core = UINT32_MAX;

            snprintf(why, sizeof why, "the attachment circuit %s on %s port %s",
                     acip[i] <= acip[j] ? a->name : b->name,
                     acip[i] <= acip[j] ? a->dev->name : b->dev->name,
                     acip[i] <= acip[j] ? a->port->name : b->port->name);
            if (a->dev != b->dev) {
                bool via_hub = hub && hubr && a->dev != hub->dev && b->dev != hub->dev;
                const struct mp_reach *x =
                    via_hub ? &hubr[dev_idx(svc, a->dev)] : &ra[dev_idx(svc, b->dev)];
                const struct mp_reach *y = via_hub ? &hubr[dev_idx(svc, b->dev)] : NULL;

                if (x->dist == UINT32_MAX || (y && y->dist == UINT32_MAX)) {
                    chk_report(c, DIAG_MP_NO_CORE_PATH, &mp->src, NULL, mp->name, a->dev->name,
                               via_hub && x->dist != UINT32_MAX ? hub->dev->name : b->dev->name);
                    continue;
                }
                core = x->best;
                lim = x->limit;
                if (y && y->best < core) {
                    core = y->best;
                    lim = y->limit;
                }
                if (via_hub) {
                    mp_plan_path(c, mp, hubr, a->dev, ctag);
                    mp_plan_path(c, mp, hubr, b->dev, ctag);
                } else {
                    mp_plan_path(c, mp, ra, b->dev, ctag);
                }
            }
            if (core < m && lim) {
                m = core;
                snprintf(why, sizeof why, "core segment %s", lim->name);
            }
            pairs++;
            if (m < mp->ip_mtu) {
                chk_report(c, DIAG_MP_PAIR_MTU, &b->src, b->dev->name, mp->name,
                           a->site ? a->site->name : a->name, a->dev->name,
                           b->site ? b->site->name : b->name, b->dev->name, m, why, mp->ip_mtu);
            }
            if (m < worst) {
                worst = m;
                wa = a;
                wb = b;
                memcpy(wwhy, why, sizeof wwhy);
            }
        }
    }
    if (c->res->mp_worst && (size_t)(mp - svc->mps) < c->res->nmps) {
        c->res->mp_worst[mp - svc->mps] = worst;
    }
    if (wa && wb) {
        chk_report(c, DIAG_MP_PAIR_WORST, &mp->src, NULL, mp->name, pairs,
                   wa->site ? wa->site->name : wa->name, wa->dev->name,
                   wb->site ? wb->site->name : wb->name, wb->dev->name, worst, wwhy);
    }
}

void
chk_mp(struct chk *c)
{
    size_t i;

    c->res->mp_worst =
        arena_array(c->arena, c->svc->nmps ? c->svc->nmps : 1, sizeof *c->res->mp_worst);
    if (!c->res->mp_worst) {
        c->err = NST_ENOMEM;
        return;
    }
    c->res->nmps = c->svc->nmps;
    for (i = 0; i < c->svc->nmps; i++) {
        c->res->mp_worst[i] = UINT32_MAX;
    }

    for (i = 0; i < c->svc->nmps; i++) {
        const struct m_mp *mp = &c->svc->mps[i];

        if (mp->nacs < 2) {
            continue; /* min-elements */
        }
        if (mp->kind == MP_L3VPN) {
            mp_l3(c, mp);
        } else {
            mp_encap(c, mp);
            mp_signalling(c, mp);
        }
        mp_ports(c, i);
        mp_mtu(c, mp);
    }
}
