/*
 * txn.h: internals of the network-wide transaction engine (txn.c) that unit tests and
 * other library stages may use. The engine itself is public (struct nst_txn in
 * netstitch.h); what is declared here are its pure helpers, which need no device:
 * payload normalisation, secret placeholders, the restore payload built from a
 * snapshot, and the comparison that decides whether a device is back where it was.
 *
 * Secret placeholders. A payload names a secret of the inventory's secret list as
 * `$NST_SECRET{name}` (name: the secret's list key, 1..63 characters other than '}').
 * txn_secrets_scan() lists the names a payload uses; txn_substitute() replaces them,
 * XML-escaped, right before <edit-config>, in a buffer the engine wipes after the RPC.
 * Payloads on disk (the state directory) always keep the placeholders.
 *
 * Restore payloads. A device's "touched set" is the set of top-level elements
 * (namespace, local name) of its payload. Restoring a device means: every touched
 * element that the snapshot holds is sent back with nc:operation="replace", every
 * touched element the snapshot lacks is sent with nc:operation="remove" (base:1.1) or
 * "delete" (base:1.0 servers, which lack remove). Elements the payload did not touch are
 * never sent, so a restore cannot disturb configuration outside the transaction.
 */
#ifndef NST_TXN_H
#define NST_TXN_H

#include <stddef.h>

#include "netstitch.h"

/** @brief The placeholder prefix; the full form is `$NST_SECRET{name}`. */
#define TXN_SECRET_OPEN "$NST_SECRET{"

/**
 * @brief Normalise a payload to the content of <config>: drop an XML declaration and
 *        leading comments, unwrap a top-level NETCONF <config> element, check that what
 *        remains is well-formed XML with at least one element.
 * @param[in] xml the payload text, borrowed.
 * @param[out] out the normalised text, freed with nst_free(). Written only on success.
 * @param[out] why the reason on NST_EINPUT, NUL-terminated.
 * @param[in] whylen size of @p why.
 * @return NST_OK; NST_EINPUT (not well-formed, or no element); NST_ENOMEM.
 */
nst_err txn_payload_normalize(const char *xml, char **out, char *why, size_t whylen);

/**
 * @brief The secret names a payload uses, each once, in order of first use.
 * @param[out] names NULL-terminated array, freed with txn_names_free(); an empty array
 *             when there are none.
 * @return NST_OK; NST_EINPUT (an unterminated or empty placeholder); NST_ENOMEM.
 */
nst_err txn_secrets_scan(const char *payload, char ***names);

/** @brief Free a name array; accepts NULL. */
void txn_names_free(char **names);

/**
 * @brief Replace every placeholder by its value, XML-escaped.
 * @param[in] payload text with placeholders, borrowed.
 * @param[in] names, values parallel arrays of @p n secrets, borrowed.
 * @param[out] out the substituted text, freed with txn_wipe_free() (it holds secrets).
 * @return NST_OK; NST_EINPUT (a placeholder names no given secret); NST_ENOMEM.
 */
nst_err txn_substitute(const char *payload, char *const *names, char *const *values, size_t n,
                       char **out);

/**
 * @brief The inverse of txn_substitute(), for text that came from a device (snapshots):
 *        every occurrence of a secret's value (raw, or XML-escaped in either the full or
 *        the text-only form) becomes its placeholder. One left-to-right pass, longest
 *        value first, existing placeholders copied verbatim, so txn_substitute() gives
 *        back equivalent XML. Used so that no state file holds a secret.
 * @param[out] out the text, freed with nst_free().
 * @return NST_OK; NST_ENOMEM.
 */
nst_err txn_placeholderize(const char *text, char *const *names, char *const *values, size_t n,
                           char **out);

/** @brief Overwrite a NUL-terminated string with zeros and free it; accepts NULL. */
void txn_wipe_free(char *s);

/**
 * @brief The payload that restores the touched set of @p payload to @p before.
 * @param[in] before the snapshot: <get-config> data content (top-level elements), borrowed.
 * @param[in] payload the change, borrowed (only its top-level element names matter).
 * @param[in] base11 1 when the server speaks base:1.1 ("remove"), else "delete" is used.
 * @param[out] out the restore payload, freed with nst_free().
 * @return NST_OK; NST_EINPUT (either text is not well-formed); NST_ENOMEM.
 */
nst_err txn_restore_payload(const char *before, const char *payload, int base11, char **out);

/**
 * @brief Compare the touched set of @p payload in two configurations.
 * @param[in] a, b <get-config> data contents, borrowed.
 * @param[in] payload decides which top-level elements are compared, borrowed.
 * @param[out] equal 1 when every touched element is identical in both (canonical XML,
 *             whitespace between elements ignored), else 0.
 * @return NST_OK; NST_EINPUT; NST_ENOMEM.
 */
nst_err txn_touched_equal(const char *a, const char *b, const char *payload, int *equal);

#endif
