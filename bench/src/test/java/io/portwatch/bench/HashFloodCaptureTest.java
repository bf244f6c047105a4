package io.portwatch.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.PacketSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash-flooding captures, read back by portwatch's reader and analyzer: one SYN and one flow per
 * packet, all to port 80 in 10.1.0.0/16; the crafted flows share one home slot under the old public
 * hash at every table size, the random ones spread out.
 */
class HashFloodCaptureTest {

    private static final int N = 2_000;
    private static final int[] CAPACITIES = {1 << 12, 1 << 16, 1 << 20, 1 << 24, 1_398_102};

    @TempDir
    Path dir;

    @Test
    void craftedSynsShareOneOldHomeSlotAndRandomOnesDoNot() throws Exception {
        Path crafted = dir.resolve("crafted.pcap");
        Path random = dir.resolve("random.pcap");
        HashFloodCapture.write(HashFloodCapture.crafted(N, 3, 2, new long[1]), 3, crafted);
        HashFloodCapture.write(HashFloodCapture.random(N, 3), 3, random);

        List<FlowRecord> c = flows(crafted);
        List<FlowRecord> r = flows(random);
        for (int cap : CAPACITIES) {
            assertEquals(1, homes(c, cap).size(), "crafted, " + cap + " slots");
            // 2,000 random flows: a few share a slot in the smallest table, none in a large one
            assertTrue(homes(r, cap).size() > N * 0.75, "random, " + cap + " slots: " + homes(r, cap).size());
        }
        // the crafted hashes share exactly the chosen top 24 bits, nothing more
        Set<Long> low = new HashSet<>();
        for (FlowRecord f : c) {
            long h = oldHash(f);
            assertEquals(HashFloodCapture.TOP, h & HashFloodCapture.TOP_MASK);
            low.add(h >>> 32 & 0xFF);
        }
        assertTrue(low.size() > 200, low.size() + " values of hash bits 32-39");
    }

    @Test
    void theSameSeedMakesTheSameSynsWhateverTheThreads() {
        long[] one = HashFloodCapture.crafted(300, 5, 1, new long[1]);
        long[] two = HashFloodCapture.crafted(300, 5, 2, new long[1]);
        assertArrayEquals(one, two);
        assertEquals(300, java.util.Arrays.stream(one).distinct().count());
    }

    /** One flow per SYN, each one packet from a spoofed source to port 80 of a host in 10.1.0.0/16. */
    private static List<FlowRecord> flows(Path pcap) throws Exception {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), true),
                pcap.toString(), sink);
        try (PacketSource source = CaptureFileSource.open(pcap.toString())) {
            source.run(analyzer);
        }
        analyzer.finish();
        List<FlowRecord> out = sink.flows;
        assertEquals(N, out.size());
        Set<String> tuples = new HashSet<>();
        for (FlowRecord f : out) {
            assertEquals(Transport.TCP, f.transport());
            assertEquals(80, f.serverPort());
            assertTrue(f.clientPort() >= 1024, f.toString());
            assertEquals(1, f.packetsToServer());
            assertEquals(0, f.packetsToClient());
            assertEquals(HashFloodCapture.NET16, ipv4(f.serverIp()) >>> 16, f.toString());
            tuples.add(f.clientIp() + ":" + f.clientPort() + ">" + f.serverIp());
        }
        assertEquals(N, tuples.size(), "distinct 5-tuples");
        return out;
    }

    private static long ipv4(String text) throws Exception {
        byte[] b = InetAddress.getByName(text).getAddress();
        assertEquals(4, b.length, text);
        return (b[0] & 0xFFL) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    private static long oldHash(FlowRecord f) throws Exception {
        return HashFloodCapture.oldHash(ipv4(f.clientIp()), ipv4(f.serverIp()), f.clientPort(), f.serverPort(), 6);
    }

    private static Set<Integer> homes(List<FlowRecord> flows, int capacity) throws Exception {
        Set<Integer> s = new HashSet<>();
        for (FlowRecord f : flows) {
            s.add(HashFloodCapture.oldHome(oldHash(f), capacity));
        }
        return s;
    }
}
