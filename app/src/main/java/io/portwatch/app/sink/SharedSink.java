package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Record;
import io.portwatch.analysis.output.RecordSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Lets several analyses, each on its own thread, write into one sink that is not thread-safe (as
 * {@code read --separate} does with several files). Each analysis writes to a {@linkplain #lane() lane}
 * of its own. A lane holds its analysis's flows and alerts and hands them over with the window, summary
 * or flush that follows them, in one step under one lock: each input's records keep their order and
 * come as blocks, the records of different inputs interleave only between those blocks, and a table
 * prints an input's flows and alerts under that input's window. A lane holding {@value #MAX_HELD}
 * records hands them over, and flushes the target, without waiting for the window.
 *
 * <p>A failure of the target (a closed pipe, a full disk) is thrown to the lane that met it and to
 * every later call of every lane, so that every analysis stops at its next hand-over.
 */
public final class SharedSink {

    /** Flows and alerts a lane holds at most. */
    public static final int MAX_HELD = 1000;

    private static final Object FLUSH = new Object();

    private final RecordSink target;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private RuntimeException failure;

    /** @param target the sink that writes; called by one lane at a time */
    public SharedSink(RecordSink target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** A sink for one analysis, to be called by one thread at a time. */
    public RecordSink lane() {
        return new Lane();
    }

    /** The failure of the target that stopped the lanes, or null. */
    public RuntimeException failure() {
        synchronized (lock) {
            return failure;
        }
    }

    private final class Lane extends PassingSink {

        private final List<Object> held = new ArrayList<>();

        /** Flows and alerts wait for the window or summary that follows them. */
        @Override
        protected void pass(Record record) {
            if (record instanceof FlowRecord || record instanceof Alert) {
                hold(record);
            } else {
                handOver(record);
            }
        }

        @Override
        public void flush() {
            handOver(FLUSH);
        }

        private void hold(Object r) {
            held.add(r);
            if (held.size() >= MAX_HELD) {
                handOver(FLUSH);
            }
        }

        private void handOver(Object last) {
            synchronized (lock) {
                try {
                    if (failure != null) {
                        throw failure;
                    }
                    try {
                        for (Object r : held) {
                            Records.deliver(target, r);
                        }
                        Records.deliver(target, last);
                    } catch (RuntimeException e) {
                        failure = e;
                        throw e;
                    }
                } finally {
                    held.clear();
                }
            }
        }
    }
}
