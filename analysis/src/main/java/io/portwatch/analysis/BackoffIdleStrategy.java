package io.portwatch.analysis;

import java.util.concurrent.locks.LockSupport;

/**
 * Waits a few spins, then sleeps of {@value #PARK_NANOS} ns, and {@value #IDLE_PARK_NANOS} ns once nothing
 * came for about 0.2 s (as on a quiet interface). The detection stage's ring holds far more than that much
 * traffic, so a waiting thread loses nothing by sleeping and leaves the core to the other thread and the JIT
 * compiler: spinning longer measured no faster on two cores, and cost a tenth more CPU.
 */
final class BackoffIdleStrategy implements IdleStrategy {

    private static final int SPINS = 20;
    private static final int PARKS = 1000;
    private static final long PARK_NANOS = 200_000L;
    /** After about 0.2 s with nothing to do. */
    private static final long IDLE_PARK_NANOS = 2_000_000L;

    private int idle;

    @Override
    public void idle() {
        if (idle < SPINS) {
            Thread.onSpinWait();
        } else if (idle < SPINS + PARKS) {
            LockSupport.parkNanos(PARK_NANOS);
        } else {
            LockSupport.parkNanos(IDLE_PARK_NANOS); // a quiet live interface: wake up less often
            return;
        }
        idle++;
    }

    @Override
    public void reset() {
        idle = 0;
    }
}
