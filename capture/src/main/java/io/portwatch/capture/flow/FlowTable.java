package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Arrays;

/**
 * Bidirectional flows keyed by the 5-tuple, with client and server told apart and TCP state followed.
 *
 * <p>Single writer: one thread owns a table. Flows live in one {@code long[]}, {@value #STRIDE} longs
 * (96 bytes) a flow, open addressing with linear probing and backward-shift deletion, so a flow costs
 * 96 bytes divided by the load factor (at most 0.75, so 128 bytes at the limit) and nothing else. The
 * table grows up to {@code maxFlows / 0.75} slots; when {@code maxFlows} are tracked, expired flows are
 * swept out and then the longest-idle sixteenth is evicted ({@link EndReason#EVICTED}).
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
 * about once a second and no more often than the table's size in packets, to keep their cost per
 * packet small.
 */
public final class FlowTable {

    /** Longs per flow. */
    public static final int STRIDE = 12;

    // Field offsets within a flow's stride.
    private static final int CLIENT_HI = 0;
    private static final int CLIENT_LO = 1;
    private static final int SERVER_HI = 2;
    private static final int SERVER_LO = 3;
    /** clientPort 0-15, serverPort 16-31, protocol 32-39, IPv6 bit 40, used bit 62. */
    private static final int META = 4;
    private static final int START = 5;
    private static final int LAST = 6;
    private static final int PKTS_TO_SERVER = 7;
    private static final int PKTS_TO_CLIENT = 8;
    private static final int BYTES_TO_SERVER = 9;
    private static final int BYTES_TO_CLIENT = 10;
    /** client flags 0-7, server flags 8-15, client state 16-19, server state 20-23, history 24-31, mark 32-63. */
    private static final int STATE = 11;

    private static final long USED = 1L << 62;
    private static final long V6 = 1L << 40;

    // Endpoint states (Zeek's TCP_* endpoint states; ACTIVE for UDP).
    static final int INACTIVE = 0;
    static final int SYN_SENT = 1;
    static final int SYN_ACK_SENT = 2;
    static final int PARTIAL = 3;
    static final int ESTABLISHED = 4;
    static final int CLOSED = 5;
    static final int RESET = 6;
    static final int ACTIVE = 7;

    // History bits.
    private static final int H_CLIENT_SYN = 1;
    private static final int H_ESTABLISHED = 2;
    private static final int H_REJECTED = 4;

    /** Event: this packet started a new flow. */
    public static final int EV_NEW = 1;
    /** Event: this packet completed the TCP handshake (the client's ACK of the SYN+ACK). */
    public static final int EV_ESTABLISHED = 2;
    /** Event: this packet is the server's RST answering the client's SYN. */
    public static final int EV_REJECTED = 4;

    private static final double MAX_LOAD = 0.75;
    private static final int MIN_CAPACITY = 1024;
    private static final long SWEEP_INTERVAL_NANOS = FlowConfig.SECOND;

    private final FlowConfig config;
    private final ServicePortPredicate services;
    private final FlowEndHandler onEnd;
    private final int maxCapacity;
    private final long minTimeout;

    private long[] t;
    private int capacity;
    private int size;
    private int growAt;

    private long flowsStarted;
    private long flowsEvicted;
    private long lastSweepNanos = Long.MIN_VALUE;
    private long packetsSinceSweep;

    private boolean lastToServer;
    private int lastEvents;

    public FlowTable(FlowConfig config, ServicePortPredicate services, FlowEndHandler onEnd) {
        this.config = config;
        this.services = services;
        this.onEnd = onEnd;
        this.minTimeout = Math.min(Math.min(config.tcpClosedNanos(), config.tcpHandshakeNanos()),
                Math.min(config.tcpIdleNanos(), config.udpIdleNanos()));
        this.maxCapacity = (int) Math.min(Integer.MAX_VALUE / STRIDE,
                Math.max(MIN_CAPACITY, (long) Math.ceil(config.maxFlows() / MAX_LOAD) + 1));
        allocate(Math.min(maxCapacity, Math.max(MIN_CAPACITY, 1 << 16)));
    }

