#!/usr/bin/python3
"""Issue 11, render side: properties every compiled configuration must have.

Usage: issue11_render.py SERVICE.xml OUTDIR   (OUTDIR: `netstitch compile SERVICE -o OUTDIR`)

Read from the service itself (never from netstitch's IR), checked in each router's native
CLI, per vendor, and in its NETCONF payload:

  1. origination (defect 1): every prefix a device announces on a BGP session, and that
     no other session of the device accepts (so the device does not learn it by BGP),
     is put in the routing table by a static route (toward the site's gateway node when
     the prefix sits behind one: the node's address; else a discard route) and handed to
     BGP the vendor's way;
  2. IP MTU (defect 2): every interface that carries a routed address of the service (a
     BGP session's local address, a route stitch's address) carries the connection's IP
     MTU in the same interface block;
  3. local addresses (defect 9): every BGP session's local address is configured on an
     interface of its device (checked with 2: the block is found by the address);
  4. SR OS BGP-VPLS (defect 10): every BGP-signalled VPLS has a pw-template-binding whose
     pw-template the payload defines.

Prints one line per violation; exit status 1 if there is any, 0 otherwise.
"""
import ipaddress
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = {"n": "urn:netstitch:yang:intercloud"}


def text(e, path):
    x = e.find(path, NS)
    return x.text.strip() if x is not None and x.text else None


def load(svc):
    root = ET.parse(svc).getroot()
    devices = {}
    for d in root.findall("n:device", NS):
        vendor = text(d, "n:vendor")
        if vendor == "openconfig" and text(d, "n:platform") == "eos":
            vendor = "eos"
        devices[text(d, "n:name")] = {"vendor": vendor, "site": text(d, "n:site")}
    sites = {}
    for s in root.findall("n:site", NS):
        sites[text(s, "n:name")] = [ipaddress.ip_network(p.text.strip(), strict=False)
                                    for p in s.findall("n:prefix", NS)]
    segments = {}
    for s in root.findall("n:segment", NS):
        ends = []
        for tag in ("n:a", "n:b"):
            e = s.find(tag, NS)
            ends.append({"device": text(e, "n:device"), "site": text(e, "n:site"),
                         "address": text(e, "n:address"),
                         "address6": text(e, "n:ipv6-address")})
        segments[text(s, "n:name")] = {"ends": ends, "subnet": text(s, "n:subnet")}
    sessions, routed = [], {}
    for c in root.findall("n:connection", NS):
        ipmtu = int(text(c, "n:ip-mtu"))
        hops = {text(h, "n:seq"): text(h, "n:segment") for h in c.findall("n:hop", NS)}
        for b in c.findall("n:bgp-session", NS):
            s = {"name": text(b, "n:name"), "device": text(b, "n:device"),
                 "local": text(b, "n:local-address"),
                 "announce": [p.text.strip() for p in b.findall("n:announce", NS)],
                 "accept": [ipaddress.ip_network(p.text.strip())
                            for p in b.findall("n:accept", NS)]}
            sessions.append(s)
            # IPv4 routed addresses only: the IP MTU rules of issue 11 are IPv4's (family
            # inet mtu, ipv4 mtu, ip-mtu); IPv6 interfaces are checked by the dual-stack
            # goldens (tests/compile/*/*-dual-stack.xml).
            if ipaddress.ip_address(s["local"]).version == 4:
                key = (s["device"], s["local"])
                routed[key] = min(routed.get(key, ipmtu), ipmtu)
        for st in c.findall("n:stitch", NS):
            if text(st, "n:kind") != "route":
                continue
            dev = text(st, "n:device")
            for hop in (text(st, "n:from-hop"), text(st, "n:to-hop")):
                seg = segments.get(hops.get(hop))
                for e in seg["ends"] if seg else []:
                    if e["device"] == dev and e["address"]:
                        key = (dev, e["address"])
                        routed[key] = min(routed.get(key, ipmtu), ipmtu)
    return devices, sites, segments, sessions, routed


