/*
 * session.c: NETCONF client sessions over SSH (see session.h for the contract).
 *
 * A connect runs in stages, each with its own error kind: options and secrets
 * (sess_opts_check, sess_password_load, key import), TCP (sess_tcp_connect, non-blocking
 * connect polled against the connect deadline), SSH key exchange (libssh, blocking,
 * with the remaining time as its timeout), host key (sess_hostkey_check), authentication
 * (sess_auth), and finally NETCONF: the netconf subsystem on a channel of our own, handed
 * to the relay thread (relay.c checks every message the device sends before libnetconf2
 * parses it), and nc_connect_inout on the relay's end of a socketpair, with a libyang
 * context we create so that both the shipped IETF modules and the per-device cache are
 * searched, or, when the server's hello names a proven schema set, the set's shared
 * context (ctxpool.h: the relay passes the join's baton, sess_hold() guards every use).
 * Every RPC goes through sess_rpc(), which sends, waits for the matching reply, and turns
 * <rpc-error> into struct sess_error; except sess_get_config_text() (the live diff's read),
 * whose <get-config> goes through the relay past libnetconf2 (relay_call) so that the
 * reply's <data> text reaches the caller without a parse and a print in between.
 *
 * The main struct is struct sess: the libnetconf2 session, its libyang context (owned
 * here, so trees survive sess_close; or a shared one the pool owns), the raw TCP socket number (owned by libssh, used
 * only to poll for hang-ups), the parsed capabilities, and the log routing.
 *
 * Logging: libnetconf2's print callback and libyang's log callback are process-global,
 * so they are installed once and dispatch to the struct sess active on the calling
 * thread (sess_active, set by sess_enter for the length of each call). libssh's log
 * callback is per thread and set at every entry. The last error-level message of the
 * current call is kept so that failures inside libnetconf2 (which only returns NULL or
 * NC_MSG_ERROR) can still say why.
 *
 * Not here: anything about which datastore to edit or when to commit (txn_*), the
 * content of edits (drivers), retry policy.
 */
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libxml/parser.h>
#include <libyang/version.h>
#include <nc_client.h>

#include "alloc.h"
#include "ctx.h"
#include "ctxpool.h"
#include "relay.h"
#include "util.h"

#define SESS_PW_MAX 1024
#define SESS_MAX_KEYS 16
#define SESS_IETF_NETCONF "ietf-netconf@2011-06-01.yang"
#define SESS_CAP_PREFIX "urn:ietf:params:netconf:capability:"

struct sess {
    char device[64];
    char hostkey[96];             /* "SHA256:..." the server presented */
    struct nc_session *nc;        /* NULL after sess_close */
    struct ly_ctx *ctx;           /* ours, or the pool's; libnetconf2 treats it as shared */
    struct ctxpool_set *pool;     /* the schema set whose shared context ctx is, or NULL
                                     (ctx private); every use of ctx then holds it */
    int holds;                    /* read holds taken by this session's thread */
    int fd;                       /* libnetconf2's socket to the relay (owned by the
                                     relay); -1 when closed */
    struct relay *relay;          /* the guard between the SSH channel and libnetconf2 */
    int light;                    /* a light session (sess_opts.light), open: no libnetconf2,
                                     nc and ctx NULL */
    char *schema_dir;             /* a light session's: for sess_light_ctx() */
    unsigned caps;
    unsigned quirks;
    int rpc_timeout_ms;
    sess_log_cb log_cb;
    void *log_user;
    const char *scrub;            /* the password while it is in memory, else NULL */
    char lib_err[256];            /* last error-level library message of this call */
};

static pthread_once_t sess_once = PTHREAD_ONCE_INIT;
static ly_log_clb sess_prev_ly_clb;
/* The session whose call is running on this thread; routes library messages. */
static _Thread_local struct sess *sess_active;

/*
 * Logging
 */

/* Messages libnetconf2 prints on every connect to a server without yang-library
 * <get-data> support (it falls back to the capabilities), and libyang's complaints about
 * modules yuma123 ships; they are demoted to notes. */
static const char *const sess_noise[] = {
    "Failed to create RPC, perhaps a required feature is disabled",
    "Failed to send request for yang-library data",
    "ietf-datastores:operational",
    "confirm-event",
    NULL,
};

static int
sess_is_noise(const char *msg)
{
    for (size_t i = 0; sess_noise[i]; i++) {
        if (strstr(msg, sess_noise[i])) {
            return 1;
        }
    }
    return 0;
}

/* Copy @msg into @buf with every occurrence of @secret replaced by "***". */
static const char *
sess_scrub(const char *msg, const char *secret, char *buf, size_t len)
{
    size_t slen, o = 0;
    const char *p = msg, *hit;

    if (!secret || !*secret || !strstr(msg, secret)) {
        return msg;
    }
    slen = strlen(secret);
    while ((hit = strstr(p, secret)) && o + 1 < len) {
        size_t n = (size_t)(hit - p);

        if (n > len - 1 - o) {
            n = len - 1 - o;
        }
        memcpy(buf + o, p, n);
        o += n;
        n = strlen("***") < len - 1 - o ? strlen("***") : len - 1 - o;
        memcpy(buf + o, "***", n);
        o += n;
        p = hit + slen;
    }
    snprintf(buf + o, len - o, "%s", p);
    return buf;
}

/* strlcpy: copy what fits, always terminate. */
static void
sess_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void
sess_log(struct sess *s, enum nst_severity sev, const char *msg)
{
    char buf[1024];

    if (!msg) {
        return;
    }
    msg = sess_scrub(msg, s->scrub, buf, sizeof buf);
    if (sess_is_noise(msg)) {
        sev = NST_SEV_NOTE;
    }
    if (sev == NST_SEV_ERROR) {
        sess_copy(s->lib_err, sizeof s->lib_err, msg);
    }
    if (s->log_cb) {
        s->log_cb(sev, s->device, msg, s->log_user);
    }
}

static void
sess_nc_print(const struct nc_session *nc, NC_VERB_LEVEL level, const char *msg)
{
    enum nst_severity sev;

    (void)nc;
    if (!sess_active) {
        /* Not ours (no sess call on this thread): nothing to route it to. */
        return;
    }
    switch (level) {
    case NC_VERB_ERROR:
        sev = NST_SEV_ERROR;
        break;
    case NC_VERB_WARNING:
        sev = NST_SEV_WARNING;
        break;
    default:
        sev = NST_SEV_NOTE;
        break;
    }
    sess_log(sess_active, sev, msg);
}

static void
sess_ly_print(LY_LOG_LEVEL level, const char *msg, const char *path)
{
    char buf[1024];
    enum nst_severity sev;

    if (!sess_active) {
        /* Someone else's libyang work on this thread: hand it to whoever logged before. */
        if (sess_prev_ly_clb) {
            sess_prev_ly_clb(level, msg, path);
        }
        return;
    }
    sev = level == LY_LLERR ? NST_SEV_ERROR : level == LY_LLWRN ? NST_SEV_WARNING : NST_SEV_NOTE;
    if (path) {
        snprintf(buf, sizeof buf, "%s (path %s)", msg, path);
        msg = buf;
    }
    sess_log(sess_active, sev, msg);
}

static void
sess_ssh_print(int priority, const char *function, const char *buffer, void *userdata)
{
    (void)function;
    (void)userdata;
    (void)priority;
    /* libssh files routine protocol chatter under its lowest levels too; what matters
     * reaches the caller through ssh_get_error() in the structured error. */
    if (sess_active) {
        sess_log(sess_active, NST_SEV_NOTE, buffer);
    }
}

static void
sess_global_init(void)
{
    nc_client_init();
    sess_prev_ly_clb = ly_get_log_clb();
    /* Both calls also set libyang's global level and callback; ours replaces the latter. */
    nc_verbosity(NC_VERB_WARNING);
    nc_set_print_clb_session(sess_nc_print);
    ly_set_log_clb(sess_ly_print, 1);
}

/* Start a call on @s: route this thread's library messages to it. */
static void
sess_enter(struct sess *s)
{
    sess_active = s;
    s->lib_err[0] = '\0';
    /* libssh keeps both per thread; a worker thread starts with libssh's defaults. */
    ssh_set_log_callback(sess_ssh_print);
    ssh_set_log_level(SSH_LOG_WARN);
}

static void
sess_leave(void)
{
    sess_active = NULL;
}

/*
 * Errors
 */

/* A read hold on a shared context (ctxpool.h); nothing for a private one. */
static void
sess_hold(struct sess *s)
{
    if (s->pool) {
        ctxpool_read_acquire(s->pool);
        s->holds++;
    }
}

static void
sess_unhold(struct sess *s)
{
    if (s->pool && s->holds) {
        s->holds--;
        ctxpool_read_release(s->pool);
    }
}

void
sess_ctx_hold(struct sess *s)
{
    if (s) {
        sess_hold(s);
    }
}

void
sess_ctx_release(struct sess *s)
{
    if (s) {
        sess_unhold(s);
    }
}

static void
sess_err_clear(struct sess_error *err)
{
    if (err) {
        memset(err, 0, sizeof *err);
    }
}

static nst_err
sess_kind_code(enum sess_err_kind kind)
{
    switch (kind) {
    case SESS_ERR_NONE:
        return NST_OK;
    case SESS_ERR_CONFIG:
        return NST_EINVAL;
    case SESS_ERR_NOMEM:
        return NST_ENOMEM;
    default:
        return NST_EENV;
    }
}

/* Fill @err (may be NULL) and return the matching code. */
static nst_err
sess_fail(struct sess_error *err, const char *device, const char *op, enum sess_err_kind kind,
          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static nst_err
sess_fail(struct sess_error *err, const char *device, const char *op, enum sess_err_kind kind,
          const char *fmt, ...)
{
    va_list ap;

    if (err) {
        memset(err, 0, sizeof *err);
        err->kind = kind;
        snprintf(err->device, sizeof err->device, "%s", device ? device : "");
        snprintf(err->op, sizeof err->op, "%s", op);
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return sess_kind_code(kind);
}

const char *
sess_err_kind_name(enum sess_err_kind kind)
{
    switch (kind) {
    case SESS_ERR_NONE:
        return "none";
    case SESS_ERR_CONFIG:
        return "config";
    case SESS_ERR_CONNECT:
        return "connect";
    case SESS_ERR_HOSTKEY:
        return "hostkey";
    case SESS_ERR_AUTH:
        return "auth";
    case SESS_ERR_TIMEOUT:
        return "timeout";
    case SESS_ERR_RPC:
        return "rpc-error";
    case SESS_ERR_DROPPED:
        return "session-dropped";
    case SESS_ERR_UNSUPPORTED:
        return "unsupported";
    case SESS_ERR_PROTOCOL:
        return "protocol";
    case SESS_ERR_NOMEM:
        return "nomem";
    }
    return "unknown";
}

char *
sess_error_format(const struct sess_error *err, char *buf, size_t len)
{
    int n;

    if (!len) {
        return buf;
    }
    n = snprintf(buf, len, "%s: %s: %s: %s", err->device[0] ? err->device : "?",
                 err->op[0] ? err->op : "?", sess_err_kind_name(err->kind), err->message);
    if (n >= 0 && (size_t)n < len && err->kind == SESS_ERR_RPC) {
        n += snprintf(buf + n, len - (size_t)n, " [%s/%s%s%s]%s%s", err->type, err->tag,
                      err->app_tag[0] ? "/" : "", err->app_tag, err->path[0] ? " at " : "",
                      err->path);
    }
    return buf;
}

/*
 * Small helpers
 */

static long long
sess_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
sess_file_exists(const char *dir, const char *name)
{
    char path[4096];

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        return 0;
    }
    return access(path, R_OK) == 0;
}

/* The shipped IETF modules: environment, next to the executable (a moved install), install,
 * source tree, relative. */
static const char *
sess_default_schema_dir(char *buf, size_t len)
{
    const char *env = getenv("NST_YANG_DIR");

    if (env && *env) {
        snprintf(buf, len, "%s/ietf", env);
        if (sess_file_exists(buf, SESS_IETF_NETCONF)) {
            return buf;
        }
    }
    if (ctx_exe_share("yang/ietf", buf, len) && sess_file_exists(buf, SESS_IETF_NETCONF)) {
        return buf;
    }
#ifdef NST_INSTALL_YANG_DIR
    if (sess_file_exists(NST_INSTALL_YANG_DIR "/ietf", SESS_IETF_NETCONF)) {
        return NST_INSTALL_YANG_DIR "/ietf";
    }
#endif
#ifdef NST_SRCDIR
    if (sess_file_exists(NST_SRCDIR "/yang/ietf", SESS_IETF_NETCONF)) {
        return NST_SRCDIR "/yang/ietf";
    }
#endif
    return "yang/ietf";
}

/*
 * Connect stages
 */

static nst_err
sess_opts_check(const struct sess_opts *o, const char *dev, struct sess_error *err)
{
    const char *why = NULL;

    if (!o->host || !*o->host) {
        why = "no host";
    } else if (!o->user || !*o->user) {
        why = "no user";
    } else if (!(o->auth & (SESS_AUTH_AGENT | SESS_AUTH_PUBKEY | SESS_AUTH_PASSWORD))) {
        why = "no authentication method";
    } else if ((o->auth & SESS_AUTH_PUBKEY) && (!o->key_files || !o->key_files[0])) {
        why = "public-key authentication without key files";
    } else if ((o->auth & SESS_AUTH_PASSWORD) && !o->password_env && !o->password_file) {
        why = "password authentication without a password source";
    } else if ((!o->hostkey_sha256 || !*o->hostkey_sha256) && !o->known_hosts) {
        why = "no host-key policy (give a SHA256 fingerprint or a known_hosts file)";
    } else if ((o->flags & SESS_OPT_TOFU) && !o->known_hosts) {
        why = "trust-on-first-use needs a known_hosts file";
    } else if (o->connect_timeout_ms < 0 || o->rpc_timeout_ms < 0) {
        why = "negative timeout";
    }
    if (why) {
        return sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "invalid options: %s", why);
    }
    return NST_OK;
}

