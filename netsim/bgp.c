/*
 * bgp.c: BGP sessions and received prefixes computed from the devices' configurations.
 *
 * A push is confirmed only when the network works (docs/push.md, "The health gate"), so
 * netsim must report BGP state the way a real network would: from configuration, not from
 * fixtures. When the config file names a BGP description (`bgp = FILE`), the supervisor
 * process (main.c) calls sim_bgp_tick() every 50 ms. A tick:
 *
 *   1. notices every device whose running.xml changed (the device rewrites it atomically
 *      after every change) and reads it; the new configuration takes effect `delay-ms`
 *      later (default 1000), like a router that needs a moment to tear a session down and
 *      bring it back up, so a health gate really has to wait;
 *   2. extracts from each effective configuration the local AS, the interface addresses
 *      (IPv4 and IPv6, with the interface they sit on), every BGP neighbor (address, peer
 *      AS, local AS, authentication key, enabled, the families it carries and per family
 *      its import and export policy chain) and the prefixes the router originates in
 *      either family;
 *   3. pairs the two ends of every session: the far end is the device owning the
 *      neighbor address, or an external peer of the description (a cloud the service does
 *      not manage: its ASN, address, key and announced prefixes). A session is Established
 *      only when both ends agree: each end has an address on the other's subnet, each
 *      names the other as neighbor, each peer AS is the other's local AS, the keys are
 *      equal (or both absent) and both sides are enabled; otherwise it is Active (Idle
 *      when BGP or the neighbor is disabled);
 *   4. propagates routes over the Established sessions until nothing changes: what a
 *      router has (originated or learned) passes its export policy toward a neighbor, then
 *      that neighbor's import policy; an AS path prevents loops. A session carries the
 *      families both ends configure (IPv4 unicast, IPv6 unicast, both over one IPv4 or
 *      IPv6 transport); a route of the family other than the transport's needs a next hop
 *      of its family: the sender's address of that family on the interface holding the
 *      session, on a subnet our interface also has (else it is received, not accepted);
 *      counts are kept per family;
 *   5. writes each device's state in its vendor's model to STATEDIR/DEV/oper.xml (merged
 *      into <get> by oper.c) when it changed.
 *
 * VRFs (L3VPN, RFC 4364). A PE's VRFs are read from each vendor's configuration (Junos
 * routing-instances of instance-type vrf; IOS-XR um-vrf-cfg vrfs plus router bgp vrfs and
 * the interfaces' vrf binding; SR OS service vprn; VRP VPN instances of huawei-l3vpn with
 * the ifm vrf-name binding; OpenConfig L3VRF network instances): the route distinguisher,
 * the import and export route targets, the interfaces (their addresses move into the
 * VRF's table: a VRF neighbor is reached through them only, the global table's through
 * the others), the VRF's AS and its BGP neighbors (the CEs, usually external peers of the
 * description) with their policies, as for global ones. Each VRF is a table of its own:
 * routes learned from a VRF's neighbors stay in it. Between PEs the backbone's VPN-IPv4
 * iBGP is infrastructure netstitch does not render (docs/drivers.md), so it is modelled,
 * not read: every simulated router's VRF imports the routes another router's VRF of the
 * same AS learned from its CEs when an export route target of that VRF is an import route
 * target of this one (a VRF without a route distinguisher exports nothing); the AS path is
 * kept (iBGP), and a route learned that way is not passed on to a third PE; an SR OS VPRN
 * without auto-bind-tunnel resolution imports nothing (the routes cannot be resolved to a
 * tunnel). Routes of both families cross (VPN-IPv4 and VPN-IPv6, RFC 4659: a dual-stack
 * VRF's IPv6 CE session, over IPv6, learns the other PEs' IPv6 routes as its IPv4 one the
 * IPv4 routes), each sent to a CE only over a session carrying its family. Two VRFs of
 * one router exchange nothing (Junos does so only with auto-export; IOS-XR's import of a
 * local VRF's routes by route target is not simulated). What each
 * external peer receives (the CE's view, which no NETCONF state shows) is written to
 * STATEDIR/bgp-external/NAME. Each vendor's state reports a VRF's neighbors where the
 * vendor does (Junos peer-cfg-rti and VRF.inet.0, IOS-XR instance-active/vrfs/vrf, SR OS
 * state/service/vprn/bgp, VRP the VPN instance's peers, OpenConfig the L3VRF instance's
 * protocol), with the prefixes advertised as well as received.
 *
 * Vendors simulated: Huawei VRP (huawei-bgp peer state), OpenConfig/Arista EOS
 * (network-instance neighbor state), IOS-XR (Cisco-IOS-XR-ipv4-bgp-oper neighbors) and
 * SR OS (nokia-state router bgp neighbor statistics) in oper.xml; Junos as the canned reply
 * of <get-bgp-neighbor-information> (rpc-reply/). Junos and IOS-XR carry the time
 * established, so their state is rewritten every second. IOS-XR: route-policy RPL read as
 * one level of `if destination in SET then pass|drop` (prefix-set lines with ge/le), no
 * policy drops (RFC 8212), `network` statements originate. SR OS: policy-statement entries
 * with `from prefix-list` and accept/reject, then default-action; no policy rejects
 * (ebgp-default-reject-policy); static routes are candidates the export policy may send.
 * Junos: neighbor settings override the group's,
 * local-as overrides routing-options; policies match prefix-lists (exact) and
 * `from protocol`; no decision: Junos' default BGP policy (import all, export BGP routes);
 * static and aggregate routes are originated candidates.
 * Policies: VRP ipv4-prefix-filter import/export (default deny when a filter is named,
 * permit without one); OpenConfig policy-definitions whose statements match prefix-sets
 * (ANY/INVERT) and accept or reject; a statement without conditions matches everything;
 * no match rejects (OpenConfig's default-import/export-policy default); no policy at all
 * accepts (EOS's behaviour for eBGP, UNCONFIRMED for other OpenConfig devices).
 * Origination: VRP `network` entries of the BGP address family, EOS `network A/L` CLI
 * lines, OpenConfig static routes redistributed into BGP by a table-connection. The
 * physical path between two ends (VLANs, VPLS, QinQ through intermediate routers) is not
 * traced: only the two ends' addresses and BGP configuration count.
 *
 * The description file (line-oriented like the config file):
 *
 *   delay-ms = 1000
 *   [external aws]
 *   asn = 64512                 the external router's AS
 *   address = 169.254.100.1     its address
 *   peer-address = 169.254.100.2   the address of our router it peers with
 *   peer-as = 65101             the AS it expects our router to have
 *   key-file = secrets/aws      optional: the shared key (first line)
 *   announce = 10.22.22.0/24    repeatable: prefixes it announces (either family; each
 *                               is sent over sessions carrying its family)
 *   families = ipv4 ipv6        optional: the families it carries (default: the
 *                               transport's, as AWS runs one peer per family)
 *   next-hop = 2001:db8::1      optional: its next hop of the other family
 *   device = pe1                optional: the only simulated router it peers with
 *   vrf = corp                  optional: the table of ours it peers in (a VRF's name, or
 *                               `-` the global table): PE-CE addresses are reused across
 *                               VRFs, so two externals may share addresses
 *
 * The file is reread when it changes (an external peer reconfigured: another ASN or key,
 * other prefixes); the change counts at once. Keys are compared, never written anywhere.
 * Limits: 128 devices (more are served but not simulated), 512 external peers, 32
 * neighbors per device, 256 prefixes per router (all tables), 16 VRFs per router with 4
 * import and 4 export route targets each, policy chains of 255 characters. Route
 * attributes (communities, MED, AS-path prepend) are not simulated: policies match on
 * prefixes (and Junos `from protocol`) only; nor are VRF import/export policies (Junos
 * vrf-import/vrf-export, IOS-XR import/export route-policy, SR OS vrf-import/vrf-export):
 * route targets alone decide, nor a VRF's static routes. Prefix limits that tear a session
 * down (Junos prefix-limit teardown, IOS-XR maximum-prefix, SR OS prefix-limit, VRP
 * route-limit, OpenConfig prefix-limit) do: a neighbor sent more routes of a family than
 * its limit is Idle at both ends (bgp_limits(); Junos counts the routes received, the
 * others those accepted), judged afresh at every computation.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "alloc.h"
#include "netsim.h"

#define BGP_MAX_DEV 128
#define BGP_MAX_NBR 32
#define BGP_MAX_PFX 256
#define BGP_MAX_EXT 512
#define BGP_MAX_PATH 8
#define BGP_MAX_VRF 16
#define BGP_MAX_RT 4
#define BGP_MAX_IFN 256

/* Families: index 0 IPv4 unicast, 1 IPv6 unicast; bit (1 << index) in a family set. */
#define BGP_F4 1u
#define BGP_F6 2u

/* An address or a prefix of either family. */
struct bgp_pfx {
    uint8_t a[16]; /* network order; IPv4 in a[0..3] */
    uint8_t len;
    uint8_t fam;  /* 4 or 6 */
    uint8_t vrf;  /* interface addresses: the VRF of their interface (1 + index into the
                     device's vrfs), 0 the global table */
    uint16_t ifx; /* interface addresses: the interface they sit on (per device) */
};

/* Where a route came from, for policies that match on it (Junos `from protocol`). */
enum bgp_proto { BGP_P_BGP = 0, BGP_P_STATIC, BGP_P_AGGREGATE, BGP_P_NETWORK };

struct bgp_route {
    struct bgp_pfx p;
    enum bgp_proto proto;
    uint8_t vrf; /* the table holding it: 0 global, else 1 + the VRF's index */
    uint8_t vpn; /* learned from another PE over the VPN backbone (never sent back to it) */
    uint32_t path[BGP_MAX_PATH]; /* AS path, nearest first */
    int npath;
};

struct bgp_nbr {
    char addr[48];
    struct bgp_pfx ip; /* addr parsed (fam 0: not an address) */
    uint32_t peer_as;
    char key[256]; /* never printed */
    int enabled;
    unsigned afs; /* families configured (BGP_F4|BGP_F6) */
    /* Policy chains per family (names separated by blanks, "" = none). */
    char import[2][256], export_[2][256];
    char inst[64];     /* VRP network instance */
    uint8_t vrf;       /* 0 global, else 1 + index into the device's vrfs */
    char vname[64];    /* the VRF's name, "" global (to keep the history across reads) */
    uint32_t local_as; /* this side's AS toward the neighbor (local-as, fake-as), 0: the
                          router's */
    /* Results of the last computation. */
    int up;
    unsigned act; /* families both ends carry */
    int nh_ok[2]; /* routes of a family other than the transport's have a usable next
                     hop (an address of that family on the link, both ends) */
    unsigned rx_pre[2], rx_acc[2], sent[2];
    unsigned maxpfx[2]; /* prefix limit per family with teardown, 0 none */
    int max_pre;        /* the limit counts routes received (Junos prefix-limit), else those
                           accepted by the import policy */
    int over;           /* this computation: over the limit, the session torn down */
    char sig[512];      /* both ends' parameters, to notice a reset */
    double since;       /* supervisor clock, when the current state began */
    unsigned transitions;
};

/* A VRF (RFC 4364): its interfaces hold the PE-CE links, its neighbors are the CEs, its
 * routes are exchanged with the other PEs' VRFs by route target (bgp_vpn_exchange()). */
struct bgp_vrf {
    char name[64];
    char rd[64];                                   /* "" = none: nothing is exported */
    char imp[BGP_MAX_RT][64], exp[BGP_MAX_RT][64]; /* route targets "ASN:N" */
    int nimp, nexp;
    uint32_t as;       /* the VRF's AS (its PE-CE sessions' local AS; the backbone's iBGP runs
                          between PEs whose VRFs share it) */
    int on;            /* BGP runs in the VRF (SR OS: the VPRN is enabled) */
    int unresolved;    /* the other PEs' routes cannot be resolved to a tunnel, so none is
                          imported (SR OS: no auto-bind-tunnel resolution) */
    char oc_proto[64]; /* OpenConfig: the name of the VRF's BGP protocol */
};

enum bgp_vendor { BGP_V_NONE = 0, BGP_V_VRP, BGP_V_OC, BGP_V_JUNOS, BGP_V_XR, BGP_V_SROS };

struct bgp_dev {
    const char *name;
    enum bgp_vendor vendor;
    char *dir;
    /* running.xml identity last read */
    struct timespec mtime;
    ino_t ino;
    off_t size;
    int seen;
    int wd; /* inotify watch of dir (bgp_watch()), valid when watched */
    int watched;
    int changed;            /* something in dir changed since the last tick: look at the files */
    xmlDocPtr pending, eff; /* read, and in effect */
    double pending_at;
    /* Extracted from eff. */
    uint32_t as;
    int bgp_on;
    struct bgp_pfx addrs[BGP_MAX_PFX]; /* interface addresses: the full address, the
                                          subnet's length, the interface */
    int naddrs;
    uint16_t nifs;                /* interfaces seen so far while extracting */
    char ifname[BGP_MAX_IFN][64]; /* interface names by ifx (what VRFs bind), "" unknown */
    struct bgp_vrf vrfs[BGP_MAX_VRF];
    int nvrfs;
    struct bgp_pfx orig[BGP_MAX_PFX];
    enum bgp_proto orig_proto[BGP_MAX_PFX];
    int norig;
    long last_write_s; /* Junos: the reply carries elapsed-time, rewritten each second */
    struct bgp_nbr nbrs[BGP_MAX_NBR];
    int nnbrs;
    char oc_proto_id[256], oc_proto_name[256];
    /* Routing table (propagation). */
    struct bgp_route rib[BGP_MAX_PFX];
    int nrib;
    char *last_out; /* last oper.xml written */
};

struct bgp_ext {
    char name[64];
    uint32_t as, peer_as;
    char addr[48], peer_addr[48];
    unsigned afs; /* families it carries; 0: its transport's */
    char nh[48];  /* its next hop of the other family, "" = none */
    char dev[64]; /* "" any, else the only simulated router it peers with */
    char vrf[64]; /* "" any, "-" the global table, else the VRF of ours it peers in
                     (PE-CE addresses are reused across VRFs) */
    char key[256];
    struct bgp_pfx announce[BGP_MAX_PFX];
    int nannounce;
};

struct sim_bgp {
    unsigned delay_ms;
    struct bgp_dev devs[BGP_MAX_DEV];
    int ndevs;
    struct bgp_ext exts[BGP_MAX_EXT];
    int nexts;
    struct timespec t0;
    int dirty;
    char *path; /* the description, reread when it changes (an external peer changed) */
    char *statedir;
    char oldsig[BGP_MAX_DEV][BGP_MAX_NBR][512]; /* bgp_compute(): signatures before it */
    struct timespec desc_mtime;
    ino_t desc_ino;
    int ino_fd; /* inotify (bgp_watch()); -1 when there is none: every file every tick */
    int ino_tried;
    int desc_wd, desc_changed;
};

static double
bgp_now(const struct sim_bgp *b)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - b->t0.tv_sec) + (double)(t.tv_nsec - b->t0.tv_nsec) / 1e9;
}

/*
 * Addresses and prefixes (both families)
 */

static unsigned
bgp_maxlen(unsigned fam)
{
    return fam == 6 ? 128 : 32;
}

/* The family index (0 IPv4, 1 IPv6) of @p. */
static int
bgp_fi(const struct bgp_pfx *p)
{
    return p->fam == 6;
}

/* An IPv4 or IPv6 address into @out (len: the full length). */
static int
bgp_ip(const char *s, struct bgp_pfx *out)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, out->a) == 1) {
        out->fam = 4;
    } else if (inet_pton(AF_INET6, s, out->a) == 1) {
        out->fam = 6;
    } else {
        return -1;
    }
    out->len = (uint8_t)bgp_maxlen(out->fam);
    return 0;
}

static const char *
bgp_ntop(const struct bgp_pfx *p, char *buf, size_t len)
{
    if (!inet_ntop(p->fam == 6 ? AF_INET6 : AF_INET, p->a, buf, (socklen_t)len)) {
        buf[0] = '\0';
    }
    return buf;
}

/* The first @len bits of @x and @y are equal. */
static int
bgp_bits_eq(const uint8_t *x, const uint8_t *y, unsigned len)
{
    unsigned full = len / 8, rest = len % 8;

    if (memcmp(x, y, full)) {
        return 0;
    }
    if (rest) {
        uint8_t m = (uint8_t)(0xffu << (8 - rest));

        return (x[full] & m) == (y[full] & m);
    }
    return 1;
}

/* Clear the host bits of @p. */
static void
bgp_mask_host(struct bgp_pfx *p)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bit = i * 8;

        if (bit >= p->len) {
            p->a[i] = 0;
        } else if (bit + 8 > p->len) {
            p->a[i] &= (uint8_t)(0xffu << (8 - (p->len - bit)));
        }
    }
}

/* Prefix @q holds @p (same family, at least as long, same first q->len bits). */
static int
bgp_covers(const struct bgp_pfx *q, const struct bgp_pfx *p)
{
    return q->fam == p->fam && p->len >= q->len && bgp_bits_eq(q->a, p->a, q->len);
}

/* The same prefix (or, with full lengths, the same address). */
static int
bgp_same(const struct bgp_pfx *x, const struct bgp_pfx *y)
{
    return x->fam == y->fam && x->len == y->len && !memcmp(x->a, y->a, sizeof x->a);
}

static int
bgp_addr_eq(const struct bgp_pfx *x, const struct bgp_pfx *y)
{
    return x->fam && x->fam == y->fam && !memcmp(x->a, y->a, sizeof x->a);
}

