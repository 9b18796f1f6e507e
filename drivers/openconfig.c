/*
 * openconfig.c: the OpenConfig driver, and Arista EOS as its "eos" platform.
 *
 * Generic OpenConfig (docs/vendors.md): interfaces/interface/config/mtu is the physical MTU
 * including the L2 header; whether implementations count tags is UNCONFIRMED, and
 * netstitch assumes they do (the safe direction: it asks for the larger value). The
 * TPID is per interface (config/tpid). vlan match double-tagged exists, but the
 * ingress/egress mappings act on one tag only: OpenConfig cannot express a two-tag
 * rewrite. VPLS signalling is implied by the endpoint type; both LDP and BGP endpoints
 * exist in the model. Datastores and commit flavour depend on the implementation; the
 * driver assumes candidate with confirmed-commit 1.1 and lets the hello decide.
 *
 * EOS: OpenConfig for BGP and routing policy, and the arista-cli container for the
 * interfaces, where OpenConfig cannot say what EOS needs (a routed parent port, "no
 * switchport"; double-tag match and rewrite, FlexEncap "client dot1q outer A inner
 * B", deviated away from OC on EOS; local cross-connects, "patch panel"). EOS mtu is
 * the IP MTU. EOS NETCONF confirmed-commit is UNCONFIRMED, so none is assumed; EOS
 * VPLS over OC is not supported (deviations), and the EOS VPLS CLI is UNCONFIRMED: no
 * VPLS. FlexEncap takes dot1q (0x8100) and dot1ad (0x88a8) outer tags; the syntax of
 * its user-defined TPIDs (0x9100) is UNCONFIRMED, so EOS does not offer 0x9100.
 *
 * Rendering (templates/openconfig/, templates/eos/, docs/drivers.md). The prepare
 * hooks annotate the device copy:
 *   - openconfig: subif and port @oc-tpid (the vlan-types identity of the outer TPID;
 *     on the port only when not 0x8100); layer-2 subif @oc-pop, the tags its ingress
 *     mapping pops. OpenConfig pops one tag at most, so where the IR pops two (the
 *     IR's pop-all-and-join rule) the hook keeps the tag both sides of a local stitch
 *     share instead: QinQ S1/C to QinQ S2/C pops the outer tag on each side, QinQ S/C
 *     to dot1q C pops the outer tag on the QinQ side only. Anything needing a two-tag
 *     pop (a QinQ VPLS attachment circuit, QinQ to untagged) is refused: the checker
 *     should have (DRV caps rewrite_two_tags is false). vpls @oc-block-size, the BGP
 *     label block size covering every member's VE id (ve-max, as drivers/vrp.c). L3VPN:
 *     vrf.xml, an L3VRF network instance (EOS has no vrf feature and no l3vpn capability).
 *   - eos: port and subif @eos-indent, the indentation of the lines inside their
 *     "interface" block in the arista-cli payload. A config leaf-list cannot repeat a
 *     value, and lines such as "   no switchport" repeat from one block to the next,
 *     so each block gets its own indentation (3 spaces, then one more per block; EOS
 *     ignores leading blanks, UNCONFIRMED over NETCONF). subif @eos-if (the interface
 *     name) and @eos-client (the FlexEncap client tags, "dot1ad outer 100 inner 200").
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "driver.h"

#define OC_BLOCK_MIN 10ul
#define OC_BLOCK_GUESS 100ul
#define EOS_INDENT_BASE 3
#define EOS_INDENT_MAX 256

static bool
oc_attr_is(xmlNodePtr n, const char *name, const char *value)
{
    const char *v = drv_attr(n, name);

    return v && !strcmp(v, value);
}

/* "0x88a8" -> "TPID_0X88A8"; NULL for a TPID OpenConfig has no identity for. */
static const char *
oc_tpid_identity(const char *tpid)
{
    if (!tpid || !strcmp(tpid, "0x8100")) {
        return "TPID_0X8100";
    }
    if (!strcmp(tpid, "0x88a8")) {
        return "TPID_0X88A8";
    }
    if (!strcmp(tpid, "0x9100")) {
        return "TPID_0X9100";
    }
    if (!strcmp(tpid, "0x9200")) {
        return "TPID_0X9200";
    }
    return NULL;
}

