package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.portwatch.capture.decode.DecodedPacket.TCP_ACK;
import static io.portwatch.capture.decode.DecodedPacket.TCP_FIN;
import static io.portwatch.capture.decode.DecodedPacket.TCP_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table's layout: IPv4 flows keyed exactly on their hot line, other flows by a fingerprint checked
 * against the cold addresses, 32-bit packet counters cut before they overflow, prefetching that
 * changes nothing, and the memory bound at the default limit.
 */
class FlowTableLayoutTest {

    /** Service ports for telling client from server where neither side is well-known (the registry is analysis's). */
    static final ServicePortPredicate SERVICES = (proto, port) -> port == 53 || port == 443 || port == 5353
            || port == 8080;

    private static final long S = FlowConfig.SECOND;
    private static final long V4 = 0x0000_FFFF_0000_0000L;
    private static final long A = V4 | 0x0A00_0001L; // 10.0.0.1
    private static final long B = V4 | 0x0A00_0002L; // 10.0.0.2
    private static final long V6_HI = 0x2001_0DB8_0000_0000L; // 2001:db8::/64

    /** What the end handler saw. */
    record Ended(int version, long cHi, long cLo, int cPort, long sHi, long sLo, int sPort, long toServer,
                 long toClient, long bytesToServer, long bytesToClient, EndReason reason) {
    }

    private final List<Ended> ended = new ArrayList<>();
    private final FlowEndHandler collect = (t, s, r) -> ended.add(new Ended(t.ipVersion(s), t.clientHi(s),
            t.clientLo(s), t.clientPort(s), t.serverHi(s), t.serverLo(s), t.serverPort(s), t.packetsToServer(s),
            t.packetsToClient(s), t.bytesToServer(s), t.bytesToClient(s), r));

    private FlowTable table(FlowConfig c) {
        return new FlowTable(c, (proto, port) -> port == 53 || port == 443, collect);
    }

