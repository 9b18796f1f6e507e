#!/bin/sh
# t_l3vpn_v6.sh: the dual-stack sites of the enterprise WAN's routed VPN (6VPE: a circuit's
# pe-ipv6-address/ce-ipv6-address, examples/enterprise-wan/service-l3vpn.xml: taipei on
# Junos, hsinchu on IOS-XR) gated on their IPv6 PE-CE sessions as on their IPv4 ones.
# simnet.sh declares each dual-stack circuit's CE twice (VPN-CIRCUIT over IPv4 announcing
# the site's IPv4 prefixes, VPN-CIRCUIT-6 over IPv6 announcing its IPv6 prefixes, in the
# same PE and VRF); netsim carries the IPv6 routes between the PEs' VRFs by route target;
# the gate expects every VRF neighbour of the IR. Cases:
#   - hsinchu's IPv6 CE announces nothing (its IPv4 side is untouched): the gate fails on
#     corp-l3-rnd-6 (accepted 0) and corp-l3-hq-6 (advertised 0) though all five IPv4
#     sessions are healthy, and every router is back without the VPN;
#   - the push: the gate passes; each IPv6 session Established, 1 accepted, 1 advertised
#     (the other dual-stack site's /48), in `status` (JSON) and at the CEs (netsim's
#     bgp-external view); no IPv4 CE receives an IPv6 prefix;
#   - pe-taipei's payload edited by hand so that its IPv6 neighbour exports through its
#     import policy (only taipei's own /48: nothing to send back to taipei): the gate fails
#     on corp-l3-hq-6 alone (advertised 0) and every router is rolled back;
#   - pe-hsinchu's payload edited by hand without its IPv6 neighbour: the JSON report names
#     corp-l3-rnd-6 as not reported by pe-hsinchu in VRF corp-l3 (with corp-l3-hq-6, which
#     then gets nothing, the only unhealthy sessions) and every router is rolled back;
#   - the same WAN with taichung (SR OS) and tainan (OpenConfig) dual stack as well: every
#     IPv6 session of the four vendors gated healthy with the three other IPv6 sites
#     advertised.
# On a gate that checks only the IPv4 sessions the first and third cases pass the gate
# (exit 0), which is the gap this test closes.
. "$TOP/tests/push/l3vpn_lab.sh"
# The IPv6 CEs are declared, in their PE's VRF, with their own family's prefixes only.
$PY - "$tmp/bgp.conf.orig" <<'PY' || no "simnet.sh's IPv6 CEs: $(cat "$tmp/bgp.conf.orig")"
import sys
secs, cur = {}, None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("[external "):
        cur = secs.setdefault(line[10:-1], [])
    elif cur is not None and line:
        cur.append(line)
hq6, rnd6 = secs["corp-l3-hq-6"], secs["corp-l3-rnd-6"]
assert "address = 2001:db8:ff:10::1" in hq6 and "peer-address = 2001:db8:ff:10::" in hq6, hq6
assert "device = pe-taipei" in hq6 and "vrf = corp-l3" in hq6, hq6
assert [l for l in hq6 if l.startswith("announce")] == ["announce = 2001:db8:10::/48"], hq6
assert "device = pe-hsinchu" in rnd6 and "address = 2001:db8:ff:10::3" in rnd6, rnd6
assert [l for l in secs["corp-l3-hq"] if l.startswith("announce")] == ["announce = 10.10.0.0/16"]
assert "corp-l3-factory-6" not in secs, sorted(secs)
PY
snap "$tmp/empty"

# 1. hsinchu's IPv6 CE announces nothing: only the IPv6 side shows it.
$PY - "$tmp/bgp.conf.orig" "$tmp/bgp.v6none" <<'PY'
import sys
out, sec = [], None
for line in open(sys.argv[1]):
    if line.startswith("[external"):
        sec = line.strip()
    if sec == "[external corp-l3-rnd-6]" and line.startswith("announce"):
        continue
    out.append(line)
open(sys.argv[2], "w").write("".join(out))
PY
set_bgp "$tmp/bgp.v6none"
"$NETSTITCH" push "$svc" $I $GATE > "$tmp/v6none.out" 2>&1
rc=$?
[ $rc = 1 ] || no "IPv6 CE announcing nothing: exit $rc, want 1: $(grep corp-l3 "$tmp/v6none.out")"
grep -q 'corp-l3-rnd-6 pe-hsinchu -> 2001:db8:ff:10::3 (hsinchu, VRF corp-l3): Established, received 0, accepted 0, .*FAIL' "$tmp/v6none.out" \
    || no "IPv6 CE announcing nothing: corp-l3-rnd-6 not failed on accepted 0: $(grep corp-l3 "$tmp/v6none.out")"
grep -q 'corp-l3-hq-6 pe-taipei -> 2001:db8:ff:10::1 .*advertised 0, .*FAIL' "$tmp/v6none.out" \
    || no "IPv6 CE announcing nothing: corp-l3-hq-6 not failed on advertised 0"
