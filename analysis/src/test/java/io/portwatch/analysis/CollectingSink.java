package io.portwatch.analysis;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keeps every record, for tests. */
public class CollectingSink implements RecordSink {
    public final List<WindowReport> windows = new ArrayList<>();
    public final List<FlowRecord> flows = new ArrayList<>();
    public final List<Summary> summaries = new ArrayList<>();
    public final List<Alert> alerts = new ArrayList<>();
    /** Every record, in the order the analyzer sent it. */
    public final List<Object> records = new ArrayList<>();

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

    /** Per-port statistics summed over all windows, keyed "tcp/8080". */
    public Map<String, long[]> portTotals() {
        Map<String, long[]> m = new HashMap<>();
        for (WindowReport w : windows) {
            for (PortStats p : w.ports()) {
                long[] t = m.computeIfAbsent(p.transport() + "/" + p.port(), k -> new long[4]);
                t[0] += p.flows();
                t[1] += p.packets();
                t[2] += p.bytes();
                t[3] += p.uniqueClients();
            }
        }
        return m;
    }
}
