package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.detect.DetectionInput;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.PortPeers;

import static io.portwatch.analysis.DetectionEvents.CLIENT_HI;
import static io.portwatch.analysis.DetectionEvents.CLIENT_LO;
import static io.portwatch.analysis.DetectionEvents.DETAIL;
import static io.portwatch.analysis.DetectionEvents.KIND;
import static io.portwatch.analysis.DetectionEvents.SERVER_HI;
import static io.portwatch.analysis.DetectionEvents.SERVER_LO;
import static io.portwatch.analysis.DetectionEvents.SLOT;
import static io.portwatch.analysis.DetectionEvents.TIME;
import static io.portwatch.analysis.DetectionEvents.detail;

/**
 * The detectors and the record sink on a thread of their own, fed by the packet thread over an
 * {@link EventRing}: the packet thread decodes, tracks flows and counts ports; this stage's thread owns the
 * {@link Detection} and the ports' distinct counters ({@link PortPeers}), whose tables are cache misses of
 * their own, now taken on another core, and makes every call to the sink, so that records leave in the
 * order an analyzer on one thread gives. Events are laid out as {@link DetectionEvents} says.
 *
 * <p>The ring holds {@value #EVENTS} events (16 MiB) so that the packet thread does not wait while the
 * stage's thread falls behind for a while: early in a run, while its code is still interpreted, or while a
 * JIT compiler thread has its core (with a ring of 16k events, the packet thread waited ~0.15 s of a 1.5 s
 * read of 5M packets; with 256k events, not at all). A full ring makes the packet thread wait, never drop.
 * When the detectors or the sink throw on the stage's thread, the packet thread rethrows it at its next
 * publish, and the stage discards what follows.
 *
 * <p>A closed window waits until the record of the window before it is made: then at most two windows'
 * per-port structures are held at once (the open window's, and the one whose record is being made), which
 * is what bounds them ({@link io.portwatch.analysis.AnalyzerConfig#portMemory()}). The stage is a whole
 * window behind only when it cannot keep up, when the ring is mostly full anyway.
 *
 * <p>Seen from the packet thread this is a {@link DetectionInput} and an {@link AnalyzerOutput}.
 */
final class DetectionStage implements DetectionInput, AnalyzerOutput {

    static final int EVENTS = 1 << 18;
    /** Events written before the packet thread publishes without being asked. */
    private static final int PUBLISH_EVERY = 256;
    /** Events whose distinct-client slots the stage's thread reads at once, before handling them. */
    private static final int AHEAD = 32;

    private final EventRing ring;
    private final Detection detection;
    private final PortPeers peers;
    private final RecordSink sink;
    private final Thread thread;
    private volatile Throwable failure;
    /** Windows whose events the stage's thread has handled (their records made, or discarded after a failure). */
    private volatile long windowsDone;
    /** What lookahead reads summed up (stage's thread), so that the reads are not optimized away. */
    private long prefetched;

    // Packet thread.
    private final IdleStrategy producerIdle = new BackoffIdleStrategy();
    private long nextTick = Long.MIN_VALUE;
    private boolean stopped;
    private long fullRing;
    private long windowsSent;

    /**
     * Starts the stage's thread.
     *
     * @param detection the detectors, owned by the stage's thread from now on
     * @param peers     the ports' distinct clients and servers, owned by the stage's thread from now on
     * @param sink      where records go, called on the stage's thread only
     * @param name      names the thread
     */
    DetectionStage(Detection detection, PortPeers peers, RecordSink sink, String name) {
        this(detection, peers, sink, name, EVENTS);
    }

    /** A stage with a ring of {@code events} events, a power of two (tests use small ones, to fill them). */
    DetectionStage(Detection detection, PortPeers peers, RecordSink sink, String name, int events) {
        this.ring = new EventRing(events);
        this.detection = detection;
        this.peers = peers;
        this.sink = sink;
        this.thread = new Thread(this::consume, "detect-" + name);
        thread.setDaemon(true); // a packet thread that fails leaves nothing waiting at exit
        thread.start();
    }

    // ------------------------------------------------------------------ packet thread

    /** The offset of a new event of this kind, once the ring has room. */
    private int claim(int kind) {
        if (ring.isFull()) {
            awaitRoom();
        }
        int b = ring.tailOffset();
        ring.words[b + KIND] = kind;
        return b;
    }

    private void commit() {
        if (ring.commit() >= PUBLISH_EVERY) {
            publish();
        }
    }

