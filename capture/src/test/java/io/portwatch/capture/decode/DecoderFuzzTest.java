package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import io.portwatch.testkit.TunnelBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing: random bytes and mutated valid frames (truncations, bit flips, byte overwrites,
 * wrong link types, lying lengths) for every link type. The {@link Harness} puts each frame at an
 * offset with the buffer's limit at its captured end, so an out-of-bounds read throws; it checks the
 * kind/reason/counter invariants after every frame. Decoding is also checked to be deterministic and
 * blind to bytes past the captured length.
 */
class DecoderFuzzTest {
    /** Fixed so that a failure reproduces; {@code -Dportwatch.fuzz.seed=N} explores others. */
    private static final long SEED = Long.getLong("portwatch.fuzz.seed", 0x5EED_F00DL);
    /** Mutated frames per run ({@code -Dportwatch.fuzz.frames=N}); a third as many random ones again. */
    private static final int MUTATED = Integer.getInteger("portwatch.fuzz.frames", 300_000);
    private static final int[] LINK_TYPES = {
        LinkType.NULL, LinkType.ETHERNET, LinkType.RAW_DLT, LinkType.RAW_OPENBSD, LinkType.LOOP, LinkType.RAW,
        LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6, LinkType.LINUX_SLL2, 147, 9,
    };

