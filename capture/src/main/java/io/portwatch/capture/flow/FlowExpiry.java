package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Arrays;

/**
 * When the flows of a {@link FlowTable} end: idle and linger timeouts (exact: a packet that arrives after
 * its flow's timeout starts a new flow, whenever the sweep would have run), the active timeout that cuts
 * a long flow into parts, sweeps of timed-out flows, eviction of the longest idle when the table is full,
 * and the end of the input. Flows that end together are reported in {@link FlowOrder}'s order.
 *
 * <p>Sweeps visit every flow (the table's bits of used slots lead them past the empty ones), so they run as
 * packet time advances at most about once a second and no more often than once per table capacity in
 * packets: at most about one flow visit per packet. Owned by
 * its table's thread, as the table is.
 */
final class FlowExpiry {

    private static final long SWEEP_INTERVAL_NANOS = FlowConfig.SECOND;
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
    /** Slots of flows about to end together, and the times they are ordered by; reused. */
    private int[] endingSlots = new int[0];
    private long[] endingKeys = new long[0];
    private final FlowOrder order = new FlowOrder();
    /** What {@link #endAll} read ahead: kept so that the reads are not optimized away. */
    private long readAhead;

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
        if (idle <= minTimeout) {
            return null; // the common case in a sweep: nothing else to read
        }
        if (proto != DecodedPacket.PROTO_TCP) {
            return idle > config.udpIdleNanos() ? EndReason.IDLE : null;
        }
        if (TcpState.isFinished(st)) {
            return idle > config.tcpClosedNanos() ? TcpState.finishedReason(st) : null;
        }
        long timeout = TcpState.isHandshaking(st) ? config.tcpHandshakeNanos() : config.tcpIdleNanos();
        return idle > timeout ? EndReason.IDLE : null;
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
        int n = 0;
        for (int i = t.nextUsed(0), cap = t.capacity(); i < cap; i = t.nextUsed(i + 1)) {
            if (reason(i, now) != null) {
                n = ending(n, i, t.startNanos(i));
            }
        }
        if (n > 0) {
            final int[] slots = order.sort(t, endingKeys, endingSlots, n);
            for (int k = 0; k < n; k++) {
                readAhead(slots, k, n);
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
            readAhead(slots, k, n);
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
     * Before the k-th of the flows about to end in this order: every {@value #AHEAD} flows, reads the next
     * ones' entries all at once, so that their cache misses overlap instead of coming one a flow.
     */
    private void readAhead(int[] slots, int k, int n) {
        if (k % AHEAD == 0) {
            long v = 0;
            for (int j = k, end = Math.min(n, k + AHEAD); j < end; j++) {
                v += table.readEntry(slots[j]);
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
