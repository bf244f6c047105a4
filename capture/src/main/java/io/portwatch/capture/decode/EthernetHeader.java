package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** Ethernet II / IEEE 802.3 header (link type EN10MB): two MAC addresses and a type-or-length field. */
public final class EthernetHeader {
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    public static final int LENGTH = 14;
    /** Type/length values up to this are an 802.3 frame length (an LLC header follows), not an ethertype. */
    public static final int MAX_8023_LENGTH = 1500;

    private EthernetHeader() {
    }

    /** Destination MAC as the low 48 bits of a long. */
    public static long destination(ByteBuffer buf, int offset) {
        return mac(buf, offset + DESTINATION_OFFSET);
    }

    /** Source MAC as the low 48 bits of a long. */
    public static long source(ByteBuffer buf, int offset) {
        return mac(buf, offset + SOURCE_OFFSET);
    }

    /** The ethertype, or the 802.3 length when at most {@link #MAX_8023_LENGTH}. */
    public static int typeOrLength(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + TYPE_OFFSET);
    }

    private static long mac(ByteBuffer buf, int index) {
        return ((long) FrameCursor.u16(buf, index) << 32) | (buf.getInt(index + 2) & 0xFFFF_FFFFL);
    }

    /** Skips the header and whatever tags follow; on CONTINUE the cursor is at the IP header. */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        int type = typeOrLength(buf, c.pos);
        c.pos += LENGTH;
        return EtherType.decode(buf, c, type, out);
    }
}
