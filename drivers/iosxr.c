/*
 * iosxr.c: the Cisco IOS-XR driver (native UM models).
 *
 * Capabilities (docs/vendors.md): the main-interface MTU counts the L2 header; each
 * sub-interface adds 4 bytes per tag in its encapsulation automatically. dot1ad
 * (0x88a8) and dot1q (0x8100) outer tags are chosen per sub-interface; 0x9100 is the
 * main interface's dot1q tunneling ethertype, so per port. rewrite ingress tag
 * pop/push/translate covers one and two tags. An attachment circuit without a tag
 * pop signals the wrong pseudowire MTU, so the driver always pops. eBGP passes
 * nothing without policy. Candidate, confirmed-commit 1.1, seconds.
 *
 * Rendering (templates/iosxr/, docs/drivers.md): native UM models. Local stitches and
 * VPLS instances are bridge domains of bridge group "netstitch" (the device models have
 * no xconnect group); VPLS adds a VFI. The prepare hook adds:
 *   - ac/@ifname: the attachment circuit's interface (the port for an untagged hop,
 *     else port.subif);
 *   - l2-stitch/@bd, vpls/@bd: the bridge-domain name fitted to 27 characters,
 *     vpls/@vfi: the VFI name fitted to 32 (drv_fit_name);
 *   - vpls/@rt-as, @rt-num, @rt-list: the BGP route target split by drv_rt_parse(), and
 *     "two" or "four": the two-byte-as-rts or the four-byte-as-rts list (RFC 5668 form,
 *     AS above 65535 with a 16-bit number); a VE id above 16384 is refused (the checker
 *     refuses both first: VPLS-ROUTE-TARGET, VPLS-VE-ID-RANGE);
 *   - vrf/@xr-name (the VRF name fitted to 32) and the same as @xr-vrf on each routed
 *     sub-interface in it, vrf/@rt-list, @rt-as, @rt-num (the route target, as for VPLS),
 *     vrf/@rd-ip, @rd-index (the ROUTER-ID:N route distinguisher split) (L3VPN,
 *     docs/drivers.md §14: vrf.xml, and bgp.xml's one router bgp with the VRFs in it);
 *   - prefix-list/@rpl, policy/@rpl: the RPL text of the prefix set and route policy
 *     (with the export attributes and community matches of docs/ir.md: set med,
 *     prepend as-path, set [large-]community ... additive, set next-hop, and
 *     "[large-]community matches-any" on import).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define XR_BD_NAME_MAX 27
#define XR_VFI_NAME_MAX 32
#define XR_VRF_NAME_MAX 32

static const char *const xr_features[] = {
    "vrf", "interfaces", "l2-stitch", "vpls", "policy", "bgp", NULL,
};

/*
 * drv_ops.port_name_problem: Cisco-IOS-XR-types Interface-name is [a-zA-Z0-9.:_/-]+
 * (YangModels/yang vendor/cisco/xr; ':' is allowed, as in a breakout port
 * HundredGigE0/0/0/0:1). The service model's names are a subset of that today; the
 * hook keeps the rule next to the vendor should either change.
 */
static const char *
xr_port_name_problem(const char *name)
{
    if (name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:_/-")]) {
        return "an IOS-XR interface name takes letters, digits and . : _ / - only "
               "(Cisco-IOS-XR-types Interface-name)";
    }
    return NULL;
}

static void
xr_acs(struct drv_prep *p, xmlNodePtr parent)
{
    xmlNodePtr ac;

    for (ac = drv_child(parent, "ac"); ac; ac = drv_next(ac, "ac")) {
        const char *port = drv_attr(ac, "port"), *sub = drv_attr(ac, "subif");

        if (!port) {
            continue;
        }
        if (!sub || !strcmp(sub, "0")) {
            drv_set_attr(p, ac, "ifname", port);
        } else {
            drv_set_attrf(p, ac, "ifname", "%s.%s", port, sub);
        }
    }
}

