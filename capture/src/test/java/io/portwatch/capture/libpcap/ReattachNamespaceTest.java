package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.portwatch.capture.libpcap.LiveCaptureTest.Runner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ReattachingLiveSource} on one end of a veth pair whose other end is in a network namespace of
 * the test's own (addresses from 10.77.x.0/30): the interface taken down and up again, or deleted and
 * made again with the same name, is captured again, the datagrams sent after counted, the counters going
 * on from the closed handle's; the sink hears of the gap and its idle clock goes on meanwhile; a stop while
 * the interface is away ends the run at once. Needs root and network namespaces; skips otherwise.
 */
class ReattachNamespaceTest {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long MS = 1_000_000L;
    /** Quick attempts, so that the test waits little. */
    private static final ReopenBackoff QUICK = new ReopenBackoff(50 * MS, 200 * MS);

    private String namespace;
    private String hostEnd;
    private String nsEnd;
    private String hostAddress;
    private String nsAddress;
    private final List<String> notices = new ArrayList<>();
    private ReattachingLiveSource source;

    /** Counts the frames and the idle calls, and keeps the gap's events. */
    private static final class GapSink implements PacketSink {
        final AtomicInteger frames = new AtomicInteger();
        final AtomicInteger idle = new AtomicInteger();
        final List<Long> downs = new ArrayList<>();
        final List<Long> ups = new ArrayList<>();

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            frames.incrementAndGet();
        }

        @Override
        public void onIdle(long epochNanos) {
            idle.incrementAndGet();
        }

        @Override
        public synchronized void onCaptureDown(long epochNanos) {
            downs.add(epochNanos);
        }

        @Override
        public synchronized void onCaptureUp(long epochNanos) {
            ups.add(epochNanos);
        }

        synchronized List<Long> downs() {
            return List.copyOf(downs);
        }

