"""bench/run fleet: sensor records per second through the fleet job, and the latency from a window's close to its
fleet records (issue 17).

The harness (io.portwatch.bench.fleet.FleetBench, on the class path the build writes to
bench/target/fleet-bench.classpath) runs a real Kafka 4.3 broker in its JVM and `portwatch fleet` (the build's
launcher) in a process of its own: what users run, and whose CPU time and memory are then its own. The sensors'
records are copies of one window of `portwatch read --format json --scan-evidence 100` of a generated capture
(port_stats with their HLL sketches, service, scan_evidence, alert and window records), re-stamped per sensor
and window. Two runs, each on a fresh broker:

  throughput  --sensors x --windows windows of 1 min, stamped in the past, all in the sensors' topics before the
              fleet starts; timed from its group's assignment until every output is out and the input committed;
              beside it a plain consumer's reading of the same records from the same broker (the reference)
  latency     --latency-sensors send each 20 s window at its end, in real time; the latency of a fleet_port_stats
              record is its arrival at a read_committed consumer minus the window's close (end + 10 s grace)
"""

import json
import os
import shlex
import subprocess

import benchlib as B

# the template capture: 500,000 packets, 1,000 ports, about 3,250 services, in one window of 5 s
TEMPLATE = {"packets": 500_000, "concurrency": 20_000, "rate": 100_000}
# the latency run's windows: short, to measure several in a few minutes; the grace long enough for the fleet to
# take in a window's records on a busy 2-core machine before the window closes (else they are late)
LATENCY_WINDOW, LATENCY_GRACE = "20s", "10s"
NOISE = ("Bootstrap metadata:", "Formatting metadata directory")


def add_arguments(ap):
    ap.add_argument("--sensors", type=int, default=5, help="fleet: sensors in the throughput run")
    ap.add_argument("--windows", type=int, default=4, help="fleet: 1-minute windows in the throughput run")
    ap.add_argument("--ports", type=int, default=0, help="fleet: the busiest ports of the template kept (0: all)")
    ap.add_argument("--partitions", type=int, default=3, help="fleet: partitions of the sensors' topics")
    ap.add_argument("--latency-sensors", type=int, default=2, help="fleet: sensors in the latency run")
    ap.add_argument("--latency-windows", type=int, default=5, help="fleet: measured windows of the latency run")
    ap.add_argument("--fleet-property", action="append", default=[], metavar="KEY=VALUE",
                    help="fleet: a Kafka Streams setting for portwatch fleet (--kafka-property), repeatable")


def template(a):
    """The capture and one sensor window of portwatch's JSON records of it, made unless already there."""
    pcap, _, expected, gen_cmd = B.ensure_capture(TEMPLATE["packets"], a.seed, TEMPLATE["concurrency"],
                                                  TEMPLATE["rate"], a.snaplen)
    out = os.path.join(B.OUT, "fleet-template-%s.jsonl" % os.path.basename(pcap)[:-len(".pcap")])
    cmd = [B.rel(B.PORTWATCH), "read", "--format", "json", "--sensor", "template", "--scan-evidence", "100",
           B.rel(pcap)]
    if not os.path.isfile(out):
        B.say("fleet: template records: " + shlex.join(cmd))
        with open(out + ".tmp", "wb") as o:
            if subprocess.run(cmd, cwd=B.ROOT, stdout=o).returncode != 0:
                B.die("portwatch read of the template capture failed")
        os.replace(out + ".tmp", out)
    return pcap, out, gen_cmd, cmd, expected


