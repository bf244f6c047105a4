package io.portwatch.app.sink;

import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.app.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KafkaSink and KafkaSettings against a real broker (KRaft) running in this JVM. */
class KafkaSinkTest {

    private static EmbeddedKafka kafka;
    private static final AtomicInteger TOPIC = new AtomicInteger();

    @BeforeAll
    static void broker() throws IOException {
        kafka = new EmbeddedKafka(false, 1);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Fresh topics (3 partitions each) for one test. */
    private static KafkaTopics topics() throws Exception {
        int n = TOPIC.incrementAndGet();
        KafkaTopics t = new KafkaTopics("ports-" + n, "flows-" + n, "alerts-" + n);
        kafka.createTopics(3, t.ports(), t.flows(), t.alerts());
        return t;
    }

    private static KafkaSettings settings(KafkaTopics topics, Map<String, String> props) {
        return KafkaSettings.of(kafka.bootstrap(), null, props, topics, Duration.ofSeconds(20), Duration.ofSeconds(5));
    }

    /** A producer that knows the topics' partitions (as OutputOptions makes it), so sending never waits for them. */
    private static org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer(KafkaSettings s) {
        org.apache.kafka.clients.producer.Producer<byte[], byte[]> p = s.newProducer();
        p.partitionsFor(s.topics().ports());
        p.partitionsFor(s.topics().flows());
        return p;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The lines JsonLinesSink writes for the same records. */
    private static List<String> lines(RecordEncoder encoder, Consumer<RecordSink> body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLinesSink s = new JsonLinesSink(out, encoder, 0)) {
            body.accept(s);
        }
        return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> text(r.value())).toList();
    }

    private static String key(JsonNode record) {
        return switch (record.get("type").asText()) {
            case "port_stats" -> record.get("transport").asText() + "/" + record.get("port").asInt();
            case "window" -> "window/" + record.get("input").asText();
            case "summary" -> "summary/" + record.get("input").asText();
            case "flow" -> record.get("community_id").asText();
            case "alert" -> record.get("source").isNull() ? record.get("target").asText() : record.get("source").asText();
            case "service" -> "service/" + record.get("transport").asText() + "/" + record.get("address").asText() + "/"
                    + record.get("port").asInt();
            case "scan_evidence" -> record.get("source").asText();
            default -> throw new AssertionError(record.toString());
        };
    }

