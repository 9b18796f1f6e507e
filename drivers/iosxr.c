/*
 * iosxr.c: the Cisco IOS-XR driver (native UM models).
 *
 * Capabilities (vendors.md): the main-interface MTU counts the L2 header; each
 * sub-interface adds 4 bytes per tag in its encapsulation automatically. dot1ad
 * (0x88a8) and dot1q (0x8100) outer tags are chosen per sub-interface; 0x9100 is the
 * main interface's dot1q tunneling ethertype, so per port. rewrite ingress tag
 * pop/push/translate covers one and two tags. An attachment circuit without a tag
 * pop signals the wrong pseudowire MTU, so the driver always pops. eBGP passes
 * nothing without policy. Candidate, confirmed-commit 1.1, seconds.
 */
#include "driver.h"

const struct drv_ops drv_iosxr_ops = {
    .name = "iosxr",
    .mtu_meaning_name = "IOS-XR: L2 header on the parent, tags added on sub-interfaces",
    .caps = {
        .mtu_meaning = DRV_MTU_L2_PARENT,
        .core_reserve = 0,
        .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .tpid_per_subif = DRV_TPID_8100 | DRV_TPID_88A8,
        .double_tag_match = true,
        .rewrite_one_tag = true,
        .rewrite_two_tags = true,
        .vpls_ldp = true,
        .vpls_bgp = true,
        .candidate = true,
        .writable_running = false,
        .confirmed_commit = 11,
        .confirm_timeout_minutes = false,
        .ebgp_default_deny = true,
    },
};
