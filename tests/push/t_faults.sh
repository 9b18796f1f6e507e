#!/bin/sh
# t_faults.sh: the fault matrix. Each case pushes a change to the three-device yuma lab
# (a, b: confirmed commit with persist; c: running-only, snapshot + restore) while one
# fault hits one device, then asserts that
#   - netstitch exits 1 (failed, everything restored) and names the device, the step and
#     the NETCONF error,
#   - every device's running configuration, read with ncclient, equals the one before.
# Cases:
#   edit rejected on b (a must of the lab model, armed by a fault knob)
#   commit rejected on b (another session holds b's running lock)
#   edit rejected on c in the commit phase (a and b have pending confirmed commits)
#   session dropped during prepare (b, after its lock)
#   session dropped after the confirmed commit (b; c then edits running)
#   session dropped before the confirm (b; a confirms, then everything is undone)
#   lock held by another session (a's candidate)
#   one device unreachable (b's port closed)
#   wrong host key (a pinned to another key)
#   authentication failure (c with a wrong password)
# and finally that no password or key appears in any output, report or state file.
. "$(dirname "$0")/common.sh"
start=$(date +%s)
lab_up
gen_inv "$WORK/inv.xml"
gen_payloads "$WORK/base" ge-0/0/0 1500
gen_payloads "$WORK/p1" ge-0/0/1 9000
INV=$WORK/inv.xml
NS=urn:netstitch:lab:net
NC=urn:ietf:params:xml:ns:netconf:base:1.0
DISARM="<fault xmlns=\"$NS\" xmlns:nc=\"$NC\" nc:operation=\"delete\"/>"

# A base configuration, so that undo must restore existing containers, not only delete.
run_push base --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/base"
assert_rc 0 base

# case NAME EXPECTED-RC: push p1 (extra args in $EXTRA), compare before/after.
check_case() {
    name=$1
    assert_rc "$2" "$name"
    snap "$WORK/$name.after"
    assert_same "$WORK/$name.before" "$WORK/$name.after" "$name: a device did not end as it started"
    shift 2
    for want in "$@"; do
        assert_grep "$want" "$WORK/$name.out"
    done
    echo "ok: $name"
}

push_case() {
    name=$1
    inv=$2
    shift 2
    snap "$WORK/$name.before"
    run_push "$name" --inventory "$inv" --state-dir "$STATE" --payloads "$WORK/p1" "$@"
}

# 1. Edit rejected on b.
$PY "$NCPY" set b "<fault xmlns=\"$NS\"><reject-interface>ge-0/0/1</reject-interface></fault>" \
    || fail "arming b's fault knob"
push_case edit-b "$INV"
check_case edit-b 1 "device b failed at edit-config: rpc-error: fault injection" \
    "[operation-failed/fault-injected]"
TX_FAILED=$(sed -n 's/^push \([^:]*\): .*/\1/p' "$WORK/edit-b.out")
$PY "$NCPY" set b "$DISARM" \
    || fail "disarming b's fault knob"

# A failed transaction cannot be rolled back (there is nothing to restore).
run_cmd rb-failed rollback "$TX_FAILED" --inventory "$INV" --state-dir "$STATE"
assert_rc 2 rb-failed
assert_grep "did not commit" "$WORK/rb-failed.err"

# 2. Commit rejected on b: another session holds b's running datastore.
hold_lock b running
push_case commit-b "$INV"
release_lock
check_case commit-b 1 "device b failed at commit-confirmed: rpc-error: config locked" "[in-use"

# 3. Edit rejected on c, which is edited in the commit phase, after a and b committed.
$PY "$NCPY" set c "<fault xmlns=\"$NS\"><reject-interface>ge-0/0/1</reject-interface></fault>" \
    || fail "arming c's fault knob"
push_case edit-c "$INV" --jobs 1
check_case edit-c 1 "device c failed at edit-running: rpc-error: fault injection"
grep -q '^  a .*confirmed-commit   restored' "$WORK/edit-c.out" || fail "edit-c: a not restored"
grep -q '^  b .*confirmed-commit   restored' "$WORK/edit-c.out" || fail "edit-c: b not restored"
$PY "$NCPY" set c "$DISARM" \
    || fail "disarming c's fault knob"

# 4. Session dropped during prepare: b's session dies right after its lock.
snap "$WORK/drop-prepare.before"
start_paused b:lock drop-prepare push --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1"
sh "$LAB_SH" drop-sessions "$WORK/lab" b >/dev/null
resume
check_case drop-prepare 1 "device b failed at" "session-dropped"

# 5. Session dropped after b's confirmed commit (c still edits running afterwards).
snap "$WORK/drop-commit.before"
start_paused b:commit-confirmed drop-commit push --inventory "$INV" --state-dir "$STATE" \
    --payloads "$WORK/p1" --jobs 1
sh "$LAB_SH" drop-sessions "$WORK/lab" b >/dev/null
resume
check_case drop-commit 1 "device b failed at confirm: session-dropped"
grep -q '^  c .*running+restore    restored' "$WORK/drop-commit.out" \
    || fail "drop-commit: c not restored"

# 6. Session dropped before the confirm: the decision to confirm is taken, a confirms,
#    b's confirm fails; a's confirmed change must be restored from the snapshot.
snap "$WORK/drop-confirm.before"
start_paused confirm drop-confirm push --inventory "$INV" --state-dir "$STATE" \
    --payloads "$WORK/p1" --jobs 1
sh "$LAB_SH" drop-sessions "$WORK/lab" b >/dev/null
resume
check_case drop-confirm 1 "device b failed at confirm: session-dropped"
grep -q '^  a .*restored' "$WORK/drop-confirm.out" || fail "drop-confirm: a not restored"

# 7. Lock held by another session on a.
hold_lock a candidate
push_case locked-a "$INV"
release_lock
check_case locked-a 1 "device a failed at lock: rpc-error: lock denied [lock-denied"

# 8. One device unreachable: nothing listens on b's port.
FREE=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0))
print(s.getsockname()[1])')
INV_B_PORT=$FREE gen_inv "$WORK/inv-unreach.xml"
push_case unreachable "$WORK/inv-unreach.xml"
check_case unreachable 1 "device b failed at connect: connect:"

# 9. Wrong host key: a is pinned to a key it does not have.
ssh-keygen -q -t ed25519 -N '' -C stranger -f "$WORK/stranger" || fail "ssh-keygen"
INV_A_FP=$(ssh-keygen -lf "$WORK/stranger.pub" | awk '{print $2}') gen_inv "$WORK/inv-hostkey.xml"
push_case hostkey "$WORK/inv-hostkey.xml"
check_case hostkey 1 "device a failed at connect: hostkey:"

# 10. Authentication failure: c's password is wrong.
INV_C_PWFILE=$WORK/wrong-password gen_inv "$WORK/inv-auth.xml"
push_case auth "$WORK/inv-auth.xml"
check_case auth 1 "device c failed at connect: auth:"

# Every journal of a failed push ends with an outcome: nothing is left for recover.
run_cmd recover-none recover --inventory "$INV" --state-dir "$STATE"
assert_rc 0 recover-none
assert_grep "no interrupted transaction" "$WORK/recover-none.err"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_faults: ok in $(($(date +%s) - start)) s"
