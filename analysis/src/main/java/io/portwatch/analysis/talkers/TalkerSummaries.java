package io.portwatch.analysis.talkers;

import io.portwatch.analysis.ports.MemoryBudget;

import java.util.Arrays;

/**
 * The heaviest hosts of many streams of weighted updates (a port's clients, a port's servers: a side each),
 * ranked by packets and by bytes: Space-Saving (Metwally, Agrawal and El Abbadi, 2005) over at most
 * {@value #CAPACITY} hosts a ranking. Each update adds a host's packets, bytes and flows. While no more than
 * {@value #CAPACITY} hosts have been seen, every count is exact. Past that, a new host takes the place of
 * the one with the smallest ranked count {@code min} and starts from {@code min} plus its own weight: a
 * ranked count then overstates the true one by at most {@link #maxOvercount} (the largest {@code min}
 * taken over), which is at most the stream's total ranked weight divided by the summary's capacity, and
 * every host whose true count is above that bound is in the summary. The other two counters of a host
 * (bytes and flows when ranked by packets) are counted from when it last entered the summary: exact while
 * the summary is exact, never more than the truth.
 *
 * <p>Compact, for the many ports of a scan with one or two hosts each: a side is one {@code long[]} of
 * rows (host, packets, bytes, flows: 40 bytes a row) starting with two rows and doubling, and its place in
 * a few arrays indexed by side ({@link #SIDE_BYTES} in all at first). While a side is exact its two
 * rankings hold the same hosts with the same counts, so they share its rows; only its 65th host makes them
 * part, each with 64 rows of its own in one array of 128. (Four summaries of five arrays each, a port,
 * held 3.1 KB at 16 hosts a side; this holds 1.3 KB.)
 *
 * <p>Memory: rows past a side's first two are reserved from a {@link MemoryBudget}. When it refuses, the
 * side keeps Space-Saving in the rows it has: its {@code k} rows are parted into two rankings of
 * {@code k / 2} hosts (the heaviest of each ranking stay; the largest count dropped joins
 * {@link #maxOvercount}, so that every host above it is still listed), and it says so
 * ({@link #memoryLimited}). Its counts stay within the bound it reports, which is then at most the total
 * divided by {@code k / 2}.
 *
 * <p>The rows of a ranking are stored column by column: for room for {@code c} hosts, the {@code c} high
 * halves of their addresses, then the {@code c} low halves, then packets, bytes and flows ({@code c} of
 * each); once split, the packets ranking's rows so, then the bytes ranking's. An update's scans then read
 * a column, not whole rows: looking for a host reads the low halves of at most 64 addresses (8 cache
 * lines, a high half only where a low half matches) where 64 rows of 40 bytes took 40 lines, and the host
 * giving way is found in the ranked column alone. A row number ({@link #row}, {@link #top}) names a host
 * across its columns. Measured on {@code read} of a 12M-packet capture of 100,000 concurrent flows (three to four
 * runs a build, in turns): the detection thread took 2.28 against 2.38 s with 10-s windows, 4.42 against 4.49
 * with 1-s windows, within the runs' spread: the rows of busy ports mostly stay in the core's cache either way.
 * The layout is kept for the ports that do not (many ports, each summary read once in a while).
 *
 * <p>Hosts are found by a scan of at most {@value #CAPACITY} rows, not by a hash: updates come once per
 * flow and window (not per packet), and a scan cannot be aimed at by crafted addresses. It is also the
 * faster here: a keyed index of each ranking's hosts and a min-heap of its rows (keeping exactly the same
 * hosts) cost the detection thread 10-15% more on a 12M-packet capture of 100,000 concurrent flows in
 * 1-second windows, as did folding the log port by port: consecutive updates go to different ports, and the
 * index's, the heap's and the rows' lines were more cache misses than one 64-row scan the hardware streams in.
 * Single writer.
 */
final class TalkerSummaries {

    /** Hosts a ranking keeps at most. */
    static final int CAPACITY = 64;
    /** Rank by packets. */
    static final int PACKETS = 0;
    /** Rank by bytes. */
    static final int BYTES = 1;

    private static final int ROW = 5;
    private static final int HI = 0;
    private static final int LO = 1;
    private static final int PK = 2;
    private static final int BY = 3;
    private static final int FL = 4;
    private static final int FIRST_ROWS = 2;
    private static final byte SPLIT = 1;
    private static final byte LIMITED = 2;
    /** Bytes a side holds past the budget: its first two rows, and its place in the arrays by side. */
    static final long SIDE_BYTES = MemoryBudget.longs(FIRST_ROWS * ROW) + 4 + 4 + 16 + 1;

    private final MemoryBudget budget;
    /**
     * A side's rows, by column ({@link #cap} rows a ranking): while exact, its hosts [0, n) in one block;
     * once split, by packets [0, n) in a first block of n rows and by bytes [n, 2n) in a second.
     */
    private long[][] rows = new long[128][];
    /** Hosts of a side (of each ranking, once split). */
    private int[] n = new int[128];
    /** The largest count each ranking of a side took over or dropped: [2s] packets, [2s + 1] bytes. */
    private long[] over = new long[256];
    private byte[] flags = new byte[128];
    private int sides;
    /** Where a side's rows are parted when the budget refuses them room. */
    private long[] parted;