    @Test
    void everyRecordArrivesOnceWithItsKeyOnItsTopicAsTheJsonLine() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of());
        s.check(List.of(topics.ports(), topics.flows(), topics.alerts()));
        List<WindowReport> windows = new ArrayList<>();
        List<FlowRecord> flows = new ArrayList<>(List.of(SampleRecords.tcpFlow(), SampleRecords.udpFlow()));
        windows.add(SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts()));
        windows.add(SampleRecords.window(SampleRecords.T0 + SampleRecords.MINUTE, List.of()));
        windows.add(SampleRecords.fileWindow(SampleRecords.T0 + 2 * SampleRecords.MINUTE,
                SampleRecords.shuffledPorts(40, 9)));
        windows.add(SampleRecords.windowWithTalkersAndServices(SampleRecords.T0 + 3 * SampleRecords.MINUTE));
        List<Summary> summaries = new ArrayList<>(List.of(SampleRecords.summary(), SampleRecords.emptySummary()));
        if (Corpus.ifPresent().isPresent()) { // the corpus's records too, where it is (always in CI)
            for (String capture : new String[] {"nmap-syn-scan.pcap", "http-sessions.pcapng", "dns-queries.pcap"}) {
                JsonNode ref = CorpusRecords.reference(capture);
                windows.add(CorpusRecords.window(ref, SampleRecords.T0));
                List<FlowRecord> f = CorpusRecords.flows(ref, SampleRecords.T0);
                flows.addAll(f);
                summaries.add(CorpusRecords.summary(ref, SampleRecords.T0, f.size()));
            }
        }
        Consumer<RecordSink> body = sink -> {
            flows.forEach(sink::flow);
            SampleRecords.alerts().forEach(sink::alert);
            windows.forEach(sink::window);
            summaries.forEach(sink::summary);
        };
        List<String> expected = lines(RecordEncoder.json("k1"), body);
        List<String> lost = new ArrayList<>();
        KafkaSink sink = new KafkaSink(producer(s), RecordEncoder.json("k1"), topics, 0, 0, s.closeTimeout(),
                s, lost::add);
        body.accept(sink);
        sink.close();
        assertEquals(List.of(), lost);
        assertEquals(expected.size(), sink.records());
        assertEquals(expected.size(), sink.delivered());

        List<ConsumerRecord<byte[], byte[]>> got = kafka.readAll(List.of(topics.ports(), topics.flows(),
                topics.alerts()));
        assertEquals(expected.size(), got.size(), "each record once");
        // the same bytes, as a multiset
        List<String> a = new ArrayList<>(expected);
        List<String> b = new ArrayList<>(values(got));
        a.sort(null);
        b.sort(null);
        assertEquals(a, b, "the values are the JSON lines, byte for byte");
        Map<String, Set<Integer>> partitionsOfKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            JsonNode n = JsonLinesSinkTest.MAPPER.readTree(r.value());
            assertEquals(key(n), text(r.key()), "key of " + n);
            String type = n.get("type").asText();
            assertEquals(type.equals("flow") ? topics.flows()
                    : type.equals("alert") || type.equals("scan_evidence") ? topics.alerts() : topics.ports(), r.topic());
            partitionsOfKey.computeIfAbsent(r.topic() + " " + text(r.key()), k -> new HashSet<>()).add(r.partition());
        }
        partitionsOfKey.forEach((k, p) -> assertEquals(1, p.size(), "one partition per key: " + k));
        assertTrue(partitionsOfKey.keySet().stream().anyMatch(k -> k.endsWith(" tcp/8080")));
        // records of one port stay in order in its partition: the windows' starts increase
        List<String> starts8080 = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            if (text(r.key()).equals("tcp/8080")) {
                starts8080.add(JsonLinesSinkTest.MAPPER.readTree(r.value()).get("window_start").asText());
            }
        }
        List<String> sorted = new ArrayList<>(starts8080);
        sorted.sort(null);
        assertEquals(sorted, starts8080);
        assertEquals(3, partitionsOfKey.values().stream().flatMap(Set::stream).distinct().count(),
                "the keys spread over the partitions");
    }

    @Test
    void ecsDocumentsOnKafkaAreTheEcsLines() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of("compression.type", "zstd"));
        Consumer<RecordSink> body = sink -> {
            sink.flow(SampleRecords.tcpFlow());
            sink.window(SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts()));
            sink.summary(SampleRecords.summary());
        };
        List<String> expected = lines(EcsRecordEncoderTest.ecs(true), body);
        KafkaSink sink = new KafkaSink(producer(s), EcsRecordEncoderTest.ecs(true), topics, 0, 0,
                s.closeTimeout(), s, m -> {
                    throw new AssertionError(m);
                });
        body.accept(sink);
        sink.close();
        List<String> got = new ArrayList<>(values(kafka.readAll(List.of(topics.ports(), topics.flows()))));
        List<String> want = new ArrayList<>(expected);
        got.sort(null);
        want.sort(null);
        assertEquals(want, got);
    }

    @Test
    void aBrokerRestartLosesNothingAndDuplicatesNothing() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of("linger.ms", "0"));
        List<String> lost = new ArrayList<>();
        org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer = producer(s);
        KafkaSink sink = new KafkaSink(producer, RecordEncoder.json("r"), topics, 0, 10_000,
                s.closeTimeout(), s, lost::add);
        List<String> expected = new ArrayList<>();
        int n = 0;
        for (int phase = 0; phase < 3; phase++) {
            if (phase == 1) {
                kafka.stop();
            }
            if (phase == 2) {
                // records wait while the broker is away, the producer without a connection to it
                await("the records of the outage waiting, unconnected: " + sink.waiting(),
                        () -> connections(producer) == 0 && sink.waiting() >= 80);
                kafka.start();
            }
            for (int i = 0; i < 40; i++, n++) {
                WindowReport w = SampleRecords.window(SampleRecords.T0 + n * SampleRecords.MINUTE,
                        List.of(SampleRecords.tcp(8080, "http-alt", 100 + n, 90 + n)));
                sink.window(w);
                expected.addAll(lines(RecordEncoder.json("r"), k -> k.window(w)));
            }
        }
        sink.close();
        assertEquals(List.of(), lost);
        assertEquals(0, sink.dropped() + sink.failed());
        List<String> got = values(kafka.readAll(List.of(topics.ports())));
        assertEquals(expected.size(), got.size(), "none lost, none duplicated");
        assertEquals(new HashSet<>(expected), new HashSet<>(got));
        assertEquals(expected.size(), new HashSet<>(got).size(), "every record distinct");
        // one key (tcp/8080), one partition: the order is the order sent, across the restart
        List<String> ports = got.stream().filter(v -> v.contains("\"port_stats\"")).toList();
        assertEquals(expected.stream().filter(v -> v.contains("\"port_stats\"")).toList(), ports);
    }

    /** Waits (at most 60 s) for {@code condition}. */
    private static void await(String what, java.util.function.BooleanSupplier condition) {
        Await.until(Duration.ofSeconds(60), condition::getAsBoolean, what);
    }

    /** A producer's connections to brokers now (its {@code connection-count} metric, as KafkaWatch reads it). */
    private static double connections(org.apache.kafka.clients.producer.Producer<?, ?> p) {
        return p.metrics().entrySet().stream().filter(m -> m.getKey().name().equals("connection-count")
                        && m.getKey().group().equals("producer-metrics"))
                .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).findFirst().orElseThrow();
    }

    @Test
    void anOutageIsSaidWhenItBeginsAndWhenItEndsWithTheRecordsWaiting() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of("linger.ms", "0"));
        List<String> notices = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> lost = new ArrayList<>();
        KafkaSink sink = new KafkaSink(producer(s), RecordEncoder.json("o"), topics, 0, 10_000, s.closeTimeout(), s,
                lost::add, notices::add);
        WindowReport w = SampleRecords.fileWindow(SampleRecords.T0, List.of(SampleRecords.udp(53, "domain", 4, 4)));
        sink.window(w);
        await("delivered", () -> sink.delivered() == 2);
        assertEquals(0, sink.waiting());
        // not a wait for a condition: that nothing is said takes time to show (a notice comes after the
        // grace at the earliest, from a check on the clock)
        Thread.sleep(3 * KafkaWatch.GRACE_MILLIS);
        assertEquals(List.of(), notices, "nothing to say while the broker answers, nor while idle");
        kafka.stop();
        try {
            for (int i = 0; i < 5; i++) {
                sink.window(w);
            }
            await("the outage said: " + notices, () -> !notices.isEmpty());
            assertEquals(List.of("Kafka broker " + kafka.bootstrap() + " unreachable, 10 records waiting"), notices);
            assertEquals(10, sink.waiting(), "records waiting, in the producer's buffer");
            assertEquals(2, sink.delivered());
        } finally {
            kafka.start();
        }
        await("its end said: " + notices, () -> notices.size() == 2);
        assertEquals("Kafka reachable again", notices.get(1));
        await("delivered after the restart", () -> sink.delivered() == 12);
        assertEquals(0, sink.waiting());
        sink.close();
        assertEquals(2, notices.size(), "a close with nothing waiting says nothing: " + notices);
        assertEquals(List.of(), lost);
        assertEquals(12, kafka.readAll(List.of(topics.ports())).size());
    }

    @Test
    void aCloseWithRecordsWaitingSaysForHowLongAtMost() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = KafkaSettings.of(kafka.bootstrap(), null, Map.of(), topics, Duration.ofSeconds(3),
                Duration.ofSeconds(5));
        List<String> notices = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> lost = new ArrayList<>();
        KafkaSink sink = new KafkaSink(producer(s), RecordEncoder.json("w"), topics, 0, 100, s.closeTimeout(), s,
                lost::add, notices::add);
        kafka.stop();
        long took;
        try {
            sink.window(SampleRecords.fileWindow(SampleRecords.T0, List.of(SampleRecords.udp(53, "domain", 4, 4))));
            long started = System.nanoTime(); // closed before the outage is said: after a moment's wait
            sink.close();
            took = System.nanoTime() - started;
        } finally {
            kafka.start();
        }
        assertEquals(List.of("waiting up to 3s for Kafka (2 records)"), notices);
        assertTrue(took >= TimeUnit.SECONDS.toNanos(3) - TimeUnit.MILLISECONDS.toNanos(100)
                && took < TimeUnit.SECONDS.toNanos(8), "the close timeout, all told: " + took / 1e9);
        assertEquals(List.of("kafka: 2 of 2 records were not delivered to Kafka at " + kafka.bootstrap()
                + ": 2 still on their way when the close timeout (3s) ran out"), lost);
        assertEquals(0, kafka.readAll(List.of(topics.ports())).size(), "as said: none delivered (and the broker "
                + "serves again before the next test)");
    }

    @Test
    void whileTheBrokerIsAwayTheBoundDropsAndCountsAndCloseReportsIt() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = KafkaSettings.of(kafka.bootstrap(), null, Map.of(), topics, Duration.ofMillis(500),
                Duration.ofSeconds(5));
        List<String> lost = new ArrayList<>();
        KafkaSink sink = new KafkaSink(producer(s), RecordEncoder.json("d"), topics, 0, 5, s.closeTimeout(), s,
                lost::add);
        kafka.stop();
        try {
            for (int i = 0; i < 4; i++) { // 4 windows of one port: 8 records, 5 wait, 3 dropped
                sink.window(SampleRecords.fileWindow(SampleRecords.T0 + i * SampleRecords.MINUTE,
                        List.of(SampleRecords.udp(53, "domain", 4, 4))));
            }
            assertEquals(8, sink.records());
            assertEquals(3, sink.dropped());
            long started = System.nanoTime();
            sink.close();
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "close is bounded");
        } finally {
            kafka.start();
        }
        assertEquals(0, sink.delivered());
        assertEquals(5, sink.failed(), "what waited failed when the producer was closed");
        assertEquals(1, lost.size(), lost.toString());
        String m = lost.get(0);
        assertTrue(m.startsWith("kafka: 8 of 8 records were not delivered to Kafka at " + kafka.bootstrap()), m);
        assertEquals("kafka: 8 of 8 records were not delivered to Kafka at " + kafka.bootstrap() + ": 3 dropped while "
                + "it did not take them (at most 5 may wait), 5 still on their way when the close timeout (500ms) "
                + "ran out", m);
        assertFalse(m.contains("\n"), "one line");
    }

    @Test
    void windowRecordsCountWhatTheSinkLost() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of());
        // two ports of each window and its window record: three records; three may wait
        KafkaSink sink = new KafkaSink(producer(s), RecordEncoder.json("c"), topics, 2, 3, s.closeTimeout(), s,
                m -> { });
        WindowReport a = SampleRecords.fileWindow(SampleRecords.T0, SampleRecords.mixedPorts());
        WindowReport b = SampleRecords.fileWindow(SampleRecords.T0 + SampleRecords.MINUTE, SampleRecords.mixedPorts());
        WindowReport c = SampleRecords.fileWindow(SampleRecords.T0 + 2 * SampleRecords.MINUTE,
                SampleRecords.mixedPorts()).withOutputDropped(7); // 7 dropped before this sink (the queue)
        kafka.stop();
        try {
            sink.window(a); // waits
            sink.window(b); // dropped: three
        } finally {
            kafka.start();
        }
        await("delivered after the restart", () -> sink.delivered() >= 3);
        sink.window(c);
        sink.close();
        assertEquals(9, sink.records());
        assertEquals(3, sink.dropped());
        assertEquals(6, sink.delivered());
        Map<String, Long> dropped = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of(topics.ports()))) {
            JsonNode n = JsonLinesSinkTest.MAPPER.readTree(r.value());
            if (n.get("type").asText().equals("window")) {
                dropped.put(n.get("window_start").asText(), n.get("output_dropped").asLong());
            }
        }
        Map<String, Long> want = new LinkedHashMap<>();
        want.put(Formats.instant(a.startNanos()), 0L);
        want.put(Formats.instant(c.startNanos()), 10L);
        assertEquals(want, dropped, "the queue's 7 and the sink's 3");
    }

    @Test
    void secretsNeverAppearInMessages() {
        KafkaTopics topics = KafkaTopics.defaults();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "PLAIN");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"alice\" password=\"s3cr3t-Pa55\";");
        props.put("ssl.keystore.password", "ks-pass-123");
        props.put("ssl.truststore.password", "ts-pass-456");
        props.put("sasl.oauthbearer.client.credentials.client.secret", "oauth-xyz");
        KafkaSettings s = KafkaSettings.of("127.0.0.1:9", null, props, topics, Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        String leak = "Invalid JAAS: username=\"alice\" password=\"s3cr3t-Pa55\"; ks-pass-123 and ts-pass-456, oauth-xyz";
        String masked = s.mask(leak);
        for (String secret : List.of("s3cr3t-Pa55", "ks-pass-123", "ts-pass-456", "oauth-xyz")) {
            assertFalse(masked.contains(secret), masked);
        }
        assertTrue(masked.contains("username=\"alice\""), "a user name is no secret: " + masked);
        // a short secret is hidden where it stands alone, and words that contain it stay readable
        KafkaSettings shortOne = KafkaSettings.of("127.0.0.1:9", null, Map.of("ssl.key.password", "pw1"), topics,
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertEquals("key pw1x [hidden] ([hidden])", shortOne.mask("key pw1x pw1 (pw1)"));
        assertTrue(masked.contains("[hidden]"));
        assertEquals("nothing secret here", s.mask("nothing secret here"));
        assertTrue(KafkaSettings.isSecret("sasl.jaas.config"));
        assertTrue(KafkaSettings.isSecret("ssl.key.password"));
        assertTrue(KafkaSettings.isSecret("ssl.keystore.key"));
        assertFalse(KafkaSettings.isSecret("ssl.keystore.location"));
        assertFalse(KafkaSettings.isSecret("acks"));
        // a bad value of a secret setting: the error names the setting, not the value
        Map<String, String> bad = new LinkedHashMap<>(props);
        bad.put("sasl.jaas.config", "not-a-login-module password=\"hunter2-x\"");
        bad.put("ssl.keystore.password", "hunter2-x");
        bad.put("acks", "maybe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                KafkaSettings.of("127.0.0.1:9", null, bad, topics, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("acks"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void settingsLayerDefaultsFileAndProperties() throws Exception {
        Path file = Files.createTempFile("portwatch-kafka", ".properties");
        try {
            Files.writeString(file, "# producer tuning\nlinger.ms = 5\ncompression.type=zstd\nclient.id=from-file\n"
                    + "bootstrap.servers=ignored:1\nacks=1\nenable.idempotence=false\n");
            KafkaSettings s = KafkaSettings.of("127.0.0.1:9092", file, Map.of("client.id", "from-option"),
                    KafkaTopics.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(10));
            Map<String, Object> c = s.producerConfig();
            assertEquals("5", c.get("linger.ms"));
            assertEquals("zstd", c.get("compression.type"));
            assertEquals("from-option", c.get("client.id"), "an option over the file");
            assertEquals("127.0.0.1:9092", c.get("bootstrap.servers"), "--kafka over everything");
            assertEquals("1", c.get("acks"));
            assertEquals("2147483647", c.get("delivery.timeout.ms"), "a default the file did not touch");
            assertEquals(List.of(), s.unknownSettings());
            KafkaSettings d = KafkaSettings.of("h:1", null, Map.of("lingr.ms", "5"), KafkaTopics.defaults(),
                    Duration.ofSeconds(30), Duration.ofSeconds(10));
            assertEquals("all", d.producerConfig().get("acks"));
            assertEquals("true", d.producerConfig().get("enable.idempotence"));
            assertEquals(Integer.toString(Integer.MAX_VALUE), d.producerConfig().get("retries"));
            assertEquals("lz4", d.producerConfig().get("compression.type"));
            assertEquals(List.of("lingr.ms"), d.unknownSettings());
            // what takes away the guarantee across broker restarts is said
            assertEquals(List.of(), d.risks());
            assertEquals(List.of("enable.idempotence=false: a batch retried after a broker restart may arrive twice"),
                    s.risks());
            List<String> five = KafkaSettings.of("h:1", null, Map.of("max.in.flight.requests.per.connection", "5"),
                    KafkaTopics.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(10)).risks();
            assertEquals(1, five.size());
            assertTrue(five.get(0).startsWith("max.in.flight.requests.per.connection=5: a broker back from a restart "
                    + "can refuse a batch for ever as out of sequence (KAFKA-14359)"), five.get(0));
        } finally {
            Files.delete(file);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaSettings.of("h:1",
                Path.of("/nonexistent/kafka.properties"), Map.of(), KafkaTopics.defaults(), Duration.ofSeconds(1),
                Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("/nonexistent/kafka.properties") && e.getMessage().contains("no such file"));
        assertThrows(IllegalArgumentException.class, () -> new KafkaTopics("bad topic", "f", "a"));
        assertThrows(IllegalArgumentException.class, () -> new KafkaTopics("p", "..", "a"));
    }

    @Test
    void anUnreachableClusterIsAClearErrorWithinSeconds() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nobody listens there once closed
        }
        KafkaSettings s = KafkaSettings.of("127.0.0.1:" + closed, null, Map.of(), KafkaTopics.defaults(),
                Duration.ofSeconds(1), Duration.ofSeconds(2));
        long started = System.nanoTime();
        OutputUnavailableException e = assertThrows(OutputUnavailableException.class,
                () -> s.check(List.of("portwatch.ports")));
        long took = System.nanoTime() - started;
        assertTrue(took < TimeUnit.SECONDS.toNanos(8), "within seconds: " + took / 1e9);
        assertEquals("cannot reach Kafka at 127.0.0.1:" + closed + ": no broker answered within 2s", e.getMessage());
        KafkaSettings unresolvable = KafkaSettings.of("no-such-host.invalid:9092", null, Map.of(),
                KafkaTopics.defaults(), Duration.ofSeconds(1), Duration.ofSeconds(2));
        OutputUnavailableException u = assertThrows(OutputUnavailableException.class,
                () -> unresolvable.check(List.of("portwatch.ports")));
        assertTrue(u.getMessage().startsWith("cannot reach Kafka at no-such-host.invalid:9092: "), u.getMessage());
        assertTrue(u.getMessage().contains("resolvable"), u.getMessage());
    }

    @Test
    void aMissingTopicIsNamedWhenTheBrokersDoNotCreateTopics() throws Exception {
        KafkaTopics topics = topics();
        KafkaSettings s = settings(topics, Map.of());
        s.check(List.of(topics.ports(), topics.flows())); // both exist
        OutputUnavailableException e = assertThrows(OutputUnavailableException.class,
                () -> s.check(List.of(topics.ports(), "no-such-topic")));
        assertEquals("topic 'no-such-topic' does not exist on Kafka at " + kafka.bootstrap()
                + " and the brokers do not create topics (auto.create.topics.enable=false): create it, "
                + "or choose another topic", e.getMessage());
        try (EmbeddedKafka auto = new EmbeddedKafka(true, 1)) {
            KafkaSettings a = KafkaSettings.of(auto.bootstrap(), null, Map.of(), topics, Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
            a.check(List.of("created-on-first-use")); // no error: the broker will create it
            assertNull(auto.admin().listTopics().names().get(10, TimeUnit.SECONDS).stream()
                    .filter(t -> t.equals("created-on-first-use")).findFirst().orElse(null), "the check creates nothing");
        }
    }

    @Test
    void keysAreTheDocumentedOnes() {
        PortStats p = SampleRecords.tcp(8080, "http-alt", 1, 1);
        assertEquals("tcp/8080", KafkaKeys.portKey(p));
        assertEquals("udp/53", KafkaKeys.portKey(SampleRecords.udp(53, "domain", 1, 1)));
        assertEquals("window/eth0", KafkaKeys.windowKey("eth0"));
        assertEquals("summary/a.pcap,b.pcap", KafkaKeys.summaryKey("a.pcap,b.pcap"));
        assertEquals("2001:db8::33", KafkaKeys.alertKey("2001:db8::33"));
        assertNotNull(KafkaTopics.defaults().alerts());
        assertEquals("portwatch.alerts", KafkaTopics.defaults().alerts());
    }
}
