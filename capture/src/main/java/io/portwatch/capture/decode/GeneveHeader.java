package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * Geneve header (RFC 8926), after UDP to port 6081: version and options length, flags, the protocol
 * of the payload (an ethertype), the 24-bit VNI, then options, which are skipped by their length.
 */
public final class GeneveHeader {
    public static final int VERSION_OPTIONS_OFFSET = 0;
    public static final int FLAGS_OFFSET = 1;
    public static final int PROTOCOL_OFFSET = 2;
    public static final int VNI_OFFSET = 4;
    /** The header without options. */
    public static final int LENGTH = 8;
    /** Protocol type of an Ethernet payload (transparent Ethernet bridging). */
    public static final int PROTOCOL_ETHERNET = 0x6558;
    /** The IANA port. */
    public static final int PORT = 6081;

    private GeneveHeader() {
    }

    /** The 2-bit version (0 is the only one defined). */
    public static int version(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + VERSION_OPTIONS_OFFSET) >>> 6;
    }

    /** Length of the options in bytes (the 6-bit field counts 4-byte words). */
    public static int optionsLength(ByteBuffer buf, int offset) {
        return (FrameCursor.u8(buf, offset + VERSION_OPTIONS_OFFSET) & 0x3F) << 2;
    }

    public static int protocol(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PROTOCOL_OFFSET);
    }

    public static int vni(ByteBuffer buf, int offset) {
        return buf.getInt(offset + VNI_OFFSET) >>> 8;
    }

    /** On {@link InnerFrame#ETHERNET} or {@link InnerFrame#IP} the cursor is at the inner frame. */
    static int decode(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        int p = c.pos;
        if (c.end - p < LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        if (version(buf, p) != 0) {
            return InnerFrame.NONE;
        }
        int length = LENGTH + optionsLength(buf, p);
        if (c.ipRemaining() < length) {
            return t.fail(DecodeError.BAD_TUNNEL_HEADER);
        }
        if (c.end - p < length) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        int protocol = protocol(buf, p);
        c.pos = p + length;
        switch (protocol) {
            case PROTOCOL_ETHERNET:
                return InnerFrame.ETHERNET;
            case EtherType.IPV4:
            case EtherType.IPV6:
                return InnerFrame.IP;
            default:
                return InnerFrame.NONE;
        }
    }
}
