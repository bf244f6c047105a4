package io.portwatch.app.sink;

import io.portwatch.analysis.output.Record;
import io.portwatch.analysis.output.RecordSink;

/** Records held as objects (in a queue or a lane) and handed to a sink later. */
final class Records {

    private Records() {
    }

    /** Hands {@code held} to {@code target}: a record to the method of its kind; anything else is a flush. */
    static void deliver(RecordSink target, Object held) {
        if (held instanceof Record r) {
            target.accept(r);
        } else {
            target.flush();
        }
    }
}
