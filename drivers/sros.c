/*
 * sros.c: the Nokia SR OS (model-driven, nokia-conf) driver.
 *
 * Capabilities (docs/vendors.md): port ethernet mtu counts DA+SA+Ethertype and tags (access
 * defaults null 1514, dot1q 1518, qinq 1522). The QinQ outer TPID is the port's
 * qinq-etype, so per port. SAP tags are service-delimiting: two SAPs in one service
 * re-tag implicitly, which covers one- and two-tag rewrites. eBGP default-reject
 * since 19.5 (RFC 8212). Candidate and running, confirmed-commit with persist (1.1).
 *
 * Rendering (templates/sros/, docs/drivers.md): nokia-conf under one <configure>. A
 * local stitch and a VPLS are both VPLS services (the device models have no epipe):
 * the SAPs' tags are service-delimiting, so each SAP strips its own tags and the other
 * side's are pushed on egress, the IR's symmetric pop. service-mtu is the IP MTU + 14.
 * Every service uses customer "1", which SR OS always has. The prepare hook adds:
 *   - port/@sros-mode (access; hybrid when a layer-3 interface rides the port),
 *     @sros-encap (qinq when a sub-interface has two tags, dot1q for one, else null),
 *     @sros-qinq-etype / @sros-dot1q-etype: the port's outer TPID in decimal (34984 for
 *     0x88a8; docs/vendors.md: decimal is the safe form);
 *   - subif/@sap: the SAP id on that port ("1/1/1:1100.2101"; one tag on a QinQ port is
 *     "X.*", untagged "0.*"; on a dot1q port "X" or "0"; on a null port the port), and
 *     for a layer-3 one @sros-if, the Base router (or VPRN) interface name, fitted to 32;
 *   - ac/@sap for the attachment circuits of stitches and VPLS;
 *   - l2-stitch and vpls: @sros-name (fitted to 64), @sros-id (the service id: the
 *     VPLS id, folded into 1..2147483647; for a stitch 2000000000 + a hash of its name
 *     modulo 10^8, stable across compiles);
 *   - LDP neighbours: @sros-sdp-bind "SDP:VC". netstitch does not create SDPs (they are
 *     not in the device models); the SDP towards a neighbour must exist and is numbered
 *     after the neighbour's address: its last octet, or, when two neighbours of the
 *     device share a last octet, (third octet * 256 + last octet) % 17407 + 1;
 *   - BGP VPLS: @sros-ve-name (the device name, fitted to 32), @sros-max-ve (the IR's
 *     ve-max, else 65535);
 *   - bgp/neighbor/@sros-group (one group per session), @sros-import, @sros-export
 *     (and the same on each neighbor/family), prefix-list/@sros-name, policy/@sros-name,
 *     @sros-pl, @sros-cset (its community set), match-*-community/@sros-name: names
 *     fitted to 64;
 *   - vrf (an L3VPN's VPRN, docs/drivers.md §14): @sros-name, @sros-id (the VPN id, as a
 *     VPLS id), @sros-desc and @sros-desc-q (its description), its neighbours' group and
 *     policy names as for bgp; a routed sub-interface in a VRF gets its SAP and @sros-if like any other and leaves
 *     the port in access mode (a VPRN SAP); two services of the device with one service
 *     id are refused;
 *   - description/@sros (the text cut to the 80 characters SR OS takes) and @q (the
 *     CLI-safe text cut the same way, quoted for MD-CLI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define SROS_NAME_MAX 64
#define SROS_IF_NAME_MAX 32 /* router and VPRN interface-name: 1..32 (nokia-conf) */
#define SROS_VE_NAME_MAX 32
#define SROS_DESC_MAX 80
#define SROS_SERVICE_ID_MAX 2147483647ul
#define SROS_STITCH_ID_BASE 2000000000ul
#define SROS_STITCH_ID_SPAN 100000000ul
#define SROS_SDP_MAX 17407u
#define SROS_MAX_NEIGHBORS 256

static const char *const sros_features[] = {
    "interfaces", "l2-stitch", "vpls", "policy", "vrf", "bgp", NULL,
};

static void
sros_fit(struct drv_prep *p, xmlNodePtr n, const char *attr, const char *src, size_t max)
{
    char buf[128];

    if (src) {
        drv_set_attr(p, n, attr, drv_fit_name(src, max, buf, sizeof buf));
    }
}

