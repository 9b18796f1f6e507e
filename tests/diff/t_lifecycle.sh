#!/bin/sh
# t_lifecycle.sh: the service lifecycle against a simulated network (examples/simnet.sh:
# one netstitch-netsim router per PE in its vendor profile: Junos, IOS-XR, SR OS, VRP,
# OpenConfig). The service comes from tests/diff/gen-service.py; docs/diff.md.
#   - configuration that exists before the service (pe1's port, and a port netstitch
#     never configures) is seeded with a plain payload push;
#   - diff before the first push shows every change; push; diff again is empty (exit 0)
#     and a second push sends nothing (no transaction);
#   - modifications, each diffed (tree, cli, xml, json) and pushed, the other routers
#     untouched: a tag change, an MTU change, a BGP neighbour removed, a site added to the
#     VPLS;
#   - an uncertain record (a pending generation nobody applies) is no drift; the next
#     push settles it;
#   - drift: an owned leaf changed outside netstitch is shown, push refuses (exit 6,
#     nothing touched), push --force puts it back;
#   - delete: every router is back at its configuration from before the service (the
#     pre-existing port with its original description and MTU; the foreign port intact);
#   - two services on the same routers: deleting one keeps what the other owns;
#   - the shipped example (six vendors): EOS's tag change as CLI, then its deletion;
#   - the ownership record is 0600 files in 0700 directories; no key anywhere.
set -u
cd "$TOP"
. tests/diff/common.sh
start=$(date +%s)
gen() {
    "$PY" tests/diff/gen-service.py --pes 5 "$@" > "$tmp/svc.xml"
}
gen --members 4
NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$tmp/svc.xml" > "$tmp/simnet.out" 2>&1 \
    || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
KEY=$(cat "$net/secrets/bgp-key")
devs="pe1 pe2 pe3 pe4 pe5"
run() {
    name=$1
    shift
    "$NETSTITCH" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    RC=$?
}
want_rc() {
    [ "$RC" = "$1" ] || no "$2: exit $RC, want $1: $(tail -5 "$tmp/$2.err")"
}
snap() {
    for d in $devs; do cp "$net/state/$d/running.xml" "$tmp/$1.$d.xml"; done
}
same() { # same SNAP-A SNAP-B DEVICES...
    a=$1
    b=$2
    shift 2
    for d in "$@"; do
        cmp -s "$tmp/$a.$d.xml" "$tmp/$b.$d.xml" || no "$d changed between $a and $b"
    done
}
STATEPY=tests/push/state.py
txns() { "$PY" "$STATEPY" "$ST" count; }
# svc NAME: a text of service svc's ownership record in the state store ("" when none).
svc() { "$PY" "$STATEPY" "$ST" svc svc "$1" 2> /dev/null; }
L="--inventory $INV --state-dir $ST -q"
# Pushes of services run without the health gate: this test is about the diff and the
# ownership record, and its generated services' BGP peers are not all simulated
# (tests/push/t_health.sh tests the gate).

# Configuration from before the service: pe1's access port, and a port it never uses.
mkdir -p "$tmp/seed"
cat > "$tmp/seed/pe1.xml" << 'EOF'
<configuration xmlns="http://yang.juniper.net/junos/conf/root">
  <interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">
    <interface><name>ge-0/0/1</name><description>pre-existing uplink</description>
      <mtu>1514</mtu></interface>
    <interface><name>ge-0/0/9</name><description>not netstitch's</description></interface>
  </interfaces>
</configuration>
EOF
run seed push --payloads "$tmp/seed" $L
want_rc 0 seed
snap s0

# Before the first push: everything to do.
run d0 diff "$tmp/svc.xml" $L --format json
want_rc 3 d0
"$PY" - "$tmp/d0.out" << 'PY' || no "first diff json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["service"] == "svc" and len(d["devices"]) == 5, d
assert all(x["status"] == "changes" and not x["drift"] for x in d["devices"]), d
PY
t0=$(date +%s.%N)
run p1 push "$tmp/svc.xml" --no-health $L
t1=$(date +%s.%N)
want_rc 0 p1
grep -q 'committed on every device' "$tmp/p1.out" || no "first push: $(cat "$tmp/p1.out")"
echo "timing: first push (diff + transaction) of 5 routers: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
grep -q 'pre-existing' "$net/state/pe1/running.xml" \
    && no "pe1's port description was not replaced"

