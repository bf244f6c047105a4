package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Transport;

import java.util.Arrays;

/**
 * Distinct (transport, port) values, {@code transportIndex << 16 | port} (17 bits): an open-addressing
 * int set while small, a 2 x 65,536-bit bitmap (16 KiB) once it holds more than {@value #BITMAP_AT}.
 * Either way its size is bounded. Single writer. Ports come from packets: the set hashes them with a key
 * of the run's secret ({@link io.portwatch.capture.flow.HashKey}), and a lookup reads at most
 * {@value #MAX_PROBE} slots: a value that would lie further (only values crafted for a known key) turns
 * the set into its bitmap at once.
 */
final class PortSet {
    private static final int BITMAP_AT = 1024;
    private static final int VALUES = 2 << 16;
    /** Slots a lookup reads at most (the set is at most half full). */
    static final int MAX_PROBE = 64;
    private static final io.portwatch.capture.flow.HashKey KEY = io.portwatch.capture.flow.HashKey.RUN.derive(0x706F_7274L);

    /** value + 1 per slot; 0 marks an empty slot. */
    private int[] slots = new int[8];
    private long[] bits;
    private int size;

    /** The value of a port: TCP 0-65535, UDP 65536-131071. */
    static int value(int protocol, int port) {
        return (protocol == io.portwatch.capture.decode.DecodedPacket.PROTO_TCP ? 0 : 1 << 16) | port;
    }

    /** A value as alerts write a port, with its transport: {@code tcp/22}, {@code udp/53}. */
    static String text(int v) {
        return ((v >>> 16) == 0 ? Transport.TCP : Transport.UDP).key() + "/" + (v & 0xFFFF);
    }

    /** Adds a value; true when it was not there. */
    boolean add(int v) {
        if (bits != null) {
            long m = 1L << v;
            if ((bits[v >>> 6] & m) != 0) {
                return false;
            }
            bits[v >>> 6] |= m;
        } else {
            int mask = slots.length - 1;
            int i = mix(v) & mask;
            int probes = 0;
            while (slots[i] != 0) {
                if (slots[i] == v + 1) {
                    return false;
                }
                if (++probes == MAX_PROBE) {
                    toBitmap();
                    return add(v);
                }
                i = (i + 1) & mask;
            }
            slots[i] = v + 1;
            if ((size + 1) * 2 > slots.length) {
                if (size + 1 > BITMAP_AT) {
                    toBitmap();
                } else {
                    rehash(slots.length * 2);
                }
            }
        }
        size++;
        return true;
    }

    int size() {
        return size;
    }

    /** Up to {@code limit} values, ascending. */
    int[] smallest(int limit) {
        int[] out;
        if (bits != null) {
            out = new int[Math.min(limit, size)];
            int n = 0;
            for (int w = 0; w < bits.length && n < out.length; w++) {
                long word = bits[w];
                while (word != 0 && n < out.length) {
                    out[n++] = w * 64 + Long.numberOfTrailingZeros(word);
                    word &= word - 1;
                }
            }
            return out;
        }
        out = new int[size];
        int n = 0;
        for (int s : slots) {
            if (s != 0) {
                out[n++] = s - 1;
            }
        }
        Arrays.sort(out);
        return n > limit ? Arrays.copyOf(out, limit) : out;
    }

    /** Heap bytes held. */
    long retainedBytes() {
        return 40 + 16 + (bits != null ? 8L * bits.length : 4L * slots.length);
    }

    private void toBitmap() {
        bits = new long[VALUES / 64];
        for (int s : slots) {
            if (s != 0) {
                bits[(s - 1) >>> 6] |= 1L << (s - 1);
            }
        }
        slots = null;
    }

    private void rehash(int capacity) {
        int[] old = slots;
        slots = new int[capacity];
        int mask = capacity - 1;
        for (int s : old) {
            if (s != 0) {
                int i = mix(s - 1) & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = s;
            }
        }
    }

    private static int mix(int v) {
        return (int) (KEY.hash(v) >>> 32);
    }
}
