package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** UDP header (RFC 768). */
public final class UdpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int LENGTH = 8;
    /** The largest length the 16-bit field can state. */
    public static final int MAX_LENGTH = 0xFFFF;
    /** What must be captured to report the packet: the ports. */
    public static final int REQUIRED_LENGTH = 4;

    private UdpHeader() {
    }

    public static int sourcePort(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + SOURCE_PORT_OFFSET);
    }

    public static int destinationPort(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + DESTINATION_PORT_OFFSET);
    }

    /** The UDP length field: header plus data, 0 in an IPv6 jumbogram. */
    public static int length(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + LENGTH_OFFSET);
    }

    /**
     * Fills ports and payload length; KIND_TRANSPORT or an error. The length field is checked when
     * captured; a first fragment's length covers the whole datagram, so it may exceed this packet. A
     * length of 0 is accepted in IPv6 (jumbograms) and when the IP payload is too long for the field
     * (an IPv4 GSO/BIG TCP segment captured before segmentation, IP total length 0).
     */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        int ipPayload = c.ipRemaining();
        if (ipPayload < LENGTH) {
            return FrameCursor.fail(out, DecodeError.BAD_UDP_HEADER);
        }
        int captured = c.end - p;
        if (captured < REQUIRED_LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_TRANSPORT);
        }
        out.srcPort = sourcePort(buf, p);
        out.dstPort = destinationPort(buf, p);
        int payload = ipPayload - LENGTH;
        if (captured >= LENGTH_OFFSET + 2) {
            int length = length(buf, p);
            if (length == 0 && (out.ipVersion == 6 || ipPayload > MAX_LENGTH)) {
                payload = ipPayload - LENGTH; // jumbogram (RFC 2675), or a GSO/BIG TCP segment past 64 KiB
            } else if (length < LENGTH || (length > ipPayload && !out.moreFragments)) {
                return FrameCursor.fail(out, DecodeError.BAD_UDP_HEADER);
            } else if (!out.moreFragments) {
                payload = length - LENGTH;
            }
        }
        out.payloadLength = payload;
        return DecodedPacket.KIND_TRANSPORT;
    }
}
