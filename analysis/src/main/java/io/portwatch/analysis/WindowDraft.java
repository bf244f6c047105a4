package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.PortPeers;
import io.portwatch.analysis.ports.PortTable;
import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.analysis.talkers.WindowTalkers;
import io.portwatch.capture.source.CaptureStats;

import java.util.List;

/**
 * A closed window but for its ports' distinct clients and servers, which the thread that owns the
 * {@link PortPeers} adds: the packet thread, or the detection stage's; that thread also folds the ports' top
 * talkers ({@code topTalkers} of each kind a port; null when they are off), from which the window's services
 * get their packets and bytes. {@code openedAt} is the stamp of what opened the window on a thread with a share
 * of a capture (see {@link DetectionEvents#STAMP}), so that the window's drafts of several threads take the
 * start of the one that opened first; else unused.
 */
record WindowDraft(String input, long start, long end, PortTable.Counts counts, long packets, long bytes,
                   long activeFlows, long decodeErrors, CaptureStats capture, WindowTalkers talkers, int topTalkers,
                   long openedAt) {

    WindowDraft(String input, long start, long end, PortTable.Counts counts, long packets, long bytes,
                long activeFlows, long decodeErrors, CaptureStats capture, WindowTalkers talkers, int topTalkers) {
        this(input, start, end, counts, packets, bytes, activeFlows, decodeErrors, capture, talkers, topTalkers, 0);
    }

    /**
     * The window's record, with the services the detectors saw in it, its scan evidence and the alerts an
     * allow-list held back in it (none without detectors: {@code detection} null); {@code peers} is cleared for
     * the next window.
     */
    WindowReport report(PortPeers peers, Detection detection) {
        PortTalkers folded = talkers == null ? null : talkers.fold();
        MemoryLimited limited = counts.memoryLimited(peers, folded);
        List<PortStats> ports = counts.stats(peers, folded, topTalkers);
        List<ServiceStats> services = detection != null ? counts.withTraffic(detection.takeWindowServices(), folded)
                : List.of();
        return new WindowReport(input, start, end, ports, packets, bytes, activeFlows, decodeErrors, capture, 0,
                services, detection != null ? detection.takeWindowEvidence() : List.of(), limited,
                detection != null ? detection.takeWindowAllowed() : null);
    }
}
