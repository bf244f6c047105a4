package io.portwatch.capture.source;

import java.util.Objects;

/**
 * A capture's own counters ({@code pcap_stats} for libpcap, {@code PACKET_STATISTICS} for the kernel
 * ring): since it was opened, as the capture reports them, or their change over a window ({@link #minus}),
 * as window records carry them. On Linux {@code received} counts the frames that passed the filter,
 * including those dropped. Immutable.
 *
 * <p>An interface that goes away and comes back is captured by a new handle each time: the counters are
 * then those of every handle so far, added up ({@link #plus}), and the {@link Downtime} says how long it
 * was not captured and how often it was captured again (a window's share of the gap, counted by the
 * analyzer, which knows the window's bounds).
 *
 * @param received           frames the kernel accepted for this capture ({@code ps_recv})
 * @param droppedByKernel    frames lost because the capture buffer was full ({@code ps_drop})
 * @param droppedByInterface frames the interface or its driver dropped ({@code ps_ifdrop}); not
 *                           every platform counts them
 * @param ringFreezes        times the kernel froze the ring because every block was still the reader's
 *                           ({@code tp_freeze_q_cnt}): each a burst of drops, the sign of a reader that
 *                           fell behind rather than of a single lost frame; 0 for libpcap
 * @param downtime           time the interface was not captured, and times it was captured again
 */
public record CaptureStats(long received, long droppedByKernel, long droppedByInterface, long ringFreezes,
                           Downtime downtime) {

    /** No frames yet. */
    public static final CaptureStats NONE = new CaptureStats(0, 0, 0);

    public CaptureStats {
        Objects.requireNonNull(downtime, "downtime");
    }

    /** libpcap's counters, with no gap. */
    public CaptureStats(long received, long droppedByKernel, long droppedByInterface) {
        this(received, droppedByKernel, droppedByInterface, 0, Downtime.NONE);
    }

    /** Frames lost before this program saw them, by the kernel or the interface. */
    public long dropped() {
        return droppedByKernel + droppedByInterface;
    }

    /** Time the interface was not captured, in nanoseconds. */
    public long downNanos() {
        return downtime.nanos();
    }

    /** Times the interface was captured again after it had gone down or away. */
    public long reattached() {
        return downtime.reattached();
    }

    /** The difference this - earlier, for counters reported as totals since the start. */
    public CaptureStats minus(CaptureStats earlier) {
        return new CaptureStats(received - earlier.received, droppedByKernel - earlier.droppedByKernel,
                droppedByInterface - earlier.droppedByInterface, ringFreezes - earlier.ringFreezes,
                downtime.minus(earlier.downtime));
    }

    /** The sum this + other: the counters of two handles of one interface, one after the other. */
    public CaptureStats plus(CaptureStats other) {
        return new CaptureStats(received + other.received, droppedByKernel + other.droppedByKernel,
                droppedByInterface + other.droppedByInterface, ringFreezes + other.ringFreezes,
                downtime.plus(other.downtime));
    }

    /** These counters with a window's gap: time not captured and times captured again. */
    public CaptureStats withGap(Downtime gap) {
        return new CaptureStats(received, droppedByKernel, droppedByInterface, ringFreezes, gap);
    }
}
