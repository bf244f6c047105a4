package io.portwatch.bench;

import io.portwatch.analysis.output.Transport;

/**
 * Counters of one (transport, server port) over a whole capture, with the names portwatch's
 * {@code port_stats} records use. Mutable: the generator and the readers of portwatch's output fill it.
 */
public final class PortCounts {
    public final Transport transport;
    public final int port;
    public long flows;
    public long activeFlows;
    public long packetsToServer;
    public long packetsToClient;
    public long bytesToServer;
    public long bytesToClient;
    /** Distinct client addresses; -1 when not known (several windows). */
    public long uniqueClients;
    /** Distinct server addresses; -1 when not known (several windows). */
    public long uniqueServers;
    public long syn;
    public long synAck;
    public long rst;
    public long fin;
    public long established;
    public long rejected;
    public long unanswered;

    public PortCounts(Transport transport, int port) {
        this.transport = transport;
        this.port = port;
    }

    public boolean isTcp() {
        return transport == Transport.TCP;
    }

    /** {@code tcp/443}. */
    public String key() {
        return transport.key() + "/" + port;
    }

    public long packets() {
        return packetsToServer + packetsToClient;
    }

    public long bytes() {
        return bytesToServer + bytesToClient;
    }
}
