/*
 * junos.c: the Juniper Junos driver.
 *
 * Capabilities (docs/vendors.md A.1-A.7): media MTU counts the L2 header and tags; on an
 * MPLS core port Junos derives the MPLS MTU as media - 14 - 12, reserving three
 * labels, so the core port needs 4 bytes more than the frame. The outer TPID is set
 * per unit (vlan-tags outer 0x88a8.100), so every TPID is per sub-interface.
 * input/output-vlan-map express one- and two-tag rewrites. Candidate datastore,
 * confirmed-commit 1.0 with confirm-timeout in seconds over NETCONF.
 *
 * Rendering (templates/junos/, docs/drivers.md). The payload is the namespaced YANG
 * form of <configuration> (junos-conf-root and one namespace per hierarchy), which is
 * what the device models validate and what "rfc-compliant" Junos speaks; the classic
 * un-namespaced Junos XML API form is not emitted (docs/vendors.md: whether edit-config
 * accepts the namespaced form on every release is UNCONFIRMED). Layer-2 units join VPLS
 * routing instances with "vlan-id none", which pops a unit's tags on ingress and pushes
 * them back on egress (the IR's symmetric pop); a local <l2-stitch> is such an instance
 * holding its two units and no pseudowire. The prepare hook adds:
 *   - description/@q: the description as a Junos CLI string, in double quotes with "
 *     and \ escaped and control characters turned into spaces;
 *   - port/@junos-tagging: "flexible-vlan-tagging", "vlan-tagging" or absent, from the
 *     port's sub-interfaces by drv_tagging_add(), the rule the checker plans the media
 *     MTU with (flexible counts two tags for every unit: 1522 for IP 1500);
 *   - vpls/@junos-rt, vrf/@junos-rt: the route target in Junos' community syntax: a
 *     four-byte AS takes an "L" suffix, 4200000001L:500 ("Configuring 4-Byte AS Numbers and
 *     BGP Extended Community Attributes", Junos 12.3 and later: target:334324L:132).
 * A layer-3 multipoint VPN's <vrf> is a routing instance of type vrf (templates/junos/
 * vrf.xml): route distinguisher, vrf-target, vrf-table-label, its routed units and one
 * external BGP group with a neighbour per site's router (drv_caps.l3vpn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static const char *const junos_features[] = {
    "interfaces", "l2-stitch", "vpls", "vrf", "bgp", "policy", NULL,
};

/* "..." with \ and \" escaped; control characters are already spaces in @s. */
static void
junos_quote(struct drv_prep *p, xmlNodePtr n, const char *s)
{
    char buf[2100];
    size_t o = 0;

    buf[o++] = '"';
    for (; *s && o + 4 < sizeof buf; s++) {
        if (*s == '"' || *s == '\\') {
            buf[o++] = '\\';
        }
        buf[o++] = *s;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    drv_set_attr(p, n, "q", buf);
}

static void
junos_quote_descriptions(struct drv_prep *p, xmlNodePtr n)
{
    xmlNodePtr c;

    for (c = drv_child(n, NULL); c; c = drv_next(c, NULL)) {
        if (!strcmp((const char *)c->name, "description") && drv_attr(c, "cli")) {
            junos_quote(p, c, drv_attr(c, "cli"));
        }
        junos_quote_descriptions(p, c);
    }
}

/* vpls/@junos-rt and vrf/@junos-rt for every VPLS and VRF (@elem) with a route target. */
static nst_err
junos_route_targets(struct drv_prep *p, xmlNodePtr dev, const char *elem)
{
    xmlNodePtr v;

    for (v = drv_child(dev, elem); v; v = drv_next(v, elem)) {
        const char *rt = drv_attr(v, "route-target"), *why = NULL;
        struct drv_rt t;

        if (!rt) {
            continue;
        }
        if (drv_rt_parse(rt, &t, &why)) {
            return drv_prep_fail(p, "%s %s: route target %s: %s",
                                 strcmp(elem, "vrf") ? "VPLS" : "VRF", drv_attr(v, "name"), rt,
                                 why);
        }
        drv_set_attrf(p, v, "junos-rt", "%lu%s:%lu", (unsigned long)t.as, t.four_byte_as ? "L" : "",
                      (unsigned long)t.num);
    }
    return NST_OK;
}

/* port/@junos-tagging for every port with tagged sub-interfaces. */
static void
junos_tagging(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr port, s;

    for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
        enum drv_tagging mode = DRV_TAGGING_NONE;

        for (s = drv_child(port, "subif"); s; s = drv_next(s, "subif")) {
            xmlNodePtr m = drv_child(s, "match");
            const char *tpid = drv_attr(m, "tpid");

            mode = drv_tagging_add(mode, (unsigned)drv_attr_ul(m, "tags", 0),
                                   tpid ? (unsigned)strtoul(tpid, NULL, 16) : 0x8100);
        }
        if (mode == DRV_TAGGING_FLEXIBLE) {
            drv_set_attr(p, port, "junos-tagging", "flexible-vlan-tagging");
        } else if (mode == DRV_TAGGING_DOT1Q) {
            drv_set_attr(p, port, "junos-tagging", "vlan-tagging");
        }
    }
}

