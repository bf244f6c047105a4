package io.portwatch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LibpcapFileSource;
import io.portwatch.capture.source.PacketSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's expected counts are what portwatch's analyzer computes on the generated capture,
 * read back from the file by the pure-Java reader (and by libpcap, where installed).
 */
class GeneratorTest {

    /** 50k packets, 5,000 sessions open at once: a few thousand flows over hundreds of ports. */
    private static final GeneratorConfig SMALL =
            new GeneratorConfig(50_000, 7, 5_000, 50_000, 128, 0.15, 0.10, 8, 1000);

    @TempDir
    Path dir;

    @Test
    void expectedCountsEqualTheAnalyzersOnTheGeneratedCapture() throws Exception {
        Path pcap = dir.resolve("small.pcap");
        TrafficCounts written = GenerateCapture.write(SMALL, pcap);
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        assertEquals(written.packets, expected.packets, "the JSON holds what the generator counted");
        assertEquals(SMALL.packets(), expected.packets);

        Collected run = analyze(CaptureFileSource.open(pcap.toString()), true);
        TrafficCounts.Comparison c = TrafficCounts.compare(expected, run.counts());
        assertTrue(c.agrees(), () -> String.join("\n", c.differences()));
        assertEquals(expected.ports().size(), c.portsCompared());

        // the capture exercises what it claims to: many ports, both transports, both IP versions, VLANs,
        // rejected and unanswered attempts, RST and FIN closes
        assertTrue(expected.ports().size() > 300, expected.ports().size() + " ports");
        assertTrue(expected.tcpPackets > 0 && expected.udpPackets > 0);
        assertTrue(((Number) generated(written, "ipv6_packets")).longValue() > 0);
        assertTrue(((Number) generated(written, "vlan_packets")).longValue() > 0);
        long rejected = 0;
        long unanswered = 0;
        long rst = 0;
        for (PortCounts p : expected.ports().values()) {
            rejected += p.rejected;
            unanswered += p.unanswered;
            rst += p.rst;
        }
        assertTrue(rejected > 0 && unanswered > 0 && rst > rejected, rejected + " " + unanswered + " " + rst);

        // one flow per session, none split by a timeout, each within a few seconds
        assertEquals(expected.flows, run.flows.size());
        double maxSpan = CaptureGenerator.MAX_SESSION_PACKETS * GeneratorConfig.MAX_GAP_FACTOR * SMALL.meanGapNanos();
        for (FlowRecord f : run.flows) {
            assertTrue(f.endReason() == EndReason.FIN || f.endReason() == EndReason.RST
                    || f.endReason() == EndReason.END_OF_INPUT, f.toString());
            assertTrue(f.endNanos() - f.startNanos() <= maxSpan, f.toString());
        }
    }

    @Test
    void libpcapReadsTheSameCounts() throws Exception {
        try {
            Libpcap.load();
        } catch (CaptureException e) {
            Assumptions.abort("libpcap is not installed: " + e.getMessage());
        }
        Path pcap = dir.resolve("libpcap.pcap");
        GenerateCapture.write(SMALL.withSeed(11), pcap);
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        Collected run = analyze(LibpcapFileSource.open(pcap.toString(), null), false);
        TrafficCounts.Comparison c = TrafficCounts.compare(expected, run.counts());
        assertTrue(c.agrees(), () -> String.join("\n", c.differences()));
    }

    @Test
    void distinctClientsBeyondTheExactLimitAreCheckedAsEstimates() throws Exception {
        // every session its own client host, all to one port: thousands of distinct clients there
        GeneratorConfig cfg = new GeneratorConfig(60_000, 3, 3_000, 60_000, 96, 0.5, 0.0, 1, 1);
        Path pcap = dir.resolve("one-port.pcap");
        GenerateCapture.write(cfg, pcap);
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        PortCounts https = expected.ports().get("tcp/443");
        assertEquals(1, expected.ports().size());
        assertTrue(https.uniqueClients > TrafficCounts.EXACT_DISTINCT_LIMIT, https.uniqueClients + " clients");
        assertEquals(https.flows, https.uniqueClients, "one session per client host");

        TrafficCounts.Comparison c = TrafficCounts.compare(expected, analyze(CaptureFileSource.open(pcap.toString()),
                false).counts());
        assertTrue(c.agrees(), () -> String.join("\n", c.differences()));
        assertEquals(1, c.estimates());
    }

    @Test
    void theSameSeedMakesTheSameBytesAndAnotherSeedOthers() throws Exception {
        GeneratorConfig cfg = SMALL.withPackets(20_000);
        Path a = dir.resolve("a/same.pcap");
        Path b = dir.resolve("b/same.pcap");
        Path c = dir.resolve("c/same.pcap");
        GenerateCapture.write(cfg, a);
        GenerateCapture.write(cfg, b);
        GenerateCapture.write(cfg.withSeed(8), c);
        assertArrayEquals(sha256(a), sha256(b));
        assertArrayEquals(sha256(GenerateCapture.expectedPath(a)), sha256(GenerateCapture.expectedPath(b)));
        assertFalse(java.util.Arrays.equals(sha256(a), sha256(c)));
        assertEquals(Files.size(a), 24 + 20_000L * 16 + frameBytes(a));
    }

    @Test
    void theComparisonFailsOnAnyDifference() throws Exception {
        Path pcap = dir.resolve("cmp.pcap");
        GenerateCapture.write(SMALL.withPackets(20_000), pcap);
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        TrafficCounts actual = analyze(CaptureFileSource.open(pcap.toString()), false).counts();
        assertTrue(TrafficCounts.compare(expected, actual).agrees());

        PortCounts https = actual.ports().get("tcp/443");
        https.bytesToClient += 1;
        List<String> d = TrafficCounts.compare(expected, actual).differences();
        assertEquals(List.of("tcp/443 bytes_to_client: expected " + (https.bytesToClient - 1) + ", portwatch "
                + https.bytesToClient + " (+1)"), d);
        https.bytesToClient -= 1;

        actual.ports().remove("udp/53");
        actual.flows -= 1;
        d = TrafficCounts.compare(expected, actual).differences();
        assertEquals(2, d.size(), d.toString());
        assertTrue(d.get(0).startsWith("summary flows"), d.toString());
        assertTrue(d.get(1).startsWith("udp/53: missing"), d.toString());
    }

    // ---------------------------------------------------------------- helpers

    private record Collected(List<WindowReport> windows, List<FlowRecord> flows, Summary summary) {
        TrafficCounts counts() {
            return TrafficCounts.fromReports(windows, summary);
        }
    }

    private static Collected analyze(PacketSource source, boolean flows) throws CaptureException {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), flows),
                source.name(), sink);
        try (source) {
            source.run(analyzer);
        }
        analyzer.finish();
        return new Collected(sink.windows, sink.flows, sink.summaries.get(sink.summaries.size() - 1));
    }

    private static Object generated(TrafficCounts counts, String key) {
        return ((java.util.Map<?, ?>) counts.info.get("generated")).get(key);
    }

    private static byte[] sha256(Path p) throws IOException, NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    /** Captured bytes of all records, read from the record headers. */
    private static long frameBytes(Path pcap) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(pcap))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        int p = 24;
        while (p < b.limit()) {
            int caplen = b.getInt(p + 8);
            assertTrue(caplen <= b.getInt(p + 12) && caplen <= 128);
            sum += caplen;
            p += 16 + caplen;
        }
        assertEquals(b.limit(), p);
        return sum;
    }
}
