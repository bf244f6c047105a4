package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.detect.DetectionInput;
import io.portwatch.analysis.output.FlowRecords;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.analysis.ports.MemoryBudget;
import io.portwatch.analysis.ports.PortPeers;
import io.portwatch.analysis.talkers.PortTalkers;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowTable;
import io.portwatch.capture.flow.FragmentTracker;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The per-packet path of one capture: decode, demultiplex into flows, count per server port, cut
 * windows on packet time. Frames come in through {@link PacketSink#onPacket}; records go out to a
 * {@link RecordSink}. One thread owns an analyzer (and its tables) from the first packet to
 * {@link #finish()}.
 *
 * <p>Several inputs read as one capture share one analyzer: feed them in order, then call finish once.
 *
 * <p>Batching: a packet's flow is most often a cache miss. Frames are decoded as they come into a ring
 * of {@value #BATCH} reused {@link DecodedPacket}s, and their flows are tracked (and counted, and
 * shown to the detectors) a batch at a time, after {@link FlowTable#prefetch(DecodedPacket[], int, int)}
 * has read their flows' slots at once. Packets are handled in their order, and the batch is handled
 * first wherever order shows: before a window closes or the detectors' clock ticks, before fragments
 * and ICMP errors, on {@link #onIdle}, {@link #inputError}, {@link #finish} and before the analyzer's
 * state is looked at ({@link #summary}, {@link #flowTable}, {@link #detection}). The decoded packet
 * holds every field tracking needs, so nothing reads a frame after its {@link #onPacket} call.
 *
 * <p>Tunnels ({@link TunnelMode}): a frame counts once in the totals (packets, bytes, TCP/UDP/other),
 * as it was on the wire; its outer packet and the packets inside its tunnels are tracked as
 * {@link AnalyzerConfig#tunnels()} says, each inner one decoded into the ring as a packet of its own.
 *
 * <p>A thread with a share of a capture split by flow ({@link PartitionedAnalyzer}, {@link FanoutAnalysis})
 * runs one too, its detectors, distinct counts and records at a {@link MergingStage}: each event it hands on
 * carries a stamp (its frame's place in the capture, or its packet time), so that the stage can take the
 * threads' events in the capture's order.
 *
 * <p>Why one class of about 710 lines: it is where the order of everything that happens to one capture is
 * decided (a packet's batch, the windows and the detectors' clock that cut into it, fragments, tunnels, flow
 * ends, the end of the input, a live interface's gap, a share's stamps); the work itself is the flow table's,
 * {@link FlowAccounting}'s (what a tracked packet and an ended flow count for), the detectors', the gap's and
 * the output's, each a class of its own. The stamps of a share and the tunnels' layers are the parts that stand
 * apart next.
 */
public final class TrafficAnalyzer implements CaptureAnalysis {

    private final AnalyzerConfig config;
    /** Which traffic of a tunnelled frame is tracked as flows. */
    private final TunnelMode tunnels;
    private final String input;

    /** Packets decoded and not yet tracked, at most this many. */
    static final int BATCH = 32;
    private final DecodedPacket[] ring = new DecodedPacket[BATCH];
    private int pending;
    private final PacketDecoder decoder;
    /** Every layer of a frame ({@link #onPacket(int, long, ByteBuffer, int, int, int, int)}). */
    static final int ALL_LAYERS = -1;
    /**
     * Decodes the frames of which this thread tracks only packets inside a tunnel ({@link #onPacket(int, long,
     * ByteBuffer, int, int, int, int)}): their decoding is counted by the thread that counts the frame.
     */
    private final PacketDecoder passingDecoder = new PacketDecoder(new DecodeStats());
    private final FlowTable flows;
    /** What each tracked packet and each ended flow count for: ports, window marks and talkers, detectors. */
    private final FlowAccounting accounting;
    private final FragmentTracker fragments = new FragmentTracker(65_536);
    /** The ports' distinct clients and servers: this thread's, or the stage's when there is one. */
    private final PortPeers peers;
    private final List<String> inputErrors = new ArrayList<>();
    /** Null when detection is off, so that it costs one comparison a packet. */
    private final Detection detect;
    /** What the detectors are told: {@link #detect} itself, or the stage that runs it; null when off. */
    private final DetectionInput detectIn;
    /**
     * This thread's end of the stage that runs the detectors and the sink on a thread of their own, or null
     * (see {@link AnalyzerConfig#detectionThread()}); of a {@link MergingStage} when this analyzer has a share
     * of a capture's flows ({@link PartitionedAnalyzer}).
     */
    private final StageLink stage;
    /** Whether {@link #stage} merges several threads' events: they then carry this thread's time. */
    private final boolean merging;
    /**
     * Whether this thread stamps its events with packet and clock time itself (a share of a live interface,
     * {@link FanoutAnalysis}), rather than being told each frame's place ({@link #nextStamp}).
     */
    private final boolean clockStamps;
    /**
     * Where the frame being handed in stands in the capture (its place in the reading thread's order), as the
     * events it causes are stamped for a merging stage; and each batched packet's, in {@link #stamps}.
     */
    private long nextStamp = Long.MIN_VALUE;
    private final long[] stamps = new long[BATCH];
    /** Where this thread's records go: the sink, or the stage, which hands them to the sink in order. */
    private final AnalyzerOutput out;

    /** How long after a window's end the clock closes it, for packets still in the capture buffer. */
    static final long CLOCK_GRACE_NANOS = 250_000_000L;
    private static final long IDLE_SWEEP_NANOS = 1_000_000_000L;

    private Supplier<CaptureStats> captureStats;
    private CaptureStats statsAtWindowStart;
    private final CaptureGap gap = new CaptureGap();
    private long decodeErrorsAtWindowStart;
    private long lastIdleSweep = Long.MIN_VALUE;
    /** See {@link #scheduleTimeEvents()}. */
    private long nextTimeEvent = Long.MIN_VALUE;

    private long trackedAtEnd = -1;
    private boolean windowOpen;
    private long windowStart;
    private long windowEnd;
    /** The stamp of what opened the window ({@link #nextStamp}), on a thread with a share of a capture. */
    private long windowOpenedAt;
    private long windowPackets;
    private long windowBytes;

    private long firstNanos;
    /** Whether a frame came, counted here or not: {@link #firstNanos} is its time. */
    private boolean timed;
    private long lastNanos;
    private long packets;
    private long bytes;
    private long tcpPackets;
    private long udpPackets;
    private long fragmentPackets;
    private long otherIpPackets;
    private long nonIpPackets;
    private boolean finished;

    public TrafficAnalyzer(AnalyzerConfig config, String input, RecordSink sink) {
        this(config, input, sink, WindowMarks.TICKET_LIMIT, 0);
    }

    /**
     * For tests: the flows' window marks renumbered before {@code ticketLimit}, and the top talkers' log
     * folded at {@code logLimit} entries (when above 0).
     */
    TrafficAnalyzer(AnalyzerConfig config, String input, RecordSink sink, int ticketLimit, int logLimit) {
        this(config, input, Wiring.own(config, input, sink), ticketLimit, logLimit);
    }

    /**
     * One thread's share of a capture split by flow: its detectors' events, distinct counts and records go
     * to a {@link MergingStage} through {@code link}, which owns the detectors, the distinct counters and
     * the sink.
     *
     * @param config as for the whole capture, but with this share's flow table and talkers' memory
     */
    TrafficAnalyzer(AnalyzerConfig config, String input, StageLink link) {
        this(config, input, link, false);
    }

    /**
     * One thread's share of a capture split by flow, as above; with {@code clockStamps}, a share of a live
     * interface (one of its fanout sockets) that stamps what it hands on with its packets' time and the clock.
     */
    TrafficAnalyzer(AnalyzerConfig config, String input, StageLink link, boolean clockStamps) {
        this(config, input, Wiring.share(config, link, clockStamps), WindowMarks.TICKET_LIMIT, 0);
    }

    private TrafficAnalyzer(AnalyzerConfig config, String input, Wiring w, int ticketLimit, int logLimit) {
        this.config = config;
        this.tunnels = config.tunnels();
        this.input = input;
        this.decoder = new PacketDecoder(new DecodeStats());
        this.flows = new FlowTable(config.flows(), IanaServices::isServicePort, this::onFlowEnd);
        this.peers = w.peers();
        this.detect = w.detect();
        this.stage = w.stage();
        this.merging = w.merging();
        this.clockStamps = w.clockStamps();
        this.detectIn = w.detectIn();
        this.out = w.out();
        this.accounting = new FlowAccounting(flows,
                new WindowMarks(flows, config.topTalkers() > 0, config.talkersMemory(), ticketLimit, logLimit), out,
                detectIn, config.detect() != null && config.detect().policy() != null,
                config.emitFlows() ? new FlowRecords(input) : null);
        for (int i = 0; i < BATCH; i++) {
            ring[i] = new DecodedPacket();
        }
    }

    /** Where an analyzer's detectors, distinct counts and records live: its own, or a merging stage's. */
    private record Wiring(PortPeers peers, Detection detect, StageLink stage, DetectionInput detectIn,
                          AnalyzerOutput out, boolean merging, boolean clockStamps) {

        /** Its own detectors and distinct counters, on a stage's thread beside it when the config asks. */
        static Wiring own(AnalyzerConfig config, String input, RecordSink sink) {
            PortPeers peers = new PortPeers(config.fleetKey(), new MemoryBudget(config.peersMemory()));
            Detection detect = config.detect() != null ? new Detection(config.detect(), input, sink::alert) : null;
            StageLink stage = detect != null && config.detectionThread()
                    ? new DetectionStage(detect, peers, sink, input).link() : null;
            return new Wiring(peers, detect, stage, stage != null ? stage : detect,
                    stage != null ? stage : new AnalyzerOutput.Direct(sink, peers, detect), false, false);
        }

        /** A share of a capture: everything goes to the merging stage through its link. */
        static Wiring share(AnalyzerConfig config, StageLink link, boolean clockStamps) {
            return new Wiring(null, null, link, config.detect() != null ? link : null, link, true, clockStamps);
        }
    }

    public String input() {
        return input;
    }

    public DecodeStats decodeStats() {
        return decoder.stats();
    }

    /** The detectors (their services and counters), or null when detection is off; every packet so far seen. */
    public Detection detection() {
        flush();
        if (stage != null && !merging && !finished) {
            stage.sync();
        }
        return detect;
    }

    /** What the per-port structures hold now, as they account it; every packet so far seen (for benchmarks and tests). */
    public PortMemory portMemory() {
        detection(); // every packet counted, on the stage's thread too
        MemoryBudget p = peers.budget();
        final WindowMarks marks = accounting.marks();
        PortTalkers t = marks.talkers();
        MemoryBudget tb = t == null ? null : t.budget();
        return new PortMemory(p.used(), p.limit(), peers.fixedBytes(), p.refusals(), tb == null ? 0 : tb.used(),
                tb == null ? 0 : tb.limit(), t == null ? 0 : t.fixedBytes(), tb == null ? 0 : tb.refusals(),
                marks.logBytes());
    }

    /** The flow table, for inspection (size, memory), with every packet so far tracked; owned by the analyzer's thread. */
    public FlowTable flowTable() {
        flush();
        return flows;
    }

    /**
     * Live captures: the capture's own counters (cumulative since the capture started, as libpcap
     * reports them), read on the analyzer's thread when a window closes; each window reports their change
     * over it, the first window from zero: packets the capture received before the analyzer was set up
     * are still in its buffer and this analyzer's to count. A capture that reopens its interface adds up
     * its handles' counters; the window adds its share of the time the interface was not captured
     * ({@link #onCaptureDown}, {@link #onCaptureUp}).
     */
    public void captureStats(Supplier<CaptureStats> stats) {
        this.captureStats = stats;
        this.statsAtWindowStart = CaptureStats.NONE;
    }

    /**
     * Live captures: takes the flow table to its largest size now ({@link FlowTable#preallocate}), so that the
     * capture never pauses to grow it. False when the heap cannot hold it: it then grows as flows come.
     */
    public boolean preallocateFlows() {
        return flows.preallocate();
    }

    /**
     * Live captures: starts the first window on the clock, so that an idle interface still reports a
     * window each interval.
     */
    public void startClock(long epochNanos) {
        flush();
        if (!windowOpen && config.intervalNanos() > 0) {
            openWindow(epochNanos);
        }
        scheduleTimeEvents();
    }

    /**
     * Live captures: the clock moved on with no packet. Closes the window once the clock has passed its
     * end (and opens the next one, empty until packets come), and ends timed-out flows.
     */
    @Override
    public void onIdle(long epochNanos) {
        if (finished) {
            return;
        }
        flush();
        gap.clock(epochNanos);
        if (config.intervalNanos() > 0 && windowOpen && epochNanos >= windowEnd + CLOCK_GRACE_NANOS) {
            closeWindow();
            openWindow(epochNanos);
        }
        if (clockStamps && epochNanos - CLOCK_GRACE_NANOS > nextStamp) {
            nextStamp(epochNanos - CLOCK_GRACE_NANOS); // frames still in the capture's buffer may be that old
        }
        // lastIdleSweep starts at Long.MIN_VALUE: compared without the subtraction, which would overflow
        if (lastIdleSweep == Long.MIN_VALUE || epochNanos - lastIdleSweep >= IDLE_SWEEP_NANOS) {
            lastIdleSweep = epochNanos;
            flows.sweep(epochNanos);
        }
        if (detectIn != null) {
            detectIn.onTime(epochNanos);
        }
        scheduleTimeEvents();
        if (merging) {
            stage.watermark(nextStamp);
        } else if (stage != null) {
            stage.publish();
        }
    }

    /**
     * A share of a capture ({@link PartitionedAnalyzer}): what this thread hands on from now on, up to the
     * next call, is stamped {@code s} (until then, packets handed in keep theirs while they wait in the batch).
     */
    void nextStamp(long s) {
        nextStamp = s;
        stage.stamp(s);
    }

    /**
     * A share of a live interface: what happens at packet time {@code t} before its packet (the detectors'
     * clock, a window that ends) is stamped {@code t}, or the end of the window that ends (so that it comes
     * before anything of the next window, and after everything of this one).
     */
    private void clockStamp(long t) {
        final long s = windowOpen && config.intervalNanos() > 0 && t >= windowEnd ? windowEnd - 1 : t;
        if (s > nextStamp) {
            nextStamp(s);
        }
    }

    /**
     * A share of a capture: the capture's packet time reached {@code t} on a window's end (every thread is told
     * at the same place in the capture): the window closes, and the next one opens, as the packet at {@code t}
     * would open it.
     */
    void windowEnds(long t) {
        flush();
        if (!finished && t >= nextTimeEvent && (windowOpen || config.intervalNanos() > 0)) {
            timeEvents(t);
        }
    }

    /** A share of a capture: the detectors' clock ticks at {@code t} (one thread is told). */
    void tick(long t) {
        flush();
        stage.tick(t);
    }

    /**
     * A share of a capture with no frame waiting: hands on what it holds, and promises that nothing it writes
     * from now on has a stamp below {@code s}.
     */
    void watermark(long s) {
        flush();
        stage.watermark(s);
    }

    /** Live captures: the interface is not captured from {@code epochNanos} on (see {@link CaptureGap}). */
    @Override
    public void onCaptureDown(long epochNanos) {
        if (finished) {
            return;
        }
        flush();
        gap.down(epochNanos);
    }

    /**
     * Live captures: the interface is captured again from {@code epochNanos} on. Its frames all come after
     * that: a window that ended before closes now, without waiting for late frames.
     */
    @Override
    public void onCaptureUp(long epochNanos) {
        if (finished) {
            return;
        }
        if (epochNanos >= nextTimeEvent) {
            timeEvents(epochNanos);
        } else {
            flush();
        }
        gap.up(epochNanos, windowOpen ? windowStart : epochNanos);
    }

    @Override
    public void inputError(String message) {
        flush();
        inputErrors.add(message);
    }

    @Override
    public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                         int originalLength) {
        onPacket(linkType, timestampNanos, buffer, offset, capturedLength, originalLength, ALL_LAYERS);
    }

    /**
     * A frame of which this analysis tracks the packets of the given layers only: bit d for the packet d
     * tunnels deep; bit 0 also for the frame's totals and its decoding's counts. The threads of a capture split
     * by host pair ({@link PartitionedAnalyzer}) each take the layers whose pair they own, so that a tunnel and
     * the flows inside it are each tracked once, by the thread that has the rest of their traffic.
     */
    void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                  int originalLength, int layers) {
        if (clockStamps) {
            clockStamp(timestampNanos);
        }
        advanceTime(timestampNanos); // may handle the batch first, and close a window: before this frame counts
        if (clockStamps && timestampNanos > nextStamp) {
            nextStamp(timestampNanos);
        }
        final DecodedPacket p = ring[pending];
        if ((layers & 1) == 0) {
            final int outer = passingDecoder.decode(linkType, timestampNanos, buffer, offset, capturedLength,
                    originalLength, p);
            if (tunnels != TunnelMode.OUTER && passingDecoder.hasInner()) {
                decapsulate(passingDecoder, outer, p, buffer, layers);
            }
            return;
        }
        final int kind = decoder.decode(linkType, timestampNanos, buffer, offset, capturedLength, originalLength, p);
        packets++;
        windowPackets++;
        if (kind == DecodedPacket.KIND_TRANSPORT) {
            countIp(p);
            if (p.protocol == DecodedPacket.PROTO_TCP) {
                tcpPackets++;
            } else {
                udpPackets++;
            }
            if (!p.fragmented && !decoder.hasInner()) {
                stamps[pending] = nextStamp;
                if (++pending == BATCH) {
                    flush();
                }
                return;
            }
        } else {
            countFrame(kind, p);
        }
        if (tunnels != TunnelMode.OUTER && decoder.hasInner()) {
            decapsulate(decoder, kind, p, buffer, layers);
            return;
        }
        other(kind, p);
    }

    /**
     * A frame that carries a tunnel, its totals counted as it is on the wire: with {@code --tunnels both}
     * its outer packet is tracked as any packet, and each packet inside (nested tunnels one after the
     * other) as a packet of its own; with {@code inner} only the innermost; of each, only those of the
     * {@code layers} this analysis tracks (bit d: d tunnels deep). Each inner packet is decoded into the
     * ring's next packet (the decoder keeps what it needs of the one before, which may be the same object);
     * the decoder's depth limit bounds the loop.
     */
    private void decapsulate(PacketDecoder d, int kind, DecodedPacket p, ByteBuffer buffer, int layers) {
        final boolean both = tunnels == TunnelMode.BOTH;
        if (both && (layers & 1) != 0) {
            other(kind, p);
        }
        for (int depth = 1; d.hasInner(); depth++) {
            final DecodedPacket q = ring[pending];
            final int k = d.decodeInner(buffer, q);
            if ((both || !d.hasInner()) && (layers >>> depth & 1) != 0) {
                other(k, q);
            }
        }
    }

    /** Counts a frame that is not TCP or UDP in the totals (TCP and UDP are counted on the fast path). */
    private void countFrame(int kind, DecodedPacket p) {
        switch (kind) {
            case DecodedPacket.KIND_FRAGMENT -> {
                countIp(p);
                fragmentPackets++;
            }
            case DecodedPacket.KIND_OTHER_IP -> {
                countIp(p);
                otherIpPackets++;
            }
            case DecodedPacket.KIND_NON_IP -> nonIpPackets++;
            default -> {
                if (p.ipLength > 0) {
                    countIp(p);
                }
            }
        }
    }

    /**
     * Tracks a packet that is counted in the totals already (or is inside a tunnel): an unfragmented TCP
     * or UDP one goes into the batch, anything else is handled at once, after the batch.
     */
    private void other(int kind, DecodedPacket p) {
        switch (kind) {
            case DecodedPacket.KIND_TRANSPORT -> {
                if (!p.fragmented) {
                    stamps[pending] = nextStamp;
                    if (++pending == BATCH) {
                        flush();
                    }
                    return;
                }
                // the first fragment of a datagram
                flush();
                long pendingFragments = fragments.onFirstFragment(p);
                int slot = accounting.transport(p, flows.track(p));
                if (pendingFragments > 0) {
                    accounting.addHeldFragments(slot, pendingFragments, fragments.lastPendingBytes());
                }
            }
            case DecodedPacket.KIND_FRAGMENT -> {
                if (p.protocol == DecodedPacket.PROTO_TCP || p.protocol == DecodedPacket.PROTO_UDP) {
                    flush();
                    if (fragments.onLaterFragment(p)) {
                        accounting.transport(p, flows.track(p));
                    }
                }
            }
            case DecodedPacket.KIND_OTHER_IP -> {
                if (detectIn != null && p.hasQuoted) {
                    flush();
                    Detection.icmp(detectIn, p);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Tracks and counts the packets decoded so far, in order, their flows' slots read at once first.
     * The ring's next free packet, where a packet may be being decoded, moves to its front.
     */
    private void flush() {
        final int n = pending;
        if (n == 0) {
            return;
        }
        pending = 0;
        final DecodedPacket[] r = ring;
        if (n > 1) {
            flows.prefetch(r, 0, n);
        }
        for (int i = 0; i < n; i++) {
            if (merging) {
                stage.stamp(stamps[i]); // each packet's events at its own place, for the merge
            }
            accounting.transport(r[i], n > 1 ? flows.trackPrefetched(r, 0, i) : flows.track(r[i]));
        }
        if (n < BATCH) {
            final DecodedPacket next = r[n];
            r[n] = r[0];
            r[0] = next;
        }
        if (merging) {
            stage.stamp(nextStamp);
            stage.watermark(nextStamp); // nothing is waiting in the batch now
        } else if (stage != null) {
            stage.publish();
        }
    }

    private void countIp(DecodedPacket p) {
        bytes += p.ipLength;
        windowBytes += p.ipLength;
    }

    /** The flow table's end handler (no flow ends before {@link #accounting} is set). */
    private void onFlowEnd(FlowTable table, int slot, EndReason reason) {
        accounting.flowEnd(table, slot, reason);
    }

    // ---------------------------------------------------------------- windows

    private void advanceTime(long ts) {
        if (!timed) { // the first frame: not always one this thread counts (see onPacket's layers)
            timed = true;
            firstNanos = ts;
            lastNanos = ts;
        } else if (ts > lastNanos) {
            lastNanos = ts;
        }
        if (ts >= nextTimeEvent) {
            timeEvents(ts);
        }
    }

    /** The detectors' clock ticks, or a window opens or closes, at ts: after the packets before. */
    private void timeEvents(long ts) {
        flush();
        if (detectIn != null) {
            detectIn.onTime(ts);
        }
        final long interval = config.intervalNanos();
        if (!windowOpen) {
            openWindow(ts);
        } else if (interval > 0 && ts >= windowEnd) {
            closeWindow();
            openWindow(ts);
        }
        scheduleTimeEvents();
    }

    /**
     * The packet time from which {@link #advanceTime} has work: the detectors' next tick or the window's
     * end, whichever comes first; any time while no window is open.
     */
    private void scheduleTimeEvents() {
        long next = Long.MAX_VALUE;
        if (!windowOpen) {
            next = Long.MIN_VALUE;
        } else if (config.intervalNanos() > 0) {
            next = windowEnd;
        }
        if (detectIn != null) {
            next = Math.min(next, detectIn.nextTick());
        }
        nextTimeEvent = next;
    }

    private void openWindow(long ts) {
        final long interval = config.intervalNanos();
        windowOpen = true;
        windowOpenedAt = nextStamp;
        accounting.marks().openWindow();
        if (interval > 0) {
            windowStart = Math.floorDiv(ts, interval) * interval;
            windowEnd = windowStart + interval;
        } else {
            windowStart = ts;
            windowEnd = ts;
        }
    }

    private void closeWindow() {
        if (clockStamps && !finished && config.intervalNanos() > 0 && windowEnd - 1 > nextStamp) {
            nextStamp(windowEnd - 1); // the window's last moment: before anything of the next one
        }
        if (detectIn != null) {
            detectIn.onWindowClose();
        }
        long end = config.intervalNanos() > 0 ? windowEnd : lastNanos;
        long errors = decoder.stats().totalErrors();
        CaptureStats capture = null;
        if (captureStats != null) {
            CaptureStats now = captureStats.get();
            capture = gap.close(now.minus(statsAtWindowStart), windowStart, end);
            statsAtWindowStart = now;
        }
        WindowDraft draft = new WindowDraft(input, windowStart, end, accounting.ports().drainCounts(), windowPackets,
                windowBytes, trackedAtEnd >= 0 ? trackedAtEnd : flows.size(), errors - decodeErrorsAtWindowStart, capture,
                accounting.marks().takeTalkers(), config.topTalkers(), windowOpenedAt);
        out.window(draft);
        decodeErrorsAtWindowStart = errors;
        windowPackets = 0;
        windowBytes = 0;
        windowOpen = false;
    }

    /**
     * Ends the capture: open flows end (END_OF_INPUT), the open window closes, the summary goes out.
     * Idempotent.
     */
    @Override
    public void finish() {
        if (finished) {
            return;
        }
        flush();
        finished = true;
        if (merging) {
            nextStamp(DetectionEvents.END_STAMP); // after every packet of every thread
        }
        trackedAtEnd = flows.size(); // the last window reports the flows open when the input ended
        flows.endAll(EndReason.END_OF_INPUT);
        fragments.clear();
        if (detectIn != null) {
            detectIn.finish();
        }
        if (windowOpen) {
            closeWindow();
        }
        out.summary(summary());
        out.flush();
        if (stage != null) {
            stage.stop(); // every record handed to the sink, the detectors' last state visible here
        }
    }

    /** Totals so far. */
    public Summary summary() {
        flush();
        DecodeStats ds = decoder.stats();
        Map<String, Long> unknown = new LinkedHashMap<>();
        ds.unknownLinkTypes().forEach((lt, n) -> unknown.put(LinkType.name(lt), n));
        return new Summary(input, packets == 0 ? 0 : firstNanos, packets == 0 ? 0 : lastNanos, packets, bytes,
                tcpPackets, udpPackets, fragmentPackets, otherIpPackets, nonIpPackets, flows.flowsStarted(),
                flows.flowsEvicted(), ds.errorsByReason(), unknown, inputErrors);
    }
}
