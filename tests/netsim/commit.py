"""netsim locks, <commit>, confirmed commit (1.1 and 1.0), timeout rollback, persist across a
session drop, cancel-commit, kill-session, and what a session's end releases."""
import re
import socket
import time

from nslib import (NC, NSA, Closed, Device, Lab, check, edit, err, errors, getcfg, main, ok, rpc,
                   wait_for)

START = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>1500</mtu></interface>'
         '</interfaces>') % NSA


def mtu(v):
    return '<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>%d</mtu></interface></interfaces>' % (NSA, v)


def running_mtu(lab, dev):
    x = re.search(r"<mtu>(\d+)</mtu>", lab.running_xml(dev))
    return int(x.group(1)) if x else None


def commit_xml(body=""):
    return '<commit xmlns="%s">%s</commit>' % (NC, body)


def test():
    with Lab([Device("r1", startup=START), Device("jx", profile="junos", startup=START)]) as lab:
        a = lab.connect("r1")
        b = lab.connect("r1")
        sid_a = a.session_id

        # locks: lock-denied names the holder; writes and commit by others are in-use
        ok(a.lock("candidate"), "lock candidate")
        e = err(b.lock("candidate"), "lock-denied", "second lock")
        check("<session-id>%s</session-id>" % sid_a in (e[4] or ""), "holder session-id: %s" % (e,))
        err(edit(b, mtu(1600)), "in-use", "edit by non-holder")
        err(b.discard_changes(), "in-use", "discard by non-holder")
        err(b.unlock("candidate"), "operation-failed", "unlock by non-holder")
        ok(edit(a, mtu(1600)), "edit by holder")
        err(b.commit(), "in-use", "commit by non-holder")
        ok(a.lock("running"), "lock running")
        err(b.lock("running"), "lock-denied", "second running lock")
        ok(a.unlock("running"), "unlock running")
        ok(a.commit(), "commit by holder")
        check(running_mtu(lab, "r1") == 1600, "running.xml after commit")
        ok(a.unlock("candidate"), "unlock candidate")

        # a dirty candidate cannot be locked; a lock holder's uncommitted changes die with it
        ok(edit(b, mtu(1700)), "edit without lock")
        err(a.lock("candidate"), "lock-denied", "lock of a dirty candidate")
        ok(b.discard_changes(), "discard")
        ok(b.lock("candidate"), "lock clean candidate")
        ok(edit(b, mtu(1800)), "edit under lock")
        b.close_session()
        lab.sessions.remove(b)
        wait_for(lambda: "reason=lock-holder-ended" in lab.log("r1"), 2, "candidate discard")
        check("1800" not in getcfg(a, "candidate"), "holder's changes discarded")
        ok(a.lock("candidate"), "lock freed by session end")
        ok(a.unlock("candidate"), "unlock")

        # confirmed commit + confirming commit
        ok(edit(a, mtu(2000)), "edit")
        t0 = time.time()
        ok(a.commit(confirmed=True, timeout="30"), "confirmed commit")
        check(running_mtu(lab, "r1") == 2000, "applied while pending")
        c = lab.connect("r1")
        err(c.commit(), "in-use", "confirming commit from another session (1.1, no persist)")
        err(c.lock("running"), "lock-denied", "running lock during another's confirmed commit")
        ok(a.commit(), "confirming commit")
        check("event=confirmed-commit-confirmed" in lab.log("r1"), "confirm logged")
        check(running_mtu(lab, "r1") == 2000, "kept after confirm")

        # timeout: rolled back on its own (confirm-timeout is in seconds)
        ok(edit(a, mtu(2100)), "edit")
        t0 = time.time()
        ok(a.commit(confirmed=True, timeout="1"), "confirmed commit timeout 1")
        check(running_mtu(lab, "r1") == 2100, "applied")
        dt = wait_for(lambda: running_mtu(lab, "r1") == 2000, 3, "timeout rollback")
        dt = time.time() - t0
        check(0.9 <= dt <= 2.0, "rollback after ~1 s, took %.2fs" % dt)
        # running.xml is rewritten just before the line is logged: wait for it too.
        wait_for(lambda: "reason=timeout" in lab.log("r1"), 1, "timeout logged")
        check("2100" not in getcfg(a, "candidate"), "candidate reset too")

        # follow-up confirmed commit re-arms the timer; cancel-commit rolls back now
        ok(edit(a, mtu(2200)), "edit")
        ok(a.commit(confirmed=True, timeout="1"), "confirmed")
        time.sleep(0.6)
        ok(a.commit(confirmed=True, timeout="30"), "follow-up confirmed commit")
        time.sleep(0.7)
        check(running_mtu(lab, "r1") == 2200, "timer re-armed")
        ok(rpc(a, '<cancel-commit xmlns="%s"/>' % NC), "cancel-commit")
        check(running_mtu(lab, "r1") == 2000, "cancel-commit rolled back")
        err(rpc(a, '<cancel-commit xmlns="%s"/>' % NC), "operation-failed", "nothing pending")

        # without persist, the issuing session's end rolls back
        d = lab.connect("r1")
        ok(edit(d, mtu(2300)), "edit")
        ok(d.commit(confirmed=True, timeout="60"), "confirmed")
        check(running_mtu(lab, "r1") == 2300, "applied")
        d.close_session()
        lab.sessions.remove(d)
        wait_for(lambda: running_mtu(lab, "r1") == 2000, 2, "rollback on session end")

        # ... and so does an abrupt TCP drop of the client; its lock is released too
        d = lab.connect("r1")
        ok(d.lock("running"), "lock running")
        ok(edit(d, mtu(2350)), "edit")
        ok(d.commit(confirmed=True, timeout="60"), "confirmed")
        check(running_mtu(lab, "r1") == 2350, "applied")
        lab.sessions.remove(d)
        d._session._transport.sock.shutdown(socket.SHUT_RDWR)
        wait_for(lambda: running_mtu(lab, "r1") == 2000, 2, "rollback on TCP drop")
        wait_for(lambda: "sid=%s event=session-end" % d.session_id in lab.log("r1"), 2,
                 "drop logged")
        ok(a.lock("running"), "running lock released by the drop")
        ok(a.unlock("running"), "unlock")

        # with persist: survives the session; wrong persist-id is invalid-value; right one confirms
        d = lab.connect("r1")
        ok(edit(d, mtu(2400)), "edit")
        ok(rpc(d, commit_xml("<confirmed/><confirm-timeout>60</confirm-timeout><persist>tok1</persist>")),
           "persist commit")
        d.close_session()
        lab.sessions.remove(d)
        time.sleep(0.2)
        check(running_mtu(lab, "r1") == 2400, "persisted commit survives session end")
        e = err(rpc(a, commit_xml("<persist-id>wrong</persist-id>")), "invalid-value", "wrong persist-id")
        check(e[2] and "persist-id" in e[2], "error-path names persist-id: %s" % (e,))
        err(a.commit(), "invalid-value", "plain commit while persisted commit pending")
        err(rpc(a, '<cancel-commit xmlns="%s"><persist-id>nope</persist-id></cancel-commit>' % NC),
            "invalid-value", "cancel with wrong persist-id")
        ok(rpc(a, commit_xml("<persist-id>tok1</persist-id>")), "confirm with persist-id")
        check(running_mtu(lab, "r1") == 2400, "confirmed")

        # persist + cancel-commit from a third session
        ok(edit(a, mtu(2500)), "edit")
        ok(rpc(a, commit_xml("<confirmed/><persist>tok2</persist>")), "persist commit")
        e2 = lab.connect("r1")
        ok(rpc(e2, '<cancel-commit xmlns="%s"><persist-id>tok2</persist-id></cancel-commit>' % NC),
           "cancel with persist-id from another session")
        check(running_mtu(lab, "r1") == 2400, "cancelled")

        # kill-session releases the victim's locks
        ok(e2.lock("candidate"), "lock")
        ok(rpc(a, '<kill-session xmlns="%s"><session-id>%s</session-id></kill-session>'
               % (NC, e2.session_id)), "kill-session")
        ok(a.lock("candidate"), "lock after kill")
        ok(a.unlock("candidate"), "unlock")
        err(rpc(a, '<kill-session xmlns="%s"><session-id>%s</session-id></kill-session>'
                % (NC, sid_a)), "invalid-value", "kill self")

        # Junos profile: :confirmed-commit:1.0 -- no persist, no cancel-commit, any session confirms
        j = lab.connect("jx")
        k = lab.connect("jx")
        ok(edit(j, mtu(3000)), "junos edit")
        ok(j.commit(confirmed=True, timeout="60"), "junos confirmed commit")
        ok(k.commit(), "junos: confirming commit from another session")
        check(running_mtu(lab, "jx") == 3000, "junos confirmed")
        r = rpc(j, commit_xml("<confirmed/><persist>x</persist>"))
        check(not r.ok and errors(r), "junos rejects persist: %s" % r.xml)
        r = rpc(j, '<cancel-commit xmlns="%s"/>' % NC)
        check(not r.ok, "junos has no cancel-commit: %s" % r.xml)
        ok(edit(j, mtu(3100)), "junos edit")
        ok(j.commit(confirmed=True, timeout="1"), "junos confirmed commit 1 s")
        wait_for(lambda: running_mtu(lab, "jx") == 3000, 3, "junos timeout rollback")

        # shutdown with a commit pending: rolled back, as after a reboot
        ok(edit(a, mtu(2600)), "edit")
        ok(a.commit(confirmed=True, timeout="60"), "confirmed")
        check(running_mtu(lab, "r1") == 2600, "applied")
        rc = lab.stop(close=False)
        check(rc == 0, "netsim exit status after SIGTERM: %s" % rc)
        check(running_mtu(lab, "r1") == 2400, "rolled back at shutdown")
        check("reason=shutdown" in lab.log("r1"), "shutdown rollback logged")


if __name__ == "__main__":
    main(test)
