/*
 * health.h: internals of the health check (health.c) that the transaction engine uses
 * for its gate. The public interface is struct nst_health in netstitch.h.
 */
#ifndef NST_HEALTH_H
#define NST_HEALTH_H

#include "netstitch.h"

/**
 * @brief The gate: poll every session until all are healthy and have stayed so for
 *        their stability time (judged only by what is observed from now on, never by an
 *        uptime that may predate the change), or until the deadline.
 * @param[in] h the health check, borrowed.
 * @param[in] known_hosts the state directory's known_hosts file (TOFU), or NULL.
 * @param[in] cache_dir the state directory's schema cache, or NULL.
 * @param[out] why on failure, the sessions that failed and why (one line), always
 *             NUL-terminated.
 * @return NST_OK (healthy); NST_EENV (deadline passed: not healthy, or a device could not
 *         report); NST_ENOMEM.
 */
nst_err health_gate(struct nst_health *h, const char *known_hosts, const char *cache_dir, char *why,
                    size_t whylen);

/**
 * @brief A step of the gate, for the transaction's journal and progress (txn.c).
 * @param dev the device's name; @p step "state-read" (a device's first read, and every
 *        change between a good and a failed read), "healthy" (every gated session of the
 *        device became healthy, once), "flap" (a session of the device flapped: the gate
 *        fails at once); @p result "ok" or "failed"; @p detail the reason ("" when none).
 *        All borrowed for the call.
 */
typedef void (*health_step_fn)(const char *dev, const char *step, const char *result,
                               const char *detail, void *user);

/** @brief Tell @p fn about every step of the next health_gate() (NULL: nobody). */
void health_set_step_cb(struct nst_health *h, health_step_fn fn, void *user);

/** @brief Close every device session the check holds (the gate's end). */
void health_close(struct nst_health *h);

#endif
