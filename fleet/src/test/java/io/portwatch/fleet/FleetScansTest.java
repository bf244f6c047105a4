package io.portwatch.fleet;

import static io.portwatch.fleet.SensorJson.scanEvidence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fleet_scan: scan evidence summed across sensors, each below its own threshold. */
class FleetScansTest {

    static final String W0 = "2024-05-01T10:00:00Z";
    static final String W1 = "2024-05-01T10:01:00Z";
    static final String SCANNER = "198.51.100.66";

    @TempDir
    Path state;

    @Test
    void aScanSplitOverThreeSensorsEachBelowItsThresholdIsReportedOnce() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            // three failed first contacts each: ratio 3 ln 4 = 4.16 < ln 99 = 4.60 on every sensor
            d.send(scanEvidence("a", W0, W1, SCANNER, 3, 0, List.of("10.1.0.1", "10.1.0.2", "10.1.0.3"),
                    List.of("tcp/22")));
            d.send(scanEvidence("b", W0, "2024-05-01T10:00:30Z", SCANNER, 2, 0, List.of("10.2.0.1", "10.2.0.2"),
                    List.of("tcp/22")));
            d.send(scanEvidence("b", "2024-05-01T10:00:30Z", W1, SCANNER, 1, 0, List.of("10.2.0.3"),
                    List.of("tcp/22")));
            d.send(scanEvidence("c", W0, W1, SCANNER, 3, 0, List.of("10.3.0.1", "10.3.0.2", "10.3.0.3"),
                    List.of("tcp/22")));
            d.advance(Duration.ofSeconds(31));
            List<KeyValue<String, JsonNode>> out = d.scans();
            assertEquals(1, out.size(), out.toString());
            assertEquals(SCANNER, out.get(0).key);
            JsonNode n = out.get(0).value;
            assertEquals("fleet_scan", n.get("type").asText());
            assertEquals(SCANNER, n.get("source").asText());
            assertEquals(W0, n.get("window_start").asText());
            assertEquals(W1, n.get("window_end").asText());
            assertEquals("[\"a\",\"b\",\"c\"]", n.get("sensors").toString());
            assertEquals(12.477, n.get("log_likelihood_ratio").asDouble(), 0.01);
            assertEquals(9, n.get("failed").asLong());
            assertEquals(0, n.get("answered").asLong());
            assertEquals(9, n.get("targets").asLong());
            assertEquals(1, n.get("ports").asLong());
            assertEquals(9, n.get("target_sample").size());
            assertEquals("[\"tcp/22\"]", n.get("port_sample").toString());
            assertEquals(4.595, n.get("threshold").asDouble(), 0.001);
            assertEquals("trw", n.get("method").asText());
            assertEquals("[]", n.get("seen_alone").toString(), "no sensor saw enough alone");

            d.advance(Duration.ofMinutes(5));
            assertEquals(List.of(), d.scans(), "once per source and window");
        }
    }

    @Test
    void benignTrafficSplitTheSameWayIsNotReported() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            // one failed first contact and six answered on each sensor: a client, not a scanner
            for (String sensor : List.of("a", "b", "c")) {
                d.send(scanEvidence(sensor, W0, W1, "10.9.9.9", 1, 6,
                        List.of("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5",
                                "203.0.113.6", "203.0.113.7"), List.of("tcp/443")));
            }
            d.advance(Duration.ofSeconds(31));
            assertEquals(List.of(), d.scans());
            assertEquals(1, d.metrics.snapshot().get("scan_windows"), "the window was closed, and not reported");
        }
    }

    /**
     * The sensors' evidence counts (target, port) first contacts, so that it adds up across any split; their
     * own TRW counts hosts. A client refused on a few ports of one host is not a scan to a sensor: TRW needs
     * four failed hosts to pass ln 99, the vertical test 15 ports. Nor is it to the fleet (before, its
     * ratio of 4 ln 4 = 5.5 on one sensor raised a fleet_scan that no sensor would have raised).
     */
    @Test
    void aClientRefusedOnAFewPortsOfOneHostIsNoScan() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(scanEvidence("a", W0, W1, "10.9.9.8", 4, 0, List.of("203.0.113.9"),
                    List.of("tcp/80", "tcp/443", "tcp/8080", "tcp/8443")));
            d.send(scanEvidence("b", W0, W1, "10.9.9.8", 2, 0, List.of("203.0.113.9"),
                    List.of("tcp/81", "tcp/8081")));
            d.advance(Duration.ofSeconds(31));
            assertEquals(List.of(), d.scans());
            assertEquals(1, d.metrics.snapshot().get("scan_windows"), "the window was closed, and not reported");
        }
    }

    @Test
    void aHorizontalScanSplitOverSensorsReachesTheHostThreshold() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            // nine hosts failed and eight answered on port 22 behind each sensor: ratio ln 4 each, 3 ln 4 in
            // all (under ln 99), but 27 failed hosts on one port: over the horizontal threshold of 25
            int host = 0;
            for (String sensor : List.of("a", "b", "c")) {
                List<String> targets = new java.util.ArrayList<>();
                for (int i = 0; i < 17; i++) {
                    targets.add("10.0." + sensor.charAt(0) % 10 + "." + host++);
                }
                d.send(scanEvidence(sensor, W0, W1, SCANNER, 9, 8, targets, List.of("tcp/22")));
            }
            d.advance(Duration.ofSeconds(31));
            List<KeyValue<String, JsonNode>> out = d.scans();
            assertEquals(1, out.size());
            JsonNode n = out.get(0).value;
            assertEquals("horizontal", n.get("method").asText());
            assertEquals(27, n.get("failed").asLong());
            assertEquals(51, n.get("targets").asLong());
            assertTrue(n.get("log_likelihood_ratio").asDouble() < FleetConfig.TRW_UPPER);
            assertEquals(20, n.get("target_sample").size(), "samples bounded");
        }
    }

    @Test
    void lateEvidenceIsCountedAndLeavesNothingBehind() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(scanEvidence("a", W0, W1, SCANNER, 5, 0, List.of("10.1.0.1"), List.of("tcp/22")));
            d.advance(Duration.ofSeconds(31));
            // late evidence of sources never seen again must not pile up in the task's state
            for (int i = 0; i < 50; i++) {
                d.send(scanEvidence("b", W0, W1, "203.0.113." + i, 5, 0, List.of("10.2.0.1"), List.of("tcp/22")));
            }
            assertEquals(50, d.metrics.snapshot().get("late_scan_evidence"));
            List<String> keys = new java.util.ArrayList<>();
            org.apache.kafka.streams.state.KeyValueStore<String, Long> meta =
                    d.driver.getKeyValueStore(FleetTopology.SCAN_META);
            try (var it = meta.all()) {
                it.forEachRemaining(kv -> keys.add(kv.key));
            }
            assertEquals(List.of(ClosingWindowProcessor.WATERMARK), keys);
        }
    }

    @Test
    void aSensorThatSawEnoughAloneIsNamed() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(scanEvidence("a", W0, W1, SCANNER, 5, 0, List.of("10.1.0.1", "10.1.0.2", "10.1.0.3",
                    "10.1.0.4", "10.1.0.5"), List.of("tcp/23")));
            d.send(scanEvidence("b", W0, W1, SCANNER, 1, 0, List.of("10.2.0.1"), List.of("tcp/23")));
            d.advance(Duration.ofSeconds(31));
            JsonNode n = d.scans().get(0).value;
            assertEquals("[\"a\"]", n.get("seen_alone").toString());
            assertEquals("[\"a\",\"b\"]", n.get("sensors").toString());
        }
    }
}
