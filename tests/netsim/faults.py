"""netsim fault injection: reject-edit, reject-commit (always / only for a path), drop-session
(before/after, nth RPC, confirming commit), delays, faults from the config file, isolation of
a slow device, and the RPC log."""
import re
import threading
import time

from nslib import (NC, NSA, Closed, Device, Lab, check, edit, err, getcfg, main, ok, rpc)

START = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>1500</mtu></interface>'
         '<interface><name>ge-0/0/2</name><mtu>1500</mtu></interface></interfaces>') % NSA


def mtu(name, v):
    return ('<interfaces xmlns="%s"><interface><name>%s</name><mtu>%d</mtu></interface>'
            '</interfaces>' % (NSA, name, v))


def running_mtu(lab, dev, name):
    x = re.search(r"<name>%s</name>\s*<mtu>(\d+)</mtu>" % re.escape(name), lab.running_xml(dev))
    return int(x.group(1)) if x else None


def dropped(fn, what):
    """fn() must fail because the device dropped the session."""
    t0 = time.time()
    try:
        r = fn()
    except Closed:
        return time.time() - t0
    except Exception as e:  # ncclient wraps some closes differently
        if "close" in str(e).lower() or "not connected" in str(e).lower():
            return time.time() - t0
        raise
    check(False, "%s: expected the session to be dropped, got reply %s" % (what, getattr(r, "xml", r)))


def timed(fn):
    t0 = time.time()
    r = fn()
    return r, time.time() - t0


