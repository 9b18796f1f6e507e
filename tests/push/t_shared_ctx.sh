#!/bin/sh
# t_shared_ctx.sh: one libyang context per device schema set, shared by the sessions of a
# push (netconf/ctxpool.c), against 16 netsim routers of three profiles in one push (a
# thread each): 6 eos and 6 iosxr (base:1.1 capabilities) and 4 junos (:confirmed-commit:1.0
# and :validate:1.0, whose features netstitch enables itself: libnetconf2's join sets the
# hello's feature list; a pooled context keeps them compiled in with the enabled flag
# cleared, so that a join on it changes nothing and the Junos sessions still send
# <commit><confirmed/> and <validate>).
# Every join on a pooled context is written to NETSTITCH_TEST_CTXPOOL_LOG.
#   push 1   no set record yet: private joins; one record per schema set (3)
#   push 2   by its end each set was proven by one join on a context built from its record
#            (in push 1 already when a connect read its hello after the record was
#            written): eos, iosxr and junos change nothing (proven 1)
#   push 3   the 16 joins share three contexts (their records' transcripts held to), the
#            junos sessions validate and commit confirmed on theirs; every router holds the
#            change (ncclient)
#   stale    the eos record's transcript altered (as a router whose replies differ; netsim's
#            `reply` faults do not reach <get-schema>, which it answers outside its RPC
#            dispatcher, so the record is altered instead of the router): every
#            eos join is ended before libnetconf2 sees the reply, reconnects privately, the
#            push succeeds and the record is rewritten (proven 0)
#   switch   NETSTITCH_NO_SHARED_CTX=1: no pooled join
. "$(dirname "$0")/common.sh"
start=$(date +%s)
MODELS=$TOP/tests/netsim/models/a
specs=""
for i in 1 2 3 4 5 6; do
    specs="$specs e$i:eos:modules-dir=$MODELS x$i:iosxr:modules-dir=$MODELS"
done
for i in 1 2 3 4; do
    specs="$specs j$i:junos:modules-dir=$MODELS"
done
netsim_up "$specs"
INV=$WORK/inv.xml
{
    echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    ns_devices_xml
    echo '</inventory>'
} >"$INV"
payloads() {
    mkdir -p "$1"
    for d in $NS_NAMES; do
        cat >"$1/$d.xml" <<EOF
<interfaces xmlns="urn:netstitch:netsim:test-a">
  <interface><name>ge-0/0/7</name><description>shared ctx $2</description>
    <mtu>$2</mtu></interface>
</interfaces>
EOF
    done
}
payloads "$WORK/p9000" 9000
payloads "$WORK/p9100" 9100
LOG=$WORK/ctxpool.log
CACHE=$STATE/schema-cache
# count WHAT: the joins of the last push that the log reports as WHAT ("share ok", ...).
count() {
    grep -c " $1 " "$LOG.last" || true
}
push() {
    rm -f "$LOG"
    NETSTITCH_TEST_CTXPOOL_LOG=$LOG run_push "$@"
    touch "$LOG"
    cp "$LOG" "$LOG.last"
}
# proven VALUES: the records' proven lines, sorted, one line.
proven() {
    for f in "$CACHE"/.ctxset-*; do
        sed -n 2p "$f"
    done | sort | tr '\n' ' '
}

push p1 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p9000"
assert_rc 0 p1
cp "$LOG.last" "$WORK/log1"
# Private joins; one per set writes its record, and a connect of this push that reads its
# router's hello after that may already prove the set (prove), never share it.
[ "$(grep -c ' private ok \| prove ' "$LOG.last")" = 16 ] || { cat "$LOG.last"; fail "push 1: not 16 private or proving joins"; }
[ "$(count share)" = 0 ] || fail "push 1: a join shared before its set was proven"
[ "$(ls "$CACHE"/.ctxset-* | wc -l)" = 3 ] || fail "push 1: not one record per schema set"
echo "ok: a first push joins privately and writes one record per schema set"

