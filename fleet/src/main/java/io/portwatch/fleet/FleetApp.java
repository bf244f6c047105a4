package io.portwatch.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The fleet job running: the {@link FleetTopology} in a {@link KafkaStreams} client. Kafka settings come
 * as {@link Properties} ({@code bootstrap.servers}, TLS and SASL as for any Kafka client:
 * {@code security.protocol}, {@code ssl.*}, {@code sasl.*}; optionally {@code application.id}, default
 * {@value #DEFAULT_APPLICATION_ID}, and {@code state.dir}), over the fleet's defaults ({@link #streamsConfig});
 * {@code processing.guarantee} is always {@code exactly_once_v2}. Instances started with the same
 * application id share the work: each partition of the sensors' topics, and of the fleet's repartition
 * topics, is processed by one of them, and a stopped instance's tasks move to the others, their state
 * restored from the changelogs.
 *
 * <p>Use: {@code new FleetApp(cfg, kafka)}, {@link #start()}, {@link #close(Duration)} (also on shutdown);
 * {@link #metrics()} for the fleet's counters, {@link #streamsMetrics()} for Kafka Streams' own.
 */
public final class FleetApp implements AutoCloseable {

    public static final String DEFAULT_APPLICATION_ID = "portwatch-fleet";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

    private final FleetConfig cfg;
    private final Properties streamsConfig;
    private final FleetMetrics metrics = new FleetMetrics();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch running = new CountDownLatch(1);
    private KafkaStreams streams;

    public FleetApp(FleetConfig cfg, Properties kafka) {
        this.cfg = Objects.requireNonNull(cfg, "cfg");
        this.streamsConfig = streamsConfig(kafka);
        if (streamsConfig.getProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("the fleet needs Kafka's bootstrap servers (--kafka HOST:PORT)");
        }
    }

    /**
     * The Kafka Streams configuration: the fleet's defaults, then {@code kafka} over them, then
     * exactly-once. Defaults: application id {@value #DEFAULT_APPLICATION_ID}, records that do not
     * deserialize logged and skipped, lz4 compression of what the fleet writes.
     */
    public static Properties streamsConfig(Properties kafka) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class.getName());
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        p.putAll(kafka);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return p;
    }

    /**
     * Creates the fleet's topics that are missing ({@link FleetTopics}) and starts processing; returns
     * at once (see {@link #awaitRunning}).
     */
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("already started");
        }
        Properties admin = new Properties();
        for (String name : AdminClientConfig.configNames()) {
            if (streamsConfig.containsKey(name)) {
                admin.put(name, streamsConfig.get(name));
            }
        }
        try (Admin a = Admin.create(admin)) {
            FleetTopics.ensure(a, cfg, ADMIN_TIMEOUT);
        }
        streams = new KafkaStreams(FleetTopology.build(cfg, metrics), streamsConfig);
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
    }

    /** Waits until the instance has its tasks and runs; false when it did not within the timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The client's state (CREATED before {@link #start()}). */
    public synchronized KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /** What stopped a stream thread (and so this instance), or null. */
    public Throwable failure() {
        return failure.get();
    }

    public FleetMetrics metrics() {
        return metrics;
    }

    /** The Kafka Streams client, for metrics binders; null before {@link #start()}. */
    public synchronized KafkaStreams kafkaStreams() {
        return streams;
    }

    /** Kafka Streams' own metrics (empty before {@link #start()}). */
    public synchronized Map<MetricName, ? extends Metric> streamsMetrics() {
        return streams == null ? Map.of() : streams.metrics();
    }

    public FleetConfig config() {
        return cfg;
    }

    /**
     * Stops: finishes the records in hand, commits, and leaves the group so that the other instances
     * take the tasks over at once. True when it stopped within the timeout.
     */
    public synchronized boolean close(Duration timeout) {
        if (streams == null) {
            return true;
        }
        return streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
