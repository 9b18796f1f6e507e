/*
 * driver.h: the vendor driver interface.
 *
 * One driver per vendor (junos.c, iosxr.c, sros.c, vrp.c, openconfig.c; the last
 * also serves Arista EOS as platform "eos"), each behind a small ops table. A driver
 * declares its capabilities: how its MTU knob counts bytes, where it sets the QinQ
 * outer TPID, which tag operations its model can express, VPLS signalling, NETCONF
 * datastores and confirmed-commit flavour. The checker asks these instead of
 * switching on the vendor, so a new vendor is one new file, its line in drv_all[]
 * (driver.c), its templates and its device models (docs/drivers.md). The driver also
 * carries the vendor's CLI-diff dialect (struct drv_cli_dialect, netconf/diff_cli.c).
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
    /* A pseudowire outside the split-horizon group (a spoke pseudowire: frames from it
     * may leave by another pseudowire), which the hub of a hub-and-spoke multipoint VPN
     * needs toward its spokes (netstitch-multipoint; docs/drivers.md). */
    bool vpls_spoke_pw;
    /* Layer-3 multipoint VPNs (netstitch-multipoint kind l3vpn): the driver renders the IR's
     * <vrf> (a VRF with route distinguisher, route target, routed attachment circuits and
     * eBGP neighbours to the sites' routers). The checker refuses an l3vpn circuit on a PE
     * whose driver has no l3vpn (MP-L3-UNSUPPORTED); docs/drivers.md. */
    bool l3vpn;
    /* IPv6 on an l3vpn attachment circuit (6VPE, RFC 4659: pe-ipv6-address, a second
     * session over IPv6 with family ipv6-unicast in the VRF). Junos, IOS-XR, SR OS and
     * OpenConfig set it (not VRP); the checker refuses such a circuit on any other driver
     * (MP-L3-V6-UNSUPPORTED). */
    bool l3vpn_v6;
    /* The router numbers all its services (VPLS, VRF) from one id space, taken from the VPLS
     * id and the VPN id (SR OS service ids, drivers/sros.c): the checker refuses an l3vpn
     * whose vpn-id another service of the PE already uses (MP-L3-SERVICE-ID). */
    bool service_ids_shared;
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

/*
 * The CLI-diff dialect of a driver: how `netstitch diff --format cli` spells a change of
 * the driver's device models as the commands an operator would type. The engine is
 * netconf/diff_cli.c (docs/diff.md); everything vendor-specific it needs is here, in the
 * driver's own file, next to the templates that write the same CLI (a test checks the two
 * agree: tests/golden/t_diff_cli.sh).
 *
 * A rule maps one schema path of the device models (element names from the top, choices
 * and cases left out: "/interfaces/interface/mtu") to CLI. Its formats are text with
 * placeholders, expanded with a data node of the change as context:
 *   {path}        the value of the leaf at path: "." the node itself, "a/b" below it,
 *                 "../a" beside it, "/top/a" from the top of the configuration;
 *   {path:xf}     the value through transform xf: "sp" dashes to spaces, "nobang" without a
 *                 leading '!', "q" always in double quotes, "all" every value of a leaf-list
 *                 space-separated, "ipv" the family keyword of an address or prefix ("ip",
 *                 "ipv6"), "usms" microseconds as milliseconds, or one of the dialect's maps;
 *   {path*count}  the value at path repeated (the value at count) times, space-separated;
 *   {?path|text}  text when the node at path exists, {!path|text} when it does not (text
 *                 may hold placeholders); path "*": any child that is not a key;
 *   {#step}       the context entry's position in its list times step (sequence numbers).
 * A statement whose expansion is empty is not printed; a mode line whose expansion is
 * empty opens no mode (its children are placed where it would have been).
 * In the flat styles a placeholder's value is quoted the way the style quotes values.
 */
enum drv_cli_style {
    DRV_CLI_MODES, /* hierarchical modes: "interface X" then indented statements (IOS-XR) */
    DRV_CLI_SET,   /* flat Junos style: "set a b c value" / "delete a b c" */
    DRV_CLI_MDCLI, /* flat Nokia MD-CLI style: "/configure a b c value" / "delete /configure .." */
    DRV_CLI_PATHS  /* no native CLI: "/a/b[k=v]/c = value" / "delete /a/b[k=v]/c" */
};