# Idempotency.
t0=$(date +%s.%N)
for f in tree cli xml json; do
    run same.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 0 same.$f
done
t1=$(date +%s.%N)
echo "timing: 4 diffs of 5 routers: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
[ -s "$tmp/same.tree.out" ] && no "unchanged service, non-empty diff: $(head "$tmp/same.tree.out")"
n=$(txns)
run p2 push "$tmp/svc.xml" --no-health $L
want_rc 0 p2
grep -q 'nothing to do' "$tmp/p2.out" || no "unchanged push: $(cat "$tmp/p2.out")"
[ "$(txns)" = "$n" ] || no "an unchanged push made a transaction"
[ -n "$(svc current)" ] || no "no ownership record"
# The same service from a second state store (another operator's, another CI runner's):
# its marked configuration is on the routers but unknown there: refused (6), nothing
# touched; --force adopts it.
snap s1f
run foreign push "$tmp/svc.xml" --inventory "$INV" --state-dir "$tmp/state2" -q
want_rc 6 foreign
grep -q "netstitch's marks for this service that .*state2.* has no record of" "$tmp/foreign.err" \
    || no "foreign: $(cat "$tmp/foreign.err")"
snap s1g
same s1f s1g $devs
run adopt push "$tmp/svc.xml" --inventory "$INV" --state-dir "$tmp/state2" -q --force
want_rc 0 adopt
[ "$("$PY" "$STATEPY" "$ST" mode)" = 600 ] || no "state store mode"

# A tag change: pe2's access VLAN 102 becomes 222.
snap s1
gen --members 4 --vlan 2=222
for f in tree cli xml json; do
    run tag.$f diff "$tmp/svc.xml" $L --format $f
    want_rc 3 tag.$f
done
grep -q '^- *interface GigabitEthernet0/0/0/1.102 {' "$tmp/tag.tree.out" || no "tag: old subif"
grep -q '^+ *interface GigabitEthernet0/0/0/1.222 {' "$tmp/tag.tree.out" || no "tag: new subif"
grep -q '^no interface GigabitEthernet0/0/0/1.102$' "$tmp/tag.cli.out" || no "tag: cli no interface"
grep -q '^interface GigabitEthernet0/0/0/1.222 l2transport$' "$tmp/tag.cli.out" || no "tag: cli"
grep -q 'nc:operation="delete"' "$tmp/tag.xml.out" || no "tag: xml has no delete"
"$PY" - "$tmp/tag.json.out" << 'PY' || no "tag: json"
import json, sys
d = json.load(open(sys.argv[1]))
st = {x["name"]: x["status"] for x in d["devices"]}
assert st == {"pe1": "in-sync", "pe2": "changes", "pe3": "in-sync", "pe4": "in-sync",
              "pe5": "in-sync"}, st
old = "interface[interface-name='GigabitEthernet0/0/0/1.102']"
ops = [(c["op"], c["path"]) for x in d["devices"] for c in x["changes"]]
assert any(op == "delete" and p.endswith(old) for op, p in ops), ops
PY
run tag.push push "$tmp/svc.xml" --no-health $L
want_rc 0 tag.push
snap s2
grep -q 'GigabitEthernet0/0/0/1.222' "$tmp/s2.pe2.xml" || no "tag: pe2 lacks .222"
grep -q 'GigabitEthernet0/0/0/1.102' "$tmp/s2.pe2.xml" && no "tag: pe2 still has .102"
same s1 s2 pe1 pe3 pe4 pe5

# An MTU change: the VPLS carries IP 1400.
gen --members 4 --vlan 2=222 --ip-mtu 1400
run mtu diff "$tmp/svc.xml" $L
want_rc 3 mtu
grep -q '^+ *mtu 1400;' "$tmp/mtu.out" || no "mtu: no new VPLS MTU"
grep -q '^+ *service-mtu 1414;' "$tmp/mtu.out" || no "mtu: no new SR OS service MTU"
run mtu.push push "$tmp/svc.xml" --no-health $L
want_rc 0 mtu.push
snap s3
grep -q '<mtu>1400</mtu>' "$tmp/s3.pe4.xml" || no "mtu: pe4 VSI MTU"
same s2 s3 pe5

