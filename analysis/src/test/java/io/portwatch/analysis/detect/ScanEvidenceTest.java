package io.portwatch.analysis.detect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scan evidence of each window ({@link ScanEvidence}): on a real nmap SYN scan it counts what tshark
 * sees; on frames built as a scanner sends them and a Linux host answers, every field is as the traffic
 * says, for TCP and UDP, below any alert threshold too; the evidence of three captures that split a scan
 * adds up to the whole's; benign traffic gives none; a window reports the strongest sources, at most as
 * many as asked.
 */
class ScanEvidenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SCANNER = ScanDetectionTest.SCANNER;
    static final String TARGET = ScanDetectionTest.TARGET;

    static List<ScanEvidence> evidence(CollectingSink out) {
        List<ScanEvidence> all = new ArrayList<>();
        for (WindowReport w : out.windows) {
            all.addAll(w.scanEvidence());
        }
        return all;
    }

    @ParameterizedTest(name = "detection thread {0}")
    @ValueSource(booleans = {false, true})
    void nmapSynScanOfTheCorpusCountsWhatTsharkSees(boolean thread) throws Exception {
        assumeTrue(Corpus.ifPresent().isPresent(), "no corpus");
        Path capture = Corpus.captures().resolve("nmap-syn-scan.pcap");
        JsonNode ref = JSON.readTree(capture.resolveSibling("nmap-syn-scan.pcap.reference.json").toFile());
        // tshark's flows: a probe answered by SYN+ACK has three packets (SYN, SYN+ACK, the scanner's RST),
        // one refused has two (SYN, RST+ACK)
        long answered = 0;
        long failed = 0;
        Set<Integer> ports = new TreeSet<>();
        Set<String> targets = new HashSet<>();
        for (JsonNode f : ref.get("flows")) {
            assertEquals("127.0.0.66", f.get("client").get(0).asText());
            targets.add(f.get("server").get(0).asText());
            ports.add(f.get("server").get(1).asInt());
            if (f.get("packets").asInt() == 3) {
                answered++;
            } else {
                assertEquals(2, f.get("packets").asInt(), f.toString());
                failed++;
            }
        }
        CollectingSink out = Captures.analyze(capture, Captures.config(DetectConfig.defaults())
                .withDetectionThread(thread)).sink();
        List<ScanEvidence> e = evidence(out);
        assertEquals(1, e.size(), e.toString());
        ScanEvidence s = e.get(0);
        assertEquals("127.0.0.66", s.source());
        assertEquals(Transport.TCP, s.transport());
        assertEquals(failed, s.failed());
        assertEquals(answered, s.answered());
        assertEquals(3, answered, "three open ports");
        assertEquals(targets.size(), s.targets());
        assertEquals(ports.size(), s.ports());
        assertEquals(EvidenceTable.ratio(failed, answered), s.logLikelihoodRatio());
        assertEquals(Math.log(4) * (failed - answered), s.logLikelihoodRatio(), 1e-9);
        assertEquals(List.of("127.0.0.10"), s.targetSample());
        assertEquals(ports.stream().limit(20).map(p -> "tcp/" + p).toList(), s.portSample());
    }

    @Test
    void everyFieldOfCraftedProbesBelowTheAlertThresholds() {
        CollectingSink out = ScanDetectionTest.run(w -> {
            // TCP: 10 ports of one host (7 and 9 open), and port 445 of 3 hosts (one answers, one refuses,
            // one stays silent): 8 + 2 failed, 2 + 1 answered; a second probe of a port counts once
            for (int port = 1; port <= 10; port++) {
                ScanDetectionTest.probe(w, TARGET, port, SYN, port == 7 || port == 9);
            }
            w.tcp(SCANNER, 50009, TARGET, 3, SYN); // port 3 again, from another port: no first contact
            w.tcp(TARGET, 3, SCANNER, 50009, RST | ACK);
            w.tcp(SCANNER, 50001, "10.0.0.11", 445, SYN);
            w.tcp("10.0.0.11", 445, SCANNER, 50001, SYN | ACK);
            w.tcp(SCANNER, 50002, "10.0.0.12", 445, SYN);
            w.tcp("10.0.0.12", 445, SCANNER, 50002, RST | ACK);
            w.tcp(SCANNER, 50003, "10.0.0.13", 445, SYN); // never answered: failed when the flow ends
            // UDP: 4 ports of the target, port 53 answers, 2 ICMP port unreachable, 1 silent
            for (int port = 52; port <= 55; port++) {
                w.udp(SCANNER, 40000, TARGET, port, 0);
                if (port == 53) {
                    w.udp(TARGET, port, SCANNER, 40000, 40);
                } else if (port != 55) {
                    w.unreachable(TARGET, 3, 17, SCANNER, 40000, TARGET, port);
                }
                w.advanceMillis(1);
            }
        });
        assertTrue(out.alerts.isEmpty(), "below every threshold: " + out);
        List<ScanEvidence> e = evidence(out);
        assertEquals(2, e.size(), e.toString());
        ScanEvidence tcp = e.stream().filter(x -> x.transport() == Transport.TCP).findFirst().orElseThrow();
        assertEquals(new ScanEvidence(SCANNER, Transport.TCP, 10, 3, 4, 11, EvidenceTable.ratio(10, 3),
                List.of(TARGET, "10.0.0.11", "10.0.0.12", "10.0.0.13"),
                List.of("tcp/1", "tcp/2", "tcp/3", "tcp/4", "tcp/5", "tcp/6", "tcp/7", "tcp/8", "tcp/9", "tcp/10",
                        "tcp/445")), tcp);
        ScanEvidence udp = e.stream().filter(x -> x.transport() == Transport.UDP).findFirst().orElseThrow();
        assertEquals(new ScanEvidence(SCANNER, Transport.UDP, 3, 1, 1, 4, EvidenceTable.ratio(3, 1), List.of(TARGET),
                List.of("udp/52", "udp/53", "udp/54", "udp/55")), udp);
        assertEquals(tcp, e.get(0), "the stronger first");
    }

    @Test
    void eachWindowHasItsOwnFirstContacts() {
        DetectConfig d = DetectConfig.defaults();
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(1_000_000_000L, FlowConfig.defaults(), false, d),
                "windows", out);
        Wire w = new Wire(a);
        for (int round = 0; round < 3; round++) {
            for (int port = 20; port < 25; port++) { // each round from a port of its own: flows of their own
                w.tcp(SCANNER, 40000 + round, TARGET, port, SYN);
                w.tcp(TARGET, port, SCANNER, 40000 + round, port == 22 ? SYN | ACK : RST | ACK);
            }
            w.advanceMillis(1_000); // the next window: the same ports are first contacts again
        }
        a.finish();
        assertEquals(3, out.windows.size());
        for (WindowReport r : out.windows) {
            assertEquals(List.of(new ScanEvidence(SCANNER, Transport.TCP, 4, 1, 1, 5, EvidenceTable.ratio(4, 1),
                    List.of(TARGET), List.of("tcp/20", "tcp/21", "tcp/22", "tcp/23", "tcp/24"))), r.scanEvidence());
        }
    }

    /**
     * The corpus's nmap scan as three sensors would see it, each a third of the ports (tcpdump writes the
     * parts): the three parts' evidence adds up to the whole's, the ratios within float rounding.
     */
    @Test
    void threePartsOfAScanAddUpToTheWhole(@TempDir Path dir) throws Exception {
        assumeTrue(Corpus.ifPresent().isPresent(), "no corpus");
        Path capture = Corpus.captures().resolve("nmap-syn-scan.pcap");
        String[] filters = {"tcp portrange 1-341", "tcp portrange 342-683",
                "tcp portrange 684-1024 or tcp port 5432 or tcp port 8080"};
        AnalyzerConfig config = Captures.config(DetectConfig.defaults());
        ScanEvidence whole = evidence(Captures.analyze(capture, config).sink()).get(0);
        long failed = 0;
        long answered = 0;
        long ports = 0;
        double ratio = 0;
        for (int i = 0; i < filters.length; i++) {
            Path part = dir.resolve("part" + i + ".pcap");
            Process p;
            try {
                p = new ProcessBuilder("tcpdump", "-r", capture.toString(), "-w", part.toString(), filters[i])
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            } catch (java.io.IOException e) {
                assumeTrue(false, "no tcpdump");
                return;
            }
            assertEquals(0, p.waitFor(), "tcpdump " + filters[i]);
            List<ScanEvidence> e = evidence(Captures.analyze(part, config).sink());
            assertEquals(1, e.size(), e.toString());
            failed += e.get(0).failed();
            answered += e.get(0).answered();
            ports += e.get(0).ports();
            ratio += e.get(0).logLikelihoodRatio();
            assertTrue(e.get(0).failed() > 300 && e.get(0).ports() > 300, e.toString());
        }
        assertEquals(whole.failed(), failed);
        assertEquals(whole.answered(), answered);
        assertEquals(whole.ports(), ports, "the parts' ports do not overlap");
        assertEquals(whole.logLikelihoodRatio(), ratio, 1e-9 * Math.abs(ratio));
    }

    @Test
    void benignTrafficGivesNoEvidence() throws Exception {
        assumeTrue(Corpus.ifPresent().isPresent(), "no corpus");
        for (String name : new String[] {"http-sessions.pcap", "dns-queries.pcap", "busy-client.pcap"}) {
            CollectingSink out = Captures.analyze(Corpus.captures().resolve(name),
                    Captures.config(DetectConfig.defaults())).sink();
            assertEquals(List.of(), evidence(out), name);
            assertTrue(out.alertsOf(Alert.Kind.PORT_SCAN).isEmpty(), name);
        }
    }

    @Test
    void aWindowReportsTheStrongestSourcesAtMostAsManyAsAsked() {
        Consumer<Wire> sources = w -> {
            // source i fails i times and is answered once (i = 1 to 30): strongest is 30
            for (int i = 1; i <= 30; i++) {
                String src = "10.9.8." + i;
                for (int port = 1; port <= i; port++) {
                    w.tcp(src, 40000, TARGET, port, SYN);
                    w.tcp(TARGET, port, src, 40000, RST | ACK);
                }
                w.tcp(src, 40001, TARGET, 80, SYN);
                w.tcp(TARGET, 80, src, 40001, SYN | ACK);
                w.advanceMillis(1);
            }
        };
        List<ScanEvidence> ten = evidence(ScanDetectionTest.run(DetectConfig.defaults().withScanEvidence(10), sources));
        assertEquals(10, ten.size());
        for (int k = 0; k < 10; k++) {
            assertEquals("10.9.8." + (30 - k), ten.get(k).source());
            assertEquals(30 - k, ten.get(k).failed());
            assertEquals(1, ten.get(k).answered());
        }
        List<ScanEvidence> all = evidence(ScanDetectionTest.run(sources));
        assertEquals(30, all.size(), "the default, 100; source 1's ratio is about 0, but it failed");
        assertEquals(List.of(), evidence(ScanDetectionTest.run(DetectConfig.defaults().withScanEvidence(0), sources)));
    }

    /**
     * Memory pressure: a scanner among many more sources than the table holds is evicted while it scans,
     * and its evidence still comes out, its parts added up.
     */
    @Test
    void anEvictedScannerStillReportsItsEvidence() {
        DetectConfig small = DetectConfig.defaults().withMaxStateBytes(1 << 20);
        CollectingSink out = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(Captures.config(small), "pressure", out);
        Consumer<Wire> traffic = w -> {
            for (int round = 0; round < 4; round++) {
                for (int port = 1 + 25 * round; port <= 25 * (round + 1); port++) {
                    ScanDetectionTest.probe(w, TARGET, port, SYN, false);
                }
                for (int c = 0; c < 1_000; c++) { // then 1,000 benign clients, one exchange each
                    String client = "10.7." + (4 * round + c / 250) + "." + (c % 250);
                    w.tcp(client, 40000, "10.0.0.80", 80, SYN);
                    w.tcp("10.0.0.80", 80, client, 40000, SYN | ACK);
                }
            }
        };
        traffic.accept(new Wire(a));
        a.finish();
        assertTrue(a.detection().stats().evictions() > 1_000, "evictions: " + a.detection().stats());
        List<ScanEvidence> e = evidence(out);
        assertEquals(1, e.size(), e.toString());
        assertEquals(SCANNER, e.get(0).source());
        assertEquals(100, e.get(0).failed());
        assertEquals(100, e.get(0).ports(), "the parts' ports added up");
        assertEquals(EvidenceTable.ratio(100, 0), e.get(0).logLikelihoodRatio());
    }
}
