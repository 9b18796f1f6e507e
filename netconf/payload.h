/*
 * payload.h: pure helpers over NETCONF payload texts (payload.c), used by the transaction
 * engine and its unit tests; they need no device.
 *
 * Restore payloads. A device's "touched set" is the set of top-level elements
 * (namespace, local name) of its payload. Restoring a device means: every touched
 * element that the snapshot holds is sent back with nc:operation="replace", every
 * touched element the snapshot lacks is sent with nc:operation="remove" (base:1.1) or
 * "delete" (base:1.0 servers, which lack remove). Elements the payload did not touch are
 * never sent, so a restore cannot disturb configuration outside the transaction.
 */
#ifndef NST_PAYLOAD_H
#define NST_PAYLOAD_H

#include <stddef.h>

#include "netstitch.h"

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
nst_err payload_normalize(const char *xml, char **out, char *why, size_t whylen);

/**
 * @brief The payload that restores the touched set of @p payload to @p before.
 * @param[in] before the snapshot: <get-config> data content (top-level elements), borrowed.
 * @param[in] payload the change, borrowed (only its top-level element names matter).
 * @param[in] base11 1 when the server speaks base:1.1 ("remove"), else "delete" is used.
 * @param[out] out the restore payload, freed with nst_free().
 * @return NST_OK; NST_EINPUT (either text is not well-formed); NST_ENOMEM.
 */
nst_err payload_restore(const char *before, const char *payload, int base11, char **out);

/**
 * @brief Compare the touched set of @p payload in two configurations.
 * @param[in] a, b <get-config> data contents, borrowed.
 * @param[in] payload decides which top-level elements are compared, borrowed.
 * @param[out] equal 1 when every touched element is identical in both (canonical XML,
 *             whitespace between elements ignored), else 0.
 * @return NST_OK; NST_EINPUT; NST_ENOMEM.
 */
nst_err payload_touched_equal(const char *a, const char *b, const char *payload, int *equal);

/**
 * @brief The text of a plain reply's <data> (relay.h) with every text node escaped as
 *        libyang prints it (& < > as entities, quotes raw), markup copied: what
 *        secret_placeholderize() expects of a snapshot.
 * @param[in] in the router's text.
 * @param[out] out newly allocated (nst_free()); written only on success.
 * @return NST_OK; NST_ENOMEM; NST_EINPUT (an entity that is not one of XML's five).
 */
nst_err payload_canonical_text(const char *in, char **out);

#endif
