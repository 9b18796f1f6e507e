/*
 * test_multipoint.c: a VPLS's MTU per attachment pair (check_multipoint.c), on the
 * five-vendor VPLS of tests/compile/multipoint/vpls-5-sites.xml: the worst pair is named
 * with what limits it, and a port that cannot be raised moves the worst pair to its site.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netstitch.h"

static char *
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

static const struct nst_diag *
worst(struct nst_ctx *ctx, const char *text, const char *vpls)
{
    struct nst_service *svc = NULL;
    size_t i;

    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load_mem(ctx, text, strlen(text), NST_FORMAT_XML, "t.xml", &svc),
                     NST_OK);
    nst_service_check(svc);
    nst_service_free(svc);
    for (i = 0; i < nst_diag_count(ctx); i++) {
        const struct nst_diag *d = nst_diag_get(ctx, i);

        if (!strcmp(nst_diag_code(d), "VPLS-WORST-PAIR") && strstr(nst_diag_message(d), vpls)) {
            return d;
        }
    }
    fail_msg("no VPLS-WORST-PAIR for %s", vpls);
    return NULL;
}

static void
test_worst_pair(void **state)
{
    char path[1024], *base, *s, *at;
    const char *top = getenv("TOP");
    struct nst_ctx *ctx = NULL;
    const struct nst_diag *d;

    (void)state;
    snprintf(path, sizeof path, "%s/tests/compile/multipoint/vpls-5-sites.xml", top ? top : ".");
    base = slurp(path);
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    d = worst(ctx, base, "apnet-ldp");
    assert_non_null(strstr(nst_diag_message(d), "10 attachment pairs"));
    assert_non_null(strstr(nst_diag_message(d), "core hop"));
    /* pe3-singapore's access port cannot be raised above 1514 (SR OS: IP 1500 less its QinQ). */
    at = strstr(base, "<mtu>1514</mtu>\n      <max-mtu>9800</max-mtu>");
    assert_non_null(at);
    s = strdup(base);
    memcpy(s + (at - base), "<mtu>1514</mtu>\n      <max-mtu>1514</max-mtu>", 43);
    d = worst(ctx, s, "apnet-ldp");
    assert_non_null(strstr(nst_diag_message(d), "pe3-singapore"));
    assert_non_null(strstr(nst_diag_message(d), "the attachment circuit at pe3-singapore"));
    free(s);
    free(base);
    nst_ctx_free(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worst_pair),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
