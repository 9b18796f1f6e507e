#!/bin/sh
# t_yuma.sh: `netstitch diff` against another NETCONF server: the yuma123 lab of
# tests/push (a, b: candidate; c: running only; the toy lab-net model). The diff parses
# into the device models of --yang-dir, so the test builds one holding lab-net too.
#   - configuration the payloads do not name (an interface pushed beforehand) is never
#     fetched for comparison, nor shown;
#   - before the push: three devices with changes; after a plain payload push: in sync,
#     the BGP key on the devices matching the inventory's secret;
#   - an MTU edit: exactly the changed leaf on each device, in every format;
#   - no key or password in any output.
. "$(dirname "$0")/../push/common.sh"
start=$(date +%s)
lab_up
gen_inv "$WORK/inv.xml"
cp -r "$TOP/yang" "$WORK/yang"
mkdir -p "$WORK/yang/devices/lab"
cp "$TOP/tests/lab/models/lab-net.yang" "$WORK/yang/devices/lab/"
L="--inventory $WORK/inv.xml --state-dir $STATE --yang-dir $WORK/yang -q"

# Configuration that is not the service's.
mkdir -p "$WORK/foreign"
for d in a b c; do
    cat > "$WORK/foreign/$d.xml" << 'EOF'
<interfaces xmlns="urn:netstitch:lab:net"><interface><name>ge-0/0/7</name>
  <description>someone else's</description><mtu>1500</mtu></interface></interfaces>
EOF
done
run_push foreign --inventory "$WORK/inv.xml" --state-dir "$STATE" --payloads "$WORK/foreign"
assert_rc 0 foreign

gen_payloads "$WORK/p1" ge-0/0/1
run_cmd d1 diff --payloads "$WORK/p1" --name lab $L --format json
assert_rc 3 d1
$PY - "$WORK/d1.out" << 'EOF' || fail "first diff json"
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["name"] for x in d["devices"]] == ["a", "b", "c"], d
assert all(x["status"] == "changes" for x in d["devices"]), d
assert not any("ge-0/0/7" in c["path"] for x in d["devices"] for c in x["changes"]), d
EOF
run_push p1 --inventory "$WORK/inv.xml" --state-dir "$STATE" --payloads "$WORK/p1"
assert_rc 0 p1
run_cmd d2 diff --payloads "$WORK/p1" --name lab $L
assert_rc 0 d2
[ -s "$WORK/d2.out" ] && fail "in sync, but: $(cat "$WORK/d2.out")"

# An MTU edit.
gen_payloads "$WORK/p2" ge-0/0/1 9100
for f in tree cli xml json; do
    run_cmd mtu.$f diff --payloads "$WORK/p2" --name lab $L --format $f
    assert_rc 3 mtu.$f
done
[ "$(grep -c '^- *mtu 9000;' "$WORK/mtu.tree.out")" = 3 ] || fail "tree: $(cat "$WORK/mtu.tree.out")"
[ "$(grep -c '^+ *mtu 9100;' "$WORK/mtu.tree.out")" = 3 ] || fail "tree: new MTU"
[ "$(grep -c '^[-+]' "$WORK/mtu.tree.out")" = 6 ] || fail "tree: more than the MTU changed"
assert_grep "/interfaces/interface[name=ge-0/0/1]/mtu = 9100" "$WORK/mtu.cli.out"
$PY - "$WORK/mtu.json.out" "$WORK/mtu.xml.out" << 'EOF' || fail "mtu json/xml"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
for x in d["devices"]:
    assert x["changes"] == [{"op": "replace",
                             "path": "/lab-net:interfaces/interface[name='ge-0/0/1']/mtu",
                             "value": "9100", "old": "9000"}], x
root = ET.parse(sys.argv[2]).getroot()
ns = {"c": "urn:ietf:params:xml:ns:netconf:base:1.0", "l": "urn:netstitch:lab:net"}
for dev in root:
    assert dev.find("c:config/l:interfaces/l:interface/l:mtu", ns).text == "9100"
EOF
# The edit is a valid edit-config: push it as a payload and the diff is empty.
mkdir -p "$WORK/edit"
$PY - "$WORK/mtu.xml.out" "$WORK/edit" << 'EOF' || fail "splitting the xml"
import sys, xml.etree.ElementTree as ET
for dev in ET.parse(sys.argv[1]).getroot():
    open("%s/%s.xml" % (sys.argv[2], dev.get("name")), "wb").write(ET.tostring(dev[0]))
EOF
run_push edit --inventory "$WORK/inv.xml" --state-dir "$STATE" --payloads "$WORK/edit"
assert_rc 0 edit
run_cmd d3 diff --payloads "$WORK/p2" --name lab $L
assert_rc 0 d3

no_secrets "$WORK"/*.out "$WORK"/*.err
echo "t_yuma: $(($(date +%s) - start)) s"
