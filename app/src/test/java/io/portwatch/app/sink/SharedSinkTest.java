package io.portwatch.app.sink;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SharedSink} with analyses of the project's sample capture (real loopback traffic) running on
 * several threads at once into one sink that is not thread-safe.
 */
class SharedSinkTest {

    private static final Path SAMPLE = Path.of(System.getProperty("portwatch.root", ".."), "src/samples/sample.pcap");

    /** 50 ms windows cut the sample into several; flows and the sample's scan alert come with them. */
    private static final AnalyzerConfig CONFIG = new AnalyzerConfig(50_000_000L, FlowConfig.defaults(), true,
            DetectConfig.defaults());

    /** One record the target was handed, with the thread's input ({@code null} for a flush). */
    private record Call(String kind, String input, Object record) {
    }

    /** Not thread-safe on purpose: fails the test when two threads are in it at once. */
    private static final class Target implements RecordSink {
        final List<Call> calls = new ArrayList<>();
        final AtomicBoolean busy = new AtomicBoolean();
        final AtomicInteger overlaps = new AtomicInteger();
        String failWith;

        private void take(String kind, String input, Object r) {
            if (!busy.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
            }
            try {
                LockSupport.parkNanos(20_000); // a slow write widens the window for an overlap
                if (failWith != null) {
                    throw new UncheckedIOException(new IOException(failWith));
                }
                calls.add(new Call(kind, input, r));
            } finally {
                busy.set(false);
            }
        }

        @Override
        public void window(WindowReport report) {
            take("window", report.input(), report);
        }

        @Override
        public void flow(FlowRecord flow) {
            take("flow", flow.input(), flow);
        }

        @Override
        public void alert(Alert alert) {
            take("alert", alert.input(), alert);
        }

        @Override
        public void summary(Summary summary) {
            take("summary", summary.input(), summary);
        }

        @Override
        public void flush() {
            take("flush", null, null);
        }
    }

    private static void analyse(String input, RecordSink sink) throws CaptureException {
        TrafficAnalyzer a = new TrafficAnalyzer(CONFIG, input, sink);
        try (CaptureFileSource s = CaptureFileSource.open(SAMPLE.toString())) {
            s.run(a);
        }
        a.finish();
    }

    private static List<Call> records(List<Call> calls, String input) {
        return calls.stream().filter(c -> input.equals(c.input())).toList();
    }

    @Test
    void eachInputKeepsItsRecordsInOrderAndInBlocks() throws Exception {
        assertTrue(Files.isRegularFile(SAMPLE), SAMPLE + " is in the repository");
        Target solo = new Target();
        analyse("alone", solo);
        List<Call> alone = records(solo.calls, "alone");
        assertTrue(alone.stream().filter(c -> c.kind().equals("window")).count() >= 5, "several windows");
        assertTrue(alone.stream().anyMatch(c -> c.kind().equals("flow")), "flows");
        assertTrue(alone.stream().anyMatch(c -> c.kind().equals("alert")), "the sample's scan alert");

        Target shared = new Target();
        SharedSink sink = new SharedSink(shared);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Throwable> failures = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String input = "file-" + i;
            RecordSink lane = sink.lane();
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    analyse(input, lane);
                } catch (Exception | Error e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            t.start();
            running.add(t);
        }
        start.countDown();
        for (Thread t : running) {
            t.join(60_000);
        }
        assertEquals(List.of(), failures);
        assertEquals(0, shared.overlaps.get(), "one caller at a time");
        assertNull(sink.failure());

        for (int i = 0; i < threads; i++) {
            List<Call> got = records(shared.calls, "file-" + i);
            assertEquals(alone.size(), got.size(), "file-" + i + ": as many records as alone");
            for (int k = 0; k < got.size(); k++) {
                assertEquals(alone.get(k).kind(), got.get(k).kind(), "file-" + i + " record " + k);
                assertEquals(String.valueOf(alone.get(k).record()).replace("alone", "file-" + i),
                        String.valueOf(got.get(k).record()), "file-" + i + " record " + k);
            }
        }
        // the inputs interleave only after a window, a summary or a flush
        boolean interleaved = false;
        Call last = null;
        for (Call c : shared.calls) {
            if (c.input() == null) {
                last = c;
                continue;
            }
            if (last != null && last.input() != null && !last.input().equals(c.input())) {
                interleaved = true;
                assertTrue(last.kind().equals("window") || last.kind().equals("summary"),
                        "an input's flows and alerts are followed by its window: " + last.kind() + " then " + c);
            }
            last = c;
        }
        assertTrue(interleaved, "the analyses ran at the same time");
    }

    @Test
    void aLaneHandsOverWhatItHoldsWhenItHoldsTheMost() throws Exception {
        Target t = new Target();
        SharedSink sink = new SharedSink(t);
        RecordSink lane = sink.lane();
        FlowRecord f = SampleRecords.tcpFlow();
        for (int i = 0; i < SharedSink.MAX_HELD - 1; i++) {
            lane.flow(f);
        }
        assertEquals(0, t.calls.size(), "held");
        lane.flow(f);
        assertEquals(SharedSink.MAX_HELD + 1, t.calls.size(), "handed over with a flush");
        assertEquals("flush", t.calls.get(t.calls.size() - 1).kind());
        lane.alert(SampleRecords.alerts().get(0));
        lane.summary(SampleRecords.summary());
        assertEquals(List.of("alert", "summary"),
                t.calls.subList(SharedSink.MAX_HELD + 1, t.calls.size()).stream().map(Call::kind).toList());
    }

    @Test
    void aFailedOutputStopsEveryLane() {
        Target t = new Target();
        SharedSink sink = new SharedSink(t);
        RecordSink one = sink.lane();
        RecordSink two = sink.lane();
        two.flow(SampleRecords.tcpFlow()); // held: nothing written yet
        t.failWith = "Broken pipe";
        UncheckedIOException first = assertThrows(UncheckedIOException.class,
                () -> one.window(SampleRecords.fileWindow(SampleRecords.T0, SampleRecords.mixedPorts())));
        assertTrue(first.getCause().getMessage().contains("Broken pipe"));
        assertSame(first, sink.failure());
        t.failWith = null; // whatever the output would do now, the lanes stay stopped
        assertSame(first, assertThrows(UncheckedIOException.class, () -> two.summary(SampleRecords.summary())));
        assertSame(first, assertThrows(UncheckedIOException.class, two::flush));
        assertEquals(List.of(), t.calls, "nothing written after the failure");
    }
}
