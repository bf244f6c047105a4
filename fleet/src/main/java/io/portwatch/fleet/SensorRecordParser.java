package io.portwatch.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the sensors' JSON records (docs/output.md) into what the fleet uses. A record of a type the fleet
 * does not use ({@code window}, {@code summary}, {@code flow}, {@code alert}) is {@link #SKIPPED}; one that
 * is not JSON, lacks a field or holds a value out of range is {@link #BAD} (counted by the caller, never
 * thrown: the topics are written by many sensors of many versions). Every string and list read is bounded.
 * Thread-safe.
 */
final class SensorRecordParser {

    /** A record of a type the fleet does not use. */
    static final Object SKIPPED = new Object();
    /** A record that could not be read. */
    static final Object BAD = new Object();

    static final int MAX_NAME = 256;
    static final int MAX_SKETCH = 64 * 1024;
    static final int MAX_SAMPLE = 256;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SensorRecordParser() {
    }

    /**
     * The record in {@code json}: a {@link PortStatsIn}, {@link ServiceIn} or {@link ScanEvidenceIn}, or
     * {@link #SKIPPED} or {@link #BAD}.
     */
    static Object parse(String json) {
        if (json == null) {
            return BAD;
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return BAD;
        }
        if (n == null || !n.isObject() || !n.path("type").isTextual()) {
            return BAD;
        }
        try {
            switch (n.get("type").asText()) {
                case "port_stats":
                    return portStats(n);
                case "service":
                    return service(n);
                case "scan_evidence":
                    return scanEvidence(n);
                default:
                    return SKIPPED;
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            return BAD;
        }
    }

    private static PortStatsIn portStats(JsonNode n) {
        long start = time(n, "window_start");
        long end = time(n, "window_end");
        long[] tcp = null;
        JsonNode t = n.get("tcp");
        if (t != null && t.isObject()) {
            tcp = new long[PortStatsIn.TCP_FIELDS.length];
            for (int i = 0; i < tcp.length; i++) {
                tcp[i] = count(t, PortStatsIn.TCP_FIELDS[i]);
            }
        }
        return new PortStatsIn(text(n, "sensor", MAX_NAME), start, end, transport(n), port(n),
                optText(n, "service", MAX_NAME), optText(n, "port_class", MAX_NAME), count(n, "flows"),
                count(n, "active_flows"), count(n, "packets"), count(n, "bytes"), count(n, "packets_to_server"),
                count(n, "packets_to_client"), count(n, "bytes_to_server"), count(n, "bytes_to_client"), tcp,
                optText(n, "clients_hll", MAX_SKETCH), optText(n, "servers_hll", MAX_SKETCH),
                optText(n, "hll_key", MAX_NAME));
    }

    private static ServiceIn service(JsonNode n) {
        String first = text(n, "first_seen", MAX_NAME);
        String last = text(n, "last_seen", MAX_NAME);
        Instant.parse(first);
        Instant.parse(last);
        return new ServiceIn(text(n, "sensor", MAX_NAME), transport(n), text(n, "address", MAX_NAME), port(n),
                optText(n, "service", MAX_NAME), first, last, count(n, "flows"), count(n, "clients"));
    }

    private static ScanEvidenceIn scanEvidence(JsonNode n) {
        long start = time(n, "window_start");
        long end = time(n, "window_end");
        JsonNode llr = n.get("log_likelihood_ratio");
        if (llr == null || !llr.isNumber() || !Double.isFinite(llr.asDouble())) {
            throw new IllegalArgumentException("log_likelihood_ratio");
        }
        return new ScanEvidenceIn(text(n, "sensor", MAX_NAME), start, end, text(n, "source", MAX_NAME),
                transport(n), count(n, "failed"), count(n, "answered"), count(n, "targets"), count(n, "ports"),
                llr.asDouble(), list(n, "target_sample"), list(n, "port_sample"));
    }

    private static long time(JsonNode n, String field) {
        long ms = Instant.parse(text(n, field, MAX_NAME)).toEpochMilli();
        if (ms < 0) {
            throw new IllegalArgumentException(field + " before 1970");
        }
        return ms;
    }

    private static String transport(JsonNode n) {
        String t = text(n, "transport", MAX_NAME);
        if (!t.equals("tcp") && !t.equals("udp")) {
            throw new IllegalArgumentException("transport " + t);
        }
        return t;
    }

    private static int port(JsonNode n) {
        long p = count(n, "port");
        if (p > 65535) {
            throw new IllegalArgumentException("port " + p);
        }
        return (int) p;
    }

    private static long count(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
            throw new IllegalArgumentException(field);
        }
        return v.asLong();
    }

    private static String text(JsonNode n, String field, int max) {
        String s = optText(n, field, max);
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException(field);
        }
        return s;
    }

    private static String optText(JsonNode n, String field, int max) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > max) {
            throw new IllegalArgumentException(field);
        }
        return v.asText();
    }

    private static List<String> list(JsonNode n, String field) {
        JsonNode v = n.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(field);
        }
        for (JsonNode e : v) {
            if (out.size() == MAX_SAMPLE) {
                break;
            }
            if (!e.isTextual() || e.asText().length() > MAX_NAME) {
                throw new IllegalArgumentException(field);
            }
            out.add(e.asText());
        }
        return out;
    }
}
