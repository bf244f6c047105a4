package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The detectors on real captures: what the shared corpus's {@code labels.json} says must and must not
 * be reported, and the project's own sample capture (an nmap SYN scan of ports 1-100 among benign
 * traffic). Port counts are checked against tshark's reading of the same capture when it is installed.
 */
class CorpusLabelsTest {

    @TestFactory
    Stream<DynamicTest> labels() throws IOException {
        Path dir = Corpus.captures();
        JsonNode labels = new ObjectMapper().readTree(Corpus.file("captures", "labels.json").toFile()).get("captures");
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path capture = dir.resolve(e.getKey());
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(capture, e.getValue())));
        }
        assertFalse(tests.isEmpty(), "labels.json names no capture");
        return tests.stream();
    }

    private void check(Path capture, JsonNode label) throws Exception {
        CollectingSink out = Captures.analyze(capture, Captures.config(DetectConfig.defaults())).sink();
        for (JsonNode must : label.path("must_report")) {
            String kind = must.get("kind").asText();
            String source = must.get("source").asText();
            String target = must.get("target").asText();
            List<Alert> found = out.alerts.stream().filter(a -> a.kind().key().equals(kind)
                    && source.equals(a.source()) && target.equals(a.target())).toList();
            assertEquals(1, found.size(), capture.getFileName() + ": one " + kind + " " + source + " -> " + target
                    + " expected; " + out);
            if (kind.equals("port_scan")) {
                checkAgainstTshark(capture, found.get(0));
            }
        }
        if (label.path("must_report").size() > 0) {
            // a scan is one alert per scanner and target, and a scan is no flood
            assertEquals(label.path("must_report").size(), out.alertsOf(Alert.Kind.PORT_SCAN).size(), out.toString());
            assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
        }
        for (JsonNode not : label.path("must_not_report")) {
            String kind = not.asText();
            assertTrue(out.alerts.stream().noneMatch(a -> a.kind().key().equals(kind)),
                    capture.getFileName() + ": no " + kind + " expected; " + out);
        }
    }

    @Test
    void sampleCaptureHasExactlyOneScan() throws Exception {
        Path sample = Captures.sample();
        assumeTrue(Files.exists(sample), "src/samples/sample.pcap not found");
        CollectingSink out = Captures.analyze(sample, Captures.config(DetectConfig.defaults())).sink();
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(1, scans.size(), out.toString());
        Alert scan = scans.get(0);
        assertEquals("127.77.0.66", scan.source());
        assertEquals("127.77.0.10", scan.target());
        assertEquals(Transport.TCP, scan.transport());
        assertEquals("vertical", scan.details().get("method"));
        assertEquals("syn", scan.details().get("scan_type"));
        assertEquals(100, scan.details().get("failed_ports"), "make-sample.sh scans ports 1-100, all closed");
        assertEquals(List.of("tcp/1", "tcp/100"), scan.details().get("port_range"));
        assertEquals(List.of(), scan.details().get("open_ports"));
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
        checkAgainstTshark(sample, scan);
    }

    /**
     * Issue 20: the exact port counts of the corpus's scans, as its README describes them, whether or not
     * tshark is installed: nmap -sS over ports 1-1024, 5432 and 8080 (three open), nmap -sT -sV over ports
     * 1-200, 5432 and 8080; every port probed counts, the open ones found before the first failure too.
     */
    @Test
    void corpusScansCountEveryPortProbed() throws Exception {
        for (String[] c : new String[][] {{"nmap-syn-scan.pcap", "127.0.0.66", "1026"},
                {"nmap-connect-scan.pcap", "127.0.0.1", "202"}}) {
            CollectingSink out = Captures.analyze(Corpus.file("captures", c[0]),
                    Captures.config(DetectConfig.defaults())).sink();
            Alert scan = out.alertsOf(Alert.Kind.PORT_SCAN).stream().filter(a -> c[1].equals(a.source()))
                    .findFirst().orElseThrow(() -> new AssertionError(c[0] + ": no scan from " + c[1] + "; " + out));
            assertEquals(Integer.parseInt(c[2]), scan.details().get("ports"), c[0] + ": " + scan);
            @SuppressWarnings("unchecked")
            List<String> open = (List<String>) scan.details().get("open_ports");
            assertEquals(Integer.parseInt(c[2]) - open.size(), scan.details().get("failed_ports"), c[0] + ": " + scan);
            assertTrue(open.contains("tcp/8080"), c[0] + ": " + scan);
        }
    }

    /** The alert's port counts equal what tshark reads: SYNs from source to target, SYN+ACKs back. */
    private static void checkAgainstTshark(Path capture, Alert scan) throws Exception {
        List<Integer> probed = Tshark.ports(capture, "ip.src==" + scan.source() + " && ip.dst==" + scan.target()
                + " && tcp.flags.syn==1 && tcp.flags.ack==0", "tcp.dstport");
        if (probed == null) {
            return; // tshark is not installed
        }
        List<Integer> open = Tshark.ports(capture, "ip.src==" + scan.target() + " && ip.dst==" + scan.source()
                + " && tcp.flags.syn==1 && tcp.flags.ack==1", "tcp.srcport");
        assertEquals(probed.size(), scan.details().get("ports"), "distinct ports probed, as tshark reads them");
        assertEquals(probed.size() - open.size(), scan.details().get("failed_ports"), "ports that did not answer SYN+ACK");
        assertEquals(open.subList(0, Math.min(50, open.size())).stream().map(p -> "tcp/" + p).toList(),
                scan.details().get("open_ports"));
        assertEquals(List.of("tcp/" + probed.get(0), "tcp/" + probed.get(probed.size() - 1)),
                scan.details().get("port_range"));
    }
}
