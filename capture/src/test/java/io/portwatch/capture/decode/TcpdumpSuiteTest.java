package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Corpus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every frame of tcpdump's own test captures (every link type, tunnels, and many malformed packets
 * that once crashed a decoder), whole and cut short at random points: no exception, and the
 * kind/reason/counter invariants of {@link Harness} hold for each.
 */
class TcpdumpSuiteTest {

    @Test
    void everyFrameOfEveryCaptureDecodesWithoutAnException() throws IOException {
        List<Path> files = Corpus.files(Corpus.tcpdumpTests());
        Harness h = new Harness();
        Random rnd = new Random(1);
        TreeMap<Integer, Integer> linkTypes = new TreeMap<>();
        int frames = 0;
        int transport = 0;
        for (Path file : files) {
            for (CaptureFiles.Frame f : CaptureFiles.read(file)) {
                byte[] d = f.data();
                try {
                    DecodedPacket p = h.run(f.linkType(), d, d.length, f.originalLength());
                    transport += p.kind == DecodedPacket.KIND_TRANSPORT ? 1 : 0;
                    for (int i = 0; i < 4 && d.length > 0; i++) {
                        h.run(f.linkType(), d, rnd.nextInt(d.length), f.originalLength());
                    }
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(file.getFileName() + " frame " + frames + ": " + e, e);
                }
                linkTypes.merge(f.linkType(), 1, Integer::sum);
                frames++;
            }
        }
        assertTrue(files.size() > 800 && frames > 10_000, files.size() + " files, " + frames + " frames");
        assertTrue(transport > 0);
        System.out.printf("tcpdump suite: %d files, %d frames, %d TCP/UDP; link types %s; %s non-IP, %s other IP, "
                        + "errors %s, unknown link types %s%n", files.size(), frames, transport, linkTypes, h.stats.nonIp(),
                h.stats.otherIp(), h.stats.errorsByReason(), h.stats.unknownLinkTypes());
    }
}
