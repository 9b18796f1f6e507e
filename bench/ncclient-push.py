#!/usr/bin/python3
"""Baseline for `make bench`: the push a network engineer scripts today with ncclient.

    ncclient-push.py push LAB PAYLOAD_DIR DEVICE...   one router after the other: connect,
                                                     lock the candidate, edit-config, commit
                                                     confirmed, confirm, unlock, close
    ncclient-push.py dump LAB OUT_DIR DEVICE...      write each router's running
                                                     configuration to OUT_DIR/DEVICE.xml

LAB is the directory examples/simnet.sh started (netsim.conf gives each router's port, the
client key is LAB/client). PAYLOAD_DIR/DEVICE.xml is the <config> element netstitch pushes,
with the secrets already in place (bench.py substitutes them). The loop is the sequential
script from issue 17, written the way ncclient's documentation shows; no parallelism.
"""
import os
import re
import sys

from ncclient import manager


def ports(lab):
    out, name = {}, None
    for line in open(os.path.join(lab, "netsim.conf")):
        m = re.match(r"\[device (\S+)\]", line)
        if m:
            name = m.group(1)
        m = re.match(r"port = (\d+)", line)
        if m and name:
            out[name] = int(m.group(1))
    return out


def connect(lab, port):
    return manager.connect(host="127.0.0.1", port=port, username="netstitch",
                           key_filename=os.path.join(lab, "client"), hostkey_verify=False,
                           allow_agent=False, look_for_keys=False, timeout=60,
                           device_params={"name": "default"})


def push(lab, payloads, devs):
    p = ports(lab)
    for d in devs:
        with open(os.path.join(payloads, d + ".xml")) as f:
            config = f.read()
        with connect(lab, p[d]) as m:
            confirmed = ":confirmed-commit" in m.server_capabilities
            with m.locked("candidate"):
                m.edit_config(target="candidate", config=config)
                if confirmed:
                    m.commit(confirmed=True, timeout="120")
                m.commit()


def dump(lab, out, devs):
    p = ports(lab)
    os.makedirs(out, exist_ok=True)
    for d in devs:
        with connect(lab, p[d]) as m:
            data = m.get_config(source="running").data_xml
        with open(os.path.join(out, d + ".xml"), "w") as f:
            f.write(data)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("push", "dump"):
        sys.exit(__doc__)
    (push if sys.argv[1] == "push" else dump)(sys.argv[2], sys.argv[3], sys.argv[4:])


if __name__ == "__main__":
    main()
