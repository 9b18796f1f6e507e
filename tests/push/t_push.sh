#!/bin/sh
# t_push.sh: `netstitch push` and `rollback` against the yuma123 lab, state read back with
# ncclient (an independent client).
#
#   dry run          every device prepared and validated, nothing committed
#   push             a, b by confirmed commit (1.1, persist), c by running + snapshot;
#                    the BGP key placeholder arrives substituted (and XML-escaped)
#   rollback TXID    every device back to the configuration before the push
#   rollback again   rolling back the rollback re-applies the change, then a last
#                    rollback restores the original
#   history          rollback --list names every transaction
#   trust on first use   a new key is recorded in the state directory, a changed one refused
#   no secret        neither the BGP key nor the password in any output or state file
. "$(dirname "$0")/common.sh"
start=$(date +%s)
lab_up
gen_inv "$WORK/inv.xml"
gen_payloads "$WORK/p1" ge-0/0/1
ARGS="--inventory $WORK/inv.xml --state-dir $STATE --payloads $WORK/p1"

snap "$WORK/before"

# Dry run: prepared everywhere, then discarded.
run_push dry $ARGS --dry-run
assert_rc 0 dry
assert_grep "dry run: every device accepted the change" "$WORK/dry.out"
assert_grep "b: edit-config ok" "$WORK/dry.err"
snap "$WORK/after-dry"
assert_same "$WORK/before" "$WORK/after-dry" "a dry run changed a device"

# The push, with a JSON report.
run_push push $ARGS --format json
assert_rc 0 push
$PY - "$WORK/push.out" <<'EOF' || fail "push JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["outcome"] == "committed" and r["exit"] == 0, r
m = {d["name"]: (d["method"], d["state"], d["error"]) for d in r["devices"]}
assert m == {"a": ("confirmed-commit", "committed", None),
             "b": ("confirmed-commit", "committed", None),
             "c": ("running+restore", "committed", None)}, m
EOF
TX1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["transaction"])' "$WORK/push.out")
snap "$WORK/after-push"
for d in a b c; do
    sed -n "/^== $d\$/,/^== /p" "$WORK/after-push" >"$WORK/after-push.$d"
    assert_grep '/interface/name = ge-0/0/1' "$WORK/after-push.$d"
    assert_grep '/interface/mtu = 9000' "$WORK/after-push.$d"
    assert_grep '/neighbor/local-interface = ge-0/0/1' "$WORK/after-push.$d"
    # The key arrived: substituted (XML-escaped on the wire), exact on the device.
    assert_grep "/interface/description = peer key $NST_TEST_BGP_KEY" "$WORK/after-push.$d"
done
# The durable state (the SQLite store, read by Python's own sqlite3): plan, journal,
# snapshots, the history row; all private.
T=$WORK/tx1
mkdir -p "$T"
for f in plan dev-0.before.xml dev-0.payload.xml dev-2.payload.xml; do
    $PY "$STATEPY" "$STATE" record "$TX1" "$f" >"$T/$f" || fail "missing record $f of $TX1"
done
$PY "$STATEPY" "$STATE" journal "$TX1" >"$T/journal" || fail "no journal of $TX1"
[ "$(stat -c %a "$STATE")" = 700 ] || fail "state dir not 0700"
[ "$($PY "$STATEPY" "$STATE" mode)" = 600 ] || fail "state.db not 0600"
assert_grep "txn outcome committed" "$T/journal"
assert_grep "device 2 running+restore" "$T/plan"
assert_grep '$NST_SECRET{bgp-key}' "$T/dev-0.payload.xml"
$PY "$STATEPY" "$STATE" txn "$TX1" >"$T/row.json" || fail "no history row of $TX1"
$PY - "$T/row.json" <<'EOF' || fail "history row of the push"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kind"] == "push" and r["outcome"] == "committed", r
assert r["devices"] == "a,b,c" and r["user"] and r["host"], r
assert r["finished_ms"] >= r["started_ms"] > 0, r
EOF

# Roll the push back: every device as before.
run_cmd rb1 rollback "$TX1" --inventory "$WORK/inv.xml" --state-dir "$STATE"
assert_rc 0 rb1
snap "$WORK/after-rb1"
assert_same "$WORK/before" "$WORK/after-rb1" "rollback did not restore the configuration"
TX2=$(sed -n 's/^rollback \([^:]*\): .*/\1/p' "$WORK/rb1.out")
[ -n "$TX2" ] || fail "no transaction id in the rollback report"

# Rolling back the rollback re-applies the change (its snapshot held the key as a
# placeholder; it must be substituted again), then roll back to the start.
run_cmd rb2 rollback "$TX2" --inventory "$WORK/inv.xml" --state-dir "$STATE"
assert_rc 0 rb2
snap "$WORK/after-rb2"
assert_same "$WORK/after-push" "$WORK/after-rb2" "rollback of the rollback differs from the push"
TX3=$(sed -n 's/^rollback \([^:]*\): .*/\1/p' "$WORK/rb2.out")
run_cmd rb3 rollback "$TX1" --inventory "$WORK/inv.xml" --state-dir "$STATE"
assert_rc 0 rb3
snap "$WORK/after-rb3"
assert_same "$WORK/before" "$WORK/after-rb3" "second rollback of the push"

# History.
run_cmd list rollback --list --state-dir "$STATE"
assert_rc 0 list
assert_grep "$TX1 push committed a,b,c" "$WORK/list.out"
assert_grep "$TX3 rollback committed a,b,c rollback-of=$TX2" "$WORK/list.out"
assert_grep " push dry-run-ok a,b,c" "$WORK/list.out"
[ "$(wc -l <"$WORK/list.out")" = 5 ] || fail "expected 5 transactions in the history"

# Unknown and malformed ids.
run_cmd rbx rollback 20000101-000000-000000-0000 --inventory "$WORK/inv.xml" --state-dir "$STATE"
assert_rc 2 rbx
assert_grep "no transaction" "$WORK/rbx.err"
run_cmd rby rollback ../../etc --inventory "$WORK/inv.xml" --state-dir "$STATE"
assert_rc 2 rby

# Trust on first use: b's key is recorded in the state directory; a changed key is refused.
INV_B_HK='<trust-on-first-use/>' gen_inv "$WORK/inv-tofu.xml"
run_push tofu --inventory "$WORK/inv-tofu.xml" --state-dir "$STATE" --payloads "$WORK/p1" --dry-run
assert_rc 0 tofu
assert_grep "[127.0.0.1]:$LAB_DEV_b_PORT" "$STATE/known_hosts"
ssh-keygen -q -t ed25519 -N '' -C other -f "$WORK/other-host" || fail "ssh-keygen"
printf '[127.0.0.1]:%s %s\n' "$LAB_DEV_b_PORT" "$(cut -d' ' -f1-2 "$WORK/other-host.pub")" \
    >"$STATE/known_hosts"
run_push tofu2 --inventory "$WORK/inv-tofu.xml" --state-dir "$STATE" --payloads "$WORK/p1"
assert_rc 1 tofu2
assert_grep "device b failed at connect: hostkey:" "$WORK/tofu2.out"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_push: ok in $(($(date +%s) - start)) s"