def run_phase(a):
    m = B.machine()
    classpath = os.path.join(B.BENCH, "target", "fleet-bench.classpath")
    if not os.path.isfile(classpath):
        B.die("no %s: build first (bench/run without --no-build)" % B.rel(classpath))
    pcap, tmpl, gen_cmd, read_cmd, expected = template(a)
    raw = os.path.join(B.OUT, "fleet.json")
    log = os.path.join(B.OUT, "fleet.log")
    cp = os.path.join(B.BENCH, "target", "classes") + ":" + open(classpath).read().strip()
    args = ["--template", B.rel(tmpl), "--launcher", B.rel(B.PORTWATCH), "--out", B.rel(raw),
            "--log-dir", B.rel(B.OUT), "--sensors", a.sensors, "--windows", a.windows, "--ports", a.ports,
            "--partitions", a.partitions, "--latency-sensors", a.latency_sensors,
            "--latency-windows", a.latency_windows, "--latency-window", LATENCY_WINDOW,
            "--latency-grace", LATENCY_GRACE, "--plain-repeat", a.repeat]
    for p in a.fleet_property:
        args += ["--kafka-property", p]
    cmd = ["java", "-Xmx2g", "-cp", cp, "io.portwatch.bench.fleet.FleetBench"] + [str(x) for x in args]
    shown = ["java", "-Xmx2g", "-cp", "bench/target/classes:$(cat %s)" % B.rel(classpath),
             "io.portwatch.bench.fleet.FleetBench"] + [str(x) for x in args]
    B.say("fleet: " + " ".join(shown))
    if os.path.exists(raw):
        os.remove(raw)
    with open(log, "w") as lf:
        p = subprocess.Popen(cmd, cwd=B.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            lf.write(line)
            if not line.startswith(NOISE):
                B.say("  " + line.rstrip())
        status = p.wait()
    if not os.path.isfile(raw):
        B.die("the fleet harness failed (exit %d); see %s and %s/fleet-*.log" % (status, B.rel(log), B.rel(B.OUT)))
    with open(raw) as f:
        r = json.load(f)
    load_after = B.loadavg()
    md = markdown(a, m, load_after, r, pcap, expected, gen_cmd, read_cmd, shown)
    path = B.results_file("fleet")
    with open(path, "w") as f:
        f.write("\n".join(md))
    with open(path[:-3] + ".json", "w") as f:
        json.dump({"machine": m, "load_average_end": load_after, "capture": B.rel(pcap),
                   "generator_command": gen_cmd, "template_command": read_cmd, "harness_command": shown,
                   **r}, f, indent=2)
        f.write("\n")
    B.say("")
    B.say("\n".join(md[md.index("## Throughput"):md.index("## Commands")]))
    B.say("results: %s (and .json)" % B.rel(path))
    if status != 0:
        B.die("CORRECTNESS CHECK FAILED: the fleet's output differs from the sensors' sums (see %s)" % B.rel(path))


def ms(s, key):
    return "%d" % s[key] if key in s else "-"


def markdown(a, m, load_after, r, pcap, expected, gen_cmd, read_cmd, shown):
    st, tp, lt = r["settings"], r.get("throughput"), r.get("latency")
    types = ", ".join("%s %s" % (B.fmt_int(n), t) for t, n in r["template"]["records_by_type"].items())
    props = st["kafka_properties"]
    md = ["# portwatch fleet benchmark, %s" % m["date"][:10], ""]
    md += B.machine_lines(m)
    md += ["- load average at the end: %s" % load_after,
           "- noise: the machine is shared (other builds run on its cores at the same time); the broker, the"
           " sensors' producer and the readers run in the harness's JVM on the same cores as the fleet job", "",
           "## Setup", "",
           "- broker: Kafka 4.3.1, one KRaft node (broker and controller) in the harness's JVM (Kafka's"
           " `KafkaClusterTestKit`), on loopback, no flush per message (production defaults); the sensors' topics"
           " `portwatch.ports` and `portwatch.alerts` of %d partitions each" % st["partitions"],
           "- fleet job: `portwatch fleet` (the build's launcher, `app/target/portwatch`) in a process of its own, as"
           " users run it, so that its CPU time and memory are its own: `exactly_once_v2`, one stream thread,"
           " `commit.interval.ms` %s, windows closed on the wall clock every 1 s (FleetConfig's punctuation"
           " interval; `portwatch fleet` has no option for it)%s" %
           ("100 (Kafka Streams' default under exactly-once)" if not any(p.startswith("commit.interval.ms=")
                                                                       for p in props) else "as below",
            "; `--kafka-property` " + ", ".join(props) if props else ""),
           "- sensor records: one window of `portwatch read --format json --scan-evidence 100` of the generated"
           " capture `%s` (%s packets, %s flows): %s records (%s), %s bytes; copied for each sensor"
           " (`sensor-01`, ...) and window, each copy that window's text with its sensor, input and times changed"
           " (a copy's records are the real shape, sketches included), sent with the sensors' keys and producer"
           " settings (acks=all, idempotence, lz4, linger 20 ms)" %
           (B.rel(pcap), B.fmt_int(expected["summary"]["packets"]), B.fmt_int(expected["summary"]["flows"]),
            B.fmt_int(r["template"]["records_per_window"]), types, B.fmt_int(r["template"]["bytes_per_window"])),
           "- the harness: `io.portwatch.bench.fleet.FleetBench` (bench/src/main/java/io/portwatch/bench/fleet), run"
           " by `bench/run fleet`", ""]
    if tp:
        md += throughput_section(st, tp)
    if lt:
        md += latency_section(st, lt)
    md += ["## Commands", "", "    " + shlex.join(gen_cmd), "    " + shlex.join(read_cmd), "    " + " ".join(shown)]
    for run in (tp, lt):
        if run:  # the broker's port and the state folder are the run's own
            c = list(run["fleet_command"])
            c[c.index("--kafka") + 1], c[c.index("--state-dir") + 1] = "BOOTSTRAP", "STATE_DIR"
            md.append("    " + shlex.join(c))
    md.append("")
    return md


def throughput_section(st, tp):
    plain = [p for p in tp["plain_consumer"] if not p["warm_up"]]
    plain_s = sorted(p["seconds"] for p in plain)[len(plain) // 2]
    n, mb = tp["input_records"], tp["input_bytes"] / 1e6
    ratio = tp["records_per_s"] / (n / plain_s)
    by = ", ".join("%s %s" % (B.fmt_int(v), k) for k, v in sorted(tp["input_records_by_type"].items()))
    cores = tp["machine_busy_cores"]
    fleet_cores = tp["fleet_cpu_seconds"] / tp["processing_seconds"]
    harness_cores = tp["harness_cpu_seconds"] / tp["processing_seconds"]
    md = ["## Correctness", "",
          "- throughput run: %s" % ("every output as expected: each of the %s fleet_port_stats (%d windows x %d"
                                    " ports) once, with all %d sensors, their packets summed exactly and no late"
                                    " record; each of the %s services' final fleet_service with every sensor and"
                                    " the flows of every sensor and window" %
                                    (B.fmt_int(tp["fleet_port_stats"]), st["windows"], st["ports"], st["sensors"],
                                     B.fmt_int(tp["fleet_services"]))
                                    if not tp["problems"] else "PROBLEMS: " + "; ".join(tp["problems"])),
          "- fleet_scan records written: %s (sources whose evidence, summed over the sensors, reached a threshold;"
          " their number is not checked)" % B.fmt_int(tp["fleet_scans"]), ""]
    md += ["## Throughput", "",
           "%s sensor records (%s), %.1f MB (keys and values, before compression): %d sensors x %d windows of 1 min,"
           " stamped in the past, in the topics before the fleet starts; the last window closed by %d records of one"
           " more window (one per partition, as the sensors' next window would). Timed from the moment the fleet's"
           " group had every input partition assigned (start-up before it: %.1f s, %.1f CPU-s) until every output"
           " was out at a read_committed consumer and the input committed. Grace %d s." %
           (B.fmt_int(n), by, mb, st["sensors"], st["windows"], tp["flush_records"], tp["startup_seconds"],
            tp["fleet_cpu_seconds_startup"], st["grace_ms"] // 1000), ""]
    rows = [["`portwatch fleet` (Kafka Streams, exactly-once)", B.fmt_int(n), "%.2f" % tp["processing_seconds"],
             "**%s**" % B.fmt_int(tp["records_per_s"]), "%.2f" % tp["mb_per_s"], "%.1f" % tp["fleet_cpu_seconds"],
             "%.0f" % tp["fleet_cpu_us_per_record"]],
            ["plain consumer, same topics and broker (median of %d)" % len(plain), B.fmt_int(n), "%.3f" % plain_s,
             B.fmt_int(n / plain_s), "%.1f" % (mb / plain_s), "-", "-"]]
    md += B.table(["reader", "records", "seconds", "records/s", "MB/s", "CPU s", "CPU µs/record"], rows)
    md += ["",
           "- the fleet job's rate / a plain consumer's reading the same records: **%.4f** (the plain consumer"
           " reads %.0fx faster: it deserializes nothing, the fleet parses every record's JSON, merges, keeps state"
           " in RocksDB with changelogs and commits transactions)" % (ratio, 1 / ratio if ratio else 0),
           "- per CPU-second of the fleet job: %s records (%.0f µs each, JIT compilation and garbage collection"
           " included): about what one core given wholly to it would take in, where CPU is the bound" %
           (B.fmt_int(1e6 / tp["fleet_cpu_us_per_record"]), tp["fleet_cpu_us_per_record"]),
           "- steady rate (while 10%% to 90%% of the input was committed): %s records/s" %
           (B.fmt_int(tp["steady_records_per_s"]) if tp.get("steady_records_per_s") else "-"),
           "- the fleet's first commit %.1f s after assignment; input all committed at %.1f s; peak RSS %.0f MiB" %
           (tp["first_commit_seconds"] or 0, tp["input_committed_seconds"], tp["fleet_peak_rss_mib"]),
           "- how busy the machine was while timed: %.2f of %d cores busy on average (/proc/stat): the fleet job"
           " %.2f, the harness (broker and readers) %.2f, other work %.2f; load average %s at the fleet's start, %s"
           " at the end" % (cores, os.cpu_count() or 0, fleet_cores, harness_cores,
                            max(0.0, cores - fleet_cores - harness_cores), tp["load_average_start"],
                            tp["load_average_end"]),
           "- plain consumer runs (after one warm-up): " + ", ".join("%.3f s" % p["seconds"] for p in plain), ""]
    return md


def latency_section(st, lt):
    L, C, K = lt["latency_ms"], lt["close_lag_ms"], lt["commit_lag_ms"]
    md = ["## Latency", "",
          "%d sensors send each window's records at its end, in real time (%s records, %.1f MB a window: %s"
          " records/s offered); windows of %d s, grace %d s; %d warm-up window%s, then %d measured. A window closes"
          " on the wall clock at its end plus the grace; the latency of each of its fleet_port_stats is its arrival"
          " at a read_committed consumer minus that close. It splits into the close lag (the record's Kafka"
          " timestamp, written when the fleet closed the window, minus the close: the sensors' sending, as the"
          " fleet's watermark runs from the first record of the window it saw, and the wait for the next"
          " punctuation, at most 1 s) and the commit lag (arrival minus that timestamp: the exactly-once commit,"
          " every 100 ms, and the reader's fetch)." %
          (st["latency_sensors"], B.fmt_int(lt["records_per_window"]), lt["bytes_per_window"] / 1e6,
           B.fmt_int(lt["offered_records_per_s"]), st["latency_window_ms"] // 1000, st["latency_grace_ms"] // 1000,
           st["warmup_windows"], "" if st["warmup_windows"] == 1 else "s", st["latency_windows"]), ""]
    rows = [[name, B.fmt_int(s["count"]), ms(s, "min"), "**%s**" % ms(s, "median"), ms(s, "p90"),
             "**%s**" % ms(s, "p99"), "**%s**" % ms(s, "max")] for name, s in
            (("close to arrival (the latency)", L), ("close lag", C), ("commit lag", K))]
    md += B.table(["ms, measured windows", "records", "min", "median", "p90", "p99", "max"], rows)
    md += ["", "The records of one window come out together, in one punctuation of each task (%d partitions):"
           " the percentiles over records rest on %d windows x %d tasks' closes, not on as many independent"
           " events as records." % (st["partitions"], st["latency_windows"], st["partitions"]), ""]
    rows = []
    for w in lt["windows"]:
        s = w["latency_ms"]
        rows.append([w["window_end"] + (" (warm-up)" if w["warm_up"] else ""), w["send_started_ms_after_end"],
                     w["all_acknowledged_ms_after_end"], w["fleet_port_stats"], w["incomplete"], ms(s, "min"),
                     ms(s, "median"), ms(s, "max")])
    md += B.table(["window end", "sending began, ms after end", "all acknowledged, ms after end",
                   "fleet_port_stats", "of them without every sensor", "latency min ms", "median", "max"], rows)
    md += ["",
           "- correctness: %s" % ("each window's fleet_port_stats once, with all %d sensors (none late)" %
                                  st["latency_sensors"] if not lt["problems"] else "PROBLEMS: " +
                                  "; ".join(lt["problems"])),
           "- the fleet job used %.2f cores on average over the measured windows (%.1f CPU-s in %.0f s), peak RSS"
           " %.0f MiB; the machine: %.2f cores busy on average, load average %s at the first measured window, %s"
           " at the end" % (lt["fleet_cpu_share"], lt["fleet_cpu_seconds"], lt["measured_seconds"],
                            lt["fleet_peak_rss_mib"], lt["machine_busy_cores"], lt["load_average_start"],
                            lt["load_average_end"]), ""]
    return md
