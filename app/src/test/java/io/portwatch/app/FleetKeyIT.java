package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.app.cli.FleetKeyOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fleet key end to end, with the built jar on the project's sample capture: from {@code --fleet-key-file},
 * the configuration file or {@value FleetKeyOption#KEY_ENV}, it keys the port records' sketches alike (so
 * that two sensors' sketches merge) and differently from the public hash, leaves the exact counts as they
 * are, and never shows: not in records (JSON or ECS), not in messages, not with {@code --verbose}. A key
 * that cannot serve stops portwatch with one line that names where it came from, not what it holds.
 */
class FleetKeyIT {

    private static final String KEY = "Zq8-fleet-key-of-the-integration-test-T4m1";
    private static Path sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() throws Exception {
        ReadCommandIT.locate();
        sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
    }

    /** {@code read --format json ... sample} with the environment variable set to {@code env} (null: unset). */
    private static ReadCommandIT.Run read(String env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", Path.of(System.getProperty("portwatch.root", ".."))
                        .resolve("app/target/portwatch.jar").toString(), "read"));
        cmd.addAll(List.of(args));
        cmd.add(sample.toString());
        Map<String, String> vars = new HashMap<>();
        vars.put(FleetKeyOption.KEY_ENV, env);
        return ReadCommandIT.exec(cmd, vars, null);
    }

    /** Each port's sketches and exact counts: {@code tcp/443 -> [clients_hll, servers_hll, unique_clients, ...]}. */
    private static Map<String, List<String>> sketches(ReadCommandIT.Run r, String key) throws Exception {
        assertEquals(0, r.exit(), r.err());
        Map<String, List<String>> m = new HashMap<>();
        for (JsonNode p : r.ofType("port_stats")) {
            assertEquals(key, p.get("hll_key").asText(), p.toString());
            m.put(p.get("transport").asText() + "/" + p.get("port").asInt(), List.of(p.get("clients_hll").asText(),
                    p.get("servers_hll").asText(), p.get("unique_clients").asText(), p.get("unique_servers").asText()));
        }
        assertFalse(m.isEmpty());
        return m;
    }

    private static void neverShown(ReadCommandIT.Run r) {
        for (String text : new String[] {r.out(), r.err()}) {
            assertFalse(text.contains(KEY), "the key shows: " + text);
            assertFalse(text.contains("T4m1"), "part of the key shows: " + text);
        }
    }

    @Test
    void theKeyKeysTheSketchesAlikeWhereverItComesFromAndNeverShows() throws Exception {
        Path keyFile = tmp.resolve("fleet.key");
        Files.writeString(keyFile, KEY + "\n");
        Path config = tmp.resolve("portwatch.yaml");
        Files.writeString(config, "format: json\nfleet-key-file: fleet.key\n");

        ReadCommandIT.Run open = read(null, "--format", "json");
        ReadCommandIT.Run file = read(null, "--format", "json", "--verbose", "--fleet-key-file", keyFile.toString());
        ReadCommandIT.Run env = read(KEY, "--format", "json");
        ReadCommandIT.Run conf = read(null, "--config", config.toString());
        ReadCommandIT.Run fileOverEnv = read("another key of the right length", "--format", "json", "--fleet-key-file",
                keyFile.toString());
        ReadCommandIT.Run ecs = read(KEY, "--format", "ecs");

        Map<String, List<String>> publicSketches = sketches(open, "public");
        Map<String, List<String>> keyed = sketches(file, "fleet");
        assertEquals(keyed, sketches(env, "fleet"), "the same key from the environment: the same sketches");
        assertEquals(keyed, sketches(conf, "fleet"), "the same key from the configuration file");
        assertEquals(keyed, sketches(fileOverEnv, "fleet"), "the file wins over the environment");
        assertEquals(publicSketches.keySet(), keyed.keySet());
        for (String port : keyed.keySet()) {
            assertEquals(publicSketches.get(port).subList(2, 4), keyed.get(port).subList(2, 4), "exact counts of " + port);
            assertNotEquals(publicSketches.get(port).get(0), keyed.get(port).get(0), "keyed registers of " + port);
        }
        assertEquals(0, ecs.exit(), ecs.err());
        assertTrue(ecs.out().contains("\"hll_key\":\"fleet\""), "ECS documents say fleet");
        for (ReadCommandIT.Run r : List.of(open, file, env, conf, fileOverEnv, ecs)) {
            neverShown(r);
        }
    }

    @Test
    void aKeyThatCannotServeStopsPortwatchWithOneLine() throws Exception {
        Path shortKey = tmp.resolve("short.key");
        Files.writeString(shortKey, "T4m1-tiny\n");
        ReadCommandIT.Run tooShort = read(null, "--fleet-key-file", shortKey.toString());
        ReadCommandIT.Run missing = read(null, "--fleet-key-file", tmp.resolve("absent.key").toString());
        ReadCommandIT.Run shortEnv = read("T4m1-tiny", "--format", "json");
        ReadCommandIT.Run emptyEnv = read("", "--format", "json");
        assertOneLine(tooShort, "--fleet-key-file " + shortKey, "at least 16 characters, not 9");
        assertOneLine(missing, "--fleet-key-file " + tmp.resolve("absent.key"), "cannot read it");
        assertOneLine(shortEnv, FleetKeyOption.KEY_ENV, "at least 16 characters, not 9");
        assertOneLine(emptyEnv, FleetKeyOption.KEY_ENV, "at least 16 characters, not 0");
        for (ReadCommandIT.Run r : List.of(tooShort, missing, shortEnv, emptyEnv)) {
            assertFalse(r.err().contains("T4m1"), r.err());
            assertEquals("", r.out(), "nothing analysed");
        }
    }

    private static void assertOneLine(ReadCommandIT.Run r, String... fragments) {
        assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("portwatch: "), err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "names '" + f + "': " + err);
        }
    }
}