/* The IR sub-interface that attachment circuit @ac names, or NULL. */
static xmlNodePtr
oc_ac_subif(xmlNodePtr dev, xmlNodePtr ac)
{
    const char *port = drv_attr(ac, "port"), *id = drv_attr(ac, "subif");
    xmlNodePtr p, s;

    for (p = drv_child(dev, "port"); p && port && id; p = drv_next(p, "port")) {
        if (!oc_attr_is(p, "name", port)) {
            continue;
        }
        for (s = drv_child(p, "subif"); s; s = drv_next(s, "subif")) {
            if (oc_attr_is(s, "id", id)) {
                return s;
            }
        }
    }
    return NULL;
}

/* The other side of the local stitch sub-interface @subif (of port @port) is part of;
 * NULL when it is in none. */
static xmlNodePtr
oc_stitch_partner(xmlNodePtr dev, const char *port, xmlNodePtr subif)
{
    const char *id = drv_attr(subif, "id");
    xmlNodePtr st, ac, other;

    for (st = drv_child(dev, "l2-stitch"); st; st = drv_next(st, "l2-stitch")) {
        other = NULL;
        for (ac = drv_child(st, "ac"); ac; ac = drv_next(ac, "ac")) {
            if (oc_attr_is(ac, "port", port) && oc_attr_is(ac, "subif", id)) {
                break;
            }
        }
        if (!ac) {
            continue;
        }
        for (ac = drv_child(st, "ac"); ac; ac = drv_next(ac, "ac")) {
            if (!(oc_attr_is(ac, "port", port) && oc_attr_is(ac, "subif", id))) {
                other = ac;
            }
        }
        return other ? oc_ac_subif(dev, other) : NULL;
    }
    return NULL;
}

/*
 * How many tags the ingress mapping of layer-2 sub-interface @s pops on OpenConfig
 * (see the file comment); -1 when it would have to pop two.
 */
static int
oc_pop(xmlNodePtr dev, const char *port, xmlNodePtr s)
{
    xmlNodePtr m = drv_child(s, "match"), partner = oc_stitch_partner(dev, port, s), pm;
    unsigned long tags = drv_attr_ul(m, "tags", 0), ptags;

    if (!tags) {
        return 0;
    }
    if (drv_attr(m, "bundle")) {
        return 1; /* a QinQ bundle pops its S-tag only; the C-tags pass (netstitch-qinq) */
    }
    pm = partner ? drv_child(partner, "match") : NULL;
    ptags = drv_attr_ul(pm, "tags", 0);
    if (tags == 1) {
        /* The QinQ partner pops its outer tag only; its inner tag is our tag. */
        return partner && ptags == 2 && drv_attr_ul(pm, "inner", 0) == drv_attr_ul(m, "outer", 1)
                   ? 0
                   : 1;
    }
    if (partner && ptags == 2 && drv_attr_ul(pm, "inner", 0) == drv_attr_ul(m, "inner", 1)) {
        return 1;
    }
    if (partner && ptags == 1 && drv_attr_ul(pm, "outer", 0) == drv_attr_ul(m, "inner", 1)) {
        return 1;
    }
    return -1;
}

/* The BGP VPLS label block size: it must cover every member's VE id. */
static unsigned long
oc_block_size(xmlNodePtr vpls)
{
    unsigned long ve = drv_attr_ul(vpls, "ve-max", drv_attr_ul(vpls, "ve-id", 1));
    unsigned long min = drv_attr(vpls, "ve-max") ? OC_BLOCK_MIN : OC_BLOCK_GUESS;

    return ve > min ? ve : min;
}

/*
 * A QinQ bundle's customer VLANs for openconfig-vlan: one range (or all) is matched with
 * double-tagged-inner-range (@oc-inner-range); a list becomes double-tagged-inner-list,
 * whose inner-vlan-ids are single VLANs, so ranges are expanded into <oc-inner vid>.
 */
static void
oc_bundle(struct drv_prep *p, xmlNodePtr m)
{
    xmlNodePtr c;

    if (!drv_attr(m, "bundle")) {
        return;
    }
    if (drv_attr(m, "inner-low")) {
        drv_set_attr(p, m, "oc-inner-range", "true");
        return;
    }
    for (c = drv_child(m, "c-vlan"); c; c = drv_next(c, "c-vlan")) {
        unsigned long v, hi = drv_attr_ul(c, "high", 0);

        for (v = drv_attr_ul(c, "low", 1); v <= hi && v <= 4094; v++) {
            xmlNodePtr n = drv_add_child(p, m, "oc-inner");

            if (n) {
                drv_set_attrf(p, n, "vid", "%lu", v);
            }
        }
    }
}