static nst_err
junos_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    nst_err ret;

    junos_quote_descriptions(p, dev);
    junos_tagging(p, dev);
    ret = junos_route_targets(p, dev, "vpls");
    if (!ret) {
        ret = junos_route_targets(p, dev, "vrf");
    }
    return ret ? ret : drv_prep_status(p);
}

/*
 * `diff --format cli`: Junos `set` / `delete` commands spelled from the schema. The CLI
 * does not say some list names (interfaces interface X is "interfaces X") and shows some
 * leaves by value alone (autonomous-system 65100); descriptions are always quoted, as the
 * prepare hook quotes them for templates/junos/<feature>.cli.xml.
 */
static const char *const junos_hidden_lists[] = {
    "interfaces/interface",
    "routing-instances/instance",
    "prefix-list/prefix-list-item",
    NULL,
};

static const char *const junos_positional[] = {
    "autonomous-system/as-number",
    "local-as/as-number",
    "route-distinguisher/rd-type",
    "vrf-target/community",
    "teardown/limit-threshold",
    "idle-timeout/timeout",
    NULL,
};

static const char *const junos_quoted[] = {"description", NULL};

/* What the templates write as one command. */
static const struct drv_cli_rule junos_cli_rules[] = {
    {"/configuration/interfaces/interface/unit/vlan-tags", DRV_CLI_STMT,
     "vlan-tags outer {outer}{?inner| inner }{inner}{?inner-range| inner-range }{inner-range}"
     "{?inner-list| inner-list [ }{inner-list:all}{?inner-list| ]}",
     NULL, NULL},
    {"/configuration/protocols/bgp/group/neighbor/family/inet/unicast/prefix-limit/teardown",
     DRV_CLI_STMT,
     "teardown{?limit-threshold| }{limit-threshold}{?idle-timeout| idle-timeout }"
     "{idle-timeout/timeout}",
     NULL, NULL},
    {"/configuration/protocols/bgp/group/neighbor/family/inet6/unicast/prefix-limit/teardown",
     DRV_CLI_STMT,
     "teardown{?limit-threshold| }{limit-threshold}{?idle-timeout| idle-timeout }"
     "{idle-timeout/timeout}",
     NULL, NULL},
    /* A VRF's sessions to the sites' routers (vrf.xml): the same prefix limit. */
    {"/configuration/routing-instances/instance/protocols/bgp/group/neighbor/family/inet/unicast/"
     "prefix-limit/teardown",
     DRV_CLI_STMT,
     "teardown{?limit-threshold| }{limit-threshold}{?idle-timeout| idle-timeout }"
     "{idle-timeout/timeout}",
     NULL, NULL},
    /* A dual-stack circuit's IPv6 session (6VPE). */
    {"/configuration/routing-instances/instance/protocols/bgp/group/neighbor/family/inet6/unicast/"
     "prefix-limit/teardown",
     DRV_CLI_STMT,
     "teardown{?limit-threshold| }{limit-threshold}{?idle-timeout| idle-timeout }"
     "{idle-timeout/timeout}",
     NULL, NULL},
    {"/configuration/policy-options/policy-statement/term/then/metric", DRV_CLI_STMT,
     "metric {metric}", NULL, NULL},
    {"/configuration/policy-options/policy-statement/term/then/next-hop", DRV_CLI_STMT,
     "next-hop {address}", NULL, NULL},
    {"/configuration/policy-options/policy-statement/term/then/community", DRV_CLI_STMT,
     "community {choice-ident} {community-name}", NULL, NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect junos_cli = {
    .style = DRV_CLI_SET,
    .comment = "#",
    .set_cmd = "set",
    .del_cmd = "delete",
    .root = "configuration",
    .hidden_lists = junos_hidden_lists,
    .positional = junos_positional,
    .quoted = junos_quoted,
    .rules = junos_cli_rules,
};

/* The media MTU of a physical interface (diff's MTU-MISMATCH). */
static const struct drv_port_mtu junos_port_mtu = {"/configuration/interfaces/interface", "name",
                                                   "mtu"};

/* drv_ops.bundle_problem: unit vlan-tags inner-list takes plain VLAN ids (no TPID); one
 * range (inner-range TPID.lo-hi) or all of them takes any C-tag TPID. */
static const char *
junos_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    if (!all && nranges > 1 && !inner_8100) {
        return "Junos inner-list takes no TPID; one range (inner-range) does";
    }
    return NULL;
}

const struct drv_ops drv_junos_ops = {
    .name = "junos",
    .vendor = "junos",
    .mtu_meaning_name = "Junos media MTU: L2 header + tags",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L2_TAGS,
            .core_reserve = 4,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .tpid_per_subif = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .double_tag_match = true,
            .rewrite_one_tag = true,
            .rewrite_two_tags = true,
            .l3_double_tag = true,
            .vpls_ldp = true,
            .vpls_bgp = true,
            .vpls_spoke_pw = true, /* docs/drivers.md §13 */
            .l3vpn = true,         /* docs/drivers.md, layer-3 multipoint VPNs */
            .l3vpn_v6 = true,      /* 6VPE circuits: docs/drivers.md §14 */
            .candidate = true,
            .writable_running = false,
            .confirmed_commit = 10,
            .confirm_timeout_minutes = false,
            .ebgp_default_deny = false, /* UNCONFIRMED: believed to accept by default */
            .vpls_rt_four_byte_as = true,
            /* "flexible-vlan-tagging counts 8 bytes (S+C), vlan-tagging 4" (docs/vendors.md
             * A.6, from Juniper's IRB and media MTU documentation). */
            .flexible_tagging_counts_two = true,
            .vpls_ve_id_max = 65534,
            .bgp = DRV_BGP_IPV6 | DRV_BGP_V6_OVER_V4 | DRV_BGP_BFD | DRV_BGP_PREPEND | DRV_BGP_MED |
                   DRV_BGP_COMMUNITY | DRV_BGP_COMMUNITY_MATCH | DRV_BGP_LARGE_COMMUNITY |
                   DRV_BGP_MULTIHOP | DRV_BGP_NO_PREPEND | DRV_BGP_REPLACE_AS | DRV_BGP_LIMIT |
                   DRV_BGP_LIMIT_RESTART,
        },
    .tpl_vendor = "junos",
    .features = junos_features,
    .prepare = junos_prepare,
    .cli = &junos_cli,
    .port_mtu = &junos_port_mtu,
    .bundle_problem = junos_bundle_problem,
};

