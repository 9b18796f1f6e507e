/*
 * relay.c: the relay thread between a device's netconf SSH channel and libnetconf2's
 * socket (see relay.h for why and what is checked).
 *
 * One thread per session. After relay_start() it alone uses the SSH session (libssh
 * sessions are not thread-safe); libnetconf2 only sees the socketpair. The loop polls the
 * TCP socket under the SSH session, our end of the socketpair and a wake-up pipe:
 *   device -> client: bytes are read from the channel into `in`, cut into messages by
 *     the current framing (end-of-message "]]>]]>" until both hellos announced base:1.1,
 *     then chunked, RFC 6242), checked (size, time, relay_check_message) and queued,
 *     framed again the same way, in `out`, which is written to the socket as it drains;
 *   client -> device: bytes are written to the channel as they come; only the client's
 *     hello is looked at (for base:1.1).
 * A failed check records the reason (relay_why), shuts our socket down (libnetconf2 reads
 * end of file) and closes the channel. The thread stays until relay_stop().
 *
 * Connect (until relay_connected()): the session must be set up before the connect
 * deadline, or the relay ends it (libnetconf2 alone waits 60 s for a hello and 300 s for a
 * reply). A device that leaves the first request unanswered gets the connect started over
 * on a new netconf channel of the same SSH session, invisibly to libnetconf2
 * (relay_retry; why in relay_from_client).
 *
 * The session's own requests (relay_call; the live diff's <get-config>): the caller's
 * <rpc>, with a message-id of the relay's (RELAY_CALL_ID_BASE and up), is framed and sent
 * from this thread (relay_call_send) while libnetconf2 has nothing outstanding; the device
 * message answering it is checked like any other, then handed to the caller instead of
 * libnetconf2 (relay_call_reply), also dropped when the caller gave up waiting. The check
 * of every message after the first such request also notes whether the reply's <data>
 * content can be used as text (relay_check, struct relay_msg_info; relay.h says when).
 *
 * Main struct: struct relay (its buffers, framing state and the reason). Not done: any
 * change to a message; keep-alives; SSH channel requests other than the subsystem.
 */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "alloc.h"
#include "ctxpool.h"
#include "util.h"

#define RELAY_EOM "]]>]]>"
#define RELAY_BASE11 "urn:ietf:params:netconf:base:1.1"
#define RELAY_HELLO_MAX ((size_t)1 << 20)
#define RELAY_MAX_PENDING ((size_t)64 << 20)
#define RELAY_HELLO_PAUSE_MS 30
/* In the hello of yuma123's netconfd (its own modules' namespaces), the one server known
 * to need the pause (see relay_from_client). */
#define RELAY_YUMA "netconfcentral.org/ns/yuma"
/* How long the device may leave the first request of a connect unanswered before the
 * relay starts that attempt over on a new channel (doubled on each new attempt). */
#define RELAY_FIRST_REPLY_MS 2000
/* Attempts at most (the connect timeout usually ends them first). */
#define RELAY_ATTEMPTS 5
/* Stop reading the device while this much is waiting for libnetconf2. */
#define RELAY_OUT_HIGH ((size_t)8 << 20)
#define RELAY_NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"
/* relay_call()'s message-ids: decimal, above any libnetconf2 reaches in one session, below
 * 2^31 for a device that keeps them in a signed 32-bit integer. */
#define RELAY_CALL_ID_BASE 2000000000UL
/* Deeper <data> content is not taken as text (the mixed-content check's stack). */
#define RELAY_PLAIN_DEPTH 64

/* What relay_check() learns about a message for relay_call(). */
struct relay_msg_info {
    int reply;       /* an <rpc-reply> of base:1.0 */
    char msgid[24];  /* its message-id ("" none or too long) */
    int plain;       /* its one child is <data>, whose content is text as relay.h says */
    size_t data_off; /* that content's bytes */
    size_t data_len;
};

struct relay {
    ssh_session ssh;
    ssh_channel chan;
    int sp[2];   /* sp[0] ours, sp[1] libnetconf2's */
    int wake[2]; /* relay_stop() writes one byte */
    pthread_t th;
    int started;
    int msg_timeout_ms;
    size_t max_msg;
    long long connect_deadline; /* until relay_connected(): the session must be up by then */
    _Atomic int connected;      /* relay_connected() was called */
    _Atomic int retry_first;    /* relay_connected_light(): a light session's first request
                                   (its own, after connected) may still be retried */
    int yuma;                   /* the device's hello is yuma123's (RELAY_YUMA) */
    pthread_mutex_t mu;         /* guards why */
    char why[256];

    /* device -> client */
    struct buf in;       /* received, not yet a whole message */
    size_t scan;         /* EOM framing: bytes of `in` already searched */
    size_t pos;          /* chunked framing: parse position in `in` */
    size_t chunk_left;   /* chunked framing: data bytes left of the current chunk */
    struct buf body;     /* chunked framing: the message so far */
    int chunked;         /* device messages are chunked now */
    int server_hello;    /* 0 none yet, 1 seen without base:1.1, 2 with */
    long long msg_start; /* when the message in progress began (ms), 0 none */
    struct buf out;      /* checked and framed, waiting for libnetconf2 */
    size_t out_off;

    /* client -> device */
    struct buf pend;      /* what the client sent that may not go yet */
    size_t hello_end;     /* length of the client hello at the start of pend, 0 unknown */
    int hello_sent;       /* the client hello went to the device */
    long long hold_until; /* after the hello, pend goes once this has passed */
    struct buf chello;    /* the client's hello until its end marker */
    int client_hello;     /* as server_hello */
    int dead;             /* the session was ended (by us or the device) */

    /* The first request of a connect (see relay_from_client) */
    struct buf replay;    /* every client byte so far, while a retry is still possible */
    size_t chello_len;    /* length of the client hello at the start of replay, 0 unknown */
    int hold_ms;          /* the pause after the client hello on this attempt */
    int hold_fixed;       /* hold_ms comes from the test hook: not chosen by the hello */
    int answered;         /* the device sent a message after its hello on this channel */
    long long first_sent; /* when the first request went on this channel, 0 not yet */
    int wait_ms;          /* how long this attempt may leave it unanswered */
    int attempt;          /* 1 on the first channel */
    int swallow_hello;    /* the next device hello is a new channel's: do not pass it on */

