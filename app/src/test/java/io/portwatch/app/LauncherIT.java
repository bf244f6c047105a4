package io.portwatch.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher the build puts beside the jar ({@code app/target/portwatch}, from {@code src/dist/portwatch}):
 * it gives the jar's output, uses the class data archive the build made, lets the user's JVM options
 * win (a collector of their own included), and says so in one line when the jar or Java is missing.
 */
class LauncherIT {

    private static Path launcher;
    private static Path sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() throws java.io.IOException {
        ReadCommandIT.locate(); // its jar runner, for the jar's own records
        Path root = Path.of(System.getProperty("portwatch.root", ".."));
        launcher = root.resolve("app/target/portwatch");
        assertTrue(Files.isExecutable(launcher), "the build makes " + launcher);
        sample = root.resolve("src/samples/sample.pcap");
    }

    private static ReadCommandIT.Run launch(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> vars = new java.util.HashMap<>();
        vars.put("JAVA_HOME", System.getProperty("java.home")); // the Java that built the archive
        vars.put("PORTWATCH_JAVA_OPTS", null);
        vars.putAll(env);
        return ReadCommandIT.exec(cmd, vars, null);
    }

    @Test
    void theLauncherGivesTheJarsRecords() throws Exception {
        ReadCommandIT.Run viaLauncher = launch(launcher, Map.of(), "read", "--format", "json", "--flows", sample.toString());
        ReadCommandIT.Run viaJar = ReadCommandIT.run("read", "--format", "json", "--flows", sample.toString());
        assertEquals(0, viaLauncher.exit(), viaLauncher.err());
        assertEquals("", viaLauncher.err());
        assertFalse(viaLauncher.ofType("port_stats").isEmpty());
        assertFalse(viaLauncher.ofType("alert").isEmpty(), "detection on, on its own thread");
        assertEquals(viaJar.out(), viaLauncher.out());
    }

    /**
     * On a Java past 21 (DataSketches' memory library refuses those by their version string: {@code SketchLibrary}):
     * the sample's records, their distinct-count sketches included, are those of the build's Java, and nothing is
     * said on standard error (it was a stack trace at the first window's sketches, and Java 25's warnings of JNA's
     * native calls and of sun.misc.Unsafe).
     */
    @Test
    void aJavaPast21GivesTheSameRecordsAndSaysNothing() throws Exception {
        Path later = javaPast21();
        assumeTrue(later != null, "no Java past 21 under /usr/lib/jvm");
        ReadCommandIT.Run onLater = launch(launcher, Map.of("JAVA_HOME", later.toString()),
                "read", "--format", "json", "--flows", sample.toString());
        ReadCommandIT.Run onBuilds = launch(launcher, Map.of(), "read", "--format", "json", "--flows", sample.toString());
        assertEquals(0, onLater.exit(), later + ": " + onLater.err());
        assertEquals("", onLater.err(), later.toString());
        assertTrue(onLater.out().contains("\"clients_hll\":\""), "the records carry their sketches");
        assertEquals(onBuilds.out(), onLater.out());
    }

    /** The home of a Java whose feature release is past 21, under /usr/lib/jvm; or null. */
    private static Path javaPast21() throws java.io.IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (var homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path release = home.resolve("release");
                if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/java"))) {
                    continue;
                }
                var m = java.util.regex.Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
                if (m.find() && Integer.parseInt(m.group(1)) > 21) {
                    return home;
                }
            }
        }
        return null;
    }

    @Test
    void theClassDataArchiveIsUsed() throws Exception {
        Path archive = launcher.resolveSibling("portwatch.jsa");
        assertTrue(Files.isRegularFile(archive), "the build makes " + archive);
        Path log = tmp.resolve("classes.log");
        ReadCommandIT.Run r = launch(launcher, Map.of("PORTWATCH_JAVA_OPTS", "-Xlog:class+load:file=" + log),
                "read", "--format", "json", sample.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(log);
        long fromArchive = lines.stream()
                .filter(l -> l.contains("io.portwatch.") && l.contains("shared objects file (top)")).count();
        assertTrue(fromArchive > 50, "portwatch's classes come from the archive: " + fromArchive);
    }

    @Test
    void theUsersOptionsWinACollectorIncluded() throws Exception {
        ReadCommandIT.Run r = launch(launcher, Map.of("PORTWATCH_JAVA_OPTS", "-XX:+UseSerialGC -Xmx64m"),
                "read", "--format", "json", sample.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.ofType("summary").isEmpty());
        ReadCommandIT.Run tooSmall = launch(launcher, Map.of("PORTWATCH_JAVA_OPTS", "-Xmx1k"), "--version");
        assertTrue(tooSmall.exit() != 0, "-Xmx1k reached the JVM: " + tooSmall.err());
    }

    @Test
    void aMissingJarOrJavaIsOneLine() throws Exception {
        Path copy = tmp.resolve("portwatch");
        Files.copy(launcher, copy);
        ReadCommandIT.Run noJar = launch(copy, Map.of(), "--version");
        assertEquals(69, noJar.exit());
        assertEquals(1, noJar.err().strip().lines().count(), noJar.err());
        assertTrue(noJar.err().startsWith("portwatch: ") && noJar.err().contains("portwatch.jar not found"), noJar.err());

        ReadCommandIT.Run noJava = launch(launcher, Map.of("JAVA_HOME", tmp.resolve("no-java").toString()), "--version");
        assertEquals(69, noJava.exit());
        assertEquals(1, noJava.err().strip().lines().count(), noJava.err());
        assertTrue(noJava.err().startsWith("portwatch: no Java found"), noJava.err());
    }
}
