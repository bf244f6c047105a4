package io.portwatch.capture.libpcap;

import com.sun.jna.NativeLibrary;
import io.portwatch.capture.source.CaptureException;
import org.pcap4j.core.Pcaps;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the system's libpcap and makes it usable by pcap4j and by this package.
 *
 * <p>JNA looks libpcap up by the name {@code pcap} ({@code libpcap.so}), which on Debian only the
 * {@code -dev} package provides. When that name does not load but a runtime library such as
 * {@code libpcap.so.0.8} or {@code libpcap.so.1} is present in the usual library directories or in
 * the ld cache, {@link #load()} names it to pcap4j through the system property
 * {@value #PCAP_LIB_NAME_PROPERTY} before pcap4j's first use.
 */
public final class Libpcap {

    /** The system property pcap4j reads, once, to name the library it loads. */
    public static final String PCAP_LIB_NAME_PROPERTY = "org.pcap4j.core.pcapLibName";

    static final String NOT_FOUND =
            "libpcap not found: install it (Debian/Ubuntu: apt-get install libpcap0.8) or use --reader java";

    private static final String DEFAULT_NAME = "pcap";
    private static final Pattern FILE_NAME = Pattern.compile("libpcap\\.so(\\.[0-9]+)*");
    /** {@code ldconfig -p} lines: {@code <tab>libpcap.so.0.8 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcap.so.0.8}. */
    private static final Pattern LD_CACHE_LINE = Pattern.compile("^\\s*(\\S+)\\s+\\(([^)]*)\\)\\s+=>\\s+(\\S.*?)\\s*$");

    private static String libraryName;
    private static String version;
    private static String failure;

    private Libpcap() {
    }

    /**
     * Makes libpcap loadable by pcap4j and by this package; idempotent and thread-safe.
     *
     * @throws CaptureException when no libpcap can be loaded; the message is one line that says
     *                          how to install it
     */
    public static synchronized void load() throws CaptureException {
        if (version != null) {
            return;
        }
        if (failure != null) {
            throw new CaptureException(CaptureException.Reason.UNAVAILABLE, failure);
        }
        try {
            String name = resolve();
            // pcap4j reads the property in a static initializer: set it before its first use.
            if (!DEFAULT_NAME.equals(name)) {
                System.setProperty(PCAP_LIB_NAME_PROPERTY, name);
            }
            String v = Pcaps.libVersion();
            libraryName = name;
            version = v;
        } catch (CaptureException e) {
            failure = e.getMessage();
            throw e;
        } catch (LinkageError e) {
            failure = "libpcap cannot be used by pcap4j: " + CaptureException.oneLine(e.toString());
            throw new CaptureException(CaptureException.Reason.UNAVAILABLE, failure, e);
        }
    }

    /**
     * The libpcap version string ({@code pcap_lib_version()}), e.g.
     * {@code "libpcap version 1.10.3 (with TPACKET_V3)"}; loads libpcap first.
     *
     * @throws IllegalStateException when libpcap cannot be loaded (with {@link #load()}'s message)
     */
    public static String version() {
        try {
            load();
        } catch (CaptureException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return version;
    }

    /** The name or path libpcap was loaded by; valid after {@link #load()} succeeded. */
    static synchronized String libraryName() {
        if (libraryName == null) {
            throw new IllegalStateException("Libpcap.load() has not succeeded");
        }
        return libraryName;
    }

    /** Decides which library name to hand to pcap4j, or fails with the one-line message. */
    private static String resolve() throws CaptureException {
        String configured = System.getProperty(PCAP_LIB_NAME_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            String error = tryLoad(configured);
            if (error != null) {
                throw new CaptureException(CaptureException.Reason.UNAVAILABLE, "libpcap not found: cannot load \"" + configured + "\" (named by "
                        + PCAP_LIB_NAME_PROPERTY + "): " + error);
            }
            return configured;
        }
        String defaultError = tryLoad(DEFAULT_NAME);
        if (defaultError == null) {
            return DEFAULT_NAME;
        }
        List<String> present = new ArrayList<>();
        for (String dir : libraryDirs()) {
            for (String file : List.of("libpcap.so", "libpcap.so.1", "libpcap.so.0.8")) {
                Path p = Path.of(dir, file);
                if (Files.exists(p)) {
                    present.add(p.toString());
                }
            }
        }
        present.addAll(parseLdCache(runLdconfig()));
        String lastError = null;
        for (String candidate : rankCandidates(present)) {
            String error = tryLoad(candidate);
            if (error == null) {
                return candidate;
            }
            lastError = candidate + ": " + error;
        }
        if (lastError != null) {
            throw new CaptureException(CaptureException.Reason.UNAVAILABLE, "libpcap not loadable (" + lastError + "): install it "
                    + "(Debian/Ubuntu: apt-get install libpcap0.8) or use --reader java");
        }
        throw new CaptureException(CaptureException.Reason.UNAVAILABLE, NOT_FOUND);
    }

    /**
     * Orders the libpcap files found on the system, best first: {@code libpcap.so}, then
     * {@code libpcap.so.1}, then {@code libpcap.so.0.8}, then any other {@code libpcap.so.N...};
     * equal names keep their search order. Files not named like libpcap, and repeats, are dropped.
     *
     * @param present paths of existing files, in search order (library directories, then the ld cache)
     */
    static List<String> rankCandidates(List<String> present) {
        Set<String> unique = new LinkedHashSet<>();
        for (String p : present) {
            if (FILE_NAME.matcher(fileName(p)).matches()) {
                unique.add(p);
            }
        }
        List<String> ranked = new ArrayList<>(unique);
        ranked.sort(Comparator.comparingInt(p -> rank(fileName(p))));
        return ranked;
    }

    /** The library paths for libpcap in {@code ldconfig -p} output, in its order, for this JVM's word size. */
    static List<String> parseLdCache(String ldconfigOutput) {
        boolean jvm64 = is64BitJvm();
        List<String> paths = new ArrayList<>();
        for (String line : ldconfigOutput.split("\n")) {
            Matcher m = LD_CACHE_LINE.matcher(line);
            if (!m.matches() || !FILE_NAME.matcher(m.group(1)).matches()) {
                continue;
            }
            String flags = m.group(2).toLowerCase(Locale.ROOT);
            boolean lib64 = flags.contains("64");
            if (lib64 == jvm64) {
                paths.add(m.group(3));
            }
        }
        return paths;
    }

    private static int rank(String fileName) {
        return switch (fileName) {
            case "libpcap.so" -> 0;
            case "libpcap.so.1" -> 1;
            case "libpcap.so.0.8" -> 2;
            default -> 3;
        };
    }

    private static String fileName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** @return null when the library loads, else why it does not (one line) */
    private static String tryLoad(String name) {
        try {
            NativeLibrary.getInstance(name);
            return null;
        } catch (UnsatisfiedLinkError e) {
            return CaptureException.oneLine(e.getMessage());
        }
    }

    private static List<String> libraryDirs() {
        List<String> dirs = new ArrayList<>();
        addPathList(dirs, System.getProperty("jna.library.path"));
        addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
        String multiarch = multiarch();
        for (String root : List.of("/usr/local/lib", "/usr/lib", "/lib")) {
            if (multiarch != null) {
                dirs.add(root + "/" + multiarch);
            }
            if (is64BitJvm()) {
                dirs.add(root + "64");
            }
            dirs.add(root);
        }
        return dirs;
    }

    private static void addPathList(List<String> dirs, String pathList) {
        if (pathList != null) {
            for (String d : pathList.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
    }

    /** Debian's multiarch directory name for this JVM's architecture, or null. */
    private static String multiarch() {
        return switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            case "x86", "i386", "i686" -> "i386-linux-gnu";
            case "arm" -> "arm-linux-gnueabihf";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "s390x" -> "s390x-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> null;
        };
    }

    private static boolean is64BitJvm() {
        return "64".equals(System.getProperty("sun.arch.data.model", "64"));
    }

    /** {@code ldconfig -p} output, or "" when ldconfig is missing or fails. */
    private static String runLdconfig() {
        for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (!Files.isExecutable(Path.of(exe))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                byte[] out;
                try (InputStream in = p.getInputStream()) {
                    out = in.readAllBytes();
                }
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return new String(out, StandardCharsets.UTF_8);
                }
                p.destroy();
            } catch (IOException e) {
                // try the next location
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }
        return "";
    }
}
