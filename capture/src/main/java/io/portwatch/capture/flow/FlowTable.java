package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.TunnelKind;

import java.util.Arrays;

/**
 * Bidirectional flows keyed by the 5-tuple, with client and server told apart and TCP state followed.
 *
 * <p>Single writer: one thread owns a table. A flow slot is {@value #STRIDE} longs (96 bytes) in two
 * parallel arrays: a hot entry of 8 longs, one 64-byte cache line (key, ports and protocol, first and
 * last time, packet and byte counters, TCP state and mark), that a packet reads and writes, and a cold
 * entry of 4 longs (the two 128-bit addresses) read only when a flow starts or ends, or when its
 * addresses are asked for. Open addressing with linear probing and backward-shift deletion: a flow
 * costs 96 bytes divided by the load factor, at most 0.75, so about 129 bytes a flow at the
 * {@link FlowConfig#maxFlows()} limit with what else a slot has: a bit (where flows are), half a byte (the
 * expiry's bound on when the flows of 8 slots time out) and the tags below.
 * The table starts at up to 2<sup>16</sup> slots and grows fourfold, to at most {@code maxFlows / 0.75} slots (or
 * is taken there at once, {@link #preallocate}, for a live capture that must not pause); a slot's home follows
 * its hash in order, so growing copies the entries as a stream. When {@code maxFlows} are tracked, expired flows
 * are swept out and then the longest-idle sixteenth is evicted ({@link EndReason#EVICTED}).
 *
 * <p>The key check is exact. Ports, protocol and IP version are compared in full on the hot line.
 * When both addresses are IPv4 (IPv4-mapped, as the decoder stores them) the hot key word holds the
 * two addresses themselves, the client's in its high half: such a packet is matched on the hot line
 * alone, and IPv4 flows never touch the cold array. Other flows keep a 64-bit hash of the 5-tuple in
 * the key word, and a packet that matches it is then compared with the full addresses in the cold
 * array: a hash collision costs one more read, never a wrong flow.
 *
 * <p>Tags ({@link FlowTags}): the outermost VLAN id of a flow's first packet, and for a flow seen inside a
 * tunnel the tunnel's kind and outer addresses, are kept in arrays beside the slots, allocated only once
 * a flow has them (2 bytes a slot for VLANs, 40 for tunnels): the common flow, untagged and not
 * tunnelled, costs nothing more. They are not part of the key: a flow is its 5-tuple, whatever VLAN or
 * tunnel its packets came in.
 *
 * <p>Packet counters are 32 bits a direction: a flow part about to count a 2<sup>32</sup>th packet one
 * way is cut first ({@link EndReason#ACTIVE}), as if its active timeout had passed.
 *
 * <p>Client and server: the sender of a SYN without ACK is the client; the sender of a SYN+ACK is the
 * server; otherwise, when exactly one side's port is well-known (below 1024), that side is the server;
 * otherwise, when exactly one side's port is a known service port (IANA), that side is the server;
 * otherwise the sender of the first packet is the client. The choice is made when the flow starts.
 *
 * <p>A flow's TCP state is a word of its hot entry ({@link TcpState}: Zeek's endpoint states and
 * {@code conn_state}). A flow whose both sides sent FIN, or that saw a RST, lingers for
 * {@link FlowConfig#tcpClosedNanos()} (for the last ACK and strays) and then ends with reason FIN or RST;
 * a new SYN on its 5-tuple ends it at once and starts a new flow. When flows end is {@link FlowExpiry}'s
 * to say (timeouts, sweeps, eviction), in which order {@link FlowOrder}'s; the hash is {@link FlowHash}'s.
 *
 * <p>Why one class of about 800 lines: everything here reads or writes the two slot arrays at the offsets
 * of the layout above (the packet path, the prefetch, growth, backward-shift removal, the accessors by
 * slot), and is kept together so that the layout is defined and used in one place, where the JIT sees all
 * of it; what does not touch the arrays went to its own class.
 *
 * <p>Batching: a packet's flow is most often a cache miss, and a miss costs more than the rest of
 * tracking. {@link #prefetch(DecodedPacket[], int, int)} reads the memory that tracking a batch of
 * packets will read, all at once, and keeps their hashes: a caller that decodes 16 to 32 packets,
 * prefetches them and then tracks them ({@link #trackPrefetched}) pays about one miss's wait for the
 * batch instead of one a packet, and hashes each packet once.
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
    /** The TCP state word ({@link TcpState}: flags, endpoint states, history, mark). */
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
    private final FlowHash hash;
    private final FlowExpiry expiry;
    private final ServicePortPredicate services;
    private final FlowEndHandler onEnd;
    private final int maxCapacity;

    private long[] hot;
    private long[] cold;
    /**
     * A bit a slot, set while a flow is in it: the passes over every flow (sweeps, window ends, eviction)
     * read the slots of flows only. A pass that read every slot's line read 64 bytes a slot: at the 1,398,103
     * slots of the default limit, 85 MiB a sweep, once a second, for the 100,000 flows of a busy link.
     */
    private long[] used;
    private FlowTags tags;
    private int capacity;
    private int size;
    private int growAt;

    private long flowsStarted;
    private long flowsEvicted;

    private boolean lastToServer;
    private int lastEvents;
    /** What {@link #prefetch} read: kept so that the reads are not optimized away. */
    private long prefetched;
    /** Slots of flows being removed together, in slot order; reused. */
    private int[] removing = new int[0];
    /** Home slots and hashes of the batch last prefetched, reused. */
    private int[] homes = new int[32];
    private long[] hashes = new long[32];

    /** A table hashing with this run's key ({@link HashKey#RUN}). */
    public FlowTable(FlowConfig config, ServicePortPredicate services, FlowEndHandler onEnd) {
        this(config, HashKey.RUN.derive(KEY_PURPOSE), services, onEnd);
    }

    /** A table hashing with the given key (tests that need to know it). */
    public FlowTable(FlowConfig config, HashKey key, ServicePortPredicate services, FlowEndHandler onEnd) {
        this.config = config;
        this.hash = new FlowHash(key);
        this.expiry = new FlowExpiry(this, config);
        this.services = services;
        this.onEnd = onEnd;
        this.maxCapacity = (int) Math.min(Integer.MAX_VALUE / HOT - 1,
                Math.max(MIN_CAPACITY, (long) Math.ceil(config.maxFlows() / MAX_LOAD) + 1));
        allocate(Math.min(maxCapacity, INITIAL_CAPACITY));
        tags = new FlowTags(capacity);
        expiry.resize(capacity, true);
    }

    private void allocate(int cap) {
        capacity = cap;
        hot = new long[BASE + cap * HOT];
        cold = new long[cap * COLD];
        used = new long[(cap + 63) >>> 6];
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
        return ((long) hot.length + cold.length + used.length) * Long.BYTES + tags.memoryBytes()
                + expiry.memoryBytes();
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
     * Reads the table memory that tracking {@code packets[from, to)} will read, and changes nothing but
     * what it keeps of the batch: first the hashes and homes of all the packets' flows are computed, then
     * all are read, so that the cache misses overlap. Then track each packet, in order, with
     * {@link #trackPrefetched}; the table may change in between (the reads are then wasted, never wrong).
     */
    public void prefetch(DecodedPacket[] packets, int from, int to) {
        final int n = to - from;
        if (homes.length < n) {
            homes = new int[n];
            hashes = new long[n];
        }
        final int[] homes = this.homes;
        final long[] hashes = this.hashes;
        for (int k = 0; k < n; k++) {
            final DecodedPacket p = packets[from + k];
            final boolean exact = FlowHash.isExact(p.srcHi, p.srcLo, p.dstHi, p.dstLo);
            final long h = hash.of(p, exact);
            hashes[k] = h;
            homes[k] = exact ? index(h) : index(h) | Integer.MIN_VALUE;
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

    /**
     * Accounts one TCP or UDP packet (a {@link DecodedPacket#KIND_TRANSPORT} packet) to its flow,
     * starting the flow if needed; flows that end on the way are reported to the handler first.
     *
     * @return the flow's slot, valid until the next call that changes the table
     */
    public int track(DecodedPacket p) {
        return track(p, hash.of(p, FlowHash.isExact(p.srcHi, p.srcLo, p.dstHi, p.dstLo)));
    }

    /**
     * {@link #track} the packet {@code packets[from + k]} of the batch last prefetched, with the hash
     * the prefetch computed; its 5-tuple must not have changed since.
     */
    public int trackPrefetched(DecodedPacket[] packets, int from, int k) {
        return track(packets[from + k], hashes[k]);
    }

    private int track(DecodedPacket p, long h) {
        final long now = p.timestampNanos;
        expiry.beforePacket(now);
        final int proto = p.protocol;
        final long sHi = p.srcHi, sLo = p.srcLo, dHi = p.dstHi, dLo = p.dstLo;
        final int sPort = p.srcPort, dPort = p.dstPort;
        final boolean exact = FlowHash.isExact(sHi, sLo, dHi, dLo);
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
                    return track(p, h);
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
            EndReason ended = expiry.reason(proto, hot[b + STATE], hot[b + LAST], now);
            if (ended == null && proto == DecodedPacket.PROTO_TCP && TcpState.isFinished(hot[b + STATE])
                    && (p.tcpFlags & (DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK)) == DecodedPacket.TCP_SYN) {
                ended = TcpState.finishedReason(hot[b + STATE]);
            }
            if (ended != null) {
                onEnd.onFlowEnd(this, i, ended);
                toServer = isClientSender(p);
                create(i, p, toServer, toServer ? fwd : rev, toServer ? fwdKey : revKey, exact);
                events = EV_NEW;
            } else if (expiry.partDue(hot[b + START], now) || isFull(hot[b + PKTS], toServer)) {
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
        final long before = hot[b + STATE];
        long st;
        if (proto == DecodedPacket.PROTO_TCP) {
            st = TcpState.transition(before, toServer, p.tcpFlags);
            events |= TcpState.events(before, st);
        } else {
            st = TcpState.udpSent(before, toServer);
        }
        hot[b + STATE] = st;
        if ((events & EV_NEW) != 0 || !TcpState.sameEndpoints(before, st) && expiry.sooner(proto, before, st)) {
            expiry.scheduled(i, proto, st, hot[b + LAST]);
        }
        lastToServer = toServer;
        lastEvents = events;
        expiry.afterPacket();
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
        hot[b + STATE] &= ~TcpState.FLAGS; // flags seen are per part
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
        used[slot >>> 6] |= 1L << slot;
        hot[b + START] = p.timestampNanos;
        hot[b + LAST] = p.timestampNanos;
        hot[b + PKTS] = 0;
        hot[b + BYTES_TO_SERVER] = 0;
        hot[b + BYTES_TO_CLIENT] = 0;
        hot[b + STATE] = 0;
        tags.set(slot, p);
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
        return index(hash.exact(k >>> 32, k & LOW32, (int) m & 0xFFFF, (int) (m >>> 16) & 0xFFFF,
                (int) (m >>> 32) & 0xFF, (m & V6) != 0));
    }

    // ---------------------------------------------------------------- growth, sweep, eviction

    private void makeRoom(long now) {
        if (capacity < maxCapacity && size < config.maxFlows()) {
            grow();
            return;
        }
        expiry.sweep(now);
        if (size < config.maxFlows() - Math.max(1, config.maxFlows() / 64)) {
            return;
        }
        expiry.evictOldest(Math.max(1, config.maxFlows() / 16));
    }

    private void grow() {
        growTo((int) Math.min(maxCapacity, (long) capacity * GROWTH));
    }

    /**
     * Takes the table to its largest size now ({@code maxFlows / 0.75} slots, 128 bytes a flow of the limit),
     * so that it never grows while packets come: growing copies every flow, and a live capture that pauses for
     * it drops what its buffer cannot hold meanwhile (a table of 262,144 slots growing to 1,048,576 under
     * 200,000 packets/s: 1,183 frames lost in that second, none in the others). False, and the table as it was,
     * when the heap cannot hold it.
     */
    public boolean preallocate() {
        if (capacity == maxCapacity) {
            return true;
        }
        try {
            growTo(maxCapacity);
            return true;
        } catch (OutOfMemoryError e) {
            return false; // growTo allocates before it changes anything
        }
    }

    private void growTo(int newCapacity) {
        final long[] oldHot = hot, oldCold = cold, oldUsed = used;
        final FlowTags oldTags = tags;
        final int oldCap = capacity;
        try {
            allocate(newCapacity);
            tags = oldTags.resized(capacity);
            expiry.resize(capacity, size == 0); // last: when it cannot, the expiry is as it was too
        } catch (OutOfMemoryError e) { // nothing changed: the table stays as it was
            hot = oldHot;
            cold = oldCold;
            used = oldUsed;
            tags = oldTags;
            capacity = oldCap;
            growAt = (int) Math.min(config.maxFlows(), (long) (oldCap * MAX_LOAD));
            throw e;
        }
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
                overlong = expiry.ending(overlong, j, oldHot[ob + START]);
                continue;
            }
            System.arraycopy(oldHot, ob, hot, BASE + i * HOT, HOT);
            if ((oldHot[ob + META] & EXACT) == 0) {
                System.arraycopy(oldCold, j * COLD, cold, i * COLD, COLD);
            }
            used[i >>> 6] |= 1L << i;
            tags.copy(oldTags, j, i);
        }
        if (overlong > 0) { // evicted, told from the old arrays where they still are
            final long[] newHot = this.hot, newCold = this.cold;
            final FlowTags newTags = this.tags;
            this.hot = oldHot;
            this.cold = oldCold;
            this.tags = oldTags;
            final int[] order = expiry.ordered(overlong);
            for (int k = 0; k < overlong; k++) {
                onEnd.onFlowEnd(this, order[k], EndReason.EVICTED);
            }
            this.hot = newHot;
            this.cold = newCold;
            this.tags = newTags;
            flowsEvicted += overlong;
            size -= overlong;
        }
    }

    /**
     * Ends every flow that has timed out by {@code now} (idle, or lingered after FIN/RST), in the order
     * of their start ({@link FlowOrder}).
     *
     * @return the number of flows ended
     */
    public int sweep(long now) {
        return expiry.sweep(now);
    }

    /** Flows that sweeps have read so far. */
    long sweepReads() {
        return expiry.sweepReads();
    }

    /** Reports the end of the flow in slot (which the caller then removes). */
    void reportEnd(int slot, EndReason reason) {
        onEnd.onFlowEnd(this, slot, reason);
    }

    void countEvicted(int n) {
        flowsEvicted += n;
    }

    /** Removes the flows of these slots (whose ends were reported) from the table. */
    void removeAll(int[] slots, int n) {
        final long[] hot = this.hot;
        if (removing.length < n) {
            removing = new int[Math.max(n, 2 * removing.length)];
        }
        final int[] r = removing;
        for (int k = 0; k < n; k++) {
            hot[BASE + slots[k] * HOT + META] |= DOOMED;
            r[k] = slots[k];
        }
        if (n > capacity / 16) {
            // Many: one pass over the whole table in slot order reads memory in sequence, which costs less
            // than a random read for each of them. Removal at i moves flows only into slots from i on, so
            // the pass meets every doomed flow (a removal near the end may wrap a flow into slot i: looked at
            // again, as i stays).
            int i = nextUsed(0);
            while (i < capacity) {
                if (hot[BASE + i * HOT + META] < 0) { // DOOMED is the sign bit
                    removeAt(i);
                    i = nextUsed(i);
                    continue;
                }
                i = nextUsed(i + 1);
            }
            return;
        }
        Arrays.sort(r, 0, n);
        // Each run of taken slots that holds a doomed flow is gone through from its first slot to the
        // empty slot that ended it, removing as it goes: backward-shift removal moves flows only within
        // their run, and back. Gone through from its middle, a run could hide a doomed flow that a
        // removal moved behind the start.
        for (int k = 0; k < n; k++) {
            final int d = r[k];
            if (hot[BASE + d * HOT + META] >= 0) { // DOOMED is the sign bit: this run was gone through
                continue;
            }
            int start = d;
            for (int p = start == 0 ? capacity - 1 : start - 1; hot[BASE + p * HOT + META] != 0;
                 p = p == 0 ? capacity - 1 : p - 1) {
                start = p;
            }
            int end = d;
            while (hot[BASE + end * HOT + META] != 0) {
                end = end + 1 == capacity ? 0 : end + 1;
            }
            for (int i = start; i != end; ) {
                if (hot[BASE + i * HOT + META] < 0) {
                    removeAt(i); // another flow may have shifted into slot i
                } else {
                    i = i + 1 == capacity ? 0 : i + 1;
                }
            }
        }
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
            tags.copy(tags, j, hole);
            expiry.moved(j, hole);
            hole = j;
        }
        Arrays.fill(hot, BASE + hole * HOT, BASE + hole * HOT + HOT, 0L);
        used[hole >>> 6] &= ~(1L << hole);
        size--;
    }

    /**
     * Ends every flow, oldest first, and empties the table. With END_OF_INPUT (the end of a capture), a
     * TCP flow that had already finished by FIN or RST (lingering for its last packets) ends with that
     * reason; every other flow with the given one.
     */
    public void endAll(EndReason reason) {
        expiry.endAll(reason);
    }

    /** Empties these slots (every flow of the table, whose ends were reported). */
    void clear(int[] slots, int n) {
        for (int k = 0; k < n; k++) {
            hot[BASE + slots[k] * HOT + META] = 0; // an empty slot; create() writes every other field
            used[slots[k] >>> 6] &= ~(1L << slots[k]);
        }
        size = 0;
    }

    /** Reads the flow's entry (its key, or its addresses when kept cold), to have it in cache. */
    long readEntry(int slot) {
        final long m = hot[BASE + slot * HOT + META];
        return (m & EXACT) != 0 ? m : cold[slot * COLD];
    }

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

    /** Whether a flow is in the slot. */
    boolean isUsed(int slot) {
        return hot[BASE + slot * HOT + META] != 0;
    }

    /** The first slot from {@code from} on that holds a flow, or {@link #capacity()} when none does. */
    int nextUsed(int from) {
        if (from >= capacity) {
            return capacity;
        }
        final long[] u = used;
        int w = from >>> 6;
        long bits = u[w] & (-1L << from);
        while (bits == 0) {
            if (++w == u.length) {
                return capacity;
            }
            bits = u[w];
        }
        return (w << 6) + Long.numberOfTrailingZeros(bits);
    }

    /**
     * The bits of the slots {@code [from, from + n)} that hold a flow, slot {@code from} in bit 0; from a
     * multiple of n, and n a power of two up to 64.
     */
    long usedBits(int from, int n) {
        if (from >= capacity) {
            return 0;
        }
        return used[from >>> 6] >>> from & (-1L >>> (64 - n));
    }

    /** Whether the bits of the slots that hold a flow are those of the flows there (for tests). */
    boolean usedBitsAgree() {
        for (int i = 0; i < capacity; i++) {
            if (((used[i >>> 6] >>> i & 1) != 0) != isUsed(i)) {
                return false;
            }
        }
        for (int i = capacity; i < used.length * 64; i++) {
            if ((used[i >>> 6] >>> i & 1) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The flow's TCP state word ({@link TcpState}). */
    long state(int slot) {
        return hot[BASE + slot * HOT + STATE];
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

    /** The outermost VLAN id of the flow's first packet, or {@link DecodedPacket#NO_VLAN}. */
    public int vlanId(int slot) {
        return tags.vlanId(slot);
    }

    /** The tunnel the flow's first packet came in (the innermost one), or null. */
    public TunnelKind tunnel(int slot) {
        return tags.tunnel(slot);
    }

    /** The IP version of the header that carried the flow's tunnel (0 when not tunnelled). */
    public int outerIpVersion(int slot) {
        return tags.outerIpVersion(slot);
    }

    public long outerSrcHi(int slot) {
        return tags.outer(slot, 0);
    }

    public long outerSrcLo(int slot) {
        return tags.outer(slot, 1);
    }

    public long outerDstHi(int slot) {
        return tags.outer(slot, 2);
    }

    public long outerDstLo(int slot) {
        return tags.outer(slot, 3);
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
        return TcpState.clientFlags(st) | TcpState.serverFlags(st);
    }

    /** A per-flow integer the owner of the table may use (e.g. the window a flow was last counted in). */
    public int mark(int slot) {
        return TcpState.mark(hot[BASE + slot * HOT + STATE]);
    }

    public void setMark(int slot, int mark) {
        final int b = BASE + slot * HOT + STATE;
        hot[b] = TcpState.withMark(hot[b], mark);
    }

    /**
     * Renumbers the marks, for an owner whose marks only grow: a mark in {@code [from, to)} becomes
     * {@code mark - from + 1}, any other becomes 0. One pass over the table.
     */
    public void rebaseMarks(int from, int to) {
        for (int i = nextUsed(0); i < capacity; i = nextUsed(i + 1)) {
            final int b = BASE + i * HOT + STATE;
            final int m = TcpState.mark(hot[b]);
            hot[b] = TcpState.withMark(hot[b], m >= from && m < to ? m - from + 1 : 0);
        }
    }

    /** Visits every flow whose mark is in {@code [from, to)}, in slot order (one pass over the table). */
    public void forEachMarked(int from, int to, MarkVisitor visitor) {
        for (int i = nextUsed(0); i < capacity; i = nextUsed(i + 1)) {
            final int m = TcpState.mark(hot[BASE + i * HOT + STATE]);
            if (m >= from && m < to) {
                visitor.visit(this, i, m);
            }
        }
    }

    /** True for a TCP flow whose client sent a SYN that the server never answered at all. */
    public boolean isUnanswered(int slot) {
        return protocol(slot) == DecodedPacket.PROTO_TCP && TcpState.isUnanswered(hot[BASE + slot * HOT + STATE]);
    }

    /** Zeek's conn_state of the flow in slot. */
    public String connState(int slot) {
        return TcpState.connState(protocol(slot), hot[BASE + slot * HOT + STATE]);
    }
}
