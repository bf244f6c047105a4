package io.portwatch.capture.decode;

/**
 * The frame a tunnel carries, as the decoder found it in the packet it decoded last: where it starts,
 * its link layer (Ethernet or bare IP), the tunnel's kind and the IP header that carried the tunnel.
 * One instance per {@link PacketDecoder}, overwritten by every decode: a caller that wants the inner
 * frame decodes it ({@link PacketDecoder#decodeInner}) before the next frame. Kept apart from the
 * {@link DecodedPacket}s so that the inner frame can be decoded into any packet, even the outer one's.
 */
final class InnerFrame {
    /** No tunnel follows (or the payload was not a tunnel header after all). */
    static final int NONE = 0;
    /** An Ethernet frame follows. */
    static final int ETHERNET = 1;
    /** A bare IPv4 or IPv6 packet follows (the version nibble says which). */
    static final int IP = 2;
    /** A tunnel header follows that could not be decoded: {@link #error} says why. */
    static final int ERROR = 3;

    /** {@link #NONE}, {@link #ETHERNET}, {@link #IP} or {@link #ERROR}. */
    int link;
    TunnelKind kind;
    DecodeError error;
    /** Where the inner frame starts in the buffer, and the end of the captured bytes. */
    int offset;
    int end;
    /** The inner frame's length on the wire. */
    int wireLength;
    /** How many tunnels deep the inner frame is (1 inside the frame's outer packet). */
    int depth;
    long timestampNanos;
    /** The frame's outermost VLAN id, or -1. */
    int vlanId;
    /** The IP header that carried the tunnel. */
    int outerIpVersion;
    long outerSrcHi;
    long outerSrcLo;
    long outerDstHi;
    long outerDstLo;

    /** Records that the tunnel header could not be decoded; returns {@link #ERROR}. */
    int fail(DecodeError reason) {
        error = reason;
        return ERROR;
    }
}
