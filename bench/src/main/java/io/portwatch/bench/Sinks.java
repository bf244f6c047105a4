package io.portwatch.bench;

import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

/** Record sinks for measurements. */
final class Sinks {

    private Sinks() {
    }

    /** Drops every record (keeps the last summary). */
    static Last discard() {
        return new Last();
    }

    /** Keeps only the last summary, and counts the port records of the windows. */
    static class Last implements RecordSink {
        Summary summary;
        private long ports;

        @Override
        public void window(WindowReport report) {
            ports += report.ports().size();
        }

        /** Port records of the windows so far. */
        long ports() {
            return ports;
        }

        @Override
        public void flow(FlowRecord flow) {
        }

        @Override
        public void summary(Summary s) {
            summary = s;
        }
    }
}
