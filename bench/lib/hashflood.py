"""bench/run hashflood: SYNs crafted against the flow table's old public hash beside random SYNs (issue 14, item 3).

Times `portwatch read --format json` on both captures of HashFloodCapture, the runs taking turns, for this
build and, with --baseline REV, for an older commit built in a temporary git worktree (its launcher and jar are
kept in bench/out/baseline-<commit>/). The figure is the ratio crafted / random of the median wall times; the
target is at most 2. Both builds must give the same per-port flow and packet counts on each file.
"""

import json
import os
import shlex
import shutil
import subprocess
import tempfile

import benchlib as B


def ensure_captures(syns, seed):
    """The crafted and the random capture, generated unless already there; with the generator's command and output."""
    crafted = os.path.join(B.DATA, "hashflood-crafted-n%d-s%d.pcap" % (syns, seed))
    random_ = os.path.join(B.DATA, "hashflood-random-n%d-s%d.pcap" % (syns, seed))
    cmd = B.java_cmd("HashFloodCapture", "--syns", syns, "--seed", seed, "--dir", B.rel(B.DATA), heap="1g")
    note = os.path.join(B.DATA, "hashflood-n%d-s%d.txt" % (syns, seed))  # what the generator printed
    if os.path.isfile(crafted) and os.path.isfile(random_):
        B.say("hashflood: reusing %s and %s" % (B.rel(crafted), B.rel(random_)))
        out = open(note).read().strip() if os.path.isfile(note) else ""
    else:
        B.say("hashflood: generating the captures (the crafted one is a search of about 65,536 hashes per SYN,"
              " on every core): " + shlex.join(cmd))
        p = subprocess.run(cmd, cwd=B.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        B.say(p.stdout.rstrip())
        if p.returncode != 0:
            B.die("the hash-flooding generator failed")
        out = p.stdout.strip()
        with open(note, "w") as f:
            f.write(out + "\n")
    return crafted, random_, cmd, out


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd or B.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def describe(rev="HEAD"):
    """`9f9fb7f Hash64.fmix64: one copy of ...` (subject cut at 80 characters)."""
    p = git("log", "-1", "--format=%h %s", rev)
    line = p.stdout.strip()
    return line if len(line) <= 80 else line[:79] + "…"


def baseline_build(rev):
    """The launcher of commit `rev`, built once: `git worktree add` into a temporary folder, `mvn -o package`
    there (never install), the launcher, jar and a class data archive made for their new place copied to
    bench/out/baseline-<commit>/, the worktree removed."""
    p = git("rev-parse", "--verify", "--quiet", rev + "^{commit}")
    if p.returncode != 0:
        B.die("--baseline %s: no such commit" % rev)
    sha = p.stdout.strip()
    cache = os.path.join(B.OUT, "baseline-" + sha[:12])
    launcher, jar = os.path.join(cache, "portwatch"), os.path.join(cache, "portwatch.jar")
    if os.path.isfile(launcher) and os.path.isfile(jar):
        B.say("baseline: reusing %s (%s)" % (B.rel(cache), describe(sha)))
        return launcher, sha
    tmp = tempfile.mkdtemp(prefix="portwatch-baseline-")
    wt = os.path.join(tmp, sha[:12])
    try:
        B.say("baseline: git worktree add --detach %s %s" % (wt, sha[:12]))
        p = git("worktree", "add", "--detach", wt, sha)
        if p.returncode != 0:
            B.die("git worktree add failed: " + p.stderr.strip())
        cmd = ["mvn", "-o", "-q", "-B", "-pl", "app", "-am", "package", "-DskipTests"]
        B.say("baseline: %s (in %s)" % (shlex.join(cmd), wt))
        if subprocess.run(cmd, cwd=wt).returncode != 0:
            B.die("the build of %s failed" % sha[:12])
        target = os.path.join(wt, "app", "target")
        staging = cache + ".tmp"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for name in ("portwatch", "portwatch.jar"):
            if not os.path.isfile(os.path.join(target, name)):
                B.die("the build of %s made no app/target/%s" % (sha[:12], name))
            shutil.copy2(os.path.join(target, name), staging)
        shutil.rmtree(cache, ignore_errors=True)
        os.replace(staging, cache)
        # the class data archive names the jar's path: made again beside the copy, from the run the build makes
        # it from (the sample capture), so that the baseline starts as fast as a build in place
        sample = os.path.join(wt, "src", "samples", "sample.pcap")
        subprocess.run(["java", "-XX:ArchiveClassesAtExit=" + os.path.join(cache, "portwatch.jsa"), "-jar", jar,
                        "read", "--format", "json", "--flows", sample],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=B.ROOT)
    finally:
        git("worktree", "remove", "--force", wt)
        shutil.rmtree(tmp, ignore_errors=True)
    return launcher, sha


def port_counts(path):
    """Flows and packets per (transport, port) summed over the windows, and the summary's, from JSON lines."""
    ports, summary = {}, None
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec["type"] == "port_stats":
                c = ports.setdefault("%s/%d" % (rec["transport"], rec["port"]), {"flows": 0, "packets": 0})
                c["flows"] += rec["flows"]
                c["packets"] += rec["packets"]
            elif rec["type"] == "summary":
                summary = {"flows": rec["flows"], "packets": rec["packets"]}
    return {"ports": ports, "summary": summary}


def run_phase(a):
    m = B.machine()
    crafted, random_, gen_cmd, gen_out = ensure_captures(a.syns, a.seed)
    files = [("random", random_), ("crafted", crafted)]
    builds = [{"name": "this build", "commit": describe(), "launcher": B.PORTWATCH}]
    if a.baseline and a.baseline != "none":
        launcher, sha = baseline_build(a.baseline)
        builds.append({"name": "baseline " + sha[:7], "commit": describe(sha), "launcher": launcher})
    log = os.path.join(B.OUT, "hashflood.log")
    open(log, "w").close()
    for b in builds:
        b["cmd"] = {kind: [B.rel(b["launcher"]), "read", "--format", "json", B.rel(path)] for kind, path in files}

    # correctness first: every build counts every SYN as a flow of one packet, and the builds agree per port
    counts = {}
    for b in builds:
        for kind, _ in files:
            out = os.path.join(B.OUT, "hashflood-%s-%s.jsonl" % (b["name"].split()[0], kind))
            with open(out, "wb") as o, open(log, "ab") as err:
                r = B.run_once(b["cmd"][kind], stdout=o, stderr=err)
            if r["status"] != 0:
                B.die("CORRECTNESS CHECK FAILED: %s exited %d (see %s)"
                      % (shlex.join(b["cmd"][kind]), r["status"], B.rel(log)))
            counts[(b["name"], kind)] = port_counts(out)
    want = {"ports": {"tcp/80": {"flows": a.syns, "packets": a.syns}}, "summary": {"flows": a.syns, "packets": a.syns}}
    for key, c in counts.items():
        if c != want:
            B.die("CORRECTNESS CHECK FAILED: %s on the %s capture: %s, expected %s" % (key[0], key[1], c, want))
    check = ("every build, both captures: %s flows and %s packets, all on tcp/80 (per-port flows and packets summed"
             " over windows, and the summary's), the same for both builds" % (B.fmt_int(a.syns), B.fmt_int(a.syns)))
    B.say("check: " + check)

    # the runs take turns (one untimed warm-up round, then --repeat rounds), so that a burst of other work on the
    # shared machine falls on all of them alike; every other round in reverse order, so that none always follows
    # the long one
    runs = {(b["name"], kind): [] for b in builds for kind, _ in files}
    order = [(b, kind) for b in builds for kind, _ in files]
    with open(log, "ab") as err:
        for rnd in range(a.repeat + 1):
            line = []
            for b, kind in (order if rnd % 2 == 0 else order[::-1]):
                cmd = b["cmd"][kind]
                err.write(("$ " + shlex.join(cmd) + "\n").encode())
                err.flush()
                r = B.run_once(cmd, stderr=err)
                if r["status"] != 0:
                    B.die("%s failed (exit %d); see %s" % (shlex.join(cmd), r["status"], B.rel(log)))
                if rnd > 0:
                    runs[(b["name"], kind)].append(r)
                line.append("%s %s %.2f s" % (b["name"], kind, r["wall"]))
            B.say("round %d of %d%s: %s" % (rnd, a.repeat, " (warm-up)" if rnd == 0 else "", "; ".join(line)))
    load_after = B.loadavg()

    results, ratios = [], {}
    for b in builds:
        s = {kind: B.summary(runs[(b["name"], kind)], a.syns) for kind, _ in files}
        for kind, _ in files:
            results.append({"build": b["name"], "commit": b["commit"], "capture": kind,
                            "command": shlex.join(b["cmd"][kind]), **s[kind], "raw": runs[(b["name"], kind)]})
        ratios[b["name"]] = {
            "crafted_vs_random": s["crafted"]["median_s"] / s["random"]["median_s"],
            "crafted_vs_random_fastest": s["crafted"]["min_s"] / s["random"]["min_s"],
            "extra_s": s["crafted"]["median_s"] - s["random"]["median_s"],
            "crafted_vs_random_cpu": s["crafted"]["cpu_s"] / s["random"]["cpu_s"],
        }
    write_results(a, m, load_after, crafted, random_, gen_cmd, gen_out, builds, check, results, ratios)


def write_results(a, m, load_after, crafted, random_, gen_cmd, gen_out, builds, check, results, ratios):
    md = ["# portwatch hash flooding, %s" % m["date"][:10], ""]
    md += B.machine_lines(m)
    md += ["- load average at the end: %s" % load_after,
           "- timing: %d rounds after one untimed warm-up round (page cache warm); in each round every build reads"
           " the random then the crafted capture (every other round in reverse order), so that other work on the machine"
           " falls on all runs alike; wall"
           " clock per run (wait4), JVM start-up included; `portwatch read --format json`, output to /dev/null"
           % a.repeat,
           "- noise: the machine is shared (other builds run on its 2 cores at the same time); min-max are given",
           "",
           "## Captures", "",
           "`%s` and `%s`: %s TCP SYNs each (Ethernet, IPv4, 74-byte frames, %s µs apart), to port 80 of hosts in"
           " 10.1.0.0/16, one flow per SYN. The crafted SYNs are those an attacker chooses against the flow table's"
           " hash before it had a secret key (commit 9f9fb7f and earlier: MurmurHash3's finalizer of the 5-tuple):"
           " their hashes share their top 24 bits, so all their flows have one home slot in a table of up to 2^24"
           " slots; the attacker inverts the hash (`Hash64.unmix64`) and keeps the address pairs with one address"
           " in the /16 (the spoofed source is the other). The random SYNs come from random sources and ports to"
           " random hosts of the same /16. Made by `io.portwatch.bench.HashFloodCapture`:" %
           (B.rel(crafted), B.rel(random_), B.fmt_int(a.syns), 10), "",
           "    " + shlex.join(gen_cmd), ""]
    if gen_out:
        md += ["    " + l for l in gen_out.splitlines()] + [""]
    md += ["## Builds", ""]
    for b in builds:
        md.append("- %s: `%s`, `%s`" % (b["name"], b["commit"], B.rel(b["launcher"])))
    md += ["", "## Correctness", "", "- " + check, "", "## Read time", ""]
    rows = [[r["build"], r["capture"], r["runs"], "%.3f" % r["median_s"], "%.3f-%.3f" % (r["min_s"], r["max_s"]),
             "%.0f%%" % (100 * r["spread"]), B.fmt_rate(r["pps"]), "%.0f MiB" % r["rss_mib"], "%.2f" % r["cpu_s"]]
            for r in results]
    md += B.table(["build", "capture", "runs", "median s", "min-max s", "spread", "SYNs/s", "peak RSS",
                   "CPU s (user+sys)"], rows)
    md += ["", "Wall clock of each run, in order: " + "; ".join(
        "%s %s: %s" % (r["build"], r["capture"], ", ".join("%.2f" % x["wall"] for x in r["raw"])) for r in results)
        + " s.", "",
        "Crafted / random, wall time (target: at most 2):", ""]
    for b in builds:
        q = ratios[b["name"]]
        md.append("- %s: **%.2f** by medians (%.2f from the fastest run of each); crafted - random: %+.2f s;"
                  " CPU time (user+sys, medians), less sensitive to the other work on the machine: %.2f"
                  % (b["name"], q["crafted_vs_random"], q["crafted_vs_random_fastest"], q["extra_s"],
                     q["crafted_vs_random_cpu"]))
    md += ["", "## Commands", ""]
    md += ["    " + r["command"] for r in results]
    md.append("")
    path = B.results_file("hashflood")
    with open(path, "w") as f:
        f.write("\n".join(md))
    with open(path[:-3] + ".json", "w") as f:
        json.dump({"machine": m, "load_average_end": load_after, "syns": a.syns,
                   "captures": {"crafted": B.rel(crafted), "random": B.rel(random_)}, "generator_command": gen_cmd,
                   "builds": [{k: (B.rel(v) if k == "launcher" else v) for k, v in b.items() if k != "cmd"}
                              for b in builds],
                   "check": check, "results": results, "ratios": ratios}, f, indent=2)
        f.write("\n")
    B.say("")
    B.say("\n".join(md[md.index("## Read time"):md.index("## Commands")]))
    B.say("results: %s (and .json)" % B.rel(path))
