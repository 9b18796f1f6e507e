/*
 * alloc.c: the allocation wrapper (see alloc.h). A thin layer over malloc with a
 * thread-local fault-injection countdown for tests.
 */
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_countdown = -1;
static _Thread_local long attempts;
static _Thread_local int hooked; /* nst_alloc_fail_after() was called on this thread */

static int
should_fail(void)
{
    attempts++;
    if (fail_countdown < 0) {
        return 0;
    }
    if (fail_countdown == 0) {
        /* One failure per arm: the caller re-arms for the next injection point. */
        fail_countdown = -1;
        return 1;
    }
    fail_countdown--;
    return 0;
}

long
nst_alloc_fail_after(long n)
{
    long seen = attempts;

    hooked = 1;
    attempts = 0;
    fail_countdown = n;
    return seen;
}

int
nst_alloc_hooked(void)
{
    return hooked;
}

void *
nst_malloc(size_t size)
{
    return should_fail() ? NULL : malloc(size ? size : 1);
}

void *
nst_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *
nst_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size ? size : 1);
}

char *
nst_strdup(const char *s)
{
    return s ? nst_strndup(s, strlen(s)) : NULL;
}

char *
nst_strndup(const char *s, size_t n)
{
    char *r;
    size_t len = strnlen(s, n);

    r = nst_malloc(len + 1);
    if (r) {
        memcpy(r, s, len);
        r[len] = '\0';
    }
    return r;
}

char *
nst_asprintf(const char *fmt, ...)
{
    va_list ap;
    int len;
    char *r;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) {
        return NULL;
    }
    r = nst_malloc((size_t)len + 1);
    if (!r) {
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(r, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return r;
}

void
nst_free(void *ptr)
{
    free(ptr);
}
