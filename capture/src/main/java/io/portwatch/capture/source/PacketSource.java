package io.portwatch.capture.source;

/**
 * A source of captured frames: a capture file, standard input, or a live interface.
 *
 * <p>A source is driven by one thread, which calls {@link #run(PacketSink)}; the sink is called on
 * that thread. Every frame read before a fault is delivered before the fault is thrown.
 */
public interface PacketSource extends AutoCloseable {

    /** What the source reads, as a user names it: a file path, {@code -}, or an interface name. */
    String name();

    /**
     * Delivers frames to the sink until the input ends or {@link #stop()} is called.
     *
     * @throws CaptureException when the input cannot be read (missing, not a capture, truncated,
     *                          corrupt); frames before the fault have been delivered
     */
    void run(PacketSink sink) throws CaptureException;

    /** Asks a running {@link #run} to return soon; safe to call from any thread. */
    default void stop() {
    }

    @Override
    void close();
}