/* "A/L" into @p (masked when @masked). */
static int
bgp_prefix(const char *s, struct bgp_pfx *p, int masked)
{
    char buf[64], *slash, *end;
    unsigned long l;

    snprintf(buf, sizeof buf, "%s", s);
    slash = strchr(buf, '/');
    if (!slash) {
        return -1;
    }
    *slash = '\0';
    l = strtoul(slash + 1, &end, 10);
    if (end == slash + 1 || bgp_ip(buf, p) || l > bgp_maxlen(p->fam)) {
        return -1;
    }
    p->len = (uint8_t)l;
    if (masked) {
        bgp_mask_host(p);
    }
    return 0;
}

/* Length of a dotted IPv4 mask. */
static unsigned
bgp_masklen(const char *mask)
{
    struct bgp_pfx m;
    unsigned n = 0;

    if (bgp_ip(mask, &m) || m.fam != 4) {
        return 32;
    }
    while (n < 32 && (m.a[n / 8] & (0x80u >> (n % 8)))) {
        n++;
    }
    return n;
}

static int
bgp_same_subnet(const struct bgp_pfx *ifa, const struct bgp_pfx *ip)
{
    return ifa->len && ifa->fam == ip->fam && bgp_bits_eq(ifa->a, ip->a, ifa->len);
}

static void
bgp_pfx_add(struct bgp_pfx *v, int *n, struct bgp_pfx p)
{
    for (int i = 0; i < *n; i++) {
        if (bgp_same(&v[i], &p)) {
            return;
        }
    }
    if (*n < BGP_MAX_PFX) {
        v[(*n)++] = p;
    }
}

/* An interface address of @d on interface @ifx (the same address may sit on two
 * interfaces of different VRFs). */
static void
bgp_addr_add(struct bgp_dev *d, struct bgp_pfx p, uint16_t ifx)
{
    p.ifx = ifx;
    p.vrf = 0;
    for (int i = 0; i < d->naddrs; i++) {
        if (bgp_same(&d->addrs[i], &p) && d->addrs[i].ifx == ifx) {
            return;
        }
    }
    if (d->naddrs < BGP_MAX_PFX) {
        d->addrs[d->naddrs++] = p;
    }
}

/* Interface @ifx of @d is called @name (what a VRF's interface list names). */
static void
bgp_ifname_set(struct bgp_dev *d, uint16_t ifx, const char *name)
{
    if (ifx < BGP_MAX_IFN) {
        snprintf(d->ifname[ifx], sizeof d->ifname[ifx], "%.63s", name);
    }
}

/* A new VRF @name of @d: its number (1 + index), 0 when the table is full. */
static uint8_t
bgp_vrf_add(struct bgp_dev *d, const char *name)
{
    struct bgp_vrf *v;

    if (d->nvrfs >= BGP_MAX_VRF) {
        return 0;
    }
    v = &d->vrfs[d->nvrfs++];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%.63s", name);
    /* By default the router's AS, BGP on when it has one (a vendor's extraction may say
     * otherwise). */
    v->as = d->as;
    v->on = d->as != 0;
    return (uint8_t)d->nvrfs;
}

/* Route target @s ("target:65000:100", "65000:100", "rt 65000:100") into VRF @vrf's import
 * and/or export set, as "ASN:N". */
static void
bgp_vrf_rt(struct bgp_dev *d, uint8_t vrf, const char *s, int import, int export)
{
    struct bgp_vrf *v = vrf ? &d->vrfs[vrf - 1] : NULL;
    char rt[64];

    if (!v || !*s) {
        return;
    }
    if (!strncmp(s, "target:", 7)) {
        s += 7;
    }
    snprintf(rt, sizeof rt, "%s", s);
    if (import && v->nimp < BGP_MAX_RT) {
        snprintf(v->imp[v->nimp++], sizeof v->imp[0], "%s", rt);
    }
    if (export && v->nexp < BGP_MAX_RT) {
        snprintf(v->exp[v->nexp++], sizeof v->exp[0], "%s", rt);
    }
}

/* Interface @name of @d belongs to VRF @vrf: its addresses move into the VRF's table. */
static void
bgp_vrf_bind(struct bgp_dev *d, uint8_t vrf, const char *name)
{
    for (int i = 0; i < d->naddrs; i++) {
        uint16_t ifx = d->addrs[i].ifx;

        if (ifx < BGP_MAX_IFN && *name && !strcmp(d->ifname[ifx], name)) {
            d->addrs[i].vrf = vrf;
        }
    }
}

/* An originated prefix of @d. */
static void
bgp_orig_add(struct bgp_dev *d, struct bgp_pfx p, enum bgp_proto proto)
{
    if (d->norig < BGP_MAX_PFX) {
        d->orig_proto[d->norig] = proto;
    }
    bgp_pfx_add(d->orig, &d->norig, p);
}

/* Add policy @name to the chain @chain (blank-separated). */
static void
bgp_chain_add(char *chain, size_t len, const char *name)
{
    size_t l = strlen(chain);

    if (*name && l + strlen(name) + 2 < len) {
        snprintf(chain + l, len - l, "%s%s", l ? " " : "", name);
    }
}

/*
 * XML helpers (configuration trees are walked by local name)
 */

static xmlNodePtr
bgp_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) {
            return c;
        }
    }
    return NULL;
}

static xmlNodePtr
bgp_next(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name)) {
            return c;
        }
    }
    return NULL;
}

/* The child at the end of a '/'-separated path of local names, or NULL. */
static xmlNodePtr
bgp_path(xmlNodePtr n, const char *path)
{
    char buf[256], *save = NULL, *tok;

    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, "/", &save); tok && n; tok = strtok_r(NULL, "/", &save)) {
        n = bgp_child(n, tok);
    }
    return n;
}

/* Text of the node at @path below @n into @buf ("" when absent). */
static const char *
bgp_text(xmlNodePtr n, const char *path, char *buf, size_t len)
{
    xmlNodePtr c = path ? bgp_path(n, path) : n;
    xmlChar *t;

    buf[0] = '\0';
    if (c && (t = xmlNodeGetContent(c))) {
        const char *s = (const char *)t;

        while (isspace((unsigned char)*s)) {
            s++;
        }
        snprintf(buf, len, "%s", s);
        for (size_t l = strlen(buf); l && isspace((unsigned char)buf[l - 1]); l--) {
            buf[l - 1] = '\0';
        }
        xmlFree(t);
    }
    return buf;
}

/* The top-level element @name of a configuration document, or NULL. */
static xmlNodePtr
bgp_top(xmlDocPtr doc, const char *name)
{
    return doc ? bgp_child(xmlDocGetRootElement(doc), name) : NULL;
}

/* An identity value "prefix:NAME" or "NAME" ends in NAME. */
static int
bgp_ident_is(const char *v, const char *name)
{
    const char *c = strrchr(v, ':');

    return !strcmp(c ? c + 1 : v, name);
}

/*
 * Extraction per vendor
 */

/* Policy chains of every element @name (a leaf-list) under @n into @chain. */
static void
bgp_chain_of(xmlNodePtr n, const char *name, char *chain, size_t len)
{
    char buf[128];

    chain[0] = '\0';
    for (xmlNodePtr c = bgp_child(n, name); c; c = bgp_next(c, name)) {
        bgp_chain_add(chain, len, bgp_text(c, NULL, buf, sizeof buf));
    }
}

/* A neighbor's address parsed; the families default to the transport's. */
static void
bgp_nbr_addr(struct bgp_nbr *n)
{
    if (bgp_ip(n->addr, &n->ip)) {
        n->ip.fam = 0;
    }
}

/* The next neighbour of @d (the caller checked there is room), zeroed, in table @vrf (0: the
 * global one, else 1 + the index in d->vrfs, whose name it copies), its address the text
 * of @addr_leaf under @node, parsed. */
static struct bgp_nbr *
bgp_nbr_new(struct bgp_dev *d, unsigned vrf, xmlNodePtr node, const char *addr_leaf)
{
    struct bgp_nbr *n = &d->nbrs[d->nnbrs++];

    memset(n, 0, sizeof *n);
    n->vrf = vrf;
    if (vrf) {
        memcpy(n->vname, d->vrfs[vrf - 1].name, sizeof n->vname);
    }
    bgp_text(node, addr_leaf, n->addr, sizeof n->addr);
    bgp_nbr_addr(n);
    return n;
}

static unsigned
bgp_transport_fam(const struct bgp_nbr *n)
{
    return n->ip.fam == 6 ? BGP_F6 : BGP_F4;
}

