#!/bin/sh
# `netstitch graph`: the shipped example and its MTU-1496 variant drawn as DOT.
#   - the DOT parses (tests/cli/dotcheck.py always; Graphviz's dot too when installed);
#   - it holds the six routers (vendor, role) framed by their sites, the two external
#     ends, the seven segments in path order, the four stitch points with their tag
#     change, the tags of every hop, frame vs limit of the fixed segments and the port
#     MTUs with planned changes;
#   - the broken variant: ccx-vm-net drawn red with frame 1518 > limit 1514 and the
#     largest IP MTU 1496, the title says the path carries at most 1496, exit 0;
#   - --format json parses and agrees; --connection; -o FILE; --svg with dot (SVG that
#     parses) and without (exit 2, names dot); an unloadable service exits 1.
set -u
cd "$TOP"
ex=examples/twcc-ccx-aws
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
no() { echo "FAIL: $*"; fail=1; }
PY=python3
command -v $PY > /dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }

"$NETSTITCH" graph "$ex/service.xml" > "$tmp/good.dot" 2> "$tmp/good.err" || no "graph service.xml"
"$NETSTITCH" graph "$ex/broken/twcc-ccx-aws-mtu-1496.xml" > "$tmp/bad.dot" 2> "$tmp/bad.err"
[ $? = 0 ] || no "graph of the broken variant must still exit 0 (drawn)"
grep -q '1 error(s)' "$tmp/bad.err" || no "graph summary on stderr: $(cat "$tmp/bad.err")"
for v in good bad; do
    $PY tests/cli/dotcheck.py "$tmp/$v.dot" > "$tmp/$v.json" || no "$v.dot is not valid DOT"
    if command -v dot > /dev/null 2>&1; then
        dot -Tcanon "$tmp/$v.dot" > /dev/null 2> "$tmp/dot.err" || no "dot rejects $v.dot"
        [ -s "$tmp/dot.err" ] && no "dot warns on $v.dot: $(cat "$tmp/dot.err")"
    fi
done

$PY - "$tmp/good.json" "$tmp/bad.json" <<'PY' || no "graph content"
import json, sys
good, bad = (json.load(open(f)) for f in sys.argv[1:3])
devices = ["twcc-edge", "twaren-border", "twaren-taichung", "partner-ccx", "ccx-pe",
           "ccx-transit"]
vendor = {"twcc-edge": "vrp - site-edge", "twaren-border": "junos - backbone-border",
          "partner-ccx": "iosxr - partner-edge", "ccx-pe": "sros - exchange-edge",
          "ccx-transit": "openconfig (eos) - cloud-edge"}
stitch = {"twcc-edge": ("hop 1 -> 2 (route)", "untagged -> dot1q 2101"),
          "partner-ccx": ("hop 4 -> 5 (rewrite)", "QinQ 0x88a8 3100/2101 -> QinQ 0x8100 1100/2101"),
          "ccx-pe": ("hop 5 -> 6 (rewrite)", "QinQ 0x8100 1100/2101 -> untagged"),
          "ccx-transit": ("hop 6 -> 7 (route)", "untagged -> dot1q 101")}

def label(attrs, key="label"):
    return attrs.get(key, "").split("\\n")

