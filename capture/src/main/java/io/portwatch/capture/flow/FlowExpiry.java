package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Arrays;

/**
 * When the flows of a {@link FlowTable} end: idle and linger timeouts (exact: a packet that arrives after
 * its flow's timeout starts a new flow, whenever the sweep would have run), the active timeout that cuts
 * a long flow into parts, sweeps of timed-out flows, eviction of the longest idle when the table is full,
 * and the end of the input. Flows that end together are reported in {@link FlowOrder}'s order.
 *
 * <p>Sweeps run as packet time advances, at most about once a second and no more often than once per table
 * capacity in packets. A sweep reads only the flows that may have timed out: for every {@value #GROUP_SLOTS}
 * slots the expiry keeps a bound, in ticks of 2<sup>{@value #TICK_SHIFT}</sup> ns (1.07 s), that none of
 * their flows times out before (as Suricata's flow manager keeps a {@code next_ts} per hash row). A packet
 * only moves its flow's timeout later, except when it starts a flow or shortens its timeout (a FIN
 * answered, a RST: 5 s instead of 300), and only those lower the bound; a sweep that reads a group sets
 * its bound anew from the flows that stay. The bounds cost half a byte a slot. Measured (FlowTableBenchmark.sweep,
 * a table taken to its largest size, established flows, none near its timeout): a sweep took 0.78 ms with
 * 100,000 flows and 6.3 ms with 1,000,000 when it read every flow, 0.03 ms with the bounds (it reads the 174,763
 * bounds): at a million flows open, 0.6% of a core each second whatever the packet rate, more when the flows
 * are out of cache. The flows of the groups due are listed first, then read {@value #AHEAD} at a time so that
 * their cache misses overlap: in slot order but far apart, they defeat the hardware's prefetching. In {@code live}
 * at 200,000 packets/s with 100,000 sessions open (about 12,000 flows ending a second, 270,000 in the table),
 * sweeps took 156-203 ms of every 10 s reading every flow, 65-191 ms reading only the groups due one at a time,
 * and 50-88 ms with the reads batched (against 90-169 in the same runs).
 * Owned by its table's thread, as the table is.
 */
final class FlowExpiry {

    private static final long SWEEP_INTERVAL_NANOS = FlowConfig.SECOND;
    /**
     * Slots of a group that shares a bound: 8, so that a bound costs half a byte a slot. Groups of 4 read a
     * third fewer flows in {@code live} and took no less time (the reads that remain are the ends').
     */
    private static final int GROUP_SHIFT = 3;
    static final int GROUP_SLOTS = 1 << GROUP_SHIFT;
    /** A tick of the bounds: 2^30 ns, about a second, the sweep's own interval. */
    static final int TICK_SHIFT = 30;
    /** How many flows {@link #sweep} and {@link #endAll} read at once before they end them. */
    private static final int AHEAD = 16;

    private final FlowTable table;
    private final FlowConfig config;
    /** The shortest timeout: a flow idle no longer than this has not timed out, whatever its state. */
    private final long minTimeout;
    private final long activeNanos;

    private long lastSweepNanos = Long.MIN_VALUE;
    /** When the next sweep may run: a second after the last; Long.MIN_VALUE until the first packet. */
    private long nextSweepNanos = Long.MIN_VALUE;
    /**
     * Packets tracked since the last sweep; a sweep waits for a table's capacity of them. Long.MAX_VALUE
     * until the first packet, so that the first packet goes to {@link #sweepDue}, which starts the clock.
     */
    private long packetsSinceSweep = Long.MAX_VALUE;
    /** Slots of the flows a sweep reads; reused. */
    private int[] visiting = new int[0];
    /** Slots of flows about to end together, and the times they are ordered by; reused. */
    private int[] endingSlots = new int[0];
    private long[] endingKeys = new long[0];
    private final FlowOrder order = new FlowOrder();
    /** What sweeps and {@link #endAll} read ahead: kept so that the reads are not optimized away. */
    private long readAhead;
    /**
     * Per group of {@value #GROUP_SLOTS} slots, a tick no flow of the group times out before: a sweep at a
     * later tick reads the group, an earlier one passes it by. Integer.MIN_VALUE: to be read at the next
     * sweep; Integer.MAX_VALUE: no flow.
     */
    private int[] bounds = new int[0];
    /** Flows that sweeps have read, for tests of what the bounds spare. */
    private long sweepReads;
    /** The time of tick 0: the first packet's, so that ticks of any capture's times fit an int. */
    private long epoch;

    FlowExpiry(FlowTable table, FlowConfig config) {
        this.table = table;
        this.config = config;
        this.minTimeout = Math.min(Math.min(config.tcpClosedNanos(), config.tcpHandshakeNanos()),
                Math.min(config.tcpIdleNanos(), config.udpIdleNanos()));
        this.activeNanos = config.activeNanos();
    }

