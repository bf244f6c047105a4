package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * End-to-end tests of the built jar: {@code java -jar app/target/portwatch.jar read ...} as a user runs
 * it, on the project's sample capture (real loopback traffic) and on bad inputs the tests make.
 */
class ReadCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path jar;
    private static Path sample;
    private static JsonNode reference;

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
        List<JsonNode> records() throws IOException {
            List<JsonNode> l = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    l.add(JSON.readTree(line));
                }
            }
            return l;
        }

        List<JsonNode> ofType(String type) throws IOException {
            return records().stream().filter(r -> r.get("type").asText().equals(type)).toList();
        }

        JsonNode port(String transport, int port) throws IOException {
            return ofType("port_stats").stream()
                    .filter(r -> r.get("transport").asText().equals(transport) && r.get("port").asInt() == port)
                    .findFirst().orElse(null);
        }
    }

    @BeforeAll
    static void locate() throws IOException {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        sample = root.resolve("src/samples/sample.pcap");
        reference = JSON.readTree(root.resolve("src/samples/sample.pcap.reference.json").toFile());
    }

    static Run run(byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, java.util.Map.of(), stdin);
    }

    /** Runs a command with these environment variables set (a null value removes one), feeding it stdin. */
    static Run exec(List<String> cmd, java.util.Map<String, String> env, byte[] stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "portwatch finished");
        to.join();
        te.join();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run run(String... args) throws Exception {
        return run(null, args);
    }

    /** Copies a process's output on a thread of its own (started). */
    static Thread pump(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.start();
        return t;
    }

    private static void assertOneLineError(Run r, String... fragments) {
        String err = r.err().strip();
        assertFalse(err.isEmpty(), "an error message");
        for (String line : err.split("\n")) {
            assertTrue(line.startsWith("portwatch: "), "one-line errors only, got: " + err);
        }
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "error names '" + f + "': " + err);
        }
    }

    private void assertMatchesReference(Run r) throws IOException {
        for (var it = reference.get("ports").fields(); it.hasNext(); ) {
            var e = it.next();
            String[] tp = e.getKey().split("/");
            JsonNode got = r.port(tp[0], Integer.parseInt(tp[1]));
            assertNotNull(got, "a record for " + e.getKey());
            assertEquals(e.getValue().get("flows").asLong(), got.get("flows").asLong(), e.getKey() + " flows");
            assertEquals(e.getValue().get("packets").asLong(), got.get("packets").asLong(), e.getKey() + " packets");
            assertEquals(e.getValue().get("bytes").asLong(), got.get("bytes").asLong(), e.getKey() + " bytes");
            assertEquals(e.getValue().get("unique_clients").asLong(), got.get("unique_clients").asLong(),
                    e.getKey() + " clients");
        }
        assertEquals(reference.get("ports").size(), r.ofType("port_stats").size(), "one record per port");
    }

    @Test
    void jsonOfTheSampleAgreesWithTshark() throws Exception {
        Run r = run("read", "--format", "json", "--sensor", "s1", sample.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertMatchesReference(r);
        JsonNode http = r.port("tcp", 8080);
        assertEquals("http-alt", http.get("service").asText());
        assertEquals("registered", http.get("port_class").asText());
        assertEquals("s1", http.get("sensor").asText());
        assertEquals(sample.toString(), http.get("input").asText());
        assertEquals(24, http.get("tcp").get("established").asLong());
        assertEquals(24, http.get("tcp").get("syn").asLong());
        JsonNode mysql = r.port("tcp", 3306);
        assertEquals(3, mysql.get("tcp").get("rejected").asLong());
        assertEquals("well-known", r.port("udp", 53).get("port_class").asText());
        assertTrue(r.port("udp", 53).get("tcp") == null, "no tcp object for udp");
        List<JsonNode> summary = r.ofType("summary");
        assertEquals(1, summary.size());
        assertEquals(reference.get("totals").get("frames").asLong(), summary.get(0).get("packets").asLong());
        assertEquals("summary", r.records().get(r.records().size() - 1).get("type").asText(), "summary last");
    }

    @Test
    void tableOfTheSampleIsForPeople() throws Exception {
        Run r = run("read", "--format", "table", sample.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("tcp/8080"), r.out());
        assertTrue(r.out().contains("http-alt"), r.out());
        assertTrue(r.out().indexOf("tcp/8080") < r.out().indexOf("tcp/3306"), "busiest first");
        assertFalse(r.out().contains("{\"type\""), "not JSON");
    }

    @Test
    void theSamplesNmapScanIsOnePortScanAlert() throws Exception {
        Run r = run("read", "--format", "json", sample.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> alerts = r.ofType("alert");
        assertEquals(1, alerts.size(), "one alert: " + alerts);
        JsonNode a = alerts.get(0);
        assertEquals("port_scan", a.get("kind").asText());
        assertEquals("127.77.0.66", a.get("source").asText());
        assertEquals("127.77.0.10", a.get("target").asText());
        assertEquals(sample.toString(), a.get("input").asText());
        assertTrue(a.get("ports").asInt() >= 15, "over the vertical threshold: " + a);
        assertTrue(io.portwatch.app.sink.RecordSchemaAccess.validate(a).isEmpty(),
                io.portwatch.app.sink.RecordSchemaAccess.validate(a) + " in " + a);

        Run ecs = run("read", "--format", "ecs", sample.toString());
        assertEquals(0, ecs.exit(), ecs.err());
        List<JsonNode> docs = ecs.records().stream()
                .filter(d -> d.get("event").get("kind").asText().equals("alert")).toList();
        assertEquals(1, docs.size(), "one alert document");
        io.portwatch.app.sink.EcsChecks.assertEcsOf(((com.fasterxml.jackson.databind.node.ObjectNode) a.deepCopy()).put("sensor", docs.get(0).get("observer")
                .get("hostname").asText()), docs.get(0), false);

        Run table = run("read", "--format", "table", sample.toString());
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains("  alerts: 1, by kind and source:\n"), table.out());
        String line = table.out().lines().filter(l -> l.contains("port_scan")).findFirst().orElse("");
        // kind, severity, source, alerts, target, port, first and last time
        assertEquals(List.of("port_scan", a.get("severity").asText(), "127.77.0.66", "1", "127.77.0.10", "tcp/*",
                a.get("time").asText(), a.get("time").asText()), List.of(line.strip().split(" {2,}")), line);
    }

    @Test
    void flowsAreReportedWithCommunityIds() throws Exception {
        Run r = run("read", "--format", "json", "--flows", sample.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> flows = r.ofType("flow");
        assertEquals(reference.get("flows").size(), flows.size());
        assertEquals(r.ofType("summary").get(0).get("flows").asLong(), flows.size());
        for (JsonNode f : flows) {
            assertTrue(f.get("community_id").asText().matches("1:[A-Za-z0-9+/]{27}="), f.toString());
        }
        long sf = flows.stream().filter(f -> f.get("server_port").asInt() == 8080
                && f.get("state").asText().equals("SF") && f.get("end_reason").asText().equals("fin")).count();
        assertEquals(24, sf, "every HTTP session closed normally");
    }

    @Test
    void intervalsCutWindowsOnPacketTime() throws Exception {
        Run whole = run("read", "--format", "json", sample.toString());
        Run r = run("read", "--format", "json", "--interval", "100ms", sample.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> stats = r.ofType("port_stats");
        long windows = stats.stream().map(s -> s.get("window_start").asText()).distinct().count();
        assertTrue(windows > 1, "several windows: " + windows);
        for (JsonNode s : stats) {
            java.time.Instant start = java.time.Instant.parse(s.get("window_start").asText());
            java.time.Instant end = java.time.Instant.parse(s.get("window_end").asText());
            assertEquals(0, start.getNano() % 100_000_000, "aligned on 100ms: " + start);
            assertEquals(java.time.Duration.ofMillis(100), java.time.Duration.between(start, end));
        }
        long packets = stats.stream().mapToLong(s -> s.get("packets").asLong()).sum();
        long all = whole.ofType("port_stats").stream().mapToLong(s -> s.get("packets").asLong()).sum();
        assertEquals(all, packets, "windows add up to the whole");
    }

    @Test
    void severalFilesAreOneCaptureUnlessSeparate() throws Exception {
        Path gz = tmp.resolve("sample.pcap.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(sample, o);
        }
        Run one = run("read", "--format", "json", sample.toString(), gz.toString());
        assertEquals(0, one.exit(), one.err());
        assertEquals(1, one.ofType("summary").size());
        assertEquals(2 * reference.get("totals").get("frames").asLong(),
                one.ofType("summary").get(0).get("packets").asLong());
        Run sep = run("read", "--format", "json", "--separate", sample.toString(), gz.toString());
        assertEquals(2, sep.ofType("summary").size());
        for (JsonNode s : sep.ofType("summary")) {
            assertEquals(reference.get("totals").get("frames").asLong(), s.get("packets").asLong());
        }
    }

    @Test
    void standardInput() throws Exception {
        Run r = run(Files.readAllBytes(sample), "read", "--format", "json", "-");
        assertEquals(0, r.exit(), r.err());
        assertMatchesReference(r);
    }

    @Test
    void libpcapReaderAndFilter() throws Exception {
        Run r = run("read", "--format", "json", "--reader", "libpcap", sample.toString());
        assumeFalse(r.exit() == 3 && r.err().contains("libpcap not found"), r.err());
        assertEquals(0, r.exit(), r.err());
        assertMatchesReference(r);
        Run f = run("read", "--format", "json", "--filter", "udp port 53", sample.toString());
        assertEquals(0, f.exit(), f.err());
        assertEquals(1, f.ofType("port_stats").size());
        assertEquals(reference.get("ports").get("udp/53").get("packets").asLong(),
                f.port("udp", 53).get("packets").asLong());
    }

    @Test
    void invalidFilterIsAUsageError() throws Exception {
        Run r = run("read", "--filter", "tcp prt 80", sample.toString());
        assumeFalse(r.exit() == 3 && r.err().contains("libpcap not found"), r.err());
        assertEquals(2, r.exit());
        assertOneLineError(r, "tcp prt 80");
        assertEquals("", r.out());
    }

    @Test
    void missingFileIsNamedAndTheOthersAreStillAnalysed() throws Exception {
        Path missing = tmp.resolve("missing.pcap");
        Run r = run("read", "--format", "json", "--separate", missing.toString(), sample.toString());
        assertEquals(1, r.exit());
        assertOneLineError(r, missing.toString(), "no such file");
        assertMatchesReference(r);
        // the files are analysed at once: find the missing file's summary by its input
        JsonNode first = r.ofType("summary").stream()
                .filter(x -> x.get("input").asText().equals(missing.toString())).findFirst().orElseThrow();
        assertTrue(first.get("input_errors").get(0).asText().contains("no such file"));
    }

    @Test
    void notACaptureAndEmptyFiles() throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "these are not packets\n");
        Path empty = Files.write(tmp.resolve("empty.pcap"), new byte[0]);
        Run r = run("read", "--format", "json", text.toString(), empty.toString(), sample.toString());
        assertEquals(1, r.exit());
        assertOneLineError(r, text.toString(), empty.toString());
        assertEquals(2, r.err().strip().split("\n").length, r.err());
        assertMatchesReference(r);
    }

    @Test
    void truncatedFileKeepsWhatWasCounted() throws Exception {
        byte[] all = Files.readAllBytes(sample);
        Path cut = Files.write(tmp.resolve("cut.pcap"), java.util.Arrays.copyOf(all, all.length / 2 + 7));
        Run r = run("read", "--format", "json", cut.toString());
        assertEquals(1, r.exit());
        assertOneLineError(r, cut.toString(), "truncated");
        long packets = r.ofType("summary").get(0).get("packets").asLong();
        assertTrue(packets > 100 && packets < reference.get("totals").get("frames").asLong(), "packets " + packets);
        assertTrue(r.ofType("port_stats").size() > 0, "what was counted is reported");
    }

    @Test
    void absurdRecordLengthIsAnErrorNotAnAllocation() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(1_700_000_000).putInt(0).putInt(0x7FFF_FFF0).putInt(0x7FFF_FFF0);
        Path bad = Files.write(tmp.resolve("absurd.pcap"), b.array());
        Run r = run("read", "--format", "json", bad.toString());
        assertEquals(1, r.exit());
        assertOneLineError(r, bad.toString());
    }

    @Test
    void unknownLinkTypeIsCountedAndNamed() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 3 * (16 + 20)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(147);
        for (int i = 0; i < 3; i++) {
            b.putInt(1_700_000_000 + i).putInt(0).putInt(20).putInt(20).put(new byte[20]);
        }
        Path odd = Files.write(tmp.resolve("dlt147.pcap"), b.array());
        Run r = run("read", "--format", "json", odd.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode s = r.ofType("summary").get(0);
        assertEquals(3, s.get("packets").asLong());
        assertEquals(3, s.get("unknown_link_types").get("linktype 147").asLong(), s.toString());
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Run r = run("read", "--interval", "ten seconds", sample.toString());
        assertEquals(2, r.exit());
        assertOneLineError(r, "ten seconds");
        Run help = run("read", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--interval"));
    }
}
