/*
 * device.c: one simulated device: its process, SSH endpoint, sessions and poll loop.
 *
 * sim_dev_main() runs in a child forked by the supervisor (see netsim.h for why one process
 * per device). It loads the startup config, initialises the libnetconf2 server on the context
 * the supervisor built, opens one SSH endpoint on 127.0.0.1:<port>, reports "ok" (or the
 * error) on the ready pipe, and then loops:
 *   accept a new session (libnetconf2 runs the SSH handshake and our auth callbacks), poll the
 *   sessions for one RPC (handled by rpc.c), end terminated sessions (releasing their locks,
 *   discarding the candidate they locked and dirtied, rolling back their unconfirmed commit),
 *   reread the faults file when it changed, and roll back a confirmed commit whose timeout
 *   passed.
 * SIGTERM/SIGINT end the loop; a commit still unconfirmed at that point is rolled back, as a
 * device reboot would, and running.xml is rewritten.
 *
 * Auth: the device's `user` may log in with `password` (compared in constant time, never
 * logged) and/or with any key listed in its authorized-key files (any key type libssh knows,
 * ed25519 included). The host key may be Ed25519, ECDSA or RSA: libnetconf2 2.0.24 gives
 * the file's path to libssh (ssh_bind_options_set(SSH_BIND_OPTIONS_HOSTKEY)) at every accept;
 * netsim hands libssh a copy of the key it read at start instead (dev_hostkey below), so
 * the file is read once, as sshd reads its host keys. Ed25519 is the cheap one
 * (netsim/README.md).
 *
 * libnetconf2's RPC callback carries no user data, so the device is reachable through one
 * file-scope pointer, set once per process; there is exactly one device per process.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "netsim.h"

static struct sim_dev *sim_the_dev;
static volatile sig_atomic_t sim_stop;
static ssh_key *sim_keys;
static int sim_nkeys;
static FILE *sim_nclog;

struct sim_dev *
sim_dev_get(void)
{
    return sim_the_dev;
}

static void
dev_on_signal(int sig)
{
    (void)sig;
    sim_stop = 1;
}

/* libnetconf2 and libyang messages go to netconf.log, not to the RPC log tests grep. */
static void
dev_nc_print(const struct nc_session *session, NC_VERB_LEVEL level, const char *msg)
{
    if (!sim_nclog) {
        return;
    }
    fprintf(sim_nclog, "%.3f %s sid=%u %s\n", sim_the_dev ? sim_now_rel(sim_the_dev) : 0.0,
            level == NC_VERB_ERROR     ? "ERR"
            : level == NC_VERB_WARNING ? "WRN"
                                       : "VRB",
            session ? nc_session_get_id(session) : 0, msg);
    fflush(sim_nclog);
}

static int
dev_hostkey_clb(const char *name, void *user_data, char **privkey_path, char **privkey_data,
                NC_SSH_KEY_TYPE *privkey_type)
{
    struct sim_dev *dev = user_data;

    (void)name;
    (void)privkey_data;
    (void)privkey_type;
    /* libnetconf2 frees the path with free(). */
    *privkey_path = strdup(dev->cfg->hostkey);
    return *privkey_path ? 0 : 1;
}

/*
 * The host key, read once. libnetconf2 2.0.24 makes a new ssh_bind at every accept and gives
 * it the key file's path (nc_ssh_bind_add_hostkeys(): ssh_bind_options_set() with
 * SSH_BIND_OPTIONS_HOSTKEY), and libssh 0.10 opens, reads and parses the file each time
 * (ssh_pki_import_privkey_file()). netsim interposes ssh_bind_options_set() as hostile.c
 * does ssh_channel_write() (the executable's definition binds libnetconf2's calls; the real
 * one is found with dlsym(RTLD_NEXT)): for the device's own host key path it passes a copy
 * of the key read at setup with SSH_BIND_OPTIONS_IMPORT_KEY, which the bind takes and frees
 * with itself (libssh's bind.c/options.c; the same key checks apply). Every other option,
 * and the path option if anything about it differs, goes to libssh as it came.
 */
static ssh_key dev_hostkey;

typedef int (*dev_bind_set_fn)(ssh_bind, enum ssh_bind_options_e, const void *);

void
sim_dlsym(void *handle, const char *name, void *fn)
{
    void *sym = dlsym(handle, name);

    /* A data pointer to a function pointer: POSIX guarantees dlsym's result works. */
    memcpy(fn, &sym, sizeof sym);
}

__attribute__((visibility("default"))) int
ssh_bind_options_set(ssh_bind sshbind, enum ssh_bind_options_e type, const void *value)
{
    static dev_bind_set_fn real;
    struct sim_dev *dev = sim_dev_get();
    ssh_key copy;

    if (!real) {
        sim_dlsym(RTLD_NEXT, "ssh_bind_options_set", &real);
        if (!real) {
            return SSH_ERROR;
        }
    }
    if (type == SSH_BIND_OPTIONS_HOSTKEY && value && dev_hostkey && dev && dev->cfg->hostkey &&
        !strcmp(value, dev->cfg->hostkey)) {
        copy = ssh_key_dup(dev_hostkey);
        if (copy && real(sshbind, SSH_BIND_OPTIONS_IMPORT_KEY, copy) == SSH_OK) {
            return SSH_OK;
        }
        /* Not taken: the bind did not keep it. */
        ssh_key_free(copy);
    }
    return real(sshbind, type, value);
}

