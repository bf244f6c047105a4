package io.portwatch.bench;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.management.ObjectName;

/**
 * The heap that hostile traffic makes the analysis hold, all of it inside one window (nothing is closed,
 * so whatever a window keeps per port, per source or per flow is all there at the end), with the
 * analysis as {@code live} runs it by default: detectors on, top talkers 5, HLL sketches.
 *
 * <ul>
 *   <li>{@code ports}: each packet a new flow from a random client to a random (transport, port), so that
 *       every one of the 131,072 port slots fills;</li>
 *   <li>{@code sources}: each packet a new flow from a random source to one server port (tcp/80): every
 *       per-source structure (distinct clients, talkers, the detectors' sources) at its worst.</li>
 * </ul>
 *
 * <pre>
 * java -Xmx512m -cp bench/target/portwatch-bench.jar io.portwatch.bench.HostileMemory ports [--packets 2M]
 * </pre>
 *
 * Prints the heap in use after a full collection, the flow table's share, the classes holding the most
 * (the JVM's class histogram), and a last line {@code PASS} (every packet counted, no
 * OutOfMemoryError) or {@code FAIL}.
 */
public final class HostileMemory {

    private HostileMemory() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("ports") || args[0].equals("sources"))) {
            System.err.println("usage: HostileMemory ports|sources [--packets N] [--top-talkers N] [--no-detect]");
            System.exit(2);
        }
        String mode = args[0];
        long packets = 2_000_000;
        int talkers = 5;
        boolean detect = true;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--packets" -> packets = GenerateCapture.count(args[++i]);
                case "--top-talkers" -> talkers = Integer.parseInt(args[++i]);
                case "--no-detect" -> detect = false;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        AnalyzerConfig config = new AnalyzerConfig(0, FlowConfig.defaults(), false,
                detect ? DetectConfig.defaults() : null).withTopTalkers(talkers);
        Sinks.Last sink = Sinks.discard();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(config, "hostile", sink);
        System.out.printf(Locale.ROOT, "%s flood: %,d packets, detectors %s, top talkers %d, max heap %s%n", mode,
                packets, detect ? "on" : "off", talkers, HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        long base = HeapMeter.usedAfterGc();
        long t0 = System.nanoTime();
        try {
            flood(analyzer, mode, packets);
        } catch (OutOfMemoryError e) {
            System.out.printf(Locale.ROOT, "FAIL: OutOfMemoryError after %,d packets%n", analyzer.summary().packets());
            System.exit(1);
        }
        long held = HeapMeter.usedAfterGc() - base;
        long table = analyzer.flowTable().memoryBytes();
        System.out.printf(Locale.ROOT, "held after a full collection: %s (flow table %s, %,d flows open, %,d evicted),"
                        + " the rest %s; %.1f s%n", HeapMeter.mib(held), HeapMeter.mib(table),
                analyzer.flowTable().size(), analyzer.flowTable().flowsEvicted(), HeapMeter.mib(held - table),
                (System.nanoTime() - t0) / 1e9);
        histogram(12);
        long counted = analyzer.summary().packets();
        analyzer.finish();
        boolean ok = counted == packets;
        System.out.println(ok ? "PASS: every packet counted, no OutOfMemoryError"
                : "FAIL: " + counted + " of " + packets + " packets counted");
        System.exit(ok ? 0 : 1);
    }

    private static void flood(TrafficAnalyzer analyzer, String mode, long packets) {
        SplittableRandom r = new SplittableRandom(7);
        FrameWriter f = new FrameWriter();
        f.vlan = -1;
        f.ipv6 = false;
        long ts = CaptureGenerator.BASE_NANOS;
        for (long i = 0; i < packets; i++) {
            boolean ports = mode.equals("ports");
            boolean tcp = !ports || r.nextBoolean();
            f.protocol = tcp ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP;
            f.tcpFlags = tcp ? DecodedPacket.TCP_SYN : 0;
            f.payload = tcp ? 0 : 32;
            f.src4 = 0x0B00_0000 | r.nextInt(1 << 24);
            f.dst4 = ports ? 0xC000_0200 | r.nextInt(256) : 0xC000_0201;
            f.srcPort = 1024 + r.nextInt(60_000);
            f.dstPort = ports ? r.nextInt(65_536) : 80;
            int wire = f.build(96);
            analyzer.onPacket(LinkType.ETHERNET, ts += 1_000, f.buffer(), 0, Math.min(96, wire), wire);
        }
    }

    /** The classes holding the most heap, from the JVM's own histogram (GC.class_histogram). */
    private static void histogram(int lines) throws Exception {
        Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[]{new String[0]}, new String[]{String[].class.getName()});
        String[] all = text.toString().split("\n");
        for (int i = 0; i < Math.min(all.length, lines + 3); i++) {
            System.out.println("  " + all[i]);
        }
    }
}
