#!/bin/sh
# `netstitch compile` on the command line: outputs, options and exit statuses.
#   - -o DIR writes one .xml and one .cli per device plus plan.json (valid JSON listing
#     every device), and prints one line per device;
#   - --emit ir still prints the IR (and no files are needed);
#   - --templates DIR (repeatable) and NST_TEMPLATE_PATH put user templates first;
#   - --inventory: a valid one passes, an invalid one fails with exit 1 and its
#     diagnostic, and devices it lacks are named;
#   - a broken service exits 1; usage errors and an unwritable DIR exit 2.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
# plan.json is checked with python3: without it the test cannot say anything, so it skips.
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
command -v xmllint >/dev/null 2>&1 || { echo "xmllint is not installed (libxml2-utils)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }

"$NETSTITCH" compile "$ex/service.xml" -o "$tmp/out" > "$tmp/stdout" 2>&1 || no "compile -o"
[ "$(ls "$tmp/out" | wc -l)" = 13 ] || no "expected 6 .xml + 6 .cli + plan.json, got: $(ls "$tmp/out")"
grep -q '^partner-ccx  *iosxr  *compiled$' "$tmp/stdout" || no "summary line for partner-ccx"
grep -q "^wrote 6 of 6 devices and plan.json to $tmp/out\$" "$tmp/stdout" || no "summary total"
python3 - "$tmp/out/plan.json" <<'PY' || no "plan.json"
import json, sys
p = json.load(open(sys.argv[1]))
assert [d["name"] for d in p["devices"]] == ["twcc-edge", "twaren-border", "twaren-taichung",
    "partner-ccx", "ccx-pe", "ccx-transit"], p["devices"]
assert all(d["status"] == "compiled" for d in p["devices"])
hops = p["connections"][0]["hops"]
assert [h["hop"] for h in hops] == [1, 2, 3, 4, 5, 6, 7]
h4 = hops[3]
assert h4["encapsulation"] == "QinQ 0x88a8 3100/2101" and h4["frame"] == 1522, h4
ends = {e.get("device"): e for e in h4["ends"]}
assert ends["twaren-taichung"]["mtu"] == 1522 and ends["twaren-taichung"]["mtu-before"] == 1514
assert ends["partner-ccx"]["mtu"] == 1514
assert any(d["code"] == "MTU-PORT-RAISE" for d in p["diagnostics"])
PY

"$NETSTITCH" compile --emit ir "$ex/service.xml" > "$tmp/ir.xml" || no "--emit ir"
grep -q '<ir source=' "$tmp/ir.xml" || no "--emit ir prints the IR"
xmllint --noout --relaxng docs/ir.rng "$tmp/ir.xml" > "$tmp/rng" 2>&1 ||
    no "--emit ir does not validate against docs/ir.rng: $(grep -v 'validates$' "$tmp/rng" | head -5)"
# The schema is not a formality: a sub-interface matching three tags is refused.
sed 's/tags="2"/tags="3"/' "$tmp/ir.xml" > "$tmp/ir-bad.xml"
xmllint --noout --relaxng docs/ir.rng "$tmp/ir-bad.xml" > /dev/null 2>&1 &&
    no "docs/ir.rng accepts an IR with tags=\"3\""

# A user template directory, from the option and from the environment.
mkdir -p "$tmp/tpl/sros"
printf '<cli><line># mine</line></cli>\n' > "$tmp/tpl/sros/policy.cli.xml"
"$NETSTITCH" compile "$ex/service.xml" --templates "$tmp/nonexistent" --templates "$tmp/tpl" \
    -o "$tmp/t1" > /dev/null || no "--templates"
grep -q '^# mine$' "$tmp/t1/ccx-pe.cli" || no "--templates: user template not used"
cmp -s "$tmp/t1/ccx-pe.xml" "$tmp/out/ccx-pe.xml" || no "--templates changed the payload"
NST_TEMPLATE_PATH="$tmp/tpl" "$NETSTITCH" compile "$ex/service.xml" -o "$tmp/t2" > /dev/null ||
    no "NST_TEMPLATE_PATH"
grep -q '^# mine$' "$tmp/t2/ccx-pe.cli" || no "NST_TEMPLATE_PATH: user template not used"

# Inventory.
"$NETSTITCH" compile "$ex/service.xml" --inventory "$ex/inventory.xml" > /dev/null 2> "$tmp/err" ||
    no "--inventory (valid)"
[ -s "$tmp/err" ] && no "--inventory (valid) printed: $(cat "$tmp/err")"
printf '<inventory xmlns="urn:netstitch:yang:inventory"><device><name>x</name></device></inventory>\n' \
    > "$tmp/bad-inv.xml"
"$NETSTITCH" compile "$ex/service.xml" --inventory "$tmp/bad-inv.xml" > /dev/null 2> "$tmp/err"
[ $? = 1 ] || no "--inventory (invalid) must exit 1"
grep -q 'YANG-MISSING' "$tmp/err" || no "--inventory (invalid): no diagnostic"
printf '%s%s\n' '<inventory xmlns="urn:netstitch:yang:inventory"><device><name>twcc-edge</name>' \
    '<address>192.0.2.1</address><user>u</user><host-key><trust-on-first-use/></host-key></device></inventory>' \
    > "$tmp/one-inv.xml"
"$NETSTITCH" compile "$ex/service.xml" --inventory "$tmp/one-inv.xml" > /dev/null 2> "$tmp/err" ||
    no "--inventory (one device)"
[ "$(grep -c 'is not in the inventory' "$tmp/err")" = 5 ] || no "devices missing from the inventory"
grep -q 'device ccx-pe is not in the inventory' "$tmp/err" || no "ccx-pe missing from the inventory"

# Failures.
"$NETSTITCH" compile "$ex/broken/twcc-ccx-aws-overlap.xml" -o "$tmp/b" > /dev/null 2>&1
[ $? = 1 ] || no "broken service must exit 1"
[ -e "$tmp/b" ] && no "broken service wrote outputs"
"$NETSTITCH" compile "$ex/service.xml" -o "$tmp/no/such/dir" > /dev/null 2>&1
[ $? = 2 ] || no "unwritable -o must exit 2"
"$NETSTITCH" compile --emit nothing "$ex/service.xml" > /dev/null 2>&1
[ $? = 2 ] || no "bad --emit must exit 2"
"$NETSTITCH" compile > /dev/null 2>&1
[ $? = 2 ] || no "no SERVICE must exit 2"
exit $fail
