package io.portwatch.app.metrics;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Keeps every record it is handed, and can run something on each window (e.g. scrape). */
final class RecordingSink implements RecordSink {
    final List<WindowReport> windows = new ArrayList<>();
    final List<FlowRecord> flows = new ArrayList<>();
    final List<Alert> alerts = new ArrayList<>();
    final List<Summary> summaries = new ArrayList<>();
    int flushes;
    boolean closed;
    private final Consumer<WindowReport> onWindow;

    RecordingSink() {
        this(w -> { });
    }

    RecordingSink(Consumer<WindowReport> onWindow) {
        this.onWindow = onWindow;
    }

    @Override
    public void window(WindowReport report) {
        windows.add(report);
        onWindow.accept(report);
    }

    @Override
    public void flow(FlowRecord flow) {
        flows.add(flow);
    }

    @Override
    public void alert(Alert alert) {
        alerts.add(alert);
    }

    @Override
    public void summary(Summary summary) {
        summaries.add(summary);
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close() {
        closed = true;
    }
}
