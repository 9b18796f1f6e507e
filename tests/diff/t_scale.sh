#!/bin/sh
# t_scale.sh: a diff across 21 simulated routers (tests/diff/gen-service.py: a chain of PEs
# over an MPLS core, vendors cycling Junos, IOS-XR, SR OS, VRP, OpenConfig; one LDP VPLS
# over all 21 and an eBGP session on each):
#   - the first diff reads all 21 in parallel and shows all 21 with changes;
#   - push, then the diff is empty (exit 0);
#   - one PE's tag changes: only that PE is reported, in every format;
#   - --jobs 1 gives the same answer as the default parallel read;
#   - the timings of a full diff (parallel and one at a time) are printed.
set -u
cd "$TOP"
. tests/diff/common.sh
N=21
start=$(date +%s)
"$PY" tests/diff/gen-service.py --pes $N > "$tmp/big.xml"
NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$tmp/big.xml" > "$tmp/simnet.out" 2>&1 \
    || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
L="--inventory $net/inventory.xml --state-dir $tmp/state -q"
secs() { awk "BEGIN { printf \"%.2f\", $2 - $1 }"; }

t0=$(date +%s.%N)
"$NETSTITCH" diff "$tmp/big.xml" $L --format json > "$tmp/d1.json"
rc=$?
t1=$(date +%s.%N)
[ $rc = 3 ] || no "first diff: exit $rc, want 3"
echo "timing: first diff of $N routers (empty schema cache): $(secs $t0 $t1) s"
"$PY" - "$tmp/d1.json" $N << 'PY' || no "first diff: json"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["devices"]) == int(sys.argv[2]), len(d["devices"])
assert all(x["status"] == "changes" for x in d["devices"]), d
PY
t0=$(date +%s.%N)
"$NETSTITCH" push "$tmp/big.xml" $L --no-health > "$tmp/push.out" 2>&1
rc=$?
t1=$(date +%s.%N)
[ $rc = 0 ] || no "push of $N routers: exit $rc: $(tail -5 "$tmp/push.out")"
echo "timing: push (diff + transaction) of $N routers: $(secs $t0 $t1) s"

t0=$(date +%s.%N)
"$NETSTITCH" diff "$tmp/big.xml" $L > "$tmp/d2.tree"
rc=$?
t1=$(date +%s.%N)
[ $rc = 0 ] || no "diff after the push: exit $rc: $(head "$tmp/d2.tree")"
echo "timing: diff of $N routers in sync, 8 at a time: $(secs $t0 $t1) s"
t0=$(date +%s.%N)
"$NETSTITCH" diff "$tmp/big.xml" $L --jobs 1 > "$tmp/d3.tree"
rc=$?
t1=$(date +%s.%N)
[ $rc = 0 ] || no "diff --jobs 1: exit $rc"
echo "timing: diff of $N routers in sync, one at a time: $(secs $t0 $t1) s"

# One router's tag: pe19 (a VRP).
"$PY" tests/diff/gen-service.py --pes $N --vlan 19=1919 > "$tmp/big2.xml"
for f in tree cli xml json; do
    "$NETSTITCH" diff "$tmp/big2.xml" --name big $L --format $f > "$tmp/one.$f"
    rc=$?
    [ $rc = 3 ] || no "one tag ($f): exit $rc, want 3"
done
[ "$(grep -c '^ device ' "$tmp/one.tree")" = 1 ] || no "tree: not exactly one device"
grep -q '^ device pe19 {' "$tmp/one.tree" || no "tree: pe19 not shown"
grep -q '^undo interface GigabitEthernet0/1/0.119$' "$tmp/one.cli" || no "cli: $(cat "$tmp/one.cli")"
grep -q '^interface GigabitEthernet0/1/0.1919 mode l2$' "$tmp/one.cli" || no "cli: new sub-interface"
"$PY" - "$tmp/one.json" "$tmp/one.xml" << 'PY' || no "one tag: json/xml"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
changed = [x["name"] for x in d["devices"] if x["status"] == "changes"]
assert changed == ["pe19"], changed
assert [e.get("name") for e in ET.parse(sys.argv[2]).getroot()] == ["pe19"]
PY
echo "t_scale: $(($(date +%s) - start)) s"
exit $fail
