package io.portwatch.analysis.talkers;

import io.portwatch.analysis.ports.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.portwatch.analysis.talkers.TalkerSummaries.BYTES;
import static io.portwatch.analysis.talkers.TalkerSummaries.CAPACITY;
import static io.portwatch.analysis.talkers.TalkerSummaries.PACKETS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each ranking of a side keeps exactly what a plain Space-Saving over a list keeps (same entries, same
 * counts, same host giving way, same bound), whatever the number of hosts and the order of updates, with
 * its rows grown as it fills and shared by the two rankings while exact. Under a budget too small for the
 * rows a side would take, every count stays within the bound the side reports, every host above that bound
 * is listed, and the budget is never passed, however many sides and hosts.
 */
class TalkerSummariesTest {

    /** Space-Saving over a list: the reference. */
    private static final class Plain {
        final List<long[]> e = new ArrayList<>(); // hi, lo, packets, bytes, flows
        final int rank;
        final int capacity;
        long maxOvercount;

        Plain(int rank) {
            this(rank, CAPACITY);
        }

        Plain(int rank, int capacity) {
            this.rank = rank;
            this.capacity = capacity;
        }

        void add(long h, long l, long p, long b, long f) {
            if (addToListed(e, h, l, p, b, f)) {
                return;
            }
            if (e.size() < capacity) {
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
            maxOvercount = Math.max(maxOvercount, min);
        }
    }

    /** The rows of side {@code s} in ranking {@code rank} are the entries, in their order, host and counts. */
    private static void assertRows(List<long[]> entries, TalkerSummaries t, int s, int rank, String what) {
        for (int i = 0; i < entries.size(); i++) {
            long[] x = entries.get(i);
            int row = t.row(s, rank, i);
            String where = what + ", rank " + rank + ", entry " + i;
            assertEquals(x[0], t.hi(s, row), where);
            assertEquals(x[1], t.lo(s, row), where);
            assertEquals(x[2], t.packets(s, row), where);
            assertEquals(x[3], t.bytes(s, row), where);
            assertEquals(x[4], t.flows(s, row), where);
        }
    }

    /** Adds the update to host (h, l)'s entry when the list has one; false when it has not. */
    private static boolean addToListed(List<long[]> entries, long h, long l, long p, long b, long f) {
        for (long[] x : entries) {
            if (x[0] == h && x[1] == l) {
                x[2] += p;
                x[3] += b;
                x[4] += f;
                return true;
            }
        }
        return false;
    }

    /** A skewed stream of updates: a few hosts often, the rest seldom; IPv4-mapped and IPv6 addresses. */
    private static long[] update(Random r, int hosts) {
        int host = r.nextInt(4) == 0 ? r.nextInt(Math.min(hosts, 5)) : r.nextInt(hosts);
        long hi = host % 3 == 0 ? 0x2001_0db8_0000_0000L + host : 0;
        long lo = host % 3 == 0 ? host : 0x0000_FFFF_0A00_0000L + host;
        long p = 1 + r.nextInt(20);
        long b = p * (40 + r.nextInt(1400));
        return new long[] {hi, lo, p, b, r.nextInt(2)};
    }

    /**
     * Flat weights: every host a packet or none (a flow whose packets were all counted in an earlier part)
     * and as many bytes: ties everywhere, so that the host giving way is the first of the smallest.
     */
    private static long[] flat(Random r, int hosts) {
        int host = r.nextInt(hosts);
        long p = r.nextInt(3) == 0 ? 0 : 1;
        return new long[] {0, 0x0000_FFFF_0C00_0000L + host, p, p * 100, 1};
    }

    @Test
    void eachRankingKeepsWhatPlainSpaceSavingKeeps() {
        keepsWhatPlainSpaceSavingKeeps(TalkerSummariesTest::update);
    }

    @Test
    void withTiesAndUpdatesOfNoWeightTooTheSameHostGivesWay() {
        keepsWhatPlainSpaceSavingKeeps(TalkerSummariesTest::flat);
    }

