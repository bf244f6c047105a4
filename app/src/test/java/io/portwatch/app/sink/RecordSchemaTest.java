package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaId;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The JSON Schema of the records: valid itself, accepts what the sink writes, rejects what it must not. */
class RecordSchemaTest {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Test
    void schemaIsAValidDraft202012Schema() {
        JsonNode schema = RecordSchema.node();
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
        Set<ValidationMessage> problems = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of(SchemaId.V202012))
                .validate(schema);
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(7, schema.get("oneOf").size(), "one branch per record type");
        Set<String> refs = new HashSet<>();
        schema.get("oneOf").forEach(b -> refs.add(b.get("$ref").asText().replace("#/$defs/", "")));
        assertEquals(names(schema.get("$defs")), refs, "every record type is a branch");
        for (String type : refs) {
            assertTrue(schema.get("description").asText().contains(type), "the description names " + type);
        }
    }

    @Test
    void everyFieldIsTypedDescribedAndClosed() {
        JsonNode defs = RecordSchema.node().get("$defs");
        // the sketches are required unless memory_limited (a condition of their own: see wrongOrMissingFields...)
        Map<String, Set<String>> optional = Map.of("port_stats", Set.of("tcp", "top_clients", "top_servers",
                        "clients_hll", "servers_hll", "hll_key", "memory_limited"),
                "flow", Set.of("tcp_flags", "vlan", "tunnel"), "summary", Set.of(),
                "window", Set.of("capture", "memory_limited_ports", "alerts_allowed"),
                "service", Set.of(), "scan_evidence", Set.of());
        Set<String> all = new HashSet<>(optional.keySet());
        all.add("alert");
        assertEquals(all, names(defs));
        // an alert's details are further fields, loosely typed: its own fields are closed otherwise
        ObjectNode alert = defs.get("alert").deepCopy();
        assertTrue(alert.get("additionalProperties").has("anyOf"), "alert details are typed");
        alert.put("additionalProperties", false);
        checkObject("alert", alert, Set.of());
        for (String def : optional.keySet()) {
            checkObject(def, defs.get(def), optional.get(def));
        }
        checkObject("port_stats.tcp", defs.get("port_stats").get("properties").get("tcp"), Set.of());
        checkObject("flow.tunnel", defs.get("flow").get("properties").get("tunnel"), Set.of());
        checkObject("window.capture", defs.get("window").get("properties").get("capture"), Set.of());
        checkObject("window.memory_limited_ports", defs.get("window").get("properties").get("memory_limited_ports"),
                Set.of());
        checkObject("window.alerts_allowed", defs.get("window").get("properties").get("alerts_allowed"), Set.of());
        for (String top : new String[] {"top_clients", "top_servers"}) {
            JsonNode t = defs.get("port_stats").get("properties").get(top);
            checkObject("port_stats." + top, t, Set.of("max_overcount_packets", "max_overcount_bytes"));
            checkObject("port_stats." + top + ".by_packets[]", t.get("properties").get("by_packets").get("items"),
                    Set.of());
            checkObject("port_stats." + top + ".by_bytes[]", t.get("properties").get("by_bytes").get("items"),
                    Set.of());
        }
    }

    private static void checkObject(String where, JsonNode obj, Set<String> optional) {
        assertEquals("object", obj.get("type").asText(), where);
        assertTrue(obj.hasNonNull("description"), where + " described");
        assertFalse(obj.get("additionalProperties").asBoolean(true), where + " additionalProperties false");
        Set<String> required = new HashSet<>();
        obj.get("required").forEach(r -> required.add(r.asText()));
        Set<String> props = names(obj.get("properties"));
        Set<String> expectRequired = new HashSet<>(props);
        expectRequired.removeAll(optional);
        assertEquals(expectRequired, required, where + ": every field but " + optional + " is required");
        for (String p : props) {
            JsonNode field = obj.get("properties").get(p);
            assertTrue(field.hasNonNull("description") && field.get("description").asText().length() > 5,
                    where + "." + p + " described");
            assertTrue(field.has("type") || field.has("anyOf"), where + "." + p + " typed");
        }
    }

    private static Set<String> names(JsonNode obj) {
        Set<String> names = new HashSet<>();
        obj.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void everyLineTheSinkWritesIsValid() throws IOException {
        List<JsonNode> lines = JsonLinesSinkTest.everyKindOfLine();
        Set<String> types = new HashSet<>();
        for (JsonNode n : lines) {
            Set<ValidationMessage> problems = RecordSchema.validate(n);
            assertTrue(problems.isEmpty(), problems + " in " + n);
            types.add(n.get("type").asText());
        }
        assertEquals(Set.of("port_stats", "service", "scan_evidence", "flow", "summary", "window", "alert"), types);
    }

    @Test
    void wrongOrMissingFieldsFailValidation() throws IOException {
        Map<String, JsonNode> samples = new LinkedHashMap<>();
        for (JsonNode n : JsonLinesSinkTest.everyKindOfLine()) {
            String kind = n.get("type").asText().equals("window") ? (n.has("capture") ? "live" : "file")
                    : n.path("transport").asText("");
            samples.putIfAbsent(n.get("type").asText() + "/" + kind, n);
        }
        JsonNode tcpPort = samples.get("port_stats/tcp");
        JsonNode udpPort = samples.get("port_stats/udp");
        JsonNode tcpFlow = samples.get("flow/tcp");
        JsonNode udpFlow = samples.get("flow/udp");
        JsonNode summary = samples.get("summary/");
        JsonNode liveWindow = samples.get("window/live");
        JsonNode fileWindow = samples.get("window/file");
        JsonNode scan = samples.get("alert/tcp");
        JsonNode mixed = samples.get("alert/");

        Map<String, JsonNode> bad = new LinkedHashMap<>();
        bad.put("empty object", JSON.objectNode());
        bad.put("unknown type", edit(tcpPort, o -> o.put("type", "ports")));
        bad.put("port_stats without packets", edit(tcpPort, o -> o.remove("packets")));
        bad.put("port_stats without service", edit(udpPort, o -> o.remove("service")));
        bad.put("packets as a string", edit(tcpPort, o -> o.put("packets", "12")));
        bad.put("negative count", edit(tcpPort, o -> o.put("unique_clients", -1)));
        bad.put("fractional count", edit(tcpPort, o -> o.put("flows", 1.5)));
        bad.put("port out of range", edit(udpPort, o -> o.put("port", 65536)));
        bad.put("unknown port class", edit(udpPort, o -> o.put("port_class", "private")));
        bad.put("unknown transport", edit(udpPort, o -> o.put("transport", "sctp")));
        bad.put("extra field", edit(tcpPort, o -> o.put("portclass", "registered")));
        bad.put("tcp port without tcp counts", edit(tcpPort, o -> o.remove("tcp")));
        bad.put("udp port with tcp counts", edit(udpPort, o -> o.set("tcp", tcpPort.get("tcp"))));
        bad.put("tcp counts missing one", edit(tcpPort, o -> ((ObjectNode) o.get("tcp")).remove("rejected")));
        bad.put("tcp counts with an extra", edit(tcpPort, o -> ((ObjectNode) o.get("tcp")).put("ack", 1)));
        bad.put("timestamp with an offset", edit(tcpPort, o -> o.put("window_start", "2026-11-24T19:05:15+01:00")));
        bad.put("timestamp without zone", edit(tcpPort, o -> o.put("window_end", "2026-11-24T18:05:15.615")));
        bad.put("timestamp as a number", edit(tcpPort, o -> o.put("window_end", 1795543515615L)));
        bad.put("null sensor", edit(tcpPort, o -> o.putNull("sensor")));
        bad.put("flow without community_id", edit(tcpFlow, o -> o.remove("community_id")));
        bad.put("malformed community_id", edit(tcpFlow, o -> o.put("community_id", "GyQvkEiqY6TLumCIDsq6aHvyXmU=")));
        bad.put("duration as a string", edit(tcpFlow, o -> o.put("duration", "1.5")));
        bad.put("negative duration", edit(tcpFlow, o -> o.put("duration", -0.5)));
        bad.put("unknown end reason", edit(tcpFlow, o -> o.put("end_reason", "timeout")));
        bad.put("unknown state", edit(tcpFlow, o -> o.put("state", "ESTABLISHED")));
        bad.put("unknown tcp flag", edit(tcpFlow, o -> ((ArrayNode) o.get("tcp_flags")).add("BOGUS")));
        bad.put("repeated tcp flag", edit(tcpFlow, o -> ((ArrayNode) o.get("tcp_flags")).add("SYN")));
        bad.put("tcp flow without flags", edit(tcpFlow, o -> o.remove("tcp_flags")));
        bad.put("udp flow with flags", edit(udpFlow, o -> o.set("tcp_flags", tcpFlow.get("tcp_flags"))));
        bad.put("flow with a window field", edit(udpFlow, o -> o.put("window_start", "2026-11-24T18:05:15Z")));
        bad.put("summary without start", edit(summary, o -> o.remove("start")));
        bad.put("summary with a string count", edit(summary,
                o -> ((ObjectNode) o.get("decode_errors")).put("truncated_ip", "3")));
        bad.put("summary with an odd reason key", edit(summary,
                o -> ((ObjectNode) o.get("decode_errors")).put("Truncated IP", 3)));
        bad.put("summary input errors not strings", edit(summary,
                o -> ((ArrayNode) o.get("input_errors")).add(7)));
        bad.put("summary decode_errors as a list", edit(summary, o -> o.set("decode_errors", JSON.arrayNode())));
        for (String field : List.of("sensor", "input", "window_start", "window_end", "packets", "bytes", "ports",
                "active_flows", "decode_errors", "output_dropped")) {
            bad.put("window without " + field, edit(liveWindow, o -> o.remove(field)));
        }
        bad.put("window typed as port_stats", edit(fileWindow, o -> o.put("type", "port_stats")));
        bad.put("window with a negative decode count", edit(liveWindow, o -> o.put("decode_errors", -1)));
        bad.put("window with a negative output drop", edit(fileWindow, o -> o.put("output_dropped", -3)));
        bad.put("window with fractional flows", edit(liveWindow, o -> o.put("active_flows", 2.5)));
        bad.put("window ports as a string", edit(fileWindow, o -> o.put("ports", "1")));
        bad.put("window with a port's field", edit(fileWindow, o -> o.put("transport", "udp")));
        bad.put("window with a summary's field", edit(liveWindow, o -> o.put("flows_evicted", 0)));
        bad.put("window with decode errors by reason", edit(liveWindow,
                o -> o.set("decode_errors", summary.get("decode_errors"))));
        bad.put("window timestamp with an offset", edit(liveWindow,
                o -> o.put("window_end", "2026-11-24T19:06:15+01:00")));
        bad.put("window with an empty sensor", edit(fileWindow, o -> o.put("sensor", "")));
        bad.put("window with a null capture", edit(fileWindow, o -> o.putNull("capture")));
        bad.put("window with capture as a number", edit(fileWindow, o -> o.put("capture", 20)));
        for (String field : List.of("received", "dropped_kernel", "dropped_interface", "ring_freezes", "down_ms",
                "reattached")) {
            bad.put("capture without " + field, edit(liveWindow, o -> ((ObjectNode) o.get("capture")).remove(field)));
            bad.put("capture with a negative " + field,
                    edit(liveWindow, o -> ((ObjectNode) o.get("capture")).put(field, -1)));
        }
        bad.put("capture with an extra", edit(liveWindow, o -> ((ObjectNode) o.get("capture")).put("dropped", 0)));
        bad.put("port_stats with a window's field", edit(udpPort, o -> o.put("decode_errors", 0)));
        for (String field : List.of("clients_hll", "servers_hll", "hll_key")) {
            bad.put("port_stats without " + field, edit(tcpPort, o -> o.remove(field)));
            // short of memory the sketches may be left out, but both, with their key
            bad.put("port_stats short of memory without " + field,
                    edit(tcpPort, o -> o.put("memory_limited", true).remove(field)));
        }
        bad.put("port_stats with memory_limited false", edit(tcpPort, o -> o.put("memory_limited", false)));
        bad.put("window with memory_limited_ports missing one", edit(fileWindow, o -> o.set("memory_limited_ports",
                JSON.objectNode().put("unique_counts", 1).put("top_talkers", 0))));
        bad.put("window with a negative memory_limited_ports count", edit(fileWindow, o -> o.set("memory_limited_ports",
                JSON.objectNode().put("unique_counts", -1).put("top_talkers", 0).put("sketches", 0))));
        bad.put("window with alerts_allowed missing one", edit(fileWindow, o -> o.set("alerts_allowed",
                JSON.objectNode().put("port_scan", 1))));
        bad.put("alert with a campaign not of the detectors' form", edit(scan, o -> o.put("campaign", "decoys")));
        bad.put("sketch key not fleet or public", edit(udpPort, o -> o.put("hll_key", "secret")));
        bad.put("sketch not base64", edit(tcpPort, o -> o.put("clients_hll", "AgEHDAMIBgg!")));
        bad.put("sketch in url-safe base64", edit(tcpPort, o -> o.put("servers_hll", "AgEHDAMIBgg-_w==")));
        bad.put("sketch without padding", edit(tcpPort, o -> o.put("clients_hll", "AgEHDAMIBg")));
        bad.put("sketch empty", edit(tcpPort, o -> o.put("clients_hll", "")));
        bad.put("sketch as a list of bytes", edit(udpPort, o -> o.set("servers_hll", JSON.arrayNode().add(2).add(1))));
        JsonNode service = samples.get("service/tcp");
        bad.put("service without address", edit(service, o -> o.remove("address")));
        bad.put("service with negative flows", edit(service, o -> o.put("flows", -1)));
        bad.put("service new_service as a string", edit(service, o -> o.put("new_service", "true")));
        bad.put("service with a port's field", edit(service, o -> o.put("port_class", "well-known")));
        bad.put("service without packets", edit(service, o -> o.remove("packets")));
        bad.put("service with negative bytes", edit(service, o -> o.put("bytes", -1)));
        bad.put("service packets as a string", edit(service, o -> o.put("packets", "40")));
        bad.put("service of an unknown transport", edit(service, o -> o.put("transport", "sctp")));
        JsonNode evidence = samples.get("scan_evidence/tcp");
        for (String field : List.of("source", "transport", "failed", "answered", "targets", "ports",
                "log_likelihood_ratio", "target_sample", "port_sample", "window_start")) {
            bad.put("scan_evidence without " + field, edit(evidence, o -> o.remove(field)));
        }
        bad.put("scan_evidence without failures", edit(evidence, o -> o.put("failed", 0)));
        bad.put("scan_evidence with fractional answers", edit(evidence, o -> o.put("answered", 1.5)));
        bad.put("scan_evidence ratio as a string", edit(evidence, o -> o.put("log_likelihood_ratio", "4.2")));
        bad.put("scan_evidence port without its transport", edit(evidence,
                o -> o.set("port_sample", JSON.arrayNode().add("22"))));
        bad.put("scan_evidence with an alert's field", edit(evidence, o -> o.put("severity", "high")));
        bad.put("scan_evidence with a null source", edit(evidence, o -> o.putNull("source")));
        bad.put("scan_evidence typed as alert", edit(evidence, o -> o.put("type", "alert")));
        JsonNode talkers = JsonLinesSinkTest.everyKindOfLine().stream()
                .filter(n -> n.has("top_clients") && !n.get("top_clients").get("exact").asBoolean())
                .findFirst().orElseThrow();
        assertTrue(RecordSchema.validate(talkers).isEmpty(), talkers.toString());
        bad.put("inexact talkers without their bound",
                edit(talkers, o -> ((ObjectNode) o.get("top_clients")).remove("max_overcount_packets")));
        bad.put("exact talkers with a bound",
                edit(talkers, o -> ((ObjectNode) o.get("top_servers")).put("max_overcount_bytes", 0)));
        bad.put("talker without address",
                edit(talkers, o -> ((ObjectNode) o.get("top_clients").get("by_packets").get(0)).remove("address")));
        bad.put("talker with an extra field",
                edit(talkers, o -> ((ObjectNode) o.get("top_servers").get("by_bytes").get(0)).put("share", 0.5)));
        bad.put("talkers as a list", edit(talkers, o -> o.set("top_clients", JSON.arrayNode())));
        for (String field : List.of("sensor", "input", "kind", "time", "source", "target", "transport", "port",
                "severity")) {
            bad.put("alert without " + field, edit(scan, o -> o.remove(field)));
        }
        bad.put("alert of an unknown kind", edit(scan, o -> o.put("kind", "portscan")));
        bad.put("alert of an unknown severity", edit(scan, o -> o.put("severity", "severe")));
        bad.put("alert severity as a number", edit(scan, o -> o.put("severity", 73)));
        bad.put("alert time with an offset", edit(scan, o -> o.put("time", "2026-11-24T19:05:15+01:00")));
        bad.put("alert port out of range", edit(mixed, o -> o.put("port", 70000)));
        bad.put("alert port as a string", edit(mixed, o -> o.put("port", "53")));
        bad.put("alert unknown transport", edit(scan, o -> o.put("transport", "icmp")));
        bad.put("alert with an empty source", edit(scan, o -> o.put("source", "")));
        bad.put("alert detail as an object", edit(scan, o -> o.set("ports", JSON.objectNode().put("n", 1))));
        bad.put("alert detail null", edit(scan, o -> o.putNull("ports")));
        bad.put("alert detail list of objects", edit(scan,
                o -> o.set("port_sample", JSON.arrayNode().add(JSON.objectNode()))));
        bad.put("alert open port without its transport", edit(scan,
                o -> o.set("open_ports", JSON.arrayNode().add("tcp/22").add(8000))));
        bad.put("alert port sample as numbers", edit(scan, o -> o.set("port_sample", JSON.arrayNode().add(1).add(3))));
        bad.put("alert port range of one port", edit(scan, o -> o.set("port_range", JSON.arrayNode().add("tcp/1"))));
        bad.put("alert port of an unknown transport", edit(scan,
                o -> o.set("open_ports", JSON.arrayNode().add("sctp/22"))));
        bad.put("alert typed as window", edit(scan, o -> o.put("type", "window")));
        bad.put("window with an alert's detail", edit(fileWindow, o -> o.put("scan_type", "syn")));

        List<String> accepted = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : bad.entrySet()) {
            if (RecordSchema.validate(e.getValue()).isEmpty()) {
                accepted.add(e.getKey());
            }
        }
        if (!accepted.isEmpty()) {
            fail("the schema accepts: " + accepted);
        }
        // and the unedited samples pass, so each rejection above is the edit's doing
        for (Iterator<JsonNode> it = samples.values().iterator(); it.hasNext(); ) {
            JsonNode n = it.next();
            assertTrue(RecordSchema.validate(n).isEmpty(), n.toString());
        }
        assertEquals(Set.of("port_stats/tcp", "port_stats/udp", "flow/tcp", "flow/udp", "summary/", "window/live",
                "window/file", "alert/tcp", "alert/", "alert/udp", "service/tcp", "service/udp", "scan_evidence/tcp",
                "scan_evidence/udp"), samples.keySet());
    }

    private static JsonNode edit(JsonNode n, Consumer<ObjectNode> change) {
        ObjectNode copy = n.deepCopy();
        change.accept(copy);
        return copy;
    }
}
