#!/bin/sh
# The journal survives kill -9 at every step. A push to four netsim routers, one per
# transaction method (j: confirmed-commit 1.0, x: confirmed-commit 1.1 with persist,
# e: candidate + restore, r: running + restore), is killed with SIGKILL at each progress
# event in turn (every phase start and every device step, learnt from a full run; the
# NETSTITCH_TEST_PAUSE hook of cmd_push.c stops it there). After each kill,
# `netstitch recover` must exit 0 and leave the network all-or-nothing: every router at
# its configuration from before the push, or every router carrying the change. A second
# recover has nothing to do, and the next push is not blocked. Then the same for recover
# itself: a push is killed after its decision to confirm, and the recover that rolls it
# forward is killed at each of its own steps and recovered again. Finally no state file
# holds a secret and every state file and directory is private.
. "$TOP/tests/push/common.sh"
start=$(date +%s)
# The state store: SQLite in $STATE, or with KILL9_BACKEND=postgresql a throw-away
# PostgreSQL cluster (tests/push/pg.sh; t_kill9_pg.sh), $STATE then the local directory.
STATE_LOC=$STATE
if [ "${KILL9_BACKEND:-sqlite}" = postgresql ]; then
    . "$TOP/tests/push/pg.sh"
    pg_up
    STATE_LOC=$PG_URL
    mkdir -p "$STATE" && chmod 0700 "$STATE"
    NETSTITCH_STATE_DIR=$STATE
    export NETSTITCH_STATE_DIR
fi
MODELS=$TOP/tests/netsim/models/a
NSA=urn:netstitch:netsim:test-a
cat >"$WORK/startup.xml" <<XML
<system xmlns="$NSA"><hostname>sim</hostname></system>
<interfaces xmlns="$NSA"><interface><name>ge-0/0/0</name><mtu>1500</mtu></interface></interfaces>
XML
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

# payloads DIR MTU: every device gets interface ge-0/0/1 with MTU and the secret key.
payloads() {
    rm -rf "$1"
    mkdir -p "$1"
    for d in $DEVS; do
        cat >"$1/$d.xml" <<XML
<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
  <system xmlns="$NSA"><authentication-key>\$NST_SECRET{bgp-key}</authentication-key></system>
  <interfaces xmlns="$NSA"><interface><name>ge-0/0/1</name><mtu>$2</mtu></interface></interfaces>
</config>
XML
    done
}
# snap FILE: every device's running configuration, as netsim writes it after each change
# (STATEDIR/DEV/running.xml, replaced atomically), one "== DEV" section each.
snap() {
    for d in $DEVS; do
        echo "== $d"
        cat "$NS/state/$d/running.xml"
        echo
    done >"$1"
}
# consistent BEFORE AFTER TEXT: "before" or "after" (every device carries TEXT), else fails
# (tests/hardening/consistent.py).
consistent() {
    $PY "$TOP/tests/hardening/consistent.py" "$1" "$2" "$3"
}
# events FILE: the progress events in a step log, in order, once each.
events() {
    sed -n 's/^netstitch: == \([a-z-]*\)$/\1/p; s/^netstitch:    \([a-z]*\): \([a-z-]*\) .*/\1:\2/p' \
        "$1" | awk '!seen[$0]++'
}
# kill_at EVENT NAME ARGS...: run netstitch ARGS, SIGKILL it at EVENT.
kill_at() {
    start_paused "$@"
    kill -9 "$BG"
    wait "$BG" 2>/dev/null
}

# 1. Learn the events of a full push.
payloads "$WORK/p" 9000
run_push learn --inventory "$INV" --state-dir "$STATE_LOC" --payloads "$WORK/p"
assert_rc 0 learn
EVENTS=${KILL9_EVENTS:-$(events "$WORK/learn.err")}
n=$(echo "$EVENTS" | wc -w)
[ "$n" -ge 20 ] || [ -n "${KILL9_EVENTS:-}" ] || { cat "$WORK/learn.err"; fail "only $n progress events"; }

