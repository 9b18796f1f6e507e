#!/usr/bin/python3
"""Generate a valid synthetic netstitch service of N routers (bench/README.md).

    bench/gen-service.py N [-o FILE] [--variant TEXT]

The service is deterministic for a given N (no randomness): routers of mixed vendors in the
cycle junos, iosxr, sros, vrp, openconfig, openconfig/eos; and exactly 10 connections per
router (10*N in all), anchored at router i:

  c0-c2  QinQ handoff stitched to QinQ: customer S100+k/C200+k (outer TPID 0x88a8) rewritten
         on router i to S300+k/C200+k (0x8100) towards the data centre (outer tag and TPID
         swapped only, so every vendor can express it);
  c3     QinQ S110/C210 stitched to dot1q 210 (pop the outer tag);
  c4-c5  a routed dot1q sub-interface to the router's cloud site (AWS Direct Connect, Azure or
         GCP in turn) with an eBGP session to the cloud (peer-site): announce the router's
         site prefix, accept the cloud's;
  c6-c7  a routed dot1q link to the next router on the ring with an eBGP session on both ends
         (peer-device), each announcing its own site prefix and accepting the other's;
  c8     an LDP-signalled VPLS between router i and the next VPLS-capable router over their
         MPLS core segment, attachment circuits QinQ 0x88a8 where the vendor can pop two tags
         (dot1q on OpenConfig);
  c9     the same, BGP-signalled (route target, VE ids).

Arista EOS has no VPLS, so EOS routers get a fourth QinQ stitch and a third cloud session
instead of c8/c9; likewise every router when fewer than two VPLS-capable routers exist, and
c6/c7 become cloud sessions when N = 1.

Addressing (non-overlapping at any N up to 5000): router site i 10.(i/256).(i%256).0/24,
customer site 10.(64+i/256).(i%256).0/24, cloud i 10.(128+i/256).(i%256).0/24, cloud link
subnets /30 in 169.254.0.0/16, ring link subnets /30 in 172.16.0.0/12, router ids
10.(192+i/256).(i%256).1. ASNs are 4-byte private (4200000000 + i), AWS is 64512.
"""
import argparse
import sys

VENDORS = [
    # vendor, platform, access port names, core port names, mtu, max-mtu, core mtu
    ("junos", None, "ge-0/0/{}", "et-0/1/{}", 1514, 9192, 9192),
    ("iosxr", None, "GigabitEthernet0/0/0/{}", "HundredGigE0/0/1/{}", 1514, 9216, 9216),
    ("sros", None, "1/1/{}", "1/2/{}", 1514, 9800, 9212),
    ("vrp", None, "GigabitEthernet0/1/{}", "100GE0/3/{}", 1500, 9600, 9000),
    ("openconfig", None, "Ethernet{}", "Ethernet4{}", 1514, 9216, 9214),
    ("openconfig", "eos", "Ethernet{}", "Ethernet4{}", 1500, 9214, 9214),
]
CLOUD_KINDS = ["aws", "azure", "gcp"]
ROLES = ["backbone-border", "backbone-core", "exchange-edge", "partner-edge", "site-edge",
         "cloud-edge"]
ASN_BASE = 4200000000
AWS_ASN = 64512
AZURE_ASN = 12076  # Microsoft's side of every ExpressRoute peering (yang/onramps)


def cloud_asn(kind, i):
    """The cloud side's ASN: Amazon's default, Microsoft's, or a Cloud Router's private one."""
    if kind == "aws":
        return AWS_ASN
    if kind == "azure":
        return AZURE_ASN
    return ASN_BASE + 100000 + i


def edge_domain(kind, k):
    """Which of the provider's redundant edges the k-th session of a router lands on
    (netstitch-onramp edge-domain); AWS asks for none."""
    if kind == "azure":
        return ["primary", "secondary"][k] if k < 2 else "edge-%d" % (k + 1)
    if kind == "gcp":
        return "availability-domain-%d" % (k + 1)
    return None


def vendor(i):
    return VENDORS[i % len(VENDORS)]


