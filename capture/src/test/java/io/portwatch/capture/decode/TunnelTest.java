package io.portwatch.capture.decode;

import static io.portwatch.testkit.TunnelBuilder.GRE_CHECKSUM;
import static io.portwatch.testkit.TunnelBuilder.GRE_KEY;
import static io.portwatch.testkit.TunnelBuilder.GRE_SEQUENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.FrameBuilder;
import io.portwatch.testkit.TunnelBuilder;
import org.junit.jupiter.api.Test;

/** Decapsulation of every tunnel kind on crafted frames: the inner packet, its tunnel, and every way to fail. */
class TunnelTest {
    private final Harness h = new Harness();

    /** The inner packet of every test: TCP SYN 10.0.0.1:40000 -> 10.0.0.2:443. */
    private static byte[] innerIp() {
        return new FrameBuilder.Ip4().src("10.0.0.1").dst("10.0.0.2").build(FrameBuilder.tcp(40000, 443, DecodedPacket.TCP_SYN, 0));
    }

    private static byte[] innerIp6() {
        return new FrameBuilder.Ip6().src("fd00::1").dst("fd00::2").next(17).build(FrameBuilder.udp(5353, 53, 20));
    }

    private static byte[] innerEthernet() {
        return FrameBuilder.ethernet(innerIp());
    }

    /** An Ethernet frame from 192.0.2.1 to 198.51.100.2 over UDP to {@code port}. */
    private static byte[] overUdp(int port, byte[] tunnel) {
        return FrameBuilder.ethernet(new FrameBuilder.Ip4().protocol(17).build(FrameBuilder.udp(50123, port, tunnel)));
    }

    private static byte[] overIp(int protocol, byte[] tunnel) {
        return FrameBuilder.ethernet(new FrameBuilder.Ip4().protocol(protocol).build(tunnel));
    }

    /** Decodes the frame and its inner frame; checks the inner TCP SYN 10.0.0.1:40000 -> 10.0.0.2:443. */
    private DecodedPacket decapsulate(byte[] frame, int outerKind, TunnelKind kind) {
        DecodedPacket outer = h.run(LinkType.ETHERNET, frame);
        assertEquals(outerKind, outer.kind, "outer, error " + outer.error);
        assertNull(outer.tunnel);
        assertTrue(h.decoder.hasInner(), kind + ": no inner frame");
        DecodedPacket in = h.inner();
        assertEquals(DecodedPacket.KIND_TRANSPORT, in.kind, kind + ": error " + in.error);
        assertEquals(kind, in.tunnel);
        assertEquals(1, in.tunnelDepth);
        assertEquals(4, in.outerIpVersion);
        assertEquals(FrameBuilder.inet("192.0.2.1"), FrameBuilder.address(in.outerSrcHi, in.outerSrcLo));
        assertEquals(FrameBuilder.inet("198.51.100.2"), FrameBuilder.address(in.outerDstHi, in.outerDstLo));
        assertEquals(1_000L, in.timestampNanos);
        return in;
    }

    private DecodedPacket decapsulateSyn(byte[] frame, int outerKind, TunnelKind kind) {
        DecodedPacket in = decapsulate(frame, outerKind, kind);
        assertEquals(FrameBuilder.inet("10.0.0.1"), FrameBuilder.address(in.srcHi, in.srcLo));
        assertEquals(FrameBuilder.inet("10.0.0.2"), FrameBuilder.address(in.dstHi, in.dstLo));
        assertEquals(40000, in.srcPort);
        assertEquals(443, in.dstPort);
        assertEquals(DecodedPacket.TCP_SYN, in.tcpFlags);
        assertEquals(40, in.ipLength);
        assertTrue(!h.decoder.hasInner(), "nothing inside the inner packet");
        return in;
    }

    private void notATunnel(byte[] frame, int outerKind) {
        DecodedPacket outer = h.run(LinkType.ETHERNET, frame);
        assertEquals(outerKind, outer.kind, "error " + outer.error);
        assertTrue(!h.decoder.hasInner(), "taken for a tunnel");
        assertNull(h.inner());
    }

