package io.portwatch.analysis.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portwatch.analysis.CraftedKeys;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DistinctCounterTest {

    private record Pair(long hi, long lo) {
    }

    /** IPv4 address as DecodedPacket keeps it: IPv4-mapped IPv6. */
    private static long v4(long addr) {
        return 0x0000_FFFF_0000_0000L | (addr & 0xFFFF_FFFFL);
    }

    /**
     * Five standard errors of an estimate at the default sketch size ({@code 0.84 / sqrt(4096)}): the
     * sketch hashes with the run's secret key, so an estimate is a random draw each run, and a check
     * within five standard errors fails about once in two million.
     */
    private static final double FIVE_SIGMA = 5 * 0.84 / 64;

    private static void assertWithin(double tolerance, long expected, long actual, String what) {
        double err = Math.abs(actual - expected) / (double) expected;
        assertTrue(err <= tolerance, what + ": estimate " + actual + " for " + expected
                + " is off by " + String.format("%.2f%%", 100 * err));
    }

    @Test
    void exactBelowTheLimitWithDuplicates() {
        SplittableRandom rnd = new SplittableRandom(1);
        Pair[] pool = new Pair[3000];
        for (int i = 0; i < pool.length; i++) {
            // a mix of IPv4-mapped, IPv6 and the all-zero address (which is also the empty-slot pattern)
            pool[i] = i == 17 ? new Pair(0, 0)
                    : i % 3 == 0 ? new Pair(0, v4(rnd.nextLong()))
                    : new Pair(rnd.nextLong(), rnd.nextLong());
        }
        DistinctCounter counter = new DistinctCounter();
        Set<Pair> seen = new HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            Pair p = pool[rnd.nextInt(i < 2000 ? 50 : pool.length)];
            counter.add(p.hi, p.lo);
            seen.add(p);
            if (i % 997 == 0) {
                assertEquals(seen.size(), counter.estimate(), "after " + (i + 1) + " adds");
            }
        }
        assertTrue(counter.isExact());
        assertEquals(seen.size(), counter.estimate());
        assertTrue(seen.size() > 2900, "pool mostly drawn: " + seen.size());
    }

    @Test
    void switchesToTheSketchOnlyPastTheLimit() {
        DistinctCounter counter = new DistinctCounter();
        for (int i = 0; i < DistinctCounter.DEFAULT_EXACT_LIMIT; i++) {
            counter.add(0, v4(0x0A00_0000L + i));
        }
        for (int i = 0; i < 100; i++) { // repeats do not count
            counter.add(0, v4(0x0A00_0000L + i));
        }
        assertTrue(counter.isExact());
        assertEquals(DistinctCounter.DEFAULT_EXACT_LIMIT, counter.estimate());
        counter.add(0, v4(0x0B00_0000L));
        assertFalse(counter.isExact());
        assertWithin(FIVE_SIGMA, DistinctCounter.DEFAULT_EXACT_LIMIT + 1, counter.estimate(), "at the switch");
    }

    @Test
    void estimateWithinFiveStandardErrorsAt1e5And1e6() {
        for (String kind : List.of("random", "sequential-v4", "sequential-v6")) {
            SplittableRandom rnd = new SplittableRandom(kind.hashCode());
            DistinctCounter counter = new DistinctCounter();
            for (int i = 1; i <= 1_000_000; i++) {
                switch (kind) {
                    case "random" -> counter.add(rnd.nextLong(), rnd.nextLong());
                    case "sequential-v4" -> counter.add(0, v4(0x0A00_0000L + i));
                    default -> counter.add(0x2001_0db8_0000_0001L, i);
                }
                if (i % 3 == 0) { // and every third value again
                    switch (kind) {
                        case "sequential-v4" -> counter.add(0, v4(0x0A00_0000L + i));
                        case "sequential-v6" -> counter.add(0x2001_0db8_0000_0001L, i);
                        default -> { }
                    }
                }
                if (i == 100_000 || i == 1_000_000) {
                    assertFalse(counter.isExact());
                    assertWithin(FIVE_SIGMA, i, counter.estimate(), kind);
                }
            }
        }
    }

    /**
     * The sketch's estimates over many independent streams: unbiased (mean relative error within four
     * standard errors of the mean), and spread as HIP's theory says, {@code sqrt(ln 2 / 2^lgK)} (1.3% at
     * lgK 12, 2.6% at lgK 10), give or take a third. The theory is asymptotic: with few values a register
     * (5,000 in 4,096 registers) the estimates spread less (0.86% seen at lgK 12), so the streams hold 16
     * and 64 values a register. The sketch hashes with the run's secret key: each run draws new estimates.
     */
    @Test
    void sketchEstimatesAreUnbiasedWithTheExpectedSpread() {
        final int trials = 100;
        for (int lgK : new int[] {10, 12}) {
            double rse = Math.sqrt(Math.log(2) / (1 << lgK));
            for (int n : new int[] {16 << lgK, 64 << lgK}) {
                double sum = 0;
                double sumSq = 0;
                for (int t = 0; t < trials; t++) {
                    SplittableRandom rnd = new SplittableRandom(1_000L * lgK + 31L * n + t);
                    DistinctCounter counter = new DistinctCounter(64, lgK);
                    for (int i = 0; i < n; i++) {
                        if ((i & 1) == 0) {
                            counter.add(0, v4(rnd.nextLong()));
                        } else {
                            counter.add(rnd.nextLong(), rnd.nextLong());
                        }
                    }
                    double err = (counter.estimate() - n) / (double) n;
                    sum += err;
                    sumSq += err * err;
                }
                double mean = sum / trials;
                double rms = Math.sqrt(sumSq / trials);
                String what = String.format("lgK %d, %d values: mean error %.3f%%, rms %.3f%%, theory %.3f%%", lgK,
                        n, 100 * mean, 100 * rms, 100 * rse);
                assertTrue(Math.abs(mean) < 4 * rse / Math.sqrt(trials), "unbiased: " + what);
                assertTrue(rms > rse * 2 / 3 && rms < rse * 4 / 3, "spread: " + what);
            }
        }
    }

    @Test
    void clearForgetsAndReusesTheCounter() {
        DistinctCounter counter = new DistinctCounter();
        for (int i = 0; i < 100_000; i++) {
            counter.add(1, i);
        }
        assertFalse(counter.isExact());
        counter.clear();
        assertTrue(counter.isExact());
        assertEquals(0, counter.estimate());
        for (int i = 0; i < 1000; i++) {
            counter.add(2, i % 500);
        }
        assertTrue(counter.isExact());
        assertEquals(500, counter.estimate());
        // over the limit again: the reset sketch must not remember the first round
        for (int i = 0; i < 50_000; i++) {
            counter.add(3, i);
        }
        assertWithin(FIVE_SIGMA, 50_500, counter.estimate(), "after clear");
        counter.clear();
        counter.add(3, 7);
        assertEquals(1, counter.estimate());
    }

    @Test
    void memoryStaysBounded() {
        long bound = DistinctCounter.maxRetainedBytes(DistinctCounter.DEFAULT_EXACT_LIMIT, DistinctCounter.DEFAULT_LG_K);
        assertTrue(bound < 160_000, "bound " + bound);
        DistinctCounter counter = new DistinctCounter();
        long fresh = counter.retainedBytes();
        assertTrue(fresh <= 128, "a new counter is tiny: " + fresh);
        SplittableRandom rnd = new SplittableRandom(3);
        long peak = 0;
        long at1e5 = 0;
        for (int i = 1; i <= 1_000_000; i++) {
            counter.add(rnd.nextLong(), rnd.nextLong());
            if ((i & 255) == 0 || i == DistinctCounter.DEFAULT_EXACT_LIMIT) {
                peak = Math.max(peak, counter.retainedBytes());
            }
            if (i == 100_000) {
                at1e5 = counter.retainedBytes();
            }
        }
        assertTrue(peak <= bound, "peak " + peak + " > bound " + bound);
        assertEquals(at1e5, counter.retainedBytes(), "no growth from 1e5 to 1e6 values");
        assertTrue(counter.retainedBytes() < 8192, "sketch mode holds only the sketch: " + counter.retainedBytes());
        counter.clear();
        assertTrue(counter.retainedBytes() < 8192);
    }

    @Test
    void addingKnownValuesAllocatesNothing() {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(tmx.isThreadAllocatedMemorySupported() && tmx.isThreadAllocatedMemoryEnabled());
        DistinctCounter counter = new DistinctCounter();
        for (int i = 0; i < 3000; i++) {
            counter.add(0, v4(i));
        }
        long tid = Thread.currentThread().getId();
        long before = tmx.getThreadAllocatedBytes(tid);
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < 3000; i++) {
                counter.add(0, v4(i));
            }
        }
        long allocated = tmx.getThreadAllocatedBytes(tid) - before;
        assertEquals(3000, counter.estimate());
        assertTrue(allocated < 4096, "300000 repeated adds allocated " + allocated + " bytes");
    }

    @Test
    void rejectsLimitsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new DistinctCounter(0, 12));
        assertThrows(IllegalArgumentException.class, () -> new DistinctCounter(4096, 3));
        assertThrows(IllegalArgumentException.class, () -> new DistinctCounter(4096, 22));
        DistinctCounter one = new DistinctCounter(1, 4);
        one.add(5, 5);
        one.add(5, 5);
        assertTrue(one.isExact());
        assertEquals(1, one.estimate());
        one.add(6, 6);
        assertFalse(one.isExact());
        // 16 registers under the run's secret key: the second value shares the first one's register, and
        // does not raise it, about once in 32 runs; the estimate is then 1 (it failed so, now and then)
        long est = one.estimate();
        assertTrue(est == 1 || est == 2, "estimate " + est);
    }

    /**
     * Values crafted for the set's hash key (known here, as to an attacker who had learned it) to land on
     * one slot: a lookup reads at most MAX_PROBE slots, and the counter moves to its sketch instead of
     * scanning on; the count stays an estimate of the right size.
     */
    @Test
    void valuesCraftedForTheSlotKeyMoveTheCounterToItsSketch() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(4);
        DistinctCounter c = new DistinctCounter();
        int n = 3_000;
        for (int i = 0; i < n; i++) {
            long hi = rnd.nextLong();
            long h = (rnd.nextLong() & ~0xFFFFL) | 0x1234; // the same low 16 bits: one slot of a small set
            long lo = DistinctCounter.SLOT_KEY.wordFor(1, h - DistinctCounter.SLOT_KEY.term(0, hi));
            c.add(hi, lo);
        }
        assertFalse(c.isExact(), "the probe limit moved the counter to its sketch");
        assertTrue(Math.abs(c.estimate() - n) < n * 0.1, c.estimate() + " for " + n);
    }

    /**
     * Values crafted for the set's slot key so that each lies within the probe limit when added, but one
     * would lie far past it once the set doubles (see {@link CraftedKeys#forGrowth}). Growth keeps the
     * probe limit as adding does: the counter moves to its sketch.
     */
    @Test
    void growthKeepsTheProbeLimitForValuesCraftedForTheSlotKey() {
        List<long[]> values = CraftedKeys.forGrowth(new SplittableRandom(8), 4096, 1000, (rnd, home) -> {
            long h = (rnd.nextLong() & ~0xFFFFL) | home; // the slot is h masked
            long hi = rnd.nextLong();
            return new long[] {hi, DistinctCounter.SLOT_KEY.wordFor(1, h - DistinctCounter.SLOT_KEY.term(0, hi))};
        });
        DistinctCounter c = new DistinctCounter();
        for (long[] v : values.subList(0, values.size() - 1)) {
            c.add(v[0], v[1]);
        }
        assertTrue(c.isExact(), "each value lay within the probe limit when it was added");
        assertEquals(values.size() - 1, c.estimate());
        assertTrue(c.longestProbe() <= DistinctCounter.MAX_PROBE, "longest probe " + c.longestProbe());

        long[] last = values.get(values.size() - 1);
        c.add(last[0], last[1]); // the set doubles
        assertTrue(c.longestProbe() <= DistinctCounter.MAX_PROBE, "longest probe after the growth " + c.longestProbe());
        assertFalse(c.isExact(), "a value past the probe limit moves the counter to its sketch");
        long estimate = c.estimate();
        assertWithin(FIVE_SIGMA, values.size(), estimate, "every value counted");
        for (long[] v : values) {
            c.add(v[0], v[1]);
        }
        assertEquals(estimate, c.estimate(), "each counted once");
    }

    /**
     * The mergeable sketch a counter keeps holds every value added, whether the counter is exact or past
     * its limit: its registers (and serialized bytes) are those of a sketch given each distinct value once,
     * in the order first added. Zero is a value too; a clear empties the sketch. One scratch sketch serves
     * every exact counter, and leaves nothing behind from one to the next.
     */
    @Test
    void theMergeableSketchGetsEveryDistinctValue() {
        AddressSketch scratch = new AddressSketch(null);
        byte[] empty = new AddressSketch(null).toBytes();
        for (int distinct : new int[] {100, 10_000, 7}) {
            DistinctCounter counter = new DistinctCounter(CounterSettings.mergeable(null, null));
            AddressSketch direct = new AddressSketch(null);
            for (int round = 0; round < 3; round++) {
                for (long v = 0; v < distinct; v++) {
                    counter.add(v >>> 5, v * 0x9E37_79B9_7F4A_7C15L);
                    if (round == 0) {
                        direct.update(v >>> 5, v * 0x9E37_79B9_7F4A_7C15L);
                    }
                }
            }
            assertEquals(distinct > DistinctCounter.DEFAULT_EXACT_LIMIT, !counter.isExact());
            byte[] bytes = counter.sketchBytes(scratch);
            assertTrue(java.util.Arrays.equals(direct.toBytes(), bytes), distinct + " values");
            double estimate = org.apache.datasketches.hll.HllSketch.heapify(bytes).getEstimate();
            assertTrue(Math.abs(estimate - distinct) < distinct * 0.05, estimate + "");
            counter.clear();
            assertTrue(java.util.Arrays.equals(empty, counter.sketchBytes(scratch)), "cleared");
        }
        assertEquals(null, new DistinctCounter().sketchBytes(scratch), "a counter without a mergeable sketch");
    }

    /**
     * A counter whose budget refuses its set room moves to a sketch in the memory it holds, says so, and
     * keeps its estimate within the error of that sketch (64 registers at least: a relative standard error
     * of about 10%); it gives back every byte it reserved when cleared, and counts exactly again.
     */
    @Test
    void shortOfMemoryItCountsOnInASmallerSketch() {
        for (long limit : new long[] {0, 1_000, 20_000}) {
            MemoryBudget budget = new MemoryBudget(limit);
            DistinctCounter counter = new DistinctCounter(CounterSettings.mergeable(budget, null));
            long peak = 0;
            int n = 50_000;
            for (int i = 0; i < n; i++) {
                counter.add(7, i * 0x9E37_79B9_7F4A_7C15L);
                assertTrue(budget.used() <= limit, budget.used() + " reserved of " + limit);
                assertTrue(counter.retainedBytes() <= limit + DistinctCounter.FLOOR_BYTES,
                        counter.retainedBytes() + " held with a budget of " + limit);
                peak = Math.max(peak, counter.retainedBytes());
            }
            String what = "budget " + limit;
            assertFalse(counter.isExact(), what);
            assertTrue(counter.memoryLimited(), what);
            assertWithin(5 * 0.84 / 8, n, counter.estimate(), what);
            // a mergeable sketch (2,640 bytes) fits beside the sketch only in the largest budget
            assertEquals(limit < 10_000, counter.sketchMissing(), what);
            assertEquals(limit < 10_000, counter.sketchBytes(new AddressSketch(null)) == null, what);
            counter.clear();
            assertEquals(0, budget.used(), what + ": all given back");
            assertFalse(counter.memoryLimited());
            counter.add(1, 1);
            counter.add(1, 2);
            assertTrue(counter.isExact());
            assertEquals(2, counter.estimate());
        }
    }

    /** Within its budget a counter counts as one without a budget does: exactly up to its limit, the same estimate past it. */
    @Test
    void withinItsBudgetItCountsAsWithoutOne() {
        MemoryBudget budget = new MemoryBudget(DistinctCounter.maxRetainedBytes(DistinctCounter.DEFAULT_EXACT_LIMIT,
                DistinctCounter.DEFAULT_LG_K) + DistinctCounter.ADDRESS_SKETCH_BYTES);
        DistinctCounter bounded = new DistinctCounter(CounterSettings.mergeable(budget, null));
        DistinctCounter free = new DistinctCounter(CounterSettings.mergeable(null, null));
        SplittableRandom rnd = new SplittableRandom(11);
        AddressSketch scratch = new AddressSketch(null);
        for (int i = 1; i <= 100_000; i++) {
            long hi = rnd.nextLong();
            long lo = rnd.nextLong();
            bounded.add(hi, lo);
            free.add(hi, lo);
            if (i % 4_000 == 0 || i == 4_096 || i == 4_097) {
                assertEquals(free.estimate(), bounded.estimate(), i + " values");
                assertEquals(free.isExact(), bounded.isExact());
                assertTrue(java.util.Arrays.equals(free.sketchBytes(scratch), bounded.sketchBytes(scratch)));
            }
        }
        assertFalse(bounded.memoryLimited());
        assertEquals(0, budget.refusals());
    }
}
