package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.app.sink.spool.Spool;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Sends records to Kafka, one message per record, the value encoded by a {@link RecordEncoder}
 * (exactly the bytes of a line of {@code --format json} or {@code ecs}, without the newline).
 *
 * <p>Topics and keys: per-port statistics go to {@link KafkaTopics#ports()} keyed
 * {@code transport/port} (so all windows of a port are in one partition, in order); window and summary
 * records go there too, keyed {@code window/<input>} and {@code summary/<input>}; flows go to
 * {@link KafkaTopics#flows()} keyed by Community ID; alerts go to {@link KafkaTopics#alerts()} keyed by
 * their source address ({@link KafkaKeys#alertKey}), or, when an alert names no single source (a SYN
 * flood from many), by its target, else with no key; a window's scan evidence goes there too, keyed by
 * its source, so that a source's evidence and alerts share a partition, in order.
 *
 * <p>Delivery is {@link KafkaDelivery}'s: records reach the broker in the order given, each once while a
 * producer lives; a producer that fails is replaced and what it had not delivered is sent again. This
 * sink must itself run on an output thread ({@link QueuedSink}), never on a capture thread. While the
 * broker is away records wait: in a <em>bounded</em> sink (live capture) at most {@code maxPending} in
 * memory, beyond which new ones are dropped at once (the output thread never stalls), or go to the
 * spool on disk when there is one; in a <em>lossless</em> sink (files) sending waits for room instead (the
 * producer's {@code max.block.ms}), after which records are dropped at once until the broker acknowledges
 * one again. Records dropped, not fitting the spool, or failed (a record the broker refuses for itself) are
 * counted: every window record sent afterwards adds them to its {@code output_dropped}, and {@link
 * #close()} reports the total through {@code onLoss}. Closing waits at most the close timeout for records
 * on their way; with a spool, what is still waiting then stays there for the next run.
 *
 * <p>An outage is said while it lasts ({@link KafkaWatch}, through {@code onNotice}): when the brokers
 * become unreachable with records waiting, and when they are back; {@link #waiting()} counts the records
 * waiting in memory (for a gauge), {@link #spooled()} those on disk. At close, records still waiting
 * after a moment are said too ({@code waiting up to 30s for Kafka (N records)}, the close timeout), so that
 * a stop that waits does not look hung.
 *
 * <p>The record methods are called from one thread; {@link #close()} and the counters may be called
 * from another.
 */
public final class KafkaSink implements RecordSink {

    /** At close, how long records may still be on their way before {@code onNotice} is told. */
    static final long CLOSE_NOTICE_MILLIS = 1000;

    private final RecordEncoder encoder;
    private final KafkaTopics topics;
    private final int topN;
    private final long maxPending;
    private final Duration closeTimeout;
    private final String where;
    private final Consumer<String> onLoss;
    private final Consumer<String> onNotice;
    private final KafkaDelivery delivery;
    private final DeliveryCounts counts;
    private final KafkaWatch watch;

    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(2048);
    private final JsonGenerator gen;

    private volatile boolean closed;

    /** Told of each record's outcome, on the producer's I/O thread; implementations must be quick. */
    public interface DeliveryListener {
        /** Does nothing. */
        DeliveryListener NONE = of(latency -> { }, latency -> { });

        /** A listener of two functions of the latency in nanoseconds. */
        static DeliveryListener of(LongConsumer delivered, LongConsumer failed) {
            return new DeliveryListener() {
                @Override
                public void delivered(long latencyNanos) {
                    delivered.accept(latencyNanos);
                }

                @Override
                public void failed(long latencyNanos) {
                    failed.accept(latencyNanos);
                }
            };
        }

        /** The broker acknowledged a record {@code latencyNanos} after it was handed to the producer. */
        void delivered(long latencyNanos);

        /** A record failed (after the producer's retries) {@code latencyNanos} after it was handed over. */
        void failed(long latencyNanos);
    }

    /**
     * @param producer     the producer; this sink closes it
     * @param encoder      the record format
     * @param topics       where records go
     * @param topN         at most this many ports per window, busiest first; 0 for all
     * @param maxPending   records that may wait for the broker before new ones are dropped; 0: no bound
     *                     (lossless: sending waits for room in the producer's buffer)
     * @param closeTimeout how long {@link #close()} waits for records on their way
     * @param settings     for the servers' name and hiding secrets in messages
     * @param onLoss       told at close, in one line, when records were not delivered (it may throw)
     */
    public KafkaSink(Producer<byte[], byte[]> producer, RecordEncoder encoder, KafkaTopics topics, int topN,
                     long maxPending, Duration closeTimeout, KafkaSettings settings, Consumer<String> onLoss) {
        this(producer, encoder, topics, topN, maxPending, closeTimeout, settings, onLoss, message -> { });
    }

    /**
     * As above, and
     *
     * @param onNotice told, in one line each, when the brokers become unreachable and reachable again, and
     *                 at close when records are still waiting; called on a thread of the sink's or the
     *                 closing thread, it must be quick
     */
    public KafkaSink(Producer<byte[], byte[]> producer, RecordEncoder encoder, KafkaTopics topics, int topN,
                     long maxPending, Duration closeTimeout, KafkaSettings settings, Consumer<String> onLoss,
                     Consumer<String> onNotice) {
        this(producer, encoder, topics, topN, maxPending, closeTimeout, settings, onLoss, onNotice, null, Set.of());
    }

    /**
     * As above, and
     *
     * @param spool the spool where records wait while the broker is away (this sink closes it), or null
     * @param known topics whose metadata {@code producer} already has
     */
    public KafkaSink(Producer<byte[], byte[]> producer, RecordEncoder encoder, KafkaTopics topics, int topN,
                     long maxPending, Duration closeTimeout, KafkaSettings settings, Consumer<String> onLoss,
                     Consumer<String> onNotice, Spool spool, Set<String> known) {
        Objects.requireNonNull(producer, "producer");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.topics = Objects.requireNonNull(topics, "topics");
        if (topN < 0 || maxPending < 0) {
            throw new IllegalArgumentException("topN and maxPending must be 0 or more");
        }
        this.topN = topN;
        this.maxPending = maxPending;
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        this.where = "Kafka at " + settings.mask(settings.bootstrap());
        this.onLoss = Objects.requireNonNull(onLoss, "onLoss");
        this.onNotice = Objects.requireNonNull(onNotice, "onNotice");
        try {
            this.gen = JsonLinesSink.newGenerator(buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Duration maxBlock = Duration.ofMillis(Long.parseLong(String.valueOf(
                settings.producerConfig().getOrDefault(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"))));
        this.delivery = new KafkaDelivery(producer, known, settings::newProducer, maxPending, maxBlock, spool,
                settings::mask, onNotice);
        this.counts = delivery.counts();
        this.watch = new KafkaWatch(delivery::connections, () -> counts.waiting() + counts.spooled(),
                counts::delivered, settings.mask(settings.bootstrap()), onNotice);
    }

    @Override
    public void window(WindowReport report) {
        for (PortStats p : report.top(topN)) {
            try {
                encoder.portStats(gen, report, p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            send(topics.ports(), KafkaKeys.portKey(p));
        }
        for (ServiceStats s : report.services()) {
            try {
                encoder.service(gen, report, s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            send(topics.ports(), KafkaKeys.serviceKey(s));
        }
        for (ScanEvidence e : report.scanEvidence()) {
            try {
                encoder.scanEvidence(gen, report, e);
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
            send(topics.alerts(), KafkaKeys.alertKey(e.source()));
        }
        long lost = counts.lost();
        WindowReport w = lost == 0 ? report : report.withOutputDropped(report.outputDropped() + lost);
        try {
            encoder.window(gen, w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        send(topics.ports(), KafkaKeys.windowKey(report.input()));
    }

    @Override
    public void flow(FlowRecord flow) {
        try {
            encoder.flow(gen, flow);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        send(topics.flows(), flow.communityId());
    }

    @Override
    public void alert(Alert alert) {
        try {
            encoder.alert(gen, alert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String by = alert.source() != null ? alert.source() : alert.target();
        send(topics.alerts(), by == null ? null : KafkaKeys.alertKey(by));
    }

    @Override
    public void summary(Summary summary) {
        try {
            encoder.summary(gen, summary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        send(topics.ports(), KafkaKeys.summaryKey(summary.input()));
    }

    /** Sends what the generator holds, with {@code key} (null: none). */
    private void send(String topic, String key) {
        try {
            gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array: cannot happen
        }
        byte[] value = buf.toByteArray();
        buf.reset();
        delivery.offer(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** From now on tells {@code l} of each record's outcome (e.g. to feed metrics). */
    public void listener(DeliveryListener l) {
        counts.listener(Objects.requireNonNull(l, "listener"));
    }

    /** Sends the producers retried so far (their {@code record-retry-total} metric); 0 when they do not say. */
    public long retries() {
        return delivery.retries();
    }

    /** Records waiting in memory for the broker: handed to the producer and not yet acknowledged, or queued. */
    public long waiting() {
        return counts.waiting();
    }

    /** Records in the spool waiting to be sent (0 without a spool). */
    public long spooled() {
        return counts.spooled();
    }

    /** Bytes of the spool's files (0 without a spool). */
    public long spoolBytes() {
        return counts.spoolBytes();
    }

    /** Records that did not fit the spool (its size limit, or a disk that refused them). */
    public long spoolDropped() {
        return counts.spoolDropped();
    }

    /** Producers started again after one failed (their unacknowledged records sent again). */
    public long restarts() {
        return counts.restarts();
    }

    /** Records given to this sink. */
    public long records() {
        return counts.records();
    }

    /** Records the broker acknowledged (those an earlier run left in the spool included). */
    public long delivered() {
        return counts.delivered();
    }

    /** Records the broker refused (or that could not be handed to the producer), and without a spool those still waiting at close. */
    public long failed() {
        return counts.failed();
    }

    /** Records dropped without being sent: no room in memory, sending stalled, or the sink closed. */
    public long dropped() {
        return counts.dropped();
    }

    /** Sending happens on threads of its own: nothing to do here (see {@link #close()}). */
    @Override
    public void flush() {
    }

    /**
     * Waits at most the close timeout for the records on their way (saying so through {@code onNotice}
     * when some are still waiting after {@value #CLOSE_NOTICE_MILLIS} ms, or at once while the brokers are
     * unreachable), closes the producer, and tells {@code onLoss} when any record was not delivered: what
     * is still not delivered then is counted, or, with a spool, stays there for the next run (said through
     * {@code onNotice}).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        watch.closing(); // it goes on while the producer closes, to say the brokers' return
        boolean away = watch.down();
        long deadline = started + closeTimeout.toNanos();
        long quiet = started + Math.min(closeTimeout.toNanos(), TimeUnit.MILLISECONDS.toNanos(CLOSE_NOTICE_MILLIS));
        delivery.stopTaking();
        long noticeAt = away ? started : quiet;
        boolean said = false;
        while (counts.waiting() + counts.spooled() > 0 && System.nanoTime() < deadline) {
            if (!said && System.nanoTime() >= noticeAt) {
                said = sayWaiting();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!said && counts.waiting() + counts.spooled() > 0) {
            sayWaiting();
        }
        KafkaDelivery.Closed end = delivery.finish(deadline);
        watch.close();
        Spool spool = delivery.spool();
        if (end.leftInSpool() > 0) {
            onNotice.accept("kafka: " + end.leftInSpool() + (end.leftInSpool() == 1 ? " record waits" : " records wait")
                    + " in the spool " + spool.dir() + " for the next run");
        }
        long lost = counts.lost();
        if (lost > 0) {
            StringBuilder sb = new StringBuilder("kafka: ").append(lost).append(" of ").append(counts.records())
                    .append(" records were not delivered to ").append(where).append(':');
            String sep = " ";
            long d = counts.dropped();
            if (d > 0) {
                sb.append(sep).append(d).append(" dropped while it did not take them");
                if (maxPending > 0) {
                    sb.append(" (at most ").append(maxPending).append(" may wait)");
                }
                sep = ", ";
            }
            long sd = counts.spoolDropped();
            if (sd > 0) {
                sb.append(sep).append(sd).append(" did not fit the spool ").append(spool.dir()).append(" (")
                        .append(spool.limit()).append(" bytes)");
                sep = ", ";
            }
            long failedBefore = counts.failed() - end.atClose();
            if (failedBefore > 0) {
                sb.append(sep).append(failedBefore).append(" failed");
                if (counts.firstError() != null) {
                    sb.append(" (first error: ").append(counts.firstError()).append(')');
                }
                sep = ", ";
            }
            if (end.atClose() > 0) {
                sb.append(sep).append(end.atClose()).append(" still on their way when the close timeout (")
                        .append(duration(closeTimeout)).append(") ran out");
            }
            onLoss.accept(sb.toString());
        }
    }

    private boolean sayWaiting() {
        long waiting = counts.waiting() + counts.spooled();
        onNotice.accept("waiting up to " + duration(closeTimeout) + " for Kafka (" + waiting
                + (waiting == 1 ? " record)" : " records)"));
        return true;
    }

    /** {@code 30s}, or {@code 500ms} when not whole seconds. */
    private static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
