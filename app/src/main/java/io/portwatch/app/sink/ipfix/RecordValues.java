package io.portwatch.app.sink.ipfix;

import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Tunnel;
import io.portwatch.capture.flow.EndReason;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The values of one data record, taken from a {@link FlowRecord} for one direction (or both, biflow). One
 * instance is reused for every record (the output thread's), its address arrays too.
 */
final class RecordValues {

    /** Which way a record looks at a flow. */
    enum Direction {
        /** Client to server (uniflow). */
        TO_SERVER,
        /** Server to client (uniflow). */
        TO_CLIENT,
        /** Both: client to server forward, server to client reverse (RFC 5103). */
        BIFLOW
    }

    /** flowEndReason values (IANA, RFC 7011's registry). */
    static final int END_IDLE = 1;
    static final int END_ACTIVE = 2;
    static final int END_OF_FLOW = 3;
    static final int END_FORCED = 4;
    static final int END_LACK_OF_RESOURCES = 5;

    /** biflowDirection: the source is the flow's initiator (RFC 5103, section 6.3). */
    static final int BIFLOW_INITIATOR = 1;

    private static final Map<io.portwatch.capture.decode.TunnelKind, byte[]> TUNNEL_NAMES =
            new EnumMap<>(io.portwatch.capture.decode.TunnelKind.class);

    static {
        for (var k : io.portwatch.capture.decode.TunnelKind.values()) {
            TUNNEL_NAMES.put(k, k.key().getBytes(StandardCharsets.US_ASCII));
        }
    }

    boolean ipv6;
    final byte[] source = new byte[16];
    final byte[] destination = new byte[16];
    int sourcePort;
    int destinationPort;
    int protocol;
    int tcpFlags;
    long packets;
    long octets;
    long reversePackets;
    long reverseOctets;
    long startMillis;
    long endMillis;
    int endReason;
    int biflowDirection;
    /** The VLAN ID, or {@link FlowRecord#NO_VLAN}. */
    int vlanId;
    /** 0 without a tunnel (or one whose outer addresses could not be read), else 4 or 6. */
    int tunnelFamily;
    final byte[] outerSource = new byte[16];
    final byte[] outerDestination = new byte[16];
    byte[] tunnelTechnology = new byte[0];

    /**
     * Takes the values of a flow seen one way.
     *
     * @return false when the flow's addresses cannot be read (not IP text): no record then
     */
    boolean take(FlowRecord f, Direction d) {
        boolean toClient = d == Direction.TO_CLIENT;
        String src = toClient ? f.serverIp() : f.clientIp();
        String dst = toClient ? f.clientIp() : f.serverIp();
        int fs = Addresses.parse(src, source);
        int fd = Addresses.parse(dst, destination);
        if (fs == 0 || fs != fd) {
            return false;
        }
        ipv6 = fs == 6;
        sourcePort = toClient ? f.serverPort() : f.clientPort();
        destinationPort = toClient ? f.clientPort() : f.serverPort();
        protocol = f.transport().protocol();
        tcpFlags = f.tcpFlags();
        packets = toClient ? f.packetsToClient() : f.packetsToServer();
        octets = toClient ? f.bytesToClient() : f.bytesToServer();
        reversePackets = d == Direction.BIFLOW ? f.packetsToClient() : 0;
        reverseOctets = d == Direction.BIFLOW ? f.bytesToClient() : 0;
        startMillis = Math.floorDiv(f.startNanos(), 1_000_000L);
        endMillis = Math.floorDiv(f.endNanos(), 1_000_000L);
        endReason = endReason(f.endReason());
        biflowDirection = BIFLOW_INITIATOR;
        vlanId = f.vlanId() >= 0 && f.vlanId() <= 0xFFF ? f.vlanId() : FlowRecord.NO_VLAN;
        takeTunnel(f.tunnel(), toClient);
        return true;
    }

    private void takeTunnel(Tunnel t, boolean toClient) {
        tunnelFamily = 0;
        if (t == null || t.kind() == null) {
            return;
        }
        // the outer header seen with the flow's first packet; the other way round for the reverse direction
        int a = Addresses.parse(toClient ? t.outerDestination() : t.outerSource(), outerSource);
        int b = Addresses.parse(toClient ? t.outerSource() : t.outerDestination(), outerDestination);
        if (a != 0 && a == b) {
            tunnelFamily = a;
            tunnelTechnology = TUNNEL_NAMES.get(t.kind());
        }
    }

    static int endReason(EndReason r) {
        return switch (r) {
            case IDLE -> END_IDLE;
            case ACTIVE -> END_ACTIVE;
            case FIN, RST -> END_OF_FLOW;
            case END_OF_INPUT -> END_FORCED;
            case EVICTED -> END_LACK_OF_RESOURCES;
        };
    }
}
