#!/bin/sh
# t_window.sh: push --confirm-window SEC, `netstitch confirm`, `netstitch cancel`, against
# examples/simnet.sh (six routers, one without confirmed-commit, one with 1.0):
#   - the push exits 7 with the change committed but not confirmed; confirm keeps it on
#     every router (exit 0), and the journal records the window;
#   - cancel undoes every router (exit 0), verified back at the configuration from before;
#   - a window that ends unanswered undoes every router by itself; confirm afterwards is
#     refused (exit 2, already finished);
#   - kill -9 of the process holding the window: confirm says so (exit 4) and recover
#     undoes everything (all-old);
#   - with the health gate: the window opens only after the gate passed;
#   - regression: kill -9 in the confirm phase after routers confirmed (their journal lines
#     lost), recover reads them, finds them confirmed and rolls forward.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
tmp=$(mktemp -d)
net=$tmp/net
cleanup() {
    sh examples/simnet.sh stop "$net" > /dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
start=$(date +%s)
NETSIM_BGP_DELAY_MS=300 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$ex/service.xml" \
    > "$tmp/simnet.out" 2>&1 || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
P="--inventory $INV --state-dir $ST --no-state -q"

snap() {
    for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
        cat "$net/state/$d/running.xml"
    done > "$1"
}
txid() { sed -n 's/^push \([^:]*\): .*/\1/p' "$1"; }
journal() { cat "$ST/txn/$1/journal"; }
snap "$tmp/before"

# 1. confirm
"$NETSTITCH" push "$ex/service.xml" $P --no-health --confirm-window 60 > "$tmp/w1.out" 2>&1
rc=$?
[ $rc = 7 ] || no "push --confirm-window: exit $rc, want 7: $(cat "$tmp/w1.out")"
grep -q "NOT confirmed: confirm window open for 60 s" "$tmp/w1.out" || no "pending report"
T1=$(txid "$tmp/w1.out")
snap "$tmp/pending"
cmp -s "$tmp/before" "$tmp/pending" && no "the pending push changed nothing"
journal "$T1" | grep -q "txn window open 60" || no "the journal does not record the window"
"$NETSTITCH" confirm "$T1" --state-dir "$ST" > "$tmp/c1.out" 2>&1
rc=$?
[ $rc = 0 ] || no "confirm: exit $rc: $(cat "$tmp/c1.out")"
grep -q "confirmed on every device" "$tmp/c1.out" || no "confirm report: $(cat "$tmp/c1.out")"
journal "$T1" | grep -q "txn window confirmed" || no "the journal does not record the confirm"
journal "$T1" | grep -q "txn outcome committed" || no "the window's push did not commit"
snap "$tmp/after"
cmp -s "$tmp/pending" "$tmp/after" || no "confirm changed the routers' configuration"
echo "ok: confirm window kept by netstitch confirm"

# Back to the start for the next cases.
"$NETSTITCH" rollback "$T1" --inventory "$INV" --state-dir "$ST" -q > "$tmp/rb.out" 2>&1 \
    || no "rollback: $(cat "$tmp/rb.out")"
snap "$tmp/rolled"
cmp -s "$tmp/before" "$tmp/rolled" || no "rollback did not restore the start"

# 2. cancel
"$NETSTITCH" push "$ex/service.xml" $P --no-health --confirm-window 60 --format json \
    > "$tmp/w2.json" 2>&1
rc=$?
[ $rc = 7 ] || no "push --confirm-window --format json: exit $rc"
T2=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["outcome"] == "pending" and d["window_s"] == 60; print(d["transaction"])' "$tmp/w2.json") \
    || no "pending JSON report: $(cat "$tmp/w2.json")"
"$NETSTITCH" cancel "$T2" --state-dir "$ST" --format json > "$tmp/c2.json" 2>&1
rc=$?
[ $rc = 0 ] || no "cancel: exit $rc: $(cat "$tmp/c2.json")"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["outcome"] == "aborted", d' \
    "$tmp/c2.json" || no "cancel JSON"
snap "$tmp/after-cancel"
cmp -s "$tmp/before" "$tmp/after-cancel" || no "cancel left a router changed"
journal "$T2" | grep -q "txn window cancelled" || no "the journal does not record the cancel"
echo "ok: confirm window undone everywhere by netstitch cancel"

# 3. the window ends unanswered
"$NETSTITCH" push "$ex/service.xml" $P --no-health --confirm-window 2 > "$tmp/w3.out" 2>&1
rc=$?
[ $rc = 7 ] || no "short window: exit $rc"
T3=$(txid "$tmp/w3.out")
i=0
while ! journal "$T3" | grep -q "txn outcome" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
journal "$T3" | grep -q "txn window expired" || no "the journal does not record the expiry"
journal "$T3" | grep -q "txn outcome aborted" || no "an expired window did not undo: $(journal "$T3" | tail -3)"
snap "$tmp/after-expire"
cmp -s "$tmp/before" "$tmp/after-expire" || no "an expired window left a router changed"
"$NETSTITCH" confirm "$T3" --state-dir "$ST" > "$tmp/c3.out" 2>&1
rc=$?
[ $rc = 2 ] || no "confirm after the window ended: exit $rc, want 2"
grep -q "already finished: aborted" "$tmp/c3.out" || no "confirm after the end: $(cat "$tmp/c3.out")"
echo "ok: an unanswered window undoes every router by itself"

# 4. kill -9 of the process holding the window, then recover
"$NETSTITCH" push "$ex/service.xml" $P --no-health --confirm-window 60 > "$tmp/w4.out" 2>&1
T4=$(txid "$tmp/w4.out")
pid=$(journal "$T4" | sed -n 's/.* txn start kind=push pid=\([0-9]*\) .*/\1/p')
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.5
"$NETSTITCH" confirm "$T4" --state-dir "$ST" > "$tmp/c4.out" 2>&1
rc=$?
[ $rc = 4 ] || no "confirm with the holder killed: exit $rc, want 4: $(cat "$tmp/c4.out")"
grep -q "run \`netstitch recover $T4\`" "$tmp/c4.out" || no "confirm does not say recover"
"$NETSTITCH" recover "$T4" --inventory "$INV" --state-dir "$ST" > "$tmp/r4.out" 2>&1
rc=$?
[ $rc = 0 ] || no "recover of a killed window: exit $rc: $(cat "$tmp/r4.out")"
snap "$tmp/after-kill"
cmp -s "$tmp/before" "$tmp/after-kill" || no "recover of a killed window left a router changed"
echo "ok: kill -9 during the window, recover undid every router"

# 5. with the health gate: the window opens after the gate passed.
/usr/bin/python3 - "$ex/service.xml" "$tmp/good.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("</bgp-session>", s.index("<name>ccx-to-twcc</name>"))
s = s[:i] + "  <health><min-received>0</min-received></health>\n    " + s[i:]
open(sys.argv[2], "w").write(s)
PY
"$NETSTITCH" push "$tmp/good.xml" $P --health-deadline 10 --confirm-window 60 > "$tmp/w5.out" 2>&1
rc=$?
[ $rc = 7 ] || no "gate + window: exit $rc: $(cat "$tmp/w5.out")"
grep -q "health gate: passed" "$tmp/w5.out" || no "gate + window report: $(cat "$tmp/w5.out")"
T5=$(txid "$tmp/w5.out")
journal "$T5" | grep -A1 "txn gate passed" | grep -q "txn window open" || no "window before the gate"
"$NETSTITCH" confirm "$T5" --state-dir "$ST" > /dev/null 2>&1 || no "confirm after the gate"
echo "ok: the window opens after the health gate passed"

# 6. Regression (issue 15): kill -9 during the confirm phase, right after routers confirmed
# but before the journal said so (the journal lines of a 1.1 and a 1.0 router removed, as
# if the process died between the reply and the write). recover must find them confirmed by
# reading them and roll forward, not roll back routers that had confirmed.
"$NETSTITCH" rollback "$T5" --inventory "$INV" --state-dir "$ST" -q > "$tmp/rb5.out" 2>&1 \
    || no "rollback of the gated push: $(cat "$tmp/rb5.out")"
snap "$tmp/rolled5"
cmp -s "$tmp/before" "$tmp/rolled5" || no "rollback did not restore the start"
mkdir -p "$tmp/pause"
NETSTITCH_TEST_PAUSE=twaren-taichung:confirm NETSTITCH_TEST_PAUSE_DIR=$tmp/pause \
    "$NETSTITCH" push "$ex/service.xml" $P --no-health --jobs 1 > "$tmp/k6.out" 2>&1 &
pid=$!
i=0
while [ ! -e "$tmp/pause/paused" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$tmp/pause/paused" ] || no "the push never reached twaren-taichung's confirm"
kill -9 $pid
wait $pid 2> /dev/null
T6=$(ls -t "$ST/txn" | head -1)
j="$ST/txn/$T6/journal"
grep -q " dev 0 confirm ok" "$j" && grep -q " dev 2 confirm ok" "$j" \
    || no "twcc-edge and twaren-taichung should have confirmed: $(tail -5 "$j")"
grep -v " dev [02] confirm ok" "$j" > "$j.new" && mv "$j.new" "$j"
"$NETSTITCH" recover "$T6" --inventory "$INV" --state-dir "$ST" > "$tmp/r6.out" 2>&1
rc=$?
[ $rc = 0 ] || no "recover after a kill in the confirm phase: exit $rc: $(cat "$tmp/r6.out")"
grep -q "committed on every device" "$tmp/r6.out" \
    || no "recover rolled back routers that had confirmed: $(cat "$tmp/r6.out")"
snap "$tmp/after-forward"
cmp -s "$tmp/after" "$tmp/after-forward" || no "recover did not leave every router with the change"
grep -q " dev 2 confirm ok (found confirmed)" "$j" || no "the journal does not say twaren-taichung was found confirmed"
echo "ok: kill -9 in the confirm phase, recover found the confirmed routers and rolled forward"

echo "timing: t_window $(($(date +%s) - start)) s"
exit $fail
