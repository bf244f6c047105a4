package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.capture.source.CollectingSink.Frame;
import io.portwatch.testkit.Corpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file of tcpdump's test suite (many malformed): each reads to the end or fails with a
 * {@link CaptureException}, in bounded time; gzip-compressed it delivers the same; and the frame
 * counts agree with Wireshark's capinfos wherever both read the file completely.
 */
class TcpdumpCorpusReaderTest {

    private static final Duration PER_FILE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Frames delivered, and the problem (message after the path) when the read failed. */
    record Outcome(List<Frame> frames, String problem) {
    }

    static Outcome read(String path) {
        CollectingSink sink = new CollectingSink();
        try (CaptureFileSource source = CaptureFileSource.open(path)) {
            source.run(sink);
            return new Outcome(sink.frames, null);
        } catch (CaptureException e) {
            assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return new Outcome(sink.frames, e.getMessage().substring(path.length() + 2));
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFileReadsToTheEndOrFailsWithACaptureException() {
        List<Path> files = Corpus.files(Corpus.tcpdumpTests());
        assertTrue(files.size() > 800, "expected the 830 files of tcpdump's tests, found " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(),
                () -> assertTimeoutPreemptively(PER_FILE, () -> {
                    Outcome plain = read(file.toString());
                    String gz = CollectingSink.write(dir, file.getFileName() + ".gz",
                            CaptureBytes.gzip(Files.readAllBytes(file)));
                    Outcome compressed = read(gz);
                    assertEquals(plain.problem(), compressed.problem());
                    assertEquals(plain.frames(), compressed.frames());
                })));
    }

    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    @Test
    void frameCountsAgreeWithCapinfos() {
        List<Path> files = Corpus.files(Corpus.tcpdumpTests());
        WiresharkTools.assumeInstalled("capinfos");
        List<String> command = new ArrayList<>(List.of("capinfos", "-c", "-M", "-T", "-r"));
        files.forEach(f -> command.add(f.toString()));
        WiresharkTools.Run r = WiresharkTools.run(command);
        // capinfos names each file it could not read (completely) in a message on stderr
        Set<String> capinfosFailed = new HashSet<>();
        Matcher m = QUOTED.matcher(r.stderr());
        while (m.find()) {
            capinfosFailed.add(m.group(1));
        }
        Map<String, Long> capinfos = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t");
            if (f.length == 2 && !capinfosFailed.contains(f[0])) {
                capinfos.put(f[0], Long.parseLong(f[1].trim()));
            }
        }
        assertTrue(capinfos.size() > 700, "capinfos read only " + capinfos.size() + " files: " + r.stderr());
        List<String> disagreements = new ArrayList<>();
        List<String> onlyWe = new ArrayList<>();
        int compared = 0;
        for (Path file : files) {
            String path = file.toString();
            Outcome ours = read(path);
            Long theirs = capinfos.get(path);
            if (theirs != null && ours.problem() == null) {
                compared++;
                if (theirs != ours.frames().size()) {
                    disagreements.add(file.getFileName() + ": capinfos " + theirs + ", reader " + ours.frames().size());
                }
            } else if (theirs != null) {
                disagreements.add(file.getFileName() + ": capinfos reads " + theirs + " frames, reader fails: "
                        + ours.problem());
            } else if (ours.problem() == null) {
                onlyWe.add(file.getFileName() + " (" + ours.frames().size() + " frames)");
            }
        }
        System.out.println("frame counts compared with capinfos: " + compared + " files; read only by the reader: "
                + onlyWe);
        assertEquals(List.of(), disagreements);
    }
}
