package io.portwatch.app.sink;

import io.portwatch.app.sink.Ledger.Pending;
import org.apache.kafka.clients.producer.Producer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A delivery's producer sessions ({@link KafkaSession}), one after the other. When the current one is
 * broken off, {@link #takeBack} closes it, waits for its callbacks and takes what it had not delivered out
 * of the ledger; {@link #restart} makes the next producer, at once the first time, then after 1 s, 2 s...
 * up to 30 s while every new one fails (a cluster that refuses every producer is not hammered; the wait
 * goes back to 1 s at the next acknowledgement); once the new session knows those messages' topics,
 * {@link #takeResend} gives them back, oldest first, to be handed before anything newer. Used under the
 * delivery's lock, but {@link #current()} and {@link #retries()}.
 */
final class Sessions {

    private static final long FIRST_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Supplier<Producer<byte[], byte[]>> newProducer;
    private final Runnable learnt;
    private final AtomicLong retriesBefore = new AtomicLong();
    private volatile KafkaSession current;
    private List<Pending> resend;
    private long restartAt;
    private long backoffNanos = FIRST_BACKOFF_NANOS;
    private long lastRetries;

    /**
     * @param first       the first producer
     * @param known       topics whose metadata it has
     * @param newProducer makes the next producers
     * @param learnt      told when a session has fetched a topic's metadata
     */
    Sessions(Producer<byte[], byte[]> first, Set<String> known, Supplier<Producer<byte[], byte[]>> newProducer,
             Runnable learnt) {
        this.newProducer = newProducer;
        this.learnt = learnt;
        this.current = new KafkaSession(1, first, known, learnt);
    }

    KafkaSession current() {
        return current;
    }

    /** Whether messages may be handed to the current session: it works, and nothing is to be sent again first. */
    boolean ready() {
        return resend == null && current.brokenBy() == null;
    }

    /** The messages to be sent again before anything newer, oldest first, or null. */
    List<Pending> resend() {
        return resend;
    }

    /**
     * When the current session is broken and its messages not yet taken back: closes its producer (its
     * callbacks all run), has {@code settle} take them in, and takes the ledger's messages to send them
     * again. Returns why the session broke, or null when there was nothing to do.
     */
    Exception takeBack(Ledger ledger, Runnable settle) {
        KafkaSession old = current;
        if (old.brokenBy() == null || resend != null) {
            return null;
        }
        retriesBefore.addAndGet(lastRetries);
        lastRetries = 0;
        old.close(Duration.ZERO);
        settle.run();
        resend = ledger.takeAll();
        return old.brokenBy();
    }

    /** Starts the next session when it is time (its producer failing to start is told to {@code failed}). */
    void restart(long now, Consumer<RuntimeException> failed) {
        if (resend == null || current.brokenBy() == null || now < restartAt) {
            return;
        }
        Producer<byte[], byte[]> p;
        try {
            p = newProducer.get();
        } catch (RuntimeException e) {
            failed.accept(e);
            restartAt = now + backoffNanos;
            return;
        }
        KafkaSession next = new KafkaSession(current.id() + 1, p, Set.of(), learnt);
        current = next;
        for (Pending q : resend) {
            next.learn(q.record.topic());
        }
        restartAt = now + backoffNanos;
        backoffNanos = Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
    }

    /** The messages to send again, once the new session knows their topics (then null). */
    List<Pending> takeResend() {
        if (resend == null || current.brokenBy() != null
                || !resend.stream().allMatch(p -> current.knows(p.record.topic()))) {
            return null;
        }
        List<Pending> r = resend;
        resend = null;
        return r;
    }

    /** A message was acknowledged: the next restart may come soon again. */
    void acknowledged() {
        backoffNanos = FIRST_BACKOFF_NANOS;
    }

    /** Notes the current producer's retries (its metrics go when it is closed). */
    void sample() {
        lastRetries = current.retries();
    }

    /** Sends the producers retried so far. */
    long retries() {
        return retriesBefore.get() + current.retries();
    }
}
