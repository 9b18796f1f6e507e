#!/bin/sh
# t_recover.sh: `netstitch push` killed with SIGKILL at the worst moments, then
# `netstitch recover`; the device-side confirm timeout as the second safety net; and the
# locks that keep two netstitch processes apart.
#
#   killed after every device committed, before the decision to confirm:
#       while it hangs, a second push to the same devices and `recover TXID` are refused
#       (exit 5); after the kill, a push is refused until the transaction is recovered;
#       `recover` (no id) finds it and undoes it: a and b by
#       cancel-commit with the persist id, c by restoring its snapshot
#   killed after the decision to confirm: `recover` rolls forward (confirming commit with
#       the persist id); the result can then be rolled back
#   killed during prepare: `recover` discards the candidates; running never changed
#   killed after the commits with --confirm-timeout 2 and no recover: a and b revert by
#       themselves (yuma fires the timer once idle), c (running-only) keeps the change
#       until `recover` restores it
# Every case ends with all devices equal to their state before (read with ncclient).
. "$(dirname "$0")/common.sh"
start=$(date +%s)
lab_up
gen_inv "$WORK/inv.xml"
gen_payloads "$WORK/base" ge-0/0/0 1500
gen_payloads "$WORK/p1" ge-0/0/1 9000
INV=$WORK/inv.xml
PUSH="push --inventory $INV --state-dir $STATE --payloads $WORK/p1 --jobs 1"

run_push base --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/base"
assert_rc 0 base
snap "$WORK/before"

killed_txid() {
    sed -n 's/.* \([0-9]\{8\}-[0-9]\{6\}-[0-9]\{6\}-[0-9a-f]\{4\}\).*/\1/p' "$1" | head -n 1
}

# 1. Killed after all commits, before the decision.
start_paused c:edit-running k1 $PUSH
TX=$($PY "$STATEPY" "$STATE" last)
$PY "$STATEPY" "$STATE" journal "$TX" | grep -q "decision" && fail "k1: decision already taken"
run_push busy --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1"
assert_rc 5 busy
assert_grep "device a (127.0.0.1:$LAB_DEV_a_PORT) is being changed by another netstitch process" \
    "$WORK/busy.out"
run_cmd rec-busy recover "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 5 rec-busy
run_cmd rec-none recover --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rec-none
kill -9 "$BG"
wait "$BG" 2>/dev/null
# The devices now carry the change: a, b as pending confirmed commits, c in running.
snap "$WORK/k1.mid"
cmp -s "$WORK/before" "$WORK/k1.mid" && fail "k1: the killed push had changed nothing"
# Nobody may push to those devices before the interrupted transaction is recovered.
run_push after-kill --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/base"
assert_rc 5 after-kill
assert_grep "may still carry changes of the interrupted transaction $TX" "$WORK/after-kill.out"
run_cmd k1-rec recover --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k1-rec
assert_grep "recover $TX: undone; every device was verified back" "$WORK/k1-rec.out"
grep -q '^  c .*running+restore    restored' "$WORK/k1-rec.out" || fail "k1: c not restored"
assert_grep "cancel-commit ok" "$WORK/k1-rec.err"
snap "$WORK/k1.after"
assert_same "$WORK/before" "$WORK/k1.after" "k1: recover did not restore every device"
run_cmd k1-again recover "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k1-again
assert_grep "nothing to do" "$WORK/k1-again.out"
echo "ok: killed before the decision, recovered by undo"

# 2. Killed after the decision to confirm: roll forward.
start_paused confirm k2 $PUSH
TX=$($PY "$STATEPY" "$STATE" last)
$PY "$STATEPY" "$STATE" journal "$TX" >"$WORK/journal.$TX"
assert_grep "txn decision confirm" "$WORK/journal.$TX"
kill -9 "$BG"
wait "$BG" 2>/dev/null
run_cmd k2-rec recover "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k2-rec
assert_grep "recover $TX: committed on every device" "$WORK/k2-rec.out"
snap "$WORK/k2.after"
for d in a b c; do
    sed -n "/^== $d\$/,/^== /p" "$WORK/k2.after" | grep -q '/interface/mtu = 9000' \
        || fail "k2: $d lacks the change after rolling forward"
done
run_cmd k2-rb rollback "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k2-rb
snap "$WORK/k2.rb"
assert_same "$WORK/before" "$WORK/k2.rb" "k2: rollback after recovery"
echo "ok: killed after the decision, recovered by rolling forward"

# 3. Killed during prepare, after b's candidate was edited.
start_paused b:edit-config k3 $PUSH
TX=$($PY "$STATEPY" "$STATE" last)
kill -9 "$BG"
wait "$BG" 2>/dev/null
run_cmd k3-rec recover "$TX" --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k3-rec
assert_grep "b: discard-changes ok" "$WORK/k3-rec.err"
snap "$WORK/k3.after"
assert_same "$WORK/before" "$WORK/k3.after" "k3: a device changed"
# b's candidate holds nothing of ours: a plain push locks it and works.
run_push k3-check --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p1" --dry-run
assert_rc 0 k3-check
echo "ok: killed during prepare"

# 4. The device-side safety net: confirm-timeout 2 s, killed, nobody recovers at first.
start_paused c:edit-running k4 $PUSH --confirm-timeout 2
TX=$($PY "$STATEPY" "$STATE" last)
kill -9 "$BG"
wait "$BG" 2>/dev/null
# yuma123 fires confirm timers only after its server loop has been idle a second: look
# until both reverted, with a pause between looks (each look is a request that restarts
# yuma's idle second), for up to 120 s however slow the machine is.
for d in a b; do
    sed -n "/^== $d\$/,/^== /p" "$WORK/before" >"$WORK/k4.before.$d"
done
k4_end=$(($(date +%s) + 120))
while :; do
    sleep 2.5
    snap "$WORK/k4.mid"
    reverted=1
    for d in a b; do
        sed -n "/^== $d\$/,/^== /p" "$WORK/k4.mid" >"$WORK/k4.mid.$d"
        cmp -s "$WORK/k4.before.$d" "$WORK/k4.mid.$d" || reverted=""
    done
    [ -n "$reverted" ] && break
    [ "$(date +%s)" -lt "$k4_end" ] || break
done
for d in a b; do
    assert_same "$WORK/k4.before.$d" "$WORK/k4.mid.$d" "k4: $d did not revert on its own"
done
sed -n '/^== c$/,$p' "$WORK/k4.mid" | grep -q '/interface/mtu = 9000' \
    || fail "k4: c (running-only) should still carry the change"
run_cmd k4-rec recover --inventory "$INV" --state-dir "$STATE"
assert_rc 0 k4-rec
snap "$WORK/k4.after"
assert_same "$WORK/before" "$WORK/k4.after" "k4: recover after the timeout"
echo "ok: confirm timeout reverted a and b, recover restored c"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_recover: ok in $(($(date +%s) - start)) s"
