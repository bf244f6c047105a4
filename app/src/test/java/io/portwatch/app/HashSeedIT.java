package io.portwatch.app;

import io.portwatch.capture.flow.HashKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hash tables keyed with a secret drawn at start must not make the output depend on it: the same
 * captures give the same records in the same order whatever the key (three fixed seeds here), with
 * flows ended by timeouts, by evictions at a small --max-flows and at the end, alerts and windows.
 */
class HashSeedIT {

    private static Path jar;
    private static List<String> inputs;

    @BeforeAll
    static void locate() throws Exception {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        inputs = new ArrayList<>();
        inputs.add(root.resolve("src/samples/sample.pcap").toString());
        String corpus = System.getProperty("portwatch.corpus");
        if (corpus != null && Files.isDirectory(Path.of(corpus, "captures"))) {
            try (Stream<Path> s = Files.list(Path.of(corpus, "captures"))) {
                s.map(Path::toString).filter(f -> f.endsWith(".pcap")).sorted().forEach(inputs::add);
            }
        }
    }

    private static String read(long seed, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-D" + HashKey.SEED_PROPERTY + "=" + seed, "-jar", jar.toString(), "read"));
        cmd.addAll(List.of(args));
        cmd.add("--separate");
        cmd.add("--threads");
        cmd.add("1");
        cmd.addAll(inputs);
        ReadCommandIT.Run r = ReadCommandIT.exec(cmd, Map.of(), null);
        assertTrue(r.exit() == 0 || r.exit() == 1, r.err());
        return r.out();
    }

    @Test
    void sameRecordsInTheSameOrderWhateverTheKey() throws Exception {
        String[] args = {"--format", "json", "--flows", "--interval", "1s", "--max-flows", "64",
                "--tcp-handshake-timeout", "2s", "--udp-timeout", "2s"};
        String first = read(1, args);
        assertTrue(first.lines().filter(l -> l.contains("\"flow\"")).count() > 100, "flows reported");
        assertTrue(first.contains("\"end_reason\":\"evicted\""),
                "evictions at --max-flows 64");
        assertEquals(first, read(2, args));
        assertEquals(first, read(0x5EED_5EEDL, args));
    }
}
