#!/bin/sh
# t_gate_faults.sh: the health gate fails closed (issue 15, "Bad input and faults"). The
# example service runs in examples/simnet.sh (BGP computed from configuration); every
# case pushes the correct service while one router answers its state read badly or one
# session flaps, through netsim's faults file (netsim/fault.c, netsim/hostile.c):
#   - the state RPC errors (an <rpc-error> reply), times out (the device answers after
#     the gate's deadline), returns malformed XML, closes the connection mid-reply;
#   - hostile replies: a DOCTYPE with an entity bomb, a reply larger than the limit,
#     elements nested 100000 deep, the right elements in the wrong namespace, a count that
#     is not a number (both refused by the check against the device models);
#   - a session flapping during the gate (flap-bgp: Established, then Active, then back),
#     and one whose uptime goes back between two polls (a raw reply whose last-established
#     moves); and, regression, an uptime a second short of the last is not a flap;
#   - the Junos RPC <get-bgp-neighbor-information> answered with garbage (a second lab).
# Each case: push exits 1, its JSON report says aborted, every device restored, and the
# gate's reason names the session, its device and the reason; every router's running
# configuration is back at what it was (netsim's running.xml compared). Afterwards the
# same push passes the gate.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
tmp=$(mktemp -d)
net=$tmp/net
PY=/usr/bin/python3
failed=0
cleanup() {
    sh examples/simnet.sh stop "$net" > /dev/null 2>&1
    sh examples/simnet.sh stop "$tmp/jnet" > /dev/null 2>&1
    [ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
no() {
    echo "FAIL: $*"
    failed=1
}
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
start=$(date +%s)
NETSIM_BGP_DELAY_MS=300 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$ex/service.xml" \
    > "$tmp/simnet.out" 2>&1 || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
SVC=$ex/service.xml
DEVS="twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit"
snap() {
    for d in $DEVS; do
        cat "$net/state/$d/running.xml"
    done > "$1"
}
# The network first carries the service (sessions up), then every case pushes a change
# (one description more on ccx-transit) that must be held back.
"$NETSTITCH" push "$SVC" --inventory "$INV" --state-dir "$ST" --no-state \
    --health-deadline 8 --health-interval 200 > "$tmp/first.out" 2>&1 \
    || { cat "$tmp/first.out"; echo "FAIL: the first push"; exit 1; }
"$NETSTITCH" compile "$SVC" -o "$tmp/p" > /dev/null 2>&1 || { echo "FAIL: compile"; exit 1; }
$PY - "$tmp/p/ccx-transit.xml" << 'PY'
import re, sys
s = open(sys.argv[1]).read()
t = re.sub(r"(<description>[^<]*)(</description>)", r"\1 (gate faults)\2", s, count=1)
assert t != s
open(sys.argv[1], "w").write(t)
PY
T=$net/state/ccx-transit
printf '<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><rpc-error><error-type>application</error-type><error-tag>operation-failed</error-tag><error-severity>error</error-severity><error-message>BGP state is not available</error-message></rpc-error></rpc-reply>' \
    > "$T/err.xml"
printf '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>&c;</data></rpc-reply>' \
    > "$T/bomb.xml"
$PY - "$T/deep.xml" << 'PY'
import sys
n = 100000
open(sys.argv[1], "w").write('<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>'
    + '<a xmlns="urn:x">' * n + "</a>" * n + "</data></rpc-reply>")
PY
# The OpenConfig neighbor the gate wants, Established with a prefix, but in a namespace
# that is not openconfig-network-instance's.
cat > "$T/wrongns.xml" << 'XML'
<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>
<network-instances xmlns="http://openconfig.net/yang/network-instance-NOT"><network-instance><name>default</name>
<protocols><protocol><identifier>BGP</identifier><name>BGP</name><bgp><neighbors><neighbor>
<neighbor-address>169.254.100.1</neighbor-address><state><neighbor-address>169.254.100.1</neighbor-address><session-state>ESTABLISHED</session-state></state>
<afi-safis><afi-safi><afi-safi-name>IPV4_UNICAST</afi-safi-name><state><prefixes><received>1</received><installed>1</installed></prefixes></state></afi-safi></afi-safis>
</neighbor></neighbors></bgp></protocol></protocols></network-instance></network-instances></data></rpc-reply>
XML

sed -e 's|network-instance-NOT|network-instance|' \
    -e 's|<identifier>BGP</identifier>|<identifier xmlns:p="http://openconfig.net/yang/policy-types">p:BGP</identifier>|' \
    -e 's|<afi-safi-name>IPV4_UNICAST</afi-safi-name>|<afi-safi-name xmlns:b="http://openconfig.net/yang/bgp-types">b:IPV4_UNICAST</afi-safi-name>|' \
    -e 's|<received>1</received>|<received>lots</received>|' "$T/wrongns.xml" > "$T/badvalue.xml"

snap "$tmp/before"
# gate NAME FAULT REASON-REGEX [ENV...]: the push with FAULT in ccx-transit's faults file
# (GATE: the gate's options).
GATE="--health-deadline 3 --health-interval 200"
gate() {
    name=$1
    printf '%s\n' "$2" > "$T/faults.tmp" && mv "$T/faults.tmp" "$T/faults"
    want=$3
    shift 3
    t0=$(date +%s)
    env "$@" "$NETSTITCH" push "$SVC" --payloads "$tmp/p" --inventory "$INV" --state-dir "$ST" \
        --no-state $GATE --format json \
        > "$tmp/$name.json" 2> "$tmp/$name.err"
    rc=$?
    el=$(($(date +%s) - t0))
    rm -f "$T/faults"
    [ $rc = 1 ] || { no "$name: exit $rc, want 1: $(tail -3 "$tmp/$name.err")"; return; }
    [ "$el" -le 30 ] || no "$name: took $el s"
    $PY - "$tmp/$name.json" "$want" << 'PY' || { no "$name: report"; return; }
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "aborted", d["outcome"]
assert all(x["state"] == "restored" for x in d["devices"]), d["devices"]
g = d["health"]["gate"]
assert g.startswith("failed: "), g
# The session, its device and its peer, then the reason.
m = re.search(r"ccx-to-aws \(ccx-transit -> 169\.254\.100\.1\): (.*?)(; |$)", g)
assert m, g
assert re.search(sys.argv[2], m.group(1)), (sys.argv[2], m.group(1))
s = {x["session"]: x for x in d["health"]["check"]["sessions"]}
assert not s["ccx-to-aws"]["healthy"], s["ccx-to-aws"]
print("   reason:", m.group(1)[:160])
PY
    snap "$tmp/after-$name"
    cmp -s "$tmp/before" "$tmp/after-$name" || { no "$name: a router kept the change"; return; }
    echo "ok: $name: gate failed closed in ${el}s, every router restored"
}

gate rpc-error "reply raw get err.xml" "no state: ccx-transit: get: rpc-error: BGP state is not available \\[application/operation-failed\\]"
# ccx-transit answers <get> 5 s late; the gate's reads never outlast its deadline (3 s).
gate timeout "delay 5000 get" "no state: ccx-transit: .*(timed out|timeout|no reply)"
gate malformed "reply garbage get" "no state: ccx-transit: .*(not well-formed|malformed|parse)"
gate truncated "reply truncate get" "no state: ccx-transit: .*(closed|dropped|ended)"
gate entity-bomb "reply raw get bomb.xml" "no state: ccx-transit: .*DOCTYPE"
gate huge "reply oversize get 2" "no state: ccx-transit: .*larger than 1000000 bytes" \
    NST_MAX_REPLY_BYTES=1000000
# libxml2's depth limit (256) in the session's relay refuses it as not well-formed.
gate deep-nesting "reply raw get deep.xml" "no state: ccx-transit: .*not well-formed"
# Checked against the device models (drivers/state.c, drv_state_check()): it does not fit.
gate wrong-namespace "reply raw get wrongns.xml" "no state: ccx-transit: get: the reply does not fit openconfig-network-instance: it holds none of the model's data"
# The right namespace, but a prefix count that is not a number.
gate bad-value "reply raw get badvalue.xml" "no state: ccx-transit: get: the reply does not fit openconfig-network-instance: Invalid type uint32 value \"lots\""
# Established, Active, Established, Active: lost twice, the gate fails at once.
gate flap "flap-bgp 169.254.100.1 700" "flapping: lost Established 2 times"
# A session reset between two polls, seen only as its uptime going back: ccx-transit's
# real state, with last-established swapped every 0.5 s between 100 s ago and now (uptime
# 100 s, then about 0, then 100 s again, ...), polled every 200 ms.
# state_file FILE SECONDS: ccx-transit's state as a raw <get> reply, the session to AWS
# (169.254.100.1) established at SECONDS (since the epoch); ccx-transit's other sessions
# keep their real uptime, so that the one the test names is the only one going back (when
# every session swapped, a loaded machine's poll order let the gate name another first).
state_file() {
    $PY - "$T/oper.xml" "$1" "$2" << 'PY'
import re, sys
src, dst, when = sys.argv[1], sys.argv[2], sys.argv[3]
t = open(src).read()
n = 0
def fix(m):
    global n
    b = m.group(0)
    if "<neighbor-address>169.254.100.1</neighbor-address>" not in b:
        return b
    b, k = re.subn(r"<last-established>[0-9]*</last-established>",
                   "<last-established>%s000000000</last-established>" % when, b)
    n += k
    return b
t = re.sub(r"<neighbor>.*?</neighbor>", fix, t, flags=re.S)
open(dst, "w").write('<rpc-reply message-id="$MSGID" xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><data>'
                     + t + "</data></rpc-reply>")
sys.exit(0 if n else 1)
PY
    [ $? = 0 ] || no "no last-established of 169.254.100.1 in $T/oper.xml"
}
# swap A B SEC: replace $T/swap.xml by A, then B, every SEC seconds, in the background.
swap() {
    cp "$T/$1" "$T/swap.xml"
    (
        while :; do
            cp "$T/$2" "$T/swap.new" && mv "$T/swap.new" "$T/swap.xml"
            sleep "$3"
            cp "$T/$1" "$T/swap.new" && mv "$T/swap.new" "$T/swap.xml"
            sleep "$3"
        done
    ) &
    SWAP=$!
}
# The flap case above left the session going down and up: wait (10 s at most) until
# ccx-transit reports it Established again, with its last-established.
i=0
while [ $i -lt 50 ] && ! $PY -c '
import re, sys
t = open(sys.argv[1]).read()
sys.exit(0 if any("<neighbor-address>169.254.100.1</neighbor-address>" in b and
                  "<last-established>" in b for b in re.findall(r"<neighbor>.*?</neighbor>", t, re.S))
         else 1)' "$T/oper.xml" 2> /dev/null; do
    sleep 0.2
    i=$((i + 1))
done
now=$(date +%s)
state_file "$T/up100.xml" $((now - 100))
state_file "$T/up0.xml" "$now"
swap up100.xml up0.xml 0.5
GATE="--health-deadline 6 --health-interval 200" \
    gate uptime-reset "reply raw get swap.xml" "flapping: lost Established 2 times .*last: uptime went back from 10[0-9]s to [0-9]s"
kill $SWAP
wait $SWAP 2> /dev/null

# Regression: an uptime that reads a second less than before is clock granularity, not a
# reset (netsim's OpenConfig last-established, like a real router's against our clock,
# moves by whole seconds; t_kill9_gate_pg once failed a healthy gate as "flapping: uptime
# went back from 55s to 54s"). ccx-transit's real state, with last-established swapped
# between two values one second apart every 150 ms, polled every 200 ms: the gate passes.
now=$(date +%s)
state_file "$T/jit0.xml" $((now - 100))
state_file "$T/jit1.xml" $((now - 99))
swap jit0.xml jit1.xml 0.15
printf 'reply raw get swap.xml\n' > "$T/faults"
"$NETSTITCH" push "$SVC" --payloads "$tmp/p" --inventory "$INV" --state-dir "$ST" --no-state \
    --health-deadline 8 --health-interval 200 > "$tmp/jit.out" 2>&1
rc=$?
kill $SWAP
wait $SWAP 2> /dev/null
rm -f "$T/faults"
[ $rc = 0 ] || no "an uptime jittering by one second failed the gate: $(grep error "$tmp/jit.out")"
echo "ok: an uptime that reads one second less is not a flap"

# The faults gone, the same push passes the gate.
"$NETSTITCH" push "$SVC" --payloads "$tmp/p" --inventory "$INV" --state-dir "$ST" --no-state \
    --health-deadline 8 --health-interval 200 > "$tmp/good.out" 2>&1 \
    || no "the push without faults: $(cat "$tmp/good.out")"

# Junos: the state comes by RPC; a garbage answer fails the gate the same way.
sh examples/simnet.sh stop "$net"
NETSIM_BGP_DELAY_MS=300 NETSIM=$NETSIM sh examples/simnet.sh start "$tmp/jnet" \
    tests/compile/junos/junos-features.xml > "$tmp/jsimnet.out" 2>&1 \
    || { cat "$tmp/jsimnet.out"; no "the Junos lab did not start"; }
printf 'reply garbage get-bgp-neighbor-information\n' > "$tmp/jnet/state/pe1/faults"
"$NETSTITCH" push tests/compile/junos/junos-features.xml --inventory "$tmp/jnet/inventory.xml" \
    --state-dir "$ST" --no-state --health-deadline 3 --health-interval 200 > "$tmp/junos.out" 2>&1
rc=$?
[ $rc = 1 ] || no "Junos garbage state reply: exit $rc, want 1"
grep -q "health gate: pe1-to-aws (pe1 -> 169.254.40.1): no state: pe1: " "$tmp/junos.out" \
    || no "Junos garbage state reply: $(cat "$tmp/junos.out")"
grep -q "FAILED; every device was verified back" "$tmp/junos.out" \
    || no "Junos garbage state reply: not rolled back: $(cat "$tmp/junos.out")"
echo "ok: a Junos state RPC answered with garbage fails the gate closed"

echo "timing: t_gate_faults $(($(date +%s) - start)) s"
exit $failed