def within(net, outer):
    """subnet_of across families: an IPv4 prefix is never inside an IPv6 one."""
    return net.version == outer.version and net.subnet_of(outer)


def originated(devices, sites, segments, sessions):
    """(device, prefix) -> expected next hop (None: discard), for every announcement."""
    want = {}
    for s in sessions:
        for p in s["announce"]:
            net = ipaddress.ip_network(p)
            learned = any(o is not s and o["device"] == s["device"] and
                          any(within(net, a) for a in o["accept"]) for o in sessions)
            if learned:
                continue
            nh = None
            addr = "address6" if net.version == 6 else "address"
            for seg in segments.values():
                for i, e in enumerate(seg["ends"]):
                    far = seg["ends"][1 - i]
                    if (e["device"] == s["device"] and far["site"] and far[addr] and
                            any(within(net, sp) for sp in sites.get(far["site"], []))):
                        nh = nh or far[addr]
            want[(s["device"], p)] = nh
    return want


def blocks(cli, start, end):
    """Split block-structured CLI (IOS-XR, VRP, EOS) into interface blocks."""
    out, cur = [], None
    for line in cli.splitlines():
        if re.match(start, line):
            cur = [line]
            out.append(cur)
        elif cur is not None and re.match(end, line):
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def check_origination(vendor, cli, xml, prefix, nh):
    net = ipaddress.ip_network(prefix)
    a, ln = str(net.network_address), net.prefixlen
    hop = nh
    v6 = net.version == 6
    if vendor == "junos":
        rib = "rib inet6.0 " if v6 else ""
        need = [f"set routing-options {rib}static route {prefix} " + (f"next-hop {nh}" if nh else "discard")]
        xneed = [f"<name>{prefix}</name>"]
    elif vendor == "iosxr":
        need = [f"  {prefix} {hop or 'Null0'}", f"  network {prefix}"]
        xneed = [f"<prefix-address>{a}</prefix-address>", f"<address>{a}</address>"]
    elif vendor == "sros":
        need = [f"static-routes route {prefix} route-type unicast " +
                (f"next-hop {nh} admin-state enable" if nh else "blackhole admin-state enable")]
        xneed = [f"<ip-prefix>{prefix}</ip-prefix>"]
    elif vendor == "vrp":
        need = [f"ip{'v6' if v6 else ''} route-static {a} {ln} {hop or 'NULL0'}", f"  network {a} {ln}"]
        xneed = ["<network-route>", "<unicast-route2>", f"<prefix>{a}</prefix>"]
    elif vendor == "openconfig":
        need = [f"static[prefix={prefix}]/next-hops/next-hop[index=0]/config/next-hop = " +
                (nh or "openconfig-local-routing:DROP"),
                f"table-connection[src-protocol=STATIC][dst-protocol=BGP][address-family=IPV{net.version}]"
                f"/config/import-policy = NS-ORIGINATE{'6' if v6 else ''}",
                f"prefix-set[name=NS-ORIGINATE{'6' if v6 else ''}]/prefixes/prefix[ip-prefix={prefix}]"]
        xneed = [f"<prefix>{prefix}</prefix>",
                 f"<import-policy>NS-ORIGINATE{'6' if v6 else ''}</import-policy>"]
    elif vendor == "eos":
        need = [f"ip{'v6' if v6 else ''} route {prefix} {hop or 'Null0'}",
                "      redistribute static route-map NS-ORIGINATE6" if v6 else
                "   redistribute static route-map NS-ORIGINATE",
                f"permit {prefix}"]
        xneed = [f"<prefix>{prefix}</prefix>",
                 f"<import-policy>NS-ORIGINATE{'6' if v6 else ''}</import-policy>"]
    else:
        return [f"unknown vendor {vendor}"]
    miss = [n for n in need if n not in cli] + [f"payload {n}" for n in xneed if n not in xml]
    return miss


