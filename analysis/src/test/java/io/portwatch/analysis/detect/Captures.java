package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.PacketSource;

import java.nio.file.Path;

/** Where the test captures are, and running one through an analyzer with detection on. */
final class Captures {
    private Captures() {
    }

    /** The project's own sample capture. */
    static Path sample() {
        return Path.of(System.getProperty("portwatch.root", "."), "src", "samples", "sample.pcap");
    }

    static AnalyzerConfig config(DetectConfig d) {
        return new AnalyzerConfig(0, FlowConfig.defaults(), false, d);
    }

    /** Analyses a capture file with the pure-Java reader. */
    static Result analyze(Path capture, AnalyzerConfig config) throws CaptureException {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(config, capture.getFileName().toString(), sink);
        try (PacketSource src = CaptureFileSource.open(capture.toString())) {
            src.run(a);
        }
        a.finish();
        return new Result(sink, a);
    }

    record Result(CollectingSink sink, TrafficAnalyzer analyzer) {
    }
}