static void
bgp_extract_vrp(struct bgp_dev *d)
{
    xmlNodePtr n, c, ni, inst, peer, af;
    char buf[256], buf2[64];
    static const struct {
        const char *af, *ucast, *imp, *exp;
    } fams[2] = {{"ipv4uni", "ipv4-unicast", "import-ip-prefix", "export-ip-prefix"},
                 {"ipv6uni", "ipv6-unicast", "import-ipv6-prefix", "export-ipv6-prefix"}};

    n = bgp_top(d->eff, "bgp");
    d->as = (uint32_t)strtoul(bgp_text(n, "base-process/as", buf, sizeof buf), NULL, 10);
    d->bgp_on = !strcmp(bgp_text(n, "base-process/enable", buf, sizeof buf), "true");
    for (c = bgp_child(bgp_path(bgp_top(d->eff, "ifm"), "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        uint16_t ifx = ++d->nifs;

        bgp_ifname_set(d, ifx, bgp_text(c, "name", buf, sizeof buf));

        for (xmlNodePtr a = bgp_child(bgp_path(c, "ipv4/addresses"), "address"); a;
             a = bgp_next(a, "address")) {
            struct bgp_pfx p;

            if (!bgp_ip(bgp_text(a, "ip", buf, sizeof buf), &p) && p.fam == 4) {
                p.len = (uint8_t)bgp_masklen(bgp_text(a, "mask", buf2, sizeof buf2));
                bgp_addr_add(d, p, ifx);
            }
        }
        for (xmlNodePtr a = bgp_child(bgp_path(c, "ipv6/addresses"), "address"); a;
             a = bgp_next(a, "address")) {
            struct bgp_pfx p;

            if (!bgp_ip(bgp_text(a, "ip", buf, sizeof buf), &p) && p.fam == 6) {
                p.len = (uint8_t)strtoul(bgp_text(a, "prefix-length", buf2, sizeof buf2), NULL, 10);
                bgp_addr_add(d, p, ifx);
            }
        }
    }
    ni = bgp_path(bgp_top(d->eff, "network-instance"), "instances");
    for (inst = bgp_child(ni, "instance"); inst; inst = bgp_next(inst, "instance")) {
        xmlNodePtr bp = bgp_path(inst, "bgp/base-process");
        uint8_t vrf = 0;

        /* A VPN instance (ip vpn-instance, huawei-l3vpn): the VRF, its route
         * distinguisher and vpn-targets (export-extcommunity, import-extcommunity) of the
         * ipv4-unicast af; its BGP peers are the instance's (ipv4-family vpn-instance). */
        if (strcmp(bgp_text(inst, "name", buf, sizeof buf), "_public_") &&
            (vrf = bgp_vrf_add(d, buf))) {
            for (xmlNodePtr l3 = bgp_child(bgp_child(inst, "afs"), "af"); l3;
                 l3 = bgp_next(l3, "af")) {
                if (strcmp(bgp_text(l3, "type", buf, sizeof buf), "ipv4-unicast")) {
                    continue;
                }
                bgp_text(l3, "route-distinguisher", d->vrfs[vrf - 1].rd, sizeof d->vrfs[0].rd);
                for (xmlNodePtr t = bgp_child(bgp_child(l3, "vpn-targets"), "vpn-target"); t;
                     t = bgp_next(t, "vpn-target")) {
                    bgp_text(t, "type", buf2, sizeof buf2);
                    bgp_vrf_rt(d, vrf, bgp_text(t, "value", buf, sizeof buf),
                               !strcmp(buf2, "import-extcommunity") || !strcmp(buf2, "both"),
                               !strcmp(buf2, "export-extcommunity") || !strcmp(buf2, "both"));
                }
            }
            d->vrfs[vrf - 1].on = d->bgp_on && d->as;
        }

        for (af = bgp_child(bgp_child(bp, "afs"), "af"); af; af = bgp_next(af, "af")) {
            for (int f = 0; f < 2; f++) {
                /* huawei-bgp network-routes/network-route (what netstitch renders); also
                 * the shorter networks/network some releases use (UNCONFIRMED). */
                xmlNodePtr u = bgp_child(af, fams[f].ucast), nws = bgp_child(u, "network-routes");
                const char *nwname = "network-route";

                if (!nws) {
                    nws = bgp_child(u, "networks");
                    nwname = "network";
                }
                for (xmlNodePtr nw = bgp_child(nws, nwname); nw; nw = bgp_next(nw, nwname)) {
                    struct bgp_pfx p;

                    if (!bgp_ip(bgp_text(nw, "address", buf, sizeof buf), &p) && bgp_fi(&p) == f) {
                        p.len = (uint8_t)strtoul(bgp_text(nw, "mask-length", buf2, sizeof buf2),
                                                 NULL, 10);
                        if (p.len <= bgp_maxlen(p.fam)) {
                            bgp_mask_host(&p);
                            p.vrf = vrf; /* a VPN instance's network: its VRF's table */
                            bgp_orig_add(d, p, BGP_P_NETWORK);
                        }
                    }
                }
            }
        }
        for (peer = bgp_child(bgp_child(bp, "peers"), "peer"); peer && d->nnbrs < BGP_MAX_NBR;
             peer = bgp_next(peer, "peer")) {
            struct bgp_nbr *nb = bgp_nbr_new(d, vrf, peer, "address");
            int anyaf = 0;

            nb->peer_as = (uint32_t)strtoul(bgp_text(peer, "remote-as", buf, sizeof buf), NULL, 10);
            nb->local_as = (uint32_t)strtoul(
                bgp_text(peer, "fake-as-parameter/fake-as", buf, sizeof buf), NULL, 10);
            bgp_text(peer, "password-text", nb->key, sizeof nb->key);
            bgp_text(inst, "name", nb->inst, sizeof nb->inst);
            nb->enabled = 1;
            for (af = bgp_child(bgp_child(peer, "afs"), "af"); af; af = bgp_next(af, "af")) {
                bgp_text(af, "type", buf, sizeof buf);
                for (int f = 0; f < 2; f++) {
                    if (strcmp(buf, fams[f].af)) {
                        continue;
                    }
                    anyaf = 1;
                    nb->afs |= 1u << f;
                    bgp_text(bgp_child(af, fams[f].ucast), fams[f].imp, nb->import[f],
                             sizeof nb->import[f]);
                    bgp_text(bgp_child(af, fams[f].ucast), fams[f].exp, nb->export_[f],
                             sizeof nb->export_[f]);
                    /* route-limit: above number the session ends, unless alert-only. */
                    {
                        xmlNodePtr rl = bgp_child(bgp_child(af, fams[f].ucast), "route-limit");

                        if (rl && strcmp(bgp_text(rl, "type", buf2, sizeof buf2), "alert-only")) {
                            nb->maxpfx[f] = (unsigned)strtoul(
                                bgp_text(rl, "number", buf2, sizeof buf2), NULL, 10);
                        }
                    }
                }
            }
            /* VRP enables IPv4 unicast for an IPv4 peer by default; an IPv6 peer carries
             * nothing until a family view enables it. */
            if (!anyaf && nb->ip.fam == 4) {
                nb->afs = BGP_F4;
            }
        }
    }
    /* Interfaces bound to a VPN instance (ifm interface vrf-name). */
    for (c = bgp_child(bgp_path(bgp_top(d->eff, "ifm"), "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        bgp_text(c, "vrf-name", buf2, sizeof buf2);
        for (int k = 0; *buf2 && k < d->nvrfs; k++) {
            if (!strcmp(d->vrfs[k].name, buf2)) {
                bgp_vrf_bind(d, (uint8_t)(k + 1), bgp_text(c, "name", buf, sizeof buf));
            }
        }
    }
}

/* OpenConfig addresses of interfaces/subinterfaces, and EOS CLI lines. */
static void
bgp_extract_oc_addrs(struct bgp_dev *d)
{
    xmlNodePtr c, s, a, cmds;
    char buf[256], buf2[64];
    unsigned redist = 0;
    uint16_t ifx = 0;

    for (c = bgp_child(bgp_top(d->eff, "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        for (s = bgp_child(bgp_child(c, "subinterfaces"), "subinterface"); s;
             s = bgp_next(s, "subinterface")) {
            char ifn[128], idx[32], name[192];

            ifx = ++d->nifs;
            /* A network instance names it interface.subinterface. */
            snprintf(name, sizeof name, "%s.%s", bgp_text(c, "name", ifn, sizeof ifn),
                     bgp_text(s, "index", idx, sizeof idx));
            bgp_ifname_set(d, ifx, name);
            for (int f = 0; f < 2; f++) {
                for (a = bgp_child(bgp_path(s, f ? "ipv6/addresses" : "ipv4/addresses"), "address");
                     a; a = bgp_next(a, "address")) {
                    struct bgp_pfx p;

                    if (!bgp_ip(bgp_text(a, "config/ip", buf, sizeof buf), &p) && bgp_fi(&p) == f) {
                        p.len = (uint8_t)strtoul(
                            bgp_text(a, "config/prefix-length", buf2, sizeof buf2), NULL, 10);
                        bgp_addr_add(d, p, ifx);
                    }
                }
            }
        }
    }
    cmds = bgp_top(d->eff, "commands");
    /* EOS originates with `network A/L` under router bgp, or static routes
     * (`ip route A/L ...`, `ipv6 route A/L ...`) with `redistribute static` (under
     * `address-family ipv6` for IPv6). */
    {
        int in_v6 = 0;

        for (c = bgp_child(cmds, "command"); c; c = bgp_next(c, "command")) {
            const char *t = bgp_text(c, NULL, buf, sizeof buf);

            if (!strncmp(t, "address-family ", 15)) {
                in_v6 = !strcmp(t + 15, "ipv6");
            } else if (!strncmp(t, "router ", 7)) {
                in_v6 = 0;
            } else if (!strncmp(t, "redistribute static", 19)) {
                redist |= in_v6 ? BGP_F6 : BGP_F4;
            }
        }
    }
    for (c = bgp_child(cmds, "command"); c; c = bgp_next(c, "command")) {
        struct bgp_pfx p;
        const char *t = bgp_text(c, NULL, buf, sizeof buf);
        char pfx[64];

        if (!strncmp(t, "interface ", 10)) {
            ifx = ++d->nifs;
        } else if (!strncmp(t, "ip address ", 11) && !bgp_prefix(t + 11, &p, 0) && p.fam == 4) {
            bgp_addr_add(d, p, ifx);
        } else if (!strncmp(t, "ipv6 address ", 13) && sscanf(t + 13, "%63s", pfx) == 1 &&
                   !bgp_prefix(pfx, &p, 0) && p.fam == 6) {
            bgp_addr_add(d, p, ifx);
        } else if ((!strncmp(t, "network ", 8) && !bgp_prefix(t + 8, &p, 1)) ||
                   ((redist & BGP_F4) && sscanf(t, "ip route %63s", pfx) == 1 &&
                    !bgp_prefix(pfx, &p, 1) && p.fam == 4) ||
                   ((redist & BGP_F6) && sscanf(t, "ipv6 route %63s", pfx) == 1 &&
                    !bgp_prefix(pfx, &p, 1) && p.fam == 6)) {
            bgp_orig_add(d, p, BGP_P_NETWORK);
        }
    }
}

/* OpenConfig neighbors of BGP protocol @proto (the default instance's, or VRF @vrf's). */
static void
bgp_oc_neighbors(struct bgp_dev *d, xmlNodePtr proto, uint8_t vrf)
{
    xmlNodePtr nb, af;
    char buf[256];

    for (nb = bgp_child(bgp_path(proto, "bgp/neighbors"), "neighbor"); nb && d->nnbrs < BGP_MAX_NBR;
         nb = bgp_next(nb, "neighbor")) {
        struct bgp_nbr *n = bgp_nbr_new(d, vrf, nb, "neighbor-address");
        int listed = 0;

        n->peer_as = (uint32_t)strtoul(bgp_text(nb, "config/peer-as", buf, sizeof buf), NULL, 10);
        n->local_as = (uint32_t)strtoul(bgp_text(nb, "config/local-as", buf, sizeof buf), NULL, 10);
        bgp_text(nb, "config/auth-password", n->key, sizeof n->key);
        n->enabled = strcmp(bgp_text(nb, "config/enabled", buf, sizeof buf), "false") != 0;
        for (af = bgp_child(bgp_child(nb, "afi-safis"), "afi-safi"); af;
             af = bgp_next(af, "afi-safi")) {
            int f;

            bgp_text(af, "afi-safi-name", buf, sizeof buf);
            if (bgp_ident_is(buf, "IPV4_UNICAST")) {
                f = 0;
            } else if (bgp_ident_is(buf, "IPV6_UNICAST")) {
                f = 1;
            } else {
                continue;
            }
            listed = 1;
            if (!strcmp(bgp_text(af, "config/enabled", buf, sizeof buf), "false")) {
                continue;
            }
            n->afs |= 1u << f;
            /* ipv4-unicast|ipv6-unicast prefix-limit: above max-prefixes the session ends,
             * unless prevent-teardown. */
            {
                xmlNodePtr pl = bgp_path(af, f ? "ipv6-unicast/prefix-limit/config"
                                               : "ipv4-unicast/prefix-limit/config");

                if (strcmp(bgp_text(pl, "prevent-teardown", buf, sizeof buf), "true")) {
                    n->maxpfx[f] =
                        (unsigned)strtoul(bgp_text(pl, "max-prefixes", buf, sizeof buf), NULL, 10);
                }
            }
            bgp_chain_of(bgp_path(af, "apply-policy/config"), "import-policy", n->import[f],
                         sizeof n->import[f]);
            bgp_chain_of(bgp_path(af, "apply-policy/config"), "export-policy", n->export_[f],
                         sizeof n->export_[f]);
        }
        if (!listed) {
            n->afs = bgp_transport_fam(n);
        } else if (!n->afs) {
            n->enabled = 0; /* every family it names is disabled */
        }
    }
}

static int bgp_oc_chain(const struct bgp_dev *d, const char *chain, struct bgp_pfx p);

/* An OpenConfig L3VRF network instance: the VRF, its route distinguisher, route targets
 * (inter-instance-policies import-export-policy import/export-route-target), interfaces
 * (interface.subinterface) and its BGP protocol (its global AS, its neighbors). */
static void
bgp_oc_vrf(struct bgp_dev *d, xmlNodePtr ni)
{
    xmlNodePtr c;
    char buf[256];
    uint8_t k;
    struct bgp_vrf *v;

    if (!bgp_ident_is(bgp_text(ni, "config/type", buf, sizeof buf), "L3VRF") ||
        !(k = bgp_vrf_add(d, bgp_text(ni, "name", buf, sizeof buf)))) {
        return;
    }
    v = &d->vrfs[k - 1];
    bgp_text(ni, "config/route-distinguisher", v->rd, sizeof v->rd);
    c = bgp_path(ni, "inter-instance-policies/import-export-policy/config");
    for (xmlNodePtr t = bgp_child(c, "import-route-target"); t;
         t = bgp_next(t, "import-route-target")) {
        bgp_vrf_rt(d, k, bgp_text(t, NULL, buf, sizeof buf), 1, 0);
    }
    for (xmlNodePtr t = bgp_child(c, "export-route-target"); t;
         t = bgp_next(t, "export-route-target")) {
        bgp_vrf_rt(d, k, bgp_text(t, NULL, buf, sizeof buf), 0, 1);
    }
    for (c = bgp_child(bgp_child(ni, "interfaces"), "interface"); c; c = bgp_next(c, "interface")) {
        char ifn[128], sub[32], name[192];

        bgp_text(c, "config/interface", ifn, sizeof ifn);
        bgp_text(c, "config/subinterface", sub, sizeof sub);
        snprintf(name, sizeof name, "%s.%s", ifn, *sub ? sub : "0");
        bgp_vrf_bind(d, k, name);
    }
    v->on = 0;
    for (xmlNodePtr proto = bgp_child(bgp_child(ni, "protocols"), "protocol"); proto;
         proto = bgp_next(proto, "protocol")) {
        if (!bgp_ident_is(bgp_text(proto, "identifier", buf, sizeof buf), "BGP")) {
            continue;
        }
        v->as =
            (uint32_t)strtoul(bgp_text(proto, "bgp/global/config/as", buf, sizeof buf), NULL, 10);
        v->on = v->as != 0;
        bgp_text(proto, "name", v->oc_proto, sizeof v->oc_proto);
        bgp_oc_neighbors(d, proto, k);
    }
}

static void
bgp_extract_oc(struct bgp_dev *d)
{
    xmlNodePtr ni, proto;
    char buf[256];
    /* STATIC -> BGP table-connections per family, with their import policy chains. */
    unsigned static_to_bgp = 0;
    char tc_pol[2][256] = {"", ""};

    bgp_extract_oc_addrs(d);
    for (ni = bgp_child(bgp_top(d->eff, "network-instances"), "network-instance"); ni;
         ni = bgp_next(ni, "network-instance")) {
        if (strcmp(bgp_text(ni, "name", buf, sizeof buf), "default")) {
            bgp_oc_vrf(d, ni);
            continue;
        }
        for (xmlNodePtr tc = bgp_child(bgp_child(ni, "table-connections"), "table-connection"); tc;
             tc = bgp_next(tc, "table-connection")) {
            char src[64], dst[64], fam[64];
            unsigned f;

            if (!bgp_ident_is(bgp_text(tc, "src-protocol", src, sizeof src), "STATIC") ||
                !bgp_ident_is(bgp_text(tc, "dst-protocol", dst, sizeof dst), "BGP")) {
                continue;
            }
            bgp_text(tc, "address-family", fam, sizeof fam);
            f = bgp_ident_is(fam, "IPV6") ? BGP_F6 : bgp_ident_is(fam, "IPV4") ? BGP_F4 : 3u;
            static_to_bgp |= f;
            for (int k = 0; k < 2; k++) {
                if (f & (1u << k)) {
                    bgp_chain_of(bgp_child(tc, "config"), "import-policy", tc_pol[k],
                                 sizeof tc_pol[k]);
                }
            }
        }
        for (proto = bgp_child(bgp_child(ni, "protocols"), "protocol"); proto;
             proto = bgp_next(proto, "protocol")) {
            bgp_text(proto, "identifier", buf, sizeof buf);
            if (bgp_ident_is(buf, "STATIC")) {
                for (xmlNodePtr st = bgp_child(bgp_child(proto, "static-routes"), "static"); st;
                     st = bgp_next(st, "static")) {
                    struct bgp_pfx p;

                    if (!bgp_prefix(bgp_text(st, "prefix", buf, sizeof buf), &p, 1) &&
                        (static_to_bgp & (1u << bgp_fi(&p))) &&
                        bgp_oc_chain(d, tc_pol[bgp_fi(&p)], p)) {
                        bgp_orig_add(d, p, BGP_P_STATIC);
                    }
                }
                continue;
            }
            if (!bgp_ident_is(buf, "BGP")) {
                continue;
            }
            snprintf(d->oc_proto_name, sizeof d->oc_proto_name, "%s",
                     bgp_text(proto, "name", buf, sizeof buf));
            bgp_text(proto, "identifier", buf, sizeof buf);
            snprintf(d->oc_proto_id, sizeof d->oc_proto_id, "%s",
                     strrchr(buf, ':') ? strrchr(buf, ':') + 1 : buf);
            d->as = (uint32_t)strtoul(bgp_text(proto, "bgp/global/config/as", buf, sizeof buf),
                                      NULL, 10);
            d->bgp_on = d->as != 0;
            bgp_oc_neighbors(d, proto, 0);
        }
    }
}

/* The import and export policy chains of neighbour @nb, else of its group @g, the same for
 * both families: the leaf-lists `import` and `export` of @nb/@g themselves (Junos), or with
 * @leaf that leaf-list of their `import`/`export` container (SR OS: `policy`). */
static void
bgp_nbr_chains(struct bgp_nbr *n, xmlNodePtr nb, xmlNodePtr g, const char *leaf)
{
    static const char *const dir[2] = {"import", "export"};
    char *chain[2] = {n->import[0], n->export_[0]};

    for (int d = 0; d < 2; d++) {
        xmlNodePtr from[2] = {nb, g};

        *chain[d] = '\0';
        for (int i = 0; i < 2 && !*chain[d]; i++) {
            if (leaf) {
                bgp_chain_of(bgp_child(from[i], dir[d]), leaf, chain[d], sizeof n->import[0]);
            } else {
                bgp_chain_of(from[i], dir[d], chain[d], sizeof n->import[0]);
            }
        }
    }
    memcpy(n->import[1], n->import[0], sizeof n->import[1]);
    memcpy(n->export_[1], n->export_[0], sizeof n->export_[1]);
}

/* The families of neighbour @nb as @parse reads them, else its group @g's (when @nb has no
 * family at all), else IPv4 unicast (both vendors' default). */
static unsigned
bgp_nbr_afs(xmlNodePtr nb, xmlNodePtr g, unsigned (*parse)(xmlNodePtr))
{
    xmlNodePtr fam = bgp_child(nb, "family");
    unsigned afs = parse(fam ? fam : bgp_child(g, "family"));

    return afs ? afs : BGP_F4;
}

/* Junos families of a neighbor or group: <family><inet|inet6>...; NULL family: none. */
static unsigned
bgp_junos_afs(xmlNodePtr fam)
{
    return (bgp_child(fam, "inet") ? BGP_F4 : 0) | (bgp_child(fam, "inet6") ? BGP_F6 : 0);
}

/* Junos BGP groups and neighbors under @bgp (protocols bgp, global or of VRF @vrf): a
 * neighbor's settings override its group's. */
static void
bgp_junos_groups(struct bgp_dev *d, xmlNodePtr bgp, uint8_t vrf)
{
    xmlNodePtr g, nb;
    char buf[256];

    for (g = bgp_child(bgp, "group"); g; g = bgp_next(g, "group")) {
        for (nb = bgp_child(g, "neighbor"); nb && d->nnbrs < BGP_MAX_NBR;
             nb = bgp_next(nb, "neighbor")) {
            struct bgp_nbr *n = bgp_nbr_new(d, vrf, nb, "name");
            const char *v;

            n->enabled = 1;
            v = bgp_text(nb, "peer-as", buf, sizeof buf);
            if (!*v) {
                v = bgp_text(g, "peer-as", buf, sizeof buf);
            }
            n->peer_as = (uint32_t)strtoul(v, NULL, 10);
            v = bgp_text(nb, "local-as/as-number", buf, sizeof buf);
            if (!*v) {
                v = bgp_text(g, "local-as/as-number", buf, sizeof buf);
            }
            n->local_as = (uint32_t)strtoul(v, NULL, 10);
            if (!*bgp_text(nb, "authentication-key", n->key, sizeof n->key)) {
                bgp_text(g, "authentication-key", n->key, sizeof n->key);
            }
            /* Policy chains (neighbor's, else the group's), the same for both families:
             * Junos policies match the routes of any family. */
            bgp_nbr_chains(n, nb, g, NULL);
            /* Families: the neighbor's, else the group's, else inet unicast (Junos' default
             * for every transport). */
            n->afs = bgp_nbr_afs(nb, g, bgp_junos_afs);
            /* family inet|inet6 unicast prefix-limit with teardown (the neighbor's, else
             * the group's): the session ends above the maximum of routes received. */
            n->max_pre = 1;
            for (int f = 0; f < 2; f++) {
                static const char *const lim[2] = {"family/inet/unicast/prefix-limit",
                                                   "family/inet6/unicast/prefix-limit"};
                xmlNodePtr pl = bgp_path(nb, lim[f]);

                if (!pl && !bgp_child(nb, "family")) {
                    pl = bgp_path(g, lim[f]);
                }
                if (bgp_child(pl, "teardown")) {
                    n->maxpfx[f] =
                        (unsigned)strtoul(bgp_text(pl, "maximum", buf, sizeof buf), NULL, 10);
                }
            }
        }
    }
}

/* Junos: routing-options AS, unit addresses, static and aggregate routes (inet.0 and the
 * rib inet6.0), BGP groups and neighbors (a neighbor's settings override its group's). */
static void
bgp_extract_junos(struct bgp_dev *d)
{
    xmlNodePtr conf = bgp_top(d->eff, "configuration"), ro, c, u, a, g;
    char buf[256];
    static const struct {
        const char *name;
        enum bgp_proto proto;
    } origs[] = {{"static", BGP_P_STATIC}, {"aggregate", BGP_P_AGGREGATE}};
    xmlNodePtr ribs[1 + 8];
    int nribs = 0;

    ro = bgp_child(conf, "routing-options");
    d->as =
        (uint32_t)strtoul(bgp_text(ro, "autonomous-system/as-number", buf, sizeof buf), NULL, 10);
    ribs[nribs++] = ro;
    for (xmlNodePtr r = bgp_child(ro, "rib"); r && nribs < 9; r = bgp_next(r, "rib")) {
        if (!strcmp(bgp_text(r, "name", buf, sizeof buf), "inet6.0")) {
            ribs[nribs++] = r;
        }
    }
    for (int ri = 0; ri < nribs; ri++) {
        for (size_t k = 0; k < sizeof origs / sizeof origs[0]; k++) {
            for (xmlNodePtr r = bgp_child(bgp_child(ribs[ri], origs[k].name), "route"); r;
                 r = bgp_next(r, "route")) {
                struct bgp_pfx p;

                /* routing-options static holds inet.0, rib inet6.0 static inet6.0. */
                if (!bgp_prefix(bgp_text(r, "name", buf, sizeof buf), &p, 1) &&
                    (p.fam == 6) == (ri > 0)) {
                    bgp_orig_add(d, p, origs[k].proto);
                }
            }
        }
    }
    for (c = bgp_child(bgp_child(conf, "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        for (u = bgp_child(c, "unit"); u; u = bgp_next(u, "unit")) {
            uint16_t ifx = ++d->nifs;
            char ifd[64], unit[32], ifl[128];

            /* A VRF names its interfaces as IFD.UNIT. */
            snprintf(ifl, sizeof ifl, "%s.%s", bgp_text(c, "name", ifd, sizeof ifd),
                     bgp_text(u, "name", unit, sizeof unit));
            bgp_ifname_set(d, ifx, ifl);

            for (int f = 0; f < 2; f++) {
                for (a = bgp_child(bgp_path(u, f ? "family/inet6" : "family/inet"), "address"); a;
                     a = bgp_next(a, "address")) {
                    struct bgp_pfx p;

                    if (!bgp_prefix(bgp_text(a, "name", buf, sizeof buf), &p, 0) &&
                        bgp_fi(&p) == f) {
                        bgp_addr_add(d, p, ifx);
                    }
                }
            }
        }
    }
    g = bgp_path(conf, "protocols/bgp");
    d->bgp_on = g != NULL && d->as != 0;
    bgp_junos_groups(d, g, 0);
    /* VRFs (routing-instances of instance-type vrf): route distinguisher, vrf-target
     * (community: import and export; import/export each override it for its direction),
     * interfaces, and their own protocols bgp with the CE neighbors. */
    for (xmlNodePtr ri = bgp_child(bgp_child(conf, "routing-instances"), "instance"); ri;
         ri = bgp_next(ri, "instance")) {
        uint8_t v;
        const char *comm;
        char c2[128];

        if (strcmp(bgp_text(ri, "instance-type", buf, sizeof buf), "vrf") ||
            !(v = bgp_vrf_add(d, bgp_text(ri, "name", buf, sizeof buf)))) {
            continue;
        }
        bgp_text(ri, "route-distinguisher/rd-type", d->vrfs[v - 1].rd, sizeof d->vrfs[v - 1].rd);
        comm = bgp_text(ri, "vrf-target/community", c2, sizeof c2);
        bgp_vrf_rt(d, v, bgp_text(ri, "vrf-target/import", buf, sizeof buf), 1, 0);
        if (!*buf) {
            bgp_vrf_rt(d, v, comm, 1, 0);
        }
        bgp_vrf_rt(d, v, bgp_text(ri, "vrf-target/export", buf, sizeof buf), 0, 1);
        if (!*buf) {
            bgp_vrf_rt(d, v, comm, 0, 1);
        }
        for (c = bgp_child(ri, "interface"); c; c = bgp_next(c, "interface")) {
            bgp_vrf_bind(d, v, bgp_text(c, "name", buf, sizeof buf));
        }
        bgp_junos_groups(d, bgp_path(ri, "protocols/bgp"), v);
    }
}

/* An address/mask or address/prefix-length pair under @n into the interface addresses. */
static void
bgp_addr_pair(struct bgp_dev *d, xmlNodePtr n, const char *addr, const char *mask, int is_len,
              uint16_t ifx)
{
    char buf[64], buf2[64];
    struct bgp_pfx p;

    if (n && !bgp_ip(bgp_text(n, addr, buf, sizeof buf), &p)) {
        bgp_text(n, mask, buf2, sizeof buf2);
        p.len = (uint8_t)(is_len ? strtoul(buf2, NULL, 10) : bgp_masklen(buf2));
        if (p.len <= bgp_maxlen(p.fam)) {
            bgp_addr_add(d, p, ifx);
        }
    }
}

/* IOS-XR route targets (um-router-bgp-cfg route-target: two-byte-as-rts, four-byte-as-rts
 * {as-number, index}, ip-address-rts {ip-address, index}) of VRF @k. */
static void
bgp_xr_rts(struct bgp_dev *d, uint8_t k, xmlNodePtr rt, int import, int export)
{
    static const char *const forms[][3] = {{"two-byte-as-rts", "two-byte-as-rt", "as-number"},
                                           {"four-byte-as-rts", "four-byte-as-rt", "as-number"},
                                           {"ip-address-rts", "ip-address-rt", "ip-address"}};
    char a[64], i[16], v[96];

    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        for (xmlNodePtr e = bgp_child(bgp_child(rt, forms[f][0]), forms[f][1]); e;
             e = bgp_next(e, forms[f][1])) {
            snprintf(v, sizeof v, "%s:%s", bgp_text(e, forms[f][2], a, sizeof a),
                     bgp_text(e, "index", i, sizeof i));
            bgp_vrf_rt(d, k, v, import, export);
        }
    }
}

/* IOS-XR neighbors under @nbs (router bgp's, or a VRF's: @vrf) with remote-as, local-as,
 * password, shutdown, per-family route-policy in/out. */
static void
bgp_xr_neighbors(struct bgp_dev *d, xmlNodePtr nbs, uint8_t vrf)
{
    xmlNodePtr nb, af;
    char buf[256];
    static const char *afname[2] = {"ipv4-unicast", "ipv6-unicast"};

    for (nb = bgp_child(nbs, "neighbor"); nb && d->nnbrs < BGP_MAX_NBR;
         nb = bgp_next(nb, "neighbor")) {
        struct bgp_nbr *n = bgp_nbr_new(d, vrf, nb, "neighbor-address");
        const char *k;
        int listed = 0;

        n->peer_as = (uint32_t)strtoul(bgp_text(nb, "remote-as", buf, sizeof buf), NULL, 10);
        n->local_as =
            (uint32_t)strtoul(bgp_text(nb, "local-as/as-number", buf, sizeof buf), NULL, 10);
        /* netstitch writes the key as "!" + clear text (docs/drivers.md). */
        k = bgp_text(nb, "password/encrypted", buf, sizeof buf);
        snprintf(n->key, sizeof n->key, "%s", *k == '!' ? k + 1 : k);
        n->enabled = !bgp_child(nb, "shutdown");
        for (af = bgp_child(bgp_child(nb, "address-families"), "address-family"); af;
             af = bgp_next(af, "address-family")) {
            for (int f = 0; f < 2; f++) {
                if (!strcmp(bgp_text(af, "af-name", buf, sizeof buf), afname[f])) {
                    listed = 1;
                    n->afs |= 1u << f;
                    bgp_text(af, "route-policy/in", n->import[f], sizeof n->import[f]);
                    bgp_text(af, "route-policy/out", n->export_[f], sizeof n->export_[f]);
                    /* maximum-prefix: above it the session ends, unless warning-only. */
                    if (!bgp_path(af, "maximum-prefix/warning-only")) {
                        n->maxpfx[f] = (unsigned)strtoul(
                            bgp_text(af, "maximum-prefix/prefix-limit", buf, sizeof buf), NULL, 10);
                    }
                }
            }
        }
        if (!listed) {
            n->afs = bgp_transport_fam(n);
        }
    }
}

/* IOS-XR (um models): interface addresses (IPv4 with secondaries, IPv6), router bgp AS,
 * neighbors with remote-as, local-as, password, shutdown, per-family route-policy in/out,
 * and `network` statements (the static route they need is assumed present). */
static void
bgp_extract_xr(struct bgp_dev *d)
{
    xmlNodePtr c, a, as, af;
    char buf[256];
    static const char *afname[2] = {"ipv4-unicast", "ipv6-unicast"};

    for (c = bgp_child(bgp_top(d->eff, "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        uint16_t ifx = ++d->nifs;

        bgp_ifname_set(d, ifx, bgp_text(c, "interface-name", buf, sizeof buf));
        a = bgp_path(c, "ipv4/addresses");
        bgp_addr_pair(d, bgp_child(a, "address"), "address", "netmask", 0, ifx);
        for (xmlNodePtr s2 = bgp_child(bgp_child(a, "secondaries"), "secondary"); s2;
             s2 = bgp_next(s2, "secondary")) {
            bgp_addr_pair(d, s2, "address", "netmask", 0, ifx);
        }
        for (xmlNodePtr v6 = bgp_child(bgp_path(c, "ipv6/addresses"), "ipv6-address"); v6;
             v6 = bgp_next(v6, "ipv6-address")) {
            bgp_addr_pair(d, v6, "address", "prefix-length", 1, ifx);
        }
    }
    /* Two top-level <router> elements (bgp, static): find the one with <bgp>. */
    as = NULL;
    for (c = bgp_top(d->eff, "router"); c && !as; c = bgp_next(c, "router")) {
        as = bgp_path(c, "bgp/as");
    }
    d->as = (uint32_t)strtoul(bgp_text(as, "as-number", buf, sizeof buf), NULL, 10);
    d->bgp_on = as && d->as;
    for (af = bgp_child(bgp_child(as, "address-families"), "address-family"); af;
         af = bgp_next(af, "address-family")) {
        int f;

        bgp_text(af, "af-name", buf, sizeof buf);
        f = !strcmp(buf, afname[0]) ? 0 : !strcmp(buf, afname[1]) ? 1 : -1;
        if (f < 0) {
            continue;
        }
        for (xmlNodePtr nw = bgp_child(bgp_child(af, "networks"), "network"); nw;
             nw = bgp_next(nw, "network")) {
            struct bgp_pfx p;
            char len[16];

            if (!bgp_ip(bgp_text(nw, "address", buf, sizeof buf), &p) && bgp_fi(&p) == f) {
                p.len = (uint8_t)strtoul(bgp_text(nw, "masklength", len, sizeof len), NULL, 10);
                if (p.len <= bgp_maxlen(p.fam)) {
                    bgp_mask_host(&p);
                    bgp_orig_add(d, p, BGP_P_NETWORK);
                }
            }
        }
    }
    bgp_xr_neighbors(d, bgp_child(as, "neighbors"), 0);
    /* VRFs: the route targets of Cisco-IOS-XR-um-vrf-cfg vrfs/vrf (address-family ipv4
     * unicast import/export route-target, um-router-bgp-cfg's augment), the interfaces bound
     * by um-if-vrf-cfg `vrf`, and router bgp's vrfs/vrf (rd, neighbors) in the one AS. */
    for (xmlNodePtr v = bgp_child(bgp_top(d->eff, "vrfs"), "vrf"); v; v = bgp_next(v, "vrf")) {
        uint8_t k = bgp_vrf_add(d, bgp_text(v, "vrf-name", buf, sizeof buf));
        xmlNodePtr uni = bgp_path(v, "address-family/ipv4/unicast");

        for (int dir = 0; k && dir < 2; dir++) {
            xmlNodePtr rt = bgp_path(bgp_child(uni, dir ? "export" : "import"), "route-target");

            bgp_xr_rts(d, k, rt, !dir, dir);
        }
    }
    for (c = bgp_child(bgp_top(d->eff, "interfaces"), "interface"); c;
         c = bgp_next(c, "interface")) {
        char vn[64];

        bgp_text(c, "vrf", vn, sizeof vn);
        for (int k = 0; *vn && k < d->nvrfs; k++) {
            if (!strcmp(d->vrfs[k].name, vn)) {
                bgp_vrf_bind(d, (uint8_t)(k + 1), bgp_text(c, "interface-name", buf, sizeof buf));
            }
        }
    }
    for (xmlNodePtr v = bgp_child(bgp_child(as, "vrfs"), "vrf"); v; v = bgp_next(v, "vrf")) {
        uint8_t k = 0;
        xmlNodePtr rd = bgp_child(v, "rd"), form = NULL;

        bgp_text(v, "vrf-name", buf, sizeof buf);
        for (int j = 0; j < d->nvrfs; j++) {
            if (!strcmp(d->vrfs[j].name, buf)) {
                k = (uint8_t)(j + 1);
            }
        }
        if (!k) {
            continue; /* router bgp vrf without a vrf definition: no such table */
        }
        /* rd ip-address / two-byte-as / four-byte-as {.., index}, or auto. */
        for (form = rd ? rd->children : NULL; form && form->type != XML_ELEMENT_NODE;
             form = form->next) {
        }
        if (form) {
            char x[64], idx[16];
            xmlNodePtr f1 = NULL;

            for (f1 = form->children; f1 && f1->type != XML_ELEMENT_NODE; f1 = f1->next) {
            }
            snprintf(d->vrfs[k - 1].rd, sizeof d->vrfs[k - 1].rd, "%s:%s",
                     f1 ? bgp_text(f1, NULL, x, sizeof x) : (const char *)form->name,
                     bgp_text(form, "index", idx, sizeof idx));
        }
        d->vrfs[k - 1].on = d->bgp_on;
        bgp_xr_neighbors(d, bgp_child(v, "neighbors"), k);
    }
}

/* SR OS families of a neighbor or group: family/ipv4, family/ipv6 true. */
static unsigned
bgp_sros_afs(xmlNodePtr fam)
{
    char buf[16];

    return (!strcmp(bgp_text(fam, "ipv4", buf, sizeof buf), "true") ? BGP_F4 : 0) |
           (!strcmp(bgp_text(fam, "ipv6", buf, sizeof buf), "true") ? BGP_F6 : 0);
}

/* SR OS neighbors of @bgp (router Base's bgp, or a VPRN's: @vrf), with their group's
 * settings where their own are absent. */
static void
bgp_sros_neighbors(struct bgp_dev *d, xmlNodePtr bgp, uint8_t vrf)
{
    xmlNodePtr g, nb;
    char buf[256];

    for (nb = bgp_child(bgp, "neighbor"); nb && d->nnbrs < BGP_MAX_NBR;
         nb = bgp_next(nb, "neighbor")) {
        struct bgp_nbr *n = bgp_nbr_new(d, vrf, nb, "ip-address");
        char grp[128];

        bgp_text(nb, "group", grp, sizeof grp);
        for (g = bgp_child(bgp, "group"); g; g = bgp_next(g, "group")) {
            if (!strcmp(bgp_text(g, "group-name", buf, sizeof buf), grp)) {
                break;
            }
        }
        n->peer_as = (uint32_t)strtoul(bgp_text(nb, "peer-as", buf, sizeof buf), NULL, 10);
        if (!n->peer_as) {
            n->peer_as = (uint32_t)strtoul(bgp_text(g, "peer-as", buf, sizeof buf), NULL, 10);
        }
        n->local_as =
            (uint32_t)strtoul(bgp_text(nb, "local-as/as-number", buf, sizeof buf), NULL, 10);
        if (!n->local_as) {
            n->local_as =
                (uint32_t)strtoul(bgp_text(g, "local-as/as-number", buf, sizeof buf), NULL, 10);
        }
        if (!*bgp_text(nb, "authentication-key", n->key, sizeof n->key)) {
            bgp_text(g, "authentication-key", n->key, sizeof n->key);
        }
        /* Policy chains apply to every family (prefix-lists match by family). */
        bgp_nbr_chains(n, nb, g, "policy");
        /* Families: the neighbor's, else the group's, else IPv4 (SR OS's default). */
        n->afs = bgp_nbr_afs(nb, g, bgp_sros_afs);
        n->enabled = strcmp(bgp_text(nb, "admin-state", buf, sizeof buf), "disable") != 0;
        /* prefix-limit[family] (the neighbor's, else the group's): above maximum the
         * session ends, unless log-only. */
        for (xmlNodePtr owner = nb; owner; owner = owner == nb ? g : NULL) {
            for (xmlNodePtr pl = bgp_child(owner, "prefix-limit"); pl;
                 pl = bgp_next(pl, "prefix-limit")) {
                int f = !strcmp(bgp_text(pl, "family", buf, sizeof buf), "ipv4") ? 0
                        : !strcmp(buf, "ipv6")                                   ? 1
                                                                                 : -1;

                if (f < 0 || n->maxpfx[f] ||
                    !strcmp(bgp_text(pl, "log-only", buf, sizeof buf), "true")) {
                    continue;
                }
                n->maxpfx[f] =
                    (unsigned)strtoul(bgp_text(pl, "maximum", buf, sizeof buf), NULL, 10);
            }
        }
    }
}

/* SR OS (nokia-conf): router Base AS, interface primary/secondary IPv4 and IPv6 addresses,
 * static routes (originated when an export policy lets them out), BGP groups and
 * neighbors. */
static void
bgp_extract_sros(struct bgp_dev *d)
{
    xmlNodePtr r, c, bgp;
    char buf[256];

    for (r = bgp_child(bgp_top(d->eff, "configure"), "router"); r; r = bgp_next(r, "router")) {
        if (!strcmp(bgp_text(r, "router-name", buf, sizeof buf), "Base")) {
            break;
        }
    }
    d->as = (uint32_t)strtoul(bgp_text(r, "autonomous-system", buf, sizeof buf), NULL, 10);
    for (c = bgp_child(r, "interface"); c; c = bgp_next(c, "interface")) {
        uint16_t ifx = ++d->nifs;

        bgp_addr_pair(d, bgp_path(c, "ipv4/primary"), "address", "prefix-length", 1, ifx);
        for (xmlNodePtr s2 = bgp_child(bgp_child(c, "ipv4"), "secondary"); s2;
             s2 = bgp_next(s2, "secondary")) {
            bgp_addr_pair(d, s2, "address", "prefix-length", 1, ifx);
        }
        for (xmlNodePtr v6 = bgp_child(bgp_child(c, "ipv6"), "address"); v6;
             v6 = bgp_next(v6, "address")) {
            bgp_addr_pair(d, v6, "ipv6-address", "prefix-length", 1, ifx);
        }
    }
    for (c = bgp_child(bgp_child(r, "static-routes"), "route"); c; c = bgp_next(c, "route")) {
        struct bgp_pfx p;

        if (!bgp_prefix(bgp_text(c, "ip-prefix", buf, sizeof buf), &p, 1)) {
            bgp_orig_add(d, p, BGP_P_STATIC);
        }
    }
    bgp = bgp_child(r, "bgp");
    d->bgp_on = bgp && d->as && strcmp(bgp_text(bgp, "admin-state", buf, sizeof buf), "disable");
    bgp_sros_neighbors(d, bgp, 0);
    /* VPRNs (configure service vprn): the VRF is the service; its AS (autonomous-system),
     * bgp-ipvpn mpls route distinguisher and vrf-target (community, or import-community /
     * export-community), interfaces with their addresses, and its own bgp neighbors. A
     * VPRN, its bgp and its bgp-ipvpn mpls run only when enabled (admin-state enable;
     * SR OS's default is disable). */
    for (xmlNodePtr v = bgp_child(bgp_child(bgp_top(d->eff, "configure"), "service"), "vprn"); v;
         v = bgp_next(v, "vprn")) {
        uint8_t k = bgp_vrf_add(d, bgp_text(v, "service-name", buf, sizeof buf));
        xmlNodePtr mpls = bgp_path(v, "bgp-ipvpn/mpls"), vb = bgp_child(v, "bgp");
        struct bgp_vrf *vr;
        char c2[128];

        if (!k) {
            continue;
        }
        vr = &d->vrfs[k - 1];
        vr->as = (uint32_t)strtoul(bgp_text(v, "autonomous-system", buf, sizeof buf), NULL, 10);
        vr->on = vr->as && vb && !strcmp(bgp_text(v, "admin-state", buf, sizeof buf), "enable") &&
                 strcmp(bgp_text(vb, "admin-state", buf, sizeof buf), "disable");
        if (!strcmp(bgp_text(mpls, "admin-state", buf, sizeof buf), "enable")) {
            bgp_text(mpls, "route-distinguisher", vr->rd, sizeof vr->rd);
        }
        /* The other PEs' VPN-IPv4 routes resolve to tunnels only with auto-bind-tunnel
         * resolution any or filter ("The user must configure the resolution command to
         * enable auto-bind resolution to tunnels": Nokia, Routing Protocols Guide, VPN-IPv4
         * and VPN-IPv6 route resolution); without, the VPRN imports none of them. */
        bgp_text(mpls, "auto-bind-tunnel/resolution", buf, sizeof buf);
        vr->unresolved = strcmp(buf, "any") && strcmp(buf, "filter");
        bgp_text(mpls, "vrf-target/community", c2, sizeof c2);
        bgp_vrf_rt(d, k, bgp_text(mpls, "vrf-target/import-community", buf, sizeof buf), 1, 0);
        if (!*buf) {
            bgp_vrf_rt(d, k, c2, 1, 0);
        }
        bgp_vrf_rt(d, k, bgp_text(mpls, "vrf-target/export-community", buf, sizeof buf), 0, 1);
        if (!*buf) {
            bgp_vrf_rt(d, k, c2, 0, 1);
        }
        /* Its interfaces' IPv4 and IPv6 addresses (a dual-stack VPRN interface, 6VPE,
         * holds the CE's second session, over IPv6), as the Base router's. */
        for (c = bgp_child(v, "interface"); c; c = bgp_next(c, "interface")) {
            uint16_t ifx = ++d->nifs;

            bgp_addr_pair(d, bgp_path(c, "ipv4/primary"), "address", "prefix-length", 1, ifx);
            for (xmlNodePtr v6 = bgp_child(bgp_child(c, "ipv6"), "address"); v6;
                 v6 = bgp_next(v6, "address")) {
                bgp_addr_pair(d, v6, "ipv6-address", "prefix-length", 1, ifx);
            }
            for (int j = 0; j < d->naddrs; j++) {
                if (d->addrs[j].ifx == ifx) {
                    d->addrs[j].vrf = k;
                }
            }
        }
        bgp_sros_neighbors(d, vb, k);
    }
}

/*
 * Policies. A policy answers 1 accept, 0 reject, or -1 no decision (the next policy of
 * the chain decides, then the vendor's default at the chain's end).
 */

/* VRP ip(v6)-prefix-filter @name, for @p's family: 1 permit, 0 deny. No filter named:
 * permit. */
static int
bgp_vrp_filter(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr f, node, best = NULL;
    char buf[64];
    long bestseq = -1;
    int v6 = p.fam == 6;

    if (!*name) {
        return 1;
    }
    for (f = bgp_child(bgp_path(bgp_top(d->eff, "routing-policy"),
                                v6 ? "ipv6-prefix-filters" : "ipv4-prefix-filters"),
                       v6 ? "ipv6-prefix-filter" : "ipv4-prefix-filter");
         f; f = bgp_next(f, v6 ? "ipv6-prefix-filter" : "ipv4-prefix-filter")) {
        if (strcmp(bgp_text(f, "name", buf, sizeof buf), name)) {
            continue;
        }
        /* The matching node with the lowest sequence decides. */
        for (node = bgp_child(bgp_child(f, "nodes"), "node"); node; node = bgp_next(node, "node")) {
            struct bgp_pfx q;
            unsigned len, ge, le;
            long seq = strtol(bgp_text(node, "sequence", buf, sizeof buf), NULL, 10);

            if (bgp_ip(bgp_text(node, v6 ? "ipv6-address" : "ip-address", buf, sizeof buf), &q) ||
                q.fam != p.fam) {
                continue;
            }
            len = (unsigned)strtoul(bgp_text(node, "masklength", buf, sizeof buf), NULL, 10);
            ge = (unsigned)strtoul(bgp_text(node, "match-network/greater-equal", buf, sizeof buf),
                                   NULL, 10);
            if (!*buf) {
                ge = (unsigned)strtoul(bgp_text(node, "greater-equal", buf, sizeof buf), NULL, 10);
            }
            le = (unsigned)strtoul(bgp_text(node, "less-equal", buf, sizeof buf), NULL, 10);
            if (!ge) {
                ge = len;
            }
            if (!le) {
                le = ge > len ? bgp_maxlen(p.fam) : len;
            }
            if (len > bgp_maxlen(p.fam)) {
                continue;
            }
            q.len = (uint8_t)len;
            if (p.len < ge || p.len > le || !bgp_covers(&q, &p)) {
                continue;
            }
            if (bestseq < 0 || seq < bestseq) {
                bestseq = seq;
                best = node;
            }
        }
        if (!best) {
            return 0;
        }
        return !strcmp(bgp_text(best, "match-mode", buf, sizeof buf), "permit");
    }
    /* A filter that does not exist: VRP permits everything (UNCONFIRMED). */
    return 1;
}

/* Is @p in OpenConfig prefix-set @name? */
static int
bgp_oc_in_set(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr s, pf;
    char buf[128];

    for (s = bgp_child(bgp_path(bgp_top(d->eff, "routing-policy"), "defined-sets/prefix-sets"),
                       "prefix-set");
         s; s = bgp_next(s, "prefix-set")) {
        if (strcmp(bgp_text(s, "name", buf, sizeof buf), name)) {
            continue;
        }
        for (pf = bgp_child(bgp_child(s, "prefixes"), "prefix"); pf; pf = bgp_next(pf, "prefix")) {
            struct bgp_pfx q;
            unsigned lo, hi;

            if (bgp_prefix(bgp_text(pf, "ip-prefix", buf, sizeof buf), &q, 1)) {
                continue;
            }
            bgp_text(pf, "masklength-range", buf, sizeof buf);
            if (!strcmp(buf, "exact") || !*buf) {
                lo = hi = q.len;
            } else if (sscanf(buf, "%u..%u", &lo, &hi) != 2) {
                continue;
            }
            if (bgp_covers(&q, &p) && p.len >= lo && p.len <= hi) {
                return 1;
            }
        }
    }
    return 0;
}

/* OpenConfig policy-definition @name. */
static int
bgp_oc_policy(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr pd, st;
    char buf[128], set[128], opt[32];

    for (pd = bgp_child(bgp_path(bgp_top(d->eff, "routing-policy"), "policy-definitions"),
                        "policy-definition");
         pd; pd = bgp_next(pd, "policy-definition")) {
        if (strcmp(bgp_text(pd, "name", buf, sizeof buf), name)) {
            continue;
        }
        /* Statements in document order (ordered-by user). */
        for (st = bgp_child(bgp_child(pd, "statements"), "statement"); st;
             st = bgp_next(st, "statement")) {
            xmlNodePtr m = bgp_path(st, "conditions/match-prefix-set/config");
            int match = 1;

            if (m) {
                bgp_text(m, "prefix-set", set, sizeof set);
                bgp_text(m, "match-set-options", opt, sizeof opt);
                match = bgp_oc_in_set(d, set, p);
                if (!strcmp(opt, "INVERT")) {
                    match = !match;
                }
            }
            if (!match) {
                continue;
            }
            bgp_text(st, "actions/config/policy-result", buf, sizeof buf);
            if (!strcmp(buf, "ACCEPT_ROUTE")) {
                return 1;
            }
            if (!strcmp(buf, "REJECT_ROUTE")) {
                return 0;
            }
        }
        return -1;
    }
    return -1;
}

/* An OpenConfig policy chain: the first decision; at the end, reject (OpenConfig's
 * default-import/export-policy default). No policy at all accepts. */
static int
bgp_oc_chain(const struct bgp_dev *d, const char *chain, struct bgp_pfx p)
{
    char buf[256], *tok, *save = NULL;

    if (!*chain) {
        return 1;
    }
    snprintf(buf, sizeof buf, "%s", chain);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int r = bgp_oc_policy(d, tok, p);

        if (r >= 0) {
            return r;
        }
    }
    return 0;
}

/* Is @p an item of Junos prefix-list @name (exact match, as `from prefix-list` is)? */
static int
bgp_junos_in_list(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr l, it;
    char buf[128];

    for (l = bgp_child(bgp_path(bgp_top(d->eff, "configuration"), "policy-options"), "prefix-list");
         l; l = bgp_next(l, "prefix-list")) {
        if (strcmp(bgp_text(l, "name", buf, sizeof buf), name)) {
            continue;
        }
        for (it = bgp_child(l, "prefix-list-item"); it; it = bgp_next(it, "prefix-list-item")) {
            struct bgp_pfx q;

            if (!bgp_prefix(bgp_text(it, "name", buf, sizeof buf), &q, 1) && bgp_same(&q, &p)) {
                return 1;
            }
        }
    }
    return 0;
}

static const char *
bgp_proto_name(enum bgp_proto proto)
{
    switch (proto) {
    case BGP_P_STATIC:
        return "static";
    case BGP_P_AGGREGATE:
        return "aggregate";
    case BGP_P_BGP:
    case BGP_P_NETWORK:
        break;
    }
    return "bgp";
}

/* Junos policy-statement @name: terms in order (all of a term's `from` conditions must
 * hold), then the statement's own `then`; no decision: -1. */
static int
bgp_junos_policy(const struct bgp_dev *d, const char *name, const struct bgp_route *r)
{
    xmlNodePtr ps, t;
    char buf[128];

    for (ps = bgp_child(bgp_path(bgp_top(d->eff, "configuration"), "policy-options"),
                        "policy-statement");
         ps; ps = bgp_next(ps, "policy-statement")) {
        if (strcmp(bgp_text(ps, "name", buf, sizeof buf), name)) {
            continue;
        }
        for (t = bgp_child(ps, "term"); t; t = bgp_next(t, "term")) {
            xmlNodePtr from = bgp_child(t, "from"), c, then = bgp_child(t, "then");
            int lists = 0, inlist = 0, protos = 0, inproto = 0;

            for (c = bgp_child(from, "prefix-list"); c; c = bgp_next(c, "prefix-list")) {
                lists = 1;
                inlist |= bgp_junos_in_list(d, bgp_text(c, "name", buf, sizeof buf), r->p);
            }
            for (c = bgp_child(from, "protocol"); c; c = bgp_next(c, "protocol")) {
                protos = 1;
                inproto |= !strcmp(bgp_text(c, NULL, buf, sizeof buf), bgp_proto_name(r->proto));
            }
            if ((lists && !inlist) || (protos && !inproto)) {
                continue;
            }
            if (bgp_child(then, "accept")) {
                return 1;
            }
            if (bgp_child(then, "reject")) {
                return 0;
            }
        }
        if (bgp_child(bgp_child(ps, "then"), "accept")) {
            return 1;
        }
        if (bgp_child(bgp_child(ps, "then"), "reject")) {
            return 0;
        }
        return -1;
    }
    return -1;
}

/* A Junos policy chain; with no decision, Junos' default BGP policy: import accepts,
 * export sends BGP routes only (@export). */
static int
bgp_junos_chain(const struct bgp_dev *d, const char *chain, const struct bgp_route *r, int export)
{
    char buf[256], *tok, *save = NULL;

    snprintf(buf, sizeof buf, "%s", chain);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int v = bgp_junos_policy(d, tok, r);

        if (v >= 0) {
            return v;
        }
    }
    return export ? r->proto == BGP_P_BGP : 1;
}

/* IOS-XR: the lines of prefix-set @name's RPL text hold @p ("A/L [ge N] [le N]")? */
static int
bgp_xr_in_set(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr rp = NULL, ps;
    char buf[128], *text = NULL, *line, *save = NULL;
    int hit = 0;

    for (xmlNodePtr c = bgp_top(d->eff, "routing-policy"); c && !rp;
         c = bgp_next(c, "routing-policy")) {
        rp = c;
    }
    for (ps = bgp_child(bgp_path(rp, "sets/prefix-sets"), "prefix-set"); ps;
         ps = bgp_next(ps, "prefix-set")) {
        if (!strcmp(bgp_text(ps, "set-name", buf, sizeof buf), name)) {
            xmlChar *t = xmlNodeGetContent(bgp_child(ps, "rpl-prefix-set"));

            text = t ? nst_strdup((const char *)t) : NULL;
            xmlFree(t);
            break;
        }
    }
    for (line = text ? strtok_r(text, "\n,", &save) : NULL; line && !hit;
         line = strtok_r(NULL, "\n,", &save)) {
        char pfx[64] = "", k1[8] = "", k2[8] = "";
        unsigned v1 = 0, v2 = 0, lo, hi;
        struct bgp_pfx q;
        int n = sscanf(line, " %63s %7s %u %7s %u", pfx, k1, &v1, k2, &v2);

        if (n < 1 || bgp_prefix(pfx, &q, 1)) {
            continue;
        }
        lo = hi = q.len;
        if (n >= 3 && !strcmp(k1, "ge")) {
            lo = v1;
            hi = bgp_maxlen(q.fam);
        } else if (n >= 3 && !strcmp(k1, "le")) {
            hi = v1;
        }
        if (n >= 5 && !strcmp(k2, "le")) {
            hi = v2;
        }
        hit = bgp_covers(&q, &p) && p.len >= lo && p.len <= hi;
    }
    nst_free(text);
    return hit;
}

/* IOS-XR route-policy @name: one level of if/elseif/else on `destination in SET`, `pass`
 * or `drop`; what is not passed is dropped. No policy: eBGP passes nothing (XR, RFC 8212). */
static int
bgp_xr_policy(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr rp = bgp_top(d->eff, "routing-policy"), c;
    char buf[128], *text = NULL, *line, *save = NULL;
    int active = 1, taken = 0, in_if = 0, result = 0;

    if (!*name) {
        return 0;
    }
    for (c = bgp_child(bgp_child(rp, "route-policies"), "route-policy"); c;
         c = bgp_next(c, "route-policy")) {
        if (!strcmp(bgp_text(c, "route-policy-name", buf, sizeof buf), name)) {
            xmlChar *t = xmlNodeGetContent(bgp_child(c, "rpl-route-policy"));

            text = t ? nst_strdup((const char *)t) : NULL;
            xmlFree(t);
            break;
        }
    }
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char set[128];

        while (*line == ' ' || *line == '\t') {
            line++;
        }
        if (sscanf(line, "if destination in %127s", set) == 1) {
            in_if = 1;
            taken = active = bgp_xr_in_set(d, set, p);
        } else if (sscanf(line, "elseif destination in %127s", set) == 1) {
            active = !taken && bgp_xr_in_set(d, set, p);
            taken |= active;
        } else if (!strncmp(line, "else", 4) && in_if) {
            active = !taken;
        } else if (!strncmp(line, "endif", 5)) {
            in_if = 0;
            active = 1;
        } else if (active && !strncmp(line, "pass", 4)) {
            result = 1;
        } else if (active && !strncmp(line, "done", 4)) {
            result = 1;
            break;
        } else if (active && !strncmp(line, "drop", 4)) {
            result = 0;
            break;
        }
    }
    nst_free(text);
    return result;
}

/* SR OS policy-statement @name: entries by entry-id (document order here: netstitch
 * writes them sorted), `from prefix-list` (types exact, longer, through), action accept or
 * reject, then default-action; none: -1 (the next policy of the chain). */
static int
bgp_sros_in_list(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr po = bgp_path(bgp_top(d->eff, "configure"), "policy-options"), l, e;
    char buf[128], type[32];

    for (l = bgp_child(po, "prefix-list"); l; l = bgp_next(l, "prefix-list")) {
        if (strcmp(bgp_text(l, "name", buf, sizeof buf), name)) {
            continue;
        }
        for (e = bgp_child(l, "prefix"); e; e = bgp_next(e, "prefix")) {
            struct bgp_pfx q;

            if (bgp_prefix(bgp_text(e, "ip-prefix", buf, sizeof buf), &q, 1) ||
                !bgp_covers(&q, &p)) {
                continue;
            }
            bgp_text(e, "type", type, sizeof type);
            if (p.len == q.len || !strcmp(type, "longer")) {
                return 1;
            }
        }
    }
    return 0;
}

static int
bgp_sros_policy(const struct bgp_dev *d, const char *name, struct bgp_pfx p)
{
    xmlNodePtr po = bgp_path(bgp_top(d->eff, "configure"), "policy-options"), ps, e;
    char buf[128];

    for (ps = bgp_child(po, "policy-statement"); ps; ps = bgp_next(ps, "policy-statement")) {
        if (strcmp(bgp_text(ps, "name", buf, sizeof buf), name)) {
            continue;
        }
        for (e = bgp_child(ps, "entry"); e; e = bgp_next(e, "entry")) {
            xmlNodePtr f = bgp_child(e, "from"), pl;
            int lists = 0, hit = 0;

            for (pl = bgp_child(f, "prefix-list"); pl; pl = bgp_next(pl, "prefix-list")) {
                lists = 1;
                hit |= bgp_sros_in_list(d, bgp_text(pl, NULL, buf, sizeof buf), p);
            }
            if (lists && !hit) {
                continue;
            }
            bgp_text(e, "action/action-type", buf, sizeof buf);
            if (!strcmp(buf, "accept")) {
                return 1;
            }
            if (!strcmp(buf, "reject")) {
                return 0;
            }
        }
        if (!*bgp_text(ps, "default-action/action-type", buf, sizeof buf)) {
            return -1;
        }
        return !strcmp(buf, "accept");
    }
    return -1;
}

/* An SR OS policy chain; at its end (or with none) eBGP passes nothing
 * (ebgp-default-reject-policy). */
static int
bgp_sros_chain(const struct bgp_dev *d, const char *chain, struct bgp_pfx p)
{
    char buf[256], *tok, *save = NULL;

    snprintf(buf, sizeof buf, "%s", chain);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        int v = bgp_sros_policy(d, tok, p);

        if (v >= 0) {
            return v;
        }
    }
    return 0;
}

static int
bgp_permits(const struct bgp_dev *d, const char *policy, const struct bgp_route *r, int export)
{
    switch (d->vendor) {
    case BGP_V_VRP:
        return bgp_vrp_filter(d, policy, r->p);
    case BGP_V_OC:
        return bgp_oc_chain(d, policy, r->p);
    case BGP_V_JUNOS:
        return bgp_junos_chain(d, policy, r, export);
    case BGP_V_XR:
        return bgp_xr_policy(d, policy, r->p);
    case BGP_V_SROS:
        return bgp_sros_chain(d, policy, r->p);
    case BGP_V_NONE:
        break;
    }
    return 0;
}

/* This side's AS toward neighbor @n: its local-as, else its table's (a VRF's or the
 * router's). */
static uint32_t
bgp_local_as(const struct bgp_dev *d, const struct bgp_nbr *n)
{
    return n->local_as ? n->local_as : n->vrf ? d->vrfs[n->vrf - 1].as : d->as;
}

/* BGP runs in the table of neighbor @n (the router's, or its VRF's). */
static int
bgp_on(const struct bgp_dev *d, const struct bgp_nbr *n)
{
    return n->vrf ? d->vrfs[n->vrf - 1].on : d->bgp_on;
}

/*
 * Reading configurations
 */

static xmlDocPtr
bgp_read_running(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long len;
    xmlDocPtr doc = NULL;

    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return NULL;
    }
    /* running.xml holds the datastore's top-level siblings: wrap them in one root. */
    buf = nst_malloc((size_t)len + 16);
    if (buf) {
        memcpy(buf, "<r>", 3);
        if (fread(buf + 3, 1, (size_t)len, f) == (size_t)len) {
            memcpy(buf + 3 + len, "</r>", 5);
            doc = xmlReadMemory(buf, (int)(len + 7), "running.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
        }
    }
    fclose(f);
    nst_free(buf);
    return doc;
}

static void
bgp_extract(struct bgp_dev *d)
{
    d->as = 0;
    d->bgp_on = 0;
    d->naddrs = d->norig = 0;
    d->nifs = 0;
    d->nvrfs = 0;
    memset(d->ifname, 0, sizeof d->ifname);
    /* Keep the session history (since/transitions) of neighbors that stay. */
    struct bgp_nbr old[BGP_MAX_NBR];
    int nold = d->nnbrs;

    memcpy(old, d->nbrs, sizeof old);
    d->nnbrs = 0;
    d->oc_proto_id[0] = d->oc_proto_name[0] = '\0';
    if (d->vendor == BGP_V_VRP) {
        bgp_extract_vrp(d);
    } else if (d->vendor == BGP_V_OC) {
        bgp_extract_oc(d);
    } else if (d->vendor == BGP_V_JUNOS) {
        bgp_extract_junos(d);
    } else if (d->vendor == BGP_V_XR) {
        bgp_extract_xr(d);
    } else if (d->vendor == BGP_V_SROS) {
        bgp_extract_sros(d);
    }
    for (int i = 0; i < d->nnbrs; i++) {
        for (int j = 0; j < nold; j++) {
            if (!strcmp(d->nbrs[i].addr, old[j].addr) && !strcmp(d->nbrs[i].vname, old[j].vname)) {
                d->nbrs[i].up = old[j].up;
                d->nbrs[i].since = old[j].since;
                d->nbrs[i].transitions = old[j].transitions;
                memcpy(d->nbrs[i].sig, old[j].sig, sizeof old[j].sig);
            }
        }
    }
    memset(old, 0, sizeof old);
}

/* Notice changed running.xml files; switch to configurations whose delay has passed. */
static void
bgp_poll_files(struct sim_bgp *b, double now)
{
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];
        char *path;
        struct stat st;

        if (d->vendor == BGP_V_NONE) {
            continue;
        }
        if (!d->changed) {
            path = NULL; /* nothing in its directory changed: running.xml neither */
        } else if (!(path = nst_asprintf("%s/running.xml", d->dir))) {
            continue;
        }
        if (path && !stat(path, &st) &&
            (!d->seen || st.st_ino != d->ino || st.st_size != d->size ||
             st.st_mtim.tv_sec != d->mtime.tv_sec || st.st_mtim.tv_nsec != d->mtime.tv_nsec)) {
            xmlDocPtr doc = bgp_read_running(path);

            if (doc) {
                xmlFreeDoc(d->pending);
                d->pending = doc;
                /* The first configuration is in effect at once (a router that booted). */
                d->pending_at = d->seen ? now : now - (double)b->delay_ms / 1000.0;
                d->seen = 1;
                d->ino = st.st_ino;
                d->size = st.st_size;
                d->mtime = st.st_mtim;
            }
        }
        nst_free(path);
        if (d->pending && now >= d->pending_at + (double)b->delay_ms / 1000.0) {
            xmlFreeDoc(d->eff);
            d->eff = d->pending;
            d->pending = NULL;
            bgp_extract(d);
            b->dirty = 1;
        }
    }
}

/*
 * Sessions
 */

/* @d has address @ip on an interface of table @vrf (0 global). */
static int
bgp_has_addr(const struct bgp_dev *d, const struct bgp_pfx *ip, uint8_t vrf)
{
    for (int i = 0; i < d->naddrs; i++) {
        if (bgp_addr_eq(&d->addrs[i], ip) && d->addrs[i].vrf == vrf) {
            return 1;
        }
    }
    return 0;
}

/* Our interface address of table @vrf (a VRF's neighbor is reached through the VRF's
 * interfaces only) on the subnet of @ip, or NULL. */
static const struct bgp_pfx *
bgp_local_for(const struct bgp_dev *d, const struct bgp_pfx *ip, uint8_t vrf)
{
    for (int i = 0; i < d->naddrs; i++) {
        if (d->addrs[i].vrf == vrf && bgp_same_subnet(&d->addrs[i], ip) &&
            !bgp_addr_eq(&d->addrs[i], ip)) {
            return &d->addrs[i];
        }
    }
    return NULL;
}

/* An address of family index @f on interface @ifx of @d, or NULL. */
static const struct bgp_pfx *
bgp_addr_on(const struct bgp_dev *d, uint16_t ifx, int f)
{
    for (int i = 0; i < d->naddrs; i++) {
        if (d->addrs[i].ifx == ifx && bgp_fi(&d->addrs[i]) == f) {
            return &d->addrs[i];
        }
    }
    return NULL;
}

/* Is our table @vname ("" global) the one an external names, @vrf ("-" global)? The same
 * name, or @vrf fitted to a vendor's length limit as netstitch's drivers do
 * (drv_fit_name(): a prefix, '-' and six hex digits of a hash). */
static int
bgp_vrf_is(const char *vname, const char *vrf)
{
    size_t l = strlen(vname);

    if (!*vname) {
        return !strcmp(vrf, "-");
    }
    if (!strcmp(vname, vrf)) {
        return 1;
    }
    return l >= 8 && l < strlen(vrf) && vname[l - 7] == '-' &&
           strspn(vname + l - 6, "0123456789abcdef") == 6 && !strncmp(vname, vrf, l - 7);
}

/* The far end of (d, n): a device and its neighbor entry, or an external. */
struct bgp_far {
    struct bgp_dev *dev;
    struct bgp_nbr *nbr;
    struct bgp_ext *ext;
};

/* Routes of family index @f over the session (d, n) to device @o, whose transport address
 * is n->ip: the sender's next hop is its address of that family on the interface holding
 * n->ip, and it is usable when our interface holding @local has an address of the family
 * on that next hop's subnet. (Without one, a router sends an IPv4-mapped or unusable next
 * hop; the route is received but cannot be installed.) */
static int
bgp_xfam_nh_ok(const struct bgp_dev *d, const struct bgp_pfx *local, const struct bgp_dev *o,
               const struct bgp_pfx *far_ip, int f)
{
    const struct bgp_pfx *far_if = NULL, *nh, *mine;

    for (int i = 0; i < o->naddrs; i++) {
        if (bgp_addr_eq(&o->addrs[i], far_ip)) {
            far_if = &o->addrs[i];
        }
    }
    if (!far_if || !(nh = bgp_addr_on(o, far_if->ifx, f)) ||
        !(mine = bgp_addr_on(d, local->ifx, f))) {
        return 0;
    }
    return bgp_same_subnet(mine, nh) && !bgp_addr_eq(mine, nh);
}

static int
bgp_session_check(struct sim_bgp *b, struct bgp_dev *d, struct bgp_nbr *n, struct bgp_far *far)
{
    const struct bgp_pfx *local;
    char lbuf[64];
    int tf;

    memset(far, 0, sizeof *far);
    n->sig[0] = '\0';
    n->act = 0;
    n->nh_ok[0] = n->nh_ok[1] = 0;
    if (!bgp_on(d, n) || !n->enabled || !n->ip.fam) {
        return 0;
    }
    local = bgp_local_for(d, &n->ip, n->vrf);
    if (!local) {
        return 0;
    }
    tf = bgp_fi(&n->ip);
    n->nh_ok[tf] = 1;
    bgp_ntop(local, lbuf, sizeof lbuf);
    for (int i = 0; i < b->nexts; i++) {
        struct bgp_ext *e = &b->exts[i];
        struct bgp_pfx ea, epa;

        if (bgp_ip(e->addr, &ea) || bgp_ip(e->peer_addr, &epa) || !bgp_addr_eq(&ea, &n->ip) ||
            !bgp_addr_eq(&epa, local) || (*e->dev && strcmp(e->dev, d->name)) ||
            (*e->vrf && !bgp_vrf_is(n->vname, e->vrf))) {
            continue;
        }
        far->ext = e;
        /* An external peer carries its transport's family (as AWS runs one peer per
         * family) unless the description names its families; a route of the other family
         * comes with the external's next hop of that family (`next-hop`), usable when our
         * interface has an address on its subnet. */
        n->act = n->afs & (e->afs ? e->afs : 1u << tf);
        if (*e->nh) {
            struct bgp_pfx nh;
            const struct bgp_pfx *mine = bgp_addr_on(d, local->ifx, !tf);

            n->nh_ok[!tf] = !bgp_ip(e->nh, &nh) && bgp_fi(&nh) == !tf && mine &&
                            bgp_same_subnet(mine, &nh) && !bgp_addr_eq(mine, &nh);
        }
        /* The signature covers every parameter of both ends (keys by equality). */
        snprintf(n->sig, sizeof n->sig, "ext %s %u %u %u %u %d %u", e->name, n->peer_as, e->as,
                 bgp_local_as(d, n), e->peer_as, !strcmp(n->key, e->key), n->act);
        return n->peer_as == e->as && bgp_local_as(d, n) == e->peer_as && !strcmp(n->key, e->key);
    }
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *o = &b->devs[i];

        if (o == d) {
            continue;
        }
        for (int j = 0; j < o->nnbrs; j++) {
            struct bgp_nbr *m = &o->nbrs[j];

            /* The far end names our address, in the table holding its own address. */
            if (!bgp_addr_eq(&m->ip, local) || !bgp_has_addr(o, &n->ip, m->vrf)) {
                continue;
            }
            far->dev = o;
            far->nbr = m;
            /* Families: what both ends configure (capabilities, RFC 4760). */
            n->act = n->afs & m->afs;
            n->nh_ok[!tf] = bgp_xfam_nh_ok(d, local, o, &n->ip, !tf);
            snprintf(n->sig, sizeof n->sig, "dev %s %u %u %u %u %d %d %d %u", o->name, n->peer_as,
                     bgp_local_as(o, m), m->peer_as, bgp_local_as(d, n), !strcmp(n->key, m->key),
                     m->enabled, bgp_on(o, m), n->act);
            return bgp_on(o, m) && m->enabled && n->peer_as == bgp_local_as(o, m) &&
                   m->peer_as == bgp_local_as(d, n) && !strcmp(n->key, m->key);
        }
    }
    return 0;
}