# A BGP neighbour removed: pe3 (SR OS) loses its session, policies and sub-interface.
gen --members 4 --vlan 2=222 --ip-mtu 1400 --drop-bgp 3
run bgp diff "$tmp/svc.xml" $L --format cli
want_rc 3 bgp
grep -q '^delete /configure router "Base"' "$tmp/bgp.out" || no "bgp: cli $(cat "$tmp/bgp.out")"
grep -q '^delete /configure policy-options policy-statement "NS-pe3-to-cloud-IN"$' "$tmp/bgp.out" \
    || no "bgp: policy removal"
run bgp.push push "$tmp/svc.xml" --no-health $L
want_rc 0 bgp.push
snap s4
grep -q '169.254.0.13' "$tmp/s4.pe3.xml" && no "bgp: pe3 still has the neighbour"
grep -q 'NS-pe3-to-cloud' "$tmp/s4.pe3.xml" && no "bgp: pe3 still has the policies"
grep -q '<service-mtu>1414</service-mtu>' "$tmp/s4.pe3.xml" || no "bgp: pe3 lost the VPLS"
same s3 s4 pe1 pe2 pe4 pe5

# Without the records (--no-state), the removed session is not netstitch's business.
gen --members 4 --vlan 2=222 --ip-mtu 1400
run nostate diff "$tmp/svc.xml" $L --no-state
want_rc 3 nostate
grep -q '^-' "$tmp/nostate.out" && no "--no-state removes something: $(grep '^-' "$tmp/nostate.out")"

# A site added to the VPLS: pe5 joins; the other members get a pseudowire to it.
gen --members 5 --vlan 2=222 --ip-mtu 1400 --drop-bgp 3
run site diff "$tmp/svc.xml" $L --format json
want_rc 3 site
"$PY" - "$tmp/site.out" << 'PY' || no "site: json"
import json, sys
d = json.load(open(sys.argv[1]))
assert all(x["status"] == "changes" for x in d["devices"]), d
assert all(c["op"] != "delete" for x in d["devices"] for c in x["changes"]), d
PY
run site.push push "$tmp/svc.xml" --no-health $L
want_rc 0 site.push
grep -q '10.255.0.5' "$net/state/pe1/running.xml" || no "site: pe1 has no neighbour pe5"
grep -q 'Ethernet1' "$net/state/pe5/running.xml" || no "site: pe5 has no attachment circuit"
run site.again diff "$tmp/svc.xml" $L
want_rc 0 site.again

# An interrupted push leaves a pending generation: the record is uncertain, a leaf that
# matches either generation is not drift, and the next push settles it.
cur=$(svc current)
for f in $("$PY" "$STATEPY" "$ST" svc-list svc | sed -n "s|^$cur/||p"); do
    svc "$cur/$f" | "$PY" "$STATEPY" "$ST" svc-put svc "gen-900/$f"
done
i=$(svc gen-900/meta | sed -n 's/^device \([0-9]*\) junos [01] pe1$/\1/p')
svc "gen-900/dev-$i.owned.xml" | sed 's|<mtu>1518</mtu>|<mtu>1600</mtu>|' > "$tmp/owned900"
"$PY" "$STATEPY" "$ST" svc-put svc "gen-900/dev-$i.owned.xml" < "$tmp/owned900"
svc "gen-900/dev-$i.owned.xml" | grep -q '<mtu>1600</mtu>' || no "test setup: no owned MTU to change"
echo gen-900 | "$PY" "$STATEPY" "$ST" svc-put svc pending
run unc diff "$tmp/svc.xml" $L --format json
want_rc 0 unc
"$PY" - "$tmp/unc.out" << 'PY' || no "uncertain record: json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["uncertain"] is True, d
assert not any(x["drift"] for x in d["devices"]), d
PY
grep -q 'uncertain' "$tmp/unc.err" || [ -n "$(grep -l uncertain "$tmp/unc.out")" ] \
    || no "uncertain record not mentioned"
run settle push "$tmp/svc.xml" --no-health $L
want_rc 0 settle
[ -n "$(svc pending)" ] && no "the push did not settle the uncertain record"
run settled diff "$tmp/svc.xml" $L --format json
grep -q '"uncertain": false' "$tmp/settled.out" || no "still uncertain after the push"

