/*
 * openconfig.c: the OpenConfig driver, and Arista EOS as its "eos" platform.
 *
 * Generic OpenConfig (vendors.md): interfaces/interface/config/mtu is the physical MTU
 * including the L2 header; whether implementations count tags is UNCONFIRMED, and
 * netstitch assumes they do (the safe direction: it asks for the larger value). The
 * TPID is per interface (config/tpid). vlan match double-tagged exists, but the
 * ingress/egress mappings act on one tag only: OpenConfig cannot express a two-tag
 * rewrite. VPLS signalling is implied by the endpoint type; both LDP and BGP endpoints
 * exist in the model. Datastores and commit flavour depend on the implementation; the
 * driver assumes candidate with confirmed-commit 1.1 and lets the hello decide.
 *
 * EOS: OpenConfig for interfaces and BGP, and the arista-cli container for what OC
 * cannot say on EOS (double-tag match and rewrite: "client dot1q outer A inner B
 * network dot1q outer C inner D"). EOS mtu is the IP MTU. EOS NETCONF
 * confirmed-commit is UNCONFIRMED, so none is assumed; EOS VPLS over OC is not
 * supported (deviations), and the EOS VPLS CLI is UNCONFIRMED: no VPLS.
 */
#include "driver.h"

const struct drv_ops drv_openconfig_ops = {
    .name = "openconfig",
    .mtu_meaning_name = "OpenConfig physical MTU: L2 header + tags (tags UNCONFIRMED)",
    .caps = {
        .mtu_meaning = DRV_MTU_L2_TAGS,
        .core_reserve = 0,
        .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .tpid_per_subif = 0,
        .double_tag_match = true,
        .rewrite_one_tag = true,
        .rewrite_two_tags = false,
        .vpls_ldp = true,
        .vpls_bgp = true,
        .candidate = true,
        .writable_running = true,
        .confirmed_commit = 11,
        .confirm_timeout_minutes = false,
        .ebgp_default_deny = false,
    },
};

const struct drv_ops drv_eos_ops = {
    .name = "eos",
    .mtu_meaning_name = "EOS mtu: IP only",
    .caps = {
        .mtu_meaning = DRV_MTU_L3,
        .core_reserve = 0,
        .tpid_supported = DRV_TPID_8100 | DRV_TPID_88A8 | DRV_TPID_9100,
        .tpid_per_subif = 0,
        .double_tag_match = true,   /* through arista-cli */
        .rewrite_one_tag = true,
        .rewrite_two_tags = true,   /* through arista-cli */
        .vpls_ldp = false,
        .vpls_bgp = false,
        .candidate = true,
        .writable_running = true,
        .confirmed_commit = 0,
        .confirm_timeout_minutes = false,
        .ebgp_default_deny = false,
    },
};
