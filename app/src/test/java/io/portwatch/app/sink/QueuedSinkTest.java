package io.portwatch.app.sink;

import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueuedSinkTest {

    /** A sink that records what reaches it, optionally blocked until released. */
    static final class Target implements RecordSink {
        final List<Object> got = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release;
        volatile boolean closed;
        volatile String failWith;

        Target(boolean blocked) {
            release = new CountDownLatch(blocked ? 1 : 0);
        }

        private void await() {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failWith != null) {
                throw new UncheckedIOException(new IOException(failWith));
            }
        }

        @Override
        public void window(WindowReport report) {
            await();
            got.add(report);
        }

        @Override
        public void flow(FlowRecord flow) {
            await();
            got.add(flow);
        }

        @Override
        public void alert(io.portwatch.analysis.output.Alert alert) {
            await();
            got.add(alert);
        }

        @Override
        public void summary(Summary summary) {
            await();
            got.add(summary);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static WindowReport window(long start) {
        return new WindowReport("lo", start, start + 1, List.of(), 0, 0, 0, 0, null, 0);
    }

    static Summary summary() {
        return new Summary("lo", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), List.of());
    }

    @Test
    void recordsArriveInOrderOnAnotherThreadAndCloseFlushes() {
        Target t = new Target(false);
        QueuedSink q = new QueuedSink(t, 100);
        for (int i = 0; i < 50; i++) {
            q.window(window(i));
        }
        q.summary(summary());
        q.close();
        assertEquals(51, t.got.size());
        for (int i = 0; i < 50; i++) {
            assertEquals(i, ((WindowReport) t.got.get(i)).startNanos());
        }
        assertTrue(t.got.get(50) instanceof Summary);
        assertTrue(t.closed);
        assertEquals(0, q.dropped());
    }

    @Test
    void aStuckOutputDropsAndCountsInsteadOfBlockingTheCaller() throws Exception {
        Target t = new Target(true);
        QueuedSink q = new QueuedSink(t, 10);
        long started = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            q.window(window(i)); // never blocks, though the output is stuck
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "the caller was not blocked");
        long dropped = q.dropped();
        assertTrue(dropped >= 1000 - 11 && dropped <= 1000 - 10, "dropped " + dropped);
        t.release.countDown();
        Await.until(Duration.ofSeconds(10), () -> t.got.size() >= 1000 - dropped, "the output to catch up");
        q.window(window(5000));
        q.close();
        WindowReport last = (WindowReport) t.got.get(t.got.size() - 1);
        assertEquals(5000, last.startNanos());
        assertEquals(dropped, last.outputDropped(), "the next window out says how many were dropped");
    }

    @Test
    void aFailedOutputIsReportedAndNeverBlocksCapture() {
        Target t = new Target(false);
        t.failWith = "Broken pipe";
        QueuedSink q = new QueuedSink(t, 4);
        for (int i = 0; i < 100; i++) {
            q.window(window(i));
        }
        q.summary(summary());
        q.close();
        assertNotNull(q.failure());
        assertTrue(q.failure().getCause().getMessage().contains("Broken pipe"));
        assertTrue(q.dropped() > 0);
    }

    @Test
    void aLosslessQueueMakesTheCallerWaitAndDropsNothing() throws Exception {
        Target t = new Target(true);
        QueuedSink q = QueuedSink.lossless(t, 4, java.time.Duration.ofSeconds(10));
        Thread caller = new Thread(() -> {
            for (int i = 0; i < 50; i++) {
                q.window(window(i));
            }
            q.summary(summary());
        });
        caller.start();
        caller.join(300);
        assertTrue(caller.isAlive(), "the caller waits for room while the output is stuck");
        t.release.countDown();
        caller.join(10_000);
        q.close();
        assertEquals(51, t.got.size());
        for (int i = 0; i < 50; i++) {
            assertEquals(i, ((WindowReport) t.got.get(i)).startNanos());
        }
        assertEquals(0, q.dropped());
        assertTrue(t.closed);
    }

    @Test
    void aLosslessQueueThrowsTheOutputsFailureToTheCaller() {
        Target t = new Target(false);
        t.failWith = "No space left on device";
        QueuedSink q = QueuedSink.lossless(t, 2, java.time.Duration.ofSeconds(10));
        UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(UncheckedIOException.class, () -> {
            for (int i = 0; i < 1000; i++) {
                q.window(window(i));
            }
        });
        assertTrue(e.getCause().getMessage().contains("No space left"));
        UncheckedIOException c = org.junit.jupiter.api.Assertions.assertThrows(UncheckedIOException.class, q::close);
        assertTrue(c.getCause().getMessage().contains("No space left"));
    }

    @Test
    void aLosslessQueueSaysWhatAStuckOutputDidNotTakeAtClose() throws Exception {
        Target t = new Target(true);
        QueuedSink q = QueuedSink.lossless(t, 10, java.time.Duration.ofMillis(300));
        for (int i = 0; i < 5; i++) {
            q.window(window(i));
        }
        long started = System.nanoTime();
        UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(UncheckedIOException.class, q::close);
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8), "close is bounded");
        // the first record is in the stuck output's hands; four were still queued
        assertTrue(e.getCause().getMessage().startsWith("4 records were not written"), e.getCause().getMessage());
        assertTrue(t.closed, "the target is closed all the same");
        t.release.countDown();
    }
}
