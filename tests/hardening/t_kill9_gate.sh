#!/bin/sh
# t_kill9_gate.sh: kill -9 at every step of the health gate, then recover (issue 15).
# The example service runs in examples/simnet.sh, whose netsim computes BGP state from the
# routers' configuration. Every push changes one description on each of the six routers
# (a marker per push, nothing BGP depends on, so the gate passes) and is killed with
# SIGKILL at one gate event (NETSTITCH_TEST_PAUSE), learnt from a full run: the gate's
# start, each device's first state read, each device's sessions all healthy, the verdict
# told per device, and the decision after it. Then `netstitch recover` must exit 0 and
# leave the six routers all-old (every router at its configuration from before) or
# all-new (every router carrying the marker): all-old when killed before the decision to
# confirm; after it, all-new where recover can roll forward (the simulated Junos routers
# use confirmed-commit 1.0, which reverts when the killed push's session ends: all-old). The killed transaction's journal must keep the gate's
# outcome: "gate interrupted" (added by recover) for a kill inside the gate, "gate passed"
# or "gate failed" after the verdict, and recover's own line names it. The same for a gate
# that fails (the AWS peer's real ASN differs: ccx-to-aws stays Active): all-old always;
# and for the gate's flap step (netsim's flap-bgp on the AWS session).
# KILL9_BACKEND=postgresql (t_kill9_gate_pg.sh) uses a throw-away PostgreSQL cluster as
# the state store (tests/push/pg.sh) instead of SQLite.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
tmp=$(mktemp -d)
net=$tmp/net
PY=/usr/bin/python3
DEVS="twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit"
fail() {
    echo "FAIL: $*"
    exit 1
}
cleanup() {
    [ -n "${BG:-}" ] && kill -9 "$BG" 2> /dev/null
    sh examples/simnet.sh stop "$net" > /dev/null 2>&1
    command -v pg_down > /dev/null 2>&1 && pg_down
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
start=$(date +%s)
ST=$tmp/state
if [ "${KILL9_BACKEND:-sqlite}" = postgresql ]; then
    . "$TOP/tests/push/pg.sh"
    pg_up
    mkdir -p "$ST" && chmod 0700 "$ST"
    NETSTITCH_STATE_DIR=$ST
    export NETSTITCH_STATE_DIR
    ST=$PG_URL
fi
NETSIM_BGP_DELAY_MS=300 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$ex/service.xml" \
    > "$tmp/simnet.out" 2>&1 || { cat "$tmp/simnet.out"; fail "simnet did not start"; }
INV=$net/inventory.xml
SVC=$ex/service.xml
cp "$net/bgp.conf" "$tmp/bgp.good"
sed 's/^asn = 64512/asn = 64513/' "$tmp/bgp.good" > "$tmp/bgp.badas"
set_bgp() {
    cp "$1" "$net/bgp.conf.new" && mv "$net/bgp.conf.new" "$net/bgp.conf"
    sleep 0.3
}
"$NETSTITCH" compile "$SVC" -o "$tmp/base" > /dev/null 2>&1 || fail "compile"

# payloads MARK: the compiled payloads, each device's first description ending in MARK.
payloads() {
    rm -rf "$tmp/p"
    mkdir -p "$tmp/p"
    for d in $DEVS; do
        $PY - "$tmp/base/$d.xml" "$tmp/p/$d.xml" "$1" << 'PY'
import re, sys
s = open(sys.argv[1]).read()
t = re.sub(r"(<description>[^<]*)(</description>)", r"\1 " + sys.argv[3] + r"\2", s, count=1)
assert t != s, sys.argv[1]
open(sys.argv[2], "w").write(t)
PY
    done
}
snap() {
    for d in $DEVS; do
        echo "== $d"
        cat "$net/state/$d/running.xml"
        echo
    done > "$1"
}
# consistent BEFORE AFTER MARK: "before" when every router equals BEFORE, "after" when
# every router carries MARK; fails otherwise.
consistent() {
    $PY "$TOP/tests/hardening/consistent.py" "$1" "$2" "$3"
}
GATE="--health-deadline 8 --health-interval 200"
push() { # NAME ARGS...: a push of the service with the payloads in $tmp/p
    name=$1
    shift
    "$NETSTITCH" push "$SVC" --payloads "$tmp/p" --inventory "$INV" --state-dir "$ST" --no-state \
        "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
}
# events FILE: the gate's events of a push's progress log, in order, once each: "health",
# DEV:state-read, DEV:healthy, DEV:flap, the first DEV:gate, then the decision's phase.
events() {
    sed -n 's/^netstitch: == \([a-z-]*\)$/\1/p; s/^netstitch:    \([a-z-]*\): \([a-z-]*\) .*/\1:\2/p' \
        "$1" | awk '
        $0 == "health" { on = 1 }
        !on || seen[$0]++ { next }
        /:gate$/ { if (gated++) next }
        { print }
        $0 == "confirm" || $0 == "abort" { exit }'
}
# journal TXID: the transaction's journal lines, one per line (netstitch show).
journal() {
    "$NETSTITCH" show "$1" --state-dir "$ST" --format json > "$tmp/show.json" 2> /dev/null \
        || fail "show $1"
    $PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["journal"]))' "$tmp/show.json"
}
last_push() {
    "$NETSTITCH" log --state-dir "$ST" --format json > "$tmp/log.json" 2> /dev/null || fail "log"
    $PY - "$tmp/log.json" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["transactions"] if isinstance(d, dict) else d
print([r for r in rows if r["kind"] == "push"][-1]["id"])
PY
}

