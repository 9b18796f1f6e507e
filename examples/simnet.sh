#!/bin/sh
# A local simulated network for a service: one netstitch-netsim device per router of the
# service, each in its vendor's profile, plus the inventory that reaches them.
#
#   examples/simnet.sh start DIR SERVICE   writes DIR/{netsim.conf,bgp.conf,inventory.xml,keys},
#                                          starts netsim, waits until it is ready
#   examples/simnet.sh stop DIR            stops it
#
# Keys are generated in DIR at start (never committed); ports are probed free on 127.0.0.1.
# The inventory pins each device's host key by its SHA256 fingerprint and authenticates
# with the generated client key, exactly as against real routers.
#
# BGP comes up in the simulation as on real routers (netsim/bgp.c): DIR/bgp.conf describes
# the external peers the service does not manage (a bgp-session with a peer-site: that
# site's ASN and prefixes, the session's addresses and key; an L3VPN circuit's CE: its ASN
# and address, its site's prefixes) and the delay after which a
# committed change takes effect (NETSIM_BGP_DELAY_MS, default 1000).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
NETSIM=${NETSIM:-$TOP/${BUILD:-build}/netstitch-netsim}

port_free() {
    ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

start() {
    dir=$1; svc=$2
    mkdir -p "$dir"; chmod 0700 "$dir"
    dir=$(cd "$dir" && pwd)
    # An Ed25519 host key: every device process reads it again and signs with it at every
    # SSH accept (libnetconf2 2.0.24), 0.05 ms against 0.8 ms for RSA 2048 (docs/PERFORMANCE.md).
    [ -f "$dir/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
    [ -f "$dir/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/client"
    fp=$(ssh-keygen -lf "$dir/hostkey.pub" -E sha256 | awk '{print $2}')
    # Device name and vendor/platform per router, in service order.
    /usr/bin/python3 - "$svc" > "$dir/devices.txt" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"n": "urn:netstitch:yang:intercloud"}
root = ET.parse(sys.argv[1]).getroot()
for d in root.findall("n:device", ns):
    vendor = d.find("n:vendor", ns).text
    plat = d.find("n:platform", ns)
    profile = "eos" if vendor == "openconfig" and plat is not None and plat.text == "eos" else vendor
    print(d.find("n:name", ns).text, profile)
PY
    /usr/bin/python3 - "$svc" "${NETSIM_BGP_DELAY_MS:-1000}" > "$dir/bgp.conf" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"n": "urn:netstitch:yang:intercloud"}
root = ET.parse(sys.argv[1]).getroot()
t = lambda e, n: (e.find("n:" + n, ns).text if e.find("n:" + n, ns) is not None else None)
sites = {t(s, "name"): s for s in root.findall("n:site", ns)}
devs = {t(d, "name"): d for d in root.findall("n:device", ns)}
print("delay-ms = " + sys.argv[2])
# Every session to a peer-site is an external peer of its transport's family (IPv4 or
# IPv6, as AWS runs one peer per family); it announces the site's prefixes of both
# families and netsim sends each over the sessions that carry its family (netsim/bgp.c).
for s in root.iter("{urn:netstitch:yang:intercloud}bgp-session"):
    site = t(s, "peer-site")
    if site is None or site not in sites:
        continue
    print("\n[external %s-%s]" % (site, t(s, "name")))
    print("asn = " + (t(s, "peer-asn") or t(sites[site], "asn")))
    print("address = " + t(s, "peer-address"))
    print("peer-address = " + t(s, "local-address"))
    dev = devs.get(t(s, "device"))
    if t(s, "local-asn"):
        print("peer-as = " + t(s, "local-asn"))
    elif dev is not None and t(dev, "asn"):
        print("peer-as = " + t(dev, "asn"))
    if t(s, "auth-key-ref"):
        print("key-file = secrets/" + t(s, "auth-key-ref"))
    # A session carrying both families over one transport: the site's next hop of the
    # other family is the session's ipv6 (or ipv4) peer-address.
    afs = [a.text for a in s.findall("n:address-family", ns)]
    if afs:
        print("families = " + " ".join(afs))
    for other in ("ipv6", "ipv4"):
        o = s.find("n:" + other, ns)
        if o is not None and t(o, "peer-address"):
            print("next-hop = " + t(o, "peer-address"))
    for p in sites[site].findall("n:prefix", ns):
        print("announce = " + p.text)
# An L3VPN's (netstitch-multipoint kind l3vpn) site routers, the CEs: each circuit's CE is
# an external peer of its PE's VRF (named VPN-CIRCUIT, as the PE's neighbour is) that
# announces its site's IPv4 prefixes; a dual-stack circuit (ce-ipv6-address, 6VPE) adds the
# CE's second session, over IPv6 (VPN-CIRCUIT-6, as the PE's second neighbour is), in the
# same device and VRF, announcing the site's IPv6 prefixes: one session per family, as the
# PE is configured (compiler/lower.c).
mp = {"m": "urn:netstitch:yang:multipoint"}
for v in root.findall("m:multipoint", mp):
    if (v.findtext("m:kind", "l2vpn", mp)) != "l3vpn":
        continue
    for ac in v.findall("m:attachment-circuit", mp):
        r = ac.find("m:routing", mp)
        site = ac.findtext("m:site", None, mp)
        if r is None or site not in sites:
            continue
        fams = [("", "ce-address", "pe-address", False)]
        if r.findtext("m:ce-ipv6-address", None, mp) and r.findtext("m:pe-ipv6-address", None, mp):
            fams.append(("-6", "ce-ipv6-address", "pe-ipv6-address", True))
        for suffix, ce, pe, v6 in fams:
            print("\n[external %s-%s%s]" % (v.findtext("m:name", "", mp), ac.findtext("m:name", "", mp), suffix))
            print("asn = " + r.findtext("m:ce-asn", "", mp))
            print("address = " + r.findtext("m:" + ce, "", mp))
            print("peer-address = " + r.findtext("m:" + pe, "", mp).split("/")[0])
            dev = devs.get(ac.findtext("m:device", None, mp))
            if dev is not None and t(dev, "asn"):
                print("peer-as = " + t(dev, "asn"))
            # The PE and its VRF (named after the VPN): CE links may reuse addresses.
            print("device = " + ac.findtext("m:device", "", mp))
            print("vrf = " + v.findtext("m:name", "", mp))
            if r.findtext("m:auth-key-ref", None, mp):
                print("key-file = secrets/" + r.findtext("m:auth-key-ref", None, mp))
            for p in sites[site].findall("n:prefix", ns):
                if (":" in p.text) == v6:
                    print("announce = " + p.text)
PY
    # Another process can take a probed port before netsim binds it (parallel test
    # runs); start then tries again from another base, up to five times.
    attempt=${SIMNET_ATTEMPT:-1}
    port=$(( 20000 + (($$ + attempt * 997) % 20000) ))
    {
        echo "statedir = $dir/state"
        echo "yang-root = $TOP/yang"
        echo "bgp = $dir/bgp.conf"
    } > "$dir/netsim.conf"
    {
        echo '<inventory xmlns="urn:netstitch:yang:inventory">'
    } > "$dir/inventory.xml"
    while read -r name profile; do
        while ! port_free $port; do port=$((port + 1)); done
        cat >> "$dir/netsim.conf" <<CONF

[device $name]
port = $port
profile = $profile
hostkey = $dir/hostkey
authorized-key = $dir/client.pub
user = netstitch
CONF
        cat >> "$dir/inventory.xml" <<INV
  <device>
    <name>$name</name>
    <address>127.0.0.1</address>
    <port>$port</port>
    <user>netstitch</user>
    <auth><private-key>$dir/client</private-key></auth>
    <host-key><fingerprint>$fp</fingerprint></host-key>
    <timeouts><connect>5</connect><rpc>10</rpc><commit>30</commit></timeouts>
  </device>
INV
        port=$((port + 1))
    done < "$dir/devices.txt"
    # The service's BGP keys come from files only this user can read.
    mkdir -p "$dir/secrets"; chmod 0700 "$dir/secrets"
    for ref in $(sed -n 's|.*<auth-key-ref>\(.*\)</auth-key-ref>.*|\1|p' "$svc" | sort -u); do
        head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/secrets/$ref"
        chmod 0600 "$dir/secrets/$ref"
        printf '  <secret>\n    <name>%s</name>\n    <source>file:%s</source>\n  </secret>\n' \
            "$ref" "$dir/secrets/$ref" >> "$dir/inventory.xml"
    done
    echo '</inventory>' >> "$dir/inventory.xml"
    rm -f "$dir/state/ready"
    "$NETSIM" -c "$dir/netsim.conf" > "$dir/netsim.out" 2>&1 &
    echo $! > "$dir/netsim.pid"
    i=0
    while [ ! -e "$dir/state/ready" ]; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$(cat "$dir/netsim.pid")" 2>/dev/null; then
            if [ "$attempt" -lt 5 ] && grep -q "cannot listen" "$dir/netsim.out"; then
                stop "$dir"
                SIMNET_ATTEMPT=$((attempt + 1)) start "$dir" "$svc"
                return
            fi
            echo "simnet: netsim did not start:"; cat "$dir/netsim.out"; exit 1
        fi
        sleep 0.05
    done
}

stop() {
    dir=$1
    [ -f "$dir/netsim.pid" ] || return 0
    pid=$(cat "$dir/netsim.pid")
    kill "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/netsim.pid"
}

case "${1:-}" in
    start) start "$2" "$3" ;;
    stop) stop "$2" ;;
    *) echo "usage: $0 start DIR SERVICE | stop DIR" >&2; exit 2 ;;
esac
