package io.portwatch.fleet;

/**
 * The event time up to which a task's windows may close: the fleet's watermark. It is the latest sensor
 * time seen (a record's {@code window_end}: the sensor wrote it once that window was over), moved on by the
 * wall clock as long as nothing later arrives, so that it never stands still:
 * {@code watermark = max over records r of (end(r) + (now - arrival(r)))}.
 *
 * <p>Why both. Stream time alone (what DSL suppression closes on) only moves when a record arrives, and a
 * sensor's last window is often the last thing it sends: its windows would stay open until a later record
 * of the same partition comes, perhaps never. Wall-clock time alone would close every window of a capture
 * read from a file (stamped in the past) the moment it arrives. The extrapolated maximum does both: with
 * live sensors (clocks near the fleet's) it runs with the wall clock, a window closing one grace after its
 * end plus the sensors' sending delay; with sensors reading files it runs with their records, and the last
 * windows close one grace of quiet after the last record.
 *
 * <p>The watermark is kept in the task's state store (its changelog restores it) and only grows. The wall
 * time it was last moved at is not kept: a task that starts (again) counts the wall clock from its start,
 * so the records that waited in Kafka while no instance ran are not late for having waited.
 *
 * <p>A record stamped in the future (by the fleet's clock) moves the watermark only to now: one sensor with
 * a clock ahead would otherwise close the windows the other sensors are still sending, and make their
 * records late. Its own records still go to the windows they name. Single writer (one task).
 */
final class WindowClock {

    static final long UNKNOWN = Long.MIN_VALUE;

    private final long graceMs;
    private long watermark = UNKNOWN;
    private long wall;

    WindowClock(long graceMs) {
        this.graceMs = graceMs;
    }

    /** Starts counting the wall clock at {@code now}, from a watermark restored from the store (or UNKNOWN). */
    void start(long restored, long now) {
        watermark = restored;
        wall = now;
    }

    /** Moves the watermark on by the wall time passed since the last call; true when it moved. */
    boolean advance(long now) {
        long passed = now - wall;
        wall = Math.max(wall, now);
        if (watermark == UNKNOWN || passed <= 0) {
            return false;
        }
        watermark += passed;
        return true;
    }

    /** Takes in a record's event time, arrived at {@code now}; true when the watermark moved. */
    boolean observe(long eventTime, long now) {
        long t = Math.min(eventTime, now);
        if (watermark != UNKNOWN && t <= watermark) {
            return false;
        }
        watermark = t;
        return true;
    }

    /** Whether a window ending at {@code windowEnd} is closed: its end and grace are behind the watermark. */
    boolean closed(long windowEnd) {
        return watermark != UNKNOWN && windowEnd + graceMs <= watermark;
    }

    /** The latest window end that is closed, or UNKNOWN. */
    long closedUpTo() {
        return watermark == UNKNOWN ? UNKNOWN : watermark - graceMs;
    }

    long watermark() {
        return watermark;
    }
}
