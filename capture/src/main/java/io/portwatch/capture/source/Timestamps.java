package io.portwatch.capture.source;

/**
 * Converts capture-file timestamps to nanoseconds since the epoch. Times beyond what a {@code long}
 * of nanoseconds holds (before 1677 or after 2262) saturate to {@link Long#MIN_VALUE} /
 * {@link Long#MAX_VALUE} instead of wrapping.
 */
final class Timestamps {
    private Timestamps() {
    }

    static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MAX_SECONDS = Long.MAX_VALUE / NANOS_PER_SECOND;
    private static final long MIN_SECONDS = Long.MIN_VALUE / NANOS_PER_SECOND;

    /** 10^0 .. 10^19; 10^19 does not fit a signed long and is stored as its unsigned bit pattern. */
    private static final long[] POW10 = new long[20];

    static {
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    /** The largest decimal and binary exponents of if_tsresol whose unit count fits 64 bits unsigned. */
    static final int MAX_DECIMAL_EXPONENT = 19;
    static final int MAX_BINARY_EXPONENT = 63;

    /** Whether an if_tsresol value is one {@link #unitsPerSecond} accepts. */
    static boolean validResolution(int tsresol) {
        int exponent = tsresol & 0x7F;
        return (tsresol & 0x80) == 0 ? exponent <= MAX_DECIMAL_EXPONENT : exponent <= MAX_BINARY_EXPONENT;
    }

    /** Units per second of an if_tsresol value (an unsigned 64-bit count). */
    static long unitsPerSecond(int tsresol) {
        int exponent = tsresol & 0x7F;
        return (tsresol & 0x80) == 0 ? POW10[exponent] : 1L << exponent;
    }

    /**
     * A classic pcap timestamp: unsigned 32-bit seconds and a fraction (micro- or nanoseconds). A valid
     * fraction is below one second. A corrupt one is taken as libpcap (and so tcpdump and the libpcap
     * reader) gives it: the file's signed 32-bit field scaled to nanoseconds, kept to its low 32 bits.
     */
    static long fromPcap(int seconds, int fraction, long nanosPerFractionUnit) {
        long nanos = ((long) fraction * nanosPerFractionUnit) & 0xFFFF_FFFFL;
        // at most (2^32 - 1) * 10^9 + (2^32 - 1) < 2^63: no overflow
        return (seconds & 0xFFFF_FFFFL) * NANOS_PER_SECOND + nanos;
    }

    /**
     * A pcapng timestamp: {@code units} (unsigned) of the resolution {@code tsresol} (with
     * {@code unitsPerSecond} precomputed by {@link #unitsPerSecond}), plus if_tsoffset seconds.
     */
    static long fromUnits(long units, int tsresol, long unitsPerSecond, long offsetSeconds) {
        long seconds;
        long fraction;
        if (units >= 0 && unitsPerSecond > 0) {
            seconds = units / unitsPerSecond;
            fraction = units - seconds * unitsPerSecond;
        } else {
            seconds = Long.divideUnsigned(units, unitsPerSecond);
            fraction = Long.remainderUnsigned(units, unitsPerSecond);
        }
        int exponent = tsresol & 0x7F;
        long fractionNanos;
        if ((tsresol & 0x80) == 0) {
            fractionNanos = exponent <= 9
                    ? fraction * POW10[9 - exponent]
                    : Long.divideUnsigned(fraction, POW10[exponent - 9]);
        } else if (exponent == 0) {
            fractionNanos = 0;
        } else {
            // fraction < 2^exponent <= 2^63; (fraction * 10^9) >> exponent computed in 128 bits
            long high = Math.multiplyHigh(fraction, NANOS_PER_SECOND);
            long low = fraction * NANOS_PER_SECOND;
            fractionNanos = (low >>> exponent) | (high << (64 - exponent));
        }
        return combine(seconds, fractionNanos, offsetSeconds);
    }

    /** seconds (unsigned) + offsetSeconds (signed), in nanoseconds plus fractionNanos, saturating. */
    static long combine(long seconds, long fractionNanos, long offsetSeconds) {
        long total = seconds + offsetSeconds;
        if (seconds >= 0) {
            if (offsetSeconds > 0 && total < 0) {
                return Long.MAX_VALUE;
            }
        } else if (offsetSeconds >= 0 || total < 0) {
            // seconds is 2^63 or more (unsigned): the sum is representable only when it wraps to >= 0
            return Long.MAX_VALUE;
        }
        if (total > MAX_SECONDS) {
            return Long.MAX_VALUE;
        }
        if (total < MIN_SECONDS) {
            if (total < MIN_SECONDS - 1) {
                return Long.MIN_VALUE;
            }
            // one second below: representable only for a large enough fraction
            long whole = (total + 1) * NANOS_PER_SECOND;
            long rest = fractionNanos - NANOS_PER_SECOND;
            return rest < Long.MIN_VALUE - whole ? Long.MIN_VALUE : whole + rest;
        }
        long nanos = total * NANOS_PER_SECOND + fractionNanos;
        if (total > 0 && nanos < 0) {
            return Long.MAX_VALUE;
        }
        return nanos;
    }
}
