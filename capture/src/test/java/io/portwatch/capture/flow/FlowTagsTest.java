package io.portwatch.capture.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.TunnelKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A flow's VLAN id and tunnel stay with it as the table grows, removes flows (backward shift) and evicts;
 * they are not part of the key; a table without them allocates nothing for them.
 */
class FlowTagsTest {

    private static DecodedPacket udp(long ts, int client, int sport, int vlan, TunnelKind tunnel, int outer) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.ipVersion = 4;
        p.timestampNanos = ts;
        p.srcLo = 0x0000_FFFF_0A00_0000L | client;
        p.dstLo = 0x0000_FFFF_0A01_0001L;
        p.srcPort = sport;
        p.dstPort = 53;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.ipLength = 60;
        p.vlanId = vlan;
        if (tunnel != null) {
            p.tunnel = tunnel;
            p.tunnelDepth = 1;
            p.outerIpVersion = 6;
            p.outerSrcHi = 0x2001_0db8_0000_0000L;
            p.outerSrcLo = outer;
            p.outerDstHi = 0x2001_0db8_0000_0001L;
            p.outerDstLo = outer + 1;
        }
        return p;
    }

    record Tags(int vlan, TunnelKind tunnel, int version, long srcLo, long dstHi) {
    }

    @Test
    void tagsFollowTheirFlowThroughGrowthAndRemoval() {
        Map<Integer, Tags> expected = new HashMap<>();
        Map<Integer, Tags> seen = new HashMap<>();
        FlowEndHandler check = (t, s, r) -> assertEquals(null, seen.put((int) (t.clientLo(s) & 0xFF) << 16 | t.clientPort(s),
                new Tags(t.vlanId(s), t.tunnel(s), t.outerIpVersion(s), t.outerSrcLo(s), t.outerDstHi(s))), "ended twice");
        // short UDP timeouts, so that sweeps remove flows from the middle of runs
        FlowConfig c = new FlowConfig(200_000, 300 * FlowConfig.SECOND, 30 * FlowConfig.SECOND, 5 * FlowConfig.SECOND,
                FlowConfig.SECOND, 1800 * FlowConfig.SECOND);
        FlowTable t = new FlowTable(c, (proto, port) -> port == 53, check);
        Random rnd = new Random(7);
        TunnelKind[] kinds = TunnelKind.values();
        long ts = 0;
        int client = 0;
        for (int i = 0; i < 150_000; i++) {
            ts += 20_000; // 50,000 flows a second: the sweeps end the older ones
            int vlan = rnd.nextInt(3) == 0 ? rnd.nextInt(4096) : DecodedPacket.NO_VLAN;
            TunnelKind kind = rnd.nextInt(4) == 0 ? kinds[rnd.nextInt(kinds.length)] : null;
            client++;
            int sport = 1024 + (client % 60_000);
            int host = client / 60_000;
            DecodedPacket p = udp(ts, host, sport, vlan, kind, client);
            expected.put(host << 16 | sport, new Tags(vlan, kind, kind == null ? 0 : 6, kind == null ? 0 : client,
                    kind == null ? 0 : 0x2001_0db8_0000_0001L));
            t.track(p);
            // a second packet of the flow, from another VLAN and no tunnel: the first packet's tags stay
            DecodedPacket q = udp(ts, host, sport, 7, null, 0);
            t.track(q);
            if (i % 10_000 == 0) {
                t.sweep(ts);
            }
        }
        assertTrue(seen.size() > 10_000, "flows ended on the way: " + seen.size());
        assertTrue(t.capacity() > 65_536, "the table grew");
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(expected, seen, "every flow ended once, with its first packet's tags");
    }
}

class FlowTagsMemoryTest {
    @Test
    void aTableWithoutTagsAllocatesNothingForThem() {
        FlowTable t = new FlowTable(FlowConfig.defaults(), (proto, port) -> false, (tb, s, r) -> { });
        long before = t.memoryBytes();
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.ipVersion = 4;
        p.srcLo = 0x0000_FFFF_0A00_0001L;
        p.dstLo = 0x0000_FFFF_0A00_0002L;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.srcPort = 1;
        p.dstPort = 2;
        t.track(p);
        assertEquals(before, t.memoryBytes());
        p.srcPort = 3;
        p.vlanId = 5;
        t.track(p);
        assertEquals(before + 2L * t.capacity(), t.memoryBytes(), "2 bytes a slot once a flow has a VLAN id");
        p.srcPort = 4;
        p.tunnel = TunnelKind.GRE;
        t.track(p);
        assertEquals(before + 42L * t.capacity(), t.memoryBytes(), "40 more once a flow is tunnelled");
    }
}
