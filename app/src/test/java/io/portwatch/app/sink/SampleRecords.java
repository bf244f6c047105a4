package io.portwatch.app.sink;

import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TopTalkers;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.Tunnel;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.AddressSketch;
import io.portwatch.analysis.ports.FleetKey;
import io.portwatch.analysis.ports.PortClass;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.TunnelKind;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.capture.source.CaptureStats;
import io.portwatch.capture.source.Downtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Records for the sink tests, with values taken from the corpus captures' traffic (addresses, ports,
 * times) and every field distinct so that a swapped field shows.
 */
final class SampleRecords {

    /**
     * The first frame time of http-sessions.pcap (2026-11-24T18:05:15.615515Z) plus 123 ns, so that all
     * nine fraction digits are in use.
     */
    static final long T0 = 1_795_543_515_615_515_123L;
    static final long MINUTE = 60_000_000_000L;

    static final String INPUT = "http-sessions.pcap";

    private SampleRecords() {
    }

    /** The fleet key of the sample records that have one (the UDP ports'). */
    static final FleetKey FLEET_KEY = FleetKey.of("the sink tests' fleet key, not a secret");

    static PortStats tcp(int port, String service, long toServer, long toClient) {
        return new PortStats(Transport.TCP, port, service, PortClass.of(port), toServer / 6 + 1, toServer / 5 + 2,
                toServer, toClient, toServer * 61 + 7, toClient * 227 + 3, toServer % 7 + 1, 1,
                new TcpCounts(toServer / 6 + 3, toServer / 6 + 1, toServer % 5, toServer / 3 + 4,
                        toServer / 6, toServer % 3, toServer % 4 + 2), null, null,
                sketches(null, port, (int) (toServer % 7 + 1), 1));
    }

    static PortStats udp(int port, String service, long toServer, long toClient) {
        return new PortStats(Transport.UDP, port, service, PortClass.of(port), toServer / 2 + 1, toServer / 2 + 3,
                toServer, toClient, toServer * 73 + 11, toClient * 89 + 5, toServer % 3 + 1, 2, null, null, null,
                sketches(FLEET_KEY, port, (int) (toServer % 3 + 1), 2));
    }

    /**
     * Sketches of {@code clients} client and {@code servers} server addresses of a port (198.18.x.y, told
     * apart by the port), keyed with {@code key} or public.
     */
    static PeerSketches sketches(FleetKey key, int port, int clients, int servers) {
        AddressSketch c = new AddressSketch(key);
        AddressSketch s = new AddressSketch(key);
        for (int i = 0; i < clients; i++) {
            c.update(0, 0xFFFF_C612_0000L | (port & 0xFF) << 8 | i); // 198.18.port.i, IPv4-mapped
        }
        for (int i = 0; i < servers; i++) {
            s.update(0, 0xFFFF_C613_0000L | (port & 0xFF) << 8 | i);
        }
        return new PeerSketches(key == null ? PeerSketches.PUBLIC : PeerSketches.FLEET, c.toBytes(), s.toBytes());
    }

    /** The port with top talkers: exact (few clients) or not (many), one server. */
    static PortStats withTalkers(PortStats p, boolean exact) {
        List<Talker> clients = List.of(new Talker("192.0.2.7", p.packets() / 2, p.bytes() / 2, 3),
                new Talker("2001:db8::1", p.packets() / 4, p.bytes() / 5, 1));
        List<Talker> servers = List.of(new Talker("198.51.100.10", p.packets(), p.bytes(), p.activeFlows()));
        return new PortStats(p.transport(), p.port(), p.service(), p.portClass(), p.flows(), p.activeFlows(),
                p.packetsToServer(), p.packetsToClient(), p.bytesToServer(), p.bytesToClient(), p.uniqueClients(),
                p.uniqueServers(), p.tcp(), new TopTalkers(exact, clients, List.of(clients.get(0), clients.get(1)),
                exact ? 0 : p.packets() / 64, exact ? 0 : p.bytes() / 64),
                new TopTalkers(true, servers, servers, 0, 0), p.sketches());
    }

