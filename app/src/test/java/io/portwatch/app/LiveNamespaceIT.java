package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch live} on two interfaces, one of them the host end of a veth pair whose other end is
 * in a network namespace the test makes (real Ethernet framing, real MACs); that interface then goes
 * down mid-capture: it is reported and capture on the other goes on. Needs root and {@code ip netns};
 * skipped with the reason where they are missing. Traffic goes only to the test's own namespace.
 */
class LiveNamespaceIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(10_000, 99_999));
    private final String ns = "pwit" + tag;
    private final String host = "pwh" + tag;
    private final String peer = "pwp" + tag;
    private boolean made;
    private Process portwatch;

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
        assertEquals(0, sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer));
        assertEquals(0, sh("ip", "link", "set", peer, "netns", ns));
        assertEquals(0, sh("ip", "addr", "add", "10.77.91.1/30", "dev", host));
        assertEquals(0, sh("ip", "link", "set", host, "up"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "addr", "add", "10.77.91.2/30", "dev", peer));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", peer, "up"));
        assertEquals(0, sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
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

    private List<JsonNode> records(Path out, String type, String input) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals(type) && (input == null || n.get("input").asText().equals(input))) {
                l.add(n);
            }
        }
        return l;
    }

    private void waitFor(Await.Condition condition, String what) {
        Await.until(Duration.ofSeconds(20), condition, what);
    }

    @Test
    void anInterfaceThatGoesDownIsReportedAndTheOthersGoOn() throws Exception {
        Path jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        Path out = tmp.resolve("out.jsonl");
        Path err = tmp.resolve("err.txt");
        portwatch = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "live", "-i", host, "-i", "lo", "--interval", "1s", "--format", "json",
                "--filter", "udp port 5555").redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        waitFor(() -> Files.readString(err).contains("listening on lo"), "capturing");

        // Real datagrams from the namespace host to ours, over the veth pair (Ethernet)
        for (int i = 0; i < 5; i++) {
            assertEquals(0, sh("ip", "netns", "exec", ns, "bash", "-c",
                    "printf 'portwatch-%0100d' " + i + " > /dev/udp/10.77.91.1/5555"));
        }
        waitFor(() -> records(out, "port_stats", host).stream()
                .mapToLong(r -> r.get("packets").asLong()).sum() == 5, "the 5 datagrams on " + host);
        JsonNode udp = records(out, "port_stats", host).get(0);
        assertEquals("udp", udp.get("transport").asText());
        assertEquals(5555, udp.get("port").asInt());
        assertEquals(5L * (20 + 8 + 110), records(out, "port_stats", host).stream()
                .mapToLong(r -> r.get("bytes").asLong()).sum());

        assertEquals(0, sh("ip", "link", "set", host, "down"));
        waitFor(() -> Files.readString(err).contains(host + ": the interface went down"), "the fault is reported");
        int lo = records(out, "window", "lo").size();
        waitFor(() -> records(out, "window", "lo").size() >= lo + 2, "lo goes on reporting");

        portwatch.destroy();
        assertTrue(portwatch.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, portwatch.exitValue(), "an interface failed: " + Files.readString(err));
        String errText = Files.readString(err);
        assertEquals(1, errText.lines().filter(l -> !l.contains("listening on")).count(), errText);
        JsonNode hostSummary = records(out, "summary", host).get(0);
        assertEquals(5, hostSummary.get("udp_packets").asLong(), "counted before the fault is kept");
        assertTrue(hostSummary.get("input_errors").get(0).asText().contains("went down"));
        assertEquals(1, records(out, "summary", "lo").size());
    }
}
