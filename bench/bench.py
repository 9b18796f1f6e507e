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
import atexit
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


def load():
    """The 1-minute load average: recorded with every measurement (other work on the
    machine inflates wall times; ratios measured side by side suffer less)."""
    return round(os.getloadavg()[0], 2)


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
        self.results = {"compile": [], "push": [], "diff": [], "baselines": [], "targets": [],
                        "ratios": {}, "load_start": load()}
        self.yang = os.path.join(self.top, "yang")

    def say(self, *args):
        print(*args, flush=True)

    def target(self, name, ok, detail):
        self.results["targets"].append({"target": name, "met": ok, "detail": detail,
                                        "load": load()})
        self.say("  target: %-58s %-8s (%s)" % (name, verdict(ok), detail))

    def unmeasured(self, name):
        """A target this run does not measure (BENCH_QUICK, or a --only subset)."""
        self.results["targets"].append({"target": name, "met": None,
                                        "detail": "not measured in this run"})
        self.say("  target: %-58s %-8s (%s)" % (name, "-", "not measured in this run"))

    def ratio(self, name, value):
        """A ratio (lower is better) that tests/bench/t_bench_quick.sh compares with the
        checked-in bench/baseline-quick.json: more than twice the baseline fails."""
        self.results["ratios"][name] = round(value, 4)

    def gen(self, n, path, variant=None):
        argv = [PY, os.path.join(self.top, "bench", "gen-service.py"), str(n), "-o", path]
        if variant:
            argv += ["--variant", variant]
        subprocess.run(argv, check=True)

    # ---------------------------------------------------------------- compile
    def out_fs(self):
        """Where the compiles write: /dev/shm when it is a tmpfs with 2 GB free (the outputs
        of N = 1000 take 0.5 GB), else the bench's directory."""
        try:
            with open("/proc/mounts") as f:
                tmpfs = any(l.split()[1] == "/dev/shm" and l.split()[2] == "tmpfs" for l in f)
            st = os.statvfs("/dev/shm")
            if tmpfs and st.f_bavail * st.f_frsize >= 2 << 30:
                return "/dev/shm"
        except OSError:
            pass
        return self.work

    def bench_compile(self):
        a = self.a
        sizes = [int(x) for x in a.sizes.split(",")]
        self.say("== compile: `netstitch compile SERVICE -o DIR` vs `yanglint -p yang/ietf "
                 "yang/netstitch-intercloud.yang SERVICE`")
        self.say("   (same file, runs interleaved, median of R runs; RSS = peak resident set; "
                 "check = `netstitch check`; output into new directories under %s)" %
                 self.out_fs())
        self.say("%6s %7s %7s %3s | %9s %9s %7s %6s | %8s %8s %6s | %9s | %5s" % (
            "N", "conns", "MB in", "R", "yanglint", "compile", "ratio", "us/conn",
            "yl MB", "nst MB", "ratio", "check", "load"))
        rows = []
        # Every compile writes into a directory of its own that did not exist, on a tmpfs
        # when there is one with room (/dev/shm), and they are all removed after the last
        # size.  Not into the previous run's directory, emptied with rm -rf, and not on the
        # build's disk if it can be helped: on ext4 without a journal (this machine's) every
        # new inode's allocation walks past each inode of its group freed in the last 60 s,
        # 360 s while the group's inode table is being written (fs/ext4/ialloc.c,
        # recently_deleted()), so the compile's time there depends on what anything removed
        # in the minutes before: round 8 measured 2.46, 2.81, 3.11 s for one N = 1000
        # compile as the removed outputs piled up, and 0.24 against 0.31 s at N = 100 after
        # another run's outputs were removed.  Every byte is still written (into the page
        # cache, as on a disk); bench/README.md.
        outroot = tempfile.mkdtemp(prefix="netstitch-bench-", dir=self.out_fs())
        atexit.register(shutil.rmtree, outroot, True)  # also when a run fails (sys.exit)
        for n in sizes:
            svc = os.path.join(self.work, "svc-%d.xml" % n)
            self.gen(n, svc)
            size_mb = os.path.getsize(svc) / 1e6
            reps = a.reps if n < 1000 else max(1, a.reps_large)
            yl, nc, ck = [], [], []
            for rep in range(reps):
                outdir = os.path.join(outroot, "out-%d-%d" % (n, rep))
                # The service model and the modules that augment it (on-ramps, shared
                # exchange ports, QinQ bundles, redundant pairs): what netstitch loads.
                r = run(["yanglint", "-p", os.path.join(self.yang, "ietf")]
                        + [os.path.join(self.yang, "netstitch-%s.yang" % m) for m in SERVICE_MODULES]
                        + [svc])
                if r[0] != 0:
                    sys.exit("bench: yanglint failed on %s: %s" % (svc, r[4][-2000:]))
                yl.append(r)
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
                "load": load(),
                "yanglint_runs_s": [r[1] for r in yl],
            }
            row["time_ratio"] = row["compile_s"] / row["yanglint_s"]
            row["rss_ratio"] = row["compile_rss_kb"] / row["yanglint_rss_kb"]
            rows.append(row)
            self.say("%6d %7d %7.1f %3d | %9s %9s %6.2fx %6.0f | %8.1f %8.1f %5.2fx | %9s | %5.1f" % (
                n, 10 * n, size_mb, reps, fmt_s(row["yanglint_s"]), fmt_s(row["compile_s"]),
                row["time_ratio"], 1e6 * row["compile_s"] / (10 * n),
                row["yanglint_rss_kb"] / 1024, row["compile_rss_kb"] / 1024, row["rss_ratio"],
                fmt_s(row["check_s"]), row["load"]))
        self.results["compile"] = rows
        shutil.rmtree(outroot, ignore_errors=True)
        for prev, cur in zip(rows, rows[1:]):
            k = cur["n"] / prev["n"]
            self.say("  growth %d -> %d routers (x%g): yanglint x%.1f, compile x%.1f, "
                     "check x%.1f; peak RSS: yanglint x%.1f, compile x%.1f" % (
                         prev["n"], cur["n"], k, cur["yanglint_s"] / prev["yanglint_s"],
                         cur["compile_s"] / prev["compile_s"], cur["check_s"] / prev["check_s"],
                         cur["yanglint_rss_kb"] / prev["yanglint_rss_kb"],
                         cur["compile_rss_kb"] / prev["compile_rss_kb"]))
        by_n = {r["n"]: r for r in rows}
        big = by_n.get(1000)
        if big:
            self.target("compile at N=1000 <= 1.0x yanglint", big["time_ratio"] <= 1.0,
                        "%.2fx" % big["time_ratio"])
            self.target("peak RSS at N=1000 <= 2x yanglint", big["rss_ratio"] <= 2.0,
                        "%.2fx" % big["rss_ratio"])
        else:
            self.unmeasured("compile at N=1000 <= 1.0x yanglint")
            self.unmeasured("peak RSS at N=1000 <= 2x yanglint")
        mid = by_n.get(100)
        if mid:
            self.target("compile at N=100 <= 1.5x yanglint", mid["time_ratio"] <= 1.5,
                        "%.2fx" % mid["time_ratio"])
            self.ratio("compile_time_vs_yanglint_n100", mid["time_ratio"])
            self.ratio("compile_rss_vs_yanglint_n100", mid["rss_ratio"])
        for prev, cur in zip(rows, rows[1:]):
            k = cur["n"] / prev["n"]
            g = cur["compile_s"] / prev["compile_s"]
            gm = cur["compile_rss_kb"] / prev["compile_rss_kb"]
            # Linear: 10x the input costs at most 11x the time and the memory. Below
            # N = 100 the fixed cost (the device models) dominates, so only steps from
            # N >= 100 are targets; the others are printed above.
            if prev["n"] >= 100:
                self.target("linear growth %d -> %d (time and RSS <= %.0fx)" % (
                    prev["n"], cur["n"], 1.1 * k), g <= 1.1 * k and gm <= 1.1 * k,
                    "time x%.1f, RSS x%.1f" % (g, gm))
            self.ratio("compile_growth_time_%d_%d" % (prev["n"], cur["n"]), g / k)
            self.ratio("compile_growth_rss_%d_%d" % (prev["n"], cur["n"]), gm / k)

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
        # The larger sizes (default 200) are pushed only with latency and default options.
        ks_large = [int(x) for x in a.push_k_large.split(",") if x]
        kmax = max(ks + ks_large)
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
            for k in ks + ks_large:
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
        # The live diff loads the whole service it is given: with the large sizes in the lab,
        # it gets a service of max(ks) routers of its own (same names; the lab's first
        # routers), so that "diff of 50 against diff of one" keeps a 50-router service.
        dsvc, ddirs = svc, dirs
        if ks_large:
            dsvc, ddirs = {}, {}
            for v in ("A", "B"):
                dsvc[v] = os.path.join(self.work, "diff-%d-%s.xml" % (max(ks), v))
                self.gen(max(ks), dsvc[v], variant="variant-" + v)
                d = os.path.join(self.work, "diff-%s" % v)
                shutil.rmtree(d, ignore_errors=True)
                r = run([self.nst, "compile", dsvc[v], "-o", d])
                if r[0] != 0:
                    sys.exit("bench: compile of the diff service failed: " + r[4][-2000:])
                for k in ks:
                    dk = os.path.join(self.work, "diff-%s-%d" % (v, k))
                    shutil.rmtree(dk, ignore_errors=True)
                    os.makedirs(dk)
                    for name in devs[:k]:
                        shutil.copy(os.path.join(d, name + ".xml"), dk)
                    ddirs[(v, k)] = dk
        has_diff = "diff" in subprocess.run([self.nst, "help"], capture_output=True,
                                            text=True).stdout.split()
        self.has_diff = has_diff
        try:
            self.variant = "A"
            # Warm-up: host keys recorded, schemas cached, every router configured once.
            for v in ("A", "B"):
                r = run([self.nst, "push", "-q", "--inventory", inv,
                         "--payloads", dirs[(v, kmax)], "--state-dir", state])
                if r[0] != 0:
                    sys.exit("bench: warm-up push failed (%d): %s" % (r[0], r[4][-3000:]))
            self.variant = "A"
            # Every series is a median: one draw of a 0.15 s diff or a 1.2 s push moves its
            # ratio by 10-15% (round 6 saw 1.90x to 2.27x for one code), so the ratio against
            # K=1 is of medians (--push-reps runs; the diff's --diff-reps rounds, see
            # diff_series()).  Only --jobs 1 with latency at K > 1 (a minute at K=50) runs once.
            for lat_name, faults in (
                    ("none", None),
                    ("router", "delay %d\ndelay-commit %d\n" % (a.rpc_ms, a.commit_ms))):
                reps = a.push_reps
                self.lab_faults(devs, faults)
                self.push_series(lat_name, ks + (ks_large if faults else []), devs, dirs, inv,
                                 state, reps, ks_large)
                if has_diff:
                    self.diff_series(lat_name, ks, devs, dsvc, ddirs, inv, state, a.diff_reps)
                if faults and a.baselines:
                    self.bench_baselines(max(ks), devs, dirs, inv, state)
            self.lab_faults(devs, None)
        finally:
            subprocess.run(["sh", simnet, "stop", lab], env=env)
        self.push_targets(ks, ks_large)

    def jobs_settings(self, k, large=False):
        """--jobs 1 and the default (every device since issue 17, so --jobs K is the
        default); BENCH_QUICK and the large sizes only the default."""
        if k == 1:
            return [("1", "1")]
        if large or self.quick:
            return [("default", None)]
        return [("1", "1"), ("default", None)]

    def push_series(self, lat, ks, devs, dirs, inv, state, reps, ks_large=()):
        a = self.a
        self.say("")
        if lat == "none":
            self.say("== push, no injected latency (CPU-bound: client and %d simulated routers "
                     "share %d cores); median of %d" % (max(ks), os.cpu_count(), reps))
        else:
            self.say("== push, a router's latency injected: %d ms per RPC, %d ms per commit "
                     "(netsim `delay`, `delay-commit`); median of %d (--jobs 1 at K > 1: one "
                     "run)" % (a.rpc_ms, a.commit_ms, reps))
        self.say("%4s %8s | %8s %7s | %12s %12s | %5s" % ("K", "jobs", "wall s", "/ K=1",
                                                         "nst CPU ms/dev", "sim CPU ms/dev",
                                                         "load"))
        base = {}
        for k in ks:
            for jname, jobs in self.jobs_settings(k, k in ks_large):
                walls, cpus, sims = [], [], []
                n = 1 if (lat != "none" and jobs == "1" and k > 1) else reps
                for _ in range(n):
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
                b1 = base.get("1")
                row = {"latency": lat, "k": k, "jobs": jname, "wall_s": w, "reps": n,
                       "wall_runs_s": walls, "nst_cpu_s": median(cpus), "sim_cpu_s": median(sims),
                       "ratio_k1": w / b1, "load": load()}
                self.results["push"].append(row)
                self.say("%4d %8s | %8s %6.2fx | %12.1f %12.1f | %5.1f" % (
                    k, jname if jname != "K" else "K=%s" % jobs, fmt_s(w), w / b1,
                    1000 * row["nst_cpu_s"] / k, 1000 * row["sim_cpu_s"] / k, row["load"]))
        for k in ks:
            rows = {r["jobs"]: r for r in self.results["push"] if r["latency"] == lat and
                    r["k"] == k}
            if k == 1 or "1" not in rows or "default" not in rows:
                continue
            self.say("  K=%d: the default --jobs is %.1fx faster than --jobs 1" % (
                k, rows["1"]["wall_s"] / rows["default"]["wall_s"]))

    def diff_series(self, lat, ks, devs, svc, dirs, inv, state, reps):
        """The live diff at each K and --jobs, in rounds: every round runs each setting once
        (K = 1 first), so that a slow minute lands on K = 1 and K = 50 alike instead of on
        one series; each figure is the median of its --diff-reps rounds.  --jobs 1 at K > 1
        with latency (2.6 s at K = 50) runs in the first round only."""
        self.say("")
        self.say("== live diff (`diff SERVICE --payloads DIR --no-state`), %s latency; median "
                 "of %d rounds, each running every setting once" % (
                     "no injected" if lat == "none" else "router", reps))
        self.say("%4s %8s | %8s %7s | %12s | %17s | %5s" % (
            "K", "jobs", "wall s", "/ K=1", "nst CPU ms/dev", "runs min..max s", "load"))
        settings = [(k, jname, jobs) for k in ks for jname, jobs in self.jobs_settings(k)]
        walls = {s: [] for s in settings}
        cpus = {s: [] for s in settings}
        # Against the variant not on the routers: every router has changes.
        other = "B" if self.variant == "A" else "A"
        for rnd in range(reps):
            for s in settings:
                k, jname, jobs = s
                if rnd and lat != "none" and jobs == "1" and k > 1:
                    continue
                argv = [self.nst, "diff", svc[other], "-q", "--no-state", "--inventory",
                        inv, "--payloads", dirs[(other, k)], "--state-dir", state]
                if jobs:
                    argv += ["--jobs", jobs]
                r = run(argv)
                if r[0] != 3:
                    sys.exit("bench: diff K=%d jobs=%s: exit %d, want 3 (changes): %s" % (
                        k, jname, r[0], r[4][-2000:]))
                walls[s].append(r[1])
                cpus[s].append(r[2])
        base = median(walls[settings[0]])
        for s in settings:
            k, jname, jobs = s
            w = median(walls[s])
            row = {"latency": lat, "k": k, "jobs": jname, "wall_s": w, "reps": len(walls[s]),
                   "wall_runs_s": walls[s], "nst_cpu_s": median(cpus[s]), "ratio_k1": w / base,
                   "load": load()}
            self.results["diff"].append(row)
            self.say("%4d %8s | %8s %6.2fx | %12.1f | %8s..%-8s | %5.1f" % (
                k, jname if jname != "K" else "K=%s" % jobs, fmt_s(w), w / base,
                1000 * row["nst_cpu_s"] / k, fmt_s(min(walls[s])), fmt_s(max(walls[s])),
                row["load"]))
        for k in ks:
            rows = {r["jobs"]: r for r in self.results["diff"] if r["latency"] == lat and
                    r["k"] == k}
            if k > 1 and "1" in rows and "default" in rows:
                self.say("  K=%d: the default --jobs is %.1fx faster than --jobs 1" % (
                    k, rows["1"]["wall_s"] / rows["default"]["wall_s"]))

    def push_targets(self, ks, ks_large):
        kmax = max(ks)

        def get(table, lat, k, jobs):
            for r in self.results[table]:
                if r["latency"] == lat and r["k"] == k and r["jobs"] == jobs:
                    return r
            return None
        self.say("")
        one = get("push", "router", 1, "1")
        for k, limit in [(kmax, 1.5)] + [(k, 3.0) for k in ks_large]:
            r = get("push", "router", k, "default")
            name = "with latency, default options: push to %d <= %gx push to 1" % (k, limit)
            if one and r:
                self.target(name, r["wall_s"] <= limit * one["wall_s"],
                            "%.2fx: %.2f s / %.2f s" % (r["wall_s"] / one["wall_s"], r["wall_s"],
                                                        one["wall_s"]))
                if k == kmax:
                    self.ratio("push_latency_k%d_over_k1" % k, r["wall_s"] / one["wall_s"])
            else:
                self.unmeasured(name)
        if 200 not in ks_large:
            self.unmeasured("with latency, default options: push to 200 <= 3x push to 1")
        d1, dk = get("diff", "router", 1, "1"), get("diff", "router", kmax, "default")
        name = "with latency, default options: live diff of %d <= 2x one" % kmax
        if d1 and dk:
            self.target(name, dk["wall_s"] <= 2 * d1["wall_s"], "%.2fx" % (
                dk["wall_s"] / d1["wall_s"]))
            self.ratio("diff_latency_k%d_over_k1" % kmax, dk["wall_s"] / d1["wall_s"])
        else:
            self.unmeasured(name)
        # CPU per router: the push to the most routers without injected latency, default
        # options (median of the runs), netstitch's own CPU and the simulator's.
        r = get("push", "none", kmax, "default")
        if r:
            cpu, sim = 1000 * r["nst_cpu_s"] / kmax, 1000 * r["sim_cpu_s"] / kmax
            self.target("client CPU per router in a push (K=%d) <= 12 ms" % kmax, cpu <= 12,
                        "%.1f ms" % cpu)
            self.target("netsim CPU per router per push (K=%d) <= 25 ms" % kmax, sim <= 25,
                        "%.1f ms" % sim)
            r1 = get("push", "none", 1, "1")
            if r1:
                # Per-router CPU at K relative to one router: flat or falling is linear.
                self.ratio("push_cpu_per_router_k%d_over_k1" % kmax,
                           (r["nst_cpu_s"] / kmax) / r1["nst_cpu_s"])
        for b in self.results["baselines"]:
            if b["tool"] == "ncclient":
                self.target("%d routers with latency: >= 25x faster than sequential ncclient"
                            % b["k"], b["speedup"] >= 25 and b["same_config"],
                            "%.1fx: ncclient %.1f s, netstitch %.2f s; same config: %s" % (
                                b["speedup"], b["wall_s"], b["netstitch_s"],
                                "yes" if b["same_config"] else "NO"))
            else:
                self.target("%d routers with latency: faster than Ansible netconf_config"
                            % b["k"], b["speedup"] > 1 and b["same_config"],
                            "%.1fx: ansible-playbook %.1f s, netstitch %.2f s; same config: %s" % (
                                b["speedup"], b["wall_s"], b["netstitch_s"],
                                "yes" if b["same_config"] else "NO"))
        if not self.results["baselines"]:
            self.unmeasured("with latency: >= 25x faster than sequential ncclient")
            self.unmeasured("with latency: faster than Ansible netconf_config")

    # ---------------------------------------------------------------- baselines
    def secret_payloads(self, src, dst):
        """The payloads with the lab's secrets in place (what netstitch sends)."""
        from xml.sax.saxutils import escape
        os.makedirs(dst, exist_ok=True)
        sec = os.path.join(self.lab, "secrets")
        for f in os.listdir(src):
            with open(os.path.join(src, f)) as fh:
                text = fh.read()
            text = re.sub(r"\$NST_SECRET\{([^}]+)\}",
                          lambda m: escape(open(os.path.join(sec, m.group(1))).read()), text)
            with open(os.path.join(dst, f), "w") as fh:
                fh.write(text)

    def dump_running(self, devs, out):
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([PY, os.path.join(self.top, "bench", "ncclient-push.py"), "dump",
                        self.lab, out] + devs, check=True)
        return {d: open(os.path.join(out, d + ".xml")).read() for d in devs}

    def bench_baselines(self, k, devs, dirs, inv, state):
        """With the router latency in place: from variant A on the first K routers, push
        variant B with netstitch (default options), then, back from A each time, with a
        sequential ncclient loop and with the Ansible playbook; each ends by comparing
        every router's running configuration with the one netstitch's push left."""
        devs = devs[:k]
        self.say("")
        self.say("== baselines: %d routers with a router's latency, from variant A to B" % k)

        def nst_push(v):
            r = run([self.nst, "push", "-q", "--inventory", inv, "--payloads", dirs[(v, k)],
                     "--state-dir", state])
            if r[0] != 0:
                sys.exit("bench: baseline reset push failed: " + r[4][-2000:])
            return r
        nst_push("A")
        r = nst_push("B")
        self.variant = "B"
        t_nst = r[1]
        ref = self.dump_running(devs, os.path.join(self.work, "running-netstitch"))
        self.say("  netstitch push (default options): %.2f s (load %.1f)" % (t_nst, load()))
        pay_b = os.path.join(self.work, "baseline-payloads-B-%d" % k)
        shutil.rmtree(pay_b, ignore_errors=True)
        self.secret_payloads(dirs[("B", k)], pay_b)
        tools = [("ncclient", [PY, os.path.join(self.top, "bench", "ncclient-push.py"), "push",
                               self.lab, pay_b] + devs, None)]
        if shutil.which("ansible-playbook"):
            adir = os.path.join(self.top, "bench", "ansible")
            env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(adir, "ansible.cfg"),
                       ANSIBLE_HOME=os.path.join(self.work, "ansible-home"),
                       ANSIBLE_LOCAL_TEMP=os.path.join(self.work, "ansible-tmp"),
                       BENCH_LAB=self.lab, BENCH_PAYLOADS=pay_b, BENCH_DEVICES=",".join(devs))
            tools.append(("ansible", ["ansible-playbook", "-i",
                                      os.path.join(adir, "inventory.py"),
                                      os.path.join(adir, "push.yml")], env))
        else:
            self.say("  ansible-playbook not found (scripts/install-deps.sh installs it): "
                     "no Ansible baseline")
        for tool, argv, env in tools:
            nst_push("A")
            t0 = time.monotonic()
            p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            wall = time.monotonic() - t0
            got = self.dump_running(devs, os.path.join(self.work, "running-" + tool))
            same = [d for d in devs if got[d] != ref[d]] == []
            row = {"tool": tool, "k": k, "wall_s": wall, "netstitch_s": t_nst,
                   "speedup": wall / t_nst, "exit": p.returncode,
                   "same_config": same and p.returncode == 0, "load": load()}
            self.results["baselines"].append(row)
            self.say("  %-9s %.1f s (exit %d; load %.1f): netstitch is %.1fx faster; every "
                     "router's running config equal to netstitch's push: %s" % (
                         tool, wall, p.returncode, row["load"], row["speedup"],
                         "yes" if same else "NO"))
            log = os.path.join(self.work, "baseline-%s.log" % tool)
            with open(log, "wb") as f:
                f.write(p.stdout)
            if p.returncode or not same:
                text = p.stdout.decode("utf-8", "replace")
                bad = [ln for ln in text.splitlines() if re.search(
                    r"fatal|FAILED|Error|Traceback|error", ln)]
                self.say("  %s: output in %s; %s" % (tool, log, "\n    ".join(
                    [x[:400] for x in bad[:10]]) or text[-1500:]))
                self.say("  routers whose running config differs: %s" % ", ".join(
                    d for d in devs if got[d] != ref[d]))
        self.variant = "B"


