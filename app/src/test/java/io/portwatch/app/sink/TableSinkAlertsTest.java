package io.portwatch.app.sink;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PortPolicy;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.capture.source.CaptureFileSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table's alerts and flows as the analyzer hands them over: the project's sample capture (an nmap
 * SYN scan of a hundred ports among other traffic) under a default-deny policy, which raises an alert
 * per port probed.
 */
class TableSinkAlertsTest {

    private static final long MS = 1_000_000L;

    /** Keeps every record in the order it was handed over. */
    static final class Recorder implements RecordSink {
        final List<Object> records = new ArrayList<>();

        @Override
        public void window(WindowReport report) {
            records.add(report);
        }

        @Override
        public void flow(FlowRecord flow) {
            records.add(flow);
        }

        @Override
        public void alert(Alert alert) {
            records.add(alert);
        }

        @Override
        public void summary(Summary summary) {
            records.add(summary);
        }
    }

    static Path sample() {
        Path p = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
        assertTrue(Files.isRegularFile(p), "the project's sample capture: " + p);
        return p;
    }

    /** The records the analyzer gives for the sample under {@code policy}, flows included. */
    static List<Object> analyzeSample(long intervalNanos, String... policy) throws Exception {
        DetectConfig d = DetectConfig.defaults().withPolicy(PortPolicy.parse("policy.txt", List.of(policy)), 1000);
        Recorder r = new Recorder();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(intervalNanos, FlowConfig.defaults(), true, d),
                "sample.pcap", r);
        try (CaptureFileSource s = CaptureFileSource.open(sample().toString())) {
            s.run(a);
        }
        a.finish();
        return r.records;
    }

    static String table(List<Object> records, int top, boolean flows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            TableSink sink = new TableSink(out, top, flows);
            records.forEach(r -> Records.deliver(sink, r));
            sink.close();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A row as the test expects it, from the alerts themselves. */
    record Row(String kind, String severity, String source, long alerts, String target, String port, long first,
               long last) {
        List<String> cells() {
            return List.of(kind, severity, source, Long.toString(alerts), target, port, Formats.instant(first),
                    Formats.instant(last));
        }
    }

    /** The alerts grouped by kind and source, highest severity first, then most alerts, then earliest. */
    static List<Row> rows(List<Alert> alerts) {
        Map<List<Object>, List<Alert>> byKey = new LinkedHashMap<>();
        for (Alert a : alerts) {
            byKey.computeIfAbsent(java.util.Arrays.asList(a.kind(), a.source()), k -> new ArrayList<>()).add(a);
        }
        List<Row> rows = new ArrayList<>();
        for (List<Alert> g : byKey.values()) {
            Alert.Severity sev = g.stream().map(Alert::severity).max(Comparator.naturalOrder()).orElseThrow();
            Set<String> targets = new HashSet<>();
            Set<String> ports = new HashSet<>();
            g.forEach(a -> {
                targets.add(a.target() == null ? "*" : a.target());
                ports.add((a.transport() == null ? "*" : a.transport().key()) + "/" + (a.port() == null ? "*" : a.port()));
            });
            Alert a0 = g.get(0);
            rows.add(new Row(a0.kind().key(), sev.key(), a0.source() == null ? "*" : a0.source(), g.size(),
                    targets.size() == 1 ? targets.iterator().next() : targets.size() + " targets",
                    ports.size() == 1 ? ports.iterator().next() : ports.size() + " ports",
                    g.stream().mapToLong(Alert::timeNanos).min().orElseThrow(),
                    g.stream().mapToLong(Alert::timeNanos).max().orElseThrow()));
        }
        rows.sort(Comparator.comparing((Row r) -> Alert.Severity.valueOf(r.severity().toUpperCase())).reversed()
                .thenComparing(Comparator.comparingLong(Row::alerts).reversed())
                .thenComparingLong(Row::first)
                .thenComparing(r -> Alert.Kind.valueOf(r.kind().toUpperCase()))
                .thenComparing(r -> r.source().equals("*") ? "" : r.source()));
        return rows;
    }

    /** The lines of each block (a window's or the summary's), from its header to the blank line after it. */
    static List<List<String>> blocks(String text) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("== ")) {
                current = new ArrayList<>();
                blocks.add(current);
            }
            assertTrue(current != null || line.isEmpty(), "nothing before the first header: " + line);
            if (current != null && !line.isEmpty()) {
                current.add(line);
            }
        }
        return blocks;
    }

    /** The alerts each block must summarise: those handed over since the previous window. */
    static List<List<Alert>> alertsByBlock(List<Object> records) {
        List<List<Alert>> out = new ArrayList<>();
        List<Alert> pending = new ArrayList<>();
        for (Object r : records) {
            if (r instanceof Alert a) {
                pending.add(a);
            } else if (r instanceof WindowReport || r instanceof Summary) {
                out.add(pending);
                pending = new ArrayList<>();
            }
        }
        return out;
    }

    @Test
    void aDefaultDenyPolicyUnderAScanIsOneRowPerKindAndSourceBoundedByTop() throws Exception {
        List<Object> records = analyzeSample(100 * MS, "default deny");
        List<List<Alert>> expected = alertsByBlock(records);
        long total = expected.stream().mapToLong(List::size).sum();
        assertTrue(total >= 100, "the scan's probes each raise a policy alert: " + total);
        boolean cut = false;
        boolean flood = false;
        for (int top : new int[] {0, 3, 1}) {
            String text = table(records, top, false);
            List<List<String>> blocks = blocks(text);
            assertEquals(expected.size(), blocks.size(), "the windows and the summary");
            for (int b = 0; b < blocks.size(); b++) {
                List<String> lines = blocks.get(b);
                List<Alert> alerts = expected.get(b);
                int at = -1;
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).startsWith("  alerts: ")) {
                        at = i;
                    }
                }
                if (alerts.isEmpty()) {
                    assertEquals(-1, at, "no alerts line without alerts: " + lines);
                    continue;
                }
                assertEquals("  alerts: " + alerts.size() + ", by kind and source:", lines.get(at));
                assertEquals(List.of("KIND", "SEVERITY", "SOURCE", "ALERTS", "TARGET", "PORT", "FIRST", "LAST"),
                        List.of(lines.get(at + 1).strip().split(" {2,}")));
                List<Row> want = rows(alerts);
                int shown = top == 0 ? want.size() : Math.min(top, want.size());
                for (int r = 0; r < shown; r++) {
                    String line = lines.get(at + 2 + r);
                    assertTrue(line.startsWith("    "), line);
                    assertEquals(want.get(r).cells(), List.of(line.strip().split(" {2,}")), "row " + r);
                }
                List<String> rest = lines.subList(at + 2 + shown, lines.size());
                if (shown < want.size()) {
                    long more = want.subList(shown, want.size()).stream().mapToLong(Row::alerts).sum();
                    assertEquals(List.of("  (" + (want.size() - shown) + " more kinds and sources: " + more
                            + (more == 1 ? " alert)" : " alerts)")), rest);
                    cut = true;
                } else {
                    assertEquals(List.of(), rest);
                }
                flood |= want.stream().anyMatch(w -> w.alerts() >= 50 && w.port().matches("\\d+ ports"));
                assertTrue(lines.size() - at <= 2 + want.size() + 1, "one line per row");
            }
        }
        assertTrue(cut, "--top cut some window's rows");
        assertTrue(flood, "the scan's policy alerts made one row of many ports");
    }

    @Test
    void flowsAreListedUnderTheirWindowsHeaderNeverBeforeIt() throws Exception {
        List<Object> records = analyzeSample(100 * MS, "default allow");
        String text = table(records, 0, true);
        List<List<String>> blocks = blocks(text); // checks that nothing comes before the first header
        // each window lists the flows handed over before it, under its header
        List<Long> want = new ArrayList<>();
        long n = 0;
        for (Object r : records) {
            if (r instanceof FlowRecord) {
                n++;
            } else if (r instanceof WindowReport || r instanceof Summary) {
                want.add(n);
                n = 0;
            }
        }
        List<Long> got = new ArrayList<>();
        for (List<String> b : blocks) {
            got.add(b.stream().filter(l -> l.startsWith("  flows ended: ")).mapToLong(
                    l -> Long.parseLong(l.substring("  flows ended: ".length()))).sum());
        }
        assertEquals(want, got);
        assertTrue(want.stream().mapToLong(Long::longValue).sum() > 100, "the sample's flows");
    }
}
