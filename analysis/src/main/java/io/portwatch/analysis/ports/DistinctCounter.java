package io.portwatch.analysis.ports;

import io.portwatch.capture.flow.HashKey;

import java.util.Arrays;

/**
 * Counts distinct 128-bit values, such as client addresses of one port: exactly while few, then
 * approximately with a HyperLogLog sketch, in bounded memory whatever is added.
 *
 * <p>Up to {@code exactLimit} distinct values live in a small open-addressing hash set of long pairs
 * that starts with room for a handful and doubles as needed; adding one more moves every value
 * into a HyperLogLog sketch and frees the set. Adding a value already seen allocates nothing.
 * Not thread-safe.
 *
 * <p>Values come from packets: the set and the sketch hash them with keys of the run's secret
 * ({@link HashKey}), so that nobody can choose values that share a slot or a register, and a lookup in
 * the set reads at most {@value #MAX_PROBE} slots: a value that would lie further, when added or when the
 * set doubles (only values crafted for a known key), moves the counter to its sketch, as a full set does.
 * An estimate past the exact limit therefore varies with the key, within its error.
 *
 * <p>The sketch: {@code 2^lgK} one-byte registers, each the highest rank (leading zeros + 1) seen among
 * the 64-bit hashes of the values whose top {@code lgK} bits name it, and the HIP estimator
 * (historic inverse probability, Cohen 2015; Ting 2014), which the Apache DataSketches HLL sketch also
 * uses for a sketch that is updated, not merged: each time a value raises a register, the count grows
 * by the inverse of the probability that a new value would have, {@code 2^lgK / sum(2^-register)}.
 * Unbiased at every count, with a relative standard error of about {@code 0.84 / sqrt(2^lgK)} (1.3%
 * at lgK 12). It replaces DataSketches' {@code HllSketch} here, which cost ~100 ns a value on the
 * detection thread (hashing 16 bytes with MurmurHash3 through several layers) against ~5 ns.
 *
 * <p>A counter may carry an {@link AddressSketch} beside (the mergeable sketch of {@code port_stats}): it
 * gets each distinct value once while the counter is exact, and every value past that, so that its
 * DataSketches hash is paid per distinct value, and per value only where the exact set would not do.
 */
public final class DistinctCounter {

    /** Default number of distinct values counted exactly. */
    public static final int DEFAULT_EXACT_LIMIT = 4096;
    /** Default log2 of the number of HLL buckets (4096 buckets, about 1.3% error). */
    public static final int DEFAULT_LG_K = 12;

    private static final int INITIAL_SLOTS = 4;
    /**
     * Set slots a lookup reads at most. The set is at most half full: with random values a run of taken
     * slots this long has a probability of about e<sup>-49</sup>.
     */
    static final int MAX_PROBE = 256;
    static final HashKey SLOT_KEY = HashKey.RUN.derive(0x6463_736CL);
    static final HashKey SKETCH_KEY = HashKey.RUN.derive(0x6463_686CL);
    /** {@code 2^-r} for every rank r a register can hold (0 to 64). */
    private static final double[] INVERSE_POW2 = new double[66];

    static {
        for (int r = 0; r < INVERSE_POW2.length; r++) {
            INVERSE_POW2[r] = Math.scalb(1.0, -r);
        }
    }

    private final int exactLimit;
    private final int lgK;

    /** Pairs (hi, lo) at [2i, 2i+1]; the pair (0, 0) marks an empty slot and is tracked by {@link #hasZero}. */
    private long[] table;
    private int size;
    private boolean hasZero;
    /** The sketch's registers, made at the first switch and kept (cleared) for reuse. */
    private byte[] registers;
    /** {@code sum(2^-register)} over the registers. */
    private double inverseSum;
    /** The HIP estimate. */
    private double hip;
    private boolean exact = true;
    /** The mergeable sketch fed beside, or null. */
    private final AddressSketch sketch;

    /** A counter with the default exact limit (4096) and sketch size (lgK 12). */
    public DistinctCounter() {
        this(DEFAULT_EXACT_LIMIT, DEFAULT_LG_K);
    }

