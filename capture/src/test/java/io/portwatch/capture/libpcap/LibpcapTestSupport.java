package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import io.portwatch.testkit.Corpus;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers for the libpcap tests: the corpus, the external tools, and libpcap's presence. */
public final class LibpcapTestSupport {

    private static final List<String> LIB_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/usr/local/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu");

    private LibpcapTestSupport() {
    }

    /**
     * Skips the test when libpcap is truly not installed (no libpcap.so* in the ld cache or the library
     * directories); otherwise loads it, so that a loading bug fails the test instead of skipping it.
     */
    public static void requireLibpcap() throws CaptureException {
        assumeTrue(libpcapInstalled(),
                "libpcap is not installed (no libpcap.so* in `ldconfig -p` or the usual library directories)");
        Libpcap.load();
    }

    private static boolean libpcapInstalled() {
        for (String dir : LIB_DIRS) {
            String[] names = new File(dir).list();
            if (names != null) {
                for (String n : names) {
                    if (n.startsWith("libpcap.so")) {
                        return true;
                    }
                }
            }
        }
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (Files.isExecutable(Path.of(ldconfig))) {
                Result r = run(List.of(ldconfig, "-p"));
                if (r.exitCode == 0 && r.stdout.contains("libpcap.so")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The shared corpus's captures/ ({@link Corpus}: skips when absent, fails under CI). */
    public static Path captures() {
        return Corpus.captures();
    }

    /** The shared corpus's tcpdump-tests/ ({@link Corpus}: skips when absent, fails under CI). */
    static Path tcpdumpTests() {
        return Corpus.tcpdumpTests();
    }

    /** The capture files (pcap, pcapng) of captures/, sorted by name. */
    static List<Path> captureFiles() throws IOException {
        try (Stream<Path> s = Files.list(captures())) {
            return s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                    .sorted().toList();
        }
    }

    /** Every file of tcpdump-tests/ (captures, malformed ones and the licence text), sorted by name. */
    static List<Path> tcpdumpTestFiles() throws IOException {
        try (Stream<Path> s = Files.list(tcpdumpTests())) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** {@code totals.frames} of a {@code *.reference.json}. */
    static long referenceTotal(Path referenceJson, String field) throws IOException {
        String json = Files.readString(referenceJson);
        Matcher totals = Pattern.compile("\"totals\"\\s*:\\s*\\{([^}]*)}").matcher(json);
        if (!totals.find()) {
            fail("no totals in " + referenceJson);
        }
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)").matcher(totals.group(1));
        if (!m.find()) {
            fail("no totals." + field + " in " + referenceJson);
        }
        return Long.parseLong(m.group(1));
    }

    public static boolean hasTool(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    public record Result(int exitCode, String stdout, String stderr) {
    }

    public static Result run(List<String> command) {
        try {
            Path err = Files.createTempFile("portwatch-test-", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail("timed out: " + command);
                }
                return new Result(p.exitValue(), out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** How many frames of the file pass a filter, as tcpdump (libpcap's own compiler and interpreter) counts. */
    static long tcpdumpCount(Path file, String filter) {
        Result r = run(List.of("tcpdump", "-nn", "-r", file.toString(), "--count", filter));
        assertEquals(0, r.exitCode(), () -> "tcpdump failed on " + file + ": " + r.stderr());
        Matcher m = Pattern.compile("^(\\d+) packets?$", Pattern.MULTILINE).matcher(r.stdout());
        if (!m.find()) {
            fail("no count in tcpdump's output for " + file + ": " + r.stdout());
        }
        return Long.parseLong(m.group(1));
    }

    /** The link type field of a classic pcap file's header (the low 16 bits; the rest are flags). */
    static int pcapHeaderLinkType(Path file) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(Arrays.copyOf(Files.readAllBytes(file), 24));
        int magic = h.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            h.order(ByteOrder.LITTLE_ENDIAN);
        }
        return h.getInt(20) & 0xFFFF;
    }

    /** Byte offsets where each record of a classic pcap file ends (the walk stops at the first that does not fit). */
    static List<Long> pcapRecordEnds(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int magic = b.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.LITTLE_ENDIAN);
        }
        List<Long> ends = new ArrayList<>();
        long at = 24;
        while (at + 16 <= bytes.length) {
            long caplen = b.getInt((int) at + 8) & 0xFFFF_FFFFL;
            long end = at + 16 + caplen;
            if (end > bytes.length) {
                break;
            }
            ends.add(end);
            at = end;
        }
        return ends;
    }

    /** Runs {@code ip ARGS...}; fails the test with its error when it fails. */
    public static void ip(String... args) {
        List<String> c = new ArrayList<>(List.of("ip"));
        c.addAll(List.of(args));
        Result r = run(c);
        if (r.exitCode() != 0) {
            fail(String.join(" ", c) + ": " + r.stderr().strip());
        }
    }

    /** A third octet x such that no host address is in 10.77.x.0/24 yet (for a veth pair's /30). */
    public static int freeSubnet() {
        String used = run(List.of("ip", "-o", "-4", "addr", "show")).stdout();
        int start = (int) (ProcessHandle.current().pid() % 200) + 20;
        for (int k = 0; k < 230; k++) {
            int x = 20 + (start - 20 + k) % 230;
            if (!used.contains(" 10.77." + x + ".")) {
                return x;
            }
        }
        fail("no free 10.77.x.0/30 subnet");
        return -1;
    }
}
