package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Keeps the alerts (and counts the other records), for tests. */
final class AlertSink implements RecordSink {
    final List<Alert> alerts = new ArrayList<>();
    int windows;
    int summaries;
    /** Alerts received before each window record, in order: the sizes of {@link #alerts} then. */
    final List<Integer> alertsAtWindow = new ArrayList<>();
    /** The window records, in order. */
    final List<WindowReport> reports = new ArrayList<>();

    @Override
    public void window(WindowReport report) {
        windows++;
        reports.add(report);
        alertsAtWindow.add(alerts.size());
    }

    @Override
    public void flow(FlowRecord flow) {
    }

    @Override
    public void alert(Alert alert) {
        alerts.add(alert);
    }

    @Override
    public void summary(Summary summary) {
        summaries++;
    }

    List<Alert> of(Alert.Kind kind) {
        return alerts.stream().filter(a -> a.kind() == kind).collect(Collectors.toList());
    }

    @Override
    public String toString() {
        return alerts.stream().map(AlertSink::describe).collect(Collectors.joining("\n  ", "alerts:\n  ", ""));
    }

    static String describe(Alert a) {
        return a.kind().key() + " " + a.source() + " -> " + a.target() + " " + a.transport() + "/" + a.port() + " "
                + a.severity().key() + " " + a.details();
    }
}
