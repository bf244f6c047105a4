package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableSinkTest {

    /** A cell: text between runs of two or more blanks, with its offsets in the line. */
    record Cell(int start, int end, String text) {
    }

    /**
     * One window's output: header line, capture health line (null when there is none), column titles, port
     * rows and the lines after them.
     */
    record Block(String header, String health, List<Cell> titles, List<List<Cell>> rows, List<String> after) {
        int column(String title) {
            for (int i = 0; i < titles.size(); i++) {
                if (titles.get(i).text().equals(title)) {
                    return i;
                }
            }
            throw new AssertionError("no column " + title + " in " + titles);
        }

        String cell(int row, String title) {
            return rows.get(row).get(column(title)).text();
        }
    }

    private static final Pattern CELL = Pattern.compile("\\S+(?: \\S+)*");
    private static final Pattern HEADER = Pattern.compile(
            "== (.+)  (\\S+) - (\\S+)  packets (\\d+)  bytes (\\S+ \\S+)  active flows (\\d+)  tracked flows (\\d+)");
    /** The escape sequence that homes the cursor and clears the screen (refresh mode). */
    private static final String CLEAR = "\u001b[H\u001b[2J";
    private static final String HEALTH_INDENT = "   ";
    private static final List<String> LEFT = List.of("PORT", "SERVICE", "CLASS");

    static List<Cell> cells(String line) {
        List<Cell> cells = new ArrayList<>();
        Matcher m = CELL.matcher(line);
        while (m.find()) {
            cells.add(new Cell(m.start(), m.end(), m.group()));
        }
        return cells;
    }

    static String run(int topN, boolean flows, Consumer<TableSink> body) {
        String text = raw(new TableSinkFactory(topN, flows, null), body);
        assertFalse(text.contains("\u001b"), "no escape codes");
        return text;
    }

    /** How to make the sink under test: {@code refresh} null for the three-argument constructor. */
    record TableSinkFactory(int topN, boolean flows, Boolean refresh) {
        TableSink make(PrintStream out) {
            return refresh == null ? new TableSink(out, topN, flows) : new TableSink(out, topN, flows, refresh);
        }
    }

    /** The text a fresh sink writes for {@code body}, escape codes included. */
    static String raw(TableSinkFactory factory, Consumer<TableSink> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            TableSink sink = factory.make(out);
            body.accept(sink);
            sink.close();
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            assertFalse(line.endsWith(" "), "no trailing blanks: '" + line + "'");
        }
        return text;
    }

    static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].startsWith("== ") || lines[i].startsWith("== summary")) {
                continue;
            }
            String header = lines[i++];
            String health = null;
            if (lines[i].startsWith(HEALTH_INDENT) && lines[i].charAt(HEALTH_INDENT.length()) != ' ') {
                health = lines[i++];
            }
            List<Cell> titles = List.of();
            List<List<Cell>> rows = new ArrayList<>();
            if (lines[i].startsWith("  PORT")) {
                titles = cells(lines[i++]);
                while (lines[i].startsWith("  ") && !lines[i].startsWith("  (")
                        && !lines[i].startsWith("  flows ended") && !lines[i].startsWith("  alerts: ")) {
                    rows.add(cells(lines[i++]));
                }
            }
            List<String> after = new ArrayList<>();
            while (i < lines.length && !lines[i].isEmpty()) {
                after.add(lines[i++]);
            }
            blocks.add(new Block(header, health, titles, rows, after));
        }
        return blocks;
    }

    /** {@code label count}, or {@code down S.MMMs}, read as milliseconds. */
    private static final Pattern HEALTH_ITEM = Pattern.compile("([a-z][a-z ]*[a-z]) (\\d+)(?:\\.(\\d{3})s)?");

    /** The items of a block's health line, label and count, in their order; empty when it has none. */
    static List<Map.Entry<String, Long>> health(Block b) {
        List<Map.Entry<String, Long>> items = new ArrayList<>();
        if (b.health() == null) {
            return items;
        }
        for (Cell c : cells(b.health())) {
            Matcher m = HEALTH_ITEM.matcher(c.text());
            assertTrue(m.matches(), "'label count' items: " + b.health());
            assertEquals(m.group(1).equals("down"), m.group(3) != null, "only the time down is in seconds: " + c);
            items.add(Map.entry(m.group(1), m.group(3) == null ? Long.parseLong(m.group(2))
                    : Long.parseLong(m.group(2)) * 1000 + Long.parseLong(m.group(3))));
        }
        assertFalse(items.isEmpty(), "a health line says something: '" + b.health() + "'");
        return items;
    }

    /**
     * What the health line of {@code w} says: a live capture's own counters, the time the interface was down
     * (in ms) and the times it was captured again when it went away, then decode errors, output drops and
     * ports short of memory when there are any. Nothing at all for a clean window of a capture file.
     */
    static List<Map.Entry<String, Long>> health(WindowReport w) {
        List<Map.Entry<String, Long>> items = new ArrayList<>();
        if (w.capture() != null) {
            items.add(Map.entry("received", w.capture().received()));
            items.add(Map.entry("dropped by kernel", w.capture().droppedByKernel()));
            items.add(Map.entry("by interface", w.capture().droppedByInterface()));
            if (w.capture().ringFreezes() > 0) {
                items.add(Map.entry("ring froze", w.capture().ringFreezes()));
            }
            if (w.capture().downNanos() > 0 || w.capture().reattached() > 0) {
                items.add(Map.entry("down", w.capture().downNanos() / 1_000_000));
                items.add(Map.entry("reattached", w.capture().reattached()));
            }
        }
        if (w.decodeErrors() > 0) {
            items.add(Map.entry("decode errors", w.decodeErrors()));
        }
        if (w.outputDropped() > 0) {
            items.add(Map.entry("output dropped", w.outputDropped()));
        }
        long limited = w.ports().stream().filter(PortStats::memoryLimited).count();
        if (limited > 0) {
            items.add(Map.entry("ports short of memory", limited));
        }
        return items;
    }

    /** Checks that every row has a cell under each title, left columns starting and numbers ending with it. */
    static void assertAligned(Block b) {
        for (List<Cell> row : b.rows()) {
            assertEquals(b.titles().size(), row.size(), "cells in " + row + " under " + b.titles());
            for (int c = 0; c < row.size(); c++) {
                Cell title = b.titles().get(c);
                Cell cell = row.get(c);
                if (LEFT.contains(title.text())) {
                    assertEquals(title.start(), cell.start(), title.text() + " starts: " + row);
                } else {
                    assertEquals(title.end(), cell.end(), title.text() + " ends: " + row);
                }
            }
        }
    }

    static long nanos(String iso) {
        Instant t = Instant.parse(iso);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Reads {@code 342.9 MB} back and checks it is {@code raw} rounded to one decimal of its unit. */
    static void assertHumanBytes(long raw, String text) {
        String[] parts = text.split(" ");
        assertEquals(2, parts.length, text);
        List<String> units = List.of("B", "kB", "MB", "GB", "TB", "PB", "EB");
        int unit = units.indexOf(parts[1]);
        assertTrue(unit >= 0, "unit of " + text);
        double scale = Math.pow(1000, unit);
        double value = Double.parseDouble(parts[0]);
        if (unit == 0) {
            assertEquals(raw, (long) value, text);
        } else {
            assertTrue(Math.abs(value * scale - raw) <= 0.05 * scale + 1e-6, raw + " shown as " + text);
            assertTrue(value >= 1 && value < 1000, "value within its unit: " + text);
        }
    }

    /** {@code a} as the analysis of {@link SampleRecords#INPUT} would raise it. */
    static io.portwatch.analysis.output.Alert onInput(io.portwatch.analysis.output.Alert a) {
        return new io.portwatch.analysis.output.Alert(SampleRecords.INPUT, a.kind(), a.timeNanos(), a.source(),
                a.target(), a.transport(), a.port(), a.severity(), a.details());
    }

    /** {@code f} as the analysis of {@link SampleRecords#INPUT} would end it. */
    static FlowRecord onInput(FlowRecord f) {
        return new FlowRecord(SampleRecords.INPUT, f.communityId(), f.transport(), f.clientIp(), f.clientPort(),
                f.serverIp(), f.serverPort(), f.startNanos(), f.endNanos(), f.packetsToServer(), f.packetsToClient(),
                f.bytesToServer(), f.bytesToClient(), f.tcpFlags(), f.state(), f.endReason());
    }

    @Test
    void alertsAreSummarisedUnderTheirWindowAndTheRestUnderTheSummary() {
        List<io.portwatch.analysis.output.Alert> alerts = SampleRecords.alerts();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TableSink sink = new TableSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), 0, false);
        sink.alert(onInput(alerts.get(0))); // the alerts of the windows' input, as one analysis gives them
        sink.alert(alerts.get(3));
        sink.flush();
        assertEquals(0, bytes.size(), "held for the window, flush or not");
        sink.window(SampleRecords.fileWindow(SampleRecords.T0, SampleRecords.mixedPorts()));
        sink.window(SampleRecords.fileWindow(SampleRecords.T0 + SampleRecords.MINUTE, List.of()));
        sink.alert(alerts.get(1));
        sink.summary(SampleRecords.summary());
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        List<Integer> headers = new ArrayList<>();
        List<Integer> alertHeads = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("== ")) {
                headers.add(i);
            }
            if (lines[i].startsWith("  alerts: ")) {
                alertHeads.add(i);
            }
        }
        assertEquals(3, headers.size(), "two windows and the summary");
        assertEquals(2, alertHeads.size(), "an alerts block in the first window and one at the summary");
        assertTrue(alertHeads.get(0) > headers.get(0) && alertHeads.get(0) < headers.get(1), "in the first window");
        assertTrue(alertHeads.get(1) > headers.get(2), "under the summary");
        assertEquals("  alerts: 2, by kind and source:", lines[alertHeads.get(0)]);
        assertEquals("  alerts: 1, by kind and source:", lines[alertHeads.get(1)]);
        String titles = lines[alertHeads.get(0) + 1];
        String flood = lines[alertHeads.get(0) + 2];
        String scan = lines[alertHeads.get(0) + 3];
        String horizontal = lines[alertHeads.get(1) + 2];
        assertEquals(List.of("KIND", "SEVERITY", "SOURCE", "ALERTS", "TARGET", "PORT", "FIRST", "LAST"),
                List.of(titles.strip().split(" {2,}")));
        // the critical flood first: kind, severity, source, alerts, target, port, first and last time
        String floodTime = Formats.instant(alerts.get(3).timeNanos());
        assertEquals(List.of("syn_flood", "critical", "*", "1", "127.0.0.10", "tcp/8080", floodTime, floodTime),
                List.of(flood.strip().split(" {2,}")));
        String scanTime = Instant.ofEpochSecond(0, alerts.get(0).timeNanos()).toString();
        assertEquals(List.of("port_scan", "high", "127.77.0.66", "1", "127.77.0.10", "tcp/*", scanTime, scanTime),
                List.of(scan.strip().split(" {2,}")));
        assertEquals(titles.indexOf("SOURCE"), scan.indexOf("127.77.0.66"), "aligned columns");
        assertEquals(titles.indexOf("ALERTS") + "ALERTS".length(), flood.indexOf(" 1 ") + 2, "counts on the right");
        List<String> h = List.of(horizontal.strip().split(" {2,}"));
        assertEquals(List.of("port_scan", "medium", "2001:db8::66", "1", "*", "*/53"), h.subList(0, 6));
        for (String line : lines) {
            assertFalse(line.endsWith(" "), "no trailing blanks: '" + line + "'");
        }
    }

    @Test
    void aFloodOfAlertsIsOneRowAndTopBoundsTheRows() {
        List<io.portwatch.analysis.output.Alert> sample = SampleRecords.alerts();
        io.portwatch.analysis.output.Alert deny = sample.get(5); // policy_violation 127.0.0.24 -> 127.0.0.24 tcp/23
        List<io.portwatch.analysis.output.Alert> alerts = new ArrayList<>();
        for (int port = 1; port <= 1000; port++) { // a default-deny policy under a scan: one alert per port
            alerts.add(new io.portwatch.analysis.output.Alert(deny.input(), deny.kind(), deny.timeNanos() + port,
                    "127.77.0.66", "127.77.0.10", Transport.TCP, port, deny.severity(), deny.details()));
        }
        alerts.addAll(sample.subList(1, 5));
        WindowReport w = SampleRecords.fileWindow(SampleRecords.T0, SampleRecords.mixedPorts());
        for (int top : new int[] {0, 2}) {
            Block b = blocks(run(top, false, s -> {
                alerts.forEach(s::alert);
                s.window(w);
            })).get(0);
            List<String> after = b.after();
            int at = after.indexOf("  alerts: 1004, by kind and source:");
            assertTrue(at >= 0, after.toString());
            List<String> rows = after.subList(at + 2, after.size());
            // critical flood, then the high policy row of a thousand, then the medium ones, most alerts first
            List<String> expect = new ArrayList<>(List.of(
                    "syn_flood critical * 1 127.0.0.10 tcp/8080",
                    "policy_violation high 127.77.0.66 1000 127.77.0.10 1000 ports",
                    "new_service medium 127.0.0.24 1 127.0.0.10 tcp/8080",
                    "port_scan medium 127.77.0.66 1 * tcp/445",
                    "port_scan medium 2001:db8::66 1 * */53"));
            List<String> got = new ArrayList<>();
            for (String r : rows) {
                if (r.startsWith("    ")) {
                    got.add(String.join(" ", List.of(r.strip().split(" {2,}")).subList(0, 6)));
                }
            }
            if (top == 0) {
                assertEquals(expect, got);
                assertEquals(expect.size(), rows.size(), "no more line");
            } else {
                assertEquals(expect.subList(0, 2), got);
                assertEquals("  (3 more kinds and sources: 3 alerts)", rows.get(rows.size() - 1));
                assertEquals(3, rows.size());
            }
            String thousand = rows.get(1);
            List<String> cells = List.of(thousand.strip().split(" {2,}"));
            assertEquals(Formats.instant(deny.timeNanos() + 1), cells.get(6), "first");
            assertEquals(Formats.instant(deny.timeNanos() + 1000), cells.get(7), "last");
        }
    }

    @Test
    void portColumnsAreAlignedBusiestFirstWithEveryValue() {
        WindowReport w1 = SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts());
        WindowReport w2 = SampleRecords.window(SampleRecords.T0 + SampleRecords.MINUTE,
                SampleRecords.shuffledPorts(12, 3));
        List<Block> blocks = blocks(run(0, false, s -> {
            s.window(w1);
            s.window(w2);
        }));
        assertEquals(2, blocks.size());
        List<WindowReport> windows = List.of(w1, w2);
        for (int k = 0; k < 2; k++) {
            Block b = blocks.get(k);
            WindowReport w = windows.get(k);
            assertAligned(b);

            Matcher h = HEADER.matcher(b.header());
            assertTrue(h.matches(), b.header());
            assertEquals(w.input(), h.group(1));
            assertEquals(w.startNanos(), nanos(h.group(2)));
            assertEquals(w.endNanos(), nanos(h.group(3)));
            assertEquals(w.packets(), Long.parseLong(h.group(4)));
            assertHumanBytes(w.bytes(), h.group(5));
            // the window's own flows (those with a packet in it: the ACTIVE column's sum), then the flows
            // the table tracked at its end (which include flows idle all window long)
            assertEquals(w.ports().stream().mapToLong(PortStats::activeFlows).sum(), Long.parseLong(h.group(6)),
                    "active flows: the window's");
            assertEquals(w.activeFlows(), Long.parseLong(h.group(7)), "tracked flows: at the window's end");
            assertEquals(health(w), health(b), "health line of window " + k);

            List<PortStats> busiest = new ArrayList<>(w.ports());
            busiest.sort(Comparator.comparingLong(PortStats::packets).reversed());
            assertEquals(busiest.size(), b.rows().size());
            for (int r = 0; r < busiest.size(); r++) {
                PortStats p = busiest.get(r);
                assertEquals(p.transport().key() + "/" + p.port(), b.cell(r, "PORT"), "busiest first, row " + r);
                assertEquals(p.service() == null ? "-" : p.service(), b.cell(r, "SERVICE"));
                assertEquals(p.portClass().key(), b.cell(r, "CLASS"));
                assertEquals(Long.toString(p.flows()), b.cell(r, "FLOWS"));
                assertEquals(Long.toString(p.activeFlows()), b.cell(r, "ACTIVE"));
                assertEquals(Long.toString(p.packetsToServer() + p.packetsToClient()), b.cell(r, "PACKETS"));
                assertEquals(Long.toString(p.packetsToServer()), b.cell(r, "TO SRV"));
                assertEquals(Long.toString(p.packetsToClient()), b.cell(r, "TO CLI"));
                assertHumanBytes(p.bytesToServer() + p.bytesToClient(), b.cell(r, "BYTES"));
                assertEquals(Long.toString(p.uniqueClients()), b.cell(r, "CLIENTS"));
                if (p.tcp() != null) {
                    assertEquals(Long.toString(p.tcp().syn()), b.cell(r, "SYN"));
                    assertEquals(Long.toString(p.tcp().rejected()), b.cell(r, "REJ"));
                    assertEquals(Long.toString(p.tcp().unanswered()), b.cell(r, "UNANS"));
                    assertEquals(Long.toString(p.tcp().rst()), b.cell(r, "RST"));
                } else {
                    for (String t : List.of("SYN", "REJ", "UNANS", "RST")) {
                        assertEquals("-", b.cell(r, t), "udp has no " + t);
                    }
                }
            }
        }
        // the columns were sized from the data: the widest value sets a column's width
        Block b = blocks.get(0);
        int bytesCol = b.column("PACKETS");
        int widest = 0;
        for (List<Cell> row : b.rows()) {
            widest = Math.max(widest, row.get(bytesCol).text().length());
        }
        Cell title = b.titles().get(bytesCol);
        int previousEnd = b.titles().get(bytesCol - 1).end();
        assertEquals(previousEnd + TextTable.GAP.length() + Math.max(widest, title.text().length()), title.end());
    }

    @Test
    void eachPortShowsItsTopClientAndItsShareMarkedWhenApproximate() {
        WindowReport w = SampleRecords.windowWithTalkersAndServices(SampleRecords.T0);
        Block b = blocks(run(0, false, s -> s.window(w))).get(0);
        assertEquals("tcp/443", b.cell(0, "PORT"));
        assertEquals("192.0.2.7 50%~", b.cell(0, "TOP CLIENT"), "half the packets, not exact");
        assertEquals("udp/53", b.cell(1, "PORT"));
        assertEquals("192.0.2.7 50%", b.cell(1, "TOP CLIENT"));
        assertEquals("-", b.cell(1, "SYN"));
        Block none = blocks(run(0, false, s -> s.window(SampleRecords.window(SampleRecords.T0,
                SampleRecords.mixedPorts())))).get(0);
        assertFalse(none.titles().stream().anyMatch(c -> c.text().equals("TOP CLIENT")), "no column without talkers");
    }

    @Test
    void healthLineSaysWhatThereIsToReportAndIsAbsentOtherwise() {
        List<PortStats> ports = SampleRecords.mixedPorts();
        WindowReport clean = SampleRecords.fileWindow(SampleRecords.T0, ports);
        WindowReport live = SampleRecords.window(SampleRecords.T0, ports);
        Map<String, WindowReport> cases = new LinkedHashMap<>();
        cases.put("clean file window", clean);
        cases.put("clean window without ports", SampleRecords.fileWindow(SampleRecords.T0, List.of()));
        cases.put("live, everything", live);
        cases.put("live, capture counters only", with(live, live.capture(), 0, 0));
        cases.put("live, without a gap", with(live, new CaptureStats(5, 1, 1), 0, 0));
        cases.put("live, down the whole window",
                with(live, new CaptureStats(0, 0, 0, 0, new Downtime(60_000_000_000L, 0)), 0, 0));
        cases.put("live, captured again at once",
                with(live, new CaptureStats(3, 0, 0, 0, new Downtime(999_999, 1)), 0, 0));
        cases.put("live, the ring froze", with(live, new CaptureStats(900, 40, 0, 3, Downtime.NONE), 0, 0));
        cases.put("live, idle: counters all zero", with(live, new CaptureStats(0, 0, 0), 0, 0));
        cases.put("live, counters beyond 32 bits", with(live,
                new CaptureStats(9_000_000_050L, 4_294_967_297L, 65_537), 0, 2_147_483_651L));
        cases.put("file, decode errors only", with(clean, null, 13, 0));
        cases.put("file, output drops only", with(clean, null, 0, 21));
        cases.put("file, errors and drops", with(clean, null, 13, 21));

        for (Map.Entry<String, WindowReport> c : cases.entrySet()) {
            WindowReport w = c.getValue();
            String text = run(0, false, s -> s.window(w));
            String[] lines = text.split("\n");
            Block b = blocks(text).get(0);
            assertEquals(lines[0], b.header(), c.getKey());
            assertEquals(health(w), health(b), c.getKey() + ": " + b.health());
            if (b.health() == null) {
                assertTrue(lines[1].startsWith("  PORT") || lines[1].equals("  (no TCP or UDP ports in this window)"),
                        c.getKey() + ": no health line, the ports come next: " + lines[1]);
            } else {
                assertEquals(b.health(), lines[1], c.getKey() + ": right under the header");
                assertTrue(lines[1].startsWith(HEALTH_INDENT) && !lines[1].startsWith(HEALTH_INDENT + " "),
                        "indented by three: '" + lines[1] + "'");
                assertTrue(lines[2].startsWith("  PORT") || lines[2].startsWith("  (no TCP"), c.getKey());
            }
            assertEquals(w.ports().size(), b.rows().size(), c.getKey());
        }
        // the counts it shows are each the record's own, and every one of the eight is named
        WindowReport all = cases.get("live, everything");
        assertEquals(List.of(Map.entry("received", all.capture().received()),
                Map.entry("dropped by kernel", all.capture().droppedByKernel()),
                Map.entry("by interface", all.capture().droppedByInterface()),
                Map.entry("ring froze", all.capture().ringFreezes()),
                Map.entry("down", all.capture().downNanos() / 1_000_000),
                Map.entry("reattached", all.capture().reattached()),
                Map.entry("decode errors", all.decodeErrors()),
                Map.entry("output dropped", all.outputDropped())),
                health(blocks(run(0, false, s -> s.window(all))).get(0)));
        assertTrue(all.capture().received() > 0 && all.capture().droppedByKernel() > 0
                && all.capture().droppedByInterface() > 0 && all.capture().ringFreezes() > 0
                && all.capture().downNanos() > 0
                && all.capture().reattached() > 0 && all.decodeErrors() > 0 && all.outputDropped() > 0,
                "the sample sets every count");
    }

    /** {@code w} with other capture counters, decode errors and output drops. */
    private static WindowReport with(WindowReport w, CaptureStats capture, long decodeErrors, long outputDropped) {
        return new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                w.activeFlows(), decodeErrors, capture, 0).withOutputDropped(outputDropped);
    }

    @Test
    void refreshClearsTheScreenBeforeEachWindowAndTheDefaultNever() {
        long t = SampleRecords.T0;
        List<WindowReport> windows = List.of(
                SampleRecords.window(t, SampleRecords.mixedPorts()),
                SampleRecords.window(t + SampleRecords.MINUTE, List.of()),
                SampleRecords.fileWindow(t + 2 * SampleRecords.MINUTE, SampleRecords.shuffledPorts(12, 3)));
        Consumer<TableSink> body = s -> {
            s.flow(SampleRecords.tcpFlow());
            s.window(windows.get(0));
            s.window(windows.get(1));
            s.flow(onInput(SampleRecords.udpFlow()));
            s.window(windows.get(2));
            s.summary(SampleRecords.summary());
        };
        String plain = run(0, true, body);
        String refreshed = raw(new TableSinkFactory(0, true, true), body);

        assertEquals(plain, refreshed.replace(CLEAR, ""), "refresh adds the clear sequence and nothing else");
        List<Integer> clears = new ArrayList<>();
        for (int at = refreshed.indexOf(CLEAR); at >= 0; at = refreshed.indexOf(CLEAR, at + 1)) {
            clears.add(at);
        }
        List<Block> blocks = blocks(plain);
        assertEquals(windows.size(), blocks.size());
        assertEquals(windows.size(), clears.size(), "one clear per window");
        assertEquals(0, (int) clears.get(0), "nothing before the first clear");
        for (int i = 0; i < windows.size(); i++) {
            assertTrue(refreshed.startsWith(blocks.get(i).header() + "\n", clears.get(i) + CLEAR.length()),
                    "window " + i + "'s header right after its clear");
            Matcher h = HEADER.matcher(blocks.get(i).header());
            assertTrue(h.matches(), blocks.get(i).header());
            assertEquals(windows.get(i).startNanos(), nanos(h.group(2)), "windows in their order");
        }
        assertTrue(refreshed.indexOf("== summary") > clears.get(clears.size() - 1), "the summary stays on screen");

        // the default, with either constructor, never writes an escape code (run() checks)
        assertEquals(plain, raw(new TableSinkFactory(0, true, false), body));
        assertFalse(plain.contains(CLEAR));
    }

    @Test
    void aLiveTableKeepsTheRecentAlertsAndTheTotalsOnScreenAcrossWindows() {
        List<io.portwatch.analysis.output.Alert> sample = SampleRecords.alerts();
        io.portwatch.analysis.output.Alert deny = onInput(sample.get(5)); // policy_violation, high
        io.portwatch.analysis.output.Alert flood = sample.get(3); // syn_flood, critical, no single source
        long t = SampleRecords.T0;
        long minute = SampleRecords.MINUTE;
        Consumer<TableSink> body = s -> {
            for (int port = 1; port <= 300; port++) { // a flood of policy alerts in the first window
                s.alert(new io.portwatch.analysis.output.Alert(deny.input(), deny.kind(), t + port, "127.77.0.66",
                        "127.77.0.10", Transport.TCP, port, deny.severity(), deny.details()));
            }
            s.alert(flood);
            s.window(SampleRecords.window(t, SampleRecords.mixedPorts()));
            s.window(SampleRecords.window(t + minute, List.of())); // then quiet windows
            s.window(SampleRecords.window(t + 2 * minute, List.of()));
        };
        String screen = raw(new TableSinkFactory(0, false, true), body);
        String last = screen.substring(screen.lastIndexOf(CLEAR) + CLEAR.length());
        assertFalse(last.contains("  alerts: "), "the last window raised none: " + last);
        List<String> lines = List.of(last.split("\n"));
        int at = lines.indexOf("  recent alerts, all windows, newest first:");
        assertTrue(at > 0, "still on screen after the window that raised them: " + last);
        assertEquals(List.of("KIND", "SEVERITY", "SOURCE", "ALERTS", "TARGET", "PORT", "FIRST", "LAST"),
                List.of(lines.get(at + 1).strip().split(" {2,}")));
        assertEquals(List.of("syn_flood", "critical", "*", "1", "127.0.0.10", "tcp/8080",
                Formats.instant(flood.timeNanos()), Formats.instant(flood.timeNanos())),
                List.of(lines.get(at + 2).strip().split(" {2,}")), "the newest first, with its time");
        assertEquals(List.of("policy_violation", "high", "127.77.0.66", "300", "127.77.0.10", "300 ports",
                Formats.instant(t + 1), Formats.instant(t + 300)), List.of(lines.get(at + 3).strip().split(" {2,}")));
        assertEquals("  alerts since the start: 301 (syn_flood 1, policy_violation 300)", lines.get(at + 4));

        // the last ten kinds and sources stay; the totals count every alert
        String many = raw(new TableSinkFactory(0, false, true), s -> {
            body.accept(s);
            for (int i = 1; i <= 12; i++) {
                s.alert(new io.portwatch.analysis.output.Alert(SampleRecords.INPUT,
                        io.portwatch.analysis.output.Alert.Kind.NEW_SERVICE, t + 3 * minute + i, "10.0.0." + i,
                        "10.0.1.1", Transport.UDP, 5000 + i, io.portwatch.analysis.output.Alert.Severity.LOW, Map.of()));
            }
            s.window(SampleRecords.window(t + 3 * minute, List.of()));
            s.window(SampleRecords.window(t + 4 * minute, List.of()));
        });
        List<String> end = List.of(many.substring(many.lastIndexOf(CLEAR) + CLEAR.length()).split("\n"));
        int r = end.indexOf("  recent alerts, all windows, newest first:");
        List<String> sources = new ArrayList<>();
        for (String line : end.subList(r + 2, r + 12)) {
            sources.add(line.strip().split(" {2,}")[2]);
        }
        assertEquals(List.of("10.0.0.12", "10.0.0.11", "10.0.0.10", "10.0.0.9", "10.0.0.8", "10.0.0.7", "10.0.0.6",
                "10.0.0.5", "10.0.0.4", "10.0.0.3"), sources);
        assertEquals("  alerts since the start: 313 (syn_flood 1, new_service 12, policy_violation 300)",
                end.get(r + 12));

        // a table of a capture file has neither: every window's alerts stay in what it wrote
        String file = run(0, false, body);
        assertFalse(file.contains("recent alerts") || file.contains("since the start"), file);
    }

    @Test
    void udpOnlyWindowsHaveNoTcpColumns() {
        WindowReport w = SampleRecords.window(SampleRecords.T0, List.of(SampleRecords.udp(5353, "mdns", 300, 0),
                SampleRecords.udp(53, "domain", 30, 30)));
        Block b = blocks(run(0, false, s -> s.window(w))).get(0);
        assertAligned(b);
        assertEquals(List.of("PORT", "SERVICE", "CLASS", "FLOWS", "ACTIVE", "PACKETS", "TO SRV", "TO CLI", "BYTES",
                "CLIENTS"), b.titles().stream().map(Cell::text).toList());
    }

    @Test
    void topNCutsRowsAndSaysHowManyMore() {
        List<PortStats> ports = SampleRecords.shuffledPorts(5, 11);
        WindowReport w = SampleRecords.window(SampleRecords.T0, ports);
        List<PortStats> busiest = new ArrayList<>(ports);
        busiest.sort(Comparator.comparingLong(PortStats::packets).reversed());
        for (int topN : new int[] {1, 2, 4, 5, 6, 0}) {
            Block b = blocks(run(topN, false, s -> s.window(w))).get(0);
            int shown = topN == 0 ? ports.size() : Math.min(topN, ports.size());
            assertEquals(shown, b.rows().size(), "topN " + topN);
            for (int r = 0; r < shown; r++) {
                assertEquals(busiest.get(r).transport().key() + "/" + busiest.get(r).port(), b.cell(r, "PORT"));
            }
            int more = ports.size() - shown;
            List<String> moreLines = b.after().stream().filter(l -> l.contains("more port")).toList();
            if (more == 0) {
                assertEquals(List.of(), moreLines, "topN " + topN);
            } else {
                assertEquals(List.of("  (" + more + " more port" + (more == 1 ? "" : "s") + ")"), moreLines,
                        "topN " + topN);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new TableSink(System.out, -1, false));
    }

    @Test
    void aWindowWithoutPortsSaysSo() {
        WindowReport w = SampleRecords.window(SampleRecords.T0, List.of());
        Block b = blocks(run(0, false, s -> s.window(w))).get(0);
        assertTrue(b.rows().isEmpty());
        assertEquals(List.of("  (no TCP or UDP ports in this window)"), b.after());
    }

    @Test
    void flowsAreListedAlignedWhenAskedFor() {
        List<FlowRecord> flows = List.of(SampleRecords.tcpFlow(), onInput(SampleRecords.udpFlow()));
        WindowReport w = SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts());
        String text = run(0, true, s -> {
            flows.forEach(s::flow);
            s.window(w);
        });
        Block b = blocks(text).get(0);
        assertEquals("  flows ended: " + flows.size(), b.after().get(0));
        List<List<Cell>> rows = b.after().subList(1, 1 + flows.size()).stream().map(TableSinkTest::cells).toList();
        for (int i = 0; i < flows.size(); i++) {
            FlowRecord f = flows.get(i);
            List<Cell> row = rows.get(i);
            assertEquals(f.transport().key(), row.get(0).text());
            String client = f.clientIp().contains(":") ? "[" + f.clientIp() + "]:" + f.clientPort()
                    : f.clientIp() + ":" + f.clientPort();
            String server = f.serverIp().contains(":") ? "[" + f.serverIp() + "]:" + f.serverPort()
                    : f.serverIp() + ":" + f.serverPort();
            assertEquals(client, row.get(1).text());
            assertEquals("->", row.get(2).text());
            assertEquals(server, row.get(3).text());
            assertEquals(f.startNanos(), nanos(row.get(4).text()));
            assertEquals(f.packets() + " pkts", row.get(6).text());
            assertHumanBytes(f.bytes(), row.get(7).text());
            assertEquals(f.state(), row.get(8).text());
            assertEquals(f.endReason().key(), row.get(9).text());
        }
        assertEquals("FIN,SYN,PSH,ACK", rows.get(0).get(10).text());
        assertEquals(10, rows.get(1).size(), "no flags for udp");
        for (int c = 0; c < 10; c++) {
            boolean right = c >= 5 && c <= 7;
            Cell a = rows.get(0).get(c);
            Cell z = rows.get(1).get(c);
            assertEquals(right ? a.end() : a.start(), right ? z.end() : z.start(), "flow column " + c);
        }
        // without flows asked for, flow records change nothing
        String without = run(0, false, s -> {
            flows.forEach(s::flow);
            s.window(w);
        });
        assertEquals(run(0, false, s -> s.window(w)), without);
        assertFalse(without.contains("flows ended"));
    }

    @Test
    void flowsComeUnderTheirWindowsHeaderHoweverManyAndWhateverComesBetween() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        TableSink sink = new TableSink(out, 0, true);
        FlowRecord f = SampleRecords.tcpFlow();
        int many = TableSink.MAX_FLOWS + 234;
        for (int i = 0; i < many; i++) {
            sink.flow(f);
            if (i % 500 == 0) {
                sink.flush(); // as a lane of read --separate flushes its held records
            }
        }
        FlowRecord other = SampleRecords.udpFlow(); // another input's flow, before this input's window
        sink.flow(other);
        assertEquals(0, bytes.size(), "nothing before the window's header");
        WindowReport w = SampleRecords.fileWindow(SampleRecords.T0, List.of());
        sink.window(w);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].startsWith("== " + f.input() + "  "), lines[0]);
        assertEquals("  flows ended: " + many, lines[2]);
        for (int i = 0; i < TableSink.MAX_FLOWS; i++) {
            assertTrue(lines[3 + i].startsWith("    tcp  127.0.0.24:52662  ->  127.0.0.10:8080"), lines[3 + i]);
        }
        assertEquals("  (234 more flows: --format json lists every one)", lines[3 + TableSink.MAX_FLOWS]);
        assertEquals(4 + TableSink.MAX_FLOWS, lines.length, "the other input's flow waits for its own window");
        // the other input's flow under its own summary, not the first input's
        sink.summary(SampleRecords.emptySummary());
        bytes.reset();
        sink.summary(new Summary(other.input(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), List.of()));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("== summary  " + other.input() + "  "), text);
        assertTrue(text.contains("\n  flows ended: 1\n    udp  [2001:db8::33]:60887  ->  [2001:db8::10]:5353  "),
                text);
    }

    @Test
    void summaryShowsTotalsProtocolsErrorsAndInputErrors() {
        Summary s = SampleRecords.summary();
        String text = run(0, false, k -> k.summary(s));
        String[] lines = text.split("\n");
        assertEquals("== summary  " + s.input() + "  " + Formats.instant(s.firstNanos()) + " - "
                + Formats.instant(s.lastNanos()), lines[0]);
        Matcher range = Pattern.compile("  (\\S+) - (\\S+)$").matcher(lines[0]);
        assertTrue(range.find());
        assertEquals(s.firstNanos(), nanos(range.group(1)));
        assertEquals(s.lastNanos(), nanos(range.group(2)));

        Map<String, List<String>> rows = new LinkedHashMap<>();
        List<String> messages = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            List<Cell> c = cells(lines[i]);
            if (lines[i].startsWith("    ") && c.size() == 1) {
                messages.add(c.get(0).text());
            } else {
                rows.put(c.get(0).text(), c.subList(1, c.size()).stream().map(Cell::text).toList());
            }
        }
        assertEquals(List.of(Long.toString(s.packets())), rows.get("packets"));
        assertHumanBytes(s.bytes(), rows.get("bytes").get(0));
        Map<String, Long> shares = Map.of("tcp", s.tcpPackets(), "udp", s.udpPackets(), "fragments",
                s.fragmentPackets(), "other ip", s.otherIpPackets(), "non-ip", s.nonIpPackets());
        shares.forEach((label, n) -> {
            List<String> v = rows.get(label);
            assertEquals(Long.toString(n), v.get(0), label);
            double pct = Double.parseDouble(v.get(1).replace("%", ""));
            assertEquals(100.0 * n / s.packets(), pct, 0.05, label);
        });
        assertEquals(List.of(Long.toString(s.flows())), rows.get("flows"));
        assertEquals(List.of(Long.toString(s.flowsEvicted())), rows.get("flows evicted"));
        assertEquals(List.of(Long.toString(s.decodeErrorTotal())), rows.get("decode errors"));
        s.decodeErrors().forEach((reason, n) -> assertEquals(List.of(Long.toString(n)), rows.get(reason), reason));
        long linkFrames = s.unknownLinkTypes().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(List.of(Long.toString(linkFrames)), rows.get("unknown link types"));
        s.unknownLinkTypes().forEach((name, n) -> assertEquals(List.of(Long.toString(n)), rows.get(name), name));
        assertEquals(List.of(Integer.toString(s.inputErrors().size())), rows.get("input errors"));
        assertEquals(s.inputErrors(), messages);
        // value columns line up: every count ends at the same offset
        Map<Integer, Integer> ends = new HashMap<>();
        for (int i = 1; i < lines.length - messages.size(); i++) {
            ends.merge(cells(lines[i]).get(1).end(), 1, Integer::sum);
        }
        assertEquals(1, ends.size(), "one value column: " + ends);
    }

    @Test
    void summaryWithoutPacketsSaysSo() {
        Summary s = SampleRecords.emptySummary();
        String text = run(0, false, k -> k.summary(s));
        assertTrue(text.startsWith("== summary  " + s.input() + "  no packets\n"), text);
        assertFalse(text.contains("%"), "no shares of nothing");
        assertTrue(text.contains("\n    " + s.inputErrors().get(0) + "\n"), text);
    }

    @Test
    void corpusScanShowsTheBusiestPortsAndCountsTheRest() throws IOException {
        JsonNode ref = CorpusRecords.reference("nmap-connect-scan.pcap");
        WindowReport w = CorpusRecords.window(ref, SampleRecords.T0);
        int topN = 10;
        Block b = blocks(run(topN, false, s -> s.window(w))).get(0);
        assertAligned(b);
        assertEquals(topN, b.rows().size());
        long max = 0;
        for (JsonNode p : ref.get("ports")) {
            max = Math.max(max, p.get("packets").asLong());
        }
        assertEquals(Long.toString(max), b.cell(0, "PACKETS"));
        for (int r = 1; r < topN; r++) {
            assertTrue(Long.parseLong(b.cell(r - 1, "PACKETS")) >= Long.parseLong(b.cell(r, "PACKETS")));
        }
        assertTrue(b.after().contains("  (" + (ref.get("ports").size() - topN) + " more ports)"), b.after().toString());
    }
}
