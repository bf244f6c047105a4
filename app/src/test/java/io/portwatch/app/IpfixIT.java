package io.portwatch.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.testkit.Await;
import io.portwatch.testkit.Corpus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --ipfix} against real IPFIX readers: nfdump's collector {@code nfcapd} collects a read of the whole
 * shared corpus (IPv4 and IPv6 flows), per direction and as biflows, and {@code nfdump} reads back, per
 * 5-tuple, the packets and bytes of portwatch's own flow records; tshark's IPFIX dissector decodes every
 * message; a live capture on {@code lo} exports its flows while it runs.
 */
public class IpfixIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path jar;

    @TempDir
    Path tmp;

    @BeforeAll
    static void locate() {
        jar = Path.of(System.getProperty("portwatch.root", "..")).resolve("app/target/portwatch.jar");
        assertTrue(Files.isRegularFile(jar), "the build makes " + jar);
    }

    /** Every capture of the shared corpus (its crafted and real captures, and tcpdump's test suite). */
    private static List<String> corpus() throws IOException {
        List<String> files = new ArrayList<>();
        for (Path dir : List.of(Corpus.captures(), Corpus.tcpdumpTests())) {
            try (Stream<Path> s = Files.list(dir)) {
                s.map(Path::toString).filter(f -> f.endsWith(".pcap") || f.endsWith(".pcapng")).sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    private static ReadCommandIT.Run portwatch(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", jar.toString()));
        cmd.addAll(args);
        return ReadCommandIT.exec(cmd, Map.of(), null);
    }

    private static String address(String text) throws IOException {
        return InetAddress.getByName(text).getHostAddress(); // one text per address, whoever wrote it
    }

    private static List<JsonNode> flows(String jsonLines) throws IOException {
        List<JsonNode> flows = new ArrayList<>();
        for (String l : jsonLines.split("\n")) {
            if (l.startsWith("{\"type\":\"flow\"")) {
                flows.add(JSON.readTree(l));
            }
        }
        return flows;
    }

    /** Packets and bytes (and reverse ones) per 5-tuple, "TCP 10.0.0.1:1 > 10.0.0.2:2". */
    private static void add(Map<String, List<Long>> m, String proto, String src, int sp, String dst, int dp, long... v)
            throws IOException {
        String key = proto + " " + address(src) + ":" + sp + " > " + address(dst) + ":" + dp;
        List<Long> sums = m.computeIfAbsent(key, k -> new ArrayList<>(List.of(0L, 0L, 0L, 0L)));
        for (int i = 0; i < v.length; i++) {
            sums.set(i, sums.get(i) + v[i]);
        }
    }

    @ParameterizedTest(name = "biflow {0}")
    @ValueSource(booleans = {false, true})
    void nfdumpReadsBackThePacketsAndBytesOfEveryFlowOfTheCorpus(boolean biflow) throws Exception {
        Nfcapd.require();
        List<String> files = corpus();
        try (Nfcapd nfcapd = Nfcapd.start(tmp.resolve("nfcapd"))) {
            List<String> args = new ArrayList<>(List.of("read", "--format", "json", "--flows", "--no-detect",
                    "--separate", "--sensor", "it", "--ipfix", "127.0.0.1:" + nfcapd.port));
            if (biflow) {
                args.add("--ipfix-biflow");
            }
            args.addAll(files);
            ReadCommandIT.Run run = portwatch(args);
            assertEquals(0, run.exit(), run.err());
            assertFalse(run.err().contains("ipfix"), "every record sent: " + run.err());
            nfcapd.stop();

            Map<String, List<Long>> expected = new TreeMap<>();
            for (JsonNode f : flows(run.out())) {
                String proto = f.get("transport").asText().toUpperCase(java.util.Locale.ROOT);
                String c = f.get("client_ip").asText();
                int cp = f.get("client_port").asInt();
                String s = f.get("server_ip").asText();
                int sp = f.get("server_port").asInt();
                long pts = f.get("packets_to_server").asLong();
                long ptc = f.get("packets_to_client").asLong();
                long bts = f.get("bytes_to_server").asLong();
                long btc = f.get("bytes_to_client").asLong();
                if (biflow) {
                    add(expected, proto, c, cp, s, sp, pts, bts, ptc, btc);
                } else {
                    if (pts > 0) {
                        add(expected, proto, c, cp, s, sp, pts, bts);
                    }
                    if (ptc > 0) {
                        add(expected, proto, s, sp, c, cp, ptc, btc);
                    }
                }
            }
            Map<String, List<Long>> collected = new TreeMap<>();
            for (Nfcapd.Flow f : nfcapd.flows()) {
                add(collected, f.protocol(), f.source(), f.sourcePort(), f.destination(), f.destinationPort(),
                        f.packets(), f.bytes(), f.reversePackets(), f.reverseBytes());
            }
            assertTrue(expected.keySet().stream().anyMatch(k -> k.contains("::") || k.matches(".*[0-9a-f]+:[0-9a-f]+:.*")),
                    "IPv6 flows among them");
            assertTrue(expected.keySet().stream().anyMatch(k -> k.matches("(TCP|UDP) \\d+\\.\\d+\\.\\d+\\.\\d+:.*")),
                    "IPv4 flows among them");
            assertTrue(expected.size() > 1000, "the corpus's flows: " + expected.size());
            assertEquals(expected, collected, "nfdump's flows: " + nfcapd.log());
            assertTrue(nfcapd.log().contains("Sequence Errors: 0"), "no sequence number gap: " + nfcapd.log());
        }
    }

    @Test
    void theOtherOutputsPrintWhatTheyDidWithoutIpfix() throws Exception {
        String capture = Corpus.captures().resolve("http-sessions.pcap").toString();
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            collector.setReceiveBufferSize(4 << 20);
            ReadCommandIT.Run plain = portwatch(List.of("read", "--format", "json", "--sensor", "it", capture));
            ReadCommandIT.Run exported = portwatch(List.of("read", "--format", "json", "--sensor", "it",
                    "--ipfix", "127.0.0.1:" + collector.getLocalPort(), capture));
            assertEquals(0, exported.exit(), exported.err());
            assertEquals(plain.out(), exported.out(), "no flow records without --flows, the rest unchanged");
            collector.setSoTimeout(5000);
            DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
            collector.receive(p);
            assertEquals(10, ByteBuffer.wrap(p.getData()).getShort(0), "yet the flows went over IPFIX");
        }
    }

    @Test
    void badCollectorsAreOneLineErrorsNamingTheOption() throws Exception {
        for (List<String> bad : List.of(List.of("--ipfix", "nosuchhost.invalid:4739"),
                List.of("--ipfix", "127.0.0.1:99999"), List.of("--ipfix", "127.0.0.1"),
                List.of("--ipfix", "127.0.0.1:4739", "--ipfix-mtu", "100"), List.of("--ipfix-biflow"))) {
            List<String> args = new ArrayList<>(List.of("read"));
            args.addAll(bad);
            args.add(Corpus.captures().resolve("dns-queries.pcap").toString());
            ReadCommandIT.Run r = portwatch(args);
            assertEquals(2, r.exit(), bad + ": " + r.err());
            String err = r.err().strip();
            assertEquals(1, err.lines().count(), "one line: " + err);
            assertTrue(err.startsWith("portwatch: --ipfix"), err);
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        ReadCommandIT.Run r = portwatch(List.of("read", "--ipfix", "127.0.0.1:" + closed, "--ipfix-transport", "tcp",
                Corpus.captures().resolve("dns-queries.pcap").toString()));
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().strip().startsWith("portwatch: --ipfix: cannot reach the collector at tcp://"), r.err());
    }

    @Test
    void tsharkDecodesEveryMessageWithoutAnError() throws Exception {
        List<byte[]> messages = new ArrayList<>();
        ReadCommandIT.Run run = exportTo(messages);
        checkMessages(messages, run);
    }

    /** Reads the corpus with --ipfix to a socket of the test's; the messages it received, in order. */
    private ReadCommandIT.Run exportTo(List<byte[]> messages) throws Exception {
        ReadCommandIT.Run run;
        try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            collector.setReceiveBufferSize(8 << 20);
            Thread receiver = new Thread(() -> {
                byte[] buf = new byte[65535];
                while (!collector.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        collector.receive(p);
                        synchronized (messages) {
                            messages.add(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            receiver.start();
            List<String> args = new ArrayList<>(List.of("read", "--format", "json", "--flows", "--no-detect",
                    "--separate", "--sensor", "it", "--ipfix", "127.0.0.1:" + collector.getLocalPort(),
                    "--ipfix-mtu", "512"));
            args.addAll(corpus());
            run = portwatch(args);
            assertEquals(0, run.exit(), run.err());
            Thread.sleep(500);
            collector.close();
            receiver.join(5000);
        }
        return run;
    }

    private void checkMessages(List<byte[]> messages, ReadCommandIT.Run run) throws Exception {
        long records = flows(run.out()).stream()
                .mapToLong(f -> (f.get("packets_to_server").asLong() > 0 ? 1 : 0) + (f.get("packets_to_client").asLong() > 0 ? 1 : 0))
                .sum();
        // the messages as UDP datagrams to port 4739 in a capture, for tshark
        StringBuilder hex = new StringBuilder();
        long sequence = 0;
        long sent = 0;
        for (byte[] m : messages) {
            ByteBuffer b = ByteBuffer.wrap(m);
            assertTrue(m.length <= 512, "within --ipfix-mtu: " + m.length);
            assertEquals(10, b.getShort(0), "version");
            assertEquals(m.length, b.getShort(2) & 0xFFFF, "length");
            assertEquals(sequence, b.getInt(8) & 0xFFFFFFFFL, "sequence: the data records before");
            int n = dataRecords(b);
            sequence += n;
            sent += n;
            for (int i = 0; i < m.length; i += 16) {
                hex.append(String.format("%06x", i));
                for (int j = i; j < Math.min(m.length, i + 16); j++) {
                    hex.append(String.format(" %02x", m[j]));
                }
                hex.append('\n');
            }
        }
        assertEquals(records, sent, "a record per direction of every flow");
        Path text = tmp.resolve("ipfix.txt");
        Path pcap = tmp.resolve("ipfix.pcap");
        Files.writeString(text, hex);
        exec(List.of("text2pcap", "-q", "-u", "40000,4739", text.toString(), pcap.toString()));
        String frames = exec(List.of("tshark", "-r", pcap.toString(), "-d", "udp.port==4739,cflow", "-T", "fields",
                "-e", "cflow.version"));
        assertEquals(messages.size(), frames.lines().filter(l -> l.equals("10")).count(), "every message decoded as IPFIX");
        String bad = exec(List.of("tshark", "-r", pcap.toString(), "-d", "udp.port==4739,cflow",
                "-Y", "_ws.expert.severity >= warning || _ws.malformed"));
        assertEquals("", bad.strip(), "tshark's warnings and errors");
        String counts = exec(List.of("tshark", "-r", pcap.toString(), "-d", "udp.port==4739,cflow", "-T", "fields",
                "-e", "cflow.packets", "-E", "aggregator=,"));
        long decoded = counts.lines().filter(l -> !l.isBlank()).mapToLong(l -> l.split(",").length).sum();
        assertEquals(records, decoded, "tshark's data records");
    }

    /**
     * Data records in a message, by its sets: a data set's records are laid out as its template says, a field
     * of variable length (65535, RFC 7011 section 7: the tunnel's kind) with its length before it.
     */
    private static int dataRecords(ByteBuffer b) {
        Map<Integer, int[]> templates = TEMPLATES;
        int n = 0;
        int at = 16;
        while (at < b.limit()) {
            int id = b.getShort(at) & 0xFFFF;
            int len = b.getShort(at + 2) & 0xFFFF;
            assertTrue(len >= 4 && at + len <= b.limit(), "set within the message");
            if (id == 2) {
                int t = at + 4;
                while (t < at + len) {
                    int tid = b.getShort(t) & 0xFFFF;
                    int fields = b.getShort(t + 2) & 0xFFFF;
                    int[] lengths = new int[fields];
                    int p = t + 4;
                    for (int f = 0; f < fields; f++) {
                        int e = b.getShort(p) & 0xFFFF;
                        lengths[f] = b.getShort(p + 2) & 0xFFFF;
                        p += (e & 0x8000) != 0 ? 8 : 4;
                    }
                    templates.put(tid, lengths);
                    t = p;
                }
            } else {
                int[] lengths = templates.get(id);
                assertTrue(lengths != null, "template " + id + " came before its data");
                int fixed = 0;
                for (int l : lengths) {
                    fixed += l == VARIABLE ? 1 : l;
                }
                int r = at + 4;
                while (at + len - r >= fixed) { // what is left is padding, shorter than any record
                    for (int l : lengths) {
                        if (l != VARIABLE) {
                            r += l;
                        } else {
                            int v = b.get(r) & 0xFF;
                            r += v < 255 ? 1 + v : 3 + (b.getShort(r + 1) & 0xFFFF);
                        }
                    }
                    n++;
                }
                assertTrue(r <= at + len, "records within their set");
            }
            at += len;
        }
        return n;
    }

    /** The length of a field of variable length, in a template. */
    private static final int VARIABLE = 0xFFFF;
    private static final Map<Integer, int[]> TEMPLATES = new java.util.HashMap<>();

    private static String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd.get(0) + " finished");
        assertEquals(0, p.exitValue(), cmd + ": " + err);
        return out;
    }

    @Test
    void aLiveCaptureExportsItsFlowsWhileItRuns() throws Exception {
        Path liveJar = LiveCommandIT.liveJar(); // skips unless root
        try (Nfcapd nfcapd = Nfcapd.start(tmp.resolve("nfcapd"));
             DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             ServerSocket tcp = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Path out = tmp.resolve("live.out");
            Path err = tmp.resolve("live.err");
            Process live = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", liveJar.toString(), "live", "-i", "lo", "--interval", "1s", "--format", "json",
                    "--flows", "--no-detect", "--sensor", "it", "--udp-timeout", "2s", "--tcp-closed-timeout", "1s",
                    "--filter", "udp port " + server.getLocalPort() + " or tcp port " + tcp.getLocalPort(),
                    "--ipfix", "127.0.0.1:" + nfcapd.port)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                Await.until(Duration.ofSeconds(30), () -> {
                    assertTrue(live.isAlive(), "portwatch live runs: " + Files.readString(err));
                    return Files.readString(err).contains("listening on lo") && Files.size(out) > 0;
                }, () -> "portwatch listens");
                // a UDP exchange and a TCP connection
                try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                    for (int i = 0; i < 3; i++) {
                        client.send(new DatagramPacket(new byte[100], 100, server.getLocalSocketAddress()));
                        DatagramPacket p = new DatagramPacket(new byte[200], 200);
                        server.receive(p);
                        server.send(new DatagramPacket(new byte[50], 50, p.getSocketAddress()));
                    }
                }
                try (Socket c = new Socket()) {
                    c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort()), 5000);
                    try (Socket a = tcp.accept()) {
                        c.getOutputStream().write(new byte[1000]);
                        a.getInputStream().readNBytes(1000);
                        a.getOutputStream().write(new byte[300]);
                        c.getInputStream().readNBytes(300);
                    }
                }
                // portwatch reports both flows once their timeouts pass; the export goes with them
                Await.until(Duration.ofSeconds(30), () -> flows(Files.readString(out)).size() >= 2,
                        () -> "portwatch reports the two flows");
                Thread.sleep(2500); // a window or two: the export is flushed with each
                assertTrue(live.isAlive(), "still capturing while the collector has the flows");
                nfcapd.stop();
                Map<String, List<Long>> collected = new TreeMap<>();
                for (Nfcapd.Flow f : nfcapd.flows()) {
                    add(collected, f.protocol(), f.source(), f.sourcePort(), f.destination(), f.destinationPort(),
                            f.packets(), f.bytes());
                }
                for (JsonNode f : flows(Files.readString(out))) {
                    String proto = f.get("transport").asText().toUpperCase(java.util.Locale.ROOT);
                    Map<String, List<Long>> one = new TreeMap<>();
                    add(one, proto, f.get("client_ip").asText(), f.get("client_port").asInt(),
                            f.get("server_ip").asText(), f.get("server_port").asInt(),
                            f.get("packets_to_server").asLong(), f.get("bytes_to_server").asLong());
                    add(one, proto, f.get("server_ip").asText(), f.get("server_port").asInt(),
                            f.get("client_ip").asText(), f.get("client_port").asInt(),
                            f.get("packets_to_client").asLong(), f.get("bytes_to_client").asLong());
                    one.forEach((k, v) -> assertEquals(v, collected.get(k), k + " at the collector: " + collected));
                }
            } finally {
                live.destroy();
                live.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