/*
 * OpenSSL keys libssh makes again for every connection. netsim does not link libcrypto itself
 * (libssh does), so the real functions are found at run time with dlsym(); the executable's
 * definitions below bind libssh's calls, as ssh_bind_options_set() above does.
 */
typedef EVP_PKEY *(*dev_new_raw_fn)(int, ENGINE *, const unsigned char *, size_t);
typedef int (*dev_get_raw_fn)(const EVP_PKEY *, unsigned char *, size_t *);
typedef int (*dev_up_ref_fn)(EVP_PKEY *);
typedef void (*dev_pkey_free_fn)(EVP_PKEY *);
typedef int (*dev_get_id_fn)(const EVP_PKEY *);

static struct {
    dev_new_raw_fn new_raw;
    dev_get_raw_fn get_raw;
    dev_up_ref_fn up_ref;
    dev_pkey_free_fn free;
    dev_get_id_fn get_id;
    int looked_up;
} dev_ossl;

static void
dev_ossl_lookup(void)
{
    if (dev_ossl.looked_up) {
        return;
    }
    dev_ossl.looked_up = 1;
    sim_dlsym(RTLD_NEXT, "EVP_PKEY_new_raw_private_key", &dev_ossl.new_raw);
    sim_dlsym(RTLD_NEXT, "EVP_PKEY_get_raw_private_key", &dev_ossl.get_raw);
    sim_dlsym(RTLD_DEFAULT, "EVP_PKEY_up_ref", &dev_ossl.up_ref);
    sim_dlsym(RTLD_DEFAULT, "EVP_PKEY_free", &dev_ossl.free);
    sim_dlsym(RTLD_DEFAULT, "EVP_PKEY_get_id", &dev_ossl.get_id);
}

/*
 * The key exchange's X25519 key, made once per connection instead of twice. libssh 0.10's
 * curve25519.c (OpenSSL flavour) generates the server's ephemeral key (EVP_PKEY_keygen()),
 * copies out its public and private bytes (ssh_curve25519_init()) and frees it; when the
 * client's public key arrives, ssh_curve25519_build_k() makes an OpenSSL key of the same
 * private bytes again (EVP_PKEY_new_raw_private_key(), which derives the public key again:
 * a scalar multiplication, 0.6 M instructions, a tenth of a live-diff session in the device)
 * only to derive the shared secret with it. netsim keeps the generated key instead: when
 * libssh reads the private bytes of an X25519 key, that key gets a reference of netsim's
 * (dev_x25519, one at a time: a newer one replaces it), and the next request for an X25519
 * key of exactly those bytes is handed that reference (libssh frees it after the derivation),
 * so the key is then forgotten. Same key, same shared secret: the key exchange is unchanged,
 * the ephemeral key is still new for every connection. Anything else goes to OpenSSL.
 */
static EVP_PKEY *dev_x25519;
static unsigned char dev_x25519_priv[32];

static void
dev_x25519_forget(void)
{
    if (dev_x25519) {
        dev_ossl.free(dev_x25519);
        dev_x25519 = NULL;
    }
    explicit_bzero(dev_x25519_priv, sizeof dev_x25519_priv);
}

__attribute__((visibility("default"))) int
EVP_PKEY_get_raw_private_key(const EVP_PKEY *pkey, unsigned char *priv, size_t *len)
{
    int r;

    dev_ossl_lookup();
    if (!dev_ossl.get_raw) {
        return 0;
    }
    r = dev_ossl.get_raw(pkey, priv, len);
    if (r == 1 && priv && *len == sizeof dev_x25519_priv && dev_ossl.get_id && dev_ossl.up_ref &&
        dev_ossl.free && dev_ossl.get_id(pkey) == EVP_PKEY_X25519) {
        dev_x25519_forget();
        /* EVP_PKEY_up_ref() takes a non-const key: the reference count is not the key. */
        if (dev_ossl.up_ref((EVP_PKEY *)(uintptr_t)pkey) == 1) {
            dev_x25519 = (EVP_PKEY *)(uintptr_t)pkey;
            memcpy(dev_x25519_priv, priv, sizeof dev_x25519_priv);
        }
    }
    return r;
}

