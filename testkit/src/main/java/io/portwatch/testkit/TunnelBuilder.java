package io.portwatch.testkit;

/**
 * Tunnel headers for {@link FrameBuilder}'s frames, each with what it carries after it: put the result
 * in UDP ({@code FrameBuilder.udp(sport, 4789, vxlan(...))}) or in IP ({@code Ip4().protocol(47)} for
 * GRE). Fields can be set wrong on purpose (a flag cleared, a length that lies). A class of its own so
 * that FrameBuilder keeps to the layers every test uses.
 */
public final class TunnelBuilder {
    public static final int VXLAN_PORT = 4789;
    public static final int GENEVE_PORT = 6081;
    public static final int GTP_U_PORT = 2152;
    public static final int PROTO_GRE = 47;
    public static final int PROTO_IPV4_IN_IP = 4;
    public static final int PROTO_IPV6_IN_IP = 41;
    public static final int GRE_CHECKSUM = 0x8000;
    public static final int GRE_KEY = 0x2000;
    public static final int GRE_SEQUENCE = 0x1000;
    public static final int ETHERTYPE_TEB = 0x6558;
    public static final int ETHERTYPE_ERSPAN_II = 0x88BE;
    public static final int ETHERTYPE_ERSPAN_III = 0x22EB;

    private TunnelBuilder() {
    }

    /** A VXLAN header with the I flag set and this VNI, then an Ethernet frame. */
    public static byte[] vxlan(int vni, byte[] ethernetFrame) {
        return vxlan(0x08, vni, ethernetFrame);
    }

    public static byte[] vxlan(int flags, int vni, byte[] ethernetFrame) {
        return new Bytes().u8(flags).zeros(3).u32(vni << 8).bytes(ethernetFrame).toArray();
    }

    /** A Geneve header (version 0) with {@code optionWords} 4-byte words of options, then the payload. */
    public static byte[] geneve(int optionWords, int protocol, int vni, byte[] payload) {
        Bytes b = new Bytes().u8(optionWords & 0x3F).u8(0).u16(protocol).u32(vni << 8);
        for (int i = 0; i < optionWords; i++) {
            b.u32(i == 0 ? 0x0101_8000 | (optionWords - 1) : 0xA5A5_A5A5); // class 0x0101, type 0x80, length
        }
        return b.bytes(payload).toArray();
    }

    /** A GRE header (version 0) with the fields its flags name (checksum 0, key 0x11223344, sequence 7). */
    public static byte[] gre(int flags, int protocol, byte[] payload) {
        Bytes b = new Bytes().u16(flags).u16(protocol);
        if ((flags & GRE_CHECKSUM) != 0) {
            b.u32(0);
        }
        if ((flags & GRE_KEY) != 0) {
            b.u32(0x1122_3344);
        }
        if ((flags & GRE_SEQUENCE) != 0) {
            b.u32(7);
        }
        return b.bytes(payload).toArray();
    }

    /** An ERSPAN type II header (version 1, VLAN 10, session 5, index 0x12345), then the mirrored frame. */
    public static byte[] erspanII(byte[] ethernetFrame) {
        return new Bytes().u16(0x1000 | 10).u16(5).u32(0x12345).bytes(ethernetFrame).toArray();
    }

    /**
     * An ERSPAN type III header (version 2, VLAN 10, session 5, frame type 0 Ethernet), with the 8-byte
     * platform subheader when {@code platform}, then the mirrored frame.
     */
    public static byte[] erspanIII(boolean platform, byte[] ethernetFrame) {
        Bytes b = new Bytes().u16(0x2000 | 10).u16(5).u32(0x0102_0304).u16(0).u16(platform ? 1 : 0);
        if (platform) {
            b.u32(0x0300_0000).u32(0x0506_0708); // platform id 3, port and timestamp bits
        }
        return b.bytes(ethernetFrame).toArray();
    }

    /**
     * A GTP-U G-PDU (version 1, TEID 0x1234) carrying an IP packet: with a sequence number when
     * {@code sequence}, and one extension header of {@code extensionWords} words per entry (PDU session
     * container type 0x85).
     */
    public static byte[] gtpU(boolean sequence, int[] extensionWords, byte[] ipPacket) {
        int flags = 0x30 | (sequence ? 0x02 : 0) | (extensionWords.length > 0 ? 0x04 : 0);
        Bytes ext = new Bytes();
        if ((flags & 0x06) != 0) {
            ext.u16(sequence ? 99 : 0).u8(0).u8(extensionWords.length > 0 ? 0x85 : 0);
        }
        for (int i = 0; i < extensionWords.length; i++) {
            int words = extensionWords[i];
            ext.u8(words);
            ext.zeros(Math.max(0, words * 4 - 2));
            ext.u8(i + 1 < extensionWords.length ? 0x85 : 0);
        }
        byte[] rest = Bytes.concat(ext.toArray(), ipPacket);
        return new Bytes().u8(flags).u8(255).u16(rest.length).u32(0x1234).bytes(rest).toArray();
    }
}
