/*
 * check.h: the semantic checker and its results.
 *
 * nst_service_check() runs every check over the model and records every problem as
 * a diagnostic. Besides diagnostics it leaves results the later stages use: the MTU
 * each port needs (and the planned change, if any), the MTU table per hop, the
 * bottleneck of each connection. They live in the service's arena.
 *
 * The checks, one file each:
 *   check.c       path continuity, VLAN/TPID, stitch points, VPLS, bandwidth, driver
 *   check_mtu.c   frame sizes per hop in each vendor's MTU meaning
 *   check_ip.c    prefix overlaps anywhere, addresses in subnets, duplicates
 *   check_bgp.c   ASNs, both ends agree, announcements
 *   check_onramp.c cloud on-ramp profiles (AWS, Azure, Google, IBM rules as data)
 *   check_shared.c shared exchange ports: no port-level change
 *   check_qinq.c  multi-VLAN and port-based QinQ: C-VLAN lists, overlaps, vendor limits
 *   check_redundancy.c redundant pairs: roles, same ends, different hand-offs, diversity
 *   check_multipoint.c a VPLS's MTU per attachment pair, the worst pair named; multipoint
 *                 VPNs (netstitch-multipoint): encapsulation, signalling, MTU per site pair;
 *                 layer-3 ones (kind l3vpn): route target, AS, PE-CE links, CE AS
 */
#ifndef NST_CHECK_H
#define NST_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "driver.h"
#include "model.h"

/* What one port needs across every hop that uses it. */
struct chk_port {
    const struct m_port *port;
    uint32_t needed;            /* vendor meaning, 0 = unused by any hop */
    uint32_t planned;           /* new MTU to set, 0 = no change */
    const struct m_conn *conn;  /* the hop that needs the most */
    const struct m_hop *hop;
};

/* The MTU table row of one hop. */
struct chk_hop_mtu {
    const struct m_conn *conn;
    const struct m_hop *hop;
    uint32_t frame;             /* L2 frame bytes, FCS excluded */
    uint32_t limit;             /* fixed segment: frame limit, else 0 */
    uint32_t need[2];           /* port MTU needed at each end (vendor meaning), 0 = external */
    uint32_t max_ip;            /* largest IP MTU this hop carries after planned changes */
};

struct chk_conn {
    const struct m_conn *conn;
    uint32_t max_ip;            /* largest IP MTU the whole path carries */
    const struct m_hop *bottleneck;
    uint64_t bottleneck_kbps;
};

struct chk_result {
    struct chk_port *ports;     /* indexed by m_port.idx */
    size_t nports;
    struct chk_hop_mtu *hops;   /* in connection, then hop order */
    size_t nhops;
    struct chk_conn *conns;     /* parallel to m_service.conns */
    size_t nconns;
    uint32_t *mp_worst;         /* per multipoint VPN: its worst pair's IP MTU, UINT32_MAX none */
    const enum drv_tagging *tagging; /* per port (m_port.idx): the tagging mode its
                                      * sub-interfaces force (check_mtu.c), NULL before */
    size_t nmps;
};

/* Shared state of one check run. */
struct chk {
    struct nst_ctx *ctx;
    const struct m_service *svc;
    struct arena *arena;
    struct chk_result *res;
    nst_err err;                /* first fatal error (ENOMEM) */
};

/* Record a diagnostic at a model node; device may be NULL. */
void chk_report(struct chk *c, enum diag_code code, const struct m_src *src, const char *device,
                ...);

void chk_mtu(struct chk *c);
void chk_ip(struct chk *c);
void chk_bgp(struct chk *c);
/* The on-ramp profiles under <yang_dir>/onramps applied to every session peering with a
 * cloud site; @tree is the service's libyang tree (the profile leaves are augments). */
void chk_onramp(struct chk *c, const struct lyd_node *tree);
/* Shared exchange ports (netstitch-exchange): refuse what would change them. After chk_mtu. */
void chk_shared(struct chk *c);
/* A multipoint VPN's attachment circuit @what with tags @e on port @p: the shared-port
 * encapsulation and TPID rules (nothing when @p is not shared). */
void chk_shared_ac(struct chk *c, const struct m_port *p, const struct m_encap *e, const char *what,
                   const struct m_src *src);
/* QinQ bundles (netstitch-qinq). */
void chk_qinq(struct chk *c);
/* Redundant pairs (netstitch-redundancy); @tree as for chk_onramp. */
void chk_redundancy(struct chk *c, const struct lyd_node *tree);
/* A VPLS's worst attachment pair (after chk_mtu). */
void chk_multipoint(struct chk *c);
/* Multipoint VPNs (netstitch-multipoint), after chk_mtu: encapsulation, signalling,
 * ports, MTU per pair of sites (planned raises go into the port table). */
void chk_mp(struct chk *c);

/* Tag capability of @e's device for tags @enc at @src (check.c): TPID support, double-tag
 * match, a port fixed to another TPID; @conn and @h may be NULL (a multipoint VPN's
 * attachment circuit). The DRV_TPID_* bit of a TPID. */
void chk_tags_at(struct chk *c, const struct m_conn *conn, const struct m_hop *h,
                 const struct m_end *e, const struct m_encap *enc, const struct m_src *src);
unsigned chk_tpid_bit(enum m_tpid t);

/* A BGP-signalled VPLS's route target and VE ids against every member's driver (check.c;
 * also run on a multipoint VPN's instance by check_multipoint.c). */
void chk_vpls_bgp(struct chk *c, const struct m_vpls *v);

/* The hop of @conn that reaches @port on @dev (not a VPLS hop), or NULL. */
const struct m_hop *chk_hop_at_port(const struct m_conn *conn, const struct m_device *dev,
                                    const struct m_port *port);

/* Do hops @k and @k + 1 of @conn meet at a router that joins them at layer 2 (no route
 * stitch on either there, no BGP session on either's port there)? Consecutive hops so
 * joined form one routed hop: one broadcast domain between two routing points. */
bool chk_hops_bridged(const struct m_conn *conn, size_t k);

/* "10 Gbit/s", "28.9 Mbit/s" into @buf. */
const char *chk_bw_str(uint64_t kbps, char *buf, size_t len);

#endif
