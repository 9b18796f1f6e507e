#!/bin/sh
# t_dryrun_formats.sh: `rollback --dry-run` and `delete --dry-run` show what they would
# send in every diff format (issue 16), on a Junos router of netstitch-netsim:
#   - tree: the +/- lines of the reverse diff (the push's VPLS instance and interface
#     go, "-" lines; nothing of the later, unrelated change);
#   - cli: Junos "delete" commands for the same nodes;
#   - xml: the edit-config payload;
#   - json: one document per device list, parsed with python3: the device, status
#     "changes", and the removed paths;
#   - every dry run leaves the router unchanged, and an unknown format is a usage error.
. "$(dirname "$0")/common.sh"
EX=$TOP/examples/twcc-ccx-aws
netsim_up "twaren-border:junos"
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '</inventory>'
} >"$INV"
RUN=$NS/state/twaren-border/running.xml
A="--inventory $INV --state-dir $STATE"
# A service of our own: the example renamed; only its Junos border router is simulated.
# The payload directory holds the compile's plan.json: push --payloads takes each device's
# driver from it (the ownership record keeps it; rollback's CLI format needs it).
mkdir -p "$WORK/dryrun-probe"
sed 's/twcc-aws/dryrun-probe/g' "$EX/service.xml" >"$WORK/dryrun-probe/service.xml"
"$NETSTITCH" compile -o "$WORK/out" "$WORK/dryrun-probe/service.xml" >/dev/null 2>&1 || fail "compile"
mkdir -p "$WORK/p1" "$WORK/other"
cp "$WORK/out/twaren-border.xml" "$WORK/out/plan.json" "$WORK/p1/"
J='<configuration xmlns="http://yang.juniper.net/junos/conf/root"><interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">'
echo "$J<interface><name>xe-0/0/5</name><description>other team</description></interface></interfaces></configuration>" \
    >"$WORK/other/twaren-border.xml"
last() { $PY "$STATEPY" "$STATE" last; }

run_push p1 $A --payloads "$WORK/p1" --name dryrun-probe
assert_rc 0 p1
TX1=$(last)
run_push other $A --payloads "$WORK/other" --name other-team
assert_rc 0 other
cp "$RUN" "$WORK/before"

# rollback --dry-run, every format.
run_cmd rb-tree rollback "$TX1" $A --dry-run
assert_rc 0 rb-tree
grep -q '^-.*xe-0/0/0' "$WORK/rb-tree.out" || fail "rollback tree: no '-' line for xe-0/0/0: $(cat "$WORK/rb-tree.out")"
grep -q '^-.*dryrun-probe\|^-.*twaren-ccx' "$WORK/rb-tree.out" ||
    fail "rollback tree: the VPLS instance does not go: $(cat "$WORK/rb-tree.out")"
grep -q 'xe-0/0/5\|other team' "$WORK/rb-tree.out" && fail "rollback tree shows the later change"
grep -q '<configuration' "$WORK/rb-tree.out" && fail "rollback tree printed XML"
run_cmd rb-cli rollback "$TX1" $A --dry-run --diff-format cli
assert_rc 0 rb-cli
# The driver comes from the service's ownership record (the push's plan.json named it).
grep -q '^delete interfaces xe-0/0/0$' "$WORK/rb-cli.out" || fail "rollback cli: no Junos delete: $(cat "$WORK/rb-cli.out")"
grep -q 'CLI-RULE-MISSING' "$WORK/rb-cli.out" && fail "rollback cli: a change without a CLI rule"
run_cmd rb-xml rollback "$TX1" $A --dry-run --diff-format xml
assert_rc 0 rb-xml
grep -q 'operation="remove"' "$WORK/rb-xml.out" || fail "rollback xml: no remove: $(cat "$WORK/rb-xml.out")"
run_cmd rb-json rollback "$TX1" $A --dry-run --format json --diff-format json
assert_rc 0 rb-json
$PY - "$WORK/rb-json.out" <<'PY' || fail "rollback json: $(cat "$WORK/rb-json.out")"
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder()
docs, i = [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    d, i = dec.raw_decode(text, i)
    docs.append(d)
report = [d for d in docs if "exit" in d]
diff = [d for d in docs if "devices" in d and "exit" not in d]
assert len(report) == 1 and report[0]["command"] == "rollback" and report[0]["exit"] == 0, docs
assert len(diff) == 1 and diff[0]["command"] == "rollback", docs
devs = diff[0]["devices"]
assert [d["name"] for d in devs] == ["twaren-border"], devs
assert devs[0]["status"] == "changes" and devs[0]["driver"] == "junos", devs[0]
s = json.dumps(devs[0]["changes"])
assert "xe-0/0/0" in s and "xe-0/0/5" not in s, s
PY
run_cmd rb-bad rollback "$TX1" $A --dry-run --diff-format yaml
assert_rc 2 rb-bad
cmp -s "$RUN" "$WORK/before" || fail "a rollback dry run changed the router"
echo "ok: rollback --dry-run shows the reverse diff as tree, cli, xml and json"

# delete --dry-run, every format.
for f in tree cli xml json; do
    run_cmd del-$f delete "$WORK/dryrun-probe/service.xml" $A --dry-run --diff-format $f
    [ "$RC" = 0 ] || [ "$RC" = 3 ] || assert_rc 0 del-$f
done
grep -q '^-.*xe-0/0/0' "$WORK/del-tree.out" || fail "delete tree: $(cat "$WORK/del-tree.out")"
grep -q '^delete interfaces xe-0/0/0$' "$WORK/del-cli.out" || fail "delete cli: $(cat "$WORK/del-cli.out")"
grep -q 'operation="\(remove\|delete\)"' "$WORK/del-xml.out" || fail "delete xml: $(cat "$WORK/del-xml.out")"
$PY - "$WORK/del-json.out" <<'PY' || fail "delete json: $(cat "$WORK/del-json.out")"
import json, sys
text = open(sys.argv[1]).read()
d, _ = json.JSONDecoder().raw_decode(text[text.index("{"):])
devs = [x for x in d["devices"] if x["name"] == "twaren-border"]
assert devs and devs[0]["status"] == "changes", d
assert "xe-0/0/0" in json.dumps(devs[0]["changes"]), devs
PY
cmp -s "$RUN" "$WORK/before" || fail "a delete dry run changed the router"
echo "ok: delete --dry-run shows its diff as tree, cli, xml and json"
