package io.portwatch.analysis.detect;

import io.portwatch.capture.flow.HashKey;

import java.util.Arrays;

/**
 * The first contacts of one source in one window: distinct (target address, port) pairs, kept whole and in
 * the order first seen, so that the distinct targets and ports, and samples of them, can be told afterwards.
 * An entry of an {@link LruTable} itself, its first contact in its own fields: most sources contact one
 * service or a few, and a lookup then reads one object, not an entry, a set and an array in turn (each a
 * cache miss of its own on a busy link). Further contacts go into an array; up to {@value #SCAN_UP_TO} are
 * found by a scan, past that an open-addressing index over keyed hashes of the contacts ({@link HashKey})
 * finds them, a lookup reading at most {@value #MAX_PROBE} slots whatever the keys. Bounded: past
 * {@code cap} contacts, further ones are counted as first contacts without being kept (and {@link #exact()}
 * turns false), as is one that would lie past the probe limit (only contacts crafted for a known key).
 * Single writer.
 */
abstract class Contacts extends LruTable.Entry {

    private static final int SCAN_UP_TO = 8;
    /** Index slots a lookup reads at most (the index is at most half full). */
    static final int MAX_PROBE = 256;
    private static final HashKey KEY = HashKey.RUN.derive(0x636F_6E74L);
    private static final long[] NONE = new long[0];

    private final int cap;
    /** The first contact. */
    private long hi0;
    private long lo0;
    private int port0;
    /** Target hi, target lo, port: three longs a contact, for contacts 1 on, in the order first seen. */
    private long[] c = NONE;
    private int size;
    private long overflow;
    /** Contact number + 1 by slot, or null while a scan finds them. */
    private int[] index;

    /** @param cap contacts kept at most */
    Contacts(int cap) {
        this.cap = Math.max(1, cap);
    }

    /** Adds a contact; true when it is a first contact (or may be one, past the cap). */
    boolean add(long hi, long lo, int port) {
        if (index == null) {
            for (int i = 0; i < size; i++) {
                if (lo(i) == lo && hi(i) == hi && port(i) == port) {
                    return false;
                }
            }
            if (size == cap) {
                overflow++;
                return true;
            }
            append(hi, lo, port);
            if (size > SCAN_UP_TO) {
                reindex(Integer.highestOneBit(size) * 4);
            }
            return true;
        }
        final int mask = index.length - 1;
        int i = (int) hash(hi, lo, port) & mask;
        for (int probes = 0; index[i] != 0; probes++) {
            final int k = index[i] - 1;
            if (lo(k) == lo && hi(k) == hi && port(k) == port) {
                return false;
            }
            if (probes == MAX_PROBE) {
                overflow++;
                return true;
            }
            i = (i + 1) & mask;
        }
        if (size == cap) {
            overflow++;
            return true;
        }
        append(hi, lo, port);
        index[i] = size;
        if (size * 2 > index.length) {
            reindex(index.length * 2);
        }
        return true;
    }

    /** Contacts kept. */
    int contacts() {
        return size;
    }

    /** Whether every first contact was kept (none past the cap or the probe limit). */
    boolean exact() {
        return overflow == 0;
    }

    long hi(int i) {
        return i == 0 ? hi0 : c[3 * i - 3];
    }

    long lo(int i) {
        return i == 0 ? lo0 : c[3 * i - 2];
    }

    int port(int i) {
        return i == 0 ? port0 : (int) c[3 * i - 1];
    }

    /** Heap bytes held beside the entry's own fields (80 bytes): the array and the index. */
    long contactBytes() {
        return (c.length > 0 ? 16 + 8L * c.length : 0) + (index != null ? 16 + 4L * index.length : 0);
    }

    private void append(long hi, long lo, int port) {
        if (size == 0) {
            hi0 = hi;
            lo0 = lo;
            port0 = port;
        } else {
            final int k = 3 * (size - 1);
            if (k == c.length) {
                c = Arrays.copyOf(c, Math.max(6, c.length * 2));
            }
            c[k] = hi;
            c[k + 1] = lo;
            c[k + 2] = port;
        }
        size++;
    }

    /**
     * Indexes every contact kept in {@code slots} slots, each within {@value #MAX_PROBE} of its home; one
     * that would lie further (only contacts crafted for a known key) stays out of the index, so that a
     * lookup may miss it and count it again.
     */
    private void reindex(int slots) {
        index = new int[slots];
        final int mask = slots - 1;
        for (int n = 0; n < size; n++) {
            int i = (int) hash(hi(n), lo(n), port(n)) & mask;
            int probes = 0;
            while (index[i] != 0 && ++probes < MAX_PROBE) {
                i = (i + 1) & mask;
            }
            if (index[i] == 0) {
                index[i] = n + 1;
            }
        }
    }

    private static long hash(long hi, long lo, int port) {
        return KEY.hash(hi, lo, port);
    }
}
