package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SYN floods built frame by frame, and the traffic that must not look like one. */
class SynFloodTest {

    static final String SERVER = "10.0.0.80";

    /** SYNs from random (spoofed) sources to SERVER:80, at a rate, each answered by a SYN+ACK. */
    static void spoofedFlood(Wire w, SplittableRandom rnd, int syns, int perSecond) {
        long gapMicros = 1_000_000L / perSecond;
        for (int i = 0; i < syns; i++) {
            String src = "198.18." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
            int sport = 1024 + rnd.nextInt(64000);
            w.tcp(src, sport, SERVER, 80, SYN);
            w.tcp(SERVER, 80, src, sport, SYN | ACK);
            w.advanceMicros(gapMicros);
        }
    }

    @Test
    void spoofedFloodIsOneAlert() {
        SplittableRandom rnd = new SplittableRandom(7);
        CollectingSink out = ScanDetectionTest.run(w -> {
            for (int i = 0; i < 20; i++) { // ordinary clients before
                w.session("10.0.7." + (i + 1), 40000 + i, SERVER, 80);
                w.advanceMillis(50);
            }
            long window = 10 * DetectConfig.SECOND;
            w.now = (w.now / window + 2) * window; // the flood fills 5 s of one flood window
            spoofedFlood(w, rnd, 5000, 1000);
        });
        List<Alert> floods = out.alertsOf(Alert.Kind.SYN_FLOOD);
        assertEquals(1, floods.size(), out.toString());
        Alert a = floods.get(0);
        assertEquals(SERVER, a.target());
        assertEquals(80, a.port());
        assertEquals(Transport.TCP, a.transport());
        assertNull(a.source(), "many sources");
        long syns = (Long) a.details().get("syns");
        long sources = (Long) a.details().get("sources");
        assertEquals(5000L, syns, a.details().toString());
        assertEquals(0L, a.details().get("completed"));
        // the flood's source counter: 1,024 registers, a standard error of 0.84 / 32; the sketch hashes
        // with the run's secret key, so allow five standard errors
        assertTrue(Math.abs(sources - syns) <= syns * 5 * 0.84 / 32, "sources about the SYNs: " + a.details());
        double rate = (Double) a.details().get("syn_rate");
        assertTrue(rate > 900 && rate < 1100, "about 1000 SYN/s: " + a.details());
        assertEquals(Alert.Severity.CRITICAL, a.severity(), "ten times the threshold rate");
        assertTrue(out.alertsOf(Alert.Kind.PORT_SCAN).isEmpty(), out.toString());
    }

    /** {@code n} distinct random addresses of 100.64.0.0/10, as text. */
    static List<String> distinctSources(SplittableRandom rnd, int n) {
        Set<Integer> seen = new HashSet<>();
        List<String> out = new java.util.ArrayList<>(n);
        while (out.size() < n) {
            int a = (100 << 24) | (64 << 16) | rnd.nextInt(1 << 22);
            if (seen.add(a)) {
                out.add((a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF));
            }
        }
        return out;
    }

