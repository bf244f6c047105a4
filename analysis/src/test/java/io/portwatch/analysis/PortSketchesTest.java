package io.portwatch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.ports.FleetKey;
import io.portwatch.capture.flow.FlowConfig;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The mergeable sketches of {@code port_stats}: on the corpus each port's sketches estimate tshark's distinct
 * clients and servers; the sketches of two analyses of two parts of the traffic, merged with DataSketches'
 * {@link Union}, estimate what one analysis of the whole does, within the sketches' error bound, with or
 * without a fleet key; sketches of different keys do not line up (a merge of them counts every address twice).
 */
class PortSketchesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Standard deviations of the bounds checked (DataSketches' getLowerBound/getUpperBound take 1 to 3). */
    private static final int SD = 3;
    private static final String KEY = "correct horse battery staple, fleet one";

    @TestFactory
    Stream<DynamicTest> corpusSketchesEstimateTsharksDistinctPeers() throws IOException {
        List<Path> refs = GoldenCaptureTest.files(GoldenCaptureTest.corpus(), ".reference.json");
        assumeTrue(!refs.isEmpty(), "no corpus");
        return refs.stream().map(ref -> DynamicTest.dynamicTest(ref.getFileName().toString(), () -> checkCorpus(ref)));
    }

    private static void checkCorpus(Path refFile) throws Exception {
        JsonNode ref = JSON.readTree(refFile.toFile());
        Path capture = refFile.resolveSibling(ref.get("capture").asText());
        CollectingSink out = GoldenCaptureTest.analyze(capture, GoldenCaptureTest.Reader.JAVA, AnalyzerConfig.defaults());
        Map<String, Set<String>> servers = new HashMap<>();
        for (JsonNode f : ref.get("flows")) {
            servers.computeIfAbsent(f.get("transport").asText() + "/" + f.get("server").get(1).asInt(),
                    k -> new HashSet<>()).add(f.get("server").get(0).asText());
        }
        assertEquals(1, out.windows.size());
        for (PortStats p : out.windows.get(0).ports()) {
            String port = p.transport().key() + "/" + p.port();
            PeerSketches s = p.sketches();
            assertNotNull(s, port);
            assertEquals(PeerSketches.PUBLIC, s.key());
            long clients = ref.get("ports").get(port).get("unique_clients").asLong();
            within(capture.getFileName() + " " + port + " clients", clients, HllSketch.heapify(s.clients()));
            within(capture.getFileName() + " " + port + " servers", servers.get(port).size(),
                    HllSketch.heapify(s.servers()));
            assertEquals(clients, p.uniqueClients(), "the exact count beside");
        }
    }

    @Test
    void halvesMergeIntoTheWhole() {
        for (FleetKey key : new FleetKey[] {null, FleetKey.of(KEY)}) {
            String what = key == null ? "public" : "fleet";
            // 30,000 clients; the first part has 0-17,999, the second 12,000-29,999 (6,000 in both)
            PortStats whole = dnsPort(key, 0, 30_000);
            PortStats first = dnsPort(key, 0, 18_000);
            PortStats second = dnsPort(key, 12_000, 30_000);
            assertEquals(what, whole.sketches().key());
            HllSketch wholeClients = HllSketch.heapify(whole.sketches().clients());
            within(what + " whole", 30_000, wholeClients);
            Union u = new Union(12);
            u.update(HllSketch.heapify(first.sketches().clients()));
            u.update(HllSketch.heapify(second.sketches().clients()));
            HllSketch merged = u.getResult(TgtHllType.HLL_4);
            within(what + " merged", 30_000, merged);
            assertTrue(Math.abs(merged.getEstimate() - wholeClients.getEstimate())
                            <= merged.getUpperBound(SD) - merged.getEstimate(),
                    what + ": merged " + merged.getEstimate() + " against the whole's " + wholeClients.getEstimate());
            Union servers = new Union(12);
            servers.update(HllSketch.heapify(first.sketches().servers()));
            servers.update(HllSketch.heapify(second.sketches().servers()));
            assertEquals(12.0, servers.getResult().getEstimate(), 0.01, what + " servers: 12 in both parts");
        }
    }

    @Test
    void onlySketchesOfOneKeyLineUp() {
        PortStats a = dnsPort(FleetKey.of(KEY), 0, 20_000);
        PortStats again = dnsPort(FleetKey.of(KEY + "\n"), 0, 20_000); // a key file's newline is not the key
        PortStats other = dnsPort(FleetKey.of(KEY.toUpperCase()), 0, 20_000);
        PortStats open = dnsPort(null, 0, 20_000);
        assertTrue(Arrays.equals(a.sketches().clients(), again.sketches().clients()), "same key, same registers");
        assertFalse(Arrays.equals(a.sketches().clients(), other.sketches().clients()), "another key, other registers");
        assertFalse(Arrays.equals(a.sketches().clients(), open.sketches().clients()), "keyed against public");
        within("same key merged", 20_000, merge(a, again));
        // the same 20,000 addresses under two keys look like 40,000: such sketches must not be merged
        within("two keys merged", 40_000, merge(a, other));
        within("fleet and public merged", 40_000, merge(a, open));
    }

    private static HllSketch merge(PortStats x, PortStats y) {
        Union u = new Union(12);
        u.update(HllSketch.heapify(x.sketches().clients()));
        u.update(HllSketch.heapify(y.sketches().clients()));
        return u.getResult(TgtHllType.HLL_4);
    }

    @Test
    void eachWindowHasItsOwnSketches() {
        CollectingSink out = run(new AnalyzerConfig(1_000_000_000L, FlowConfig.defaults(), false), f -> {
            for (int c = 0; c < 5_000; c++) {
                f.udp(client(c), 40000, "10.0.0.53", 53, 20);
            }
            f.now += 1_000_000_000L; // the next second: 300 clients, 100 of them new
            for (int c = 4_800; c < 5_100; c++) {
                f.udp(client(c), 40000, "10.0.0.53", 53, 20);
            }
        });
        assertEquals(2, out.windows.size());
        within("first window", 5_000, HllSketch.heapify(out.windows.get(0).ports().get(0).sketches().clients()));
        within("second window", 300, HllSketch.heapify(out.windows.get(1).ports().get(0).sketches().clients()));
    }

    /** DNS traffic to udp/53 of 12 servers from clients {@code from} to {@code to} (each sends two queries). */
    private static PortStats dnsPort(FleetKey key, int from, int to) {
        CollectingSink out = run(new AnalyzerConfig(0, FlowConfig.defaults(), false).withFleetKey(key), f -> {
            for (int round = 0; round < 2; round++) {
                for (int c = from; c < to; c++) {
                    f.udp(client(c), 40000 + round, "10.0.0." + (c % 12 + 1), 53, 30);
                }
            }
        });
        assertEquals(1, out.windows.size());
        PortStats p = out.windows.get(0).ports().get(0);
        assertEquals(53, p.port());
        return p;
    }

    private static String client(int c) {
        return "10.1." + (c >>> 8) + "." + (c & 0xFF);
    }

    private static void within(String what, double truth, HllSketch s) {
        assertTrue(s.getLowerBound(SD) <= truth && truth <= s.getUpperBound(SD),
                what + ": " + truth + " not within [" + s.getLowerBound(SD) + ", " + s.getUpperBound(SD) + "], estimate "
                        + s.getEstimate());
    }

    private static CollectingSink run(AnalyzerConfig config, java.util.function.Consumer<UdpFrames> traffic) {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, "crafted", sink);
        traffic.accept(new UdpFrames(a, 10_000L));
        a.finish();
        return sink;
    }
}
