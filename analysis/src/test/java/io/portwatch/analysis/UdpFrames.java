package io.portwatch.analysis;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.testkit.FrameBuilder;

import java.nio.ByteBuffer;

/**
 * UDP datagrams over Ethernet and IPv4 to a packet sink (an analyzer), one reused buffer as a capture source
 * has, {@link #step} apart on a packet clock the test may move on.
 */
final class UdpFrames {
    private final PacketSink sink;
    private final ByteBuffer buf = ByteBuffer.allocate(2048);
    /** The packet clock, ns since the epoch (starts 2024-05-01T10:00:00Z). */
    long now = 1_714_557_600_000_000_000L;
    /** Between frames. */
    final long step;

    UdpFrames(PacketSink sink, long step) {
        this.sink = sink;
        this.step = step;
    }

    void udp(String src, int sport, String dst, int dport, int payload) {
        byte[] frame = FrameBuilder.ethernet(new FrameBuilder.Ip4().src(src).dst(dst)
                .protocol(FrameBuilder.PROTO_UDP).build(FrameBuilder.udp(sport, dport, payload)));
        buf.clear();
        buf.put(frame);
        sink.onPacket(LinkType.ETHERNET, now, buf, 0, frame.length, frame.length);
        now += step;
    }
}
