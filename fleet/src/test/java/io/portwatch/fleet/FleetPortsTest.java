package io.portwatch.fleet;

import static io.portwatch.fleet.SensorJson.addresses;
import static io.portwatch.fleet.SensorJson.portStats;
import static io.portwatch.fleet.SensorJson.withSketches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fleet_port_stats from three sensors' port_stats, through the topology in the test driver. */
class FleetPortsTest {

    static final String W0 = "2024-05-01T10:00:00Z";
    static final String W1 = "2024-05-01T10:01:00Z";
    static final String W2 = "2024-05-01T10:02:00Z";

    @TempDir
    Path state;

    @Test
    void sumsAreExactAcrossThreeSensors() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(portStats("a", W0, W1, "tcp", 443, 10, 1000, 90_000));
            // sensor b runs with --interval 30s: its two windows make one fleet window
            d.send(portStats("b", W0, "2024-05-01T10:00:30Z", "tcp", 443, 20, 2500, 200_000));
            d.send(portStats("b", "2024-05-01T10:00:30Z", W1, "tcp", 443, 5, 500, 50_000));
            d.send(portStats("c", W0, W1, "tcp", 443, 7, 4000, 310_000));
            d.send(portStats("c", W0, W1, "udp", 53, 3, 6, 600));
            assertEquals(List.of(), d.ports(), "nothing before the window's end and grace");

            d.advance(Duration.ofSeconds(31));
            List<KeyValue<String, JsonNode>> out = d.ports();
            assertEquals(2, out.size(), out.toString());
            KeyValue<String, JsonNode> https = out.stream().filter(kv -> kv.key.startsWith("tcp/")).findFirst()
                    .orElseThrow();
            assertEquals("tcp/443@" + W0, https.key);
            JsonNode n = https.value;
            assertEquals("fleet_port_stats", n.get("type").asText());
            assertEquals(W0, n.get("window_start").asText());
            assertEquals(W1, n.get("window_end").asText());
            assertEquals("tcp", n.get("transport").asText());
            assertEquals(443, n.get("port").asInt());
            assertEquals("https", n.get("service").asText());
            assertEquals("well-known", n.get("port_class").asText());
            assertEquals(3, n.get("sensors").asInt());
            assertEquals(10 + 20 + 5 + 7, n.get("flows").asLong());
            assertEquals(11 + 21 + 6 + 8, n.get("active_flows").asLong());
            assertEquals(8000, n.get("packets").asLong());
            assertEquals(650_000, n.get("bytes").asLong());
            assertEquals(500 + 1250 + 250 + 2000, n.get("packets_to_server").asLong());
            assertEquals(500 + 1250 + 250 + 2000, n.get("packets_to_client").asLong());
            assertEquals(30_000 + 66_666 + 16_666 + 103_333, n.get("bytes_to_server").asLong());
            assertEquals(650_000 - (30_000 + 66_666 + 16_666 + 103_333), n.get("bytes_to_client").asLong());
            JsonNode tcp = n.get("tcp");
            assertEquals(42, tcp.get("syn").asLong());
            assertEquals(38, tcp.get("syn_ack").asLong());
            assertEquals(4, tcp.get("rst").asLong());
            assertEquals(84, tcp.get("fin").asLong());
            assertEquals(38, tcp.get("established").asLong());
            assertEquals(4, tcp.get("rejected").asLong());
            assertEquals(0, tcp.get("unanswered").asLong());
            JsonNode busiest = n.get("busiest_sensors");
            assertEquals(3, busiest.size());
            assertEquals("c", busiest.get(0).get("sensor").asText());
            assertEquals(4000, busiest.get(0).get("packets").asLong());
            assertEquals("b", busiest.get(1).get("sensor").asText());
            assertEquals(3000, busiest.get(1).get("packets").asLong());
            assertEquals(250_000, busiest.get(1).get("bytes").asLong());
            assertEquals("a", busiest.get(2).get("sensor").asText());
            assertEquals(0, n.get("late_records").asLong());
            assertTrue(n.get("unique_clients").isNull(), "no sketches sent: no estimate");

