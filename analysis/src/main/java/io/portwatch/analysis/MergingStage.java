package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.PortPeers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.portwatch.analysis.DetectionEvents.CLIENT_HI;
import static io.portwatch.analysis.DetectionEvents.CLIENT_LO;
import static io.portwatch.analysis.DetectionEvents.DETAIL;
import static io.portwatch.analysis.DetectionEvents.KIND;
import static io.portwatch.analysis.DetectionEvents.SERVER_HI;
import static io.portwatch.analysis.DetectionEvents.SERVER_LO;
import static io.portwatch.analysis.DetectionEvents.STAMP;

/**
 * The detectors, the ports' distinct counters and the sink for several packet threads that each own a share
 * of the flows (a capture split by flow, see {@link PartitionedAnalyzer}): their events are taken in the
 * order of their stamps, the packet time each thread had reached, so that the detectors see the packets of
 * all threads as one thread would have shown them, and each window's drafts (one a thread) come together
 * into one record ({@link WindowMerge}) before any event of the next window is taken.
 *
 * <p>An event is taken once no thread can still write one with an earlier stamp: every other thread has an
 * event waiting with a stamp as late, or has promised ({@link StageLink#watermark}) that it will write none
 * earlier. A thread's stamps never go back, so its next event is the earliest it can write. Ties keep the
 * threads' order. The detectors' clock ticks here, from the stamps, rather than on each thread.
 *
 * <p>The threads' summaries add up into one; their ends of input are one: the detectors finish, and the sink
 * is flushed, once every thread has ended.
 */
final class MergingStage extends Stage {

    private final StageLink[] links;
    private final WindowMerge window;
    private final IdleStrategy idle = new BackoffIdleStrategy(BackoffIdleStrategy.STAGE_PARK_NANOS);
    private int finishes;
    private int flushes;
    private final List<Summary> summaries = new ArrayList<>();
    private final boolean[] contributed;
    /**
     * The time of the capture's first frame, which the threads' summaries do not know (read at the end); null
     * when the earliest of theirs is it (threads that each read their packets in time order).
     */
    private final java.util.function.LongSupplier firstNanos;

    /**
     * Starts the stage's thread.
     *
     * @param threads       packet threads, one link each
     * @param events        each link's ring, in events (a power of two)
     * @param talkersBudget what a window's merged top talkers may grow into
     * @param firstNanos    the time of the capture's first frame, asked for at the end
     * @param threadsTick   whether each thread ticks the detectors' clock on its own schedule (a share of a live
     *                      interface; the detectors take each tick once), or is told when
     */
    MergingStage(Detection detection, PortPeers peers, RecordSink sink, String name, int threads, int events,
                 long talkersBudget, java.util.function.LongSupplier firstNanos, boolean threadsTick) {
        super(detection, peers, sink, name);
        this.firstNanos = firstNanos;
        this.links = new StageLink[threads];
        for (int i = 0; i < threads; i++) {
            links[i] = new StageLink(this, events, !threadsTick);
        }
        this.contributed = new boolean[threads];
        this.window = new WindowMerge(threads, talkersBudget);
        start();
    }

    /** Packet thread {@code i}'s end. */
    StageLink link(int i) {
        return links[i];
    }

    /** Nothing to wait for on a packet thread: whoever started them waits for the stage ({@link #join}). */
    @Override
    void linkStopped() {
    }

