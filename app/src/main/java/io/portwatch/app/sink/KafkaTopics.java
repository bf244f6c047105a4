package io.portwatch.app.sink;

import java.util.Objects;

/**
 * Where records go on Kafka.
 *
 * @param ports  per-port statistics, keyed {@code transport/port}; window and summary records too,
 *               keyed {@code window/<input>} and {@code summary/<input>}
 * @param flows  finished flows, keyed by Community ID
 * @param alerts alerts, keyed by source address (see {@link KafkaKeys#alertKey}); the windows' scan
 *               evidence too, keyed by source
 */
public record KafkaTopics(String ports, String flows, String alerts) {

    public static final String DEFAULT_PORTS = "portwatch.ports";
    public static final String DEFAULT_FLOWS = "portwatch.flows";
    public static final String DEFAULT_ALERTS = "portwatch.alerts";

    public KafkaTopics {
        check(ports, "ports");
        check(flows, "flows");
        check(alerts, "alerts");
    }

    /** The default topics. */
    public static KafkaTopics defaults() {
        return new KafkaTopics(DEFAULT_PORTS, DEFAULT_FLOWS, DEFAULT_ALERTS);
    }

    /** Kafka's rule for topic names: 1-249 of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..}. */
    private static void check(String topic, String what) {
        Objects.requireNonNull(topic, what);
        if (topic.isEmpty() || topic.length() > 249 || !topic.matches("[a-zA-Z0-9._-]+")
                || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("not a valid Kafka topic name for " + what + ": '" + topic
                    + "' (1 to 249 of letters, digits, '.', '_', '-')");
        }
    }
}
