package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.capture.source.CollectingSink.Frame;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Several files merged in time order as mergecap merges them (issue 14, defect 2). */
class MergedSourceTest {

    @TempDir
    Path dir;

    /** A pcap whose frames carry these times (seconds) and, as data, their file's tag and their index. */
    private String file(String name, int tag, long... seconds) {
        CaptureBytes w = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1);
        for (int i = 0; i < seconds.length; i++) {
            w.pcapRecord(seconds[i], 0, data(tag, i), 64);
        }
        byte[] bytes = w.toByteArray();
        return CollectingSink.write(dir, name, name.endsWith(".gz") ? CaptureBytes.gzip(bytes) : bytes);
    }

    private static byte[] data(int tag, int i) {
        byte[] d = new byte[60];
        Arrays.fill(d, (byte) tag);
        d[0] = (byte) i;
        return d;
    }

    private static Frame frame(int tag, int i, long seconds) {
        return new Frame(1, seconds * 1_000_000_000L, data(tag, i), 64);
    }

    /** The java merge's opener, counting the inputs open at once. */
    private static final class Counting implements MergedSource.Opener {
        final AtomicInteger open = new AtomicInteger();
        int most;
        int opened;

        @Override
        public MergedSource.Cursor open(String name, boolean peek) throws CaptureException {
            MergedSource.Cursor c = CaptureFileSource.open(name, peek ? MergedSource.PEEK_READ : 0).cursor();
            opened++;
            most = Math.max(most, open.incrementAndGet());
            return new MergedSource.Cursor() {
                @Override
                public boolean step(PacketSink sink) throws CaptureException {
                    return c.step(sink);
                }

                @Override
                public void stop() {
                    c.stop();
                }

                @Override
                public void close() {
                    open.decrementAndGet();
                    c.close();
                }
            };
        }
    }

    private record Merge(List<Frame> frames, List<String> faults, Counting opener) {
    }

    private static Merge merge(String... names) {
        Counting opener = new Counting();
        List<String> faults = new ArrayList<>();
        CollectingSink sink = new CollectingSink();
        try (MergedSource m = new MergedSource(List.of(names), opener, e -> faults.add(e.getMessage()))) {
            m.run(sink);
        }
        assertEquals(0, opener.open.get(), "every input closed");
        return new Merge(sink.frames, faults, opener);
    }

    @Test
    void filesThatDoNotOverlapComeInTheOrderOfTheirFirstFramesOneOpenAtATime() {
        String a = file("cap", 1, 10, 11, 12);
        String b = file("cap1", 2, 13, 14);
        String c = file("cap2.gz", 3, 15, 16, 17);
        String d = file("cap10", 4, 18, 19);
        Merge m = merge(d, a, c, b);
        assertEquals(List.of(frame(1, 0, 10), frame(1, 1, 11), frame(1, 2, 12), frame(2, 0, 13), frame(2, 1, 14),
                frame(3, 0, 15), frame(3, 1, 16), frame(3, 2, 17), frame(4, 0, 18), frame(4, 1, 19)), m.frames());
        assertEquals(List.of(), m.faults());
        assertEquals(1, m.opener().most, "one file open at a time");
        assertEquals(8, m.opener().opened, "each opened twice: a look at its first frame, then to read it");
    }

    @Test
    void overlappingFilesMergeFrameByFrameAndAFilesOwnDisorderStays() {
        String a = file("a", 1, 1, 3, 5, 2, 7);
        String b = file("b", 2, 2, 4, 6);
        Merge m = merge(b, a);
        assertEquals(List.of(frame(1, 0, 1), frame(2, 0, 2), frame(1, 1, 3), frame(2, 1, 4), frame(1, 2, 5),
                frame(1, 3, 2), frame(2, 2, 6), frame(1, 4, 7)), m.frames());
        assertEquals(2, m.opener().most);
    }

    @Test
    void equalTimesGoInTheOrderOfTheFilesFirstFramesThenAsGiven() {
        String a = file("a", 1, 5, 10);
        String b = file("b", 2, 10, 15);
        assertEquals(List.of(frame(1, 0, 5), frame(1, 1, 10), frame(2, 0, 10), frame(2, 1, 15)), merge(b, a).frames());
        String c = file("c", 3, 3, 4);
        String d = file("d", 4, 3, 4);
        assertEquals(List.of(frame(4, 0, 3), frame(3, 0, 3), frame(4, 1, 4), frame(3, 1, 4)), merge(d, c).frames());
    }

    @Test
    void faultsAreReportedAndTheOtherFilesStillRead() throws Exception {
        String good = file("good", 1, 1, 4, 6);
        String missing = dir.resolve("missing.pcap").toString();
        String text = CollectingSink.write(dir, "notes.txt", "not packets at all".getBytes());
        byte[] bytes = Files.readAllBytes(Path.of(file("whole", 2, 2, 3, 5, 7)));
        // a header and two records (16 + 60 bytes each) in full, then part of the third
        String cut = CollectingSink.write(dir, "cut.pcap", Arrays.copyOf(bytes, 24 + 2 * 76 + 30));
        Merge m = merge(text, good, missing, cut);
        assertEquals(List.of(frame(1, 0, 1), frame(2, 0, 2), frame(2, 1, 3), frame(1, 1, 4), frame(1, 2, 6)), m.frames());
        assertEquals(3, m.faults().size(), m.faults().toString());
        assertTrue(m.faults().get(0).startsWith(text + ": not a pcap or pcapng file"), m.faults().get(0));
        assertEquals(missing + ": no such file", m.faults().get(1));
        assertTrue(m.faults().get(2).startsWith(cut + ": truncated record"), m.faults().get(2));
    }

    @Test
    void standardInputIsMergedAsItComes() {
        String a = file("a", 1, 1, 3, 5);
        CaptureBytes w = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1);
        w.pcapRecord(2, 0, data(2, 0), 64).pcapRecord(4, 0, data(2, 1), 64);
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(w.toByteArray()));
            Merge m = merge(a, "-");
            assertEquals(List.of(frame(1, 0, 1), frame(2, 0, 2), frame(1, 1, 3), frame(2, 1, 4), frame(1, 2, 5)),
                    m.frames());
            assertEquals(List.of(), m.faults());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a pipe nobody writes blocks for good
    void aNamedPipeAmongFilesIsReadOnceAsItComes() throws Exception {
        Path fifo = dir.resolve("pipe");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
                "mkfifo is not available");
        String a = file("a", 1, 1, 3, 5);
        CaptureBytes w = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(CaptureBytes.PCAP_NANOS, 1);
        w.pcapRecord(2, 0, data(2, 0), 64).pcapRecord(4, 0, data(2, 1), 64);
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, w.toByteArray());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        Merge m = merge(fifo.toString(), a);
        writer.join();
        assertEquals(List.of(frame(1, 0, 1), frame(2, 0, 2), frame(1, 1, 3), frame(2, 1, 4), frame(1, 2, 5)),
                m.frames());
        assertEquals(List.of(), m.faults());
        assertEquals(3, m.opener().opened, "the pipe once, the file twice");
    }

    @Test
    void stopFromTheSinkEndsTheMergeAndClosesTheInputs() {
        String a = file("a", 1, 1, 3, 5);
        String b = file("b", 2, 2, 4, 6);
        Counting opener = new Counting();
        List<Frame> got = new ArrayList<>();
        try (MergedSource m = new MergedSource(List.of(a, b), opener, e -> { throw new AssertionError(e); })) {
            CollectingSink sink = new CollectingSink();
            m.run((lt, ts, buf, off, cap, orig) -> {
                sink.onPacket(lt, ts, buf, off, cap, orig);
                if (sink.frames.size() == 3) {
                    m.stop();
                }
            });
            got.addAll(sink.frames);
        }
        assertEquals(List.of(frame(1, 0, 1), frame(2, 0, 2), frame(1, 1, 3)), got);
        assertEquals(0, opener.open.get());
    }
}