static int
bgp_path_has(const struct bgp_route *r, uint32_t as)
{
    for (int i = 0; i < r->npath; i++) {
        if (r->path[i] == as) {
            return 1;
        }
    }
    return 0;
}

static int
bgp_rib_add(struct bgp_dev *d, const struct bgp_route *r)
{
    for (int i = 0; i < d->nrib; i++) {
        if (d->rib[i].vrf == r->vrf && bgp_same(&d->rib[i].p, &r->p)) {
            return 0; /* first path wins: deterministic, no best-path selection */
        }
    }
    if (d->nrib >= BGP_MAX_PFX) {
        return 0;
    }
    d->rib[d->nrib++] = *r;
    return 1;
}

/* Routes @n of @d receives, per family: count pre- and post-import, add the accepted ones
 * to the RIB. A route of a family the session does not carry is not sent; one without a
 * usable next hop is received and not accepted. */
static int
bgp_receive(struct bgp_dev *d, struct bgp_nbr *n, const struct bgp_far *far)
{
    int changed = 0;

    n->rx_pre[0] = n->rx_acc[0] = n->rx_pre[1] = n->rx_acc[1] = 0;
    if (far->ext) {
        for (int i = 0; i < far->ext->nannounce; i++) {
            struct bgp_route r = {
                .p = far->ext->announce[i], .vrf = n->vrf, .path = {far->ext->as}, .npath = 1};
            int f = bgp_fi(&r.p);

            if (!(n->act & (1u << f))) {
                continue;
            }
            n->rx_pre[f]++;
            if (n->nh_ok[f] && bgp_permits(d, n->import[f], &r, 0)) {
                n->rx_acc[f]++;
                changed |= bgp_rib_add(d, &r);
            }
        }
        return changed;
    }
    for (int i = 0; i < far->dev->nrib; i++) {
        struct bgp_route r = far->dev->rib[i];
        int f = bgp_fi(&r.p);

        /* The far end sends what its neighbor's table holds (the global table or the
         * neighbor's VRF); eBGP never sends a route back to an AS on its path; the far end's
         * export policy decides what leaves it. */
        if (r.vrf != far->nbr->vrf || !(n->act & (1u << f)) ||
            bgp_path_has(&r, bgp_local_as(d, n)) ||
            !bgp_permits(far->dev, far->nbr->export_[f], &r, 1)) {
            continue;
        }
        if (r.npath < BGP_MAX_PATH) {
            memmove(r.path + 1, r.path, (size_t)r.npath * sizeof r.path[0]);
            r.npath++;
        }
        r.path[0] = bgp_local_as(far->dev, far->nbr);
        r.proto = BGP_P_BGP;
        r.vrf = n->vrf;
        r.vpn = 0;
        n->rx_pre[f]++;
        if (n->nh_ok[f] && bgp_permits(d, n->import[f], &r, 0)) {
            n->rx_acc[f]++;
            changed |= bgp_rib_add(d, &r);
        }
    }
    return changed;
}