push p2 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p9100"
assert_rc 0 p2
cat "$WORK/log1" "$LOG.last" >"$WORK/log12"
# Over both pushes: each set proven by exactly one join.
[ "$(grep -c '^e[1-6] prove ok ' "$WORK/log12")" = 1 ] || { cat "$WORK/log12"; fail "eos not proven once"; }
[ "$(grep -c '^x[1-6] prove ok ' "$WORK/log12")" = 1 ] || { cat "$WORK/log12"; fail "iosxr not proven once"; }
[ "$(grep -c '^j[1-4] prove ok ' "$WORK/log12")" = 1 ] || { cat "$WORK/log12"; fail "junos not proven once"; }
grep -q 'mismatch\|changed\|failed' "$WORK/log12" && { cat "$WORK/log12"; fail "a proven join changed"; }
[ "$(proven)" = "proven 1 proven 1 proven 1 " ] || fail "push 2: records: $(proven)"
echo "ok: eos, iosxr and junos proven by one join each"

push p3 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p9000"
assert_rc 0 p3
[ "$(count 'share ok')" = 16 ] || { cat "$LOG.last"; fail "push 3: not 16 shared joins"; }
grep -q 'changed\|mismatch' "$LOG.last" && { cat "$LOG.last"; fail "push 3: a shared join changed"; }
# The shared Junos sessions used the features the join does not set (push 3 only: the
# routers' logs are appended to, so count the last session of each).
for j in j1 j2 j3 j4; do
    last=$(awk '/event=session-start/ {s = $0} END {print s}' "$NS/state/$j/rpc.log" | sed 's/.* sid=\([0-9]*\) .*/\1/')
    grep -q "sid=$last rpc=validate " "$NS/state/$j/rpc.log" || fail "push 3: $j: no <validate> on the shared context"
    grep -q "sid=$last rpc=commit confirmed=" "$NS/state/$j/rpc.log" || fail "push 3: $j: no confirmed commit on the shared context"
done
NC_USER=admin LAB_CLIENT_KEY_ED25519=$NS/client $PY "$NCPY" dump "$WORK/after3" $NS_NAMES \
    || fail "ncclient"
[ "$(grep -c 'mtu = 9000' "$WORK/after3")" = 16 ] || fail "push 3: not every router holds mtu 9000"
echo "ok: 16 sessions share three contexts, Junos validates and commits confirmed, every router committed"

# The eos record: the same hello, another get-schema reply (one byte of the transcript).
eos=""
for f in "$CACHE"/.ctxset-*; do
    grep -aq 'writable-running candidate$' "$f" && eos=$f
done
$PY - "$eos" <<'EOF' || fail "cannot alter the eos record"
import sys
p = sys.argv[1]
b = open(p, "rb").read()
assert b.split(b"\n")[1] == b"proven 1", b[:40]
i = b.index(b"\nmsg ")
j = b.index(b"module ietf-datastores", i)
b = b[:j] + b"module ietf-datastoreZ" + b[j + len(b"module ietf-datastores"):]
open(p, "wb").write(b)
EOF
push p4 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p9100"
assert_rc 0 p4
[ "$(count 'share mismatch')" = 6 ] || { cat "$LOG.last"; fail "stale: not 6 eos mismatches"; }
[ "$(grep -c '^e[1-6] private ok' "$LOG.last")" = 6 ] || fail "stale: eos not reconnected privately"
[ "$(grep -c '^x[1-6] share ok' "$LOG.last")" = 6 ] || fail "stale: iosxr stopped sharing"
[ "$(sed -n 2p "$eos")" = "proven 0" ] || fail "stale: the eos record was not rewritten"
grep -aq 'datastoreZ' "$eos" && fail "stale: the altered transcript is still there"
NC_USER=admin LAB_CLIENT_KEY_ED25519=$NS/client $PY "$NCPY" dump "$WORK/after4" $NS_NAMES \
    || fail "ncclient"
[ "$(grep -c 'mtu = 9100' "$WORK/after4")" = 16 ] || fail "stale: not every router holds mtu 9100"
echo "ok: a transcript mismatch ends the shared join, the router reconnects privately, the record is rewritten"

rm -f "$LOG"
NETSTITCH_NO_SHARED_CTX=1 push p5 --inventory "$INV" --state-dir "$STATE" --payloads "$WORK/p9100"
assert_rc 0 p5
[ -s "$LOG.last" ] && { cat "$LOG.last"; fail "switch: a pooled join with NETSTITCH_NO_SHARED_CTX"; }
echo "ok: NETSTITCH_NO_SHARED_CTX=1 joins privately"

no_secrets "$WORK"/*.out "$WORK"/*.err
echo "t_shared_ctx: ok in $(($(date +%s) - start)) s"
