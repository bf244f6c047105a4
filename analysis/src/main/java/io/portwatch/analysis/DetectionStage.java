package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
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

/**
 * The detectors and the record sink on a thread of their own, fed by one packet thread over its
 * {@link StageLink}: the packet thread decodes, tracks flows and counts ports; this stage's thread owns the
 * {@link Detection} and the ports' distinct counters ({@link PortPeers}), whose tables are cache misses of
 * their own, now taken on another core, and makes every call to the sink, so that records leave in the
 * order an analyzer on one thread gives.
 *
 * <p>The ring holds {@value #EVENTS} events (16 MiB) so that the packet thread does not wait while the
 * stage's thread falls behind for a while: early in a run, while its code is still interpreted, or while a
 * JIT compiler thread has its core (with a ring of 16k events, the packet thread waited ~0.15 s of a 1.5 s
 * read of 5M packets; with 256k events, not at all).
 */
final class DetectionStage extends Stage {

    static final int EVENTS = 1 << 18;
    /**
     * How long the stage's thread sleeps while its ring is empty. Each wake-up costs it (tens of µs in this VM) and
     * a longer sleep hands it longer runs of events: under {@code live} at 200,000 packets/s the detection thread
     * took 0.22-0.26 µs of CPU a packet woken every 40 ms against 0.28-0.32 every 10 ms, the whole process 11.7-12.1x
     * tcpdump's CPU against 13.2-13.9x (three rounds, builds in turns, bench/results/live-ab-2026-12-08-2.md). 40 ms
     * of events at that rate is a few thousand of the ring's {@value #EVENTS}, a packet thread that finds the ring
     * full or must wait for the stage wakes it ({@link Stage#wake}), and 40 ms more before an alert leaves are
     * nothing beside a window.
     */
    static final long PARK_NANOS = 40_000_000L;
    /** Events released to the packet thread at once. */
    private static final int RELEASE_EVERY = 256;
    /** Events whose distinct-client slots the stage's thread reads at once, before handling them. */
    private static final int AHEAD = 32;

    private final StageLink link;
    private final long parkNanos;
    /** What lookahead reads summed up (stage's thread), so that the reads are not optimized away. */
    private long prefetched;

    /**
     * Starts the stage's thread.
     *
     * @param detection the detectors, owned by the stage's thread from now on
     * @param peers     the ports' distinct clients and servers, owned by the stage's thread from now on
     * @param sink      where records go, called on the stage's thread only
     * @param name      names the thread
     */
    DetectionStage(Detection detection, PortPeers peers, RecordSink sink, String name) {
        this(detection, peers, sink, name, EVENTS, PARK_NANOS);
    }

    /**
     * A stage with a ring of {@code events} events, a power of two, whose thread sleeps {@code parkNanos} at a
     * time while its ring is empty (tests use small rings, to fill them, and long sleeps).
     */
    DetectionStage(Detection detection, PortPeers peers, RecordSink sink, String name, int events, long parkNanos) {
        super(detection, peers, sink, name);
        this.link = new StageLink(this, events, false);
        this.parkNanos = parkNanos;
        start();
    }

    /** The packet thread's end. */
    StageLink link() {
        return link;
    }

    /** The packet thread's last event is written: waits until the stage's thread has handled it and ended. */
    @Override
    void linkStopped() {
        join();
    }

    @Override
    void consume() {
        final EventRing r = link.ring;
        final IdleStrategy idle = new BackoffIdleStrategy(parkNanos);
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
                        fail(t);
                    }
                }
                r.refs[r.ref(head)] = null;
                if (kind == DetectionEvents.WINDOW_DRAFT) {
                    link.windowDone();
                }
                head++;
                if ((head & (RELEASE_EVERY - 1)) == 0) {
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
        final EventRing r = link.ring;
        final long[] w = r.words;
        long v = 0;
        for (long e = from; e < to; e++) {
            final int a = r.offset(e);
            if ((int) w[a + KIND] == DetectionEvents.PEERS) {
                v += peers.prefetch(DetectionEvents.slot(w[a + DETAIL]), w[a + CLIENT_HI], w[a + CLIENT_LO]);
            }
        }
        prefetched += v;
        return to;
    }

    private void handle(int kind, long[] w, int i, Object ref) {
        if (detectorEvent(kind, w, i)) {
            return;
        }
        switch (kind) {
            case DetectionEvents.WINDOW_CLOSE -> detection.onWindowClose();
            case DetectionEvents.FINISH -> detection.finish();
            case DetectionEvents.PEERS -> peers.add(DetectionEvents.slot(w[i + DETAIL]), w[i + CLIENT_HI],
                    w[i + CLIENT_LO], w[i + SERVER_HI], w[i + SERVER_LO]);
            case DetectionEvents.WINDOW_DRAFT -> sink.window(((WindowDraft) ref).report(peers, detection));
            case DetectionEvents.FLOW -> sink.flow((FlowRecord) ref);
            case DetectionEvents.SUMMARY -> sink.summary((Summary) ref);
            case DetectionEvents.FLUSH -> sink.flush();
            default -> throw new IllegalStateException("unknown event " + kind);
        }
    }
}