/* Read the password into @pw (SESS_PW_MAX bytes). The file must be private. */
static nst_err
sess_password_load(const struct sess_opts *o, const char *dev, char *pw, struct sess_error *err)
{
    struct stat st;
    ssize_t n;
    int fd = -1;
    nst_err rc = NST_OK;

    if (o->password_env) {
        const char *v = getenv(o->password_env);

        if (!v || !*v) {
            return sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                             "password environment variable %s is not set", o->password_env);
        }
        if (strlen(v) >= SESS_PW_MAX) {
            return sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                             "password in %s is too long", o->password_env);
        }
        strcpy(pw, v);
        return NST_OK;
    }
    fd = open(o->password_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "cannot open password file %s: %s",
                         o->password_file, strerror(errno));
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                       "password file %s is not a regular file", o->password_file);
        goto cleanup;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                       "password file %s has mode %04o; it must not be accessible by group or "
                       "others (chmod 600)", o->password_file, (unsigned)(st.st_mode & 07777));
        goto cleanup;
    }
    if (st.st_uid != geteuid()) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                       "password file %s is not owned by the current user", o->password_file);
        goto cleanup;
    }
    n = read(fd, pw, SESS_PW_MAX - 1);
    if (n < 0) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "cannot read password file %s: %s",
                       o->password_file, strerror(errno));
        goto cleanup;
    }
    pw[n] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    if (!pw[0]) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "password file %s is empty",
                       o->password_file);
    }

cleanup:
    close(fd);
    return rc;
}

/*
 * One non-blocking connect attempt to @ai, bounded by @deadline. Returns the connected,
 * blocking socket, or -1 with the reason in @why (and *timed_out set on a timeout).
 */
static int
sess_tcp_try(const struct addrinfo *ai, long long deadline, char *why, size_t whylen,
             int *timed_out)
{
    struct pollfd p;
    int fd, r, soerr = 0;
    socklen_t sl = sizeof soerr;
    long long left;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        snprintf(why, whylen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
        snprintf(why, whylen, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    p.fd = fd;
    p.events = POLLOUT;
    do {
        left = deadline - sess_now_ms();
        r = poll(&p, 1, left > 0 ? (int)left : 0);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        *timed_out = 1;
        snprintf(why, whylen, "no TCP connection within the connect timeout");
        close(fd);
        return -1;
    }
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        snprintf(why, whylen, "%s", strerror(soerr ? soerr : errno));
        close(fd);
        return -1;
    }
    /* libssh runs the handshake on a blocking socket. NETCONF is request/response with
     * small writes (chunk header, data, end marker): without TCP_NODELAY, Nagle plus the
     * peer's delayed ACK costs 40 ms per round trip. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    return fd;
}

/* TCP connect to the first reachable address of @host, bounded by @deadline. */
static nst_err
sess_tcp_connect(const char *host, uint16_t port, long long deadline, const char *dev, int *out,
                 struct sess_error *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char portstr[8], why[160] = "no address";
    int fd = -1, gai, timed_out = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
    gai = getaddrinfo(host, portstr, &hints, &res);
    if (gai) {
        return sess_fail(err, dev, "connect", SESS_ERR_CONNECT, "cannot resolve %s: %s", host,
                         gai_strerror(gai));
    }
    /* A timeout used up the whole budget: later addresses get no time. */
    for (ai = res; ai && fd < 0 && !timed_out; ai = ai->ai_next) {
        fd = sess_tcp_try(ai, deadline, why, sizeof why, &timed_out);
    }
    freeaddrinfo(res);
    if (fd < 0) {
        return sess_fail(err, dev, "connect", SESS_ERR_CONNECT, "cannot connect to %s port %u: %s",
                         host, (unsigned)port, why);
    }
    *out = fd;
    return NST_OK;
}

/* Does @fp appear in the space/comma separated list @list? */
static int
sess_fp_listed(const char *list, const char *fp)
{
    size_t n = strlen(fp);
    const char *p = list;

    while (p && *p) {
        size_t tok;

        p += strspn(p, " ,\t\n");
        tok = strcspn(p, " ,\t\n");
        if (tok == n && !strncmp(p, fp, n)) {
            return 1;
        }
        p += tok;
    }
    return 0;
}

/* Compare the server's host key with the pins and known_hosts; never sends a credential. */
static nst_err
sess_hostkey_check(struct sess *s, ssh_session ssh, const struct sess_opts *o,
                   struct sess_error *err)
{
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;
    enum ssh_known_hosts_e kh;
    nst_err rc = NST_OK;

    if (ssh_get_server_publickey(ssh, &key) != SSH_OK
        || ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0
        || !(fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen))) {
        rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY,
                       "cannot read the server's host key: %s", ssh_get_error(ssh));
        goto cleanup;
    }
    snprintf(s->hostkey, sizeof s->hostkey, "%s", fp);
    if (o->hostkey_sha256 && sess_fp_listed(o->hostkey_sha256, fp)) {
        goto cleanup;
    }
    if (!o->known_hosts) {
        rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY,
                       "host key %s %s does not match the pinned fingerprint", fp,
                       ssh_key_type_to_char(ssh_key_type(key)));
        goto cleanup;
    }
    kh = ssh_session_is_known_server(ssh);
    switch (kh) {
    case SSH_KNOWN_HOSTS_OK:
        break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY,
                       "host key %s %s differs from the one in %s (possible impersonation)", fp,
                       ssh_key_type_to_char(ssh_key_type(key)), o->known_hosts);
        break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (!(o->flags & SESS_OPT_TOFU)) {
            rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY,
                           "host key %s %s is not in %s", fp,
                           ssh_key_type_to_char(ssh_key_type(key)), o->known_hosts);
        } else if (ssh_session_update_known_hosts(ssh) != SSH_OK) {
            rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY,
                           "cannot record host key in %s: %s", o->known_hosts, ssh_get_error(ssh));
        } else {
            sess_log(s, NST_SEV_WARNING, "trust on first use: host key recorded in known_hosts");
        }
        break;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        rc = sess_fail(err, s->device, "connect", SESS_ERR_HOSTKEY, "cannot check %s: %s",
                       o->known_hosts, ssh_get_error(ssh));
        break;
    }

cleanup:
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    ssh_key_free(key);
    return rc;
}

/* Keyboard-interactive, answering every hidden prompt with the password. */
static int
sess_auth_kbdint(ssh_session ssh, const char *pw)
{
    int rc = ssh_userauth_kbdint(ssh, NULL, NULL);

    for (int round = 0; rc == SSH_AUTH_INFO && round < 8; round++) {
        int n = ssh_userauth_kbdint_getnprompts(ssh);

        for (int i = 0; i < n; i++) {
            char echo = 0;

            ssh_userauth_kbdint_getprompt(ssh, (unsigned)i, &echo);
            if (ssh_userauth_kbdint_setanswer(ssh, (unsigned)i, echo ? "" : pw) < 0) {
                return SSH_AUTH_ERROR;
            }
        }
        rc = ssh_userauth_kbdint(ssh, NULL, NULL);
    }
    return rc;
}

/* Each key in turn: SSH_AUTH_SUCCESS at the first one taken, SSH_AUTH_ERROR when the
 * connection failed, else the last refusal. */
static int
sess_auth_keys(ssh_session ssh, ssh_key *keys, size_t nkeys)
{
    int rc = SSH_AUTH_DENIED;

    for (size_t i = 0; i < nkeys; i++) {
        rc = ssh_userauth_publickey(ssh, NULL, keys[i]);
        if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_ERROR) {
            break;
        }
    }
    return rc;
}

/*
 * Try agent, key files, password in that order. The "none" request asks the server for
 * its methods. Without an agent the key files are offered before it, which saves a round
 * trip per connect (a server that takes a key is asked for nothing else); "none" and the
 * other methods follow only when every key was refused.
 */
static nst_err
sess_auth(struct sess *s, ssh_session ssh, const struct sess_opts *o, ssh_key *keys, size_t nkeys,
          const char *pw, long long deadline, struct sess_error *err)
{
    char tried[128] = "";
    int rc, methods,
        keys_first = (o->auth & SESS_AUTH_PUBKEY) && nkeys && !(o->auth & SESS_AUTH_AGENT);

    if (keys_first) {
        strcat(tried, " publickey");
        rc = sess_auth_keys(ssh, keys, nkeys);
        if (rc == SSH_AUTH_SUCCESS) {
            return NST_OK;
        }
        if (rc == SSH_AUTH_ERROR) {
            goto transport;
        }
    }
    rc = ssh_userauth_none(ssh, NULL);
    if (rc == SSH_AUTH_SUCCESS) {
        return NST_OK;
    }
    if (rc == SSH_AUTH_ERROR) {
        goto transport;
    }
    methods = ssh_userauth_list(ssh, NULL);
    if ((o->auth & SESS_AUTH_AGENT) && (methods & SSH_AUTH_METHOD_PUBLICKEY)) {
        strcat(tried, " agent");
        rc = ssh_userauth_agent(ssh, NULL);
        if (rc == SSH_AUTH_SUCCESS) {
            return NST_OK;
        }
        /* No agent also reports SSH_AUTH_ERROR; only a dead connection stops us. */
        if (rc == SSH_AUTH_ERROR && !ssh_is_connected(ssh)) {
            goto transport;
        }
    }
    if (!keys_first && (o->auth & SESS_AUTH_PUBKEY) && (methods & SSH_AUTH_METHOD_PUBLICKEY)) {
        strcat(tried, " publickey");
        rc = sess_auth_keys(ssh, keys, nkeys);
        if (rc == SSH_AUTH_SUCCESS) {
            return NST_OK;
        }
        if (rc == SSH_AUTH_ERROR) {
            goto transport;
        }
    }
    if (o->auth & SESS_AUTH_PASSWORD) {
        if (methods & SSH_AUTH_METHOD_PASSWORD) {
            strcat(tried, " password");
            rc = ssh_userauth_password(ssh, NULL, pw);
        } else if (methods & SSH_AUTH_METHOD_INTERACTIVE) {
            strcat(tried, " keyboard-interactive");
            rc = sess_auth_kbdint(ssh, pw);
        }
        if (rc == SSH_AUTH_SUCCESS) {
            return NST_OK;
        }
        if (rc == SSH_AUTH_ERROR) {
            goto transport;
        }
    }
    return sess_fail(err, s->device, "connect", SESS_ERR_AUTH,
                     "authentication as %s failed (tried:%s; server offers:%s%s%s%s)", o->user,
                     tried[0] ? tried : " nothing usable",
                     methods & SSH_AUTH_METHOD_PUBLICKEY ? " publickey" : "",
                     methods & SSH_AUTH_METHOD_PASSWORD ? " password" : "",
                     methods & SSH_AUTH_METHOD_INTERACTIVE ? " keyboard-interactive" : "",
                     methods ? "" : " none");

transport:
    if (sess_now_ms() >= deadline - 50) {
        return sess_fail(err, s->device, "connect", SESS_ERR_TIMEOUT,
                         "authentication did not finish within the connect timeout");
    }
    return sess_fail(err, s->device, "connect", SESS_ERR_DROPPED,
                     "connection lost during authentication: %s", ssh_get_error(ssh));
}

