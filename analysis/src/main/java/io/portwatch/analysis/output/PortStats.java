package io.portwatch.analysis.output;

import io.portwatch.analysis.ports.PortClass;

import java.util.Comparator;

/**
 * What one (transport, server port) did in one window. Immutable.
 *
 * @param transport       TCP or UDP
 * @param port            the server port
 * @param service         IANA service name, or null when the port has none
 * @param portClass       IANA range of the port
 * @param flows           flows that started in the window
 * @param activeFlows     flows with at least one packet in the window
 * @param packetsToServer packets client to server
 * @param packetsToClient packets server to client
 * @param bytesToServer   IP-layer bytes client to server
 * @param bytesToClient   IP-layer bytes server to client
 * @param uniqueClients   distinct client addresses among the active flows (exact while small, then
 *                        an HLL estimate, never more than {@code activeFlows})
 * @param uniqueServers   distinct server addresses among the active flows
 * @param tcp             TCP counts, null for UDP
 * @param topClients      the port's top clients in the window, or null when top talkers are off
 * @param topServers      the port's top servers in the window, or null when top talkers are off
 * @param sketches        mergeable sketches of the clients and servers counted in {@code uniqueClients} and
 *                        {@code uniqueServers}, or null (records made by hand, or left out for want of
 *                        memory: then {@code memoryLimited})
 * @param memoryLimited   the window's memory for per-port structures ({@code --port-memory}) ran short for
 *                        this port: its unique counts are estimates from a smaller sketch, or made earlier,
 *                        than otherwise, its top talkers kept fewer hosts (their bounds say how close they
 *                        are), or its sketches were left out
 */
public record PortStats(
        Transport transport,
        int port,
        String service,
        PortClass portClass,
        long flows,
        long activeFlows,
        long packetsToServer,
        long packetsToClient,
        long bytesToServer,
        long bytesToClient,
        long uniqueClients,
        long uniqueServers,
        TcpCounts tcp,
        TopTalkers topClients,
        TopTalkers topServers,
        PeerSketches sketches,
        boolean memoryLimited) implements Record {

    /** Most packets first, then most bytes, then by transport (TCP first) and port: the order ports are shown in. */
    public static final Comparator<PortStats> BUSIEST_FIRST = (a, b) -> {
        int c = Long.compare(b.packets(), a.packets());
        if (c == 0) {
            c = Long.compare(b.bytes(), a.bytes());
        }
        if (c == 0) {
            c = a.transport().compareTo(b.transport());
        }
        return c != 0 ? c : Integer.compare(a.port(), b.port());
    };


    /** Without top talkers. */
    public PortStats(Transport transport, int port, String service, PortClass portClass, long flows, long activeFlows,
                     long packetsToServer, long packetsToClient, long bytesToServer, long bytesToClient,
                     long uniqueClients, long uniqueServers, TcpCounts tcp) {
        this(transport, port, service, portClass, flows, activeFlows, packetsToServer, packetsToClient, bytesToServer,
                bytesToClient, uniqueClients, uniqueServers, tcp, null, null);
    }

    /** Without sketches. */
    public PortStats(Transport transport, int port, String service, PortClass portClass, long flows, long activeFlows,
                     long packetsToServer, long packetsToClient, long bytesToServer, long bytesToClient,
                     long uniqueClients, long uniqueServers, TcpCounts tcp, TopTalkers topClients,
                     TopTalkers topServers) {
        this(transport, port, service, portClass, flows, activeFlows, packetsToServer, packetsToClient, bytesToServer,
                bytesToClient, uniqueClients, uniqueServers, tcp, topClients, topServers, null);
    }

    /** With everything counted in the memory it needed. */
    public PortStats(Transport transport, int port, String service, PortClass portClass, long flows, long activeFlows,
                     long packetsToServer, long packetsToClient, long bytesToServer, long bytesToClient,
                     long uniqueClients, long uniqueServers, TcpCounts tcp, TopTalkers topClients,
                     TopTalkers topServers, PeerSketches sketches) {
        this(transport, port, service, portClass, flows, activeFlows, packetsToServer, packetsToClient, bytesToServer,
                bytesToClient, uniqueClients, uniqueServers, tcp, topClients, topServers, sketches, false);
    }

    /** This record with these sketches. */
    public PortStats withSketches(PeerSketches s) {
        return new PortStats(transport, port, service, portClass, flows, activeFlows, packetsToServer, packetsToClient,
                bytesToServer, bytesToClient, uniqueClients, uniqueServers, tcp, topClients, topServers, s,
                memoryLimited);
    }

    public long packets() {
        return packetsToServer + packetsToClient;
    }

    public long bytes() {
        return bytesToServer + bytesToClient;
    }
}
