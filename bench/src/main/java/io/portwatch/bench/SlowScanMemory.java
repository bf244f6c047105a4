package io.portwatch.bench;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.DetectionStats;
import io.portwatch.analysis.output.Alert;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The slow scan walk under a random-source flood: what it holds, and whether it still finds the slow scan
 * it is for. Over {@code --minutes} of packet time (default 40), a flood of SYNs from random sources to a
 * closed port of one server, each refused by a RST (a failure of a new source every time: the walk's worst
 * case), and among them a vertical SYN scan of 30 ports of another host, one probe a minute from minute 5
 * (every probe refused). The analysis as {@code live} runs it by default (detectors on their own thread,
 * {@code --detect-memory 64MiB}, {@code --slow-scan-window 1h}, 4,096 sources).
 *
 * <pre>
 * java -Xmx512m -cp bench/target/portwatch-bench.jar io.portwatch.bench.SlowScanMemory [--probes 1.5M] [--minutes 40]
 * </pre>
 *
 * Prints the heap held after a full collection, the detectors' state and the slow walk's part of it (sources
 * followed, bytes, evictions), the slow scan's alert, and a last line {@code PASS} (the scan found, every
 * bound kept, no OutOfMemoryError) or {@code FAIL}.
 */
public final class SlowScanMemory {

    private static final int SCANNER = 0x0A09_0942; // 10.9.9.66
    private static final int SCAN_TARGET = 0xC000_020A; // 192.0.2.10
    private static final int FLOOD_TARGET = 0xC000_0201; // 192.0.2.1

    private SlowScanMemory() {
    }

    public static void main(String[] args) throws Exception {
        long probes = 1_500_000;
        int minutes = 40;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--probes" -> probes = GenerateCapture.count(args[++i]);
                case "--minutes" -> minutes = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: SlowScanMemory [--probes N] [--minutes N]");
                    System.exit(2);
                }
            }
        }
        boolean thread = Runtime.getRuntime().availableProcessors() > 1;
        DetectConfig detect = DetectConfig.defaults();
        AnalyzerConfig config = new AnalyzerConfig(0, FlowConfig.defaults(), false, detect).withDetectionThread(thread);
        List<Alert> slow = new ArrayList<>();
        Sinks.Last sink = new Sinks.Last() {
            @Override
            public void alert(Alert a) {
                if ("slow_trw".equals(a.details().get("method"))) {
                    slow.add(a);
                }
            }
        };
        TrafficAnalyzer analyzer = new TrafficAnalyzer(config, "slowscan", sink);
        System.out.printf(Locale.ROOT, "random-source flood of refused SYNs: %,d probes over %d min of packet time, "
                        + "a 30-port scan a probe a minute among them; slow scan window %d s, %,d sources; detect "
                        + "memory %s; max heap %s%n", probes, minutes, detect.slowWindowNanos() / DetectConfig.SECOND,
                detect.slowSources(), HeapMeter.mib(detect.maxStateBytes()),
                HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        long base = HeapMeter.usedAfterGc();
        long t0 = System.nanoTime();
        try {
            flood(analyzer, probes, minutes);
            DetectionStats mid = analyzer.detection().stats();
            long held = HeapMeter.usedAfterGc() - base;
            System.out.printf(Locale.ROOT, "held after a full collection: %s (flow table %s); %.1f s%n",
                    HeapMeter.mib(held), HeapMeter.mib(analyzer.flowTable().memoryBytes()),
                    (System.nanoTime() - t0) / 1e9);
            analyzer.finish();
            DetectionStats d = analyzer.detection().stats();
            System.out.printf(Locale.ROOT, "  detectors          %10s of %s (--detect-memory), %,d entries, "
                    + "%,d evictions%n", HeapMeter.mib(mid.stateBytes()), HeapMeter.mib(mid.maxStateBytes()),
                    mid.entries(), mid.evictions());
            System.out.printf(Locale.ROOT, "  slow scan walk     %10s  %,d sources followed (at most %,d), "
                    + "%,d evicted or not admitted%n", HeapMeter.mib(mid.slowScanBytes()), mid.slowScanSources(),
                    detect.slowSources(), d.slowScanEvictions());
            Alert a = slow.stream().filter(x -> "10.9.9.66".equals(x.source())).findFirst().orElse(null);
            System.out.println("  slow scan alert: " + (a == null ? "none" : "ports " + a.details().get("ports")
                    + " of 30, evidence " + a.details().get("evidence_seconds") + " s, first seen "
                    + a.details().get("first_seen")));
            System.out.printf(Locale.ROOT, "  other slow_trw alerts: %,d%n", slow.size() - (a == null ? 0 : 1));
            String fail = a == null ? "the slow scan not found"
                    : mid.stateBytes() > mid.maxStateBytes() ? "detectors past --detect-memory"
                    : mid.slowScanSources() > detect.slowSources() ? "slow walk past its sources" : null;
            System.out.println(fail == null ? "PASS: the slow scan found, every bound kept, no OutOfMemoryError"
                    : "FAIL: " + fail);
            System.exit(fail == null ? 0 : 1);
        } catch (OutOfMemoryError e) {
            System.out.printf(Locale.ROOT, "FAIL: OutOfMemoryError after %,d packets%n", analyzer.summary().packets());
            System.exit(1);
        }
    }

    private static void flood(TrafficAnalyzer analyzer, long probes, int minutes) {
        SplittableRandom r = new SplittableRandom(7);
        FrameWriter f = new FrameWriter();
        f.vlan = -1;
        f.ipv6 = false;
        f.protocol = DecodedPacket.PROTO_TCP;
        long start = CaptureGenerator.BASE_NANOS;
        long gap = minutes * 60 * DetectConfig.SECOND / probes;
        long nextScan = start + 5 * 60 * DetectConfig.SECOND;
        int scanned = 0;
        for (long i = 0; i < probes; i++) {
            long ts = start + i * gap;
            if (ts >= nextScan && scanned < 30) {
                scanned++;
                probe(analyzer, f, SCANNER, 40000, SCAN_TARGET, scanned * 7, ts);
                nextScan += 60 * DetectConfig.SECOND;
            }
            probe(analyzer, f, 0x0B00_0000 | r.nextInt(1 << 24), 1024 + r.nextInt(60_000), FLOOD_TARGET, 81, ts);
        }
    }

    /** A SYN and the RST that refuses it. */
    private static void probe(TrafficAnalyzer analyzer, FrameWriter f, int src, int sport, int dst, int dport,
                              long ts) {
        f.src4 = src;
        f.dst4 = dst;
        f.srcPort = sport;
        f.dstPort = dport;
        f.tcpFlags = DecodedPacket.TCP_SYN;
        f.payload = 0;
        int wire = f.build(96);
        analyzer.onPacket(LinkType.ETHERNET, ts, f.buffer(), 0, Math.min(96, wire), wire);
        f.src4 = dst;
        f.dst4 = src;
        f.srcPort = dport;
        f.dstPort = sport;
        f.tcpFlags = DecodedPacket.TCP_RST | DecodedPacket.TCP_ACK;
        wire = f.build(96);
        analyzer.onPacket(LinkType.ETHERNET, ts + 50_000, f.buffer(), 0, Math.min(96, wire), wire);
    }
}
