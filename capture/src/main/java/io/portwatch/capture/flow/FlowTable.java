package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Arrays;

/**
 * Bidirectional flows keyed by the 5-tuple, with client and server told apart and TCP state followed.
 *
 * <p>Single writer: one thread owns a table. A flow slot is {@value #STRIDE} longs (96 bytes) in two
 * parallel arrays: a hot entry of 8 longs, one 64-byte cache line (key, ports and protocol, first and
 * last time, packet and byte counters, TCP state and mark), that a packet reads and writes, and a cold
 * entry of 4 longs (the two 128-bit addresses) read only when a flow starts or ends, or when its
 * addresses are asked for. Open addressing with linear probing and backward-shift deletion: a flow
 * costs 96 bytes divided by the load factor, at most 0.75, so at most 128 bytes a flow at the
 * {@link FlowConfig#maxFlows()} limit, and nothing else. The table starts at up to 2<sup>16</sup> slots
 * and grows fourfold, to at most {@code maxFlows / 0.75} slots; a slot's home follows its hash in
 * order, so growing copies the entries as a stream. When {@code maxFlows} are tracked, expired flows
 * are swept out and then the longest-idle sixteenth is evicted ({@link EndReason#EVICTED}).
 *
 * <p>The key check is exact. Ports, protocol and IP version are compared in full on the hot line.
 * When both addresses are IPv4 (IPv4-mapped, as the decoder stores them) the hot key word holds the
 * two addresses themselves, the client's in its high half: such a packet is matched on the hot line
 * alone, and IPv4 flows never touch the cold array. Other flows keep a 64-bit hash of the 5-tuple in
 * the key word, and a packet that matches it is then compared with the full addresses in the cold
 * array: a hash collision costs one more read, never a wrong flow.
 *
 * <p>Packet counters are 32 bits a direction: a flow part about to count a 2<sup>32</sup>th packet one
 * way is cut first ({@link EndReason#ACTIVE}), as if its active timeout had passed.
 *
 * <p>Client and server: the sender of a SYN without ACK is the client; the sender of a SYN+ACK is the
 * server; otherwise, when exactly one side's port is well-known (below 1024), that side is the server;
 * otherwise, when exactly one side's port is a known service port (IANA), that side is the server;
 * otherwise the sender of the first packet is the client. The choice is made when the flow starts.
 *
 * <p>TCP endpoint states follow Zeek's (inactive, SYN sent, SYN+ACK sent, partial, established,
 * closed, reset) so that records carry Zeek's {@code conn_state}. A flow whose both sides sent FIN, or
 * that saw a RST, lingers for {@link FlowConfig#tcpClosedNanos()} (for the last ACK and strays) and then
 * ends with reason FIN or RST; a new SYN on its 5-tuple ends it at once and starts a new flow.
 *
 * <p>Timeouts are exact: a packet that arrives after its flow's idle timeout ends the old flow (IDLE)
 * and starts a new one, whenever the sweep would have run. Sweeps run as packet time advances, at most
 * about once a second and no more often than once per table capacity in packets, to keep their cost per
 * packet small.
 *
 * <p>Batching: a packet's flow is most often a cache miss, and a miss costs more than the rest of
 * tracking. {@link #prefetch(DecodedPacket[], int, int)} reads the memory that tracking a batch of
 * packets will read, all at once: a caller that decodes 16 to 32 packets, prefetches them and then
 * tracks them pays about one miss's wait for the batch instead of one a packet.
 */
public final class FlowTable {

    /** Longs per flow slot: 8 hot and 4 cold. */
    public static final int STRIDE = 12;

    /** Longs per hot entry (64 bytes). */
    private static final int HOT = 8;
    /** Longs per cold entry. */
    private static final int COLD = 4;
    /**
     * Longs before hot entry 0. A {@code long[]} has a 16-byte header (compressed class pointers); G1
     * places large arrays at the start of a region, so 6 longs put every hot entry on one cache line.
     * Other collectors (the parallel one, which {@code read} uses) align an array to 8 bytes only: an
     * entry then spans two lines, and the prefetch reads an entry's first and last words to fetch both
     * (on a 20M-packet read, -6% wall time; as fast as with every object aligned to 64 bytes).
     */
    private static final int BASE = 6;

    // Hot entry fields.
    /** Both IPv4 addresses (client high, server low) when EXACT, else the 5-tuple's fingerprint. */
    private static final int KEY = 0;
    /** clientPort 0-15, serverPort 16-31, protocol 32-39, IPv6 bit 40, exact bit 41, used bit 62. */
    private static final int META = 1;
    private static final int START = 2;
    private static final int LAST = 3;
    /** Packets to the server in bits 0-31, to the client in bits 32-63. */
    private static final int PKTS = 4;
    private static final int BYTES_TO_SERVER = 5;
    private static final int BYTES_TO_CLIENT = 6;
    /** client flags 0-7, server flags 8-15, client state 16-19, server state 20-23, history 24-31, mark 32-63. */
    private static final int STATE = 7;

