package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** IPv6: fixed header, each extension header, chains, fragments, jumbograms, errors. Link type IPV6 (229). */
class Ipv6HeaderTest {
    private static final int[] WALKED = {
        Ipv6ExtensionHeader.HOP_BY_HOP, Ipv6ExtensionHeader.ROUTING, Ipv6ExtensionHeader.DESTINATION_OPTIONS,
        Ipv6ExtensionHeader.MOBILITY, Ipv6ExtensionHeader.AUTHENTICATION, Ipv6ExtensionHeader.FRAGMENT,
    };

    private final Harness h = new Harness();

    @Test
    void everyFieldOfTheFixedHeader() {
        FrameBuilder.Ip6 ip = new FrameBuilder.Ip6().src("2001:db8:ffff::8000:1").dst("ff02::1:ff00:1");
        byte[] frame = ip.build(FrameBuilder.tcp(22, 60000, DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, 0));
        DecodedPacket p = h.run(LinkType.IPV6, frame);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(6, p.ipVersion);
        assertEquals(FrameBuilder.inet("2001:db8:ffff::8000:1"), FrameBuilder.address(p.srcHi, p.srcLo));
        assertEquals(FrameBuilder.inet("ff02::1:ff00:1"), FrameBuilder.address(p.dstHi, p.dstLo));
        assertEquals(DecodedPacket.PROTO_TCP, p.protocol);
        assertEquals(60, p.ipLength);
        assertEquals(22, p.srcPort);
        assertFalse(p.fragmented);

        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(6, Ipv6Header.version(b, 0));
        assertEquals(0x12345, Ipv6Header.flowLabel(b, 0));
        assertEquals(0, Ipv6Header.trafficClass(b, 0));
        assertEquals(20, Ipv6Header.payloadLength(b, 0));
        assertEquals(DecodedPacket.PROTO_TCP, Ipv6Header.nextHeader(b, 0));
        assertEquals(64, Ipv6Header.hopLimit(b, 0));
    }

