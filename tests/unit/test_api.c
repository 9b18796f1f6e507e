/*
 * test_api.c: the public API's contracts: version, error strings, NULL-safety of
 * every free, and one context per thread (two threads, two contexts, concurrently,
 * each getting exactly the single-threaded result).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netstitch.h"

#ifndef NST_SRCDIR
#define NST_SRCDIR "."
#endif

struct job {
    const char *file;
    size_t errors, notes;
    int failures;
};

static void
check_once(const char *file, size_t *errors, size_t *notes)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;

    if (nst_ctx_new(NULL, &ctx) != NST_OK) {
        *errors = (size_t)-1;
        return;
    }
    if (nst_service_load(ctx, file, NST_FORMAT_AUTO, &svc) == NST_OK) {
        nst_service_check(svc);
    }
    *errors = nst_diag_count_severity(ctx, NST_SEV_ERROR);
    *notes = nst_diag_count_severity(ctx, NST_SEV_NOTE);
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

static void *
worker(void *arg)
{
    struct job *j = arg;
    int i;

    for (i = 0; i < 20; i++) {
        size_t e, n;

        check_once(j->file, &e, &n);
        if (e != j->errors || n != j->notes) {
            j->failures++;
        }
    }
    return NULL;
}

static void
test_two_contexts_two_threads(void **state)
{
    struct job a = {NST_SRCDIR "/examples/twcc-ccx-aws/service.xml", 0, 0, 0};
    struct job b = {NST_SRCDIR "/examples/twcc-ccx-aws/broken/twcc-ccx-aws-overlap.xml", 0, 0, 0};
    pthread_t ta, tb;

    (void)state;
    /* The single-threaded truth first. */
    check_once(a.file, &a.errors, &a.notes);
    check_once(b.file, &b.errors, &b.notes);
    assert_int_equal(a.errors, 0);
    assert_int_equal(b.errors, 2);
    assert_int_equal(pthread_create(&ta, NULL, worker, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, worker, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.failures, 0);
    assert_int_equal(b.failures, 0);
}

static void
test_version_and_errors(void **state)
{
    char buf[32];

    (void)state;
    snprintf(buf, sizeof buf, "%d.%d.%d", NST_VERSION_MAJOR, NST_VERSION_MINOR, NST_VERSION_PATCH);
    assert_string_equal(nst_version(), buf);
    assert_string_equal(nst_strerror(NST_OK), "success");
    assert_string_equal(nst_strerror(NST_ECHECK), "check failed");
    assert_string_equal(nst_severity_name(NST_SEV_WARNING), "warning");
}

static void
test_null_safety(void **state)
{
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;

    (void)state;
    nst_ctx_free(NULL);
    nst_service_free(NULL);
    nst_compiled_free(NULL);
    nst_free_string(NULL);
    /* The history and the transaction's new calls (netconf/history.c, txn.c). */
    nst_history_free(NULL);
    assert_int_equal(nst_history_count(NULL), 0);
    assert_string_equal(nst_history_field(NULL, 0, NST_HISTORY_ID), "");
    assert_string_equal(nst_history_message(NULL), "");
    assert_int_equal(nst_history_find(NULL, "x"), (size_t)-1);
    assert_int_equal(nst_history_open(NULL, NULL, NULL), NST_EINVAL);
    assert_string_equal(nst_txn_code(NULL), "");
    assert_null(nst_txn_device_payload(NULL, 0));
    assert_int_equal(nst_txn_set_note(NULL, NST_TXN_NOTE_COMMENT, "x"), NST_EINVAL);
    assert_string_equal(nst_strerror(NST_EBUSY), "busy: held by another netstitch process");
    assert_string_equal(nst_strerror(NST_ECONFLICT),
                        "conflict: later changes to the same configuration");
    nst_diag_clear(NULL);
    assert_int_equal(nst_diag_count(NULL), 0);
    assert_null(nst_diag_get(NULL, 0));
    assert_int_equal(nst_ctx_new(NULL, NULL), NST_EINVAL);
    assert_int_equal(nst_ctx_new("/nonexistent", &ctx), NST_EENV);
    assert_null(ctx);
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    assert_int_equal(nst_service_load(ctx, NULL, NST_FORMAT_AUTO, &svc), NST_EINVAL);
    assert_int_equal(nst_service_load(ctx, "/nonexistent.xml", NST_FORMAT_AUTO, &svc), NST_EIO);
    assert_null(svc);
    assert_int_equal(nst_diag_count(ctx), 1);
    assert_string_equal(nst_diag_code(nst_diag_get(ctx, 0)), "IO-READ");
    assert_int_equal(nst_service_check(NULL), NST_EINVAL);
    nst_ctx_free(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_contexts_two_threads),
        cmocka_unit_test(test_version_and_errors),
        cmocka_unit_test(test_null_safety),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