    private void allocate(int cap) {
        capacity = cap;
        t = new long[cap * STRIDE];
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
        return (long) t.length * Long.BYTES;
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
        final long fwd = meta(sPort, dPort, proto, p.ipVersion);
        final long rev = meta(dPort, sPort, proto, p.ipVersion);
        final long[] t = this.t;
        int i = index(hash(sHi, sLo, sPort, dHi, dLo, dPort, proto));
        int events = 0;
        boolean toServer;
        for (;;) {
            final int b = i * STRIDE;
            final long m = t[b + META];
            if (m == 0) {
                if (size >= growAt) {
                    makeRoom(now);
                    return track(p);
                }
                toServer = isClientSender(p);
                create(b, p, toServer, toServer ? fwd : rev);
                size++;
                events = EV_NEW;
                break;
            }
            if (m == fwd && t[b + CLIENT_HI] == sHi && t[b + CLIENT_LO] == sLo
                    && t[b + SERVER_HI] == dHi && t[b + SERVER_LO] == dLo) {
                toServer = true;
            } else if (m == rev && t[b + CLIENT_HI] == dHi && t[b + CLIENT_LO] == dLo
                    && t[b + SERVER_HI] == sHi && t[b + SERVER_LO] == sLo) {
                toServer = false;
            } else {
                i = i + 1 == capacity ? 0 : i + 1;
                continue;
            }
            // Found: does this packet belong to a new flow on the same 5-tuple?
            EndReason ended = expiredReason(b, now);
            if (ended == null && proto == DecodedPacket.PROTO_TCP && isFinished(t[b + STATE])
                    && (p.tcpFlags & (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK)) == DecodedPacket.TCP_SYN) {
                ended = finishedReason(t[b + STATE]);
            }
            if (ended != null) {
                onEnd.onFlowEnd(this, i, ended);
                toServer = isClientSender(p);
                create(b, p, toServer, toServer ? fwd : rev);
                events = EV_NEW;
            } else if (config.activeNanos() > 0 && now - t[b + START] >= config.activeNanos()) {
                onEnd.onFlowEnd(this, i, EndReason.ACTIVE);
                t[b + START] = now;
                t[b + PKTS_TO_SERVER] = t[b + PKTS_TO_CLIENT] = 0;
                t[b + BYTES_TO_SERVER] = t[b + BYTES_TO_CLIENT] = 0;
                t[b + STATE] &= ~0xFFFFL; // flags seen are per part
            }
            break;
        }
        final int b = i * STRIDE;
        if (now > t[b + LAST]) {
            t[b + LAST] = now;
        }
        if (toServer) {
            t[b + PKTS_TO_SERVER]++;
            t[b + BYTES_TO_SERVER] += p.ipLength;
        } else {
            t[b + PKTS_TO_CLIENT]++;
            t[b + BYTES_TO_CLIENT] += p.ipLength;
        }
        long st = t[b + STATE];
        if (proto == DecodedPacket.PROTO_TCP) {
            long before = st;
            st = tcpTransition(st, toServer, p.tcpFlags);
            events |= tcpEvents(before, st);
        } else {
            st |= (long) ACTIVE << (toServer ? 16 : 20);
        }
        t[b + STATE] = st;
        lastToServer = toServer;
        lastEvents = events;
        packetsSinceSweep++;
        return i;
    }

