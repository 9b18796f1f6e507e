/*
 * revert.h: rollback as a reverse diff (revert.c): the edit that undoes exactly what one
 * transaction changed on one device, and the nodes a later change has touched since.
 *
 * Given a device's configuration before the transaction (B), right after it (A) and now
 * (C), all parsed in the device session's libyang context: the forward diff B -> A
 * (lyd_diff_siblings) is what the transaction changed; reversed (lyd_diff_reverse_all) it
 * is what undoes it. A node of the forward diff whose value now differs from A was
 * changed again by a later transaction: undoing would overwrite that change, so the
 * rollback is refused (a conflict) unless forced. The reverse diff becomes a NETCONF edit:
 * yang:operation create and replace -> merge (the value from B), delete -> remove, none
 * -> no operation (structure only); libyang's other diff metadata is dropped. Nothing
 * outside the forward diff is ever sent, so configuration the transaction did not touch,
 * including later changes next to it, stays as it is.
 */
#ifndef NST_REVERT_H
#define NST_REVERT_H

#include <stddef.h>

#include "netstitch.h"

struct ly_ctx;

/**
 * @brief The edit that undoes B -> A in C.
 * @param[in] ly the device session's context (or any holding the device's models).
 * @param[in] before, after, now <get-config> data contents, borrowed; secrets must be in
 *            the same form (all placeholders, or all values) in the three.
 * @param[out] edit the content of <config> ("" when the transaction changed nothing the
 *             models know), freed with nst_free().
 * @param[out] conflicts "" or the data paths changed since A, one per line, freed with
 *             nst_free().
 * @param[out] why on NST_EINPUT, why a text could not be parsed or diffed.
 * @return NST_OK; NST_EINPUT; NST_ENOMEM.
 */
nst_err revert_edit(struct ly_ctx *ly, const char *before, const char *after, const char *now,
                    char **edit, char **conflicts, char **rev_text, char *why, size_t whylen);

/*
 * The rollback plan of the @i-th device of @txn, for showing it (txn.c): @now the device's
 * running configuration when the plan was made (secrets as placeholders), @rev the reverse
 * diff (libyang diff XML, "" when there is nothing to undo), @driver the driver's name,
 * @ctx the transaction's context. All borrowed. -1 when the device has no reverse diff
 * (not a rollback, or the restore payload of whole top-level elements is sent instead).
 */
struct nst_txn;
struct nst_ctx;
int txn_device_revert_view(const struct nst_txn *txn, size_t i, const char **now, const char **rev,
                           const char **driver, struct nst_ctx **ctx);

#endif
