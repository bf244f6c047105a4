package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.Corpus;
import io.portwatch.testkit.FrameBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Cuts frames at every byte and checks that each cut is reported at the layer it falls in: link,
 * IP (including options and extension headers), transport, or decoded in full with the same fields.
 */
class TruncationTest {

    /**
     * A frame and where its layers end: {@code linkEnd} is the first cut that is no longer a link
     * error, {@code transportStart} where TCP/UDP begins, {@code need} the transport bytes required.
     */
    record Layout(String name, int linkType, byte[] frame, int linkEnd, int ipFixedEnd, int transportStart, int need) {
    }

    private static Layout built(String name, int linkType, byte[] link, byte[] ipHeaders, int ipFixed, byte[] transport,
                                boolean tcp, int linkEndExtra) {
        byte[] frame = Bytes.concat(link, ipHeaders, transport);
        return new Layout(name, linkType, frame, link.length + linkEndExtra, link.length + ipFixed,
                link.length + ipHeaders.length, tcp ? TcpHeader.REQUIRED_LENGTH : UdpHeader.REQUIRED_LENGTH);
    }

    /** Splits a built IP packet into header bytes and transport bytes at {@code headerLength}. */
    private static byte[][] split(byte[] packet, int headerLength) {
        return new byte[][] {FrameBuilder.first(packet, headerLength), java.util.Arrays.copyOfRange(packet, headerLength, packet.length)};
    }

