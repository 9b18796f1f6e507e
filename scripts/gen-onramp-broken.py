#!/usr/bin/python3
"""Regenerate the broken variants of the on-ramp examples (issue 14) from their services.

Each variant is the example with one edit that breaks exactly one cloud rule; the code each
must report is listed in tests/cli/t_onramp_examples.sh. Run from the top of the tree.
"""
import os

def variant(src, dst, edits, note):
    s = open(src).read()
    for old, new in edits:
        if old not in s:
            raise SystemExit("%s: %r not in %s" % (dst, old, src))
        s = s.replace(old, new, 1)
    s = s.replace("<!--\n", "<!--\n  BROKEN VARIANT: " + note + "\n\n", 1)
    open(dst, "w").write(s)

def drop_connection(src, dst, name, note, ungroup=False):
    s = open(src).read()
    i = s.index("  <connection>\n    <name>%s</name>" % name)
    j = s.index("  </connection>\n", i) + len("  </connection>\n")
    s = s[:i] + s[j:]
    if ungroup:  # the remaining leg is no longer part of a redundant group
        i = s.index("    <nsr:redundancy>")
        j = s.index("    </nsr:redundancy>\n", i) + len("    </nsr:redundancy>\n")
        s = s[:i] + s[j:]
    s = s.replace("<!--\n", "<!--\n  BROKEN VARIANT: " + note + "\n\n", 1)
    open(dst, "w").write(s)

AZ = "examples/azure-expressroute/service.xml"
B = "examples/azure-expressroute/broken/"
os.makedirs(B, exist_ok=True)
variant(AZ, B + "er-customer-asn-reserved.xml",
        [("    <asn>65010</asn>\n    <router-id>", "    <asn>65515</asn>\n    <router-id>")],
        "campus-edge uses AS65515, which ExpressRoute reserves (ONRAMP-CUSTOMER-ASN).")
variant(AZ, B + "er-subnet-29.xml",
        [("<link-subnet>10.50.0.4/30</link-subnet>", "<link-subnet>10.50.0.0/29</link-subnet>"),
         ("<local-address>10.50.0.5</local-address>", "<local-address>10.50.0.3</local-address>"),
         ("<peer-address>10.50.0.6</peer-address>", "<peer-address>10.50.0.4</peer-address>")],
        "the secondary leg peers on the whole /29 instead of its /30 (ONRAMP-SUBNET-SIZE).")
variant(AZ, B + "er-addresses-swapped.xml",
        [("<local-address>10.50.0.1</local-address>", "<local-address>10.50.0.2</local-address>"),
         ("<peer-address>10.50.0.2</peer-address>", "<peer-address>10.50.0.1</peer-address>")],
        "the primary leg takes Microsoft's (second) address of the /30 (ONRAMP-ADDRESS).")
drop_connection(AZ, B + "er-one-leg.xml", "er-secondary",
                "only the primary leg; the SLA needs both BGP sessions (ONRAMP-LEGS).")
variant(AZ, B + "er-mtu-9000.xml", [("<ip-mtu>1500</ip-mtu>", "<ip-mtu>9000</ip-mtu>")],
        "the primary leg asks for IP MTU 9000; the ExpressRoute interface MTU is 1500 (ONRAMP-MTU).")
variant(AZ, B + "er-same-edge.xml",
        [("<nso:edge-domain>secondary</nso:edge-domain>", "<nso:edge-domain>primary</nso:edge-domain>")],
        "both legs land on the primary MSEE (ONRAMP-EDGE-DOMAIN).")
variant(AZ, B + "er-shared-port-mtu.xml",
        [("      <mtu>9212</mtu>\n      <tpid>0x88a8</tpid>", "      <mtu>1514</mtu>\n      <tpid>0x88a8</tpid>")],
        "the exchange's shared NNI toward Microsoft has MTU 1514, too small for QinQ at IP 1500, "
        "and netstitch may not raise it (SHARED-PORT-MTU).")
variant(AZ, B + "er-two-primaries.xml",
        [("<nsr:role>secondary</nsr:role>", "<nsr:role>primary</nsr:role>")],
        "both legs say they are the primary (REDUNDANCY-ROLES).")

G = "examples/gcp-interconnect/service.xml"
B = "examples/gcp-interconnect/broken/"
os.makedirs(B, exist_ok=True)
variant(G, B + "gcp-not-link-local.xml",
        [("<link-subnet>169.254.62.0/29</link-subnet>", "<link-subnet>10.254.62.0/29</link-subnet>"),
         ("<local-address>169.254.62.2</local-address>", "<local-address>10.254.62.2</local-address>"),
         ("<peer-address>169.254.62.1</peer-address>", "<peer-address>10.254.62.1</peer-address>")],
        "attachment ia-2 peers on 10.254.62.0/29, not a link-local 169.254.0.0/16 subnet "
        "(ONRAMP-SUBNET-RANGE).")
variant(G, B + "gcp-mtu-1400.xml", [("<ip-mtu>1440</ip-mtu>", "<ip-mtu>1400</ip-mtu>")],
        "attachment ia-1 at IP MTU 1400, which a VLAN attachment does not offer (ONRAMP-MTU).")
variant(G, B + "gcp-same-edge-domain.xml",
        [("<nso:edge-domain>availability-domain-2</nso:edge-domain>",
          "<nso:edge-domain>availability-domain-1</nso:edge-domain>")],
        "both attachments in edge availability domain 1 (ONRAMP-EDGE-DOMAIN).")
variant(G, B + "gcp-partner-asn.xml",
        [("<kind>gcp</kind>", "<kind>gcp</kind>\n    <nso:onramp>gcp-partner-interconnect</nso:onramp>")],
        "named a Partner Interconnect, whose Cloud Router must be AS16550, not AS64514 "
        "(ONRAMP-PROVIDER-ASN).")
drop_connection(G, B + "gcp-one-attachment.xml", "gcp-ia-2",
                "one attachment only; Google's redundancy (and SLA) needs two, in different edge "
                "availability domains: a warning, Google does not refuse one (ONRAMP-LEGS-ADVISED).",
                ungroup=True)
variant(G, B + "gcp-customer-asn-16550.xml",
        [("    <asn>65020</asn>\n    <router-id>", "    <asn>16550</asn>\n    <router-id>")],
        "dc-edge uses Google's AS16550 (ONRAMP-CUSTOMER-ASN).")
