package io.portwatch.analysis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Captured frames from one thread to another, copied into a ring of bytes: the reading thread of a capture
 * split by flow hands each frame to the thread that owns its flow ({@link PartitionedAnalyzer}), with its
 * place in the capture, and tells every thread where windows end. A frame is a header of named fields then
 * its captured bytes, padded to 8; a mark is a header alone; neither wraps: where the ring's end has no room,
 * a padding header sends the consumer back to the start. The consumer reads frames in place and hands them to
 * its {@link Frames}, as a capture file's reader does, then releases their bytes.
 *
 * <p>Single producer, single consumer; nothing waits here: a full ring or an empty one is the caller's to wait
 * on. The two positions live {@value #PAD} longs apart, so that the threads' counters share no cache line.
 */
final class FrameRing {

    /** Header fields, bytes from a frame's start. */
    static final int RECORD_LENGTH_OFFSET = 0;
    static final int KIND_OFFSET = 4;
    static final int TIMESTAMP_OFFSET = 8;
    static final int CAPTURED_LENGTH_OFFSET = 16;
    static final int ORIGINAL_LENGTH_OFFSET = 20;
    static final int SEQUENCE_OFFSET = 24;
    static final int LINK_TYPE_OFFSET = 32;
    /** Which of a tunnelled frame's layers the consumer tracks ({@link Frames#frame}). */
    static final int LAYERS_OFFSET = 36;
    static final int HEADER_LENGTH = 40;
    /** Kinds. A captured frame. */
    static final int FRAME = 0;
    /** Padding: the rest of the ring up to its end holds nothing. */
    static final int PADDING = 1;
    /** A mark: a window ends at its time, before the frame of its sequence number. */
    static final int MARK_WINDOW = 2;
    /** A mark: the detectors' clock ticks at its time, before the frame of its sequence number. */
    static final int MARK_TICK = 3;
    /** A mark: the clock reached its time with no frame (a quiet live pipe), before the frame of its number. */
    static final int MARK_IDLE = 4;

    /** What the consumer hands frames and marks to. */
    interface Frames {
        /**
         * A frame, as {@code PacketSink.onPacket} takes it, its place in the capture, and the layers whose
         * packets this consumer tracks: bit d for the packet d tunnels deep, bit 0 (the frame as it is on the
         * wire) also for the frame's totals; {@link TrafficAnalyzer#ALL_LAYERS} for a frame all of whose layers
         * are its.
         */
        void frame(long sequence, int linkType, long timestampNanos, ByteBuffer buf, int offset, int capturedLength,
                   int originalLength, int layers);

        /** A mark ({@link #MARK_WINDOW}, {@link #MARK_TICK}, {@link #MARK_IDLE}) before the frame of {@code sequence}. */
        void mark(long sequence, int kind, long timestampNanos);
    }
    private static final int ALIGN = 8;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int PAD = 16;
    private static final int TAIL = PAD;
    private static final int HEAD = 2 * PAD;

    private final ByteBuffer bytes;
    private final int capacity;
    private final int mask;
    /** The most bytes of a frame the ring takes; longer frames are cut (they would not fit a quarter of it). */
    private final int maxCaptured;
    private final long[] ctl = new long[3 * PAD];

    // Producer's.
    private long tail;
    private long cachedHead;

    /** @param capacity bytes, a power of two of at least 64 KiB */
    FrameRing(int capacity) {
        if (Integer.bitCount(capacity) != 1 || capacity < 1 << 16) {
            throw new IllegalArgumentException("capacity must be a power of two of at least 64 KiB: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxCaptured = capacity / 4 - HEADER_LENGTH;
        this.bytes = ByteBuffer.allocate(capacity).order(ByteOrder.BIG_ENDIAN);
    }

    private static int aligned(int n) {
        return (n + ALIGN - 1) & -ALIGN;
    }

    // ------------------------------------------------------------------ producer

    /** Writes a mark ({@link #MARK_WINDOW}, {@link #MARK_TICK}, {@link #MARK_IDLE}); false when there is no room now. */
    boolean offerMark(long sequence, int kind, long timestampNanos) {
        return write(sequence, kind, 0, timestampNanos, null, 0, 0, 0, 0);
    }

    /**
     * Copies a frame in, with the layers the consumer tracks of it ({@link Frames#frame}), and makes it visible
     * to the consumer; false when the ring has no room for it now (nothing is written then).
     */
    boolean offer(long sequence, int linkType, long timestampNanos, ByteBuffer buf, int offset, int capturedLength,
                  int originalLength, int layers) {
        return write(sequence, FRAME, linkType, timestampNanos, buf, offset, capturedLength, originalLength, layers);
    }

    private boolean write(long sequence, int kind, int linkType, long timestampNanos, ByteBuffer buf, int offset,
                          int capturedLength, int originalLength, int layers) {
        final int captured = buf == null ? 0 : Math.max(0, Math.min(capturedLength, maxCaptured));
        final int length = aligned(HEADER_LENGTH + captured);
        final int at = (int) (tail & mask);
        final int toEnd = capacity - at;
        final int needed = length <= toEnd ? length : toEnd + length;
        if (capacity - (tail - cachedHead) < needed) {
            cachedHead = (long) LONGS.getAcquire(ctl, HEAD);
            if (capacity - (tail - cachedHead) < needed) {
                return false;
            }
        }
        int p = at;
        long t = tail;
        if (length > toEnd) {
            bytes.putInt(p + RECORD_LENGTH_OFFSET, toEnd);
            bytes.putInt(p + KIND_OFFSET, PADDING);
            t += toEnd;
            p = 0;
        }
        bytes.putInt(p + RECORD_LENGTH_OFFSET, length);
        bytes.putInt(p + KIND_OFFSET, kind);
        bytes.putInt(p + LINK_TYPE_OFFSET, linkType);
        bytes.putInt(p + LAYERS_OFFSET, layers);
        bytes.putLong(p + TIMESTAMP_OFFSET, timestampNanos);
        bytes.putInt(p + CAPTURED_LENGTH_OFFSET, captured);
        bytes.putInt(p + ORIGINAL_LENGTH_OFFSET, Math.max(originalLength, captured));
        bytes.putLong(p + SEQUENCE_OFFSET, sequence);
        if (captured > 0) {
            bytes.put(p + HEADER_LENGTH, buf, offset, captured);
        }
        tail = t + length;
        LONGS.setRelease(ctl, TAIL, tail);
        return true;
    }

    // ------------------------------------------------------------------ consumer

    /** Whether a frame is waiting (an acquiring read of the producer's position). */
    boolean isEmpty() {
        return (long) LONGS.getAcquire(ctl, TAIL) == (long) LONGS.getOpaque(ctl, HEAD);
    }

    /**
     * Hands up to {@code max} waiting frames and marks to {@code sink}, in order, and releases their bytes.
     *
     * @return the frames and marks handed on
     */
    int poll(Frames sink, int max) {
        final long available = (long) LONGS.getAcquire(ctl, TAIL);
        long head = (long) LONGS.getOpaque(ctl, HEAD);
        final ByteBuffer b = bytes;
        int n = 0;
        while (head < available && n < max) {
            final int p = (int) (head & mask);
            final int length = b.getInt(p + RECORD_LENGTH_OFFSET);
            final int kind = b.getInt(p + KIND_OFFSET);
            head += length;
            if (kind == PADDING) {
                continue;
            }
            final long sequence = b.getLong(p + SEQUENCE_OFFSET);
            if (kind != FRAME) {
                sink.mark(sequence, kind, b.getLong(p + TIMESTAMP_OFFSET));
            } else {
                sink.frame(sequence, b.getInt(p + LINK_TYPE_OFFSET), b.getLong(p + TIMESTAMP_OFFSET), b, p + HEADER_LENGTH,
                        b.getInt(p + CAPTURED_LENGTH_OFFSET), b.getInt(p + ORIGINAL_LENGTH_OFFSET),
                        b.getInt(p + LAYERS_OFFSET));
            }
            n++;
        }
        LONGS.setRelease(ctl, HEAD, head);
        return n;
    }
}
