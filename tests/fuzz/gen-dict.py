#!/usr/bin/python3
"""Regenerate the libFuzzer dictionaries in tests/fuzz/dict/ (run from the top of the tree).

Each dictionary is the XML/JSON syntax a parser must survive (declarations, comments,
CDATA, entities, character references, namespace declarations), the NETCONF and YANG
tokens of its input, and every schema node name and enum of the YANG models behind it,
as element tags ("<name>", "</name>") or JSON members ("\"module:name\":").
"""
import glob, os, re

OUT = "tests/fuzz/dict"

XML = ['<?xml version="1.0" encoding="UTF-8"?>', '<!--', '-->', '<![CDATA[', ']]>',
       '<!DOCTYPE x [', '<!ENTITY a "aaaaaaaaaa">', '<!ENTITY b "&a;&a;&a;&a;&a;&a;">', '&a;',
       '&b;', ']>', '<!ENTITY e SYSTEM "file:///etc/passwd">', '&e;', '&amp;', '&lt;', '&gt;',
       '&quot;', '&apos;', '&#0;', '&#x1;', '&#xD800;', '&#x10FFFF;', '&#65;', ' xmlns="',
       ' xmlns:a="', 'xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"', '"/>', '/>', '</',
       '<?', '?>', '\\x00', '\\xff\\xfe', '\\xef\\xbb\\xbf', '\\xc3\\xa9', '\\xf0\\x9f\\x92\\xa9',
       '\\xed\\xa0\\x80', 'a:', '=', '"', "'", '\\x0a', '\\x09', '\\x0d']
JSON = ['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '[null]', '""', '-0',
        '1e999', '0x10', '18446744073709551616', '-9223372036854775809', '"\\u0000"',
        '"\\ud800"', '"@"', '"@name":', '\\x00']
NETCONF = ['urn:ietf:params:xml:ns:netconf:base:1.0', 'nc:operation="', 'operation="merge"',
           'operation="replace"', 'operation="create"', 'operation="delete"',
           'operation="remove"', '<rpc-reply message-id="1" ', '<rpc-reply', '</rpc-reply>',
           '<ok/>', '<data>', '</data>', '<data/>', '<rpc-error>', '</rpc-error>',
           '<error-type>', '<error-tag>', '<error-severity>', '<error-app-tag>',
           '<error-path>', '<error-message>', '<error-message xml:lang="en">', '<error-info>',
           '<session-id>', '<bad-element>', '<bad-attribute>', '<bad-namespace>', 'application',
           'protocol', 'rpc', 'transport', 'error', 'warning', 'lock-denied', 'in-use',
           'invalid-value', 'operation-failed', 'data-missing', 'data-exists',
           'missing-element', 'unknown-element', 'malformed-message', ' message-id="',
           'urn:ietf:params:xml:ns:yang:1', 'yang:insert="first"', 'yang:key="',
           '<default-operation>', '<error-option>', '<test-option>', 'rollback-on-error']
XPATH = ['{', '}', '{/}', '{.}', '{..}', '{@name}', '{//*}', '{count(//*)}', '{$x}', '{$}',
         '{concat(', '{string(', '{substring(', '{translate(', '{normalize-space(', '{name()}',
         '{position()}', '{last()}', '{not(', '{boolean(', '{number(', '{sum(', '{id(',
         '{document(', '{1 div 0}', '{-1 mod 0}', '{"}', "{'}", '[1]', '[@', '|', '::',
         'ancestor::', 'following-sibling::', 'preceding::', 'namespace::', 'node()', 'text()',
         '<?foreach {', '<?if {', '<?elif {', '<?else?>', '<?end?>', '<?set x=', '<?set x={',
         '<?include ', '<?include main?>', '<?include inc?>', '<template>', '</template>',
         '<cli>', '</cli>', '<line>', '</line>', '$NST_SECRET{', 'device', 'port', 'subif',
         'match', 'rewrite', 'ipv4', 'l2-stitch', 'vpls', 'neighbor', 'bgp', 'peer', 'ac',
         'policy', 'description', 'tags', 'outer', 'inner', 'tpid', 'pop', 'mtu', 'asn',
         'address', 'prefix-length', 'connection', 'signalling', 'vpls-id', 'route-target',
         'auth-key-ref', 'router-id', 'vendor', 'driver', 'role', 'name', 'id', 'kind']
