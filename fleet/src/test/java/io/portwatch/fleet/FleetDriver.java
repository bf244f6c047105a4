package io.portwatch.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The fleet topology in Kafka Streams' TopologyTestDriver, with a mock wall clock the tests move: the
 * sensors' records in, the fleet's records out (as JSON trees, with their keys).
 */
final class FleetDriver implements AutoCloseable {

    final FleetConfig cfg;
    final FleetMetrics metrics = new FleetMetrics();
    final TopologyTestDriver driver;
    private final TestInputTopic<String, String> portsIn;
    private final TestInputTopic<String, String> alertsIn;
    private final TestOutputTopic<String, String> portsOut;
    private final TestOutputTopic<String, String> servicesOut;
    private final TestOutputTopic<String, String> alertsOut;

    /** A driver whose wall clock starts at {@code wallClock}, its state under {@code stateDir}. */
    FleetDriver(FleetConfig cfg, String wallClock, Path stateDir) {
        this.cfg = cfg;
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "fleet-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(FleetTopology.build(cfg, metrics), p, Instant.parse(wallClock));
        StringSerializer ser = new StringSerializer();
        StringDeserializer de = new StringDeserializer();
        portsIn = driver.createInputTopic(cfg.portsTopic(), ser, ser);
        alertsIn = driver.createInputTopic(cfg.alertsTopic(), ser, ser);
        portsOut = driver.createOutputTopic(cfg.fleetPortsTopic(), de, de);
        servicesOut = driver.createOutputTopic(cfg.fleetServicesTopic(), de, de);
        alertsOut = driver.createOutputTopic(cfg.fleetAlertsTopic(), de, de);
    }

    FleetDriver(String wallClock, Path stateDir) {
        this(FleetConfig.defaults(), wallClock, stateDir);
    }

    /** Sends a sensor record to the topic the sensors send it to, keyed as they key it. */
    void send(ObjectNode record) {
        String type = record.get("type").asText();
        String json = record.toString();
        switch (type) {
            case "port_stats" -> portsIn.pipeInput(record.get("transport").asText() + "/" + record.get("port"), json);
            case "service" -> portsIn.pipeInput("service/" + record.get("transport").asText() + "/"
                    + record.get("address").asText() + "/" + record.get("port"), json);
            case "scan_evidence" -> alertsIn.pipeInput(record.get("source").asText(), json);
            default -> portsIn.pipeInput(type, json);
        }
    }

    void sendRaw(String topic, String key, String value) {
        (topic.equals(cfg.alertsTopic()) ? alertsIn : portsIn).pipeInput(key, value);
    }

    /** Moves the wall clock on (running the punctuations that fall due). */
    void advance(Duration d) {
        driver.advanceWallClockTime(d);
    }

    List<KeyValue<String, JsonNode>> ports() {
        return read(portsOut);
    }

    List<KeyValue<String, JsonNode>> scans() {
        return read(alertsOut);
    }

    /** The service inventory as a compacted topic holds it: the last record of each key. */
    Map<String, JsonNode> services() {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (KeyValue<String, JsonNode> kv : read(servicesOut)) {
            m.put(kv.key, kv.value);
        }
        return m;
    }

    private static List<KeyValue<String, JsonNode>> read(TestOutputTopic<String, String> topic) {
        List<KeyValue<String, JsonNode>> out = new ArrayList<>();
        for (KeyValue<String, String> kv : topic.readKeyValuesToList()) {
            try {
                out.add(KeyValue.pair(kv.key, SensorJson.MAPPER.readTree(kv.value)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @Override
    public void close() {
        driver.close();
    }
}
