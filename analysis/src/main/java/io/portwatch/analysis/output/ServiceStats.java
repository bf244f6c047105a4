package io.portwatch.analysis.output;

/**
 * An exposed service seen in a window: a server endpoint that completed a TCP handshake or answered a UDP
 * datagram in it. Immutable; travels inside its {@link WindowReport}.
 *
 * @param transport      TCP or UDP
 * @param address        the server's address, as text
 * @param port           the server's port
 * @param service        IANA service name of the port, or null
 * @param firstSeenNanos when it first answered in this run, ns since the epoch
 * @param lastSeenNanos  when it last answered a new flow, ns since the epoch
 * @param flows          flows it answered in the window
 * @param clients        distinct clients it answered since first seen (estimated past 64, never more than its flows)
 * @param newService     whether it raised a new_service alert (not in the baseline, or first seen after the
 *                       learning period)
 * @param packets        packets of its flows in the window, both ways (whenever the flows started), or
 *                       {@value #UNKNOWN} when not known exactly
 * @param bytes          IP-layer bytes of its flows in the window, both ways, or {@value #UNKNOWN}
 */
public record ServiceStats(Transport transport, String address, int port, String service, long firstSeenNanos,
                           long lastSeenNanos, long flows, long clients, boolean newService, long packets,
                           long bytes) {

    /** The value of {@code packets} and {@code bytes} when they are not known. */
    public static final long UNKNOWN = -1;

    /** Without its traffic (not known). */
    public ServiceStats(Transport transport, String address, int port, String service, long firstSeenNanos,
                        long lastSeenNanos, long flows, long clients, boolean newService) {
        this(transport, address, port, service, firstSeenNanos, lastSeenNanos, flows, clients, newService, UNKNOWN,
                UNKNOWN);
    }

    /** Whether {@code packets} and {@code bytes} are known. */
    public boolean hasTraffic() {
        return packets >= 0;
    }

    /** This service with its traffic in the window. */
    public ServiceStats withTraffic(long packetCount, long byteCount) {
        return new ServiceStats(transport, address, port, service, firstSeenNanos, lastSeenNanos, flows, clients,
                newService, packetCount, byteCount);
    }
}
