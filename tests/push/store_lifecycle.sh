# store_lifecycle.sh: issue 16's "Done when" list, run on one state store backend (sourced
# by t_store_sqlite.sh and t_store_pg.sh after common.sh; the caller sets STORE to the
# store option, "--state-dir DIR" or "--state postgresql://..."). Two netstitch-netsim
# routers in their vendor profiles with the vendor models (twaren-border: Junos, twcc-edge:
# Huawei VRP); the payloads are compiled from a service of our own (the example's
# connection renamed), pushed with --payloads DIR --name (the compile, review, push flow):
#   1. rollback of an older transaction: refused (exit 6, the node and the later
#      transaction named, nothing changed) while a later one changed the same node; --force;
#      without the conflict it undoes exactly that push and keeps a later, unrelated one;
#      ownership follows (diff shows the service pending); rollback of the rollback puts it
#      back (diff in sync), and so on for two more levels; delete after each (nothing to
#      do / removes it);
#   2. a rotated BGP key (its file changed): diff shows one replaced, redacted leaf, push
#      sends it, then in sync; the key nowhere in outputs;
#   3. push --payloads with stale configuration (removed) and with drift (refused, 6);
#   4. two processes ("hosts": their own local directories) push at once: different
#      services on the same router, then the same service: each exits 0 or 5 (busy),
#      what committed is in sync, nothing is left interrupted;
#   5. every history command with --format json, parsed: log (filters), show, services,
#      rollback --list, gc --dry-run.
EX=$TOP/examples/twcc-ccx-aws
netsim_up "twaren-border:junos twcc-edge:vrp"
RUN=$NS/state/twaren-border/running.xml
printf 'Store&Key<1>\n' >"$WORK/bgp.key"
chmod 0600 "$WORK/bgp.key"
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    NS_RPC_TIMEOUT=20 ns_devices_xml
    echo "<secret><name>bgp-twcc-ccx</name><source>file:$WORK/bgp.key</source></secret>"
    echo '</inventory>'
} >"$INV"
mkdir -p "$WORK/hostA" "$WORK/hostB"
chmod 0700 "$WORK/hostA" "$WORK/hostB"
A() { NETSTITCH_STATE_DIR=$WORK/hostA "$NETSTITCH" "$@"; }
B() { NETSTITCH_STATE_DIR=$WORK/hostB "$NETSTITCH" "$@"; }
S="--inventory $INV $STORE"
has() { grep -q "$1" "$RUN"; }
json() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
last() { A log $STORE --format json >"$WORK/last.json" && json "$WORK/last.json" 'd["transactions"][-1]["id"]'; }
# run NAME ARGS...: netstitch (host A) ARGS, health gate off for push (netsim has no BGP).
run() {
    name=$1
    shift
    if [ "$1" = push ]; then
        shift
        set -- push --no-health "$@"
    fi
    A "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
}

sed 's/twcc-aws/store-probe/g' "$EX/service.xml" >"$WORK/service.xml"
"$NETSTITCH" compile -o "$WORK/out" "$WORK/service.xml" >/dev/null 2>&1 || fail "compile"
mkdir -p "$WORK/pa" "$WORK/other" "$WORK/mtu" "$WORK/pa2" "$WORK/oob"
cp "$WORK/out/twaren-border.xml" "$WORK/out/twcc-edge.xml" "$WORK/pa/"
J='<configuration xmlns="http://yang.juniper.net/junos/conf/root"><interfaces xmlns="http://yang.juniper.net/junos/conf/interfaces">'
echo "$J<interface><name>xe-0/0/5</name><description>other team</description></interface></interfaces></configuration>" \
    >"$WORK/other/twaren-border.xml"
echo "$J<interface><name>xe-0/0/0</name><mtu>1600</mtu></interface></interfaces></configuration>" \
    >"$WORK/mtu/twaren-border.xml"
P="--payloads $WORK/pa --name store-a"

