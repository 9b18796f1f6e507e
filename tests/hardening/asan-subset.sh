#!/bin/sh
# The sanitizer run `make check` affords on every run (the whole suite under ASan and
# valgrind is `make check-asan`, about 7 minutes more): the unit tests, the bad-input
# catalogue and the hardening tests that feed hostile input, against the ASan+UBSan build
# in $BUILD. Same conventions and runner as tests/run.sh (tests/runner.sh: 0 pass, 77 skip, which fails
# unless declared, else fail; NST_TEST_JOBS at a time). Run from the
# top of the tree by the Makefile, which sets CC/SAN/ASAN_OPTIONS.
set -u
BUILD=${BUILD:-build-asan}
export BUILD NST_SANITIZED=1
export TOP="$(pwd)"
export NETSTITCH="$TOP/$BUILD/netstitch"
export NETSIM="$TOP/$BUILD/netstitch-netsim"
. "$TOP/tests/skips.sh"
. "$TOP/tests/runner.sh"
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    job "unit/$(basename "$t")" "$t"
done
for t in tests/bad/t_bad_inputs.sh tests/hardening/t_bounds.sh tests/hardening/t_fuzz_regress.sh \
    tests/hardening/t_hostile.sh tests/hardening/t_secrets.sh tests/hardening/t_statedir.sh \
    tests/push/t_shared_ctx.sh; do
    job "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" sh "$t"
done
run_jobs asan/
