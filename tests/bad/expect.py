#!/usr/bin/python3
"""Compare what netstitch says about one bad input with its .expect file, or print the
actual result in .expect form (--print). The first line is always "exit N". The kind of
input is its directory:

  cases/NAME.xml|json    a service: `netstitch check --format json`; one line per
                         diagnostic: severity code line path
  inventory/NAME.*       an inventory: `netstitch push --inventory` (an empty payload
                         directory, nothing reachable); one line per diagnostic printed,
                         as above
  templates/V.F.NAME.xml a user template V/F.xml: `netstitch compile --format json
                         --templates` on the shipped example; severity code line path
                         device, notes left out
  saved/NAME.xml         twcc-edge's saved running configuration: `netstitch diff
                         --offline --no-state --format json` of the example; one line:
                         twcc-edge STATUS ERROR (the directory shown as SAVED)
  payloads/NAME.xml      twcc-edge's payload file: `netstitch push --payloads --dry-run`
                         with a one-device inventory; every "netstitch push:" line of
                         stderr (the directory shown as PAYLOADS)

Usage: expect.py NETSTITCH CASE [--print]   (from the top of the tree)
"""
import json, os, re, shutil, subprocess, sys, tempfile

EXAMPLE = "examples/twcc-ccx-aws/service.xml"
DIAG = re.compile(r"^(?P<file>[^:]+):(?:(?P<line>\d+):)? (?P<sev>error|warning|note) "
                  r"(?P<code>[A-Z0-9-]+): (?P<msg>.*?)(?: \[(?P<path>/.*)\])?$")
INVENTORY = """<inventory xmlns="urn:netstitch:yang:inventory">
  <device><name>twcc-edge</name><address>127.0.0.1</address><port>9</port>
    <user>netstitch</user><auth><private-key>/nonexistent/id_ed25519</private-key></auth>
    <host-key><trust-on-first-use/></host-key><timeouts><connect>1</connect></timeouts>
  </device>
  <secret><name>dx-key</name><source>env:NST_BAD_DX_KEY</source></secret>
</inventory>
"""


def run(cmd, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr


def diag_rows_json(out, with_device=False, notes=True):
    doc = json.loads(out)
    rows = []
    for d in doc["diagnostics"]:
        if not notes and d["severity"] == "note":
            continue
        row = "%s %s %d %s" % (d["severity"], d["code"], d["line"], d["path"] or "-")
        if with_device:
            row += " %s" % (d.get("device") or "-")
        rows.append(row)
    return rows


def service(ns, case, tmp):
    rc, out, _ = run([ns, "check", "--format", "json", case])
    return rc, diag_rows_json(out)


def inventory(ns, case, tmp):
    os.mkdir(os.path.join(tmp, "empty"))
    rc, out, err = run([ns, "push", "--inventory", case, "--payloads",
                        os.path.join(tmp, "empty"), "--state-dir", os.path.join(tmp, "st")])
    rows = []
    for line in err.splitlines():
        m = DIAG.match(line)
        if m:
            rows.append("%s %s %s %s" % (m["sev"], m["code"], m["line"] or "0", m["path"] or "-"))
    return rc, rows


def template(ns, case, tmp):
    vendor, feature = os.path.basename(case).split(".")[:2]
    os.makedirs(os.path.join(tmp, "tpl", vendor))
    shutil.copy(case, os.path.join(tmp, "tpl", vendor, feature + ".xml"))
    rc, out, _ = run([ns, "compile", "--format", "json", "--templates",
                      os.path.join(tmp, "tpl"), EXAMPLE])
    return rc, diag_rows_json(out, with_device=True, notes=False)


def saved(ns, case, tmp):
    d = os.path.join(tmp, "saved")
    os.mkdir(d)
    shutil.copy(case, os.path.join(d, "twcc-edge.xml"))
    rc, out, _ = run([ns, "diff", "--offline", d, "--no-state", "--format", "json",
                      "--state-dir", os.path.join(tmp, "st"), EXAMPLE])
    rows = []
    for dev in json.loads(out)["devices"]:
        if dev["name"] == "twcc-edge":
            err = (dev["error"] or "-").replace(d + "/", "SAVED/").replace("\n", "\\n")
            rows.append("twcc-edge %s %s" % (dev["status"], err))
    return rc, rows


def payload(ns, case, tmp):
    d = os.path.join(tmp, "pl")
    os.mkdir(d)
    shutil.copy(case, os.path.join(d, "twcc-edge.xml"))
    inv = os.path.join(tmp, "inv.xml")
    open(inv, "w").write(INVENTORY)
    rc, out, err = run([ns, "push", "--dry-run", "-q", "--inventory", inv, "--payloads", d,
                        "--state-dir", os.path.join(tmp, "st")],
                       env={"NST_BAD_DX_KEY": "k3y"})
    rows = [l.replace(d + "/", "PAYLOADS/") for l in err.splitlines()
            if l.startswith("netstitch push:")]
    return rc, rows


KINDS = {"cases": service, "inventory": inventory, "templates": template, "saved": saved,
         "payloads": payload}


def main():
    netstitch, case = sys.argv[1], sys.argv[2]
    kind = KINDS[os.path.basename(os.path.dirname(os.path.abspath(case)))]
    tmp = tempfile.mkdtemp(prefix="nst-bad-")
    os.chmod(tmp, 0o700)
    try:
        rc, rows = kind(netstitch, case, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(sys.argv) > 3 and sys.argv[3] == "--print":
        print("exit %d" % rc)
        if rows:
            print("\n".join(rows))
        return 0
    want = open(case.rsplit(".", 1)[0] + ".expect").read().splitlines()
    got = ["exit %d" % rc] + rows
    if want != got:
        print("MISMATCH %s" % case)
        print("  want:\n    " + "\n    ".join(want))
        print("  got:\n    " + "\n    ".join(got))
        return 1
    return 0


sys.exit(main())
