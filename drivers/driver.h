/*
 * driver.h: the vendor driver interface.
 *
 * One driver per vendor (junos.c, iosxr.c, sros.c, vrp.c, openconfig.c; the last
 * also serves Arista EOS as platform "eos"), each behind a small ops table. A driver
 * declares its capabilities: how its MTU knob counts bytes, where it sets the QinQ
 * outer TPID, which tag operations its model can express, VPLS signalling, NETCONF
 * datastores and confirmed-commit flavour. The checker asks these instead of
 * switching on the vendor, so a new vendor is one new file (docs/drivers.md).
 *
 * Facts and their sources: docs/vendors.md part A (summarised in docs/checks.md); items
 * marked UNCONFIRMED there are marked where they are relied on here.
 */
#ifndef NST_DRIVER_H
#define NST_DRIVER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "netstitch.h"

/* What the number in a port's MTU knob counts. */
enum drv_mtu_meaning {
    /* L2 header and every tag, FCS excluded (Junos media MTU, SR OS port MTU,
     * OpenConfig config/mtu: tags UNCONFIRMED, assumed counted). */
    DRV_MTU_L2_TAGS,
    /* L2 header only on the parent; sub-interfaces add 4 per tag automatically (IOS-XR). */
    DRV_MTU_L2_PARENT,
    /* The IP MTU; L2 header and tags not counted (VRP ifm mtu, EOS mtu). */
    DRV_MTU_L3
};

/* Bits for TPIDs. */
#define DRV_TPID_8100 0x1u
#define DRV_TPID_88A8 0x2u
#define DRV_TPID_9100 0x4u

struct drv_caps {
    enum drv_mtu_meaning mtu_meaning;
    /* Extra bytes the vendor reserves on an MPLS core port beyond the frame
     * (Junos derives MPLS MTU = media - 14 - 12, reserving three labels: +4). */
    unsigned core_reserve;
    unsigned tpid_supported; /* DRV_TPID_* usable as QinQ outer TPID */
    unsigned tpid_per_subif; /* DRV_TPID_* that are set per sub-interface; others per port */
    bool double_tag_match;   /* can match S-tag + C-tag on a sub-interface */
    bool rewrite_one_tag;    /* push/pop/swap one tag */
    bool rewrite_two_tags;   /* translate 2-to-2, 2-to-1, pop 2, push 2 */
    bool l3_double_tag;      /* a routed sub-interface can terminate QinQ */
    bool vpls_ldp;
    bool vpls_bgp;
    bool candidate; /* NETCONF :candidate */
    bool writable_running;
    unsigned confirmed_commit;    /* 0 none, 10 = :confirmed-commit:1.0, 11 = 1.1 (persist) */
    bool confirm_timeout_minutes; /* else seconds */
    bool ebgp_default_deny;       /* eBGP passes nothing without policy (XR, SR OS) */
    /* A BGP VPLS route target with a four-byte AS (RFC 5668: AS > 65535, a 16-bit
     * number) can be expressed; drv_rt_parse() splits it, the checker refuses it where
     * this is false (docs/checks.md, VPLS-ROUTE-TARGET-VENDOR). */
    bool vpls_rt_four_byte_as;
    /* The port MTU counts two tags for every sub-interface once the port is in
     * DRV_TAGGING_FLEXIBLE (Junos: flexible-vlan-tagging reserves 8 bytes, vlan-tagging 4;
     * docs/vendors.md A.6). drv_tags_counted() applies it. */
    bool flexible_tagging_counts_two;
    unsigned vpls_ve_id_max; /* largest BGP VPLS VE id the vendor's model takes; 0 = 65535 */
    unsigned bgp;                 /* DRV_BGP_*: what the driver renders of a session */
};

/* BGP features a driver renders (drv_caps.bgp); the checker refuses the rest with
 * BGP-KNOB-UNSUPPORTED naming the driver (chk_bgp_caps in check_bgp.c). */