for c in hq rnd factory port-office branch; do
    grep -q "^ *corp-l3-$c pe-.*: Established, received 1, accepted 1, advertised 4, .*: ok$" "$tmp/v6none.out" \
        || no "IPv6 CE announcing nothing: the IPv4 session corp-l3-$c is not healthy in the report"
done
snap "$tmp/after-v6none"
cmp -s "$tmp/empty" "$tmp/after-v6none" || no "IPv6 CE announcing nothing: the routers were not rolled back"
for d in $PES; do
    run "$d" | grep -q 'corp-l3' && no "$d keeps corp-l3 after the failed gate"
done
set_bgp "$tmp/bgp.conf.orig"

# 2. The push: every session healthy, the IPv6 ones with the other dual-stack site's /48.
"$NETSTITCH" push "$svc" $I $GATE > "$tmp/push.out" 2>&1 || { no "push failed"; grep 'corp-l3\|error' "$tmp/push.out"; }
ce_gets corp-l3-hq-6 2001:db8:20::/48
ce_gets corp-l3-rnd-6 2001:db8:10::/48
ce_gets corp-l3-hq 10.20.0.0/16 10.30.0.0/16 10.40.0.0/16 10.50.0.0/16
ce_gets corp-l3-rnd 10.10.0.0/16 10.30.0.0/16 10.40.0.0/16 10.50.0.0/16
"$NETSTITCH" status "$svc" --inventory "$net/inventory.xml" --format json > "$tmp/status.json" 2>&1
$PY - "$tmp/status.json" <<'PY' || no "status after the push: $(cat "$tmp/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["sessions"]}
assert d["healthy"], d
assert len(s) == 7, sorted(s)
for n, dev, peer in (("corp-l3-hq-6", "pe-taipei", "2001:db8:ff:10::1"),
                     ("corp-l3-rnd-6", "pe-hsinchu", "2001:db8:ff:10::3")):
    x = s[n]
    assert x["device"] == dev and x["vrf"] == "corp-l3" and x["state"] == "Established", x
    assert (x["received"], x["accepted"], x["advertised"]) == (1, 1, 1), x
    assert x["expected"]["min_accepted"] == 1 and x["expected"]["min_advertised"] == 1, x
    assert x["healthy"], x
for n in ("corp-l3-hq", "corp-l3-rnd"):
    assert (s[n]["accepted"], s[n]["advertised"]) == (1, 4), s[n]
PY

# 3. pe-taipei's IPv6 neighbour exports through its import policy (hand-edited payload):
# it advertises nothing to taipei's CE over IPv6; every IPv4 session stays healthy.
"$NETSTITCH" compile "$svc" -o "$tmp/out" > "$tmp/compile.out" 2>&1 || { no "compile failed"; tail -3 "$tmp/compile.out"; }
grep -q '<export>NS-corp-l3-hq-OUT6</export>' "$tmp/out/pe-taipei.xml" \
    || no "pe-taipei's payload has no IPv6 export NS-corp-l3-hq-OUT6"
sed -i 's|<export>NS-corp-l3-hq-OUT6</export>|<export>NS-corp-l3-hq-IN6</export>|' "$tmp/out/pe-taipei.xml"
snap "$tmp/good"
"$NETSTITCH" push "$svc" --payloads "$tmp/out" $I $GATE > "$tmp/exp.out" 2>&1
rc=$?
[ $rc = 1 ] || no "IPv6 export edited: exit $rc, want 1: $(grep corp-l3 "$tmp/exp.out")"
grep -q 'corp-l3-hq-6 pe-taipei .*advertised 0, .*FAIL' "$tmp/exp.out" \
    || no "IPv6 export edited: corp-l3-hq-6 not reported with nothing advertised: $(grep corp-l3 "$tmp/exp.out")"
[ "$(grep -c 'corp-l3.*: FAIL' "$tmp/exp.out")" = 1 ] \
    || no "IPv6 export edited: not only corp-l3-hq-6 failed: $(grep 'corp-l3.*FAIL' "$tmp/exp.out")"
snap "$tmp/after-exp"
cmp -s "$tmp/good" "$tmp/after-exp" || no "IPv6 export edited: the routers were not rolled back"
run pe-taipei | grep -q '<export>NS-corp-l3-hq-IN6</export>' && no "pe-taipei keeps the hand-edited export"

# 3b. pe-hsinchu's payload edited by hand without its IPv6 neighbour: the PE reports no
# such session, and the gate names it (never skips a VRF neighbour it cannot read).
"$NETSTITCH" compile "$svc" -o "$tmp/out2" > "$tmp/compile2.out" 2>&1 || no "compile failed"
$PY - "$tmp/out2/pe-hsinchu.xml" <<'PY' || no "could not drop pe-hsinchu's IPv6 neighbour"
import re, sys
s = open(sys.argv[1]).read()
t, n = re.subn(r'\s*<neighbor>\s*<neighbor-address>2001:db8:ff:10::3</neighbor-address>.*?</neighbor>',
               '', s, count=1, flags=re.S)
