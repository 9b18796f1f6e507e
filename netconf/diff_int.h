/*
 * diff_int.h: what the three files of the diff module share and nobody else uses.
 *
 * The module (diff.h is its interface):
 *   diff.c        compute: parse the inputs, the ownership algebra, the edit, the drift;
 *   diff_print.c  the text buffer and the vendor-neutral printers (tree, JSON);
 *   diff_cli.c    the vendor CLI printer, an engine driven by each driver's dialect
 *                 (drivers/driver.h struct drv_cli_dialect).
 * The node helpers below are defined in diff.c, the value helpers in diff_print.c.
 */
#ifndef NST_DIFF_INT_H
#define NST_DIFF_INT_H

#include <libyang/libyang.h>

#include "diff.h"

#define DIFF_C_ADD "\033[32m"
#define DIFF_C_DEL "\033[31m"
#define DIFF_C_NOTE "\033[33m"
#define DIFF_C_HEAD "\033[1m"
#define DIFF_C_OFF "\033[0m"

/* diff.c: nodes */

/* A node the algebra looks at: schema-backed, explicit, not a list key. */
int diff_usable(const struct lyd_node *n);
/* A leaf or leaf-list. */
int diff_is_term(const struct lyd_node *n);
/* The node's canonical value, "" for none. Borrowed from the tree. */
const char *diff_value(const struct lyd_node *n);
/* The node of @siblings that is the same data node as @n (diff.c explains), or NULL. */
struct lyd_node *diff_match(const struct lyd_node *siblings, const struct lyd_node *n);
/* The first child of @n, NULL for NULL. */
struct lyd_node *diff_child(const struct lyd_node *n);
/* The effective yang:operation of a diff node ("none" when no node up the tree has one). */
const char *diff_op(const struct lyd_node *n);
/* lyd_diff_siblings(@first, @second, 0, @diff) (*@diff NULL when in sync), walked by netstitch
 * where it can mirror libyang, else libyang's; NST_ENOMEM, NST_EINTERNAL. */
nst_err diff_siblings(const struct lyd_node *first, const struct lyd_node *second,
                      struct lyd_node **diff);

/* A user-ordered list or leaf-list entry held twice among @first and its siblings'
 * subtrees (libyang 2.1.30's own diff crashes on those; diff_siblings() refuses them), or
 * NULL. */
const struct lyd_node *diff_userord_twice(const struct lyd_node *first);

/* The pieces behind the fast paths, for tests/diff/diff_unit.c to hold against the slow ones. */

/* netstitch's walk alone: *@other set (and *@diff NULL) where it does not mirror libyang. */
nst_err diff_siblings_walk(const struct lyd_node *first, const struct lyd_node *second,
                           struct lyd_node **diff, int *other);
/* @p (@len bytes) without the blanks between tags libyang skips, *@out NULL when none. */
nst_err diff_compact(const char *p, size_t len, char **out);
/* A tree parsed with LYD_PARSE_ORDERED is the usual parse's (call with @sparent NULL). */
int diff_in_schema_order(const struct lyd_node *first, const struct lysc_node *sparent);
/* R' would be R itself: diff_prune_copy(@src, @s1, @s2) gives @src node for node. */
int diff_prune_is_identity(const struct lyd_node *src, const struct lyd_node *s1,
                           const struct lyd_node *s2);
/* R' as a copy: the nodes of @src that match @s1 or @s2, empty non-presence containers
 * dropped. Freed with lyd_free_siblings(). */
nst_err diff_prune_copy(const struct lyd_node *src, const struct lyd_node *s1,
                        const struct lyd_node *s2, struct lyd_node **out);

/* diff_print.c: values as the printers show them */

/* @s with &, <, > escaped. */
void diff_xml_text(struct diff_buf *b, const char *s);
/* @v bare when it is one simple word, else in double quotes with \ escapes. */
void diff_word(struct diff_buf *b, const char *v);
/* The value shown for a leaf: identities without their module. */
const char *diff_shown(const struct lyd_node *n);
/* A leaf of type empty. */
int diff_is_empty_type(const struct lyd_node *n);
/* The value a replaced leaf had (yang:orig-value), "" when none. */
const char *diff_orig_value(const struct lyd_node *n);
/* "name" or "name key1 key2" for a list instance. */
void diff_node_head(struct diff_buf *b, const struct lyd_node *n);

#endif
