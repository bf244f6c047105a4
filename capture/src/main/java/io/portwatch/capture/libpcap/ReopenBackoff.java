package io.portwatch.capture.libpcap;

import java.util.Locale;

/**
 * When {@link ReattachingLiveSource} tries again to open an interface that went down or away: after
 * {@code first}, then twice as long after each attempt that failed, up to {@code max}, never sooner than
 * {@value #MIN_MILLIS} ms, so that a missing interface costs one attempt every few seconds and never a
 * busy loop. Suricata's af-packet tries every half second for ever; doubling up to a few seconds finds an
 * interface that comes back at once as soon, and costs less while one stays away.
 *
 * <p>A capture that fails again soon after it resumed (an interface that flaps) goes on from where the
 * attempts were rather than from {@code first}: see {@link #failuresAfterCapture}.
 *
 * <p>The schedule only: the waiting itself (in steps that keep the windows closing, and that a stop cuts
 * short) is the source's, as an Agrona idle strategy is its reader's. Immutable.
 *
 * @param firstNanos how long after capture stopped the first attempt comes
 * @param maxNanos   the longest wait between two attempts
 */
public record ReopenBackoff(long firstNanos, long maxNanos) {

    /** The shortest wait allowed. */
    public static final long MIN_MILLIS = 10;
    /** The longest wait allowed: an hour. */
    public static final long MAX_MILLIS = 3_600_000;

    /** Every second at first, then every 2 and 4 seconds, then every 5. */
    public static final ReopenBackoff DEFAULT = new ReopenBackoff(1_000_000_000L, 5_000_000_000L);

    public ReopenBackoff {
        if (firstNanos < MIN_MILLIS * 1_000_000L) {
            throw new IllegalArgumentException("the first wait must be at least " + MIN_MILLIS + " ms: "
                    + firstNanos + " ns");
        }
        if (maxNanos < firstNanos || maxNanos > MAX_MILLIS * 1_000_000L) {
            throw new IllegalArgumentException("the longest wait must be from the first to " + MAX_MILLIS + " ms: "
                    + maxNanos + " ns");
        }
    }

    /** The wait before the next attempt, after {@code failures} attempts failed (0 or more). */
    public long delayNanos(int failures) {
        long d = firstNanos;
        for (int i = 0; i < failures && d < maxNanos; i++) {
            d *= 2; // at most 2 * MAX_MILLIS ns: no overflow
        }
        return Math.min(d, maxNanos);
    }

    /**
     * The failed attempts to go on from when capture stops again, after it ran {@code capturedNanos}:
     * none once it ran at least {@code max} (the interface came back for good), else one more than before,
     * so that an interface that keeps failing soon after it is opened is tried less and less often.
     */
    public int failuresAfterCapture(int failures, long capturedNanos) {
        return capturedNanos >= maxNanos ? 0 : Math.min(failures + 1, 62);
    }

    /** The schedule in words, e.g. {@code every 1 s, backing off to 5 s}. */
    public String describe() {
        return firstNanos == maxNanos ? "every " + seconds(firstNanos)
                : "every " + seconds(firstNanos) + ", backing off to " + seconds(maxNanos);
    }

    /** Nanoseconds as seconds, to the millisecond, without trailing zeros: {@code 1 s}, {@code 0.25 s}. */
    static String seconds(long nanos) {
        String s = String.format(Locale.ROOT, "%.3f", nanos / 1e9).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + " s";
    }
}