/*
 * The host key's signing key, made once. libssh 0.10 keeps an Ed25519 key as its raw bytes
 * and makes an OpenSSL key of them for every signature (pki_crypto.c, pki_sign_data():
 * EVP_PKEY_new_raw_private_key(), which derives the public key again: 38 us, as long as the
 * signature itself), one per accepted connection. netsim interposes that call: the first
 * Ed25519 private key made is kept, and a request for an Ed25519 key of the same 32 bytes is
 * the same key, so it gets another reference to that one (libssh signs with it and frees its
 * reference; an EVP_PKEY is reference-counted and signing does not change it). An X25519 key
 * of the bytes just read from a generated key is that key (dev_x25519 above). Any other
 * type, an engine or other bytes go to OpenSSL as they came.
 */
__attribute__((visibility("default"))) EVP_PKEY *
EVP_PKEY_new_raw_private_key(int type, ENGINE *e, const unsigned char *priv, size_t len)
{
    static EVP_PKEY *last;
    static unsigned char last_priv[32];
    EVP_PKEY *k;

    dev_ossl_lookup();
    if (!dev_ossl.new_raw) {
        return NULL;
    }
    if (type == EVP_PKEY_X25519 && !e && priv && len == sizeof dev_x25519_priv && dev_x25519 &&
        !memcmp(priv, dev_x25519_priv, len)) {
        /* netsim's reference becomes the caller's. */
        k = dev_x25519;
        dev_x25519 = NULL;
        dev_x25519_forget();
        return k;
    }
    if (type != EVP_PKEY_ED25519 || e || len != sizeof last_priv || !priv || !dev_ossl.up_ref) {
        return dev_ossl.new_raw(type, e, priv, len);
    }
    if (last && !memcmp(priv, last_priv, len) && dev_ossl.up_ref(last) == 1) {
        return last;
    }
    k = dev_ossl.new_raw(type, e, priv, len);
    if (k && !last && dev_ossl.up_ref(k) == 1) {
        /* The first one (in a device process, the host key's) is kept, with a reference of
         * its own, for the device's life. */
        last = k;
        memcpy(last_priv, priv, len);
    }
    return k;
}

/* Constant-time comparison, so the simulator does not teach bad habits. */
static int
dev_streq_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i;
    unsigned char diff = (unsigned char)(la != lb);

    for (i = 0; i < la; i++) {
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    }
    return diff == 0;
}

static int
dev_passwd_clb(const struct nc_session *session, const char *password, void *user_data)
{
    struct sim_dev *dev = user_data;
    const char *user = nc_session_get_username(session);

    if (dev->cfg->password && user && !strcmp(user, dev->cfg->user) &&
        dev_streq_ct(password, dev->cfg->password)) {
        return 0;
    }
    sim_log(dev, 0, "event=auth user=%s method=password -> denied", user ? user : "?");
    return 1;
}

static int
dev_pubkey_clb(const struct nc_session *session, ssh_key key, void *user_data)
{
    struct sim_dev *dev = user_data;
    const char *user = nc_session_get_username(session);
    int i;

    if (user && !strcmp(user, dev->cfg->user)) {
        for (i = 0; i < sim_nkeys; i++) {
            if (!ssh_key_cmp(key, sim_keys[i], SSH_KEY_CMP_PUBLIC)) {
                return 0;
            }
        }
    }
    sim_log(dev, 0, "event=auth user=%s method=publickey -> denied", user ? user : "?");
    return 1;
}

/* Read every "type base64 [comment]" line of the authorized-key files. */
static nst_err
dev_load_authkeys(struct sim_dev *dev, char **errmsg)
{
    FILE *f;
    char *line = NULL, *type, *b64, *save;
    size_t cap = 0;
    int i, lineno;
    ssh_key key, *v;
    nst_err ret = NST_OK;

    for (i = 0; i < dev->cfg->nauthkeys && !ret; i++) {
        f = fopen(dev->cfg->authkeys[i], "r");
        if (!f) {
            *errmsg = nst_asprintf("device %s: authorized-key %s: %s", dev->cfg->name,
                                   dev->cfg->authkeys[i], strerror(errno));
            ret = NST_EIO;
            break;
        }
        lineno = 0;
        while (getline(&line, &cap, f) > 0) {
            lineno++;
            type = strtok_r(line, " \t\r\n", &save);
            if (!type || type[0] == '#') {
                continue;
            }
            b64 = strtok_r(NULL, " \t\r\n", &save);
            key = NULL;
            if (!b64 || ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &key)) {
                *errmsg = nst_asprintf("device %s: %s:%d: not a public key line", dev->cfg->name,
                                       dev->cfg->authkeys[i], lineno);
                ret = NST_EINPUT;
                break;
            }
            v = nst_realloc(sim_keys, (sim_nkeys + 1) * sizeof *v);
            if (!v) {
                ssh_key_free(key);
                ret = NST_ENOMEM;
                break;
            }
            sim_keys = v;
            sim_keys[sim_nkeys++] = key;
        }
        fclose(f);
    }
    free(line);
    return ret;
}

static void
dev_sess_free(void *data)
{
    nst_free(data);
}

struct nc_session *
sim_dev_find_session(struct sim_dev *dev, uint32_t id)
{
    uint16_t i, n = nc_ps_session_count(dev->ps);
    struct nc_session *s;

    for (i = 0; i < n; i++) {
        s = nc_ps_get_session(dev->ps, i);
        if (s && nc_session_get_id(s) == id && nc_session_get_status(s) == NC_STATUS_RUNNING) {
            return s;
        }
    }
    return NULL;
}

