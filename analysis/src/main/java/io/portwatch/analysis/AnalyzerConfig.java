package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.capture.flow.FlowConfig;

/**
 * How a {@link TrafficAnalyzer} cuts and reports traffic.
 *
 * @param intervalNanos tumbling window length aligned on packet time; 0 makes one window of the input
 * @param flows         flow table limits and timeouts
 * @param emitFlows     send a record per finished flow to the sink
 * @param detect        security detectors (scans, floods, services, policy), or null for none
 */
public record AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect) {

    public AnalyzerConfig {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("interval must not be negative");
        }
    }

    /** Without detectors. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows) {
        this(intervalNanos, flows, emitFlows, null);
    }

    public static AnalyzerConfig defaults() {
        return new AnalyzerConfig(0, FlowConfig.defaults(), false);
    }

    /** This configuration with these detectors (null: none). */
    public AnalyzerConfig withDetection(DetectConfig d) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, d);
    }
}