static nst_err
xr_vpls(struct drv_prep *p, xmlNodePtr v)
{
    const char *name = drv_attr(v, "name"), *rt = drv_attr(v, "route-target");
    char buf[64];

    drv_set_attr(p, v, "bd", drv_fit_name(name ? name : "vpls", XR_BD_NAME_MAX, buf, sizeof buf));
    drv_set_attr(p, v, "vfi", drv_fit_name(name ? name : "vpls", XR_VFI_NAME_MAX, buf, sizeof buf));
    xr_acs(p, v);
    if (drv_attr(v, "signalling") && !strcmp(drv_attr(v, "signalling"), "bgp")) {
        struct drv_rt t;
        const char *why = NULL;

        if (!rt) {
            return drv_prep_fail(p, "VPLS %s: BGP signalling without a route target", name);
        }
        if (drv_rt_parse(rt, &t, &why)) {
            return drv_prep_fail(p, "VPLS %s: route target %s: %s", name, rt, why);
        }
        /* two-byte-as-rts or four-byte-as-rts (Cisco-IOS-XR-um-l2vpn-cfg, vfi autodiscovery
         * bgp route-target): the AS decides which list, as in the CLI. */
        drv_set_attr(p, v, "rt-list", t.four_byte_as ? "four" : "two");
        drv_set_attrf(p, v, "rt-as", "%lu", (unsigned long)t.as);
        drv_set_attrf(p, v, "rt-num", "%lu", (unsigned long)t.num);
        if (drv_attr_ul(v, "ve-id", 0) > p->drv->caps.vpls_ve_id_max) {
            return drv_prep_fail(p, "VPLS %s: VE id %s is above IOS-XR's %u", name,
                                 drv_attr(v, "ve-id"), p->drv->caps.vpls_ve_id_max);
        }
    }
    return NST_OK;
}

/* A growing text for RPL; on overflow the hook fails (names are short, lists bounded). */
struct xr_text {
    char buf[16384];
    size_t len;
    int full;
};

static void
xr_add(struct xr_text *t, const char *s)
{
    size_t n = strlen(s);

    if (t->len + n + 1 > sizeof t->buf) {
        t->full = 1;
        return;
    }
    memcpy(t->buf + t->len, s, n + 1);
    t->len += n;
}

/* "(a, b)": the values of the children @elem of @n, or "" when there are none. */
static void
xr_set_of(struct xr_text *t, xmlNodePtr n, const char *elem)
{
    xmlNodePtr c;
    bool first = true;

    for (c = drv_child(n, elem); c; c = drv_next(c, elem)) {
        xr_add(t, first ? "(" : ", ");
        xr_add(t, drv_attr(c, "value") ? drv_attr(c, "value") : "");
        first = false;
    }
    if (!first) {
        xr_add(t, ")");
    }
}

/*
 * The RPL of one policy: pass what the prefix set matches (and, on import, carries one
 * of the matched communities), setting the export attributes (MED, AS-path prepend,
 * communities added, the IPv6 next hop), drop the rest. Without knobs the text is the
 * plain pass/drop policy.
 */
static void
xr_policy_rpl(struct drv_prep *p, xmlNodePtr n, struct xr_text *t)
{
    const char *name = drv_attr(n, "name"), *pl = drv_attr(n, "prefix-list");
    bool std = drv_child(n, "match-community") != NULL;
    bool large = drv_child(n, "match-large-community") != NULL;
    char buf[64];

    (void)p;
    t->len = 0;
    t->full = 0;
    t->buf[0] = '\0';
    xr_add(t, "route-policy ");
    xr_add(t, name ? name : "");
    xr_add(t, "\n  if destination in ");
    xr_add(t, pl ? pl : "");
    if (std || large) {
        xr_add(t, " and (");
        if (std) {
            xr_add(t, "community matches-any ");
            xr_set_of(t, n, "match-community");
        }
        if (large) {
            xr_add(t, std ? " or large-community matches-any " : "large-community matches-any ");
            xr_set_of(t, n, "match-large-community");
        }
        xr_add(t, ")");
    }
    xr_add(t, " then\n");
    if (drv_attr(n, "med")) {
        xr_add(t, "    set med ");
        xr_add(t, drv_attr(n, "med"));
        xr_add(t, "\n");
    }
    if (drv_attr(n, "prepend")) {
        snprintf(buf, sizeof buf, "    prepend as-path %s %s\n",
                 drv_attr(n, "prepend-as") ? drv_attr(n, "prepend-as") : "",
                 drv_attr(n, "prepend"));
        xr_add(t, buf);
    }
    if (drv_child(n, "set-community")) {
        xr_add(t, "    set community ");
        xr_set_of(t, n, "set-community");
        xr_add(t, " additive\n");
    }
    if (drv_child(n, "set-large-community")) {
        xr_add(t, "    set large-community ");
        xr_set_of(t, n, "set-large-community");
        xr_add(t, " additive\n");
    }
    if (drv_attr(n, "next-hop")) {
        xr_add(t, "    set next-hop ");
        xr_add(t, drv_attr(n, "next-hop"));
        xr_add(t, "\n");
    }
    xr_add(t, "    pass\n  else\n    drop\n  endif\nend-policy\n");
}

