package io.portwatch.app.sink.spool;

/**
 * Where records wait, in the order given, for the Kafka producer to take them: in memory (the sink's
 * {@code MemoryBacklog}) or on disk ({@link Spool}). Used by one thread at a time.
 */
public interface Backlog {

    /** Adds a record behind the others; false when it does not fit (the caller counts it). */
    boolean append(SpooledRecord r);

    /** The first record not yet taken, which is taken; null when none is left. */
    SpooledRecord next();

    /** Records not yet taken. */
    long size();

    default boolean isEmpty() {
        return size() == 0;
    }
}
