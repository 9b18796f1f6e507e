/*
 * model.h: the loaded service as plain C structs.
 *
 * load.c parses and validates the instance with libyang; model.c then walks the
 * libyang tree once and builds these structs so the checker and the lowering stage
 * work on typed fields and direct pointers (a hop points at its segment, a segment
 * end at its device and port) instead of re-querying XPath. Every struct keeps the
 * YANG data path and input line of the node it came from (struct m_src), which is
 * what diagnostics point at.
 *
 * Ownership: all structs, arrays and path strings live in the service's arena and
 * are freed in one call; name strings are borrowed from the libyang tree, which the
 * service also owns. The model is read-only after model_build().
 *
 * Not here: defaults the checker computes (planned MTUs, effective TPIDs): those are
 * results, kept in struct chk_result.
 */
#ifndef NST_MODEL_H
#define NST_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "arena.h"

struct nst_ctx;
struct srcmap;

/* Where a model node came from. */
struct m_src {
    const char *path;   /* YANG data path, arena-owned */
    uint32_t line;      /* 1-based line in the input, 0 unknown */
    const struct lyd_node *node; /* the node at path (the service's tree), NULL unknown */
};

enum m_tpid { TPID_NONE = 0, TPID_8100 = 0x8100, TPID_88A8 = 0x88a8, TPID_9100 = 0x9100 };
enum m_encap_kind { ENCAP_UNTAGGED, ENCAP_DOT1Q, ENCAP_QINQ, ENCAP_VPLS };
enum m_site_kind {
    SITE_ON_PREMISES, SITE_RESEARCH_CLOUD, SITE_BACKBONE, SITE_PARTNER, SITE_EXCHANGE,
    SITE_AWS, SITE_AZURE, SITE_GCP
};
enum m_seg_kind { SEG_ETHERNET, SEG_MPLS_CORE };
enum m_stitch_kind { STITCH_REWRITE, STITCH_ROUTE };
enum m_signalling { SIG_LDP, SIG_BGP };

/* Address families; the values are the IP version. */
enum m_af { M_AF_NONE = 0, M_AF_V4 = 4, M_AF_V6 = 6 };

/* Address-family bits a BGP session carries. */
#define M_AFS_V4 0x1u /* ipv4-unicast */
#define M_AFS_V6 0x2u /* ipv6-unicast */

/* An IPv4 or IPv6 address: network byte order, IPv4 in b[0..3], the rest zero. */
struct m_addr {
    uint8_t af; /* enum m_af; M_AF_NONE: unset or unparsable */
    uint8_t b[16];
};

struct m_prefix {
    struct m_addr addr; /* canonical: libyang clears host bits */
    uint8_t len;
    bool host_bits;     /* written with host bits set (the source map saw it) */
    const char *text;   /* as canonicalised by libyang */
    struct m_src src;
};

/* Customer VLANs of a QinQ bundle (netstitch-qinq): an inclusive range. */
struct m_vlan_range {
    uint16_t lo, hi;
};

struct m_encap {
    enum m_encap_kind kind;
    uint16_t outer;     /* dot1q vlan or QinQ S-tag */
    uint16_t inner;     /* QinQ C-tag; a bundle: its lowest C-VLAN */
    /* A QinQ bundle (netstitch-qinq qinq-bundle, kind ENCAP_QINQ): the C-tags pass
     * through; cvlans in the order written, all_cvlans for 1-4094. */
    bool bundle;
    bool all_cvlans;
    const struct m_vlan_range *cvlans;
    size_t ncvlans;
    enum m_tpid inner_tpid; /* bundle: TPID of the C-tags */
    enum m_tpid tpid;   /* outer TPID; TPID_NONE when untagged */
    const char *vpls;   /* ENCAP_VPLS: the instance name */
    struct m_vpls *vpls_ref; /* resolved by the checker's path pass, may be NULL */
};

struct m_site {
    const char *name;
    enum m_site_kind kind;
    const char *kind_name;
    uint32_t asn;       /* 0 = unset */
    struct m_prefix *prefixes;
    size_t nprefixes;
    struct m_prefix *transit;   /* text is the prefix; name in transit_names */
    const char **transit_names;
    size_t ntransit;
    struct m_src src;
};

struct m_device;

struct m_port {
    const char *name;
    struct m_device *dev;
    uint64_t bandwidth; /* kbit/s */
    uint32_t mtu;       /* vendor meaning */
    uint32_t max_mtu;   /* 0 = cannot be raised */
    enum m_tpid tpid;   /* TPID_NONE = free */
    const char *description;
    bool shared;        /* netstitch-exchange shared: port-level settings are not ours */
    unsigned shared_mode; /* shared port's tagging mode: 0 unknown, 1 dot1q, 2 qinq */
    size_t idx;         /* index over all ports of the service, for per-port tables */
    struct m_src src;
};

