package io.portwatch.analysis.output;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A security finding. Immutable.
 *
 * @param input     the capture input it was seen on
 * @param kind      what was found
 * @param timeNanos when (the last packet that made it an alert), ns since the epoch
 * @param source    the address it comes from (scanner, flooder, client), or null
 * @param target    the address it concerns (scanned host, flooded server, service), or null
 * @param transport TCP or UDP: a finding concerns one transport (a TCP scan and a UDP scan are two)
 * @param port      the port concerned, or null when many
 * @param severity  how urgent
 * @param details   kind-specific fields, in output order: numbers, strings, booleans, lists of those
 */
public record Alert(String input, Kind kind, long timeNanos, String source, String target, Transport transport,
                    Integer port, Severity severity, Map<String, Object> details) implements Record {

    /** Kinds of alert. */
    public enum Kind {
        PORT_SCAN, SYN_FLOOD, NEW_SERVICE, POLICY_VIOLATION;

        /** The name used in output, e.g. {@code port_scan}. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Severities, as SIEMs rank them. */
    public enum Severity {
        LOW, MEDIUM, HIGH, CRITICAL;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Alert {
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