/*
 * BGP state reader (docs/vendors.md A.8): the RPC <get-bgp-neighbor-information> of
 * junos-rpc-bgp; its output is <bgp-information> with one <bgp-peer> per neighbor:
 * peer-address ("198.51.100.1+179", the port after '+'), peer-state (Junos spells the
 * FSM states as RFC 4271 does), elapsed-time ("1:02:03", "2d 3:04:05" or seconds) and per
 * RIB the received, accepted and advertised prefix counts; inet.0 is IPv4 unicast, inet6.0
 * IPv6 unicast, and a routing instance's are VRF.inet.0 and VRF.inet6.0; peer-cfg-rti
 * names the instance the peer is configured in (master: the global table). Without
 * input the RPC reports the peers of every instance (Juniper, "show bgp neighbor":
 * "none: Display information about all BGP peers").
 */
#define JUNOS_BGP_NS "http://yang.juniper.net/junos/rpc/bgp"

static long long
junos_elapsed(const char *s)
{
    long long d = 0, h = 0, m = 0, sec = 0;

    if (!*s) {
        return -1;
    }
    if (sscanf(s, "%lldd %lld:%lld:%lld", &d, &h, &m, &sec) == 4) {
        return ((d * 24 + h) * 60 + m) * 60 + sec;
    }
    if (sscanf(s, "%lld:%lld:%lld", &h, &m, &sec) == 3) {
        return (h * 60 + m) * 60 + sec;
    }
    if (sscanf(s, "%lld:%lld", &m, &sec) == 2) {
        return m * 60 + sec;
    }
    return drv_state_num(s);
}

