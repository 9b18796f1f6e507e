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
 * Facts and their sources: /shared/reference/vendors.md (summarised in docs/checks.md);
 * items marked UNCONFIRMED there are marked where they are relied on here.
 */
#ifndef NST_DRIVER_H
#define NST_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

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
    unsigned tpid_supported;    /* DRV_TPID_* usable as QinQ outer TPID */
    unsigned tpid_per_subif;    /* DRV_TPID_* that are set per sub-interface; others per port */
    bool double_tag_match;      /* can match S-tag + C-tag on a sub-interface */
    bool rewrite_one_tag;       /* push/pop/swap one tag */
    bool rewrite_two_tags;      /* translate 2-to-2, 2-to-1, pop 2, push 2 */
    bool vpls_ldp;
    bool vpls_bgp;
    bool candidate;             /* NETCONF :candidate */
    bool writable_running;
    unsigned confirmed_commit;  /* 0 none, 10 = :confirmed-commit:1.0, 11 = 1.1 (persist) */
    bool confirm_timeout_minutes;   /* else seconds */
    bool ebgp_default_deny;     /* eBGP passes nothing without policy (XR, SR OS) */
};

struct drv_ops {
    const char *name;           /* "junos", ... "eos" */
    const char *mtu_meaning_name;
    struct drv_caps caps;
};

/* The driver for a vendor name and optional platform ("eos"); NULL if unknown. */
const struct drv_ops *drv_find(const char *vendor, const char *platform);

/*
 * The port MTU value, in the driver's meaning, that carries an IP packet of @ip_mtu
 * bytes in a frame with @tags VLAN tags (@core: an MPLS core frame with control
 * word and two labels).
 */
uint32_t drv_port_mtu_needed(const struct drv_ops *drv, uint32_t ip_mtu, unsigned tags, bool core);

/* Inverse: the largest IP MTU a port MTU of @port_mtu carries with @tags tags. */
uint32_t drv_ip_mtu_carried(const struct drv_ops *drv, uint32_t port_mtu, unsigned tags, bool core);

extern const struct drv_ops drv_junos_ops;
extern const struct drv_ops drv_iosxr_ops;
extern const struct drv_ops drv_sros_ops;
extern const struct drv_ops drv_vrp_ops;
extern const struct drv_ops drv_openconfig_ops;
extern const struct drv_ops drv_eos_ops;

#endif
