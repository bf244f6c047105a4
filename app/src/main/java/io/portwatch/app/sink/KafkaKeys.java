package io.portwatch.app.sink;

import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ServiceStats;

/**
 * The keys of portwatch's Kafka messages. Kafka keeps one key's messages in one partition, in order, so
 * each key names what must stay in order: a port's windows, an input's windows and summary, a source's
 * alerts. A flow is keyed by its Community ID.
 */
public final class KafkaKeys {

    private KafkaKeys() {
    }

    /** The key of a port's records: {@code tcp/8080}. */
    public static String portKey(PortStats p) {
        return p.transport().key() + "/" + p.port();
    }

    /** The key of a service record: {@code service/tcp/192.0.2.1/22}, so that one service's records stay in order. */
    public static String serviceKey(ServiceStats s) {
        return "service/" + s.transport().key() + "/" + s.address() + "/" + s.port();
    }

    /** The key of a window record: {@code window/<input>}. */
    public static String windowKey(String input) {
        return "window/" + input;
    }

    /** The key of a summary record: {@code summary/<input>}. */
    public static String summaryKey(String input) {
        return "summary/" + input;
    }

    /** The key of an alert: its source address, so that one source's alerts stay in order. */
    public static String alertKey(String sourceAddress) {
        return sourceAddress;
    }
}
