package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real nmap scans, recorded with tcpdump on the loopback interface, then analysed: FIN, XMAS, NULL,
 * ACK and UDP scans of ports 1-100 of 127.88.0.10 from 127.88.0.66 (nmap sends from that address
 * with -S; the kernel answers as any Linux host does), with a TCP listener on port 99. Runs when
 * nmap and tcpdump are installed and the tests run as root; skipped otherwise.
 */
class NmapLoopbackTest {

    static final String SCANNER = "127.88.0.66";
    static final String TARGET = "127.88.0.10";

    @BeforeAll
    static void tools() throws Exception {
        assumeTrue(runs("id", "-u") && "0".equals(output("id", "-u")), "needs root");
        assumeTrue(runs("nmap", "--version") && runs("tcpdump", "--version"), "needs nmap and tcpdump");
    }

    @ParameterizedTest(name = "nmap {0}")
    @CsvSource({"-sF, fin, tcp", "-sX, xmas, tcp", "-sN, null, tcp", "-sA, ack, tcp", "-sU, udp, udp"})
    void recordedScanIsReported(String flag, String type, String transport, @TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("scan.pcap");
        Path tdErr = dir.resolve("tcpdump.err");
        try (ServerSocket listener = new ServerSocket(99, 10, InetAddress.getByName(TARGET))) {
            Process tcpdump = new ProcessBuilder("tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "256", "-w", pcap.toString(),
                    "host " + SCANNER).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tdErr.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!Files.readString(tdErr).contains("listening on") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(Files.readString(tdErr).contains("listening on"), Files.readString(tdErr));
                Process nmap = new ProcessBuilder("nmap", flag, "-Pn", "-n", "-e", "lo", "-S", SCANNER, "-p", "1-100",
                        "--max-retries", "0", "-T4", TARGET).redirectErrorStream(true).start();
                String said = new String(nmap.getInputStream().readAllBytes());
                assertTrue(nmap.waitFor(120, TimeUnit.SECONDS), "nmap did not finish");
                assertEquals(0, nmap.exitValue(), said);
                Thread.sleep(300); // the last answers
            } finally {
                tcpdump.destroy();
                tcpdump.waitFor(10, TimeUnit.SECONDS);
                tcpdump.destroyForcibly();
            }
        }
        CollectingSink out = Captures.analyze(pcap, Captures.config(DetectConfig.defaults())).sink();
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(1, scans.size(), out.toString());
        Alert a = scans.get(0);
        assertEquals(SCANNER, a.source());
        assertEquals(TARGET, a.target());
        assertEquals(transport, a.transport());
        assertEquals("vertical", a.details().get("method"));
        assertEquals(type, a.details().get("scan_type"), out.toString());
        assertEquals(100, a.details().get("ports"));
        // closed ports answer RST (ICMP for UDP); the listener on 99 answers FIN/NULL/XMAS with silence,
        // and ACK with RST like the rest: no probe of these scans is answered as open
        assertEquals(100, a.details().get("failed_ports"));
        assertEquals(List.of(transport + "/1", transport + "/100"), a.details().get("port_range"));
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
    }

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        String s = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return s;
    }
}