            JsonNode dns = out.stream().filter(kv -> kv.key.startsWith("udp/")).findFirst().orElseThrow().value;
            assertEquals(1, dns.get("sensors").asInt());
            assertEquals(6, dns.get("packets").asLong());
            assertTrue(dns.get("tcp") == null, "no TCP outcomes for UDP");
            assertEquals(5, d.metrics.snapshot().get("port_stats_records"));
        }
    }

    @Test
    void sketchesAreMergedWithinTheirErrorBound() {
        // clients overlap between sensors: 9,000 distinct in all, 3,000 of them seen by two sensors
        List<String> a = addresses(0, 4000);
        List<String> b = addresses(2500, 7000);
        List<String> c = addresses(5500, 9000);
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        all.addAll(c);
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(withSketches(portStats("a", W0, W1, "tcp", 443, 10, 100, 1000), a, List.of("192.0.2.1"), "public"));
            d.send(withSketches(portStats("b", W0, W1, "tcp", 443, 10, 100, 1000), b,
                    List.of("192.0.2.1", "192.0.2.2"), "public"));
            d.send(withSketches(portStats("c", W0, W1, "tcp", 443, 10, 100, 1000), c, List.of("2001:db8::3"),
                    "public"));
            d.advance(Duration.ofSeconds(31));
            JsonNode n = d.ports().get(0).value;
            long clients = n.get("unique_clients").asLong();
            // HLL at lgK 12: 1.04 / sqrt(4096) = 1.6% relative standard error; three of them
            double bound = 3 * 1.04 / Math.sqrt(4096) * all.size();
            assertTrue(Math.abs(clients - all.size()) <= bound,
                    clients + " clients estimated, " + all.size() + " true, bound " + bound);
            // the sum of the sensors' own counts (10,500) is not what a union gives
            assertTrue(clients < 10_000, "overlap not counted twice: " + clients);
            assertEquals(3, n.get("unique_servers").asLong(), "few addresses: exact");
            assertEquals(0, n.get("sketches_skipped").asLong());
        }
    }

    @Test
    void sketchesHashedAnotherWayAreCountedNotMerged() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(withSketches(portStats("a", W0, W1, "tcp", 22, 1, 10, 100), addresses(0, 50),
                    List.of("192.0.2.1"), "public"));
            d.send(withSketches(portStats("b", W0, W1, "tcp", 22, 1, 10, 100), addresses(40, 80),
                    List.of("192.0.2.1"), "public"));
            // c hashed with the fleet key: its registers mean other addresses
            d.send(withSketches(portStats("c", W0, W1, "tcp", 22, 1, 10, 100), addresses(1000, 1500),
                    List.of("192.0.2.9"), "fleet"));
            d.advance(Duration.ofSeconds(31));
            JsonNode n = d.ports().get(0).value;
            assertEquals(80, n.get("unique_clients").asLong(), "a and b only");
            assertEquals(1, n.get("unique_servers").asLong());
            assertEquals(1, n.get("sketches_skipped").asLong());
            assertEquals(3, n.get("sensors").asInt(), "c still counts");
            assertEquals(30, n.get("packets").asLong());
            assertEquals(1, d.metrics.hllKeyMismatches());
        }
    }

    @Test
    void lateRecordsWithinTheGraceAreMergedLaterOnesCounted() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(portStats("a", W0, W1, "tcp", 443, 1, 100, 1000));
            d.send(portStats("b", W0, W1, "tcp", 443, 1, 200, 1000));
            d.advance(Duration.ofSeconds(29));
            assertEquals(List.of(), d.ports());
            d.send(portStats("c", W0, W1, "tcp", 443, 1, 300, 1000)); // 29 s after the end: within the grace
            d.advance(Duration.ofSeconds(2));
            List<KeyValue<String, JsonNode>> first = d.ports();
            assertEquals(1, first.size());
            assertEquals(3, first.get(0).value.get("sensors").asInt());
            assertEquals(600, first.get(0).value.get("packets").asLong());

            d.send(portStats("d", W0, W1, "tcp", 443, 1, 400, 1000)); // after the grace: counted only
            assertEquals(List.of(), d.ports());
            assertEquals(1, d.metrics.lateRecords());

            d.advance(Duration.ofSeconds(29)); // 10:02:00: the next window's records
            d.send(portStats("a", W1, W2, "tcp", 443, 1, 100, 1000));
            d.advance(Duration.ofSeconds(31));
            List<KeyValue<String, JsonNode>> second = d.ports();
            assertEquals(1, second.size());
            assertEquals("tcp/443@" + W1, second.get(0).key);
            assertEquals(100, second.get(0).value.get("packets").asLong(), "the late record is in no sum");
            assertEquals(1, second.get(0).value.get("late_records").asLong());
        }
    }

    @Test
    void theWallClockAloneClosesAWindow() {
        // live: the sensors' last window, then nothing
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(portStats("a", W0, W1, "tcp", 443, 1, 100, 1000));
            d.advance(Duration.ofSeconds(29));
            assertEquals(List.of(), d.ports());
            d.advance(Duration.ofSeconds(2));
            assertEquals(List.of("tcp/443@" + W0), keys(d.ports()));
        }
    }

    @Test
    void aCaptureReadLongAfterClosesOneGraceAfterItsLastRecord() {
        // a sensor reading a capture of 2019 today: its windows close on its records, the last on the wall clock
        try (FleetDriver d = new FleetDriver(W1, state)) {
            String t0 = "2019-03-01T08:00:00Z";
            String t1 = "2019-03-01T08:01:00Z";
            String t2 = "2019-03-01T08:02:00Z";
            String t3 = "2019-03-01T08:03:00Z";
            d.send(portStats("a", t0, t1, "tcp", 80, 1, 100, 1000));
            d.send(portStats("b", t0, t1, "tcp", 80, 1, 100, 1000));
            assertEquals(List.of(), d.ports(), "not late for being old");
            d.send(portStats("a", t1, t2, "tcp", 80, 1, 100, 1000));
            assertEquals(List.of("tcp/80@" + t0), keys(d.ports()), "the records closed the first window");
            d.send(portStats("a", t2, t3, "tcp", 80, 1, 100, 1000));
            assertEquals(List.of("tcp/80@" + t1), keys(d.ports()));
            d.advance(Duration.ofSeconds(29));
            assertEquals(List.of(), d.ports());
            d.advance(Duration.ofSeconds(2));
            assertEquals(List.of("tcp/80@" + t2), keys(d.ports()), "the last one on the wall clock");
            assertEquals(0, d.metrics.lateRecords());
        }
    }

    @Test
    void aSensorWithItsClockAheadMakesNoOtherSensorLate() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            // z's clock is 50 s ahead: at 10:01:00 it sends its window 10:01:00-10:01:50 as finished
            d.send(portStats("z", W1, "2024-05-01T10:01:50Z", "tcp", 443, 1, 5, 50));
            // and a day ahead: refused, counted
            d.send(portStats("z", "2024-05-02T10:00:00Z", "2024-05-02T10:01:00Z", "tcp", 443, 1, 5, 50));
            d.advance(Duration.ofSeconds(25));
            d.send(portStats("a", W0, W1, "tcp", 443, 1, 100, 1000)); // 25 s after the end, within the grace
            d.advance(Duration.ofSeconds(6));
            List<KeyValue<String, JsonNode>> out = d.ports();
            assertEquals(List.of("tcp/443@" + W0), keys(out));
            assertEquals(100, out.get(0).value.get("packets").asLong());
            assertEquals(0, d.metrics.lateRecords());
            assertEquals(1, d.metrics.snapshot().get("future_records"));
        }
    }

    @Test
    void recordsThatDoNotReadAreCountedAndSkipped() {
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.sendRaw(d.cfg.portsTopic(), "tcp/443", "{not json");
            d.sendRaw(d.cfg.portsTopic(), "tcp/443", portStats("a", W0, W1, "tcp", 70000, 1, 1, 1).toString());
            d.sendRaw(d.cfg.portsTopic(), "window/eth0", "{\"type\":\"window\",\"sensor\":\"a\"}");
            d.send(portStats("a", W0, W1, "tcp", 443, 1, 100, 1000));
            // keyed otherwise than by its port: perhaps in another partition than the port's other records
            d.sendRaw(d.cfg.portsTopic(), "443", portStats("b", W0, W1, "tcp", 443, 1, 100, 1000).toString());
            d.advance(Duration.ofSeconds(31));
            List<KeyValue<String, JsonNode>> out = d.ports();
            assertEquals(1, out.size());
            assertEquals(100, out.get(0).value.get("packets").asLong(), "b's misrouted record left out");
            assertEquals(1, d.metrics.snapshot().get("misrouted_records"));
            assertEquals(2, d.metrics.badRecords());
            assertEquals(1, d.metrics.snapshot().get("skipped_records"));
        }
    }

    static List<String> keys(List<KeyValue<String, JsonNode>> records) {
        List<String> keys = new ArrayList<>();
        records.forEach(kv -> keys.add(kv.key));
        return keys;
    }
}
