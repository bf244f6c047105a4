package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.detect.DetectionInput;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Summary;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static io.portwatch.analysis.DetectionEvents.CLIENT_HI;
import static io.portwatch.analysis.DetectionEvents.CLIENT_LO;
import static io.portwatch.analysis.DetectionEvents.DETAIL;
import static io.portwatch.analysis.DetectionEvents.KIND;
import static io.portwatch.analysis.DetectionEvents.SERVER_HI;
import static io.portwatch.analysis.DetectionEvents.SERVER_LO;
import static io.portwatch.analysis.DetectionEvents.STAMP;
import static io.portwatch.analysis.DetectionEvents.TIME;
import static io.portwatch.analysis.DetectionEvents.detail;

/**
 * One packet thread's end of a stage ({@link DetectionStage}, or a {@link MergingStage} of several packet
 * threads): what the thread tells the detectors and hands on to the sink, written as events into an
 * {@link EventRing} of its own that the stage's thread reads. Seen from the packet thread this is a
 * {@link DetectionInput} and an {@link AnalyzerOutput}. Events are laid out as {@link DetectionEvents} says;
 * each carries the thread's {@link #stamp(long) stamp}.
 *
 * <p>A full ring makes the packet thread wait, never drop. When the detectors or the sink throw on the
 * stage's thread, the packet thread rethrows it at its next publish.
 *
 * <p>A closed window waits until the record of the window before it is made: then at most two windows'
 * per-port structures are held at once, which is what bounds them
 * ({@link io.portwatch.analysis.AnalyzerConfig#portMemory()}).
 */
final class StageLink implements DetectionInput, AnalyzerOutput {

