package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import org.junit.jupiter.api.Test;

/** ICMP and ICMPv6: type and code, and the quoted packet of error messages. */
class IcmpHeaderTest {
    private final Harness h = new Harness();

    /** The start of a UDP probe 10.0.0.1:40001 -> 10.0.0.2:161 as an ICMP error quotes it. */
    private static byte[] quotedUdp4() {
        return FrameBuilder.first(new FrameBuilder.Ip4().src("10.0.0.1").dst("10.0.0.2").protocol(17).build(FrameBuilder.udp(40001, 161, 40)), 28);
    }

    private static byte[] icmp4(int type, int code, byte[] quote) {
        return new FrameBuilder.Ip4().src("10.0.0.2").dst("10.0.0.1").protocol(1).build(FrameBuilder.icmp(type, code, quote));
    }

    private static byte[] icmp6(int type, int code, byte[] quote) {
        return new FrameBuilder.Ip6().src("2001:db8::2").dst("2001:db8::1").next(58).build(FrameBuilder.icmp(type, code, quote));
    }

    @Test
    void echoHasTypeAndCodeAndNoQuote() {
        DecodedPacket p = h.run(LinkType.IPV4, icmp4(8, 0, new byte[56]));
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(DecodedPacket.PROTO_ICMP, p.protocol);
        assertEquals(8, p.icmpType);
        assertEquals(0, p.icmpCode);
        assertFalse(p.hasQuoted);
        p = h.run(LinkType.IPV6, icmp6(128, 0, new byte[56]));
        assertEquals(128, p.icmpType);
        assertFalse(p.hasQuoted);
        assertEquals(2, h.stats.otherIp());
    }

    @Test
    void portUnreachableQuotesTheUdpProbe() {
        DecodedPacket p = h.run(LinkType.IPV4, icmp4(3, 3, quotedUdp4()));
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(3, p.icmpType);
        assertEquals(3, p.icmpCode);
        assertTrue(p.hasQuoted);
        assertEquals(17, p.quotedProtocol);
        assertEquals(FrameBuilder.inet("10.0.0.1"), FrameBuilder.address(p.quotedSrcHi, p.quotedSrcLo));
        assertEquals(FrameBuilder.inet("10.0.0.2"), FrameBuilder.address(p.quotedDstHi, p.quotedDstLo));
        assertEquals(40001, p.quotedSrcPort);
        assertEquals(161, p.quotedDstPort);
        assertEquals(0, p.srcPort, "the quote is not the packet's own 5-tuple");
    }

    @Test
    void everyV4ErrorTypeQuotesTcpToo() {
        byte[] tcpQuote = FrameBuilder.first(new FrameBuilder.Ip4().src("192.0.2.9").dst("198.51.100.7").options(4)
                .build(FrameBuilder.tcp(51000, 443, DecodedPacket.TCP_SYN, 0)), 32);
        for (int type : new int[] {3, 4, 5, 11, 12}) {
            DecodedPacket p = h.run(LinkType.IPV4, icmp4(type, 1, tcpQuote));
            assertTrue(p.hasQuoted, "type " + type);
            assertEquals(6, p.quotedProtocol);
            assertEquals(51000, p.quotedSrcPort);
            assertEquals(443, p.quotedDstPort);
        }
        for (int type : new int[] {0, 8, 13, 14}) {
            assertFalse(h.run(LinkType.IPV4, icmp4(type, 0, tcpQuote)).hasQuoted, "type " + type);
        }
    }

    @Test
    void v6ErrorsQuoteThroughExtensionHeaders() {
        byte[] inner = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.DESTINATION_OPTIONS, 17, 8), FrameBuilder.udp(33434, 33435, 12));
        byte[] quote = new FrameBuilder.Ip6().src("2001:db8::1").dst("2001:db8::99").next(60).build(inner);
        for (int type = 1; type <= 4; type++) {
            DecodedPacket p = h.run(LinkType.IPV6, icmp6(type, 0, quote));
            assertTrue(p.hasQuoted, "type " + type);
            assertEquals(17, p.quotedProtocol);
            assertEquals(FrameBuilder.inet("2001:db8::99"), FrameBuilder.address(p.quotedDstHi, p.quotedDstLo));
            assertEquals(33434, p.quotedSrcPort);
            assertEquals(33435, p.quotedDstPort);
        }
        byte[] tcp = new FrameBuilder.Ip6().build(FrameBuilder.tcp(40000, 22, DecodedPacket.TCP_SYN, 0));
        DecodedPacket p = h.run(LinkType.IPV6, icmp6(1, 4, tcp));
        assertEquals(6, p.quotedProtocol);
        assertEquals(22, p.quotedDstPort);
        assertFalse(h.run(LinkType.IPV6, icmp6(135, 0, tcp)).hasQuoted, "neighbour solicitation quotes nothing");
    }

    @Test
    void shortOrBrokenQuotesAreBestEffort() {
        // only the quoted IP header: addresses, no ports
        DecodedPacket p = h.run(LinkType.IPV4, icmp4(11, 0, FrameBuilder.first(quotedUdp4(), 20)));
        assertTrue(p.hasQuoted);
        assertEquals(17, p.quotedProtocol);
        assertEquals(0, p.quotedSrcPort);
        // less than a header, or not IPv4: nothing
        assertFalse(h.run(LinkType.IPV4, icmp4(3, 1, FrameBuilder.first(quotedUdp4(), 19))).hasQuoted);
        byte[] garbage = quotedUdp4();
        garbage[0] = 0x65;
        assertFalse(h.run(LinkType.IPV4, icmp4(3, 1, garbage)).hasQuoted);
        // a quoted later fragment has no ports to report
        byte[] frag = FrameBuilder.first(new FrameBuilder.Ip4().protocol(17).fragment(1480, false).build(new byte[40]), 28);
        p = h.run(LinkType.IPV4, icmp4(3, 3, frag));
        assertTrue(p.hasQuoted);
        assertEquals(0, p.quotedDstPort);
        // a quote cut by the snaplen reports what was captured
        byte[] frame = icmp4(3, 3, quotedUdp4());
        p = h.run(LinkType.IPV4, frame, 20 + 8 + 20 + 2, frame.length);
        assertTrue(p.hasQuoted);
        assertEquals(0, p.quotedSrcPort);
        p = h.run(LinkType.IPV4, frame, 20 + 8 + 20 + 4, frame.length);
        assertEquals(40001, p.quotedSrcPort);
        assertEquals(161, p.quotedDstPort);
        // IPv6 error quoting a short header
        assertFalse(h.run(LinkType.IPV6, icmp6(1, 0, new byte[39])).hasQuoted);
        assertEquals(0, h.stats.totalErrors(), "ICMP problems are never decode errors");
    }

    @Test
    void truncatedIcmpIsStillOtherIp() {
        byte[] frame = icmp4(3, 3, quotedUdp4());
        DecodedPacket p = h.run(LinkType.IPV4, frame, 21, frame.length);
        assertEquals(DecodedPacket.KIND_OTHER_IP, p.kind);
        assertEquals(-1, p.icmpType);
        p = h.run(LinkType.IPV4, frame, 22, frame.length);
        assertEquals(3, p.icmpType);
        assertFalse(p.hasQuoted);
    }

    @Test
    void laterIcmpFragmentIsAFragment() {
        DecodedPacket p = h.run(LinkType.IPV4, new FrameBuilder.Ip4().protocol(1).fragment(1480, false).build(new byte[100]));
        assertEquals(DecodedPacket.KIND_FRAGMENT, p.kind);
        assertEquals(-1, p.icmpType);
    }
}
