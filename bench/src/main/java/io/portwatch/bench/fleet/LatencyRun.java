package io.portwatch.bench.fleet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Latency: the sensors send each window's records in real time, at the window's end (as live sensors do),
 * and the fleet job, started beforehand, writes each window's fleet_port_stats when the window closes on the
 * wall clock: its end plus the grace (ClosingWindowProcessor, checked every punctuation interval). The
 * latency of a fleet record is its arrival at a read_committed consumer minus that close time; it splits
 * into the close lag (the record's Kafka timestamp, set when the fleet closed the window, minus the close
 * time: the punctuation interval and the sensors' sending) and the commit lag (arrival minus timestamp: the
 * exactly-once commit interval and the transaction's commit). The first windows warm the JVMs up and are
 * left out of the figures.
 */
final class LatencyRun {

    private final FleetBench.Settings s;
    private final SensorLoad load;

    LatencyRun(FleetBench.Settings s, SensorLoad load) {
        this.s = s;
        this.load = load;
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        long window = s.latencyWindow().toMillis();
        long grace = s.latencyGrace().toMillis();
        int total = s.warmupWindows() + s.latencyWindows();
        try (Rig rig = new Rig("portwatch.ports", "portwatch.alerts", s.partitions())) {
            Path state = Files.createTempDirectory("portwatch-fleet-bench-state-");
            String app = "fleet-bench-latency";
            try {
                try (FleetProcess fleet = new FleetProcess(s.launcher(), rig.bootstrap(), app, s.latencyWindow(),
                        s.latencyGrace(), state, s.kafkaProperties(), s.logDir().resolve("fleet-latency.log"));
                     FleetOutputs outputs = new FleetOutputs(rig.bootstrap(), "portwatch.fleet.ports",
                             "portwatch.fleet.services", "portwatch.fleet.alerts")) {
                    FleetBench.say("latency: %s", String.join(" ", fleet.command()));
                    long deadline = System.nanoTime() + s.timeout().toNanos();
                    while (!rig.assigned(app)) {
                        alive(fleet, deadline);
                        Thread.sleep(50);
                    }
                    outputs.start(rig.admin, s.timeout());
                    // the first window ends on the fleet window's grid, at least 2 s from now (its records made)
                    long firstEnd = (Math.floorDiv(System.currentTimeMillis() + 2000, window) + 1) * window;
                    MachineLoad m0 = null;
                    double cpu0 = 0;
                    List<Map<String, Object>> sends = new ArrayList<>();
                    for (int w = 0; w < total; w++) {
                        long end = firstEnd + w * window;
                        Instant we = Instant.ofEpochMilli(end);
                        Instant ws = we.minusMillis(window);
                        List<List<SensorLoad.Out>> sensors = new ArrayList<>();
                        for (int i = 0; i < s.latencySensors(); i++) {
                            sensors.add(load.window(FleetBench.sensor(i), "eth0", ws, we));
                        }
                        alive(fleet, deadline);
                        long wait = end - System.currentTimeMillis();
                        if (wait > 0) {
                            Thread.sleep(wait);
                        }
                        if (w == s.warmupWindows()) {
                            m0 = MachineLoad.now();
                            cpu0 = fleet.cpuSeconds();
                        }
                        long t0 = System.currentTimeMillis();
                        for (List<SensorLoad.Out> l : sensors) {
                            rig.send(l);
                        }
                        rig.flush();
                        long t1 = System.currentTimeMillis();
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("window_end", we.toString());
                        m.put("send_started_ms_after_end", t0 - end);
                        m.put("all_acknowledged_ms_after_end", t1 - end);
                        sends.add(m);
                    }
                    // every window's port records, or the timeout: 30 s past the last window's close
                    long lastClose = firstEnd + (total - 1) * window + grace;
                    int perWindow = load.portPackets().size();
                    while (System.currentTimeMillis() < lastClose + 30_000) {
                        alive(fleet, deadline);
                        if (outputs.ports().size() >= total * perWindow) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    Thread.sleep(1000); // anything written twice comes now
                    MachineLoad m1 = MachineLoad.now();
                    double cpu1 = fleet.cpuSeconds();
                    double rss = fleet.peakRssMib();
                    int status = fleet.stop();

                    Map<Long, List<FleetOutputs.PortOut>> byWindow = new HashMap<>();
                    for (FleetOutputs.PortOut p : outputs.ports()) {
                        byWindow.computeIfAbsent(Instant.parse(p.windowStart()).toEpochMilli() + window,
                                k -> new ArrayList<>()).add(p);
                    }
                    List<Long> latency = new ArrayList<>();
                    List<Long> closeLag = new ArrayList<>();
                    List<Long> commitLag = new ArrayList<>();
                    List<Map<String, Object>> windows = new ArrayList<>();
                    List<String> problems = new ArrayList<>();
                    for (int w = 0; w < total; w++) {
                        long end = firstEnd + w * window;
                        long close = end + grace;
                        List<FleetOutputs.PortOut> got = byWindow.getOrDefault(end, List.of());
                        List<Long> lat = new ArrayList<>();
                        Set<String> keys = new HashSet<>();
                        long late = 0;
                        int twice = 0;
                        int incomplete = 0;
                        for (FleetOutputs.PortOut p : got) {
                            if (!keys.add(p.key())) {
                                twice++;
                            }
                            late += p.late();
                            if (p.sensors() != s.latencySensors()) {
                                incomplete++;
                            }
                            lat.add(p.arrived() - close);
                            if (w >= s.warmupWindows()) {
                                latency.add(p.arrived() - close);
                                closeLag.add(p.written() - close);
                                commitLag.add(p.arrived() - p.written());
                            }
                        }
                        String when = "window ending " + Instant.ofEpochMilli(end) + ": ";
                        if (keys.size() != perWindow) {
                            problems.add(when + keys.size() + " fleet_port_stats, expected " + perWindow);
                        }
                        if (twice > 0) {
                            problems.add(when + twice + " fleet_port_stats written twice");
                        }
                        if (incomplete > 0) {
                            problems.add(when + incomplete + " fleet_port_stats without every sensor: their records"
                                    + " came after the window closed (the fleet took longer than the grace to take"
                                    + " them in)");
                        }
                        Map<String, Object> m = new LinkedHashMap<>(sends.get(w));
                        m.put("warm_up", w < s.warmupWindows());
                        m.put("fleet_port_stats", got.size());
                        m.put("incomplete", incomplete);
                        m.put("late_records_reported", late);
                        m.put("latency_ms", Stats.of(lat));
                        windows.add(m);
                    }
                    long records = (long) s.latencySensors() * load.recordsPerWindow();
                    out.put("records_per_window", records);
                    out.put("bytes_per_window", rig.sentBytes() / total);
                    out.put("offered_records_per_s", records * 1000.0 / window);
                    out.put("fleet_command", fleet.command());
                    out.put("latency_ms", Stats.of(latency));
                    out.put("close_lag_ms", Stats.of(closeLag));
                    out.put("commit_lag_ms", Stats.of(commitLag));
                    out.put("windows", windows);
                    out.put("fleet_cpu_seconds", cpu1 - cpu0);
                    out.put("fleet_cpu_share", (cpu1 - cpu0) / m1.secondsSince(m0));
                    out.put("fleet_peak_rss_mib", rss);
                    out.put("harness_cpu_seconds", m1.selfCpuSince(m0));
                    out.put("machine_busy_cores", m1.busyCoresSince(m0));
                    out.put("measured_seconds", m1.secondsSince(m0));
                    out.put("load_average_start", m0.loadavgText());
                    out.put("load_average_end", m1.loadavgText());
                    out.put("fleet_exit_status", status);
                    out.put("problems", problems.size() > 20 ? problems.subList(0, 20) : problems);
                }
            } finally {
                BenchBroker.deleteTree(state); // after the fleet stopped
            }
        }
        return out;
    }

    private static void alive(FleetProcess fleet, long deadline) {
        if (!fleet.alive()) {
            throw new IllegalStateException("portwatch fleet exited:\n" + fleet.logTail());
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the latency run timed out\n" + fleet.logTail());
        }
    }
}
