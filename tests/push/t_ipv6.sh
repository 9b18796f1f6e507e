#!/bin/sh
# t_ipv6.sh: the dual-stack example (issue 13) through push, diff and rollback on simulated
# routers of all six vendors: one transaction applies the IPv6 addresses, neighbours,
# prefix filters, origination and knobs and passes the health gate with the IPv6 sessions
# Established (netsim computes BGP in both families); the routers report per-family
# prefix counts (the AWS IPv6 VPC prefix arrives at the TWCC side; withdrawn at AWS, it
# does not); a second diff finds nothing to do; the IPv6
# configuration is really on the routers (twcc-edge's and ccx-transit's running
# configurations hold the IPv6 neighbours); rolling the transaction back leaves no IPv6
# configuration anywhere. Then every vendor's dual-stack golden service is pushed to its
# simulated router and found in sync.
set -u
cd "$TOP"
PY=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
net=$tmp/net
trap 'sh examples/simnet.sh stop "$net" > /dev/null 2>&1; rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
svc=examples/twcc-ccx-aws/dual-stack/service.xml
if ! NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$svc" > "$tmp/simnet" 2>&1; then
    echo "simnet did not start:"; cat "$tmp/simnet"; exit 1
fi
# With the health gate: netsim computes BGP in both families (netsim/bgp.c), so the gate
# waits for the IPv6 sessions too and counts their IPv6 prefixes.
I="--inventory $net/inventory.xml --state-dir $tmp/state -q"
"$NETSTITCH" push "$svc" $I > "$tmp/push" 2>&1 || { no "push (with the health gate) failed"; tail "$tmp/push"; }
"$NETSTITCH" diff "$svc" $I > "$tmp/diff" 2>&1 || { no "not idempotent (diff exit $?)"; tail "$tmp/diff"; }
grep -q '2001:db8:3053::' "$net/state/twcc-edge/running.xml" || no "twcc-edge has no IPv6 peer"
grep -q '2001:db8:c0::' "$net/state/twcc-edge/running.xml" || no "twcc-edge does not originate the IPv6 /48"
grep -q '2001:db8:ffff:100::1' "$net/state/ccx-transit/running.xml" || no "ccx-transit has no IPv6 peer to AWS"
# Per-family counts as each router reports them (VRP ipv4uni/ipv6uni afs, EOS afi-safis):
# the AWS IPv6 VPC prefix arrives at the TWCC side over the IPv6 session only, TWCC's /48
# reaches AWS, and no IPv4 session carries an IPv6 prefix.
status() {
    "$NETSTITCH" status "$svc" --inventory "$net/inventory.xml" --format json > "$1" 2>&1
}
status "$tmp/status.json"
$PY - "$tmp/status.json" <<'PY' || no "per-family counts after the push"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
f = lambda n, fam: (s[n]["families"][fam]["received"], s[n]["families"][fam]["accepted"])
assert d["healthy"], d
assert f("twcc-to-ccx6", "ipv6") == (1, 1), s["twcc-to-ccx6"]    # 2001:db8:2222::/56 from AWS
assert f("ccx-to-aws6", "ipv6") == (1, 1), s["ccx-to-aws6"]      # AWS's /56, its 10.22.22.0/24 not
assert f("ccx-to-twcc6", "ipv6") == (1, 1), s["ccx-to-twcc6"]    # TWCC's 2001:db8:c0::/48
assert f("twcc-to-ccx", "ipv4") == (1, 1), s["twcc-to-ccx"]      # 10.22.22.0/24
for n in ("twcc-to-ccx", "ccx-to-twcc", "ccx-to-aws"):
    assert s[n]["families"]["ipv6"]["received"] in (None, 0), s[n]
for n in ("twcc-to-ccx6", "ccx-to-twcc6", "ccx-to-aws6"):
    assert s[n]["families"]["ipv4"]["received"] in (None, 0), s[n]
