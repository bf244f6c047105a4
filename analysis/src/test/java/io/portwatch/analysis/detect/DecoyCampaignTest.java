package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.output.Alert;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.portwatch.analysis.detect.ScanDetectionTest.SCANNER;
import static io.portwatch.analysis.detect.ScanDetectionTest.TARGET;
import static io.portwatch.analysis.detect.ScanDetectionTest.range;
import static io.portwatch.analysis.detect.ScanDetectionTest.run;
import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: nmap's decoy scan ({@code nmap -sS -D 203.0.113.5,203.0.113.9,198.51.100.77,ME}) sends each
 * probe from every decoy address and the real one, back to back; the target answers each (RST, or SYN+ACK
 * on an open port, which a decoy that does not exist never acknowledges). One alert per address, all
 * marked as one campaign.
 */
class DecoyCampaignTest {

    static final List<String> DECOYS = List.of("203.0.113.5", "203.0.113.9", "198.51.100.77", SCANNER);

    @Test
    void aDecoyScansAlertsShareACampaign() {
        CollectingSink out = run(w -> {
            for (int port : range(1, 60)) {
                for (String src : DECOYS) {
                    w.tcp(src, 45000, TARGET, port, SYN);
                    w.advanceMicros(30);
                    w.tcp(TARGET, port, src, 45000, port == 22 ? SYN | ACK : RST | ACK);
                    w.advanceMicros(30);
                }
                w.advanceMillis(3);
            }
            // meanwhile another scanner, of another target, at other moments
            w.advanceMillis(20_000);
            for (int port : range(1, 60)) {
                w.tcp("10.9.8.7", 45000, "10.0.0.11", port, SYN);
                w.tcp("10.0.0.11", port, "10.9.8.7", 45000, RST | ACK);
                w.advanceMillis(3);
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(5, scans.size(), out.toString());
        Set<Object> campaigns = new HashSet<>();
        Set<String> sources = new HashSet<>();
        for (Alert a : scans) {
            if (a.source().equals("10.9.8.7")) {
                assertNull(a.details().get("campaign"), "a scan alone is no campaign: " + a);
                continue;
            }
            assertEquals(TARGET, a.target());
            assertEquals(60, a.details().get("ports"));
            campaigns.add(a.details().get("campaign"));
            sources.add(a.source());
        }
        assertEquals(new HashSet<>(DECOYS), sources);
        assertEquals(1, campaigns.size(), scans.toString());
        String id = (String) campaigns.iterator().next();
        assertTrue(id.matches("c-[0-9a-f]{16}"), id);
    }

    @Test
    void scansOfOneTargetAtOtherMomentsOrPortsAreNotOneCampaign() {
        CollectingSink out = run(w -> {
            for (int port : range(1, 40)) { // the same ports, ten seconds later
                w.tcp(SCANNER, 45000, TARGET, port, SYN);
                w.tcp(TARGET, port, SCANNER, 45000, RST | ACK);
                w.advanceMillis(3);
            }
            w.advanceMillis(10_000);
            for (int port : range(1, 40)) {
                w.tcp("10.9.8.7", 45000, TARGET, port, SYN);
                w.tcp(TARGET, port, "10.9.8.7", 45000, RST | ACK);
                w.advanceMillis(3);
            }
            w.advanceMillis(10_000);
            for (int port : range(1, 40)) { // at the same moments, other ports
                w.tcp("10.9.8.8", 45000, TARGET, port + 1000, SYN);
                w.tcp(TARGET, port + 1000, "10.9.8.8", 45000, RST | ACK);
                w.tcp("10.9.8.9", 45000, TARGET, port + 2000, SYN);
                w.tcp(TARGET, port + 2000, "10.9.8.9", 45000, RST | ACK);
                w.advanceMillis(3);
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(4, scans.size(), out.toString());
        assertFalse(scans.stream().anyMatch(a -> a.details().containsKey("campaign")), scans.toString());
    }
}