# 2. kill -9 the push at each of them, then recover.
k=0
nbefore=0
nafter=0
for pt in $EVENTS; do
    k=$((k + 1))
    mtu=$((9000 + k))
    payloads "$WORK/p" "$mtu"
    snap "$WORK/k$k.before"
    kill_at "$pt" "k$k" push --inventory "$INV" --state-dir "$STATE_LOC" --payloads "$WORK/p"
    run_cmd "k$k.rec" recover --inventory "$INV" --state-dir "$STATE_LOC"
    assert_rc 0 "k$k.rec"
    snap "$WORK/k$k.after"
    st=$(consistent "$WORK/k$k.before" "$WORK/k$k.after" "<mtu>$mtu</mtu>") || {
        echo "$st"
        cat "$WORK/k$k.rec.out"
        fail "kill at $pt: not all-or-nothing"
    }
    if [ "$st" = before ]; then nbefore=$((nbefore + 1)); else nafter=$((nafter + 1)); fi
    echo "ok: push killed at $pt: recovered to $st"
done
# Both outcomes were exercised: undone before the decision, rolled forward after it.
[ "$nbefore" -gt 0 ] && [ "$nafter" -gt 0 ] || fail "undone $nbefore, rolled forward $nafter"

# 3. Nothing is left to recover, and the next push is not blocked.
run_cmd rec2 recover --inventory "$INV" --state-dir "$STATE_LOC"
assert_rc 0 rec2
grep -q '^recover ' "$WORK/rec2.out" && { cat "$WORK/rec2.out"; fail "a second recover found work"; }
payloads "$WORK/p" 8000
run_push after --inventory "$INV" --state-dir "$STATE_LOC" --payloads "$WORK/p"
assert_rc 0 after

# 4. kill -9 the recover itself at each of its steps. Its events are learnt from a
#    recover of a push killed after the decision to confirm (a roll forward).
payloads "$WORK/p" 8100
kill_at confirm rk push --inventory "$INV" --state-dir "$STATE_LOC" --payloads "$WORK/p"
run_cmd rlearn recover --inventory "$INV" --state-dir "$STATE_LOC"
assert_rc 0 rlearn
REVENTS=$(events "$WORK/rlearn.err")
[ -n "$REVENTS" ] || { cat "$WORK/rlearn.err"; fail "recover reported no progress events"; }
m=0
for pt in $REVENTS; do
    m=$((m + 1))
    mtu=$((8200 + m))
    payloads "$WORK/p" "$mtu"
    snap "$WORK/r$m.before"
    kill_at confirm "rp$m" push --inventory "$INV" --state-dir "$STATE_LOC" --payloads "$WORK/p"
    kill_at "$pt" "rr$m" recover --inventory "$INV" --state-dir "$STATE_LOC"
    run_cmd "rr$m.rec" recover --inventory "$INV" --state-dir "$STATE_LOC"
    assert_rc 0 "rr$m.rec"
    snap "$WORK/r$m.after"
    st=$(consistent "$WORK/r$m.before" "$WORK/r$m.after" "<mtu>$mtu</mtu>") || {
        echo "$st"
        cat "$WORK/rr$m.rec.out"
        fail "recover killed at $pt: not all-or-nothing"
    }
    echo "ok: recover killed at $pt: recovered to $st"
done

# 5. No secret in any state file; every state file 0600 and directory 0700 (files in a
#    0700 .fetch-* directory of a connect that was killed excepted: libnetconf2 writes
#    them with the umask, and they are published with 0600 or swept after an hour).
no_secrets "$STATE"
if [ -n "${PG_URL:-}" ]; then
    runuser -u postgres -- "$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U postgres postgres \
        >"$WORK/dump.sql" 2>&1 || fail "pg_dump"
    no_secrets "$WORK/dump.sql"
fi
bad=$(find "$STATE" -path '*/.fetch-*/*' -prune -o \( -type f ! -perm 0600 -print \) -o \
    \( -type d ! -perm 0700 -print \))
[ -z "$bad" ] || { ls -la $bad; fail "state entries with modes other than 0600/0700"; }
echo "t_kill9: ok in $(($(date +%s) - start)) s ($n push events, $m recover events, ${KILL9_BACKEND:-sqlite})"