    /* The server hello for relay_peek_hello (guarded by mu, hello_cv signals it). */
    pthread_cond_t hello_cv;
    char *shello;
    size_t shello_len;

    /* A join on a shared context (relay_join_begin .. relay_join_end; ctxpool.h). The
     * baton is the set's join-CPU hold: held while libnetconf2 may work on the context,
     * given back while it waits for a device reply. jset, jheld, jrec guarded by mu. */
    struct ctxpool_set *jset;
    int jheld;  /* the join holds the baton */
    int jcheck; /* check device messages against jexp (else record) */
    const struct ctxpool_msg *jexp;
    size_t njexp;
    struct ctxpool_msg *jrec; /* recorded transcript */
    size_t njrec;
    int jmismatch;        /* a device message differed from jexp */
    unsigned long s_msgs; /* device messages passed on, its hello included */
    unsigned long c_msgs; /* client messages seen while joining */
    char ctail[6];        /* the client's last bytes, for message ends */

    /* The session's own requests (relay_call). call_req, call_id, call_reply, call_done
     * and ended guarded by mu; call_cv signals a reply or the end. call_seq is written by
     * the caller under mu and read by the relay thread. */
    pthread_cond_t call_cv;
    struct buf call_req;            /* the <rpc> to send, unframed; empty once sent */
    unsigned long call_id;          /* the message-id awaited, 0 none */
    _Atomic unsigned long call_seq; /* requests made so far (ids BASE+1 .. BASE+seq) */
    struct relay_reply call_reply;  /* the reply, once call_done */
    int call_done;
    _Atomic int call_waiting; /* call_req is waiting to be sent */
    int ended;                /* relay_kill() ran */
};

static long long
relay_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void relay_baton_take(struct relay *r);

/* End the session: record @why (the first reason wins), make libnetconf2 read end of
 * file, close the channel. During a join on a shared context the baton is taken first:
 * whatever libnetconf2 does with the context after the end of file (it goes on with its
 * pass over the modules) runs under it. */
static void
relay_kill(struct relay *r, const char *why)
{
    pthread_mutex_lock(&r->mu);
    if (!r->why[0]) {
        snprintf(r->why, sizeof r->why, "%s", why);
    }
    r->ended = 1;
    pthread_cond_broadcast(&r->hello_cv);
    pthread_cond_broadcast(&r->call_cv);
    pthread_mutex_unlock(&r->mu);
    if (!r->dead) {
        relay_baton_take(r);
        r->dead = 1;
        shutdown(r->sp[0], SHUT_RDWR);
        if (r->chan && ssh_channel_is_open(r->chan)) {
            ssh_channel_close(r->chan);
        }
    }
}

/* libxml2 errors go nowhere: the relay only needs to know that there was one. */
static void
relay_xml_silent(void *user, xmlErrorPtr e)
{
    (void)user;
    (void)e;
}

/* What the SAX pass found that XML itself allows but NETCONF does not; with @info, also
 * what relay_call() needs to know about a reply (struct relay_msg_info). */
struct relay_xml_seen {
    int dtd;  /* a DOCTYPE */
    int nons; /* an element in no namespace */
    struct relay_msg_info *info;
    const char *msg;
    int depth;
    int top;                               /* element children of the root */
    long data_at;                          /* xmlByteConsumed() at <data>'s start tag, -1 none */
    long data_end;                         /* after its end tag */
    unsigned char text[RELAY_PLAIN_DEPTH]; /* per open element: non-blank text seen */
    unsigned char kids[RELAY_PLAIN_DEPTH]; /* per open element: an element child seen */
};

static void
relay_xml_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    ((struct relay_xml_seen *)((xmlParserCtxtPtr)ctx)->_private)->dtd = 1;
}

/* Whether the namespace declarations @nss (@nns prefix/URI pairs) are at most the default
 * namespace of NETCONF base:1.0. */
static int
relay_only_base_ns(int nns, const xmlChar **nss)
{
    for (int i = 0; i < nns; i++) {
        if (nss[2 * i] || !nss[2 * i + 1] || strcmp((const char *)nss[2 * i + 1], RELAY_NS_BASE)) {
            return 0;
        }
    }
    return 1;
}

static void
relay_xml_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri, int nns,
                const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
    struct relay_xml_seen *seen = ((xmlParserCtxtPtr)ctx)->_private;
    struct relay_msg_info *in = seen->info;
    int base = uri && !strcmp((const char *)uri, RELAY_NS_BASE);

    (void)ndef;
    if (!uri || !*uri) {
        seen->nons = 1;
    }
    seen->depth++;
    if (!in) {
        return;
    }
    if (seen->depth >= 2 && seen->depth - 2 < RELAY_PLAIN_DEPTH) {
        seen->kids[seen->depth - 2] = 1;
        if (seen->text[seen->depth - 2]) {
            in->plain = 0; /* mixed content */
        }
    }
    if (seen->depth - 1 < RELAY_PLAIN_DEPTH) {
        seen->text[seen->depth - 1] = seen->kids[seen->depth - 1] = 0;
    } else {
        in->plain = 0;
    }
    if (seen->depth == 1) {
        in->reply = base && !strcmp((const char *)name, "rpc-reply");
        in->plain = in->reply && !prefix && relay_only_base_ns(nns, nss);
        for (int i = 0; i < nattr; i++) {
            const xmlChar **a = attrs + 5 * i; /* localname, prefix, URI, value, end */
            size_t n = (size_t)(a[4] - a[3]);

            if (!a[1] && !strcmp((const char *)a[0], "message-id") && n < sizeof in->msgid) {
                memcpy(in->msgid, a[3], n);
                in->msgid[n] = '\0';
            }
        }
    } else if (seen->depth == 2) {
        seen->top++;
        if (base && !strcmp((const char *)name, "data") && seen->top == 1) {
            seen->data_at = xmlByteConsumed((xmlParserCtxtPtr)ctx);
            if (prefix || nattr || !relay_only_base_ns(nns, nss)) {
                in->plain = 0;
            }
        } else {
            in->plain = 0; /* <rpc-error>, <ok/>, a second child */
        }
    } else if (prefix || nattr) {
        /* In <data>: a prefixed element has the default namespace of the text around it
         * (an unprefixed value of it would resolve there); attributes are not taken. */
        in->plain = 0;
    }
}