    /** Adds packets of the flow in slot (e.g. IP fragments that arrived before their first). */
    public void addPackets(int slot, boolean toServer, long packets, long bytes) {
        final int b = slot * STRIDE;
        if (toServer) {
            t[b + PKTS_TO_SERVER] += packets;
            t[b + BYTES_TO_SERVER] += bytes;
        } else {
            t[b + PKTS_TO_CLIENT] += packets;
            t[b + BYTES_TO_CLIENT] += bytes;
        }
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

    private static int tcpEvents(long before, long after) {
        int newHist = (int) ((after & ~before) >>> 24) & 0xFF;
        int ev = 0;
        if ((newHist & H_ESTABLISHED) != 0) {
            ev |= EV_ESTABLISHED;
        }
        if ((newHist & H_REJECTED) != 0) {
            ev |= EV_REJECTED;
        }
        return ev;
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

    /** The reason the flow at base b has ended by {@code now}, or null while it is live. */
    private EndReason expiredReason(int b, long now) {
        final long idle = now - t[b + LAST];
        if (idle <= minTimeout) {
            return null; // the common case in a sweep: nothing else to read
        }
        final long st = t[b + STATE];
        final int proto = (int) (t[b + META] >>> 32) & 0xFF;
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

    private void create(int b, DecodedPacket p, boolean srcIsClient, long meta) {
        final long[] t = this.t;
        if (srcIsClient) {
            t[b + CLIENT_HI] = p.srcHi;
            t[b + CLIENT_LO] = p.srcLo;
            t[b + SERVER_HI] = p.dstHi;
            t[b + SERVER_LO] = p.dstLo;
        } else {
            t[b + CLIENT_HI] = p.dstHi;
            t[b + CLIENT_LO] = p.dstLo;
            t[b + SERVER_HI] = p.srcHi;
            t[b + SERVER_LO] = p.srcLo;
        }
        t[b + META] = meta;
        t[b + START] = p.timestampNanos;
        t[b + LAST] = p.timestampNanos;
        t[b + PKTS_TO_SERVER] = 0;
        t[b + PKTS_TO_CLIENT] = 0;
        t[b + BYTES_TO_SERVER] = 0;
        t[b + BYTES_TO_CLIENT] = 0;
        t[b + STATE] = 0;
        flowsStarted++;
    }

    private static long meta(int clientPort, int serverPort, int proto, int ipVersion) {
        return USED | (ipVersion == 6 ? V6 : 0) | ((long) (proto & 0xFF) << 32) | ((long) serverPort << 16)
                | clientPort;
    }

    // ---------------------------------------------------------------- hashing

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** A hash that is the same both ways: it combines the two endpoints' hashes symmetrically. */
    static long hash(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int proto) {
        long ea = fmix(aHi * 0x9E3779B97F4A7C15L ^ aLo ^ ((long) aPort << 48));
        long eb = fmix(bHi * 0x9E3779B97F4A7C15L ^ bLo ^ ((long) bPort << 48));
        return fmix((ea ^ eb) + (ea + eb) * 31 + proto);
    }

    private int index(long h) {
        return (int) (((h >>> 32) * capacity) >>> 32);
    }

    private int homeOf(int b) {
        long m = t[b + META];
        return index(hash(t[b + CLIENT_HI], t[b + CLIENT_LO], (int) (m & 0xFFFF),
                t[b + SERVER_HI], t[b + SERVER_LO], (int) (m >>> 16) & 0xFFFF, (int) (m >>> 32) & 0xFF));
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
        long[] old = t;
        int oldCap = capacity;
        allocate((int) Math.min(maxCapacity, (long) oldCap * 2));
        for (int j = 0; j < oldCap; j++) {
            int ob = j * STRIDE;
            if (old[ob + META] == 0) {
                continue;
            }
            long m = old[ob + META];
            int i = index(hash(old[ob + CLIENT_HI], old[ob + CLIENT_LO], (int) (m & 0xFFFF),
                    old[ob + SERVER_HI], old[ob + SERVER_LO], (int) (m >>> 16) & 0xFFFF, (int) (m >>> 32) & 0xFF));
            while (t[i * STRIDE + META] != 0) {
                i = i + 1 == capacity ? 0 : i + 1;
            }
            System.arraycopy(old, ob, t, i * STRIDE, STRIDE);
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
            int b = i * STRIDE;
            if (t[b + META] != 0) {
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
        // Estimate the last-seen time below which about `target` flows lie, from a sample.
        int sampleSize = Math.min(size, 4096);
        long[] sample = new long[sampleSize];
        int step = Math.max(1, capacity / Math.max(1, sampleSize));
        int n = 0;
        for (int i = 0; i < capacity && n < sampleSize; i += step) {
            for (int j = i; j < capacity; j++) {
                if (t[j * STRIDE + META] != 0) {
                    sample[n++] = t[j * STRIDE + LAST];
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
            int b = i * STRIDE;
            if (t[b + META] != 0 && t[b + LAST] <= cutoff) {
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
                if (t[j * STRIDE + META] != 0) {
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
        final long[] t = this.t;
        int hole = i;
        int j = i;
        for (;;) {
            j = j + 1 == capacity ? 0 : j + 1;
            int jb = j * STRIDE;
            if (t[jb + META] == 0) {
                break;
            }
            int home = homeOf(jb);
            boolean stays = hole <= j ? (hole < home && home <= j) : (home > hole || home <= j);
            if (stays) {
                continue;
            }
            System.arraycopy(t, jb, t, hole * STRIDE, STRIDE);
            hole = j;
        }
        Arrays.fill(t, hole * STRIDE, hole * STRIDE + STRIDE, 0L);
        size--;
    }

    /**
     * Ends every flow, oldest first, and empties the table. With END_OF_INPUT (the end of a capture), a
     * TCP flow that had already finished by FIN or RST (lingering for its last packets) ends with that
     * reason; every other flow with the given one.
     */
    public void endAll(EndReason reason) {
        final long[] t = this.t;
        int[] slots = new int[size];
        long[] starts = new long[size];
        int n = 0;
        for (int i = 0; i < capacity; i++) {
            if (t[i * STRIDE + META] != 0) {
                slots[n] = i;
                starts[n++] = t[i * STRIDE + START];
            }
        }
        sortByKey(starts, slots, 0, n - 1);
        for (int i : slots) {
            int b = i * STRIDE;
            EndReason r = reason;
            if (reason == EndReason.END_OF_INPUT && protocol(i) == DecodedPacket.PROTO_TCP && isFinished(t[b + STATE])) {
                r = finishedReason(t[b + STATE]);
            }
            onEnd.onFlowEnd(this, i, r);
        }
        Arrays.fill(t, 0L);
        size = 0;
    }

    /** Sorts vals by keys (ascending), in place: a quicksort on primitives, ties in any order. */
    private static void sortByKey(long[] keys, int[] vals, int lo, int hi) {
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

    public int ipVersion(int slot) {
        return (t[slot * STRIDE + META] & V6) != 0 ? 6 : 4;
    }

    public int protocol(int slot) {
        return (int) (t[slot * STRIDE + META] >>> 32) & 0xFF;
    }

    public int clientPort(int slot) {
        return (int) t[slot * STRIDE + META] & 0xFFFF;
    }

    public int serverPort(int slot) {
        return (int) (t[slot * STRIDE + META] >>> 16) & 0xFFFF;
    }

    public long clientHi(int slot) {
        return t[slot * STRIDE + CLIENT_HI];
    }

    public long clientLo(int slot) {
        return t[slot * STRIDE + CLIENT_LO];
    }

    public long serverHi(int slot) {
        return t[slot * STRIDE + SERVER_HI];
    }

    public long serverLo(int slot) {
        return t[slot * STRIDE + SERVER_LO];
    }

    public long startNanos(int slot) {
        return t[slot * STRIDE + START];
    }

    public long lastNanos(int slot) {
        return t[slot * STRIDE + LAST];
    }

    public long packetsToServer(int slot) {
        return t[slot * STRIDE + PKTS_TO_SERVER];
    }

    public long packetsToClient(int slot) {
        return t[slot * STRIDE + PKTS_TO_CLIENT];
    }

    public long bytesToServer(int slot) {
        return t[slot * STRIDE + BYTES_TO_SERVER];
    }

    public long bytesToClient(int slot) {
        return t[slot * STRIDE + BYTES_TO_CLIENT];
    }

    /** Union of the TCP flags seen both ways in this flow (or this part of it). */
    public int tcpFlags(int slot) {
        long st = t[slot * STRIDE + STATE];
        return (int) ((st | st >>> 8) & 0xFF);
    }

    /** A per-flow integer the owner of the table may use (e.g. the window a flow was last counted in). */
    public int mark(int slot) {
        return (int) (t[slot * STRIDE + STATE] >>> 32);
    }

    public void setMark(int slot, int mark) {
        int b = slot * STRIDE + STATE;
        t[b] = (t[b] & 0xFFFF_FFFFL) | ((long) mark << 32);
    }

    /** True for a TCP flow whose client sent a SYN that the server never answered at all. */
    public boolean isUnanswered(int slot) {
        long st = t[slot * STRIDE + STATE];
        return protocol(slot) == DecodedPacket.PROTO_TCP && clientState(st) == SYN_SENT
                && serverState(st) == INACTIVE;
    }

    /** Zeek's conn_state of the flow in slot. */
    public String connState(int slot) {
        long st = t[slot * STRIDE + STATE];
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
