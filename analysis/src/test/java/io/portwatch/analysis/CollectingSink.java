package io.portwatch.analysis;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Keeps every record it is handed, in order, and counts flushes and the close: the one recording sink
 * of the tests (app's and bench's take it from analysis's test jar). A test that needs more (a slow
 * sink, one that checks its thread) extends it. Not thread-safe: read it once the analysis is over,
 * or on the thread that feeds it.
 */
public class CollectingSink implements RecordSink {
    public final List<WindowReport> windows = new ArrayList<>();
    public final List<FlowRecord> flows = new ArrayList<>();
    public final List<Summary> summaries = new ArrayList<>();
    public final List<Alert> alerts = new ArrayList<>();
    /** Every record, in the order the analyzer sent it. */
    public final List<Object> records = new ArrayList<>();
    /** Calls of {@link #flush} (a close does not count as one). */
    public int flushes;
    public boolean closed;

    @Override
    public void window(WindowReport report) {
        windows.add(report);
        records.add(report);
    }

    @Override
    public void flow(FlowRecord flow) {
        flows.add(flow);
        records.add(flow);
    }

    @Override
    public void alert(Alert alert) {
        alerts.add(alert);
        records.add(alert);
    }

    @Override
    public void summary(Summary summary) {
        summaries.add(summary);
        records.add(summary);
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The alerts of one kind, in order. */
    public List<Alert> alertsOf(Alert.Kind kind) {
        return alerts.stream().filter(a -> a.kind() == kind).collect(Collectors.toList());
    }

    /** For each window record, in order: how many alerts came before it. */
    public List<Integer> alertsBeforeEachWindow() {
        List<Integer> counts = new ArrayList<>();
        int seen = 0;
        for (Object r : records) {
            if (r instanceof Alert) {
                seen++;
            } else if (r instanceof WindowReport) {
                counts.add(seen);
            }
        }
        return counts;
    }

    /** Per-port statistics summed over all windows, keyed "tcp/8080". */
    public Map<String, long[]> portTotals() {
        Map<String, long[]> m = new HashMap<>();
        for (WindowReport w : windows) {
            for (PortStats p : w.ports()) {
                long[] t = m.computeIfAbsent(p.transport().key() + "/" + p.port(), k -> new long[4]);
                t[0] += p.flows();
                t[1] += p.packets();
                t[2] += p.bytes();
                t[3] += p.uniqueClients();
            }
        }
        return m;
    }

    /** The alerts, one a line, for assertion messages. */
    @Override
    public String toString() {
        return alerts.stream().map(CollectingSink::describe).collect(Collectors.joining("\n  ", "alerts:\n  ", ""));
    }

    /** One line for an alert: kind, source -> target, transport/port, severity, details. */
    public static String describe(Alert a) {
        return a.kind().key() + " " + a.source() + " -> " + a.target() + " " + (a.transport() == null ? null : a.transport().key()) + "/" + a.port() + " "
                + a.severity().key() + " " + a.details();
    }
}
