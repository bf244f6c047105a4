package io.portwatch.app;

import io.portwatch.testkit.FrameBuilder;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.portwatch.testkit.FrameBuilder.ACK;
import static io.portwatch.testkit.FrameBuilder.FIN;
import static io.portwatch.testkit.FrameBuilder.PSH;
import static io.portwatch.testkit.FrameBuilder.RST;
import static io.portwatch.testkit.FrameBuilder.SYN;

/**
 * One network's traffic as three sensors see it, each in front of a site of its own with three hosts
 * ({@code 10.S.0.1} to {@code 10.S.0.3}, S = 1, 2, 3): the capture (pcap, Ethernet, microseconds) of one
 * sensor's link, all within one minute of 2024-05-01 10:00 UTC.
 * <ul>
 *   <li>A scanner, {@value #SCANNER}, SYN-scans ports {@value #FIRST_PORT} to {@value #LAST_PORT} of every
 *       host, as nmap does (one source port; an open port answers SYN+ACK and the scanner's kernel resets
 *       it, a closed one answers RST+ACK). Port {@value #OPEN_PORT} is open. Behind one sensor that is
 *       three hosts (its TRW walk, which counts hosts, three failed, under the four that make an alert)
 *       and 14 ports each (under the 15 of a vertical scan). Its evidence behind one sensor (which counts
 *       host and port pairs) is already over the fleet's bound.</li>
 *   <li>A sweeper, {@value #SWEEPER}, tries port {@value #SWEPT_PORT} of every host, each refused: three
 *       failed first contacts behind a sensor, under every bound there, the fleet's too.</li>
 *   <li>A client, {@value #CLIENT}, uses the services {@link #SERVICES} of every host: each a whole TCP
 *       session (handshake, a request, an answer, both FINs), but for port {@value #DOWN} of each site's
 *       first two hosts, which refuse (RST+ACK): a service that is down there. Two failures behind each
 *       sensor, six in all: over the fleet's bound, were the answers not counted against them.</li>
 * </ul>
 */
final class SplitTraffic {

    static final String SCANNER = "203.0.113.66";
    static final String SWEEPER = "203.0.113.99";
    static final int SWEPT_PORT = 23;
    static final String CLIENT = "198.51.100.7";
    static final int FIRST_PORT = 20;
    static final int LAST_PORT = 33;
    static final int OPEN_PORT = 22;
    static final int[] SERVICES = {80, 443, 8080, 8443};
    static final int DOWN = 8443;
    static final int HOSTS = 3;
    /** 2024-05-01T10:00:05Z, in microseconds. */
    static final long START_MICROS = 1_714_557_605_000_000L;

    private static final int SCANNER_PORT = 41_234;
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};

    private final OutputStream out;
    private long micros;

    private SplitTraffic(OutputStream out, long startMicros) {
        this.out = out;
        this.micros = startMicros;
    }

    /** The hosts behind sensor {@code s} (0, 1, 2). */
    static List<String> hosts(int s) {
        return java.util.stream.IntStream.rangeClosed(1, HOSTS).mapToObj(h -> "10." + (s + 1) + ".0." + h).toList();
    }

    /** Writes what sensor {@code s} (0, 1, 2) sees, the scan and the client's sessions interleaved by host. */
    static void write(Path file, int s) throws IOException {
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
            o.write(TrafficCapture.header());
            SplitTraffic t = new SplitTraffic(o, START_MICROS + s * 150_000L);
            List<String> hosts = hosts(s);
            for (int h = 0; h < hosts.size(); h++) {
                String host = hosts.get(h);
                for (int port = FIRST_PORT; port <= LAST_PORT; port++) {
                    t.probe(SCANNER, host, port, port == OPEN_PORT);
                }
                t.probe(SWEEPER, host, SWEPT_PORT, false);
                int clientPort = 50_000 + 10 * h;
                for (int service : SERVICES) {
                    if (h < 2 && service == DOWN) {
                        t.refused(host, service, clientPort++);
                    } else {
                        t.session(host, service, clientPort++);
                    }
                }
                t.micros += 2_000_000; // the next host a while later
            }
        }
    }

    /** Failed first contacts of the scanner behind one sensor, and answered ones. */
    static long[] scannerContacts() {
        int ports = LAST_PORT - FIRST_PORT + 1;
        return new long[] {(long) HOSTS * (ports - 1), HOSTS};
    }

    /** Failed first contacts of the sweeper behind one sensor, and answered ones. */
    static long[] sweeperContacts() {
        return new long[] {HOSTS, 0};
    }

    /** Failed first contacts of the client behind one sensor, and answered ones. */
    static long[] clientContacts() {
        return new long[] {2, (long) HOSTS * SERVICES.length - 2};
    }

    private void probe(String scanner, String host, int port, boolean open) throws IOException {
        tcp(scanner, SCANNER_PORT, host, port, SYN, 1000, 0, 0);
        if (open) {
            tcp(host, port, scanner, SCANNER_PORT, SYN | ACK, 5000, 1001, 0);
            tcp(scanner, SCANNER_PORT, host, port, RST, 1001, 0, 0);
        } else {
            tcp(host, port, scanner, SCANNER_PORT, RST | ACK, 0, 1001, 0);
        }
    }

    private void refused(String host, int port, int clientPort) throws IOException {
        tcp(CLIENT, clientPort, host, port, SYN, 7000, 0, 0);
        tcp(host, port, CLIENT, clientPort, RST | ACK, 0, 7001, 0);
    }

    private void session(String host, int port, int clientPort) throws IOException {
        tcp(CLIENT, clientPort, host, port, SYN, 7000, 0, 0);
        tcp(host, port, CLIENT, clientPort, SYN | ACK, 9000, 7001, 0);
        tcp(CLIENT, clientPort, host, port, ACK, 7001, 9001, 0);
        tcp(CLIENT, clientPort, host, port, PSH | ACK, 7001, 9001, 300);
        tcp(host, port, CLIENT, clientPort, PSH | ACK, 9001, 7301, 1200);
        tcp(CLIENT, clientPort, host, port, FIN | ACK, 7301, 10_201, 0);
        tcp(host, port, CLIENT, clientPort, FIN | ACK, 10_201, 7302, 0);
        tcp(CLIENT, clientPort, host, port, ACK, 7302, 10_202, 0);
    }

    private void tcp(String src, int sport, String dst, int dport, int flags, int seq, int ack, int payload)
            throws IOException {
        byte[] l4 = new FrameBuilder.Tcp(sport, dport, flags).seq(seq).ack(ack).payload(payload).build();
        boolean outside = !src.startsWith("10.");
        byte[] frame = FrameBuilder.ethernet(outside ? MAC_A : MAC_B, outside ? MAC_B : MAC_A,
                FrameBuilder.ETHERTYPE_IPV4, new FrameBuilder.Ip4().src(src).dst(dst).protocol(FrameBuilder.PROTO_TCP)
                        .dontFragment().build(l4));
        out.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (micros / 1_000_000))
                .putInt((int) (micros % 1_000_000)).putInt(frame.length).putInt(frame.length).array());
        out.write(frame);
        micros += 200;
    }
}
