package io.portwatch.fleet;

import static io.portwatch.fleet.SensorJson.addresses;
import static io.portwatch.fleet.SensorJson.portStats;
import static io.portwatch.fleet.SensorJson.scanEvidence;
import static io.portwatch.fleet.SensorJson.service;
import static io.portwatch.fleet.SensorJson.withSketches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of record the fleet writes, made by the topology from sensors' records, against the published
 * schema ({@code src/schema/portwatch-fleet-records.schema.json}): each valid, each field it writes
 * documented (the schema allows no other), and the schema strict enough to refuse what it should.
 */
class FleetSchemaTest {

    static final String FILE = "src/schema/portwatch-fleet-records.schema.json";
    static final String W0 = "2024-05-01T10:00:00Z";
    static final String W1 = "2024-05-01T10:01:00Z";

    static JsonSchema schema;

    @TempDir
    Path state;

    @BeforeAll
    static void load() throws Exception {
        Path file = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && file == null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(FILE))) {
                file = dir.resolve(FILE);
            }
        }
        assertTrue(file != null, FILE + " above " + Path.of("").toAbsolutePath());
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                SensorJson.MAPPER.readTree(file.toFile()),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    @Test
    void everyRecordTheFleetWritesIsValidAndEveryFieldDocumented() {
        List<JsonNode> out = new ArrayList<>();
        try (FleetDriver d = new FleetDriver(W1, state)) {
            d.send(withSketches(portStats("a", W0, W1, "tcp", 443, 10, 100, 9000), addresses(0, 40),
                    List.of("192.0.2.1"), "public"));
            d.send(withSketches(portStats("b", W0, W1, "tcp", 443, 5, 50, 4000), addresses(20, 70),
                    List.of("192.0.2.2"), "public"));
            d.send(portStats("b", W0, W1, "udp", 53, 3, 6, 600)); // no sketch: null estimates
            d.send(service("a", "192.0.2.1", 22, "2024-05-01T09:59:00.125Z", "2024-05-01T10:00:59Z", 6, 5));
            d.send(service("b", "2001:db8::7", 443, "2024-05-01T10:00:03Z", "2024-05-01T10:00:04Z", 2, 2));
            for (String s : List.of("a", "b", "c")) { // three hosts behind each sensor
                String net = "10." + (s.charAt(0) - 'a') + ".0.";
                d.send(scanEvidence(s, W0, W1, "198.51.100.66", 3, 0, List.of(net + 1, net + 2, net + 3),
                        List.of("tcp/22")));
            }
            d.advance(Duration.ofSeconds(31));
            d.ports().forEach(kv -> out.add(kv.value));
            out.addAll(d.services().values());
            d.scans().forEach(kv -> out.add(kv.value));
        }
        Set<String> types = new TreeSet<>();
        for (JsonNode n : out) {
            types.add(n.get("type").asText());
            Set<ValidationMessage> errors = schema.validate(n);
            assertEquals(Set.of(), errors, n.toString());
        }
        assertEquals(Set.of("fleet_port_stats", "fleet_service", "fleet_scan"), types, out.toString());
        assertTrue(out.stream().anyMatch(n -> n.path("unique_clients").isNull()), "a port without sketches");
        assertTrue(out.stream().anyMatch(n -> n.path("unique_clients").isNumber()), "a port with sketches");
    }

    @Test
    void theSchemaRefusesUndocumentedFieldsAndWrongValues() {
        ObjectNode ok = SensorJson.MAPPER.createObjectNode();
        ok.put("type", "fleet_service").put("transport", "tcp").put("address", "192.0.2.1").put("port", 22)
                .putNull("service");
        ok.put("first_seen", W0).put("last_seen", W1);
        ok.putArray("sensors").add("a");
        ok.put("clients", 1).put("flows", 2);
        assertEquals(Set.of(), schema.validate(ok));
        assertFalse(schema.validate(ok.deepCopy().put("extra", 1)).isEmpty(), "an undocumented field");
        assertFalse(schema.validate(ok.deepCopy().put("port", 70000)).isEmpty(), "a port out of range");
        assertFalse(schema.validate(ok.deepCopy().put("first_seen", "yesterday")).isEmpty(), "a time that is not one");
        assertFalse(schema.validate(ok.deepCopy().put("type", "service")).isEmpty(), "a sensor's type");
    }
}
