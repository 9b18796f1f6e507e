/*
 * session.h: one NETCONF client session to one device, for the push/diff engine.
 *
 * Place in the pipeline: the transaction engine (txn_*) opens one struct sess per
 * device in the prepare phase, locks, edits the candidate, commits (confirmed) and
 * confirms or cancels; the live diff reads running config through sess_get_config.
 * This layer knows nothing about services, IR or drivers: it moves XML strings and
 * libyang trees, and it turns every failure into one structured struct sess_error.
 *
 * Transport. SSH is set up here with libssh directly (TCP connect with a deadline,
 * host-key check, authentication, the netconf subsystem channel). libnetconf2 gets one end
 * of a socketpair (nc_connect_inout), exchanges hellos over it and builds the session's
 * libyang context; a relay thread (relay.h) copies between the channel and the socketpair
 * and checks every message the device sends before libnetconf2 parses it (size, time,
 * well-formed XML, declared namespace prefixes, no DOCTYPE), ending the session with a
 * clear reason otherwise: a hostile or broken router cannot crash netstitch through
 * libyang, hold it beyond the RPC timeout, or exhaust its memory. Doing SSH ourselves buys
 * four more things libnetconf2 2.0.24's nc_connect_ssh cannot give: ssh-agent
 * authentication, a host-key check that runs before any credential is sent, a connect
 * timeout of our choosing, and no dependence on libnetconf2's per-thread SSH client
 * options (see Threads).
 *
 * Threads. libnetconf2 2.0.24 keeps every client option (schema searchpath and schema
 * callback, SSH username, key pairs, auth preferences, host-key/password/interactive
 * callbacks) in a *thread-specific* context (pthread key; the process's main thread uses
 * a static one, every other thread gets its own calloc'd defaults on first use, freed at
 * thread exit). nc_client_set_thread_context() shares one context between threads, and
 * then its setters race. libssh 0.10 keeps its log level and log callback thread-local.
 * Process-global, by contrast: libnetconf2's print callback and verbosity, and libyang's
 * log callback and log level (nc_verbosity and nc_set_print_clb_session both write
 * libyang's globals). Consequences for this layer:
 *   - nc_client_init(), nc_verbosity() and the print callback are installed once per
 *     process (pthread_once) on the first sess_connect; nc_client_destroy() is never
 *     called by the library (it tears down libssh for the whole process).
 *   - The only per-thread libnetconf2 option used is the schema searchpath (the cache
 *     directory fetched schemas are written to); sess_connect sets it on the calling
 *     thread right before connecting, so threads never see each other's value.
 *   - libssh's log callback and level are (re)set on the calling thread at every entry.
 *   - Messages from the libraries reach the struct sess that is active on the calling
 *     thread (a thread-local pointer set for the duration of each sess_* call); with
 *     none active they go to the libyang callback that was installed before ours (or
 *     nowhere). So each device's messages go to that device's callback even when many
 *     threads connect at once.
 * A struct sess belongs to one thread at a time; different sessions may be used from
 * different threads concurrently. With a schema cache directory, sessions to routers of
 * one schema set share one libyang context (ctxpool.h, docs/push.md "Shared session
 * contexts"): every use of it inside this layer holds it, and code that builds trees in
 * sess_ctx() itself holds it with sess_ctx_hold(). Without one, each session has its own.
 *
 * Secrets. A password is read from an environment variable or from a file that must be
 * a regular file owned by the effective user with no group/other permission bits (0600
 * or 0400). It is held only during authentication and wiped afterwards. No error, log
 * message or output of this layer contains it: library messages are scrubbed of it
 * before they reach the log callback, and libssh runs at warning level at most.
 *
 * Deliberately not here: retries and reconnects (the engine decides), notifications,
 * call home, TLS, keyboard-interactive prompts other than password prompts, and any
 * knowledge of which RPC sequence is safe on which server beyond the quirk flags.
 */
#ifndef NST_SESSION_H
#define NST_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "netstitch.h"

