package io.portwatch.analysis.detect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** Reads fields of a capture with tshark, when it is installed: the reference the tests compare to. */
final class Tshark {
    private Tshark() {
    }

    /**
     * The distinct values of an integer field in the frames matching a display filter, ascending; null
     * when tshark is not installed.
     */
    static List<Integer> ports(Path capture, String filter, String field) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("tshark", "-n", "-r", capture.toString(), "-Y", filter, "-T", "fields", "-e", field)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("tshark failed on " + capture);
        }
        TreeSet<Integer> values = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                values.add(Integer.parseInt(line.strip()));
            }
        }
        return List.copyOf(values);
    }
}
