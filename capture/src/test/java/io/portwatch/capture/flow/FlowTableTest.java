package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.portwatch.capture.decode.DecodedPacket.TCP_ACK;
import static io.portwatch.capture.decode.DecodedPacket.TCP_FIN;
import static io.portwatch.capture.decode.DecodedPacket.TCP_PSH;
import static io.portwatch.capture.decode.DecodedPacket.TCP_RST;
import static io.portwatch.capture.decode.DecodedPacket.TCP_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest {

    private static final long S = FlowConfig.SECOND;
    private static final long CLIENT = 0x0000_FFFF_0A00_0001L; // 10.0.0.1
    private static final long SERVER = 0x0000_FFFF_0A00_0002L; // 10.0.0.2

    /** A flow as the end handler saw it. */
    record Ended(String client, int clientPort, String server, int serverPort, long pktsToServer,
                 long pktsToClient, long bytesToServer, long bytesToClient, String state, EndReason reason,
                 int flags, long start, long end, boolean unanswered) {
    }

    private final List<Ended> ended = new ArrayList<>();
    private final FlowEndHandler collect = (t, s, r) -> ended.add(new Ended(
            Long.toHexString(t.clientLo(s)), t.clientPort(s), Long.toHexString(t.serverLo(s)), t.serverPort(s),
            t.packetsToServer(s), t.packetsToClient(s), t.bytesToServer(s), t.bytesToClient(s), t.connState(s), r,
            t.tcpFlags(s), t.startNanos(s), t.lastNanos(s), t.isUnanswered(s)));

    private static final ServicePortPredicate SERVICES = (proto, port) -> port == 443 || port == 8080 || port == 53;

    private FlowTable table(FlowConfig c) {
        return new FlowTable(c, SERVICES, collect);
    }

    private static DecodedPacket tcp(long ts, long src, int sport, long dst, int dport, int flags, int len) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.ipVersion = 4;
        p.timestampNanos = ts;
        p.srcLo = src;
        p.dstLo = dst;
        p.srcPort = sport;
        p.dstPort = dport;
        p.protocol = DecodedPacket.PROTO_TCP;
        p.tcpFlags = flags;
        p.ipLength = len;
        return p;
    }

    private static DecodedPacket udp(long ts, long src, int sport, long dst, int dport, int len) {
        DecodedPacket p = tcp(ts, src, sport, dst, dport, 0, len);
        p.protocol = DecodedPacket.PROTO_UDP;
        return p;
    }

    @Test
    void fullTcpSessionIsOneFlowEndingOnFin() {
        FlowTable t = table(FlowConfig.defaults());
        int s = t.track(tcp(0, CLIENT, 40000, SERVER, 80, TCP_SYN, 60));
        assertEquals(FlowTable.EV_NEW, t.lastEvents());
        assertTrue(t.lastToServer());
        t.track(tcp(1, SERVER, 80, CLIENT, 40000, TCP_SYN | TCP_ACK, 60));
        assertFalse(t.lastToServer());
        assertEquals(0, t.lastEvents());
        t.track(tcp(2, CLIENT, 40000, SERVER, 80, TCP_ACK, 52));
        assertEquals(FlowTable.EV_ESTABLISHED, t.lastEvents());
        t.track(tcp(3, CLIENT, 40000, SERVER, 80, TCP_ACK | TCP_PSH, 152));
        t.track(tcp(4, SERVER, 80, CLIENT, 40000, TCP_ACK | TCP_PSH, 1052));
        t.track(tcp(5, SERVER, 80, CLIENT, 40000, TCP_ACK | TCP_FIN, 52));
        t.track(tcp(6, CLIENT, 40000, SERVER, 80, TCP_ACK | TCP_FIN, 52));
        int last = t.track(tcp(7, SERVER, 80, CLIENT, 40000, TCP_ACK, 52));
        assertEquals(s, last);
        assertEquals(1, t.size());
        assertEquals("SF", t.connState(s));
        t.track(udp(8, CLIENT, 5000, SERVER, 53, 60));
        assertTrue(ended.isEmpty(), "lingers for the last ACK");
        // The linger ends at the closed timeout: a sweep after it emits the flow with reason FIN.
        assertEquals(1, t.sweep(7 + 6 * S));
        Ended e = ended.get(0);
        assertEquals(EndReason.FIN, e.reason());
        assertEquals(4, e.pktsToServer());
        assertEquals(4, e.pktsToClient());
        assertEquals(60 + 52 + 152 + 52, e.bytesToServer());
        assertEquals(60 + 1052 + 52 + 52, e.bytesToClient());
        assertEquals(40000, e.clientPort());
        assertEquals(80, e.serverPort());
        assertEquals(TCP_SYN | TCP_ACK | TCP_PSH | TCP_FIN, e.flags());
        assertEquals(0, e.start());
        assertEquals(7, e.end());
        assertEquals(1, t.size());
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(EndReason.END_OF_INPUT, ended.get(1).reason(), "a live flow ends with the input");
        assertEquals(0, t.size());
    }

    @Test
    void rstAnswerToSynIsRejected() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(tcp(0, CLIENT, 40000, SERVER, 81, TCP_SYN, 44));
        t.track(tcp(1, SERVER, 81, CLIENT, 40000, TCP_RST | TCP_ACK, 40));
        assertEquals(FlowTable.EV_REJECTED, t.lastEvents());
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals("REJ", ended.get(0).state());
        assertEquals(EndReason.RST, ended.get(0).reason(), "it had ended by RST before the input ended");
        assertFalse(ended.get(0).unanswered());
    }

    @Test
    void unansweredSynTimesOutAfterTheHandshakeTimeout() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(tcp(0, CLIENT, 40000, SERVER, 82, TCP_SYN, 44));
        t.track(tcp(S, CLIENT, 40000, SERVER, 82, TCP_SYN, 44)); // retransmission, same flow
        assertEquals(0, t.sweep(20 * S));
        assertEquals(1, t.sweep(40 * S));
        Ended e = ended.get(0);
        assertEquals(EndReason.IDLE, e.reason());
        assertEquals("S0", e.state());
        assertTrue(e.unanswered());
        assertEquals(2, e.pktsToServer());
    }

    @Test
    void synScanOfOpenPortIsResetByOriginator() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(tcp(0, CLIENT, 40000, SERVER, 22, TCP_SYN, 44));
        t.track(tcp(1, SERVER, 22, CLIENT, 40000, TCP_SYN | TCP_ACK, 44));
        t.track(tcp(2, CLIENT, 40000, SERVER, 22, TCP_RST, 40));
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals("RSTO", ended.get(0).state());
    }

    @Test
    void newSynOnAClosedTupleStartsANewFlow() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(tcp(0, CLIENT, 40000, SERVER, 80, TCP_SYN, 44));
        t.track(tcp(1, SERVER, 80, CLIENT, 40000, TCP_RST | TCP_ACK, 40));
        t.track(tcp(2, CLIENT, 40000, SERVER, 80, TCP_SYN, 44));
        assertEquals(FlowTable.EV_NEW, t.lastEvents());
        assertEquals(1, ended.size());
        assertEquals(EndReason.RST, ended.get(0).reason());
        assertEquals(2, t.flowsStarted());
    }

    @Test
    void serverSideFromSynAckWhenTheSynWasMissed() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(tcp(0, SERVER, 5000, CLIENT, 6000, TCP_SYN | TCP_ACK, 44));
        assertFalse(t.lastToServer());
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(5000, ended.get(0).serverPort());
        assertEquals(Long.toHexString(SERVER), ended.get(0).server());
    }

    @Test
    void midstreamServerSideFromPorts() {
        FlowTable t = table(FlowConfig.defaults());
        // well-known port wins over a registered service port
        t.track(tcp(0, SERVER, 443, CLIENT, 8080, TCP_ACK, 52));
        // exactly one IANA service port (53) on the receiving side
        t.track(udp(1, CLIENT, 50000, SERVER, 53, 60));
        // the service port sends first
        t.track(udp(2, SERVER, 8080, CLIENT, 40001, 60));
        // neither side a service: the first sender is the client
        t.track(udp(3, SERVER, 40002, CLIENT, 40003, 60));
        t.endAll(EndReason.END_OF_INPUT);
        Map<Integer, Integer> serverPortByClientPort = new HashMap<>();
        for (Ended e : ended) {
            serverPortByClientPort.put(e.clientPort(), e.serverPort());
        }
        assertEquals(Map.of(8080, 443, 50000, 53, 40001, 8080, 40002, 40003), serverPortByClientPort);
    }

    @Test
    void udpStates() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(udp(0, CLIENT, 5000, SERVER, 53, 60));
        t.track(udp(1, SERVER, 53, CLIENT, 5000, 90));
        t.track(udp(2, CLIENT, 5001, SERVER, 53, 60));
        t.endAll(EndReason.END_OF_INPUT);
        Map<Integer, String> states = new HashMap<>();
        ended.forEach(e -> states.put(e.clientPort(), e.state()));
        assertEquals(Map.of(5000, "SF", 5001, "S0"), states);
    }

    @Test
    void idleTimeoutIsExactEvenWithoutASweep() {
        FlowTable t = table(FlowConfig.defaults());
        t.track(udp(0, CLIENT, 5000, SERVER, 53, 60));
        t.track(udp(60 * S, CLIENT, 5000, SERVER, 53, 60)); // exactly the timeout: same flow
        assertEquals(0, t.lastEvents());
        t.track(udp(120 * S + 1, CLIENT, 5000, SERVER, 53, 60)); // past it: new flow
        assertEquals(FlowTable.EV_NEW, t.lastEvents());
        assertEquals(1, ended.size());
        assertEquals(EndReason.IDLE, ended.get(0).reason());
        assertEquals(2, ended.get(0).pktsToServer());
    }

    @Test
    void longFlowsAreReportedInParts() {
        FlowConfig c = new FlowConfig(1000, 300 * S, 30 * S, 5 * S, 60 * S, 100 * S);
        FlowTable t = table(c);
        for (int i = 0; i <= 250; i++) {
            t.track(udp(i * S, CLIENT, 5000, SERVER, 53, 100));
        }
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(List.of(EndReason.ACTIVE, EndReason.ACTIVE, EndReason.END_OF_INPUT),
                ended.stream().map(Ended::reason).toList());
        assertEquals(251, ended.stream().mapToLong(Ended::pktsToServer).sum());
        assertEquals(100, ended.get(0).pktsToServer());
        assertEquals(1, t.flowsStarted());
    }

    @Test
    void ipv4AndIpv6WithTheSameLowBitsAreDifferentFlows() {
        FlowTable t = table(FlowConfig.defaults());
        DecodedPacket v4 = udp(0, CLIENT, 5000, SERVER, 53, 60);
        DecodedPacket v6 = udp(1, CLIENT, 5000, SERVER, 53, 60);
        v6.ipVersion = 6;
        t.track(v4);
        t.track(v6);
        assertEquals(2, t.size());
    }

    /** Random traffic over a small key space checked against a HashMap model, through growth and sweeps. */
    @Test
    void agreesWithAModelThroughGrowthAndDeletion() {
        Random rnd = new Random(42);
        FlowConfig c = new FlowConfig(1 << 16, 300 * S, 30 * S, 5 * S, 10 * S, 0);
        FlowTable t = table(c);
        Map<List<Long>, long[]> model = new HashMap<>(); // key -> {packets, lastTs}
        long ts = 0;
        long modelEnded = 0;
        for (int i = 0; i < 400_000; i++) {
            ts += rnd.nextInt(200_000); // 0.1 ms average: ~40 s of traffic
            long a = 0x0000_FFFF_0000_0000L | rnd.nextInt(3000);
            int port = 1024 + rnd.nextInt(4);
            t.track(udp(ts, a, port, SERVER, 40000, 100));
            List<Long> key = List.of(a, (long) port);
            long[] m = model.get(key);
            if (m != null && ts - m[1] > 10 * S) {
                modelEnded += m[0];
                m = null;
            }
            if (m == null) {
                m = new long[2];
                model.put(key, m);
            }
            m[0]++;
            m[1] = ts;
        }
        long liveInModel = model.values().stream().filter(m -> m[0] > 0).count();
        int endedBefore = ended.size();
        t.endAll(EndReason.END_OF_INPUT);
        long total = ended.stream().mapToLong(Ended::pktsToServer).sum();
        assertEquals(400_000, total, "every packet accounted once");
        long endedPackets = ended.subList(0, endedBefore).stream().mapToLong(Ended::pktsToServer).sum();
        // flows ended at end of input: every live model key, with the model's packet count
        Map<String, Long> live = new HashMap<>();
        for (Ended e : ended.subList(endedBefore, ended.size())) {
            live.merge(e.client() + ":" + e.clientPort(), e.pktsToServer(), Long::sum);
        }
        // Idle flows the table had not swept yet are ended at end of input too; the model keeps
        // them as live until a packet arrives, so compare packets only: ended + live = all.
        assertEquals(modelEnded + model.values().stream().mapToLong(m -> m[0]).sum(), endedPackets
                + live.values().stream().mapToLong(Long::longValue).sum());
        assertTrue(live.size() <= liveInModel);
        assertEquals(t.flowsStarted(), ended.size());
    }

    @Test
    void floodOfDistinctFlowsStaysBoundedAndCountsEvictions() {
        FlowConfig c = new FlowConfig(10_000, 300 * S, 30 * S, 5 * S, 60 * S, 0);
        FlowTable t = table(c);
        Random rnd = new Random(7);
        for (int i = 0; i < 300_000; i++) {
            t.track(udp(i * 1000L, 0x0000_FFFF_0000_0000L | rnd.nextInt(), rnd.nextInt(65536), SERVER, 53, 60));
            assertTrue(t.size() <= 10_000);
        }
        assertTrue(t.flowsEvicted() > 0);
        assertEquals(t.flowsStarted(), t.flowsEvicted() + t.size() + ended.stream()
                .filter(e -> e.reason() != EndReason.EVICTED).count());
        assertEquals(t.flowsEvicted(), ended.stream().filter(e -> e.reason() == EndReason.EVICTED).count());
        // memory per tracked flow at the limit: 96 bytes a slot at a load of at least 0.75
        assertTrue(t.memoryBytes() / (double) c.maxFlows() <= 130, "bytes per flow: " + t.memoryBytes() / c.maxFlows());
        // evicted flows are among the oldest: none of the newest 1000 flows was evicted
        long newestEvicted = ended.stream().filter(e -> e.reason() == EndReason.EVICTED)
                .mapToLong(Ended::end).max().orElse(0);
        assertTrue(newestEvicted < 299_000 * 1000L, "evicted a recent flow at " + newestEvicted);
    }

    @Test
    void prefetchedPacketsAreTrackedAsUnprefetchedOnes() {
        // The batch prefetch keeps each packet's 5-tuple hash for track() to reuse: the same packets,
        // IPv4 and IPv6 both ways, through a table that prefetches in batches of 32 (and grows and ends
        // flows on the way) and one that does not, give the same slots, directions and ended flows.
        Random rnd = new Random(11);
        List<DecodedPacket> packets = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            int client = rnd.nextInt(3000);
            boolean v6 = client % 5 == 0;
            long hi = v6 ? 0x2001_0DB8_0000_0000L : 0;
            long lo = v6 ? client : 0x0000_FFFF_0A00_0000L | client;
            long shi = v6 ? 0x2001_0DB8_0000_0001L : 0;
            long slo = v6 ? 2 : SERVER;
            int cport = 1024 + client;
            DecodedPacket p = rnd.nextBoolean()
                    ? udp(i * 1000L, 0, cport, 0, 53, 60) : udp(i * 1000L, 0, 53, 0, cport, 60);
            boolean toServer = p.dstPort == 53;
            p.ipVersion = v6 ? 6 : 4;
            p.srcHi = toServer ? hi : shi;
            p.srcLo = toServer ? lo : slo;
            p.dstHi = toServer ? shi : hi;
            p.dstLo = toServer ? slo : lo;
            packets.add(p);
        }
        FlowConfig c = new FlowConfig(2_000, 300 * S, 30 * S, 5 * S, 60 * S, 0);
        FlowTable plain = table(c);
        List<String> plainTrack = new ArrayList<>();
        for (DecodedPacket p : packets) {
            int slot = plain.track(p);
            plainTrack.add(slot + (plain.lastToServer() ? ">" : "<") + plain.lastEvents());
        }
        plain.endAll(EndReason.END_OF_INPUT);
        List<Ended> plainEnded = new ArrayList<>(ended);
        ended.clear();

        FlowTable batched = table(c);
        List<String> batchedTrack = new ArrayList<>();
        DecodedPacket[] batch = packets.toArray(new DecodedPacket[0]);
        for (int from = 0; from < batch.length; from += 32) {
            int to = Math.min(batch.length, from + 32);
            batched.prefetch(batch, from, to);
            for (int k = from; k < to; k++) {
                int slot = batched.trackPrefetched(batch, from, k - from);
                batchedTrack.add(slot + (batched.lastToServer() ? ">" : "<") + batched.lastEvents());
            }
        }
        batched.endAll(EndReason.END_OF_INPUT);
        assertTrue(batched.flowsEvicted() > 0);
        assertEquals(plainTrack.size(), batchedTrack.size());
        for (int i = 0; i < plainTrack.size(); i++) {
            assertEquals(plainTrack.get(i), batchedTrack.get(i), "packet " + i + ": slot, direction, events");
        }
        assertEquals(plainEnded.size(), ended.size());
        for (int i = 0; i < plainEnded.size(); i++) {
            assertEquals(plainEnded.get(i), ended.get(i), "ended flow " + i);
        }
    }
    /**
     * A table taken to its largest size at once ends the same flows, for the same reasons, in the same order as
     * one that grows (sweeps, evictions at the limit, FIN, RST, the end of the input), and never grows; in both
     * the bits of the used slots stay those of the flows, as flows come, move back on removal and go.
     */
    @Test
    void aPreallocatedTableEndsWhatAGrowingOneEndsAndNeverGrows() {
        FlowConfig c = new FlowConfig(20_000, 40 * S, 10 * S, 2 * S, 20 * S, 0);
        List<List<Ended>> runs = new ArrayList<>();
        for (boolean preallocated : new boolean[] {false, true}) {
            ended.clear();
            FlowTable t = table(c);
            int slots = t.capacity();
            if (preallocated) {
                assertTrue(t.preallocate());
                slots = t.capacity();
                assertEquals((int) Math.ceil(20_000 / 0.75) + 1, slots);
            }
            Random rnd = new Random(13);
            for (int i = 0; i < 400_000; i++) {
                long ts = i * 200_000L; // 5,000 packets a second: sweeps, idle flows, and the limit reached
                long client = 0x0000_FFFF_0A00_0000L | rnd.nextInt(60_000);
                int port = 1024 + rnd.nextInt(4);
                int kind = rnd.nextInt(10);
                DecodedPacket p = kind < 3 ? udp(ts, client, port, SERVER, 53, 80)
                        : tcp(ts, client, port, SERVER, 443, kind == 3 ? TCP_SYN : kind == 4 ? TCP_FIN | TCP_ACK
                        : kind == 5 ? TCP_RST : TCP_ACK | TCP_PSH, 200);
                t.track(p);
                if (preallocated) {
                    assertEquals(slots, t.capacity(), "grew at packet " + i);
                }
                if (i % 50_000 == 0) {
                    assertTrue(t.usedBitsAgree(), "bits of the used slots at packet " + i);
                }
            }
            assertTrue(t.usedBitsAgree());
            assertTrue(t.flowsEvicted() > 0, "the limit was reached");
            t.endAll(EndReason.END_OF_INPUT);
            assertTrue(t.usedBitsAgree());
            assertEquals(0, t.size());
            runs.add(new ArrayList<>(ended));
        }
        assertTrue(runs.get(0).size() > 100_000, "flows ended: " + runs.get(0).size());
        assertEquals(runs.get(0).size(), runs.get(1).size());
        for (int i = 0; i < runs.get(0).size(); i++) {
            assertEquals(runs.get(0).get(i), runs.get(1).get(i), "ended flow " + i);
        }
    }
}
