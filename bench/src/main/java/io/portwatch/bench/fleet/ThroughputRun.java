package io.portwatch.bench.fleet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Throughput: every sensor's records of every window are in the sensors' topics before the fleet starts
 * (stamped in the past, as a backlog or a replay is); the fleet job then reads them all. The clock runs from
 * the moment its group is stable with every input partition assigned (its start-up, JVM and rebalance, is
 * timed apart) until all its output is out and committed: every window's fleet_port_stats, every service's
 * final fleet_service, and the group's committed offsets at the end of the input.
 *
 * <p>The windows close as records of the next window come (the fleet's watermark is the sensors' time); the
 * last one by a flush: one record of one more window in each partition, as the sensors' next window would
 * be, so that its close is not one grace of wall time after the end of the input. Every output is checked:
 * each port of each window once, with every sensor and the exact sum of their packets, none late; each
 * service with every sensor's flows of every window.
 */
final class ThroughputRun {

    private final FleetBench.Settings s;
    private final SensorLoad load;

    ThroughputRun(FleetBench.Settings s, SensorLoad load) {
        this.s = s;
        this.load = load;
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        try (Rig rig = new Rig("portwatch.ports", "portwatch.alerts", s.partitions())) {
            long window = s.window().toMillis();
            long now = System.currentTimeMillis();
            long base = Math.floorDiv(now, window) * window - (s.windows() + 2L) * window;
            long preloadStart = System.nanoTime();
            List<SensorLoad.Out> last = null;
            for (int w = 0; w <= s.windows(); w++) {
                Instant ws = Instant.ofEpochMilli(base + w * window);
                Instant we = ws.plusMillis(window);
                if (w == s.windows()) { // the flush: one record of the next window in each partition
                    List<SensorLoad.Out> next = load.window(FleetBench.sensor(0), "eth0", ws, we);
                    for (String type : List.of("port_stats", "scan_evidence")) {
                        load.onePerPartition(next, type, s.partitions()).forEach((p, o) -> rig.send(o, p));
                    }
                    break;
                }
                for (int i = 0; i < s.sensors(); i++) {
                    last = load.window(FleetBench.sensor(i), "eth0", ws, we);
                    rig.send(last);
                }
            }
            rig.flush();
            double preloadSecs = (System.nanoTime() - preloadStart) / 1e9;
            Map<TopicPartition, Long> end = rig.endOffsets();
            long inputRecords = end.values().stream().mapToLong(Long::longValue).sum();
            long flushRecords = inputRecords - (long) s.sensors() * s.windows() * load.recordsPerWindow();
            FleetBench.say("throughput: %,d records (%,.1f MB) in the sensors' topics in %.1f s", inputRecords,
                    rig.sentBytes() / 1e6, preloadSecs);

            // the reference first, on the same records and broker: a plain consumer, deserializing nothing
            List<Map<String, Object>> plain = new ArrayList<>();
            for (int r = 0; r < s.plainRepeat() + 1; r++) {
                double[] res = rig.plainRead(end);
                if ((long) res[0] != inputRecords) {
                    throw new IllegalStateException("the plain consumer read " + res[0] + " of " + inputRecords);
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("warm_up", r == 0);
                m.put("seconds", res[1]);
                m.put("records_per_s", res[0] / res[1]);
                plain.add(m);
                FleetBench.say("plain consumer%s: %.2f s, %,.0f records/s", r == 0 ? " (warm-up)" : "", res[1],
                        res[0] / res[1]);
            }

            Path state = Files.createTempDirectory("portwatch-fleet-bench-state-");
            String app = "fleet-bench-throughput";
            MachineLoad m0 = MachineLoad.now();
            long launched = System.nanoTime();
            try {
                try (FleetProcess fleet = new FleetProcess(s.launcher(), rig.bootstrap(), app, s.window(), s.grace(),
                        state, s.kafkaProperties(), s.logDir().resolve("fleet-throughput.log"));
                     FleetOutputs outputs = new FleetOutputs(rig.bootstrap(), "portwatch.fleet.ports",
                             "portwatch.fleet.services", "portwatch.fleet.alerts")) {
                    FleetBench.say("throughput: %s", String.join(" ", fleet.command()));
                    long deadline = launched + s.timeout().toNanos();
                    long assigned = 0;
                    MachineLoad mAssigned = null;
                    double cpuAssigned = 0;
                    while (assigned == 0) {
                        check(fleet, deadline, "its group to be assigned the input");
                        if (rig.assigned(app)) {
                            assigned = System.nanoTime();
                            mAssigned = MachineLoad.now();
                            cpuAssigned = fleet.cpuSeconds();
                        } else {
                            Thread.sleep(20);
                        }
                    }
                    outputs.start(rig.admin, s.timeout());
                    int expectedPorts = s.windows() * load.portPackets().size();
                    long inputDone = 0;
                    long firstCommit = 0;
                    List<double[]> progress = new ArrayList<>(); // [seconds since assigned, committed records]
                    while (true) {
                        check(fleet, deadline, "all its output");
                        if (outputs.failure() != null) {
                            throw new IllegalStateException("reading the fleet's output: " + outputs.failure(),
                                    outputs.failure());
                        }
                        Map<TopicPartition, Long> c = rig.committed(app);
                        long t = System.nanoTime();
                        long done = c.values().stream().mapToLong(Long::longValue).sum();
                        progress.add(new double[] {(t - assigned) / 1e9, done});
                        if (done > 0 && firstCommit == 0) {
                            firstCommit = t;
                        }
                        if (inputDone == 0 && c.equals(end)) {
                            inputDone = t;
                        }
                        if (inputDone != 0 && portsComplete(outputs, expectedPorts) && servicesComplete(outputs)) {
                            break;
                        }
                        Thread.sleep(50);
                    }
                    MachineLoad m1 = MachineLoad.now();
                    double cpuDone = fleet.cpuSeconds();
                    double rss = fleet.peakRssMib();
                    // when everything was out: the later of the input committed and the last output's arrival
                    double processing = (Math.max(inputDone, outputs.lastArrivalNanos()) - assigned) / 1e9;
                    Thread.sleep(2000); // nothing more may come: each output once
                    List<String> problems = verify(outputs, expectedPorts);
                    int status = fleet.stop();

                    long records = inputRecords - flushRecords;
                    out.put("input_records", inputRecords);
                    out.put("flush_records", flushRecords);
                    out.put("input_records_by_type", rig.sentRecords());
                    out.put("input_bytes", rig.sentBytes());
                    out.put("preload_seconds", preloadSecs);
                    out.put("fleet_command", fleet.command());
                    out.put("startup_seconds", (assigned - launched) / 1e9);
                    out.put("first_commit_seconds", firstCommit == 0 ? null : (firstCommit - assigned) / 1e9);
                    out.put("input_committed_seconds", (inputDone - assigned) / 1e9);
                    out.put("processing_seconds", processing);
                    out.put("records_per_s", inputRecords / processing);
                    out.put("mb_per_s", rig.sentBytes() / 1e6 / processing);
                    out.put("steady_records_per_s", steady(progress, inputRecords));
                    out.put("fleet_cpu_seconds", cpuDone - cpuAssigned);
                    out.put("fleet_cpu_seconds_startup", cpuAssigned);
                    out.put("fleet_cpu_us_per_record", (cpuDone - cpuAssigned) * 1e6 / inputRecords);
                    out.put("fleet_peak_rss_mib", rss);
                    out.put("harness_cpu_seconds", m1.selfCpuSince(mAssigned));
                    out.put("machine_busy_cores", m1.busyCoresSince(mAssigned));
                    out.put("load_average_start", m0.loadavgText());
                    out.put("load_average_end", m1.loadavgText());
                    out.put("fleet_port_stats", outputs.ports().size());
                    out.put("fleet_services", outputs.services().size());
                    out.put("fleet_scans", outputs.scans().size());
                    out.put("fleet_exit_status", status);
                    out.put("plain_consumer", plain);
                    out.put("sensor_records_of_windows", records);
                    out.put("problems", problems);
                    out.put("progress", progress);
                }
            } finally {
                BenchBroker.deleteTree(state); // after the fleet stopped
            }
        }
        return out;
    }

    private static void check(FleetProcess fleet, long deadline, String what) {
        if (!fleet.alive()) {
            throw new IllegalStateException("portwatch fleet exited while waiting for " + what + ":\n"
                    + fleet.logTail());
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out waiting for " + what + "\n" + fleet.logTail());
        }
    }

    private boolean portsComplete(FleetOutputs outputs, int expected) {
        Set<String> keys = new HashSet<>();
        outputs.ports().forEach(p -> keys.add(p.key()));
        return keys.size() >= expected;
    }

    private boolean servicesComplete(FleetOutputs outputs) {
        Map<String, FleetOutputs.ServiceOut> got = outputs.services();
        for (Map.Entry<String, Long> e : load.serviceFlows().entrySet()) {
            FleetOutputs.ServiceOut o = got.get(e.getKey());
            if (o == null || o.flows() < e.getValue() * s.sensors() * s.windows()) {
                return false;
            }
        }
        return true;
    }

    /** What differs from the sensors' sums; empty when all is right. */
    private List<String> verify(FleetOutputs outputs, int expectedPorts) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (FleetOutputs.PortOut p : outputs.ports()) {
            if (!seen.add(p.key())) {
                problems.add("fleet_port_stats " + p.key() + " written twice");
                continue;
            }
            String port = p.key().substring(0, p.key().indexOf('@'));
            Long one = load.portPackets().get(port);
            if (one == null || p.sensors() != s.sensors() || p.packets() != one * s.sensors() || p.late() != 0) {
                problems.add(String.format("fleet_port_stats %s: sensors %d packets %d late %d, expected %d, %d, 0",
                        p.key(), p.sensors(), p.packets(), p.late(), s.sensors(),
                        one == null ? -1 : one * s.sensors()));
            }
        }
        if (seen.size() != expectedPorts) {
            problems.add("fleet_port_stats: " + seen.size() + " windows and ports, expected " + expectedPorts);
        }
        Map<String, FleetOutputs.ServiceOut> got = outputs.services();
        for (Map.Entry<String, Long> e : load.serviceFlows().entrySet()) {
            FleetOutputs.ServiceOut o = got.get(e.getKey());
            long want = e.getValue() * s.sensors() * s.windows();
            if (o == null || o.flows() != want || o.sensors() != s.sensors()) {
                problems.add("fleet_service " + e.getKey() + ": " + (o == null ? "none" : "flows " + o.flows()
                        + " sensors " + o.sensors()) + ", expected flows " + want + " sensors " + s.sensors());
            }
        }
        return problems.size() > 20 ? new ArrayList<>(problems.subList(0, 20)) : problems;
    }

    /** Records per second while between 10% and 90% of the input was committed (no start-up, no tail). */
    private static Double steady(List<double[]> progress, long total) {
        double[] a = null;
        double[] b = null;
        for (double[] p : progress) {
            if (a == null && p[1] >= 0.1 * total) {
                a = p;
            }
            if (b == null && p[1] >= 0.9 * total) {
                b = p;
            }
        }
        return a == null || b == null || b[0] <= a[0] ? null : (b[1] - a[1]) / (b[0] - a[0]);
    }
}
