package io.portwatch.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.kafka.streams.KeyValue;

/**
 * {@code fleet_port_stats}: per fleet window and (transport, port), the sum of every sensor's
 * {@code port_stats}. Counters add up exactly; distinct clients and servers come from the union of the
 * sensors' sketches (merged only when the record's {@code hll_key} is the fleet's: a sketch hashed another
 * way would count each address twice, so it is left out and counted in {@code sketches_skipped});
 * {@code sensors} is the number of sensors with a record for the port in the window, and
 * {@code busiest_sensors} the five with the most packets (ties to the lower name).
 *
 * <p>Added to the contract's fields: {@code sketches_skipped}. {@code unique_clients} and
 * {@code unique_servers} are null when no record of the window brought a sketch that could be merged.
 */
final class PortAggregation implements WindowAggregation<PortStatsIn, PortWindow> {

    static final int BUSIEST = 5;

    private final String hllKey;
    private final FleetMetrics metrics;

    PortAggregation(FleetConfig cfg, FleetMetrics metrics) {
        this.hllKey = cfg.hllKey();
        this.metrics = metrics;
    }

    @Override
    public String group(PortStatsIn r) {
        return r.portKey();
    }

    @Override
    public PortWindow create(String group, long windowStart) {
        return new PortWindow();
    }

    @Override
    public void merge(PortWindow w, PortStatsIn r) {
        w.add(r);
        if (r.clientsHll() == null || r.serversHll() == null) {
            metrics.sketchesMissing.increment();
            w.sketchesSkipped++;
        } else if (!hllKey.equals(r.hllKey())) {
            metrics.hllKeyMismatches.increment();
            w.sketchesSkipped++;
        } else {
            // both or neither: a union of clients without the servers' would not describe one set of records
            HllSketch clients = Sketches.decode(r.clientsHll());
            HllSketch servers = Sketches.decode(r.serversHll());
            if (clients == null || servers == null) {
                metrics.badSketches.increment();
                w.sketchesSkipped++;
                return;
            }
            if (w.clients == null) {
                w.clients = Sketches.newUnion();
                w.servers = Sketches.newUnion();
            }
            w.clients.update(clients);
            w.servers.update(servers);
        }
    }

    @Override
    public boolean late(PortStatsIn r) {
        metrics.latePortStats.increment();
        return true;
    }

    @Override
    public KeyValue<String, String> close(String group, long windowStart, long windowEnd, PortWindow w, long late) {
        metrics.portWindows.increment();
        int slash = group.indexOf('/');
        String start = FleetJson.time(windowStart);
        ObjectNode n = FleetJson.record("fleet_port_stats");
        n.put("window_start", start);
        n.put("window_end", FleetJson.time(windowEnd));
        n.put("transport", group.substring(0, slash));
        n.put("port", Integer.parseInt(group.substring(slash + 1)));
        n.put("service", w.service);
        n.put("port_class", w.portClass);
        n.put("sensors", w.sensors.size());
        for (int i = 0; i < PortWindow.COUNTERS.length; i++) {
            n.put(PortWindow.COUNTERS[i], w.counters[i]);
        }
        if (w.tcp != null) {
            ObjectNode tcp = n.putObject("tcp");
            for (int i = 0; i < w.tcp.length; i++) {
                tcp.put(PortStatsIn.TCP_FIELDS[i], w.tcp[i]);
            }
        }
        putEstimate(n, "unique_clients", w.clients);
        putEstimate(n, "unique_servers", w.servers);
        ArrayNode busiest = n.putArray("busiest_sensors");
        for (Map.Entry<String, long[]> e : busiest(w)) {
            busiest.addObject().put("sensor", e.getKey()).put("packets", e.getValue()[0])
                    .put("bytes", e.getValue()[1]);
        }
        n.put("late_records", late);
        n.put("sketches_skipped", w.sketchesSkipped);
        return KeyValue.pair(group + "@" + start, FleetJson.text(n));
    }

    private static void putEstimate(ObjectNode n, String field, Union u) {
        if (u == null) {
            n.putNull(field);
        } else {
            n.put(field, Sketches.estimate(u));
        }
    }

    /** The BUSIEST sensors by packets, then bytes, then name. */
    static List<Map.Entry<String, long[]>> busiest(PortWindow w) {
        List<Map.Entry<String, long[]>> all = new ArrayList<>(w.sensors.entrySet());
        all.sort((a, b) -> {
            int c = Long.compare(b.getValue()[0], a.getValue()[0]);
            if (c == 0) {
                c = Long.compare(b.getValue()[1], a.getValue()[1]);
            }
            return c != 0 ? c : a.getKey().compareTo(b.getKey());
        });
        return all.subList(0, Math.min(BUSIEST, all.size()));
    }
}
