package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * Finds the tunnel a decoded packet carries, if any, and where its inner frame starts (see
 * {@link InnerFrame}): UDP to the VXLAN, Geneve or GTP-U port, GRE (with ERSPAN), IPv4 or IPv6 in IP.
 * Only unfragmented packets: a first fragment holds part of the inner frame, which is not reassembled.
 * A payload that is not a valid tunnel header (a flag or version that does not fit) is no tunnel: the
 * packet stays plain traffic. Tunnels nest at most {@link #MAX_DEPTH} deep; a tunnel deeper than that
 * is not opened, its inner frame is reported as {@link DecodeError#TUNNEL_TOO_DEEP}: the depth is
 * bounded by the decoder, never by the packet.
 */
final class Decapsulation {
    /** Inner frames nest at most this deep (1: inside the frame's outer packet). */
    static final int MAX_DEPTH = 4;
    static final int PROTO_IPV4_IN_IP = 4;
    static final int PROTO_IPV6_IN_IP = 41;
    static final int PROTO_GRE = 47;

    private Decapsulation() {
    }

    /**
     * Looks at the payload of {@code out}, just decoded at {@code depth} with the cursor where its
     * decode left it (UDP: at the UDP header; another protocol: at its header). Sets {@code t}: its
     * link is {@link InnerFrame#NONE} when no tunnel follows.
     */
    static void find(ByteBuffer buf, FrameCursor c, DecodedPacket out, int depth, InnerFrame t) {
        t.link = InnerFrame.NONE;
        if (out.fragmented) {
            return;
        }
        TunnelKind kind;
        if (out.kind == DecodedPacket.KIND_TRANSPORT) {
            if (out.protocol != DecodedPacket.PROTO_UDP) {
                return;
            }
            switch (out.dstPort) {
                case VxlanHeader.PORT -> kind = TunnelKind.VXLAN;
                case GeneveHeader.PORT -> kind = TunnelKind.GENEVE;
                case GtpUHeader.PORT -> kind = TunnelKind.GTP_U;
                default -> {
                    return;
                }
            }
            c.pos += UdpHeader.LENGTH;
        } else if (out.kind == DecodedPacket.KIND_OTHER_IP) {
            switch (out.protocol) {
                case PROTO_GRE -> kind = TunnelKind.GRE;
                case PROTO_IPV4_IN_IP, PROTO_IPV6_IN_IP -> kind = TunnelKind.IP_IN_IP;
                default -> {
                    return;
                }
            }
        } else {
            return;
        }
        t.kind = kind;
        t.error = null;
        t.depth = depth + 1;
        t.timestampNanos = out.timestampNanos;
        t.vlanId = out.vlanId;
        t.outerIpVersion = out.ipVersion;
        t.outerSrcHi = out.srcHi;
        t.outerSrcLo = out.srcLo;
        t.outerDstHi = out.dstHi;
        t.outerDstLo = out.dstLo;
        int link;
        if (depth >= MAX_DEPTH) {
            link = t.fail(DecodeError.TUNNEL_TOO_DEEP);
        } else {
            link = switch (kind) {
                case VXLAN -> VxlanHeader.decode(buf, c, t);
                case GENEVE -> GeneveHeader.decode(buf, c, t);
                case GTP_U -> GtpUHeader.decode(buf, c, t);
                case GRE -> GreHeader.decode(buf, c, t);
                default -> InnerFrame.IP; // IP in IP: the inner header follows the outer one's
            };
        }
        if (link == InnerFrame.ETHERNET || link == InnerFrame.IP) {
            t.offset = c.pos;
            t.end = c.end;
            t.wireLength = Math.max(c.end - c.pos, c.wireRemaining());
        }
        t.link = link;
    }
}