    private static void keepsWhatPlainSpaceSavingKeeps(java.util.function.BiFunction<Random, Integer, long[]> stream) {
        for (int hosts : new int[] {1, 2, 3, 8, 9, 40, 64, 65, 500, 20_000}) {
            Random r = new Random(hosts * 31L);
            TalkerSummaries t = new TalkerSummaries(MemoryBudget.unlimited());
            Plain[] ref = {new Plain(PACKETS), new Plain(BYTES)};
            int side = 300; // past the columns' first size
            for (int k = 0; k < 30_000; k++) {
                long[] u = stream.apply(r, hosts);
                t.add(side, u[0], u[1], u[2], u[3], u[4]);
                ref[0].add(u[0], u[1], u[2], u[3], u[4]);
                ref[1].add(u[0], u[1], u[2], u[3], u[4]);
            }
            for (int rank : new int[] {PACKETS, BYTES}) {
                Plain p = ref[rank];
                assertEquals(p.e.size(), t.size(side), hosts + " hosts");
                assertRows(p.e, t, side, rank, hosts + " hosts");
                assertEquals(p.maxOvercount, t.maxOvercount(side, rank), hosts + " hosts, rank " + rank);
            }
            assertEquals(hosts <= CAPACITY, t.exact(side), hosts + " hosts");
            assertFalse(t.memoryLimited(side));
            assertFalse(t.has(side - 1));
        }
    }

    /** The top rows: heaviest first, ties to the lower address (unsigned), as a full sort orders them. */
    @Test
    void theTopRowsAreTheHeaviestInOrderTiesToTheLowerAddress() {
        for (int hosts : new int[] {1, 7, 64, 65, 3_000}) {
            for (boolean ties : new boolean[] {false, true}) {
                Random r = new Random(hosts + (ties ? 1 : 0));
                TalkerSummaries t = new TalkerSummaries(MemoryBudget.unlimited());
                for (int k = 0; k < 5_000; k++) {
                    long[] u = ties ? flat(r, hosts) : update(r, hosts);
                    long hi = r.nextInt(4) == 0 ? -1L - u[1] : u[0]; // a few above 2^63: unsigned order counts
                    t.add(0, hi, u[1], u[2], u[3], u[4]);
                }
                for (int rank : new int[] {PACKETS, BYTES}) {
                    List<Integer> rows = new ArrayList<>();
                    for (int i = 0; i < t.size(0); i++) {
                        rows.add(t.row(0, rank, i));
                    }
                    rows.sort((a, b) -> {
                        long ca = rank == PACKETS ? t.packets(0, a) : t.bytes(0, a);
                        long cb = rank == PACKETS ? t.packets(0, b) : t.bytes(0, b);
                        if (ca != cb) {
                            return Long.compare(cb, ca);
                        }
                        int c = Long.compareUnsigned(t.hi(0, a), t.hi(0, b));
                        return c != 0 ? c : Long.compareUnsigned(t.lo(0, a), t.lo(0, b));
                    });
                    for (int n : new int[] {1, 5, 10, 64, 100}) {
                        List<Integer> got = new ArrayList<>();
                        for (int row : t.top(0, rank, n)) {
                            got.add(row);
                        }
                        assertEquals(rows.subList(0, Math.min(n, rows.size())), got,
                                hosts + " hosts, ties " + ties + ", rank " + rank + ", top " + n);
                    }
                }
            }
        }
    }

    @Test
    void shortOfMemoryEveryCountStaysWithinTheBoundItReports() {
        // budgets for no row past the first two, for four, for 64 but not for the two rankings' own 64 each
        long[] budgets = {0, MemoryBudget.longs(4 * 5) - MemoryBudget.longs(2 * 5),
                MemoryBudget.longs(CAPACITY * 5) - MemoryBudget.longs(2 * 5)};
        for (long limit : budgets) {
            for (int hosts : new int[] {3, 70, 2_000}) {
                Random r = new Random(limit + hosts);
                MemoryBudget budget = new MemoryBudget(limit);
                TalkerSummaries t = new TalkerSummaries(budget);
                Map<List<Long>, long[]> truth = new HashMap<>();
                for (int k = 0; k < 20_000; k++) {
                    long[] u = update(r, hosts);
                    t.add(0, u[0], u[1], u[2], u[3], u[4]);
                    long[] sum = truth.computeIfAbsent(List.of(u[0], u[1]), x -> new long[3]);
                    sum[0] += u[2];
                    sum[1] += u[3];
                    sum[2] += u[4];
                    assertTrue(budget.used() <= limit);
                }
                String what = "budget " + limit + ", " + hosts + " hosts";
                boolean roomy = limit > 0 && hosts <= 4 || limit >= budgets[2] && hosts <= CAPACITY;
                assertEquals(!roomy, t.memoryLimited(0), what);
                assertEquals(roomy, t.exact(0), what);
                checkBounds(what, t, 0, truth);
            }
        }
    }

