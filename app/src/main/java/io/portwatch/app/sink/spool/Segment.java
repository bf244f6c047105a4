package io.portwatch.app.sink.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One file of a spool: records of consecutive places in the order ({@code seq}), appended to the newest
 * segment only. Its name is the seq of its first record ({@code 00000000000000004711.seg}), so that
 * the names sort as the records were given. What is known of it: the whole records it holds ({@link
 * #bytes()} of the file, the rest being a damaged tail), how many and the last one's seq. Used under its
 * spool's lock.
 */
final class Segment {

    static final String SUFFIX = ".seg";
    private static final int DIGITS = 20;

    private final Path path;
    private final long firstSeq;
    private long lastSeq;
    private long bytes;
    private long records;
    private boolean sealed;

    private Segment(Path path, long firstSeq, long lastSeq, long bytes, long records, boolean sealed) {
        this.path = path;
        this.firstSeq = firstSeq;
        this.lastSeq = lastSeq;
        this.bytes = bytes;
        this.records = records;
        this.sealed = sealed;
    }

    /** A new, empty segment whose first record will be {@code firstSeq} (its header written by the writer). */
    static Segment fresh(Path dir, long firstSeq) {
        return new Segment(dir.resolve(name(firstSeq)), firstSeq, firstSeq - 1, Frame.MAGIC.length, 0, false);
    }

    /** The file name of a segment that begins with {@code seq}. */
    static String name(long seq) {
        String s = Long.toString(seq);
        return "0".repeat(Math.max(0, DIGITS - s.length())) + s + SUFFIX;
    }

    /** The first seq a segment's file name says, or -1 when it is not a segment's name. */
    static long firstSeq(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.length() != DIGITS + SUFFIX.length()) {
            return -1;
        }
        for (int i = 0; i < DIGITS; i++) {
            if (!Character.isDigit(fileName.charAt(i))) {
                return -1;
            }
        }
        try {
            return Long.parseLong(fileName.substring(0, DIGITS));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Reads a segment left by an earlier run: every frame checked, the topics of its records added to
     * {@code topics}. A damaged frame (a crash in the middle of a write, or damage on disk) ends what is
     * taken of it, with one line to {@code warn} naming the file and the byte. Null, with a line, when
     * the file is not a spool segment (its header) or its records are not in order.
     */
    static Segment scan(Path file, long firstSeq, Set<String> topics, Consumer<String> warn) throws IOException {
        long size = Files.size(file);
        byte[] head = new byte[Frame.MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n < head.length || !Arrays.equals(head, Frame.MAGIC)) {
            warn.accept("kafka spool " + file + ": not a spool segment (its header), left alone");
            return null;
        }
        long last = firstSeq - 1;
        long records = 0;
        long valid;
        try (SegmentReader r = new SegmentReader(file, Frame.MAGIC.length)) {
            SpooledRecord rec;
            long before = r.position();
            while ((rec = r.next(size)) != null) {
                if (rec.seq() <= last || (records == 0 && rec.seq() != firstSeq)) {
                    warn.accept("kafka spool " + file + ": records out of order at byte " + before
                            + ": the rest of the file (" + (size - before) + " bytes) is skipped");
                    return new Segment(file, firstSeq, last, before, records, true);
                }
                last = rec.seq();
                records++;
                topics.add(rec.topic());
                before = r.position();
            }
            valid = r.position();
            if (r.damaged()) {
                warn.accept("kafka spool " + file + ": a record cut short or damaged at byte " + valid + " of " + size
                        + " (a crash while writing?): the rest of the file (" + (size - valid) + " bytes) is skipped");
            }
        }
        return new Segment(file, firstSeq, last, valid, records, true);
    }

    Path path() {
        return path;
    }

    long firstSeq() {
        return firstSeq;
    }

    /** The last record's seq; {@code firstSeq() - 1} while it has none. */
    long lastSeq() {
        return lastSeq;
    }

    /** Bytes of whole records and header: where its reader stops. */
    long bytes() {
        return bytes;
    }

    long records() {
        return records;
    }

    /** Whether nothing more will be appended to it. */
    boolean sealed() {
        return sealed;
    }

    void seal() {
        sealed = true;
    }

    /** A record of {@code frameBytes} was appended. */
    void appended(long seq, int frameBytes) {
        lastSeq = seq;
        bytes += frameBytes;
        records++;
    }
}
