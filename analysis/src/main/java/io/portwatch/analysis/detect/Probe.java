package io.portwatch.analysis.detect;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.ArrayList;
import java.util.List;

/**
 * Kinds of probe, as bits, and how a flow's outcome tells them apart. TCP probes are named after the
 * flags nmap sends: SYN ({@code -sS}), FIN ({@code -sF}), XMAS (FIN+PSH+URG, {@code -sX}), NULL (no
 * flag, {@code -sN}), ACK ({@code -sA}); CONNECT marks SYN probes whose handshake completed ({@code -sT}
 * finds open ports so); UDP is any datagram probe ({@code -sU}).
 */
final class Probe {
    static final int SYN = 1;
    static final int FIN = 2;
    static final int XMAS = 4;
    static final int NULL = 8;
    static final int ACK = 16;
    static final int OTHER = 32;
    static final int UDP = 64;
    static final int CONNECT = 128;

    private static final String[] NAMES = {"syn", "fin", "xmas", "null", "ack", "tcp", "udp", "connect"};

    private static final int F_SYN = DecodedPacket.TCP_SYN;
    private static final int F_FIN = DecodedPacket.TCP_FIN;
    private static final int F_ACK = DecodedPacket.TCP_ACK;
    private static final int F_RST = DecodedPacket.TCP_RST;
    private static final int F_PSH = DecodedPacket.TCP_PSH;
    private static final int F_URG = DecodedPacket.TCP_URG;

    private Probe() {
    }

    /**
     * The kind of a TCP probe whose first answer is a RST.
     *
     * @param union    the flags seen both ways so far (the client's and this RST's)
     * @param rstFlags the RST's own flags
     */
    static int rejectedKind(int union, int rstFlags) {
        if ((union & F_SYN) != 0) {
            return SYN; // the RST carries no SYN: the client's
        }
        if ((union & F_FIN) != 0) {
            return (union & (F_PSH | F_URG)) == (F_PSH | F_URG) ? XMAS : FIN;
        }
        // RFC 793: a RST answering a segment with ACK carries no ACK (its seq is the segment's ack);
        // one answering a segment without ACK acknowledges it.
        if ((rstFlags & F_ACK) == 0 && (union & F_ACK) != 0) {
            return ACK;
        }
        return NULL;
    }

    /**
     * The kind of a TCP flow the server never answered, from the client's flags, or 0 when it does
     * not look like a probe (e.g. one side of a data transfer seen alone).
     *
     * @param clientFlags the flags the client sent (the flow's union: the server sent nothing)
     * @param packets     packets the client sent
     */
    static int unansweredKind(int clientFlags, long packets) {
        if ((clientFlags & F_SYN) != 0) {
            return (clientFlags & F_ACK) == 0 ? SYN : 0;
        }
        if ((clientFlags & (F_ACK | F_RST)) == 0) {
            if ((clientFlags & F_FIN) != 0) {
                return (clientFlags & (F_PSH | F_URG)) == (F_PSH | F_URG) ? XMAS : FIN;
            }
            return clientFlags == 0 ? NULL : OTHER;
        }
        if (clientFlags == F_ACK && packets <= 2) {
            return ACK;
        }
        return 0;
    }

    /** The names of the kinds in a mask, e.g. {@code [syn, udp]}. */
    static List<String> names(int mask) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < NAMES.length; i++) {
            if ((mask & (1 << i)) != 0) {
                out.add(NAMES[i]);
            }
        }
        return out;
    }

    /**
     * What nmap would call the scan: {@code connect} when SYN probes completed handshakes, else the one
     * kind, or kinds joined by {@code +} (e.g. {@code syn+udp}).
     */
    static String scanType(int mask) {
        if ((mask & CONNECT) != 0) {
            mask = (mask & ~(CONNECT | SYN)) | CONNECT;
        }
        return String.join("+", names(mask));
    }
}
