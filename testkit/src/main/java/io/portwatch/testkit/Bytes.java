package io.portwatch.testkit;

import java.util.Arrays;

/** A growable big-endian byte writer, for building frames and headers in tests. */
public final class Bytes {
    private byte[] data = new byte[64];
    private int size;

    public Bytes u8(int v) {
        ensure(1);
        data[size++] = (byte) v;
        return this;
    }

    public Bytes u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    public Bytes u32(int v) {
        return u16(v >>> 16).u16(v);
    }

    public Bytes u64(long v) {
        return u32((int) (v >>> 32)).u32((int) v);
    }

    public Bytes u32le(int v) {
        return u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24);
    }

    public Bytes bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, data, size, b.length);
        size += b.length;
        return this;
    }

    public Bytes zeros(int n) {
        ensure(n);
        size += n;
        return this;
    }

    /** {@code n} bytes of {@link #pattern(int)}. */
    public Bytes pattern(int n) {
        return bytes(pattern(new byte[n]));
    }

    public int size() {
        return size;
    }

    public byte[] toArray() {
        return Arrays.copyOf(data, size);
    }

    private void ensure(int n) {
        if (size + n > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
        }
    }

    /** {@code b} filled with a recognisable pattern, A to Z over and over (so that payload is not all zeros). */
    public static byte[] pattern(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (0x41 + i % 26);
        }
        return b;
    }

    public static byte[] concat(byte[]... parts) {
        Bytes b = new Bytes();
        for (byte[] p : parts) {
            b.bytes(p);
        }
        return b.toArray();
    }

    /** The bytes a hex string spells (white space ignored). */
    public static byte[] hex(String hex) {
        String h = hex.replaceAll("\\s+", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
