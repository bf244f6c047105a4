package io.portwatch.analysis;

import io.portwatch.capture.flow.FlowConfig;

/**
 * How a {@link TrafficAnalyzer} cuts and reports traffic.
 *
 * @param intervalNanos tumbling window length aligned on packet time; 0 makes one window of the input
 * @param flows         flow table limits and timeouts
 * @param emitFlows     send a record per finished flow to the sink
 */
public record AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows) {

    public AnalyzerConfig {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("interval must not be negative");
        }
    }

    public static AnalyzerConfig defaults() {
        return new AnalyzerConfig(0, FlowConfig.defaults(), false);
    }
}