void
sim_dev_rollback_cc(struct sim_dev *dev, const char *why)
{
    struct lyd_node *cand;

    if (!dev->cc.pending) {
        return;
    }
    sim_store_replace(dev, SIM_DS_RUNNING, dev->cc.backup);
    dev->cc.backup = NULL;
    cand = sim_store_dup(dev->ds[SIM_DS_RUNNING]);
    sim_store_replace(dev, SIM_DS_CANDIDATE, cand);
    dev->candidate_dirty = 0;
    dev->cc.pending = 0;
    nst_free(dev->cc.persist);
    dev->cc.persist = NULL;
    sim_log(dev, 0, "event=confirmed-commit-rollback reason=%s -> rolled back", why);
}

void
sim_dev_session_cleanup(struct sim_dev *dev, struct nc_session *session)
{
    struct sim_sess *ss = nc_session_get_data(session);
    uint32_t sid = nc_session_get_id(session);
    char why[64];
    int i;

    if (ss && ss->cleaned) {
        return;
    }
    if (ss) {
        ss->cleaned = 1;
    }
    /* RFC 6241 8.3.5.2: changes a session made to the candidate it locked are discarded
     * when that session goes away without committing them. */
    if (dev->lock[SIM_DS_CANDIDATE] == sid && dev->candidate_dirty) {
        sim_store_replace(dev, SIM_DS_CANDIDATE, sim_store_dup(dev->ds[SIM_DS_RUNNING]));
        dev->candidate_dirty = 0;
        sim_log(dev, sid, "event=candidate-discarded reason=lock-holder-ended -> ok");
    }
    for (i = 0; i < SIM_DS_COUNT; i++) {
        if (dev->lock[i] == sid) {
            dev->lock[i] = 0;
            sim_log(dev, sid, "event=lock-released target=%s -> ok", sim_ds_str(i));
        }
    }
    /* RFC 6241 8.4.1: a confirmed commit without <persist> is rolled back when the session
     * that issued it ends. */
    if (dev->cc.pending && !dev->cc.persist && dev->cc.owner == sid) {
        snprintf(why, sizeof why, "session-%u-ended", sid);
        sim_dev_rollback_cc(dev, why);
    }
}

static const char *
dev_term_str(NC_SESSION_TERM_REASON r)
{
    switch (r) {
    case NC_SESSION_TERM_CLOSED:
        return "closed";
    case NC_SESSION_TERM_KILLED:
        return "killed";
    case NC_SESSION_TERM_DROPPED:
        return "dropped";
    case NC_SESSION_TERM_TIMEOUT:
        return "timeout";
    case NC_SESSION_TERM_BADHELLO:
        return "bad-hello";
    case NC_SESSION_TERM_OTHER:
        return "other";
    case NC_SESSION_TERM_ERR:
    case NC_SESSION_TERM_NONE:
        break;
    }
    return "none";
}

/*
 * dev_loop()'s socket list: every socket descriptor of the process and whether it is a
 * listening one. Read from /proc/self/fd when it is not valid (dev_sockets()); a session's
 * start and end add and remove its one socket (struct sim_sess.fd, from accept() below),
 * instead of reading the directory and every descriptor again twice per session (5% of the
 * simulator's CPU in a live diff, where a session is one <get-config>). A socket the
 * session does not know, or one not in the list, makes the list invalid: read again.
 */
#define DEV_MAX_FDS 256
static struct {
    struct pollfd pfd[DEV_MAX_FDS];
    unsigned char listening[DEV_MAX_FDS];
    nfds_t n;
    int valid;
} dev_fds;

static void
dev_fds_add(int fd)
{
    if (!dev_fds.valid) {
        return;
    }
    if (fd < 0 || dev_fds.n >= DEV_MAX_FDS) {
        dev_fds.valid = 0;
        return;
    }
    dev_fds.pfd[dev_fds.n].fd = fd;
    dev_fds.pfd[dev_fds.n].events = POLLIN;
    dev_fds.pfd[dev_fds.n].revents = 0;
    dev_fds.listening[dev_fds.n] = 0;
    dev_fds.n++;
}

static void
dev_fds_del(int fd)
{
    nfds_t k;

    if (!dev_fds.valid) {
        return;
    }
    for (k = 0; fd >= 0 && k < dev_fds.n; k++) {
        if (dev_fds.pfd[k].fd == fd && !dev_fds.listening[k]) {
            dev_fds.n--;
            dev_fds.pfd[k] = dev_fds.pfd[dev_fds.n];
            dev_fds.listening[k] = dev_fds.listening[dev_fds.n];
            return;
        }
    }
    dev_fds.valid = 0;
}

