package io.portwatch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.testkit.Bytes;
import io.portwatch.testkit.FrameBuilder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The generator's frames, written in place by {@link FrameWriter}, against the same frames built by the
 * tests' FrameBuilder from the layout FrameWriter documents: every kind (IPv4 and IPv6, tagged or not,
 * each TCP flag combination the generator sends, UDP), every payload length, cut at snap lengths.
 */
class FrameWriterTest {

    private static final int[] TCP_FLAGS = {FrameBuilder.SYN, FrameBuilder.SYN | FrameBuilder.ACK, FrameBuilder.ACK,
        FrameBuilder.PSH | FrameBuilder.ACK, FrameBuilder.FIN | FrameBuilder.ACK, FrameBuilder.RST,
        FrameBuilder.RST | FrameBuilder.ACK};

    @Test
    void everyKindOfFrameIsWhatTheBuilderMakes() {
        SplittableRandom rnd = new SplittableRandom(15);
        FrameWriter w = new FrameWriter();
        int checked = 0;
        for (boolean v6 : new boolean[] {false, true}) {
            for (int vlan : new int[] {-1, 0, 1 + rnd.nextInt(4094), 4095}) {
                for (int flags : TCP_FLAGS) {
                    for (int payload : new int[] {0, 1, 1 + rnd.nextInt(FrameWriter.MAX_PAYLOAD), FrameWriter.MAX_PAYLOAD}) {
                        for (int snaplen : new int[] {65535, 128, 96, 54}) {
                            fill(w, rnd, v6, vlan, DecodedPacket.PROTO_TCP, flags, payload);
                            check(w, snaplen);
                            checked++;
                        }
                    }
                }
                for (int payload : new int[] {0, 1, 1 + rnd.nextInt(FrameWriter.MAX_PAYLOAD), FrameWriter.MAX_PAYLOAD}) {
                    fill(w, rnd, v6, vlan, DecodedPacket.PROTO_UDP, 0, payload);
                    check(w, 65535);
                    check(w, 64);
                    checked += 2;
                }
            }
        }
        assertEquals(2 * 4 * (7 * 4 * 4 + 4 * 2), checked);
    }

    /** Random addresses, ports, numbers; the given kind. */
    private static void fill(FrameWriter w, SplittableRandom rnd, boolean v6, int vlan, int protocol, int flags,
                             int payload) {
        w.srcMac = rnd.nextLong() & 0xFFFF_FFFF_FFFFL;
        w.dstMac = rnd.nextLong() & 0xFFFF_FFFF_FFFFL;
        w.vlan = vlan;
        w.ipv6 = v6;
        w.src4 = rnd.nextInt();
        w.dst4 = rnd.nextInt();
        w.srcHi = rnd.nextLong();
        w.srcLo = rnd.nextLong();
        w.dstHi = rnd.nextLong();
        w.dstLo = rnd.nextLong();
        w.ipId = rnd.nextInt();
        w.protocol = protocol;
        w.srcPort = rnd.nextInt(65536);
        w.dstPort = rnd.nextInt(65536);
        w.seq = rnd.nextInt();
        w.ack = rnd.nextInt();
        w.tcpFlags = flags;
        w.payload = payload;
    }

    private static void check(FrameWriter w, int snaplen) {
        byte[] expected = expected(w);
        int wire = w.build(snaplen);
        String what = (w.ipv6 ? "IPv6" : "IPv4") + " vlan " + w.vlan + " protocol " + w.protocol + " flags "
                + w.tcpFlags + " payload " + w.payload + " snaplen " + snaplen;
        assertEquals(expected.length, wire, what + ": length on the wire");
        int written = Math.min(snaplen, wire);
        byte[] got = new byte[written];
        w.buffer().get(0, got);
        assertArrayEquals(Arrays.copyOf(expected, written), got, what);
        assertEquals(expected.length - 14 - (w.vlan >= 0 ? 4 : 0), w.ipLength(), what + ": IP length");
    }

    /** The frame FrameWriter's comments describe, built with the test kit. */
    private static byte[] expected(FrameWriter w) {
        byte[] payload = new byte[w.payload];
        int from = w.seq & 0x3FF; // the payload pattern, from an offset the sequence number chooses
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ((from + i) * 31 + 7);
        }
        boolean ack = (w.tcpFlags & FrameBuilder.ACK) != 0;
        byte[] l4;
        if (w.protocol == DecodedPacket.PROTO_UDP) {
            l4 = FrameBuilder.udp(w.srcPort, w.dstPort, payload);
        } else {
            FrameBuilder.Tcp tcp = new FrameBuilder.Tcp(w.srcPort, w.dstPort, w.tcpFlags).seq(w.seq).ack(ack ? w.ack : 0)
                    .window(64240).payload(payload);
            if ((w.tcpFlags & FrameBuilder.SYN) != 0) { // MSS 1460, SACK permitted, timestamps, NOP, window scale 7
                tcp.options(new Bytes().u8(2).u8(4).u16(1460).u8(4).u8(2).u8(8).u8(10).u32(w.seq ^ 0x5A5A5A5A)
                        .u32(ack ? w.ack ^ 0x5A5A5A5A : 0).u8(1).u8(3).u8(3).u8(7).toArray());
            }
            l4 = tcp.build();
        }
        byte[] ip = w.ipv6
                ? new FrameBuilder.Ip6().src(FrameBuilder.v6(w.srcHi, w.srcLo)).dst(FrameBuilder.v6(w.dstHi, w.dstLo))
                        .next(w.protocol).flowLabel(w.srcPort * 31 + w.dstPort).build(l4)
                : new FrameBuilder.Ip4().src(w.src4).dst(w.dst4).protocol(w.protocol).id(w.ipId).dontFragment().build(l4);
        int type = w.ipv6 ? FrameBuilder.ETHERTYPE_IPV6 : FrameBuilder.ETHERTYPE_IPV4;
        byte[] dst = mac(w.dstMac);
        byte[] src = mac(w.srcMac);
        return w.vlan >= 0
                ? FrameBuilder.ethernet(dst, src, FrameBuilder.ETHERTYPE_VLAN, FrameBuilder.vlanTag(w.vlan, type, ip))
                : FrameBuilder.ethernet(dst, src, type, ip);
    }

    private static byte[] mac(long m) {
        return Arrays.copyOfRange(ByteBuffer.allocate(8).putLong(m).array(), 2, 8);
    }
}
