/*
 * check_run.h: the helpers the checker's unit tests share (test_check, test_check_ipv6,
 * test_onramp, test_qinq, test_redundancy, test_shared): load a service from text and
 * check it, with the context's diagnostics cleared first, so a test reads only this run's
 * findings; count, list and pick its diagnostics; derive a service from a base text or a
 * file (slurp).
 * Include after <cmocka.h>.
 */
#ifndef NST_TEST_CHECK_RUN_H
#define NST_TEST_CHECK_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstitch.h"

/* The whole file at @path, NUL-terminated (malloc'ed; the test fails when it cannot be read). */
static inline char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *s;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Load @text (XML, named "t.xml" in diagnostics) into @ctx and check it; the service is
 * freed. Returns the load's error, else the check's (NST_OK or NST_ECHECK). */
static inline nst_err
run(struct nst_ctx *ctx, const char *text)
{
    struct nst_service *svc = NULL;
    nst_err err;

    nst_diag_clear(ctx);
    err = nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "t.xml", &svc);
    if (err == NST_OK) {
        err = nst_service_check(svc);
    }
    nst_service_free(svc);
    return err;
}

/* How many of @ctx's diagnostics carry @code. */
static inline size_t
count(struct nst_ctx *ctx, const char *code)
{
    size_t i, n = 0;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        n += !strcmp(nst_diag_code(nst_diag_get(ctx, i)), code);
    }
    return n;
}

/* Print every diagnostic of @ctx (a failing test's context). */
static inline void
dump(struct nst_ctx *ctx)
{
    size_t i;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        print_message("  %s:%u %s %s\n", nst_diag_file(d), nst_diag_line(d), nst_diag_code(d),
                      nst_diag_message(d));
    }
}

/* The diagnostic with @code; fails the test if there is not exactly one. */
static inline const struct nst_diag *
only(struct nst_ctx *ctx, const char *code)
{
    const struct nst_diag *found = NULL;
    size_t i;

    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), code)) {
            found = d;
        }
    }
    if (count(ctx, code) != 1) {
        dump(ctx);
        fail_msg("expected exactly one %s, got %zu", code, count(ctx, code));
    }
    return found;
}

/* @base with the first occurrence of each (old, new) pair replaced; the pairs end with a
 * NULL. Fails the test when an old text is not there. */
static inline char *
edit_first(const char *base, const char *first, ...)
{
    char *s = strdup(base);
    const char *old = first;
    va_list ap;

    va_start(ap, first);
    while (old) {
        const char *new = va_arg(ap, const char *);
        char *at = strstr(s, old), *n;

        if (!at) {
            fail_msg("edit: '%s' not in the base service", old);
        }
        n = malloc(strlen(s) - strlen(old) + strlen(new) + 1);
        memcpy(n, s, (size_t)(at - s));
        strcpy(n + (at - s), new);
        strcat(n, at + strlen(old));
        free(s);
        s = n;
        old = va_arg(ap, const char *);
    }
    va_end(ap);
    return s;
}

/* cmocka fixtures whose state is a bare context. */
static inline int
ctx_setup(void **state)
{
    struct nst_ctx *ctx = NULL;

    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    *state = ctx;
    return 0;
}

static inline int
ctx_teardown(void **state)
{
    nst_ctx_free(*state);
    return 0;
}

#endif
