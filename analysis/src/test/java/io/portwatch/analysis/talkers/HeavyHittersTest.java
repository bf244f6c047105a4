package io.portwatch.analysis.talkers;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The summary keeps exactly what a plain Space-Saving over a list keeps (same entries, same counts, same
 * host giving way), whatever the number of hosts and the order of updates, with its arrays grown as it
 * fills.
 */
class HeavyHittersTest {

    /** Space-Saving over a list: the reference. */
    private static final class Plain {
        final List<long[]> e = new ArrayList<>(); // hi, lo, packets, bytes, flows
        final int rank;

        Plain(int rank) {
            this.rank = rank;
        }

        void add(long h, long l, long p, long b, long f) {
            for (long[] x : e) {
                if (x[0] == h && x[1] == l) {
                    x[2] += p;
                    x[3] += b;
                    x[4] += f;
                    return;
                }
            }
            if (e.size() < HeavyHitters.CAPACITY) {
                e.add(new long[] {h, l, p, b, f});
                return;
            }
            int victim = 0;
            for (int i = 1; i < e.size(); i++) {
                if (e.get(i)[2 + rank] < e.get(victim)[2 + rank]) {
                    victim = i;
                }
            }
            long min = e.get(victim)[2 + rank];
            long[] x = {h, l, p, b, f};
            x[2 + rank] += min;
            e.set(victim, x);
        }
    }

    @Test
    void itKeepsWhatPlainSpaceSavingKeeps() {
        for (int rank : new int[] {HeavyHitters.PACKETS, HeavyHitters.BYTES}) {
            for (int hosts : new int[] {3, 8, 9, 40, 64, 65, 500, 20_000}) {
                Random r = new Random(hosts * 31L + rank);
                HeavyHitters h = new HeavyHitters(rank);
                Plain ref = new Plain(rank);
                for (int k = 0; k < 30_000; k++) {
                    // skewed: a few hosts often, the rest seldom; IPv4-mapped and IPv6 addresses
                    int host = r.nextInt(4) == 0 ? r.nextInt(Math.min(hosts, 5)) : r.nextInt(hosts);
                    long hi = host % 3 == 0 ? 0x2001_0db8_0000_0000L + host : 0;
                    long lo = host % 3 == 0 ? host : 0x0000_FFFF_0A00_0000L + host;
                    long p = 1 + r.nextInt(20);
                    long b = p * (40 + r.nextInt(1400));
                    long f = r.nextInt(2);
                    h.add(hi, lo, p, b, f);
                    ref.add(hi, lo, p, b, f);
                }
                assertEquals(ref.e.size(), h.size(), hosts + " hosts");
                for (int i = 0; i < h.size(); i++) {
                    long[] x = ref.e.get(i);
                    String where = hosts + " hosts, rank " + rank + ", entry " + i;
                    assertEquals(x[0], h.hi(i), where);
                    assertEquals(x[1], h.lo(i), where);
                    assertEquals(x[2], h.packets(i), where);
                    assertEquals(x[3], h.bytes(i), where);
                    assertEquals(x[4], h.flows(i), where);
                }
                assertEquals(hosts <= HeavyHitters.CAPACITY, h.exact(), hosts + " hosts");
                assertTrue(h.maxOvercount() >= 0);
            }
        }
    }
}
