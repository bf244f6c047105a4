package io.portwatch.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What the fleet job wrote, as a downstream reader sees it: a {@code read_committed} consumer of the three
 * fleet topics, from their beginning, on a thread of its own, noting when each record arrived (the wall
 * clock, as the fleet's windows close on it). {@code fetch.max.wait.ms} is short (20 ms) so that a record is
 * seen soon after its transaction commits, not at the end of a long poll.
 */
final class FleetOutputs implements AutoCloseable {

    /** A {@code fleet_port_stats} record: its key and figures, its Kafka timestamp (when the fleet wrote it:
     *  the window's close) and when it arrived here (epoch ms). */
    record PortOut(String key, String windowStart, int sensors, long packets, long late, long written,
                   long arrived) {
    }

    /** The latest {@code fleet_service} record of a key. */
    record ServiceOut(long flows, int sensors, long arrived) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrap;
    private final String portsTopic;
    private final String servicesTopic;
    private final String alertsTopic;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    private final List<PortOut> ports = new ArrayList<>();
    private final Map<String, ServiceOut> services = new HashMap<>();
    private final List<long[]> scans = new ArrayList<>(); // [written, arrived]
    private long records;
    private long lastArrival;
    private long lastArrivalNanos;

    FleetOutputs(String bootstrap, String portsTopic, String servicesTopic, String alertsTopic) {
        this.bootstrap = bootstrap;
        this.portsTopic = portsTopic;
        this.servicesTopic = servicesTopic;
        this.alertsTopic = alertsTopic;
        this.thread = new Thread(this::run, "fleet-outputs");
        thread.setDaemon(true);
    }

    /** Waits until the fleet has made its topics (it makes them at start), then reads them on its thread. */
    void start(Admin admin, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> want = Set.of(portsTopic, servicesTopic, alertsTopic);
        while (!admin.listTopics().names().get(30, TimeUnit.SECONDS).containsAll(want)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fleet made no topics " + want + " within " + timeout);
            }
            Thread.sleep(100);
        }
        thread.start();
    }

    private void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(portsTopic, servicesTopic, alertsTopic)) {
                c.partitionsFor(t, Duration.ofSeconds(30))
                        .forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (!stopping) {
                var batch = c.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                long nanos = System.nanoTime();
                synchronized (this) {
                    if (!batch.isEmpty()) {
                        lastArrivalNanos = nanos;
                    }
                    for (ConsumerRecord<String, String> r : batch) {
                        take(r, now);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void take(ConsumerRecord<String, String> r, long now) throws IOException {
        records++;
        lastArrival = now;
        if (r.topic().equals(portsTopic)) {
            JsonNode n = JSON.readTree(r.value());
            ports.add(new PortOut(r.key(), n.path("window_start").asText(), n.path("sensors").asInt(),
                    n.path("packets").asLong(), n.path("late_records").asLong(), r.timestamp(), now));
        } else if (r.topic().equals(servicesTopic)) {
            JsonNode n = JSON.readTree(r.value());
            services.put(r.key(), new ServiceOut(n.path("flows").asLong(), n.path("sensors").size(), now));
        } else {
            scans.add(new long[] {r.timestamp(), now});
        }
    }

    /** The fleet_port_stats records so far, in arrival order (a copy). */
    synchronized List<PortOut> ports() {
        return new ArrayList<>(ports);
    }

    /** The latest fleet_service record of each key so far (a copy). */
    synchronized Map<String, ServiceOut> services() {
        return new HashMap<>(services);
    }

    /** The fleet_scan records so far: [written, arrived] (a copy). */
    synchronized List<long[]> scans() {
        return new ArrayList<>(scans);
    }

    synchronized long records() {
        return records;
    }

    synchronized long lastArrival() {
        return lastArrival;
    }

    /** When the last record arrived, System.nanoTime(); 0 before any. */
    synchronized long lastArrivalNanos() {
        return lastArrivalNanos;
    }

    /** What stopped the reading thread, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(10_000);
    }
}