static nst_err
xr_rpl(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr n, e;
    struct xr_text t;

    for (n = drv_child(dev, "prefix-list"); n; n = drv_next(n, "prefix-list")) {
        t.len = 0;
        t.full = 0;
        t.buf[0] = '\0';
        xr_add(&t, "prefix-set ");
        xr_add(&t, drv_attr(n, "name") ? drv_attr(n, "name") : "");
        xr_add(&t, "\n");
        for (e = drv_child(n, "prefix"); e; e = drv_next(e, "prefix")) {
            xr_add(&t, "  ");
            xr_add(&t, drv_attr(e, "prefix") ? drv_attr(e, "prefix") : "");
            xr_add(&t, drv_next(e, "prefix") ? ",\n" : "\n");
        }
        xr_add(&t, "end-set\n");
        if (t.full) {
            return drv_prep_fail(p, "prefix set %s is too long", drv_attr(n, "name"));
        }
        drv_set_attr(p, n, "rpl", t.buf);
    }
    for (n = drv_child(dev, "policy"); n; n = drv_next(n, "policy")) {
        xr_policy_rpl(p, n, &t);
        if (t.full) {
            return drv_prep_fail(p, "route policy %s is too long", drv_attr(n, "name"));
        }
        drv_set_attr(p, n, "rpl", t.buf);
    }
    return NST_OK;
}

/*
 * An L3VPN VRF (docs/drivers.md): @xr-name, the VRF name fitted to vrf-name's 32
 * characters (and the same on every routed sub-interface bound to it, @xr-vrf); the route
 * target split as for BGP VPLS (@rt-list, @rt-as, @rt-num); the route distinguisher
 * ROUTER-ID:N split into @rd-ip and @rd-index (the ip-address form of router bgp vrf rd,
 * index 0..65535). The checker refuses what cannot be split (VPLS-ROUTE-TARGET,
 * drv_ops.rd_number_ok), so a failure here is a lowering bug.
 */

static nst_err
xr_vrf(struct drv_prep *p, xmlNodePtr dev, xmlNodePtr v)
{
    const char *name = drv_attr(v, "name"), *rt = drv_attr(v, "route-target");
    const char *rd = drv_attr(v, "route-distinguisher"), *colon, *why = NULL;
    char buf[64], ip[64];
    struct drv_rt t;
    unsigned long idx;
    char *end;
    xmlNodePtr port, sub;

    if (!name || !rt || !rd) {
        return drv_prep_fail(p, "VRF %s: no name, route target or route distinguisher",
                             name ? name : "?");
    }
    drv_fit_name(name, XR_VRF_NAME_MAX, buf, sizeof buf);
    drv_set_attr(p, v, "xr-name", buf);
    for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
        for (sub = drv_child(port, "subif"); sub; sub = drv_next(sub, "subif")) {
            if (drv_attr(sub, "vrf") && !strcmp(drv_attr(sub, "vrf"), name)) {
                drv_set_attr(p, sub, "xr-vrf", buf);
            }
        }
    }
    if (drv_rt_parse(rt, &t, &why)) {
        return drv_prep_fail(p, "VRF %s: route target %s: %s", name, rt, why);
    }
    drv_set_attr(p, v, "rt-list", t.four_byte_as ? "four" : "two");
    drv_set_attrf(p, v, "rt-as", "%lu", (unsigned long)t.as);
    drv_set_attrf(p, v, "rt-num", "%lu", (unsigned long)t.num);
    colon = strrchr(rd, ':');
    if (!colon || (size_t)(colon - rd) >= sizeof ip) {
        return drv_prep_fail(p, "VRF %s: route distinguisher %s is not ADDRESS:N", name, rd);
    }
    memcpy(ip, rd, (size_t)(colon - rd));
    ip[colon - rd] = '\0';
    idx = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || idx > 65535 || !strchr(ip, '.')) {
        return drv_prep_fail(p, "VRF %s: route distinguisher %s is not ADDRESS:0..65535", name, rd);
    }
    drv_set_attr(p, v, "rd-ip", ip);
    drv_set_attrf(p, v, "rd-index", "%lu", idx);
    xr_acs(p, v);
    return NST_OK;
}

