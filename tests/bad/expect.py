#!/usr/bin/python3
"""Compare `netstitch check --format json` with a case's .expect file, or print the
actual diagnostics in .expect form (--print). Lines: severity code line path."""
import json, subprocess, sys

def actual(netstitch, case):
    p = subprocess.run([netstitch, "check", "--format", "json", case],
                       capture_output=True, text=True)
    doc = json.loads(p.stdout)
    rows = ["%s %s %d %s" % (d["severity"], d["code"], d["line"], d["path"] or "-")
            for d in doc["diagnostics"]]
    return p.returncode, rows

def main():
    netstitch, case = sys.argv[1], sys.argv[2]
    rc, rows = actual(netstitch, case)
    if len(sys.argv) > 3 and sys.argv[3] == "--print":
        print("exit %d" % rc)
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
