package io.portwatch.analysis.ports;

import io.portwatch.capture.flow.HashKey;

import java.util.Arrays;

/**
 * Counts distinct 128-bit values, such as client addresses of one port: exactly while few, then
 * approximately with a HyperLogLog sketch, in bounded memory whatever is added.
 *
 * <p>Up to {@code exactLimit} distinct values live in a small set: the values, in the order first added,
 * in a {@code long[]} of pairs, and an open-addressing index of their positions ({@code int[]}, linear
 * probing, at most half full), both starting with room for a handful and doubling as needed; adding one
 * more moves every value into a HyperLogLog sketch and frees the set. Adding a value already seen
 * allocates nothing. Keeping the values in order (16 bytes a value and 4 to 8 of index, where a table of
 * pairs at most half full took 32 to 64) is what lets the mergeable sketch be made only when asked for
 * ({@link #sketchBytes}): a port whose clients are counted exactly keeps no sketch of its own, and the
 * sketch made from its values, in order, is the one fed value by value would have been. Not thread-safe.
 *
 * <p>Values come from packets: the index and the sketch hash them with keys of the run's secret
 * ({@link HashKey}), so that nobody can choose values that share a slot or a register, and a lookup in
 * the index reads at most {@value #MAX_PROBE} slots: a value that would lie further, when added or when
 * the index doubles (only values crafted for a known key), moves the counter to its sketch, as a full set
 * does. An estimate past the exact limit therefore varies with the key, within its error. The value 0
 * (the pair (0, 0)) has no slot in the index; a flag says whether it was added.
 *
 * <p>The sketch: a {@link HipSketch}, HyperLogLog registers with the HIP estimator.
 *
 * <p>Memory: a counter given a {@link MemoryBudget} reserves what its set, index and sketch hold past
 * {@link #FLOOR_BYTES} (its first arrays, or its smallest sketch; not charged). The object itself is 40
 * bytes, its settings shared with the other counters of its owner. When the budget refuses growth the counter moves
 * to a sketch in the memory it already holds (registers as many as its set's bytes allow, between 64 and
 * {@code 2^lgK}: a relative standard error of 10% at 64), and says so ({@link #memoryLimited()}); its
 * count is an estimate from then on. A counter that keeps a mergeable sketch ({@link AddressSketch}) makes
 * it when it moves to its own sketch, when the budget allows ({@link #sketchMissing()} otherwise), and
 * feeds it every value from then on, so that DataSketches' hash is paid only where the exact set would
 * not do.
 */
public final class DistinctCounter {

    /** Default number of distinct values counted exactly. */
    public static final int DEFAULT_EXACT_LIMIT = 4096;
    /** Default log2 of the number of HLL buckets (4096 buckets, about 1.3% error). */
    public static final int DEFAULT_LG_K = 12;

    private static final int INITIAL_SLOTS = 4;
    private static final int INITIAL_PAIRS = 2;
    /** The smallest sketch a counter short of memory moves to: 64 registers. */
    static final int MIN_LIMITED_LG_K = 6;
    /**
     * Bytes a counter may hold without reserving them from its budget: its first arrays (index and values, 80
     * bytes), or its smallest sketch (64 registers and their state, 120 bytes), whichever is more.
     */
    public static final long FLOOR_BYTES = Math.max(MemoryBudget.ints(INITIAL_SLOTS)
            + MemoryBudget.longs(2 * INITIAL_PAIRS), MemoryBudget.bytes(1 << MIN_LIMITED_LG_K) + HipSketch.STATE_BYTES);
    /**
     * Bytes a mergeable sketch is accounted: DataSketches' HLL_4 sketch of lgK 12 holds 2.2 to 2.3 KB once
     * past a few hundred values (measured: 2,215 bytes at 5,000 values, 2,312 at 100,000), and its wrapper.
     */
    public static final long ADDRESS_SKETCH_BYTES = 2_640;
    /**
     * Index slots a lookup reads at most. The index is at most half full: with random values a run of taken
     * slots this long has a probability of about e<sup>-49</sup>.
     */
    static final int MAX_PROBE = 256;
    static final HashKey SLOT_KEY = HashKey.RUN.derive(0x6463_736CL);

