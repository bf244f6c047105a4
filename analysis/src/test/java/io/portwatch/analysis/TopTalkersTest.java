package io.portwatch.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TopTalkers;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Top talkers per port against exact counts: on the corpus, the top clients and servers of every port
 * equal those summed from tshark's flows (the reference files); past 64 hosts a port, every count stays
 * within the documented bound of the truth the test knows; and the bookkeeping behind them (the log
 * folded when full, the flows' marks renumbered) changes no number.
 */
class TopTalkersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TOP = 5;

    @TestFactory
    Stream<DynamicTest> corpusTopTalkersEqualTsharksFlows() throws IOException {
        List<Path> refs = GoldenCaptureTest.files(GoldenCaptureTest.corpus(), ".reference.json");
        assumeTrue(!refs.isEmpty(), "no corpus");
        return refs.stream().map(ref -> DynamicTest.dynamicTest(ref.getFileName().toString(), () -> checkCorpus(ref)));
    }

    private static void checkCorpus(Path refFile) throws Exception {
        JsonNode ref = JSON.readTree(refFile.toFile());
        Path capture = refFile.resolveSibling(ref.get("capture").asText());
        CollectingSink out = GoldenCaptureTest.analyze(capture, GoldenCaptureTest.Reader.JAVA,
                GoldenCaptureTest.withFlows().withTopTalkers(TOP));
        assertEquals(1, out.windows.size());
        // per port, per client and per server: packets, bytes, flows from tshark's flows
        Map<String, Map<String, long[]>> clients = new TreeMap<>();
        Map<String, Map<String, long[]>> servers = new TreeMap<>();
        for (JsonNode f : ref.get("flows")) {
            String port = f.get("transport").asText() + "/" + f.get("server").get(1).asInt();
            long[] add = {f.get("packets").asLong(), f.get("bytes").asLong(), 1};
            sum(clients, port, f.get("client").get(0).asText(), add);
            sum(servers, port, f.get("server").get(0).asText(), add);
        }
        int ports = 0;
        for (PortStats p : out.windows.get(0).ports()) {
            String port = p.transport() + "/" + p.port();
            String where = capture.getFileName() + " " + port;
            check(where + " clients", clients.get(port), p.topClients());
            check(where + " servers", servers.get(port), p.topServers());
            ports++;
        }
        assertEquals(clients.size(), ports, "ports of " + capture.getFileName());
    }

    private static void sum(Map<String, Map<String, long[]>> m, String port, String host, long[] add) {
        long[] t = m.computeIfAbsent(port, k -> new HashMap<>()).computeIfAbsent(host, k -> new long[3]);
        for (int i = 0; i < 3; i++) {
            t[i] += add[i];
        }
    }

    /** The exact top lists equal the top of the reference's sums, ties to the lower address. */
    private static void check(String where, Map<String, long[]> truth, TopTalkers top) {
        assertNotNull(truth, where + ": not in the reference");
        assertNotNull(top, where);
        assertEquals(truth.size() <= 64, top.exact(), where + " exact");
        assertEquals(expected(truth, t -> t[0]), top.byPackets(), where + " by packets");
        assertEquals(expected(truth, t -> t[1]), top.byBytes(), where + " by bytes");
    }

    private static List<Talker> expected(Map<String, long[]> truth, ToLongFunction<long[]> rank) {
        Comparator<Map.Entry<String, long[]>> heaviest = Comparator.comparingLong(e -> -rank.applyAsLong(e.getValue()));
        return truth.entrySet().stream()
                .sorted(heaviest.thenComparing(e -> address(e.getKey()), TopTalkersTest::unsigned))
                .limit(TOP)
                .map(e -> new Talker(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]))
                .toList();
    }

    private static long[] address(String text) {
        return InetText.parse(text);
    }

    private static int unsigned(long[] a, long[] b) {
        int c = Long.compareUnsigned(a[0], b[0]);
        return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
    }

    @Test
    void pastSixtyFourClientsEveryCountIsWithinTheBound() {
        // 2,000 clients of one UDP port, a few heavy, most light: counts skewed as real traffic is
        Random r = new Random(7);
        Map<String, long[]> truth = new HashMap<>();
        List<String[]> sends = new ArrayList<>();
        for (int c = 0; c < 2_000; c++) {
            String client = "10.1." + (c >>> 8) + "." + (c & 0xFF);
            int datagrams = c % 97 == 0 ? 200 + r.nextInt(300) : 1 + r.nextInt(4);
            int size = 20 + r.nextInt(400);
            for (int d = 0; d < datagrams; d++) {
                sends.add(new String[] {client, Integer.toString(size)});
            }
            truth.put(client, new long[] {datagrams, (long) datagrams * (20 + 8 + size), 1});
        }
        java.util.Collections.shuffle(sends, r);
        CollectingSink out = run(new AnalyzerConfig(0, FlowConfig.defaults(), false).withTopTalkers(TOP), a -> {
            UdpFrames f = new UdpFrames(a, 100_000L);
            for (String[] s : sends) {
                f.udp(s[0], 40000, "10.0.0.53", 53, Integer.parseInt(s[1]));
            }
        });
        PortStats p = out.windows.get(0).ports().get(0);
        TopTalkers top = p.topClients();
        assertFalse(top.exact());
        assertTrue(top.maxOvercountPackets() <= p.packets() / 64, top + " against " + p.packets());
        assertTrue(top.maxOvercountBytes() <= p.bytes() / 64);
        assertEquals(TOP, top.byPackets().size());
        long bound = p.packets() / 64;
        for (Talker t : top.byPackets()) {
            long[] real = truth.get(t.address());
            assertTrue(t.packets() >= real[0] && t.packets() <= real[0] + top.maxOvercountPackets(), t + " truth " + real[0]);
            assertTrue(t.bytes() <= real[1] && t.flows() <= real[2], t.toString());
        }
        for (Talker t : top.byBytes()) {
            long[] real = truth.get(t.address());
            assertTrue(t.bytes() >= real[1] && t.bytes() <= real[1] + top.maxOvercountBytes(), t + " truth " + real[1]);
        }
        // every client heavier than the bound is listed, in the right order, when five are
        List<String> heavy = truth.entrySet().stream().filter(e -> e.getValue()[0] > bound)
                .sorted(Comparator.comparingLong(e -> -e.getValue()[0])).map(Map.Entry::getKey).limit(TOP).toList();
        assertEquals(TOP, heavy.size(), "the test's heavy clients");
        assertEquals(heavy, top.byPackets().stream().map(Talker::address).toList());
        // one server: exact
        assertTrue(p.topServers().exact());
        assertEquals(List.of(new Talker("10.0.0.53", p.packets(), p.bytes(), 2_000)), p.topServers().byPackets());
    }

    @Test
    void aFullLogIsFoldedAndItsFlowsCountedOnce() {
        // 70,000 flows from 10 clients in a log folded every 1,000 entries, each flow two datagrams, the
        // second after every first: flows whose entry was folded get a new one, counted as packets only
        int flows = 70_000;
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), false)
                .withTopTalkers(TOP), "crafted", out, WindowMarks.TICKET_LIMIT, 1_000);
        java.util.function.Consumer<TrafficAnalyzer> traffic = a -> {
            UdpFrames f = new UdpFrames(a, 100_000L);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < flows; i++) {
                    f.udp("10.2.0." + (i % 10), 1024 + i / 10, "10.0.0.9", 9999, 100);
                }
            }
        };
        traffic.accept(analyzer);
        analyzer.finish();
        TopTalkers top = out.windows.get(0).ports().get(0).topClients();
        assertTrue(top.exact());
        for (Talker t : top.byPackets()) {
            assertEquals(new Talker(t.address(), 2 * flows / 10, 2 * flows / 10 * 128, flows / 10), t);
        }
        assertEquals(List.of("10.2.0.0", "10.2.0.1", "10.2.0.2", "10.2.0.3", "10.2.0.4"),
                top.byPackets().stream().map(Talker::address).toList());
    }

    @Test
    void renumberedMarksChangeNoCount() {
        // flows that live across many windows while tickets are renumbered every few dozen
        AnalyzerConfig config = new AnalyzerConfig(1_000_000_000L, FlowConfig.defaults(), false).withTopTalkers(3);
        java.util.function.Consumer<TrafficAnalyzer> traffic = a -> {
            UdpFrames f = new UdpFrames(a, 100_000L);
            Random r = new Random(11);
            for (int window = 0; window < 30; window++) {
                for (int k = 0; k < 40; k++) {
                    int c = r.nextInt(12);
                    f.udp("10.3.0." + c, 2000 + c, "10.0.0." + (1 + c % 3), 7000 + c % 2, 10 + c);
                    f.now += 20_000_000L;
                }
                f.now += 200_000_000L;
            }
        };
        CollectingSink plain = run(config, traffic);
        CollectingSink renumbered = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, "crafted", renumbered, 25, 0);
        traffic.accept(a);
        a.finish();
        assertTrue(plain.windows.size() >= 30);
        assertEquals(portsOf(plain.windows), portsOf(renumbered.windows));
        // and without top talkers, the window marks (window numbers) renumber too
        AnalyzerConfig off = config.withTopTalkers(0);
        CollectingSink offPlain = run(off, traffic);
        CollectingSink offRenumbered = new CollectingSink();
        TrafficAnalyzer b = new TrafficAnalyzer(off, "crafted", offRenumbered, 4, 0);
        traffic.accept(b);
        b.finish();
        assertEquals(portsOf(offPlain.windows), portsOf(offRenumbered.windows));
        assertNull(offPlain.windows.get(0).ports().get(0).topClients());
        assertEquals(stripTalkers(portsOf(plain.windows)), portsOf(offPlain.windows), "talkers change no other count");
    }

    @Test
    void flowsCutIntoPartsEndedOrStillOpenAddUpToEachWindowsPorts() {
        // four clients, long UDP flows cut every 2.5 s, idle ones ending, windows of 1 s: in every window
        // and port, the top clients (all four listed) and the one server carry the port's packets and bytes
        FlowConfig flows = new FlowConfig(1 << 20, 300 * FlowConfig.SECOND, 30 * FlowConfig.SECOND,
                5 * FlowConfig.SECOND, 1_500_000_000L, 2_500_000_000L);
        AnalyzerConfig config = new AnalyzerConfig(1_000_000_000L, flows, false).withTopTalkers(TOP);
        java.util.function.Consumer<TrafficAnalyzer> traffic = a -> {
            UdpFrames f = new UdpFrames(a, 100_000L);
            Random r = new Random(5);
            for (int k = 0; k < 3_000; k++) {
                int c = r.nextInt(4);
                if (c == 3 && (k / 600) % 2 == 1) {
                    continue; // client 3 goes quiet now and then: its flow times out and a new one starts
                }
                f.udp("10.4.0." + c, 3000 + c, "10.0.0.80", 8000, r.nextInt(300));
                f.now += 3_000_000L;
            }
        };
        for (int[] limits : new int[][] {{WindowMarks.TICKET_LIMIT, 0}, {7, 3}}) {
            CollectingSink out = new CollectingSink();
            TrafficAnalyzer a = new TrafficAnalyzer(config, "crafted", out, limits[0], limits[1]);
            traffic.accept(a);
            a.finish();
            assertTrue(out.windows.size() >= 9, "windows: " + out.windows.size());
            for (WindowReport w : out.windows) {
                for (PortStats p : w.ports()) {
                    TopTalkers c = p.topClients();
                    assertTrue(c.exact());
                    assertEquals(p.packets(), c.byPackets().stream().mapToLong(Talker::packets).sum(), "packets " + w);
                    assertEquals(p.bytes(), c.byBytes().stream().mapToLong(Talker::bytes).sum(), "bytes " + w);
                    assertEquals(p.activeFlows(), c.byPackets().stream().mapToLong(Talker::flows).sum(), "flows");
                    Talker server = p.topServers().byPackets().get(0);
                    assertEquals(new Talker("10.0.0.80", p.packets(), p.bytes(), p.activeFlows()), server);
                }
            }
        }
    }

    private static List<List<PortStats>> portsOf(List<WindowReport> windows) {
        return windows.stream().map(WindowReport::ports).toList();
    }

    private static List<List<PortStats>> stripTalkers(List<List<PortStats>> windows) {
        return windows.stream().map(ps -> ps.stream().map(p -> new PortStats(p.transport(), p.port(), p.service(),
                p.portClass(), p.flows(), p.activeFlows(), p.packetsToServer(), p.packetsToClient(), p.bytesToServer(),
                p.bytesToClient(), p.uniqueClients(), p.uniqueServers(), p.tcp(), null, null, p.sketches())).toList())
                .toList();
    }

    private static CollectingSink run(AnalyzerConfig config, java.util.function.Consumer<TrafficAnalyzer> traffic) {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, "crafted", sink);
        traffic.accept(a);
        a.finish();
        return sink;
    }
}
