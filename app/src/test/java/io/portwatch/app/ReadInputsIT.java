package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch read} on inputs as operators have them (issue 14): rotated and overlapping files read as
 * one capture in time order, zstd and xz captures. The captures are made by {@link TrafficCapture} and cut
 * or merged by the real tools (tcpdump, editcap, mergecap).
 */
class ReadInputsIT {

    private static Path sample;
    /** 2023-11-14T22:13:23.5Z: the first packet of the made-up captures. */
    private static final long START_MICROS = 1_700_000_003_500_000L;
    private static final String[] RECORDS = {"--format", "json", "--flows", "--interval", "10s"};

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() throws IOException {
        ReadCommandIT.locate();
        sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
    }

    /** The records without their {@code input} (the file's name), in order. */
    static List<JsonNode> withoutInput(ReadCommandIT.Run r) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (JsonNode n : r.records()) {
            ((ObjectNode) n).remove("input");
            l.add(n);
        }
        return l;
    }

    /** The same records in the same order; a failure names the first that differs (the lists are long). */
    static void assertSameRecords(List<JsonNode> expected, List<JsonNode> got, String what) {
        for (int i = 0; i < Math.min(expected.size(), got.size()); i++) {
            assertEquals(expected.get(i), got.get(i), what + ": record " + i + " of " + expected.size());
        }
        assertEquals(expected.size(), got.size(), what + ": records");
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a shell command line to its end; its exit status. */
    static int sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void compressedCapturesReadAsTheUncompressedOne(String tool) throws Exception {
        assumeTrue(installed(tool), tool + " is not installed");
        Path z = tmp.resolve("sample.pcap" + (tool.equals("zstd") ? ".zst" : ".xz"));
        assertEquals(0, sh(tool + " -q -c < '" + sample + "' > '" + z + "'"));
        ReadCommandIT.Run plain = ReadCommandIT.run("read", "--format", "json", "--flows", "--interval", "100ms",
                sample.toString());
        ReadCommandIT.Run packed = ReadCommandIT.run("read", "--format", "json", "--flows", "--interval", "100ms",
                z.toString());
        assertEquals(0, packed.exit(), packed.err());
        assertEquals("", packed.err());
        assertTrue(plain.records().size() > 10, plain.out());
        assertSameRecords(withoutInput(plain), withoutInput(packed), "records");

        byte[] whole = Files.readAllBytes(z);
        Path cut = tmp.resolve("cut-" + z.getFileName());
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--format", "json", cut.toString());
        assertEquals(1, r.exit(), r.err());
        String err = r.err().strip();
        assertEquals("portwatch: " + cut + ": truncated " + tool + " data", err.replaceFirst(" \\(.*\\)$", ""));
        assertFalse(err.contains("\n"), err);
        assertEquals(1, r.ofType("summary").size(), "a summary still");
    }

    /** A capture of 20,000 packets over about 140 s (13 MB): tcpdump -C 1 cuts it in 13 files or more. */
    private Path whole() throws IOException {
        Path all = tmp.resolve("all.pcap");
        long last = new TrafficCapture(14, 60).write(all, START_MICROS, 20_000, 7_000);
        assertTrue(last - START_MICROS > 120_000_000L, "two minutes of traffic");
        assertTrue(Files.size(all) > 12_000_000L, "size " + Files.size(all));
        return all;
    }

    /** The files a shell glob lists, in its order. */
    private static List<String> glob(Path dir, String pattern) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "cd '" + dir + "' && for f in " + pattern + "; do echo \"$PWD/$f\"; done")
                .redirectErrorStream(true).start();
        List<String> files = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor());
        return files;
    }

    private static ReadCommandIT.Run read(List<String> files, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("read"));
        args.addAll(List.of(RECORDS));
        args.addAll(List.of(more));
        args.addAll(files);
        return ReadCommandIT.run(args.toArray(String[]::new));
    }

    private static String instant(long micros) {
        return java.time.Instant.ofEpochSecond(micros / 1_000_000, micros % 1_000_000 * 1000).toString();
    }

    @Test
    void rotatedFilesInShellOrderOrReversedAreTheUnsplitCapture() throws Exception {
        assumeTrue(installed("tcpdump"), "tcpdump is not installed");
        Path all = whole();
        Path dir = Files.createDirectories(tmp.resolve("rotated"));
        assertEquals(0, sh("tcpdump -r '" + all + "' -w '" + dir.resolve("cap") + "' -C 1 -Z root"));
        List<String> shellOrder = glob(dir, "cap*");
        assertTrue(shellOrder.size() >= 12, "files: " + shellOrder);
        assertTrue(shellOrder.indexOf(dir.resolve("cap10").toString()) < shellOrder.indexOf(dir.resolve("cap2").toString()),
                "the shell lists cap10 before cap2: " + shellOrder);

        ReadCommandIT.Run one = read(List.of(all.toString()));
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.ofType("port_stats").stream().map(r -> r.get("window_start").asText()).distinct().count() >= 13,
                "a window each 10 s");
        JsonNode summary = one.ofType("summary").get(0);
        assertEquals(instant(START_MICROS), summary.get("start").asText());

        ReadCommandIT.Run globbed = read(shellOrder);
        assertEquals(0, globbed.exit(), globbed.err());
        assertEquals("", globbed.err());
        assertSameRecords(withoutInput(one), withoutInput(globbed), "shell order: the unsplit capture's records");

        List<String> reversed = new ArrayList<>(shellOrder);
        Collections.reverse(reversed);
        ReadCommandIT.Run backwards = read(reversed);
        assertEquals(0, backwards.exit(), backwards.err());
        assertSameRecords(withoutInput(one), withoutInput(backwards), "reverse order: the unsplit capture's records");
    }

    @Test
    void theLibpcapReaderMergesToo() throws Exception {
        assumeTrue(installed("tcpdump"), "tcpdump is not installed");
        Path all = whole();
        Path dir = Files.createDirectories(tmp.resolve("rotated"));
        assertEquals(0, sh("tcpdump -r '" + all + "' -w '" + dir.resolve("cap") + "' -C 1 -Z root"));
        List<String> reversed = new ArrayList<>(glob(dir, "cap*"));
        Collections.reverse(reversed);
        ReadCommandIT.Run r = read(reversed, "--reader", "libpcap");
        assumeFalse(r.exit() == 3 && r.err().contains("libpcap not found"), r.err());
        assertEquals(0, r.exit(), r.err());
        assertSameRecords(withoutInput(read(List.of(all.toString()))), withoutInput(r), "records");
    }

    /** Three captures whose times overlap: the second starts in the first, the third inside both. */
    private List<Path> overlapping() throws IOException {
        Path a = tmp.resolve("a.pcap");
        Path b = tmp.resolve("b.pcap");
        Path c = tmp.resolve("c.pcap");
        new TrafficCapture(1, 30).write(a, START_MICROS, 3000, 20_000);
        new TrafficCapture(2, 25).write(b, START_MICROS + 7_300_000, 2000, 25_000);
        new TrafficCapture(3, 10).write(c, START_MICROS + 20_000_000, 800, 5_000);
        return List.of(a, b, c);
    }

    @Test
    void overlappingFilesAreMergedPacketByPacketAsMergecapDoes() throws Exception {
        assumeTrue(installed("mergecap"), "mergecap is not installed");
        List<Path> abc = overlapping();
        Path merged = tmp.resolve("merged.pcapng");
        assertEquals(0, sh("mergecap -w '" + merged + "' '" + abc.get(0) + "' '" + abc.get(1) + "' '" + abc.get(2) + "'"));
        ReadCommandIT.Run expected = read(List.of(merged.toString()));
        assertEquals(0, expected.exit(), expected.err());
        ReadCommandIT.Run r = read(List.of(abc.get(2).toString(), abc.get(0).toString(), abc.get(1).toString()));
        assertEquals(0, r.exit(), r.err());
        assertSameRecords(withoutInput(expected), withoutInput(r), "records");
    }

    @Test
    void standardInputAmongFilesIsMergedAsItComes() throws Exception {
        assumeTrue(installed("mergecap"), "mergecap is not installed");
        List<Path> abc = overlapping();
        Path merged = tmp.resolve("merged.pcapng");
        assertEquals(0, sh("mergecap -w '" + merged + "' '" + abc.get(0) + "' '" + abc.get(1) + "' '" + abc.get(2) + "'"));
        List<String> args = new ArrayList<>(List.of("read"));
        args.addAll(List.of(RECORDS));
        args.addAll(List.of(abc.get(0).toString(), "-", abc.get(2).toString()));
        ReadCommandIT.Run r = ReadCommandIT.run(Files.readAllBytes(abc.get(1)), args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertSameRecords(withoutInput(read(List.of(merged.toString()))), withoutInput(r), "records");
    }

    @Test
    void anUnreadableFileAmongSeveralIsNamedAndTheRestIsMerged() throws Exception {
        List<Path> abc = overlapping();
        Path text = Files.writeString(tmp.resolve("notes.txt"), "these are not packets\n");
        Path missing = tmp.resolve("missing.pcap");
        byte[] b = Files.readAllBytes(abc.get(1));
        Path cut = Files.write(tmp.resolve("cut.pcap"), Arrays.copyOf(b, b.length / 2 + 5));
        ReadCommandIT.Run good = read(List.of(abc.get(0).toString(), abc.get(2).toString()));
        ReadCommandIT.Run r = read(List.of(abc.get(2).toString(), text.toString(), missing.toString(),
                abc.get(0).toString()));
        assertEquals(1, r.exit(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(List.of("portwatch: " + text + ": not a pcap or pcapng file (magic 0x74686573)",
                "portwatch: " + missing + ": no such file"), lines);
        List<JsonNode> got = withoutInput(r);
        List<JsonNode> expected = withoutInput(good);
        assertSameRecords(expected.subList(0, expected.size() - 1), got.subList(0, got.size() - 1), "all but the summary");
        assertEquals(2, got.get(got.size() - 1).get("input_errors").size());

        // a file that fails in its middle: its packets before the fault are merged with the others
        ReadCommandIT.Run partly = read(List.of(abc.get(0).toString(), cut.toString()));
        assertEquals(1, partly.exit(), partly.err());
        assertTrue(partly.err().strip().startsWith("portwatch: " + cut + ": truncated record"), partly.err());
        assertFalse(partly.err().strip().contains("\n"), partly.err());
        long packets = partly.ofType("summary").get(0).get("packets").asLong();
        assertTrue(packets > 3000 + 900 && packets < 3000 + 2000, "packets " + packets);
    }

    /** Hundreds of rotated files, under a limit of 40 open files for the whole JVM. */
    @Test
    void hundredsOfRotatedFilesHoldFewOpenAtATime() throws Exception {
        assumeTrue(installed("editcap"), "editcap is not installed");
        Path all = whole();
        Path dir = Files.createDirectories(tmp.resolve("parts"));
        assertEquals(0, sh("editcap -F pcap -c 45 '" + all + "' '" + dir.resolve("part.pcap") + "'"));
        List<String> parts;
        try (Stream<Path> s = Files.list(dir)) {
            parts = new ArrayList<>(s.map(Path::toString).sorted().toList());
        }
        assertTrue(parts.size() > 400, "files: " + parts.size());
        Collections.reverse(parts);
        StringBuilder cmd = new StringBuilder("ulimit -n 40 && exec '")
                .append(Path.of(System.getProperty("java.home"), "bin", "java")).append("' -Xmx512m -jar '")
                .append(Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar"))
                .append("' read");
        for (String a : RECORDS) {
            cmd.append(' ').append(a);
        }
        for (String p : parts) {
            cmd.append(" '").append(p).append('\'');
        }
        ReadCommandIT.Run r = ReadCommandIT.exec(List.of("sh", "-c", cmd.toString()), java.util.Map.of(), null);
        assertEquals(0, r.exit(), r.err());
        assertSameRecords(withoutInput(read(List.of(all.toString()))), withoutInput(r), "records");
    }

    /** portwatch reading standard input from a pipe this test writes to, its output lines as they come. */
    private static final class Piped implements AutoCloseable {
        final Process process;
        final OutputStream stdin;
        final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        private final Thread out;
        private final Thread errors;

        Piped(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar")
                            .toString()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).start();
            stdin = process.getOutputStream();
            out = new Thread(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            out.start();
            errors = ReadCommandIT.pump(process.getErrorStream(), err);
        }

        /** The next output line of this record type, waiting at most {@code millis}; null if none came. */
        JsonNode next(String type, long millis) throws Exception {
            long end = System.nanoTime() + millis * 1_000_000L;
            for (long left; (left = end - System.nanoTime()) > 0; ) {
                String l = lines.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (l != null && !l.isBlank()) {
                    JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
                    if (n.get("type").asText().equals(type)) {
                        return n;
                    }
                }
            }
            return null;
        }

        /** Closes standard input and waits for the end; the exit status. */
        int finish() throws Exception {
            stdin.close();
            assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "portwatch ends at the end of its input");
            out.join();
            errors.join();
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    @Test
    void aLivePipeClosesWindowsOnTheClock() throws Exception {
        try (Piped p = new Piped("read", "--format", "json", "--interval", "1s", "-")) {
            // packets of the last 150 ms, all in one second of the clock: only the clock can close its window
            Await.until(Duration.ofSeconds(3), () -> {
                long intoSecond = nowMicros() % 1_000_000;
                return intoSecond >= 300_000 && intoSecond <= 600_000;
            }, "the clock between 0.3 and 0.6 s into a second");
            long now = nowMicros();
            p.stdin.write(TrafficCapture.header());
            long last = new TrafficCapture(8, 20).records(p.stdin, now - 150_000, 50, 2_000);
            assertTrue(last / 1_000_000 == (now - 150_000) / 1_000_000, "one second");
            p.stdin.flush();
            // the pipe stays open, and quiet
            JsonNode w = p.next("port_stats", 5_000);
            assertTrue(w != null, "a window record while the pipe is open and quiet: " + p.err);
            java.time.Instant start = java.time.Instant.parse(w.get("window_start").asText());
            assertEquals(now / 1_000_000, start.getEpochSecond(), "the packets' second, aligned as live aligns it");
            assertEquals(0, start.getNano());
            assertEquals(start.plusSeconds(1).toString(), w.get("window_end").asText());
            assertTrue(java.time.Instant.now().isAfter(start.plusSeconds(1)), "closed once the clock passed its end");

            // later packets go on into the windows that follow
            long more = nowMicros();
            new TrafficCapture(9, 20).records(p.stdin, more, 20, 2_000);
            assertEquals(0, p.finish(), p.err.toString());
            JsonNode summary = p.next("summary", 1_000);
            assertEquals(70, summary.get("packets").asLong(), summary.toString());
        }
    }

    @Test
    void aPipeOfAnOldCaptureKeepsToPacketTimeThoughItStalls() throws Exception {
        Path all = tmp.resolve("old.pcap");
        new TrafficCapture(5, 40).write(all, START_MICROS, 6000, 7_000);
        byte[] bytes = Files.readAllBytes(all);
        List<String> args = new ArrayList<>(List.of("read"));
        args.addAll(List.of(RECORDS));
        args.add("-");
        try (Piped p = new Piped(args.toArray(String[]::new))) {
            int half = bytes.length / 2;
            p.stdin.write(bytes, 0, half);
            p.stdin.flush();
            // not a wait: a writer that stalls; the clock must not cut the windows of an old capture
            Thread.sleep(1_500);
            p.stdin.write(bytes, half, bytes.length - half);
            assertEquals(0, p.finish(), p.err.toString());
            List<JsonNode> got = new ArrayList<>();
            for (String l : p.lines) {
                ObjectNode n = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
                n.remove("input");
                got.add(n);
            }
            assertSameRecords(withoutInput(read(List.of(all.toString()))), got, "records");
        }
    }
}
