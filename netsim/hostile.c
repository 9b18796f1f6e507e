/*
 * hostile.c: devices that answer badly, for testing clients against broken or malicious
 * routers. Driven by the faults file (fault.c):
 *
 *   reply garbage RPC          the reply becomes malformed XML (an unfinished element) in a
 *                              correctly framed message
 *   reply truncate RPC [BYTES] the first BYTES (default: half) of the framed reply are sent,
 *                              then the connection is closed in the middle of the reply
 *   reply oversize RPC MIB     the real reply with MIB MiB of whitespace before its end tag
 *   reply slow RPC MS          the real reply in 16-byte pieces, MS milliseconds apart
 *   reply raw RPC FILE         the text of FILE (relative to the device directory) as the
 *                              reply, "$MSGID" in it replaced by the request's message-id
 *
 * RPC is an operation name, `any`, or a pseudo name as for drop-session (confirmed-commit,
 * confirming-commit). Every matching RPC is executed normally; only its reply is changed.
 *
 * How: libnetconf2 2.0.24 has no way to send anything but a well-formed reply, so netsim
 * interposes libssh's ssh_channel_write() (the executable's definition wins over
 * libssh's for libnetconf2's calls; the real one is found with dlsym(RTLD_NEXT)). The
 * device process is single-threaded and libnetconf2 writes a reply right after the RPC
 * callback returns, so sim_rpc_dispatch() arms the fault and the writes that follow are
 * the reply: they are collected until the message's end marker (NETCONF 1.1 "\n##\n" or
 * 1.0 "]]>]]>"), unframed, rewritten, framed again in the session's framing and sent.
 * Nothing changes while no `reply` fault is armed. Every firing is logged to rpc.log as
 * "event=fault kind=reply-MODE".
 *
 * Not done: hostile hellos, replies to RPCs netsim drops, notifications.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libssh/libssh.h>

#include "alloc.h"
#include "netsim.h"

typedef int (*hostile_write_fn)(ssh_channel channel, const void *data, uint32_t len);

static const char *
hostile_mode_name(enum sim_reply_mode m)
{
    switch (m) {
    case SIM_REPLY_GARBAGE:
        return "garbage";
    case SIM_REPLY_TRUNCATE:
        return "truncate";
    case SIM_REPLY_OVERSIZE:
        return "oversize";
    case SIM_REPLY_SLOW:
        return "slow";
    case SIM_REPLY_RAW:
        return "raw";
    }
    return "?";
}

const char *
sim_hostile_parse(struct sim_fault *ft, const char *mode, const char *rpc, const char *arg)
{
    char *end = NULL;

    if (!strcmp(mode, "garbage")) {
        ft->mode = SIM_REPLY_GARBAGE;
    } else if (!strcmp(mode, "truncate")) {
        ft->mode = SIM_REPLY_TRUNCATE;
    } else if (!strcmp(mode, "oversize")) {
        ft->mode = SIM_REPLY_OVERSIZE;
    } else if (!strcmp(mode, "slow")) {
        ft->mode = SIM_REPLY_SLOW;
    } else if (!strcmp(mode, "raw")) {
        ft->mode = SIM_REPLY_RAW;
    } else {
        return "reply: MODE is garbage, truncate, oversize, slow or raw";
    }
    if (ft->mode == SIM_REPLY_RAW) {
        if (!arg) {
            return "reply raw needs a FILE";
        }
        ft->file = nst_strdup(arg);
        if (!ft->file) {
            return "out of memory";
        }
    } else if (arg) {
        if (ft->mode == SIM_REPLY_GARBAGE) {
            return "reply garbage takes no argument";
        }
        ft->arg = strtoul(arg, &end, 10);
        if (*end || (ft->mode == SIM_REPLY_OVERSIZE && (!ft->arg || ft->arg > 4096)) ||
            (ft->mode == SIM_REPLY_SLOW && ft->arg > 60000)) {
            return "reply: bad ARG (truncate: bytes; oversize: 1..4096 MiB; slow: ms <= 60000)";
        }
    } else if (ft->mode == SIM_REPLY_OVERSIZE || ft->mode == SIM_REPLY_SLOW) {
        return "reply oversize/slow needs an ARG";
    }
    ft->rpc = nst_strdup(rpc);
    return ft->rpc ? NULL : "out of memory";
}

void
sim_hostile_arm(struct sim_dev *dev, const char *name, const char *pseudo, uint32_t sid)
{
    const struct sim_fault *ft;
    int i;

    for (i = 0; i < dev->faults.n; i++) {
        ft = &dev->faults.v[i];
        if (ft->kind == SIM_FAULT_REPLY && (!strcmp(ft->rpc, "any") || !strcmp(ft->rpc, name) ||
                                            (pseudo && !strcmp(ft->rpc, pseudo)))) {
            dev->hostile.ft = ft;
            dev->hostile.len = 0;
            sim_log(dev, sid, "event=fault kind=reply-%s line=%d rpc=%s -> fired",
                    hostile_mode_name(ft->mode), ft->line, name);
            return;
        }
    }
}

static void
hostile_sleep_ms(unsigned long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

/* Write all of @len bytes with the real function; -1 on error. */
static int
hostile_send(hostile_write_fn real, ssh_channel ch, const char *p, size_t len)
{
    int w;

    while (len) {
        w = real(ch, p, len > 65536 ? 65536 : (uint32_t)len);
        if (w < 0) {
            return -1;
        }
        if (w == 0) {
            hostile_sleep_ms(1);
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Whether the collected bytes are a whole message; sets *chunked. */
static int
hostile_complete(const struct sim_hostile *h, int *chunked)
{
    *chunked = h->len >= 2 && h->buf[0] == '\n' && h->buf[1] == '#';
    if (*chunked) {
        return h->len >= 4 && !memcmp(h->buf + h->len - 4, "\n##\n", 4);
    }
    return h->len >= 6 && !memcmp(h->buf + h->len - 6, "]]>]]>", 6);
}

/* The message body of the collected bytes (nst_malloc'd, NUL-terminated). */
static char *
hostile_unframe(const struct sim_hostile *h, int chunked)
{
    char *body = nst_malloc(h->len + 1), *end;
    size_t i = 0, o = 0, n;

    if (!body) {
        return NULL;
    }
    if (!chunked) {
        memcpy(body, h->buf, h->len - 6);
        body[h->len - 6] = '\0';
        return body;
    }
    while (i + 2 < h->len && h->buf[i] == '\n' && h->buf[i + 1] == '#' && h->buf[i + 2] != '#') {
        n = strtoul(h->buf + i + 2, &end, 10);
        i = (size_t)(end - h->buf) + 1; /* past the header's '\n' */
        if (i + n > h->len) {
            break;
        }
        memcpy(body + o, h->buf + i, n);
        o += n;
        i += n;
    }
    body[o] = '\0';
    return body;
}

/* Frame @body (one chunk) and send it; with @piece, @piece bytes at a time, @ms apart. */
static int
hostile_send_framed(hostile_write_fn real, ssh_channel ch, int chunked, const char *body,
                    size_t len, size_t piece, unsigned long ms)
{
    char head[32];
    size_t hl = 0, total, off, n;
    char *msg;
    int rc;

    if (chunked) {
        hl = (size_t)snprintf(head, sizeof head, "\n#%zu\n", len);
    }
    total = hl + len + (chunked ? 4 : 6);
    msg = nst_malloc(total);
    if (!msg) {
        return -1;
    }
    memcpy(msg, head, hl);
    memcpy(msg + hl, body, len);
    memcpy(msg + hl + len, chunked ? "\n##\n" : "]]>]]>", chunked ? 4 : 6);
    if (!piece) {
        rc = hostile_send(real, ch, msg, total);
    } else {
        for (rc = 0, off = 0; !rc && off < total; off += n) {
            n = total - off < piece ? total - off : piece;
            rc = hostile_send(real, ch, msg + off, n);
            if (!rc && off + n < total) {
                hostile_sleep_ms(ms);
            }
        }
    }
    nst_free(msg);
    return rc;
}

/* The message-id attribute of @reply into @id ("0" when there is none). */
static void
hostile_msgid(const char *reply, char *id, size_t size)
{
    const char *m = strstr(reply, "message-id=");

    snprintf(id, size, "0");
    if (m && (m[11] == '"' || m[11] == '\'')) {
        snprintf(id, size, "%.*s", (int)strcspn(m + 12, "\"'"), m + 12);
    }
}

/* The text of @file with every "$MSGID" replaced by the message-id of @reply. */
static char *
hostile_raw_text(struct sim_dev *dev, const char *file, const char *reply)
{
    char id[64], *path, *text = NULL, *out = NULL, *p;
    FILE *f;
    long len;
    size_t n = 0, o = 0;

    hostile_msgid(reply, id, sizeof id);
    path = file[0] == '/' ? nst_strdup(file) : nst_asprintf("%s/%s", dev->dir, file);
    f = path ? fopen(path, "r") : NULL;
    nst_free(path);
    if (!f) {
        return nst_strdup("<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"/>");
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
        !(text = nst_malloc((size_t)len + 1)) || fread(text, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        nst_free(text);
        return NULL;
    }
    fclose(f);
    text[len] = '\0';
    for (p = text; (p = strstr(p, "$MSGID")); p += 6) {
        n++;
    }
    out = nst_malloc((size_t)len + n * strlen(id) + 1);
    for (p = text; out && *p;) {
        if (!strncmp(p, "$MSGID", 6)) {
            memcpy(out + o, id, strlen(id));
            o += strlen(id);
            p += 6;
        } else {
            out[o++] = *p++;
        }
    }
    if (out) {
        out[o] = '\0';
    }
    nst_free(text);
    return out;
}

/* The whole reply is collected: rewrite and send it. Returns what ssh_channel_write
 * returns for the last piece libnetconf2 handed over. */
static int
hostile_fire(struct sim_dev *dev, hostile_write_fn real, ssh_channel ch, uint32_t len)
{
    const struct sim_fault *ft = dev->hostile.ft;
    char *body = NULL, *text = NULL, *end, id[64];
    int chunked = 0, rc = 0;
    size_t n, cut;

    hostile_complete(&dev->hostile, &chunked);
    body = hostile_unframe(&dev->hostile, chunked);
    if (!body) {
        rc = -1;
        goto cleanup;
    }
    switch (ft->mode) {
    case SIM_REPLY_GARBAGE:
        hostile_msgid(body, id, sizeof id);
        text = nst_asprintf("<rpc-reply xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\" "
                            "message-id=\"%s\"><ok/></rpc-rep",
                            id);
        rc = text ? hostile_send_framed(real, ch, chunked, text, strlen(text), 0, 0) : -1;
        break;
    case SIM_REPLY_RAW:
        text = hostile_raw_text(dev, ft->file, body);
        rc = text ? hostile_send_framed(real, ch, chunked, text, strlen(text), 0, 0) : -1;
        break;
    case SIM_REPLY_SLOW:
        rc = hostile_send_framed(real, ch, chunked, body, strlen(body), 16, ft->arg);
        break;
    case SIM_REPLY_OVERSIZE:
        /* Whitespace is allowed between the reply's children: the reply stays valid. */
        n = ft->arg << 20;
        end = strstr(body, "</rpc-reply>");
        cut = end ? (size_t)(end - body) : strlen(body);
        text = nst_malloc(strlen(body) + n + 1);
        if (!text) {
            rc = -1;
            break;
        }
        memcpy(text, body, cut);
        memset(text + cut, ' ', n);
        strcpy(text + cut + n, body + cut);
        rc = hostile_send_framed(real, ch, chunked, text, strlen(text), 0, 0);
        break;
    case SIM_REPLY_TRUNCATE:
        cut = ft->arg ? ft->arg : dev->hostile.len / 2;
        if (cut > dev->hostile.len) {
            cut = dev->hostile.len;
        }
        hostile_send(real, ch, dev->hostile.buf, cut);
        /* Close in the middle of the reply: the TCP connection goes, and libnetconf2 sees
         * the write fail and ends the session. */
        shutdown(ssh_get_fd(ssh_channel_get_session(ch)), SHUT_RDWR);
        rc = -1;
        break;
    }

cleanup:
    nst_free(text);
    nst_free(body);
    dev->hostile.ft = NULL;
    dev->hostile.len = 0;
    return rc ? SSH_ERROR : (int)len;
}

/*
 * Replies in whole TCP segments. libnetconf2 2.0.24 writes a reply in pieces of about 1 KB,
 * each its own SSH packet and send(2): a 30 kB <get-config> reply was about 60 segments
 * through loopback, each woken up and read on the other side. After an RPC's callback
 * (rpc.c sets cork_reply), the session's socket is corked (TCP_CORK, tcp(7)) at the
 * reply's first write and uncorked by the device loop once nc_ps_poll() has returned
 * (sim_uncork()): the same bytes in as few segments as the MSS allows, sent no later than
 * before. Only replies: writes inside nc_accept() (the server's hello, after which it
 * waits for the client's) are never corked, they would wait for the kernel's 200 ms.
 */
static void
sim_cork(struct sim_dev *dev, ssh_channel channel)
{
    ssh_session ssh = ssh_channel_get_session(channel);
    int fd = ssh ? ssh_get_fd(ssh) : -1, one = 1;
    unsigned i;

    if (fd < 0) {
        return;
    }
    for (i = 0; i < dev->ncorked; i++) {
        if (dev->corked[i] == fd) {
            return;
        }
    }
    if (dev->ncorked < sizeof dev->corked / sizeof dev->corked[0] &&
        !setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof one)) {
        dev->corked[dev->ncorked++] = fd;
    }
}

static hostile_write_fn hostile_real;

/* libssh's ssh_channel_write(), found once; NULL if it cannot be. */
static hostile_write_fn
hostile_real_write(void)
{
    if (!hostile_real) {
        sim_dlsym(RTLD_NEXT, "ssh_channel_write", &hostile_real);
    }
    return hostile_real;
}

/*
 * A reply in one SSH packet (or as few as libssh's packet size allows). libnetconf2 2.0.24
 * writes a reply 1 KB at a time, each piece as two ssh_channel_write() calls (the chunk's
 * header, then the chunk), each one SSH packet: encrypted, authenticated and sent on its
 * own. While a reply is on its way out (cork_reply), its writes are collected in dev->out
 * and written with one call when the device loop uncorks (nc_ps_poll() has returned: the
 * reply is whole), or before any write to another channel. The bytes and their order on
 * the channel are the same; libnetconf2 is told each piece was written, as it is by a
 * `reply` fault, and a failure shows at the session's next read.
 */
#define SIM_REPLY_KEEP (4u << 20)

static void
sim_reply_flush(struct sim_dev *dev)
{
    hostile_write_fn real = hostile_real_write();

    if (dev->out.len && dev->out.channel && real) {
        hostile_send(real, dev->out.channel, dev->out.buf, dev->out.len);
    }
    dev->out.len = 0;
    dev->out.channel = NULL;
    if (dev->out.cap > SIM_REPLY_KEEP) {
        /* A very large reply's buffer is not kept for the next one. */
        nst_free(dev->out.buf);
        dev->out.buf = NULL;
        dev->out.cap = 0;
    }
}

/* Collect @len bytes for @channel; -1 when they must be written now (out of memory). */
static int
sim_reply_collect(struct sim_dev *dev, ssh_channel channel, const void *data, uint32_t len)
{
    size_t ncap;
    char *nb;

    if (dev->out.channel && dev->out.channel != channel) {
        sim_reply_flush(dev);
    }
    if (dev->out.len + len > dev->out.cap) {
        ncap = (dev->out.len + len) * 2;
        nb = nst_realloc(dev->out.buf, ncap);
        if (!nb) {
            sim_reply_flush(dev);
            return -1;
        }
        dev->out.buf = nb;
        dev->out.cap = ncap;
    }
    memcpy(dev->out.buf + dev->out.len, data, len);
    dev->out.len += len;
    dev->out.channel = channel;
    return 0;
}

void
sim_uncork(struct sim_dev *dev)
{
    int zero = 0;

    sim_reply_flush(dev);
    for (unsigned i = 0; i < dev->ncorked; i++) {
        setsockopt(dev->corked[i], IPPROTO_TCP, TCP_CORK, &zero, sizeof zero);
    }
    dev->ncorked = 0;
    dev->cork_reply = 0;
}

/*
 * The interposed libssh call (see the file comment). Exported from the executable so
 * that libnetconf2's calls bind to it.
 */
__attribute__((visibility("default"))) int
ssh_channel_write(ssh_channel channel, const void *data, uint32_t len)
{
    hostile_write_fn real = hostile_real_write();
    struct sim_dev *dev = sim_dev_get();
    struct sim_hostile *h;
    int chunked;

    if (!real) {
        return SSH_ERROR;
    }
    if (!dev || !dev->hostile.ft) {
        if (dev && dev->cork_reply) {
            sim_cork(dev, channel);
            if (!sim_reply_collect(dev, channel, data, len)) {
                return (int)len;
            }
        } else if (dev) {
            sim_reply_flush(dev);
        }
        return real(channel, data, len);
    }
    h = &dev->hostile;
    if (h->len + len > h->cap) {
        size_t ncap = (h->len + len) * 2;
        char *nb = nst_realloc(h->buf, ncap);

        if (!nb) {
            h->ft = NULL;
            return SSH_ERROR;
        }
        h->buf = nb;
        h->cap = ncap;
    }
    memcpy(h->buf + h->len, data, len);
    h->len += len;
    if (!hostile_complete(h, &chunked)) {
        return (int)len; /* collected; sent once the message is whole */
    }
    return hostile_fire(dev, real, channel, len);
}
