package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** TCP header (RFC 9293): ports, flags and data offset; options are skipped. */
public final class TcpHeader {
    public static final int SOURCE_PORT_OFFSET = 0;
    public static final int DESTINATION_PORT_OFFSET = 2;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int ACKNOWLEDGMENT_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    /** The header without options. */
    public static final int MIN_LENGTH = 20;
    /** The ports. */
    public static final int PORTS_LENGTH = 4;
    /** Ports through flags. */
    public static final int FLAGS_LENGTH = 14;
    /**
     * What must be captured to report the packet: the ports, as for UDP. A header cut by the snap
     * length after them still counts its flow (tcpdump prints it as {@code [|tcp]}, tshark shows its
     * ports), with its flags unknown: 0, which changes no TCP state but "seen".
     */
    public static final int REQUIRED_LENGTH = PORTS_LENGTH;

    private TcpHeader() {
    }

    public static int sourcePort(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + SOURCE_PORT_OFFSET);
    }

    public static int destinationPort(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + DESTINATION_PORT_OFFSET);
    }

    /** Sequence number, unsigned. */
    public static long sequence(ByteBuffer buf, int offset) {
        return buf.getInt(offset + SEQUENCE_OFFSET) & 0xFFFF_FFFFL;
    }

    /** Acknowledgment number, unsigned. */
    public static long acknowledgment(ByteBuffer buf, int offset) {
        return buf.getInt(offset + ACKNOWLEDGMENT_OFFSET) & 0xFFFF_FFFFL;
    }

    /** Header length in bytes (data offset times 4). */
    public static int headerLength(ByteBuffer buf, int offset) {
        return (FrameCursor.u8(buf, offset + DATA_OFFSET_OFFSET) >>> 4) << 2;
    }

    /** The flags byte, FIN (0x01) to CWR (0x80). */
    public static int flags(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + FLAGS_OFFSET);
    }

    public static int window(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + WINDOW_OFFSET);
    }

    /**
     * Fills ports, flags and payload length; KIND_TRANSPORT or an error. When the capture ends after
     * the ports but before the flags, the flags are 0 and the payload is the IP payload less a
     * minimal header (the data offset may not be captured either).
     */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        int ipPayload = c.ipRemaining();
        if (ipPayload < MIN_LENGTH) {
            return FrameCursor.fail(out, DecodeError.BAD_TCP_HEADER);
        }
        int captured = c.end - p;
        if (captured < PORTS_LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_TRANSPORT);
        }
        out.srcPort = sourcePort(buf, p);
        out.dstPort = destinationPort(buf, p);
        if (captured < FLAGS_LENGTH) {
            out.payloadLength = ipPayload - MIN_LENGTH;
            return DecodedPacket.KIND_TRANSPORT;
        }
        out.tcpFlags = flags(buf, p);
        int headerLength = headerLength(buf, p);
        if (headerLength < MIN_LENGTH || headerLength > ipPayload) {
            return FrameCursor.fail(out, DecodeError.BAD_TCP_HEADER);
        }
        out.payloadLength = ipPayload - headerLength;
        return DecodedPacket.KIND_TRANSPORT;
    }
}
