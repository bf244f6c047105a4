"""Shared pieces of bench/run and bench/live: build, synthetic captures, timing, machine facts, results files.

Python 3 standard library only.
"""

import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
DATA = os.path.join(BENCH, "data")
OUT = os.path.join(BENCH, "out")
RESULTS = os.path.join(BENCH, "results")
PORTWATCH_JAR = os.path.join(ROOT, "app", "target", "portwatch.jar")
# the launcher the build puts beside the jar (src/dist/portwatch): how users run portwatch
PORTWATCH = os.path.join(ROOT, "app", "target", "portwatch")
BENCH_JAR = os.path.join(BENCH, "target", "portwatch-bench.jar")


def say(msg):
    print(msg, flush=True)


def die(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def rel(path):
    """A path as shown in results: relative to the checkout."""
    return os.path.relpath(path, ROOT)


def build():
    """Builds the portwatch and bench jars (offline first; online when a dependency is missing)."""
    cmd = ["mvn", "-q", "-B", "-pl", "app,bench", "-am", "package", "-DskipTests"]
    say("build: " + " ".join(cmd[:3] + ["-o"] + cmd[3:]))
    if subprocess.run(cmd[:3] + ["-o"] + cmd[3:], cwd=ROOT).returncode != 0:
        say("build: offline build failed, trying with the network (first download of a dependency)")
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            die("the build failed")
    for jar in (PORTWATCH_JAR, PORTWATCH, BENCH_JAR):
        if not os.path.isfile(jar):
            die("the build made no " + rel(jar))


def java_cmd(main, *args, heap="2g"):
    return ["java", "-Xmx" + heap, "-cp", rel(BENCH_JAR), "io.portwatch.bench." + main, *map(str, args)]


def capture_stem(packets, seed, concurrency, rate, snaplen):
    return "synth-s%d-p%d-c%d-r%d-l%d" % (seed, packets, concurrency, rate, snaplen)


def ensure_capture(packets, seed, concurrency, rate, snaplen):
    """The synthetic capture and its expected counts, generated unless already there (same seed and size)."""
    os.makedirs(DATA, exist_ok=True)
    stem = capture_stem(packets, seed, concurrency, rate, snaplen)
    pcap = os.path.join(DATA, stem + ".pcap")
    expected = os.path.join(DATA, stem + ".expected.json")
    cmd = java_cmd("GenerateCapture", "--packets", packets, "--seed", seed, "--concurrency", concurrency,
                   "--rate", rate, "--snaplen", snaplen, "--out", rel(pcap))
    if os.path.isfile(pcap) and os.path.isfile(expected):
        say("capture: reusing " + rel(pcap))
    else:
        say("capture: generating " + rel(pcap))
        if subprocess.run(cmd, cwd=ROOT).returncode != 0:
            die("the generator failed")
    with open(expected) as f:
        exp = json.load(f)
    return pcap, expected, exp, cmd


def ensure_slice(pcap, count):
    """The first `count` packets of a capture (editcap -r), made once."""
    out = pcap[:-len(".pcap")] + "-first%d.pcap" % count
    if not os.path.isfile(out):
        tmp = out + ".tmp"
        subprocess.run(["editcap", "-F", "pcap", "-r", pcap, tmp, "1-%d" % count], check=True)
        os.replace(tmp, out)
    return out


def run_once(cmd, stdout=subprocess.DEVNULL, stderr=None, cwd=ROOT):
    """Runs cmd; returns wall seconds, user and system CPU seconds, peak RSS (KiB, the process and the
    children it waited for, as GNU time reports it) and the exit status."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=cwd)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "rss_kib": ru.ru_maxrss, "status": p.returncode}


def measure(label, cmd, repeat, log):
    """Times cmd: one untimed warm-up run, then `repeat` runs (hyperfine when installed, else a loop with
    wait4). stdout goes to /dev/null, stderr to log. Returns the runs."""
    with open(log, "ab") as err:
        err.write(("$ " + shlex.join(cmd) + "\n").encode())
        err.flush()
        warm = run_once(cmd, stderr=err)
        if warm["status"] != 0:
            die("%s failed (exit %d): %s; see %s" % (label, warm["status"], shlex.join(cmd), rel(log)))
        runs = []
        if shutil.which("hyperfine"):
            with tempfile.NamedTemporaryFile(suffix=".json") as js:
                subprocess.run(["hyperfine", "--style", "none", "--runs", str(repeat), "--export-json", js.name,
                                "--command-name", label, shlex.join(cmd)], cwd=ROOT, check=True,
                               stdout=subprocess.DEVNULL, stderr=err)
                res = json.load(open(js.name))["results"][0]
            rss = run_once(cmd, stderr=err)["rss_kib"]  # hyperfine does not measure memory
            for t in res["times"]:
                runs.append({"wall": t, "user": res["user"], "sys": res["system"], "rss_kib": rss, "status": 0})
        else:
            for _ in range(repeat):
                r = run_once(cmd, stderr=err)
                if r["status"] != 0:
                    die("%s failed (exit %d): %s; see %s" % (label, r["status"], shlex.join(cmd), rel(log)))
                runs.append(r)
    return runs


def summary(runs, packets):
    walls = [r["wall"] for r in runs]
    med = statistics.median(walls)
    return {
        "runs": len(runs),
        "median_s": med,
        "min_s": min(walls),
        "max_s": max(walls),
        "spread": (max(walls) - min(walls)) / med if med else 0.0,
        "pps": packets / med if med else 0.0,
        "rss_mib": statistics.median(r["rss_kib"] for r in runs) / 1024.0,
        "cpu_s": statistics.median(r["user"] + r["sys"] for r in runs),
        "packets": packets,
    }


def first_line(cmd):
    """The first line a tool prints about itself (standard output first; warnings on stderr skipped)."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError:
        return "not installed"
    lines = [l for l in (p.stdout + "\n" + p.stderr).splitlines() if l.strip() and "Running as user" not in l]
    return lines[0].strip() if lines else "?"


def machine():
    """What the figures were measured on."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1048576.0)
                    break
    except OSError:
        pass
    java = subprocess.run(["java", "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True).stdout.strip().splitlines()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": platform.node(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "jdk": " / ".join(l.strip() for l in java[:2]),
        "load_average": loadavg(),
    }


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def results_file(prefix, ext="md"):
    """bench/results/<prefix>-<date>.<ext>, with -2, -3, ... when that day already has one."""
    os.makedirs(RESULTS, exist_ok=True)
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    n = 1
    while True:
        name = "%s-%s%s.%s" % (prefix, day, "" if n == 1 else "-%d" % n, ext)
        path = os.path.join(RESULTS, name)
        if not os.path.exists(path):
            return path
        n += 1


def machine_lines(m):
    return [
        "- date: %s" % m["date"],
        "- machine: %s, nproc %s, %s memory, Linux %s" % (m["cpu"], m["nproc"], m["memory"], m["kernel"]),
        "- JDK: %s" % m["jdk"],
        "- load average (1, 5, 15 min) at the start: %s" % m["load_average"],
    ]


def fmt_int(n):
    return "{:,}".format(int(n))


def fmt_rate(pps):
    """Packets per second, short: 2.05 M, 675 k."""
    if pps >= 1e6:
        return "%.2f M" % (pps / 1e6)
    return "%.0f k" % (pps / 1e3)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return out


def strip_ansi(s):
    return re.sub(r"\x1b\[[0-9;]*m", "", s)
