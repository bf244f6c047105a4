package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.AllowedAlerts;
import io.portwatch.analysis.output.WindowReport;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static io.portwatch.analysis.detect.ScanDetectionTest.SCANNER;
import static io.portwatch.analysis.detect.ScanDetectionTest.TARGET;
import static io.portwatch.analysis.detect.ScanDetectionTest.probe;
import static io.portwatch.analysis.detect.ScanDetectionTest.range;
import static io.portwatch.analysis.detect.ScanDetectionTest.run;
import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: the organisation's own scanners and busy flood targets. Their traffic is analysed as any other;
 * their alerts are counted in the window record, not sent.
 */
class AllowListTest {

    static AllowList allow(List<String> scanners, List<String> floodTargets) throws PolicyException {
        return AllowList.of(scanners.stream().map(s -> new AllowList.Network("--scanner-allow", 0, s)).toList(),
                floodTargets.stream().map(s -> new AllowList.Network("--flood-allow", 0, s)).toList());
    }

    /** A vertical scan from SCANNER and one from 10.9.8.7, then a spoofed flood of SynFloodTest's server. */
    static final Consumer<Wire> TRAFFIC = w -> {
        range(1, 30).forEach(p -> probe(w, TARGET, p, SYN, false));
        for (int p : range(1, 30)) {
            w.tcp("10.9.8.7", 50000, TARGET, p, SYN);
            w.tcp(TARGET, p, "10.9.8.7", 50000, RST | ACK);
            w.advanceMillis(1);
        }
        long window = 10 * DetectConfig.SECOND;
        w.now = (w.now / window + 2) * window;
        SynFloodTest.spoofedFlood(w, new SplittableRandom(3), 5000, 1000);
    };

    @Test
    void anAllowedScannerRaisesNoAlertAndIsCounted() throws Exception {
        DetectConfig cfg = DetectConfig.defaults().withAllow(allow(List.of("10.9.9.0/24"), List.of()));
        CollectingSink out = run(cfg, TRAFFIC);
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(List.of("10.9.8.7"), scans.stream().map(Alert::source).toList(),
                "the other scanner still: " + out);
        assertEquals(1, out.alertsOf(Alert.Kind.SYN_FLOOD).size(), out.toString());
        WindowReport w = out.windows.get(out.windows.size() - 1);
        assertEquals(new AllowedAlerts(1, 0), w.allowedAlerts());
        // and without the allow-list, both scans are alerted and the record says nothing of allowed alerts
        CollectingSink plain = run(TRAFFIC);
        assertEquals(2, plain.alertsOf(Alert.Kind.PORT_SCAN).size(), plain.toString());
        assertNull(plain.windows.get(0).allowedAlerts());
        assertTrue(plain.alertsOf(Alert.Kind.PORT_SCAN).stream().anyMatch(a -> SCANNER.equals(a.source())));
    }

    @Test
    void aBusyFloodTargetIsCountedNotAlerted() throws Exception {
        DetectConfig cfg = DetectConfig.defaults().withAllow(allow(List.of(), List.of(SynFloodTest.SERVER)));
        CollectingSink out = run(cfg, TRAFFIC);
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
        assertEquals(2, out.alertsOf(Alert.Kind.PORT_SCAN).size(), out.toString());
        long floods = out.windows.stream().mapToLong(w -> w.allowedAlerts().synFloods()).sum();
        assertEquals(1, floods);
    }

    @Test
    void networksAreIpv4Ipv6AndFromFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("scanners.txt");
        Files.writeString(f, "# our scanners\n10.1.2.3\n\n2001:db8:5::/48   # the v6 monitor\n");
        AllowList a = AllowList.of(AllowList.read(f), List.of());
        assertTrue(a.scanner("10.1.2.3"));
        assertTrue(!a.scanner("10.1.2.4"));
        assertTrue(a.scanner("2001:db8:5:1::9"));
        assertTrue(!a.scanner("2001:db8:6::9"));
        assertTrue(!a.floodTarget("10.1.2.3"));
        Files.writeString(f, "10.1.2.3\n10.1.2.300/24\n");
        PolicyException e = assertThrows(PolicyException.class, () -> AllowList.of(AllowList.read(f), List.of()));
        assertEquals(f + ":2: not an IP network: '10.1.2.300/24'", e.getMessage());
        e = assertThrows(PolicyException.class, () -> allow(List.of("10.0.0.0/33"), List.of()));
        assertEquals("--scanner-allow: prefix length of '10.0.0.0/33' must be 0-32", e.getMessage());
    }
}
