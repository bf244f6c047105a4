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

    /** Keeps only the last summary. */
    static final class Last implements RecordSink {
        Summary summary;

        @Override
        public void window(WindowReport report) {
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