# --- 1. rollback, rollback of the rollback, delete after each -------------------------
run pa push $S $P --comment "first"
assert_rc 0 pa
TXA=$(last)
has 'twaren-ccx' || fail "push: no VPLS on twaren-border"
run other push $S --payloads "$WORK/other" --name other-team
assert_rc 0 other
TXO=$(last)
# A later change to a node store-a set, outside the lifecycle (no service: no ownership).
run mtu push $S --payloads "$WORK/mtu" --no-state
assert_rc 0 mtu
TXM=$(last)
cp "$RUN" "$WORK/before-conflict"
run conflict rollback "$TXA" $S
assert_rc 6 conflict
grep -q "$TXM" "$WORK/conflict.out" "$WORK/conflict.err" || fail "conflict: the later transaction is not named: $(cat "$WORK/conflict.out" "$WORK/conflict.err")"
grep -q "mtu" "$WORK/conflict.out" "$WORK/conflict.err" || fail "conflict: the node is not named"
cmp -s "$RUN" "$WORK/before-conflict" || fail "a refused rollback changed the router"
# Undo the later change; now the older push rolls back alone.
run rbm rollback "$TXM" $S
assert_rc 0 rbm
run rba rollback "$TXA" $S --comment "undo store-a"
assert_rc 0 rba
RBA=$(last)
has 'twaren-ccx' && fail "rollback: the VPLS is still there"
has 'other team' || fail "rollback lost the later, unrelated change"
run d1 diff $S $P
assert_rc 3 d1
run svc1 services $STORE --format json
$PY - "$WORK/svc1.out" <<'PY' || fail "services after the rollback: $(cat "$WORK/svc1.out")"
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["services"]}
assert "other-team" in s, s
assert "store-a" not in s or not s["store-a"].get("devices"), s
PY
run del1 delete store-a $S
assert_rc 0 del1
has 'other team' || fail "delete after the rollback touched the other service"
echo "ok: rollback of an older push (refused while a later one changed its node), ownership follows, delete"
run rbb rollback "$RBA" $S
assert_rc 0 rbb
has 'twaren-ccx' || fail "rollback of the rollback: no VPLS"
has 'other team' || fail "rollback of the rollback lost the later change"
run d2 diff $S $P
assert_rc 0 d2
# Deeper: a rollback of the rollback of the rollback undoes the push again, and one more
# re-applies it; the record follows each time.
RBB=$(last)
run rbc rollback "$RBB" $S
assert_rc 0 rbc
has 'twaren-ccx' && fail "rollback (3 levels): the VPLS is still there"
run d2c diff $S $P
assert_rc 3 d2c
run svc3 services $STORE --format json
$PY - "$WORK/svc3.out" <<'PY' || fail "services after 3 levels of rollback: $(cat "$WORK/svc3.out")"
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["services"]}
assert "store-a" not in s or not s["store-a"].get("devices"), s
PY
RBC=$(last)
run rbd rollback "$RBC" $S
assert_rc 0 rbd
has 'twaren-ccx' || fail "rollback (4 levels): no VPLS"
run d2d diff $S $P
assert_rc 0 d2d
run svc4 services $STORE --format json
$PY - "$WORK/svc4.out" <<'PY' || fail "services after 4 levels of rollback: $(cat "$WORK/svc4.out")"
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["services"]}
assert s["store-a"]["devices"], s
PY
run del2 delete store-a $S
assert_rc 0 del2
has 'twaren-ccx' && fail "delete after the rollback of the rollback left the VPLS"
has 'other team' || fail "delete took the other service's interface"
run d3 diff $S $P
assert_rc 3 d3
echo "ok: rollback of the rollback, then delete"
# --force: a conflicting later change is undone anyway.
run pa2 push $S $P
assert_rc 0 pa2
TXA2=$(last)
run mtu2 push $S --payloads "$WORK/mtu" --no-state
assert_rc 0 mtu2
run force rollback "$TXA2" $S --force
assert_rc 0 force
has 'twaren-ccx' && fail "rollback --force left the VPLS"
run del3 delete store-a $S
assert_rc 0 del3
echo "ok: rollback --force over a later change"