static void
relay_xml_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
    struct relay_xml_seen *seen = ((xmlParserCtxtPtr)ctx)->_private;

    (void)name;
    (void)prefix;
    (void)uri;
    if (seen->depth == 2 && seen->data_at >= 0 && seen->data_end < 0) {
        seen->data_end = xmlByteConsumed((xmlParserCtxtPtr)ctx);
    }
    seen->depth--;
}

static void
relay_xml_text(void *ctx, const xmlChar *ch, int len)
{
    struct relay_xml_seen *seen = ((xmlParserCtxtPtr)ctx)->_private;
    int d = seen->depth - 1;

    for (int i = 0; i < len; i++) {
        if (ch[i] != ' ' && ch[i] != '\t' && ch[i] != '\n' && ch[i] != '\r') {
            if (d < 2 || d >= RELAY_PLAIN_DEPTH || seen->kids[d]) {
                seen->info->plain = 0; /* text in <rpc-reply> or <data>, or mixed */
            } else {
                seen->text[d] = 1;
            }
            return;
        }
    }
}

/* CDATA, a comment or a processing instruction: not taken as text. */
static void
relay_xml_cdata(void *ctx, const xmlChar *ch, int len)
{
    (void)ch;
    (void)len;
    ((struct relay_xml_seen *)((xmlParserCtxtPtr)ctx)->_private)->info->plain = 0;
}

static void
relay_xml_comment(void *ctx, const xmlChar *text)
{
    (void)text;
    ((struct relay_xml_seen *)((xmlParserCtxtPtr)ctx)->_private)->info->plain = 0;
}

static void
relay_xml_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    ((struct relay_xml_seen *)((xmlParserCtxtPtr)ctx)->_private)->info->plain = 0;
}

/* The content of <data> from the SAX positions: libxml2 2.9 reports a start tag at its
 * '>' (or the '/' of "/>") and an end tag after its '>'; anything else is not taken. */
static void
relay_data_span(struct relay_xml_seen *seen, size_t len)
{
    struct relay_msg_info *in = seen->info;
    const char *m = seen->msg;
    long a = seen->data_at, e = seen->data_end;

    if (!in->plain || a < 1 || e <= a || (size_t)e > len) {
        in->plain = 0;
        return;
    }
    if (m[a] == '/' && m[a + 1] == '>' && e == a + 2) {
        in->data_off = (size_t)e;
        in->data_len = 0;
        return;
    }
    if (m[a] != '>') {
        in->plain = 0;
        return;
    }
    while (e > a + 1 && m[e - 1] != '<') {
        e--;
    }
    if (e <= a + 1 || m[e] != '/') {
        in->plain = 0;
        return;
    }
    in->data_off = (size_t)a + 1;
    in->data_len = (size_t)(e - 1) - in->data_off;
    /* A character reference: libyang's print of the value need not spell it the same. */
    if (memmem(m + in->data_off, in->data_len, "&#", 2)) {
        in->plain = 0;
    }
}

static int
relay_check(const char *msg, size_t len, char *why, size_t whylen, struct relay_msg_info *info)
{
    xmlParserCtxtPtr ctxt;
    struct relay_xml_seen seen = {0};
    int ok;

    why[0] = '\0';
    if (info) {
        memset(info, 0, sizeof *info);
        seen.info = info;
        seen.msg = msg;
        seen.data_at = seen.data_end = -1;
    }
    if (len > INT_MAX) {
        snprintf(why, whylen, "message too large");
        return 0;
    }
    ctxt = xmlCreateMemoryParserCtxt(msg, (int)len);
    if (!ctxt) {
        snprintf(why, whylen, "out of memory");
        return 0;
    }
    /* SAX without a tree: the parser still checks well-formedness and namespaces. */
    memset(ctxt->sax, 0, sizeof *ctxt->sax);
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    ctxt->sax->serror = relay_xml_silent;
    ctxt->sax->internalSubset = relay_xml_subset;
    ctxt->sax->startElementNs = relay_xml_start;
    if (info) {
        ctxt->sax->endElementNs = relay_xml_end;
        ctxt->sax->characters = relay_xml_text;
        ctxt->sax->ignorableWhitespace = relay_xml_text;
        ctxt->sax->cdataBlock = relay_xml_cdata;
        ctxt->sax->comment = relay_xml_comment;
        ctxt->sax->processingInstruction = relay_xml_pi;
    }
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    ctxt->_private = &seen;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseDocument(ctxt);
    ok = ctxt->wellFormed && ctxt->nsWellFormed && !seen.dtd && !seen.nons;
    if (!ok) {
        snprintf(why, whylen, "%s",
                 seen.dtd              ? "a DOCTYPE"
                 : !ctxt->wellFormed   ? "XML that is not well-formed"
                 : !ctxt->nsWellFormed ? "an undeclared namespace prefix"
                                       : "an element in no namespace");
    }
    if (info) {
        /* Offsets are of the bytes as given: not after a conversion from another encoding. */
        if (!ok || (ctxt->input && ctxt->input->buf && ctxt->input->buf->encoder) ||
            (ctxt->encoding && strcasecmp((const char *)ctxt->encoding, "UTF-8"))) {
            info->plain = 0;
        }
        relay_data_span(&seen, len);
    }
    xmlFreeParserCtxt(ctxt);
    return ok;
}

int
relay_check_message(const char *msg, size_t len, char *why, size_t whylen)
{
    return relay_check(msg, len, why, whylen, NULL);
}

void
relay_reply_info(const char *msg, size_t len, struct relay_reply *rep)
{
    struct relay_msg_info in;
    char why[160];

    relay_check(msg, len, why, sizeof why, &in);
    rep->plain = in.plain;
    rep->data_off = in.plain ? in.data_off : 0;
    rep->data_len = in.plain ? in.data_len : 0;
}

/* Write @n bytes to the device (blocking, bounded by the SSH timeout). */
static void
relay_to_device(struct relay *r, const char *p, size_t n)
{
    size_t off = 0;
    int w;

    while (off < n && !r->dead) {
        w = ssh_channel_write(r->chan, p + off, (uint32_t)(n - off));
        if (w == SSH_ERROR) {
            relay_kill(r, "the connection to the device failed while sending");
            return;
        }
        off += (size_t)w;
    }
}

static void relay_flush_pend(struct relay *r);

static int
relay_joining(struct relay *r)
{
    int j;

    pthread_mutex_lock(&r->mu);
    j = r->jset != NULL;
    pthread_mutex_unlock(&r->mu);
    return j;
}

