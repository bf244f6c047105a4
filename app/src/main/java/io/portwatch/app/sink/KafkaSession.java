package io.portwatch.app.sink;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownProducerIdException;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Kafka producer's life in a sink. The idempotent producer delivers each record once and in order
 * while it lives; when it reports a failure that retrying cannot mend (a batch expired, out of sequence,
 * an unknown producer id), the session is broken off at once, from the callback that tells it: closing
 * the producer there stops every later batch of it, so none of them reaches the broker ahead of the failed
 * one. The sink then sends what was not acknowledged again, in order, with a new session.
 *
 * <p>A new producer knows no topic: its first send of a topic would wait (up to {@code max.block.ms}) for
 * the topic's metadata, with the broker perhaps away. A thread of the session's own fetches it instead
 * ({@link #learn}), trying again until the broker answers, and says so through a callback; the sink
 * sends a topic's records once the session {@link #knows} it.
 */
final class KafkaSession {

    private static final long RETRY_MILLIS = 500;

    private final int id;
    private final Producer<byte[], byte[]> producer;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<String> toLearn = new LinkedBlockingQueue<>();
    private final AtomicReference<Exception> broken = new AtomicReference<>();
    private final Runnable learnt;
    private volatile boolean closed;
    private Thread learner;

    /**
     * @param id       the session's number in its sink (1 for the first)
     * @param producer its producer, which it closes
     * @param known    topics whose metadata the producer already has
     * @param learnt   told (on the session's thread) when a topic's metadata has come
     */
    KafkaSession(int id, Producer<byte[], byte[]> producer, Set<String> known, Runnable learnt) {
        this.id = id;
        this.producer = producer;
        this.known.addAll(known);
        this.asked.addAll(known);
        this.learnt = learnt;
    }

    int id() {
        return id;
    }

    Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** Whether the producer has {@code topic}'s metadata, so that sending to it does not wait. */
    boolean knows(String topic) {
        return known.contains(topic);
    }

    /** Has the producer fetch {@code topic}'s metadata, on the session's thread (once). */
    synchronized void learn(String topic) {
        if (closed || !asked.add(topic)) {
            return;
        }
        toLearn.add(topic);
        if (learner == null) {
            learner = new Thread(this::learnLoop, "portwatch-kafka-metadata-" + id);
            learner.setDaemon(true);
            learner.start();
        }
    }

    private void learnLoop() {
        try {
            while (!closed) {
                String topic = toLearn.take();
                while (!closed) {
                    try {
                        producer.partitionsFor(topic); // waits up to max.block.ms for the broker
                        known.add(topic);
                        learnt.run();
                        break;
                    } catch (KafkaException e) {
                        if (closed || broken.get() != null) {
                            return;
                        }
                        Thread.sleep(RETRY_MILLIS); // the broker away, or the topic not yet known there
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /**
     * Whether a failed message ends its session (and is sent again by a new one): a failure that comes of
     * the producer's or the broker's state (expired, out of sequence, unknown producer, aborted with its
     * producer), not of the message (too large, not authorized, invalid), which would fail again.
     */
    static boolean ends(Exception e) {
        return e instanceof RetriableException || e instanceof OutOfOrderSequenceException
                || e instanceof UnknownProducerIdException || e instanceof InvalidProducerEpochException
                || e instanceof ProducerFencedException || e.getClass() == KafkaException.class;
    }

    /** Why it was broken off, or null while it works. */
    Exception brokenBy() {
        return broken.get();
    }

    /**
     * Breaks the session off because of {@code cause}, the first time: its producer is closed at once
     * (on its I/O thread, as a callback may do, the producer only stops; elsewhere it is also waited for).
     * Every record it had not delivered then fails to its callback.
     */
    void breakOff(Exception cause) {
        if (broken.compareAndSet(null, cause)) {
            closeProducer(Duration.ZERO);
        }
    }

    /** Closes the producer within {@code timeout} (what is not delivered by then fails to its callbacks). */
    void close(Duration timeout) {
        closeProducer(timeout);
    }

    private void closeProducer(Duration timeout) {
        Thread l;
        synchronized (this) {
            closed = true;
            l = learner;
        }
        if (l != null) {
            l.interrupt();
        }
        try {
            producer.close(timeout);
        } catch (RuntimeException e) {
            // closed twice, or interrupted: what it had is failed to the callbacks either way
        }
    }

    /** Sends the producer retried (its {@code record-retry-total}), 0 when it does not say (or is closed). */
    long retries() {
        return metric("record-retry-total");
    }

    /** The producer's connections to brokers, or -1 when it does not say. */
    long connections() {
        return metric("connection-count");
    }

    private long metric(String name) {
        try {
            for (Map.Entry<MetricName, ? extends Metric> m : producer.metrics().entrySet()) {
                if (m.getKey().name().equals(name) && m.getKey().group().equals("producer-metrics")
                        && m.getValue().metricValue() instanceof Number n) {
                    return n.longValue();
                }
            }
        } catch (RuntimeException e) {
            // a closed producer
        }
        return name.equals("connection-count") ? -1 : 0;
    }
}
