package io.portwatch.analysis.output;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.TunnelKind;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowTable;

/**
 * Makes the record of a flow that ended, from its slot in the flow table: addresses as text, the
 * Community ID (of the flow's own 5-tuple, the inner one for a flow inside a tunnel), its VLAN id and
 * tunnel. Called once a flow, never per packet.
 */
public final class FlowRecords {

    private final String input;
    private final CommunityId communityId = new CommunityId(0);

    /** @param input names the input every record comes from */
    public FlowRecords(String input) {
        this.input = input;
    }

    /** The record of the flow in slot, which ended (or whose part ended) for this reason. */
    public FlowRecord of(FlowTable t, int slot, EndReason reason) {
        int v = t.ipVersion(slot);
        int proto = t.protocol(slot);
        String cid = communityId.compute(v, t.clientHi(slot), t.clientLo(slot), t.serverHi(slot), t.serverLo(slot),
                proto, t.clientPort(slot), t.serverPort(slot));
        return new FlowRecord(input, cid, Transport.of(proto),
                InetText.format(v, t.clientHi(slot), t.clientLo(slot)), t.clientPort(slot),
                InetText.format(v, t.serverHi(slot), t.serverLo(slot)), t.serverPort(slot),
                t.startNanos(slot), t.lastNanos(slot), t.packetsToServer(slot), t.packetsToClient(slot),
                t.bytesToServer(slot), t.bytesToClient(slot),
                proto == DecodedPacket.PROTO_TCP ? t.tcpFlags(slot) : 0, t.connState(slot), reason, t.vlanId(slot),
                tunnel(t, slot));
    }

    /** The flow's tunnel, or null: made only for a tunnelled flow's record. */
    private static Tunnel tunnel(FlowTable t, int slot) {
        TunnelKind kind = t.tunnel(slot);
        if (kind == null) {
            return null;
        }
        int v = t.outerIpVersion(slot);
        return new Tunnel(kind, InetText.format(v, t.outerSrcHi(slot), t.outerSrcLo(slot)),
                InetText.format(v, t.outerDstHi(slot), t.outerDstLo(slot)));
    }
}
