package io.portwatch.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** What the fleet's output records are written with: ordered JSON objects and RFC 3339 UTC times. */
final class FleetJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FleetJson() {
    }

    /** A new object with its {@code type} first. */
    static ObjectNode record(String type) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("type", type);
        return n;
    }

    static String text(ObjectNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Epoch milliseconds as RFC 3339 UTC, {@code 2024-05-01T10:00:00Z} (fractions only when there are some). */
    static String time(long epochMs) {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(epochMs));
    }

    /** A number rounded to three decimals, as the sensors write ratios. */
    static double round3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
