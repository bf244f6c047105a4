package io.portwatch.app.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends frames to the newest segment, each with one write to the file: once {@link #append} returns,
 * the record is in the operating system's hands and survives a crash of portwatch (a kill, an error).
 * What survives the machine's crash (power, kernel) is what {@link #force()} made durable: the spool
 * calls it every second, when a segment is finished and at close. A write that fails (a full disk) is
 * taken back (the file cut to where it was), so that no half frame stays before later ones.
 */
final class SpoolWriter implements Closeable {

    private final Segment segment;
    private final FileChannel channel;
    private ByteBuffer buf = ByteBuffer.allocate(64 << 10);
    private boolean dirty;

    /** Creates {@code segment}'s file (it must not exist) with its header. */
    SpoolWriter(Segment segment) throws IOException {
        this.segment = segment;
        this.channel = FileChannel.open(segment.path(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeFully(ByteBuffer.wrap(Frame.MAGIC), 0);
        dirty = true;
    }

    Segment segment() {
        return segment;
    }

    /** Appends {@code r} (which {@link Frame#fits}); its frame's size. */
    int append(SpooledRecord r) throws IOException {
        int size = Frame.size(r);
        if (buf.capacity() < size) {
            buf = ByteBuffer.allocate(size);
        }
        buf.clear();
        Frame.write(r, buf);
        buf.flip();
        long at = segment.bytes();
        try {
            writeFully(buf, at);
        } catch (IOException e) {
            try {
                channel.truncate(at);
            } catch (IOException ignored) {
                // the next frame is written over it (frames are written where the last whole one ends)
            }
            throw e;
        }
        segment.appended(r.seq(), size);
        dirty = true;
        return size;
    }

    private void writeFully(ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }

    /** Makes what was appended durable (fsync), if anything was since the last time. */
    void force() throws IOException {
        if (dirty) {
            channel.force(false);
            dirty = false;
        }
    }

    /** Forces and closes the file; the segment takes no more records. */
    @Override
    public void close() throws IOException {
        segment.seal();
        try {
            force();
        } finally {
            channel.close();
        }
    }
}
