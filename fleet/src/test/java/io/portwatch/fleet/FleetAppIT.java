package io.portwatch.fleet;

import static io.portwatch.fleet.SensorJson.addresses;
import static io.portwatch.fleet.SensorJson.portStats;
import static io.portwatch.fleet.SensorJson.scanEvidence;
import static io.portwatch.fleet.SensorJson.service;
import static io.portwatch.fleet.SensorJson.withSketches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FleetApp against a real broker: it creates its topics, runs exactly-once through the repartition topics
 * and stores, and writes each output once. Three sensors' records of a capture read long ago (2024), so
 * the last window closes on the wall clock, one grace after the last record.
 */
class FleetAppIT {

    static final String W0 = "2024-05-01T10:00:00Z";
    static final String W1 = "2024-05-01T10:01:00Z";

    @TempDir
    Path state;

    @Test
    void threeSensorsIntoOneFleetRecordOfEachKind() throws Exception {
        try (InJvmBroker broker = new InJvmBroker(3)) {
            FleetConfig cfg = FleetConfig.defaults().withWindow(Duration.ofMinutes(1), Duration.ofSeconds(2))
                    .withPunctuateEvery(Duration.ofMillis(200));
            Properties kafka = new Properties();
            kafka.put("bootstrap.servers", broker.bootstrap());
            kafka.put("state.dir", state.toString());
            kafka.put("application.id", "fleet-it");
            try (FleetApp app = new FleetApp(cfg, kafka)) {
                app.start();
                assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "running: " + app.state());
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, cfg.fleetServicesTopic());
                    Config c = admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
                    assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, c.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
                }
                List<ObjectNode> sent = new ArrayList<>();
                for (String s : List.of("a", "b", "c")) {
                    int i = s.charAt(0) - 'a';
                    sent.add(withSketches(portStats(s, W0, W1, "tcp", 443, 10 + i, 100 * (i + 1), 1000 * (i + 1)),
                            addresses(100 * i, 100 * i + 150), List.of("192.0.2.1"), "public"));
                    sent.add(service(s, "192.0.2.1", 443, "2024-05-01T10:00:0" + i + "Z", "2024-05-01T10:00:5" + i + "Z",
                            5, 3 + i));
                    sent.add(scanEvidence(s, W0, W1, "198.51.100.66", 3, 0,
                            List.of("10." + i + ".0.1", "10." + i + ".0.2", "10." + i + ".0.3"), List.of("tcp/22")));
                }
                send(broker.bootstrap(), cfg, sent);

                List<ConsumerRecord<String, String>> ports = readUntil(broker.bootstrap(), cfg.fleetPortsTopic(), 1);
                JsonNode p = SensorJson.MAPPER.readTree(ports.get(0).value());
                assertEquals("tcp/443@" + W0, ports.get(0).key());
                assertEquals(3, p.get("sensors").asInt());
                assertEquals(600, p.get("packets").asLong());
                assertEquals(33, p.get("flows").asLong());
                assertEquals(350, p.get("unique_clients").asLong(), 350 * 0.05);
                List<ConsumerRecord<String, String>> scans = readUntil(broker.bootstrap(), cfg.fleetAlertsTopic(), 1);
                assertEquals("198.51.100.66", scans.get(0).key());
                JsonNode services = SensorJson.MAPPER.readTree(
                        readUntil(broker.bootstrap(), cfg.fleetServicesTopic(), 1).get(0).value());
                assertEquals("tcp", services.get("transport").asText());

                Thread.sleep(3000); // nothing more comes: each output once
                assertEquals(1, readUntil(broker.bootstrap(), cfg.fleetPortsTopic(), 1).size());
                assertEquals(1, readUntil(broker.bootstrap(), cfg.fleetAlertsTopic(), 1).size());
                assertEquals(KafkaStreams.State.RUNNING, app.state());
                assertEquals(null, app.failure());
                assertEquals(9, app.metrics().snapshot().get("port_stats_records")
                        + app.metrics().snapshot().get("service_records")
                        + app.metrics().snapshot().get("scan_evidence_records"));
                assertTrue(app.close(Duration.ofSeconds(30)));
            }
        }
    }

    private static void send(String bootstrap, FleetConfig cfg, List<ObjectNode> records) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (ObjectNode r : records) {
                String type = r.get("type").asText();
                String topic = type.equals("scan_evidence") ? cfg.alertsTopic() : cfg.portsTopic();
                String key = switch (type) {
                    case "port_stats" -> r.get("transport").asText() + "/" + r.get("port");
                    case "service" -> "service/tcp/" + r.get("address").asText() + "/" + r.get("port");
                    default -> r.get("source").asText();
                };
                producer.send(new ProducerRecord<>(topic, key, r.toString())).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The topic's committed records, read until there are at least {@code n} (or 60 s passed). */
    private static List<ConsumerRecord<String, String>> readUntil(String bootstrap, String topic, int n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long quietUntil = 0;
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= n) {
                    if (quietUntil == 0) {
                        quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    } else if (System.nanoTime() > quietUntil) {
                        return out;
                    }
                }
            }
        }
        throw new AssertionError(topic + ": " + out.size() + " records within 60 s, expected " + n);
    }
}
