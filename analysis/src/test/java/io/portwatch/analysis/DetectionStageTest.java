package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.ports.PortPeers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        DetectionStage stage = new DetectionStage(new Detection(DetectConfig.defaults(), "t", sink::alert), peers,
                new CountingSink(sink, seen), "t", 64);
        final int ports = 8;
        final int clients = 500;
        int flushes = 0;
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < clients; c++) {
                for (int slot = 0; slot < ports; slot++) {
                    // client c of port slot; servers: one a port
                    stage.peers(slot, 0, 0xFFFF_0A00_0000L + c * 16L + slot, 0, 0xFFFF_C000_0200L + slot);
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
