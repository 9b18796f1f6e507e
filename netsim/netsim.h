/*
 * netsim.h: internals of netstitch-netsim, the NETCONF device simulator.
 *
 * netsim lets users test their services in CI without vendor images. One command reads a
 * config file naming many devices (name, loopback port, vendor profile, startup XML, host
 * key, users) and serves each one over NETCONF/SSH with the libnetconf2 2.0.24 server API.
 *
 * Process model (the one design decision everything else follows from). libnetconf2 2.0.24
 * keeps ONE global server state: one libyang context, from whose ietf-netconf features the
 * <hello> capabilities are computed; one set of authorized keys and auth callbacks; and no
 * public way to learn which endpoint a session arrived on. A single server state can
 * therefore not give a Junos device :confirmed-commit:1.0 and an IOS-XR device 1.1, nor keep
 * Arista's deviations of the OpenConfig modules away from a plain OpenConfig device, nor let
 * one device's "delay 2000" fault leave the others responsive. So the supervisor (main.c)
 * builds one libyang context per distinct (module set, feature set) before forking, then forks
 * one process per device; each device process owns its server state, its context (shared
 * copy-on-write with its siblings), its datastores and its sessions, and runs a single-
 * threaded poll loop. Users still see one command, one pid to SIGTERM and one readiness
 * signal.
 *
 * Main structs:
 *   struct sim_profile  what a vendor's NETCONF server advertises and which model dirs it loads
 *   struct sim_dev_cfg  one [device] section of the config file, profile overrides applied
 *   struct sim_cfg      the whole config file
 *   struct sim_dev      the runtime state of one device (lives only in its own process)
 *   struct sim_faults   the fault-injection directives currently in force for a device
 *
 * Internal prefix: sim_. Nothing here is part of libnetstitch; the binary links the static
 * library only for the allocation wrapper.
 */
#ifndef NST_NETSIM_H
#define NST_NETSIM_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "netstitch.h"

/* Capability bits of a profile (struct sim_profile.caps). */
#define SIM_CAP_CANDIDATE 0x0001        /**< :candidate */
#define SIM_CAP_WRITABLE_RUNNING 0x0002 /**< :writable-running */
#define SIM_CAP_ROLLBACK 0x0004         /**< :rollback-on-error */
#define SIM_CAP_VALIDATE 0x0008         /**< :validate (flavour in validate_10) */
#define SIM_CAP_STARTUP 0x0010          /**< :startup */
#define SIM_CAP_XPATH 0x0020            /**< :xpath */

/** @brief Confirmed-commit flavour a profile advertises. */
enum sim_cc_kind {
    SIM_CC_NONE = 0, /**< no :confirmed-commit */
    SIM_CC_10,       /**< :confirmed-commit:1.0, no persist, no cancel-commit */
    SIM_CC_11        /**< :confirmed-commit:1.1, persist/persist-id, cancel-commit */
};

#define SIM_MAX_DIRS 8

/** @brief A vendor capability profile; built-in ones come from sim_profile_find(). */
struct sim_profile {
    const char *name;
    unsigned caps; /**< SIM_CAP_* */
    enum sim_cc_kind confirmed;
    int validate_10;                /**< advertise :validate:1.0 instead of 1.1 */
    const char *dirs[SIM_MAX_DIRS]; /**< module dirs relative to the yang root, NULL-ended */
};

/** @brief One [device] section of the config file. */
struct sim_dev_cfg {
    char *name;
    uint16_t port;
    struct sim_profile prof; /**< effective profile (overrides applied) */
    char *startup;           /**< startup XML file or NULL (empty config) */
    char *hostkey;           /**< RSA PEM private host key */
    char **authkeys;         /**< authorized public key files */
    int nauthkeys;
    char *user;
    char *password; /**< NULL: no password auth. Never logged. */
    char **dirs;    /**< absolute module dirs */
    int ndirs;
    char **modules; /**< if set, load only these module names */
    int nmodules;
    char **faults; /**< initial fault directives (faults file lines) */
    int nfaults;
    char *oper;     /**< initial oper.xml (state data for <get>) */
    char **replies; /**< initial canned RPC replies, "NAME ABSFILE" */
    int nreplies;
    int line;    /**< line of the [device] header, for messages */
    int ctx_idx; /**< index into the supervisor's context table */
};

