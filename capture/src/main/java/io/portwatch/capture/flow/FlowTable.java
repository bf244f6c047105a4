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
    /** Marks a flow whose end was reported, to be removed: only ever set inside {@link #removeAll}. */
    private static final long DOOMED = 1L << 63;

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
    /** Which of the run's keys this table derives (see {@link HashKey#derive}). */
    private static final long KEY_PURPOSE = 0x666C_6F77L;
    /**
     * Slots a lookup reads at most. Every flow lies within this many slots of its home, so that a lookup
     * that has read them all without finding its flow knows it is not there; a new flow that would lie
     * further is given the slot of the longest-idle flow among them instead (that flow is evicted). With
     * random keys at the table's highest load (0.75) a run of occupied slots this long has a probability
     * of about e<sup>-38</sup> (runs shorten by a factor {@code 0.75 e^0.25 = 0.963} a slot), so the limit
     * is reached only by keys crafted for a known hash key; then a packet costs at most this many slot
     * reads (64 KiB, read in order) instead of a scan of the whole cluster.
     */
    static final int MAX_PROBE = 1024;

    private final FlowConfig config;
    private final HashKey key;
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
    /** Slots of flows about to end together, and the times they are ordered by; reused. */
    private int[] endingSlots = new int[0];
    private long[] endingKeys = new long[0];
    /** Home slots of a batch being prefetched, reused. */
    private int[] homes = new int[32];

    /** A table hashing with this run's key ({@link HashKey#RUN}). */
    public FlowTable(FlowConfig config, ServicePortPredicate services, FlowEndHandler onEnd) {
        this(config, HashKey.RUN.derive(KEY_PURPOSE), services, onEnd);
    }

    /** A table hashing with the given key (tests that need to know it). */
    public FlowTable(FlowConfig config, HashKey key, ServicePortPredicate services, FlowEndHandler onEnd) {
        this.config = config;
        this.key = key;
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
    private long hash(DecodedPacket p, boolean exact) {
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
        int probes = 0;
        boolean toServer;
        int b;
        for (;;) {
            b = BASE + i * HOT;
            final long m = hot[b + META];
            if (m == 0 || probes == MAX_PROBE) {
                if (size >= growAt) {
                    makeRoom(now);
                    return track(p);
                }
                if (probes == MAX_PROBE) { // every slot a lookup reads is taken: the longest-idle one gives way
                    i = evictIdlestFrom(index(h));
                    b = BASE + i * HOT;
                    size--;
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
                probes++;
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
     * The keyed hash of an IPv4 5-tuple (a and b the two 32-bit addresses), the same both ways: the hash
     * of two words, {@link #addressWord} and {@link #restWord}, which order the addresses and the ports.
     */
    long exactHash(long a, long b, int aPort, int bPort, int proto, boolean v6) {
        return key.hash(addressWord(a, b), restWord(aPort, bPort, proto, v6));
    }

    /** Both IPv4 addresses in one word, the lower one high: the same both ways. */
    static long addressWord(long a, long b) {
        return Math.min(a, b) << 32 | Math.max(a, b);
    }

    /** Ports (the lower one high), protocol and IP version in one word: the same both ways. */
    static long restWord(int aPort, int bPort, int proto, boolean v6) {
        return ((long) Math.min(aPort, bPort) << 16) | Math.max(aPort, bPort) | ((long) (proto & 0xFF) << 32)
                | (v6 ? 1L << 40 : 0);
    }

    /**
     * A keyed 64-bit hash of a 5-tuple that is the same both ways: each endpoint (address and port) is
     * hashed and mixed on its own, and the two are added. The mix of each endpoint's sum keeps parts of
     * one endpoint from trading places with the other's without changing the hash.
     */
    long fingerprint(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int proto) {
        final HashKey k = key;
        return Hash64.fmix64(k.hash(aHi, aLo, aPort)) + Hash64.fmix64(k.hash(bHi, bLo, bPort)) + k.term(3, proto);
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
        int overlong = 0;
        // Slots map to the new table in order (the index is monotone in the hash), so the copy streams.
        for (int j = 0; j < oldCap; j++) {
            final int ob = BASE + j * HOT;
            if (oldHot[ob + META] == 0) {
                continue;
            }
            int i = homeOf(oldHot, ob);
            int probes = 1;
            while (hot[BASE + i * HOT + META] != 0 && probes < MAX_PROBE) {
                i = i + 1 == capacity ? 0 : i + 1;
                probes++;
            }
            if (hot[BASE + i * HOT + META] != 0) { // beyond the probe limit: only keys crafted for the hash key
                overlong = ending(overlong, j, oldHot[ob + START]);
                continue;
            }
            System.arraycopy(oldHot, ob, hot, BASE + i * HOT, HOT);
            if ((oldHot[ob + META] & EXACT) == 0) {
                System.arraycopy(oldCold, j * COLD, cold, i * COLD, COLD);
            }
        }
        if (overlong > 0) { // evicted, told from the old arrays where they still are
            final long[] newHot = this.hot, newCold = this.cold;
            this.hot = oldHot;
            this.cold = oldCold;
            final int[] order = FlowOrder.sort(this, endingKeys, endingSlots, overlong);
            for (int k = 0; k < overlong; k++) {
                onEnd.onFlowEnd(this, order[k], EndReason.EVICTED);
            }
            this.hot = newHot;
            this.cold = newCold;
            flowsEvicted += overlong;
            size -= overlong;
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
     * Ends every flow that has timed out by {@code now} (idle, or lingered after FIN/RST), in the order
     * of their start ({@link FlowOrder}).
     *
     * @return the number of flows ended
     */
    public int sweep(long now) {
        lastSweepNanos = now;
        packetsSinceSweep = 0;
        final long[] hot = this.hot;
        int n = 0;
        for (int i = 0; i < capacity; i++) {
            final int b = BASE + i * HOT;
            if (hot[b + META] != 0 && expiredReason(b, now) != null) {
                n = ending(n, i, hot[b + START]);
            }
        }
        if (n > 0) {
            final int[] order = FlowOrder.sort(this, endingKeys, endingSlots, n);
            for (int k = 0; k < n; k++) {
                onEnd.onFlowEnd(this, order[k], expiredReason(BASE + order[k] * HOT, now));
            }
            removeAll(order, n);
        }
        return n;
    }

    /** Adds a slot and its sort key to the flows about to end; returns their new number. */
    private int ending(int n, int slot, long key) {
        if (n == endingSlots.length) {
            endingSlots = Arrays.copyOf(endingSlots, Math.max(64, 2 * n));
            endingKeys = Arrays.copyOf(endingKeys, endingSlots.length);
        }
        endingSlots[n] = slot;
        endingKeys[n] = key;
        return n + 1;
    }

    /** Removes the flows of these slots (whose ends were reported) from the table. */
    private void removeAll(int[] slots, int n) {
        final long[] hot = this.hot;
        for (int k = 0; k < n; k++) {
            hot[BASE + slots[k] * HOT + META] |= DOOMED;
        }
        int i = 0;
        while (i < capacity) {
            if (hot[BASE + i * HOT + META] < 0) { // DOOMED is the sign bit
                removeAt(i);
                continue; // another flow may have shifted into slot i
            }
            i++;
        }
    }

    /**
     * Evicts the {@code target} longest-idle flows, longest idle first (equally idle ones in 5-tuple
     * order): which flows go depends on their times alone, never on where the hash put them. The cutoff
     * time is selected from every flow's last-packet time (linear on average), and only the flows up to
     * it are sorted.
     */
    private void evictOldest(int target) {
        final long[] hot = this.hot;
        long[] lasts = new long[size];
        int m = 0;
        for (int i = 0; i < capacity; i++) {
            if (hot[BASE + i * HOT + META] != 0) {
                lasts[m++] = hot[BASE + i * HOT + LAST];
            }
        }
        if (m == 0) {
            return;
        }
        final long cutoff = select(lasts, m, Math.min(target, m) - 1);
        int n = 0;
        for (int i = 0; i < capacity; i++) {
            final int b = BASE + i * HOT;
            if (hot[b + META] != 0 && hot[b + LAST] <= cutoff) {
                n = ending(n, i, hot[b + LAST]);
            }
        }
        final int[] order = FlowOrder.sort(this, endingKeys, endingSlots, n);
        final int evicted = Math.min(n, target);
        for (int k = 0; k < evicted; k++) {
            onEnd.onFlowEnd(this, order[k], EndReason.EVICTED);
        }
        flowsEvicted += evicted;
        removeAll(order, evicted);
    }

    /** The k-th smallest of {@code a[0, n)} (0-based), reordering a: Hoare's selection. */
    static long select(long[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            final long pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long x = a[i];
                    a[i] = a[j];
                    a[j] = x;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    /**
     * Ends the longest-idle flow of the {@link #MAX_PROBE} slots from {@code home} (all taken), as evicted,
     * and returns its slot, to be taken in place by a new flow: the slot stays taken, so every other flow
     * stays where its lookups find it. Equally idle flows: the first in {@link FlowOrder}'s order of their
     * 5-tuples, whatever their slots.
     */
    private int evictIdlestFrom(int home) {
        final long[] hot = this.hot;
        int victim = home;
        for (int k = 1, i = home; k < MAX_PROBE; k++) {
            i = i + 1 == capacity ? 0 : i + 1;
            final long d = hot[BASE + i * HOT + LAST] - hot[BASE + victim * HOT + LAST];
            if (d < 0 || (d == 0 && FlowOrder.compareTuples(this, i, victim) < 0)) {
                victim = i;
            }
        }
        onEnd.onFlowEnd(this, victim, EndReason.EVICTED);
        flowsEvicted++;
        return victim;
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
        slots = FlowOrder.sort(this, starts, slots, n);
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
     * The longest probe sequence a lookup makes now: the most slots between a flow's home and its slot,
     * plus one. For tests: it must stay bounded whatever the keys.
     */
    int longestProbe() {
        int longest = 0;
        for (int i = 0; i < capacity; i++) {
            final int b = BASE + i * HOT;
            if (hot[b + META] != 0) {
                int d = i - homeOf(hot, b);
                longest = Math.max(longest, (d < 0 ? d + capacity : d) + 1);
            }
        }
        return longest;
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