    // Cold entry fields (only for flows without the EXACT bit).
    private static final int CLIENT_HI = 0;
    private static final int CLIENT_LO = 1;
    private static final int SERVER_HI = 2;
    private static final int SERVER_LO = 3;

    private static final long USED = 1L << 62;
    private static final long V6 = 1L << 40;
    private static final long EXACT = 1L << 41;

    private static final long LOW32 = 0xFFFF_FFFFL;
    /** The high half of an IPv4-mapped address's low long ({@code ::ffff:0:0}). */
    private static final long MAPPED = 0x0000_FFFF_0000_0000L;
    private static final long TO_CLIENT_PACKET = 1L << 32;

    // Endpoint states (Zeek's TCP_* endpoint states; ACTIVE for UDP).
    static final int INACTIVE = 0;
    static final int SYN_SENT = 1;
    static final int SYN_ACK_SENT = 2;
    static final int PARTIAL = 3;
    static final int ESTABLISHED = 4;
    static final int CLOSED = 5;
    static final int RESET = 6;
    static final int ACTIVE = 7;

    // History bits (H_ESTABLISHED and H_REJECTED are EV_ESTABLISHED's and EV_REJECTED's: see tcpEvents).
    private static final int H_CLIENT_SYN = 1;
    private static final int H_ESTABLISHED = FlowTable.EV_ESTABLISHED;
    private static final int H_REJECTED = FlowTable.EV_REJECTED;

    /** Event: this packet started a new flow. */
    public static final int EV_NEW = 1;
    /** Event: this packet completed the TCP handshake (the client's ACK of the SYN+ACK). */
    public static final int EV_ESTABLISHED = 2;
    /** Event: this packet is the server's RST answering the client's SYN. */
    public static final int EV_REJECTED = 4;

    private static final double MAX_LOAD = 0.75;
    private static final int MIN_CAPACITY = 1024;
    private static final int INITIAL_CAPACITY = 1 << 16;
    private static final int GROWTH = 4;
    private static final long SWEEP_INTERVAL_NANOS = FlowConfig.SECOND;

    private final FlowConfig config;
    private final ServicePortPredicate services;
    private final FlowEndHandler onEnd;
    private final int maxCapacity;
    private final long minTimeout;
    private final long activeNanos;

    private long[] hot;
    private long[] cold;
    private int capacity;
    private int size;
    private int growAt;

    private long flowsStarted;
    private long flowsEvicted;
    private long lastSweepNanos = Long.MIN_VALUE;
    private long packetsSinceSweep;

    private boolean lastToServer;
    private int lastEvents;
    /** What {@link #prefetch} read: kept so that the reads are not optimized away. */
    private long prefetched;
    /** Home slots of a batch being prefetched, reused. */
    private int[] homes = new int[32];

    public FlowTable(FlowConfig config, ServicePortPredicate services, FlowEndHandler onEnd) {
        this.config = config;
        this.services = services;
        this.onEnd = onEnd;
        this.minTimeout = Math.min(Math.min(config.tcpClosedNanos(), config.tcpHandshakeNanos()),
                Math.min(config.tcpIdleNanos(), config.udpIdleNanos()));
        this.activeNanos = config.activeNanos();
        this.maxCapacity = (int) Math.min(Integer.MAX_VALUE / HOT - 1,
                Math.max(MIN_CAPACITY, (long) Math.ceil(config.maxFlows() / MAX_LOAD) + 1));
        allocate(Math.min(maxCapacity, INITIAL_CAPACITY));
    }

    private void allocate(int cap) {
        capacity = cap;
        hot = new long[BASE + cap * HOT];
        cold = new long[cap * COLD];
        growAt = (int) Math.min(config.maxFlows(), (long) (cap * MAX_LOAD));
    }

    public FlowConfig config() {
        return config;
    }

    /** Flows tracked now. */
    public int size() {
        return size;
    }

    /** Slots allocated now (each {@value #STRIDE} longs). */
    public int capacity() {
        return capacity;
    }

    /** Bytes the table holds now, for memory accounting. */
    public long memoryBytes() {
        return ((long) hot.length + cold.length) * Long.BYTES;
    }

    public long flowsStarted() {
        return flowsStarted;
    }

    public long flowsEvicted() {
        return flowsEvicted;
    }

    /** Direction of the last tracked packet: true when the client sent it. */
    public boolean lastToServer() {
        return lastToServer;
    }

    /** {@code EV_*} bits of the last tracked packet. */
    public int lastEvents() {
        return lastEvents;
    }

    /**
     * Reads the table memory that {@link #track} will read for this packet (its flow's home slot, and
     * unless both addresses are IPv4 the addresses kept there), and changes nothing. The batch form,
     * {@link #prefetch(DecodedPacket[], int, int)}, overlaps the reads better.
     */
    public void prefetch(DecodedPacket p) {
        prefetched += read(hot, cold, home(p));
    }

