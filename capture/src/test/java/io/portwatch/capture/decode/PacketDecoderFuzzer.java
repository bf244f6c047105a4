package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.testkit.Corpus;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A coverage-guided fuzz target (Jazzer) for the {@link PacketDecoder}: one frame of any link type, captured
 * whole or cut, with a wire length that may lie. The input is the link type (2 bytes, big-endian), what the
 * wire length adds to the captured length (2 bytes, signed: it may be less), then the frame. See {@code CaptureFileFuzzer} for how the targets run.
 *
 * <p>What every frame must give: the invariants the {@link Harness} checks (one kind, its reason and its
 * counter, fields in their ranges, payload within the IP length), with no read past the captured bytes (the
 * buffer's limit is there, so such a read throws); and the same result with other bytes before the frame and
 * past its captured end, so that every read stays inside the frame.
 */
class PacketDecoderFuzzer {

    static final int HEADER = 4;
    private static final int MAX_FRAME = 256 * 1024;
    private static final int FRAMES_PER_CAPTURE = 16;
    private static final int FRAMES_PER_TCPDUMP_FILE = 2;

    private final Harness harness = new Harness();

    @MethodSource("frames")
    @FuzzTest
    void decode(byte[] input) {
        if (input.length < HEADER || input.length - HEADER > MAX_FRAME) {
            return;
        }
        int linkType = (input[0] & 0xFF) << 8 | (input[1] & 0xFF);
        byte[] frame = java.util.Arrays.copyOfRange(input, HEADER, input.length);
        int original = frame.length + (short) ((input[2] & 0xFF) << 8 | (input[3] & 0xFF));
        String first = DecoderFuzzTest.digest(harness.run(linkType, frame, frame.length, original));

        // the frame elsewhere in a buffer, among other bytes, which the buffer's limit no longer keeps out
        int lead = 1 + (frame.length & 15);
        ByteBuffer other = ByteBuffer.allocate(lead + frame.length + 64);
        for (int i = 0; i < other.capacity(); i++) {
            other.put(i, (byte) (0x5A ^ i * 13));
        }
        other.put(lead, frame);
        DecodedPacket again = new DecodedPacket();
        new PacketDecoder(new DecodeStats()).decode(linkType, 1_000L, other, lead, frame.length, original, again);
        assertEquals(first, DecoderFuzzTest.digest(again), "the same result among other bytes: reads stay in the frame");
    }

    /**
     * Seeds: the frames {@link DecoderFuzzTest} builds (ICMP errors, IPv6 extensions, tunnels, tags, ...), and
     * frames of the corpus's captures with their link types (none where the corpus is absent; CI has it).
     */
    static Stream<Arguments> frames() throws CaptureException {
        List<Arguments> seeds = new ArrayList<>();
        for (TruncationTest.Layout built : DecoderFuzzTest.seeds()) {
            byte[] input = new byte[HEADER + built.frame().length];
            input[0] = (byte) (built.linkType() >>> 8);
            input[1] = (byte) built.linkType();
            System.arraycopy(built.frame(), 0, input, HEADER, built.frame().length);
            seeds.add(Arguments.of(Named.of(built.name() + " (built)", input)));
        }
        Path root = Corpus.ifPresent().orElse(null);
        if (root == null) {
            return seeds.stream();
        }
        for (String folder : List.of("captures", "tcpdump-tests")) {
            int perFile = folder.equals("captures") ? FRAMES_PER_CAPTURE : FRAMES_PER_TCPDUMP_FILE;
            for (Path file : Corpus.files(root.resolve(folder))) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".pcap") && !name.endsWith(".pcapng")) {
                    continue;
                }
                int[] n = {0};
                try (CaptureFileSource source = CaptureFileSource.open(file.toString())) {
                    source.run((linkType, ts, buffer, offset, captured, original) -> {
                        if (linkType >>> 16 != 0 || n[0]++ >= perFile) {
                            source.stop();
                            return;
                        }
                        byte[] input = new byte[HEADER + captured];
                        int extra = (int) Math.min(Short.MAX_VALUE, (long) original - captured);
                        input[0] = (byte) (linkType >>> 8);
                        input[1] = (byte) linkType;
                        input[2] = (byte) (extra >>> 8);
                        input[3] = (byte) extra;
                        buffer.get(offset, input, HEADER, captured);
                        seeds.add(Arguments.of(Named.of(name + "#" + n[0], input)));
                    });
                } catch (CaptureException e) {
                    // a corrupt file of tcpdump's tests: the frames before its fault are seeds all the same
                }
            }
        }
        return seeds.stream();
    }
}
