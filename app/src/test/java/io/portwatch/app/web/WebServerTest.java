package io.portwatch.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web view's server over real HTTP: its paths, basic authentication, the address it binds by default,
 * and that a browser that stops reading its event stream holds up neither the output nor other browsers.
 */
class WebServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PortwatchMetrics metrics;
    private WebModel model;
    private WebServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void setUp() {
        metrics = new PortwatchMetrics();
        model = new WebModel(WebModel.Limits.live(), "live", "test", 1_000_000_000L);
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        metrics.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void servesThePageItsAssetsTheStateAndTheMetrics() throws Exception {
        server = WebServer.start("127.0.0.1", 0, metrics, model, null);
        model.window("lo", 2_000_000_000L, "{\"type\":\"window\",\"input\":\"lo\"}", List.of("{\"type\":\"port_stats\"}"), 1);
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"assets/portwatch.js\"></script>"), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'self'"));
        for (String asset : List.of("portwatch.js", "fleet.js", "portwatch.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE")) {
            HttpResponse<String> a = get("/assets/" + asset);
            assertEquals(200, a.statusCode(), asset);
            assertTrue(a.body().length() > 500, asset);
        }
        assertTrue(get("/assets/uPlot.iife.min.js").headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
        assertEquals(404, get("/assets/../../etc/passwd").statusCode());
        assertEquals(404, get("/nothing").statusCode());
        JsonNode state = JSON.readTree(get("/api/state").body());
        assertEquals("live", state.get("mode").asText());
        assertEquals(1, state.get("windows").size());
        assertEquals(1, state.get("seq").asLong());
        assertTrue(get("/metrics").body().contains("jvm_"), "the metrics, as MetricsServer serves them");
        assertEquals("up", JSON.readTree(get("/health").body()).get("status").asText());
    }

    @Test
    void aPasswordGuardsEveryPathButHealth() throws Exception {
        server = WebServer.start("127.0.0.1", 0, metrics, model, "s3cret p\u00e4ss");
        for (String path : List.of("/", "/assets/portwatch.js", "/api/state", "/api/events", "/metrics")) {
            HttpResponse<String> r = get(path);
            assertEquals(401, r.statusCode(), path);
            assertEquals("Basic realm=\"portwatch\", charset=\"UTF-8\"",
                    r.headers().firstValue("WWW-Authenticate").orElseThrow(), path);
            assertEquals(401, get(path, "Authorization", basic("portwatch", "s3cret pass")).statusCode(), path);
            assertEquals(401, get(path, "Authorization", basic("portwatch", "s3cret p\u00e4s")).statusCode(), path);
        }
        for (String user : List.of("portwatch", "anyone")) {
            assertEquals(200, get("/", "Authorization", basic(user, "s3cret p\u00e4ss")).statusCode(), user);
            assertEquals(200, get("/api/state", "Authorization", basic(user, "s3cret p\u00e4ss")).statusCode(), user);
        }
        assertEquals(200, get("/health").statusCode(), "a health check needs no password");
    }

    @Test
    void theDefaultAddressIsTheLoopback() throws Exception {
        @CommandLine.Command(name = "x")
        class Cmd {
            @CommandLine.Mixin
            WebOptions web;
        }
        Cmd cmd = new Cmd();
        CommandLine cl = new CommandLine(cmd);
        cl.parseArgs("--http-port", "0");
        server = cmd.web.start(cl, metrics, model);
        assertEquals(InetAddress.getByName("127.0.0.1"), server.address().getAddress());
        Optional<InetAddress> other = otherAddress();
        if (other.isPresent()) {
            try (Socket s = new Socket()) {
                assertThrows(IOException.class, () -> s.connect(new InetSocketAddress(other.get(), server.port()), 2000),
                        "not reachable on " + other.get());
            }
        }
        assertEquals(200, get("/health").statusCode());
    }

    /** An IPv4 address of this machine that is not a loopback address, if it has one. */
    private static Optional<InetAddress> otherAddress() throws IOException {
        List<NetworkInterface> all = Collections.list(NetworkInterface.getNetworkInterfaces());
        return all.stream().flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).findFirst();
    }

    @Test
    void passwordsComeFromTheFileOrTheEnvironmentAndAreNeverSaid() throws Exception {
        @CommandLine.Command(name = "x")
        class Cmd {
            @CommandLine.Mixin
            WebOptions web;
        }
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("pw");
        java.nio.file.Path file = dir.resolve("pw");
        java.nio.file.Files.writeString(file, "from-file\nsecond line\n");
        Cmd cmd = new Cmd();
        CommandLine cl = new CommandLine(cmd);
        cl.parseArgs("--http-port", "0", "--http-password-file", file.toString());
        assertEquals("from-file", cmd.web.password(cl, Map.of(WebOptions.PASSWORD_ENV, "from-env")));
        cl.parseArgs("--http-port", "0");
        assertEquals("from-env", cmd.web.password(cl, Map.of(WebOptions.PASSWORD_ENV, "from-env")));
        assertEquals(null, cmd.web.password(cl, Map.of()));
        java.nio.file.Files.writeString(file, "\nhidden-second-line\n");
        cl.parseArgs("--http-port", "0", "--http-password-file", file.toString());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> cmd.web.password(cl, Map.of()));
        assertTrue(e.getMessage().contains(file.toString()) && !e.getMessage().contains("hidden"), e.getMessage());
        cl.parseArgs("--http-port", "0", "--http-password-file", dir.resolve("none").toString());
        e = assertThrows(CommandLine.ParameterException.class, () -> cmd.web.password(cl, Map.of()));
        assertTrue(e.getMessage().startsWith("--http-password-file " + dir.resolve("none") + ": cannot read it"), e.getMessage());
    }

    /** A raw client that asks for the event stream and then never reads. */
    private Socket stalledFollower() throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(1024);
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.getOutputStream().write("GET /api/events?after=0 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        sockets.add(s);
        return s;
    }

    @Test
    void aStalledBrowserHoldsUpNeitherTheOutputNorOtherBrowsers() throws Exception {
        server = WebServer.start("127.0.0.1", 0, metrics, model, null);
        stalledFollower();
        Await.until(Duration.ofSeconds(10), () -> server.eventClients() == 1, "the stalled follower to be followed");
        List<String> lines = new CopyOnWriteArrayList<>();
        HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/events?after=0")).build(),
                HttpResponse.BodyHandlers.ofLines()).thenAcceptAsync(r -> r.body().forEach(lines::add));
        Await.until(Duration.ofSeconds(10), () -> server.eventClients() == 2, "the reading follower to be followed");

        // 24 MB of events: far more than the stalled connection's socket buffers hold
        String port = "{\"type\":\"port_stats\",\"pad\":\"" + "x".repeat(400) + "\"}";
        List<String> ports = Collections.nCopies(1000, port);
        long slowest = 0;
        for (int i = 0; i < 60; i++) {
            long t = System.nanoTime();
            model.window("lo", (i + 1) * 1_000_000_000L, "{\"type\":\"window\",\"n\":" + i + "}", ports, 1000);
            slowest = Math.max(slowest, System.nanoTime() - t);
        }
        assertTrue(slowest < 1_000_000_000L, "adding a window never waits for a browser: slowest " + slowest / 1e6 + " ms");
        long last = model.seq();
        Await.until(Duration.ofSeconds(60), () -> lines.contains("id: " + last),
                () -> "the reading follower to get every event; it has " + lines.stream().filter(l -> l.startsWith("id:")).count());
        assertEquals(2, server.eventClients(), "the stalled follower is still connected");
        assertTrue(blockedInAWrite(), "the stalled follower's thread is blocked writing to it (so this test tests a stall)");
        assertEquals(200, get("/api/state").statusCode(), "the server answers other requests");
    }

    /** Whether an event thread is in a socket write (the stalled follower's; the other waits for events). */
    private static boolean blockedInAWrite() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("portwatch-events-"))
                .anyMatch(e -> Stream.of(e.getValue()).limit(8).anyMatch(f -> f.getMethodName().startsWith("write")));
    }

    @Test
    void followersAreBoundedAndOneTooManyIsToldToComeBackLater() throws Exception {
        server = WebServer.start("127.0.0.1", 0, metrics, model, null);
        for (int i = 0; i < WebServer.MAX_EVENT_CLIENTS; i++) {
            stalledFollower();
        }
        Await.until(Duration.ofSeconds(10), () -> server.eventClients() == WebServer.MAX_EVENT_CLIENTS, "every follower");
        HttpResponse<String> more = get("/api/events");
        assertEquals(503, more.statusCode());
        assertTrue(more.headers().firstValue("Retry-After").isPresent());
        sockets.get(0).close();
        model.window("lo", 1_000_000_000L, "{\"type\":\"window\"}", List.of(), 0); // the closed one's write fails
        Await.until(Duration.ofSeconds(10), () -> server.eventClients() == WebServer.MAX_EVENT_CLIENTS - 1,
                "a follower that went away to free its place");
    }

    @Test
    void eventsCarryTheirSequenceAndAResetWhenTooFarBehind() throws Exception {
        model = new WebModel(new WebModel.Limits(100, 0, 2, 5, 100, 10, 3, 1 << 20), "live", "s", 1_000_000_000L);
        server = WebServer.start("127.0.0.1", 0, metrics, model, null);
        for (int i = 0; i < 5; i++) {
            model.alert("{\"type\":\"alert\",\"n\":" + i + "}");
        }
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/events?after=0")).build();
        HTTP.sendAsync(r, HttpResponse.BodyHandlers.ofLines()).thenAcceptAsync(x -> x.body().forEach(lines::add));
        Await.until(Duration.ofSeconds(10), () -> lines.contains("event: reset"), "a reset: events 1 and 2 are gone");
        model.alert("{\"type\":\"alert\",\"n\":5}");
        Await.until(Duration.ofSeconds(10), () -> lines.contains("id: 6"), "the next event after the reset");
        assertTrue(lines.contains("data: {\"seq\":6,\"alert\":{\"type\":\"alert\",\"n\":5}}"), lines.toString());
        assertFalse(lines.contains("id: 3"), "nothing from before the reset's cursor: " + lines);

        List<String> resumed = new CopyOnWriteArrayList<>();
        HTTP.sendAsync(HttpRequest.newBuilder(r.uri()).header("Last-Event-ID", "4").build(),
                HttpResponse.BodyHandlers.ofLines()).thenAcceptAsync(x -> x.body().forEach(resumed::add));
        Await.until(Duration.ofSeconds(10), () -> resumed.contains("id: 6"), "a reconnect from its last id");
        assertTrue(resumed.contains("id: 5") && !resumed.contains("id: 4") && !resumed.contains("event: reset"), resumed.toString());
        assertEquals(2, server.eventClients());
    }
}
