package io.portwatch.app;

import io.portwatch.capture.flow.HashKey;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        if (Corpus.ifPresent().isPresent()) { // the sample alone when the corpus is absent, except under CI
            Corpus.files(Corpus.captures(), ".pcap").forEach(f -> inputs.add(f.toString()));
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