for g in (good, bad):
    assert g["kind"] == "graph", g["kind"]
    nodes = g["nodes"]
    for d in devices:
        assert "dev:" + d in nodes, d
    assert set(nodes) == {"dev:" + d for d in devices} | {"ext:twcc:gateway-node",
                                                        "ext:aws:dx-gateway"}, sorted(nodes)
    for d, v in vendor.items():
        assert label(nodes["dev:" + d])[1] == v, (d, label(nodes["dev:" + d]))
    # Sites frame their routers.
    frames = {c["attrs"]["label"].split(" ")[0]: set(c["nodes"]) for c in g["clusters"]}
    assert frames["ccx"] == {"dev:ccx-pe", "dev:ccx-transit"}, frames
    assert frames["aws"] == {"ext:aws:dx-gateway"}, frames
    assert frames["twaren"] == {"dev:twaren-border", "dev:twaren-taichung"}, frames
    # Segments in path order, each between its two ends.
    names = [label(e["attrs"])[0].split(" ")[0] for e in g["edges"]]
    assert names == ["twcc-gateway", "edge-border", "twaren-core", "taichung-partner",
                     "partner-ccx-pe", "ccx-vm-net", "aws-dx"], names
    ends = [(e["a"], e["b"]) for e in g["edges"]]
    assert ends[3] == ("dev:twaren-taichung", "dev:partner-ccx"), ends
    assert ends[0] == ("ext:twcc:gateway-node", "dev:twcc-edge"), ends
    edge = dict(zip(names, g["edges"]))
    hop4 = label(edge["taichung-partner"]["attrs"])
    assert "twcc-aws hop 4: QinQ 0x88a8 3100/2101" in hop4, hop4
    assert "frame 1522, IP MTU up to 9170" in hop4, hop4
    assert label(edge["taichung-partner"]["attrs"], "taillabel") == ["xe-0/0/2", "MTU 1514 -> 1522"]
    assert label(edge["taichung-partner"]["attrs"], "headlabel") == ["GigabitEthernet0/0/0/0",
                                                                      "MTU 1514"]
    core = label(edge["twaren-core"]["attrs"])
    assert core[0] == "twaren-core (MPLS core)" and "twcc-aws hop 3: VPLS twaren-ccx" in core, core
    dx = label(edge["aws-dx"]["attrs"])
    assert "owned by aws, fixed MTU 1500 (IP), 30 Mbit/s" in dx, dx
    assert "frame 1518 <= limit 1518, IP MTU up to 1500" in dx, dx
    # Stitch points: filled, with the hops and the tag change.
    for d, (hops, tags) in stitch.items():
        lines = label(nodes["dev:" + d])
        if g is bad and d == "ccx-pe":
            tags = "QinQ 0x8100 1100/2101 -> dot1q 2101"
        if g is bad and d == "ccx-transit":
            tags = "dot1q 2101 -> dot1q 101"
        assert "stitch twcc-aws " + hops in lines and tags in lines, (d, lines)
        assert nodes["dev:" + d].get("fillcolor"), d
    assert "stitch" not in nodes["dev:twaren-border"]["label"]

# The good path: nothing red, the title says the IP MTU holds end to end.
assert not any(e["attrs"].get("color") == "#d62728" for e in good["edges"])
assert "twcc-aws: IP MTU 1500 end to end; bottleneck hop 6 (ccx-vm-net) at 28.9 Mbit/s" \
    in label(good["attrs"]), good["attrs"]["label"]
vm = label(dict(zip(names, good["edges"]))["ccx-vm-net"]["attrs"])
assert "frame 1514 <= limit 1514, IP MTU up to 1500" in vm, vm

# The broken path: ccx-vm-net red, 1518 > 1514, 1496.
red = [e for e in bad["edges"] if e["attrs"].get("color") == "#d62728"]
assert len(red) == 1, red
vm = label(red[0]["attrs"])
assert vm[0] == "ccx-vm-net", vm
assert "owned by ccx, fixed MTU 1500, 28.9 Mbit/s" in vm, vm
assert "twcc-aws hop 6: dot1q 2101" in vm, vm
assert "frame 1518 > limit 1514: FAILS, IP MTU at most 1496" in vm, vm
assert "ERROR MTU-FIXED-SEGMENT" in vm, vm
assert "twcc-aws: IP MTU 1500 requested, the path carries at most 1496 - FAILS; bottleneck " \
       "hop 6 (ccx-vm-net) at 28.9 Mbit/s" in label(bad["attrs"]), bad["attrs"]["label"]
PY

# --format json: the same facts.
"$NETSTITCH" graph --format json "$ex/broken/twcc-ccx-aws-mtu-1496.xml" > "$tmp/bad.fmt.json" \
    || no "graph --format json"
$PY - "$tmp/bad.fmt.json" <<'PY' || no "graph --format json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "graph" and d["exit"] == 0 and d["errors"] == 1, d
assert len(d["devices"]) == 6 and len(d["segments"]) == 7 and len(d["stitches"]) == 4
hop6 = [h for h in d["hops"] if h["seq"] == 6][0]
assert hop6["fails"] and hop6["frame"] == 1518 and hop6["frame-limit"] == 1514, hop6
assert hop6["max-ip-mtu"] == 1496 and hop6["encapsulation"] == "dot1q", hop6
assert hop6["outer-tag"] == 2101 and hop6["tpid"] == 0x8100, hop6
assert [h for h in d["hops"] if h["fails"]] == [hop6]
assert d["connections"] == [{"name": "twcc-aws", "redundancy-group": None,
                             "redundancy-role": None, "ip-mtu": 1500, "bandwidth": 0,
                             "max-ip-mtu": 1496, "bottleneck-hop": 6}], d["connections"]
assert d["multipoints"] == [] and d["attachments"] == [], d
port = [p for p in d["ports"] if p["device"] == "ccx-pe" and p["name"] == "1/1/1"][0]
assert port["mtu"] == 1514 and port["mtu-planned"] == 1522, port
PY