struct m_device {
    const char *name;
    const char *vendor_name;
    const char *platform;   /* may be NULL */
    const char *role;
    struct m_site *site;    /* may be NULL */
    uint32_t asn;           /* 0 = unset */
    const char *router_id;  /* may be NULL */
    struct m_port *ports;
    size_t nports;
    const struct drv_ops *drv;  /* the vendor driver */
    struct m_src src;
};

struct m_end {
    struct m_device *dev;   /* NULL for an external end */
    struct m_port *port;
    struct m_site *site;    /* external end */
    const char *node;
    bool has_addr;
    struct m_addr addr; /* IPv4 (leaf address) */
    const char *addr_text;
    bool has_addr6;
    struct m_addr addr6; /* IPv6 (leaf ipv6-address) */
    const char *addr6_text;
    struct m_src src;
    struct m_src addr_src;
    struct m_src addr6_src;
};

struct m_segment {
    const char *name;
    enum m_seg_kind kind;
    struct m_end end[2];
    struct m_site *owner;   /* NULL = managed by netstitch */
    uint32_t mtu;           /* fixed MTU of an owned segment, 0 = none */
    bool mtu_is_ip;         /* mtu-meaning ip: tags do not count against it */
    uint64_t bandwidth;     /* fixed bandwidth, 0 = none */
    bool has_subnet;
    struct m_prefix subnet; /* IPv4 */
    bool has_subnet6;
    struct m_prefix subnet6; /* IPv6 */
    struct m_src src;
};

struct m_hop {
    uint16_t seq;
    struct m_segment *seg;
    struct m_encap encap;
    struct m_src src;
    struct m_src encap_src;
};

struct m_stitch {
    struct m_device *dev;
    struct m_hop *from;
    struct m_hop *to;
    enum m_stitch_kind kind;
    struct m_src src;
};

struct m_vpls_member {
    struct m_device *dev;
    struct m_port *port;
    struct m_encap encap;
    uint16_t ve_id;             /* 0 = unset */
    struct m_src src;
};

struct m_vpls {
    const char *name;
    enum m_signalling signalling;
    uint32_t vpls_id;
    const char *route_target;   /* may be NULL */
    struct m_vpls_member *members;
    size_t nmembers;
    struct m_src src;
    struct m_src rt_src;        /* the route-target leaf, else the instance */
};

struct m_conn;

/* A list of community strings (standard ASN:value or large G:L1:L2) as written. */
struct m_communities {
    const char **v;
    size_t n;
    struct m_src src; /* the first entry's, for diagnostics */
};

struct m_bgp {
    const char *name;
    const struct m_conn *conn;  /* the connection the session is declared in */
    struct m_device *dev;
    struct m_port *port;
    struct m_prefix subnet; /* the transport: IPv4 or IPv6 */
    struct m_addr local;
    const char *local_text;
    uint32_t local_asn;     /* effective: local-asn, else the device's, 0 = none */
    bool local_asn_set;
    bool local_as_no_prepend;
    bool local_as_replace_as;
    struct m_src local_as_src; /* the no-prepend / replace-as leaf written, else local-asn */
    struct m_addr peer;
    const char *peer_text;
    unsigned afs; /* M_AFS_*: the families carried (default: the transport's) */
    bool afs_set; /* address-family written */
    struct m_src afs_src;
    /* The IPv6 next-hop addresses of an IPv4 transport carrying ipv6-unicast. */
    bool has_nh6;               /* any of them written */
    struct m_prefix nh6_subnet; /* len 0 and af NONE when absent */
    struct m_addr nh6_local, nh6_peer;
    const char *nh6_local_text, *nh6_peer_text;
    struct m_src nh6_src, nh6_local_src, nh6_peer_src;
    uint32_t peer_asn;
    struct m_device *peer_dev;  /* one of peer_dev / peer_site */
    struct m_site *peer_site;
    struct m_prefix *announce;
    size_t nannounce;
    struct m_prefix *accept;
    size_t naccept;
    uint32_t max_prefix;    /* 0 = unset */
    uint32_t max_prefix_v4, max_prefix_v6; /* prefix-limit per family, 0 = max_prefix */
    uint8_t limit_threshold;               /* percent, default 80 */
    uint16_t limit_restart;                /* minutes, default 30 */
    bool limit_restart_set;                /* restart written (not the default) */
    struct m_src limit_src;
    bool bfd;
    uint32_t bfd_interval; /* ms */
    uint8_t bfd_multiplier;
    struct m_src bfd_src;
    uint8_t multihop; /* TTL, 0 = directly connected */
    struct m_src multihop_src;
    uint8_t prepend; /* export: times, 0 = none */
    bool has_med;
    uint32_t med;
    struct m_src export_src;
    struct m_communities export_comm, export_large, import_comm, import_large;
    const char *auth_key_ref;
    struct m_src src;
    struct m_src local_src, peer_src, peer_asn_src, subnet_src, port_src;
};