    @Test
    void vxlan() {
        byte[] frame = overUdp(4789, TunnelBuilder.vxlan(42, innerEthernet()));
        DecodedPacket outer = h.run(LinkType.ETHERNET, frame);
        assertEquals(4789, outer.dstPort);
        decapsulateSyn(frame, DecodedPacket.KIND_TRANSPORT, TunnelKind.VXLAN);
        // without the I flag it is no VXLAN header: plain UDP to 4789
        notATunnel(overUdp(4789, TunnelBuilder.vxlan(0, 42, innerEthernet())), DecodedPacket.KIND_TRANSPORT);
        // another port is no VXLAN (the source port is not looked at)
        notATunnel(overUdp(4790, TunnelBuilder.vxlan(42, innerEthernet())), DecodedPacket.KIND_TRANSPORT);
        notATunnel(FrameBuilder.ethernet(new FrameBuilder.Ip4().protocol(17).build(FrameBuilder.udp(4789, 9, 
                TunnelBuilder.vxlan(42, innerEthernet())))), DecodedPacket.KIND_TRANSPORT);
    }

    @Test
    void vxlanInnerVlanAndOuterVlan() {
        byte[] tagged = FrameBuilder.ethernetTagged(new int[] {EtherType.VLAN}, EtherType.IPV4, innerIp());
        DecodedPacket in = decapsulate(overUdp(4789, TunnelBuilder.vxlan(42, tagged)), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.VXLAN);
        assertEquals(100, in.vlanId, "the inner frame's tag when the outer frame has none");
        byte[] outerTagged = FrameBuilder.ethernetTagged(new int[] {EtherType.QINQ, EtherType.VLAN}, EtherType.IPV4,
                new FrameBuilder.Ip4().protocol(17).build(FrameBuilder.udp(1, 4789, TunnelBuilder.vxlan(7, tagged))));
        assertEquals(100, h.run(LinkType.ETHERNET, outerTagged).vlanId);
        assertEquals(100, h.inner().vlanId, "the frame's outermost tag");
        assertEquals(DecodedPacket.NO_VLAN, h.run(LinkType.ETHERNET, FrameBuilder.ethernet(innerIp())).vlanId);
    }

    @Test
    void geneve() {
        decapsulateSyn(overUdp(6081, TunnelBuilder.geneve(0, 0x6558, 9, innerEthernet())), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.GENEVE);
        // options skipped by their length; IP inside
        decapsulateSyn(overUdp(6081, TunnelBuilder.geneve(5, EtherType.IPV4, 9, innerIp())), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.GENEVE);
        DecodedPacket v6 = decapsulate(overUdp(6081, TunnelBuilder.geneve(2, EtherType.IPV6, 9, innerIp6())),
                DecodedPacket.KIND_TRANSPORT, TunnelKind.GENEVE);
        assertEquals(6, v6.ipVersion);
        assertEquals(53, v6.dstPort);
        byte[] v1 = TunnelBuilder.geneve(0, 0x6558, 9, innerEthernet());
        v1[0] |= 0x40;
        notATunnel(overUdp(6081, v1), DecodedPacket.KIND_TRANSPORT);
        notATunnel(overUdp(6081, TunnelBuilder.geneve(0, 0x0806, 9, new byte[28])), DecodedPacket.KIND_TRANSPORT);
        // options longer than the datagram
        byte[] lying = TunnelBuilder.geneve(1, 0x6558, 9, new byte[0]);
        lying[0] = 0x3F;
        h.run(LinkType.ETHERNET, overUdp(6081, lying));
        assertEquals(DecodeError.BAD_TUNNEL_HEADER, h.inner().error);
    }

    @Test
    void gre() {
        for (int flags : new int[] {0, GRE_CHECKSUM, GRE_KEY, GRE_SEQUENCE, GRE_CHECKSUM | GRE_KEY | GRE_SEQUENCE}) {
            decapsulateSyn(overIp(47, TunnelBuilder.gre(flags, EtherType.IPV4, innerIp())), DecodedPacket.KIND_OTHER_IP,
                    TunnelKind.GRE);
            decapsulateSyn(overIp(47, TunnelBuilder.gre(flags, 0x6558, innerEthernet())), DecodedPacket.KIND_OTHER_IP,
                    TunnelKind.GRE);
        }
        assertEquals(6, decapsulate(overIp(47, TunnelBuilder.gre(GRE_KEY, EtherType.IPV6, innerIp6())),
                DecodedPacket.KIND_OTHER_IP, TunnelKind.GRE).ipVersion);
        notATunnel(overIp(47, TunnelBuilder.gre(0x0001, EtherType.IPV4, innerIp())), DecodedPacket.KIND_OTHER_IP); // version 1 (PPTP)
        notATunnel(overIp(47, TunnelBuilder.gre(0x4000, EtherType.IPV4, innerIp())), DecodedPacket.KIND_OTHER_IP); // RFC 1701 routing
        notATunnel(overIp(47, TunnelBuilder.gre(0, 0x883E, innerIp())), DecodedPacket.KIND_OTHER_IP); // WCCP: not opened
        // the key flag set, the GRE packet too short for it
        byte[] shortKey = overIp(47, new byte[] {0x20, 0, 0x08, 0});
        h.run(LinkType.ETHERNET, shortKey);
        assertEquals(DecodeError.BAD_TUNNEL_HEADER, h.inner().error);
    }

