#!/bin/sh
# t_offline.sh: `netstitch diff --offline` without any device (docs/diff.md):
#   - the shipped example against its own compiled output: no changes, exit 0, nothing on
#     stdout, in every format;
#   - against an empty directory: exit 3; the tree has + lines for every device; xml and
#     json parse and name every device; cli holds each vendor's commands;
#   - a service edit (a tag) without ownership records adds the new sub-interface and
#     removes nothing (configuration netstitch did not record is never touched);
#   - secrets: a saved configuration with the real BGP key is in sync when the inventory's
#     secret matches it; a foreign key is a change, and neither key appears in any format;
#   - colour only when asked or on a terminal; exit 1 for usage and service errors.
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
ex=examples/twcc-ccx-aws/service.xml
st="--state-dir $tmp/state"
esc=$(printf '\033')
devs="twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit"

"$NETSTITCH" compile "$ex" -o "$tmp/out" > /dev/null || no "compile -o"
mkdir -p "$tmp/empty"

# The service against its own output: in sync, in every format.
for f in tree cli xml json; do
    "$NETSTITCH" diff "$ex" --offline "$tmp/out" $st --format $f > "$tmp/same.$f" 2> "$tmp/same.err"
    rc=$?
    [ $rc = 0 ] || no "diff against its own output ($f): exit $rc: $(cat "$tmp/same.err")"
done
[ -s "$tmp/same.tree" ] && no "in sync, but the tree is not empty: $(head -5 "$tmp/same.tree")"
[ -s "$tmp/same.cli" ] && no "in sync, but the cli is not empty: $(head -5 "$tmp/same.cli")"
grep -q '6 devices, 0 with changes, 0 with drift' "$tmp/same.err" || no "summary: $(cat "$tmp/same.err")"
"$PY" - "$tmp/same.json" "$tmp/same.xml" <<'PY' || no "in-sync json/xml"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
assert d["service"] == "twcc-ccx-aws", d
assert len(d["devices"]) == 6 and all(x["status"] == "in-sync" and not x["changes"]
                                      for x in d["devices"]), d
assert len(ET.parse(sys.argv[2]).getroot()) == 0
PY
[ -z "$(ls "$tmp/state" 2> /dev/null)" ] || no "an offline diff created a state directory"

# Against nothing: everything is to be created.
for f in tree cli xml json; do
    "$NETSTITCH" diff "$ex" --offline "$tmp/empty" $st --format $f -q > "$tmp/all.$f"
    rc=$?
    [ $rc = 3 ] || no "diff against an empty directory ($f): exit $rc, want 3"
done
for d in $devs; do
    grep -q "^ device $d {$" "$tmp/all.tree" || no "tree lacks device $d"
done
grep -q '^-' "$tmp/all.tree" && no "nothing to remove, but the tree has - lines"
[ "$(grep -c '^+' "$tmp/all.tree")" -gt 100 ] || no "too few + lines"
grep -q "$esc" "$tmp/all.tree" && no "colour in a pipe"
"$PY" - "$tmp/all.json" "$tmp/all.xml" <<'PY' || no "json/xml of the full diff"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
assert [x["name"] for x in d["devices"]] == ["twcc-edge", "twaren-border", "twaren-taichung",
                                             "partner-ccx", "ccx-pe", "ccx-transit"], d
assert all(x["status"] == "changes" and x["changes"] for x in d["devices"]), d
assert all(c["op"] == "create" for x in d["devices"] for c in x["changes"]), d
root = ET.parse(sys.argv[2]).getroot()
names = [e.get("name") for e in root]
assert names == [x["name"] for x in d["devices"]], names
for e in root:
    cfg = e[0]
    assert cfg.tag == "{urn:ietf:params:xml:ns:netconf:base:1.0}config", cfg.tag
    assert len(cfg) > 0
