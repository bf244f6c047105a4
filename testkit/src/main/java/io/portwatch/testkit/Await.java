package io.portwatch.testkit;

import org.junit.jupiter.api.Assertions;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Waits for a condition, with a bound, instead of sleeping for a time that is thought long enough: a
 * test that sleeps is slow where the condition comes quickly and flaky where it comes late (a loaded
 * machine, a CI runner). The condition is polled every few milliseconds; at the bound the test fails
 * with what it waited for. Bounds are generous (seconds), since they cost nothing when all is well.
 */
public final class Await {

    /** Between two polls of the condition. */
    static final long POLL_NANOS = 5_000_000L;

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; fails the test with "waited {@code bound} for
     * {@code what}" if it does not within {@code bound}. An exception the condition throws fails the
     * test at once, with it as the cause.
     */
    public static void until(Duration bound, Condition condition, String what) {
        until(bound, condition, () -> what);
    }

    /**
     * {@link #until(Duration, Condition, String)} with what was waited for told at the bound (e.g. with
     * the output of the process that should have said it by then).
     */
    public static void until(Duration bound, Condition condition, Supplier<String> what) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!holds(condition, what)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                Assertions.fail("waited " + text(bound) + " for " + what.get());
            }
            LockSupport.parkNanos(Math.min(POLL_NANOS, left));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted while waiting for " + what.get());
            }
        }
    }

    private static boolean holds(Condition condition, Supplier<String> what) {
        try {
            return condition.holds();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("checking " + what.get() + ": " + e, e);
        }
    }

    /** What a test waits for: a {@link java.util.function.BooleanSupplier} that may read a file or run a query. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private static String text(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
