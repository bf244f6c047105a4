package io.portwatch.bench;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.PortMemory;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.DetectionStats;
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
 * analysis as {@code live} runs it by default: detectors on (on a thread of their own when there is a
 * processor to spare), top talkers 5, HLL sketches, {@code --port-memory 128MiB}.
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
 * Prints the heap in use after a full collection, what each part holds as it accounts it (the flow table,
 * the talker log, the ports' distinct counts and top talkers: reserved of their budget and fixed a slot,
 * the detectors' state), the classes holding the most (the JVM's class histogram), and a last line
 * {@code PASS} (every packet counted, the window's records made, no OutOfMemoryError, every part within
 * its bound) or {@code FAIL}.
 */
public final class HostileMemory {

    private HostileMemory() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("ports") || args[0].equals("sources"))) {
            System.err.println("usage: HostileMemory ports|sources [--packets N] [--top-talkers N] [--no-detect]"
                    + " [--port-memory MiB]");
            System.exit(2);
        }
        String mode = args[0];
        long packets = 2_000_000;
        int talkers = 5;
        boolean detect = true;
        long portMemory = AnalyzerConfig.DEFAULT_PORT_MEMORY;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--packets" -> packets = GenerateCapture.count(args[++i]);
                case "--top-talkers" -> talkers = Integer.parseInt(args[++i]);
                case "--no-detect" -> detect = false;
                case "--port-memory" -> portMemory = Long.parseLong(args[++i]) << 20;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        boolean thread = detect && Runtime.getRuntime().availableProcessors() > 1; // as live decides
        AnalyzerConfig config = new AnalyzerConfig(0, FlowConfig.defaults(), false,
                detect ? DetectConfig.defaults() : null).withTopTalkers(talkers).withDetectionThread(thread)
                .withPortMemory(portMemory);
        Sinks.Last sink = Sinks.discard();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(config, "hostile", sink);
        System.out.printf(Locale.ROOT, "%s flood: %,d packets, detectors %s, top talkers %d, port memory %s,"
                        + " max heap %s%n", mode, packets, detect ? thread ? "on (own thread)" : "on" : "off", talkers,
                HeapMeter.mib(portMemory), HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        long base = HeapMeter.usedAfterGc();
        long t0 = System.nanoTime();
        try {
            flood(analyzer, mode, packets);
            long held = HeapMeter.usedAfterGc() - base;
            long table = analyzer.flowTable().memoryBytes();
            PortMemory m = analyzer.portMemory();
            DetectionStats d = detect ? analyzer.detection().stats() : null;
            long detectors = d == null ? 0 : d.stateBytes();
            System.out.printf(Locale.ROOT, "held after a full collection: %s (%,d flows open, %,d evicted); %.1f s%n",
                    HeapMeter.mib(held), analyzer.flowTable().size(), analyzer.flowTable().flowsEvicted(),
                    (System.nanoTime() - t0) / 1e9);
            System.out.println("  as each part accounts it:");
            part("flow table", table, "--max-flows");
            part("talker log", m.talkerLog(), "up to the flow table's slots");
            part("distinct counts and sketches", m.peersReserved() + m.peersFixed(), String.format(Locale.ROOT,
                    "%s reserved of %s, %s fixed (%,d refusals)", HeapMeter.mib(m.peersReserved()),
                    HeapMeter.mib(m.peersLimit()), HeapMeter.mib(m.peersFixed()), m.peersRefusals()));
            part("top talkers", m.talkersReserved() + m.talkersFixed(), String.format(Locale.ROOT,
                    "%s reserved of %s, %s fixed (%,d refusals)", HeapMeter.mib(m.talkersReserved()),
                    HeapMeter.mib(m.talkersLimit()), HeapMeter.mib(m.talkersFixed()), m.talkersRefusals()));
            part("detectors", detectors, d == null ? "off" : "of " + HeapMeter.mib(d.maxStateBytes())
                    + " (--detect-memory), " + String.format(Locale.ROOT, "%,d evictions", d.evictions()));
            long accounted = table + m.total() + detectors;
            part("the rest", held - accounted, "port table counters, the JVM's own, what is not accounted");
            histogram(12);
            long counted = analyzer.summary().packets();
            long t1 = System.nanoTime();
            analyzer.finish();
            System.out.printf(Locale.ROOT, "window closed, its %,d port records made: %.1f s%n",
                    sink.ports(), (System.nanoTime() - t1) / 1e9);
            String fail = counted != packets ? counted + " of " + packets + " packets counted"
                    : m.peersReserved() > m.peersLimit() ? "distinct counts past their budget"
                    : m.talkersReserved() > m.talkersLimit() ? "top talkers past their budget"
                    : d != null && d.stateBytes() > d.maxStateBytes() ? "detectors past --detect-memory" : null;
            System.out.println(fail == null ? "PASS: every packet counted, records made, every part within its bound,"
                    + " no OutOfMemoryError" : "FAIL: " + fail);
            System.exit(fail == null ? 0 : 1);
        } catch (OutOfMemoryError e) {
            System.out.printf(Locale.ROOT, "FAIL: OutOfMemoryError after %,d packets%n", analyzer.summary().packets());
            System.exit(1);
        }
    }

    private static void part(String name, long bytes, String note) {
        System.out.printf(Locale.ROOT, "    %-30s %10s  %s%n", name, HeapMeter.mib(bytes), note);
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
