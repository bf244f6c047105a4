package io.portwatch.fleet;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fleet job's own counters, summed over its tasks and threads (Kafka Streams' own metrics are in
 * {@code KafkaStreams.metrics()}). They count what this instance did since it started: a task replayed
 * after a failure counts its records again, unlike the outputs, which are exactly once. Thread-safe.
 */
public final class FleetMetrics {

    final LongAdder portStats = new LongAdder();
    final LongAdder services = new LongAdder();
    final LongAdder scanEvidence = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder bad = new LongAdder();
    final LongAdder future = new LongAdder();
    final LongAdder misrouted = new LongAdder();
    final LongAdder latePortStats = new LongAdder();
    final LongAdder lateScanEvidence = new LongAdder();
    final LongAdder hllKeyMismatches = new LongAdder();
    final LongAdder sketchesMissing = new LongAdder();
    final LongAdder badSketches = new LongAdder();
    final LongAdder portWindows = new LongAdder();
    final LongAdder scanWindows = new LongAdder();
    final LongAdder fleetScans = new LongAdder();

    /** The counters by name (snake_case, as the app's metrics name them), in a fixed order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("port_stats_records", portStats.sum());
        m.put("service_records", services.sum());
        m.put("scan_evidence_records", scanEvidence.sum());
        m.put("skipped_records", skipped.sum());
        m.put("bad_records", bad.sum());
        m.put("future_records", future.sum());
        m.put("misrouted_records", misrouted.sum());
        m.put("late_port_stats", latePortStats.sum());
        m.put("late_scan_evidence", lateScanEvidence.sum());
        m.put("hll_key_mismatches", hllKeyMismatches.sum());
        m.put("sketches_missing", sketchesMissing.sum());
        m.put("bad_sketches", badSketches.sum());
        m.put("port_windows", portWindows.sum());
        m.put("scan_windows", scanWindows.sum());
        m.put("fleet_scans", fleetScans.sum());
        return m;
    }

    /** Records of the sensors' that came after their window had closed (port statistics and scan evidence). */
    public long lateRecords() {
        return latePortStats.sum() + lateScanEvidence.sum();
    }

    /** Records that could not be read. */
    public long badRecords() {
        return bad.sum();
    }

    /** port_stats records whose sketches were left out because the sensor hashed addresses another way. */
    public long hllKeyMismatches() {
        return hllKeyMismatches.sum();
    }

    /** fleet_port_stats records written. */
    public long portWindows() {
        return portWindows.sum();
    }

    /** fleet_scan records written. */
    public long fleetScans() {
        return fleetScans.sum();
    }
}
