package io.portwatch.app;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * nfdump's collector {@code nfcapd}, run for a test on 127.0.0.1 on a free UDP port, writing into a folder
 * of the test's; {@link #stop} ends it (SIGTERM: it writes its file) and {@link #flows} reads the file back
 * with {@code nfdump -o csv}. nfdump is a cross-checking tool: where it is absent the test is skipped,
 * except under CI ({@code CI=true}, where .ci/run installs it), where it fails.
 */
public final class Nfcapd implements AutoCloseable {

    /** One flow as nfdump shows it: {@code ipkt}/{@code ibyt}, and {@code opkt}/{@code obyt} of a biflow. */
    public record Flow(String protocol, String source, int sourcePort, String destination, int destinationPort,
                long packets, long bytes, long reversePackets, long reverseBytes, int vlan) {
    }

    public final int port;
    private final Path dir;
    private final Process process;
    private final Path log;

    private Nfcapd(int port, Path dir, Process process, Path log) {
        this.port = port;
        this.dir = dir;
        this.process = process;
        this.log = log;
    }

    /** Whether nfcapd and nfdump are here; skips the test if not (fails it under CI). */
    public static void require() {
        boolean here = onPath("nfcapd") && onPath("nfdump");
        if (!here && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("nfdump (nfcapd, nfdump) is not installed: .ci/run installs it");
        }
        assumeTrue(here, "nfdump is not installed (apt-get install nfdump)");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Starts nfcapd on a free port, writing into {@code dir}, and waits until it listens. */
    public static Nfcapd start(Path dir) throws Exception {
        require();
        Files.createDirectories(dir);
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        // -t: one file for the whole test (written when nfcapd stops); -B: room for a file read's burst
        Process p = new ProcessBuilder("nfcapd", "-b", "127.0.0.1", "-p", Integer.toString(port), "-w", dir.toString(),
                "-t", "3600", "-B", "4194304").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Nfcapd n = new Nfcapd(port, dir, p, log);
        io.portwatch.testkit.Await.until(java.time.Duration.ofSeconds(20), () -> {
            assertTrue(p.isAlive(), "nfcapd runs: " + n.log());
            return listening(port);
        }, () -> "nfcapd listens on udp/" + port + ": " + n.log());
        return n;
    }

    /** Whether a UDP socket is bound to the port on 127.0.0.1 (from /proc/net/udp). */
    private static boolean listening(int port) throws IOException {
        String hex = String.format(":%04X ", port);
        return Files.readAllLines(Path.of("/proc/net/udp")).stream().anyMatch(l -> l.contains("0100007F" + hex));
    }

    /** Bytes waiting in the receive queue of the UDP socket on 127.0.0.1:port (from /proc/net/udp). */
    private static long queued(int port) throws IOException {
        String hex = String.format(":%04X ", port);
        for (String l : Files.readAllLines(Path.of("/proc/net/udp"))) {
            if (l.contains("0100007F" + hex)) {
                String[] f = l.trim().split("\\s+");
                return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16); // tx_queue:rx_queue
            }
        }
        return 0;
    }

    /** What nfcapd said. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Stops nfcapd (SIGTERM) once it has read what waits, and it writes the flows it collected to its file. */
    public void stop() throws Exception {
        // what waits in its socket would be lost to a stop: first it reads all, then a moment to store it
        io.portwatch.testkit.Await.until(java.time.Duration.ofSeconds(20), () -> queued(port) == 0,
                () -> "nfcapd reads what was sent");
        Thread.sleep(300);
        if (process.isAlive()) {
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "nfcapd stops on SIGTERM");
        }
    }

    /** The flows nfcapd collected (call {@link #stop} first), read back by {@code nfdump -R DIR -o csv -q}. */
    public List<Flow> flows() throws Exception {
        Process p = new ProcessBuilder("nfdump", "-R", dir.toString(), "-o", "csv", "-q").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nfdump finished");
        assertEquals(0, p.exitValue(), "nfdump: " + text);
        List<Flow> flows = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(",");
            if (f.length < 27 || !f[0].matches("\\d{4}-.*")) {
                continue;
            }
            // ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,...
            flows.add(new Flow(f[7].strip(), f[3].strip(), Integer.parseInt(f[5].strip()), f[4].strip(),
                    Integer.parseInt(f[6].strip()), Long.parseLong(f[11].strip()), Long.parseLong(f[12].strip()),
                    Long.parseLong(f[13].strip()), Long.parseLong(f[14].strip()), Integer.parseInt(f[25].strip())));
        }
        return flows;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
