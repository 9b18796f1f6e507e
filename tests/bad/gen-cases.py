#!/usr/bin/python3
"""Regenerate the bad-input catalogue from base.xml.

Each case is base.xml (or its JSON form) with one edit that breaks exactly one
thing. The generated files are committed; the expected diagnostics live in
cases/<name>.expect (one line per diagnostic: severity code line path) and are
written by hand-checked runs, never by this script.
Usage: tests/bad/gen-cases.py   (from the top of the tree; needs yanglint)
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
# --- semantic: path, VLAN, stitch, VPLS ---
xml("path-discontinuous", ("<a><device>r2</device><port>Gi0/0/0/1</port></a>", "<a><site>campus</site></a>"))
xml("path-segment-twice", ("<segment>dx</segment>", "<segment>s1</segment>"))
xml("vlan-stitch-missing", ("<kind>route</kind>\n", "<kind>route</kind>\n".replace("route", "route")), ("<device>r2</device>\n      <from-hop>1</from-hop>", "<device>r1</device>\n      <from-hop>1</from-hop>"))
xml("vlan-stitch-noop", ("<kind>route</kind>", "<kind>rewrite</kind>"), ("<vlan>300</vlan>", "<vlan>300</vlan>"), ("<encapsulation><qinq><s-tag>100</s-tag><c-tag>200</c-tag></qinq></encapsulation>", "<encapsulation><dot1q><vlan>300</vlan></dot1q></encapsulation>"))
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
xml("bw-insufficient", ("<ip-mtu>1500</ip-mtu>", "<ip-mtu>1500</ip-mtu>\n    <bandwidth>100000</bandwidth>"))
print("cases written to", OUT)