static void
dev_session_end(struct sim_dev *dev, struct nc_session *session)
{
    struct sim_sess *ss = nc_session_get_data(session);

    sim_dev_session_cleanup(dev, session);
    sim_log(dev, nc_session_get_id(session), "event=session-end reason=%s -> ok",
            ss && ss->drop ? "fault-drop" : dev_term_str(nc_session_get_term_reason(session)));
    nc_ps_del_session(dev->ps, session);
    dev_fds_del(ss ? ss->fd : -1);
    nc_session_free(session, dev_sess_free);
}

/*
 * The waits inside nc_accept(). libnetconf2 2.0.24 sets up a session in loops that sleep
 * and try again while the client has not answered yet (session_server_ssh.c: 2 ms turns in
 * the key exchange, 100 us turns in authentication and the channel setup; io.c: 100 us
 * turns reading the client's hello): about 30 wake-ups and libssh reads a session, a fifth
 * of an accept's CPU, and up to 2 ms of added latency per key-exchange step. netsim defines
 * accept() and usleep() (the executable's definitions bind libnetconf2's calls, as
 * hostile.c's ssh_channel_write() does): while dev_accept() runs, the connection accept()
 * returned is remembered, and a sleep of up to 2 ms becomes a wait for the client's next
 * bytes on it, at most DEV_ACCEPT_WAIT_MS; libnetconf2 then tries again, as it would have
 * after the sleep, and its own timeouts still end a client that stalls. Every other sleep
 * is a sleep.
 */
#define DEV_ACCEPT_WAIT_MS 50
static int dev_accepting;
static int dev_accept_sock = -1;

__attribute__((visibility("default"))) int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int s = accept4(fd, addr, len, 0);

    if (dev_accepting && s >= 0) {
        dev_accept_sock = s;
    }
    return s;
}

__attribute__((visibility("default"))) int
usleep(useconds_t us)
{
    struct timespec ts;

    if (dev_accept_sock >= 0 && us <= 2000) {
        struct pollfd p = {.fd = dev_accept_sock, .events = POLLIN};

        return poll(&p, 1, DEV_ACCEPT_WAIT_MS) < 0 ? -1 : 0;
    }
    ts.tv_sec = (time_t)(us / 1000000);
    ts.tv_nsec = (long)(us % 1000000) * 1000;
    return nanosleep(&ts, NULL);
}

static void
dev_accept(struct sim_dev *dev, int timeout)
{
    struct nc_session *session = NULL;
    struct sim_sess *ss;
    NC_MSG_TYPE r;
    int fd;

    dev_accepting = 1;
    dev_accept_sock = -1;
    r = nc_accept(timeout, &session);
    dev_accepting = 0;
    fd = dev_accept_sock;
    dev_accept_sock = -1;
    if (r == NC_MSG_WOULDBLOCK) {
        return;
    }
    if (r != NC_MSG_HELLO) {
        sim_log(dev, 0, "event=accept -> error (handshake or authentication failed)");
        if (session) {
            nc_session_free(session, NULL);
        }
        return;
    }
    ss = nst_calloc(1, sizeof *ss);
    if (!ss) {
        nc_session_free(session, NULL);
        return;
    }
    ss->id = nc_session_get_id(session);
    ss->fd = fd;
    nc_session_set_data(session, ss);
    if (nc_ps_add_session(dev->ps, session)) {
        nc_session_free(session, dev_sess_free);
        return;
    }
    dev_fds_add(fd);
    sim_log(dev, ss->id, "event=session-start user=%s -> ok", nc_session_get_username(session));
}

/* One loop iteration's worth of timers: the confirmed-commit deadline. */
static void
dev_timers(struct sim_dev *dev)
{
    struct timespec now;

    if (!dev->cc.pending) {
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > dev->cc.deadline.tv_sec ||
        (now.tv_sec == dev->cc.deadline.tv_sec && now.tv_nsec >= dev->cc.deadline.tv_nsec)) {
        sim_dev_rollback_cc(dev, "timeout");
    }
}

/*
 * Polling the sessions. libnetconf2 2.0.24's nc_ps_poll() cannot block on the sessions'
 * sockets (libssh buffers, and the API gives no descriptor): with a timeout it checks every
 * session and sleeps 100 us in a loop, so one open session costs about 5% of a core, and a
 * push to 50 simulated routers spent most of the simulator's CPU in those wake-ups
 * (docs/PERFORMANCE.md: nanosleep, 33% of its samples). So the device blocks in ppoll(2) on
 * every socket the process holds, found in /proc/self/fd and told apart by SO_ACCEPTCONN:
 * the endpoint's listening socket (a new connection) and the sessions' TCP connections (an
 * RPC, or the peer closing). It calls nc_accept() only when the listening socket is
 * readable, and nc_ps_poll() with timeout 0 only when a session socket is, or after an
 * accept; it calls nc_ps_poll() again until it reports nothing pending (that also drains what
 * libssh read ahead into its buffers, which poll(2) cannot see) and only then waits again.
 *
 * What else needs the device awake, and how it gets it without a periodic tick:
 * - the confirmed-commit timer: the wait ends at its deadline (dev_wait_ms());
 * - SIGTERM/SIGINT: blocked while the loop decides to wait and unblocked only inside
 *   ppoll(2), so a signal cannot slip in between the sim_stop test and the wait;
 * - the faults file: reread at every RPC (rpc.c) and at every wake-up; an idle device wakes
 *   at least every DEV_IDLE_MS, so a fault written while nobody is connected is logged
 *   within a second (no fault acts outside an RPC; flap-bgp is read by bgp.c);
 * - BGP: computed by the supervisor's BGP process from running.xml (bgp.c), not here.
 * The socket list is kept up to date as sessions start and end (dev_fds), not on a count
 * that an end and a start in the same iteration would leave unchanged. If it cannot be
 * read, the device falls back to trying everything every DEV_POLL_MS. An idle device now
 * wakes once a second instead of 50 times (the 20 ms nc_accept() wait) and an idle session
 * not at all instead of 20 times (the earlier 50 ms cap), which matters with 200 simulated
 * routers on two cores.
 */
