package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.portwatch.analysis.detect.ScanDetectionTest.SCANNER;
import static io.portwatch.analysis.detect.ScanDetectionTest.TARGET;
import static io.portwatch.analysis.detect.ScanDetectionTest.probe;
import static io.portwatch.analysis.detect.ScanDetectionTest.range;
import static io.portwatch.analysis.detect.ScanDetectionTest.run;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: scans slower than the scan window. A vertical SYN scan with probes a minute apart never
 * puts more than five failed ports in one 5 min window, and the random walk over hosts sees one host;
 * the walk over (target, port) pairs kept over {@code --slow-scan-window} (1 h) finds it.
 */
class SlowScanTest {

    @Test
    void probesAMinuteApartOverHalfAnHourAreAScan() {
        CollectingSink out = run(w -> {
            for (int port : range(1, 30)) {
                probe(w, TARGET, port * 3, SYN, port == 7); // one open port among them
                w.advanceMillis(60_000);
            }
        });
        Alert a = ScanDetectionTest.only(out, Alert.Kind.PORT_SCAN);
        assertEquals("slow_trw", a.details().get("method"), a.toString());
        assertEquals(SCANNER, a.source());
        assertEquals(TARGET, a.target());
        assertEquals(Transport.TCP, a.transport());
        assertEquals("syn", a.details().get("scan_type"));
        assertEquals(30, a.details().get("ports"), "every port probed, the open one too");
        assertEquals(29L, a.details().get("failed_pairs"));
        assertEquals(List.of("tcp/21"), a.details().get("open_ports"));
        assertEquals(3600L, a.details().get("window_seconds"));
        long span = Duration.between(Instant.parse((String) a.details().get("first_seen")),
                Instant.parse((String) a.details().get("last_seen"))).toSeconds();
        assertEquals(29 * 60, span, "the whole scan is the evidence");
        assertEquals(span, ((Number) a.details().get("evidence_seconds")).longValue());
    }

    @Test
    void theSameProbesAnsweredAreNoScan() {
        CollectingSink answered = run(w -> {
            for (int port : range(1, 30)) {
                probe(w, TARGET, port * 3, SYN, true);
                w.advanceMillis(60_000);
            }
        });
        assertTrue(answered.alerts.isEmpty(), answered.toString());
        // an open service polled once a minute for an hour, which once refused a connection
        CollectingSink polled = run(w -> {
            for (int i = 0; i < 60; i++) {
                w.session(SCANNER, 40000 + i, TARGET, 8080);
                probe(w, TARGET, 8080, SYN, i % 20 != 5);
                w.advanceMillis(60_000);
            }
        });
        assertTrue(polled.alerts.isEmpty(), polled.toString());
    }

    @Test
    void aSlowScanOfManyHostsIsOneFinding() {
        // three ports on each of five hosts, a probe every 40 s: no host reaches 15 ports, no port 25 hosts
        CollectingSink out = run(w -> {
            for (int h = 1; h <= 5; h++) {
                for (int port : List.of(22, 23, 3389)) {
                    probe(w, "10.0.7." + h, port, SYN, false);
                    w.advanceMillis(40_000);
                }
            }
        });
        Alert a = ScanDetectionTest.only(out, Alert.Kind.PORT_SCAN);
        assertEquals("slow_trw", a.details().get("method"));
        assertEquals(null, a.target());
        assertEquals(5L, a.details().get("hosts"));
        assertEquals(3, a.details().get("ports"));
    }

    @Test
    void aFastScanIsNotReportedAgainAsASlowOne() {
        CollectingSink out = run(w -> {
            range(1, 100).forEach(p -> probe(w, TARGET, p, SYN, false));
            for (int port : range(200, 215)) { // the same scanner keeps probing slowly afterwards
                w.advanceMillis(60_000);
                probe(w, TARGET, port, SYN, false);
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(1, scans.size(), out.toString());
        assertEquals("vertical", scans.get(0).details().get("method"));
    }

    @Test
    void slowScanDetectionCanBeTurnedOff() {
        DetectConfig off = DetectConfig.defaults().withSlowScan(0, DetectConfig.DEFAULT_SLOW_SCAN_SOURCES);
        CollectingSink out = run(off, w -> {
            for (int port : range(1, 30)) {
                probe(w, TARGET, port, SYN, false);
                w.advanceMillis(60_000);
            }
        });
        assertTrue(out.alerts.isEmpty(), out.toString());
    }

    /**
     * The walk keeps the strongest sources: a flood of random sources with one failure each passes by
     * eight times the bound between two probes of a slow scan, which is still found (its first probes may be
     * missed: it gets in once the sketch counts more failures for it than for the weakest source kept);
     * the table holds the bound at most, and what was evicted or not admitted is counted.
     */
    @Test
    void aRandomSourceFloodEvictsItsOwnKindNotTheSlowScanner() {
        int bound = 512;
        DetectConfig cfg = DetectConfig.defaults().withSlowScan(DetectConfig.DEFAULT_SLOW_WINDOW, bound);
        List<Alert> alerts = new java.util.ArrayList<>();
        Episode.Reporter reporter = new Episode.Reporter(alerts::add, "crafted", cfg.windowNanos());
        SlowScanDetector d = new SlowScanDetector(cfg, reporter, 8L << 20, new AnswerCache(1 << 20));
        long t = 1_714_557_600_000_000_000L;
        long scanner = 0xFFFF_0A09_0942L; // 10.9.9.66, IPv4-mapped
        long target = 0xFFFF_0A00_000AL;
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        int most = 0;
        for (int port = 1; port <= 30; port++) {
            d.contact(0, scanner, 0, target, port, false, Probe.SYN, false, t);
            for (int i = 0; i < 8 * bound; i++) {
                d.contact(r.nextLong(), r.nextLong(), 0, target, 80, false, Probe.SYN, false, t + i * 1000L);
                most = Math.max(most, d.entries());
            }
            t += 60 * DetectConfig.SECOND;
        }
        reporter.flush(Long.MAX_VALUE, true);
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals("10.9.9.66", alerts.get(0).source());
        int ports = (int) alerts.get(0).details().get("ports");
        assertTrue(ports >= 26 && ports <= 30, alerts.toString());
        assertEquals(bound, most, "the strongest " + bound + " sources at most");
        assertTrue(d.evictions() >= 30L * 7 * bound, "evictions counted: " + d.evictions());
    }
}