/* Does VRF @imp import a route of VRF @exp (an export route target of one is an import
 * route target of the other)? A VRF without a route distinguisher exports nothing: its
 * routes cannot become VPN-IPv4 routes (RFC 4364 4.1). */
static int
bgp_rt_match(const struct bgp_vrf *imp, const struct bgp_vrf *exp)
{
    if (!*exp->rd) {
        return 0;
    }
    for (int i = 0; i < exp->nexp; i++) {
        for (int k = 0; k < imp->nimp; k++) {
            if (!strcmp(exp->exp[i], imp->imp[k])) {
                return 1;
            }
        }
    }
    return 0;
}

/* The backbone's VPN-IPv4 iBGP between the PEs (infrastructure netstitch does not render,
 * docs/drivers.md): every simulated router with BGP on and the same AS as another is
 * taken to peer with it for VPN routes. A route a PE's VRF learned from its CE (not one it
 * learned from another PE: iBGP does not pass those on) is imported by every VRF of
 * another PE of the AS whose import route targets hold one of the exporting VRF's export
 * route targets; the route distinguisher keeps VRFs apart (here: each VRF its own table).
 * The AS path stays as it is (iBGP), the route becomes a BGP route of the importing VRF. */
static int
bgp_vpn_exchange(struct sim_bgp *b)
{
    int changed = 0;

    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];

        for (int v = 0; v < d->nvrfs; v++) {
            for (int k = 0; k < b->ndevs; k++) {
                struct bgp_dev *o = &b->devs[k];

                if (o == d || !d->vrfs[v].on) {
                    continue;
                }
                for (int w = 0; w < o->nvrfs; w++) {
                    if (!o->vrfs[w].on || d->vrfs[v].unresolved || o->vrfs[w].as != d->vrfs[v].as ||
                        !bgp_rt_match(&d->vrfs[v], &o->vrfs[w])) {
                        continue;
                    }
                    for (int r = 0; r < o->nrib; r++) {
                        struct bgp_route rt = o->rib[r];

                        if (rt.vrf != w + 1 || rt.vpn) {
                            continue;
                        }
                        rt.vrf = (uint8_t)(v + 1);
                        rt.vpn = 1;
                        rt.proto = BGP_P_BGP;
                        changed |= bgp_rib_add(d, &rt);
                    }
                }
            }
        }
    }
    return changed;
}

