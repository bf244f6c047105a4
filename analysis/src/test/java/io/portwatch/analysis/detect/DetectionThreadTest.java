package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.source.PacketSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * With {@link AnalyzerConfig#detectionThread()} the detectors and the sink run on a thread of the
 * analyzer's own: the records must be the same, in the same order, as on one thread (alerts between
 * windows and flows where they fell), on the project's sample capture, the shared corpus and random
 * probes; every call to the sink comes from that one thread; a sink that fails there fails the packet
 * thread with the same exception, without hanging.
 */
class DetectionThreadTest {

    private static void assertSameRecords(List<Object> expected, List<Object> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": records");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), what + ": record " + i);
        }
    }

    @Test
    void sampleCaptureGivesTheSameRecordsOnTwoThreads() throws Exception {
        Path sample = Path.of(System.getProperty("portwatch.root", "."), "src", "samples", "sample.pcap");
        assumeTrue(Files.isRegularFile(sample), "sample capture not found: " + sample);
        for (long interval : new long[] {0, DetectConfig.SECOND, 1_000_000L}) {
            AnalyzerConfig c = BatchOrderTest.config(interval);
            List<Object> one = BatchOrderTest.read(List.of(sample), c, false);
            List<Object> two = BatchOrderTest.read(List.of(sample), c.withDetectionThread(true), false);
            assertTrue(one.stream().anyMatch(r -> r instanceof Alert), "the sample raises alerts");
            assertSameRecords(one, two, "interval " + interval);
        }
    }

    @Test
    void corpusCapturesGiveTheSameRecordsOnTwoThreads() throws IOException {
        List<Path> files = BatchOrderTest.corpusCaptures();
        for (long interval : new long[] {0, DetectConfig.SECOND}) {
            AnalyzerConfig c;
            try {
                c = BatchOrderTest.config(interval);
            } catch (PolicyException e) {
                throw new AssertionError(e);
            }
            List<Object> one = BatchOrderTest.read(files, c, false);
            List<Object> two = BatchOrderTest.read(files, c.withDetectionThread(true), false);
            assertTrue(one.size() > 1000, "records: " + one.size());
            assertSameRecords(one, two, "corpus, interval " + interval);
        }
    }

    @Test
    void randomProbesGiveTheSameRecordsOnTwoThreads() throws Exception {
        AnalyzerConfig c = BatchOrderTest.config(1_000_000L);
        List<Object> one = probes(c, new CollectingSink());
        ThreadCheckingSink sink = new ThreadCheckingSink();
        List<Object> two = probes(c.withDetectionThread(true), sink);
        assertTrue(one.stream().filter(r -> r instanceof Alert).count() > 50, "alerts");
        assertSameRecords(one, two, "probes");
        assertTrue(sink.thread.get().getName().startsWith("detect-"), sink.thread.get().getName());
        assertNotSame(Thread.currentThread(), sink.thread.get());
        assertEquals(0, sink.otherThreads, "calls to the sink from another thread");
    }

    @Test
    void detectionLookedAtMidwayHasSeenEveryPacketSoFar() throws Exception {
        AnalyzerConfig c = BatchOrderTest.config(1_000_000L);
        TrafficAnalyzer one = new TrafficAnalyzer(c, "probes", new CollectingSink());
        TrafficAnalyzer two = new TrafficAnalyzer(c.withDetectionThread(true), "probes", new CollectingSink());
        RandomProbes r1 = new RandomProbes(11);
        RandomProbes r2 = new RandomProbes(11);
        for (int round = 0; round < 5; round++) {
            r1.run(one, 2_000);
            r2.run(two, 2_000);
            assertEquals(one.detection().stats(), two.detection().stats(), "round " + round);
            assertEquals(one.detection().services(), two.detection().services(), "round " + round);
        }
        one.finish();
        two.finish();
        assertEquals(one.detection().stats(), two.detection().stats());
    }

    @Test
    @Timeout(60)
    void aSinkFailingOnTheDetectionThreadFailsThePacketThread() throws Exception {
        UncheckedIOException broken = new UncheckedIOException(new IOException("Broken pipe"));
        RecordSink failing = new CollectingSink() {
            @Override
            public void alert(Alert alert) {
                throw broken;
            }
        };
        TrafficAnalyzer a = new TrafficAnalyzer(BatchOrderTest.config(1_000_000L).withDetectionThread(true),
                "probes", failing);
        RandomProbes r = new RandomProbes(7);
        UncheckedIOException thrown = assertThrows(UncheckedIOException.class, () -> {
            for (int round = 0; round < 400; round++) {
                r.run(a, 3_001);
                r.now += 200_000_000L;
            }
            a.finish();
        });
        assertSame(broken, thrown);
    }

    private static List<Object> probes(AnalyzerConfig c, CollectingSink out) {
        TrafficAnalyzer a = new TrafficAnalyzer(c, "probes", out);
        PacketSink in = a;
        RandomProbes r = new RandomProbes(7);
        for (int round = 0; round < 40; round++) {
            r.run(in, 3_001 + round);
            in.onIdle(r.now + 100_000_000L);
            r.now += 200_000_000L;
        }
        a.finish();
        return out.records;
    }

    /** Notes the thread of every call. */
    private static final class ThreadCheckingSink extends CollectingSink {
        final AtomicReference<Thread> thread = new AtomicReference<>();
        int otherThreads;

        private void check() {
            Thread t = Thread.currentThread();
            if (!thread.compareAndSet(null, t) && thread.get() != t) {
                otherThreads++;
            }
        }

        @Override
        public void window(WindowReport report) {
            check();
            super.window(report);
        }

        @Override
        public void flow(FlowRecord flow) {
            check();
            super.flow(flow);
        }

        @Override
        public void alert(Alert alert) {
            check();
            super.alert(alert);
        }

        @Override
        public void summary(Summary summary) {
            check();
            super.summary(summary);
        }

        @Override
        public void flush() {
            check();
        }
    }
}
