#!/bin/sh
# The sanitizer run `make check` affords on every run (the whole suite under ASan and
# valgrind is `make check-asan`, about 7 minutes more): the unit tests, the bad-input
# catalogue and the hardening tests that feed hostile input, against the ASan+UBSan build
# in $BUILD. Same conventions as tests/run.sh (0 pass, 77 skip, else fail). Run from the
# top of the tree by the Makefile, which sets CC/SAN/ASAN_OPTIONS.
set -u
BUILD=${BUILD:-build-asan}
export BUILD NST_SANITIZED=1
export TOP="$(pwd)"
export NETSTITCH="$TOP/$BUILD/netstitch"
export NETSIM="$TOP/$BUILD/netstitch-netsim"
pass=0; fail=0; skip=0; failed=""
run() {
    name=$1; shift
    start=$(date +%s)
    out=$("$@" 2>&1); rc=$?
    secs=$(( $(date +%s) - start ))
    case $rc in
        0) pass=$((pass+1)); printf 'PASS asan/%-35s %3ss\n' "$name" "$secs" ;;
        77) skip=$((skip+1)); printf 'SKIP asan/%-35s (%s)\n' "$name" "$(printf '%s' "$out" | tail -n 1)" ;;
        *) fail=$((fail+1)); failed="$failed $name"
           printf 'FAIL asan/%-35s rc=%s\n' "$name" "$rc"; printf '%s\n' "$out" | tail -n 60 | sed 's/^/    /' ;;
    esac
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "unit/$(basename "$t")" "$t"
done
for t in tests/bad/t_bad_inputs.sh tests/hardening/t_bounds.sh tests/hardening/t_fuzz_regress.sh \
    tests/hardening/t_hostile.sh tests/hardening/t_secrets.sh tests/hardening/t_statedir.sh; do
    run "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" sh "$t"
done
echo "== asan: $pass passed, $fail failed, $skip skipped"
[ -n "$failed" ] && echo "== asan failed:$failed"
[ "$fail" -eq 0 ]
