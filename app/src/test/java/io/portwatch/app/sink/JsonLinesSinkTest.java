package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.source.CaptureStats;
import org.apache.datasketches.hll.HllSketch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLinesSinkTest {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    static final String SENSOR = "lab-sensor-1";

    private static final List<String> PORT_FIELDS = List.of("type", "sensor", "input", "window_start",
            "window_end", "transport", "port", "service", "port_class", "flows", "active_flows", "packets",
            "bytes", "packets_to_server", "packets_to_client", "bytes_to_server", "bytes_to_client",
            "unique_clients", "unique_servers", "clients_hll", "servers_hll", "hll_key");
    private static final List<String> TCP_FIELDS = List.of("syn", "syn_ack", "rst", "fin", "established",
            "rejected", "unanswered");
    private static final List<String> FLOW_FIELDS = List.of("type", "sensor", "input", "community_id",
            "transport", "client_ip", "client_port", "server_ip", "server_port", "start", "end", "duration",
            "packets_to_server", "packets_to_client", "bytes_to_server", "bytes_to_client", "packets", "bytes",
            "state", "end_reason");
    private static final List<String> WINDOW_FIELDS = List.of("type", "sensor", "input", "window_start",
            "window_end", "packets", "bytes", "ports", "active_flows", "decode_errors", "output_dropped");
    private static final List<String> CAPTURE_FIELDS = List.of("received", "dropped_kernel", "dropped_interface",
            "ring_freezes", "down_ms", "reattached");
    private static final List<String> SUMMARY_FIELDS = List.of("type", "sensor", "input", "start", "end",
            "packets", "bytes", "tcp_packets", "udp_packets", "fragments", "other_ip_packets",
            "non_ip_packets", "flows", "flows_evicted", "decode_errors", "unknown_link_types", "input_errors");

    /** Runs {@code body} against a fresh sink and returns the lines parsed, checking the line framing. */
    static List<JsonNode> write(int topN, Consumer<RecordSink> body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLinesSink sink = new JsonLinesSink(out, SENSOR, topN)) {
            body.accept(sink);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        List<JsonNode> nodes = new ArrayList<>();
        if (text.isEmpty()) {
            return nodes;
        }
        assertTrue(text.endsWith("\n"), "output ends with a newline");
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            assertFalse(line.isBlank(), "no blank lines");
            JsonNode n = MAPPER.readTree(line);
            assertTrue(n.isObject(), "one object per line: " + line);
            nodes.add(n);
        }
        return nodes;
    }

    static long nanos(JsonNode timestamp) {
        String s = timestamp.asText();
        assertTrue(s.endsWith("Z"), "UTC: " + s);
        Instant t = Instant.parse(s);
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static Set<String> names(JsonNode n) {
        Set<String> names = new LinkedHashSet<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void portStatsCarryEveryFieldOfTheWindowBusiestFirst() throws IOException {
        WindowReport w = SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts());
        List<JsonNode> lines = write(0, s -> s.window(w));

        List<PortStats> expected = new ArrayList<>(w.ports());
        expected.sort(Comparator.comparingLong((PortStats p) -> p.packetsToServer() + p.packetsToClient())
                .reversed());
        assertEquals(expected.size() + 1, lines.size(), "the ports, then the window record");
        assertWindowRecord(w, lines.get(expected.size()));
        for (int i = 0; i < expected.size(); i++) {
            JsonNode n = lines.get(i);
            PortStats p = expected.get(i);
            Set<String> want = new LinkedHashSet<>(PORT_FIELDS);
            if (p.tcp() != null) {
                want.add("tcp");
            }
            assertEquals(want, names(n), "field names of " + p.transport().key() + "/" + p.port());
            assertEquals("port_stats", n.get("type").asText());
            assertEquals(SENSOR, n.get("sensor").asText());
            assertEquals(w.input(), n.get("input").asText());
            assertEquals(w.startNanos(), nanos(n.get("window_start")));
            assertEquals(w.endNanos(), nanos(n.get("window_end")));
            assertEquals(p.transport().key(), n.get("transport").asText());
            assertEquals(p.port(), n.get("port").asInt());
            if (p.service() == null) {
                assertTrue(n.get("service").isNull(), "unknown service is null");
            } else {
                assertEquals(p.service(), n.get("service").asText());
            }
            assertEquals(p.portClass().key(), n.get("port_class").asText());
            assertEquals(p.flows(), n.get("flows").asLong());
            assertEquals(p.activeFlows(), n.get("active_flows").asLong());
            assertEquals(p.packetsToServer() + p.packetsToClient(), n.get("packets").asLong());
            assertEquals(p.bytesToServer() + p.bytesToClient(), n.get("bytes").asLong());
            assertEquals(p.packetsToServer(), n.get("packets_to_server").asLong());
            assertEquals(p.packetsToClient(), n.get("packets_to_client").asLong());
            assertEquals(p.bytesToServer(), n.get("bytes_to_server").asLong());
            assertEquals(p.bytesToClient(), n.get("bytes_to_client").asLong());
            assertEquals(p.uniqueClients(), n.get("unique_clients").asLong());
            assertEquals(p.uniqueServers(), n.get("unique_servers").asLong());
            // the sketches: standard base64 of DataSketches' bytes, which a reader turns back into the sketch
            assertArrayEquals(p.sketches().clients(), Base64.getDecoder().decode(n.get("clients_hll").asText()));
            assertArrayEquals(p.sketches().servers(), Base64.getDecoder().decode(n.get("servers_hll").asText()));
            assertEquals(p.transport() == Transport.UDP ? "fleet" : "public", n.get("hll_key").asText());
            assertEquals(p.uniqueClients(), HllSketch.heapify(Base64.getDecoder().decode(n.get("clients_hll").asText()))
                    .getEstimate(), 0.01, "a few clients: the sketch counts them exactly");
            for (JsonNode field : n) {
                if (field.isNumber()) {
                    assertTrue(field.isIntegralNumber(), "counts are integers: " + n);
                }
            }
            if (p.tcp() != null) {
                JsonNode t = n.get("tcp");
                TcpCounts c = p.tcp();
                assertEquals(new LinkedHashSet<>(TCP_FIELDS), names(t));
                assertEquals(c.syn(), t.get("syn").asLong());
                assertEquals(c.synAck(), t.get("syn_ack").asLong());
                assertEquals(c.rst(), t.get("rst").asLong());
                assertEquals(c.fin(), t.get("fin").asLong());
                assertEquals(c.established(), t.get("established").asLong());
                assertEquals(c.rejected(), t.get("rejected").asLong());
                assertEquals(c.unanswered(), t.get("unanswered").asLong());
            }
        }
        // the names the brief's example gives, literally
        JsonNode http = lines.stream().filter(n -> n.get("port").asInt() == 8080).findFirst().orElseThrow();
        assertEquals("http-alt", http.get("service").asText());
        assertEquals("registered", http.get("port_class").asText());
        assertEquals("tcp", http.get("transport").asText());
    }

    @Test
    void scanEvidenceComesAfterTheServicesBeforeTheWindowWithEveryField() throws IOException {
        WindowReport w = SampleRecords.windowWithTalkersAndServices(SampleRecords.T0);
        List<JsonNode> lines = write(0, s -> s.window(w));
        List<String> types = lines.stream().map(n -> n.get("type").asText()).toList();
        assertEquals(List.of("port_stats", "port_stats", "service", "service", "scan_evidence", "scan_evidence",
                "window"), types);
        // a service's traffic when known, null when not, after the fields it had before
        assertEquals(List.of("type", "sensor", "input", "window_start", "window_end", "transport", "address", "port",
                "service", "first_seen", "last_seen", "flows", "clients", "new_service", "packets", "bytes"),
                new ArrayList<>(names(lines.get(2))));
        assertEquals(480, lines.get(2).get("packets").longValue());
        assertEquals(388_211, lines.get(2).get("bytes").longValue());
        assertTrue(lines.get(3).get("packets").isNull() && lines.get(3).get("bytes").isNull(), lines.get(3).toString());
        for (int i = 0; i < 2; i++) {
            JsonNode n = lines.get(4 + i);
            ScanEvidence e = w.scanEvidence().get(i);
            assertEquals(List.of("type", "sensor", "input", "window_start", "window_end", "source", "transport",
                    "failed", "answered", "targets", "ports", "log_likelihood_ratio", "target_sample", "port_sample"),
                    new ArrayList<>(names(n)), "the fields, in order");
            assertEquals(SENSOR, n.get("sensor").asText());
            assertEquals(w.input(), n.get("input").asText());
            assertEquals(w.startNanos(), nanos(n.get("window_start")));
            assertEquals(w.endNanos(), nanos(n.get("window_end")));
            assertEquals(e.source(), n.get("source").asText());
            assertEquals(e.transport().key(), n.get("transport").asText());
            assertEquals(e.failed(), n.get("failed").longValue());
            assertEquals(e.answered(), n.get("answered").longValue());
            assertEquals(e.targets(), n.get("targets").longValue());
            assertEquals(e.ports(), n.get("ports").longValue());
            assertEquals(e.logLikelihoodRatio(), n.get("log_likelihood_ratio").doubleValue(), "every digit: sums stay exact");
            assertEquals(e.targetSample(), texts(n.get("target_sample")));
            assertEquals(e.portSample(), texts(n.get("port_sample")));
            assertTrue(RecordSchema.validate(n).isEmpty(), () -> RecordSchema.validate(n) + " in " + n);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(x -> l.add(x.asText()));
        return l;
    }

    /** Checks that {@code n} is the window record of {@code w}: every field, and nothing else. */
    static void assertWindowRecord(WindowReport w, JsonNode n) {
        Set<String> want = new LinkedHashSet<>(WINDOW_FIELDS);
        if (w.capture() != null) {
            want.add("capture");
        }
        if (w.memoryLimited().any()) {
            want.add("memory_limited_ports");
            JsonNode m = n.get("memory_limited_ports");
            assertEquals(List.of("unique_counts", "top_talkers", "sketches"), List.copyOf(names(m)));
            assertEquals(w.memoryLimited().uniqueCounts(), m.get("unique_counts").longValue());
            assertEquals(w.memoryLimited().topTalkers(), m.get("top_talkers").longValue());
            assertEquals(w.memoryLimited().sketches(), m.get("sketches").longValue());
        }
        assertEquals(want, names(n), "field names of " + n);
        assertEquals("window", n.get("type").asText());
        assertEquals(SENSOR, n.get("sensor").asText());
        assertEquals(w.input(), n.get("input").asText());
        assertEquals(w.startNanos(), nanos(n.get("window_start")));
        assertEquals(w.endNanos(), nanos(n.get("window_end")));
        assertEquals(w.packets(), n.get("packets").longValue());
        assertEquals(w.bytes(), n.get("bytes").longValue());
        assertEquals(w.ports().size(), n.get("ports").longValue(), "ports before any top-N cut");
        assertEquals(w.activeFlows(), n.get("active_flows").longValue());
        assertEquals(w.decodeErrors(), n.get("decode_errors").longValue());
        assertEquals(w.outputDropped(), n.get("output_dropped").longValue());
        for (String f : want) {
            if (!f.equals("capture") && !f.equals("memory_limited_ports")) {
                assertTrue(n.get(f).isTextual() || n.get(f).isIntegralNumber(), f + " of " + n);
            }
        }
        if (w.capture() != null) {
            JsonNode c = n.get("capture");
            assertEquals(new LinkedHashSet<>(CAPTURE_FIELDS), names(c));
            assertEquals(w.capture().received(), c.get("received").longValue());
            assertEquals(w.capture().droppedByKernel(), c.get("dropped_kernel").longValue());
            assertEquals(w.capture().droppedByInterface(), c.get("dropped_interface").longValue());
            assertEquals(w.capture().ringFreezes(), c.get("ring_freezes").longValue());
            assertEquals(w.capture().downNanos() / 1_000_000, c.get("down_ms").longValue(), "whole milliseconds");
            assertEquals(w.capture().reattached(), c.get("reattached").longValue());
            c.forEach(v -> assertTrue(v.isIntegralNumber(), "counts are integers: " + c));
        }
        assertTrue(RecordSchema.validate(n).isEmpty(), () -> RecordSchema.validate(n) + " in " + n);
    }

    @Test
    void everyWindowEndsWithItsWindowRecordWhateverTheTopN() throws IOException {
        long t1 = SampleRecords.T0 + SampleRecords.MINUTE;
        List<WindowReport> windows = List.of(
                SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts()),
                SampleRecords.fileWindow(SampleRecords.T0, SampleRecords.mixedPorts()),
                SampleRecords.window(t1, List.of()),
                SampleRecords.fileWindow(t1, List.of()),
                // counts beyond 32 bits, each different, on an interface
                new WindowReport("eth0", t1, t1 + SampleRecords.MINUTE, SampleRecords.shuffledPorts(4, 5),
                        9_000_000_001L, 7_000_000_000_003L, 3_000_000_007L, 123_456,
                        new CaptureStats(9_000_000_050L, 4_294_967_297L, 65_537), 2_147_483_651L));
        for (int topN : new int[] {0, 2}) {
            for (WindowReport w : windows) {
                List<JsonNode> lines = write(topN, s -> s.window(w));
                int shown = topN == 0 ? w.ports().size() : Math.min(topN, w.ports().size());
                assertEquals(shown + 1, lines.size(), w + " top " + topN);
                for (int i = 0; i < shown; i++) {
                    assertEquals("port_stats", lines.get(i).get("type").asText());
                }
                assertWindowRecord(w, lines.get(shown));
            }
        }
        // a window without ports is still reported, as its window record alone
        JsonNode idle = write(0, s -> s.window(windows.get(2))).get(0);
        assertEquals(0, idle.get("ports").asInt());
        assertEquals(windows.get(2).packets(), idle.get("packets").longValue());
        // a capture file's window has no capture object at all (not a null one)
        List<JsonNode> file = write(0, s -> s.window(windows.get(3)));
        assertEquals(List.of("window"), file.stream().map(n -> n.get("type").asText()).toList());
        assertFalse(file.get(0).has("capture"), file.get(0).toString());
    }

    @Test
    void timestampsAreUtcWithThePrecisionTheDataHas() throws IOException {
        long whole = 1_795_543_515_000_000_000L;
        long[] starts = {SampleRecords.T0, whole, whole + 615_000_000L, whole + 615_515_000L, whole + 1L};
        int[] digits = {9, 0, 3, 6, 9};
        for (int i = 0; i < starts.length; i++) {
            long start = starts[i];
            WindowReport w = new WindowReport("x.pcap", start, start + 7, List.of(SampleRecords.udp(53, "domain",
                    2, 2)), 4, 200, 0, 0, null, 0);
            List<JsonNode> lines = write(0, s -> s.window(w));
            JsonNode n = lines.get(0);
            String text = n.get("window_start").asText();
            assertEquals(text, lines.get(1).get("window_start").asText(), "the window record's start");
            assertEquals(n.get("window_end").asText(), lines.get(1).get("window_end").asText());
            assertEquals(start, nanos(n.get("window_start")), text);
            assertEquals(start + 7, nanos(n.get("window_end")), n.get("window_end").asText());
            int dot = text.indexOf('.');
            assertEquals(digits[i], dot < 0 ? 0 : text.length() - dot - 2, "fraction digits of " + text);
            assertTrue(text.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z"), text);
        }
    }

    @Test
    void flowsCarryEveryField() throws IOException {
        List<FlowRecord> flows = List.of(SampleRecords.tcpFlow(), SampleRecords.udpFlow());
        List<JsonNode> lines = write(0, s -> flows.forEach(s::flow));
        assertEquals(2, lines.size());
        for (int i = 0; i < flows.size(); i++) {
            FlowRecord f = flows.get(i);
            JsonNode n = lines.get(i);
            Set<String> want = new LinkedHashSet<>(FLOW_FIELDS);
            if (f.transport() == Transport.TCP) {
                want.add("tcp_flags");
            }
            assertEquals(want, names(n));
            assertEquals("flow", n.get("type").asText());
            assertEquals(SENSOR, n.get("sensor").asText());
            assertEquals(f.input(), n.get("input").asText());
            assertEquals(f.communityId(), n.get("community_id").asText());
            assertEquals(f.transport().key(), n.get("transport").asText());
            assertEquals(f.clientIp(), n.get("client_ip").asText());
            assertEquals(f.clientPort(), n.get("client_port").asInt());
            assertEquals(f.serverIp(), n.get("server_ip").asText());
            assertEquals(f.serverPort(), n.get("server_port").asInt());
            assertEquals(f.startNanos(), nanos(n.get("start")));
            assertEquals(f.endNanos(), nanos(n.get("end")));
            assertTrue(n.get("duration").isNumber(), "duration is a number");
            assertEquals(0, BigDecimal.valueOf(f.endNanos() - f.startNanos(), 9)
                    .compareTo(n.get("duration").decimalValue()), "duration " + n.get("duration"));
            assertEquals(f.packetsToServer(), n.get("packets_to_server").asLong());
            assertEquals(f.packetsToClient(), n.get("packets_to_client").asLong());
            assertEquals(f.bytesToServer(), n.get("bytes_to_server").asLong());
            assertEquals(f.bytesToClient(), n.get("bytes_to_client").asLong());
            assertEquals(f.packetsToServer() + f.packetsToClient(), n.get("packets").asLong());
            assertEquals(f.bytesToServer() + f.bytesToClient(), n.get("bytes").asLong());
            assertEquals(f.state(), n.get("state").asText());
            assertEquals(f.endReason().name().toLowerCase(), n.get("end_reason").asText());
            if (f.transport() == Transport.TCP) {
                List<String> flags = new ArrayList<>();
                n.get("tcp_flags").forEach(x -> flags.add(x.asText()));
                assertEquals(flagNames(f.tcpFlags()), flags);
            }
        }
        // 1.500000001 s: nanoseconds kept in the decimal
        assertEquals("1.500000001", lines.get(0).get("duration").decimalValue().toPlainString());
    }

    /** The flag names, FIN first, from the header bits. */
    private static List<String> flagNames(int flags) {
        Map<Integer, String> bits = new LinkedHashMap<>();
        bits.put(DecodedPacket.TCP_FIN, "FIN");
        bits.put(DecodedPacket.TCP_SYN, "SYN");
        bits.put(DecodedPacket.TCP_RST, "RST");
        bits.put(DecodedPacket.TCP_PSH, "PSH");
        bits.put(DecodedPacket.TCP_ACK, "ACK");
        bits.put(DecodedPacket.TCP_URG, "URG");
        bits.put(DecodedPacket.TCP_ECE, "ECE");
        bits.put(DecodedPacket.TCP_CWR, "CWR");
        List<String> names = new ArrayList<>();
        bits.forEach((bit, name) -> {
            if ((flags & bit) != 0) {
                names.add(name);
            }
        });
        return names;
    }

    @Test
    void summaryCarriesEveryField() throws IOException {
        Summary s = SampleRecords.summary();
        JsonNode n = write(0, k -> k.summary(s)).get(0);
        assertEquals(new LinkedHashSet<>(SUMMARY_FIELDS), names(n));
        assertEquals("summary", n.get("type").asText());
        assertEquals(SENSOR, n.get("sensor").asText());
        assertEquals(s.input(), n.get("input").asText());
        assertEquals(s.firstNanos(), nanos(n.get("start")));
        assertEquals(s.lastNanos(), nanos(n.get("end")));
        assertEquals(s.packets(), n.get("packets").asLong());
        assertEquals(s.bytes(), n.get("bytes").asLong());
        assertEquals(s.tcpPackets(), n.get("tcp_packets").asLong());
        assertEquals(s.udpPackets(), n.get("udp_packets").asLong());
        assertEquals(s.fragmentPackets(), n.get("fragments").asLong());
        assertEquals(s.otherIpPackets(), n.get("other_ip_packets").asLong());
        assertEquals(s.nonIpPackets(), n.get("non_ip_packets").asLong());
        assertEquals(s.flows(), n.get("flows").asLong());
        assertEquals(s.flowsEvicted(), n.get("flows_evicted").asLong());
        assertEquals(s.decodeErrors(), counts(n.get("decode_errors")));
        assertEquals(List.copyOf(s.decodeErrors().keySet()), List.copyOf(counts(n.get("decode_errors")).keySet()),
                "reasons in the summary's order");
        assertEquals(s.unknownLinkTypes(), counts(n.get("unknown_link_types")));
        List<String> errors = new ArrayList<>();
        n.get("input_errors").forEach(e -> errors.add(e.asText()));
        assertEquals(s.inputErrors(), errors);
    }

    private static Map<String, Long> counts(JsonNode obj) {
        Map<String, Long> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            assertTrue(e.getValue().isIntegralNumber(), e.toString());
            m.put(e.getKey(), e.getValue().asLong());
        }
        return m;
    }

    @Test
    void summaryWithoutPacketsHasNullStartAndEnd() throws IOException {
        Summary s = SampleRecords.emptySummary();
        JsonNode n = write(0, k -> k.summary(s)).get(0);
        assertTrue(n.get("start").isNull(), "start");
        assertTrue(n.get("end").isNull(), "end");
        assertEquals(0, n.get("packets").asLong());
        assertTrue(n.get("decode_errors").isObject() && n.get("decode_errors").isEmpty(), "empty object");
        assertTrue(n.get("unknown_link_types").isObject() && n.get("unknown_link_types").isEmpty(),
                "empty object");
        assertEquals(s.inputErrors().get(0), n.get("input_errors").get(0).asText());
        assertTrue(RecordSchema.validate(n).isEmpty(), () -> RecordSchema.validate(n).toString());
    }

    @Test
    void topNKeepsTheBusiestPortsOfEachWindow() throws IOException {
        List<PortStats> ports = SampleRecords.shuffledPorts(9, 42);
        List<PortStats> busiest = new ArrayList<>(ports);
        busiest.sort(Comparator.comparingLong(PortStats::packets).reversed());
        WindowReport w1 = SampleRecords.window(SampleRecords.T0, ports);
        WindowReport w2 = SampleRecords.window(SampleRecords.T0 + SampleRecords.MINUTE,
                SampleRecords.shuffledPorts(5, 7));

        for (int topN : new int[] {1, 3, 5, 9, 20, 0}) {
            List<JsonNode> lines = write(topN, s -> {
                s.window(w1);
                s.window(w2);
            });
            int expect1 = topN == 0 ? 9 : Math.min(topN, 9);
            int expect2 = topN == 0 ? 5 : Math.min(topN, 5);
            assertEquals(expect1 + 1 + expect2 + 1, lines.size(), "topN " + topN);
            for (int i = 0; i < expect1; i++) {
                assertEquals(busiest.get(i).port(), lines.get(i).get("port").asInt(), "topN " + topN + " row " + i);
                assertEquals(w1.startNanos(), nanos(lines.get(i).get("window_start")));
            }
            assertWindowRecord(w1, lines.get(expect1));
            for (int i = expect1 + 1; i < lines.size() - 1; i++) {
                assertEquals("port_stats", lines.get(i).get("type").asText());
                assertEquals(w2.startNanos(), nanos(lines.get(i).get("window_start")));
                if (i > expect1 + 1) {
                    assertTrue(lines.get(i - 1).get("packets").asLong() >= lines.get(i).get("packets").asLong());
                }
            }
            assertWindowRecord(w2, lines.get(lines.size() - 1));
        }
        assertThrows(IllegalArgumentException.class, () -> new JsonLinesSink(new ByteArrayOutputStream(), SENSOR, -1));
    }

    @Test
    void eachWindowIsFlushedWhenItClosesAndCloseLeavesTheStreamOpen() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean[] closed = {false};
        OutputStream out = new FilterOutputStream(bytes) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        WindowReport w = SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts());
        JsonLinesSink sink = new JsonLinesSink(out, SENSOR, 2);
        sink.window(w);
        String afterWindow = bytes.toString(StandardCharsets.UTF_8);
        String[] visible = afterWindow.split("\n", -1);
        assertEquals(3, visible.length - 1, "two ports and the window record visible before close: " + afterWindow);
        assertTrue(afterWindow.endsWith("\n"));
        assertWindowRecord(w, MAPPER.readTree(visible[2]));
        sink.summary(SampleRecords.summary());
        String afterSummary = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(afterSummary.startsWith(afterWindow));
        assertEquals("summary", MAPPER.readTree(afterSummary.substring(afterWindow.length())).get("type").asText());
        sink.close();
        assertFalse(closed[0], "the caller's stream stays open");
    }

    @Test
    void aFailedWriteIsReportedAsAnIoError() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        JsonLinesSink sink = new JsonLinesSink(broken, SENSOR, 0);
        WindowReport w = SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sink.window(w));
        assertTrue(e.getMessage().contains("Broken pipe"), e.getMessage());
    }

    @Test
    void textIsEscapedAndUtf8() throws IOException {
        String odd = "caps/\"quoted\" \\ tab\t é 端口.pcap";
        WindowReport w = new WindowReport(odd, SampleRecords.T0, SampleRecords.T0 + 1,
                List.of(SampleRecords.tcp(80, "http", 10, 9)), 19, 2_000, 0, 0, null, 0);
        List<JsonNode> lines = write(0, s -> s.window(w));
        assertEquals(odd, lines.get(0).get("input").asText());
        assertTrue(RecordSchema.validate(lines.get(0)).isEmpty());
        assertWindowRecord(w, lines.get(1));
    }

    /** Every line of a run with every kind of record, ready for the schema tests. */
    @Test
    void alertRecordsCarryTheirFieldsThenTheirDetails() throws IOException {
        List<io.portwatch.analysis.output.Alert> alerts = SampleRecords.alerts();
        List<JsonNode> lines = write(0, s -> alerts.forEach(s::alert));
        assertEquals(alerts.size(), lines.size(), "one line per alert");
        for (int i = 0; i < alerts.size(); i++) {
            io.portwatch.analysis.output.Alert a = alerts.get(i);
            JsonNode n = lines.get(i);
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            List<String> want = new ArrayList<>(List.of("type", "sensor", "input", "kind", "time", "source", "target",
                    "transport", "port", "severity"));
            want.addAll(a.details().keySet());
            assertEquals(want, names, "the fields, then the details in their order");
            assertEquals("alert", n.get("type").asText());
            assertEquals(SENSOR, n.get("sensor").asText());
            assertEquals(a.input(), n.get("input").asText());
            assertEquals(a.kind().name().toLowerCase(java.util.Locale.ROOT), n.get("kind").asText());
            Instant t = Instant.parse(n.get("time").asText());
            assertEquals(a.timeNanos(), t.getEpochSecond() * 1_000_000_000L + t.getNano(), "time to the ns");
            assertEquals(a.source(), n.get("source").isNull() ? null : n.get("source").asText());
            assertEquals(a.target(), n.get("target").isNull() ? null : n.get("target").asText());
            assertEquals(a.transport() == null ? null : a.transport().key(), n.get("transport").isNull() ? null : n.get("transport").asText());
            assertEquals(a.port(), n.get("port").isNull() ? null : (Integer) n.get("port").intValue());
            assertEquals(a.severity().name().toLowerCase(java.util.Locale.ROOT), n.get("severity").asText());
            for (java.util.Map.Entry<String, Object> d : a.details().entrySet()) {
                assertEquals(MAPPER.readTree(MAPPER.writeValueAsString(d.getValue())), n.get(d.getKey()), d.getKey());
                JsonNode v = n.get(d.getKey());
                if (d.getValue() instanceof Double x) {
                    assertTrue(v.isFloatingPointNumber() && v.doubleValue() == x, d.getKey() + ": " + v);
                }
            }
        }
        assertTrue(lines.stream().anyMatch(n -> n.get("source").isNull()), "a source-less alert is in the sample");
        assertTrue(lines.stream().anyMatch(n -> n.get("port").isNull()), "a port-less alert is in the sample");
    }

    @Test
    void aDetailNamedLikeAFieldIsRenamedAndAMissingOneLeftOut() throws IOException {
        java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("port", 22);
        d.put("ratio", Double.NaN);
        d.put("gone", null);
        d.put("kept", "yes");
        io.portwatch.analysis.output.Alert a = new io.portwatch.analysis.output.Alert("x.pcap",
                io.portwatch.analysis.output.Alert.Kind.POLICY_VIOLATION, SampleRecords.T0, "10.0.0.1", "10.0.0.2",
                Transport.UDP, 53, io.portwatch.analysis.output.Alert.Severity.LOW, d);
        JsonNode n = write(0, s -> s.alert(a)).get(0);
        assertEquals(53, n.get("port").intValue(), "the alert's own port");
        assertEquals(22, n.get("detail_port").intValue(), "the detail, renamed");
        assertFalse(n.has("ratio") || n.has("gone"), n.toString());
        assertEquals("yes", n.get("kept").asText());
        assertTrue(RecordSchema.validate(n).isEmpty(), RecordSchema.validate(n) + " in " + n);
    }

    static List<JsonNode> everyKindOfLine() throws IOException {
        return write(0, s -> {
            s.window(SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts()));
            s.flow(SampleRecords.tcpFlow());
            s.flow(SampleRecords.udpFlow());
            s.flow(SampleRecords.tunnelledFlow());
            SampleRecords.alerts().forEach(s::alert);
            s.window(SampleRecords.window(SampleRecords.T0 + SampleRecords.MINUTE, List.of()));
            s.window(SampleRecords.fileWindow(SampleRecords.T0 + 2 * SampleRecords.MINUTE,
                    List.of(SampleRecords.udp(53, "domain", 4, 4))));
            s.window(SampleRecords.windowWithTalkersAndServices(SampleRecords.T0 + 3 * SampleRecords.MINUTE));
            s.window(SampleRecords.shortOfMemoryWindow(SampleRecords.T0 + 4 * SampleRecords.MINUTE));
            s.summary(SampleRecords.summary());
            s.summary(SampleRecords.emptySummary());
        });
    }

    /**
     * Ports that ran short of --port-memory say so ({@code memory_limited}, only then), a port whose sketches
     * were left out has none of their fields, and the window counts them ({@code memory_limited_ports}, only
     * then); a window with room has neither field (JsonLinesSinkTest's other windows).
     */
    @Test
    void portsShortOfMemorySaySo() throws IOException {
        WindowReport w = SampleRecords.shortOfMemoryWindow(SampleRecords.T0);
        List<JsonNode> lines = write(0, s -> s.window(w));
        assertEquals(3, lines.size());
        assertWindowRecord(w, lines.get(2));
        for (JsonNode n : lines.subList(0, 2)) {
            assertTrue(RecordSchema.validate(n).isEmpty(), RecordSchema.validate(n) + " in " + n);
            assertTrue(n.get("memory_limited").booleanValue(), n.toString());
            Set<String> want = new LinkedHashSet<>(PORT_FIELDS);
            want.add("memory_limited");
            if (n.get("transport").asText().equals("tcp")) {
                want.addAll(List.of("tcp", "top_clients", "top_servers"));
            } else {
                want.removeAll(List.of("clients_hll", "servers_hll", "hll_key"));
            }
            assertEquals(want, names(n), n.toString());
        }
        assertTrue(RecordSchema.validate(lines.get(2)).isEmpty());
        for (JsonNode n : everyKindOfLine()) {
            if (n.get("type").asText().equals("port_stats") && !n.has("memory_limited")) {
                assertTrue(n.has("clients_hll"), n.toString());
            }
        }
    }

    @Test
    void recordsOfTheCorpusReferencesAreWrittenWhole() throws IOException {
        for (String capture : new String[] {"nmap-syn-scan.pcap", "dns-queries.pcap", "http-sessions.pcapng"}) {
            JsonNode ref = CorpusRecords.reference(capture);
            WindowReport w = CorpusRecords.window(ref, SampleRecords.T0);
            List<FlowRecord> flows = CorpusRecords.flows(ref, SampleRecords.T0);
            Summary sum = CorpusRecords.summary(ref, SampleRecords.T0, flows.size());
            List<JsonNode> lines = write(0, s -> {
                flows.forEach(s::flow);
                s.window(w);
                s.summary(sum);
            });
            assertEquals(flows.size() + ref.get("ports").size() + 1 + 1, lines.size(), capture);
            int windows = 0;
            long portPackets = 0;
            long flowBytes = 0;
            for (JsonNode n : lines) {
                assertTrue(RecordSchema.validate(n).isEmpty(),
                        () -> capture + ": " + RecordSchema.validate(n) + " in " + n);
                switch (n.get("type").asText()) {
                    case "port_stats" -> {
                        portPackets += n.get("packets").asLong();
                        JsonNode p = ref.get("ports").get(n.get("transport").asText() + "/" + n.get("port").asInt());
                        assertEquals(p.get("packets").asLong(), n.get("packets").asLong());
                        assertEquals(p.get("bytes").asLong(), n.get("bytes").asLong());
                        assertEquals(p.get("flows").asLong(), n.get("flows").asLong());
                        assertEquals(p.get("unique_clients").asLong(), HllSketch.heapify(Base64.getDecoder()
                                .decode(n.get("clients_hll").asText())).getEstimate(), 0.01, "the clients' sketch");
                    }
                    case "flow" -> flowBytes += n.get("bytes").asLong();
                    case "window" -> {
                        windows++;
                        assertWindowRecord(w, n);
                        assertEquals(ref.get("ports").size(), n.get("ports").asInt(), capture);
                        assertEquals(ref.get("totals").get("frames").asLong(), n.get("packets").asLong(), capture);
                    }
                    case "summary" -> assertEquals(ref.get("totals").get("frames").asLong(), n.get("packets").asLong());
                    default -> throw new AssertionError(n.toString());
                }
            }
            long refPackets = 0;
            for (JsonNode p : ref.get("ports")) {
                refPackets += p.get("packets").asLong();
            }
            long refFlowBytes = 0;
            for (JsonNode f : ref.get("flows")) {
                refFlowBytes += f.get("bytes").asLong();
            }
            assertEquals(1, windows, capture);
            assertEquals(refPackets, portPackets, capture);
            assertEquals(refFlowBytes, flowBytes, capture);
        }
    }

    @Test
    void communityIdsOfCorpusFlowsMatchTshark() {
        // tshark --enable-protocol communityid, first packet of each capture
        assertEquals("1:GyQvkEiqY6TLumCIDsq6aHvyXmU=",
                CorpusRecords.communityId(6, "127.0.0.24", 52662, "127.0.0.10", 8080));
        assertEquals("1:z5hi0tqgIyRaj/T4nLhQ+SHlmXU=",
                CorpusRecords.communityId(17, "127.0.0.33", 60887, "127.0.0.10", 5353));
        // the order of the endpoints does not matter
        assertEquals(CorpusRecords.communityId(17, "127.0.0.33", 60887, "127.0.0.10", 5353),
                CorpusRecords.communityId(17, "127.0.0.10", 5353, "127.0.0.33", 60887));
    }
}