    /**
     * The reason a flow of this protocol, TCP state word and last-packet time has ended by {@code now},
     * or null while it is live.
     */
    EndReason reason(int proto, long st, long last, long now) {
        final long idle = now - last;
        if (idle <= minTimeout || idle <= timeout(proto, st)) {
            return null; // the first: the common case in a sweep, nothing else to read
        }
        return proto == DecodedPacket.PROTO_TCP && TcpState.isFinished(st) ? TcpState.finishedReason(st) : EndReason.IDLE;
    }

    /** How long a flow of this protocol and TCP state word may stay idle before it ends. */
    private long timeout(int proto, long st) {
        if (proto != DecodedPacket.PROTO_TCP) {
            return config.udpIdleNanos();
        }
        if (TcpState.isFinished(st)) {
            return config.tcpClosedNanos();
        }
        return TcpState.isHandshaking(st) ? config.tcpHandshakeNanos() : config.tcpIdleNanos();
    }

    /** The tick after which a flow of this protocol, state word and last-packet time may have ended. */
    private int deadlineTick(int proto, long st, long last) {
        final long timeout = timeout(proto, st);
        final long deadline = last + timeout;
        return tick(deadline < last ? Long.MAX_VALUE : deadline);
    }

    /** The tick of time t: monotone in t, saturated at the ends of an int. */
    private int tick(long t) {
        final long d = t - epoch;
        if (((t ^ epoch) & (t ^ d)) < 0) { // t - epoch overflowed
            return t < epoch ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        }
        final long k = d >> TICK_SHIFT;
        return k < Integer.MIN_VALUE ? Integer.MIN_VALUE : k > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) k;
    }

    /**
     * The table now has this many slots, and its flows (if any) moved anywhere: every group is read at the
     * next sweep, or none when the table is empty.
     */
    void resize(int capacity, boolean empty) {
        final int[] b = new int[(capacity + GROUP_SLOTS - 1) >>> GROUP_SHIFT];
        Arrays.fill(b, empty ? Integer.MAX_VALUE : Integer.MIN_VALUE);
        bounds = b;
    }

    /** Whether a flow's timeout is shorter with state word {@code after} than with {@code before}. */
    boolean sooner(int proto, long before, long after) {
        return timeout(proto, after) < timeout(proto, before);
    }

    /**
     * The flow in slot started, or its timeout became shorter (a FIN answered, a RST: 5 s instead of 300): it
     * may now time out sooner than its group's bound says. Not called for other packets, which only move a
     * timeout later.
     */
    void scheduled(int slot, int proto, long st, long last) {
        final int t = deadlineTick(proto, st, last);
        final int g = slot >>> GROUP_SHIFT;
        if (t < bounds[g]) {
            bounds[g] = t;
        }
    }

    long sweepReads() {
        return sweepReads;
    }

    /** Bytes the bounds hold. */
    long memoryBytes() {
        return (long) bounds.length * Integer.BYTES;
    }

    /** A flow moved from slot {@code from} to slot {@code to}: its bound goes with it. */
    void moved(int from, int to) {
        final int f = from >>> GROUP_SHIFT, t = to >>> GROUP_SHIFT;
        if (bounds[f] < bounds[t]) {
            bounds[t] = bounds[f];
        }
    }

    /** The reason the flow in slot has ended by {@code now}, or null while it is live. */
    private EndReason reason(int slot, long now) {
        return reason(table.protocol(slot), table.state(slot), table.lastNanos(slot), now);
    }

    /** Whether a flow part that started at {@code start} has reached the active timeout at {@code now}. */
    boolean partDue(long start, long now) {
        return activeNanos > 0 && now - start >= activeNanos;
    }

    /**
     * A packet at {@code now} is about to be tracked: sweeps when one is due. Two compares a packet, inlined
     * into the table's packet path; the rest is out of line.
     */
    void beforePacket(long now) {
        if (now >= nextSweepNanos && packetsSinceSweep >= table.capacity()) {
            sweepDue(now);
        }
    }

    /** The first packet starts the sweep clock; later, a sweep is due. */
    private void sweepDue(long now) {
        if (lastSweepNanos == Long.MIN_VALUE) {
            epoch = now; // before any flow: no bound was set from another epoch
            lastSweepNanos = now;
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
            packetsSinceSweep = 0;
            return;
        }
        sweep(now);
    }

    /** A packet was tracked. */
    void afterPacket() {
        packetsSinceSweep++;
    }

    /**
     * Ends every flow that has timed out by {@code now} (idle, or lingered after FIN/RST), in the order
     * of their start ({@link FlowOrder}).
     *
     * @return the number of flows ended
     */
    int sweep(long now) {
        lastSweepNanos = now;
        nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
        packetsSinceSweep = 0;
        final FlowTable t = table;
        final int[] bounds = this.bounds;
        final int nowTick = tick(now);
        // the flows of the groups due, first listed (bounds and used bits: in order, in cache), then read
        int m = 0;
        for (int g = 0; g < bounds.length; g++) {
            if (bounds[g] > nowTick) {
                continue;
            }
            bounds[g] = Integer.MAX_VALUE; // until its flows that stay say otherwise
            for (long bits = t.usedBits(g << GROUP_SHIFT, GROUP_SLOTS); bits != 0; bits &= bits - 1) {
                if (m == visiting.length) {
                    visiting = Arrays.copyOf(visiting, Math.max(64, 2 * m));
                }
                visiting[m++] = (g << GROUP_SHIFT) + Long.numberOfTrailingZeros(bits);
            }
        }
        sweepReads += m;
        final int[] visiting = this.visiting;
        int n = 0;
        for (int k = 0; k < m; k++) {
            readAhead(visiting, k, m, false);
            final int i = visiting[k];
            final int proto = t.protocol(i);
            final long st = t.state(i), last = t.lastNanos(i);
            if (reason(proto, st, last, now) != null) {
                n = ending(n, i, t.startNanos(i));
            } else {
                final int g = i >>> GROUP_SHIFT;
                bounds[g] = Math.min(bounds[g], deadlineTick(proto, st, last));
            }
        }
        if (n > 0) {
            final int[] slots = order.sort(t, endingKeys, endingSlots, n);
            for (int k = 0; k < n; k++) {
                readAhead(slots, k, n, true);
                t.reportEnd(slots[k], reason(slots[k], now));
            }
            t.removeAll(slots, n);
        }
        return n;
    }

    /**
     * Evicts the {@code target} longest-idle flows, longest idle first (equally idle ones in 5-tuple
     * order): which flows go depends on their times alone, never on where the hash put them. The cutoff
     * time is selected from every flow's last-packet time (linear on average), and only the flows up to
     * it are sorted.
     */
    void evictOldest(int target) {
        final FlowTable t = table;
        final int cap = t.capacity();
        long[] lasts = new long[t.size()];
        int m = 0;
        for (int i = t.nextUsed(0); i < cap && m < lasts.length; i = t.nextUsed(i + 1)) {
            lasts[m++] = t.lastNanos(i);
        }
        if (m == 0) {
            return;
        }
        final long cutoff = select(lasts, m, Math.min(target, m) - 1);
        int n = 0;
        for (int i = t.nextUsed(0); i < cap; i = t.nextUsed(i + 1)) {
            if (t.lastNanos(i) <= cutoff) {
                n = ending(n, i, t.lastNanos(i));
            }
        }
        final int[] slots = order.sort(t, endingKeys, endingSlots, n);
        final int evicted = Math.min(n, target);
        for (int k = 0; k < evicted; k++) {
            t.reportEnd(slots[k], EndReason.EVICTED);
        }
        t.countEvicted(evicted);
        t.removeAll(slots, evicted);
    }

    /**
     * Ends every flow, oldest first, and empties the table. With END_OF_INPUT (the end of a capture), a
     * TCP flow that had already finished by FIN or RST (lingering for its last packets) ends with that
     * reason; every other flow with the given one.
     */
    void endAll(EndReason reason) {
        final FlowTable t = table;
        int n = 0;
        for (int i = t.nextUsed(0), cap = t.capacity(); i < cap; i = t.nextUsed(i + 1)) {
            n = ending(n, i, t.startNanos(i));
        }
        final int[] slots = order.sort(t, endingKeys, endingSlots, n);
        for (int k = 0; k < n; k++) {
            readAhead(slots, k, n, true);
            final int i = slots[k];
            EndReason r = reason;
            if (reason == EndReason.END_OF_INPUT && t.protocol(i) == DecodedPacket.PROTO_TCP
                    && TcpState.isFinished(t.state(i))) {
                r = TcpState.finishedReason(t.state(i));
            }
            t.reportEnd(i, r);
        }
        t.clear(slots, n);
    }

    /**
     * Before the k-th of these flows: every {@value #AHEAD} flows, reads the next ones' hot lines (and, for flows
     * about to end, their addresses) all at once, so that their cache misses overlap instead of coming one a flow.
     */
    private void readAhead(int[] slots, int k, int n, boolean addresses) {
        if (k % AHEAD == 0) {
            long v = 0;
            for (int j = k, end = Math.min(n, k + AHEAD); j < end; j++) {
                v += addresses ? table.readEntry(slots[j]) : table.lastNanos(slots[j]);
            }
            readAhead += v;
        }
    }

    /** Adds a slot and its sort key to the flows about to end; returns their new number. */
    int ending(int n, int slot, long key) {
        if (n == endingSlots.length) {
            endingSlots = Arrays.copyOf(endingSlots, Math.max(64, 2 * n));
            endingKeys = Arrays.copyOf(endingKeys, endingSlots.length);
        }
        endingSlots[n] = slot;
        endingKeys[n] = key;
        return n + 1;
    }

    /** The slots added by {@link #ending} so far, ordered ({@link FlowOrder}). */
    int[] ordered(int n) {
        return order.sort(table, endingKeys, endingSlots, n);
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
}
