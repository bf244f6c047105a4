package io.portwatch.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The shared test corpus: real captures kept beside the checkout ({@code ../shared/corpus}, see its
 * README), named to the tests by the system property {@code portwatch.corpus} (the parent pom sets it
 * for surefire and failsafe). A test that needs the corpus, or a file of it, and does not find it is
 * skipped on a developer's machine, where the corpus may well be absent; under CI (the environment
 * variable {@code CI} is {@code true}) it fails instead, with what was missing: CI must never pass by
 * skipping the tests that read real traffic.
 */
public final class Corpus {

    /** The system property naming the corpus folder. */
    public static final String PROPERTY = "portwatch.corpus";

    private Corpus() {
    }

    /** The corpus folder; skips the calling test when it is absent (fails under CI). */
    public static Path root() {
        return root(System.getProperty(PROPERTY), System.getenv());
    }

    static Path root(String property, Map<String, String> env) {
        require(property != null && !property.isBlank(), "the system property " + PROPERTY + " is not set", env);
        Path dir = Path.of(property);
        require(Files.isDirectory(dir), "the shared corpus is absent: no folder " + dir, env);
        return dir;
    }

    /** {@code captures/}: real captures with tshark's counts ({@code *.reference.json}) and crafted ones. */
    public static Path captures() {
        return folder("captures");
    }

    /** {@code tcpdump-tests/}: the capture files of tcpdump's own test suite. */
    public static Path tcpdumpTests() {
        return folder("tcpdump-tests");
    }

    /** A folder of the corpus; skips the calling test when it is absent (fails under CI). */
    public static Path folder(String name) {
        Path dir = root().resolve(name);
        require(Files.isDirectory(dir), "the shared corpus has no folder " + dir);
        return dir;
    }

    /**
     * A file of the corpus, e.g. {@code file("captures", "http-sessions.pcap")}.
     * Skips the calling test when it is absent (fails under CI).
     */
    public static Path file(String folder, String name) {
        Path file = folder(folder).resolve(name);
        require(Files.isRegularFile(file), "the shared corpus has no file " + file);
        return file;
    }

    /** The files of a corpus folder (not its subfolders), sorted by name. */
    public static List<Path> files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files of a corpus folder whose names end with {@code suffix} (e.g. {@code ".pcap"}), sorted by name. */
    public static List<Path> files(Path dir, String suffix) {
        return files(dir).stream().filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }

    /**
     * The corpus folder when it is present, for a test that reads it besides what it always reads (e.g.
     * the project's sample capture); empty when it is absent, except under CI, where that fails the test.
     */
    public static Optional<Path> ifPresent() {
        return ifPresent(System.getProperty(PROPERTY), System.getenv());
    }

    static Optional<Path> ifPresent(String property, Map<String, String> env) {
        if (property != null && !property.isBlank() && Files.isDirectory(Path.of(property))) {
            return Optional.of(Path.of(property));
        }
        if (ci(env)) {
            root(property, env); // fails, saying what is missing
        }
        return Optional.empty();
    }

    /**
     * Skips the calling test unless {@code condition} holds (e.g. "the corpus has its 800 tcpdump
     * captures"); under CI, fails it instead, with {@code what}.
     */
    public static void require(boolean condition, String what) {
        require(condition, what, System.getenv());
    }

    static void require(boolean condition, String what, Map<String, String> env) {
        if (condition) {
            return;
        }
        if (ci(env)) {
            Assertions.fail(what + " (CI=true: a corpus test fails rather than skips)");
        }
        Assumptions.abort(what);
    }

    /** Whether this runs under CI: the environment variable {@code CI} is {@code true}, as CI services set it. */
    public static boolean ci() {
        return ci(System.getenv());
    }

    static boolean ci(Map<String, String> env) {
        return "true".equalsIgnoreCase(env.getOrDefault("CI", ""));
    }
}
