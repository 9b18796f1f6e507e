/*
 * secret.h: secret placeholders and the one scrubber of the netconf layer (secret.c).
 *
 * A payload names a secret of the inventory's secret list as `$NST_SECRET{name}` (name:
 * the secret's list key, 1..63 characters other than '}' and '<'). secret_scan() lists
 * the names a payload uses; secret_substitute() replaces them, XML-escaped, right before
 * <edit-config>, in a buffer the caller wipes with secret_wipe_free() after the RPC.
 * Texts stored anywhere (the state store) always keep the placeholders:
 * secret_placeholderize() turns device text back into placeholder form.
 *
 * A secret set (struct secret_set) holds the values read for one transaction or diff;
 * secret_set_clear() wipes them. secret_scrub() is the only scrubber: every
 * non-empty value of the set, in each of its three written forms (raw, XML-escaped in
 * full, XML-escaped as element text), becomes SECRET_MASK, however short the value.
 * Everything the layer writes for a human (errors, journal lines, logs, diff output)
 * goes through it.
 *
 * Not here: reading a secret's source (inventory.c: inv_secret_read), the comparison of
 * keys in a diff (diff.c).
 */
#ifndef NST_SECRET_H
#define NST_SECRET_H

#include <stddef.h>

#include "netstitch.h"

/** @brief The placeholder prefix; the full form is `$NST_SECRET{name}`. */
#define SECRET_OPEN "$NST_SECRET{"

/** @brief What a scrubbed secret value reads as (equal to diff.h's DIFF_REDACTED). */
#define SECRET_MASK "********"

/** @brief Secret values by name, read from the inventory's sources. */
struct secret_set {
    char **names;
    char **values; /**< wiped by secret_set_clear() */
    size_t n;
};

/**
 * @brief The secret names a payload uses, each once, in order of first use.
 * @param[out] names NULL-terminated array, freed with secret_names_free(); an empty array
 *             when there are none.
 * @return NST_OK; NST_EINPUT (an unterminated or empty placeholder); NST_ENOMEM.
 */
nst_err secret_scan(const char *payload, char ***names);

/** @brief Free a name array; accepts NULL. */
void secret_names_free(char **names);

/**
 * @brief Replace every placeholder by its value, XML-escaped.
 * @param[in] payload text with placeholders, borrowed.
 * @param[in] set the values, borrowed.
 * @param[out] out the substituted text, freed with secret_wipe_free() (it holds secrets).
 * @return NST_OK; NST_EINPUT (a placeholder names no secret of @p set); NST_ENOMEM.
 */
nst_err secret_substitute(const char *payload, const struct secret_set *set, char **out);

/**
 * @brief The inverse of secret_substitute(), for text that came from a device (snapshots):
 *        every occurrence of a secret's value (raw, or XML-escaped in either the full or
 *        the text-only form) becomes its placeholder. One left-to-right pass, longest
 *        value first, existing placeholders copied verbatim, so secret_substitute() gives
 *        back equivalent XML. Used so that no stored text holds a secret.
 * @param[out] out the text, freed with nst_free().
 * @return NST_OK; NST_ENOMEM.
 */
nst_err secret_placeholderize(const char *text, const struct secret_set *set, char **out);

/** @brief Overwrite a NUL-terminated string with zeros and free it; accepts NULL. */
void secret_wipe_free(char *s);

/**
 * @brief Add secret @name, read from @source (inv_secret_read), unless the set has it.
 * @param[out] why the reason on NST_EINVAL (unreadable source).
 * @return NST_OK; NST_EINVAL (the source cannot be read); NST_ENOMEM.
 */
nst_err secret_set_add(struct secret_set *set, const char *name, const char *source, char *why,
                       size_t whylen);

/** @brief The value of @name in @set, or NULL. */
const char *secret_set_find(const struct secret_set *set, const char *name);

/** @brief Wipe and free every value and name; the set is empty afterwards. */
void secret_set_clear(struct secret_set *set);

/**
 * @brief The one scrubber: @p text with every form of every value of @p set replaced by
 *        SECRET_MASK.
 * @return a new string freed with nst_free(), or NULL when memory ran out.
 */
char *secret_scrub(const struct secret_set *set, const char *text);

/**
 * @brief secret_scrub() into a fixed buffer, in place (truncated to @p len - 1 bytes).
 *        When memory runs out the buffer is blanked rather than left unscrubbed.
 */
void secret_scrub_buf(const struct secret_set *set, char *buf, size_t len);

#endif
