package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --config FILE} end to end, with the built jar on the project's sample capture: the file's
 * settings shape the output, flags win over them, and an invalid file stops portwatch with one line
 * (file, line, key, value, why) before it reads or captures anything.
 */
class ConfigIT {

    private static Path root;
    private static Path sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() throws Exception {
        ReadCommandIT.locate();
        root = Path.of(System.getProperty("portwatch.root", ".."));
        sample = root.resolve("src/samples/sample.pcap");
    }

    private Path config(String yaml) throws Exception {
        Path f = tmp.resolve("portwatch.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static Duration length(JsonNode window) {
        return Duration.between(Instant.parse(window.get("window_start").asText()),
                Instant.parse(window.get("window_end").asText()));
    }

    @Test
    void theFileShapesTheOutputAndFlagsWin() throws Exception {
        Path f = config("""
                format: json
                interval: 1s
                sensor: from-config
                detect: false
                read:
                  flows: true
                  top: 2
                """);
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--config", f.toString(), sample.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> windows = r.ofType("window");
        assertFalse(windows.isEmpty());
        for (JsonNode w : windows) {
            assertEquals(Duration.ofSeconds(1), length(w), "interval from the file");
            assertEquals("from-config", w.get("sensor").asText());
        }
        assertFalse(r.ofType("flow").isEmpty(), "flows: true from the read section");
        assertTrue(r.ofType("alert").isEmpty());
        List<JsonNode> ports = r.ofType("port_stats");
        long perWindowMax = windows.stream().mapToLong(w -> ports.stream()
                .filter(p -> p.get("window_start").equals(w.get("window_start"))).count()).max().orElseThrow();
        assertTrue(perWindowMax <= 2, "top: 2 from the read section, got " + perWindowMax);

        ReadCommandIT.Run o = ReadCommandIT.run("read", "-c", f.toString(), "--interval", "2s", "--no-flows",
                "--sensor", "from-flag", "--top", "0", sample.toString());
        assertEquals(0, o.exit(), o.err());
        for (JsonNode w : o.ofType("window")) {
            assertEquals(Duration.ofSeconds(2), length(w), "--interval wins over the file");
            assertEquals("from-flag", w.get("sensor").asText());
        }
        assertTrue(o.ofType("flow").isEmpty(), "--no-flows wins over the file");
        assertTrue(o.ofType("port_stats").size() > r.ofType("port_stats").size(), "--top 0 wins over the file");
    }

    @Test
    void theShippedExampleRuns() throws Exception {
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--config", root.resolve("src/examples/portwatch.yaml").toString(),
                sample.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.ofType("port_stats").isEmpty());
        assertTrue(r.err().isEmpty(), r.err());
    }

    private static void assertStopsBeforeStarting(ReadCommandIT.Run r, String message) {
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out(), "nothing read, nothing written");
        assertEquals(message, r.err().strip());
    }

    @Test
    void anInvalidFileStopsBeforeAnythingIsRead() throws Exception {
        Path f = config("format: json\nflood-ratio: lots\n");
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", f.toString(), sample.toString()),
                "portwatch: " + f + ", line 2: key 'flood-ratio', value 'lots': not a number");
        f = config("intervl: 1s\n");
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", f.toString(), sample.toString()),
                "portwatch: " + f + ", line 1: unknown key 'intervl' (did you mean 'interval'?)");
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", tmp.resolve("none.yaml").toString(), sample.toString()),
                "portwatch: " + tmp.resolve("none.yaml") + ": no such configuration file");
    }

    @Test
    void outOfRangeValuesFromTheFileNameTheirKey() throws Exception {
        Path f = config("format: json\nmax-flows: 0\n");
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", f.toString(), sample.toString()),
                "portwatch: " + f + ", line 2: key 'max-flows', value '0': --max-flows must be at least 1: 0");
        f = config("scan-ports: 1\n");
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", f.toString(), sample.toString()),
                "portwatch: " + f + ", line 1: key 'scan-ports', value '1': --scan-ports must be at least 2: 1");
        // the same value as a flag is named as a flag
        assertStopsBeforeStarting(ReadCommandIT.run("read", "-c", f.toString(), "--scan-ports", "0", sample.toString()),
                "portwatch: --scan-ports must be at least 2: 0 (see 'portwatch read --help')");
    }

    @Test
    void liveTakesItsInterfaceFromTheFileAndChecksItBeforeCapturing() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        assumeTrue(new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().equals("0"),
                "live capture needs root (CI runs as root)");
        Path bad = config("interface: lo\nlive:\n  snaplen: 10\n");
        ReadCommandIT.Run r = ReadCommandIT.run("live", "-c", bad.toString());
        assertStopsBeforeStarting(r, "portwatch: " + bad + ", line 3: key 'snaplen', value '10': "
                + "--snaplen must be 64 to 262144: 10");

        Path good = config("interface: lo\nformat: json\nlive:\n  interval: 1s\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                root.resolve("app/target/portwatch.jar").toString(), "live", "--config", good.toString())
                .redirectError(tmp.resolve("live.err").toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // other programs' loopback traffic may come first, as port_stats and service records of the window
            String first = out.readLine();
            while (first != null && (first.contains("\"type\":\"port_stats\"")
                    || first.contains("\"type\":\"service\""))) {
                first = out.readLine();
            }
            assertTrue(first != null && first.contains("\"type\":\"window\"") && first.contains("\"input\":\"lo\""),
                    "a window of lo, from the file's interface: " + first);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        assertTrue(Files.readString(tmp.resolve("live.err")).startsWith("portwatch: listening on lo"));
    }
}
