#!/usr/bin/python3
"""make bench: netstitch's cost as the network grows, against baselines run in the same go.

Run through bench/run.sh (BUILD=build-x sh bench/run.sh [options]); see bench/README.md for
what is measured and docs/PERFORMANCE.md for the results and their analysis.

Part 1, compile: for N routers (default 10, 100, 1000) a service from bench/gen-service.py
(10 connections per router), `netstitch compile SERVICE -o DIR` against `yanglint` parsing
and validating the same file against the same model (`yanglint -p yang/ietf
yang/netstitch-intercloud.yang SERVICE`), interleaved, several repetitions, median wall
time; peak RSS of each process (wait4's ru_maxrss); growth factors between sizes.

Part 2, push (and live diff, once `netstitch diff` exists): a 50-router service compiled
twice (two variants that differ on every router, pushed alternately so that every push
changes every router), a netsim lab of those 50 routers (examples/simnet.sh), and pushes of
the first K = 1, 10, 50 payloads with --jobs 1, the default and --jobs K; once with no
injected latency and once with a router's latency injected by netsim (`delay 20`,
`delay-commit 500`). Wall time, netstitch's CPU time and the simulator's CPU time.

Each target is printed with MET or NOT MET; the numbers also go to BUILD/bench/results.json.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PY = "/usr/bin/python3"


def fmt_s(x):
    if x is None:
        return "-"
    return "%.3f" % x if x < 10 else "%.2f" % x


def run(argv, out=subprocess.DEVNULL, timeout=1800):
    """Run argv; return (exit status, wall s, user+sys CPU s, peak RSS KiB, stderr text).

    Peak RSS comes from GNU time (/usr/bin/time -f %M), the standard tool, which measures
    its own small child: a child forked by this Python process would inherit Python's
    high-water mark through exec (Linux keeps the larger of the two in ru_maxrss)."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv, stdout=out,
                             stderr=err)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
            time.sleep(0.001)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        lines = rss.read().split()
    maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return (p.returncode, wall, ru.ru_utime + ru.ru_stime, maxrss, text)


def median(xs):
    return statistics.median(xs) if xs else None


def verdict(ok):
    return "MET" if ok else "NOT MET"


