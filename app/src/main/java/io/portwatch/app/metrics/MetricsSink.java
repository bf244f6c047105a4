package io.portwatch.app.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.PortClass;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.source.CaptureStats;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the records that go to the output into {@link PortwatchMetrics}' registry, then hands each on
 * to the sink it wraps. It sits on the output side (behind {@code QueuedSink}), so no meter is touched
 * on a capture thread.
 *
 * <p>Meters, by record:
 * <ul>
 *   <li>window, per interface ({@code interface} = the record's input): {@code portwatch_packets_total},
 *       {@code portwatch_bytes_total}, {@code portwatch_windows_total}, {@code portwatch_decode_errors_total},
 *       {@code portwatch_capture_received_total}, {@code portwatch_drops_total{dropped_by="kernel"|"interface"}},
 *       {@code portwatch_capture_down_seconds_total} and {@code portwatch_capture_reattached_total} (the
 *       interface not captured, and captured again, when it went down or away), gauges {@code portwatch_active_flows} and {@code portwatch_window_ports} (ports with traffic in the
 *       last window);</li>
 *   <li>window, by {@code transport} and {@code port_class}: {@code portwatch_traffic_packets_total},
 *       {@code portwatch_traffic_bytes_total}, {@code portwatch_traffic_flows_total} (flows started);</li>
 *   <li>window: {@code portwatch_top_port_packets{interface, rank, transport, port}}, the packets of the
 *       N busiest ports of the interface's last window; a port that leaves the top N loses its series;</li>
 *   <li>flow: {@code portwatch_flows_ended_total{end_reason}}; alert: {@code portwatch_alerts_total{kind}};
 *       window: {@code portwatch_alerts_allowed_total{kind}}, the alerts an allow-list held back;
 *       summary: {@code portwatch_flows_evicted_total}.</li>
 * </ul>
 * Thread-safe; meant to be called by one output thread. One MetricsSink per registry.
 */
public final class MetricsSink implements RecordSink {

    /** Ports in {@code portwatch_top_port_packets} per interface, by default. */
    public static final int DEFAULT_TOP = 10;
    /** The most ports {@code portwatch_top_port_packets} may show per interface. */
    public static final int MAX_TOP = 100;

    private final RecordSink target;
    private final MeterRegistry registry;
    private final int top;

    private final Map<String, InterfaceMeters> interfaces = new HashMap<>();
    /** [transport][port class]: packets, bytes, flows. */
    private final Counter[][] trafficPackets = new Counter[Transport.values().length][PortClass.values().length];
    private final Counter[][] trafficBytes = new Counter[Transport.values().length][PortClass.values().length];
    private final Counter[][] trafficFlows = new Counter[Transport.values().length][PortClass.values().length];
    private final Map<EndReason, Counter> flowsEnded = new EnumMap<>(EndReason.class);
    private final Map<Alert.Kind, Counter> alerts = new EnumMap<>(Alert.Kind.class);
    private final Counter allowedScans;
    private final Counter allowedFloods;
    private final Counter flowsEvicted;

    /**
     * @param target  the sink that writes the records
     * @param metrics where the meters live
     * @param top     ports in {@code portwatch_top_port_packets} per interface, 0 to {@value #MAX_TOP}
     */
    public MetricsSink(RecordSink target, PortwatchMetrics metrics, int top) {
        if (top < 0 || top > MAX_TOP) {
            throw new IllegalArgumentException("top must be 0 to " + MAX_TOP + ": " + top);
        }
        this.target = target;
        this.registry = metrics.registry();
        this.top = top;
        for (Transport tr : Transport.values()) {
            int t = tr.ordinal();
            for (PortClass c : PortClass.values()) {
                Tags tags = Tags.of("transport", tr.key(), "port_class", c.key());
                trafficPackets[t][c.ordinal()] = Counter.builder("portwatch.traffic.packets").tags(tags)
                        .description("Packets by transport and server port class").register(registry);
                trafficBytes[t][c.ordinal()] = Counter.builder("portwatch.traffic.bytes").tags(tags)
                        .description("IP-layer bytes by transport and server port class").register(registry);
                trafficFlows[t][c.ordinal()] = Counter.builder("portwatch.traffic.flows").tags(tags)
                        .description("Flows started, by transport and server port class").register(registry);
            }
        }
        for (EndReason r : EndReason.values()) {
            flowsEnded.put(r, Counter.builder("portwatch.flows.ended").tag("end_reason", r.key())
                    .description("Flow records, by why the flow ended").register(registry));
        }
        for (Alert.Kind k : Alert.Kind.values()) {
            alerts.put(k, Counter.builder("portwatch.alerts").tag("kind", k.key())
                    .description("Alerts raised, by kind").register(registry));
        }
        allowedScans = Counter.builder("portwatch.alerts.allowed").tag("kind", Alert.Kind.PORT_SCAN.key())
                .description("Alerts an allow-list held back (--scanner-allow, --flood-allow), by kind")
                .register(registry);
        allowedFloods = Counter.builder("portwatch.alerts.allowed").tag("kind", Alert.Kind.SYN_FLOOD.key())
                .description("Alerts an allow-list held back (--scanner-allow, --flood-allow), by kind")
                .register(registry);
        flowsEvicted = Counter.builder("portwatch.flows.evicted")
                .description("Flows evicted because the flow table was full").register(registry);
    }

    @Override
    public void window(WindowReport report) {
        synchronized (this) {
            count(report);
        }
        target.window(report);
    }

    @Override
    public void flow(FlowRecord flow) {
        flowsEnded.get(flow.endReason()).increment();
        target.flow(flow);
    }

    @Override
    public void alert(Alert alert) {
        alerts.get(alert.kind()).increment();
        target.alert(alert);
    }

    @Override
    public void summary(Summary summary) {
        if (summary.flowsEvicted() > 0) {
            flowsEvicted.increment(summary.flowsEvicted());
        }
        target.summary(summary);
    }

    @Override
    public void flush() {
        target.flush();
    }

    @Override
    public void close() {
        target.close();
    }

    private void count(WindowReport w) {
        InterfaceMeters m = interfaces.computeIfAbsent(w.input(), InterfaceMeters::new);
        add(m.packets, w.packets());
        add(m.bytes, w.bytes());
        add(m.decodeErrors, w.decodeErrors());
        m.windows.increment();
        m.activeFlows.set(w.activeFlows());
        m.ports.set(w.ports().size());
        CaptureStats c = w.capture();
        if (c != null) {
            add(m.received, c.received());
            add(m.droppedByKernel, c.droppedByKernel());
            add(m.droppedByInterface, c.droppedByInterface());
            add(m.ringFreezes, c.ringFreezes());
            if (c.downNanos() > 0) {
                m.downSeconds.increment(c.downNanos() / 1e9);
            }
            add(m.reattached, c.reattached());
        }
        add(m.limitedUnique, w.memoryLimited().uniqueCounts());
        add(m.limitedTalkers, w.memoryLimited().topTalkers());
        add(m.limitedSketches, w.memoryLimited().sketches());
        if (w.allowedAlerts() != null) {
            add(allowedScans, w.allowedAlerts().portScans());
            add(allowedFloods, w.allowedAlerts().synFloods());
        }
        for (PortStats p : w.ports()) {
            int t = p.transport().ordinal();
            int c2 = p.portClass().ordinal();
            add(trafficPackets[t][c2], p.packets());
            add(trafficBytes[t][c2], p.bytes());
            add(trafficFlows[t][c2], p.flows());
        }
        m.updateTop(w.ports());
    }

    /** Counters only go up: a negative change (a wrapped capture counter) adds nothing. */
    private static void add(Counter c, long n) {
        if (n > 0) {
            c.increment(n);
        }
    }

    /** One series of the top-N gauge, with the value it shows. */
    private record TopSeries(Gauge gauge, AtomicLong packets) {
    }

    /** The identity of a top-N series (its tags besides the interface). */
    private record TopKey(int rank, Transport transport, int port) {
    }

    /** The meters of one interface (one input). */
    private final class InterfaceMeters {
        final String name;
        final Counter packets;
        final Counter bytes;
        final Counter windows;
        final Counter decodeErrors;
        final Counter received;
        final Counter droppedByKernel;
        final Counter droppedByInterface;
        final Counter ringFreezes;
        final Counter downSeconds;
        final Counter reattached;
        /** Ports that ran short of --port-memory: unique counts, top talkers, sketches. */
        final Counter limitedUnique;
        final Counter limitedTalkers;
        final Counter limitedSketches;
        final AtomicLong activeFlows = new AtomicLong();
        final AtomicLong ports = new AtomicLong();
        Map<TopKey, TopSeries> topSeries = new HashMap<>();

        InterfaceMeters(String name) {
            this.name = name;
            Tags tags = Tags.of("interface", name);
            packets = Counter.builder("portwatch.packets").tags(tags)
                    .description("Frames captured").register(registry);
            bytes = Counter.builder("portwatch.bytes").tags(tags)
                    .description("IP-layer bytes of the frames captured").register(registry);
            windows = Counter.builder("portwatch.windows").tags(tags)
                    .description("Windows reported").register(registry);
            decodeErrors = Counter.builder("portwatch.decode.errors").tags(tags)
                    .description("Frames that could not be decoded").register(registry);
            received = Counter.builder("portwatch.capture.received").tags(tags)
                    .description("Packets the capture received (libpcap's statistics, live only)").register(registry);
            droppedByKernel = Counter.builder("portwatch.drops").tags(tags).tag("dropped_by", "kernel")
                    .description("Packets dropped before portwatch saw them (libpcap's statistics, live only)")
                    .register(registry);
            droppedByInterface = Counter.builder("portwatch.drops").tags(tags).tag("dropped_by", "interface")
                    .description("Packets dropped before portwatch saw them (libpcap's statistics, live only)")
                    .register(registry);
            ringFreezes = Counter.builder("portwatch.capture.ring.freezes").tags(tags)
                    .description("Times the kernel's ring was full, every block still portwatch's: each a burst of"
                            + " drops (live, --capture ring only)")
                    .register(registry);
            downSeconds = Counter.builder("portwatch.capture.down.seconds").tags(tags)
                    .description("Time the interface was not captured: it went down or away (live only)")
                    .register(registry);
            reattached = Counter.builder("portwatch.capture.reattached").tags(tags)
                    .description("Times the interface was captured again after it went down or away (live only)")
                    .register(registry);
            limitedUnique = limited(tags, "unique_counts");
            limitedTalkers = limited(tags, "top_talkers");
            limitedSketches = limited(tags, "sketches");
            Gauge.builder("portwatch.active.flows", activeFlows, AtomicLong::get).tags(tags)
                    .description("Flows tracked when the last window closed")
                    .strongReference(true).register(registry);
            Gauge.builder("portwatch.window.ports", ports, AtomicLong::get).tags(tags)
                    .description("Ports with traffic in the last window")
                    .strongReference(true).register(registry);
        }

        private Counter limited(Tags tags, String part) {
            return Counter.builder("portwatch.memory.limited").tags(tags).tag("part", part)
                    .description("Ports of a window whose per-port structures ran short of --port-memory, by what "
                            + "it cost them").register(registry);
        }

        /** Shows the window's N busiest ports (its ports come busiest first) and drops the other series. */
        void updateTop(List<PortStats> ports) {
            Map<TopKey, TopSeries> next = new HashMap<>();
            int n = Math.min(top, ports.size());
            for (int i = 0; i < n; i++) {
                PortStats p = ports.get(i);
                TopKey key = new TopKey(i + 1, p.transport(), p.port());
                TopSeries s = topSeries.remove(key);
                if (s == null) {
                    AtomicLong v = new AtomicLong();
                    Gauge g = Gauge.builder("portwatch.top.port.packets", v, AtomicLong::get)
                            .description("Packets of the busiest ports in the interface's last window")
                            .tags("interface", name, "rank", Integer.toString(key.rank()),
                                    "transport", key.transport().key(), "port", Integer.toString(key.port()))
                            .strongReference(true)
                            .register(registry);
                    s = new TopSeries(g, v);
                }
                s.packets().set(p.packets());
                next.put(key, s);
            }
            for (TopSeries stale : new ArrayList<>(topSeries.values())) {
                registry.remove(stale.gauge());
            }
            topSeries = next;
        }
    }
}