/* The prepare hook of generic OpenConfig (driver.h). */
static nst_err
oc_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr port, s, v;

    for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
        const char *name = drv_attr(port, "name"), *port_tpid = NULL;

        for (s = drv_child(port, "subif"); s && name; s = drv_next(s, "subif")) {
            xmlNodePtr m = drv_child(s, "match");
            const char *tpid = drv_attr(m, "tpid");
            int pop;

            if (!drv_attr_ul(m, "tags", 0)) {
                continue;
            }
            if (!oc_tpid_identity(tpid)) {
                return drv_prep_fail(p, "OpenConfig: port %s: TPID %s has no OpenConfig identity",
                                     name, tpid);
            }
            drv_set_attr(p, s, "oc-tpid", oc_tpid_identity(tpid));
            oc_bundle(p, m);
            if (tpid && strcmp(tpid, "0x8100") && !port_tpid) {
                port_tpid = oc_tpid_identity(tpid);
            }
            if (!oc_attr_is(s, "kind", "l2")) {
                continue;
            }
            pop = oc_pop(dev, name, s);
            if (pop < 0) {
                return drv_prep_fail(p,
                                     "OpenConfig: port %s sub-interface %s: the join needs both "
                                     "tags popped, and OpenConfig mappings act on one tag",
                                     name, drv_attr(s, "id"));
            }
            drv_set_attrf(p, s, "oc-pop", "%d", pop);
        }
        if (!drv_attr(port, "shared")) { /* a shared exchange port keeps its TPID */
            drv_set_attr(p, port, "oc-tpid", port_tpid);
        }
    }
    for (v = drv_child(dev, "vpls"); v; v = drv_next(v, "vpls")) {
        if (oc_attr_is(v, "signalling", "bgp")) {
            drv_set_attrf(p, v, "oc-block-size", "%lu", oc_block_size(v));
        }
    }
    return drv_prep_status(p);
}

/* EOS FlexEncap client tags of sub-interface @s: "dot1q 101", "dot1ad outer 100 inner 200". */
static nst_err
eos_client(struct drv_prep *p, const char *port, xmlNodePtr s)
{
    xmlNodePtr m = drv_child(s, "match");
    const char *tpid = drv_attr(m, "tpid"), *kw;
    unsigned long tags = drv_attr_ul(m, "tags", 0);

    if (!tags) {
        return NST_OK;
    }
    if (!tpid || !strcmp(tpid, "0x8100")) {
        kw = "dot1q";
    } else if (!strcmp(tpid, "0x88a8")) {
        kw = "dot1ad";
    } else {
        return drv_prep_fail(p,
                             "EOS: port %s sub-interface %s: FlexEncap outer TPID %s is not "
                             "supported by this driver",
                             port, drv_attr(s, "id"), tpid);
    }
    if (tags == 1) {
        drv_set_attrf(p, s, "eos-client", "%s %lu", kw, drv_attr_ul(m, "outer", 0));
    } else {
        drv_set_attrf(p, s, "eos-client", "%s outer %lu inner %lu", kw, drv_attr_ul(m, "outer", 0),
                      drv_attr_ul(m, "inner", 0));
    }
    return NST_OK;
}

/* The prepare hook of EOS (driver.h). */
static nst_err
eos_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    char indent[EOS_INDENT_MAX + 1];
    size_t block = 0;
    xmlNodePtr port, s;
    nst_err ret;

    if (drv_child(dev, "vpls")) {
        return drv_prep_fail(p, "EOS: VPLS is not supported by this driver");
    }
    for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
        const char *name = drv_attr(port, "name");

        if (!name) {
            return drv_prep_fail(p, "EOS: a port without a name");
        }
        /* One block for the port, one per tagged sub-interface (an untagged hop is the
         * port itself), in document order, which is the order the template writes them. */
        for (s = port; s; s = s == port ? drv_child(port, "subif") : drv_next(s, "subif")) {
            bool tagged = s != port && drv_attr_ul(drv_child(s, "match"), "tags", 0);
            size_t n = EOS_INDENT_BASE + block;

            if (s == port || tagged) {
                if (n > EOS_INDENT_MAX) {
                    return drv_prep_fail(p, "EOS: more than %d interface blocks on one device",
                                         EOS_INDENT_MAX - EOS_INDENT_BASE);
                }
                memset(indent, ' ', n);
                indent[n] = '\0';
                drv_set_attr(p, s, "eos-indent", indent);
                block++;
            }
            if (s == port) {
                continue;
            }
            if (tagged) {
                drv_set_attrf(p, s, "eos-if", "%s.%s", name, drv_attr(s, "id"));
            } else {
                drv_set_attr(p, s, "eos-if", name);
            }
            ret = eos_client(p, name, s);
            if (ret) {
                return ret;
            }
        }
    }
    return drv_prep_status(p);
}