#define DEV_POLL_MS 50
#define DEV_IDLE_MS 1000

/* Every socket descriptor of this process into @pfd (at most DEV_MAX_FDS), and whether each
 * is a listening socket into @listening. */
static nfds_t
dev_sockets(struct pollfd *pfd, unsigned char *listening)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    struct stat st;
    nfds_t n = 0;
    int acc;
    socklen_t len;

    if (!d) {
        return 0;
    }
    while ((e = readdir(d)) && n < DEV_MAX_FDS) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);

        if (*end || end == e->d_name || fd == dirfd(d) || fstat((int)fd, &st) ||
            !S_ISSOCK(st.st_mode)) {
            continue;
        }
        acc = 0;
        len = sizeof acc;
        if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len)) {
            acc = 0;
        }
        listening[n] = acc != 0;
        pfd[n].fd = (int)fd;
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        n++;
    }
    closedir(d);
    return n;
}

/* How long the device may wait: until the confirmed-commit deadline, at most DEV_IDLE_MS. */
static int
dev_wait_ms(const struct sim_dev *dev)
{
    struct timespec now;
    long long ms;

    if (!dev->cc.pending) {
        return DEV_IDLE_MS;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)(dev->cc.deadline.tv_sec - now.tv_sec) * 1000 +
         (dev->cc.deadline.tv_nsec - now.tv_nsec + 999999) / 1000000;
    if (ms < 0) {
        return 0;
    }
    return ms < DEV_IDLE_MS ? (int)ms : DEV_IDLE_MS;
}

static void
dev_loop(struct sim_dev *dev)
{
    struct nc_session *session;
    struct timespec nap = {0, DEV_POLL_MS * 1000000L}, ts;
    struct pollfd *pfd = dev_fds.pfd;
    nfds_t k;
    sigset_t stopset, oldset;
    int accept_ready = 1, sess_ready = 0, ms;
    uint16_t i, n;
    int r;

    sigemptyset(&stopset);
    sigaddset(&stopset, SIGTERM);
    sigaddset(&stopset, SIGINT);
    while (!sim_stop) {
        sim_faults_check(dev);
        if (accept_ready) {
            n = nc_ps_session_count(dev->ps);
            dev_accept(dev, 0);
            /* The client may have sent its first RPC with the hello; libssh holds it. */
            sess_ready |= nc_ps_session_count(dev->ps) != n;
            accept_ready = 0;
        }
        if (sess_ready && nc_ps_session_count(dev->ps)) {
            session = NULL;
            r = nc_ps_poll(dev->ps, 0, &session);
            sim_uncork(dev);
            if ((r & (NC_PSPOLL_SESSION_TERM | NC_PSPOLL_SESSION_ERROR)) && session) {
                dev_session_end(dev, session);
            }
            /* Nothing pending anywhere: every session's socket and buffer are empty. */
            sess_ready = (r & ~NC_PSPOLL_TIMEOUT) != 0;
        } else {
            sess_ready = 0;
        }
        /* Sessions ended by <kill-session> or by a drop fault outside the poll result. */
        n = nc_ps_session_count(dev->ps);
        for (i = 0; i < n; i++) {
            session = nc_ps_get_session(dev->ps, i);
            if (session && nc_session_get_status(session) != NC_STATUS_RUNNING) {
                dev_session_end(dev, session);
                sess_ready = 1;
                break;
            }
        }
        dev_timers(dev);
        if (sess_ready) {
            continue;
        }

        /* Block until a socket is readable, the confirmed-commit deadline, or a signal. */
        if (!dev_fds.valid) {
            dev_fds.n = dev_sockets(pfd, dev_fds.listening);
            dev_fds.valid = 1;
        }
        ms = dev_wait_ms(dev);
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (long)(ms % 1000) * 1000000L;
        sigprocmask(SIG_BLOCK, &stopset, &oldset);
        r = 0;
        if (!sim_stop && dev_fds.n) {
            r = ppoll(pfd, dev_fds.n, &ts, &oldset);
            if (r < 0 && errno == EINTR) {
                r = 0;
            }
        }
        sigprocmask(SIG_SETMASK, &oldset, NULL);
        if (!dev_fds.n || r < 0) {
            /* No socket list: try everything after a short nap, as before ppoll. */
            nanosleep(&nap, NULL);
            accept_ready = sess_ready = 1;
            dev_fds.valid = 0;
            continue;
        }
        for (k = 0; r > 0 && k < dev_fds.n; k++) {
            if (!pfd[k].revents) {
                continue;
            }
            if (pfd[k].revents & POLLNVAL) {
                /* A descriptor went away under us: rescan, and look at everything. */
                dev_fds.valid = 0;
                accept_ready = sess_ready = 1;
            } else if (dev_fds.listening[k]) {
                accept_ready = 1;
            } else {
                sess_ready = 1;
            }
        }
    }
}

