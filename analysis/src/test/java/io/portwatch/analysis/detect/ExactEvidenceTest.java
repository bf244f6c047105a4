package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.portwatch.analysis.detect.ScanDetectionTest.SCANNER;
import static io.portwatch.analysis.detect.ScanDetectionTest.SPORT;
import static io.portwatch.analysis.detect.ScanDetectionTest.TARGET;
import static io.portwatch.analysis.detect.ScanDetectionTest.named;
import static io.portwatch.analysis.detect.ScanDetectionTest.only;
import static io.portwatch.analysis.detect.ScanDetectionTest.probe;
import static io.portwatch.analysis.detect.ScanDetectionTest.range;
import static io.portwatch.analysis.detect.ScanDetectionTest.run;
import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 20: a port probed before the scanner's first failure is a port probed. Scans whose first probes
 * find open ports, as nmap's do (it tries the common ports first): every port counts, the open ones too,
 * and the scan starts at its first probe.
 */
class ExactEvidenceTest {

    @Test
    void aTcpScanWhoseFirstProbeFindsAnOpenPort() {
        long[] start = new long[1];
        CollectingSink out = run(w -> {
            start[0] = w.now;
            probe(w, TARGET, 80, SYN, true);
            probe(w, TARGET, 443, SYN, true);
            range(1, 38).forEach(p -> probe(w, TARGET, p, SYN, false));
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(40, a.details().get("ports"), a.toString());
        assertEquals(38, a.details().get("failed_ports"));
        assertEquals(named("tcp", List.of(80, 443)), a.details().get("open_ports"));
        assertEquals(List.of("tcp/1", "tcp/443"), a.details().get("port_range"));
        assertEquals(Instant.ofEpochSecond(0, start[0]).plusNanos(50_000).toString(), a.details().get("first_seen"));
    }

    @Test
    void aUdpScanWhoseFirstProbeIsAnswered() {
        CollectingSink out = run(w -> {
            for (int port : range(1000, 1019)) {
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.advanceMicros(80);
                if (port == 1000) {
                    w.udp(TARGET, port, SCANNER, SPORT, 48);
                } else {
                    w.unreachable(TARGET, 3, 17, SCANNER, SPORT, TARGET, port);
                }
                w.advanceMillis(5);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(Transport.UDP, a.transport());
        assertEquals(20, a.details().get("ports"), a.toString());
        assertEquals(List.of("udp/1000"), a.details().get("open_ports"));
    }

    @Test
    void eachSourceOfADistributedScanCountsItsOpenPortsToo() {
        // four sources share 100 ports of the target, 25 each, each source's first probe finds an open port
        CollectingSink out = run(w -> {
            for (int i = 0; i < 25; i++) {
                for (int s = 0; s < 4; s++) {
                    String src = "10.9.9." + (70 + s);
                    int port = 1 + s * 25 + i;
                    w.tcp(src, 41000, TARGET, port, SYN);
                    w.advanceMicros(50);
                    if (i == 0) {
                        w.tcp(TARGET, port, src, 41000, SYN | ACK);
                        w.tcp(src, 41000, TARGET, port, RST);
                    } else {
                        w.tcp(TARGET, port, src, 41000, RST | ACK);
                    }
                    w.advanceMillis(2);
                }
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(4, scans.size(), out.toString());
        for (Alert a : scans) {
            assertEquals(25, a.details().get("ports"), a.toString());
            assertEquals(24, a.details().get("failed_ports"));
            assertEquals(1, ((List<?>) a.details().get("open_ports")).size());
        }
    }

    @Test
    void aSlowScanWhoseFirstProbeFindsAnOpenPort() {
        CollectingSink out = run(w -> {
            for (int port : range(1, 40)) {
                probe(w, TARGET, port, SYN, port == 1 || port == 17);
                w.advanceMillis(50_000);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals("slow_trw", a.details().get("method"));
        assertEquals(40, a.details().get("ports"), a.toString());
        assertEquals(named("tcp", List.of(1, 17)), a.details().get("open_ports"));
        assertEquals(39L * 50, a.details().get("evidence_seconds"));
    }
}
