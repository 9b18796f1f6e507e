#!/bin/sh
# t_undo_timeout.sh: the headline after a failed push never says "every device was
# verified back" when one device's undo timed out (issue 16). Two Junos routers of
# netstitch-netsim, our own payloads (the example's service renamed):
#   - twaren-border edits and validates its candidate; then its faults file delays
#     <discard-changes> beyond the RPC timeout;
#   - twaren-taichung drops the session at <validate>: the push aborts before any commit;
#   - the undo of twaren-border times out: exit 1, the headline says the undo failed on one
#     device and not "every device was verified back", the device's line names the timeout,
#     and the JSON report carries the undo error.
. "$(dirname "$0")/common.sh"
EX=$TOP/examples/twcc-ccx-aws
NS_RPC_TIMEOUT=2
netsim_up "twaren-border:junos twaren-taichung:junos"
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '</inventory>'
} >"$INV"
sed 's/twcc-aws/undo-timeout-probe/g' "$EX/service.xml" >"$WORK/service.xml"
"$NETSTITCH" compile -o "$WORK/out" "$WORK/service.xml" >/dev/null 2>&1 || fail "compile"
mkdir -p "$WORK/p1"
cp "$WORK/out/twaren-border.xml" "$WORK/out/twaren-taichung.xml" "$WORK/p1/"
arm() {
    printf '%s\n' "$2" >"$NS/state/$1/faults.tmp" && mv "$NS/state/$1/faults.tmp" "$NS/state/$1/faults"
}
for fmt in text json; do
    arm twaren-taichung "drop-session validate"
    rm -f "$NS/state/twaren-border/faults"
    start_paused "twaren-border:validate" p-$fmt push --no-health --inventory "$INV" \
        --state-dir "$STATE" --payloads "$WORK/p1" --jobs 1 --format $fmt
    arm twaren-border "delay 5000 discard-changes"
    resume
    assert_rc 1 p-$fmt
    grep -q 'every device was verified back' "$WORK/p-$fmt.out" &&
        fail "$fmt: the headline claims every device was verified back: $(cat "$WORK/p-$fmt.out")"
    # Let the delayed discard finish before the next round.
    sleep 4
done
head -n 1 "$WORK/p-text.out" | grep -q 'FAILED; the undo failed on 1 device' ||
    fail "headline: $(head -n 1 "$WORK/p-text.out")"
grep -A1 '^  twaren-border ' "$WORK/p-text.out" | grep -q 'undo failed: discard-changes: .*timeout' ||
    fail "the device line does not name the timeout: $(cat "$WORK/p-text.out")"
$PY - "$WORK/p-json.out" <<'PY' || fail "json report: $(cat "$WORK/p-json.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "push" and d["exit"] == 1 and d["outcome"] == "aborted", d
dev = {x["name"]: x for x in d["devices"]}
assert "timeout" in dev["twaren-border"]["undo_error"], dev
assert dev["twaren-taichung"]["undo_error"] == "", dev
PY
echo "ok: an undo timeout is never 'every device was verified back'"
