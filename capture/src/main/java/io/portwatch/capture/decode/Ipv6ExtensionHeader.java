package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * IPv6 extension headers: the generic layout (next header, length) shared by hop-by-hop, routing,
 * destination options and mobility; the authentication header's length in 4-byte units; and the
 * fixed 8-byte fragment header. ESP and "no next header" end the chain like an upper-layer protocol.
 */
public final class Ipv6ExtensionHeader {
    public static final int HOP_BY_HOP = 0;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int ESP = 50;
    public static final int AUTHENTICATION = 51;
    public static final int NO_NEXT_HEADER = 59;
    public static final int DESTINATION_OPTIONS = 60;
    public static final int MOBILITY = 135;

    public static final int NEXT_HEADER_OFFSET = 0;
    public static final int LENGTH_OFFSET = 1;
    /** Fragment header: offset (13 bits, in 8-byte units), 2 reserved bits, M flag. */
    public static final int FRAGMENT_OFFSET_FLAGS_OFFSET = 2;
    public static final int FRAGMENT_ID_OFFSET = 4;
    public static final int FRAGMENT_LENGTH = 8;
    public static final int FRAGMENT_OFFSET_MASK = 0xFFF8;
    public static final int FRAGMENT_MORE = 0x0001;
    /** A longer chain than this is {@link DecodeError#BAD_IPV6_EXTENSION}. */
    public static final int MAX_HEADERS = 10;

    private Ipv6ExtensionHeader() {
    }

    /** True for the headers this decoder walks through (not ESP or no-next-header). */
    public static boolean isExtension(int nextHeader) {
        switch (nextHeader) {
            case HOP_BY_HOP:
            case ROUTING:
            case FRAGMENT:
            case AUTHENTICATION:
            case DESTINATION_OPTIONS:
            case MOBILITY:
                return true;
            default:
                return false;
        }
    }

    public static int nextHeader(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + NEXT_HEADER_OFFSET);
    }

    /** The length in bytes of the extension header {@code type} at {@code offset} (2 bytes must be there). */
    public static int headerLength(ByteBuffer buf, int offset, int type) {
        if (type == FRAGMENT) {
            return FRAGMENT_LENGTH;
        }
        int units = FrameCursor.u8(buf, offset + LENGTH_OFFSET);
        return type == AUTHENTICATION ? (units + 2) << 2 : (units + 1) << 3;
    }

    /** Fragment header: offset in bytes. */
    public static int fragmentOffset(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + FRAGMENT_OFFSET_FLAGS_OFFSET) & FRAGMENT_OFFSET_MASK;
    }

    /** Fragment header: the M (more fragments) flag. */
    public static boolean moreFragments(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + FRAGMENT_OFFSET_FLAGS_OFFSET) & FRAGMENT_MORE) != 0;
    }

    /** Fragment header: the 32-bit identification, unsigned. */
    public static long fragmentId(ByteBuffer buf, int offset) {
        return buf.getInt(offset + FRAGMENT_ID_OFFSET) & 0xFFFF_FFFFL;
    }

    /**
     * Walks the chain starting with header {@code nextHeader} at {@code c.pos}. Returns CONTINUE with
     * {@code c.next} and {@code out.protocol} set to the upper-layer protocol, KIND_FRAGMENT for a
     * non-first fragment, or an error: BAD_IPV6_EXTENSION when a header runs past the payload or the
     * chain is too long, TRUNCATED_IP when the capture ends inside the chain.
     */
    static int decode(ByteBuffer buf, FrameCursor c, int nextHeader, DecodedPacket out) {
        int count = 0;
        while (isExtension(nextHeader)) {
            out.protocol = nextHeader;
            if (++count > MAX_HEADERS) {
                return FrameCursor.fail(out, DecodeError.BAD_IPV6_EXTENSION);
            }
            int p = c.pos;
            if (c.ipEnd - p < 2) {
                return FrameCursor.fail(out, DecodeError.BAD_IPV6_EXTENSION);
            }
            if (c.end - p < 2) {
                return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
            }
            int length = headerLength(buf, p, nextHeader);
            if (c.ipEnd - p < length) {
                return FrameCursor.fail(out, DecodeError.BAD_IPV6_EXTENSION);
            }
            if (c.end - p < length) {
                return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
            }
            int type = nextHeader;
            nextHeader = nextHeader(buf, p);
            c.pos = p + length;
            if (type == FRAGMENT) {
                int fragmentOffset = fragmentOffset(buf, p);
                boolean more = moreFragments(buf, p);
                if (fragmentOffset != 0 || more) {
                    out.fragmented = true;
                    out.fragmentId = fragmentId(buf, p);
                    out.fragmentOffset = fragmentOffset;
                    out.moreFragments = more;
                    if (fragmentOffset != 0) {
                        out.protocol = nextHeader;
                        return DecodedPacket.KIND_FRAGMENT;
                    }
                }
            }
        }
        out.protocol = nextHeader;
        c.next = nextHeader;
        return FrameCursor.CONTINUE;
    }
}