class Bench:
    def __init__(self, a):
        self.a = a
        self.top = a.top
        self.build = os.path.join(a.top, a.build) if not os.path.isabs(a.build) else a.build
        self.nst = os.path.join(self.build, "netstitch")
        self.work = os.path.join(self.build, "bench")
        os.makedirs(self.work, exist_ok=True)
        self.results = {"compile": [], "push": [], "diff": [], "targets": []}
        self.yang = os.path.join(self.top, "yang")

    def say(self, *args):
        print(*args, flush=True)

    def target(self, name, ok, detail):
        self.results["targets"].append({"target": name, "met": ok, "detail": detail})
        self.say("  target: %-58s %-8s (%s)" % (name, verdict(ok), detail))

    def gen(self, n, path, variant=None):
        argv = [PY, os.path.join(self.top, "bench", "gen-service.py"), str(n), "-o", path]
        if variant:
            argv += ["--variant", variant]
        subprocess.run(argv, check=True)

    # ---------------------------------------------------------------- compile
    def bench_compile(self):
        a = self.a
        sizes = [int(x) for x in a.sizes.split(",")]
        self.say("== compile: `netstitch compile SERVICE -o DIR` vs `yanglint -p yang/ietf "
                 "yang/netstitch-intercloud.yang SERVICE`")
        self.say("   (same file, runs interleaved, median of R runs; RSS = peak resident set; "
                 "check = `netstitch check`)")
        self.say("%6s %7s %7s %3s | %9s %9s %7s %6s | %8s %8s %6s | %9s" % (
            "N", "conns", "MB in", "R", "yanglint", "compile", "ratio", "us/conn",
            "yl MB", "nst MB", "ratio", "check"))
        rows = []
        for n in sizes:
            svc = os.path.join(self.work, "svc-%d.xml" % n)
            self.gen(n, svc)
            size_mb = os.path.getsize(svc) / 1e6
            reps = a.reps if n < 1000 else max(1, a.reps_large)
            yl, nc, ck = [], [], []
            outdir = os.path.join(self.work, "out-%d" % n)
            for _ in range(reps):
                r = run(["yanglint", "-p", os.path.join(self.yang, "ietf"),
                         os.path.join(self.yang, "netstitch-intercloud.yang"), svc])
                if r[0] != 0:
                    sys.exit("bench: yanglint failed on %s: %s" % (svc, r[4][-2000:]))
                yl.append(r)
                shutil.rmtree(outdir, ignore_errors=True)
                r = run([self.nst, "compile", svc, "-o", outdir])
                if r[0] != 0:
                    sys.exit("bench: compile failed on %s: %s" % (svc, r[4][-2000:]))
                nc.append(r)
            for _ in range(1 if n >= 1000 else reps):
                r = run([self.nst, "check", svc])
                if r[0] != 0:
                    sys.exit("bench: check failed on %s" % svc)
                ck.append(r)
            row = {
                "n": n, "connections": 10 * n, "input_bytes": os.path.getsize(svc), "reps": reps,
                "yanglint_s": median([r[1] for r in yl]),
                "compile_s": median([r[1] for r in nc]),
                "check_s": median([r[1] for r in ck]),
                "yanglint_cpu_s": median([r[2] for r in yl]),
                "compile_cpu_s": median([r[2] for r in nc]),
                "yanglint_rss_kb": max(r[3] for r in yl),
                "compile_rss_kb": max(r[3] for r in nc),
                "check_rss_kb": max(r[3] for r in ck),
                "compile_runs_s": [r[1] for r in nc],
                "yanglint_runs_s": [r[1] for r in yl],
            }
            row["time_ratio"] = row["compile_s"] / row["yanglint_s"]
            row["rss_ratio"] = row["compile_rss_kb"] / row["yanglint_rss_kb"]
            rows.append(row)
            self.say("%6d %7d %7.1f %3d | %9s %9s %6.2fx %6.0f | %8.1f %8.1f %5.2fx | %9s" % (
                n, 10 * n, size_mb, reps, fmt_s(row["yanglint_s"]), fmt_s(row["compile_s"]),
                row["time_ratio"], 1e6 * row["compile_s"] / (10 * n),
                row["yanglint_rss_kb"] / 1024, row["compile_rss_kb"] / 1024, row["rss_ratio"],
                fmt_s(row["check_s"])))
        self.results["compile"] = rows
        for prev, cur in zip(rows, rows[1:]):
            k = cur["n"] / prev["n"]
            self.say("  growth %d -> %d routers (x%g): yanglint x%.1f, compile x%.1f, "
                     "check x%.1f; peak RSS: yanglint x%.1f, compile x%.1f" % (
                         prev["n"], cur["n"], k, cur["yanglint_s"] / prev["yanglint_s"],
                         cur["compile_s"] / prev["compile_s"], cur["check_s"] / prev["check_s"],
                         cur["yanglint_rss_kb"] / prev["yanglint_rss_kb"],
                         cur["compile_rss_kb"] / prev["compile_rss_kb"]))
        big = rows[-1]
        self.target("compile <= 1.5x yanglint at N=%d" % big["n"], big["time_ratio"] <= 1.5,
                    "%.2fx" % big["time_ratio"])
        self.target("peak RSS <= 2x yanglint at N=%d" % big["n"], big["rss_ratio"] <= 2.0,
                    "%.2fx" % big["rss_ratio"])
        if len(rows) >= 2:
            prev = rows[-2]
            k = big["n"] / prev["n"]
            g = big["compile_s"] / prev["compile_s"]
            gm = big["compile_rss_kb"] / prev["compile_rss_kb"]
            # Linear: cost per connection may grow by at most 1.5x over the last step.
            self.target("linear growth %d -> %d (time and RSS <= 1.5 x %g)" % (
                prev["n"], big["n"], k), g <= 1.5 * k and gm <= 1.5 * k,
                "time x%.1f, RSS x%.1f" % (g, gm))

    # ---------------------------------------------------------------- push
    def lab_faults(self, devs, text):
        for d in devs:
            p = os.path.join(self.lab, "state", d, "faults")
            if text is None:
                if os.path.exists(p):
                    os.unlink(p)
                continue
            tmp = p + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, p)

    def lab_cpu(self, devs):
        """CPU seconds (user+sys) the simulator's device processes have used so far."""
        tot = 0
        tick = os.sysconf("SC_CLK_TCK")
        for d in devs:
            with open(os.path.join(self.lab, "state", d, "pid")) as f:
                pid = f.read().strip()
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            tot += int(fields[11]) + int(fields[12])
        return tot / tick

    def bench_push(self):
        a = self.a
        ks = [int(x) for x in a.push_k.split(",")]
        kmax = max(ks)
        lab = self.lab = os.path.join(self.work, "lab")
        simnet = os.path.join(self.top, "examples", "simnet.sh")
        env = dict(os.environ, BUILD=self.a.build,
                   NETSIM=os.path.join(self.build, "netstitch-netsim"))
        svc = {}
        pay = {}
        for v in ("A", "B"):
            svc[v] = os.path.join(self.work, "push-%d-%s.xml" % (kmax, v))
            self.gen(kmax, svc[v], variant="variant-" + v)
            d = os.path.join(self.work, "push-%s" % v)
            shutil.rmtree(d, ignore_errors=True)
            r = run([self.nst, "compile", svc[v], "-o", d])
            if r[0] != 0:
                sys.exit("bench: compile of the push service failed: " + r[4][-2000:])
            pay[v] = d
        devs = []
        for line in open(svc["A"]):
            m = re.match(r"  <device>", line)
            if m:
                devs.append(None)
            m = re.match(r"    <name>(r\d+-[a-z]+)</name>", line)
            if m and devs and devs[-1] is None:
                devs[-1] = m.group(1)
        dirs = {}
        for v in ("A", "B"):
            for k in ks:
                d = os.path.join(self.work, "push-%s-%d" % (v, k))
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
                for name in devs[:k]:
                    shutil.copy(os.path.join(pay[v], name.replace("/", "%2F") + ".xml"), d)
                dirs[(v, k)] = d
        subprocess.run(["sh", simnet, "stop", lab], env=env)
        shutil.rmtree(lab, ignore_errors=True)
        r = subprocess.run(["sh", simnet, "start", lab, svc["A"]], env=env)
        if r.returncode:
            sys.exit("bench: simnet did not start")
        state = os.path.join(self.work, "push-state")
        shutil.rmtree(state, ignore_errors=True)
        os.makedirs(state, mode=0o700)
        inv = os.path.join(lab, "inventory.xml")
        has_diff = "diff" in subprocess.run([self.nst, "help"], capture_output=True,
                                            text=True).stdout.split()
        self.has_diff = has_diff
        try:
            self.variant = "A"
            # Warm-up: host keys recorded, schemas cached, every router configured once.
            for v in ("A", "B"):
                r = run([self.nst, "push", "-q", "--jobs", "64", "--inventory", inv,
                         "--payloads", dirs[(v, kmax)], "--state-dir", state])
                if r[0] != 0:
                    sys.exit("bench: warm-up push failed (%d): %s" % (r[0], r[4][-3000:]))
            self.variant = "A"
            for lat_name, faults, reps in (
                    ("none", None, a.push_reps),
                    ("router", "delay %d\ndelay-commit %d\n" % (a.rpc_ms, a.commit_ms), 1)):
                self.lab_faults(devs, faults)
                self.push_series(lat_name, ks, devs, dirs, inv, state, reps)
                if has_diff:
                    self.diff_series(lat_name, ks, devs, svc, dirs, inv, state, reps)
            self.lab_faults(devs, None)
        finally:
            subprocess.run(["sh", simnet, "stop", lab], env=env)
        self.push_targets(ks)

    def jobs_settings(self, k):
        js = [("1", "1")]
        if k > 1:
            js.append(("default", None))
            if k > 8:
                js.append(("K", str(min(k, 64))))
        return js

    def push_series(self, lat, ks, devs, dirs, inv, state, reps):
        a = self.a
        self.say("")
        if lat == "none":
            self.say("== push, no injected latency (CPU-bound: client and %d simulated routers "
                     "share %d cores); median of %d" % (max(ks), os.cpu_count(), reps))
        else:
            self.say("== push, a router's latency injected: %d ms per RPC, %d ms per commit "
                     "(netsim `delay`, `delay-commit`); %d run each" % (a.rpc_ms, a.commit_ms,
                                                                       reps))
        self.say("%4s %8s | %8s %7s | %12s %12s" % ("K", "jobs", "wall s", "/ K=1",
                                                   "nst CPU ms/dev", "sim CPU ms/dev"))
        base = {}
        for k in ks:
            for jname, jobs in self.jobs_settings(k):
                walls, cpus, sims = [], [], []
                for _ in range(reps):
                    self.variant = "B" if self.variant == "A" else "A"
                    argv = [self.nst, "push", "-q", "--inventory", inv,
                            "--payloads", dirs[(self.variant, k)], "--state-dir", state]
                    if jobs:
                        argv += ["--jobs", jobs]
                    s0 = self.lab_cpu(devs[:k])
                    r = run(argv)
                    s1 = self.lab_cpu(devs[:k])
                    if r[0] != 0:
                        sys.exit("bench: push K=%d jobs=%s failed (%d): %s" % (
                            k, jname, r[0], r[4][-3000:]))
                    walls.append(r[1])
                    cpus.append(r[2])
                    sims.append(s1 - s0)
                w = median(walls)
                if k == min(ks):
                    base[jname] = w
                b1 = base.get(jname, base.get("1"))
                row = {"latency": lat, "k": k, "jobs": jname, "wall_s": w, "reps": reps,
                       "wall_runs_s": walls, "nst_cpu_s": median(cpus), "sim_cpu_s": median(sims),
                       "ratio_k1": w / b1}
                self.results["push"].append(row)
                self.say("%4d %8s | %8s %6.2fx | %12.1f %12.1f" % (
                    k, jname if jname != "K" else "K=%s" % jobs, fmt_s(w), w / b1,
                    1000 * row["nst_cpu_s"] / k, 1000 * row["sim_cpu_s"] / k))
        for k in ks:
            if k == 1:
                continue
            rows = {r["jobs"]: r for r in self.results["push"] if r["latency"] == lat and
                    r["k"] == k}
            par = rows.get("K", rows.get("default"))
            self.say("  K=%d: parallel (--jobs %s) is %.1fx faster than --jobs 1" % (
                k, min(k, 64) if "K" in rows else "default",
                rows["1"]["wall_s"] / par["wall_s"]))

    def diff_series(self, lat, ks, devs, svc, dirs, inv, state, reps):
        self.say("")
        self.say("== live diff (`diff SERVICE --payloads DIR --no-state`), %s latency; median "
                 "of %d" % ("no injected" if lat == "none" else "router", reps))
        self.say("%4s %8s | %8s %7s | %12s" % ("K", "jobs", "wall s", "/ K=1", "nst CPU ms/dev"))
        base = None
        for k in ks:
            for jname, jobs in self.jobs_settings(k):
                walls, cpus = [], []
                for _ in range(reps):
                    # Against the variant not on the routers: every router has changes.
                    other = "B" if self.variant == "A" else "A"
                    argv = [self.nst, "diff", svc[other], "-q", "--no-state", "--inventory",
                            inv, "--payloads", dirs[(other, k)], "--state-dir", state]
                    if jobs:
                        argv += ["--jobs", jobs]
                    r = run(argv)
                    if r[0] != 3:
                        sys.exit("bench: diff K=%d jobs=%s: exit %d, want 3 (changes): %s" % (
                            k, jname, r[0], r[4][-2000:]))
                    walls.append(r[1])
                    cpus.append(r[2])
                w = median(walls)
                if base is None:
                    base = w
                row = {"latency": lat, "k": k, "jobs": jname, "wall_s": w, "reps": reps,
                       "wall_runs_s": walls, "nst_cpu_s": median(cpus), "ratio_k1": w / base}
                self.results["diff"].append(row)
                self.say("%4d %8s | %8s %6.2fx | %12.1f" % (
                    k, jname if jname != "K" else "K=%s" % jobs, fmt_s(w), w / base,
                    1000 * row["nst_cpu_s"] / k))
        for k in ks:
            rows = {r["jobs"]: r for r in self.results["diff"] if r["latency"] == lat and
                    r["k"] == k}
            if k > 1:
                par = rows.get("K", rows.get("default"))
                self.say("  K=%d: parallel is %.1fx faster than --jobs 1" % (
                    k, rows["1"]["wall_s"] / par["wall_s"]))

    def push_targets(self, ks):
        rows = self.results["push"]
        kmax, kmin = max(ks), min(ks)

        def get(lat, k, jobs):
            for r in rows:
                if r["latency"] == lat and r["k"] == k and r["jobs"] == jobs:
                    return r
            return None
        self.say("")
        one = get("router", kmin, "1")
        par = get("router", kmax, "K") or get("router", kmax, "default")
        dflt = get("router", kmax, "default")
        if one and par:
            self.target("with latency: push to %d <= 1.5x push to %d (--jobs %d)" % (
                kmax, kmin, min(kmax, 64)), par["wall_s"] <= 1.5 * one["wall_s"],
                "%.2fx" % (par["wall_s"] / one["wall_s"]))
        if one and dflt:
            self.target("with latency: push to %d <= 1.5x push to %d (default --jobs)" % (
                kmax, kmin), dflt["wall_s"] <= 1.5 * one["wall_s"],
                "%.2fx" % (dflt["wall_s"] / one["wall_s"]))
        # CPU per device flat: at each larger K, netstitch's CPU per device is at most
        # 1.25x what it was at the previous K (K = 1 also carries the fixed start-up cost,
        # so per-device CPU normally falls from there), with --jobs 1 and in parallel.
        per = lambda r: 1000 * r["nst_cpu_s"] / r["k"]
        ok, parts = True, []
        for jobs in ("1", "par"):
            seq = []
            for k in sorted(ks):
                r = get("none", k, "1") if jobs == "1" or k == 1 else \
                    (get("none", k, "K") or get("none", k, "default"))
                seq.append((k, per(r)))
            ok = ok and all(b[1] <= 1.25 * a[1] for a, b in zip(seq, seq[1:]))
            parts.append("%s: %s" % ("jobs 1" if jobs == "1" else "parallel",
                                     ", ".join("K=%d %.1f" % x for x in seq)))
        self.target("no latency: netstitch CPU per device flat as K grows (<= 1.25x step)", ok,
                    "ms/device " + "; ".join(parts))