/*
 * Move the modules libnetconf2 fetched into @tmp over to @cache and remove @tmp. Each
 * connect fetches into its own directory and publishes with rename(), so connects running
 * in parallel against one cache never read a half-written module.
 */
static void
sess_cache_publish(const char *tmp, const char *cache)
{
    DIR *d = opendir(tmp);
    struct dirent *de;
    char from[4096], to[4096];

    if (!d) {
        return;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        /* libnetconf2 writes the modules with the process umask; the state directory keeps
         * every file private (docs/push.md). */
        if (snprintf(from, sizeof from, "%s/%s", tmp, de->d_name) < (int)sizeof from
            && snprintf(to, sizeof to, "%s/%s", cache, de->d_name) < (int)sizeof to
            && chmod(from, 0600) == 0 && rename(from, to) == 0) {
            continue;
        }
        unlink(from);
    }
    closedir(d);
    rmdir(tmp);
}

/* Remove the private fetch directories (.fetch-*) of connects that were killed before
 * publishing, once they are an hour old (a live connect takes seconds). */
static void
sess_cache_sweep(const char *cache)
{
    DIR *d = opendir(cache), *sub;
    struct dirent *de, *se;
    struct stat st;
    char dir[4096], file[4096];
    time_t now = time(NULL);

    if (!d) {
        return;
    }
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, ".fetch-", 7) ||
            snprintf(dir, sizeof dir, "%s/%s", cache, de->d_name) >= (int)sizeof dir ||
            lstat(dir, &st) || !S_ISDIR(st.st_mode) || now - st.st_mtime < 3600 ||
            !(sub = opendir(dir))) {
            continue;
        }
        while ((se = readdir(sub))) {
            if (se->d_name[0] != '.' &&
                snprintf(file, sizeof file, "%s/%s", dir, se->d_name) < (int)sizeof file) {
                unlink(file);
            }
        }
        closedir(sub);
        rmdir(dir);
    }
    closedir(d);
}

/* The largest message a device may send: RELAY_MAX_MESSAGE, or NST_MAX_REPLY_BYTES. */
static size_t
sess_max_message(void)
{
    const char *e = getenv("NST_MAX_REPLY_BYTES");
    unsigned long long v = e && *e ? strtoull(e, NULL, 10) : 0;

    return v ? (size_t)v : RELAY_MAX_MESSAGE;
}

static unsigned
sess_parse_caps(const char *const *cpblts, unsigned *quirks)
{
    static const struct {
        const char *uri;
        unsigned bit;
    } map[] = {
        {SESS_CAP_PREFIX "candidate:1.0", SESS_CAP_CANDIDATE},
        {SESS_CAP_PREFIX "writable-running:1.0", SESS_CAP_WRITABLE_RUNNING},
        {SESS_CAP_PREFIX "confirmed-commit:1.0", SESS_CAP_CONFIRMED_COMMIT},
        {SESS_CAP_PREFIX "confirmed-commit:1.1", SESS_CAP_CONFIRMED_COMMIT11},
        {SESS_CAP_PREFIX "validate:1.0", SESS_CAP_VALIDATE},
        {SESS_CAP_PREFIX "validate:1.1", SESS_CAP_VALIDATE11},
        {SESS_CAP_PREFIX "rollback-on-error:1.0", SESS_CAP_ROLLBACK_ON_ERROR},
        {SESS_CAP_PREFIX "startup:1.0", SESS_CAP_STARTUP},
        {SESS_CAP_PREFIX "xpath:1.0", SESS_CAP_XPATH},
        {"urn:ietf:params:netconf:base:1.1", SESS_CAP_BASE11},
    };
    unsigned caps = 0;

    *quirks = 0;
    for (size_t i = 0; cpblts && cpblts[i]; i++) {
        /* A capability may carry parameters after '?'; only the URI before it counts. */
        size_t len = strcspn(cpblts[i], "?");

        for (size_t j = 0; j < sizeof map / sizeof map[0]; j++) {
            if (len == strlen(map[j].uri) && !strncmp(cpblts[i], map[j].uri, len)) {
                caps |= map[j].bit;
            }
        }
        if (strstr(cpblts[i], "netconfcentral.org/ns/yuma")) {
            *quirks |= SESS_QUIRK_VALIDATE_LOSES_EDIT | SESS_QUIRK_EDIT_TIME_VALIDATION
                       | SESS_QUIRK_CONFIRM_TIMER_IDLE;
        }
    }
    /* :validate:1.1 and :confirmed-commit:1.1 imply the 1.0 operations. */
    if (caps & SESS_CAP_VALIDATE11) {
        caps |= SESS_CAP_VALIDATE;
    }
    if (caps & SESS_CAP_CONFIRMED_COMMIT11) {
        caps |= SESS_CAP_CONFIRMED_COMMIT;
    }
    return caps;
}

/*
 * libnetconf2 2.0.24 enables the ietf-netconf features confirmed-commit and validate in
 * the session's context only for the :1.1 capabilities, and it parses even generic-XML
 * RPCs against that context, so a :confirmed-commit:1.0 or :validate:1.0 device (Junos)
 * could not be sent <commit><confirmed/> or <validate>. Enable them from the capabilities,
 * unless the context has them compiled in already: a pooled context keeps them compiled in
 * with the enabled flag cleared, so that joins change nothing (ctxpool.c, "Features
 * netstitch turns on itself"). A recompile keeps the compiled-in ones.
 */
static void
sess_enable_10_features(struct sess *s)
{
    struct lys_module *mod = s->ctx ? ly_ctx_get_module_implemented(s->ctx, "ietf-netconf") : NULL;
    static const char *const own[] = {"confirmed-commit", "validate"};
    const char *feats[40];
    struct lysp_feature *f = NULL;
    uint32_t idx = 0;
    size_t n = 0;
    int need = 0, want[2], have[2];

    if (!mod || !mod->parsed) {
        return;
    }
    want[0] = !!(s->caps & SESS_CAP_CONFIRMED_COMMIT);
    want[1] = !!(s->caps & SESS_CAP_VALIDATE);
    for (int i = 0; i < 2; i++) {
        have[i] = ctxpool_feature_compiled(s->ctx, own[i]);
        need |= want[i] && !have[i];
    }
    if (!need) {
        return;
    }
    while ((f = lysp_feature_next(f, mod->parsed, &idx)) && n < 36) {
        if ((f->flags & LYS_FENABLED) || (!strcmp(f->name, own[0]) && have[0]) ||
            (!strcmp(f->name, own[1]) && have[1])) {
            feats[n++] = f->name;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (want[i] && !have[i]) {
            feats[n++] = own[i];
        }
    }
    feats[n] = NULL;
    lys_set_implemented(mod, feats);
}

/*
 * The cache sweep reads the whole cache directory: once a minute per process is enough
 * for directories that are removed only when an hour old.
 */
static void
sess_cache_sweep_sometimes(const char *cache)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static char last[4096];
    static time_t when;
    time_t now = time(NULL);
    int due;

    pthread_mutex_lock(&mu);
    due = strcmp(last, cache) || now - when >= 60;
    if (due) {
        snprintf(last, sizeof last, "%s", cache);
        when = now;
    }
    pthread_mutex_unlock(&mu);
    if (due) {
        sess_cache_sweep(cache);
    }
}

/* Test hook (tests/push/t_shared_ctx.sh): one line per join on a pooled context. */
static void
sess_trace(const char *dev, const char *what, int verdict, int mismatch, unsigned before,
           unsigned after)
{
    const char *path = getenv("NETSTITCH_TEST_CTXPOOL_LOG");
    char line[256];
    int fd, n;

    if (!path || !*path) {
        return;
    }
    n = snprintf(line, sizeof line, "%s %s %s change-count %u %u\n", dev, what,
                 mismatch      ? "mismatch"
                 : verdict > 0 ? "ok"
                 : verdict < 0 ? "failed"
                               : "changed",
                 before, after);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, line, (size_t)n) < 0) {
            n = 0;
        }
        close(fd);
    }
}

/*
 * Light sessions (sess_opts.light): no libnetconf2. The client hello is the one
 * libnetconf2 2.0.24 sends (base 1.0 and 1.1, nothing else), written to the relay's
 * socket as libnetconf2 would write it; the server's hello comes from the relay
 * (relay_peek_hello) and only its capabilities are read. Requests go through relay_call().
 */
#define SESS_CLIENT_HELLO                                                                          \
    "<hello xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><capabilities><capability>"          \
    "urn:ietf:params:netconf:base:1.0</capability><capability>urn:ietf:params:netconf:base:1.1"    \
    "</capability></capabilities></hello>]]>]]>"
#define SESS_NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
/* How long a light session waits for the <close-session> reply (libnetconf2 2.0.24's
 * NC_CLOSE_REPLY_TIMEOUT, session.c). */
#define SESS_CLOSE_REPLY_MS 200
#define SESS_MAX_CAPS 1024

/* The context a light session parses a reply whole in (ietf-netconf only), made on first
 * use and kept for the process; its parses are serialised by sess_light_mu. */
static pthread_mutex_t sess_light_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ly_ctx *sess_light_ly;

static struct ly_ctx *
sess_light_ctx(const char *schema_dir)
{
    struct ly_ctx *c = NULL;

    if (!sess_light_ly) {
        if (ly_ctx_new(schema_dir, LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD, &c)) {
            return NULL;
        }
        if (!ly_ctx_load_module(c, "ietf-netconf", "2011-06-01", NULL)) {
            ly_ctx_destroy(c);
            return NULL;
        }
        sess_light_ly = c;
    }
    return sess_light_ly;
}

/* The capabilities of the server's @hello (checked by the relay: well-formed, every element
 * in a namespace) into s->caps and s->quirks. 0, or -1 when it is not a hello of base:1.0
 * announcing a NETCONF base. */
static int
sess_light_caps(struct sess *s, const char *hello, size_t len)
{
    xmlDocPtr doc;
    xmlNodePtr root, c, k;
    const char *caps[SESS_MAX_CAPS + 1];
    xmlChar *txt[SESS_MAX_CAPS];
    size_t n = 0;
    int ok = 0;

    if (len > INT_MAX) {
        return -1;
    }
    doc = xmlReadMemory(hello, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root && root->ns && !xmlStrcmp(root->name, BAD_CAST "hello") &&
        !xmlStrcmp(root->ns->href, BAD_CAST SESS_NS_BASE)) {
        for (c = root->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "capabilities") ||
                !c->ns || xmlStrcmp(c->ns->href, BAD_CAST SESS_NS_BASE)) {
                continue;
            }
            for (k = c->children; k && n < SESS_MAX_CAPS; k = k->next) {
                if (k->type == XML_ELEMENT_NODE && !xmlStrcmp(k->name, BAD_CAST "capability") &&
                    k->ns && !xmlStrcmp(k->ns->href, BAD_CAST SESS_NS_BASE)) {
                    xmlChar *t = xmlNodeGetContent(k);
                    char *b, *e;

                    if (!t) {
                        continue;
                    }
                    /* Servers indent: the URI without the blanks around it. */
                    for (b = (char *)t; *b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'; b++) {
                    }
                    for (e = b + strlen(b); e > b && strchr(" \t\r\n", e[-1]); e--) {
                    }
                    *e = '\0';
                    txt[n] = t;
                    caps[n++] = b;
                }
            }
        }
    }
    caps[n] = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strcspn(caps[i], "?");

        if ((l == 32 && !strncmp(caps[i], "urn:ietf:params:netconf:base:1.0", l)) ||
            (l == 32 && !strncmp(caps[i], "urn:ietf:params:netconf:base:1.1", l))) {
            ok = 1;
        }
    }
    if (ok) {
        s->caps = sess_parse_caps(caps, &s->quirks);
    }
    for (size_t i = 0; i < n; i++) {
        xmlFree(txt[i]);
    }
    xmlFreeDoc(doc);
    return ok ? 0 : -1;
}

