package io.portwatch.capture.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Writes capture files field by field in a chosen byte order, for the reader tests. */
final class CaptureBytes {

    static final int PCAP_MICROS = 0xA1B2C3D4;
    static final int PCAP_NANOS = 0xA1B23C4D;
    static final int PCAP_MODIFIED = 0xA1B2CD34;

    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 1;
    static final int PB = 2;
    static final int SPB = 3;
    static final int NRB = 4;
    static final int ISB = 5;
    static final int EPB = 6;
    static final int DSB = 10;
    static final int CUSTOM = 0x0000_0BAD;
    static final int CUSTOM_NO_COPY = 0x4000_0BAD;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order;

    CaptureBytes(ByteOrder order) {
        this.order = order;
    }

    CaptureBytes order(ByteOrder o) {
        this.order = o;
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    CaptureBytes u8(int v) {
        out.write(v);
        return this;
    }

    CaptureBytes u16(int v) {
        if (order == ByteOrder.BIG_ENDIAN) {
            out.write(v >>> 8);
            out.write(v);
        } else {
            out.write(v);
            out.write(v >>> 8);
        }
        return this;
    }

    CaptureBytes u32(long v) {
        if (order == ByteOrder.BIG_ENDIAN) {
            u16((int) (v >>> 16)).u16((int) v);
        } else {
            u16((int) v).u16((int) (v >>> 16));
        }
        return this;
    }

    CaptureBytes u64(long v) {
        if (order == ByteOrder.BIG_ENDIAN) {
            u32(v >>> 32).u32(v);
        } else {
            u32(v).u32(v >>> 32);
        }
        return this;
    }

    CaptureBytes bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    CaptureBytes zeros(int n) {
        return bytes(new byte[n]);
    }

    /** Zero bytes up to the next multiple of 4 after {@code length} bytes. */
    CaptureBytes pad4(int length) {
        return zeros((4 - (length & 3)) & 3);
    }

    // ---- classic pcap

    CaptureBytes pcapHeader(int magic, int major, int minor, int snaplen, long linkTypeField) {
        return u32(magic & 0xFFFF_FFFFL).u16(major).u16(minor).u32(0).u32(0).u32(snaplen).u32(linkTypeField);
    }

    CaptureBytes pcapHeader(int magic, int linkType) {
        return pcapHeader(magic, 2, 4, 65535, linkType);
    }

    CaptureBytes pcapRecord(long seconds, long fraction, byte[] data, long originalLength) {
        return u32(seconds).u32(fraction).u32(data.length).u32(originalLength).bytes(data);
    }

    /** A modified-pcap record: ifindex, protocol, pkt_type and pad after the lengths. */
    CaptureBytes modifiedRecord(long seconds, long fraction, byte[] data, long originalLength) {
        return u32(seconds).u32(fraction).u32(data.length).u32(originalLength)
                .u32(0x01020304).u16(0x0800).u8(4).u8(0xEE).bytes(data);
    }

    // ---- pcapng

    /** A block of {@code type} around a body whose length is a multiple of 4. */
    CaptureBytes block(int type, byte[] body) {
        if (body.length % 4 != 0) {
            throw new IllegalArgumentException("unpadded body");
        }
        int length = 12 + body.length;
        return u32(type).u32(length).bytes(body).u32(length);
    }

    /** A body writer in this writer's byte order. */
    CaptureBytes body() {
        return new CaptureBytes(order);
    }

    CaptureBytes shb() {
        return block(SHB, body().u32(0x1A2B3C4D).u16(1).u16(0).u64(-1L).toByteArray());
    }

    /** An IDB; {@code options} are written with {@link #option} and end with {@link #endOfOptions}. */
    CaptureBytes idb(int linkType, int snaplen, byte[] options) {
        return block(IDB, body().u16(linkType).u16(0).u32(snaplen).bytes(options).toByteArray());
    }

    CaptureBytes epb(int interfaceId, long timestampUnits, byte[] data, long originalLength, byte[] options) {
        return block(EPB, body().u32(interfaceId).u32(timestampUnits >>> 32).u32(timestampUnits)
                .u32(data.length).u32(originalLength).bytes(data).pad4(data.length).bytes(options).toByteArray());
    }

    CaptureBytes obsoletePacket(int interfaceId, long timestampUnits, byte[] data, long originalLength) {
        return block(PB, body().u16(interfaceId).u16(0).u32(timestampUnits >>> 32).u32(timestampUnits)
                .u32(data.length).u32(originalLength).bytes(data).pad4(data.length).toByteArray());
    }

    CaptureBytes spb(long originalLength, byte[] blockData) {
        return block(SPB, body().u32(originalLength).bytes(blockData).pad4(blockData.length).toByteArray());
    }

    CaptureBytes option(int code, byte[] value) {
        return u16(code).u16(value.length).bytes(value).pad4(value.length);
    }

    CaptureBytes endOfOptions() {
        return u16(0).u16(0);
    }

    static byte[] tsresolOptions(ByteOrder order, int tsresol, Long offsetSeconds) {
        CaptureBytes o = new CaptureBytes(order).option(9, new byte[] {(byte) tsresol});
        if (offsetSeconds != null) {
            o.option(14, new CaptureBytes(order).u64(offsetSeconds).toByteArray());
        }
        return o.endOfOptions().toByteArray();
    }

    static byte[] commentOption(ByteOrder order, String comment) {
        return new CaptureBytes(order).option(1, comment.getBytes(StandardCharsets.UTF_8)).endOfOptions().toByteArray();
    }

    // ---- gzip

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** {@code data} split at {@code cuts} into consecutive gzip members. */
    static byte[] gzipMembers(byte[] data, int... cuts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : data.length;
            byte[] part = java.util.Arrays.copyOfRange(data, from, to);
            byte[] z = gzip(part);
            b.write(z, 0, z.length);
            from = to;
        }
        return b.toByteArray();
    }

    /** One gzip member whose header carries FEXTRA, FNAME, FCOMMENT and FHCRC fields. */
    static byte[] gzipWithHeaderFields(byte[] data) {
        CaptureBytes g = new CaptureBytes(ByteOrder.LITTLE_ENDIAN);
        g.u8(0x1F).u8(0x8B).u8(8).u8(0x02 | 0x04 | 0x08 | 0x10).u32(1_700_000_000L).u8(0).u8(3);
        g.u16(6).bytes(new byte[] {'A', 'p', 2, 0, 'x', 'y'});
        g.bytes("capture.pcap".getBytes(StandardCharsets.ISO_8859_1)).u8(0);
        g.bytes("made by a test".getBytes(StandardCharsets.ISO_8859_1)).u8(0);
        CRC32 headerCrc = new CRC32();
        headerCrc.update(g.toByteArray());
        g.u16((int) headerCrc.getValue());
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        deflater.setInput(data);
        deflater.finish();
        byte[] chunk = new byte[8192];
        while (!deflater.finished()) {
            int n = deflater.deflate(chunk);
            g.bytes(java.util.Arrays.copyOf(chunk, n));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        return g.u32(crc.getValue()).u32(data.length).toByteArray();
    }
}
