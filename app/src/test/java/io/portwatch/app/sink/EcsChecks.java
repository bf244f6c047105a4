package io.portwatch.app.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks an ECS document against the portwatch JSON record of the same record, field by field, and
 * against the index template {@code src/schema/portwatch-ecs-template.json} (ECS 8.11 field types):
 * every field of the document is mapped, and its value has the mapped type.
 */
public final class EcsChecks {

    static final String TEMPLATE = "src/schema/portwatch-ecs-template.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static JsonNode mappings;

    private EcsChecks() {
    }

    static synchronized JsonNode mappings() {
        if (mappings == null) {
            Path p = RecordSchema.path().resolveSibling(Paths.get(TEMPLATE).getFileName());
            try {
                mappings = MAPPER.readTree(p.toFile()).get("template").get("mappings");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return mappings;
    }

    /** Every leaf of a document as a dotted path (array elements share their array's path). */
    public static Set<String> leaves(JsonNode doc) {
        Set<String> out = new TreeSet<>();
        leaves(doc, "", out);
        return out;
    }

    private static void leaves(JsonNode n, String prefix, Set<String> out) {
        if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
            }
        } else {
            out.add(prefix);
        }
    }

    /** Every field of the document is in the template, with a value of its type; no field is null. */
    public static void assertMapped(JsonNode doc) {
        walk(doc, mappings(), "", doc);
    }

