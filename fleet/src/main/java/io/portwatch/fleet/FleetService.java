package io.portwatch.fleet;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code fleet_service}: one exposed service (server address, transport, port) as the whole fleet saw it:
 * the earliest first-seen and latest last-seen time any sensor gave, the sensors that saw it, its flows
 * summed over every sensor's windows, and its clients as the most any one sensor counted (the sensors'
 * counts are distinct clients since each first saw it, which do not add up across sensors: a client
 * behind two sensors would count twice; the most of them is a lower bound). Both the inventory's state
 * (JSON in its store and changelog) and what it writes to the compacted topic. Immutable.
 *
 * @param sensors the sensors' names, sorted; at most {@link #MAX_SENSORS}
 */
@JsonPropertyOrder({"type", "transport", "address", "port", "service", "first_seen", "last_seen", "sensors",
    "clients", "flows"})
record FleetService(String type, String transport, String address, int port, String service,
                    @JsonProperty("first_seen") String firstSeen, @JsonProperty("last_seen") String lastSeen,
                    List<String> sensors, long clients, long flows) {

    static final String TYPE = "fleet_service";
    /** Sensors named per service at most (the sums still count every sensor's records). */
    static final int MAX_SENSORS = 256;

    /** The inventory entry before any record: what the aggregation starts from. */
    static FleetService empty() {
        return new FleetService(TYPE, null, null, 0, null, null, null, List.of(), 0, 0);
    }

    /** This entry with one more sensor record of the service. */
    FleetService merge(ServiceIn r) {
        if (address == null) {
            return new FleetService(TYPE, r.transport(), r.address(), r.port(), r.service(), r.firstSeen(),
                    r.lastSeen(), List.of(r.sensor()), r.clients(), r.flows());
        }
        List<String> names = sensors;
        if (!names.contains(r.sensor()) && names.size() < MAX_SENSORS) {
            names = new ArrayList<>(sensors);
            names.add(r.sensor());
            names.sort(null);
        }
        return new FleetService(TYPE, transport, address, port, service != null ? service : r.service(),
                earlier(firstSeen, r.firstSeen()) ? firstSeen : r.firstSeen(),
                earlier(r.lastSeen(), lastSeen) ? lastSeen : r.lastSeen(), names, Math.max(clients, r.clients()),
                flows + r.flows());
    }

    /** Whether time a is at or before time b (RFC 3339; the parser checked both). */
    private static boolean earlier(String a, String b) {
        return !Instant.parse(a).isAfter(Instant.parse(b));
    }

    String toJson() {
        return JsonSerde.text(this);
    }
}
