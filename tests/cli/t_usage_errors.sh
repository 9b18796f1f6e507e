#!/bin/sh
# Usage errors say what is wrong (issue 16):
#   - push: every usage error is one "netstitch push: ..." line (or getopt's own line for an
#     unknown option) followed by the usage, exit 2; nothing on stdout;
#   - recover: without --inventory the same; with a state location that holds nothing it
#     says so and names the location, exit 0; recover, log, services, show and rollback
#     refuse a state directory that does not exist (exit 2) and do not create it.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
ex=examples/twcc-ccx-aws
sed 's/twcc-aws/usage-probe/g' "$ex/service.xml" > "$tmp/svc.xml"
inv="$ex/inventory.xml"

# usage_case WHAT REGEX ARGS...: exit 2, the first stderr line matches REGEX, the second
# line is the usage, stdout empty.
usage_case() {
    what=$1; re=$2; shift 2
    "$NETSTITCH" "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ $rc = 2 ] || no "$what: exit $rc, want 2"
    [ -s "$tmp/out" ] && no "$what: printed on stdout"
    head -n 1 "$tmp/err" | grep -Eq -- "$re" || no "$what: first line: $(head -n 1 "$tmp/err")"
    sed -n 2p "$tmp/err" | grep -q "^usage: netstitch $2" ||
        sed -n 2p "$tmp/err" | grep -q "^usage: netstitch" ||
        no "$what: the usage does not follow: $(sed -n 2p "$tmp/err")"
}
usage_case "push --format yaml" "^netstitch push: --format is text or json, not 'yaml'\$" \
    push "$tmp/svc.xml" --inventory "$inv" --state-dir "$tmp/st" --format yaml
usage_case "push without --inventory" "^netstitch push: --inventory is needed" \
    push "$tmp/svc.xml" --state-dir "$tmp/st"
usage_case "push of two services" "^netstitch push: one SERVICE at a time\$" \
    push "$tmp/svc.xml" "$tmp/svc.xml" --inventory "$inv" --state-dir "$tmp/st"
usage_case "push without a service" "^netstitch push: which service\\?" \
    push --inventory "$inv" --state-dir "$tmp/st"
usage_case "push --limit --no-state" "^netstitch push: --redeploy and --limit need" \
    push "$tmp/svc.xml" --inventory "$inv" --no-state --limit ccx-pe
usage_case "push unknown option" "unrecognized option '--no-such-option'" \
    push "$tmp/svc.xml" --inventory "$inv" --no-such-option
usage_case "recover without --inventory" "^netstitch recover: --inventory is needed" \
    recover --state-dir "$tmp/st"
[ -e "$tmp/st" ] && no "a usage error created the state directory"

# Numeric options take digits only, in range: strtoul() alone took "-1" as 4294967295 jobs
# and 4294967297 as 1. Every command that has the option refuses the same way (exit 2,
# one line naming the command, the option and what it needs).
for bad in -1 +3 " 5" 4294967297 99999999999999999999 0 "" 0x10 5s; do
    for c in "push $tmp/svc.xml --inventory $tmp/none.xml --jobs" "rollback --last --inventory $tmp/none.xml --jobs" \
        "delete usage-probe --inventory $tmp/none.xml --jobs" "recover --inventory $tmp/none.xml --jobs" \
        "diff $tmp/svc.xml --inventory $tmp/none.xml --jobs"; do
        # shellcheck disable=SC2086
        "$NETSTITCH" $c "$bad" --state-dir "$tmp/st" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        cmd=${c%% *}
        [ $rc = 2 ] || no "$cmd --jobs '$bad': exit $rc, want 2"
        [ "$(cat "$tmp/err")" = "netstitch $cmd: --jobs needs a positive number" ] ||
            no "$cmd --jobs '$bad': $(head -n 1 "$tmp/err")"
    done
done
for bad in -1 0 86401 18446744073709551617 " 60"; do
    for c in "push $tmp/svc.xml --inventory $tmp/none.xml --confirm-timeout" \
        "push $tmp/svc.xml --inventory $tmp/none.xml --confirm-window" "confirm 1 --wait" \
        "status $tmp/svc.xml --inventory $tmp/none.xml --watch"; do
        # shellcheck disable=SC2086
        "$NETSTITCH" $c "$bad" --state-dir "$tmp/st" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        set -- $c
        cmd=$1; while [ $# -gt 1 ]; do shift; done; opt=$1
        [ $rc = 2 ] || no "$cmd $opt '$bad': exit $rc, want 2"
        [ "$(cat "$tmp/err")" = "netstitch $cmd: $opt needs 1..86400 seconds" ] ||
            no "$cmd $opt '$bad': $(head -n 1 "$tmp/err")"
    done
done
"$NETSTITCH" push "$tmp/svc.xml" --inventory "$tmp/none.xml" --health-interval 9 > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] && [ "$(cat "$tmp/err")" = "netstitch push: --health-interval needs 10..60000 ms" ] ||
    no "push --health-interval 9: $(cat "$tmp/err")"
# In range, the same options get past the parse (here to the missing --inventory).
"$NETSTITCH" push "$tmp/svc.xml" --jobs 4294967295 --confirm-timeout 86400 > "$tmp/out" 2> "$tmp/err"
grep -q "^netstitch push: --inventory is needed" "$tmp/err" ||
    no "push --jobs 4294967295 --confirm-timeout 86400: $(head -n 1 "$tmp/err")"
[ -e "$tmp/st" ] && no "a numeric usage error created the state directory"

# A state directory that does not exist is refused by the commands that only read the
# store (a mistyped --state-dir must not be created and reported as holding nothing).
for c in "recover --inventory $inv" log services "show 1" "rollback --last --inventory $inv" "rollback --list" \
    "rollback 20261206T000000-1 --inventory $inv"; do
    # shellcheck disable=SC2086
    "$NETSTITCH" $c --state-dir "$tmp/typo" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    [ $rc = 2 ] || no "$c on a missing state directory: exit $rc, want 2"
    grep -q "no state directory '$tmp/typo': nothing was pushed with it" "$tmp/err" ||
        no "$c on a missing state directory: $(head -n 1 "$tmp/err")"
    [ -e "$tmp/typo" ] && no "$c created the missing state directory"
done
NETSTITCH_STATE="$tmp/typo" "$NETSTITCH" log > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] && grep -q "no state directory '$tmp/typo'" "$tmp/err" ||
    no "log with NETSTITCH_STATE missing: $(cat "$tmp/err")"

# recover on an empty state location names it.
mkdir -m 700 "$tmp/empty"
"$NETSTITCH" recover --inventory "$inv" --state-dir "$tmp/empty" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] || no "recover on an empty state: exit $rc"
grep -q "^netstitch recover: $tmp/empty/state.db holds no transaction at all\$" "$tmp/err" ||
    no "recover on an empty state: $(cat "$tmp/err")"
"$NETSTITCH" recover --inventory "$inv" --state-dir "$tmp/empty" --format json > "$tmp/out" \
    2> "$tmp/err"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "recover" and d["exit"] == 0 and d["transactions"] == [], d
' "$tmp/out" || no "recover --format json on an empty state"
grep -q "$tmp/empty/state.db holds no transaction" "$tmp/err" || no "recover json: stderr"

[ $fail = 0 ] && echo "t_usage_errors: ok"
exit $fail
