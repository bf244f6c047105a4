package io.portwatch.capture.libpcap;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When an interface that went away is tried again: doubling from the first wait to the longest, never 0. */
class ReopenBackoffTest {

    private static final long MS = 1_000_000L;

    private static List<Long> millis(ReopenBackoff b, int attempts) {
        List<Long> l = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            l.add(b.delayNanos(i) / MS);
        }
        return l;
    }

    @Test
    void everySecondAtFirstThenBackingOffToFive() {
        assertEquals(List.of(1000L, 2000L, 4000L, 5000L, 5000L, 5000L), millis(ReopenBackoff.DEFAULT, 6));
        assertEquals("every 1 s, backing off to 5 s", ReopenBackoff.DEFAULT.describe());
    }

    @Test
    void theWaitIsBoundedHoweverManyAttemptsFailed() {
        ReopenBackoff b = new ReopenBackoff(10 * MS, ReopenBackoff.MAX_MILLIS * MS);
        for (int failures : new int[] {0, 1, 30, 62, 63, 64, 1_000, Integer.MAX_VALUE}) {
            long d = b.delayNanos(failures);
            assertTrue(d >= 10 * MS && d <= ReopenBackoff.MAX_MILLIS * MS, failures + ": " + d);
        }
        assertEquals(ReopenBackoff.MAX_MILLIS * MS, b.delayNanos(Integer.MAX_VALUE));
        ReopenBackoff fixed = new ReopenBackoff(250 * MS, 250 * MS);
        assertEquals(List.of(250L, 250L, 250L), millis(fixed, 3));
        assertEquals("every 0.25 s", fixed.describe());
    }

    @Test
    void aCaptureThatFailsSoonAfterItResumedGoesOnBackingOff() {
        ReopenBackoff b = ReopenBackoff.DEFAULT;
        assertEquals(0, b.failuresAfterCapture(3, 5_000 * MS), "back for good: from the first wait again");
        assertEquals(0, b.failuresAfterCapture(0, 60_000 * MS));
        assertEquals(4, b.failuresAfterCapture(3, 4_999 * MS), "flapping: waits longer");
        assertEquals(1, b.failuresAfterCapture(0, 0));
        int f = 0;
        for (int i = 0; i < 200; i++) {
            f = b.failuresAfterCapture(f, 0);
        }
        assertEquals(5_000 * MS, b.delayNanos(f), "at most the longest wait");
    }

    @Test
    void neverABusyLoopNorAnEndlessWait() {
        assertThrows(IllegalArgumentException.class, () -> new ReopenBackoff(0, 1_000 * MS));
        assertThrows(IllegalArgumentException.class, () -> new ReopenBackoff(9 * MS, 1_000 * MS));
        assertThrows(IllegalArgumentException.class, () -> new ReopenBackoff(2_000 * MS, 1_000 * MS));
        assertThrows(IllegalArgumentException.class,
                () -> new ReopenBackoff(1_000 * MS, (ReopenBackoff.MAX_MILLIS + 1) * MS));
    }
}