/* TPID "0x88a8" in decimal. */
static void
sros_etype(struct drv_prep *p, xmlNodePtr port, const char *attr, const char *tpid)
{
    unsigned long v = tpid ? strtoul(tpid, NULL, 16) : 0x8100;

    drv_set_attrf(p, port, attr, "%lu", v ? v : 0x8100ul);
}

static void
sros_port(struct drv_prep *p, xmlNodePtr port)
{
    const char *name = drv_attr(port, "name"), *tpid = NULL;
    unsigned long maxtags = 0;
    int l3 = 0;
    xmlNodePtr sub, m;

    if (!drv_child(port, "subif") || !name) {
        return;
    }
    for (sub = drv_child(port, "subif"); sub; sub = drv_next(sub, "subif")) {
        unsigned long tags = drv_attr_ul(drv_child(sub, "match"), "tags", 0);

        maxtags = tags > maxtags ? tags : maxtags;
        if (tags && !tpid) {
            tpid = drv_attr(drv_child(sub, "match"), "tpid");
        }
        /* A routed circuit of an L3VPN is a VPRN interface on an access SAP; only a Base
         * router interface needs the port in hybrid mode. */
        if (drv_attr(sub, "kind") && !strcmp(drv_attr(sub, "kind"), "l3") &&
            !drv_attr(sub, "vrf")) {
            l3 = 1;
        }
    }
    /* A shared exchange port (netstitch-exchange) keeps its mode, encap-type and etype. */
    if (!drv_attr(port, "shared")) {
        drv_set_attr(p, port, "sros-mode", l3 ? "hybrid" : "access");
        drv_set_attr(p, port, "sros-encap", maxtags >= 2 ? "qinq" : maxtags ? "dot1q" : "null");
        if (maxtags >= 2) {
            sros_etype(p, port, "sros-qinq-etype", tpid);
        } else if (maxtags) {
            sros_etype(p, port, "sros-dot1q-etype", tpid);
        }
    }
    for (sub = drv_child(port, "subif"); sub; sub = drv_next(sub, "subif")) {
        unsigned long tags;
        const char *outer, *inner;

        m = drv_child(sub, "match");
        tags = drv_attr_ul(m, "tags", 0);
        outer = drv_attr(m, "outer");
        inner = drv_attr(m, "inner");
        if (maxtags >= 2) {
            if (tags == 2 && drv_attr(m, "inner-any")) {
                /* Port-based QinQ (netstitch-qinq, all C-VLANs): the SAP takes the S-tag
                 * and passes every C-tag through. check_qinq.c refuses C-VLAN lists. */
                drv_set_attrf(p, sub, "sap", "%s:%s.*", name, outer);
            } else if (tags == 2) {
                drv_set_attrf(p, sub, "sap", "%s:%s.%s", name, outer, inner);
            } else {
                drv_set_attrf(p, sub, "sap", "%s:%s.*", name, tags ? outer : "0");
            }
        } else if (maxtags == 1) {
            drv_set_attrf(p, sub, "sap", "%s:%s", name, tags ? outer : "0");
        } else {
            drv_set_attr(p, sub, "sap", name);
        }
        if (drv_attr(sub, "kind") && !strcmp(drv_attr(sub, "kind"), "l3")) {
            char ifname[160];

            snprintf(ifname, sizeof ifname, "%s-hop%s",
                     drv_attr(sub, "connection") ? drv_attr(sub, "connection") : "netstitch",
                     drv_attr(sub, "hop") ? drv_attr(sub, "hop") : "0");
            sros_fit(p, sub, "sros-if", ifname, SROS_IF_NAME_MAX);
        }
    }
}

/* The SAP of the sub-interface an attachment circuit names. */
static void
sros_acs(struct drv_prep *p, xmlNodePtr dev, xmlNodePtr parent)
{
    xmlNodePtr ac, port, sub;

    for (ac = drv_child(parent, "ac"); ac; ac = drv_next(ac, "ac")) {
        const char *pn = drv_attr(ac, "port"), *sn = drv_attr(ac, "subif");

        for (port = drv_child(dev, "port"); port; port = drv_next(port, "port")) {
            if (!pn || !drv_attr(port, "name") || strcmp(pn, drv_attr(port, "name"))) {
                continue;
            }
            for (sub = drv_child(port, "subif"); sub; sub = drv_next(sub, "subif")) {
                if (sn && drv_attr(sub, "id") && !strcmp(sn, drv_attr(sub, "id"))) {
                    drv_set_attr(p, ac, "sap", drv_attr(sub, "sap"));
                }
            }
        }
    }
}

