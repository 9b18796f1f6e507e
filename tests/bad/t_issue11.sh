#!/bin/sh
# Issue 11 regressions whose evidence is a number in a message or a line of the compiled
# configuration, which the catalogue (code, line, path) does not see. Each input is a
# service of tests/bad/cases/i11-*.
set -u
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }
C=tests/bad/cases

# Defect 7: one 0x9100 tag on a Junos port means flexible-vlan-tagging, which counts 8
# bytes of tags: the plan is 1522 and the driver says flexible-vlan-tagging; the 802.1Q
# port beside it stays vlan-tagging at 1518.
"$NETSTITCH" check "$C/i11-junos-single-9100.xml" > "$tmp/c7" 2>&1
grep -q "jx1 port ge-0/0/3 MTU 1518 -> 1522 (junos meaning)" "$tmp/c7" || no "defect 7: plan 1522"
"$NETSTITCH" compile "$C/i11-junos-single-9100.xml" -o "$tmp/o7" > /dev/null 2>&1 || no "defect 7: compile"
grep -qx "set interfaces ge-0/0/3 flexible-vlan-tagging" "$tmp/o7/jx1.cli" || no "defect 7: flexible"
grep -qx "set interfaces ge-0/0/3 mtu 1522" "$tmp/o7/jx1.cli" || no "defect 7: mtu 1522"
grep -qx "set interfaces ge-0/0/4 vlan-tagging" "$tmp/o7/jx1.cli" || no "defect 7: vlan-tagging"

# Defect 8: a port's MTU is written only when the plan raises it, never the declared
# value back (which would lower a port running more): ge-0/0/4 above needs nothing, and
# nothing on the jumbo path does.
grep -q "ge-0/0/4 mtu" "$tmp/o7/jx1.cli" && no "defect 8: unchanged ge-0/0/4 MTU written"
"$NETSTITCH" compile "$C/i11-mtu-runs-jumbo.xml" -o "$tmp/o8" > /dev/null 2>&1 || no "defect 8: compile"
grep -Eq "mtu (9192|9216|9212)|<mtu>(9192|9216|9212)</mtu>" "$tmp/o8"/* && no "defect 8: an MTU written"
grep -Eq "^set interfaces xe-0/1/[01] mtu|^ mtu |ethernet mtu" "$tmp/o8"/*.cli && no "defect 8: port MTU line"

# Defect 11: on an IP-meaning segment a hop needs its IP MTU, tags riding on top.
"$NETSTITCH" check "$C/i11-mtu-ip-meaning-needs.xml" > "$tmp/c11" 2>&1
grep -q "but hop 2 needs 1500 (IP MTU 1500 + 0 bytes: tags ride on top of an IP-meaning MTU); the largest IP MTU this path can carry is 1440" \
    "$tmp/c11" || { no "defect 11: needs 1500"; cat "$tmp/c11"; }

# Defect 6: the four-byte-AS route target in every vendor's own syntax.
"$NETSTITCH" compile "$C/i11-vpls-rt-four-byte-as.xml" -o "$tmp/o6" > /dev/null 2>&1 || no "defect 6: compile"
grep -q "<community>target:4200000001L:880</community>" "$tmp/o6/pa.xml" || no "defect 6: junos"
grep -q "<four-byte-as-number>4200000001</four-byte-as-number>" "$tmp/o6/pb.xml" || no "defect 6: iosxr"
grep -q "route-target 4200000001:880" "$tmp/o6/pb.cli" || no "defect 6: iosxr cli"
grep -q "<export>target:4200000001:880</export>" "$tmp/o6/pc.xml" || no "defect 6: sros"
grep -q "vpn-target 4200000001:880 export-extcommunity" "$tmp/o6/pd.cli" || no "defect 6: vrp"
grep -q "export-route-target = 4200000001:880" "$tmp/o6/pe.cli" || no "defect 6: openconfig"
exit $fail
