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
 * (3: libpcap missing), the command line's (2: an invalid filter, no such interface), the input's (1).
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
}
