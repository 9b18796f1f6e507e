#!/usr/bin/python3
"""Ansible inventory for the bench's simulated lab (bench/ansible/push.yml).

Reads BENCH_LAB (the directory examples/simnet.sh started: netsim.conf has each router's
port and profile, LAB/client is the SSH key), BENCH_PAYLOADS (the directory of <config>
payloads, one DEVICE.xml per router) and BENCH_DEVICES (comma-separated routers to push).
"""
import json
import os
import re
import sys


def main():
    lab = os.environ["BENCH_LAB"]
    want = [d for d in os.environ["BENCH_DEVICES"].split(",") if d]
    conf, name = {}, None
    for line in open(os.path.join(lab, "netsim.conf")):
        m = re.match(r"\[device (\S+)\]", line)
        if m:
            name = m.group(1)
            conf[name] = {}
        m = re.match(r"(port|profile) = (\S+)", line)
        if m and name:
            conf[name][m.group(1)] = m.group(2)
    hostvars = {}
    for d in want:
        hostvars[d] = {
            "ansible_host": "127.0.0.1",
            "ansible_port": int(conf[d]["port"]),
            "ansible_user": "netstitch",
            "ansible_ssh_private_key_file": os.path.join(lab, "client"),
            "ansible_network_os": "ansible.netcommon.default",
            "ansible_netconf_host_key_checking": False,
            "ansible_command_timeout": 120,
            "payload_dir": os.environ["BENCH_PAYLOADS"],
            # The EOS profile has no :confirmed-commit (docs/push.md): a plain commit.
            "confirm_timeout": 0 if conf[d]["profile"] == "eos" else 120,
        }
    if len(sys.argv) > 1 and sys.argv[1] == "--host":
        print(json.dumps(hostvars.get(sys.argv[2], {})))
        return
    print(json.dumps({"routers": {"hosts": want}, "_meta": {"hostvars": hostvars}}))


if __name__ == "__main__":
    main()