# The service model's modules, as tests/models/t_models.sh lists them.
SERVICE_MODULES = ("intercloud", "onramp", "exchange", "qinq", "redundancy")


def main():
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top", required=True)
    ap.add_argument("--build", default="build")
    ap.add_argument("--sizes", default="10,100" if quick else "10,100,1000")
    ap.add_argument("--reps", type=int, default=3 if quick else 5)
    ap.add_argument("--reps-large", type=int, default=5)
    ap.add_argument("--push-k", default="1,10" if quick else "1,10,50")
    ap.add_argument("--push-k-large", default="" if quick else "200")
    ap.add_argument("--push-reps", type=int, default=1 if quick else 3)
    ap.add_argument("--diff-reps", type=int, default=3 if quick else 9)
    ap.add_argument("--no-baselines", dest="baselines", action="store_false",
                    default=not quick)
    ap.add_argument("--check-baseline", metavar="JSON",
                    help="fail when a ratio is more than twice the one in JSON")
    ap.add_argument("--write-baseline", metavar="JSON", help="write the ratios to JSON")
    ap.add_argument("--rpc-ms", type=int, default=20)
    ap.add_argument("--commit-ms", type=int, default=500)
    ap.add_argument("--only", choices=["compile", "push"])
    a = ap.parse_args()
    b = Bench(a)
    b.quick = quick
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
    b.say("bench: %.0f s (load average %.1f at the start, %.1f at the end); numbers in %s" % (
        b.results["seconds"], b.results["load_start"], load(), out))
    if a.write_baseline:
        with open(a.write_baseline, "w") as f:
            json.dump({"ratios": b.results["ratios"]}, f, indent=1, sort_keys=True)
            f.write("\n")
    if a.check_baseline:
        with open(a.check_baseline) as f:
            want = json.load(f)["ratios"]
        bad = []
        for name, ref in sorted(want.items()):
            got = b.results["ratios"].get(name)
            if got is None:
                bad.append("%s: not measured" % name)
            elif got > 2 * ref:
                bad.append("%s: %.3f, more than twice the baseline %.3f" % (name, got, ref))
            else:
                b.say("  ratio %-40s %.3f (baseline %.3f): ok" % (name, got, ref))
        for x in bad:
            b.say("  REGRESSION " + x)
        if bad:
            sys.exit(1)


if __name__ == "__main__":
    main()
