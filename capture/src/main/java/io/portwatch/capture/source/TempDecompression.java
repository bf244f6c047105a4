package io.portwatch.capture.source;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A compressed capture decompressed to a temporary file for the libpcap reader, since libpcap reads only
 * uncompressed files: as much as decompresses, and what was wrong with the rest, so that the frames before
 * a fault are still read. An uncompressed file, or standard input, is read as it is.
 *
 * <p>Pure Java, with {@link Compression}'s decoders: the libpcap reader (package {@code libpcap}) uses it,
 * this package does not use libpcap.
 */
public final class TempDecompression {

    private final String readPath;
    private final Path tempFile;
    private final String fault;

    private TempDecompression(String readPath, Path tempFile, String fault) {
        this.readPath = readPath;
        this.tempFile = tempFile;
        this.fault = fault;
    }

    /**
     * Makes a capture readable by libpcap: a gzip-, zstd- or xz-compressed file is decompressed to a
     * temporary file, as far as it decompresses.
     *
     * @param path a capture file, or {@code -} for standard input (read as it is)
     * @throws CaptureException when the file is compressed in a form that cannot be read (bzip2, lz4), or
     *                          cannot be decompressed for want of a temporary file; the message starts
     *                          with the path
     */
    public static TempDecompression of(String path) throws CaptureException {
        Compression compression = "-".equals(path) ? null : compressionOf(path);
        if (compression == null) {
            return new TempDecompression(path, null, null);
        }
        if (!compression.readable()) {
            throw new CaptureException(path + ": " + compression.unreadable(path));
        }
        Path temp;
        try {
            temp = Files.createTempFile("portwatch-gunzip-", ".pcap");
        } catch (IOException e) {
            throw new CaptureException(path + ": cannot create a temporary file to decompress into: "
                    + CaptureException.oneLine(e.getMessage()), e);
        }
        String fault = decompress(compression, Path.of(path), temp);
        return new TempDecompression(temp.toString(), temp, fault);
    }

    /** What libpcap is to open: the temporary file, or the path as given. */
    public String readPath() {
        return readPath;
    }

    /** What was wrong with the compressed data (the frames before it are still read), or null. */
    public String fault() {
        return fault;
    }

    /** Deletes the temporary file, if there is one; idempotent. */
    public void delete() {
        deleteQuietly(tempFile);
    }

    /** The file's compression, or null (also when it cannot be read: libpcap names that problem). */
    private static Compression compressionOf(String path) {
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            return null; // libpcap will name the problem when it opens the file
        }
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(Compression.MAGIC_LENGTH);
            return Compression.of(ByteBuffer.wrap(magic), 0, magic.length);
        } catch (IOException e) {
            return null; // libpcap will name the problem when it opens the file
        }
    }

    /**
     * Decompresses as much of a gzip, zstd or xz file as can be read into {@code out}.
     *
     * @return null, or what is wrong with the compressed data (the frames before it are still read)
     */
    private static String decompress(Compression compression, Path file, Path out) throws CaptureException {
        return compression == Compression.GZIP ? gunzip(file, out) : decode(compression, file, out);
    }

    private static String decode(Compression compression, Path file, Path out) throws CaptureException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
             OutputStream os = Files.newOutputStream(out)) {
            byte[] chunk = new byte[64 * 1024];
            InputStream in;
            try {
                in = compression.decoder(raw);
            } catch (IOException | RuntimeException e) {
                return compression.fault(e).getMessage();
            }
            while (true) {
                int n;
                try {
                    n = in.read(chunk);
                } catch (IOException | RuntimeException e) {
                    return compression.fault(e).getMessage(); // the decoder's faults are the data's
                }
                if (n < 0) {
                    return null;
                }
                os.write(chunk, 0, n);
            }
        } catch (IOException e) {
            deleteQuietly(out);
            throw new CaptureException(file + ": cannot decompress: " + CaptureException.oneLine(e.getMessage()), e);
        }
    }

    /**
     * Decompresses as much of {@code gz} as can be read into {@code out}.
     *
     * @return null, or what is wrong with the compressed data (the frames before it are still read)
     */
    private static String gunzip(Path gz, Path out) throws CaptureException {
        try (InputStream raw = Files.newInputStream(gz); OutputStream os = Files.newOutputStream(out)) {
            GZIPInputStream in;
            try {
                in = new GZIPInputStream(raw, 64 * 1024);
            } catch (EOFException e) {
                return "truncated gzip data";
            } catch (ZipException e) {
                return "corrupt gzip data (" + CaptureException.oneLine(e.getMessage()) + ")";
            }
            byte[] chunk = new byte[64 * 1024];
            while (true) {
                int n;
                try {
                    n = in.read(chunk);
                } catch (EOFException e) {
                    return "truncated gzip data";
                } catch (ZipException e) {
                    return "corrupt gzip data (" + CaptureException.oneLine(e.getMessage()) + ")";
                }
                if (n < 0) {
                    return null;
                }
                os.write(chunk, 0, n);
            }
        } catch (IOException e) {
            deleteQuietly(out);
            throw new CaptureException(gz + ": cannot decompress: " + CaptureException.oneLine(e.getMessage()), e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                p.toFile().deleteOnExit();
            }
        }
    }
}
