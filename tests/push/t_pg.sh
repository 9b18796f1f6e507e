#!/bin/sh
# t_pg.sh: the PostgreSQL state store (netconf/store_pg.c) shared by two "hosts" (two
# netstitch setups with their own local directories, one database), against two
# netstitch-netsim routers and a throw-away cluster started here (tests/push/pg.sh):
#   - a push from host A is in host B's history (log --format json parsed), with A's comment;
#   - while A holds a router (paused mid-transaction), B's push to it exits 5 naming the
#     router and A's transaction (an advisory lock, across hosts);
#   - two pushes of the same service: B's is refused while A applies it (service lock);
#   - A is killed with SIGKILL after its decision to confirm; B recovers it from the shared
#     journal (the dead connection released A's locks); the routers carry the change;
#   - B rolls back A's push (a reverse diff), A's history shows the rollback, A's gc;
#   - no secret in the database (pg_dump).
. "$TOP/tests/push/common.sh"
. "$TOP/tests/push/pg.sh"
start=$(date +%s)
pg_up
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
M="modules-dir=$MODELS"
netsim_up "p:iosxr:$M q:iosxr:$M twaren-border:junos"
DEVS="p q twaren-border"
export LAB_CLIENT_KEY_ED25519=$NS/client NC_USER=admin
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '<secret><name>bgp-key</name><source>env:NST_TEST_BGP_KEY</source></secret>'
    echo '</inventory>'
} >"$INV"
payloads() {
    mkdir -p "$1"
    for d in p q; do
        cat >"$1/$d.xml" <<XML
<system xmlns="$NSA"><authentication-key>\$NST_SECRET{bgp-key}</authentication-key></system>
<interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>$2</mtu></interface></interfaces>
XML
    done
}
payloads "$WORK/m1" 1600
payloads "$WORK/m2" 1700
# A service the lifecycle can diff: a Junos router with the Junos models.
"$NETSTITCH" compile -o "$WORK/out" "$TOP/examples/twcc-ccx-aws/service.xml" >/dev/null 2>&1 \
    || fail "compile"
mkdir -p "$WORK/svc"
cp "$WORK/out/twaren-border.xml" "$WORK/svc/"
mkdir -p "$WORK/hostA" "$WORK/hostB"
chmod 0700 "$WORK/hostA" "$WORK/hostB"
# Each "host": its own local directory (known_hosts, logs), the one database.
A() { NETSTITCH_STATE_DIR=$WORK/hostA "$NETSTITCH" "$@"; }
B() { NETSTITCH_STATE_DIR=$WORK/hostB "$NETSTITCH" "$@"; }
S="--inventory $INV --state $PG_URL"
mtu() { grep -o '<mtu>[0-9]*</mtu>' "$NS/state/$1/running.xml" | head -n 1; }

# 1. A pushes; B reads it in the shared history.
A push $S --payloads "$WORK/m1" --comment "from host A" -q >"$WORK/a1.out" 2>"$WORK/a1.err"
RC=$?
assert_rc 0 a1
B log --state "$PG_URL" --format json >"$WORK/blog.out" 2>"$WORK/blog.err"
$PY - "$WORK/blog.out" <<'PY' || fail "B does not see A's push: $(cat "$WORK/blog.out" "$WORK/blog.err")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"].startswith("postgresql://"), d
t = d["transactions"]
assert len(t) == 1 and t[0]["comment"] == "from host A" and t[0]["outcome"] == "committed", t
assert t[0]["devices"] == ["p", "q"], t
PY
TX1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["transactions"][0]["id"])' "$WORK/blog.out")
echo "ok: one history for two hosts"

# 2. A holds p and q mid-transaction; B's push to them is refused (exit 5), nothing touched.
NETSTITCH_STATE_DIR=$WORK/hostA start_paused p:lock pa push $S --payloads "$WORK/m2" --jobs 1
B push $S --payloads "$WORK/m2" >"$WORK/busy.out" 2>"$WORK/busy.err"
RC=$?
assert_rc 5 busy
assert_grep "is being changed by another netstitch process" "$WORK/busy.out"
resume
assert_rc 0 pa
echo "ok: a router held by host A is refused to host B (exit 5)"