    /**
     * Reads the table memory that tracking {@code packets[from, to)} will read, and changes nothing:
     * first the homes of all the packets' flows are computed, then all are read, so that the cache
     * misses overlap. Then {@link #track} each packet, in order; the table may change in between (the
     * reads are then wasted, never wrong).
     */
    public void prefetch(DecodedPacket[] packets, int from, int to) {
        final int n = to - from;
        if (homes.length < n) {
            homes = new int[n];
        }
        final int[] homes = this.homes;
        for (int k = 0; k < n; k++) {
            homes[k] = home(packets[from + k]);
        }
        final long[] hot = this.hot, cold = this.cold;
        long v = 0;
        for (int k = 0; k < n; k++) {
            v += read(hot, cold, homes[k]);
        }
        prefetched += v;
    }

    /**
     * Reads the entry of home slot h (with the sign bit: and its cold entry): its first and last words,
     * so that both of its cache lines arrive when it straddles two.
     */
    private static long read(long[] hot, long[] cold, int h) {
        final int b = BASE + (h & Integer.MAX_VALUE) * HOT;
        long v = hot[b + KEY] + hot[b + HOT - 1];
        if (h < 0) {
            final int c = (h & Integer.MAX_VALUE) * COLD;
            v += cold[c] + cold[c + COLD - 1];
        }
        return v;
    }

    /** The home slot of p's flow, with the sign bit set when the flow keeps its addresses cold. */
    private int home(DecodedPacket p) {
        final long sHi = p.srcHi, sLo = p.srcLo, dHi = p.dstHi, dLo = p.dstLo;
        final boolean exact = isExact(sHi, sLo, dHi, dLo);
        final long h = hash(p, exact);
        p.flowHash = h; // track() takes it from here
        p.flowHashed = true;
        return exact ? index(h) : index(h) | Integer.MIN_VALUE;
    }

