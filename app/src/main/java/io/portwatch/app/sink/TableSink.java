package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.output.WindowReport;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes what a person scans: per window a header line and the busiest ports in aligned columns, the
 * flows that ended (when asked for), the alerts raised, and a summary block at the end (with the alerts
 * raised after the last window). Plain text, no colour.
 *
 * <p>Flows and alerts come before the window they belong to (they end, or are raised, while it is open):
 * they are held, per input, until that input's window or summary, and printed under its header, never
 * before it (a flush only flushes the stream). Held means bounded: a window lists its first
 * {@value #MAX_FLOWS} flows and counts the rest, and its alerts are summarised as they come, one row per
 * kind and source ({@link AlertGroups}), at most {@code topN} rows: a default-deny policy under a scan
 * is one row of a thousand alerts, not a thousand rows. JSON keeps every record. A live table also shows,
 * under every window, the recent alerts of all windows and the totals since the start ({@link RecentAlerts}),
 * so that redrawing the screen loses none. Not thread-safe.
 * {@link #close()} prints what is still held and flushes but leaves the stream open.
 */
public final class TableSink implements RecordSink {

    /** Flows listed under one window at most; the rest are counted. */
    static final int MAX_FLOWS = 1000;

    private static final String INDENT = "  ";
    private final boolean refresh;

    private final PrintStream out;
    private final int topN;
    private final boolean flows;
    /** Live: the alerts of past windows kept on screen; null for a capture file. */
    private final RecentAlerts recent;
    /** By input: what came before its next window. */
    private final Map<String, Held> held = new LinkedHashMap<>();

    /** An input's flows and alerts waiting for its window. */
    private static final class Held {
        final List<FlowRecord> flows = new ArrayList<>();
        long moreFlows;
        final AlertGroups alerts = new AlertGroups();
    }

    /**
     * @param out   where the text goes
     * @param topN  at most this many ports per window, busiest first, and rows of alerts; 0 for all
     * @param flows true to list the flows that ended, false to ignore flow records
     */
    public TableSink(PrintStream out, int topN, boolean flows) {
        this(out, topN, flows, false);
    }

    /**
     * @param refresh clear the terminal before each window, so that a live table redraws in place (a live
     *                table: see below)
     */
    public TableSink(PrintStream out, int topN, boolean flows, boolean refresh) {
        this(out, topN, flows, refresh, refresh);
    }

    /**
     * @param live a live capture's table: each window also shows the recent alerts of all windows and the
     *             alerts since the start ({@link RecentAlerts}), which a redrawn screen would lose
     */
    public TableSink(PrintStream out, int topN, boolean flows, boolean refresh, boolean live) {
        this.refresh = refresh;
        this.recent = live ? new RecentAlerts() : null;
        this.out = Objects.requireNonNull(out, "out");
        if (topN < 0) {
            throw new IllegalArgumentException("topN must be 0 (all) or positive, not " + topN);
        }
        this.topN = topN;
        this.flows = flows;
    }

    @Override
    public void window(WindowReport report) {
        if (refresh) {
            out.print("\033[H\033[2J"); // a live table redraws in place on a terminal
        }
        out.println("== " + report.input() + INDENT + Formats.instant(report.startNanos()) + " - "
                + Formats.instant(report.endNanos()) + INDENT + "packets " + report.packets() + INDENT
                + "bytes " + Formats.humanBytes(report.bytes()) + INDENT + "active flows " + activeFlows(report)
                + INDENT + "tracked flows " + report.activeFlows());
        StringBuilder health = new StringBuilder();
        if (report.capture() != null) {
            health.append("received ").append(report.capture().received())
                    .append(INDENT).append("dropped by kernel ").append(report.capture().droppedByKernel())
                    .append(INDENT).append("by interface ").append(report.capture().droppedByInterface());
            if (report.capture().ringFreezes() > 0) {
                // the reader fell behind: the kernel's ring was full at least once, each a burst of drops
                health.append(INDENT).append("ring froze ").append(report.capture().ringFreezes());
            }
            if (report.capture().downNanos() > 0 || report.capture().reattached() > 0) {
                // the interface went down or away in the window: how long it was not captured, to the ms
                long ms = report.capture().downNanos() / 1_000_000;
                health.append(INDENT).append(String.format(Locale.ROOT, "down %d.%03ds", ms / 1000, ms % 1000))
                        .append(INDENT).append("reattached ").append(report.capture().reattached());
            }
        }
        if (report.decodeErrors() > 0) {
            health.append(health.length() > 0 ? INDENT : "").append("decode errors ").append(report.decodeErrors());
        }
        if (report.outputDropped() > 0) {
            health.append(health.length() > 0 ? INDENT : "").append("output dropped ").append(report.outputDropped());
        }
        long limited = report.ports().stream().filter(PortStats::memoryLimited).count();
        if (limited > 0) {
            health.append(health.length() > 0 ? INDENT : "").append("ports short of memory ").append(limited);
        }
        if (health.length() > 0) {
            out.println("   " + health);
        }
        List<PortStats> ports = report.ports();
        int shown = report.top(topN).size();
        if (ports.isEmpty()) {
            out.println(INDENT + "(no TCP or UDP ports in this window)");
        } else {
            portTable(ports, shown).print(out, INDENT);
            int more = ports.size() - shown;
            if (more > 0) {
                out.println(INDENT + "(" + more + (more == 1 ? " more port)" : " more ports)"));
            }
        }
        printHeld(report.input());
        if (recent != null) {
            recent.print(out, INDENT);
        }
        out.println();
        out.flush();
    }

    /**
     * The window's own flows: those with a packet in it (the ACTIVE column's sum). The report's
     * {@code activeFlows} is another count, the flows tracked at the window's end, idle ones included.
     */
    private static long activeFlows(WindowReport report) {
        long n = 0;
        for (PortStats p : report.ports()) {
            n += p.activeFlows();
        }
        return n;
    }

    private static TextTable portTable(List<PortStats> ports, int shown) {
        boolean anyTcp = false;
        boolean anyTalkers = false;
        for (int i = 0; i < shown; i++) {
            anyTcp |= ports.get(i).tcp() != null;
            anyTalkers |= ports.get(i).topClients() != null;
        }
        List<Boolean> right = new ArrayList<>(List.of(false, false, false, true, true, true, true, true, true, true));
        List<String> head = new ArrayList<>(List.of("PORT", "SERVICE", "CLASS", "FLOWS", "ACTIVE", "PACKETS",
                "TO SRV", "TO CLI", "BYTES", "CLIENTS"));
        if (anyTcp) {
            head.addAll(List.of("SYN", "REJ", "UNANS", "RST"));
            right.addAll(List.of(true, true, true, true));
        }
        if (anyTalkers) {
            head.add("TOP CLIENT");
            right.add(false);
        }
        boolean[] aligned = new boolean[right.size()];
        for (int i = 0; i < aligned.length; i++) {
            aligned[i] = right.get(i);
        }
        TextTable t = new TextTable(aligned);
        t.row(head.toArray(String[]::new));
        for (int i = 0; i < shown; i++) {
            PortStats p = ports.get(i);
            List<String> cells = new ArrayList<>(List.of(
                    p.transport().key() + "/" + p.port(),
                    p.service() == null ? "-" : p.service(),
                    p.portClass().key(),
                    Long.toString(p.flows()),
                    Long.toString(p.activeFlows()),
                    Long.toString(p.packets()),
                    Long.toString(p.packetsToServer()),
                    Long.toString(p.packetsToClient()),
                    Formats.humanBytes(p.bytes()),
                    Long.toString(p.uniqueClients())));
            if (anyTcp) {
                TcpCounts c = p.tcp();
                cells.addAll(c == null ? List.of("-", "-", "-", "-") : List.of(Long.toString(c.syn()),
                        Long.toString(c.rejected()), Long.toString(c.unanswered()), Long.toString(c.rst())));
            }
            if (anyTalkers) {
                cells.add(topClient(p));
            }
            t.row(cells.toArray(String[]::new));
        }
        return t;
    }

    /** The port's top client by packets and its share of the port's packets, e.g. {@code 192.0.2.7 48%}. */
    private static String topClient(PortStats p) {
        if (p.topClients() == null || p.topClients().byPackets().isEmpty() || p.packets() == 0) {
            return "-";
        }
        var top = p.topClients().byPackets().get(0);
        long share = Math.round(100.0 * Math.min(top.packets(), p.packets()) / p.packets());
        return top.address() + " " + share + "%" + (p.topClients().exact() ? "" : "~");
    }

    private Held held(String input) {
        return held.computeIfAbsent(input, k -> new Held());
    }

    @Override
    public void flow(FlowRecord flow) {
        if (!flows) {
            return;
        }
        Held h = held(flow.input());
        if (h.flows.size() < MAX_FLOWS) {
            h.flows.add(flow);
        } else {
            h.moreFlows++;
        }
    }

    @Override
    public void alert(Alert alert) {
        held(alert.input()).alerts.add(alert);
        if (recent != null) {
            recent.add(alert);
        }
    }

    /** Prints and forgets what {@code input} holds: its flows, then its alerts. */
    private void printHeld(String input) {
        Held h = held.remove(input);
        if (h == null) {
            return;
        }
        printFlows(h);
        h.alerts.print(out, INDENT, topN);
    }

    private void printFlows(Held h) {
        if (h.flows.isEmpty()) {
            return;
        }
        out.println(INDENT + "flows ended: " + (h.flows.size() + h.moreFlows));
        TextTable t = new TextTable(false, false, false, false, false, true, true, true, false, false, false);
        for (FlowRecord f : h.flows) {
            t.row(f.transport().key(),
                    Formats.endpoint(f.clientIp(), f.clientPort()),
                    "->",
                    Formats.endpoint(f.serverIp(), f.serverPort()),
                    Formats.instant(f.startNanos()),
                    Formats.shortDuration(f.endNanos() - f.startNanos()),
                    f.packets() + " pkts",
                    Formats.humanBytes(f.bytes()),
                    f.state(),
                    f.endReason().key(),
                    Formats.tcpFlagList(f.tcpFlags()));
        }
        t.print(out, INDENT + INDENT);
        if (h.moreFlows > 0) {
            out.println(INDENT + "(" + h.moreFlows + " more flows: --format json lists every one)");
        }
    }

    @Override
    public void summary(Summary s) {
        out.println("== summary" + INDENT + s.input() + INDENT + (s.packets() == 0 ? "no packets"
                : Formats.instant(s.firstNanos()) + " - " + Formats.instant(s.lastNanos())));
        TextTable t = new TextTable(false, true, true);
        t.row("packets", Long.toString(s.packets()));
        t.row("bytes", Formats.humanBytes(s.bytes()));
        share(t, "tcp", s.tcpPackets(), s.packets());
        share(t, "udp", s.udpPackets(), s.packets());
        share(t, "fragments", s.fragmentPackets(), s.packets());
        share(t, "other ip", s.otherIpPackets(), s.packets());
        share(t, "non-ip", s.nonIpPackets(), s.packets());
        t.row("flows", Long.toString(s.flows()));
        t.row("flows evicted", Long.toString(s.flowsEvicted()));
        counts(t, "decode errors", s.decodeErrors());
        counts(t, "unknown link types", s.unknownLinkTypes());
        t.row("input errors", Integer.toString(s.inputErrors().size()));
        t.print(out, INDENT);
        for (String e : s.inputErrors()) {
            out.println(INDENT + INDENT + e);
        }
        printHeld(s.input());
        if (recent != null) {
            recent.print(out, INDENT);
        }
        out.flush();
    }

    private static void share(TextTable t, String label, long n, long total) {
        t.row(label, Long.toString(n),
                total == 0 ? "" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / total));
    }

    private static void counts(TextTable t, String label, Map<String, Long> counts) {
        long total = 0;
        for (long v : counts.values()) {
            total += v;
        }
        t.row(label, Long.toString(total));
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            t.row(INDENT + e.getKey(), Long.toString(e.getValue()));
        }
    }

    /** Flushes the stream; what is held waits for its window (printed before it, it would read as another's). */
    @Override
    public void flush() {
        out.flush();
    }

    /** Prints what is still held (inputs that ended without a summary), each under a line naming its input. */
    @Override
    public void close() {
        for (String input : new ArrayList<>(held.keySet())) {
            out.println("== " + input + INDENT + "after its last window");
            printHeld(input);
        }
        out.flush();
    }
}
