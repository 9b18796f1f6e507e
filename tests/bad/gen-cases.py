#!/usr/bin/python3
"""Regenerate the bad-input catalogue from base.xml.

Each case is base.xml (or its JSON form) with one edit that breaks exactly one
thing. The generated files are committed; the expected diagnostics live in
cases/<name>.expect (one line per diagnostic: severity code line path) and are
written by hand-checked runs, never by this script.
Usage: tests/bad/gen-cases.py   (from the top of the tree; needs yanglint)

Not generated: cases/i11-*.xml, issue 11's regression services, each written from scratch
(a comment at its top says what it shows); this script only derives the i11-json-* cases
from one of them. The mp-* cases are the enterprise-WAN example
(examples/enterprise-wan/service.xml) with one edit each.
"""
import os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = open(os.path.join(HERE, "base.xml")).read()
OUT = os.path.join(HERE, "cases")

def xml(name, *edits):
    s = BASE
    for old, new in edits:
        if old not in s:
            sys.exit("%s: %r not in base" % (name, old))
        s = s.replace(old, new, 1)
    open(os.path.join(OUT, name + ".xml"), "w").write(s)

def raw(name, ext, text):
    open(os.path.join(OUT, name + "." + ext), "w").write(text)

BASE_JSON = subprocess.run(
    ["yanglint", "-p", "yang/ietf", "-t", "config", "-f", "json",
     "yang/netstitch-intercloud.yang", os.path.join(HERE, "base.xml")],
    check=True, capture_output=True, text=True).stdout

def json_case(name, *edits):
    s = BASE_JSON
    for old, new in edits:
        if old not in s:
            sys.exit("%s: %r not in base json" % (name, old))
        s = s.replace(old, new, 1)
    open(os.path.join(OUT, name + ".json"), "w").write(s)

os.makedirs(OUT, exist_ok=True)
# --- malformed XML ---
xml("xml-unclosed-tag", ("<name>r2</name>", "<name>r2</name"))
xml("xml-mismatched-tag", ("<kind>aws</kind>", "<kind>aws</kinds>"))
xml("xml-bare-ampersand", ("<name>s1</name>", "<name>s1 & s2</name>"))
xml("xml-truncated", ("  <connection>", "  <connection>\n</intercloud>\n<!--"))
raw("xml-empty", "xml", "")
raw("xml-not-xml", "xml", "this is not a service\n")
xml("xml-wrong-namespace", ('<intercloud xmlns="urn:netstitch:yang:intercloud">', '<intercloud xmlns="urn:example:other">'))
xml("xml-doctype-entity", ('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE intercloud [<!ENTITY x "boom">]>'))
# --- malformed JSON ---
json_case("json-trailing-comma", ('"kind": "aws",', '"kind": "aws",,'))
json_case("json-missing-brace", ('"name": "r1",', '"name": "r1",\n {'))
json_case("json-unknown-member", ('"name": "r1",', '"name": "r1",\n        "colour": "blue",'))
json_case("json-wrong-type", ('"ip-mtu": 1500', '"ip-mtu": "fifteen hundred"'))
raw("json-empty-object", "json", "{}\n")
# --- schema violations ---
xml("schema-vlan-4095", ("<vlan>300</vlan>", "<vlan>4095</vlan>"))
xml("schema-vlan-0", ("<s-tag>100</s-tag>", "<s-tag>0</s-tag>"))
xml("schema-unknown-element", ("<role>site-edge</role>", "<role>site-edge</role>\n    <colour>blue</colour>"))
xml("schema-missing-vendor", ("<vendor>iosxr</vendor>\n", ""))
xml("schema-missing-ip-mtu", ("<ip-mtu>1500</ip-mtu>\n", ""))
xml("schema-bad-vendor", ("<vendor>junos</vendor>", "<vendor>ios</vendor>"))
xml("schema-bad-tpid", ("<c-tag>200</c-tag>", "<c-tag>200</c-tag><tpid>0x9200</tpid>"))
xml("schema-bad-prefix", ("<prefix>10.2.0.0/24</prefix>", "<prefix>10.2.0.0/33</prefix>"))
xml("schema-bad-address", ("<local-address>169.254.10.2</local-address>", "<local-address>169.254.10.256</local-address>"))
xml("schema-unknown-port", ("<b><device>r2</device><port>Gi0/0/0/0</port></b>", "<b><device>r2</device><port>Gi0/0/0/9</port></b>"))
xml("schema-unknown-segment", ("<segment>dx</segment>", "<segment>dx2</segment>"))
xml("schema-duplicate-device", ("  <segment>\n    <name>s1</name>", "  <device>\n    <name>r1</name>\n    <vendor>sros</vendor>\n    <role>site-edge</role>\n  </device>\n  <segment>\n    <name>s1</name>"))
xml("schema-owner-without-mtu", ("    <mtu>1500</mtu>\n    <mtu-meaning>ip</mtu-meaning>\n", ""))
xml("schema-route-target-ldp", ("<connection>\n    <name>c1</name>", "<connection>\n    <name>c1</name>\n    <vpls><name>v</name><signalling>ldp</signalling><vpls-id>1</vpls-id><route-target>1:1</route-target>\n      <member><device>r1</device><port>xe-0/0/0</port></member><member><device>r2</device><port>Gi0/0/0/0</port></member></vpls>"))
xml("schema-asn-zero", ("<asn>65002</asn>", "<asn>0</asn>"))
xml("schema-several-errors", ("<segment>dx</segment>", "<segment>dx2</segment>"), ("<b><device>r2</device><port>Gi0/0/0/0</port></b>", "<b><device>r2</device><port>Gi0/0/0/9</port></b>"), ("<peer-asn>64512</peer-asn>\n      <peer-site>aws</peer-site>", "<peer-asn>64512</peer-asn>\n      <peer-site>azure</peer-site>"))
# Every kind of site and hop-number reference wrong at once (the loader's fast path
# refuses them and libyang reports them, docs/PERFORMANCE.md round 6).
xml("schema-unknown-sites", ("<site>campus</site>\n    <asn>65001", "<site>nowhere</site>\n    <asn>65001"),
    ("<b><site>aws</site>", "<b><site>gcp</site>"), ("<owner>aws</owner>", "<owner>azure</owner>"),
    ("<endpoint>aws</endpoint>", "<endpoint>aaa</endpoint>"), ("<from-hop>1</from-hop>", "<from-hop>7</from-hop>"),
    ("<to-hop>2</to-hop>", "<to-hop>9</to-hop>"), ("<peer-site>aws</peer-site>", "<peer-site>gcp</peer-site>"))