/*
 * @s as SR OS takes a description (nokia-types-sros description: 7-bit printable
 * ASCII, at most @max characters): a control character becomes a space, each UTF-8
 * sequence one '?', and the text is cut at @max characters.
 */
static void
sros_ascii(const char *s, size_t max, char *buf, size_t len)
{
    size_t n = 0, o = 0;

    while (s[n] && o < max && o + 1 < len) {
        unsigned char ch = (unsigned char)s[n++];

        if (ch >= 0x80) {
            while (((unsigned char)s[n] & 0xC0) == 0x80) {
                n++;
            }
            ch = '?';
        } else if (ch < 0x20 || ch == 0x7f) {
            ch = ' ';
        }
        buf[o++] = (char)ch;
    }
    buf[o] = '\0';
}

/*
 * Descriptions as SR OS takes them (sros_ascii): @sros for the payload, @q the same
 * text in MD-CLI double quotes.
 */
/* @text cut to SR OS' 80 ASCII characters as attribute @attr of @n, and in MD-CLI double
 * quotes (backslash before '"' and '\\') as @qattr. */
static void
sros_desc_attrs(struct drv_prep *p, xmlNodePtr n, const char *text, const char *attr,
                const char *qattr)
{
    char cut[SROS_DESC_MAX * 4 + 1], q[SROS_DESC_MAX * 8 + 3];
    size_t o = 0, i;

    sros_ascii(text, SROS_DESC_MAX, cut, sizeof cut);
    drv_set_attr(p, n, attr, cut);
    q[o++] = '"';
    for (i = 0; cut[i]; i++) {
        if (cut[i] == '"' || cut[i] == '\\') {
            q[o++] = '\\';
        }
        q[o++] = cut[i];
    }
    q[o++] = '"';
    q[o] = '\0';
    drv_set_attr(p, n, qattr, q);
}

static void
sros_descriptions(struct drv_prep *p, xmlNodePtr n)
{
    xmlNodePtr c;

    for (c = drv_child(n, NULL); c; c = drv_next(c, NULL)) {
        const char *cli = drv_attr(c, "cli"), *raw = drv_child_text(n, "description");

        if (!strcmp((const char *)c->name, "description") && cli && *cli && raw) {
            sros_desc_attrs(p, c, raw, "sros", "q");
        }
        sros_descriptions(p, c);
    }
}

static unsigned
sros_octet(const char *addr, int which)
{
    unsigned o[4] = {0};

    if (!addr || sscanf(addr, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]) != 4) {
        return 0;
    }
    return o[which] & 255;
}

/* SDP ids for every distinct LDP neighbour address of the device (see the file comment). */
static nst_err
sros_sdps(struct drv_prep *p, xmlNodePtr dev)
{
    const char *addrs[SROS_MAX_NEIGHBORS];
    size_t n = 0, i, j;
    int wide = 0;
    xmlNodePtr v, nb;

    for (v = drv_child(dev, "vpls"); v; v = drv_next(v, "vpls")) {
        for (nb = drv_child(v, "neighbor"); nb; nb = drv_next(nb, "neighbor")) {
            const char *a = drv_attr(nb, "address");

            for (i = 0; a && i < n && strcmp(addrs[i], a); i++) {
            }
            if (a && i == n) {
                if (n == SROS_MAX_NEIGHBORS) {
                    return drv_prep_fail(p, "more than %d VPLS neighbours", SROS_MAX_NEIGHBORS);
                }
                addrs[n++] = a;
            }
        }
    }
    for (i = 0; i < n; i++) {
        wide |= !sros_octet(addrs[i], 3);
        for (j = i + 1; j < n; j++) {
            wide |= sros_octet(addrs[i], 3) == sros_octet(addrs[j], 3);
        }
    }
    for (v = drv_child(dev, "vpls"); v; v = drv_next(v, "vpls")) {
        for (nb = drv_child(v, "neighbor"); nb; nb = drv_next(nb, "neighbor")) {
            const char *a = drv_attr(nb, "address");
            unsigned sdp = wide ? (sros_octet(a, 2) * 256u + sros_octet(a, 3)) % SROS_SDP_MAX + 1
                                : sros_octet(a, 3);

            drv_set_attrf(p, nb, "sros-sdp-bind", "%u:%s", sdp,
                          drv_attr(nb, "pw-id") ? drv_attr(nb, "pw-id") : "1");
        }
    }
    if (wide) {
        for (i = 0; i < n; i++) {
            for (j = i + 1; j < n; j++) {
                if ((sros_octet(addrs[i], 2) * 256u + sros_octet(addrs[i], 3)) % SROS_SDP_MAX ==
                    (sros_octet(addrs[j], 2) * 256u + sros_octet(addrs[j], 3)) % SROS_SDP_MAX) {
                    return drv_prep_fail(p, "VPLS neighbours %s and %s map to the same SDP id",
                                         addrs[i], addrs[j]);
                }
            }
        }
    }
    return NST_OK;
}


