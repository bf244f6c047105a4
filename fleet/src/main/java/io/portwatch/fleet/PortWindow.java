package io.portwatch.fleet;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.datasketches.hll.Union;

/**
 * One port's fleet window being summed: the counters of every sensor's {@code port_stats} records, each
 * sensor's packets and bytes (for the busiest sensors and the count of sensors), and the unions of their
 * sketches. Mutable, owned by one task; serialized by {@link PortWindowSerde}.
 */
final class PortWindow {

    /** Sensors tracked per port and window; records of more sensors count in the sums only. */
    static final int MAX_SENSORS = 4096;

    String service;
    String portClass;
    /** flows, active_flows, packets, bytes, packets/bytes to server/client, in {@link #COUNTERS} order. */
    final long[] counters = new long[COUNTERS.length];
    /** The TCP outcomes in {@link PortStatsIn#TCP_FIELDS} order, or null when no record had them. */
    long[] tcp;
    /** Per sensor: packets, bytes. */
    final Map<String, long[]> sensors = new LinkedHashMap<>();
    /** Records of sensors beyond MAX_SENSORS. */
    long untrackedSensorRecords;
    /** The unions of the sketches, null until the first one is merged. */
    Union clients;
    Union servers;
    /** Records whose sketches were not merged: hashed another way, absent or undecodable. */
    long sketchesSkipped;

    static final String[] COUNTERS = {"flows", "active_flows", "packets", "bytes", "packets_to_server",
        "packets_to_client", "bytes_to_server", "bytes_to_client"};

    /** Adds a sensor's counters (not its sketches: see {@link PortAggregation}). */
    void add(PortStatsIn r) {
        if (service == null) {
            service = r.service();
        }
        if (portClass == null) {
            portClass = r.portClass();
        }
        long[] c = {r.flows(), r.activeFlows(), r.packets(), r.bytes(), r.packetsToServer(), r.packetsToClient(),
            r.bytesToServer(), r.bytesToClient()};
        for (int i = 0; i < c.length; i++) {
            counters[i] += c[i];
        }
        if (r.tcp() != null) {
            if (tcp == null) {
                tcp = new long[PortStatsIn.TCP_FIELDS.length];
            }
            for (int i = 0; i < tcp.length; i++) {
                tcp[i] += r.tcp()[i];
            }
        }
        long[] s = sensors.get(r.sensor());
        if (s == null) {
            if (sensors.size() == MAX_SENSORS) {
                untrackedSensorRecords++;
                return;
            }
            s = new long[2];
            sensors.put(r.sensor(), s);
        }
        s[0] += r.packets();
        s[1] += r.bytes();
    }
}
