package io.portwatch.app.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The logging set-up in a JVM of its own (levels are global): a library's INFO never reaches the
 * terminal by default, warnings do, log lines go to stderr only, and --verbose's switch raises the
 * detail at once, for loggers already in use.
 */
class LoggingTest {

    private record Run(List<String> stdout, List<String> stderr) {
        /** The messages of stderr's log lines (after "logger: "). */
        List<String> messages() {
            List<String> m = new ArrayList<>();
            for (String line : stderr) {
                m.add(line.substring(line.indexOf(": ") + 2));
            }
            return m;
        }
    }

    private static Run probe(String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                LoggingProbe.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("probe", ".out");
        Path err = Files.createTempFile("probe", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished");
            assertEquals(0, p.exitValue(), Files.readString(err));
            return new Run(Files.readAllLines(out, StandardCharsets.UTF_8), Files.readAllLines(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void conciseByDefault() throws Exception {
        Run r = probe();
        assertEquals(List.of("{\"type\":\"record\"}"), r.stdout(), "stdout carries records only");
        // kafka-clients is silent by default: portwatch reports Kafka faults itself
        assertEquals(List.of("before portwatch info"), r.messages(), String.join("\n", r.stderr()));
        assertTrue(r.stderr().get(0).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  .*: before portwatch info"),
                r.stderr().get(0));
        Run quiet = probe("false");
        assertEquals(List.of("before portwatch info", "after portwatch info"), quiet.messages());
    }

    @Test
    void verboseRaisesTheDetailOfLoggersAlreadyInUse() throws Exception {
        Run r = probe("true");
        assertEquals(List.of("{\"type\":\"record\"}"), r.stdout());
        assertEquals(List.of("before portwatch info",
                "after kafka info", "after kafka warn", "after portwatch debug", "after portwatch info"), r.messages(),
                String.join("\n", r.stderr()));
    }
}
