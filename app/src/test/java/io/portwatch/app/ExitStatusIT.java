package io.portwatch.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exit status says whose the fault is, from the fault's typed reason (not its message): the machine's
 * (3: libpcap missing, a port taken), the command line's (2: an invalid filter, no such interface), the
 * input's (1); for read and live.
 */
class ExitStatusIT {

    private static Path jar;
    private static Path sample;

    @BeforeAll
    static void locate() {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        sample = root.resolve("src/samples/sample.pcap");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
    }

    private static ReadCommandIT.Run portwatch(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        cmd.addAll(jvm);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        return ReadCommandIT.exec(cmd, Map.of(), null);
    }

    private static void assertOneLine(ReadCommandIT.Run r, String fragment) {
        String err = r.err().strip();
        assertTrue(err.startsWith("portwatch: ") && !err.contains("\n") && err.contains(fragment), err);
    }

    @Test
    void libpcapThatCannotBeLoadedIsTheMachinesFault() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of("-Dorg.pcap4j.core.pcapLibName=/nonexistent/libpcap.so.0.8"),
                "read", "--reader", "libpcap", sample.toString());
        assertEquals(3, r.exit(), r.err());
        assertOneLine(r, "libpcap not found");
    }

    @Test
    void aFleetWhoseClusterCannotBeReachedSaysSoOnOneLine() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of(), "fleet", "--kafka", "127.0.0.1:1", "--kafka-property",
                "default.api.timeout.ms=3000", "--kafka-property", "request.timeout.ms=2000");
        assertEquals(3, r.exit(), r.err());
        assertOneLine(r, "fleet on 127.0.0.1:1: ");
        ReadCommandIT.Run usage = portwatch(List.of(), "fleet");
        assertEquals(2, usage.exit(), usage.err());
        assertOneLine(usage, "--kafka is required");
    }

    /** The fleet's web view cannot listen: one line, exit 3, before the job starts (no cluster needed). */
    @Test
    void aFleetWhoseWebPortIsTakenSaysSoOnOneLine() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ReadCommandIT.Run r = portwatch(List.of(), "fleet", "--kafka", "127.0.0.1:1", "--http-port",
                    String.valueOf(taken.getLocalPort()));
            assertEquals(3, r.exit(), r.err());
            assertOneLine(r, "cannot serve the web view on 127.0.0.1:" + taken.getLocalPort());
        }
        ReadCommandIT.Run usage = portwatch(List.of(), "fleet", "--kafka", "127.0.0.1:1", "--http-password-file", "pw");
        assertEquals(2, usage.exit(), usage.err());
        assertTrue(usage.err().contains("--http-password-file needs --http-port"), usage.err());
    }

    @Test
    void aBaselineThatCannotBeWrittenSaysWhy() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of(), "read", "--save-baseline", "/nonexistent/dir/baseline.txt",
                "--format", "json", sample.toString());
        assertEquals(3, r.exit(), r.err());
        assertOneLine(r, "cannot write the baseline /nonexistent/dir/baseline.txt: no such file or directory");
    }

    @Test
    void anInvalidFilterIsTheCommandLinesFault() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of(), "read", "--filter", "tcp port eighty", sample.toString());
        assertEquals(2, r.exit(), r.err());
        assertOneLine(r, "invalid filter");
    }

    @Test
    void aMissingFileIsTheInputsFault() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of(), "read", "--format", "json", "/nonexistent/x.pcap");
        assertEquals(1, r.exit(), r.err());
        assertOneLine(r, "/nonexistent/x.pcap");
    }

    @Test
    void liveWithoutLibpcapIsTheMachinesFault() throws Exception {
        ReadCommandIT.Run r = portwatch(List.of("-Dorg.pcap4j.core.pcapLibName=/nonexistent/libpcap.so.0.8"),
                "live", "-i", "lo");
        assertEquals(3, r.exit(), r.err());
        assertOneLine(r, "libpcap not found");
    }

    /**
     * The metrics endpoint cannot listen (its port is taken) once the interface is open: the machine's
     * fault, said on one line after the start line, and the capture and the output are closed.
     */
    @Test
    void liveWhoseMetricsPortIsTakenIsTheMachinesFault() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        String uid = new String(id.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
        org.junit.jupiter.api.Assumptions.assumeTrue(uid.equals("0"), "live capture needs root (CI runs as root)");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ReadCommandIT.Run r = portwatch(List.of(), "live", "-i", "lo", "--format", "json",
                    "--metrics-port", Integer.toString(taken.getLocalPort()), "--metrics-address", "127.0.0.1");
            assertEquals(3, r.exit(), r.err());
            List<String> lines = r.err().strip().lines().toList();
            assertEquals(2, lines.size(), r.err());
            assertTrue(lines.get(0).startsWith("portwatch: listening on lo"), r.err());
            assertTrue(lines.get(1).startsWith("portwatch: ") && lines.get(1).contains(
                    Integer.toString(taken.getLocalPort())), r.err());
            assertEquals("", r.out(), "no records: the capture did not start");
        }
    }
}
