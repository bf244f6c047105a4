package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.ports.MemoryBudget;
import io.portwatch.analysis.ports.PortPeers;

/**
 * A live interface analysed by several threads, each fed by a socket of its own that the kernel shares the
 * interface's flows out to ({@code live --threads N}: a packet fanout group that sends both directions of a
 * flow to the same socket). Each thread runs a {@link TrafficAnalyzer} with its own flow table (a share of the
 * flows allowed) and port counters, driven by that thread only, from its first packet to its
 * {@link TrafficAnalyzer#finish()}; a {@link MergingStage} takes their events in packet-time order and puts
 * each window's drafts together into one record, with one set of detectors and distinct counters.
 *
 * <p>Without a reading thread to number the frames, the threads stamp their events with their packets' time
 * and, while idle, with the clock less the grace a live window waits for frames still in the capture's
 * buffer: the order across threads is the packets' time order, not the order one socket would have
 * delivered them in (which the kernel does not define across sockets either). Each window's capture counters
 * add the sockets' frames and drops.
 */
public final class FanoutAnalysis {

    private final MergingStage stage;
    private final TrafficAnalyzer[] shares;

    /**
     * Starts the stage's thread.
     *
     * @param config  the analysis's settings, as for one thread: each share gets its part of the flows and of
     *                the top talkers' memory
     * @param input   names the input (the interface)
     * @param sink    where the records go, called on the stage's thread only
     * @param threads the sockets, one thread each, at least 2
     */
    public FanoutAnalysis(AnalyzerConfig config, String input, RecordSink sink, int threads) {
        if (threads < 2) {
            throw new IllegalArgumentException("threads must be at least 2: " + threads);
        }
        Detection detection = config.detect() != null ? new Detection(config.detect(), input, sink::alert) : null;
        PortPeers peers = new PortPeers(config.fleetKey(), new MemoryBudget(config.peersMemory()));
        this.shares = new TrafficAnalyzer[threads];
        this.stage = new MergingStage(detection, peers, sink, input, threads, DetectionStage.EVENTS,
                config.talkersMemory(), null, true);
        AnalyzerConfig share = PartitionedAnalyzer.share(config, threads);
        for (int i = 0; i < threads; i++) {
            shares[i] = new TrafficAnalyzer(share, input, stage.link(i), true);
        }
    }

    /** Thread {@code i}'s analyzer: only that thread may call it, from its first packet to its finish. */
    public TrafficAnalyzer share(int i) {
        return shares[i];
    }

    /**
     * Waits until every record is handed to the sink, once every share has finished (on its thread); rethrows
     * what failed on the stage's thread.
     */
    public void join() {
        stage.join();
        Throwable t = stage.takeFailure();
        if (t != null) {
            Stage.rethrow(t);
        }
    }
}