/* A light session's NETCONF setup on the relay's socket @ncfd: the hellos. */
static nst_err
sess_light_hello(struct sess *s, int ncfd, long long deadline, struct sess_error *err)
{
    static const char hello[] = SESS_CLIENT_HELLO;
    size_t off = 0, hlen = 0;
    char *srv = NULL, why[256];
    long long left;
    nst_err rc = NST_OK;

    while (off < sizeof hello - 1) {
        ssize_t w = write(ncfd, hello + off, sizeof hello - 1 - off);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    left = deadline - sess_now_ms();
    if (off < sizeof hello - 1 ||
        relay_peek_hello(s->relay, left < 1 ? 1 : (int)left, &srv, &hlen) != NST_OK) {
        relay_why(s->relay, why, sizeof why);
        return sess_fail(err, s->device, "connect",
                         sess_now_ms() >= deadline - 50 ? SESS_ERR_TIMEOUT : SESS_ERR_PROTOCOL,
                         "NETCONF session setup failed: %s",
                         why[0] ? why : "no hello from the device");
    }
    if (sess_light_caps(s, srv, hlen)) {
        rc = sess_fail(err, s->device, "connect", SESS_ERR_PROTOCOL,
                       "NETCONF session setup failed: the device's hello announces no NETCONF "
                       "base capability");
    }
    nst_free(srv);
    return rc;
}

/*
 * One connect attempt. With @may_share, the server's hello picks the context (ctxpool.h):
 * private (a fresh context, as without a pool), PROVE or SHARE. *@again is set when a
 * shared join was ended because the device's messages differed from the set's
 * transcript: the caller connects once more with @may_share 0.
 */
static nst_err
sess_connect_try(const struct sess_opts *opts, int may_share, int *again, struct sess **out,
                 struct sess_error *err)
{
    struct sess *s = NULL;
    struct ctxpool_set *set = NULL, *record_set = NULL;
    enum ctxpool_role role = CTXPOOL_PRIVATE;
    char dev[64], schema_buf[4096], fetch_dir[4096] = "", *pw = NULL;
    const char *schema_dir;
    ssh_key keys[SESS_MAX_KEYS];
    size_t nkeys = 0;
    ssh_session ssh = NULL;
    ssh_channel chan = NULL;
    long long deadline, left;
    long tsec, tusec;
    int fd = -1, ncfd = -1;
    unsigned port;
    nst_err rc;

    sess_err_clear(err);
    if (!opts || !out) {
        return sess_fail(err, "", "connect", SESS_ERR_CONFIG, "invalid arguments");
    }
    pthread_once(&sess_once, sess_global_init);
    port = opts->port ? opts->port : 830;
    if (opts->device && *opts->device) {
        snprintf(dev, sizeof dev, "%s", opts->device);
    } else {
        snprintf(dev, sizeof dev, "%s:%u", opts->host ? opts->host : "?", port);
    }
    rc = sess_opts_check(opts, dev, err);
    if (rc) {
        return rc;
    }
    s = nst_calloc(1, sizeof *s);
    if (!s) {
        return sess_fail(err, dev, "connect", SESS_ERR_NOMEM, "out of memory");
    }
    memcpy(s->device, dev, sizeof s->device);
    s->fd = -1;
    s->rpc_timeout_ms = opts->rpc_timeout_ms ? opts->rpc_timeout_ms : SESS_RPC_TIMEOUT_MS;
    s->log_cb = opts->log_cb;
    s->log_user = opts->log_user;
    sess_enter(s);
    deadline = sess_now_ms()
               + (opts->connect_timeout_ms ? opts->connect_timeout_ms : SESS_CONNECT_TIMEOUT_MS);

    /* Stage 1: everything local, so configuration mistakes never reach the network. */
    if (opts->auth & SESS_AUTH_PASSWORD) {
        pw = nst_malloc(SESS_PW_MAX);
        if (!pw) {
            rc = sess_fail(err, dev, "connect", SESS_ERR_NOMEM, "out of memory");
            goto cleanup;
        }
        pw[0] = '\0';
        s->scrub = pw;
        rc = sess_password_load(opts, dev, pw, err);
        if (rc) {
            goto cleanup;
        }
    }
    if (opts->auth & SESS_AUTH_PUBKEY) {
        for (size_t i = 0; opts->key_files[i]; i++) {
            if (nkeys == SESS_MAX_KEYS) {
                rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "more than %d key files",
                               SESS_MAX_KEYS);
                goto cleanup;
            }
            if (ssh_pki_import_privkey_file(opts->key_files[i], NULL, NULL, NULL, &keys[nkeys])
                != SSH_OK) {
                rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                               "cannot load private key %s (missing, unreadable, or encrypted)",
                               opts->key_files[i]);
                goto cleanup;
            }
            nkeys++;
        }
    }
    schema_dir = opts->schema_dir ? opts->schema_dir
                                  : sess_default_schema_dir(schema_buf, sizeof schema_buf);
    if (!sess_file_exists(schema_dir, SESS_IETF_NETCONF)) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "schema directory %s lacks %s",
                       schema_dir, SESS_IETF_NETCONF);
        goto cleanup;
    }
    if (opts->schema_cache_dir && !opts->light) {
        struct stat st;

        /* The fetch directory is made only for a private join (after the hello); the
         * error a private join would meet comes here, before the network. */
        if (stat(opts->schema_cache_dir, &st) || !S_ISDIR(st.st_mode) ||
            access(opts->schema_cache_dir, W_OK | X_OK)) {
            rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                           "schema cache directory %s is not writable", opts->schema_cache_dir);
            goto cleanup;
        }
        sess_cache_sweep_sometimes(opts->schema_cache_dir);
    }

    /* Stage 2: TCP. */
    rc = sess_tcp_connect(opts->host, (uint16_t)port, deadline, dev, &fd, err);
    if (rc) {
        goto cleanup;
    }

    /* Stage 3: SSH key exchange on our socket, then the host key, before any credential. */
    ssh = ssh_new();
    if (!ssh) {
        close(fd);
        rc = sess_fail(err, dev, "connect", SESS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    left = deadline - sess_now_ms();
    if (left < 1) {
        left = 1;
    }
    tsec = (long)(left / 1000);
    tusec = (long)(left % 1000) * 1000;
    {
        int no = 0;

        ssh_options_set(ssh, SSH_OPTIONS_PROCESS_CONFIG, &no);
    }
    if (ssh_options_set(ssh, SSH_OPTIONS_HOST, opts->host) < 0
        || ssh_options_set(ssh, SSH_OPTIONS_PORT, &port) < 0
        || ssh_options_set(ssh, SSH_OPTIONS_USER, opts->user) < 0
        || ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &tsec) < 0
        || ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT_USEC, &tusec) < 0
        || ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS,
                           opts->known_hosts ? opts->known_hosts : "/dev/null") < 0
        || ssh_options_set(ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0
        || ssh_options_set(ssh, SSH_OPTIONS_FD, &fd) < 0) {
        close(fd);
        rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG, "invalid SSH option: %s",
                       ssh_get_error(ssh));
        goto cleanup;
    }
    /* From here libssh owns the socket and closes it in ssh_free(). */
    if (ssh_connect(ssh) != SSH_OK) {
        /* libssh's own timer and ours round differently: allow a little slack. */
        rc = sess_fail(err, dev, "connect",
                       sess_now_ms() >= deadline - 50 ? SESS_ERR_TIMEOUT : SESS_ERR_CONNECT,
                       "SSH handshake failed: %s", ssh_get_error(ssh));
        goto cleanup;
    }
    rc = sess_hostkey_check(s, ssh, opts, err);
    if (rc) {
        goto cleanup;
    }

    /* Stage 4: authentication. */
    rc = sess_auth(s, ssh, opts, keys, nkeys, pw, deadline, err);
    if (rc) {
        goto cleanup;
    }
    if (pw) {
        explicit_bzero(pw, SESS_PW_MAX);
    }

    /* Stage 5: the netconf subsystem on a channel of our own, the relay (relay.h: every
     * message the device sends is checked before libnetconf2 parses it), and NETCONF over
     * the relay's socket. The relay thread owns the SSH session from here on; its blocking
     * writes are bounded by the RPC timeout. The schema searchpath is a per-thread option;
     * setting it here, on this thread, is what makes parallel connects safe. libnetconf2
     * writes fetched modules there; it reads local ones through the context's search
     * dirs. */
    chan = ssh_channel_new(ssh);
    if (!chan || ssh_channel_open_session(chan) != SSH_OK
        || ssh_channel_request_subsystem(chan, "netconf") != SSH_OK) {
        rc = sess_fail(err, dev, "connect",
                       sess_now_ms() >= deadline - 50 ? SESS_ERR_TIMEOUT : SESS_ERR_PROTOCOL,
                       "cannot start the netconf subsystem: %s", ssh_get_error(ssh));
        goto cleanup;
    }
    tsec = (long)(s->rpc_timeout_ms / 1000) + 1;
    tusec = 0;
    ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &tsec);
    ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT_USEC, &tusec);
    left = deadline - sess_now_ms();
    rc = relay_start(ssh, chan, s->rpc_timeout_ms, left < 1 ? 1 : (int)left, sess_max_message(),
                     &s->relay, &ncfd);
    ssh = NULL;
    chan = NULL;
    if (rc) {
        rc = sess_fail(err, dev, "connect", rc == NST_ENOMEM ? SESS_ERR_NOMEM : SESS_ERR_PROTOCOL,
                       "cannot start the session relay");
        goto cleanup;
    }
    if (opts->light) {
        /* No libnetconf2: the hellos, then requests through the relay only. */
        s->schema_dir = nst_strdup(schema_dir);
        rc = s->schema_dir ? sess_light_hello(s, ncfd, deadline, err)
                           : sess_fail(err, dev, "connect", SESS_ERR_NOMEM, "out of memory");
        if (rc) {
            goto cleanup;
        }
        relay_connected_light(s->relay);
        s->fd = ncfd;
        s->light = 1;
        *out = s;
        s = NULL;
        goto cleanup;
    }
    /* The context: the server's hello names the schema set (ctxpool.h). */
    if (opts->schema_cache_dir && !getenv("NETSTITCH_NO_SHARED_CTX")) {
        char *hello = NULL;
        size_t hlen = 0;

        left = deadline - sess_now_ms();
        if (relay_peek_hello(s->relay, left < 1 ? 1 : (int)left, &hello, &hlen) == NST_OK) {
            role = ctxpool_get(hello, hlen, schema_dir, opts->schema_cache_dir, may_share, &set,
                               &s->ctx);
            nst_free(hello);
        }
    }
    if (role != CTXPOOL_PRIVATE) {
        size_t nexp = 0;
        const struct ctxpool_msg *exp =
            role == CTXPOOL_SHARE ? ctxpool_transcript(set, &nexp) : NULL;

        s->pool = set;
        relay_join_begin(s->relay, set, exp, nexp);
    } else {
        record_set = set;
        if (opts->schema_cache_dir && (snprintf(fetch_dir, sizeof fetch_dir, "%s/.fetch-XXXXXX",
                                                opts->schema_cache_dir) >= (int)sizeof fetch_dir ||
                                       !mkdtemp(fetch_dir))) {
            fetch_dir[0] = '\0';
            rc = sess_fail(err, dev, "connect", SESS_ERR_CONFIG,
                           "schema cache directory %s is not writable", opts->schema_cache_dir);
            goto cleanup;
        }
        if (ly_ctx_new(schema_dir, LY_CTX_NO_YANGLIBRARY | LY_CTX_DISABLE_SEARCHDIR_CWD, &s->ctx) ||
            (opts->schema_cache_dir && ly_ctx_set_searchdir(s->ctx, opts->schema_cache_dir))) {
            rc = sess_fail(err, dev, "connect", SESS_ERR_PROTOCOL,
                           "cannot create a YANG context: %s", s->lib_err);
            goto cleanup;
        }
    }
    if (nc_client_set_schema_searchpath(fetch_dir[0] ? fetch_dir : NULL)) {
        rc = sess_fail(err, dev, "connect", SESS_ERR_NOMEM, "out of memory");
        if (s->pool) {
            /* Give the baton and the join back: nothing ran on the context. */
            int mm;

            if (!relay_join_end(s->relay, &mm, NULL, NULL)) {
                ctxpool_cpu_acquire(s->pool);
            }
            ctxpool_join_done(s->pool, role, -1, 0, NULL, 0);
        }
        goto cleanup;
    }
    ctxpool_join_parses(s->pool);
    s->nc = nc_connect_inout(ncfd, ncfd, s->ctx);
    ctxpool_join_parses(NULL);
    nc_client_set_schema_searchpath(NULL);
    if (s->pool) {
        /* The join's end: the baton back to this thread, the verdict to the pool. A join
         * that moved the change count was not the no-op the set was proven to be. */
        struct ctxpool_msg *rec = NULL;
        size_t nrec = 0;
        int mismatch = 0, verdict;

        if (!relay_join_end(s->relay, &mismatch, role == CTXPOOL_PROVE ? &rec : NULL, &nrec)) {
            ctxpool_cpu_acquire(s->pool);
        }
        if (s->nc) {
            s->caps = sess_parse_caps(nc_session_get_cpblts(s->nc), &s->quirks);
            sess_enable_10_features(s);
        }
        verdict = mismatch                                                           ? 0
                  : ly_ctx_get_change_count(s->ctx) != ctxpool_change_count(s->pool) ? 0
                  : s->nc                                                            ? 1
                                                                                     : -1;
        if (!mismatch && !verdict) {
            sess_log(s, NST_SEV_WARNING,
                     "the shared YANG context changed during this session's join; it is "
                     "no longer shared");
        }
        sess_trace(s->device, role == CTXPOOL_PROVE ? "prove" : "share", verdict, mismatch,
                   ctxpool_change_count(s->pool), ly_ctx_get_change_count(s->ctx));
        ctxpool_join_done(s->pool, role, verdict, mismatch, rec, nrec);
        if (mismatch && !s->nc) {
            *again = 1;
        }
    }
    if (!s->nc) {
        char why[256];

        relay_why(s->relay, why, sizeof why);
        rc = sess_fail(err, dev, "connect",
                       sess_now_ms() >= deadline - 50 ? SESS_ERR_TIMEOUT : SESS_ERR_PROTOCOL,
                       "NETCONF session setup failed: %s",
                       why[0] ? why : s->lib_err[0] ? s->lib_err : "unknown reason");
        goto cleanup;
    }
    relay_connected(s->relay);
    s->fd = ncfd;
    if (!s->pool) {
        s->caps = sess_parse_caps(nc_session_get_cpblts(s->nc), &s->quirks);
        sess_enable_10_features(s);
    }
    *out = s;
    s = NULL;

