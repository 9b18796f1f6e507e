/*
 * test_log.c: how the library reports and what it leaves alone.
 *   - nst_ctx_set_log_cb(): the callback hears every diagnostic as it is recorded, with
 *     its severity, code, file and line (it never fired before: ctx_log had no caller);
 *   - libyang's process-global log options are never touched: this binary interposes
 *     ly_log_options() and counts the calls (inventory.c flipped them for each load, a
 *     race with a second context on another thread);
 *   - nothing reaches stderr, although libyang 2.1.30 resets the thread's store-only
 *     setting in the middle of parsing an inet:host (an inventory's bad address) and of
 *     evaluating leafrefs (compile): stderr is a file here, checked empty at the end;
 *   - two contexts on two threads loading inventories at once get their own results.
 */
/* cmocka.h needs these first. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "netstitch.h"

#define EX NST_SRCDIR "/examples/twcc-ccx-aws"
#define BAD_INV NST_SRCDIR "/tests/bad/inventory/inv-bad-address.xml"

static int ly_log_options_calls;

/* Interposes libyang's: the executable's definition wins for every caller. */
uint32_t
ly_log_options(uint32_t opts)
{
    uint32_t (*real)(uint32_t) = (uint32_t(*)(uint32_t))dlsym(RTLD_NEXT, "ly_log_options");

    __atomic_add_fetch(&ly_log_options_calls, 1, __ATOMIC_SEQ_CST);
    return real ? real(opts) : 0;
}

struct logged {
    size_t n, errors;
    char first_error[1024];
};

static void
on_log(enum nst_severity level, const char *msg, void *user)
{
    struct logged *l = user;

    l->n++;
    if (level == NST_SEV_ERROR && !l->errors++) {
        snprintf(l->first_error, sizeof l->first_error, "%s", msg);
    }
}

static char stderr_file[] = "/tmp/nst-test-log-XXXXXX";
static int saved_stderr = -1;

static int
setup(void **state)
{
    int fd = mkstemp(stderr_file);

    (void)state;
    if (fd < 0) {
        return -1;
    }
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    unlink(stderr_file);
    return 0;
}

static void
t_log_cb_fires(void **state)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct logged l = {0};

    (void)state;
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    nst_ctx_set_log_cb(ctx, on_log, &l);
    assert_int_equal(
        nst_service_load(ctx, EX "/broken/twcc-ccx-aws-mtu-1496.xml", NST_FORMAT_AUTO, &svc),
        NST_OK);
    assert_int_equal(nst_service_check(svc), NST_ECHECK);
    /* One message per diagnostic, at the diagnostic's severity. */
    assert_true(nst_diag_count(ctx) > 0);
    assert_int_equal(l.n, nst_diag_count(ctx));
    assert_int_equal(l.errors, nst_diag_count_severity(ctx, NST_SEV_ERROR));
    assert_non_null(strstr(l.first_error, "twcc-ccx-aws-mtu-1496.xml:"));
    assert_non_null(strstr(l.first_error, ": MTU-"));
    nst_service_free(svc);

    /* Without a callback nothing is called; a NULL callback is allowed. */
    nst_ctx_set_log_cb(ctx, NULL, NULL);
    l.n = 0;
    assert_int_equal(
        nst_service_load(ctx, EX "/broken/twcc-ccx-aws-mtu-1496.xml", NST_FORMAT_AUTO, &svc),
        NST_OK);
    nst_service_check(svc);
    assert_int_equal(l.n, 0);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

static void
t_inventory_bad_address(void **state)
{
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    struct logged l = {0};

    (void)state;
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    nst_ctx_set_log_cb(ctx, on_log, &l);
    assert_int_not_equal(nst_inventory_load(ctx, BAD_INV, NST_FORMAT_AUTO, &inv), NST_OK);
    assert_null(inv);
    assert_int_equal(l.errors, 1);
    assert_non_null(strstr(l.first_error, "inv-bad-address.xml:4: YANG-INVALID-VALUE: "));
    assert_int_equal(nst_inventory_load(ctx, EX "/inventory.xml", NST_FORMAT_AUTO, &inv), NST_OK);
    nst_inventory_free(inv);
    nst_ctx_free(ctx);
}

static void
t_compile_quiet(void **state)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *c = NULL;

    (void)state;
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    assert_int_equal(nst_service_load(ctx, EX "/service.xml", NST_FORMAT_AUTO, &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &c), NST_OK);
    nst_compiled_free(c);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

/* Two contexts, two threads, inventories loaded at once: each gets its own result. */
static void *
inv_loop(void *arg)
{
    const char *file = arg;
    struct nst_ctx *ctx = NULL;
    struct nst_inventory *inv = NULL;
    long bad = 0;

    if (nst_ctx_new(NULL, &ctx) != NST_OK) {
        return (void *)1;
    }
    for (int i = 0; i < 50; i++) {
        nst_err want = strstr(file, "bad") ? NST_EINPUT : NST_OK;
        nst_err got = nst_inventory_load(ctx, file, NST_FORMAT_AUTO, &inv);

        if ((want == NST_OK) != (got == NST_OK) ||
            (want != NST_OK && nst_diag_count_severity(ctx, NST_SEV_ERROR) != 1)) {
            bad++;
        }
        nst_inventory_free(inv);
        inv = NULL;
        nst_diag_clear(ctx);
    }
    nst_ctx_free(ctx);
    return (void *)bad;
}

static void
t_two_threads(void **state)
{
    pthread_t a, b;
    void *ra, *rb;

    (void)state;
    assert_int_equal(pthread_create(&a, NULL, inv_loop, (void *)BAD_INV), 0);
    assert_int_equal(pthread_create(&b, NULL, inv_loop, (void *)(EX "/inventory.xml")), 0);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    assert_null(ra);
    assert_null(rb);
}

/* Last: what the others left. */
static void
t_nothing_global(void **state)
{
    struct stat st;

    (void)state;
    assert_int_equal(__atomic_load_n(&ly_log_options_calls, __ATOMIC_SEQ_CST), 0);
    fflush(stderr);
    assert_int_equal(stat(stderr_file, &st), 0);
    if (st.st_size) {
        char buf[512] = "";
        FILE *f = fopen(stderr_file, "r");

        if (f) {
            buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
            fclose(f);
        }
        fail_msg("the library wrote %lld bytes to stderr: %s", (long long)st.st_size, buf);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_log_cb_fires),   cmocka_unit_test(t_inventory_bad_address),
        cmocka_unit_test(t_compile_quiet),  cmocka_unit_test(t_two_threads),
        cmocka_unit_test(t_nothing_global),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
