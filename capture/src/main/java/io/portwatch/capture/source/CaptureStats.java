package io.portwatch.capture.source;

/**
 * A capture's own counters ({@code pcap_stats} for libpcap): since it was opened, as the capture reports
 * them, or their change over a window ({@link #minus}), as window records carry them. On Linux
 * {@code received} counts the frames that passed the filter, including those dropped. Immutable.
 *
 * @param received           frames the kernel accepted for this capture ({@code ps_recv})
 * @param droppedByKernel    frames lost because the capture buffer was full ({@code ps_drop})
 * @param droppedByInterface frames the interface or its driver dropped ({@code ps_ifdrop}); not
 *                           every platform counts them
 */
public record CaptureStats(long received, long droppedByKernel, long droppedByInterface) {

    /** No frames yet. */
    public static final CaptureStats NONE = new CaptureStats(0, 0, 0);

    /** Frames lost before this program saw them, by the kernel or the interface. */
    public long dropped() {
        return droppedByKernel + droppedByInterface;
    }

    /** The difference this - earlier, for counters reported as totals since the start. */
    public CaptureStats minus(CaptureStats earlier) {
        return new CaptureStats(received - earlier.received, droppedByKernel - earlier.droppedByKernel,
                droppedByInterface - earlier.droppedByInterface);
    }
}