static void
dev_ready(int fd, const char *msg)
{
    char *line;
    ssize_t w;

    line = nst_asprintf("%s\n", msg);
    if (line) {
        w = write(fd, line, strlen(line));
        (void)w;
    }
    nst_free(line);
    close(fd);
}

static nst_err
dev_server_setup(struct sim_dev *dev, char **errmsg)
{
    const struct sim_dev_cfg *dc = dev->cfg;
    struct lysc_node *node;
    ssh_key hk = NULL;
    int methods = 0;

    if (ssh_pki_import_privkey_file(dc->hostkey, NULL, NULL, NULL, &hk) != SSH_OK) {
        *errmsg = nst_asprintf("device %s: cannot read host key %s", dc->name, dc->hostkey);
        return NST_EIO;
    }
    switch (ssh_key_type(hk)) {
    case SSH_KEYTYPE_RSA:
    case SSH_KEYTYPE_ECDSA_P256:
    case SSH_KEYTYPE_ECDSA_P384:
    case SSH_KEYTYPE_ECDSA_P521:
    case SSH_KEYTYPE_ED25519:
        break;
    default:
        ssh_key_free(hk);
        *errmsg = nst_asprintf("device %s: host key %s is of type %s: an SSH server takes RSA, "
                               "ECDSA or Ed25519 host keys (ssh-keygen -t ed25519)",
                               dc->name, dc->hostkey, ssh_key_type_to_char(ssh_key_type(hk)));
        return NST_EINPUT;
    }
    /* Kept for every accept (ssh_bind_options_set() above). */
    dev_hostkey = hk;

    /* Our own <get-schema> (the built-in one is broken with libyang 2.1.30) and our own
     * <close-session> (so it is logged) must be in place before nc_server_init(), which
     * installs its defaults only where priv is still NULL. */
    node = (struct lysc_node *)(uintptr_t)lys_find_path(dev->ctx, NULL,
                                                        "/ietf-netconf-monitoring:get-schema", 0);
    if (node) {
        node->priv = (void *)sim_rpc_get_schema;
    }
    node = (struct lysc_node *)(uintptr_t)lys_find_path(dev->ctx, NULL,
                                                        "/ietf-netconf:close-session", 0);
    if (node) {
        node->priv = (void *)sim_rpc_dispatch;
    }
    if (nc_server_init(dev->ctx)) {
        *errmsg = nst_asprintf("device %s: nc_server_init failed", dc->name);
        return NST_EENV;
    }
    nc_set_global_rpc_clb(sim_rpc_dispatch);
    if (dc->prof.confirmed == SIM_CC_10) {
        nc_server_set_capability("urn:ietf:params:netconf:capability:confirmed-commit:1.0");
    }
    if ((dc->prof.caps & SIM_CAP_VALIDATE) && dc->prof.validate_10) {
        nc_server_set_capability("urn:ietf:params:netconf:capability:validate:1.0");
    }
    nc_server_set_capab_withdefaults(NC_WD_EXPLICIT,
                                     NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM | NC_WD_EXPLICIT);

    nc_server_ssh_set_hostkey_clb(dev_hostkey_clb, dev, NULL);
    nc_server_ssh_set_passwd_auth_clb(dev_passwd_clb, dev, NULL);
    nc_server_ssh_set_pubkey_auth_clb(dev_pubkey_clb, dev, NULL);
    if (dc->password) {
        methods |= NC_SSH_AUTH_PASSWORD;
    }
    if (sim_nkeys) {
        methods |= NC_SSH_AUTH_PUBLICKEY;
    }
    /* nc_accept() runs the SSH handshake and the hello inline, so a client that stalls there
     * stalls this device: keep those waits short. */
    nc_server_set_hello_timeout(10);
    if (nc_server_add_endpt(dc->name, NC_TI_LIBSSH) ||
        nc_server_endpt_set_address(dc->name, "127.0.0.1") ||
        nc_server_ssh_endpt_set_auth_timeout(dc->name, 10) ||
        nc_server_ssh_endpt_add_hostkey(dc->name, "hostkey", -1) ||
        nc_server_ssh_endpt_set_auth_methods(dc->name, methods)) {
        *errmsg = nst_asprintf("device %s: endpoint setup failed", dc->name);
        return NST_EENV;
    }
    if (nc_server_endpt_set_port(dc->name, dc->port)) {
        *errmsg = nst_asprintf("device %s: cannot listen on 127.0.0.1:%u (port in use?)", dc->name,
                               dc->port);
        return NST_EENV;
    }
    dev->ps = nc_ps_new();
    if (!dev->ps) {
        return NST_ENOMEM;
    }
    return NST_OK;
}

