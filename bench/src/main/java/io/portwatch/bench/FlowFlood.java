package io.portwatch.bench;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Summary;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;

import java.util.Locale;

/**
 * A flood of distinct flows through the whole analyzer, as a SYN flood or a scan makes: each packet
 * opens a new flow (3 in 4 a TCP SYN, 1 in 4 a lone UDP datagram) from its own client address and
 * port, 1 µs apart, so that no flow times out and the table fills. Run with a small heap: the table
 * stays at its limit, the longest-idle flows are evicted (and counted), the heap stays bounded.
 *
 * <pre>
 * java -Xmx256m -cp bench/target/portwatch-bench.jar io.portwatch.bench.FlowFlood [--flows 10M] [--max-flows N]
 * </pre>
 *
 * Prints progress every million flows and a last line starting with {@code PASS} (exit 0) or
 * {@code FAIL} (exit 1): every flow counted, evicted plus still open equal to all flows, no
 * OutOfMemoryError.
 */
public final class FlowFlood {

    private static final int[][] TARGETS = {
            {DecodedPacket.PROTO_TCP, 80}, {DecodedPacket.PROTO_TCP, 443}, {DecodedPacket.PROTO_UDP, 53},
            {DecodedPacket.PROTO_TCP, 22}, {DecodedPacket.PROTO_TCP, 3389}, {DecodedPacket.PROTO_TCP, 8080},
            {DecodedPacket.PROTO_TCP, 25}, {DecodedPacket.PROTO_UDP, 123},
    };

    private FlowFlood() {
    }

    public static void main(String[] args) {
        long flows = 10_000_000;
        int maxFlows = FlowConfig.defaults().maxFlows();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--flows") && i + 1 < args.length) {
                flows = GenerateCapture.count(args[++i]);
            } else if (args[i].equals("--max-flows") && i + 1 < args.length) {
                maxFlows = (int) GenerateCapture.count(args[++i]);
            } else {
                System.err.println("usage: FlowFlood [--flows N] [--max-flows N]");
                System.exit(2);
            }
        }
        System.exit(run(flows, maxFlows) ? 0 : 1);
    }

    static boolean run(long flows, int maxFlows) {
        FlowConfig config = FlowConfig.defaults().withMaxFlows(maxFlows);
        Sinks.Last sink = Sinks.discard();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(new AnalyzerConfig(0, config, false), "flood", sink);
        System.out.printf(Locale.ROOT, "flood: %,d distinct flows, table limit %,d flows, max heap %s%n", flows,
                maxFlows, HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        HeapMeter.resetPeak();
        long gcBefore = HeapMeter.collections();
        long gcMillisBefore = HeapMeter.collectionMillis();
        long t0 = System.nanoTime();
        try {
            flood(analyzer, flows, t0);
        } catch (OutOfMemoryError e) {
            StringBuilder where = new StringBuilder();
            StackTraceElement[] st = e.getStackTrace();
            for (int k = 0; k < Math.min(4, st.length); k++) {
                where.append(k == 0 ? "" : " < ").append(st[k].getClassName().replaceAll(".*\\.", ""))
                        .append('.').append(st[k].getMethodName());
            }
            System.out.printf(Locale.ROOT, "FAIL: OutOfMemoryError (%s) after %,d flows, %,d tracked,"
                            + " table growing to %,d slots, in %s%n", e.getMessage(), analyzer.summary().flows(),
                    analyzer.flowTable().size(), analyzer.flowTable().capacity(), where);
            return false;
        }
        int open = analyzer.flowTable().size();
        long tableBytes = analyzer.flowTable().memoryBytes();
        double seconds = (System.nanoTime() - t0) / 1e9;
        analyzer.finish();
        Summary s = sink.summary;
        long peak = HeapMeter.peak();
        System.out.printf(Locale.ROOT, "flows %,d, evicted %,d, open at the end %,d; flow table %s; heap peak %s"
                        + " (pools' peaks summed) of max %s; %d collections, %d ms; %.1f s, %.2f M flows/s%n",
                s.flows(), s.flowsEvicted(), open, HeapMeter.mib(tableBytes), HeapMeter.mib(peak),
                HeapMeter.mib(Runtime.getRuntime().maxMemory()), HeapMeter.collections() - gcBefore,
                HeapMeter.collectionMillis() - gcMillisBefore, seconds, flows / seconds / 1e6);
        boolean ok = s.flows() == flows && s.flowsEvicted() + open == flows && open <= maxFlows
                && s.packets() == flows;
        System.out.println(ok ? "PASS: heap bounded, every flow counted, evictions counted"
                : "FAIL: counts do not add up (flows " + s.flows() + ", evicted + open "
                        + (s.flowsEvicted() + open) + ")");
        return ok;
    }

    /** Sends {@code flows} packets, each opening a new flow; progress every million. */
    private static void flood(TrafficAnalyzer analyzer, long flows, long t0) {
        FrameWriter f = new FrameWriter();
        f.vlan = -1;
        f.srcHi = 0x2001_0DB8_C000_0000L;
        f.dstHi = 0x2001_0DB8_5E00_0000L;
        long ts = CaptureGenerator.BASE_NANOS;
        for (long i = 0; i < flows; i++) {
            int[] target = TARGETS[(int) (i & 7)];
            long host = i >>> 10;
            f.ipv6 = (i & 0x30) == 0;
            f.protocol = target[0];
            f.tcpFlags = target[0] == DecodedPacket.PROTO_TCP ? DecodedPacket.TCP_SYN : 0;
            f.payload = target[0] == DecodedPacket.PROTO_TCP ? 0 : 48;
            f.src4 = 0x0A00_0000 + (int) host; // 10.0.0.0 on, into 11.x past 16M hosts
            f.srcLo = host + 1;
            f.dst4 = 0x6440_0001;
            f.dstLo = 1;
            f.srcPort = 1024 + (int) ((i >>> 3) & 0x7F) * 500;
            f.dstPort = target[1];
            int wire = f.build(96);
            analyzer.onPacket(LinkType.ETHERNET, ts += 1_000, f.buffer(), 0, Math.min(96, wire), wire);
            if ((i + 1) % 1_000_000 == 0 || i + 1 == flows) {
                System.out.printf(Locale.ROOT, "  %,12d flows: %,9d tracked, %,12d evicted, heap used %s, %.1f s%n",
                        i + 1, analyzer.flowTable().size(), analyzer.flowTable().flowsEvicted(),
                        HeapMeter.mib(HeapMeter.used()), (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
