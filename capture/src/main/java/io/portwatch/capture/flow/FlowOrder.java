package io.portwatch.capture.flow;

import java.util.Arrays;

/**
 * The order in which flows that end together are reported (at the end of a capture, in a sweep of
 * timed-out flows, in an eviction): by a time of theirs (start, or last packet), then by 5-tuple. Never
 * by slot: a flow's slot follows the table's secret hash key, and the same capture must give the same
 * records in the same order whatever the key. An instance keeps the radix sort's arrays for the next
 * sort (a sweep ends up to hundreds of thousands of flows at once, about once a second).
 */
final class FlowOrder {

    private long[] keys1 = new long[0];
    private long[] keys2 = new long[0];
    private int[] vals1 = new int[0];
    private int[] vals2 = new int[0];

    /**
     * Orders two flows of a table by their 5-tuples: client address, server address (unsigned), client
     * port, server port, protocol, IP version. Two flows in one table never compare equal.
     */
    static int compareTuples(FlowTable t, int i, int j) {
        int c = Long.compareUnsigned(t.clientHi(i), t.clientHi(j));
        if (c == 0) {
            c = Long.compareUnsigned(t.clientLo(i), t.clientLo(j));
        }
        if (c == 0) {
            c = Long.compareUnsigned(t.serverHi(i), t.serverHi(j));
        }
        if (c == 0) {
            c = Long.compareUnsigned(t.serverLo(i), t.serverLo(j));
        }
        if (c == 0) {
            c = Integer.compare(t.clientPort(i), t.clientPort(j));
        }
        if (c == 0) {
            c = Integer.compare(t.serverPort(i), t.serverPort(j));
        }
        if (c == 0) {
            c = Integer.compare(t.protocol(i), t.protocol(j));
        }
        if (c == 0) {
            c = Integer.compare(t.ipVersion(i), t.ipVersion(j));
        }
        return c;
    }

    /**
     * The slots {@code vals[0, n)} ordered by their times {@code keys[0, n)} (ascending), equal times by
     * 5-tuple. Sorts with a radix sort (loops only: quick from the first call, before the JIT has
     * compiled a recursive sort) or, for few flows, a quicksort; then puts each run of equal times in
     * 5-tuple order. May reorder {@code keys} and {@code vals}; returns the ordered slots (in {@code vals}
     * or a new array).
     */
    int[] sort(FlowTable t, long[] keys, int[] vals, int n) {
        if (n < 2) {
            return vals;
        }
        long min = keys[0];
        long max = keys[0];
        for (int i = 1; i < n; i++) {
            min = Math.min(min, keys[i]);
            max = Math.max(max, keys[i]);
        }
        final long range = max - min;
        long[] sortedKeys;
        int[] sorted;
        if (n < 64 || range < 0) { // few flows, or times more than 292 years apart
            sortByKey(keys, vals, 0, n - 1);
            sortedKeys = keys;
            sorted = vals;
        } else {
            sorted = radix(keys, vals, n, min, range);
            sortedKeys = sortedKeys(sorted);
        }
        breakTies(t, sortedKeys, sorted, n);
        return sorted;
    }

    /** The keys that go with the slots {@link #radix} returned (less the minimum). */
    private long[] sortedKeys(int[] sorted) {
        return sorted == vals1 ? keys1 : keys2;
    }

    /** Least significant digit first (stable), in this instance's arrays; returns one of them. */
    private int[] radix(long[] keys, int[] vals, int n, long min, long range) {
        final int bits = 64 - Long.numberOfLeadingZeros(range);
        if (keys1.length < n) {
            int cap = Math.max(n, 2 * keys1.length);
            keys1 = new long[cap];
            keys2 = new long[cap];
            vals1 = new int[cap];
            vals2 = new int[cap];
        }
        long[] k1 = keys1;
        int[] v1 = vals1;
        for (int i = 0; i < n; i++) {
            k1[i] = keys[i] - min;
        }
        System.arraycopy(vals, 0, v1, 0, n);
        long[] k2 = keys2;
        int[] v2 = vals2;
        final int[] count = new int[1 << RADIX_BITS];
        for (int shift = 0; shift < bits; shift += RADIX_BITS) {
            Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) {
                count[(int) (k1[i] >>> shift) & RADIX_MASK]++;
            }
            int sum = 0;
            for (int d = 0; d < count.length; d++) {
                int c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                int at = count[(int) (k1[i] >>> shift) & RADIX_MASK]++;
                k2[at] = k1[i];
                v2[at] = v1[i];
            }
            long[] tk = k1;
            k1 = k2;
            k2 = tk;
            int[] tv = v1;
            v1 = v2;
            v2 = tv;
        }
        return v1;
    }

    private static final int RADIX_BITS = 11;
    private static final int RADIX_MASK = (1 << RADIX_BITS) - 1;

    /** Puts each run of equal keys of the sorted slots in 5-tuple order. */
    private static void breakTies(FlowTable t, long[] keys, int[] slots, int n) {
        int runStart = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || keys[i] != keys[runStart]) {
                final int len = i - runStart;
                if (len == 2) {
                    if (compareTuples(t, slots[runStart], slots[runStart + 1]) > 0) {
                        int x = slots[runStart];
                        slots[runStart] = slots[runStart + 1];
                        slots[runStart + 1] = x;
                    }
                } else if (len > 2) {
                    Integer[] run = new Integer[len];
                    for (int k = 0; k < len; k++) {
                        run[k] = slots[runStart + k];
                    }
                    Arrays.sort(run, (a, b) -> compareTuples(t, a, b));
                    for (int k = 0; k < len; k++) {
                        slots[runStart + k] = run[k];
                    }
                }
                runStart = i;
            }
        }
    }

    /** Sorts vals by keys (ascending), in place: a quicksort on primitives, ties in any order. */
    static void sortByKey(long[] keys, int[] vals, int lo, int hi) {
        while (lo < hi) {
            if (hi - lo < 16) {
                for (int i = lo + 1; i <= hi; i++) {
                    long k = keys[i];
                    int v = vals[i];
                    int j = i - 1;
                    while (j >= lo && keys[j] > k) {
                        keys[j + 1] = keys[j];
                        vals[j + 1] = vals[j];
                        j--;
                    }
                    keys[j + 1] = k;
                    vals[j + 1] = v;
                }
                return;
            }
            long pivot = keys[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (keys[i] < pivot) {
                    i++;
                }
                while (keys[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long k = keys[i];
                    keys[i] = keys[j];
                    keys[j] = k;
                    int v = vals[i];
                    vals[i] = vals[j];
                    vals[j] = v;
                    i++;
                    j--;
                }
            }
            // recurse into the smaller part, loop on the larger: bounded stack depth
            if (j - lo < hi - i) {
                sortByKey(keys, vals, lo, j);
                lo = i;
            } else {
                sortByKey(keys, vals, i, hi);
                hi = j;
            }
        }
    }
}