enum drv_cli_rule_kind {
    DRV_CLI_MODE,  /* a configuration mode; its children go inside (MODES only) */
    DRV_CLI_STMT,  /* one statement for the node and everything below it */
    DRV_CLI_SKIP,  /* part of another line or implied: never printed alone */
    DRV_CLI_BLOCK, /* a leaf whose value is a whole block of configuration (IOS-XR RPL) */
    DRV_CLI_PASS   /* a list or container whose children are printed on their own; its
                      removal is `del` when given (MODES only) */
};

struct drv_cli_rule {
    const char *path;
    enum drv_cli_rule_kind kind;
    const char *fmt;  /* the line (MODE, STMT); BLOCK: the path of the text leaf */
    const char *del;  /* the line negated on removal; NULL: fmt with the old values */
    const char *mode; /* the mode(s) the statement lives in, '\n'-separated, from the top;
                         NULL: where its parent's rule put it */
};

/*
 * A value map of a dialect, used as {path:name}. Either a table (@pairs: from, to, ...,
 * NULL; a value not in it stays as it is), or a lookup: the first entry of the list at
 * @list (an absolute rule path) whose leaf @key equals the value (or, with @suffix, ends
 * in it after a non-digit, non-'/' character) gives @fmt expanded at that entry; without
 * such an entry, @fallback with "{.}" for the value.
 */
struct drv_cli_map {
    const char *name;
    const char *const *pairs;
    const char *list;
    const char *key;
    int suffix;
    const char *fmt;
    const char *fallback;
};

struct drv_cli_dialect {
    enum drv_cli_style style;
    const char *comment; /* starts a comment line: "!", "#" */
    /* MODES */
    const char *no;  /* negation: "no ", "undo " */
    int indent;      /* spaces per mode level */
    const char *end; /* closes every mode ("!"), or NULL */
    const char *sep; /* separates top-level modes ("#"), or NULL */
    /* A top-level list or leaf-list whose entries are CLI lines already, indented by mode
     * depth (Arista's arista-cli "commands"); NULL: none. */
    const char *commands;
    /* SET / MDCLI / PATHS */
    const char *set_cmd; /* what a creation or change starts with: "set", "/configure"; NULL:
                            nothing (PATHS) */
    const char *del_cmd; /* what a removal starts with: "delete", "delete /configure"; NULL:
                            "delete " */
    const char *root;    /* the top container every command starts from */
    const char *const *hidden_lists; /* "parent/list": the CLI does not say the list name */
    const char *const *positional;   /* "parent/leaf": the value stands alone */
    const char *const *bare;         /* string leaves shown without quotes (MDCLI): "leaf" or
                                        "parent/leaf" */
    const char *const *quoted;       /* leaves always shown in quotes (SET) */
    /* NULL-terminated (path NULL) and NULL-terminated (name NULL); either may be NULL. */
    const struct drv_cli_rule *rules;
    const struct drv_cli_map *maps;
};

/*
 * Where a port's MTU lives in the device models (names-only paths, as in CLI rules): the
 * list of ports from the top, its key leaf (the service's port name), and the MTU leaf
 * below an entry. `netstitch diff` compares it with the MTU the service declares.
 */
struct drv_port_mtu {
    const char *list;
    const char *key;
    const char *leaf;
};

struct drv_ops {
    const char *name; /* "junos", ... "eos" */
    /* What drv_find() matches: the service model's device vendor, and a platform (NULL:
     * the vendor's driver for any platform no other driver claims). */
    const char *vendor;
    const char *platform;
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

    /* `diff --format cli` (netconf/diff_cli.c): how this vendor's CLI spells a change. */
    const struct drv_cli_dialect *cli;

    /*
     * The lowering (compiler/lower.c): whether @n may be the number of a type-1 route
     * distinguisher (IP:n) on this vendor; NULL: any 0..65535. OpenConfig's upstream
     * pattern is narrower than RFC 4364 (openconfig.c).
     */
    bool (*rd_number_ok)(unsigned long n);

    /* `diff`: the port MTU leaf (MTU-MISMATCH); NULL: the vendor's models have none (EOS
     * sets it through CLI lines). */
    const struct drv_port_mtu *port_mtu;