    private static final CounterSettings DEFAULTS = new CounterSettings(DEFAULT_EXACT_LIMIT, DEFAULT_LG_K);

    private final CounterSettings settings;
    /** Positions + 1 of the values (0: an empty slot), by the value's keyed hash; null past the exact set. */
    private int[] index;
    /** Pairs (hi, lo) at [2i, 2i+1], in the order first added; null past the exact set. */
    private long[] values;
    private int size;
    private boolean hasZero;
    /** The sketch, past the exact set; null while exact. */
    private HipSketch hll;
    private boolean memoryLimited;
    private boolean sketchMissing;

    /** A counter with the default exact limit (4096) and sketch size (lgK 12). */
    public DistinctCounter() {
        this(DEFAULTS);
    }

    /**
     * A counter with its own limits (tests: others share their {@link CounterSettings}).
     *
     * @throws IllegalArgumentException when a limit is out of range
     */
    public DistinctCounter(int exactLimit, int lgK) {
        this(new CounterSettings(exactLimit, lgK));
    }

    public DistinctCounter(CounterSettings settings) {
        this.settings = settings;
        this.index = new int[INITIAL_SLOTS];
        this.values = new long[2 * INITIAL_PAIRS];
    }

    /**
     * Adds one value.
     *
     * @param hi high 64 bits
     * @param lo low 64 bits
     */
    public void add(long hi, long lo) {
        final HipSketch s = hll;
        if (s != null) {
            s.add(hi, lo);
            if (s.sketch != null) {
                s.sketch.update(hi, lo);
            }
            return;
        }
        if (hi == 0 && lo == 0) {
            if (!hasZero) {
                if (size == settings.exactLimit || !roomForOneMore()) {
                    leaveSet(hi, lo);
                    return;
                }
                hasZero = true;
                append(hi, lo);
            }
            return;
        }
        final int[] idx = index;
        final long[] v = values;
        int mask = idx.length - 1;
        int i = slot(hi, lo, mask);
        for (int probes = 0; ; probes++) {
            if (probes == MAX_PROBE) { // only values crafted for a known key: counted as a full set is
                leaveSet(hi, lo);
                return;
            }
            int p = idx[i];
            if (p == 0) {
                break;
            }
            if (v[2 * p - 2] == hi && v[2 * p - 1] == lo) {
                return; // seen before
            }
            i = (i + 1) & mask;
        }
        if (size == settings.exactLimit || !roomForOneMore()) {
            leaveSet(hi, lo);
            return;
        }
        idx[i] = append(hi, lo);
        // at most half full: a new value is found missing in ~2.5 probes, not ~8.5
        if (size * 2 > mask + 1) {
            growIndex();
        }
    }

    /** Appends a value to the set (there is room); returns its position + 1. */
    private int append(long hi, long lo) {
        final int n = size;
        values[2 * n] = hi;
        values[2 * n + 1] = lo;
        size = n + 1;
        return n + 1;
    }

    /** Whether the values' array has room for one more, grown if needed; false when the budget refused. */
    private boolean roomForOneMore() {
        if (2 * size < values.length) {
            return true;
        }
        int pairs = (int) Math.min((long) size * 2, settings.exactLimit);
        if (!resize(held(), MemoryBudget.ints(index.length) + MemoryBudget.longs(2 * pairs))) {
            memoryLimited = true;
            return false;
        }
        values = Arrays.copyOf(values, 2 * pairs);
        return true;
    }

    /**
     * Moves the counter to its sketch and adds the value there: past the exact limit, past the probe limit,
     * or when the budget refused the set's growth.
     */
    private void leaveSet(long hi, long lo) {
        switchToSketch();
        add(hi, lo);
    }