#define DRV_BGP_IPV6 0x1u               /* IPv6 interfaces and IPv6-transport neighbours */
#define DRV_BGP_V6_OVER_V4 0x2u         /* ipv6-unicast over an IPv4 transport */
#define DRV_BGP_BFD 0x4u                /* BFD interval and multiplier per neighbour */
#define DRV_BGP_PREPEND 0x8u            /* AS-path prepend on export */
#define DRV_BGP_MED 0x10u               /* MED on export */
#define DRV_BGP_COMMUNITY 0x20u         /* standard communities set on export */
#define DRV_BGP_LARGE_COMMUNITY 0x40u   /* large communities set on export */
#define DRV_BGP_MULTIHOP 0x80u          /* ebgp-multihop TTL */
#define DRV_BGP_NO_PREPEND 0x100u       /* local-as no-prepend without replace-as */
#define DRV_BGP_REPLACE_AS 0x200u       /* local-as no-prepend replace-as */
#define DRV_BGP_LIMIT 0x400u            /* per-family limit and warning threshold */
#define DRV_BGP_LIMIT_RESTART 0x800u    /* a restart time other than the default 30 minutes */
#define DRV_BGP_COMMUNITY_MATCH 0x1000u /* import matches of (standard, large) communities */

struct drv_prep;

/*
 * The render hook of a driver (docs/drivers.md): called once per device, before any
 * template runs, on a private copy of the device's IR node (@dev, an IR <device> in
 * a document of its own). It may add vendor-specific attributes and elements for the
 * templates to read (SAP ids, RPL text, quoted CLI strings, derived names) with the
 * drv_prep_* helpers; it must not remove or change what the lowering wrote. Returns
 * NST_OK, NST_ENOMEM, or NST_EINTERNAL after drv_prep_fail() (the IR asks for
 * something the vendor cannot express, which the checker should have refused).
 */
typedef nst_err (*drv_prepare_fn)(struct drv_prep *p, xmlNodePtr dev);

struct drv_ops {
    const char *name; /* "junos", ... "eos" */
    const char *mtu_meaning_name;
    struct drv_caps caps;

    /* Rendering (compiler/render.c). */
    const char *tpl_vendor; /* template directory: templates/<tpl_vendor>/ */
    /* Features rendered, in this order, from <tpl_vendor>/<feature>.xml (NETCONF
     * payload) and <tpl_vendor>/<feature>.cli.xml (native CLI); both must exist.
     * NULL-terminated. NULL: the driver renders nothing yet, and its devices are
     * reported as pending instead of compiled. */
    const char *const *features;
    drv_prepare_fn prepare; /* may be NULL */
    /* Why port name @name cannot be rendered by this driver (a static sentence), or NULL
     * when it can; NULL hook: every name the service model allows. The checker asks it
     * (PORT-NAME-UNSUPPORTED), so a name the templates cannot use never reaches them. */
    const char *(*port_name_problem)(const char *name);
};

/* A BGP route target of the form AS:number (RFC 4360 section 3.1 two-octet AS specific,
 * RFC 5668 four-octet AS specific). */
struct drv_rt {
    uint32_t as;
    uint32_t num;
    bool four_byte_as; /* AS above 65535: a four-octet AS and a 16-bit number */
};

/*
 * Split and range-check route target @text ("65000:100", "4200000001:500"). An AS up to
 * 65535 takes a 32-bit number, a larger AS a 16-bit number; AS 0 is refused (RFC 7607,
 * and IOS-XR's model starts at 1), and so are leading zeros (SR OS's and OpenConfig's
 * route-target patterns reject them, and the templates copy the text). The one parser the checker and every driver use.
 * @out is written only on success; on NST_EINPUT *@why (when not NULL) is a static
 * sentence saying what is wrong. Returns NST_OK or NST_EINPUT.
 */
nst_err drv_rt_parse(const char *text, struct drv_rt *out, const char **why);

/* The driver for a vendor name and optional platform ("eos"); NULL if unknown. */
const struct drv_ops *drv_find(const char *vendor, const char *platform);

/*
 * How a port's sub-interfaces make it tag: none tagged, all one 0x8100 tag, or anything
 * else (two tags, or one tag with another TPID). Junos renders the last as
 * flexible-vlan-tagging and the second as vlan-tagging; the checker plans the MTU with
 * the same mode (drv_tags_counted), so the rule lives here once.
 */
