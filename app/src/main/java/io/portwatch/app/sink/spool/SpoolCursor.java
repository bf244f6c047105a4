package io.portwatch.app.sink.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Which records of a spool were delivered, as the spool's user last said: every record up to
 * {@link #handedThrough()} was handed to Kafka, and each of them was acknowledged but for the
 * {@link #unacknowledged()} ones. Records are handed in order, and at most {@code --kafka-buffer} wait
 * for an acknowledgement, so this is small whatever the spool holds. A run that starts on a spool skips
 * the records this says were delivered, and sends the others again.
 *
 * <p>The file ({@value #FILE}: magic, handedThrough, count, the seqs, CRC-32C of all before) is replaced
 * as a whole (written beside, forced, renamed over, the directory forced): after a crash it is the last
 * one saved, or the one before; never half of one. A damaged or missing file delivers nothing: every
 * record is sent again (duplicates rather than losses). Immutable.
 */
final class SpoolCursor {

    static final String FILE = "delivered";
    private static final byte[] MAGIC = {'P', 'W', 'C', 'U', 'R', 'S', 'R', '1'};
    /** More seqs than this cannot be a file this wrote: damage. */
    private static final int MAX_SEQS = 1 << 24;

    /** Nothing delivered. */
    static final SpoolCursor NONE = new SpoolCursor(-1, new long[0]);

    private final long handedThrough;
    private final long[] unacknowledged;

    /**
     * @param handedThrough  every record up to this seq was handed to Kafka (-1: none)
     * @param unacknowledged those of them not acknowledged (any order)
     */
    SpoolCursor(long handedThrough, long[] unacknowledged) {
        this.handedThrough = handedThrough;
        this.unacknowledged = unacknowledged.clone();
        Arrays.sort(this.unacknowledged);
    }

    long handedThrough() {
        return handedThrough;
    }

    long[] unacknowledged() {
        return unacknowledged.clone();
    }

    /** Whether the record {@code seq} was delivered. */
    boolean delivered(long seq) {
        return seq <= handedThrough && Arrays.binarySearch(unacknowledged, seq) < 0;
    }

    /** The cursor saved in {@code dir}; {@link #NONE} (with a line to {@code warn} if damaged) otherwise. */
    static SpoolCursor read(Path dir, Consumer<String> warn) throws IOException {
        Path file = dir.resolve(FILE);
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return NONE;
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        int fixed = MAGIC.length + 8 + 4 + 4;
        if (b.length >= fixed && Arrays.equals(Arrays.copyOf(b, MAGIC.length), MAGIC)) {
            int n = in.getInt(MAGIC.length + 8);
            if (n >= 0 && n <= MAX_SEQS && b.length == fixed + 8L * n) {
                CRC32C crc = new CRC32C();
                crc.update(b, 0, b.length - 4);
                if ((int) crc.getValue() == in.getInt(b.length - 4)) {
                    long[] seqs = new long[n];
                    for (int i = 0; i < n; i++) {
                        seqs[i] = in.getLong(MAGIC.length + 12 + 8 * i);
                    }
                    return new SpoolCursor(in.getLong(MAGIC.length), seqs);
                }
            }
        }
        warn.accept("kafka spool " + file + ": damaged: every record of the spool is sent again");
        return NONE;
    }

    /** Saves this as {@code dir}'s cursor, replacing the one there at once. */
    void write(Path dir) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 12 + 8 * unacknowledged.length + 4);
        out.put(MAGIC).putLong(handedThrough).putInt(unacknowledged.length);
        for (long s : unacknowledged) {
            out.putLong(s);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        out.flip();
        Path tmp = dir.resolve(FILE + ".new");
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                c.write(out);
            }
            c.force(false);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Spool.forceDirectory(dir);
    }
}
