package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** IPv4: fields, options, length rules, TSO, fragments, truncation. Frames are raw IPv4 (link type 228). */
class Ipv4HeaderTest {
    private final Harness h = new Harness();

    @Test
    void everyFieldOfAPlainHeader() {
        FrameBuilder.Ip4 ip = new FrameBuilder.Ip4().src("203.0.113.250").dst("255.255.255.255").id(0xBEEF).dontFragment();
        byte[] frame = ip.build(FrameBuilder.tcp(1234, 80, DecodedPacket.TCP_ACK, 100));
        DecodedPacket p = h.run(LinkType.IPV4, frame);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(4, p.ipVersion);
        assertEquals(FrameBuilder.inet("203.0.113.250"), FrameBuilder.address(p.srcHi, p.srcLo));
        assertEquals(FrameBuilder.inet("255.255.255.255"), FrameBuilder.address(p.dstHi, p.dstLo));
        assertEquals(DecodedPacket.PROTO_TCP, p.protocol);
        assertEquals(frame.length, p.ipLength);
        assertFalse(p.fragmented, "DF alone is not a fragment");
        assertEquals(0, p.fragmentId);

        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(4, Ipv4Header.version(b, 0));
        assertEquals(20, Ipv4Header.headerLength(b, 0));
        assertEquals(frame.length, Ipv4Header.totalLength(b, 0));
        assertEquals(0xBEEF, Ipv4Header.identification(b, 0));
        assertTrue(Ipv4Header.dontFragment(b, 0));
        assertFalse(Ipv4Header.moreFragments(b, 0));
        assertEquals(64, Ipv4Header.ttl(b, 0));
        assertEquals(FrameBuilder.v4("203.0.113.250"), Ipv4Header.source(b, 0));
        assertEquals(FrameBuilder.v4("255.255.255.255"), Ipv4Header.destination(b, 0));
    }

    @Test
    void addressesAreIpv4Mapped() {
        DecodedPacket p = h.run(LinkType.IPV4, new FrameBuilder.Ip4().src("0.0.0.0").dst("128.0.0.1").build(FrameBuilder.tcp(1, 2, 0, 0)));
        assertEquals(0, p.srcHi);
        assertEquals(0x0000_FFFF_0000_0000L, p.srcLo);
        assertEquals(0x0000_FFFF_8000_0001L, p.dstLo, "no sign extension of the address");
    }

