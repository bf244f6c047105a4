package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture read from a real pipe (a named pipe made with mkfifo, written by another thread): while a live
 * pipe is quiet the sink is told of the clock, as a live capture's is; a pipe of an old capture never
 * (issue 14, defect 8).
 */
class PipeSourceTest {

    @TempDir
    Path dir;

    /** What the sink saw, in order: "frame" or "idle", with the times. */
    private static final class Recorder implements PacketSink {
        final List<String> events = new ArrayList<>();
        final List<Long> idleTimes = new ArrayList<>();
        final CountDownLatch idles;

        Recorder(int idlesWanted) {
            idles = new CountDownLatch(idlesWanted);
        }

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            events.add("frame");
        }

        @Override
        public void onIdle(long epochNanos) {
            events.add("idle");
            idleTimes.add(epochNanos);
            idles.countDown();
        }
    }

    private Path fifo() throws Exception {
        Path p = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", p.toString()).start();
        assumeTrue(mk.waitFor() == 0, "mkfifo is not available");
        return p;
    }

    private static byte[] header() {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1).toByteArray();
    }

    private static byte[] record(long epochNanos) {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapRecord(epochNanos / 1_000_000_000L,
                epochNanos % 1_000_000_000L, new byte[60], 60).toByteArray();
    }

    private static long now() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    /** Writes to the pipe on a thread of its own: each step's bytes, then its pause (or until released). */
    private static Thread writer(Path fifo, CountDownLatch release, Object... steps) {
        Thread t = new Thread(() -> {
            try (OutputStream o = new FileOutputStream(fifo.toFile())) {
                for (Object s : steps) {
                    if (s instanceof byte[] b) {
                        o.write(b);
                        o.flush();
                    } else if (s instanceof Long millis) {
                        Thread.sleep(millis); // not a wait: the writer's pause is what the test is about
                    } else {
                        o.write((byte[]) ((Supplier<?>) s).get()); // bytes made when written
                        o.flush();
                    }
                }
                release.await(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.start();
        return t;
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a pipe nobody writes blocks for good
    void aQuietLivePipeTellsTheSinkOfTheClock() throws Exception {
        Path fifo = fifo();
        CountDownLatch release = new CountDownLatch(1);
        long start = now();
        Thread w = writer(fifo, release, header(), record(start), record(start + 1_000_000));
        Recorder sink = new Recorder(3);
        Thread stopper = new Thread(() -> {
            try {
                if (sink.idles.await(5, TimeUnit.SECONDS)) {
                    release.countDown(); // the writer closes the pipe: the run ends
                }
            } catch (InterruptedException ignored) {
                // the test ends
            }
        });
        stopper.start();
        try (CaptureFileSource source = CaptureFileSource.open(fifo.toString())) {
            source.run(sink);
        }
        release.countDown();
        w.join();
        stopper.join();
        assertTrue(sink.idleTimes.size() >= 3, "told of the clock while the pipe was open and quiet: " + sink.events);
        assertEquals(List.of("frame", "frame", "idle"), sink.events.subList(0, 3));
        for (int i = 0; i < sink.idleTimes.size(); i++) {
            long t = sink.idleTimes.get(i);
            assertTrue(t >= start && t <= now(), "the wall clock: " + t);
            if (i > 0) {
                long gap = t - sink.idleTimes.get(i - 1);
                assertTrue(gap >= 50_000_000L && gap < 1_000_000_000L, "about every 100 ms: " + gap);
            }
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a pipe nobody writes blocks for good
    void aPipeOfAnOldCaptureNeverDoesAndNothingComesBeforeTheFirstFrame() throws Exception {
        Path fifo = fifo();
        CountDownLatch release = new CountDownLatch(1);
        release.countDown();
        long old = 1_600_000_000_000_000_000L;
        // a quiet header, old frames with pauses, then a frame of now and a pause
        Thread w = writer(fifo, release, header(), 400L, record(old), 400L, record(old + 1_000_000), 400L,
                (Supplier<byte[]>) () -> record(now()), 400L);
        Recorder sink = new Recorder(1);
        try (CaptureFileSource source = CaptureFileSource.open(fifo.toString())) {
            source.run(sink);
        }
        w.join();
        assertEquals("frame", sink.events.get(0), "nothing before the first frame: " + sink.events);
        int live = sink.events.lastIndexOf("frame");
        assertEquals(3, sink.events.subList(0, live + 1).size(), "no clock while the frames are old: " + sink.events);
        assertTrue(sink.events.size() > live + 1, "the clock once the frames are live: " + sink.events);
    }

    @Test
    void aRegularFileNeverDoes() throws Exception {
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1).bytes(record(now()))
                .toByteArray();
        Recorder sink = new Recorder(1);
        try (CaptureFileSource source = CaptureFileSource.open(CollectingSink.write(dir, "f.pcap", file))) {
            source.run(sink);
        }
        assertEquals(List.of("frame"), sink.events);
    }
}
