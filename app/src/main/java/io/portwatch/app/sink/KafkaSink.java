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
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.TimeoutException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Delivery: {@code send()} hands records to the producer, which batches, compresses and retries
 * them on its own thread; this sink must itself run on an output thread ({@link QueuedSink}), never on
 * a capture thread. While the broker is away records wait in the producer's buffer. In a
 * <em>bounded</em> sink (live capture) at most {@code maxPending} records wait: beyond that new ones
 * are dropped at once, so the output thread never stalls. In a <em>lossless</em> sink (files) sending
 * waits for room instead (the producer's {@code max.block.ms}). Either way, after a send timed out
 * waiting for room, records are dropped at once until the broker acknowledges one again. Records
 * dropped, or failed after the producer's retries, are counted: every window record sent afterwards
 * adds them to its {@code output_dropped}, and {@link #close()} reports the total through
 * {@code onLoss}. Closing waits at most the close timeout for records on their way.
 *
 * <p>An outage is said while it lasts ({@link KafkaWatch}, through {@code onNotice}): when the brokers
 * become unreachable with records waiting, and when they are back; {@link #waiting()} counts the records
 * waiting (for a gauge). At close, records still waiting after a moment are said too ({@code waiting up
 * to 30s for Kafka (N records)}, the close timeout), so that a stop that waits does not look hung.
 *
 * <p>The record methods are called from one thread; {@link #close()} and the counters may be called
 * from another.
 */
public final class KafkaSink implements RecordSink {

    /** At close, how long records may still be on their way before {@code onNotice} is told. */
    static final long CLOSE_NOTICE_MILLIS = 1000;

    private final Producer<byte[], byte[]> producer;
    private final RecordEncoder encoder;
    private final KafkaTopics topics;
    private final int topN;
    private final long maxPending;
    private final Duration closeTimeout;
    private final String where;
    private final java.util.function.UnaryOperator<String> mask;
    private final Consumer<String> onLoss;
    private final Consumer<String> onNotice;
    private final KafkaWatch watch;

    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(2048);
    private final JsonGenerator gen;

    private final AtomicLong records = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong pending = new AtomicLong();
    private volatile String firstError;
    private volatile boolean stalled;
    private volatile boolean closed;
    private volatile DeliveryListener listener = DeliveryListener.NONE;

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
        this.producer = Objects.requireNonNull(producer, "producer");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.topics = Objects.requireNonNull(topics, "topics");
        if (topN < 0 || maxPending < 0) {
            throw new IllegalArgumentException("topN and maxPending must be 0 or more");
        }
        this.topN = topN;
        this.maxPending = maxPending;
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        this.where = "Kafka at " + settings.mask(settings.bootstrap());
        this.mask = settings::mask;
        this.onLoss = Objects.requireNonNull(onLoss, "onLoss");
        this.onNotice = Objects.requireNonNull(onNotice, "onNotice");
        try {
            this.gen = JsonLinesSink.newGenerator(buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.watch = new KafkaWatch(producer, pending::get, acked::get, settings.mask(settings.bootstrap()),
                onNotice);
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
        long lost = dropped.get() + failed.get();
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
        byte[] value;
        try {
            gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array: cannot happen
        }
        value = buf.toByteArray();
        buf.reset();
        records.incrementAndGet();
        if (closed || stalled || (maxPending > 0 && pending.get() >= maxPending)) {
            dropped.incrementAndGet();
            return;
        }
        pending.incrementAndGet();
        long handed = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                    (metadata, e) -> completed(e, handed));
        } catch (RuntimeException e) {
            // not an ApiException (those go to the callback): interrupted, closed, misconfigured
            pending.decrementAndGet();
            failed.incrementAndGet();
            listener.failed(System.nanoTime() - handed);
            remember(e);
        }
    }

    private void completed(Exception e, long handed) {
        pending.decrementAndGet();
        long latency = System.nanoTime() - handed;
        if (e == null) {
            acked.incrementAndGet();
            stalled = false;
            listener.delivered(latency);
        } else {
            failed.incrementAndGet();
            listener.failed(latency);
            if (e instanceof TimeoutException) {
                stalled = true; // no room for a while: drop at once until the broker answers again
            }
            remember(e);
        }
    }

    private void remember(Throwable e) {
        if (firstError == null && !closed) { // at close, the count says it all
            String m = e.getMessage();
            firstError = mask.apply(e.getClass().getSimpleName() + (m == null ? "" : ": " + m.strip().replace('\n', ' ')));
        }
    }

    /** From now on tells {@code l} of each record's outcome (e.g. to feed metrics). */
    public void listener(DeliveryListener l) {
        listener = Objects.requireNonNull(l, "listener");
    }

    /**
     * Sends the producer retried so far (its {@code record-retry-total} metric); 0 when the producer
     * does not say.
     */
    public long retries() {
        try {
            for (Map.Entry<MetricName, ? extends Metric> m : producer.metrics().entrySet()) {
                if (m.getKey().name().equals("record-retry-total") && m.getKey().group().equals("producer-metrics")
                        && m.getValue().metricValue() instanceof Number n) {
                    return n.longValue();
                }
            }
        } catch (RuntimeException e) {
            // a closed producer: no more retries
        }
        return 0;
    }

    /** Records handed to the producer and not yet acknowledged or failed: in its buffer or on their way. */
    public long waiting() {
        return pending.get();
    }

    /** Records given to this sink. */
    public long records() {
        return records.get();
    }

    /** Records the broker acknowledged. */
    public long delivered() {
        return acked.get();
    }

    /** Records that failed after the producer's retries (or could not be handed to it). */
    public long failed() {
        return failed.get();
    }

    /** Records dropped without being sent: the bound was reached, sending was stalled, or the sink closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Sending happens on the producer's own thread: nothing to do here (see {@link #close()}). */
    @Override
    public void flush() {
    }

    /**
     * Waits at most the close timeout for the records on their way (saying so through {@code onNotice}
     * when some are still waiting after {@value #CLOSE_NOTICE_MILLIS} ms, or at once while the brokers are
     * unreachable), closes the producer (what is still not delivered then fails), and tells {@code onLoss}
     * when any record was not delivered.
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
        while (!away && pending.get() > 0 && System.nanoTime() < quiet) {
            try {
                Thread.sleep(5); // a healthy cluster acknowledges what is on its way within milliseconds
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long waiting = pending.get();
        if (waiting > 0) {
            onNotice.accept("waiting up to " + duration(closeTimeout) + " for Kafka (" + waiting
                    + (waiting == 1 ? " record)" : " records)"));
        }
        long failedBefore = failed.get();
        try {
            producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
            remember(e);
        }
        watch.close();
        long atClose = failed.get() - failedBefore; // still on their way when the close timeout ran out
        long total = records.get();
        long lost = total - acked.get();
        if (lost > 0) {
            StringBuilder sb = new StringBuilder("kafka: ").append(lost).append(" of ").append(total)
                    .append(" records were not delivered to ").append(where).append(':');
            String sep = " ";
            long d = dropped.get();
            if (d > 0) {
                sb.append(sep).append(d).append(" dropped while it did not take them");
                if (maxPending > 0) {
                    sb.append(" (at most ").append(maxPending).append(" may wait)");
                }
                sep = ", ";
            }
            if (failedBefore > 0) {
                sb.append(sep).append(failedBefore).append(" failed");
                if (firstError != null) {
                    sb.append(" (first error: ").append(firstError).append(')');
                }
                sep = ", ";
            }
            if (atClose > 0) {
                sb.append(sep).append(atClose).append(" still on their way when the close timeout (")
                        .append(duration(closeTimeout)).append(") ran out");
            }
            onLoss.accept(sb.toString());
        }
    }

    /** {@code 30s}, or {@code 500ms} when not whole seconds. */
    private static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
