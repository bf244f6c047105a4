package io.portwatch.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-port and total counts of one capture: what the generator knows it wrote (the expected JSON
 * beside a synthetic capture), or what portwatch reported (its JSON lines, or its records in memory).
 * {@link #compare} tells where two of them differ.
 */
public final class TrafficCounts {

    /** portwatch counts distinct addresses exactly up to this many, then estimates them (HyperLogLog). */
    public static final long EXACT_DISTINCT_LIMIT = 4096;
    /**
     * Relative error allowed to an estimate: five times the sketch's standard error (0.84 / sqrt(4096)).
     * The sketch hashes with the run's secret key, so each run draws its estimates anew: at five standard
     * errors a capture with a hundred estimates fails the check about once in twenty thousand runs.
     */
    public static final double ESTIMATE_TOLERANCE = 5 * 0.84 / 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    public long packets;
    public long bytes;
    public long tcpPackets;
    public long udpPackets;
    public long flows;
    public long flowsEvicted;
    public long decodeErrors;
    /** Windows the counts were summed over (1 for the generator's). */
    public int windows;
    /** Ports by {@code tcp/443} key, in (transport, port) order. */
    private final Map<String, PortCounts> ports = new TreeMap<>(Comparator
            .comparing((String k) -> k.substring(0, 3))
            .thenComparingInt(k -> Integer.parseInt(k.substring(4))));
    /** What the generator adds about itself (settings, IPv6/VLAN shares); written to JSON only. */
    final Map<String, Object> info = new LinkedHashMap<>();

    /** The port's counters, created when first asked for. */
    public PortCounts port(Transport transport, int port) {
        return ports.computeIfAbsent(transport.key() + "/" + port, k -> new PortCounts(transport, port));
    }

    /** The transport a record names, or an exception that says where the record is. */
    private static Transport transport(JsonNode r, String where) throws IOException {
        Transport t = Transport.parse(r.path("transport").asText());
        if (t == null) {
            throw new IOException(where + ": transport must be tcp or udp, not '" + r.path("transport").asText() + "'");
        }
        return t;
    }

    public Map<String, PortCounts> ports() {
        return ports;
    }

    // ---------------------------------------------------------------- reading portwatch's output

    /** Sums portwatch's records held in memory (one window or several) and its summary. */
    public static TrafficCounts fromReports(List<WindowReport> windows, Summary summary) {
        TrafficCounts c = new TrafficCounts();
        for (WindowReport w : windows) {
            c.windows++;
            for (PortStats s : w.ports()) {
                PortCounts p = c.port(s.transport(), s.port());
                p.flows += s.flows();
                p.activeFlows += s.activeFlows();
                p.packetsToServer += s.packetsToServer();
                p.packetsToClient += s.packetsToClient();
                p.bytesToServer += s.bytesToServer();
                p.bytesToClient += s.bytesToClient();
                p.uniqueClients = s.uniqueClients();
                p.uniqueServers = s.uniqueServers();
                if (s.tcp() != null) {
                    p.syn += s.tcp().syn();
                    p.synAck += s.tcp().synAck();
                    p.rst += s.tcp().rst();
                    p.fin += s.tcp().fin();
                    p.established += s.tcp().established();
                    p.rejected += s.tcp().rejected();
                    p.unanswered += s.tcp().unanswered();
                }
            }
        }
        c.packets = summary.packets();
        c.bytes = summary.bytes();
        c.tcpPackets = summary.tcpPackets();
        c.udpPackets = summary.udpPackets();
        c.flows = summary.flows();
        c.flowsEvicted = summary.flowsEvicted();
        c.decodeErrors = summary.decodeErrorTotal();
        c.forgetDistinctOverWindows();
        return c;
    }

    /**
     * Sums portwatch's JSON lines ({@code portwatch read --format json}).
     *
     * @throws IOException when the file cannot be read, or holds no summary record
     */
    public static TrafficCounts fromJsonLines(Path file) throws IOException {
        TrafficCounts c = new TrafficCounts();
        boolean summary = false;
        int lineNo = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (IOException e) {
                    throw new IOException(file + ": line " + lineNo + " is not JSON: " + e.getMessage(), e);
                }
                switch (r.path("type").asText()) {
                    case "port_stats" -> c.addPortRecord(r, file + ": line " + lineNo);
                    case "window" -> c.windows++;
                    case "summary" -> {
                        summary = true;
                        c.packets = r.path("packets").asLong();
                        c.bytes = r.path("bytes").asLong();
                        c.tcpPackets = r.path("tcp_packets").asLong();
                        c.udpPackets = r.path("udp_packets").asLong();
                        c.flows = r.path("flows").asLong();
                        c.flowsEvicted = r.path("flows_evicted").asLong();
                        r.path("decode_errors").forEach(n -> c.decodeErrors += n.asLong());
                    }
                    default -> {
                    }
                }
            }
        }
        if (!summary) {
            throw new IOException(file + ": no summary record (" + lineNo + " lines): portwatch did not finish");
        }
        c.forgetDistinctOverWindows();
        return c;
    }

    private void addPortRecord(JsonNode r, String where) throws IOException {
        PortCounts p = port(transport(r, where), r.path("port").asInt());
        p.flows += r.path("flows").asLong();
        p.activeFlows += r.path("active_flows").asLong();
        p.packetsToServer += r.path("packets_to_server").asLong();
        p.packetsToClient += r.path("packets_to_client").asLong();
        p.bytesToServer += r.path("bytes_to_server").asLong();
        p.bytesToClient += r.path("bytes_to_client").asLong();
        p.uniqueClients = r.path("unique_clients").asLong();
        p.uniqueServers = r.path("unique_servers").asLong();
        JsonNode t = r.path("tcp");
        if (t.isObject()) {
            p.syn += t.path("syn").asLong();
            p.synAck += t.path("syn_ack").asLong();
            p.rst += t.path("rst").asLong();
            p.fin += t.path("fin").asLong();
            p.established += t.path("established").asLong();
            p.rejected += t.path("rejected").asLong();
            p.unanswered += t.path("unanswered").asLong();
        }
    }

    /** Distinct counts do not add up over windows: with several, they are unknown (-1). */
    private void forgetDistinctOverWindows() {
        if (windows > 1) {
            for (PortCounts p : ports.values()) {
                p.uniqueClients = -1;
                p.uniqueServers = -1;
            }
        }
    }

    // ---------------------------------------------------------------- the generator's JSON

    /** Writes these counts as the expected-counts JSON document. */
    public void write(OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("type", "expected_counts");
            for (Map.Entry<String, Object> e : info.entrySet()) {
                g.writeFieldName(e.getKey());
                JSON.writeValue(g, e.getValue());
            }
            g.writeObjectFieldStart("summary");
            g.writeNumberField("packets", packets);
            g.writeNumberField("bytes", bytes);
            g.writeNumberField("tcp_packets", tcpPackets);
            g.writeNumberField("udp_packets", udpPackets);
            g.writeNumberField("flows", flows);
            g.writeEndObject();
            g.writeArrayFieldStart("ports");
            for (PortCounts p : ports.values()) {
                g.writeStartObject();
                g.writeStringField("transport", p.transport.key());
                g.writeNumberField("port", p.port);
                g.writeNumberField("flows", p.flows);
                g.writeNumberField("packets", p.packets());
                g.writeNumberField("bytes", p.bytes());
                g.writeNumberField("packets_to_server", p.packetsToServer);
                g.writeNumberField("packets_to_client", p.packetsToClient);
                g.writeNumberField("bytes_to_server", p.bytesToServer);
                g.writeNumberField("bytes_to_client", p.bytesToClient);
                g.writeNumberField("unique_clients", p.uniqueClients);
                g.writeNumberField("unique_servers", p.uniqueServers);
                if (p.isTcp()) {
                    g.writeObjectFieldStart("tcp");
                    g.writeNumberField("syn", p.syn);
                    g.writeNumberField("syn_ack", p.synAck);
                    g.writeNumberField("rst", p.rst);
                    g.writeNumberField("fin", p.fin);
                    g.writeNumberField("established", p.established);
                    g.writeNumberField("rejected", p.rejected);
                    g.writeNumberField("unanswered", p.unanswered);
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /** Reads an expected-counts JSON document written by {@link #write}. */
    public static TrafficCounts readExpected(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": cannot read expected counts: " + e.getMessage(), e);
        }
        if (!"expected_counts".equals(root.path("type").asText())) {
            throw new IOException(file + ": not an expected-counts file (type \"" + root.path("type").asText() + "\")");
        }
        TrafficCounts c = new TrafficCounts();
        c.windows = 1;
        JsonNode s = root.path("summary");
        c.packets = s.path("packets").asLong();
        c.bytes = s.path("bytes").asLong();
        c.tcpPackets = s.path("tcp_packets").asLong();
        c.udpPackets = s.path("udp_packets").asLong();
        c.flows = s.path("flows").asLong();
        for (JsonNode r : root.path("ports")) {
            PortCounts p = c.port(transport(r, file.toString()), r.path("port").asInt());
            p.flows = r.path("flows").asLong();
            p.activeFlows = p.flows;
            p.packetsToServer = r.path("packets_to_server").asLong();
            p.packetsToClient = r.path("packets_to_client").asLong();
            p.bytesToServer = r.path("bytes_to_server").asLong();
            p.bytesToClient = r.path("bytes_to_client").asLong();
            p.uniqueClients = r.path("unique_clients").asLong();
            p.uniqueServers = r.path("unique_servers").asLong();
            JsonNode t = r.path("tcp");
            p.syn = t.path("syn").asLong();
            p.synAck = t.path("syn_ack").asLong();
            p.rst = t.path("rst").asLong();
            p.fin = t.path("fin").asLong();
            p.established = t.path("established").asLong();
            p.rejected = t.path("rejected").asLong();
            p.unanswered = t.path("unanswered").asLong();
        }
        return c;
    }

    // ---------------------------------------------------------------- comparison

    /**
     * What a comparison found.
     *
     * @param differences        one line per difference; empty when the counts agree
     * @param portsCompared      ports present on both sides
     * @param exactValues        values that had to be equal (and were compared)
     * @param estimates          distinct counts above {@link #EXACT_DISTINCT_LIMIT}, compared within
     *                           {@link #ESTIMATE_TOLERANCE}
     * @param worstEstimateError the largest relative error among them
     */
    public record Comparison(List<String> differences, int portsCompared, long exactValues, int estimates,
                             double worstEstimateError) {
        public boolean agrees() {
            return differences.isEmpty();
        }
    }

    /**
     * Compares what portwatch reported ({@code actual}) with what the generator wrote
     * ({@code expected}): totals, the set of ports, and every counter of every port, exactly; distinct
     * counts exactly where portwatch counts them exactly, else within {@link #ESTIMATE_TOLERANCE}.
     */
    public static Comparison compare(TrafficCounts expected, TrafficCounts actual) {
        List<String> diff = new ArrayList<>();
        long[] exact = {0};
        Exact eq = (what, e, a) -> {
            exact[0]++;
            if (e != a) {
                diff.add(what + ": expected " + e + ", portwatch " + a + " (" + signed(a - e) + ")");
            }
        };
        eq.check("summary packets", expected.packets, actual.packets);
        eq.check("summary bytes", expected.bytes, actual.bytes);
        eq.check("summary tcp_packets", expected.tcpPackets, actual.tcpPackets);
        eq.check("summary udp_packets", expected.udpPackets, actual.udpPackets);
        eq.check("summary flows", expected.flows, actual.flows);
        eq.check("summary decode_errors", 0, actual.decodeErrors);
        for (String k : actual.ports.keySet()) {
            if (!expected.ports.containsKey(k)) {
                diff.add(k + ": reported by portwatch, not in the capture");
            }
        }
        int compared = 0;
        int estimates = 0;
        double worst = 0;
        for (PortCounts e : expected.ports.values()) {
            PortCounts a = actual.ports.get(e.key());
            if (a == null) {
                diff.add(e.key() + ": missing from portwatch's output (" + e.packets() + " packets expected)");
                continue;
            }
            compared++;
            String k = e.key() + " ";
            eq.check(k + "flows", e.flows, a.flows);
            if (actual.windows == 1) {
                eq.check(k + "active_flows", e.flows, a.activeFlows);
            }
            eq.check(k + "packets_to_server", e.packetsToServer, a.packetsToServer);
            eq.check(k + "packets_to_client", e.packetsToClient, a.packetsToClient);
            eq.check(k + "bytes_to_server", e.bytesToServer, a.bytesToServer);
            eq.check(k + "bytes_to_client", e.bytesToClient, a.bytesToClient);
            if (e.isTcp()) {
                eq.check(k + "tcp.syn", e.syn, a.syn);
                eq.check(k + "tcp.syn_ack", e.synAck, a.synAck);
                eq.check(k + "tcp.rst", e.rst, a.rst);
                eq.check(k + "tcp.fin", e.fin, a.fin);
                eq.check(k + "tcp.established", e.established, a.established);
                eq.check(k + "tcp.rejected", e.rejected, a.rejected);
                eq.check(k + "tcp.unanswered", e.unanswered, a.unanswered);
            }
            long[][] distinct = {{e.uniqueClients, a.uniqueClients}, {e.uniqueServers, a.uniqueServers}};
            String[] names = {"unique_clients", "unique_servers"};
            for (int i = 0; i < 2; i++) {
                long ev = distinct[i][0];
                long av = distinct[i][1];
                if (av < 0) {
                    continue; // several windows: not comparable
                }
                if (ev <= EXACT_DISTINCT_LIMIT) {
                    eq.check(k + names[i], ev, av);
                } else {
                    estimates++;
                    double err = Math.abs(av - ev) / (double) ev;
                    worst = Math.max(worst, err);
                    if (err > ESTIMATE_TOLERANCE) {
                        diff.add(String.format(
                                "%s%s: expected %d, portwatch estimates %d (%.1f%% off, more than %.0f%%)",
                                k, names[i], ev, av, 100 * err, 100 * ESTIMATE_TOLERANCE));
                    }
                }
            }
        }
        return new Comparison(diff, compared, exact[0], estimates, worst);
    }

    private static String signed(long v) {
        return v > 0 ? "+" + v : Long.toString(v);
    }

    @FunctionalInterface
    private interface Exact {
        void check(String what, long expected, long actual);
    }
}
