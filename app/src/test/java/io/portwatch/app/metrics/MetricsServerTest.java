package io.portwatch.app.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MetricsServer over real HTTP on the loopback: what it answers, how it fails to start, that it stops. */
class MetricsServerTest {

    private PortwatchMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() throws IOException {
        metrics = new PortwatchMetrics();
        server = MetricsServer.start(metrics, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return Scrape.HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    @Test
    void healthAnswersWhileRunning() throws Exception {
        HttpResponse<byte[]> r = send(request("/health").GET());
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertEquals("up", body.get("status").asText());
        assertTrue(body.get("uptime_seconds").asDouble() >= 0);

        HttpResponse<byte[]> head = send(request("/health").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);

        int port = server.port();
        server.close();
        IOException e = assertThrows(IOException.class, () -> Scrape.HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()));
        assertTrue(e instanceof ConnectException || e.getCause() instanceof ConnectException, e.toString());
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertEquals(404, send(request("/").GET()).statusCode());
        assertEquals(404, send(request("/metricsx").GET()).statusCode());
        HttpResponse<byte[]> post = send(request("/metrics").POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void scrapersGetTheFormatAndEncodingTheyAskFor() throws Exception {
        metrics.kafkaSent(2_000_000);
        HttpResponse<byte[]> om = send(request("/metrics").header("Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").GET());
        assertEquals(200, om.statusCode());
        assertEquals(MetricsServer.OPENMETRICS_FORMAT, om.headers().firstValue("Content-Type").orElseThrow());
        String text = new String(om.body(), StandardCharsets.UTF_8);
        assertTrue(text.endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertTrue(text.contains("portwatch_kafka_records_sent_total 1.0"), text);

        HttpResponse<byte[]> gz = send(request("/metrics").header("Accept-Encoding", "gzip").GET());
        assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElseThrow());
        String plain = new String(new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        Scrape s = Scrape.parseText(plain);
        assertEquals(1, s.value("portwatch_kafka_records_sent_total"));
        assertTrue(gz.body().length < plain.length() / 2, "compressed");

        HttpResponse<byte[]> text004 = send(request("/metrics").GET());
        assertEquals(MetricsServer.TEXT_FORMAT, text004.headers().firstValue("Content-Type").orElseThrow());
        assertFalse(text004.headers().firstValue("Content-Encoding").isPresent());
    }

    @Test
    void aTakenPortIsAOneLineErrorNamingTheAddress() {
        IOException e = assertThrows(IOException.class,
                () -> MetricsServer.start(metrics, "127.0.0.1", server.port()).close());
        assertEquals("cannot serve metrics on 127.0.0.1:" + server.port() + ": Address already in use", e.getMessage());

        // TEST-NET-1 (RFC 5737) is no address of this machine: nothing is sent, the bind fails
        IOException other = assertThrows(IOException.class, () -> MetricsServer.start(metrics, "192.0.2.1", 0).close());
        assertTrue(other.getMessage().startsWith("cannot serve metrics on 192.0.2.1:0: "), other.getMessage());
        assertFalse(other.getMessage().contains("\n"));
    }

    @Test
    void optionsParseAndStartTheServer() throws Exception {
        @CommandLine.Command(name = "probe")
        class Probe implements Runnable {
            @CommandLine.Mixin
            MetricsOptions options;

            @Override
            public void run() {
            }
        }
        Probe off = new Probe();
        new CommandLine(off).parseArgs();
        assertFalse(off.options.enabled());
        assertEquals(MetricsSink.DEFAULT_TOP, off.options.top());

        Probe on = new Probe();
        CommandLine cl = new CommandLine(on);
        cl.parseArgs("--metrics-port", "0", "--metrics-address", "127.0.0.1", "--metrics-top", "3");
        assertTrue(on.options.enabled());
        assertEquals(3, on.options.top());
        try (MetricsServer s = on.options.start(cl, metrics)) {
            assertTrue(s.port() > 0);
            assertEquals("127.0.0.1", s.address().getAddress().getHostAddress());
            assertEquals("http://127.0.0.1:" + s.port() + "/metrics", s.url());
            assertEquals(200, Scrape.HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + s.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        }

        for (String[] bad : new String[][]{{"--metrics-port", "70000"}, {"--metrics-port", "9464", "--metrics-top", "101"},
                {"--metrics-port", "9464", "--metrics-address", " "}}) {
            Probe p = new Probe();
            CommandLine c = new CommandLine(p);
            c.parseArgs(bad);
            CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                    () -> p.options.validate(c));
            assertTrue(e.getMessage().startsWith("--metrics-"), e.getMessage());
        }
    }

    @Test
    void withoutAnAddressItListensOnLoopbackOnly() throws Exception {
        @CommandLine.Command(name = "probe")
        class Probe implements Runnable {
            @CommandLine.Mixin
            MetricsOptions options;

            @Override
            public void run() {
            }
        }
        Probe p = new Probe();
        CommandLine cl = new CommandLine(p);
        cl.parseArgs("--metrics-port", "0");
        try (MetricsServer s = p.options.start(cl, metrics)) {
            assertTrue(s.address().getAddress().isLoopbackAddress(),
                    "served on " + s.address() + " though no --metrics-address was given");
        }
    }
}
