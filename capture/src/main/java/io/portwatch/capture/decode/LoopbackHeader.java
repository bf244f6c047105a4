package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * BSD loopback header: a 4-byte address family. For NULL it is in the writer's byte order (both are
 * accepted); for LOOP it is big-endian. IPv6 has a different AF_INET6 value on each OS.
 */
public final class LoopbackHeader {
    public static final int FAMILY_OFFSET = 0;
    public static final int LENGTH = 4;
    public static final int AF_INET = 2;
    public static final int AF_INET6_LINUX = 10;
    /** NetBSD, OpenBSD, BSD/OS. */
    public static final int AF_INET6_BSD = 24;
    public static final int AF_INET6_FREEBSD = 28;
    public static final int AF_INET6_DARWIN = 30;

    private LoopbackHeader() {
    }

    /** The family as written big-endian (LOOP). */
    public static int familyBigEndian(ByteBuffer buf, int offset) {
        return buf.getInt(offset + FAMILY_OFFSET);
    }

    /**
     * The family in either byte order (NULL): families are small numbers, so a value with any of its
     * upper 16 bits set was written little-endian.
     */
    public static int familyAnyOrder(ByteBuffer buf, int offset) {
        int family = buf.getInt(offset + FAMILY_OFFSET);
        return (family & 0xFFFF_0000) != 0 ? Integer.reverseBytes(family) : family;
    }

    /** The ethertype for an address family: IPv4, IPv6, or -1. */
    public static int etherTypeOf(int family) {
        switch (family) {
            case AF_INET:
                return EtherType.IPV4;
            case AF_INET6_LINUX:
            case AF_INET6_BSD:
            case AF_INET6_FREEBSD:
            case AF_INET6_DARWIN:
                return EtherType.IPV6;
            default:
                return -1;
        }
    }

    /** Decodes a NULL ({@code anyOrder}) or LOOP header. */
    static int decode(ByteBuffer buf, FrameCursor c, boolean anyOrder, DecodedPacket out) {
        if (c.remaining() < LENGTH) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
        }
        int family = anyOrder ? familyAnyOrder(buf, c.pos) : familyBigEndian(buf, c.pos);
        int type = etherTypeOf(family);
        if (type < 0) {
            return DecodedPacket.KIND_NON_IP;
        }
        c.next = type;
        c.pos += LENGTH;
        return FrameCursor.CONTINUE;
    }
}
