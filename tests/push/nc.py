"""nc.py: an independent NETCONF client (python3-ncclient) for the push tests.

Run with /usr/bin/python3 (the apt python that has ncclient). Reads the lab from the
environment (lab.env exported by common.sh): LAB_DEV_<dev>_PORT, LAB_CLIENT_KEY_ED25519,
and NC_USER (default root). Commands:

  nc.py dump OUT DEV...        write every device's running config, canonical XML, one
                               "== DEV" section each, to OUT (devices read in parallel)
  nc.py hold-lock DEV DS FILE  lock datastore DS (candidate|running) of DEV, write FILE
                               once locked, keep the lock until FILE is removed
  nc.py set DEV XML            edit-config merge XML into DEV's target datastore and
                               commit (candidate devices), e.g. to arm a fault knob
  nc.py delete DEV XML         same with operation="delete" already in the XML

The canonical form drops whitespace-only text and yuma's empty <nacm> container, then
uses C14N, so two dumps are byte-equal exactly when the configurations are equal.
"""
import os
import sys
import threading
import time

import ncclient.transport.ssh as _nssh

# ncclient 0.6.13 polls its channel every TICK (0.1 s); a short tick keeps tests fast.
_nssh.TICK = 0.002

from lxml import etree  # noqa: E402
from ncclient import manager  # noqa: E402
from ncclient.operations.errors import TimeoutExpiredError  # noqa: E402

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


def port(dev):
    """LAB_DEV_<dev>_PORT, with '-' in the name written as '_' (shell variable names)."""
    return int(os.environ.get("LAB_DEV_%s_PORT" % dev)
               or os.environ["LAB_DEV_%s_PORT" % dev.replace("-", "_")])


# Generous on purpose: the lab runs on loaded CI machines (seconds, not milliseconds).
CONNECT_TIMEOUT = 60
RPC_TIMEOUT = 120
CONNECT_DEADLINE = 180


def connect(dev):
    """A session whose first request was answered. yuma123's netconfd never answers a
    request that reaches it together with the client's hello (docs/vendors.md B.3), and
    ncclient sends its first request right after the hello: so a read of the running
    configuration (every server here answers it; lab configurations are small) goes
    first, and a session that leaves it unanswered is closed and opened again (the probe
    reads only, so repeating it is harmless). The wait doubles each time, up to
    CONNECT_DEADLINE in all."""
    deadline = time.time() + CONNECT_DEADLINE
    wait = 5
    while True:
        m = manager.connect(host="127.0.0.1", port=port(dev),
                            username=os.environ.get("NC_USER", "root"),
                            key_filename=os.environ["LAB_CLIENT_KEY_ED25519"],
                            hostkey_verify=False, allow_agent=False, look_for_keys=False,
                            timeout=CONNECT_TIMEOUT)
        m.timeout = max(1, min(wait, deadline - time.time()))
        try:
            m.get_config(source="running")
        except TimeoutExpiredError:
            try:
                m.session.close()  # the transport: a hung yuma session answers nothing
            except Exception:  # noqa: BLE001
                pass
            if time.time() >= deadline:
                raise
            sys.stderr.write("nc.py: %s left the first request unanswered for %d s; "
                             "connecting again\n" % (dev, wait))
            wait *= 2
            continue
        m.timeout = RPC_TIMEOUT
        return m


def canon(data_xml):
    """One line per leaf, "top[ns]/child/leaf = value", in document order; top-level
    containers sorted. Independent of whitespace, prefixes and namespace declarations."""
    root = etree.fromstring(data_xml.encode())
    tops = []
    for top in root:
        q = etree.QName(top)
        if q.localname == "nacm" and len(top) == 0:
            continue
        lines = []

        def walk(el, path):
            kids = [k for k in el if isinstance(k.tag, str)]
            if not kids:
                lines.append("%s = %s" % (path, (el.text or "").strip()))
            for k in kids:
                walk(k, path + "/" + etree.QName(k).localname)

        walk(top, "%s[%s]" % (q.localname, q.namespace))
        tops.append("\n".join(lines))
    return "\n".join(sorted(tops))


def dump(out, devs):
    res = {}
    errs = []

    def one(d):
        try:
            with connect(d) as m:
                res[d] = canon(m.get_config(source="running").data_xml)
        except Exception as e:  # noqa: BLE001
            errs.append("%s: %r" % (d, e))

    th = [threading.Thread(target=one, args=(d,)) for d in devs]
    for t in th:
        t.start()
    for t in th:
        t.join()
    if errs:
        sys.stderr.write("nc.py dump: %s\n" % "; ".join(errs))
        sys.exit(1)
    with open(out, "w") as f:
        for d in devs:
            f.write("== %s\n%s\n" % (d, res[d]))


def hold_lock(dev, ds, flag):
    with connect(dev) as m:
        m.lock(target=ds)
        with open(flag, "w") as f:
            f.write("locked\n")
        deadline = time.time() + 120
        while os.path.exists(flag) and time.time() < deadline:
            time.sleep(0.05)
        m.unlock(target=ds)


def edit(dev, xml):
    with connect(dev) as m:
        cand = ":candidate" in " ".join(m.server_capabilities)
        cfg = '<config xmlns="%s">%s</config>' % (NC, xml)
        if cand:
            m.edit_config(target="candidate", config=cfg)
            m.commit()
        else:
            m.edit_config(target="running", config=cfg)


def main():
    cmd = sys.argv[1]
    if cmd == "dump":
        dump(sys.argv[2], sys.argv[3:])
    elif cmd == "hold-lock":
        hold_lock(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd in ("set", "delete"):
        edit(sys.argv[2], sys.argv[3])
    else:
        sys.exit("nc.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