# --- 2. key rotation ---------------------------------------------------------------------
run pk push $S $P
assert_rc 0 pk
printf 'Rotated&Key<2>\n' >"$WORK/bgp.key"
run rot diff $S $P --format json
assert_rc 3 rot
$PY - "$WORK/rot.out" <<'PY' || fail "rotated key: $(cat "$WORK/rot.out")"
import json, sys
d = {x["name"]: x for x in json.load(open(sys.argv[1]))["devices"]}
assert d["twcc-edge"]["status"] == "changes" and d["twaren-border"]["status"] == "in-sync", d
c = d["twcc-edge"]["changes"]
assert len(c) == 1 and c[0]["op"] == "replace" and c[0]["old"] == "********", c
assert "NST_SECRET{bgp-twcc-ccx}" in c[0]["value"] and not d["twcc-edge"]["drift"], c
PY
run rotpush push $S $P
assert_rc 0 rotpush
grep -qF 'Rotated&amp;Key&lt;2&gt;' "$NS/state/twcc-edge/running.xml" ||
    grep -qF 'Rotated&Key<2>' "$NS/state/twcc-edge/running.xml" || fail "the rotated key did not reach twcc-edge"
run rot2 diff $S $P
assert_rc 0 rot2
echo "ok: a rotated key is a changed, redacted leaf, pushed"

# --- 3. push --payloads: stale configuration, drift ----------------------------------------
# pa2: store-a without its VPLS instance (the routing-instances element dropped).
$PY - "$WORK/pa/twaren-border.xml" "$WORK/pa2/twaren-border.xml" <<'PY' || fail "pa2"
import re, sys
t = open(sys.argv[1]).read()
t2 = re.sub(r"<routing-instances.*?</routing-instances>", "", t, flags=re.S)
assert t2 != t
open(sys.argv[2], "w").write(t2)
PY
cp "$WORK/pa/twcc-edge.xml" "$WORK/pa2/"
run stale push $S --payloads "$WORK/pa2" --name store-a
assert_rc 0 stale
has 'twaren-ccx' && fail "push --payloads left the stale VPLS instance"
run stale2 diff $S --payloads "$WORK/pa2" --name store-a
assert_rc 0 stale2
echo "$J<interface><name>xe-0/0/0</name><description>changed by hand</description></interface></interfaces></configuration>" \
    >"$WORK/oob/twaren-border.xml"
run oob push $S --payloads "$WORK/oob" --no-state
assert_rc 0 oob
cp "$RUN" "$WORK/before-drift"
run drift push $S $P
assert_rc 6 drift
grep -q 'drift' "$WORK/drift.err" "$WORK/drift.out" || fail "drift refusal does not say why"
cmp -s "$RUN" "$WORK/before-drift" || fail "a push refused for drift changed the router"
run redo push $S $P --force
assert_rc 0 redo
grep -q 'changed by hand' "$RUN" && fail "push --force left the drift"
echo "ok: push --payloads removes stale configuration and refuses drift"

# --- 4. two processes at once ------------------------------------------------------------
mkdir -p "$WORK/x" "$WORK/y"
echo "$J<interface><name>xe-0/0/6</name><description>team x</description></interface></interfaces></configuration>" \
    >"$WORK/x/twaren-border.xml"
echo "$J<interface><name>xe-0/0/7</name><description>team y</description></interface></interfaces></configuration>" \
    >"$WORK/y/twaren-border.xml"