def main():
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", required=True)
    ap.add_argument("--build", default="build")
    ap.add_argument("--sizes", default="10,100" if quick else "10,100,1000")
    ap.add_argument("--reps", type=int, default=3 if quick else 5)
    ap.add_argument("--reps-large", type=int, default=3)
    ap.add_argument("--push-k", default="1,10" if quick else "1,10,50")
    ap.add_argument("--push-reps", type=int, default=1 if quick else 3)
    ap.add_argument("--rpc-ms", type=int, default=20)
    ap.add_argument("--commit-ms", type=int, default=500)
    ap.add_argument("--only", choices=["compile", "push"])
    a = ap.parse_args()
    b = Bench(a)
    t0 = time.monotonic()
    b.say("netstitch bench (%s): %s, %d cores" % (
        "BENCH_QUICK" if quick else "full", os.uname().release, os.cpu_count()))
    if a.only in (None, "compile"):
        b.bench_compile()
    if a.only in (None, "push"):
        b.bench_push()
    b.results["seconds"] = time.monotonic() - t0
    out = os.path.join(b.work, "results.json")
    with open(out, "w") as f:
        json.dump(b.results, f, indent=1)
    b.say("")
    b.say("bench: %.0f s; numbers in %s" % (b.results["seconds"], out))


if __name__ == "__main__":
    main()
