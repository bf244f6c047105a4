package io.portwatch.analysis.ports;

/**
 * What the {@link DistinctCounter}s of one owner share: their limits, the budget their growth is reserved
 * from, and whether they keep a mergeable sketch (and its key); one object for them all, not four fields in
 * each of 262,144 counters. Immutable but for the budget.
 */
public final class CounterSettings {
    final int exactLimit;
    final int lgK;
    /** Where growth is reserved, or null for none. */
    final MemoryBudget budget;
    final boolean mergeable;
    final FleetKey key;

    /**
     * Counters with their own limits, no budget and no mergeable sketch.
     *
     * @param exactLimit distinct values counted exactly before switching to the sketch, 1 to 2^20
     * @param lgK        log2 of the sketch's bucket count, 4 to 21
     * @throws IllegalArgumentException when a limit is out of range
     */
    public CounterSettings(int exactLimit, int lgK) {
        this(exactLimit, lgK, null, false, null);
    }

    private CounterSettings(int exactLimit, int lgK, MemoryBudget budget, boolean mergeable, FleetKey key) {
        if (exactLimit < 1 || exactLimit > (1 << 20)) {
            throw new IllegalArgumentException("exactLimit must be 1 to 2^20, not " + exactLimit);
        }
        if (lgK < 4 || lgK > 21) {
            throw new IllegalArgumentException("lgK must be 4 to 21, not " + lgK);
        }
        this.exactLimit = exactLimit;
        this.lgK = lgK;
        this.budget = budget;
        this.mergeable = mergeable;
        this.key = key;
    }

    /**
     * Counters with the default limits that reserve their growth from {@code budget} and keep a mergeable
     * sketch of their values ({@link DistinctCounter#sketchBytes}).
     *
     * @param budget where growth is reserved, or null for no limit
     * @param key    the fleet key the mergeable sketches hash addresses with, or null (public)
     */
    public static CounterSettings mergeable(MemoryBudget budget, FleetKey key) {
        return new CounterSettings(DistinctCounter.DEFAULT_EXACT_LIMIT, DistinctCounter.DEFAULT_LG_K, budget, true, key);
    }
}
