#!/bin/sh
# t_netsim.sh: push, rollback and the fault matrix against netstitch-netsim devices in
# four vendor capability profiles (a libnetconf2 server that validates like a router, at
# <validate>/<commit>, unlike yuma which validates at edit time):
#   j  junos profile:   :candidate, :confirmed-commit:1.0 (no persist, no cancel-commit:
#                       undone by ending the session), :validate:1.0
#   x  iosxr profile:   :candidate, :confirmed-commit:1.1 (persist, cancel-commit)
#   e  eos profile:     :candidate without :confirmed-commit -> candidate + snapshot restore
#   r  generic profile with candidate = no -> running-only, snapshot restore
# All four load the small test model tests/netsim/models/a. Cases, each asserting that
# every device ends as it started (read with ncclient):
#   a value the model's must refuses, caught by <validate> before anything is committed
#   reject-commit on x; reject-edit on e
#   session dropped after j's confirmed commit was applied (reply withheld)
#   x's confirming commit applied but its reply lost (undo must restore a confirmed device)
#   a commit slower than the device's commit timeout (RPC timeout on x)
#   kill -9 after the commits, then recover (j has already reverted: 1.0 has no persist)
# and a push + rollback that succeed, with the BGP key substituted and never written out.
. "$(dirname "$0")/common.sh"
start=$(date +%s)
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
cat >"$WORK/startup.xml" <<EOF
<system xmlns="$NSA"><hostname>sim</hostname></system>
<interfaces xmlns="$NSA"><interface><name>ge-0/0/0</name><mtu>1500</mtu></interface></interfaces>
EOF
M="modules-dir=$MODELS,startup=$WORK/startup.xml"
netsim_up "j:junos:$M x:iosxr:$M e:eos:$M r:generic:$M,candidate=no"
DEVS="j x e r"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin

INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '<secret><name>bgp-key</name><source>env:NST_TEST_BGP_KEY</source></secret>'
    echo '</inventory>'
} >"$INV"
# The same with one-second RPC and commit timeouts.
sed 's|<commit>5</commit>|<commit>1</commit>|; s|<rpc>5</rpc>|<rpc>1</rpc>|' "$INV" \
    >"$WORK/inv-fast.xml"

# payloads DIR MTU: an interface, the system key from the inventory, a static route whose
# mandatory leafref needs the interface.
payloads() {
    mkdir -p "$1"
    for d in $DEVS; do
        cat >"$1/$d.xml" <<EOF
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <system xmlns="$NSA"><authentication-key>\$NST_SECRET{bgp-key}</authentication-key></system>
  <interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>$2</mtu></interface></interfaces>
  <routing xmlns="$NSA"><static-route><prefix>10.0.0.0/8</prefix>
    <out-interface>ge-0/0/1</out-interface></static-route></routing>
</config>
EOF
    done
}
payloads "$WORK/p1" 9000
payloads "$WORK/bad" 9200

snap() {
    $PY "$NCPY" dump "$1" $DEVS || fail "ncclient could not read the netsim devices"
}
faults() {
    printf '%s\n' "$2" >"$NS/state/$1/faults.tmp" \
        && mv "$NS/state/$1/faults.tmp" "$NS/state/$1/faults"
}
clear_faults() {
    for d in $DEVS; do rm -f "$NS/state/$d/faults"; done
}
netsim_case() {
    name=$1
    inv=$2
    shift 2
    snap "$WORK/$name.before"
    run_push "$name" --inventory "$inv" --state-dir "$STATE" --payloads "$WORK/p1" "$@"
}
check_case() {
    name=$1
    assert_rc "$2" "$name"
    snap "$WORK/$name.after"
    assert_same "$WORK/$name.before" "$WORK/$name.after" "$name: a device did not end as it started"
    shift 2
    for want in "$@"; do
        assert_grep "$want" "$WORK/$name.out"
    done
    clear_faults
    echo "ok: $name"
}

snap "$WORK/before"

# The plan: one method per profile.
run_push ok --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1"
assert_rc 0 ok
for want in "j .*confirmed-commit   committed" "x .*confirmed-commit   committed" \
    "e .*candidate+restore  committed" "r .*running+restore    committed"; do
    grep -q "^  $want" "$WORK/ok.out" || { cat "$WORK/ok.out"; fail "ok: no line '$want'"; }