SECRET = ['$NST_SECRET{', '$NST_SECRET{k0}', '$NST_SECRET{k1}', '$NST_SECRET{bgp-twcc-ccx}',
          's3cr&t<"key">', 's3cr&amp;t&lt;&quot;key&quot;&gt;', 's3cr', 'x}y\'z', 'x}y&apos;z',
          '=====', '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">', '</config>',
          '<config/>', 'authentication-key']
INVENTORY_SRC = ['env:', 'file:', 'file:/etc/shadow', 'env:HOME', 'SHA256:', '[::1]',
                 '127.0.0.1', '0.0.0.0', 'localhost', '65535', '65536', '0', '4294967296']


def yang_names(paths):
    names, enums = set(), set()
    for p in paths:
        text = open(p, encoding="utf-8", errors="replace").read()
        for kw, name in re.findall(
                r'\b(container|leaf|leaf-list|list|choice|case|anydata|anyxml|rpc|input|output)'
                r'\s+"?([A-Za-z_][A-Za-z0-9_.-]*)', text):
            names.add(name)
        enums.update(re.findall(r'\benum\s+"?([A-Za-z0-9_.:-]+)', text))
        m = re.search(r'\bnamespace\s+"([^"]+)"', text)
        if m:
            names.add("xmlns=\"%s\"" % m.group(1))
        m = re.search(r'^\s*module\s+([A-Za-z0-9_.-]+)', text, re.M)
        if m:
            enums.add(m.group(1))
    return sorted(names), sorted(enums)


def xml_tokens(names, enums):
    out = []
    for n in names:
        if n.startswith("xmlns="):
            out.append(" " + n)
        else:
            out += ["<%s>" % n, "</%s>" % n]
    return out + enums


def json_tokens(names, enums, module):
    out = []
    for n in names:
        if not n.startswith("xmlns="):
            out += ['"%s":' % n, '"%s:%s":' % (module, n)]
    return out + ['"%s"' % e for e in enums]


def write(name, tokens):
    seen, lines = set(), []
    for t in tokens:
        if t in seen:
            continue
        seen.add(t)
        esc = t.replace("\\", "\\\\").replace('"', '\\"')
        # Keep the \xNN escapes written above as escapes.
        esc = re.sub(r'\\\\x([0-9a-f]{2})', r'\\x\1', esc)
        lines.append('"%s"' % esc)
    with open(os.path.join(OUT, name), "w") as f:
        f.write("# generated by tests/fuzz/gen-dict.py; do not edit\n")
        f.write("\n".join(lines) + "\n")


os.makedirs(OUT, exist_ok=True)
svc = yang_names(["yang/netstitch-intercloud.yang"])
inv = yang_names(["yang/netstitch-inventory.yang"])
dev = yang_names(sorted(glob.glob("yang/devices/*/*.yang")))
sim = yang_names(sorted(glob.glob("tests/netsim/models/*/*.yang")) +
                 sorted(glob.glob("yang/devices/junos/*.yang")))
write("service-xml.dict", XML + xml_tokens(*svc))
write("service-json.dict", JSON + json_tokens(svc[0], svc[1], "netstitch-intercloud"))
write("inventory.dict", XML + JSON + INVENTORY_SRC + xml_tokens(*inv) +
      json_tokens(inv[0], inv[1], "netstitch-inventory"))
write("template.dict", XML + XPATH + xml_tokens(*dev)[:4000])
write("payload.dict", XML + SECRET + xml_tokens(*dev))
write("netsim-edit.dict", XML + NETCONF + xml_tokens(*sim))
write("reply.dict", XML + NETCONF + xml_tokens(*sim))
