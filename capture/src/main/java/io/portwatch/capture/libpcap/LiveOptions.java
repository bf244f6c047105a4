package io.portwatch.capture.libpcap;

/**
 * How {@link LibpcapLiveSource} opens an interface.
 *
 * @param snaplen         bytes kept of each frame (libpcap's snapshot length), at least 1
 * @param promiscuous     put the interface in promiscuous mode (frames not addressed to this host)
 * @param bufferSizeBytes the kernel ring buffer frames wait in until read, at least 1
 * @param immediate       hand each frame over as it arrives (a wakeup per frame) rather than in batches
 * @param timeoutMillis   libpcap's buffer timeout: how long a batch may wait when not immediate; 0 or more
 * @param filter          a libpcap filter expression applied in the kernel, or null for every frame
 */
public record LiveOptions(int snaplen, boolean promiscuous, int bufferSizeBytes, boolean immediate,
                          int timeoutMillis, String filter) {

    /** The default snapshot length: headers up to the transport layer, with room for options and tunnels. */
    public static final int DEFAULT_SNAPLEN = 256;
    /**
     * The default kernel buffer: 32 MiB, about 160,000 frames of 128 bytes, so that a pause of the reader
     * (the JVM compiling at start, a collection) of most of a second at 200,000 frames/s loses nothing.
     */
    public static final int DEFAULT_BUFFER_SIZE = 32 * 1024 * 1024;
    /**
     * The default buffer timeout: a batch waits at most 50 ms, well within the quarter second a window
     * waits for late frames before it closes on the clock.
     */
    public static final int DEFAULT_TIMEOUT_MILLIS = 50;

    public LiveOptions {
        if (snaplen < 1) {
            throw new IllegalArgumentException("snaplen must be at least 1: " + snaplen);
        }
        if (bufferSizeBytes < 1) {
            throw new IllegalArgumentException("bufferSizeBytes must be at least 1: " + bufferSizeBytes);
        }
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeoutMillis must not be negative: " + timeoutMillis);
        }
    }

    /** Snaplen 256, promiscuous, 32 MiB buffer, buffered (not immediate), 50 ms timeout, no filter. */
    public static LiveOptions defaults() {
        return new LiveOptions(DEFAULT_SNAPLEN, true, DEFAULT_BUFFER_SIZE, false, DEFAULT_TIMEOUT_MILLIS, null);
    }

    /** These options with another filter expression (null for none). */
    public LiveOptions withFilter(String filterOrNull) {
        return new LiveOptions(snaplen, promiscuous, bufferSizeBytes, immediate, timeoutMillis, filterOrNull);
    }
}