struct m_conn {
    const char *name;
    uint32_t ip_mtu;
    uint64_t bandwidth;     /* 0 = no requirement */
    struct m_site **endpoints;
    size_t nendpoints;
    struct m_hop *hops;     /* kept in seq order */
    size_t nhops;
    struct m_stitch *stitches;
    size_t nstitches;
    struct m_vpls *vpls;
    size_t nvpls;
    struct m_bgp *bgp;
    size_t nbgp;
    struct m_src src;
};

/* netstitch-intercloud bgp-session prefix-limit defaults: warn at 80 %, and once over the
 * limit, retry after 30 minutes. */
#define M_LIMIT_THRESHOLD 80
#define M_LIMIT_RESTART 30

/* The routed link of an l3vpn attachment circuit to the site's router (the CE) and its
 * eBGP session (netstitch-multipoint attachment-circuit/routing). */
struct m_mp_routing {
    bool set;               /* the container was written */
    struct m_addr pe;       /* the PE's address (pe-address without its length) */
    const char *pe_text;    /* "10.255.10.1", arena-owned */
    struct m_prefix subnet; /* the link: pe-address's network and length; text
                             * "10.255.10.0/30" arena-owned, src the pe-address leaf */
    struct m_addr ce;
    const char *ce_text;
    uint32_t ce_asn;
    const char *auth_key_ref; /* may be NULL */
    uint32_t max_prefix;      /* 0 = unset */
    /* The session's warning threshold (%) and retry time (minutes) when over max-prefix:
     * the defaults of a bgp-session's prefix-limit (M_LIMIT_*), which the model has no
     * leaves for here. */
    uint8_t limit_threshold;
    uint16_t limit_restart;
    struct m_src src;         /* the routing container, else the circuit */
    struct m_src pe_src, ce_src, ce_asn_src;
    struct m_src max_prefix_src; /* the max-prefix leaf, else the container */
    /* Dual stack (pe-ipv6-address, ce-ipv6-address): a second session over IPv6 for the
     * site's IPv6 prefixes. af M_AF_NONE where the leaf is absent. */
    struct m_addr pe6;
    const char *pe6_text;     /* "2001:db8::1", arena-owned; NULL: absent */
    struct m_prefix subnet6;  /* the IPv6 link; text arena-owned, src the pe-ipv6-address leaf */
    struct m_addr ce6;
    const char *ce6_text;     /* NULL: absent */
    struct m_src pe6_src, ce6_src; /* the leaves, else the container */
};

/* A multipoint VPN's attachment circuit (netstitch-multipoint). */
struct m_mp_ac {
    const char *name;
    struct m_site *site;
    struct m_device *dev;
    struct m_port *port;
    struct m_encap encap;
    bool hub;                   /* role hub (hub-and-spoke) */
    uint16_t ve_id;             /* 0 = unset */
    struct m_src src;
    struct m_src encap_src;     /* the encapsulation container, else the circuit */
    struct m_mp_routing routing; /* l3vpn */
};

enum m_mp_topology { MP_FULL_MESH, MP_HUB_AND_SPOKE };
enum m_mp_kind { MP_L2VPN, MP_L3VPN };

/* A multipoint VPN (netstitch-multipoint): a VPLS defined by its attachment circuits. */
struct m_mp {
    const char *name;
    enum m_mp_kind kind;
    uint32_t ip_mtu;
    enum m_mp_topology topology;
    enum m_signalling signalling;
    uint32_t vpls_id;           /* l2vpn */
    uint32_t vpn_id;            /* l3vpn: the route distinguisher's number */
    const char *route_target;   /* may be NULL */
    struct m_mp_ac *acs;
    size_t nacs;
    struct m_src src;
    struct m_src rt_src;        /* the route-target leaf, else the instance */
    /* The same instance as a connection's VPLS (name, signalling, ids, route target;
     * one member per attachment circuit, in order), for the checks and lowering that
     * a connection's VPLS and a multipoint VPN share. */
    struct m_vpls vpls;
};

