package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443) header: type and code. Error messages quote the offending
 * packet after the 8-byte header; its IP header and first transport bytes fill the {@code quoted*}
 * fields, best effort (a short or malformed quote leaves them unset).
 */
public final class IcmpHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    public static final int LENGTH = 8;
    /** Where an error message's quoted packet starts. */
    public static final int QUOTED_OFFSET = 8;

    public static final int V4_DESTINATION_UNREACHABLE = 3;
    public static final int V4_SOURCE_QUENCH = 4;
    public static final int V4_REDIRECT = 5;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;
    public static final int V6_DESTINATION_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;

    private IcmpHeader() {
    }

    public static int type(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + TYPE_OFFSET);
    }

    public static int code(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + CODE_OFFSET);
    }

    /** True for the ICMP (v4) types that quote the offending packet. */
    public static boolean isV4Error(int type) {
        return type == V4_DESTINATION_UNREACHABLE || type == V4_SOURCE_QUENCH || type == V4_REDIRECT
                || type == V4_TIME_EXCEEDED || type == V4_PARAMETER_PROBLEM;
    }

    /** True for the ICMPv6 types that quote the offending packet. */
    public static boolean isV6Error(int type) {
        return type >= V6_DESTINATION_UNREACHABLE && type <= V6_PARAMETER_PROBLEM;
    }

    /** Fills type, code and any quoted packet; always KIND_OTHER_IP. */
    static int decode(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int p = c.pos;
        int end = (int) Math.min(c.end, c.ipEnd);
        if (end - p < 2) {
            return DecodedPacket.KIND_OTHER_IP;
        }
        int type = type(buf, p);
        out.icmpType = type;
        out.icmpCode = code(buf, p);
        if (end - p < QUOTED_OFFSET) {
            return DecodedPacket.KIND_OTHER_IP;
        }
        int quoted = p + QUOTED_OFFSET;
        if (out.protocol == DecodedPacket.PROTO_ICMP) {
            if (out.ipVersion == 4 && isV4Error(type)) {
                quotedIpv4(buf, quoted, end, out);
            }
        } else if (out.ipVersion == 6 && isV6Error(type)) {
            quotedIpv6(buf, quoted, end, out);
        }
        return DecodedPacket.KIND_OTHER_IP;
    }

    private static void quotedIpv4(ByteBuffer buf, int q, int end, DecodedPacket out) {
        if (end - q < Ipv4Header.MIN_LENGTH) {
            return;
        }
        int headerLength = Ipv4Header.headerLength(buf, q);
        if (Ipv4Header.version(buf, q) != 4 || headerLength < Ipv4Header.MIN_LENGTH) {
            return;
        }
        out.hasQuoted = true;
        int protocol = Ipv4Header.protocol(buf, q);
        out.quotedProtocol = protocol;
        out.quotedSrcLo = Ipv4Header.mapped(Ipv4Header.source(buf, q));
        out.quotedDstLo = Ipv4Header.mapped(Ipv4Header.destination(buf, q));
        if (Ipv4Header.fragmentOffset(buf, q) == 0) {
            quotedPorts(buf, q + headerLength, end, protocol, out);
        }
    }

    private static void quotedIpv6(ByteBuffer buf, int q, int end, DecodedPacket out) {
        if (end - q < Ipv6Header.LENGTH || Ipv6Header.version(buf, q) != 6) {
            return;
        }
        out.hasQuoted = true;
        out.quotedSrcHi = Ipv6Header.sourceHi(buf, q);
        out.quotedSrcLo = Ipv6Header.sourceLo(buf, q);
        out.quotedDstHi = Ipv6Header.destinationHi(buf, q);
        out.quotedDstLo = Ipv6Header.destinationLo(buf, q);
        int nextHeader = Ipv6Header.nextHeader(buf, q);
        int p = q + Ipv6Header.LENGTH;
        for (int n = 0; Ipv6ExtensionHeader.isExtension(nextHeader); n++) {
            out.quotedProtocol = nextHeader;
            if (n == Ipv6ExtensionHeader.MAX_HEADERS || end - p < 2) {
                return;
            }
            int length = Ipv6ExtensionHeader.headerLength(buf, p, nextHeader);
            if (end - p < length) {
                return;
            }
            boolean laterFragment = nextHeader == Ipv6ExtensionHeader.FRAGMENT
                    && Ipv6ExtensionHeader.fragmentOffset(buf, p) != 0;
            nextHeader = Ipv6ExtensionHeader.nextHeader(buf, p);
            p += length;
            if (laterFragment) {
                out.quotedProtocol = nextHeader;
                return;
            }
        }
        out.quotedProtocol = nextHeader;
        quotedPorts(buf, p, end, nextHeader, out);
    }

    private static void quotedPorts(ByteBuffer buf, int t, int end, int protocol, DecodedPacket out) {
        if ((protocol == DecodedPacket.PROTO_TCP || protocol == DecodedPacket.PROTO_UDP) && end - t >= 4) {
            out.quotedSrcPort = FrameCursor.u16(buf, t);
            out.quotedDstPort = FrameCursor.u16(buf, t + 2);
        }
    }
}
