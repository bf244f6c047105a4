package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.portwatch.capture.decode.DecodedPacket.TCP_ACK;
import static io.portwatch.capture.decode.DecodedPacket.TCP_FIN;
import static io.portwatch.capture.decode.DecodedPacket.TCP_RST;
import static io.portwatch.capture.decode.DecodedPacket.TCP_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sweeps read only the flows that may have timed out ({@link FlowExpiry}'s bounds), and still end every flow
 * that has: checked against a reading of every flow in the table.
 */
class FlowSweepTest {

    private static final long S = FlowConfig.SECOND;
    private static final long MS = S / 1000;
    private static final ServicePortPredicate SERVICES = (proto, port) -> port == 443 || port == 53;
    private static final int[] FLAGS = {TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK, TCP_ACK, TCP_FIN | TCP_ACK,
            TCP_RST, TCP_RST | TCP_ACK};

    private final DecodedPacket p = new DecodedPacket();

    private void load(long ts, int flow, boolean fromClient, int flags) {
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.ipVersion = 4;
        p.timestampNanos = ts;
        boolean udp = flow % 5 == 0;
        p.protocol = udp ? DecodedPacket.PROTO_UDP : DecodedPacket.PROTO_TCP;
        p.tcpFlags = udp ? 0 : flags;
        long client = 0x0000_FFFF_0A00_0000L | (flow >>> 4);
        long server = 0x0000_FFFF_6440_0001L;
        int clientPort = 40000 + (flow & 0xF);
        int serverPort = udp ? 53 : 443;
        p.srcLo = fromClient ? client : server;
        p.dstLo = fromClient ? server : client;
        p.srcPort = fromClient ? clientPort : serverPort;
        p.dstPort = fromClient ? serverPort : clientPort;
        p.ipLength = 60;
    }

    /** How many flows of the table have timed out by now, each flow read. */
    private static int timedOut(FlowTable t, FlowExpiry reference, long now) {
        int n = 0;
        for (int i = t.nextUsed(0); i < t.capacity(); i = t.nextUsed(i + 1)) {
            if (reference.reason(t.protocol(i), t.state(i), t.lastNanos(i), now) != null) {
                n++;
            }
        }
        return n;
    }

    @Test
    void everySweepEndsEveryFlowThatTimedOutAndNoOther() {
        // Short timeouts, a table that fills (eviction, backward-shift moves across groups) and grows, and
        // every TCP transition that shortens or lengthens a timeout: FIN and RST, handshakes completed.
        FlowConfig c = new FlowConfig(3000, 40 * S, 8 * S, 2 * S, 15 * S, 0);
        FlowTable t = new FlowTable(c, SERVICES, (tab, s, r) -> { });
        FlowExpiry reference = new FlowExpiry(t, c);
        Random rnd = new Random(11);
        long now = 1_700_000_000L * S;
        int sweeps = 0;
        for (int step = 0; step < 400_000; step++) {
            now += rnd.nextInt(2000) == 0 ? rnd.nextInt(3000) * MS : rnd.nextInt(2) * MS;
            // a packet out of order now and then: its time is before its flow's last
            long ts = rnd.nextInt(50) == 0 ? now - rnd.nextInt(5000) * MS : now;
            int flow = rnd.nextInt(rnd.nextBoolean() ? 200 : 6000);
            load(ts, flow, rnd.nextInt(3) != 0, FLAGS[rnd.nextInt(FLAGS.length)]);
            t.track(p);
            if (rnd.nextInt(500) == 0) {
                int due = timedOut(t, reference, now);
                assertEquals(due, t.sweep(now), "flows a sweep ended at step " + step);
                assertEquals(0, timedOut(t, reference, now), "flows timed out and left after the sweep at step " + step);
                sweeps++;
            }
        }
        assertTrue(sweeps > 500, "sweeps: " + sweeps);
        assertTrue(t.flowsEvicted() > 0, "the table filled");
    }

    @Test
    void aSweepReadsOnlyTheFlowsThatMayHaveTimedOut() {
        FlowTable t = new FlowTable(FlowConfig.defaults(), SERVICES, (tab, s, r) -> { });
        long now = 1_000 * S;
        for (int f = 1; f <= 10_000; f++) { // established TCP flows (300 s) and UDP ones (60 s)
            load(now, f, true, TCP_SYN);
            t.track(p);
            load(now, f, false, TCP_SYN | TCP_ACK);
            t.track(p);
            load(now, f, true, TCP_ACK);
            t.track(p);
        }
        // Each group is read once its handshakes' timeout (30 s) has passed, and bound anew by what its
        // flows have become: established (300 s) or UDP (60 s).
        now += 31 * S;
        assertEquals(0, t.sweep(now));
        now += 9 * S;
        long before = t.sweepReads();
        assertEquals(0, t.sweep(now));
        assertEquals(0, t.sweepReads() - before, "flows read by a sweep 20 s before the first timeout");

        for (int f = 1; f <= 100; f++) { // a hundred TCP flows closed: they linger 5 s
            load(now, f * 7, true, TCP_RST);
            t.track(p);
        }
        before = t.sweepReads();
        assertEquals(0, t.sweep(now + 5 * S)); // idle 5 s: not past the 5 s yet
        long read = t.sweepReads() - before;
        assertTrue(read >= 80 && read < 80 * FlowExpiry.GROUP_SLOTS, "flows read near the RSTs' timeout: " + read);
        assertEquals(80, t.sweep(now + 6 * S), "the TCP flows reset (a multiple of 5 is a UDP flow)");
        before = t.sweepReads();
        assertEquals(0, t.sweep(now + 7 * S));
        assertEquals(0, t.sweepReads() - before, "flows read once the reset ones ended");

        before = t.sweepReads();
        assertEquals(1_980, t.sweep(now + 21 * S), "the UDP flows idle for 61 s (20 had a datagram at 40 s)");
        assertTrue(t.sweepReads() - before < 4_000, "flows read at the UDP timeout: " + (t.sweepReads() - before));
    }
}
