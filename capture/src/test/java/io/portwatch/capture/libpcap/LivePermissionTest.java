package io.portwatch.capture.libpcap;

import io.portwatch.capture.source.CaptureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opening an interface without the right to capture: a child JVM run as {@code nobody} gets the one-line
 * message that says how to grant the capabilities, naming the real java binary.
 */
class LivePermissionTest {

    private static final String NOBODY = "65534";

    /** Opens the interface named by the argument; prints {@code ok} or {@code error <message>} (exit 2). */
    public static final class OpenMain {
        public static void main(String[] args) {
            try (LibpcapLiveSource source = LibpcapLiveSource.open(args[0], LiveOptions.defaults())) {
                System.out.println("ok " + source.linkType());
            } catch (CaptureException e) {
                System.out.println("error " + e.getMessage());
                System.exit(2);
            }
        }
    }

    @Test
    @Timeout(120)
    void unprivilegedUserIsToldHowToGrantTheCapabilities() throws Exception {
        LibpcapTestSupport.requireLibpcap();
        LiveCaptureTest.requireCaptureOnLoopback();
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a child process as nobody");
        List<String> dropToNobody;
        if (LibpcapTestSupport.hasTool("setpriv")) {
            dropToNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        } else if (LibpcapTestSupport.hasTool("runuser")) {
            dropToNobody = List.of("runuser", "-u", "nobody", "--");
        } else {
            dropToNobody = null;
        }
        assumeTrue(dropToNobody != null, "neither setpriv nor runuser is installed");

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path dir = Files.createTempDirectory("portwatch-live-perm-");
        try {
            // The build's class path may sit where nobody cannot read (e.g. under /root): hand over a copy.
            String classPath = readableCopy(System.getProperty("java.class.path"), dir);
            Path jnaTmp = Files.createDirectory(dir.resolve("jna"));
            Files.setPosixFilePermissions(jnaTmp, PosixFilePermissions.fromString("rwxrwxrwx"));
            List<String> command = new ArrayList<>(dropToNobody);
            command.addAll(List.of(java.toString(), "-Djna.tmpdir=" + jnaTmp, "-Duser.home=" + dir,
                    "-cp", classPath, OpenMain.class.getName(), LiveCaptureTest.LO));
            LibpcapTestSupport.Result r = LibpcapTestSupport.run(command);
            String expected = "error lo: no permission to capture: run as root, or grant the capabilities with: "
                    + "setcap cap_net_raw,cap_net_admin=eip " + java.toRealPath();
            assertEquals(expected + "\n", r.stdout(), () -> "child's stderr: " + r.stderr());
            assertEquals(2, r.exitCode());
        } finally {
            deleteTree(dir);
        }
    }

    /** Copies the class path entries under {@code dir}, readable by everyone; returns the new class path. */
    private static String readableCopy(String classPath, Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve("cp" + (n++) + (Files.isDirectory(from) ? "" : ".jar"));
            if (Files.isDirectory(from)) {
                try (Stream<Path> s = Files.walk(from)) {
                    for (Path p : (Iterable<Path>) s::iterator) {
                        Path target = to.resolve(from.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(target);
                            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                        } else {
                            Files.copy(p, target);
                            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                        }
                    }
                }
            } else {
                Files.copy(from, to);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
            }
            entries.add(to.toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
