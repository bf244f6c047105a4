package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Record;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

/**
 * A sink that passes records on, whatever their kind (to a queue, a lane, other sinks): every record comes
 * to {@link #pass}, and a target takes it back with {@link RecordSink#accept}. The one place the kinds of
 * record are told apart for such sinks.
 */
abstract class PassingSink implements RecordSink {

    /** A record of any kind, in the order they came. */
    protected abstract void pass(Record record);

    @Override
    public void window(WindowReport report) {
        pass(report);
    }

    @Override
    public void flow(FlowRecord flow) {
        pass(flow);
    }

    @Override
    public void alert(Alert alert) {
        pass(alert);
    }

    @Override
    public void summary(Summary summary) {
        pass(summary);
    }
}
