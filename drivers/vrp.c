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
 *     description does not make the payload invalid;
 *   - L3VPN (docs/drivers.md §14): vrf and subif[@vrf] @vrp-vrf, the VPN instance's name
 *     fitted to 31 characters (the same on the instance and on every binding; a VRF
 *     neighbour's prefix limit comes with its threshold and restart from the lowering).
 *     The VPN instance is vrf.xml, its peers bgp.xml
 *     (one BGP process: the global AS from <bgp> or <vrf>).
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
#define VRP_VRF_NAME_MAX 31 /* huawei-network-instance instance name 1..31 */
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
    if (!drv_attr(port, "shared")) { /* a shared exchange port keeps its qinq-protocol */
        drv_set_attr(p, port, "qinq-protocol", tpid);
    }
    drv_set_attr(p, port, "vrp-position", vrp_position(name));
    if (l2 && !drv_attr(port, "shared")) {
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
        /* The public instance's neighbours (<bgp>) and the VPN instances' (<vrf>). */
        for (bgp = drv_child(dev, NULL); bgp; bgp = drv_next(bgp, NULL)) {
            if (!vrp_is(bgp, "bgp") && !vrp_is(bgp, "vrf")) {
                continue;
            }
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

/* @vrp-vrf: a VPN instance's name fitted to huawei-network-instance's 31 characters, on
 * the <vrf> and on every sub-interface bound to it (subif @vrf), so that both say the same. */
static void
vrp_vrf_names(struct drv_prep *p, xmlNodePtr dev)
{
    char buf[VRP_VRF_NAME_MAX + 1];
    xmlNodePtr n, s;

    for (n = drv_child(dev, NULL); n; n = drv_next(n, NULL)) {
        if (vrp_is(n, "vrf") && drv_attr(n, "name")) {
            drv_set_attr(p, n, "vrp-vrf",
                         drv_fit_name(drv_attr(n, "name"), VRP_VRF_NAME_MAX, buf, sizeof buf));
        } else if (vrp_is(n, "port")) {
            for (s = drv_child(n, "subif"); s; s = drv_next(s, "subif")) {
                if (drv_attr(s, "vrf")) {
                    drv_set_attr(
                        p, s, "vrp-vrf",
                        drv_fit_name(drv_attr(s, "vrf"), VRP_VRF_NAME_MAX, buf, sizeof buf));
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
    vrp_vrf_names(p, dev);
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
 * matters for the CLI, where VRP wants the prefix lists, the VSIs, the bridge domains and
 * the VPN instances to exist before the peers and sub-interfaces that use them. */
static const char *const vrp_features[] = {
    "policy", "vpls", "bridge-domain", "vrf", "interfaces", "bgp", NULL,
};

/*
 * `diff --format cli`: VRP views, "undo" negates, "#" separates top-level views. The rules
 * mirror templates/vrp/<feature>.cli.xml (tests/golden/t_diff_cli.sh checks they agree). Maps:
 * "vrprw" VRP's rewrite words, "ifpos" the interface of a devm port position, "l2if" an
 * interface as its view is entered ("mode l2" for a layer-2 sub-interface).
 */
static const char *const vrp_rewrite_words[] = {
    "pop-double", "pop double", "pop-outer", "pop single", NULL,
};

/* An interface address's type: the primary is bare, a secondary ends in "sub". */
static const char *const vrp_address_types[] = {"main", "", "sub", " sub", NULL};

/* An address family's static-route command. */
static const char *const vrp_route_cmds[] = {"ipv4-unicast", "ip", "ipv6-unicast", "ipv6", NULL};

/* A VPN instance's address family view ("ip vpn-instance X" / "ipv4-family"). */
static const char *const vrp_vpn_families[] = {"ipv4-unicast", "ipv4-family", "ipv6-unicast",
                                               "ipv6-family", NULL};

#define VRP_NI "/network-instance/instances/instance"
static const struct drv_cli_map vrp_cli_maps[] = {
    {.name = "vrproute", .pairs = vrp_route_cmds},
    {.name = "vrpnifam", .pairs = vrp_vpn_families},
    /* A BGP peer's instance: a VPN instance (one with a route distinguisher) puts its peers
     * in "ipv4-family vpn-instance NAME"; the public instance's session statements are in
     * the bgp view itself and its family statements in "ipv4-family unicast" /
     * "ipv6-family unicast". */
    {.name = "vrpvpn",
     .list = VRP_NI,
     .key = "name",
     .fmt = "{?afs/af/route-distinguisher|ipv4-family vpn-instance {name}}",
     .fallback = ""},
    {.name = "vrppub4",
     .list = VRP_NI,
     .key = "name",
     .fmt = "{!afs/af/route-distinguisher|ipv4-family unicast}",
     .fallback = "ipv4-family unicast"},
    {.name = "vrppub6",
     .list = VRP_NI,
     .key = "name",
     .fmt = "{!afs/af/route-distinguisher|ipv6-family unicast}",
     .fallback = "ipv6-family unicast"},
    {.name = "vrpsub", .pairs = vrp_address_types},
    {.name = "vrprw", .pairs = vrp_rewrite_words},
    {.name = "l2if",
     .list = "/ifm/interfaces/interface",
     .key = "name",
     .fmt = "{name}{?l2-mode-enable| mode l2}",
     .fallback = "{.}"},
    {.name = "ifpos",
     .list = "/ifm/interfaces/interface",
     .key = "name",
     .suffix = 1,
     .fmt = "{name}",
     .fallback = "GigabitEthernet{.}"},
    {.name = NULL},
};

#define VRP_IF "/ifm/interfaces/interface"
#define VRP_L2 VRP_IF "/ethernet/l2-sub-interface"
#define VRP_VSI "/l2vpn/instances/instance"
#define VRP_PEER "/network-instance/instances/instance/bgp/base-process/peers/peer"
#define VRP_BGP "bgp {/bgp/base-process/as}"
/* A peer statement's view, by the instance its peer is in (I: the relative path from the
 * statement's node up to the instance entry): the bgp view, then "ipv4-family vpn-instance
 * NAME" for a VPN instance, and for a family statement of the public instance its family. */
#define VRP_I4 "../../../.."
#define VRP_I5 "../../../../.."
#define VRP_I6 "../../../../../.."
#define VRP_I8 "../../../../../../../.."
#define VRP_BGP_IN(I) VRP_BGP "\n{" I "/name:vrpvpn}"
#define VRP_BGP_V4(I) VRP_BGP_IN(I) "\n{" I "/name:vrppub4}"
#define VRP_BGP_V6(I) VRP_BGP_IN(I) "\n{" I "/name:vrppub6}"
#define VRP_NI_AF "/network-instance/instances/instance/afs/af"
#define VRP_BGP_AF "/network-instance/instances/instance/bgp/base-process/afs/af"
static const struct drv_cli_rule vrp_cli_rules[] = {
    {"/bd/instances/instance", DRV_CLI_MODE, "bridge-domain {id}", NULL, NULL},
    {"/bd/instances/instance/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {"/bd/instances/instance/service-points/service-point", DRV_CLI_STMT,
     "bridge-domain {../../id}", NULL, "interface {interface-name:l2if}"},
    {"/bgp/base-process", DRV_CLI_MODE, "bgp {as}", NULL, NULL},
    {"/bgp/base-process/enable", DRV_CLI_STMT, NULL, "bgp {../as}", ""},
    {"/bgp/base-process/as", DRV_CLI_SKIP, NULL, NULL, NULL},
    {"/devm/ports/port", DRV_CLI_PASS, NULL, NULL, NULL},
    {"/devm/ports/port/ethernet/jumbo-frame", DRV_CLI_STMT, "jumboframe enable {.}",
     "jumboframe enable", "interface {../../position:ifpos}"},
    {VRP_IF, DRV_CLI_MODE, "{?*|interface {name}{?l2-mode-enable| mode l2}}", "interface {name}",
     NULL},
    {VRP_IF "/class", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_IF "/parent-name", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_IF "/number", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_IF "/l2-mode-enable", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_IF "/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {VRP_IF "/mtu", DRV_CLI_STMT, "mtu {.}", "mtu", NULL},
    {VRP_IF "/vrf-name", DRV_CLI_STMT, "ip binding vpn-instance {.}", NULL, NULL},
    {VRP_IF "/ethernet/main-interface/qinq-protocol", DRV_CLI_STMT, "qinq protocol {.}", NULL,
     NULL},
    {VRP_L2 "/qinqs/qinq-vids/qinq-vid", DRV_CLI_STMT,
     "encapsulation qinq vid {pe-vlan-id} ce-vid {ce-vlan-list}", NULL, NULL},
    {VRP_L2 "/dot1q", DRV_CLI_PASS, NULL, NULL, NULL},
    {VRP_L2 "/qinqs", DRV_CLI_PASS, NULL, NULL, NULL},
    {VRP_L2 "/dot1q/vlans/vlan-list", DRV_CLI_STMT, "encapsulation dot1q vid {.}", NULL, NULL},
    {VRP_L2 "/untag", DRV_CLI_STMT, "encapsulation untag", NULL, NULL},
    {VRP_L2 "/flow-action", DRV_CLI_STMT, "rewrite {action-type:vrprw}", "rewrite", NULL},
    {VRP_IF "/ethernet/l3-sub-interface/vlan-type-dot1q", DRV_CLI_PASS, NULL, NULL, NULL},
    {VRP_IF "/ethernet/l3-sub-interface/vlan-type-dot1q/vlan-type-vid", DRV_CLI_STMT,
     "vlan-type dot1q {.}", NULL, NULL},
    {VRP_IF "/ipv6", DRV_CLI_PASS, "ipv6 enable", NULL, NULL},
    {VRP_IF "/ipv6/mtu6", DRV_CLI_STMT, "ipv6 mtu {.}", "ipv6 mtu", NULL},
    {VRP_IF "/ipv6/addresses/address", DRV_CLI_STMT, "ipv6 address {ip}/{prefix-length}", NULL,
     NULL},
    {VRP_IF "/ipv4/addresses/address", DRV_CLI_STMT, "ip address {ip} {mask}{type:vrpsub}",
     "ip address {ip} {mask}", NULL},
    {VRP_VSI, DRV_CLI_MODE,
     "vsi {name} {vpls/member-discovery-mode}{?vpls/work-mode| }{vpls/work-mode}", "vsi {name}",
     NULL},
    {VRP_VSI "/type", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_VSI "/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {VRP_VSI "/vpls/member-discovery-mode", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_VSI "/vpls/work-mode", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_VSI "/vpls/encapsulation-type", DRV_CLI_STMT, "encapsulation {.}", NULL, NULL},
    {VRP_VSI "/vpls/mtu", DRV_CLI_STMT, "mtu {.}", "mtu", NULL},
    {VRP_VSI "/vpls/bds/bd", DRV_CLI_STMT, "l2 binding vsi {../../../name}", NULL,
     "bridge-domain {id}"},
    {VRP_VSI "/vpls/ldp-signaling", DRV_CLI_MODE, "pwsignal ldp", NULL, NULL},
    {VRP_VSI "/vpls/ldp-signaling/vsi-id", DRV_CLI_STMT, "vsi-id {.}", NULL, NULL},
    {VRP_VSI "/vpls/ldp-signaling/pws/pw", DRV_CLI_STMT, "peer {peer-ip}{?upe| upe}", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling", DRV_CLI_MODE, "pwsignal bgp", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling/route-distinguisher", DRV_CLI_STMT, "route-distinguisher {.}",
     NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling/vpn-targets/vpn-target", DRV_CLI_STMT,
     "vpn-target {rt-value} {rt-type}", NULL, NULL},
    {VRP_VSI "/vpls/bgp-signaling/sites/site", DRV_CLI_STMT,
     "site {site-id} range {range} default-offset {default-offset}", NULL, NULL},
    /* The public instance says nothing of its own (an empty mode line: its children speak
     * where they are); a VPN instance (it has a route distinguisher) is a view. */
    {VRP_NI, DRV_CLI_MODE, "{?afs/af/route-distinguisher|ip vpn-instance {name}}",
     "{?afs/af/route-distinguisher|ip vpn-instance {name}}", NULL},
    {VRP_NI "/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {VRP_NI_AF "/route-distinguisher", DRV_CLI_STMT, "route-distinguisher {.}", NULL, NULL},
    {VRP_NI_AF "/vpn-targets/vpn-target", DRV_CLI_STMT, "vpn-target {value} {type}", NULL, NULL},
    {"/network-instance/instances/instance/bgp/base-process", DRV_CLI_PASS, NULL, NULL, NULL},
    {"/network-instance/instances/instance/bgp/base-process/router-id", DRV_CLI_STMT,
     "router-id {.}", NULL, VRP_BGP},
    {"/l2vpn", DRV_CLI_PASS, NULL, NULL, NULL},
    {VRP_NI_AF, DRV_CLI_MODE, "{?route-distinguisher|{type:vrpnifam}}",
     "{?route-distinguisher|{type:vrpnifam}}", NULL},
    {VRP_NI_AF "/routing/routing-manage", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_NI_AF "/routing/static-routing/unicast-route2s/unicast-route2", DRV_CLI_STMT,
     "{../../../../type:vrproute} route-static {prefix} {mask-length} "
     "{nexthop-addresses/nexthop-address/address}"
     "{nexthop-interfaces/nexthop-interface/interface-name}",
     NULL, NULL},
    {VRP_BGP_AF, DRV_CLI_PASS, NULL, NULL, NULL},
    {VRP_BGP_AF "/ipv4-unicast/network-routes/network-route", DRV_CLI_STMT,
     "network {address} {mask-length}", NULL, VRP_BGP "\nipv4-family unicast"},
    {VRP_BGP_AF "/ipv6-unicast/network-routes/network-route", DRV_CLI_STMT,
     "network {address} {mask-length}", NULL, VRP_BGP "\nipv6-family unicast"},
    {VRP_PEER, DRV_CLI_PASS, NULL, "peer {address}", VRP_BGP_IN(VRP_I4)},
    {VRP_PEER "/ebgp-max-hop", DRV_CLI_STMT, "peer {../address} ebgp-max-hop {.}",
     "peer {../address} ebgp-max-hop", VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/bfd-parameter", DRV_CLI_STMT,
     "peer {../address} bfd enable\npeer {../address} bfd min-tx-interval {min-tx-interval} "
     "min-rx-interval {min-rx-interval} detect-multiplier {multiplier}",
     "peer {../address} bfd enable", VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/afs/af/ipv4-unicast/import-policy", DRV_CLI_STMT,
     "peer {../../../../address} route-policy {.} import", NULL, VRP_BGP_V4(VRP_I8)},
    {VRP_PEER "/afs/af/ipv4-unicast/export-policy", DRV_CLI_STMT,
     "peer {../../../../address} route-policy {.} export", NULL, VRP_BGP_V4(VRP_I8)},
    {VRP_PEER "/afs/af/ipv6-unicast/import-policy", DRV_CLI_STMT,
     "peer {../../../../address} route-policy {.} import", NULL, VRP_BGP_V6(VRP_I8)},
    {VRP_PEER "/afs/af/ipv6-unicast/export-policy", DRV_CLI_STMT,
     "peer {../../../../address} route-policy {.} export", NULL, VRP_BGP_V6(VRP_I8)},
    {VRP_PEER "/afs/af/ipv6-unicast/import-ipv6-prefix", DRV_CLI_STMT,
     "peer {../../../../address} ipv6-prefix {.} import", NULL, VRP_BGP_V6(VRP_I8)},
    {VRP_PEER "/afs/af/ipv6-unicast/export-ipv6-prefix", DRV_CLI_STMT,
     "peer {../../../../address} ipv6-prefix {.} export", NULL, VRP_BGP_V6(VRP_I8)},
    {VRP_PEER "/afs/af/ipv6-unicast/route-limit", DRV_CLI_STMT,
     "peer {../../../../address} route-limit {number}{?percent| }{percent}"
     "{?idle-timeout| idle-timeout }{idle-timeout}",
     "peer {../../../../address} route-limit", VRP_BGP_V6(VRP_I8)},
    {VRP_PEER "/remote-as", DRV_CLI_STMT, "peer {../address} as-number {.}", NULL,
     VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/description", DRV_CLI_STMT, "peer {../address} description {.}", NULL,
     VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/fake-as-parameter", DRV_CLI_STMT,
     "peer {../address} fake-as {fake-as}"
     "{?prepend-global-as| prepend-global-as}{?prepend-fake-as| prepend-fake-as}",
     "peer {../address} fake-as", VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/password-type", DRV_CLI_SKIP, NULL, NULL, NULL},
    {VRP_PEER "/password-text", DRV_CLI_STMT, "peer {../address} password {../password-type} {.}",
     "peer {../address} password", VRP_BGP_IN(VRP_I5)},
    {VRP_PEER "/afs/af", DRV_CLI_PASS, "peer {../../address} enable", NULL,
     VRP_BGP_IN(VRP_I6) "{?ipv4-unicast|\n{" VRP_I6 "/name:vrppub4}}"
                        "{?ipv6-unicast|\n{" VRP_I6 "/name:vrppub6}}"},
    {VRP_PEER "/afs/af/ipv4-unicast/import-ip-prefix", DRV_CLI_STMT,
     "peer {../../../../address} ip-prefix {.} import", NULL, VRP_BGP_V4(VRP_I8)},
    {VRP_PEER "/afs/af/ipv4-unicast/export-ip-prefix", DRV_CLI_STMT,
     "peer {../../../../address} ip-prefix {.} export", NULL, VRP_BGP_V4(VRP_I8)},
    {VRP_PEER "/afs/af/ipv4-unicast/route-limit", DRV_CLI_STMT,
     "peer {../../../../address} route-limit {number}{?percent| }{percent}"
     "{?idle-timeout| idle-timeout }{idle-timeout}",
     "peer {../../../../address} route-limit", VRP_BGP_V4(VRP_I8)},
    {"/routing-policy/ipv4-prefix-filters/ipv4-prefix-filter", DRV_CLI_PASS, NULL,
     "ip ip-prefix {name}", NULL},
    {"/routing-policy/ipv4-prefix-filters/ipv4-prefix-filter/nodes/node", DRV_CLI_STMT,
     "ip ip-prefix {../../name} index {sequence} {match-mode} {ip-address} {masklength}"
     "{?masklength-lower| greater-equal }{masklength-lower}"
     "{?masklength-upper| less-equal }{masklength-upper}",
     "ip ip-prefix {../../name} index {sequence}", NULL},
    {"/routing-policy/ipv6-prefix-filters/ipv6-prefix-filter", DRV_CLI_PASS, NULL,
     "ip ipv6-prefix {name}", NULL},
    {"/routing-policy/ipv6-prefix-filters/ipv6-prefix-filter/nodes/node", DRV_CLI_STMT,
     "ip ipv6-prefix {../../name} index {sequence} {match-mode} {ipv6-address} {masklength}"
     "{?masklength-lower| greater-equal }{masklength-lower}"
     "{?masklength-upper| less-equal }{masklength-upper}",
     "ip ipv6-prefix {../../name} index {sequence}", NULL},
    {"/routing-policy/community-filters/community-filter", DRV_CLI_PASS, NULL,
     "ip community-filter basic {name}", NULL},
    {"/routing-policy/community-filters/community-filter/filter-type", DRV_CLI_SKIP, NULL, NULL,
     NULL},
    {"/routing-policy/community-filters/community-filter/basic-nodes/basic-node", DRV_CLI_STMT,
     "ip community-filter basic {../../name} index {sequence} {match-mode} "
     "{community-members/community-member/value}",
     "ip community-filter basic {../../name} index {sequence}", NULL},
    {"/routing-policy/policy-definitions/policy-definition", DRV_CLI_PASS, NULL,
     "route-policy {name}", NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node", DRV_CLI_MODE,
     "route-policy {../../name} {match-mode} node {sequence}", NULL, NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/match-mode", DRV_CLI_SKIP,
     NULL, NULL, NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/sequence", DRV_CLI_SKIP,
     NULL, NULL, NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/conditions/"
     "match-community-filters/match-community-filter",
     DRV_CLI_STMT, "if-match community-filter {community-filter-ref}", NULL, NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/actions/apply-cost",
     DRV_CLI_STMT, "apply cost {value}", "apply cost", NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/actions/apply-as-path",
     DRV_CLI_STMT, "apply as-path {value} {operation}", "apply as-path", NULL},
    {"/routing-policy/policy-definitions/policy-definition/nodes/node/actions/apply-community",
     DRV_CLI_STMT, "apply community {communities} additive", "apply community", NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect vrp_cli = {
    .style = DRV_CLI_MODES,
    .comment = "#",
    .no = "undo ",
    .indent = 1,
    .sep = "#",
    .rules = vrp_cli_rules,
    .maps = vrp_cli_maps,
};

/* The interface's (IP) MTU, the port MTU's meaning on VRP (diff's MTU-MISMATCH). */
static const struct drv_port_mtu vrp_port_mtu = {"/ifm/interfaces/interface", "name", "mtu"};

/* drv_ops.bundle_problem: qinq ce-vlan-list matches 802.1Q C-tags. */
static const char *
vrp_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    (void)all;
    (void)nranges;
    return inner_8100 ? NULL : "VRP's qinq ce-vlan-list matches 802.1Q C-tags";
}

const struct drv_ops drv_vrp_ops = {
    .name = "vrp",
    .vendor = "vrp",
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
            .vpls_spoke_pw = true, /* docs/drivers.md §13 */
            .l3vpn = true,         /* docs/drivers.md §14: VPN instance, vrf.xml */
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
    .cli = &vrp_cli,
    .port_mtu = &vrp_port_mtu,
    .port_name_problem = vrp_port_name_problem,
    .bundle_problem = vrp_bundle_problem,
};

/*
 * BGP state reader (docs/vendors.md A.8): <get> of huawei-bgp's peer state under
 * network-instance/instances/instance/bgp/base-process/peers/peer/afs/af[type=ipv4uni or
 * ipv6uni]/state: current-state (idle ... established), receive-prefix,
 * receive-active-prefix and advertise-prefix per family. The instance is the table:
 * _public_ the global one, another a VPN instance (an L3VPN's VRF, its PE-CE peers).
 * The model has no session uptime.
 */
#define VRP_NI_NS "urn:huawei:yang:huawei-network-instance"
#define VRP_BGP_NS "urn:huawei:yang:huawei-bgp"

static const char *
vrp_state_name(const char *s)
{
    static const char *const map[][2] = {
        {"idle", "Idle"},         {"connect", "Connect"},         {"active", "Active"},
        {"opensent", "OpenSent"}, {"openconfirm", "OpenConfirm"}, {"established", "Established"},
        {"no-neg", "Idle"},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(s, map[i][0])) {
            return map[i][1];
        }
    }
    return NULL;
}

static nst_err
vrp_state_parse(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why, size_t whylen)
{
    xmlDocPtr doc = drv_state_parse_xml(xml, why, whylen);
    xmlNodePtr inst, peer, af;
    char buf[128];
    nst_err ret = NST_OK;

    if (!doc) {
        return NST_EINPUT;
    }
    inst = drv_state_child(
        drv_state_child(drv_state_child(xmlDocGetRootElement(doc), VRP_NI_NS, "network-instance"),
                        VRP_NI_NS, "instances"),
        VRP_NI_NS, "instance");
    for (; inst && !ret; inst = drv_state_next(inst, VRP_NI_NS, "instance")) {
        xmlNodePtr peers_n = drv_state_child(
            drv_state_child(drv_state_child(inst, VRP_BGP_NS, "bgp"), VRP_BGP_NS, "base-process"),
            VRP_BGP_NS, "peers");

        char vrf[64];

        /* The instance is the table: _public_ the global one, else a VPN instance (VRF). */
        drv_state_text(inst, "name", vrf, sizeof vrf);
        drv_state_vrf_norm(vrf);
        for (peer = drv_state_child(peers_n, VRP_BGP_NS, "peer"); peer && !ret;
             peer = drv_state_next(peer, VRP_BGP_NS, "peer")) {
            struct drv_bgp_peer p = drv_state_peer_unknown();

            drv_state_text(peer, "address", p.addr, sizeof p.addr);
            memcpy(p.vrf, vrf, sizeof p.vrf);
            for (af = drv_state_child(drv_state_child(peer, VRP_BGP_NS, "afs"), VRP_BGP_NS, "af");
                 af; af = drv_state_next(af, VRP_BGP_NS, "af")) {
                const char *st;
                int fam;

                drv_state_text(af, "type", buf, sizeof buf);
                fam = !strcmp(buf, "ipv4uni")   ? DRV_AF_IPV4
                      : !strcmp(buf, "ipv6uni") ? DRV_AF_IPV6
                                                : -1;
                if (fam < 0 || !drv_state_child(af, VRP_BGP_NS, "state")) {
                    continue;
                }
                st = vrp_state_name(drv_state_text(af, "state/current-state", buf, sizeof buf));
                if (!st) {
                    snprintf(why, whylen, "peer %s: no known current-state", p.addr);
                    ret = NST_EINPUT;
                    break;
                }
                /* One session, one state: any family's (the first reported). */
                if (!p.state[0]) {
                    snprintf(p.state, sizeof p.state, "%s", st);
                }
                {
                    char buf2[32];
                    long long rx =
                        drv_state_num(drv_state_text(af, "state/receive-prefix", buf, sizeof buf));
                    long long acc = drv_state_num(
                        drv_state_text(af, "state/receive-active-prefix", buf2, sizeof buf2));

                    drv_state_family(&p, fam, rx, acc);
                    drv_state_advertised(&p, fam,
                                         drv_state_num(drv_state_text(af, "state/advertise-prefix",
                                                                      buf, sizeof buf)));
                }
            }
            /* A peer the device reports no state for is left out: "not reported". */
            if (!ret && p.addr[0] && p.state[0]) {
                ret = drv_state_add(peers, n, &p);
            }
        }
    }
    xmlFreeDoc(doc);
    return ret;
}

const struct drv_state_ops drv_vrp_state = {
    .kind = DRV_STATE_GET,
    .op = "get",
    .request = "<network-instance xmlns=\"" VRP_NI_NS "\"><instances><instance><name/>"
               "<bgp xmlns=\"" VRP_BGP_NS "\"><base-process><peers/></base-process></bgp>"
               "</instance></instances></network-instance>",
    .module_dir = "vrp",
    .models = (const char *const[]){"huawei-bgp", "huawei-network-instance", NULL},
    .parse = vrp_state_parse,
};