    private void awaitRoom() {
        fullRing++;
        publish();
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

    private void rethrow() {
        Throwable t = failure;
        if (t != null) {
            failure = null; // once
            stopped = true;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /** Waits until the stage's thread has handled every event written so far. */
    void sync() {
        publish();
        producerIdle.reset();
        while (ring.released() != ring.tail() && thread.isAlive()) {
            rethrow();
            producerIdle.idle();
        }
        rethrow();
    }

    /** Ends the stage after the events written so far: waits for its thread, rethrows what failed there. */
    void stop() {
        if (stopped) {
            return;
        }
        claim(DetectionEvents.STOP);
        commit();
        publish();
        stopped = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
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

    /** Mirrors {@link Detection#onTime}'s schedule, so that only ticks cross the ring. */
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
    public void peers(int portSlot, long cHi, long cLo, long sHi, long sLo) {
        final int i = claim(DetectionEvents.PEERS);
        final long[] w = ring.words;
        w[i + SLOT] = portSlot;
        w[i + CLIENT_HI] = cHi;
        w[i + CLIENT_LO] = cLo;
        w[i + SERVER_HI] = sHi;
        w[i + SERVER_LO] = sLo;
        commit();
    }

    /**
     * A closed window: its record is made on the stage's thread, with the distinct counts, once the record of
     * the window before is made.
     */
    @Override
    public void window(WindowDraft draft) {
        if (windowsDone != windowsSent) {
            publish();
            producerIdle.reset();
            while (windowsDone != windowsSent && thread.isAlive()) {
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

    private void consume() {
        final EventRing r = ring;
        final IdleStrategy idle = new BackoffIdleStrategy();
        final long[] w = r.words;
        long head = 0;
        long prefetchedTo = 0;
        boolean failed = false;
        for (;;) {
            final long available = r.available();
            if (available == head) {
                idle.idle();
                continue;
            }
            idle.reset();
            while (head < available) {
                final int i = r.offset(head);
                final int kind = (int) w[i + KIND];
                if (head >= prefetchedTo) {
                    prefetchedTo = prefetch(head, Math.min(available, head + AHEAD));
                }
                if (kind == DetectionEvents.STOP) {
                    r.release(head + 1);
                    return;
                }
                if (!failed) {
                    try {
                        handle(kind, w, i, r.refs[r.ref(head)]);
                    } catch (Throwable t) {
                        failed = true;
                        failure = t;
                    }
                }
                r.refs[r.ref(head)] = null;
                if (kind == DetectionEvents.WINDOW_DRAFT) {
                    windowsDone++; // this thread alone writes it
                }
                head++;
                if ((head & (PUBLISH_EVERY - 1)) == 0) {
                    r.release(head);
                }
            }
            r.release(head);
        }
    }

    /**
     * Reads the memory that the distinct-client counts of events [from, to) will read first, all at once
     * so that their cache misses overlap (one at a time, each would stall the thread in turn).
     *
     * @return to
     */
    private long prefetch(long from, long to) {
        final long[] w = ring.words;
        long v = 0;
        for (long e = from; e < to; e++) {
            final int a = ring.offset(e);
            if ((int) w[a + KIND] == DetectionEvents.PEERS) {
                v += peers.prefetch((int) w[a + SLOT], w[a + CLIENT_HI], w[a + CLIENT_LO]);
            }
        }
        prefetched += v;
        return to;
    }

    private void handle(int kind, long[] w, int i, Object ref) {
        final Detection d = detection;
        final long cHi = w[i + CLIENT_HI], cLo = w[i + CLIENT_LO], sHi = w[i + SERVER_HI], sLo = w[i + SERVER_LO];
        final long x = w[i + DETAIL];
        final long t = w[i + TIME];
        switch (kind) {
            case DetectionEvents.SYN -> d.syn(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.ESTABLISHED -> d.established(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.TCP_ANSWER -> d.tcpAnswer(cHi, cLo, sHi, sLo, DetectionEvents.port(x),
                    DetectionEvents.flowFlags(x), DetectionEvents.flags(x), t);
            case DetectionEvents.UDP_ANSWER -> d.udpAnswer(cHi, cLo, sHi, sLo, DetectionEvents.port(x), t);
            case DetectionEvents.NEW_FLOW -> d.newFlow(DetectionEvents.protocol(x), cHi, cLo, sHi, sLo,
                    DetectionEvents.port(x), t);
            case DetectionEvents.FAILURE -> d.failure(DetectionEvents.protocol(x), cHi, cLo, sHi, sLo,
                    DetectionEvents.port(x), DetectionEvents.probeKind(x), t);
            case DetectionEvents.TIME_TICK -> d.onTime(t);
            case DetectionEvents.WINDOW_CLOSE -> d.onWindowClose();
            case DetectionEvents.FINISH -> d.finish();
            case DetectionEvents.PEERS -> peers.add((int) w[i + SLOT], cHi, cLo, sHi, sLo);
            case DetectionEvents.WINDOW_DRAFT -> sink.window(((WindowDraft) ref).report(peers, d));
            case DetectionEvents.FLOW -> sink.flow((FlowRecord) ref);
            case DetectionEvents.SUMMARY -> sink.summary((Summary) ref);
            case DetectionEvents.FLUSH -> sink.flush();
            default -> throw new IllegalStateException("unknown event " + kind);
        }
    }
}