static const char *const oc_features[] = {
    "interfaces", "l2-stitch", "vpls", "policy", "bgp", "vrf", NULL,
};

/* EOS: interface blocks and the patch panel first (CLI order), then policy, then BGP. */
static const char *const eos_features[] = {
    "interfaces",
    "policy",
    "bgp",
    NULL,
};

/*
 * OpenConfig's upstream route-distinguisher pattern for type 1 (IP:number) is narrower
 * than RFC 4364: it accepts 1..9, two digits, three or four digits without zeros in the
 * leading one or two places, [1-5][1-5]NNN and a few 65xxx values, so e.g. 1008 fails on
 * an implementation that enforces the pattern. Anything it accepts is a valid RFC value.
 */
static bool
oc_rd_number_ok(unsigned long n)
{
    char b[16];
    size_t len;

    snprintf(b, sizeof b, "%lu", n);
    len = strlen(b);
    switch (len) {
    case 1:
        return b[0] != '0';
    case 2:
        return true;
    case 3:
        return b[0] != '0';
    case 4:
        return b[0] != '0' && b[1] != '0';
    case 5:
        return (b[0] >= '1' && b[0] <= '5' && b[1] >= '1' && b[1] <= '5') ||
               (b[0] == '6' && b[1] == '5' && b[2] <= '5' && b[3] <= '3' && b[4] <= '5');
    }
    return false;
}

/*
 * `diff --format cli`. A generic OpenConfig device has no CLI: the diff lists the paths it
 * sets and deletes, like templates/openconfig/<feature>.cli.xml. EOS: its configuration modes,
 * "no" negates, "!" closes a mode, 3 spaces per level; the arista-cli "commands" entries
 * are CLI lines already. The rules mirror templates/eos/<feature>.cli.xml (tests/golden/
 * t_diff_cli.sh checks they agree). Map "eosact": an OpenConfig policy result as a
 * route-map action.
 */
/* Leaves that restate their list's key are implied by the path and left out, except where
 * the templates set one to create the entry. */