    /** A counter with the default limits that feeds {@code sketch} too (see {@link #sketch()}). */
    public DistinctCounter(AddressSketch sketch) {
        this(DEFAULT_EXACT_LIMIT, DEFAULT_LG_K, sketch);
    }

    /**
     * A counter with its own limits.
     *
     * @param exactLimit distinct values counted exactly before switching to the sketch, 1 to 2^20
     * @param lgK        log2 of the sketch's bucket count, 4 to 21
     * @throws IllegalArgumentException when a limit is out of range
     */
    public DistinctCounter(int exactLimit, int lgK) {
        this(exactLimit, lgK, null);
    }

    private DistinctCounter(int exactLimit, int lgK, AddressSketch sketch) {
        if (exactLimit < 1 || exactLimit > (1 << 20)) {
            throw new IllegalArgumentException("exactLimit must be 1 to 2^20, not " + exactLimit);
        }
        if (lgK < 4 || lgK > 21) {
            throw new IllegalArgumentException("lgK must be 4 to 21, not " + lgK);
        }
        this.exactLimit = exactLimit;
        this.lgK = lgK;
        this.table = new long[2 * INITIAL_SLOTS];
        this.sketch = sketch;
    }

    /**
     * Adds one value.
     *
     * @param hi high 64 bits
     * @param lo low 64 bits
     */
    public void add(long hi, long lo) {
        if (!exact) {
            toSketch(hi, lo);
            feed(hi, lo);
            return;
        }
        if (hi == 0 && lo == 0) {
            if (!hasZero) {
                if (size == exactLimit) {
                    switchToSketch();
                    toSketch(hi, lo);
                    feed(hi, lo);
                    return;
                }
                hasZero = true;
                size++;
                feed(hi, lo);
            }
            return;
        }
        int mask = (table.length >>> 1) - 1;
        int i = slot(hi, lo, mask);
        for (int probes = 0; ; probes++) {
            if (probes == MAX_PROBE) { // only values crafted for a known key: counted as a full set is
                switchToSketch();
                toSketch(hi, lo);
                feed(hi, lo);
                return;
            }
            long h = table[2 * i];
            long l = table[2 * i + 1];
            if (h == hi && l == lo) {
                return; // seen before
            }
            if (h == 0 && l == 0) {
                break;
            }
            i = (i + 1) & mask;
        }
        if (size == exactLimit) {
            switchToSketch();
            toSketch(hi, lo);
            feed(hi, lo);
            return;
        }
        table[2 * i] = hi;
        table[2 * i + 1] = lo;
        size++;
        feed(hi, lo);
        // at most half full: a new value is found missing in ~2.5 probes, not ~8.5
        if (size * 2 > mask + 1 && !grow()) {
            switchToSketch(); // a value would lie past the probe limit in the larger set: as when adding it
        }
    }

    /**
     * Reads the memory that adding this value will read first (its slot in the set, or its register),
     * and changes nothing: called some values ahead of {@link #add}, it overlaps that cache miss with
     * other work.
     *
     * @return what was read, for the caller to keep so that the read is not optimized away
     */
    public long prefetch(long hi, long lo) {
        if (exact) {
            final long[] t = table;
            return t[2 * slot(hi, lo, (t.length >>> 1) - 1)];
        }
        return registers[(int) (hash64(hi, lo) >>> -lgK)];
    }

    /** The number of distinct values added: exact while {@link #isExact()}, else the sketch's estimate. */
    public long estimate() {
        return exact ? size : Math.round(hip);
    }

    /** Whether {@link #estimate()} is an exact count (no more than the exact limit of values so far). */
    public boolean isExact() {
        return exact;
    }

    /** The mergeable sketch this counter feeds, holding every value added since the last clear; or null. */
    public AddressSketch sketch() {
        return sketch;
    }

    /** Forgets every value; the counter is exact again and keeps its sketch (and the mergeable one) for reuse. */
    public void clear() {
        if (sketch != null) {
            sketch.reset();
        }
        if (table.length <= 2 * INITIAL_SLOTS * 16) { // small: keep it (after the sketch it is tiny)
            Arrays.fill(table, 0L);
        } else {
            table = new long[2 * INITIAL_SLOTS];
        }
        size = 0;
        hasZero = false;
        exact = true;
        if (registers != null) {
            Arrays.fill(registers, (byte) 0);
        }
    }