/* Take the baton back before libnetconf2 gets a device message of a join. */
static void
relay_baton_take(struct relay *r)
{
    struct ctxpool_set *set;

    pthread_mutex_lock(&r->mu);
    set = r->jheld ? NULL : r->jset;
    pthread_mutex_unlock(&r->mu);
    if (!set) {
        return;
    }
    ctxpool_cpu_acquire(set);
    pthread_mutex_lock(&r->mu);
    if (r->jset == set) {
        r->jheld = 1;
    } else {
        ctxpool_cpu_release(set); /* the join ended meanwhile */
    }
    pthread_mutex_unlock(&r->mu);
}

/* Give the baton away while libnetconf2 waits for the device: it sent more messages than
 * it was given. */
static void
relay_baton_give(struct relay *r)
{
    pthread_mutex_lock(&r->mu);
    if (r->jset && r->jheld && r->c_msgs > r->s_msgs) {
        r->jheld = 0;
        ctxpool_cpu_release(r->jset);
    }
    pthread_mutex_unlock(&r->mu);
}

/* A device message of a join, before it is passed on: its baton, then the transcript
 * (checked or recorded). 0 when it must not be passed on. */
static int
relay_join_msg(struct relay *r, const char *msg, size_t len)
{
    int ok = 1;
    size_t i = r->s_msgs - 1;

    relay_baton_take(r);
    pthread_mutex_lock(&r->mu);
    if (!r->jset) {
        pthread_mutex_unlock(&r->mu);
        return 1;
    }
    if (r->jcheck) {
        ok = i < r->njexp && r->jexp[i].len == len && !memcmp(r->jexp[i].p, msg, len);
        r->jmismatch |= !ok;
    } else {
        struct ctxpool_msg *t = nst_realloc(r->jrec, (r->njrec + 1) * sizeof *t);
        char *copy = nst_strndup(msg, len);

        if (t) {
            r->jrec = t;
        }
        if (!t || !copy) {
            nst_free(copy);
            ok = 0;
        } else {
            r->jrec[r->njrec].p = copy;
            r->jrec[r->njrec++].len = len;
        }
    }
    pthread_mutex_unlock(&r->mu);
    if (!ok) {
        relay_kill(r, r->jmismatch ? "the device's schema set differs from the shared "
                                     "context's record; the attempt was ended"
                                   : "out of memory");
    }
    return ok;
}

/* Count the client's messages while joining: end-of-message framing for the hello (and
 * after it unless both sides announced base:1.1), chunked end markers after it. */
static void
relay_count_client(struct relay *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int chunked = r->c_msgs > 0 && r->client_hello == 2 && r->server_hello == 2;

        memmove(r->ctail, r->ctail + 1, sizeof r->ctail - 1);
        r->ctail[sizeof r->ctail - 1] = p[i];
        if (chunked ? !memcmp(r->ctail + 2, "\n##\n", 4) : !memcmp(r->ctail, RELAY_EOM, 6)) {
            r->c_msgs++;
            memset(r->ctail, 0, sizeof r->ctail);
        }
    }
}

/* Whether a hello (EOM-framed text) announces base:1.1: 2 yes, 1 no. */
static int
relay_hello_kind(const char *msg)
{
    return strstr(msg, RELAY_BASE11) ? 2 : 1;
}

/* A whole device message @msg/@len: check it, queue it framed, note a hello. */
/* A reply to relay_call() (an id of its own, up to the last one made): handed to the
 * caller when awaited, dropped when it came too late; never passed on. 0: not one. */
static int
relay_call_reply(struct relay *r, const char *msg, size_t len, const struct relay_msg_info *in,
                 unsigned long seq)
{
    unsigned long id;
    char *end, *copy;
    int oom = 0;

    if (!in->reply || in->msgid[0] < '1' || in->msgid[0] > '9') {
        return 0;
    }
    errno = 0;
    id = strtoul(in->msgid, &end, 10);
    if (*end || errno || id <= RELAY_CALL_ID_BASE || id > RELAY_CALL_ID_BASE + seq) {
        return 0;
    }
    pthread_mutex_lock(&r->mu);
    if (id == r->call_id && !r->call_done) {
        copy = nst_strndup(msg, len);
        if (copy) {
            r->call_reply.msg = copy;
            r->call_reply.len = len;
            r->call_reply.plain = in->plain;
            r->call_reply.data_off = in->data_off;
            r->call_reply.data_len = in->data_len;
            r->call_done = 1;
            pthread_cond_broadcast(&r->call_cv);
        }
        oom = !copy;
    }
    pthread_mutex_unlock(&r->mu);
    if (oom) {
        relay_kill(r, "out of memory");
    }
    return 1;
}

static void
relay_deliver(struct relay *r, const char *msg, size_t len)
{
    char why[160], head[32], kill[256];
    struct relay_msg_info info;
    unsigned long seq = r->call_seq;
    int hl;

    if (!relay_check(msg, len, why, sizeof why, seq ? &info : NULL)) {
        snprintf(kill, sizeof kill, "the device sent %s; the session was ended", why);
        relay_kill(r, kill);
        return;
    }
    if (!r->server_hello || r->swallow_hello) {
        /* Its first message is the hello (it ends with "]]>]]>" whatever comes later). */
        char *copy = nst_strndup(msg, len);
        int kind = copy ? relay_hello_kind(copy) : 1;

        nst_free(copy);
        if (r->swallow_hello) {
            /* A new channel of a retried connect: libnetconf2 has its hello already. */
            r->swallow_hello = 0;
            if (kind != r->server_hello) {
                relay_kill(r, "the device's new NETCONF session announced another base "
                              "version; the session was ended");
                return;
            }
            relay_flush_pend(r);
            return;
        }
        r->server_hello = kind;
        /* The pause after the client hello is for yuma123 (relay_from_client); every other
         * device gets the first request right behind the hello, as from ncclient. */
        r->yuma = memmem(msg, len, RELAY_YUMA, strlen(RELAY_YUMA)) != NULL;
        if (!r->hold_fixed && r->attempt == 1 && !r->yuma) {
            r->hold_ms = 0;
        }
        pthread_mutex_lock(&r->mu);
        r->shello = nst_strndup(msg, len);
        r->shello_len = r->shello ? len : 0;
        pthread_cond_broadcast(&r->hello_cv);
        pthread_mutex_unlock(&r->mu);
        relay_flush_pend(r);
    } else {
        if (!r->answered) {
            /* The first request was answered: no retry from here on. */
            r->answered = 1;
            buf_clear(&r->replay);
        }
        if (seq && relay_call_reply(r, msg, len, &info, seq)) {
            return;
        }
        if (relay_joining(r) && !relay_join_msg(r, msg, len)) {
            return;
        }
    }
    r->s_msgs++;
    if (r->chunked) {
        hl = snprintf(head, sizeof head, "\n#%zu\n", len);
        if (buf_add(&r->out, head, (size_t)hl) || buf_add(&r->out, msg, len) ||
            buf_add(&r->out, "\n##\n", 4)) {
            relay_kill(r, "out of memory");
        }
    } else if (buf_add(&r->out, msg, len) || buf_add(&r->out, RELAY_EOM, strlen(RELAY_EOM))) {
        relay_kill(r, "out of memory");
    }
}