def check_interface(vendor, cli, xml, addr, ipmtu):
    """The interface block holding @addr must also hold IP MTU @ipmtu."""
    if vendor == "junos":
        m = re.search(rf"^(set interfaces \S+ unit \d+) family inet address {re.escape(addr)}/",
                      cli, re.M)
        if not m:
            return f"no unit with address {addr}"
        return None if f"{m.group(1)} family inet mtu {ipmtu}\n" in cli + "\n" else \
            f"{m.group(1)} has no family inet mtu {ipmtu}"
    if vendor == "sros":
        m = re.search(rf'^(/configure router "Base" interface "[^"]+") ipv4 '
                      rf'(primary address|secondary) {re.escape(addr)} ', cli, re.M)
        if not m:
            return f"no router interface with address {addr}"
        return None if f"{m.group(1)} ip-mtu {ipmtu}\n" in cli + "\n" else \
            f"{m.group(1)} has no ip-mtu {ipmtu}"
    if vendor == "openconfig":
        m = re.search(rf"^(\S+/subinterfaces/subinterface\[index=\d+\])/openconfig-if-ip:ipv4/"
                      rf"addresses/address\[ip={re.escape(addr)}\]", cli, re.M)
        if not m:
            return f"no subinterface with address {addr}"
        return None if f"{m.group(1)}/openconfig-if-ip:ipv4/config/mtu = {ipmtu}\n" in cli + "\n" \
            else f"{m.group(1)} has no ipv4 mtu {ipmtu}"
    start, end, mtu = {"iosxr": (r"^interface ", r"^!", f" ipv4 mtu {ipmtu}"),
                       "vrp": (r"^interface ", r"^#", f" mtu {ipmtu}"),
                       "eos": (r"^interface ", r"^!", f"   mtu {ipmtu}")}[vendor]
    for b in blocks(cli, start, end):
        if any(re.search(rf"ip(v4)? address {re.escape(addr)}[ /]", line) for line in b):
            return None if mtu in b else f"{b[0].strip()} has no '{mtu.strip()}'"
    return f"no interface with address {addr}"


def main():
    svc, out = sys.argv[1], sys.argv[2]
    devices, sites, segments, sessions, routed = load(svc)
    bad = []

    def files(dev):
        base = os.path.join(out, dev.replace("/", "%2F"))
        with open(base + ".cli") as f, open(base + ".xml") as g:
            return f.read(), g.read()

    for (dev, prefix), nh in sorted(originated(devices, sites, segments, sessions).items()):
        cli, xml = files(dev)
        for m in check_origination(devices[dev]["vendor"], cli, xml, prefix, nh):
            bad.append(f"{dev}: {prefix} is announced but not originated: missing {m!r}")
    for (dev, addr), ipmtu in sorted(routed.items()):
        cli, xml = files(dev)
        err = check_interface(devices[dev]["vendor"], cli, xml, addr, ipmtu)
        if err:
            bad.append(f"{dev}: routed address {addr} (IP MTU {ipmtu}): {err}")
    for dev, d in sorted(devices.items()):
        if d["vendor"] != "sros" or not os.path.exists(os.path.join(out, dev + ".xml")):
            continue
        cli, xml = files(dev)
        for name in re.findall(r'/configure service vpls "([^"]+)" bgp-vpls ve name', cli):
            for n in (f'/configure service vpls "{name}" bgp 1 pw-template-binding "',
                      "/configure service pw-template \""):
                if n not in cli:
                    bad.append(f"{dev}: BGP-VPLS {name} without {n.strip()}...")
            if "<pw-template-binding>" not in xml or "<pw-template-id>" not in xml:
                bad.append(f"{dev}: BGP-VPLS {name}: payload has no pw-template(-binding)")
    for b in bad:
        print(f"{os.path.basename(svc)}: {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
