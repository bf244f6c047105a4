package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** Linux cooked capture v2 header (LINUX_SLL2, 20 bytes); the protocol field comes first. */
public final class LinuxSll2Header {
    public static final int PROTOCOL_OFFSET = 0;
    public static final int RESERVED_OFFSET = 2;
    public static final int INTERFACE_INDEX_OFFSET = 4;
    public static final int ARPHRD_TYPE_OFFSET = 8;
    public static final int PACKET_TYPE_OFFSET = 10;
    public static final int ADDRESS_LENGTH_OFFSET = 11;
    public static final int ADDRESS_OFFSET = 12;
    public static final int LENGTH = 20;

    private LinuxSll2Header() {
    }

    public static int protocol(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PROTOCOL_OFFSET);
    }

    public static int interfaceIndex(ByteBuffer buf, int offset) {
        return buf.getInt(offset + INTERFACE_INDEX_OFFSET);
    }

    public static int arphrdType(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + ARPHRD_TYPE_OFFSET);
    }

    public static int packetType(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + PACKET_TYPE_OFFSET);
    }

    public static int addressLength(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + ADDRESS_LENGTH_OFFSET);
    }

    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        int protocol = protocol(buf, c.pos);
        c.pos += LENGTH;
        return LinuxSllHeader.decodeProtocol(buf, c, protocol, out);
    }
}