# 1. Learn the events of a push whose gate passes (the first push brings BGP up).
payloads m0
push learn0 $GATE || { cat "$tmp/learn0.out"; fail "the first push"; }
payloads m1
push learn $GATE || { cat "$tmp/learn.out" "$tmp/learn.err"; fail "the learning push"; }
PASS_EVENTS=$(events "$tmp/learn.err")
echo "$PASS_EVENTS" | grep -q ':state-read$' && echo "$PASS_EVENTS" | grep -q ':healthy$' \
    && echo "$PASS_EVENTS" | grep -q ':gate$' && echo "$PASS_EVENTS" | grep -qx confirm \
    || { cat "$tmp/learn.err"; fail "the gate's events were not all seen: $PASS_EVENTS"; }
# and of a push whose gate fails.
set_bgp "$tmp/bgp.badas"
payloads m2
push learnf --health-deadline 3 --health-interval 200
[ $? = 1 ] || { cat "$tmp/learnf.out"; fail "the gate should fail with the wrong AWS ASN"; }
FAIL_EVENTS=$(events "$tmp/learnf.err")
set_bgp "$tmp/bgp.good"
echo "$FAIL_EVENTS" | grep -qx abort || { cat "$tmp/learnf.err"; fail "no abort: $FAIL_EVENTS"; }
# and of one whose AWS session flaps (netsim's flap-bgp): the gate's flap step.
FLAP=$net/state/ccx-transit/faults
printf 'flap-bgp 169.254.100.1 700\n' > "$FLAP"
payloads m3
push learnp --health-deadline 8 --health-interval 200
rc=$?
rm -f "$FLAP"
[ $rc = 1 ] || { cat "$tmp/learnp.out"; fail "the gate should fail on the flapping session"; }
FLAP_EVENTS=$(events "$tmp/learnp.err" | grep ':flap$')
[ -n "$FLAP_EVENTS" ] || { cat "$tmp/learnp.err"; fail "no flap event"; }

