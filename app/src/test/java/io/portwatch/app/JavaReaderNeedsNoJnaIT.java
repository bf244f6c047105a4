package io.portwatch.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code read} with the Java reader (the default) loads no class of JNA, of pcap4j or of capture's libpcap
 * package, so that it runs where libpcap is missing and pays nothing for it: the built jar is run with the
 * JVM's class-loading log ({@code -Xlog:class+load}) on the sample capture, as a user runs it, in each of
 * the ways the Java reader is reached (one file, several merged, --separate, standard input, gzip).
 * {@code --reader libpcap} is run the same way to show that the log does show those classes when they load.
 */
class JavaReaderNeedsNoJnaIT {

    /** {@code [0.012s][info][class,load] com.sun.jna.Native source: jar:...}. */
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\s*\\] (\\S+) source:");
    private static final List<String> FORBIDDEN =
            List.of("com.sun.jna.", "org.pcap4j.", "io.portwatch.capture.libpcap.");

    private static Path jar;
    private static Path sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        jar = root.resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
        sample = root.resolve("src/samples/sample.pcap");
    }

    /** Runs {@code portwatch read ARGS} with the class-loading log; the names of the classes it loaded. */
    private TreeSet<String> loadedBy(byte[] stdin, String... args) throws Exception {
        Path log = Files.createTempFile(tmp, "classes-", ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Xlog:class+load=info:file=" + log, "-jar", jar.toString(), "read"));
        cmd.addAll(List.of(args));
        ReadCommandIT.Run r = ReadCommandIT.exec(cmd, Map.of(), stdin);
        assumeFalse(r.exit() == 3 && r.err().contains("libpcap not found"), r.err());
        assertEquals(0, r.exit(), "read " + String.join(" ", args) + ": " + r.err());
        assertFalse(r.out().isBlank(), "read " + String.join(" ", args) + " wrote its records");
        TreeSet<String> classes = new TreeSet<>();
        Matcher m = LOADED.matcher(Files.readString(log));
        while (m.find()) {
            classes.add(m.group(1));
        }
        assertTrue(classes.contains("io.portwatch.app.cli.ReadCommand"), "the log lists the classes loaded");
        return classes;
    }

    private static List<String> forbidden(TreeSet<String> classes) {
        return classes.stream().filter(c -> FORBIDDEN.stream().anyMatch(c::startsWith)).toList();
    }

    @Test
    void theJavaReaderLoadsNoJnaPcap4jOrLibpcapClass() throws Exception {
        Path gz = tmp.resolve("sample.pcap.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(sample, out);
        }
        String s = sample.toString();
        List<String[]> runs = List.of(
                new String[] {"--format", "json", s},
                new String[] {"--format", "json", "--flows", s},
                new String[] {"--format", "ecs", "--flows", s},
                new String[] {"--format", "json", s, gz.toString()},
                new String[] {"--separate", "--format", "json", s, gz.toString()});
        for (String[] args : runs) {
            TreeSet<String> classes = loadedBy(null, args);
            assertTrue(classes.contains("io.portwatch.capture.source.CaptureFileSource"), "the Java reader read");
            assertEquals(List.of(), forbidden(classes), "read " + String.join(" ", args));
        }
        TreeSet<String> stdin = loadedBy(Files.readAllBytes(sample), "--format", "json", "-");
        assertEquals(List.of(), forbidden(stdin), "read -");
    }

    @Test
    void theLibpcapReaderShowsInTheLog() throws Exception {
        TreeSet<String> classes = loadedBy(null, "--reader", "libpcap", "--format", "json", sample.toString());
        assertTrue(classes.contains("io.portwatch.capture.libpcap.LibpcapFileSource"), "the libpcap reader read");
        assertTrue(classes.stream().anyMatch(c -> c.startsWith("com.sun.jna.")), "JNA is loaded, and the log shows it");
    }
}
