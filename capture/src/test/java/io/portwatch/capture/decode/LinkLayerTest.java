package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Every link layer and the ethertype walk (VLAN, QinQ, LLC/SNAP, PPPoE, MPLS) on frames built here. */
class LinkLayerTest {
    private static final int SPORT = 40000;
    private static final int DPORT = 443;
    private static final byte[] IP4_TCP = new FrameBuilder.Ip4().src("10.1.2.3").dst("10.4.5.6")
            .build(FrameBuilder.tcp(SPORT, DPORT, DecodedPacket.TCP_SYN, 0));
    private static final byte[] IP6_UDP = new FrameBuilder.Ip6().src("fe80::1").dst("ff02::fb")
            .next(DecodedPacket.PROTO_UDP).build(FrameBuilder.udp(5353, 5353, 30));

    private final Harness h = new Harness();

    private void assertIp4Tcp(DecodedPacket p, int linkType) {
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "kind, error " + p.error);
        assertEquals(linkType, p.linkType);
        assertEquals(4, p.ipVersion);
        assertEquals(FrameBuilder.inet("10.1.2.3"), FrameBuilder.address(p.srcHi, p.srcLo));
        assertEquals(FrameBuilder.inet("10.4.5.6"), FrameBuilder.address(p.dstHi, p.dstLo));
        assertEquals(SPORT, p.srcPort);
        assertEquals(DPORT, p.dstPort);
        assertEquals(IP4_TCP.length, p.ipLength);
    }

    private void assertIp6Udp(DecodedPacket p) {
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind, "kind, error " + p.error);
        assertEquals(6, p.ipVersion);
        assertEquals(FrameBuilder.inet("fe80::1"), FrameBuilder.address(p.srcHi, p.srcLo));
        assertEquals(FrameBuilder.inet("ff02::fb"), FrameBuilder.address(p.dstHi, p.dstLo));
        assertEquals(DecodedPacket.PROTO_UDP, p.protocol);
        assertEquals(5353, p.srcPort);
        assertEquals(IP6_UDP.length, p.ipLength);
        assertEquals(30, p.payloadLength);
    }

    private void assertError(DecodeError reason, DecodedPacket p) {
        assertEquals(DecodedPacket.KIND_ERROR, p.kind);
        assertEquals(reason, p.error);
    }

    @Test
    void ethernetCarriesIpv4AndIpv6() {
        byte[] frame = FrameBuilder.ethernet(EtherType.IPV4, IP4_TCP);
        DecodedPacket p = h.run(LinkType.ETHERNET, frame);
        assertIp4Tcp(p, LinkType.ETHERNET);
        assertEquals(frame.length, p.frameLength);
        assertEquals(1_000L, p.timestampNanos);
        assertIp6Udp(h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.IPV6, IP6_UDP)));
    }

    @Test
    void ethernetAccessorsReadInPlace() {
        ByteBuffer b = ByteBuffer.wrap(Bytes.concat(new byte[3], FrameBuilder.ethernet(EtherType.ARP, new byte[28])));
        assertEquals(0x001122334455L, EthernetHeader.destination(b, 3));
        assertEquals(0x66778899aabbL, EthernetHeader.source(b, 3));
        assertEquals(EtherType.ARP, EthernetHeader.typeOrLength(b, 3));
    }

    @Test
    void ethernetPaddingAfterTheIpPacketIsIgnored() {
        byte[] shortIp = new FrameBuilder.Ip4().protocol(DecodedPacket.PROTO_UDP).build(FrameBuilder.udp(1000, 53, 0)); // 28 bytes, padded to 46
        DecodedPacket p = h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.IPV4, Bytes.concat(shortIp, new byte[18])));
        assertEquals(DecodedPacket.KIND_TRANSPORT, p.kind);
        assertEquals(28, p.ipLength);
        assertEquals(0, p.payloadLength);
    }

    @Test
    void nonIpEthertypesAreNonIp() {
        for (int type : new int[] {EtherType.ARP, 0x88CC /* LLDP */, 0x88E5 /* MACsec */, EtherType.PPPOE_DISCOVERY}) {
            assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, FrameBuilder.ethernet(type, new byte[46])).kind);
        }
        assertEquals(4, h.stats.nonIp());
        assertEquals(0, h.stats.totalErrors());
    }

    @Test
    void shortEthernetIsTruncatedLink() {
        byte[] frame = FrameBuilder.ethernet(EtherType.IPV4, IP4_TCP);
        for (int cut = 0; cut < EthernetHeader.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.ETHERNET, frame, cut, frame.length));
        }
        assertEquals(EthernetHeader.LENGTH, h.stats.errors(DecodeError.TRUNCATED_LINK));
    }

    @Test
    void singleVlanTag() {
        byte[] frame = FrameBuilder.ethernetTagged(new int[] {EtherType.VLAN}, EtherType.IPV4, IP4_TCP);
        assertIp4Tcp(h.run(LinkType.ETHERNET, frame), LinkType.ETHERNET);
        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(100, VlanTag.vlanId(b, EthernetHeader.LENGTH));
        assertEquals(1, VlanTag.priority(b, EthernetHeader.LENGTH));
        assertFalse(VlanTag.dropEligible(b, EthernetHeader.LENGTH));
        assertEquals(EtherType.IPV4, VlanTag.encapsulatedType(b, EthernetHeader.LENGTH));
    }

    @Test
    void qinqStacksOfEveryTagProtocol() {
        int[][] stacks = {
            {EtherType.QINQ, EtherType.VLAN},
            {EtherType.QINQ_LEGACY, EtherType.VLAN},
            {EtherType.QINQ, EtherType.QINQ_LEGACY, EtherType.VLAN},
            {EtherType.QINQ, EtherType.VLAN, EtherType.VLAN, EtherType.VLAN},
        };
        for (int[] stack : stacks) {
            assertIp4Tcp(h.run(LinkType.ETHERNET, FrameBuilder.ethernetTagged(stack, EtherType.IPV4, IP4_TCP)),
                    LinkType.ETHERNET);
            assertIp6Udp(h.run(LinkType.ETHERNET, FrameBuilder.ethernetTagged(stack, EtherType.IPV6, IP6_UDP)));
        }
    }

    @Test
    void tooManyVlanTags() {
        int[] stack = new int[EtherType.MAX_VLAN_TAGS + 1];
        java.util.Arrays.fill(stack, EtherType.VLAN);
        assertError(DecodeError.TOO_MANY_VLAN_TAGS,
                h.run(LinkType.ETHERNET, FrameBuilder.ethernetTagged(stack, EtherType.IPV4, IP4_TCP)));
        assertEquals(1, h.stats.errors(DecodeError.TOO_MANY_VLAN_TAGS));
    }

    @Test
    void vlanTagCutShortIsTruncatedLink() {
        byte[] frame = FrameBuilder.ethernetTagged(new int[] {EtherType.QINQ, EtherType.VLAN}, EtherType.IPV4, IP4_TCP);
        for (int cut = EthernetHeader.LENGTH; cut < EthernetHeader.LENGTH + 2 * VlanTag.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.ETHERNET, frame, cut, frame.length));
        }
    }

    @Test
    void ieee8023LlcIsNonIpAndSnapCarriesIp() {
        byte[] stp = FrameBuilder.llc(0x42, 0x42, new byte[35]);
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, stp).kind);
        assertIp4Tcp(h.run(LinkType.ETHERNET, FrameBuilder.llcSnap(0, EtherType.IPV4, IP4_TCP)), LinkType.ETHERNET);
        assertIp6Udp(h.run(LinkType.ETHERNET, FrameBuilder.llcSnap(0, EtherType.IPV6, IP6_UDP)));
        // SNAP under a vendor OUI (here Cisco's, as CDP uses it) is not IP even with an IP-looking type
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, FrameBuilder.llcSnap(0x00000C, 0x2000, new byte[40])).kind);
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, FrameBuilder.llcSnap(0x00000C, EtherType.IPV4, IP4_TCP)).kind);
        byte[] snap = FrameBuilder.llcSnap(0, EtherType.IPV4, IP4_TCP);
        for (int cut = EthernetHeader.LENGTH; cut < EthernetHeader.LENGTH + LlcHeader.SNAP_LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.ETHERNET, snap, cut, snap.length));
        }
        ByteBuffer b = ByteBuffer.wrap(snap);
        assertTrue(LlcHeader.isSnap(b, EthernetHeader.LENGTH));
        assertEquals(EtherType.IPV4, LlcHeader.snapType(b, EthernetHeader.LENGTH));
    }

    @Test
    void llcInsideAVlanTag() {
        byte[] tagged = FrameBuilder.ethernetTagged(new int[] {EtherType.VLAN}, 3 + 4, Bytes.hex("424203 00000000"));
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, tagged).kind);
    }

    @Test
    void pppoeSession() {
        byte[] v4 = FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, PppoeHeader.PPP_IPV4, IP4_TCP));
        assertIp4Tcp(h.run(LinkType.ETHERNET, v4), LinkType.ETHERNET);
        assertEquals(0x1234, PppoeHeader.sessionId(ByteBuffer.wrap(v4), EthernetHeader.LENGTH));
        assertIp6Udp(h.run(LinkType.ETHERNET,
                FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, PppoeHeader.PPP_IPV6, IP6_UDP))));
        // LCP (0xC021) and a non-session code are not IP
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET,
                FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0, 0xC021, new byte[20]))).kind);
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET,
                FrameBuilder.ethernet(EtherType.PPPOE_SESSION, FrameBuilder.pppoe(0x09, PppoeHeader.PPP_IPV4, IP4_TCP))).kind);
        // protocol field compression: the one-byte protocol 0x21
        byte[] compressed = new Bytes().u8(0x11).u8(0).u16(1).u16(1 + IP4_TCP.length).u8(0x21).bytes(IP4_TCP).toArray();
        assertIp4Tcp(h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.PPPOE_SESSION, compressed)), LinkType.ETHERNET);
        for (int cut = EthernetHeader.LENGTH; cut < EthernetHeader.LENGTH + PppoeHeader.LENGTH + 2; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.ETHERNET, v4, cut, v4.length));
        }
    }

    @Test
    void mplsLabelStacks() {
        for (int labels = 1; labels <= MplsLabel.MAX_LABELS; labels++) {
            assertIp4Tcp(h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(labels, IP4_TCP))),
                    LinkType.ETHERNET);
            assertIp6Udp(h.run(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.MPLS_MULTICAST, FrameBuilder.mpls(labels, IP6_UDP))));
        }
        byte[] deep = FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(MplsLabel.MAX_LABELS + 1, IP4_TCP));
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, deep).kind);
        // an Ethernet pseudowire control word (first nibble 0) is not IP
        byte[] pw = FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(2, Bytes.concat(new byte[4], FrameBuilder.ethernet(EtherType.IPV4, IP4_TCP))));
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.ETHERNET, pw).kind);
        byte[] two = FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(2, IP4_TCP));
        for (int cut = EthernetHeader.LENGTH; cut <= EthernetHeader.LENGTH + 2 * MplsLabel.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.ETHERNET, two, cut, two.length));
        }
        ByteBuffer b = ByteBuffer.wrap(two);
        int second = EthernetHeader.LENGTH + MplsLabel.LENGTH;
        assertEquals(17, MplsLabel.label(b, second));
        assertEquals(5, MplsLabel.trafficClass(b, second));
        assertTrue(MplsLabel.bottomOfStack(b, second));
        assertFalse(MplsLabel.bottomOfStack(b, EthernetHeader.LENGTH));
        assertEquals(64, MplsLabel.ttl(b, second));
    }

    @Test
    void linuxCookedV1() {
        assertIp4Tcp(h.run(LinkType.LINUX_SLL, FrameBuilder.sll(EtherType.IPV4, IP4_TCP)), LinkType.LINUX_SLL);
        assertIp6Udp(h.run(LinkType.LINUX_SLL, FrameBuilder.sll(EtherType.IPV6, IP6_UDP)));
        byte[] tagged = FrameBuilder.sll(EtherType.VLAN, Bytes.concat(Bytes.hex("0064 0800"), IP4_TCP));
        assertIp4Tcp(h.run(LinkType.LINUX_SLL, tagged), LinkType.LINUX_SLL);
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.LINUX_SLL, FrameBuilder.sll(EtherType.ARP, new byte[28])).kind);
        // ETH_P_802_3 (1) and ETH_P_CAN (0x0c) are Linux pseudo-protocols, not IP; ETH_P_802_2 (4) is LLC
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.LINUX_SLL, FrameBuilder.sll(0x0001, new byte[30])).kind);
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.LINUX_SLL, FrameBuilder.sll(0x000C, new byte[16])).kind);
        byte[] llcSnap = Bytes.concat(Bytes.hex("AAAA03 000000 0800"), IP4_TCP);
        assertIp4Tcp(h.run(LinkType.LINUX_SLL, FrameBuilder.sll(LinuxSllHeader.PROTOCOL_LLC, llcSnap)), LinkType.LINUX_SLL);
        byte[] frame = FrameBuilder.sll(EtherType.IPV4, IP4_TCP);
        for (int cut = 0; cut < LinuxSllHeader.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.LINUX_SLL, frame, cut, frame.length));
        }
        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(1, LinuxSllHeader.arphrdType(b, 0));
        assertEquals(6, LinuxSllHeader.addressLength(b, 0));
        assertEquals(EtherType.IPV4, LinuxSllHeader.protocol(b, 0));
    }

    @Test
    void linuxCookedV2() {
        assertIp4Tcp(h.run(LinkType.LINUX_SLL2, FrameBuilder.sll2(EtherType.IPV4, IP4_TCP)), LinkType.LINUX_SLL2);
        assertIp6Udp(h.run(LinkType.LINUX_SLL2, FrameBuilder.sll2(EtherType.IPV6, IP6_UDP)));
        assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.LINUX_SLL2, FrameBuilder.sll2(EtherType.ARP, new byte[28])).kind);
        byte[] frame = FrameBuilder.sll2(EtherType.IPV6, IP6_UDP);
        for (int cut = 0; cut < LinuxSll2Header.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.LINUX_SLL2, frame, cut, frame.length));
        }
        ByteBuffer b = ByteBuffer.wrap(frame);
        assertEquals(EtherType.IPV6, LinuxSll2Header.protocol(b, 0));
        assertEquals(3, LinuxSll2Header.interfaceIndex(b, 0));
        assertEquals(1, LinuxSll2Header.arphrdType(b, 0));
        assertEquals(4, LinuxSll2Header.packetType(b, 0));
        assertEquals(6, LinuxSll2Header.addressLength(b, 0));
    }

    @Test
    void nullLoopbackInBothByteOrdersWithEveryInet6Family() {
        for (boolean le : new boolean[] {false, true}) {
            assertIp4Tcp(h.run(LinkType.NULL, FrameBuilder.loopback(LoopbackHeader.AF_INET, le, IP4_TCP)), LinkType.NULL);
            for (int af6 : new int[] {10, 24, 28, 30}) {
                assertIp6Udp(h.run(LinkType.NULL, FrameBuilder.loopback(af6, le, IP6_UDP)));
            }
            assertEquals(DecodedPacket.KIND_NON_IP, h.run(LinkType.NULL, FrameBuilder.loopback(7, le, IP4_TCP)).kind);
        }
        byte[] frame = FrameBuilder.loopback(2, true, IP4_TCP);
        for (int cut = 0; cut < LoopbackHeader.LENGTH; cut++) {
            assertError(DecodeError.TRUNCATED_LINK, h.run(LinkType.NULL, frame, cut, frame.length));
        }
        assertEquals(2, LoopbackHeader.familyAnyOrder(ByteBuffer.wrap(frame), 0));
        assertEquals(0x02000000, LoopbackHeader.familyBigEndian(ByteBuffer.wrap(frame), 0));
    }

    @Test
    void loopIsBigEndian() {
        assertIp4Tcp(h.run(LinkType.LOOP, FrameBuilder.loopback(LoopbackHeader.AF_INET, false, IP4_TCP)), LinkType.LOOP);
        assertIp6Udp(h.run(LinkType.LOOP, FrameBuilder.loopback(LoopbackHeader.AF_INET6_BSD, false, IP6_UDP)));
        assertEquals(DecodedPacket.KIND_NON_IP,
                h.run(LinkType.LOOP, FrameBuilder.loopback(LoopbackHeader.AF_INET, true, IP4_TCP)).kind);
    }

    @Test
    void rawIpTakesTheVersionFromTheFirstNibble() {
        for (int link : new int[] {LinkType.RAW, LinkType.RAW_DLT, LinkType.RAW_OPENBSD}) {
            assertIp4Tcp(h.run(link, IP4_TCP), link);
            assertIp6Udp(h.run(link, IP6_UDP));
            assertError(DecodeError.TRUNCATED_IP, h.run(link, new byte[0]));
            assertError(DecodeError.BAD_IPV4_HEADER, h.run(link, new FrameBuilder.Ip4().version(5).build(new byte[20])));
        }
    }

    @Test
    void ipv4AndIpv6LinkTypesCheckTheVersion() {
        assertIp4Tcp(h.run(LinkType.IPV4, IP4_TCP), LinkType.IPV4);
        assertIp6Udp(h.run(LinkType.IPV6, IP6_UDP));
        assertError(DecodeError.BAD_IPV4_HEADER, h.run(LinkType.IPV4, IP6_UDP));
        assertError(DecodeError.BAD_IPV6_HEADER, h.run(LinkType.IPV6, IP4_TCP));
    }

    @Test
    void unknownLinkTypeIsCountedByCode() {
        DecodedPacket p = h.run(147, FrameBuilder.ethernet(EtherType.IPV4, IP4_TCP));
        assertEquals(DecodedPacket.KIND_UNKNOWN_LINK, p.kind);
        h.run(147, new byte[0]);
        h.run(9, IP4_TCP);
        assertEquals(java.util.Map.of(9, 1L, 147, 2L), h.stats.unknownLinkTypes());
        assertEquals(0, h.stats.totalErrors());
    }

    @Test
    void hostileArgumentsDoNotThrow() {
        DecodedPacket out = new DecodedPacket();
        PacketDecoder d = new PacketDecoder(new DecodeStats());
        ByteBuffer b = ByteBuffer.wrap(FrameBuilder.ethernet(EtherType.IPV4, IP4_TCP));
        assertEquals(DecodedPacket.KIND_ERROR, d.decode(LinkType.ETHERNET, 0, null, 0, 60, 60, out));
        assertEquals(DecodedPacket.KIND_ERROR, d.decode(LinkType.ETHERNET, 0, b, -5, 60, 60, out));
        assertEquals(DecodedPacket.KIND_ERROR, d.decode(LinkType.ETHERNET, 0, b, b.limit() + 1, 60, 60, out));
        assertEquals(DecodedPacket.KIND_ERROR, d.decode(LinkType.ETHERNET, 0, b, 0, -1, -1, out));
        // a captured length past the buffer's limit is cut to the limit
        assertEquals(DecodedPacket.KIND_TRANSPORT, d.decode(LinkType.ETHERNET, 0, b, 0, Integer.MAX_VALUE, 0, out));
        assertEquals(b.limit(), out.frameLength);
        assertEquals(4, d.stats().errors(DecodeError.TRUNCATED_LINK));
    }
}