static void bgp_write_externals(struct sim_bgp *b, struct bgp_far (*far)[BGP_MAX_NBR],
                                int (*up)[BGP_MAX_NBR]);

/* One computation of every session and route with the neighbors over their prefix limit
 * (bgp_nbr.over) held down: sessions into @up and @far, RIBs, received counts. */
static void
bgp_compute_pass(struct sim_bgp *b, double now, struct bgp_far (*far)[BGP_MAX_NBR],
                 int (*up)[BGP_MAX_NBR])
{
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];

        d->nrib = 0;
        for (int k = 0; k < d->norig; k++) {
            struct bgp_route r = {
                .p = d->orig[k], .proto = d->orig_proto[k], .vrf = d->orig[k].vrf};

            bgp_rib_add(d, &r);
        }
        for (int j = 0; j < d->nnbrs; j++) {
            struct bgp_nbr *n = &d->nbrs[j];

            up[i][j] = bgp_session_check(b, d, n, &far[i][j]) &&
                       !sim_fault_bgp_down(d->dir, n->addr, now); /* flap-bgp (fault.c) */
            memset(n->rx_pre, 0, sizeof n->rx_pre);
            memset(n->rx_acc, 0, sizeof n->rx_acc);
        }
    }
    /* A session one end tore down (prefix limit) is down at both ends. */
    for (int i = 0; i < b->ndevs; i++) {
        for (int j = 0; j < b->devs[i].nnbrs; j++) {
            const struct bgp_nbr *n = &b->devs[i].nbrs[j];

            if (n->over || (far[i][j].nbr && far[i][j].nbr->over)) {
                up[i][j] = 0;
            }
            if (!up[i][j]) {
                b->devs[i].nbrs[j].act = 0;
            }
        }
    }
    /* Propagate until nothing changes (bounded: every round adds a route somewhere). */
    for (int round = 0; round < BGP_MAX_PFX; round++) {
        int changed = 0;

        for (int i = 0; i < b->ndevs; i++) {
            for (int j = 0; j < b->devs[i].nnbrs; j++) {
                if (up[i][j]) {
                    changed |= bgp_receive(&b->devs[i], &b->devs[i].nbrs[j], &far[i][j]);
                }
            }
        }
        changed |= bgp_vpn_exchange(b);
        if (!changed) {
            break;
        }
    }
}

