package io.portwatch.analysis.detect;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.CollectingSink;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.Transport;
import io.portwatch.capture.flow.FlowConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.FIN;
import static io.portwatch.testkit.FrameBuilder.PSH;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;
import static io.portwatch.testkit.FrameBuilder.URG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scans built frame by frame as nmap sends them and as a Linux target answers them (closed TCP port:
 * RST; open port: SYN+ACK to a SYN, silence to FIN/NULL/XMAS; ACK probes: RST either way; closed UDP
 * port: ICMP port unreachable), fed through the analyzer's per-packet path.
 */
class ScanDetectionTest {

    static final String SCANNER = "10.9.9.66";
    static final String TARGET = "10.0.0.10";
    static final int SPORT = 61234;

    /** Runs traffic through an analyzer with default detection and returns what it alerted. */
    static CollectingSink run(DetectConfig d, Consumer<Wire> traffic) {
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(0, FlowConfig.defaults(), false, d), "crafted", sink);
        traffic.accept(new Wire(a));
        a.finish();
        return sink;
    }

    static CollectingSink run(Consumer<Wire> traffic) {
        return run(DetectConfig.defaults(), traffic);
    }

    static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            l.add(i);
        }
        return l;
    }

    /**
     * One TCP probe of the given flags from the scanner to a port of the target, answered as Linux
     * answers it.
     */
    static void probe(Wire w, String target, int port, int flags, boolean open) {
        w.tcp(SCANNER, SPORT, target, port, flags);
        w.advanceMicros(50);
        if ((flags & SYN) != 0) {
            if (open) {
                w.tcp(target, port, SCANNER, SPORT, SYN | ACK);
                w.advanceMicros(20);
                w.tcp(SCANNER, SPORT, target, port, RST); // nmap's kernel resets what it did not open
            } else {
                w.tcp(target, port, SCANNER, SPORT, RST | ACK);
            }
        } else if ((flags & ACK) != 0) {
            // ACK probe: open or closed, an unfiltered port answers RST, without ACK (RFC 793)
            w.tcp(target, port, SCANNER, SPORT, RST);
        } else if (!open) {
            // FIN, NULL, XMAS: a closed port answers RST+ACK, an open one stays silent
            w.tcp(target, port, SCANNER, SPORT, RST | ACK);
        }
        w.advanceMillis(1);
    }

    static Alert only(CollectingSink out, Alert.Kind kind) {
        List<Alert> l = out.alertsOf(kind);
        assertEquals(1, l.size(), out.toString());
        return l.get(0);
    }

    @ParameterizedTest(name = "{0} scan")
    @CsvSource({"syn, 2", "fin, 1", "xmas, 41", "null, 0", "ack, 16"})
    void verticalTcpScanOfEachType(String type, int flags) {
        List<Integer> open = List.of(7, 22, 37);
        CollectingSink out = run(w -> {
            for (int port : range(1, 40)) {
                probe(w, TARGET, port, flags, open.contains(port));
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(SCANNER, a.source());
        assertEquals(TARGET, a.target());
        assertEquals(Transport.TCP, a.transport());
        assertNull(a.port());
        Map<String, Object> d = a.details();
        assertEquals("vertical", d.get("method"));
        assertEquals(type, d.get("scan_type"));
        assertEquals(40, d.get("ports"));
        assertEquals(List.of("tcp/1", "tcp/40"), d.get("port_range"));
        assertEquals(named("tcp", range(1, 20)), d.get("port_sample"));
        if (type.equals("syn")) {
            assertEquals(37, d.get("failed_ports"));
            assertEquals(named("tcp", open), d.get("open_ports"), "SYN+ACK answers are open ports");
            assertEquals(Alert.Severity.HIGH, a.severity());
        } else {
            // FIN/NULL/XMAS: open ports do not answer (open|filtered); ACK: every port answers RST
            assertEquals(40, d.get("failed_ports"));
            assertEquals(List.of(), d.get("open_ports"));
            assertEquals(Alert.Severity.MEDIUM, a.severity());
        }
        assertTrue(out.alertsOf(Alert.Kind.SYN_FLOOD).isEmpty(), out.toString());
    }

    @Test
    void connectScanCompletesHandshakesWithOpenPorts() {
        List<Integer> open = List.of(21, 25);
        CollectingSink out = run(w -> {
            for (int port : range(1, 30)) {
                int cport = 40000 + port;
                w.tcp(SCANNER, cport, TARGET, port, SYN);
                w.advanceMicros(40);
                if (open.contains(port)) {
                    w.tcp(TARGET, port, SCANNER, cport, SYN | ACK);
                    w.tcp(SCANNER, cport, TARGET, port, ACK);
                    w.tcp(SCANNER, cport, TARGET, port, RST | ACK); // connect() then close with linger 0
                } else {
                    w.tcp(TARGET, port, SCANNER, cport, RST | ACK);
                }
                w.advanceMillis(2);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals("connect", a.details().get("scan_type"));
        assertEquals(named("tcp", open), a.details().get("open_ports"));
        assertEquals(28, a.details().get("failed_ports"));
    }

    @Test
    void udpScanAnsweredByIcmpPortUnreachable() {
        CollectingSink out = run(w -> {
            for (int port : range(100, 140)) {
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.advanceMicros(80);
                if (port == 123) {
                    w.udp(TARGET, port, SCANNER, SPORT, 48); // open: it answers
                } else if (port % 4 != 0) {
                    w.unreachable(TARGET, 3, 17, SCANNER, SPORT, TARGET, port); // closed
                } // else open|filtered: nothing
                w.advanceMillis(5);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(Transport.UDP, a.transport());
        assertEquals("udp", a.details().get("scan_type"));
        assertEquals(41, a.details().get("ports"));
        assertEquals(40, a.details().get("failed_ports"));
        assertEquals(List.of("udp/123"), a.details().get("open_ports"));
    }

    @Test
    void udpProbesAnsweredByIcmpAloneMakeAScan() {
        // Each probe is sent three times, so that its flow does not look like a probe by its count:
        // only the ICMP errors tell.
        CollectingSink out = run(w -> {
            for (int port : range(1000, 1019)) {
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.unreachable(TARGET, 3, 17, SCANNER, SPORT, TARGET, port);
                w.advanceMillis(3);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(20, a.details().get("failed_ports"));
    }

    @Test
    void horizontalScanOfOnePortAcrossHosts() {
        CollectingSink out = run(w -> {
            for (int h = 1; h <= 40; h++) {
                String host = "10.0.1." + h;
                w.tcp(SCANNER, SPORT, host, 445, SYN);
                w.advanceMicros(100);
                if (h % 10 == 0) {
                    w.tcp(host, 445, SCANNER, SPORT, SYN | ACK);
                    w.tcp(SCANNER, SPORT, host, 445, RST);
                } else if (h % 2 == 0) {
                    w.tcp(host, 445, SCANNER, SPORT, RST | ACK);
                } // else: no such host, no answer
                w.advanceMillis(3);
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        Alert sweep = scans.stream().filter(a -> "horizontal".equals(a.details().get("method"))).findFirst().orElseThrow();
        assertEquals(SCANNER, sweep.source());
        assertNull(sweep.target());
        assertEquals(445, sweep.port());
        assertEquals(Transport.TCP, sweep.transport());
        assertEquals(36L, sweep.details().get("failed_hosts"));
        assertEquals(40L, sweep.details().get("hosts"));
        assertEquals(List.of("10.0.1.1", "10.0.1.39"), sweep.details().get("host_range"));
        assertEquals(List.of("10.0.1.10", "10.0.1.20", "10.0.1.30", "10.0.1.40"), sweep.details().get("open_hosts"));
        // the random walk flags it too, after four failed first contacts more than successes
        Alert walk = scans.stream().filter(a -> "trw".equals(a.details().get("method"))).findFirst().orElseThrow();
        assertEquals(SCANNER, walk.source());
        assertEquals(445, walk.port());
        assertEquals(2, scans.size(), out.toString());
        assertTrue(scans.stream().noneMatch(a -> "vertical".equals(a.details().get("method"))));
    }

    @Test
    void horizontalUdpSweepAnsweredByARouter() {
        CollectingSink out = run(w -> {
            for (int h = 1; h <= 30; h++) {
                w.udp(SCANNER, SPORT, "10.0.2." + h, 161, 40);
                w.advanceMicros(300);
                w.unreachable("10.0.2.254", 1, 17, SCANNER, SPORT, "10.0.2." + h, 161); // host unreachable
                w.advanceMillis(2);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals("horizontal", a.details().get("method"));
        assertEquals(161, a.port());
        assertEquals(Transport.UDP, a.transport());
        assertEquals(30L, a.details().get("failed_hosts"));
    }

    @Test
    void trwFlagsAFewFailedFirstContactsBeforeTheThreshold() {
        // five hosts, all refusing: far below 25 hosts, but the walk reaches 4^5 > 99
        CollectingSink out = run(w -> {
            for (int h = 1; h <= 5; h++) {
                probe(w, "10.0.3." + h, 22, SYN, false);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals("trw", a.details().get("method"));
        assertEquals(5L, a.details().get("failed_hosts"));
        // and nothing with the walk off
        DetectConfig noTrw = DetectConfig.defaults().withScan(300 * DetectConfig.SECOND, 15, 25, false);
        CollectingSink off = run(noTrw, w -> {
            for (int h = 1; h <= 5; h++) {
                probe(w, "10.0.3." + h, 22, SYN, false);
            }
        });
        assertTrue(off.alerts.isEmpty(), off.toString());
    }

    @Test
    void trwSuccessesOutweighFailures() {
        // a client that reaches most hosts it tries, and fails on a few, is benign
        CollectingSink out = run(w -> {
            for (int h = 1; h <= 30; h++) {
                String host = "10.0.4." + h;
                if (h % 3 == 0) {
                    probe(w, host, 443, SYN, false);
                } else {
                    w.session(SCANNER, 50000 + h, host, 443);
                    w.advanceMillis(5);
                }
            }
        });
        assertTrue(out.alerts.isEmpty(), out.toString());
    }

    @Test
    void thresholdIsDistinctFailedPorts() {
        CollectingSink below = run(w -> range(1, 14).forEach(p -> probe(w, TARGET, p, SYN, false)));
        assertTrue(below.alerts.isEmpty(), below.toString());
        CollectingSink at = run(w -> range(1, 15).forEach(p -> probe(w, TARGET, p, SYN, false)));
        assertEquals(15, only(at, Alert.Kind.PORT_SCAN).details().get("failed_ports"));
        // repeating the same ports adds nothing
        CollectingSink repeated = run(w -> {
            for (int round = 0; round < 10; round++) {
                range(1, 14).forEach(p -> probe(w, TARGET, p, SYN, false));
            }
        });
        assertTrue(repeated.alerts.isEmpty(), repeated.toString());
    }

    @Test
    void slowScanWithinTheWindow() {
        // 20 ports, one every 12 s: 3 min 48 s of packet time, inside the 5 min window
        CollectingSink out = run(w -> {
            for (int port : range(1, 20)) {
                probe(w, TARGET, port * 7, SYN, false);
                w.advanceMillis(12_000);
            }
        });
        Alert a = only(out, Alert.Kind.PORT_SCAN);
        assertEquals(20, a.details().get("failed_ports"));
        java.time.Duration spread = java.time.Duration.between(java.time.Instant.parse((String) a.details().get("first_seen")),
                java.time.Instant.parse((String) a.details().get("last_seen")));
        assertTrue(spread.toSeconds() >= 220 && spread.toSeconds() < 300, spread.toString());
    }

    @Test
    void slowerScanThanTheWindowIsFoundByTheSlowWalk() {
        // one port a minute: no 5 min window holds more than 6 failed ports; the slow walk (1 h) finds it
        CollectingSink out = run(w -> {
            for (int port : range(1, 30)) {
                probe(w, TARGET, port, SYN, false);
                w.advanceMillis(60_000);
            }
        });
        assertEquals("slow_trw", only(out, Alert.Kind.PORT_SCAN).details().get("method"));
        // with a 1 h scan window the vertical count finds it (and the slow walk, as long, is off)
        DetectConfig hour = DetectConfig.defaults().withScan(3600 * DetectConfig.SECOND, 15, 25, true);
        CollectingSink wide = run(hour, w -> {
            for (int port : range(1, 30)) {
                probe(w, TARGET, port, SYN, false);
                w.advanceMillis(60_000);
            }
        });
        assertEquals(30, only(wide, Alert.Kind.PORT_SCAN).details().get("failed_ports"));
    }

    @Test
    void oneAlertPerScannerAndTargetPerWindow() {
        CollectingSink out = run(w -> {
            range(1, 100).forEach(p -> probe(w, TARGET, p, SYN, false));
            w.advanceMillis(30_000);
            range(101, 200).forEach(p -> probe(w, TARGET, p, SYN, false)); // same window: no new alert
            w.advanceMillis(400_000);
            range(1, 50).forEach(p -> probe(w, TARGET, p, SYN, false)); // next window: a new one
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(2, scans.size(), out.toString());
        assertEquals(200, scans.get(0).details().get("failed_ports"));
        assertEquals(50, scans.get(1).details().get("failed_ports"));
        // another target is another alert
        CollectingSink two = run(w -> {
            range(1, 20).forEach(p -> probe(w, TARGET, p, SYN, false));
            range(1, 20).forEach(p -> probe(w, "10.0.0.11", p, SYN, false));
        });
        assertEquals(List.of(TARGET, "10.0.0.11"),
                two.alertsOf(Alert.Kind.PORT_SCAN).stream().filter(a -> a.target() != null).map(Alert::target).toList());
    }

    @Test
    void alertGoesOutWhenTheReportingWindowCloses() {
        DetectConfig d = DetectConfig.defaults();
        CollectingSink sink = new CollectingSink();
        TrafficAnalyzer a = new TrafficAnalyzer(new AnalyzerConfig(10 * DetectConfig.SECOND, FlowConfig.defaults(),
                false, d), "crafted", sink);
        Wire w = new Wire(a);
        w.now = 1_714_557_600_000_000_000L; // on a 10 s boundary
        range(1, 30).forEach(p -> probe(w, TARGET, p, SYN, false));
        assertTrue(sink.alerts.isEmpty(), "pending until the window closes");
        w.advanceMillis(10_000);
        w.session("10.0.0.50", 40000, "10.0.0.10", 80); // a packet in the next window closes the first
        assertEquals(List.of(1), sink.alertsBeforeEachWindow(), "the alert precedes the record of the window it crossed in");
        a.finish();
        assertEquals(1, sink.alertsOf(Alert.Kind.PORT_SCAN).size());
    }

    @Test
    void busyClientOfOneServiceIsNotAScanner() {
        CollectingSink out = run(w -> {
            for (int i = 0; i < 3000; i++) {
                w.session("10.0.5.5", 30000 + i % 30000, TARGET, 8080);
                w.advanceMillis(20);
            }
            // the service restarts: a burst of refused connections, then it is back
            for (int i = 0; i < 200; i++) {
                w.tcp("10.0.5.5", 45000 + i, TARGET, 8080, SYN);
                w.tcp(TARGET, 8080, "10.0.5.5", 45000 + i, RST | ACK);
                w.advanceMillis(5);
            }
        });
        assertTrue(out.alerts.isEmpty(), out.toString());
    }

    @Test
    void icmpAnsweringAServersReplyIsNotTheServersFailure() {
        // a DNS server's late replies reach clients whose sockets have closed: the clients' port
        // unreachable errors quote server:53 -> client:ephemeral
        CollectingSink out = run(w -> {
            for (int i = 0; i < 100; i++) {
                int cport = 33000 + i * 7;
                w.udp("10.0.6.6", cport, "10.0.0.53", 53, 30);
                w.advanceMillis(3000);
                w.udp("10.0.0.53", 53, "10.0.6.6", cport, 90);
                w.unreachable("10.0.6.6", 3, 17, "10.0.0.53", 53, "10.0.6.6", cport);
            }
        });
        assertTrue(out.alerts.isEmpty(), out.toString());
    }

    @Test
    void ipv6SynScan() {
        String scanner = "2001:db8::66";
        String target = "2001:db8::10";
        CollectingSink out = run(w -> {
            for (int port : range(20, 45)) {
                w.tcp(scanner, SPORT, target, port, SYN);
                w.tcp(target, port, scanner, SPORT, port == 22 ? SYN | ACK : RST | ACK);
                w.advanceMillis(1);
            }
            for (int port : range(500, 520)) {
                w.udp(scanner, SPORT, target, port, 0);
                w.unreachable(target, 4, 17, scanner, SPORT, target, port);
                w.advanceMillis(1);
            }
        });
        // a TCP scan and a UDP scan of the host: two findings
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(List.of(Transport.TCP, Transport.UDP), scans.stream().map(Alert::transport).sorted().toList(), out.toString());
        Alert a = scans.stream().filter(x -> x.transport() == Transport.TCP).findFirst().orElseThrow();
        assertEquals(scanner, a.source());
        assertEquals(target, a.target());
        assertEquals("syn", a.details().get("scan_type"));
        assertEquals(26, a.details().get("ports"));
        assertEquals(List.of("tcp/22"), a.details().get("open_ports"));
        Alert u = scans.stream().filter(x -> x.transport() == Transport.UDP).findFirst().orElseThrow();
        assertEquals(scanner, u.source());
        assertEquals("udp", u.details().get("scan_type"));
        assertEquals(21, u.details().get("ports"));
        assertEquals(List.of("udp/500", "udp/520"), u.details().get("port_range"));
    }

    /** Ports as alerts write them: {@code tcp/22}. */
    static List<String> named(String transport, List<Integer> ports) {
        return ports.stream().map(p -> transport + "/" + p).toList();
    }

    /** Every port in a scan alert's evidence, named with its transport. */
    @SuppressWarnings("unchecked")
    static List<String> evidencePorts(Alert a) {
        List<String> all = new ArrayList<>();
        for (String key : List.of("port_sample", "port_range", "open_ports")) {
            Object v = a.details().get(key);
            if (v != null) {
                for (Object o : (List<Object>) v) {
                    assertTrue(o instanceof String s && s.matches("(tcp|udp)/[0-9]{1,5}"),
                            key + " item " + o + " does not name its transport: " + a.details());
                    all.add((String) o);
                }
            }
        }
        return all;
    }

    /**
     * Issue 14 #11: one source scans a host's TCP ports, then its UDP ports, then floods one TCP port
     * of it, all within one scan window: three findings (a TCP scan, a UDP scan, a flood), and every
     * port in a scan's evidence names its transport.
     */
    @Test
    void tcpScanUdpScanAndFloodFromOneSourceAreThreeFindings() {
        CollectingSink out = run(w -> {
            for (int port : range(1, 40)) {
                probe(w, TARGET, port, SYN, port == 22 || port == 37);
            }
            for (int port : range(5340, 5370)) {
                w.udp(SCANNER, SPORT, TARGET, port, 0);
                w.advanceMicros(80);
                if (port == 5353) {
                    w.udp(TARGET, port, SCANNER, SPORT, 48);
                } else {
                    w.unreachable(TARGET, 3, 17, SCANNER, SPORT, TARGET, port);
                }
                w.advanceMillis(5);
            }
            long window = 10 * DetectConfig.SECOND;
            w.now = (w.now / window + 1) * window;
            for (int i = 0; i < 3000; i++) { // 3000 SYNs to 8000 in 3 s, never completed
                w.tcp(SCANNER, 1024 + i, TARGET, 8000, SYN);
                w.advanceMicros(1000);
            }
        });
        List<Alert> scans = out.alertsOf(Alert.Kind.PORT_SCAN);
        assertEquals(2, scans.size(), out.toString());
        assertEquals(3, out.alerts.size(), out.toString());
        Alert tcp = scans.stream().filter(a -> a.transport() == Transport.TCP).findFirst().orElseThrow();
        Alert udp = scans.stream().filter(a -> a.transport() == Transport.UDP).findFirst().orElseThrow();
        for (Alert a : scans) {
            assertEquals(SCANNER, a.source());
            assertEquals(TARGET, a.target());
            assertEquals("vertical", a.details().get("method"));
            assertTrue(evidencePorts(a).stream().allMatch(x -> x.startsWith(a.transport().key() + "/")), a.toString());
        }
        assertEquals("syn", tcp.details().get("scan_type"));
        // 38 closed ports, and 8000: the flood's SYNs from this source went unanswered, which by the
        // scan rules (Zeek's) is a failed attempt on one more TCP port of the host
        assertEquals(39, tcp.details().get("failed_ports"));
        assertEquals(named("tcp", List.of(22, 37)), tcp.details().get("open_ports"));
        assertEquals(named("tcp", range(1, 20)), tcp.details().get("port_sample"));
        assertEquals("udp", udp.details().get("scan_type"));
        assertEquals(31, udp.details().get("ports"));
        assertEquals(30, udp.details().get("failed_ports"));
        assertEquals(named("udp", List.of(5353)), udp.details().get("open_ports"));
        assertEquals(named("udp", List.of(5340, 5370)), udp.details().get("port_range"));
        Alert flood = only(out, Alert.Kind.SYN_FLOOD);
        assertEquals(SCANNER, flood.source());
        assertEquals(Transport.TCP, flood.transport());
        assertEquals(8000, flood.port());
    }

    @Test
    void probeKindsFromFlags() {
        assertEquals(Probe.SYN, Probe.rejectedKind(SYN | RST | ACK, RST | ACK));
        assertEquals(Probe.FIN, Probe.rejectedKind(FIN | RST | ACK, RST | ACK));
        assertEquals(Probe.XMAS, Probe.rejectedKind(FIN | PSH | URG | RST | ACK, RST | ACK));
        assertEquals(Probe.NULL, Probe.rejectedKind(RST | ACK, RST | ACK));
        assertEquals(Probe.ACK, Probe.rejectedKind(ACK | RST, RST));
        assertEquals(Probe.SYN, Probe.unansweredKind(SYN, 3));
        assertEquals(Probe.NULL, Probe.unansweredKind(0, 1));
        assertEquals(Probe.ACK, Probe.unansweredKind(ACK, 1));
        assertEquals(0, Probe.unansweredKind(ACK, 50), "one side of a transfer seen alone");
        assertEquals(0, Probe.unansweredKind(PSH | ACK, 2));
        assertEquals(0, Probe.unansweredKind(FIN | ACK, 1), "a close seen alone");
        assertEquals("connect", Probe.scanType(Probe.SYN | Probe.CONNECT));
        assertEquals("syn+udp", Probe.scanType(Probe.SYN | Probe.UDP));
    }
}
