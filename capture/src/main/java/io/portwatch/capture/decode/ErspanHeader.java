package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * ERSPAN header (draft-foschiano-erspan), after GRE: type II (version 1, 8 bytes) or type III (version
 * 2, 12 bytes, then an 8-byte platform-specific subheader when its O flag is set), then the mirrored
 * frame. Type III says the frame's type: only Ethernet (0) is decapsulated, as tshark does.
 */
public final class ErspanHeader {
    public static final int VERSION_VLAN_OFFSET = 0;
    public static final int SESSION_OFFSET = 2;
    public static final int INDEX_OFFSET = 4;
    public static final int TYPE_II_LENGTH = 8;
    public static final int TIMESTAMP_OFFSET = 4;
    public static final int SGT_OFFSET = 8;
    /** P, frame type, hardware id, D, granularity and O, in the type III header. */
    public static final int TYPE_III_FLAGS_OFFSET = 10;
    public static final int TYPE_III_LENGTH = 12;
    /** The optional platform-specific subheader of type III. */
    public static final int PLATFORM_LENGTH = 8;
    public static final int VERSION_TYPE_II = 1;
    public static final int VERSION_TYPE_III = 2;
    public static final int FLAG_OPTIONAL = 0x0001;
    public static final int FRAME_TYPE_ETHERNET = 0;

    private ErspanHeader() {
    }

    public static int version(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + VERSION_VLAN_OFFSET) >>> 4;
    }

    /** The VLAN of the mirrored frame's source. */
    public static int vlan(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + VERSION_VLAN_OFFSET) & 0x0FFF;
    }

    public static int sessionId(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + SESSION_OFFSET) & 0x03FF;
    }

    /** Type III: the 5-bit frame type (0 Ethernet). */
    public static int frameType(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + TYPE_III_FLAGS_OFFSET) >>> 10) & 0x1F;
    }

    /** Type III: whether the platform-specific subheader follows. */
    public static boolean hasPlatformSubheader(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + TYPE_III_FLAGS_OFFSET) & FLAG_OPTIONAL) != 0;
    }

    /** On {@link InnerFrame#ETHERNET} the cursor is at the mirrored frame. */
    static int decodeTypeII(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        if (c.end - c.pos < TYPE_II_LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        if (version(buf, c.pos) != VERSION_TYPE_II) {
            return InnerFrame.NONE;
        }
        c.pos += TYPE_II_LENGTH;
        return InnerFrame.ETHERNET;
    }

    /** On {@link InnerFrame#ETHERNET} the cursor is at the mirrored frame. */
    static int decodeTypeIII(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        int p = c.pos;
        if (c.end - p < TYPE_III_LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        if (version(buf, p) != VERSION_TYPE_III || frameType(buf, p) != FRAME_TYPE_ETHERNET) {
            return InnerFrame.NONE;
        }
        int length = TYPE_III_LENGTH + (hasPlatformSubheader(buf, p) ? PLATFORM_LENGTH : 0);
        if (c.end - p < length) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        c.pos = p + length;
        return InnerFrame.ETHERNET;
    }
}
