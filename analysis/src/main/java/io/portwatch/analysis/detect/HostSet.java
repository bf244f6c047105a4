package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.InetText;
import io.portwatch.capture.flow.HashKey;

import java.util.ArrayList;
import java.util.List;

/**
 * Distinct addresses, kept as 64-bit hashes in an open-addressing set of at most {@code cap} entries
 * (beyond it, further addresses are counted without being told apart, and the count is marked
 * inexact), with the first few addresses in full for a sample and the lowest and highest address.
 * Single writer.
 *
 * <p>Addresses come from packets: they are hashed with a key of the run's secret ({@link HashKey}), and
 * a lookup reads at most {@value #MAX_PROBE} slots; an address that would lie further, when added or when
 * the set grows (only addresses crafted for a known key), is counted as past the cap is.
 */
final class HostSet {
    private static final int SAMPLE = 10;
    /** Slots a lookup reads at most (the set is at most half full: see {@link LruTable#MAX_PROBE}). */
    static final int MAX_PROBE = 256;
    static final HashKey KEY = HashKey.RUN.derive(0x686F_7374L);

    private final int cap;
    private long[] slots = new long[8];
    private int size;
    private long overflow;
    private final long[] sample = new long[2 * SAMPLE];
    private int sampled;
    private long minHi = -1;
    private long minLo = -1;
    private long maxHi;
    private long maxLo;

    /** @param cap distinct addresses told apart at most */
    HostSet(int cap) {
        this.cap = Math.max(1, cap);
    }

    /** Adds an address; true when it was not there (or may not have been, past the cap). */
    boolean add(long hi, long lo) {
        long h = addressHash(hi, lo);
        int mask = slots.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        int probes = 0;
        while (slots[i] != 0) {
            if (slots[i] == h) {
                return false;
            }
            if (++probes == MAX_PROBE) {
                overflow++;
                return true;
            }
            i = (i + 1) & mask;
        }
        if (size >= cap) {
            overflow++;
            return true;
        }
        slots[i] = h;
        size++;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        if (sampled < SAMPLE) {
            sample[2 * sampled] = hi;
            sample[2 * sampled + 1] = lo;
            sampled++;
        }
        if (Long.compareUnsigned(hi, minHi) < 0 || (hi == minHi && Long.compareUnsigned(lo, minLo) < 0)) {
            minHi = hi;
            minLo = lo;
        }
        if (Long.compareUnsigned(hi, maxHi) > 0 || (hi == maxHi && Long.compareUnsigned(lo, maxLo) > 0)) {
            maxHi = hi;
            maxLo = lo;
        }
        return true;
    }

    boolean contains(long hi, long lo) {
        long h = addressHash(hi, lo);
        int mask = slots.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        for (int probes = 0; slots[i] != 0 && probes < MAX_PROBE; probes++) {
            if (slots[i] == h) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    /** Distinct addresses added (past the cap, every further add counts). */
    long count() {
        return size + overflow;
    }

    /** Whether {@link #count()} is exact (the cap was never reached). */
    boolean exact() {
        return overflow == 0;
    }

    /** The first addresses added, as text (at most ten). */
    List<String> sample() {
        List<String> out = new ArrayList<>(sampled);
        for (int i = 0; i < sampled; i++) {
            out.add(text(sample[2 * i], sample[2 * i + 1]));
        }
        return out;
    }

    /** The lowest and the highest address, as text; empty when none. */
    List<String> range() {
        return size == 0 ? List.of() : List.of(text(minHi, minLo), text(maxHi, maxLo));
    }

    /** Heap bytes held. */
    long retainedBytes() {
        return 80 + 16 + 8L * slots.length + 16 + 16L * SAMPLE;
    }

    /** The longest probe sequence a lookup makes now (tests: it must stay within {@link #MAX_PROBE}). */
    int longestProbe() {
        int mask = slots.length - 1;
        int longest = 0;
        for (int i = 0; i < slots.length; i++) {
            long h = slots[i];
            if (h != 0) {
                longest = Math.max(longest, ((i - (int) (h ^ (h >>> 32))) & mask) + 1);
            }
        }
        return longest;
    }

    /** The keyed 64-bit hash of one address; never 0. */
    static long addressHash(long hi, long lo) {
        long k = KEY.hash(hi, lo);
        return k == 0 ? 1 : k;
    }

    /** An address as text: dotted for IPv4 (held IPv4-mapped), RFC 5952 otherwise. */
    static String text(long hi, long lo) {
        return InetText.format(InetText.isIpv4Mapped(hi, lo) ? 4 : 6, hi, lo);
    }

    /**
     * Re-inserts every address into a set of {@code capacity} slots, within {@value #MAX_PROBE} slots of
     * its home as {@link #add} places them. Keys that each lay near their home can lie far from it in the
     * larger set (a run that wrapped round the end is re-inserted behind the keys after it); an address
     * that would lie further (only addresses crafted for a known key) leaves the set and is counted as past
     * the cap, as when it is added.
     */
    private void rehash(int capacity) {
        long[] old = slots;
        slots = new long[capacity];
        int mask = capacity - 1;
        for (long h : old) {
            if (h != 0) {
                int i = (int) (h ^ (h >>> 32)) & mask;
                int probes = 0;
                while (slots[i] != 0 && ++probes < MAX_PROBE) {
                    i = (i + 1) & mask;
                }
                if (slots[i] != 0) {
                    size--;
                    overflow++;
                } else {
                    slots[i] = h;
                }
            }
        }
    }
}
