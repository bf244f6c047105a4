package io.portwatch.capture.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The hot path allocates nothing per frame, whatever the frame holds (the JVM's per-thread allocation counter tells). */
class AllocationTest {

    @Test
    void decodingAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        // every seed frame, whole and cut at a few points, in one direct and one heap buffer
        List<TruncationTest.Layout> seeds = DecoderFuzzTest.seeds();
        int n = seeds.size() * 4;
        ByteBuffer[] bufs = new ByteBuffer[n];
        int[] links = new int[n];
        int[] lengths = new int[n];
        int i = 0;
        for (TruncationTest.Layout s : seeds) {
            for (int cut : new int[] {s.frame().length, s.frame().length / 2, 30, 10}) {
                int len = Math.min(cut, s.frame().length);
                ByteBuffer b = i % 2 == 0 ? ByteBuffer.allocateDirect(len + 3) : ByteBuffer.allocate(len + 3);
                b.position(3);
                b.put(s.frame(), 0, len);
                bufs[i] = b.clear();
                links[i] = s.linkType();
                lengths[i] = len;
                i++;
            }
        }
        DecodeStats stats = new DecodeStats();
        PacketDecoder decoder = new PacketDecoder(stats);
        DecodedPacket out = new DecodedPacket();
        long checksum = 0;
        for (int round = 0; round < 20_000; round++) { // warm up until compiled
            for (int k = 0; k < n; k++) {
                checksum += decoder.decode(links[k], round, bufs[k], 3, lengths[k], lengths[k] + 100, out);
            }
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        int frames = 0;
        for (int round = 0; round < 5_000; round++) {
            for (int k = 0; k < n; k++) {
                checksum += decoder.decode(links[k], round, bufs[k], 3, lengths[k], lengths[k] + 100, out);
                frames++;
            }
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(checksum > 0);
        // the counter itself may cost a few bytes; anything per frame would be megabytes here
        assertTrue(allocated < 4096, allocated + " bytes allocated decoding " + frames + " frames");
        assertEquals(0, stats.unknownLinkTypeFrames(), "unknown link types are the one path that boxes (DecodeStats)");
    }

    /** Frames carrying every tunnel kind, their inner frames decoded too (as the analyzer does). */
    @Test
    void decapsulatingAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);
        byte[] ip = io.portwatch.testkit.FrameBuilder.ip("10.0.0.1", "10.0.0.2", 6, io.portwatch.testkit.FrameBuilder.tcp(1, 2, 2, 0));
        byte[] eth = io.portwatch.testkit.FrameBuilder.ethernet(ip);
        List<byte[]> frames = List.of(
                io.portwatch.testkit.FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17,
                        io.portwatch.testkit.FrameBuilder.udp(1, 4789, io.portwatch.testkit.TunnelBuilder.vxlan(1, eth))),
                io.portwatch.testkit.FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17,
                        io.portwatch.testkit.FrameBuilder.udp(1, 6081, io.portwatch.testkit.TunnelBuilder.geneve(2, 0x6558, 1, eth))),
                io.portwatch.testkit.FrameBuilder.ip("192.0.2.1", "192.0.2.2", 17, io.portwatch.testkit.FrameBuilder.udp(1, 2152,
                        io.portwatch.testkit.TunnelBuilder.gtpU(true, new int[] {1, 1}, ip))),
                io.portwatch.testkit.FrameBuilder.ip("2001:db8::1", "2001:db8::2", 47,
                        io.portwatch.testkit.TunnelBuilder.gre(0x3000, 0x22EB, io.portwatch.testkit.TunnelBuilder.erspanIII(true, eth))),
                io.portwatch.testkit.FrameBuilder.ip("192.0.2.1", "192.0.2.2", 4,
                        io.portwatch.testkit.FrameBuilder.ip("192.0.2.3", "192.0.2.4", 47,
                                io.portwatch.testkit.TunnelBuilder.gre(0x2000, 0x0800, ip))));
        ByteBuffer[] bufs = new ByteBuffer[frames.size() * 2];
        int[] lengths = new int[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            byte[] f = frames.get(i / 2);
            int len = i % 2 == 0 ? f.length : f.length - 30; // whole, and cut inside the inner frame
            bufs[i] = ByteBuffer.allocateDirect(len).put(f, 0, len).clear();
            lengths[i] = len;
        }
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket out = new DecodedPacket();
        long checksum = 0;
        long before = 0;
        long thread = Thread.currentThread().getId();
        for (int round = 0; round < 25_000; round++) {
            if (round == 20_000) { // warmed up
                before = threads.getThreadAllocatedBytes(thread);
            }
            for (int k = 0; k < bufs.length; k++) {
                checksum += decoder.decode(LinkType.RAW, round, bufs[k], 0, lengths[k], lengths[k], out);
                while (decoder.hasInner()) {
                    checksum += decoder.decodeInner(bufs[k], out) + out.tunnelDepth;
                }
            }
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(checksum > 0);
        assertTrue(allocated < 4096, allocated + " bytes allocated decapsulating");
    }
}