    /**
     * Issue 14 #10: a spoofed flood of 20,000 SYNs from 20,000 distinct sources, and a UDP service
     * answering 20,000 distinct clients. Past their exact limits the distinct counts are estimates, and
     * an estimate may land above the truth; none may exceed the exact count it is reported beside: the
     * flood's sources its SYNs, a port's clients and servers its active flows (and so, here, its flows),
     * a service's clients its flows. Seeds whose sketches land above the truth fail without the clamp.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void distinctCountsNeverExceedTheirExactBounds(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = 20_000;
        List<String> synSources = distinctSources(rnd, n);
        List<String> udpClients = distinctSources(rnd, n);
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), false,
                DetectConfig.defaults()), "crafted", out);
        Wire w = new Wire(a);
        long window = 10 * DetectConfig.SECOND;
        w.now = (w.now / window + 1) * window; // the flood fills 4 s of one flood window
        for (String src : synSources) {
            w.tcp(src, 1024 + rnd.nextInt(64000), SERVER, 80, SYN);
            w.advanceMicros(200);
        }
        for (String c : udpClients) {
            int sport = 1024 + rnd.nextInt(64000);
            w.udp(c, sport, "10.0.0.53", 53, 30);
            w.udp("10.0.0.53", 53, c, sport, 90);
            w.advanceMicros(50);
        }
        a.finish();

        Alert flood = ScanDetectionTest.only(out, Alert.Kind.SYN_FLOOD);
        long syns = (Long) flood.details().get("syns");
        long sources = (Long) flood.details().get("sources");
        assertEquals((long) n, syns, flood.details().toString());
        assertEquals(false, flood.details().get("sources_exact"));
        assertTrue(sources <= syns, "sources " + sources + " > syns " + syns);
        assertTrue(sources >= syns * 0.9, "still an estimate of the truth: " + sources);

        assertEquals(1, out.windows.size());
        for (PortStats p : out.windows.get(0).ports()) {
            assertEquals((long) n, p.flows(), p.toString());
            assertEquals(p.flows(), p.activeFlows(), p.toString());
            assertTrue(p.uniqueClients() <= p.activeFlows(), "clients > active flows: " + p);
            assertTrue(p.uniqueClients() >= n * 0.9, p.toString());
            assertTrue(p.uniqueServers() <= p.activeFlows(), p.toString());
        }
        ExposedService dns = a.detection().services().stream()
                .filter(s -> s.key().equals("udp 10.0.0.53 53")).findFirst().orElseThrow();
        assertEquals((long) n, dns.flows());
        assertTrue(dns.clients() <= dns.flows(), "service clients > flows: " + dns);
    }

    @Test
    void singleSourceFloodNamesTheSource() {
        CollectingSink out = ScanDetectionTest.run(w -> {
            for (int i = 0; i < 2500; i++) {
                w.tcp("10.0.8.8", 1024 + i, SERVER, 443, SYN); // never answered: the backlog is full
                w.advanceMicros(2000);
            }
        });
        Alert a = ScanDetectionTest.only(out, Alert.Kind.SYN_FLOOD);
        assertEquals("10.0.8.8", a.source());
        assertEquals(443, a.port());
        assertEquals(1L, a.details().get("sources"));
        assertEquals(Alert.Severity.HIGH, a.severity());
        assertTrue(out.alertsOf(Alert.Kind.PORT_SCAN).isEmpty(), "one port is no scan: " + out);
    }

    @Test
    void sustainedFloodIsOneAlertUntilItStops() {
        SplittableRandom rnd = new SplittableRandom(11);
        CollectingSink out = ScanDetectionTest.run(w -> {
            spoofedFlood(w, rnd, 60_000, 1000); // a minute
            w.advanceMillis(30_000); // quiet windows end it
            w.session("10.0.7.1", 40000, SERVER, 80);
            w.advanceMillis(10_000);
            spoofedFlood(w, rnd, 3000, 1000); // it starts again
        });
        assertEquals(2, out.alertsOf(Alert.Kind.SYN_FLOOD).size(), out.toString());
    }

    @Test
    void busyServerCompletesItsHandshakes() {
        CollectingSink out = ScanDetectionTest.run(w -> {
            for (int i = 0; i < 5000; i++) { // 500 connections a second for 10 s, from 50 clients
                w.session("10.0.9." + (1 + i % 50), 20000 + i, SERVER, 80);
                w.advanceMicros(2000);
            }
        });
        assertTrue(out.alerts.isEmpty(), out.toString());
    }

    @Test
    void ratioAndRateThresholds() {
        // 1500 SYNs in a window: with 1000 completed (2 in 3) it is load, with 300 (1 in 5) a flood
        for (int completed : new int[] {1000, 300}) {
            CollectingSink out = ScanDetectionTest.run(w -> {
                w.now = 1_714_557_600_000_000_000L;
                for (int i = 0; i < 1500; i++) {
                    String c = "10.1." + (i / 250) + "." + (1 + i % 250);
                    w.tcp(c, 30000, SERVER, 8443, SYN);
                    if (i < completed) {
                        w.tcp(SERVER, 8443, c, 30000, SYN | ACK);
                        w.tcp(c, 30000, SERVER, 8443, ACK);
                    }
                    w.advanceMicros(5000);
                }
            });
            assertEquals(completed == 300 ? 1 : 0, out.alertsOf(Alert.Kind.SYN_FLOOD).size(), completed + ": " + out);
        }
        // 900 half-open SYNs in 10 s: below 100/s
        CollectingSink slow = ScanDetectionTest.run(w -> {
            w.now = 1_714_557_600_000_000_000L;
            for (int i = 0; i < 900; i++) {
                w.tcp("10.2.0." + (1 + i % 200), 10000 + i, SERVER, 25, SYN);
                w.advanceMicros(11_000);
            }
        });
        assertTrue(slow.alerts.isEmpty(), slow.toString());
        // the same with a threshold of 50/s
        CollectingSink lower = ScanDetectionTest.run(DetectConfig.defaults().withFlood(10 * DetectConfig.SECOND, 50, 0.25), w -> {
            w.now = 1_714_557_600_000_000_000L;
            for (int i = 0; i < 900; i++) {
                w.tcp("10.2.0." + (1 + i % 200), 10000 + i, SERVER, 25, SYN);
                w.advanceMicros(11_000);
            }
        });
        assertEquals(1, lower.alertsOf(Alert.Kind.SYN_FLOOD).size(), lower.toString());
    }

    @Test
    void fastSynScanIsNoFlood() {
        // 10,000 ports at 10,000 SYN/s: many SYNs, but one or two per port
        CollectingSink out = ScanDetectionTest.run(w -> {
            for (int port = 1; port <= 10_000; port++) {
                w.tcp(ScanDetectionTest.SCANNER, 55555, SERVER, port, SYN);
                w.tcp(SERVER, port, ScanDetectionTest.SCANNER, 55555, RST | ACK);
                w.advanceMicros(100);
            }
        });
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
        assertEquals(1, out.alertsOf(Alert.Kind.PORT_SCAN).size(), out.toString());
    }
}