# kill_at EVENT NAME ARGS...: push, SIGKILL it when it reaches EVENT.
kill_at() {
    ev=$1
    name=$2
    shift 2
    rm -rf "$tmp/pause"
    mkdir -p "$tmp/pause"
    NETSTITCH_TEST_PAUSE=$ev NETSTITCH_TEST_PAUSE_DIR=$tmp/pause "$NETSTITCH" push "$SVC" \
        --payloads "$tmp/p" --inventory "$INV" --state-dir "$ST" --no-state "$@" \
        > "$tmp/$name.out" 2> "$tmp/$name.err" &
    BG=$!
    i=0
    while [ ! -e "$tmp/pause/paused" ] && [ $i -lt 600 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    [ -e "$tmp/pause/paused" ] || { cat "$tmp/$name.err"; fail "$name never reached $ev"; }
    kill -9 "$BG"
    wait "$BG" 2> /dev/null
    BG=
}

# 2. Kill at each event, recover, check all-or-nothing and the gate's record.
k=0
nbefore=0
nafter=0
for run in pass fail flap; do
    case $run in
    pass)
        evs=$PASS_EVENTS
        opts=$GATE
        ;;
    fail)
        evs=$FAIL_EVENTS
        opts="--health-deadline 3 --health-interval 200"
        ;;
    flap)
        evs=$FLAP_EVENTS
        opts=$GATE
        ;;
    esac
    for ev in $evs; do
        k=$((k + 1))
        [ $run = fail ] && set_bgp "$tmp/bgp.badas"
        [ $run = flap ] && printf 'flap-bgp 169.254.100.1 700\n' > "$FLAP"
        payloads "k$k"
        snap "$tmp/k$k.before"
        kill_at "$ev" "k$k" $opts
        [ $run = fail ] && set_bgp "$tmp/bgp.good"
        rm -f "$FLAP"
        txid=$(last_push)
        "$NETSTITCH" recover --inventory "$INV" --state-dir "$ST" > "$tmp/k$k.rec" 2>&1 \
            || { cat "$tmp/k$k.rec"; fail "recover after a kill at $ev ($run): exit $?"; }
        snap "$tmp/k$k.after"
        st=$(consistent "$tmp/k$k.before" "$tmp/k$k.after" " k$k<") \
            || fail "kill at $ev ($run gate): not all-or-nothing: $st"
        # Before the decision to confirm (and after a failed gate): all-old. After it, recover
        # rolls forward where it can; the two Junos routers use confirmed-commit 1.0, whose
        # pending commit ends with the killed session, so there it must undo everything.
        [ "$ev" = confirm ] || [ "$st" = before ] \
            || fail "kill at $ev ($run gate): recovered to $st, want before"
        if [ "$st" = before ]; then nbefore=$((nbefore + 1)); else nafter=$((nafter + 1)); fi
        journal "$txid" > "$tmp/k$k.journal"
        case $ev in
        health | *:state-read | *:healthy | *:flap) gate=interrupted ;;
        *) gate=${run}ed ;;
        esac
        [ $gate = passed ] || [ $gate = failed ] || [ $gate = interrupted ] || fail "bad gate $gate"
        grep -q " txn gate start$" "$tmp/k$k.journal" || fail "kill at $ev: no gate start recorded"
        grep -q " txn gate $gate$" "$tmp/k$k.journal" \
            || { cat "$tmp/k$k.journal"; fail "kill at $ev ($run): the journal does not say gate $gate"; }
        grep -q " txn recover pid=[0-9]* [a-z]* (gate $gate)$" "$tmp/k$k.journal" \
            || { cat "$tmp/k$k.journal"; fail "kill at $ev ($run): recover does not name the gate's outcome"; }
        case $ev in
        *:state-read) grep -q " dev [0-9]* gate-state-read ok$" "$tmp/k$k.journal" \
            || { cat "$tmp/k$k.journal"; fail "kill at $ev: the read is not journaled"; } ;;
        *:flap) grep -q " dev [0-9]* gate-flap failed ccx-to-aws -> 169.254.100.1: flapping: " \
            "$tmp/k$k.journal" || { cat "$tmp/k$k.journal"; fail "kill at $ev: the flap is not journaled"; } ;;
        esac
        echo "ok: $run gate, killed at $ev: recovered to $st, journal says gate $gate"
    done
done
[ "$nbefore" -gt 0 ] || fail "undone $nbefore, rolled forward $nafter"

# 3. Nothing left to recover; the next push passes its gate.
"$NETSTITCH" recover --inventory "$INV" --state-dir "$ST" > "$tmp/rec2.out" 2>&1
grep -q '^recover ' "$tmp/rec2.out" && { cat "$tmp/rec2.out"; fail "a second recover found work"; }
payloads final
push final $GATE || { cat "$tmp/final.out"; fail "the push after the kills"; }
echo "t_kill9_gate: ok in $(($(date +%s) - start)) s ($k kills, ${KILL9_BACKEND:-sqlite})"
