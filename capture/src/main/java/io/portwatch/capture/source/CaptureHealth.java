package io.portwatch.capture.source;

/**
 * libpcap's counters for a live capture ({@code pcap_stats}), since it was opened. On Linux
 * {@code received} counts the frames that passed the filter, including those dropped.
 *
 * @param received           frames the kernel accepted for this capture ({@code ps_recv})
 * @param droppedByKernel    frames lost because the capture buffer was full ({@code ps_drop})
 * @param droppedByInterface frames the interface or its driver dropped ({@code ps_ifdrop}); not
 *                           every platform counts them
 */
public record CaptureHealth(long received, long droppedByKernel, long droppedByInterface) {

    /** No frames yet. */
    public static final CaptureHealth NONE = new CaptureHealth(0, 0, 0);

    /** Frames lost before this program saw them, by the kernel or the interface. */
    public long dropped() {
        return droppedByKernel + droppedByInterface;
    }
}