    private static DecodedPacket packet(int proto, int version, long ts, long sHi, long sLo, int sPort, long dHi,
                                        long dLo, int dPort, int flags, int len) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.protocol = proto;
        p.ipVersion = version;
        p.timestampNanos = ts;
        p.srcHi = sHi;
        p.srcLo = sLo;
        p.srcPort = sPort;
        p.dstHi = dHi;
        p.dstLo = dLo;
        p.dstPort = dPort;
        p.tcpFlags = flags;
        p.ipLength = len;
        return p;
    }

    private static DecodedPacket udp4(long ts, long src, int sPort, long dst, int dPort, int len) {
        return packet(DecodedPacket.PROTO_UDP, 4, ts, 0, src, sPort, 0, dst, dPort, 0, len);
    }

    private static DecodedPacket udp6(long ts, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort, int len) {
        return packet(DecodedPacket.PROTO_UDP, 6, ts, sHi, sLo, sPort, dHi, dLo, dPort, 0, len);
    }

    @Test
    void ipv6FlowKeepsItsAddressesAndDirections() {
        FlowTable t = table(FlowConfig.defaults());
        long c = 0x1, s = 0x2;
        int slot = t.track(packet(DecodedPacket.PROTO_TCP, 6, 0, V6_HI, c, 40000, V6_HI, s, 443, TCP_SYN, 80));
        assertEquals(FlowTable.EV_NEW, t.lastEvents());
        assertEquals(slot, t.track(packet(DecodedPacket.PROTO_TCP, 6, 1, V6_HI, s, 443, V6_HI, c, 40000,
                TCP_SYN | TCP_ACK, 80)));
        assertFalse(t.lastToServer());
        t.track(packet(DecodedPacket.PROTO_TCP, 6, 2, V6_HI, c, 40000, V6_HI, s, 443, TCP_ACK, 72));
        assertTrue(t.lastToServer());
        assertEquals(FlowTable.EV_ESTABLISHED, t.lastEvents());
        t.track(packet(DecodedPacket.PROTO_TCP, 6, 3, V6_HI, s, 443, V6_HI, c, 40000, TCP_ACK | TCP_FIN, 72));
        assertEquals(1, t.size());
        assertEquals(6, t.ipVersion(slot));
        assertEquals("S3", t.connState(slot), "the server closed");
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(List.of(new Ended(6, V6_HI, c, 40000, V6_HI, s, 443, 2, 2, 152, 152, EndReason.END_OF_INPUT)),
                ended);
    }

    @Test
    void ipv4AddressesComeBackFromTheHotKey() {
        FlowTable t = table(FlowConfig.defaults());
        long hi = V4 | 0xFFFF_FFFEL; // 255.255.255.254: the top bit of the address set
        int slot = t.track(udp4(0, hi, 5000, A, 53, 60));
        assertEquals(0, t.clientHi(slot));
        assertEquals(hi, t.clientLo(slot));
        assertEquals(0, t.serverHi(slot));
        assertEquals(A, t.serverLo(slot));
    }

    /** Flows whose ports are equal, or whose addresses are swapped with the ports kept: never one flow. */
    @Test
    void swappedAddressesAndEqualPortsAreTold() {
        for (int version : new int[] {4, 6}) {
            ended.clear();
            FlowTable t = table(FlowConfig.defaults());
            long hi = version == 6 ? V6_HI : 0, a = version == 6 ? 0xA : A, b = version == 6 ? 0xB : B;
            // a:5000 -> b:6000 and b:5000 -> a:6000: different flows (same ports, addresses swapped)
            int one = t.track(packet(DecodedPacket.PROTO_UDP, version, 0, hi, a, 5000, hi, b, 6000, 0, 100));
            int two = t.track(packet(DecodedPacket.PROTO_UDP, version, 1, hi, b, 5000, hi, a, 6000, 0, 200));
            assertNotEquals(one, two);
            assertEquals(2, t.size());
            // 500 <-> 500 both ways: one flow, its direction told by the addresses
            int ike = t.track(packet(DecodedPacket.PROTO_UDP, version, 2, hi, a, 500, hi, b, 500, 0, 300));
            assertTrue(t.lastToServer());
            assertEquals(ike, t.track(packet(DecodedPacket.PROTO_UDP, version, 3, hi, b, 500, hi, a, 500, 0, 400)));
            assertFalse(t.lastToServer());
            assertEquals(ike, t.track(packet(DecodedPacket.PROTO_UDP, version, 4, hi, b, 500, hi, a, 500, 0, 400)));
            assertFalse(t.lastToServer());
            assertEquals(3, t.size());
            t.endAll(EndReason.END_OF_INPUT);
            assertEquals(List.of(
                    new Ended(version, hi, a, 5000, hi, b, 6000, 1, 0, 100, 0, EndReason.END_OF_INPUT),
                    new Ended(version, hi, b, 5000, hi, a, 6000, 1, 0, 200, 0, EndReason.END_OF_INPUT),
                    new Ended(version, hi, a, 500, hi, b, 500, 1, 2, 300, 800, EndReason.END_OF_INPUT)), ended);
        }
    }

    /**
     * Two IPv6 flows with the same 64-bit fingerprint (made for a known hash key: the second client's
     * low address word is chosen so that its endpoint's terms add up to the first client's) stay two
     * flows: the full addresses decide.
     */
    @Test
    void fingerprintCollisionStillTellsFlowsApart() {
        HashKey key = HashKey.of(3);
        long aHi = V6_HI, aLo = 0x1;
        long bHi = V6_HI | 0xFF, bLo = key.wordFor(1, key.term(0, aHi) + key.term(1, aLo) - key.term(0, bHi));
        long server = 0x53;
        FlowTable t = new FlowTable(FlowConfig.defaults(), key, (proto, port) -> port == 53 || port == 443, collect);
        assertEquals(new FlowHash(key).fingerprint(aHi, aLo, 40000, V6_HI, server, 53, DecodedPacket.PROTO_UDP),
                new FlowHash(key).fingerprint(bHi, bLo, 40000, V6_HI, server, 53, DecodedPacket.PROTO_UDP),
                "the two clients must collide for this test to test anything");
        int a = t.track(udp6(0, aHi, aLo, 40000, V6_HI, server, 53, 100));
        int b = t.track(udp6(1, bHi, bLo, 40000, V6_HI, server, 53, 200));
        assertNotEquals(a, b);
        assertEquals(FlowTable.EV_NEW, t.lastEvents());
        assertEquals(b, t.track(udp6(2, V6_HI, server, 53, bHi, bLo, 40000, 1000)));
        assertFalse(t.lastToServer());
        assertEquals(a, t.track(udp6(3, aHi, aLo, 40000, V6_HI, server, 53, 100)));
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(List.of(
                new Ended(6, aHi, aLo, 40000, V6_HI, server, 53, 2, 0, 200, 0, EndReason.END_OF_INPUT),
                new Ended(6, bHi, bLo, 40000, V6_HI, server, 53, 1, 1, 200, 1000, EndReason.END_OF_INPUT)), ended);
    }

    @Test
    void packetCountersAreCutBeforeTheyOverflow() {
        FlowTable t = table(FlowConfig.defaults());
        int slot = t.track(udp4(0, A, 5000, B, 53, 100));
        t.track(udp4(1, B, 53, A, 5000, 100));
        long max = 0xFFFF_FFFFL;
        t.addPackets(slot, true, max - 1, 7);
        assertEquals(max, t.packetsToServer(slot));
        assertEquals(1, t.packetsToClient(slot), "no carry into the other direction");
        t.track(udp4(2, B, 53, A, 5000, 100)); // the other direction has room
        assertTrue(ended.isEmpty());
        t.track(udp4(3, A, 5000, B, 53, 100)); // this one would overflow: the part ends first
        assertEquals(List.of(new Ended(4, 0, A, 5000, 0, B, 53, max, 2, 100 + 7, 200, EndReason.ACTIVE)), ended);
        assertEquals(1, t.packetsToServer(slot));
        assertEquals(0, t.packetsToClient(slot));
        assertEquals(3, t.startNanos(slot));
        assertEquals(1, t.flowsStarted());
    }

    @Test
    void addingMorePacketsThanACounterHoldsCutsTheFlowInParts() {
        FlowTable t = table(FlowConfig.defaults());
        int slot = t.track(udp4(0, A, 5000, B, 53, 100));
        long many = 10_000_000_000L;
        t.addPackets(slot, false, many, 12345);
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(List.of(EndReason.ACTIVE, EndReason.ACTIVE, EndReason.END_OF_INPUT),
                ended.stream().map(Ended::reason).toList());
        assertEquals(many, ended.stream().mapToLong(Ended::toClient).sum());
        assertEquals(1, ended.stream().mapToLong(Ended::toServer).sum());
        assertEquals(12345, ended.stream().mapToLong(Ended::bytesToClient).sum());
        assertTrue(ended.stream().allMatch(e -> e.toClient() <= 0xFFFF_FFFFL));
    }

    /**
     * Random IPv4 and IPv6 traffic over a small key space, through growth, timeouts, backward-shift
     * deletion and eviction, checked against a ledger of the packets; and the same with prefetching.
     */
    @Test
    void randomMixedTrafficIsAccountedExactlyWithAndWithoutPrefetch() {
        for (int maxFlows : new int[] {200, 1 << 20}) {
            List<List<Object>> outcomes = new ArrayList<>();
            for (int batch : new int[] {0, 1, 13}) {
                FlowTableCorpusTest.Ledger packets = new FlowTableCorpusTest.Ledger();
                FlowTableCorpusTest.Ledger flows = new FlowTableCorpusTest.Ledger();
                List<Object> seen = new ArrayList<>();
                FlowTable t = new FlowTable(new FlowConfig(maxFlows, 300 * S, 30 * S, 5 * S, 2 * S, 5 * S),
                        SERVICES, (tab, s, r) -> {
                            flows.flow(tab, s);
                            seen.add(r);
                        });
                Random rnd = new Random(3);
                DecodedPacket[] ring = new DecodedPacket[Math.max(1, batch)];
                long ts = 0;
                for (int i = 0; i < 13 * 10_000; ) {
                    for (int k = 0; k < ring.length; k++) {
                        ts += rnd.nextInt(100_000);
                        ring[k] = randomPacket(rnd, ts);
                        packets.packet(ring[k]);
                    }
                    if (batch >= 1) {
                        t.prefetch(ring, 0, ring.length);
                    }
                    for (int k = 0; k < ring.length; k++) {
                        seen.add(batch >= 1 ? t.trackPrefetched(ring, 0, k) : t.track(ring[k]));
                        seen.add(t.lastEvents());
                        i++;
                    }
                }
                t.endAll(EndReason.END_OF_INPUT);
                assertEquals(packets.totals(), flows.totals(), "maxFlows " + maxFlows + ", batch " + batch);
                outcomes.add(seen);
                if (maxFlows == 200) {
                    assertTrue(t.flowsEvicted() > 0);
                }
            }
            assertEquals(outcomes.get(0), outcomes.get(1));
            assertEquals(outcomes.get(0), outcomes.get(2));
        }
    }

    /** IPv4, IPv6 and IPv4 numbers outside the IPv4-mapped range, few enough hosts to collide often. */
    private static DecodedPacket randomPacket(Random rnd, long ts) {
        int kind = rnd.nextInt(3);
        long aHi = kind == 1 ? V6_HI : 0, bHi = aHi;
        long aLo = host(rnd, kind), bLo = host(rnd, kind);
        int aPort = rnd.nextInt(4) == 0 ? 53 : 1024 + rnd.nextInt(8);
        int bPort = rnd.nextInt(4) == 0 ? 53 : 1024 + rnd.nextInt(8);
        boolean tcp = rnd.nextBoolean();
        int flags = tcp ? new int[] {TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_FIN,
                DecodedPacket.TCP_RST}[rnd.nextInt(5)] : 0;
        return packet(tcp ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP, kind == 1 ? 6 : 4, ts, aHi, aLo,
                aPort, bHi, bLo, bPort, flags, 40 + rnd.nextInt(1400));
    }

    private static long host(Random rnd, int kind) {
        long h = rnd.nextInt(12);
        return switch (kind) {
            case 0 -> V4 | 0xC0A8_0000L | h; // 192.168.0.h
            case 1 -> h;
            default -> 0xFFFF_FFFF_0000_0000L | h; // not IPv4-mapped: keyed through the cold array
        };
    }

    /**
     * At the default limit (1M flows) the table holds at most 130 bytes a tracked flow: 96-byte slots
     * (64 hot, 32 cold) at a load of at least 0.75 make 128.
     */
    @Test
    void memoryAtTheDefaultLimitIsAtMost130BytesAFlow() {
        FlowConfig c = FlowConfig.defaults();
        FlowTable t = new FlowTable(c, SERVICES, (tab, s, r) -> { });
        DecodedPacket p = udp4(0, 0, 40000, B, 53, 60);
        int flows = c.maxFlows() + c.maxFlows() / 8;
        for (int i = 0; i < flows; i++) {
            p.timestampNanos = i * 1000L;
            p.srcLo = V4 | (i >>> 4);
            p.srcPort = 40000 + (i & 0xF);
            t.track(p);
            assertEquals(FlowTable.EV_NEW, t.lastEvents());
        }
        assertTrue(t.size() <= c.maxFlows());
        assertTrue(t.flowsEvicted() > 0);
        double perFlow = t.memoryBytes() / (double) c.maxFlows();
        double perSlot = t.memoryBytes() / (double) t.capacity();
        assertTrue(perFlow <= 130, "bytes per flow at the limit: " + perFlow);
        assertTrue(perSlot < FlowTable.STRIDE * Long.BYTES + 1, "bytes per slot: " + perSlot);
        System.out.printf("at the %d-flow limit: %d slots, %.1f bytes a slot, %.1f bytes a flow%n", c.maxFlows(),
                t.capacity(), perSlot, perFlow);
    }
}
