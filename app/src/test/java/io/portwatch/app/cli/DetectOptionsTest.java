package io.portwatch.app.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The detection options of {@code portwatch read}, run as a user runs them (a separate JVM): a
 * malformed policy or baseline file stops the run before any capture is read, with a one-line error
 * naming the file and line, and exit status 2; {@code --save-baseline} writes the services seen.
 */
class DetectOptionsTest {

    record Run(int status, String out, String err) {
    }

    static Path sample() {
        return Path.of(System.getProperty("portwatch.root", "."), "src", "samples", "sample.pcap");
    }

    static Run portwatch(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.portwatch.app.Main"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int status = p.waitFor();
        return new Run(status, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void malformedPolicyStopsBeforeReading(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("site.policy");
        Files.write(policy, List.of("# web only", "default deny", "allow tcp 80,443,70000"));
        Run r = portwatch(dir, "read", "--format", "json", "--policy", policy.toString(), sample().toString());
        assertEquals(2, r.status(), r.err());
        assertEquals("portwatch: " + policy + ":3: port 70000 out of range (0-65535)\n", r.err());
        assertEquals("", r.out(), "nothing read, nothing reported");
    }

    @Test
    void malformedOrMissingBaseline(@TempDir Path dir) throws Exception {
        Path known = dir.resolve("known.txt");
        Files.write(known, List.of("tcp 127.77.0.10 8080", "udp 127.77.0.10"));
        Run r = portwatch(dir, "read", "--baseline", known.toString(), sample().toString());
        assertEquals(2, r.status(), r.err());
        assertEquals("portwatch: " + known + ":2: expected 'TRANSPORT ADDRESS PORT' and optionally "
                + "'FIRST_SEEN LAST_SEEN CLIENTS FLOWS', got 2 fields\n", r.err());
        Path missing = dir.resolve("missing.txt");
        r = portwatch(dir, "read", "--baseline", missing.toString(), sample().toString());
        assertEquals(2, r.status());
        assertEquals("portwatch: " + missing + ": no such file\n", r.err());
    }

    @Test
    void optionsThatNeedDetection(@TempDir Path dir) throws Exception {
        Run r = portwatch(dir, "read", "--no-detect", "--save-baseline", dir.resolve("b").toString(), sample().toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("portwatch: --save-baseline needs detection (drop --no-detect)"), r.err());
        r = portwatch(dir, "read", "--scan-ports", "1", sample().toString());
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("portwatch: --scan-ports must be at least 2: 1"), r.err());
    }

    /** Issue 20: the sample's scanner allowed: no port_scan alert, and the window record counts it. */
    @Test
    void anAllowedScannerIsCountedNotAlerted(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(sample()));
        Run r = portwatch(dir, "read", "--format", "json", sample().toString());
        assertTrue(r.out().contains("\"kind\":\"port_scan\""), r.out());
        assertTrue(!r.out().contains("alerts_allowed"), "no allow-list, no count");
        Path file = dir.resolve("scanners.txt");
        Files.write(file, List.of("# the vulnerability scanner", "127.77.0.66"));
        r = portwatch(dir, "read", "--format", "json", "--scanner-allow-file", file.toString(), sample().toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(!r.out().contains("\"kind\":\"port_scan\""), r.out());
        assertTrue(r.out().contains("\"alerts_allowed\":{\"port_scan\":1,\"syn_flood\":0}"), r.out());
        r = portwatch(dir, "read", "--format", "json", "--scanner-allow", "10.0.0.0/8,127.77.0.0/16",
                sample().toString());
        assertTrue(r.out().contains("\"alerts_allowed\":{\"port_scan\":1,\"syn_flood\":0}"), r.out());
        r = portwatch(dir, "read", "--scanner-allow", "127.77.0.0/40", sample().toString());
        assertEquals(2, r.status());
        assertEquals("portwatch: --scanner-allow: prefix length of '127.77.0.0/40' must be 0-32\n", r.err());
    }

    @Test
    void savedBaselineHoldsTheServicesSeen(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(sample()));
        Path saved = dir.resolve("services.txt");
        Run r = portwatch(dir, "read", "--format", "json", "--save-baseline", saved.toString(), sample().toString());
        assertEquals(0, r.status(), r.err());
        List<String> services = Files.readAllLines(saved).stream().filter(l -> !l.startsWith("#"))
                .map(l -> String.join(" ", List.of(l.split(" ")).subList(0, 3))).toList();
        // make-sample.sh: HTTP on 127.77.0.10:8080 and [::1]:8443, DNS on 127.77.0.10:53; 3306 refuses
        assertEquals(List.of("tcp ::1 8443", "tcp 127.77.0.10 8080", "udp 127.77.0.10 53"), services);
        // read back as the baseline of the same capture: accepted
        r = portwatch(dir, "read", "--format", "json", "--baseline", saved.toString(), "--learn", "0",
                sample().toString());
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void baselineThatCannotBeWritten(@TempDir Path dir) throws Exception {
        Path nowhere = dir.resolve("no-such-dir").resolve("services.txt");
        Run r = portwatch(dir, "read", "--format", "json", "--save-baseline", nowhere.toString(), sample().toString());
        assertEquals(3, r.status(), r.err());
        assertTrue(r.err().startsWith("portwatch: cannot write the baseline " + nowhere + ": "), r.err());
    }
}
