package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;

/**
 * A flow's TCP connection state, packed in one long of the flow table's hot entry, and its transitions.
 * Endpoint states follow Zeek's (inactive, SYN sent, SYN+ACK sent, partial, established, closed, reset)
 * so that records carry Zeek's {@code conn_state}; UDP flows use {@link #ACTIVE} for a side that sent.
 *
 * <p>Layout of the word: the client's TCP flags in bits 0-7, the server's in 8-15, the client's endpoint
 * state in 16-19, the server's in 20-23, history bits in 24-31, and a mark the table's owner may use
 * (the window a flow was last counted in) in 32-63. Static methods over the word: nothing is allocated,
 * and a packet's transition is a few shifts and compares on a value already in a register.
 */
public final class TcpState {

    private TcpState() {
    }

    // Endpoint states (Zeek's TCP_* endpoint states; ACTIVE for UDP).
    static final int INACTIVE = 0;
    static final int SYN_SENT = 1;
    static final int SYN_ACK_SENT = 2;
    static final int PARTIAL = 3;
    static final int ESTABLISHED = 4;
    static final int CLOSED = 5;
    static final int RESET = 6;
    static final int ACTIVE = 7;

    private static final int CLIENT_FLAGS_SHIFT = 0;
    private static final int SERVER_FLAGS_SHIFT = 8;
    private static final int CLIENT_STATE_SHIFT = 16;
    private static final int SERVER_STATE_SHIFT = 20;
    private static final int HISTORY_SHIFT = 24;
    private static final int MARK_SHIFT = 32;

    /** The flags both sides sent, which a flow's next part starts without. */
    static final long FLAGS = 0xFFFFL;
    private static final long LOW32 = 0xFFFF_FFFFL;

    // History bits (H_ESTABLISHED and H_REJECTED are the events' bits: see events).
    private static final int H_CLIENT_SYN = 1;
    private static final int H_ESTABLISHED = FlowTable.EV_ESTABLISHED;
    private static final int H_REJECTED = FlowTable.EV_REJECTED;

    static int clientFlags(long st) {
        return (int) (st >>> CLIENT_FLAGS_SHIFT) & 0xFF;
    }

    static int serverFlags(long st) {
        return (int) (st >>> SERVER_FLAGS_SHIFT) & 0xFF;
    }

    static int clientState(long st) {
        return (int) (st >>> CLIENT_STATE_SHIFT) & 0xF;
    }

    static int serverState(long st) {
        return (int) (st >>> SERVER_STATE_SHIFT) & 0xF;
    }

    /** Bits 16-23: both endpoint states, which alone choose a flow's idle timeout. */
    private static final long ENDPOINTS = 0xFFL << CLIENT_STATE_SHIFT;

    /** Whether two words have the same endpoint states (and so the same timeout). */
    static boolean sameEndpoints(long a, long b) {
        return ((a ^ b) & ENDPOINTS) == 0;
    }

    static int history(long st) {
        return (int) (st >>> HISTORY_SHIFT) & 0xFF;
    }

    static int mark(long st) {
        return (int) (st >>> MARK_SHIFT);
    }

    static long withMark(long st, int mark) {
        return (st & LOW32) | ((long) mark << MARK_SHIFT);
    }

    /** The word of a UDP flow whose client (or server) sent a datagram. */
    static long udpSent(long st, boolean fromClient) {
        return st | (long) ACTIVE << (fromClient ? CLIENT_STATE_SHIFT : SERVER_STATE_SHIFT);
    }

