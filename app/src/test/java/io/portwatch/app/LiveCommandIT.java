package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jar's {@code live} command capturing real traffic on {@code lo}: a JDK HTTP server and client and
 * a UDP exchange on ports the test picks, checked against what the test sent and against tcpdump's
 * capture of the same traffic; a graceful stop by SIGTERM reporting the flows still open. Needs root.
 */
public class LiveCommandIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path jar;

    @TempDir
    Path tmp;

    private HttpServer http;
    private DatagramSocket udpServer;
    private Thread udpEcho;
    private Process portwatch;
    private Path out;
    private Path err;

    @BeforeAll
    static void locate() throws Exception {
        jar = liveJar();
    }

    /** The portwatch jar, for a test that captures live: such a test is skipped unless run as root (as CI is). */
    public static Path liveJar() throws IOException {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assumeTrue(uid.equals("0"), "live capture needs root (CI runs as root)");
        return root.resolve("app/target/portwatch.jar");
    }

    /** A started HTTP server on a free loopback port answering every request with {@code bodyBytes} bytes. */
    public static HttpServer httpServer(int bodyBytes) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        byte[] body = "x".repeat(bodyBytes).getBytes(StandardCharsets.US_ASCII);
        http.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        return http;
    }

    @BeforeEach
    void servers() throws IOException {
        http = httpServer(3000);
        udpServer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        udpEcho = new Thread(() -> {
            byte[] buf = new byte[2048];
            while (!udpServer.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udpServer.receive(p);
                    udpServer.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
        udpEcho.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (portwatch != null && portwatch.isAlive()) {
            portwatch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        http.stop(0);
        udpServer.close();
        udpEcho.join(5000);
    }

    private int httpPort() {
        return http.getAddress().getPort();
    }

    private int udpPort() {
        return udpServer.getLocalPort();
    }

    /** Starts portwatch live and waits until it captures (see {@link #startPortwatchFiltered}). */
    private void startPortwatch(String interval, String... extra) throws Exception {
        startPortwatchFiltered(interval, "tcp port " + httpPort() + " or udp port " + udpPort(), extra);
    }

    /**
     * Starts portwatch live and waits until it says it listens and its capture thread runs (the output is
     * open and the analysis has started). The thread is seen by its name in /proc.
     */
    private void startPortwatchFiltered(String interval, String filter, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "live", "-i", "lo", "--interval", interval, "--format", "json",
                "--flows", "--sensor", "it", "--filter", filter));
        cmd.addAll(List.of(extra));
        out = tmp.resolve("portwatch.out");
        err = tmp.resolve("portwatch.err");
        portwatch = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Await.until(Duration.ofSeconds(20), () -> {
            assertTrue(portwatch.isAlive(), "portwatch live is running: " + Files.readString(err));
            return Files.readString(err).contains("listening on lo") && threadRuns(portwatch, "capture-lo");
        }, () -> "capturing: " + stderrNow());
    }

    /** Whether a process has a thread of that name (as Linux shows it: the first 15 characters). */
    private static boolean threadRuns(Process p, String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(p.pid()), "task"))) {
            return tasks.anyMatch(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the thread ended meanwhile
                }
            });
        }
    }

    /** The records of a type written so far (whole lines only: portwatch may be writing the next). */
    private List<JsonNode> records(String type) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        String text = Files.readString(out);
        for (String l : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (l.isEmpty()) {
                continue;
            }
            JsonNode n = JSON.readTree(l);
            if (n.get("type").asText().equals(type)) {
                found.add(n);
            }
        }
        return found;
    }

    private String stderr() throws IOException {
        return Files.readString(err);
    }

    /** Standard error so far, for a message. */
    private String stderrNow() {
        try {
            return stderr();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private long sum(String transport, int port, String field) throws IOException {
        return records("port_stats").stream()
                .filter(r -> r.get("transport").asText().equals(transport) && r.get("port").asInt() == port)
                .mapToLong(r -> r.at(field).asLong()).sum();
    }

    private int stopPortwatch() throws Exception {
        portwatch.destroy(); // SIGTERM
        assertTrue(portwatch.waitFor(30, TimeUnit.SECONDS), "portwatch stops on SIGTERM");
        return portwatch.exitValue();
    }

    private void httpSessions(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), httpPort())) {
                s.getOutputStream().write(("GET /" + i + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.getInputStream().readAllBytes();
            }
        }
    }

    /** Sends datagrams of the given payload sizes and waits for each echo; returns the IP bytes both ways. */
    private long udpExchange(int[] sizes) throws IOException {
        long ipBytes = 0;
        try (DatagramSocket c = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            c.setSoTimeout(5000);
            for (int size : sizes) {
                c.send(new DatagramPacket(new byte[size], size, udpServer.getLocalSocketAddress()));
                c.receive(new DatagramPacket(new byte[2048], 2048));
                ipBytes += 2L * (20 + 8 + size);
            }
        }
        return ipBytes;
    }

    /**
     * Connection attempts to 40 closed ports of 127.0.0.1, each answered by the kernel's RST: the
     * detectors (on their own thread beside the capture thread) report a vertical port scan while
     * portwatch captures, between the windows of that traffic.
     */
    @Test
    void aPortScanOnLoIsReportedWhileCapturing() throws Exception {
        int first = 20_000 + new java.util.Random().nextInt(20_000);
        startPortwatchFiltered("1s", "tcp portrange " + first + "-" + (first + 39));
        int refused = 0;
        for (int p = first; p < first + 40; p++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 2000);
            } catch (java.net.ConnectException expected) {
                refused++;
            }
        }
        assertTrue(refused >= 30, "closed ports: " + refused);
        Await.until(Duration.ofSeconds(20), () -> !records("alert").isEmpty(),
                () -> "an alert while capturing: " + stderrNow());
        assertEquals(0, stopPortwatch(), stderr());
        List<JsonNode> scans = records("alert").stream().filter(a -> a.get("kind").asText().equals("port_scan")).toList();
        assertEquals(1, scans.size(), records("alert").toString());
        JsonNode scan = scans.get(0);
        assertEquals("127.0.0.1", scan.get("source").asText());
        assertEquals("127.0.0.1", scan.get("target").asText());
        // every refused attempt counted as a rejected flow of its port
        long rejected = records("port_stats").stream().mapToLong(r -> r.at("/tcp/rejected").asLong()).sum();
        assertEquals(refused, rejected);
    }

    @Test
    void countsWhatTheTestSentAndAgreesWithTcpdump() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tcpdump")) || Files.isExecutable(Path.of("/usr/sbin/tcpdump")),
                "tcpdump is not installed");
        startPortwatch("1s");
        Path pcap = tmp.resolve("lo.pcap");
        Process tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-U", "-w", pcap.toString(),
                "tcp port " + httpPort() + " or udp port " + udpPort()).redirectErrorStream(true).start();
        BufferedReader tcpdumpOut = new BufferedReader(new InputStreamReader(tcpdump.getInputStream()));
        assertTrue(tcpdumpOut.readLine().contains("listening"), "tcpdump is listening");
        int[] sizes = {1, 100, 200, 500, 1000, 1400, 7, 64, 512, 1200};
        long udpBytes = udpExchange(sizes);
        httpSessions(5);
        int u = udpPort();
        int h = httpPort();
        // the windows of this traffic close on the clock, and a window a second goes on
        Await.until(Duration.ofSeconds(20), () -> sum("udp", u, "/packets") == 2L * sizes.length
                && sum("tcp", h, "/flows") == 5 && records("window").size() >= 3,
                "the windows of the traffic sent, and three windows in all");
        tcpdump.destroy();
        tcpdump.waitFor(10, TimeUnit.SECONDS);
        assertEquals(0, stopPortwatch(), stderr());

        assertEquals(2L * sizes.length, sum("udp", u, "/packets"));
        assertEquals(udpBytes, sum("udp", u, "/bytes"));
        assertEquals(sizes.length, sum("udp", u, "/packets_to_server"));
        assertEquals(1, sum("udp", u, "/flows"));
        assertEquals(5, sum("tcp", h, "/flows"));
        assertEquals(5, sum("tcp", h, "/tcp/established"));
        assertEquals(5, sum("tcp", h, "/tcp/syn"));

        // tcpdump's capture of the same traffic, read by portwatch, counts the same per port
        Process read = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "read", "--format", "json", pcap.toString()).start();
        List<JsonNode> fromFile = new ArrayList<>();
        for (String l : new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            JsonNode n = JSON.readTree(l);
            if (n.get("type").asText().equals("port_stats")) {
                fromFile.add(n);
            }
        }
        assertTrue(read.waitFor(60, TimeUnit.SECONDS));
        for (JsonNode f : fromFile) {
            String t = f.get("transport").asText();
            int p = f.get("port").asInt();
            assertEquals(f.get("packets").asLong(), sum(t, p, "/packets"), t + "/" + p + " packets");
            assertEquals(f.get("bytes").asLong(), sum(t, p, "/bytes"), t + "/" + p + " bytes");
        }
        assertEquals(2, fromFile.size(), "the two ports");

        List<JsonNode> windows = records("window");
        assertTrue(windows.size() >= 3, "a window every second: " + windows.size());
        for (JsonNode w : windows) {
            assertEquals(0, w.at("/capture/dropped_kernel").asLong(), w.toString());
            assertTrue(w.has("capture"), "capture health in every live window: " + w);
        }
        assertTrue(windows.stream().mapToLong(w -> w.at("/capture/received").asLong()).sum()
                >= sum("tcp", h, "/packets") + sum("udp", u, "/packets"), "received counts every packet");
        List<String> all = Files.readAllLines(out);
        assertEquals("summary", JSON.readTree(all.get(all.size() - 1)).get("type").asText(), "the summary comes last");
    }

    private static String get(java.net.http.HttpClient client, String url) throws IOException, InterruptedException {
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Reads an HTTP response's header and a body of {@code bodyLength} bytes. */
    private static void readResponse(InputStream in, int bodyLength) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int headerEnd = -1;
        while (headerEnd < 0 || got.size() < headerEnd + bodyLength) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the response ended after " + got.size() + " bytes");
            }
            got.write(b);
            if (headerEnd < 0 && got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                headerEnd = got.size();
            }
        }
    }

    /** The value of a Prometheus sample line that starts with {@code series}, or -1. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst().orElse(-1);
    }

    @Test
    void metricsScrapedOverHttpAgreeWithTheTrafficSent() throws Exception {
        startPortwatch("1s", "--metrics-port", "0", "--metrics-address", "127.0.0.1");
        Await.until(Duration.ofSeconds(20), () -> stderr().contains("portwatch: metrics on "),
                () -> "the metrics address to be announced: " + stderrNow());
        String url = stderr().lines().filter(l -> l.startsWith("portwatch: metrics on ")).findFirst()
                .orElseThrow().substring("portwatch: metrics on ".length()).trim();
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> health = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url.replace("/metrics", "/health"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        int[] sizes = {10, 20, 30, 40, 50};
        long udpBytes = udpExchange(sizes);
        // the window of this traffic closes on the clock, then one after it, empty: the last one shown. A
        // scrape may see a window's packets counted before the window itself: two more windows, then.
        String packets = "portwatch_packets_total{interface=\"lo\"}";
        String windows = "portwatch_windows_total{interface=\"lo\"}";
        String[] last = new String[1];
        Await.until(Duration.ofSeconds(20), () -> sample(last[0] = get(client, url), packets) >= sizes.length * 2,
                "the window of the traffic to close");
        double counted = sample(last[0], windows);
        Await.until(Duration.ofSeconds(20), () -> sample(last[0] = get(client, url), windows) >= counted + 2,
                "a window after the traffic's to close");
        String scrape = last[0];
        assertEquals(0, stopPortwatch(), stderr());
        assertEquals(10.0, sample(scrape, "portwatch_packets_total{interface=\"lo\"}"), scrape);
        assertEquals((double) udpBytes, sample(scrape, "portwatch_bytes_total{interface=\"lo\"}"), scrape);
        String portClass = udpPort() >= 49152 ? "dynamic" : "registered";
        assertEquals(10.0, sample(scrape, "portwatch_traffic_packets_total{port_class=\"" + portClass
                + "\",transport=\"udp\"}"), scrape);
        assertEquals(0.0, sample(scrape, "portwatch_drops_total{dropped_by=\"kernel\",interface=\"lo\"}"), scrape);
        // the top-N gauge shows the last window only (empty by now): no series may carry a raw port then
        assertTrue(scrape.lines().noneMatch(l -> l.startsWith("portwatch_") && l.matches(".*[{,]port=\".*")), scrape);
        assertTrue(sample(scrape, "portwatch_windows_total{interface=\"lo\"}") >= 2, scrape);
        assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics");
    }

    @Test
    void sigtermReportsTheFlowsStillOpen() throws Exception {
        startPortwatch("1h");
        try (Socket open = new Socket(InetAddress.getLoopbackAddress(), httpPort())) {
            open.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            open.getOutputStream().flush();
            // the request and its answer crossed lo, so the capture holds them: a stop delivers what was
            // captured before it (the connection stays open: HTTP/1.1 keeps it alive)
            open.setSoTimeout(10_000);
            readResponse(open.getInputStream(), 3000);
            assertEquals(0, stopPortwatch(), stderr());
        }
        List<JsonNode> flows = records("flow");
        assertTrue(flows.stream().anyMatch(f -> f.get("server_port").asInt() == httpPort()
                && f.get("end_reason").asText().equals("end_of_input")), "the open flow is reported: " + flows);
        assertEquals(1, sum("tcp", httpPort(), "/flows"), "the open window is reported at the stop");
        assertEquals(1, records("summary").size());
    }

    /**
     * A SIGTERM as soon as "listening on" is said, while the output and the metrics endpoint are still
     * being opened: the stop handler is already in place, so portwatch stops as it would later (the
     * window and the summary, exit status 0), not by the JVM's default (status 143, no records).
     */
    @Test
    void sigtermRightAfterListeningStopsGracefully() throws Exception {
        Path outFile = tmp.resolve("early.out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(), "live", "-i", "lo", "--interval", "1h", "--format", "json",
                "--filter", "udp port 9", "--metrics-port", "0", "--metrics-address", "127.0.0.1")
                .redirectOutput(outFile.toFile()).start();
        portwatch = p;
        BufferedReader errLines = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String first = errLines.readLine();
        assertTrue(first != null && first.startsWith("portwatch: listening on lo"), "the start line: " + first);
        p.toHandle().destroy(); // SIGTERM, at once (Process.destroy would also close the pipe read here)
        StringBuilder rest = new StringBuilder(first).append('\n');
        for (String l; (l = errLines.readLine()) != null; ) {
            rest.append(l).append('\n');
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "portwatch stops on SIGTERM");
        assertEquals(0, p.exitValue(), rest.toString());
        List<String> lines = Files.readAllLines(outFile);
        assertTrue(!lines.isEmpty(), "records: " + rest);
        assertEquals("summary", JSON.readTree(lines.get(lines.size() - 1)).get("type").asText(), "the summary comes last");
    }

    /**
     * live takes its flow table whole at the start (growing it would pause the capture); a heap too small for it
     * (8,000,000 flows: about 1 GiB, in a heap of 512 MiB) is said in one line, and the capture counts as before,
     * the table growing as flows come.
     */
    @Test
    void aHeapTooSmallForTheWholeFlowTableIsSaidAndTheCaptureGoesOn() throws Exception {
        startPortwatch("1h", "--max-flows", "8000000");
        httpSessions(3);
        assertEquals(0, stopPortwatch(), stderr());
        List<String> said = stderr().lines().filter(l -> l.contains("flow table")).toList();
        assertEquals(1, said.size(), stderr());
        assertTrue(said.get(0).startsWith("portwatch: lo: the heap cannot hold a flow table of --max-flows 8000000"),
                said.get(0));
        assertFalse(stderr().contains("Exception") || stderr().contains("OutOfMemoryError"), stderr());
        assertEquals(3, sum("tcp", httpPort(), "/flows"), "the sessions counted");
    }

    @Test
    void anIdleInterfaceStillReportsEachWindow() throws Exception {
        startPortwatch("1s");
        Await.until(Duration.ofSeconds(20), () -> records("window").size() >= 3, "three windows while idle");
        assertEquals(0, stopPortwatch(), stderr());
        List<JsonNode> windows = records("window");
        assertTrue(windows.size() >= 3, "windows while idle: " + windows.size());
        for (int i = 1; i < windows.size(); i++) {
            assertEquals(windows.get(i - 1).get("window_end").asText(), windows.get(i).get("window_start").asText(),
                    "consecutive windows");
        }
        assertTrue(records("port_stats").isEmpty());
    }

    @Test
    void aClosedPipeEndsTheCaptureQuietly() throws Exception {
        Path errFile = tmp.resolve("pipe.err");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "live", "-i", "lo", "--interval", "1s", "--format", "json",
                "--filter", "udp port 9") // no traffic: other programs' loopback traffic must not come first
                .redirectError(errFile.toFile()).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertTrue(r.readLine().contains("\"type\":\"window\""), "a first window");
        r.close(); // as `portwatch live ... | head -1` does
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "portwatch stops when its output goes away");
        assertEquals(0, p.exitValue());
        String err = Files.readString(errFile);
        assertTrue(err.lines().allMatch(l -> l.startsWith("portwatch: listening")), "nothing but the start line: " + err);
    }

    @Test
    void unknownInterfaceListsTheRealOnes() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "live", "-i", "nosuch0").start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.startsWith("portwatch: nosuch0") && err.contains("lo"), err);
        assertEquals(1, err.split("\n").length, err);
    }

    @Test
    void invalidFilterIsRejectedBeforeCapture() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "live", "-i", "lo", "--filter", "tcp prt 1").start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.contains("tcp prt 1"), err);
        assertEquals(1, err.split("\n").length, err);
    }

    @Test
    void interfacesAreListed() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "interfaces").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertTrue(out.lines().anyMatch(l -> l.startsWith("lo ") && l.contains("127.0.0.1")), out);
    }
}