/* Group and policy names of the eBGP neighbours of @inst (an IR <bgp> or <vrf>). */
static void
sros_peers(struct drv_prep *p, xmlNodePtr inst)
{
    xmlNodePtr c, f;

    for (c = drv_child(inst, "neighbor"); c; c = drv_next(c, "neighbor")) {
        sros_fit(p, c, "sros-group", drv_attr(c, "name"), SROS_NAME_MAX);
        sros_fit(p, c, "sros-import", drv_attr(c, "import"), SROS_NAME_MAX);
        sros_fit(p, c, "sros-export", drv_attr(c, "export"), SROS_NAME_MAX);
        for (f = drv_child(c, "family"); f; f = drv_next(f, "family")) {
            sros_fit(p, f, "sros-import", drv_attr(f, "import"), SROS_NAME_MAX);
            sros_fit(p, f, "sros-export", drv_attr(f, "export"), SROS_NAME_MAX);
        }
    }
}

/* A service id as a VPLS gets one: the number itself, folded into 1..2147483647. */
static unsigned long
sros_fold_id(unsigned long id)
{
    return id <= SROS_SERVICE_ID_MAX ? id : (id - 1) % SROS_SERVICE_ID_MAX + 1;
}

/*
 * An L3VPN VRF as a VPRN (templates/sros/vrf.xml): @sros-name (fitted to 64), @sros-id (the
 * VPN id folded as a VPLS id is), @sros-desc (the service description cut to SR OS' 80
 * characters) and @sros-desc-q (the same in MD-CLI quotes).
 */
static void
sros_vrf(struct drv_prep *p, xmlNodePtr v)
{
    char text[256];

    sros_fit(p, v, "sros-name", drv_attr(v, "name"), SROS_NAME_MAX);
    drv_set_attrf(p, v, "sros-id", "%lu", sros_fold_id(drv_attr_ul(v, "vpn-id", 1)));
    snprintf(text, sizeof text, "netstitch %s: L3VPN %s",
             drv_attr(v, "connection") ? drv_attr(v, "connection") : "",
             drv_attr(v, "name") ? drv_attr(v, "name") : "");
    sros_desc_attrs(p, v, text, "sros-desc", "sros-desc-q");
}

/*
 * Service ids and names are unique across a router's services of every type (a VPLS and a
 * VPRN with the same id or name cannot both exist): two services of the device that fold
 * to the same id, or are fitted to the same name, cannot be rendered. The checker cannot
 * see the fold, so it is refused here (DRIVER-UNSUPPORTED at the device) rather than on
 * the router.
 */