enum drv_tagging { DRV_TAGGING_NONE, DRV_TAGGING_DOT1Q, DRV_TAGGING_FLEXIBLE };

/* @mode with one more sub-interface of @tags tags and outer TPID @tpid (0x8100, 0x88a8,
 * 0x9100; ignored when untagged) on the port. Start from DRV_TAGGING_NONE. */
enum drv_tagging drv_tagging_add(enum drv_tagging mode, unsigned tags, unsigned tpid);

/* The tags a port MTU must count for a sub-interface of @tags tags on a port in @mode. */
unsigned drv_tags_counted(const struct drv_ops *drv, enum drv_tagging mode, unsigned tags);

/*
 * The port MTU value, in the driver's meaning, that carries an IP packet of @ip_mtu
 * bytes in a frame with @tags VLAN tags (@core: an MPLS core frame with control
 * word and two labels).
 */
uint32_t drv_port_mtu_needed(const struct drv_ops *drv, uint32_t ip_mtu, unsigned tags, bool core);

/* Inverse: the largest IP MTU a port MTU of @port_mtu carries with @tags tags. */
uint32_t drv_ip_mtu_carried(const struct drv_ops *drv, uint32_t port_mtu, unsigned tags, bool core);

/*
 * Helpers for prepare hooks (driver.c). struct drv_prep carries the render state of
 * one device; every helper records an allocation failure in it, so a hook can make
 * a run of calls and check drv_prep_status() once at the end.
 */
struct drv_prep {
    const char *device; /* the device's name, borrowed */
    const struct drv_ops *drv;
    int oom;       /* an allocation failed */
    int failed;    /* drv_prep_fail() was called */
    char msg[512]; /* drv_prep_fail()'s message */
};

/* The value of attribute @name of @n, borrowed from the node; NULL when absent. */
const char *drv_attr(xmlNodePtr n, const char *name);
/* The attribute as an unsigned number; @def when absent or not a number. */
unsigned long drv_attr_ul(xmlNodePtr n, const char *name, unsigned long def);
/* The first element child of @n named @name (any name when @name is NULL), or NULL. */
xmlNodePtr drv_child(xmlNodePtr n, const char *name);
/* The next element sibling of @n named @name (any name when NULL), or NULL. */
xmlNodePtr drv_next(xmlNodePtr n, const char *name);
/* The text content of the first child element @name of @n, borrowed; NULL if absent. */
const char *drv_child_text(xmlNodePtr n, const char *name);
/* Set (or replace) attribute @name on @n. */
void drv_set_attr(struct drv_prep *p, xmlNodePtr n, const char *name, const char *value);
void drv_set_attrf(struct drv_prep *p, xmlNodePtr n, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A new last child element of @parent (NULL after recording the failure). */
xmlNodePtr drv_add_child(struct drv_prep *p, xmlNodePtr parent, const char *name);
/* Record that the device cannot be rendered; returns NST_EINTERNAL. */
nst_err drv_prep_fail(struct drv_prep *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NST_ENOMEM if a helper failed to allocate, NST_EINTERNAL after drv_prep_fail, else NST_OK. */
nst_err drv_prep_status(const struct drv_prep *p);

/*
 * @s shortened to at most @max bytes, deterministically: a longer string keeps its
 * first bytes and ends in "-" plus 6 hex digits of a hash of the whole string, so two
 * long names that share a prefix stay distinct. Written into @buf (@len >= max + 1);
 * never splits a UTF-8 sequence.
 */
const char *drv_fit_name(const char *s, size_t max, char *buf, size_t len);
/* The 32-bit FNV-1a hash of @s. */
uint32_t drv_hash(const char *s);
/* @s with every control character replaced by a space, into @buf (truncated to fit). */
const char *drv_cli_clean(const char *s, char *buf, size_t len);

extern const struct drv_ops drv_junos_ops;
extern const struct drv_ops drv_iosxr_ops;
extern const struct drv_ops drv_sros_ops;
extern const struct drv_ops drv_vrp_ops;
extern const struct drv_ops drv_openconfig_ops;
extern const struct drv_ops drv_eos_ops;

#endif