static const struct drv_cli_rule oc_cli_rules[] = {
    {"/interfaces/interface/subinterfaces/subinterface/config/index", DRV_CLI_STMT, "index = {.}",
     NULL, NULL},
    {"/routing-policy/defined-sets/prefix-sets/prefix-set/prefixes/prefix/config/ip-prefix",
     DRV_CLI_STMT, "ip-prefix = {.}", NULL, NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect oc_cli = {
    .style = DRV_CLI_PATHS,
    .comment = "#",
    .rules = oc_cli_rules,
};

static const char *const eos_actions[] = {
    "ACCEPT_ROUTE", "permit", "REJECT_ROUTE", "deny", NULL,
};

/* A static route's next hop: an address, or the DROP identity (Null0). */
static const char *const eos_next_hops[] = {
    "openconfig-local-routing:DROP", "Null0", "DROP", "Null0", NULL,
};

static const char *const eos_protocols[] = {"STATIC", "static", "BGP", "bgp", NULL};

/* A prefix set's mode as the CLI's family keyword (ip prefix-list, ipv6 prefix-list). */
static const char *const eos_set_modes[] = {"IPV4", "ip", "IPV6", "ipv6", NULL};

/* An AFI-SAFI as the address-family mode its activate lives in. */
static const char *const eos_af_modes[] = {
    "IPV4_UNICAST",
    "address-family ipv4",
    "openconfig-bgp-types:IPV4_UNICAST",
    "address-family ipv4",
    "IPV6_UNICAST",
    "address-family ipv6",
    "openconfig-bgp-types:IPV6_UNICAST",
    "address-family ipv6",
    NULL,
};

/* Where a family's route-maps and redistribution go: IPv4 at router bgp level (as
 * templates/eos/bgp.cli.xml writes them), IPv6 under address-family ipv6. */
static const char *const eos_af_policy_modes[] = {
    "IPV4_UNICAST",
    "",
    "openconfig-bgp-types:IPV4_UNICAST",
    "",
    "IPV4",
    "",
    "openconfig-types:IPV4",
    "",
    "IPV6_UNICAST",
    "address-family ipv6",
    "openconfig-bgp-types:IPV6_UNICAST",
    "address-family ipv6",
    "IPV6",
    "address-family ipv6",
    "openconfig-types:IPV6",
    "address-family ipv6",
    NULL,
};

static const struct drv_cli_map eos_cli_maps[] = {
    {.name = "eosact", .pairs = eos_actions},
    {.name = "eosnh", .pairs = eos_next_hops},
    {.name = "eosproto", .pairs = eos_protocols},
    {.name = "eosfam", .pairs = eos_set_modes},
    {.name = "eosaf", .pairs = eos_af_modes},
    {.name = "eosafpol", .pairs = eos_af_policy_modes},
    /* A route-map's match line names the family of the prefix set it matches. */
    {.name = "eossetfam",
     .list = "/routing-policy/defined-sets/prefix-sets/prefix-set",
     .key = "name",
     .fmt = "{config/mode:eosfam}",
     .fallback = "ip"},
    {.name = NULL},
};

#define EOS_NI "/network-instances/network-instance"
#define EOS_BGP EOS_NI "/protocols/protocol/bgp"
#define EOS_NB EOS_BGP "/neighbors/neighbor"
#define EOS_RB "router bgp {" EOS_BGP "/global/config/as}"
#define EOS_RP "/routing-policy"
static const struct drv_cli_rule eos_cli_rules[] = {
    {EOS_NI, DRV_CLI_PASS, NULL, NULL, NULL},
    {EOS_NI "/config", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_NI "/protocols/protocol", DRV_CLI_PASS, NULL, NULL, NULL},
    {EOS_NI "/protocols/protocol/config", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_NI "/protocols/protocol/static-routes/static", DRV_CLI_STMT,
     "{prefix:ipv} route {prefix} {next-hops/next-hop/config/next-hop:eosnh}", NULL, NULL},
    {EOS_NI "/table-connections/table-connection", DRV_CLI_STMT,
     "redistribute {src-protocol:eosproto} route-map {config/import-policy}",
     "redistribute {src-protocol:eosproto}", EOS_RB "\n{address-family:eosafpol}"},
    {EOS_NI "/tables/table", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_BGP "/global/config/as", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_BGP "/global/config/router-id", DRV_CLI_STMT, "router-id {.}", NULL, EOS_RB},
    {EOS_NB, DRV_CLI_PASS, NULL, "neighbor {neighbor-address}", EOS_RB},
    {EOS_NB "/config/neighbor-address", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_NB "/config/peer-as", DRV_CLI_STMT, "neighbor {../../neighbor-address} remote-as {.}",
     NULL, EOS_RB},
    {EOS_NB "/config/description", DRV_CLI_STMT,
     "neighbor {../../neighbor-address} description {.}",
     "neighbor {../../neighbor-address} description", EOS_RB},
    {EOS_NB "/config/local-as", DRV_CLI_STMT,
     "neighbor {../../neighbor-address} local-as {.} no-prepend replace-as",
     "neighbor {../../neighbor-address} local-as", EOS_RB},
    {EOS_NB "/config/auth-password", DRV_CLI_STMT,
     "neighbor {../../neighbor-address} password 0 {.}",
     "neighbor {../../neighbor-address} password", EOS_RB},
    {EOS_NB "/timers/config/restart-time", DRV_CLI_STMT,
     "neighbor {../../../neighbor-address} idle-restart-timer {.}",
     "neighbor {../../../neighbor-address} idle-restart-timer", EOS_RB},
    {EOS_NB "/afi-safis/afi-safi", DRV_CLI_PASS, NULL, NULL, NULL},
    {EOS_NB "/afi-safis/afi-safi/config", DRV_CLI_STMT,
     "neighbor {../../../neighbor-address} activate", NULL, EOS_RB "\n{../afi-safi-name:eosaf}"},
    {EOS_NB "/afi-safis/afi-safi/apply-policy/config/import-policy", DRV_CLI_STMT,
     "neighbor {../../../../../neighbor-address} route-map {.} in", NULL,
     EOS_RB "\n{../../../afi-safi-name:eosafpol}"},
    {EOS_NB "/afi-safis/afi-safi/apply-policy/config/export-policy", DRV_CLI_STMT,
     "neighbor {../../../../../neighbor-address} route-map {.} out", NULL,
     EOS_RB "\n{../../../afi-safi-name:eosafpol}"},
    {EOS_NB "/afi-safis/afi-safi/ipv4-unicast/prefix-limit/config", DRV_CLI_STMT,
     "neighbor {../../../../../neighbor-address} maximum-routes {max-prefixes}"
     "{?warning-threshold-pct| warning-limit {warning-threshold-pct} percent}",
     "neighbor {../../../../../neighbor-address} maximum-routes", EOS_RB},
    {EOS_NB "/afi-safis/afi-safi/ipv6-unicast/prefix-limit/config", DRV_CLI_STMT,
     "neighbor {../../../../../neighbor-address} maximum-routes {max-prefixes}"
     "{?warning-threshold-pct| warning-limit {warning-threshold-pct} percent}",
     "neighbor {../../../../../neighbor-address} maximum-routes", EOS_RB "\naddress-family ipv6"},
    {EOS_NB "/ebgp-multihop/config", DRV_CLI_STMT,
     "neighbor {../../neighbor-address} ebgp-multihop {multihop-ttl}",
     "neighbor {../../neighbor-address} ebgp-multihop", EOS_RB},
    {EOS_NB "/enable-bfd/config", DRV_CLI_STMT,
     "neighbor {../../neighbor-address} bfd"
     "{?desired-minimum-tx-interval| interval {desired-minimum-tx-interval:usms}"
     " min-rx {required-minimum-receive:usms} multiplier {detection-multiplier}}",
     "neighbor {../../neighbor-address} bfd", EOS_RB},
    {EOS_RP "/defined-sets/bgp-defined-sets/community-sets/community-set", DRV_CLI_PASS, NULL,
     "ip community-list {community-set-name}", NULL},
    {EOS_RP "/defined-sets/bgp-defined-sets/community-sets/community-set/community-set-name",
     DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_RP "/defined-sets/bgp-defined-sets/community-sets/community-set/config", DRV_CLI_STMT,
     "ip community-list {community-set-name} permit {community-member}",
     "ip community-list {community-set-name}", NULL},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set", DRV_CLI_PASS,
     "{!prefixes/prefix|{config/mode:eosfam} prefix-list {name}}",
     "{config/mode:eosfam} prefix-list {name}", NULL},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set/config", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_RP "/defined-sets/prefix-sets/prefix-set/prefixes/prefix", DRV_CLI_STMT,
     "{ip-prefix:ipv} prefix-list {../../name} seq {#10} permit {ip-prefix}", NULL, NULL},
    {EOS_RP "/policy-definitions/policy-definition", DRV_CLI_PASS, NULL, "route-map {name}", NULL},
    {EOS_RP "/policy-definitions/policy-definition/config", DRV_CLI_SKIP, NULL, NULL, NULL},
    {EOS_RP "/policy-definitions/policy-definition/statements/statement", DRV_CLI_STMT,
     "route-map {../../name} {actions/config/policy-result:eosact} {name}"
     "{?conditions/match-prefix-set/config/prefix-set|\n   match "
     "{conditions/match-prefix-set/config/prefix-set:eossetfam} address prefix-list "
     "{conditions/match-prefix-set/config/prefix-set}}"
     "{?conditions/bgp-conditions/match-community-set/config/community-set|\n   match community "
     "{conditions/bgp-conditions/match-community-set/config/community-set}}"
     "{?actions/bgp-actions/config/set-med|\n   set metric {actions/bgp-actions/config/set-med}}"
     "{?actions/bgp-actions/set-as-path-prepend/config/asn|\n   set as-path prepend "
     "{actions/bgp-actions/set-as-path-prepend/config/asn*"
     "actions/bgp-actions/set-as-path-prepend/config/repeat-n}}"
     "{?actions/bgp-actions/set-community/inline/config/communities|\n   set community "
     "{actions/bgp-actions/set-community/inline/config/communities:all} additive}"
     "{?actions/bgp-actions/config/set-next-hop|\n   set "
     "{actions/bgp-actions/config/set-next-hop:ipv} next-hop "
     "{actions/bgp-actions/config/set-next-hop}}",
     "route-map {../../name} {actions/config/policy-result:eosact} {name}", NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect eos_cli = {
    .style = DRV_CLI_MODES,
    .comment = "!",
    .no = "no ",
    .indent = 3,
    .end = "!",
    .commands = "commands",
    .rules = eos_cli_rules,
    .maps = eos_cli_maps,
};

/* config/mtu of an interface (diff's MTU-MISMATCH). EOS sets its MTU through arista-cli
 * lines, so it has none. */
static const struct drv_port_mtu oc_port_mtu = {"/interfaces/interface", "name", "config/mtu"};

/* drv_ops.bundle_problem: openconfig-vlan double-tagged-inner-list/-range match 802.1Q
 * inner tags. */
static const char *
oc_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    (void)all;
    (void)nranges;
    return inner_8100 ? NULL : "OpenConfig matches 802.1Q inner tags only";
}

/* drv_ops.bundle_problem (EOS): FlexEncap inner ranges are not confirmed. */
static const char *
eos_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    (void)all;
    (void)nranges;
    (void)inner_8100;
    return "EOS FlexEncap inner ranges are not confirmed (no multi-VLAN QinQ on EOS)";
}

