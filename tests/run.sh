#!/bin/sh
# The test driver behind `make check`: every unit test binary in $BUILD/tests,
# then every script tests/<area>/t_*.sh. A script exits 0 (pass), 77 (skipped) or anything
# else (fail). A skip fails the run too unless it is declared expected on this machine
# (NST_EXPECTED_SKIPS, tests/skips.sh): a green make check means every test ran. Runs from
# the top of the tree.
set -u
BUILD=${BUILD:-build}
export BUILD
export TOP="$(pwd)"
export NETSTITCH="$TOP/$BUILD/netstitch"
export NETSIM="$TOP/$BUILD/netstitch-netsim"
. "$TOP/tests/skips.sh"
pass=0; fail=0; skip=0; failed=""
run() {
    name=$1; shift
    start=$(date +%s)
    # A hung test fails after NST_TEST_TIMEOUT seconds instead of stalling CI.
    out=$(timeout -k 10 "${NST_TEST_TIMEOUT:-300}" "$@" 2>&1); rc=$?
    [ $rc -eq 124 ] && out="$out
TIMEOUT after ${NST_TEST_TIMEOUT:-300}s"
    # cmocka exits 0 when a test called skip(): a unit binary's skip is a skip too.
    [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^\[  SKIPPED \]' && rc=77
    secs=$(( $(date +%s) - start ))
    case $rc in
        0) skip_reason "$name" > /dev/null &&
               echo "note: $name is declared as an expected skip but ran (NST_EXPECTED_SKIPS)"
           pass=$((pass+1)); printf 'PASS %-40s %3ss\n' "$name" "$secs" ;;
        77) if why=$(skip_reason "$name"); then
                skip=$((skip+1)); printf 'SKIP %-40s (%s; declared: %s)\n' "$name" \
                    "$(printf '%s' "$out" | tail -n 1)" "$why"
            else
                fail=$((fail+1)); failed="$failed $name"
                printf 'FAIL %-40s undeclared skip (tests/skips.sh): %s\n' \
                    "$name" "$(printf '%s' "$out" | tail -n 1)"
            fi ;;
        *) fail=$((fail+1)); failed="$failed $name"
           printf 'FAIL %-40s rc=%s\n' "$name" "$rc"; printf '%s\n' "$out" | tail -n 60 | sed 's/^/    /' ;;
    esac
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "unit/$(basename "$t")" "$t"
done
for t in tests/*/t_*.sh; do
    [ -f "$t" ] || continue
    run "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" sh "$t"
done
echo "== $pass passed, $fail failed, $skip skipped"
[ -n "$failed" ] && echo "== failed:$failed"
[ "$fail" -eq 0 ]
