package io.portwatch.analysis.talkers;

import java.util.Arrays;

/**
 * The heaviest hosts of one stream of weighted updates: Space-Saving (Metwally, Agrawal and El Abbadi,
 * 2005) over at most {@link #CAPACITY} hosts, ranked by packets or by bytes. Each update adds a host's
 * packets, bytes and flows. While no more than {@value #CAPACITY} hosts have been seen, every count is
 * exact. Past that, a new host takes the place of the one with the smallest ranked count {@code min}
 * and starts from {@code min} plus its own weight: a ranked count then overstates the true one by at
 * most {@link #maxOvercount()} (the largest {@code min} taken over), which is at most the stream's total
 * ranked weight divided by {@value #CAPACITY}, and every host whose true count is above that bound is
 * in the summary. The other two counters of a host (bytes and flows when ranked by packets) are counted
 * from when it last entered the summary: exact while the summary is exact, never more than the truth.
 *
 * <p>Hosts are found by a scan of at most {@value #CAPACITY} entries, not by a hash: updates come once
 * per flow and window (not per packet), and a scan cannot be aimed at by crafted addresses. Arrays grow
 * from 4 entries, so that the many ports of a scan, each with one or two hosts, cost little. Single
 * writer.
 */
final class HeavyHitters {

    /** Hosts kept at most. */
    static final int CAPACITY = 64;

    /** Rank by packets. */
    static final int PACKETS = 0;
    /** Rank by bytes. */
    static final int BYTES = 1;

    private final int rankBy;
    private long[] hi = new long[4];
    private long[] lo = new long[4];
    private long[] packets = new long[4];
    private long[] bytes = new long[4];
    private long[] flows = new long[4];
    private int size;
    private long maxOvercount;
    private boolean exact = true;

    HeavyHitters(int rankBy) {
        this.rankBy = rankBy;
    }

    /** Adds {@code p} packets, {@code b} bytes and {@code f} flows to host (hi, lo). */
    void add(long h, long l, long p, long b, long f) {
        final int n = size;
        final long[] his = hi;
        final long[] los = lo;
        for (int i = 0; i < n; i++) {
            if (los[i] == l && his[i] == h) {
                packets[i] += p;
                bytes[i] += b;
                flows[i] += f;
                return;
            }
        }
        if (n < CAPACITY) {
            if (n == his.length) {
                grow(Math.min(CAPACITY, n * 2));
            }
            set(n, h, l, p, b, f);
            size = n + 1;
            return;
        }
        // Space-Saving: the host with the smallest ranked count gives way, and the new one inherits that count
        final long[] ranked = rankBy == PACKETS ? packets : bytes;
        int victim = 0;
        for (int i = 1; i < n; i++) {
            if (ranked[i] < ranked[victim]) {
                victim = i;
            }
        }
        final long min = ranked[victim];
        set(victim, h, l, p, b, f);
        ranked[victim] += min;
        maxOvercount = Math.max(maxOvercount, min);
        exact = false;
    }

    private void set(int i, long h, long l, long p, long b, long f) {
        hi[i] = h;
        lo[i] = l;
        packets[i] = p;
        bytes[i] = b;
        flows[i] = f;
    }

    private void grow(int n) {
        hi = Arrays.copyOf(hi, n);
        lo = Arrays.copyOf(lo, n);
        packets = Arrays.copyOf(packets, n);
        bytes = Arrays.copyOf(bytes, n);
        flows = Arrays.copyOf(flows, n);
    }

    /** True while every count is exact (no host ever gave way). */
    boolean exact() {
        return exact;
    }

    /** How much a ranked count may overstate the true one (0 while exact). */
    long maxOvercount() {
        return maxOvercount;
    }

    int size() {
        return size;
    }

    /**
     * The indexes of the {@code n} heaviest hosts, heaviest first; ties go to the lower address (as
     * unsigned 128-bit numbers), so that the order never depends on the order of updates.
     */
    int[] top(int n) {
        final long[] ranked = rankBy == PACKETS ? packets : bytes;
        final int k = Math.min(n, size);
        int[] idx = new int[k];
        boolean[] taken = new boolean[size];
        for (int t = 0; t < k; t++) {
            int best = -1;
            for (int i = 0; i < size; i++) {
                if (!taken[i] && (best < 0 || heavier(ranked, i, best))) {
                    best = i;
                }
            }
            taken[best] = true;
            idx[t] = best;
        }
        return idx;
    }

    private boolean heavier(long[] ranked, int i, int j) {
        if (ranked[i] != ranked[j]) {
            return ranked[i] > ranked[j];
        }
        int c = Long.compareUnsigned(hi[i], hi[j]);
        return c != 0 ? c < 0 : Long.compareUnsigned(lo[i], lo[j]) < 0;
    }

    /** The index of host (hi, lo), or -1 when it is not in the summary. */
    int find(long h, long l) {
        for (int i = 0; i < size; i++) {
            if (lo[i] == l && hi[i] == h) {
                return i;
            }
        }
        return -1;
    }

    long hi(int i) {
        return hi[i];
    }

    long lo(int i) {
        return lo[i];
    }

    long packets(int i) {
        return packets[i];
    }

    long bytes(int i) {
        return bytes[i];
    }

    long flows(int i) {
        return flows[i];
    }
}