const struct drv_ops drv_openconfig_ops = {
    .name = "openconfig",
    .vendor = "openconfig",
    .mtu_meaning_name = "OpenConfig physical MTU: L2 header + tags (tags UNCONFIRMED)",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L2_TAGS,
            .core_reserve = 0,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .tpid_per_subif = 0,
            .double_tag_match = true,
            .rewrite_one_tag = true,
            .rewrite_two_tags = false,
            .l3_double_tag = true,
            .vpls_ldp = true,
            .vpls_bgp = true,
            .l3vpn = true, /* docs/drivers.md §14: L3VRF network instance, vrf.xml */
            .l3vpn_v6 = true, /* 6VPE circuits: bgp-neighbor.xml IPV6_UNICAST, §14 */
            .candidate = true,
            .writable_running = true,
            .confirmed_commit = 11,
            .confirm_timeout_minutes = false,
            .ebgp_default_deny = false,
            .vpls_rt_four_byte_as = true,
            /* Not: BFD (openconfig-bfd is not part of the generic profile), large
             * communities and local-as options (not in OpenConfig), IPv6 over an IPv4 session (per-AFI next
             * hop handling is implementation specific: UNCONFIRMED, so refused). */
            .bgp = DRV_BGP_IPV6 | DRV_BGP_PREPEND | DRV_BGP_MED | DRV_BGP_COMMUNITY |
                   DRV_BGP_COMMUNITY_MATCH | DRV_BGP_MULTIHOP | DRV_BGP_LIMIT | DRV_BGP_LIMIT_RESTART,
        },
    .tpl_vendor = "openconfig",
    .features = oc_features,
    .prepare = oc_prepare,
    .cli = &oc_cli,
    .rd_number_ok = oc_rd_number_ok,
    .port_mtu = &oc_port_mtu,
    .bundle_problem = oc_bundle_problem,
};

