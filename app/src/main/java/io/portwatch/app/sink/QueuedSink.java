package io.portwatch.app.sink;

import io.portwatch.analysis.output.Record;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands records over from capture threads to one output thread through a bounded queue, so that
 * writing (a slow terminal, a pipe, later a broker) never runs on a capture thread. When the output
 * falls behind and the queue is full, windows and flows are dropped and counted (every window record
 * that does get out says how many so far); summaries wait for room, a bounded time. Thread-safe.
 *
 * <p>A {@linkplain #lossless lossless} queue (for files, where nothing should be lost and nothing is
 * urgent) makes callers wait for room instead, and throws a failure of the output to the caller.
 */
public final class QueuedSink extends PassingSink {

    private static final Object END = new Object();
    private static final long SUMMARY_WAIT_MILLIS = 5_000;

    private final RecordSink target;
    private final BlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private final boolean lossless;
    private final long closeWaitMillis;
    private volatile RuntimeException failure;
    private volatile boolean abandoned;

    /**
     * @param target   the sink that writes; only the output thread calls it
     * @param capacity records that may wait
     */
    public QueuedSink(RecordSink target, int capacity) {
        this(target, capacity, false, SUMMARY_WAIT_MILLIS * 2);
    }

    private QueuedSink(RecordSink target, int capacity, boolean lossless, long closeWaitMillis) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.lossless = lossless;
        this.closeWaitMillis = closeWaitMillis;
        this.thread = new Thread(this::drain, "portwatch-output");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * A queue that drops nothing: callers wait for room. A failure of the output is thrown to the
     * caller at its next record and at {@link #close()}; so are records still queued when the output
     * did not take them within {@code closeWait} of closing.
     *
     * @param target    the sink that writes; only the output thread calls its record methods
     * @param capacity  records that may wait
     * @param closeWait how long {@link #close()} waits for the output to take what is queued
     */
    public static QueuedSink lossless(RecordSink target, int capacity, Duration closeWait) {
        return new QueuedSink(target, capacity, true, Math.max(1, closeWait.toMillis()));
    }

    /** Records dropped because the queue was full (or the output had failed). */
    public long dropped() {
        return dropped.get();
    }

    /** Why the output stopped (e.g. a closed pipe), or null while it works. */
    public RuntimeException failure() {
        return failure;
    }

    private void drain() {
        try {
            for (;;) {
                Object r = queue.take();
                if (r == END) {
                    if (failure == null) {
                        try {
                            target.flush();
                        } catch (RuntimeException e) {
                            failure = e;
                        }
                    }
                    return;
                }
                if (failure != null || abandoned) {
                    if (abandoned) {
                        dropped.incrementAndGet();
                    }
                    continue; // keep draining so that producers never block on a dead output
                }
                try {
                    Records.deliver(target, r instanceof WindowReport w ? w.withOutputDropped(dropped.get()) : r);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(Object r) {
        if (lossless) {
            put(r);
        } else if (failure != null || !queue.offer(r)) {
            dropped.incrementAndGet();
        }
    }

    private void put(Object r) {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        try {
            queue.put(r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropped.incrementAndGet();
        }
    }

    /** Windows, flows and alerts are dropped (and counted) when the queue is full, unless lossless. */
    @Override
    protected void pass(Record record) {
        if (record instanceof Summary summary) {
            summary(summary);
        } else {
            offer(record);
        }
    }

    /** Records waiting for the output. */
    public int queued() {
        return queue.size();
    }

    /** The summary waits a while for room (it says what the run did), unless lossless, where it waits. */
    @Override
    public void summary(Summary summary) {
        if (lossless) {
            put(summary);
            return;
        }
        try {
            if (!queue.offer(summary, SUMMARY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                dropped.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (a bounded time) for what is queued to be written, then stops the output thread and closes
     * the target (on this thread). A lossless queue then throws a failure of the output, or says how
     * many records it could not hand over in time.
     */
    @Override
    public void close() {
        try {
            boolean queued;
            if (lossless) {
                queue.put(END);
                queued = true;
            } else {
                queued = queue.offer(END, SUMMARY_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
            if (queued) {
                thread.join(closeWaitMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (lossless && thread.isAlive()) {
            // the output is stuck: what is still queued is counted, not written
            abandoned = true;
            List<Object> rest = new ArrayList<>();
            queue.drainTo(rest);
            dropped.addAndGet(rest.stream().filter(r -> r != END).count());
            queue.offer(END); // the output thread stops once its record returns
        }
        try {
            if (failure == null) {
                target.close();
            }
        } finally {
            if (lossless) {
                try {
                    thread.join(SUMMARY_WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (lossless) {
            if (failure != null) {
                throw failure;
            }
            long lost = dropped.get();
            if (lost > 0) {
                throw new UncheckedIOException(new IOException(lost + " records were not written: the output "
                        + "did not take them within " + closeWaitMillis + " ms of the end"));
            }
        }
    }
}
