package io.portwatch.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;

/** The sensors' records as the contract shows them (JSON text), built for tests. */
final class SensorJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private SensorJson() {
    }

    /** A port_stats record of one sensor window, with the counters derived from {@code packets}. */
    static ObjectNode portStats(String sensor, String windowStart, String windowEnd, String transport, int port,
                                long flows, long packets, long bytes) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", "port_stats");
        n.put("sensor", sensor);
        n.put("input", "eth0");
        n.put("window_start", windowStart);
        n.put("window_end", windowEnd);
        n.put("transport", transport);
        n.put("port", port);
        n.put("service", port == 443 ? "https" : port == 53 ? "domain" : null);
        n.put("port_class", port < 1024 ? "well-known" : port < 49152 ? "registered" : "dynamic");
        n.put("flows", flows);
        n.put("active_flows", flows + 1);
        n.put("packets", packets);
        n.put("bytes", bytes);
        n.put("packets_to_server", packets / 2);
        n.put("packets_to_client", packets - packets / 2);
        n.put("bytes_to_server", bytes / 3);
        n.put("bytes_to_client", bytes - bytes / 3);
        n.put("unique_clients", 1);
        n.put("unique_servers", 1);
        if (transport.equals("tcp")) {
            ObjectNode tcp = n.putObject("tcp");
            tcp.put("syn", flows);
            tcp.put("syn_ack", flows - 1);
            tcp.put("rst", 1);
            tcp.put("fin", 2 * flows);
            tcp.put("established", flows - 1);
            tcp.put("rejected", 1);
            tcp.put("unanswered", 0);
        }
        return n;
    }

    /** The record with sketches of these client and server addresses, hashed publicly. */
    static ObjectNode withSketches(ObjectNode n, List<String> clients, List<String> servers, String hllKey) {
        n.put("clients_hll", base64(sketch(clients)));
        n.put("servers_hll", base64(sketch(servers)));
        n.put("hll_key", hllKey);
        return n;
    }

    /** A sketch as the sensors make one without a fleet key: the 16 bytes of each address (IPv4 mapped). */
    static HllSketch sketch(List<String> addresses) {
        HllSketch s = new HllSketch(Sketches.LG_K, TgtHllType.HLL_4);
        for (String a : addresses) {
            s.update(bytes16(a));
        }
        return s;
    }

    static String base64(HllSketch s) {
        return Base64.getEncoder().encodeToString(s.toCompactByteArray());
    }

    static byte[] bytes16(String address) {
        byte[] raw;
        try {
            raw = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
        if (raw.length == 16) {
            return raw;
        }
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(raw, 0, b, 12, 4);
        return b;
    }

    /** The addresses 10.x.y.z numbered from..to-1. */
    static List<String> addresses(int from, int to) {
        return java.util.stream.IntStream.range(from, to)
                .mapToObj(i -> "10." + ((i >> 16) & 0xff) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff)).toList();
    }

    static ObjectNode service(String sensor, String address, int port, String firstSeen, String lastSeen, long flows,
                              long clients) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", "service");
        n.put("sensor", sensor);
        n.put("input", "eth0");
        n.put("window_start", "2024-05-01T10:00:00Z");
        n.put("window_end", "2024-05-01T10:01:00Z");
        n.put("transport", "tcp");
        n.put("address", address);
        n.put("port", port);
        n.put("service", port == 22 ? "ssh" : null);
        n.put("first_seen", firstSeen);
        n.put("last_seen", lastSeen);
        n.put("flows", flows);
        n.put("clients", clients);
        n.put("new_service", false);
        return n;
    }

    /** A scan_evidence record with TRW's ratio for these failed and answered first contacts. */
    static ObjectNode scanEvidence(String sensor, String windowStart, String windowEnd, String source, long failed,
                                   long answered, List<String> targets, List<String> ports) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("type", "scan_evidence");
        n.put("sensor", sensor);
        n.put("input", "eth0");
        n.put("window_start", windowStart);
        n.put("window_end", windowEnd);
        n.put("source", source);
        n.put("transport", "tcp");
        n.put("failed", failed);
        n.put("answered", answered);
        n.put("targets", targets.size());
        n.put("ports", ports.size());
        double llr = failed * Math.log(0.8 / 0.2) + answered * Math.log(0.2 / 0.8);
        n.put("log_likelihood_ratio", Math.round(llr * 1000) / 1000.0);
        ArrayNode t = n.putArray("target_sample");
        targets.forEach(t::add);
        ArrayNode p = n.putArray("port_sample");
        ports.forEach(p::add);
        return n;
    }

    static long ms(String time) {
        return Instant.parse(time).toEpochMilli();
    }
}
