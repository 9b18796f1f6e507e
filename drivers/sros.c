/*
 * sros.c: the Nokia SR OS (model-driven, nokia-conf) driver.
 *
 * Capabilities (vendors.md): port ethernet mtu counts DA+SA+Ethertype and tags (access
 * defaults null 1514, dot1q 1518, qinq 1522). The QinQ outer TPID is the port's
 * qinq-etype, so per port. SAP tags are service-delimiting: two SAPs in one service
 * re-tag implicitly, which covers one- and two-tag rewrites. eBGP default-reject
 * since 19.5 (RFC 8212). Candidate and running, confirmed-commit with persist (1.1).
 */
#include "driver.h"

const struct drv_ops drv_sros_ops = {
    .name = "sros",
    .mtu_meaning_name = "SR OS port MTU: L2 header + tags",
    .caps = {
        .mtu_meaning = DRV_MTU_L2_TAGS,
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
        .ebgp_default_deny = true,
    },
};
