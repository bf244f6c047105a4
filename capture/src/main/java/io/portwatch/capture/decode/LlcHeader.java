package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * IEEE 802.2 LLC header of an 802.3 length frame, with the SNAP extension (DSAP/SSAP 0xAA, UI) that
 * can carry an ethertype. Only SNAP with the zero OUI (RFC 1042) carries IP; other LLC is non-IP.
 */
public final class LlcHeader {
    public static final int DSAP_OFFSET = 0;
    public static final int SSAP_OFFSET = 1;
    public static final int CONTROL_OFFSET = 2;
    public static final int LENGTH = 3;
    public static final int SNAP_OUI_OFFSET = 3;
    public static final int SNAP_TYPE_OFFSET = 6;
    public static final int SNAP_LENGTH = 8;
    public static final int SAP_SNAP = 0xAA;
    public static final int CONTROL_UI = 0x03;

    private LlcHeader() {
    }

    public static int dsap(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + DSAP_OFFSET);
    }

    public static int ssap(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + SSAP_OFFSET);
    }

    public static int control(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + CONTROL_OFFSET);
    }

    /** True when the header is SNAP (DSAP and SSAP 0xAA, control UI). */
    public static boolean isSnap(ByteBuffer buf, int offset) {
        return dsap(buf, offset) == SAP_SNAP && ssap(buf, offset) == SAP_SNAP
                && control(buf, offset) == CONTROL_UI;
    }

    /** The 24-bit SNAP organization code. */
    public static int snapOui(ByteBuffer buf, int offset) {
        return (FrameCursor.u8(buf, offset + SNAP_OUI_OFFSET) << 16)
                | FrameCursor.u16(buf, offset + SNAP_OUI_OFFSET + 1);
    }

    /** The SNAP protocol id (an ethertype when the OUI is 0). */
    public static int snapType(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + SNAP_TYPE_OFFSET);
    }

    /** On CONTINUE, {@code c.next} is the ethertype SNAP carries and {@code c.pos} is past the header. */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        if (!isSnap(buf, p)) {
            return DecodedPacket.KIND_NON_IP;
        }
        if (c.remaining() < SNAP_LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        if (snapOui(buf, p) != 0) {
            return DecodedPacket.KIND_NON_IP;
        }
        c.next = snapType(buf, p);
        c.pos = p + SNAP_LENGTH;
        return FrameCursor.CONTINUE;
    }
}