    /**
     * Reads the memory that adding this value will read first (its slot in the index, or its register),
     * and changes nothing: called some values ahead of {@link #add}, it overlaps that cache miss with
     * other work.
     *
     * @return what was read, for the caller to keep so that the read is not optimized away
     */
    public long prefetch(long hi, long lo) {
        final HipSketch s = hll;
        if (s == null) {
            final int[] idx = index;
            return idx[slot(hi, lo, idx.length - 1)];
        }
        return s.prefetch(hi, lo);
    }

    /** The number of distinct values added: exact while {@link #isExact()}, else the sketch's estimate. */
    public long estimate() {
        return hll == null ? size : hll.estimate();
    }

    /** Whether {@link #estimate()} is an exact count (no more than the exact limit of values so far). */
    public boolean isExact() {
        return hll == null;
    }

    /** Whether the budget refused this counter memory since it was last cleared (its count is then an estimate). */
    public boolean memoryLimited() {
        return memoryLimited;
    }

    /** Whether this counter has left its exact set without the memory for its mergeable sketch. */
    public boolean sketchMissing() {
        return sketchMissing;
    }

    /**
     * The mergeable sketch of every value added since the last clear, as DataSketches serializes it: while
     * the counter is exact, made in {@code scratch} (reset first) from the values in the order first added,
     * which is the sketch fed each value as it came; else the counter's own. Null when the counter has no
     * mergeable sketch ({@link #sketchMissing()}, or settings without one).
     */
    public byte[] sketchBytes(AddressSketch scratch) {
        if (!settings.mergeable) {
            return null;
        }
        if (hll != null) {
            return hll.sketch == null ? null : hll.sketch.toBytes();
        }
        scratch.reset();
        feedValues(scratch);
        return scratch.toBytes();
    }

    /**
     * Forgets every value; the counter is exact again, with its first arrays, and gives back to the budget
     * what it reserved (so that one window's growth does not stay with the next).
     */
    public void clear() {
        long before = held();
        if (hll == null && index.length == INITIAL_SLOTS && values.length == 2 * INITIAL_PAIRS) {
            Arrays.fill(index, 0);
        } else {
            index = new int[INITIAL_SLOTS];
            values = new long[2 * INITIAL_PAIRS];
        }
        hll = null;
        resize(before, held());
        size = 0;
        hasZero = false;
        memoryLimited = false;
        sketchMissing = false;
    }

    /** Approximate heap bytes held for values (the set and its index, or the sketch and the mergeable sketch). */
    public long retainedBytes() {
        return held();
    }

    /** The most {@link #retainedBytes()} can reach for given limits, whatever is added (without a mergeable sketch). */
    public static long maxRetainedBytes(int exactLimit, int lgK) {
        int slots = INITIAL_SLOTS;
        while (exactLimit * 2L > slots) {
            slots <<= 1;
        }
        return Math.max(MemoryBudget.ints(slots) + MemoryBudget.longs(2 * Math.max(exactLimit, INITIAL_PAIRS)),
                MemoryBudget.bytes(1 << lgK) + HipSketch.STATE_BYTES);
    }

    /** The longest probe sequence a lookup in the index makes now (tests: it must stay within {@link #MAX_PROBE}). */
    int longestProbe() {
        if (hll != null) {
            return 0;
        }
        int mask = index.length - 1;
        int longest = 0;
        for (int i = 0; i <= mask; i++) {
            int p = index[i];
            if (p != 0) {
                longest = Math.max(longest, ((i - slot(values[2 * p - 2], values[2 * p - 1], mask)) & mask) + 1);
            }
        }
        return longest;
    }

    /** The bytes held now: the set and its index, or the sketch (and the mergeable sketch). */
    private long held() {
        final HipSketch s = hll;
        if (s == null) {
            return MemoryBudget.ints(index.length) + MemoryBudget.longs(values.length);
        }
        return MemoryBudget.bytes(s.registers()) + HipSketch.STATE_BYTES + (s.sketch != null ? ADDRESS_SKETCH_BYTES : 0);
    }