    static List<Layout> builtFrames() {
        List<Layout> l = new ArrayList<>();
        byte[] tcp = FrameBuilder.tcp(40000, 443, DecodedPacket.TCP_PSH | DecodedPacket.TCP_ACK, 8, 30);
        byte[] udp = FrameBuilder.udp(5353, 53, 25);

        byte[][] v4opt = split(new FrameBuilder.Ip4().options(8).build(tcp), 28);
        l.add(built("ethernet ipv4+options tcp", LinkType.ETHERNET, Bytes.hex("001122334455 66778899aabb 0800"),
                v4opt[0], 20, v4opt[1], true, 0));
        byte[][] v4udp = split(new FrameBuilder.Ip4().protocol(17).build(udp), 20);
        l.add(built("sll ipv4 udp", LinkType.LINUX_SLL, FrameBuilder.sll(EtherType.IPV4, new byte[0]), v4udp[0], 20, v4udp[1], false, 0));
        l.add(built("raw ipv4 udp", LinkType.RAW, new byte[0], v4udp[0], 20, v4udp[1], false, 0));
        l.add(built("loop ipv4 udp", LinkType.LOOP, FrameBuilder.loopback(2, false, new byte[0]), v4udp[0], 20, v4udp[1], false, 0));
        l.add(built("llc/snap ipv4 udp", LinkType.ETHERNET, FrameBuilder.llcSnap(0, EtherType.IPV4, new byte[0]), v4udp[0], 20, v4udp[1], false, 0));
        l.add(built("pppoe ipv4 udp", LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, 0x21, new byte[0])),
                v4udp[0], 20, v4udp[1], false, 0));

        byte[] chain = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.HOP_BY_HOP, Ipv6ExtensionHeader.FRAGMENT, 16),
                FrameBuilder.fragment(17, 0, true, 99));
        byte[][] v6frag = split(new FrameBuilder.Ip6().next(0).build(Bytes.concat(chain, udp)), 40 + chain.length);
        l.add(built("qinq ipv6 hbh+frag udp", LinkType.ETHERNET,
                FrameBuilder.ethernetTagged(new int[] {EtherType.QINQ, EtherType.VLAN}, EtherType.IPV6, new byte[0]),
                v6frag[0], 40, v6frag[1], false, 0));
        byte[] rtAh = Bytes.concat(FrameBuilder.extension(Ipv6ExtensionHeader.ROUTING, Ipv6ExtensionHeader.AUTHENTICATION, 24),
                FrameBuilder.extension(Ipv6ExtensionHeader.AUTHENTICATION, 6, 24));
        byte[][] v6ah = split(new FrameBuilder.Ip6().next(43).build(Bytes.concat(rtAh, tcp)), 40 + rtAh.length);
        l.add(built("ipv6 rt+ah tcp", LinkType.IPV6, new byte[0], v6ah[0], 40, v6ah[1], true, 0));
        l.add(built("sll2 ipv6 rt+ah tcp", LinkType.LINUX_SLL2, FrameBuilder.sll2(EtherType.IPV6, new byte[0]), v6ah[0], 40, v6ah[1], true, 0));
        byte[] dst = FrameBuilder.extension(Ipv6ExtensionHeader.DESTINATION_OPTIONS, 6, 8);
        byte[][] v6do = split(new FrameBuilder.Ip6().next(60).build(Bytes.concat(dst, tcp)), 48);
        l.add(built("null-le ipv6 dstopts tcp", LinkType.NULL, FrameBuilder.loopback(30, true, new byte[0]), v6do[0], 40, v6do[1], true, 0));
        byte[][] v6udp = split(new FrameBuilder.Ip6().next(17).build(udp), 40);
        l.add(built("mpls ipv6 udp", LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(3, new byte[0])),
                v6udp[0], 40, v6udp[1], false, 1));
        return l;
    }

    /** The link and network layout of a real frame, parsed here independently of the decoder. */
    static Layout realLayout(String name, CaptureFiles.Frame f) {
        ByteBuffer b = ByteBuffer.wrap(f.data());
        int p = 0;
        int type;
        if (f.linkType() == LinkType.ETHERNET) {
            type = b.getShort(12) & 0xFFFF;
            p = 14;
            while (type == 0x8100 || type == 0x88A8) {
                type = b.getShort(p + 2) & 0xFFFF;
                p += 4;
            }
        } else {
            type = (b.get(0) >> 4) == 4 ? 0x0800 : 0x86DD;
        }
        int linkEnd = p;
        int fixed = type == 0x0800 ? 20 : 40;
        int header = type == 0x0800 ? (b.get(p) & 0x0F) * 4 : 40;
        int proto = type == 0x0800 ? b.get(p + 9) : b.get(p + 6);
        return new Layout(name, f.linkType(), f.data(), linkEnd, p + fixed, p + header,
                proto == 6 ? TcpHeader.REQUIRED_LENGTH : UdpHeader.REQUIRED_LENGTH);
    }

    private static boolean laterFragment(Layout l) {
        ByteBuffer b = ByteBuffer.wrap(l.frame);
        int ip = l.ipFixedEnd - 20;
        return l.ipFixedEnd - l.linkEnd == 20 && (b.getShort(ip + 6) & 0x1FFF) != 0;
    }

    static void cutEverywhere(Layout l) {
        Harness h = new Harness();
        DecodedPacket full = h.run(l.linkType, l.frame);
        assertEquals(DecodedPacket.KIND_TRANSPORT, full.kind, l.name + ": full frame, error " + full.error);
        int srcPort = full.srcPort;
        int dstPort = full.dstPort;
        int flags = full.tcpFlags;
        boolean tcp = full.isTcp();
        int ipLength = full.ipLength;
        int payloadLength = full.payloadLength;
        long src = full.srcLo ^ full.srcHi * 31;
        long dst = full.dstLo ^ full.dstHi * 31;
        for (int cut = 0; cut <= l.frame.length; cut++) {
            DecodedPacket p = h.run(l.linkType, l.frame, cut, l.frame.length);
            String at = l.name + " cut at " + cut + " of " + l.frame.length;
            assertEquals(l.frame.length, p.frameLength, at);
            if (cut < l.linkEnd) {
                assertEquals(DecodeError.TRUNCATED_LINK, p.error, at);
            } else if (cut < l.transportStart) {
                assertEquals(DecodeError.TRUNCATED_IP, p.error, at);
            } else if (cut < l.transportStart + l.need) {
                assertEquals(DecodeError.TRUNCATED_TRANSPORT, p.error, at);
            } else {
                assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, at + " error " + p.error);
                assertEquals(srcPort, p.srcPort, at);
                assertEquals(dstPort, p.dstPort, at);
                if (tcp && cut < l.transportStart + TcpHeader.FLAGS_LENGTH) {
                    // the flags and the data offset are not captured: flags 0, a minimal header
                    assertEquals(0, p.tcpFlags, at);
                    assertEquals(ipLength - (l.transportStart - l.linkEnd) - TcpHeader.MIN_LENGTH, p.payloadLength, at);
                } else {
                    assertEquals(flags, p.tcpFlags, at);
                    assertEquals(payloadLength, p.payloadLength, at);
                }
            }
            if (cut >= l.ipFixedEnd) {
                assertEquals(ipLength, p.ipLength, at + ": IP length from the header");
                assertEquals(src, p.srcLo ^ p.srcHi * 31, at);
                assertEquals(dst, p.dstLo ^ p.dstHi * 31, at);
            } else {
                assertEquals(0, p.ipVersion, at);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> builtFramesAtEveryByte() {
        return builtFrames().stream().map(l -> DynamicTest.dynamicTest(l.name, () -> cutEverywhere(l)));
    }

    @TestFactory
    Stream<DynamicTest> realFramesAtEveryByte() throws IOException {
        List<Layout> layouts = new ArrayList<>();
        for (String name : new String[] {"http-sessions.pcap", "dns-queries.pcap", "vlan-qinq.pcap", "linktype-raw.pcap",
            "nmap-syn-scan.pcap", "ipv4-fragments.pcap"}) {
            Path file = Corpus.file("captures", name);
            List<CaptureFiles.Frame> frames = CaptureFiles.read(file);
            // the first frame, and the longest one (with payload, and VLAN tags in vlan-qinq)
            CaptureFiles.Frame longest = frames.stream()
                    .filter(f -> !laterFragment(realLayout(name, f)))
                    .max(java.util.Comparator.comparingInt(f -> f.data().length)).orElseThrow();
            layouts.add(realLayout(name + " first frame", frames.get(0)));
            layouts.add(realLayout(name + " longest frame", longest));
        }
        assertFalse(layouts.isEmpty());
        return layouts.stream().map(l -> DynamicTest.dynamicTest(l.name, () -> cutEverywhere(l)));
    }

    @Test
    void bytesPastTheCapturedLengthAreNeverRead() {
        // the same frame with its tail captured or not must decode alike up to the cut, even when
        // the buffer holds the rest (here: an IPv4 header whose options say 60 bytes in a 40-byte capture)
        byte[] frame = new FrameBuilder.Ip4().options(40).build(FrameBuilder.tcp(1, 2, 0, 0));
        DecodedPacket p = new Harness().run(LinkType.IPV4, frame, 40, frame.length);
        assertEquals(DecodeError.TRUNCATED_IP, p.error);
        DecodedPacket out = new DecodedPacket();
        PacketDecoder d = new PacketDecoder(new DecodeStats());
        assertEquals(DecodedPacket.KIND_ERROR, d.decode(LinkType.IPV4, 0, ByteBuffer.wrap(frame), 0, 40, frame.length, out));
        assertEquals(DecodeError.TRUNCATED_IP, out.error);
        assertTrue(frame.length > 40);
    }
}