cleanup:
    if (fetch_dir[0]) {
        sess_cache_publish(fetch_dir, opts->schema_cache_dir);
    }
    if (!s && record_set) {
        sess_trace((*out)->device, "private", 1, 0, 0, 0);
        /* After the publish: the record's modules are in the cache now. */
        ctxpool_record(record_set, (*out)->ctx, opts->schema_cache_dir);
    }
    for (size_t i = 0; i < nkeys; i++) {
        ssh_key_free(keys[i]);
    }
    if (chan) {
        ssh_channel_free(chan);
    }
    if (ssh) {
        ssh_disconnect(ssh);
        ssh_free(ssh);
    }
    if (pw) {
        explicit_bzero(pw, SESS_PW_MAX);
        nst_free(pw);
    }
    if (s) {
        s->scrub = NULL;
        sess_free(s);
    } else {
        (*out)->scrub = NULL;
    }
    sess_leave();
    return rc;
}

nst_err
sess_connect(const struct sess_opts *opts, struct sess **out, struct sess_error *err)
{
    int again = 0;
    nst_err rc = sess_connect_try(opts, 1, &again, out, err);

    if (rc && again) {
        /* The device's schema set differs from the shared context's record: once more
         * with a private context (its join rewrites the record). */
        rc = sess_connect_try(opts, 0, &again, out, err);
    }
    return rc;
}

/*
 * Session lifetime and accessors
 */

void
sess_close(struct sess *s)
{
    struct sess *prev = sess_active;

    if (s && s->light) {
        struct relay_reply rep = {0};
        int timed_out;

        /* As libnetconf2 closes: <close-session>, its reply awaited a moment. */
        sess_enter(s);
        if (!relay_call(s->relay, "<close-session xmlns=\"" SESS_NS_BASE "\"/>",
                        SESS_CLOSE_REPLY_MS, &rep, &timed_out)) {
            relay_reply_clear(&rep);
        }
        s->light = 0;
        s->fd = -1;
        relay_stop(s->relay);
        s->relay = NULL;
        sess_active = prev;
        return;
    }
    if (!s || !s->nc) {
        return;
    }
    sess_enter(s);
    /* <close-session> builds and parses in the context. */
    sess_hold(s);
    nc_session_free(s->nc, NULL);
    sess_unhold(s);
    s->nc = NULL;
    s->fd = -1;
    /* libnetconf2 leaves the socket of an inout session open: the relay closes both ends
     * and the SSH session. */
    relay_stop(s->relay);
    s->relay = NULL;
    sess_active = prev;
}

void
sess_free(struct sess *s)
{
    if (!s) {
        return;
    }
    sess_close(s);
    /* A connect that failed before libnetconf2 took the socket. */
    relay_stop(s->relay);
    s->relay = NULL;
    if (s->ctx && !s->pool) {
        ly_ctx_destroy(s->ctx);
    }
    ctxpool_put(s->pool);
    nst_free(s->schema_dir);
    nst_free(s);
}

int
sess_is_alive(struct sess *s)
{
    struct pollfd p;
    int alive = 1;

    if (!s || !s->nc || nc_session_get_status(s->nc) != NC_STATUS_RUNNING || s->fd < 0) {
        return 0;
    }
    p.fd = s->fd;
    p.events = POLLIN | POLLRDHUP;
    p.revents = 0;
    if (poll(&p, 1, 0) < 0) {
        return 1;
    }
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL)) {
        return 0;
    }
    if (p.revents & POLLIN) {
        /* Something arrived while no RPC was outstanding: a channel close, or a message we
         * do not expect. Let libnetconf2 read it; a closed channel marks the session. */
        struct lyd_node *envp = NULL, *op = NULL;

        sess_enter(s);
        sess_hold(s);
        if (nc_recv_notif(s->nc, 0, &envp, &op) == NC_MSG_ERROR
            && nc_session_get_status(s->nc) != NC_STATUS_RUNNING) {
            alive = 0;
        }
        lyd_free_tree(envp);
        lyd_free_tree(op);
        sess_unhold(s);
        sess_leave();
    }
    return alive;
}

unsigned
sess_caps(const struct sess *s)
{
    return s->caps;
}

unsigned
sess_quirks(const struct sess *s)
{
    return s->quirks;
}

const char *const *
sess_capabilities(const struct sess *s)
{
    return s->nc ? nc_session_get_cpblts(s->nc) : NULL;
}

uint32_t
sess_session_id(const struct sess *s)
{
    return s->nc ? nc_session_get_id(s->nc) : 0;
}

const char *
sess_device(const struct sess *s)
{
    return s->device;
}

const char *
sess_hostkey(const struct sess *s)
{
    return s->hostkey;
}

struct ly_ctx *
sess_ctx(const struct sess *s)
{
    return s->ctx;
}

/*
 * RPCs
 */

/* LYD_NAME without its const-dropping cast (clang's -Wcast-qual sees through the macro). */
static const char *
sess_node_name(const struct lyd_node *n)
{
    if (!n->schema) {
        return ((const struct lyd_node_opaq *)n)->name.name;
    }
    return n->schema->name;
}

static const char *
sess_node_value(const struct lyd_node *n)
{
    if (!n->schema) {
        return ((const struct lyd_node_opaq *)n)->value;
    }
    return lyd_get_value(n);
}

/* Fill @err from the <rpc-reply> @envp holding <rpc-error>s. Returns the error count. */
static unsigned
sess_parse_rpc_errors(const struct lyd_node *envp, struct sess_error *err)
{
    const struct lyd_node *e, *c, *i;
    unsigned count = 0;
    int have = 0;

    LY_LIST_FOR(lyd_child(envp), e) {
        const char *sev = "error";

        if (strcmp(sess_node_name(e), "rpc-error")) {
            continue;
        }
        count++;
        LY_LIST_FOR(lyd_child(e), c) {
            if (!strcmp(sess_node_name(c), "error-severity")) {
                sev = sess_node_value(c);
            }
        }
        /* The first error-severity error wins; a warning is kept only if nothing else. */
        if (have == 2 || (have == 1 && strcmp(sev, "error"))) {
            continue;
        }
        have = strcmp(sev, "error") ? 1 : 2;
        if (!err) {
            continue;
        }
        err->type[0] = err->tag[0] = err->app_tag[0] = err->path[0] = err->info[0] = '\0';
        err->message[0] = '\0';
        err->holder_session_id = 0;
        LY_LIST_FOR(lyd_child(e), c) {
            const char *name = sess_node_name(c), *v = sess_node_value(c);

            if (!v) {
                v = "";
            }
            if (!strcmp(name, "error-type")) {
                snprintf(err->type, sizeof err->type, "%s", v);
            } else if (!strcmp(name, "error-tag")) {
                snprintf(err->tag, sizeof err->tag, "%s", v);
            } else if (!strcmp(name, "error-app-tag")) {
                snprintf(err->app_tag, sizeof err->app_tag, "%s", v);
            } else if (!strcmp(name, "error-path")) {
                /* Servers indent paths; keep the XPath itself. */
                v += strspn(v, " \t\r\n");
                snprintf(err->path, sizeof err->path, "%.*s", (int)strcspn(v, "\r\n"), v);
            } else if (!strcmp(name, "error-message")) {
                snprintf(err->message, sizeof err->message, "%s", v);
            } else if (!strcmp(name, "error-info")) {
                size_t o = 0;

                LY_LIST_FOR(lyd_child(c), i) {
                    const char *iv = sess_node_value(i);

                    if (!strcmp(sess_node_name(i), "session-id") && iv) {
                        err->holder_session_id = (uint32_t)strtoul(iv, NULL, 10);
                    }
                    if (o < sizeof err->info) {
                        int n = snprintf(err->info + o, sizeof err->info - o, "%s%s=%s",
                                         o ? "; " : "", sess_node_name(i), iv ? iv : "");

                        o += n > 0 ? (size_t)n : 0;
                    }
                }
            }
        }
    }
    return count;
}

/* The <rpc-error>s of the reply envelope @envp (may be NULL) as @err: NST_EENV with kind
 * SESS_ERR_RPC when there is one, else NST_OK and @err untouched. */
static nst_err
sess_reply_errors(const char *device, const char *op, const struct lyd_node *envp,
                  struct sess_error *err)
{
    struct sess_error tmp;
    struct sess_error *e = err ? err : &tmp;
    unsigned n;

    if (!envp || !sess_parse_rpc_errors(envp, NULL)) {
        return NST_OK;
    }
    memset(e, 0, sizeof *e);
    n = sess_parse_rpc_errors(envp, e);
    /* sess_parse_rpc_errors kept the fields; add the envelope. */
    e->kind = SESS_ERR_RPC;
    e->n_rpc_errors = n;
    snprintf(e->device, sizeof e->device, "%s", device);
    snprintf(e->op, sizeof e->op, "%s", op);
    if (!e->message[0]) {
        snprintf(e->message, sizeof e->message, "%s", e->tag[0] ? e->tag : "rpc-error");
    }
    return NST_EENV;
}

