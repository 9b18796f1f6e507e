/*
 * vrp.c: the Huawei VRP8 driver (NE40E / NetEngine 8000 models).
 *
 * Capabilities (docs/vendors.md): ifm mtu is the IP MTU; L2 frames are bounded by the
 * port's jumbo-frame (huawei-devm + huawei-pic), which the driver sets large on every
 * port that carries layer-2 service frames or pseudowires. The QinQ outer TPID is per
 * port (qinq-protocol). VRP rewrites a received foreign outer TPID to 0x8100 unless
 * "qinq protocol transport enable" is set; that knob has no node in the 8.22.0 YANG
 * models and is not sent, and it is not needed here: every layer-2 sub-interface pops
 * all its tags (flow-action pop-outer / pop-double, symmetric on EVC sub-interfaces) and
 * pushes them back with the egress port's qinq-protocol, so no frame leaves with the
 * received outer tag. flow-action covers pop-double, push2-layer, map-2-to-2. The VSI
 * default encapsulation is vlan (tagged pseudowire); the driver always sets ethernet.
 * Candidate (per session), writable-running, confirmed-commit 1.0 and 1.1, seconds.
 *
 * Rendering (templates/vrp/, docs/drivers.md). Every layer-2 join is an EVC bridge
 * domain of layer-2 sub-interfaces: a local stitch is a BD of its two sub-interfaces, a
 * VPLS a BD holding its attachment circuit, bound to the VSI. The prepare hook below
 * computes what the templates would otherwise repeat in XPath:
 *   - subif @vrp-name/@vrp-number: the sub-interface (port.N; an untagged layer-2 hop
 *     is sub-interface 4095, outside the VLAN range, so it cannot collide with a
 *     sub-interface named after its VLAN), @bd-id for a layer-2 one that joins a BD;
 *   - l2-stitch @bd-id: 16777215 (the top of the BD range) minus the stitch's place
 *     among the device's stitches;
 *   - vpls @bd-id: the VPLS id folded into 1..16000000 (the id itself up to there),
 *     @vrp-vsi: the VSI name fitted to 31 characters, and for BGP signalling
 *     @site-range: the label-block range, which must cover every member's VE id: the
 *     largest VE id of the VPLS (the IR's ve-max) and at least 10; without ve-max in
 *     the IR, the member's own VE id and at least 100 (IOS-XR's largest ve-range);
 *   - port @vrp-position (devm port position: the name after its type, "0/1/0"),
 *     @jumbo-frame (9600, or IP MTU + 14 + 8 + 4 if larger: its FCS/tag counting is
 *     UNCONFIRMED, hence generous) and @qinq-protocol (the outer TPID when not 0x8100).
 *   - every description @vrp-text (payload) and @vrp-cli (CLI, control characters as
 *     spaces): the text cut to 242 bytes (the models' shortest description limit is
 *     242 characters, ifm), never inside a UTF-8 sequence, so a long inventory
 *     description does not make the payload invalid.
 * A layer-3 QinQ termination (l3-sub-interface/qinq-termination) is not in the device
 * models: the hook refuses it rather than send a sub-interface without encapsulation.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

#define VRP_BD_MAX 16777215ul       /* huawei-bd instance id range 1..16777215 */
#define VRP_BD_VPLS_SPAN 16000000ul /* VPLS BDs: 1..16000000; stitches count down from the top */
#define VRP_UNTAGGED_SUBIF 4095ul
#define VRP_JUMBO 9600ul
#define VRP_VSI_NAME_MAX 31
#define VRP_SITE_RANGE_MIN 10ul
#define VRP_SITE_RANGE_GUESS 100ul
#define VRP_DESC_MAX 242

static bool
vrp_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Whether attachment circuit @ac names sub-interface @subif of port @port. */
static bool
vrp_ac_is(xmlNodePtr ac, const char *port, const char *subif)
{
    const char *p = drv_attr(ac, "port"), *s = drv_attr(ac, "subif");

    return p && s && !strcmp(p, port) && !strcmp(s, subif);
}

static unsigned long
vrp_vpls_bd(xmlNodePtr vpls)
{
    unsigned long id = drv_attr_ul(vpls, "vpls-id", 1);

    return (id ? id - 1 : 0) % VRP_BD_VPLS_SPAN + 1;
}

/* The bridge domain that sub-interface @subif of port @port joins, 0 when none. */
static unsigned long
vrp_bd_of(xmlNodePtr dev, const char *port, const char *subif)
{
    unsigned long k = 0;
    xmlNodePtr n, ac;

    for (n = drv_child(dev, NULL); n; n = drv_next(n, NULL)) {
        bool vpls = vrp_is(n, "vpls"), stitch = vrp_is(n, "l2-stitch");

        if (!vpls && !stitch) {
            continue;
        }
        for (ac = drv_child(n, "ac"); ac; ac = drv_next(ac, "ac")) {
            if (vrp_ac_is(ac, port, subif)) {
                return vpls ? vrp_vpls_bd(n) : VRP_BD_MAX - k;
            }
        }
        k += stitch;
    }
    return 0;
}

