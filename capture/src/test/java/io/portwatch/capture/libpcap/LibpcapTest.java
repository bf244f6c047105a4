package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LibpcapTest {

    @Test
    void runtimeLibraryIsChosenWhenTheDevSymlinkIsMissing() {
        // Debian without libpcap-dev: only the runtime soname, found in two directories.
        assertEquals(List.of("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8", "/lib/x86_64-linux-gnu/libpcap.so.0.8"),
                Libpcap.rankCandidates(List.of("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8",
                        "/lib/x86_64-linux-gnu/libpcap.so.0.8")));
        // Fedora/Arch name the runtime library libpcap.so.1.
        assertEquals(List.of("/usr/lib64/libpcap.so.1"), Libpcap.rankCandidates(List.of("/usr/lib64/libpcap.so.1")));
    }

    @Test
    void candidatesAreRankedByNameThenSearchOrder() {
        List<String> present = List.of(
                "/usr/local/lib/libpcap.so.1.10.3",
                "/usr/lib/libpcap.so.0.8",
                "/usr/lib/libpcap.so.1",
                "/lib/libpcap.so",
                "/usr/lib/libpcap.so.0.8",      // repeated by the ld cache
                "/usr/lib/libpcap.a",           // not a shared library
                "/usr/lib/libpcapng.so",        // another library
                "/usr/lib/libpcap.so.1");
        assertEquals(List.of("/lib/libpcap.so", "/usr/lib/libpcap.so.1", "/usr/lib/libpcap.so.0.8",
                "/usr/local/lib/libpcap.so.1.10.3"), Libpcap.rankCandidates(present));
    }

    @Test
    void nothingIsChosenWhenNoLibpcapFileExists() {
        assertEquals(List.of(), Libpcap.rankCandidates(List.of()));
        assertEquals(List.of(), Libpcap.rankCandidates(List.of("/usr/lib/libpcre.so.3", "/usr/lib/libpcap.a")));
    }

    @Test
    void ldCacheLinesForThisWordSizeAreParsed() {
        assumeTrue("64".equals(System.getProperty("sun.arch.data.model")), "needs a 64-bit JVM");
        String out = "597 libs found in cache `/etc/ld.so.cache'\n"
                + "\tlibpcre.so.3 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcre.so.3\n"
                + "\tlibpcap.so.0.8 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcap.so.0.8\n"
                + "\tlibpcap.so.0.8 (libc6) => /lib/i386-linux-gnu/libpcap.so.0.8\n"
                + "\tlibpcap.so (libc6,x86-64, OS ABI: Linux 3.2.0) => /usr/lib/x86_64-linux-gnu/libpcap.so\n";
        assertEquals(List.of("/lib/x86_64-linux-gnu/libpcap.so.0.8", "/usr/lib/x86_64-linux-gnu/libpcap.so"), Libpcap.parseLdCache(out));
    }

    @Test
    void theRealLdCacheYieldsExistingLibpcapFiles() {
        Path ldconfig = Files.isExecutable(Path.of("/sbin/ldconfig")) ? Path.of("/sbin/ldconfig")
                : Path.of("/usr/sbin/ldconfig");
        assumeTrue(Files.isExecutable(ldconfig), "ldconfig is not installed");
        String out = LibpcapTestSupport.run(List.of(ldconfig.toString(), "-p")).stdout();
        List<String> parsed = Libpcap.parseLdCache(out);
        assertEquals(out.contains("libpcap.so") && "64".equals(System.getProperty("sun.arch.data.model")),
                !parsed.isEmpty(), "libpcap entries found in:\n" + out);
        for (String p : parsed) {
            assertTrue(Files.exists(Path.of(p)), p);
            assertTrue(Path.of(p).getFileName().toString().startsWith("libpcap.so"), p);
        }
    }

    @Test
    void versionIsLibpcapsOwnString() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        String version = Libpcap.version();
        assertTrue(version.startsWith("libpcap version "), version);
        assumeTrue(LibpcapTestSupport.hasTool("tcpdump"), "tcpdump is not installed");
        // tcpdump prints pcap_lib_version() of the same system libpcap.
        String out = LibpcapTestSupport.run(List.of("tcpdump", "--version")).stdout();
        Matcher m = Pattern.compile("^libpcap version .*$", Pattern.MULTILINE).matcher(out);
        assertTrue(m.find(), out);
        assertEquals(m.group(), version);
    }

    @Test
    void loadedLibraryIsTheDefaultNameOrAnExistingFile() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        String name = Libpcap.libraryName();
        assertTrue(name.equals("pcap") || Files.exists(Path.of(name)), name);
        assertEquals(name.equals("pcap") ? null : name, System.getProperty(Libpcap.PCAP_LIB_NAME_PROPERTY));
    }

    @Test
    void loadIsIdempotentAndThreadSafe() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    Libpcap.load();
                    Libpcap.load();
                    return Libpcap.version();
                }));
            }
            start.countDown();
            String first = results.get(0).get();
            for (Future<String> f : results) {
                assertEquals(first, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs {@link LibpcapLoadMain} in a fresh JVM (pcap4j reads its property once per JVM). */
    private static LibpcapTestSupport.Result loadInFreshJvm(String pcapLibName) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return LibpcapTestSupport.run(List.of(java, "-D" + Libpcap.PCAP_LIB_NAME_PROPERTY + "=" + pcapLibName,
                "-cp", System.getProperty("java.class.path"), LibpcapLoadMain.class.getName()));
    }

    @Test
    void aRuntimeLibraryFileNamedToPcap4jIsUsedByIt() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        List<String> present = new ArrayList<>();
        for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib")) {
            for (String name : List.of("libpcap.so.0.8", "libpcap.so.1")) {
                if (Files.exists(Path.of(dir, name))) {
                    present.add(Path.of(dir, name).toString());
                }
            }
        }
        assumeTrue(!present.isEmpty(), "no versioned libpcap runtime library file on this machine");
        String file = Libpcap.rankCandidates(present).get(0);
        LibpcapTestSupport.Result r = loadInFreshJvm(file);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("ok " + file + "|" + Libpcap.version(), r.stdout().strip());
    }

    @Test
    void anUnloadableLibraryNameIsOneLineSayingWhatToInstall() {
        LibpcapTestSupport.Result r = loadInFreshJvm("/nonexistent/libpcap.so.9");
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        String out = r.stdout().strip();
        assertFalse(out.contains("\n"), out);
        assertTrue(out.startsWith("error libpcap not found: cannot load \"/nonexistent/libpcap.so.9\" (named by "
                + Libpcap.PCAP_LIB_NAME_PROPERTY + "): "), out);
    }

    @Test
    void nativeErrorTextIsCollapsedToOneLine() {
        String one = CaptureException.oneLine("  first line\r\n  second line\n");
        assertEquals("first line second line", one);
        assertFalse(one.contains("\n"));
    }
}
