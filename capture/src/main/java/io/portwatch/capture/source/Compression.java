package io.portwatch.capture.source;

import io.airlift.compress.zstd.ZstdInputStream;
import org.tukaani.xz.CorruptedInputException;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZFormatException;
import org.tukaani.xz.XZInputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.ZipException;

/**
 * The compressions a capture file may come in, told by their magic (as the capture formats are, never by
 * the file name). gzip, zstd and xz are read, streaming; bzip2 and lz4 are only named, with the way around.
 *
 * <p>zstd and xz are decoded in pure Java (aircompressor, XZ for Java), so that the Java reader still needs
 * no native library. Their decoders' faults become {@link ZipException}s with one-line messages that start
 * {@code "corrupt zstd data"}, {@code "truncated xz data"} and so on, as {@link GzipChannel}'s do.
 */
enum Compression {
    GZIP("gzip", "gzip"),
    ZSTD("zstd", "zstd"),
    XZ("xz", "xz"),
    BZIP2("bzip2", "bzip2"),
    LZ4("lz4", "lz4");

    /** The most bytes {@link #of} looks at. */
    static final int MAGIC_LENGTH = 6;
    /** XZ for Java's memory limit: beyond xz -9's 64 MiB dictionary, far below what a hostile header may ask. */
    private static final int XZ_MEMORY_LIMIT_KIB = 256 * 1024;
    /** aircompressor's largest zstd window (its ZstdFrameDecompressor.MAX_WINDOW_SIZE). */
    private static final long ZSTD_MAX_WINDOW = 8L << 20;
    private static final int ZSTD_MAGIC_LE = 0xFD2FB528;
    private static final int LZ4_MAGIC_LE = 0x184D2204;
    private static final int ZSTD_FRAME_HEADER_DESCRIPTOR = 4;
    private static final int ZSTD_SINGLE_SEGMENT = 0x20;

    /** As the file's magic calls it. */
    final String label;
    /** The command that decompresses it to standard output. */
    private final String tool;

    Compression(String label, String tool) {
        this.label = label;
        this.tool = tool;
    }

    /** Whether portwatch decompresses it (the others are only named). */
    boolean readable() {
        return this == GZIP || this == ZSTD || this == XZ;
    }

    /** The compression whose magic starts {@code b[pos, pos + n)}, or null. */
    static Compression of(ByteBuffer b, int pos, int n) {
        if (n >= 2 && (b.getShort(pos) & 0xFFFF) == 0x1F8B) {
            return GZIP;
        }
        if (n >= 4 && Integer.reverseBytes(b.getInt(pos)) == ZSTD_MAGIC_LE) {
            return ZSTD;
        }
        if (n >= 6 && (b.getInt(pos) == 0xFD377A58) && (b.getShort(pos + 4) & 0xFFFF) == 0x5A00) {
            return XZ;
        }
        if (n >= 4 && b.get(pos) == 'B' && b.get(pos + 1) == 'Z' && b.get(pos + 2) == 'h'
                && b.get(pos + 3) >= '1' && b.get(pos + 3) <= '9') {
            return BZIP2;
        }
        if (n >= 4 && Integer.reverseBytes(b.getInt(pos)) == LZ4_MAGIC_LE) {
            return LZ4;
        }
        return null;
    }

    /** What to do with a file in a compression portwatch does not read. */
    String unreadable(String path) {
        return label + "-compressed, which portwatch does not read: decompress it first, e.g. " + wayAround(path);
    }

    /** What to do with a zstd file whose first frame declares a window larger than the decoder takes. */
    static String zstdWindowTooLarge(String path, long window) {
        return "zstd window of " + (window >> 20) + " MiB, larger than the " + (ZSTD_MAX_WINDOW >> 20)
                + " MiB portwatch decodes (zstd --long or --ultra): decompress it first, e.g. " + ZSTD.wayAround(path);
    }

    private String wayAround(String path) {
        return tool + " -dc " + path + " | portwatch read -";
    }

    /**
     * The zstd window a frame header at {@code b[pos, pos + n)} declares, when it is larger than the decoder
     * takes, or 0 (also when the header is not all there).
     */
    static long zstdWindow(ByteBuffer b, int pos, int n) {
        if (n < ZSTD_FRAME_HEADER_DESCRIPTOR + 2) {
            return 0;
        }
        int descriptor = b.get(pos + ZSTD_FRAME_HEADER_DESCRIPTOR) & 0xFF;
        if ((descriptor & ZSTD_SINGLE_SEGMENT) != 0) {
            return 0; // no window descriptor: the window is the content size, which one segment holds
        }
        int w = b.get(pos + ZSTD_FRAME_HEADER_DESCRIPTOR + 1) & 0xFF;
        int exponent = w >>> 3;
        long base = 1L << (10 + exponent);
        long window = base + (base / 8) * (w & 7);
        return window > ZSTD_MAX_WINDOW ? window : 0;
    }

    /** A decoder of this (zstd or xz) compression over {@code compressed}; an xz decoder reads the stream header. */
    InputStream decoder(InputStream compressed) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdInputStream(compressed);
            case XZ -> new XZInputStream(compressed, XZ_MEMORY_LIMIT_KIB);
            default -> throw new IllegalStateException(label + " has no stream decoder here");
        };
    }

    /** A decoder's fault as a one-line {@link ZipException}: corrupt or truncated data, or a limit. */
    ZipException fault(Throwable e) {
        if (e instanceof ZipException z) {
            return z;
        }
        if (e instanceof EOFException || (this == ZSTD && e instanceof IOException
                && "Not enough input bytes".equals(e.getMessage()))) {
            return new ZipException("truncated " + label + " data (the stream ends inside a "
                    + (this == ZSTD ? "frame" : "stream") + ")");
        }
        if (e instanceof MemoryLimitException m) {
            return new ZipException("xz data needs " + (m.getMemoryNeeded() + 1023) / 1024
                    + " MiB of memory to decompress, more than the " + XZ_MEMORY_LIMIT_KIB / 1024 + " MiB allowed");
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : oneLine(e.getMessage());
        if (this == ZSTD && why.startsWith("Window size too large")) {
            return new ZipException("a zstd frame's window is larger than the " + (ZSTD_MAX_WINDOW >> 20)
                    + " MiB portwatch decodes (zstd --long or --ultra): decompress it first with zstd -dc");
        }
        if (e instanceof XZFormatException || e instanceof CorruptedInputException
                || e instanceof UnsupportedOptionsException || e instanceof IOException) {
            return new ZipException("corrupt " + label + " data: " + why);
        }
        // aircompressor's MalformedInputException (a RuntimeException) ends with ": offset=ADDRESS", an
        // address in its buffer that means nothing here; other runtime faults are the decoder's on bad data
        return new ZipException("corrupt " + label + " data: " + why.replaceFirst(": offset=-?\\d+$", ""));
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
