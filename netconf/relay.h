/*
 * relay.h: the guard between a device's SSH channel and libnetconf2 (relay.c).
 *
 * Place in the pipeline: sess_connect() sets up SSH itself, opens the netconf subsystem
 * channel itself, and hands libnetconf2 one end of a socketpair (nc_connect_inout)
 * instead of the SSH session. A relay thread copies bytes between the channel and the
 * socketpair. What the client sends goes through untouched; what the device sends is
 * taken apart into NETCONF messages (RFC 6242 end-of-message and chunked framing) and
 * each message is passed on only once it is complete and has been checked:
 *   - at most RELAY_MAX_MESSAGE bytes (an endless reply cannot exhaust memory);
 *   - complete within the message timeout from its first byte (a reply dribbled a byte
 *     at a time cannot hold the client beyond its RPC timeout: libnetconf2 2.0.24 would
 *     wait up to 300 s);
 *   - well-formed XML, every namespace prefix declared, every element in a namespace,
 *     no DOCTYPE (libyang 2.1.30 crashes on an element in no namespace, undeclared prefix
 *     or xmlns="", followed by a sibling inside <data>: tests/fuzz/regress/reply/);
 *   - correctly framed.
 * A message that fails ends the session: the relay records why, closes the channel and
 * its end of the socketpair, and libnetconf2 sees the transport close. The session layer
 * then reports the reason (relay_why) instead of libnetconf2's "connection closed".
 *
 * While connecting (until relay_connected()), the relay also bounds the connect by its
 * timeout and starts it over on a new channel when the device leaves the first request
 * unanswered (yuma123 loses a request that arrives with the client hello; relay.c).
 *
 * The session can also send a request of its own past libnetconf2 (relay_call): the live
 * diff reads running configuration that way, so that libnetconf2 does not parse the reply
 * into a tree only for the session to print it back (relay_reply: when the device's text
 * of <data> can be used as it is).
 *
 * Not here: anything NETCONF beyond framing, the hello's base capabilities and the
 * message-id of relay_call()'s replies.
 */
#ifndef NST_RELAY_H
#define NST_RELAY_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "ctxpool.h"
#include "netstitch.h"

/* The largest message a device may send (a whole running configuration fits easily). */
#define RELAY_MAX_MESSAGE ((size_t)256 << 20)

struct relay;

/**
 * @brief Start relaying between an open netconf channel and a new socketpair.
 * @param[in] ssh the connected, authenticated SSH session; consumed (freed by
 *            relay_stop(), also on failure here).
 * @param[in] chan the channel with the netconf subsystem started; consumed likewise.
 * @param[in] msg_timeout_ms how long a device message may take from its first byte.
 * @param[in] connect_ms what is left of the connect timeout: unless relay_connected() is
 *            called within it, the relay ends the session (libnetconf2 would wait up to
 *            300 s for a reply during its session setup).
 * @param[in] max_msg the largest device message accepted, in bytes.
 * @param[out] out the relay, stopped and freed with relay_stop().
 * @param[out] nc_fd the socket to hand to nc_connect_inout(); owned by the relay (closed by
 *             relay_stop()).
 * @return NST_OK; NST_ENOMEM; NST_EENV (no socketpair or thread).
 */
nst_err relay_start(ssh_session ssh, ssh_channel chan, int msg_timeout_ms, int connect_ms,
                    size_t max_msg, struct relay **out, int *nc_fd);

/**
 * @brief The NETCONF session is set up (nc_connect_inout returned it): from now on no
 *        connect deadline, and no connect retry (relay.c: relay_retry).
 */
void relay_connected(struct relay *r);

/**
 * @brief As relay_connected(), for a light session (session.h): its hellos are exchanged
 *        and its first request is its own (relay_call()). On yuma123 (the server that
 *        loses a request arriving with the client hello) that request is still retried on
 *        a new channel as libnetconf2's first request would be, until the device answers.
 */
void relay_connected_light(struct relay *r);

/**
 * @brief Stop the relay thread, close the channel, the SSH session and both sockets, and
 *        free the relay. Call after libnetconf2 is done with the socket. Accepts NULL.
 */
void relay_stop(struct relay *r);

/**
 * @brief Why the relay ended the session, or "" when it did not (yet).
 * @param[in] r the relay.
 * @param[out] buf destination, always NUL-terminated.
 * @param[in] len its size.
 * @return @p buf.
 */
char *relay_why(struct relay *r, char *buf, size_t len);

