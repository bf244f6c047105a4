package io.portwatch.app.web;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureFileSource;

import java.nio.file.Path;

/** Runs a capture file through the analysis into a {@link WebSink}, as {@code read --report} does. */
final class Analysis {

    private Analysis() {
    }

    static WebModel read(Path file, long intervalNanos, WebModel.Limits limits) throws Exception {
        WebModel model = new WebModel(limits, "report", "test", intervalNanos);
        WebSink sink = new WebSink(model, "test", true);
        AnalyzerConfig config = new AnalyzerConfig(intervalNanos, FlowConfig.defaults(), false, DetectConfig.defaults());
        TrafficAnalyzer a = new TrafficAnalyzer(config, file.toString(), sink);
        try (CaptureFileSource source = CaptureFileSource.open(file.toString())) {
            source.run(a);
        }
        a.finish();
        sink.close();
        return model;
    }
}
