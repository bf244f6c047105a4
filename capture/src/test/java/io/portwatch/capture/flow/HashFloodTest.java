package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hash flooding: spoofed SYNs whose 5-tuples an attacker chose so that their flows all land on one
 * slot. The tests craft them as an attacker who had learned the table's hash key would, by inverting
 * the hash ({@link Hash64#unmix64}), and check that a lookup still reads a bounded number of slots and
 * that every packet is still counted; that the same tuples are spread out by a table with another key;
 * and that the records do not depend on the key.
 */
class HashFloodTest {

    private static final long MAPPED = 0x0000_FFFF_0000_0000L;
    private static final int SYNS = 100_000;

    /** The hash's top 32 bits choose the home slot, whatever the table's size: the attacker fixes them. */
    private static final long TOP = 0x1234_5678L << 32;

    private static DecodedPacket syn(long ts, long srcHi, long srcLo, int sport, long dstHi, long dstLo, int dport,
                                     int version) {
        DecodedPacket p = new DecodedPacket();
        p.clear();
        p.kind = DecodedPacket.KIND_TRANSPORT;
        p.ipVersion = version;
        p.timestampNanos = ts;
        p.srcHi = srcHi;
        p.srcLo = srcLo;
        p.dstHi = dstHi;
        p.dstLo = dstLo;
        p.srcPort = sport;
        p.dstPort = dport;
        p.protocol = DecodedPacket.PROTO_TCP;
        p.tcpFlags = DecodedPacket.TCP_SYN;
        p.ipLength = 40;
        return p;
    }

    /**
     * IPv4 SYNs to port 80 whose keyed hashes under {@code key} share their top 32 bits: for a chosen
     * hash and ports, the address word is the inverse of the address term.
     */
    static List<DecodedPacket> craftedIpv4(HashKey key, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<DecodedPacket> out = new ArrayList<>(n);
        while (out.size() < n) {
            int sport = 1024 + rnd.nextInt(64_000);
            long rest = FlowHash.restWord(sport, 80, DecodedPacket.PROTO_TCP, false);
            long h = TOP | (rnd.nextLong() & 0xFFFF_FFFFL);
            long addresses = key.wordFor(0, h - key.term(1, rest));
            long a = addresses >>> 32, b = addresses & 0xFFFF_FFFFL;
            if (a > b) { // not a word that an address pair gives (the lower address is its high half)
                continue;
            }
            out.add(syn(out.size(), 0, MAPPED | a, sport, 0, MAPPED | b, 80, 4));
        }
        return out;
    }

    /**
     * IPv6 SYNs from many clients to one server whose fingerprints under {@code key} share their top 32
     * bits: the server's endpoint hash is fixed, so each client's endpoint hash must be one value; its
     * address's low word is the inverse of that word's term.
     */
    static List<DecodedPacket> craftedIpv6(FlowTable t, HashKey key, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        final long sHi = 0x2001_0db8_0000_0000L, sLo = 1;
        long server = Hash64.fmix64(key.hash(sHi, sLo, 80));
        List<DecodedPacket> out = new ArrayList<>(n);
        while (out.size() < n) {
            long fp = TOP | (rnd.nextLong() & 0xFFFF_FFFFL);
            long client = Hash64.unmix64(fp - server - key.term(3, DecodedPacket.PROTO_TCP));
            long cHi = 0x2001_0db8_ffff_0000L | rnd.nextInt(1 << 16);
            int sport = 1024 + rnd.nextInt(64_000);
            long cLo = key.wordFor(1, client - key.term(0, cHi) - key.term(2, sport));
            DecodedPacket p = syn(out.size(), cHi, cLo, sport, sHi, sLo, 80, 6);
            assertEquals(fp, new FlowHash(key).fingerprint(cHi, cLo, sport, sHi, sLo, 80, DecodedPacket.PROTO_TCP));
            out.add(p);
        }
        return out;
    }

    private static FlowTable table(HashKey key, List<String> ended) {
        return new FlowTable(FlowConfig.defaults(), key, (proto, port) -> false,
                (t, s, r) -> ended.add(Long.toHexString(t.clientHi(s)) + Long.toHexString(t.clientLo(s)) + ":"
                        + t.clientPort(s) + ">" + t.serverPort(s) + " " + t.packetsToServer(s) + " " + r));
    }

    private static void assertBoundedAndCounted(FlowTable t, List<DecodedPacket> syns, List<String> ended) {
        for (DecodedPacket p : syns) {
            t.track(p);
        }
        assertEquals(syns.size(), t.flowsStarted());
        assertTrue(t.longestProbe() <= FlowTable.MAX_PROBE, "longest probe " + t.longestProbe());
        assertTrue(t.flowsEvicted() > 0, "the crafted flows filled the slots a lookup may read");
        assertEquals(t.flowsEvicted(), ended.size());
        assertEquals(syns.size(), t.size() + ended.size(), "every flow is in the table or was reported");
        t.endAll(EndReason.END_OF_INPUT);
        assertEquals(syns.size(), ended.size(), "every SYN is counted in a flow record");
        assertTrue(ended.stream().allMatch(e -> e.contains(" 1 ")), "one packet each");
    }

    @Test
    void ipv4SynsCraftedForTheKeyReadABoundedNumberOfSlots() {
        HashKey key = HashKey.of(42);
        List<String> ended = new ArrayList<>();
        FlowTable t = table(key, ended);
        assertBoundedAndCounted(t, craftedIpv4(key, SYNS, 7), ended);
    }

    @Test
    void ipv6SynsCraftedForTheKeyReadABoundedNumberOfSlots() {
        HashKey key = HashKey.of(43);
        List<String> ended = new ArrayList<>();
        FlowTable t = table(key, ended);
        assertBoundedAndCounted(t, craftedIpv6(t, key, SYNS, 8), ended);
    }

    @Test
    void synsCraftedForAnotherKeyAreSpreadOut() {
        List<String> ended = new ArrayList<>();
        FlowTable t = table(HashKey.of(1), ended);
        List<DecodedPacket> v4 = craftedIpv4(HashKey.of(42), SYNS, 7);
        List<DecodedPacket> v6 = craftedIpv6(table(HashKey.of(43), new ArrayList<>()), HashKey.of(43), SYNS, 8);
        for (int i = 0; i < SYNS; i++) {
            t.track(v4.get(i));
            t.track(v6.get(i));
        }
        assertEquals(0, t.flowsEvicted());
        assertEquals(2 * SYNS, t.size());
        // 200,000 flows in 1M slots: random keys leave runs of a few tens of slots at most
        assertTrue(t.longestProbe() < 64, "longest probe " + t.longestProbe());
    }

    /**
     * The records and their order do not depend on the key: flows that end together (a sweep, the end
     * of the capture, an eviction) come in the order of their times and 5-tuples, not of their slots.
     */
    @Test
    void endedFlowsComeInTheSameOrderWhateverTheKey() {
        List<List<String>> runs = new ArrayList<>();
        for (long seed : new long[] {1, 2, 3}) {
            List<String> ended = new ArrayList<>();
            FlowConfig small = new FlowConfig(5_000, 300 * FlowConfig.SECOND, 30 * FlowConfig.SECOND,
                    5 * FlowConfig.SECOND, 60 * FlowConfig.SECOND, 1800 * FlowConfig.SECOND);
            FlowTable t = new FlowTable(small, HashKey.of(seed), (proto, port) -> false,
                    (tb, s, r) -> ended.add(Long.toHexString(tb.clientHi(s)) + Long.toHexString(tb.clientLo(s)) + ":"
                            + tb.clientPort(s) + ">" + tb.serverPort(s) + " " + r));
            SplittableRandom rnd = new SplittableRandom(99);
            long ts = 1_000_000_000L;
            for (int i = 0; i < 30_000; i++) {
                if (i % 1000 == 0) {
                    ts += 40 * FlowConfig.SECOND; // past the handshake timeout: a sweep ends a thousand flows at once
                }
                // many flows start at the same nanosecond: their order is the 5-tuples'
                t.track(syn(ts, 0, MAPPED | rnd.nextInt(1 << 12), 1024 + rnd.nextInt(8), 0, MAPPED | 0x0A000001L,
                        80, 4));
            }
            t.sweep(ts + 31 * FlowConfig.SECOND);
            for (int i = 0; i < 9_000; i++) { // past the 5,000-flow limit: evictions
                t.track(syn(ts + 32 * FlowConfig.SECOND, 0, MAPPED | rnd.nextInt(1 << 20), 1024 + rnd.nextInt(8), 0,
                        MAPPED | 0x0A000002L, 80, 4));
            }
            t.endAll(EndReason.END_OF_INPUT);
            assertTrue(t.flowsEvicted() > 0);
            runs.add(ended);
        }
        assertTrue(runs.get(0).size() > 30_000);
        assertEquals(runs.get(0), runs.get(1));
        assertEquals(runs.get(0), runs.get(2));
    }
}