/* The <data> anydata node of a <get>/<get-config> reply operation tree @reply. */
static nst_err
sess_reply_data(const char *device, const char *op, struct lyd_node *reply,
                struct lyd_node **data, struct sess_error *err)
{
    struct lyd_node *d = NULL;

    /* The <data> anyxml is an output node: lyd_find_path needs output = 1. */
    if (!reply || lyd_find_path(reply, "data", 1, &d) || !d || !d->schema ||
        !(d->schema->nodetype & LYD_NODE_ANY)) {
        return sess_fail(err, device, op, SESS_ERR_PROTOCOL, "reply to <%s> has no <data>", op);
    }
    *data = d;
    return NST_OK;
}

/* A printer of opaque trees, byte for byte libyang 2.1.30's XML printer (printer_xml.c:
 * xml_print_data, xml_print_node, xml_print_opaq, xml_print_attr, xml_print_ns,
 * lyxml_dump_text) with options LYD_PRINT_WITHSIBLINGS, for the one kind of tree a
 * <get-config> reply's anyxml <data> holds: opaque nodes of the XML format. libyang prints
 * every piece through vasprintf() or vfprintf() (60% of its printing); this appends to one
 * buffer. Anything else (a node with a schema, a default node, the JSON format) makes it
 * give up and libyang print the tree. The equivalence is tested against lyd_print_mem()
 * (tests/unit/test_hardening.c). */
struct opq_ns {
    const char *prefix; /* NULL: a default namespace */
    const char *uri;
};

/* A value's namespaces (val_prefix_data of the XML format): a ly_set of libyang's
 * struct lyxml_ns, whose first members are these (xml.h, unchanged since libyang 2.0). */
struct opq_lyxml_ns {
    char *prefix;
    char *uri;
};

struct opq_pr {
    struct buf out;
    struct opq_ns *ns;
    size_t nns, cap_ns;
    unsigned level;
    int bad; /* out of memory (namespaces) or a node it cannot print */
};

static void
opq_put(struct opq_pr *p, const char *s, size_t n)
{
    buf_add(&p->out, s, n); /* a failure is sticky: checked once at the end */
}

static void
opq_puts(struct opq_pr *p, const char *s)
{
    opq_put(p, s, strlen(s));
}

static void
opq_indent(struct opq_pr *p)
{
    static const char sp[] = "                                ";
    size_t n = (size_t)p->level * 2;

    while (n) {
        size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;

        opq_put(p, sp, k);
        n -= k;
    }
}

/* lyxml_dump_text(): '&', '<' and '>' escaped, '"' too in an attribute. */
static void
opq_text(struct opq_pr *p, const char *t, int attribute)
{
    const char *run = t;

    for (; *t; t++) {
        const char *e;

        switch (*t) {
        case '&':
            e = "&amp;";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '"':
            if (attribute) {
                e = "&quot;";
                break;
            }
            continue;
        default:
            continue;
        }
        opq_put(p, run, (size_t)(t - run));
        opq_puts(p, e);
        run = t + 1;
    }
    opq_put(p, run, (size_t)(t - run));
}

#define OPQ_REQUIRED 0x01 /* LYXML_PREFIX_REQUIRED */

/* xml_print_ns(): the prefix to use for @uri, its xmlns attribute printed first if no
 * namespace in scope fits. @prefix NULL asks for the default namespace. */
static const char *
opq_ns(struct opq_pr *p, const char *uri, const char *prefix, int opts)
{
    size_t i;

    for (i = p->nns; i > 0; --i) {
        const struct opq_ns *n = &p->ns[i - 1];

        if (!prefix) {
            if (!n->prefix) {
                if (!strcmp(n->uri, uri)) {
                    return NULL;
                }
                break;
            }
        } else if (!strcmp(n->uri, uri)) {
            if (!n->prefix) {
                continue;
            }
            if (!strcmp(n->prefix, prefix) || !(opts & OPQ_REQUIRED)) {
                return n->prefix;
            }
        }
    }
    opq_puts(p, " xmlns");
    if (prefix) {
        opq_put(p, ":", 1);
        opq_puts(p, prefix);
    }
    opq_put(p, "=\"", 2);
    opq_puts(p, uri);
    opq_put(p, "\"", 1);
    if (p->nns == p->cap_ns) {
        size_t cap = p->cap_ns ? p->cap_ns * 2 : 16;
        struct opq_ns *ns = realloc(p->ns, cap * sizeof *ns);

        if (!ns) {
            p->bad = 1;
            return prefix;
        }
        p->ns = ns;
        p->cap_ns = cap;
    }
    p->ns[p->nns].prefix = prefix;
    p->ns[p->nns].uri = uri;
    p->nns++;
    return prefix;
}

/* xml_print_ns_prefix_data() of the XML format. */
static void
opq_prefix_data(struct opq_pr *p, const void *prefix_data)
{
    const struct ly_set *set = prefix_data;
    uint32_t i;

    for (i = 0; i < set->count; ++i) {
        const struct opq_lyxml_ns *n = set->objs[i];

        if (n->prefix) {
            opq_ns(p, n->uri, n->prefix, OPQ_REQUIRED);
        }
    }
}

/* Whether opq_node() prints @n as libyang would: 0 makes the caller let libyang print. */
static int
opq_printable(const struct lyd_node_opaq *n)
{
    const struct lyd_attr *a;

    if (n->schema || (n->flags & LYD_DEFAULT) || n->format != LY_VALUE_XML || !n->value ||
        !n->name.name || (n->name.prefix && !n->name.module_ns)) {
        return 0;
    }
    for (a = n->attr; a; a = a->next) {
        if (a->format != LY_VALUE_XML || !a->value || !a->name.name ||
            (a->name.prefix && !a->name.module_ns)) {
            return 0;
        }
    }
    return 1;
}

/* xml_print_node() and xml_print_opaq() of an opaque node; NST_EINVAL if @n or a
 * descendant is not printable here (opq_printable()). */
static nst_err
opq_node(struct opq_pr *p, const struct lyd_node_opaq *n)
{
    size_t nns = p->nns;
    const struct lyd_attr *a;
    const struct lyd_node *c;

    if (!opq_printable(n)) {
        return NST_EINVAL;
    }
    opq_indent(p);
    opq_put(p, "<", 1);
    opq_puts(p, n->name.name);
    if (n->name.prefix || n->name.module_ns) {
        opq_ns(p, n->name.module_ns, NULL, 0);
    }
    for (a = n->attr; a; a = a->next) {
        const char *pref = NULL;

        if (a->name.prefix) {
            pref = opq_ns(p, a->name.module_ns, a->name.prefix, 0);
        }
        if (a->val_prefix_data) {
            opq_prefix_data(p, a->val_prefix_data);
        }
        opq_put(p, " ", 1);
        if (pref) {
            opq_puts(p, pref);
            opq_put(p, ":", 1);
        }
        opq_puts(p, a->name.name);
        opq_put(p, "=\"", 2);
        opq_text(p, a->value, 1);
        opq_put(p, "\"", 1);
    }
    if (n->value[0]) {
        if (n->val_prefix_data) {
            opq_prefix_data(p, n->val_prefix_data);
        }
        opq_put(p, ">", 1);
        opq_text(p, n->value, 0);
    }
    if (n->child) {
        if (!n->value[0]) {
            opq_put(p, ">\n", 2);
        }
        p->level++;
        for (c = n->child; c; c = c->next) {
            if (opq_node(p, (const struct lyd_node_opaq *)c)) {
                return NST_EINVAL;
            }
        }
        p->level--;
        opq_indent(p);
        opq_put(p, "</", 2);
        opq_puts(p, n->name.name);
        opq_put(p, ">\n", 2);
    } else if (n->value[0]) {
        opq_put(p, "</", 2);
        opq_puts(p, n->name.name);
        opq_put(p, ">\n", 2);
    } else {
        opq_put(p, "/>\n", 3);
    }
    p->nns = nns;
    return NST_OK;
}

/* The opaque printer copies the printer and one internal struct of the libyang it was
 * checked against: 2.1.30, whose library version (version.h) is 2.29.x. With any other
 * libyang, libyang prints every snapshot itself. */
#if LY_VERSION_MAJOR == 2 && LY_VERSION_MINOR == 29
#define SESS_OPAQ_TEXT(tree) sess_opaq_text(tree)
#else
#define SESS_OPAQ_TEXT(tree) ((void)sess_opaq_text, (char *)NULL)
#endif

/* @tree and its following siblings printed by opq_node(); NULL if some node is not
 * printable (or out of memory): then libyang prints them. */
static char *
sess_opaq_text(const struct lyd_node *tree)
{
    struct opq_pr p = {.out = {.min_cap = 4096}};
    const struct lyd_node *n;
    char *text;

    for (n = tree; n; n = n->next) {
        if (opq_node(&p, (const struct lyd_node_opaq *)n)) {
            p.bad = 1;
            break;
        }
    }
    free(p.ns);
    if (p.bad || buf_failed(&p.out)) {
        buf_clear(&p.out);
        return NULL;
    }
    text = buf_take(&p.out);
    return text ? text : nst_strdup("");
}

/* The content of the <data> anydata node @data as XML text, returned (nst_free). */
static nst_err
sess_data_text(const char *device, const char *op, const struct lyd_node *data, char **xml,
               struct sess_error *err)
{
    const struct lyd_node_any *any = (const struct lyd_node_any *)data;
    char *out = NULL;

    switch (any->value_type) {
    case LYD_ANYDATA_DATATREE:
        if (!any->value.tree) {
            out = nst_strdup("");
        } else if (!(out = SESS_OPAQ_TEXT(any->value.tree))) {
            out = ctx_tree_text(any->value.tree);
        }
        break;
    case LYD_ANYDATA_STRING:
    case LYD_ANYDATA_XML:
        out = nst_strdup(any->value.str ? any->value.str : "");
        break;
    default:
        return sess_fail(err, device, op, SESS_ERR_PROTOCOL, "unexpected <data> encoding");
    }
    if (!out) {
        return sess_fail(err, device, op, SESS_ERR_NOMEM, "out of memory");
    }
    *xml = out;
    return NST_OK;
}

