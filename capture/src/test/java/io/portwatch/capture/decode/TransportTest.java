package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** TCP and UDP headers over IPv4 and IPv6: fields, lengths and every error reason. */
class TransportTest {
    private final Harness h = new Harness();

    private static byte[] v4(int protocol, byte[] transport) {
        return new FrameBuilder.Ip4().protocol(protocol).build(transport);
    }

    private static byte[] v6(int protocol, byte[] transport) {
        return new FrameBuilder.Ip6().next(protocol).build(transport);
    }

    @Test
    void tcpPortsAndEveryFlag() {
        for (int bit = 0; bit < 8; bit++) {
            int flags = 1 << bit;
            DecodedPacket p = h.run(LinkType.IPV4, v4(6, FrameBuilder.tcp(65535, 1, flags, 0)));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
            assertEquals(65535, p.srcPort);
            assertEquals(1, p.dstPort);
            assertEquals(flags, p.tcpFlags);
        }
        int all = DecodedPacket.TCP_FIN | DecodedPacket.TCP_SYN | DecodedPacket.TCP_RST | DecodedPacket.TCP_PSH
                | DecodedPacket.TCP_ACK | DecodedPacket.TCP_URG | DecodedPacket.TCP_ECE | DecodedPacket.TCP_CWR;
        assertEquals(0xFF, h.run(LinkType.IPV6, v6(6, FrameBuilder.tcp(1, 2, all, 0))).tcpFlags);
        byte[] tcp = FrameBuilder.tcp(1234, 80, DecodedPacket.TCP_SYN, 8, 0);
        ByteBuffer b = ByteBuffer.wrap(tcp);
        assertEquals(1234, TcpHeader.sourcePort(b, 0));
        assertEquals(80, TcpHeader.destinationPort(b, 0));
        assertEquals(0x01020304L, TcpHeader.sequence(b, 0));
        assertEquals(0x05060708L, TcpHeader.acknowledgment(b, 0));
        assertEquals(32, TcpHeader.headerLength(b, 0));
        assertEquals(DecodedPacket.TCP_SYN, TcpHeader.flags(b, 0));
        assertEquals(65535, TcpHeader.window(b, 0));
    }

    @Test
    void tcpPayloadLengthComesFromTheIpLengths() {
        for (int words = 5; words <= 15; words++) {
            DecodedPacket p = h.run(LinkType.IPV4, v4(6, FrameBuilder.tcp(1, 2, DecodedPacket.TCP_ACK, words, 333)));
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
            assertEquals(333, p.payloadLength);
            p = h.run(LinkType.IPV6, v6(6, FrameBuilder.tcp(1, 2, DecodedPacket.TCP_ACK, words, 0)));
            assertEquals(0, p.payloadLength);
        }
    }

    @Test
    void tcpDataOffsetBelowFiveIsBad() {
        for (int words = 0; words < 5; words++) {
            byte[] tcp = FrameBuilder.tcp(1, 2, 0, 5, 20);
            tcp[12] = (byte) (words << 4);
            DecodedPacket p = h.run(LinkType.IPV4, v4(6, tcp));
            assertEquals(DecodeError.BAD_TCP_HEADER, p.error);
            assertEquals(1, p.srcPort, "ports are still reported");
        }
    }