static FILE *
dev_open(struct sim_dev *dev, const char *name)
{
    char *path = nst_asprintf("%s/%s", dev->dir, name);
    FILE *f = path ? fopen(path, "w") : NULL;

    nst_free(path);
    return f;
}

int
sim_dev_main(const struct sim_cfg *cfg, const struct sim_dev_cfg *dc, struct ly_ctx *ctx,
             int readyfd, int check_only)
{
    struct sim_dev dev;
    struct sigaction sa;
    char *errmsg = NULL, *pidpath = NULL;
    FILE *f;
    int i, rc = 1;

    memset(&dev, 0, sizeof dev);
    dev.sync_cand_gen = (unsigned long)-1; /* no candidate copied from running yet */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dev_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    dev.cfg = dc;
    dev.ctx = ctx;
    clock_gettime(CLOCK_MONOTONIC, &dev.t0);
    sim_the_dev = &dev;
    dev.dir = nst_asprintf("%s/%s", cfg->statedir, dc->name);
    if (!dev.dir || (mkdir(dev.dir, 0755) && errno != EEXIST)) {
        errmsg = nst_asprintf("device %s: cannot create %s", dc->name, dev.dir ? dev.dir : "?");
        goto cleanup;
    }
    dev.log = dev_open(&dev, "rpc.log");
    dev.xmllog = dev_open(&dev, "rpc-xml.log");
    sim_nclog = dev_open(&dev, "netconf.log");
    if (!dev.log || !dev.xmllog || !sim_nclog) {
        errmsg = nst_asprintf("device %s: cannot write logs in %s", dc->name, dev.dir);
        goto cleanup;
    }
    nc_set_print_clb_session(dev_nc_print);
    ly_log_options(LY_LOSTORE);

    if (sim_store_load_startup(&dev, &errmsg) || dev_load_authkeys(&dev, &errmsg)) {
        goto cleanup;
    }
    if (check_only) {
        /* -n: everything that reads user files was checked; open no port. */
        dev_ready(readyfd, "ok");
        readyfd = -1;
        rc = 0;
        goto cleanup;
    }
    if (dev_server_setup(&dev, &errmsg) || sim_faults_write_initial(&dev) ||
        sim_oper_setup(&dev, &errmsg)) {
        if (!errmsg) {
            errmsg = nst_asprintf("device %s: setup failed", dc->name);
        }
        goto cleanup;
    }
    sim_faults_check(&dev);
    sim_store_dump(&dev);
    pidpath = nst_asprintf("%s/pid", dev.dir);
    f = pidpath ? fopen(pidpath, "w") : NULL;
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    sim_log(&dev, 0, "event=start profile=%s port=%u confirmed-commit=%s -> ok", dc->prof.name,
            dc->port, sim_cc_str(dc->prof.confirmed));
    dev_ready(readyfd, "ok");
    readyfd = -1;

    dev_loop(&dev);

    sim_dev_rollback_cc(&dev, "shutdown");
    sim_log(&dev, 0, "event=stop -> ok");
    rc = 0;

cleanup:
    if (readyfd >= 0) {
        dev_ready(readyfd, errmsg ? errmsg : "setup failed");
    }
    if (dev.ps) {
        nc_ps_clear(dev.ps, 1, dev_sess_free);
        nc_ps_free(dev.ps);
        nc_server_destroy();
    }
    for (i = 0; i < SIM_DS_COUNT; i++) {
        lyd_free_siblings(dev.ds[i]);
    }
    lyd_free_siblings(dev.cc.backup);
    lyd_free_siblings(dev.cand_valid);
    sim_rpc_release_lent(&dev);
    free(dev.run_xml);
    sim_rpc_cache_free(&dev);
    sim_memo_free();
    nst_free(dev.out.buf);
    nst_free(dev.cc.persist);
    sim_faults_clear(&dev.faults);
    nst_free(dev.faults.path);
    for (i = 0; i < sim_nkeys; i++) {
        ssh_key_free(sim_keys[i]);
    }
    nst_free(sim_keys);
    ssh_key_free(dev_hostkey);
    dev_hostkey = NULL;
    if (dev.log) {
        fclose(dev.log);
    }
    if (dev.xmllog) {
        fclose(dev.xmllog);
    }
    if (sim_nclog) {
        fclose(sim_nclog);
    }
    nst_free(pidpath);
    nst_free(dev.dir);
    nst_free(errmsg);
    return rc;
}
