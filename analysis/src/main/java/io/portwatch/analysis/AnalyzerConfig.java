package io.portwatch.analysis;

import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.ports.FleetKey;
import io.portwatch.capture.flow.FlowConfig;

/**
 * How a {@link TrafficAnalyzer} cuts and reports traffic.
 *
 * @param intervalNanos   tumbling window length aligned on packet time; 0 makes one window of the input
 * @param flows           flow table limits and timeouts
 * @param emitFlows       send a record per finished flow to the sink
 * @param detect          security detectors (scans, floods, services, policy), or null for none
 * @param detectionThread run the detectors, and make every call to the sink, on a thread of the
 *                        analyzer's own beside the packet thread (same records in the same order; the
 *                        detectors' cache misses are then taken on another core). Worth it where a core
 *                        is free: one capture read on a machine of two or more processors.
 * @param topTalkers      top clients and servers to report per port and window, by packets and by bytes;
 *                        0 for none
 * @param fleetKey        the fleet's key, that addresses are hashed with before they go into the ports'
 *                        mergeable sketches, or null to feed them as they are (see {@link FleetKey})
 * @param portMemory      bytes the per-port structures of the windows may grow into (the ports' distinct
 *                        clients and servers, their sketches, their top talkers): a third for the distinct
 *                        counts and sketches, a third for each of the two windows whose top talkers are
 *                        held at once (the open one and the one whose record is being made), or all for the
 *                        distinct counts without top talkers. Past it they degrade as
 *                        {@link io.portwatch.analysis.ports.MemoryBudget} says, and the window's record
 *                        counts the ports that did (default {@value #DEFAULT_PORT_MEMORY} bytes)
 * @param tunnels         which traffic of a tunnelled frame counts as flows (default {@link TunnelMode#BOTH})
 */
public record AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect,
                             boolean detectionThread, int topTalkers, FleetKey fleetKey, long portMemory,
                             TunnelMode tunnels) {

    /** The default of {@link #portMemory()}: 128 MiB. */
    public static final long DEFAULT_PORT_MEMORY = 128L << 20;

    public AnalyzerConfig {
        if (intervalNanos < 0) {
            throw new IllegalArgumentException("interval must not be negative");
        }
        if (topTalkers < 0) {
            throw new IllegalArgumentException("top talkers must not be negative");
        }
        if (portMemory < 0) {
            throw new IllegalArgumentException("port memory must not be negative");
        }
        if (tunnels == null) {
            throw new IllegalArgumentException("tunnels must not be null");
        }
    }

    /** Tunnels counted both ways ({@link TunnelMode#BOTH}). */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect,
                          boolean detectionThread, int topTalkers, FleetKey fleetKey, long portMemory) {
        this(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, fleetKey, portMemory, TunnelMode.BOTH);
    }

    /** With the default port memory. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect,
                          boolean detectionThread, int topTalkers, FleetKey fleetKey) {
        this(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, fleetKey, DEFAULT_PORT_MEMORY);
    }

    /** Without a fleet key. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect,
                          boolean detectionThread, int topTalkers) {
        this(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, null);
    }

    /** Without top talkers. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect,
                          boolean detectionThread) {
        this(intervalNanos, flows, emitFlows, detect, detectionThread, 0);
    }

    /** Without detectors. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows) {
        this(intervalNanos, flows, emitFlows, null, false);
    }

    /** Detectors, if any, on the packet thread. */
    public AnalyzerConfig(long intervalNanos, FlowConfig flows, boolean emitFlows, DetectConfig detect) {
        this(intervalNanos, flows, emitFlows, detect, false);
    }

    public static AnalyzerConfig defaults() {
        return new AnalyzerConfig(0, FlowConfig.defaults(), false);
    }

    /** This configuration with these detectors (null: none). */
    public AnalyzerConfig withDetection(DetectConfig d) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, d, detectionThread, topTalkers, fleetKey, portMemory, tunnels);
    }

    /** This configuration with the detectors on a thread of their own, or not. */
    public AnalyzerConfig withDetectionThread(boolean on) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, detect, on, topTalkers, fleetKey, portMemory, tunnels);
    }

    /** This configuration with {@code n} top talkers of each kind a port (0: none). */
    public AnalyzerConfig withTopTalkers(int n) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, detect, detectionThread, n, fleetKey, portMemory, tunnels);
    }

    /** This configuration with {@code bytes} of memory for the windows' per-port structures. */
    public AnalyzerConfig withPortMemory(long bytes) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, fleetKey, bytes, tunnels);
    }

    /** What the distinct counters (and sketches) of the ports may grow into: see {@link #portMemory()}. */
    public long peersMemory() {
        return topTalkers > 0 ? portMemory / 3 : portMemory;
    }

    /** What each window's top-talker summaries may grow into: see {@link #portMemory()}. */
    public long talkersMemory() {
        return topTalkers > 0 ? portMemory / 3 : 0;
    }

    /** This configuration with this fleet key (null: none, the sketches' addresses go in as they are). */
    public AnalyzerConfig withFleetKey(FleetKey key) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, key, portMemory, tunnels);
    }

    /** This configuration with this way of counting tunnelled traffic. */
    public AnalyzerConfig withTunnels(TunnelMode mode) {
        return new AnalyzerConfig(intervalNanos, flows, emitFlows, detect, detectionThread, topTalkers, fleetKey, portMemory,
                mode);
    }
}
