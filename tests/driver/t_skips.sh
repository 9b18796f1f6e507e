#!/bin/sh
# t_skips.sh: the test driver (tests/run.sh) fails a skip unless it is declared expected
# (tests/skips.sh), counts a unit binary's cmocka skip as a skip, and passes a declared one.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/tests/x" "$tmp/b/tests"
cp "$TOP/tests/run.sh" "$TOP/tests/skips.sh" "$TOP/tests/runner.sh" "$tmp/tests/"
printf 'exit 0\n' > "$tmp/tests/x/t_ok.sh"
printf 'echo "no frobnicator here"; exit 77\n' > "$tmp/tests/x/t_skip.sh"
drive() { (cd "$tmp" && env -u NST_EXPECTED_SKIPS BUILD=b "$@" sh tests/run.sh) > "$tmp/out" 2>&1; }

drive; [ $? != 0 ] || no "an undeclared skip passed the run"
grep -q '^FAIL x/t_skip .*undeclared skip.*no frobnicator here' "$tmp/out" ||
    no "undeclared skip not named: $(cat "$tmp/out")"
grep -q '^PASS x/t_ok' "$tmp/out" || no "t_ok did not pass"

printf '# CI without frobnicators\n\nx/t_skip   no frobnicator on this runner\n' > "$tmp/skips"
drive NST_EXPECTED_SKIPS="$tmp/skips" || no "a declared skip failed the run: $(cat "$tmp/out")"
grep -q '^SKIP x/t_skip .*declared: no frobnicator on this runner' "$tmp/out" ||
    no "declared skip not shown with its reason: $(cat "$tmp/out")"
grep -q '^== 1 passed, 0 failed, 1 skipped' "$tmp/out" || no "counts: $(cat "$tmp/out")"

printf 'x/t_skip\n' > "$tmp/skips"
drive NST_EXPECTED_SKIPS="$tmp/skips"; [ $? != 0 ] || no "a declaration without a reason counted"
drive NST_EXPECTED_SKIPS="$tmp/missing"; [ $? != 0 ] || no "a missing skips file counted"

printf 'x/t_ok  stale\nx/t_skip  no frobnicator\n' > "$tmp/skips"
drive NST_EXPECTED_SKIPS="$tmp/skips" || no "a stale declaration failed the run"
grep -q 'note: x/t_ok is declared as an expected skip but ran' "$tmp/out" ||
    no "stale declaration not reported: $(cat "$tmp/out")"

# A unit binary that exits 0 after a cmocka skip() is a skip.
printf '#!/bin/sh\necho "[  SKIPPED ] t_needs_x"\nexit 0\n' > "$tmp/b/tests/test_fake"
chmod +x "$tmp/b/tests/test_fake"
printf 'x/t_skip  no frobnicator\n' > "$tmp/skips"
drive NST_EXPECTED_SKIPS="$tmp/skips"; [ $? != 0 ] || no "a cmocka skip passed the run"
grep -q '^FAIL unit/test_fake .*undeclared skip' "$tmp/out" || no "cmocka skip: $(cat "$tmp/out")"

[ $fail = 0 ] && echo "t_skips: ok"
exit $fail
