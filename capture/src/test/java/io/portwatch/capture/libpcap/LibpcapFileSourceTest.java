package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static io.portwatch.capture.libpcap.LibpcapTestSupport.captureFiles;
import static io.portwatch.capture.libpcap.LibpcapTestSupport.captures;
import static io.portwatch.capture.libpcap.LibpcapTestSupport.hasTool;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LibpcapFileSourceTest {

    /** One delivered frame, copied out of the reusable buffer. */
    record Frame(int linkType, long timestampNanos, int capturedLength, int originalLength, byte[] bytes) {
    }

    /** What a run delivered, and the fault it ended with (null when it ended cleanly). */
    record Outcome(List<Frame> frames, CaptureException fault) {
    }

    @BeforeAll
    static void libpcap() throws CaptureException {
        LibpcapTestSupport.requireLibpcap();
    }

    static Outcome read(String path, String filter) throws CaptureException {
        List<Frame> frames = new ArrayList<>();
        try (LibpcapFileSource source = LibpcapFileSource.open(path, filter)) {
            try {
                source.run((lt, ts, buf, off, cap, len) -> {
                    byte[] b = new byte[cap];
                    buf.get(off, b);
                    frames.add(new Frame(lt, ts, cap, len, b));
                });
            } catch (CaptureException e) {
                return new Outcome(frames, e);
            }
        }
        return new Outcome(frames, null);
    }

    static List<Frame> readAll(Path file, String filter) throws CaptureException {
        Outcome o = read(file.toString(), filter);
        if (o.fault() != null) {
            throw o.fault();
        }
        return o.frames();
    }

    static long count(Path file, String filter) throws CaptureException {
        long[] n = {0};
        try (LibpcapFileSource source = LibpcapFileSource.open(file.toString(), filter)) {
            source.run((lt, ts, buf, off, cap, len) -> n[0]++);
        }
        return n[0];
    }

    static void assertOneLine(String message, String startsWith) {
        assertFalse(message.contains("\n") || message.contains("\r"), message);
        assertTrue(message.startsWith(startsWith), () -> "\"" + message + "\" should start with \"" + startsWith + "\"");
    }

    @Test
    void frameCountsEqualTheReferenceTotals() throws Exception {
        int checked = 0;
        try (Stream<Path> s = Files.list(captures())) {
            for (Path ref : s.filter(p -> p.toString().endsWith(".reference.json")).sorted().toList()) {
                String name = ref.getFileName().toString().replace(".reference.json", "");
                Path capture = ref.resolveSibling(name);
                assertEquals(LibpcapTestSupport.referenceTotal(ref, "frames"), count(capture, null), name);
                checked++;
            }
        }
        assertTrue(checked > 0, "no *.reference.json in the corpus");
    }

    @Test
    void linkTypeIsTheFiles() throws Exception {
        for (Path capture : captureFiles()) {
            if (!capture.toString().endsWith(".pcap")) {
                continue;
            }
            int fileLinkType = LibpcapTestSupport.pcapHeaderLinkType(capture);
            int expected = fileLinkType; // libpcap's DLT mapped back to the file's LINKTYPE
            try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
                assertEquals(expected, source.linkType(), capture.toString());
                Set<Integer> seen = new HashSet<>();
                source.run((lt, ts, buf, off, cap, len) -> seen.add(lt));
                assertEquals(Set.of(expected), seen, capture.toString());
            }
        }
    }

    @Test
    void timestampsAndLengthsAgreeWithTshark() throws Exception {
        assumeTrue(hasTool("tshark"), "tshark is not installed");
        for (Path capture : captureFiles()) {
            List<Frame> frames = readAll(capture, null);
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(List.of("tshark", "-n", "-r", capture.toString(),
                    "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"));
            assertEquals(0, r.exitCode(), r.stderr());
            List<String> lines = r.stdout().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(lines.size(), frames.size(), capture.toString());
            for (int i = 0; i < lines.size(); i++) {
                String[] f = lines.get(i).split("\t");
                Frame fr = frames.get(i);
                String where = capture.getFileName() + " frame " + (i + 1);
                assertEquals(epochNanos(f[0]), fr.timestampNanos(), where);
                assertEquals(Integer.parseInt(f[1]), fr.originalLength(), where);
                assertEquals(Integer.parseInt(f[2]), fr.capturedLength(), where);
            }
        }
    }

    @Test
    void corruptFractionsReadAsTcpdumpShowsThemAndLateSecondsAsTsharkDoes() throws Exception {
        Path dir = LibpcapTestSupport.tcpdumpTests();
        // Fractions of a second of 10^9 ns or more, and one of 2^31 (written so by the test files):
        // tcpdump --nano prints seconds and the fraction as two unsigned integers; the timestamp is their sum.
        assumeTrue(hasTool("tcpdump"), "tcpdump is not installed");
        for (String name : List.of("timestamp_invalid_micro.pcap", "timestamp_invalid_nano.pcap")) {
            Path file = dir.resolve(name);
            Corpus.require(Files.exists(file), "the shared corpus has no file " + file);
            List<String> lines = LibpcapTestSupport.run(List.of("tcpdump", "-nn", "-tt", "--nano", "-r",
                    file.toString())).stdout().lines().filter(l -> l.matches("^\\d+\\.\\d+ .*")).toList();
            List<Frame> frames = readAll(file, null);
            assertEquals(lines.size(), frames.size(), name);
            for (int i = 0; i < lines.size(); i++) {
                String[] secFrac = lines.get(i).substring(0, lines.get(i).indexOf(' ')).split("\\.");
                long expected = Long.parseLong(secFrac[0]) * 1_000_000_000L + Long.parseLong(secFrac[1]);
                assertEquals(expected, frames.get(i).timestampNanos(), name + " frame " + (i + 1));
            }
        }
        // Seconds past 2038 (2^31) in a pcap file's unsigned 32-bit field, which tcpdump cannot print.
        assumeTrue(hasTool("tshark"), "tshark is not installed");
        for (String name : List.of("time_2038_overflow.pcap", "time_2039.pcap", "time_2106.pcap")) {
            Path file = dir.resolve(name);
            List<String> lines = LibpcapTestSupport.run(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields",
                    "-e", "frame.time_epoch")).stdout().lines().filter(l -> !l.isBlank()).toList();
            List<Frame> frames = readAll(file, null);
            assertEquals(lines.size(), frames.size(), name);
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(epochNanos(lines.get(i)), frames.get(i).timestampNanos(), name);
            }
        }
    }

    /** tshark's frame.time_epoch ("1795543515.615515000") as nanoseconds. */
    private static long epochNanos(String epoch) {
        int dot = epoch.indexOf('.');
        String frac = (epoch.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(epoch.substring(0, dot)) * 1_000_000_000L + Long.parseLong(frac);
    }

    @Test
    void frameBytesAreTheFilesRecordBytesInOneReusedBigEndianBuffer() throws Exception {
        Path capture = captures().resolve("http-sessions.pcap");
        byte[] file = Files.readAllBytes(capture);
        List<Long> ends = LibpcapTestSupport.pcapRecordEnds(capture);
        AtomicReference<ByteBuffer> first = new AtomicReference<>();
        AtomicInteger index = new AtomicInteger();
        try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
            source.run((lt, ts, buf, off, cap, len) -> {
                first.compareAndSet(null, buf);
                assertSame(first.get(), buf, "the buffer is reused");
                assertEquals(ByteOrder.BIG_ENDIAN, buf.order());
                int i = index.getAndIncrement();
                int end = (int) (long) ends.get(i);
                byte[] expected = Arrays.copyOfRange(file, end - cap, end);
                byte[] actual = new byte[cap];
                buf.get(off, actual);
                assertArrayEquals(expected, actual, "frame " + (i + 1));
            });
        }
        assertEquals(ends.size(), index.get());
    }

    @Test
    void filtersSelectWhatTcpdumpSelects() throws Exception {
        assumeTrue(hasTool("tcpdump"), "tcpdump is not installed");
        List<String> filters = List.of("tcp port 8080", "udp", "tcp", "greater 100", "ip[6:2] & 0x1fff != 0",
                "tcp[tcpflags] & tcp-syn != 0");
        for (Path capture : captureFiles()) {
            long all = count(capture, null);
            for (String filter : filters) {
                long n = count(capture, filter);
                assertEquals(LibpcapTestSupport.tcpdumpCount(capture, filter), n, capture.getFileName() + " " + filter);
                assertTrue(n <= all);
            }
        }
    }

    @Test
    void tcpAndUdpFiltersCountWhatTheReferenceCounts() throws Exception {
        int checked = 0;
        try (Stream<Path> s = Files.list(captures())) {
            for (Path ref : s.filter(p -> p.toString().endsWith(".reference.json")).sorted().toList()) {
                Path capture = ref.resolveSibling(ref.getFileName().toString().replace(".reference.json", ""));
                assertEquals(LibpcapTestSupport.referenceTotal(ref, "tcp_packets"), count(capture, "tcp"), capture.toString());
                assertEquals(LibpcapTestSupport.referenceTotal(ref, "udp_packets"), count(capture, "udp"), capture.toString());
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    @Test
    void aMissingFileIsOneLineNamingIt(@TempDir Path dir) {
        String path = dir.resolve("missing.pcap").toString();
        CaptureException e = assertThrows(CaptureException.class, () -> LibpcapFileSource.open(path, null));
        assertOneLine(e.getMessage(), path + ": ");
        assertTrue(e.getMessage().contains("No such file"), e.getMessage());
        assertEquals(1, e.getMessage().split(path, -1).length - 1, "names the path once: " + e.getMessage());
    }

    @Test
    void aTextFileIsOneLineNamingIt(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("notes.pcap");
        Files.writeString(text, "this is not a capture file\nbut it has lines\n");
        CaptureException e = assertThrows(CaptureException.class, () -> LibpcapFileSource.open(text.toString(), null));
        assertOneLine(e.getMessage(), text + ": ");
        assertTrue(e.getMessage().contains("unknown file format"), e.getMessage());
    }

    @Test
    void aTruncatedFileDeliversTheCompleteFramesThenFails(@TempDir Path dir) throws Exception {
        Path original = captures().resolve("http-sessions.pcap");
        byte[] bytes = Files.readAllBytes(original);
        List<Long> ends = LibpcapTestSupport.pcapRecordEnds(original);
        List<Frame> full = readAll(original, null);
        int complete = 100;
        long recordStart = ends.get(complete - 1);
        // Cut inside the next record's header, then inside its data.
        for (long cut : new long[] {recordStart + 10, recordStart + 16 + 5}) {
            Path truncated = dir.resolve("cut-" + cut + ".pcap");
            Files.write(truncated, Arrays.copyOf(bytes, (int) cut));
            Outcome o = read(truncated.toString(), null);
            assertEquals(complete, o.frames().size(), "frames before the cut at " + cut);
            for (int i = 0; i < complete; i++) {
                assertEquals(full.get(i).timestampNanos(), o.frames().get(i).timestampNanos());
                assertArrayEquals(full.get(i).bytes(), o.frames().get(i).bytes());
            }
            assertTrue(o.fault() != null, "a truncated file must fail");
            assertOneLine(o.fault().getMessage(), truncated + ": ");
            assertTrue(o.fault().getMessage().contains("truncated dump file"), o.fault().getMessage());
        }
    }

    @Test
    void aTruncatedPcapngDeliversWhatTsharkReadsThenFails(@TempDir Path dir) throws Exception {
        assumeTrue(hasTool("tshark"), "tshark is not installed");
        Path original = captures().resolve("http-sessions.pcapng");
        byte[] bytes = Files.readAllBytes(original);
        Path truncated = dir.resolve("cut.pcapng");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 3));
        Outcome o = read(truncated.toString(), null);
        long tshark = LibpcapTestSupport.run(List.of("tshark", "-n", "-r", truncated.toString(), "-T", "fields",
                "-e", "frame.number")).stdout().lines().filter(l -> !l.isBlank()).count();
        assertTrue(tshark > 0);
        assertEquals(tshark, o.frames().size());
        assertTrue(o.fault() != null, "a truncated file must fail");
        assertOneLine(o.fault().getMessage(), truncated + ": ");
        assertTrue(o.fault().getMessage().contains("truncated"), o.fault().getMessage());
    }

    @Test
    void anInvalidFilterIsOneLineNamingFileAndFilter() throws Exception {
        Path capture = captures().resolve("http-sessions.pcap");
        CaptureException e = assertThrows(CaptureException.class,
                () -> LibpcapFileSource.open(capture.toString(), "tcp prt 80"));
        assertOneLine(e.getMessage(), capture + ": invalid filter \"tcp prt 80\": ");
        if (hasTool("tcpdump")) {
            // libpcap's own text, as tcpdump prints it after "tcpdump: ".
            String err = LibpcapTestSupport.run(List.of("tcpdump", "-r", capture.toString(), "tcp prt 80")).stderr();
            String text = err.lines().filter(l -> l.startsWith("tcpdump: ")).reduce((a, b) -> b).orElseThrow()
                    .substring("tcpdump: ".length());
            assertEquals(capture + ": invalid filter \"tcp prt 80\": " + text, e.getMessage());
        }
    }

    @Test
    void aFilterInvalidForTheFilesLinkTypeIsReported() throws Exception {
        Path raw = captures().resolve("linktype-raw.pcap");
        CaptureException e = assertThrows(CaptureException.class,
                () -> LibpcapFileSource.open(raw.toString(), "vlan and tcp"));
        assertOneLine(e.getMessage(), raw + ": invalid filter \"vlan and tcp\": ");
    }

    @Test
    void aGzipFileIsReadLikeTheOriginalAndItsTempFileIsDeleted(@TempDir Path dir) throws Exception {
        for (String name : List.of("http-sessions.pcap", "http-sessions.pcapng")) {
            Path original = captures().resolve(name);
            Path gz = dir.resolve(name + ".gz");
            gzip(original, gz);
            List<Frame> expected = readAll(original, null);
            Set<Path> before = gunzipTempFiles();
            List<Frame> actual = new ArrayList<>();
            try (LibpcapFileSource source = LibpcapFileSource.open(gz.toString(), "tcp port 8080")) {
                Set<Path> during = gunzipTempFiles();
                during.removeAll(before);
                assertEquals(1, during.size(), "one temporary file while open");
                source.run((lt, ts, buf, off, cap, len) -> {
                    byte[] b = new byte[cap];
                    buf.get(off, b);
                    actual.add(new Frame(lt, ts, cap, len, b));
                });
            }
            assertEquals(before, gunzipTempFiles(), "the temporary file is deleted on close");
            List<Frame> filtered = readAll(original, "tcp port 8080");
            assertEquals(filtered.size(), actual.size());
            for (int i = 0; i < actual.size(); i++) {
                assertEquals(filtered.get(i).timestampNanos(), actual.get(i).timestampNanos());
                assertEquals(filtered.get(i).originalLength(), actual.get(i).originalLength());
                assertArrayEquals(filtered.get(i).bytes(), actual.get(i).bytes());
            }
            assertTrue(expected.size() >= actual.size());
        }
    }

    @Test
    void aTruncatedGzipDeliversWhatDecompressesThenFails(@TempDir Path dir) throws Exception {
        Path original = captures().resolve("http-sessions.pcap");
        Path gz = dir.resolve("whole.pcap.gz");
        gzip(original, gz);
        byte[] compressed = Files.readAllBytes(gz);
        Path cut = dir.resolve("cut.pcap.gz");
        Files.write(cut, Arrays.copyOf(compressed, compressed.length / 2));
        // What java.util.zip can decompress of the cut file, and how many records it holds in full.
        byte[] prefix = gunzipPrefix(cut);
        Path prefixFile = dir.resolve("prefix.pcap");
        Files.write(prefixFile, prefix);
        int complete = LibpcapTestSupport.pcapRecordEnds(prefixFile).size();
        assertTrue(complete > 0);

        Set<Path> before = gunzipTempFiles();
        Outcome o = read(cut.toString(), null);
        assertEquals(before, gunzipTempFiles(), "the temporary file is deleted on close");
        assertEquals(complete, o.frames().size());
        assertTrue(o.fault() != null, "a truncated gzip file must fail");
        assertOneLine(o.fault().getMessage(), cut + ": ");
        assertTrue(o.fault().getMessage().contains("gzip"), o.fault().getMessage());
    }

    @Test
    void stopFromTheSinkEndsTheRunAfterThatFrame() throws Exception {
        Path capture = captures().resolve("busy-client.pcap");
        int[] n = {0};
        try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
            source.run((lt, ts, buf, off, cap, len) -> {
                if (++n[0] == 10) {
                    source.stop();
                }
            });
        }
        assertEquals(10, n[0]);
        assertTrue(count(capture, null) > 10);
    }

    @Test
    void stopFromAnotherThreadEndsTheRun() throws Exception {
        Path capture = captures().resolve("busy-client.pcap");
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicInteger n = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
            Thread reader = new Thread(() -> {
                try {
                    source.run((lt, ts, buf, off, cap, len) -> {
                        if (n.incrementAndGet() == 5) {
                            reached.countDown();
                            try {
                                assertTrue(stopped.await(10, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            assertTrue(reached.await(10, TimeUnit.SECONDS));
            source.stop();
            stopped.countDown();
            reader.join(10_000);
            assertFalse(reader.isAlive());
        }
        assertNull(failure.get());
        assertEquals(5, n.get());
    }

    @Test
    void closeDuringARunStopsItAndLaterRunsFail() throws Exception {
        Path capture = captures().resolve("busy-client.pcap");
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicInteger n = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null);
        Thread reader = new Thread(() -> {
            try {
                source.run((lt, ts, buf, off, cap, len) -> {
                    if (n.incrementAndGet() == 3) {
                        reached.countDown();
                        try {
                            assertTrue(closed.await(10, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        assertTrue(reached.await(10, TimeUnit.SECONDS));
        source.close(); // must not block on, nor free the handle under, the running reader
        closed.countDown();
        reader.join(10_000);
        assertFalse(reader.isAlive());
        assertNull(failure.get());
        assertEquals(3, n.get());
        CaptureException e = assertThrows(CaptureException.class, () -> source.run((lt, ts, b, o, c, l) -> { }));
        assertOneLine(e.getMessage(), capture + ": ");
        source.close(); // twice is harmless
    }

    @Test
    void readingAllocatesNothingPerFrame() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        Path capture = captures().resolve("busy-client.pcap");
        long[] sum = new long[2];
        PacketSink sink = (lt, ts, buf, off, cap, len) -> {
            sum[0]++;
            sum[1] += buf.get(off + cap - 1) + ts;
        };
        for (int warm = 0; warm < 30; warm++) {
            try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
                source.run(sink);
            }
        }
        sum[0] = 0;
        try (LibpcapFileSource source = LibpcapFileSource.open(capture.toString(), null)) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            source.run(sink);
            long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            assertTrue(sum[0] > 1000);
            assertTrue(allocated < sum[0], allocated + " bytes allocated for " + sum[0] + " frames");
        }
    }

    @Test
    void standardInputIsReadAsDash() throws Exception {
        Path capture = captures().resolve("http-sessions.pcapng");
        List<Frame> frames = readAll(capture, null);
        long bytes = frames.stream().mapToLong(Frame::originalLength).sum();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LibpcapStdinMain.class.getName())
                .redirectInput(capture.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("frames=" + frames.size() + " linktype=" + frames.get(0).linkType() + " bytes=" + bytes, out.strip());
    }

    @Test
    void everyTcpdumpTestFileIsReadAsTcpdumpReadsIt() throws Exception {
        assumeTrue(hasTool("tcpdump"), "tcpdump is not installed");
        int files = 0;
        int failures = 0;
        for (Path file : LibpcapTestSupport.tcpdumpTestFiles()) {
            files++;
            Outcome o;
            try {
                o = read(file.toString(), null);
            } catch (CaptureException e) {
                o = new Outcome(List.of(), e);
            }
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(
                    List.of("tcpdump", "-nn", "-r", file.toString(), "--count"));
            if (o.fault() != null) {
                failures++;
                assertOneLine(o.fault().getMessage(), file + ": ");
                assertNotEquals(0, r.exitCode(), () -> "tcpdump reads " + file + " without error");
            } else {
                assertEquals(0, r.exitCode(), () -> file + ": tcpdump failed: " + r.stderr());
                String counted = r.stdout().strip().split(" ")[0];
                assertEquals(Long.parseLong(counted), o.frames().size(), file.toString());
            }
            for (Frame f : o.frames()) {
                assertTrue(f.originalLength() >= f.capturedLength(), file.toString());
            }
        }
        assertTrue(files > 100, "tcpdump-tests holds " + files + " files");
        assertTrue(failures < files / 10, failures + " of " + files + " files failed");
    }

    private static void gzip(Path from, Path to) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
            Files.copy(from, out);
        }
    }

    private static byte[] gunzipPrefix(Path gz) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = in.read(chunk)) >= 0; ) {
                out.write(chunk, 0, n);
            }
            fail("the cut gzip file decompressed completely");
        } catch (EOFException expected) {
            // the cut: keep what came before it
        }
        return out.toByteArray();
    }

    private static Set<Path> gunzipTempFiles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return new HashSet<>(s.filter(p -> p.getFileName().toString().startsWith("portwatch-gunzip-")).toList());
        }
    }
}