const struct drv_ops drv_eos_ops = {
    .name = "eos",
    .vendor = "openconfig",
    .platform = "eos",
    .mtu_meaning_name = "EOS mtu: IP only",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L3,
            .core_reserve = 0,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8,
            .tpid_per_subif = DRV_TPID_8100 | DRV_TPID_88A8, /* FlexEncap dot1q / dot1ad */
            .double_tag_match = true,                        /* through arista-cli */
            .rewrite_one_tag = true,
            .rewrite_two_tags = true, /* through arista-cli */
            .l3_double_tag = true,
            .vpls_ldp = false,
            .vpls_bgp = false,
            .candidate = true,
            .writable_running = true,
            .confirmed_commit = 0,
            .confirm_timeout_minutes = false,
            .ebgp_default_deny = false,
            /* As OpenConfig, plus BFD (enable-bfd; EOS implements openconfig-bfd,
             * UNCONFIRMED for the timers over NETCONF). */
            .bgp = DRV_BGP_IPV6 | DRV_BGP_BFD | DRV_BGP_PREPEND | DRV_BGP_MED | DRV_BGP_COMMUNITY |
                   DRV_BGP_COMMUNITY_MATCH | DRV_BGP_MULTIHOP | DRV_BGP_LIMIT | DRV_BGP_LIMIT_RESTART,
        },
    .tpl_vendor = "eos",
    .features = eos_features,
    .prepare = eos_prepare,
    .cli = &eos_cli,
    .rd_number_ok = oc_rd_number_ok,
    .bundle_problem = eos_bundle_problem,
};

/*
 * BGP state reader (docs/vendors.md A.8), OpenConfig and Arista EOS: <get> of
 * network-instances/network-instance/protocols/protocol/bgp/neighbors: per neighbor
 * state/session-state (IDLE ... ESTABLISHED), state/last-established (nanoseconds since
 * the epoch, giving the uptime) and afi-safi IPV4_UNICAST and IPV6_UNICAST
 * state/prefixes: received (post-policy), received-pre-policy and sent. The network
 * instance is the table: "default" the global one, another an L3VPN's VRF (an L3VRF
 * instance with its own BGP protocol and the PE-CE neighbors).
 */
#define OC_NI_NS "http://openconfig.net/yang/network-instance"

static const char *
oc_state_name(const char *s)
{
    static const char *const map[][2] = {
        {"IDLE", "Idle"},         {"CONNECT", "Connect"},         {"ACTIVE", "Active"},
        {"OPENSENT", "OpenSent"}, {"OPENCONFIRM", "OpenConfirm"}, {"ESTABLISHED", "Established"},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(s, map[i][0])) {
            return map[i][1];
        }
    }
    return NULL;
}

