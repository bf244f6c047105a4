package io.portwatch.analysis.talkers;

import java.util.Arrays;

/**
 * The flows active in a window, one entry each, in the order they first sent a packet in it: their
 * port's slot, client and server, and their packets and bytes (both ways) in the window so far. The
 * packet thread appends an entry at a flow's first packet in the window and then counts each packet
 * into it by index ({@link #count}: two adds to one cache line), so that the top talkers cost per
 * packet what an array increment costs, and hosts are summed up per port later, once per flow
 * ({@link PortTalkers#fold}), on whichever thread makes the window's records.
 *
 * <p>Bounded: a log holds at most as many entries as the flow table has slots, and at least
 * {@value #MIN_LIMIT} (7.5 longs an entry, against the table's 12 longs a slot); a full log is folded
 * into the window's {@link PortTalkers} and starts over, its flows given new entries as their next
 * packets come. The limit follows the table because a log smaller than the flows alive at once would be
 * folded before most flows sent a second packet, an entry per packet (seen on a capture of 200,000
 * concurrent flows: 5,000,000 entries for 5,000,000 packets, folding took 40% more time than the rest).
 * Arrays start at 256 entries and double, so that a quiet window costs little. Single writer.
 */
public final class TalkerLog {

    /** The least number of entries a log may hold before it must be folded. */
    public static final int MIN_LIMIT = 1 << 16;

    private int[] portSlot = new int[256];
    /** Client hi, client lo, server hi, server lo: four longs an entry. */
    private long[] hosts = new long[256 * 4];
    /** Packets, bytes, and 1 when the entry is its flow's first in the window (0 after a fold): three longs an entry. */
    private long[] counts = new long[256 * 3];
    private int size;

    /** The most entries a log may hold for a flow table of {@code flowSlots} slots. */
    public static int limit(int flowSlots) {
        return Math.max(MIN_LIMIT, flowSlots);
    }

    /**
     * A flow's first packet in the window (or since the log was last folded).
     *
     * @param firstInWindow whether the flow had no entry in the window before: counts it as a flow of its hosts
     * @return the entry's index
     */
    public int open(int slot, long cHi, long cLo, long sHi, long sLo, boolean firstInWindow) {
        final int i = size;
        if (i == portSlot.length) {
            int n = i * 2;
            portSlot = Arrays.copyOf(portSlot, n);
            hosts = Arrays.copyOf(hosts, n * 4);
            counts = Arrays.copyOf(counts, n * 3);
        }
        portSlot[i] = slot;
        final int h = i * 4;
        hosts[h] = cHi;
        hosts[h + 1] = cLo;
        hosts[h + 2] = sHi;
        hosts[h + 3] = sLo;
        final int c = i * 3;
        counts[c] = 0;
        counts[c + 1] = 0;
        counts[c + 2] = firstInWindow ? 1 : 0;
        size = i + 1;
        return i;
    }

    /** Adds packets and IP bytes (either way) to entry {@code i}. */
    public void count(int i, long packets, long ipBytes) {
        final int c = i * 3;
        counts[c] += packets;
        counts[c + 1] += ipBytes;
    }

    public int size() {
        return size;
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
        return counts[i * 3];
    }

    long bytes(int i) {
        return counts[i * 3 + 1];
    }

    long flows(int i) {
        return counts[i * 3 + 2];
    }

    /** Forgets every entry (the arrays are kept). */
    void clear() {
        size = 0;
    }
}