    /**
     * Side {@code s} against the truth: each ranked count at least the truth and at most the truth plus the
     * reported bound, the other counts never above the truth, and every host above the bound listed.
     */
    private static void checkBounds(String what, TalkerSummaries t, int s, Map<List<Long>, long[]> truth) {
        for (int rank : new int[] {PACKETS, BYTES}) {
            long bound = t.maxOvercount(s, rank);
            Map<List<Long>, Integer> listed = new HashMap<>();
            for (int i = 0; i < t.size(s); i++) {
                int row = t.row(s, rank, i);
                listed.put(List.of(t.hi(s, row), t.lo(s, row)), row);
            }
            for (Map.Entry<List<Long>, long[]> e : truth.entrySet()) {
                long[] real = e.getValue();
                Integer row = listed.get(e.getKey());
                String who = what + ", rank " + rank + ", host " + e.getKey() + ", truth " + real[rank];
                if (row == null) {
                    assertTrue(real[rank] <= bound, who + " missing above the bound " + bound);
                    continue;
                }
                long ranked = rank == PACKETS ? t.packets(s, row) : t.bytes(s, row);
                long other = rank == PACKETS ? t.bytes(s, row) : t.packets(s, row);
                assertTrue(ranked >= real[rank] && ranked <= real[rank] + bound, who + ": " + ranked + ", bound " + bound);
                assertTrue(other <= real[1 - rank] && t.flows(s, row) <= real[2], who);
            }
        }
    }

    @Test
    void aFloodOfSidesNeverPassesTheBudget() {
        long limit = 1 << 20;
        MemoryBudget budget = new MemoryBudget(limit);
        TalkerSummaries t = new TalkerSummaries(budget);
        Random r = new Random(5);
        int sides = 2 * 131_072; // clients and servers of every TCP and UDP port
        List<Map<List<Long>, long[]>> truth = new ArrayList<>();
        for (int k = 0; k < 3_000_000; k++) {
            int s = r.nextInt(sides);
            long lo = 0x0000_FFFF_0B00_0000L | r.nextInt(1 << 24);
            long p = 1 + r.nextInt(3);
            t.add(s, 0, lo, p, p * 60, 1);
            if (s < 64) { // the truth of a few
                while (truth.size() <= s) {
                    truth.add(new HashMap<>());
                }
                long[] sum = truth.get(s).computeIfAbsent(List.of(0L, lo), x -> new long[3]);
                sum[0] += p;
                sum[1] += p * 60;
                sum[2]++;
            }
            if (k % 1000 == 0) {
                assertTrue(budget.used() <= limit, budget.used() + " after " + k);
            }
        }
        assertTrue(budget.used() <= limit && budget.used() > limit - 2 * MemoryBudget.longs(2 * CAPACITY * 5));
        assertTrue(budget.refusals() > 100_000, "refused " + budget.refusals());
        assertEquals(sides * TalkerSummaries.SIDE_BYTES, t.fixedBytes());
        for (int s = 0; s < truth.size(); s++) {
            checkBounds("side " + s, t, s, truth.get(s));
        }
    }

    /**
     * A side as specified, over lists: exact in rows that double from two while the budget grants them, then
     * two plain Space-Savings of 64 hosts from the same 64 when it grants 128 rows, or else its {@code k}
     * rows parted into two of {@code k / 2}: each ranking's heaviest (ties: the earlier), in their order, the
     * largest count dropped its bound.
     */
    private static final class Side {
        final int grantedRows;
        final List<long[]> exact = new ArrayList<>();
        int rows = 2;
        Plain[] ranked;
        boolean limited;

        Side(int grantedRows) {
            this.grantedRows = grantedRows;
        }

        void add(long h, long l, long p, long b, long f) {
            if (ranked == null) {
                if (addToListed(exact, h, l, p, b, f)) {
                    return;
                }
                if (exact.size() < rows) {
                    exact.add(new long[] {h, l, p, b, f});
                    return;
                }
                if (2 * rows > grantedRows) {
                    ranked = new Plain[] {heaviest(PACKETS), heaviest(BYTES)};
                    limited = true;
                } else if (rows < CAPACITY) {
                    rows *= 2;
                    exact.add(new long[] {h, l, p, b, f});
                    return;
                } else {
                    rows *= 2;
                    ranked = new Plain[] {new Plain(PACKETS), new Plain(BYTES)};
                    for (long[] x : exact) {
                        ranked[0].e.add(x.clone());
                        ranked[1].e.add(x.clone());
                    }
                }
            }
            ranked[0].add(h, l, p, b, f);
            ranked[1].add(h, l, p, b, f);
        }

