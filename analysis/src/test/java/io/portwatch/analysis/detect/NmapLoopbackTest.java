package io.portwatch.analysis.detect;

import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.output.Alert;
import io.portwatch.testkit.Await;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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
    /** A datagram between these two, sent after the scan, marks the end of the capture. */
    static final String MARK_FROM = "127.88.0.98";
    static final String MARK_TO = "127.88.0.99";

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
                    "host " + SCANNER + " or (udp and src host " + MARK_FROM + ")")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tdErr.toFile()).start();
            try {
                Await.until(Duration.ofSeconds(10), () -> Files.readString(tdErr).contains("listening on"),
                        () -> "tcpdump to listen; it said: " + text(tdErr));
                Process nmap = new ProcessBuilder("nmap", flag, "-Pn", "-n", "-e", "lo", "-S", SCANNER, "-p", "1-100",
                        "--max-retries", "0", "-T4", TARGET).redirectErrorStream(true).start();
                String said = new String(nmap.getInputStream().readAllBytes());
                assertTrue(nmap.waitFor(120, TimeUnit.SECONDS), "nmap did not finish");
                assertEquals(0, nmap.exitValue(), said);
                // the last answers were sent before nmap ended: once a datagram sent after them is in the
                // file, they are too
                byte[] mark = ("end of nmap " + flag).getBytes(StandardCharsets.US_ASCII);
                try (DatagramSocket to = new DatagramSocket(new InetSocketAddress(MARK_TO, 0));
                     DatagramSocket from = new DatagramSocket(new InetSocketAddress(MARK_FROM, 0))) {
                    from.send(new DatagramPacket(mark, mark.length, to.getLocalSocketAddress()));
                }
                Await.until(Duration.ofSeconds(10), () -> contains(Files.readAllBytes(pcap), mark),
                        "tcpdump to write the datagram sent after the scan");
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
        assertEquals(transport, a.transport().key());
        assertEquals("vertical", a.details().get("method"));
        assertEquals(type, a.details().get("scan_type"), out.toString());
        assertEquals(100, a.details().get("ports"));
        // closed ports answer RST (ICMP for UDP); the listener on 99 answers FIN/NULL/XMAS with silence,
        // and ACK with RST like the rest: no probe of these scans is answered as open
        assertEquals(100, a.details().get("failed_ports"));
        assertEquals(List.of(transport + "/1", transport + "/100"), a.details().get("port_range"));
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean contains(byte[] data, byte[] part) {
        for (int i = 0; i + part.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + part.length, part, 0, part.length)) {
                return true;
            }
        }
        return false;
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
