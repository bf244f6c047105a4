package io.portwatch.capture.decode;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what the decoder saw that is not TCP/UDP traffic: errors by reason, non-IP frames, other IP
 * protocols, and unknown link types. Owned by the decoding thread; read it after the input ends (or
 * take a {@link #copy()} on that thread).
 */
public final class DecodeStats {
    private final long[] errors = new long[DecodeError.values().length];
    /** Frames by unknown link type: an array for the usual codes (no boxing per frame), a map beyond. */
    private final long[] unknownSmall = new long[1024];
    private final Map<Integer, Long> unknownLarge = new TreeMap<>();
    private long nonIp;
    private long otherIp;

    public void countError(DecodeError e) {
        errors[e.ordinal()]++;
    }

    /** @return true the first time this link type is seen (so a caller can name it once). */
    public boolean countUnknownLinkType(int linkType) {
        if (linkType >= 0 && linkType < unknownSmall.length) {
            return ++unknownSmall[linkType] == 1;
        }
        return unknownLarge.merge(linkType, 1L, Long::sum) == 1L;
    }

    public void countNonIp() {
        nonIp++;
    }

    public void countOtherIp() {
        otherIp++;
    }

    public long errors(DecodeError e) {
        return errors[e.ordinal()];
    }

    public long totalErrors() {
        long t = 0;
        for (long e : errors) {
            t += e;
        }
        return t;
    }

    public long nonIp() {
        return nonIp;
    }

    public long otherIp() {
        return otherIp;
    }

    /** Unknown link type code to frame count, ascending by code. */
    public Map<Integer, Long> unknownLinkTypes() {
        Map<Integer, Long> m = new TreeMap<>(unknownLarge);
        for (int i = 0; i < unknownSmall.length; i++) {
            if (unknownSmall[i] != 0) {
                m.put(i, unknownSmall[i]);
            }
        }
        return m;
    }

    public long unknownLinkTypeFrames() {
        long t = 0;
        for (long v : unknownLinkTypes().values()) {
            t += v;
        }
        return t;
    }

    /** Errors by reason key, only the non-zero ones, in enum order. */
    public Map<String, Long> errorsByReason() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (DecodeError e : DecodeError.values()) {
            if (errors[e.ordinal()] != 0) {
                m.put(e.key(), errors[e.ordinal()]);
            }
        }
        return m;
    }

    public void addAll(DecodeStats other) {
        for (int i = 0; i < errors.length; i++) {
            errors[i] += other.errors[i];
        }
        for (int i = 0; i < unknownSmall.length; i++) {
            unknownSmall[i] += other.unknownSmall[i];
        }
        other.unknownLarge.forEach((k, v) -> unknownLarge.merge(k, v, Long::sum));
        nonIp += other.nonIp;
        otherIp += other.otherIp;
    }

    public DecodeStats copy() {
        DecodeStats c = new DecodeStats();
        c.addAll(this);
        return c;
    }
}
