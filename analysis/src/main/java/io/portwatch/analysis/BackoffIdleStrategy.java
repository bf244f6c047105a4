package io.portwatch.analysis;

import java.util.concurrent.locks.LockSupport;

/**
 * Waits a few spins, then sleeps of {@value #PARK_NANOS} ns (a merging stage's thread waiting for events: of
 * {@value #STAGE_PARK_NANOS} ns; the detection stage's, {@link DetectionStage#PARK_NANOS}), and
 * {@value #IDLE_PARK_NANOS} ns once nothing came for about a thousand
 * sleeps (as on a quiet interface). The detection stage's ring holds far more than that much traffic, so a
 * waiting thread loses nothing by sleeping and leaves the core to the other thread and the JIT compiler:
 * spinning longer measured no faster on two cores, and cost a tenth more CPU. A stage sleeps longer because
 * each wake-up costs (tens of µs in this VM): under {@code live} at 200,000 packets/s, a detection thread woken
 * every 200 µs spent 0.65-0.79 µs of CPU a packet, and 0.39-0.40 woken every millisecond (bench/live, the same
 * run); woken every 10 ms, 0.34 against 0.46 every millisecond (medians of three runs each, builds in turns,
 * bench/results/live-ab-2026-12-07.md); every 40 ms, less again (the detection stage's own). Ten more milliseconds
 * before an event is handled are nothing beside a window, and a packet thread that must wait for the stage wakes it
 * ({@link Stage#wake}). A merging stage keeps 10 ms: it also sleeps while it waits for the slowest of its threads.
 */
final class BackoffIdleStrategy implements IdleStrategy {

    private static final int SPINS = 20;
    private static final int PARKS = 1000;
    private static final long PARK_NANOS = 200_000L;
    /** A merging stage's sleeps: 10 ms of events at 200,000 packets/s is a few thousand of its rings' room. */
    static final long STAGE_PARK_NANOS = 10_000_000L;
    /** After a thousand sleeps with nothing to do (0.2 s of the shortest), unless the sleeps are longer. */
    private static final long IDLE_PARK_NANOS = 2_000_000L;

    private final long parkNanos;
    private int idle;

    /** Sleeps of {@value #PARK_NANOS} ns. */
    BackoffIdleStrategy() {
        this(PARK_NANOS);
    }

    /** Sleeps of {@code parkNanos} ns while work may come soon. */
    BackoffIdleStrategy(long parkNanos) {
        this.parkNanos = parkNanos;
    }

    @Override
    public void idle() {
        if (idle < SPINS) {
            Thread.onSpinWait();
        } else if (idle < SPINS + PARKS) {
            LockSupport.parkNanos(parkNanos);
        } else {
            LockSupport.parkNanos(Math.max(parkNanos, IDLE_PARK_NANOS)); // a quiet live interface: wake up less often
            return;
        }
        idle++;
    }

    @Override
    public void reset() {
        idle = 0;
    }
}
