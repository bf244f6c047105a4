package io.portwatch.analysis;

import io.portwatch.analysis.detect.Alert;
import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.detect.DetectionInput;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.PortPeers;
import io.portwatch.analysis.ports.WindowReport;
import io.portwatch.capture.flow.FlowRecord;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The detectors and the record sink on a thread of their own, fed by the packet thread over a
 * single-producer, single-consumer ring: the packet thread decodes, tracks flows and counts ports; this
 * stage's thread owns the {@link Detection} and the ports' distinct counters ({@link PortPeers}), whose
 * tables are cache misses of their own, now taken on another core, and makes every call to the sink, so
 * that records leave in the order an analyzer on one thread gives.
 *
 * <p>Each event is {@value #WORDS} longs (64 bytes) in a ring of {@value #EVENTS} events (16 MiB), with a
 * reference beside it for records. The ring is that large so that the packet thread does not wait while
 * the stage's thread falls behind for a while: early in a run, while its code is still interpreted, or
 * while a JIT compiler thread has its core (with a ring of 16k events, the packet thread waited ~0.15 s of
 * a 1.5 s read of 5M packets; with 256k events, not at all). The packet thread writes events and
 * publishes them a batch at a time ({@link #publish()}: one ordered store); the stage's thread
 * publishes how far it has read the same way. A full ring makes the packet thread wait, never drop. When the detectors or the sink throw on
 * the stage's thread, the packet thread rethrows it at its next publish, and the stage discards what
 * follows.
 *
 * <p>Seen from the packet thread this is a {@link DetectionInput} and a {@link RecordSink} (windows,
 * flows, summary, flush; alerts come from the detectors, on the stage's thread).
 */
final class DetectionStage implements DetectionInput, RecordSink {

    static final int WORDS = 8;
    static final int EVENTS = 1 << 18;
    /** Events written before the packet thread publishes without being asked. */
    private static final int PUBLISH_EVERY = 256;
    /** Events whose distinct-client slots the stage's thread reads at once, before handling them. */
    private static final int AHEAD = 32;
    private static final int SPINS = 20;
    private static final long PARK_NANOS = 200_000L;
    /** After about 0.2 s with nothing to do. */
    private static final long IDLE_PARK_NANOS = 2_000_000L;

    private static final int SYN = 1;
    private static final int ESTABLISHED = 2;
    private static final int TCP_ANSWER = 3;
    private static final int UDP_ANSWER = 4;
    private static final int NEW_FLOW = 5;
    private static final int FAILURE = 6;
    private static final int TIME = 7;
    private static final int WINDOW_CLOSE = 8;
    private static final int FINISH = 9;
    private static final int WINDOW = 10;
    private static final int FLOW = 11;
    private static final int SUMMARY = 12;
    private static final int FLUSH = 13;
    private static final int STOP = 14;
    private static final int PEERS = 15;
    private static final int WINDOW_DRAFT = 16;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Indexes in {@link #ctl}, 128 bytes apart so that the two threads' counters share no cache line. */
    private static final int TAIL = 16;
    private static final int HEAD = 32;

    private final int events;
    private final int mask;
    private final long[] words;
    private final Object[] refs;
    private final long[] ctl = new long[48];

    private final Detection detection;
    private final PortPeers peers;
    private final RecordSink sink;
    private final Thread thread;
    private volatile Throwable failure;
    /** What lookahead reads summed up (stage's thread), so that the reads are not optimized away. */
    private long prefetched;

    // Packet thread.
    private long tail;
    private long published;
    private long cachedHead;
    private long nextTick = Long.MIN_VALUE;
    private boolean stopped;
    private long fullRing;

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
        if (Integer.bitCount(events) != 1) {
            throw new IllegalArgumentException("events must be a power of two, not " + events);
        }
        this.events = events;
        this.mask = events - 1;
        this.words = new long[events * WORDS];
        this.refs = new Object[events];
        this.detection = detection;
        this.peers = peers;
        this.sink = sink;
        this.thread = new Thread(this::consume, "detect-" + name);
        thread.setDaemon(true); // a packet thread that fails leaves nothing waiting at exit
        thread.start();
    }

    // ------------------------------------------------------------------ packet thread

    private int claim(int kind) {
        if (tail - cachedHead == events) {
            awaitRoom();
        }
        int b = (int) (tail & mask) * WORDS;
        words[b] = kind;
        return b;
    }

    private void commit() {
        if (++tail - published >= PUBLISH_EVERY) {
            publish();
        }
    }

    private void awaitRoom() {
        fullRing++;
        publish();
        int idle = 0;
        while (tail - (cachedHead = (long) LONGS.getAcquire(ctl, HEAD)) == events) {
            rethrow();
            idle = pause(idle);
        }
    }

    /** Times the packet thread found the ring full and waited for room. */
    long fullRing() {
        return fullRing;
    }

    /** Makes the events written so far visible to the stage's thread; rethrows what failed there. */
    void publish() {
        rethrow();
        if (published != tail) {
            published = tail;
            LONGS.setRelease(ctl, TAIL, tail);
        }
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
        int idle = 0;
        while ((long) LONGS.getAcquire(ctl, HEAD) != tail && thread.isAlive()) {
            rethrow();
            idle = pause(idle);
        }
        rethrow();
    }

    /** Ends the stage after the events written so far: waits for its thread, rethrows what failed there. */
    void stop() {
        if (stopped) {
            return;
        }
        claim(STOP);
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

    /**
     * Waits: a few spins, then sleeps of {@value #PARK_NANOS} ns ({@value #IDLE_PARK_NANOS} ns once
     * nothing came for about 0.2 s, as on a quiet interface). The ring holds far more than that
     * much traffic, so the waiting thread loses nothing by sleeping and leaves the core to the other
     * thread and the JIT compiler (spinning longer measured no faster on two cores, and cost a tenth
     * more CPU).
     */
    private static int pause(int idle) {
        if (idle < SPINS) {
            Thread.onSpinWait();
        } else if (idle < SPINS + 1000) {
            LockSupport.parkNanos(PARK_NANOS);
        } else {
            LockSupport.parkNanos(IDLE_PARK_NANOS); // a quiet live interface: wake up less often
            return idle;
        }
        return idle + 1;
    }

    private void event(int kind, long a, long b, long c, long d, long e, long f, long g) {
        int i = claim(kind);
        final long[] w = words;
        w[i + 1] = a;
        w[i + 2] = b;
        w[i + 3] = c;
        w[i + 4] = d;
        w[i + 5] = e;
        w[i + 6] = f;
        w[i + 7] = g;
        commit();
    }

    private void record(int kind, Object r) {
        int i = claim(kind);
        refs[i / WORDS] = r;
        commit();
    }

    @Override
    public void syn(long sHi, long sLo, int port, long cHi, long cLo, long t) {
        event(SYN, sHi, sLo, port, cHi, cLo, t, 0);
    }

    @Override
    public void established(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        event(ESTABLISHED, cHi, cLo, sHi, sLo, port, t, 0);
    }

    @Override
    public void tcpAnswer(long cHi, long cLo, long sHi, long sLo, int port, int flowFlags, int flags, long t) {
        event(TCP_ANSWER, cHi, cLo, sHi, sLo, port | (long) flowFlags << 16 | (long) flags << 32, t, 0);
    }

    @Override
    public void udpAnswer(long cHi, long cLo, long sHi, long sLo, int port, long t) {
        event(UDP_ANSWER, cHi, cLo, sHi, sLo, port, t, 0);
    }

    @Override
    public void newFlow(int proto, long cHi, long cLo, long sHi, long sLo, int port, long t) {
        event(NEW_FLOW, cHi, cLo, sHi, sLo, port | (long) proto << 16, t, 0);
    }

    @Override
    public void failure(int proto, long cHi, long cLo, long sHi, long sLo, int port, int kind, long t) {
        event(FAILURE, cHi, cLo, sHi, sLo, port | (long) proto << 16 | (long) kind << 32, t, 0);
    }

    /** Mirrors {@link Detection#onTime}'s schedule, so that only ticks cross the ring. */
    @Override
    public void onTime(long t) {
        if (t < nextTick) {
            return;
        }
        nextTick = t + Detection.TICK_NANOS;
        event(TIME, t, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public long nextTick() {
        return nextTick;
    }

    @Override
    public void onWindowClose() {
        claim(WINDOW_CLOSE);
        commit();
    }

    @Override
    public void finish() {
        claim(FINISH);
        commit();
    }

    @Override
    public void window(WindowReport report) {
        record(WINDOW, report);
    }

    /** A flow active in this window, for its port's distinct clients and servers ({@link PortPeers#add}). */
    void peers(int slot, long cHi, long cLo, long sHi, long sLo) {
        event(PEERS, slot, cHi, cLo, sHi, sLo, 0, 0);
    }

    /** A closed window: its record is made on the stage's thread, with the distinct counts. */
    void window(TrafficAnalyzer.WindowDraft draft) {
        record(WINDOW_DRAFT, draft);
    }

    @Override
    public void flow(FlowRecord flow) {
        record(FLOW, flow);
    }

    @Override
    public void alert(Alert alert) {
        throw new IllegalStateException("alerts come from the detectors, on the stage's thread");
    }

    @Override
    public void summary(Summary summary) {
        record(SUMMARY, summary);
    }

    @Override
    public void flush() {
        claim(FLUSH);
        commit();
    }

    // ------------------------------------------------------------------ the stage's thread

    private void consume() {
        long head = 0;
        long prefetchedTo = 0;
        int idle = 0;
        boolean failed = false;
        final long[] w = words;
        for (;;) {
            final long available = (long) LONGS.getAcquire(ctl, TAIL);
            if (available == head) {
                idle = pause(idle);
                continue;
            }
            idle = 0;
            while (head < available) {
                final int i = (int) (head & mask) * WORDS;
                final int kind = (int) w[i];
                if (head >= prefetchedTo) {
                    prefetchedTo = prefetch(head, Math.min(available, head + AHEAD));
                }
                if (kind == STOP) {
                    LONGS.setRelease(ctl, HEAD, head + 1);
                    return;
                }
                if (!failed) {
                    try {
                        handle(kind, w, i);
                    } catch (Throwable t) {
                        failed = true;
                        failure = t;
                    }
                }
                refs[i / WORDS] = null;
                head++;
                if ((head & (PUBLISH_EVERY - 1)) == 0) {
                    LONGS.setRelease(ctl, HEAD, head);
                }
            }
            LONGS.setRelease(ctl, HEAD, head);
        }
    }

    /**
     * Reads the memory that the distinct-client counts of events [from, to) will read first, all at once
     * so that their cache misses overlap (one at a time, each would stall the thread in turn).
     *
     * @return to
     */
    private long prefetch(long from, long to) {
        final long[] w = words;
        long v = 0;
        for (long e = from; e < to; e++) {
            final int a = (int) (e & mask) * WORDS;
            if ((int) w[a] == PEERS) {
                v += peers.prefetch((int) w[a + 1], w[a + 2], w[a + 3]);
            }
        }
        prefetched += v;
        return to;
    }

    private void handle(int kind, long[] w, int i) {
        final Detection d = detection;
        switch (kind) {
            case SYN -> d.syn(w[i + 1], w[i + 2], (int) w[i + 3], w[i + 4], w[i + 5], w[i + 6]);
            case ESTABLISHED -> d.established(w[i + 1], w[i + 2], w[i + 3], w[i + 4], (int) w[i + 5], w[i + 6]);
            case TCP_ANSWER -> {
                long x = w[i + 5];
                d.tcpAnswer(w[i + 1], w[i + 2], w[i + 3], w[i + 4], (int) (x & 0xFFFF), (int) ((x >>> 16) & 0xFFFF),
                        (int) (x >>> 32), w[i + 6]);
            }
            case UDP_ANSWER -> d.udpAnswer(w[i + 1], w[i + 2], w[i + 3], w[i + 4], (int) w[i + 5], w[i + 6]);
            case NEW_FLOW -> {
                long x = w[i + 5];
                d.newFlow((int) (x >>> 16), w[i + 1], w[i + 2], w[i + 3], w[i + 4], (int) (x & 0xFFFF), w[i + 6]);
            }
            case FAILURE -> {
                long x = w[i + 5];
                d.failure((int) ((x >>> 16) & 0xFFFF), w[i + 1], w[i + 2], w[i + 3], w[i + 4], (int) (x & 0xFFFF),
                        (int) (x >>> 32), w[i + 6]);
            }
            case TIME -> d.onTime(w[i + 1]);
            case WINDOW_CLOSE -> d.onWindowClose();
            case FINISH -> d.finish();
            case PEERS -> peers.add((int) w[i + 1], w[i + 2], w[i + 3], w[i + 4], w[i + 5]);
            case WINDOW_DRAFT -> sink.window(((TrafficAnalyzer.WindowDraft) refs[i / WORDS]).report(peers));
            case WINDOW -> sink.window((WindowReport) refs[i / WORDS]);
            case FLOW -> sink.flow((FlowRecord) refs[i / WORDS]);
            case SUMMARY -> sink.summary((Summary) refs[i / WORDS]);
            case FLUSH -> sink.flush();
            default -> throw new IllegalStateException("unknown event " + kind);
        }
    }
}
