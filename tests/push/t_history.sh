#!/bin/sh
# t_history.sh: the state store's history through the command, on two netstitch-netsim
# routers: push --comment records who, when, what and why; `netstitch log` (filters by
# device and time, JSON parsed), `netstitch show TXID` (plan, edit per device, result,
# journal), `rollback --last` and `rollback -N` pick the right transaction, `gc --keep`
# deletes old ones (and a deleted one can no longer be shown or rolled back), and a state
# directory of the old file layout is imported on first use (its history readable).
. "$TOP/tests/push/common.sh"
start=$(date +%s)
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
M="modules-dir=$MODELS"
netsim_up "p:iosxr:$M q:iosxr:$M"
DEVS="p q"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '</inventory>'
} >"$INV"
payloads() {
    mkdir -p "$1"
    for d in p q; do
        cat >"$1/$d.xml" <<XML
<interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>$2</mtu></interface></interfaces>
XML
    done
}
payloads "$WORK/m1" 1600
payloads "$WORK/m2" 1700
payloads "$WORK/m3" 1800
A="--inventory $INV --state-dir $STATE"
mtu() { grep -o '<mtu>[0-9]*</mtu>' "$NS/state/$1/running.xml" | head -n 1; }
json() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

run_push h1 $A --payloads "$WORK/m1" --comment "first: jumbo frames"
assert_rc 0 h1
TX1=$($PY "$STATEPY" "$STATE" last)
run_push h2 $A --payloads "$WORK/m2" --comment "second"
assert_rc 0 h2
TX2=$($PY "$STATEPY" "$STATE" last)
run_push h3 $A --payloads "$WORK/m3" --dry-run
assert_rc 0 h3
[ "$(mtu p)" = "<mtu>1700</mtu>" ] || fail "p does not carry the second push"

# log: every transaction, oldest first, with its history fields.
run_cmd log log --state-dir "$STATE" --format json
assert_rc 0 log
$PY - "$WORK/log.out" "$TX1" "$TX2" "$(id -un)" "$(hostname)" <<'PY' || fail "log --format json"
import json, sys
d = json.load(open(sys.argv[1]))
tx1, tx2, user, host = sys.argv[2:]
assert d["command"] == "log" and d["exit"] == 0, d
t = d["transactions"]
assert [x["id"] for x in t][:2] == [tx1, tx2] and len(t) == 3, t
assert t[0]["comment"] == "first: jumbo frames" and t[1]["comment"] == "second", t
assert all(x["kind"] == "push" and x["devices"] == ["p", "q"] for x in t), t
assert [x["outcome"] for x in t] == ["committed", "committed", "dry-run-ok"], t
assert all(x["user"] == user and x["host"] == host for x in t), t
assert all(x["started"].endswith("Z") and x["finished"] >= x["started"] for x in t), t
assert t[0]["service"] is None and t[0]["rollback_of"] is None, t[0]
PY
run_cmd logq log --state-dir "$STATE" --device q --since 1h --format json
[ "$(json "$WORK/logq.out" 'len(d["transactions"])')" = 3 ] || fail "log --device q --since 1h"
run_cmd logx log --state-dir "$STATE" --device x --format json
[ "$(json "$WORK/logx.out" 'len(d["transactions"])')" = 0 ] || fail "log --device x"
run_cmd logold log --state-dir "$STATE" --until 2000-01-01
assert_rc 0 logold
[ -s "$WORK/logold.out" ] && fail "log --until 2000-01-01 listed something"
run_cmd logbad log --state-dir "$STATE" --since yesterday
assert_rc 2 logbad
assert_grep "neither a date nor an age" "$WORK/logbad.err"
run_cmd logtext log --state-dir "$STATE"
assert_grep "$TX1  push     committed" "$WORK/logtext.out"
assert_grep "# first: jumbo frames" "$WORK/logtext.out"
echo "ok: log lists every transaction with time, user, host, kind, devices, comment, outcome"

# show: plan, edit per device, result, journal.
run_cmd show show "$TX2" --state-dir "$STATE" --format json
assert_rc 0 show
$PY - "$WORK/show.out" "$TX2" <<'PY' || fail "show --format json"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["transaction"]
assert t["id"] == sys.argv[2] and t["comment"] == "second", t
p = {x["device"]: x for x in d["plan"]}
assert set(p) == {"p", "q"}, p
assert all(x["result"] == "committed" and "<mtu>1700</mtu>" in x["edit"] for x in p.values()), p
assert any(l.endswith("txn outcome committed") for l in d["journal"]), d["journal"]
PY
run_cmd showtext show "$TX2" --state-dir "$STATE"
assert_grep "comment   second" "$WORK/showtext.out"
assert_grep "edit sent:" "$WORK/showtext.out"
run_cmd shownone show 20000101-000000-000000-0000 --state-dir "$STATE"
assert_rc 2 shownone
echo "ok: show gives the plan, the edit per device, the result and the journal"

