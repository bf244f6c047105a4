package io.portwatch.analysis.ports;

import io.portwatch.analysis.output.PeerSketches;

/**
 * The distinct clients and servers of each port of a window, by the port's slot in the {@link PortTable}
 * (a {@link DistinctCounter} each: exact up to 4,096, then HyperLogLog), and their mergeable sketches
 * ({@link AddressSketch}, fed by the counters). Kept apart from the port counters so that another thread
 * than the packet thread can own them. A slot's counters and sketches are made at its first use and kept
 * for the next windows (cleared). Single writer.
 */
public final class PortPeers {

    private final FleetKey key;
    private DistinctCounter[] clients = new DistinctCounter[64];
    private DistinctCounter[] servers = new DistinctCounter[64];

    /** Without a fleet key: addresses go into the sketches as they are ({@link PeerSketches#PUBLIC}). */
    public PortPeers() {
        this(null);
    }

    /** @param key the fleet key that addresses are hashed with before they go into the sketches, or null */
    public PortPeers(FleetKey key) {
        this.key = key;
    }

    /** A flow active in this window: its client and server, for the port in {@code slot}. */
    public void add(int slot, long clientHi, long clientLo, long serverHi, long serverLo) {
        if (slot >= clients.length) {
            int n = Math.max(clients.length * 2, slot + 1);
            clients = java.util.Arrays.copyOf(clients, n);
            servers = java.util.Arrays.copyOf(servers, n);
        }
        DistinctCounter c = clients[slot];
        if (c == null) {
            c = clients[slot] = new DistinctCounter(new AddressSketch(key));
            servers[slot] = new DistinctCounter(new AddressSketch(key));
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

    /** The mergeable sketches of the port in {@code slot} (empty ones when nothing was added). */
    public PeerSketches sketches(int slot) {
        String k = key != null ? PeerSketches.FLEET : PeerSketches.PUBLIC;
        if (slot >= clients.length || clients[slot] == null) { // a port whose flows only ended in this window
            byte[] none = new AddressSketch(key).toBytes();
            return new PeerSketches(k, none, none);
        }
        return new PeerSketches(k, clients[slot].sketch().toBytes(), servers[slot].sketch().toBytes());
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
}
