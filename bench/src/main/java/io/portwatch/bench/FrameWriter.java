package io.portwatch.bench;

import io.portwatch.capture.decode.DecodedPacket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes one Ethernet frame (optionally 802.1Q-tagged) carrying IPv4 or IPv6 and TCP or UDP into a
 * reused buffer: set the fields, then {@link #build}. Only the first {@code snaplen} bytes are written;
 * the payload is a fixed pattern. IPv4 header checksums are right; TCP and UDP checksums are 0 (not
 * computed, as a capture taken before checksum offload shows them).
 *
 * <p>Not the tests' frame builder (testkit's {@code FrameBuilder}): the generator and the floods write
 * millions of frames, in place and without allocating, and are tools, not tests (testkit is a test
 * dependency, JUnit and all). FrameWriterTest checks every kind of frame written here against that
 * builder, field by field.
 */
final class FrameWriter {

    static final int ETHERNET = 14;
    static final int VLAN_TAG = 4;
    static final int IPV4 = 20;
    static final int IPV6 = 40;
    static final int TCP = 20;
    /** MSS, SACK permitted, timestamps, NOP, window scale: what a SYN and SYN+ACK carry. */
    static final int TCP_SYN_OPTIONS = 20;
    static final int UDP = 8;
    static final int MAX_PAYLOAD = 1400;

    private static final byte[] PATTERN = new byte[4096];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i * 31 + 7);
        }
    }

    private final ByteBuffer buf = ByteBuffer.allocate(ETHERNET + VLAN_TAG + IPV6 + TCP + TCP_SYN_OPTIONS
            + MAX_PAYLOAD).order(ByteOrder.BIG_ENDIAN);

    // the fields of the next frame
    long srcMac;
    long dstMac;
    /** 802.1Q VLAN id, or -1 for an untagged frame. */
    int vlan = -1;
    boolean ipv6;
    /** IPv4 addresses. */
    int src4;
    int dst4;
    /** IPv6 addresses as two big-endian halves. */
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int ipId;
    int protocol;
    int srcPort;
    int dstPort;
    int seq;
    int ack;
    int tcpFlags;
    int payload;

    /** The buffer the frames are written to (big-endian, from index 0). */
    ByteBuffer buffer() {
        return buf;
    }

    /** IP-layer bytes of the frame described by the fields (what portwatch counts). */
    int ipLength() {
        return (ipv6 ? IPV6 : IPV4) + transportHeaderLength() + payload;
    }

    private int transportHeaderLength() {
        if (protocol == DecodedPacket.PROTO_UDP) {
            return UDP;
        }
        return (tcpFlags & DecodedPacket.TCP_SYN) != 0 ? TCP + TCP_SYN_OPTIONS : TCP;
    }

    /**
     * Writes the frame's first {@code snaplen} bytes at index 0.
     *
     * @return the frame's length on the wire; the bytes written are {@code min(snaplen, length)}
     */
    int build(int snaplen) {
        final ByteBuffer b = buf;
        int p = 0;
        putMac(b, p, dstMac);
        putMac(b, p + 6, srcMac);
        p += 12;
        if (vlan >= 0) {
            b.putShort(p, (short) 0x8100);
            b.putShort(p + 2, (short) (vlan & 0x0FFF));
            p += 4;
        }
        b.putShort(p, (short) (ipv6 ? 0x86DD : 0x0800));
        p += 2;
        final int l4 = transportHeaderLength();
        final int ipLength = (ipv6 ? IPV6 : IPV4) + l4 + payload;
        if (ipv6) {
            b.putInt(p, 0x6000_0000 | (srcPort * 31 + dstPort) & 0xFFFFF);
            b.putShort(p + 4, (short) (l4 + payload));
            b.put(p + 6, (byte) protocol);
            b.put(p + 7, (byte) 64);
            b.putLong(p + 8, srcHi);
            b.putLong(p + 16, srcLo);
            b.putLong(p + 24, dstHi);
            b.putLong(p + 32, dstLo);
            p += IPV6;
        } else {
            b.putInt(p, 0x4500_0000 | ipLength);
            b.putInt(p + 4, (ipId & 0xFFFF) << 16 | 0x4000);
            b.putInt(p + 8, 64 << 24 | protocol << 16);
            b.putInt(p + 12, src4);
            b.putInt(p + 16, dst4);
            b.putShort(p + 10, (short) ipv4Checksum(b, p));
            p += IPV4;
        }
        b.putShort(p, (short) srcPort);
        b.putShort(p + 2, (short) dstPort);
        if (protocol == DecodedPacket.PROTO_UDP) {
            b.putShort(p + 4, (short) (UDP + payload));
            b.putShort(p + 6, (short) 0);
        } else {
            b.putInt(p + 4, seq);
            b.putInt(p + 8, (tcpFlags & DecodedPacket.TCP_ACK) != 0 ? ack : 0);
            b.put(p + 12, (byte) ((l4 / 4) << 4));
            b.put(p + 13, (byte) tcpFlags);
            b.putShort(p + 14, (short) 64240);
            b.putInt(p + 16, 0); // checksum, urgent pointer
            if (l4 > TCP) {
                int o = p + TCP;
                b.putInt(o, 0x0204_05B4); // MSS 1460
                b.putShort(o + 4, (short) 0x0402); // SACK permitted
                b.putShort(o + 6, (short) 0x080A); // timestamps
                b.putInt(o + 8, seq ^ 0x5A5A5A5A);
                b.putInt(o + 12, (tcpFlags & DecodedPacket.TCP_ACK) != 0 ? ack ^ 0x5A5A5A5A : 0);
                b.put(o + 16, (byte) 1); // NOP
                b.put(o + 17, (byte) 3); // window scale 7
                b.put(o + 18, (byte) 3);
                b.put(o + 19, (byte) 7);
            }
        }
        p += l4;
        int wire = p + payload;
        int room = Math.min(snaplen, wire) - p;
        if (room > 0) {
            b.put(p, PATTERN, (seq & 0x3FF), room);
        }
        return wire;
    }

    private static void putMac(ByteBuffer b, int p, long mac) {
        b.putShort(p, (short) (mac >>> 32));
        b.putInt(p + 2, (int) mac);
    }

    private static int ipv4Checksum(ByteBuffer b, int p) {
        b.putShort(p + 10, (short) 0);
        int sum = 0;
        for (int i = 0; i < IPV4; i += 2) {
            sum += b.getShort(p + i) & 0xFFFF;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }
}