PY
# Each vendor's own commands.
for want in 'set interfaces xe-0/0/0 unit 2101 vlan-id 2101' \
    '/configure service vpls "twcc-aws-5-6" sap 1/1/1:1100.2101 admin-state enable' \
    'interface GigabitEthernet0/0/0/0.3100 l2transport' ' encapsulation dot1ad 3100 dot1q 2101' \
    'bgp 65534' 'interface GigabitEthernet0/1/1.2101' '   encapsulation dot1q vlan 101' \
    'router bgp 65101'; do
    grep -qF -- "$want" "$tmp/all.cli" || no "cli lacks: $want"
done
"$NETSTITCH" diff "$ex" --offline "$tmp/empty" $st --color always -q > "$tmp/color.tree"
grep -q "$esc\[32m+" "$tmp/color.tree" || no "--color always: no green + lines"

# An edit without ownership records: the new tag is added, the old one is not removed.
sed 's|<vlan>2101</vlan>|<vlan>2102</vlan>|g; s|<c-tag>2101</c-tag>|<c-tag>2102</c-tag>|g' "$ex" \
    > "$tmp/service.xml"
"$NETSTITCH" diff "$tmp/service.xml" --name twcc-ccx-aws --offline "$tmp/out" $st -q \
    > "$tmp/edit.tree"
rc=$?
[ $rc = 3 ] || no "edited service: exit $rc, want 3"
grep -q '^+ *interface GigabitEthernet0/1/1.2102 {' "$tmp/edit.tree" \
    || no "the new VRP sub-interface is not created: $(head -30 "$tmp/edit.tree")"
grep -q '^-.*interface GigabitEthernet0/1/1.2101' "$tmp/edit.tree" \
    && no "without an ownership record the old sub-interface must not be removed"
grep -q '^- *vlan-id 2101;' "$tmp/edit.tree" || grep -q '^- *inner 2101;' "$tmp/edit.tree" \
    || no "a changed leaf shows its old value"

# Secrets in saved configurations.
NST_T_KEY='Twcc&Ccx<Key>'
export NST_T_KEY
cat > "$tmp/inv.xml" << EOF
<inventory xmlns="urn:netstitch:yang:inventory">
  <secret><name>bgp-twcc-ccx</name><source>env:NST_T_KEY</source></secret>
</inventory>
EOF
mkdir -p "$tmp/real" "$tmp/foreign"
for d in $devs; do
    sed 's|\$NST_SECRET{bgp-twcc-ccx}|Twcc\&amp;Ccx\&lt;Key\&gt;|g' "$tmp/out/$d.xml" > "$tmp/real/$d.xml"
    sed 's|\$NST_SECRET{bgp-twcc-ccx}|Foreign-K3y-9|g' "$tmp/out/$d.xml" > "$tmp/foreign/$d.xml"
done
grep -q 'Twcc&amp;Ccx' "$tmp/real/twcc-edge.xml" || no "test setup: no real key in the saved file"
"$NETSTITCH" diff "$ex" --offline "$tmp/real" --inventory "$tmp/inv.xml" $st -q > "$tmp/real.tree"
rc=$?
[ $rc = 0 ] || no "the device has the inventory's key: exit $rc, want 0: $(cat "$tmp/real.tree")"
for f in tree cli xml json; do
    "$NETSTITCH" diff "$ex" --offline "$tmp/foreign" --inventory "$tmp/inv.xml" $st \
        --format $f > "$tmp/foreign.$f" 2>&1
    rc=$?
    [ $rc = 3 ] || no "a foreign key ($f): exit $rc, want 3"
    for s in 'Foreign-K3y-9' 'Twcc&Ccx<Key>' 'Twcc&amp;Ccx&lt;Key&gt;'; do
        grep -qF -- "$s" "$tmp/foreign.$f" && no "a key leaked into the $f output"
    done
done
grep -q '^- *password-text \*\*\*\*\*\*\*\*;' "$tmp/foreign.tree" \
    || no "the foreign key is not shown redacted: $(grep -n password "$tmp/foreign.tree")"
grep -qF '$NST_SECRET{bgp-twcc-ccx}' "$tmp/foreign.tree" || no "the new key is not its placeholder"

