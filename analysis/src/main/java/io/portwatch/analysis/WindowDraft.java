package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.PortPeers;
import io.portwatch.analysis.ports.PortTable;
import io.portwatch.analysis.talkers.WindowTalkers;
import io.portwatch.capture.source.CaptureStats;

import java.util.List;

/**
 * A closed window but for its ports' distinct clients and servers, which the thread that owns the
 * {@link PortPeers} adds: the packet thread, or the detection stage's; that thread also folds the ports' top
 * talkers ({@code topTalkers} of each kind a port; null when they are off).
 */
record WindowDraft(String input, long start, long end, PortTable.Counts counts, long packets, long bytes,
                   long activeFlows, long decodeErrors, CaptureStats capture, WindowTalkers talkers, int topTalkers) {

    /**
     * The window's record, with the services the detectors saw in it and its scan evidence (none without
     * detectors: {@code detection} null); {@code peers} is cleared for the next window.
     */
    WindowReport report(PortPeers peers, Detection detection) {
        return new WindowReport(input, start, end, counts.stats(peers, talkers == null ? null : talkers.fold(), topTalkers), packets, bytes,
                activeFlows, decodeErrors, capture, 0,
                detection != null ? detection.takeWindowServices() : List.of(),
                detection != null ? detection.takeWindowEvidence() : List.of());
    }
}