static nst_err
xr_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr n;
    char buf[64];
    nst_err ret;

    for (n = drv_child(dev, "vrf"); n; n = drv_next(n, "vrf")) {
        ret = xr_vrf(p, dev, n);
        if (ret) {
            return ret;
        }
    }

    for (n = drv_child(dev, "l2-stitch"); n; n = drv_next(n, "l2-stitch")) {
        const char *name = drv_attr(n, "name");

        drv_set_attr(p, n, "bd",
                     drv_fit_name(name ? name : "stitch", XR_BD_NAME_MAX, buf, sizeof buf));
        xr_acs(p, n);
    }
    for (n = drv_child(dev, "vpls"); n; n = drv_next(n, "vpls")) {
        ret = xr_vpls(p, n);
        if (ret) {
            return ret;
        }
    }
    ret = xr_rpl(p, dev);
    return ret ? ret : drv_prep_status(p);
}

/*
 * `diff --format cli`: IOS-XR configuration modes, "no" negates, "!" closes a mode. The
 * rules mirror templates/iosxr/<feature>.cli.xml (tests/golden/t_diff_cli.sh checks they agree).
 */
#define XR_IF "/interfaces/interface"
#define XR_BD "/l2vpn/bridge/groups/group/bridge-domains/bridge-domain"
#define XR_VFI XR_BD "/vfis/vfi"
#define XR_NB "/router/bgp/as/neighbors/neighbor"
#define XR_VNB "/router/bgp/as/vrfs/vrf/neighbors/neighbor"
#define XR_VAF "/vrfs/vrf/address-family/ipv4/unicast"
#define XR_VAF6 "/vrfs/vrf/address-family/ipv6/unicast"
/* The rules of a BGP neighbour below @NB: the default VRF's (XR_NB) and a VRF's (XR_VNB) have
 * the same nodes and the same CLI, one mode deeper. */
#define XR_NB_RULES(NB)                                                                            \
    {NB, DRV_CLI_MODE, "neighbor {neighbor-address}", NULL, NULL},                                 \
        {NB "/remote-as", DRV_CLI_STMT, "remote-as {.}", NULL, NULL},                              \
        {NB "/description", DRV_CLI_STMT, "description {.}", "description", NULL},                 \
        {NB "/local-as", DRV_CLI_STMT,                                                             \
         "local-as {as-number}{?no-prepend| no-prepend}{?no-prepend/replace-as| replace-as}"       \
         "{?no-prepend/replace-as/dual-as| dual-as}",                                              \
         "local-as", NULL},                                                                        \
        {NB "/ebgp-multihop", DRV_CLI_STMT, "ebgp-multihop {maximum-hop-count}", "ebgp-multihop",  \
         NULL},                                                                                    \
        {NB "/bfd", DRV_CLI_PASS, NULL, NULL, NULL},                                               \
        {NB "/bfd/fast-detect", DRV_CLI_STMT, "bfd fast-detect", NULL, NULL},                      \
        {NB "/bfd/minimum-interval", DRV_CLI_STMT, "bfd minimum-interval {.}",                     \
         "bfd minimum-interval", NULL},                                                            \
        {NB "/bfd/multiplier", DRV_CLI_STMT, "bfd multiplier {.}", "bfd multiplier", NULL},        \
        {NB "/password", DRV_CLI_PASS, NULL, NULL, NULL},                                          \
        {NB "/password/encrypted", DRV_CLI_STMT, "password clear {.:nobang}", "password", NULL},   \
        {NB "/address-families/address-family", DRV_CLI_MODE, "address-family {af-name:sp}", NULL, \
         NULL},                                                                                    \
        {NB "/address-families/address-family/route-policy/in", DRV_CLI_STMT,                      \
         "route-policy {.} in", NULL, NULL},                                                       \
        {NB "/address-families/address-family/route-policy/out", DRV_CLI_STMT,                     \
         "route-policy {.} out", NULL, NULL},                                                      \
    {                                                                                              \
        NB "/address-families/address-family/maximum-prefix", DRV_CLI_STMT,                        \
            "maximum-prefix {prefix-limit}{?threshold| }{threshold}{?restart| restart }{restart}", \
            "maximum-prefix", NULL                                                                 \
    }

