#!/bin/sh
# t_l3vpn.sh: the five-site enterprise WAN as a routed VPN (issue 14, multipoint kind l3vpn,
# examples/enterprise-wan/service-l3vpn.xml) pushed THROUGH the health gate to simulated
# routers of its five vendors (Junos, IOS-XR, SR OS, VRP, OpenConfig). netsim computes the
# VPN from the routers' configurations (netsim/bgp.c): each PE's VRF, its eBGP session to
# the office's router (the CE, an external peer of netsim's bgp.conf written by simnet.sh
# from the circuit's routing container), and between the PEs the backbone's VPN-IPv4 iBGP
# by route target. The gate waits for every PE-CE session: Established, the office's
# prefix accepted, the four other offices' prefixes advertised to the CE. Cases:
#   - a CE configured with another ASN than the service says (the simulated CE): the
#     session never comes up, the gate fails, every router is back without the VPN;
#   - the push: the gate passes, each CE receives exactly the four other offices'
#     prefixes (netsim's STATEDIR/bgp-external/NAME, the CE's view), a second diff finds
#     nothing to do, `status` gives each session its VRF and counts (JSON, OpenMetrics);
#   - a CE withdraws its office's prefix: its session's accepted count drops to 0, every
#     other PE advertises 3 to its CE and no CE receives the prefix; announced again, all
#     is healthy;
#   - a CE announcing more than its circuit's max-prefix (101 of 100) has its session torn
#     down (Junos prefix-limit teardown counts what is received) and its office's prefix
#     disappears at the other offices; back under the limit, all is healthy;
#   - one PE's compiled payload edited by hand to another route target (the checker sees
#     the service, not the payload: `push SERVICE --payloads DIR`): the gate fails (that PE
#     advertises nothing to its CE, the others 3) and every router is rolled back;
#   - a VPN name longer than IOS-XR's and VRP's VRF names: the gate finds the sessions in
#     the VRFs the drivers named (fitted to the vendor's limit).
. "$TOP/tests/push/l3vpn_lab.sh"
status() {
    "$NETSTITCH" status "$svc" --inventory "$net/inventory.xml" --format json > "$1" 2>&1
}
# wait_for WHAT PYTHON: poll status (10 s at most) until the assertion holds on its JSON.
wait_for() {
    i=0
    while [ $i -lt 50 ]; do
        status "$tmp/w.json"
        $PY -c "import json,sys; d=json.load(open(sys.argv[1])); s={x['session']: x for x in d['sessions']}; sys.exit(0 if ($2) else 1)" \
            "$tmp/w.json" 2> /dev/null && return 0
        sleep 0.2
        i=$((i + 1))
    done
    no "$1: $(cat "$tmp/w.json")"
    return 1
}
snap "$tmp/empty"

# 1. The CE of hsinchu runs AS 65199 though the service says 65102: its PE's session stays
# Active, the gate fails and every router is back where it was.
sed '/^\[external corp-l3-rnd\]/,/^$/s/^asn = 65102$/asn = 65199/' "$tmp/bgp.conf.orig" > "$tmp/bgp.wrongasn"
grep -q '^asn = 65199' "$tmp/bgp.wrongasn" || no "could not write the wrong CE ASN"
set_bgp "$tmp/bgp.wrongasn"
"$NETSTITCH" push "$svc" $I $GATE > "$tmp/wrongasn.out" 2>&1
rc=$?
[ $rc = 1 ] || no "wrong CE ASN: exit $rc, want 1: $(tail -5 "$tmp/wrongasn.out")"
grep -q 'corp-l3-rnd pe-hsinchu -> 10.255.10.6 (hsinchu, VRF corp-l3): Active.*FAIL' "$tmp/wrongasn.out" \
    || no "wrong CE ASN: the report does not name the session: $(grep -i 'health\|corp-l3' "$tmp/wrongasn.out" | head)"
snap "$tmp/after-wrongasn"
cmp -s "$tmp/empty" "$tmp/after-wrongasn" || no "wrong CE ASN: the routers were not rolled back"
for d in $PES; do
    run "$d" | grep -q 'corp-l3' && no "$d keeps corp-l3 after the failed gate"
done
set_bgp "$tmp/bgp.conf.orig"

