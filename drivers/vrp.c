/*
 * vrp.c: the Huawei VRP8 driver (NE40E / NetEngine 8000 models).
 *
 * Capabilities (vendors.md): ifm mtu is the IP MTU; L2 frames are bounded by the
 * port's jumbo-frame, which the driver sets large. The QinQ outer TPID is per port
 * (qinq-protocol), and VRP rewrites a foreign outer TPID to 0x8100 unless
 * "qinq protocol transport enable" is set, which the driver always sets for non-0x8100.
 * flow-action covers pop-double, push2-layer, map-2-to-2. VSI default encapsulation is
 * vlan (tagged pseudowire); the driver always sets ethernet. Candidate (per session),
 * writable-running, confirmed-commit 1.0 and 1.1, seconds.
 */
#include "driver.h"

const struct drv_ops drv_vrp_ops = {
    .name = "vrp",
    .mtu_meaning_name = "VRP ifm MTU: IP only",
    .caps = {
        .mtu_meaning = DRV_MTU_L3,
        .core_reserve = 0,
        .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .tpid_per_subif = 0,
        .double_tag_match = true,
        .rewrite_one_tag = true,
        .rewrite_two_tags = true,
        .vpls_ldp = true,
        .vpls_bgp = true,
        .candidate = true,
        .writable_running = true,
        .confirmed_commit = 11,
        .confirm_timeout_minutes = false,
        .ebgp_default_deny = false, /* UNCONFIRMED */
    },
};