    /** Approximate heap bytes held for values (the set's table and the sketch), to check the bound. */
    public long retainedBytes() {
        long bytes = 16L + 8L * table.length;
        if (registers != null) {
            bytes += 16L + registers.length;
        }
        return bytes;
    }

    /** The most {@link #retainedBytes()} can reach for given limits, whatever is added. */
    public static long maxRetainedBytes(int exactLimit, int lgK) {
        int slots = INITIAL_SLOTS;
        while (exactLimit * 2L > slots) {
            slots <<= 1;
        }
        return 16L + 16L * slots + 16L + (1L << lgK);
    }

    /** The longest probe sequence a lookup in the set makes now (tests: it must stay within {@link #MAX_PROBE}). */
    int longestProbe() {
        int mask = (table.length >>> 1) - 1;
        int longest = 0;
        for (int i = 0; i <= mask; i++) {
            long h = table[2 * i];
            long l = table[2 * i + 1];
            if (h != 0 || l != 0) {
                longest = Math.max(longest, ((i - slot(h, l, mask)) & mask) + 1);
            }
        }
        return longest;
    }

    /**
     * Doubles the set, each value within {@value #MAX_PROBE} slots of its home as {@link #add} places them.
     * Values that each lay near their home can lie far from it in the larger set (a run that wrapped round
     * the end is re-inserted behind the values after it): when one would lie further (only values crafted
     * for a known key), the set stays as it was and this returns false.
     */
    private boolean grow() {
        long[] old = table;
        long[] t = new long[old.length * 2];
        int mask = (t.length >>> 1) - 1;
        for (int j = 0; j < old.length; j += 2) {
            long h = old[j];
            long l = old[j + 1];
            if (h != 0 || l != 0) {
                int i = slot(h, l, mask);
                for (int probes = 1; t[2 * i] != 0 || t[2 * i + 1] != 0; probes++) {
                    if (probes == MAX_PROBE) {
                        return false;
                    }
                    i = (i + 1) & mask;
                }
                t[2 * i] = h;
                t[2 * i + 1] = l;
            }
        }
        table = t;
        return true;
    }

    /** Moves every value of the set into the sketch (from empty registers) and frees the set. */
    private void switchToSketch() {
        if (registers == null) {
            registers = new byte[1 << lgK];
        }
        inverseSum = registers.length; // every register 0: 2^-0 each
        hip = 0;
        for (int j = 0; j < table.length; j += 2) {
            if (table[j] != 0 || table[j + 1] != 0) {
                toSketch(table[j], table[j + 1]);
            }
        }
        if (hasZero) {
            toSketch(0, 0);
        }
        table = new long[2 * INITIAL_SLOTS];
        size = 0;
        hasZero = false;
        exact = false;
    }

    private void feed(long hi, long lo) {
        if (sketch != null) {
            sketch.update(hi, lo);
        }
    }

    private void toSketch(long hi, long lo) {
        final long h = hash64(hi, lo);
        final int j = (int) (h >>> -lgK); // the top lgK bits
        // the rank of the other bits: a guard bit below them caps it at 64 - lgK + 1
        final int rank = Long.numberOfLeadingZeros(h << lgK | 1L << (lgK - 1)) + 1;
        final byte[] regs = registers;
        final int old = regs[j];
        if (rank > old) {
            hip += regs.length / inverseSum;
            inverseSum += INVERSE_POW2[rank] - INVERSE_POW2[old];
            regs[j] = (byte) rank;
        }
    }

    /** The sketch's keyed 64-bit hash of a value: every bit depends on every input bit. */
    private static long hash64(long hi, long lo) {
        return SKETCH_KEY.hash(hi, lo);
    }

    private static int slot(long hi, long lo, int mask) {
        return (int) SLOT_KEY.hash(hi, lo) & mask;
    }
}