# 2. The push: the gate passes with every PE-CE session Established, the office's prefix
# accepted and the four others advertised; each CE receives the four other offices.
"$NETSTITCH" push "$svc" $I $GATE > "$tmp/push.out" 2>&1 || { no "push failed"; tail -12 "$tmp/push.out"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || no "not idempotent (diff exit $?)"
ce_gets corp-l3-hq 10.20.0.0/16 10.30.0.0/16 10.40.0.0/16 10.50.0.0/16
ce_gets corp-l3-rnd 10.10.0.0/16 10.30.0.0/16 10.40.0.0/16 10.50.0.0/16
ce_gets corp-l3-factory 10.10.0.0/16 10.20.0.0/16 10.40.0.0/16 10.50.0.0/16
ce_gets corp-l3-port-office 10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 10.50.0.0/16
ce_gets corp-l3-branch 10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 10.40.0.0/16
# The gate counted its 3 s of stability by its own polls; status judges by the uptime the
# router reports (whole seconds, refreshed once a second), which right after a fast push
# can still read a second or two less: wait for it, then check everything.
wait_for "every session healthy after the push" 'd["healthy"]'
status "$tmp/status.json"
$PY - "$tmp/status.json" <<'PY' || no "status after the push"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert d["healthy"], d
want = {"corp-l3-hq": "pe-taipei", "corp-l3-rnd": "pe-hsinchu", "corp-l3-factory": "pe-taichung",
        "corp-l3-port-office": "pe-kaohsiung", "corp-l3-branch": "pe-tainan"}
# taipei and hsinchu are dual stack: their IPv6 sessions too (t_l3vpn_v6.sh tests them).
want6 = {"corp-l3-hq-6": "pe-taipei", "corp-l3-rnd-6": "pe-hsinchu"}
assert set(s) == set(want) | set(want6), sorted(s)
for n, dev in want.items():
    x = s[n]
    assert x["device"] == dev and x["vrf"] == "corp-l3", x
    assert x["state"] == "Established", x
    assert (x["received"], x["accepted"], x["advertised"]) == (1, 1, 4), x
    assert x["expected"]["min_accepted"] == 1 and x["expected"]["min_advertised"] == 4, x
for n, dev in want6.items():
    x = s[n]
    assert x["device"] == dev and x["vrf"] == "corp-l3" and x["state"] == "Established", x
    assert (x["received"], x["accepted"], x["advertised"]) == (1, 1, 1), x
PY
# The same in OpenMetrics (prometheus_client's strict parser, where installed): each
# session's advertised count next to the service's expectation.
if $PY -c "import prometheus_client" 2> /dev/null; then
    "$NETSTITCH" status "$svc" --inventory "$net/inventory.xml" --format prometheus > "$tmp/s.om"
    $PY - "$tmp/s.om" <<'PY' || no "status prometheus after the push"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
adv = {s.labels["session"]: s.value for s in fams["netstitch_bgp_prefixes_advertised"].samples}
exp = {s.labels["session"]: s.value
       for s in fams["netstitch_bgp_prefixes_advertised_expected_min"].samples}
names = {"corp-l3-hq", "corp-l3-rnd", "corp-l3-factory", "corp-l3-port-office", "corp-l3-branch"}
want = dict({n: 4 for n in names}, **{"corp-l3-hq-6": 1, "corp-l3-rnd-6": 1})
assert adv == want, adv
assert exp == want, exp
assert fams["netstitch_service_healthy"].samples[0].value == 1
PY
fi

# 3. The taichung factory's router withdraws 10.30.0.0/16: its session accepts nothing,
# the other PEs advertise 3, no CE receives it; the service is not healthy until it is
# announced again.
grep -v '^announce = 10.30.0.0/16$' "$tmp/bgp.conf.orig" > "$tmp/bgp.withdrawn"
set_bgp "$tmp/bgp.withdrawn"
wait_for "the withdrawn prefix" "s['corp-l3-factory']['accepted'] == 0 and s['corp-l3-hq']['advertised'] == 3"
$PY - "$tmp/w.json" <<'PY' || no "status after the withdrawal"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert not d["healthy"], d
f = s["corp-l3-factory"]
assert f["state"] == "Established" and f["accepted"] == 0 and f["advertised"] == 4, f
assert "accepted 0" in f["reason"], f
for n in ("corp-l3-hq", "corp-l3-rnd", "corp-l3-port-office", "corp-l3-branch"):
    assert s[n]["advertised"] == 3 and s[n]["accepted"] == 1 and not s[n]["healthy"], s[n]
    assert "advertised 3" in s[n]["reason"], s[n]
PY
ce_gets corp-l3-hq 10.20.0.0/16 10.40.0.0/16 10.50.0.0/16
ce_gets corp-l3-branch 10.10.0.0/16 10.20.0.0/16 10.40.0.0/16
set_bgp "$tmp/bgp.conf.orig"
wait_for "announced again" "d['healthy']"

# 3b. The taipei HQ's router announces 101 prefixes, over the circuit's max-prefix of 100:
# Junos's prefix-limit counts the routes received (not only those its import policy
# accepts) and tears the session down (teardown), so the other offices lose taipei's
# prefix; with 100 announced again it comes back.
$PY - "$tmp/bgp.conf.orig" "$tmp/bgp.many" <<'PY'
import sys
out, sec = [], None
for line in open(sys.argv[1]):
    out.append(line)
    if line.startswith("[external"):
        sec = line.strip()
    if sec == "[external corp-l3-hq]" and line.startswith("announce = 10.10.0.0/16"):
        out += ["announce = 10.11.%d.0/24\n" % i for i in range(100)]
open(sys.argv[2], "w").write("".join(out))
PY
set_bgp "$tmp/bgp.many"
wait_for "over the prefix limit" "s['corp-l3-hq']['state'] != 'Established' and s['corp-l3-rnd']['advertised'] == 3"
grep -q '^session pe-taipei corp-l3 10.255.10.2 Established$' "$net/state/bgp-external/corp-l3-hq" \
    && no "the taipei CE's session stayed up over the prefix limit"
set_bgp "$tmp/bgp.conf.orig"
wait_for "under the prefix limit again" "d['healthy']"

# 4. pe-taipei's payload edited by hand to route target 64600:4299: every session is
# Established, but pe-taipei's VRF and the others' do not import each other's routes.
"$NETSTITCH" compile "$svc" -o "$tmp/out" > "$tmp/compile.out" 2>&1 || { no "compile failed"; tail -3 "$tmp/compile.out"; }
grep -q 'target:64600:4200' "$tmp/out/pe-taipei.xml" || no "pe-taipei's payload has no target:64600:4200"
sed -i 's/target:64600:4200/target:64600:4299/' "$tmp/out/pe-taipei.xml"
snap "$tmp/good"
"$NETSTITCH" push "$svc" --payloads "$tmp/out" $I $GATE > "$tmp/rt.out" 2>&1
rc=$?
[ $rc = 1 ] || no "mismatched route target: exit $rc, want 1: $(tail -5 "$tmp/rt.out")"
grep -q 'corp-l3-hq pe-taipei .*advertised 0, .*FAIL' "$tmp/rt.out" \
    || no "mismatched route target: corp-l3-hq not reported with nothing advertised: $(grep corp-l3 "$tmp/rt.out")"
grep -q 'corp-l3-branch pe-tainan .*advertised 3, .*FAIL' "$tmp/rt.out" \
    || no "mismatched route target: corp-l3-branch not reported with 3 advertised"
snap "$tmp/after-rt"
cmp -s "$tmp/good" "$tmp/after-rt" || no "mismatched route target: the routers were not rolled back"
run pe-taipei | grep -q 'target:64600:4299' && no "pe-taipei keeps the hand-edited route target"
wait_for "after the rollback" "d['healthy']"
ce_gets corp-l3-hq 10.20.0.0/16 10.30.0.0/16 10.40.0.0/16 10.50.0.0/16

# 5. A VPN name longer than IOS-XR's (32) and VRP's (31) VRF names: the drivers fit it
# (a prefix and a hash), and the gate still finds the sessions in the fitted VRFs (the
# taichung circuit is left out: the SR OS interface name derived from it exceeds SR OS's).
"$NETSTITCH" delete "$svc" $I > "$tmp/del.out" 2>&1 || { no "delete failed"; tail -3 "$tmp/del.out"; }
$PY - "$svc" "$tmp/long.xml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
s = re.sub(r'    <attachment-circuit><name>factory</name>.*?</attachment-circuit>\n', '', s, flags=re.S)
s = s.replace('<name>corp-l3</name>', '<name>corp-l3-a-very-long-vpn-name-beyond-limits</name>')
open(sys.argv[2], 'w').write(s)
PY
# The CEs are the same routers, now peering with the long-named VRFs.
sed 's/^\[external corp-l3-/[external corp-l3-a-very-long-vpn-name-beyond-limits-/; s/^vrf = corp-l3$/vrf = corp-l3-a-very-long-vpn-name-beyond-limits/' \
    "$tmp/bgp.conf.orig" > "$tmp/bgp.long"
set_bgp "$tmp/bgp.long"
"$NETSTITCH" push "$tmp/long.xml" $I $GATE > "$tmp/long.out" 2>&1 || { no "long VPN name: push failed"; grep -v note "$tmp/long.out" | tail -6; }
run pe-hsinchu | grep -q '<vrf-name>corp-l3-a-very-long-vpn-n-[0-9a-f]\{6\}</vrf-name>' \
    || no "pe-hsinchu's VRF name is not the fitted one"
grep -q '^session pe-kaohsiung corp-l3-a-very-long-vpn--[0-9a-f]\{6\} .* Established$' \
    "$net/state/bgp-external/corp-l3-a-very-long-vpn-name-beyond-limits-port-office" \
    || no "the kaohsiung CE is not in pe-kaohsiung's fitted VRF"

[ $fail = 0 ] && echo "t_l3vpn: ok"
exit $fail
