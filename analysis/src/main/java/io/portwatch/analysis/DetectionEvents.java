package io.portwatch.analysis;

/**
 * The layout of the detection stage's events in its {@link EventRing}: what the packet thread writes
 * and the stage's thread reads, field by field, at named offsets. Every flow event keeps the client's
 * address, then the server's, then the detail word, then the time, in the order of
 * {@link io.portwatch.analysis.detect.DetectionInput}'s arguments.
 */
final class DetectionEvents {

    private DetectionEvents() {
    }

    // Offsets in an event.
    static final int KIND = 0;
    static final int CLIENT_HI = 1;
    static final int CLIENT_LO = 2;
    static final int SERVER_HI = 3;
    static final int SERVER_LO = 4;
    /** {@link #detail}: port, protocol, the flow's TCP flags, the packet's, a probe kind. */
    static final int DETAIL = 5;
    static final int TIME = 6;
    /**
     * Where the event stands in the capture, for a {@link MergingStage}, which takes the events of several
     * threads in this order: twice the place of the frame that caused it in the reading thread's order, one
     * less for what happens before that frame (a window that ends, the detectors' clock), {@link #END_STAMP}
     * once the input ended.
     */
    static final int STAMP = 7;
    /** PEERS events: the port's slot in its thread's port table in the low 32 bits of DETAIL, its key above. */
    private static final int KEY_SHIFT = 32;

    /** The stamp of what a thread hands on once its input ended: after every packet of every thread. */
    static final long END_STAMP = Long.MAX_VALUE - 1;

    // Kinds.
    static final int SYN = 1;
    static final int ESTABLISHED = 2;
    static final int TCP_ANSWER = 3;
    static final int UDP_ANSWER = 4;
    static final int NEW_FLOW = 5;
    static final int FAILURE = 6;
    static final int TIME_TICK = 7;
    static final int WINDOW_CLOSE = 8;
    static final int FINISH = 9;
    static final int FLOW = 11;
    static final int SUMMARY = 12;
    static final int FLUSH = 13;
    static final int STOP = 14;
    static final int PEERS = 15;
    static final int WINDOW_DRAFT = 16;

    // The detail word: port in bits 0-15, protocol 16-23, the flow's TCP flags 24-31, the packet's TCP
    // flags 32-47, a probe kind 48-55.
    private static final int PROTOCOL_SHIFT = 16;
    private static final int FLOW_FLAGS_SHIFT = 24;
    private static final int FLAGS_SHIFT = 32;
    private static final int PROBE_SHIFT = 48;

    static long detail(int port, int protocol, int flowFlags, int flags, int probeKind) {
        return (port & 0xFFFFL) | (protocol & 0xFFL) << PROTOCOL_SHIFT | (flowFlags & 0xFFL) << FLOW_FLAGS_SHIFT
                | (flags & 0xFFFFL) << FLAGS_SHIFT | (probeKind & 0xFFL) << PROBE_SHIFT;
    }

    /** The detail word of a PEERS event: a port's slot, and its key ({@code transport index << 16 | port}). */
    static long peers(int slot, int key) {
        return (slot & 0xFFFF_FFFFL) | (long) key << KEY_SHIFT;
    }

    static int slot(long detail) {
        return (int) detail;
    }

    static int key(long detail) {
        return (int) (detail >>> KEY_SHIFT);
    }

    static int port(long detail) {
        return (int) detail & 0xFFFF;
    }

    static int protocol(long detail) {
        return (int) (detail >>> PROTOCOL_SHIFT) & 0xFF;
    }

    static int flowFlags(long detail) {
        return (int) (detail >>> FLOW_FLAGS_SHIFT) & 0xFF;
    }

    static int flags(long detail) {
        return (int) (detail >>> FLAGS_SHIFT) & 0xFFFF;
    }

    static int probeKind(long detail) {
        return (int) (detail >>> PROBE_SHIFT) & 0xFF;
    }
}
