package io.portwatch.analysis.detect;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.testkit.FrameBuilder;

import java.nio.ByteBuffer;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.FIN;
import static io.portwatch.testkit.FrameBuilder.PSH;
import static io.portwatch.testkit.FrameBuilder.SYN;

/**
 * Hands frames of the testkit's {@link FrameBuilder} (Ethernet; IPv4 or IPv6, told by the addresses;
 * TCP, UDP, ICMP errors) to a packet sink, with a packet clock the test moves on, and plays whole
 * conversations. One reused buffer, as a capture source does.
 */
final class Wire {
    private final PacketSink sink;
    private final ByteBuffer buf = ByteBuffer.allocate(2048);
    /** The packet clock, ns since the epoch (starts 2024-05-01T10:00:00Z). */
    long now = 1_714_557_600_000_000_000L;
    long frames;

    Wire(PacketSink sink) {
        this.sink = sink;
    }

    Wire advanceMillis(long ms) {
        now += ms * 1_000_000L;
        return this;
    }

    Wire advanceMicros(long us) {
        now += us * 1_000L;
        return this;
    }

    void tcp(String src, int sport, String dst, int dport, int flags) {
        tcp(src, sport, dst, dport, flags, 0);
    }

    void tcp(String src, int sport, String dst, int dport, int flags, int payload) {
        send(ip(src, dst, FrameBuilder.PROTO_TCP, tcpSegment(sport, dport, flags, payload)));
    }

    void udp(String src, int sport, String dst, int dport, int payload) {
        send(ip(src, dst, FrameBuilder.PROTO_UDP, FrameBuilder.udp(sport, dport, payload)));
    }

    /**
     * An ICMP destination unreachable (ICMPv6 for IPv6 addresses) from {@code from} to the sender of the
     * quoted packet, quoting its IP header and first 8 transport bytes.
     *
     * @param code 3 port unreachable, 1 host unreachable, 13 administratively prohibited (v4); 4, 3, 1 (v6)
     */
    void unreachable(String from, int code, int quotedProto, String qSrc, int qSport, String qDst, int qDport) {
        byte[] transport = quotedProto == FrameBuilder.PROTO_TCP ? tcpSegment(qSport, qDport, FrameBuilder.SYN, 0)
                : FrameBuilder.udp(qSport, qDport, 8);
        byte[] quotedIp = ip(qSrc, qDst, quotedProto, transport);
        boolean v6 = FrameBuilder.address(qSrc).length == 16;
        int keep = Math.min(quotedIp.length, (v6 ? 40 : 20) + 8);
        byte[] icmp = FrameBuilder.icmp(v6 ? 1 : 3, code, FrameBuilder.first(quotedIp, keep));
        send(ip(from, qSrc, v6 ? FrameBuilder.PROTO_ICMPV6 : FrameBuilder.PROTO_ICMP, icmp));
    }

    private static byte[] tcpSegment(int sport, int dport, int flags, int payload) {
        return new FrameBuilder.Tcp(sport, dport, flags).seq(1000).ack((flags & FrameBuilder.ACK) != 0 ? 2000 : 0)
                .payload(payload).build();
    }

    /** IPv4 (with DF) or IPv6 (flow label 0), told by the addresses. */
    private static byte[] ip(String src, String dst, int protocol, byte[] payload) {
        if (FrameBuilder.address(src).length == 4) {
            return new FrameBuilder.Ip4().src(src).dst(dst).protocol(protocol).dontFragment().build(payload);
        }
        return new FrameBuilder.Ip6().src(src).dst(dst).next(protocol).flowLabel(0).build(payload);
    }

    private void send(byte[] ipPacket) {
        byte[] frame = FrameBuilder.ethernet(ipPacket);
        buf.clear();
        buf.put(frame);
        frames++;
        sink.onPacket(LinkType.ETHERNET, now, buf, 0, frame.length, frame.length);
    }

    // ---------------------------------------------------------------- conversations

    /** A complete TCP session: handshake, a request and a response, FIN both ways. */
    void session(String client, int cport, String server, int sport) {
        tcp(client, cport, server, sport, SYN);
        advanceMicros(100);
        tcp(server, sport, client, cport, SYN | ACK);
        advanceMicros(100);
        tcp(client, cport, server, sport, ACK);
        tcp(client, cport, server, sport, PSH | ACK, 120);
        advanceMicros(300);
        tcp(server, sport, client, cport, PSH | ACK, 900);
        tcp(client, cport, server, sport, FIN | ACK);
        tcp(server, sport, client, cport, FIN | ACK);
        tcp(client, cport, server, sport, ACK);
    }
}
