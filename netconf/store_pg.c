/*
 * store_pg.c: the PostgreSQL backend of the state store (store.h), for a team sharing one
 * store: selected by a postgresql:// location. Not built yet: opening one reports so.
 */
#include "store_impl.h"

#include <stdio.h>

nst_err
store_pg_open(struct store *s, const char *url, char *why, size_t whylen)
{
    (void)s;
    (void)url;
    snprintf(why, whylen, "this netstitch has no PostgreSQL state store yet (%s)", s->location);
    return NST_EINVAL;
}
