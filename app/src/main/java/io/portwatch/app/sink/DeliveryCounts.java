package io.portwatch.app.sink;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * What became of a Kafka sink's messages, counted, and how many wait where: written by its
 * {@link KafkaDelivery} (under its lock, and its callbacks), read from any thread (the sink, gauges,
 * {@link KafkaWatch}). The first error is kept for the sink's last words, secrets hidden.
 */
final class DeliveryCounts {

    private final AtomicLong records = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong spoolDropped = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final UnaryOperator<String> mask;
    private volatile KafkaSink.DeliveryListener listener = KafkaSink.DeliveryListener.NONE;
    private volatile String firstError;
    private volatile long waiting;
    private volatile long spooled;
    private volatile long spoolBytes;

    DeliveryCounts(UnaryOperator<String> mask) {
        this.mask = mask;
    }

    void listener(KafkaSink.DeliveryListener l) {
        listener = l;
    }

    void addGiven() {
        records.incrementAndGet();
    }

    void addDelivered(long latencyNanos) {
        delivered.incrementAndGet();
        listener.delivered(latencyNanos);
    }

    /** A message that cannot be delivered (or, without a spool, still waiting at close). */
    void addFailed(long latencyNanos) {
        failed.incrementAndGet();
        listener.failed(latencyNanos);
    }

    /** Messages that never reached a producer, given up at close. */
    void addFailedUnsent(long n) {
        failed.addAndGet(n);
    }

    void addDropped() {
        dropped.incrementAndGet();
    }

    void addSpoolDropped() {
        spoolDropped.incrementAndGet();
    }

    void addRestart() {
        restarts.incrementAndGet();
    }

    /** Keeps {@code e} as the first error, unless there is one already. */
    void remember(Throwable e) {
        if (firstError == null) {
            String m = e.getMessage();
            firstError = mask.apply(e.getClass().getSimpleName() + (m == null ? "" : ": " + m.strip().replace('\n', ' ')));
        }
    }

    /** What waits now: in memory (handed to the producer, or queued), and in the spool not yet sent. */
    void waiting(long inMemory, long inSpool, long bytes) {
        waiting = inMemory;
        spooled = inSpool;
        spoolBytes = bytes;
    }

    long records() {
        return records.get();
    }

    long delivered() {
        return delivered.get();
    }

    long failed() {
        return failed.get();
    }

    long dropped() {
        return dropped.get();
    }

    long spoolDropped() {
        return spoolDropped.get();
    }

    long restarts() {
        return restarts.get();
    }

    /** Messages lost so far: dropped, not fitting the spool, or failed. */
    long lost() {
        return dropped.get() + spoolDropped.get() + failed.get();
    }

    /** The first error, secrets hidden, or null. */
    String firstError() {
        return firstError;
    }

    long waiting() {
        return waiting;
    }

    long spooled() {
        return spooled;
    }

    long spoolBytes() {
        return spoolBytes;
    }
}
