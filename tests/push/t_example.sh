#!/bin/sh
# t_example.sh: the shipped example end to end. netstitch-netsim serves the six routers of
# examples/twcc-ccx-aws in their vendor profiles with the vendor device models (Huawei VRP,
# two Junos, IOS-XR, Nokia SR OS, Arista EOS); `netstitch push service.xml` checks,
# compiles in memory and pushes in one transaction; then
#   - every device holds the change, the BGP keys substituted from the inventory's
#     secrets (one from a 0600 file, one from the environment),
#   - a commit rejected by IOS-XR undoes all six devices,
#   - `rollback` restores all six,
#   - no key appears in any output or state file.
. "$(dirname "$0")/common.sh"
start=$(date +%s)
EX=$TOP/examples/twcc-ccx-aws
# device:profile, as the service's vendors say.
netsim_up "twcc-edge:vrp twaren-border:junos twaren-taichung:junos partner-ccx:iosxr
           ccx-pe:sros ccx-transit:eos"
NAMES=$NS_NAMES

# Secrets: one file (0600, ours), one environment variable. Values with XML specials.
printf 'Twcc&Ccx<Key>\n' >"$WORK/bgp-twcc-ccx.key"
chmod 0600 "$WORK/bgp-twcc-ccx.key"
NST_AWS_DX_BGP_KEY='aws"dx-Key-9'
export NST_AWS_DX_BGP_KEY
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    NS_RPC_TIMEOUT=20 ns_devices_xml
    echo "<secret><name>bgp-twcc-ccx</name><source>file:$WORK/bgp-twcc-ccx.key</source></secret>"
    echo '<secret><name>bgp-aws-dx</name><source>env:NST_AWS_DX_BGP_KEY</source></secret>'
    echo '</inventory>'
} >"$INV"

esnap() {
    NC_USER=admin LAB_CLIENT_KEY_ED25519=$NS/client $PY "$NCPY" dump "$1" $NAMES \
        || fail "ncclient could not read the devices"
}

esnap "$WORK/before"

# A commit rejected on the IOS-XR router: nothing may stay anywhere.
printf 'reject-commit\n' >"$NS/state/partner-ccx/faults"
run_push reject "$EX/service.xml" --inventory "$INV" --state-dir "$STATE"
rm -f "$NS/state/partner-ccx/faults"
assert_rc 1 reject
assert_grep \
    "device partner-ccx failed at commit-confirmed: rpc-error: commit rejected by fault injection" \
    "$WORK/reject.out"
esnap "$WORK/after-reject"
assert_same "$WORK/before" "$WORK/after-reject" "a device kept part of the rejected push"
echo "ok: rejected commit on partner-ccx undone on all six devices"

t0=$(date +%s.%N)
run_push push "$EX/service.xml" --inventory "$INV" --state-dir "$STATE"
t1=$(date +%s.%N)
assert_rc 0 push
echo "timing: check + compile + push of six devices:" \
    "$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
assert_grep "committed on every device" "$WORK/push.out"
TX=$(sed -n 's/^push \([^:]*\): .*/\1/p' "$WORK/push.out")
esnap "$WORK/after-push"
for d in $NAMES; do
    sed -n "/^== $d\$/,/^== /p" "$WORK/before" >"$WORK/b.$d"
    sed -n "/^== $d\$/,/^== /p" "$WORK/after-push" >"$WORK/a.$d"
    cmp -s "$WORK/b.$d" "$WORK/a.$d" && fail "push: $d did not change"
done
grep -qF 'Twcc&Ccx<Key>' "$WORK/after-push" || fail "the file secret did not reach a device"
grep -qF 'aws"dx-Key-9' "$WORK/after-push" || fail "the environment secret did not reach a device"
grep -q 'NST_SECRET' "$WORK/after-push" && fail "a placeholder reached a device"
echo "ok: the example pushed to six vendor profiles"

run_cmd rb rollback "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rb
esnap "$WORK/after-rb"
assert_same "$WORK/before" "$WORK/after-rb" "rollback of the example"
# It undid the push as a reverse diff (netconf/revert.c), on every device.
RBTX=$($PY "$STATEPY" "$STATE" last)
$PY "$STATEPY" "$STATE" journal "$RBTX" >"$WORK/rb.journal"
n=$(grep -c ' plan reverse-diff [0-9]* bytes' "$WORK/rb.journal")
[ "$n" = 6 ] || { grep ' plan ' "$WORK/rb.journal"; fail "rollback: $n of 6 devices by reverse diff"; }
echo "ok: rollback (a reverse diff on all six)"

# A rotated key (its source changed): diff shows the key leaf changed, redacted, not as
# drift; push sends the new key; then nothing is pending.
run_push again "$EX/service.xml" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 again
printf 'Rotated&Key<2>\n' >"$WORK/bgp-twcc-ccx.key"
run_cmd rot diff "$EX/service.xml" --inventory "$INV" --state-dir "$STATE" --format json
assert_rc 3 rot
$PY - "$WORK/rot.out" <<'PY' || fail "rotated key: diff $(cat "$WORK/rot.out")"
import json, sys
d = json.load(open(sys.argv[1]))
devs = {x["name"]: x for x in d["devices"]}
changed = {n for n, x in devs.items() if x["status"] == "changes"}
assert changed == {"twcc-edge", "ccx-transit"}, changed
assert not any(x["drift"] for x in devs.values()), devs
for n in changed:
    c = devs[n]["changes"]
    assert len(c) == 1 and c[0]["op"] == "replace", c
    assert "NST_SECRET{bgp-twcc-ccx}" in c[0]["value"] and c[0]["old"] == "********", c
PY
grep -qF 'Rotated' "$WORK/rot.out" && fail "the rotated key is in the diff"
run_push rotpush "$EX/service.xml" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rotpush
esnap "$WORK/after-rot"
[ "$(grep -cF 'Rotated&Key<2>' "$WORK/after-rot")" -ge 2 ] || fail "the rotated key did not reach both routers"
run_cmd rot2 diff "$EX/service.xml" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rot2
echo "ok: a rotated key shows as a changed, redacted leaf and is pushed"

# Secrets: nowhere in our outputs or state (the devices themselves do hold them).
for f in "$WORK"/*.out "$WORK"/*.err; do
    for s in 'Twcc&Ccx<Key>' 'Twcc&amp;Ccx&lt;Key&gt;' 'aws"dx-Key-9' 'aws&quot;dx-Key-9' \
        'Rotated&Key<2>' 'Rotated&amp;Key&lt;2&gt;'; do
        grep -qF -- "$s" "$f" && fail "a BGP key leaked into $f"
    done
done
for s in 'aws"dx-Key-9' 'aws&quot;dx-Key-9' 'Rotated&Key<2>' 'Rotated&amp;Key&lt;2&gt;'; do
    grep -rqF -- "$s" "$STATE" && fail "a BGP key leaked into the state directory"
done
# The rotated-out key is, after the rotation, a key netstitch did not set (as a router's
# own): only the rotation push's snapshots may hold it, to restore it on rollback.
ROT=$($PY "$STATEPY" "$STATE" last)
for s in 'Twcc&Ccx<Key>' 'Twcc&amp;Ccx&lt;Key&gt;'; do
    $PY "$STATEPY" "$STATE" grep "$s" >"$WORK/old-key.where"
    grep -v "^record T $ROT dev-[0-9]*\.before\.xml\$" "$WORK/old-key.where" \
        && fail "the rotated-out key outside the rotation's snapshots"
done
echo "t_example: ok in $(($(date +%s) - start)) s"
