#!/bin/sh
# t_health.sh: the health gate and `netstitch status` against examples/simnet.sh, whose
# netsim computes BGP state from the routers' running configuration (netsim/bgp.c) and
# simulates the AWS peer from bgp.conf (its real ASN, key and announced prefixes):
#   - status: text, JSON and OpenMetrics output, each parsed (the OpenMetrics text with
#     prometheus_client's strict parser), exit 1 before anything is pushed;
#   - the gate passes on a correct service, the report and JSON carry each session's
#     final state and counts, status then exits 0;
#   - the gate fails and every router is verified back at its configuration from before
#     for: AWS's real ASN differs from the one configured (wrong peer AS), AWS holds
#     another key (wrong key), the service giving the two ends of a session different keys,
#     a far side that originates nothing (missing origination:
#     twcc-edge's payload without its network route for 192.168.0.0/24), and the far
#     end's prefix filtered by import policy;
#   - kill -9 during the gate, then recover: every router back where it was;
#   - a malformed or hostile state reply, and a session flapping during the gate, fail the
#     gate closed with the device named.
# The correct service is the shipped example; the broken variants are built from it.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
tmp=$(mktemp -d)
net=$tmp/net
PY=/usr/bin/python3
cleanup() {
    sh examples/simnet.sh stop "$net" > /dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
[ -x "${NETSIM:-}" ] || { echo "netstitch-netsim is not built"; exit 77; }
$PY -c "import prometheus_client" 2>/dev/null || { echo "python3-prometheus-client missing"; exit 77; }
start=$(date +%s)
NETSIM_BGP_DELAY_MS=500 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$ex/service.xml" \
    > "$tmp/simnet.out" 2>&1 || { cat "$tmp/simnet.out"; echo "FAIL: simnet did not start"; exit 1; }
INV=$net/inventory.xml
ST=$tmp/state
GATE="--health-deadline 6 --health-interval 200"

# The outside world changes: netsim rereads bgp.conf when it changes (atomic replace).
set_bgp() {
    cp "$1" "$net/bgp.conf.new" && mv "$net/bgp.conf.new" "$net/bgp.conf"
    sleep 0.3
}
cp "$net/bgp.conf" "$tmp/bgp.conf.orig"

# Running config of every router, for "back where it was".
snap() {
    for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
        cat "$net/state/$d/running.xml"
    done > "$1"
}

cp "$ex/service.xml" "$tmp/good.xml"

# status before any push: every session unknown, exit 1, all three formats parse.
"$NETSTITCH" status "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" > "$tmp/s0.txt" 2>&1
[ $? = 1 ] || no "status before the push should exit 1"
grep -q "NOT healthy" "$tmp/s0.txt" || no "status text: $(cat "$tmp/s0.txt")"

snap "$tmp/before"

# Gate fails: missing origination. The compiled payloads, twcc-edge's without the BGP
# network route that originates 192.168.0.0/24; the service still says it is announced.
"$NETSTITCH" compile "$tmp/good.xml" -o "$tmp/noorig" > /dev/null 2>&1 || no "compile"
$PY - "$tmp/noorig/twcc-edge.xml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
t = re.sub(r"\s*<network-routes>.*?</network-routes>", "", s, flags=re.S)
assert t != s, "no network route to remove"
open(sys.argv[1], "w").write(t)
PY
"$NETSTITCH" push "$tmp/good.xml" --payloads "$tmp/noorig" --inventory "$INV" --state-dir "$ST" \
    $GATE --format json > "$tmp/orig.json" 2> "$tmp/orig.err"
rc=$?
[ $rc = 1 ] || no "missing origination: exit $rc, want 1: $(tail -3 "$tmp/orig.err")"
$PY - "$tmp/orig.json" <<'PY' || no "missing origination: report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "aborted", d["outcome"]
assert all(x["state"] == "restored" for x in d["devices"]), d["devices"]
h = d["health"]
assert h["gate"].startswith("failed: ccx-to-twcc"), h["gate"]
s = {x["session"]: x for x in h["check"]["sessions"]}
assert s["ccx-to-twcc"]["state"] == "Established" and s["ccx-to-twcc"]["families"]["ipv4"]["accepted"] == 0
assert not s["ccx-to-twcc"]["healthy"] and s["ccx-to-aws"]["healthy"], s
assert s["twcc-to-ccx"]["families"]["ipv4"]["accepted"] == 1, s
PY
snap "$tmp/after-orig"
cmp -s "$tmp/before" "$tmp/after-orig" || no "missing origination: a router kept the change"
echo "ok: missing origination held back by the gate, all six routers restored"

# Gate fails: the far end's prefix filtered by this side's import policy.
# twcc-edge's import policy lets only 10.22.23.0/24 in; CCX sends 10.22.22.0/24.
$PY - "$tmp/good.xml" "$tmp/filtered.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("<name>twcc-to-ccx</name>")
j = s.index("<accept>10.22.22.0/24</accept>", i)
s = s[:j] + "<accept>10.22.23.0/24</accept>" + s[j + len("<accept>10.22.22.0/24</accept>"):]
open(sys.argv[2], "w").write(s)
PY
"$NETSTITCH" push "$tmp/filtered.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    > "$tmp/filt.out" 2> "$tmp/filt.err"
rc=$?
[ $rc = 1 ] || no "import filter: exit $rc, want 1: $(tail -3 "$tmp/filt.out")"
grep -q "error: health gate: .*accepted 0 prefixes (received 1)" "$tmp/filt.out" \
    || no "import filter: $(cat "$tmp/filt.out")"
snap "$tmp/after-filt"
cmp -s "$tmp/before" "$tmp/after-filt" || no "import filter: a router kept the change"
echo "ok: far-end prefix filtered by import policy held back, all routers restored"

# Gate fails: AWS's real ASN is not the one the service configures (wrong peer AS).
sed 's/^asn = 64512/asn = 64513/' "$tmp/bgp.conf.orig" > "$tmp/bgp.as"
set_bgp "$tmp/bgp.as"
"$NETSTITCH" push "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    > "$tmp/as.out" 2> "$tmp/as.err"
rc=$?
[ $rc = 1 ] || no "wrong peer AS: exit $rc, want 1"
grep -q "error: health gate: .*ccx-to-aws (ccx-transit -> 169.254.100.1): state Active" \
    "$tmp/as.out" || no "wrong peer AS: $(cat "$tmp/as.out")"
snap "$tmp/after-as"
cmp -s "$tmp/before" "$tmp/after-as" || no "wrong peer AS: a router kept the change"
echo "ok: wrong peer AS held back, all routers restored"

# Gate fails: AWS holds another key (wrong key).
printf 'not-the-key' > "$tmp/otherkey"
sed "s|^key-file = .*|key-file = $tmp/otherkey|" "$tmp/bgp.conf.orig" > "$tmp/bgp.key"
set_bgp "$tmp/bgp.key"
"$NETSTITCH" push "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    > "$tmp/key.out" 2> "$tmp/key.err"
rc=$?
[ $rc = 1 ] || no "wrong key: exit $rc, want 1"
grep -q "ccx-to-aws (ccx-transit -> 169.254.100.1): state Active" "$tmp/key.out" \
    || no "wrong key: $(cat "$tmp/key.out")"
snap "$tmp/after-key"
cmp -s "$tmp/before" "$tmp/after-key" || no "wrong key: a router kept the change"
echo "ok: wrong key held back, all routers restored"

# Gate fails: the pushed service gives the two ends of twcc-to-ccx different keys (twcc-edge
# the AWS key); `check` only warns (BGP-KEY-REF-DIFFERS: two secrets it cannot compare), the
# gate catches it: both ends go Active.
set_bgp "$tmp/bgp.conf.orig"
$PY - "$tmp/good.xml" "$tmp/key2.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("<name>twcc-to-ccx</name>")
k = "<auth-key-ref>bgp-twcc-ccx</auth-key-ref>"
j = s.index(k, i)
open(sys.argv[2], "w").write(s[:j] + "<auth-key-ref>bgp-aws-dx</auth-key-ref>" + s[j + len(k):])
PY
"$NETSTITCH" push "$tmp/key2.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    --format json > "$tmp/key2.json" 2> "$tmp/key2.err"
rc=$?
[ $rc = 1 ] || no "wrong key in the service: exit $rc, want 1"
"$NETSTITCH" check "$tmp/key2.xml" > "$tmp/key2.check" 2>&1
grep -q "warning BGP-KEY-REF-DIFFERS: session ccx-to-twcc uses key bgp-twcc-ccx but its far end, session twcc-to-ccx on twcc-edge, uses key bgp-aws-dx" \
    "$tmp/key2.check" || no "check does not warn of the two keys: $(cat "$tmp/key2.check")"
$PY - "$tmp/key2.json" <<'PY' || no "wrong key in the service: report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "aborted" and all(x["state"] == "restored" for x in d["devices"]), d
s = {x["session"]: x for x in d["health"]["check"]["sessions"]}
assert s["twcc-to-ccx"]["state"] == "Active" and s["ccx-to-twcc"]["state"] == "Active", s
assert "twcc-to-ccx (twcc-edge -> 172.30.53.5): state Active" in d["health"]["gate"], d["health"]
PY
snap "$tmp/after-key2"
cmp -s "$tmp/before" "$tmp/after-key2" || no "wrong key in the service: a router kept the change"
echo "ok: different keys at the two ends held back, all routers restored"

# kill -9 during the gate, then recover: all routers back at the old configuration.
set_bgp "$tmp/bgp.conf.orig"
mkdir -p "$tmp/pause"
NETSTITCH_TEST_PAUSE=health NETSTITCH_TEST_PAUSE_DIR=$tmp/pause "$NETSTITCH" push "$tmp/good.xml" \
    --inventory "$INV" --state-dir "$ST" --no-state $GATE > "$tmp/kill.out" 2>&1 &
pid=$!
i=0
while [ ! -e "$tmp/pause/paused" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
[ -e "$tmp/pause/paused" ] || no "the push never reached the gate"
kill -9 $pid
wait $pid 2> /dev/null
"$NETSTITCH" recover --inventory "$INV" --state-dir "$ST" > "$tmp/rec.out" 2>&1
rc=$?
[ $rc = 0 ] || no "recover after a kill in the gate: exit $rc: $(cat "$tmp/rec.out")"
grep -q "undone" "$tmp/rec.out" || no "recover did not undo: $(cat "$tmp/rec.out")"
snap "$tmp/after-kill"
cmp -s "$tmp/before" "$tmp/after-kill" || no "kill -9 in the gate + recover: a router kept the change"
for t in $("$PY" -c 'import sqlite3,sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM txn")))' "$ST/state.db"); do
    "$PY" "$TOP/tests/push/state.py" "$ST" journal "$t"
done > "$tmp/all.journal"
grep -q "txn gate start" "$tmp/all.journal" || no "the journal does not record the gate"
echo "ok: kill -9 during the gate, recover undid all six routers"

# Gate fails closed: the state reply is malformed (ccx-transit answers <get> with garbage),
# or hostile (a reply with a DOCTYPE); a session flaps during the gate.
for mode in garbage raw; do
    if [ $mode = raw ]; then
        printf '<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="$MSGID"><!DOCTYPE x [<!ENTITY a "b">]><data/></rpc-reply>' \
            > "$net/state/ccx-transit/hostile.xml"
        printf 'reply raw get hostile.xml\n' > "$net/state/ccx-transit/faults.new"
    else
        printf 'reply garbage get\n' > "$net/state/ccx-transit/faults.new"
    fi
    mv "$net/state/ccx-transit/faults.new" "$net/state/ccx-transit/faults"
    "$NETSTITCH" push "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --no-state \
        --health-deadline 3 --health-interval 200 > "$tmp/$mode.out" 2> "$tmp/$mode.err"
    rc=$?
    rm -f "$net/state/ccx-transit/faults"
    [ $rc = 1 ] || no "state reply $mode: exit $rc, want 1"
    grep -q "ccx-to-aws (ccx-transit -> 169.254.100.1): no state: ccx-transit: " "$tmp/$mode.out" \
        || no "state reply $mode: the gate does not name the device: $(cat "$tmp/$mode.out")"
    snap "$tmp/after-$mode"
    cmp -s "$tmp/before" "$tmp/after-$mode" || no "state reply $mode: a router kept the change"
done
echo "ok: a malformed and a hostile state reply fail the gate closed, naming the device"
(
    while :; do
        set_bgp "$tmp/bgp.as"
        sleep 0.7
        set_bgp "$tmp/bgp.conf.orig"
        sleep 0.7
    done
) &
flap=$!
"$NETSTITCH" push "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --no-state \
    --health-deadline 6 --health-interval 200 > "$tmp/flap.out" 2> "$tmp/flap.err"
rc=$?
kill $flap
wait $flap 2> /dev/null
set_bgp "$tmp/bgp.conf.orig"
[ $rc = 1 ] || no "flapping session: exit $rc, want 1"
grep -q "ccx-to-aws (ccx-transit -> 169.254.100.1): " "$tmp/flap.out" \
    || no "flapping session: $(cat "$tmp/flap.out")"
snap "$tmp/after-flap"
cmp -s "$tmp/before" "$tmp/after-flap" || no "flapping session: a router kept the change"
echo "ok: a session flapping during the gate holds the push back"

# A session without an accept list imports nothing (every driver renders a deny-all
# import): the gate expects only its state, not the prefixes the far side announces.
# ccx-to-twcc loses its accept list; TWCC's 192.168.0.0/24 then stops at CCX (so CCX no
# longer announces it to AWS, or check refuses the service), while the AWS VPC still
# reaches TWCC. Before the fix the gate waited for 192.168.0.0/24 on ccx-to-twcc and
# rolled everything back.
$PY - "$tmp/good.xml" "$tmp/noaccept.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
def cut(s, session, text):
    j = s.index(text, s.index("<name>%s</name>" % session))
    return s[:j] + s[j + len(text):]
s = cut(s, "ccx-to-twcc", "<accept>192.168.0.0/24</accept>")
s = cut(s, "ccx-to-aws", "<announce>192.168.0.0/24</announce>")
open(sys.argv[2], "w").write(s)
PY
na_fail=$fail
"$NETSTITCH" push "$tmp/noaccept.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    --format json > "$tmp/noaccept.json" 2> "$tmp/noaccept.err"
rc=$?
[ $rc = 0 ] || no "no accept list: exit $rc: $(head -c 800 "$tmp/noaccept.json")"
$PY - "$tmp/noaccept.json" <<'PY' || no "no accept list: report $(head -c 800 "$tmp/noaccept.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "committed" and d["health"]["gate"] == "passed", d
s = {x["session"]: x for x in d["health"]["check"]["sessions"]}
c = s["ccx-to-twcc"]
assert c["state"] == "Established" and c["healthy"], c
assert c["expected"]["min_accepted"] == 0 and "accepts nothing" in c["expected"]["text"], c
assert c["families"]["ipv4"]["accepted"] == 0, c
assert s["twcc-to-ccx"]["families"]["ipv4"]["accepted"] == 1, s
PY
[ "$fail" = "$na_fail" ] && echo "ok: a session without an accept list is gated on its state only"

# Gate passes on the correct service.
t0=$(date +%s.%N)
"$NETSTITCH" push "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --no-state $GATE \
    --format json > "$tmp/good.json" 2> "$tmp/good.err"
rc=$?
t1=$(date +%s.%N)
[ $rc = 0 ] || no "correct service: exit $rc: $(cat "$tmp/good.json" | head -c 600)"
echo "timing: push with the gate (BGP delay 0.5 s, stability 3 s): $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
$PY - "$tmp/good.json" <<'PY' || no "correct service: report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "committed", d
h = d["health"]
assert h["gate"] == "passed" and h["check"]["healthy"], h
s = {x["session"]: x for x in h["check"]["sessions"]}
assert set(s) == {"twcc-to-ccx", "ccx-to-twcc", "ccx-to-aws"}, s
for n, x in s.items():
    assert x["state"] == "Established" and x["healthy"], x
# The AWS VPC arrives at CCX from AWS and at TWCC through CCX.
assert s["ccx-to-aws"]["families"]["ipv4"]["accepted"] == 1
assert s["twcc-to-ccx"]["families"]["ipv4"]["accepted"] == 1
assert "10.22.22.0/24" in s["twcc-to-ccx"]["expected"]["text"]
PY
echo "ok: correct service passes the gate and is confirmed"

# status, every format parsed.
"$NETSTITCH" status "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" > "$tmp/s1.txt"
[ $? = 0 ] || no "status after a good push: $(cat "$tmp/s1.txt")"
$PY - "$tmp/s1.txt" <<'PY' || no "status text"
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0].split()
assert head[:4] == ["SESSION", "DEVICE", "PEER", "STATE"], head
rows = {}
for l in lines[1:-1]:
    f = l.split()
    rows[f[0]] = f
assert set(rows) == {"twcc-to-ccx", "ccx-to-twcc", "ccx-to-aws"}, rows
for r in rows.values():
    # name device addr (peer) state uptime afi received accepted expected health
    assert r[4] == "Established" and r[6] == "ipv4" and r[10] == "ok", r
assert rows["ccx-to-aws"][8] == "1" and rows["ccx-to-aws"][3] == "(aws)", rows["ccx-to-aws"]
assert lines[-1].endswith("healthy") and "NOT" not in lines[-1], lines[-1]
PY
"$NETSTITCH" status "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --format json \
    > "$tmp/s1.json" || no "status --format json exit"
$PY - "$tmp/s1.json" <<'PY' || no "status json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["healthy"] is True and len(d["sessions"]) == 3, d
PY
"$NETSTITCH" status "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --format prometheus \
    --watch 1 --count 2 > "$tmp/s1.om" || no "status --format prometheus --watch exit"
$PY - "$tmp/s1.om" <<'PY' || no "status prometheus"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
# --watch 2 rounds: two complete expositions.
parts = text.split("# EOF\n")
assert len(parts) == 3 and parts[2] == "", len(parts)
fams = {f.name: f for f in text_string_to_metric_families(parts[1] + "# EOF\n")}
est = {s.labels["session"]: s.value for s in fams["netstitch_bgp_session_established"].samples}
assert est == {"twcc-to-ccx": 1, "ccx-to-twcc": 1, "ccx-to-aws": 1}, est
acc = {s.labels["session"]: s.value for s in fams["netstitch_bgp_prefixes_accepted"].samples}
assert acc["ccx-to-aws"] == 1 and acc["twcc-to-ccx"] == 1, acc
assert fams["netstitch_service_healthy"].samples[0].value == 1
assert fams["netstitch_bgp_session_established"].type == "gauge"
PY
# A session torn down afterwards: status exits 1 and names it.
set_bgp "$tmp/bgp.as"
"$NETSTITCH" status "$tmp/good.xml" --inventory "$INV" --state-dir "$ST" --format json \
    > "$tmp/s2.json"
[ $? = 1 ] || no "status with AWS down should exit 1"
$PY - "$tmp/s2.json" <<'PY' || no "status json with AWS down"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert d["healthy"] is False and s["ccx-to-aws"]["state"] == "Active", s["ccx-to-aws"]
# The AWS route no longer reaches TWCC either; the CCX-TWCC session itself stays up.
assert s["ccx-to-twcc"]["healthy"] and not s["twcc-to-ccx"]["healthy"], s
assert s["twcc-to-ccx"]["families"]["ipv4"]["accepted"] == 0, s
PY
echo "ok: status text, JSON and OpenMetrics parsed; exit 0 healthy, 1 not"

# Junos: the state comes by the get-bgp-neighbor-information RPC (a second lab).
sh examples/simnet.sh stop "$net"
NETSIM_BGP_DELAY_MS=300 NETSIM=$NETSIM sh examples/simnet.sh start "$tmp/jnet" \
    tests/compile/junos/junos-features.xml > "$tmp/jsimnet.out" 2>&1 \
    || { cat "$tmp/jsimnet.out"; no "the Junos lab did not start"; }
net=$tmp/jnet
"$NETSTITCH" push tests/compile/junos/junos-features.xml --inventory "$net/inventory.xml" \
    --state-dir "$ST" --no-state $GATE > "$tmp/junos.out" 2>&1
rc=$?
[ $rc = 0 ] || no "Junos push with the gate: exit $rc: $(cat "$tmp/junos.out")"
grep -q "pe1-to-aws pe1 -> 169.254.40.1 (aws): Established, received 1, accepted 1" \
    "$tmp/junos.out" || no "Junos session: $(cat "$tmp/junos.out")"
echo "ok: a Junos session read by RPC passes the gate"

echo "timing: t_health $(($(date +%s) - start)) s"
exit $fail
