package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portwatch read --separate} with several files analysed at once (the built jar, as a user runs
 * it): each file's records are exactly those of a run on that file alone. The files are pieces of the
 * project's sample capture (real loopback traffic) that the tests cut out of it.
 */
class SeparateReadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] RECORDS = {"--flows", "--interval", "100ms"};
    private static Path jar;
    private static Path sample;
    private static byte[] header;
    /** The sample's records: each a 16-byte record header and its frame. */
    private static List<byte[]> packets;

    @TempDir
    Path tmp;

    /** Pieces of the sample: four consecutive quarters, every other packet, and the whole. */
    private List<String> good;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void readSample() throws IOException {
        ReadCommandIT.locate();
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        sample = root.resolve("src/samples/sample.pcap");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(sample)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(0), "the sample is a little-endian microsecond pcap");
        header = Arrays.copyOf(b.array(), 24);
        packets = new ArrayList<>();
        for (int at = 24; at < b.limit(); ) {
            int len = 16 + b.getInt(at + 8);
            packets.add(Arrays.copyOfRange(b.array(), at, at + len));
            at += len;
        }
        assertTrue(packets.size() > 500, "the sample's packets: " + packets.size());
    }

    @BeforeEach
    void cutPieces() throws IOException {
        good = new ArrayList<>();
        int n = packets.size();
        for (int q = 0; q < 4; q++) {
            int from = q * n / 4;
            int to = (q + 1) * n / 4;
            good.add(write("quarter-" + q + ".pcap", i -> i >= from && i < to).toString());
        }
        good.add(write("odd.pcap", i -> i % 2 == 1).toString());
        good.add(sample.toString());
    }

    private Path write(String name, IntPredicate which) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream o = Files.newOutputStream(p)) {
            o.write(header);
            for (int i : IntStream.range(0, packets.size()).filter(which).toArray()) {
                o.write(packets.get(i));
            }
        }
        return p;
    }

    static Run run(String... args) throws Exception {
        ReadCommandIT.Run r = ReadCommandIT.run(args);
        return new Run(r.exit(), r.out(), r.err());
    }

    private static List<String> args(List<String> head, List<String> files) {
        List<String> l = new ArrayList<>(head);
        l.addAll(files);
        return l;
    }

    /** The JSON records of a run, by input, each input's in the order written. */
    private static Map<String, List<JsonNode>> byInput(String out) throws IOException {
        Map<String, List<JsonNode>> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                JsonNode r = JSON.readTree(line);
                assertTrue(r.hasNonNull("input"), "every record names its input: " + line);
                m.computeIfAbsent(r.get("input").asText(), k -> new ArrayList<>()).add(r);
            }
        }
        return m;
    }

    /** Each file's records in a parallel run are those of a run on that file alone. */
    private static void assertEachAsAlone(Map<String, List<JsonNode>> got, List<String> files, int aloneExit)
            throws Exception {
        for (String f : files) {
            List<String> a = new ArrayList<>(List.of("read", "--format", "json"));
            a.addAll(List.of(RECORDS));
            a.add(f);
            Run alone = run(a.toArray(String[]::new));
            assertEquals(aloneExit, alone.exit(), alone.err());
            List<JsonNode> expected = byInput(alone.out()).get(f);
            assertTrue(expected.size() > 2, f + ": records alone: " + alone.out());
            assertEquals(expected, got.get(f), f + ": the same records, in the same order, as alone");
        }
    }

    @Test
    void eachFileGetsTheRecordsOfARunOnItsOwnWithMoreFilesThanThreads() throws Exception {
        List<String> head = new ArrayList<>(List.of("read", "--format", "json", "--separate", "--threads", "2"));
        head.addAll(List.of(RECORDS));
        Run r = run(args(head, good).toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        Map<String, List<JsonNode>> got = byInput(r.out());
        assertEquals(good.size(), got.size(), "records for every file: " + got.keySet());
        for (String f : good) {
            List<JsonNode> recs = got.get(f);
            assertEquals("summary", recs.get(recs.size() - 1).get("type").asText(), f + ": its summary last");
            assertTrue(recs.stream().anyMatch(x -> x.get("type").asText().equals("flow")), f + ": flows");
        }
        assertTrue(got.get(sample.toString()).stream().anyMatch(x -> x.get("type").asText().equals("alert")),
                "the sample's scan alert");
        assertEachAsAlone(got, good, 0);
    }

    @Test
    void badFilesAmongGoodOnesAreNamedAndTheOthersAreComplete() throws Exception {
        Path missing = tmp.resolve("missing.pcap");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "these are not packets\n");
        byte[] whole = Files.readAllBytes(sample);
        int cut = 24;
        for (int i = 0; i < packets.size() / 2; i++) {
            cut += packets.get(i).length;
        }
        Path truncated = Files.write(tmp.resolve("truncated.pcap"), Arrays.copyOf(whole, cut + 20));
        List<String> files = List.of(good.get(0), missing.toString(), good.get(1), text.toString(),
                truncated.toString(), good.get(4));
        List<String> head = new ArrayList<>(List.of("read", "--format", "json", "--separate", "--threads", "3"));
        head.addAll(List.of(RECORDS));
        Run r = run(args(head, files).toArray(String[]::new));
        assertEquals(1, r.exit(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(3, lines.size(), "one line per bad file: " + r.err());
        for (Path bad : List.of(missing, text, truncated)) {
            assertEquals(1, lines.stream().filter(l -> l.startsWith("portwatch: " + bad + ": ")).count(),
                    bad + " named once: " + r.err());
        }
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        Map<String, List<JsonNode>> got = byInput(r.out());
        assertEquals(files.size(), got.size(), "records for every file: " + got.keySet());
        for (Path bad : List.of(missing, text, truncated)) {
            JsonNode summary = got.get(bad.toString()).get(got.get(bad.toString()).size() - 1);
            assertEquals(1, summary.get("input_errors").size(), bad + ": " + summary);
        }
        assertTrue(got.get(truncated.toString()).stream().anyMatch(x -> x.get("type").asText().equals("port_stats")),
                "what came before the truncation is counted");
        assertEachAsAlone(got, List.of(good.get(0), good.get(1), good.get(4)), 0);
        assertEachAsAlone(got, List.of(truncated.toString()), 1);
    }

    /** A table prints each file's flows and alerts under that file's own windows. */
    @Test
    void eachFilesTableBlocksAreThoseOfItsOwnRun() throws Exception {
        List<String> head = new ArrayList<>(List.of("read", "--format", "table", "--separate", "--threads", "2"));
        head.addAll(List.of(RECORDS));
        Run r = run(args(head, good).toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        Map<String, StringBuilder> blocks = new LinkedHashMap<>();
        StringBuilder current = null;
        for (String line : r.out().split("\n", -1)) {
            if (line.startsWith("== ")) {
                String[] w = line.substring(3).split(" {2}");
                String input = w[0].equals("summary") ? w[1] : w[0];
                current = blocks.computeIfAbsent(input, k -> new StringBuilder());
            }
            assertTrue(current != null, "the output starts with a block header: " + r.out());
            current.append(line).append('\n');
        }
        assertEquals(good.size(), blocks.size(), blocks.keySet().toString());
        for (String f : good) {
            List<String> a = new ArrayList<>(List.of("read", "--format", "table"));
            a.addAll(List.of(RECORDS));
            a.add(f);
            Run alone = run(a.toArray(String[]::new));
            assertEquals(0, alone.exit(), alone.err());
            assertTrue(alone.out().contains("flows ended: "), alone.out());
            assertEquals(alone.out().strip(), blocks.get(f).toString().strip(), f + ": its blocks are its own table");
        }
    }

    @Test
    void theSavedBaselineIsThatOfOneThread() throws Exception {
        Path one = tmp.resolve("one.baseline");
        Path two = tmp.resolve("two.baseline");
        Run a = run(args(List.of("read", "--format", "json", "--separate", "--threads", "1", "--save-baseline",
                one.toString()), good).toArray(String[]::new));
        assertEquals(0, a.exit(), a.err());
        Run b = run(args(List.of("read", "--format", "json", "--separate", "--threads", "3", "--save-baseline",
                two.toString()), good).toArray(String[]::new));
        assertEquals(0, b.exit(), b.err());
        List<String> services = Files.readAllLines(one).stream().filter(l -> !l.startsWith("#") && !l.isBlank())
                .toList();
        assertTrue(services.size() >= 3, "the sample's services: " + services);
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(two));
    }

    @Test
    void aClosedPipeStopsEveryFileQuietly() throws Exception {
        // a long capture: the sample 300 times over, a second apart, so that the output outlasts the pipe
        Path longer = tmp.resolve("long.pcap");
        try (OutputStream o = Files.newOutputStream(longer)) {
            o.write(header);
            for (int rep = 0; rep < 300; rep++) {
                for (byte[] p : packets) {
                    byte[] c = p.clone();
                    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(0, ByteBuffer.wrap(p)
                            .order(ByteOrder.LITTLE_ENDIAN).getInt(0) + rep);
                    o.write(c);
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "read", "--format", "json", "--separate", "--threads", "2", "--flows",
                "--interval", "10ms"));
        for (int i = 0; i < 6; i++) {
            cmd.add(longer.toString());
        }
        Path errFile = tmp.resolve("pipe.err");
        Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertTrue(r.readLine().contains("\"input\":"), "a first record");
        r.close(); // as `portwatch read ... | head -1` does
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "portwatch stops when its output goes away");
        assertEquals(0, p.exitValue());
        assertEquals("", Files.readString(errFile));
    }

    @Test
    void threadsIsChecked() throws Exception {
        Run zero = run("read", "--separate", "--threads", "0", good.get(0), good.get(1));
        assertEquals(2, zero.exit());
        assertTrue(zero.err().startsWith("portwatch: --threads must be at least 1"), zero.err());
        assertEquals("", zero.out());
    }
}