def is_eos(i):
    return vendor(i)[1] == "eos"


def can_pop_two(i):
    """Can the vendor's VPLS attachment circuit pop both tags (QinQ AC)?"""
    return vendor(i)[0] != "openconfig"


def net24(first, i):
    return "10.%d.%d" % (first + i // 256, i % 256)


def slash30(base_a, base_b, m):
    """The m-th /30 of base_a.base_b.0.0/12-or-16 as (prefix, first host, second host)."""
    off = 4 * m
    a, b = base_a, base_b + off // 65536
    c, d = (off // 256) % 256, off % 256
    pfx = "%d.%d.%d.%d" % (a, b, c, d)
    return ("%s/30" % pfx, "%d.%d.%d.%d" % (a, b, c, d + 1), "%d.%d.%d.%d" % (a, b, c, d + 2))


def next_rd_number(v):
    """The next BGP VPLS id after v whose route distinguisher number the OpenConfig models
    accept. The lowering derives the RD as ROUTER-ID:(vpls-id % 65536), and the shipped
    openconfig-network-instance-types@2016-09-28 pattern for that number only matches
    1-999, 1100-9999 without a 0 as second digit, and a few 5-digit forms (an upstream
    regex bug): 1008 or 2050 fail to compile for OpenConfig routers (docs/PERFORMANCE.md)."""
    v += 1
    while len(str(v)) != 4 or str(v)[1] == "0":
        v += 1
    return v


class Gen:
    def __init__(self, n, variant=None):
        self.n = n
        self.variant = variant
        self.out = []
        self.vpls_ring = [i for i in range(n) if not is_eos(i)]
        if len(self.vpls_ring) < 2:
            self.vpls_ring = []
        self.vpls_next = {}
        for k, i in enumerate(self.vpls_ring):
            self.vpls_next[i] = self.vpls_ring[(k + 1) % len(self.vpls_ring)]
        self.vpls_prev = {v: k for k, v in self.vpls_next.items()}
        self.cloud_link = 0
        self.ring_link = 0
        self.ldp_id = 100000
        self.bgp_id = 1100

    def w(self, s):
        self.out.append(s)

    # Names
    def dev(self, i):
        return "r%04d-%s" % (i, "eos" if is_eos(i) else vendor(i)[0])

    def port(self, i, role):
        v = vendor(i)
        acc = {"cust": 0, "dc": 1, "cloud": 2, "peer-out": 3, "peer-in": 4, "vpls-ac": 5}
        if role in acc:
            return v[2].format(acc[role])
        return v[3].format({"core-in": 0, "core-out": 1}[role])

    def ring_next(self, i):
        return (i + 1) % self.n if self.n > 1 else None

    # Sites
    def sites(self):
        for i in range(self.n):
            self.w("  <site>\n    <name>pop-%d</name>\n    <kind>backbone</kind>\n"
                   "    <asn>%d</asn>\n    <prefix>%s.0/24</prefix>\n  </site>"
                   % (i, ASN_BASE + i, net24(0, i)))
            self.w("  <site>\n    <name>cust-%d</name>\n    <kind>on-premises</kind>\n"
                   "    <prefix>%s.0/24</prefix>\n  </site>" % (i, net24(64, i)))
            self.w("  <site>\n    <name>dc-%d</name>\n    <kind>research-cloud</kind>\n"
                   "  </site>" % i)
            kind = CLOUD_KINDS[i % 3]
            asn = cloud_asn(kind, i)
            self.w("  <site>\n    <name>cloud-%d</name>\n    <kind>%s</kind>\n"
                   "    <asn>%d</asn>\n    <region>region-%d</region>\n"
                   "    <prefix>%s.0/24</prefix>\n  </site>"
                   % (i, kind, asn, i % 7, net24(128, i)))

    # Devices
    def devices(self):
        for i in range(self.n):
            v = vendor(i)
            self.w("  <device>\n    <name>%s</name>\n    <vendor>%s</vendor>" % (self.dev(i), v[0]))
            if v[1]:
                self.w("    <platform>%s</platform>" % v[1])
            self.w("    <role>%s</role>\n    <site>pop-%d</site>\n    <asn>%d</asn>\n"
                   "    <router-id>10.%d.%d.1</router-id>"
                   % (ROLES[i % len(ROLES)], i, ASN_BASE + i, 192 + i // 256, i % 256))
            roles = ["cust", "dc", "cloud"]
            if self.ring_next(i) is not None:
                roles += ["peer-out", "peer-in"]
            if i in self.vpls_next:
                roles += ["vpls-ac", "core-in", "core-out"]
            for r in roles:
                core = r.startswith("core")
                mtu, maxmtu = (v[6], v[6]) if core else (v[4], v[5])
                self.w("    <port>\n      <name>%s</name>\n      <description>%s</description>\n"
                       "      <bandwidth>%d</bandwidth>\n      <mtu>%d</mtu>\n"
                       "      <max-mtu>%d</max-mtu>\n    </port>"
                       % (self.port(i, r), self.descr(r), 100000000 if core else 10000000, mtu,
                          maxmtu))
            self.w("  </device>")

    def descr(self, text):
        return "%s %s" % (text, self.variant) if self.variant else text

    # Segments
    def seg_end(self, side, i=None, role=None, site=None, node=None):
        if site is not None:
            return "    <%s><site>%s</site><node>%s</node></%s>" % (side, site, node, side)
        return "    <%s><device>%s</device><port>%s</port></%s>" % (
            side, self.dev(i), self.port(i, role), side)

    def segment(self, name, a, b, kind=None, descr=None):
        self.w("  <segment>\n    <name>%s</name>" % name)
        if descr:
            self.w("    <description>%s</description>" % descr)
        if kind:
            self.w("    <kind>%s</kind>" % kind)
        self.w(a)
        self.w(b)
        self.w("  </segment>")

    def segments(self):
        for i in range(self.n):
            self.segment("cust-%d" % i, self.seg_end("a", site="cust-%d" % i, node="cpe"),
                         self.seg_end("b", i, "cust"))
            self.segment("dc-%d" % i, self.seg_end("a", i, "dc"),
                         self.seg_end("b", site="dc-%d" % i, node="dc-switch"))
            self.segment("cloud-%d" % i, self.seg_end("a", i, "cloud"),
                         self.seg_end("b", site="cloud-%d" % i, node="cloud-gw"))
            nx = self.ring_next(i)
            if nx is not None:
                self.segment("peer-%d" % i, self.seg_end("a", i, "peer-out"),
                             self.seg_end("b", nx, "peer-in"))
            if i in self.vpls_next:
                self.segment("vpls-ac-%d" % i, self.seg_end("a", site="cust-%d" % i, node="vpls-cpe"),
                             self.seg_end("b", i, "vpls-ac"))
                self.segment("core-%d" % i, self.seg_end("a", i, "core-out"),
                             self.seg_end("b", self.vpls_next[i], "core-in"), kind="mpls-core")

    # Connections
    @staticmethod
    def encap(e):
        if e[0] == "dot1q":
            t = "" if e[2] == "0x8100" else "<tpid>%s</tpid>" % e[2]
            return "<encapsulation><dot1q><vlan>%d</vlan>%s</dot1q></encapsulation>" % (e[1], t)
        return ("<encapsulation><qinq><s-tag>%d</s-tag><c-tag>%d</c-tag><tpid>%s</tpid></qinq>"
                "</encapsulation>" % (e[1], e[2], e[3]))

    def conn_head(self, name, descr, endpoints):
        self.w("  <connection>\n    <name>%s</name>\n    <description>%s</description>\n"
               "    <ip-mtu>1500</ip-mtu>" % (name, descr))
        for ep in endpoints:
            self.w("    <endpoint>%s</endpoint>" % ep)

    def hop(self, seq, seg, enc):
        self.w("    <hop>\n      <seq>%d</seq>\n      <segment>%s</segment>" % (seq, seg))
        if isinstance(enc, str):
            self.w("      <encapsulation><vpls>%s</vpls></encapsulation>" % enc)
        else:
            self.w("      %s" % self.encap(enc))
        self.w("    </hop>")

    def stitch(self, i, a, b):
        self.w("    <stitch>\n      <device>%s</device>\n      <from-hop>%d</from-hop>\n"
               "      <to-hop>%d</to-hop>\n    </stitch>" % (self.dev(i), a, b))

    def qinq_stitch(self, i, k):
        self.conn_head("c%d-qinq-%d" % (i, k), "customer QinQ stitched to the data centre",
                       ["cust-%d" % i, "dc-%d" % i])
        self.hop(1, "cust-%d" % i, ("qinq", 100 + k, 200 + k, "0x88a8"))
        self.hop(2, "dc-%d" % i, ("qinq", 300 + k, 200 + k, "0x8100"))
        self.stitch(i, 1, 2)
        self.w("  </connection>")

    def qinq_pop(self, i):
        self.conn_head("c%d-pop" % i, "customer QinQ popped to one tag", ["cust-%d" % i, "dc-%d" % i])
        self.hop(1, "cust-%d" % i, ("qinq", 110, 210, "0x88a8"))
        self.hop(2, "dc-%d" % i, ("dot1q", 210, "0x8100"))
        self.stitch(i, 1, 2)
        self.w("  </connection>")

    def bgp(self, name, i, port, link, local, peer, peer_asn, peer_kind, peer_name, announce,
            accept, key, edge=None):
        edge_leaf = ("      <edge-domain xmlns=\"urn:netstitch:yang:onramp\">%s</edge-domain>\n"
                     % edge) if edge else ""
        self.w("    <bgp-session>\n      <name>%s</name>\n      <device>%s</device>\n"
               "      <port>%s</port>\n      <link-subnet>%s</link-subnet>\n"
               "      <local-address>%s</local-address>\n      <peer-address>%s</peer-address>\n"
               "      <peer-asn>%d</peer-asn>\n      <%s>%s</%s>\n"
               "      <announce>%s</announce>\n      <accept>%s</accept>\n"
               "      <max-prefix>100</max-prefix>\n      <auth-key-ref>%s</auth-key-ref>\n"
               "%s    </bgp-session>"
               % (name, self.dev(i), self.port(i, port), link, local, peer, peer_asn, peer_kind,
                  peer_name, peer_kind, announce, accept, key, edge_leaf))

    def cloud_bgp(self, i, k):
        vlan = 400 + k
        link, cloud_ip, our_ip = slash30(169, 254, self.cloud_link)
        self.cloud_link += 1
        kind = CLOUD_KINDS[i % 3]
        peer_asn = cloud_asn(kind, i)
        if kind == "azure":
            # ExpressRoute: the first address of each /30 is the customer's, Microsoft's the
            # second; the legs land on Microsoft's primary and secondary MSEEs.
            our_ip, cloud_ip = cloud_ip, our_ip
        self.conn_head("c%d-cloud-%d" % (i, k), "%s interconnect, eBGP" % kind,
                       ["pop-%d" % i, "cloud-%d" % i])
        self.hop(1, "cloud-%d" % i, ("dot1q", vlan, "0x8100"))
        self.bgp("c%d-cloud-%d" % (i, k), i, "cloud", link, our_ip, cloud_ip, peer_asn,
                 "peer-site", "cloud-%d" % i, net24(0, i) + ".0/24", net24(128, i) + ".0/24",
                 "cloud-key-%d" % (i % 8), edge_domain(kind, k))
        self.w("  </connection>")

    def peering(self, i, k):
        nx = self.ring_next(i)
        link, a_ip, b_ip = slash30(172, 16, self.ring_link)
        self.ring_link += 1
        self.conn_head("c%d-peer-%d" % (i, k), "eBGP between neighbouring routers",
                       ["pop-%d" % i, "pop-%d" % nx])
        self.hop(1, "peer-%d" % i, ("dot1q", 500 + k, "0x8100"))
        self.bgp("c%d-peer-%d-a" % (i, k), i, "peer-out", link, a_ip, b_ip, ASN_BASE + nx,
                 "peer-device", self.dev(nx), net24(0, i) + ".0/24", net24(0, nx) + ".0/24",
                 "ring-key")
        self.bgp("c%d-peer-%d-b" % (i, k), nx, "peer-in", link, b_ip, a_ip, ASN_BASE + i,
                 "peer-device", self.dev(i), net24(0, nx) + ".0/24", net24(0, i) + ".0/24",
                 "ring-key")
        self.w("  </connection>")

    def ac_encap(self, i, vlan_outer, vlan_inner):
        if can_pop_two(i):
            return ("qinq", vlan_outer, vlan_inner, "0x88a8")
        return ("dot1q", vlan_outer, "0x8100")

    def vpls(self, i, signalling):
        j = self.vpls_next[i]
        k = 0 if signalling == "ldp" else 1
        name = "c%d-vpls-%s" % (i, signalling)
        if signalling == "ldp":
            self.ldp_id += 1
            vid = self.ldp_id
        else:
            vid = self.bgp_id
            self.bgp_id = next_rd_number(self.bgp_id)
        # Tags: outer 600+k for instances anchored here, 700+k for the previous router's.
        enc_i = self.ac_encap(i, 600 + k, 800 + k)
        enc_j = self.ac_encap(j, 700 + k, 900 + k)
        self.conn_head(name, "%s-signalled VPLS between two PoPs" % signalling.upper(),
                       ["cust-%d" % i, "cust-%d" % j])
        self.hop(1, "vpls-ac-%d" % i, enc_i)
        self.hop(2, "core-%d" % i, name)
        self.hop(3, "vpls-ac-%d" % j, enc_j)
        self.w("    <vpls>\n      <name>%s</name>\n      <signalling>%s</signalling>\n"
               "      <vpls-id>%d</vpls-id>" % (name, signalling, vid))
        if signalling == "bgp":
            self.w("      <route-target>65000:%d</route-target>" % vid)
        for ve, (d, enc) in enumerate([(i, enc_i), (j, enc_j)], 1):
            self.w("      <member>\n        <device>%s</device>\n        <port>%s</port>\n"
                   "        %s" % (self.dev(d), self.port(d, "vpls-ac"), self.encap(enc)))
            if signalling == "bgp":
                self.w("        <ve-id>%d</ve-id>" % ve)
            self.w("      </member>")
        self.w("    </vpls>\n  </connection>")

    def connections(self):
        for i in range(self.n):
            cloud = 0
            for k in range(3):
                self.qinq_stitch(i, k)
            self.qinq_pop(i)
            for _ in range(2):
                self.cloud_bgp(i, cloud)
                cloud += 1
            if self.ring_next(i) is not None:
                self.peering(i, 0)
                self.peering(i, 1)
            else:
                for _ in range(2):
                    self.cloud_bgp(i, cloud)
                    cloud += 1
            if i in self.vpls_next:
                self.vpls(i, "ldp")
                self.vpls(i, "bgp")
            else:
                self.qinq_stitch(i, 3)
                self.cloud_bgp(i, cloud)

    def render(self):
        self.w('<?xml version="1.0" encoding="UTF-8"?>')
        self.w("<!-- Synthetic netstitch service: %d routers, %d connections "
               "(bench/gen-service.py %d). -->" % (self.n, 10 * self.n, self.n))
        self.w('<intercloud xmlns="urn:netstitch:yang:intercloud">')
        self.sites()
        self.devices()
        self.segments()
        self.connections()
        self.w("</intercloud>")
        return "\n".join(self.out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="generate a synthetic netstitch service")
    ap.add_argument("n", type=int, help="number of routers (1..5000)")
    ap.add_argument("-o", "--output", help="output file (default stdout)")
    ap.add_argument("--variant", help="append this to every port description (two variants "
                    "of one service differ on every router, so each push changes something)")
    a = ap.parse_args()
    if not 1 <= a.n <= 5000:
        ap.error("N must be 1..5000")
    text = Gen(a.n, a.variant).render()
    if a.output:
        with open(a.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
