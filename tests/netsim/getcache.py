"""netsim keeps the reply of a filtered <get-config> of running or startup for the same filter
while the datastore is unchanged (rpc.c, rpc_filtered_reply). A kept reply must never
outlive a change: every way running or startup changes is made between two identical
filtered <get-config>s, and the second must show the change.

Each step first asks the same filter twice (the second answer is the kept one, so it must
equal the first), then changes the datastore, then asks again."""
import re

from nslib import NC, NSA, NSB, Closed, Device, Lab, check, edit, getcfg, main, ok, rpc, wait_for


def ifc(mtu, desc="core", name="ge-0/0/1"):
    return ('<interfaces xmlns="%s"><interface><name>%s</name><description>%s</description>'
            '<mtu>%d</mtu></interface></interfaces>') % (NSA, name, desc, mtu)


START = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><description>core</description>'
         '<mtu>1500</mtu></interface><interface><name>ge-0/0/2</name><description>edge'
         '</description><mtu>1400</mtu></interface></interfaces>') % NSA

# The filters asked in every step: a subtree filter naming one list instance (the live diff's
# shape), a containment filter with a content match, and an XPath filter.
SUBTREE = ('subtree', '<interfaces xmlns="%s"><interface><name>ge-0/0/1</name></interface>'
           '</interfaces>' % NSA)
MATCH = ('subtree', '<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu/>'
         '</interface></interfaces>' % NSA)
XPATH = ('xpath', "/ta:interfaces/ta:interface[ta:name='ge-0/0/1']/ta:mtu")


def mtu_of(xml):
    m = re.search(r"<mtu>(\d+)</mtu>", xml)
    return int(m.group(1)) if m else None


def ask(m, source, flt):
    if flt[0] == "xpath":
        # ncclient sends the select with the prefix it is given; declare ta on the filter.
        r = rpc(m, '<get-config xmlns="%s"><source><%s/></source><filter type="xpath" '
                'xmlns:ta="%s" select="%s"/></get-config>' % (NC, source, NSA, flt[1]))
        ok(r, "xpath get-config " + source)
        d = re.search(r"<(\w+:)?data\b.*?(/>|</(\w+:)?data>)", r.xml, re.S)
        check(d, "xpath get-config: no <data> in %s" % r.xml)
        return d.group(0)
    return getcfg(m, source, flt)


def filters(xpath):
    return [SUBTREE, MATCH] + ([XPATH] if xpath else [])


def prime(m, source, want, xpath=True, what=""):
    """Ask every filter twice; both answers must show mtu @want (None: no ge-0/0/1)."""
    for flt in filters(xpath):
        a = ask(m, source, flt)
        b = ask(m, source, flt)
        check(a == b, "%s: the same filtered get-config twice differs:\n%s\n%s" % (what, a, b))
        check(mtu_of(a) == want, "%s (%s filter): mtu %s, want %s: %s" % (
            what, flt[0], mtu_of(a), want, a))


def after(m, source, want, what, xpath=True):
    """After a change: every filter shows mtu @want."""
    for flt in filters(xpath):
        got = mtu_of(ask(m, source, flt))
        check(got == want, "%s: %s filter of %s still says mtu %s, want %s (stale reply)" % (
            what, flt[0], source, got, want))


def commit_xml(body=""):
    return '<commit xmlns="%s">%s</commit>' % (NC, body)


