package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code portwatch read} on inputs as operators have them (issue 14): zstd and xz captures.
 */
class ReadInputsIT {

    private static Path sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() throws IOException {
        ReadCommandIT.locate();
        sample = Path.of(System.getProperty("portwatch.root", "..")).resolve("src/samples/sample.pcap");
    }

    /** The records without their {@code input} (the file's name), in order. */
    static List<JsonNode> withoutInput(ReadCommandIT.Run r) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (JsonNode n : r.records()) {
            ((ObjectNode) n).remove("input");
            l.add(n);
        }
        return l;
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a shell command line to its end; its exit status. */
    static int sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "xz"})
    void compressedCapturesReadAsTheUncompressedOne(String tool) throws Exception {
        assumeTrue(installed(tool), tool + " is not installed");
        Path z = tmp.resolve("sample.pcap" + (tool.equals("zstd") ? ".zst" : ".xz"));
        assertEquals(0, sh(tool + " -q -c < '" + sample + "' > '" + z + "'"));
        ReadCommandIT.Run plain = ReadCommandIT.run("read", "--format", "json", "--flows", "--interval", "100ms",
                sample.toString());
        ReadCommandIT.Run packed = ReadCommandIT.run("read", "--format", "json", "--flows", "--interval", "100ms",
                z.toString());
        assertEquals(0, packed.exit(), packed.err());
        assertEquals("", packed.err());
        assertTrue(plain.records().size() > 10, plain.out());
        assertEquals(withoutInput(plain), withoutInput(packed));

        byte[] whole = Files.readAllBytes(z);
        Path cut = tmp.resolve("cut-" + z.getFileName());
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        ReadCommandIT.Run r = ReadCommandIT.run("read", "--format", "json", cut.toString());
        assertEquals(1, r.exit(), r.err());
        String err = r.err().strip();
        assertEquals("portwatch: " + cut + ": truncated " + tool + " data", err.replaceFirst(" \\(.*\\)$", ""));
        assertFalse(err.contains("\n"), err);
        assertEquals(1, r.ofType("summary").size(), "a summary still");
    }
}