/* sess_reply_parse() for the device @device. */
static nst_err
sess_reply_parse_dev(struct ly_ctx *ctx, const char *device, const struct lyd_node *rpc,
                     const char *reply, char **data_xml, struct sess_error *err)
{
    struct lyd_node *op = NULL, *envp = NULL, *data = NULL;
    struct ly_in *in = NULL;
    const char *name;
    nst_err rc = NST_OK;

    sess_err_clear(err);
    if (!ctx || !rpc || !rpc->schema || !reply) {
        return sess_fail(err, device, "reply", SESS_ERR_CONFIG, "no context, RPC or reply");
    }
    name = rpc->schema->name;
    /* What the relay checks before libnetconf2 ever sees a message (relay.h). */
    {
        char why[160];

        if (!relay_check_message(reply, strlen(reply), why, sizeof why)) {
            return sess_fail(err, device, name, SESS_ERR_PROTOCOL, "the device sent %s", why);
        }
    }
    /* As libnetconf2 2.0.24's nc_recv_reply: the reply is parsed into a copy of the RPC's
     * operation node, with the <rpc-reply> envelope returned separately. */
    if (lyd_dup_single(rpc, NULL, LYD_DUP_RECURSIVE, &op) || ly_in_new_memory(reply, &in)) {
        rc = sess_fail(err, device, name, SESS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (lyd_parse_op(ctx, op, in, LYD_XML, LYD_TYPE_REPLY_NETCONF, &envp, NULL)) {
        const char *m = ly_errmsg(ctx);

        rc = sess_fail(err, device, name, SESS_ERR_PROTOCOL, "bad reply to <%s>: %s", name,
                       m ? m : "libyang error");
        goto cleanup;
    }
    rc = sess_reply_errors(device, name, envp, err);
    if (rc || !data_xml || (strcmp(name, "get") && strcmp(name, "get-config"))) {
        goto cleanup;
    }
    rc = sess_reply_data(device, name, op, &data, err);
    if (!rc) {
        rc = sess_data_text(device, name, data, data_xml, err);
    }

cleanup:
    ly_in_free(in, 0);
    lyd_free_tree(envp);
    lyd_free_tree(op);
    ly_err_clean(ctx, NULL);
    return rc;
}

nst_err
sess_reply_parse(struct ly_ctx *ctx, const struct lyd_node *rpc, const char *reply, char **data_xml,
                 struct sess_error *err)
{
    return sess_reply_parse_dev(ctx, "", rpc, reply, data_xml, err);
}

static NC_DATASTORE
sess_nc_ds(enum sess_ds ds)
{
    switch (ds) {
    case SESS_DS_CANDIDATE:
        return NC_DATASTORE_CANDIDATE;
    case SESS_DS_STARTUP:
        return NC_DATASTORE_STARTUP;
    case SESS_DS_RUNNING:
        break;
    }
    return NC_DATASTORE_RUNNING;
}

/* Common argument and session checks of every RPC; @need are SESS_CAP_* bits, all needed. */
static nst_err
sess_rpc_precheck(struct sess *s, const char *op, unsigned need, const char *need_name,
                  struct sess_error *err)
{
    sess_err_clear(err);
    if (!s) {
        return sess_fail(err, "", op, SESS_ERR_CONFIG, "no session");
    }
    if (!s->nc && !s->light) {
        return sess_fail(err, s->device, op, SESS_ERR_DROPPED, "session is closed");
    }
    if ((s->caps & need) != need) {
        return sess_fail(err, s->device, op, SESS_ERR_UNSUPPORTED,
                         "device does not advertise %s", need_name);
    }
    return NST_OK;
}

static int
sess_ds_caps_ok(struct sess *s, enum sess_ds ds, const char *op, int write,
                struct sess_error *err, nst_err *rc)
{
    unsigned need = 0;
    const char *name = "";

    if (ds == SESS_DS_CANDIDATE) {
        need = SESS_CAP_CANDIDATE;
        name = ":candidate";
    } else if (ds == SESS_DS_STARTUP) {
        need = SESS_CAP_STARTUP;
        name = ":startup";
    } else if (write) {
        need = SESS_CAP_WRITABLE_RUNNING;
        name = ":writable-running";
    }
    *rc = sess_rpc_precheck(s, op, need, name, err);
    return *rc == NST_OK;
}

/* Why the transport failed: the relay's reason when it ended the session (the device
 * sent something unacceptable), else the last library message, else @dflt. */
static const char *
sess_transport_why(struct sess *s, char *buf, size_t len, const char *dflt)
{
    relay_why(s->relay, buf, len);
    if (!buf[0]) {
        snprintf(buf, len, "%s", s->lib_err[0] ? s->lib_err : dflt);
    }
    return buf;
}

/*
 * Wait for a reply on a shared context: the read hold is not kept while the device is
 * slow (a join's CPU part may run meanwhile), only while libnetconf2 reads and parses.
 */
static NC_MSG_TYPE
sess_recv_shared(struct sess *s, struct nc_rpc *rpc, uint64_t msgid, int timeout,
                 struct lyd_node **envp, struct lyd_node **reply)
{
    long long deadline = sess_now_ms() + timeout;
    NC_MSG_TYPE m;

    for (;;) {
        long long left = deadline - sess_now_ms();
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int ready;

        /* Slices, so that a message libnetconf2 read ahead is not waited on for long. */
        ready = poll(&p, 1, left <= 0 ? 0 : left > 200 ? 200 : (int)left) > 0;
        left = deadline - sess_now_ms();
        sess_hold(s);
        m = nc_recv_reply(s->nc, rpc, msgid, ready && left > 0 ? (int)left : 0, envp, reply);
        if (m != NC_MSG_WOULDBLOCK || left <= 0) {
            return m; /* the hold is the caller's */
        }
        sess_unhold(s);
    }
}

/*
 * Send @rpc (consumed) and wait for its reply. On success the reply's operation tree is
 * returned in @op_out when asked (freed by the caller with lyd_free_tree), else freed
 * here. On a shared context, a returned tree comes with a read hold: the caller frees the
 * tree, then sess_unhold().
 */
static nst_err
sess_rpc(struct sess *s, const char *op, struct nc_rpc *rpc, struct lyd_node **op_out,
         struct sess_error *err)
{
    struct lyd_node *envp = NULL, *reply = NULL;
    uint64_t msgid = 0;
    NC_MSG_TYPE m;
    long long deadline;
    char why[256];
    nst_err rc = NST_OK;

    if (!rpc) {
        return sess_fail(err, s->device, op, SESS_ERR_NOMEM, "cannot build the <%s> RPC", op);
    }
    if (!s->nc) {
        /* A light session: only sess_get_config_text() and sess_close(). */
        nc_rpc_free(rpc);
        return sess_fail(err, s->device, op, SESS_ERR_DROPPED, "session is closed");
    }
    sess_enter(s);
    if (nc_session_get_status(s->nc) != NC_STATUS_RUNNING) {
        rc = sess_fail(err, s->device, op, SESS_ERR_DROPPED, "session is no longer running");
        goto cleanup;
    }
    sess_hold(s);
    m = nc_send_rpc(s->nc, rpc, s->rpc_timeout_ms, &msgid);
    sess_unhold(s);
    if (m == NC_MSG_WOULDBLOCK) {
        rc = sess_fail(err, s->device, op, SESS_ERR_TIMEOUT, "sending <%s> timed out", op);
        goto cleanup;
    }
    if (m != NC_MSG_RPC) {
        if (nc_session_get_status(s->nc) != NC_STATUS_RUNNING) {
            rc = sess_fail(err, s->device, op, SESS_ERR_DROPPED, "session dropped: %s",
                           sess_transport_why(s, why, sizeof why, "transport closed"));
        } else {
            rc = sess_fail(err, s->device, op, SESS_ERR_PROTOCOL, "cannot send <%s>: %s", op,
                           s->lib_err[0] ? s->lib_err : "libnetconf2 error");
        }
        goto cleanup;
    }
    deadline = sess_now_ms() + s->rpc_timeout_ms;
    for (;;) {
        long long left = deadline - sess_now_ms();

        if (s->pool) {
            m = sess_recv_shared(s, rpc, msgid, left > 0 ? (int)left : 0, &envp, &reply);
        } else {
            m = nc_recv_reply(s->nc, rpc, msgid, left > 0 ? (int)left : 0, &envp, &reply);
        }
        if (m == NC_MSG_NOTIF || m == NC_MSG_REPLY_ERR_MSGID) {
            /* A notification or a late reply to an earlier, timed-out RPC: skip it. */
            lyd_free_tree(envp);
            lyd_free_tree(reply);
            envp = reply = NULL;
            sess_unhold(s);
            if (left > 0) {
                continue;
            }
            m = NC_MSG_WOULDBLOCK;
        }
        break;
    }
    if (m == NC_MSG_WOULDBLOCK) {
        rc = sess_fail(err, s->device, op, SESS_ERR_TIMEOUT,
                       "no reply to <%s> within %d ms; device state unknown", op,
                       s->rpc_timeout_ms);
        goto cleanup;
    }
    if (m != NC_MSG_REPLY) {
        if (nc_session_get_status(s->nc) != NC_STATUS_RUNNING) {
            rc = sess_fail(err, s->device, op, SESS_ERR_DROPPED,
                           "session dropped while waiting for the <%s> reply: %s", op,
                           sess_transport_why(s, why, sizeof why, "transport closed"));
        } else {
            rc = sess_fail(err, s->device, op, SESS_ERR_PROTOCOL, "bad reply to <%s>: %s", op,
                           s->lib_err[0] ? s->lib_err : "libnetconf2 error");
        }
        goto cleanup;
    }
    rc = sess_reply_errors(s->device, op, envp, err);
    if (rc) {
        goto cleanup;
    }
    if (op_out) {
        *op_out = reply;
        reply = NULL;
    }

cleanup:
    lyd_free_tree(envp);
    lyd_free_tree(reply);
    nc_rpc_free(rpc);
    /* The hold of the receive, kept only for a tree returned in @op_out. */
    if (rc || !op_out) {
        sess_unhold(s);
    }
    sess_leave();
    return rc;
}

nst_err
sess_lock(struct sess *s, enum sess_ds ds, struct sess_error *err)
{
    nst_err rc;

    if (!sess_ds_caps_ok(s, ds, "lock", 0, err, &rc)) {
        return rc;
    }
    return sess_rpc(s, "lock", nc_rpc_lock(sess_nc_ds(ds)), NULL, err);
}

nst_err
sess_unlock(struct sess *s, enum sess_ds ds, struct sess_error *err)
{
    nst_err rc;

    if (!sess_ds_caps_ok(s, ds, "unlock", 0, err, &rc)) {
        return rc;
    }
    return sess_rpc(s, "unlock", nc_rpc_unlock(sess_nc_ds(ds)), NULL, err);
}

nst_err
sess_edit_config(struct sess *s, enum sess_ds target, enum sess_defop defop,
                 enum sess_errop errop, const char *config, struct sess_error *err)
{
    NC_RPC_EDIT_DFLTOP d = NC_RPC_EDIT_DFLTOP_MERGE;
    NC_RPC_EDIT_ERROPT e = NC_RPC_EDIT_ERROPT_UNKNOWN;
    nst_err rc;

    if (!sess_ds_caps_ok(s, target, "edit-config", 1, err, &rc)) {
        return rc;
    }
    if (!config || !*config) {
        return sess_fail(err, s->device, "edit-config", SESS_ERR_CONFIG, "empty edit");
    }
    if (target == SESS_DS_STARTUP) {
        return sess_fail(err, s->device, "edit-config", SESS_ERR_CONFIG,
                         "edit-config cannot target startup");
    }
    if (errop == SESS_ERROP_ROLLBACK && !(s->caps & SESS_CAP_ROLLBACK_ON_ERROR)) {
        return sess_fail(err, s->device, "edit-config", SESS_ERR_UNSUPPORTED,
                         "device does not advertise :rollback-on-error");
    }
    switch (defop) {
    case SESS_DEFOP_MERGE:
        d = NC_RPC_EDIT_DFLTOP_MERGE;
        break;
    case SESS_DEFOP_REPLACE:
        d = NC_RPC_EDIT_DFLTOP_REPLACE;
        break;
    case SESS_DEFOP_NONE:
        d = NC_RPC_EDIT_DFLTOP_NONE;
        break;
    }
    switch (errop) {
    case SESS_ERROP_DEFAULT:
        e = NC_RPC_EDIT_ERROPT_UNKNOWN;
        break;
    case SESS_ERROP_STOP:
        e = NC_RPC_EDIT_ERROPT_STOP;
        break;
    case SESS_ERROP_CONTINUE:
        e = NC_RPC_EDIT_ERROPT_CONTINUE;
        break;
    case SESS_ERROP_ROLLBACK:
        e = NC_RPC_EDIT_ERROPT_ROLLBACK;
        break;
    }
    return sess_rpc(s, "edit-config",
                    nc_rpc_edit(sess_nc_ds(target), d, NC_RPC_EDIT_TESTOPT_UNKNOWN, e, config,
                                NC_PARAMTYPE_CONST),
                    NULL, err);
}

/* Run get-config (@source set) or get (@is_get) and return the reply operation node. */
static nst_err
sess_fetch(struct sess *s, int is_get, enum sess_ds source, const char *filter,
           struct lyd_node **data_out, struct lyd_node **reply_out, struct sess_error *err)
{
    const char *op = is_get ? "get" : "get-config";
    struct lyd_node *reply = NULL, *data = NULL;
    nst_err rc;

    if (is_get) {
        rc = sess_rpc_precheck(s, op, 0, "", err);
        if (rc) {
            return rc;
        }
    } else if (!sess_ds_caps_ok(s, source, op, 0, err, &rc)) {
        return rc;
    }
    if (filter && *filter != '<' && !(s->caps & SESS_CAP_XPATH)) {
        return sess_fail(err, s->device, op, SESS_ERR_UNSUPPORTED,
                         "XPath filter but the device does not advertise :xpath");
    }
    rc = sess_rpc(s, op,
                  is_get ? nc_rpc_get(filter, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST)
                         : nc_rpc_getconfig(sess_nc_ds(source), filter, NC_WD_UNKNOWN,
                                            NC_PARAMTYPE_CONST),
                  &reply, err);
    if (rc) {
        return rc;
    }
    rc = sess_reply_data(s->device, op, reply, &data, err);
    if (rc) {
        lyd_free_tree(reply);
        sess_unhold(s);
        return rc;
    }
    /* The read hold of sess_rpc() stays with the tree: the caller frees it, then
     * sess_unhold(). */
    *data_out = data;
    *reply_out = reply;
    return NST_OK;
}

static nst_err
sess_fetch_xml(struct sess *s, int is_get, enum sess_ds source, const char *filter, char **xml,
               struct sess_error *err)
{
    const char *op = is_get ? "get" : "get-config";
    struct lyd_node *reply = NULL, *data = NULL;
    char *out = NULL;
    nst_err rc;

    if (!xml) {
        sess_err_clear(err);
        return sess_fail(err, s ? s->device : "", op, SESS_ERR_CONFIG, "no output pointer");
    }
    rc = sess_fetch(s, is_get, source, filter, &data, &reply, err);
    if (rc) {
        return rc;
    }
    rc = sess_data_text(s->device, op, data, &out, err);
    lyd_free_tree(reply);
    sess_unhold(s);
    if (rc) {
        return rc;
    }
    *xml = out;
    return NST_OK;
}

nst_err
sess_get_config(struct sess *s, enum sess_ds source, const char *filter, char **xml,
                struct sess_error *err)
{
    return sess_fetch_xml(s, 0, source, filter, xml, err);
}

nst_err
sess_get_config_text(struct sess *s, enum sess_ds source, const char *filter, char **xml,
                     struct sess_error *err)
{
    static const char *const ds_name[] = {
        [SESS_DS_RUNNING] = "running",
        [SESS_DS_CANDIDATE] = "candidate",
        [SESS_DS_STARTUP] = "startup",
    };
    struct relay_reply rep = {0};
    struct buf op = {0};
    struct lyd_node *rpc = NULL;
    char why[256];
    int timed_out = 0;
    nst_err rc;

    if (!xml || !s || !s->relay || (filter && *filter != '<')) {
        if (s && s->light && xml) {
            sess_err_clear(err);
            return sess_fail(err, s->device, "get-config", SESS_ERR_UNSUPPORTED,
                             "a light session reads with a subtree filter or none");
        }
        return sess_get_config(s, source, filter, xml, err);
    }
    if (!sess_ds_caps_ok(s, source, "get-config", 0, err, &rc)) {
        return rc;
    }
    /* What libnetconf2 2.0.24's nc_send_rpc() writes for nc_rpc_getconfig() (io.c,
     * session_client.c), byte for byte but the message-id. */
    buf_printf(&op,
               "<get-config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><source><%s/>"
               "</source>",
               ds_name[source]);
    if (filter) {
        buf_puts(&op, "<filter type=\"subtree\">");
        buf_puts(&op, filter);
        buf_puts(&op, "</filter>");
    }
    buf_puts(&op, "</get-config>");
    if (buf_failed(&op)) {
        buf_clear(&op);
        return sess_fail(err, s->device, "get-config", SESS_ERR_NOMEM, "out of memory");
    }
    sess_enter(s);
    if (!s->light && nc_session_get_status(s->nc) != NC_STATUS_RUNNING) {
        rc = sess_fail(err, s->device, "get-config", SESS_ERR_DROPPED,
                       "session is no longer running");
        goto cleanup;
    }
    rc = relay_call(s->relay, op.p, s->rpc_timeout_ms, &rep, &timed_out);
    if (rc == NST_ENOMEM) {
        rc = sess_fail(err, s->device, "get-config", SESS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    if (rc && timed_out) {
        rc = sess_fail(err, s->device, "get-config", SESS_ERR_TIMEOUT,
                       "no reply to <get-config> within %d ms; device state unknown",
                       s->rpc_timeout_ms);
        goto cleanup;
    }
    if (rc) {
        rc = sess_fail(err, s->device, "get-config", SESS_ERR_DROPPED,
                       "session dropped while waiting for the <get-config> reply: %s",
                       sess_transport_why(s, why, sizeof why, "transport closed"));
        goto cleanup;
    }
    if (rep.plain) {
        *xml = nst_strndup(rep.msg + rep.data_off, rep.data_len);
        rc = *xml ? NST_OK
                  : sess_fail(err, s->device, "get-config", SESS_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    /* Anything else as libnetconf2 would have parsed it (an <rpc-error> included); a light
     * session in the process's context of ietf-netconf. */
    if (s->light) {
        struct ly_ctx *ly;

        pthread_mutex_lock(&sess_light_mu);
        ly = sess_light_ctx(s->schema_dir);
        if (!ly) {
            rc = sess_fail(err, s->device, "get-config", SESS_ERR_PROTOCOL,
                           "cannot create a YANG context: %s", s->lib_err);
        } else if (lyd_new_path(NULL, ly, "/ietf-netconf:get-config", NULL, 0, &rpc)) {
            rc = sess_fail(err, s->device, "get-config", SESS_ERR_NOMEM,
                           "cannot build the <get-config> RPC");
        } else {
            rc = sess_reply_parse_dev(ly, s->device, rpc, rep.msg, xml, err);
        }
        lyd_free_tree(rpc);
        pthread_mutex_unlock(&sess_light_mu);
        goto cleanup;
    }
    sess_hold(s);
    if (lyd_new_path(NULL, s->ctx, "/ietf-netconf:get-config", NULL, 0, &rpc)) {
        rc = sess_fail(err, s->device, "get-config", SESS_ERR_NOMEM,
                       "cannot build the <get-config> RPC");
    } else {
        rc = sess_reply_parse_dev(s->ctx, s->device, rpc, rep.msg, xml, err);
    }
    lyd_free_tree(rpc);
    sess_unhold(s);

cleanup:
    buf_clear(&op);
    relay_reply_clear(&rep);
    sess_leave();
    return rc;
}

nst_err
sess_get(struct sess *s, const char *filter, char **xml, struct sess_error *err)
{
    return sess_fetch_xml(s, 1, SESS_DS_RUNNING, filter, xml, err);
}

nst_err
sess_get_config_tree(struct sess *s, enum sess_ds source, const char *filter,
                     struct lyd_node **tree, struct sess_error *err)
{
    struct lyd_node *reply = NULL, *data = NULL;
    struct lyd_node_any *any;
    nst_err rc;

    if (!tree) {
        sess_err_clear(err);
        return sess_fail(err, s ? s->device : "", "get-config", SESS_ERR_CONFIG,
                         "no output pointer");
    }
    rc = sess_fetch(s, 0, source, filter, &data, &reply, err);
    if (rc) {
        return rc;
    }
    any = (struct lyd_node_any *)data;
    if (any->value_type != LYD_ANYDATA_DATATREE) {
        lyd_free_tree(reply);
        sess_unhold(s);
        return sess_fail(err, s->device, "get-config", SESS_ERR_PROTOCOL,
                         "<data> was not parsed into a data tree");
    }
    /* Take the tree out of the reply instead of copying it. */
    *tree = any->value.tree;
    any->value.tree = NULL;
    lyd_free_tree(reply);
    sess_unhold(s);
    return NST_OK;
}

nst_err
sess_commit(struct sess *s, unsigned flags, uint32_t timeout_s, const char *persist,
            const char *persist_id, struct sess_error *err)
{
    unsigned need = SESS_CAP_CANDIDATE;
    const char *name = ":candidate";
    nst_err rc;

    if (flags & SESS_COMMIT_CONFIRMED) {
        need |= SESS_CAP_CONFIRMED_COMMIT;
        name = ":candidate and :confirmed-commit";
    }
    if (persist || persist_id) {
        need |= SESS_CAP_CONFIRMED_COMMIT11;
        name = ":candidate and :confirmed-commit:1.1";
    }
    rc = sess_rpc_precheck(s, "commit", need, name, err);
    if (rc) {
        return rc;
    }
    if (!(flags & SESS_COMMIT_CONFIRMED) && (timeout_s || persist)) {
        return sess_fail(err, s->device, "commit", SESS_ERR_CONFIG,
                         "confirm-timeout and persist need SESS_COMMIT_CONFIRMED");
    }
    return sess_rpc(s, "commit",
                    nc_rpc_commit((flags & SESS_COMMIT_CONFIRMED) ? 1 : 0, timeout_s, persist,
                                  persist_id, NC_PARAMTYPE_CONST),
                    NULL, err);
}

nst_err
sess_cancel_commit(struct sess *s, const char *persist_id, struct sess_error *err)
{
    nst_err rc = sess_rpc_precheck(s, "cancel-commit", SESS_CAP_CONFIRMED_COMMIT11,
                                   ":confirmed-commit:1.1", err);

    if (rc) {
        return rc;
    }
    return sess_rpc(s, "cancel-commit", nc_rpc_cancel(persist_id, NC_PARAMTYPE_CONST), NULL, err);
}

nst_err
sess_discard(struct sess *s, struct sess_error *err)
{
    nst_err rc = sess_rpc_precheck(s, "discard-changes", SESS_CAP_CANDIDATE, ":candidate", err);

    if (rc) {
        return rc;
    }
    return sess_rpc(s, "discard-changes", nc_rpc_discard(), NULL, err);
}

nst_err
sess_validate(struct sess *s, enum sess_ds source, struct sess_error *err)
{
    nst_err rc = sess_rpc_precheck(s, "validate", SESS_CAP_VALIDATE, ":validate", err);

    if (rc) {
        return rc;
    }
    if (!sess_ds_caps_ok(s, source, "validate", 0, err, &rc)) {
        return rc;
    }
    return sess_rpc(s, "validate", nc_rpc_validate(sess_nc_ds(source), NULL, NC_PARAMTYPE_CONST),
                    NULL, err);
}

nst_err
sess_rpc_xml(struct sess *s, const char *op, const char *module, const char *module_dir,
             const char *xml, char **out, struct sess_error *err)
{
    struct lyd_node *reply = NULL;
    char *text = NULL;
    nst_err rc;

    if (!out || !xml) {
        sess_err_clear(err);
        return sess_fail(err, s ? s->device : "", op, SESS_ERR_CONFIG, "no RPC or output");
    }
    rc = sess_rpc_precheck(s, op, 0, "", err);
    if (rc) {
        return rc;
    }
    sess_hold(s);
    if (module && !ly_ctx_get_module_implemented(s->ctx, module)) {
        /* A writer on a shared context: after every read hold and join has left. */
        const struct lys_module *m;

        sess_unhold(s);
        sess_enter(s);
        if (s->pool) {
            ctxpool_write_acquire(s->pool);
        }
        m = ly_ctx_get_module_implemented(s->ctx, module);
        if (!m && module_dir) {
            ly_ctx_set_searchdir(s->ctx, module_dir);
        }
        if (!m) {
            m = ly_ctx_load_module(s->ctx, module, NULL, NULL);
        }
        if (s->pool) {
            ctxpool_write_release(s->pool);
        }
        sess_leave();
        if (!m) {
            return sess_fail(err, s->device, op, SESS_ERR_UNSUPPORTED,
                             "the module %s of <%s> is not available", module, op);
        }
    } else {
        sess_unhold(s);
    }
    rc = sess_rpc(s, op, nc_rpc_act_generic_xml(xml, NC_PARAMTYPE_CONST), &reply, err);
    if (rc) {
        return rc;
    }
    /* The output children of the operation node; none is a valid (empty) answer. */
    if (reply && lyd_child(reply) &&
        lyd_print_mem(&text, lyd_child(reply), LYD_XML, LYD_PRINT_WITHSIBLINGS)) {
        text = NULL;
        lyd_free_tree(reply);
        sess_unhold(s);
        return sess_fail(err, s->device, op, SESS_ERR_NOMEM, "cannot print the reply");
    }
    lyd_free_tree(reply);
    sess_unhold(s);
    if (!text && !(text = nst_strdup(""))) {
        return sess_fail(err, s->device, op, SESS_ERR_NOMEM, "out of memory");
    }
    *out = text;
    return NST_OK;
}
