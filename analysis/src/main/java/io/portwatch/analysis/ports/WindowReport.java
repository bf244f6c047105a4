package io.portwatch.analysis.ports;

import java.util.List;

/**
 * One closed window: per-port statistics, busiest ports (by packets) first. Immutable.
 *
 * @param input       the capture input(s) the window covers
 * @param startNanos  window start, ns since the epoch (inclusive)
 * @param endNanos    window end, ns since the epoch (exclusive)
 * @param ports       per (transport, server port) statistics, busiest first
 * @param packets     all frames in the window, whatever they carried
 * @param bytes       IP-layer bytes of all IP frames in the window
 */
public record WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports,
                           long packets, long bytes) {
    public WindowReport {
        ports = List.copyOf(ports);
    }
}
