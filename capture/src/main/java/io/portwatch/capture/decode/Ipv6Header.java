package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** IPv6 fixed header (RFC 8200); the extension headers after it are {@link Ipv6ExtensionHeader}. */
public final class Ipv6Header {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SOURCE_OFFSET = 8;
    public static final int DESTINATION_OFFSET = 24;
    public static final int LENGTH = 40;

    private Ipv6Header() {
    }

    public static int version(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + VERSION_CLASS_FLOW_OFFSET) >>> 4;
    }

    public static int trafficClass(ByteBuffer buf, int offset) {
        return (buf.getInt(offset + VERSION_CLASS_FLOW_OFFSET) >>> 20) & 0xFF;
    }

    public static int flowLabel(ByteBuffer buf, int offset) {
        return buf.getInt(offset + VERSION_CLASS_FLOW_OFFSET) & 0x000F_FFFF;
    }

    /** Payload length (0 in a jumbogram or a TSO-sized segment). */
    public static int payloadLength(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PAYLOAD_LENGTH_OFFSET);
    }

    public static int nextHeader(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + NEXT_HEADER_OFFSET);
    }

    public static int hopLimit(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + HOP_LIMIT_OFFSET);
    }

    /** High 64 bits of the source address. */
    public static long sourceHi(ByteBuffer buf, int offset) {
        return buf.getLong(offset + SOURCE_OFFSET);
    }

    public static long sourceLo(ByteBuffer buf, int offset) {
        return buf.getLong(offset + SOURCE_OFFSET + 8);
    }

    public static long destinationHi(ByteBuffer buf, int offset) {
        return buf.getLong(offset + DESTINATION_OFFSET);
    }

    public static long destinationLo(ByteBuffer buf, int offset) {
        return buf.getLong(offset + DESTINATION_OFFSET + 8);
    }

    /**
     * Fills version, addresses and length, then walks the extension headers. Returns CONTINUE with
     * the cursor at the upper-layer header and {@code c.next} its protocol, KIND_FRAGMENT, or an error.
     */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
        }
        if (version(buf, p) != 6) {
            return FrameCursor.fail(out, DecodeError.BAD_IPV6_HEADER);
        }
        out.ipVersion = 6;
        out.srcHi = sourceHi(buf, p);
        out.srcLo = sourceLo(buf, p);
        out.dstHi = destinationHi(buf, p);
        out.dstLo = destinationLo(buf, p);
        int nextHeader = nextHeader(buf, p);
        int payloadLength = payloadLength(buf, p);
        int ipLength;
        if (payloadLength != 0 || nextHeader == Ipv6ExtensionHeader.NO_NEXT_HEADER) {
            ipLength = LENGTH + payloadLength;
        } else {
            // a jumbogram (RFC 2675) or a TSO/BIG TCP segment: the frame tells the length
            ipLength = Math.max(LENGTH, c.wireRemaining());
        }
        out.ipLength = ipLength;
        out.protocol = nextHeader;
        c.ipEnd(p, ipLength);
        c.pos = p + LENGTH;
        return Ipv6ExtensionHeader.decode(buf, c, nextHeader, out);
    }
}
