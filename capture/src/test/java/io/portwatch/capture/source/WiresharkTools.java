package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portwatch.testkit.Corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Wireshark's command-line tools (tshark, capinfos), when present, for the corpus reader tests. */
final class WiresharkTools {
    private WiresharkTools() {
    }

    /** Output of a finished process. */
    record Run(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command to completion (at most 5 minutes); null when the program is not installed. */
    static Run run(List<String> command) {
        try {
            Path out = Files.createTempFile("portwatch-reader", ".out");
            Path err = Files.createTempFile("portwatch-reader", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + command.get(0));
                }
                return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return null; // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Skips the calling test unless {@code program -v} runs. */
    static void assumeInstalled(String program) {
        Run r = run(List.of(program, "-v"));
        assumeTrue(r != null && r.exitCode() == 0, program + " is not installed");
    }

    /** Whether a program of this name is on the PATH. */
    static boolean hasTool(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** The capture files (pcap, pcapng) of the corpus's captures/, sorted by name (see {@link Corpus}). */
    static List<Path> captureFiles() {
        return Corpus.files(Corpus.captures()).stream()
                .filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).toList();
    }
}
