package io.portwatch.analysis.detect;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.PacketSink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Builds Ethernet frames (IPv4 or IPv6; TCP, UDP, ICMP errors) byte by byte and hands them to a
 * packet sink with a packet clock the test moves on. One reused buffer, as a capture source does.
 */
final class Wire {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;

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

    static byte[] address(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    void tcp(String src, int sport, String dst, int dport, int flags) {
        tcp(src, sport, dst, dport, flags, 0);
    }

    void tcp(String src, int sport, String dst, int dport, int flags, int payload) {
        byte[] seg = tcpSegment(sport, dport, flags, payload);
        ip(address(src), address(dst), 6, seg);
    }

    void udp(String src, int sport, String dst, int dport, int payload) {
        ip(address(src), address(dst), 17, udpDatagram(sport, dport, payload));
    }

    /**
     * An ICMP destination unreachable (ICMPv6 for IPv6 addresses) from {@code from} to the sender of the
     * quoted packet, quoting its IP header and first 8 transport bytes.
     *
     * @param code 3 port unreachable, 1 host unreachable, 13 administratively prohibited (v4); 4, 3, 1 (v6)
     */
    void unreachable(String from, int code, int quotedProto, String qSrc, int qSport, String qDst, int qDport) {
        byte[] qs = address(qSrc);
        byte[] qd = address(qDst);
        byte[] transport = quotedProto == 6 ? tcpSegment(qSport, qDport, SYN, 0) : udpDatagram(qSport, qDport, 8);
        byte[] quotedIp = ipPacket(qs, qd, quotedProto, transport);
        int keep = Math.min(quotedIp.length, (qs.length == 4 ? 20 : 40) + 8);
        boolean v6 = qs.length == 16;
        ByteBuffer icmp = ByteBuffer.allocate(8 + keep);
        icmp.put((byte) (v6 ? 1 : 3)).put((byte) code).putShort((short) 0).putInt(0);
        icmp.put(quotedIp, 0, keep);
        ip(address(from), qs, v6 ? 58 : 1, icmp.array());
    }

    private static byte[] tcpSegment(int sport, int dport, int flags, int payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload);
        b.putShort((short) sport).putShort((short) dport).putInt(1000).putInt((flags & ACK) != 0 ? 2000 : 0);
        b.put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) ('a' + i % 26));
        }
        return b.array();
    }

    private static byte[] udpDatagram(int sport, int dport, int payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload)).putShort((short) 0);
        for (int i = 0; i < payload; i++) {
            b.put((byte) ('A' + i % 26));
        }
        return b.array();
    }

    private static byte[] ipPacket(byte[] src, byte[] dst, int proto, byte[] payload) {
        if (src.length == 4) {
            ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length)).putShort((short) 0x1234)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) proto).putShort((short) 0).put(src).put(dst);
            int sum = 0;
            for (int i = 0; i < 20; i += 2) {
                sum += ((b.get(i) & 0xFF) << 8) | (b.get(i + 1) & 0xFF);
            }
            while ((sum >>> 16) != 0) {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            b.putShort(10, (short) ~sum);
            b.put(payload);
            return b.array();
        }
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(0x60000000).putShort((short) payload.length).put((byte) proto).put((byte) 64).put(src).put(dst);
        b.put(payload);
        return b.array();
    }

    private void ip(byte[] src, byte[] dst, int proto, byte[] payload) {
        byte[] packet = ipPacket(src, dst, proto, payload);
        buf.clear();
        buf.put(new byte[] {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88, (byte) 0x99, (byte) 0xaa, (byte) 0xbb});
        buf.putShort((short) (src.length == 4 ? 0x0800 : 0x86DD));
        buf.put(packet);
        int len = buf.position();
        frames++;
        sink.onPacket(LinkType.ETHERNET, now, buf, 0, len, len);
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
