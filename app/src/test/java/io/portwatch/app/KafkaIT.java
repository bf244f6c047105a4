package io.portwatch.app;

import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.app.sink.EcsChecks;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar sending to a real Kafka broker (KRaft, in this JVM) as a user runs it:
 * {@code java -jar app/target/portwatch.jar read --kafka ...}. What arrives is read back with a
 * KafkaConsumer and compared with what {@code --format json} prints for the same input.
 */
class KafkaIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger TOPIC = new AtomicInteger();
    private static EmbeddedKafka kafka;
    private static Path jar;
    private static Path sample;

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err, long nanos) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    record Topics(String ports, String flows, String alerts) {
        /** All three topics. */
        List<String> both() {
            return List.of(ports, flows, alerts);
        }
    }

    @BeforeAll
    static void start() throws IOException {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        sample = root.resolve("src/samples/sample.pcap");
        kafka = new EmbeddedKafka(false, 3);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Topics topics() throws Exception {
        int n = TOPIC.incrementAndGet();
        Topics t = new Topics("it-ports-" + n, "it-flows-" + n, "it-alerts-" + n);
        kafka.createTopics(3, t.ports(), t.flows(), t.alerts());
        return t;
    }

    private static List<String> kafkaArgs(Topics t) {
        return List.of("--kafka", kafka.bootstrap(), "--topic-ports", t.ports(), "--topic-flows", t.flows(),
                "--topic-alerts", t.alerts());
    }

    private static Process launch(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).start();
    }

    private static Run finish(Process p, long started, Thread to, Thread te, ByteArrayOutputStream out,
                              ByteArrayOutputStream err) throws Exception {
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "portwatch finished");
        long took = System.nanoTime() - started;
        to.join();
        te.join();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), took);
    }

    static Run run(byte[] stdin, List<String> args) throws Exception {
        long started = System.nanoTime();
        Process p = launch(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = ReadCommandIT.pump(p.getInputStream(), out);
        Thread te = ReadCommandIT.pump(p.getErrorStream(), err);
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        return finish(p, started, to, te, out, err);
    }

    static Run run(String... args) throws Exception {
        return run(null, List.of(args));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The key a record must have, from its own fields. */
    private static String keyOf(JsonNode n) {
        return switch (n.get("type").asText()) {
            case "port_stats" -> n.get("transport").asText() + "/" + n.get("port").asInt();
            case "service" -> "service/" + n.get("transport").asText() + "/" + n.get("address").asText() + "/"
                    + n.get("port").asInt();
            case "window" -> "window/" + n.get("input").asText();
            case "summary" -> "summary/" + n.get("input").asText();
            case "flow" -> n.get("community_id").asText();
            case "alert" -> n.get("source").isNull() ? n.get("target").asText() : n.get("source").asText();
            case "scan_evidence" -> n.get("source").asText();
            default -> throw new AssertionError(n.toString());
        };
    }

    /**
     * What arrived is what {@code --format json} printed: each line once (byte for byte), on its
     * topic, with its key, each key in one partition, and the records of a key in the printed order.
     */
    private static void assertArrivedAsPrinted(List<String> printed, List<ConsumerRecord<byte[], byte[]>> got,
                                               Topics t) throws IOException {
        assertEquals(printed.size(), got.size(), "every record once");
        Map<String, Integer> want = new HashMap<>();
        printed.forEach(l -> want.merge(l, 1, Integer::sum));
        Map<String, Integer> have = new HashMap<>();
        got.forEach(r -> have.merge(text(r.value()), 1, Integer::sum));
        assertEquals(want, have, "the values are the printed lines, byte for byte");
        // the records of one key and one input keep their order (read --separate analyses files at once, so
        // the records of different inputs interleave differently from one run to the next)
        Map<String, List<String>> printedByKey = new LinkedHashMap<>();
        for (String l : printed) {
            JsonNode n = JSON.readTree(l);
            printedByKey.computeIfAbsent(keyOf(n) + " " + n.get("input").asText(), k -> new ArrayList<>()).add(l);
        }
        Map<String, List<String>> gotByKey = new LinkedHashMap<>();
        Map<String, Set<Integer>> partitions = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : got) { // partition, then offset order
            JsonNode n = JSON.readTree(r.value());
            String key = text(r.key());
            assertEquals(keyOf(n), key, "key of " + n);
            String type = n.get("type").asText();
            assertEquals(type.equals("flow") ? t.flows()
                    : type.equals("alert") || type.equals("scan_evidence") ? t.alerts() : t.ports(), r.topic(),
                    "topic of " + n);
            gotByKey.computeIfAbsent(key + " " + n.get("input").asText(), k -> new ArrayList<>()).add(text(r.value()));
            partitions.computeIfAbsent(key, k -> new HashSet<>()).add(r.partition());
        }
        partitions.forEach((k, p) -> assertEquals(1, p.size(), "one partition for " + k));
        assertEquals(printedByKey, gotByKey, "the records of each key (and input) in the printed order");
    }

    /** Lines by the input of their record, each input's in order. */
    private static Map<String, List<String>> byInput(List<String> lines) throws IOException {
        Map<String, List<String>> m = new HashMap<>();
        for (String l : lines) {
            m.computeIfAbsent(JSON.readTree(l).get("input").asText(), k -> new ArrayList<>()).add(l);
        }
        return m;
    }

    private static List<Path> captures() throws IOException {
        List<Path> files = new ArrayList<>(List.of(sample));
        Path dir = Corpus.ifPresent().map(root -> root.resolve("captures")).orElse(null); // always in CI
        if (dir != null && Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void everyRecordOfARead() throws Exception {
        List<Path> files = captures();
        List<String> args = new ArrayList<>(List.of("read", "--flows", "--interval", "1s", "--sensor", "it",
                "--separate"));
        files.forEach(f -> args.add(f.toString()));
        Run printed = run(null, concat(args, List.of("--format", "json", "--scan-evidence", "100")));
        assertEquals(0, printed.exit(), printed.err());
        Topics t = topics();
        Run sent = run(null, concat(args, kafkaArgs(t)));
        assertEquals(0, sent.exit(), sent.err());
        // nothing to say, but that records still wait a second after the end of input (docs/kafka.md): on a
        // busy machine the last windows of ten captures can take longer than that to be acknowledged
        assertTrue(sent.err().isEmpty()
                || sent.err().matches("portwatch: waiting up to 30s for Kafka \\(\\d+ records?\\)\\R"), sent.err());
        assertEquals("", sent.out(), "--kafka instead of standard output");
        List<ConsumerRecord<byte[], byte[]>> got = kafka.readAll(t.both());
        assertArrivedAsPrinted(printed.lines(), got, t);
        long summaries = printed.lines().stream().filter(l -> l.startsWith("{\"type\":\"summary\"")).count();
        assertEquals(files.size(), summaries, "one summary per file");
        assertTrue(got.stream().anyMatch(r -> r.topic().equals(t.flows())), "flows sent");
        // the sample's nmap SYN scan: its port_scan alert on the alerts topic, keyed by the scanner
        List<ConsumerRecord<byte[], byte[]>> scans = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            JsonNode n = JSON.readTree(r.value());
            if (r.topic().equals(t.alerts()) && n.get("type").asText().equals("alert") // beside scan_evidence
                    && n.get("kind").asText().equals("port_scan")
                    && n.get("input").asText().equals(sample.toString())) {
                scans.add(r);
                assertEquals("127.77.0.66", text(r.key()));
                assertEquals("127.77.0.10", n.get("target").asText());
            }
        }
        assertEquals(1, scans.size(), "the sample's scan, once");
        System.out.printf("KafkaIT: %d records of %d captures sent in %.1f s%n", got.size(), files.size(),
                sent.nanos() / 1e9);

        // --stdout: both, the same records
        Topics t2 = topics();
        Run both = run(null, concat(concat(args, kafkaArgs(t2)), List.of("--stdout", "--format", "json")));
        assertEquals(0, both.exit(), both.err());
        assertEquals(byInput(printed.lines()), byInput(both.lines()), "each input's records, in order");
        assertArrivedAsPrinted(printed.lines(), kafka.readAll(t2.both()), t2);
    }

    /** The sample's pcap header and its records, each as it is in the file. */
    private static List<byte[]> pcapParts(byte[] file) {
        List<byte[]> parts = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0), "a little-endian microsecond pcap");
        parts.add(java.util.Arrays.copyOfRange(file, 0, 24));
        int off = 24;
        while (off < file.length) {
            int len = 16 + b.getInt(off + 8);
            parts.add(java.util.Arrays.copyOfRange(file, off, off + len));
            off += len;
        }
        return parts;
    }

    private static int countAll(Topics t) {
        return kafka.readAll(t.both()).size();
    }

    @Test
    void aBrokerRestartDuringAReadLosesNothingAndDuplicatesNothing() throws Exception {
        byte[] file = Files.readAllBytes(sample);
        List<String> args = List.of("read", "--flows", "--interval", "10ms", "--sensor", "it", "-");
        Run printed = run(file, concat(args, List.of("--format", "json", "--scan-evidence", "100")));
        assertEquals(0, printed.exit(), printed.err());
        Topics t = topics();

        List<byte[]> parts = pcapParts(file);
        int third = parts.size() / 3;
        long started = System.nanoTime();
        Process p = launch(concat(args, kafkaArgs(t)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = ReadCommandIT.pump(p.getInputStream(), out);
        Thread te = ReadCommandIT.pump(p.getErrorStream(), err);
        int[] beforeStop = new int[1];
        try (OutputStream in = p.getOutputStream()) {
            for (byte[] part : parts.subList(0, third)) {
                in.write(part);
            }
            in.flush();
            Await.until(Duration.ofSeconds(60), () -> {
                assertTrue(p.isAlive(), "portwatch runs: " + err);
                return (beforeStop[0] = countAll(t)) > 0;
            }, () -> "records of the first third to arrive: " + err);
            kafka.stop();
            try {
                for (byte[] part : parts.subList(third, 2 * third)) {
                    in.write(part);
                }
                in.flush();
                // the windows of the second third close while the broker is away: their records wait,
                // long enough for portwatch to say so
                Await.until(Duration.ofSeconds(60), () -> {
                    assertTrue(p.isAlive(), "portwatch waits for the broker: " + err);
                    return err.toString(StandardCharsets.UTF_8).contains(" unreachable, ");
                }, () -> "the outage to be said: " + err);
            } finally {
                kafka.start();
            }
            for (byte[] part : parts.subList(2 * third, parts.size())) {
                in.write(part);
            }
        }
        Run sent = finish(p, started, to, te, out, err);
        assertEquals(0, sent.exit(), sent.err());
        assertOutagesSaid(sent.err());
        List<ConsumerRecord<byte[], byte[]>> got = kafka.readAll(t.both());
        assertTrue(beforeStop[0] < printed.lines().size(), "records after the stop too");
        assertArrivedAsPrinted(printed.lines(), got, t);
        System.out.printf("KafkaIT: broker restart: %d records, %d before the stop, all delivered in %.1f s%n",
                got.size(), beforeStop[0], sent.nanos() / 1e9);
    }

    /**
     * Standard error says nothing but outages, each when it began and when it ended (a stop of a few
     * seconds may end before it is said), and, when records still waited at the end, the wait for them.
     */
    private static void assertOutagesSaid(String err) {
        boolean away = false;
        for (String line : err.lines().toList()) {
            if (line.matches("portwatch: waiting up to 30s for Kafka \\(\\d+ records?\\)")) {
                continue;
            }
            if (away) {
                assertEquals("portwatch: Kafka reachable again", line, err);
            } else {
                assertTrue(line.matches("portwatch: Kafka broker " + java.util.regex.Pattern.quote(kafka.bootstrap())
                        + " unreachable, \\d+ records? waiting"), err);
            }
            away = !away;
        }
        assertFalse(away, "the end of the outage said: " + err);
        assertTrue(err.lines().filter(l -> l.contains(" waiting up to ")).count() <= 1, err);
    }

    @Test
    void aReadThatCannotDeliverEverythingSaysSoAndExits3() throws Exception {
        byte[] file = Files.readAllBytes(sample);
        List<byte[]> parts = pcapParts(file);
        Topics t = topics();
        long started = System.nanoTime();
        Process p = launch(concat(List.of("read", "--interval", "10ms", "--kafka-close-timeout", "2s", "-"),
                kafkaArgs(t)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = ReadCommandIT.pump(p.getInputStream(), out);
        Thread te = ReadCommandIT.pump(p.getErrorStream(), err);
        Run r;
        try {
            try (OutputStream in = p.getOutputStream()) {
                for (byte[] part : parts.subList(0, parts.size() / 3)) {
                    in.write(part);
                }
                in.flush();
                Await.until(Duration.ofSeconds(60), () -> {
                    assertTrue(p.isAlive(), "portwatch runs: " + err);
                    return countAll(t) > 0;
                }, () -> "records to arrive: " + err);
                kafka.stop(); // and it stays away until portwatch has given up
                for (byte[] part : parts.subList(parts.size() / 3, parts.size())) {
                    in.write(part);
                }
            }
            r = finish(p, started, to, te, out, err);
        } finally {
            kafka.start();
        }
        assertEquals(3, r.exit(), r.err());
        List<String> lines = r.err().lines().toList();
        // the outage (when said before the end), the wait at the end, then the failure in one line
        String wait = "portwatch: waiting up to 2s for Kafka \\(\\d+ records?\\)";
        assertTrue(lines.size() >= 2 && lines.get(lines.size() - 2).matches(wait), r.err());
        for (String l : lines.subList(0, lines.size() - 2)) {
            assertTrue(l.matches("portwatch: Kafka broker .* unreachable, \\d+ records? waiting"), r.err());
        }
        String e = lines.get(lines.size() - 1);
        assertTrue(e.matches("portwatch: cannot write the output: kafka: \\d+ of \\d+ records were not delivered to "
                + "Kafka at " + java.util.regex.Pattern.quote(kafka.bootstrap()) + ": .*"), e);
        System.out.println("KafkaIT: " + e);
        int delivered = countAll(t);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kafka: (\\d+) of (\\d+) records").matcher(e);
        assertTrue(m.find());
        assertEquals(Integer.parseInt(m.group(2)) - Integer.parseInt(m.group(1)), delivered,
                "what the message says was delivered is what the topic holds");
    }

    @Test
    void ecsOfTheSampleSaysWhatItsJsonSays() throws Exception {
        List<String> args = List.of("read", "--flows", "--interval", "100ms", "--sensor", "it", sample.toString());
        Run json = run(null, concat(args, List.of("--format", "json", "--scan-evidence", "100")));
        Run ecs = run(null, concat(args, List.of("--format", "ecs", "--scan-evidence", "100")));
        assertEquals(0, json.exit(), json.err());
        assertEquals(0, ecs.exit(), ecs.err());
        List<String> jl = json.lines();
        List<String> el = ecs.lines();
        assertEquals(jl.size(), el.size(), "one document per record");
        for (int i = 0; i < jl.size(); i++) {
            EcsChecks.assertEcsOf(JSON.readTree(jl.get(i)), JSON.readTree(el.get(i)), false);
        }
        // on Kafka: the same documents, keyed as the JSON records
        Topics t = topics();
        Run sent = run(null, concat(args, concat(kafkaArgs(t), List.of("--kafka-format", "ecs"))));
        assertEquals(0, sent.exit(), sent.err());
        List<ConsumerRecord<byte[], byte[]>> got = kafka.readAll(t.both());
        assertEquals(el.size(), got.size());
        Map<String, String> ecsOfJson = new HashMap<>();
        for (int i = 0; i < jl.size(); i++) {
            ecsOfJson.put(el.get(i), jl.get(i));
        }
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : got) {
            String doc = text(r.value());
            String line = ecsOfJson.get(doc);
            assertTrue(line != null, "a document --format ecs printed: " + doc);
            assertTrue(seen.add(doc), "once: " + doc);
            assertEquals(keyOf(JSON.readTree(line)), text(r.key()));
        }
    }

    @Test
    void anUnreachableClusterIsAOneLineErrorWithinSeconds() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Run r = run("read", "--kafka", "127.0.0.1:" + closed, sample.toString());
        assertEquals(3, r.exit(), r.err());
        assertEquals("portwatch: cannot reach Kafka at 127.0.0.1:" + closed + ": no broker answered within 10s\n",
                r.err());
        assertTrue(r.nanos() < TimeUnit.SECONDS.toNanos(25), "within seconds: " + r.nanos() / 1e9);
        assertEquals("", r.out());
    }

    @Test
    void aMissingTopicIsNamed() throws Exception {
        Topics t = topics();
        Run r = run("read", "--kafka", kafka.bootstrap(), "--topic-ports", t.ports(), "--flows",
                "--topic-flows", "no-such-flows", sample.toString());
        assertEquals(3, r.exit(), r.err());
        assertEquals("portwatch: topic 'no-such-flows' does not exist on Kafka at " + kafka.bootstrap()
                + " and the brokers do not create topics (auto.create.topics.enable=false): create it "
                + "(and portwatch.alerts), or choose another topic\n", r.err());
        assertEquals(0, kafka.readAll(List.of(t.ports())).size(), "nothing sent");
    }

    @Test
    void badKafkaOptionsAreUsageErrorsWithoutSecrets() throws Exception {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
                + "password=\"pw-Secret-42\";";
        Run bad = run("read", "--kafka", kafka.bootstrap(), "--kafka-property", "sasl.jaas.config=" + jaas,
                "--kafka-property", "ssl.key.password=pw-Secret-42", "--kafka-property", "acks=maybe", sample.toString());
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith("portwatch: Kafka producer setting: ") && bad.err().contains("acks"), bad.err());
        assertFalse(bad.err().contains("pw-Secret-42"), bad.err());
        Run noKey = run("read", "--kafka", kafka.bootstrap(), "--kafka-property", "pw-Secret-42", sample.toString());
        assertEquals(2, noKey.exit());
        assertFalse(noKey.err().contains("pw-Secret-42"), noKey.err());
        Run noKafka = run("read", "--stdout", sample.toString());
        assertEquals(2, noKafka.exit());
        assertTrue(noKafka.err().contains("--stdout need --kafka"), noKafka.err());
        Path conf = Files.writeString(tmp.resolve("client.properties"),
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + jaas + "\n");
        // a SASL client against a plaintext listener: refused, and the password is never shown
        Run sasl = run("read", "--kafka", kafka.bootstrap(), "--kafka-config", conf.toString(), "--kafka-timeout", "3s",
                sample.toString());
        assertEquals(3, sasl.exit(), sasl.err());
        assertEquals(1, sasl.err().strip().split("\n").length, sasl.err());
        assertFalse(sasl.err().contains("pw-Secret-42"), sasl.err());
        assertTrue(sasl.err().startsWith("portwatch: Kafka at " + kafka.bootstrap() + ": authentication failed: "),
                sasl.err());
        assertTrue(bad.err().contains("Invalid value maybe for configuration acks"), "readable: " + bad.err());
    }

    @Test
    void liveCaptureSendsItsWindowsAndStopsCleanly() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        org.junit.jupiter.api.Assumptions.assumeTrue(uid.equals("0"), "live capture needs root (CI runs as root)");
        Topics t = topics();
        try (java.net.DatagramSocket server = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket client = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            long started = System.nanoTime();
            Process p = launch(concat(List.of("live", "-i", "lo", "--interval", "1s", "--flows", "--sensor", "it",
                    "--filter", "udp port " + port, "--kafka-format", "ecs", "--metrics-port", "0",
                    "--metrics-address", "127.0.0.1"), kafkaArgs(t)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread to = ReadCommandIT.pump(p.getInputStream(), out);
            Thread te = ReadCommandIT.pump(p.getErrorStream(), err);
            String url = awaitLine(p, err, "portwatch: metrics on .*").substring("portwatch: metrics on ".length());
            String windowsSeries = "portwatch_windows_total{interface=\"lo\"}";
            String packetsSeries = "portwatch_packets_total{interface=\"lo\"}";
            byte[] payload = "portwatch".getBytes(StandardCharsets.US_ASCII);
            int sent = 25;
            for (int i = 0; i < sent; i++) {
                client.send(new java.net.DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port));
                if (i == sent / 2) {
                    // the rest in a later window: two more windows counted (the first may have closed
                    // before these datagrams and been counted since), so one closed between the halves
                    double before = Math.max(0, metricOr(scrape(url), windowsSeries));
                    awaitScrape(url, x -> metricOr(x, windowsSeries) >= before + 2);
                }
            }
            // the windows of the datagrams close on the clock, and their records are acknowledged
            String scrape = awaitScrape(url, x -> metricOr(x, packetsSeries) >= sent
                    && metricOr(x, "portwatch_kafka_records_sent_total") >= 2);
            double delivered = metric(scrape, "portwatch_kafka_records_sent_total");
            assertTrue(delivered >= 2, "the closed windows' records were acknowledged: " + delivered);
            assertEquals(0.0, metric(scrape, "portwatch_kafka_records_failed_total"), scrape);
            assertEquals(0.0, metric(scrape, "portwatch_kafka_records_retried_total"), scrape);
            assertEquals(delivered, metric(scrape, "portwatch_kafka_send_latency_seconds_count"), scrape);
            assertTrue(metric(scrape, "portwatch_kafka_send_latency_seconds_sum") > 0, scrape);
            p.destroy(); // SIGTERM: the open window and flow are reported, then the producer is flushed
            Run r = finish(p, started, to, te, out, err);
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.out());
            long packets = 0;
            int windows = 0;
            int flows = 0;
            for (ConsumerRecord<byte[], byte[]> rec : kafka.readAll(t.both())) {
                JsonNode d = JSON.readTree(rec.value());
                assertEquals("lo", d.get("observer").get("ingress").get("interface").get("name").asText());
                switch (d.get("event").get("dataset").asText()) {
                    case "portwatch.ports" -> {
                        assertEquals("udp/" + port, text(rec.key()));
                        packets += d.get("client").get("packets").asLong();
                    }
                    case "portwatch.window" -> {
                        windows++;
                        assertEquals("window/lo", text(rec.key()));
                        assertEquals(0, d.get("portwatch").get("output_dropped").asLong());
                    }
                    case "portwatch.flow" -> {
                        flows++;
                        assertEquals(port, d.get("destination").get("port").asInt());
                    }
                    case "portwatch.summary" -> assertEquals("summary/lo", text(rec.key()));
                    default -> throw new AssertionError(d.toString());
                }
            }
            assertEquals(sent, packets, "every datagram counted once, in the windows on Kafka");
            assertTrue(kafka.readAll(t.both()).size() >= delivered, "the broker holds what the metrics counted");
            assertTrue(windows >= 2, "windows: " + windows);
            assertEquals(1, flows, "the datagrams are one flow, ended by the stop");
        }
    }

    private static void assumeRoot() throws IOException {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        org.junit.jupiter.api.Assumptions.assumeTrue(uid.equals("0"), "live capture needs root (CI runs as root)");
    }

    /** Waits (at most 90 s) for a line of standard error that matches {@code regex}; returns it. */
    private static String awaitLine(Process p, ByteArrayOutputStream err, String regex) {
        java.util.regex.Pattern re = java.util.regex.Pattern.compile(regex);
        String[] found = new String[1];
        Await.until(Duration.ofSeconds(90), () -> {
            found[0] = err.toString(StandardCharsets.UTF_8).lines().filter(l -> re.matcher(l).matches())
                    .findFirst().orElse(null);
            assertTrue(found[0] != null || p.isAlive(), "portwatch ended: " + err);
            return found[0] != null;
        }, () -> "a line like " + regex + ": " + err);
        return found[0].trim();
    }

    /** Scrapes {@code url} until {@code metric} satisfies {@code test} (at most 90 s); returns its value. */
    private static double awaitMetric(String url, String metric, java.util.function.DoublePredicate test)
            throws Exception {
        return metric(awaitScrape(url, s -> test.test(metric(s, metric))), metric);
    }

    /** Scrapes {@code url} until the scrape satisfies {@code test} (at most 90 s); returns that scrape. */
    private static String awaitScrape(String url, java.util.function.Predicate<String> test) {
        String[] last = new String[1];
        Await.until(Duration.ofSeconds(90), () -> test.test(last[0] = scrape(url)),
                () -> "a scrape of " + url + " that passes: " + last[0]);
        return last[0];
    }

    /** The metrics at {@code url} now, in Prometheus text. */
    private static String scrape(String url) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** portwatch live on lo, windows of 1 s, to Kafka, its metrics on a port of its own; returns its URL. */
    private static Process launchLive(Topics t, ByteArrayOutputStream out, ByteArrayOutputStream err,
                                      List<Thread> pumps) throws Exception {
        Process p = launch(concat(List.of("live", "-i", "lo", "--interval", "1s", "--sensor", "it",
                "--filter", "udp port 9", "--kafka-close-timeout", "2s", "--metrics-port", "0",
                "--metrics-address", "127.0.0.1"), kafkaArgs(t)));
        pumps.add(ReadCommandIT.pump(p.getInputStream(), out));
        pumps.add(ReadCommandIT.pump(p.getErrorStream(), err));
        return p;
    }

    /**
     * SIGTERM, once (a second one exits at once), through the process handle: {@link Process#destroy()}
     * would also close the pipes, and what portwatch says while it stops would be lost.
     */
    private static void stop(Process p) {
        assertTrue(p.toHandle().destroy(), "SIGTERM sent");
    }

    @Test
    void aLiveRunSaysWhenKafkaIsAwayAndBackAndDeliversEverything() throws Exception {
        assumeRoot();
        Topics t = topics();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<Thread> pumps = new ArrayList<>();
        long started = System.nanoTime();
        Process p = launchLive(t, out, err, pumps);
        try {
            String url = awaitLine(p, err, "portwatch: metrics on .*").substring("portwatch: metrics on ".length());
            awaitMetric(url, "portwatch_kafka_records_sent_total", v -> v >= 2); // an idle lo reports every second
            kafka.stop();
            try {
                String away = awaitLine(p, err, "portwatch: Kafka broker .* unreachable, \\d+ records waiting");
                assertEquals("portwatch: Kafka broker " + kafka.bootstrap() + " unreachable, ",
                        away.substring(0, away.indexOf(", ") + 2), away);
                assertTrue(Long.parseLong(away.replaceAll(".*, (\\d+) records waiting", "$1")) > 0, away);
                double waiting = awaitMetric(url, "portwatch_kafka_records_waiting", v -> v >= 2);
                System.out.println("KafkaIT: live, broker away: " + away + "; gauge " + waiting);
            } finally {
                kafka.start();
            }
            awaitLine(p, err, "portwatch: Kafka reachable again");
            awaitMetric(url, "portwatch_kafka_records_waiting", v -> v == 0);
        } catch (AssertionError | Exception e) {
            p.destroyForcibly();
            throw e;
        }
        stop(p);
        Run r = finish(p, started, pumps.get(0), pumps.get(1), out, err);
        assertEquals(0, r.exit(), r.err());
        List<String> lines = List.of(r.err().split("\n"));
        int away = -1;
        int back = -1;
        for (int i = 0; i < lines.size(); i++) {
            away = away < 0 && lines.get(i).contains(" unreachable, ") ? i : away;
            back = lines.get(i).equals("portwatch: Kafka reachable again") ? i : back;
        }
        assertTrue(away > 0 && back > away, "the outage said once, then its end: " + r.err());
        assertFalse(r.err().contains("not delivered"), r.err());
        // every window of the run is on Kafka: one a second, none missing around the outage
        List<Long> starts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> rec : kafka.readAll(t.both())) {
            JsonNode n = JSON.readTree(rec.value());
            if (n.get("type").asText().equals("window")) {
                starts.add(java.time.Instant.parse(n.get("window_start").asText()).getEpochSecond());
            }
        }
        java.util.Collections.sort(starts);
        assertTrue(starts.size() >= 5, starts.toString());
        assertEquals(starts.get(starts.size() - 1) - starts.get(0) + 1, starts.size(),
                "consecutive windows, each once: " + starts);
    }

    @Test
    void aLiveRunWhoseBrokerNeverComesBackSaysHowLongItWaitsAndExits3() throws Exception {
        assumeRoot();
        Topics t = topics();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<Thread> pumps = new ArrayList<>();
        long started = System.nanoTime();
        Process p = launchLive(t, out, err, pumps);
        Run r;
        try {
            String url = awaitLine(p, err, "portwatch: metrics on .*").substring("portwatch: metrics on ".length());
            awaitMetric(url, "portwatch_kafka_records_sent_total", v -> v >= 1);
            kafka.stop(); // and it stays away until portwatch has given up
            awaitLine(p, err, "portwatch: Kafka broker .* unreachable, \\d+ records waiting");
            stop(p);
            r = finish(p, started, pumps.get(0), pumps.get(1), out, err);
        } finally {
            p.destroyForcibly(); // a no-op once it has exited
            kafka.start();
        }
        assertEquals(3, r.exit(), "the documented status of an output that could not be written: " + r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.matches("portwatch: waiting up to 2s for Kafka \\(\\d+ records\\)")),
                r.err());
        String lost = r.err().lines().filter(l -> l.matches("portwatch: kafka: \\d+ of \\d+ records were not "
                + "delivered to Kafka at " + java.util.regex.Pattern.quote(kafka.bootstrap()) + ": .*"))
                .findFirst().orElseThrow(() -> new AssertionError(r.err()));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kafka: (\\d+) of (\\d+) records").matcher(lost);
        assertTrue(m.find());
        assertEquals(Integer.parseInt(m.group(2)) - Integer.parseInt(m.group(1)), countAll(t),
                "what the message says was delivered is what the topics hold");
        System.out.println("KafkaIT: live, broker gone: " + r.err().strip().replace("\n", " | "));
    }

    /** The value of a sample (its name and labels as Prometheus writes them), or -1 while there is none. */
    private static double metricOr(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(
                name.length() + 1).trim())).findFirst().orElse(-1);
    }

    /** The value of a sample (its name and labels as Prometheus writes them) in Prometheus text. */
    private static double metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(
                name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(name + " in " + scrape));
    }
}