static const struct drv_cli_rule xr_cli_rules[] = {
    {XR_IF, DRV_CLI_MODE,
     "interface {interface-name}{?sub-interface-type/l2transport| l2transport}",
     "interface {interface-name}", NULL},
    {XR_IF "/sub-interface-type", DRV_CLI_SKIP, NULL, NULL, NULL},
    {XR_IF "/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {XR_IF "/vrf", DRV_CLI_STMT, "vrf {.}", "vrf", NULL},
    {XR_IF "/mtu", DRV_CLI_STMT, "mtu {.}", "mtu", NULL},
    {XR_IF "/dot1q/tunneling/ethertype", DRV_CLI_STMT, "dot1q tunneling ethertype {.}", NULL, NULL},
    {XR_IF "/encapsulation/dot1q", DRV_CLI_STMT,
     "encapsulation dot1q {vlan-id}{?second-dot1q| second-dot1q }{second-dot1q}", NULL, NULL},
    {XR_IF "/encapsulation/dot1ad", DRV_CLI_STMT,
     "encapsulation dot1ad {vlan-id}{?dot1q| dot1q }{dot1q}", NULL, NULL},
    {XR_IF "/l2transport-encapsulation/dot1q", DRV_CLI_STMT,
     "encapsulation dot1q {vlan-id}{?second-dot1q| second-dot1q }{second-dot1q}"
     "{?second-dot1q-end-vlan-id|-}{second-dot1q-end-vlan-id}", NULL, NULL},
    {XR_IF "/l2transport-encapsulation/dot1ad", DRV_CLI_STMT,
     "encapsulation dot1ad {vlan-id}{?dot1q| dot1q }{dot1q}{?dot1q-end-vlan-id|-}{dot1q-end-vlan-id}",
     NULL, NULL},
    {XR_IF "/rewrite/ingress/tag/pop/one", DRV_CLI_STMT, "rewrite ingress tag pop 1 symmetric",
     NULL, NULL},
    {XR_IF "/rewrite/ingress/tag/pop/two", DRV_CLI_STMT, "rewrite ingress tag pop 2 symmetric",
     NULL, NULL},
    {XR_IF "/ipv4/addresses/address", DRV_CLI_STMT, "ipv4 address {address} {netmask}", NULL, NULL},
    {XR_IF "/ipv4/addresses/secondaries/secondary", DRV_CLI_STMT,
     "ipv4 address {address} {netmask} secondary", NULL, NULL},
    {XR_IF "/ipv4/mtu", DRV_CLI_STMT, "ipv4 mtu {.}", "ipv4 mtu", NULL},
    {XR_IF "/ipv6/addresses/ipv6-address", DRV_CLI_STMT, "ipv6 address {address}/{prefix-length}",
     NULL, NULL},
    {XR_IF "/ipv6/mtu", DRV_CLI_STMT, "ipv6 mtu {.}", "ipv6 mtu", NULL},
    {"/l2vpn", DRV_CLI_MODE, "l2vpn", NULL, NULL},
    {"/l2vpn/bridge/groups/group", DRV_CLI_MODE, "bridge group {group-name}", NULL, NULL},
    {XR_BD, DRV_CLI_MODE, "bridge-domain {bridge-domain-name}", NULL, NULL},
    {XR_BD "/mtu", DRV_CLI_STMT, "mtu {.}", "mtu", NULL},
    {XR_BD "/interfaces/interface", DRV_CLI_MODE, "interface {interface-name}", NULL, NULL},
    {XR_BD "/neighbors/neighbor", DRV_CLI_MODE, "neighbor {address} pw-id {pw-id}", NULL, NULL},
    {XR_VFI, DRV_CLI_MODE, "vfi {vfi-name}", NULL, NULL},
    {XR_VFI "/vpn-id", DRV_CLI_STMT, "vpn-id {.}", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp", DRV_CLI_MODE, "autodiscovery bgp", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/rd/auto", DRV_CLI_STMT, "rd auto", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/route-target/two-byte-as-rts/two-byte-as-rt", DRV_CLI_STMT,
     "route-target {two-byte-as-number}:{assigned-number}", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/route-target/four-byte-as-rts/four-byte-as-rt", DRV_CLI_STMT,
     "route-target {four-byte-as-number}:{assigned-number}", NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/signaling-protocol/bgp", DRV_CLI_MODE, "signaling-protocol bgp",
     NULL, NULL},
    {XR_VFI "/autodiscovery/bgp/signaling-protocol/bgp/ve-id", DRV_CLI_STMT, "ve-id {.}", NULL,
     NULL},
    {XR_VFI "/neighbors/neighbor", DRV_CLI_MODE, "neighbor {address} pw-id {pw-id}", NULL, NULL},
    {"/router/bgp/as", DRV_CLI_MODE, "router bgp {as-number}", NULL, NULL},
    {"/router/bgp/as/bgp/router-id", DRV_CLI_STMT, "bgp router-id {.}", NULL, NULL},
    {"/router/bgp/as/address-families/address-family", DRV_CLI_MODE, "address-family {af-name:sp}",
     NULL, NULL},
    {"/router/bgp/as/address-families/address-family/networks/network", DRV_CLI_STMT,
     "network {address}/{masklength}", NULL, NULL},
    XR_NB_RULES(XR_NB),
    {"/router/bgp/as/vrfs/vrf", DRV_CLI_MODE, "vrf {vrf-name}", NULL, NULL},
    {"/router/bgp/as/vrfs/vrf/rd", DRV_CLI_PASS, NULL, NULL, NULL},
    {"/router/bgp/as/vrfs/vrf/rd/ip-address", DRV_CLI_STMT, "rd {ipv4-address}:{index}", "rd",
     NULL},
    {"/router/bgp/as/vrfs/vrf/address-families/address-family", DRV_CLI_MODE,
     "address-family {af-name:sp}", NULL, NULL},
    XR_NB_RULES(XR_VNB),
    {"/vrfs/vrf", DRV_CLI_MODE, "vrf {vrf-name}", NULL, NULL},
    {"/vrfs/vrf/description", DRV_CLI_STMT, "description {.}", "description", NULL},
    {"/vrfs/vrf/address-family/ipv4/unicast", DRV_CLI_MODE, "address-family ipv4 unicast", NULL,
     NULL},
    {XR_VAF "/import/route-target", DRV_CLI_MODE, "import route-target", NULL, NULL},
    {XR_VAF "/import/route-target/two-byte-as-rts/two-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF "/import/route-target/four-byte-as-rts/four-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF "/export/route-target", DRV_CLI_MODE, "export route-target", NULL, NULL},
    {XR_VAF "/export/route-target/two-byte-as-rts/two-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF "/export/route-target/four-byte-as-rts/four-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    /* A dual-stack VRF (6VPE): the same route targets in its IPv6 unicast family. */
    {"/vrfs/vrf/address-family/ipv6/unicast", DRV_CLI_MODE, "address-family ipv6 unicast", NULL,
     NULL},
    {XR_VAF6 "/import/route-target", DRV_CLI_MODE, "import route-target", NULL, NULL},
    {XR_VAF6 "/import/route-target/two-byte-as-rts/two-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF6 "/import/route-target/four-byte-as-rts/four-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF6 "/export/route-target", DRV_CLI_MODE, "export route-target", NULL, NULL},
    {XR_VAF6 "/export/route-target/two-byte-as-rts/two-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {XR_VAF6 "/export/route-target/four-byte-as-rts/four-byte-as-rt", DRV_CLI_STMT,
     "{as-number}:{index}", NULL, NULL},
    {"/routing-policy/route-policies/route-policy", DRV_CLI_BLOCK, "rpl-route-policy",
     "route-policy {route-policy-name}", NULL},
    {"/routing-policy/sets/prefix-sets/prefix-set", DRV_CLI_BLOCK, "rpl-prefix-set",
     "prefix-set {set-name}", NULL},
    {"/router/static", DRV_CLI_MODE, "router static", NULL, NULL},
    {"/router/static/address-family/ipv4/unicast", DRV_CLI_MODE, "address-family ipv4 unicast",
     NULL, NULL},
    {"/router/static/address-family/ipv6/unicast", DRV_CLI_MODE, "address-family ipv6 unicast",
     NULL, NULL},
    {"/router/static/address-family/ipv6/unicast/prefixes/prefix", DRV_CLI_STMT,
     "{prefix-address}/{prefix-length} {nexthop-addresses/nexthop-address/address}"
     "{nexthop-interfaces/nexthop-interface/interface-name}",
     NULL, NULL},
    {"/router/static/address-family/ipv4/unicast/prefixes/prefix", DRV_CLI_STMT,
     "{prefix-address}/{prefix-length} {nexthop-addresses/nexthop-address/address}"
     "{nexthop-interfaces/nexthop-interface/interface-name}",
     NULL, NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect xr_cli = {
    .style = DRV_CLI_MODES,
    .comment = "!",
    .no = "no ",
    .indent = 1,
    .end = "!",
    .rules = xr_cli_rules,
};

/* The main interface's MTU (diff's MTU-MISMATCH). */
static const struct drv_port_mtu xr_port_mtu = {"/interfaces/interface", "interface-name", "mtu"};

/* drv_ops.bundle_problem: the UM l2transport encapsulation matches one inner range
 * (dot1q .. dot1q-end-vlan-id) or any, of 802.1Q C-tags. */
static const char *
xr_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    if (!all && nranges > 1) {
        return "the UM model matches one inner range (dot1q .. dot1q-end-vlan-id) or any";
    }
    if (!inner_8100) {
        return "the inner tag of an IOS-XR sub-interface is 802.1Q (0x8100)";
    }
    return NULL;
}

const struct drv_ops drv_iosxr_ops = {
    .name = "iosxr",
    .vendor = "iosxr",
    .mtu_meaning_name = "IOS-XR: L2 header on the parent, tags added on sub-interfaces",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L2_PARENT,
            .core_reserve = 0,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .tpid_per_subif = DRV_TPID_8100 | DRV_TPID_88A8,
            .double_tag_match = true,
            .rewrite_one_tag = true,
            .rewrite_two_tags = true,
            .l3_double_tag = true,
            .vpls_ldp = true,
            .vpls_bgp = true,
            .vpls_spoke_pw = true, /* docs/drivers.md §13 */
            .l3vpn = true,         /* vrf.xml, bgp.xml (docs/drivers.md) */
            .l3vpn_v6 = true,      /* 6VPE circuits: docs/drivers.md §14 */
            .candidate = true,
            .writable_running = false,
            .confirmed_commit = 11,
            .confirm_timeout_minutes = false,
            .ebgp_default_deny = true,
            .vpls_rt_four_byte_as = true,
            .vpls_ve_id_max = 16384, /* um-l2vpn-cfg signaling-protocol bgp ve-id 1..16384 */
            .bgp = DRV_BGP_IPV6 | DRV_BGP_V6_OVER_V4 | DRV_BGP_BFD | DRV_BGP_PREPEND | DRV_BGP_MED |
                   DRV_BGP_COMMUNITY | DRV_BGP_COMMUNITY_MATCH | DRV_BGP_LARGE_COMMUNITY |
                   DRV_BGP_MULTIHOP | DRV_BGP_NO_PREPEND | DRV_BGP_REPLACE_AS | DRV_BGP_LIMIT |
                   DRV_BGP_LIMIT_RESTART,
        },
    .tpl_vendor = "iosxr",
    .features = xr_features,
    .prepare = xr_prepare,
    .cli = &xr_cli,
    .port_mtu = &xr_port_mtu,
    .port_name_problem = xr_port_name_problem,
    .bundle_problem = xr_bundle_problem,
};

/*
 * BGP state reader (docs/vendors.md A.8): <get> of Cisco-IOS-XR-ipv4-bgp-oper
 * bgp/instances/instance/instance-active/default-vrf/neighbors, and each VRF's
 * (instance-active/vrfs/vrf[vrf-name]/neighbors: an L3VPN's PE-CE sessions): per neighbor
 * its connection-state (bgp-st-estab, ...), connection-established-time (seconds) and per
 * address family (af-name ipv4, ipv6) the prefixes accepted, denied and advertised;
 * received is accepted plus denied.
 */
#define IOSXR_BGP_NS "http://cisco.com/ns/yang/Cisco-IOS-XR-ipv4-bgp-oper"

static const char *
iosxr_state_name(const char *s)
{
    static const char *const map[][2] = {
        {"bgp-st-idle", "Idle"},
        {"bgp-st-connect", "Connect"},
        {"bgp-st-active", "Active"},
        {"bgp-st-open-sent", "OpenSent"},
        {"bgp-st-open-confirm", "OpenConfirm"},
        {"bgp-st-estab", "Established"},
        {"bgp-st-closing", "Idle"},
        {"bgp-st-closing-sync", "Idle"},
        {"bgp-st-dont-care", "Idle"},
    };

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(s, map[i][0])) {
            return map[i][1];
        }
    }
    return NULL;
}

