package io.portwatch.app.sink.spool;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Records that could not go to Kafka, on disk, in the order given, until they are delivered: a directory
 * of append-only {@link Segment} files, bounded in bytes, that a later run of portwatch reads again. As
 * rsyslog's disk-assisted queues and Filebeat's disk queue do for their outputs, it keeps a sensor's
 * records through a long outage of the cluster, and through a restart of the sensor meanwhile.
 *
 * <p>One writer appends ({@link #append}) and one reader takes the records in the same order
 * ({@link #next}); the reader follows the writer into the newest segment. A segment is deleted once its
 * every record has been read and acknowledged ({@link #release}): the user says which record is the oldest
 * not yet acknowledged. Which of the records read were delivered is saved in a small file
 * ({@link SpoolCursor}, {@link #save}), so that the next run skips them: records not acknowledged are sent
 * again (Kafka may then hold one twice, never none).
 *
 * <p>The bound counts the segment files' bytes: a record that would go past it is refused (the caller
 * counts it). Durability: each append is one write to the file (a crash of portwatch loses nothing
 * written), made durable (fsync) by {@link #sync()} (its user calls it every second), when a segment is
 * finished, and at close. At open every segment is read through: a damaged record (a write cut short by a
 * crash of the machine) ends what is taken of its file, with a one-line warning naming the file. A lock
 * file keeps a second portwatch out of the directory.
 *
 * <p>Not thread-safe: its user holds a lock around every call.
 */
public final class Spool implements Backlog, Closeable {

    static final String LOCK = "lock";
    /** The largest segment: a unit of deletion, so a small part of the bound. */
    static final long MAX_SEGMENT = 64L << 20;
    static final long MIN_SEGMENT = 4L << 10;

    private final Path dir;
    private final long limit;
    private final long segmentBytes;
    private final Consumer<String> warn;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final SpoolCursor earlier;
    private final List<Segment> segments = new ArrayList<>();
    private final Set<String> topics;
    private SpoolWriter writer;
    private SegmentReader reading;
    /** Index in {@link #segments} of the segment being read. */
    private int readIndex;
    private long readInSegment;
    private long lastReadSeq = -1;
    private long unread;
    private long bytes;
    private long nextSeq;
    private boolean appendFailed;
    private boolean syncFailed;

    private Spool(Path dir, long limit, Consumer<String> warn, FileChannel lockChannel, FileLock lock,
                  SpoolCursor earlier, Set<String> topics) {
        this.dir = dir;
        this.limit = limit;
        this.segmentBytes = Math.max(MIN_SEGMENT, Math.min(MAX_SEGMENT, limit / 8));
        this.warn = warn;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.earlier = earlier;
        this.topics = topics;
    }

    /**
     * Opens the spool in {@code dir} (created if missing): takes its lock, reads what an earlier run left
     * there (warning through {@code warn}, one line each, of damaged files) and goes on from it.
     *
     * @param limit the most bytes its files may hold
     * @throws IOException when the directory cannot be made or used, or another portwatch holds it
     */
    public static Spool open(Path dir, long limit, Consumer<String> warn) throws IOException {
        if (limit < MIN_SEGMENT) {
            throw new IllegalArgumentException("a spool needs at least " + MIN_SEGMENT + " bytes");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("not a directory");
        }
        Files.createDirectories(dir);
        FileChannel lc = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock fl;
        try {
            fl = lc.tryLock();
        } catch (OverlappingFileLockException e) {
            fl = null;
        }
        if (fl == null) {
            lc.close();
            throw new IOException("in use by another portwatch (" + dir.resolve(LOCK) + " is locked)");
        }
        try {
            Spool s = new Spool(dir, limit, warn, lc, fl, SpoolCursor.read(dir, warn), new TreeSet<>());
            s.load();
            return s;
        } catch (IOException | RuntimeException e) {
            lc.close();
            throw e;
        }
    }

    private void load() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> l = Files.list(dir)) {
            l.filter(p -> Segment.firstSeq(p.getFileName().toString()) >= 0).forEach(files::add);
        }
        Collections.sort(files); // names of equal length: the order of their first records
        long last = earlier.handedThrough();
        for (Path f : files) {
            Segment s = Segment.scan(f, Segment.firstSeq(f.getFileName().toString()), topics, warn);
            if (s == null) {
                continue;
            }
            if (s.records() == 0) {
                Files.delete(f); // nothing in it (made just before a crash)
                continue;
            }
            segments.add(s);
            bytes += Files.size(f);
            unread += s.records();
            last = Math.max(last, s.lastSeq());
        }
        nextSeq = last + 1;
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** The most bytes its files may hold. */
    public long limit() {
        return limit;
    }

    /** The seq for the next new record: after every one in the spool and every one an earlier run handed over. */
    public long nextSeq() {
        return nextSeq;
    }

    /** The topics of the records found at open. */
    public Set<String> topics() {
        return Collections.unmodifiableSet(topics);
    }

    /** Bytes of its files. */
    public long bytes() {
        return bytes;
    }

    /** Records not yet read (some of them may turn out to have been delivered by an earlier run). */
    @Override
    public long size() {
        return unread;
    }

    /**
     * Appends {@code r}, whose seq must be above every one appended before; false when it would take the
     * files past the bound, is too large for a frame, or cannot be written (a full disk: said once).
     */
    @Override
    public boolean append(SpooledRecord r) {
        if (!Frame.fits(r)) {
            return false;
        }
        int size = Frame.size(r);
        try {
            if (writer != null && writer.segment().records() > 0 && writer.segment().bytes() + size > segmentBytes) {
                writer.close();
                writer = null;
            }
            long add = size + (writer == null ? Frame.MAGIC.length : 0);
            if (bytes + add > limit) {
                return false;
            }
            if (writer == null) {
                Segment s = Segment.fresh(dir, r.seq());
                writer = new SpoolWriter(s);
                segments.add(s);
                bytes += Frame.MAGIC.length;
                forceDirectory(dir);
            }
            writer.append(r);
        } catch (IOException e) {
            if (!appendFailed) {
                appendFailed = true;
                warn.accept("kafka spool " + dir + ": cannot write (" + reason(e) + "): records that do not reach "
                        + "Kafka are lost meanwhile");
            }
            return false;
        }
        appendFailed = false;
        bytes += size;
        unread++;
        nextSeq = Math.max(nextSeq, r.seq() + 1);
        return true;
    }

    /**
     * The next record in order that an earlier run did not deliver, which is taken (its place kept on disk
     * until {@link #release}); null when every record written so far has been read.
     */
    @Override
    public SpooledRecord next() {
        while (readIndex < segments.size()) {
            Segment s = segments.get(readIndex);
            try {
                if (reading == null) {
                    reading = new SegmentReader(s.path(), Frame.MAGIC.length);
                    readInSegment = 0;
                }
                SpooledRecord r = reading.next(s.bytes());
                if (r != null) {
                    unread--;
                    readInSegment++;
                    lastReadSeq = r.seq();
                    if (earlier.delivered(r.seq())) {
                        continue;
                    }
                    return r;
                }
                if (reading.damaged()) {
                    throw new IOException("a record damaged at byte " + reading.position() + " since the spool was opened");
                }
            } catch (IOException e) {
                warn.accept("kafka spool " + s.path() + ": cannot be read further (" + reason(e)
                        + "): its remaining records are skipped");
                unread -= s.records() - readInSegment;
                readInSegment = s.records();
                s.seal();
                if (writer != null && writer.segment() == s) {
                    closeWriter();
                }
            }
            if (!s.sealed()) {
                return null; // as far as the writer has come
            }
            closeReader();
            readIndex++;
        }
        return null;
    }

    /**
     * Deletes the segments whose every record was read and whose last record is below
     * {@code oldestUnacknowledged} (the oldest record read and not yet acknowledged, or the next seq
     * when none waits).
     */
    public void release(long oldestUnacknowledged) {
        while (!segments.isEmpty()) {
            Segment s = segments.get(0);
            boolean read = readIndex > 0 || (reading != null && readInSegment == s.records()
                    && reading.position() == s.bytes());
            if (!read || s.lastSeq() >= oldestUnacknowledged) {
                return;
            }
            if (readIndex == 0) {
                closeReader();
                readIndex = 1;
            }
            if (writer != null && writer.segment() == s) {
                closeWriter();
            }
            try {
                long size = Files.size(s.path());
                Files.delete(s.path());
                bytes -= size;
            } catch (IOException e) {
                warn.accept("kafka spool " + s.path() + ": cannot be deleted (" + reason(e) + ")");
                return;
            }
            segments.remove(0);
            readIndex--;
        }
    }

    /** Makes every record appended so far durable (fsync). */
    public void sync() {
        try {
            if (writer != null) {
                writer.force();
            }
            syncFailed = false;
        } catch (IOException e) {
            if (!syncFailed) {
                syncFailed = true;
                warn.accept("kafka spool " + dir + ": cannot be synced (" + reason(e) + ")");
            }
        }
    }

    /**
     * Saves which records were delivered: every record up to {@code handedThrough} was handed to Kafka,
     * all acknowledged but the {@code unacknowledged} ones (with what the earlier run said of the records
     * not read again yet). Every record read so far must be among them: handed, or unacknowledged.
     */
    public void save(long handedThrough, long[] unacknowledged) {
        long[] before = earlier.unacknowledged();
        long[] all = new long[unacknowledged.length + before.length];
        System.arraycopy(unacknowledged, 0, all, 0, unacknowledged.length);
        int n = unacknowledged.length;
        for (long u : before) {
            if (u > lastReadSeq) {
                all[n++] = u;
            }
        }
        try {
            new SpoolCursor(Math.max(handedThrough, earlier.handedThrough()), java.util.Arrays.copyOf(all, n))
                    .write(dir);
        } catch (IOException e) {
            warn.accept("kafka spool " + dir.resolve(SpoolCursor.FILE) + ": cannot be saved (" + reason(e)
                    + "): records delivered may be sent again");
        }
    }

    /** Syncs and closes the files, and lets go of the lock; {@link #save} first. */
    @Override
    public void close() {
        sync();
        closeReader();
        closeWriter();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // the lock goes with the process
        }
    }

    private void closeWriter() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                warn.accept("kafka spool " + writer.segment().path() + ": cannot be closed (" + reason(e) + ")");
            }
            writer = null;
        }
    }

    private void closeReader() {
        if (reading != null) {
            try {
                reading.close();
            } catch (IOException e) {
                // read only
            }
            reading = null;
        }
    }

    /** Makes the directory's entries (new and renamed files) durable, where the system allows it. */
    static void forceDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not every system opens a directory: its entries are then as durable as it makes them
        }
    }

    private static String reason(IOException e) {
        return io.portwatch.app.IoErrors.reason(e);
    }
}