# Drift: pe1's owned MTU changed outside netstitch. ge-0/0/2 carries the routed dot1q hop
# of a 1500-byte connection, so netstitch raised it to 1518 (it writes a port MTU only when
# the plan changes it: ge-0/0/1 at IP MTU 1400 keeps its declared 1514 and is not owned).
mkdir -p "$tmp/oob"
cat > "$tmp/oob/pe1.xml" << 'EOF'
<configuration xmlns="http://yang.juniper.net/junos/conf/root">
  <interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">
    <interface><name>ge-0/0/2</name><mtu>9000</mtu></interface>
  </interfaces>
</configuration>
EOF
run oob push --payloads "$tmp/oob" $L
want_rc 0 oob
run drift diff "$tmp/svc.xml" $L
want_rc 3 drift
grep -q "^! drift on pe1: .*interface\[name='ge-0/0/2'\]/mtu is 9000, netstitch set 1518" \
    "$tmp/drift.out" || no "drift not shown: $(cat "$tmp/drift.out")"
run drift.json diff "$tmp/svc.xml" $L --format json
"$PY" - "$tmp/drift.json.out" << 'PY' || no "drift: json"
import json, sys
d = json.load(open(sys.argv[1]))
pe1 = d["devices"][0]
assert pe1["drift"] and pe1["status"] == "changes", pe1
assert not any(x["drift"] for x in d["devices"][1:]), d
PY
snap s5
run refuse push "$tmp/svc.xml" --no-health $L --format json
want_rc 6 refuse
grep -q 'drift' "$tmp/refuse.err" || no "refusal does not say why"
"$PY" - "$tmp/refuse.out" << 'PY' || no "refusal: json report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exit"] == 6 and d["outcome"] == "not-run" and d["transaction"] is None, d
assert [x["name"] for x in d["devices"] if x["drift"]] == ["pe1"], d
PY
snap s6
same s5 s6 $devs
run force push "$tmp/svc.xml" --no-health $L --force
want_rc 0 force
grep -q '<mtu>9000</mtu>' "$net/state/pe1/running.xml" && no "--force did not restore the MTU"
run after diff "$tmp/svc.xml" $L
want_rc 0 after

# The store's view (netstitch services, log --service): svc owns its routers.
run svcs services --state-dir "$ST" --format json
want_rc 0 svcs
"$PY" - "$tmp/svcs.out" << 'PY' || no "services --format json: $(cat "$tmp/svcs.out")"
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["services"]}
assert set(s) == {"svc"} and s["svc"]["transaction"] and not s["svc"]["uncertain"], s
assert len(s["svc"]["devices"]) >= 5, s
PY

# delete --dry-run: the diff it would send (tree by default, any diff format), nothing
# committed.
snap s6d
run deldry delete svc $L --dry-run
want_rc 0 deldry
grep -q '^-' "$tmp/deldry.out" || no "delete --dry-run shows no removal: $(head "$tmp/deldry.out")"
grep -q 'dry run: every device accepted the change' "$tmp/deldry.out" || no "delete --dry-run report"
run deldryx delete svc $L --dry-run --diff-format xml
want_rc 0 deldryx
grep -q 'operation="\(delete\|remove\)"' "$tmp/deldryx.out" \
    || no "delete --dry-run --diff-format xml: $(head "$tmp/deldryx.out")"
snap s6e
same s6d s6e $devs

# Delete: every router as before the service.
run del delete svc $L --comment "decommissioned"
want_rc 0 del
run dlog log --state-dir "$ST" --service svc --format json
"$PY" - "$tmp/dlog.out" << 'PY' || no "log --service svc: $(cat "$tmp/dlog.out")"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"]
assert t and all(x["service"] == "svc" for x in t), t
assert t[-1]["kind"] == "delete" and t[-1]["comment"] == "decommissioned", t[-1]
assert t[-1]["outcome"] == "committed", t
assert all(x["kind"] == "push" or x["outcome"] == "dry-run-ok" for x in t[:-1]), t
PY
run svcs2 services --state-dir "$ST" --format json
grep -q '"svc"' "$tmp/svcs2.out" && no "a deleted service is still listed: $(cat "$tmp/svcs2.out")"
snap s7
same s0 s7 $devs
grep -q 'pre-existing uplink' "$tmp/s7.pe1.xml" || no "delete: the original description"
grep -q "not netstitch's" "$tmp/s7.pe1.xml" || no "delete: the foreign port"
run del2 delete svc $L
want_rc 0 del2
grep -q 'nothing to do' "$tmp/del2.out" || no "second delete: $(cat "$tmp/del2.out")"
run gone diff "$tmp/svc.xml" $L
want_rc 3 gone
grep -q '^!' "$tmp/gone.out" && no "after delete, drift is reported"