/* Mark the up neighbors whose received routes exceed their prefix limit (one with
 * teardown: the router ends the session); 1 when one was newly marked. The limit counts
 * what the vendor counts: Junos prefix-limit the routes received, the others those
 * accepted by the import policy. */
static int
bgp_limits(struct sim_bgp *b, int (*up)[BGP_MAX_NBR])
{
    int any = 0;

    for (int i = 0; i < b->ndevs; i++) {
        for (int j = 0; j < b->devs[i].nnbrs; j++) {
            struct bgp_nbr *n = &b->devs[i].nbrs[j];

            for (int f = 0; f < 2 && up[i][j] && !n->over; f++) {
                unsigned got = n->max_pre ? n->rx_pre[f] : n->rx_acc[f];

                if (n->maxpfx[f] && got > n->maxpfx[f]) {
                    n->over = 1;
                    any = 1;
                }
            }
        }
    }
    return any;
}

static void
bgp_compute(struct sim_bgp *b, double now)
{
    struct bgp_far far[BGP_MAX_DEV][BGP_MAX_NBR];
    int up[BGP_MAX_DEV][BGP_MAX_NBR];
    char(*oldsig)[BGP_MAX_NBR][512] = b->oldsig;

    /* Prefix limits are judged afresh on every computation: a router that tore a session
     * down retries after its idle timeout, and stays down while the far end still sends
     * too many (a limit passed once per configuration, not remembered). */
    for (int i = 0; i < b->ndevs; i++) {
        for (int j = 0; j < b->devs[i].nnbrs; j++) {
            b->devs[i].nbrs[j].over = 0;
            memcpy(oldsig[i][j], b->devs[i].nbrs[j].sig, sizeof oldsig[i][j]);
        }
    }
    for (int pass = 0; pass < 8; pass++) {
        bgp_compute_pass(b, now, far, up);
        if (!bgp_limits(b, up)) {
            break;
        }
    }
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];

        for (int j = 0; j < d->nnbrs; j++) {
            struct bgp_nbr *n = &d->nbrs[j];

            /* A change of either end's parameters resets the session. */
            if (up[i][j] != n->up || strcmp(oldsig[i][j], n->sig)) {
                n->since = now;
                if (up[i][j]) {
                    n->transitions++;
                }
            }
            n->up = up[i][j];
        }
    }
    /* Advertised counts: what each end's export lets through toward an up neighbor, per
     * family the session carries. */
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];

        for (int j = 0; j < d->nnbrs; j++) {
            struct bgp_nbr *n = &d->nbrs[j];

            n->sent[0] = n->sent[1] = 0;
            for (int k = 0; up[i][j] && k < d->nrib; k++) {
                uint32_t fas =
                    far[i][j].ext ? far[i][j].ext->as : bgp_local_as(far[i][j].dev, far[i][j].nbr);
                int f = bgp_fi(&d->rib[k].p);

                if (d->rib[k].vrf == n->vrf && (n->act & (1u << f)) &&
                    !bgp_path_has(&d->rib[k], fas) &&
                    bgp_permits(d, n->export_[f], &d->rib[k], 1)) {
                    n->sent[f]++;
                }
            }
        }
    }
    bgp_write_externals(b, far, up);
}

/*
 * State output, in each vendor's model
 */

struct bgp_buf {
    char *s;
    size_t len, cap;
    int oom;
};

static void __attribute__((format(printf, 2, 3))) bgp_out(struct bgp_buf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->oom) {
        return;
    }
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(o->s ? o->s + o->len : NULL, o->s ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->oom = 1;
            return;
        }
        if (o->s && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap ? o->cap * 2 : 4096) + (size_t)n;
        char *s = nst_realloc(o->s, cap);

        if (!s) {
            o->oom = 1;
            return;
        }
        o->s = s;
        o->cap = cap;
    }
}

/* Write @text to @path atomically unless the file already holds it. */
static void
bgp_write_if_changed(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    size_t len = strlen(text);
    char *tmp;

    if (f) {
        char *old = nst_malloc(len + 2);
        size_t got = old ? fread(old, 1, len + 1, f) : 0;
        int same = old && got == len && !memcmp(old, text, len);

        nst_free(old);
        fclose(f);
        if (same) {
            return;
        }
    }
    tmp = nst_asprintf("%s.tmp", path);
    if (tmp && (f = fopen(tmp, "w"))) {
        if (fwrite(text, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
            unlink(tmp);
        }
    }
    nst_free(tmp);
}

/* What each external peer receives, as the outside world sees it (a test cannot ask a
 * simulated CE over NETCONF): STATEDIR/bgp-external/NAME, one line `session DEVICE VRF
 * ADDRESS STATE` per simulated router's neighbor that is this external (VRF "-" for the
 * global table), then one `prefix P` line per route it accepts: what the router's export
 * policy sends it over an Established session, without those whose AS path holds the
 * external's own AS (eBGP loop prevention, RFC 4271 9.1.2). Sorted as the routers hold
 * them. */
static void
bgp_write_externals(struct sim_bgp *b, struct bgp_far (*far)[BGP_MAX_NBR], int (*up)[BGP_MAX_NBR])
{
    char *dir = nst_asprintf("%s/bgp-external", b->statedir);

    if (!dir) {
        return;
    }
    mkdir(dir, 0755);
    for (int e = 0; e < b->nexts; e++) {
        struct bgp_ext *x = &b->exts[e];
        struct bgp_buf o = {0};
        char *path;

        for (int i = 0; i < b->ndevs; i++) {
            struct bgp_dev *d = &b->devs[i];

            for (int j = 0; j < d->nnbrs; j++) {
                struct bgp_nbr *n = &d->nbrs[j];

                if (far[i][j].ext != x) {
                    continue;
                }
                bgp_out(&o, "session %s %s %s %s\n", d->name, *n->vname ? n->vname : "-", n->addr,
                        up[i][j] ? "Established" : "Active");
                for (int k = 0; up[i][j] && k < d->nrib; k++) {
                    const struct bgp_route *r = &d->rib[k];
                    char pb[64];

                    if (r->vrf == n->vrf && (n->act & (1u << bgp_fi(&r->p))) &&
                        !bgp_path_has(r, x->as) &&
                        bgp_permits(d, n->export_[bgp_fi(&r->p)], r, 1)) {
                        bgp_out(&o, "prefix %s/%u\n", bgp_ntop(&r->p, pb, sizeof pb), r->p.len);
                    }
                }
            }
        }
        path = nst_asprintf("%s/%s", dir, x->name);
        if (path && !o.oom) {
            bgp_write_if_changed(path, o.s ? o.s : "");
        }
        nst_free(path);
        nst_free(o.s);
    }
    nst_free(dir);
}

static const char *
bgp_state_vrp(const struct bgp_dev *d, const struct bgp_nbr *n)
{
    return n->up ? "established" : (!bgp_on(d, n) || !n->enabled) ? "idle" : "active";
}

static const char *
bgp_state_oc(const struct bgp_dev *d, const struct bgp_nbr *n)
{
    return n->up ? "ESTABLISHED" : (!bgp_on(d, n) || !n->enabled) ? "IDLE" : "ACTIVE";
}

/* The families a neighbor's state reports: those configured, else its transport's. */
static unsigned
bgp_report_fams(const struct bgp_nbr *n)
{
    return n->afs ? n->afs : n->ip.fam == 6 ? BGP_F6 : BGP_F4;
}

/* IOS-XR neighbors of table @vrf (Cisco-IOS-XR-ipv4-bgp-oper neighbor list). */
static void
bgp_render_xr_nbrs(const struct sim_bgp *b, const struct bgp_dev *d, struct bgp_buf *o, uint8_t vrf)
{
    for (int i = 0; i < d->nnbrs; i++) {
        const struct bgp_nbr *n = &d->nbrs[i];
        unsigned fams = bgp_report_fams(n);

        if (n->vrf != vrf) {
            continue;
        }
        bgp_out(o,
                "<neighbor><neighbor-address>%s</neighbor-address><local-as>%u</local-as>"
                "<remote-as>%u</remote-as><connection-state>%s</connection-state>",
                n->addr, bgp_local_as(d, n), n->peer_as,
                n->up                            ? "bgp-st-estab"
                : (!bgp_on(d, n) || !n->enabled) ? "bgp-st-idle"
                                                 : "bgp-st-active");
        if (n->up) {
            bgp_out(o, "<connection-established-time>%ld</connection-established-time>",
                    (long)(bgp_now(b) - n->since));
        }
        for (int f = 0; f < 2; f++) {
            if (fams & (1u << f)) {
                bgp_out(o,
                        "<af-data><af-name>%s</af-name><prefixes-accepted>%u"
                        "</prefixes-accepted><prefixes-denied>%u</prefixes-denied>"
                        "<prefixes-advertised>%u</prefixes-advertised></af-data>",
                        f ? "ipv6" : "ipv4", n->rx_acc[f], n->rx_pre[f] - n->rx_acc[f], n->sent[f]);
            }
        }
        bgp_out(o, "</neighbor>\n");
    }
}

/* SR OS neighbors of table @vrf (nokia-state bgp neighbor list). */
static void
bgp_render_sros_nbrs(const struct bgp_dev *d, struct bgp_buf *o, uint8_t vrf)
{
    for (int i = 0; i < d->nnbrs; i++) {
        const struct bgp_nbr *n = &d->nbrs[i];
        unsigned fams = bgp_report_fams(n);

        if (n->vrf != vrf) {
            continue;
        }
        bgp_out(o,
                "<neighbor><ip-address>%s</ip-address><statistics><session-state>%s"
                "</session-state><peer-as>%u</peer-as><received-paths>%u</received-paths>"
                "<family-prefix>",
                n->addr,
                n->up                            ? "Established"
                : (!bgp_on(d, n) || !n->enabled) ? "Idle"
                                                 : "Active",
                n->peer_as, n->rx_pre[0] + n->rx_pre[1]);
        for (int f = 0; f < 2; f++) {
            if (fams & (1u << f)) {
                bgp_out(o,
                        "<%s><received>%u</received><active>%u</active>"
                        "<rejected>%u</rejected><sent>%u</sent></%s>",
                        f ? "ipv6" : "ipv4", n->rx_pre[f], n->rx_acc[f],
                        n->rx_pre[f] - n->rx_acc[f], n->sent[f], f ? "ipv6" : "ipv4");
            }
        }
        bgp_out(o, "</family-prefix></statistics></neighbor>\n");
    }
}

/* OpenConfig neighbors of table @vrf (network-instance protocol bgp neighbor list). */
static void
bgp_render_oc_nbrs(const struct sim_bgp *b, const struct bgp_dev *d, struct bgp_buf *o, uint8_t vrf)
{
    struct timespec rt;

    clock_gettime(CLOCK_REALTIME, &rt);
    for (int i = 0; i < d->nnbrs; i++) {
        const struct bgp_nbr *n = &d->nbrs[i];
        unsigned fams = bgp_report_fams(n);

        if (n->vrf != vrf) {
            continue;
        }
        /* last-established: nanoseconds since the epoch (oc-types:timeticks64). */
        double ago = n->up ? (double)rt.tv_sec - (bgp_now(b) - n->since) : 0;

        bgp_out(o,
                "<neighbor><neighbor-address>%s</neighbor-address><state>"
                "<neighbor-address>%s</neighbor-address><session-state>%s</session-state>",
                n->addr, n->addr, bgp_state_oc(d, n));
        if (n->up) {
            bgp_out(o, "<last-established>%.0f000000000</last-established>", ago);
        }
        bgp_out(o, "<established-transitions>%u</established-transitions></state><afi-safis>",
                n->transitions);
        for (int f = 0; f < 2; f++) {
            const char *name = f ? "IPV6_UNICAST" : "IPV4_UNICAST";

            if (!(fams & (1u << f))) {
                continue;
            }
            bgp_out(o,
                    "<afi-safi><afi-safi-name xmlns:b=\"http://openconfig.net/yang/bgp-types\">"
                    "b:%s</afi-safi-name><state><afi-safi-name "
                    "xmlns:b=\"http://openconfig.net/yang/bgp-types\">b:%s</afi-safi-name>"
                    "<prefixes><received>%u</received><received-pre-policy>%u"
                    "</received-pre-policy><sent>%u</sent><installed>%u</installed></prefixes>"
                    "</state></afi-safi>",
                    name, name, n->rx_acc[f], n->rx_pre[f], n->sent[f], n->rx_acc[f]);
        }
        bgp_out(o, "</afi-safis></neighbor>\n");
    }
}

static void
bgp_render(const struct sim_bgp *b, const struct bgp_dev *d, struct bgp_buf *o)
{
    if (d->vendor == BGP_V_JUNOS) {
        /* The output of <get-bgp-neighbor-information> (junos-rpc-bgp), every neighbor;
         * one bgp-rib per family (inet.0, inet6.0). */
        bgp_out(o, "<bgp-information xmlns=\"http://yang.juniper.net/junos/rpc/bgp\">\n");
        for (int i = 0; i < d->nnbrs; i++) {
            const struct bgp_nbr *n = &d->nbrs[i];
            long up = n->up ? (long)(bgp_now(b) - n->since) : 0;
            unsigned fams = bgp_report_fams(n);

            /* peer-cfg-rti: the routing instance the neighbor is configured in ("master":
             * the global table); a VRF's RIBs are VRF.inet.0 and VRF.inet6.0. */
            bgp_out(o,
                    "<bgp-peer><peer-address>%s+179</peer-address><peer-as>%u</peer-as>"
                    "<local-as>%u</local-as><peer-cfg-rti>%s</peer-cfg-rti>"
                    "<peer-state>%s</peer-state>",
                    n->addr, n->peer_as, bgp_local_as(d, n), *n->vname ? n->vname : "master",
                    n->up                            ? "Established"
                    : (!bgp_on(d, n) || !n->enabled) ? "Idle"
                                                     : "Active");
            if (n->up) {
                bgp_out(o, "<elapsed-time>%ld:%02ld:%02ld</elapsed-time>", up / 3600, up / 60 % 60,
                        up % 60);
            }
            for (int f = 0; f < 2; f++) {
                if (!(fams & (1u << f))) {
                    continue;
                }
                bgp_out(o,
                        "<bgp-rib><name>%s%s%s</name><active-prefix-count>%u</active-prefix-count>"
                        "<received-prefix-count>%u</received-prefix-count>"
                        "<accepted-prefix-count>%u</accepted-prefix-count>"
                        "<advertised-prefix-count>%u</advertised-prefix-count></bgp-rib>",
                        n->vname, *n->vname ? "." : "", f ? "inet6.0" : "inet.0", n->rx_acc[f],
                        n->rx_pre[f], n->rx_acc[f], n->sent[f]);
            }
            bgp_out(o, "</bgp-peer>\n");
        }
        bgp_out(o, "</bgp-information>\n");
        return;
    }
    if (d->vendor == BGP_V_XR) {
        if (!d->nnbrs) {
            return;
        }
        /* The global table's neighbors under default-vrf, each VRF's under vrfs/vrf. */
        bgp_out(o, "<bgp xmlns=\"http://cisco.com/ns/yang/Cisco-IOS-XR-ipv4-bgp-oper\"><instances>"
                   "<instance><instance-name>default</instance-name><instance-active>");
        if (d->nvrfs) {
            bgp_out(o, "<vrfs>");
            for (int v = 1; v <= d->nvrfs; v++) {
                bgp_out(o, "<vrf><vrf-name>%s</vrf-name><neighbors>\n", d->vrfs[v - 1].name);
                bgp_render_xr_nbrs(b, d, o, (uint8_t)v);
                bgp_out(o, "</neighbors></vrf>");
            }
            bgp_out(o, "</vrfs>");
        }
        bgp_out(o, "<default-vrf><neighbors>\n");
        bgp_render_xr_nbrs(b, d, o, 0);
        bgp_out(o, "</neighbors></default-vrf></instance-active></instance></instances></bgp>\n");
        return;
    }
    if (d->vendor == BGP_V_SROS) {
        if (!d->nnbrs) {
            return;
        }
        /* The global table's neighbors under router Base, each VRF's (a VPRN service)
         * under service/vprn. */
        bgp_out(o, "<state xmlns=\"urn:nokia.com:sros:ns:yang:sr:state\"><router>"
                   "<router-name>Base</router-name><bgp>\n");
        bgp_render_sros_nbrs(d, o, 0);
        bgp_out(o, "</bgp></router>");
        if (d->nvrfs) {
            bgp_out(o, "<service>");
            for (int v = 1; v <= d->nvrfs; v++) {
                bgp_out(o, "<vprn><service-name>%s</service-name><bgp>\n", d->vrfs[v - 1].name);
                bgp_render_sros_nbrs(d, o, (uint8_t)v);
                bgp_out(o, "</bgp></vprn>");
            }
            bgp_out(o, "</service>");
        }
        bgp_out(o, "</state>\n");
        return;
    }
    if (d->vendor == BGP_V_VRP) {
        if (!d->nnbrs) {
            return;
        }
        /* One instance element per instance that has peers, each peer once, one af per
         * family with the session's state. */
        bgp_out(o, "<network-instance xmlns=\"urn:huawei:yang:huawei-network-instance\">"
                   "<instances>\n");
        for (int i = 0; i < d->nnbrs; i++) {
            int first = 1;

            for (int k = 0; k < i; k++) {
                if (!strcmp(d->nbrs[k].inst, d->nbrs[i].inst)) {
                    first = 0;
                }
            }
            if (!first) {
                continue;
            }
            bgp_out(o,
                    "<instance><name>%s</name><bgp xmlns=\"urn:huawei:yang:huawei-bgp\">"
                    "<base-process><peers>\n",
                    d->nbrs[i].inst);
            for (int j = i; j < d->nnbrs; j++) {
                const struct bgp_nbr *n = &d->nbrs[j];
                unsigned fams = bgp_report_fams(n);

                if (strcmp(n->inst, d->nbrs[i].inst)) {
                    continue;
                }
                bgp_out(o, "<peer><address>%s</address><afs>", n->addr);
                for (int f = 0; f < 2; f++) {
                    if (fams & (1u << f)) {
                        bgp_out(o,
                                "<af><type>%s</type><state><current-state>%s</current-state>"
                                "<receive-prefix>%u</receive-prefix>"
                                "<receive-active-prefix>%u</receive-active-prefix>"
                                "<advertise-prefix>%u</advertise-prefix></state></af>",
                                f ? "ipv6uni" : "ipv4uni", bgp_state_vrp(d, n), n->rx_pre[f],
                                n->rx_acc[f], n->sent[f]);
                    }
                }
                bgp_out(o, "</afs></peer>\n");
            }
            bgp_out(o, "</peers></base-process></bgp></instance>\n");
        }
        bgp_out(o, "</instances></network-instance>\n");
        return;
    }
    /* The default instance's neighbors, then each VRF's in its L3VRF instance. */
    if (!d->oc_proto_name[0] && !d->nvrfs) {
        return;
    }
    bgp_out(o, "<network-instances xmlns=\"http://openconfig.net/yang/network-instance\">");
    if (d->oc_proto_name[0]) {
        bgp_out(o,
                "<network-instance><name>default</name><protocols><protocol>"
                "<identifier xmlns:p=\"http://openconfig.net/yang/policy-types\">p:%s</identifier>"
                "<name>%s</name><bgp><neighbors>\n",
                d->oc_proto_id, d->oc_proto_name);
        bgp_render_oc_nbrs(b, d, o, 0);
        bgp_out(o, "</neighbors></bgp></protocol></protocols></network-instance>");
    }
    for (int v = 1; v <= d->nvrfs; v++) {
        if (!d->vrfs[v - 1].oc_proto[0]) {
            continue;
        }
        bgp_out(o,
                "<network-instance><name>%s</name><protocols><protocol>"
                "<identifier xmlns:p=\"http://openconfig.net/yang/policy-types\">p:BGP</identifier>"
                "<name>%s</name><bgp><neighbors>\n",
                d->vrfs[v - 1].name, d->vrfs[v - 1].oc_proto);
        bgp_render_oc_nbrs(b, d, o, (uint8_t)v);
        bgp_out(o, "</neighbors></bgp></protocol></protocols></network-instance>");
    }
    bgp_out(o, "</network-instances>\n");
}

/* Where a device's state goes: oper.xml (merged into <get>), or for Junos the canned
 * reply of its state RPC (oper.c serves both). */
static char *
bgp_out_path(const struct bgp_dev *d)
{
    if (d->vendor == BGP_V_JUNOS) {
        char *dir = nst_asprintf("%s/rpc-reply", d->dir);

        if (dir) {
            mkdir(dir, 0755);
        }
        nst_free(dir);
        return nst_asprintf("%s/rpc-reply/get-bgp-neighbor-information.xml", d->dir);
    }
    return nst_asprintf("%s/oper.xml", d->dir);
}

static void
bgp_write(struct bgp_dev *d, const char *text)
{
    char *tmp = nst_asprintf("%s/.oper.xml.bgp", d->dir), *path = bgp_out_path(d);
    FILE *f;

    if (tmp && path && (f = fopen(tmp, "w"))) {
        size_t len = strlen(text);

        if (fwrite(text, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
            unlink(tmp);
        }
    }
    nst_free(tmp);
    nst_free(path);
}

/*
 * Public
 */

static int
bgp_read_key(const char *file, char *key, size_t len)
{
    FILE *f = fopen(file, "r");

    key[0] = '\0';
    if (!f) {
        return -1;
    }
    if (!fgets(key, (int)len, f)) {
        key[0] = '\0';
    }
    fclose(f);
    key[strcspn(key, "\r\n")] = '\0';
    return 0;
}

static char *
bgp_trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) {
        *--e = '\0';
    }
    return s;
}