    @Test
    void badVersion() {
        for (int version : new int[] {0, 4, 7, 15}) {
            DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().version(version).build(FrameBuilder.tcp(1, 2, 0, 0)));
            assertEquals(DecodeError.BAD_IPV6_HEADER, p.error);
            assertEquals(0, p.ipVersion);
        }
    }

    @Test
    void shortHeaderIsTruncatedIp() {
        byte[] frame = new FrameBuilder.Ip6().build(FrameBuilder.tcp(1, 2, 0, 0));
        for (int cut = 0; cut < Ipv6Header.LENGTH; cut++) {
            assertEquals(DecodeError.TRUNCATED_IP, h.run(LinkType.IPV6, frame, cut, frame.length).error);
        }
    }

    @Test
    void eachExtensionHeaderBeforeTcpAndUdp() {
        for (int type : WALKED) {
            int length = type == Ipv6ExtensionHeader.FRAGMENT ? 8 : type == Ipv6ExtensionHeader.AUTHENTICATION ? 24 : 16;
            byte[] tcpExt = Bytes.concat(FrameBuilder.extension(type, DecodedPacket.PROTO_TCP, length),
                    FrameBuilder.tcp(50000, 8443, DecodedPacket.TCP_FIN, 7, 11));
            DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(type).build(tcpExt));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "extension " + type + " error " + p.error);
            assertEquals(DecodedPacket.PROTO_TCP, p.protocol);
            assertEquals(50000, p.srcPort);
            assertEquals(8443, p.dstPort);
            assertEquals(DecodedPacket.TCP_FIN, p.tcpFlags);
            assertEquals(40 + tcpExt.length, p.ipLength);
            assertEquals(11, p.payloadLength);
            assertFalse(p.fragmented, "an atomic fragment header is not a fragment");

            byte[] udpExt = Bytes.concat(FrameBuilder.extension(type, DecodedPacket.PROTO_UDP, length), FrameBuilder.udp(53, 5353, 3));
            p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(type).build(udpExt));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "extension " + type);
            assertEquals(DecodedPacket.PROTO_UDP, p.protocol);
            assertEquals(5353, p.dstPort);
            assertEquals(3, p.payloadLength);
        }
    }

    @Test
    void extensionLengthUnits() {
        // generic headers count 8-byte units beyond the first 8, AH 4-byte units beyond the first 8
        for (int units = 0; units < 4; units++) {
            byte[] ho = FrameBuilder.extension(Ipv6ExtensionHeader.HOP_BY_HOP, DecodedPacket.PROTO_UDP, 8 * (units + 1));
            assertEquals(8 * (units + 1), Ipv6ExtensionHeader.headerLength(ByteBuffer.wrap(ho), 0, Ipv6ExtensionHeader.HOP_BY_HOP));
            byte[] ah = FrameBuilder.extension(Ipv6ExtensionHeader.AUTHENTICATION, DecodedPacket.PROTO_UDP, 12 + 4 * units);
            assertEquals(12 + 4 * units, Ipv6ExtensionHeader.headerLength(ByteBuffer.wrap(ah), 0, Ipv6ExtensionHeader.AUTHENTICATION));
            DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.AUTHENTICATION)
                    .build(Bytes.concat(ah, FrameBuilder.udp(1, 2, 0))));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "AH of " + ah.length + " bytes");
        }
    }

    @Test
    void aChainOfEveryExtension() {
        byte[] payload = FrameBuilder.udp(4500, 4500, 20);
        int next = DecodedPacket.PROTO_UDP;
        for (int i = WALKED.length - 1; i >= 0; i--) {
            int length = WALKED[i] == Ipv6ExtensionHeader.FRAGMENT ? 8 : 24;
            payload = Bytes.concat(FrameBuilder.extension(WALKED[i], next, length), payload);
            next = WALKED[i];
        }
        DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(next).build(payload));
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(4500, p.srcPort);
        assertEquals(20, p.payloadLength);
    }

    @Test
    void tooManyExtensionHeaders() {
        byte[] payload = FrameBuilder.udp(1, 2, 0);
        int next = DecodedPacket.PROTO_UDP;
        for (int i = 0; i < Ipv6ExtensionHeader.MAX_HEADERS; i++) {
            payload = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.DESTINATION_OPTIONS, next, 8), payload);
            next = Ipv6ExtensionHeader.DESTINATION_OPTIONS;
        }
        assertEquals(DecodedPacket.KIND_TRANSPORT, h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(next).build(payload)).kind);
        payload = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.DESTINATION_OPTIONS, next, 8), payload);
        DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.DESTINATION_OPTIONS).build(payload));
        assertEquals(DecodeError.BAD_IPV6_EXTENSION, p.error);
        assertEquals(6, p.ipVersion);
    }

    @Test
    void extensionRunningPastThePayloadIsBad() {
        byte[] ext = FrameBuilder.extension(Ipv6ExtensionHeader.ROUTING, DecodedPacket.PROTO_TCP, 32);
        byte[] full = new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.ROUTING).build(Bytes.concat(ext, FrameBuilder.tcp(1, 2, 0, 0)));
        for (int payloadLength : new int[] {1, 8, 31}) {
            byte[] frame = full.clone();
            frame[4] = 0;
            frame[5] = (byte) payloadLength;
            DecodedPacket p = h.run(LinkType.IPV6, frame);
            assertEquals(DecodeError.BAD_IPV6_EXTENSION, p.error, "payload length " + payloadLength);
            assertEquals(40 + payloadLength, p.ipLength);
        }
        // the header fits but leaves no room for TCP
        byte[] frame = full.clone();
        frame[5] = 32;
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV6, frame).error);
    }

    @Test
    void captureEndingInsideTheChainIsTruncatedIp() {
        byte[] ext = FrameBuilder.extension(Ipv6ExtensionHeader.HOP_BY_HOP, DecodedPacket.PROTO_TCP, 16);
        byte[] frame = new FrameBuilder.Ip6().next(0).build(Bytes.concat(ext, FrameBuilder.tcp(1, 2, 0, 0)));
        for (int cut = 40; cut < 56; cut++) {
            DecodedPacket p = h.run(LinkType.IPV6, frame, cut, frame.length);
            assertEquals(DecodeError.TRUNCATED_IP, p.error, "cut " + cut);
            assertEquals(frame.length, p.ipLength);
            assertEquals(FrameBuilder.inet("2001:db8::1"), FrameBuilder.address(p.srcHi, p.srcLo));
        }
        assertEquals(DecodeError.TRUNCATED_TRANSPORT, h.run(LinkType.IPV6, frame, 56, frame.length).error);
    }

    @Test
    void espAndNoNextHeaderAreOtherIp() {
        DecodedPacket p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.ESP).build(new byte[48]));
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(Ipv6ExtensionHeader.ESP, p.protocol);
        byte[] hbhThenNone = FrameBuilder.extension(Ipv6ExtensionHeader.HOP_BY_HOP, Ipv6ExtensionHeader.NO_NEXT_HEADER, 8);
        p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(0).build(hbhThenNone));
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(Ipv6ExtensionHeader.NO_NEXT_HEADER, p.protocol);
        p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.NO_NEXT_HEADER).build(new byte[0]));
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(40, p.ipLength);
        assertEquals(3, h.stats.otherIp());
    }

    @Test
    void fragmentsCarryTheThirtyTwoBitId() {
        byte[] udp = FrameBuilder.udp(7000, 514, 2000);
        long id = 0xDEADBEEFL;
        byte[] first = new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.FRAGMENT).build(Bytes.concat(
                FrameBuilder.fragment(DecodedPacket.PROTO_UDP, 0, true, (int) id), FrameBuilder.first(udp, 1232)));
        DecodedPacket p = h.run(LinkType.IPV6, first);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "error " + p.error);
        assertTrue(p.fragmented);
        assertTrue(p.moreFragments);
        assertEquals(id, p.fragmentId);
        assertEquals(0, p.fragmentOffset);
        assertEquals(514, p.dstPort);

        byte[] rest = java.util.Arrays.copyOfRange(udp, 1232, udp.length);
        byte[] second = new FrameBuilder.Ip6().next(Ipv6ExtensionHeader.FRAGMENT).build(Bytes.concat(
                FrameBuilder.fragment(DecodedPacket.PROTO_UDP, 1232, false, (int) id), rest));
        p = h.run(LinkType.IPV6, second);
        assertEquals(DecodedPacket.KIND_FRAGMENT, p.kind);
        assertEquals(id, p.fragmentId);
        assertEquals(1232, p.fragmentOffset);
        assertFalse(p.moreFragments);
        assertEquals(DecodedPacket.PROTO_UDP, p.protocol);
        assertEquals(40 + 8 + rest.length, p.ipLength);
        assertEquals(0, p.dstPort);

        // a later fragment after other extension headers
        byte[] chain = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.HOP_BY_HOP, Ipv6ExtensionHeader.FRAGMENT, 8),
                FrameBuilder.fragment(DecodedPacket.PROTO_TCP, 8, true, 7), new byte[8]);
        p = h.run(LinkType.IPV6, new FrameBuilder.Ip6().next(0).build(chain));
        assertEquals(DecodedPacket.KIND_FRAGMENT, p.kind);
        assertEquals(DecodedPacket.PROTO_TCP, p.protocol);
        assertEquals(7, p.fragmentId);

        ByteBuffer b = ByteBuffer.wrap(second);
        assertEquals(1232, Ipv6ExtensionHeader.fragmentOffset(b, 40));
        assertEquals(id, Ipv6ExtensionHeader.fragmentId(b, 40));
    }

    @Test
    void jumbogramTakesItsLengthFromTheFrame() {
        // RFC 2675: payload length 0, hop-by-hop jumbo option, UDP length 0
        byte[] hbh = new Bytes().u8(DecodedPacket.PROTO_UDP).u8(0).u8(0xC2).u8(4).u32(8 + 8 + 70000).toArray();
        byte[] udp = FrameBuilder.udp(9000, 9001, 0, 70000);
        byte[] frame = new FrameBuilder.Ip6().next(0).payloadLength(0).build(Bytes.concat(hbh, udp));
        DecodedPacket p = h.run(LinkType.IPV6, frame);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "error " + p.error);
        assertEquals(frame.length, p.ipLength);
        assertEquals(70000, p.payloadLength);
        // a BIG TCP segment as Linux captures it: payload length 0 and no hop-by-hop header
        byte[] big = new FrameBuilder.Ip6().payloadLength(0).build(FrameBuilder.tcp(5201, 40000, DecodedPacket.TCP_ACK, 80000));
        p = h.run(LinkType.IPV6, big, 128, big.length);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(big.length, p.ipLength);
        assertEquals(80000, p.payloadLength);
        // UDP length 0 is a jumbogram only in IPv6
        byte[] v4 = new FrameBuilder.Ip4().protocol(DecodedPacket.PROTO_UDP).build(FrameBuilder.udp(1, 2, 0, 10));
        assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV4, v4).error);
    }
}
