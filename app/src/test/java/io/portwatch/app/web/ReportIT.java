package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portwatch read --report}: the report of corpus captures, opened from {@code file://} in headless
 * Chromium, shows the same numbers as {@code --format json} of the same capture with the same interval:
 * every port's cells, for the whole capture (summed) and for one window, the summary, and a scan's
 * evidence.
 */
class ReportIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DATA = Pattern.compile(
            "<script type=\"application/json\" id=\"portwatch-data\">(.*?)</script>", Pattern.DOTALL);
    private static final String[] ADDITIVE = {"flows", "active_flows", "packets", "packets_to_server",
            "packets_to_client", "bytes"};
    private static final String[] TCP = {"established", "rejected", "unanswered", "rst"};

    private static Path jar;
    private static Browser browser;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Runs the jar; returns its standard output; fails on a status other than 0. */
    private String portwatch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path err = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        return out + Files.readString(err);
    }

    private static List<JsonNode> records(String out, String type) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("{")) {
                JsonNode n = JSON.readTree(l);
                if (n.get("type").asText().equals(type)) {
                    found.add(n);
                }
            }
        }
        return found;
    }

    /** The report of a capture, and the JSON records of the same capture with the report's interval. */
    private List<JsonNode> reportAndJson(Path capture, Path report) throws Exception {
        String said = portwatch("read", "--report", report.toString(), capture.toString());
        assertTrue(said.contains("for the report (chosen for 100-200 points"), said);
        Matcher m = DATA.matcher(Files.readString(report));
        assertTrue(m.find(), "the report's data");
        JsonNode data = JSON.readTree(m.group(1));
        long interval = data.get("interval_ns").asLong();
        assertTrue(interval > 0);
        String json = portwatch("read", "--format", "json", "--interval", interval + "ns", capture.toString());
        List<JsonNode> windows = records(json, "window");
        assertTrue(windows.size() >= 80 && windows.size() <= 200, "windows with traffic: " + windows.size());
        assertEquals(windows.size(), data.get("windows").size(), "one window in the report for each in the JSON");
        List<JsonNode> all = new ArrayList<>(records(json, "port_stats"));
        all.addAll(windows);
        all.addAll(records(json, "summary"));
        all.addAll(records(json, "alert"));
        browser.open(report.toUri().toString());
        browser.awaitReady();
        assertEquals(String.valueOf(interval), browser.find("#interval-note").getAttribute("data-interval-ns"));
        return all;
    }

    /**
     * The table's cells as the page shows them, read in one go (a thousand rows cell by cell would take
     * minutes of WebDriver round trips): by port, each field's {@code data-value} and, as {@code FIELD_text},
     * its text.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, String>> table() {
        List<Map<String, String>> rows = (List<Map<String, String>>) browser.script(
                "return [...document.querySelectorAll('#ports-table tbody tr[data-port]')].map(r => {"
                        + " const o = {_row: r.dataset.port};"
                        + " r.querySelectorAll('td[data-field]').forEach(td => {"
                        + "  o[td.dataset.field] = td.dataset.value; o[td.dataset.field + '_text'] = td.textContent; });"
                        + " return o; });");
        Map<String, Map<String, String>> byPort = new HashMap<>();
        for (Map<String, String> r : rows) {
            byPort.put(r.get("_row"), r);
        }
        assertEquals(rows.size(), byPort.size(), "one row a port");
        return byPort;
    }

    /** Every port's row against the JSON's port_stats: summed over the windows, or of one window. */
    private static void assertTableShows(List<JsonNode> portStats, boolean oneWindow) {
        Map<String, Map<String, Long>> expected = new HashMap<>();
        for (JsonNode p : portStats) {
            Map<String, Long> e = expected.computeIfAbsent(p.get("transport").asText() + "/" + p.get("port").asInt(),
                    k -> new HashMap<>());
            for (String f : ADDITIVE) {
                e.merge(f, p.get(f).asLong(), Long::sum);
            }
            for (String f : TCP) {
                if (p.has("tcp")) {
                    e.merge(f, p.at("/tcp/" + f).asLong(), Long::sum);
                }
            }
            e.merge("unique_clients", p.get("unique_clients").asLong(), oneWindow ? Long::sum : Math::max);
            e.merge("unique_servers", p.get("unique_servers").asLong(), oneWindow ? Long::sum : Math::max);
        }
        Map<String, Map<String, String>> rows = table();
        assertEquals(expected.keySet(), rows.keySet(), "a row for each port");
        for (Map.Entry<String, Map<String, String>> row : rows.entrySet()) {
            String port = row.getKey();
            Map<String, Long> e = expected.get(port);
            for (Map.Entry<String, Long> f : e.entrySet()) {
                assertEquals(String.valueOf(f.getValue()), row.getValue().get(f.getKey()), port + " " + f.getKey());
            }
            // counts are shown as they are (bytes in kB: their exact count in data-value)
            assertEquals(String.valueOf(e.get("packets")), row.getValue().get("packets_text"), port);
            assertEquals(String.valueOf(e.get("flows")), row.getValue().get("flows_text"), port);
        }
    }

    @Test
    void theReportOfHttpSessionsShowsWhatTheJsonSays() throws Exception {
        Path report = tmp.resolve("http-sessions.html");
        List<JsonNode> json = reportAndJson(Corpus.file("captures", "http-sessions.pcap"), report);
        List<JsonNode> ports = json.stream().filter(r -> r.get("type").asText().equals("port_stats")).toList();
        assertTableShows(ports, false);
        browser.screenshot("report");

        // one window: the busiest
        JsonNode busiest = json.stream().filter(r -> r.get("type").asText().equals("window"))
                .max((a, b) -> Long.compare(a.get("packets").asLong(), b.get("packets").asLong())).orElseThrow();
        String start = busiest.get("window_start").asText();
        Object seq = browser.script("return String(window.portwatch.state.windows.find(w => w.window.window_start === arguments[0]).seq)", start);
        new Select(browser.find("#window-select")).selectByValue((String) seq);
        assertEquals(seq, browser.find("#ports-table").getAttribute("data-window"));
        assertTableShows(ports.stream().filter(p -> p.get("window_start").asText().equals(start)).toList(), true);

        JsonNode summary = json.stream().filter(r -> r.get("type").asText().equals("summary")).findFirst().orElseThrow();
        assertEquals(summary.get("packets").asText(), browser.find("#summary tr[data-field='packets'] td").getText());
        assertEquals("none", browser.find("#summary tr[data-field='decode_errors'] td").getText());

        // a port's page from the report: its counts over the capture
        browser.select("#window-select", "all");
        String busiestPort = browser.find("#ports-table tbody tr[data-port]").getAttribute("data-port");
        browser.find("#ports-table tbody tr[data-port] a").click();
        assertEquals(busiestPort, browser.attr("#port-page", "data-port"));
        long flows = ports.stream().filter(p -> (p.get("transport").asText() + "/" + p.get("port").asInt()).equals(busiestPort))
                .mapToLong(p -> p.get("flows").asLong()).sum();
        assertEquals(String.valueOf(flows), browser.find("#port-counts tr[data-field='flows'] td").getText());
        browser.screenshot("report-port");
    }

    @Test
    void theReportOfAnNmapScanShowsTheScanAndItsEvidence() throws Exception {
        Path report = tmp.resolve("nmap-syn-scan.html");
        List<JsonNode> json = reportAndJson(Corpus.file("captures", "nmap-syn-scan.pcap"), report);
        assertTableShows(json.stream().filter(r -> r.get("type").asText().equals("port_stats")).toList(), false);
        JsonNode scan = json.stream().filter(r -> r.get("type").asText().equals("alert")).findFirst().orElseThrow();
        List<WebElement> markers = browser.all("#alert-timeline circle[data-kind='port_scan']");
        assertEquals(1, markers.size(), "the scan on the timeline");
        markers.get(0).click();
        WebElement evidence = browser.find("#alert-evidence");
        assertTrue(evidence.isDisplayed());
        assertEquals(scan.get("ports").asText() + " (" + scan.at("/port_range/0").asText() + " \u2013 "
                + scan.at("/port_range/1").asText() + ")", browser.find("#evidence-facts tr[data-field='ports'] td").getText());
        assertEquals(scan.get("failed_ports").asText(), browser.find("#evidence-facts tr[data-field='failed_ports'] td").getText());
        List<String> open = new ArrayList<>();
        scan.get("open_ports").forEach(o -> open.add(o.asText()));
        assertTrue(!open.isEmpty(), "nmap found open ports: " + scan);
        assertEquals(open.size() + ": " + String.join(", ", open),
                browser.find("#evidence-facts tr[data-field='open_ports'] td").getText());
        // the probed ports, those that answered marked
        List<String> marked = browser.all("#alert-evidence .items span.open").stream().map(WebElement::getText).distinct().toList();
        assertTrue(marked.containsAll(open), marked.toString());
        assertEquals(scan.get("source").asText(), browser.find("#alert-list tbody tr[data-alert] td:nth-child(4)").getText());
        browser.script("document.getElementById('alerts-section').scrollIntoView()");
        browser.screenshot("report-scan");
    }
}
