package io.portwatch.capture.source;

import java.nio.ByteBuffer;

/** Absolute reads of file fields from a big-endian buffer, byte-swapped when the file is little-endian. */
final class Fields {
    private Fields() {
    }

    static int i32(ByteBuffer buf, int offset, boolean swap) {
        int v = buf.getInt(offset);
        return swap ? Integer.reverseBytes(v) : v;
    }

    static int u16(ByteBuffer buf, int offset, boolean swap) {
        short v = buf.getShort(offset);
        return (swap ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    static long i64(ByteBuffer buf, int offset, boolean swap) {
        long v = buf.getLong(offset);
        return swap ? Long.reverseBytes(v) : v;
    }

    /** A 64-bit value stored as two 32-bit words, high word first (pcapng timestamps). */
    static long highLow(ByteBuffer buf, int offset, boolean swap) {
        return ((long) i32(buf, offset, swap) << 32) | (i32(buf, offset + 4, swap) & 0xFFFF_FFFFL);
    }

    static int padTo4(int length) {
        return (length + 3) & ~3;
    }
}
