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

static const char *const xr_features[] = {
    "interfaces", "l2-stitch", "vpls", "policy", "bgp", NULL,
};

/* drv_ops.port_name_problem: Cisco-IOS-XR-types Interface-name is [a-zA-Z0-9._/-]+. */
static const char *
xr_port_name_problem(const char *name)
{
    if (strchr(name, ':')) {
        return "an IOS-XR interface name has no ':' (Cisco-IOS-XR-types Interface-name)";
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

static nst_err
xr_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    xmlNodePtr n;
    char buf[64];
    nst_err ret;

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

const struct drv_ops drv_iosxr_ops = {
    .name = "iosxr",
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
    .port_name_problem = xr_port_name_problem,
};
