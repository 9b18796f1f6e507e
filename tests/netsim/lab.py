"""netsim as a lab: many devices of several profiles in one command, each on its own port and
with its own models; password and public-key auth; the libnetconf2 C client (labtest_netsim);
readiness, SIGTERM, a crashed device; config-file errors; check mode with every built-in
profile's real module dirs."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from nslib import (MODELS, NC, NETSIM, NSA, NSB, TOP, Device, Lab, check, edit, err, getcfg,
                   main, ok, rpc)

A_START = ('<interfaces xmlns="%s"><interface><name>ge-0/0/1</name><mtu>1500</mtu></interface>'
           '</interfaces>') % NSA
B_START = '<ports xmlns="%s"><port><id>1/1</id><speed>10g</speed></port></ports>' % NSB

PROFILE_CAPS = {
    # profile: (present, absent)
    "generic": (["candidate:1.0", "writable-running:1.0", "confirmed-commit:1.1", "validate:1.1",
                 "rollback-on-error:1.0", "startup:1.0", "xpath:1.0"], []),
    "junos": (["candidate:1.0", "confirmed-commit:1.0", "validate:1.0"],
              ["writable-running", "confirmed-commit:1.1", "rollback-on-error", "startup", "xpath"]),
    "iosxr": (["candidate:1.0", "confirmed-commit:1.1", "rollback-on-error:1.0", "validate:1.1"],
              ["writable-running", "startup"]),
    "sros": (["candidate:1.0", "writable-running:1.0", "confirmed-commit:1.1", "startup:1.0",
              "rollback-on-error:1.0", "validate:1.1"], []),
    "vrp": (["candidate:1.0", "writable-running:1.0", "confirmed-commit:1.1", "startup:1.0",
             "rollback-on-error:1.0", "validate:1.1", "xpath:1.0"], []),
    "openconfig": (["candidate:1.0", "writable-running:1.0", "confirmed-commit:1.1",
                    "validate:1.1"], []),
    "eos": (["candidate:1.0", "writable-running:1.0"],
            ["confirmed-commit", "validate", "rollback-on-error"]),
}


def caps_of(m):
    return [c.split(":capability:", 1)[1] for c in m.server_capabilities if ":capability:" in c]


def auth_fails(fn, what):
    try:
        fn()
    except Exception:
        return
    check(False, "%s: login should have been refused" % what)


def run_netsim(args, timeout=10):
    p = subprocess.run([NETSIM] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def test_lab():
    devs = []
    for prof in PROFILE_CAPS:
        devs.append(Device("a-" + prof, profile=prof, startup=A_START))
    devs.append(Device("b-generic", models=("b",), startup=B_START))
    devs.append(Device("pw-only", pubkey=False, startup=A_START))
    devs.append(Device("key-only", password=None, startup=A_START, user="ops"))
    with Lab(devs) as lab:
        check(lab.startup_secs < 5, "lab of %d devices up in %.2fs" % (len(devs), lab.startup_secs))
        ports = {d.port for d in lab.devices.values()}
        check(len(ports) == len(devs), "one port per device")

        # every device answers on its own port with its profile's capabilities and models
        for prof, (present, absent) in PROFILE_CAPS.items():
            m = lab.connect("a-" + prof)
            caps = caps_of(m)
            for c in present:
                check(c in caps, "%s: missing %s in %s" % (prof, c, caps))
            for c in absent:
                check(not any(x.startswith(c) for x in caps), "%s: unexpected %s in %s"
                      % (prof, c, caps))
            check("<mtu>1500</mtu>" in getcfg(m), "%s: startup config served" % prof)
        b = lab.connect("b-generic")
        check("1/1" in getcfg(b), "b startup")
        err(edit(b, A_START), "unknown-namespace", "a device of models b knows nothing of model a")
        a = lab.connect("a-generic")
        err(edit(a, B_START), "unknown-namespace", "and vice versa")
        r = a.get(('subtree', '<yang-library xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library"/>'))
        check("netsim-test-a" in r.data_xml and "netsim-test-b" not in r.data_xml,
              "yang-library lists only the device's models")
        r = rpc(a, '<get-schema xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">'
                   '<identifier>netsim-test-a</identifier></get-schema>')
        check(r.ok and "module netsim-test-a" in r.xml, "get-schema")
        r = rpc(a, '<get-schema xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">'
                   '<identifier>netsim-test-b</identifier></get-schema>')
        err(r, "invalid-value", "get-schema of another device's module")

        # operational data and canned vendor-RPC replies, changeable between steps
        check("peer" not in a.get(('subtree', '<state xmlns="%s"/>' % NSA)).data_xml, "no state yet")
        write(lab.path("a-generic", "oper.xml"),
              '<state xmlns="%s"><uptime>7</uptime><peer><address>192.0.2.1</address>'
              '<session-state>ESTABLISHED</session-state></peer></state>' % NSA)
        r = a.get(('subtree', '<state xmlns="%s"><peer><address>192.0.2.1</address></peer></state>'
                   % NSA))
        check("<session-state>ESTABLISHED</session-state>" in r.data_xml, "oper.xml in <get>")
        check("uptime" not in r.data_xml, "filtered")
        check("uptime" not in getcfg(a), "state data is not in <get-config>")
        pi = '<get-peer-information xmlns="%s"><address>192.0.2.1</address></get-peer-information>' % NSA
        err(rpc(a, pi), "operation-not-supported", "no canned reply yet")
        os.makedirs(lab.path("a-generic", "rpc-reply"), exist_ok=True)
        write(lab.path("a-generic", "rpc-reply/get-peer-information.xml"),
              '<peer-information><peer-state>Established</peer-state>'
              '<received-prefix-count>12</received-prefix-count></peer-information>')
        r = rpc(a, pi)
        check("<received-prefix-count>12</received-prefix-count>" in r.xml, "canned reply: %s" % r.xml)
        write(lab.path("a-generic", "rpc-reply/get-peer-information.xml"), '<bogus/>')
        err(rpc(a, pi), "operation-failed", "broken canned reply is reported",
            msg_part="get-peer-information.xml")

        # auth
        k = lab.clientkey
        m = lab.connect("a-generic", key=k)
        check(m.connected, "publickey login")
        auth_fails(lambda: lab.connect("a-generic", password="wrong"), "wrong password")
        auth_fails(lambda: lab.connect("a-generic", key=lab.otherkey), "unauthorized key")
        auth_fails(lambda: lab.connect("a-generic", user="root"), "wrong user with right password")
        auth_fails(lambda: lab.connect("pw-only", key=k), "key on a password-only device")
        check(lab.connect("pw-only").connected, "password-only device")
        auth_fails(lambda: lab.connect("key-only", password="secret"), "password on a key-only device")
        check(lab.connect("key-only", key=k).connected, "key-only device, user ops")
        check("method=password -> denied" in lab.log("a-generic"), "denied login logged")
        for d in lab.devices:
            for f in ("rpc.log", "rpc-xml.log", "netconf.log"):
                with open(lab.path(d, f)) as fh:
                    check("secret" not in fh.read(), "%s/%s leaks the password" % (d, f))

        # the libnetconf2 C client (built by `make tests`)
        c_client(lab)

        # a device that crashes leaves the others running
        with open(lab.path("a-eos", "pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        check("<mtu>1500</mtu>" in getcfg(lab.connect("a-junos")), "others keep serving")

        # SIGTERM: everything stops, the ready file goes away; status 1 reports the crash
        pids = []
        for d in lab.devices:
            with open(lab.path(d, "pid")) as f:
                pids.append(int(f.read()))
        t0 = time.time()
        rc = lab.stop(close=False)
        dt = time.time() - t0
        check(dt < 3, "stopped in %.2fs" % dt)
        check(rc == 1, "exit status 1 after a device crashed, got %s" % rc)
        check(not os.path.exists(os.path.join(lab.state, "ready")), "ready file removed")
        for p in pids:
            check(not os.path.exists("/proc/%d" % p) or _zombie(p), "device process %d gone" % p)
        lab.out.seek(0)
        check("device a-eos" in lab.out.read(), "crash reported on stderr")
        print("lab: %d devices ready in %.2fs, stopped in %.2fs" % (len(devs), lab.startup_secs, dt))


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def _zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] == "Z"
    except OSError:
        return True


def c_client(lab):
    binary = os.path.join(TOP, os.environ.get("BUILD", "build"), "tests", "labtest_netsim")
    if not os.access(binary, os.X_OK):
        print("note: %s not built (make tests); C client part skipped" % binary)
        return
    schema_dir = tempfile.mkdtemp(prefix="netsim-schemas-", dir=lab.dir)
    env = dict(os.environ, NETSIM_PORT=str(lab.devices["a-generic"].port), NETSIM_USER="admin",
               NETSIM_KEY=lab.clientkey, NETSIM_PASSWORD="secret", NETSIM_SCHEMA_DIR=schema_dir)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "labtest_netsim failed (%d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
    for line in p.stdout.splitlines():
        if line.startswith("labtest_netsim:"):
            print(line)
    check(os.path.exists(os.path.join(schema_dir, "netsim-test-a@2026-01-01.yang")),
          "the C client fetched the device module with <get-schema>")


def test_config_errors():
    d = tempfile.mkdtemp(prefix="netsim-cfg-")
    try:
        config_errors(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def config_errors(d):
    key = os.path.join(d, "hostkey")
    subprocess.check_call(["ssh-keygen", "-q", "-m", "PEM", "-t", "rsa", "-b", "2048", "-N", "",
                           "-f", key])
    ed = os.path.join(d, "edkey")
    subprocess.check_call(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ed])
    base = ("statedir = %s/state\n[device r1]\nport = 1\nhostkey = %s\nuser = u\npassword = p\n"
            "modules-dir = %s/a\n" % (d, key, MODELS))
    cases = [
        ("[device r1]\nport = 70000\n", "netsim.conf:2: port: invalid port"),
        (base + "profile = cisco\n", "netsim.conf:8: profile: unknown profile \"cisco\""),
        (base + "frobnicate = 1\n", "unknown device key \"frobnicate\""),
        (base + "[device r2]\nport = 1\nhostkey = %s\nuser = u\npassword = p\n" % key,
         "devices r1 and r2 both use port 1"),
        (base.replace("password = p\n", ""), "neither password nor authorized-key"),
        (base.replace("modules-dir = %s/a\n" % MODELS, "modules-dir = /nonexistent\n"),
         "module dir /nonexistent does not exist"),
        (base + "module = no-such-module\n", "module no-such-module not found"),
        (base + "candidate = no\nwritable-running = no\n", "config is read-only"),
        ("port = 5\n", "unknown global key \"port\""),
    ]
    for text, expect in cases:
        path = os.path.join(d, "netsim.conf")
        with open(path, "w") as f:
            f.write(text)
        rc, out = run_netsim(["-c", path, "-n"])
        check(rc == 1 and expect in out, "config error %r: rc=%d out=%s" % (expect, rc, out))

    # comments, full-line and trailing
    with open(path, "w") as f:
        f.write("# a lab\n" + base.replace("port = 1", "port = 1   # not 830") + "; done\n")
    rc, out = run_netsim(["-c", path, "-n"])
    check(rc == 0 and "1 devices OK" in out, "comments: %s" % out)

    # errors found by the device processes: bad startup file, non-RSA host key
    bad = os.path.join(d, "bad.xml")
    with open(bad, "w") as f:
        f.write('<interfaces xmlns="%s"><interface><name>x</name><mtu>5</mtu></interface>'
                '</interfaces>' % NSA)
    with open(path, "w") as f:
        f.write(base + "startup = %s\n" % bad)
    rc, out = run_netsim(["-c", path, "-n"])
    check(rc == 1 and "startup file" in out and "bad.xml" in out, "bad startup: %s" % out)
    # a host key libssh cannot read is refused at start, naming the file
    notkey = os.path.join(d, "notkey")
    with open(notkey, "w") as f:
        f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n")
    with open(path, "w") as f:
        f.write(base.replace(key, notkey))
    rc, out = run_netsim(["-c", path])
    check(rc == 1 and "cannot read host key %s" % notkey in out, "bad host key refused: %s" % out)

    # a port already in use fails the whole start with a clear message
    import socket
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    busy = s.getsockname()[1]
    with open(path, "w") as f:
        f.write(base.replace("port = 1", "port = %d" % busy))
    rc, out = run_netsim(["-c", path])
    s.close()
    check(rc == 1 and "cannot listen on 127.0.0.1:%d" % busy in out, "busy port: %s" % out)

    # usage
    rc, out = run_netsim([])
    check(rc == 2 and "usage" in out, "usage")

    # check mode with every built-in profile's own module dirs (yang/devices/<vendor>)
    lines = ["statedir = %s/state-n" % d]
    port = 3
    for prof in PROFILE_CAPS:
        dirs = {"eos": ["openconfig", "eos"], "generic": []}.get(prof, [prof])
        if not all(os.path.isdir(os.path.join(TOP, "yang", "devices", x)) for x in dirs):
            print("note: yang/devices for %s missing; profile not checked" % prof)
            continue
        lines += ["[device %s]" % prof, "port = %d" % port, "profile = %s" % prof,
                  "hostkey = %s" % key, "user = u", "password = p"]
        port += 1
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    rc, out = run_netsim(["-c", path, "-n", "-y", os.path.join(TOP, "yang")])
    check(rc == 0 and "devices OK" in out, "built-in profiles load their models: %s" % out)


def test_seeded():
    """oper and rpc-reply seeded from the config file."""
    lab = Lab([Device("s1", startup=A_START)])
    oper = os.path.join(lab.dir, "oper-seed.xml")
    rep = os.path.join(lab.dir, "reply-seed.xml")
    write(oper, '<state xmlns="%s"><uptime>99</uptime></state>' % NSA)
    write(rep, '<peer-information><peer-state>Idle</peer-state></peer-information>')
    lab.devices["s1"].extra = "oper = %s\nrpc-reply = get-peer-information %s" % (oper, rep)
    with lab:
        m = lab.connect("s1")
        check("<uptime>99</uptime>" in m.get().data_xml, "seeded oper.xml")
        r = rpc(m, '<get-peer-information xmlns="%s"/>' % NSA)
        check("<peer-state>Idle</peer-state>" in r.xml, "seeded rpc-reply: %s" % r.xml)


def test_hostkey_types():
    """Ed25519 and ECDSA host keys are served as they are (examples/simnet.sh uses Ed25519:
    a device signs with its host key at every SSH accept, 0.05 ms against RSA's 0.8 ms)."""
    for kt, alg in (("ed25519", "ssh-ed25519"), ("ecdsa", "ecdsa-sha2-nistp256")):
        lab = Lab([Device("k1", startup=A_START)], hostkey_type=kt)
        with lab:
            port = lab.devices["k1"].port
            scan = subprocess.run(["ssh-keyscan", "-T", "5", "-t", kt, "-p", str(port),
                                   "127.0.0.1"], capture_output=True, text=True, timeout=20)
            with open(lab.hostkey + ".pub") as f:
                want = f.read().split()[:2]
            got = [l.split()[1:3] for l in scan.stdout.splitlines() if l and l[0] != "#"]
            check(got == [want], "%s host key served: want %s, got %s" % (kt, want[0], got))
            check(want[0] == alg, "%s host key type %s" % (kt, want[0]))
            m = lab.connect("k1")
            check("<mtu>" in m.get_config("running").data_xml, "%s: NETCONF session works" % kt)


def test():
    test_config_errors()
    if shutil.which("ssh-keyscan"):
        test_hostkey_types()
    else:
        print("note: ssh-keyscan missing; host key types not checked")
    test_seeded()
    test_lab()


if __name__ == "__main__":
    main(test)
