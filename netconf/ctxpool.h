/*
 * ctxpool.h: one libyang context per device schema set, shared by the sessions that
 * join it (ctxpool.c has the why and the proof; docs/push.md "Shared session contexts").
 *
 * Place in the pipeline: sess_connect() reads the server's <hello> through the relay
 * before libnetconf2 does, asks the pool what to do with it (ctxpool_get), and joins
 * either a private context (as before), the set's context alone to prove it (PROVE), or
 * the proven context beside other sessions (SHARE). Sharing needs a schema cache
 * directory: the set record lives there.
 *
 * Locking (struct ctxpool_lock), four holds on one shared context:
 *   - read: an RPC's CPU parts (build, send, reply parse, trees it returns used and
 *     freed), close-session, sess_ctx_hold() users; many at once;
 *   - join: a connect on the context, for the whole of nc_connect_inout (its own RPC
 *     trees live across round trips); many at once;
 *   - join CPU (the baton): a join's CPU parts, one at a time, and never beside a read
 *     (libnetconf2 toggles the context's options and runs libyang's dep-set code); taken
 *     and released by different threads (the connecting thread and the relay);
 *   - write: a module load after connect (sess_rpc_xml); alone, after every read and
 *     join has left. Writer-preferring.
 * No tree built in a shared context outlives the hold it was built under.
 */
#ifndef NST_CTXPOOL_H
#define NST_CTXPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "netstitch.h"

/** @brief One device message of a join's transcript (the server's, after its hello). */
struct ctxpool_msg {
    char *p;
    size_t len;
};

/** @brief What a connect does with the context of its schema set. */
enum ctxpool_role {
    CTXPOOL_PRIVATE = 0, /**< a private context, as without a pool */
    CTXPOOL_PROVE,       /**< the set's context built from its record, joined alone to
                              prove that a join on it changes nothing */
    CTXPOOL_SHARE        /**< the proven context, joined beside others under the baton,
                              every device message checked against the transcript */
};

struct ctxpool_set;

/**
 * @brief Find the schema set of a server hello and decide how to join.
 * @param[in] hello the server's hello as it arrived (its session-id is ignored). Borrowed.
 * @param[in] len its length.
 * @param[in] schema_dir, cache_dir the context's search dirs (cache_dir required).
 * @param[in] may_share 0: PRIVATE whatever the set's state (the set is still returned,
 *            for ctxpool_record()).
 * @param[out] set the set (lives until process end), or NULL for PRIVATE without a set.
 * @param[out] ctx for PROVE and SHARE the set's context (borrowed; the pool owns it).
 * @return the role. PROVE and SHARE hold the set's join lock (and PROVE its baton):
 *         end with ctxpool_join_done().
 */
enum ctxpool_role ctxpool_get(const char *hello, size_t len, const char *schema_dir,
                              const char *cache_dir, int may_share, struct ctxpool_set **set,
                              struct ly_ctx **ctx);

/**
 * @brief End a PROVE or SHARE join (the caller holds the baton again, see relay.h).
 * @param[in] set the set.
 * @param[in] role what ctxpool_get() returned.
 * @param[in] ok 1: the join succeeded and the context's change count did not move;
 *            0: the count moved; -1: the join failed otherwise (no verdict).
 * @param[in] mismatch a device message differed from the transcript (SHARE).
 * @param[in] msgs for PROVE: the transcript, consumed (freed here). NULL otherwise.
 * @param[in] nmsgs their number.
 */
void ctxpool_join_done(struct ctxpool_set *set, enum ctxpool_role role, int ok, int mismatch,
                       struct ctxpool_msg *msgs, size_t nmsgs);

/**
 * @brief After a private join that succeeded: write the set's record (modules and their
 *        features, and @p cache_dir, where the join published them) when it has none or
 *        a stale one. Takes no lock on @p ctx (private).
 */
void ctxpool_record(struct ctxpool_set *set, const struct ly_ctx *ctx, const char *cache_dir);

/** @brief A session on the set's context (PROVE or SHARE) is freed. Accepts NULL. */
void ctxpool_put(struct ctxpool_set *set);

/** @brief The set's transcript (SHARE): borrowed, lives until process end. */
const struct ctxpool_msg *ctxpool_transcript(const struct ctxpool_set *set, size_t *n);

/** @brief The set's context (borrowed; NULL before it is built). */
struct ly_ctx *ctxpool_ctx(const struct ctxpool_set *set);

/** @brief The context's change count when it was proven. */
uint16_t ctxpool_change_count(const struct ctxpool_set *set);

void ctxpool_read_acquire(struct ctxpool_set *set);
void ctxpool_read_release(struct ctxpool_set *set);
void ctxpool_cpu_acquire(struct ctxpool_set *set);
void ctxpool_cpu_release(struct ctxpool_set *set);
void ctxpool_write_acquire(struct ctxpool_set *set);
void ctxpool_write_release(struct ctxpool_set *set);

/**
 * @brief Whether @p ctx has the ietf-netconf nodes of @p feature ("confirmed-commit" or
 *        "validate") compiled in, whatever its enabled flag says (a pooled context keeps
 *        them compiled in with the flag cleared: ctxpool.c, "Features netstitch turns on
 *        itself"). 0 for any other feature.
 */
int ctxpool_feature_compiled(const struct ly_ctx *ctx, const char *feature);

/**
 * @brief The calling thread's join on @p set (SHARE or PROVE, holding the baton) starts
 *        (@p set) or ends (NULL): its lys_parse_mem() calls on the set's context are
 *        answered from the set's memo where the same parse was seen to change nothing
 *        (ctxpool.c, "The parses a join repeats").
 */
void ctxpool_join_parses(struct ctxpool_set *set);

/** @brief Free a transcript. */
void ctxpool_msgs_free(struct ctxpool_msg *msgs, size_t n);

/** @brief Counters for tests: joins shared, proven, fallen back. */
struct ctxpool_stats {
    unsigned shared, proved, mismatched, records_written, parses_memo;
};
void ctxpool_stats_get(struct ctxpool_stats *st);

/** @brief Destroy every pooled context no session uses (process end, tests). */
void ctxpool_clear(void);

#endif