# rollback --last: the newest committed transaction (TX2; the dry run committed nothing).
run_cmd rbl rollback --last --inventory "$INV" --state-dir "$STATE" --comment "undo second"
assert_rc 0 rbl
assert_grep "rolling back $TX2" "$WORK/rbl.err"
[ "$(mtu p)" = "<mtu>1600</mtu>" ] || { cat "$WORK/rbl.out" "$WORK/rbl.err" "$NS/state/p/running.xml"; fail "rollback --last: p is not back at the first push"; }
RB=$($PY "$STATEPY" "$STATE" last)
run_cmd log2 log --state-dir "$STATE" --format json
$PY - "$WORK/log2.out" "$RB" "$TX2" <<'PY' || fail "the rollback's history row"
import json, sys
t = {x["id"]: x for x in json.load(open(sys.argv[1]))["transactions"]}
r = t[sys.argv[2]]
assert r["kind"] == "rollback" and r["rollback_of"] == sys.argv[3], r
assert r["comment"] == "undo second" and r["outcome"] == "committed", r
PY
# -3: newest first, the committed ones are RB, TX2, TX1: TX1, the first push.
run_cmd rb3 rollback -3 --inventory "$INV" --state-dir "$STATE"
assert_rc 0 rb3
assert_grep "rolling back $TX1" "$WORK/rb3.err"
run_cmd rb9 rollback -9 --inventory "$INV" --state-dir "$STATE"
assert_rc 2 rb9
assert_grep "committed transactions, not 9" "$WORK/rb9.err"
run_cmd rbboth rollback -1 "$TX1" --inventory "$INV" --state-dir "$STATE"
assert_rc 2 rbboth
echo "ok: rollback --last and -N pick the newest committed transactions"

# gc --keep 2: the older ones go; the two newest stay.
n=$($PY "$STATEPY" "$STATE" count)
run_cmd gcdry gc --keep 2 --dry-run --state-dir "$STATE"
assert_rc 0 gcdry
[ "$($PY "$STATEPY" "$STATE" count)" = "$n" ] || fail "gc --dry-run deleted something"
run_cmd gc gc --keep 2 --state-dir "$STATE" --format json
assert_rc 0 gc
[ "$(json "$WORK/gc.out" 'len(d["deleted"])')" = $((n - 2)) ] || fail "gc --keep 2 deleted $(cat "$WORK/gc.out")"
[ "$($PY "$STATEPY" "$STATE" count)" = 2 ] || fail "gc --keep 2 left $($PY "$STATEPY" "$STATE" count)"
run_cmd gone show "$TX1" --state-dir "$STATE"
assert_rc 2 gone
run_cmd gonerb rollback "$TX1" --inventory "$INV" --state-dir "$STATE"
assert_rc 2 gonerb
run_cmd gcbad gc --state-dir "$STATE"
assert_rc 2 gcbad
echo "ok: gc --keep deletes old transactions; a deleted one is gone for show and rollback"

# A state directory of the old file layout is imported on first use.
OLD=$WORK/old-state
OLDTX=20200102-030405-000006-abcd
mkdir -p "$OLD/txn/$OLDTX" "$OLD/services/s1/gen-1"
chmod -R go-rwx "$OLD"
printf 'netstitch-plan 1\ntxid %s\nkind push\nrollback-of -\npersist-id x\nconfirm-timeout 60\ndevices 1\ndevice 0 running+restore 0 60 830 127.0.0.1 p\n' \
    "$OLDTX" >"$OLD/txn/$OLDTX/plan"
printf '1577934245000 txn start kind=push pid=1 devices=1\n1577934245100 txn outcome committed\n' \
    >"$OLD/txn/$OLDTX/journal"
echo '<a/>' >"$OLD/txn/$OLDTX/dev-0.before.xml"
echo '<b/>' >"$OLD/txn/$OLDTX/dev-0.payload.xml"
echo gen-1 >"$OLD/services/s1/current"
printf 'netstitch-service 1\nservice s1\ntxid %s\nprevious -\ncreated 1\ndevices 1\ndevice 0 junos 0 p\n' \
    "$OLDTX" >"$OLD/services/s1/gen-1/meta"
echo '<c/>' >"$OLD/services/s1/gen-1/dev-0.owned.xml"
run_cmd imp log --state-dir "$OLD" --format json
assert_rc 0 imp
$PY - "$WORK/imp.out" "$OLDTX" <<'PY' || fail "imported history"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"]
assert len(t) == 1 and t[0]["id"] == sys.argv[2], t
assert t[0]["outcome"] == "committed" and t[0]["devices"] == ["p"], t
assert t[0]["started"] == "2020-01-02T03:04:05Z", t
PY
[ -d "$OLD/txn" ] && fail "the old txn directory was not renamed after the import"
ls -d "$OLD"/txn.imported-* >/dev/null 2>&1 || fail "no txn.imported-* directory"
run_cmd impsvc services --state-dir "$OLD" --format json
$PY - "$WORK/impsvc.out" "$OLDTX" <<'PY' || fail "imported services"
import json, sys
s = json.load(open(sys.argv[1]))["services"]
assert s == [{"name": "s1", "transaction": sys.argv[2], "uncertain": False,
              "devices": ["p"]}], s
PY
run_cmd impshow show "$OLDTX" --state-dir "$OLD" --format json
assert_rc 0 impshow
[ "$(json "$WORK/impshow.out" 'd["plan"][0]["edit"]')" = "<b/>" ] || fail "imported edit"
echo "ok: a file state directory is imported on first use"

no_secrets "$WORK"/*.out "$WORK"/*.err "$STATE"
echo "t_history: ok in $(($(date +%s) - start)) s"
