package io.portwatch.capture.source;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Several capture files read as one capture in time order, as mergecap merges them by default: the next
 * frame is always the earliest of the files' next frames, so files whose times do not overlap come one
 * after another in the order of their first frames, whatever order they were given in (tcpdump's
 * {@code cap}, {@code cap1} ... {@code cap10} in the order a shell lists them), and files whose times
 * overlap are merged frame by frame. A file's own frames are never reordered (an out-of-order frame stays
 * where it was recorded), and frames of equal time come in the order of their files' first frames, then
 * of the files as given.
 *
 * <p>Each file is opened first to read its first frame's time, and closed; it is opened again only when
 * the merge reaches that time, and closed at its end, so that hundreds of rotated files hold one or two
 * open at a time (with their buffers). Standard input ({@code -}), or a named pipe, cannot be read twice: it
 * stays open from its first frame to its end, and is merged as it comes.
 *
 * <p>Each frame waits in its file's reader (whose buffer holds it until that reader's next record) until it
 * is the earliest; the files' next frames are kept in a binary heap. Nothing is allocated per frame.
 *
 * <p>A file's fault (missing, not a capture, truncated, corrupt) goes to the fault handler, with its
 * one-line message naming the file, after the frames before it, and the other files are still read: a
 * fault before a file's first frame is reported when the files are first opened, in the order given. The
 * merge never calls {@link PacketSink#onIdle}.
 */
public final class MergedSource implements PacketSource {

    /** What the first look at a file reads at a time: its first frame, not a megabyte. */
    static final int PEEK_READ = 64 * 1024;

    /** An opened input, read by the merge's thread a record or block a call. */
    public interface Cursor {
        /**
         * Reads the next record or block, and delivers it if it holds a frame; the frame's bytes stay valid
         * until the next call.
         *
         * @return false at the clean end of the input, or after {@link #stop()}
         */
        boolean step(PacketSink sink) throws CaptureException;

        /** From any thread: the next step returns false soon (a blocked read of standard input too). */
        void stop();

        /** On the merge's thread, when done with the input: releases it. */
        void close();
    }

    /** Opens an input; {@code peek}: only its first frame will be read. */
    public interface Opener {
        Cursor open(String name, boolean peek) throws CaptureException;
    }

    private final List<String> names;
    private final Opener opener;
    private final Consumer<CaptureException> faults;
    private final Object lock = new Object();
    private volatile boolean stopped;
    /** Guarded by {@link #lock}: the inputs open now, so that close() can stop them. */
    private final List<Cursor> open = new ArrayList<>();
    private boolean closed;

    /**
     * A merge of inputs opened by {@code opener} ({@link #java} for the pure-Java reader; the libpcap reader
     * makes its own), whose faults go to {@code faults}.
     */
    public MergedSource(List<String> names, Opener opener, Consumer<CaptureException> faults) {
        this.names = List.copyOf(names);
        this.opener = Objects.requireNonNull(opener, "opener");
        this.faults = Objects.requireNonNull(faults, "faults");
    }

    /** A merge read by the pure-Java reader ({@link CaptureFileSource}). */
    public static MergedSource java(List<String> names, Consumer<CaptureException> faults) {
        return new MergedSource(names, (name, peek) -> CaptureFileSource.open(name, peek ? PEEK_READ : 0).cursor(),
                faults);
    }

    @Override
    public String name() {
        return String.join(",", names);
    }

    /**
     * Delivers every frame of every input in time order, until the inputs end or {@link #stop()}; faults go
     * to the handler, never out of here.
     */
    @Override
    public void run(PacketSink sink) {
        Objects.requireNonNull(sink, "sink");
        Input[] heap = firstFrames();
        int size = heap.length;
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, size);
        }
        while (size > 0 && !stopped) {
            Input top = heap[0];
            if (top.cursor == null) {
                // the merge has reached the file's first frame (or one before its first, if it changed)
                if (!reopen(top)) {
                    heap[0] = heap[--size];
                }
                siftDown(heap, 0, size);
                continue;
            }
            sink.onPacket(top.linkType, top.timestamp, top.buffer, top.offset, top.capturedLength, top.originalLength);
            if (!advance(top)) {
                finish(top);
                heap[0] = heap[--size];
            }
            siftDown(heap, 0, size);
        }
        for (int i = 0; i < size; i++) {
            finish(heap[i]);
        }
    }

    /** Each readable input with its first frame's time, ranked by that time (then as given). */
    private Input[] firstFrames() {
        List<Input> inputs = new ArrayList<>(names.size());
        for (int i = 0; i < names.size() && !stopped; i++) {
            String name = names.get(i);
            boolean once = readOnce(name);
            Input in = new Input(name, i);
            if (!openInput(in, !once) || !advance(in)) {
                finish(in);
                continue;
            }
            in.first = in.timestamp;
            if (!once) {
                finish(in); // opened again when the merge reaches its first frame
            }
            inputs.add(in);
        }
        Input[] ranked = inputs.toArray(new Input[0]);
        Arrays.sort(ranked, Comparator.<Input>comparingLong(in -> in.first).thenComparingInt(in -> in.index));
        for (int r = 0; r < ranked.length; r++) {
            ranked[r].rank = r;
            ranked[r].timestamp = ranked[r].first;
        }
        return ranked;
    }

    /** Whether an input can be read only once: standard input, or a path that is not a regular file (a pipe). */
    private static boolean readOnce(String name) {
        if ("-".equals(name)) {
            return true;
        }
        try {
            Path p = Path.of(name);
            return Files.exists(p) && !Files.isRegularFile(p);
        } catch (InvalidPathException | SecurityException e) {
            return false; // opening it names the problem
        }
    }

    private boolean openInput(Input in, boolean peek) {
        try {
            Cursor c = opener.open(in.name, peek);
            synchronized (lock) {
                if (closed) {
                    c.stop();
                } else {
                    open.add(c);
                }
            }
            in.cursor = c;
            return true;
        } catch (CaptureException e) {
            fault(e);
            return false;
        }
    }

    /** Opens an input again at its first frame; false when it has none now (or cannot be opened). */
    private boolean reopen(Input in) {
        if (openInput(in, false) && advance(in)) {
            return true;
        }
        finish(in);
        return false;
    }

    /** Reads an input's next frame into it; false at its end or a fault (reported). */
    private boolean advance(Input in) {
        in.has = false;
        try {
            while (!in.has) {
                if (stopped || !in.cursor.step(in)) {
                    return false;
                }
            }
            return true;
        } catch (CaptureException e) {
            fault(e);
            return false;
        }
    }

    private void fault(CaptureException e) {
        if (!stopped) { // a stop closes the inputs: their faults then are the interrupted reads
            faults.accept(e);
        }
    }

    /** Closes an input that is done (or, after a peek, until the merge comes back to it). */
    private void finish(Input in) {
        Cursor c = in.cursor;
        if (c != null) {
            in.cursor = null;
            synchronized (lock) {
                open.remove(c);
            }
            c.close();
        }
    }

    /** Restores the heap order below {@code i}: earliest next frame first, then the lower rank. */
    private static void siftDown(Input[] heap, int i, int size) {
        if (i >= size) {
            return;
        }
        Input x = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], x)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }

    private static boolean before(Input a, Input b) {
        return a.timestamp < b.timestamp || (a.timestamp == b.timestamp && a.rank < b.rank);
    }

    /** Makes {@link #run} return before the next frame. */
    @Override
    public void stop() {
        stopped = true;
    }

    /**
     * Stops the run, also one waiting for standard input; the run's thread closes the inputs open then as it
     * returns.
     */
    @Override
    public void close() {
        stopped = true;
        synchronized (lock) {
            closed = true;
            for (Cursor c : open) {
                c.stop();
            }
        }
    }

    /** One input of the merge, and its next frame (whose bytes its reader's buffer holds). */
    private static final class Input implements PacketSink {
        final String name;
        final int index;
        Cursor cursor;
        /** The first frame's time, as first read. */
        long first;
        int rank;
        boolean has;
        int linkType;
        long timestamp;
        ByteBuffer buffer;
        int offset;
        int capturedLength;
        int originalLength;

        Input(String name, int index) {
            this.name = name;
            this.index = index;
        }

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            this.linkType = linkType;
            this.timestamp = timestampNanos;
            this.buffer = buffer;
            this.offset = offset;
            this.capturedLength = capturedLength;
            this.originalLength = originalLength;
            this.has = true;
        }
    }
}