# 3. The same service from both hosts: B is refused while A applies it.
NETSTITCH_STATE_DIR=$WORK/hostA start_paused commit pb push $S --payloads "$WORK/svc" --name svc1
B push $S --payloads "$WORK/svc" --name svc1 >"$WORK/svc.out" 2>"$WORK/svc.err"
RC=$?
assert_rc 5 svc
grep -q "service svc1 is being applied by another netstitch process" "$WORK/svc.err" \
    || fail "svc: $(cat "$WORK/svc.err" "$WORK/svc.out")"
resume
assert_rc 0 pb
B services --state "$PG_URL" --format json >"$WORK/svcs.out"
grep -q '"name": "svc1"' "$WORK/svcs.out" || fail "B does not see svc1: $(cat "$WORK/svcs.out")"
echo "ok: one service applied by one host at a time"

# 4. A killed after its decision to confirm; B recovers it from the shared journal.
NETSTITCH_STATE_DIR=$WORK/hostA start_paused confirm pk push $S --payloads "$WORK/m1"
kill -9 "$BG"
wait "$BG" 2>/dev/null
B log --state "$PG_URL" --format json >"$WORK/klog.out"
KTX=$($PY -c 'import json,sys; t=json.load(open(sys.argv[1]))["transactions"]; print(t[-1]["id"] if t[-1]["outcome"] == "interrupted" else "")' "$WORK/klog.out")
[ -n "$KTX" ] || fail "the killed push is not interrupted in the history: $(cat "$WORK/klog.out")"
B recover $S >"$WORK/rec.out" 2>"$WORK/rec.err"
RC=$?
assert_rc 0 rec
assert_grep "recover $KTX: committed on every device" "$WORK/rec.out"
[ "$(mtu p)" = "<mtu>1600</mtu>" ] && [ "$(mtu q)" = "<mtu>1600</mtu>" ] || fail "recover: not rolled forward"
B log --state "$PG_URL" --format json >"$WORK/rlog.out"
$PY - "$WORK/rlog.out" "$KTX" <<'PY' || fail "the recover's history: $(cat "$WORK/rlog.out")"
import json, sys
t = {x["id"]: x for x in json.load(open(sys.argv[1]))["transactions"]}
k = t[sys.argv[2]]
assert k["outcome"] == "committed", k
r = [x for x in t.values() if x["kind"] == "recover"]
assert len(r) == 1 and r[0]["comment"] == "recover of " + sys.argv[2], r
assert r[0]["outcome"] == "committed" and r[0]["devices"] == ["p", "q"], r
PY
echo "ok: host B recovered host A's killed push (rolled forward), a recover row in the history"

# 5. B rolls back the recovered push (back to 1700); A sees it; A collects garbage.
B rollback "$KTX" $S -q >"$WORK/rb.out" 2>"$WORK/rb.err"
RC=$?
assert_rc 0 rb
[ "$(mtu p)" = "<mtu>1700</mtu>" ] || fail "rollback from B: p is $(mtu p)"
A log --state "$PG_URL" --format json >"$WORK/alog.out"
$PY - "$WORK/alog.out" "$KTX" <<'PY' || fail "A does not see B's rollback"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"]
assert t[-1]["kind"] == "rollback" and t[-1]["rollback_of"] == sys.argv[2], t[-1]
PY
A show "$TX1" --state "$PG_URL" --format json >"$WORK/show.out" || fail "show from A"
A gc --keep 2 --state "$PG_URL" --format json >"$WORK/gc.out" || fail "gc"
A log --state "$PG_URL" --format json >"$WORK/alog2.out"
[ "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["transactions"]))' "$WORK/alog2.out")" -le 3 ] \
    || fail "gc --keep 2 left $(cat "$WORK/alog2.out")"
echo "ok: rollback from host B, history and gc from host A"

# 6. No secret in the database.
runuser -u postgres -- "$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U postgres postgres \
    >"$WORK/dump.sql" 2>&1 || fail "pg_dump"
grep -q 'CREATE TABLE public.journal' "$WORK/dump.sql" || fail "pg_dump: no journal table"
no_secrets "$WORK/dump.sql" "$WORK"/*.out "$WORK"/*.err
echo "t_pg: ok in $(($(date +%s) - start)) s"