/* Device framing from the next message on: chunked once both hellos asked for 1.1 (on a
 * retried connect's new channel, once its own hello has arrived). */
static void
relay_update_framing(struct relay *r)
{
    if (!r->chunked && !r->swallow_hello && r->server_hello == 2 && r->client_hello == 2) {
        r->chunked = 1;
    }
}

/* Cut complete messages out of `in`. */
static void
relay_parse(struct relay *r)
{
    char kill[160];

    while (!r->dead && r->in.len) {
        relay_update_framing(r);
        if (!r->msg_start) {
            r->msg_start = relay_now_ms();
        }
        if (!r->chunked) {
            size_t from = r->scan > 5 ? r->scan - 5 : 0;
            char *eom = memmem(r->in.p + from, r->in.len - from, RELAY_EOM, 6);

            if (!eom) {
                r->scan = r->in.len;
                if (r->in.len > r->max_msg + 6) {
                    snprintf(kill, sizeof kill,
                             "the device sent a message larger than %zu bytes; the session "
                             "was ended",
                             r->max_msg);
                    relay_kill(r, kill);
                }
                return;
            }
            relay_deliver(r, r->in.p, (size_t)(eom - r->in.p));
            buf_drop(&r->in, (size_t)(eom - r->in.p) + 6);
            r->scan = 0;
            r->msg_start = 0;
            continue;
        }
        /* Chunked: "\n#LEN\n" DATA ... "\n##\n". */
        if (r->chunk_left) {
            size_t n = r->in.len - r->pos < r->chunk_left ? r->in.len - r->pos : r->chunk_left;

            if (r->body.len + n > r->max_msg) {
                snprintf(kill, sizeof kill,
                         "the device sent a message larger than %zu bytes; the session was "
                         "ended",
                         r->max_msg);
                relay_kill(r, kill);
                return;
            }
            if (buf_add(&r->body, r->in.p + r->pos, n)) {
                relay_kill(r, "out of memory");
                return;
            }
            r->pos += n;
            r->chunk_left -= n;
            if (r->pos == r->in.len) {
                buf_drop(&r->in, r->pos);
                r->pos = 0;
                return;
            }
            continue;
        }
        if (r->in.len - r->pos < 4) {
            return;
        }
        if (r->in.p[r->pos] != '\n' || r->in.p[r->pos + 1] != '#') {
            relay_kill(r, "the device broke NETCONF chunked framing; the session was ended");
            return;
        }
        if (r->in.p[r->pos + 2] == '#') {
            if (r->in.p[r->pos + 3] != '\n' || !r->body.len) {
                relay_kill(r, "the device broke NETCONF chunked framing; the session was ended");
                return;
            }
            relay_deliver(r, r->body.p, r->body.len);
            r->body.len = 0;
            buf_drop(&r->in, r->pos + 4);
            r->pos = 0;
            r->msg_start = 0;
            continue;
        }
        {
            size_t i = r->pos + 2, v = 0;

            while (i < r->in.len && i - r->pos - 2 < 10 && r->in.p[i] >= '0' && r->in.p[i] <= '9') {
                v = v * 10 + (size_t)(r->in.p[i] - '0');
                i++;
            }
            if (i == r->in.len && i - r->pos - 2 < 10) {
                return; /* the size is not complete yet */
            }
            if (r->in.p[i] != '\n' || !v || v > 4294967295u || r->in.p[r->pos + 2] == '0') {
                relay_kill(r, "the device broke NETCONF chunked framing; the session was ended");
                return;
            }
            r->chunk_left = v;
            r->pos = i + 1;
        }
    }
}

/* Send what waits in pend when it may go (see relay_from_client). */
static void
relay_flush_pend(struct relay *r)
{
    if (r->dead || !r->server_hello || r->swallow_hello || !r->pend.len) {
        return;
    }
    if (!r->hello_sent) {
        if (!r->hello_end) {
            return; /* the client hello is not complete yet */
        }
        relay_to_device(r, r->pend.p, r->hello_end);
        buf_drop(&r->pend, r->hello_end);
        r->hello_sent = 1;
        r->hold_until = relay_now_ms() + r->hold_ms;
        if (!r->pend.len) {
            return;
        }
    }
    if (relay_now_ms() >= r->hold_until) {
        relay_to_device(r, r->pend.p, r->pend.len);
        r->pend.len = 0;
        if (!r->first_sent && !r->answered) {
            r->first_sent = relay_now_ms();
        }
    }
}

/*
 * The first request of this attempt went unanswered for wait_ms: start the connect over
 * on a new channel of the same SSH session (a new NETCONF session on the device), with a
 * longer pause after the client hello. libnetconf2 notices nothing: the new device hello
 * is swallowed and everything the client sent is sent again. Only while connecting and
 * before any reply, so every request repeated is one libnetconf2 sends while it sets up
 * the session (<get> of the YANG library, <get-schema>): reading, never changing.
 */
