package io.portwatch.analysis.detect;

/**
 * What the detectors are told, as plain values: the few moments of a flow they look at, the clock and
 * the window. {@link Detection} acts on them at once; the analyzer's detection thread takes them over a
 * ring from the packet thread and hands them to its {@link Detection} in the same order.
 * {@link Detection#transport}, {@link Detection#flowEnd} and {@link Detection#icmp} tell which
 * moments a packet or a flow's end makes.
 *
 * <p>One order everywhere: the protocol when there is one, the client's address, the server's, the server's
 * port, what else the moment has, then the time. Addresses are 128-bit values as the decoder stores them
 * (IPv4 mapped), {@code t} is packet time in nanoseconds.
 */
public interface DetectionInput {

    /** A client's SYN (without ACK) to a server. */
    void syn(long cHi, long cLo, long sHi, long sLo, int port, long t);

    /** The client's ACK completed a handshake. */
    void established(long cHi, long cLo, long sHi, long sLo, int port, long t);

    /**
     * The server's first TCP packet of a flow the client opened.
     *
     * @param flowFlags the TCP flags the flow has seen so far, both ways
     * @param flags     this packet's TCP flags
     */
    void tcpAnswer(long cHi, long cLo, long sHi, long sLo, int port, int flowFlags, int flags, long t);

    /** The server's first UDP datagram of a flow. */
    void udpAnswer(long cHi, long cLo, long sHi, long sLo, int port, long t);

    /** A new flow (for the port policy). */
    void newFlow(int proto, long cHi, long cLo, long sHi, long sLo, int port, long t);

    /** A failed attempt of a client: rejected, unanswered or unreachable; {@code kind} is a {@link Probe} kind. */
    void failure(int proto, long cHi, long cLo, long sHi, long sLo, int port, int kind, long t);

    /** Time moved on; the detectors tick at most once a {@link Detection#TICK_NANOS}. */
    void onTime(long t);

    /** The time from which {@link #onTime} has something to do. */
    long nextTick();

    /** The analyzer closes a reporting window. */
    void onWindowClose();

    /** The input ended, after the flow table ended its flows. */
    void finish();
}
