package io.portwatch.fleet;

import static io.portwatch.fleet.SensorJson.service;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fleet_service: the inventory of exposed services from the sensors' service records. */
class FleetServicesTest {

    @TempDir
    Path state;

    @Test
    void inventoryKeepsFirstAndLastSeenSensorsFlowsAndClients() {
        try (FleetDriver d = new FleetDriver("2024-05-01T10:01:00Z", state)) {
            d.send(service("b", "192.0.2.1", 22, "2024-05-01T09:58:10.250Z", "2024-05-01T10:00:40Z", 4, 3));
            d.send(service("a", "192.0.2.1", 22, "2024-05-01T09:59:00.125Z", "2024-05-01T10:00:59.5Z", 6, 5));
            d.send(service("c", "192.0.2.1", 22, "2024-05-01T10:00:01Z", "2024-05-01T10:00:02Z", 1, 1));
            d.send(service("a", "2001:db8::7", 443, "2024-05-01T10:00:03Z", "2024-05-01T10:00:04Z", 2, 2));
            // a's next window: the same service again
            d.send(service("a", "192.0.2.1", 22, "2024-05-01T09:59:00.125Z", "2024-05-01T10:01:30Z", 2, 6));

            Map<String, JsonNode> inventory = d.services();
            assertEquals(2, inventory.size(), inventory.toString());
            JsonNode ssh = inventory.get("tcp/192.0.2.1/22");
            assertEquals("fleet_service", ssh.get("type").asText());
            assertEquals("tcp", ssh.get("transport").asText());
            assertEquals("192.0.2.1", ssh.get("address").asText());
            assertEquals(22, ssh.get("port").asInt());
            assertEquals("ssh", ssh.get("service").asText());
            assertEquals("2024-05-01T09:58:10.250Z", ssh.get("first_seen").asText(), "the sensor's text kept");
            assertEquals("2024-05-01T10:01:30Z", ssh.get("last_seen").asText());
            assertEquals("[\"a\",\"b\",\"c\"]", ssh.get("sensors").toString());
            assertEquals(4 + 6 + 1 + 2, ssh.get("flows").asLong());
            assertEquals(6, ssh.get("clients").asLong(), "the most any sensor counted");
            assertEquals("[\"type\",\"transport\",\"address\",\"port\",\"service\",\"first_seen\",\"last_seen\","
                    + "\"sensors\",\"clients\",\"flows\"]", fieldNames(ssh));

            JsonNode https = inventory.get("tcp/2001:db8::7/443");
            assertEquals("[\"a\"]", https.get("sensors").toString());
            assertEquals(2, https.get("flows").asLong());
            assertEquals(5, d.metrics.snapshot().get("service_records"));
        }
    }

    private static String fieldNames(JsonNode n) {
        StringBuilder b = new StringBuilder("[");
        n.fieldNames().forEachRemaining(f -> b.append(b.length() > 1 ? "," : "").append('"').append(f).append('"'));
        return b.append(']').toString();
    }
}
