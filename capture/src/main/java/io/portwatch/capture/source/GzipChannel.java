package io.portwatch.capture.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip stream (RFC 1952) read from another channel, member after member, checking
 * each member's CRC-32 and length. Zero bytes after the last member (tape or block padding) are
 * ignored; anything else there is an error. Errors are {@link ZipException}s whose message starts
 * with {@code "corrupt gzip"} or {@code "truncated gzip"}; bytes decompressed before an error are
 * returned first.
 */
final class GzipChannel implements ReadableByteChannel {

    private static final int INPUT_CAPACITY = 256 * 1024;
    /** Inflate at most this much per call, so a corrupt block loses little decompressed data. */
    private static final int OUTPUT_CHUNK = 64 * 1024;

    private static final int FTEXT_FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int FRESERVED = 0xE0;
    private static final int CM_DEFLATE = 8;

    private enum State { HEADER, BODY, TRAILER, BETWEEN, DONE }

    private final ReadableByteChannel source;
    /** Compressed bytes; {@code [position, limit)} unread. */
    private final ByteBuffer in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** Offset in the compressed stream of {@code in[0]}. */
    private long inBase;
    private boolean sourceEof;
    private State state = State.HEADER;
    private long memberLength;
    private ZipException pending;
    private boolean open = true;

    /**
     * @param source  the rest of the compressed stream
     * @param initial compressed bytes already read from {@code source} ({@code [position, limit)}),
     *                copied here
     */
    GzipChannel(ReadableByteChannel source, ByteBuffer initial) {
        this.source = source;
        this.in = ByteBuffer.allocate(Math.max(INPUT_CAPACITY, initial.remaining()));
        in.put(initial).flip();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
        if (pending != null) {
            ZipException e = pending;
            pending = null;
            state = State.DONE;
            throw e;
        }
        int start = dst.position();
        try {
            while (dst.hasRemaining() && state != State.DONE) {
                switch (state) {
                    case HEADER -> readHeader();
                    case BODY -> inflate(dst);
                    case TRAILER -> readTrailer();
                    case BETWEEN -> afterMember();
                    default -> throw new IllegalStateException(state.name());
                }
            }
        } catch (ZipException e) {
            if (dst.position() > start) {
                pending = e;
                return dst.position() - start;
            }
            state = State.DONE;
            throw e;
        }
        int n = dst.position() - start;
        return n == 0 && state == State.DONE ? -1 : n;
    }

    private void readHeader() throws IOException {
        long at = compressedOffset();
        int id1 = nextByte();
        int id2 = nextByte();
        if (id1 < 0 || id2 < 0) {
            throw truncated();
        }
        if (id1 != 0x1F || id2 != 0x8B) {
            throw corrupt(at, "not a gzip member header");
        }
        int method = nextByte();
        int flags = nextByte();
        if (method < 0 || flags < 0) {
            throw truncated();
        }
        if (method != CM_DEFLATE) {
            throw corrupt(at, "unsupported compression method " + method);
        }
        if ((flags & FRESERVED) != 0) {
            throw corrupt(at, String.format("reserved header flags 0x%02x", flags));
        }
        skipBytes(6); // MTIME, XFL, OS
        if ((flags & FEXTRA) != 0) {
            int lo = nextByte();
            int hi = nextByte();
            if (hi < 0) {
                throw truncated();
            }
            skipBytes(lo | hi << 8);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FTEXT_FHCRC) != 0) {
            skipBytes(2);
        }
        inflater.reset();
        crc.reset();
        memberLength = 0;
        state = State.BODY;
    }

    private void inflate(ByteBuffer dst) throws IOException {
        // At the end of a truncated stream zlib may still hold output for the input it has taken (when the
        // last call filled the output chunk): that output is inflated before the stream is called truncated.
        boolean ended = false;
        if (inflater.needsInput()) {
            if (in.hasRemaining() || refill()) {
                inflater.setInput(in);
            } else {
                ended = true;
            }
        }
        int before = dst.position();
        int limit = dst.limit();
        dst.limit(Math.min(limit, before + OUTPUT_CHUNK));
        try {
            inflater.inflate(dst);
        } catch (DataFormatException e) {
            // zlib has consumed the bad bits by now: the fault lies before the input position
            throw new ZipException("corrupt gzip data before compressed byte " + compressedOffset() + ": "
                    + (e.getMessage() == null ? "invalid deflate data" : e.getMessage()));
        } finally {
            dst.limit(limit);
        }
        int produced = dst.position() - before;
        if (produced > 0) {
            dst.limit(dst.position()).position(before);
            crc.update(dst);
            dst.limit(limit);
            memberLength += produced;
        }
        if (inflater.finished()) {
            state = State.TRAILER;
        } else if (inflater.needsDictionary()) {
            throw corrupt(compressedOffset(), "deflate data needs a preset dictionary");
        } else if (ended && produced == 0) {
            throw truncated();
        }
    }

    private void readTrailer() throws IOException {
        long at = compressedOffset();
        long storedCrc = nextByte() | nextByte() << 8 | nextByte() << 16 | (long) nextByte() << 24;
        long storedLength = nextByte() | nextByte() << 8 | nextByte() << 16 | (long) nextByte() << 24;
        if (storedCrc < 0 || storedLength < 0) {
            throw truncated();
        }
        if (storedCrc != crc.getValue()) {
            throw corrupt(at, String.format("CRC mismatch (stored 0x%08x, computed 0x%08x)", storedCrc, crc.getValue()));
        }
        if (storedLength != (memberLength & 0xFFFF_FFFFL)) {
            throw corrupt(at, "length mismatch (stored " + storedLength + ", decompressed "
                    + (memberLength & 0xFFFF_FFFFL) + " mod 2^32)");
        }
        state = State.BETWEEN;
    }

    /** After a member: the end, another member, or zero padding up to the end. */
    private void afterMember() throws IOException {
        if (!in.hasRemaining() && !refill()) {
            state = State.DONE;
            return;
        }
        if (in.get(in.position()) == 0x1F) {
            state = State.HEADER;
            return;
        }
        while (true) {
            while (in.hasRemaining()) {
                if (in.get(in.position()) != 0) {
                    throw corrupt(compressedOffset(), "trailing garbage after the last member");
                }
                in.position(in.position() + 1);
            }
            if (!refill()) {
                state = State.DONE;
                return;
            }
        }
    }

    /** Reads more compressed bytes, keeping the unread ones; false at the end of the source. */
    private boolean refill() throws IOException {
        if (sourceEof) {
            return false;
        }
        inBase += in.position();
        in.compact();
        try {
            int read;
            do {
                read = source.read(in);
            } while (read == 0 && in.hasRemaining());
            if (read < 0) {
                sourceEof = true;
            }
        } finally {
            in.flip();
        }
        return in.hasRemaining();
    }

    private int nextByte() throws IOException {
        if (!in.hasRemaining() && !refill()) {
            return -1;
        }
        return in.get() & 0xFF;
    }

    private void skipBytes(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            if (nextByte() < 0) {
                throw truncated();
            }
        }
    }

    private void skipZeroTerminated() throws IOException {
        int b;
        do {
            b = nextByte();
            if (b < 0) {
                throw truncated();
            }
        } while (b != 0);
    }

    private long compressedOffset() {
        return inBase + in.position();
    }

    private ZipException corrupt(long at, String problem) {
        return new ZipException("corrupt gzip data at compressed byte " + at + ": " + problem);
    }

    private ZipException truncated() {
        return new ZipException("truncated gzip data (the stream ends at compressed byte " + compressedOffset() + ")");
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            inflater.end();
            source.close();
        }
    }
}