    /** Valid frames of every link type to mutate. */
    static List<TruncationTest.Layout> seeds() {
        List<TruncationTest.Layout> seeds = new ArrayList<>(TruncationTest.builtFrames());
        byte[] quote = FrameBuilder.first(new FrameBuilder.Ip4().protocol(17).build(FrameBuilder.udp(40001, 161, 40)), 28);
        byte[] icmp4 = new FrameBuilder.Ip4().protocol(1).build(FrameBuilder.icmp(3, 3, quote));
        byte[] inner6 = new FrameBuilder.Ip6().next(60).build(Bytes.concat(FrameBuilder.extension(60, 6, 8), FrameBuilder.tcp(1, 2, 2, 0)));
        byte[] icmp6 = new FrameBuilder.Ip6().next(58).build(FrameBuilder.icmp(1, 4, inner6));
        byte[] frag6 = new FrameBuilder.Ip6().next(44).build(Bytes.concat(FrameBuilder.fragment(17, 1232, true, -2), new byte[64]));
        byte[] frag4 = new FrameBuilder.Ip4().protocol(17).fragment(1480, true).build(new byte[64]);
        byte[] gre = new FrameBuilder.Ip4().protocol(47).build(new byte[30]);
        for (byte[] ip : new byte[][] {icmp4, icmp6, frag6, frag4, gre}) {
            int type = (ip[0] >> 4) == 4 ? EtherType.IPV4 : EtherType.IPV6;
            seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernet(type, ip)));
            seeds.add(layout(LinkType.RAW, ip));
            seeds.add(layout(LinkType.LINUX_SLL2, FrameBuilder.sll2(type, ip)));
            seeds.add(layout(type == EtherType.IPV4 ? LinkType.IPV4 : LinkType.IPV6, ip));
            seeds.add(layout(type == EtherType.IPV4 ? LinkType.RAW_DLT : LinkType.RAW_OPENBSD, ip));
        }
        byte[] ip4 = new FrameBuilder.Ip4().build(FrameBuilder.tcp(1, 2, 2, 0));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernetTagged(new int[] {0x88A8, 0x8100, 0x8100, 0x8100}, 0x0800, ip4)));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernetTagged(new int[] {0x9100, 0x88A8, 0x8100, 0x8100, 0x8100}, 0x86DD, ip4)));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.MPLS_UNICAST, FrameBuilder.mpls(8, ip4))));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernet(EtherType.ARP, new byte[28])));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.llc(0x42, 0x42, new byte[35])));
        seeds.add(layout(LinkType.LINUX_SLL, FrameBuilder.sll(4, Bytes.concat(Bytes.hex("AAAA03 000000 0800"), ip4))));
        byte[] jumbo = new FrameBuilder.Ip6().next(0).payloadLength(0).build(Bytes.concat(
                new Bytes().u8(17).u8(0).u8(0xC2).u8(4).u32(8 + 8 + 100).toArray(), FrameBuilder.udp(1, 2, 0, 100)));
        seeds.add(layout(LinkType.IPV6, jumbo));
        // tunnels: their inner frames are decoded too (see the loop), nested ones to the depth limit and past it
        byte[] eth = FrameBuilder.ethernet(ip4);
        byte[] v6udp = new FrameBuilder.Ip6().next(17).build(FrameBuilder.udp(1, 2, 10));
        seeds.add(layout(LinkType.ETHERNET, FrameBuilder.ethernet(FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17,
                FrameBuilder.udp(1, TunnelBuilder.VXLAN_PORT, TunnelBuilder.vxlan(5, eth))))));
        seeds.add(layout(LinkType.RAW, FrameBuilder.ip("2001:db8::1", "2001:db8::2", 17,
                FrameBuilder.udp(1, TunnelBuilder.GENEVE_PORT, TunnelBuilder.geneve(3, EtherType.IPV6, 5, v6udp)))));
        seeds.add(layout(LinkType.RAW, FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17,
                FrameBuilder.udp(1, TunnelBuilder.GTP_U_PORT, TunnelBuilder.gtpU(true, new int[] {1, 2}, ip4)))));
        seeds.add(layout(LinkType.RAW, FrameBuilder.ip("192.0.2.1", "192.0.2.2", 47, TunnelBuilder.gre(
                TunnelBuilder.GRE_CHECKSUM | TunnelBuilder.GRE_KEY | TunnelBuilder.GRE_SEQUENCE, EtherType.IPV4, ip4))));
        seeds.add(layout(LinkType.RAW, FrameBuilder.ip("192.0.2.1", "192.0.2.2", 47, TunnelBuilder.gre(
                TunnelBuilder.GRE_SEQUENCE, TunnelBuilder.ETHERTYPE_ERSPAN_III, TunnelBuilder.erspanIII(true, eth)))));
        seeds.add(layout(LinkType.RAW, FrameBuilder.ip("192.0.2.1", "192.0.2.2", 47, TunnelBuilder.gre(
                TunnelBuilder.GRE_SEQUENCE, TunnelBuilder.ETHERTYPE_ERSPAN_II, TunnelBuilder.erspanII(eth)))));
        byte[] nested = ip4;
        for (int depth = 0; depth < 5; depth++) {
            nested = FrameBuilder.ip("192.0.2.1", "192.0.2.2", depth % 2 == 0 ? 4 : 47,
                    depth % 2 == 0 ? nested : TunnelBuilder.gre(0, EtherType.IPV4, nested));
        }
        seeds.add(layout(LinkType.RAW, nested));
        return seeds;
    }

    private static TruncationTest.Layout layout(int linkType, byte[] frame) {
        return new TruncationTest.Layout("seed", linkType, frame, 0, 0, 0, 0);
    }

    @Test
    void randomAndMutatedFramesNeverThrowAndStayConsistent() {
        Random rnd = new Random(SEED);
        Harness h = new Harness();
        List<TruncationTest.Layout> seeds = seeds();
        EnumSet<DecodeError> reasons = EnumSet.noneOf(DecodeError.class);
        int[] kinds = new int[6];
        int frames = 0;

        for (int i = 0; i < MUTATED / 3; i++) {
            byte[] junk = new byte[rnd.nextInt(257)];
            rnd.nextBytes(junk);
            int link = LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
            record(h.run(link, junk, junk.length, lyingLength(rnd, junk.length)), reasons, kinds);
            frames++;
        }
        for (int i = 0; i < MUTATED; i++) {
            TruncationTest.Layout seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] f = mutate(rnd, seed.frame());
            int captured = rnd.nextInt(4) == 0 ? rnd.nextInt(f.length + 1) : f.length;
            int link = rnd.nextInt(20) == 0 ? LINK_TYPES[rnd.nextInt(LINK_TYPES.length)] : seed.linkType();
            DecodedPacket p = h.run(link, f, captured, lyingLength(rnd, f.length));
            record(p, reasons, kinds);
            frames++;
            for (DecodedPacket q = h.inner(); q != null; q = h.inner()) { // bounded by the decoder's depth limit
                record(q, reasons, kinds);
                frames++;
            }
            if (i % 10 == 0) {
                String first = digest(p);
                assertEquals(first, digest(h.run(link, f, captured, p.frameLength)), "deterministic, seed " + SEED);
                frames++;
                kinds[p.kind]++;
                assertEquals(first, decodeWithTail(link, f, captured, p.frameLength), "bytes past the capture unread");
            }
        }

        DecodeStats s = h.stats;
        assertEquals(frames, s.totalErrors() + s.nonIp() + s.otherIp() + s.unknownLinkTypeFrames()
                + kinds[DecodedPacket.KIND_TRANSPORT] + kinds[DecodedPacket.KIND_FRAGMENT], "every frame (and inner frame) counted once");
        for (int k = 0; k < kinds.length; k++) {
            assertTrue(kinds[k] > 0, "kind " + k + " reached");
        }
        assertEquals(EnumSet.allOf(DecodeError.class), reasons, "every reason reached, seed " + SEED);
    }

    private static void record(DecodedPacket p, EnumSet<DecodeError> reasons, int[] kinds) {
        kinds[p.kind]++;
        if (p.error != null) {
            reasons.add(p.error);
        }
    }

    /** Usually the true length; sometimes smaller than captured, zero, negative or huge. */
    private static int lyingLength(Random rnd, int length) {
        return switch (rnd.nextInt(16)) {
            case 0 -> 0;
            case 1 -> -rnd.nextInt(1000);
            case 2 -> Integer.MAX_VALUE - rnd.nextInt(3);
            case 3 -> rnd.nextInt(length + 1);
            case 4 -> length + rnd.nextInt(100_000);
            default -> length;
        };
    }

    private static byte[] mutate(Random rnd, byte[] frame) {
        byte[] f = frame.clone();
        int flips = rnd.nextInt(9);
        for (int i = 0; i < flips && f.length > 0; i++) {
            f[rnd.nextInt(f.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        if (rnd.nextInt(3) == 0 && f.length > 0) {
            int[] interesting = {0x00, 0xFF, 0x7F, 0x80, 0x05, 0x45, 0x60, 0x2C, 0x3B, 0x06, 0x11};
            int writes = 1 + rnd.nextInt(3);
            for (int i = 0; i < writes; i++) {
                f[rnd.nextInt(f.length)] = (byte) interesting[rnd.nextInt(interesting.length)];
            }
        }
        if (rnd.nextInt(10) == 0) {
            f = Arrays.copyOf(f, f.length + rnd.nextInt(64)); // zero tail: padding, length mismatches
        }
        return f;
    }

    /** Decodes with the rest of the frame (and more junk) in the buffer past the captured length. */
    private static String decodeWithTail(int link, byte[] f, int captured, int original) {
        ByteBuffer b = ByteBuffer.allocate(f.length + 64);
        b.put(f);
        for (int i = f.length; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 31));
        }
        DecodedPacket out = new DecodedPacket();
        new PacketDecoder(new DecodeStats()).decode(link, 1_000L, b.clear(), 0, captured, original, out);
        return digest(out);
    }

    static String digest(DecodedPacket p) {
        return p.kind + " " + p.error + " " + p.linkType + " " + p.timestampNanos + " " + p.frameLength + " " + p.ipVersion
                + " " + p.srcHi + " " + p.srcLo + " " + p.dstHi + " " + p.dstLo + " " + p.protocol + " " + p.ipLength
                + " " + p.srcPort + " " + p.dstPort + " " + p.tcpFlags + " " + p.payloadLength + " " + p.fragmented
                + " " + p.fragmentOffset + " " + p.moreFragments + " " + p.fragmentId + " " + p.icmpType + " " + p.icmpCode
                + " " + p.hasQuoted + " " + p.quotedProtocol + " " + p.quotedSrcHi + " " + p.quotedSrcLo + " "
                + p.quotedDstHi + " " + p.quotedDstLo + " " + p.quotedSrcPort + " " + p.quotedDstPort;
    }
}
