package io.portwatch.capture.decode;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Runs the decoder the way a capture source does: the frame sits at an odd offset inside a larger
 * buffer after unrelated bytes, and the buffer's limit is the frame's captured end, so any read past
 * the captured bytes throws. After every frame it checks {@link #checkInvariants}.
 */
final class Harness {
    static final int LEAD = 7;

    final DecodeStats stats = new DecodeStats();
    final PacketDecoder decoder = new PacketDecoder(stats);
    final DecodedPacket out = new DecodedPacket();
    /** Where {@link #inner()} decodes. */
    final DecodedPacket inner = new DecodedPacket();
    private ByteBuffer buffer = ByteBuffer.allocate(4096);

    DecodedPacket run(int linkType, byte[] frame) {
        return run(linkType, frame, frame.length, frame.length);
    }

    /** Decodes the first {@code captured} bytes of {@code frame}, which was {@code original} long on the wire. */
    DecodedPacket run(int linkType, byte[] frame, int captured, int original) {
        if (buffer.capacity() < LEAD + captured) {
            buffer = ByteBuffer.allocate(LEAD + captured);
        }
        buffer.clear();
        for (int i = 0; i < LEAD; i++) {
            buffer.put(i, (byte) 0xEE);
        }
        buffer.put(LEAD, frame, 0, captured);
        buffer.limit(LEAD + captured);
        Snapshot before = new Snapshot(stats);
        int kind = decoder.decode(linkType, 1_000L, buffer, LEAD, captured, original, out);
        if (kind != out.kind) {
            throw new AssertionError("returned kind " + kind + " but out.kind " + out.kind);
        }
        checkInvariants(linkType, out, before, stats);
        return out;
    }

    /**
     * Decodes the inner frame of the tunnel in the packet decoded last (by {@link #run} or by this) into
     * {@link #inner} and checks the invariants on it; null when that packet carries no tunnel.
     */
    DecodedPacket inner() {
        if (!decoder.hasInner()) {
            return null;
        }
        Snapshot before = new Snapshot(stats);
        int kind = decoder.decodeInner(buffer, inner);
        if (kind != inner.kind) {
            throw new AssertionError("returned kind " + kind + " but inner.kind " + inner.kind);
        }
        checkInvariants(inner.linkType, inner, before, stats);
        check(inner.tunnel != null && inner.tunnelDepth >= 1 && inner.outerIpVersion != 0, "inner packet has its tunnel");
        return inner;
    }

    /** The counters the decoder keeps, to check that each frame moves exactly the right one. */
    record Snapshot(long[] errors, long nonIp, long otherIp, long unknown) {
        Snapshot(DecodeStats s) {
            this(Arrays.stream(DecodeError.values()).mapToLong(s::errors).toArray(), s.nonIp(), s.otherIp(),
                    s.unknownLinkTypeFrames());
        }
    }

    /** What must hold for every decoded frame, whatever its bytes. */
    static void checkInvariants(int linkType, DecodedPacket p, Snapshot before, DecodeStats stats) {
        Snapshot after = new Snapshot(stats);
        long[] errorDelta = new long[before.errors.length];
        long totalErrorDelta = 0;
        for (int i = 0; i < errorDelta.length; i++) {
            errorDelta[i] = after.errors[i] - before.errors[i];
            totalErrorDelta += errorDelta[i];
        }
        long nonIp = after.nonIp - before.nonIp;
        long otherIp = after.otherIp - before.otherIp;
        long unknown = after.unknown - before.unknown;
        String ctx = " (kind " + p.kind + ", error " + p.error + ", link " + linkType + ")";

        check(p.linkType == linkType, "linkType copied" + ctx);
        check(p.vlanId >= DecodedPacket.NO_VLAN && p.vlanId <= 0xFFF, "VLAN id" + ctx);
        check((p.tunnel == null) == (p.tunnelDepth == 0), "tunnel iff depth" + ctx);
        check((p.kind == DecodedPacket.KIND_ERROR) == (p.error != null), "error set iff KIND_ERROR" + ctx);
        check(p.kind >= DecodedPacket.KIND_NON_IP && p.kind <= DecodedPacket.KIND_UNKNOWN_LINK, "kind range" + ctx);
        check(totalErrorDelta == (p.kind == DecodedPacket.KIND_ERROR ? 1 : 0), "one error counted" + ctx);
        if (p.kind == DecodedPacket.KIND_ERROR) {
            check(errorDelta[p.error.ordinal()] == 1, "the error's own reason counted" + ctx);
        }
        check(nonIp == (p.kind == DecodedPacket.KIND_NON_IP ? 1 : 0), "non-IP counted" + ctx);
        check(otherIp == (p.kind == DecodedPacket.KIND_OTHER_IP ? 1 : 0), "other-IP counted" + ctx);
        check(unknown == (p.kind == DecodedPacket.KIND_UNKNOWN_LINK ? 1 : 0), "unknown link counted" + ctx);
        check((p.kind == DecodedPacket.KIND_UNKNOWN_LINK) == !PacketDecoder.isSupported(linkType),
                "unknown link iff unsupported" + ctx);
        check(p.ipVersion == 0 || p.ipVersion == 4 || p.ipVersion == 6, "ipVersion" + ctx);
        check(p.srcPort >= 0 && p.srcPort <= 0xFFFF && p.dstPort >= 0 && p.dstPort <= 0xFFFF, "ports" + ctx);
        check(p.tcpFlags >= 0 && p.tcpFlags <= 0xFF, "flags" + ctx);
        check(p.protocol >= 0 && p.protocol <= 0xFF, "protocol" + ctx);
        if (p.ipVersion == 4) {
            check(p.srcHi == 0 && (p.srcLo >>> 32) == 0xFFFF && p.dstHi == 0 && (p.dstLo >>> 32) == 0xFFFF,
                    "IPv4 addresses IPv4-mapped" + ctx);
            check(p.ipLength >= 20, "IPv4 length" + ctx);
        }
        if (p.ipVersion == 6) {
            check(p.ipLength >= 40, "IPv6 length" + ctx);
        }
        switch (p.kind) {
            case DecodedPacket.KIND_NON_IP, DecodedPacket.KIND_UNKNOWN_LINK -> {
                check(p.ipVersion == 0 && p.ipLength == 0 && p.protocol == 0, "no IP fields" + ctx);
            }
            case DecodedPacket.KIND_TRANSPORT -> {
                check(p.ipVersion != 0, "transport has IP" + ctx);
                check(p.protocol == DecodedPacket.PROTO_TCP || p.protocol == DecodedPacket.PROTO_UDP,
                        "transport is TCP or UDP" + ctx);
                check(p.payloadLength >= 0 && p.payloadLength <= p.ipLength, "payload length" + ctx);
                check(p.isTcp() || p.tcpFlags == 0, "UDP has no flags" + ctx);
                check(!p.fragmented || p.fragmentOffset == 0, "transport is a first fragment at most" + ctx);
                check(!p.hasQuoted && p.icmpType == -1, "no ICMP fields" + ctx);
            }
            case DecodedPacket.KIND_FRAGMENT -> {
                check(p.ipVersion != 0 && p.fragmented && p.fragmentOffset > 0, "fragment fields" + ctx);
                check(p.srcPort == 0 && p.dstPort == 0 && p.icmpType == -1, "fragment has no ports" + ctx);
                check(p.ipVersion == 6 || p.fragmentId <= 0xFFFF, "IPv4 id is 16 bits" + ctx);
                check(p.fragmentId >= 0 && p.fragmentId <= 0xFFFF_FFFFL, "fragment id range" + ctx);
            }
            case DecodedPacket.KIND_OTHER_IP -> {
                check(p.ipVersion != 0, "other IP has IP" + ctx);
                check(p.protocol != DecodedPacket.PROTO_TCP && p.protocol != DecodedPacket.PROTO_UDP,
                        "other IP is not TCP/UDP" + ctx);
                check(p.srcPort == 0 && p.dstPort == 0, "other IP has no ports" + ctx);
            }
            case DecodedPacket.KIND_ERROR -> {
                switch (p.error) {
                    case TRUNCATED_LINK, TOO_MANY_VLAN_TAGS -> check(p.ipVersion == 0, "link error, no IP" + ctx);
                    case BAD_IPV4_HEADER, BAD_IPV6_HEADER -> check(p.ipVersion == 0, "bad IP header, no IP" + ctx);
                    case TRUNCATED_IP -> check(p.ipVersion == 0 || p.ipLength > 0, "truncated IP" + ctx);
                    case BAD_IPV6_EXTENSION -> check(p.ipVersion == 6, "extension error is IPv6" + ctx);
                    case BAD_TCP_HEADER -> check(p.ipVersion != 0 && p.isTcp(), "TCP error is TCP" + ctx);
                    case BAD_UDP_HEADER -> check(p.ipVersion != 0 && p.isUdp(), "UDP error is UDP" + ctx);
                    case TRUNCATED_TUNNEL, BAD_TUNNEL_HEADER, TUNNEL_TOO_DEEP -> check(p.tunnel != null && p.ipVersion == 0,
                            "tunnel errors only on inner frames, before their IP header" + ctx);
                    case TRUNCATED_TRANSPORT -> check(p.ipVersion != 0 && (p.isTcp() || p.isUdp()),
                            "truncated transport is TCP/UDP" + ctx);
                    default -> throw new AssertionError("unexpected reason" + ctx);
                }
            }
            default -> throw new AssertionError("kind" + ctx);
        }
        if (p.icmpType != -1) {
            check(p.protocol == DecodedPacket.PROTO_ICMP || p.protocol == DecodedPacket.PROTO_ICMPV6,
                    "ICMP type only for ICMP" + ctx);
            check(p.icmpType <= 0xFF && p.icmpCode >= 0 && p.icmpCode <= 0xFF, "ICMP type/code range" + ctx);
        }
        if (p.hasQuoted) {
            check(p.kind == DecodedPacket.KIND_OTHER_IP && p.icmpType >= 0, "quoted only in ICMP" + ctx);
            check(p.ipVersion == 4 ? IcmpHeader.isV4Error(p.icmpType) : IcmpHeader.isV6Error(p.icmpType),
                    "quoted only in ICMP errors" + ctx);
        } else {
            check(p.quotedProtocol == 0 && p.quotedSrcPort == 0 && p.quotedDstPort == 0 && p.quotedSrcLo == 0,
                    "no quoted fields without hasQuoted" + ctx);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("invariant broken: " + what);
        }
    }
}
