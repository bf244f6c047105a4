package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** Linux cooked capture v1 header (LINUX_SLL, 16 bytes); the protocol field is an ethertype. */
public final class LinuxSllHeader {
    public static final int PACKET_TYPE_OFFSET = 0;
    public static final int ARPHRD_TYPE_OFFSET = 2;
    public static final int ADDRESS_LENGTH_OFFSET = 4;
    public static final int ADDRESS_OFFSET = 6;
    public static final int PROTOCOL_OFFSET = 14;
    public static final int LENGTH = 16;
    /** Protocol values below this are Linux ETH_P_* pseudo-protocols, not ethertypes. */
    public static final int MIN_ETHERTYPE = 0x0600;
    /** ETH_P_802_2: an 802.2 LLC header follows. */
    public static final int PROTOCOL_LLC = 0x0004;

    private LinuxSllHeader() {
    }

    /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
    public static int packetType(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PACKET_TYPE_OFFSET);
    }

    /** The ARPHRD_* type of the interface. */
    public static int arphrdType(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + ARPHRD_TYPE_OFFSET);
    }

    public static int addressLength(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + ADDRESS_LENGTH_OFFSET);
    }

    public static int protocol(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PROTOCOL_OFFSET);
    }

    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        int protocol = protocol(buf, c.pos);
        c.pos += LENGTH;
        return decodeProtocol(buf, c, protocol, out);
    }

    /** The cooked protocol field, shared with {@link LinuxSll2Header}. */
    static int decodeProtocol(ByteBuffer buf, FrameCursor c, int protocol, DecodedPacket out) {
        if (protocol < MIN_ETHERTYPE && protocol != PROTOCOL_LLC) {
            return DecodedPacket.KIND_NON_IP;
        }
        return EtherType.decode(buf, c, protocol, out);
    }
}
