package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fleet's oracle: three captures read by three sensors ({@code portwatch read --kafka --sensor a|b|c})
 * into a real broker, joined by {@code portwatch fleet}, give per window and port what {@code portwatch
 * read} of the three files as one capture gives: every sum exact (two sensors saw tcp/8080), the sensors
 * that saw each port counted,
 * and the distinct clients within the sketches' error bound (HLL, lgK 12: 1.04/sqrt(4096) = 1.6% a standard
 * error; three of them allowed, and never below the truth by more).
 */
class FleetOracleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CAPTURES = {"http-sessions.pcap", "dns-queries.pcap", "busy-client.pcap"};
    private static final String[] SENSORS = {"a", "b", "c"};
    private static EmbeddedKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        ReadCommandIT.locate();
        kafka = new EmbeddedKafka(true, 3);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void threeSensorsJoinedEqualOneReadOfTheThreeCaptures() throws Exception {
        List<Path> files = new ArrayList<>();
        for (String c : CAPTURES) {
            files.add(Corpus.file("captures", c));
        }
        kafka.createTopics(3, "portwatch.ports", "portwatch.flows", "portwatch.alerts");
        for (int i = 0; i < CAPTURES.length; i++) {
            ReadCommandIT.Run sent = ReadCommandIT.run("read", "--interval", "1m", "--sensor", SENSORS[i], "--kafka", kafka.bootstrap(),
                    files.get(i).toString());
            assertEquals(0, sent.exit(), sent.err());
        }
        // the fleet job, as a user runs it; its last window closes on the clock, a grace after the last record
        List<String> fleetCmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", Path.of(System.getProperty("portwatch.root", ".."), "app/target/portwatch.jar").toString(),
                "fleet", "--kafka", kafka.bootstrap(), "--window", "1m", "--grace", "2s",
                "--state-dir", tmp.resolve("state").toString(), "--application-id", "oracle", "--metrics-port", "0"));
        Path fleetErr = tmp.resolve("fleet.err");
        Process fleet = new ProcessBuilder(fleetCmd).redirectErrorStream(true).redirectOutput(fleetErr.toFile()).start();
        try {
            Map<String, JsonNode> want = oneRead(files);
            // how many sensors saw each window and port: what each capture alone says
            Map<String, Integer> sensors = new TreeMap<>();
            for (Path f : files) {
                oneRead(List.of(f)).keySet().forEach(k -> sensors.merge(k, 1, Integer::sum));
            }
            assertTrue(sensors.containsValue(2), "a port two sensors saw (tcp/8080): " + sensors);
            Map<String, JsonNode> got = new TreeMap<>();
            Await.until(Duration.ofSeconds(120), () -> {
                got.clear();
                for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of("portwatch.fleet.ports"))) {
                    JsonNode n = JSON.readTree(r.value());
                    got.put(n.get("window_start").asText() + " " + n.get("transport").asText() + "/" + n.get("port").asInt(), n);
                }
                return got.keySet().containsAll(want.keySet());
            }, () -> "the fleet's records of " + want.keySet() + ", got " + got.keySet() + "; fleet said: " + said(fleetErr));
            assertEquals(want.keySet(), got.keySet(), "one fleet record per window and port, no other");
            for (Map.Entry<String, JsonNode> e : want.entrySet()) {
                JsonNode w = e.getValue();
                JsonNode g = got.get(e.getKey());
                for (String f : List.of("flows", "active_flows", "packets", "bytes", "packets_to_server",
                        "packets_to_client", "bytes_to_server", "bytes_to_client")) {
                    assertEquals(w.get(f).asLong(), g.get(f).asLong(), e.getKey() + " " + f);
                }
                if (w.has("tcp")) {
                    assertEquals(w.get("tcp"), g.get("tcp"), e.getKey() + " tcp");
                }
                assertEquals(sensors.get(e.getKey()).intValue(), g.get("sensors").asInt(), e.getKey() + " sensors");
                long truth = w.get("unique_clients").asLong();
                long est = g.get("unique_clients").asLong();
                assertTrue(Math.abs(est - truth) <= Math.max(1, Math.round(3 * 0.0163 * truth)),
                        e.getKey() + " distinct clients " + est + " against " + truth);
            }
            // exactly once: no window and port twice, even counting every record on the topic
            assertEquals(got.size(), kafka.readAll(List.of("portwatch.fleet.ports")).size(), "each record once");

            // its metrics count what it read and wrote
            long portStatsSent = 0;
            for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of("portwatch.ports"))) {
                if (JSON.readTree(r.value()).get("type").asText().equals("port_stats")) {
                    portStatsSent++;
                }
            }
            String url = said(fleetErr).lines().filter(l -> l.startsWith("portwatch: metrics on ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no metrics address said: " + said(fleetErr)))
                    .substring("portwatch: metrics on ".length()).trim();
            assertTrue(url.startsWith("http://127.0.0.1:"), "metrics on loopback unless told: " + url);
            long read = portStatsSent;
            String[] scraped = {""};
            Await.until(Duration.ofSeconds(30), () -> {
                scraped[0] = scrape(url);
                return metric(scraped[0], "portwatch_fleet_records_read_total{type=\"port_stats\"}") == read
                        && metric(scraped[0], "portwatch_fleet_records_written_total{type=\"fleet_port_stats\"}")
                        == got.size();
            }, () -> "metrics counting " + read + " port_stats read and " + got.size() + " written: " + scraped[0]);
            assertEquals(1.0, metric(scraped[0], "portwatch_fleet_running"), scraped[0]);
            assertEquals(0.0, metric(scraped[0], "portwatch_fleet_records_rejected_total{reason=\"unreadable\"}"));
            assertTrue(scraped[0].contains("kafka_stream_"), "Kafka Streams' own metrics: " + scraped[0]);
            assertFalse(scraped[0].contains("portwatch_decode_errors"), "no sensor meters in the fleet's");
        } finally {
            fleet.destroy();
            assertTrue(fleet.waitFor(60, TimeUnit.SECONDS), "the fleet stops on SIGTERM");
        }
        assertEquals(0, fleet.exitValue(), said(fleetErr));
        assertTrue(said(fleetErr).contains("fleet stopped"), said(fleetErr));
    }

    private static String scrape(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of a series (name with its labels, as written) in Prometheus text, NaN when absent. */
    private static double metric(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(Double.NaN);
    }

    /** What {@code portwatch read} of the files as one capture says, by window start and port. */
    private static Map<String, JsonNode> oneRead(List<Path> files) throws Exception {
        List<String> args = new ArrayList<>(List.of("read", "--interval", "1m", "--format", "json"));
        files.forEach(f -> args.add(f.toString()));
        ReadCommandIT.Run r = ReadCommandIT.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        Map<String, JsonNode> m = new TreeMap<>();
        for (String line : r.out().split("\n")) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals("port_stats")) {
                m.put(n.get("window_start").asText() + " " + n.get("transport").asText() + "/" + n.get("port").asInt(), n);
            }
        }
        assertTrue(!m.isEmpty(), "ports of " + files);
        return m;
    }

    private static String said(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(" + e + ")";
        }
    }
}
