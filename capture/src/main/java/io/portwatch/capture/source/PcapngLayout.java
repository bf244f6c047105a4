package io.portwatch.capture.source;

import java.nio.ByteBuffer;

/**
 * Block types and field offsets of pcapng (draft-ietf-opsawg-pcapng), with accessors that read a
 * field in place from a block starting at {@code offset}. {@code swap} is true when the section's
 * byte order is little-endian.
 */
final class PcapngLayout {
    private PcapngLayout() {
    }

    static final int SECTION_HEADER = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION = 0x0000_0001;
    /** The obsolete Packet Block. */
    static final int PACKET = 0x0000_0002;
    static final int SIMPLE_PACKET = 0x0000_0003;
    static final int NAME_RESOLUTION = 0x0000_0004;
    static final int INTERFACE_STATISTICS = 0x0000_0005;
    static final int ENHANCED_PACKET = 0x0000_0006;
    static final int DECRYPTION_SECRETS = 0x0000_000A;

    /** The byte-order magic as read big-endian from a big-endian section. */
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int BYTE_ORDER_MAGIC_SWAPPED = 0x4D3C2B1A;

    // every block
    static final int BLOCK_TYPE_OFFSET = 0;
    static final int BLOCK_LENGTH_OFFSET = 4;
    static final int BLOCK_HEADER_LENGTH = 8;
    static final int BLOCK_TRAILER_LENGTH = 4;
    static final int MIN_BLOCK_LENGTH = BLOCK_HEADER_LENGTH + BLOCK_TRAILER_LENGTH;

    // section header block
    static final int SHB_BYTE_ORDER_OFFSET = 8;
    static final int SHB_MAJOR_OFFSET = 12;
    static final int SHB_MINOR_OFFSET = 14;
    static final int SHB_MIN_LENGTH = 28;

    // interface description block
    static final int IDB_LINKTYPE_OFFSET = 8;
    static final int IDB_SNAPLEN_OFFSET = 12;
    static final int IDB_OPTIONS_OFFSET = 16;
    static final int IDB_MIN_LENGTH = 20;
    static final int OPT_END = 0;
    static final int OPT_IF_TSRESOL = 9;
    static final int OPT_IF_TSOFFSET = 14;
    /** Microseconds: the resolution of an interface without if_tsresol. */
    static final int DEFAULT_TSRESOL = 6;

    // enhanced packet block; the obsolete packet block has the same layout with a 16-bit interface id
    static final int EPB_INTERFACE_OFFSET = 8;
    static final int EPB_TIMESTAMP_OFFSET = 12;
    static final int EPB_CAPTURED_LENGTH_OFFSET = 20;
    static final int EPB_ORIGINAL_LENGTH_OFFSET = 24;
    static final int EPB_DATA_OFFSET = 28;
    static final int EPB_MIN_LENGTH = EPB_DATA_OFFSET + BLOCK_TRAILER_LENGTH;
    static final int PB_INTERFACE_OFFSET = 8;

    // simple packet block
    static final int SPB_ORIGINAL_LENGTH_OFFSET = 8;
    static final int SPB_DATA_OFFSET = 12;
    static final int SPB_MIN_LENGTH = SPB_DATA_OFFSET + BLOCK_TRAILER_LENGTH;

    static int blockType(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + BLOCK_TYPE_OFFSET, swap);
    }

    static int blockLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + BLOCK_LENGTH_OFFSET, swap);
    }

    /** The trailing copy of the block length of a block {@code length} bytes long. */
    static int trailerLength(ByteBuffer buf, int offset, int length, boolean swap) {
        return Fields.i32(buf, offset + length - BLOCK_TRAILER_LENGTH, swap);
    }

    static int idbLinkType(ByteBuffer buf, int offset, boolean swap) {
        return Fields.u16(buf, offset + IDB_LINKTYPE_OFFSET, swap);
    }

    static int idbSnaplen(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + IDB_SNAPLEN_OFFSET, swap);
    }

    static int epbInterface(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + EPB_INTERFACE_OFFSET, swap);
    }

    static int pbInterface(ByteBuffer buf, int offset, boolean swap) {
        return Fields.u16(buf, offset + PB_INTERFACE_OFFSET, swap);
    }

    static long epbTimestamp(ByteBuffer buf, int offset, boolean swap) {
        return Fields.highLow(buf, offset + EPB_TIMESTAMP_OFFSET, swap);
    }

    static int epbCapturedLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + EPB_CAPTURED_LENGTH_OFFSET, swap);
    }

    static int epbOriginalLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + EPB_ORIGINAL_LENGTH_OFFSET, swap);
    }

    static int spbOriginalLength(ByteBuffer buf, int offset, boolean swap) {
        return Fields.i32(buf, offset + SPB_ORIGINAL_LENGTH_OFFSET, swap);
    }

    /** A short name for messages, e.g. {@code "enhanced packet block"}. */
    static String blockName(int type) {
        return switch (type) {
            case SECTION_HEADER -> "section header block";
            case INTERFACE_DESCRIPTION -> "interface description block";
            case PACKET -> "packet block";
            case SIMPLE_PACKET -> "simple packet block";
            case NAME_RESOLUTION -> "name resolution block";
            case INTERFACE_STATISTICS -> "interface statistics block";
            case ENHANCED_PACKET -> "enhanced packet block";
            case DECRYPTION_SECRETS -> "decryption secrets block";
            default -> String.format("block type 0x%08x", type);
        };
    }
}
