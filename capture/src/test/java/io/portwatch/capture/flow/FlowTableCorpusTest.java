package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flow table on real traffic: every TCP and UDP packet of the shared corpus (its captures and the
 * 830 files of tcpdump's test suite, IPv4 and IPv6, loopback and tunnels, well-formed and not) is
 * tracked, and the flow records must account for every packet and byte, per 5-tuple and sender, as
 * an independent ledger of the packets does. Run with large and tiny tables, timeouts that never and
 * always expire, and with and without {@link FlowTable#prefetch}.
 */
class FlowTableCorpusTest {

    /** Service ports for telling client from server where neither side is well-known (the registry is analysis's). */
    static final ServicePortPredicate SERVICES = (proto, port) -> port == 53 || port == 443 || port == 5353
            || port == 8080;

    private static final long S = FlowConfig.SECOND;

    /** Transport packets of the whole corpus, in file order (copies: the decoder reuses its packet). */
    private static final List<DecodedPacket> PACKETS = new ArrayList<>();
    private static Ledger expected;

    @BeforeAll
    static void readCorpus() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Corpus.captures(), Corpus.tcpdumpTests())) {
            Corpus.files(dir).stream().filter(p -> !p.getFileName().toString().endsWith(".json")
                    && !p.getFileName().toString().endsWith(".md")).forEach(files::add);
        }
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket p = new DecodedPacket();
        for (Path f : files) {
            try (CaptureFileSource source = CaptureFileSource.open(f.toString())) {
                source.run((lt, ts, buf, off, cap, orig) -> {
                    if (decoder.decode(lt, ts, buf, off, cap, orig, p) == DecodedPacket.KIND_TRANSPORT) {
                        PACKETS.add(copy(p));
                    }
                });
            } catch (CaptureException e) {
                // a malformed file: the frames before the fault were delivered, which is all we need
            }
        }
        expected = new Ledger();
        PACKETS.forEach(expected::packet);
    }

    private static DecodedPacket copy(DecodedPacket p) {
        DecodedPacket c = new DecodedPacket();
        c.clear();
        c.kind = p.kind;
        c.timestampNanos = p.timestampNanos;
        c.ipVersion = p.ipVersion;
        c.srcHi = p.srcHi;
        c.srcLo = p.srcLo;
        c.dstHi = p.dstHi;
        c.dstLo = p.dstLo;
        c.protocol = p.protocol;
        c.ipLength = p.ipLength;
        c.srcPort = p.srcPort;
        c.dstPort = p.dstPort;
        c.tcpFlags = p.tcpFlags;
        return c;
    }

    /** One run of the whole corpus through a table. */
    static final class Run {
        final Ledger ledger = new Ledger();
        final List<String> records = new ArrayList<>();
        final Map<EndReason, Integer> reasons = new EnumMap<>(EndReason.class);
        final List<Integer> slots = new ArrayList<>();
        final FlowTable table;

        Run(FlowConfig config) {
            table = new FlowTable(config, SERVICES, (t, slot, reason) -> {
                ledger.flow(t, slot);
                reasons.merge(reason, 1, Integer::sum);
                records.add(slot + " " + reason + " " + t.ipVersion(slot) + " " + t.protocol(slot) + " "
                        + Long.toHexString(t.clientHi(slot)) + ":" + Long.toHexString(t.clientLo(slot)) + "."
                        + t.clientPort(slot) + " " + Long.toHexString(t.serverHi(slot)) + ":"
                        + Long.toHexString(t.serverLo(slot)) + "." + t.serverPort(slot) + " " + t.startNanos(slot)
                        + "-" + t.lastNanos(slot) + " " + t.packetsToServer(slot) + "/" + t.packetsToClient(slot)
                        + " " + t.bytesToServer(slot) + "/" + t.bytesToClient(slot) + " " + t.connState(slot)
                        + " " + t.tcpFlags(slot));
            });
        }

        /** Tracks every packet; with batch > 0, prefetches each batch of that many first. */
        Run all(int batch) {
            DecodedPacket[] ring = PACKETS.toArray(new DecodedPacket[0]);
            for (int i = 0; i < ring.length; ) {
                int end = batch > 0 ? Math.min(ring.length, i + batch) : i + 1;
                final int from = i;
                if (batch > 0) {
                    table.prefetch(ring, from, end);
                }
                for (; i < end; i++) {
                    slots.add(batch > 0 ? table.trackPrefetched(ring, from, i - from) : table.track(ring[i]));
                    slots.add(table.lastEvents() << 1 | (table.lastToServer() ? 1 : 0));
                }
            }
            table.endAll(EndReason.END_OF_INPUT);
            return this;
        }

        int ended(EndReason r) {
            return reasons.getOrDefault(r, 0);
        }

        void checkAgainstThePackets() {
            assertEquals(expected.totals(), ledger.totals(), "every packet and byte, per 5-tuple and sender");
            assertEquals(table.flowsStarted(), records.size() - ended(EndReason.ACTIVE),
                    "one record per flow started, plus its parts");
            assertEquals(0, table.size());
        }
    }

    @Test
    void corpusHasBothAddressFamilies() {
        long v4 = PACKETS.stream().filter(p -> p.ipVersion == 4).count();
        long v6 = PACKETS.stream().filter(p -> p.ipVersion == 6).count();
        assertTrue(v4 > 10_000 && v6 > 200, "IPv4 packets " + v4 + ", IPv6 packets " + v6);
        System.out.printf("corpus: %d IPv4 and %d IPv6 TCP/UDP packets%n", v4, v6);
    }

    @Test
    void defaultTableAccountsForEveryPacket() {
        new Run(FlowConfig.defaults()).all(0).checkAgainstThePackets();
    }

    @Test
    void prefetchChangesNothing() {
        Run plain = new Run(FlowConfig.defaults()).all(0);
        Run batched = new Run(FlowConfig.defaults()).all(16);
        batched.checkAgainstThePackets();
        assertEquals(plain.slots, batched.slots, "same slots, events and directions for every packet");
        assertEquals(plain.records, batched.records);
        Run tiny = new Run(FlowConfig.defaults().withMaxFlows(8)).all(0);
        Run tinyBatched = new Run(FlowConfig.defaults().withMaxFlows(8)).all(7);
        assertEquals(tiny.records, tinyBatched.records);
    }

    @Test
    void tinyTableEvictsAndStillAccountsForEveryPacket() {
        Run r = new Run(FlowConfig.defaults().withMaxFlows(8)).all(0);
        r.checkAgainstThePackets();
        assertTrue(r.ended(EndReason.EVICTED) > 1000, "evictions: " + r.ended(EndReason.EVICTED));
        assertEquals(r.table.flowsEvicted(), r.ended(EndReason.EVICTED));
    }

    @Test
    void timeoutsThatAlwaysExpireStillAccountForEveryPacket() {
        long ms = 1_000_000L;
        Run idle = new Run(new FlowConfig(1 << 12, ms, ms, ms, ms, 0)).all(0);
        idle.checkAgainstThePackets();
        assertTrue(idle.ended(EndReason.IDLE) > 1000, "idle ends: " + idle.ended(EndReason.IDLE));
        Run parts = new Run(new FlowConfig(1 << 12, 300 * S, 30 * S, 5 * S, 60 * S, ms)).all(0);
        parts.checkAgainstThePackets();
        assertTrue(parts.ended(EndReason.ACTIVE) > 1000, "parts: " + parts.ended(EndReason.ACTIVE));
    }

    @Test
    void longTimeoutsMergeNothingAcrossTuples() {
        Run r = new Run(new FlowConfig(1 << 20, 1000_000 * S, 1000_000 * S, 1000_000 * S, 1000_000 * S, 0)).all(0);
        r.checkAgainstThePackets();
    }

    /**
     * Packets and bytes sent, per 5-tuple (protocol, IP version and the two endpoints in a fixed
     * order) and per sending endpoint: what a flow table must account for, however it cuts flows.
     */
    static final class Ledger {
        /** The two endpoints of a tuple, a before b. */
        record Tuple(int proto, int version, long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {
        }

        /** Tuple -> packets and bytes sent by endpoint a, then by b. */
        private final Map<Tuple, long[]> sent = new HashMap<>();

        void packet(DecodedPacket p) {
            add(p.protocol, p.ipVersion, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, 1, p.ipLength);
        }

        void flow(FlowTable t, int slot) {
            int proto = t.protocol(slot), v = t.ipVersion(slot);
            long cHi = t.clientHi(slot), cLo = t.clientLo(slot), sHi = t.serverHi(slot), sLo = t.serverLo(slot);
            int cPort = t.clientPort(slot), sPort = t.serverPort(slot);
            add(proto, v, cHi, cLo, cPort, sHi, sLo, sPort, t.packetsToServer(slot), t.bytesToServer(slot));
            add(proto, v, sHi, sLo, sPort, cHi, cLo, cPort, t.packetsToClient(slot), t.bytesToClient(slot));
        }

        /** Packets and bytes sent by each side, per tuple. */
        Map<Tuple, List<Long>> totals() {
            Map<Tuple, List<Long>> m = new HashMap<>();
            sent.forEach((k, v) -> m.put(k, Arrays.stream(v).boxed().toList()));
            return m;
        }

        private void add(int proto, int version, long fromHi, long fromLo, int fromPort, long toHi, long toLo,
                         int toPort, long packets, long bytes) {
            if (packets == 0 && bytes == 0) {
                return;
            }
            int c = Long.compare(fromHi, toHi);
            c = c != 0 ? c : Long.compare(fromLo, toLo);
            c = c != 0 ? c : Integer.compare(fromPort, toPort);
            boolean fromA = c <= 0;
            Tuple key = fromA ? new Tuple(proto, version, fromHi, fromLo, fromPort, toHi, toLo, toPort)
                    : new Tuple(proto, version, toHi, toLo, toPort, fromHi, fromLo, fromPort);
            long[] v = sent.computeIfAbsent(key, k -> new long[4]);
            v[fromA ? 0 : 1] += packets;
            v[fromA ? 2 : 3] += bytes;
        }
    }
}
