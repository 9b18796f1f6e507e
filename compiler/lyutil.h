/*
 * lyutil.h: small const-correct helpers over libyang. libyang's LYD_NAME macro casts
 * away const, which clang's -Wcast-qual rejects; this does the same without the cast.
 */
#ifndef NST_LYUTIL_H
#define NST_LYUTIL_H

#include <libyang/libyang.h>

static inline const char *
ly_node_name(const struct lyd_node *n)
{
    return n->schema ? n->schema->name : ((const struct lyd_node_opaq *)n)->name.name;
}

#endif
