package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch live -i lo --http-port 0} watched in headless Chromium while the test makes traffic: the
 * page shows the test's own port with the counts the JSON output gives for it, its page the test's client;
 * an nmap scan of the loopback appears on the alert timeline and opens on its evidence. The page asks for
 * the password given, which portwatch never says. Needs root (capture on lo, nmap -sS).
 */
class LiveWebIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "pw-" + Long.toHexString(System.nanoTime());
    private static Path jar;

    @TempDir
    Path tmp;

    private Process portwatch;
    private Path out;
    private Path err;
    private ServerSocket server;
    private Thread serving;
    private Browser browser;

    @BeforeAll
    static void locate() throws Exception {
        jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assumeTrue(uid.equals("0"), "live capture needs root (CI runs as root)");
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (portwatch != null && portwatch.isAlive()) {
            portwatch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
            serving.join(5000);
        }
    }

    /** Starts portwatch live on lo with the web view; returns the page's address. */
    private String startPortwatch(String filter, Map<String, String> env, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "live", "-i", "lo", "--interval", "1s", "--format", "json",
                "--sensor", "it", "--filter", filter, "--http-port", "0"));
        cmd.addAll(List.of(extra));
        out = tmp.resolve("portwatch.out");
        err = tmp.resolve("portwatch.err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        portwatch = pb.start();
        Await.until(Duration.ofSeconds(30), () -> {
            assertTrue(portwatch.isAlive(), "portwatch live is running: " + Files.readString(err));
            return Files.readString(err).contains("portwatch: web view on ") && !records("window").isEmpty();
        }, () -> "the web view and a first window: " + stderr());
        String line = Files.readString(err).lines().filter(l -> l.startsWith("portwatch: web view on ")).findFirst().orElseThrow();
        assertTrue(line.endsWith("(password required)"), line);
        String url = line.substring("portwatch: web view on ".length()).split(" ")[0];
        assertTrue(url.startsWith("http://127.0.0.1:"), "the loopback by default: " + url);
        return url;
    }

    private String stderr() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private List<JsonNode> records(String type) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        String text = Files.readString(out);
        for (String l : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (!l.isEmpty()) {
                JsonNode n = JSON.readTree(l);
                if (n.get("type").asText().equals(type)) {
                    found.add(n);
                }
            }
        }
        return found;
    }

    private long sum(int port, String field) throws IOException {
        return records("port_stats").stream().filter(r -> r.get("port").asInt() == port)
                .mapToLong(r -> r.at(field).asLong()).sum();
    }

    /** Opens the page in Chromium with the password (any user name) in the address, as a person would type it. */
    private void openPage(String url) {
        browser = Browser.start();
        browser.open(url.replace("http://", "http://portwatch:" + PASSWORD + "@"));
        browser.awaitReady();
        // the snapshot was loaded (not only the events that followed): the page knows the interval
        Await.until(Duration.ofSeconds(10), () -> "1000000000".equals(String.valueOf(
                browser.script("return String(window.portwatch.state.intervalNs)"))), () -> "the snapshot: " + browser.logs());
    }

    /** After the stop: portwatch never said the password. */
    private void assertPasswordNeverSaid() throws Exception {
        portwatch.destroy();
        assertTrue(portwatch.waitFor(30, TimeUnit.SECONDS), "portwatch stops on SIGTERM");
        assertEquals(0, portwatch.exitValue(), stderr());
        assertFalse(Files.readString(err).contains(PASSWORD), "the password is not on standard error");
        assertFalse(Files.readString(out).contains(PASSWORD), "nor on standard output");
    }

    @Test
    void thePageShowsTheTestsPortWithItsCountsAndItsClient() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = server.getLocalPort();
        serving = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                    in.readNBytes(1000);
                    o.write("ok\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    return;
                }
            }
        });
        serving.start();
        String url = startPortwatch("tcp port " + port, Map.of(WebOptions.PASSWORD_ENV, PASSWORD));
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, refused.statusCode(), "no page without the password");
        openPage(url);

        int sessions = 5;
        for (int i = 0; i < sessions; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write(new byte[1000]);
                s.getOutputStream().flush();
                s.getInputStream().readAllBytes();
            }
        }
        Await.until(Duration.ofSeconds(20), () -> sum(port, "/flows") == sessions && sum(port, "/tcp/established") == sessions,
                () -> "the windows of the traffic in the JSON output: " + stderr());
        String row = "#ports-table tbody tr[data-port='tcp/" + port + "']";
        browser.select("#window-select", "all");
        Await.until(Duration.ofSeconds(20), () -> browser.present(row)
                        && browser.text(row + " td[data-field='flows']").equals(String.valueOf(sessions)),
                () -> "the page to show tcp/" + port + " with " + sessions + " flows: " + browser.logs());
        // as the JSON output counts them, whichever windows the traffic fell in
        assertEquals(String.valueOf(sum(port, "/packets")), browser.text(row + " td[data-field='packets']"));
        assertEquals(String.valueOf(sum(port, "/bytes")), browser.attr(row + " td[data-field='bytes']", "data-value"));
        assertEquals(String.valueOf(sessions), browser.text(row + " td[data-field='established']"));
        browser.find("#port-filter").sendKeys(String.valueOf(port));
        assertEquals(1, browser.all("#ports-table tbody tr[data-port]").size(), "the filter keeps the port");
        browser.screenshot("live");

        JsonNode record = records("port_stats").stream().filter(r -> r.get("port").asInt() == port).findFirst().orElseThrow();
        assertTrue(record.has("top_clients"), "the JSON records carry the port's top clients: " + record);
        browser.click(row + " a");
        assertEquals("tcp/" + port, browser.attr("#port-page", "data-port"));
        browser.select("#port-window", "all");
        Await.until(Duration.ofSeconds(10), () -> browser.present("#top-clients tr[data-address='127.0.0.1']"),
                () -> "the test's client among the top clients: " + browser.text("#top-clients"));
        assertEquals(String.valueOf(sessions), browser.text("#top-clients tr[data-address='127.0.0.1'] td[data-field='flows']"));
        assertEquals(String.valueOf(sessions), browser.text("#tcp-outcomes tr[data-field='established'] td"));
        assertTrue(browser.present("#top-servers tr[data-address='127.0.0.1']"), "and the server");
        browser.screenshot("live-port");
        assertPasswordNeverSaid();
    }

    @Test
    void anNmapScanAppearsOnTheAlertTimelineWithItsEvidence() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nmap")), "nmap is not installed");
        Path pw = tmp.resolve("password");
        Files.writeString(pw, PASSWORD + "\n");
        String url = startPortwatch("tcp portrange 1-200", Map.of(), "--http-password-file", pw.toString());
        openPage(url);
        Process nmap = new ProcessBuilder("nmap", "-sS", "-n", "-Pn", "-p", "1-200", "127.0.0.1")
                .redirectErrorStream(true).start();
        String said = new String(nmap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(nmap.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, nmap.exitValue(), said);
        Await.until(Duration.ofSeconds(30), () -> records("alert").stream().anyMatch(a -> a.get("kind").asText().equals("port_scan")),
                () -> "the scan's alert in the JSON output: " + stderr());
        JsonNode scan = records("alert").stream().filter(a -> a.get("kind").asText().equals("port_scan")).findFirst().orElseThrow();
        String marker = "#alert-timeline circle[data-kind='port_scan']";
        Await.until(Duration.ofSeconds(20), () -> browser.present(marker), () -> "the scan on the timeline: " + browser.logs());
        browser.click(marker);
        assertEquals("port_scan", browser.attr("#alert-evidence", "data-kind"));
        assertEquals(scan.get("ports").asText() + " (" + scan.at("/port_range/0").asText() + " \u2013 "
                + scan.at("/port_range/1").asText() + ")", browser.text("#evidence-facts tr[data-field='ports'] td"));
        assertEquals(scan.get("failed_ports").asText(), browser.text("#evidence-facts tr[data-field='failed_ports'] td"));
        assertEquals("127.0.0.1", browser.text("#alert-list tbody tr[data-kind='port_scan'] td:nth-child(4)"));
        assertTrue(browser.all("#alert-evidence .items span").size() >= 15, "the probed ports");
        browser.script("document.getElementById('alerts-section').scrollIntoView()");
        browser.screenshot("live-scan");
        assertPasswordNeverSaid();
    }
}
