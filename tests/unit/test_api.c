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
    /* Every release function of netstitch.h accepts NULL (tests/api/t_api_surface.sh
     * checks that this list names each one), and so does every setter. */
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
    {
        char *shown = NULL;

        assert_int_equal(nst_txn_diff_print(NULL, NST_DIFF_FORMAT_TREE, 0, &shown), NST_EINVAL);
        assert_null(shown);
    }
    assert_int_equal(nst_txn_set_note(NULL, NST_TXN_NOTE_COMMENT, "x"), NST_EINVAL);
    assert_string_equal(nst_strerror(NST_EBUSY), "busy: held by another netstitch process");
    assert_string_equal(nst_strerror(NST_ECONFLICT),
                        "conflict: later changes to the same configuration");
    nst_inventory_free(NULL);
    nst_txn_free(NULL);
    nst_txn_list_free(NULL);
    nst_diff_free(NULL);
    nst_ctx_set_log_cb(NULL, NULL, NULL);
    nst_txn_set_jobs(NULL, 1);
    nst_txn_set_confirm_timeout(NULL, 1);
    nst_txn_set_flags(NULL, 0);
    nst_txn_set_progress_cb(NULL, NULL, NULL);
    nst_diff_set_jobs(NULL, 1);
    nst_diff_set_flags(NULL, 0);
    nst_health_free(NULL);
    nst_health_set_timing(NULL, 1, 1);
    nst_txn_set_confirm_window(NULL, 1, NULL, NULL);
    assert_int_equal(nst_health_ok(NULL), 0);
    assert_int_equal(nst_health_session_count(NULL), 0);
    assert_int_equal(nst_health_check(NULL, NULL), NST_EINVAL);
    assert_int_equal(nst_health_new(NULL, NULL, NULL), NST_EINVAL);
    assert_int_equal(nst_txn_set_health(NULL, NULL), NST_EINVAL);
    assert_string_equal(nst_txn_health_report(NULL), "");
    assert_null(nst_txn_health(NULL));
    assert_int_equal(nst_txn_window_decide(NULL, "x", 1, 1), NST_EINVAL);
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

/* The first diagnostic with @p code, or NULL. */
static const struct nst_diag *
find_diag(const struct nst_ctx *ctx, const char *code)
{
    for (size_t i = 0; i < nst_diag_count(ctx); i++) {
        if (!strcmp(nst_diag_code(nst_diag_get(ctx, i)), code)) {
            return nst_diag_get(ctx, i);
        }
    }
    return NULL;
}

static void
on_note(enum nst_severity level, const char *msg, void *user)
{
    if (level == NST_SEV_NOTE && strstr(msg, ": compiled ")) {
        snprintf(user, 256, "%s", msg);
    }
}

/* nst_compile_file(): every stage in order, the failing stage named, nothing written on
 * failure; compile of an unchecked or failed service is NOT-CHECKED, not a bare EINVAL. */
static void
test_pipeline(void **state)
{
    const char *ex = NST_SRCDIR "/examples/twcc-ccx-aws/service.xml";
    const char *broken = NST_SRCDIR "/examples/twcc-ccx-aws/broken/twcc-ccx-aws-mtu-1496.xml";
    struct nst_ctx *ctx = NULL;
    struct nst_service *svc = NULL;
    struct nst_compiled *c = NULL;
    enum nst_stage stage = 0;
    char note[256] = "";

    (void)state;
    assert_int_equal(nst_ctx_new(NULL, &ctx), NST_OK);
    nst_ctx_set_log_cb(ctx, on_note, note);
    assert_int_equal(nst_compile_file(ctx, ex, NST_FORMAT_AUTO, NULL, 0, 0, &stage, &svc, &c),
                     NST_OK);
    assert_int_equal(stage, NST_STAGE_DONE);
    assert_non_null(svc);
    assert_int_equal(nst_compiled_device_count(c), 6);
    assert_non_null(nst_compiled_device_payload(c, 0));
    assert_non_null(strstr(note, "service.xml: compiled 6 devices"));
    nst_compiled_free(c);
    nst_service_free(svc);
    c = NULL;
    svc = NULL;

    /* A check error stops the pipeline at the check; nothing is returned. */
    assert_int_equal(nst_compile_file(ctx, broken, NST_FORMAT_AUTO, NULL, 0, 0, &stage, &svc, &c),
                     NST_ECHECK);
    assert_int_equal(stage, NST_STAGE_CHECK);
    assert_null(svc);
    assert_null(c);
    assert_int_equal(nst_compile_file(ctx, NST_SRCDIR "/nonexistent.xml", NST_FORMAT_AUTO, NULL, 0,
                                      0, &stage, &svc, &c),
                     NST_EIO);
    assert_int_equal(stage, NST_STAGE_LOAD);
    /* Check only: no compile result is needed. */
    assert_int_equal(nst_compile_file(ctx, ex, NST_FORMAT_AUTO, NULL, 0, NST_COMPILE_CHECK_ONLY,
                                      &stage, &svc, NULL),
                     NST_OK);
    assert_int_equal(stage, NST_STAGE_DONE);
    nst_service_free(svc);
    svc = NULL;
    assert_int_equal(nst_compile_file(ctx, ex, NST_FORMAT_AUTO, NULL, 0, 0, NULL, &svc, NULL),
                     NST_EINVAL);

    /* Compile without the check, and after a failed check: a coded error. */
    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load(ctx, ex, NST_FORMAT_AUTO, &svc), NST_OK);
    assert_int_equal(nst_service_compile(svc, &c), NST_ECHECK);
    assert_null(c);
    assert_non_null(find_diag(ctx, "NOT-CHECKED"));
    assert_non_null(strstr(nst_diag_message(find_diag(ctx, "NOT-CHECKED")), "was not checked"));
    nst_service_free(svc);
    nst_diag_clear(ctx);
    assert_int_equal(nst_service_load(ctx, broken, NST_FORMAT_AUTO, &svc), NST_OK);
    assert_int_equal(nst_service_check(svc), NST_ECHECK);
    assert_int_equal(nst_service_compile(svc, &c), NST_ECHECK);
    assert_null(c);
    assert_non_null(strstr(nst_diag_message(find_diag(ctx, "NOT-CHECKED")), "reported errors"));
    nst_service_free(svc);
    nst_ctx_free(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_contexts_two_threads),
        cmocka_unit_test(test_version_and_errors),
        cmocka_unit_test(test_null_safety),
        cmocka_unit_test(test_pipeline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