# --connection, -o.
"$NETSTITCH" graph --connection twcc-aws "$ex/service.xml" 2> /dev/null | cmp -s - "$tmp/good.dot" \
    || no "--connection twcc-aws should draw the whole (one-connection) service"
"$NETSTITCH" graph --connection nope "$ex/service.xml" > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] || no "--connection with an unknown name must exit 2"
grep -q "no connection 'nope'" "$tmp/err" || no "--connection nope: message"
"$NETSTITCH" graph -o "$tmp/o.dot" "$ex/service.xml" > "$tmp/out" 2> /dev/null || no "graph -o"
cmp -s "$tmp/o.dot" "$tmp/good.dot" || no "-o FILE differs from stdout"
[ -s "$tmp/out" ] && no "graph -o printed on stdout"

# --svg: with dot an SVG that parses and shows 1496; without, exit 2 naming dot.
NETSTITCH_DOT=/nonexistent/dot "$NETSTITCH" graph --svg "$tmp/x.svg" "$ex/service.xml" \
    > "$tmp/out" 2> "$tmp/err"
[ $? = 2 ] || no "--svg without dot must exit 2"
grep -q "needs Graphviz's '/nonexistent/dot'" "$tmp/err" || no "--svg without dot: $(cat "$tmp/err")"
if command -v dot > /dev/null 2>&1; then
    "$NETSTITCH" graph --svg "$tmp/bad.svg" "$ex/broken/twcc-ccx-aws-mtu-1496.xml" \
        > "$tmp/out" 2> /dev/null || no "graph --svg"
    [ -s "$tmp/out" ] && no "graph --svg without -o printed DOT on stdout"
    $PY -c "import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]).getroot(); \
assert t.tag.endswith('svg'); assert '1496' in open(sys.argv[1]).read()" "$tmp/bad.svg" \
        || no "graph --svg: not an SVG showing 1496"
    ls /tmp/netstitch-graph-* > /dev/null 2>&1 && no "graph --svg left a temporary file"
fi

# Nothing to draw: an unloadable service exits 1, prints nothing on stdout.
printf '<intercloud xmlns="urn:netstitch:yang:intercloud"><device>\n' > "$tmp/broken.xml"
"$NETSTITCH" graph "$tmp/broken.xml" > "$tmp/out" 2> "$tmp/err"
[ $? = 1 ] || no "graph of an unloadable service must exit 1"
[ -s "$tmp/out" ] && no "graph of an unloadable service printed on stdout"
grep -q "XML-SYNTAX" "$tmp/err" || no "graph names the load error: $(cat "$tmp/err")"
"$NETSTITCH" graph "$tmp/missing.xml" > /dev/null 2>&1
[ $? = 2 ] || no "graph of a missing file must exit 2"
"$NETSTITCH" graph --format svg "$ex/service.xml" > /dev/null 2>&1
[ $? = 2 ] || no "graph --format svg must be a usage error"

# Dual stack (issue 13): a routed segment's label names its IPv4 and IPv6 subnets, the DOT
# stays valid with IPv6 colons in labels, and --format json carries both subnets.
"$NETSTITCH" graph "$ex/dual-stack/service.xml" > "$tmp/ds.dot" 2> /dev/null
[ $? = 0 ] || no "graph of the dual-stack example must exit 0"
$PY tests/cli/dotcheck.py "$tmp/ds.dot" > /dev/null || no "dual-stack DOT is not valid DOT"
grep -q 'subnet 10.254.1.4/30, 2001:db8:c0:ff::/64' "$tmp/ds.dot" \
    || no "the twcc-gateway label must name both subnets"
"$NETSTITCH" graph --format json "$ex/dual-stack/service.xml" 2> /dev/null \
    | grep -q '"ipv6-subnet": *"2001:db8:c0:ff::/64"' || no "graph JSON must carry ipv6-subnet"

# Issue 14: redundant-pair legs are named with their role, a secondary leg's own segments are
# dashed; a multipoint VPN is a hexagon joined to each attachment circuit's PE, the hub's
# line bold, the worst pair in its label and in the title.
"$NETSTITCH" graph examples/azure-expressroute/service.xml > "$tmp/er.dot" 2> /dev/null ||
    no "graph of the ExpressRoute example must exit 0"
$PY tests/cli/dotcheck.py "$tmp/er.dot" > /dev/null || no "ExpressRoute DOT is not valid DOT"
grep -q 'er-primary \[primary of expressroute\]: IP MTU 1500' "$tmp/er.dot" ||
    no "the title must name er-primary as the primary leg"