/** @brief What went wrong, one value per failure class the engine reacts to differently. */
enum sess_err_kind {
    SESS_ERR_NONE = 0,    /**< no error */
    SESS_ERR_CONFIG,      /**< bad options: missing host/user, unreadable key, password file
                               with group/other permissions, no host-key policy. Nothing was
                               sent to the network. Returned as NST_EINVAL. */
    SESS_ERR_CONNECT,     /**< TCP: refused, unreachable, name not resolved, or no TCP
                               connection within the connect timeout. The device was never
                               reached. */
    SESS_ERR_HOSTKEY,     /**< the server's host key matched neither the pinned fingerprint
                               nor the known_hosts file. No credential was sent. */
    SESS_ERR_AUTH,        /**< every configured authentication method was refused */
    SESS_ERR_TIMEOUT,     /**< the peer accepted TCP but did not complete SSH, the hello or
                               an RPC reply in time. After an RPC timeout the device state
                               is unknown. */
    SESS_ERR_RPC,         /**< the device answered <rpc-error>; the NETCONF fields are set */
    SESS_ERR_DROPPED,     /**< the session ended: transport closed, server crashed, or the
                               session was closed with sess_close() */
    SESS_ERR_UNSUPPORTED, /**< the device lacks the capability the operation needs (checked
                               locally, nothing sent) */
    SESS_ERR_PROTOCOL,    /**< NETCONF failure that is none of the above: failed hello or
                               schema context, malformed reply */
    SESS_ERR_NOMEM        /**< allocation failed. Returned as NST_ENOMEM. */
};

/**
 * @brief A failure, filled by every sess_* call that fails and cleared by every call
 *        that starts. Caller-owned storage with fixed-size fields (longer texts are
 *        truncated), so it can be reported even when memory ran out.
 *
 * The NETCONF fields are set only for SESS_ERR_RPC and are copied from the first
 * <rpc-error> whose severity is "error"; n_rpc_errors counts all <rpc-error>s.
 */
struct sess_error {
    enum sess_err_kind kind;
    char device[64];        /**< sess_opts.device, or host:port */
    char op[32];            /**< the operation: "connect", "lock", "edit-config", ... */
    char message[512];      /**< human-readable; for SESS_ERR_RPC the error-message */
    char type[16];          /**< error-type: transport, rpc, protocol, application */
    char tag[48];           /**< error-tag, e.g. "lock-denied", "invalid-value" */
    char app_tag[64];       /**< error-app-tag, e.g. "must-violation", "not-in-range" */
    char path[512];         /**< error-path */
    char info[256];         /**< error-info children flattened as "name=value; ..." */
    uint32_t holder_session_id; /**< error-info <session-id> (lock-denied: the holder), else 0 */
    unsigned n_rpc_errors;  /**< number of <rpc-error> elements in the reply */
};

/** @brief Authentication methods (sess_opts.auth), tried in this order. */
#define SESS_AUTH_AGENT    0x01u /**< keys offered by ssh-agent (SSH_AUTH_SOCK) */
#define SESS_AUTH_PUBKEY   0x02u /**< the private key files in sess_opts.key_files */
#define SESS_AUTH_PASSWORD 0x04u /**< password (or keyboard-interactive answering with it) */

/** @brief Option flags (sess_opts.flags). */
#define SESS_OPT_TOFU      0x01u /**< trust on first use: a host absent from known_hosts is
                                      accepted and appended to it. Needs known_hosts. A
                                      changed key is still refused. */
#define SESS_OPT_VERBOSE   0x02u /**< also forward the libraries' verbose messages */

/** @brief Default timeouts in milliseconds (used when the option is 0). */
#define SESS_CONNECT_TIMEOUT_MS 10000
#define SESS_RPC_TIMEOUT_MS     30000

/**
 * @brief Log callback for one session.
 * @param[in] sev severity.
 * @param[in] device the session's device name; borrowed for the call.
 * @param[in] msg the message, already scrubbed of the password; borrowed for the call.
 * @param[in] user sess_opts.log_user.
 */
typedef void (*sess_log_cb)(enum nst_severity sev, const char *device, const char *msg, void *user);

/**
 * @brief Connection options. Every pointer is borrowed for the duration of sess_connect()
 *        only; nothing is kept afterwards (strings that are needed later are copied).
 */
