package io.portwatch.analysis;

import io.portwatch.analysis.detect.Detection;
import io.portwatch.analysis.detect.DetectionInput;
import io.portwatch.analysis.output.FlowRecords;
import io.portwatch.analysis.ports.PortTable;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowTable;

/**
 * What a packet the flow table has just tracked, and a flow that ends, count for: the window's counters of the
 * flow's server port ({@link PortTable}), the flow's mark of the window it was last counted in and its top-talker
 * entry ({@link WindowMarks}), the port's distinct clients and servers and the flow records (through the
 * {@link AnalyzerOutput}), and the detectors (when on). The {@link TrafficAnalyzer} decides when (its batch, its
 * windows); this class what each packet and each ended flow adds. One per analyzer, on its thread.
 */
final class FlowAccounting {

    private final FlowTable flows;
    private final PortTable ports = new PortTable();
    private final WindowMarks marks;
    private final AnalyzerOutput out;
    /** Null when detection is off, so that it costs one comparison a packet. */
    private final DetectionInput detectIn;
    /** Whether new flows matter to the detectors (a port policy is on). */
    private final boolean policy;
    /** Null unless each ended flow goes out as a record. */
    private final FlowRecords flowRecords;

    FlowAccounting(FlowTable flows, WindowMarks marks, AnalyzerOutput out, DetectionInput detectIn, boolean policy,
                   FlowRecords flowRecords) {
        this.flows = flows;
        this.marks = marks;
        this.out = out;
        this.detectIn = detectIn;
        this.policy = policy;
        this.flowRecords = flowRecords;
    }

    /** This window's per-port counters. */
    PortTable ports() {
        return ports;
    }

    /** The flows' window marks and the window's top talkers. */
    WindowMarks marks() {
        return marks;
    }

    /**
     * Counts a packet that the flow table has just tracked to the flow in slot.
     *
     * @return slot
     */
    int transport(DecodedPacket p, int slot) {
        final FlowTable ft = flows;
        final int events = ft.lastEvents();
        final boolean toServer = ft.lastToServer();
        final PortTable pt = ports;
        final int ps = pt.slot(p.protocol, ft.serverPort(slot));
        pt.add(ps, PortTable.FLOWS, events & FlowTable.EV_NEW); // 0 or 1: a capture starts with new flows only
        if (marks.count(slot, ps, p.ipLength)) { // the flow's first packet in this window
            pt.increment(ps, PortTable.ACTIVE);
            out.peers(ps, pt.key(ps), ft.clientHi(slot), ft.clientLo(slot), ft.serverHi(slot), ft.serverLo(slot));
        }
        if (toServer) {
            pt.increment(ps, PortTable.PKTS_TO_SERVER);
            pt.add(ps, PortTable.BYTES_TO_SERVER, p.ipLength);
        } else {
            pt.increment(ps, PortTable.PKTS_TO_CLIENT);
            pt.add(ps, PortTable.BYTES_TO_CLIENT, p.ipLength);
        }
        if (detectIn != null) {
            Detection.transport(detectIn, ft, slot, events, toServer, p, policy);
        }
        if (p.protocol == DecodedPacket.PROTO_TCP) {
            // Each counter adds 0 or 1, without a branch: a capture's first FIN or RST comes after the JIT
            // compiled this method, and a branch never taken until then would make it compile it again.
            final int f = p.tcpFlags;
            final int syn = Integer.bitCount(f & DecodedPacket.TCP_SYN);
            final int ack = Integer.bitCount(f & DecodedPacket.TCP_ACK);
            pt.add(ps, PortTable.SYN, syn & (ack ^ 1));
            pt.add(ps, PortTable.SYN_ACK, syn & ack);
            pt.add(ps, PortTable.RST, Integer.bitCount(f & DecodedPacket.TCP_RST));
            pt.add(ps, PortTable.FIN, Integer.bitCount(f & DecodedPacket.TCP_FIN));
            pt.add(ps, PortTable.ESTABLISHED, Integer.bitCount(events & FlowTable.EV_ESTABLISHED));
            pt.add(ps, PortTable.REJECTED, Integer.bitCount(events & FlowTable.EV_REJECTED));
        }
        return slot;
    }

    /**
     * Fragments that came before their datagram's first fragment, just tracked as the flow in slot: counted in the
     * same direction as the first.
     */
    void addHeldFragments(int slot, long count, long ipBytes) {
        final boolean toServer = flows.lastToServer();
        flows.addPackets(slot, toServer, count, ipBytes);
        int ps = ports.slot(flows.protocol(slot), flows.serverPort(slot));
        ports.add(ps, toServer ? PortTable.PKTS_TO_SERVER : PortTable.PKTS_TO_CLIENT, count);
        ports.add(ps, toServer ? PortTable.BYTES_TO_SERVER : PortTable.BYTES_TO_CLIENT, ipBytes);
    }

    /** A flow ends (the flow table's end handler): its talker entry settles, an unanswered one is counted. */
    void flowEnd(FlowTable table, int slot, EndReason reason) {
        marks.flowEnd(table, slot, reason);
        if (reason != EndReason.ACTIVE && table.isUnanswered(slot)) {
            ports.increment(ports.slot(table.protocol(slot), table.serverPort(slot)), PortTable.UNANSWERED);
        }
        if (detectIn != null) {
            Detection.flowEnd(detectIn, table, slot, reason);
        }
        if (flowRecords != null) {
            out.flow(flowRecords.of(table, slot, reason));
        }
    }
}
