/*
 * test_jobs.c: the default number of devices worked on at once (netconf/jobs.c).
 *
 * jobs_count(0, n) is every device, within JOBS_MAX, the file-descriptor limit and the
 * available memory; an explicit count is capped at the devices and at JOBS_MAX. The
 * descriptor bound is checked for real by lowering RLIMIT_NOFILE in this process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "jobs.h"

/* Every device by default, when the limits allow it (this machine has far more than 50
 * sessions' worth of descriptors and memory: the test raises the soft descriptor limit to
 * the hard one first). */
static void
test_default_is_every_device(void **state)
{
    struct rlimit rl;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < JOBS_FDS_RESERVED + 50 * 8) {
        skip();
    }
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_int_equal(jobs_count(0, 1), 1);
    assert_int_equal(jobs_count(0, 50), 50);
    assert_int_equal(jobs_count(0, 0), 1);
    /* More devices than JOBS_MAX: at most JOBS_MAX (or less if memory says so). */
    assert_true(jobs_count(0, 10000) <= JOBS_MAX);
    assert_true(jobs_count(0, 10000) >= 1);
}

/* An explicit --jobs is honoured up to the devices and JOBS_MAX, whatever the limits. */
static void
test_explicit(void **state)
{
    (void)state;
    assert_int_equal(jobs_count(1, 50), 1);
    assert_int_equal(jobs_count(8, 50), 8);
    assert_int_equal(jobs_count(64, 10), 10);
    assert_int_equal(jobs_count(1000, 1000), JOBS_MAX);
}

/* A low descriptor limit bounds the default: (limit - reserved) / per session, at least 1. */
static void
test_fd_limit(void **state)
{
    struct rlimit rl, low;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    low = rl;
    low.rlim_cur = JOBS_FDS_RESERVED + 10 * JOBS_FDS_PER_SESSION;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(jobs_count(0, 50), 10);
    assert_int_equal(jobs_count(0, 5), 5);
    /* The explicit count is the user's decision. */
    assert_int_equal(jobs_count(30, 50), 30);
    low.rlim_cur = JOBS_FDS_RESERVED;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    assert_int_equal(jobs_count(0, 50), 1);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_every_device),
        cmocka_unit_test(test_explicit),
        cmocka_unit_test(test_fd_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
