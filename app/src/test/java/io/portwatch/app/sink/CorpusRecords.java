package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.AddressSketch;
import io.portwatch.analysis.ports.PortClass;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.flow.EndReason;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.testkit.Corpus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Records built from the corpus's tshark references ({@code captures/NAME.reference.json}): the real
 * ports, addresses and counts of a capture. The references give totals per flow and port, not per
 * direction, so the builders put the odd packet (and byte) toward the server.
 */
final class CorpusRecords {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CorpusRecords() {
    }

    /** tshark's counts of a corpus capture; the calling test skips when it is absent (fails under CI). */
    static JsonNode reference(String capture) throws IOException {
        return MAPPER.readTree(Corpus.file("captures", capture + ".reference.json").toFile());
    }

    /** One window holding every port of the reference, in the reference's order, with sketches of its peers. */
    static WindowReport window(JsonNode ref, long start) {
        Map<String, AddressSketch[]> sketches = new java.util.HashMap<>();
        for (JsonNode f : ref.get("flows")) {
            AddressSketch[] s = sketches.computeIfAbsent(f.get("transport").asText() + "/"
                    + f.get("server").get(1).asInt(), k -> new AddressSketch[] {new AddressSketch(null),
                    new AddressSketch(null)});
            update(s[0], f.get("client").get(0).asText());
            update(s[1], f.get("server").get(0).asText());
        }
        List<PortStats> ports = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = ref.get("ports").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String[] key = e.getKey().split("/");
            Transport transport = Transport.parse(key[0]);
            int port = Integer.parseInt(key[1]);
            JsonNode v = e.getValue();
            long packets = v.get("packets").asLong();
            long bytes = v.get("bytes").asLong();
            long flows = v.get("flows").asLong();
            ports.add(new PortStats(transport, port, null, PortClass.of(port), flows, flows,
                    packets - packets / 2, packets / 2, bytes - bytes / 2, bytes / 2,
                    v.get("unique_clients").asLong(), 1,
                    transport == Transport.TCP ? new TcpCounts(flows, 0, 0, 0, 0, 0, 0)
                            : null, null, null, new PeerSketches(PeerSketches.PUBLIC,
                    sketches.get(e.getKey())[0].toBytes(), sketches.get(e.getKey())[1].toBytes())));
        }
        JsonNode totals = ref.get("totals");
        long bytes = ports.stream().mapToLong(PortStats::bytes).sum();
        return new WindowReport(ref.get("capture").asText(), start, start + SampleRecords.MINUTE, ports,
                totals.get("frames").asLong(), bytes, 0, 0, null, 0);
    }

    /** Every flow of the reference, with its Community ID computed from the 5-tuple. */
    static List<FlowRecord> flows(JsonNode ref, long start) {
        List<FlowRecord> flows = new ArrayList<>();
        long t = start;
        for (JsonNode f : ref.get("flows")) {
            Transport transport = Transport.parse(f.get("transport").asText());
            String cip = f.get("client").get(0).asText();
            int cport = f.get("client").get(1).asInt();
            String sip = f.get("server").get(0).asText();
            int sport = f.get("server").get(1).asInt();
            long packets = f.get("packets").asLong();
            long bytes = f.get("bytes").asLong();
            boolean tcp = transport == Transport.TCP;
            int flags = tcp && f.path("syn_seen").asBoolean()
                    ? DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK : 0;
            flows.add(new FlowRecord(ref.get("capture").asText(), communityId(transport.protocol(), cip, cport, sip, sport),
                    transport, cip, cport, sip, sport, t, t + 1_000L * packets, packets - packets / 2,
                    packets / 2, bytes - bytes / 2, bytes / 2, flags, tcp ? "S1" : "SF", EndReason.END_OF_INPUT));
            t += 1_001;
        }
        return flows;
    }

    static Summary summary(JsonNode ref, long start, long flows) {
        JsonNode totals = ref.get("totals");
        long bytes = 0;
        for (JsonNode p : ref.get("ports")) {
            bytes += p.get("bytes").asLong();
        }
        return new Summary(ref.get("capture").asText(), start, start + SampleRecords.MINUTE - 1,
                totals.get("frames").asLong(), bytes, totals.get("tcp_packets").asLong(),
                totals.get("udp_packets").asLong(), 0, totals.get("other_packets").asLong(), 0, flows, 0,
                Map.of(), Map.of(), List.of());
    }

    /** Adds an address as the analyzer does: its 16 bytes, IPv4 mapped into IPv6. */
    private static void update(AddressSketch s, String literal) {
        byte[] a = address(literal);
        ByteBuffer b = ByteBuffer.allocate(16);
        if (a.length == 4) {
            b.putLong(0).putInt(0xFFFF).put(a);
        } else {
            b.put(a);
        }
        s.update(b.getLong(0), b.getLong(8));
    }

    private static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + literal, e);
        }
    }

    /** Community ID v1, seed 0 (corelight/community-id-spec), base64. */
    static String communityId(int proto, String ip1, int port1, String ip2, int port2) {
        byte[] a1 = address(ip1);
        byte[] a2 = address(ip2);
        int c = Arrays.compareUnsigned(a1, a2);
        if (c > 0 || (c == 0 && port1 > port2)) {
            byte[] ta = a1;
            a1 = a2;
            a2 = ta;
            int tp = port1;
            port1 = port2;
            port2 = tp;
        }
        ByteBuffer buf = ByteBuffer.allocate(2 + a1.length + a2.length + 2 + 4);
        buf.putShort((short) 0).put(a1).put(a2).put((byte) proto).put((byte) 0)
                .putShort((short) port1).putShort((short) port2);
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(buf.array());
            return "1:" + Base64.getEncoder().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
