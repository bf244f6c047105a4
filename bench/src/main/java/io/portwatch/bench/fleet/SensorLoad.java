package io.portwatch.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.Utils;

/**
 * What the benchmark's sensors send: one window of one real sensor's records ({@code portwatch read --format
 * json} of a generated capture: {@code port_stats} with their HLL sketches, {@code service}, {@code
 * scan_evidence}, {@code alert} and {@code window} records), sent again as many sensors and windows. Each copy
 * is the template's line with only its sensor, input and times changed, in the text itself (the rest stays
 * byte for byte what portwatch wrote): a time {@code t} of the template's window {@code [t0, t1]} becomes the
 * same fraction of the new window. Keys and topics are the sensors' own (app's KafkaKeys): a port's records
 * keyed {@code tcp/443}, a service's {@code service/tcp/192.0.2.1/22}, a window's {@code window/<input>} on
 * the ports topic; alerts and scan evidence keyed by source on the alerts topic. The summary record (the end
 * of a read, not of a window) is left out.
 *
 * <p>Why copies of one window rather than many captures: the fleet's work per record (parse, merge, HLL
 * union, store) does not depend on the values, and reading one capture per sensor and window would cost more
 * than the benchmark. What the copies share (the same addresses, so the same services and sources) is what a
 * fleet whose sensors see the same servers would send.
 */
final class SensorLoad {

    /** Where each sensor record goes. */
    record Out(String topic, byte[] key, byte[] value, String type) {
    }

    /** One template record: its text cut around the fields that change. */
    private record Line(String type, boolean ports, String key, boolean keyByInput, String[] parts, int[] slots,
                        double[] fractions) {
    }