PY
# AWS withdraws its IPv6 block (the external peer reconfigured): the IPv6 sessions stay
# Established but the TWCC side receives nothing; the IPv4 prefix still arrives.
sed -i '/^announce = 2001:db8:2222::\/56$/d' "$net/bgp.conf"
sleep 2
status "$tmp/withdrawn.json"
$PY - "$tmp/withdrawn.json" <<'PY' || no "per-family counts after AWS withdrew its IPv6 prefix"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert not d["healthy"], d
assert s["twcc-to-ccx6"]["state"] == "Established", s["twcc-to-ccx6"]
assert s["twcc-to-ccx6"]["families"]["ipv6"]["accepted"] == 0, s["twcc-to-ccx6"]
assert s["ccx-to-aws6"]["families"]["ipv6"]["received"] == 0, s["ccx-to-aws6"]
assert s["twcc-to-ccx"]["families"]["ipv4"]["accepted"] == 1, s["twcc-to-ccx"]
PY
tx=$("$NETSTITCH" rollback --list --state-dir "$tmp/state" 2>/dev/null | awk '$2 == "push" {print $1; exit}')
[ -n "$tx" ] || no "no push transaction recorded"
"$NETSTITCH" rollback "$tx" $I > "$tmp/rb" 2>&1 || { no "rollback failed"; tail "$tmp/rb"; }
for d in twcc-edge twaren-border twaren-taichung partner-ccx ccx-pe ccx-transit; do
    grep -q '2001:db8' "$net/state/$d/running.xml" 2> /dev/null && no "$d keeps IPv6 after rollback"
done
sh examples/simnet.sh stop "$net" > /dev/null 2>&1
# Every vendor's dual-stack and BGP-knob golden service (tests/compile/*/*-dual-stack.xml):
# pushed to its simulated router through the health gate and in sync on a second diff, so
# each knob's payload is accepted by the device model and reads back the same, and the
# router's BGP comes up in both families: the AWS IPv6 session accepts the VPC's IPv6
# prefix, and where the partner session carries both families over its IPv4 transport
# (next hop from the session's ipv6 addresses) it accepts the partner's IPv6 prefix too.
for ds in tests/compile/*/*-dual-stack.xml; do
    d=$tmp/$(basename "$ds" .xml)
    if ! NETSIM=$NETSIM sh examples/simnet.sh start "$d" "$ds" > "$d.log" 2>&1; then
        no "simnet did not start for $ds"; continue
    fi
    J="--inventory $d/inventory.xml --state-dir $d/state -q"
    "$NETSTITCH" push "$ds" $J > "$d.push" 2>&1 || { no "push of $ds failed"; tail -8 "$d.push"; }
    "$NETSTITCH" diff "$ds" $J > "$d.diff" 2>&1 || no "$ds not in sync after push"
    "$NETSTITCH" status "$ds" --inventory "$d/inventory.xml" --format json > "$d.status" 2>&1
    $PY - "$d.status" "$ds" <<'PY' || no "$ds: per-family counts"
import json, sys, xml.etree.ElementTree as ET
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert s["aws-v6"]["families"]["ipv6"]["accepted"] == 1, s["aws-v6"]
assert s["aws-v4"]["families"]["ipv4"]["accepted"] == 1, s["aws-v4"]
ns = {"n": "urn:netstitch:yang:intercloud"}
p = [b for b in ET.parse(sys.argv[2]).getroot().iter("{urn:netstitch:yang:intercloud}bgp-session")
     if b.find("n:name", ns).text == "partner"][0]
afs = [a.text for a in p.findall("n:address-family", ns)]
want6 = 1 if "ipv6-unicast" in afs else None
got6 = s["partner"]["families"]["ipv6"]["accepted"]
assert got6 == want6 or (want6 is None and got6 == 0), (afs, s["partner"])
assert s["partner"]["families"]["ipv4"]["accepted"] == 1, s["partner"]
PY
    # A v6 route over a v4 session needs a v6 next hop: without the partner's IPv6 address
    # on the link (its `next-hop` in bgp.conf) the Junos router receives the partner's IPv6
    # prefix but cannot accept it.
    if [ "$(basename "$ds")" = junos-dual-stack.xml ]; then
        sed -i '/^next-hop = /d' "$d/bgp.conf"
        sleep 2
        "$NETSTITCH" status "$ds" --inventory "$d/inventory.xml" --format json > "$d.nonh" 2>&1
        $PY - "$d.nonh" <<'PY' || no "junos: an IPv6 route without an IPv6 next hop was accepted"
import json, sys
s = {x["session"]: x for x in json.load(open(sys.argv[1]))["sessions"]}
f = s["partner"]["families"]
assert f["ipv6"]["received"] == 1 and f["ipv6"]["accepted"] == 0, f
assert f["ipv4"]["accepted"] == 1, f
PY
    fi
    sh examples/simnet.sh stop "$d" > /dev/null 2>&1
done
[ $fail = 0 ] && echo "t_ipv6: ok"
exit $fail