    TalkerSummaries(MemoryBudget budget) {
        this.budget = budget;
    }

    /** Adds {@code p} packets, {@code b} bytes and {@code f} flows to host (h, l) of side {@code s}. */
    void add(int s, long h, long l, long p, long b, long f) {
        if (s >= rows.length) {
            int len = Math.max(rows.length * 2, s + 1);
            rows = Arrays.copyOf(rows, len);
            n = Arrays.copyOf(n, len);
            over = Arrays.copyOf(over, 2 * len);
            flags = Arrays.copyOf(flags, len);
        }
        long[] e = rows[s];
        if (e == null) {
            e = rows[s] = new long[FIRST_ROWS * ROW];
            sides++;
        }
        final int k = n[s];
        if ((flags[s] & SPLIT) != 0) {
            addRanked(s, e, 0, k, PK, h, l, p, b, f);
            addRanked(s, e, ROW * k, k, BY, h, l, p, b, f);
            return;
        }
        int c = e.length / ROW;
        for (int i = 0, lo = LO * c, hi = HI * c; i < k; i++) {
            if (e[lo + i] == l && e[hi + i] == h) {
                e[PK * c + i] += p;
                e[BY * c + i] += b;
                e[FL * c + i] += f;
                return;
            }
        }
        if (k < CAPACITY) {
            if (k == c) {
                c = Math.min(CAPACITY, 2 * k);
                if (!budget.reserve(MemoryBudget.longs(c * ROW) - MemoryBudget.longs(e.length))) {
                    part(s, e, k);
                    add(s, h, l, p, b, f);
                    return;
                }
                long[] t = new long[c * ROW];
                for (int col = 0; col < ROW; col++) {
                    System.arraycopy(e, col * k, t, col * c, k);
                }
                e = rows[s] = t;
            }
            set(e, k, c, h, l, p, b, f);
            n[s] = k + 1;
            return;
        }
        // a 65th host: each ranking goes its own way from here, from the same 64 (a block of 64 rows each)
        if (budget.reserve(MemoryBudget.longs(2 * CAPACITY * ROW) - MemoryBudget.longs(e.length))) {
            long[] t = Arrays.copyOf(e, 2 * CAPACITY * ROW);
            System.arraycopy(e, 0, t, CAPACITY * ROW, CAPACITY * ROW);
            rows[s] = t;
            flags[s] |= SPLIT;
        } else {
            part(s, e, k);
        }
        add(s, h, l, p, b, f);
    }

    /**
     * Space-Saving over the {@code c} rows (all taken) of one ranking, a block from {@code base}: the host's
     * row, or the place of the one with the smallest ranked count (the first such), whose count the new one
     * inherits. The look for the host reads the low halves only; the smallest count is looked for after, not
     * in the same pass, which would read the ranked column too for every host found.
     */
    private void addRanked(int s, long[] e, int base, int c, int ranked, long h, long l, long p, long b, long f) {
        for (int i = 0, lo = base + LO * c, hi = base + HI * c; i < c; i++) {
            if (e[lo + i] == l && e[hi + i] == h) {
                e[base + PK * c + i] += p;
                e[base + BY * c + i] += b;
                e[base + FL * c + i] += f;
                return;
            }
        }
        final int col = base + ranked * c;
        int victim = 0;
        long min = e[col];
        for (int i = 1; i < c; i++) {
            if (e[col + i] < min) {
                min = e[col + i];
                victim = i;
            }
        }
        set(e, base + victim, c, h, l, p, b, f);
        e[col + victim] += min;
        final int o = 2 * s + (ranked == PK ? 0 : 1);
        over[o] = Math.max(over[o], min);
    }

    /**
     * The budget refused side {@code s} room for more than its {@code k} rows (all taken, {@code k} even):
     * they become two rankings of {@code k / 2} rows each, the heaviest hosts of each ranking (ties: the
     * earlier row), in their order; the largest count a ranking dropped joins its overcount bound, so that a
     * host missing from the summary still has no more than that bound.
     */
    private void part(int s, long[] e, int k) {
        final int cap = k / 2;
        if (parted == null) {
            parted = new long[CAPACITY * ROW];
        }
        final long[] t = parted;
        keepHeaviest(e, k, cap, PK, t, 0, 2 * s);
        keepHeaviest(e, k, cap, BY, t, ROW * cap, 2 * s + 1);
        System.arraycopy(t, 0, e, 0, k * ROW);
        n[s] = cap;
        flags[s] |= SPLIT | LIMITED;
    }

