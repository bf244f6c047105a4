package io.portwatch.analysis.output;

import io.portwatch.analysis.detect.Alert;
import io.portwatch.analysis.ports.WindowReport;
import io.portwatch.capture.flow.FlowRecord;

/**
 * Where the analysis sends its records: stdout, Kafka, a test's list. Called on the analysis thread
 * (a sink that does I/O that may block must hand records over to a thread of its own).
 */
public interface RecordSink extends AutoCloseable {

    /** A window closed. */
    void window(WindowReport report);

    /** A flow finished (only when flow records were asked for). */
    void flow(FlowRecord flow);

    /** A detector raised an alert. */
    default void alert(Alert alert) {
    }

    /** An analysis run ended. */
    void summary(Summary summary);

    /** Flushes what is buffered. */
    default void flush() {
    }

    @Override
    default void close() {
        flush();
    }
}