static nst_err
junos_state_parse(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why, size_t whylen)
{
    xmlDocPtr doc = drv_state_parse_xml(xml, why, whylen);
    xmlNodePtr info, peer, rib;
    char buf[128];
    nst_err ret = NST_OK;

    if (!doc) {
        return NST_EINPUT;
    }
    info = drv_state_child(xmlDocGetRootElement(doc), JUNOS_BGP_NS, "bgp-information");
    for (peer = drv_state_child(info, JUNOS_BGP_NS, "bgp-peer"); peer && !ret;
         peer = drv_state_next(peer, JUNOS_BGP_NS, "bgp-peer")) {
        struct drv_bgp_peer p = drv_state_peer_unknown();

        drv_state_text(peer, "peer-address", p.addr, sizeof p.addr);
        p.addr[strcspn(p.addr, "+")] = '\0';
        drv_state_text(peer, "peer-state", p.state, sizeof p.state);
        /* The routing instance the peer is configured in (master: the global table). */
        drv_state_text(peer, "peer-cfg-rti", p.vrf, sizeof p.vrf);
        drv_state_vrf_norm(p.vrf);
        if (!p.addr[0] || !p.state[0]) {
            snprintf(why, whylen, "a <bgp-peer> without peer-address or peer-state");
            ret = NST_EINPUT;
            break;
        }
        if (!strcmp(p.state, "Established")) {
            p.uptime_s = junos_elapsed(drv_state_text(peer, "elapsed-time", buf, sizeof buf));
        }
        for (rib = drv_state_child(peer, JUNOS_BGP_NS, "bgp-rib"); rib;
             rib = drv_state_next(rib, JUNOS_BGP_NS, "bgp-rib")) {
            /* inet.0 and inet6.0, or a routing instance's VRF.inet.0 and VRF.inet6.0. */
            const char *rn = drv_state_text(rib, "name", buf, sizeof buf);
            size_t rl = strlen(rn);
            int af = (!strcmp(rn, "inet.0") || (rl > 7 && !strcmp(rn + rl - 7, ".inet.0")))
                         ? DRV_AF_IPV4
                     : (!strcmp(rn, "inet6.0") || (rl > 8 && !strcmp(rn + rl - 8, ".inet6.0")))
                         ? DRV_AF_IPV6
                         : -1;
            long long rx, acc;

            if (af < 0) {
                continue;
            }
            /* Without peer-cfg-rti (it is not in every release's output), the instance
             * is the one the peer's RIB names: VRF.inet.0. */
            if (!p.vrf[0] && strcmp(rn, "inet.0") && strcmp(rn, "inet6.0")) {
                snprintf(p.vrf, sizeof p.vrf, "%.*s", (int)(rl - (af == DRV_AF_IPV4 ? 7 : 8)), rn);
            }
            rx = drv_state_num(drv_state_text(rib, "received-prefix-count", buf, sizeof buf));
            acc = drv_state_num(drv_state_text(rib, "accepted-prefix-count", buf, sizeof buf));
            drv_state_family(&p, af, rx, acc);
            drv_state_advertised(
                &p, af,
                drv_state_num(drv_state_text(rib, "advertised-prefix-count", buf, sizeof buf)));
        }
        ret = drv_state_add(peers, n, &p);
    }
    xmlFreeDoc(doc);
    return ret;
}

const struct drv_state_ops drv_junos_state = {
    .kind = DRV_STATE_RPC,
    .op = "get-bgp-neighbor-information",
    .request = "<get-bgp-neighbor-information xmlns=\"" JUNOS_BGP_NS "\"/>",
    .module = "junos-rpc-bgp",
    .module_dir = "junos",
    .models = (const char *const[]){"junos-rpc-bgp", NULL},
    .parse = junos_state_parse,
};
