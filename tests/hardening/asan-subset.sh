#!/bin/sh
# The sanitizer run `make check` affords on every run (the whole suite under ASan and
# valgrind is `make check-asan`, about 7 minutes more): the unit tests, the bad-input
# catalogue and the hardening tests that feed hostile input, against the ASan+UBSan build
# in $BUILD. Same conventions as tests/run.sh (0 pass, 77 skip, which fails unless declared, else fail). Run from the
# top of the tree by the Makefile, which sets CC/SAN/ASAN_OPTIONS.
set -u
BUILD=${BUILD:-build-asan}
export BUILD NST_SANITIZED=1
export TOP="$(pwd)"
export NETSTITCH="$TOP/$BUILD/netstitch"
export NETSIM="$TOP/$BUILD/netstitch-netsim"
. "$TOP/tests/skips.sh"
pass=0; fail=0; skip=0; failed=""
run() {
    name=$1; shift
    start=$(date +%s)
    out=$("$@" 2>&1); rc=$?
    # cmocka exits 0 when a test called skip(): a unit binary's skip is a skip too.
    [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^\[  SKIPPED \]' && rc=77
    secs=$(( $(date +%s) - start ))
    case $rc in
        0) skip_reason "$name" > /dev/null &&
               echo "note: $name is declared as an expected skip but ran (NST_EXPECTED_SKIPS)"
           pass=$((pass+1)); printf 'PASS asan/%-35s %3ss\n' "$name" "$secs" ;;
        77) if why=$(skip_reason "$name"); then
                skip=$((skip+1)); printf 'SKIP asan/%-35s (%s; declared: %s)\n' "$name" \
                    "$(printf '%s' "$out" | tail -n 1)" "$why"
            else
                fail=$((fail+1)); failed="$failed $name"
                printf 'FAIL asan/%-35s undeclared skip (tests/skips.sh): %s\n' \
                    "$name" "$(printf '%s' "$out" | tail -n 1)"
            fi ;;
        *) fail=$((fail+1)); failed="$failed $name"
           printf 'FAIL asan/%-35s rc=%s\n' "$name" "$rc"; printf '%s\n' "$out" | tail -n 60 | sed 's/^/    /' ;;
    esac
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "unit/$(basename "$t")" "$t"
done
for t in tests/bad/t_bad_inputs.sh tests/hardening/t_bounds.sh tests/hardening/t_fuzz_regress.sh \
    tests/hardening/t_hostile.sh tests/hardening/t_secrets.sh tests/hardening/t_statedir.sh \
    tests/push/t_shared_ctx.sh; do
    run "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" sh "$t"
done
echo "== asan: $pass passed, $fail failed, $skip skipped"
[ -n "$failed" ] && echo "== asan failed:$failed"
[ "$fail" -eq 0 ]
