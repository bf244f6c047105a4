package io.portwatch.testkit;

import org.junit.jupiter.api.Test;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The frames against their layouts written out by hand, field by field. */
class FrameBuilderTest {

    @Test
    void tcpOverIpv4OverEthernet() {
        byte[] frame = FrameBuilder.ethernet(new FrameBuilder.Ip4().src("10.0.0.1").dst("10.0.0.2").dontFragment()
                .build(new FrameBuilder.Tcp(40000, 443, SYN | ACK).seq(7).ack(9).window(1024).payload(3).build()));
        byte[] expected = Bytes.hex("""
                001122334455 66778899aabb 0800
                45 00 002b 1234 4000 40 06 0000 0a000001 0a000002
                9c40 01bb 00000007 00000009 50 12 0400 0000 0000
                414243""");
        int checksum = FrameBuilder.checksum(expected, 14, 20);
        expected[24] = (byte) (checksum >>> 8);
        expected[25] = (byte) checksum;
        assertArrayEquals(expected, frame);
        assertEquals(0, FrameBuilder.checksum(frame, 14, 20), "a right header checksum sums to 0");
    }

    @Test
    void udpOverIpv6InTwoVlanTags() {
        byte[] udp = FrameBuilder.udp(5353, 53, new byte[] {1, 2});
        byte[] frame = FrameBuilder.ethernet(0x88A8, FrameBuilder.vlanTag(0x0064, 0x8100, FrameBuilder.vlanTag(0x2065,
                0x86DD, new FrameBuilder.Ip6().src("fe80::1").dst("ff02::fb").next(17).flowLabel(0).build(udp))));
        byte[] expected = Bytes.hex("""
                001122334455 66778899aabb 88a8 0064 8100 2065 86dd
                60000000 000a 11 40 fe800000000000000000000000000001 ff0200000000000000000000000000fb
                14e9 0035 000a 0000 0102""");
        assertArrayEquals(expected, frame);
        assertArrayEquals(FrameBuilder.ethernetTagged(new int[] {0x88A8, 0x8100}, 0x86DD, new byte[] {5}),
                FrameBuilder.ethernet(0x88A8, FrameBuilder.vlanTag(0x2064, 0x8100, FrameBuilder.vlanTag(0x2065, 0x86DD,
                        new byte[] {5}))), "tags of priority 1, VLAN ids 100 and 101");
    }

    @Test
    void tcpOptionsAndDataOffset() {
        byte[] mss = Bytes.hex("020405b4");
        byte[] withOptions = new FrameBuilder.Tcp(1, 2, SYN).options(mss).build();
        assertEquals(24, withOptions.length);
        assertEquals(0x60, withOptions[12] & 0xFF, "6 words");
        assertArrayEquals(mss, java.util.Arrays.copyOfRange(withOptions, 20, 24));
        byte[] padded = FrameBuilder.tcp(1, 2, SYN, 7, 2);
        assertEquals(28 + 2, padded.length);
        assertArrayEquals(Bytes.hex("0101010101010101 4142"), java.util.Arrays.copyOfRange(padded, 20, 30),
                "NOPs, then payload");
        byte[] lying = FrameBuilder.tcp(1, 2, SYN, 4, 0);
        assertEquals(20, lying.length);
        assertEquals(0x40, lying[12] & 0xFF);
        assertThrows(IllegalArgumentException.class, () -> new FrameBuilder.Tcp(1, 2, SYN).options(new byte[3]));
    }

    @Test
    void malformedIpv4FieldsAreWrittenAsAsked() {
        byte[] p = new FrameBuilder.Ip4().version(5).ihl(4).totalLength(9).options(4).protocol(17).ttl(1)
                .fragment(1480, true).build(new byte[0]);
        assertEquals(24, p.length);
        assertEquals(0x54, p[0] & 0xFF);
        assertEquals(9, p[3]);
        assertEquals(0x2000 | 1480 / 8, (p[6] & 0xFF) << 8 | p[7] & 0xFF);
        assertEquals(1, p[8]);
        assertEquals(17, p[9]);
        assertArrayEquals(Bytes.hex("01010100"), java.util.Arrays.copyOfRange(p, 20, 24), "NOPs, end of options");
        assertEquals(0, FrameBuilder.checksum(p, 0, 24));
    }

    @Test
    void ipv6ExtensionHeadersHaveTheirLengths() {
        for (int[] typeLength : new int[][] {{0, 8}, {60, 16}, {43, 24}, {135, 8}, {51, 24}, {44, 8}}) {
            byte[] h = FrameBuilder.extension(typeLength[0], 17, typeLength[1]);
            assertEquals(typeLength[1], h.length, "type " + typeLength[0]);
            assertEquals(17, h[0]);
            int declared = typeLength[0] == 51 ? (h[1] + 2) * 4 : typeLength[0] == 44 ? 8 : (h[1] + 1) * 8;
            assertEquals(typeLength[1], declared, "type " + typeLength[0] + ": its length field");
        }
        assertArrayEquals(Bytes.hex("11 00 04d1 01020304"), FrameBuilder.fragment(17, 1232, true, 0x01020304));
    }

    @Test
    void ipChoosesTheFamilyByTheAddresses() {
        byte[] v4 = FrameBuilder.ip("127.0.0.1", "127.0.0.2", 17, new byte[8]);
        byte[] v6 = FrameBuilder.ip("::1", "::2", 17, new byte[8]);
        assertEquals(0x45, v4[0]);
        assertEquals(0x60, v6[0] & 0xF0);
        assertEquals(0x0800, (FrameBuilder.ethernet(v4)[12] & 0xFF) << 8 | FrameBuilder.ethernet(v4)[13] & 0xFF);
        assertEquals(0x86DD, (FrameBuilder.ethernet(v6)[12] & 0xFF) << 8 | FrameBuilder.ethernet(v6)[13] & 0xFF);
        assertEquals(FrameBuilder.inet("::1"), FrameBuilder.address(0, 1));
        assertEquals(FrameBuilder.inet("10.0.0.1"), FrameBuilder.address(0, 0xFFFF_0A00_0001L), "IPv4-mapped");
    }
}
