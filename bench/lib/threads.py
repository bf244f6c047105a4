"""bench/run threads: portwatch read --threads N (one capture shared out by host pair among N threads) against
--threads 1 on the generator's capture; each output first checked against the generator's exact counts."""
import json
import os
import shlex
import subprocess

import benchlib as B


def run_phase(a):
    m = B.machine()
    pcap, expected_file, expected, gen_cmd = B.ensure_capture(a.packets, a.seed, a.concurrency, a.rate, a.snaplen)
    packets = expected["summary"]["packets"]
    log = os.path.join(B.OUT, "threads.log")
    open(log, "w").close()
    counts = [1] + [n for n in (2, 3, 4) if n <= max(2, os.cpu_count() or 1)]
    cmds = [(n, [B.rel(B.PORTWATCH), "read", "--format", "json", "--threads", str(n), B.rel(pcap)]) for n in counts]

    # correctness first: each thread count's per-port output equals the generator's counts
    checks = {}
    for n, cmd in cmds:
        out = os.path.join(B.OUT, "threads-%d.jsonl" % n)
        with open(out, "wb") as o, open(log, "ab") as err:
            r = B.run_once(cmd, stdout=o, stderr=err)
        if r["status"] != 0:
            B.die("CORRECTNESS CHECK FAILED: %s exited %d (see %s)" % (shlex.join(cmd), r["status"], B.rel(log)))
        check = subprocess.run(B.java_cmd("CheckCounts", B.rel(expected_file), B.rel(out), heap="1g"), cwd=B.ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        B.say("check (--threads %d): %s" % (n, check.stdout.strip()))
        if check.returncode != 0:
            B.die("CORRECTNESS CHECK FAILED: --threads %d differs from %s\n%s" % (n, B.rel(expected_file), check.stdout))
        checks[n] = check.stdout.strip()

    # the runs take turns (one warm-up round, then --repeat rounds)
    runs = {n: [] for n, _ in cmds}
    with open(log, "ab") as err:
        for rnd in range(a.repeat + 1):
            for n, cmd in cmds:
                r = B.run_once(cmd, stderr=err)
                if r["status"] != 0:
                    B.die("--threads %d failed (exit %d); see %s" % (n, r["status"], B.rel(log)))
                if rnd > 0:
                    runs[n].append(r)
            B.say("round %d of %d done" % (rnd, a.repeat))
    results = []
    for n, cmd in cmds:
        s = B.summary(runs[n], packets)
        results.append({"threads": n, "command": shlex.join(cmd), **s, "raw": runs[n]})
    load_after = B.loadavg()
    base = results[0]
    md = ["# portwatch read --threads N, %s" % m["date"][:10], ""]
    md += B.machine_lines(m)
    md += ["- load average at the end: %s" % load_after,
           "- timing: %d rounds after one untimed warm-up round; in each round the runs take turns; wall clock per"
           " run, JVM start-up included" % a.repeat, "",
           "## Capture", "",
           "`%s`: %s packets, %.0f MB. Made by" % (B.rel(pcap), B.fmt_int(packets), os.path.getsize(pcap) / 1e6), "",
           "    " + shlex.join(gen_cmd), "",
           "## Correctness", ""]
    md += ["- --threads %d: %s" % (n, checks[n]) for n, _ in cmds]
    md += ["", "## Throughput", ""]
    rows = [["--threads %d" % r["threads"], r["runs"], "%.3f" % r["median_s"], "%.3f-%.3f" % (r["min_s"], r["max_s"]),
             B.fmt_rate(r["pps"]), "%.2f" % r["cpu_s"], "%.0f MiB" % r["rss_mib"],
             "%.2f" % (base["median_s"] / r["median_s"]), "%.2f" % (r["cpu_s"] / base["cpu_s"])] for r in results]
    md += B.table(["run", "runs", "median s", "min-max s", "packets/s", "CPU s", "peak RSS",
                   "speed-up (wall)", "CPU vs 1 thread"], rows)
    md += ["", "## Commands", ""] + ["    " + r["command"] for r in results] + [""]
    path = B.results_file("threads")
    with open(path, "w") as f:
        f.write("\n".join(md))
    with open(path[:-3] + ".json", "w") as f:
        json.dump({"machine": m, "load_average_end": load_after, "capture": B.rel(pcap), "packets": packets,
                   "generator_command": gen_cmd, "checks": checks, "results": results}, f, indent=2)
        f.write("\n")
    B.say("\n".join(md[md.index("## Throughput"):md.index("## Commands")]))
    B.say("results: %s (and .json)" % B.rel(path))
