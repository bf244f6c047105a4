package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch live} on the host end of a veth pair whose other end is in a network namespace the test
 * makes (real Ethernet framing, real MACs), beside {@code lo}; that interface then goes away mid-capture
 * and comes back: taken down and up again, or deleted and made again with the same name. Each time it is
 * said on one line each way and captured again, the datagrams sent after are counted, the window records
 * carry the gap (down_ms, reattached) and the metrics too, libpcap's counters go on, capture on {@code lo}
 * goes on meanwhile, and a stop ends it all with status 0. Run as {@code --user nobody}, portwatch may not
 * open it again: it says why once and goes on trying. Needs root and {@code ip netns}; skipped with the
 * reason where they are missing. Traffic goes only to the test's own namespace.
 */
class LiveNamespaceIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern AWAY = Pattern.compile(": captured again, after ([0-9.]+) s away");

    @TempDir
    Path tmp;

    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    private final String ns = "pwit" + tag;
    private final String host = "pwh" + tag;
    private final String peer = "pwp" + tag;
    private boolean made;
    private Process portwatch;
    private Path out;
    private Path err;

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @BeforeEach
    void namespace() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        assumeTrue(new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().equals("0"),
                "network namespaces need root (CI runs as root)");
        assumeTrue(sh("ip", "netns", "add", ns) == 0, "cannot create a network namespace here");
        made = true;
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
        makePair();
    }

    /** The veth pair, addressed and up: the host end here, its peer in the namespace. */
    private void makePair() throws Exception {
        assertEquals(0, sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer));
        assertEquals(0, sh("ip", "link", "set", peer, "netns", ns));
        assertEquals(0, sh("ip", "addr", "add", "10.77.91.1/30", "dev", host));
        assertEquals(0, sh("ip", "link", "set", host, "up"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "addr", "add", "10.77.91.2/30", "dev", peer));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", peer, "up"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (portwatch != null && portwatch.isAlive()) {
            portwatch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (made) {
            sh("ip", "link", "del", host);
            sh("ip", "netns", "del", ns);
        }
    }

    private void start(String... more) throws IOException {
        Path jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        out = tmp.resolve("out.jsonl");
        err = tmp.resolve("err.txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "live", "-i", host, "-i", "lo", "--interval", "1s", "--format", "json",
                "--filter", "udp port 5555"));
        cmd.addAll(List.of(more));
        portwatch = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        waitFor(() -> Files.readString(err).contains("listening on lo"), "capturing");
    }

    /** Ends portwatch with SIGTERM: status 0, whatever happened to the interface. */
    private String stop() throws Exception {
        portwatch.destroy();
        assertTrue(portwatch.waitFor(30, TimeUnit.SECONDS));
        String said = Files.readString(err);
        assertEquals(0, portwatch.exitValue(), "only a stop ends it, and a gap is no failure: " + said);
        return said;
    }

    private List<JsonNode> records(String type, String input) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals(type) && (input == null || n.get("input").asText().equals(input))) {
                l.add(n);
            }
        }
        return l;
    }

    private long hostPackets() throws IOException {
        return records("port_stats", host).stream().mapToLong(r -> r.get("packets").asLong()).sum();
    }

    private void send(int datagrams, int from) throws Exception {
        for (int i = from; i < from + datagrams; i++) {
            assertEquals(0, sh("ip", "netns", "exec", ns, "bash", "-c",
                    "printf 'portwatch-%0100d' " + i + " > /dev/udp/10.77.91.1/5555"));
        }
    }

    private void waitFor(Await.Condition condition, String what) {
        Await.until(Duration.ofSeconds(30), condition, what);
    }

    /** The line portwatch says when capture resumed, and the gap it names, in ms. */
    private long awayMillis(String said) {
        Matcher m = AWAY.matcher(said);
        assertTrue(m.find(), said);
        return Math.round(Double.parseDouble(m.group(1)) * 1000);
    }

    /**
     * Checks the host's window records against a gap of {@code awayMillis}: the windows it spans report it
     * whole (every window between its first and last down for all its second), the reattach counted once,
     * where the gap ends, and libpcap's counters, over the handles, add up to the datagrams sent.
     */
    private void assertTheGapIsInTheWindows(long awayMillis, long datagrams) throws IOException {
        List<JsonNode> windows = records("window", host);
        List<Long> down = windows.stream().map(w -> w.get("capture").get("down_ms").asLong()).toList();
        long total = down.stream().mapToLong(Long::longValue).sum();
        assertTrue(Math.abs(total - awayMillis) <= windows.size() + 2,
                "the windows' down_ms add up to the gap said: " + total + " ms, " + awayMillis + " ms said; " + down);
        int first = 0;
        while (down.get(first) == 0) {
            first++;
        }
        int last = down.size() - 1;
        while (down.get(last) == 0) {
            last--;
        }
        for (int i = first + 1; i < last; i++) {
            assertEquals(1000, down.get(i), "a window wholly in the gap: " + down);
        }
        for (long d : down) {
            assertTrue(d >= 0 && d <= 1000, "at most the window's second: " + down);
        }
        List<Long> reattached = windows.stream().map(w -> w.get("capture").get("reattached").asLong()).toList();
        assertEquals(1, reattached.stream().mapToLong(Long::longValue).sum(), reattached.toString());
        int at = reattached.indexOf(1L);
        assertTrue(at == last || at == last + 1, "captured again where the gap ends: " + down + " " + reattached);
        long received = 0;
        for (JsonNode w : windows) {
            long r = w.get("capture").get("received").asLong();
            assertTrue(r >= 0, "libpcap's counters only go up, over the handles: " + windows);
            received += r;
        }
        assertEquals(datagrams, received, "received, the first handle's and the second's");
    }

    private static String get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of a Prometheus sample line that starts with {@code series}, or -1. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst().orElse(-1);
    }

    @Test
    void anInterfaceTakenDownAndUpAgainIsCapturedAgainAndTheGapReported() throws Exception {
        start("--metrics-port", "0", "--metrics-address", "127.0.0.1");
        waitFor(() -> Files.readString(err).contains("portwatch: metrics on "), "the metrics address");
        String url = Files.readString(err).lines().filter(l -> l.startsWith("portwatch: metrics on ")).findFirst()
                .orElseThrow().substring("portwatch: metrics on ".length()).trim();
        HttpClient client = HttpClient.newHttpClient();
        String up = "portwatch_capture_up{interface=\"" + host + "\"}";
        assertEquals(1.0, sample(get(client, url), up));

        // Real datagrams from the namespace host to ours, over the veth pair (Ethernet)
        send(5, 0);
        waitFor(() -> hostPackets() == 5, "the 5 datagrams on " + host);
        JsonNode udp = records("port_stats", host).get(0);
        assertEquals("udp", udp.get("transport").asText());
        assertEquals(5555, udp.get("port").asInt());

        assertEquals(0, sh("ip", "link", "set", host, "down"));
        waitFor(() -> Files.readString(err).contains("portwatch: " + host
                + ": the interface went down; opening it again every 1 s, backing off to 5 s"), "the gap is said");
        waitFor(() -> sample(get(client, url), up) == 0.0, "the up gauge says it");
        assertEquals(1.0, sample(get(client, url), "portwatch_capture_up{interface=\"lo\"}"));
        int lo = records("window", "lo").size();
        int hostWindows = records("window", host).size();
        waitFor(() -> records("window", "lo").size() >= lo + 3, "lo goes on reporting");
        assertTrue(records("window", host).size() >= hostWindows + 2, "windows close on the clock while down");

        assertEquals(0, sh("ip", "link", "set", host, "up"));
        waitFor(() -> Files.readString(err).contains("portwatch: " + host + ": captured again, after "), "back");
        assertEquals(1.0, sample(get(client, url), up));
        send(3, 5);
        waitFor(() -> hostPackets() == 8, "the datagrams sent after are counted");
        String reattached = "portwatch_capture_reattached_total{interface=\"" + host + "\"}";
        waitFor(() -> sample(get(client, url), reattached) == 1.0, "the metrics count the reattach");
        String scrape = get(client, url);
        double downSeconds = sample(scrape, "portwatch_capture_down_seconds_total{interface=\"" + host + "\"}");
        assertEquals(0.0, sample(scrape, "portwatch_capture_down_seconds_total{interface=\"lo\"}"), scrape);

        String said = stop();
        long away = awayMillis(said);
        assertTrue(away >= 1000, "one second at least before the first attempt: " + said);
        assertTrue(Math.abs(downSeconds * 1000 - away) <= 20, "the metrics' time down: " + downSeconds + " s, " + said);
        assertEquals(List.of("went down", "captured again"), said.lines()
                .filter(l -> !l.contains("listening on") && !l.contains("metrics on"))
                .map(l -> l.contains("went down") ? "went down" : l.contains("captured again") ? "captured again" : l)
                .toList(), "one line each way, nothing else: " + said);
        assertTheGapIsInTheWindows(away, 8);
        JsonNode hostSummary = records("summary", host).get(0);
        assertEquals(8, hostSummary.get("udp_packets").asLong(), "counted before and after the gap");
        assertEquals(0, hostSummary.get("input_errors").size(), "a gap is no fault of the input");
        assertTrue(records("window", "lo").stream().allMatch(w -> w.get("capture").get("down_ms").asLong() == 0
                && w.get("capture").get("reattached").asLong() == 0), "lo had no gap");
    }

    @Test
    void anInterfaceDeletedAndMadeAgainWithItsNameIsCapturedAgain() throws Exception {
        start();
        send(2, 0);
        waitFor(() -> hostPackets() == 2, "the datagrams before");

        assertEquals(0, sh("ip", "link", "del", host)); // its peer goes with it
        waitFor(() -> Files.readString(err).toLowerCase().contains(host + ": the interface disappeared; opening it again"),
                "the gap is said");
        Thread.sleep(2_500); // attempts fail meanwhile: no such interface, not said
        makePair();
        waitFor(() -> Files.readString(err).contains("portwatch: " + host + ": captured again, after "), "back");
        send(3, 2);
        waitFor(() -> hostPackets() == 5, "the datagrams sent to the new interface are counted");
        int windows = records("window", host).size();
        waitFor(() -> records("window", host).size() >= windows + 2, "the windows after the reattach");

        String said = stop();
        assertEquals(4, said.lines().count(), "two lines listening, one gone, one back: " + said);
        assertTheGapIsInTheWindows(awayMillis(said), 5);
        assertEquals(5, records("summary", host).get(0).get("udp_packets").asLong());
    }

    @Test
    void runAsAUserThatCannotOpenItAgainItSaysWhyOnceAndGoesOnTrying() throws Exception {
        start("--user", "nobody");
        waitFor(() -> Files.readString(err).contains("portwatch: running as nobody"), "the user");
        send(2, 0);
        waitFor(() -> hostPackets() == 2, "the datagrams before");

        assertEquals(0, sh("ip", "link", "set", host, "down"));
        waitFor(() -> Files.readString(err).contains(host + ": the interface went down"), "the gap is said");
        assertEquals(0, sh("ip", "link", "set", host, "up")); // back at once: only the permission is missing
        waitFor(() -> Files.readString(err).contains("portwatch: " + host + ": no permission to capture"), "why");
        Thread.sleep(8_000); // attempts after 1, 2, 4 s and more, refused the same way
        int lo = records("window", "lo").size();
        waitFor(() -> records("window", "lo").size() >= lo + 2, "lo goes on reporting");
        assertTrue(portwatch.isAlive(), "a refusal is no crash");

        String said = stop();
        List<String> lines = said.lines().filter(l -> l.contains(host + ":")).toList();
        assertEquals(2, lines.size(), "gone once, refused once: " + said);
        assertTrue(lines.get(0).contains("the interface went down"), said);
        assertTrue(lines.get(1).endsWith("; trying again every 1 s, backing off to 5 s until stopped"), said);
        List<JsonNode> windows = records("window", host);
        long down = windows.stream().mapToLong(w -> w.get("capture").get("down_ms").asLong()).sum();
        assertTrue(down >= 8_000, "the gap goes on until the stop: " + down + " ms");
        assertFalse(windows.stream().anyMatch(w -> w.get("capture").get("reattached").asLong() > 0));
        assertEquals(2, records("summary", host).get(0).get("udp_packets").asLong());
    }
}
