package io.portwatch.app.sink;

import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Says when the Kafka cluster goes away and when it is back, one line each. The producer reconnects and
 * retries on its own and says nothing: while the broker is away records wait (in its buffer, in memory
 * or in the spool) and none fails, so without this an outage was invisible while it lasted.
 *
 * <p>Every {@value #CHECK_MILLIS} ms a thread of its own reads the producer's {@code connection-count}
 * metric (connections to brokers, 0 from the moment the last one closes) and the records waiting to be
 * delivered. Records waiting for {@value #GRACE_MILLIS} ms with no connection to any broker is an
 * outage: {@code Kafka broker HOST unreachable, N records waiting}. An acknowledgement after it (or a
 * connection with nothing waiting) ends it: {@code Kafka reachable again}. An idle producer whose idle
 * connections closed is no outage (nothing waits), nor is a reconnection that takes less than the grace.
 * Nothing here blocks the producer: its metrics are read, that is all.
 */
final class KafkaWatch implements AutoCloseable {

    static final long CHECK_MILLIS = 250;
    static final long GRACE_MILLIS = 2000;

    private final LongSupplier connections;
    private final LongSupplier waiting;
    private final LongSupplier acknowledged;
    private final String brokers;
    private final Consumer<String> notice;
    private final ScheduledExecutorService timer;

    private volatile boolean down;
    private volatile boolean closing;
    /** Guarded by the timer's one thread: when records began waiting with no connection, or -1. */
    private long unconnectedSince = -1;
    private long acknowledgedAtDown;

    /**
     * @param connections  the producer's connections to brokers (its {@code connection-count}), -1 when unknown
     * @param waiting      records handed to it and not yet acknowledged or failed
     * @param acknowledged records acknowledged so far
     * @param brokers      the brokers' names for the messages (secrets hidden)
     * @param notice       told each line (without {@code portwatch: }); must be quick
     */
    KafkaWatch(LongSupplier connections, LongSupplier waiting, LongSupplier acknowledged, String brokers,
               Consumer<String> notice) {
        this.connections = Objects.requireNonNull(connections, "connections");
        this.waiting = waiting;
        this.acknowledged = acknowledged;
        this.brokers = (brokers.contains(",") ? "Kafka brokers " : "Kafka broker ") + brokers;
        this.notice = Objects.requireNonNull(notice, "notice");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portwatch-kafka-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The producer is closing: from now on only the end of an outage is said (the close says what still
     * waits, and for how long).
     */
    void closing() {
        closing = true;
    }

    /** Whether an outage was said and its end not yet. */
    boolean down() {
        return down;
    }

    private synchronized void check() {
        try {
            long now = System.nanoTime();
            long w = waiting.getAsLong();
            long c = connections.getAsLong();
            if (!down) {
                if (w > 0 && c == 0 && !closing) {
                    if (unconnectedSince < 0) {
                        unconnectedSince = now;
                    } else if (now - unconnectedSince >= TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS)) {
                        down = true;
                        acknowledgedAtDown = acknowledged.getAsLong();
                        notice.accept(brokers + " unreachable, " + w + (w == 1 ? " record" : " records") + " waiting");
                    }
                } else {
                    unconnectedSince = -1;
                }
            } else if (acknowledged.getAsLong() > acknowledgedAtDown || (c > 0 && w == 0)) {
                down = false;
                unconnectedSince = -1;
                notice.accept("Kafka reachable again");
            }
        } catch (RuntimeException e) {
            // a producer closing under the check: the next one (if any) sees it closed
        }
    }

    /**
     * Stops watching (the producer closed: what did not get through is reported otherwise), after saying
     * the end of an outage that ended since the last check.
     */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (down) {
            check(); // says the end, or nothing (a closed producer has no connections to count)
        }
    }
}
