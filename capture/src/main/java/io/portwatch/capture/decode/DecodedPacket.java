package io.portwatch.capture.decode;

/**
 * The fields of one decoded frame. Mutable and reused: the decoder overwrites it for every frame, so
 * nothing here may be kept past the handling of that frame.
 *
 * <p>Addresses are 128 bits in two longs (big-endian halves). IPv4 addresses are stored as
 * IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}: hi = 0, lo = 0x0000_FFFF_xxxx_xxxxL), so one key layout
 * serves both versions; {@link #ipVersion} tells them apart.
 */
public final class DecodedPacket {

    /** No IP header: ARP, LLDP, STP, ... (counted as non-IP). */
    public static final int KIND_NON_IP = 0;
    /** IP with TCP or UDP ports in {@link #srcPort}/{@link #dstPort}. */
    public static final int KIND_TRANSPORT = 1;
    /** A non-first IP fragment: addresses, protocol and fragment id are set, ports are not. */
    public static final int KIND_FRAGMENT = 2;
    /** IP carrying another protocol (ICMP, GRE, ESP, ...); {@link #protocol} says which. */
    public static final int KIND_OTHER_IP = 3;
    /** Could not be decoded; {@link #error} says why. */
    public static final int KIND_ERROR = 4;
    /** The link type is not one the decoder knows; counted and named once. */
    public static final int KIND_UNKNOWN_LINK = 5;

    /** {@link #vlanId} of a frame without a VLAN tag. */
    public static final int NO_VLAN = -1;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;
    public static final int TCP_URG = 0x20;
    public static final int TCP_ECE = 0x40;
    public static final int TCP_CWR = 0x80;

    public int kind;
    public DecodeError error;

    public int linkType;
    public long timestampNanos;
    /** Frame length on the wire. */
    public int frameLength;

    /** 4 or 6 when an IP header was found, else 0. */
    public int ipVersion;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    /** Transport protocol number after IPv6 extension headers (6 TCP, 17 UDP, 1 ICMP, ...). */
    public int protocol;
    /** IP-layer bytes: IPv4 total length, or 40 + IPv6 payload length. */
    public int ipLength;

    /** TCP/UDP ports, valid for KIND_TRANSPORT. */
    public int srcPort;
    public int dstPort;
    /** TCP flags byte (FIN..CWR), 0 for UDP. */
    public int tcpFlags;
    /** Transport payload bytes, from the IP and TCP/UDP lengths (not the captured length). */
    public int payloadLength;

    /** True when this packet is part of a fragmented datagram (first or later fragment). */
    public boolean fragmented;
    /** Fragment offset in bytes (0 for the first fragment). */
    public int fragmentOffset;
    /** The more-fragments flag. */
    public boolean moreFragments;
    /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
    public long fragmentId;

    /** ICMP/ICMPv6 type and code, valid when {@link #protocol} is ICMP or ICMPv6; else -1. */
    public int icmpType;
    public int icmpCode;
    /**
     * For ICMP errors (destination unreachable, time exceeded, ...) that quote the offending
     * packet's IP header and first transport bytes: the quoted packet's 5-tuple. The quoted header is
     * never counted as traffic; detectors use it (e.g. a UDP probe answered "port unreachable").
     */
    public boolean hasQuoted;
    public int quotedProtocol;
    public long quotedSrcHi;
    public long quotedSrcLo;
    public long quotedDstHi;
    public long quotedDstLo;
    public int quotedSrcPort;
    public int quotedDstPort;

    /** The outermost 802.1Q/802.1ad VLAN id of the frame (0-4095), or {@link #NO_VLAN}. */
    public int vlanId;
    /**
     * For a packet decoded from inside a tunnel ({@link PacketDecoder#decodeInner}): the tunnel that
     * carried it (the innermost one); null for a frame's outer packet.
     */
    public TunnelKind tunnel;
    /** How many tunnels deep the packet was: 0 for a frame's outer packet. */
    public int tunnelDepth;
    /** The IP header that carried {@link #tunnel}: its version (0 when no tunnel) and addresses. */
    public int outerIpVersion;
    public long outerSrcHi;
    public long outerSrcLo;
    public long outerDstHi;
    public long outerDstLo;


    /** Resets every field to its empty value; the decoder calls it first. */
    public void clear() {
        kind = KIND_NON_IP;
        error = null;
        linkType = 0;
        timestampNanos = 0;
        frameLength = 0;
        ipVersion = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        protocol = 0;
        ipLength = 0;
        srcPort = dstPort = 0;
        tcpFlags = 0;
        payloadLength = 0;
        fragmented = false;
        fragmentOffset = 0;
        moreFragments = false;
        fragmentId = 0;
        icmpType = -1;
        icmpCode = -1;
        hasQuoted = false;
        quotedProtocol = 0;
        quotedSrcHi = quotedSrcLo = quotedDstHi = quotedDstLo = 0;
        quotedSrcPort = quotedDstPort = 0;
        vlanId = NO_VLAN;
        tunnel = null;
        tunnelDepth = 0;
        outerIpVersion = 0;
        outerSrcHi = outerSrcLo = outerDstHi = outerDstLo = 0;
    }

    public boolean isTcp() {
        return protocol == PROTO_TCP;
    }

    public boolean isUdp() {
        return protocol == PROTO_UDP;
    }
}