assert n == 1 and '2001:db8:ff:10::3<' not in t.replace('<neighbor-address>', ''), n
open(sys.argv[1], 'w').write(t)
PY
"$NETSTITCH" push "$svc" --payloads "$tmp/out2" $I $GATE --format json > "$tmp/drop.json" 2> "$tmp/drop.err"
rc=$?
[ $rc = 1 ] || no "IPv6 neighbour dropped: exit $rc, want 1"
$PY - "$tmp/drop.json" <<'PY' || no "IPv6 neighbour dropped: the JSON report: $(head -c 3000 "$tmp/drop.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["session"]: x for x in d["health"]["check"]["sessions"]}
x = s["corp-l3-rnd-6"]
assert not x["reported"] and not x["healthy"], x
assert "pe-hsinchu reports no BGP session to 2001:db8:ff:10::3 in VRF corp-l3" in x["reason"], x
assert "corp-l3-rnd-6" in d["health"]["gate"], d["health"]["gate"]
# taipei's IPv6 CE then gets nothing either (hsinchu's /48 never enters the VPN); every
# IPv4 session is healthy.
assert s["corp-l3-hq-6"]["advertised"] == 0, s["corp-l3-hq-6"]
assert sorted(n for n, y in s.items() if not y["healthy"]) == ["corp-l3-hq-6", "corp-l3-rnd-6"], s
PY
snap "$tmp/after-drop"
cmp -s "$tmp/good" "$tmp/after-drop" || no "IPv6 neighbour dropped: the routers were not rolled back"

# 4. taichung (SR OS VPRN) and tainan (OpenConfig L3VRF) dual stack too: the IPv6 sessions
# of all four vendors gated, each advertising the three other IPv6 sites.
"$NETSTITCH" delete "$svc" $I > "$tmp/del.out" 2>&1 || { no "delete failed"; tail -3 "$tmp/del.out"; }
$PY - "$svc" "$tmp/ds.xml" <<'PY'
import sys
s = open(sys.argv[1]).read()
for site, p6 in (("taichung", "2001:db8:30::/48"), ("tainan", "2001:db8:50::/48")):
    i = s.index("<site><name>%s</name>" % site)
    j = s.index("</prefix>", i) + len("</prefix>")
    s = s[:j] + "<prefix>%s</prefix>" % p6 + s[j:]
for ce4, pe6, ce6 in (("10.255.10.10", "2001:db8:ff:10::4/127", "2001:db8:ff:10::5"),
                      ("10.255.10.18", "2001:db8:ff:10::8/127", "2001:db8:ff:10::9")):
    old = "<ce-address>%s</ce-address>" % ce4
    assert old in s
    s = s.replace(old, old + "<pe-ipv6-address>%s</pe-ipv6-address>"
                  "<ce-ipv6-address>%s</ce-ipv6-address>" % (pe6, ce6))
open(sys.argv[2], "w").write(s)
PY
sh examples/simnet.sh stop "$net" > /dev/null 2>&1
rm -rf "$net"
if ! NETSIM_BGP_DELAY_MS=500 NETSIM=$NETSIM sh examples/simnet.sh start "$net" "$tmp/ds.xml" \
    > "$tmp/simnet2" 2>&1; then
    no "simnet did not start for the four-vendor dual stack: $(cat "$tmp/simnet2")"
else
    "$NETSTITCH" push "$tmp/ds.xml" $I $GATE > "$tmp/ds.out" 2>&1 \
        || { no "four-vendor dual stack: push failed"; grep 'corp-l3\|error' "$tmp/ds.out"; }
    for x in "hq-6 pe-taipei" "rnd-6 pe-hsinchu" "factory-6 pe-taichung" "branch-6 pe-tainan"; do
        set -- $x
        grep -q "^ *corp-l3-$1 $2 -> .*: Established, received 1, accepted 1, advertised 3, expected >= 1 and >= 3 advertised: ok$" "$tmp/ds.out" \
            || no "four-vendor dual stack: corp-l3-$1 on $2 not gated healthy with 3 advertised: $(grep "corp-l3-$1 " "$tmp/ds.out")"
    done
    ce_gets corp-l3-factory-6 2001:db8:10::/48 2001:db8:20::/48 2001:db8:50::/48
    ce_gets corp-l3-branch-6 2001:db8:10::/48 2001:db8:20::/48 2001:db8:30::/48
    ce_gets corp-l3-port-office 10.10.0.0/16 10.20.0.0/16 10.30.0.0/16 10.50.0.0/16
fi

[ $fail = 0 ] && echo "t_l3vpn_v6: ok"
exit $fail
