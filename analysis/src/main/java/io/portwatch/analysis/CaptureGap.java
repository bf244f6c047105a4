package io.portwatch.analysis;

import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;

/**
 * The time a live interface was not captured (it went down or away, and was opened again), shared out
 * among the windows it falls in, and the times capture resumed, counted in the window where it resumed.
 * The source says when capture stopped and resumed on the wall clock, which live windows are cut on;
 * the analyzer tells this class each window's bounds as it closes it, so that a window never reports more
 * of the gap than falls in it, however late on the clock it closes. Owned by the analyzer's thread.
 */
final class CaptureGap {

    private boolean down;
    private long downSince;
    /** The latest wall clock seen: a window closed by a stop while down counts the gap up to it. */
    private long clock = Long.MIN_VALUE;
    /** The gaps that ended in the open window (their part in it), and how many. */
    private long windowDown;
    private long windowReattached;

    /** The wall clock moved on. */
    void clock(long epochNanos) {
        if (epochNanos > clock) {
            clock = epochNanos;
        }
    }

    /** Capture stopped at {@code epochNanos}. */
    void down(long epochNanos) {
        clock(epochNanos);
        if (!down) {
            down = true;
            downSince = epochNanos;
        }
    }

    /** Capture resumed at {@code epochNanos}, in the window that starts at {@code windowStart}. */
    void up(long epochNanos, long windowStart) {
        clock(epochNanos);
        if (down) {
            windowDown += Math.max(0, epochNanos - Math.max(downSince, windowStart));
            windowReattached++;
            down = false;
        }
    }

    /**
     * The window {@code [start, end)} closes: its counters with its share of the gap, which starts anew
     * for the next window. A gap still open counts up to the window's end, or to the clock when the window
     * closes before its end (a stop).
     */
    CaptureStats close(CaptureStats counters, long start, long end) {
        long d = windowDown;
        if (down) {
            d += Math.max(0, Math.min(end, clock) - Math.max(downSince, start));
        }
        CaptureStats c = counters.withGap(new Downtime(d, windowReattached));
        windowDown = 0;
        windowReattached = 0;
        return c;
    }
}