struct sess_opts {
    const char *device;          /**< name used in errors and logs; NULL = "host:port" */
    const char *host;            /**< host name or address, required */
    uint16_t port;               /**< 0 = 830 */
    const char *user;            /**< SSH user name, required */
    unsigned auth;               /**< SESS_AUTH_* bits; at least one */
    const char *const *key_files;/**< NULL-terminated private key paths (SESS_AUTH_PUBKEY);
                                      unencrypted OpenSSH or PEM keys */
    const char *password_env;    /**< name of an environment variable holding the password */
    const char *password_file;   /**< file holding the password (first line); must be a
                                      regular file of the effective user, mode 0600/0400.
                                      Used when password_env is NULL. */
    const char *hostkey_sha256;  /**< accepted host-key fingerprints, "SHA256:<base64>" as
                                      `ssh-keygen -lf` prints them; several may be given
                                      separated by spaces or commas */
    const char *known_hosts;     /**< OpenSSH known_hosts file; entries for a non-22 port
                                      are written "[host]:port". Checked when no fingerprint
                                      matches or none is given. */
    unsigned flags;              /**< SESS_OPT_* bits */
    int connect_timeout_ms;      /**< TCP connect + SSH handshake + auth; 0 = default. The
                                      netconf channel, hello and schema download that follow
                                      use libnetconf2's own fixed timeouts. */
    int rpc_timeout_ms;          /**< per RPC (send, then reply); 0 = default */
    const char *schema_dir;      /**< local YANG modules tried first; NULL = the IETF
                                      modules shipped in yang/ietf (NST_YANG_DIR/ietf, the
                                      installed or the source-tree copy). Must hold
                                      ietf-netconf@2011-06-01.yang: yuma123's <get-schema>
                                      for it breaks after the first call. */
    const char *schema_cache_dir;/**< modules fetched with <get-schema> are stored here and
                                      found here next time; NULL = no cache (fetched each
                                      time). Each connect fetches into a private
                                      subdirectory and publishes with rename(), so one
                                      cache may be shared by parallel connects. Files are
                                      named name@revision.yang: devices that publish
                                      different modules under one name and revision need
                                      separate caches. */
    sess_log_cb log_cb;          /**< NULL = drop messages */
    void *log_user;              /**< passed to log_cb */
    int light;                   /**< 1: a session without libnetconf2 for reading only
                                      (the live diff): SSH, the relay, the hellos (the
                                      client's as libnetconf2 2.0.24 sends it) and the
                                      capabilities, but no YANG context, no yang-library
                                      or <get-schema> requests. Such a session can only
                                      sess_get_config_text() (its rare replies that must
                                      be parsed whole use a context of ietf-netconf made
                                      once per process) and be closed
                                      (<close-session> through the relay); every other
                                      call fails as on a closed session, sess_ctx() is
                                      NULL. schema_cache_dir is not used. */
};

/** @brief Datastores. */
enum sess_ds {
    SESS_DS_RUNNING = 0,
    SESS_DS_CANDIDATE,
    SESS_DS_STARTUP
};

/** @brief edit-config default-operation. */
enum sess_defop {
    SESS_DEFOP_MERGE = 0, /**< RFC default */
    SESS_DEFOP_REPLACE,
    SESS_DEFOP_NONE
};

/** @brief edit-config error-option. */
enum sess_errop {
    SESS_ERROP_DEFAULT = 0, /**< omit the element (server default: stop-on-error) */
    SESS_ERROP_STOP,
    SESS_ERROP_CONTINUE,
    SESS_ERROP_ROLLBACK     /**< needs SESS_CAP_ROLLBACK_ON_ERROR */
};

/** @brief Capabilities (sess_caps()), from the server's <hello>. */
#define SESS_CAP_CANDIDATE          0x001u /**< :candidate:1.0 */
#define SESS_CAP_WRITABLE_RUNNING   0x002u /**< :writable-running:1.0 */
#define SESS_CAP_CONFIRMED_COMMIT   0x004u /**< :confirmed-commit:1.0 */
#define SESS_CAP_CONFIRMED_COMMIT11 0x008u /**< :confirmed-commit:1.1 (persist, cancel-commit) */
#define SESS_CAP_VALIDATE           0x010u /**< :validate:1.0 */
#define SESS_CAP_VALIDATE11         0x020u /**< :validate:1.1 */
#define SESS_CAP_ROLLBACK_ON_ERROR  0x040u /**< :rollback-on-error:1.0 */
#define SESS_CAP_STARTUP            0x080u /**< :startup:1.0 */
#define SESS_CAP_XPATH              0x100u /**< :xpath:1.0 */
#define SESS_CAP_BASE11             0x200u /**< urn:ietf:params:netconf:base:1.1 */

/**
 * @brief Known server quirks (sess_quirks()), detected from the <hello>.
 *
 * SESS_QUIRK_VALIDATE_LOSES_EDIT: yuma123 netconfd. <validate> of the candidate clears
 * its pending-change marks, so a following <commit> replies <ok/> and applies nothing.
 * Do not send <validate> before <commit> to such a server (commit validates anyway).
 * SESS_QUIRK_EDIT_TIME_VALIDATION: yuma123 validates must/leafref/mandatory at
 * <edit-config> time even on the candidate, so a referrer and its target must be created
 * in the same edit or in dependency order.
 * SESS_QUIRK_CONFIRM_TIMER_IDLE: yuma123 fires the confirmed-commit timeout only after
 * the server has been idle for about a second.
 */
