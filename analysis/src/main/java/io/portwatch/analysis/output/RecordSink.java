package io.portwatch.analysis.output;


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

    /**
     * Hands a record to the method that takes its kind: for sinks that hold records and pass them on
     * later. Per-port statistics travel inside their window, so a lone {@link PortStats} is not a record
     * a sink takes.
     */
    default void accept(Record record) {
        if (record instanceof WindowReport w) {
            window(w);
        } else if (record instanceof FlowRecord f) {
            flow(f);
        } else if (record instanceof Alert a) {
            alert(a);
        } else if (record instanceof Summary s) {
            summary(s);
        } else {
            throw new IllegalArgumentException("not a record a sink takes on its own: " + record);
        }
    }

    /** Flushes what is buffered. */
    default void flush() {
    }

    @Override
    default void close() {
        flush();
    }
}
