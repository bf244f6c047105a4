package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live windows report the capture's own counters as their change over the window, the first window
 * from zero: packets the capture received before the analyzer was set up wait in its buffer and are
 * counted by the analyzer, so they belong to its first window (a baseline read at set-up would leave
 * them out, and a window could report fewer packets received than it counted).
 */
class CaptureStatsTest {

    @Test
    void theFirstWindowCountsFromTheCapturesStart() throws Exception {
        Path sample = Path.of(System.getProperty("portwatch.root", "."), "src", "samples", "sample.pcap");
        assumeTrue(Files.isRegularFile(sample), "sample capture not found: " + sample);
        for (boolean thread : new boolean[] {false, true}) {
            CollectingSink out = new CollectingSink();
            TrafficAnalyzer a = new TrafficAnalyzer(AnalyzerConfig.defaults().withDetection(DetectConfig.defaults()).withDetectionThread(thread), "live", out);
            AtomicReference<CaptureStats> kernel = new AtomicReference<>(new CaptureStats(40, 2, 0)); // before set-up
            a.captureStats(kernel::get);
            try (PacketSource src = CaptureFileSource.open(sample.toString())) {
                src.run(a);
            }
            kernel.set(new CaptureStats(40 + 569, 3, 0));
            a.finish();
            assertEquals(1, out.windows.size());
            WindowReport w = out.windows.get(0);
            assertEquals(569, w.packets());
            assertEquals(new CaptureStats(609, 3, 0), w.capture(), "detection thread " + thread);
        }
    }
}
