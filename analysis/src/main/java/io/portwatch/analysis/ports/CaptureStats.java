package io.portwatch.analysis.ports;

/**
 * What the capture itself saw in a window of a live capture (libpcap's statistics, as deltas over the
 * window). Immutable.
 *
 * @param received           packets the capture received (before any drop by portwatch's filter)
 * @param droppedByKernel    packets the kernel dropped because portwatch's buffer was full
 * @param droppedByInterface packets the network interface or its driver dropped
 */
public record CaptureStats(long received, long droppedByKernel, long droppedByInterface) {

    /** The difference this - earlier, for counters libpcap reports as totals since the start. */
    public CaptureStats minus(CaptureStats earlier) {
        return new CaptureStats(received - earlier.received, droppedByKernel - earlier.droppedByKernel,
                droppedByInterface - earlier.droppedByInterface);
    }
}
