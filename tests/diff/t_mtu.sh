#!/bin/sh
# t_mtu.sh: regression for issue 11, defect 8 (second half): a port whose MTU on the router
# is not the MTU the service declares ("the port's MTU now", from which the plan is made) is
# reported by `netstitch diff`: MTU-MISMATCH, naming the device, the port and both numbers,
# in the tree, cli and json formats (docs/diff.md).
#
# Service: tests/diff/mtu-service.xml, two routers (Junos, IOS-XR) whose QinQ ports are
# declared at 1518 and 1500 and need 1522 and 1514. Routers: saved
# configurations (diff --offline), the service's own compiled output with one edit each:
#   - xr1's GigabitEthernet0/0/0/0 runs 9192 (the field case: a live MTU the plan would
#     lower to 1514): reported, and nowhere else;
#   - the compiled output as it is (the routers already run the planned MTUs, above the
#     declared ones): nothing reported;
#   - xr1's GigabitEthernet0/0/0/1 (the plan leaves its MTU alone) runs 9000: reported;
#   - the service declaring xr1's port at 9192: nothing reported for it.
set -u
cd "$TOP"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() {
    echo "FAIL: $*"
    fail=1
}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
svc=tests/diff/mtu-service.xml

"$NETSTITCH" compile "$svc" -o "$tmp/out" > /dev/null || { echo "FAIL: compile"; exit 1; }
grep -q '<mtu>1514</mtu>' "$tmp/out/xr1.xml" || no "xr1: the plan no longer raises the port to 1514"

# The routers as compiled: they run the planned MTUs; nothing to report.
for f in tree cli json; do
    "$NETSTITCH" diff "$svc" --offline "$tmp/out" --state-dir "$tmp/st" --format $f \
        > "$tmp/same.$f" 2> "$tmp/err"
    rc=$?
    [ $rc = 0 ] || no "in sync ($f): exit $rc: $(cat "$tmp/err")"
    grep -q MTU-MISMATCH "$tmp/same.$f" && no "in sync ($f), but: $(grep MTU-MISMATCH "$tmp/same.$f")"
done

# xr1's port runs 9192.
mkdir -p "$tmp/live"
cp "$tmp/out"/*.xml "$tmp/live/"
sed -i '0,/<mtu>1514<\/mtu>/s//<mtu>9192<\/mtu>/' "$tmp/live/xr1.xml"
grep -q '<mtu>9192</mtu>' "$tmp/live/xr1.xml" || no "the edit of xr1's saved configuration"
want='MTU-MISMATCH: device xr1 port GigabitEthernet0/0/0/0: the service declares MTU 1500, the router runs 9192'
for f in tree cli; do
    "$NETSTITCH" diff "$svc" --offline "$tmp/live" --state-dir "$tmp/st" --format $f \
        > "$tmp/live.$f" 2> "$tmp/err"
    rc=$?
    [ $rc = 3 ] || no "9192 ($f): exit $rc, want 3 (the plan sets 1514): $(cat "$tmp/err")"
    grep -q "$want" "$tmp/live.$f" || no "9192 ($f): no '$want' in: $(cat "$tmp/live.$f")"
    [ "$(grep -c MTU-MISMATCH "$tmp/live.$f")" = 1 ] || no "9192 ($f): more than one report"
done
grep -q "^! $want" "$tmp/live.tree" || no "tree: the report is not a ! line"
grep -q "^! $want" "$tmp/live.cli" || no "cli: the report is not an IOS-XR comment line"
"$NETSTITCH" diff "$svc" --offline "$tmp/live" --state-dir "$tmp/st" --format json \
    > "$tmp/live.json" 2> /dev/null
"$PY" - "$tmp/live.json" <<'PY' || no "json"
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["name"]: x["mtu"] for x in d["devices"]}
assert m["xr1"] == [{"code": "MTU-MISMATCH", "port": "GigabitEthernet0/0/0/0",
                     "declared": 1500, "running": 9192}], m
assert m["j1"] == [], m
PY

# A port whose MTU the plan leaves alone (the payload does not set it) is compared too:
# xr1's AWS port, declared 1514, runs 9000.
sed -i 's|<interface-name>GigabitEthernet0/0/0/1</interface-name>|&<mtu>9000</mtu>|' "$tmp/live/xr1.xml"
grep -q '<mtu>9000</mtu>' "$tmp/live/xr1.xml" || no "the edit of xr1's AWS port"
"$NETSTITCH" diff "$svc" --offline "$tmp/live" --state-dir "$tmp/st" --format cli \
    > "$tmp/alone.cli" 2> /dev/null
grep -q 'MTU-MISMATCH: device xr1 port GigabitEthernet0/0/0/1: the service declares MTU 1514, the router runs 9000' \
    "$tmp/alone.cli" || no "a port the plan leaves alone: $(grep MTU "$tmp/alone.cli")"

# The service declares what the router runs: nothing to report for that port.
sed -e '/<name>GigabitEthernet0\/0\/0\/0<\/name>/,/<\/port>/s|<mtu>1500</mtu>|<mtu>9192</mtu>|' \
    "$svc" > "$tmp/declared.xml"
grep -q '<mtu>9192</mtu>' "$tmp/declared.xml" || no "the edit of the service"
"$NETSTITCH" diff "$tmp/declared.xml" --offline "$tmp/live" --state-dir "$tmp/st" --format cli \
    > "$tmp/declared.cli" 2> "$tmp/err"
grep -q 'MTU-MISMATCH: device xr1 port GigabitEthernet0/0/0/0:' "$tmp/declared.cli" &&
    no "declared 9192, still: $(grep MTU-MISMATCH "$tmp/declared.cli")"
grep -q 'MTU-MISMATCH: device xr1 port GigabitEthernet0/0/0/1:' "$tmp/declared.cli" ||
    no "declared 9192: the other port's report is gone"
exit $fail