# Errors.
"$NETSTITCH" diff "$ex" --offline "$tmp/out" --format yaml > /dev/null 2>&1
[ $? = 2 ] || no "unknown format: want exit 2"
"$NETSTITCH" diff "$ex" > /dev/null 2>&1
[ $? = 2 ] || no "neither --inventory nor --offline: want exit 2"
"$NETSTITCH" diff tests/bad/cases/schema-vlan-0.xml --offline "$tmp/out" > /dev/null 2>&1
[ $? = 1 ] || no "a service with errors: want exit 1"
"$NETSTITCH" diff "$ex" --offline "$tmp/out" --name 'bad/name' > /dev/null 2>&1
[ $? = 2 ] || no "a bad service name: want exit 2"
# diff --format json names the command and its exit status, as the other commands do.
mkdir -p "$tmp/empty-dir"
"$NETSTITCH" diff "$ex" --offline "$tmp/empty-dir" --format json > "$tmp/ce.json" 2> /dev/null
rc=$?
/usr/bin/python3 - "$tmp/ce.json" "$rc" << 'PY' || no "diff json: command and exit"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "diff" and d["exit"] == int(sys.argv[2]) == 3, d
PY
# A mistyped --offline directory is a usage error (2), not "every router is empty" (exit 3);
# with --format json the failure is one document with the command and the exit status.
"$NETSTITCH" diff "$ex" --offline "$tmp/no-such-dir" > /dev/null 2> "$tmp/nodir.err"
[ $? = 2 ] || no "a missing --offline directory: want exit 2"
"$NETSTITCH" diff "$ex" --offline "$tmp/no-such-dir" --format json > "$tmp/nodir.json" 2> /dev/null
rc=$?
/usr/bin/python3 - "$tmp/nodir.json" "$rc" << 'PY' || no "diff json on a missing --offline dir"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "diff" and d["exit"] == int(sys.argv[2]) == 2, d
assert "no-such-dir: No such file or directory" in d["message"], d
PY
"$NETSTITCH" diff "$ex" --inventory "$tmp/no-such-inventory.xml" --format json \
    > "$tmp/noinv.json" 2> /dev/null
rc=$?
/usr/bin/python3 - "$tmp/noinv.json" "$rc" << 'PY' || no "diff json on a missing inventory"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "diff" and d["exit"] == int(sys.argv[2]) == 2, d
assert [x["code"] for x in d["diagnostics"] if x["severity"] == "error"] == ["IO-READ"], d
PY
grep -q "no-such-dir: No such file or directory" "$tmp/nodir.err" \
    || no "a missing --offline directory: $(cat "$tmp/nodir.err")"
"$NETSTITCH" diff "$ex" --offline "$ex" > /dev/null 2>&1
[ $? = 2 ] || no "--offline naming a file: want exit 2"

# Dual stack (issue 13): IPv6 keys and values survive the diff. The dual-stack example is in
# sync with its own output; against the IPv4-only example's output it adds the IPv6
# addresses, neighbours and prefix filters, and removes nothing.
ds=examples/twcc-ccx-aws/dual-stack/service.xml
"$NETSTITCH" compile "$ds" -o "$tmp/ds" > /dev/null || no "compile -o (dual stack)"
"$NETSTITCH" diff "$ds" --offline "$tmp/ds" $st --format tree -q > "$tmp/ds.same"
[ $? = 0 ] || no "dual stack against its own output must be in sync"
"$NETSTITCH" diff "$ds" --offline "$tmp/out" $st --format tree -q > "$tmp/ds.tree"
[ $? = 3 ] || no "dual stack against the IPv4 output must exit 3"
grep -q '^+ *neighbor 2001:db8:3053::1 {' "$tmp/ds.tree" || no "tree lacks the IPv6 neighbour"
grep -q '^+ *address 2001:db8:c0:ff::5 {' "$tmp/ds.tree" || no "tree lacks the IPv6 address"
grep -q '^-' "$tmp/ds.tree" && no "dual stack removes something: $(grep '^-' "$tmp/ds.tree" | head -3)"
"$NETSTITCH" diff "$ds" --offline "$tmp/out" $st --format cli -q > "$tmp/ds.cli"
grep -q 'ipv6 address 2001:db8:3053::/127' "$tmp/ds.cli" || no "cli lacks the EOS IPv6 address"
exit $fail
