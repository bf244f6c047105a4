package io.portwatch.bench.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * The broker of a fleet benchmark: a real single-node Kafka 4 (KRaft, broker and controller in one) in the
 * harness's JVM, built by Kafka's own test kit as app's EmbeddedKafka is, on a loopback port. Unlike the
 * tests' broker it keeps Kafka's production defaults where they cost time: no flush per message (the page
 * cache holds the log, as on a real broker), topics created by the harness only.
 */
final class BenchBroker implements AutoCloseable {

    private static final String LISTENER = "EXTERNAL";

    private final Path dir;
    private final KafkaClusterTestKit cluster;
    private final String bootstrap;

    BenchBroker() throws IOException {
        dir = Files.createTempDirectory("portwatch-fleet-bench-kafka-");
        MetadataVersion version = MetadataVersion.LATEST_PRODUCTION;
        Map<String, Short> features = Feature.PRODUCTION_FEATURES.stream().collect(Collectors.toMap(
                Feature::featureName, f -> f.defaultLevel(version), (a, b) -> a, TreeMap::new));
        TestKitNodes nodes = new TestKitNodes.Builder(BootstrapMetadata.fromVersions(version, features, "bench"))
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir)
                .setBrokerListenerName(new ListenerName(LISTENER))
                .build();
        try {
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("listeners", LISTENER + "://127.0.0.1:0,CONTROLLER://127.0.0.1:0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("unstable.feature.versions.enable", "false")
                    .setConfigProp("unstable.api.versions.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IOException("cannot start an in-JVM Kafka in " + dir + ": " + e, e);
        }
        BrokerServer broker = cluster.brokers().values().iterator().next();
        bootstrap = "127.0.0.1:" + broker.boundPort(ListenerName.normalised(LISTENER));
    }

    String bootstrap() {
        return bootstrap;
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    /** Creates the topics, {@code partitions} each, and waits until the broker describes them. */
    void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> l = new ArrayList<>();
            for (String t : topics) {
                l.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(l).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    admin.describeTopics(List.of(topics)).allTopicNames().get(30, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50); // created, not yet known to the broker that answers metadata
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            cluster.close();
        } finally {
            deleteTree(dir);
        }
    }

    /** Deletes a folder and what it holds (a broker's log, a fleet's state). */
    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
