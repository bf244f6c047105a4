package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.app.EmbeddedKafka;
import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code portwatch fleet --http-port 0} watched in headless Chromium: sensors ({@code portwatch read --kafka
 * --sensor a|b|c} of corpus captures, an nmap scan among them) write to a real in-JVM broker, the fleet job
 * joins them, and the page shows what the fleet wrote, checked against the records read from its topics:
 * each window's ports with their counts, sensors and busiest sensors, the window totals, the inventory with
 * its sensors, the fleet scan with its summed evidence. The view listens on the loopback, asks for the
 * password given and never says it.
 */
class FleetWebIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
    /** Sensor and capture, in the order of the captures' time (the fleet's watermark only grows). */
    private static final String[][] SENSORS = {{"a", "nmap-syn-scan.pcap"}, {"a", "http-sessions.pcap"},
        {"b", "dns-queries.pcap"}, {"c", "busy-client.pcap"}};
    private static EmbeddedKafka kafka;
    private static Path jar;

    @TempDir
    Path tmp;

    private Process fleet;
    private Path fleetErr;
    private Browser browser;

    @BeforeAll
    static void start() throws Exception {
        jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        kafka = new EmbeddedKafka(true, 3);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (fleet != null && fleet.isAlive()) {
            fleet.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ProcessBuilder portwatch(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    private String said() {
        try {
            return Files.readString(fleetErr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The fleet's records on a topic, by key, the last one of each key. */
    private static Map<String, JsonNode> topic(String topic) throws IOException {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(List.of(topic))) {
            m.put(new String(r.key(), StandardCharsets.UTF_8), JSON.readTree(r.value()));
        }
        return m;
    }

    /** What one read of the captures says: its port records' windows and ports, as the fleet keys them. */
    private List<String> oneRead(List<Path> files) throws Exception {
        List<String> args = new ArrayList<>(List.of("read", "--interval", "1m", "--format", "json"));
        files.forEach(f -> args.add(f.toString()));
        Process p = portwatch(args.toArray(String[]::new)).redirectError(tmp.resolve("read.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("read.err")));
        List<String> keys = new ArrayList<>();
        for (String line : out.split("\n")) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals("port_stats")) {
                keys.add(n.get("transport").asText() + "/" + n.get("port").asInt() + "@" + n.get("window_start").asText());
            }
        }
        return keys;
    }

    @Test
    void thePageShowsTheFleetsWindowsInventoryAndScans() throws Exception {
        kafka.createTopics(3, "portwatch.ports", "portwatch.flows", "portwatch.alerts");
        List<Path> files = new ArrayList<>();
        for (String[] s : SENSORS) {
            Path f = Corpus.file("captures", s[1]);
            files.add(f);
            Process p = portwatch("read", "--interval", "1m", "--sensor", s[0], "--kafka", kafka.bootstrap(), f.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("sensor.out").toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("sensor.out")));
        }
        Path pw = tmp.resolve("password");
        Files.writeString(pw, PASSWORD + "\n");
        fleetErr = tmp.resolve("fleet.err");
        // a replay: the grace must cover the wall time the job takes over one window's records (docs/fleet.md)
        fleet = portwatch("fleet", "--kafka", kafka.bootstrap(), "--window", "1m", "--grace", "20s",
                "--state-dir", tmp.resolve("state").toString(), "--application-id", "webit",
                "--http-port", "0", "--http-password-file", pw.toString())
                .redirectErrorStream(true).redirectOutput(fleetErr.toFile()).start();
        Await.until(Duration.ofSeconds(60), () -> {
            assertTrue(fleet.isAlive(), "the fleet runs: " + said());
            return said().contains("portwatch: web view on ");
        }, () -> "the web view: " + said());
        String line = said().lines().filter(l -> l.startsWith("portwatch: web view on ")).findFirst().orElseThrow();
        assertTrue(line.endsWith("(password required)"), line);
        String url = line.substring("portwatch: web view on ".length()).split(" ")[0];
        assertTrue(url.startsWith("http://127.0.0.1:"), "the loopback by default: " + url);
        assertEquals(401, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "no page without the password");

        // the page first: the fleet's windows come to it as they close
        browser = Browser.start();
        browser.open(url.replace("http://", "http://portwatch:" + PASSWORD + "@"));
        browser.awaitReady();
        assertEquals("fleet", browser.attr("body", "data-mode"));

        List<String> want = oneRead(files);
        Map<String, JsonNode> ports = new TreeMap<>();
        Await.until(Duration.ofSeconds(120), () -> {
            ports.clear();
            ports.putAll(topic("portwatch.fleet.ports"));
            return ports.keySet().containsAll(want);
        }, () -> "the fleet's records of " + want.size() + " ports, got " + ports.size() + ": " + said());
        Map<String, List<JsonNode>> byWindow = new TreeMap<>();
        ports.values().forEach(n -> byWindow.computeIfAbsent(n.get("window_start").asText(), k -> new ArrayList<>()).add(n));
        assertEquals(2, byWindow.size(), "the scan's minute and the sessions' minute: " + byWindow.keySet());

        // each window as the fleet wrote it: its totals, then its ports (the latest all, the older its busiest)
        // a window is shown once its records pause, and again, whole, when more come (each fleet task closes
        // it on its own clock): wait until each row counts all of its ports
        Await.until(Duration.ofSeconds(30), () -> {
            if (browser.all("#health tbody tr[data-window]").size() != 2
                    || browser.all("#ports-table tbody tr[data-port]").size() != last(byWindow).size()) {
                return false;
            }
            for (Map.Entry<String, List<JsonNode>> w : byWindow.entrySet()) {
                String cell = browser.text("#health tr[data-window='" + w.getKey() + "'] td[data-field='ports']");
                if (!cell.equals(Integer.toString(w.getValue().size()))) {
                    return false;
                }
            }
            return true;
        }, () -> "the two windows on the page, whole: " + browser.text("#health") + " " + browser.logs());
        for (Map.Entry<String, List<JsonNode>> w : byWindow.entrySet()) {
            String row = "#health tr[data-window='" + w.getKey() + "'] ";
            assertEquals(sum(w.getValue(), "packets"), Long.parseLong(browser.text(row + "td[data-field='packets']")));
            assertEquals(w.getValue().size(), Integer.parseInt(browser.text(row + "td[data-field='ports']")));
        }
        checkPorts(last(byWindow), last(byWindow).size());
        browser.screenshot("fleet");
        String older = byWindow.keySet().iterator().next();
        String seq = String.valueOf(browser.script("return String(window.portwatch.state.windows.find("
                + "w => w.window.window_start === arguments[0]).seq)", older));
        browser.select("#window-select", seq);
        Await.until(Duration.ofSeconds(10), () -> seq.equals(browser.attr("#ports-table", "data-window")), "the older window");
        int kept = Math.min(byWindow.get(older).size(), WebModel.Limits.live().portsKept());
        checkPorts(byWindow.get(older), kept);
        assertTrue(browser.text("#ports-note").contains("the window had " + byWindow.get(older).size()),
                browser.text("#ports-note"));

        // a port two sensors saw: its page names them with their packets
        JsonNode shared = last(byWindow).stream().filter(n -> n.get("sensors").asInt() >= 2)
                .max(Comparator.comparingLong(n -> n.get("packets").asLong())).orElseThrow();
        String key = shared.get("transport").asText() + "/" + shared.get("port").asInt();
        browser.select("#window-select", "latest");
        browser.click("#ports-table tbody tr[data-port='" + key + "'] a");
        Await.until(Duration.ofSeconds(10), () -> key.equals(browser.attr("#port-page", "data-port")),
                () -> "the page of " + key + ": " + browser.attr("#port-page", "data-port"));
        assertEquals(shared.get("sensors").asText(), browser.text("#port-counts tr[data-field='sensors'] td"));
        for (JsonNode s : shared.get("busiest_sensors")) {
            assertEquals(s.get("packets").asText(), browser.text("#busiest-sensors tr[data-sensor='"
                    + s.get("sensor").asText() + "'] td[data-field='packets']"));
        }
        assertEquals(shared.get("busiest_sensors").size(), browser.all("#busiest-sensors tr[data-sensor]").size());
        browser.screenshot("fleet-port");
        browser.click("#back");

        // the fleet's windows and the inventory
        browser.script("document.getElementById('services-section').scrollIntoView()");
        browser.screenshot("fleet-services");
        Map<String, JsonNode> services = topic("portwatch.fleet.services");
        assertFalse(services.isEmpty(), "the fleet's inventory");
        Await.until(Duration.ofSeconds(10), () -> browser.all("#services-table tbody tr[data-service]").size() == services.size(),
                () -> "the inventory: " + browser.text("#services-table"));
        for (JsonNode s : services.values()) {
            String row = "#services-table tr[data-service='" + s.get("transport").asText() + "/" + s.get("address").asText()
                    + "/" + s.get("port").asInt() + "'] ";
            List<String> names = new ArrayList<>();
            s.get("sensors").forEach(n -> names.add(n.asText()));
            assertEquals(String.join(", ", names), browser.text(row + "td[data-field='sensors']"));
            assertEquals(s.get("flows").asText(), browser.text(row + "td[data-field='flows']"));
            assertEquals(s.get("clients").asText(), browser.text(row + "td[data-field='clients']"));
        }

        // the scan, as the fleet summed it
        List<JsonNode> scans = new ArrayList<>(topic("portwatch.fleet.alerts").values());
        JsonNode scan = scans.stream().filter(n -> n.get("source").asText().equals("127.0.0.66")).findFirst()
                .orElseThrow(() -> new AssertionError("nmap's scan among the fleet's: " + scans));
        Await.until(Duration.ofSeconds(10), () -> browser.all("#alert-list tbody tr[data-kind='fleet_scan']").size() == scans.size(),
                () -> "the fleet scans in the alerts: " + browser.text("#alert-list"));
        browser.click("#alert-timeline circle[data-kind='fleet_scan']");
        Await.until(Duration.ofSeconds(10), () -> "fleet_scan".equals(browser.attr("#alert-evidence", "data-kind")),
                "the fleet scan's evidence");
        List<String> names = new ArrayList<>();
        scan.get("sensors").forEach(n -> names.add(n.asText()));
        assertEquals(String.join(", ", names), browser.text("#evidence-facts tr[data-field='sensors'] td"));
        String ratio = browser.text("#evidence-facts tr[data-field='log_likelihood_ratio'] td");
        assertEquals(scan.get("log_likelihood_ratio").asDouble(), Double.parseDouble(ratio.substring(0, ratio.indexOf(' '))), 1e-9);
        assertTrue(ratio.contains("threshold " + scan.get("threshold").asText().replaceAll("\\.?0+$", "")), ratio);
        assertEquals(scan.get("failed").asText() + " failed, " + scan.get("answered").asText() + " answered",
                browser.text("#evidence-facts tr[data-field='failed'] td"));
        assertEquals("127.0.0.66", browser.text("#alert-list tbody tr[data-kind='fleet_scan'] td:nth-child(4)"));
        browser.script("document.getElementById('alerts-section').scrollIntoView()");
        browser.screenshot("fleet-scan");

        fleet.destroy();
        assertTrue(fleet.waitFor(60, TimeUnit.SECONDS), "the fleet stops on SIGTERM");
        assertEquals(0, fleet.exitValue(), said());
        assertFalse(said().contains(PASSWORD), "the password is never said");
    }

    private static List<JsonNode> last(Map<String, List<JsonNode>> byWindow) {
        return byWindow.values().stream().reduce((a, b) -> b).orElseThrow();
    }

    private static long sum(List<JsonNode> records, String field) {
        return records.stream().mapToLong(n -> n.get(field).asLong()).sum();
    }

    /** The ports table shows the window's {@code shown} busiest ports, each as its record says. */
    private void checkPorts(List<JsonNode> records, int shown) {
        List<String> rows = browser.all("#ports-table tbody tr[data-port]").stream()
                .map(e -> e.getAttribute("data-port")).collect(Collectors.toList());
        assertEquals(shown, rows.size(), "rows of the window");
        Map<String, JsonNode> byPort = new LinkedHashMap<>();
        records.forEach(n -> byPort.put(n.get("transport").asText() + "/" + n.get("port").asInt(), n));
        long least = Long.MAX_VALUE;
        for (String port : rows) {
            JsonNode n = byPort.get(port);
            String row = "#ports-table tbody tr[data-port='" + port + "'] ";
            assertEquals(n.get("packets").asText(), browser.text(row + "td[data-field='packets']"), port);
            assertEquals(n.get("bytes").asText(), browser.attr(row + "td[data-field='bytes']", "data-value"), port);
            assertEquals(n.get("flows").asText(), browser.text(row + "td[data-field='flows']"), port);
            assertEquals(n.get("sensors").asText(), browser.text(row + "td[data-field='sensors']"), port);
            assertEquals(n.get("unique_clients").isNull() ? "" : n.get("unique_clients").asText(),
                    browser.attr(row + "td[data-field='unique_clients']", "data-value"), port);
            List<String> busiest = new ArrayList<>();
            n.get("busiest_sensors").forEach(s -> busiest.add(s.get("sensor").asText() + " " + s.get("packets").asText()));
            assertEquals(String.join(", ", busiest), browser.text(row + "td[data-field='busiest_sensors']"), port);
            least = Math.min(least, n.get("packets").asLong());
        }
        for (Map.Entry<String, JsonNode> e : byPort.entrySet()) {
            if (!rows.contains(e.getKey())) {
                assertTrue(e.getValue().get("packets").asLong() <= least, e.getKey() + " is busier than a port shown");
            }
        }
    }
}