    /** Events written before the packet thread publishes without being asked. */
    private static final int PUBLISH_EVERY = 256;
    private static final VarHandle WATERMARK;
    private static final VarHandle WINDOWS_DONE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WATERMARK = l.findVarHandle(StageLink.class, "watermark", long.class);
            WINDOWS_DONE = l.findVarHandle(StageLink.class, "windowsDone", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final EventRing ring;
    private final Stage stage;

    // Packet thread.
    private final IdleStrategy producerIdle = new BackoffIdleStrategy();
    private long stamp = Long.MIN_VALUE;
    private long nextTick = Long.MIN_VALUE;
    private boolean stopped;
    private long fullRing;
    private long windowsSent;

    /**
     * No event this thread writes from now on has a stamp below this (written by the packet thread after its
     * events are published; read by the stage's thread).
     */
    @SuppressWarnings("unused")
    private volatile long watermark = Long.MIN_VALUE;
    /** Windows of this thread whose records the stage's thread has made (or discarded after a failure). */
    @SuppressWarnings("unused")
    private volatile long windowsDone;

    /**
     * @param stageTicks whether the detectors' ticks come from elsewhere than {@link #onTime} (a merging stage's
     *                   threads are told when)
     */
    StageLink(Stage stage, int events, boolean stageTicks) {
        this.ring = new EventRing(events);
        this.stage = stage;
        if (stageTicks) {
            nextTick = Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------ packet thread

    /**
     * Where the packet thread stands in its capture: the events written from now on carry this stamp. Never
     * earlier than the stamp before (the caller keeps it so).
     */
    void stamp(long t) {
        stamp = t;
    }

    /**
     * Publishes the events written so far and promises that none written later has a stamp below
     * {@code t}, which must not be past {@link #stamp}.
     */
    void watermark(long t) {
        publish();
        WATERMARK.setRelease(this, t);
    }

    /** The offset of a new event of this kind, once the ring has room. */
    private int claim(int kind) {
        if (ring.isFull()) {
            awaitRoom();
        }
        int b = ring.tailOffset();
        ring.words[b + KIND] = kind;
        ring.words[b + STAMP] = stamp;
        return b;
    }

    private void commit() {
        if (ring.commit() >= PUBLISH_EVERY) {
            publish();
        }
    }

    private void awaitRoom() {
        fullRing++;
        handOver();
        producerIdle.reset();
        while (ring.isFull()) {
            rethrow();
            producerIdle.idle();
        }
    }

    /** Times the packet thread found the ring full and waited for room. */
    long fullRing() {
        return fullRing;
    }

    /** Makes the events written so far visible to the stage's thread; rethrows what failed there. */
    void publish() {
        rethrow();
        ring.publish();
    }

    /** Publishes, and wakes the stage's thread: this thread is about to wait for it. */
    private void handOver() {
        publish();
        stage.wake();
    }

    private void rethrow() {
        Throwable t = stage.takeFailure();
        if (t != null) {
            stopped = true;
            Stage.rethrow(t);
        }
    }

    /** Waits until the stage's thread has handled every event written so far. */
    void sync() {
        handOver();
        producerIdle.reset();
        while (ring.released() != ring.tail() && stage.isAlive()) {
            rethrow();
            producerIdle.idle();
        }
        rethrow();
    }

    /**
     * Ends this thread's part after the events written so far; with a stage of one link, waits for the stage's
     * thread to end and rethrows what failed there.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stamp = Long.MAX_VALUE;
        claim(DetectionEvents.STOP);
        commit();
        watermark(Long.MAX_VALUE);
        stopped = true;
        stage.wake();
        stage.linkStopped();
        rethrow();
    }

    /** A flow event: the client's and the server's addresses, the detail word and the time. */
    private void flowEvent(int kind, long cHi, long cLo, long sHi, long sLo, long detail, long t) {
        final int i = claim(kind);
        final long[] w = ring.words;
        w[i + CLIENT_HI] = cHi;
        w[i + CLIENT_LO] = cLo;
        w[i + SERVER_HI] = sHi;
        w[i + SERVER_LO] = sLo;
        w[i + DETAIL] = detail;
        w[i + TIME] = t;
        commit();
    }

    private void record(int kind, Object r) {
        final int i = claim(kind);
        ring.refs[i / EventRing.WORDS] = r;
        commit();
    }

    private void signal(int kind) {
        claim(kind);
        commit();
    }

    @Override
    public void syn(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        flowEvent(DetectionEvents.SYN, cHi, cLo, sHi, sLo, detail(port, 0, 0, 0, 0), t);
    }

    @Override
    public void established(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        flowEvent(DetectionEvents.ESTABLISHED, cHi, cLo, sHi, sLo, detail(port, 0, 0, 0, 0), t);
    }

    @Override
    public void tcpAnswer(long cHi, long cLo, long sHi, long sLo, int port, int flowFlags, int flags, long t) {
        flowEvent(DetectionEvents.TCP_ANSWER, cHi, cLo, sHi, sLo, detail(port, 0, flowFlags, flags, 0), t);
    }

    @Override
    public void udpAnswer(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        flowEvent(DetectionEvents.UDP_ANSWER, cHi, cLo, sHi, sLo, detail(port, 0, 0, 0, 0), t);
    }

    @Override
    public void newFlow(int proto, long cHi, long cLo, long sHi, long sLo, int port, long t) {
        flowEvent(DetectionEvents.NEW_FLOW, cHi, cLo, sHi, sLo, detail(port, proto, 0, 0, 0), t);
    }

    @Override
    public void failure(int proto, long cHi, long cLo, long sHi, long sLo, int port, int kind, long t) {
        flowEvent(DetectionEvents.FAILURE, cHi, cLo, sHi, sLo, detail(port, proto, 0, 0, kind), t);
    }

    /**
     * Mirrors {@link Detection#onTime}'s schedule, so that only ticks cross the ring; nothing when the stage
     * ticks the clock itself.
     */
    @Override
    public void onTime(long t) {
        if (t < nextTick) {
            return;
        }
        nextTick = t + Detection.TICK_NANOS;
        final int i = claim(DetectionEvents.TIME_TICK);
        ring.words[i + TIME] = t;
        commit();
    }

    /** The detectors' clock ticks at {@code t}, whatever the schedule (a merging stage's threads are told when). */
    void tick(long t) {
        final int i = claim(DetectionEvents.TIME_TICK);
        ring.words[i + TIME] = t;
        commit();
    }

    @Override
    public long nextTick() {
        return nextTick;
    }

    @Override
    public void onWindowClose() {
        signal(DetectionEvents.WINDOW_CLOSE);
    }

    @Override
    public void finish() {
        signal(DetectionEvents.FINISH);
    }

    @Override
    public void peers(int portSlot, int portKey, long cHi, long cLo, long sHi, long sLo) {
        final int i = claim(DetectionEvents.PEERS);
        final long[] w = ring.words;
        w[i + DETAIL] = DetectionEvents.peers(portSlot, portKey);
        w[i + CLIENT_HI] = cHi;
        w[i + CLIENT_LO] = cLo;
        w[i + SERVER_HI] = sHi;
        w[i + SERVER_LO] = sLo;
        commit();
    }

    /**
     * A closed window: its record is made on the stage's thread, with the distinct counts, once the record of
     * this thread's window before is made.
     */
    @Override
    public void window(WindowDraft draft) {
        if (windowsDone() != windowsSent) {
            handOver();
            producerIdle.reset();
            while (windowsDone() != windowsSent && stage.isAlive()) {
                rethrow();
                producerIdle.idle();
            }
            rethrow();
        }
        record(DetectionEvents.WINDOW_DRAFT, draft);
        windowsSent++;
    }

    @Override
    public void flow(FlowRecord flow) {
        record(DetectionEvents.FLOW, flow);
    }

    @Override
    public void summary(Summary summary) {
        record(DetectionEvents.SUMMARY, summary);
    }

    @Override
    public void flush() {
        signal(DetectionEvents.FLUSH);
    }

    // ------------------------------------------------------------------ the stage's thread

    long watermarkAcquire() {
        return (long) WATERMARK.getAcquire(this);
    }

    private long windowsDone() {
        return (long) WINDOWS_DONE.getAcquire(this);
    }

    /** The stage's thread made the record of one more window of this thread's. */
    void windowDone() {
        WINDOWS_DONE.setRelease(this, (long) WINDOWS_DONE.getOpaque(this) + 1);
    }
}
