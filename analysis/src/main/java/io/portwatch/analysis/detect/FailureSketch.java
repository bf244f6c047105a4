package io.portwatch.analysis.detect;

import io.portwatch.capture.flow.HashKey;

/**
 * How many failed attempts each source made lately, roughly: a count-min sketch (Cormode and
 * Muthukrishnan 2005) of four rows, with conservative update (only the smallest counters of a source
 * grow) and aging as TinyLFU's (Einziger et al. 2017): every ten increments a counter, all counters are
 * halved, so that old failures fade. It costs a fixed array whatever the number of sources, and
 * answers "has this source failed before?" for sources a bounded table has no room for: the
 * {@link SlowScanDetector} admits a new source over a weak one only when the sketch counts more failures
 * for it (TinyLFU's admission), so that a flood of random sources with one failure each cannot push
 * out a slow scanner, nor keep it out. Sources are hashed with a key of the run's secret
 * ({@link HashKey}). An estimate is never below the true (aged) count. Single writer.
 */
final class FailureSketch {

    private static final int ROWS = 4;
    private static final HashKey KEY = HashKey.RUN.derive(0x636D_736BL);

    private final int[] counts;
    private final int width;
    private final int shift;
    private final long resetAt;
    private long added;
    private int epoch;

    /** Odd multipliers that spread the keyed hash over each row's counters. */
    private static final long[] SPREAD = {0x9E37_79B9_7F4A_7C15L, 0xBF58_476D_1CE4_E5B9L, 0x94D0_49BB_1331_11EBL,
            0xD6E8_FEB8_6659_FD93L};

    /** @param bytes memory for the counters (at least 256 counters a row, at most 2<sup>20</sup>) */
    FailureSketch(long bytes) {
        long perRow = Math.max(256, Math.min(1 << 20, bytes / (4L * ROWS)));
        this.width = Integer.highestOneBit((int) perRow);
        this.shift = Integer.numberOfTrailingZeros(width);
        this.counts = new int[ROWS * width];
        this.resetAt = 10L * width;
    }

    /** Counts a failure of the source; returns its estimate, this one included. */
    int add(long hi, long lo) {
        final long h = KEY.hash(hi, lo);
        int min = Integer.MAX_VALUE;
        for (int r = 0; r < ROWS; r++) {
            min = Math.min(min, counts[slot(h, r)]);
        }
        if (min == Integer.MAX_VALUE) {
            return min;
        }
        for (int r = 0; r < ROWS; r++) {
            int s = slot(h, r);
            if (counts[s] == min) {
                counts[s] = min + 1;
            }
        }
        if (++added >= resetAt) {
            age();
        }
        return min + 1;
    }

    /** The source's estimate. */
    int estimate(long hi, long lo) {
        final long h = KEY.hash(hi, lo);
        int min = Integer.MAX_VALUE;
        for (int r = 0; r < ROWS; r++) {
            min = Math.min(min, counts[slot(h, r)]);
        }
        return min;
    }

    /**
     * What the other sources add to a source's estimate, at most on average: the failures counted since the
     * last aging, per counter of a row.
     */
    int noise() {
        return (int) (added / width);
    }

    long bytes() {
        return 16 + 4L * counts.length + 48;
    }

    private int slot(long h, int row) {
        return row * width + (int) ((h * SPREAD[row]) >>> (64 - shift));
    }

    /** How many times the counters were halved so far. */
    int epoch() {
        return epoch;
    }

    private void age() {
        epoch++;
        for (int i = 0; i < counts.length; i++) {
            counts[i] >>>= 1;
        }
        added /= 2;
    }
}
