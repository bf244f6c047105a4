package io.portwatch.bench;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.flow.FlowTable;

import java.lang.ref.Reference;
import java.util.Locale;

/**
 * Bytes per tracked flow with a million flows open: the flow table alone ({@code memoryBytes()/size()}
 * and the heap it takes, measured after full collections), then the whole analyzer (flow table, port
 * table, distinct-client counters) fed the flows' frames.
 *
 * <pre>
 * java -Xmx2g -cp bench/target/portwatch-bench.jar io.portwatch.bench.FlowMemory [--flows 1000000]
 * </pre>
 */
public final class FlowMemory {

    private FlowMemory() {
    }

    public static void main(String[] args) {
        int flows = 1_000_000;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--flows") && i + 1 < args.length) {
                flows = (int) GenerateCapture.count(args[++i]);
            } else {
                System.err.println("usage: FlowMemory [--flows N]");
                System.exit(2);
            }
        }
        FlowConfig config = FlowConfig.defaults();
        if (flows > config.maxFlows()) {
            System.err.println("FlowMemory: at most " + config.maxFlows() + " flows (the default table limit)");
            System.exit(2);
        }
        System.out.printf(Locale.ROOT, "JVM: %s %s, max heap %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.version"), HeapMeter.mib(Runtime.getRuntime().maxMemory()));
        tableAlone(config, flows);
        wholeAnalyzer(config, flows);
    }

    private static void tableAlone(FlowConfig config, int flows) {
        long before = HeapMeter.usedAfterGc();
        FlowTable table = new FlowTable(config, IanaServices::isServicePort, (t, s, r) -> { });
        DecodedPacket p = new DecodedPacket();
        long t0 = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            boolean tcp = i % 4 != 0;
            p.kind = DecodedPacket.KIND_TRANSPORT;
            p.ipVersion = 4;
            p.protocol = tcp ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP;
            p.tcpFlags = tcp ? DecodedPacket.TCP_SYN : 0;
            p.srcHi = 0;
            p.srcLo = 0x0000_FFFF_0A00_0000L | (i >>> 6);
            p.dstHi = 0;
            p.dstLo = 0x0000_FFFF_6440_0000L | (i & 0xFF);
            p.srcPort = 1024 + (i & 0x3F) * 1000;
            p.dstPort = tcp ? 443 : 53;
            p.ipLength = 60;
            p.timestampNanos = 1_000L * i;
            table.track(p);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = HeapMeter.usedAfterGc();
        int size = table.size();
        System.out.printf(Locale.ROOT, "flow table alone: %,d flows tracked in %.2f s; %,d slots of %d bytes;"
                        + " memoryBytes() %s = %.1f bytes/flow (%.1f at the %,d-flow limit); heap after GC +%s ="
                        + " %.1f bytes/flow%n",
                size, seconds, table.capacity(), FlowTable.STRIDE * Long.BYTES, HeapMeter.mib(table.memoryBytes()),
                table.memoryBytes() / (double) size, table.memoryBytes() / (double) config.maxFlows(),
                config.maxFlows(), HeapMeter.mib(after - before), (after - before) / (double) size);
        if (size != flows) {
            throw new IllegalStateException(size + " flows tracked, not " + flows);
        }
        Reference.reachabilityFence(table);
    }

    private static void wholeAnalyzer(FlowConfig config, int flows) {
        long before = HeapMeter.usedAfterGc();
        TrafficAnalyzer analyzer = new TrafficAnalyzer(new AnalyzerConfig(0, config, false), "memory",
                Sinks.discard());
        ServiceMix mix = new ServiceMix(1000, 1);
        FrameWriter f = new FrameWriter();
        long t0 = System.nanoTime();
        long ts = CaptureGenerator.BASE_NANOS;
        for (int i = 0; i < flows; i++) {
            int r = i % mix.size();
            f.vlan = -1;
            f.ipv6 = i % 8 == 0;
            f.protocol = mix.protocol[r];
            f.tcpFlags = f.protocol == DecodedPacket.PROTO_TCP ? DecodedPacket.TCP_SYN : 0;
            f.payload = f.protocol == DecodedPacket.PROTO_TCP ? 0 : 40;
            f.src4 = 0x0A00_0000 | (i >>> 6);
            f.dst4 = 0x6440_0000 | r;
            f.srcHi = 0x2001_0DB8_C000_0000L;
            f.srcLo = (i >>> 6) + 1;
            f.dstHi = 0x2001_0DB8_5E00_0000L;
            f.dstLo = r + 1;
            f.srcPort = mix.clientPorts[(i & 0x3F) * 97];
            f.dstPort = mix.port[r];
            int wire = f.build(128);
            analyzer.onPacket(LinkType.ETHERNET, ts += 1_000, f.buffer(), 0, Math.min(128, wire), wire);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = HeapMeter.usedAfterGc();
        int size = analyzer.flowTable().size();
        System.out.printf(Locale.ROOT, "whole analyzer: %,d flows open over %d ports in %.2f s; heap after GC +%s ="
                        + " %.1f bytes/flow (flow table %s of it)%n",
                size, mix.size(), seconds, HeapMeter.mib(after - before), (after - before) / (double) size,
                HeapMeter.mib(analyzer.flowTable().memoryBytes()));
        if (size != flows) {
            throw new IllegalStateException(size + " flows tracked, not " + flows);
        }
        Reference.reachabilityFence(analyzer);
    }
}
