package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.testkit.Corpus;
import io.portwatch.testkit.FrameBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The real captures of the shared corpus against the counts tshark made of them ({@code *.reference.json})
 * and the crafted captures' expected per-port counts ({@code *.truth.json}).
 */
class CorpusCapturesTest {

    /** One decoded frame's flow-relevant fields, copied out of the reused DecodedPacket. */
    record Decoded(int kind, int protocol, String a, int aPort, String b, int bPort, int ipLength, int ipVersion,
                   boolean fragmented, long fragmentId, String fragmentKey) {

        /** The unordered endpoint pair, e.g. {@code tcp 127.0.0.1:80 127.0.0.2:4000}. */
        String flowKey() {
            String x = a + ":" + aPort;
            String y = b + ":" + bPort;
            return (protocol == 6 ? "tcp " : "udp ") + (x.compareTo(y) < 0 ? x + " " + y : y + " " + x);
        }
    }

    static List<Decoded> decodeAll(Path file) throws IOException {
        Harness h = new Harness();
        List<Decoded> out = new ArrayList<>();
        for (CaptureFiles.Frame f : CaptureFiles.read(file)) {
            DecodedPacket p = h.run(f.linkType(), f.data(), f.data().length, f.originalLength());
            String src = text(p.srcHi, p.srcLo);
            String dst = text(p.dstHi, p.dstLo);
            out.add(new Decoded(p.kind, p.protocol, src, p.srcPort, dst, p.dstPort, p.ipLength, p.ipVersion,
                    p.fragmented, p.fragmentId, p.ipVersion + " " + src + " " + dst + " " + p.protocol + " " + p.fragmentId));
        }
        return out;
    }

    static String text(long hi, long lo) {
        InetAddress a = FrameBuilder.address(hi, lo);
        return a.getHostAddress();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> referenceCountsMatch() throws IOException {
        Path dir = Corpus.captures();
        List<Path> refs = Corpus.files(dir, ".reference.json");
        assertFalse(refs.isEmpty());
        return refs.stream().map(ref -> DynamicTest.dynamicTest(ref.getFileName().toString(), () -> {
            String name = ref.getFileName().toString().replace(".reference.json", "");
            Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(ref));
            Map<String, Object> totals = (Map<String, Object>) json.get("totals");
            List<Decoded> frames = decodeAll(dir.resolve(name));

            assertEquals(((Long) totals.get("frames")).intValue(), frames.size(), "frames");
            long tcp = frames.stream().filter(d -> d.kind == DecodedPacket.KIND_TRANSPORT && d.protocol == 6).count();
            long udp = frames.stream().filter(d -> d.kind == DecodedPacket.KIND_TRANSPORT && d.protocol == 17).count();
            assertEquals(totals.get("tcp_packets"), tcp, "tcp packets");
            assertEquals(totals.get("udp_packets"), udp, "udp packets");

            Map<String, long[]> expected = new TreeMap<>();
            for (Object o : (List<Object>) json.get("flows")) {
                Map<String, Object> f = (Map<String, Object>) o;
                List<Object> c = (List<Object>) f.get("client");
                List<Object> s = (List<Object>) f.get("server");
                String x = text(c.get(0)) + ":" + c.get(1);
                String y = text(s.get(0)) + ":" + s.get(1);
                String key = f.get("transport") + " " + (x.compareTo(y) < 0 ? x + " " + y : y + " " + x);
                expected.put(key, new long[] {(Long) f.get("packets"), (Long) f.get("bytes")});
            }
            Map<String, long[]> actual = new TreeMap<>();
            for (Decoded d : frames) {
                if (d.kind == DecodedPacket.KIND_TRANSPORT) {
                    long[] v = actual.computeIfAbsent(d.flowKey(), k -> new long[2]);
                    v[0]++;
                    v[1] += d.ipLength;
                }
            }
            assertEquals(expected.keySet(), actual.keySet(), "flows");
            for (String k : expected.keySet()) {
                assertEquals(expected.get(k)[0], actual.get(k)[0], "packets of " + k);
                assertEquals(expected.get(k)[1], actual.get(k)[1], "bytes of " + k);
            }
        }));
    }

    /** Normalises an address as the reference writes it to the form InetAddress prints. */
    private static String text(Object address) {
        return FrameBuilder.inet((String) address).getHostAddress();
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> craftedCapturesMatchTheirTruth() throws IOException {
        Path dir = Corpus.captures();
        List<Path> truths = Corpus.files(dir, ".truth.json");
        assertFalse(truths.isEmpty());
        return truths.stream().map(truth -> DynamicTest.dynamicTest(truth.getFileName().toString(), () -> {
            String name = truth.getFileName().toString().replace(".truth.json", ".pcap");
            Map<String, Object> ports = (Map<String, Object>) ((Map<String, Object>) MiniJson.parse(Files.readString(truth))).get("ports");
            List<Decoded> frames = decodeAll(dir.resolve(name));
            // a later fragment belongs to the flow of its datagram's first fragment
            Map<String, Decoded> firstFragments = new HashMap<>();
            for (Decoded d : frames) {
                if (d.kind == DecodedPacket.KIND_TRANSPORT && d.fragmented) {
                    firstFragments.put(d.fragmentKey, d);
                }
            }
            for (Map.Entry<String, Object> e : ports.entrySet()) {
                String[] tp = e.getKey().split("/");
                int proto = tp[0].equals("tcp") ? 6 : 17;
                int port = Integer.parseInt(tp[1]);
                Map<String, Object> want = (Map<String, Object>) e.getValue();
                long packets = 0;
                long bytes = 0;
                java.util.Set<String> flows = new java.util.HashSet<>();
                for (Decoded d : frames) {
                    Decoded owner = d.kind == DecodedPacket.KIND_FRAGMENT ? firstFragments.get(d.fragmentKey) : d;
                    if (owner == null || owner.kind != DecodedPacket.KIND_TRANSPORT || owner.protocol != proto
                            || (owner.aPort != port && owner.bPort != port)) {
                        continue;
                    }
                    packets++;
                    bytes += d.ipLength;
                    flows.add(owner.flowKey());
                }
                assertEquals(want.get("packets"), packets, e.getKey() + " packets");
                assertEquals(want.get("bytes"), bytes, e.getKey() + " bytes");
                assertEquals(((Long) want.get("flows")).intValue(), flows.size(), e.getKey() + " flows");
            }
            assertTrue(frames.stream().noneMatch(d -> d.kind == DecodedPacket.KIND_ERROR), "no decode errors");
        }));
    }

}
