package io.portwatch.app.sink.ipfix;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

/**
 * Exports every flow record over IPFIX and hands the records on to the other outputs: flows only when
 * they asked for them ({@code --flows}; the analysis emits flows for IPFIX either way), window records
 * with the IPFIX records lost so far added to their {@code output_dropped}. It stands first among the
 * outputs, behind the hand-off to the output thread ({@code QueuedSink}), so export never runs on a
 * capture thread and never changes what the other outputs show.
 */
public final class IpfixSink implements RecordSink {

    private final RecordSink next;
    private final IpfixExporter exporter;
    private final boolean passFlows;

    /**
     * @param next      the other outputs
     * @param exporter  the export, closed with this sink
     * @param passFlows whether flow records go on to {@code next} too
     */
    public IpfixSink(RecordSink next, IpfixExporter exporter, boolean passFlows) {
        this.next = next;
        this.exporter = exporter;
        this.passFlows = passFlows;
    }

    @Override
    public void flow(FlowRecord flow) {
        exporter.export(flow);
        if (passFlows) {
            next.flow(flow);
        }
    }

    @Override
    public void window(WindowReport report) {
        exporter.flush(); // the window's flows leave now, not with the next window's
        long lost = exporter.lost();
        next.window(lost == 0 ? report : report.withOutputDropped(report.outputDropped() + lost));
    }

    @Override
    public void alert(Alert alert) {
        next.alert(alert);
    }

    @Override
    public void summary(Summary summary) {
        exporter.flush();
        next.summary(summary);
    }

    @Override
    public void flush() {
        exporter.flush();
        next.flush();
    }

    @Override
    public void close() {
        try {
            exporter.close();
        } finally {
            next.close();
        }
    }
}