    private static final int SENSOR = -1;
    private static final int INPUT = -2;
    private static final Pattern FIELD = Pattern.compile(
            "\"(sensor|input|window_start|window_end|first_seen|last_seen|time)\":\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String portsTopic;
    private final String alertsTopic;
    private final List<Line> lines = new ArrayList<>();
    private final Map<String, Long> portPackets = new LinkedHashMap<>();
    private final Map<String, Long> serviceFlows = new LinkedHashMap<>();
    private final Map<String, Integer> typeCounts = new LinkedHashMap<>();
    private final int templateBytes;

    /**
     * @param jsonl the template: one window of {@code portwatch read --format json}
     * @param ports the busiest ports to keep (their port_stats and service records), 0: all
     */
    SensorLoad(Path jsonl, int ports, String portsTopic, String alertsTopic) throws IOException {
        this.portsTopic = portsTopic;
        this.alertsTopic = alertsTopic;
        List<String> text = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        List<JsonNode> nodes = new ArrayList<>();
        Instant t0 = null;
        Instant t1 = null;
        Set<String> windows = new HashSet<>();
        for (String l : text) {
            JsonNode n = JSON.readTree(l);
            nodes.add(n);
            if (n.has("window_start") && n.has("window_end")) {
                windows.add(n.get("window_start").asText());
                t0 = Instant.parse(n.get("window_start").asText());
                t1 = Instant.parse(n.get("window_end").asText());
            }
        }
        if (t0 == null || windows.size() != 1 || !t1.isAfter(t0)) {
            throw new IllegalArgumentException(jsonl + ": the template must hold exactly one window, it holds "
                    + windows.size());
        }
        List<long[]> byPackets = new ArrayList<>(); // [packets, line index]
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).path("type").asText().equals("port_stats")) {
                byPackets.add(new long[] {nodes.get(i).get("packets").asLong(), i});
            }
        }
        byPackets.sort((a, b) -> Long.compare(b[0], a[0]));
        Set<String> kept = new HashSet<>();
        for (int i = 0; i < byPackets.size() && (ports == 0 || i < ports); i++) {
            JsonNode n = nodes.get((int) byPackets.get(i)[1]);
            kept.add(n.get("transport").asText() + "/" + n.get("port").asInt());
        }
        long bytes = 0;
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            String type = n.path("type").asText();
            String key;
            boolean ports_ = true;
            boolean byInput = false;
            switch (type) {
                case "port_stats" -> {
                    key = n.get("transport").asText() + "/" + n.get("port").asInt();
                    if (!kept.contains(key)) {
                        continue;
                    }
                    portPackets.put(key, n.get("packets").asLong());
                }
                case "service" -> {
                    if (!kept.contains(n.get("transport").asText() + "/" + n.get("port").asInt())) {
                        continue;
                    }
                    key = "service/" + n.get("transport").asText() + "/" + n.get("address").asText() + "/"
                            + n.get("port").asInt();
                    serviceFlows.merge(key.substring("service/".length()), n.get("flows").asLong(), Long::sum);
                }
                case "window" -> {
                    key = null;
                    byInput = true;
                }
                case "alert" -> {
                    ports_ = false;
                    key = n.path("source").isTextual() ? n.get("source").asText()
                            : n.path("target").isTextual() ? n.get("target").asText() : null;
                }
                case "scan_evidence" -> {
                    ports_ = false;
                    key = n.get("source").asText();
                }
                default -> {
                    continue; // the summary: the end of a read, not of a window
                }
            }
            lines.add(cut(text.get(i), type, ports_, key, byInput, t0, t1));
            typeCounts.merge(type, 1, Integer::sum);
            bytes += text.get(i).length();
        }
        templateBytes = (int) bytes;
    }

    private static Line cut(String text, String type, boolean ports, String key, boolean byInput, Instant t0,
                            Instant t1) {
        Matcher m = FIELD.matcher(text);
        List<String> parts = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        double span = Duration.between(t0, t1).toNanos();
        int at = 0;
        while (m.find()) {
            parts.add(text.substring(at, m.start(2)));
            at = m.end(2);
            switch (m.group(1)) {
                case "sensor" -> slots.add(SENSOR);
                case "input" -> slots.add(INPUT);
                default -> {
                    double f = Duration.between(t0, Instant.parse(m.group(2))).toNanos() / span;
                    slots.add(fractions.size());
                    fractions.add(Math.max(0, Math.min(1, f)));
                }
            }
        }
        parts.add(text.substring(at));
        return new Line(type, ports, key, byInput, parts.toArray(new String[0]),
                slots.stream().mapToInt(Integer::intValue).toArray(),
                fractions.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** One sensor's records of one window, in the template's order. */
    List<Out> window(String sensor, String input, Instant start, Instant end) {
        long span = Duration.between(start, end).toNanos();
        List<Out> out = new ArrayList<>(lines.size());
        StringBuilder sb = new StringBuilder(4096);
        for (Line l : lines) {
            sb.setLength(0);
            for (int i = 0; i < l.slots.length; i++) {
                sb.append(l.parts[i]);
                int s = l.slots[i];
                if (s == SENSOR) {
                    sb.append(sensor);
                } else if (s == INPUT) {
                    sb.append(input);
                } else {
                    double f = l.fractions[s];
                    sb.append(f == 0 ? start : f == 1 ? end : start.plusNanos(Math.round(f * span)));
                }
            }
            sb.append(l.parts[l.parts.length - 1]);
            String key = l.keyByInput ? "window/" + input : l.key;
            out.add(new Out(l.ports ? portsTopic : alertsTopic,
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    sb.toString().getBytes(StandardCharsets.UTF_8), l.type));
        }
        return out;
    }

    /** Records per sensor and window. */
    int recordsPerWindow() {
        return lines.size();
    }

    /** The template's bytes per sensor and window (values only). */
    int bytesPerWindow() {
        return templateBytes;
    }

    /** Template records by type. */
    Map<String, Integer> typeCounts() {
        return Collections.unmodifiableMap(typeCounts);
    }

    /** Each kept port's packets in one sensor's window, by {@code tcp/443}. */
    Map<String, Long> portPackets() {
        return Collections.unmodifiableMap(portPackets);
    }

    /** Each kept service's flows in one sensor's window, by {@code tcp/192.0.2.1/22}. */
    Map<String, Long> serviceFlows() {
        return Collections.unmodifiableMap(serviceFlows);
    }

    /** A copy of the type's records whose key lands in each partition of its topic, by partition (for flushing). */
    Map<Integer, Out> onePerPartition(List<Out> window, String type, int partitions) {
        Map<Integer, Out> by = new HashMap<>();
        for (Out o : window) {
            if (o.type().equals(type) && o.key() != null) {
                by.putIfAbsent(partition(o.key(), partitions), o);
            }
        }
        return by;
    }

    /** The partition the producer's default partitioner gives a key (murmur2, as Kafka's own). */
    static int partition(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
