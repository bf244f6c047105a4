package io.portwatch.analysis.talkers;

import io.portwatch.analysis.ports.MemoryBudget;

import java.util.Arrays;

/**
 * The flows active in a window, one entry each, in the order they first sent a packet in it: their
 * port's slot, client and server, and what they carried in the window (packets and bytes, both ways).
 *
 * <p>Nothing is counted per packet. An entry keeps its flow's counters as they stood before the flow's
 * first packet in the window (the snapshot); when the flow ends, or is cut into parts, or the window
 * closes, the flow table's counters minus the snapshot are what the flow carried in the window
 * ({@link #settle}, {@link #cut}). Counting each packet into its entry instead cost a random write a
 * packet: on a capture of 200,000 concurrent flows, 25% more CPU for the whole read.
 *
 * <p>Bounded: a log holds at most as many entries as the flow table has slots, and at least
 * {@value #MIN_LIMIT} (10 longs an entry, against the table's 12 a slot); a full log is settled, folded
 * into the window's {@link PortTalkers} and starts over, its flows given new entries as their next packets
 * come. The limit follows the table because a log smaller than the flows alive at once would be folded
 * before most flows sent a second packet, an entry per packet. Arrays start at 256 entries and double up
 * to the limit (not past it: at the default 1,048,576 flows, a table of 1,398,103 slots, a log of
 * 1,398,103 entries holds 101 MiB where the next power of two held 152 MiB), so that a quiet window costs
 * little. Single writer.
 */
public final class TalkerLog {

    /** The least number of entries a log may hold before it must be folded. */
    public static final int MIN_LIMIT = 1 << 16;

    /** Longs an entry: packets, bytes, whether it is its flow's first in the window, snapshot packets and bytes. */
    private static final int COUNTS = 5;
    private static final int PACKETS = 0;
    private static final int BYTES = 1;
    private static final int FIRST = 2;
    private static final int SNAP_PACKETS = 3;
    private static final int SNAP_BYTES = 4;
    /** Snapshot packets of an entry whose flow ended: its counts are final. */
    private static final long SETTLED = -1;

    private int[] portSlot = new int[256];
    /** Client hi, client lo, server hi, server lo: four longs an entry. */
    private long[] hosts = new long[256 * 4];
    private long[] counts = new long[256 * COUNTS];
    private int size;
    /** Entries the arrays grow to at most: the owner's limit, which follows the flow table as it grows. */
    private int maxEntries = MIN_LIMIT;

    /** The most entries a log may hold for a flow table of {@code flowSlots} slots. */
    public static int limit(int flowSlots) {
        return Math.max(MIN_LIMIT, flowSlots);
    }

    /**
     * The most entries the log will hold before its owner folds it ({@link #limit}, which grows with the
     * flow table): its arrays grow no further.
     */
    public void maxEntries(int n) {
        maxEntries = n;
    }

    /**
     * A flow's first packet in the window (or since the log was last folded).
     *
     * @param firstInWindow whether the flow had no entry in the window before: counts it as a flow of its hosts
     * @param packets       the flow's packets (both ways) before this packet
     * @param bytes         the flow's IP bytes before this packet
     * @return the entry's index
     */
    public int open(int slot, long cHi, long cLo, long sHi, long sLo, boolean firstInWindow, long packets,
                    long bytes) {
        final int i = size;
        if (i == portSlot.length) {
            int n = (int) Math.min(i * 2L, Math.max(maxEntries, i + 1L));
            portSlot = Arrays.copyOf(portSlot, n);
            hosts = Arrays.copyOf(hosts, n * 4);
            counts = Arrays.copyOf(counts, n * COUNTS);
        }
        portSlot[i] = slot;
        final int h = i * 4;
        hosts[h] = cHi;
        hosts[h + 1] = cLo;
        hosts[h + 2] = sHi;
        hosts[h + 3] = sLo;
        final int c = i * COUNTS;
        counts[c + PACKETS] = 0;
        counts[c + BYTES] = 0;
        counts[c + FIRST] = firstInWindow ? 1 : 0;
        counts[c + SNAP_PACKETS] = packets;
        counts[c + SNAP_BYTES] = bytes;
        size = i + 1;
        return i;
    }

    /** The flow of entry {@code i} ended with these counters: what it carried since the snapshot is final. */
    public void settle(int i, long packets, long bytes) {
        final int c = i * COUNTS;
        if (counts[c + SNAP_PACKETS] != SETTLED) {
            counts[c + PACKETS] += packets - counts[c + SNAP_PACKETS];
            counts[c + BYTES] += bytes - counts[c + SNAP_BYTES];
            counts[c + SNAP_PACKETS] = SETTLED;
        }
    }

    /** The flow of entry {@code i} is cut into parts at these counters; the next part counts from zero. */
    public void cut(int i, long packets, long bytes) {
        final int c = i * COUNTS;
        if (counts[c + SNAP_PACKETS] != SETTLED) {
            counts[c + PACKETS] += packets - counts[c + SNAP_PACKETS];
            counts[c + BYTES] += bytes - counts[c + SNAP_BYTES];
            counts[c + SNAP_PACKETS] = 0;
            counts[c + SNAP_BYTES] = 0;
        }
    }

    /** Whether every entry's counts are final (see {@link #settle}). */
    boolean settled() {
        for (int i = 0; i < size; i++) {
            if (counts[i * COUNTS + SNAP_PACKETS] != SETTLED) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return size;
    }

    /** Heap bytes of the log's arrays. */
    public long memoryBytes() {
        return MemoryBudget.ints(portSlot.length) + MemoryBudget.longs(hosts.length) + MemoryBudget.longs(counts.length);
    }

    int slot(int i) {
        return portSlot[i];
    }

    long clientHi(int i) {
        return hosts[i * 4];
    }

    long clientLo(int i) {
        return hosts[i * 4 + 1];
    }

    long serverHi(int i) {
        return hosts[i * 4 + 2];
    }

    long serverLo(int i) {
        return hosts[i * 4 + 3];
    }

    long packets(int i) {
        return counts[i * COUNTS + PACKETS];
    }

    long bytes(int i) {
        return counts[i * COUNTS + BYTES];
    }

    long flows(int i) {
        return counts[i * COUNTS + FIRST];
    }

    /** Forgets every entry (the arrays are kept). */
    void clear() {
        size = 0;
    }
}