#define SESS_QUIRK_VALIDATE_LOSES_EDIT  0x1u
#define SESS_QUIRK_EDIT_TIME_VALIDATION 0x2u
#define SESS_QUIRK_CONFIRM_TIMER_IDLE   0x4u

struct sess;

/**
 * @brief Open a NETCONF-over-SSH session.
 *
 * Order: options and secrets are checked (SESS_ERR_CONFIG before any network traffic),
 * TCP connect, SSH key exchange, host-key check, authentication, netconf subsystem,
 * hello, schema context. Safe to call from several threads at once.
 * @param[in] opts connection options, borrowed for the call.
 * @param[out] out the session, freed with sess_free(); written only on success.
 * @param[out] err filled on failure (kind CONFIG, CONNECT, HOSTKEY, AUTH, TIMEOUT,
 *             PROTOCOL, DROPPED or NOMEM); cleared on success. May be NULL.
 * @return NST_OK; NST_EINVAL (SESS_ERR_CONFIG); NST_ENOMEM; NST_EENV (everything else).
 */
nst_err sess_connect(const struct sess_opts *opts, struct sess **out, struct sess_error *err);

/**
 * @brief End the NETCONF session: <close-session> (libnetconf2 waits briefly for the
 *        reply), then the SSH connection. The device releases the session's locks and
 *        rolls back a confirmed commit without <persist>. The struct stays valid: later
 *        RPCs fail with SESS_ERR_DROPPED, and sess_ctx() and trees obtained from the
 *        session remain usable until sess_free(). Idempotent.
 * @param[in] s the session, may be NULL.
 */
void sess_close(struct sess *s);

/**
 * @brief Close if still open and release everything, including the libyang context:
 *        free every tree obtained from this session before. Accepts NULL.
 * @param[in] s the session, consumed.
 */
void sess_free(struct sess *s);

/**
 * @brief Cheap liveness check without an RPC: the session is open, and its socket shows
 *        no hang-up and its channel no EOF. A dropped peer is usually seen within a few
 *        milliseconds; a silently dead path (no FIN/RST) is seen only by an RPC timeout.
 * @param[in] s the session.
 * @return 1 alive, 0 not (after 0, every RPC fails with SESS_ERR_DROPPED).
 */
int sess_is_alive(struct sess *s);

/** @brief SESS_CAP_* bits of the server. */
unsigned sess_caps(const struct sess *s);

/** @brief SESS_QUIRK_* bits of the server. */
unsigned sess_quirks(const struct sess *s);

/**
 * @brief The raw capability URIs from the server's <hello>.
 * @return NULL-terminated array, borrowed: valid until sess_close()/sess_free().
 *         NULL after sess_close().
 */
const char *const *sess_capabilities(const struct sess *s);

/** @brief The NETCONF session-id the server assigned (0 after sess_close()). */
uint32_t sess_session_id(const struct sess *s);

/** @brief The device name used in errors and logs; borrowed, lives as long as @p s. */
const char *sess_device(const struct sess *s);

/**
 * @brief The host key the server presented, "SHA256:<base64>".
 * @return borrowed, lives as long as @p s.
 */
const char *sess_hostkey(const struct sess *s);

/**
 * @brief The session's libyang context, built from the server's modules. Borrowed:
 *        destroyed by sess_free() when private; a shared one (same schema set, schema
 *        cache directory given) lives until process end. Use it from the session's
 *        thread only, inside sess_ctx_hold()/sess_ctx_release().
 */
struct ly_ctx *sess_ctx(const struct sess *s);

/**
 * @brief Hold the session's context for reading, for code that builds or parses trees in
 *        sess_ctx() itself (e.g. revert_edit()). Routers with one schema set share one
 *        context (ctxpool.h) when a schema cache directory is given; a hold keeps joins'
 *        and module loads' changes out while trees of it are alive. Pair every hold with
 *        sess_ctx_release() on the same thread, and free the trees before; do not call
 *        other sess_* functions of the same session in between. Nothing for a private
 *        context. Accepts NULL.
 */
void sess_ctx_hold(struct sess *s);

/** @brief End a sess_ctx_hold(). Accepts NULL. */
void sess_ctx_release(struct sess *s);

