package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** IPv4 header (RFC 791). Options are skipped; fragments are reported, not reassembled. */
public final class Ipv4Header {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SOURCE_OFFSET = 12;
    public static final int DESTINATION_OFFSET = 16;
    /** The header without options. */
    public static final int MIN_LENGTH = 20;
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    /** The upper half of the low long of an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}). */
    public static final long MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    private Ipv4Header() {
    }

    /** The version nibble (the same place in IPv4 and IPv6). */
    public static int version(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + VERSION_IHL_OFFSET) >>> 4;
    }

    /** Header length in bytes (IHL times 4). */
    public static int headerLength(ByteBuffer buf, int offset) {
        return (FrameCursor.u8(buf, offset + VERSION_IHL_OFFSET) & 0x0F) << 2;
    }

    public static int tos(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + TOS_OFFSET);
    }

    public static int totalLength(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + TOTAL_LENGTH_OFFSET);
    }

    public static int identification(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + IDENTIFICATION_OFFSET);
    }

    public static boolean dontFragment(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_DONT_FRAGMENT) != 0;
    }

    public static boolean moreFragments(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + FLAGS_FRAGMENT_OFFSET) & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes. */
    public static int fragmentOffset(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) << 3;
    }

    public static int ttl(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + TTL_OFFSET);
    }

    public static int protocol(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + PROTOCOL_OFFSET);
    }

    public static int source(ByteBuffer buf, int offset) {
        return buf.getInt(offset + SOURCE_OFFSET);
    }

    public static int destination(ByteBuffer buf, int offset) {
        return buf.getInt(offset + DESTINATION_OFFSET);
    }

    /** The low long of the IPv4-mapped IPv6 form of an address (the high long is 0). */
    public static long mapped(int address) {
        return MAPPED_PREFIX | (address & 0xFFFF_FFFFL);
    }

    /**
     * Fills version, addresses, protocol, length and fragment fields. Returns CONTINUE with the cursor
     * at the transport header, KIND_FRAGMENT for a non-first fragment, or an error.
     */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        if (c.remaining() < MIN_LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
        }
        int versionIhl = FrameCursor.u8(buf, p);
        int headerLength = (versionIhl & 0x0F) << 2;
        if ((versionIhl >>> 4) != 4 || headerLength < MIN_LENGTH) {
            return FrameCursor.fail(out, DecodeError.BAD_IPV4_HEADER);
        }
        int totalLength = totalLength(buf, p);
        if (totalLength == 0) {
            // TCP segmentation offload: the capture saw the segment before the NIC split it
            totalLength = c.wireRemaining();
        }
        if (totalLength < headerLength) {
            return FrameCursor.fail(out, DecodeError.BAD_IPV4_HEADER);
        }
        out.ipVersion = 4;
        out.srcLo = mapped(source(buf, p));
        out.dstLo = mapped(destination(buf, p));
        int protocol = protocol(buf, p);
        out.protocol = protocol;
        out.ipLength = totalLength;

        int flagsOffset = FrameCursor.u16(buf, p + FLAGS_FRAGMENT_OFFSET);
        int fragmentOffset = (flagsOffset & FRAGMENT_OFFSET_MASK) << 3;
        boolean more = (flagsOffset & FLAG_MORE_FRAGMENTS) != 0;
        if (more || fragmentOffset != 0) {
            out.fragmented = true;
            out.fragmentId = identification(buf, p);
            out.fragmentOffset = fragmentOffset;
            out.moreFragments = more;
            if (fragmentOffset != 0) {
                return DecodedPacket.KIND_FRAGMENT;
            }
        }
        if (c.remaining() < headerLength) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
        }
        c.ipEnd(p, totalLength);
        c.pos = p + headerLength;
        c.next = protocol;
        return FrameCursor.CONTINUE;
    }
}
