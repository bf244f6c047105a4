package io.portwatch.app.sink;

import io.portwatch.app.sink.spool.Backlog;
import io.portwatch.app.sink.spool.SpooledRecord;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.function.LongSupplier;

/**
 * Without a spool, messages that cannot go to the producer yet (older ones wait, a new producer is
 * starting, a topic's metadata is awaited) wait here, in memory, behind the others. The bound counts every
 * message in memory ({@code --kafka-buffer}): beyond it a bounded delivery drops the new message at once;
 * a lossless one (a file read) waits for room, at most {@code max.block.ms}, then drops and stays
 * <em>stalled</em> (dropping at once) until the broker acknowledges again, so that a broker gone for good
 * does not make every message wait that long. Used under its delivery's lock.
 */
final class MemoryBacklog implements Backlog {

    /** Lossless: messages that may wait in memory. */
    static final int LOSSLESS_BOUND = 10_000;

    private final ArrayDeque<SpooledRecord> queue = new ArrayDeque<>();
    private final long bound;
    private final long maxBlockNanos;
    private boolean stalled;

    /**
     * @param maxPending    messages that may wait in memory, these and the producer's; 0: lossless
     * @param maxBlockNanos how long a lossless delivery waits for room
     */
    MemoryBacklog(long maxPending, long maxBlockNanos) {
        this.bound = maxPending > 0 ? maxPending : LOSSLESS_BOUND;
        this.maxBlockNanos = maxPending > 0 ? 0 : maxBlockNanos;
    }

    /**
     * Queues {@code r} if the messages in memory ({@code inMemory}, these included) leave room, waiting on
     * {@code changed} (its lock held) when lossless; false when dropped.
     */
    boolean offer(SpooledRecord r, LongSupplier inMemory, Condition changed) {
        if (stalled) {
            return false;
        }
        long deadline = System.nanoTime() + maxBlockNanos;
        try {
            while (inMemory.getAsLong() >= bound) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inMemory.getAsLong() < bound) {
            queue.addLast(r);
            return true;
        }
        stalled = maxBlockNanos > 0; // no room for max.block.ms: drop at once until an acknowledgement
        return false;
    }

    /** The broker acknowledged a message: no longer stalled. */
    void acknowledged() {
        stalled = false;
    }

    @Override
    public boolean append(SpooledRecord r) {
        queue.addLast(r);
        return true;
    }

    @Override
    public SpooledRecord next() {
        return queue.pollFirst();
    }

    @Override
    public long size() {
        return queue.size();
    }
}
