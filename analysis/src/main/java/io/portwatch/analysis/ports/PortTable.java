package io.portwatch.analysis.ports;

import io.portwatch.analysis.output.InetText;
import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.decode.DecodedPacket;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per (transport, server port) counters of one window. Dense index over the 2 x 65,536 ports, counters
 * of the ports in use packed in one {@code long[]} ({@value #STRIDE} longs a port), so that a packet's
 * update touches one or two cache lines. Single writer; {@link #drainCounts} takes the window's counters
 * and clears only the ports it used. A port's slot numbers it in this window; the distinct clients and
 * servers of each slot are counted apart, in {@link PortPeers} (which may live on another thread), and
 * {@link Counts#stats} puts the two together into records.
 */
public final class PortTable {

    public static final int FLOWS = 0;
    public static final int ACTIVE = 1;
    public static final int PKTS_TO_SERVER = 2;
    public static final int PKTS_TO_CLIENT = 3;
    public static final int BYTES_TO_SERVER = 4;
    public static final int BYTES_TO_CLIENT = 5;
    public static final int SYN = 6;
    public static final int SYN_ACK = 7;
    public static final int RST = 8;
    public static final int FIN = 9;
    public static final int ESTABLISHED = 10;
    public static final int REJECTED = 11;
    public static final int UNANSWERED = 12;
    public static final int STRIDE = 13;

    /** key (transport index << 16 | port) to slot + 1; 0 when the port is not in use this window. */
    private final int[] index = new int[2 << 16];
    private int[] keys = new int[64];
    private long[] c = new long[64 * STRIDE];
    private int used;

    /** Transport index: 0 TCP, 1 UDP. */
    public static int transportIndex(int ipProtocol) {
        return ipProtocol == DecodedPacket.PROTO_TCP ? 0 : 1;
    }

    /** The slot of a port, created for this window if needed. */
    public int slot(int ipProtocol, int port) {
        int key = (transportIndex(ipProtocol) << 16) | port;
        int s = index[key] - 1;
        if (s >= 0) {
            return s;
        }
        if (used == keys.length) {
            int n = used * 2;
            keys = java.util.Arrays.copyOf(keys, n);
            c = java.util.Arrays.copyOf(c, n * STRIDE);
        }
        s = used++;
        keys[s] = key;
        index[key] = s + 1;
        return s;
    }

    /** The key of the port in {@code slot}: {@code transport index << 16 | port}. */
    public int key(int slot) {
        return keys[slot];
    }

    /** The slot of the port with this key ({@link #key}), created for this window if needed. */
    public int slotOfKey(int key) {
        return slot((key >>> 16) == 0 ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP, key & 0xFFFF);
    }

    /** Adds every counter of {@code counts} to this window's, port by port. */
    public void addAll(Counts counts) {
        for (int s = 0; s < counts.keys.length; s++) {
            final int to = slotOfKey(counts.keys[s]) * STRIDE;
            final int from = s * STRIDE;
            for (int k = 0; k < STRIDE; k++) {
                c[to + k] += counts.c[from + k];
            }
        }
    }

    public void add(int slot, int counter, long value) {
        c[slot * STRIDE + counter] += value;
    }

    public void increment(int slot, int counter) {
        c[slot * STRIDE + counter]++;
    }


    public long get(int slot, int counter) {
        return c[slot * STRIDE + counter];
    }

    /** Ports in use this window. */
    public int size() {
        return used;
    }

    /** The window's counters, ports in slot order; the table is empty afterwards. */
    public Counts drainCounts() {
        int[] k = java.util.Arrays.copyOf(keys, used);
        long[] v = java.util.Arrays.copyOf(c, used * STRIDE);
        for (int s = 0; s < used; s++) {
            index[keys[s]] = 0;
        }
        java.util.Arrays.fill(c, 0, used * STRIDE, 0L);
        used = 0;
        return new Counts(k, v);
    }

    /** The window's records, busiest first, with the distinct counts of {@code peers}; both are empty afterwards. */
    public List<PortStats> drain(PortPeers peers) {
        return drainCounts().stats(peers, null, 0);
    }

    /** One window's counters: the ports it used, in slot order, and their {@value #STRIDE} counters each. */
    public static final class Counts {
        private final int[] keys;
        private final long[] c;

        private Counts(int[] keys, long[] c) {
            this.keys = keys;
            this.c = c;
        }

        /** Ports in this window. */
        public int size() {
            return keys.length;
        }

        /** The key ({@code transport index << 16 | port}) of the port in {@code slot}. */
        public int key(int slot) {
            return keys[slot];
        }

        /**
         * The window's records, busiest first, with each slot's distinct clients and servers from
         * {@code peers} (and their mergeable sketches), which is cleared for the next window, and the top
         * {@code topN} talkers of each kind from {@code talkers} (none when it is null).
         */
        public List<PortStats> stats(PortPeers peers, PortTalkers talkers, int topN) {
            List<PortStats> out = new ArrayList<>(keys.length);
            for (int s = 0; s < keys.length; s++) {
                PeerSketches sketches = peers.sketches(s);
                boolean limited = sketches == null || peers.memoryLimited(s)
                        || talkers != null && talkers.memoryLimited(s);
                int key = keys[s];
                int port = key & 0xFFFF;
                Transport transport = (key >>> 16) == 0 ? Transport.TCP : Transport.UDP;
                int b = s * STRIDE;
                TcpCounts tc = transport == Transport.TCP ? new TcpCounts(c[b + SYN], c[b + SYN_ACK], c[b + RST], c[b + FIN],
                        c[b + ESTABLISHED], c[b + REJECTED], c[b + UNANSWERED]) : null;
                out.add(new PortStats(transport, port, IanaServices.serviceName(transport.protocol(), port),
                        PortClass.of(port), c[b + FLOWS], c[b + ACTIVE], c[b + PKTS_TO_SERVER],
                        c[b + PKTS_TO_CLIENT], c[b + BYTES_TO_SERVER], c[b + BYTES_TO_CLIENT],
                        distinct(peers.clients(s), c[b + ACTIVE]), distinct(peers.servers(s), c[b + ACTIVE]), tc,
                        talkers == null ? null : talkers.clients(s, topN),
                        talkers == null ? null : talkers.servers(s, topN), sketches, limited));
            }
            peers.clear(keys.length);
            out.sort(PortStats.BUSIEST_FIRST);
            return out;
        }

        /**
         * The window's ports whose distinct counters, top talkers or mergeable sketches ran short of memory
         * (see {@link MemoryLimited}); before {@link #stats}, which clears {@code peers}.
         */
        public MemoryLimited memoryLimited(PortPeers peers, PortTalkers talkers) {
            long unique = 0;
            long top = 0;
            long sketches = 0;
            for (int s = 0; s < keys.length; s++) {
                unique += peers.memoryLimited(s) ? 1 : 0;
                top += talkers != null && talkers.memoryLimited(s) ? 1 : 0;
                sketches += peers.sketchMissing(s) ? 1 : 0;
            }
            return unique + top + sketches == 0 ? MemoryLimited.NONE : new MemoryLimited(unique, top, sketches);
        }

        /**
         * The window's services with their traffic in it, where the port's summary of servers in
         * {@code talkers} knows it exactly ({@link PortTalkers#serverTraffic}); the others as they are.
         */
        public List<ServiceStats> withTraffic(List<ServiceStats> services, PortTalkers talkers) {
            if (services.isEmpty() || talkers == null) {
                return services;
            }
            Map<Integer, Integer> slots = new HashMap<>(keys.length * 2);
            for (int s = 0; s < keys.length; s++) {
                slots.put(keys[s], s);
            }
            List<ServiceStats> out = new ArrayList<>(services.size());
            for (ServiceStats svc : services) {
                Integer slot = slots.get((svc.transport() == Transport.TCP ? 0 : 1) << 16 | svc.port());
                long[] address = InetText.parse(svc.address());
                long[] t = slot == null ? null : talkers.serverTraffic(slot, address[0], address[1]);
                out.add(t == null ? svc : svc.withTraffic(t[0], t[1]));
            }
            return out;
        }

        /**
         * A distinct count of the active flows' clients or servers: each active flow added one address,
         * so the count is at most the active flows, which an estimate past the exact limit could exceed.
         */
        private static long distinct(long estimate, long activeFlows) {
            return Math.min(estimate, activeFlows);
        }
    }
}
