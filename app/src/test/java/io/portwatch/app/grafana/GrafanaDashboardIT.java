package io.portwatch.app.grafana;

import com.sun.net.httpserver.HttpServer;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric the Grafana board's queries select is in a real scrape: {@code portwatch live} on
 * {@code lo} with the test's HTTP traffic and its metrics endpoint, scraped in both formats Prometheus
 * negotiates (Prometheus text and OpenMetrics), once the meters that appear late are there: the per-interface
 * meters and the top-port gauge (after a window with the test's traffic closes) and the GC pause timer
 * (after a collection, which the test asks of the JVM with jcmd). A board query naming a metric portwatch
 * does not export fails here. Needs root, as live capture does.
 */
class GrafanaDashboardIT {

    private static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0;q=0.5,"
            + "text/plain;version=0.0.4;q=0.2";

    private static Path jar;

    @TempDir
    Path tmp;

    private HttpServer http;
    private Process portwatch;
    private Path err;
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private Thread traffic;

    @BeforeAll
    static void locate() throws Exception {
        jar = io.portwatch.app.LiveCommandIT.liveJar();
    }

    @BeforeEach
    void server() throws IOException {
        http = io.portwatch.app.LiveCommandIT.httpServer(1000);
    }

    @AfterEach
    void stop() throws Exception {
        sending.set(false);
        if (traffic != null) {
            traffic.join(10_000);
        }
        if (portwatch != null && portwatch.isAlive()) {
            portwatch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        http.stop(0);
    }

    private String stderr() {
        try {
            return Files.readString(err);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** HTTP requests to the test's server until the test ends, so that every window has the test's port. */
    private void sendTraffic() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/");
        traffic = new Thread(() -> {
            while (sending.get()) {
                try {
                    client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    Thread.sleep(20);
                } catch (IOException e) {
                    // the next request tries again; the scrape waits for the traffic it needs
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "test-traffic");
        traffic.setDaemon(true);
        traffic.start();
    }

    /** The sample names of a scrape: what Prometheus stores (x_total, x_sum, x_count, x_max, x_bucket...). */
    static Set<String> sampleNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    private static HttpResponse<String> scrape(HttpClient client, String url, String accept)
            throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            r.header("Accept", accept);
        }
        HttpResponse<String> response = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response;
    }

    @Test
    void everyMetricTheBoardQueriesIsInARealScrape() throws Exception {
        GrafanaBoard board = GrafanaBoard.load();
        int port = http.getAddress().getPort();
        err = tmp.resolve("portwatch.err");
        portwatch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString(), "live", "-i", "lo", "--interval", "1s", "--format", "json",
                "--flows", "--filter", "tcp port " + port, // other programs' loopback traffic stays out
                "--metrics-port", "0", "--metrics-address", "127.0.0.1")
                .redirectOutput(tmp.resolve("portwatch.out").toFile()).redirectError(err.toFile()).start();
        String announce = "portwatch: metrics on ";
        Await.until(Duration.ofSeconds(30), () -> {
            assertTrue(portwatch.isAlive(), "portwatch live is running: " + stderr());
            return stderr().contains(announce);
        }, () -> "the metrics address to be announced: " + stderr());
        String url = stderr().lines().filter(l -> l.startsWith(announce)).findFirst().orElseThrow()
                .substring(announce.length()).trim();
        sendTraffic();

        // a collection, for the GC pause timer that Micrometer registers at the first one
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        assertTrue(Files.isExecutable(jcmd), "jcmd beside the JDK's java: " + jcmd);
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(portwatch.pid()), "GC.run")
                .redirectErrorStream(true).start();
        String gcOut = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gc.waitFor(60, TimeUnit.SECONDS), "jcmd GC.run ends");
        assertEquals(0, gc.exitValue(), gcOut);

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String topPort = "portwatch_top_port_packets{";
        String testPort = "port=\"" + port + "\"";
        List<String> checked = new ArrayList<>();
        for (String accept : new String[] {null, OPENMETRICS}) {
            String[] last = new String[1];
            Await.until(Duration.ofSeconds(30), () -> {
                last[0] = scrape(client, url, accept).body();
                return last[0].lines().anyMatch(l -> l.startsWith(topPort) && l.contains(testPort))
                        && sampleNames(last[0]).contains("jvm_gc_pause_seconds_count");
            }, () -> "a scrape with the test's port among the top ports and a GC pause: " + last[0]);
            String contentType = scrape(client, url, accept).headers().firstValue("Content-Type").orElse("");
            String format = accept == null ? "text/plain" : "application/openmetrics-text";
            assertTrue(contentType.startsWith(format), "asked for " + format + ", got " + contentType);

            Set<String> exported = sampleNames(last[0]);
            List<String> missing = new ArrayList<>();
            for (GrafanaBoard.Query q : board.queries()) {
                for (String name : PromQl.metricNames(q.expr())) {
                    if (!exported.contains(name)) {
                        missing.add(name + " (" + q.where() + ")");
                    }
                    checked.add(name);
                }
            }
            assertTrue(missing.isEmpty(), "the board queries metrics the " + format + " scrape does not have: "
                    + missing + "\nscraped: " + exported);
        }
        assertTrue(new TreeSet<>(checked).size() >= 30, "the board's metrics were checked: " + new TreeSet<>(checked));
        assertTrue(checked.contains("portwatch_top_port_packets"), "the top-port gauge, which appears late");
    }
}
