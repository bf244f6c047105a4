package io.portwatch.app.sink;

import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.WindowReport;
import io.portwatch.capture.flow.FlowRecord;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands records over from capture threads to one output thread through a bounded queue, so that
 * writing (a slow terminal, a pipe, later a broker) never runs on a capture thread. When the output
 * falls behind and the queue is full, windows and flows are dropped and counted (every window record
 * that does get out says how many so far); summaries wait for room, a bounded time. Thread-safe.
 */
public final class QueuedSink implements RecordSink {

    private static final Object END = new Object();
    private static final long SUMMARY_WAIT_MILLIS = 5_000;

    private final RecordSink target;
    private final BlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile RuntimeException failure;

    /**
     * @param target   the sink that writes; only the output thread calls it
     * @param capacity records that may wait
     */
    public QueuedSink(RecordSink target, int capacity) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::drain, "portwatch-output");
        this.thread.setDaemon(true);
        this.thread.start();
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
                if (failure != null) {
                    continue; // keep draining so that producers never block on a dead output
                }
                try {
                    if (r instanceof WindowReport w) {
                        target.window(w.withOutputDropped(dropped.get()));
                    } else if (r instanceof FlowRecord f) {
                        target.flow(f);
                    } else if (r instanceof Summary s) {
                        target.summary(s);
                    }
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void offer(Object r) {
        if (failure != null || !queue.offer(r)) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public void window(WindowReport report) {
        offer(report);
    }

    @Override
    public void flow(FlowRecord flow) {
        offer(flow);
    }

    @Override
    public void summary(Summary summary) {
        try {
            if (!queue.offer(summary, SUMMARY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                dropped.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (a bounded time) for what is queued to be written, then stops the output thread. */
    @Override
    public void close() {
        try {
            if (queue.offer(END, SUMMARY_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                thread.join(SUMMARY_WAIT_MILLIS * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure == null) {
            target.close();
        }
    }
}