/** @brief The parsed config file. */
struct sim_cfg {
    char *path;
    char *statedir;
    char *yang_root;
    char **search; /**< extra module search dirs */
    int nsearch;
    char *bgp; /**< BGP simulation description (bgp.c), NULL: no BGP simulation */
    struct sim_dev_cfg *devs;
    int ndevs;
};

/* Kinds of fault directives. */
enum sim_fault_kind {
    SIM_FAULT_REJECT_EDIT,
    SIM_FAULT_REJECT_COMMIT,
    SIM_FAULT_DROP,
    SIM_FAULT_DELAY,
    SIM_FAULT_REPLY,   /**< a hostile reply (hostile.c) */
    SIM_FAULT_FLAP_BGP /**< flap-bgp: the BGP supervisor's (bgp.c); nothing for the device */
};

/** @brief What a `reply MODE RPC [ARG]` directive does to the reply (hostile.c). */
enum sim_reply_mode {
    SIM_REPLY_GARBAGE,  /**< malformed XML in a well-framed message */
    SIM_REPLY_TRUNCATE, /**< ARG bytes of the framed reply, then the connection closes */
    SIM_REPLY_OVERSIZE, /**< the real reply padded with ARG MiB of whitespace */
    SIM_REPLY_SLOW,     /**< the real reply in 16-byte pieces, ARG ms apart */
    SIM_REPLY_RAW       /**< the text of file ARG as the reply ($MSGID replaced) */
};

/** @brief One fault directive. */
struct sim_fault {
    enum sim_fault_kind kind;
    char *xpath;              /**< reject-*: path selecting offending nodes */
    char *rpc;                /**< drop/delay: RPC name or pseudo name, NULL = any */
    unsigned nth;             /**< drop: fire on the nth matching RPC */
    unsigned seen;            /**< drop: matching RPCs seen since the file was read */
    int after;                /**< drop: process the RPC, then drop instead of replying */
    unsigned ms;              /**< delay */
    enum sim_reply_mode mode; /**< reply: what to do */
    unsigned long arg;        /**< reply: bytes, MiB or ms, by mode */
    char *file;               /**< reply raw: the file (absolute or relative to the
                                   device directory) */
    int line;
};

/** @brief The hostile reply being written (hostile.c); one at a time per device. */
struct sim_hostile {
    const struct sim_fault *ft; /**< armed for the reply in flight, else NULL */
    char *buf;                  /**< what libnetconf2 wrote of it so far (framed) */
    size_t len, cap;
};

/** @brief The fault directives in force; reloaded when the faults file changes. */
struct sim_faults {
    struct sim_fault *v;
    int n;
    struct timespec mtime; /**< identity of the file last read */
    ino_t ino;
    off_t size;
    int present;
    char *path; /**< <statedir>/<device>/faults, built once (checked at every RPC) */
};

/** @brief Confirmed-commit state of a device. */
struct sim_cc {
    int pending;
    struct timespec deadline; /**< CLOCK_MONOTONIC */
    uint32_t owner;           /**< session that issued it */
    char *persist;            /**< persist token, NULL without persist */
    struct lyd_node *backup;  /**< running before the first confirmed commit */
};

enum sim_ds { SIM_DS_RUNNING = 0, SIM_DS_CANDIDATE, SIM_DS_STARTUP, SIM_DS_COUNT };

/** Filtered <get-config> replies kept per device (struct sim_dev.getcfg). */
#define SIM_GETCFG_CACHE 4

