/*
 * junos.c: the Juniper Junos driver.
 *
 * Capabilities (vendors.md §1-§7): media MTU counts the L2 header and tags; on an
 * MPLS core port Junos derives the MPLS MTU as media - 14 - 12, reserving three
 * labels, so the core port needs 4 bytes more than the frame. The outer TPID is set
 * per unit (vlan-tags outer 0x88a8.100), so every TPID is per sub-interface.
 * input/output-vlan-map express one- and two-tag rewrites. Candidate datastore,
 * confirmed-commit 1.0 with confirm-timeout in seconds over NETCONF.
 */
#include "driver.h"

const struct drv_ops drv_junos_ops = {
    .name = "junos",
    .mtu_meaning_name = "Junos media MTU: L2 header + tags",
    .caps = {
        .mtu_meaning = DRV_MTU_L2_TAGS,
        .core_reserve = 4,
        .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .tpid_per_subif = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .double_tag_match = true,
        .rewrite_one_tag = true,
        .rewrite_two_tags = true,
        .vpls_ldp = true,
        .vpls_bgp = true,
        .candidate = true,
        .writable_running = false,
        .confirmed_commit = 10,
        .confirm_timeout_minutes = false,
        .ebgp_default_deny = false, /* UNCONFIRMED: believed to accept by default */
    },
};