/* The neighbors of one table (default-vrf, or a VRF's: @vrf its name) into @peers. */
static nst_err
iosxr_state_nbrs(xmlNodePtr nbs, const char *vrf, struct drv_bgp_peer **peers, size_t *n, char *why,
                 size_t whylen)
{
    xmlNodePtr nb, af;
    char buf[128];
    nst_err ret = NST_OK;

    for (nb = drv_state_child(nbs, IOSXR_BGP_NS, "neighbor"); nb && !ret;
         nb = drv_state_next(nb, IOSXR_BGP_NS, "neighbor")) {
        struct drv_bgp_peer p = drv_state_peer_unknown();
        const char *st;

        drv_state_text(nb, "neighbor-address", p.addr, sizeof p.addr);
        snprintf(p.vrf, sizeof p.vrf, "%s", vrf);
        drv_state_vrf_norm(p.vrf);
        st = iosxr_state_name(drv_state_text(nb, "connection-state", buf, sizeof buf));
        if (!p.addr[0] || !st) {
            snprintf(why, whylen,
                     "a neighbor without neighbor-address or a known "
                     "connection-state");
            return NST_EINPUT;
        }
        snprintf(p.state, sizeof p.state, "%s", st);
        if (!strcmp(st, "Established")) {
            p.uptime_s =
                drv_state_num(drv_state_text(nb, "connection-established-time", buf, sizeof buf));
        }
        for (af = drv_state_child(nb, IOSXR_BGP_NS, "af-data"); af;
             af = drv_state_next(af, IOSXR_BGP_NS, "af-data")) {
            long long acc, den;
            int fam;

            drv_state_text(af, "af-name", buf, sizeof buf);
            fam = !strcmp(buf, "ipv4") ? DRV_AF_IPV4 : !strcmp(buf, "ipv6") ? DRV_AF_IPV6 : -1;
            if (fam < 0) {
                continue;
            }
            acc = drv_state_num(drv_state_text(af, "prefixes-accepted", buf, sizeof buf));
            den = drv_state_num(drv_state_text(af, "prefixes-denied", buf, sizeof buf));
            drv_state_family(&p, fam, acc >= 0 ? acc + (den > 0 ? den : 0) : -1, acc);
            drv_state_advertised(
                &p, fam, drv_state_num(drv_state_text(af, "prefixes-advertised", buf, sizeof buf)));
        }
        ret = drv_state_add(peers, n, &p);
    }
    return ret;
}

