"""nslib: start netstitch-netsim labs and talk to them with ncclient, for tests/netsim/*.py.

Run with /usr/bin/python3 (the apt python that has python3-ncclient). A Lab owns a temp dir
with generated keys (never committed), a config file with free loopback ports, the netsim
process and its state dir. Every helper raises AssertionError with a readable message, so a
test is a plain sequence of steps; the first failure ends the script with exit status 1.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import ncclient.transport.ssh as _nssh

# ncclient 0.6.13 polls its channel every TICK (0.1 s), which makes every RPC take ~100 ms.
# A short tick keeps the suite fast; it changes nothing on the wire.
_nssh.TICK = 0.002

from ncclient import manager  # noqa: E402
from ncclient.operations import RPCError  # noqa: E402
from ncclient.transport.errors import TransportError, SessionCloseError  # noqa: E402
from ncclient.xml_ import to_ele  # noqa: E402

TOP = os.environ.get("TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NETSIM = os.environ.get("NETSIM") or os.path.join(TOP, os.environ.get("BUILD", "build"),
                                                  "netstitch-netsim")
MODELS = os.path.join(TOP, "tests", "netsim", "models")
NSA = "urn:netstitch:netsim:test-a"
NSB = "urn:netstitch:netsim:test-b"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"

Closed = (TransportError, SessionCloseError)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def fail(msg):
    raise AssertionError(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def _port_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_ports(n):
    """n consecutive-ish free loopback ports, spread by pid so parallel runs rarely collide."""
    rnd = random.Random(os.getpid() * 7919 + int(time.time() * 1000))
    for _ in range(200):
        base = 20000 + rnd.randrange(0, 40000)
        ports = [base + i for i in range(n)]
        if all(_port_free(p) for p in ports):
            return ports
    fail("no free ports")


class Device:
    def __init__(self, name, profile="generic", models=("a",), startup=None, password="secret",
                 pubkey=True, user="admin", extra=""):
        self.name = name
        self.profile = profile
        self.models = models
        self.startup = startup
        self.password = password
        self.pubkey = pubkey
        self.user = user
        self.extra = extra
        self.port = None


class Lab:
    """A running netsim with the given devices. Use as a context manager."""

    def __init__(self, devices, keep=False, hostkey_type="rsa"):
        if not os.access(NETSIM, os.X_OK):
            skip("netsim binary %s not built" % NETSIM)
        if not shutil.which("ssh-keygen"):
            skip("ssh-keygen missing")
        self.devices = {d.name: d for d in devices}
        self.dir = tempfile.mkdtemp(prefix="netsim-test-")
        self.state = os.path.join(self.dir, "state")
        self.keep = keep or os.environ.get("NETSIM_KEEP")
        self.proc = None
        self.sessions = []
        self.hostkey_type = hostkey_type
        self._keys()

    def _keys(self):
        self.hostkey = os.path.join(self.dir, "hostkey")
        self.clientkey = os.path.join(self.dir, "client")
        self.otherkey = os.path.join(self.dir, "other")
        kt = {"rsa": ["-m", "PEM", "-t", "rsa", "-b", "2048"], "ecdsa": ["-t", "ecdsa", "-b", "256"],
              "ed25519": ["-t", "ed25519"]}[self.hostkey_type]
        subprocess.check_call(["ssh-keygen", "-q"] + kt + ["-N", "", "-f", self.hostkey])
        subprocess.check_call(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                               self.clientkey])
        subprocess.check_call(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                               self.otherkey])

    def config_text(self):
        lines = ["statedir = %s" % self.state, ""]
        for d in self.devices.values():
            lines.append("[device %s]" % d.name)
            lines.append("port = %d" % d.port)
            lines.append("profile = %s" % d.profile)
            for m in d.models:
                lines.append("modules-dir = %s" % os.path.join(MODELS, m))
            if d.startup is not None:
                path = os.path.join(self.dir, d.name + "-startup.xml")
                with open(path, "w") as f:
                    f.write(d.startup)
                lines.append("startup = %s" % path)
            lines.append("hostkey = %s" % self.hostkey)
            if d.pubkey:
                lines.append("authorized-key = %s.pub" % self.clientkey)
            lines.append("user = %s" % d.user)
            if d.password:
                lines.append("password = %s" % d.password)
            if d.extra:
                lines.append(d.extra.strip())
            lines.append("")
        return "\n".join(lines)

    def start(self):
        for attempt in range(3):
            ports = free_ports(len(self.devices))
            for d, p in zip(self.devices.values(), ports):
                d.port = p
            self.config = os.path.join(self.dir, "netsim.conf")
            with open(self.config, "w") as f:
                f.write(self.config_text())
            self.out = open(os.path.join(self.dir, "netsim.out"), "w+")
            t0 = time.time()
            self.proc = subprocess.Popen([NETSIM, "-c", self.config], stdout=self.out,
                                         stderr=subprocess.STDOUT)
            ready = os.path.join(self.state, "ready")
            while time.time() - t0 < 20:
                if os.path.exists(ready):
                    self.startup_secs = time.time() - t0
                    return self
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
            self.out.seek(0)
            text = self.out.read()
            self.stop()
            if "port in use" not in text:
                fail("netsim did not start:\n" + text)
        fail("netsim: no free ports after 3 attempts")

    def stop(self, close=True):
        """SIGTERM netsim; first close our sessions politely unless close=False."""
        for s in self.sessions if close else []:
            try:
                s.close_session()
            except Exception:
                pass
        self.sessions = []
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                fail("netsim did not stop within 10 s of SIGTERM")
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        self.stop()
        if et is not None:
            for d in self.devices:
                log = self.log(d)
                sys.stderr.write("--- %s rpc.log (tail)\n%s\n" % (d, "".join(log.splitlines(True)[-25:])))
        if not self.keep and et is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif et is not None:
            sys.stderr.write("lab kept in %s\n" % self.dir)
        return False

    # --- clients -------------------------------------------------------------------------

    def connect(self, name, password=None, key=None, user=None):
        d = self.devices[name]
        kw = dict(host="127.0.0.1", port=d.port, username=user or d.user, hostkey_verify=False,
                  allow_agent=False, look_for_keys=False, timeout=10)
        if key:
            kw["key_filename"] = key
        else:
            kw["password"] = password if password is not None else d.password
        m = manager.connect(**kw)
        m.raise_mode = 0  # errors are returned to the test, which asserts on them
        self.sessions.append(m)
        return m

    # --- state dir -----------------------------------------------------------------------

    def path(self, name, f):
        return os.path.join(self.state, name, f)

    def log(self, name):
        try:
            with open(self.path(name, "rpc.log")) as f:
                return f.read()
        except OSError:
            return ""

    def running_xml(self, name):
        with open(self.path(name, "running.xml")) as f:
            return f.read()

    def set_faults(self, name, text):
        tmp = self.path(name, ".faults.tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.path(name, "faults"))

    def clear_faults(self, name):
        try:
            os.unlink(self.path(name, "faults"))
        except OSError:
            pass


# --- RPC helpers ---------------------------------------------------------------------------

def cfg_a(inner, nc_ns=True):
    """<config> wrapping test-a content; declares the nc prefix for operation attributes."""
    return ('<config xmlns="%s" xmlns:nc="%s">%s</config>' % (NC, NC, inner))


def errors(reply):
    """List of (tag, message, path, app_tag, info_xml) of an rpc-reply."""
    out = []
    for e in getattr(reply, "errors", []) or []:
        out.append((e.tag, e.message, e.path, e.app_tag, e.info))
    return out


def ok(reply, what=""):
    errs = errors(reply)
    check(reply.ok and not errs, "%s: expected <ok/>, got %s" % (what, errs))


def err(reply, tag, what="", app_tag=None, path_part=None, msg_part=None):
    errs = errors(reply)
    check(errs, "%s: expected error %s, got ok" % (what, tag))
    check(any(e[0] == tag for e in errs), "%s: expected error-tag %s, got %s" % (what, tag, errs))
    e = [x for x in errs if x[0] == tag][0]
    if app_tag is not None:
        check(e[3] == app_tag, "%s: expected error-app-tag %s, got %s" % (what, app_tag, e))
    if path_part is not None:
        check(e[2] and path_part in e[2], "%s: expected error-path containing %r, got %s"
              % (what, path_part, e))
    if msg_part is not None:
        check(e[1] and msg_part in e[1], "%s: expected error-message containing %r, got %s"
              % (what, msg_part, e))
    return e


def xml_of(reply):
    return reply.data_xml if hasattr(reply, "data_xml") else reply.xml


def rpc(m, xml):
    """Send a raw RPC body (one element); return the reply (errors not raised)."""
    return m.dispatch(to_ele(xml))


def getcfg(m, source="running", flt=None):
    r = m.get_config(source, filter=flt)
    ok(r, "get-config " + source)
    return r.data_xml


def edit(m, inner, target="candidate", default_operation=None, error_option=None,
         test_option=None):
    return m.edit_config(target=target, config=cfg_a(inner), default_operation=default_operation,
                         error_option=error_option, test_option=test_option)


def wait_for(cond, timeout, what):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return time.time() - t0
        time.sleep(0.02)
    fail("timed out after %.1fs waiting for %s" % (timeout, what))


def main(fn):
    """Run a test function; exit 0 on success, 1 with the assertion on failure."""
    t0 = time.time()
    try:
        fn()
    except AssertionError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
    print("ok (%.1fs)" % (time.time() - t0))
    sys.exit(0)
