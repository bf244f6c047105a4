package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CaptureAnalysis;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.PartitionedAnalyzer;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.TunnelMode;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.FrameBuilder;
import io.portwatch.testkit.TunnelBuilder;
import org.apache.datasketches.hll.HllSketch;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A capture shared out by flow among several threads ({@code read --threads N}) gives the records one thread
 * gives: the same windows (port counters, distinct clients and servers, top talkers, services, scan
 * evidence), the same flows, the same alerts and the same summary, on the shared corpus's captures read as
 * one (fragments, ICMP errors, scans, malformed frames) and on random probes with every detector on and a
 * window each millisecond. Windows and alerts come in the same order; flows are compared as sets (each thread
 * ends its own flows, in the order of their packets' times across threads, ties aside).
 */
class PartitionedAgreementTest {

    @Test
    void corpusCapturesGiveTheRecordsOfOneThread() throws Exception {
        List<Path> files = BatchOrderTest.corpusCaptures();
        for (long interval : new long[] {0, DetectConfig.SECOND}) {
            // --tunnels both, the default: the corpus has tunnels, and flows seen both inside and outside one
            AnalyzerConfig c = BatchOrderTest.config(interval).withTopTalkers(5);
            assertEquals(TunnelMode.BOTH, c.tunnels());
            CollectingSink first = new CollectingSink();
            CollectingSink one = read(files, new TrafficAnalyzer(c, "corpus", first), first);
            for (int threads : new int[] {2, 3}) {
                CollectingSink out = new CollectingSink();
                CollectingSink many = read(files, new PartitionedAnalyzer(c, "corpus", out, threads), out);
                assertSame(one, many, "interval " + interval + ", " + threads + " threads");
            }
        }
    }

    /**
     * A VXLAN tunnel carrying the handshakes of 40 pairs of hosts, one of them inside a GRE tunnel in it too,
     * and the first pair's traffic outside the tunnel as well: with {@code --tunnels both} the tunnel is one
     * flow however many threads share the pairs inside it, and each flow inside is one flow.
     */
    @Test
    void aTunnelOfManyPairsIsOneFlowWhateverTheThreads() throws Exception {
        AnalyzerConfig c = BatchOrderTest.config(DetectConfig.SECOND).withTopTalkers(5);
        CollectingSink first = new CollectingSink();
        CollectingSink one = feed(tunnelled(), new TrafficAnalyzer(c, "tunnel", first), first);
        assertEquals(1, one.flows.stream().filter(f -> f.serverPort() == 4789).count(), "flows of the tunnel");
        assertEquals(1, one.flows.stream().filter(f -> f.serverPort() == 53).count(), "flows of the nested one's pair");
        assertEquals(40, one.flows.stream().filter(f -> f.serverPort() == 443).count(), "flows inside and beside it");
        for (int threads : new int[] {2, 3, 4}) {
            CollectingSink out = new CollectingSink();
            assertSame(one, feed(tunnelled(), new PartitionedAnalyzer(c, "tunnel", out, threads), out),
                    threads + " threads");
        }
    }

    private static List<byte[]> tunnelled() {
        int[] flags = {FrameBuilder.SYN, FrameBuilder.SYN | FrameBuilder.ACK, FrameBuilder.ACK};
        List<byte[]> out = new ArrayList<>();
        for (int pair = 0; pair < 40; pair++) {
            String client = "10.1." + pair + ".1";
            String server = "10.2." + pair + ".2";
            for (int i = 0; i < 3; i++) {
                boolean fromClient = i != 1;
                byte[] ip = FrameBuilder.ip(fromClient ? client : server, fromClient ? server : client, 6,
                        FrameBuilder.tcp(fromClient ? 40000 + pair : 443, fromClient ? 443 : 40000 + pair, flags[i], 0));
                if (pair == 7) { // in GRE, in the tunnel: a tunnel two deep
                    ip = FrameBuilder.ip("203.0.113.1", "203.0.113.2", 47, TunnelBuilder.gre(TunnelBuilder.GRE_KEY,
                            0x0800, FrameBuilder.ip("172.16.0.1", "172.16.0.2", 17, FrameBuilder.udp(5353, 53, 30))));
                }
                out.add(vxlan(ip));
                if (pair == 0) { // the first pair's traffic also outside the tunnel
                    out.add(FrameBuilder.ethernet(FrameBuilder.ip(fromClient ? client : server,
                            fromClient ? server : client, 6, FrameBuilder.tcp(fromClient ? 41000 : 443,
                                    fromClient ? 443 : 41000, flags[i], 0))));
                }
            }
        }
        return out;
    }

    private static byte[] vxlan(byte[] innerIp) {
        return FrameBuilder.ethernet(FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17,
                FrameBuilder.udp(50001, 4789, TunnelBuilder.vxlan(7, FrameBuilder.ethernet(innerIp)))));
    }

    private static CollectingSink feed(List<byte[]> frames, CaptureAnalysis a, CollectingSink out) {
        long ts = 1_000_000_000L;
        for (byte[] f : frames) {
            a.onPacket(LinkType.ETHERNET, ts += 1_000_000, ByteBuffer.wrap(f), 0, f.length, f.length);
        }
        a.finish();
        return out;
    }

    @Test
    void corpusCapturesGiveTheRecordsOfOneThreadWithTunnelsOuterOrInner() throws Exception {
        List<Path> files = BatchOrderTest.corpusCaptures();
        for (TunnelMode mode : new TunnelMode[] {TunnelMode.OUTER, TunnelMode.INNER}) {
            AnalyzerConfig c = BatchOrderTest.config(DetectConfig.SECOND).withTunnels(mode);
            CollectingSink first = new CollectingSink();
            CollectingSink one = read(files, new TrafficAnalyzer(c, "corpus", first), first);
            CollectingSink out = new CollectingSink();
            assertSame(one, read(files, new PartitionedAnalyzer(c, "corpus", out, 2), out), "tunnels " + mode);
        }
    }

    @Test
    void randomProbesGiveTheRecordsOfOneThread() throws Exception {
        AnalyzerConfig c = BatchOrderTest.config(1_000_000L).withTopTalkers(3); // a window each millisecond
        CollectingSink one = new CollectingSink();
        probes(new TrafficAnalyzer(c, "probes", one));
        CollectingSink many = new CollectingSink();
        probes(new PartitionedAnalyzer(c, "probes", many, 2));
        assertTrue(one.alerts.size() > 50 && one.flows.size() > 100_000,
                one.alerts.size() + " alerts, " + one.flows.size() + " flows");
        assertSame(one, many, "random probes");
    }

    private static void probes(CaptureAnalysis a) {
        RandomProbes r = new RandomProbes(7);
        for (int round = 0; round < 40; round++) {
            r.run(a, 3_001 + round);
            a.onIdle(r.now + 300_000_000L); // a quiet live pipe: the clock closes the window (past its grace)
            r.now += 400_000_000L;
        }
        a.finish();
    }

    private static CollectingSink read(List<Path> files, CaptureAnalysis a, CollectingSink out) {
        for (Path f : files) {
            try (PacketSource src = CaptureFileSource.open(f.toString())) {
                src.run(a);
            } catch (CaptureException e) {
                a.inputError(e.getMessage());
            }
        }
        a.finish();
        return out;
    }

    private static void assertSame(CollectingSink one, CollectingSink many, String what) {
        assertEquals(one.windows.size(), many.windows.size(), what + ": windows");
        for (int i = 0; i < one.windows.size(); i++) {
            WindowReport a = one.windows.get(i);
            WindowReport b = many.windows.get(i);
            assertEquals(a.ports().size(), b.ports().size(), what + ": ports of window " + i);
            for (int k = 0; k < a.ports().size(); k++) {
                assertEquals(meaning(a.ports().get(k)), meaning(b.ports().get(k)), what + ": port " + k + " of window " + i);
            }
            assertEquals(a.services().size(), b.services().size(), what + ": services of window " + i);
            for (int k = 0; k < a.services().size(); k++) {
                assertEquals(a.services().get(k), b.services().get(k), what + ": service " + k + " of window " + i);
            }
            assertEquals(a.scanEvidence().size(), b.scanEvidence().size(), what + ": scan evidence of window " + i);
            for (int k = 0; k < a.scanEvidence().size(); k++) {
                assertEquals(evidence(a.scanEvidence().get(k)), evidence(b.scanEvidence().get(k)),
                        what + ": evidence " + k + " of window " + i);
            }
            assertEquals(List.of(a.input(), a.startNanos(), a.endNanos(), a.packets(), a.bytes(), a.activeFlows(),
                    a.decodeErrors(), a.memoryLimited()), List.of(b.input(), b.startNanos(), b.endNanos(), b.packets(),
                    b.bytes(), b.activeFlows(), b.decodeErrors(), b.memoryLimited()), what + ": window " + i);
        }
        assertEquals(one.alerts, many.alerts, what + ": alerts");
        assertEquals(sorted(one.flows), sorted(many.flows), what + ": flows");
        assertEquals(1, many.summaries.size(), what + ": one summary");
        Summary a = one.summaries.get(0);
        Summary b = many.summaries.get(0);
        assertEquals(a, b, what + ": summary");
    }

    /**
     * A port's record as it reads: its mergeable sketches by what they count (a small sketch lists its
     * addresses in the order they came, which differs between threads).
     */
    private static String meaning(PortStats p) {
        PeerSketches k = p.sketches();
        return p + (k == null ? "" : " clients ~" + HllSketch.heapify(k.clients()).getEstimate() + " servers ~"
                + HllSketch.heapify(k.servers()).getEstimate());
    }

    /**
     * Evidence as it counts: its samples of targets and ports as sets (the flows that end together at the end
     * of the input end in each thread's table order, as they do in one thread's).
     */
    private static String evidence(ScanEvidence e) {
        return List.of(e.source(), e.transport(), e.failed(), e.answered(), e.targets(), e.ports(),
                e.logLikelihoodRatio(), new java.util.TreeSet<>(e.targetSample()),
                new java.util.TreeSet<>(e.portSample())).toString();
    }

    private static List<FlowRecord> sorted(List<FlowRecord> flows) {
        List<FlowRecord> s = new ArrayList<>(flows);
        s.sort(Comparator.comparing(FlowRecord::toString));
        return s;
    }
}
