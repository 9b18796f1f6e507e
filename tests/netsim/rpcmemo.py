"""netsim parses an RPC whose text it has seen twice before (apart from the message-id) by
copying the trees it kept (rpcmemo.c), and prints it for rpc-xml.log once. Every request
must still be answered as if parsed: with its own message-id, acting on the datastores as
they are now, and logged in full with its secrets redacted.

Each request below is sent at least four times with the same text (ncclient gives each its
own urn:uuid message-id), so the third and later answers come from kept copies; between
the repeats other requests change what the repeated ones see or do."""
import re

from nslib import NC, NSA, Device, Lab, check, edit, err, getcfg, main, ok, rpc

START = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><description>core</description>'
         '<mtu>1500</mtu></interface></interfaces>') % NSA
FLT = ('subtree', '<interfaces xmlns="%s"><interface><name>ge-0/0/1</name></interface>'
       '</interfaces>' % NSA)


def ifc(mtu):
    return ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>%d</mtu></interface>'
            '</interfaces>') % (NSA, mtu)


def mtu_of(xml):
    m = re.search(r"<mtu>(\d+)</mtu>", xml)
    return int(m.group(1)) if m else None


def msgid(reply):
    m = re.search(r'<(?:\w+:)?rpc-reply\b[^>]*\bmessage-id="([^"]*)"', reply.xml)
    return m.group(1) if m else None


def test():
    with Lab([Device("g", startup=START)]) as lab:
        a = lab.connect("g")

        # The same filtered get-config: each answer carries its request's message-id
        # (ncclient matches them; a wrong one would leave it waiting) and today's value.
        ids = set()
        for i in range(5):
            r = a.get_config("running", filter=FLT)
            ok(r, "get-config %d" % i)
            ids.add(msgid(r))
            check(mtu_of(r.data_xml) == 1500, "get-config %d: %s" % (i, r.data_xml))
        check(len(ids) == 5 and None not in ids, "message-ids of 5 replies: %s" % ids)

        # The same edit-config text again and again, with other edits between: each one is
        # applied (a kept copy must not stand for another text, nor skip the work).
        for i in range(4):
            ok(edit(a, ifc(1600)), "edit 1600 #%d" % i)
            check(mtu_of(getcfg(a, "candidate", FLT)) == 1600, "edit 1600 #%d not applied" % i)
            ok(edit(a, ifc(1700)), "edit 1700 #%d" % i)
            check(mtu_of(getcfg(a, "candidate", FLT)) == 1700, "edit 1700 #%d not applied" % i)
        ok(a.discard_changes(), "discard")

        # The same create again: the first succeeds, every later one is data-exists.
        create = ('<interfaces xmlns="%s"><interface nc:operation="create"><name>ge-0/0/9'
                  '</name></interface></interfaces>') % NSA
        ok(edit(a, create), "create #0")
        for i in range(1, 4):
            err(edit(a, create), "data-exists", "create #%d" % i)
        ok(a.discard_changes(), "discard after create")

        # A request that does not parse is never kept: the same answer every time.
        bad = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>huge</mtu>'
               '</interface></interfaces>') % NSA
        for i in range(4):
            err(edit(a, bad), "invalid-value", "bad mtu #%d" % i)

        # The same commit confirmation pattern, and get-config of running between commits.
        for i, mtu in enumerate((1800, 1900, 1800, 1900)):
            ok(edit(a, ifc(mtu)), "edit %d" % mtu)
            ok(rpc(a, '<commit xmlns="%s"/>' % NC), "commit #%d" % i)
            got = mtu_of(getcfg(a, "running", FLT))
            check(got == mtu, "running after commit #%d: mtu %s, want %d" % (i, got, mtu))

        # A secret in a repeated request is redacted in every log entry, and every entry of
        # the same request is the same text.
        sec = ('<system xmlns="%s"><authentication-key>s3cr3t-value</authentication-key>'
               '</system>') % NSA
        for i in range(4):
            ok(edit(a, sec), "edit with a secret #%d" % i)
        ok(a.discard_changes(), "discard after the secret")
        xl = open(lab.path("g", "rpc-xml.log")).read()
        check("s3cr3t-value" not in xl, "a secret in rpc-xml.log")
        bodies = {}
        for head, body in re.findall(r"^### [^\n]* rpc #\d+ (\S+)\n(.*?)(?=^### |\Z)", xl,
                                     re.S | re.M):
            bodies.setdefault(head, []).append(body)
        keyed = [b for b in bodies.get("edit-config", []) if "authentication-key" in b]
        check(len(keyed) == 4 and len(set(keyed)) == 1 and "***" in keyed[0],
              "rpc-xml.log entries of the repeated edit with a secret: %s" % keyed)
        gets = [b for b in bodies.get("get-config", []) if "<running/>" in b]
        check(len(gets) >= 9 and all("<name>ge-0/0/1</name>" in b for b in gets),
              "rpc-xml.log entries of the repeated get-config: %s" % gets[:2])


if __name__ == "__main__":
    main(test)