static nst_err
sros_service_ids(struct drv_prep *p, xmlNodePtr dev)
{
    static const char *const kinds[] = {"l2-stitch", "vpls", "vrf"};
    xmlNodePtr a, b;
    size_t i, j;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (a = drv_child(dev, kinds[i]); a; a = drv_next(a, kinds[i])) {
            for (j = i; j < sizeof kinds / sizeof kinds[0]; j++) {
                for (b = j == i ? drv_next(a, kinds[j]) : drv_child(dev, kinds[j]); b;
                     b = drv_next(b, kinds[j])) {
                    const char *x = drv_attr(a, "sros-id"), *y = drv_attr(b, "sros-id");
                    const char *xn = drv_attr(a, "sros-name"), *yn = drv_attr(b, "sros-name");

                    if (x && y && !strcmp(x, y)) {
                        return drv_prep_fail(p,
                                             "%s %s and %s %s would both be SR OS service %s "
                                             "(service ids are unique across all services); "
                                             "give one of them another VPN or VPLS id",
                                             kinds[i], drv_attr(a, "name"), kinds[j],
                                             drv_attr(b, "name"), x);
                    }
                    if (xn && yn && !strcmp(xn, yn)) {
                        return drv_prep_fail(p,
                                             "%s %s and %s %s would both be the SR OS service "
                                             "named \"%s\" (service names are unique across "
                                             "all services); rename one of them",
                                             kinds[i], drv_attr(a, "name"), kinds[j],
                                             drv_attr(b, "name"), xn);
                    }
                }
            }
        }
    }
    return NST_OK;
}

static nst_err
sros_prepare(struct drv_prep *p, xmlNodePtr dev)
{
    const char *devname = drv_attr(dev, "name");
    xmlNodePtr n, c;
    nst_err ret;

    sros_descriptions(p, dev);
    for (n = drv_child(dev, "port"); n; n = drv_next(n, "port")) {
        sros_port(p, n);
    }
    for (n = drv_child(dev, "l2-stitch"); n; n = drv_next(n, "l2-stitch")) {
        const char *name = drv_attr(n, "name");

        sros_fit(p, n, "sros-name", name, SROS_NAME_MAX);
        drv_set_attrf(p, n, "sros-id", "%lu",
                      SROS_STITCH_ID_BASE + drv_hash(name) % SROS_STITCH_ID_SPAN);
        sros_acs(p, dev, n);
    }
    for (n = drv_child(dev, "vpls"); n; n = drv_next(n, "vpls")) {
        unsigned long id = drv_attr_ul(n, "vpls-id", 1);

        sros_fit(p, n, "sros-name", drv_attr(n, "name"), SROS_NAME_MAX);
        drv_set_attrf(p, n, "sros-id", "%lu", sros_fold_id(id));
        sros_fit(p, n, "sros-ve-name", devname, SROS_VE_NAME_MAX);
        drv_set_attr(p, n, "sros-max-ve", drv_attr(n, "ve-max") ? drv_attr(n, "ve-max") : "65535");
        sros_acs(p, dev, n);
    }
    for (n = drv_child(dev, "vrf"); n; n = drv_next(n, "vrf")) {
        sros_vrf(p, n);
    }
    ret = sros_service_ids(p, dev);
    if (ret) {
        return ret;
    }
    ret = sros_sdps(p, dev);
    if (ret) {
        return ret;
    }
    for (n = drv_child(dev, "bgp"); n; n = drv_next(n, "bgp")) {
        sros_peers(p, n);
    }
    for (n = drv_child(dev, "vrf"); n; n = drv_next(n, "vrf")) {
        sros_peers(p, n);
    }
    for (n = drv_child(dev, "prefix-list"); n; n = drv_next(n, "prefix-list")) {
        sros_fit(p, n, "sros-name", drv_attr(n, "name"), SROS_NAME_MAX);
    }
    for (n = drv_child(dev, "policy"); n; n = drv_next(n, "policy")) {
        sros_fit(p, n, "sros-name", drv_attr(n, "name"), SROS_NAME_MAX);
        sros_fit(p, n, "sros-pl", drv_attr(n, "prefix-list"), SROS_NAME_MAX);
        if (drv_attr(n, "community-set")) {
            sros_fit(p, n, "sros-cset", drv_attr(n, "community-set"), SROS_NAME_MAX);
        }
        for (c = drv_child(n, NULL); c; c = drv_next(c, NULL)) {
            if (drv_attr(c, "name") && !strncmp((const char *)c->name, "match-", 6)) {
                sros_fit(p, c, "sros-name", drv_attr(c, "name"), SROS_NAME_MAX);
            }
        }
    }
    return drv_prep_status(p);
}

/*
 * `diff --format cli`: Nokia MD-CLI, "/configure ..." and "delete /configure ..." spelled
 * from the schema; strings in double quotes except the names MD-CLI shows bare.
 */
