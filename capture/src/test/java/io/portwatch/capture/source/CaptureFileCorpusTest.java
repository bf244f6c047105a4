package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.capture.source.CollectingSink.Frame;
import io.portwatch.testkit.Corpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The real captures of {@code corpus/captures} (and a few of {@code corpus/tcpdump-tests}). */
class CaptureFileCorpusTest {

    private static final Pattern TOTAL_FRAMES = Pattern.compile("\"totals\"\\s*:\\s*\\{[^}]*\"frames\"\\s*:\\s*(\\d+)");

    @TempDir
    Path dir;

    @Test
    void pcapAndPcapngOfTheSameCaptureDeliverTheSameFrames() throws CaptureException {
        List<Frame> pcap = CollectingSink.read(Corpus.file("captures", "http-sessions.pcap").toString());
        List<Frame> pcapng = CollectingSink.read(Corpus.file("captures", "http-sessions.pcapng").toString());
        assertFalse(pcap.isEmpty());
        assertEquals(pcap.size(), pcapng.size());
        for (int i = 0; i < pcap.size(); i++) {
            assertEquals(pcap.get(i), pcapng.get(i), "frame " + (i + 1));
        }
    }

    @TestFactory
    Stream<DynamicTest> frameCountsEqualTheReferenceTotals() {
        Path captures = Corpus.captures();
        List<Path> references = Corpus.files(captures, ".reference.json");
        assertFalse(references.isEmpty(), "no reference files in " + captures);
        return references.stream().map(ref -> DynamicTest.dynamicTest(ref.getFileName().toString(), () -> {
            Matcher m = TOTAL_FRAMES.matcher(Files.readString(ref));
            assertTrue(m.find(), "no totals.frames in " + ref);
            String capture = ref.toString().substring(0, ref.toString().length() - ".reference.json".length());
            assertEquals(Long.parseLong(m.group(1)), CollectingSink.read(capture).size(), capture);
        }));
    }

    /**
     * Files whose frames tshark times like the reader. Not timestamp_invalid_micro/nano.pcap: their
     * third record's fraction field is 2^31 units, which tshark's 32-bit nanoseconds wrap (to 0 and
     * to a negative time); the reader adds the fields as they are, like libpcap (see
     * PcapReaderTest#fractionFieldsBeyondOneSecondAreAddedAsTheyAre).
     */
    static Stream<String> tsharkFiles() {
        return Stream.of("captures/http-sessions.pcap", "captures/http-sessions.pcapng", "captures/dns-queries.pcap",
                "captures/linktype-raw.pcap",
                "tcpdump-tests/tcp-handshake-nano.pcap", "tcpdump-tests/ipoib.pcap", "tcpdump-tests/vsock-1.pcapng",
                "tcpdump-tests/time_2106_overflow.pcapng", "tcpdump-tests/time_2107.pcapng",
                "tcpdump-tests/pim_header_asan-2.pcap",
                "tcpdump-tests/OSPFv2_Capture_FINAL.pcapng", "tcpdump-tests/of13_ericsson.pcapng");
    }

    /**
     * Timestamps and lengths of every frame equal tshark's {@code frame.time_epoch},
     * {@code frame.cap_len} and {@code frame.len} (where a record's original length is below its
     * captured length, the reader reports the captured length, tshark the recorded one); the same
     * for the gzip-compressed file. (Files with records longer than their snapshot length, such as
     * aoe-oobr-1.pcap, are left out: the reader cuts those as libpcap does, tshark does not; the
     * reader-agreement test compares them with libpcap.)
     */
    @TestFactory
    Stream<DynamicTest> timestampsAndLengthsEqualTshark() {
        String root = Corpus.root().toString();
        WiresharkTools.assumeInstalled("tshark");
        return tsharkFiles().map(name -> DynamicTest.dynamicTest(name, () -> {
            Path file = Path.of(root, name);
            WiresharkTools.Run r = WiresharkTools.run(List.of("tshark", "-n", "-r", file.toString(), "-T", "fields",
                    "-e", "frame.time_epoch", "-e", "frame.cap_len", "-e", "frame.len", "-E", "separator=,"));
            assertEquals(0, r.exitCode(), r.stderr());
            List<long[]> expected = new ArrayList<>();
            for (String line : r.stdout().split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split(",");
                    long captured = Long.parseLong(f[1]);
                    expected.add(new long[] {epochNanos(f[0]), captured, Math.max(captured, Long.parseLong(f[2]))});
                }
            }
            assertFalse(expected.isEmpty());
            byte[] gz = CaptureBytes.gzip(Files.readAllBytes(file));
            for (String path : new String[] {file.toString(), CollectingSink.write(dir, "c.gz", gz)}) {
                List<Frame> frames = CollectingSink.read(path);
                assertEquals(expected.size(), frames.size(), path);
                for (int i = 0; i < frames.size(); i++) {
                    Frame f = frames.get(i);
                    long[] e = expected.get(i);
                    assertEquals(e[0], f.timestampNanos(), "timestamp of frame " + (i + 1));
                    assertEquals(e[1], f.capturedLength(), "captured length of frame " + (i + 1));
                    assertEquals(e[2], f.originalLength(), "original length of frame " + (i + 1));
                }
            }
        }));
    }

    /**
     * tshark prints seconds, a dot and the nanoseconds as at least nine digits: a pcap fraction of a
     * million microseconds comes out as {@code 1418145370.1000000000}.
     */
    static long epochNanos(String text) {
        int dot = text.indexOf('.');
        if (dot < 0) {
            return Math.multiplyExact(Long.parseLong(text), 1_000_000_000L);
        }
        String fraction = text.substring(dot + 1);
        long nanos = Long.parseLong(fraction);
        for (int i = fraction.length(); i < 9; i++) {
            nanos *= 10;
        }
        return Math.addExact(Math.multiplyExact(Long.parseLong(text.substring(0, dot)), 1_000_000_000L), nanos);
    }

    @Test
    void epochNanosReadsTsharkOutput() throws IOException {
        assertEquals(1_418_145_369_999_999_000L, epochNanos("1418145369.999999000"));
        assertEquals(1_418_145_371_000_000_000L, epochNanos("1418145370.1000000000"));
        assertEquals(4_294_967_296_000_000_000L, epochNanos("4294967296.000000000"));
        assertEquals(1_500_000_000L, epochNanos("1.5"));
    }
}