json_case("json-unknown-sites", ('"site": "campus",\n        "asn": 65001', '"site": "nowhere",\n        "asn": 65001'),
          ('"owner": "aws"', '"owner": "azure"'), ('"to-hop": 2', '"to-hop": 9'))
# --- semantic: path, VLAN, stitch, VPLS ---
xml("path-discontinuous", ("<a><device>r2</device><port>Gi0/0/0/1</port></a>", "<a><site>campus</site></a>"))
xml("path-segment-twice", ("<segment>dx</segment>", "<segment>s1</segment>"))
xml("vlan-stitch-missing", ("<kind>route</kind>\n", "<kind>route</kind>\n".replace("route", "route")), ("<device>r2</device>\n      <from-hop>1</from-hop>", "<device>r1</device>\n      <from-hop>1</from-hop>"))
# A rewrite stitch at r1 between hop 0 and hop 1, which both carry QinQ 100/200.
xml("vlan-stitch-noop", ("<stitch>", "<stitch>\n      <device>r1</device>\n      <from-hop>0</from-hop>\n      <to-hop>1</to-hop>\n      <kind>rewrite</kind>\n    </stitch>\n    <stitch>"))
xml("vlan-tpid-port-fixed", ("<vendor>iosxr</vendor>", "<vendor>sros</vendor>"), ("<max-mtu>9216</max-mtu>\n    </port>", "<max-mtu>9216</max-mtu>\n      <tpid>0x9100</tpid>\n    </port>"))
xml("vlan-duplicate-tags", ("<stitch>", "<hop>\n      <seq>3</seq>\n      <segment>s1</segment>\n      <encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>\n    </hop>\n    <stitch>"))
xml("vlan-rewrite-openconfig", ("<vendor>iosxr</vendor>", "<vendor>openconfig</vendor>"), ("<kind>route</kind>", "<kind>rewrite</kind>"))
xml("vpls-not-core", ("<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>", "<encapsulation><vpls>v</vpls></encapsulation>"), ("<connection>\n    <name>c1</name>", "<connection>\n    <name>c1</name>\n    <vpls><name>v</name><signalling>ldp</signalling><vpls-id>1</vpls-id>\n      <member><device>r1</device><port>xe-0/0/0</port></member><member><device>r2</device><port>Gi0/0/0/0</port></member></vpls>"))
xml("vpls-unknown", ("<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>", "<encapsulation><vpls>nosuch</vpls></encapsulation>"), ("<name>s1</name>", "<name>s1</name>\n    <kind>mpls-core</kind>"))
xml("vpls-core-without-vpls", ("<name>s1</name>", "<name>s1</name>\n    <kind>mpls-core</kind>"))
# --- semantic: MTU ---
xml("mtu-fixed-1496", ("<mtu>1500</mtu>\n    <mtu-meaning>ip</mtu-meaning>", "<mtu>1500</mtu>"))
xml("mtu-port-raise", ("<mtu>1522</mtu>", "<mtu>1514</mtu>"))
xml("mtu-port-hw-limit", ("<mtu>1522</mtu>\n      <max-mtu>9192</max-mtu>", "<mtu>1514</mtu>\n      <max-mtu>1518</max-mtu>"))
xml("mtu-jumbo-no-max", ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>9001</ip-mtu>"), ("<mtu>1500</mtu>\n    <mtu-meaning>ip</mtu-meaning>", "<mtu>9001</mtu>\n    <mtu-meaning>ip</mtu-meaning>"))
# --- semantic: IP ---
xml("ip-overlap-transit", ("<prefix>10.9.0.0/30</prefix>", "<prefix>10.2.0.4/30</prefix>"))
xml("ip-overlap-link", ("<link-subnet>169.254.10.0/30</link-subnet>", "<link-subnet>10.1.0.0/30</link-subnet>"), ("<local-address>169.254.10.2</local-address>", "<local-address>10.1.0.2</local-address>"), ("<peer-address>169.254.10.1</peer-address>", "<peer-address>10.1.0.1</peer-address>"))
xml("ip-outside-subnet", ("<peer-address>169.254.10.1</peer-address>", "<peer-address>169.254.11.1</peer-address>"))
xml("ip-network-address", ("<local-address>169.254.10.2</local-address>", "<local-address>169.254.10.0</local-address>"))
xml("ip-same-local-peer", ("<local-address>169.254.10.2</local-address>", "<local-address>169.254.10.1</local-address>"))
# --- semantic: BGP and AWS ---
xml("bgp-peer-asn-mismatch", ("<peer-asn>64512</peer-asn>", "<peer-asn>64513</peer-asn>"))
xml("bgp-asn-reserved", ("<asn>65001</asn>\n    <router-id>", "<asn>64500</asn>\n    <router-id>"))
xml("bgp-asn-public", ("<asn>65002</asn>", "<asn>7539</asn>"))
xml("bgp-no-max-prefix", ("      <max-prefix>100</max-prefix>\n", ""))
xml("bgp-no-auth", ("      <auth-key-ref>dx-key</auth-key-ref>\n", ""))
xml("bgp-announce-outside", ("<announce>10.1.0.0/24</announce>", "<announce>10.3.0.0/24</announce>"))
xml("aws-dx-session-on-qinq-port", ("<port>Gi0/0/0/1</port>\n      <link-subnet>", "<port>Gi0/0/0/0</port>\n      <link-subnet>"))
xml("aws-dx-untagged", ("<encapsulation><dot1q><vlan>300</vlan></dot1q></encapsulation>", "<encapsulation><untagged/></encapsulation>"))
xml("aws-dx-asn-same", ("<asn>65002</asn>", "<asn>64512</asn>"))
xml("aws-dx-mtu", ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1400</ip-mtu>"))
# --- issue 14: on-ramp profiles, shared exchange ports, multi-VLAN QinQ, redundant legs ---
NS = '<intercloud xmlns="urn:netstitch:yang:intercloud">'
xml("onramp-aws-provider-asn-public", ("<asn>64512</asn>\n    <prefix>10.2.0.0/24</prefix>", "<asn>7224</asn>\n    <prefix>10.2.0.0/24</prefix>"),
    ("<peer-asn>64512</peer-asn>", "<peer-asn>7224</peer-asn>"))
xml("onramp-unknown-profile", (NS, NS.replace('">', '" xmlns:nso="urn:netstitch:yang:onramp">')),
    ("<kind>aws</kind>", "<kind>aws</kind>\n    <nso:onramp>aws-direct-connect-transit</nso:onramp>"))
xml("onramp-azure-one-session", ("<kind>aws</kind>\n    <asn>64512</asn>", "<kind>azure</kind>\n    <asn>12076</asn>"),
    ("<peer-asn>64512</peer-asn>", "<peer-asn>12076</peer-asn>"),
    ("<link-subnet>169.254.10.0/30</link-subnet>\n      <local-address>169.254.10.2</local-address>\n      <peer-address>169.254.10.1</peer-address>",
     "<link-subnet>169.254.10.0/30</link-subnet>\n      <local-address>169.254.10.1</local-address>\n      <peer-address>169.254.10.2</peer-address>"))
xml("shared-port-untagged", (NS, NS.replace('">', '" xmlns:nsx="urn:netstitch:yang:exchange">')),
    ("<mtu>1522</mtu>\n      <max-mtu>9192</max-mtu>", "<mtu>1522</mtu>\n      <max-mtu>9192</max-mtu>\n      <nsx:shared/>"),
    ("<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>", "<encapsulation><untagged/></encapsulation>"),
    ("<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>", "<encapsulation><untagged/></encapsulation>"))
xml("redundancy-lone-secondary", (NS, NS.replace('">', '" xmlns:nsr="urn:netstitch:yang:redundancy">')),
    ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1500</ip-mtu>\n    <nsr:redundancy><nsr:group>dx</nsr:group><nsr:role>secondary</nsr:role></nsr:redundancy>"))
xml("bw-insufficient", ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1500</ip-mtu>\n    <bandwidth>100000</bandwidth>"))
# --- IPv6, dual stack and BGP knobs (revision 2026-12-06, issue 13) ---
xml("schema-ipv6-in-ipv4-leaf", ("<router-id>10.255.0.1</router-id>", "<router-id>2001:db8::1</router-id>"))
xml("schema-ipv4-in-ipv6-leaf", ("<b><device>r2</device><port>Gi0/0/0/0</port></b>", "<b><device>r2</device><port>Gi0/0/0/0</port></b>\n    <ipv6-subnet>10.8.0.0/30</ipv6-subnet>"))
xml("ip-host-bits", ("<prefix>10.1.0.0/24</prefix>", "<prefix>10.1.0.5/24</prefix>"))
xml("ip-v6-overlap-transit", ("<prefix>10.9.0.0/30</prefix>\n    </transit-subnet>", "<prefix>10.9.0.0/30</prefix>\n    </transit-subnet>\n    <transit-subnet>\n      <name>nat6</name>\n      <prefix>2001:db8:9::/64</prefix>\n    </transit-subnet>"), ("<prefix>10.2.0.0/24</prefix>", "<prefix>10.2.0.0/24</prefix>\n    <prefix>2001:db8:9::/48</prefix>"))
xml("ip-v6-link-local", ("<b><device>r2</device><port>Gi0/0/0/0</port></b>", "<b><device>r2</device><port>Gi0/0/0/0</port><ipv6-address>fe80::2</ipv6-address></b>\n    <ipv6-subnet>2001:db8:8::/64</ipv6-subnet>"))
xml("ip-v6-mtu", ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1200</ip-mtu>"), ("<b><device>r2</device><port>Gi0/0/0/0</port></b>", "<b><device>r2</device><port>Gi0/0/0/0</port><ipv6-address>2001:db8:8::2</ipv6-address></b>\n    <ipv6-subnet>2001:db8:8::/64</ipv6-subnet>"))
xml("bgp-v6-routes-no-next-hop", ("<announce>10.1.0.0/24</announce>", "<address-family>ipv4-unicast</address-family>\n      <address-family>ipv6-unicast</address-family>\n      <announce>10.1.0.0/24</announce>"))
xml("bgp-af-prefix", ("<announce>10.1.0.0/24</announce>", "<announce>10.1.0.0/24</announce>\n      <announce>2001:db8:1::/48</announce>"))
xml("aws-dx-ipv6-subnet", ("    </bgp-session>", "    </bgp-session>\n    <bgp-session>\n      <name>to-aws6</name>\n      <device>r2</device>\n      <port>Gi0/0/0/1</port>\n      <link-subnet>2001:db8:ff::/126</link-subnet>\n      <local-address>2001:db8:ff::2</local-address>\n      <peer-address>2001:db8:ff::1</peer-address>\n      <peer-asn>64512</peer-asn>\n      <peer-site>aws</peer-site>\n      <max-prefix>100</max-prefix>\n      <auth-key-ref>dx-key</auth-key-ref>\n    </bgp-session>"))
xml("bgp-bfd-unsupported", ("<vendor>iosxr</vendor>", "<vendor>openconfig</vendor>"), ("<auth-key-ref>dx-key</auth-key-ref>", "<auth-key-ref>dx-key</auth-key-ref>\n      <bfd><interval>300</interval></bfd>"))
xml("bgp-knob-vrp-large-community", ("<vendor>iosxr</vendor>", "<vendor>vrp</vendor>"), ("<auth-key-ref>dx-key</auth-key-ref>", "<auth-key-ref>dx-key</auth-key-ref>\n      <export><large-community>65002:1:1</large-community></export>"))
xml("bgp-local-as-replace-as", ("<peer-asn>64512</peer-asn>", "<local-asn>65012</local-asn>\n      <local-as-replace-as>true</local-as-replace-as>\n      <peer-asn>64512</peer-asn>"))
xml("onramp-azure-ipv6-subnet-size", ("<kind>aws</kind>\n    <asn>64512</asn>", "<kind>azure</kind>\n    <asn>12076</asn>"),
    ("<peer-asn>64512</peer-asn>", "<peer-asn>12076</peer-asn>"),
    ("<link-subnet>169.254.10.0/30</link-subnet>\n      <local-address>169.254.10.2</local-address>\n      <peer-address>169.254.10.1</peer-address>",
     "<link-subnet>169.254.10.0/30</link-subnet>\n      <local-address>169.254.10.1</local-address>\n      <peer-address>169.254.10.2</peer-address>"),
    ("    </bgp-session>", "    </bgp-session>\n    <bgp-session>\n      <name>to-azure6</name>\n      <device>r2</device>\n      <port>Gi0/0/0/1</port>\n      <link-subnet>2001:db8:ff::/127</link-subnet>\n      <local-address>2001:db8:ff::</local-address>\n      <peer-address>2001:db8:ff::1</peer-address>\n      <peer-asn>12076</peer-asn>\n      <peer-site>aws</peer-site>\n      <max-prefix>100</max-prefix>\n      <auth-key-ref>dx-key</auth-key-ref>\n    </bgp-session>"))
xml("bgp-community-range", ("<auth-key-ref>dx-key</auth-key-ref>", "<auth-key-ref>dx-key</auth-key-ref>\n      <export><large-community>65002:4294967296:1</large-community><community>65535:666</community></export>"))

# --- issue 11, defect 11: JSON line numbers and truncated JSON, on a service of its own
# (i11-bgp-ends-one-connection.xml in JSON): a missing comma is reported on the line it is
# missing from, a bad value on its own line, a truncated document as a syntax error.
I11_JSON = subprocess.run(
    ["yanglint", "-p", "yang/ietf", "-t", "config", "-f", "json", "yang/netstitch-intercloud.yang",
     os.path.join(OUT, "i11-bgp-ends-one-connection.xml")],
    check=True, capture_output=True, text=True).stdout

def i11_json(name, *edits, cut=None):
    s = I11_JSON
    for old, new in edits:
        if old not in s:
            sys.exit("%s: %r not in the i11 json" % (name, old))
        s = s.replace(old, new, 1)
    if cut:
        s = s[:s.index(cut) + len(cut)] + "\n"
    open(os.path.join(OUT, name + ".json"), "w").write(s)

i11_json("i11-json-truncated-after-name", cut='"netstitch-intercloud:intercloud":')
i11_json("i11-json-truncated-in-port", cut='"mtu": 1518,')
i11_json("i11-json-missing-comma", ('"asn": 65310,\n        "router-id"', '"asn": 65310\n        "router-id"'))
i11_json("i11-json-bad-last-value", ('"max-mtu": 9212', '"max-mtu": 99999'))

# ====================================================================================
# The other inputs (tests/bad/expect.py says how each kind is run):
#   inventory/NAME.xml|json   an inventory, given to `push --inventory`
#   templates/VENDOR.FEATURE.NAME.xml   a user template VENDOR/FEATURE.xml, given to
#                             `compile --templates` with the shipped example
#   saved/NAME.xml            the saved running configuration of the example's twcc-edge
#                             (a VRP router), given to `diff --offline`
#   payloads/NAME.xml         twcc-edge's payload file, given to `push --payloads`
def put(kind, name, text):
    d = os.path.join(HERE, kind)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "w").write(text)

INV = """<inventory xmlns="urn:netstitch:yang:inventory">
  <device>
    <name>twcc-edge</name>
    <address>127.0.0.1</address>
    <port>9</port>
    <user>netstitch</user>
    <auth><private-key>/nonexistent/id_ed25519</private-key></auth>
    <host-key><fingerprint>SHA256:Cf0LMj0Kk3ALSJP8Wq8JCcNhQFYkm7Jb5cFOQJDK8kg</fingerprint></host-key>
    <timeouts><connect>1</connect></timeouts>
  </device>
  <secret><name>dx-key</name><source>env:NST_BAD_DX_KEY</source></secret>
</inventory>
"""

def inv(name, *edits, ext="xml", text=None):
    s = INV if text is None else text
    for old, new in edits:
        if old not in s:
            sys.exit("inventory %s: %r not in base" % (name, old))
        s = s.replace(old, new, 1)
    put("inventory", name + "." + ext, s)

inv("inv-port-range", ("<port>9</port>", "<port>70000</port>"))
inv("inv-port-zero", ("<port>9</port>", "<port>0</port>"))
inv("inv-no-address", ("    <address>127.0.0.1</address>\n", ""))
inv("inv-no-user", ("    <user>netstitch</user>\n", ""))
inv("inv-no-host-key", ("    <host-key><fingerprint>SHA256:Cf0LMj0Kk3ALSJP8Wq8JCcNhQFYkm7Jb5cFOQJDK8kg</fingerprint></host-key>\n", ""))
inv("inv-bad-fingerprint", ("SHA256:Cf0LMj0Kk3ALSJP8Wq8JCcNhQFYkm7Jb5cFOQJDK8kg", "MD5:00:11:22"))
inv("inv-two-host-key-checks", ("<host-key><fingerprint>", "<host-key><trust-on-first-use/><fingerprint>"))
inv("inv-bad-secret-source", ("env:NST_BAD_DX_KEY", "NST_BAD_DX_KEY"))
inv("inv-secret-source-shell", ("env:NST_BAD_DX_KEY", "env:$(reboot)"))
inv("inv-password-inline", ("<auth><private-key>/nonexistent/id_ed25519</private-key></auth>", "<auth><password>hunter2</password></auth>"))
inv("inv-duplicate-device", ("  <secret>", "  <device>\n    <name>twcc-edge</name>\n    <address>127.0.0.2</address>\n    <user>u</user>\n    <host-key><trust-on-first-use/></host-key>\n  </device>\n  <secret>"))
inv("inv-bad-address", ("<address>127.0.0.1</address>", "<address>not an address!</address>"))
inv("inv-timeout-zero", ("<connect>1</connect>", "<connect>0</connect>"))
inv("inv-unknown-element", ("    <user>netstitch</user>", "    <user>netstitch</user>\n    <enable-password>x</enable-password>"))
inv("inv-wrong-namespace", ("urn:netstitch:yang:inventory", "urn:example:inventory"))
inv("inv-doctype-entity", ("<inventory", '<!DOCTYPE inventory [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<inventory'), ("<user>netstitch</user>", "<user>&x;</user>"))
inv("inv-truncated", text=INV[:INV.index("<user>")])
inv("inv-empty", text="")
inv("inv-json-trailing-comma", ext="json", text='{"netstitch-inventory:inventory": {"device": [{"name": "r1", "address": "127.0.0.1", "user": "u", "host-key": {"trust-on-first-use": [null]},}]}}\n')
inv("inv-json-port-string", ext="json", text='{"netstitch-inventory:inventory": {"device": [{"name": "r1", "address": "127.0.0.1", "port": "830", "user": "u", "host-key": {"trust-on-first-use": [null]}}]}}\n')
inv("inv-name-control-char", ("<name>twcc-edge</name>", "<name>twcc&#x1b;[2J-edge</name>"))

TPL_OK = """<?xml version="1.0"?>
<template>
  <?if {bgp}?>
  <bgp xmlns="urn:huawei:yang:huawei-bgp">
    <base-process><enable>true</enable><as>{bgp/@asn}</as></base-process>
  </bgp>
  <?end?>
</template>
"""

def tpl(name, text, vendor="vrp", feature="bgp"):
    put("templates", "%s.%s.%s.xml" % (vendor, feature, name), text)

tpl("tpl-unclosed-element", TPL_OK.replace("</base-process>", ""))
tpl("tpl-unknown-instruction", TPL_OK.replace("<?end?>", "<?endif?>"))
tpl("tpl-unbalanced-end", TPL_OK.replace("<?end?>", "<?end?><?end?>"))
tpl("tpl-missing-end", TPL_OK.replace("  <?end?>\n", ""))
tpl("tpl-bad-xpath", TPL_OK.replace("{bgp/@asn}", "{bgp/@asn[}"))
tpl("tpl-unknown-variable", TPL_OK.replace("{bgp/@asn}", "{$nosuch}"))
tpl("tpl-foreach-not-nodeset", TPL_OK.replace("<?if {bgp}?>", "<?foreach {count(bgp)}?>"))
tpl("tpl-include-missing", TPL_OK.replace("<?end?>", "<?include nosuch-feature?>\n  <?end?>"))
tpl("tpl-include-self", TPL_OK.replace("<?end?>", "<?include bgp?>\n  <?end?>"))
tpl("tpl-include-traversal", TPL_OK.replace("<?end?>", "<?include ../../etc/passwd?>\n  <?end?>"))
tpl("tpl-doctype-entity", '<!DOCTYPE template [<!ENTITY a "aaaa">]>\n' + TPL_OK.replace("{bgp/@asn}", "&a;"))
tpl("tpl-wrong-root", TPL_OK.replace("<template>", "<templates>").replace("</template>", "</templates>"))
tpl("tpl-control-char-value", TPL_OK.replace("{bgp/@asn}", "{concat(bgp/@asn, '&#x1;')}"))
tpl("tpl-element-invalid-for-model", TPL_OK.replace("<as>", "<no-such-leaf>1</no-such-leaf><as>"))
tpl("tpl-empty", "")

# twcc-edge's saved running configuration (VRP), read by diff --offline.
SAVED_OK = '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ifm xmlns="urn:huawei:yang:huawei-ifm"><interfaces><interface><name>GE0/0/1</name><mtu>1500</mtu></interface></interfaces></ifm></config>\n'
put("saved", "saved-truncated.xml", SAVED_OK[:60])
put("saved", "saved-not-xml.xml", "show running-config\n")
put("saved", "saved-doctype-entity.xml", '<!DOCTYPE config [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + SAVED_OK.replace("GE0/0/1", "&x;"))
put("saved", "saved-bad-value.xml", SAVED_OK.replace("<mtu>1500</mtu>", "<mtu>jumbo</mtu>"))
put("saved", "saved-mismatched-tag.xml", SAVED_OK.replace("</mtu>", "</mtuu>"))
put("saved", "saved-two-roots.xml", SAVED_OK + SAVED_OK)
put("saved", "saved-unknown-namespace.xml", SAVED_OK.replace("urn:huawei:yang:huawei-ifm", "urn:example:other"))
put("saved", "saved-nul-byte.xml", SAVED_OK.replace("GE0/0/1", "GE0/0\x00/1"))

# twcc-edge's payload file, read by push --payloads (before any device is touched).
PAYLOAD_OK = SAVED_OK
put("payloads", "pl-truncated.xml", PAYLOAD_OK[:70])
put("payloads", "pl-empty.xml", "")
put("payloads", "pl-comment-only.xml", "<!-- nothing -->\n")
put("payloads", "pl-placeholder-unterminated.xml", PAYLOAD_OK.replace("GE0/0/1", "$NST_SECRET{dx-key"))
put("payloads", "pl-placeholder-unknown-secret.xml", PAYLOAD_OK.replace("GE0/0/1", "$NST_SECRET{nosuch}"))
put("payloads", "pl-namespace-lt.xml", PAYLOAD_OK.replace("urn:huawei:yang:huawei-ifm", "urn:a&lt;b"))
put("payloads", "pl-doctype.xml", '<!DOCTYPE config [<!ENTITY a "aaaa">]>\n' + PAYLOAD_OK.replace("GE0/0/1", "&a;"))

def example_cases(example, path=None):
    """A writer of cases that are one shipped example (its opening comment cut) with edits;
    @path (from the top of the tree) instead of examples/EXAMPLE/service.xml."""
    path = path or os.path.join("examples", example, "service.xml")
    text = open(os.path.join(HERE, "..", "..", path)).read()
    text = text[:text.index("<!--")] + text[text.index("-->") + 4:]

    def case(name, *edits):
        s = text
        for old, new in edits:
            if old not in s:
                sys.exit("%s: %r not in %s" % (name, old, path))
            s = s.replace(old, new, 1)
        open(os.path.join(OUT, name + ".xml"), "w").write(s)
    return case

# Multipoint VPNs (issue 14): each case is the enterprise-WAN example with one edit.
wan = example_cases("enterprise-wan")

HUB_SPOKE = ("<topology>full-mesh</topology>", "<topology>hub-and-spoke</topology>")
wan("mp-encap-mismatch", ("<encapsulation><dot1q><vlan>500</vlan></dot1q></encapsulation>",
                          "<encapsulation><untagged/></encapsulation>"))
wan("mp-bundle-cvlans-differ",
    ("<encapsulation><dot1q><vlan>100</vlan></dot1q></encapsulation>",
     '<encapsulation><qinq-bundle><s-tag>100</s-tag><c-vlan>10-20</c-vlan></qinq-bundle></encapsulation>'),
    ("<encapsulation><dot1q><vlan>200</vlan></dot1q></encapsulation>",
     '<encapsulation><qinq-bundle><s-tag>200</s-tag><c-vlan>10-30</c-vlan></qinq-bundle></encapsulation>'))
wan("mp-bundle-sros-list",
    *[("<encapsulation><%s</encapsulation>" % e, "<encapsulation><qinq-bundle><s-tag>%s</s-tag><c-vlan>10-20</c-vlan></qinq-bundle></encapsulation>" % s)
      for e, s in (("dot1q><vlan>100</vlan></dot1q>", "100"), ("dot1q><vlan>200</vlan></dot1q>", "200"),
                   ("qinq><s-tag>300</s-tag><c-tag>100</c-tag></qinq>", "300"),
                   ("dot1q><vlan>400</vlan></dot1q>", "400"), ("dot1q><vlan>500</vlan></dot1q>", "500"))])
wan("mp-port-tpid", ("<mtu>1522</mtu><max-mtu>9212</max-mtu></port>",
                    "<mtu>1522</mtu><max-mtu>9212</max-mtu><tpid>0x9100</tpid></port>"))
wan("mp-tpid-port-conflict",
    ("  <multipoint ", """  <segment><name>factory-lab</name>
    <a><site>taichung</site><node>lab-switch</node></a><b><device>pe-taichung</device><port>1/1/1</port></b></segment>
  <connection><name>lab</name><ip-mtu>1500</ip-mtu><endpoint>taichung</endpoint><endpoint>backbone</endpoint>
    <hop><seq>1</seq><segment>factory-lab</segment><encapsulation><qinq><s-tag>301</s-tag><c-tag>100</c-tag><tpid>0x8100</tpid></qinq></encapsulation></hop>
  </connection>
  <multipoint """))
wan("mp-shared-port-dot1q",
    ("<intercloud xmlns=\"urn:netstitch:yang:intercloud\">",
     "<intercloud xmlns=\"urn:netstitch:yang:intercloud\" xmlns:x=\"urn:netstitch:yang:exchange\">"),
    ("<mtu>1522</mtu><max-mtu>9212</max-mtu></port>",
     "<mtu>1522</mtu><max-mtu>9212</max-mtu><x:shared/><x:encapsulation-mode>dot1q</x:encapsulation-mode></port>"))
wan("mp-pair-mtu", ("<owner>carrier</owner><mtu>1600</mtu>", "<owner>carrier</owner><mtu>1500</mtu>"))
wan("mp-ac-hw-limit", ("<mtu>1514</mtu><max-mtu>9192</max-mtu>", "<mtu>1514</mtu>"))
wan("mp-overlap", ("<prefix>10.50.0.0/16</prefix>", "<prefix>10.10.128.0/17</prefix>"))
wan("mp-transit-overlap", ("<prefix>10.50.0.0/16</prefix>", "<prefix>172.16.0.0/24</prefix>"))
wan("mp-no-core-path", ("<kind>mpls-core</kind>\n    <a><device>pe-kaohsiung</device><port>GigabitEthernet0/1/2</port>",
                        "<kind>ethernet</kind>\n    <a><device>pe-kaohsiung</device><port>GigabitEthernet0/1/2</port>"),
    ("<kind>mpls-core</kind>\n    <a><device>pe-tainan</device><port>Ethernet3</port>",
     "<kind>ethernet</kind>\n    <a><device>pe-tainan</device><port>Ethernet3</port>"))
wan("mp-hub-openconfig", HUB_SPOKE, ("<port>Ethernet1</port>\n", "<port>Ethernet1</port><role>hub</role>\n"))
wan("mp-two-hubs", HUB_SPOKE, ("<port>xe-0/0/0</port>\n", "<port>xe-0/0/0</port><role>hub</role>\n"),
    ("<port>1/1/1</port>\n", "<port>1/1/1</port><role>hub</role>\n"))
wan("mp-no-hub", HUB_SPOKE)
wan("mp-hub-bgp", HUB_SPOKE, ("<port>xe-0/0/0</port>\n", "<port>xe-0/0/0</port><role>hub</role>\n"),
    ("<signalling>ldp</signalling>", "<signalling>bgp</signalling>"),
    ("<vpls-id>4100</vpls-id>", "<vpls-id>4100</vpls-id><route-target>65000:4100</route-target>"))
wan("mp-bgp-no-rt", ("<signalling>ldp</signalling>", "<signalling>bgp</signalling>"))
wan("mp-eos-pe", ("<vendor>openconfig</vendor>", "<vendor>openconfig</vendor><platform>eos</platform>"))
wan("mp-qinq-openconfig", ("<encapsulation><dot1q><vlan>500</vlan></dot1q></encapsulation>",
                           "<encapsulation><qinq><s-tag>500</s-tag><c-tag>100</c-tag></qinq></encapsulation>"))
wan("mp-no-router-id", ("<router-id>192.0.2.2</router-id>", ""))
wan("mp-port-in-use",
    ("  </multipoint>\n", "    <attachment-circuit><name>lab</name><site>hsinchu</site><device>pe-hsinchu</device><port>GigabitEthernet0/0/0/0</port>\n      <encapsulation><dot1q><vlan>200</vlan></dot1q></encapsulation></attachment-circuit>\n  </multipoint>\n"))

# Layer-3 multipoint VPNs (issue 14, kind l3vpn): each case is the Junos-only golden l3vpn
# (tests/compile/multipoint/l3vpn-junos.xml, whose PEs' driver renders VRFs) with one edit.
l3 = example_cases("l3vpn-junos", "tests/compile/multipoint/l3vpn-junos.xml")

L3_LAB = "<pe-address>10.255.20.13/30</pe-address><ce-address>10.255.20.14</ce-address>"
l3("mp-l3-no-asn", ("<asn>64600</asn><router-id>192.0.2.12</router-id>", "<router-id>192.0.2.12</router-id>"))
l3("mp-l3-asn-differs", ("<asn>64600</asn><router-id>192.0.2.13</router-id>", "<asn>64601</asn><router-id>192.0.2.13</router-id>"))
l3("mp-l3-no-router-id", ("<router-id>192.0.2.12</router-id>", ""))
l3("mp-l3-no-route-target", ("<route-target>64600:300</route-target>", ""))
l3("mp-l3-route-target", ("<route-target>64600:300</route-target>", "<route-target>4200000001:70000</route-target>"))
l3("mp-l3-ce-outside", ("<ce-address>10.255.20.6</ce-address>", "<ce-address>10.255.20.3</ce-address>"))
l3("mp-l3-ce-broadcast", ("<ce-address>10.255.20.6</ce-address>", "<ce-address>10.255.20.7</ce-address>"))
l3("mp-l3-pe-network", ("<pe-address>10.255.20.5/30</pe-address>", "<pe-address>10.255.20.4/30</pe-address>"))
l3("mp-l3-ce-asn", ("<ce-asn>65204</ce-asn>", "<ce-asn>64600</ce-asn>"))
l3("mp-l3-ce-asn-shared", ("<ce-asn>65204</ce-asn>", "<ce-asn>65202</ce-asn>"))
l3("mp-l3-bundle", ("<qinq><s-tag>300</s-tag><c-tag>30</c-tag></qinq>",
                    "<qinq-bundle><s-tag>300</s-tag><c-vlan>30-39</c-vlan></qinq-bundle>"))
l3("mp-l3-eos-pe", ("<name>pe-c</name><vendor>junos</vendor>", "<name>pe-c</name><vendor>openconfig</vendor><platform>eos</platform>"))
l3("mp-l3-hub", ("<kind>l3vpn</kind>", "<kind>l3vpn</kind><topology>hub-and-spoke</topology>"))
l3("mp-l3-site-no-prefix", ("<prefix>10.40.0.0/22</prefix>", "<prefix>2001:db8:40::/48</prefix>"))
l3("mp-l3-route-target-shared", ("</intercloud>", """  <multipoint xmlns="urn:netstitch:yang:multipoint">
    <name>lab-vpn</name><kind>l3vpn</kind><ip-mtu>1500</ip-mtu><vpn-id>301</vpn-id>
    <route-target>64600:300</route-target>
    <attachment-circuit><name>plant2</name><site>plant</site><device>pe-a</device><port>ge-0/0/1</port><encapsulation><dot1q><vlan>211</vlan></dot1q></encapsulation><routing><pe-address>10.255.21.1/30</pe-address><ce-address>10.255.21.2</ce-address><ce-asn>65302</ce-asn></routing></attachment-circuit>
    <attachment-circuit><name>lab2</name><site>lab</site><device>pe-c</device><port>ge-0/0/0</port><encapsulation><dot1q><vlan>401</vlan></dot1q></encapsulation><routing><pe-address>10.255.21.5/30</pe-address><ce-address>10.255.21.6</ce-address><ce-asn>65304</ce-asn></routing></attachment-circuit>
  </multipoint>
</intercloud>"""))
l3("mp-l3-max-prefix", ("<max-prefix>50</max-prefix>", "<max-prefix>1</max-prefix>"))
l3("mp-l3-link-overlap", (L3_LAB, "<pe-address>10.30.9.1/30</pe-address><ce-address>10.30.9.2</ce-address>"))
l3("mp-l3-link-twice", (L3_LAB, "<pe-address>10.255.20.5/30</pe-address><ce-address>10.255.20.6</ce-address>"))
l3("mp-l3-pair-mtu", ("<b><device>pe-b</device><port>et-0/0/1</port></b></segment>",
                      "<b><device>pe-b</device><port>et-0/0/1</port></b><owner>backbone</owner><mtu>1507</mtu></segment>"))
l3("mp-l3-no-routing", ("\n      <routing><pe-address>10.255.20.9/30</pe-address><ce-address>10.255.20.10</ce-address><ce-asn>4200000203</ce-asn></routing>", ""))
l3("mp-l3-vpls-id", ("<vpn-id>300</vpn-id>", "<vpn-id>300</vpn-id><vpls-id>300</vpls-id>"))
# IPv6 on a circuit (6VPE): refused on a PE whose driver has no l3vpn_v6 (VRP this round,
# MP-L3-V6-UNSUPPORTED; Junos, IOS-XR, SR OS and OpenConfig render it); the
# link's own rules; a site's IPv6 prefixes on an IPv4-only circuit (warning, exit 0); an
# IPv6 PE-CE link inside another site's IPv6 prefix (IP-OVERLAP).
L3_PLANT = "<ce-address>10.255.20.6</ce-address>"
def l3v6(pe, ce):
    return L3_PLANT + "<pe-ipv6-address>%s</pe-ipv6-address><ce-ipv6-address>%s</ce-ipv6-address>" % (pe, ce)
l3("mp-l3-v6-unsupported", (L3_PLANT, l3v6("2001:db8:ff:20::4/127", "2001:db8:ff:20::5")),
   ("<name>pe-a</name><vendor>junos</vendor>", "<name>pe-a</name><vendor>vrp</vendor>"))
l3("mp-l3-v6-ce-outside", (L3_PLANT, l3v6("2001:db8:ff:20::4/127", "2001:db8:ff:20::6")))
l3("mp-l3-v6-anycast", (L3_PLANT, l3v6("2001:db8:ff:20::1/64", "2001:db8:ff:20::")))
l3("mp-l3-v6-length", (L3_PLANT, l3v6("2001:db8:ff:20::1/120", "2001:db8:ff:20::2")))
l3("mp-l3-v6-no-ce", (L3_PLANT, L3_PLANT + "<pe-ipv6-address>2001:db8:ff:20::4/127</pe-ipv6-address>"))
l3("mp-l3-v6-no-link", ("<prefix>10.11.0.0/16</prefix>", "<prefix>10.11.0.0/16</prefix><prefix>2001:db8:10::/48</prefix>"))
l3("mp-l3-v6-overlap", ("<prefix>10.30.0.0/16</prefix>", "<prefix>10.30.0.0/16</prefix><prefix>2001:db8:30::/48</prefix>"),
   (L3_PLANT, l3v6("2001:db8:30::4/127", "2001:db8:30::5")))

# A second layer-3 VPN with the first one's vpn-id on the SR OS PE: both VPRNs would be
# service 4700 (SR OS numbers every service from one id space); the IOS-XR PE is fine.
sr = example_cases("l3vpn-sros", "tests/compile/multipoint/l3vpn-sros.xml")
sr("mp-l3-service-id", ("  </multipoint>\n</intercloud>", """  </multipoint>
  <multipoint xmlns="urn:netstitch:yang:multipoint"><name>sr-l3b</name><kind>l3vpn</kind><ip-mtu>1500</ip-mtu><vpn-id>4700</vpn-id><route-target>64700:4701</route-target>
    <attachment-circuit><name>lab</name><site>factory</site><device>pe-sr1</device><port>1/1/1</port><encapsulation><qinq><s-tag>301</s-tag><c-tag>100</c-tag></qinq></encapsulation><routing><pe-address>10.255.72.1/30</pe-address><ce-address>10.255.72.2</ce-address><ce-asn>65311</ce-asn></routing></attachment-circuit>
    <attachment-circuit><name>desk</name><site>office</site><device>pe-xr9</device><port>GigabitEthernet0/0/0/0</port><encapsulation><dot1q><vlan>731</vlan></dot1q></encapsulation><routing><pe-address>10.255.72.5/30</pe-address><ce-address>10.255.72.6</ce-address><ce-asn>65313</ce-asn></routing></attachment-circuit>
  </multipoint>
</intercloud>"""))

# A layer-3 VPN named as a connection's VPLS on the same PEs (the Junos feature service).
jf = example_cases("junos-features", "tests/compile/junos/junos-features.xml")
JF_PORT = "<port><name>ge-0/0/9</name><bandwidth>1000000</bandwidth><mtu>1518</mtu><max-mtu>9192</max-mtu></port>"
jf("mp-l3-name-in-use",
   ("<router-id>10.255.9.1</router-id>", "<router-id>10.255.9.1</router-id>" + JF_PORT),
   ("<router-id>10.255.9.2</router-id>", "<asn>65100</asn><router-id>10.255.9.2</router-id>" + JF_PORT),
   ("</intercloud>", """  <multipoint xmlns="urn:netstitch:yang:multipoint"><name>ic-ldp</name><kind>l3vpn</kind><ip-mtu>1500</ip-mtu><vpn-id>900</vpn-id><route-target>65100:900</route-target>
    <attachment-circuit><name>x</name><site>campus</site><device>pe1</device><port>ge-0/0/9</port><encapsulation><dot1q><vlan>900</vlan></dot1q></encapsulation><routing><pe-address>10.254.90.1/30</pe-address><ce-address>10.254.90.2</ce-address><ce-asn>65010</ce-asn></routing></attachment-circuit>
    <attachment-circuit><name>y</name><site>dc</site><device>pe2</device><port>ge-0/0/9</port><encapsulation><dot1q><vlan>900</vlan></dot1q></encapsulation><routing><pe-address>10.254.90.5/30</pe-address><ce-address>10.254.90.6</ce-address><ce-asn>65030</ce-asn></routing></attachment-circuit>
  </multipoint>
</intercloud>"""))

print("cases written to", OUT, "and", ", ".join(["inventory", "templates", "saved", "payloads"]))

# The two ends of one session and their keys: each case is the TWCC-CCX-AWS example with
# one edit (twcc-to-ccx on twcc-edge, ccx-to-twcc on ccx-transit).
twcc = example_cases("twcc-ccx-aws")

twcc("bgp-key-one-sided", ("<auth-key-ref>bgp-twcc-ccx</auth-key-ref>\n    </bgp-session>\n    <bgp-session>\n      <name>ccx-to-twcc</name>",
                           "</bgp-session>\n    <bgp-session>\n      <name>ccx-to-twcc</name>"))
twcc("bgp-key-ref-differs", ("<auth-key-ref>bgp-twcc-ccx</auth-key-ref>", "<auth-key-ref>bgp-twcc</auth-key-ref>"))