# Two services sharing routers: B (the VPLS only) is already in place when A pushed it;
# deleting A keeps what B owns and removes only A's BGP; deleting B then restores all.
gen --members 5
cp "$tmp/svc.xml" "$tmp/a.xml"
"$PY" tests/diff/gen-service.py --pes 5 --members 5 --bgp none > "$tmp/b.xml"
run a push "$tmp/a.xml" --no-health $L
want_rc 0 a
run b push "$tmp/b.xml" --no-health $L
want_rc 0 b
grep -q 'nothing to do' "$tmp/b.out" || no "B needed changes: $(cat "$tmp/b.out")"
# C: the same VPLS with another IP MTU: it would change leaves A and B own with other
# values. Refused before anything is touched, naming both services and the node.
"$PY" tests/diff/gen-service.py --pes 5 --members 5 --bgp none --ip-mtu 1400 > "$tmp/c.xml"
snap s7o
run c push "$tmp/c.xml" $L
want_rc 1 c
grep -q "service c overlaps service [ab]: .* is .* in [ab] and .* in c" "$tmp/c.err" \
    || no "overlap: $(cat "$tmp/c.err")"
snap s7p
same s7o s7p $devs
echo "ok: $(grep -m1 overlaps "$tmp/c.err")"
run dela delete a $L
want_rc 0 dela
run bsame diff "$tmp/b.xml" $L
want_rc 0 bsame
grep -q '169.254' "$net/state/pe1/running.xml" && no "deleting A left its BGP session"
grep -q 'NS-pe1-to-cloud' "$net/state/pe1/running.xml" && no "deleting A left its policies"
run delb delete b $L
want_rc 0 delb
snap s8
same s0 s8 $devs

# EOS (arista-cli command lines) in the shipped example: a tag change on ccx-transit is
# `no interface` of the old sub-interface and the new one with every line it needs.
net2=$tmp/net2
mkdir -p "$tmp/ex"
cp examples/twcc-ccx-aws/service.xml "$tmp/ex/service.xml"
NETSIM=$NETSIM sh examples/simnet.sh start "$net2" "$tmp/ex/service.xml" > "$tmp/simnet2.out" 2>&1 \
    || { cat "$tmp/simnet2.out"; no "second simnet did not start"; }
L2="--inventory $net2/inventory.xml --state-dir $ST -q"
run ex push "$tmp/ex/service.xml" --no-health $L2
want_rc 0 ex
sed -i 's|<vlan>101</vlan>|<vlan>102</vlan>|' "$tmp/ex/service.xml"
run eos diff "$tmp/ex/service.xml" $L2 --format cli
want_rc 3 eos
sed -n '/device ccx-transit/,$p' "$tmp/eos.out" > "$tmp/eos.cli"
printf '%s\n' '! device ccx-transit (eos)' 'no interface Ethernet2.101' 'interface Ethernet2.102' \
    '   description netstitch twcc-aws hop 7 (aws-dx)' '   encapsulation dot1q vlan 102' \
    '   mtu 1500' '   ip address 169.254.100.2/30' '!' > "$tmp/eos.want"
cmp -s "$tmp/eos.cli" "$tmp/eos.want" || no "EOS cli: $(cat "$tmp/eos.cli")"
run ex.del delete "$tmp/ex/service.xml" $L2
want_rc 0 ex.del
for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
    [ -s "$net2/state/$d/running.xml" ] && no "delete of the example left $d configured"
done
sh examples/simnet.sh stop "$net2" > /dev/null 2>&1

