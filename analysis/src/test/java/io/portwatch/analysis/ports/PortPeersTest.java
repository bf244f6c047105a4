package io.portwatch.analysis.ports;

import io.portwatch.analysis.output.PeerSketches;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ports' distinct counters under hostile traffic, counted (not timed): a flood over every port slot with
 * random clients, and a flood of random clients on one port, never hold more than their budget past a
 * fixed number of bytes a slot; the ports that ran short say so, their estimates stay within their
 * sketches' error, and the budget comes back whole when the window is cleared. Ports that fit stay exact,
 * with the sketches a counter without a budget makes.
 */
class PortPeersTest {

    private static final int SLOTS = 131_072;

    @Test
    void aRandomPortFloodStaysWithinTheBudget() {
        long limit = 8L << 20;
        MemoryBudget budget = new MemoryBudget(limit);
        PortPeers peers = new PortPeers(null, budget);
        PortPeers free = new PortPeers();
        SplittableRandom r = new SplittableRandom(3);
        int[] clients = new int[SLOTS]; // slot s gets clients 0..n-1 of its own: the truth is n
        int quiet = 1_000; // ports with 100 clients each before the flood, which the flood leaves alone
        for (int k = -quiet * 100; k < 4_000_000; k++) {
            int s = k < 0 ? (k + quiet * 100) / 100 : k < SLOTS - quiet ? quiet + k : quiet + r.nextInt(SLOTS - quiet);
            int c = clients[s]++;
            long client = 0x0000_FFFF_0B00_0000L | c;
            peers.add(s, s, client, 0, 0x0000_FFFF_C000_0201L);
            if (s < 64) {
                free.add(s, s, client, 0, 0x0000_FFFF_C000_0201L);
            }
            if ((k & 1023) == 0) {
                assertTrue(budget.used() <= limit, budget.used() + " after " + k);
            }
        }
        assertTrue(budget.refusals() > 0, "the flood needs more than the budget");
        assertEquals(SLOTS * PortPeers.SLOT_BYTES, peers.fixedBytes());
        int limited = 0;
        for (int s = 0; s < SLOTS; s++) {
            long n = clients[s];
            assertEquals(1, peers.servers(s), "one server, in a counter's first arrays");
            if (peers.memoryLimited(s)) {
                limited++;
                double tolerance = 5 * 0.84 / 8 * n + 3; // 64 registers at least
                assertTrue(Math.abs(peers.clients(s) - n) <= tolerance, "slot " + s + ": " + peers.clients(s) + " for " + n);
            } else {
                assertEquals(n, peers.clients(s), "slot " + s + " exact");
            }
            PeerSketches sk = peers.sketches(s);
            assertEquals(peers.sketchMissing(s), sk == null, "slot " + s);
            if (s < 64 && !peers.memoryLimited(s)) {
                assertTrue(Arrays.equals(free.sketches(s).clients(), sk.clients()), "slot " + s + ": the sketch of one without a budget");
            }
        }
        assertTrue(limited > SLOTS / 2, limited + " slots ran short");
        for (int s = 0; s < quiet; s++) {
            assertFalse(peers.memoryLimited(s), "slot " + s + " grew before the flood");
        }
        peers.clear(SLOTS);
        assertEquals(0, budget.used(), "a window gives back all it took");
        peers.add(5, 1, 2, 3, 4);
        assertFalse(peers.memoryLimited(5));
        assertEquals(1, peers.clients(5));
        assertNotNull(peers.sketches(5));
    }

    @Test
    void aRandomSourceFloodOnOnePortStaysWithinTheBudget() {
        for (long limit : new long[] {0, 16 << 10, 1 << 20}) {
            MemoryBudget budget = new MemoryBudget(limit);
            PortPeers peers = new PortPeers(null, budget);
            SplittableRandom r = new SplittableRandom(limit);
            int n = 1_000_000;
            for (int k = 0; k < n; k++) {
                peers.add(0, r.nextLong(), r.nextLong(), 0, 0x0000_FFFF_C000_0201L);
                assertTrue(budget.used() <= limit);
            }
            String what = "budget " + limit;
            assertTrue(Math.abs(peers.clients(0) - n) <= n * 5 * 0.84 / (limit == 0 ? 8 : 64), what + ": " + peers.clients(0));
            // past 4,096 the set becomes a sketch, which a megabyte holds with its mergeable sketch
            assertEquals(limit < (1 << 20), peers.memoryLimited(0), what);
            assertEquals(limit == 0, peers.sketchMissing(0), what);
            if (limit == 0) {
                assertNull(peers.sketches(0));
            }
            peers.clear(1);
            assertEquals(0, budget.used());
        }
    }
}