static nst_err
iosxr_state_parse(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why, size_t whylen)
{
    xmlDocPtr doc = drv_state_parse_xml(xml, why, whylen);
    xmlNodePtr inst;
    char buf[128];
    nst_err ret = NST_OK;

    if (!doc) {
        return NST_EINPUT;
    }
    inst = drv_state_child(
        drv_state_child(drv_state_child(xmlDocGetRootElement(doc), IOSXR_BGP_NS, "bgp"),
                        IOSXR_BGP_NS, "instances"),
        IOSXR_BGP_NS, "instance");
    for (; inst && !ret; inst = drv_state_next(inst, IOSXR_BGP_NS, "instance")) {
        xmlNodePtr act = drv_state_child(inst, IOSXR_BGP_NS, "instance-active"), vrf;

        ret = iosxr_state_nbrs(drv_state_child(drv_state_child(act, IOSXR_BGP_NS, "default-vrf"),
                                               IOSXR_BGP_NS, "neighbors"),
                               "", peers, n, why, whylen);
        for (vrf = drv_state_child(drv_state_child(act, IOSXR_BGP_NS, "vrfs"), IOSXR_BGP_NS, "vrf");
             vrf && !ret; vrf = drv_state_next(vrf, IOSXR_BGP_NS, "vrf")) {
            if (!*drv_state_text(vrf, "vrf-name", buf, sizeof buf)) {
                snprintf(why, whylen, "a vrf without vrf-name");
                ret = NST_EINPUT;
                break;
            }
            ret = iosxr_state_nbrs(drv_state_child(vrf, IOSXR_BGP_NS, "neighbors"), buf, peers, n,
                                   why, whylen);
        }
    }
    xmlFreeDoc(doc);
    return ret;
}

const struct drv_state_ops drv_iosxr_state = {
    .kind = DRV_STATE_GET,
    .op = "get",
    .request = "<bgp xmlns=\"" IOSXR_BGP_NS "\"><instances><instance><instance-active>"
               "<vrfs><vrf><vrf-name/><neighbors/></vrf></vrfs>"
               "<default-vrf><neighbors/></default-vrf></instance-active></instance></instances>"
               "</bgp>",
    .module_dir = "iosxr",
    .models = (const char *const[]){"Cisco-IOS-XR-ipv4-bgp-oper", NULL},
    .parse = iosxr_state_parse,
};
