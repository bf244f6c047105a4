package io.portwatch.capture.source;

/**
 * The time a live interface was not captured in a window (it went down or away) and the times it was
 * captured again: the part of {@link CaptureStats} the analyzer counts from the source's events, not from
 * the kernel's counters. Immutable.
 *
 * @param nanos      time the interface was not captured, in nanoseconds
 * @param reattached times the interface was captured again after it had gone down or away
 */
public record Downtime(long nanos, long reattached) {

    /** Captured all along. */
    public static final Downtime NONE = new Downtime(0, 0);

    /** The difference this - earlier. */
    public Downtime minus(Downtime earlier) {
        return new Downtime(nanos - earlier.nanos, reattached - earlier.reattached);
    }

    /** The sum this + other. */
    public Downtime plus(Downtime other) {
        return new Downtime(nanos + other.nanos, reattached + other.reattached);
    }
}
