package io.portwatch.capture.ring;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.libpcap.LibpcapLiveSource;
import io.portwatch.capture.libpcap.LibpcapTestSupport;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link RingLiveSource} on a tun device ({@link TunDevice}), whose frames are IP packets with no link-layer header
 * before them (as WireGuard's): the ring sees what libpcap sees at the same time (link type RAW, bytes, lengths,
 * times; datagrams the host received on it and datagrams it sent into it), a kernel filter compiled for raw IP
 * keeps out what it should, and a fanout group sends both directions of a pair of hosts to one member (its program
 * finds a sent frame's addresses with no link-layer header before them). Needs root; skips otherwise.
 */
class RingRawIpTest {

    /** IPv4 header length of the frames sent here (no options), and where UDP's destination port is. */
    private static final int IP_HEADER = 20;
    private static final int PROTOCOL_OFFSET = 9;
    private static final int DESTINATION_OFFSET = 16;
    private static final int UDP = 17;

    private TunDevice tun;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void device() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        try {
            RingLiveSource.open("lo", LiveOptions.defaults()).close();
        } catch (RingUnavailableException e) {
            assumeTrue(false, "the ring cannot capture here: " + e.getMessage());
        }
        tun = TunDevice.create();
    }

    @AfterEach
    void remove() throws Exception {
        VethPair.closeAll(toClose, null);
        if (tun != null) {
            tun.close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    /**
     * A socket on the device's address and {@code port}, so that the datagrams written into the device are taken
     * there (a closed port would have the host answer each with an ICMP error, which it sends at a limited rate).
     */
    private DatagramSocket receiver(int port) throws Exception {
        return closing(new DatagramSocket(new InetSocketAddress(tun.address, port)));
    }

    /** Datagrams of these sizes sent by the host to the device's peer: frames the device sees as sent. */
    private void sendToPeer(int port, int... sizes) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            for (int n : sizes) {
                s.send(new DatagramPacket(new byte[n], n, InetAddress.getByName(tun.peer), port));
            }
        }
    }

    @Test
    @Timeout(60)
    void seesWhatLibpcapSeesOnARawIpDevice() throws Exception {
        LiveOptions options = LiveOptions.defaults();
        RingNamespaceTest.Frames ring = new RingNamespaceTest.Frames();
        RingNamespaceTest.Frames pcap = new RingNamespaceTest.Frames();
        RingLiveSource source = closing(RingLiveSource.open(tun.name, options));
        assertEquals(LinkType.RAW, source.linkType());
        closing(new RingNamespaceTest.Running(source, ring));
        closing(new RingNamespaceTest.Running(closing(LibpcapLiveSource.open(tun.name, options)), pcap));
        receiver(7050);
        tun.sendUdp(7050, 1, 60, 500, 1400);
        sendToPeer(7051, 10, 100, 1000);
        Await.until(Duration.ofSeconds(10), () -> pcap.frames().size() >= 7 && ring.frames().size() >= 7,
                "the frames of both captures");
        Thread.sleep(300);
        List<RingNamespaceTest.Frames.Frame> seen = ring.frames();
        assertEquals(7, seen.size(), "four datagrams received, three sent: " + seen);
        assertEquals(pcap.frames(), seen, "the ring's frames are libpcap's, with the same link type and timestamps");
        assertTrue(seen.stream().allMatch(f -> f.linkType() == LinkType.RAW), "raw IP, as libpcap says");
        assertTrue(seen.stream().allMatch(f -> (f.data()[PROTOCOL_OFFSET] & 0xFF) == UDP), "IP from the first byte");
        String to = tun.address;
        String back = tun.peer;
        assertEquals(List.of(to, to, to, to, back, back, back), seen.stream().map(RingRawIpTest::destination).toList());
        assertTrue(seen.stream().allMatch(f -> f.data().length <= LiveOptions.DEFAULT_SNAPLEN));
    }

    @Test
    @Timeout(60)
    void aKernelFilterForRawIpKeepsOutWhatItShould() throws Exception {
        RingLiveSource source = closing(RingLiveSource.open(tun.name, LiveOptions.defaults().withFilter("udp port 7060")));
        RingNamespaceTest.Frames sink = new RingNamespaceTest.Frames();
        closing(new RingNamespaceTest.Running(source, sink));
        receiver(7060);
        tun.sendUdp(7061, 10, 20, 30); // refused, and so are the ICMP errors that answer these
        tun.sendUdp(7060, 11, 22);
        tun.sendUdp(7061, 40);
        sendToPeer(7062, 50);
        Await.until(Duration.ofSeconds(10), () -> sink.frames().size() >= 2, "the matching frames");
        Thread.sleep(300);
        assertEquals(2, sink.frames().size(), "only the datagrams to port 7060: " + sink.frames());
        for (RingNamespaceTest.Frames.Frame f : sink.frames()) {
            assertEquals(7060, ByteBuffer.wrap(f.data()).getShort(IP_HEADER + 2) & 0xFFFF);
        }
        CaptureStats h = source.health();
        assertEquals(2, h.received(), "what the filter refused is not counted: " + h);
    }

    @Test
    @Timeout(60)
    void aFanoutGroupSendsBothDirectionsOfAPairToOneMember() throws Exception {
        List<RingLiveSource> members = RingFanout.openAll(tun.name, LiveOptions.defaults(), 2);
        RingNamespaceTest.Frames[] seen = {new RingNamespaceTest.Frames(), new RingNamespaceTest.Frames()};
        for (int i = 0; i < 2; i++) {
            closing(members.get(i));
            closing(new RingNamespaceTest.Running(members.get(i), seen[i]));
        }
        int[] sizes = {3, 30, 70, 150, 300, 600, 900, 1200, 1300, 1400};
        receiver(7070);
        tun.sendUdp(7070, sizes);
        sendToPeer(7071, sizes);
        Await.until(Duration.ofSeconds(10), () -> seen[0].frames().size() + seen[1].frames().size() >= 2 * sizes.length,
                "every frame on one member or the other");
        Thread.sleep(300);
        int first = seen[0].frames().size();
        int second = seen[1].frames().size();
        assertEquals(2 * sizes.length, first + second, "each frame once");
        assertTrue(first == 0 || second == 0, "the datagrams received and those sent are one pair of hosts, on"
                + " one member: " + first + " and " + second);
    }

    private static String destination(RingNamespaceTest.Frames.Frame f) {
        byte[] d = f.data();
        return (d[DESTINATION_OFFSET] & 0xFF) + "." + (d[DESTINATION_OFFSET + 1] & 0xFF) + "."
                + (d[DESTINATION_OFFSET + 2] & 0xFF) + "." + (d[DESTINATION_OFFSET + 3] & 0xFF);
    }
}