    /**
     * A window of a capture file with top talkers (exact and not), exposed services (one of them new) and the
     * scan evidence of two sources (TCP over IPv4, UDP over IPv6).
     */
    static WindowReport windowWithTalkersAndServices(long start) {
        WindowReport w = fileWindow(start, List.of(withTalkers(tcp(443, "https", 2_880, 2_700), false),
                withTalkers(udp(53, "domain", 310, 300), true)));
        List<ServiceStats> services = List.of(
                new ServiceStats(Transport.TCP, "198.51.100.10", 443, "https", start - MINUTE, start + 5, 40, 12, false,
                        480, 388_211),
                new ServiceStats(Transport.UDP, "2001:db8::53", 5353, null, start + 1_000, start + 2_000, 2, 1, true));
        return new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                w.activeFlows(), w.decodeErrors(), w.capture(), w.outputDropped(), services, evidence());
    }

    /**
     * A window of a capture file whose ports ran short of --port-memory: one with an estimated unique count and
     * a summary of fewer clients, its sketches kept; one whose sketches were left out.
     */
    static WindowReport shortOfMemoryWindow(long start) {
        PortStats a = withTalkers(tcp(443, "https", 2_880, 2_700), false);
        PortStats b = udp(53, "domain", 310, 300);
        List<PortStats> ports = List.of(limited(a, a.sketches()), limited(b, null));
        WindowReport w = fileWindow(start, ports);
        return new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                w.activeFlows(), w.decodeErrors(), w.capture(), w.outputDropped(), List.of(), List.of(),
                new MemoryLimited(1, 1, 1));
    }

    private static PortStats limited(PortStats p, PeerSketches sketches) {
        return new PortStats(p.transport(), p.port(), p.service(), p.portClass(), p.flows(), p.activeFlows(),
                p.packetsToServer(), p.packetsToClient(), p.bytesToServer(), p.bytesToClient(), p.uniqueClients(),
                p.uniqueServers(), p.tcp(), p.topClients(), p.topServers(), sketches, true);
    }

    /** Scan evidence as the detectors make it: nmap-syn-scan.pcap's, and a few UDP probes from IPv6. */
    static List<ScanEvidence> evidence() {
        return List.of(
                new ScanEvidence("127.77.0.66", Transport.TCP, 1023, 3, 1, 1026, 1023 * Math.log(4.000000000000001)
                        + 3 * Math.log(0.25), List.of("127.77.0.10"), List.of("tcp/1", "tcp/3", "tcp/4", "tcp/6", "tcp/7")),
                new ScanEvidence("2001:db8::66", Transport.UDP, 2, 1, 3, 2, 2 * Math.log(4.000000000000001)
                        + Math.log(0.25), List.of("2001:db8::53", "2001:db8::1", "2001:db8::2"),
                        List.of("udp/53", "udp/161")));
    }

    /** Five ports of different widths, transports and ranges, deliberately not busiest first. */
    static List<PortStats> mixedPorts() {
        return List.of(
                udp(53, "domain", 310, 300),
                tcp(8080, "http-alt", 1_201_000, 1_187_654),
                tcp(49200, null, 14, 12),
                udp(5353, "mdns", 4_000, 0),
                tcp(443, "https", 2_880, 2_700));
    }

    /**
     * A window of a live capture over {@code ports}: frames and bytes beyond the ports' own, flows still
     * tracked, decode errors, capture counters (the interface down for a while, then captured again) and
     * output drops all set, each to a different value.
     */
    static WindowReport window(long start, List<PortStats> ports) {
        long packets = 0;
        long bytes = 0;
        for (PortStats p : ports) {
            packets += p.packets();
            bytes += p.bytes();
        }
        return new WindowReport(INPUT, start, start + MINUTE, ports, packets + 17, bytes + 1_234,
                ports.size() + 3L, 2, new CaptureStats(packets + 20, 4, 1, 2, new Downtime(2_345_678_901L, 1)), 6);
    }

    /** The same window as a capture file gives it: no capture counters, nothing dropped, no errors. */
    static WindowReport fileWindow(long start, List<PortStats> ports) {
        WindowReport w = window(start, ports);
        return new WindowReport(w.input(), w.startNanos(), w.endNanos(), w.ports(), w.packets(), w.bytes(),
                w.activeFlows(), 0, null, 0);
    }

    /** {@code n} ports with distinct packet counts, in a shuffled order (fixed seed). */
    static List<PortStats> shuffledPorts(int n, long seed) {
        List<PortStats> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int port = 1000 + 37 * i;
            long pkts = 10L * (i + 1) * (i + 1);
            ports.add(i % 3 == 0 ? udp(port, null, pkts, pkts / 2) : tcp(port, null, pkts, pkts - 1));
        }
        Collections.shuffle(ports, new Random(seed));
        return ports;
    }

    static FlowRecord tcpFlow() {
        return new FlowRecord(INPUT, "1:GyQvkEiqY6TLumCIDsq6aHvyXmU=", Transport.TCP, "127.0.0.24", 52662,
                "127.0.0.10", 8080, T0, T0 + 1_500_000_001L, 7, 5, 612, 872,
                DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK | DecodedPacket.TCP_FIN | DecodedPacket.TCP_PSH,
                "SF", EndReason.FIN);
    }

    /** A DNS query and its answer over IPv6 (the addresses of dns-queries.pcap, moved to 2001:db8::/32). */
    static FlowRecord udpFlow() {
        return new FlowRecord("dns-queries.pcap",
                CorpusRecords.communityId(17, "2001:db8::33", 60887, "2001:db8::10", 5353), Transport.UDP, "2001:db8::33",
                60887, "2001:db8::10", 5353, T0 + 2_000, T0 + 2_000 + 123_000L, 1, 1, 88, 104, 0, "SF",
                EndReason.IDLE);
    }

    /** A flow seen inside VXLAN on VLAN 30: the inner 5-tuple, with its VLAN id and tunnel. */
    static FlowRecord tunnelledFlow() {
        return new FlowRecord("vxlan.pcap", CorpusRecords.communityId(6, "10.0.0.1", 40000, "10.0.0.2", 443),
                Transport.TCP, "10.0.0.1", 40000, "10.0.0.2", 443, T0 + 5_000, T0 + 9_000, 3, 2, 164, 112,
                DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK, "S1", EndReason.END_OF_INPUT, 30,
                new Tunnel(TunnelKind.VXLAN, "192.0.2.1", "2001:db8::2"));
    }

    static Summary summary() {
        Map<String, Long> errors = new LinkedHashMap<>();
        errors.put("truncated_ip", 3L);
        errors.put("bad_tcp_header", 11L);
        Map<String, Long> links = new LinkedHashMap<>();
        links.put("linktype 147", 5L);
        return new Summary(INPUT, T0, T0 + 3 * MINUTE + 999L, 2_880_123, 356_160_777, 2_790_000, 80_000,
                12, 9_997, 104, 240, 2, errors, links,
                List.of("missing.pcap: no such file", "cut.pcap: truncated record at offset 1234 (read 2 packets)"));
    }

    static Summary emptySummary() {
        return new Summary("empty.pcap", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
                List.of("empty.pcap: no packets (file of 24 bytes, header only)"));
    }

    /**
     * One alert of each kind (and each port_scan method), with the details the detectors write, in their
     * order and types, about the corpus captures' addresses (nmap-syn-scan.pcap's scanner and target).
     */
    static List<Alert> alerts() {
        Map<String, Object> vertical = new LinkedHashMap<>();
        vertical.put("method", "vertical");
        vertical.put("scan_type", "syn");
        vertical.put("probes", List.of("syn"));
        vertical.put("ports", 1000);
        vertical.put("failed_ports", 997);
        vertical.put("port_sample", List.of("tcp/1", "tcp/3", "tcp/7", "tcp/9", "tcp/13", "tcp/17", "tcp/19", "tcp/21"));
        vertical.put("port_range", List.of("tcp/1", "tcp/65389"));
        vertical.put("open_ports", List.of("tcp/22", "tcp/80", "tcp/631"));
        vertical.put("first_seen", "2026-11-24T18:05:15.615515123Z");
        vertical.put("last_seen", "2026-11-24T18:05:17.002Z");
        vertical.put("window_seconds", 300L);
        Map<String, Object> horizontal = new LinkedHashMap<>();
        horizontal.put("method", "horizontal");
        horizontal.put("scan_type", "syn+udp");
        horizontal.put("probes", List.of("syn", "udp"));
        horizontal.put("hosts", 31L);
        horizontal.put("hosts_exact", true);
        horizontal.put("failed_hosts", 30L);
        horizontal.put("host_sample", List.of("2001:db8::1", "2001:db8::2"));
        horizontal.put("host_range", List.of("2001:db8::1", "2001:db8::1f"));
        horizontal.put("open_hosts", List.of());
        horizontal.put("first_seen", "2026-11-24T18:05:15Z");
        horizontal.put("last_seen", "2026-11-24T18:06:15.5Z");
        horizontal.put("window_seconds", 300L);
        Map<String, Object> trw = new LinkedHashMap<>();
        trw.put("method", "trw");
        trw.put("scan_type", "connect");
        trw.put("probes", List.of());
        trw.put("hosts", 6L);
        trw.put("failed_hosts", 5L);
        trw.put("answered_hosts", 1);
        trw.put("log_likelihood_ratio", 4.852);
        trw.put("host_sample", List.of("127.77.0.10", "127.77.0.11"));
        trw.put("host_range", List.of("127.77.0.10", "127.77.0.15"));
        trw.put("ports", 1);
        trw.put("port_sample", List.of("tcp/445"));
        Map<String, Object> flood = new LinkedHashMap<>();
        flood.put("syns", 48_211L);
        flood.put("completed", 12L);
        flood.put("completion_ratio", 0.0);
        flood.put("syn_rate", 4821.1);
        flood.put("sources", 1_993L);
        flood.put("sources_exact", false);
        flood.put("first_seen", "2026-11-24T18:05:20Z");
        flood.put("last_seen", "2026-11-24T18:05:29.999Z");
        flood.put("window_seconds", 10L);
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("service", "http-alt");
        service.put("client", "127.0.0.24");
        service.put("first_seen", "2026-11-24T18:05:15.615515123Z");
        service.put("reason", "not in the baseline");
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("rule", "deny tcp 23");
        policy.put("line", 12);
        policy.put("network", "127.0.0.0/8");
        policy.put("policy", "port-policy.txt");
        policy.put("service", "telnet");
        policy.put("first_seen", "2026-11-24T18:05:16Z");
        return List.of(
                new Alert("nmap-syn-scan.pcap", Alert.Kind.PORT_SCAN, T0 + 1_386_484_877L, "127.77.0.66",
                        "127.77.0.10", Transport.TCP, null, Alert.Severity.HIGH, vertical),
                new Alert(INPUT, Alert.Kind.PORT_SCAN, T0 + MINUTE, "2001:db8::66", null, null, 53,
                        Alert.Severity.MEDIUM, horizontal),
                new Alert(INPUT, Alert.Kind.PORT_SCAN, T0 + 2_000, "127.77.0.66", null, Transport.TCP, 445,
                        Alert.Severity.MEDIUM, trw),
                new Alert(INPUT, Alert.Kind.SYN_FLOOD, T0 + 14_384_484_877L, null, "127.0.0.10", Transport.TCP, 8080,
                        Alert.Severity.CRITICAL, flood),
                new Alert(INPUT, Alert.Kind.NEW_SERVICE, T0, "127.0.0.24", "127.0.0.10", Transport.TCP, 8080,
                        Alert.Severity.MEDIUM, service),
                new Alert(INPUT, Alert.Kind.POLICY_VIOLATION, T0 + 384_484_877L, "127.0.0.24", "127.0.0.24",
                        Transport.TCP, 23, Alert.Severity.HIGH, policy),
                new Alert("lo", Alert.Kind.NEW_SERVICE, T0 + 5, "::1", "::1", Transport.UDP, 5353, Alert.Severity.LOW,
                        Map.of()));
    }
}
