package io.portwatch.capture.flow;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FlowTable#endAll} ends flows in the order of their start, ties in the order its quicksort
 * leaves them. Its radix sort must give that order exactly: the same permutation of slots as the
 * quicksort, on starts with and without ties, over spans from milliseconds to centuries.
 */
class EndOrderTest {

    private static int[] quicksorted(long[] keys, int[] vals) {
        long[] k = keys.clone();
        int[] v = vals.clone();
        FlowTable.sortByKey(k, v, 0, k.length - 1);
        return v;
    }

    private static int[] endOrder(long[] keys, int[] vals) {
        long[] k = keys.clone();
        int[] v = vals.clone();
        return FlowTable.byStart(k, v, k.length);
    }

    /** Starts as a capture has them: from t0, spread over span ns, at the given granularity. */
    private static long[] starts(SplittableRandom rnd, int n, long t0, long span, long granularity) {
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            k[i] = t0 + rnd.nextLong(span) / granularity * granularity;
        }
        return k;
    }

    private static int[] slots(SplittableRandom rnd, int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(1 << 24);
        }
        return v;
    }

    @Test
    void sameOrderAsTheQuicksort() {
        SplittableRandom rnd = new SplittableRandom(5);
        long t0 = 1_714_557_600_000_000_000L;
        long[][] shapes = { // span, granularity
                {5_000_000_000L, 1}, // a 5 s capture, ns stamps: no ties
                {86_400_000_000_000L, 1_000}, // a day, us stamps
                {1_000_000L, 1_000}, // 1 ms, us stamps: many ties
                {3_600_000_000_000L, 1_000_000_000L}, // an hour, s stamps: ties everywhere
        };
        int withTies = 0;
        int withoutTies = 0;
        for (long[] shape : shapes) {
            for (int n : new int[] {0, 1, 2, 63, 64, 65, 1000, 50_000}) {
                long[] keys = starts(rnd, n, t0, shape[0], shape[1]);
                int[] vals = slots(rnd, n);
                int[] expected = quicksorted(keys, vals);
                assertArrayEquals(expected, endOrder(keys, vals), n + " starts over " + shape[0] + " ns");
                long[] sorted = keys.clone();
                java.util.Arrays.sort(sorted);
                boolean ties = false;
                for (int i = 1; i < n; i++) {
                    ties |= sorted[i] == sorted[i - 1];
                }
                if (n >= 64) {
                    if (ties) {
                        withTies++;
                    } else {
                        withoutTies++;
                    }
                }
            }
        }
        assertTrue(withTies > 3 && withoutTies > 3, withTies + " with ties, " + withoutTies + " without");
    }

    @Test
    void negativeAndExtremeStarts() {
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 5_000;
        long[] spread = new long[n];
        long[] negative = new long[n];
        for (int i = 0; i < n; i++) {
            spread[i] = rnd.nextLong(); // spans more than a long holds: the quicksort does it
            negative[i] = -rnd.nextLong(1L << 50);
        }
        for (long[] keys : new long[][] {spread, negative}) {
            int[] vals = slots(rnd, n);
            assertArrayEquals(quicksorted(keys, vals), endOrder(keys, vals));
        }
    }
}
