package io.portwatch.capture.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/**
 * A pipe (standard input, or a named pipe, when not a regular file) read on a thread of its own into a
 * few reused chunks, so that the reading thread can wait for data with a timeout: a blocking read of a
 * pipe cannot time out in Java. While the reader waits, {@link #whileWaiting} runs on the reader's thread
 * every {@value #WAIT_MILLIS} ms (at most), as a live capture's idle calls do.
 *
 * <p>The pump thread starts at the first read, and ends at the end of the input, a read error, or
 * {@link #close()} (if it is blocked reading the pipe then, it ends when the pipe gives data or ends: it
 * is a daemon). Nothing is allocated per read.
 */
final class PipeChannel implements ReadableByteChannel {

    /** The longest wait between calls of {@link #whileWaiting}, as a live source's idle calls. */
    static final int WAIT_MILLIS = PacketSink.IDLE_MILLIS;
    private static final long WAIT_NANOS = WAIT_MILLIS * 1_000_000L;
    private static final int CHUNKS = 4;
    private static final int CHUNK = 64 * 1024;

    private final String name;
    private final InputStream in;
    private final byte[][] chunks = new byte[CHUNKS][CHUNK];
    /** Guarded by this: bytes in each chunk. */
    private final int[] lengths = new int[CHUNKS];
    /** Guarded by this: chunks filled by the pump, and emptied by the reader, since the start. */
    private long filled;
    private long emptied;
    /** Read position in the chunk being emptied; the reader's only. */
    private int offset;
    /** Guarded by this. */
    private boolean eof;
    private boolean closed;
    private IOException failure;
    private Thread pump;
    /** The wall clock (ns since the epoch) when the reader last got bytes. */
    private volatile long lastData;
    private volatile Runnable whileWaiting;

    PipeChannel(String name, InputStream in) {
        this.name = name;
        this.in = in;
    }

    /** What runs on the reading thread while it waits for data (null: nothing). */
    void whileWaiting(Runnable r) {
        whileWaiting = r;
    }

    /** The wall clock, nanoseconds since the epoch, when the reader last got bytes (0: never). */
    long lastData() {
        return lastData;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        long nextWake = System.nanoTime() + WAIT_NANOS;
        while (true) {
            synchronized (this) {
                if (closed) {
                    throw new AsynchronousCloseException();
                }
                if (pump == null) {
                    start();
                }
                if (filled != emptied) {
                    return take(dst);
                }
                if (failure != null) {
                    throw failure;
                }
                if (eof) {
                    return -1;
                }
                long wait = nextWake - System.nanoTime();
                if (wait > 0) {
                    try {
                        wait(Math.max(1, wait / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.nio.channels.ClosedByInterruptException();
                    }
                    continue;
                }
            }
            Runnable r = whileWaiting;
            if (r != null) {
                r.run();
            }
            nextWake = System.nanoTime() + WAIT_NANOS;
        }
    }

    /** Copies from the chunk being emptied; called holding the lock. */
    private int take(ByteBuffer dst) {
        int slot = (int) (emptied % CHUNKS);
        int n = Math.min(dst.remaining(), lengths[slot] - offset);
        dst.put(chunks[slot], offset, n);
        offset += n;
        if (offset == lengths[slot]) {
            offset = 0;
            emptied++;
            notifyAll();
        }
        lastData = System.currentTimeMillis() * 1_000_000L;
        return n;
    }

    private void start() {
        pump = new Thread(this::pump, "portwatch-pipe " + name);
        pump.setDaemon(true);
        pump.start();
    }

    /** The pump thread: fills free chunks from the pipe. */
    private void pump() {
        while (true) {
            int slot;
            synchronized (this) {
                while (filled - emptied == CHUNKS && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                slot = (int) (filled % CHUNKS);
            }
            int n;
            try {
                n = in.read(chunks[slot], 0, CHUNK);
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    notifyAll();
                }
                return;
            }
            synchronized (this) {
                if (n < 0) {
                    eof = true;
                } else if (n > 0) {
                    lengths[slot] = n;
                    filled++;
                }
                notifyAll();
                if (eof) {
                    return;
                }
            }
        }
    }

    @Override
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Closes the pipe; a reader waiting for data returns with {@link ClosedChannelException}. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        in.close();
    }
}
