package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portwatch.capture.source.CollectingSink.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * zstd and xz captures, compressed by the real {@code zstd} and {@code xz} tools, read as the uncompressed
 * file is (issue 14, defect 12); bzip2 and lz4 are named with the way around them. The libpcap reader's side
 * is LibpcapCompressedTest.
 */
class CompressedCaptureTest {

    @TempDir
    Path dir;

    private final Random random = new Random(0xC0DEC);

    /** A little-endian pcap of compressible Ethernet frames of varying sizes, and its frames. */
    private byte[] pcap(int count, List<Frame> frames) {
        CaptureBytes w = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 1);
        for (int i = 0; i < count; i++) {
            byte[] data = frame(i);
            w.pcapRecord(1_700_000_000L + i / 100, (i % 100) * 10_000L, data, data.length + 4);
            frames.add(new Frame(1, (1_700_000_000L + i / 100) * 1_000_000_000L + (i % 100) * 10_000_000L,
                    data, data.length + 4));
        }
        return w.toByteArray();
    }

    /** A big-endian pcapng (one interface, nanosecond resolution) of the same kind of frames. */
    private byte[] pcapng(int count, List<Frame> frames) {
        CaptureBytes w = new CaptureBytes(ByteOrder.BIG_ENDIAN).shb()
                .idb(1, 0, CaptureBytes.tsresolOptions(ByteOrder.BIG_ENDIAN, 9, null));
        for (int i = 0; i < count; i++) {
            byte[] data = frame(i);
            long ts = 1_700_000_000_000_000_000L + i * 1_234_567L;
            w.epb(0, ts, data, data.length, new byte[0]);
            frames.add(new Frame(1, ts, data, data.length));
        }
        return w.toByteArray();
    }

    /** A frame that compresses (a header-like prefix, then text) but differs from one to the next. */
    private byte[] frame(int i) {
        byte[] data = new byte[60 + random.nextInt(1400)];
        for (int j = 0; j < data.length; j++) {
            data[j] = (byte) (j < 14 ? j * 7 : 'a' + (j + i) % 23);
        }
        data[20] = (byte) i;
        data[21] = (byte) (i >> 8);
        return data;
    }

    /** Compresses {@code data} with the real tool into {@code name}; skips when the tool is absent. */
    private Path compress(String tool, byte[] data, String name, String... options) throws IOException {
        assumeTrue(WiresharkTools.hasTool(tool), tool + " is not installed");
        Path plain = dir.resolve(name + ".plain");
        Files.write(plain, data);
        Path out = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", tool + " -q -c " + String.join(" ", options)
                + " < '" + plain + "' > '" + out + "'"));
        WiresharkTools.Run r = WiresharkTools.run(cmd);
        assertEquals(0, r.exitCode(), tool + ": " + r.stderr());
        Files.delete(plain);
        return out;
    }

    private static String suffix(String tool) {
        return tool.equals("zstd") ? ".zst" : ".xz";
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void pcapAndPcapngReadAsTheUncompressedFile(String tool) throws Exception {
        List<Frame> pcapFrames = new ArrayList<>();
        byte[] p = pcap(3000, pcapFrames);
        Path z = compress(tool, p, "c.pcap" + suffix(tool));
        assertTrue(Files.size(z) < p.length / 2, "really compressed: " + Files.size(z) + " of " + p.length);
        assertEquals(pcapFrames, CollectingSink.read(z.toString()));

        List<Frame> ngFrames = new ArrayList<>();
        Path zng = compress(tool, pcapng(500, ngFrames), "c.pcapng" + suffix(tool));
        assertEquals(ngFrames, CollectingSink.read(zng.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void theCorpusReadsAsItsUncompressedFile(String tool) throws Exception {
        for (Path original : WiresharkTools.captureFiles()) {
            Path z = compress(tool, Files.readAllBytes(original), original.getFileName() + suffix(tool));
            assertEquals(CollectingSink.read(original.toString()), CollectingSink.read(z.toString()), original.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void severalFramesOrStreamsOneAfterAnother(String tool) throws Exception {
        List<Frame> frames = new ArrayList<>();
        byte[] p = pcap(2000, frames);
        // the tools' own concatenation: each part compressed on its own, the results one after the other
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int[] cuts = {0, 7, p.length / 3, p.length};
        for (int i = 0; i + 1 < cuts.length; i++) {
            Path part = compress(tool, Arrays.copyOfRange(p, cuts[i], cuts[i + 1]), "part" + i + suffix(tool));
            joined.write(Files.readAllBytes(part));
        }
        Path z = dir.resolve("joined.pcap" + suffix(tool));
        Files.write(z, joined.toByteArray());
        assertEquals(frames, CollectingSink.read(z.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void standardInput(String tool) throws Exception {
        List<Frame> frames = new ArrayList<>();
        Path z = compress(tool, pcap(500, frames), "stdin.pcap" + suffix(tool));
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(Files.readAllBytes(z)));
            CollectingSink sink = new CollectingSink();
            try (CaptureFileSource source = CaptureFileSource.open("-")) {
                source.run(sink);
            }
            assertEquals(frames, sink.frames);
        } finally {
            System.setIn(saved);
        }
    }

    /** Opens and runs {@code path}, expecting a one-line fault that names it. */
    private static CompressedFault fail(String path) {
        CollectingSink sink = new CollectingSink();
        CaptureException e = assertThrows(CaptureException.class, () -> {
            try (CaptureFileSource source = CaptureFileSource.open(path)) {
                source.run(sink);
            }
        });
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(path + ": "), "names the file: " + e.getMessage());
        return new CompressedFault(sink.frames, e.getMessage().substring(path.length() + 2));
    }

    record CompressedFault(List<Frame> frames, String problem) {
    }

    /** Whether {@code got} is the start of {@code all} (compared frame by frame: a failure stays short). */
    private static void assertStartOf(List<Frame> all, List<Frame> got) {
        assertTrue(got.size() <= all.size(), got.size() + " frames of " + all.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(all.get(i), got.get(i), "frame " + i);
        }
    }

    /**
     * The frames before a cut, less what the decoder still held: aircompressor hands decoded bytes on only once
     * they are beyond the frame's window (here 2 MiB), XZ for Java decodes an LZMA2 chunk (at most 2 MiB
     * decoded) only once it has all of it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void truncatedDeliversTheFramesBeforeThenFails(String tool) throws Exception {
        List<Frame> frames = new ArrayList<>();
        byte[] p = pcap(12_000, frames);
        byte[] z = Files.readAllBytes(compress(tool, p, "whole.pcap" + suffix(tool)));
        Path cut = dir.resolve("cut.pcap" + suffix(tool));
        Files.write(cut, Arrays.copyOf(z, z.length * 3 / 5));
        CompressedFault f = fail(cut.toString());
        assertTrue(f.problem().startsWith("truncated " + tool + " data"), f.problem());
        assertStartOf(frames, f.frames());
        long delivered = 24 + f.frames().stream().mapToLong(x -> 16 + x.capturedLength()).sum();
        // as much as the tool itself decompresses of the cut file, but the record the cut ends in
        WiresharkTools.Run r = WiresharkTools.run(List.of("sh", "-c", tool + " -dc < '" + cut + "' | wc -c"));
        long decodable = Long.parseLong(r.stdout().strip());
        long held = 2L << 20;
        assertTrue(decodable > p.length / 3 && decodable < p.length, "the tool decodes " + decodable);
        assertTrue(delivered + 16 + 1460 + held >= decodable, delivered + " bytes delivered of " + decodable);
        assertTrue(f.frames().size() < frames.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void garbageAfterTheFirstFrameOrStreamFailsAfterItsFrames(String tool) throws Exception {
        List<Frame> frames = new ArrayList<>();
        byte[] p = pcap(1000, frames);
        byte[] z = Files.readAllBytes(compress(tool, p, "first" + suffix(tool)));
        byte[] garbage = new byte[64];
        random.nextBytes(garbage);
        garbage[0] = 0x55; // neither a frame's or stream's magic nor stream padding
        byte[] bad = Arrays.copyOf(z, z.length + garbage.length);
        System.arraycopy(garbage, 0, bad, z.length, garbage.length);
        Path path = dir.resolve("garbage.pcap" + suffix(tool));
        Files.write(path, bad);
        CompressedFault f = fail(path.toString());
        assertTrue(f.problem().startsWith("corrupt " + tool + " data"), f.problem());
        assertStartOf(frames, f.frames());
        if (tool.equals("xz")) {
            assertEquals(frames.size(), f.frames().size(), "every frame of the good part");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void anyCorruptByteIsAOneLineFaultOrNothing(String tool) throws Exception {
        byte[] z = Files.readAllBytes(compress(tool, pcap(400, new ArrayList<>()), "fuzz" + suffix(tool)));
        for (int i = 0; i < 200; i++) {
            byte[] bad = z.clone();
            int at = 4 + random.nextInt(bad.length - 4);
            bad[at] ^= (byte) (1 + random.nextInt(255));
            String path = CollectingSink.write(dir, "fuzz-" + i + suffix(tool), bad);
            try (CaptureFileSource source = CaptureFileSource.open(path)) {
                source.run((lt, ts, buf, off, cap, orig) -> { });
            } catch (CaptureException e) {
                assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
                assertTrue(e.getMessage().startsWith(path + ": "), "names the file: " + e.getMessage());
            }
        }
    }

    @Test
    void aZstdWindowBeyondTheDecodersNamesTheWayAround() throws Exception {
        List<Frame> frames = new ArrayList<>();
        // streamed (no content size in the frame header): --long=27 declares a 128 MiB window
        Path z = compress("zstd", pcap(200, frames), "long.pcap.zst", "--long=27");
        CompressedFault f = fail(z.toString());
        assertTrue(f.problem().startsWith("zstd window of 128 MiB"), f.problem());
        assertTrue(f.problem().contains("zstd -dc " + z + " | portwatch read -"), f.problem());
    }

    @Test
    void bzip2AndLz4AreNamedWithTheWayAround() {
        byte[] bzip2 = {'B', 'Z', 'h', '9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0, 0};
        String b = CollectingSink.write(dir, "c.pcap.bz2", bzip2);
        assertEquals("bzip2-compressed, which portwatch does not read: decompress it first, e.g. bzip2 -dc " + b
                + " | portwatch read -", fail(b).problem());
        byte[] lz4 = {0x04, 0x22, 0x4D, 0x18, 0x64, 0x40, (byte) 0xA7, 0, 0, 0, 0};
        String l = CollectingSink.write(dir, "c.pcap.lz4", lz4);
        assertEquals("lz4-compressed, which portwatch does not read: decompress it first, e.g. lz4 -dc " + l
                + " | portwatch read -", fail(l).problem());
    }

    @Test
    void emptyStreamsAreNamed() throws Exception {
        Path zstd = compress("zstd", new byte[0], "empty.zst");
        assertEquals("empty zstd stream", fail(zstd.toString()).problem());
        Path xz = compress("xz", new byte[0], "empty.xz");
        assertEquals("empty xz stream", fail(xz.toString()).problem());
    }
}
