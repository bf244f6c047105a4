package io.portwatch.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sensors reading captures faster than real time into four partitions: ten windows of 100 ports from
 * three sensors, a minute of their time in a fraction of a second, sent while the fleet runs and again as
 * a backlog waiting when it starts (as after a stop). The fleet reads the partitions side by side, one
 * ahead of another, and still every window comes out whole: no record is late for having been read after
 * records of later windows of other ports.
 */
class FleetReplayIT {

    static final int WINDOWS = 10;
    static final int PORTS = 100;
    static final List<String> SENSORS = List.of("a", "b", "c");

    @TempDir
    Path state;

    @Test
    void aReplayReadAcrossPartitionsComesOutWhole() throws Exception {
        try (InJvmBroker broker = new InJvmBroker(4)) {
            FleetConfig cfg = FleetConfig.defaults().withPunctuateEvery(Duration.ofMillis(200))
                    .withWindow(Duration.ofMinutes(1), Duration.ofSeconds(5));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic(cfg.portsTopic(), 4, (short) 1),
                        new NewTopic(cfg.alertsTopic(), 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Properties kafka = new Properties();
            kafka.put("bootstrap.servers", broker.bootstrap());
            kafka.put("state.dir", state.toString());
            try (FleetApp app = new FleetApp(cfg, kafka)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
                send(broker.bootstrap(), cfg, "2024-05-01T10:00:00Z");
                Map<String, JsonNode> out = read(broker.bootstrap(), cfg.fleetPortsTopic(), WINDOWS * PORTS);
                assertEquals(0, app.metrics().lateRecords(), app.metrics().snapshot().toString());
                assertEquals(WINDOWS * PORTS, out.size());
                for (Map.Entry<String, JsonNode> e : out.entrySet()) {
                    int port = e.getValue().get("port").asInt();
                    assertEquals(3, e.getValue().get("sensors").asInt(), e.getKey());
                    assertEquals(3L * port, e.getValue().get("packets").asLong(), e.getKey());
                }
            }
        }
    }

    /** The sensors' windows from {@code start} on, each window's records of all ports, then the next. */
    private static void send(String bootstrap, FleetConfig cfg, String start) throws Exception {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        long t0 = Instant.parse(start).toEpochMilli();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
            for (int w = 0; w < WINDOWS; w++) {
                String ws = Instant.ofEpochMilli(t0 + w * 60_000L).toString();
                String we = Instant.ofEpochMilli(t0 + (w + 1) * 60_000L).toString();
                for (int port = 1; port <= PORTS; port++) {
                    for (String s : SENSORS) {
                        String v = SensorJson.portStats(s, ws, we, "tcp", port, 1, port, 10L * port).toString();
                        p.send(new ProducerRecord<>(cfg.portsTopic(), "tcp/" + port, v));
                    }
                }
            }
            p.flush();
        }
    }

    /** The topic's records by key, read until there are {@code n} keys (or 120 s passed). */
    private static Map<String, JsonNode> read(String bootstrap, String topic, int n) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader");
        Map<String, JsonNode> out = new HashMap<>();
        int records = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.put(r.key(), SensorJson.MAPPER.readTree(r.value()));
                    records++;
                }
            }
        }
        assertEquals(out.size(), records, "one record per port and window");
        return out;
    }
}
