package io.portwatch.analysis.detect;

import io.portwatch.analysis.TrafficAnalyzer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Detector state stays within its bound under millions of random probes (every one a new source,
 * target and port): tables evict, and count what they evict. Checked two ways: the detectors'
 * own accounting, and a run in a JVM whose heap is too small for the state the flood would leave
 * without eviction, measuring what the heap really retains.
 */
class BoundedStateTest {

    @Test
    void accountedStateStaysWithinItsBound() throws Exception {
        long bound = 4L << 20;
        RandomProbes.Counting sink = new RandomProbes.Counting();
        TrafficAnalyzer a = new TrafficAnalyzer(RandomProbes.config(bound, 1 << 16), "flood", sink);
        RandomProbes flood = new RandomProbes(1);
        long maxSeen = 0;
        for (int round = 0; round < 10; round++) { // a million probes
            flood.run(a, 100_000);
            DetectionStats s = a.detection().stats();
            maxSeen = Math.max(maxSeen, s.stateBytes());
            assertTrue(s.stateBytes() <= bound, "round " + round + ": " + s);
        }
        DetectionStats s = a.detection().stats();
        assertTrue(s.evictions() > 500_000, "random keys evict: " + s);
        assertTrue(maxSeen > bound / 2, "the bound is reached, so it is what holds the state: " + maxSeen);
        assertTrue(s.policySuppressed() > 0, "default-deny policy alerts beyond the cap are counted: " + s);
        assertEquals(1000, s.policyViolations(), "one window's worth of policy alerts");
        a.finish();
        assertTrue(sink.alerts < 2000, "random probes make no scans or floods: " + sink.alerts + " alerts");
    }

    @Test
    void heapRetainedUnderAFloodInASmallHeap() throws Exception {
        long probes = 1_000_000;
        long bound = 16L << 20;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                RandomProbes.class.getName(), Long.toString(probes), Long.toString(bound), Integer.toString(1 << 16))
                .redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "flood run timed out");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        List<Long> v = Arrays.stream(out.split("\\s+")).map(Long::parseLong).toList();
        long stateBytes = v.get(1);
        long evictions = v.get(3);
        long flowTable = v.get(5);
        long retained = v.get(6);
        assertTrue(stateBytes <= bound, out);
        assertTrue(evictions > probes, out);
        // what the heap really holds: the flow table, the detectors' state (as accounted, with slack
        // for what the accounting leaves out) and the analyzer's fixed tables
        assertTrue(retained < flowTable + bound * 3 / 2 + (16L << 20),
                "retained " + retained + " bytes; flow table " + flowTable + ", detectors " + stateBytes + ": " + out);
    }
}
