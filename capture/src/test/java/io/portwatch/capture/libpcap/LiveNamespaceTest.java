package io.portwatch.capture.libpcap;

import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.EthernetHeader;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.source.CaptureException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.portwatch.capture.libpcap.LiveCaptureTest.RecordingSink;
import static io.portwatch.capture.libpcap.LiveCaptureTest.Runner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live capture on one end of a veth pair whose other end is in a network namespace of the test's own,
 * with addresses from 10.77.x.0/30: frames sent from the namespace arrive with their real MACs, and an
 * interface taken down or deleted mid-capture ends {@code run} with a one-line fault after the frames
 * before it. Needs root and network namespaces; skips otherwise. Sends only to its own addresses.
 */
class LiveNamespaceTest {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private String namespace;
    private String hostEnd;
    private String nsEnd;
    private String hostAddress;
    private String nsAddress;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void createNamespacePair() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        LiveCaptureTest.requireCaptureOnLoopback();
        assumeTrue(LibpcapTestSupport.hasTool("ip"), "the ip tool (iproute2) is not installed");
        assumeTrue(LibpcapTestSupport.hasTool("python3"), "python3 is not installed (it sends from the namespace)");
        String id = ProcessHandle.current().pid() % 100_000 + "x" + SEQUENCE.incrementAndGet();
        String ns = "pwlive" + id;
        LibpcapTestSupport.Result add = LibpcapTestSupport.run(List.of("ip", "netns", "add", ns));
        assumeTrue(add.exitCode() == 0, "cannot create a network namespace: " + add.stderr().strip());
        namespace = ns;
        hostEnd = "pwlh" + id;
        nsEnd = "pwln" + id;
        LibpcapTestSupport.ip("link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd, "netns", namespace);
        int subnet = LibpcapTestSupport.freeSubnet();
        hostAddress = "10.77." + subnet + ".1";
        nsAddress = "10.77." + subnet + ".2";
        LibpcapTestSupport.ip("addr", "add", hostAddress + "/30", "dev", hostEnd);
        LibpcapTestSupport.ip("-n", namespace, "addr", "add", nsAddress + "/30", "dev", nsEnd);
        LibpcapTestSupport.ip("-n", namespace, "link", "set", nsEnd, "up");
        LibpcapTestSupport.ip("-n", namespace, "link", "set", "lo", "up");
    }