/**
 * @brief <lock>. On lock-denied, err->tag is "lock-denied" and err->holder_session_id
 *        names the holder (when the server reports it).
 * @param[in] s the session.
 * @param[in] ds datastore; CANDIDATE needs SESS_CAP_CANDIDATE, STARTUP SESS_CAP_STARTUP.
 * @param[out] err filled on failure, may be NULL.
 * @return NST_OK; NST_EINVAL (bad argument); NST_ENOMEM; NST_EENV (see err->kind: RPC,
 *         UNSUPPORTED, TIMEOUT, DROPPED, PROTOCOL).
 */
nst_err sess_lock(struct sess *s, enum sess_ds ds, struct sess_error *err);

/** @brief <unlock>; as sess_lock(). */
nst_err sess_unlock(struct sess *s, enum sess_ds ds, struct sess_error *err);

/**
 * @brief <edit-config> with no test-option.
 * @param[in] s the session.
 * @param[in] target CANDIDATE (needs :candidate) or RUNNING (needs :writable-running).
 * @param[in] defop default-operation.
 * @param[in] errop error-option; ROLLBACK needs :rollback-on-error.
 * @param[in] config the content of <config>: one or more top-level elements with their
 *            namespaces, e.g. "<interfaces xmlns=\"...\">...</interfaces>". Borrowed.
 * @param[out] err filled on failure, may be NULL.
 * @return as sess_lock().
 */
nst_err sess_edit_config(struct sess *s, enum sess_ds target, enum sess_defop defop,
                         enum sess_errop errop, const char *config, struct sess_error *err);

/**
 * @brief <get-config>, result as XML text.
 * @param[in] s the session.
 * @param[in] source datastore.
 * @param[in] filter NULL (everything), a subtree filter (text starting with '<') or an
 *            XPath expression (needs SESS_CAP_XPATH). Borrowed.
 * @param[out] xml the <data> content (the top-level config elements, possibly none: ""),
 *             returned to the caller, freed with nst_free(). Written only on success.
 * @param[out] err filled on failure, may be NULL.
 * @return as sess_lock().
 */
nst_err sess_get_config(struct sess *s, enum sess_ds source, const char *filter, char **xml,
                        struct sess_error *err);

/**
 * @brief <get-config> for a caller that parses the text into a schema-aware context (the
 *        live diff): as sess_get_config(), but the text is the device's own bytes of the
 *        <data> content when relay.h's struct relay_reply says they parse to the same tree
 *        as sess_get_config()'s text, else exactly sess_get_config()'s text. The request
 *        goes past libnetconf2 (relay_call(): the bytes libnetconf2 would send, with a
 *        message-id of the relay's), so the reply is neither parsed into the session's
 *        context nor printed back unless it has to be (an <rpc-error>, a reply that
 *        declares prefixes outside <data>). Only a subtree filter or none; an XPath filter
 *        goes through sess_get_config().
 * Parameters and return values as sess_get_config().
 */
nst_err sess_get_config_text(struct sess *s, enum sess_ds source, const char *filter, char **xml,
                             struct sess_error *err);

/**
 * @brief <get-config>, result as a libyang data tree in sess_ctx().
 * @param[out] tree the first top-level sibling (NULL when the datastore is empty),
 *             returned to the caller, freed with lyd_free_siblings() before sess_free().
 *             On a shared context, use and free it inside sess_ctx_hold()/
 *             sess_ctx_release() taken after this call returns (the tree must not live
 *             across a join on the context; ctxpool.h).
 * Other parameters and return values as sess_get_config().
 */
nst_err sess_get_config_tree(struct sess *s, enum sess_ds source, const char *filter,
                             struct lyd_node **tree, struct sess_error *err);

/**
 * @brief <get> (config and state), result as XML text; as sess_get_config().
 */
nst_err sess_get(struct sess *s, const char *filter, char **xml, struct sess_error *err);

/** @brief Commit flags (sess_commit()). */
#define SESS_COMMIT_CONFIRMED 0x1u /**< <confirmed/>: rolls back unless confirmed in time */