    @Test
    void erspan() {
        decapsulateSyn(overIp(47, TunnelBuilder.gre(0, 0x88BE, innerEthernet())), DecodedPacket.KIND_OTHER_IP,
                TunnelKind.ERSPAN_I);
        decapsulateSyn(overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x88BE, TunnelBuilder.erspanII(innerEthernet()))),
                DecodedPacket.KIND_OTHER_IP, TunnelKind.ERSPAN_II);
        decapsulateSyn(overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x22EB, TunnelBuilder.erspanIII(false, innerEthernet()))),
                DecodedPacket.KIND_OTHER_IP, TunnelKind.ERSPAN_III);
        decapsulateSyn(overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x22EB, TunnelBuilder.erspanIII(true, innerEthernet()))),
                DecodedPacket.KIND_OTHER_IP, TunnelKind.ERSPAN_III);
        byte[] ft2 = TunnelBuilder.erspanIII(false, innerIp());
        ft2[10] = 0x08; // frame type 2: not Ethernet, not opened (as tshark)
        notATunnel(overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x22EB, ft2)), DecodedPacket.KIND_OTHER_IP);
        byte[] v3 = TunnelBuilder.erspanII(innerEthernet());
        v3[0] = 0x30;
        notATunnel(overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x88BE, v3)), DecodedPacket.KIND_OTHER_IP);
    }

    @Test
    void ipInIp() {
        decapsulateSyn(overIp(4, innerIp()), DecodedPacket.KIND_OTHER_IP, TunnelKind.IP_IN_IP);
        assertEquals(6, decapsulate(overIp(41, innerIp6()), DecodedPacket.KIND_OTHER_IP, TunnelKind.IP_IN_IP).ipVersion);
        byte[] v6in6 = FrameBuilder.ethernet(new FrameBuilder.Ip6().next(41).build(innerIp6()));
        assertEquals(DecodedPacket.KIND_OTHER_IP, h.run(LinkType.ETHERNET, v6in6).kind);
        DecodedPacket in = h.inner();
        assertEquals(TunnelKind.IP_IN_IP, in.tunnel);
        assertEquals(6, in.outerIpVersion);
        assertEquals(FrameBuilder.inet("2001:db8::1"), FrameBuilder.address(in.outerSrcHi, in.outerSrcLo));
        assertEquals(FrameBuilder.inet("fd00::1"), FrameBuilder.address(in.srcHi, in.srcLo));
        // a fragmented outer packet is not opened: its first fragment holds part of the inner one only
        byte[] fragment = FrameBuilder.ethernet(new FrameBuilder.Ip4().protocol(4).fragment(0, true).build(innerIp()));
        notATunnel(fragment, DecodedPacket.KIND_OTHER_IP);
    }

    @Test
    void gtpU() {
        decapsulateSyn(overUdp(2152, TunnelBuilder.gtpU(false, new int[0], innerIp())), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.GTP_U);
        decapsulateSyn(overUdp(2152, TunnelBuilder.gtpU(true, new int[0], innerIp())), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.GTP_U);
        decapsulateSyn(overUdp(2152, TunnelBuilder.gtpU(true, new int[] {1, 2}, innerIp())), DecodedPacket.KIND_TRANSPORT,
                TunnelKind.GTP_U);
        assertEquals(6, decapsulate(overUdp(2152, TunnelBuilder.gtpU(false, new int[] {1}, innerIp6())),
                DecodedPacket.KIND_TRANSPORT, TunnelKind.GTP_U).ipVersion);
        byte[] echo = TunnelBuilder.gtpU(false, new int[0], innerIp());
        echo[1] = 1; // echo request: no user packet
        notATunnel(overUdp(2152, echo), DecodedPacket.KIND_TRANSPORT);
        h.run(LinkType.ETHERNET, overUdp(2152, TunnelBuilder.gtpU(false, new int[] {1, 0}, innerIp())));
        assertEquals(DecodeError.BAD_TUNNEL_HEADER, h.inner().error, "an extension header of length 0");
        h.run(LinkType.ETHERNET, overUdp(2152, TunnelBuilder.gtpU(false, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, innerIp())));
        assertEquals(DecodeError.BAD_TUNNEL_HEADER, h.inner().error, "more extension headers than walked");
        assertEquals(2, h.stats.errors(DecodeError.BAD_TUNNEL_HEADER));
    }

    /** A tunnel inside a tunnel inside ...: opened to depth 4, the fifth is counted, not decoded. */
    @Test
    void nestingIsBounded() {
        byte[] ip = innerIp();
        for (int depth = 1; depth <= 6; depth++) {
            ip = new FrameBuilder.Ip4().src("192.0.2." + depth).dst("198.51.100." + depth).protocol(17)
                    .build(FrameBuilder.udp(1000 + depth, 4789, TunnelBuilder.vxlan(depth, FrameBuilder.ethernet(ip))));
        }
        h.run(LinkType.RAW, ip);
        DecodedPacket in = null;
        int levels = 0;
        while (h.decoder.hasInner()) {
            in = h.inner();
            levels++;
            assertTrue(levels <= Decapsulation.MAX_DEPTH + 1);
        }
        assertEquals(Decapsulation.MAX_DEPTH + 1, levels);
        assertEquals(DecodeError.TUNNEL_TOO_DEEP, in.error);
        assertEquals(1, h.stats.errors(DecodeError.TUNNEL_TOO_DEEP));
        // a fixed depth, whatever the packet says: four levels, then the error
        byte[] four = innerIp();
        for (int depth = 1; depth <= 4; depth++) {
            four = new FrameBuilder.Ip4().protocol(4).build(four);
        }
        h.run(LinkType.RAW, four);
        for (int depth = 1; depth <= 4; depth++) {
            in = h.inner();
            assertNotNull(in, "depth " + depth);
            assertEquals(depth, in.tunnelDepth);
        }
        assertEquals(DecodedPacket.KIND_TRANSPORT, in.kind);
        assertNull(h.inner());
    }

    /** Every tunnel frame cut at every byte: the outer packet as before, the inner one's error at its own layer. */
    @Test
    void truncatedTunnels() {
        byte[][] frames = {
            overUdp(4789, TunnelBuilder.vxlan(42, innerEthernet())),
            overUdp(6081, TunnelBuilder.geneve(3, 0x6558, 9, innerEthernet())),
            overUdp(2152, TunnelBuilder.gtpU(true, new int[] {1, 2}, innerIp())),
            overIp(47, TunnelBuilder.gre(GRE_CHECKSUM | GRE_KEY | GRE_SEQUENCE, EtherType.IPV4, innerIp())),
            overIp(47, TunnelBuilder.gre(GRE_SEQUENCE, 0x22EB, TunnelBuilder.erspanIII(true, innerEthernet()))),
            overIp(4, innerIp()),
        };
        for (byte[] frame : frames) {
            int tunnelStart = -1;
            for (int cut = 0; cut <= frame.length; cut++) {
                DecodedPacket outer = h.run(LinkType.ETHERNET, frame, cut, frame.length);
                if (!h.decoder.hasInner()) {
                    assertTrue(tunnelStart < 0, "cut " + cut + ": a shorter cut had a tunnel");
                    continue;
                }
                assertTrue(outer.kind == DecodedPacket.KIND_TRANSPORT || outer.kind == DecodedPacket.KIND_OTHER_IP);
                if (tunnelStart < 0) {
                    tunnelStart = cut;
                }
                DecodedPacket in = h.inner();
                if (cut == frame.length) {
                    assertEquals(DecodedPacket.KIND_TRANSPORT, in.kind);
                } else if (in.kind == DecodedPacket.KIND_ERROR) {
                    assertTrue(in.error != DecodeError.BAD_TUNNEL_HEADER, "cut " + cut + ": " + in.error);
                }
            }
            assertTrue(tunnelStart >= 0);
        }
        assertTrue(h.stats.errors(DecodeError.TRUNCATED_TUNNEL) > 0);
    }
}
