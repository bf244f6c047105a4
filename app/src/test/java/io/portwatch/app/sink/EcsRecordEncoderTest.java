package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EcsRecordEncoderTest {

    /** A fixed clock for the one field that is not in the data: a packet-less summary's @timestamp. */
    static final Instant NOW = Instant.parse("2026-11-25T08:00:00.123456789Z");

    static List<JsonNode> lines(RecordEncoder encoder, int topN, Consumer<RecordSink> body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonLinesSink sink = new JsonLinesSink(out, encoder, topN)) {
            body.accept(sink);
        }
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            nodes.add(JsonLinesSinkTest.MAPPER.readTree(line));
        }
        return nodes;
    }

    static RecordEncoder ecs(boolean live) {
        return RecordEncoder.ecs(JsonLinesSinkTest.SENSOR, live, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** The same records through both encoders, line for line. */
    static void assertSameRecords(boolean live, int topN, Consumer<RecordSink> body) throws IOException {
        List<JsonNode> json = lines(RecordEncoder.json(JsonLinesSinkTest.SENSOR), topN, body);
        List<JsonNode> ecs = lines(ecs(live), topN, body);
        assertEquals(json.size(), ecs.size(), "one document per record");
        for (int i = 0; i < json.size(); i++) {
            EcsChecks.assertEcsOf(json.get(i), ecs.get(i), live);
        }
    }

    @Test
    void everyKindOfRecordSaysWhatItsJsonRecordSays() throws IOException {
        for (boolean live : new boolean[] {false, true}) {
            assertSameRecords(live, 0, s -> {
                s.window(SampleRecords.window(SampleRecords.T0, SampleRecords.mixedPorts()));
                s.flow(SampleRecords.tcpFlow());
                s.flow(SampleRecords.udpFlow());
                s.flow(SampleRecords.tunnelledFlow());
                SampleRecords.alerts().forEach(s::alert);
                s.window(SampleRecords.window(SampleRecords.T0 + SampleRecords.MINUTE, List.of()));
                s.window(SampleRecords.fileWindow(SampleRecords.T0 + 2 * SampleRecords.MINUTE,
                        SampleRecords.shuffledPorts(7, 3)));
                s.window(SampleRecords.windowWithTalkersAndServices(SampleRecords.T0 + 3 * SampleRecords.MINUTE));
                s.window(SampleRecords.shortOfMemoryWindow(SampleRecords.T0 + 4 * SampleRecords.MINUTE));
                s.summary(SampleRecords.summary());
                s.summary(SampleRecords.emptySummary());
            });
        }
    }

    @Test
    void recordsOfTheCorpusReferences() throws IOException {
        for (String capture : new String[] {"nmap-syn-scan.pcap", "dns-queries.pcap", "http-sessions.pcapng"}) {
            JsonNode ref = CorpusRecords.reference(capture);
            WindowReport w = CorpusRecords.window(ref, SampleRecords.T0);
            List<FlowRecord> flows = CorpusRecords.flows(ref, SampleRecords.T0);
            Summary sum = CorpusRecords.summary(ref, SampleRecords.T0, flows.size());
            assertSameRecords(false, 0, s -> {
                flows.forEach(s::flow);
                s.window(w);
                s.summary(sum);
            });
        }
    }

    @Test
    void flowDocumentInDetail() throws IOException {
        FlowRecord f = SampleRecords.tcpFlow();
        JsonNode d = lines(ecs(false), 0, s -> s.flow(f)).get(0);
        // literal values, not only agreement with the JSON record
        assertEquals("2026-11-24T18:05:15.615515123Z", d.get("@timestamp").asText());
        assertEquals(1_500_000_001L, d.get("event").get("duration").longValue());
        assertEquals("[\"connection\",\"end\"]", d.get("event").get("type").toString());
        assertEquals("127.0.0.24", d.get("source").get("ip").asText());
        assertEquals(52662, d.get("source").get("port").intValue());
        assertEquals(612, d.get("source").get("bytes").longValue());
        assertEquals(7, d.get("source").get("packets").longValue());
        assertEquals("127.0.0.10", d.get("destination").get("ip").asText());
        assertEquals(8080, d.get("server").get("port").intValue());
        assertEquals(872, d.get("server").get("bytes").longValue());
        assertEquals(1484, d.get("network").get("bytes").longValue());
        assertEquals("6", d.get("network").get("iana_number").asText());
        assertEquals("http-alt", d.get("service").get("name").asText());
        assertEquals("1:GyQvkEiqY6TLumCIDsq6aHvyXmU=", d.get("network").get("community_id").asText());
        assertEquals("fin", d.get("event").get("reason").asText());
        assertEquals("[\"FIN\",\"SYN\",\"PSH\",\"ACK\"]", d.get("portwatch").get("tcp_flags").toString());
        // IPv6 and a port without a TCP meaning
        JsonNode u = lines(ecs(false), 0, s -> s.flow(SampleRecords.udpFlow())).get(0);
        assertEquals("ipv6", u.get("network").get("type").asText());
        assertEquals("17", u.get("network").get("iana_number").asText());
        assertFalse(u.get("portwatch").has("tcp_flags"), u.toString());
        assertEquals("mdns", u.get("service").get("name").asText());
    }

    @Test
    void aSummaryWithoutPacketsIsStampedByTheClock() throws IOException {
        JsonNode d = lines(ecs(true), 0, s -> s.summary(SampleRecords.emptySummary())).get(0);
        assertEquals("2026-11-25T08:00:00.123456789Z", d.get("@timestamp").asText());
        assertFalse(d.get("event").has("duration"));
        assertEquals("empty.pcap", d.get("observer").get("ingress").get("interface").get("name").asText());
        JsonNode s = lines(ecs(false), 0, k -> k.summary(SampleRecords.summary())).get(0);
        assertEquals(14, s.get("portwatch").get("decode_errors").longValue(), "3 + 11");
        assertEquals(3 * SampleRecords.MINUTE + 999L, s.get("event").get("duration").longValue());
    }

    @Test
    void topNAppliesToEcsAsToJson() throws IOException {
        WindowReport w = SampleRecords.window(SampleRecords.T0, SampleRecords.shuffledPorts(9, 42));
        List<JsonNode> d = lines(ecs(true), 3, s -> s.window(w));
        assertEquals(4, d.size());
        assertEquals("portwatch.window", d.get(3).get("event").get("dataset").asText());
        assertEquals(9, d.get(3).get("portwatch").get("ports").intValue(), "ports before the cut");
        assertSameRecords(true, 3, s -> s.window(w));
    }

    @Test
    void theCheckCatchesAWrongDocument() throws IOException {
        // the checks used here and in KafkaIT can fail: a swapped value, an unmapped field, a wrong type
        FlowRecord f = SampleRecords.tcpFlow();
        JsonNode json = lines(RecordEncoder.json(JsonLinesSinkTest.SENSOR), 0, s -> s.flow(f)).get(0);
        JsonNode good = lines(ecs(false), 0, s -> s.flow(f)).get(0);
        EcsChecks.assertEcsOf(json, good, false);
        com.fasterxml.jackson.databind.node.ObjectNode swapped = good.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) swapped.get("source")).put("bytes", 872);
        assertThrows(AssertionError.class, () -> EcsChecks.assertEcsOf(json, swapped, false));
        com.fasterxml.jackson.databind.node.ObjectNode extra = good.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) extra.get("network")).put("protocol", "http");
        assertThrows(AssertionError.class, () -> EcsChecks.assertMapped(extra));
        com.fasterxml.jackson.databind.node.ObjectNode badIp = good.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) badIp.get("client")).put("ip", "host.example");
        assertThrows(AssertionError.class, () -> EcsChecks.assertMapped(badIp));
        com.fasterxml.jackson.databind.node.ObjectNode textPort = good.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) textPort.get("server")).put("port", "8080");
        assertThrows(AssertionError.class, () -> EcsChecks.assertMapped(textPort));
        assertTrue(EcsChecks.leaves(good).contains("network.community_id"));
    }
}