/**
 * @brief Check one device message as the relay does: well-formed XML, every namespace
 *        prefix declared, every element in a namespace, no DOCTYPE. Pure; also used by
 *        sess_reply_parse().
 * @param[in] msg the message (need not be NUL-terminated).
 * @param[in] len its length.
 * @param[out] why the reason on failure, NUL-terminated.
 * @param[in] whylen size of @p why.
 * @return 1 acceptable, 0 not.
 */
int relay_check_message(const char *msg, size_t len, char *why, size_t whylen);

/**
 * @brief A reply to relay_call(). When @p plain, the content of its <data> (data_off,
 *        data_len) can be parsed as it is: parsed into a data tree of a schema-aware
 *        context it gives the tree libyang's print of libnetconf2's parse of the same
 *        reply gives. That is so when the reply is an <rpc-reply> of base:1.0 whose only
 *        child is <data>, neither declares a namespace other than the default base:1.0,
 *        and the content has no prefixed element, no attribute, no text beside elements,
 *        no CDATA, comment, processing instruction or character reference, and is not
 *        deeper than 64, in a UTF-8 message. Anything else (<rpc-error>, a device that
 *        declares prefixes on <rpc-reply>) is for the caller to parse whole.
 */
struct relay_reply {
    char *msg; /* the whole message, NUL-terminated (nst_free) */
    size_t len;
    int plain;
    size_t data_off, data_len;
};

/**
 * @brief Send a request of the session's own and wait for its reply, past libnetconf2: the
 *        relay frames `<rpc message-id="ID">OP</rpc>` with an id of its own, and takes the
 *        reply with that id out of the stream (also one that comes after a timeout). The
 *        device's checks (relay.h) apply to the reply as to every message. libnetconf2
 *        must have no request outstanding on the session (it never sees this one).
 * @param[in] r the relay, after relay_connected().
 * @param[in] op the operation element, e.g. `<get-config xmlns="...">...</get-config>`.
 * @param[in] timeout_ms how long to wait for the reply.
 * @param[out] out the reply (relay_reply_clear()); written only on NST_OK.
 * @param[out] timed_out set to 1 when no reply came in time (the session goes on), 0
 *             otherwise.
 * @return NST_OK; NST_ENOMEM; NST_EENV (no reply in time, or the session ended:
 *         relay_why() says why; or another call is in progress).
 */
nst_err relay_call(struct relay *r, const char *op, int timeout_ms, struct relay_reply *out,
                   int *timed_out);

/**
 * @brief What relay_call() finds in a reply, for a message at hand: sets @p rep's plain,
 *        data_off and data_len (struct relay_reply), nothing else. Pure; for unit tests.
 */
void relay_reply_info(const char *msg, size_t len, struct relay_reply *rep);

/** @brief Free a relay_call() reply's message; accepts an empty one. */
void relay_reply_clear(struct relay_reply *rep);

/**
 * @brief Wait for the device's hello (it is passed on to libnetconf2 as well).
 * @param[in] r the relay.
 * @param[in] timeout_ms how long to wait.
 * @param[out] hello a copy, freed with nst_free(); written only on success.
 * @param[out] len its length.
 * @return NST_OK; NST_ENOMEM; NST_EENV (none in time, or the session ended).
 */
nst_err relay_peek_hello(struct relay *r, int timeout_ms, char **hello, size_t *len);

/**
 * @brief A join on the shared context of @p set begins; the caller holds the set's baton
 *        (ctxpool_get) and hands it to the relay. From now on the relay gives the baton
 *        away whenever libnetconf2 has sent more messages than it was given (it waits for
 *        the device) and takes it back before passing on the next device message; each
 *        device message after the hello is checked against @p expect (mismatch: the
 *        attempt is ended, libnetconf2 reads end of file) or, with @p expect NULL,
 *        recorded.
 * @param[in] r the relay; nc_connect_inout has not run yet.
 * @param[in] set the set; borrowed until relay_join_end().
 * @param[in] expect the transcript to hold the device to, or NULL to record one. Borrowed.
 * @param[in] nexpect its length.
 */
void relay_join_begin(struct relay *r, struct ctxpool_set *set, const struct ctxpool_msg *expect,
                      size_t nexpect);

/**
 * @brief The join ended (nc_connect_inout returned, whatever it returned).
 * @param[out] mismatch 1 when a device message differed from the transcript.
 * @param[out] rec the recorded transcript, returned to the caller (ctxpool_msgs_free), or
 *             NULL: not wanted.
 * @param[out] nrec its length.
 * @return 1 when the join still holds the baton (now the caller's), 0 when it does not
 *         (the caller takes it with ctxpool_cpu_acquire() if it needs it).
 */
int relay_join_end(struct relay *r, int *mismatch, struct ctxpool_msg **rec, size_t *nrec);

#endif
