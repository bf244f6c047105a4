package io.portwatch.capture.source;

import java.nio.ByteBuffer;

/**
 * Field offsets of the classic pcap file header and record header (draft-ietf-opsawg-pcap), with
 * accessors that read a field in place. {@code swap} is true when the file's byte order is the
 * opposite of the (big-endian) buffer's.
 */
final class PcapLayout {
    private PcapLayout() {
    }

    /** Microsecond timestamps, as read big-endian from the first four bytes. */
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    /** Nanosecond timestamps. */
    static final int MAGIC_NANOS = 0xA1B23C4D;
    /** Alexey Kuznetsov's "modified" pcap: microseconds, 24-byte record headers. */
    static final int MAGIC_MODIFIED = 0xA1B2CD34;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_MAJOR_OFFSET = 4;
    static final int VERSION_MINOR_OFFSET = 6;
    static final int SNAPLEN_OFFSET = 16;
    static final int LINKTYPE_OFFSET = 20;
    static final int FILE_HEADER_LENGTH = 24;

    static final int TS_SECONDS_OFFSET = 0;
    static final int TS_FRACTION_OFFSET = 4;
    static final int CAPTURED_LENGTH_OFFSET = 8;
    static final int ORIGINAL_LENGTH_OFFSET = 12;
    static final int RECORD_HEADER_LENGTH = 16;
    /** The modified format adds ifindex (4), protocol (2), pkt_type (1) and a pad byte. */
    static final int MODIFIED_RECORD_HEADER_LENGTH = 24;

    /** Only the low 16 bits of the header's link type field are the link type (FCS info above). */
    static final int LINKTYPE_MASK = 0xFFFF;

    static int versionMajor(ByteBuffer buf, int offset, boolean swap) {
        return Fields.u16(buf, offset + VERSION_MAJOR_OFFSET, swap);
    }

    static int versionMinor(ByteBuffer buf, int offset, boolean swap) {
        return Fields.u16(buf, offset + VERSION_MINOR_OFFSET, swap);
    }

    static int snaplen(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + SNAPLEN_OFFSET, swap);
    }

    static int linkType(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + LINKTYPE_OFFSET, swap) & LINKTYPE_MASK;
    }

    static int tsSeconds(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + TS_SECONDS_OFFSET, swap);
    }

    static int tsFraction(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + TS_FRACTION_OFFSET, swap);
    }

    static int capturedLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + CAPTURED_LENGTH_OFFSET, swap);
    }

    static int originalLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + ORIGINAL_LENGTH_OFFSET, swap);
    }
}
