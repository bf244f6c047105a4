package io.portwatch.capture.source;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/**
 * Decompresses a zstd or xz stream read from another channel through its pure-Java decoder
 * ({@link Compression#decoder}), frame after frame or stream after stream, up to {@value #CHUNK} bytes a
 * read. Faults are {@link java.util.zip.ZipException}s (see {@link Compression#fault}), as
 * {@link GzipChannel}'s are, so that the input names the file before them.
 *
 * <p>The decoders are streams over byte arrays: a read decodes into one reused chunk and copies it into
 * the input's buffer, which costs a copy that gzip's direct inflation does not, far less than decoding.
 *
 * <p>Unlike gzip's, these decoders hold some decoded bytes back, so a truncated or corrupt file's last
 * frames before the fault may not be delivered: aircompressor hands bytes on once they are beyond the zstd
 * frame's window (at most 8 MiB, 2 MiB at zstd's default level) or the frame ends, XZ for Java decodes an
 * LZMA2 chunk (at most 2 MiB decoded) once it has all of it.
 */
final class DecoderChannel implements ReadableByteChannel {

    private static final int CHUNK = 64 * 1024;
    private static final int INPUT_BUFFER = 64 * 1024;

    private final Compression compression;
    private final ReadableByteChannel source;
    private final InputStream compressed;
    private final byte[] chunk = new byte[CHUNK];
    /** Made at the first read: an xz decoder reads the stream header when made, and may fail there. */
    private InputStream decoder;
    private volatile boolean open = true;

    /**
     * @param source  the rest of the compressed stream
     * @param initial compressed bytes already read from {@code source} ({@code [position, limit)}), copied here
     */
    DecoderChannel(Compression compression, ReadableByteChannel source, ByteBuffer initial) {
        this.compression = compression;
        this.source = source;
        byte[] head = new byte[initial.remaining()];
        initial.get(head);
        this.compressed = new BufferedInputStream(
                new SequenceInputStream(new ByteArrayInputStream(head), Channels.newInputStream(source)), INPUT_BUFFER);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n;
        try {
            if (decoder == null) {
                decoder = compression.decoder(compressed);
            }
            n = decoder.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
        } catch (IOException | RuntimeException e) {
            if (!open) {
                throw new ClosedChannelException(); // closed by another thread while reading: not the data's fault
            }
            throw compression.fault(e);
        }
        if (n > 0) {
            dst.put(chunk, 0, n);
        }
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Closes the source; the decoder is left to the collector (it may be decoding on another thread). */
    @Override
    public void close() throws IOException {
        open = false;
        source.close();
    }
}