struct m_name_index;

struct m_service {
    const char *file;       /* the input's name */
    struct m_site *sites;
    size_t nsites;
    struct m_device *devices;
    size_t ndevices;
    struct m_segment *segments;
    size_t nsegments;
    struct m_conn *conns;
    size_t nconns;
    size_t nports;          /* all ports of all devices */
    struct m_mp *mps;       /* multipoint VPNs (netstitch-multipoint) */
    size_t nmps;
    /* Name lookups for model_find_site/device/segment (model.c); NULL: linear scan. */
    const struct m_name_index *site_index, *device_index, *segment_index;
};

/*
 * Build the model from a validated tree. @map may be NULL (lines then 0). Records
 * DIAG_NO_SERVICE when the tree has no intercloud container. Results in @arena.
 */
nst_err model_build(struct nst_ctx *ctx, const struct lyd_node *tree, const struct srcmap *map,
                    const char *file, struct arena *arena, struct m_service **out);

/* Lookups by name; NULL when absent. */
struct m_device *model_find_device(const struct m_service *svc, const char *name);
struct m_site *model_find_site(const struct m_service *svc, const char *name);
struct m_segment *model_find_segment(const struct m_service *svc, const char *name);
struct m_port *model_find_port(const struct m_device *dev, const char *name);
struct m_hop *model_find_hop(const struct m_conn *conn, uint16_t seq);

/* Names for messages. */
const char *model_tpid_str(enum m_tpid tpid);
/* "untagged", "dot1q 2101", "QinQ 0x88a8 3100/2101", "VPLS x" into @buf. */
const char *model_encap_str(const struct m_encap *e, char *buf, size_t len);
/* Tags on the wire for an encapsulation (VPLS hops: 0, the core frame is computed apart). */
unsigned model_encap_tags(const struct m_encap *e);
bool model_encap_equal(const struct m_encap *a, const struct m_encap *b);
/* The same customer VLANs (and C-tag TPID) in two QinQ bundles, as written. */
bool model_cvlans_equal(const struct m_encap *a, const struct m_encap *b);
/* Dotted quad of a host-order address into @buf. */
const char *model_ip_str(uint32_t addr, char *buf, size_t len);

/* Addresses of either family (model.c). */
/* Parse an IPv4 or IPv6 address (no prefix length); false and @out unset when invalid. */
bool model_addr_parse(const char *text, struct m_addr *out);
/* Order: family, then address. */
int model_addr_cmp(const struct m_addr *a, const struct m_addr *b);
bool model_addr_equal(const struct m_addr *a, const struct m_addr *b);
/* 32 or 128. */
unsigned model_af_bits(enum m_af af);
/* The first (@last false) or last address of the @len-bit prefix holding @a. */
void model_addr_span(const struct m_addr *a, unsigned len, bool last, struct m_addr *out);
/* Is @a inside prefix @p (same family)? */
bool model_addr_in(const struct m_addr *a, const struct m_prefix *p);
/* Is @in inside (or equal to) @outer (same family)? */
bool model_prefix_inside(const struct m_prefix *in, const struct m_prefix *outer);

/* Every BGP session of a service by its device: device i's (index in svc->devices) are
 * list[start[i] .. start[i + 1]), in connection order. Built once per check and per
 * lowering (check_bgp.c, lower.c): looking through every session of the service for each
 * prefix was quadratic. */
struct m_bgp_by_dev {
    const struct m_bgp **list;
    size_t *start;
};
/* NST_OK or NST_ENOMEM (then @x holds nothing to free). */
nst_err model_bgp_by_dev(const struct m_service *svc, struct m_bgp_by_dev *x);
void model_bgp_by_dev_free(struct m_bgp_by_dev *x);
/* Does a BGP session of @d other than @self accept @p (inside one of its accept
 * prefixes)? Then @d learns @p by BGP. */
bool model_bgp_learned_elsewhere(const struct m_service *svc, const struct m_bgp_by_dev *x,
                                 const struct m_device *d, const struct m_bgp *self,
                                 const struct m_prefix *p);
/* Was @p written with bits set past its length, or has it such bits? */
bool model_prefix_host_bits(const struct m_prefix *p);
/* "IPv4" / "IPv6". */
const char *model_af_str(enum m_af af);
/* The address as text (inet_ntop) into @buf. */
const char *model_addr_str(const struct m_addr *a, char *buf, size_t len);
/* The end of @seg on @dev, or NULL. */
const struct m_end *model_seg_end_on(const struct m_segment *seg, const struct m_device *dev);

#endif