static void
relay_retry(struct relay *r)
{
    ssh_channel chan;
    long long left = r->connected ? r->msg_timeout_ms : r->connect_deadline - relay_now_ms();
    long tsec, tusec;

    if (ssh_channel_is_open(r->chan)) {
        ssh_channel_close(r->chan);
    }
    ssh_channel_free(r->chan);
    r->chan = NULL;
    /* Opening the channel blocks: bound it by what is left of the connect. */
    if (left < 1) {
        left = 1;
    }
    tsec = (long)(left / 1000);
    tusec = (long)(left % 1000) * 1000;
    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT, &tsec);
    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT_USEC, &tusec);
    chan = ssh_channel_new(r->ssh);
    if (!chan || ssh_channel_open_session(chan) != SSH_OK ||
        ssh_channel_request_subsystem(chan, "netconf") != SSH_OK) {
        if (chan) {
            ssh_channel_free(chan);
        }
        r->chan = NULL;
        relay_kill(r, "the device did not answer the first request of the session, and a "
                      "new netconf channel could not be opened");
        return;
    }
    tsec = (long)(r->msg_timeout_ms / 1000) + 1;
    tusec = 0;
    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT, &tsec);
    ssh_options_set(r->ssh, SSH_OPTIONS_TIMEOUT_USEC, &tusec);
    r->chan = chan;
    r->attempt++;
    /* Device side: a fresh channel, end-of-message framing until the hellos. */
    r->in.len = r->body.len = 0;
    r->scan = r->pos = r->chunk_left = 0;
    r->chunked = 0;
    r->msg_start = 0;
    r->swallow_hello = 1;
    /* Client side: all of it again, the hello first. */
    r->pend.len = 0;
    if (buf_add(&r->pend, r->replay.p, r->replay.len)) {
        relay_kill(r, "out of memory");
        return;
    }
    r->hello_end = r->chello_len;
    r->hello_sent = 0;
    r->first_sent = 0;
    r->hold_ms = r->attempt == 2 ? 250 : 1000;
    r->wait_ms *= 2;
}

/*
 * Bytes from libnetconf2 to the device; the first message is the client's hello. Two
 * holds, for yuma123's netconfd (RFC 6241 requires neither): nothing goes before the
 * device's hello has arrived (a client hello that arrives first ends the session,
 * docs/vendors.md B.3), and what follows the client hello goes a moment after it (when
 * the hello and the first RPC arrive together, yuma never answers the RPC). That pause,
 * RELAY_HELLO_PAUSE_MS, is taken only when the device's hello is yuma's (RELAY_YUMA):
 * other servers get the first request right behind the hello, as ncclient sends it, and
 * the connect is that much shorter. The pause is a timing guess that a
 * loaded device misses, so it only makes the loss rare; what makes a connect survive it
 * is the retry (relay_connect_watch, relay_retry): while connecting, every client byte
 * is kept until the device answers, and a first request left unanswered for
 * RELAY_FIRST_REPLY_MS starts the connect over on a new channel. A retry and not a wait
 * for some sign that the device has read the hello: the SSH window adjust only says that
 * sshd passed the bytes on, and yuma sends nothing back for a hello.
 */
static void
relay_from_client(struct relay *r, const char *p, size_t n)
{
    int joining = relay_joining(r);

    if (joining) {
        relay_count_client(r, p, n);
    }
    if (!r->client_hello) {
        char *eom;

        if (buf_add(&r->chello, p, n) || r->chello.len > RELAY_HELLO_MAX) {
            relay_kill(r, "the client hello is too large");
            return;
        }
        eom = strstr(r->chello.p, RELAY_EOM);
        if (eom) {
            /* pend and chello both start at the client's first byte. */
            r->hello_end = (size_t)(eom - r->chello.p) + strlen(RELAY_EOM);
            r->chello_len = r->hello_end;
            *eom = '\0';
            r->client_hello = relay_hello_kind(r->chello.p);
            buf_clear(&r->chello);
        }
    }
    if (buf_add(&r->pend, p, n) || r->pend.len > RELAY_MAX_PENDING) {
        relay_kill(r, "the client sent too much before the device's hello");
        return;
    }
    if (!r->answered && (!r->connected || r->retry_first) && r->attempt < RELAY_ATTEMPTS) {
        if (buf_add(&r->replay, p, n) || r->replay.len > RELAY_MAX_PENDING) {
            relay_kill(r, "the client sent too much before the device's first reply");
            return;
        }
    } else if (r->replay.p) {
        buf_clear(&r->replay);
    }
    relay_flush_pend(r);
    if (joining) {
        relay_baton_give(r);
    }
}

/* Until relay_connected(): end the session at the connect deadline, and start it over when
 * the device leaves the first request unanswered (relay_retry). */
static int
relay_connect_watch(struct relay *r, int timeout)
{
    long long now = relay_now_ms(), left;

    if (r->dead) {
        return timeout;
    }
    if (r->connected) {
        /* A light session on yuma123 (the one server that gets the pause, relay_deliver):
         * its first request, the session's own, is retried as libnetconf2's would be. */
        if (r->retry_first && r->yuma && r->first_sent && !r->answered) {
            long long due = r->first_sent + r->wait_ms - now;

            if (due <= 0 && r->attempt < RELAY_ATTEMPTS && r->replay.len) {
                relay_retry(r);
                return 0;
            }
            return due > 0 && due < timeout ? (int)due : timeout;
        }
        return timeout;
    }
    left = r->connect_deadline - now;
    if (left <= 0) {
        relay_kill(r, r->attempt > 1 ? "the device did not answer the first request of the "
                                       "session within the connect timeout"
                                     : "no NETCONF session within the connect timeout");
        return timeout;
    }
    if (r->first_sent && !r->answered) {
        long long due = r->first_sent + r->wait_ms - now;

        if (due <= 0 && r->attempt < RELAY_ATTEMPTS && r->replay.len) {
            relay_retry(r);
            return 0;
        }
        if (due > 0 && due < left) {
            left = due;
        }
    }
    return left < timeout ? (int)left : timeout;
}

/* Send relay_call()'s request, framed as libnetconf2 frames its own: chunked once both
 * hellos announced base:1.1. After anything of the client's still waiting. */
static void
relay_call_send(struct relay *r)
{
    struct buf f = {0};
    char *req;
    size_t n;

    if (!r->client_hello) {
        return; /* after the client's hello, once read (relay_main calls again) */
    }
    pthread_mutex_lock(&r->mu);
    n = r->call_req.len;
    req = n ? buf_take(&r->call_req) : NULL;
    r->call_waiting = 0;
    pthread_mutex_unlock(&r->mu);
    if (!req) {
        return;
    }
    if (r->client_hello == 2 && r->server_hello == 2) {
        buf_printf(&f, "\n#%zu\n", n);
        buf_add(&f, req, n);
        buf_add(&f, "\n##\n", 4);
    } else {
        buf_add(&f, req, n);
        buf_add(&f, RELAY_EOM, strlen(RELAY_EOM));
    }
    nst_free(req);
    /* Behind the client's hello and its pause (a light session's first request), and kept
     * for a retry while one is possible (relay_connect_watch). */
    if (buf_failed(&f) || buf_add(&r->pend, f.p, f.len) ||
        (r->retry_first && !r->answered && r->attempt < RELAY_ATTEMPTS &&
         buf_add(&r->replay, f.p, f.len))) {
        relay_kill(r, "out of memory");
    } else {
        relay_flush_pend(r);
    }
    buf_clear(&f);
}