both() {
    A push --no-health $S --payloads "$WORK/$1" --name "$2" >"$WORK/c1.out" 2>"$WORK/c1.err" &
    p1=$!
    B push --no-health $S --payloads "$WORK/$3" --name "$4" >"$WORK/c2.out" 2>"$WORK/c2.err" &
    p2=$!
    wait $p1
    r1=$?
    wait $p2
    r2=$?
    for r in $r1 $r2; do
        case $r in 0 | 5) ;; *) cat "$WORK/c1.out" "$WORK/c1.err" "$WORK/c2.out" "$WORK/c2.err"
            fail "concurrent pushes ($2, $4): exit $r1 and $r2" ;;
        esac
    done
}
both x team-x y team-y
[ $r1 = 0 ] || [ $r2 = 0 ] || fail "concurrent pushes of two services: both refused"
# The refused one (if any) goes through now; both are then in sync.
[ $r1 = 0 ] || { run x2 push $S --payloads "$WORK/x" --name team-x; assert_rc 0 x2; }
[ $r2 = 0 ] || { run y2 push $S --payloads "$WORK/y" --name team-y; assert_rc 0 y2; }
run dx diff $S --payloads "$WORK/x" --name team-x
assert_rc 0 dx
run dy diff $S --payloads "$WORK/y" --name team-y
assert_rc 0 dy
has 'team x' && has 'team y' || fail "concurrent pushes: a service is missing on the router"
# The same service from both hosts at once, different contents: one wins or they
# serialise; the record and the router agree afterwards.
mkdir -p "$WORK/z1" "$WORK/z2"
sed 's/team x/team z one/' "$WORK/x/twaren-border.xml" >"$WORK/z1/twaren-border.xml"
sed 's/team x/team z two/' "$WORK/x/twaren-border.xml" >"$WORK/z2/twaren-border.xml"
both z1 team-x z2 team-x
[ $r1 = 0 ] || [ $r2 = 0 ] || fail "concurrent pushes of one service: both refused"
for z in z1 z2; do
    run d$z diff $S --payloads "$WORK/$z" --name team-x
    eval "dz_$z=\$RC"
done
[ "$dz_z1" = 0 ] || [ "$dz_z2" = 0 ] || fail "after concurrent pushes of team-x, neither version is in sync"
run ilog log $STORE --format json
$PY - "$WORK/ilog.out" <<'PY' || fail "concurrent pushes left something unfinished: $(cat "$WORK/ilog.out")"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"]
assert not [x for x in t if x["outcome"] in ("interrupted", "incomplete", "running")], t
PY
echo "ok: concurrent pushes from two processes: different services, then the same service"

# --- 5. history, every command in JSON ----------------------------------------------------
run log log $STORE --service store-a --format json
$PY - "$WORK/log.out" "$TXA" <<'PY' || fail "log --service: $(cat "$WORK/log.out")"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["transactions"]
assert t and all(x["service"] == "store-a" for x in t), t
kinds = {x["kind"] for x in t}
assert {"push", "rollback", "delete"} <= kinds, kinds
first = [x for x in t if x["id"] == sys.argv[2]][0]
assert first["comment"] == "first" and first["user"] and first["host"] and first["started"], first
PY
run logd log $STORE --device twcc-edge --format json
$PY -c 'import json,sys; t=json.load(open(sys.argv[1]))["transactions"]; assert t and all("twcc-edge" in x["devices"] for x in t), t' \
    "$WORK/logd.out" || fail "log --device: $(cat "$WORK/logd.out")"
run show show "$TXA" $STORE --format json
$PY - "$WORK/show.out" "$TXA" <<'PY' || fail "show: $(cat "$WORK/show.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "show" and d["exit"] == 0, d
assert sys.argv[2] in json.dumps(d) and "twaren-border" in json.dumps(d), d
PY
run svcs services $STORE --format json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); n={x["name"] for x in d["services"]}; assert {"store-a","team-x","team-y","other-team"} <= n, n' \
    "$WORK/svcs.out" || fail "services: $(cat "$WORK/svcs.out")"
run list rollback --list $STORE --format json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(x["id"] == sys.argv[2] for x in d["transactions"]), d' \
    "$WORK/list.out" "$TXA" || fail "rollback --list: $(cat "$WORK/list.out")"
run gc gc --keep 3 --dry-run $STORE --format json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["command"] == "gc" and d["deleted"], d' \
    "$WORK/gc.out" || fail "gc --dry-run: $(cat "$WORK/gc.out")"
echo "ok: log, show, services, rollback --list, gc in JSON"

no_secrets "$WORK"/*.out "$WORK"/*.err
for s in 'Store&Key<1>' 'Rotated&Key<2>' 'Rotated&amp;Key&lt;2&gt;' 'Store&amp;Key&lt;1&gt;'; do
    grep -lF -- "$s" "$WORK"/*.out "$WORK"/*.err && fail "a BGP key leaked into the outputs"
done