/** @brief Runtime state of one device; lives only in the device's own process. */
struct sim_dev {
    const struct sim_dev_cfg *cfg;
    struct ly_ctx *ctx;
    char *dir;                         /**< <statedir>/<name> */
    struct lyd_node *ds[SIM_DS_COUNT]; /**< datastore trees (NULL = empty) */
    int candidate_dirty;
    uint32_t candidate_dirty_sid;
    unsigned long cand_gen;  /**< bumped whenever the candidate tree is replaced */
    unsigned long run_gen;   /**< bumped whenever the running tree is replaced */
    unsigned long start_gen; /**< bumped whenever the startup tree is replaced */
    /** cand_gen and run_gen when the candidate was last made a copy of running: while both
     * still match, <discard-changes> has nothing to discard (rpc.c). */
    unsigned long sync_cand_gen, sync_run_gen;
    /** The candidate as <validate> last validated it (defaults added), while the candidate
     * is still that generation: the <commit> that follows takes it instead of copying and
     * validating the candidate again. NULL when there is none. */
    struct lyd_node *cand_valid;
    unsigned long cand_valid_gen;
    /** The last unfiltered <get-config> reply (rpc.c, rpc_get): its <data> points at a
     * datastore tree instead of a copy; released, without that tree, by the next RPC. Or
     * the last reply whose <data> is a text netsim keeps (rpc.c, rpc_text_reply): it points
     * at that text, and lent_str is the dictionary string it held before. */
    struct lyd_node *lent_reply, *lent_any;
    const char *lent_str;
    /** Running as an unfiltered explicit-mode <get-config> prints it (rpc.c, rpc_get),
     * while running is still generation run_xml_gen; NULL when not printed yet. */
    char *run_xml;
    unsigned long run_xml_gen;
    /** Filtered explicit-mode <get-config> replies of running and startup (rpc.c,
     * rpc_filtered_reply): the text of <data> by datastore, generation and filter. */
    struct sim_getcfg_cache {
        enum sim_ds ds;
        unsigned long gen; /**< run_gen or start_gen when printed */
        char *key;         /**< the filter's key (sim_filter_key()), NULL: unused */
        size_t keylen;
        char *text;         /**< the <data> content; NULL: the filter selected nothing */
        unsigned long used; /**< getcfg_tick at the last hit, for replacement */
    } getcfg[SIM_GETCFG_CACHE];
    unsigned long getcfg_tick;
    uint32_t lock[SIM_DS_COUNT]; /**< holder session id, 0 = unlocked */
    struct sim_cc cc;
    struct sim_faults faults;
    FILE *log;    /**< rpc.log: one line per event */
    FILE *xmllog; /**< rpc-xml.log: every RPC in full */
    struct nc_pollsession *ps;
    struct timespec t0;
    unsigned long nrpc;
    char result[512]; /**< errors of the RPC being handled, for rpc.log */
    struct sim_hostile hostile;
    /** An RPC's reply is on its way out: its writes cork the session's socket until the
     * poll returns (hostile.c, sim_uncork()). */
    int cork_reply;
    int corked[8];
    unsigned ncorked;
    /** The reply's writes, collected while cork_reply is set and written to channel as one
     * (hostile.c, sim_uncork()). */
    struct {
        void *channel; /**< ssh_channel */
        char *buf;
        size_t len, cap;
    } out;
};

/** @brief Per-session data hung on nc_session_set_data(). */
struct sim_sess {
    uint32_t id;
    int cleaned; /**< locks and confirmed commit already handled */
    int drop;    /**< a drop fault fired: reply must not be sent */
    int fd;      /**< the session's TCP socket (device.c's accept()), -1 if unknown */
};

/* config.c */
const struct sim_profile *sim_profile_find(const char *name);
const char *sim_cc_str(enum sim_cc_kind kind);
nst_err sim_cfg_parse(const char *path, const char *statedir, const char *yang_root,
                      struct sim_cfg **cfg, char **errmsg);
void sim_cfg_free(struct sim_cfg *cfg);

