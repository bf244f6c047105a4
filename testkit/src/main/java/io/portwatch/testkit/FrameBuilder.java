package io.portwatch.testkit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds frames byte by byte for tests, layer by layer from the inside out: a transport ({@link Tcp},
 * {@link #udp}, {@link #icmp}) goes into an IP packet ({@link Ip4}, {@link Ip6}, with {@link #extension}
 * headers), which goes into a link layer ({@link #ethernet}, {@link #vlanTag}, {@link #llcSnap},
 * {@link #pppoe}, {@link #mpls}, {@link #sll}, {@link #loopback}, ...). Every call returns a new array,
 * and every field can be set to a wrong value on purpose (a short IHL, a lying length, version 5), so
 * that decoder tests can build the malformed frames they need.
 *
 * <p>Defaults: MACs 00:11:22:33:44:55 (destination) and 66:77:88:99:aa:bb, IPv4 192.0.2.1 to
 * 198.51.100.2 (id 0x1234, TTL 64, a correct header checksum), IPv6 2001:db8::1 to 2001:db8::2 (flow
 * label 0x12345, hop limit 64), TCP sequence 0x01020304 and acknowledgement 0x05060708, window 65535,
 * payload {@link Bytes#pattern A to Z}; TCP, UDP and ICMP checksums 0 (not computed, as a capture
 * taken before checksum offload shows them). Allocates per frame: tests that write millions of frames
 * write them in place (bench's generator, analysis's RandomProbes).
 *
 * <p>Why one class of about 500 lines: it is the one builder every module's tests share, one method a
 * layer (link, VLAN, IPv4, IPv6 and its extension headers, TCP, UDP, ICMP), each writing its header's
 * fields by name; split by layer, every test would chain several builders for one frame.
 */
public final class FrameBuilder {
    public static final byte[] MAC_DST = Bytes.hex("001122334455");
    public static final byte[] MAC_SRC = Bytes.hex("66778899aabb");

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_IPV6 = 0x86DD;
    public static final int ETHERTYPE_VLAN = 0x8100;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    private FrameBuilder() {
    }

    // ---------------------------------------------------------------- addresses

    public static InetAddress inet(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** The 4 or 16 bytes of an address written as text. */
    public static byte[] address(String text) {
        return inet(text).getAddress();
    }

    public static int v4(String dotted) {
        byte[] a = address(dotted);
        if (a.length != 4) {
            throw new IllegalArgumentException("not IPv4: " + dotted);
        }
        return ByteBuffer.wrap(a).getInt();
    }

    public static byte[] v6(String text) {
        byte[] a = address(text);
        if (a.length != 16) {
            throw new IllegalArgumentException("not IPv6: " + text);
        }
        return a;
    }

    /** An IPv6 address from its two big-endian halves. */
    public static byte[] v6(long hi, long lo) {
        return ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
    }

    /** The address a decoded hi/lo pair stands for (IPv4-mapped pairs come back as Inet4Address). */
    public static InetAddress address(long hi, long lo) {
        try {
            return InetAddress.getByAddress(v6(hi, lo));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- link layers

    public static byte[] ethernet(int type, byte[] payload) {
        return ethernet(MAC_DST, MAC_SRC, type, payload);
    }

    public static byte[] ethernet(byte[] dstMac, byte[] srcMac, int type, byte[] payload) {
        return new Bytes().bytes(dstMac).bytes(srcMac).u16(type).bytes(payload).toArray();
    }

    /** An IPv4 or IPv6 packet (told by its version field) in an Ethernet frame. */
    public static byte[] ethernet(byte[] ipPacket) {
        return ethernet((ipPacket[0] >>> 4 & 0xF) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, ipPacket);
    }

    /**
     * What follows an 802.1Q (or 802.1ad) TPID: the tag control information (priority 3 bits, DEI,
     * VLAN id 12 bits) and the type of what the tag carries. {@code ethernet(0x8100, vlanTag(...))}.
     */
    public static byte[] vlanTag(int tci, int type, byte[] payload) {
        return new Bytes().u16(tci).u16(type).bytes(payload).toArray();
    }

    /** Ethernet with one tag per entry of {@code tpids} (outermost first), priority 1, VLAN ids 100, 101, ... */
    public static byte[] ethernetTagged(int[] tpids, int type, byte[] payload) {
        if (tpids.length == 0) {
            return ethernet(type, payload);
        }
        byte[] inner = payload;
        for (int i = tpids.length - 1; i >= 0; i--) {
            inner = vlanTag(0x2000 | (100 + i), i + 1 < tpids.length ? tpids[i + 1] : type, inner);
        }
        return ethernet(tpids[0], inner);
    }

    /** An 802.3 frame with LLC/SNAP carrying {@code type} under {@code oui}. */
    public static byte[] llcSnap(int oui, int type, byte[] payload) {
        return new Bytes().bytes(MAC_DST).bytes(MAC_SRC).u16(8 + payload.length)
                .u8(0xAA).u8(0xAA).u8(0x03).u8(oui >>> 16).u16(oui).u16(type).bytes(payload).toArray();
    }

    /** An 802.3 frame with a plain LLC header (e.g. STP: 0x42 0x42 0x03). */
    public static byte[] llc(int dsap, int ssap, byte[] payload) {
        return new Bytes().bytes(MAC_DST).bytes(MAC_SRC).u16(3 + payload.length)
                .u8(dsap).u8(ssap).u8(0x03).bytes(payload).toArray();
    }

    /** PPPoE session payload (version/type, code, session 0x1234, length) + 2-byte PPP protocol. */
    public static byte[] pppoe(int code, int pppProtocol, byte[] payload) {
        return new Bytes().u8(0x11).u8(code).u16(0x1234).u16(2 + payload.length).u16(pppProtocol)
                .bytes(payload).toArray();
    }

    /** An MPLS label stack of {@code labels} entries (labels 16, 17, ...), bottom bit on the last. */
    public static byte[] mpls(int labels, byte[] payload) {
        Bytes b = new Bytes();
        for (int i = 0; i < labels; i++) {
            int label = 16 + i;
            b.u32((label << 12) | (5 << 9) | (i == labels - 1 ? 0x100 : 0) | 64);
        }
        return b.bytes(payload).toArray();
    }

    /** Linux cooked capture (SLL), sent by us, with {@code protocol} as its EtherType. */
    public static byte[] sll(int protocol, byte[] payload) {
        return new Bytes().u16(0).u16(1).u16(6).bytes(MAC_SRC).u16(0).u16(protocol).bytes(payload).toArray();
    }

    /** Linux cooked capture v2 (SLL2) on interface 3. */
    public static byte[] sll2(int protocol, byte[] payload) {
        return new Bytes().u16(protocol).u16(0).u32(3).u16(1).u8(4).u8(6).bytes(MAC_SRC).u16(0)
                .bytes(payload).toArray();
    }

    /** BSD loopback (NULL/LOOP): a 4-byte address family in either byte order. */
    public static byte[] loopback(int family, boolean littleEndian, byte[] payload) {
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
    public static final class Ip4 {
        private int version = 4;
        private int src = v4("192.0.2.1");
        private int dst = v4("198.51.100.2");
        private int protocol = PROTO_TCP;
        private int id = 0x1234;
        private int flags;
        private int fragmentOffsetBytes;
        private int optionBytes;
        private int ihl = -1;
        private int totalLength = -1;
        private int ttl = 64;

        public Ip4 src(String s) {
            return src(v4(s));
        }

        public Ip4 src(int address) {
            src = address;
            return this;
        }

        public Ip4 dst(String s) {
            return dst(v4(s));
        }

        public Ip4 dst(int address) {
            dst = address;
            return this;
        }

        public Ip4 protocol(int p) {
            protocol = p;
            return this;
        }

        public Ip4 id(int i) {
            id = i;
            return this;
        }

        public Ip4 ttl(int t) {
            ttl = t;
            return this;
        }

        public Ip4 fragment(int offsetBytes, boolean more) {
            fragmentOffsetBytes = offsetBytes;
            flags = more ? 0x2000 : 0;
            return this;
        }

        public Ip4 dontFragment() {
            flags |= 0x4000;
            return this;
        }

        /** {@code bytes} of options: NOPs, then end of options. */
        public Ip4 options(int bytes) {
            optionBytes = bytes;
            return this;
        }

        /** The IHL field, in 4-byte words, whatever the header's real length. */
        public Ip4 ihl(int words) {
            ihl = words;
            return this;
        }

        /** The total length field, whatever the packet's real length. */
        public Ip4 totalLength(int t) {
            totalLength = t;
            return this;
        }

        public Ip4 version(int v) {
            version = v;
            return this;
        }

        public int headerLength() {
            return 20 + optionBytes;
        }

        public byte[] build(byte[] payload) {
            int hl = headerLength();
            int ihlField = ihl >= 0 ? ihl : hl / 4;
            int tl = totalLength >= 0 ? totalLength : hl + payload.length;
            Bytes b = new Bytes().u8((version << 4) | (ihlField & 0xF)).u8(0).u16(tl).u16(id)
                    .u16(flags | (fragmentOffsetBytes >>> 3)).u8(ttl).u8(protocol).u16(0).u32(src).u32(dst);
            for (int i = 0; i < optionBytes; i++) {
                b.u8(i == optionBytes - 1 ? 0 : 1); // NOPs then end of options
            }
            byte[] h = b.toArray();
            int checksum = checksum(h, 0, hl);
            h[10] = (byte) (checksum >>> 8);
            h[11] = (byte) checksum;
            return Bytes.concat(h, payload);
        }
    }

    /** An IPv6 header builder; defaults 2001:db8::1 -> 2001:db8::2, next header TCP. */
    public static final class Ip6 {
        private int version = 6;
        private byte[] src = v6("2001:db8::1");
        private byte[] dst = v6("2001:db8::2");
        private int nextHeader = PROTO_TCP;
        private int payloadLength = -1;
        private int hopLimit = 64;
        private int flowLabel = 0x12345;

        public Ip6 src(String s) {
            return src(v6(s));
        }

        public Ip6 src(byte[] address) {
            src = address.clone();
            return this;
        }

        public Ip6 dst(String s) {
            return dst(v6(s));
        }

        public Ip6 dst(byte[] address) {
            dst = address.clone();
            return this;
        }

        public Ip6 next(int nh) {
            nextHeader = nh;
            return this;
        }

        /** The payload length field, whatever the packet's real length. */
        public Ip6 payloadLength(int p) {
            payloadLength = p;
            return this;
        }

        public Ip6 hopLimit(int h) {
            hopLimit = h;
            return this;
        }

        public Ip6 flowLabel(int label) {
            flowLabel = label & 0xFFFFF;
            return this;
        }

        public Ip6 version(int v) {
            version = v;
            return this;
        }

        public byte[] build(byte[] payload) {
            int pl = payloadLength >= 0 ? payloadLength : payload.length;
            return new Bytes().u32((version << 28) | flowLabel).u16(pl).u8(nextHeader).u8(hopLimit)
                    .bytes(src).bytes(dst).bytes(payload).toArray();
        }
    }

    /**
     * An IPv4 or IPv6 packet (told by the addresses, written as text) with the default header fields:
     * {@link Ip4} or {@link Ip6} with the addresses and protocol set.
     */
    public static byte[] ip(String src, String dst, int protocol, byte[] payload) {
        if (address(src).length == 4) {
            return new Ip4().src(src).dst(dst).protocol(protocol).build(payload);
        }
        return new Ip6().src(src).dst(dst).next(protocol).build(payload);
    }

    /** An IPv6 extension header (hop-by-hop 0, routing 43, fragment 44, AH 51, destination 60, mobility 135). */
    public static byte[] extension(int type, int next, int length) {
        Bytes b = new Bytes().u8(next);
        switch (type) {
            case 0: // hop-by-hop options
            case 60: // destination options
                b.u8(length / 8 - 1).u8(1).u8(length - 4).zeros(length - 4); // one PadN option
                break;
            case 43: // routing
                b.u8(length / 8 - 1).u8(0).u8(0).zeros(length - 4); // type 0, no segments left
                break;
            case 135: // mobility
                b.u8(length / 8 - 1).u8(0).u8(0).u16(0).zeros(length - 6); // binding refresh request
                break;
            case 51: // authentication: length in 4-byte words, minus 2
                b.u8(length / 4 - 2).u16(0).u32(0x1000).u32(1).zeros(length - 12);
                break;
            case 44:
                return fragment(next, 0, false, 1);
            default:
                throw new IllegalArgumentException("type " + type);
        }
        return b.toArray();
    }

    /** An IPv6 fragment header. */
    public static byte[] fragment(int next, int offsetBytes, boolean more, int id) {
        return new Bytes().u8(next).u8(0).u16(offsetBytes | (more ? 1 : 0)).u32(id).toArray();
    }

    // ---------------------------------------------------------------- transports

    /** A TCP header builder, and what follows it. */
    public static final class Tcp {
        private final int srcPort;
        private final int dstPort;
        private final int flags;
        private int seq = 0x01020304;
        private int ack = 0x05060708;
        private int window = 65535;
        private byte[] options = new byte[0];
        private int dataOffsetWords = -1;
        private byte[] payload = new byte[0];

        public Tcp(int srcPort, int dstPort, int flags) {
            this.srcPort = srcPort;
            this.dstPort = dstPort;
            this.flags = flags;
        }

        public Tcp seq(int s) {
            seq = s;
            return this;
        }

        public Tcp ack(int a) {
            ack = a;
            return this;
        }

        public Tcp window(int w) {
            window = w;
            return this;
        }

        /** Option bytes as they go on the wire (a multiple of 4). */
        public Tcp options(byte[] o) {
            if (o.length % 4 != 0) {
                throw new IllegalArgumentException("options of " + o.length + " bytes: pad them to a multiple of 4");
            }
            options = o.clone();
            return this;
        }

        /**
         * The data offset field, in 4-byte words; NOP options fill the header up to it. A value below 5
         * (or below the options) is written as it is: the header stays 20 bytes and its options.
         */
        public Tcp dataOffset(int words) {
            dataOffsetWords = words;
            return this;
        }

        public Tcp payload(byte[] p) {
            payload = p.clone();
            return this;
        }

        /** {@code n} bytes of {@link Bytes#pattern}. */
        public Tcp payload(int n) {
            payload = Bytes.pattern(new byte[n]);
            return this;
        }

        public byte[] build() {
            int header = 20 + options.length;
            int offset = dataOffsetWords >= 0 ? dataOffsetWords : header / 4;
            Bytes b = new Bytes().u16(srcPort).u16(dstPort).u32(seq).u32(ack)
                    .u8(offset << 4).u8(flags).u16(window).u16(0).u16(0).bytes(options);
            for (int i = header; i < offset * 4; i++) {
                b.u8(1);
            }
            return b.bytes(payload).toArray();
        }
    }

    public static byte[] tcp(int srcPort, int dstPort, int flags, int payload) {
        return new Tcp(srcPort, dstPort, flags).payload(payload).build();
    }

    /** A TCP header with {@code dataOffsetWords} (options NOP-filled) and {@code payload} bytes. */
    public static byte[] tcp(int srcPort, int dstPort, int flags, int dataOffsetWords, int payload) {
        return new Tcp(srcPort, dstPort, flags).dataOffset(dataOffsetWords).payload(payload).build();
    }

    public static byte[] udp(int srcPort, int dstPort, int payload) {
        return udp(srcPort, dstPort, 8 + payload, payload);
    }

    /** A UDP header whose length field says {@code lengthField}, and {@code payload} bytes. */
    public static byte[] udp(int srcPort, int dstPort, int lengthField, int payload) {
        return new Bytes().u16(srcPort).u16(dstPort).u16(lengthField).u16(0).pattern(payload).toArray();
    }

    public static byte[] udp(int srcPort, int dstPort, byte[] payload) {
        return new Bytes().u16(srcPort).u16(dstPort).u16(8 + payload.length).u16(0).bytes(payload).toArray();
    }

    /** ICMP/ICMPv6 with the 4 bytes after the checksum zero and {@code body} after them. */
    public static byte[] icmp(int type, int code, byte[] body) {
        return new Bytes().u8(type).u8(code).u16(0).u32(0).bytes(body).toArray();
    }

    // ---------------------------------------------------------------- helpers

    /** The first {@code n} bytes of {@code b} (zero-padded when it is shorter). */
    public static byte[] first(byte[] b, int n) {
        return Arrays.copyOf(b, n);
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes: 0 over a header that carries a right one. */
    public static int checksum(byte[] b, int offset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = b[offset + i] & 0xFF;
            int lo = i + 1 < length ? b[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }
}