def test():
    devs = [Device("g", startup=START),
            # writable-running without candidate: edits go straight to running
            Device("w", startup=START, extra="candidate = no\nxpath = no"),
            Device("j", profile="junos", startup=START)]
    with Lab(devs) as lab:
        a = lab.connect("g")

        # edit-config of the candidate, then <commit>
        prime(a, "running", 1500, what="g start")
        ok(edit(a, ifc(1600)), "edit candidate")
        after(a, "running", 1500, "edit of the candidate before commit")
        ok(a.commit(), "commit")
        after(a, "running", 1600, "commit")

        # edit-config of running (writable-running, the candidate follows)
        prime(a, "running", 1600, what="before edit of running")
        ok(edit(a, ifc(1700), target="running"), "edit running")
        after(a, "running", 1700, "edit-config of running")

        # copy-config of an inline config to running, and of the candidate to running
        prime(a, "running", 1700, what="before copy-config")
        ok(rpc(a, '<copy-config xmlns="%s"><target><running/></target><source><config>%s'
               '</config></source></copy-config>' % (NC, ifc(1800))), "copy-config inline")
        after(a, "running", 1800, "copy-config <config> to running")
        ok(edit(a, ifc(1900)), "edit candidate for copy")
        prime(a, "running", 1800, what="before copy-config candidate")
        ok(rpc(a, '<copy-config xmlns="%s"><target><running/></target><source><candidate/>'
               '</source></copy-config>' % NC), "copy-config candidate")
        after(a, "running", 1900, "copy-config candidate to running")
        ok(a.discard_changes(), "discard")

        # confirmed commit, then each way it rolls back: cancel-commit, timeout, session end,
        # kill-session
        ok(edit(a, ifc(2000)), "edit for confirmed commit")
        prime(a, "running", 1900, what="before confirmed commit")
        ok(a.commit(confirmed=True, timeout="60"), "confirmed commit")
        after(a, "running", 2000, "confirmed commit")
        prime(a, "running", 2000, what="before cancel-commit")
        ok(rpc(a, '<cancel-commit xmlns="%s"/>' % NC), "cancel-commit")
        after(a, "running", 1900, "cancel-commit rollback")

        ok(edit(a, ifc(2100)), "edit for timeout")
        ok(a.commit(confirmed=True, timeout="1"), "confirmed commit 1 s")
        prime(a, "running", 2100, what="before timeout")
        wait_for(lambda: "reason=timeout" in lab.log("g"), 5, "confirmed-commit timeout")
        after(a, "running", 1900, "confirmed-commit timeout rollback")

        b = lab.connect("g")
        ok(edit(b, ifc(2200)), "edit by b")
        ok(b.commit(confirmed=True, timeout="60"), "confirmed commit by b")
        prime(a, "running", 2200, what="before b ends")
        b.close_session()
        lab.sessions.remove(b)
        wait_for(lambda: "reason=session-" in lab.log("g"), 5, "rollback at session end")
        after(a, "running", 1900, "rollback at the session's end")

        c = lab.connect("g")
        ok(edit(c, ifc(2300)), "edit by c")
        ok(c.commit(confirmed=True, timeout="60"), "confirmed commit by c")
        prime(a, "running", 2300, what="before kill-session")
        ok(rpc(a, '<kill-session xmlns="%s"><session-id>%s</session-id></kill-session>'
               % (NC, c.session_id)), "kill-session")
        after(a, "running", 1900, "rollback by kill-session")
        lab.sessions.remove(c)

        # a drop-session fault that processes the edit and drops the reply still changed
        # running
        prime(a, "running", 1900, what="before the dropped edit")
        d = lab.connect("g")
        lab.set_faults("g", "drop-session edit-config 1 after\n")
        try:
            edit(d, ifc(2400), target="running")
        except Closed:
            pass
        lab.sessions.remove(d)
        lab.clear_faults("g")
        after(a, "running", 2400, "edit-config dropped after processing")

        # startup: copy-config of running and of a <config> to startup, delete-config
        prime(a, "startup", 1500, what="startup")
        ok(rpc(a, '<copy-config xmlns="%s"><target><startup/></target><source><running/>'
               '</source></copy-config>' % NC), "copy running to startup")
        after(a, "startup", 2400, "copy-config running to startup")
        prime(a, "startup", 2400, what="before copy-config to startup")
        ok(rpc(a, '<copy-config xmlns="%s"><target><startup/></target><source><config>%s'
               '</config></source></copy-config>' % (NC, ifc(2500))), "copy-config to startup")
        after(a, "startup", 2500, "copy-config <config> to startup")
        prime(a, "startup", 2500, what="before delete-config")
        ok(rpc(a, '<delete-config xmlns="%s"><target><startup/></target></delete-config>' % NC),
           "delete startup")
        after(a, "startup", None, "delete-config of startup")
        # running was not touched by any of it, and its kept replies still answer
        after(a, "running", 2400, "running after the startup changes")

        # a device without a candidate: edit-config and copy-config of running
        w = lab.connect("w")
        prime(w, "running", 1500, xpath=False, what="w start")
        ok(edit(w, ifc(1600), target="running"), "w edit running")
        after(w, "running", 1600, "edit-config of running without a candidate", xpath=False)
        prime(w, "running", 1600, xpath=False, what="w before copy")
        ok(rpc(w, '<copy-config xmlns="%s"><target><running/></target><source><config>%s'
               '</config></source></copy-config>' % (NC, START.replace("1500", "1700"))),
           "w copy-config")
        after(w, "running", 1700, "copy-config without a candidate", xpath=False)

        # more distinct filters than the device keeps: every answer stays right
        for i in range(8):
            flt = ('subtree', '<interfaces xmlns="%s"><interface><name>ge-0/0/%d</name>'
                   '</interface></interfaces>' % (NSA, i))
            got = getcfg(w, "running", flt)
            want = {1: 1700, 2: 1400}.get(i)
            check(mtu_of(got) == want, "filter %d of many: mtu %s, want %s" % (i, mtu_of(got),
                                                                                want))
        after(w, "running", 1700, "after many filters", xpath=False)
        # filters alike but for their namespace, or for blanks around a key's value: each
        # gets its own answer (the key is every element's namespace, name and raw text)
        other = getcfg(w, "running", ('subtree', SUBTREE[1].replace(NSA, NSB)))
        check(mtu_of(other) is None, "a filter in another namespace selected %s" % other)
        blank = getcfg(w, "running", ('subtree', SUBTREE[1].replace(
            "<name>ge-0/0/1</name>", "<name> ge-0/0/1 </name>")))
        check(mtu_of(blank) == 1700, "a key value with blanks: %s" % blank)
        after(w, "running", 1700, "after alike filters", xpath=False)

        # Junos (confirmed-commit 1.0): a confirmed commit confirmed by a plain commit
        j = lab.connect("j")
        prime(j, "running", 1500, xpath=False, what="j start")
        ok(edit(j, ifc(1600)), "j edit")
        ok(j.commit(confirmed=True, timeout="60"), "j confirmed commit")
        after(j, "running", 1600, "junos confirmed commit", xpath=False)
        ok(j.commit(), "j confirming commit")
        after(j, "running", 1600, "junos confirming commit", xpath=False)
        ok(edit(j, ifc(1700)), "j edit 2")
        prime(j, "running", 1600, xpath=False, what="j before commit 2")
        ok(j.commit(), "j commit")
        after(j, "running", 1700, "junos commit", xpath=False)


if __name__ == "__main__":
    main(test)