done
TX=$(sed -n 's/^push \([^:]*\): .*/\1/p' "$WORK/ok.out")
snap "$WORK/after-ok"
grep -c "authentication-key = $NST_TEST_BGP_KEY" "$WORK/after-ok" | grep -qx 4 \
    || fail "the key did not reach every device"
grep -c 'static-route/out-interface = ge-0/0/1' "$WORK/after-ok" | grep -qx 4 \
    || fail "the change did not reach every device"
# The junos profile has :confirmed-commit:1.0: no persist went out.
grep -q 'persist' "$NS/state/j/rpc.log" && fail "persist sent to a 1.0 device"
grep -q 'rpc=commit.*persist' "$NS/state/x/rpc.log" || fail "no persist sent to the 1.1 device"
run_cmd ok-rb rollback "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 ok-rb
snap "$WORK/after-ok-rb"
assert_same "$WORK/before" "$WORK/after-ok-rb" "rollback on netsim"
echo "ok: push and rollback on four profiles"

# Validation at <validate>: mtu 9200 > max-frame 9192 passes edit-config on netsim and is
# refused by the first device that validates.
snap "$WORK/invalid.before"
run_push invalid --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/bad"
check_case invalid 1 "failed at validate: rpc-error: mtu exceeds the system max-frame" \
    "[operation-failed/frame-too-big]"

faults x reject-commit
netsim_case commit-x "$INV" --jobs 1
check_case commit-x 1 \
    "device x failed at commit-confirmed: rpc-error: commit rejected by fault injection"
grep -q '^  j .*restored' "$WORK/commit-x.out" || fail "commit-x: j (1.0) not restored"

faults e "reject-edit /netsim-test-a:interfaces/interface[name='ge-0/0/1']/mtu"
netsim_case edit-e "$INV"
check_case edit-e 1 "device e failed at edit-config: rpc-error: edit rejected by fault injection"

faults j "drop-session confirmed-commit 1 after"
netsim_case drop-j "$INV" --jobs 1
check_case drop-j 1 "device j failed at commit-confirmed: session-dropped"

# x confirms, the reply is lost: x is (maybe) confirmed; the undo must notice and restore.
faults x "drop-session confirming-commit 1 after"
netsim_case confirm-x "$INV" --jobs 1
check_case confirm-x 1 "device x failed at confirm: session-dropped"
grep -q '^  x .*restored' "$WORK/confirm-x.out" || fail "confirm-x: x not restored"

# A commit slower than x's commit timeout (1 s here).
faults x "delay-commit 2500"
netsim_case slow-x "$WORK/inv-fast.xml" --jobs 1
check_case slow-x 1 "device x failed at commit-confirmed: timeout"

# kill -9 after every commit, then recover: j (1.0) reverted when its session died.
snap "$WORK/kill.before"
start_paused confirm kill push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1" \
    --jobs 1
KTX=$($PY "$STATEPY" "$STATE" last)
kill -9 "$BG"
wait "$BG" 2>/dev/null
run_cmd kill-rec recover "$KTX" --inventory "$INV" --state-dir "$STATE"
# The decision to confirm was taken, but j's confirmed commit ended with the session:
# rolling forward is impossible, so everything is undone.
assert_rc 0 kill-rec
assert_grep "undone; every device was verified back" "$WORK/kill-rec.out"
assert_grep "j: confirm failed" "$WORK/kill-rec.err"
snap "$WORK/kill.after"
assert_same "$WORK/kill.before" "$WORK/kill.after" "kill: recover did not restore every device"
echo "ok: kill -9 then recover"

# Connect and the first steps of prepare are one pass per device (docs/push.md): with
# --jobs 1 every device is connected, locked and snapshotted before the next is connected
# (before round 5 of issue 17, every device connected before any was locked).
payloads "$WORK/p3" 9003
run_push pipe --jobs 1 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p3"
assert_rc 0 pipe
got=$(sed -n '/^netstitch: == prepare$/q; s/^netstitch:    \([a-z]*\): \([a-z-]*\) .*/\1:\2/p' \
    "$WORK/pipe.err" | tr '\n' ' ')
want=""
for d in e j r x; do # the transaction's order: by name
    want="$want$d:connect $d:plan $d:lock $d:snapshot "
