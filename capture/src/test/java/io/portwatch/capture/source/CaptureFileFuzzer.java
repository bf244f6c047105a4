package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.testkit.Corpus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Coverage-guided fuzz targets (Jazzer) for the pure-Java capture reader: pcap, pcapng and gzip input, read
 * from bytes in memory as {@link CaptureFileSource} reads a file. A plain {@code mvn test} runs each target
 * on its seeds (the shared corpus's captures, when it is there) and on the findings kept beside this class
 * ({@code src/test/resources/.../CaptureFileFuzzerInputs/<target>/}); {@code JAZZER_FUZZ=1} fuzzes one target
 * instead ({@code src/tools/fuzz-campaign}, docs/fuzzing.md).
 *
 * <p>What every input must give (the readers promise it for any bytes): the frames up to the end, or up to a
 * {@link CaptureException} whose one-line message names the input, and nothing else thrown; every frame inside
 * the buffer, its original length at least its captured one, no more frames than 16-byte record headers fit in
 * the input, every byte offset a message names inside the input; every frame decoded and counted once by the
 * {@link PacketDecoder}; and the same frames and the same message whatever the size of the reads under the
 * reader, and whether the capture comes gzip-compressed or not.
 */
class CaptureFileFuzzer {

    static final String NAME = "fuzz-input";
    /** Inputs beyond this are left alone, so that one input's time stays bounded (campaigns use far less). */
    static final int MAX_INPUT = 1 << 20;
    /** Seeds are cut to this (a corpus capture's first records cover its format as well as all of them). */
    static final int MAX_SEED = 64 * 1024;
    /** What a gzip stream may decompress to here: a small input can be a large bomb. */
    private static final int MAX_INFLATED = 8 << 20;
    /** The smallest record that delivers a frame: a pcap record header, a pcapng Simple Packet Block. */
    private static final int MIN_RECORD = 16;
    private static final Pattern AT_BYTE = Pattern.compile("(?<!compressed )at byte (\\d+)");
    private static final Pattern AT_COMPRESSED_BYTE = Pattern.compile("compressed byte (\\d+)");

    // ---- the targets

    @MethodSource("pcapSeeds")
    @FuzzTest
    void pcap(byte[] input) {
        readAnyway(input);
    }

    @MethodSource("pcapngSeeds")
    @FuzzTest
    void pcapng(byte[] input) {
        readAnyway(input);
    }

    /** A capture, and the same capture gzip-compressed (in two members cut where the input says): the same. */
    @MethodSource("captureSeeds")
    @FuzzTest
    void gzipCapture(byte[] input) {
        if (input.length > MAX_INPUT || compressed(input)) {
            return;
        }
        Outcome plain = readAnyway(input);
        int cut = (int) (crc(input) % (input.length + 1));
        Outcome gzipped = read(CaptureBytes.gzipMembers(input, cut), 0);
        assertEquals(plain.frames(), gzipped.frames(), "frames of the gzip-compressed capture");
        assertEquals(plain.digest(), gzipped.digest(), "the frames' contents, compressed");
        assertEquals(plain.problem(), gzipped.problem() == null ? null : gzipped.problem().replace("gzip stream", "file"),
                "the fault, compressed");
    }

    /**
     * Any bytes as a gzip stream: {@link GzipChannel} (as the reader hands it the first bytes read) agrees with
     * the JDK's {@link GZIPInputStream} on every byte both decompress, and on all of them when both read the
     * stream to its end or it ends early; its faults are one-line {@link ZipException}s; read as a capture, the reader's checks hold.
     */
    @MethodSource("gzipSeeds")
    @FuzzTest
    void gzipStream(byte[] input) {
        if (input.length > MAX_INPUT) {
            return;
        }
        Inflated ours = gzipChannel(input);
        Inflated jdk = jdk(input);
        int common = Math.min(ours.bytes().length, jdk.bytes().length);
        assertArrayEquals(Arrays.copyOf(jdk.bytes(), common), Arrays.copyOf(ours.bytes(), common),
                "the bytes both decompress (ours: " + ours.fault() + "; the JDK's: " + jdk.fault() + ")");
        if (ours.complete() && jdk.complete()) {
            assertEquals(jdk.bytes().length, ours.bytes().length, "both read the stream to its end");
        }
        if (ours.fault() != null && ours.fault().startsWith("truncated") && jdk.fault() != null) {
            check(ours.bytes().length >= jdk.bytes().length, "a truncated stream gives all the JDK decompresses: "
                    + ours.bytes().length + " of " + jdk.bytes().length + " bytes");
        }
        readAnyway(input);
    }

    // ---- reading

    /** The frames delivered (their count, and a digest of every field and byte) and the fault's message after the name. */
    record Outcome(long frames, long digest, String problem) {
    }

    /** Reads the input whole and in small reads: the reader's checks, and the same outcome both ways. */
    static Outcome readAnyway(byte[] input) {
        if (input.length > MAX_INPUT) {
            return new Outcome(0, 0, "too large");
        }
        Outcome whole = read(input, 0);
        if (!compressed(input)) {
            check(whole.frames() * MIN_RECORD <= input.length, whole.frames() + " frames from " + input.length + " bytes");
            offsetsWithin(whole.problem(), AT_BYTE, input.length);
        } else {
            offsetsWithin(whole.problem(), AT_COMPRESSED_BYTE, input.length);
        }
        int limit = 1 + (int) (crc(input) % 4096);
        assertEquals(whole, read(input, limit), "the same frames and fault when read " + limit + " bytes at a time");
        return whole;
    }

    /** Reads the input as a capture file, {@code readLimit} bytes at a time at most (0: as much as fits). */
    static Outcome read(byte[] input, int readLimit) {
        CheckingSink sink = new CheckingSink();
        String problem = null;
        try (CaptureFileSource source = CaptureFileSource.open(NAME, Channels.newChannel(new ByteArrayInputStream(input)),
                readLimit)) {
            source.run(sink);
        } catch (CaptureException e) {
            problem = problem(e);
        }
        DecodeStats s = sink.decoder.stats();
        long counted = s.totalErrors() + s.nonIp() + s.otherIp() + s.unknownLinkTypeFrames() + sink.transportOrFragment;
        check(counted == sink.frames, sink.frames + " frames delivered, " + counted + " decoded and counted");
        return new Outcome(sink.frames, sink.crc.getValue(), problem);
    }

    /** The message of a reader's fault after the input's name, checked: one line, naming the input, the input's fault. */
    static String problem(CaptureException e) {
        String m = e.getMessage();
        check(m != null && m.startsWith(NAME + ": "), "the message names the input: " + m);
        check(m.indexOf('\n') < 0 && m.indexOf('\r') < 0, "the message is one line: " + m);
        check(e.reason() == CaptureException.Reason.INPUT, "a fault of the input: " + e.reason() + ": " + m);
        return m.substring(NAME.length() + 2);
    }

    private static void offsetsWithin(String problem, Pattern offset, long length) {
        if (problem == null) {
            return;
        }
        Matcher m = offset.matcher(problem);
        while (m.find()) {
            check(Long.parseLong(m.group(1)) <= length, "an offset within the " + length + " bytes: " + problem);
        }
    }

    /** Checks each frame as the sink contract promises it, digests it and decodes it. */
    static final class CheckingSink implements PacketSink {
        final PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        final DecodedPacket packet = new DecodedPacket();
        final CRC32 crc = new CRC32();
        private final ByteBuffer fields = ByteBuffer.allocate(20);
        private byte[] data = new byte[4096];
        long frames;
        long transportOrFragment;

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            check(buffer.order() == ByteOrder.BIG_ENDIAN, "a big-endian buffer");
            check(offset >= 0 && capturedLength >= 0 && offset <= buffer.limit() - capturedLength,
                    "frame [" + offset + ", +" + capturedLength + ") within the buffer's limit " + buffer.limit());
            check(originalLength >= capturedLength, "original length " + originalLength + " below captured " + capturedLength);
            int position = buffer.position();
            int limit = buffer.limit();
            if (data.length < capturedLength) {
                data = new byte[Math.max(capturedLength, 2 * data.length)];
            }
            buffer.get(offset, data, 0, capturedLength);
            crc.update(fields.clear().putInt(linkType).putLong(timestampNanos).putInt(capturedLength)
                    .putInt(originalLength).array());
            crc.update(data, 0, capturedLength);
            int kind = decoder.decode(linkType, timestampNanos, buffer, offset, capturedLength, originalLength, packet);
            if (kind == DecodedPacket.KIND_TRANSPORT || kind == DecodedPacket.KIND_FRAGMENT) {
                transportOrFragment++;
            }
            check(buffer.position() == position && buffer.limit() == limit, "the buffer's position and limit untouched");
            frames++;
        }
    }

    // ---- gzip

    /** What a gzip decoder gave: its bytes (up to {@link #MAX_INFLATED}), and its fault or null. */
    record Inflated(byte[] bytes, String fault, boolean complete) {
    }

    /** The input through {@link GzipChannel}, its first bytes handed in as the reader hands them. */
    static Inflated gzipChannel(byte[] input) {
        int head = (int) (crc(input) % (input.length + 1));
        ByteBuffer initial = ByteBuffer.wrap(input, 0, head);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String fault = null;
        boolean complete = false;
        try (GzipChannel gz = new GzipChannel(Channels.newChannel(new ByteArrayInputStream(input, head,
                input.length - head)), initial)) {
            ByteBuffer dst = ByteBuffer.allocate(64 * 1024);
            while (out.size() < MAX_INFLATED) {
                int n = gz.read(dst.clear());
                if (n < 0) {
                    complete = true;
                    break;
                }
                out.write(dst.array(), 0, n);
            }
        } catch (ZipException e) {
            fault = e.getMessage();
            check(fault != null && (fault.startsWith("corrupt gzip data") || fault.startsWith("truncated gzip data")),
                    "a gzip fault says corrupt or truncated: " + fault);
            check(fault.indexOf('\n') < 0 && fault.indexOf('\r') < 0, "one line: " + fault);
        } catch (IOException e) {
            throw new UncheckedIOException("not a gzip fault", e);
        }
        return new Inflated(out.toByteArray(), fault, complete);
    }

    /** The input through the JDK's decoder (which reads members as gzip(1) does, minus trailing garbage). */
    static Inflated jdk(byte[] input) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(input))) {
            byte[] chunk = new byte[64 * 1024];
            while (out.size() < MAX_INFLATED) {
                int n = in.read(chunk);
                if (n < 0) {
                    return new Inflated(out.toByteArray(), null, true);
                }
                out.write(chunk, 0, n);
            }
            return new Inflated(out.toByteArray(), null, false);
        } catch (IOException | RuntimeException e) {
            return new Inflated(out.toByteArray(), String.valueOf(e), false);
        }
    }

    // ---- helpers

    static boolean compressed(byte[] input) {
        return Compression.of(ByteBuffer.wrap(input), 0, Math.min(input.length, Compression.MAGIC_LENGTH)) != null;
    }

    static long crc(byte[] input) {
        CRC32 c = new CRC32();
        c.update(input);
        return c.getValue();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    // ---- seeds: the shared corpus's captures, cut to MAX_SEED (none where the corpus is absent; CI has it)

    static Stream<Arguments> pcapSeeds() {
        return corpus(name -> name.endsWith(".pcap") ? name : null, UnaryOperator.identity());
    }

    static Stream<Arguments> pcapngSeeds() {
        return corpus(name -> name.endsWith(".pcapng") ? name : null, UnaryOperator.identity());
    }

    static Stream<Arguments> captureSeeds() {
        return corpus(name -> name.endsWith(".pcap") || name.endsWith(".pcapng") ? name : null, UnaryOperator.identity());
    }

    static Stream<Arguments> gzipSeeds() {
        Stream<Arguments> made = Stream.of(
                Arguments.of(Named.of("header-fields.gz", CaptureBytes.gzipWithHeaderFields(tinyPcap()))),
                Arguments.of(Named.of("three-members.gz", CaptureBytes.gzipMembers(tinyPcap(), 10, 30))));
        return Stream.concat(made, corpus(name -> name.endsWith(".pcap") || name.endsWith(".pcapng") ? name + ".gz" : null,
                CaptureBytes::gzip));
    }

    /** A pcap file of two small frames. */
    static byte[] tinyPcap() {
        return new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(CaptureBytes.PCAP_MICROS, 1)
                .pcapRecord(1, 2, new byte[60], 60).pcapRecord(3, 4, new byte[42], 1514).toByteArray();
    }

    /** The corpus files the namer names (it returns null for the others), each cut and then transformed. */
    private static Stream<Arguments> corpus(UnaryOperator<String> namer, UnaryOperator<byte[]> transform) {
        Path root = Corpus.ifPresent().orElse(null);
        if (root == null) {
            return Stream.empty();
        }
        List<Arguments> seeds = new ArrayList<>();
        for (String folder : List.of("captures", "tcpdump-tests")) {
            for (Path file : Corpus.files(root.resolve(folder))) {
                String name = namer.apply(file.getFileName().toString());
                if (name != null) {
                    seeds.add(Arguments.of(Named.of(name, transform.apply(head(file, MAX_SEED)))));
                }
            }
        }
        return seeds.stream();
    }

    static byte[] head(Path file, int max) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(max);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
