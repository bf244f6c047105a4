package io.portwatch.capture.decode;

import java.util.Arrays;

/** A growable big-endian byte writer for building frames in tests. */
final class Bytes {
    private byte[] data = new byte[64];
    private int size;

    Bytes u8(int v) {
        ensure(1);
        data[size++] = (byte) v;
        return this;
    }

    Bytes u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    Bytes u32(int v) {
        return u16(v >>> 16).u16(v);
    }

    Bytes u64(long v) {
        return u32((int) (v >>> 32)).u32((int) v);
    }

    Bytes u32le(int v) {
        return u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24);
    }

    Bytes bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, data, size, b.length);
        size += b.length;
        return this;
    }

    Bytes zeros(int n) {
        ensure(n);
        size += n;
        return this;
    }

    /** n bytes of a recognisable pattern (so payload is not all zeros). */
    Bytes pattern(int n) {
        for (int i = 0; i < n; i++) {
            u8(0x41 + i % 26);
        }
        return this;
    }

    int size() {
        return size;
    }

    byte[] toArray() {
        return Arrays.copyOf(data, size);
    }

    private void ensure(int n) {
        if (size + n > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
        }
    }

    static byte[] concat(byte[]... parts) {
        Bytes b = new Bytes();
        for (byte[] p : parts) {
            b.bytes(p);
        }
        return b.toArray();
    }

    static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