static nst_err
oc_state_parse(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why, size_t whylen)
{
    xmlDocPtr doc = drv_state_parse_xml(xml, why, whylen);
    xmlNodePtr ni, proto, nb, af;
    char buf[128];
    nst_err ret = NST_OK;

    if (!doc) {
        return NST_EINPUT;
    }
    ni = drv_state_child(drv_state_child(xmlDocGetRootElement(doc), OC_NI_NS, "network-instances"),
                         OC_NI_NS, "network-instance");
    for (; ni && !ret; ni = drv_state_next(ni, OC_NI_NS, "network-instance")) {
        char vrf[64];

        /* The network instance is the table: DEFAULT_INSTANCE ("default") the global one,
         * an L3VRF instance an L3VPN's VRF. */
        drv_state_text(ni, "name", vrf, sizeof vrf);
        drv_state_vrf_norm(vrf);
        for (proto =
                 drv_state_child(drv_state_child(ni, OC_NI_NS, "protocols"), OC_NI_NS, "protocol");
             proto && !ret; proto = drv_state_next(proto, OC_NI_NS, "protocol")) {
            xmlNodePtr nbs =
                drv_state_child(drv_state_child(proto, OC_NI_NS, "bgp"), OC_NI_NS, "neighbors");

            for (nb = drv_state_child(nbs, OC_NI_NS, "neighbor"); nb && !ret;
                 nb = drv_state_next(nb, OC_NI_NS, "neighbor")) {
                struct drv_bgp_peer p = drv_state_peer_unknown();
                const char *st;
                long long le;

                drv_state_text(nb, "neighbor-address", p.addr, sizeof p.addr);
                memcpy(p.vrf, vrf, sizeof p.vrf);
                if (!drv_state_child(nb, OC_NI_NS, "state") ||
                    !*drv_state_text(nb, "state/session-state", buf, sizeof buf)) {
                    continue; /* configured, but no state reported */
                }
                st = oc_state_name(buf);
                if (!p.addr[0] || !st) {
                    snprintf(why, whylen, "neighbor %s: no known session-state", p.addr);
                    ret = NST_EINPUT;
                    break;
                }
                snprintf(p.state, sizeof p.state, "%s", st);
                le = drv_state_num(drv_state_text(nb, "state/last-established", buf, sizeof buf));
                if (!strcmp(st, "Established") && le > 0) {
                    long long now = (long long)time(NULL);

                    p.uptime_s = now - le / 1000000000LL;
                    if (p.uptime_s < 0) {
                        p.uptime_s = 0;
                    }
                }
                for (af = drv_state_child(drv_state_child(nb, OC_NI_NS, "afi-safis"), OC_NI_NS,
                                          "afi-safi");
                     af; af = drv_state_next(af, OC_NI_NS, "afi-safi")) {
                    const char *name = drv_state_text(af, "afi-safi-name", buf, sizeof buf);
                    const char *colon = strrchr(name, ':');
                    int fam;
                    long long acc, rx;

                    name = colon ? colon + 1 : name;
                    fam = !strcmp(name, "IPV4_UNICAST")   ? DRV_AF_IPV4
                          : !strcmp(name, "IPV6_UNICAST") ? DRV_AF_IPV6
                                                          : -1;
                    if (fam < 0) {
                        continue;
                    }
                    acc = drv_state_num(
                        drv_state_text(af, "state/prefixes/received", buf, sizeof buf));
                    rx = drv_state_num(
                        drv_state_text(af, "state/prefixes/received-pre-policy", buf, sizeof buf));
                    drv_state_family(&p, fam, rx < 0 ? acc : rx, acc);
                    drv_state_advertised(
                        &p, fam,
                        drv_state_num(drv_state_text(af, "state/prefixes/sent", buf, sizeof buf)));
                }
                ret = drv_state_add(peers, n, &p);
            }
        }
    }
    xmlFreeDoc(doc);
    return ret;
}

const struct drv_state_ops drv_openconfig_state = {
    .kind = DRV_STATE_GET,
    .op = "get",
    .request = "<network-instances xmlns=\"" OC_NI_NS "\"><network-instance><name/>"
               "<protocols><protocol><bgp><neighbors/></bgp></protocol></protocols>"
               "</network-instance></network-instances>",
    .module_dir = "openconfig",
    .models = (const char *const[]){"openconfig-network-instance", "openconfig-bgp-types",
                                    "openconfig-policy-types", NULL},
    .parse = oc_state_parse,
};
