package io.portwatch.bench;

import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.PacketDecoder;
import io.portwatch.capture.libpcap.LibpcapLiveSource;
import io.portwatch.capture.libpcap.LiveCapture;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.ring.RingLiveSource;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.PacketSink;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The capture alone: one live source ({@code ring} or {@code libpcap}) on an interface, each frame decoded
 * ({@link PacketDecoder}, so that the frame's bytes are read as portwatch reads them) and counted, nothing
 * else. Prints, for the {@code SECONDS} that follow the first two after the first frame, one JSON line: frames, the capture
 * thread's CPU time per frame (its own, which other processes on a loaded machine do not inflate as much as
 * the process's), the kernel's counters. What {@code bench/capture-cost} runs on each side of a replay.
 *
 * <pre>
 * java -cp bench/target/portwatch-bench.jar io.portwatch.bench.CaptureCost IFACE ring|libpcap SECONDS BUFFER_MIB
 * </pre>
 */
public final class CaptureCost {

    /** Frames after the first that are left out: the JIT's compiling, the ring's first blocks. */
    private static final long WARM_UP_MILLIS = 2000;

    private CaptureCost() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[1].equals("ring") || args[1].equals("libpcap"))) {
            System.err.println("usage: CaptureCost IFACE ring|libpcap SECONDS BUFFER_MIB");
            System.exit(2);
        }
        String iface = args[0];
        long seconds = Long.parseLong(args[2]);
        LiveOptions o = LiveOptions.defaults();
        LiveOptions options = new LiveOptions(o.snaplen(), o.promiscuous(), Integer.parseInt(args[3]) << 20,
                o.immediate(), o.timeoutMillis(), null);
        LiveCapture source = args[1].equals("ring") ? RingLiveSource.open(iface, options)
                : LibpcapLiveSource.open(iface, options);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long[] frames = {0};
        final long[] ports = {0};
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket d = new DecodedPacket();
        PacketSink sink = (linkType, timestampNanos, buffer, offset, capturedLength, originalLength) -> {
            frames[0]++;
            decoder.decode(linkType, timestampNanos, buffer, offset, capturedLength, originalLength, d);
            ports[0] += d.dstPort;
        };
        System.err.println("listening on " + iface + " with " + source.method());
        Thread t = new Thread(() -> {
            try {
                source.run(sink);
            } catch (Exception e) {
                System.err.println(e.getMessage());
            }
        }, "capture");
        t.start();
        while (frames[0] == 0) {
            Thread.sleep(10);
        }
        Thread.sleep(WARM_UP_MILLIS); // the JIT compiles the loop meanwhile: steady state from here
        long cpu0 = threads.getThreadCpuTime(t.getId());
        long n0 = frames[0];
        Thread.sleep(seconds * 1000);
        long cpu = threads.getThreadCpuTime(t.getId()) - cpu0;
        long n = frames[0] - n0;
        CaptureStats h = source.health();
        source.stop();
        t.join();
        source.close();
        System.out.println(String.format(Locale.ROOT, "{\"method\":\"%s\",\"frames\":%d,\"thread_cpu_s\":%.3f,"
                        + "\"thread_cpu_us_per_frame\":%.3f,\"received\":%d,\"dropped_kernel\":%d,\"checksum\":%d}",
                args[1], n, cpu / 1e9, cpu / 1e3 / Math.max(1, n), h.received(), h.droppedByKernel(), ports[0]));
    }
}
