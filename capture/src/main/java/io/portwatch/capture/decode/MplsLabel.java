package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * One MPLS label stack entry (RFC 3032). The stack is walked to its bottom entry; the payload is IP
 * when its first nibble is 4 or 6, anything else (pseudowires, ...) is non-IP.
 */
public final class MplsLabel {
    public static final int ENTRY_OFFSET = 0;
    public static final int LENGTH = 4;
    /** A deeper label stack than this is treated as non-IP. */
    public static final int MAX_LABELS = 8;

    private MplsLabel() {
    }

    /** The 20-bit label. */
    public static int label(ByteBuffer buf, int offset) {
        return buf.getInt(offset + ENTRY_OFFSET) >>> 12;
    }

    /** The 3-bit traffic class. */
    public static int trafficClass(ByteBuffer buf, int offset) {
        return (buf.getInt(offset + ENTRY_OFFSET) >>> 9) & 0x7;
    }

    /** The bottom-of-stack bit. */
    public static boolean bottomOfStack(ByteBuffer buf, int offset) {
        return (buf.getInt(offset + ENTRY_OFFSET) & 0x100) != 0;
    }

    public static int ttl(ByteBuffer buf, int offset) {
        return buf.getInt(offset + ENTRY_OFFSET) & 0xFF;
    }

    /** On CONTINUE, {@code c.next} is the IP ethertype and {@code c.pos} is past the bottom label. */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        for (int n = 0; ; n++) {
            if (n == MAX_LABELS) {
                return DecodedPacket.KIND_NON_IP;
            }
            if (c.remaining() < LENGTH) {
                return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
            }
            boolean bottom = bottomOfStack(buf, c.pos);
            c.pos += LENGTH;
            if (bottom) {
                break;
            }
        }
        if (c.remaining() < 1) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        int version = FrameCursor.u8(buf, c.pos) >>> 4;
        if (version == 4) {
            c.next = EtherType.IPV4;
        } else if (version == 6) {
            c.next = EtherType.IPV6;
        } else {
            return DecodedPacket.KIND_NON_IP;
        }
        return FrameCursor.CONTINUE;
    }
}
