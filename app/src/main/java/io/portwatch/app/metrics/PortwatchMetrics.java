package io.portwatch.app.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portwatch.capture.decode.DecodeError;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * portwatch's meters, in one Prometheus registry: the meters other parts of the program feed (output
 * queue, Kafka, decode errors by reason), JVM and process meters, and the registry {@link MetricsSink}
 * records into and {@link MetricsServer} serves. Every portwatch meter is named {@code portwatch_*};
 * every tag takes values from a small fixed set (interfaces aside), so the number of series stays bounded.
 * Thread-safe.
 */
public final class PortwatchMetrics implements AutoCloseable {

    /** The {@code reason} of decode errors whose key is not one of {@link DecodeError}'s. */
    public static final String OTHER_REASON = "other";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<DecodeError, Counter> decodeErrors = new EnumMap<>(DecodeError.class);
    private final Counter decodeErrorsOther;
    private final Counter kafkaSent;
    private final Counter kafkaFailed;
    private volatile LongSupplier kafkaRetries = () -> 0;
    private volatile LongSupplier kafkaWaiting = () -> 0;
    private volatile LongSupplier kafkaDropped = () -> 0;
    private volatile LongSupplier kafkaRestarts = () -> 0;
    private volatile LongSupplier spoolRecords = () -> 0;
    private volatile LongSupplier spoolBytes = () -> 0;
    private volatile LongSupplier spoolDropped = () -> 0;
    private final Timer kafkaLatency;
    private final List<Object> suppliers = new CopyOnWriteArrayList<>();

    /** A sensor's: the JVM and process meters, and every fixed sensor meter at zero. */
    public PortwatchMetrics() {
        this(true);
    }

    /**
     * The JVM and process meters only, for a program that is not a sensor (the fleet job, which adds its
     * own meters to {@link #registry()}): a sensor's meters at zero there would only mislead. The sensor's
     * methods ({@link #decodeErrors}, {@code kafka*}, {@link #outputQueue}...) must not be called on it.
     */
    public static PortwatchMetrics withoutSensorMeters() {
        return new PortwatchMetrics(false);
    }

    private PortwatchMetrics(boolean sensor) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (!sensor) {
            decodeErrorsOther = null;
            kafkaSent = null;
            kafkaFailed = null;
            kafkaLatency = null;
            return;
        }