    @Test
    void optionsAreSkippedForEveryHeaderLength() {
        for (int words = 5; words <= 15; words++) {
            FrameBuilder.Ip4 ip = new FrameBuilder.Ip4().protocol(DecodedPacket.PROTO_UDP).options((words - 5) * 4);
            DecodedPacket p = h.run(LinkType.IPV4, ip.build(FrameBuilder.udp(5000 + words, 53, 10)));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "IHL " + words);
            assertEquals(5000 + words, p.srcPort);
            assertEquals(53, p.dstPort);
            assertEquals(words * 4 + 18, p.ipLength);
            assertEquals(10, p.payloadLength);
        }
    }

    @Test
    void badVersionAndIhl() {
        byte[] tcp = FrameBuilder.tcp(1, 2, 0, 0);
        for (int version : new int[] {0, 5, 6, 15}) {
            DecodedPacket p = h.run(LinkType.IPV4, new FrameBuilder.Ip4().version(version).build(tcp));
            assertEquals(DecodeError.BAD_IPV4_HEADER, p.error, "version " + version);
            assertEquals(0, p.ipVersion);
        }
        for (int ihl = 0; ihl < 5; ihl++) {
            assertEquals(DecodeError.BAD_IPV4_HEADER, h.run(LinkType.IPV4, new FrameBuilder.Ip4().ihl(ihl).build(tcp)).error);
        }
        assertEquals(9, h.stats.errors(DecodeError.BAD_IPV4_HEADER));
    }

    @Test
    void totalLengthBelowHeaderLengthIsBad() {
        byte[] tcp = FrameBuilder.tcp(1, 2, 0, 0);
        for (int tl : new int[] {1, 19}) {
            assertEquals(DecodeError.BAD_IPV4_HEADER, h.run(LinkType.IPV4, new FrameBuilder.Ip4().totalLength(tl).build(tcp)).error);
        }
        assertEquals(DecodeError.BAD_IPV4_HEADER,
                h.run(LinkType.IPV4, new FrameBuilder.Ip4().options(8).totalLength(24).build(tcp)).error);
        // exactly a header: no room for TCP
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV4, new FrameBuilder.Ip4().totalLength(20).build(tcp)).error);
    }

    @Test
    void zeroTotalLengthTakesTheLengthFromTheFrame() {
        // a TSO capture: the stack hands the NIC one 3000-byte segment with total length 0
        byte[] ip = new FrameBuilder.Ip4().totalLength(0).build(FrameBuilder.tcp(5001, 40000, DecodedPacket.TCP_ACK, 2960));
        DecodedPacket p = h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.IPV4, ip));
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(3000, p.ipLength);
        assertEquals(2960, p.payloadLength);
        // captured with a small snaplen: the wire length still tells
        byte[] frame = FrameBuilder.ethernet(EtherType.IPV4, ip);
        p = h.run(LinkType.ETHERNET, frame, 96, frame.length);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(3000, p.ipLength);
    }

    @Test
    void snaplenTruncationKeepsTheHeaderLength() {
        byte[] frame = new FrameBuilder.Ip4().build(FrameBuilder.tcp(443, 50000, DecodedPacket.TCP_PSH | DecodedPacket.TCP_ACK, 1400));
        DecodedPacket p = h.run(LinkType.RAW, frame, 54, frame.length);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(1440, p.ipLength);
        assertEquals(1400, p.payloadLength);
        assertEquals(frame.length, p.frameLength);
    }

    @Test
    void truncatedOptionsAreTruncatedIpWithTheFixedFieldsFilled() {
        byte[] frame = new FrameBuilder.Ip4().options(12).build(FrameBuilder.tcp(1, 2, 0, 0));
        for (int cut = 20; cut < 32; cut++) {
            DecodedPacket p = h.run(LinkType.IPV4, frame, cut, frame.length);
            assertEquals(DecodeError.TRUNCATED_IP, p.error);
            assertEquals(4, p.ipVersion);
            assertEquals(frame.length, p.ipLength);
            assertEquals(FrameBuilder.inet("192.0.2.1"), FrameBuilder.address(p.srcHi, p.srcLo));
        }
        for (int cut = 0; cut < 20; cut++) {
            DecodedPacket p = h.run(LinkType.IPV4, frame, cut, frame.length);
            assertEquals(DecodeError.TRUNCATED_IP, p.error);
            assertEquals(0, p.ipVersion);
        }
    }

    @Test
    void firstFragmentKeepsItsPorts() {
        byte[] udp = FrameBuilder.udp(33000, 514, 2992); // UDP length 3000 covers the whole datagram
        byte[] first = new FrameBuilder.Ip4().protocol(DecodedPacket.PROTO_UDP).id(0x4242).fragment(0, true)
                .build(FrameBuilder.first(udp, 1480));
        DecodedPacket p = h.run(LinkType.IPV4, first);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "error " + p.error);
        assertTrue(p.fragmented);
        assertTrue(p.moreFragments);
        assertEquals(0, p.fragmentOffset);
        assertEquals(0x4242, p.fragmentId);
        assertEquals(33000, p.srcPort);
        assertEquals(514, p.dstPort);
        assertEquals(1500, p.ipLength);
        assertEquals(1472, p.payloadLength, "this packet's share of the UDP payload");
    }

    @Test
    void laterFragmentsAreFragmentsWithoutPorts() {
        byte[] udp = FrameBuilder.udp(33000, 514, 2992);
        for (boolean more : new boolean[] {true, false}) {
            int offset = more ? 1480 : 2960;
            byte[] rest = java.util.Arrays.copyOfRange(udp, offset, more ? 2960 : 3000);
            byte[] frag = new FrameBuilder.Ip4().protocol(DecodedPacket.PROTO_UDP).id(0xFFFF).fragment(offset, more).build(rest);
            DecodedPacket p = h.run(LinkType.IPV4, frag);
            assertEquals(DecodedPacket.KIND_FRAGMENT, p.kind);
            assertTrue(p.fragmented);
            assertEquals(more, p.moreFragments);
            assertEquals(offset, p.fragmentOffset);
            assertEquals(0xFFFF, p.fragmentId);
            assertEquals(DecodedPacket.PROTO_UDP, p.protocol);
            assertEquals(frag.length, p.ipLength);
            assertEquals(FrameBuilder.inet("198.51.100.2"), FrameBuilder.address(p.dstHi, p.dstLo));
            assertEquals(0, p.srcPort);
            assertEquals(0, p.dstPort);
        }
        // the largest offset the 13-bit field holds
        byte[] last = new FrameBuilder.Ip4().fragment(0x1FFF * 8, false).build(new byte[8]);
        assertEquals(0x1FFF * 8, h.run(LinkType.IPV4, last).fragmentOffset);
        assertEquals(0, h.stats.totalErrors() + h.stats.otherIp() + h.stats.nonIp(), "fragments are the caller's to count");
    }

    @Test
    void otherProtocolsAreOtherIp() {
        for (int proto : new int[] {0, 2, 4 /* IP-in-IP */, 41 /* 6in4 */, 47 /* GRE */, 50, 89, 132, 255}) {
            DecodedPacket p = h.run(LinkType.IPV4, new FrameBuilder.Ip4().protocol(proto).build(new byte[40]));
            assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
            assertEquals(proto, p.protocol);
            assertEquals(60, p.ipLength);
        }
        assertEquals(9, h.stats.otherIp());
    }
}
