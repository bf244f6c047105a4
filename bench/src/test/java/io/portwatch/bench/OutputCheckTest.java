package io.portwatch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.app.sink.JsonLinesSink;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureFileSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check bench/run makes: portwatch's JSON lines (written by its own sink) read back and compared
 * with the generator's counts; and the flood's accounting of evicted flows.
 */
class OutputCheckTest {

    private static final GeneratorConfig CFG = new GeneratorConfig(30_000, 5, 3_000, 30_000, 128, 0.2, 0.2, 4, 300);

    @TempDir
    Path dir;

    @Test
    void portwatchsJsonLinesAgreeWithTheExpectedCounts() throws Exception {
        Path pcap = dir.resolve("c.pcap");
        GenerateCapture.write(CFG, pcap);
        Path jsonl = runPortwatchJson(pcap, 0);
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        TrafficCounts actual = TrafficCounts.fromJsonLines(jsonl);
        assertEquals(1, actual.windows);
        TrafficCounts.Comparison c = TrafficCounts.compare(expected, actual);
        assertTrue(c.agrees(), () -> String.join("\n", c.differences()));
        assertEquals(expected.ports().size(), c.portsCompared());
    }

    @Test
    void overSeveralWindowsTheAdditiveCountsStillAgree() throws Exception {
        Path pcap = dir.resolve("w.pcap");
        GenerateCapture.write(CFG, pcap);
        Path jsonl = runPortwatchJson(pcap, 100_000_000L); // 100 ms windows over a 1-second capture
        TrafficCounts actual = TrafficCounts.fromJsonLines(jsonl);
        assertTrue(actual.windows > 5, actual.windows + " windows");
        TrafficCounts expected = TrafficCounts.readExpected(GenerateCapture.expectedPath(pcap));
        // flows are counted in the window they start in: the sums over windows are the totals
        TrafficCounts.Comparison c = TrafficCounts.compare(expected, actual);
        assertTrue(c.agrees(), () -> String.join("\n", c.differences()));
        assertTrue(actual.ports().values().stream().allMatch(p -> p.uniqueClients == -1));
    }

    @Test
    void outputWithoutASummaryIsRefused() throws Exception {
        Path pcap = dir.resolve("t.pcap");
        GenerateCapture.write(CFG.withPackets(2_000), pcap);
        Path jsonl = runPortwatchJson(pcap, 0);
        List<String> lines = Files.readAllLines(jsonl);
        Files.write(jsonl, lines.subList(0, lines.size() - 1));
        IOException e = assertThrows(IOException.class, () -> TrafficCounts.fromJsonLines(jsonl));
        assertTrue(e.getMessage().contains("no summary record"), e.getMessage());
        assertThrows(IOException.class, () -> TrafficCounts.readExpected(jsonl));
    }

    @Test
    void aFloodBeyondTheTableLimitEvictsAndCountsEveryFlow() {
        assertTrue(FlowFlood.run(300_000, 20_000));
    }

    private Path runPortwatchJson(Path pcap, long intervalNanos) throws Exception {
        Path out = dir.resolve(pcap.getFileName() + "-" + intervalNanos + ".jsonl");
        try (OutputStream o = Files.newOutputStream(out)) {
            JsonLinesSink sink = new JsonLinesSink(o, "test", 0);
            TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(intervalNanos, FlowConfig.defaults(), false),
                    pcap.toString(), sink);
            try (CaptureFileSource s = CaptureFileSource.open(pcap.toString())) {
                s.run(a);
            }
            a.finish();
            sink.close();
        }
        return out;
    }
}
