package io.portwatch.analysis;

import io.portwatch.capture.source.PacketSink;

/**
 * One capture's analysis as its reader sees it: frames in, then the end. A {@link TrafficAnalyzer} on the
 * reading thread, or a {@link PartitionedAnalyzer} that shares the flows out among several threads.
 */
public interface CaptureAnalysis extends PacketSink {

    /** Records a fault of an input (one line, naming it) for the summary. */
    void inputError(String message);

    /** Ends the capture: every flow and window ends, the summary goes out. Idempotent. */
    void finish();
}
