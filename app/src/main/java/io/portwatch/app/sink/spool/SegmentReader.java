package io.portwatch.app.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the frames of one segment file in order, through a buffer, up to an end the caller gives (the
 * file's size, or as far as the writer has written). A frame that does not hold (a length out of bounds,
 * a frame cut short by the end, a checksum that does not match) stops the reading: {@link #damaged()}
 * then says so and {@link #position()} is where the damage begins. Nothing is allocated for a length
 * before it is checked against {@link Frame#MAX_BODY}.
 */
final class SegmentReader implements Closeable {

    private static final int BUFFER = 64 << 10;

    private final FileChannel channel;
    private ByteBuffer buf = ByteBuffer.allocate(BUFFER).limit(0);
    /** The file position of {@code buf}'s first byte. */
    private long bufStart;
    private long position;
    private boolean damaged;

    /** Opens {@code file} to read its frames from {@code position}. */
    SegmentReader(Path file, long position) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.position = position;
        this.bufStart = position;
    }

    /** Where the next frame begins (or the damage, once {@link #damaged()}). */
    long position() {
        return position;
    }

    /** Whether reading stopped at a frame that does not hold. */
    boolean damaged() {
        return damaged;
    }

    /** The next record, if a whole one ends at or before {@code end}; null at the end, or at damage. */
    SpooledRecord next(long end) throws IOException {
        if (damaged || position >= end) {
            return null;
        }
        if (end - position < Frame.PREFIX || !fill(Frame.PREFIX, end)) {
            damaged = true;
            return null;
        }
        int at = (int) (position - bufStart);
        int length = Frame.bodyLength(buf, at);
        if (length < 0 || end - position < Frame.PREFIX + (long) length || !fill(Frame.PREFIX + length, end)) {
            damaged = true;
            return null;
        }
        at = (int) (position - bufStart);
        SpooledRecord r = Frame.read(buf, at, length);
        if (r == null) {
            damaged = true;
            return null;
        }
        position += Frame.PREFIX + length;
        return r;
    }

    /** Makes the {@code n} bytes from {@link #position} be in the buffer; false if the file ends before. */
    private boolean fill(int n, long end) throws IOException {
        if (position >= bufStart && position + n <= bufStart + buf.limit()) {
            return true;
        }
        if (buf.capacity() < n) {
            buf = ByteBuffer.allocate(n);
        }
        buf.clear();
        buf.limit((int) Math.min(buf.capacity(), end - position));
        bufStart = position;
        while (buf.position() < n) {
            int r = channel.read(buf, bufStart + buf.position());
            if (r < 0) {
                buf.flip();
                return false;
            }
        }
        buf.flip();
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
