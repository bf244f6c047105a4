package io.portwatch.fleet;

import org.apache.kafka.streams.KeyValue;

/**
 * What one windowed fleet output does with its records, for {@link ClosingWindowProcessor}: which group a
 * record adds to (a port, a scanning source), how it adds, and what a closed window writes.
 *
 * @param <V> the sensor records taken in
 * @param <A> the aggregate of one group and window, kept in the state store (mutable, owned by the task)
 */
interface WindowAggregation<V extends SensorRecord, A> {

    /** The group the record adds to; also its partition key. */
    String group(V record);

    /** A new aggregate for the group's window, before the first record is merged. */
    A create(String group, long windowStart);

    /** Adds the record to the aggregate. */
    void merge(A aggregate, V record);

    /**
     * A record that came after its window had closed (not merged; counted). True when the count is to go
     * with the group's next output (kept until then in the task's state: only for groups that come back,
     * as ports do; a source seen once would leave its count behind for ever).
     */
    boolean late(V record);

    /**
     * The output of a closed window, or null when it writes none.
     *
     * @param late records of the group that came after their window had closed, since its last output
     */
    KeyValue<String, String> close(String group, long windowStart, long windowEnd, A aggregate, long late);
}