/* models.c */
nst_err sim_ctx_build(const struct sim_cfg *cfg, const struct sim_dev_cfg *dc, struct ly_ctx **ctx,
                      char **errmsg);
int sim_ctx_same(const struct sim_dev_cfg *a, const struct sim_dev_cfg *b);
void sim_ctx_advertise(struct ly_ctx *ctx, const struct sim_profile *prof);

/* rpc.c */
void sim_rpc_release_lent(struct sim_dev *dev);
void sim_rpc_cache_free(struct sim_dev *dev);

/* device.c */
int sim_dev_main(const struct sim_cfg *cfg, const struct sim_dev_cfg *dc, struct ly_ctx *ctx,
                 int readyfd, int check_only);
struct sim_dev *sim_dev_get(void);
/* The function @name of @handle (RTLD_NEXT: the one netsim's own definition of the name
 * hides; RTLD_DEFAULT) stored into the function pointer at @fn; NULL there when there is
 * none. For netsim's interposed library calls (device.c, hostile.c, rpcmemo.c). */
void sim_dlsym(void *handle, const char *name, void *fn);
/** @brief Uncork the session sockets corked since the last call: the replies go out. */
void sim_uncork(struct sim_dev *dev);
void sim_dev_rollback_cc(struct sim_dev *dev, const char *why);
struct nc_session *sim_dev_find_session(struct sim_dev *dev, uint32_t id);
void sim_dev_session_cleanup(struct sim_dev *dev, struct nc_session *session);

/* rpc.c */
struct nc_server_reply *sim_rpc_dispatch(struct lyd_node *rpc, struct nc_session *session);
struct nc_server_reply *sim_rpc_edit_config(struct sim_dev *dev, struct nc_session *session,
                                            struct lyd_node *rpc);
struct nc_server_reply *sim_rpc_copy_config(struct sim_dev *dev, struct nc_session *session,
                                            struct lyd_node *rpc);
struct nc_server_reply *sim_rpc_get_schema(struct lyd_node *rpc, struct nc_session *session);
struct nc_server_reply *sim_rpc_check_lock(struct sim_dev *dev, uint32_t sid, enum sim_ds ds);
int sim_rpc_ds(const struct lyd_node *rpc, const char *param, enum sim_ds *ds,
               const struct lyd_node **config);
nst_err sim_rpc_ds_ok(struct sim_dev *dev, enum sim_ds ds, struct nc_server_reply **err);

/* edit.c */
/** @brief One <edit-config> as the engine needs it; rpc.c fills it from the RPC. */
struct sim_edit_req {
    enum sim_ds ds;                /**< target, already checked writable and unlocked */
    uint32_t sid;                  /**< session making the edit */
    const struct lyd_node *config; /**< the <config> anydata node */
    /** The same node: the engine may take the tree it holds (libnetconf2 frees the RPC
     * after the reply, and nothing reads its <config> after the edit). NULL: copy. */
    struct lyd_node *config_take;
    const char *dflt_op;           /**< default-operation value, NULL = merge */
    const char *error_option;      /**< error-option value, NULL = stop-on-error */
    int test_only;                 /**< test-option test-only */
};
struct nc_server_reply *sim_edit_run(struct sim_dev *dev, const struct sim_edit_req *req);
nst_err sim_edit_parse_config(struct sim_dev *dev, const struct lyd_node *any, int data_only,
                              struct lyd_node **tree, struct nc_server_reply **err);

/* filter.c */
/** @brief A <filter> compiled to the expressions filter.c evaluates. */
struct sim_filter;
nst_err sim_filter_compile(struct sim_dev *dev, const struct lyd_node *filter,
                           struct sim_filter **out, struct nc_server_reply **err);
/** @brief The key of a compiled filter: equal keys select the same nodes. */
const char *sim_filter_key(const struct sim_filter *f, size_t *len);
nst_err sim_filter_eval(struct sim_dev *dev, struct sim_filter *f, const struct lyd_node *data,
                        struct lyd_node **result, struct nc_server_reply **err);
