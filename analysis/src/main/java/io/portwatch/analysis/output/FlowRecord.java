package io.portwatch.analysis.output;

import io.portwatch.capture.flow.EndReason;

/**
 * One finished flow (or one part of a long flow, see {@link EndReason#ACTIVE}). Immutable.
 *
 * @param input           the capture input the flow was seen on
 * @param communityId     Community ID v1 of the 5-tuple, e.g. {@code 1:LQU9qZlK+B5F3KDmev6m5PMibrg=}
 * @param transport       TCP or UDP
 * @param clientIp        client address in text form (IPv4 dotted, IPv6 RFC 5952)
 * @param clientPort      client port
 * @param serverIp        server address
 * @param serverPort      server port
 * @param startNanos      first packet time, ns since the epoch
 * @param endNanos        last packet time, ns since the epoch
 * @param packetsToServer packets client to server
 * @param packetsToClient packets server to client
 * @param bytesToServer   IP-layer bytes client to server
 * @param bytesToClient   IP-layer bytes server to client
 * @param tcpFlags        union of the TCP flags seen both ways (0 for UDP)
 * @param state           Zeek conn_state (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH)
 * @param endReason       why the record was emitted
 * @param vlanId          the outermost 802.1Q VLAN identifier of the flow's first packet, or {@link #NO_VLAN}
 * @param tunnel          the tunnel the flow was carried in, or null when it was not in one
 */
public record FlowRecord(
        String input,
        String communityId,
        Transport transport,
        String clientIp,
        int clientPort,
        String serverIp,
        int serverPort,
        long startNanos,
        long endNanos,
        long packetsToServer,
        long packetsToClient,
        long bytesToServer,
        long bytesToClient,
        int tcpFlags,
        String state,
        EndReason endReason,
        int vlanId,
        Tunnel tunnel) implements Record {

    /** {@link #vlanId} of a flow without a VLAN tag. */
    public static final int NO_VLAN = -1;

    /** A flow without a VLAN tag, not in a tunnel. */
    public FlowRecord(String input, String communityId, Transport transport, String clientIp, int clientPort,
                      String serverIp, int serverPort, long startNanos, long endNanos, long packetsToServer,
                      long packetsToClient, long bytesToServer, long bytesToClient, int tcpFlags, String state,
                      EndReason endReason) {
        this(input, communityId, transport, clientIp, clientPort, serverIp, serverPort, startNanos, endNanos,
                packetsToServer, packetsToClient, bytesToServer, bytesToClient, tcpFlags, state, endReason, NO_VLAN,
                null);
    }

    public long packets() {
        return packetsToServer + packetsToClient;
    }

    public long bytes() {
        return bytesToServer + bytesToClient;
    }
}
