package io.portwatch.app.cli;

import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.app.sink.JsonLinesSink;
import io.portwatch.app.sink.KafkaSettings;
import io.portwatch.app.sink.KafkaSink;
import io.portwatch.app.sink.KafkaTopics;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.QueuedSink;
import io.portwatch.app.sink.RecordEncoder;
import io.portwatch.app.sink.TableSink;
import io.portwatch.app.sink.TeeSink;
import io.portwatch.app.sink.spool.Spool;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where and how records are written, shared by the commands that analyse traffic: standard output
 * (a table, JSON lines or ECS lines) and/or Apache Kafka.
 */
public final class OutputOptions {

    /** Output formats. */
    public enum Format { table, json, ecs }

    /** Records a file read may have waiting for Kafka (the reader waits beyond it). */
    private static final int FILE_QUEUE = 8192;

    /** Whether alerts will be written (detection on): their Kafka topic is then checked at start. */
    boolean alerts = true;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "table, json (JSON lines) or ecs (Elastic Common Schema JSON lines). "
                    + "Default: table on a terminal, json otherwise. With --kafka: the records' format on Kafka "
                    + "unless --kafka-format is given.")
    Format format;

    @Option(names = "--flows", negatable = true, description = "Also report each finished flow.")
    boolean flows;

    @Option(names = "--top", paramLabel = "N",
            description = "Report the N busiest ports of each window (0: all), and in a table at most N rows of "
                    + "alerts (by kind and source). Default: 25 in a table, all in JSON.")
    Integer top;

    @Option(names = "--top-talkers", paramLabel = "N", defaultValue = "5",
            description = "Report each port's N top clients and N top servers of each window, by packets and by "
                    + "bytes (0: none). Exact while a port has at most 64 of them. Default: ${DEFAULT-VALUE}.")
    int topTalkers;

    @Option(names = "--sensor", paramLabel = "NAME", description = "Sensor name in JSON records. Default: the host name.")
    String sensor;

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
            description = "Send records to the Kafka cluster at host:port[,host:port...] instead of standard output.")
    String kafka;

    @Option(names = "--stdout", negatable = true, description = "With --kafka: write to standard output as well.")
    boolean stdout;

    @Option(names = "--kafka-format", paramLabel = "FORMAT",
            description = "json or ecs: the records' format on Kafka. Default: --format when it is json or ecs, else json.")
    RecordEncoder.Format kafkaFormat;

    @Option(names = "--topic-ports", paramLabel = "TOPIC", defaultValue = KafkaTopics.DEFAULT_PORTS,
            description = "Topic of per-port statistics, keyed transport/port; window and summary records too "
                    + "(keyed window/INPUT, summary/INPUT). Default: ${DEFAULT-VALUE}.")
    String topicPorts;

    @Option(names = "--topic-flows", paramLabel = "TOPIC", defaultValue = KafkaTopics.DEFAULT_FLOWS,
            description = "Topic of flow records (--flows), keyed by Community ID. Default: ${DEFAULT-VALUE}.")
    String topicFlows;

    @Option(names = "--topic-alerts", paramLabel = "TOPIC", defaultValue = KafkaTopics.DEFAULT_ALERTS,
            description = "Topic of alerts, keyed by source address (checked at start unless --no-detect). "
                    + "Default: ${DEFAULT-VALUE}.")
    String topicAlerts;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "A Kafka producer setting (repeatable), e.g. security.protocol=SASL_SSL; over --kafka-config.")
    List<String> kafkaProperties;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka producer settings from a Java properties file (TLS, SASL, tuning).")
    Path kafkaConfig;

    @Option(names = "--kafka-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "10s",
            description = "How long to wait at start for the cluster to answer. Default: ${DEFAULT-VALUE}.")
    long kafkaTimeoutNanos;

    @Option(names = "--kafka-close-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "30s",
            description = "How long to wait at the end for records still on their way. Default: ${DEFAULT-VALUE}.")
    long kafkaCloseTimeoutNanos;

    @Option(names = "--kafka-buffer", paramLabel = "N", defaultValue = "" + KafkaSettings.DEFAULT_MAX_PENDING,
            description = "live (and read with --kafka-spool): records that may wait in memory while the broker is "
                    + "away; beyond it they go to --kafka-spool, or are dropped and counted. Default: ${DEFAULT-VALUE}.")
    int kafkaMaxPending;

    @Option(names = "--kafka-spool", paramLabel = "DIR",
            description = "Records that cannot reach Kafka (the broker away for 5 s, or --kafka-buffer full) wait "
                    + "in this directory, on disk, and are sent in order when it is back, also by the next run "
                    + "(which sends them first). Created if missing.")
    Path kafkaSpool;

    @Option(names = "--kafka-spool-size", paramLabel = "SIZE", converter = SizeConverter.Large.class,
            defaultValue = "1GiB",
            description = "The most the spool's files may hold; records beyond it are dropped and counted. "
                    + "Default: ${DEFAULT-VALUE}.")
    long kafkaSpoolSize;

    /** The smallest spool taken. */
    static final long MIN_SPOOL = 64L << 10;

    /** Set when a live output told of records it could not deliver (Kafka): the run then exits 3. */
    private volatile boolean undelivered;

    /** Whether records could not be delivered (Kafka, live: told at close; a file read throws instead). */
    boolean undelivered() {
        return undelivered;
    }

    Format format() {
        return format != null ? format : (System.console() != null ? Format.table : Format.json);
    }

    String sensorName() {
        return sensor != null ? sensor : Hosts.localName();
    }

    private int topN(boolean table) {
        return top != null ? top : (table ? 25 : 0);
    }

    /**
     * Checks the options (and reads {@code --kafka-config}) without opening anything: call it before
     * anything starts.
     *
     * @throws CommandLine.ParameterException for invalid options
     */
    /** {@code --top-talkers}, checked. */
    int topTalkers(CommandLine cmd) {
        if (topTalkers < 0) {
            throw new CommandLine.ParameterException(cmd, "--top-talkers must be 0 or more: " + topTalkers);
        }
        return topTalkers;
    }

    void validate(CommandLine cmd) {
        kafkaSettings(cmd);
    }

    /** The Kafka settings, or null without {@code --kafka}; checks every output option. */
    private KafkaSettings kafkaSettings(CommandLine cmd) {
        if (top != null && top < 0) {
            throw new CommandLine.ParameterException(cmd, "--top must be 0 or more: " + top);
        }
        if (kafka == null) {
            requireKafkaFor(cmd);
            return null;
        }
        if (kafkaMaxPending < 1) {
            throw new CommandLine.ParameterException(cmd, "--kafka-buffer must be at least 1: " + kafkaMaxPending);
        }
        if (kafkaSpoolSize < MIN_SPOOL) {
            throw new CommandLine.ParameterException(cmd, "--kafka-spool-size must be at least 64KiB: " + kafkaSpoolSize);
        }
        if (format == Format.table && !stdout && kafkaFormat == null) {
            throw new CommandLine.ParameterException(cmd,
                    "--format table cannot go to Kafka: use --kafka-format json|ecs (and --stdout for the table)");
        }
        return settings(cmd);
    }

    /** As {@link #open(CommandLine, boolean, PortwatchMetrics)} without metrics. */
    RecordSink open(CommandLine cmd, boolean live) {
        return open(cmd, live, null);
    }

    /**
     * Where the records go: standard output, Kafka, or both. A Kafka output is checked first (the
     * cluster answers, the topics exist); for a file read ({@code live} false) it comes behind a
     * lossless queue, so that sending runs on an output thread; a live command puts its own queue in
     * front.
     *
     * @param live    a live table redraws in place on a terminal; ECS names the interface
     * @param metrics when not null, told of each Kafka record's delivery, failure and latency, and of the
     *                producer's retries
     * @throws CommandLine.ParameterException for invalid options
     * @throws OutputUnavailableException     when Kafka cannot be reached or a topic is missing
     */
    RecordSink open(CommandLine cmd, boolean live, PortwatchMetrics metrics) {
        KafkaSettings settings = kafkaSettings(cmd);
        if (settings == null) {
            return stdoutSink(format(), live);
        }
        RecordEncoder.Format kf = kafkaFormat != null ? kafkaFormat
                : format == Format.ecs ? RecordEncoder.Format.ecs : RecordEncoder.Format.json;
        PrintWriter err = cmd.getErr();
        for (String k : settings.unknownSettings()) {
            err.println("portwatch: warning: '" + k + "' is not a Kafka producer setting (passed on as given)");
        }
        for (String r : settings.risks()) {
            err.println("portwatch: warning: " + r);
        }
        err.flush();
        java.util.function.Consumer<String> say = message -> {
            synchronized (err) {
                err.println("portwatch: " + message);
                err.flush();
            }
        };
        List<String> needed = new ArrayList<>(List.of(settings.topics().ports()));
        if (flows && !needed.contains(settings.topics().flows())) {
            needed.add(settings.topics().flows());
        }
        if (alerts && !needed.contains(settings.topics().alerts())) {
            needed.add(settings.topics().alerts());
        }
        Spool spool = openSpool(say);
        KafkaSink k;
        try {
            if (spool != null) {
                spool.topics().stream().filter(t -> !needed.contains(t)).forEach(needed::add); // an earlier run's
            }
            settings.check(needed);
            Producer<byte[], byte[]> producer = settings.newProducer();
            try {
                for (String t : needed) {
                    producer.partitionsFor(t); // the topics' metadata, before the broker may go away
                }
            } catch (RuntimeException e) {
                producer.close(Duration.ZERO);
                throw new OutputUnavailableException("Kafka at " + settings.mask(settings.bootstrap())
                        + ": cannot get the topics' partitions: " + settings.mask(String.valueOf(e.getMessage())));
            }
            k = new KafkaSink(producer, RecordEncoder.of(kf, sensorName(), live), settings.topics(),
                    topN(false), live || spool != null ? kafkaMaxPending : 0, settings.closeTimeout(), settings,
                    live ? message -> {
                        undelivered = true; // the run goes on; its exit status will say it
                        say.accept(message);
                    } : message -> {
                        throw new UncheckedIOException(new IOException(message));
                    }, say, spool, java.util.Set.copyOf(needed));
        } catch (RuntimeException e) {
            if (spool != null) {
                spool.close();
            }
            throw e;
        }
        if (metrics != null) {
            k.listener(KafkaSink.DeliveryListener.of(metrics::kafkaSent, metrics::kafkaFailed));
            metrics.kafkaRetries(k::retries);
            metrics.kafkaWaiting(k::waiting);
            metrics.kafkaDropped(k::dropped);
            metrics.kafkaRestarts(k::restarts);
            metrics.kafkaSpool(k::spooled, k::spoolBytes, k::spoolDropped);
        }
        RecordSink sink = stdout ? new TeeSink(List.of(stdoutSink(format(), live), k)) : k;
        if (live) {
            return sink;
        }
        long maxBlock = Long.parseLong(String.valueOf(settings.producerConfig().get(ProducerConfig.MAX_BLOCK_MS_CONFIG)));
        return QueuedSink.lossless(sink, FILE_QUEUE, Duration.ofMillis(maxBlock).plusSeconds(10));
    }

    /** The spool of {@code --kafka-spool}, opened (warnings about its files said), or null without it. */
    private Spool openSpool(java.util.function.Consumer<String> say) {
        if (kafkaSpool == null) {
            return null;
        }
        try {
            return Spool.open(kafkaSpool, kafkaSpoolSize, w -> say.accept("warning: " + w));
        } catch (IOException e) {
            throw new OutputUnavailableException("cannot use the Kafka spool " + kafkaSpool + ": "
                    + io.portwatch.app.IoErrors.reason(e));
        }
    }

    private void requireKafkaFor(CommandLine cmd) {
        List<String> given = new ArrayList<>();
        if (stdout) {
            given.add("--stdout");
        }
        if (kafkaFormat != null) {
            given.add("--kafka-format");
        }
        if (kafkaProperties != null) {
            given.add("--kafka-property");
        }
        if (kafkaConfig != null) {
            given.add("--kafka-config");
        }
        if (kafkaSpool != null) {
            given.add("--kafka-spool");
        }
        if (!topicPorts.equals(KafkaTopics.DEFAULT_PORTS) || !topicFlows.equals(KafkaTopics.DEFAULT_FLOWS)
                || !topicAlerts.equals(KafkaTopics.DEFAULT_ALERTS)) {
            given.add("--topic-*");
        }
        if (!given.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, String.join(", ", given) + " need --kafka");
        }
    }

    private KafkaSettings settings(CommandLine cmd) {
        Map<String, String> props = new LinkedHashMap<>();
        if (kafkaProperties != null) {
            for (String kv : kafkaProperties) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    // the text may be a secret typed without its key: never echo it
                    throw new CommandLine.ParameterException(cmd, "--kafka-property needs KEY=VALUE"
                            + (eq == 0 ? " (the key is empty)" : " (no '=' in it)"));
                }
                props.put(kv.substring(0, eq).trim(), kv.substring(eq + 1));
            }
        }
        try {
            return KafkaSettings.of(kafka, kafkaConfig, props, new KafkaTopics(topicPorts, topicFlows, topicAlerts),
                    Duration.ofNanos(kafkaCloseTimeoutNanos), Duration.ofNanos(kafkaTimeoutNanos));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    private RecordSink stdoutSink(Format fmt, boolean live) {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        return switch (fmt) {
            case json -> new JsonLinesSink(out, RecordEncoder.json(sensorName()), topN(false));
            case ecs -> new JsonLinesSink(out, RecordEncoder.of(RecordEncoder.Format.ecs, sensorName(), live),
                    topN(false));
            case table -> new TableSink(new PrintStream(out, false, StandardCharsets.UTF_8), topN(true), flows,
                    live && System.console() != null, live);
        };
    }

    /**
     * Whether a failure of the output means its reader went away (a closed pipe, as in
     * {@code portwatch ... | head}): the commands then stop quietly, as command-line tools do.
     */
    static boolean isBrokenPipe(RuntimeException e) {
        Throwable c = e instanceof java.io.UncheckedIOException u ? u.getCause() : e;
        return c != null && String.valueOf(c.getMessage()).contains("Broken pipe");
    }
}