grep -q 'er-secondary \[secondary of expressroute\] hop 1' "$tmp/er.dot" ||
    no "the hop lines must name er-secondary as the secondary leg"
grep 'er-secondary \[secondary' "$tmp/er.dot" | grep -v 'er-primary' | grep -q 'style=dashed' ||
    no "a segment only the secondary leg uses must be dashed"
grep 'er-primary \[primary' "$tmp/er.dot" | grep -q 'style=dashed' &&
    no "a segment the primary leg uses must not be dashed"
"$NETSTITCH" graph examples/enterprise-wan/service-hub-spoke.xml > "$tmp/mp.dot" 2> /dev/null ||
    no "graph of the enterprise WAN must exit 0"
$PY tests/cli/dotcheck.py "$tmp/mp.dot" > /dev/null || no "enterprise WAN DOT is not valid DOT"
grep -q '"mp:corp-wan-hub" \[shape=hexagon.*VPN corp-wan-hub\\nhub-and-spoke, LDP\\nIP MTU 1500; worst pair 1574' \
    "$tmp/mp.dot" || no "the VPN node must name its topology, signalling and worst pair"
[ "$(grep -c '^  "mp:corp-wan-hub" -- "dev:' "$tmp/mp.dot")" = 5 ] ||
    no "the VPN must have one line per attachment circuit"
grep '"mp:corp-wan-hub" -- "dev:pe-taipei"' "$tmp/mp.dot" | grep -q 'hq (site taipei): HUB\\nxe-0/0/0 dot1q 100.*penwidth=3' ||
    no "the hub's line must be bold and labelled"
grep '"mp:corp-wan-hub" -- "dev:pe-taichung"' "$tmp/mp.dot" | grep -q 'QinQ 0x88a8 300/100' ||
    no "the QinQ circuit's line must show its tags"
"$NETSTITCH" graph examples/enterprise-wan/broken/wan-wave-1500.xml 2> /dev/null |
    grep -q 'corp-wan: multipoint, IP MTU 1500 requested, the worst pair of sites carries 1474 - FAILS' ||
    no "the title must say the broken WAN's worst pair fails"
"$NETSTITCH" graph --connection corp-wan-hub examples/enterprise-wan/service-hub-spoke.xml > "$tmp/out" 2> /dev/null ||
    no "--connection may name a multipoint VPN"
"$NETSTITCH" graph --format json examples/enterprise-wan/service-hub-spoke.xml > "$tmp/mp.json" 2> /dev/null
$PY - "$tmp/mp.json" <<'PY' || no "graph --format json of the WAN"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["multipoints"] == [{"name": "corp-wan-hub", "kind": "hub-and-spoke", "signalling": "ldp",
                             "ip-mtu": 1500, "max-ip-mtu": 1574}], d["multipoints"]
assert len(d["attachments"]) == 5, d["attachments"]
hq = d["attachments"][0]
assert hq["name"] == "hq" and hq["role"] == "hub" and hq["port"] == "xe-0/0/0", hq
assert [a["role"] for a in d["attachments"][1:]] == ["spoke"] * 4, d["attachments"]
PY

# A layer-3 VPN says it routes (no pseudowire signalling), in DOT and JSON.
"$NETSTITCH" graph examples/enterprise-wan/service-l3vpn.xml > "$tmp/l3.dot" 2> /dev/null ||
    no "graph of the routed enterprise WAN must exit 0"
$PY tests/cli/dotcheck.py "$tmp/l3.dot" > /dev/null || no "routed WAN DOT is not valid DOT"
grep -q '"mp:corp-l3" \[shape=hexagon.*VPN corp-l3\\nfull-mesh, routed (BGP/MPLS IP VPN)\\nIP MTU 1500; worst pair 1592' \
    "$tmp/l3.dot" || no "the layer-3 VPN node must say it routes, with its worst pair"
"$NETSTITCH" graph --format json examples/enterprise-wan/service-l3vpn.xml 2> /dev/null |
    grep -q '"signalling": *"l3vpn"' || no "graph JSON must give a layer-3 VPN's signalling as l3vpn"

# Without Graphviz the DOT is still checked by dotcheck.py, and the test then skips
# instead of passing: dot's own parse and the SVG were not checked.
if [ $fail = 0 ] && ! command -v dot > /dev/null 2>&1; then
    echo "Graphviz's dot is not installed: DOT not parsed by dot, SVG not rendered"
    exit 77
fi
[ $fail = 0 ] && echo "t_graph: ok"
exit $fail