static void *
relay_main(void *arg)
{
    struct relay *r = arg;
    char buf[65536], kill[160];
    struct pollfd p[3];
    int n, timeout, tcp = ssh_get_fd(r->ssh);
    ssize_t got;

    ssh_set_log_level(SSH_LOG_NOLOG);
    for (;;) {
        int device_ready = 0, avail;

        if (!r->dead && r->out.len - r->out_off < RELAY_OUT_HIGH) {
            /* libssh may hold channel data already (read while we wrote). */
            avail = ssh_channel_poll(r->chan, 0);
            if (avail > 0) {
                device_ready = 1;
            } else if (avail == SSH_EOF || avail == SSH_ERROR) {
                relay_kill(r, r->in.len || r->body.len
                                  ? "the device closed the connection in the middle of a "
                                    "message"
                                  : "the device closed the connection");
            }
        }
        relay_flush_pend(r);
        timeout = relay_connect_watch(r, 1000);
        if (r->pend.len && r->hello_sent && !r->dead && !r->swallow_hello) {
            long long wait = r->hold_until - relay_now_ms();

            timeout = wait < 0 ? 0 : wait < timeout ? (int)wait : timeout;
        }
        if (r->msg_start && !r->dead) {
            long long left = r->msg_start + r->msg_timeout_ms - relay_now_ms();

            if (left <= 0) {
                snprintf(kill, sizeof kill,
                         "the device took more than %d ms to send one message; the session "
                         "was ended",
                         r->msg_timeout_ms);
                relay_kill(r, kill);
            }
            timeout = left < timeout ? (int)(left > 0 ? left : 0) : timeout;
        }
        p[0].fd = r->wake[0];
        p[0].events = POLLIN;
        p[1].fd = r->dead ? -1 : r->sp[0];
        p[1].events = POLLIN | (r->out.len > r->out_off ? POLLOUT : 0);
        p[2].fd = r->dead || r->out.len - r->out_off >= RELAY_OUT_HIGH ? -1 : tcp;
        p[2].events = POLLIN;
        n = poll(p, 3, device_ready ? 0 : timeout);
        if (n < 0 && errno != EINTR) {
            relay_kill(r, "poll failed");
        }
        if (n > 0 && (p[0].revents & POLLIN)) {
            char wb[16];
            ssize_t k = read(r->wake[0], wb, sizeof wb);

            /* relay_stop() writes a 0, relay_call() a 1. */
            if (k <= 0 || memchr(wb, 0, (size_t)k)) {
                break;
            }
            relay_call_send(r);
        }
        if (r->dead) {
            continue;
        }
        if (n > 0 && (p[1].revents & POLLOUT) && r->out.len > r->out_off) {
            got = write(r->sp[0], r->out.p + r->out_off, r->out.len - r->out_off);
            if (got > 0) {
                r->out_off += (size_t)got;
                if (r->out_off == r->out.len) {
                    r->out.len = r->out_off = 0;
                }
            } else if (got < 0 && errno != EAGAIN && errno != EINTR) {
                relay_kill(r, "the client side closed");
                continue;
            }
        }
        if (n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            got = read(r->sp[0], buf, sizeof buf);
            if (got > 0) {
                relay_from_client(r, buf, (size_t)got);
                if (r->call_waiting) {
                    relay_call_send(r);
                }
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* libnetconf2 is done with the session. */
                relay_kill(r, "");
                continue;
            }
        }
        if (r->dead || r->out.len - r->out_off >= RELAY_OUT_HIGH) {
            continue;
        }
        if (device_ready || (n > 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))) {
            int rd = ssh_channel_read_nonblocking(r->chan, buf, sizeof buf, 0);

            if (rd > 0) {
                if (buf_add(&r->in, buf, (size_t)rd)) {
                    relay_kill(r, "out of memory");
                    continue;
                }
                relay_parse(r);
            } else if (rd == SSH_ERROR || ssh_channel_is_eof(r->chan) ||
                       ssh_channel_is_closed(r->chan)) {
                relay_kill(r, r->in.len || r->body.len
                                  ? "the device closed the connection in the middle of a "
                                    "message"
                                  : "the device closed the connection");
            }
        }
    }
    return NULL;
}

nst_err
relay_start(ssh_session ssh, ssh_channel chan, int msg_timeout_ms, int connect_ms, size_t max_msg,
            struct relay **out, int *nc_fd)
{
    struct relay *r = nst_calloc(1, sizeof *r);
    nst_err ret = NST_OK;

    if (!r) {
        ssh_channel_free(chan);
        ssh_disconnect(ssh);
        ssh_free(ssh);
        return NST_ENOMEM;
    }
    r->ssh = ssh;
    r->chan = chan;
    /* Device messages arrive in reads of up to 64 KiB. */
    r->in.min_cap = r->body.min_cap = r->out.min_cap = 65536;
    r->sp[0] = r->sp[1] = r->wake[0] = r->wake[1] = -1;
    r->msg_timeout_ms = msg_timeout_ms > 0 ? msg_timeout_ms : 30000;
    r->max_msg = max_msg ? max_msg : RELAY_MAX_MESSAGE;
    r->connect_deadline = relay_now_ms() + (connect_ms > 0 ? connect_ms : 1);
    r->hold_ms = RELAY_HELLO_PAUSE_MS;
    {
        /* Test hook (tests/lab/t_relay.sh): the pause of the first attempt, 0 to send the
         * first request right behind the hello, as a slow device sees them. */
        const char *e = getenv("NETSTITCH_TEST_RELAY_PAUSE_MS");

        if (e && *e >= '0' && *e <= '9') {
            r->hold_ms = atoi(e);
            r->hold_fixed = 1;
        }
    }
    r->wait_ms = RELAY_FIRST_REPLY_MS;
    r->attempt = 1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->hello_cv, NULL);
    pthread_cond_init(&r->call_cv, NULL);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r->sp) || pipe2(r->wake, O_CLOEXEC) ||
        fcntl(r->sp[0], F_SETFL, O_NONBLOCK)) {
        ret = NST_EENV;
        goto cleanup;
    }
    if (pthread_create(&r->th, NULL, relay_main, r)) {
        ret = NST_EENV;
        goto cleanup;
    }
    r->started = 1;
    *out = r;
    *nc_fd = r->sp[1];
    return NST_OK;

