package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.ports.PortPeers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stage's ring when it is full: the packet thread waits, and nothing is lost or reordered. */
class DetectionStageTest {

    @Test
    void aFullRingMakesThePacketThreadWaitAndLosesNothing() {
        PortPeers peers = new PortPeers();
        List<Long> flushedAfter = new ArrayList<>();
        long[] seen = new long[1];
        CollectingSink sink = new CollectingSink() {
            @Override
            public void flush() {
                flushedAfter.add(seen[0]);
                try {
                    Thread.sleep(1); // not a wait: a slow sink, so that the stage's thread falls behind
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        DetectionStage detectionStage = new DetectionStage(new Detection(DetectConfig.defaults(), "t", sink::alert),
                peers, new CountingSink(sink, seen), "t", 64, BackoffIdleStrategy.STAGE_PARK_NANOS);
        StageLink stage = detectionStage.link();
        final int ports = 8;
        final int clients = 500;
        int flushes = 0;
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < clients; c++) {
                for (int slot = 0; slot < ports; slot++) {
                    // client c of port slot; servers: one a port
                    stage.peers(slot, slot, 0, 0xFFFF_0A00_0000L + c * 16L + slot, 0, 0xFFFF_C000_0200L + slot);
                }
                if (c % 50 == 0) {
                    stage.flush();
                    flushes++;
                }
            }
        }
        stage.stop();
        assertTrue(stage.fullRing() > 0, "the 64-event ring filled");
        for (int slot = 0; slot < ports; slot++) {
            assertEquals(clients, peers.clients(slot), "distinct clients of slot " + slot);
            assertEquals(1, peers.servers(slot), "distinct servers of slot " + slot);
        }
        assertEquals(flushes, flushedAfter.size());
        for (int k = 0; k < flushes; k++) {
            assertEquals(k, (long) flushedAfter.get(k), "flushes in order");
        }
    }

    /**
     * A closed window is handed on once the record of the window before it is made, so that no more than two
     * windows' per-port structures are held at once (the open one's, and the one whose record is being made),
     * however slow the sink: with a sink that takes 30 ms a window, each hand-over returns only after the
     * records of every window before the one just handed.
     */
    @Test
    void aClosedWindowWaitsForTheRecordOfTheWindowBefore() {
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        CollectingSink sink = new CollectingSink() {
            @Override
            public void window(io.portwatch.analysis.output.WindowReport report) {
                try {
                    Thread.sleep(30); // a slow sink: the stage's thread falls a window behind
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.window(report);
                made.incrementAndGet();
            }
        };
        StageLink stage = new DetectionStage(new Detection(DetectConfig.defaults(), "t", sink::alert),
                new PortPeers(), sink, "t").link();
        List<Integer> madeWhenHanded = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            stage.window(new WindowDraft("t", w, w + 1, new io.portwatch.analysis.ports.PortTable().drainCounts(), 0, 0,
                    0, 0, null, null, 0));
            madeWhenHanded.add(made.get());
        }
        stage.stop();
        assertEquals(6, sink.windows.size());
        for (int w = 0; w < 6; w++) {
            assertTrue(madeWhenHanded.get(w) >= w, "window " + w + " handed on with " + madeWhenHanded.get(w)
                    + " records made: " + madeWhenHanded);
        }
    }

    /**
     * The stage's thread sleeps between looks at an empty ring; a packet thread that must wait for it (a window
     * handed on while the one before is still being made, a sync, the stop) wakes it rather than wait out the
     * sleep: with sleeps of an hour, every wait still ends as soon as the work is done.
     */
    @Test
    void aPacketThreadWaitingForTheStageWakesItFromItsSleep() {
        CollectingSink sink = new CollectingSink();
        PortPeers peers = new PortPeers();
        StageLink stage = new DetectionStage(new Detection(DetectConfig.defaults(), "t", sink::alert), peers, sink,
                "t", 1024, TimeUnit.HOURS.toNanos(1)).link();
        // on a thread of its own, so that a wait that never ends fails the test instead of hanging the run
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int w = 0; w < 3; w++) {
                Thread.sleep(50); // the stage's thread has found its ring empty and sleeps
                stage.peers(w, w, 0, 0xFFFF_0A00_0001L, 0, 0xFFFF_C000_0201L);
                stage.sync();
                assertEquals(1, peers.clients(w), "window " + w + "'s event handled once sync returns");
                stage.window(new WindowDraft("t", w, w + 1, new io.portwatch.analysis.ports.PortTable().drainCounts(),
                        0, 0, 0, 0, null, null, 0));
            }
            Thread.sleep(50);
            stage.stop();
        }, "the packet thread waited out the stage's sleep");
        assertEquals(3, sink.windows.size(), "every window's record made before stop returned");
    }

    /** Counts flushes before passing them on, so that the sink sees each one's place. */
    private static final class CountingSink extends CollectingSink {
        private final CollectingSink next;
        private final long[] seen;

        CountingSink(CollectingSink next, long[] seen) {
            this.next = next;
            this.seen = seen;
        }

        @Override
        public void flush() {
            next.flush();
            seen[0]++;
        }
    }
}
