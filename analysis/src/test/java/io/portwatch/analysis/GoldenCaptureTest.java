package io.portwatch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LibpcapFileSource;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Golden tests: portwatch's flows and per-port counts equal tshark's on real captures, with both
 * readers. Reference files: the shared corpus ({@code *.reference.json}, {@code *.truth.json}) when it
 * is beside the checkout, and the project's own sample capture, whose reference
 * {@code src/samples/make-reference.py} made with tshark.
 */
class GoldenCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Reader { JAVA, LIBPCAP }

    /** The corpus's captures/, or null when the corpus is absent (which fails under CI). */
    static Path corpus() {
        return Corpus.ifPresent().isPresent() ? Corpus.captures() : null;
    }

    static Path samples() {
        return Path.of(System.getProperty("portwatch.root", "."), "src", "samples");
    }

    static List<Path> files(Path dir, String suffix) throws IOException {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    static CollectingSink analyze(Path capture, Reader reader, AnalyzerConfig config) throws CaptureException {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, capture.toString(), sink);
        PacketSource src;
        if (reader == Reader.LIBPCAP) {
            try {
                Libpcap.load();
            } catch (CaptureException e) {
                assumeTrue(false, e.getMessage());
            }
            src = LibpcapFileSource.open(capture.toString(), null);
        } else {
            src = CaptureFileSource.open(capture.toString());
        }
        try (src) {
            src.run(a);
        }
        a.finish();
        return sink;
    }

    static AnalyzerConfig withFlows() {
        return new AnalyzerConfig(0, FlowConfig.defaults(), true);
    }

    @TestFactory
    Stream<DynamicTest> referenceFiles() throws IOException {
        List<Path> refs = new ArrayList<>(files(samples(), ".reference.json"));
        refs.addAll(files(corpus(), ".reference.json"));
        assumeTrue(!refs.isEmpty(), "no reference files");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path ref : refs) {
            for (Reader r : Reader.values()) {
                tests.add(DynamicTest.dynamicTest(ref.getFileName() + " [" + r + "]", () -> checkReference(ref, r)));
            }
        }
        return tests.stream();
    }

    private void checkReference(Path refFile, Reader reader) throws Exception {
        JsonNode ref = JSON.readTree(refFile.toFile());
        Path capture = refFile.resolveSibling(ref.get("capture").asText());
        CollectingSink out = analyze(capture, reader, withFlows());

        Map<String, String> expectedPorts = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ref.get("ports").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            expectedPorts.put(e.getKey(), "flows=" + v.get("flows").asLong() + " packets=" + v.get("packets").asLong()
                    + " bytes=" + v.get("bytes").asLong() + " clients=" + v.get("unique_clients").asLong());
        }
        Map<String, String> actualPorts = new TreeMap<>();
        out.portTotals().forEach((k, t) -> actualPorts.put(k,
                "flows=" + t[0] + " packets=" + t[1] + " bytes=" + t[2] + " clients=" + t[3]));
        assertEquals(expectedPorts, actualPorts, "per-port counts of " + capture.getFileName());

        Map<String, String> expectedFlows = new TreeMap<>();
        for (JsonNode f : ref.get("flows")) {
            String key = f.get("transport").asText() + " " + f.get("client").get(0).asText() + ":"
                    + f.get("client").get(1).asInt() + " > " + f.get("server").get(0).asText() + ":"
                    + f.get("server").get(1).asInt();
            expectedFlows.put(key, "packets=" + f.get("packets").asLong() + " bytes=" + f.get("bytes").asLong());
        }
        Map<String, long[]> sums = new TreeMap<>();
        for (FlowRecord f : out.flows) {
            String key = f.transport().key() + " " + f.clientIp() + ":" + f.clientPort() + " > " + f.serverIp() + ":"
                    + f.serverPort();
            long[] s = sums.computeIfAbsent(key, k -> new long[2]);
            s[0] += f.packets();
            s[1] += f.bytes();
        }
        Map<String, String> actualFlows = new TreeMap<>();
        sums.forEach((k, s) -> actualFlows.put(k, "packets=" + s[0] + " bytes=" + s[1]));
        assertEquals(expectedFlows, actualFlows, "flows of " + capture.getFileName());

        JsonNode totals = ref.get("totals");
        assertEquals(totals.get("frames").asLong(), out.summaries.get(0).packets(), "frames");
    }

    @TestFactory
    Stream<DynamicTest> truthFiles() throws IOException {
        List<Path> truths = files(Corpus.captures(), ".truth.json");
        assertFalse(truths.isEmpty(), "no truth files in the corpus");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path t : truths) {
            for (Reader r : Reader.values()) {
                tests.add(DynamicTest.dynamicTest(t.getFileName() + " [" + r + "]", () -> checkTruth(t, r)));
            }
        }
        return tests.stream();
    }

    private void checkTruth(Path truthFile, Reader reader) throws Exception {
        JsonNode truth = JSON.readTree(truthFile.toFile());
        String name = truthFile.getFileName().toString().replace(".truth.json", "");
        if (!name.endsWith(".pcap") && !name.endsWith(".pcapng")) {
            name = Files.exists(truthFile.resolveSibling(name + ".pcap")) ? name + ".pcap" : name + ".pcapng";
        }
        CollectingSink out = analyze(truthFile.resolveSibling(name), reader, withFlows());
        Map<String, String> expected = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = truth.get("ports").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            expected.put(e.getKey(), "flows=" + v.get("flows").asLong() + " packets=" + v.get("packets").asLong()
                    + " bytes=" + v.get("bytes").asLong());
        }
        Map<String, String> actual = new TreeMap<>();
        out.portTotals().forEach((k, t) -> actual.put(k, "flows=" + t[0] + " packets=" + t[1] + " bytes=" + t[2]));
        assertEquals(expected, actual, "per-port counts of " + name);
    }
}