    /** Copies the {@code cap} heaviest of the {@code k} rows of {@code e} to a block of {@code to} at {@code base}. */
    private void keepHeaviest(long[] e, int k, int cap, int ranked, long[] to, int base, int o) {
        final int col = ranked * k;
        for (int i = 0, at = base; i < k; i++) {
            final long c = e[col + i];
            int heavier = 0;
            for (int j = 0; j < k; j++) {
                long d = e[col + j];
                if (d > c || d == c && j < i) {
                    heavier++;
                }
            }
            if (heavier < cap) {
                for (int x = 0; x < ROW; x++) {
                    to[at + x * cap] = e[x * k + i];
                }
                at++;
            } else {
                over[o] = Math.max(over[o], c);
            }
        }
    }

    /** Sets the row at {@code at} (its high half's place) of a block of {@code c} rows. */
    private static void set(long[] e, int at, int c, long h, long l, long p, long b, long f) {
        e[at + HI * c] = h;
        e[at + LO * c] = l;
        e[at + PK * c] = p;
        e[at + BY * c] = b;
        e[at + FL * c] = f;
    }

    /** Rows a ranking of side {@code s} has room for: a block's length in each column. */
    private int cap(int s) {
        return (flags[s] & SPLIT) != 0 ? n[s] : rows[s].length / ROW;
    }

    /** Where column {@code col} of row {@code row} of side {@code s} is (rows past the first block: in the second). */
    private int at(int s, int row, int col) {
        final int c = cap(s);
        return col * c + row + (row < c ? 0 : (ROW - 1) * c);
    }

    /** Whether side {@code s} has a host. */
    boolean has(int s) {
        return s < rows.length && rows[s] != null;
    }

    /** True while every count of side {@code s} is exact (no host ever gave way). */
    boolean exact(int s) {
        return (flags[s] & SPLIT) == 0;
    }

    /** Whether the budget refused side {@code s} rows it would have taken. */
    boolean memoryLimited(int s) {
        return s < flags.length && (flags[s] & LIMITED) != 0;
    }

    /** How much a count of side {@code s} ranked by {@code rank} may overstate the true one (0 while exact). */
    long maxOvercount(int s, int rank) {
        return over[2 * s + rank];
    }

    /** Hosts of side {@code s} (in each ranking, once they parted). */
    int size(int s) {
        return n[s];
    }

    /** The row of the {@code i}-th host of side {@code s} in ranking {@code rank}, in the order kept. */
    int row(int s, int rank, int i) {
        return (rank == BYTES && (flags[s] & SPLIT) != 0 ? n[s] : 0) + i;
    }

    /**
     * The rows of the {@code count} heaviest hosts of side {@code s} by {@code rank}, heaviest first; ties go
     * to the lower address (as unsigned 128-bit numbers), so that the order never depends on the order of
     * updates.
     */
    int[] top(int s, int rank, int count) {
        final long[] e = rows[s];
        final int size = n[s];
        final int c = cap(s);
        final int first = rank == BYTES && (flags[s] & SPLIT) != 0 ? size : 0;
        final int base = first == 0 ? 0 : ROW * c;
        final int ranked = base + (rank == PACKETS ? PK : BY) * c;
        final int hi = base + HI * c;
        final int lo = base + LO * c;
        final int k = Math.min(count, size);
        int[] idx = new int[k];
        int filled = 0;
        // one pass, each row put in its place among the heaviest so far (hosts differ: a strict order)
        for (int i = 0; i < size; i++) {
            if (filled == k && !heavier(e, ranked, hi, lo, i, idx[k - 1])) {
                continue;
            }
            int j = filled < k ? filled++ : k - 1;
            while (j > 0 && heavier(e, ranked, hi, lo, i, idx[j - 1])) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = i;
        }
        for (int j = 0; j < k; j++) {
            idx[j] += first;
        }
        return idx;
    }

    /** Whether row {@code i} of a block is heavier than row {@code j}, given where its columns start. */
    private static boolean heavier(long[] e, int ranked, int hi, int lo, int i, int j) {
        if (e[ranked + i] != e[ranked + j]) {
            return e[ranked + i] > e[ranked + j];
        }
        int c = Long.compareUnsigned(e[hi + i], e[hi + j]);
        return c != 0 ? c < 0 : Long.compareUnsigned(e[lo + i], e[lo + j]) < 0;
    }

    /** The row of host (h, l) in side {@code s} while it is exact, or -1 when it is not there. */
    int find(int s, long h, long l) {
        final long[] e = rows[s];
        final int c = cap(s);
        for (int i = 0; i < n[s]; i++) {
            if (e[LO * c + i] == l && e[HI * c + i] == h) {
                return i;
            }
        }
        return -1;
    }

    long hi(int s, int row) {
        return rows[s][at(s, row, HI)];
    }

    long lo(int s, int row) {
        return rows[s][at(s, row, LO)];
    }

    long packets(int s, int row) {
        return rows[s][at(s, row, PK)];
    }

    long bytes(int s, int row) {
        return rows[s][at(s, row, BY)];
    }

    long flows(int s, int row) {
        return rows[s][at(s, row, FL)];
    }

    /** Bytes held past the budget: {@link #SIDE_BYTES} a side. */
    long fixedBytes() {
        return sides * SIDE_BYTES;
    }
}
