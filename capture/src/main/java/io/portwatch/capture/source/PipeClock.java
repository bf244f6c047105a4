package io.portwatch.capture.source;

import java.nio.ByteBuffer;

/**
 * Tells a sink of the wall clock ({@link PacketSink#onIdle}) while a pipe it reads is quiet, as a live
 * capture does, but only while the pipe is live: while its last frame's time was within
 * {@value #LIVE_LAG_SECONDS} s of the clock when its bytes came. A pipe of an old capture
 * ({@code zcat old.pcap.gz | portwatch read -}) keeps to packet time however long its writer stalls, and a
 * pipe tells nothing before its first frame.
 *
 * <p>{@code tcpdump -w -} without {@code -U} holds frames in its buffer until it is full: on a quiet link
 * they come late, and once they are over a minute late the pipe is not taken for live until fresher ones come.
 */
final class PipeClock implements PacketSink {

    static final long LIVE_LAG_SECONDS = 60;
    private static final long LIVE_LAG_NANOS = LIVE_LAG_SECONDS * 1_000_000_000L;

    private final PacketSink sink;
    private final PipeChannel pipe;
    private long lastFrame;
    /** Whether a frame came since the last look. */
    private boolean fresh;
    private boolean live;

    PipeClock(PacketSink sink, PipeChannel pipe) {
        this.sink = sink;
        this.pipe = pipe;
    }

    @Override
    public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                         int originalLength) {
        lastFrame = timestampNanos;
        fresh = true;
        sink.onPacket(linkType, timestampNanos, buffer, offset, capturedLength, originalLength);
    }

    /** The pipe has been quiet a while: on the reading thread, as the pipe waits. */
    void quiet() {
        if (fresh) {
            fresh = false;
            long lag = pipe.lastData() - lastFrame;
            live = lag <= LIVE_LAG_NANOS && lag >= -LIVE_LAG_NANOS;
        }
        if (live) {
            sink.onIdle(System.currentTimeMillis() * 1_000_000L);
        }
    }
}