static const char *const sros_bare[] = {
    "port-id",   "sap-id",     "sdp-bind-id", "ip-prefix",           "port", "address",
    "router-id", "qinq-etype", "dot1q-etype", "next-hop/ip-address", NULL,
};

/*
 * Customer "1" exists on every SR OS: the payload carries it only so that the services'
 * leafref validates (docs/drivers.md), the CLI never sets it. The rest: what the templates
 * write as one command.
 */
static const struct drv_cli_rule sros_cli_rules[] = {
    {"/configure/service/customer", DRV_CLI_SKIP, NULL, NULL, NULL},
    {"/configure/router/interface/ipv4/primary", DRV_CLI_STMT,
     "primary address {address} prefix-length {prefix-length}", NULL, NULL},
    {"/configure/service/vprn/interface/ipv4/primary", DRV_CLI_STMT,
     "primary address {address} prefix-length {prefix-length}", NULL, NULL},
    {"/configure/service/vpls/bgp-vpls/ve", DRV_CLI_STMT, "ve name {name} id {id}", NULL, NULL},
    {NULL, DRV_CLI_SKIP, NULL, NULL, NULL},
};

static const struct drv_cli_dialect sros_cli = {
    .style = DRV_CLI_MDCLI,
    .comment = "#",
    .set_cmd = "/configure",
    .del_cmd = "delete /configure",
    .root = "configure",
    .bare = sros_bare,
    .rules = sros_cli_rules,
};

/* The port's Ethernet MTU (diff's MTU-MISMATCH). */
static const struct drv_port_mtu sros_port_mtu = {"/configure/port", "port-id", "ethernet/mtu"};

/* drv_ops.bundle_problem: a QinQ SAP port:S.C matches one C-tag or all of them (S.*). */
static const char *
sros_bundle_problem(bool all, size_t nranges, bool inner_8100)
{
    (void)nranges;
    (void)inner_8100;
    return all ? NULL : "an SR OS QinQ SAP matches one C-tag or all of them (S.*), not a list";
}

const struct drv_ops drv_sros_ops = {
    .name = "sros",
    .vendor = "sros",
    .mtu_meaning_name = "SR OS port MTU: L2 header + tags",
    .caps =
        {
            .mtu_meaning = DRV_MTU_L2_TAGS,
            .core_reserve = 0,
            .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
            .tpid_per_subif = 0,
            .double_tag_match = true,
            .rewrite_one_tag = true,
            .rewrite_two_tags = true,
            .l3_double_tag = true,
            .vpls_ldp = true,
            .vpls_bgp = true,
            .vpls_spoke_pw = true, /* docs/drivers.md §13 */
            .l3vpn = true,         /* vrf.xml: VPRN (docs/drivers.md) */
            .l3vpn_v6 = true, /* 6VPE circuits: docs/drivers.md §14 */
            .service_ids_shared = true, /* VPLS and VPRN service ids: one space */
            .candidate = true,
            .writable_running = true,
            .confirmed_commit = 11,
            .confirm_timeout_minutes = false,
            .bgp = DRV_BGP_IPV6 | DRV_BGP_V6_OVER_V4 | DRV_BGP_BFD | DRV_BGP_PREPEND | DRV_BGP_MED |
                   DRV_BGP_COMMUNITY | DRV_BGP_COMMUNITY_MATCH | DRV_BGP_LARGE_COMMUNITY |
                   DRV_BGP_MULTIHOP | DRV_BGP_NO_PREPEND | DRV_BGP_REPLACE_AS | DRV_BGP_LIMIT |
                   DRV_BGP_LIMIT_RESTART,
            .ebgp_default_deny = true,
            .vpls_rt_four_byte_as = true,
        },
    .tpl_vendor = "sros",
    .features = sros_features,
    .prepare = sros_prepare,
    .cli = &sros_cli,
    .port_mtu = &sros_port_mtu,
    .bundle_problem = sros_bundle_problem,
};

/*
 * BGP state reader (docs/vendors.md A.8): <get> of nokia-state
 * state/router[router-name]/bgp/neighbor[ip-address]/statistics, and a VPRN's
 * (state/service/vprn[service-name]/bgp/neighbor: an L3VPN's PE-CE sessions, the VRF named
 * by the service): session-state (spelled as RFC 4271 does), and family-prefix/ipv4 and
 * ipv6 received, active (accepted into the RIB) and sent.
 * last-established-time is a date-time; the uptime is not derived from it here.
 */