/* devm port position: what follows the interface type ("100GE0/3/0" -> "0/3/0"). */
static const char *
vrp_position(const char *ifname)
{
    const char *s, *after = ifname;

    for (s = ifname; *s; s++) {
        if (!strchr("0123456789/.:", *s)) {
            after = s + 1;
        }
    }
    return after;
}

/* drv_ops.port_name_problem: the devm port position comes from the name's tail. */
static const char *
vrp_port_name_problem(const char *name)
{
    if (!*vrp_position(name)) {
        return "a VRP interface name ends in its position (GigabitEthernet0/1/0, 100GE0/3/0), "
               "which the device models' devm port needs";
    }
    return NULL;
}

/* @s cut to at most @max bytes, never inside a UTF-8 sequence, into @buf (@max + 1). */
static const char *
vrp_fit_text(const char *s, size_t max, char *buf)
{
    size_t n = strlen(s);

    if (n > max) {
        n = max;
        /* Back up to the start of the sequence the cut falls in, unless it ends there. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* @vrp-text and @vrp-cli on every <description> under @n. */
static void
vrp_descriptions(struct drv_prep *p, xmlNodePtr n)
{
    char buf[VRP_DESC_MAX + 1];
    xmlNodePtr c;

    for (c = drv_child(n, NULL); c; c = drv_next(c, NULL)) {
        if (vrp_is(c, "description")) {
            drv_set_attr(p, c, "vrp-text",
                         vrp_fit_text(drv_child_text(n, "description"), VRP_DESC_MAX, buf));
            drv_set_attr(
                p, c, "vrp-cli",
                vrp_fit_text(drv_attr(c, "cli") ? drv_attr(c, "cli") : "", VRP_DESC_MAX, buf));
        } else {
            vrp_descriptions(p, c);
        }
    }
}

static nst_err
vrp_prepare_port(struct drv_prep *p, xmlNodePtr dev, xmlNodePtr port)
{
    const char *name = drv_attr(port, "name"), *tpid = NULL, *id;
    unsigned long mtu = drv_attr_ul(port, "mtu", 0);
    bool l2 = drv_attr(port, "core") && !strcmp(drv_attr(port, "core"), "true");
    xmlNodePtr s, m;

    if (!name) {
        return drv_prep_fail(p, "VRP: a port without a name");
    }
    for (s = drv_child(port, "subif"); s; s = drv_next(s, "subif")) {
        const char *kind = drv_attr(s, "kind");
        unsigned long tags, num;

        m = drv_child(s, "match");
        tags = drv_attr_ul(m, "tags", 0);
        id = drv_attr(s, "id");
        if (!id || !kind) {
            return drv_prep_fail(p, "VRP: port %s: a sub-interface without id or kind", name);
        }
        if (tags && !tpid && drv_attr(m, "tpid") && strcmp(drv_attr(m, "tpid"), "0x8100")) {
            tpid = drv_attr(m, "tpid");
        }
        if (!strcmp(kind, "l3")) {
            if (tags == 2) {
                return drv_prep_fail(p,
                                     "VRP: port %s sub-interface %s: a layer-3 QinQ termination "
                                     "is not in the VRP device models",
                                     name, id);
            }
            if (!tags) {
                continue; /* the main interface itself */
            }
        } else {
            l2 = true;
        }
        num = tags ? drv_attr_ul(s, "id", 0) : VRP_UNTAGGED_SUBIF;
        drv_set_attrf(p, s, "vrp-number", "%lu", num);
        drv_set_attrf(p, s, "vrp-name", "%s.%lu", name, num);
        if (!strcmp(kind, "l2")) {
            unsigned long bd = vrp_bd_of(dev, name, id);

            if (bd) {
                drv_set_attrf(p, s, "bd-id", "%lu", bd);
            }
        }
    }
    drv_set_attr(p, port, "qinq-protocol", tpid);
    drv_set_attr(p, port, "vrp-position", vrp_position(name));
    if (l2) {
        drv_set_attrf(p, port, "jumbo-frame", "%lu", mtu + 26 > VRP_JUMBO ? mtu + 26 : VRP_JUMBO);
    }
    return NST_OK;
}

/* The prepare hook (driver.h): annotate the device copy for templates/vrp/. */
/* An export policy with attributes to set (MED, AS-path prepend, communities): VRP
 * applies them with a route-policy of the same name (policy.xml), bound to the peer's
 * family with export-policy beside the export ip-prefix filter; the family gets
 * @vrp-route-policy. An import policy that matches communities is a route-policy of its
 * name matching the basic community filter @vrp-community-filter (one node per
 * community: any of them), bound with import-policy (family/@vrp-import-policy). */
static void
vrp_route_policies(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr pol, bgp, nb, fam;

    for (pol = drv_child(dev, "policy"); pol; pol = drv_next(pol, "policy")) {
        const char *name = drv_attr(pol, "name");

        bool imp = drv_child(pol, "match-community") != NULL;

        if (!name || !(imp || drv_attr(pol, "med") || drv_attr(pol, "prepend") ||
                       drv_child(pol, "set-community"))) {
            continue;
        }
        drv_set_attr(p, pol, "vrp-route-policy", "true");
        if (imp) {
            drv_set_attrf(p, pol, "vrp-community-filter", "%.40s-C", name);
        }
        for (bgp = drv_child(dev, "bgp"); bgp; bgp = drv_next(bgp, "bgp")) {
            for (nb = drv_child(bgp, "neighbor"); nb; nb = drv_next(nb, "neighbor")) {
                for (fam = drv_child(nb, "family"); fam; fam = drv_next(fam, "family")) {
                    const char *ref = drv_attr(fam, imp ? "import" : "export");

                    if (ref && !strcmp(ref, name)) {
                        drv_set_attr(p, fam, imp ? "vrp-import-policy" : "vrp-route-policy", name);
                    }
                }
            }
        }
    }
}

static nst_err
vrp_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    unsigned long k = 0;
    xmlNodePtr n;
    nst_err ret;

    vrp_descriptions(p, dev);
    vrp_route_policies(p, dev);
    for (n = drv_child(dev, NULL); n; n = drv_next(n, NULL)) {
        if (vrp_is(n, "port")) {
            ret = vrp_prepare_port(p, dev, n);
            if (ret) {
                return ret;
            }
        } else if (vrp_is(n, "l2-stitch")) {
            drv_set_attrf(p, n, "bd-id", "%lu", VRP_BD_MAX - k++);
        } else if (vrp_is(n, "vpls")) {
            const char *sig = drv_attr(n, "signalling");
            char vsi[VRP_VSI_NAME_MAX + 1];

            drv_set_attrf(p, n, "bd-id", "%lu", vrp_vpls_bd(n));
            drv_set_attr(p, n, "vrp-vsi",
                         drv_fit_name(drv_attr(n, "name") ? drv_attr(n, "name") : "",
                                      VRP_VSI_NAME_MAX, vsi, sizeof vsi));
            if (sig && !strcmp(sig, "bgp")) {
                unsigned long ve = drv_attr_ul(n, "ve-max", drv_attr_ul(n, "ve-id", 1));
                unsigned long min =
                    drv_attr(n, "ve-max") ? VRP_SITE_RANGE_MIN : VRP_SITE_RANGE_GUESS;

                drv_set_attrf(p, n, "site-range", "%lu", ve > min ? ve : min);
            }
        }
    }
    return drv_prep_status(p);
}

/* Render order. The NETCONF payload is canonicalised by libyang, so the order only
 * matters for the CLI, where VRP wants the prefix lists, the VSIs and the bridge
 * domains to exist before the peers and sub-interfaces that use them. */
static const char *const vrp_features[] = {
    "policy", "vpls", "bridge-domain", "interfaces", "bgp", NULL,
};

const struct drv_ops drv_vrp_ops = {
    .name = "vrp",
    .mtu_meaning_name = "VRP ifm MTU: IP only",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L3,
            .core_reserve = 0,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .tpid_per_subif = 0,
            .double_tag_match = true,
            .rewrite_one_tag = true,
            .rewrite_two_tags = true,
            .l3_double_tag = false, /* no qinq-termination in the device models */
            .vpls_ldp = true,
            .vpls_bgp = true,
            .candidate = true,
            .writable_running = true,
            .confirmed_commit = 11,
            .confirm_timeout_minutes = false,
            /* Not: large communities, ipv6-unicast over an IPv4 peer (no IPv6 next hop in
             * the route-policy subset). */
            .bgp = DRV_BGP_IPV6 | DRV_BGP_BFD | DRV_BGP_MULTIHOP | DRV_BGP_PREPEND | DRV_BGP_MED |
                   DRV_BGP_COMMUNITY | DRV_BGP_COMMUNITY_MATCH | DRV_BGP_NO_PREPEND |
                   DRV_BGP_REPLACE_AS | DRV_BGP_LIMIT | DRV_BGP_LIMIT_RESTART,
            .ebgp_default_deny = false, /* UNCONFIRMED */
            .vpls_rt_four_byte_as = true,
            .vpls_ve_id_max = 65534,
        },
    .tpl_vendor = "vrp",
    .features = vrp_features,
    .prepare = vrp_prepare,
    .port_name_problem = vrp_port_name_problem,
};
