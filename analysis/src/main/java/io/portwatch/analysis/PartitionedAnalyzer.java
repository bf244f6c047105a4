package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.ports.MemoryBudget;
import io.portwatch.analysis.ports.PortPeers;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.flow.Hash64;
import io.portwatch.capture.source.PacketSink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One capture analysed by several threads, each owning the flows of its share of the hosts: {@code read
 * --threads N}. The reading thread decodes each frame far enough to know its addresses, and copies it into
 * the {@link FrameRing} of the thread that owns the pair (a symmetric hash of the two addresses under a secret
 * seed, so that both directions, every fragment and the ICMP errors between the two hosts go to the same
 * thread, and traffic cannot pick its thread); each thread runs a {@link TrafficAnalyzer} with its own flow
 * table (a share of the flows allowed) and port counters, and a {@link MergingStage} puts their events
 * together in the capture's order: one set of detectors, one set of distinct counters, one record per window.
 * The records are those one thread gives: the same counts, the same windows, the same alerts.
 *
 * <p>The reading thread numbers the frames, and decides what one thread would decide on packet time: where a
 * window ends (every thread is told, at the same place in the capture, so that each window's drafts come
 * together before anything of the next), and when the detectors' clock ticks (the first thread is told). Each
 * thread stamps what it hands on with its frames' places ({@link DetectionEvents#STAMP}). A thread with no
 * frame waiting reads how far the reading thread has numbered, and promises the stage nothing earlier, so that
 * the stage need not wait for it: no thread waits on another but through a full ring.
 *
 * <p>Frames other than IP (ARP, ...) all go to the first thread. A pair of hosts that carries most of a
 * capture keeps one thread busy: the split is by host pair, not by flow, for the fragments' sake. A tunnelled
 * frame goes by the pair of each packet in it that is tracked: with {@code --tunnels outer} by its outer pair,
 * with {@code inner} by its innermost, and with {@code both} to the owner of each layer's pair, which tracks
 * that layer's packet (the owner of the outer pair also counts the frame as it is on the wire, and its
 * decoding): a tunnel carrying many pairs of hosts is one flow of one thread, each flow inside it is another's,
 * with the same pair's traffic outside the tunnel. Packets of one frame on two threads bear the same stamp and
 * reach the detectors in the threads' order, not always the order of the layers as one thread has them.
 *
 * <p>Used as a {@link PacketSink} on the reading thread; {@link #finish()} once at the end.
 */
public final class PartitionedAnalyzer implements CaptureAnalysis {

    /** Bytes of each thread's frame ring. */
    static final int FRAME_RING_BYTES = 8 << 20;
    /** Frames a thread takes from its ring before it lets the reading thread reuse their room. */
    private static final int POLL_FRAMES = 64;
    private static final VarHandle READER_SEQUENCE;
    private static final VarHandle DONE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READER_SEQUENCE = l.findVarHandle(PartitionedAnalyzer.class, "readerSequence", long.class);
            DONE = l.findVarHandle(PartitionedAnalyzer.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int threads;
    private final MergingStage stage;
    private final FrameRing[] rings;
    private final TrafficAnalyzer[] analyzers;
    private final Thread[] workers;
    /** What failed on each thread (read by the reading thread while they run). */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Throwable> failures;
    private final Queue<String> inputErrors = new ConcurrentLinkedQueue<>();
    private final long seed = new SecureRandom().nextLong();
    private final long interval;
    private final boolean detecting;
    /** Which packets of a tunnelled frame are tracked, and so where the frame goes. */
    private final TunnelMode mode;
    /** Per thread, the layers of the frame at hand whose pairs it owns (bit d: d tunnels deep); reused. */
    private final int[] layers;

    // Reading thread.
    private final PacketDecoder decoder = new PacketDecoder(new DecodeStats());
    private final DecodedPacket decoded = new DecodedPacket();
    private final IdleStrategy readerIdle = new BackoffIdleStrategy();
    private long sequence;
    /** The first frame's time: written before {@link #done}, read by the stage after the threads read that. */
    private long firstTimestamp;
    private boolean windowOpen;
    private long windowEnd;
    private long nextTick = Long.MIN_VALUE;
    private boolean finished;

    /** The place in the capture of the last frame the reading thread handed on. */
    @SuppressWarnings("unused")
    private volatile long readerSequence;
    /** Set once every frame is in the rings. */
    @SuppressWarnings("unused")
    private volatile boolean done;

    /**
     * Starts the threads.
     *
     * @param config  the analysis's settings, as for one thread: each of the {@code threads} threads gets its
     *                share of the flows and of the top talkers' memory
     * @param input   names the input
     * @param sink    where the records go, called on the stage's thread only
     * @param threads the threads with a share of the flows, at least 2
     */
    public PartitionedAnalyzer(AnalyzerConfig config, String input, RecordSink sink, int threads) {
        if (threads < 2) {
            throw new IllegalArgumentException("threads must be at least 2: " + threads);
        }
        this.threads = threads;
        this.interval = config.intervalNanos();
        this.detecting = config.detect() != null;
        this.mode = config.tunnels();
        this.layers = new int[threads];
        Detection detection = config.detect() != null ? new Detection(config.detect(), input, sink::alert) : null;
        PortPeers peers = new PortPeers(config.fleetKey(), new MemoryBudget(config.peersMemory()));
        this.stage = new MergingStage(detection, peers, sink, input, threads, DetectionStage.EVENTS,
                config.talkersMemory(), () -> firstTimestamp, false);
        AnalyzerConfig share = share(config, threads);
        this.rings = new FrameRing[threads];
        this.analyzers = new TrafficAnalyzer[threads];
        this.workers = new Thread[threads];
        this.failures = new java.util.concurrent.atomic.AtomicReferenceArray<>(threads);
        for (int i = 0; i < threads; i++) {
            rings[i] = new FrameRing(FRAME_RING_BYTES);
            analyzers[i] = new TrafficAnalyzer(share, input, stage.link(i));
        }
        for (int i = 0; i < threads; i++) {
            final int k = i;
            workers[i] = new Thread(() -> work(k), "flows-" + i + "-" + input);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    /** One thread's settings: its share of the flows and of the top talkers' memory. */
    static AnalyzerConfig share(AnalyzerConfig c, int threads) {
        FlowConfig f = c.flows();
        int flows = Math.max(1, (f.maxFlows() + threads - 1) / threads);
        return new AnalyzerConfig(c.intervalNanos(), f.withMaxFlows(flows), c.emitFlows(), c.detect(), false,
                c.topTalkers(), c.fleetKey(), Math.max(1, c.portMemory() / threads), c.tunnels());
    }

    /** Which thread owns the flows between these two addresses: the same both ways. */
    int owner(DecodedPacket p) {
        if (p.ipVersion == 0) {
            return 0;
        }
        long a = Hash64.fmix64(p.srcHi ^ Hash64.fmix64(p.srcLo ^ seed));
        long b = Hash64.fmix64(p.dstHi ^ Hash64.fmix64(p.dstLo ^ seed));
        long h = Hash64.fmix64(a + b); // a sum: the two directions alike
        return (int) ((h >>> 1) % threads);
    }

    @Override
    public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                         int originalLength) {
        final long seq = ++sequence;
        if (seq == 1) {
            firstTimestamp = timestampNanos;
        }
        timeEvents(seq, timestampNanos);
        decoder.decode(linkType, timestampNanos, buffer, offset, capturedLength, originalLength, decoded);
        if (!decoder.hasInner() || mode == TunnelMode.OUTER) {
            offer(owner(decoded), seq, linkType, timestampNanos, buffer, offset, capturedLength, originalLength,
                    TrafficAnalyzer.ALL_LAYERS);
        } else if (mode == TunnelMode.INNER) {
            while (decoder.hasInner()) { // bounded by the decoder's depth limit
                decoder.decodeInner(buffer, decoded);
            }
            offer(owner(decoded), seq, linkType, timestampNanos, buffer, offset, capturedLength, originalLength,
                    TrafficAnalyzer.ALL_LAYERS);
        } else {
            // each layer to the owner of its pair; the outer one's owner also counts the frame
            final int[] layers = this.layers;
            final int outer = owner(decoded);
            layers[outer] = 1;
            for (int depth = 1; decoder.hasInner(); depth++) { // bounded by the decoder's depth limit
                decoder.decodeInner(buffer, decoded);
                layers[owner(decoded)] |= 1 << depth;
            }
            for (int t = 0; t < threads; t++) {
                if (layers[t] != 0) {
                    offer(t, seq, linkType, timestampNanos, buffer, offset, capturedLength, originalLength, layers[t]);
                    layers[t] = 0;
                }
            }
        }
        READER_SEQUENCE.setRelease(this, seq);
    }

    private void offer(int thread, long seq, int linkType, long timestampNanos, ByteBuffer buffer, int offset,
                       int capturedLength, int originalLength, int layers) {
        final FrameRing r = rings[thread];
        if (!r.offer(seq, linkType, timestampNanos, buffer, offset, capturedLength, originalLength, layers)) {
            readerIdle.reset();
            do {
                checkWorkers();
                readerIdle.idle();
            } while (!r.offer(seq, linkType, timestampNanos, buffer, offset, capturedLength, originalLength, layers));
        }
    }

    /**
     * What one thread's analyzer does on a packet's time before the packet: the detectors' clock ticks (as
     * {@link StageLink#onTime} schedules it), then the window ends (as {@link TrafficAnalyzer} cuts them).
     */
    private void timeEvents(long seq, long ts) {
        if (detecting && ts >= nextTick) {
            nextTick = ts + Detection.TICK_NANOS;
            mark(rings[0], seq, FrameRing.MARK_TICK, ts);
        }
        if (interval <= 0) {
            return;
        }
        if (!windowOpen) {
            windowOpen = true;
            windowEnd = Math.floorDiv(ts, interval) * interval + interval;
        } else if (ts >= windowEnd) {
            for (FrameRing r : rings) {
                mark(r, seq, FrameRing.MARK_WINDOW, ts);
            }
            windowEnd = Math.floorDiv(ts, interval) * interval + interval;
        }
    }

    /**
     * A quiet live pipe: the clock reached {@code epochNanos} with no frame. Every thread is told, before the next
     * frame, as one thread's analyzer is ({@link TrafficAnalyzer#onIdle}: a window past its grace closes, flows
     * time out); then the detectors' clock, when due, ticks after the window that closed (one place later).
     */
    @Override
    public void onIdle(long epochNanos) {
        // the idle clock takes a place of its own in the capture's order, as a frame would: its marks before that
        // place, its tick at it, and whatever comes next after both
        final long next = ++sequence;
        if (interval > 0 && windowOpen && epochNanos >= windowEnd + TrafficAnalyzer.CLOCK_GRACE_NANOS) {
            windowEnd = Math.floorDiv(epochNanos, interval) * interval + interval;
        }
        for (FrameRing r : rings) {
            mark(r, next, FrameRing.MARK_IDLE, epochNanos);
        }
        if (detecting && epochNanos >= nextTick) {
            nextTick = epochNanos + Detection.TICK_NANOS;
            mark(rings[0], next, IDLE_TICK, epochNanos);
        }
        READER_SEQUENCE.setRelease(this, sequence);
    }

    /** A tick after an idle mark: stamped at the idle clock's place, after the window it may have closed. */
    private static final int IDLE_TICK = 5;

    private void mark(FrameRing r, long seq, int kind, long ts) {
        if (!r.offerMark(seq, kind, ts)) {
            readerIdle.reset();
            do {
                checkWorkers();
                readerIdle.idle();
            } while (!r.offerMark(seq, kind, ts));
        }
    }

    @Override
    public void inputError(String message) {
        inputErrors.add(message);
    }

    /**
     * Ends the capture: each thread handles what is left in its ring and ends its flows and windows; returns
     * once every record is handed to the sink. Rethrows what failed on a thread. Idempotent.
     */
    @Override
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        DONE.setRelease(this, true);
        for (Thread w : workers) {
            Stage.join(w);
        }
        stage.join();
        for (int i = 0; i < threads; i++) {
            Throwable t = failures.get(i);
            if (t != null) {
                Stage.rethrow(t);
            }
        }
        Throwable t = stage.takeFailure();
        if (t != null) {
            Stage.rethrow(t);
        }
    }

    /** A thread that failed stops the read: its frames would wait in its ring for ever. */
    private void checkWorkers() {
        for (int i = 0; i < threads; i++) {
            if (failures.get(i) != null || stage.failed()) {
                finished = true;
                throw new IllegalStateException("a thread of the analysis failed", failures.get(i));
            }
        }
    }

    // ------------------------------------------------------------------ a thread with a share of the flows

    private void work(int k) {
        final FrameRing r = rings[k];
        final TrafficAnalyzer a = analyzers[k];
        final FrameRing.Frames frames = new FrameRing.Frames() {
            @Override
            public void frame(long seq, int linkType, long ts, ByteBuffer buf, int offset, int captured, int original,
                              int layers) {
                a.nextStamp(2 * seq);
                a.onPacket(linkType, ts, buf, offset, captured, original, layers);
            }

            @Override
            public void mark(long seq, int kind, long ts) {
                a.nextStamp(kind == IDLE_TICK ? 2 * seq : 2 * seq - 1);
                switch (kind) {
                    case FrameRing.MARK_TICK, IDLE_TICK -> a.tick(ts);
                    case FrameRing.MARK_IDLE -> a.onIdle(ts);
                    default -> a.windowEnds(ts);
                }
            }
        };
        final IdleStrategy idle = new BackoffIdleStrategy();
        long promised = Long.MIN_VALUE;
        try {
            for (;;) {
                if (r.poll(frames, POLL_FRAMES) > 0) {
                    idle.reset();
                    continue;
                }
                final boolean end = (boolean) DONE.getAcquire(this);
                final long seq = (long) READER_SEQUENCE.getAcquire(this); // before looking at the ring again
                if (!r.isEmpty()) {
                    continue;
                }
                if (end) {
                    break;
                }
                if (2 * seq + 1 > promised) {
                    promised = 2 * seq + 1; // what comes next comes after frame seq, marks included
                    a.watermark(promised);
                }
                idle.idle();
            }
            if (k == 0) {
                for (String e; (e = inputErrors.poll()) != null; ) {
                    a.inputError(e);
                }
            }
            a.finish();
        } catch (Throwable t) {
            failures.set(k, t);
            try {
                stage.link(k).stop(); // the stage takes no more of this thread's events
            } catch (Throwable ignored) {
                // the failure above is the one to tell
            }
            drain(r);
        }
    }

    /** A failed thread still empties its ring, so that the reading thread is not left waiting for room. */
    private void drain(FrameRing r) {
        FrameRing.Frames discard = new FrameRing.Frames() {
            @Override
            public void frame(long seq, int linkType, long ts, ByteBuffer buf, int offset, int captured, int original,
                              int layers) {
            }

            @Override
            public void mark(long seq, int kind, long ts) {
            }
        };
        while (!(boolean) DONE.getAcquire(this) || !r.isEmpty()) {
            if (r.poll(discard, POLL_FRAMES) == 0) {
                Thread.onSpinWait();
            }
        }
    }
}
