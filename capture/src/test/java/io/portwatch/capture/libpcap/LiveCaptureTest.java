package io.portwatch.capture.libpcap;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Live capture on the loopback interface: real datagrams and a real TCP connection, sent by the test
 * and parsed back from the captured frames. Needs root (or CAP_NET_RAW); skips otherwise.
 */
class LiveCaptureTest {

    static final String LO = "lo";
    private static final InetAddress LOCALHOST = InetAddress.getLoopbackAddress();

    @BeforeAll
    static void libpcap() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
    }

    /** Skips unless this system has the Linux loopback interface and this process may capture on it. */
    static void requireCaptureOnLoopback() {
        assumeTrue(Files.isDirectory(Path.of("/sys/class/net", LO)), "no Linux loopback interface \"lo\" here");
        try {
            LibpcapLiveSource.open(LO, LiveOptions.defaults()).close();
        } catch (CaptureException e) {
            assumeTrue(!e.getMessage().contains("no permission"),
                    "live capture needs root or CAP_NET_RAW: " + e.getMessage());
            fail("cannot capture on lo: " + e.getMessage());
        }
    }

    /** Records everything a source hands over; safe to read from another thread while it runs. */
    static final class RecordingSink implements PacketSink {
        record Frame(int linkType, long timestampNanos, int originalLength, byte[] data) {
        }

        final List<Frame> frames = new ArrayList<>();
        final List<Long> idleCalls = new ArrayList<>();
        final List<String> threads = new ArrayList<>();
        volatile LibpcapLiveSource healthOf;
        volatile CaptureStats healthSeenInSink;

        @Override
        public synchronized void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset,
                                          int capturedLength, int originalLength) {
            assertTrue(buffer.order() == java.nio.ByteOrder.BIG_ENDIAN, "big-endian buffer");
            assertTrue(offset >= 0 && offset + capturedLength <= buffer.limit(), "frame inside the buffer");
            byte[] copy = new byte[capturedLength];
            buffer.get(offset, copy);
            frames.add(new Frame(linkType, timestampNanos, originalLength, copy));
            noteThread();
        }

        @Override
        public synchronized void onIdle(long epochNanos) {
            idleCalls.add(epochNanos);
            noteThread();
            LibpcapLiveSource source = healthOf;
            if (source != null) {
                healthSeenInSink = source.health(); // on the capture thread, as the app calls it
            }
        }

        private void noteThread() {
            String t = Thread.currentThread().getName();
            if (!threads.contains(t)) {
                threads.add(t);
            }
        }

        synchronized List<Frame> frames() {
            return List.copyOf(frames);
        }

        synchronized int idleCount() {
            return idleCalls.size();
        }

        synchronized List<Long> idleCalls() {
            return List.copyOf(idleCalls);
        }

        synchronized List<String> threads() {
            return List.copyOf(threads);
        }
    }

    /** Runs a source on its own thread; {@link #finish} stops it, joins and returns what run threw. */
    static final class Runner {
        final Thread thread;
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        volatile boolean returned;

        Runner(PacketSource source, PacketSink sink) {
            thread = new Thread(() -> {
                try {
                    source.run(sink);
                } catch (Throwable t) {
                    thrown.set(t);
                }
                returned = true;
            }, "capture-" + source.name());
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits for run to return by itself. */
        Throwable join(long millis) throws InterruptedException {
            thread.join(millis);
            assertFalse(thread.isAlive(), "run did not return within " + millis + " ms");
            return thrown.get();
        }
    }

    /**
     * Waits until the source has told the sink of {@code calls} more idle spells (each when no frame was
     * waiting), so that a frame still to come, e.g. a duplicate, would have come by then.
     */
    static void awaitIdleCalls(RecordingSink sink, int calls, String why) {
        int before = sink.idleCount();
        Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= before + calls, calls + " idle calls: " + why);
    }

    static long nowNanos() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    // ---- frame parsing, independent of the project's decoder --------------------------------------

    /** An IPv4 packet in an Ethernet frame, read by hand: enough to check what was sent. */
    record Ip4(long srcMac, long dstMac, int protocol, int totalLength, int headerLength, int src, int dst,
               int srcPort, int dstPort, int tcpFlags, int tcpHeaderLength) {

        /** The parsed packet, or null when the frame is not IPv4 over Ethernet. */
        static Ip4 parse(byte[] f) {
            if (f.length < 14 + 20 || u16(f, 12) != 0x0800 || (f[14] >> 4) != 4) {
                return null;
            }
            int ihl = (f[14] & 0x0F) * 4;
            int protocol = f[14 + 9] & 0xFF;
            int l4 = 14 + ihl;
            int sp = f.length >= l4 + 4 ? u16(f, l4) : -1;
            int dp = f.length >= l4 + 4 ? u16(f, l4 + 2) : -1;
            int flags = protocol == 6 && f.length >= l4 + 14 ? f[l4 + 13] & 0xFF : 0;
            int tcpLen = protocol == 6 && f.length >= l4 + 13 ? ((f[l4 + 12] & 0xFF) >> 4) * 4 : 0;
            return new Ip4(mac(f, 6), mac(f, 0), protocol, u16(f, 16), ihl, i32(f, 26), i32(f, 30), sp, dp,
                    flags, tcpLen);
        }

        int tcpPayload() {
            return totalLength - headerLength - tcpHeaderLength;
        }
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static int i32(byte[] b, int i) {
        return (u16(b, i) << 16) | u16(b, i + 2);
    }

    static long mac(byte[] b, int i) {
        return ((long) u16(b, i) << 32) | (i32(b, i + 2) & 0xFFFF_FFFFL);
    }

    // ---- tests -----------------------------------------------------------------------------------

    @Test
    @Timeout(60)
    void framesOnLoopbackAreExactlyWhatWasSent() throws Exception {
        requireCaptureOnLoopback();
        int[] requestSizes = {0, 1, 99, 512, 1000, 1472, 3000, 9000};
        int[] replySizes = {7, 60, 200, 1, 1500, 40, 8000, 250};
        byte[] upload = pattern(3000, 3);
        byte[] download = pattern(5000, 5);

        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             ServerSocket listener = new ServerSocket(0, 1, LOCALHOST)) {
            server.setSoTimeout(5000);
            client.setSoTimeout(5000);
            int udpPort = server.getLocalPort();
            int tcpPort = listener.getLocalPort();
            LiveOptions options = LiveOptions.defaults().withFilter("udp port " + udpPort + " or tcp port " + tcpPort);
            RecordingSink sink = new RecordingSink();
            long start = nowNanos();
            LibpcapLiveSource source = LibpcapLiveSource.open(LO, options);
            Runner runner;
            try {
                assertEquals(LinkType.ETHERNET, source.linkType(), "lo is captured with Ethernet framing");
                assertEquals(LO, source.name());
                assertTrue(source.nanosecondTimestamps(), "Linux gives nanosecond timestamps");
                sink.healthOf = source;
                runner = new Runner(source, sink);

                // Nothing matches the filter yet: the source says so with the clock.
                Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= 2, "two idle calls with no traffic");
                assertEquals(0, sink.frames().size(), "frames before any was sent");

                byte[] in = new byte[65536];
                for (int i = 0; i < requestSizes.length; i++) {
                    client.send(new DatagramPacket(pattern(requestSizes[i], i), requestSizes[i],
                            server.getLocalSocketAddress()));
                    DatagramPacket got = new DatagramPacket(in, in.length);
                    server.receive(got);
                    assertEquals(requestSizes[i], got.getLength());
                    server.send(new DatagramPacket(pattern(replySizes[i], i), replySizes[i], got.getSocketAddress()));
                    client.receive(new DatagramPacket(in, in.length));
                }
                tcpExchange(listener, upload, download);

                int udpFrames = 2 * requestSizes.length;
                Await.until(Duration.ofSeconds(10), () -> {
                    List<RecordingSink.Frame> f = sink.frames();
                    long udp = f.stream().map(x -> Ip4.parse(x.data())).filter(p -> p != null && p.protocol() == 17).count();
                    long fins = f.stream().map(x -> Ip4.parse(x.data()))
                            .filter(p -> p != null && p.protocol() == 6 && (p.tcpFlags() & 0x01) != 0).count();
                    return udp >= udpFrames && fins >= 2;
                }, "every datagram and both FINs");
                awaitIdleCalls(sink, 3, "anything extra, e.g. a duplicate, would show");
                source.stop();
                assertNull(runner.join(5000), "run ends quietly on stop");
                CaptureStats health = source.health();
                List<RecordingSink.Frame> frames = sink.frames();
                assertTrue(health.received() >= frames.size(),
                        "received " + health.received() + " >= delivered " + frames.size());
                assertEquals(0, health.droppedByKernel(), "kernel drops");
                assertEquals(0, health.droppedByInterface(), "interface drops");
                assertNotNull(sink.healthSeenInSink, "health() answered inside the sink");
                assertTrue(sink.healthSeenInSink.received() <= health.received(), "counters only grow");
            } finally {
                source.close();
            }
            assertSame(source.health(), source.health(), "after close, the last counters");
            long end = nowNanos();

            List<RecordingSink.Frame> frames = sink.frames();
            assertEquals(List.of("capture-lo"), sink.threads(), "the sink is called on the run thread only");
            long previous = Long.MIN_VALUE;
            List<Integer> requestsSeen = new ArrayList<>();
            List<Integer> repliesSeen = new ArrayList<>();
            int uploaded = 0;
            int downloaded = 0;
            int syn = 0;
            int synAck = 0;
            int finFromClient = 0;
            int finFromServer = 0;
            int loopback = 0x7F00_0001;
            for (RecordingSink.Frame f : frames) {
                assertEquals(LinkType.ETHERNET, f.linkType());
                assertTrue(f.timestampNanos() >= start && f.timestampNanos() <= end,
                        "timestamp " + f.timestampNanos() + " within the test [" + start + ", " + end + "]");
                assertTrue(f.timestampNanos() >= previous, "timestamps in order");
                previous = f.timestampNanos();
                Ip4 p = Ip4.parse(f.data());
                assertNotNull(p, "IPv4 frame");
                assertEquals(0L, p.srcMac(), "lo has zero MACs");
                assertEquals(0L, p.dstMac(), "lo has zero MACs");
                assertEquals(loopback, p.src());
                assertEquals(loopback, p.dst());
                assertEquals(14 + p.totalLength(), f.originalLength(), "wire length = Ethernet + IP total length");
                assertEquals(Math.min(LiveOptions.DEFAULT_SNAPLEN, f.originalLength()), f.data().length,
                        "captured length is cut at the snapshot length");
                if (p.protocol() == 17) {
                    if (p.srcPort() == client.getLocalPort() && p.dstPort() == server.getLocalPort()) {
                        requestsSeen.add(p.totalLength());
                    } else if (p.srcPort() == server.getLocalPort() && p.dstPort() == client.getLocalPort()) {
                        repliesSeen.add(p.totalLength());
                    } else {
                        fail("a datagram the test did not send: " + p);
                    }
                } else if (p.protocol() == 6) {
                    boolean toServer = p.dstPort() == listener.getLocalPort();
                    assertTrue(toServer || p.srcPort() == listener.getLocalPort(), "a segment of the test's connection");
                    if (toServer) {
                        uploaded += p.tcpPayload();
                    } else {
                        downloaded += p.tcpPayload();
                    }
                    int flags = p.tcpFlags();
                    if ((flags & 0x12) == 0x02) {
                        syn++;
                    }
                    if ((flags & 0x12) == 0x12) {
                        synAck++;
                    }
                    if ((flags & 0x01) != 0) {
                        if (toServer) {
                            finFromClient++;
                        } else {
                            finFromServer++;
                        }
                    }
                } else {
                    fail("filter let through protocol " + p.protocol());
                }
            }
            assertEquals(ipLengths(requestSizes), requestsSeen, "client -> server datagrams, IP total lengths in order");
            assertEquals(ipLengths(replySizes), repliesSeen, "server -> client datagrams, IP total lengths in order");
            assertEquals(1, syn, "one SYN");
            assertEquals(1, synAck, "one SYN-ACK");
            assertEquals(upload.length, uploaded, "TCP payload bytes client -> server");
            assertEquals(download.length, downloaded, "TCP payload bytes server -> client");
            assertEquals(1, finFromClient, "client FIN");
            assertEquals(1, finFromServer, "server FIN");

            List<Long> idle = sink.idleCalls();
            assertTrue(idle.size() >= 2);
            for (long t : idle) {
                assertTrue(t >= start && t <= end, "onIdle gets the wall clock: " + t);
            }
        }
    }

    @Test
    @Timeout(30)
    void stopFromAnotherThreadEndsAnIdleRunPromptly() throws Exception {
        requireCaptureOnLoopback();
        try (DatagramSocket reserved = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            // a port nobody sends to: no frame will pass the filter
            LiveOptions options = LiveOptions.defaults().withFilter("udp port " + reserved.getLocalPort());
            try (LibpcapLiveSource source = LibpcapLiveSource.open(LO, options)) {
                RecordingSink sink = new RecordingSink();
                Runner runner = new Runner(source, sink);
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpu0 = threads.getThreadCpuTime(runner.thread.getId());
                // not a wait for a condition: the CPU time and the idle calls of a span of 550 ms are measured
                Thread.sleep(5 * LibpcapLiveSource.IDLE_MILLIS + 50);
                long cpu = threads.getThreadCpuTime(runner.thread.getId()) - cpu0;
                assertTrue(runner.thread.isAlive(), "run keeps waiting while nothing comes");
                if (cpu0 >= 0) {
                    assertTrue(cpu < 100_000_000L, "the capture thread waits rather than spins: "
                            + cpu / 1_000_000 + " ms of CPU in 550 ms");
                }
                int idle = sink.idleCount();
                assertTrue(idle >= 2 && idle <= 7, "about one idle call per " + LibpcapLiveSource.IDLE_MILLIS
                        + " ms while idle: " + idle + " in 550 ms");
                long t0 = System.nanoTime();
                Thread stopper = new Thread(source::stop, "stopper");
                stopper.start();
                stopper.join();
                assertNull(runner.join(2000), "run returns without a fault");
                long tookMillis = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(tookMillis < 1000, "run returned " + tookMillis + " ms after stop()");
                assertEquals(0, sink.frames().size());
                assertNull(new Runner(source, sink).join(1000), "a stopped source stays stopped");
            }
        }
    }

    /** Counts frames without allocating; reads the capture thread's allocation counter at two frames. */
    private static final class CountingSink implements PacketSink {
        private final com.sun.management.ThreadMXBean threads;
        private final int first;
        private final int last;
        volatile int frames;
        long checksum;
        volatile long allocatedAtFirst = -1;
        volatile long allocatedAtLast = -1;

        CountingSink(com.sun.management.ThreadMXBean threads, int first, int last) {
            this.threads = threads;
            this.first = first;
            this.last = last;
        }

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            checksum += linkType + timestampNanos + capturedLength + buffer.get(offset + capturedLength - 1);
            int n = frames + 1;
            frames = n;
            if (n == first) {
                allocatedAtFirst = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            } else if (n == last) {
                allocatedAtLast = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
        }
    }

    @Test
    @Timeout(60)
    void capturingAllocatesNothingPerFrame() throws Exception {
        requireCaptureOnLoopback();
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "no allocation counter");
        threads.setThreadAllocatedMemoryEnabled(true);
        int warmUp = 5_000;
        int measured = 20_000;
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             LibpcapLiveSource source = LibpcapLiveSource.open(LO,
                     LiveOptions.defaults().withFilter("udp dst port " + receiver.getLocalPort()))) {
            CountingSink sink = new CountingSink(threads, warmUp, warmUp + measured);
            Runner runner = new Runner(source, sink);
            byte[][] payloads = {pattern(10, 1), pattern(300, 2), pattern(1200, 3)};
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int sent = 0;
            while (sink.allocatedAtLast < 0) {
                if (sent - sink.frames < 500) { // keep the kernel buffer far from full
                    byte[] p = payloads[sent % payloads.length];
                    sender.send(new DatagramPacket(p, p.length, receiver.getLocalSocketAddress()));
                    sent++;
                } else {
                    Thread.onSpinWait();
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("only " + sink.frames + " of " + (warmUp + measured) + " frames captured; sent " + sent);
                }
            }
            source.stop();
            assertNull(runner.join(5000));
            long allocated = sink.allocatedAtLast - sink.allocatedAtFirst;
            assertTrue(sink.checksum != 0);
            // a few idle calls may build an Instant; anything per frame would be hundreds of kilobytes
            assertTrue(allocated < 16 * 1024, allocated + " bytes allocated capturing " + measured + " frames");
        }
    }

    @Test
    @Timeout(30)
    void theAnyPseudoDeviceCapturesWithCookedHeaders() throws Exception {
        requireCaptureOnLoopback();
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             LibpcapLiveSource source = LibpcapLiveSource.open("any",
                     LiveOptions.defaults().withFilter("udp dst port " + receiver.getLocalPort()))) {
            assertEquals(LinkType.LINUX_SLL, source.linkType(), "\"any\" has no link header: Linux cooked capture");
            RecordingSink sink = new RecordingSink();
            Runner runner = new Runner(source, sink);
            Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= 2, "two idle calls"); // "any" has no flags to check: not a fault
            sender.send(new DatagramPacket(pattern(77, 0), 77, receiver.getLocalSocketAddress()));
            Await.until(Duration.ofSeconds(5), () -> sink.frames().size() >= 1, "the datagram");
            awaitIdleCalls(sink, 2, "the datagram seen again on another interface would show");
            source.stop();
            assertNull(runner.join(2000));
            List<RecordingSink.Frame> frames = sink.frames();
            assertEquals(1, frames.size(), "lo's datagram once, though \"any\" sees every interface");
            byte[] f = frames.get(0).data();
            assertEquals(LinkType.LINUX_SLL, frames.get(0).linkType());
            assertEquals(0x0800, u16(f, 14), "SLL protocol: IPv4");
            assertEquals(16 + 20 + 8 + 77, frames.get(0).originalLength());
        }
    }

    @Test
    @Timeout(30)
    void bufferedModeDeliversWithinTheTimeout() throws Exception {
        requireCaptureOnLoopback();
        deliversThreeDatagrams(false);
    }

    @Test
    @Timeout(30)
    void immediateModeDeliversToo() throws Exception {
        requireCaptureOnLoopback();
        deliversThreeDatagrams(true);
    }

    /** A stop right after the frames were sent still delivers them: it reads the kernel's last block first. */
    @Test
    @Timeout(30)
    void aStopDeliversTheFramesCapturedBeforeIt() throws Exception {
        requireCaptureOnLoopback();
        for (int round = 0; round < 5; round++) {
            try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
                 DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
                 LibpcapLiveSource source = LibpcapLiveSource.open(LO,
                         LiveOptions.defaults().withFilter("udp dst port " + receiver.getLocalPort()))) {
                RecordingSink sink = new RecordingSink();
                Runner runner = new Runner(source, sink);
                Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= 1, "an idle call: the run waits for frames");
                int sent = 20 + round;
                for (int i = 0; i < sent; i++) {
                    sender.send(new DatagramPacket(pattern(64, i), 64, receiver.getLocalSocketAddress()));
                }
                long t0 = System.nanoTime();
                source.stop();
                assertNull(runner.join(2000));
                long tookMillis = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(sent, sink.frames().size(), "round " + round + ": every datagram sent before the stop");
                assertTrue(tookMillis < 1000, "run returned " + tookMillis + " ms after stop()");
            }
        }
    }

    private static void deliversThreeDatagrams(boolean immediate) throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             LibpcapLiveSource source = LibpcapLiveSource.open(LO, new LiveOptions(128, false, 1 << 20, immediate, 50,
                     "udp dst port " + receiver.getLocalPort()))) {
            RecordingSink sink = new RecordingSink();
            Runner runner = new Runner(source, sink);
            int[] sizes = {5, 500, 5000};
            for (int size : sizes) {
                sender.send(new DatagramPacket(pattern(size, size), size, receiver.getLocalSocketAddress()));
            }
            // not immediate: the kernel hands frames over in blocks, at the latest when the timeout expires
            Await.until(Duration.ofSeconds(5), () -> sink.frames().size() >= sizes.length, "three frames");
            awaitIdleCalls(sink, 2, "a frame twice would show");
            source.stop();
            assertNull(runner.join(2000));
            List<RecordingSink.Frame> frames = sink.frames();
            assertEquals(sizes.length, frames.size());
            for (int i = 0; i < sizes.length; i++) {
                assertEquals(14 + 28 + sizes[i], frames.get(i).originalLength());
                assertEquals(Math.min(128, 14 + 28 + sizes[i]), frames.get(i).data().length, "snaplen 128");
            }
        }
    }

    @Test
    @Timeout(30)
    void closeWhileRunningStopsAndThenReleases() throws Exception {
        requireCaptureOnLoopback();
        LibpcapLiveSource source = LibpcapLiveSource.open(LO, LiveOptions.defaults().withFilter("udp port 9"));
        RecordingSink sink = new RecordingSink();
        Runner runner = new Runner(source, sink);
        Await.until(Duration.ofSeconds(5), () -> sink.idleCount() >= 1, "an idle call: the run waits for frames");
        source.close();
        assertNull(runner.join(2000));
        CaptureException e = assertThrows(CaptureException.class, () -> source.run(sink));
        assertEquals("lo: source is closed", e.getMessage());
        source.close(); // twice is fine
    }

    @Test
    @Timeout(30)
    void unknownInterfaceNamesTheRealOnes() throws Exception {
        requireCaptureOnLoopback();
        CaptureException e = assertThrows(CaptureException.class,
                () -> LibpcapLiveSource.open("pwnosuch9", LiveOptions.defaults()));
        String prefix = "pwnosuch9: no such interface (interfaces: ";
        String m = e.getMessage();
        assertTrue(m.startsWith(prefix) && m.endsWith(")"), m);
        List<String> names = List.of(m.substring(prefix.length(), m.length() - 1).split(", "));
        assertTrue(names.contains(LO), "lists lo: " + m);
        assertEquals(names.size(), Set.copyOf(names).size(), "each name once: " + m);
        assertFalse(names.contains("pwnosuch9"));
        assertFalse(m.contains("\n"), "one line");
    }

    @Test
    @Timeout(30)
    void invalidFilterFailsInOpenWithLibpcapsMessage() throws Exception {
        requireCaptureOnLoopback();
        CaptureException e = assertThrows(CaptureException.class,
                () -> LibpcapLiveSource.open(LO, LiveOptions.defaults().withFilter("udp port")));
        String prefix = "lo: invalid filter \"udp port\": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        String why = e.getMessage().substring(prefix.length());
        // tcpdump, over the same libpcap, rejects the expression with the same words
        if (LibpcapTestSupport.hasTool("tcpdump")) {
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(List.of("tcpdump", "-i", LO, "-d", "udp port"));
            assertTrue(r.exitCode() != 0 && r.stderr().contains(why), "tcpdump says: " + r.stderr() + " we say: " + why);
        } else {
            assertFalse(why.isBlank());
        }
        CaptureException e2 = assertThrows(CaptureException.class,
                () -> LibpcapLiveSource.open(LO, LiveOptions.defaults().withFilter("tcp port 99999")));
        assertTrue(e2.getMessage().startsWith("lo: invalid filter \"tcp port 99999\": "), e2.getMessage());
    }

    @Test
    @Timeout(30)
    void interfacesIncludeLoopbackWithItsAddress() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/sys/class/net", LO)), "no Linux loopback interface \"lo\" here");
        List<InterfaceInfo> all = CaptureInterfaces.list();
        InterfaceInfo lo = all.stream().filter(i -> i.name().equals(LO)).findFirst()
                .orElseThrow(() -> new AssertionError("lo not listed: " + all));
        assertTrue(lo.loopback(), "lo is a loopback");
        assertTrue(lo.up(), "lo is up");
        assertTrue(lo.running(), "lo is running");
        String ipOutput = LibpcapTestSupport.run(List.of("ip", "-o", "-4", "addr", "show", "dev", LO)).stdout();
        if (ipOutput.contains("127.0.0.1/8")) {
            assertTrue(lo.addresses().stream().anyMatch(a -> a.address().getHostAddress().equals("127.0.0.1")
                    && a.prefixLength() == 8), "lo's addresses: " + lo.addresses());
        }
        assertEquals(all.size(), all.stream().map(InterfaceInfo::name).distinct().count(), "each name once");
    }

    @Test
    void optionsDefaultsAndChecks() {
        LiveOptions d = LiveOptions.defaults();
        assertEquals(new LiveOptions(256, true, 32 * 1024 * 1024, false, 50, null), d);
        assertEquals("tcp", d.withFilter("tcp").filter());
        assertEquals(d, d.withFilter("tcp").withFilter(null));
        assertThrows(IllegalArgumentException.class, () -> new LiveOptions(0, true, 1, true, 100, null));
        assertThrows(IllegalArgumentException.class, () -> new LiveOptions(256, true, 0, true, 100, null));
        assertThrows(IllegalArgumentException.class, () -> new LiveOptions(256, true, 1, true, -1, null));
        assertEquals(24, CaptureInterfaces.prefixLength(addr(255, 255, 255, 0), 4));
        assertEquals(-1, CaptureInterfaces.prefixLength(addr(255, 0, 255, 0), 4));
    }

    private static InetAddress addr(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Integer> ipLengths(int[] payloadSizes) {
        List<Integer> out = new ArrayList<>();
        for (int s : payloadSizes) {
            out.add(20 + 8 + s);
        }
        return out;
    }

    static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** One TCP connection: the client uploads, the server answers, both close. */
    private static void tcpExchange(ServerSocket listener, byte[] upload, byte[] download) throws IOException {
        try (Socket client = new Socket()) {
            client.connect(listener.getLocalSocketAddress(), 5000);
            client.setSoTimeout(5000);
            try (Socket accepted = listener.accept()) {
                accepted.setSoTimeout(5000);
                OutputStream out = client.getOutputStream();
                out.write(upload);
                out.flush();
                byte[] got = accepted.getInputStream().readNBytes(upload.length);
                assertArrayEquals(upload, got);
                accepted.getOutputStream().write(download);
                accepted.getOutputStream().flush();
                InputStream in = client.getInputStream();
                assertArrayEquals(download, in.readNBytes(download.length));
                client.shutdownOutput();
                assertEquals(-1, accepted.getInputStream().read(), "server sees the client's FIN");
                accepted.shutdownOutput();
                assertEquals(-1, in.read(), "client sees the server's FIN");
            }
        }
    }
}