        synchronized List<Long> ups() {
            return List.copyOf(ups);
        }
    }

    @BeforeEach
    void createNamespacePair() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        LiveCaptureTest.requireCaptureOnLoopback();
        assumeTrue(LibpcapTestSupport.hasTool("ip"), "the ip tool (iproute2) is not installed");
        assumeTrue(LibpcapTestSupport.hasTool("python3"), "python3 is not installed (it sends from the namespace)");
        String id = ProcessHandle.current().pid() % 100_000 + "r" + SEQUENCE.incrementAndGet();
        String ns = "pwre" + id;
        LibpcapTestSupport.Result add = LibpcapTestSupport.run(List.of("ip", "netns", "add", ns));
        assumeTrue(add.exitCode() == 0, "cannot create a network namespace: " + add.stderr().strip());
        namespace = ns;
        hostEnd = "pwrh" + id;
        nsEnd = "pwrn" + id;
        int subnet = LibpcapTestSupport.freeSubnet();
        hostAddress = "10.77." + subnet + ".1";
        nsAddress = "10.77." + subnet + ".2";
        makePair();
        LibpcapTestSupport.ip("-n", namespace, "link", "set", "lo", "up");
    }

    /** The veth pair, addressed and up. */
    private void makePair() {
        LibpcapTestSupport.ip("link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd, "netns", namespace);
        LibpcapTestSupport.ip("addr", "add", hostAddress + "/30", "dev", hostEnd);
        LibpcapTestSupport.ip("-n", namespace, "addr", "add", nsAddress + "/30", "dev", nsEnd);
        LibpcapTestSupport.ip("-n", namespace, "link", "set", nsEnd, "up");
        LibpcapTestSupport.ip("link", "set", hostEnd, "up");
    }

    @AfterEach
    void removeNamespacePair() {
        if (source != null) {
            source.close();
        }
        if (hostEnd != null && Files.exists(Path.of("/sys/class/net", hostEnd))) {
            LibpcapTestSupport.run(List.of("ip", "link", "del", hostEnd)); // takes its peer along
        }
        if (namespace != null) {
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(List.of("ip", "netns", "del", namespace));
            assertEquals(0, r.exitCode(), () -> "cannot delete namespace " + namespace + ": " + r.stderr());
        }
    }

    private synchronized void notice(String line) {
        notices.add(line);
    }

    private synchronized List<String> notices() {
        return List.copyOf(notices);
    }

    private boolean said(String start) {
        return notices().stream().anyMatch(n -> n.toLowerCase().startsWith(start.toLowerCase()));
    }

    /** Opens the host end, filtered to the test's port, and runs it; the datagrams sent so far arrive. */
    private Runner capture(GapSink sink, ReopenBackoff backoff) throws Exception {
        source = ReattachingLiveSource.open(hostEnd, LiveOptions.defaults().withFilter("udp dst port 5599"), backoff,
                this::notice);
        Runner runner = new Runner(source, sink);
        sendFromNamespace(3);
        Await.until(Duration.ofSeconds(10), () -> sink.frames.get() == 3, "the datagrams before");
        assertTrue(source.capturing());
        return runner;
    }

    /** Waits until capture stopped: the sink hears of it, then the line is said. */
    private void awaitDown(GapSink sink) {
        Await.until(Duration.ofSeconds(10), () -> sink.downs().size() == 1 && !notices().isEmpty(),
                () -> "capture stopped: " + notices());
    }

    /** Waits until the interface is captured again, then sends two more datagrams and sees them counted. */
    private void capturedAgain(GapSink sink, CaptureStats before) throws Exception {
        // the sink hears of it first, then the line is said
        Await.until(Duration.ofSeconds(10), () -> sink.ups().size() == 1 && said(hostEnd + ": captured again"),
                () -> "captured again: " + notices());
        assertTrue(source.capturing());
        assertTrue(notices().get(notices().size() - 1).matches(hostEnd + ": captured again, after [0-9.]+ s away"),
                notices().toString());
        sendFromNamespace(2);
        Await.until(Duration.ofSeconds(10), () -> sink.frames.get() == 5, "the datagrams after");
        CaptureStats after = source.health();
        assertTrue(after.received() >= before.received() + 2, "the counters go on: " + before + " then " + after);
        assertTrue(after.droppedByKernel() >= before.droppedByKernel(), after.toString());
        assertTrue(after.droppedByInterface() >= before.droppedByInterface(), after.toString());
        assertEquals(1, sink.downs().size());
        assertTrue(sink.ups().get(0) > sink.downs().get(0));
    }

    @Test
    @Timeout(60)
    void anInterfaceTakenDownAndUpAgainIsCapturedAgain() throws Exception {
        GapSink sink = new GapSink();
        Runner runner = capture(sink, QUICK);
        CaptureStats before = source.health();
        assertTrue(before.received() >= 3, before.toString());

        LibpcapTestSupport.ip("link", "set", hostEnd, "down");
        awaitDown(sink);
        assertEquals(List.of(hostEnd + ": the interface went down; opening it again every 0.05 s, backing off to 0.2 s"),
                notices());
        assertFalse(source.capturing());
        int idle = sink.idle.get();
        Await.until(Duration.ofSeconds(5), () -> sink.idle.get() >= idle + 5, "the clock goes on while down");
        Thread.sleep(500); // several attempts fail while it is down: none is said
        assertEquals(1, notices().size(), notices().toString());
        assertTrue(sink.ups().isEmpty());

        LibpcapTestSupport.ip("link", "set", hostEnd, "up");
        capturedAgain(sink, before);
        assertEquals(2, notices().size(), notices().toString());

        source.stop();
        assertNull(runner.join(5000), "a stop ends the run");
    }

    @Test
    @Timeout(60)
    void anInterfaceDeletedAndMadeAgainWithItsNameIsCapturedAgain() throws Exception {
        GapSink sink = new GapSink();
        Runner runner = capture(sink, QUICK);
        CaptureStats before = source.health();

        LibpcapTestSupport.ip("link", "del", hostEnd); // takes its peer along
        awaitDown(sink);
        assertTrue(said(hostEnd + ": the interface disappeared; opening it again"), notices().toString());
        Thread.sleep(500);
        assertEquals(1, notices().size(), "no such interface, again and again, is not said: " + notices());

        makePair();
        capturedAgain(sink, before);
        source.stop();
        assertNull(runner.join(5000));
    }

    @Test
    @Timeout(60)
    void aFailureOtherThanAbsenceIsSaidOnceAndTheAttemptsGoOn() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun here");
        GapSink sink = new GapSink();
        // an Ethernet filter: a tun interface of the same name (raw IP) cannot take it
        LiveOptions ethernetOnly = LiveOptions.defaults().withFilter("udp dst port 5599 and not ether broadcast");
        source = ReattachingLiveSource.open(hostEnd, ethernetOnly, QUICK, this::notice);
        Runner runner = new Runner(source, sink);
        sendFromNamespace(3);
        Await.until(Duration.ofSeconds(10), () -> sink.frames.get() == 3, "the datagrams before");
        CaptureStats before = source.health();

        LibpcapTestSupport.ip("link", "del", hostEnd);
        awaitDown(sink);
        LibpcapTestSupport.ip("tuntap", "add", "dev", hostEnd, "mode", "tun");
        try {
            LibpcapTestSupport.ip("link", "set", hostEnd, "up");
            Await.until(Duration.ofSeconds(10), () -> notices().size() == 2, () -> "the refusal: " + notices());
            assertTrue(notices().get(1).startsWith(hostEnd + ": invalid filter"), notices().toString());
            assertTrue(notices().get(1).endsWith("; trying again every 0.05 s, backing off to 0.2 s until stopped"),
                    notices().toString());
            Thread.sleep(1_000); // five attempts or more, refused the same way
            assertEquals(2, notices().size(), "said once: " + notices());
            assertFalse(source.capturing());
        } finally {
            LibpcapTestSupport.ip("link", "del", hostEnd);
        }
        makePair();
        capturedAgain(sink, before);
        source.stop();
        assertNull(runner.join(5000));
    }

    @Test
    @Timeout(60)
    void aStopWhileTheInterfaceIsAwayEndsTheRunAtOnce() throws Exception {
        GapSink sink = new GapSink();
        Runner runner = capture(sink, ReopenBackoff.DEFAULT);
        LibpcapTestSupport.ip("link", "set", hostEnd, "down");
        awaitDown(sink);
        long start = System.nanoTime();
        source.stop();
        assertNull(runner.join(2_000));
        assertTrue(System.nanoTime() - start < 500 * MS, "not after the wait for the next attempt");
        assertTrue(sink.ups().isEmpty());
        assertFalse(source.capturing());
    }

    private void sendFromNamespace(int datagrams) {
        String script = "import socket\n"
                + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                + "for i in range(" + datagrams + "):\n"
                + "    s.sendto(b'portwatch', ('" + hostAddress + "', 5599))\n";
        LibpcapTestSupport.Result r =
                LibpcapTestSupport.run(List.of("ip", "netns", "exec", namespace, "python3", "-c", script));
        assertEquals(0, r.exitCode(), r.stderr());
    }

}