cleanup:
    relay_stop(r);
    return ret;
}

void
relay_stop(struct relay *r)
{
    char c = 0;

    if (!r) {
        return;
    }
    if (r->started) {
        while (write(r->wake[1], &c, 1) < 0 && errno == EINTR) {
        }
        pthread_join(r->th, NULL);
    }
    if (r->chan) {
        if (ssh_channel_is_open(r->chan)) {
            ssh_channel_close(r->chan);
        }
        ssh_channel_free(r->chan);
    }
    if (r->ssh) {
        ssh_disconnect(r->ssh);
        ssh_free(r->ssh);
    }
    for (int i = 0; i < 2; i++) {
        if (r->sp[i] >= 0) {
            close(r->sp[i]);
        }
        if (r->wake[i] >= 0) {
            close(r->wake[i]);
        }
    }
    buf_clear(&r->in);
    buf_clear(&r->body);
    buf_clear(&r->out);
    buf_clear(&r->chello);
    buf_clear(&r->pend);
    buf_clear(&r->replay);
    nst_free(r->shello);
    ctxpool_msgs_free(r->jrec, r->njrec);
    buf_clear(&r->call_req);
    relay_reply_clear(&r->call_reply);
    pthread_cond_destroy(&r->call_cv);
    pthread_cond_destroy(&r->hello_cv);
    pthread_mutex_destroy(&r->mu);
    nst_free(r);
}

char *
relay_why(struct relay *r, char *buf, size_t len)
{
    buf[0] = '\0';
    if (r) {
        pthread_mutex_lock(&r->mu);
        snprintf(buf, len, "%s", r->why);
        pthread_mutex_unlock(&r->mu);
    }
    return buf;
}

void
relay_connected(struct relay *r)
{
    if (r) {
        r->connected = 1;
    }
}

void
relay_connected_light(struct relay *r)
{
    if (r) {
        r->retry_first = 1;
        r->connected = 1;
    }
}

/* @until = now + @timeout_ms on CLOCK_REALTIME (pthread_cond_timedwait()'s clock). */
static void
relay_deadline(int timeout_ms, struct timespec *until)
{
    clock_gettime(CLOCK_REALTIME, until);
    until->tv_sec += timeout_ms / 1000;
    until->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until->tv_nsec >= 1000000000) {
        until->tv_sec++;
        until->tv_nsec -= 1000000000;
    }
}

nst_err
relay_peek_hello(struct relay *r, int timeout_ms, char **hello, size_t *len)
{
    struct timespec until;
    nst_err ret = NST_EENV;

    relay_deadline(timeout_ms, &until);
    pthread_mutex_lock(&r->mu);
    while (!r->shello && !r->why[0]) {
        if (pthread_cond_timedwait(&r->hello_cv, &r->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
    if (r->shello) {
        *hello = nst_strndup(r->shello, r->shello_len);
        *len = r->shello_len;
        ret = *hello ? NST_OK : NST_ENOMEM;
    }
    pthread_mutex_unlock(&r->mu);
    return ret;
}

void
relay_join_begin(struct relay *r, struct ctxpool_set *set, const struct ctxpool_msg *expect,
                 size_t nexpect)
{
    pthread_mutex_lock(&r->mu);
    r->jset = set;
    r->jheld = 1;
    r->jcheck = expect != NULL;
    r->jexp = expect;
    r->njexp = nexpect;
    r->jmismatch = 0;
    r->c_msgs = 0;
    memset(r->ctail, 0, sizeof r->ctail);
    pthread_mutex_unlock(&r->mu);
}

int
relay_join_end(struct relay *r, int *mismatch, struct ctxpool_msg **rec, size_t *nrec)
{
    int held;

    pthread_mutex_lock(&r->mu);
    held = r->jheld;
    r->jset = NULL;
    r->jheld = 0;
    *mismatch = r->jmismatch;
    if (rec) {
        *rec = r->jrec;
        *nrec = r->njrec;
        r->jrec = NULL;
        r->njrec = 0;
    }
    pthread_mutex_unlock(&r->mu);
    return held;
}

nst_err
relay_call(struct relay *r, const char *op, int timeout_ms, struct relay_reply *out, int *timed_out)
{
    struct timespec until;
    unsigned long id;
    nst_err ret = NST_EENV;
    char one = 1;

    *timed_out = 0;
    relay_deadline(timeout_ms, &until);
    pthread_mutex_lock(&r->mu);
    if (r->ended || r->call_id) {
        pthread_mutex_unlock(&r->mu);
        return NST_EENV;
    }
    id = RELAY_CALL_ID_BASE + r->call_seq + 1;
    buf_clear(&r->call_req);
    if (buf_printf(&r->call_req, "<rpc xmlns=\"%s\" message-id=\"%lu\">", RELAY_NS_BASE, id) ||
        buf_puts(&r->call_req, op) || buf_puts(&r->call_req, "</rpc>")) {
        buf_clear(&r->call_req);
        pthread_mutex_unlock(&r->mu);
        return NST_ENOMEM;
    }
    r->call_seq++;
    r->call_id = id;
    r->call_done = 0;
    r->call_waiting = 1;
    pthread_mutex_unlock(&r->mu);
    while (write(r->wake[1], &one, 1) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&r->mu);
    while (!r->call_done && !r->ended) {
        if (pthread_cond_timedwait(&r->call_cv, &r->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
    if (r->call_done) {
        *out = r->call_reply;
        memset(&r->call_reply, 0, sizeof r->call_reply);
        ret = NST_OK;
    } else {
        *timed_out = !r->ended;
    }
    /* A reply after this is dropped (relay_call_reply). */
    r->call_id = 0;
    r->call_done = 0;
    r->call_waiting = 0;
    buf_clear(&r->call_req);
    pthread_mutex_unlock(&r->mu);
    return ret;
}

void
relay_reply_clear(struct relay_reply *rep)
{
    if (rep) {
        nst_free(rep->msg);
        memset(rep, 0, sizeof *rep);
    }
}