    /** The word after a TCP segment with these flags, sent by the client or the server. */
    static long transition(long st, boolean fromClient, int flags) {
        final int shiftFlags = fromClient ? CLIENT_FLAGS_SHIFT : SERVER_FLAGS_SHIFT;
        final int shiftState = fromClient ? CLIENT_STATE_SHIFT : SERVER_STATE_SHIFT;
        final int peerShift = fromClient ? SERVER_STATE_SHIFT : CLIENT_STATE_SHIFT;
        st |= (long) (flags & 0xFF) << shiftFlags;
        int me = (int) (st >>> shiftState) & 0xF;
        int peer = (int) (st >>> peerShift) & 0xF;
        int hist = history(st);
        final boolean syn = (flags & DecodedPacket.TCP_SYN) != 0;
        final boolean ack = (flags & DecodedPacket.TCP_ACK) != 0;
        final boolean fin = (flags & DecodedPacket.TCP_FIN) != 0;
        final boolean rst = (flags & DecodedPacket.TCP_RST) != 0;
        if (rst) {
            if (!fromClient && peer == SYN_SENT && me == INACTIVE) {
                hist |= H_REJECTED;
            }
            me = RESET;
        } else if (syn) {
            if (!ack) {
                if (me == INACTIVE) {
                    me = SYN_SENT;
                }
                if (fromClient) {
                    hist |= H_CLIENT_SYN;
                }
            } else if (me == INACTIVE || me == SYN_SENT) {
                me = SYN_ACK_SENT;
            }
            if (fin && me != RESET) {
                me = CLOSED;
            }
        } else {
            if (ack && fromClient && me == SYN_SENT && peer == SYN_ACK_SENT) {
                me = ESTABLISHED;
                peer = ESTABLISHED;
                hist |= H_ESTABLISHED;
            } else if (me == INACTIVE) {
                me = PARTIAL;
            }
            if (fin && me != RESET) {
                me = CLOSED;
            }
        }
        st &= ~((0xFL << shiftState) | (0xFL << peerShift) | (0xFFL << HISTORY_SHIFT));
        return st | ((long) me << shiftState) | ((long) peer << peerShift) | ((long) hist << HISTORY_SHIFT);
    }

    /** The events of a state change: the history bits it set, which are the events' bits (no branch). */
    static int events(long before, long after) {
        return history(after & ~before) & (H_ESTABLISHED | H_REJECTED);
    }

    /** Both sides sent FIN, or one sent RST: the connection is over (it lingers for its last packets). */
    static boolean isFinished(long st) {
        int c = clientState(st), s = serverState(st);
        return c == RESET || s == RESET || (c == CLOSED && s == CLOSED);
    }

    /** How a finished connection ended: RST or FIN. */
    static EndReason finishedReason(long st) {
        return clientState(st) == RESET || serverState(st) == RESET ? EndReason.RST : EndReason.FIN;
    }

    /** Still in the handshake: the client's SYN is not answered by an established connection yet. */
    static boolean isHandshaking(long st) {
        int c = clientState(st), s = serverState(st);
        return (c == SYN_SENT || c == INACTIVE) && (s == INACTIVE || s == SYN_ACK_SENT || s == SYN_SENT);
    }

    /** The client sent a SYN that the server never answered at all. */
    static boolean isUnanswered(long st) {
        return clientState(st) == SYN_SENT && serverState(st) == INACTIVE;
    }

    /** Zeek's conn_state of a flow of this protocol with this word. */
    static String connState(int protocol, long st) {
        int os = clientState(st), rs = serverState(st);
        if (protocol != DecodedPacket.PROTO_TCP) {
            if (os == ACTIVE) {
                return rs == ACTIVE ? "SF" : "S0";
            }
            return rs == ACTIVE ? "SHR" : "OTH";
        }
        boolean oInactive = os == INACTIVE || os == PARTIAL;
        boolean rInactive = rs == INACTIVE || rs == PARTIAL;
        if (rs == RESET) {
            if (os == SYN_SENT || os == SYN_ACK_SENT
                    || (os == RESET && neverEstablished(st))) {
                return "REJ";
            }
            return oInactive ? "RSTRH" : "RSTR";
        }
        if (os == RESET) {
            if (rInactive && (history(st) & H_CLIENT_SYN) != 0) {
                return "RSTOS0";
            }
            return "RSTO";
        }
        if (rs == CLOSED && os == CLOSED) {
            return "SF";
        }
        if (os == CLOSED) {
            return rInactive ? "SH" : "S2";
        }
        if (rs == CLOSED) {
            return oInactive ? "SHR" : "S3";
        }
        if (os == SYN_SENT && rs == INACTIVE) {
            return "S0";
        }
        if (os == ESTABLISHED && rs == ESTABLISHED) {
            return "S1";
        }
        return "OTH";
    }

    /** Zeek's REJ for a mutual reset asks for no payload either way; "never established" stands in. */
    private static boolean neverEstablished(long st) {
        return (history(st) & H_ESTABLISHED) == 0;
    }
}
