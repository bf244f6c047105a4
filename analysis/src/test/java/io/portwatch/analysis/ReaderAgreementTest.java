package io.portwatch.analysis;

import io.portwatch.analysis.output.Summary;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LibpcapFileSource;
import io.portwatch.capture.source.PacketSource;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two readers (pure Java and libpcap through pcap4j) deliver the same frames on every capture of the
 * corpus, and the whole pipeline survives every one of tcpdump's test captures (many malformed) with no
 * exception escaping and in bounded time.
 */
class ReaderAgreementTest {

    /** What a reader delivered: one line per frame, then the fault if any. */
    record Reading(List<String> frames, String fault) {
    }

    static Reading read(PacketSource src) {
        List<String> frames = new ArrayList<>();
        CRC32 crc = new CRC32();
        String fault = null;
        try (src) {
            src.run((lt, ts, buf, off, cap, orig) -> {
                crc.reset();
                ByteBuffer d = buf.duplicate();
                d.limit(off + cap).position(off);
                crc.update(d);
                frames.add(lt + " " + ts + " " + cap + " " + orig + " " + Long.toHexString(crc.getValue()));
            });
        } catch (CaptureException e) {
            fault = e.getMessage();
        }
        return new Reading(frames, fault);
    }

    static Stream<Path> captures() {
        List<Path> all = new ArrayList<>();
        for (Path dir : List.of(Corpus.captures(), Corpus.tcpdumpTests())) {
            Corpus.files(dir).stream().filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".pcap") || n.endsWith(".pcapng") || n.endsWith(".cap") || n.endsWith(".gz");
            }).forEach(all::add);
        }
        return all.stream();
    }

    @Test
    void bothReadersDeliverTheSameFrames() throws Exception {
        try {
            Libpcap.load();
        } catch (CaptureException e) {
            assumeTrue(false, e.getMessage());
        }
        List<String> disagreements = new ArrayList<>();
        int compared = 0;
        int bothRead = 0;
        for (Path p : captures().toList()) {
            Reading j = read(openJava(p));
            Reading l = read(openLibpcap(p));
            compared++;
            if (j.fault() == null && l.fault() == null) {
                bothRead++;
                if (!j.frames().equals(l.frames())) {
                    disagreements.add(p.getFileName() + ": frames differ (java " + j.frames().size() + ", libpcap "
                            + l.frames().size() + ")" + firstDifference(j.frames(), l.frames()));
                }
            } else if (j.fault() == null || l.fault() == null) {
                // One reader read it all, the other stopped: what the stopping one delivered must be a prefix.
                Reading whole = j.fault() == null ? j : l;
                Reading part = j.fault() == null ? l : j;
                boolean prefix = part.frames().size() <= whole.frames().size()
                        && whole.frames().subList(0, part.frames().size()).equals(part.frames());
                if (!prefix) {
                    disagreements.add(p.getFileName() + ": java " + describe(j) + ", libpcap " + describe(l));
                }
            } else {
                int n = Math.min(j.frames().size(), l.frames().size());
                if (!j.frames().subList(0, n).equals(l.frames().subList(0, n))) {
                    disagreements.add(p.getFileName() + ": both fail, frames before the fault differ");
                }
            }
        }
        assertTrue(compared > 800, "compared " + compared);
        assertTrue(bothRead > 700, "both read completely: " + bothRead);
        assertEquals(List.of(), disagreements);
    }

    private static String describe(Reading r) {
        return r.frames().size() + " frames" + (r.fault() == null ? "" : " then '" + r.fault() + "'");
    }

    private static String firstDifference(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return "; frame " + (i + 1) + ": java [" + a.get(i) + "] libpcap [" + b.get(i) + "]";
            }
        }
        return "";
    }

    private static PacketSource openJava(Path p) {
        try {
            return CaptureFileSource.open(p.toString());
        } catch (CaptureException e) {
            return failed(p, e);
        }
    }

    private static PacketSource openLibpcap(Path p) {
        try {
            return LibpcapFileSource.open(p.toString(), null);
        } catch (CaptureException e) {
            return failed(p, e);
        }
    }

    /** A source that fails at once, for inputs that cannot even be opened. */
    private static PacketSource failed(Path p, CaptureException e) {
        return new PacketSource() {
            @Override
            public String name() {
                return p.toString();
            }

            @Override
            public void run(io.portwatch.capture.source.PacketSink sink) throws CaptureException {
                throw e;
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void everyTcpdumpTestCaptureGoesThroughThePipeline() throws Exception {
        List<Path> files = captures().toList();
        long frames = 0;
        long decodeErrors = 0;
        int faults = 0;
        for (Path p : files) {
            long outerPortPackets = 0;
            // tunnels as they are on the wire, then opened too: a frame then counts on its tunnel's port and on
            // the ports of the traffic inside
            for (TunnelMode mode : new TunnelMode[] {TunnelMode.OUTER, TunnelMode.BOTH}) {
                CollectingSink sink = new CollectingSink();
                TrafficAnalyzer a = new TrafficAnalyzer(GoldenCaptureTest.withFlows().withTunnels(mode), p.toString(), sink);
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                    try (PacketSource src = CaptureFileSource.open(p.toString())) {
                        src.run(a);
                    } catch (CaptureException e) {
                        a.inputError(e.getMessage());
                    }
                    a.finish();
                }, p.toString());
                Summary s = sink.summaries.get(0);
                long flowPackets = sink.flows.stream().mapToLong(f -> f.packets()).sum();
                long portPackets = sink.portTotals().values().stream().mapToLong(t -> t[1]).sum();
                assertEquals(flowPackets, portPackets, p + " " + mode.key() + ": flows and ports account the same packets");
                if (mode == TunnelMode.OUTER) {
                    assertTrue(portPackets <= s.packets(), p.toString());
                    outerPortPackets = portPackets;
                    frames += s.packets();
                    decodeErrors += s.decodeErrorTotal();
                    faults += s.inputErrors().size();
                } else {
                    assertTrue(portPackets >= outerPortPackets, p + ": the tunnels' own packets still count");
                }
            }
        }
        assertTrue(frames > 10_000, "frames read: " + frames);
        System.out.printf("tcpdump corpus: %d files, %d frames, %d decode errors, %d input faults%n",
                files.size(), frames, decodeErrors, faults);
    }
}