        private Plain heaviest(int rank) {
            Plain kept = new Plain(rank, rows / 2);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                order.add(i);
            }
            order.sort((a, b) -> Long.compare(exact.get(b)[2 + rank], exact.get(a)[2 + rank])); // stable
            List<Integer> heavy = new ArrayList<>(order.subList(0, rows / 2));
            heavy.sort(null);
            for (int i : heavy) {
                kept.e.add(exact.get(i).clone());
            }
            for (int i : order.subList(rows / 2, rows)) {
                kept.maxOvercount = Math.max(kept.maxOvercount, exact.get(i)[2 + rank]);
            }
            return kept;
        }

        List<long[]> entries(int rank) {
            return ranked == null ? exact : ranked[rank].e;
        }
    }

    private static long hostHi(int host) {
        return new long[] {0, 0x2001_0db8_0000_0000L, -1L, 1}[host & 3];
    }

    private static long hostLo(int host) {
        return 0x0000_FFFF_0A00_0000L + (host >> 2);
    }

    /**
     * Every row of a side that grows from 2 rows to what its budget grants (2 to 64, or 128 for the two
     * rankings' own), then parts or splits, against the side as specified: each host's counts, the order of
     * its rows, the top rows, the rows found, its bounds and the bytes it reserved. Hosts differ in only the
     * high or only the low half of their address, and updates may weigh nothing.
     */
    @Test
    void grownSplitOrPartedEveryRowIsWhatTheSpecifiedSideHolds() {
        for (int granted = 2; granted <= 2 * CAPACITY; granted *= 2) {
            long limit = MemoryBudget.longs(granted * 5) - MemoryBudget.longs(2 * 5);
            for (int hosts : new int[] {3, 17, 64, 65, 129, 1_000}) {
                Random r = new Random(granted * 1_000_003L + hosts);
                MemoryBudget budget = new MemoryBudget(limit);
                TalkerSummaries t = new TalkerSummaries(budget);
                Side m = new Side(granted);
                final int s = 5;
                for (int k = 1; k <= 6_000; k++) {
                    int host = r.nextInt(3) == 0 ? r.nextInt(Math.min(hosts, 6)) : r.nextInt(hosts);
                    long p = r.nextInt(4);
                    long b = p == 0 ? 0 : r.nextInt(3) == 0 ? 60 * p : p * (40 + r.nextInt(1460));
                    long f = r.nextInt(2);
                    t.add(s, hostHi(host), hostLo(host), p, b, f);
                    m.add(hostHi(host), hostLo(host), p, b, f);
                    if (k <= 300 || k % 97 == 0 || k == 6_000) {
                        String what = "granted " + granted + " rows, " + hosts + " hosts, update " + k;
                        sameAs(what, t, s, m, budget, k % 970 == 0 || k == 6_000 ? hosts : 0);
                    }
                }
            }
        }
    }

    private static void sameAs(String what, TalkerSummaries t, int s, Side m, MemoryBudget budget, int lookUp) {
        assertEquals(m.ranked == null, t.exact(s), what);
        assertEquals(m.limited, t.memoryLimited(s), what);
        assertEquals(MemoryBudget.longs(m.rows * 5) - MemoryBudget.longs(2 * 5), budget.used(), what);
        for (int rank : new int[] {PACKETS, BYTES}) {
            List<long[]> es = m.entries(rank);
            assertEquals(es.size(), t.size(s), what);
            assertEquals(m.ranked == null ? 0 : m.ranked[rank].maxOvercount, t.maxOvercount(s, rank), what);
            assertRows(es, t, s, rank, what);
            List<long[]> sorted = new ArrayList<>(es);
            sorted.sort((a, b) -> a[2 + rank] != b[2 + rank] ? Long.compare(b[2 + rank], a[2 + rank])
                    : a[0] != b[0] ? Long.compareUnsigned(a[0], b[0]) : Long.compareUnsigned(a[1], b[1]));
            int[] top = t.top(s, rank, 5);
            assertEquals(Math.min(5, es.size()), top.length, what);
            for (int i = 0; i < top.length; i++) {
                assertEquals(sorted.get(i)[0], t.hi(s, top[i]), what + ", rank " + rank + ", top " + i);
                assertEquals(sorted.get(i)[1], t.lo(s, top[i]), what + ", rank " + rank + ", top " + i);
            }
        }
        for (int host = 0; host < lookUp && m.ranked == null; host++) {
            int expected = -1;
            for (int i = 0; i < m.exact.size(); i++) {
                if (m.exact.get(i)[0] == hostHi(host) && m.exact.get(i)[1] == hostLo(host)) {
                    expected = i;
                }
            }
            assertEquals(expected, t.find(s, hostHi(host), hostLo(host)), what + ", host " + host);
        }
    }
}
