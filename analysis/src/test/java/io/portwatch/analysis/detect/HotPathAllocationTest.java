package io.portwatch.analysis.detect;

import io.portwatch.analysis.TrafficAnalyzer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.PSH;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With every detector on (a policy too) and top talkers counted, the packets of established TCP
 * connections and answered UDP exchanges allocate nothing: the detectors look at them and let them go (the JVM's per-thread
 * allocation counter tells). So too with the detectors on their own thread: neither the packet thread
 * nor the detection thread allocates.
 */
class HotPathAllocationTest {

    @Test
    void ordinaryPacketsAllocateNothing() throws Exception {
        steadyState(false);
    }

    @Test
    void ordinaryPacketsAllocateNothingOnEitherThread() throws Exception {
        steadyState(true);
    }

    private static void steadyState(boolean detectionThread) throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        RandomProbes.Counting sink = new RandomProbes.Counting();
        TrafficAnalyzer a = new TrafficAnalyzer(RandomProbes.config(16L << 20, 1 << 16)
                .withDetectionThread(detectionThread).withTopTalkers(5), "steady-" + detectionThread, sink);
        RandomProbes frames = new RandomProbes(3);
        Wire setup = new Wire(a);
        frames.now = setup.now;
        int conns = 64;
        int server = 0x0A00000A; // 10.0.0.10
        for (int i = 0; i < conns; i++) {
            int client = 0x0A010000 + i;
            setup.tcp(ip(client), 40000 + i, "10.0.0.10", 443, SYN);
            setup.tcp("10.0.0.10", 443, ip(client), 40000 + i, SYN | ACK);
            setup.tcp(ip(client), 40000 + i, "10.0.0.10", 443, ACK);
            setup.udp(ip(client), 50000 + i, "10.0.0.10", 53, 30);
            setup.udp("10.0.0.10", 53, ip(client), 50000 + i, 80);
        }
        frames.now = setup.now;
        long checksum = 0;
        for (int round = 0; round < 4_000; round++) { // warm up until compiled
            checksum += exchange(a, frames, conns, server);
        }
        a.detection(); // the detection thread, if any, has caught up
        long thread = Thread.currentThread().getId();
        Thread detect = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("detect-steady-" + detectionThread))
                .findFirst().orElse(null);
        assertEquals(detectionThread, detect != null, "a detection thread");
        long before = threads.getThreadAllocatedBytes(thread);
        long detectBefore = detect != null ? threads.getThreadAllocatedBytes(detect.getId()) : 0;
        long packets = 0;
        for (int round = 0; round < 2_000; round++) {
            packets += exchange(a, frames, conns, server);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        a.detection();
        long detectAllocated = detect != null ? threads.getThreadAllocatedBytes(detect.getId()) - detectBefore : 0;
        assertTrue(checksum > 0);
        assertTrue(allocated < 4096, allocated + " bytes allocated for " + packets + " packets");
        assertTrue(detectAllocated < 4096, detectAllocated + " bytes allocated on the detection thread");
        assertEquals(0, a.detection().stats().alerts(), "443 is allowed, so is 53 over UDP");
        assertEquals(2, a.detection().stats().services());
        a.finish();
        if (detect != null) {
            assertFalse(detect.isAlive(), "the detection thread ends with the analysis");
        }
    }

    /** One data packet each way on every connection and exchange; returns the packets sent. */
    private static long exchange(TrafficAnalyzer a, RandomProbes frames, int conns, int server) {
        for (int i = 0; i < conns; i++) {
            int client = 0x0A010000 + i;
            frames.tcp(a, client, 40000 + i, server, 443, PSH | ACK);
            frames.tcp(a, server, 443, client, 40000 + i, ACK);
            frames.udp(a, client, 50000 + i, server, 53);
            frames.udp(a, server, 53, client, 50000 + i);
            frames.now += 1_000;
        }
        return 4L * conns;
    }

    private static String ip(int v) {
        return (v >>> 24) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }
}
