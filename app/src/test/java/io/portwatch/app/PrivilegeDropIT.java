package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code live --user}: started as root, portwatch opens {@code lo}, then runs as {@code nobody}: every
 * thread of the process (read from /proc, as the kernel sees it) has the user's ids and no capability,
 * while capture goes on (datagrams sent after the change are counted), and what it writes at the end is
 * the user's. Needs root (skipped otherwise; CI runs as root).
 */
class PrivilegeDropIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Process portwatch;

    @AfterEach
    void stop() throws Exception {
        if (portwatch != null && portwatch.isAlive()) {
            portwatch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void capturesAsTheUserOnceTheInterfaceIsOpen() throws Exception {
        Path jar = LiveCommandIT.liveJar();
        int uid = Integer.parseInt(run("id", "-u", "nobody"));
        int gid = Integer.parseInt(run("id", "-g", "nobody"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x")); // the user passes through
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path baseline = shared.resolve("baseline.txt");
        Path out = tmp.resolve("out.jsonl");
        Path err = tmp.resolve("err.txt");
        try (DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", jar.toString(), "live", "-i", "lo", "--interval", "1s", "--format", "json",
                    "--filter", "udp port " + port, "--user", "nobody", "--save-baseline", baseline.toString()));
            portwatch = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            Await.until(Duration.ofSeconds(30), () -> {
                assertTrue(portwatch.isAlive(), "portwatch runs: " + Files.readString(err));
                return Files.readString(err).contains("listening on lo");
            }, () -> "listening: " + said(err));
            assertTrue(said(err).contains("portwatch: running as nobody (uid " + uid + ", euid " + uid + ", gid " + gid
                    + ", egid " + gid + ")"), said(err));

            // capture goes on as the user: datagrams sent now are counted
            byte[] payload = "after the change".getBytes(StandardCharsets.US_ASCII);
            long[] sent = {0};
            Await.until(Duration.ofSeconds(30), () -> {
                client.send(new DatagramPacket(payload, payload.length, InetAddress.getLoopbackAddress(), port));
                sent[0]++;
                return packetsOn(out, port) > 0;
            }, () -> "a port_stats record of udp/" + port + ": " + said(out) + said(err));

            // every thread, as the kernel sees it
            Map<String, String> seen = new TreeMap<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(portwatch.pid()), "task"))) {
                for (Path t : tasks.toList()) {
                    String status;
                    try {
                        status = Files.readString(t.resolve("status"));
                    } catch (IOException ended) {
                        continue;
                    }
                    String ids = field(status, "Uid") + " | " + field(status, "Gid") + " | " + field(status, "Groups")
                            + " | " + field(status, "CapEff") + " | " + field(status, "CapPrm");
                    seen.merge(ids, field(status, "Name"), (a, b) -> a + "," + b);
                }
            }
            String want = (uid + "\t").repeat(3) + uid + " | " + (gid + "\t").repeat(3) + gid + " | " + gid
                    + " | 0000000000000000 | 0000000000000000";
            assertEquals(Map.of(want, seen.values().iterator().next()), seen, "every thread's ids and capabilities");
            assertTrue(seen.values().iterator().next().split(",").length > 10, "the JVM's threads: " + seen);
        }
        portwatch.destroy();
        assertTrue(portwatch.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
        assertEquals(0, portwatch.exitValue(), said(err));
        assertTrue(Files.isRegularFile(baseline), "the baseline was saved: " + said(err));
        assertEquals(uid, Files.getAttribute(baseline, "unix:uid"), "written by the user");
    }

    @Test
    void anUnknownUserIsOneLineBeforeAnythingOpens() throws Exception {
        Path jar = LiveCommandIT.liveJar();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "live", "-i", "lo", "--user", "no-such-user-here").redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), said);
        assertEquals("portwatch: --user no-such-user-here: no such user", said.strip());
    }

    private static long packetsOn(Path out, int port) throws IOException {
        String text = Files.readString(out);
        long n = 0;
        for (String l : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (!l.isEmpty()) {
                JsonNode r = JSON.readTree(l);
                if (r.get("type").asText().equals("port_stats") && r.get("port").asInt() == port) {
                    n += r.get("packets").asLong();
                }
            }
        }
        return n;
    }

    private static String field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).strip()).orElse("?");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        p.waitFor();
        return s;
    }

    private static String said(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
