package io.portwatch.capture.flow;

/**
 * Limits and timeouts of a {@link FlowTable}. Durations in nanoseconds.
 *
 * @param maxFlows            flows tracked at once; beyond it the longest-idle flows are evicted
 * @param tcpIdleNanos        idle timeout of an established or mid-stream TCP flow
 * @param tcpHandshakeNanos   idle timeout of a TCP flow whose handshake has not completed
 * @param tcpClosedNanos      how long a TCP flow lingers after FIN both ways or RST (for the last ACK
 *                            and stray retransmissions) before its record is emitted
 * @param udpIdleNanos        idle timeout of a UDP flow
 * @param activeNanos         a flow lasting this long is reported in parts (0: never)
 */
public record FlowConfig(int maxFlows, long tcpIdleNanos, long tcpHandshakeNanos, long tcpClosedNanos,
                         long udpIdleNanos, long activeNanos) {

    public static final long SECOND = 1_000_000_000L;

    /** 1M flows; TCP 5 min, handshake 30 s, closed 5 s, UDP 1 min, active 30 min. */
    public static FlowConfig defaults() {
        return new FlowConfig(1 << 20, 300 * SECOND, 30 * SECOND, 5 * SECOND, 60 * SECOND, 1800 * SECOND);
    }

    public FlowConfig {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows must be at least 1: " + maxFlows);
        }
        if (tcpIdleNanos <= 0 || tcpHandshakeNanos <= 0 || tcpClosedNanos <= 0 || udpIdleNanos <= 0
                || activeNanos < 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    public FlowConfig withMaxFlows(int n) {
        return new FlowConfig(n, tcpIdleNanos, tcpHandshakeNanos, tcpClosedNanos, udpIdleNanos, activeNanos);
    }
}