def test():
    devs = [Device("r1", startup=START),
            Device("r2", startup=START, extra="fault = reject-commit"),
            Device("r3", startup=START)]
    with Lab(devs) as lab:
        m = lab.connect("r1")

        # reject-edit: only edits touching the path; error names the node
        lab.set_faults("r1", "# poison ge-0/0/2's mtu\n"
                       "reject-edit /netsim-test-a:interfaces/interface[name='ge-0/0/2']/mtu\n")
        e = err(edit(m, mtu("ge-0/0/2", 9000)), "operation-failed", "reject-edit",
                app_tag="fault-injected", msg_part="edit rejected by fault injection")
        check("ge-0/0/2" in (e[2] or ""), "error-path names the node: %s" % (e,))
        check("9000" not in getcfg(m, "candidate"), "rejected edit not applied")
        ok(edit(m, mtu("ge-0/0/1", 9000)), "other path unaffected")
        lab.clear_faults("r1")
        ok(edit(m, mtu("ge-0/0/2", 9000)), "accepted once the fault is removed")
        check("event=fault kind=reject-edit" in lab.log("r1"), "fault logged")

        # reject-commit only when the candidate touches a path
        lab.set_faults("r1", "reject-commit /netsim-test-a:interfaces/interface[name='ge-0/0/2']\n")
        err(m.commit(), "operation-failed", "reject-commit on path", app_tag="fault-injected",
            msg_part="commit rejected by fault injection")
        check(running_mtu(lab, "r1", "ge-0/0/2") == 1500, "not committed")
        ok(m.discard_changes(), "discard")
        ok(edit(m, mtu("ge-0/0/1", 1600)), "edit elsewhere")
        ok(m.commit(), "commit not touching the path passes")
        check(running_mtu(lab, "r1", "ge-0/0/1") == 1600, "committed")

        # unconditional reject-commit, set in the config file (r2)
        r2 = lab.connect("r2")
        ok(edit(r2, mtu("ge-0/0/1", 1700)), "r2 edit")
        err(r2.commit(), "operation-failed", "config-file reject-commit", app_tag="fault-injected")
        lab.clear_faults("r2")
        ok(r2.commit(), "r2 commit after clearing")
        check(running_mtu(lab, "r2", "ge-0/0/1") == 1700, "r2 committed")

        # drop-session on the 2nd edit-config, before processing
        lab.set_faults("r1", "drop-session edit-config 2\n")
        d = lab.connect("r1")
        ok(edit(d, mtu("ge-0/0/1", 1801)), "1st edit")
        dropped(lambda: edit(d, mtu("ge-0/0/2", 1802)), "2nd edit")
        c = getcfg(m, "candidate")
        check("1801" in c and "1802" not in c, "dropped edit was not applied:\n" + c)
        check("dropped (fault line 1, before processing)" in lab.log("r1"), "drop logged")
        check("reason=fault-drop" in lab.log("r1"), "session end logged")
        ok(m.discard_changes(), "discard")

        # a dropped session's locks are released
        lab.set_faults("r1", "drop-session get-config\n")
        d = lab.connect("r1")
        ok(d.lock("candidate"), "lock")
        dropped(lambda: getcfg(d), "get-config")
        t0 = time.time()
        while not m.lock("candidate").ok and time.time() - t0 < 2:
            time.sleep(0.02)
        ok(m.unlock("candidate"), "lock of the dropped session was released")

        # drop-session after processing a commit: applied, but no reply
        lab.set_faults("r1", "drop-session commit 1 after\n")
        d = lab.connect("r1")
        ok(edit(d, mtu("ge-0/0/1", 1900)), "edit")
        dropped(lambda: d.commit(), "commit")
        check(running_mtu(lab, "r1", "ge-0/0/1") == 1900, "commit applied before the drop")

        # drop on the confirming commit: the confirmed commit (no persist) rolls back
        lab.set_faults("r1", "drop-session confirming-commit\n")
        d = lab.connect("r1")
        ok(edit(d, mtu("ge-0/0/1", 2000)), "edit")
        ok(d.commit(confirmed=True, timeout="60"), "confirmed")
        check(running_mtu(lab, "r1", "ge-0/0/1") == 2000, "applied")
        dropped(lambda: d.commit(), "confirming commit")
        t0 = time.time()
        while running_mtu(lab, "r1", "ge-0/0/1") != 1900 and time.time() - t0 < 2:
            time.sleep(0.02)
        check(running_mtu(lab, "r1", "ge-0/0/1") == 1900, "rolled back after the drop")

        # ... but a persisted one survives the dropped confirming commit and can be confirmed
        lab.set_faults("r1", "drop-session confirming-commit\n")
        d = lab.connect("r1")
        ok(edit(d, mtu("ge-0/0/1", 2100)), "edit")
        ok(rpc(d, '<commit xmlns="%s"><confirmed/><persist>p</persist></commit>' % NC), "persist")
        dropped(lambda: rpc(d, '<commit xmlns="%s"><persist-id>p</persist-id></commit>' % NC),
                "persisted confirming commit")
        time.sleep(0.2)
        check(running_mtu(lab, "r1", "ge-0/0/1") == 2100, "persisted commit survives the drop")
        ok(rpc(m, '<commit xmlns="%s"><persist-id>p</persist-id></commit>' % NC), "confirm again")
        lab.clear_faults("r1")

        # delays: every RPC, and a separate one for commit
        lab.set_faults("r1", "delay 300\ndelay-commit 600\n")
        _, dt = timed(lambda: getcfg(m))
        check(0.3 <= dt < 1.0, "get-config delayed ~300 ms: %.3f" % dt)
        ok(edit(m, mtu("ge-0/0/1", 2200)), "edit")
        r, dt = timed(lambda: m.commit())
        ok(r, "delayed commit")
        check(0.6 <= dt < 1.3, "commit delayed ~600 ms: %.3f" % dt)

        # a slow device does not slow the others (one process per device)
        r3 = lab.connect("r3")
        th = threading.Thread(target=lambda: m.commit())
        th.start()
        time.sleep(0.05)
        _, dt = timed(lambda: getcfg(r3))
        th.join()
        check(dt < 0.4, "r3 answered while r1 was sleeping: %.3f" % dt)
        lab.clear_faults("r1")
        _, dt = timed(lambda: getcfg(m))
        check(dt < 0.3, "delay gone: %.3f" % dt)

        # a bad directive is reported in the log and ignored
        lab.set_faults("r1", "reject-edit /no-such-module:x\nfrobnicate\n")
        ok(edit(m, mtu("ge-0/0/1", 2300)), "bad directives ignored")
        log = lab.log("r1")
        check("event=faults line=1 -> error" in log and "event=faults line=2 -> error" in log,
              "bad directives logged")
        check("secret" not in log and "secret" not in open(lab.path("r1", "rpc-xml.log")).read(),
              "password never logged")
        ok(edit(m, '<system xmlns="%s"><authentication-key>md5-s3cr3t</authentication-key>'
                   '</system>' % NSA), "secret leaf")
        ok(m.commit(), "commit")
        xl = open(lab.path("r1", "rpc-xml.log")).read()
        check("md5-s3cr3t" not in xl and "<authentication-key>***</authentication-key>" in xl,
              "config secrets redacted in rpc-xml.log")
        check("md5-s3cr3t" in lab.running_xml("r1"), "but stored and dumped as configured")


if __name__ == "__main__":
    main(test)
