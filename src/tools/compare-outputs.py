#!/usr/bin/env python3
"""compare-outputs: shows that a change leaves portwatch's output byte for byte as it was.

  src/tools/compare-outputs.py BASE_REV [--no-build] [--bench-packets N] [--keep]

Builds BASE_REV (a commit: the one before a change) in a temporary worktree and the working tree as it
is, then runs both jars on the same inputs with the same fixed hash key (-Dportwatch.hashSeed=1) and
compares their outputs byte for byte:

  - every capture of ../shared/corpus (captures/ and tcpdump-tests/), read with --separate --threads 1
    (each file an analysis of its own, in the order given), as --format json, as --format json --flows,
    and as --format ecs;
  - the benchmark's synthetic capture of --bench-packets packets (default 5,000,000; 0 skips it; made by
    the generator in bench/data/ when missing), as --format json --flows.

Prints one line per comparison (same/DIFFERENT, sizes, SHA-256) and exits 1 when any output differs,
keeping both outputs under /tmp/compare-outputs/ to look at. One value is masked before comparing: the
@timestamp of an ECS summary of an input without packets, which is the wall clock's.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
OUT = "/tmp/compare-outputs"
SEED = "-Dportwatch.hashSeed=1"


def die(msg):
    print("compare-outputs: " + msg, file=sys.stderr)
    sys.exit(2)


def build(tree):
    r = subprocess.run(["mvn", "-B", "-o", "-q", "package", "-DskipTests", "-pl", "app", "-am"], cwd=tree)
    if r.returncode != 0:
        die("the build failed in " + tree)
    jar = os.path.join(tree, "app", "target", "portwatch.jar")
    if not os.path.isfile(jar):
        die("no jar at " + jar)
    return jar


def captures():
    files = []
    for sub in ("captures", "tcpdump-tests"):
        d = os.path.join(CORPUS, sub)
        if not os.path.isdir(d):
            die("no corpus at " + d)
        files += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".pcap", ".pcapng")))
    return files


def bench_capture(packets):
    stem = os.path.join(ROOT, "bench", "data", "compare-%d" % packets)
    pcap = stem + ".pcap"
    if not os.path.isfile(pcap):
        os.makedirs(os.path.dirname(pcap), exist_ok=True)
        subprocess.run(["mvn", "-B", "-o", "-q", "package", "-DskipTests", "-pl", "bench", "-am"], cwd=ROOT,
                       check=True)
        subprocess.run(["java", "-cp", os.path.join(ROOT, "bench", "target", "portwatch-bench.jar"),
                        "io.portwatch.bench.GenerateCapture", "--packets", str(packets), "--seed", "1",
                        "--out", pcap], cwd=ROOT, check=True)
    return pcap


def run(jar, args, inputs, out):
    with open(out, "wb") as o:
        subprocess.run(["java", "-Xmx2g", SEED, "-jar", jar, "read"] + args + inputs, stdout=o,
                       stderr=subprocess.DEVNULL)
    h = hashlib.sha256()
    with open(out, "rb") as f:
        for line in f:
            h.update(normalized(line))
    return os.path.getsize(out), h.hexdigest()


def normalized(line):
    """The line, but for the one value that is not the capture's: the time an ECS summary of an input
    without packets is stamped with, which is the clock's when it was written."""
    if line.startswith(b'{"@timestamp":"') and b'"portwatch.summary"' in line and b'"packets":0}' in line:
        end = line.index(b'"', len(b'{"@timestamp":"'))
        return b'{"@timestamp":"*' + line[end:]
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", metavar="BASE_REV")
    ap.add_argument("--no-build", action="store_true", help="use the working tree's jar as built")
    ap.add_argument("--bench-packets", type=int, default=5_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the base's worktree")
    a = ap.parse_args()

    os.makedirs(OUT, exist_ok=True)
    base_tree = tempfile.mkdtemp(prefix="portwatch-base-")
    os.rmdir(base_tree)
    if subprocess.run(["git", "worktree", "add", "-q", "--detach", base_tree, a.base], cwd=ROOT).returncode != 0:
        die("cannot check out " + a.base)
    try:
        base_jar = build(base_tree)
        head_jar = os.path.join(ROOT, "app", "target", "portwatch.jar") if a.no_build else build(ROOT)
        files = captures()
        cases = [("corpus-json", ["--separate", "--threads", "1", "--format", "json"], files),
                 ("corpus-json-flows", ["--separate", "--threads", "1", "--format", "json", "--flows"], files),
                 ("corpus-ecs", ["--separate", "--threads", "1", "--format", "ecs", "--flows"], files)]
        if a.bench_packets > 0:
            cases.append(("bench-json-flows", ["--format", "json", "--flows"], [bench_capture(a.bench_packets)]))
        differ = 0
        for name, args, inputs in cases:
            b = run(base_jar, args, inputs, os.path.join(OUT, name + ".base"))
            h = run(head_jar, args, inputs, os.path.join(OUT, name + ".head"))
            same = b == h
            differ += not same
            print("%-18s %-9s %d inputs  base %d bytes %s  head %d bytes %s"
                  % (name, "same" if same else "DIFFERENT", len(inputs), b[0], b[1][:16], h[0], h[1][:16]))
        if differ:
            print("outputs kept in " + OUT)
            sys.exit(1)
        shutil.rmtree(OUT, ignore_errors=True)
    finally:
        if not a.keep:
            subprocess.run(["git", "worktree", "remove", "--force", base_tree], cwd=ROOT)


if __name__ == "__main__":
    main()