#define SROS_STATE_NS "urn:nokia.com:sros:ns:yang:sr:state"

/* The neighbors of one bgp container (a router's, or a VPRN's: @vrf its service name). */
static nst_err
sros_state_nbrs(xmlNodePtr bgp, const char *vrf, struct drv_bgp_peer **peers, size_t *n, char *why,
                size_t whylen)
{
    xmlNodePtr nb;
    char buf[128];
    nst_err ret = NST_OK;

    for (nb = drv_state_child(bgp, SROS_STATE_NS, "neighbor"); nb && !ret;
         nb = drv_state_next(nb, SROS_STATE_NS, "neighbor")) {
        struct drv_bgp_peer p = drv_state_peer_unknown();

        drv_state_text(nb, "ip-address", p.addr, sizeof p.addr);
        drv_state_text(nb, "statistics/session-state", p.state, sizeof p.state);
        snprintf(p.vrf, sizeof p.vrf, "%s", vrf);
        drv_state_vrf_norm(p.vrf);
        if (!p.addr[0] || !p.state[0]) {
            snprintf(why, whylen, "a neighbor without ip-address or session-state");
            return NST_EINPUT;
        }
        for (int af = DRV_AF_IPV4; af <= DRV_AF_IPV6; af++) {
            static const char *const fam[2] = {"ipv4", "ipv6"};
            char path[64], buf2[32];
            long long rx, acc, sent;

            snprintf(path, sizeof path, "statistics/family-prefix/%s/received", fam[af]);
            rx = drv_state_num(drv_state_text(nb, path, buf, sizeof buf));
            snprintf(path, sizeof path, "statistics/family-prefix/%s/active", fam[af]);
            acc = drv_state_num(drv_state_text(nb, path, buf2, sizeof buf2));
            snprintf(path, sizeof path, "statistics/family-prefix/%s/sent", fam[af]);
            sent = drv_state_num(drv_state_text(nb, path, buf2, sizeof buf2));
            if (rx >= 0 || acc >= 0) {
                drv_state_family(&p, af, rx, acc);
            }
            if (sent >= 0) {
                drv_state_advertised(&p, af, sent);
            }
        }
        ret = drv_state_add(peers, n, &p);
    }
    return ret;
}

static nst_err
sros_state_parse(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why, size_t whylen)
{
    xmlDocPtr doc = drv_state_parse_xml(xml, why, whylen);
    xmlNodePtr state, router, vprn;
    char buf[128];
    nst_err ret = NST_OK;

    if (!doc) {
        return NST_EINPUT;
    }
    state = drv_state_child(xmlDocGetRootElement(doc), SROS_STATE_NS, "state");
    for (router = drv_state_child(state, SROS_STATE_NS, "router"); router && !ret;
         router = drv_state_next(router, SROS_STATE_NS, "router")) {
        ret = sros_state_nbrs(drv_state_child(router, SROS_STATE_NS, "bgp"), "", peers, n, why,
                              whylen);
    }
    for (vprn = drv_state_child(drv_state_child(state, SROS_STATE_NS, "service"), SROS_STATE_NS,
                                "vprn");
         vprn && !ret; vprn = drv_state_next(vprn, SROS_STATE_NS, "vprn")) {
        if (!*drv_state_text(vprn, "service-name", buf, sizeof buf)) {
            snprintf(why, whylen, "a vprn without service-name");
            ret = NST_EINPUT;
            break;
        }
        ret = sros_state_nbrs(drv_state_child(vprn, SROS_STATE_NS, "bgp"), buf, peers, n, why,
                              whylen);
    }
    xmlFreeDoc(doc);
    return ret;
}

const struct drv_state_ops drv_sros_state = {
    .kind = DRV_STATE_GET,
    .op = "get",
    .request = "<state xmlns=\"" SROS_STATE_NS "\"><router><bgp><neighbor/></bgp></router>"
               "<service><vprn><service-name/><bgp><neighbor/></bgp></vprn></service></state>",
    .module_dir = "sros",
    .models = (const char *const[]){"nokia-state", NULL},
    .parse = sros_state_parse,
};
