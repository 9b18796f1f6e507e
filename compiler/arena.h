/*
 * arena.h: a bump allocator. A service's model and its check results live in one arena
 * owned by the service (struct nst_service, service.h) and are released in one call
 * (arena_clear). The IR does not: it is a libxml2 document owned by the compile result
 * (struct nst_compiled, compile.h) and freed with it. Allocations are 16-byte aligned
 * and zeroed.
 */
#ifndef NST_ARENA_H
#define NST_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
    size_t used;        /* bytes used in head */
    size_t total;       /* bytes handed out, for reports */
};

void arena_init(struct arena *a);
/* Zeroed memory, NULL on allocation failure. */
void *arena_alloc(struct arena *a, size_t size);
/* Zeroed array of n elements, NULL on failure or overflow. */
void *arena_array(struct arena *a, size_t n, size_t size);
char *arena_strdup(struct arena *a, const char *s);
void arena_clear(struct arena *a);

#endif