void sim_filter_free(struct sim_filter *f);
nst_err sim_filter_apply(struct sim_dev *dev, const struct lyd_node *filter,
                         const struct lyd_node *data, struct lyd_node **result,
                         struct nc_server_reply **err);

/* fault.c */
void sim_faults_check(struct sim_dev *dev);
nst_err sim_faults_write_initial(struct sim_dev *dev);
void sim_faults_clear(struct sim_faults *f);
/* flap-bgp (fault.c) for the BGP supervisor, by the device directory @dir: is the session
 * to @addr forced down at @now (bgp.c's clock, seconds)? And did any flap of @dir change
 * its phase since the last call (the supervisor must recompute)? */
int sim_fault_bgp_down(const char *dir, const char *addr, double now);
int sim_fault_bgp_tick(const char *dir, double now, int recheck);
const struct sim_fault *sim_fault_drop(struct sim_dev *dev, const char *name, const char *pseudo);
unsigned sim_fault_delay(struct sim_dev *dev, const char *name, const char *pseudo);
struct lyd_node *sim_fault_reject(struct sim_dev *dev, enum sim_fault_kind kind,
                                  const struct lyd_node *tree);

/* hostile.c */
const char *sim_hostile_parse(struct sim_fault *ft, const char *mode, const char *rpc,
                              const char *arg);
void sim_hostile_arm(struct sim_dev *dev, const char *name, const char *pseudo, uint32_t sid);

/* oper.c */
nst_err sim_oper_setup(struct sim_dev *dev, char **errmsg);
nst_err sim_oper_merge(struct sim_dev *dev, struct lyd_node **data, struct nc_server_reply **err);
struct nc_server_reply *sim_oper_rpc_reply(struct sim_dev *dev, const struct lyd_node *rpc);

/* bgp.c */
struct sim_bgp;
nst_err sim_bgp_new(const struct sim_cfg *cfg, struct sim_bgp **out, char **errmsg);
void sim_bgp_tick(struct sim_bgp *b);
void sim_bgp_free(struct sim_bgp *b);

/* store.c */
nst_err sim_store_load_startup(struct sim_dev *dev, char **errmsg);
nst_err sim_store_validate(struct sim_dev *dev, struct lyd_node **tree,
                           struct nc_server_reply **err);
struct nc_server_reply *sim_store_ly_errors(struct sim_dev *dev, NC_ERR dflt_tag);
struct lyd_node *sim_err_new(struct sim_dev *dev, NC_ERR tag, NC_ERR_TYPE type, const char *apptag,
                             const char *path, const char *msg);
void sim_err_note(struct sim_dev *dev, NC_ERR tag, const char *msg);
struct lyd_node *sim_err_elem(struct sim_dev *dev, NC_ERR tag, const char *elem, const char *extra,
                              const char *path, const char *msg);
struct nc_server_reply *sim_reply_err(struct sim_dev *dev, NC_ERR tag, NC_ERR_TYPE type,
                                      const char *apptag, const char *path, const char *msg);
struct lyd_node *sim_store_dup(const struct lyd_node *tree);
void sim_store_replace(struct sim_dev *dev, enum sim_ds ds, struct lyd_node *tree);
unsigned long sim_store_gen(const struct sim_dev *dev, enum sim_ds ds);
void sim_store_dump(struct sim_dev *dev);
const char *sim_ds_str(enum sim_ds ds);
void sim_log(struct sim_dev *dev, uint32_t sid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sim_log_xml(struct sim_dev *dev, uint32_t sid, const struct lyd_node *rpc);

/* rpcmemo.c: RPCs received again are copied, not parsed again (see there). */
const char *sim_memo_log_text(const struct lyd_node *rpc);
void sim_memo_set_log_text(const struct lyd_node *rpc, const char *text);
void sim_memo_free(void);
char *sim_print_xml(const struct lyd_node *tree, uint32_t opts);
double sim_now_rel(struct sim_dev *dev);

#endif