    @Test
    void tcpHeaderPastTheIpPayloadIsBad() {
        // data offset 15 words (60 bytes) in a 40-byte segment
        byte[] tcp = FrameBuilder.tcp(1, 2, 0, 5, 20);
        tcp[12] = (byte) 0xF0;
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV4, v4(6, tcp)).error);
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV6, v6(6, tcp)).error);
        // an IP payload shorter than the minimal TCP header, even if fully captured
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV4, v4(6, FrameBuilder.first(FrameBuilder.tcp(1, 2, 0, 0), 19))).error);
        assertEquals(DecodeError.BAD_TCP_HEADER, h.run(LinkType.IPV6, v6(6, new byte[0])).error);
        assertEquals(4, h.stats.errors(DecodeError.BAD_TCP_HEADER));
    }

    @Test
    void tcpNeedsOnlyThePortsCaptured() {
        byte[] frame = v4(6, FrameBuilder.tcp(1000, 2000, DecodedPacket.TCP_RST, 10));
        for (int cut = 20; cut < 20 + TcpHeader.PORTS_LENGTH; cut++) {
            DecodedPacket p = h.run(LinkType.IPV4, frame, cut, frame.length);
            assertEquals(DecodeError.TRUNCATED_TRANSPORT, p.error, "cut " + cut);
            assertEquals(50, p.ipLength);
            assertEquals(DecodedPacket.PROTO_TCP, p.protocol);
        }
        // cut after the ports, before the flags: counted as tcpdump and tshark read it, flags unknown (0)
        for (int cut = 20 + TcpHeader.PORTS_LENGTH; cut < 20 + TcpHeader.FLAGS_LENGTH; cut++) {
            DecodedPacket p = h.run(LinkType.IPV4, frame, cut, frame.length);
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "cut " + cut + ", error " + p.error);
            assertEquals(1000, p.srcPort);
            assertEquals(2000, p.dstPort);
            assertEquals(0, p.tcpFlags, "cut " + cut);
            assertEquals(10, p.payloadLength, "cut " + cut + ": the IP payload less a minimal header");
        }
        DecodedPacket p = h.run(LinkType.IPV4, frame, 34, frame.length);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(DecodedPacket.TCP_RST, p.tcpFlags);
        assertEquals(10, p.payloadLength);
    }

    /** tcpdump's tcp_header_heapoverflow.pcap: 12 bytes of TCP captured; tcpdump and tshark show its ports. */
    @Test
    void tcpdumpsTruncatedTcpHeaderIsCounted() throws java.io.IOException {
        java.util.List<CaptureFiles.Frame> frames =
                CaptureFiles.read(io.portwatch.testkit.Corpus.file("tcpdump-tests", "tcp_header_heapoverflow.pcap"));
        assertEquals(1, frames.size());
        CaptureFiles.Frame f = frames.get(0);
        DecodedPacket p = h.run(f.linkType(), f.data(), f.data().length, f.originalLength());
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "error " + p.error);
        assertEquals(12336, p.srcPort);
        assertEquals(12336, p.dstPort);
        assertEquals(0, p.tcpFlags);
        assertEquals(12336, p.ipLength);
    }

    @Test
    void udpFieldsOverBothVersions() {
        DecodedPacket p = h.run(LinkType.IPV4, v4(17, FrameBuilder.udp(68, 67, 300)));
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(68, p.srcPort);
        assertEquals(67, p.dstPort);
        assertEquals(0, p.tcpFlags);
        assertEquals(300, p.payloadLength);
        assertEquals(328, p.ipLength);
        p = h.run(LinkType.IPV6, v6(17, FrameBuilder.udp(546, 547, 0)));
        assertEquals(546, p.srcPort);
        assertEquals(0, p.payloadLength);
        assertEquals(48, p.ipLength);
        ByteBuffer b = ByteBuffer.wrap(FrameBuilder.udp(68, 67, 300));
        assertEquals(68, UdpHeader.sourcePort(b, 0));
        assertEquals(67, UdpHeader.destinationPort(b, 0));
        assertEquals(308, UdpHeader.length(b, 0));
    }

    @Test
    void udpLengthShorterThanTheIpPayloadIsAccepted() {
        // trailing bytes inside the IP packet (seen with some padding stacks): UDP's own length wins
        DecodedPacket p = h.run(LinkType.IPV4, v4(17, Bytes.concat(FrameBuilder.udp(1, 2, 10), new byte[6])));
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(10, p.payloadLength);
    }

    @Test
    void badUdpLengths() {
        for (int length : new int[] {0, 1, 7}) {
            assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV4, v4(17, FrameBuilder.udp(1, 2, length, 20))).error);
        }
        for (int length : new int[] {1, 7}) {
            assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV6, v6(17, FrameBuilder.udp(1, 2, length, 20))).error);
        }
        assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV4, v4(17, FrameBuilder.udp(1, 2, 29, 20))).error);
        assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV6, v6(17, FrameBuilder.udp(1, 2, 65535, 20))).error);
        assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV4, v4(17, new byte[7])).error);
        assertEquals(8, h.stats.errors(DecodeError.BAD_UDP_HEADER));
    }

    @Test
    void udpLengthZeroInAnIpv4SegmentPastSixtyFourKilobytes() {
        // a GSO'd UDP tunnel segment as Linux captures it before segmentation: IP total length 0 and UDP length 0
        byte[] big = new FrameBuilder.Ip4().protocol(17).totalLength(0).build(FrameBuilder.udp(29804, 6081, 0, 80000));
        DecodedPacket p = h.run(LinkType.IPV4, big, 96, big.length);
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "error " + p.error);
        assertEquals(big.length, p.ipLength);
        assertEquals(80000, p.payloadLength);
        // but not in an IPv4 packet whose payload the field could state
        byte[] small = new FrameBuilder.Ip4().protocol(17).totalLength(0).build(FrameBuilder.udp(1, 2, 0, 100));
        assertEquals(DecodeError.BAD_UDP_HEADER, h.run(LinkType.IPV4, small).error);
    }

    @Test
    void udpNeedsOnlyThePortsCaptured() {
        byte[] frame = v6(17, FrameBuilder.udp(5060, 5060, 400));
        for (int cut = 40; cut < 44; cut++) {
            assertEquals(DecodeError.TRUNCATED_TRANSPORT, h.run(LinkType.IPV6, frame, cut, frame.length).error);
        }
        for (int cut = 44; cut <= frame.length; cut += cut < 50 ? 1 : 100) {
            DecodedPacket p = h.run(LinkType.IPV6, frame, cut, frame.length);
            assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "cut " + cut);
            assertEquals(5060, p.dstPort);
            assertEquals(400, p.payloadLength);
            assertEquals(frame.length, p.ipLength);
        }
    }

    @Test
    void transportErrorsKeepTheIpFields() {
        DecodedPacket p = h.run(LinkType.IPV4, v4(17, FrameBuilder.udp(1, 2, 3, 20)));
        assertEquals(DecodeError.BAD_UDP_HEADER, p.error);
        assertEquals(4, p.ipVersion);
        assertEquals(48, p.ipLength);
        assertEquals(FrameBuilder.inet("192.0.2.1"), FrameBuilder.address(p.srcHi, p.srcLo));
    }
}