    private static void walk(JsonNode n, JsonNode mapping, String path, JsonNode doc) {
        JsonNode props = mapping.get("properties");
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode m = props == null ? null : props.get(e.getKey());
            assertNotNull(m, "field " + p + " is not in " + TEMPLATE + ": " + doc);
            JsonNode v = e.getValue();
            assertFalse(v.isNull(), "no null fields: " + p + " in " + doc);
            if (m.has("properties") && v.isArray()) {
                assertEquals("nested", m.path("type").asText(), p + ": a list of objects is mapped nested");
                v.forEach(x -> {
                    assertTrue(x.isObject(), p + " holds objects: " + doc);
                    walk(x, m, p, doc);
                });
            } else if (m.has("properties")) {
                assertTrue(v.isObject(), p + " is an object: " + doc);
                walk(v, m, p, doc);
            } else if (m.path("dynamic").asBoolean(false)) {
                assertTrue(v.isObject(), p + " is an object: " + doc);
                v.forEach(c -> assertTrue(c.isIntegralNumber(), p + " holds counts: " + v));
            } else {
                String type = m.get("type").asText();
                if (v.isArray()) {
                    v.forEach(x -> assertType(type, x, p));
                } else {
                    assertType(type, v, p);
                }
            }
        }
    }

    private static void assertType(String type, JsonNode v, String path) {
        switch (type) {
            case "keyword" -> assertTrue(v.isTextual(), path + " is a keyword: " + v);
            case "long" -> assertTrue(v.isIntegralNumber() && v.canConvertToLong(), path + " is a long: " + v);
            case "double" -> assertTrue(v.isNumber(), path + " is a number: " + v);
            case "boolean" -> assertTrue(v.isBoolean(), path + " is a boolean: " + v);
            case "binary" -> { // Elasticsearch takes binary as standard base64
                assertTrue(v.isTextual() && !v.asText().isEmpty(), path + " is base64: " + v);
                try {
                    java.util.Base64.getDecoder().decode(v.asText());
                } catch (IllegalArgumentException e) {
                    fail(path + " is base64: " + v);
                }
            }
            case "match_only_text" -> assertTrue(v.isTextual() && !v.asText().isBlank(), path + " is text: " + v);
            case "date" -> {
                assertTrue(v.isTextual() && v.asText().endsWith("Z"), path + " is a UTC date: " + v);
                Instant.parse(v.asText());
            }
            case "ip" -> {
                assertTrue(v.isTextual() && v.asText().matches("[0-9a-fA-F:.]+"), path + " is an address: " + v);
                try {
                    InetAddress.getByName(v.asText()); // a literal: no lookup
                } catch (UnknownHostException e) {
                    fail(path + " is an address: " + v);
                }
            }
            default -> fail("type " + type + " of " + path + " is not checked here");
        }
    }

    private static long nanos(JsonNode t) {
        Instant i = Instant.parse(t.asText());
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static List<String> strings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(x -> l.add(x.asText()));
        return l;
    }

    private static void assertEvent(JsonNode ecs, String kind, List<String> types, String dataset) {
        JsonNode e = ecs.get("event");
        assertEquals(kind, e.get("kind").asText());
        assertEquals(List.of("network"), strings(e.get("category")));
        assertEquals(types, strings(e.get("type")));
        assertEquals(dataset, e.get("dataset").asText());
        assertEquals("portwatch", e.get("module").asText());
        assertEquals("8.11.0", ecs.get("ecs").get("version").asText());
    }

    private static void assertSpan(JsonNode ecs, JsonNode start, JsonNode end) {
        JsonNode e = ecs.get("event");
        assertEquals(start.asText(), ecs.get("@timestamp").asText(), "@timestamp is the start");
        assertEquals(start.asText(), e.get("start").asText());
        assertEquals(end.asText(), e.get("end").asText());
        assertEquals(nanos(end) - nanos(start), e.get("duration").longValue(), "event.duration in ns");
    }

    private static void assertObserver(JsonNode ecs, JsonNode json, boolean live) {
        JsonNode o = ecs.get("observer");
        assertEquals(json.get("sensor").asText(), o.get("hostname").asText());
        assertEquals("sensor", o.get("type").asText());
        assertEquals("portwatch", o.get("product").asText());
        if (live) {
            assertEquals(json.get("input").asText(), o.get("ingress").get("interface").get("name").asText());
        } else {
            assertFalse(o.has("ingress"), "a capture file is no interface: " + o);
        }
        assertEquals(json.get("input").asText(), ecs.get("portwatch").get("input").asText());
        assertEquals(json.get("type").asText(), ecs.get("portwatch").get("type").asText());
    }

    private static void assertSide(JsonNode side, JsonNode ip, JsonNode port, JsonNode bytes, JsonNode packets) {
        if (ip == null) {
            assertFalse(side.has("ip"), side.toString());
        } else {
            assertEquals(ip.asText(), side.get("ip").asText());
        }
        if (port == null) {
            assertFalse(side.has("port"), side.toString());
        } else {
            assertEquals(port.asLong(), side.get("port").longValue());
        }
        assertEquals(bytes.asLong(), side.get("bytes").longValue());
        assertEquals(packets.asLong(), side.get("packets").longValue());
    }

    private static String iana(String transport) {
        return Integer.toString(io.portwatch.analysis.output.Transport.parse(transport).protocol());
    }

    /** Severity names and their {@code event.severity}. */
    static final Map<String, Integer> SEVERITY = Map.of("low", 21, "medium", 47, "high", 73, "critical", 99);

    /** The fields of an alert record that are not details. */
    static final Set<String> ALERT_FIELDS = Set.of("type", "sensor", "input", "kind", "time", "source", "target",
            "transport", "port", "severity");

    private static void assertAlertEcsOf(JsonNode json, JsonNode ecs, boolean live) {
        Set<String> want = new TreeSet<>(List.of("@timestamp", "ecs.version", "message", "event.kind",
                "event.category", "event.type", "event.dataset", "event.module", "event.action", "event.severity",
                "rule.name", "observer.hostname", "observer.type", "observer.product", "portwatch.type",
                "portwatch.input", "portwatch.severity"));
        if (live) {
            want.add("observer.ingress.interface.name");
        }
        JsonNode e = ecs.get("event");
        String kind = json.get("kind").asText();
        assertEquals("alert", e.get("kind").asText());
        assertEquals(List.of("network", "intrusion_detection"), strings(e.get("category")));
        assertEquals(List.of("info"), strings(e.get("type")));
        assertEquals("portwatch.alert", e.get("dataset").asText());
        assertEquals("portwatch", e.get("module").asText());
        assertEquals(kind, e.get("action").asText());
        assertEquals(kind, ecs.get("rule").get("name").asText());
        assertEquals(SEVERITY.get(json.get("severity").asText()), e.get("severity").intValue());
        assertEquals(json.get("severity").asText(), ecs.get("portwatch").get("severity").asText());
        assertEquals(json.get("time").asText(), ecs.get("@timestamp").asText());
        assertEquals("8.11.0", ecs.get("ecs").get("version").asText());
        assertObserver(ecs, json, live);
        String message = ecs.get("message").asText();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.startsWith(kind + " (" + json.get("severity").asText() + ") "), message);
        List<String> related = new ArrayList<>();
        if (!json.get("source").isNull()) {
            assertEquals(json.get("source").asText(), ecs.get("source").get("ip").asText());
            assertTrue(message.contains(json.get("source").asText() + " -> "), message);
            want.add("source.ip");
            related.add(json.get("source").asText());
        } else {
            assertFalse(ecs.has("source"), ecs.toString());
        }
        if (!json.get("target").isNull()) {
            assertEquals(json.get("target").asText(), ecs.get("destination").get("ip").asText());
            assertTrue(message.contains(" -> " + json.get("target").asText()), message);
            want.add("destination.ip");
            if (!related.contains(json.get("target").asText())) {
                related.add(json.get("target").asText());
            }
        }
        if (!json.get("port").isNull()) {
            assertEquals(json.get("port").asInt(), ecs.get("destination").get("port").intValue());
            want.add("destination.port");
        }
        if (json.get("target").isNull() && json.get("port").isNull()) {
            assertFalse(ecs.has("destination"), ecs.toString());
        }
        if (!json.get("transport").isNull()) {
            String transport = json.get("transport").asText();
            assertEquals(transport, ecs.get("network").get("transport").asText());
            assertEquals(iana(transport), ecs.get("network").get("iana_number").asText());
            want.addAll(List.of("network.transport", "network.iana_number"));
        } else {
            assertFalse(ecs.has("network"), ecs.toString());
        }
        if (related.isEmpty()) {
            assertFalse(ecs.has("related"), ecs.toString());
        } else {
            assertEquals(related, strings(ecs.get("related").get("ip")));
            want.add("related.ip");
        }
        JsonNode details = ecs.get("portwatch").get("alert");
        assertNotNull(details, "portwatch.alert is there, even empty: " + ecs);
        int n = 0;
        Iterator<Map.Entry<String, JsonNode>> it = json.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (ALERT_FIELDS.contains(f.getKey())) {
                continue;
            }
            n++;
            String name = f.getKey().startsWith("detail_") && ALERT_FIELDS.contains(f.getKey().substring(7))
                    ? f.getKey().substring(7) : f.getKey();
            assertEquals(f.getValue(), details.get(name), "detail " + name + " in " + ecs);
            want.add("portwatch.alert." + name);
        }
        assertEquals(n, details.size(), "every detail and no other: " + details);
        assertEquals(want, leaves(ecs), "the fields of " + ecs);
    }

    /**
     * The ECS document {@code ecs} says what the portwatch JSON record {@code json} says, every field of
     * both accounted for, and fits the template.
     *
     * @param live whether the input was an interface
     */
    public static void assertEcsOf(JsonNode json, JsonNode ecs, boolean live) {
        assertMapped(ecs);
        if (json.get("type").asText().equals("alert")) {
            assertAlertEcsOf(json, ecs, live);
            return;
        }
        Set<String> want = new TreeSet<>(List.of("@timestamp", "ecs.version", "event.kind", "event.category",
                "event.type", "event.dataset", "event.module", "observer.hostname", "observer.type",
                "observer.product", "portwatch.type", "portwatch.input", "network.bytes", "network.packets"));
        if (live) {
            want.add("observer.ingress.interface.name");
        }
        JsonNode pw = ecs.get("portwatch");
        switch (json.get("type").asText()) {
            case "port_stats" -> {
                assertEvent(ecs, "metric", List.of("info"), "portwatch.ports");
                assertSpan(ecs, json.get("window_start"), json.get("window_end"));
                String transport = json.get("transport").asText();
                assertSide(ecs.get("source"), null, null, json.get("bytes_to_server"), json.get("packets_to_server"));
                assertSide(ecs.get("client"), null, null, json.get("bytes_to_server"), json.get("packets_to_server"));
                assertSide(ecs.get("destination"), null, json.get("port"), json.get("bytes_to_client"),
                        json.get("packets_to_client"));
                assertSide(ecs.get("server"), null, json.get("port"), json.get("bytes_to_client"),
                        json.get("packets_to_client"));
                JsonNode net = ecs.get("network");
                assertEquals(transport, net.get("transport").asText());
                assertEquals(iana(transport), net.get("iana_number").asText());
                assertEquals(json.get("bytes").asLong(), net.get("bytes").longValue());
                assertEquals(json.get("packets").asLong(), net.get("packets").longValue());
                if (json.get("service").isNull()) {
                    assertFalse(ecs.has("service"), ecs.toString());
                } else {
                    assertEquals(json.get("service").asText(), ecs.get("service").get("name").asText());
                    want.add("service.name");
                }
                for (String f : List.of("port_class", "flows", "active_flows", "unique_clients", "unique_servers")) {
                    assertEquals(json.get(f), pw.get(f), f);
                    want.add("portwatch." + f);
                }
                if (json.has("tcp")) {
                    assertEquals(json.get("tcp"), pw.get("tcp"));
                    json.get("tcp").fieldNames().forEachRemaining(f -> want.add("portwatch.tcp." + f));
                }
                for (String top : List.of("top_clients", "top_servers")) {
                    assertEquals(json.get(top), pw.get(top), top);
                    if (json.has(top)) {
                        leaves(json.get(top)).forEach(f -> want.add("portwatch." + top + "." + f));
                    }
                }
                for (String f : List.of("clients_hll", "servers_hll", "hll_key", "memory_limited")) {
                    assertEquals(json.get(f), pw.get(f), f);
                    if (json.has(f)) {
                        want.add("portwatch." + f);
                    }
                }
                want.addAll(List.of("event.start", "event.end", "event.duration", "source.bytes", "source.packets",
                        "client.bytes", "client.packets", "destination.port", "destination.bytes",
                        "destination.packets", "server.port", "server.bytes", "server.packets",
                        "network.transport", "network.iana_number"));
            }
            case "service" -> {
                assertEvent(ecs, "state", List.of("info"), "portwatch.service");
                assertSpan(ecs, json.get("window_start"), json.get("window_end"));
                for (String side : List.of("destination", "server")) {
                    assertEquals(json.get("address").asText(), ecs.get(side).get("ip").asText());
                    assertEquals(json.get("port").asInt(), ecs.get(side).get("port").intValue());
                    assertEquals(2, ecs.get(side).size(), "an address and a port: " + ecs.get(side));
                    want.addAll(List.of(side + ".ip", side + ".port"));
                }
                String transport = json.get("transport").asText();
                assertEquals(transport, ecs.get("network").get("transport").asText());
                assertEquals(iana(transport), ecs.get("network").get("iana_number").asText());
                if (json.get("packets").isNull()) { // not known: absent
                    assertTrue(json.get("bytes").isNull());
                    want.removeAll(List.of("network.bytes", "network.packets"));
                } else {
                    assertEquals(json.get("packets").asLong(), ecs.get("network").get("packets").longValue());
                    assertEquals(json.get("bytes").asLong(), ecs.get("network").get("bytes").longValue());
                }
                if (json.get("service").isNull()) {
                    assertFalse(ecs.has("service"), ecs.toString());
                } else {
                    assertEquals(json.get("service").asText(), ecs.get("service").get("name").asText());
                    want.add("service.name");
                }
                for (String f : List.of("first_seen", "last_seen", "flows", "clients", "new_service")) {
                    assertEquals(json.get(f), pw.get(f), f);
                    want.add("portwatch." + f);
                }
                want.addAll(List.of("event.start", "event.end", "event.duration", "network.transport",
                        "network.iana_number"));
            }
            case "scan_evidence" -> {
                JsonNode e = ecs.get("event");
                assertEquals("metric", e.get("kind").asText());
                assertEquals(List.of("network", "intrusion_detection"), strings(e.get("category")));
                assertEquals(List.of("info"), strings(e.get("type")));
                assertEquals("portwatch.scan_evidence", e.get("dataset").asText());
                assertEquals("portwatch", e.get("module").asText());
                assertEquals("8.11.0", ecs.get("ecs").get("version").asText());
                assertSpan(ecs, json.get("window_start"), json.get("window_end"));
                assertEquals(json.get("source").asText(), ecs.get("source").get("ip").asText());
                assertEquals(List.of(json.get("source").asText()), strings(ecs.get("related").get("ip")));
                String transport = json.get("transport").asText();
                assertEquals(transport, ecs.get("network").get("transport").asText());
                assertEquals(iana(transport), ecs.get("network").get("iana_number").asText());
                want.removeAll(List.of("network.bytes", "network.packets"));
                for (String f : List.of("failed", "answered", "targets", "ports", "log_likelihood_ratio",
                        "target_sample", "port_sample")) {
                    assertEquals(json.get(f), pw.get(f), f);
                    want.add("portwatch." + f);
                }
                want.addAll(List.of("event.start", "event.end", "event.duration", "source.ip", "network.transport",
                        "network.iana_number", "related.ip"));
            }
            case "window" -> {
                assertEvent(ecs, "metric", List.of("info"), "portwatch.window");
                assertSpan(ecs, json.get("window_start"), json.get("window_end"));
                assertEquals(json.get("bytes").asLong(), ecs.get("network").get("bytes").longValue());
                assertEquals(json.get("packets").asLong(), ecs.get("network").get("packets").longValue());
                for (String f : List.of("ports", "active_flows", "decode_errors", "output_dropped")) {
                    assertEquals(json.get(f), pw.get(f), f);
                    want.add("portwatch." + f);
                }
                if (json.has("capture")) {
                    assertEquals(json.get("capture"), pw.get("capture"));
                    json.get("capture").fieldNames().forEachRemaining(f -> want.add("portwatch.capture." + f));
                } else {
                    assertFalse(pw.has("capture"));
                }
                assertEquals(json.get("memory_limited_ports"), pw.get("memory_limited_ports"));
                if (json.has("memory_limited_ports")) {
                    json.get("memory_limited_ports").fieldNames()
                            .forEachRemaining(f -> want.add("portwatch.memory_limited_ports." + f));
                }
                want.addAll(List.of("event.start", "event.end", "event.duration"));
            }
            case "flow" -> {
                assertEvent(ecs, "event", List.of("connection", "end"), "portwatch.flow");
                assertSpan(ecs, json.get("start"), json.get("end"));
                assertEquals(json.get("duration").decimalValue().movePointRight(9).longValueExact(),
                        ecs.get("event").get("duration").longValue(), "duration in ns");
                assertEquals(json.get("end_reason").asText(), ecs.get("event").get("reason").asText());
                String transport = json.get("transport").asText();
                assertSide(ecs.get("source"), json.get("client_ip"), json.get("client_port"),
                        json.get("bytes_to_server"), json.get("packets_to_server"));
                assertSide(ecs.get("client"), json.get("client_ip"), json.get("client_port"),
                        json.get("bytes_to_server"), json.get("packets_to_server"));
                assertSide(ecs.get("destination"), json.get("server_ip"), json.get("server_port"),
                        json.get("bytes_to_client"), json.get("packets_to_client"));
                assertSide(ecs.get("server"), json.get("server_ip"), json.get("server_port"),
                        json.get("bytes_to_client"), json.get("packets_to_client"));
                JsonNode net = ecs.get("network");
                assertEquals(transport, net.get("transport").asText());
                assertEquals(iana(transport), net.get("iana_number").asText());
                assertEquals(json.get("client_ip").asText().contains(":") ? "ipv6" : "ipv4", net.get("type").asText());
                assertEquals(json.get("bytes").asLong(), net.get("bytes").longValue());
                assertEquals(json.get("packets").asLong(), net.get("packets").longValue());
                assertEquals(json.get("community_id").asText(), net.get("community_id").asText());
                List<String> related = new ArrayList<>(List.of(json.get("client_ip").asText()));
                if (!json.get("server_ip").asText().equals(related.get(0))) {
                    related.add(json.get("server_ip").asText());
                }
                assertEquals(related, strings(ecs.get("related").get("ip")));
                if (ecs.has("service")) {
                    want.add("service.name");
                    assertEquals(io.portwatch.analysis.ports.IanaServices.serviceName(Integer.parseInt(iana(transport)),
                            json.get("server_port").asInt()), ecs.get("service").get("name").asText());
                } else {
                    assertNull(io.portwatch.analysis.ports.IanaServices.serviceName(Integer.parseInt(iana(transport)),
                            json.get("server_port").asInt()));
                }
                assertEquals(json.get("state"), pw.get("state"));
                assertEquals(json.get("end_reason"), pw.get("end_reason"));
                want.addAll(List.of("portwatch.state", "portwatch.end_reason"));
                if (json.has("tcp_flags")) {
                    assertEquals(json.get("tcp_flags"), pw.get("tcp_flags"));
                    want.add("portwatch.tcp_flags");
                }
                if (json.has("vlan")) { // ECS's network.vlan.id is a keyword
                    assertEquals(json.get("vlan").asText(), net.get("vlan").get("id").textValue());
                    want.add("network.vlan.id");
                } else {
                    assertFalse(net.has("vlan"), ecs.toString());
                }
                if (json.has("tunnel")) {
                    assertEquals(json.get("tunnel"), pw.get("tunnel"));
                    want.addAll(List.of("portwatch.tunnel.kind", "portwatch.tunnel.outer_source_ip",
                            "portwatch.tunnel.outer_destination_ip"));
                } else {
                    assertFalse(pw.has("tunnel"), ecs.toString());
                }
                for (String s : List.of("source", "destination", "client", "server")) {
                    for (String f : List.of("ip", "port", "bytes", "packets")) {
                        want.add(s + "." + f);
                    }
                }
                want.addAll(List.of("event.start", "event.end", "event.duration", "event.reason", "network.transport",
                        "network.type", "network.iana_number", "network.community_id", "related.ip"));
            }
            case "summary" -> {
                assertEvent(ecs, "metric", List.of("info"), "portwatch.summary");
                if (json.get("start").isNull()) {
                    assertFalse(ecs.get("event").has("start"), ecs.toString());
                    assertFalse(ecs.get("event").has("end"), ecs.toString());
                } else {
                    assertSpan(ecs, json.get("start"), json.get("end"));
                    want.addAll(List.of("event.start", "event.end", "event.duration"));
                }
                assertEquals(json.get("bytes").asLong(), ecs.get("network").get("bytes").longValue());
                assertEquals(json.get("packets").asLong(), ecs.get("network").get("packets").longValue());
                for (String f : List.of("tcp_packets", "udp_packets", "fragments", "other_ip_packets",
                        "non_ip_packets", "flows", "flows_evicted", "unknown_link_types", "input_errors")) {
                    assertEquals(json.get(f), pw.get(f), f);
                }
                long total = 0;
                for (JsonNode c : json.get("decode_errors")) {
                    total += c.asLong();
                }
                assertEquals(total, pw.get("decode_errors").longValue(), "decode_errors is the total");
                assertEquals(json.get("decode_errors"), pw.get("decode_errors_by_reason"), "by reason");
                for (String f : List.of("tcp_packets", "udp_packets", "fragments", "other_ip_packets",
                        "non_ip_packets", "flows", "flows_evicted", "decode_errors")) {
                    want.add("portwatch." + f);
                }
                for (String obj : List.of("decode_errors_by_reason", "unknown_link_types", "input_errors")) {
                    JsonNode v = pw.get(obj);
                    if (v.isArray()) {
                        want.add("portwatch." + obj); // an array is a leaf, even empty
                    } else {
                        v.fieldNames().forEachRemaining(f -> want.add("portwatch." + obj + "." + f));
                    }
                }
            }
            default -> fail("unknown record " + json);
        }
        assertEquals(want, leaves(ecs), "the fields of " + ecs);
    }
}
