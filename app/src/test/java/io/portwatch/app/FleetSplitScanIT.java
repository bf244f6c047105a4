package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.fleet.FleetApp;
import io.portwatch.fleet.FleetConfig;
import io.portwatch.testkit.Await;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scan split over three sensors, end to end: three captures ({@link SplitTraffic}: a SYN scan of three
 * hosts' ports and a sweep of one port behind each sensor, and a client using their services) read by
 * three real sensors ({@code portwatch read --kafka --sensor a|b|c}) into a broker. Each sensor alone
 * raises no port_scan alert (its own records say so), while a read of the three captures as one raises one
 * for each scanner: the split is what hides them. The fleet job adds the sensors' scan evidence up and
 * reports each scanner once, naming the three sensors, with the sums of their evidence (the sweep is under
 * the fleet's bound behind every sensor: only the sum reaches it); the client, whose evidence (a refused
 * service among answered ones behind each sensor, six failures in all) reaches the fleet the same way, is
 * not reported.
 */
class FleetSplitScanIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SENSORS = {"a", "b", "c"};
    /** The scanning sources and their failed and answered first contacts behind each sensor. */
    private static final Map<String, long[]> SCANS = new TreeMap<>(Map.of(SplitTraffic.SCANNER,
            SplitTraffic.scannerContacts(), SplitTraffic.SWEEPER, SplitTraffic.sweeperContacts()));

    @TempDir
    Path tmp;

    @Test
    void aScanSplitOverThreeSensorsIsReportedAndBenignTrafficSplitTheSameWayIsNot() throws Exception {
        long t0 = System.nanoTime();
        ReadCommandIT.locate();
        List<String> captures = new ArrayList<>();
        for (int s = 0; s < SENSORS.length; s++) {
            Path f = tmp.resolve("site-" + SENSORS[s] + ".pcap");
            SplitTraffic.write(f, s);
            captures.add(f.toString());
        }
        // one sensor seeing all of it raises the alerts: they are scans by the sensors' own standard
        List<String> whole = new ArrayList<>(List.of("read", "--interval", "1m", "--format", "json"));
        whole.addAll(captures);
        ReadCommandIT.Run one = ReadCommandIT.run(whole.toArray(String[]::new));
        assertEquals(0, one.exit(), one.err());
        assertEquals(new TreeSet<>(SCANS.keySet()), sources(portScans(one.ofType("alert"))),
                "one read of the three: " + one.out());

        try (EmbeddedKafka kafka = new EmbeddedKafka(false, 3)) {
            kafka.createTopics(3, "portwatch.ports", "portwatch.flows", "portwatch.alerts");
            for (int s = 0; s < SENSORS.length; s++) {
                ReadCommandIT.Run r = ReadCommandIT.run("read", "--interval", "1m", "--sensor", SENSORS[s],
                        "--kafka", kafka.bootstrap(), captures.get(s));
                assertEquals(0, r.exit(), r.err());
            }
            List<JsonNode> alertsTopic = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of("portwatch.alerts"))) {
                alertsTopic.add(JSON.readTree(r.value()));
            }
            // each sensor's own records: no port_scan alert, and evidence of every source as the traffic has it
            Map<String, List<JsonNode>> evidence = new TreeMap<>();
            for (String s : SENSORS) {
                List<JsonNode> own = alertsTopic.stream().filter(n -> n.get("sensor").asText().equals(s)).toList();
                assertEquals(List.of(), portScans(of(own, "alert")), "sensor " + s + " raises no port_scan alone");
                Map<String, long[]> contacts = new TreeMap<>(SCANS);
                contacts.put(SplitTraffic.CLIENT, SplitTraffic.clientContacts());
                for (Map.Entry<String, long[]> c : contacts.entrySet()) {
                    JsonNode e = only(of(own, "scan_evidence"), c.getKey(), s);
                    assertEquals(c.getValue()[0], e.get("failed").asLong(), e.toString());
                    assertEquals(c.getValue()[1], e.get("answered").asLong(), e.toString());
                    evidence.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(e);
                }
            }

            Properties p = new Properties();
            p.put("bootstrap.servers", kafka.bootstrap());
            p.put("application.id", "split-scan");
            p.put("state.dir", tmp.resolve("fleet").toString());
            FleetConfig cfg = FleetConfig.defaults().withWindow(Duration.ofMinutes(1), Duration.ofSeconds(2))
                    .withPunctuateEvery(Duration.ofMillis(200));
            try (FleetApp fleet = new FleetApp(cfg, p)) {
                fleet.start();
                // every source's window closed (judged), then commits after that: what they wrote is visible
                Await.until(Duration.ofSeconds(120), () -> fleet.metrics().snapshot().get("scan_windows") >= 3,
                        () -> "the fleet to close the sources' windows: " + fleet.metrics().snapshot() + ", "
                                + fleet.state() + " " + fleet.failure());
                double commits = commits(fleet);
                Await.until(Duration.ofSeconds(60), () -> commits(fleet) >= commits + 2, "two more commits");
                assertEquals(3, fleet.metrics().snapshot().get("scan_windows"), "three sources, one window");
                assertEquals(9, fleet.metrics().snapshot().get("scan_evidence_records"));

                Map<String, JsonNode> reported = new TreeMap<>();
                List<ConsumerRecord<byte[], byte[]>> out = kafka.readAll(List.of("portwatch.fleet.alerts"));
                for (ConsumerRecord<byte[], byte[]> r : out) {
                    reported.put(new String(r.key(), StandardCharsets.UTF_8), JSON.readTree(r.value()));
                }
                assertEquals(SCANS.keySet(), reported.keySet(), "the scanners, not the client: " + reported);
                assertEquals(SCANS.size(), out.size(), "each once: " + reported);
                for (String source : SCANS.keySet()) {
                    check(source, reported.get(source), evidence.get(source));
                }
                assertEquals(null, fleet.failure());
            }
        }
        System.out.printf("FleetSplitScanIT: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** The fleet_scan of a source: its window, the three sensors, the sums of their evidence. */
    private static void check(String source, JsonNode n, List<JsonNode> evidence) {
        assertEquals("fleet_scan", n.get("type").asText());
        assertEquals(source, n.get("source").asText());
        assertEquals("2024-05-01T10:00:00Z", n.get("window_start").asText());
        assertEquals("2024-05-01T10:01:00Z", n.get("window_end").asText());
        assertEquals("[\"a\",\"b\",\"c\"]", n.get("sensors").toString(), source);
        double ratio = 0;
        Set<String> alone = new TreeSet<>();
        for (JsonNode e : evidence) {
            ratio += e.get("log_likelihood_ratio").asDouble();
            // the fleet's TRW rule on one sensor's evidence: the bound, over as many hosts as TRW needs failed
            // ones to reach it (4)
            if (e.get("log_likelihood_ratio").asDouble() >= FleetConfig.TRW_UPPER
                    && e.get("targets").asLong() >= Math.ceil(FleetConfig.TRW_UPPER / FleetConfig.TRW_FAILURE_STEP)) {
                alone.add(e.get("sensor").asText());
            }
        }
        assertEquals(evidence.stream().mapToLong(e -> e.get("failed").asLong()).sum(), n.get("failed").asLong());
        assertEquals(evidence.stream().mapToLong(e -> e.get("answered").asLong()).sum(), n.get("answered").asLong());
        assertEquals(ratio, n.get("log_likelihood_ratio").asDouble(), 0.001, source);
        assertEquals("trw", n.get("method").asText(), source);
        // the sensors whose evidence alone reached the fleet's thresholds: none, as none raised an alert (each
        // sees three hosts; the scanner's 14 ports of each are over the ratio's bound, not over TRW's 4 hosts)
        assertTrue(alone.isEmpty(), "each sensor's evidence under the thresholds alone: " + alone);
        List<String> seenAlone = new ArrayList<>();
        n.get("seen_alone").forEach(x -> seenAlone.add(x.asText()));
        assertEquals(List.copyOf(alone), seenAlone, source);
        Set<String> hosts = new TreeSet<>();
        for (int s = 0; s < SENSORS.length; s++) {
            hosts.addAll(SplitTraffic.hosts(s));
        }
        assertEquals(hosts.size(), n.get("targets").asLong(), source);
        Set<String> sample = new TreeSet<>();
        n.get("target_sample").forEach(t -> sample.add(t.asText()));
        assertEquals(hosts, sample, source);
        assertEquals(source.equals(SplitTraffic.SCANNER) ? SplitTraffic.LAST_PORT - SplitTraffic.FIRST_PORT + 1 : 1,
                n.get("ports").asLong(), source);
    }

    private static List<JsonNode> of(List<JsonNode> records, String type) {
        return records.stream().filter(n -> n.get("type").asText().equals(type)).toList();
    }

    private static List<JsonNode> portScans(List<JsonNode> alerts) {
        return alerts.stream().filter(n -> n.get("kind").asText().equals("port_scan")).toList();
    }

    private static Set<String> sources(List<JsonNode> records) {
        Set<String> s = new TreeSet<>();
        records.forEach(n -> s.add(n.get("source").asText()));
        return s;
    }

    /** The one record of the source. */
    private static JsonNode only(List<JsonNode> records, String source, String sensor) {
        List<JsonNode> l = records.stream().filter(n -> n.get("source").asText().equals(source)).toList();
        assertEquals(1, l.size(), "sensor " + sensor + "'s evidence of " + source + ": " + records);
        return l.get(0);
    }

    /** Transactions the fleet's stream threads committed. */
    private static double commits(FleetApp fleet) {
        double n = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : fleet.streamsMetrics().entrySet()) {
            if (e.getKey().name().equals("commit-total") && e.getKey().group().equals("stream-thread-metrics")) {
                n += ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        return n;
    }
}