    @AfterEach
    void removeNamespacePair() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (hostEnd != null && Files.exists(Path.of("/sys/class/net", hostEnd))) {
            LibpcapTestSupport.run(List.of("ip", "link", "del", hostEnd)); // takes its peer along
        }
        if (namespace != null) {
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(List.of("ip", "netns", "del", namespace));
            assertEquals(0, r.exitCode(), () -> "cannot delete namespace " + namespace + ": " + r.stderr());
        }
    }

    @Test
    @Timeout(60)
    void framesFromTheNamespaceThenTheInterfaceGoesDown() throws Exception {
        // A down interface cannot be opened.
        CaptureException down = assertThrows(CaptureException.class,
                () -> LibpcapLiveSource.open(hostEnd, LiveOptions.defaults()));
        assertEquals(hostEnd + ": the interface is down", down.getMessage());
        LibpcapTestSupport.ip("link", "set", hostEnd, "up");

        DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(hostAddress), 0));
        toClose.add(receiver);
        int port = receiver.getLocalPort();
        int[] sizes = {1, 18, 200, 1000, 1472};
        LibpcapLiveSource source = LibpcapLiveSource.open(hostEnd, LiveOptions.defaults()
                .withFilter("udp and dst host " + hostAddress + " and dst port " + port));
        toClose.add(source);
        assertEquals(LinkType.ETHERNET, source.linkType());
        RecordingSink sink = new RecordingSink();
        Runner runner = new Runner(source, sink);

        sendFromNamespace(port, sizes);
        receiver.setSoTimeout(5000);
        byte[] in = new byte[2048];
        for (int size : sizes) {
            DatagramPacket p = new DatagramPacket(in, in.length);
            receiver.receive(p);
            assertEquals(size, p.getLength(), "datagrams arrive in order");
        }
        Await.until(Duration.ofSeconds(5), () -> sink.frames().size() >= sizes.length, "the frames of every datagram");

        long hostMac = macOf(Files.readString(Path.of("/sys/class/net", hostEnd, "address")));
        long nsMac = macOf(nsRun("cat", "/sys/class/net/" + nsEnd + "/address"));
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket d = new DecodedPacket();
        List<RecordingSink.Frame> frames = sink.frames();
        assertEquals(sizes.length, frames.size(), "one frame per datagram");
        for (int i = 0; i < sizes.length; i++) {
            RecordingSink.Frame f = frames.get(i);
            ByteBuffer b = ByteBuffer.wrap(f.data());
            assertEquals(LinkType.ETHERNET, f.linkType());
            assertEquals(hostMac, EthernetHeader.destination(b, 0), "destination MAC: the host end's");
            assertEquals(nsMac, EthernetHeader.source(b, 0), "source MAC: the namespace end's");
            decoder.decode(f.linkType(), f.timestampNanos(), b, 0, f.data().length, f.originalLength(), d);
            assertTrue(d.isUdp(), "UDP: " + d.kind + " " + d.error);
            assertEquals(4, d.ipVersion);
            assertEquals(ipv4(nsAddress), (int) d.srcLo);
            assertEquals(ipv4(hostAddress), (int) d.dstLo);
            assertEquals(port, d.dstPort);
            assertEquals(sizes[i], d.payloadLength, "UDP payload of datagram " + i);
            assertEquals(14 + 28 + sizes[i], f.originalLength(), "wire length of datagram " + i);
        }

        LibpcapTestSupport.ip("link", "set", hostEnd, "down");
        Throwable thrown = runner.join(5000);
        assertNotNull(thrown, "run ends when the interface goes down");
        assertInstanceOf(CaptureException.class, thrown);
        assertEquals(hostEnd + ": the interface went down", thrown.getMessage());
        assertEquals(sizes.length, sink.frames().size(), "every frame before the fault was delivered");
    }

    @Test
    @Timeout(60)
    void deletedInterfaceEndsTheCapture() throws Exception {
        LibpcapTestSupport.ip("link", "set", hostEnd, "up");
        LibpcapLiveSource source = LibpcapLiveSource.open(hostEnd, LiveOptions.defaults().withFilter("udp port 9"));
        toClose.add(source);
        RecordingSink sink = new RecordingSink();
        Runner runner = new Runner(source, sink);
        Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= 1, "an idle call");
        LibpcapTestSupport.ip("link", "del", hostEnd);
        Throwable thrown = runner.join(5000);
        assertInstanceOf(CaptureException.class, thrown, "run ends when the interface is deleted");
        String m = thrown.getMessage();
        // libpcap may notice first ("The interface disappeared"), or the flags check does
        assertTrue(m.equalsIgnoreCase(hostEnd + ": the interface disappeared"), m);
    }

    private void sendFromNamespace(int port, int[] sizes) {
        StringBuilder list = new StringBuilder();
        for (int s : sizes) {
            list.append(s).append(',');
        }
        String script = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for n in [" + list + "]:\n"
                + "    s.sendto(bytes(n), ('" + hostAddress + "', " + port + "))\n";
        nsRun("python3", "-c", script);
    }

    private String nsRun(String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        c.addAll(List.of(command));
        LibpcapTestSupport.Result r = LibpcapTestSupport.run(c);
        assertEquals(0, r.exitCode(), () -> String.join(" ", c) + ": " + r.stderr());
        return r.stdout();
    }

    private static long macOf(String text) {
        return Long.parseLong(text.strip().replace(":", ""), 16);
    }

    private static int ipv4(String dotted) throws Exception {
        byte[] b = InetAddress.getByName(dotted).getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }
}