    /**
     * Accounts a change of the bytes held from {@code from} to {@code to}: what is held past
     * {@link #FLOOR_BYTES} is reserved from the budget, and given back when no longer held.
     *
     * @return false when the budget refused the growth (the caller then changes nothing)
     */
    private boolean resize(long from, long to) {
        final MemoryBudget b = settings.budget;
        if (b == null) {
            return true;
        }
        long delta = Math.max(0, to - FLOOR_BYTES) - Math.max(0, from - FLOOR_BYTES);
        if (delta > 0) {
            return b.reserve(delta);
        }
        if (delta < 0) {
            b.release(-delta);
        }
        return true;
    }

    /**
     * Doubles the index, each value within {@value #MAX_PROBE} slots of its home as {@link #add} places
     * them, re-inserted in the order of the old index's slots. Values that each lay near their home can lie
     * far from it in the larger index (a run that wrapped round the end is re-inserted behind the values
     * after it): when one would lie further (only values crafted for a known key), or when the budget
     * refuses the larger index, the counter moves to its sketch.
     */
    private void growIndex() {
        final int[] old = index;
        final long before = held();
        final long after = before - MemoryBudget.ints(old.length) + MemoryBudget.ints(old.length * 2);
        if (!resize(before, after)) {
            memoryLimited = true;
            switchToSketch();
            return;
        }
        int[] t = new int[old.length * 2];
        int mask = t.length - 1;
        final long[] v = values;
        for (int p : old) {
            if (p != 0) {
                int i = slot(v[2 * p - 2], v[2 * p - 1], mask);
                for (int probes = 1; t[i] != 0; probes++) {
                    if (probes == MAX_PROBE) {
                        resize(after, before);
                        switchToSketch();
                        return;
                    }
                    i = (i + 1) & mask;
                }
                t[i] = p;
            }
        }
        index = t;
    }

    /**
     * Moves every value of the set into the sketch (from empty registers) and frees the set: registers of
     * {@code 2^lgK}, or when the budget cannot give them, as many as the set's own bytes allow (at least 64,
     * within {@link #FLOOR_BYTES}). A mergeable counter makes its mergeable sketch here, fed the values in
     * the order they were first added, when the budget has room for it.
     */
    private void switchToSketch() {
        final CounterSettings c = settings;
        final long setBytes = held();
        int lg = c.lgK;
        long sketchBytes = MemoryBudget.bytes(1 << lg) + HipSketch.STATE_BYTES;
        if (!resize(setBytes, sketchBytes)) {
            memoryLimited = true;
            int affordable = 63 - Long.numberOfLeadingZeros(setBytes - 2 * MemoryBudget.ARRAY_HEADER - HipSketch.STATE_BYTES);
            lg = Math.min(c.lgK, Math.max(MIN_LIMITED_LG_K, affordable));
            sketchBytes = MemoryBudget.bytes(1 << lg) + HipSketch.STATE_BYTES;
            resize(setBytes, sketchBytes); // no more than the set held, or within the floor: never refused
        }
        final HipSketch s = new HipSketch(lg);
        if (c.mergeable) {
            if (resize(sketchBytes, sketchBytes + ADDRESS_SKETCH_BYTES)) {
                s.sketch = new AddressSketch(c.key);
                feedValues(s.sketch);
            } else {
                sketchMissing = true;
            }
        }
        final long[] v = values;
        for (int p : index) { // in the order of the index's slots, 0 last (as a table of pairs was read)
            if (p != 0) {
                s.add(v[2 * p - 2], v[2 * p - 1]);
            }
        }
        if (hasZero) {
            s.add(0, 0);
        }
        hll = s;
        index = null;
        values = null;
        size = 0;
        hasZero = false;
    }

    /** Feeds the set's values to {@code s}, in the order first added. */
    private void feedValues(AddressSketch s) {
        final long[] v = values;
        for (int i = 0; i < size; i++) {
            s.update(v[2 * i], v[2 * i + 1]);
        }
    }

    private static int slot(long hi, long lo, int mask) {
        return (int) SLOT_KEY.hash(hi, lo) & mask;
    }
}