done
[ "$got" = "$want" ] || { cat "$WORK/pipe.err"; fail "open pass: got '$got', want '$want'"; }
# A device that cannot be reached (r) after others were locked (e, j): they are unlocked
# untouched, the device after it (x) is never contacted, and the next push finds every
# device free.
# rpc_mark CASE: remember where each device's rpc.log ends. unlocked_untouched CASE WHAT
# DEV...: since the mark, each DEV got lock, get-config and unlock and no edit-config.
# never_contacted CASE WHAT DEV...: nothing in their logs since the mark.
rpc_mark() {
    for d in $DEVS; do wc -l <"$NS/state/$d/rpc.log" >"$WORK/$1.$d.lines"; done
}
unlocked_untouched() {
    c=$1
    what=$2
    shift 2
    for d in "$@"; do
        tail -n +"$(($(cat "$WORK/$c.$d.lines") + 1))" "$NS/state/$d/rpc.log" >"$WORK/$c.$d.rpc"
        for rpc in lock get-config unlock; do
            grep -q "rpc=$rpc " "$WORK/$c.$d.rpc" || {
                cat "$WORK/$c.$d.rpc"
                fail "$what: $d got no $rpc"
            }
        done
        grep -q "rpc=edit-config" "$WORK/$c.$d.rpc" && fail "$what: $d was edited"
    done
}
never_contacted() {
    c=$1
    what=$2
    shift 2
    for d in "$@"; do
        [ "$(wc -l <"$NS/state/$d/rpc.log")" = "$(cat "$WORK/$c.$d.lines")" ] ||
            fail "$what: $d was contacted"
    done
}
snap "$WORK/unreach.before"
rpc_mark unreach
rport=$(sed -n '/<name>r</,/<\/device>/s|.*<port>\(.*\)</port>.*|\1|p' "$INV")
sed "s|<port>$rport</port>|<port>1</port>|" "$INV" >"$WORK/inv-r-down.xml"
payloads "$WORK/p4" 9004
run_push unreach --jobs 1 --inventory "$WORK/inv-r-down.xml" --state-dir "$STATE" \
    --payloads "$WORK/p4"
assert_rc 1 unreach
assert_grep "r: connect failed" "$WORK/unreach.err"
unlocked_untouched unreach "unreachable r" e j
never_contacted unreach "unreachable r (x comes after r)" x
snap "$WORK/unreach.after"
assert_same "$WORK/unreach.before" "$WORK/unreach.after" "unreachable r: a device changed"
run_push unreach-next --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p4"
assert_rc 0 unreach-next
echo "ok: connect, lock and snapshot in one pass per device"

# A device's snapshot that cannot be stored (its worker writes it, docs/push.md): here the
# state database refuses the record of j's snapshot (a trigger raises an SQLite error, as
# a full disk would), after e was locked and snapshotted and its records written. The push
# aborts before any plan: e and j are unlocked unedited, r and x never contacted, the
# store has no plan for it, and the next push, with the store mended, goes through.
snap "$WORK/nostore.before"
rpc_mark nostore
sql() { $PY -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$STATE/state.db" "$1"; }
sql "CREATE TRIGGER nst_test_full BEFORE INSERT ON record WHEN NEW.name = 'dev-1.before.xml'
     BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
payloads "$WORK/p5" 9005
run_push nostore --jobs 1 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p5"
assert_rc 1 nostore
assert_grep "error: cannot write the plan and snapshots to $STATE/state.db; nothing was changed" "$WORK/nostore.out"
unlocked_untouched nostore "unstored snapshot" e j
never_contacted nostore "unstored snapshot (r and x come after j)" r x
snap "$WORK/nostore.after"
assert_same "$WORK/nostore.before" "$WORK/nostore.after" "unstored snapshot: a device changed"
last="(SELECT id FROM txn ORDER BY started_ms DESC, rowid DESC LIMIT 1)"
[ "$(sqlite3 "$STATE/state.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM record
     WHERE scope = 'T' AND owner = $last ORDER BY name)")" = "dev-0.before.xml dev-0.payload.xml" ] ||
    fail "unstored snapshot: the store holds other than e's records for the aborted push"
sql "DROP TRIGGER nst_test_full;"
run_push nostore-next --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p5"
assert_rc 0 nostore-next
echo "ok: a snapshot the store refuses aborts before the plan, nothing changed"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_netsim: ok in $(($(date +%s) - start)) s"