        for (DecodeError e : DecodeError.values()) {
            decodeErrors.put(e, decodeErrorCounter(e.key()));
        }
        decodeErrorsOther = decodeErrorCounter(OTHER_REASON);
        kafkaSent = Counter.builder("portwatch.kafka.records.sent")
                .description("Records the Kafka broker acknowledged").register(registry);
        kafkaFailed = Counter.builder("portwatch.kafka.records.failed")
                .description("Records Kafka failed to send (after the producer's retries)").register(registry);
        FunctionCounter.builder("portwatch.kafka.records.retried", this, m -> m.kafkaRetries.getAsLong())
                .description("Sends the Kafka producer retried").register(registry);
        Gauge.builder("portwatch.kafka.records.waiting", this, m -> m.kafkaWaiting.getAsLong())
                .description("Records waiting in memory for Kafka: handed to the producer and not yet "
                        + "acknowledged, or queued (they pile up while the brokers are away)").register(registry);
        FunctionCounter.builder("portwatch.kafka.records.dropped", this, m -> m.kafkaDropped.getAsLong())
                .description("Records dropped without being sent to Kafka (--kafka-buffer full, or sending stalled)")
                .register(registry);
        FunctionCounter.builder("portwatch.kafka.producer.restarts", this, m -> m.kafkaRestarts.getAsLong())
                .description("Kafka producers started again after one failed (its records not acknowledged sent "
                        + "again)").register(registry);
        Gauge.builder("portwatch.kafka.spool.records", this, m -> m.spoolRecords.getAsLong())
                .description("Records in the Kafka spool (--kafka-spool) waiting to be sent").register(registry);
        Gauge.builder("portwatch.kafka.spool.bytes", this, m -> m.spoolBytes.getAsLong())
                .baseUnit("bytes").description("Bytes of the Kafka spool's files").register(registry);
        FunctionCounter.builder("portwatch.kafka.spool.dropped", this, m -> m.spoolDropped.getAsLong())
                .description("Records dropped because they did not fit the Kafka spool (--kafka-spool-size)")
                .register(registry);
        kafkaLatency = Timer.builder("portwatch.kafka.send.latency")
                .description("Time from handing a record to the Kafka producer to its acknowledgement or failure")
                .register(registry);
    }

    private Counter decodeErrorCounter(String reason) {
        return Counter.builder("portwatch.decode.errors.by.reason")
                .description("Frames that could not be decoded, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    /** The registry, to add meters or read them. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The registry's meters in Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Frames that could not be decoded, counted by reason ({@code portwatch_decode_errors_by_reason_total}).
     *
     * @param reason a {@link DecodeError#key()} such as {@code truncated_ip}; any other key counts as
     *               {@value #OTHER_REASON}
     * @param count  frames to add; 0 or less adds nothing
     */
    public void decodeErrors(String reason, long count) {
        if (count <= 0) {
            return;
        }
        Counter c = decodeErrorsOther;
        for (DecodeError e : DecodeError.values()) {
            if (e.key().equals(reason)) {
                c = decodeErrors.get(e);
                break;
            }
        }
        c.increment(count);
    }

    /** As {@link #decodeErrors(String, long)}, for a reason at hand. */
    public void decodeErrors(DecodeError reason, long count) {
        if (count > 0) {
            decodeErrors.get(reason).increment(count);
        }
    }

    /**
     * The output queue: records waiting ({@code portwatch_output_queue_depth}, read at each scrape) and
     * its capacity ({@code portwatch_output_queue_capacity}). Call once.
     */
    public void outputQueue(IntSupplier depth, int capacity) {
        Gauge.builder("portwatch.output.queue.depth", depth, IntSupplier::getAsInt)
                .description("Records waiting for the output").strongReference(true).register(registry);
        Gauge.builder("portwatch.output.queue.capacity", () -> capacity)
                .description("Records that may wait for the output").register(registry);
    }

    /**
     * Records the output dropped because it fell behind ({@code portwatch_output_dropped_total}): a running
     * total, read at each scrape. Call once.
     */
    public void outputDropped(LongSupplier total) {
        suppliers.add(total); // function counters hold their object weakly
        FunctionCounter.builder("portwatch.output.dropped", total, LongSupplier::getAsLong)
                .description("Records the output dropped because it fell behind").register(registry);
    }

    /**
     * IPFIX export ({@code --ipfix}), running totals read at each scrape: data records sent and lost
     * ({@code portwatch_ipfix_records_total{result="sent"|"lost"}}) and messages sent
     * ({@code portwatch_ipfix_messages_total}). Call once.
     */
    public void ipfix(LongSupplier sent, LongSupplier lost, LongSupplier messages) {
        suppliers.add(sent); // function counters hold their object weakly
        suppliers.add(lost);
        suppliers.add(messages);
        FunctionCounter.builder("portwatch.ipfix.records", sent, LongSupplier::getAsLong).tag("result", "sent")
                .description("IPFIX data records sent to the collector").register(registry);
        FunctionCounter.builder("portwatch.ipfix.records", lost, LongSupplier::getAsLong).tag("result", "lost")
                .description("IPFIX data records that could not be sent").register(registry);
        FunctionCounter.builder("portwatch.ipfix.messages", messages, LongSupplier::getAsLong)
                .description("IPFIX messages sent to the collector").register(registry);
    }

    /**
     * Whether an interface is being captured now ({@code portwatch_capture_up{interface}}, 1 or 0, read
     * at each scrape): 0 while it is down or away and portwatch waits to open it again. Call once per
     * interface.
     */
    public void captureUp(String iface, BooleanSupplier capturing) {
        Gauge.builder("portwatch.capture.up", capturing, c -> c.getAsBoolean() ? 1 : 0).tag("interface", iface)
                .description("Whether the interface is being captured (0 while it is down or away)")
                .strongReference(true).register(registry);
    }

    /** A record the Kafka broker acknowledged, {@code latencyNanos} after it was handed to the producer. */
    public void kafkaSent(long latencyNanos) {
        kafkaSent.increment();
        kafkaLatency.record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
    }

    /** A record Kafka failed to send, {@code latencyNanos} after it was handed to the producer. */
    public void kafkaFailed(long latencyNanos) {
        kafkaFailed.increment();
        kafkaLatency.record(Math.max(0, latencyNanos), TimeUnit.NANOSECONDS);
    }

    /**
     * Sends the Kafka producer retried: a running total (its {@code record-retry-total}), read at each
     * scrape.
     */
    public void kafkaRetries(LongSupplier total) {
        kafkaRetries = java.util.Objects.requireNonNull(total, "total");
    }

    /** Records waiting for Kafka, read at each scrape ({@code portwatch_kafka_records_waiting}). */
    public void kafkaWaiting(LongSupplier now) {
        kafkaWaiting = java.util.Objects.requireNonNull(now, "now");
    }

    /** Records dropped without being sent to Kafka: a running total ({@code portwatch_kafka_records_dropped_total}). */
    public void kafkaDropped(LongSupplier total) {
        kafkaDropped = java.util.Objects.requireNonNull(total, "total");
    }

    /** Kafka producers started again after one failed: a running total ({@code portwatch_kafka_producer_restarts_total}). */
    public void kafkaRestarts(LongSupplier total) {
        kafkaRestarts = java.util.Objects.requireNonNull(total, "total");
    }

    /**
     * The Kafka spool, read at each scrape: records waiting there ({@code portwatch_kafka_spool_records}),
     * its files' bytes ({@code portwatch_kafka_spool_bytes}) and the records that did not fit, a running
     * total ({@code portwatch_kafka_spool_dropped_total}).
     */
    public void kafkaSpool(LongSupplier records, LongSupplier bytes, LongSupplier dropped) {
        spoolRecords = java.util.Objects.requireNonNull(records, "records");
        spoolBytes = java.util.Objects.requireNonNull(bytes, "bytes");
        spoolDropped = java.util.Objects.requireNonNull(dropped, "dropped");
    }

    /** Unbinds the JVM meters and closes the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
