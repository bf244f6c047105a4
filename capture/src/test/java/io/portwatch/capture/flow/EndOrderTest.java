package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flows that end together are reported in the order of their times, equal times in the order of their
 * 5-tuples ({@link FlowOrder}): the radix sort and the quicksort give exactly that order, on times with
 * and without ties, over spans from milliseconds to centuries, negative ones too.
 */
class EndOrderTest {

    private static final long MAPPED = 0x0000_FFFF_0000_0000L;

    /** A table holding n flows (random 5-tuples), and their slots. */
    private static int[] flows(FlowTable t, SplittableRandom rnd, int n) {
        DecodedPacket p = new DecodedPacket();
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            p.clear();
            p.kind = DecodedPacket.KIND_TRANSPORT;
            p.ipVersion = 4;
            p.srcLo = MAPPED | rnd.nextInt(1 << 8); // few clients: ties between tuples are broken by ports
            p.dstLo = MAPPED | 0x0A00_0001L;
            p.srcPort = 1024 + i;
            p.dstPort = 80 + rnd.nextInt(2);
            p.protocol = rnd.nextBoolean() ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP;
            p.ipLength = 40;
            slots[i] = -1;
            t.track(p);
        }
        int k = 0;
        for (int s = 0; s < t.capacity() && k < n; s++) {
            if (t.protocol(s) != 0) {
                slots[k++] = s;
            }
        }
        return slots;
    }

    private static int[] expected(FlowTable t, long[] keys, int[] slots) {
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            pairs.add(new int[] {i, slots[i]});
        }
        pairs.sort(Comparator.<int[]>comparingLong(x -> keys[x[0]])
                .thenComparing((x, y) -> FlowOrder.compareTuples(t, x[1], y[1])));
        return pairs.stream().mapToInt(x -> x[1]).toArray();
    }

    private static int[] sorted(FlowTable t, long[] keys, int[] slots) {
        int[] out = new FlowOrder().sort(t, keys.clone(), slots.clone(), slots.length);
        return java.util.Arrays.copyOf(out, slots.length);
    }

    @Test
    void byTimeThenTuple() {
        SplittableRandom rnd = new SplittableRandom(5);
        long t0 = 1_714_557_600_000_000_000L;
        long[][] shapes = { // span, granularity
                {5_000_000_000L, 1}, // a 5 s capture, ns stamps: no ties
                {86_400_000_000_000L, 1_000}, // a day, us stamps
                {1_000_000L, 1_000}, // 1 ms, us stamps: many ties
                {3_600_000_000_000L, 1_000_000_000L}, // an hour, s stamps: ties everywhere
        };
        int withTies = 0;
        for (long[] shape : shapes) {
            for (int n : new int[] {0, 1, 2, 3, 63, 64, 65, 1000, 20_000}) {
                FlowTable t = new FlowTable(FlowConfig.defaults(), HashKey.of(n), (proto, port) -> false,
                        (tb, s, r) -> { });
                int[] slots = flows(t, rnd, n);
                long[] keys = new long[n];
                for (int i = 0; i < n; i++) {
                    keys[i] = t0 + rnd.nextLong(shape[0]) / shape[1] * shape[1];
                }
                assertArrayEquals(expected(t, keys, slots), sorted(t, keys, slots), n + " times over " + shape[0] + " ns");
                long[] s = keys.clone();
                java.util.Arrays.sort(s);
                for (int i = 1; i < n; i++) {
                    if (s[i] == s[i - 1]) {
                        withTies++;
                        break;
                    }
                }
            }
        }
        assertTrue(withTies > 6, withTies + " with ties");
    }

    @Test
    void negativeAndExtremeTimes() {
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 5_000;
        FlowTable t = new FlowTable(FlowConfig.defaults(), HashKey.of(1), (proto, port) -> false, (tb, s, r) -> { });
        int[] slots = flows(t, rnd, n);
        long[] spread = new long[n];
        long[] negative = new long[n];
        for (int i = 0; i < n; i++) {
            spread[i] = rnd.nextLong(); // spans more than a long holds: the quicksort does it
            negative[i] = -rnd.nextLong(1L << 50);
        }
        for (long[] keys : new long[][] {spread, negative}) {
            assertArrayEquals(expected(t, keys, slots), sorted(t, keys, slots));
        }
    }

    @Test
    void selectFindsTheKthSmallest() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n : new int[] {1, 2, 17, 1000}) {
            for (int bound : new int[] {1, 3, 1_000_000}) {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = rnd.nextLong(bound);
                }
                long[] s = a.clone();
                java.util.Arrays.sort(s);
                for (int k = 0; k < n; k += Math.max(1, n / 7)) {
                    assertTrue(FlowExpiry.select(a.clone(), n, k) == s[k], n + " " + bound + " " + k);
                }
            }
        }
    }
}
