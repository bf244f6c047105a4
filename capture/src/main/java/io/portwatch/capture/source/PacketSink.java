package io.portwatch.capture.source;

import java.nio.ByteBuffer;

/**
 * Receives packets from a {@link PacketSource}, one call per captured frame, on the source's thread.
 *
 * <p>The frame is {@code buffer[offset, offset + capturedLength)}. The buffer is big-endian and is
 * reused: its contents are valid only for the duration of the call, and the sink must not change
 * its position, limit or contents.
 */
@FunctionalInterface
public interface PacketSink {

    /**
     * The longest a live source, or a quiet live pipe, waits without calling {@link #onIdle} while no frame
     * comes; also the latency of a stop there.
     */
    int IDLE_MILLIS = 100;

    /**
     * @param linkType        the DLT/LINKTYPE code of the frame (see {@code LinkType})
     * @param timestampNanos  capture time, nanoseconds since the Unix epoch
     * @param buffer          holds the frame; absolute reads only
     * @param offset          where the frame starts in {@code buffer}
     * @param capturedLength  bytes of the frame present in the buffer
     * @param originalLength  length of the frame on the wire (at least capturedLength)
     */
    void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset,
                  int capturedLength, int originalLength);

    /**
     * Live sources call this on their thread when no packet has come for a while (at least every few
     * hundred milliseconds while idle), with the wall clock, so that the sink can close windows on the
     * clock as well as on packet time. A file source calls it only while a live pipe it reads is quiet
     * (see {@link CaptureFileSource}); a regular file's never.
     *
     * @param epochNanos the wall clock, nanoseconds since the Unix epoch
     */
    default void onIdle(long epochNanos) {
    }

    /**
     * A live source that captures its interface again when it comes back calls this on its thread when
     * the capture stopped (the interface went down or away) at {@code epochNanos}, the wall clock: every
     * frame captured before has been delivered, and none comes until {@link #onCaptureUp}, while
     * {@link #onIdle} goes on.
     *
     * @param epochNanos the wall clock, nanoseconds since the Unix epoch
     */
    default void onCaptureDown(long epochNanos) {
    }

    /**
     * The interface is captured again since {@code epochNanos} (the wall clock), on a new handle: the frames
     * that come next were captured from then on.
     *
     * @param epochNanos the wall clock, nanoseconds since the Unix epoch
     */
    default void onCaptureUp(long epochNanos) {
    }
}
