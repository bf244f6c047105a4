package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * Decodes one captured frame into a reused {@link DecodedPacket}: link layer, then the outer IP
 * header, then TCP, UDP or ICMP. One small step per layer (see {@link EthernetHeader},
 * {@link Ipv4Header}, {@link TcpHeader}, ...), each reading fields in place.
 *
 * <p>Allocates nothing per frame and never throws on any frame content or length: what cannot be
 * decoded comes back as {@link DecodedPacket#KIND_ERROR} with a reason. Counts errors, non-IP frames,
 * other-IP frames and unknown link types into its {@link DecodeStats}; TRANSPORT and FRAGMENT frames
 * are left to the caller to count. Not thread-safe: one decoder per decoding thread.
 *
 * <p>Tunnels: a frame is decoded as it is on the wire (VXLAN is UDP to port 4789, GRE is IP protocol
 * 47). When its payload is a tunnel ({@link Decapsulation}), the decoder notes where the inner frame
 * starts ({@link #hasInner()}); a caller that wants the traffic inside decodes it with
 * {@link #decodeInner} into a packet of its own, before the next frame, and again for a tunnel inside
 * that one. The decoder keeps what it needs of the outer packet, so the inner frame may be decoded
 * into any packet, the outer one's included. Errors of inner frames are counted as any frame's.
 */
public final class PacketDecoder {
    private final DecodeStats stats;
    private final FrameCursor cursor = new FrameCursor();
    private final InnerFrame inner = new InnerFrame();

    public PacketDecoder(DecodeStats stats) {
        if (stats == null) {
            throw new IllegalArgumentException("stats must not be null");
        }
        this.stats = stats;
    }

    /** The counters this decoder adds to. */
    public DecodeStats stats() {
        return stats;
    }

    /**
     * Clears {@code out}, decodes the frame {@code buf[offset, offset + capturedLength)} into it and
     * returns {@code out.kind}. Reads are absolute and big-endian (as {@code PacketSink} delivers
     * them), never past the captured bytes or the buffer's limit; the buffer is not modified.
     *
     * @param linkType       LINKTYPE/DLT code, see {@link LinkType}
     * @param timestampNanos copied to {@code out}
     * @param buf            holds the frame (a null buffer is an empty frame)
     * @param offset         where the frame starts
     * @param capturedLength bytes of the frame present in {@code buf}
     * @param originalLength length on the wire; used when a header's length field is 0 (TSO, jumbo)
     * @param out            overwritten with the result; must not be null
     */
    public int decode(int linkType, long timestampNanos, ByteBuffer buf, int offset, int capturedLength,
                      int originalLength, DecodedPacket out) {
        out.clear();
        int limit = buf == null ? 0 : buf.limit();
        int start = offset < 0 || offset > limit ? limit : offset;
        int captured = Math.max(0, Math.min(capturedLength, limit - start));
        int wire = Math.max(originalLength, captured);
        out.linkType = linkType;
        out.timestampNanos = timestampNanos;
        out.frameLength = wire;
        cursor.reset(start, captured, wire);

        int kind = decodeFrame(linkType, buf, cursor, out);
        out.kind = kind;
        count(kind, linkType, out);
        Decapsulation.find(buf, cursor, out, 0, inner);
        return kind;
    }

    /** True when the packet decoded last carries a tunnel whose inner frame {@link #decodeInner} decodes. */
    public boolean hasInner() {
        return inner.link != InnerFrame.NONE;
    }

    /**
     * Clears {@code out} and decodes into it the inner frame of the tunnel in the packet decoded last
     * (see {@link #hasInner()}), as a packet of its own: same timestamp, the frame's outermost VLAN id,
     * and the tunnel's kind, depth and outer IP header. Afterwards {@link #hasInner()} tells whether this
     * packet carries a tunnel in turn. Without an inner frame, returns {@link DecodedPacket#KIND_NON_IP}
     * and counts nothing.
     *
     * @param buf the buffer the frame was decoded from, unchanged since
     */
    public int decodeInner(ByteBuffer buf, DecodedPacket out) {
        final InnerFrame t = inner;
        out.clear();
        if (t.link == InnerFrame.NONE) {
            return DecodedPacket.KIND_NON_IP;
        }
        int linkType = t.link == InnerFrame.ETHERNET ? LinkType.ETHERNET : LinkType.RAW;
        out.linkType = linkType;
        out.timestampNanos = t.timestampNanos;
        out.vlanId = t.vlanId;
        out.tunnel = t.kind;
        out.tunnelDepth = t.depth;
        out.outerIpVersion = t.outerIpVersion;
        out.outerSrcHi = t.outerSrcHi;
        out.outerSrcLo = t.outerSrcLo;
        out.outerDstHi = t.outerDstHi;
        out.outerDstLo = t.outerDstLo;
        int kind;
        if (t.link == InnerFrame.ERROR) {
            kind = FrameCursor.fail(out, t.error);
        } else {
            out.frameLength = t.wireLength;
            cursor.reset(t.offset, t.end - t.offset, t.wireLength);
            kind = decodeFrame(linkType, buf, cursor, out);
        }
        out.kind = kind;
        count(kind, linkType, out);
        if (kind == DecodedPacket.KIND_ERROR) {
            t.link = InnerFrame.NONE;
        } else {
            Decapsulation.find(buf, cursor, out, t.depth, t);
        }
        return kind;
    }

    private void count(int kind, int linkType, DecodedPacket out) {
        switch (kind) {
            case DecodedPacket.KIND_ERROR:
                stats.countError(out.error);
                break;
            case DecodedPacket.KIND_NON_IP:
                stats.countNonIp();
                break;
            case DecodedPacket.KIND_OTHER_IP:
                stats.countOtherIp();
                break;
            case DecodedPacket.KIND_UNKNOWN_LINK:
                stats.countUnknownLinkType(linkType);
                break;
            default:
                break;
        }
    }

    /** True for the link types {@link #decode} understands. */
    public static boolean isSupported(int linkType) {
        switch (linkType) {
            case LinkType.NULL:
            case LinkType.ETHERNET:
            case LinkType.RAW_DLT:
            case LinkType.RAW_OPENBSD:
            case LinkType.RAW:
            case LinkType.LOOP:
            case LinkType.LINUX_SLL:
            case LinkType.IPV4:
            case LinkType.IPV6:
            case LinkType.LINUX_SLL2:
                return true;
            default:
                return false;
        }
    }

    private static int decodeFrame(int linkType, ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        int r = decodeLink(linkType, buf, c, out);
        if (r != FrameCursor.CONTINUE) {
            return r;
        }
        r = c.next == EtherType.IPV4 ? Ipv4Header.decode(buf, c, out) : Ipv6Header.decode(buf, c, out);
        if (r != FrameCursor.CONTINUE) {
            return r;
        }
        switch (c.next) {
            case DecodedPacket.PROTO_TCP:
                return TcpHeader.decode(buf, c, out);
            case DecodedPacket.PROTO_UDP:
                return UdpHeader.decode(buf, c, out);
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                return IcmpHeader.decode(buf, c, out);
            default:
                // tunnels (GRE, IP-in-IP, ...) are not decapsulated: only the outer header counts
                return DecodedPacket.KIND_OTHER_IP;
        }
    }

    /** On CONTINUE, {@code c.next} is {@link EtherType#IPV4} or {@link EtherType#IPV6}. */
    private static int decodeLink(int linkType, ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        switch (linkType) {
            case LinkType.ETHERNET:
                return EthernetHeader.decode(buf, c, out);
            case LinkType.LINUX_SLL:
                return LinuxSllHeader.decode(buf, c, out);
            case LinkType.LINUX_SLL2:
                return LinuxSll2Header.decode(buf, c, out);
            case LinkType.NULL:
                return LoopbackHeader.decode(buf, c, true, out);
            case LinkType.LOOP:
                return LoopbackHeader.decode(buf, c, false, out);
            case LinkType.RAW:
            case LinkType.RAW_DLT:
            case LinkType.RAW_OPENBSD:
                return rawIp(buf, c, out);
            case LinkType.IPV4:
                c.next = EtherType.IPV4;
                return FrameCursor.CONTINUE;
            case LinkType.IPV6:
                c.next = EtherType.IPV6;
                return FrameCursor.CONTINUE;
            default:
                return DecodedPacket.KIND_UNKNOWN_LINK;
        }
    }

    /** Raw IP: the version nibble says which; any other version is a bad (IPv4) header. */
    private static int rawIp(ByteBuffer buf, FrameCursor c, DecodedPacket out) {
        if (c.remaining() < 1) {
            return FrameCursor.fail(out, DecodeError.TRUNCATED_IP);
        }
        int version = Ipv4Header.version(buf, c.pos);
        if (version == 4) {
            c.next = EtherType.IPV4;
        } else if (version == 6) {
            c.next = EtherType.IPV6;
        } else {
            return FrameCursor.fail(out, DecodeError.BAD_IPV4_HEADER);
        }
        return FrameCursor.CONTINUE;
    }
}
