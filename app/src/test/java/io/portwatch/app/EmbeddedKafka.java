package io.portwatch.app;

import io.portwatch.testkit.Await;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) running inside the test JVM, built
 * by Kafka's own test kit ({@link KafkaClusterTestKit}, as Kafka's integration tests do). Its broker can
 * be stopped and started again on the same log directory and the same loopback port (the kit keeps
 * the port bound to the node): clients reconnect to the same address and find their data (and
 * producer state) again. The controller stays up meanwhile, as a separate controller would.
 *
 * <p>The cluster runs the newest production metadata version and feature levels, and neither
 * unstable feature versions nor unstable API versions (the kit turns both on by default): what a
 * released broker of this version offers its clients.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String BROKER_LISTENER = "EXTERNAL";

    private final Path dir;
    private final KafkaClusterTestKit cluster;
    private final BrokerServer broker;
    private final String bootstrap;
    private boolean running;

    /**
     * Formats a fresh log directory and starts the broker.
     *
     * @param autoCreateTopics whether the broker creates topics on first use
     * @param partitions       partitions of automatically created topics
     */
    public EmbeddedKafka(boolean autoCreateTopics, int partitions) throws IOException {
        this.dir = Files.createTempDirectory("portwatch-kafka-");
        MetadataVersion version = MetadataVersion.LATEST_PRODUCTION;
        Map<String, Short> features = Feature.PRODUCTION_FEATURES.stream().collect(Collectors.toMap(
                Feature::featureName, f -> f.defaultLevel(version), (a, b) -> a, TreeMap::new));
        TestKitNodes nodes = new TestKitNodes.Builder(BootstrapMetadata.fromVersions(version, features, "portwatch"))
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir)
                .setBrokerListenerName(new ListenerName(BROKER_LISTENER))
                .build();
        try {
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("listeners", BROKER_LISTENER + "://127.0.0.1:0,CONTROLLER://127.0.0.1:0")
                    .setConfigProp("num.partitions", Integer.toString(partitions))
                    .setConfigProp("auto.create.topics.enable", Boolean.toString(autoCreateTopics))
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("log.flush.interval.messages", "1")
                    .setConfigProp("controlled.shutdown.enable", "true")
                    .setConfigProp("unstable.feature.versions.enable", "false")
                    .setConfigProp("unstable.api.versions.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IOException("cannot start an in-JVM Kafka in " + dir + ": " + e, e);
        }
        broker = cluster.brokers().values().iterator().next();
        bootstrap = "127.0.0.1:" + broker.boundPort(ListenerName.normalised(BROKER_LISTENER));
        running = true;
    }

    /** {@code 127.0.0.1:PORT}. */
    public String bootstrap() {
        return bootstrap;
    }

    /** Starts the broker again on its log directory and port. */
    public synchronized void start() {
        if (running) {
            return;
        }
        broker.startup();
        running = true;
    }

    /** Stops the broker (clean shutdown: its data stays for {@link #start()}). */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        broker.shutdown();
        broker.awaitShutdown();
        running = false;
    }

    /** Creates topics of {@code partitions} partitions each. */
    public void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> l = new ArrayList<>();
            for (String t : topics) {
                l.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(l).all().get(30, TimeUnit.SECONDS);
            // Created is not yet known to the broker that answers metadata: a client that looks a new
            // topic up at once may still be told it does not exist. Wait until it is described.
            Await.until(Duration.ofSeconds(30), () -> {
                try {
                    admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
                    return true;
                } catch (java.util.concurrent.ExecutionException e) {
                    return false; // not known there yet
                }
            }, () -> "the new topics " + List.of(topics) + " to be described");
        }
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        return Admin.create(p);
    }

    /**
     * Every record of the topics, from the beginning to the end offsets as they are now (read
     * committed), in partition then offset order.
     */
    public List<ConsumerRecord<byte[], byte[]>> readAll(Collection<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) {
                c.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp, Duration.ofSeconds(30)) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("records of " + topics + " not all read within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
            }
        }
        out.sort(Comparator.<ConsumerRecord<byte[], byte[]>, String>comparing(ConsumerRecord::topic)
                .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    @Override
    public void close() {
        try {
            cluster.close(); // the broker, then the controller; and their directory
        } catch (Exception e) {
            throw new IllegalStateException("the in-JVM Kafka did not close cleanly: " + e, e);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.nio.file.NoSuchFileException e) {
                // already gone with the cluster
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