/* Read the description @path into @b's externals and delay (all or nothing). */
static nst_err
bgp_read_desc(struct sim_bgp *b, const char *path, char **errmsg)
{
    struct bgp_ext *exts = nst_calloc(BGP_MAX_EXT, sizeof *exts), *e = NULL;
    unsigned delay = 1000;
    int nexts = 0, lineno = 0;
    FILE *f = NULL;
    char line[1024], *base = NULL, *slash;
    struct stat st;
    nst_err ret = NST_EINPUT;

    if (!exts) {
        return NST_ENOMEM;
    }
    f = fopen(path, "r");
    if (!f || fstat(fileno(f), &st)) {
        *errmsg = nst_asprintf("%s: %s", path, strerror(errno));
        goto done;
    }
    base = nst_strdup(path);
    if (!base) {
        goto done;
    }
    slash = strrchr(base, '/');
    if (slash) {
        *slash = '\0';
    }
    while (fgets(line, sizeof line, f)) {
        char *s = bgp_trim(line), *eq, *key, *val;

        lineno++;
        if (!*s || *s == '#' || *s == ';') {
            continue;
        }
        if (!strncmp(s, "[external ", 10) && s[strlen(s) - 1] == ']') {
            if (nexts >= BGP_MAX_EXT) {
                *errmsg = nst_asprintf("%s:%d: too many externals", path, lineno);
                goto done;
            }
            e = &exts[nexts++];
            s[strlen(s) - 1] = '\0';
            snprintf(e->name, sizeof e->name, "%s", bgp_trim(s + 10));
            continue;
        }
        eq = strchr(s, '=');
        if (!eq) {
            *errmsg = nst_asprintf("%s:%d: expected KEY = VALUE", path, lineno);
            goto done;
        }
        *eq = '\0';
        key = bgp_trim(s);
        val = bgp_trim(eq + 1);
        if (!e && !strcmp(key, "delay-ms")) {
            delay = (unsigned)strtoul(val, NULL, 10);
        } else if (e && !strcmp(key, "asn")) {
            e->as = (uint32_t)strtoul(val, NULL, 10);
        } else if (e && !strcmp(key, "peer-as")) {
            e->peer_as = (uint32_t)strtoul(val, NULL, 10);
        } else if (e && !strcmp(key, "address")) {
            snprintf(e->addr, sizeof e->addr, "%s", val);
        } else if (e && !strcmp(key, "families")) {
            char fb[64], *tok, *save = NULL;

            snprintf(fb, sizeof fb, "%s", val);
            e->afs = 0;
            for (tok = strtok_r(fb, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
                if (!strcmp(tok, "ipv4") || !strcmp(tok, "ipv4-unicast")) {
                    e->afs |= BGP_F4;
                } else if (!strcmp(tok, "ipv6") || !strcmp(tok, "ipv6-unicast")) {
                    e->afs |= BGP_F6;
                } else {
                    *errmsg = nst_asprintf("%s:%d: unknown family %s", path, lineno, tok);
                    goto done;
                }
            }
        } else if (e && !strcmp(key, "device")) {
            snprintf(e->dev, sizeof e->dev, "%s", val);
        } else if (e && !strcmp(key, "vrf")) {
            snprintf(e->vrf, sizeof e->vrf, "%s", val);
        } else if (e && !strcmp(key, "next-hop")) {
            snprintf(e->nh, sizeof e->nh, "%s", val);
        } else if (e && !strcmp(key, "peer-address")) {
            snprintf(e->peer_addr, sizeof e->peer_addr, "%s", val);
        } else if (e && !strcmp(key, "key-file")) {
            char *p = *val == '/' ? nst_strdup(val) : nst_asprintf("%s/%s", base, val);

            if (!p || bgp_read_key(p, e->key, sizeof e->key)) {
                *errmsg = nst_asprintf("%s:%d: cannot read the key file %s", path, lineno, val);
                nst_free(p);
                goto done;
            }
            nst_free(p);
        } else if (e && !strcmp(key, "announce")) {
            struct bgp_pfx p;

            if (bgp_prefix(val, &p, 1)) {
                *errmsg = nst_asprintf("%s:%d: bad prefix %s", path, lineno, val);
                goto done;
            }
            bgp_pfx_add(e->announce, &e->nannounce, p);
        } else {
            *errmsg = nst_asprintf("%s:%d: unknown key \"%s\"", path, lineno, key);
            goto done;
        }
    }
    memcpy(b->exts, exts, sizeof b->exts);
    b->nexts = nexts;
    b->delay_ms = delay;
    b->desc_mtime = st.st_mtim;
    b->desc_ino = st.st_ino;
    b->dirty = 1;
    ret = NST_OK;

done:
    if (f) {
        fclose(f);
    }
    memset(exts, 0, BGP_MAX_EXT * sizeof *exts); /* keys */
    nst_free(exts);
    nst_free(base);
    return ret;
}

nst_err
sim_bgp_new(const struct sim_cfg *cfg, struct sim_bgp **out, char **errmsg)
{
    struct sim_bgp *b = nst_calloc(1, sizeof *b);

    if (!b) {
        return NST_ENOMEM;
    }
    clock_gettime(CLOCK_MONOTONIC, &b->t0);
    b->path = nst_strdup(cfg->bgp);
    b->statedir = nst_strdup(cfg->statedir);
    if (!b->path || !b->statedir || bgp_read_desc(b, cfg->bgp, errmsg)) {
        sim_bgp_free(b);
        return NST_EINPUT;
    }
    for (int i = 0; i < cfg->ndevs && b->ndevs < BGP_MAX_DEV; i++) {
        struct bgp_dev *d = &b->devs[b->ndevs++];
        const char *prof = cfg->devs[i].prof.name;

        d->name = cfg->devs[i].name;
        d->vendor = !strcmp(prof, "vrp")                                    ? BGP_V_VRP
                    : (!strcmp(prof, "openconfig") || !strcmp(prof, "eos")) ? BGP_V_OC
                    : !strcmp(prof, "junos")                                ? BGP_V_JUNOS
                    : !strcmp(prof, "iosxr")                                ? BGP_V_XR
                    : !strcmp(prof, "sros")                                 ? BGP_V_SROS
                                                                            : BGP_V_NONE;
        d->dir = nst_asprintf("%s/%s", cfg->statedir, d->name);
        if (!d->dir) {
            sim_bgp_free(b);
            return NST_ENOMEM;
        }
    }
    *out = b;
    return NST_OK;
}

/*
 * Which files to look at. The tick used to stat every device's running.xml and faults
 * file every 50 ms (8,000 stat calls a second with 200 devices: the supervisor's whole idle
 * CPU, taken from the clients the lab serves). The supervisor watches each device
 * directory and the description's directory with inotify instead (created at the first
 * tick, after the devices are forked) and looks at a device's files only after something
 * in its directory changed (running.xml and faults are replaced by rename or rewritten;
 * every kind of change is watched, the logs' appends included), and at the description
 * only after its directory changed. Without inotify, for a directory it cannot watch
 * (yet), and after an event queue overflow, everything is looked at, as before.
 */
#define BGP_WATCH_MASK                                                                             \
    (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE |            \
     IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

static void
bgp_watch(struct sim_bgp *b)
{
    if (!b->ino_tried) {
        char *dir = nst_strdup(b->path), *slash;

        b->ino_tried = 1;
        b->desc_wd = -1;
        /* The first tick reads the description again, now that every device is known (a
         * `device` line names one). */
        b->desc_changed = 1;
        b->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (b->ino_fd >= 0 && dir) {
            slash = strrchr(dir, '/');
            if (slash) {
                *slash = '\0';
            }
            b->desc_wd =
                inotify_add_watch(b->ino_fd, slash ? (*dir ? dir : "/") : ".", BGP_WATCH_MASK);
        }
        nst_free(dir);
    }
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];

        if (!d->watched) {
            /* Not watched (yet): looked at every tick; once more when the watch is new. */
            d->changed = 1;
            if (b->ino_fd >= 0) {
                d->wd = inotify_add_watch(b->ino_fd, d->dir, BGP_WATCH_MASK);
                d->watched = d->wd >= 0;
            }
        }
    }
    b->desc_changed |= b->ino_fd < 0 || b->desc_wd < 0;
}

static void
bgp_events(struct sim_bgp *b)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;

    while (b->ino_fd >= 0 && (n = read(b->ino_fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;

            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                b->desc_changed = 1;
                for (int i = 0; i < b->ndevs; i++) {
                    b->devs[i].changed = 1;
                }
                continue;
            }
            if (ev->wd == b->desc_wd) {
                b->desc_changed = 1;
                if (ev->mask & IN_IGNORED) {
                    b->desc_wd = -1;
                }
            }
            for (int i = 0; i < b->ndevs; i++) {
                if (b->devs[i].watched && b->devs[i].wd == ev->wd) {
                    b->devs[i].changed = 1;
                    if (ev->mask & IN_IGNORED) {
                        b->devs[i].watched = 0; /* its directory went: watch it again */
                    }
                }
            }
        }
    }
}

void
sim_bgp_tick(struct sim_bgp *b)
{
    double now;
    int dirty;

    if (!b) {
        return;
    }
    now = bgp_now(b);
    bgp_watch(b);
    bgp_events(b);
    if (b->desc_changed) {
        struct stat st;
        char *err = NULL;

        b->desc_changed = 0;
        /* The outside world changed (tests edit bgp.conf); a bad edit is ignored. */
        if (!stat(b->path, &st) &&
            (st.st_ino != b->desc_ino || st.st_mtim.tv_sec != b->desc_mtime.tv_sec ||
             st.st_mtim.tv_nsec != b->desc_mtime.tv_nsec)) {
            if (bgp_read_desc(b, b->path, &err)) {
                b->desc_mtime = st.st_mtim;
                b->desc_ino = st.st_ino;
            }
            nst_free(err);
        }
    }
    bgp_poll_files(b, now);
    for (int i = 0; i < b->ndevs; i++) {
        /* flap-bgp (fault.c): its file is read again only when the directory changed. */
        b->dirty |= sim_fault_bgp_tick(b->devs[i].dir, now, b->devs[i].changed);
        b->devs[i].changed = 0;
    }
    dirty = b->dirty;
    if (dirty) {
        b->dirty = 0;
        bgp_compute(b, now);
    }
    for (int i = 0; i < b->ndevs; i++) {
        struct bgp_dev *d = &b->devs[i];
        struct bgp_buf o = {0};

        if (d->vendor == BGP_V_NONE || !d->eff) {
            continue;
        }
        /* Junos and IOS-XR report the time established: refreshed every second. */
        if (!dirty && !((d->vendor == BGP_V_JUNOS || d->vendor == BGP_V_XR) &&
                        (long)now != d->last_write_s)) {
            continue;
        }
        d->last_write_s = (long)now;
        bgp_render(b, d, &o);
        if (o.oom) {
            nst_free(o.s);
            continue;
        }
        if (!o.s) {
            o.s = nst_strdup("");
            if (!o.s) {
                continue;
            }
        }
        if (!d->last_out || strcmp(d->last_out, o.s)) {
            if (*o.s) {
                bgp_write(d, o.s);
            } else {
                char *p = bgp_out_path(d);

                if (p) {
                    unlink(p);
                }
                nst_free(p);
            }
            nst_free(d->last_out);
            d->last_out = o.s;
        } else {
            nst_free(o.s);
        }
    }
}

void
sim_bgp_free(struct sim_bgp *b)
{
    if (!b) {
        return;
    }
    for (int i = 0; i < b->ndevs; i++) {
        xmlFreeDoc(b->devs[i].pending);
        xmlFreeDoc(b->devs[i].eff);
        nst_free(b->devs[i].dir);
        nst_free(b->devs[i].last_out);
    }
    memset(b->exts, 0, sizeof b->exts);
    if (b->ino_tried && b->ino_fd >= 0) {
        close(b->ino_fd);
    }
    nst_free(b->path);
    nst_free(b->statedir);
    nst_free(b);
}