    /* Why port name @name cannot be rendered by this driver (a static sentence), or NULL
     * when it can; NULL hook: every name the service model allows. The checker asks it
     * (PORT-NAME-UNSUPPORTED), so a name the templates cannot use never reaches them. */
    const char *(*port_name_problem)(const char *name);

    /* Multi-VLAN QinQ (netstitch-qinq bundles, docs/drivers.md): why this vendor cannot
     * match one S-tag carrying every C-VLAN (@all) or @nranges ranges of C-VLANs, whose
     * C-tags are 802.1Q (@inner_8100) or not (a static sentence), or NULL when it can.
     * NULL hook: the driver renders no bundle. The checker asks it (QINQ-BUNDLE-
     * UNSUPPORTED), so a bundle the templates cannot render never reaches them. */
    const char *(*bundle_problem)(bool all, size_t nranges, bool inner_8100);
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

/* The driver whose drv_ops.name is @name ("eos", "iosxr", ...); NULL if none. */
const struct drv_ops *drv_by_name(const char *name);

/* Every driver, NULL-terminated, in a fixed order (tests walk them all). */
extern const struct drv_ops *const drv_all[];

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

/* What a frame on a port carries around the customer's IP packet. The first two are the
 * false and true of the boolean this replaced. */
enum drv_frame {
    DRV_FRAME_ETH = 0, /* an Ethernet frame with the sub-interface's tags */
    DRV_FRAME_PW = 1,  /* an MPLS core frame of a pseudowire (VPLS): the customer's Ethernet
                        * header, control word and two labels inside */
    DRV_FRAME_L3VPN    /* an MPLS core frame of a layer-3 VPN: the IP packet under two labels
                        * (VPN and transport), no inner Ethernet header (RFC 4364) */
};

/*
 * The port MTU value, in the driver's meaning, that carries an IP packet of @ip_mtu
 * bytes in a frame of kind @frame with @tags VLAN tags (tags count on DRV_FRAME_ETH only).
 */
uint32_t drv_port_mtu_needed(const struct drv_ops *drv, uint32_t ip_mtu, unsigned tags,
                             enum drv_frame frame);

/* Inverse: the largest IP MTU a port MTU of @port_mtu carries with @tags tags. */
uint32_t drv_ip_mtu_carried(const struct drv_ops *drv, uint32_t port_mtu, unsigned tags,
                            enum drv_frame frame);

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

/*
 * BGP state readers (drivers/state.c, each vendor's at the end of its file). A health
 * check (netconf/health.c) asks a device for the state of its BGP sessions with the
 * vendor's request and hands the reply's XML (see drivers/state.c for how far libnetconf2
 * has typed it) to the vendor's parser. docs/vendors.md A.8 and yang/devices/README.md
 * name the paths.
 */

/** @brief One BGP neighbor as a device reports it. */
struct drv_bgp_peer {
    char addr[64];       /* the neighbor address, without a port */
    char vrf[64];        /* the VRF (L3VPN routing instance) the neighbor is in, "" the
                            global table (Junos master, XR default-vrf, SR OS Base, VRP
                            _public_, OpenConfig default) */
    char state[16];      /* "Idle", "Connect", "Active", "OpenSent", "OpenConfirm",
                            "Established" */
    long long uptime_s;  /* seconds in the current state when Established, -1 unknown */
    long long received;  /* unicast prefixes received (before import policy), summed over
                            the families reported, -1 unknown */
    long long accepted;  /* after import policy, likewise */
    /* Per family (DRV_AF_IPV4, DRV_AF_IPV6), -1 when the device reports none for it. */
    long long fam_received[2], fam_accepted[2];
    /* Prefixes advertised to the neighbor, summed over the families reported
     * (drv_state_advertised()), -1 unknown: what an L3VPN site's router gets. */
    long long advertised;
    long long fam_advertised[2];
};

enum { DRV_AF_IPV4 = 0, DRV_AF_IPV6 = 1 };

/** @brief How to ask a device for BGP state. */
enum drv_state_req {
    DRV_STATE_GET = 0, /* <get> with request as its subtree filter */
    DRV_STATE_RPC      /* request is a vendor RPC */
};

struct drv_state_ops {
    enum drv_state_req kind;
    const char *op;         /* for messages: "get" or the RPC's name */
    const char *request;    /* the filter or the RPC */
    const char *module;     /* DRV_STATE_RPC: the RPC's module, and its directory under */
    const char *module_dir; /* yang/devices/, loaded when the session lacks it; also where
                               drv_state_check() finds @models */
    /* The device models every reply is checked against (drv_state_check()): the module of
     * the state (or RPC) first (a reply with content must hold some of its nodes), then the
     * modules it augments or whose identities its values use; NULL-ended. */
    const char *const *models;
    /* Parse the reply (<get> data content or the RPC's output children; XML text,
     * borrowed): every neighbor found into @peers (nst_free()d by the caller), @n of them.
     * NST_EINPUT with a reason in @why when the reply is not what the model says. */
    nst_err (*parse)(const char *xml, struct drv_bgp_peer **peers, size_t *n, char *why,
                     size_t whylen);
};

/* The state reader of driver @name ("junos", ..., "eos"); NULL when it has none. */
const struct drv_state_ops *drv_state_find(const char *name);

/* Check a state reply (@xml, as ops->parse gets it) against the driver's device models
 * (ops->models in yang_dir/devices/ops->module_dir): a <get> reply's data parsed by
 * libyang as a data tree (every value of its type, every list entry with its keys;
 * elements the subset lacks skipped, as a real router reports more than the state read
 * needs; no validation: a filtered reply holds only part of the tree); an RPC's output
 * was parsed by the session already (sess_rpc_xml()). Either must, when not empty, hold
 * data of ops->models[0] (the right names in another namespace do not). The
 * context is made on first use into *@ctx (the caller's, freed with ly_ctx_destroy()).
 * NST_EINPUT with @why ("the reply does not fit MODULE: ..."), NST_EENV (with @why) when
 * the models cannot be loaded, NST_ENOMEM. */
struct ly_ctx;
nst_err drv_state_check(const struct drv_state_ops *ops, const char *yang_dir, struct ly_ctx **ctx,
                        const char *xml, char *why, size_t whylen);
/* The same; a <get> reply with content that fits also gives, in *@typed (nst_free(); NULL
 * otherwise: use @xml), the tree libyang parsed printed back: only the model's nodes,
 * values canonical. The readers read that, not the device's bytes. */
nst_err drv_state_check_typed(const struct drv_state_ops *ops, const char *yang_dir,
                              struct ly_ctx **ctx, const char *xml, char **typed, char *why,
                              size_t whylen);

/* Helpers for the parsers (state.c). */
/* A peer with everything unknown (-1). */
struct drv_bgp_peer drv_state_peer_unknown(void);
/* Family @af's counts (-1 unknown) into @p; received/accepted become the sums over the
 * families known. */
void drv_state_family(struct drv_bgp_peer *p, int af, long long received, long long accepted);
/* Family @af's advertised count (-1 unknown) into @p; advertised becomes the sum. */
void drv_state_advertised(struct drv_bgp_peer *p, int af, long long advertised);
/* A global-table name of the vendor ("", "default", "master", "Base", "_public_", also
 * "default-vrf") as "": @vrf rewritten in place. */
void drv_state_vrf_norm(char *vrf);
/* Parse @xml (top-level siblings) into a document; NULL with @why on failure. */
xmlDocPtr drv_state_parse_xml(const char *xml, char *why, size_t whylen);
/* The first element child of @n named @name in namespace @ns (any when NULL), or NULL. */
xmlNodePtr drv_state_child(xmlNodePtr n, const char *ns, const char *name);
xmlNodePtr drv_state_next(xmlNodePtr n, const char *ns, const char *name);
/* Trimmed text of child path @path ('/'-separated local names) into @buf; "" if absent. */
const char *drv_state_text(xmlNodePtr n, const char *path, char *buf, size_t len);
/* @buf as a non-negative number, -1 when empty or not a number. */
long long drv_state_num(const char *buf);
/* Append a peer; NST_ENOMEM. */
nst_err drv_state_add(struct drv_bgp_peer **peers, size_t *n, const struct drv_bgp_peer *p);

extern const struct drv_state_ops drv_junos_state;
extern const struct drv_state_ops drv_iosxr_state;
extern const struct drv_state_ops drv_sros_state;
extern const struct drv_state_ops drv_vrp_state;
extern const struct drv_state_ops drv_openconfig_state;

#endif
