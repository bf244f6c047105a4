package io.portwatch.app.sink;

import io.portwatch.analysis.output.Record;
import io.portwatch.analysis.output.RecordSink;

import java.util.List;

/**
 * Gives every record to several sinks in turn (standard output and Kafka). A failure of one sink is
 * thrown after the others had the record; closing closes them all and then throws the first failure.
 */
public final class TeeSink extends PassingSink {

    private final List<RecordSink> sinks;

    public TeeSink(List<RecordSink> sinks) {
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("no sinks");
        }
        this.sinks = List.copyOf(sinks);
    }

    private interface Call {
        void to(RecordSink s);
    }

    private void each(Call call) {
        RuntimeException first = null;
        for (RecordSink s : sinks) {
            try {
                call.to(s);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    protected void pass(Record record) {
        each(s -> s.accept(record));
    }

    @Override
    public void flush() {
        each(RecordSink::flush);
    }

    @Override
    public void close() {
        each(RecordSink::close);
    }
}
