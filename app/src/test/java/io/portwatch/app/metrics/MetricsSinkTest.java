package io.portwatch.app.metrics;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.PortClass;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MetricsSink over real records (the project's sample capture through the analyzer) and over windows
 * with thousands of ports, scraped over HTTP from a running MetricsServer.
 */
class MetricsSinkTest {

    private static final long MS = 1_000_000L;

    private PortwatchMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() throws Exception {
        metrics = new PortwatchMetrics();
        server = MetricsServer.start(metrics, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    static Path sample() {
        Path p = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
        assertTrue(Files.isRegularFile(p), "the project's sample capture: " + p);
        return p;
    }

    /** Runs the analyzer over the sample capture into {@code sink}, in windows of {@code intervalMs}. */
    static void analyzeSample(io.portwatch.analysis.output.RecordSink sink, long intervalMs) throws Exception {
        TrafficAnalyzer analyzer = new TrafficAnalyzer(
                new AnalyzerConfig(intervalMs * MS, FlowConfig.defaults(), true), "sample.pcap", sink);
        try (CaptureFileSource source = CaptureFileSource.open(sample().toString())) {
            source.run(analyzer);
        }
        analyzer.finish();
    }

    @Test
    void sampleCaptureScrapedOverHttpAgreesWithTheRecords() throws Exception {
        CollectingSink out = new CollectingSink();
        analyzeSample(new MetricsSink(out, metrics, 5), 100);
        assertTrue(out.windows.size() >= 3, "the sample spans several 100 ms windows: " + out.windows.size());
        assertEquals(1, out.summaries.size());
        assertFalse(out.flows.isEmpty());
        Summary summary = out.summaries.get(0);

        Scrape s = Scrape.of(server.port());
        String[] iface = {"interface", "sample.pcap"};
        long packets = out.windows.stream().mapToLong(WindowReport::packets).sum();
        assertEquals(summary.packets(), packets);
        assertEquals(packets, s.value("portwatch_packets_total", iface));
        long bytes = out.windows.stream().mapToLong(WindowReport::bytes).sum();
        assertEquals(summary.bytes(), bytes);
        assertEquals(bytes, s.value("portwatch_bytes_total", iface));
        assertEquals(out.windows.size(), s.value("portwatch_windows_total", iface));
        assertEquals(out.windows.stream().mapToLong(WindowReport::decodeErrors).sum(),
                s.value("portwatch_decode_errors_total", iface));
        WindowReport last = out.windows.get(out.windows.size() - 1);
        assertEquals(last.activeFlows(), s.value("portwatch_active_flows", iface));
        assertEquals(last.ports().size(), s.value("portwatch_window_ports", iface));
        // a file has no capture statistics: the series exist, at zero
        assertEquals(0, s.value("portwatch_capture_received_total", iface));
        assertEquals(0, s.sum("portwatch_drops_total", iface));
        assertEquals(0, s.value("portwatch_capture_down_seconds_total", iface));
        assertEquals(0, s.value("portwatch_capture_reattached_total", iface));
        assertEquals(0, s.value("portwatch_capture_ring_freezes_total", iface));

        // traffic by transport and port class: sums over every port record
        int classesSeen = 0;
        for (Transport transport : Transport.values()) {
            for (PortClass c : PortClass.values()) {
                List<PortStats> ps = out.windows.stream().flatMap(w -> w.ports().stream())
                        .filter(p -> p.transport() == transport && p.portClass() == c).toList();
                String[] tags = {"transport", transport.key(), "port_class", c.key()};
                assertEquals(ps.stream().mapToLong(PortStats::packets).sum(), s.value("portwatch_traffic_packets_total", tags));
                assertEquals(ps.stream().mapToLong(PortStats::bytes).sum(), s.value("portwatch_traffic_bytes_total", tags));
                assertEquals(ps.stream().mapToLong(PortStats::flows).sum(), s.value("portwatch_traffic_flows_total", tags));
                classesSeen += ps.isEmpty() ? 0 : 1;
            }
        }
        assertTrue(classesSeen >= 3, "the sample has TCP and UDP, well-known and registered ports");

        // the top N of the last window, in its order, and nothing else
        List<Scrape.Sample> top = s.find("portwatch_top_port_packets", iface);
        assertEquals(Math.min(5, last.ports().size()), top.size());
        for (Scrape.Sample t : top) {
            PortStats p = last.ports().get(Integer.parseInt(t.labels().get("rank")) - 1);
            assertEquals(p.transport().key(), t.labels().get("transport"));
            assertEquals(Integer.toString(p.port()), t.labels().get("port"));
            assertEquals(p.packets(), t.value());
        }

        // flows by end reason, alerts (none here), evictions
        for (EndReason r : EndReason.values()) {
            long n = out.flows.stream().filter(f -> f.endReason() == r).count();
            assertEquals(n, s.value("portwatch_flows_ended_total", "end_reason", r.key()), r.key());
        }
        assertEquals(out.flows.size(), s.sum("portwatch_flows_ended_total"));
        for (Alert.Kind k : Alert.Kind.values()) {
            assertEquals(0, s.value("portwatch_alerts_total", "kind", k.key()));
        }
        assertEquals(summary.flowsEvicted(), s.value("portwatch_flows_evicted_total"));

        // every meter is portwatch's own or one of Micrometer's JVM and process binders
        Set<String> foreign = s.samples.stream().map(Scrape.Sample::name)
                .filter(n -> !n.matches("(portwatch|jvm|process|system|disk)_.*")).collect(Collectors.toSet());
        assertEquals(Set.of(), foreign);
    }

    @Test
    void topSeriesFollowEachWindowAndStaleOnesGo() throws Exception {
        int n = 3;
        List<String> scrapes = new ArrayList<>();
        CollectingSink out = new CollectingSink() {
            @Override
            public void window(WindowReport report) {
                super.window(report);
                scrapes.add(metrics.scrape()); // what a scrape right after the window's record shows
            }
        };
        analyzeSample(new MetricsSink(out, metrics, n), 50);
        assertTrue(out.windows.size() >= 5, "windows: " + out.windows.size());

        Set<String> seenTops = new java.util.HashSet<>();
        for (int i = 0; i < out.windows.size(); i++) {
            WindowReport w = out.windows.get(i);
            Scrape s = Scrape.parseText(scrapes.get(i));
            List<Scrape.Sample> top = s.find("portwatch_top_port_packets");
            assertEquals(Math.min(n, w.ports().size()), top.size(), "window " + i);
            for (int r = 0; r < top.size(); r++) {
                PortStats p = w.ports().get(r);
                assertEquals(p.packets(), s.value("portwatch_top_port_packets", "rank", Integer.toString(r + 1),
                        "transport", p.transport().key(), "port", Integer.toString(p.port())), "window " + i);
                seenTops.add(p.transport().key() + "/" + p.port());
            }
        }
        assertTrue(seenTops.size() > n, "the busiest ports change from window to window: " + seenTops);
    }

    @Test
    void recordsReachTheWrappedSinkUnchanged() {
        CollectingSink out = new CollectingSink();
        MetricsSink sink = new MetricsSink(out, metrics, 2);
        WindowReport w = window("eth0", 0, ports(new Random(1), 20, 1000), new CaptureStats(10, 1, 2));
        Alert a = new Alert("eth0", Alert.Kind.PORT_SCAN, 5, "10.0.0.1", "10.0.0.2", Transport.TCP, null,
                Alert.Severity.HIGH, Map.of("ports", 40));
        Summary sum = new Summary("eth0", 1, 2, 3, 4, 1, 1, 0, 1, 0, 2, 7, Map.of(), Map.of(), List.of());
        sink.window(w);
        sink.alert(a);
        sink.alert(a);
        sink.summary(sum);
        sink.flush();
        sink.close();
        assertSame(w, out.windows.get(0));
        assertEquals(List.of(a, a), out.alerts);
        assertSame(sum, out.summaries.get(0));
        assertEquals(1, out.flushes);
        assertTrue(out.closed);
        Scrape s = Scrape.parseText(metrics.scrape());
        assertEquals(2, s.value("portwatch_alerts_total", "kind", "port_scan"));
        assertEquals(0, s.value("portwatch_alerts_total", "kind", "syn_flood"));
        assertEquals(7, s.value("portwatch_flows_evicted_total"));
    }

    @Test
    void portsShortOfMemoryAreCountedByWhatItCostThem() throws Exception {
        MetricsSink sink = new MetricsSink(new CollectingSink(), metrics, 3);
        WindowReport w = window("eth0", 0, ports(new Random(3), 5, 100), null);
        sink.window(w); // nothing short: the counters are there, at 0
        for (int i = 1; i <= 2; i++) {
            w = window("eth0", i, ports(new Random(3), 5, 100), null);
            sink.window(new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                    w.activeFlows(), w.decodeErrors(), w.capture(), 0, List.of(), List.of(),
                    new MemoryLimited(3 * i, i, 0)));
        }
        Scrape s = Scrape.of(server.port());
        assertEquals(9, s.value("portwatch_memory_limited_total", "interface", "eth0", "part", "unique_counts"));
        assertEquals(3, s.value("portwatch_memory_limited_total", "interface", "eth0", "part", "top_talkers"));
        assertEquals(0, s.value("portwatch_memory_limited_total", "interface", "eth0", "part", "sketches"));
    }

    /** Issue 20: the alerts an allow-list held back, from the window records, by kind (not by port). */
    @Test
    void alertsAnAllowListHeldBackAreCounted() throws Exception {
        MetricsSink sink = new MetricsSink(new CollectingSink(), metrics, 3);
        for (int i = 1; i <= 3; i++) {
            WindowReport w = window("eth0", i, ports(new Random(3), 5, 100), null);
            sink.window(new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                    w.activeFlows(), w.decodeErrors(), w.capture(), 0, List.of(), List.of(), MemoryLimited.NONE,
                    new io.portwatch.analysis.output.AllowedAlerts(i, i == 2 ? 1 : 0)));
        }
        Scrape s = Scrape.of(server.port());
        assertEquals(6, s.value("portwatch_alerts_allowed_total", "kind", "port_scan"));
        assertEquals(1, s.value("portwatch_alerts_allowed_total", "kind", "syn_flood"));
    }

    @Test
    void captureCountersAddUpPerInterface() throws Exception {
        CollectingSink out = new CollectingSink();
        MetricsSink sink = new MetricsSink(out, metrics, 3);
        Random rnd = new Random(7);
        List<WindowReport> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            for (String iface : List.of("eth0", "eth1")) {
                // the last eth1 window has a negative change (a wrapped libpcap counter): it adds nothing
                // eth0 goes down in its third window and is captured again in its fifth
                CaptureStats c = iface.equals("eth1") && i == 5 ? new CaptureStats(-5, -1, -1, -1, Downtime.NONE)
                        : new CaptureStats(rnd.nextInt(10_000), rnd.nextInt(50), rnd.nextInt(5), rnd.nextInt(3),
                        new Downtime(iface.equals("eth0") && i >= 2 && i <= 4 ? rnd.nextInt(1_000_000_000) : 0,
                                iface.equals("eth0") && i == 4 ? 1 : 0));
                WindowReport w = window(iface, i, ports(rnd, 1 + rnd.nextInt(30), 100), c);
                sink.window(w);
                sent.add(w);
            }
        }
        Scrape s = Scrape.of(server.port());
        for (String iface : List.of("eth0", "eth1")) {
            List<CaptureStats> cs = sent.stream().filter(w -> w.input().equals(iface)).map(WindowReport::capture).toList();
            assertEquals(cs.stream().mapToLong(c -> Math.max(0, c.received())).sum(),
                    s.value("portwatch_capture_received_total", "interface", iface));
            assertEquals(cs.stream().mapToLong(c -> Math.max(0, c.droppedByKernel())).sum(),
                    s.value("portwatch_drops_total", "interface", iface, "dropped_by", "kernel"));
            assertEquals(cs.stream().mapToLong(c -> Math.max(0, c.droppedByInterface())).sum(),
                    s.value("portwatch_drops_total", "interface", iface, "dropped_by", "interface"));
            assertEquals(cs.stream().mapToLong(c -> Math.max(0, c.ringFreezes())).sum(),
                    s.value("portwatch_capture_ring_freezes_total", "interface", iface));
            assertEquals(cs.stream().mapToLong(CaptureStats::downNanos).sum() / 1e9,
                    s.value("portwatch_capture_down_seconds_total", "interface", iface), 1e-6);
            assertEquals(iface.equals("eth0") ? 1 : 0,
                    s.value("portwatch_capture_reattached_total", "interface", iface));
            assertEquals(sent.stream().filter(w -> w.input().equals(iface)).mapToLong(WindowReport::packets).sum(),
                    s.value("portwatch_packets_total", "interface", iface));
            WindowReport last = sent.stream().filter(w -> w.input().equals(iface)).reduce((a, b) -> b).orElseThrow();
            assertEquals(last.activeFlows(), s.value("portwatch_active_flows", "interface", iface));
        }
    }

    @Test
    void seriesStayBoundedWhenWindowsTouchThousandsOfPorts() throws Exception {
        int n = 10;
        MetricsSink sink = new MetricsSink(new CollectingSink(), metrics, n);
        Random rnd = new Random(42);
        List<String> ifaces = List.of("eth0", "eth1");
        // a baseline: small windows, every transport and class touched
        for (String iface : ifaces) {
            sink.window(window(iface, 0, ports(rnd, 40, 65536), new CaptureStats(1, 0, 0)));
        }
        long baseline = portwatchSeries(Scrape.of(server.port()));

        for (int i = 1; i <= 4; i++) {
            for (String iface : ifaces) {
                List<PortStats> ports = ports(rnd, 5_000, 65536);
                sink.window(window(iface, i, ports, new CaptureStats(1, 0, 0)));
            }
            Scrape s = Scrape.of(server.port());
            assertEquals(baseline, portwatchSeries(s), "window " + i + ": as many series as with 40 ports");
            for (String iface : ifaces) {
                assertEquals(n, s.find("portwatch_top_port_packets", "interface", iface).size());
            }
            assertEquals(0, s.count(x -> x.labels().containsKey("port")
                    && !x.name().equals("portwatch_top_port_packets")), "a raw port only in the top N");
            assertTrue(s.text.length() < 64 * 1024, "scrape size " + s.text.length());
        }
    }

    private static long portwatchSeries(Scrape s) {
        return s.count(x -> x.name().startsWith("portwatch_"));
    }

    /** {@code count} distinct ports (TCP and UDP, all classes) below {@code maxPort}, busiest first. */
    static List<PortStats> ports(Random rnd, int count, int maxPort) {
        Set<String> used = new java.util.HashSet<>();
        List<PortStats> out = new ArrayList<>();
        while (out.size() < count) {
            Transport transport = rnd.nextBoolean() ? Transport.TCP : Transport.UDP;
            int port = rnd.nextInt(maxPort);
            if (!used.add(transport.key() + "/" + port)) {
                continue;
            }
            long toServer = 1 + rnd.nextInt(5_000);
            long toClient = rnd.nextInt(5_000);
            out.add(new PortStats(transport, port, null, PortClass.of(port), rnd.nextInt(20), 1 + rnd.nextInt(20),
                    toServer, toClient, toServer * 60, toClient * 600, 1, 1, null));
        }
        out.sort(Comparator.comparingLong(PortStats::packets).reversed());
        return out;
    }

    static WindowReport window(String iface, int seq, List<PortStats> ports, CaptureStats capture) {
        long packets = ports.stream().mapToLong(PortStats::packets).sum();
        long bytes = ports.stream().mapToLong(PortStats::bytes).sum();
        long start = (1_700_000_000L + seq * 10L) * 1_000 * MS;
        return new WindowReport(iface, start, start + 10_000 * MS, ports, packets + 3, bytes, ports.size() * 2L,
                seq % 3, capture, 0);
    }
}
