package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** PPPoE session header (RFC 2516) and the PPP protocol field after it. */
public final class PppoeHeader {
    public static final int VERSION_TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int SESSION_ID_OFFSET = 2;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int LENGTH = 6;
    /** Where the PPP protocol field starts (2 bytes, or 1 with protocol field compression). */
    public static final int PPP_PROTOCOL_OFFSET = 6;
    /** Version 1, type 1. */
    public static final int VERSION_TYPE = 0x11;
    public static final int CODE_SESSION_DATA = 0x00;
    public static final int PPP_IPV4 = 0x0021;
    public static final int PPP_IPV6 = 0x0057;

    private PppoeHeader() {
    }

    public static int versionType(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + VERSION_TYPE_OFFSET);
    }

    public static int code(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + CODE_OFFSET);
    }

    public static int sessionId(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + SESSION_ID_OFFSET);
    }

    public static int payloadLength(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PAYLOAD_LENGTH_OFFSET);
    }

    /** On CONTINUE, {@code c.next} is the IP ethertype and {@code c.pos} is past the PPP protocol. */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        if (c.remaining() < PPP_PROTOCOL_OFFSET + 1) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        if (versionType(buf, p) != VERSION_TYPE || code(buf, p) != CODE_SESSION_DATA) {
            return DecodedPacket.KIND_NON_IP;
        }
        int protocol = FrameCursor.u8(buf, p + PPP_PROTOCOL_OFFSET);
        int headerLength = PPP_PROTOCOL_OFFSET + 1;
        if ((protocol & 1) == 0) {
            // a full two-byte protocol; an odd first byte is a compressed one-byte protocol
            if (c.remaining() < PPP_PROTOCOL_OFFSET + 2) {
                return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
            }
            protocol = FrameCursor.u16(buf, p + PPP_PROTOCOL_OFFSET);
            headerLength++;
        }
        if (protocol == PPP_IPV4) {
            c.next = EtherType.IPV4;
        } else if (protocol == PPP_IPV6) {
            c.next = EtherType.IPV6;
        } else {
            return DecodedPacket.KIND_NON_IP;
        }
        c.pos = p + headerLength;
        return FrameCursor.CONTINUE;
    }
}
