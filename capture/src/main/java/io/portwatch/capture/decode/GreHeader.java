package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * GRE header (RFC 2784, with the key and sequence number of RFC 2890), IP protocol 47: flags and
 * version, the protocol of the payload (an ethertype), then the checksum, key and sequence number when
 * their flags say so. Version 0 only (version 1 is PPTP's enhanced GRE, which carries PPP); a header
 * with RFC 1701's routing bit is not decapsulated. IP and Ethernet payloads are tunnels of kind
 * {@link TunnelKind#GRE}; ERSPAN's go on to {@link ErspanHeader}.
 */
public final class GreHeader {
    public static final int FLAGS_VERSION_OFFSET = 0;
    public static final int PROTOCOL_OFFSET = 2;
    /** The header without optional fields. */
    public static final int LENGTH = 4;
    /** Each optional field (checksum and reserved, key, sequence number). */
    public static final int OPTION_LENGTH = 4;
    public static final int FLAG_CHECKSUM = 0x8000;
    public static final int FLAG_ROUTING = 0x4000;
    public static final int FLAG_KEY = 0x2000;
    public static final int FLAG_SEQUENCE = 0x1000;
    public static final int VERSION_MASK = 0x0007;
    /** Transparent Ethernet bridging: an Ethernet frame follows. */
    public static final int PROTOCOL_ETHERNET = 0x6558;
    /** ERSPAN type II (with a sequence number) or type I (without, and without an ERSPAN header). */
    public static final int PROTOCOL_ERSPAN_II = 0x88BE;
    public static final int PROTOCOL_ERSPAN_III = 0x22EB;

    private GreHeader() {
    }

    public static int flagsAndVersion(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + FLAGS_VERSION_OFFSET);
    }

    public static int protocol(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + PROTOCOL_OFFSET);
    }

    /** Header length in bytes from the flags: 4, plus 4 for each of checksum, key and sequence number. */
    public static int headerLength(int flags) {
        return LENGTH + OPTION_LENGTH * (Integer.bitCount(flags & (FLAG_CHECKSUM | FLAG_KEY | FLAG_SEQUENCE)));
    }

    /**
     * On {@link InnerFrame#ETHERNET} or {@link InnerFrame#IP} the cursor is at the inner frame and
     * {@code t.kind} says whether it is plain GRE or ERSPAN.
     */
    static int decode(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        int p = c.pos;
        if (c.end - p < LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        int flags = flagsAndVersion(buf, p);
        if ((flags & VERSION_MASK) != 0 || (flags & FLAG_ROUTING) != 0) {
            return InnerFrame.NONE;
        }
        int length = headerLength(flags);
        if (c.ipRemaining() < length) {
            return t.fail(DecodeError.BAD_TUNNEL_HEADER);
        }
        if (c.end - p < length) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        int protocol = protocol(buf, p);
        c.pos = p + length;
        switch (protocol) {
            case EtherType.IPV4:
            case EtherType.IPV6:
                t.kind = TunnelKind.GRE;
                return InnerFrame.IP;
            case PROTOCOL_ETHERNET:
                t.kind = TunnelKind.GRE;
                return InnerFrame.ETHERNET;
            case PROTOCOL_ERSPAN_II:
                if ((flags & FLAG_SEQUENCE) == 0) {
                    t.kind = TunnelKind.ERSPAN_I; // no ERSPAN header: the mirrored frame follows at once
                    return InnerFrame.ETHERNET;
                }
                t.kind = TunnelKind.ERSPAN_II;
                return ErspanHeader.decodeTypeII(buf, c, t);
            case PROTOCOL_ERSPAN_III:
                t.kind = TunnelKind.ERSPAN_III;
                return ErspanHeader.decodeTypeIII(buf, c, t);
            default:
                return InnerFrame.NONE;
        }
    }
}
