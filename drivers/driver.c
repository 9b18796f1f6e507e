/*
 * driver.c: driver lookup and the MTU arithmetic shared by every driver.
 *
 * Frame sizes, FCS excluded (vendors.md §6): L2 header 14 bytes, 4 per VLAN tag.
 * An MPLS core frame carrying a VPLS pseudowire: customer frame (IP + 14, customer
 * tags popped at the attachment circuit) + 4 control word + 2 x 4 labels, inside a
 * 14-byte core header: IP + 40.
 */
#include <string.h>

#include "driver.h"

#define ETH_HDR 14u
#define TAG 4u
#define PW_OVERHEAD (ETH_HDR + 4u + 8u) /* customer header, control word, two labels */

const struct drv_ops *
drv_find(const char *vendor, const char *platform)
{
    if (!vendor) {
        return NULL;
    }
    if (!strcmp(vendor, "junos")) {
        return &drv_junos_ops;
    }
    if (!strcmp(vendor, "iosxr")) {
        return &drv_iosxr_ops;
    }
    if (!strcmp(vendor, "sros")) {
        return &drv_sros_ops;
    }
    if (!strcmp(vendor, "vrp")) {
        return &drv_vrp_ops;
    }
    if (!strcmp(vendor, "openconfig")) {
        return platform && !strcmp(platform, "eos") ? &drv_eos_ops : &drv_openconfig_ops;
    }
    return NULL;
}

uint32_t
drv_port_mtu_needed(const struct drv_ops *drv, uint32_t ip_mtu, unsigned tags, bool core)
{
    uint32_t frame = core ? ip_mtu + PW_OVERHEAD + ETH_HDR : ip_mtu + ETH_HDR + TAG * tags;

    switch (drv->caps.mtu_meaning) {
    case DRV_MTU_L2_TAGS:
        return frame + (core ? drv->caps.core_reserve : 0);
    case DRV_MTU_L2_PARENT:
        /* Sub-interfaces add their tags on top of the parent's value. */
        return core ? frame : ip_mtu + ETH_HDR;
    case DRV_MTU_L3:
        /* The IP MTU governs routed traffic only; L2 frames are bounded by the
         * port's jumbo/L2 limit, which the driver sets large (vendors.md §6). */
        return ip_mtu;
    }
    return frame;
}

uint32_t
drv_ip_mtu_carried(const struct drv_ops *drv, uint32_t port_mtu, unsigned tags, bool core)
{
    uint32_t over = core ? PW_OVERHEAD + ETH_HDR : ETH_HDR + TAG * tags;

    switch (drv->caps.mtu_meaning) {
    case DRV_MTU_L2_TAGS:
        over += core ? drv->caps.core_reserve : 0;
        break;
    case DRV_MTU_L2_PARENT:
        over = core ? over : ETH_HDR;
        break;
    case DRV_MTU_L3:
        over = 0;
        break;
    }
    return port_mtu > over ? port_mtu - over : 0;
}
