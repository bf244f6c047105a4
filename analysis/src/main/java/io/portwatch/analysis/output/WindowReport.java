package io.portwatch.analysis.output;

import io.portwatch.capture.source.CaptureStats;

import java.util.ArrayList;
import java.util.List;

/**
 * One closed window: per-port statistics, busiest ports (by packets) first. Immutable.
 *
 * @param input       the capture input(s) the window covers
 * @param startNanos  window start, ns since the epoch (inclusive)
 * @param endNanos    window end, ns since the epoch (exclusive)
 * @param ports       per (transport, server port) statistics, busiest first
 * @param packets       all frames in the window, whatever they carried
 * @param bytes         IP-layer bytes of all IP frames in the window
 * @param activeFlows   flows tracked at the end of the window
 * @param decodeErrors  frames of the window that could not be decoded
 * @param capture       the capture's own counters over the window (live captures), or null
 * @param outputDropped records the output dropped so far because it fell behind (set by the output)
 * @param services      the exposed services seen in the window (when the detectors run), in the order first
 *                      seen in it
 * @param scanEvidence  the sources whose first contacts failed in the window (when the detectors run), the
 *                      strongest evidence first, at most as many as the detectors are told to report
 * @param memoryLimited the ports whose per-port structures ran short of memory in the window
 *                      ({@link MemoryLimited#NONE} when none did)
 * @param allowedAlerts the alerts of the window an allow-list held back, or null when the detectors have no
 *                      allow-list
 */
public record WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports,
                           long packets, long bytes, long activeFlows, long decodeErrors, CaptureStats capture,
                           long outputDropped, List<ServiceStats> services, List<ScanEvidence> scanEvidence,
                           MemoryLimited memoryLimited, AllowedAlerts allowedAlerts)
        implements Record {
    public WindowReport {
        ports = busiestFirst(ports);
        services = List.copyOf(services);
        scanEvidence = List.copyOf(scanEvidence);
        if (memoryLimited == null) {
            memoryLimited = MemoryLimited.NONE;
        }
    }

    /** A window of detectors without an allow-list. */
    public WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports, long packets, long bytes,
                        long activeFlows, long decodeErrors, CaptureStats capture, long outputDropped,
                        List<ServiceStats> services, List<ScanEvidence> scanEvidence, MemoryLimited memoryLimited) {
        this(input, startNanos, endNanos, ports, packets, bytes, activeFlows, decodeErrors, capture, outputDropped,
                services, scanEvidence, memoryLimited, null);
    }

    /** A window whose ports had the memory they needed. */
    public WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports, long packets, long bytes,
                        long activeFlows, long decodeErrors, CaptureStats capture, long outputDropped,
                        List<ServiceStats> services, List<ScanEvidence> scanEvidence) {
        this(input, startNanos, endNanos, ports, packets, bytes, activeFlows, decodeErrors, capture, outputDropped,
                services, scanEvidence, MemoryLimited.NONE);
    }

    /** A window without scan evidence. */
    public WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports, long packets, long bytes,
                        long activeFlows, long decodeErrors, CaptureStats capture, long outputDropped,
                        List<ServiceStats> services) {
        this(input, startNanos, endNanos, ports, packets, bytes, activeFlows, decodeErrors, capture, outputDropped,
                services, List.of());
    }

    /** A window without services. */
    public WindowReport(String input, long startNanos, long endNanos, List<PortStats> ports, long packets, long bytes,
                        long activeFlows, long decodeErrors, CaptureStats capture, long outputDropped) {
        this(input, startNanos, endNanos, ports, packets, bytes, activeFlows, decodeErrors, capture, outputDropped,
                List.of(), List.of());
    }

    /** The ports, busiest first ({@link PortStats#BUSIEST_FIRST}); copied only when not in that order. */
    private static List<PortStats> busiestFirst(List<PortStats> ports) {
        for (int i = 1; i < ports.size(); i++) {
            if (PortStats.BUSIEST_FIRST.compare(ports.get(i - 1), ports.get(i)) > 0) {
                List<PortStats> sorted = new ArrayList<>(ports);
                sorted.sort(PortStats.BUSIEST_FIRST);
                return List.copyOf(sorted);
            }
        }
        return List.copyOf(ports);
    }

    /** The {@code n} busiest ports (all of them when {@code n} is 0), as {@code --top} shows them. */
    public List<PortStats> top(int n) {
        return n == 0 || n >= ports.size() ? ports : ports.subList(0, n);
    }

    /** This report with the output's drop count. */
    public WindowReport withOutputDropped(long dropped) {
        return new WindowReport(input, startNanos, endNanos, ports, packets, bytes, activeFlows, decodeErrors,
                capture, dropped, services, scanEvidence, memoryLimited, allowedAlerts);
    }
}
