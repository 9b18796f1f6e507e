/*
 * arena.c: the bump allocator behind the model and the IR (see arena.h). Blocks
 * grow geometrically from 16 KiB; an allocation bigger than a block gets its own.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "arena.h"

struct arena_block {
    struct arena_block *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

void
arena_init(struct arena *a)
{
    memset(a, 0, sizeof *a);
}

void *
arena_alloc(struct arena *a, size_t size)
{
    struct arena_block *b;
    size_t need = (size + 15) & ~(size_t)15;
    void *p;

    if (need < size) {
        return NULL;
    }
    if (!a->head || a->head->size - a->used < need) {
        size_t bsize = a->head ? a->head->size * 2 : 16384;

        if (bsize > (1u << 24)) {
            bsize = 1u << 24;
        }
        if (bsize < need) {
            bsize = need;
        }
        b = nst_malloc(sizeof *b + bsize);
        if (!b) {
            return NULL;
        }
        b->size = bsize;
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    p = a->head->data + a->used;
    a->used += need;
    a->total += need;
    memset(p, 0, size);
    return p;
}

void *
arena_array(struct arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        return NULL;
    }
    return arena_alloc(a, n * size);
}

char *
arena_strdup(struct arena *a, const char *s)
{
    size_t len;
    char *r;

    if (!s) {
        return NULL;
    }
    len = strlen(s);
    r = arena_alloc(a, len + 1);
    if (r) {
        memcpy(r, s, len + 1);
    }
    return r;
}

void
arena_clear(struct arena *a)
{
    struct arena_block *b = a->head, *n;

    while (b) {
        n = b->next;
        nst_free(b);
        b = n;
    }
    arena_init(a);
}
