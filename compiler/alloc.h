/*
 * alloc.h: the one allocation wrapper every netstitch module uses.
 *
 * All heap allocation in the library goes through these functions so that tests can
 * make the Nth allocation fail (nst_alloc_fail_after) and prove that every path
 * handles NULL. The fault-injection countdown is thread-local and only ever set by
 * tests: it is the one piece of library state that does not hang off struct nst_ctx,
 * because allocation happens in helpers that have no context to hand.
 *
 * Memory from these functions is released with nst_free (plain free underneath, so
 * memory handed to or received from libyang/libxml2 that those libraries free with
 * free() stays compatible).
 */
#ifndef NST_ALLOC_H
#define NST_ALLOC_H

#include <stddef.h>

void *nst_malloc(size_t size);
void *nst_calloc(size_t n, size_t size);
void *nst_realloc(void *ptr, size_t size);
char *nst_strdup(const char *s);
char *nst_strndup(const char *s, size_t n);
/* printf into a new string; NULL on failure. */
char *nst_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nst_free(void *ptr);

/*
 * Test hook: make the allocation after the next @n succeed-calls fail (0 = the next
 * one fails); a negative @n disables injection. Returns how many allocations were
 * attempted since the last call, so a test can loop over every injection point.
 */
long nst_alloc_fail_after(long n);

/*
 * Whether the calling thread ever used nst_alloc_fail_after(): work that could be spread
 * over threads (compile.c's render) then stays on the calling thread, whose allocations
 * alone the hook counts and fails.
 */
int nst_alloc_hooked(void);

#endif
