package io.portwatch.app.sink.spool;

import java.util.Objects;

/**
 * A Kafka message waiting to be sent: its topic, key (null: none) and value, and its place in the order
 * of all the messages of a sink ({@code seq}, increasing, kept across runs by the spool). The arrays are
 * not copied: nobody changes them once the record is made.
 *
 * @param seq   the message's place in the order sent, unique within a spool
 * @param topic the topic
 * @param key   the key's bytes, or null
 * @param value the value's bytes
 */
public record SpooledRecord(long seq, String topic, byte[] key, byte[] value) {

    public SpooledRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(value, "value");
    }
}