/**
 * @brief <commit>: plain, confirmed, or the confirming commit.
 *
 * A confirmed commit (SESS_COMMIT_CONFIRMED) rolls back after @p timeout_s unless a
 * confirming commit arrives; without @p persist it also rolls back when this session
 * ends. A plain commit from the same session confirms a pending confirmed commit; a
 * commit from another session confirms only with @p persist_id.
 * @param[in] s the session (needs :candidate; CONFIRMED needs :confirmed-commit; persist
 *            and persist_id need :confirmed-commit:1.1).
 * @param[in] flags SESS_COMMIT_* bits.
 * @param[in] timeout_s confirm-timeout in seconds; 0 = omit (server default 600).
 * @param[in] persist token making the confirmed commit survive the session, or NULL.
 * @param[in] persist_id token of the confirmed commit this commit confirms, or NULL.
 * @param[out] err filled on failure, may be NULL.
 * @return as sess_lock().
 */
nst_err sess_commit(struct sess *s, unsigned flags, uint32_t timeout_s, const char *persist,
                    const char *persist_id, struct sess_error *err);

/**
 * @brief <cancel-commit> (needs :confirmed-commit:1.1): roll back the pending confirmed
 *        commit now.
 * @param[in] persist_id the token given as persist, or NULL for this session's commit.
 * Other parameters and return values as sess_lock().
 */
nst_err sess_cancel_commit(struct sess *s, const char *persist_id, struct sess_error *err);

/** @brief <discard-changes> (needs :candidate); as sess_lock(). */
nst_err sess_discard(struct sess *s, struct sess_error *err);

/**
 * @brief <validate> of a datastore (needs :validate). See SESS_QUIRK_VALIDATE_LOSES_EDIT
 *        before using it on the candidate ahead of a commit.
 */
nst_err sess_validate(struct sess *s, enum sess_ds source, struct sess_error *err);

/**
 * @brief Interpret one reply the way every sess_* RPC does, without a session.
 *
 * @p reply (one <rpc-reply> message, as libnetconf2 hands it over after unframing) is
 * parsed as the reply to @p rpc like libnetconf2 2.0.24's nc_recv_reply does
 * (LYD_TYPE_REPLY_NETCONF into a copy of the operation), its <rpc-error>s become @p err
 * exactly as in sess_lock() and friends, and for <get>/<get-config> the <data> content is
 * returned as XML text as sess_get_config() returns it. For the reply fuzzer
 * (tests/fuzz/fz_reply.c) and unit tests.
 * @param[in] ctx a libyang context holding ietf-netconf (and the modules of the data).
 * @param[in] rpc the operation node the reply answers, e.g. from lyd_new_path(
 *            "/ietf-netconf:get-config/source/running"). Borrowed.
 * @param[in] reply the message text, NUL-terminated. Borrowed.
 * @param[out] data_xml for get/get-config: the <data> content, returned to the caller and
 *             freed with nst_free(); written only on success. May be NULL.
 * @param[out] err filled on failure (RPC, PROTOCOL, CONFIG, NOMEM), may be NULL.
 * @return NST_OK; NST_EINVAL (no context/rpc/reply); NST_ENOMEM; NST_EENV (an <rpc-error>,
 *         or a reply that does not parse or lacks <data>).
 */
nst_err sess_reply_parse(struct ly_ctx *ctx, const struct lyd_node *rpc, const char *reply,
                         char **data_xml, struct sess_error *err);

/** @brief Name of an error kind ("connect", "rpc-error", ...); static string. */
const char *sess_err_kind_name(enum sess_err_kind kind);

/**
 * @brief One-line description of an error, "device: op: kind: message [tag/app-tag] path".
 * @param[in] err the error.
 * @param[out] buf destination, always NUL-terminated.
 * @param[in] len size of @p buf.
 * @return @p buf.
 */
char *sess_error_format(const struct sess_error *err, char *buf, size_t len);

/**
 * @brief A vendor RPC given as XML (e.g. Junos <get-bgp-neighbor-information>), its
 *        output as XML text. libnetconf2 builds the RPC and parses the reply against the
 *        operation's module in the session's context; the context holds only the modules
 *        the <hello> names (netstitch's contexts do not load yang-library modules), so a
 *        module given in @p module that the context lacks is loaded first from
 *        @p module_dir (netstitch's device model of that vendor).
 * @param[in] s the session.
 * @param[in] op the operation's name, for errors.
 * @param[in] module the operation's module, or NULL.
 * @param[in] module_dir where to find it when the context lacks it, or NULL.
 * @param[in] xml the operation element with its namespace and input. Borrowed.
 * @param[out] out the output children as XML ("" when none), freed with nst_free().
 *             Written only on success.
 * @param[out] err filled on failure, may be NULL.
 * @return as sess_lock().
 */
nst_err sess_rpc_xml(struct sess *s, const char *op, const char *module, const char *module_dir,
                     const char *xml, char **out, struct sess_error *err);

#endif
