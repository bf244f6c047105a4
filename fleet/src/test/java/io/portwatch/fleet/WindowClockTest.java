package io.portwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WindowClockTest {

    static final long GRACE = 30_000;

    @Test
    void recordsMoveItAndTheWallClockCarriesItOn() {
        WindowClock c = new WindowClock(GRACE);
        c.start(WindowClock.UNKNOWN, 1_000_000);
        assertFalse(c.advance(1_005_000), "nothing seen: nothing to carry on");
        assertFalse(c.closed(0));
        c.observe(60_000, 1_005_000); // a sensor's window ending at 60 s, arrived long after (a file read)
        assertEquals(60_000, c.watermark());
        assertFalse(c.closed(60_000));
        c.advance(1_034_999);
        assertFalse(c.closed(60_000));
        c.advance(1_035_000);
        assertTrue(c.closed(60_000), "one grace of quiet later");
        assertEquals(60_000, c.closedUpTo());
    }

    @Test
    void itNeverGoesBack() {
        WindowClock c = new WindowClock(GRACE);
        c.start(WindowClock.UNKNOWN, 1_000_000);
        c.observe(100_000, 1_000_000);
        c.advance(1_050_000);
        assertFalse(c.observe(120_000, 1_050_000), "behind the watermark (150 s)");
        assertEquals(150_000, c.watermark());
        c.advance(1_040_000); // the wall clock stepping back
        assertEquals(150_000, c.watermark());
        c.advance(1_050_001);
        assertEquals(150_001, c.watermark(), "and on from where it had got to");
    }

    @Test
    void aRestartCountsTheWallClockFromTheStartNotFromBeforeTheStop() {
        WindowClock c = new WindowClock(GRACE);
        c.start(120_000, 10_000_000); // restored; the instance was down for hours before
        assertFalse(c.closed(100_000), "records that waited in Kafka are not late for having waited");
        c.advance(10_010_000);
        assertEquals(130_000, c.watermark());
    }

    @Test
    void aRecordFromTheFutureMovesItOnlyToNow() {
        WindowClock c = new WindowClock(GRACE);
        c.start(WindowClock.UNKNOWN, 1_000_000);
        c.observe(1_000_000 + 86_400_000, 1_000_000);
        assertEquals(1_000_000, c.watermark());
        assertFalse(c.closed(1_000_000 - GRACE + 1), "the window that just ended still takes records");
    }
}
