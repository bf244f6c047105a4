package io.portwatch.capture.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.zip.ZipException;

/**
 * The bytes of one capture input, read through one reusable direct buffer.
 *
 * <p>{@code buf[pos, end)} holds unread bytes; readers parse them in place with absolute reads and
 * advance {@link #pos}. {@link #require} refills (compacting a record that straddles the end) and
 * grows the buffer, by doubling and only as far as the input really supplies bytes, for a record
 * larger than it; callers bound what they require.
 */
final class CaptureInput implements AutoCloseable {

    static final int INITIAL_CAPACITY = 1 << 20;
    /**
     * Buffers of {@link #INITIAL_CAPACITY} kept for the next input: a direct buffer's memory is
     * freed only when the collector finds it, so opening many small files one after another would
     * otherwise pile up native memory (and stall in the JDK's reservation back-off).
     */
    private static final int POOLED_BUFFERS = 4;
    private static final ArrayDeque<ByteBuffer> POOL = new ArrayDeque<>(POOLED_BUFFERS);

    private final String name;
    private ReadableByteChannel channel;
    /** Big-endian, direct; replaced only when it grows. */
    ByteBuffer buf;
    /** First unread byte in {@link #buf}. */
    int pos;
    /** End of the valid bytes in {@link #buf}. */
    int end;
    /** Offset in the (decompressed) input of {@code buf[0]}. */
    private long base;
    private boolean eof;
    /** The most bytes one read asks for. */
    private int readLimit = Integer.MAX_VALUE;

    CaptureInput(String name, ReadableByteChannel channel) {
        this.name = name;
        this.channel = channel;
        this.buf = acquire();
    }

    private static ByteBuffer acquire() {
        ByteBuffer b;
        synchronized (POOL) {
            b = POOL.pollFirst();
        }
        if (b == null) {
            b = ByteBuffer.allocateDirect(INITIAL_CAPACITY).order(ByteOrder.BIG_ENDIAN);
        }
        return b.clear();
    }

    String name() {
        return name;
    }

    /** Reads at most {@code n} bytes at a time from here on (a look at the first record needs few). */
    void limitReads(int n) {
        readLimit = n;
    }

    /** Unread bytes in the buffer. */
    int available() {
        return end - pos;
    }

    /** Offset in the input of the next unread byte. */
    long offset() {
        return base + pos;
    }

    /**
     * Makes at least {@code n} unread bytes available at {@code buf[pos]} (which may move).
     *
     * @return false when the input ends first; {@link #available()} then says how many there are
     */
    boolean require(int n) throws CaptureException {
        if (end - pos >= n) {
            return true;
        }
        if (eof) {
            return false;
        }
        if (pos + n > buf.capacity()) {
            compact();
        }
        while (end - pos < n) {
            if (end == buf.capacity()) {
                grow(n);
            }
            if (!fill()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Discards {@code n} bytes, reading through them without keeping them.
     *
     * @return the number of bytes discarded, less than {@code n} only when the input ends first
     */
    long skip(long n) throws CaptureException {
        long skipped = 0;
        while (true) {
            long want = n - skipped;
            int unread = end - pos;
            if (unread >= want) {
                pos += (int) want;
                return n;
            }
            skipped += unread;
            base += end;
            pos = 0;
            end = 0;
            if (eof || !fill()) {
                return skipped;
            }
        }
    }

    /**
     * From here on reads the input as gzip, zstd or xz: the unread bytes and the rest of the channel are
     * decompressed (the file offsets in messages then count decompressed bytes).
     */
    void decompress(Compression compression) {
        buf.limit(end).position(pos);
        channel = compression == Compression.GZIP ? new GzipChannel(channel, buf)
                : new DecoderChannel(compression, channel, buf);
        buf.clear();
        pos = 0;
        end = 0;
        base = 0;
        eof = false;
    }

    private void compact() {
        int unread = end - pos;
        if (unread > 0 && pos > 0) {
            buf.limit(end).position(pos);
            buf.compact();
        }
        base += pos;
        pos = 0;
        end = unread;
    }

    /** Called with {@code pos == 0} and a full buffer that still holds fewer than {@code n} bytes. */
    private void grow(int n) {
        int capacity = (int) Math.min(2L * buf.capacity(), n);
        ByteBuffer bigger = ByteBuffer.allocateDirect(capacity).order(ByteOrder.BIG_ENDIAN);
        buf.limit(end).position(0);
        bigger.put(buf);
        buf = bigger;
    }

    /** Reads once into {@code buf[end, capacity)}; false at the end of the input. */
    private boolean fill() throws CaptureException {
        buf.limit(buf.capacity() - end > readLimit ? end + readLimit : buf.capacity()).position(end);
        int read;
        try {
            do {
                read = channel.read(buf);
            } while (read == 0 && buf.hasRemaining());
        } catch (ZipException e) {
            throw new CaptureException(name + ": " + e.getMessage(), e);
        } catch (ClosedByInterruptException e) {
            throw new CaptureException(name + ": interrupted while reading", e);
        } catch (ClosedChannelException e) {
            throw new CaptureException(name + ": closed while reading", e);
        } catch (IOException e) {
            throw new CaptureException(name + ": read error: " + e.getMessage(), e);
        }
        if (read < 0) {
            eof = true;
            return false;
        }
        end += read;
        return true;
    }

    /** Closes the channel; the buffer stays readable until {@link #release()}. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do: the input is no longer read
        }
    }

    /** Hands the buffer on to a later input; call once, after {@link #close()}, when nothing reads it. */
    void release() {
        ByteBuffer b = buf;
        buf = null;
        pos = 0;
        end = 0;
        if (b != null && b.capacity() == INITIAL_CAPACITY) {
            synchronized (POOL) {
                if (POOL.size() < POOLED_BUFFERS) {
                    POOL.addFirst(b);
                }
            }
        }
    }
}
