/*
 * srcmap.h: the source map, from a YANG data path to the input line it came from.
 *
 * libyang's data nodes carry no line numbers, yet every diagnostic must name the
 * input's file:line next to the YANG data path. The loader therefore builds a side
 * table from the same text libyang parsed: for every data node, the path that
 * lyd_path(node, LYD_PATH_STD, NULL, 0) prints for it, mapped to the 1-based line
 * where the node starts (the '<' of its start tag in XML; in JSON the member name,
 * or for a list or leaf-list entry the entry's own '{' or value).
 *
 * Paths follow libyang exactly: module prefix on the top node and wherever the
 * module changes, list keys in schema order with canonical values, "[.='v']" for
 * configuration leaf-list entries, "[n]" positions for key-less lists and state
 * leaf-lists, and double quotes when the value holds a single quote.
 *
 * The map is built in time linear in the input (one hash table insert per node)
 * and never reads outside the given buffer; malformed text yields NST_EINPUT.
 * Nodes the schema does not know are skipped, not reported: reporting is libyang's
 * job, the map only has to answer for the nodes libyang accepted.
 */
#ifndef NST_SRCMAP_H
#define NST_SRCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstitch.h"

struct ly_ctx;
struct srcmap;

/* Deepest nesting of data nodes (and of JSON values) the builders accept. */
#define SRCMAP_MAX_DEPTH 256

/**
 * @brief Build the map of an XML (RFC 7950) instance.
 *
 * Several top-level elements are allowed, as in libyang. No entity is expanded and
 * nothing is loaded from the network.
 * @param[in] data the text libyang parsed, need not be NUL-terminated. Borrowed.
 * @param[in] len its length in bytes.
 * @param[in] ly the libyang context whose schema describes the data. Borrowed.
 * @param[out] out the map, freed with srcmap_free(); written only on success.
 * @return NST_OK, NST_EINVAL (NULL argument), NST_ENOMEM, NST_EINPUT (not well-formed
 *         XML, or nested deeper than SRCMAP_MAX_DEPTH).
 */
nst_err srcmap_build_xml(const char *data, size_t len, const struct ly_ctx *ly,
                         struct srcmap **out);

/**
 * @brief Build the map of a JSON (RFC 7951) instance.
 * @param[in] data the text libyang parsed, need not be NUL-terminated. Borrowed.
 * @param[in] len its length in bytes.
 * @param[in] ly the libyang context whose schema describes the data. Borrowed.
 * @param[out] out the map, freed with srcmap_free(); written only on success.
 * @return NST_OK, NST_EINVAL (NULL argument), NST_ENOMEM, NST_EINPUT (not valid JSON,
 *         or nested deeper than SRCMAP_MAX_DEPTH).
 */
nst_err srcmap_build_json(const char *data, size_t len, const struct ly_ctx *ly,
                          struct srcmap **out);

/**
 * @brief Look for a JSON syntax error in @p data with the source map's own scanner
 *        (RFC 8259), for a message and a line libyang's parser does not give: the line
 *        where a value ends when the comma after it is missing, the last line of a
 *        truncated input and the container left open.
 * @param[in] data the text, @p len bytes.
 * @param[in] len its length.
 * @param[out] line where the error is (1-based), may be NULL; written only on true.
 * @param[out] msg a sentence saying what is wrong, may be NULL; written only on true.
 * @param[in] msglen size of @p msg.
 * @return true if the text is not JSON; false if it is, or when the scanner cannot tell
 *         (nesting deeper than SRCMAP_MAX_DEPTH, no memory).
 */
bool srcmap_json_syntax(const char *data, size_t len, uint32_t *line, char *msg, size_t msglen);

/**
 * @brief Line of the node with exactly @p path or, when that node is not in the
 *        input (a default, a missing leaf), of its nearest ancestor that is.
 * @param[in] m the map, may be NULL.
 * @param[in] path a path as printed by lyd_path(node, LYD_PATH_STD, ...), may be NULL.
 * @return the 1-based line, or 0 when neither the path nor any ancestor is known.
 */
uint32_t srcmap_find(const struct srcmap *m, const char *path);

/**
 * @brief Like srcmap_find() without the fallback to ancestors.
 * @param[in] m the map, may be NULL.
 * @param[in] path the path, may be NULL.
 * @return the 1-based line, or 0 when @p path itself is not in the input.
 */
uint32_t srcmap_find_exact(const struct srcmap *m, const char *path);

/**
 * @brief Was the value of the leaf or leaf-list entry at @p path written as an IP
 *        prefix with host bits set (libyang keeps only the canonical network)?
 * @param[in] m the map, may be NULL.
 * @param[in] path the path, may be NULL.
 * @return true when it was.
 */
bool srcmap_host_bits(const struct srcmap *m, const char *path);

/**
 * @brief Number of distinct paths in the map.
 * @param[in] m the map, may be NULL.
 * @return the count, 0 for NULL.
 */
size_t srcmap_count(const struct srcmap *m);

/**
 * @brief Free a map.
 * @param[in] m the map, may be NULL. Consumed.
 */
void srcmap_free(struct srcmap *m);

#endif
