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
 * either of them gzip-compressed. The format is told by the magic, not the file name.
 *
 * <p>Frames are handed to the sink straight out of one reusable buffer: nothing is allocated per
 * frame. Every fault is a {@link CaptureException} with a one-line message that starts with the
 * path, thrown after every frame before it has been delivered.
 */
public final class CaptureFileSource implements PacketSource {

    private static final int GZIP_MAGIC = 0x1F8B;

    private final CaptureInput input;
    private final RecordReader reader;
    private volatile boolean stopped;
    private boolean closed;

    private CaptureFileSource(CaptureInput input, RecordReader reader) {
        this.input = input;
        this.reader = reader;
    }

    /**
     * Opens a capture file ({@code "-"}: standard input) and reads its header.
     *
     * @throws CaptureException when the file is missing, unreadable, empty, not a capture, or its
     *                          header is truncated or invalid
     */
    public static CaptureFileSource open(String path) throws CaptureException {
        Objects.requireNonNull(path, "path");
        ReadableByteChannel channel = "-".equals(path) ? Channels.newChannel(System.in) : openFile(path);
        CaptureInput input = new CaptureInput(path, channel);
        try {
            return new CaptureFileSource(input, readHeader(input));
        } catch (CaptureException | RuntimeException e) {
            input.close();
            throw e;
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
        if (!input.require(2)) {
            throw new CaptureException(input.name() + (input.available() == 0
                    ? ": empty file" : ": file too short for a capture header (1 byte)"));
        }
        if ((input.buf.getShort(input.pos) & 0xFFFF) == GZIP_MAGIC) {
            input.decompressGzip();
            kind = "gzip stream";
        }
        if (!input.require(4)) {
            throw new CaptureException(input.name() + (input.available() == 0
                    ? ": empty " + kind
                    : ": " + kind + " too short for a capture header (" + input.available() + " bytes)"));
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
     * Delivers every frame to the sink until the input ends, {@link #stop()} is called (checked
     * before every record, so a sink may call it), or a fault.
     */
    @Override
    public void run(PacketSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        if (closed) {
            throw new CaptureException(input.name() + ": closed");
        }
        final RecordReader r = reader;
        while (!stopped && r.next(sink)) {
            // one record or block per step
        }
    }

    /** Makes {@link #run} return before the next record; a stopped source stays stopped. */
    @Override
    public void stop() {
        stopped = true;
    }

    /** Closes the file (or standard input). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            input.close();
        }
    }
}