    @Override
    void consume() {
        final int n = links.length;
        final long[] head = new long[n];
        final long[] available = new long[n];
        final boolean[] stopped = new boolean[n];
        final long[] limit = new long[n];
        int running = n;
        boolean failed = false;
        while (running > 0) {
            // The thread whose next event is earliest, and the stamp no other thread can still write below.
            int best = -1;
            for (int j = 0; j < n; j++) {
                if (stopped[j]) {
                    limit[j] = Long.MAX_VALUE;
                    continue;
                }
                final StageLink l = links[j];
                if (available[j] == head[j]) {
                    final long promised = l.watermarkAcquire(); // before the position: covers what it published
                    available[j] = l.ring.available();
                    limit[j] = available[j] == head[j] ? promised : stampOf(l.ring, head[j]);
                } else {
                    limit[j] = stampOf(l.ring, head[j]);
                }
                if (available[j] != head[j] && (best < 0 || limit[j] < limit[best])) {
                    best = j;
                }
            }
            long secondBound = Long.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                if (j != best) {
                    secondBound = Math.min(secondBound, limit[j]);
                }
            }
            if (best < 0 || limit[best] > secondBound) {
                idle.idle();
                continue;
            }
            idle.reset();
            // Take the earliest thread's events while none other can come before them.
            final StageLink l = links[best];
            final EventRing r = l.ring;
            final long[] w = r.words;
            long h = head[best];
            while (h < available[best]) {
                final int i = r.offset(h);
                final long stamp = w[i + STAMP];
                if (stamp > secondBound) {
                    break;
                }
                final int kind = (int) w[i + KIND];
                final Object ref = r.refs[r.ref(h)];
                r.refs[r.ref(h)] = null;
                h++;
                if (kind == DetectionEvents.STOP) {
                    stopped[best] = true;
                    running--;
                    break;
                }
                if (!failed) {
                    try {
                        handle(best, kind, w, i, ref, stamp);
                    } catch (Throwable t) {
                        failed = true;
                        fail(t);
                    }
                }
            }
            head[best] = h;
            r.release(h);
        }
        if (!failed && window.drafts() > 0) {
            try {
                emitWindow();
            } catch (Throwable t) {
                fail(t);
            }
        }
    }

    private static long stampOf(EventRing r, long seq) {
        return r.words[r.offset(seq) + STAMP];
    }

    private void handle(int link, int kind, long[] w, int i, Object ref, long stamp) {
        if (window.drafts() > 0 && stamp > window.closeStamp()) {
            emitWindow();
        }
        if (detection != null && detectorEvent(kind, w, i)) {
            return;
        }
        switch (kind) {
            case DetectionEvents.PEERS -> peers.add(window.slots().slotOfKey(DetectionEvents.key(w[i + DETAIL])),
                    w[i + CLIENT_HI], w[i + CLIENT_LO], w[i + SERVER_HI], w[i + SERVER_LO]);
            case DetectionEvents.WINDOW_CLOSE -> {
                // the detectors close their window once, with the merged record (emitWindow)
            }
            case DetectionEvents.WINDOW_DRAFT -> {
                window.add(link, (WindowDraft) ref, stamp);
                contributed[link] = true;
                if (window.drafts() == links.length) {
                    emitWindow();
                }
            }
            case DetectionEvents.FINISH -> {
                if (++finishes == links.length && detection != null) {
                    detection.finish();
                }
            }
            case DetectionEvents.FLOW -> sink.flow((FlowRecord) ref);
            case DetectionEvents.SUMMARY -> {
                summaries.add((Summary) ref);
                if (summaries.size() == links.length) {
                    if (window.drafts() > 0) {
                        emitWindow();
                    }
                    sink.summary(merge(summaries, firstNanos != null ? firstNanos.getAsLong() : earliest(summaries)));
                }
            }
            case DetectionEvents.FLUSH -> {
                if (++flushes == links.length) {
                    sink.flush();
                }
            }
            default -> throw new IllegalStateException("unknown event " + kind);
        }
    }

    /** The window being put together is whole: its record goes out, and its threads may close the next one. */
    private void emitWindow() {
        if (detection != null) {
            detection.onWindowClose();
        }
        sink.window(window.take().report(peers, detection));
        for (int j = 0; j < links.length; j++) {
            if (contributed[j]) {
                contributed[j] = false;
                links[j].windowDone();
            }
        }
    }

    private static long earliest(List<Summary> parts) {
        long first = 0;
        for (Summary s : parts) {
            if (s.packets() > 0 && (first == 0 || s.firstNanos() < first)) {
                first = s.firstNanos();
            }
        }
        return first;
    }

    /** The threads' summaries as one: counts added, the capture's first packet time, the latest of all. */
    static Summary merge(List<Summary> parts, long first) {
        long lastNanos = 0;
        long packets = 0;
        long bytes = 0;
        long tcp = 0;
        long udp = 0;
        long fragments = 0;
        long otherIp = 0;
        long nonIp = 0;
        long flows = 0;
        long evicted = 0;
        Map<String, Long> errors = new LinkedHashMap<>();
        Map<String, Long> unknown = new LinkedHashMap<>();
        List<String> inputErrors = new ArrayList<>();
        for (Summary s : parts) {
            if (s.packets() > 0) {
                lastNanos = Math.max(lastNanos, s.lastNanos());
            }
            packets += s.packets();
            bytes += s.bytes();
            tcp += s.tcpPackets();
            udp += s.udpPackets();
            fragments += s.fragmentPackets();
            otherIp += s.otherIpPackets();
            nonIp += s.nonIpPackets();
            flows += s.flows();
            evicted += s.flowsEvicted();
            s.decodeErrors().forEach((k, v) -> errors.merge(k, v, Long::sum));
            s.unknownLinkTypes().forEach((k, v) -> unknown.merge(k, v, Long::sum));
            inputErrors.addAll(s.inputErrors());
        }
        return new Summary(parts.get(0).input(), packets == 0 ? 0 : first, lastNanos, packets, bytes, tcp, udp, fragments, otherIp, nonIp,
                flows, evicted, errors, unknown, inputErrors);
    }
}
