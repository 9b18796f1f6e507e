#!/bin/sh
# t_revert.sh: rollback as a reverse diff (netconf/revert.c) on a Junos router of
# netstitch-netsim with the Junos device models, where the old rollback replaced the whole
# top-level <configuration> with an old snapshot:
#   - a later, unrelated change survives the rollback of an earlier push (it was lost);
#   - rollback of the rollback re-applies the push and keeps the later change;
#   - a later change to the same node refuses the rollback (exit 6, nothing changed, the
#     node and the later transaction named); --force undoes it anyway;
#   - rollback --dry-run changes nothing.
. "$(dirname "$0")/common.sh"
start=$(date +%s)
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
"$NETSTITCH" compile -o "$WORK/out" "$EX/service.xml" >/dev/null 2>&1 || fail "compile"
mkdir -p "$WORK/p1" "$WORK/other" "$WORK/mtu"
cp "$WORK/out/twaren-border.xml" "$WORK/p1/"
J='<configuration xmlns="http://yang.juniper.net/junos/conf/root"><interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">'
echo "$J<interface><name>xe-0/0/5</name><description>other team</description></interface></interfaces></configuration>" \
    >"$WORK/other/twaren-border.xml"
echo "$J<interface><name>xe-0/0/0</name><mtu>1600</mtu></interface></interfaces></configuration>" \
    >"$WORK/mtu/twaren-border.xml"
has() { grep -q "$1" "$RUN"; }
last() { $PY "$STATEPY" "$STATE" last; }

run_push p1 $A --payloads "$WORK/p1"
assert_rc 0 p1
TX1=$(last)
has 'twaren-ccx' || fail "the push did not configure the VPLS"
run_push other $A --payloads "$WORK/other"
assert_rc 0 other
has 'other team' || fail "the later change is not on the router"
cp "$RUN" "$WORK/before-dry"
run_cmd dry rollback "$TX1" $A --dry-run
assert_rc 0 dry
cmp -s "$RUN" "$WORK/before-dry" || fail "rollback --dry-run changed the router"

# 1. Rollback of the push: exactly its changes go; the later interface stays.
run_cmd rb1 rollback "$TX1" $A
assert_rc 0 rb1
has 'twaren-ccx' && fail "rollback: the VPLS instance is still there"
has 'xe-0/0/0' && fail "rollback: the push's interface is still there"
has 'other team' || fail "rollback lost a later, unrelated change (xe-0/0/5)"
RB1=$(last)
$PY "$STATEPY" "$STATE" journal "$RB1" | grep -q ' plan reverse-diff ' \
    || fail "the rollback did not use the reverse diff"
echo "ok: rollback undid the push and kept a later change to other nodes"

# 2. Rollback of the rollback: the push is back, the later change still there.
run_cmd rb2 rollback "$RB1" $A
assert_rc 0 rb2
has 'twaren-ccx' || fail "rollback of the rollback: no VPLS"
has 'other team' || fail "rollback of the rollback lost xe-0/0/5"
echo "ok: rollback of the rollback re-applied the push"

# 3. A later change to a node the push set: refused, nothing changed; --force undoes it.
run_push mtu $A --payloads "$WORK/mtu"
assert_rc 0 mtu
TXM=$(last)
cp "$RUN" "$WORK/before-conflict"
run_cmd rb3 rollback "$TX1" $A --format json
assert_rc 6 rb3
cmp -s "$RUN" "$WORK/before-conflict" || fail "the refused rollback changed the router"
$PY - "$WORK/rb3.out" "$TXM" <<'PY' || fail "conflict report: $(cat "$WORK/rb3.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"] == 6 and r["outcome"] == "aborted", r
e = r["devices"][0]["error"]
assert e["step"] == "plan" and sys.argv[2] in e["message"], e
assert "mtu" in e["message"] and "--force" in e["message"], e
PY
run_cmd rb4 rollback "$TX1" $A --force
assert_rc 0 rb4
has 'twaren-ccx' && fail "rollback --force: the VPLS instance is still there"
has 'other team' || fail "rollback --force lost xe-0/0/5"
echo "ok: a later change to the same node refuses the rollback (exit 6); --force undoes it"

no_secrets "$WORK"/*.out "$WORK"/*.err
echo "t_revert: ok in $(($(date +%s) - start)) s"