    /** The hash of p's 5-tuple: {@link #exactHash} when both addresses are IPv4, else {@link #fingerprint}. */
    private static long hash(DecodedPacket p, boolean exact) {
        return exact
                ? exactHash(p.srcLo & LOW32, p.dstLo & LOW32, p.srcPort, p.dstPort, p.protocol, p.ipVersion == 6)
                : fingerprint(p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
    }

    /**
     * Accounts one TCP or UDP packet (a {@link DecodedPacket#KIND_TRANSPORT} packet) to its flow,
     * starting the flow if needed; flows that end on the way are reported to the handler first.
     *
     * @return the flow's slot, valid until the next call that changes the table
     */
    public int track(DecodedPacket p) {
        final long now = p.timestampNanos;
        maybeSweep(now);
        final int proto = p.protocol;
        final long sHi = p.srcHi, sLo = p.srcLo, dHi = p.dstHi, dLo = p.dstLo;
        final int sPort = p.srcPort, dPort = p.dstPort;
        final boolean exact = isExact(sHi, sLo, dHi, dLo);
        final long h = p.flowHashed ? p.flowHash : hash(p, exact);
        final long fwdKey, revKey;
        if (exact) {
            final long a = sLo & LOW32, b = dLo & LOW32;
            fwdKey = a << 32 | b;
            revKey = b << 32 | a;
        } else {
            fwdKey = h;
            revKey = h;
        }
        final long common = USED | (p.ipVersion == 6 ? V6 : 0) | (exact ? EXACT : 0) | ((long) (proto & 0xFF) << 32);
        final long fwd = common | ((long) dPort << 16) | sPort;
        final long rev = common | ((long) sPort << 16) | dPort;
        final long[] hot = this.hot;
        int i = index(h);
        int events = 0;
        boolean toServer;
        int b;
        for (;;) {
            b = BASE + i * HOT;
            final long m = hot[b + META];
            if (m == 0) {
                if (size >= growAt) {
                    makeRoom(now);
                    return track(p);
                }
                toServer = isClientSender(p);
                create(i, p, toServer, toServer ? fwd : rev, toServer ? fwdKey : revKey, exact);
                size++;
                events = EV_NEW;
                break;
            }
            final long k = hot[b + KEY];
            if (k == fwdKey && m == fwd && (exact || coldIs(i, sHi, sLo, dHi, dLo))) {
                toServer = true;
            } else if (k == revKey && m == rev && (exact || coldIs(i, dHi, dLo, sHi, sLo))) {
                toServer = false;
            } else {
                i = i + 1 == capacity ? 0 : i + 1;
                continue;
            }
            // Found: does this packet belong to a new flow on the same 5-tuple?
            EndReason ended = expiredReason(b, now);
            if (ended == null && proto == DecodedPacket.PROTO_TCP && isFinished(hot[b + STATE])
                    && (p.tcpFlags & (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK)) == DecodedPacket.TCP_SYN) {
                ended = finishedReason(hot[b + STATE]);
            }
            if (ended != null) {
                onEnd.onFlowEnd(this, i, ended);
                toServer = isClientSender(p);
                create(i, p, toServer, toServer ? fwd : rev, toServer ? fwdKey : revKey, exact);
                events = EV_NEW;
            } else if ((activeNanos > 0 && now - hot[b + START] >= activeNanos)
                    || isFull(hot[b + PKTS], toServer)) {
                cutPart(i, now);
            }
            break;
        }
        if (now > hot[b + LAST]) {
            hot[b + LAST] = now;
        }
        if (toServer) {
            hot[b + PKTS]++;
            hot[b + BYTES_TO_SERVER] += p.ipLength;
        } else {
            hot[b + PKTS] += TO_CLIENT_PACKET;
            hot[b + BYTES_TO_CLIENT] += p.ipLength;
        }
        long st = hot[b + STATE];
        if (proto == DecodedPacket.PROTO_TCP) {
            long before = st;
            st = tcpTransition(st, toServer, p.tcpFlags);
            events |= tcpEvents(before, st);
        } else {
            st |= (long) ACTIVE << (toServer ? 16 : 20);
        }
        hot[b + STATE] = st;
        lastToServer = toServer;
        lastEvents = events;
        packetsSinceSweep++;
        return i;
    }

    /**
     * Adds packets of the flow in slot (e.g. IP fragments that arrived before their first). Packets
     * beyond what a 32-bit counter holds go to a next part of the flow, as in {@link #track}.
     */
    public void addPackets(int slot, boolean toServer, long packets, long bytes) {
        final long[] hot = this.hot;
        final int b = BASE + slot * HOT;
        long left = packets;
        while (left > 0) {
            final long have = toServer ? hot[b + PKTS] & LOW32 : hot[b + PKTS] >>> 32;
            if (have == LOW32) {
                cutPart(slot, hot[b + LAST]);
                continue;
            }
            final long n = Math.min(left, LOW32 - have);
            hot[b + PKTS] += toServer ? n : n << 32;
            left -= n;
        }
        hot[b + (toServer ? BYTES_TO_SERVER : BYTES_TO_CLIENT)] += bytes;
    }

    private static boolean isFull(long packets, boolean toServer) {
        return (toServer ? packets & LOW32 : packets >>> 32) == LOW32;
    }

    /** Reports the flow in slot as one part ({@link EndReason#ACTIVE}) and starts its next part at now. */
    private void cutPart(int slot, long now) {
        onEnd.onFlowEnd(this, slot, EndReason.ACTIVE);
        final int b = BASE + slot * HOT;
        hot[b + START] = now;
        hot[b + PKTS] = 0;
        hot[b + BYTES_TO_SERVER] = 0;
        hot[b + BYTES_TO_CLIENT] = 0;
        hot[b + STATE] &= ~0xFFFFL; // flags seen are per part
    }

    // ---------------------------------------------------------------- TCP state

    private static long tcpTransition(long st, boolean fromClient, int flags) {
        final int shiftFlags = fromClient ? 0 : 8;
        final int shiftState = fromClient ? 16 : 20;
        final int peerShift = fromClient ? 20 : 16;
        st |= (long) (flags & 0xFF) << shiftFlags;
        int me = (int) (st >>> shiftState) & 0xF;
        int peer = (int) (st >>> peerShift) & 0xF;
        int hist = (int) (st >>> 24) & 0xFF;
        final boolean syn = (flags & DecodedPacket.TCP_SYN) != 0;
        final boolean ack = (flags & DecodedPacket.TCP_ACK) != 0;
        final boolean fin = (flags & DecodedPacket.TCP_FIN) != 0;
        final boolean rst = (flags & DecodedPacket.TCP_RST) != 0;
        if (rst) {
            if (!fromClient && peer == SYN_SENT && me == INACTIVE) {
                hist |= H_REJECTED;
            }
            me = RESET;
        } else if (syn) {
            if (!ack) {
                if (me == INACTIVE) {
                    me = SYN_SENT;
                }
                if (fromClient) {
                    hist |= H_CLIENT_SYN;
                }
            } else if (me == INACTIVE || me == SYN_SENT) {
                me = SYN_ACK_SENT;
            }
            if (fin && me != RESET) {
                me = CLOSED;
            }
        } else {
            if (ack && fromClient && me == SYN_SENT && peer == SYN_ACK_SENT) {
                me = ESTABLISHED;
                peer = ESTABLISHED;
                hist |= H_ESTABLISHED;
            } else if (me == INACTIVE) {
                me = PARTIAL;
            }
            if (fin && me != RESET) {
                me = CLOSED;
            }
        }
        st &= ~((0xFL << shiftState) | (0xFL << peerShift) | (0xFFL << 24));
        return st | ((long) me << shiftState) | ((long) peer << peerShift) | ((long) hist << 24);
    }

    /** The events of a state change: the history bits it set, which are the events' bits (no branch). */
    private static int tcpEvents(long before, long after) {
        int newHist = (int) ((after & ~before) >>> 24) & 0xFF;
        return newHist & (H_ESTABLISHED | H_REJECTED);
    }

    private static int clientState(long st) {
        return (int) (st >>> 16) & 0xF;
    }

    private static int serverState(long st) {
        return (int) (st >>> 20) & 0xF;
    }

    private static boolean isFinished(long st) {
        int c = clientState(st), s = serverState(st);
        return c == RESET || s == RESET || (c == CLOSED && s == CLOSED);
    }

    private static EndReason finishedReason(long st) {
        return clientState(st) == RESET || serverState(st) == RESET ? EndReason.RST : EndReason.FIN;
    }

    /** The reason the flow whose hot entry starts at b has ended by {@code now}, or null while it is live. */
    private EndReason expiredReason(int b, long now) {
        final long idle = now - hot[b + LAST];
        if (idle <= minTimeout) {
            return null; // the common case in a sweep: nothing else to read
        }
        final long st = hot[b + STATE];
        final int proto = (int) (hot[b + META] >>> 32) & 0xFF;
        if (proto != DecodedPacket.PROTO_TCP) {
            return idle > config.udpIdleNanos() ? EndReason.IDLE : null;
        }
        if (isFinished(st)) {
            return idle > config.tcpClosedNanos() ? finishedReason(st) : null;
        }
        int c = clientState(st), s = serverState(st);
        boolean handshaking = (c == SYN_SENT || c == INACTIVE) && (s == INACTIVE || s == SYN_ACK_SENT
                || s == SYN_SENT);
        long timeout = handshaking ? config.tcpHandshakeNanos() : config.tcpIdleNanos();
        return idle > timeout ? EndReason.IDLE : null;
    }

    // ---------------------------------------------------------------- flow creation

    private boolean isClientSender(DecodedPacket p) {
        if (p.protocol == DecodedPacket.PROTO_TCP) {
            int f = p.tcpFlags & (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK);
            if (f == DecodedPacket.TCP_SYN) {
                return true;
            }
            if (f == (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK)) {
                return false;
            }
        }
        boolean srcWk = p.srcPort < 1024, dstWk = p.dstPort < 1024;
        if (srcWk != dstWk) {
            return dstWk;
        }
        boolean srcSvc = services.isServicePort(p.protocol, p.srcPort);
        boolean dstSvc = services.isServicePort(p.protocol, p.dstPort);
        if (srcSvc != dstSvc) {
            return dstSvc;
        }
        return true;
    }

    private void create(int slot, DecodedPacket p, boolean srcIsClient, long meta, long key, boolean exact) {
        final long[] hot = this.hot;
        final int b = BASE + slot * HOT;
        hot[b + KEY] = key;
        hot[b + META] = meta;
        hot[b + START] = p.timestampNanos;
        hot[b + LAST] = p.timestampNanos;
        hot[b + PKTS] = 0;
        hot[b + BYTES_TO_SERVER] = 0;
        hot[b + BYTES_TO_CLIENT] = 0;
        hot[b + STATE] = 0;
        if (!exact) {
            final long[] cold = this.cold;
            final int c = slot * COLD;
            if (srcIsClient) {
                cold[c + CLIENT_HI] = p.srcHi;
                cold[c + CLIENT_LO] = p.srcLo;
                cold[c + SERVER_HI] = p.dstHi;
                cold[c + SERVER_LO] = p.dstLo;
            } else {
                cold[c + CLIENT_HI] = p.dstHi;
                cold[c + CLIENT_LO] = p.dstLo;
                cold[c + SERVER_HI] = p.srcHi;
                cold[c + SERVER_LO] = p.srcLo;
            }
        }
        flowsStarted++;
    }

    /** True when the cold entry of slot holds exactly this client and server. */
    private boolean coldIs(int slot, long cHi, long cLo, long sHi, long sLo) {
        final long[] cold = this.cold;
        final int c = slot * COLD;
        return cold[c + CLIENT_LO] == cLo && cold[c + SERVER_LO] == sLo
                && cold[c + CLIENT_HI] == cHi && cold[c + SERVER_HI] == sHi;
    }

    // ---------------------------------------------------------------- hashing

    /** Both addresses IPv4-mapped ({@code ::ffff:a.b.c.d}), so that their low 32 bits are all of them. */
    private static boolean isExact(long sHi, long sLo, long dHi, long dLo) {
        return (sHi | dHi | ((sLo >>> 32) ^ 0xFFFF) | ((dLo >>> 32) ^ 0xFFFF)) == 0;
    }

    /**
     * The hash of an IPv4 5-tuple (a and b the two 32-bit addresses), the same both ways: it orders the
     * two addresses and the two ports.
     */
    static long exactHash(long a, long b, int aPort, int bPort, int proto, boolean v6) {
        long addresses = Math.min(a, b) << 32 | Math.max(a, b);
        long rest = ((long) Math.min(aPort, bPort) << 16) | Math.max(aPort, bPort) | ((long) (proto & 0xFF) << 32)
                | (v6 ? 1L << 40 : 0);
        return Hash64.fmix64(addresses ^ rest * 0x9E3779B97F4A7C15L);
    }

    /** A 64-bit hash of a 5-tuple that is the same both ways: it combines the endpoints' hashes symmetrically. */
    static long fingerprint(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int proto) {
        long ea = Hash64.fmix64((aHi * 0x9E3779B97F4A7C15L ^ aLo) + aPort * 0xC2B2AE3D27D4EB4FL);
        long eb = Hash64.fmix64((bHi * 0x9E3779B97F4A7C15L ^ bLo) + bPort * 0xC2B2AE3D27D4EB4FL);
        return Hash64.fmix64((ea ^ eb) + (ea + eb) * 31 + proto);
    }

    private int index(long h) {
        return (int) (((h >>> 32) * capacity) >>> 32);
    }

    /** The home slot of the flow whose hot entry starts at b, from the hot entry alone. */
    private int homeOf(long[] hot, int b) {
        final long m = hot[b + META];
        final long k = hot[b + KEY];
        if ((m & EXACT) == 0) {
            return index(k);
        }
        return index(exactHash(k >>> 32, k & LOW32, (int) m & 0xFFFF, (int) (m >>> 16) & 0xFFFF,
                (int) (m >>> 32) & 0xFF, (m & V6) != 0));
    }

    // ---------------------------------------------------------------- growth, sweep, eviction

    private void makeRoom(long now) {
        if (capacity < maxCapacity && size < config.maxFlows()) {
            grow();
            return;
        }
        sweep(now);
        if (size < config.maxFlows() - Math.max(1, config.maxFlows() / 64)) {
            return;
        }
        evictOldest(Math.max(1, config.maxFlows() / 16));
    }

    private void grow() {
        final long[] oldHot = hot, oldCold = cold;
        final int oldCap = capacity;
        allocate((int) Math.min(maxCapacity, (long) oldCap * GROWTH));
        final long[] hot = this.hot, cold = this.cold;
        // Slots map to the new table in order (the index is monotone in the hash), so the copy streams.
        for (int j = 0; j < oldCap; j++) {
            final int ob = BASE + j * HOT;
            if (oldHot[ob + META] == 0) {
                continue;
            }
            int i = homeOf(oldHot, ob);
            while (hot[BASE + i * HOT + META] != 0) {
                i = i + 1 == capacity ? 0 : i + 1;
            }
            System.arraycopy(oldHot, ob, hot, BASE + i * HOT, HOT);
            if ((oldHot[ob + META] & EXACT) == 0) {
                System.arraycopy(oldCold, j * COLD, cold, i * COLD, COLD);
            }
        }
    }

    private void maybeSweep(long now) {
        if (lastSweepNanos == Long.MIN_VALUE) {
            lastSweepNanos = now;
            return;
        }
        // A sweep visits every slot: run it at most once a second of packet time, and no more often than
        // once per `capacity` packets, so that it costs at most about one slot visit per packet.
        if (now - lastSweepNanos >= SWEEP_INTERVAL_NANOS && packetsSinceSweep >= capacity) {
            sweep(now);
        }
    }

    /**
     * Ends every flow that has timed out by {@code now} (idle, or lingered after FIN/RST).
     *
     * @return the number of flows ended
     */
    public int sweep(long now) {
        lastSweepNanos = now;
        packetsSinceSweep = 0;
        int ended = 0;
        int i = 0;
        while (i < capacity) {
            int b = BASE + i * HOT;
            if (hot[b + META] != 0) {
                EndReason r = expiredReason(b, now);
                if (r != null) {
                    onEnd.onFlowEnd(this, i, r);
                    removeAt(i);
                    ended++;
                    continue; // another flow may have shifted into slot i
                }
            }
            i++;
        }
        return ended;
    }

    private void evictOldest(int target) {
        final long[] hot = this.hot;
        // Estimate the last-seen time below which about `target` flows lie, from a sample.
        int sampleSize = Math.min(size, 4096);
        long[] sample = new long[sampleSize];
        int step = Math.max(1, capacity / Math.max(1, sampleSize));
        int n = 0;
        for (int i = 0; i < capacity && n < sampleSize; i += step) {
            for (int j = i; j < capacity; j++) {
                if (hot[BASE + j * HOT + META] != 0) {
                    sample[n++] = hot[BASE + j * HOT + LAST];
                    break;
                }
            }
        }
        Arrays.sort(sample, 0, n);
        long cutoff = n == 0 ? Long.MAX_VALUE
                : sample[Math.min(n - 1, (int) ((long) target * n / Math.max(1, size)))];
        int evicted = 0;
        int i = 0;
        while (i < capacity && evicted < target) {
            int b = BASE + i * HOT;
            if (hot[b + META] != 0 && hot[b + LAST] <= cutoff) {
                onEnd.onFlowEnd(this, i, EndReason.EVICTED);
                removeAt(i);
                evicted++;
                flowsEvicted++;
                continue;
            }
            i++;
        }
        if (evicted == 0 && size > 0) {
            // Sample missed (all flows newer than the cutoff): evict whatever comes first.
            for (int j = 0; j < capacity && evicted < target; ) {
                if (hot[BASE + j * HOT + META] != 0) {
                    onEnd.onFlowEnd(this, j, EndReason.EVICTED);
                    removeAt(j);
                    evicted++;
                    flowsEvicted++;
                    continue;
                }
                j++;
            }
        }
    }

    private void removeAt(int i) {
        final long[] hot = this.hot, cold = this.cold;
        int hole = i;
        int j = i;
        for (;;) {
            j = j + 1 == capacity ? 0 : j + 1;
            final int jb = BASE + j * HOT;
            if (hot[jb + META] == 0) {
                break;
            }
            int home = homeOf(hot, jb);
            boolean stays = hole <= j ? (hole < home && home <= j) : (home > hole || home <= j);
            if (stays) {
                continue;
            }
            System.arraycopy(hot, jb, hot, BASE + hole * HOT, HOT);
            if ((hot[jb + META] & EXACT) == 0) {
                System.arraycopy(cold, j * COLD, cold, hole * COLD, COLD);
            }
            hole = j;
        }
        Arrays.fill(hot, BASE + hole * HOT, BASE + hole * HOT + HOT, 0L);
        size--;
    }

    /**
     * Ends every flow, oldest first, and empties the table. With END_OF_INPUT (the end of a capture), a
     * TCP flow that had already finished by FIN or RST (lingering for its last packets) ends with that
     * reason; every other flow with the given one.
     */
    public void endAll(EndReason reason) {
        final long[] hot = this.hot;
        int[] slots = new int[size];
        long[] starts = new long[size];
        int n = 0;
        for (int i = 0; i < capacity; i++) {
            if (hot[BASE + i * HOT + META] != 0) {
                slots[n] = i;
                starts[n++] = hot[BASE + i * HOT + START];
            }
        }
        slots = byStart(starts, slots, n);
        final long[] cold = this.cold;
        long ahead = 0;
        for (int k = 0; k < n; k++) {
            if (k % AHEAD == 0) { // read the next flows' entries all at once, so that their misses overlap
                for (int j = k, end = Math.min(n, k + AHEAD); j < end; j++) {
                    final long m = hot[BASE + slots[j] * HOT + META];
                    ahead += (m & EXACT) != 0 ? m : cold[slots[j] * COLD];
                }
            }
            final int i = slots[k];
            final int b = BASE + i * HOT;
            EndReason r = reason;
            if (reason == EndReason.END_OF_INPUT && ((hot[b + META] >>> 32) & 0xFF) == DecodedPacket.PROTO_TCP) {
                final long st = hot[b + STATE]; // isFinished and finishedReason, written out
                final int c = (int) (st >>> 16) & 0xF;
                final int sv = (int) (st >>> 20) & 0xF;
                if (c == RESET || sv == RESET) {
                    r = EndReason.RST;
                } else if (c == CLOSED && sv == CLOSED) {
                    r = EndReason.FIN;
                }
            }
            onEnd.onFlowEnd(this, i, r);
            hot[b + META] = 0; // an empty slot; create() writes every other field
        }
        prefetched += ahead;
        size = 0;
    }

    /** How many flows {@link #endAll} reads at once before it ends them. */
    private static final int AHEAD = 16;

    /**
     * The slots ordered by their flows' start (keys), as {@link #sortByKey} orders them. When no two
     * starts are equal every sort gives that order, so a radix sort (loops only: quick from the first
     * call, when the JIT has not compiled a recursive sort yet) gives it; with equal starts the
     * quicksort decides their order, as it always has.
     */
    static int[] byStart(long[] keys, int[] vals, int n) {
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
        if (n < 64 || range < 0) { // few flows, or starts more than 292 years apart
            sortByKey(keys, vals, 0, n - 1);
            return vals;
        }
        final int bits = 64 - Long.numberOfLeadingZeros(range);
        long[] k1 = new long[n];
        int[] v1 = new int[n];
        for (int i = 0; i < n; i++) {
            k1[i] = keys[i] - min;
        }
        System.arraycopy(vals, 0, v1, 0, n);
        long[] k2 = new long[n];
        int[] v2 = new int[n];
        final int[] count = new int[1 << RADIX_BITS];
        for (int shift = 0; shift < bits; shift += RADIX_BITS) { // least significant digit first: stable
            java.util.Arrays.fill(count, 0);
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
        for (int i = 1; i < n; i++) {
            if (k1[i] == k1[i - 1]) { // equal starts: their order is the quicksort's
                sortByKey(keys, vals, 0, n - 1);
                return vals;
            }
        }
        return v1;
    }

    private static final int RADIX_BITS = 11;
    private static final int RADIX_MASK = (1 << RADIX_BITS) - 1;

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

    // ---------------------------------------------------------------- accessors by slot

    // Each accessor reads the table itself, with no nested call: flows that end at the end of a
    // capture are read once each, often before the JIT has compiled these methods on their own.

    public int ipVersion(int slot) {
        return (hot[BASE + slot * HOT + META] & V6) != 0 ? 6 : 4;
    }

    public int protocol(int slot) {
        return (int) (hot[BASE + slot * HOT + META] >>> 32) & 0xFF;
    }

    public int clientPort(int slot) {
        return (int) hot[BASE + slot * HOT + META] & 0xFFFF;
    }

    public int serverPort(int slot) {
        return (int) (hot[BASE + slot * HOT + META] >>> 16) & 0xFFFF;
    }

    public long clientHi(int slot) {
        return (hot[BASE + slot * HOT + META] & EXACT) != 0 ? 0 : cold[slot * COLD + CLIENT_HI];
    }

    public long clientLo(int slot) {
        final int b = BASE + slot * HOT;
        return (hot[b + META] & EXACT) != 0 ? MAPPED | hot[b + KEY] >>> 32 : cold[slot * COLD + CLIENT_LO];
    }

    public long serverHi(int slot) {
        return (hot[BASE + slot * HOT + META] & EXACT) != 0 ? 0 : cold[slot * COLD + SERVER_HI];
    }

    public long serverLo(int slot) {
        final int b = BASE + slot * HOT;
        return (hot[b + META] & EXACT) != 0 ? MAPPED | hot[b + KEY] & LOW32 : cold[slot * COLD + SERVER_LO];
    }

    public long startNanos(int slot) {
        return hot[BASE + slot * HOT + START];
    }

    public long lastNanos(int slot) {
        return hot[BASE + slot * HOT + LAST];
    }

    public long packetsToServer(int slot) {
        return hot[BASE + slot * HOT + PKTS] & LOW32;
    }

    public long packetsToClient(int slot) {
        return hot[BASE + slot * HOT + PKTS] >>> 32;
    }

    public long bytesToServer(int slot) {
        return hot[BASE + slot * HOT + BYTES_TO_SERVER];
    }

    public long bytesToClient(int slot) {
        return hot[BASE + slot * HOT + BYTES_TO_CLIENT];
    }

    /** Union of the TCP flags seen both ways in this flow (or this part of it). */
    public int tcpFlags(int slot) {
        final long st = hot[BASE + slot * HOT + STATE];
        return (int) ((st | st >>> 8) & 0xFF);
    }

    /** A per-flow integer the owner of the table may use (e.g. the window a flow was last counted in). */
    public int mark(int slot) {
        return (int) (hot[BASE + slot * HOT + STATE] >>> 32);
    }

    public void setMark(int slot, int mark) {
        int b = BASE + slot * HOT + STATE;
        hot[b] = (hot[b] & LOW32) | ((long) mark << 32);
    }

    /** True for a TCP flow whose client sent a SYN that the server never answered at all. */
    public boolean isUnanswered(int slot) {
        final int b = BASE + slot * HOT;
        final long st = hot[b + STATE];
        return ((hot[b + META] >>> 32) & 0xFF) == DecodedPacket.PROTO_TCP
                && ((st >>> 16) & 0xF) == SYN_SENT && ((st >>> 20) & 0xF) == INACTIVE;
    }

    /** Zeek's conn_state of the flow in slot. */
    public String connState(int slot) {
        long st = hot[BASE + slot * HOT + STATE];
        int os = clientState(st), rs = serverState(st);
        if (protocol(slot) != DecodedPacket.PROTO_TCP) {
            if (os == ACTIVE) {
                return rs == ACTIVE ? "SF" : "S0";
            }
            return rs == ACTIVE ? "SHR" : "OTH";
        }
        boolean oInactive = os == INACTIVE || os == PARTIAL;
        boolean rInactive = rs == INACTIVE || rs == PARTIAL;
        if (rs == RESET) {
            if (os == SYN_SENT || os == SYN_ACK_SENT
                    || (os == RESET && neverEstablished(st))) {
                return "REJ";
            }
            return oInactive ? "RSTRH" : "RSTR";
        }
        if (os == RESET) {
            int hist = (int) (st >>> 24) & 0xFF;
            if (rInactive && (hist & H_CLIENT_SYN) != 0) {
                return "RSTOS0";
            }
            return "RSTO";
        }
        if (rs == CLOSED && os == CLOSED) {
            return "SF";
        }
        if (os == CLOSED) {
            return rInactive ? "SH" : "S2";
        }
        if (rs == CLOSED) {
            return oInactive ? "SHR" : "S3";
        }
        if (os == SYN_SENT && rs == INACTIVE) {
            return "S0";
        }
        if (os == ESTABLISHED && rs == ESTABLISHED) {
            return "S1";
        }
        return "OTH";
    }

    /** Zeek's REJ for a mutual reset asks for no payload either way; "never established" stands in. */
    private static boolean neverEstablished(long st) {
        return ((st >>> 24) & H_ESTABLISHED) == 0;
    }
}
