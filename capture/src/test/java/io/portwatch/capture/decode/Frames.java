package io.portwatch.capture.decode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Builds frames byte by byte for the decoder tests: link headers, IPv4/IPv6, extension headers, transports. */
final class Frames {
    static final byte[] MAC_DST = Bytes.hex("001122334455");
    static final byte[] MAC_SRC = Bytes.hex("66778899aabb");

    private Frames() {
    }

    // ---------------------------------------------------------------- addresses

    static InetAddress inet(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static int v4(String dotted) {
        return ByteBuffer.wrap(inet(dotted).getAddress()).getInt();
    }

    static byte[] v6(String text) {
        byte[] a = inet(text).getAddress();
        if (a.length != 16) {
            throw new IllegalArgumentException("not IPv6: " + text);
        }
        return a;
    }

    /** The address a decoded hi/lo pair stands for (IPv4-mapped pairs come back as Inet4Address). */
    static InetAddress address(long hi, long lo) {
        try {
            return InetAddress.getByAddress(ByteBuffer.allocate(16).putLong(hi).putLong(lo).array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- link layers

    static byte[] ethernet(int type, byte[] payload) {
        return new Bytes().bytes(MAC_DST).bytes(MAC_SRC).u16(type).bytes(payload).toArray();
    }

    /** Ethernet with one tag per entry of {@code tpids} (outermost first), priority 1, VLAN ids 100, 101, ... */
    static byte[] ethernetTagged(int[] tpids, int type, byte[] payload) {
        Bytes b = new Bytes().bytes(MAC_DST).bytes(MAC_SRC);
        if (tpids.length == 0) {
            return b.u16(type).bytes(payload).toArray();
        }
        b.u16(tpids[0]);
        for (int i = 0; i < tpids.length; i++) {
            b.u16(0x2000 | (100 + i));
            b.u16(i + 1 < tpids.length ? tpids[i + 1] : type);
        }
        return b.bytes(payload).toArray();
    }

    /** An 802.3 frame with LLC/SNAP carrying {@code type} under {@code oui}. */
    static byte[] llcSnap(int oui, int type, byte[] payload) {
        return new Bytes().bytes(MAC_DST).bytes(MAC_SRC).u16(8 + payload.length)
                .u8(0xAA).u8(0xAA).u8(0x03).u8(oui >>> 16).u16(oui).u16(type).bytes(payload).toArray();
    }

    /** An 802.3 frame with a plain LLC header (e.g. STP: 0x42 0x42 0x03). */
    static byte[] llc(int dsap, int ssap, byte[] payload) {
        return new Bytes().bytes(MAC_DST).bytes(MAC_SRC).u16(3 + payload.length)
                .u8(dsap).u8(ssap).u8(0x03).bytes(payload).toArray();
    }

    /** PPPoE session payload (version/type, code 0, session 0x1234, length) + 2-byte PPP protocol. */
    static byte[] pppoe(int code, int pppProtocol, byte[] payload) {
        return new Bytes().u8(0x11).u8(code).u16(0x1234).u16(2 + payload.length).u16(pppProtocol)
                .bytes(payload).toArray();
    }

    /** An MPLS label stack of {@code labels} entries (labels 16, 17, ...), bottom bit on the last. */
    static byte[] mpls(int labels, byte[] payload) {
        Bytes b = new Bytes();
        for (int i = 0; i < labels; i++) {
            int label = 16 + i;
            b.u32((label << 12) | (5 << 9) | (i == labels - 1 ? 0x100 : 0) | 64);
        }
        return b.bytes(payload).toArray();
    }

    static byte[] sll(int protocol, byte[] payload) {
        return new Bytes().u16(0).u16(1).u16(6).bytes(MAC_SRC).u16(0).u16(protocol).bytes(payload).toArray();
    }

    static byte[] sll2(int protocol, byte[] payload) {
        return new Bytes().u16(protocol).u16(0).u32(3).u16(1).u8(4).u8(6).bytes(MAC_SRC).u16(0)
                .bytes(payload).toArray();
    }

    static byte[] loopback(int family, boolean littleEndian, byte[] payload) {
        Bytes b = new Bytes();
        if (littleEndian) {
            b.u32le(family);
        } else {
            b.u32(family);
        }
        return b.bytes(payload).toArray();
    }

    // ---------------------------------------------------------------- IP

    /** An IPv4 header builder; defaults give a plain 20-byte TCP packet 192.0.2.1 -> 198.51.100.2. */
    static final class Ip4 {
        int version = 4;
        int src = v4("192.0.2.1");
        int dst = v4("198.51.100.2");
        int protocol = DecodedPacket.PROTO_TCP;
        int id = 0x1234;
        int flags;
        int fragmentOffsetBytes;
        int optionBytes;
        int ihl = -1;
        int totalLength = -1;
        int ttl = 64;

        Ip4 src(String s) {
            src = v4(s);
            return this;
        }

        Ip4 dst(String s) {
            dst = v4(s);
            return this;
        }

        Ip4 protocol(int p) {
            protocol = p;
            return this;
        }

        Ip4 id(int i) {
            id = i;
            return this;
        }

        Ip4 fragment(int offsetBytes, boolean more) {
            fragmentOffsetBytes = offsetBytes;
            flags = more ? 0x2000 : 0;
            return this;
        }

        Ip4 dontFragment() {
            flags |= 0x4000;
            return this;
        }

        Ip4 options(int bytes) {
            optionBytes = bytes;
            return this;
        }

        Ip4 ihl(int words) {
            ihl = words;
            return this;
        }

        Ip4 totalLength(int t) {
            totalLength = t;
            return this;
        }

        Ip4 version(int v) {
            version = v;
            return this;
        }

        int headerLength() {
            return 20 + optionBytes;
        }

        byte[] build(byte[] payload) {
            int hl = headerLength();
            int ihlField = ihl >= 0 ? ihl : hl / 4;
            int tl = totalLength >= 0 ? totalLength : hl + payload.length;
            Bytes b = new Bytes().u8((version << 4) | (ihlField & 0xF)).u8(0).u16(tl).u16(id)
                    .u16(flags | (fragmentOffsetBytes >>> 3)).u8(ttl).u8(protocol).u16(0).u32(src).u32(dst);
            for (int i = 0; i < optionBytes; i++) {
                b.u8(i == optionBytes - 1 ? 0 : 1); // NOPs then end of options
            }
            byte[] h = b.toArray();
            int sum = 0;
            for (int i = 0; i < hl; i += 2) {
                sum += ((h[i] & 0xFF) << 8) | (h[i + 1] & 0xFF);
            }
            while ((sum >>> 16) != 0) {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            int checksum = ~sum & 0xFFFF;
            h[10] = (byte) (checksum >>> 8);
            h[11] = (byte) checksum;
            return Bytes.concat(h, payload);
        }
    }

    /** An IPv6 header builder; defaults 2001:db8::1 -> 2001:db8::2, next header TCP. */
    static final class Ip6 {
        int version = 6;
        byte[] src = v6("2001:db8::1");
        byte[] dst = v6("2001:db8::2");
        int nextHeader = DecodedPacket.PROTO_TCP;
        int payloadLength = -1;
        int hopLimit = 64;

        Ip6 src(String s) {
            src = v6(s);
            return this;
        }

        Ip6 dst(String s) {
            dst = v6(s);
            return this;
        }

        Ip6 next(int nh) {
            nextHeader = nh;
            return this;
        }

        Ip6 payloadLength(int p) {
            payloadLength = p;
            return this;
        }

        Ip6 version(int v) {
            version = v;
            return this;
        }

        byte[] build(byte[] payload) {
            int pl = payloadLength >= 0 ? payloadLength : payload.length;
            return new Bytes().u32((version << 28) | 0x12345).u16(pl).u8(nextHeader).u8(hopLimit)
                    .bytes(src).bytes(dst).bytes(payload).toArray();
        }
    }

    /** An IPv6 extension header of the given type and byte length, padded validly. */
    static byte[] extension(int type, int next, int length) {
        Bytes b = new Bytes().u8(next);
        switch (type) {
            case Ipv6ExtensionHeader.HOP_BY_HOP:
            case Ipv6ExtensionHeader.DESTINATION_OPTIONS:
                b.u8(length / 8 - 1).u8(1).u8(length - 4).zeros(length - 4); // one PadN option
                break;
            case Ipv6ExtensionHeader.ROUTING:
                b.u8(length / 8 - 1).u8(0).u8(0).zeros(length - 4); // type 0, no segments left
                break;
            case Ipv6ExtensionHeader.MOBILITY:
                b.u8(length / 8 - 1).u8(0).u8(0).u16(0).zeros(length - 6); // binding refresh request
                break;
            case Ipv6ExtensionHeader.AUTHENTICATION:
                b.u8(length / 4 - 2).u16(0).u32(0x1000).u32(1).zeros(length - 12);
                break;
            case Ipv6ExtensionHeader.FRAGMENT:
                return fragment(next, 0, false, 1);
            default:
                throw new IllegalArgumentException("type " + type);
        }
        return b.toArray();
    }

    static byte[] fragment(int next, int offsetBytes, boolean more, int id) {
        return new Bytes().u8(next).u8(0).u16(offsetBytes | (more ? 1 : 0)).u32(id).toArray();
    }

    // ---------------------------------------------------------------- transports

    static byte[] tcp(int srcPort, int dstPort, int flags, int payload) {
        return tcp(srcPort, dstPort, flags, 5, payload);
    }

    /** A TCP header with {@code dataOffsetWords} (options NOP-filled) and {@code payload} bytes. */
    static byte[] tcp(int srcPort, int dstPort, int flags, int dataOffsetWords, int payload) {
        Bytes b = new Bytes().u16(srcPort).u16(dstPort).u32(0x01020304).u32(0x05060708)
                .u8(dataOffsetWords << 4).u8(flags).u16(65535).u16(0).u16(0);
        for (int i = 20; i < dataOffsetWords * 4; i++) {
            b.u8(1);
        }
        return b.pattern(payload).toArray();
    }

    static byte[] udp(int srcPort, int dstPort, int payload) {
        return udp(srcPort, dstPort, 8 + payload, payload);
    }

    static byte[] udp(int srcPort, int dstPort, int lengthField, int payload) {
        return new Bytes().u16(srcPort).u16(dstPort).u16(lengthField).u16(0).pattern(payload).toArray();
    }

    /** ICMP/ICMPv6 with the 4 bytes after the checksum zero and {@code body} after them. */
    static byte[] icmp(int type, int code, byte[] body) {
        return new Bytes().u8(type).u8(code).u16(0).u32(0).bytes(body).toArray();
    }

    static byte[] first(byte[] b, int n) {
        return java.util.Arrays.copyOf(b, n);
    }
}
