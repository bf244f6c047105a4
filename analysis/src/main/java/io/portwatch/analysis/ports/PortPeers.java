package io.portwatch.analysis.ports;

import io.portwatch.analysis.output.PeerSketches;

import java.util.Arrays;

/**
 * The distinct clients and servers of each port of a window, by the port's slot in the {@link PortTable}
 * (a {@link DistinctCounter} each: exact up to 4,096, then HyperLogLog), and their mergeable sketches
 * ({@link AddressSketch}: made when the record asks, from the values of a counter still exact, or kept by
 * a counter past its exact set). Kept apart from the port counters so that another thread than the packet
 * thread can own them. A slot's counters are made at its first use and kept for the next windows (cleared
 * to their first arrays). Single writer.
 *
 * <p>Memory: the counters reserve what they grow into from one {@link MemoryBudget}; each window gives it
 * all back when its record is made ({@link #clear}). Past the budget a counter counts on in a smaller
 * sketch and its mergeable sketch may be left out ({@link #memoryLimited}, {@link #sketches} null). What
 * the budget is not charged for is at most {@link #SLOT_BYTES} a slot: 41 MiB at the 131,072 slots of every
 * TCP and UDP port. (A random-port flood of 2 million packets in one window made the counters hold 267 MiB
 * before, 2 KB a slot, each counter with a DataSketches sketch of its own; with the default budget of 43
 * MiB they hold 84 MiB.)
 */
public final class PortPeers {

    /**
     * Bytes a slot holds past its budget at most: two counters (their 40-byte objects and
     * {@link DistinctCounter#FLOOR_BYTES}) and their places in the two arrays of counters.
     */
    public static final long SLOT_BYTES = 2 * (40 + DistinctCounter.FLOOR_BYTES + 4);

    private final FleetKey key;
    private final MemoryBudget budget;
    private final CounterSettings settings;
    /** Where the sketch of an exact counter is made, for its record. */
    private final AddressSketch scratch;
    private DistinctCounter[] clients = new DistinctCounter[64];
    private DistinctCounter[] servers = new DistinctCounter[64];
    private int slots;

    /** Without a fleet key: addresses go into the sketches as they are ({@link PeerSketches#PUBLIC}); no budget. */
    public PortPeers() {
        this(null, MemoryBudget.unlimited());
    }

    /** @param key the fleet key that addresses are hashed with before they go into the sketches, or null */
    public PortPeers(FleetKey key) {
        this(key, MemoryBudget.unlimited());
    }

    /**
     * @param key    the fleet key that addresses are hashed with before they go into the sketches, or null
     * @param budget what the counters may grow into, owned from now on by the thread that owns this
     */
    public PortPeers(FleetKey key, MemoryBudget budget) {
        this.key = key;
        this.budget = budget;
        this.settings = CounterSettings.mergeable(budget, key);
        this.scratch = new AddressSketch(key);
    }

    /** A flow active in this window: its client and server, for the port in {@code slot}. */
    public void add(int slot, long clientHi, long clientLo, long serverHi, long serverLo) {
        if (slot >= clients.length) {
            int n = Math.max(clients.length * 2, slot + 1);
            clients = Arrays.copyOf(clients, n);
            servers = Arrays.copyOf(servers, n);
        }
        DistinctCounter c = clients[slot];
        if (c == null) {
            c = clients[slot] = new DistinctCounter(settings);
            servers[slot] = new DistinctCounter(settings);
            slots++;
        }
        c.add(clientHi, clientLo);
        servers[slot].add(serverHi, serverLo);
    }

    /**
     * Reads the memory that {@link #add} will read first for this client of the port in {@code slot}
     * (see {@link DistinctCounter#prefetch}), and changes nothing.
     */
    public long prefetch(int slot, long clientHi, long clientLo) {
        final DistinctCounter[] cs = clients;
        final DistinctCounter c = slot < cs.length ? cs[slot] : null;
        return c == null ? 0 : c.prefetch(clientHi, clientLo);
    }

    /** Distinct clients of the port in {@code slot} (0 when none was added). */
    public long clients(int slot) {
        return slot < clients.length && clients[slot] != null ? clients[slot].estimate() : 0;
    }

    /** Distinct servers of the port in {@code slot}. */
    public long servers(int slot) {
        return slot < servers.length && servers[slot] != null ? servers[slot].estimate() : 0;
    }

    /**
     * Whether a counter of the port in {@code slot} went short of memory in this window: its count is an
     * estimate from a sketch made earlier, or smaller, than the budget would have allowed otherwise.
     */
    public boolean memoryLimited(int slot) {
        return slot < clients.length && clients[slot] != null
                && (clients[slot].memoryLimited() || servers[slot].memoryLimited());
    }

    /** Whether a mergeable sketch of the port in {@code slot} was left out for want of memory in this window. */
    public boolean sketchMissing(int slot) {
        return slot < clients.length && clients[slot] != null
                && (clients[slot].sketchMissing() || servers[slot].sketchMissing());
    }

    /**
     * The mergeable sketches of the port in {@code slot} (empty ones when nothing was added), or null when
     * one of them was left out for want of memory: both or neither, as a fleet merges them.
     */
    public PeerSketches sketches(int slot) {
        String k = key != null ? PeerSketches.FLEET : PeerSketches.PUBLIC;
        if (slot >= clients.length || clients[slot] == null) { // a port whose flows only ended in this window
            scratch.reset();
            byte[] none = scratch.toBytes();
            return new PeerSketches(k, none, none);
        }
        byte[] c = clients[slot].sketchBytes(scratch);
        byte[] s = c == null ? null : servers[slot].sketchBytes(scratch);
        return s == null ? null : new PeerSketches(k, c, s);
    }

    /** Forgets the first {@code slots} slots' values, for the next window (counters are kept for reuse). */
    public void clear(int slots) {
        for (int s = 0; s < Math.min(slots, clients.length); s++) {
            if (clients[s] != null) {
                clients[s].clear();
                servers[s].clear();
            }
        }
    }

    /** What the counters may grow into, and hold now. */
    public MemoryBudget budget() {
        return budget;
    }

    /** Bytes held past the budget at most: {@link #SLOT_BYTES} for each slot that has counters. */
    public long fixedBytes() {
        return slots * SLOT_BYTES;
    }
}