# push --payloads DIR (compile -o DIR, review, push): the same lifecycle as push SERVICE,
# as the service DIR/plan.json names (plsvc): ownership recorded, what the service no
# longer generates removed, drift refused; --redeploy re-sends an in-sync device.
gen --members 4
mkdir -p "$tmp/plsvc"
cp "$tmp/svc.xml" "$tmp/plsvc/service.xml"
"$NETSTITCH" compile -o "$tmp/pl1" "$tmp/plsvc/service.xml" > /dev/null 2>&1 || no "compile pl1"
gen --members 3
cp "$tmp/svc.xml" "$tmp/plsvc/service.xml"
"$NETSTITCH" compile -o "$tmp/pl2" "$tmp/plsvc/service.xml" > /dev/null 2>&1 || no "compile pl2"
run pl1 push --payloads "$tmp/pl1" $L --format json
want_rc 0 pl1
"$PY" "$STATEPY" "$ST" svc plsvc current > /dev/null 2>&1 || no "push --payloads: no ownership record"
run pl1.log log --state-dir "$ST" --service plsvc --format json
grep -q '"kind": "push"' "$tmp/pl1.log.out" || no "push --payloads: no history row of plsvc"
run pl.d2 diff --payloads "$tmp/pl2" --name plsvc $L --format json
want_rc 3 pl.d2
"$PY" - "$tmp/pl.d2.out" << 'PY' || no "payloads: the stale configuration is not to be removed"
import json, sys
d = json.load(open(sys.argv[1]))
assert any(c["op"] == "delete" for x in d["devices"] for c in x["changes"]), d
PY
run pl2 push --payloads "$tmp/pl2" $L
want_rc 0 pl2
run pl.d3 diff --payloads "$tmp/pl2" --name plsvc $L
want_rc 0 pl.d3
# --limit: back to pl1 on one router only; the others stay pending, their records kept.
run pl.back diff --payloads "$tmp/pl1" --name plsvc $L --format json
want_rc 3 pl.back
lim=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(x["name"] for x in d["devices"] if x["status"] == "changes"))' "$tmp/pl.back.out")
one=${lim%% *}
[ -n "$one" ] && [ "$one" != "$lim" ] || no "--limit test needs two changed routers, got '$lim'"
run pl.lim push --payloads "$tmp/pl1" $L --limit "$one" --format json
want_rc 0 pl.lim
"$PY" - "$tmp/pl.lim.out" "$one" << 'PY' || no "push --limit: $(cat "$tmp/pl.lim.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["name"] for x in d["devices"]] == [sys.argv[2]] and d["outcome"] == "committed", d
PY
run pl.lim1 diff --payloads "$tmp/pl1" --name plsvc $L --limit "$one"
want_rc 0 pl.lim1
run pl.lim2 diff --payloads "$tmp/pl1" --name plsvc $L --format json
want_rc 3 pl.lim2
"$PY" - "$tmp/pl.lim2.out" "$one" << 'PY' || no "after push --limit: $(cat "$tmp/pl.lim2.out")"
import json, sys
d = {x["name"]: x for x in json.load(open(sys.argv[1]))["devices"]}
assert d[sys.argv[2]]["status"] == "in-sync", d
assert any(x["status"] == "changes" and not x["drift"] for x in d.values()), d
PY
# Drift on a node plsvc owns: refused (6) as push SERVICE refuses it.
printf '%s\n' '<configuration xmlns="http://yang.juniper.net/junos/conf/root">' \
    '<interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">' \
    '<interface><name>ge-0/0/1</name><mtu>9000</mtu></interface></interfaces></configuration>' \
    > "$tmp/oob/pe1.xml"
run pl.oob push --payloads "$tmp/oob" --no-state $L
want_rc 0 pl.oob
run pl.drift push --payloads "$tmp/pl2" $L
want_rc 6 pl.drift
grep -q 'drift' "$tmp/pl.drift.err" || no "push --payloads: drift refusal does not say why"
# --redeploy: overwrites the drift and re-sends every device, in sync or not.
run pl.re push --payloads "$tmp/pl2" $L --redeploy --format json
want_rc 0 pl.re
"$PY" - "$tmp/pl.re.out" << 'PY' || no "redeploy: $(cat "$tmp/pl.re.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "committed" and len(d["devices"]) == 5, d
PY
grep -q '<mtu>9000</mtu>' "$net/state/pe1/running.xml" && no "--redeploy left the drift"
run pl.d4 diff --payloads "$tmp/pl2" --name plsvc $L
want_rc 0 pl.d4
run pl.del delete plsvc $L
want_rc 0 pl.del

# No key anywhere but on the devices.
grep -rlF -- "$KEY" "$tmp"/*.out "$tmp"/*.err "$ST" && no "the BGP key leaked"
echo "t_lifecycle: $(($(date +%s) - start)) s"
exit $fail
