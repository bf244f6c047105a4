package io.portwatch.capture.ring;

import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.libpcap.LibpcapLiveSource;
import io.portwatch.capture.libpcap.LibpcapTestSupport;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link RingLiveSource} on the host end of a veth pair ({@link VethPair}) and on {@code lo}: it sees exactly
 * the frames libpcap sees at the same time (bytes, lengths, timestamps; the loopback's sent copies once); the
 * kernel filter keeps out what it should, uncounted; a ring too small for a burst counts the kernel's drops;
 * the interface going down ends the run after the frames before. Needs root; skips otherwise.
 */
class RingNamespaceTest {

    private VethPair pair;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** Keeps copies of the frames; safe to read while the source runs. */
    static final class Frames implements PacketSink {
        record Frame(int linkType, long nanos, int length, byte[] data) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Frame f && f.linkType == linkType && f.nanos == nanos && f.length == length
                        && Arrays.equals(f.data, data);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(data);
            }

            @Override
            public String toString() {
                return "Frame[" + linkType + ", " + nanos + ", " + length + ", " + data.length + " bytes]";
            }
        }

        private final List<Frame> frames = new ArrayList<>();
        volatile int idle;

        @Override
        public synchronized void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset,
                                          int capturedLength, int originalLength) {
            assertEquals(java.nio.ByteOrder.BIG_ENDIAN, buffer.order());
            byte[] copy = new byte[capturedLength];
            buffer.get(offset, copy);
            frames.add(new Frame(linkType, timestampNanos, originalLength, copy));
        }

        @Override
        public void onIdle(long epochNanos) {
            idle++;
        }

        synchronized List<Frame> frames() {
            return List.copyOf(frames);
        }
    }

    /** Runs a source on a thread of its own. */
    static final class Running implements AutoCloseable {
        final PacketSource source;
        final Thread thread;
        final AtomicReference<Throwable> thrown = new AtomicReference<>();

        Running(PacketSource source, PacketSink sink) {
            this.source = source;
            this.thread = new Thread(() -> {
                try {
                    source.run(sink);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "capture-" + source.name());
            thread.setDaemon(true);
            thread.start();
        }

        Throwable join(long millis) throws InterruptedException {
            thread.join(millis);
            assertTrue(!thread.isAlive(), "run did not return within " + millis + " ms");
            return thrown.get();
        }

        @Override
        public void close() throws InterruptedException {
            source.stop();
            thread.join(5000);
            source.close();
        }
    }

    @BeforeEach
    void pair() throws CaptureException {
        pair = VethPair.forRing();
    }

    @AfterEach
    void remove() throws Exception {
        VethPair.closeAll(toClose, pair);
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    @Test
    @Timeout(60)
    void seesWhatLibpcapSeesOnTheSameInterface() throws Exception {
        LiveOptions options = LiveOptions.defaults().withFilter("udp port 7001 or udp port 7002");
        Frames ring = new Frames();
        Frames pcap = new Frames();
        closing(new Running(closing(RingLiveSource.open(pair.hostEnd, options)), ring));
        closing(new Running(closing(LibpcapLiveSource.open(pair.hostEnd, options)), pcap));
        // the last two fragmented: only their first fragments carry the port the filter asks for
        pair.sendUdp(7001, 1, 60, 500, 1472, 3000, 9000);
        // and the host's own datagrams, which its end of the pair sees as sent (PACKET_OUTGOING)
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            for (int n : new int[]{10, 100, 1000}) {
                s.send(new java.net.DatagramPacket(new byte[n], n, java.net.InetAddress.getByName(pair.nsAddress), 7002));
            }
        }
        Await.until(Duration.ofSeconds(10), () -> pcap.frames().size() >= 9 && ring.frames().size() >= 9,
                "the frames of both captures");
        Thread.sleep(300);
        List<Frames.Frame> seen = ring.frames();
        assertEquals(9, seen.size(), "six datagrams received, three sent");
        assertEquals(pcap.frames(), seen, "the ring's frames are libpcap's, with the same timestamps");
        assertTrue(seen.stream().allMatch(f -> f.linkType() == LinkType.ETHERNET));
        assertTrue(seen.stream().allMatch(f -> f.data().length <= LiveOptions.DEFAULT_SNAPLEN));
    }

    @Test
    @Timeout(60)
    void loopbackFramesOnceAsLibpcapSeesThem() throws Exception {
        LiveOptions options = LiveOptions.defaults().withFilter("udp port 7003");
        Frames ring = new Frames();
        Frames pcap = new Frames();
        RingLiveSource r = closing(RingLiveSource.open("lo", options));
        closing(new Running(r, ring));
        LibpcapLiveSource l = closing(LibpcapLiveSource.open("lo", options));
        closing(new Running(l, pcap));
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            for (int n : new int[]{5, 50, 500}) {
                s.send(new java.net.DatagramPacket(new byte[n], n, java.net.InetAddress.getLoopbackAddress(), 7003));
            }
        }
        Await.until(Duration.ofSeconds(10), () -> pcap.frames().size() >= 3 && ring.frames().size() >= 3, "frames");
        Thread.sleep(300);
        assertEquals(3, ring.frames().size(), "each datagram once: the sent copy is skipped, as libpcap does");
        assertEquals(pcap.frames(), ring.frames());
        for (Frames.Frame f : ring.frames()) {
            assertEquals(0L, ByteBuffer.wrap(f.data()).getLong(0) >>> 16, "loopback: zero MACs");
        }
        // libpcap counts the skipped copies as received too (the kernel does): so does the ring
        assertEquals(l.health().received(), r.health().received(), "received as libpcap counts it");
    }

    @Test
    @Timeout(60)
    void theKernelFilterDropsWhatItShouldUncounted() throws Exception {
        RingLiveSource source = closing(RingLiveSource.open(pair.hostEnd, LiveOptions.defaults().withFilter("udp port 7010")));
        Frames sink = new Frames();
        closing(new Running(source, sink));
        pair.sendUdp(7011, 10, 20, 30, 40, 50); // refused by the filter
        pair.sendUdp(7010, 11, 22, 33);
        pair.sendUdp(7011, 60, 70);
        Await.until(Duration.ofSeconds(10), () -> sink.frames().size() >= 3, "the matching frames");
        Thread.sleep(300);
        assertEquals(3, sink.frames().size(), "only the frames to port 7010");
        for (Frames.Frame f : sink.frames()) {
            assertEquals(7010, ByteBuffer.wrap(f.data()).getShort(14 + 20 + 2) & 0xFFFF);
        }
        CaptureStats h = source.health();
        assertEquals(3, h.received(), "what the filter refused is not counted as received: " + h);
        assertEquals(0, h.droppedByKernel());
    }

    @Test
    @Timeout(60)
    void aRingTooSmallForABurstCountsTheKernelsDrops() throws Exception {
        // 16 KiB: four blocks of a page, about eleven 256-byte frames each; nobody reads it
        LiveOptions tiny = new LiveOptions(256, true, 16 * 1024, false, 50, "udp port 7020");
        RingLiveSource source = closing(RingLiveSource.open(pair.hostEnd, tiny));
        assertEquals(4, source.geometry().blockCount());
        int[] sizes = new int[500];
        Arrays.fill(sizes, 200);
        pair.sendUdp(7020, sizes);
        Thread.sleep(200);
        CaptureStats first = source.health();
        assertEquals(500, first.received(), "received counts the dropped ones: " + first);
        assertTrue(first.droppedByKernel() >= 500 - 4 * 12, "the kernel dropped what did not fit: " + first);
        CaptureStats again = source.health();
        assertEquals(first, again, "reading the kernel's counters resets them: they are added up here");
        assertTrue(first.ringFreezes() >= 1, "the ring froze, and health says so: " + first);
        // read what fits, then a second burst adds to the totals
        Frames sink = new Frames();
        Running r = closing(new Running(source, sink));
        Await.until(Duration.ofSeconds(5), () -> sink.idle >= 1, "an idle call once the ring is read");
        int kept = sink.frames().size();
        assertEquals(first.received() - first.droppedByKernel(), kept, "the frames not dropped were delivered");
        pair.sendUdp(7020, 1, 2, 3);
        Await.until(Duration.ofSeconds(5), () -> sink.frames().size() == kept + 3, "the second burst");
        CaptureStats after = source.health();
        assertEquals(503, after.received(), after.toString());
        assertEquals(first.droppedByKernel(), after.droppedByKernel(), after.toString());
        assertEquals(first.ringFreezes(), after.ringFreezes(), "a ring read in time does not freeze: " + after);
        r.close();
    }

    @Test
    @Timeout(60)
    void theInterfaceGoingDownEndsTheRunAfterItsFrames() throws Exception {
        RingLiveSource source = closing(RingLiveSource.open(pair.hostEnd, LiveOptions.defaults().withFilter("udp port 7030")));
        Frames sink = new Frames();
        Running r = closing(new Running(source, sink));
        pair.sendUdp(7030, 1, 2, 3);
        LibpcapTestSupport.ip("link", "set", pair.hostEnd, "down");
        Throwable thrown = r.join(5000);
        assertInstanceOf(CaptureException.class, thrown);
        assertEquals(pair.hostEnd + ": the interface went down", thrown.getMessage());
        assertEquals(3, sink.frames().size(), "every frame before the fault was delivered");
        CaptureException down = org.junit.jupiter.api.Assertions.assertThrows(
                io.portwatch.capture.libpcap.InterfaceNotThereException.class,
                () -> RingLiveSource.open(pair.hostEnd, LiveOptions.defaults()));
        assertEquals(pair.hostEnd + ": the interface is down", down.getMessage());
    }

    @Test
    @Timeout(60)
    void aDeletedInterfaceEndsTheRun() throws Exception {
        RingLiveSource source = closing(RingLiveSource.open(pair.hostEnd, LiveOptions.defaults().withFilter("udp port 9")));
        Frames sink = new Frames();
        Running r = closing(new Running(source, sink));
        Await.until(Duration.ofSeconds(5), () -> sink.idle >= 1, "an idle call");
        LibpcapTestSupport.ip("link", "del", pair.hostEnd);
        Throwable thrown = r.join(5000);
        assertInstanceOf(CaptureException.class, thrown);
        assertEquals(pair.hostEnd + ": the interface disappeared", thrown.getMessage());
    }

    @Test
    @Timeout(60)
    void refusesAnyAsOneInterface() {
        RingUnavailableException any = org.junit.jupiter.api.Assertions.assertThrows(RingUnavailableException.class,
                () -> RingLiveSource.open("any", LiveOptions.defaults()));
        assertEquals("any: the kernel ring reads a single interface, not this one", any.getMessage());
    }
}
