package io.portwatch.capture.source;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Reads a capture file, or standard input ({@code "-"}), in pure Java: pcap (micro- and nanosecond,
 * either byte order, and the modified/Kuznetsov variant), pcapng (all sections and interfaces), and
 * either of them compressed with gzip, zstd or xz. The format is told by the magic, not the file name.
 *
 * <p>Frames are handed to the sink straight out of one reusable buffer: nothing is allocated per
 * frame. Every fault is a {@link CaptureException} with a one-line message that starts with the
 * path, thrown after every frame before it has been delivered.
 *
 * <p>Standard input, or a path, that is not a regular file (a pipe: {@code tcpdump -U -w - | portwatch read -})
 * is read through a {@link PipeChannel}, so that {@link #run} can tell the sink of the clock
 * ({@link PacketSink#onIdle}) while a live pipe is quiet, as a live capture does (see {@link PipeClock}):
 * its windows then close on the clock too, not only when a later packet comes. A regular file's windows
 * follow packet time only.
 */
public final class CaptureFileSource implements PacketSource {

    /** Standard input as a path, to tell whether it is a regular file (where there is no such path: a pipe). */
    private static final String STANDARD_INPUT = "/dev/stdin";

    private final CaptureInput input;
    private final RecordReader reader;
    /** The pipe under the input (maybe under a decompressor), or null for a regular file. */
    private final PipeChannel pipe;
    private final Object lock = new Object();
    private volatile boolean stopped;
    /** Guarded by {@link #lock}. */
    private boolean running;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    private CaptureFileSource(CaptureInput input, RecordReader reader, PipeChannel pipe) {
        this.input = input;
        this.reader = reader;
        this.pipe = pipe;
    }

    /**
     * Opens a capture file ({@code "-"}: standard input) and reads its header.
     *
     * @throws CaptureException when the file is missing, unreadable, empty, not a capture, or its
     *                          header is truncated or invalid
     */
    public static CaptureFileSource open(String path) throws CaptureException {
        return open(path, 0);
    }

    /**
     * As {@link #open(String)}, reading at most {@code readLimit} bytes at a time (0: as much as the buffer
     * takes): a look at the first frame of a file need not read a megabyte of it.
     */
    static CaptureFileSource open(String path, int readLimit) throws CaptureException {
        Objects.requireNonNull(path, "path");
        ReadableByteChannel channel;
        PipeChannel pipe = null;
        if ("-".equals(path)) {
            channel = regularFile(STANDARD_INPUT) ? Channels.newChannel(System.in)
                    : (pipe = new PipeChannel(path, System.in));
        } else {
            FileChannel file = openFile(path);
            channel = regularFile(path) ? file : (pipe = new PipeChannel(path, Channels.newInputStream(file)));
        }
        return open(path, channel, pipe, readLimit);
    }

    /**
     * A capture read from a channel that is not a file, named {@code name} in messages (the fuzz targets hand
     * their bytes in so), reading at most {@code readLimit} bytes at a time (0: as much as the buffer takes).
     */
    static CaptureFileSource open(String name, ReadableByteChannel channel, int readLimit) throws CaptureException {
        return open(Objects.requireNonNull(name, "name"), Objects.requireNonNull(channel, "channel"), null, readLimit);
    }

    private static CaptureFileSource open(String name, ReadableByteChannel channel, PipeChannel pipe, int readLimit)
            throws CaptureException {
        CaptureInput input = new CaptureInput(name, channel);
        if (readLimit > 0) {
            input.limitReads(readLimit);
        }
        try {
            return new CaptureFileSource(input, readHeader(input), pipe);
        } catch (CaptureException | RuntimeException e) {
            input.close();
            input.release();
            throw e;
        }
    }

    /** Whether a path is a regular file (false for a pipe, a terminal, a socket, or when it cannot be told). */
    private static boolean regularFile(String path) {
        try {
            return Files.isRegularFile(Path.of(path));
        } catch (InvalidPathException | SecurityException e) {
            return false;
        }
    }

    private static FileChannel openFile(String path) throws CaptureException {
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            throw new CaptureException(path + ": invalid path (" + e.getReason() + ")", e);
        }
        if (Files.isDirectory(file)) {
            throw new CaptureException(path + ": is a directory");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CaptureException(path + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new CaptureException(path + ": permission denied", e);
        } catch (IOException | SecurityException e) {
            throw new CaptureException(path + ": cannot open: " + e.getMessage(), e);
        }
    }

    private static RecordReader readHeader(CaptureInput input) throws CaptureException {
        String kind = "file";
        if (!input.require(Compression.MAGIC_LENGTH) && input.available() < 2) {
            throw new CaptureException(input.name() + (input.available() == 0
                    ? ": empty file" : ": file too short for a capture header (1 byte)"));
        }
        Compression compression = Compression.of(input.buf, input.pos, input.available());
        if (compression != null) {
            if (!compression.readable()) {
                throw new CaptureException(input.name() + ": " + compression.unreadable(input.name()));
            }
            long window = compression == Compression.ZSTD ? Compression.zstdWindow(input.buf, input.pos,
                    input.available()) : 0;
            if (window > 0) {
                throw new CaptureException(input.name() + ": " + Compression.zstdWindowTooLarge(input.name(), window));
            }
            input.decompress(compression);
            kind = compression.label + " stream";
        }
        if (!input.require(4)) {
            throw new CaptureException(input.name() + (input.available() == 0
                    ? ": empty " + kind
                    : ": " + kind + " too short for a capture header (" + input.available()
                    + (input.available() == 1 ? " byte)" : " bytes)")));
        }
        int magic = input.buf.getInt(input.pos);
        if (PcapRecordReader.isMagic(magic)) {
            return PcapRecordReader.open(input);
        }
        if (magic == PcapngLayout.SECTION_HEADER) {
            return PcapngRecordReader.open(input);
        }
        throw new CaptureException(input.name() + String.format(": not a pcap or pcapng file (magic 0x%08x)", magic));
    }

    @Override
    public String name() {
        return input.name();
    }

    /**
     * Delivers every frame to the sink until the input ends, {@link #stop()} or {@link #close()}
     * is called (checked before every record, so a sink may call it), or a fault; while a live pipe
     * is quiet, calls {@link PacketSink#onIdle} about every {@value PipeChannel#WAIT_MILLIS} ms.
     *
     * @throws IllegalStateException when the source is already running on another thread
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        synchronized (lock) {
            if (closed) {
                throw new CaptureException(input.name() + ": closed");
            }
            if (running) {
                throw new IllegalStateException(input.name() + " is already running");
            }
            running = true;
        }
        PacketSink target = sink;
        if (pipe != null) {
            PipeClock clock = new PipeClock(sink, pipe);
            pipe.whileWaiting(clock::quiet);
            target = clock;
        }
        try {
            final RecordReader r = reader;
            while (!stopped && r.next(target)) {
                // one record or block per step
            }
        } catch (CaptureException e) {
            if (!stopped) {
                throw e;
            }
            // stopped or closed meanwhile: the fault is the interrupted read, not the input's
        } finally {
            if (pipe != null) {
                pipe.whileWaiting(null);
            }
            synchronized (lock) {
                running = false;
                if (closed) {
                    input.release();
                }
            }
        }
    }

    /**
     * This source read a record or block at a time by a {@link MergedSource}, instead of {@link #run}: it
     * counts as running until the cursor is closed, so that a {@link #close()} meanwhile leaves the buffer
     * to the cursor's thread.
     */
    MergedSource.Cursor cursor() {
        synchronized (lock) {
            if (closed || running) {
                throw new IllegalStateException(input.name() + (closed ? " is closed" : " is already running"));
            }
            running = true;
        }
        return new MergedSource.Cursor() {
            @Override
            public boolean step(PacketSink sink) throws CaptureException {
                try {
                    return !stopped && reader.next(sink);
                } catch (CaptureException e) {
                    if (stopped) {
                        return false; // closed meanwhile: the fault is the interrupted read
                    }
                    throw e;
                }
            }

            @Override
            public void stop() {
                CaptureFileSource.this.close();
            }

            @Override
            public void close() {
                synchronized (lock) {
                    running = false;
                    if (closed) {
                        input.release();
                        return;
                    }
                }
                CaptureFileSource.this.close();
            }
        };
    }

    /** Makes {@link #run} return before the next record; a stopped source stays stopped. */
    @Override
    public void stop() {
        stopped = true;
    }

    /**
     * Closes the file (or standard input). Called from another thread during {@link #run}, it
     * also stops the run, which returns without a fault.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopped = true;
            input.close();
            if (!running) {
                input.release();
            }
        }
    }
}
