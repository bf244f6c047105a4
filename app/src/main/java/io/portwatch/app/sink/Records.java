package io.portwatch.app.sink;

import io.portwatch.analysis.detect.Alert;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.WindowReport;
import io.portwatch.capture.flow.FlowRecord;

/** Records held as objects (in a queue or a lane) and handed to a sink later. */
final class Records {

    private Records() {
    }

    /** Calls the method of {@code target} that takes {@code record}; anything else is a flush. */
    static void deliver(RecordSink target, Object record) {
        if (record instanceof WindowReport w) {
            target.window(w);
        } else if (record instanceof FlowRecord f) {
            target.flow(f);
        } else if (record instanceof Alert a) {
            target.alert(a);
        } else if (record instanceof Summary s) {
            target.summary(s);
        } else {
            target.flush();
        }
    }
}
