package io.portwatch.analysis.detect;

import io.portwatch.analysis.output.Transport;

/**
 * A server endpoint seen to offer a service: it completed a TCP handshake or answered a UDP
 * datagram. Immutable.
 *
 * @param transport      TCP or UDP
 * @param ip             the server's address (IPv4 dotted, IPv6 RFC 5952)
 * @param port           the server's port
 * @param firstSeenNanos when it first answered, ns since the epoch (0 when unknown, e.g. from a baseline)
 * @param lastSeenNanos  when it last answered a new flow, ns since the epoch (0 when unknown)
 * @param clients        distinct clients it answered (estimated past 64, never more than flows), 0 when unknown
 * @param flows          flows it answered, 0 when unknown
 */
public record ExposedService(Transport transport, String ip, int port, long firstSeenNanos, long lastSeenNanos,
                             long clients, long flows) {

    /** {@code tcp 192.0.2.1 22}: the key of the service in a baseline. */
    public String key() {
        return transport.key() + " " + ip + " " + port;
    }

    /** This service and another record of the same one, taken together. */
    public ExposedService merge(ExposedService o) {
        long first = firstSeenNanos == 0 ? o.firstSeenNanos
                : o.firstSeenNanos == 0 ? firstSeenNanos : Math.min(firstSeenNanos, o.firstSeenNanos);
        return new ExposedService(transport, ip, port, first, Math.max(lastSeenNanos, o.lastSeenNanos),
                Math.max(clients, o.clients), flows + o.flows);
    }
}
