package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portwatch.analysis.output.AllowedAlerts;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.MemoryLimited;
import io.portwatch.analysis.output.PeerSketches;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Talker;
import io.portwatch.analysis.output.TcpCounts;
import io.portwatch.analysis.output.TopTalkers;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The groups of fields that portwatch's JSON records and its ECS documents both write, under the same
 * names and in the same order (the ECS documents under {@code portwatch.*}): a window's counts, a port's
 * counts, a TCP flow's flags, a summary's counts and faults, an alert's details. Written here once, so
 * that the two formats cannot drift apart and a field added to a group reaches both; each encoder writes
 * only what is its own (the JSON record's flat head, ECS's event, observer and sides).
 */
final class RecordFields {

    /** Standard base64 with padding (RFC 4648 section 4), as DataSketches' and Druid's tools read it. */
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private RecordFields() {
    }

    /**
     * A window's counts: {@code ports}, {@code active_flows}, {@code decode_errors}, the capture's
     * statistics when it has some ({@code capture}: the kernel's counters, and the time the interface was not
     * captured, in whole milliseconds, and the times it was captured again), {@code output_dropped}, and when
     * some ports ran short of {@code --port-memory} how many, by what it cost them ({@code memory_limited_ports}),
     * and with an allow-list the alerts it held back ({@code alerts_allowed}).
     */
    static void windowCounts(JsonGenerator g, WindowReport w) throws IOException {
        g.writeNumberField("ports", w.ports().size());
        g.writeNumberField("active_flows", w.activeFlows());
        g.writeNumberField("decode_errors", w.decodeErrors());
        if (w.capture() != null) {
            g.writeObjectFieldStart("capture");
            g.writeNumberField("received", w.capture().received());
            g.writeNumberField("dropped_kernel", w.capture().droppedByKernel());
            g.writeNumberField("dropped_interface", w.capture().droppedByInterface());
            g.writeNumberField("ring_freezes", w.capture().ringFreezes());
            g.writeNumberField("down_ms", w.capture().downNanos() / 1_000_000);
            g.writeNumberField("reattached", w.capture().reattached());
            g.writeEndObject();
        }
        g.writeNumberField("output_dropped", w.outputDropped());
        MemoryLimited m = w.memoryLimited();
        if (m.any()) {
            g.writeObjectFieldStart("memory_limited_ports");
            g.writeNumberField("unique_counts", m.uniqueCounts());
            g.writeNumberField("top_talkers", m.topTalkers());
            g.writeNumberField("sketches", m.sketches());
            g.writeEndObject();
        }
        AllowedAlerts a = w.allowedAlerts();
        if (a != null) {
            g.writeObjectFieldStart("alerts_allowed");
            g.writeNumberField("port_scan", a.portScans());
            g.writeNumberField("syn_flood", a.synFloods());
            g.writeEndObject();
        }
    }

    /**
     * A port's counts: {@code port_class}, {@code flows}, {@code active_flows}, its traffic when asked,
     * {@code unique_clients}, {@code unique_servers}, for a TCP port its TCP counts (the object
     * {@code tcp}), its top talkers when counted ({@code top_clients}, {@code top_servers}), its
     * mergeable sketches when it has them ({@code clients_hll}, {@code servers_hll}, {@code hll_key}), and
     * {@code memory_limited} when it ran short of {@code --port-memory}.
     *
     * @param traffic whether to write the port's packets and bytes here ({@code packets} to
     *                {@code bytes_to_client}): the JSON record has them flat, an ECS document in its
     *                source, destination and network
     */
    static void portCounts(JsonGenerator g, PortStats p, boolean traffic) throws IOException {
        g.writeStringField("port_class", p.portClass().key());
        g.writeNumberField("flows", p.flows());
        g.writeNumberField("active_flows", p.activeFlows());
        if (traffic) {
            g.writeNumberField("packets", p.packets());
            g.writeNumberField("bytes", p.bytes());
            g.writeNumberField("packets_to_server", p.packetsToServer());
            g.writeNumberField("packets_to_client", p.packetsToClient());
            g.writeNumberField("bytes_to_server", p.bytesToServer());
            g.writeNumberField("bytes_to_client", p.bytesToClient());
        }
        g.writeNumberField("unique_clients", p.uniqueClients());
        g.writeNumberField("unique_servers", p.uniqueServers());
        TcpCounts t = p.tcp();
        if (t != null) {
            g.writeObjectFieldStart("tcp");
            g.writeNumberField("syn", t.syn());
            g.writeNumberField("syn_ack", t.synAck());
            g.writeNumberField("rst", t.rst());
            g.writeNumberField("fin", t.fin());
            g.writeNumberField("established", t.established());
            g.writeNumberField("rejected", t.rejected());
            g.writeNumberField("unanswered", t.unanswered());
            g.writeEndObject();
        }
        topTalkers(g, "top_clients", p.topClients());
        topTalkers(g, "top_servers", p.topServers());
        PeerSketches s = p.sketches();
        if (s != null) {
            g.writeStringField("clients_hll", BASE64.encodeToString(s.clients()));
            g.writeStringField("servers_hll", BASE64.encodeToString(s.servers()));
            g.writeStringField("hll_key", s.key());
        }
        if (p.memoryLimited()) {
            g.writeBooleanField("memory_limited", true);
        }
    }

    /**
     * Top talkers: {@code exact}, {@code by_packets} and {@code by_bytes} (lists of {@code address},
     * {@code packets}, {@code bytes}, {@code flows}), and when not exact how much a ranked count may
     * overstate ({@code max_overcount_packets}, {@code max_overcount_bytes}). Nothing when null.
     */
    private static void topTalkers(JsonGenerator g, String name, TopTalkers t) throws IOException {
        if (t == null) {
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeBooleanField("exact", t.exact());
        if (!t.exact()) {
            g.writeNumberField("max_overcount_packets", t.maxOvercountPackets());
            g.writeNumberField("max_overcount_bytes", t.maxOvercountBytes());
        }
        talkers(g, "by_packets", t.byPackets());
        talkers(g, "by_bytes", t.byBytes());
        g.writeEndObject();
    }

    private static void talkers(JsonGenerator g, String name, List<Talker> list) throws IOException {
        g.writeArrayFieldStart(name);
        for (Talker t : list) {
            g.writeStartObject();
            g.writeStringField("address", t.address());
            g.writeNumberField("packets", t.packets());
            g.writeNumberField("bytes", t.bytes());
            g.writeNumberField("flows", t.flows());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * An exposed service's counts: {@code first_seen}, {@code last_seen}, {@code flows} (in the window),
     * {@code clients} (since first seen), {@code new_service}.
     */
    static void serviceCounts(JsonGenerator g, ServiceStats s) throws IOException {
        g.writeStringField("first_seen", Formats.instant(s.firstSeenNanos()));
        g.writeStringField("last_seen", Formats.instant(s.lastSeenNanos()));
        g.writeNumberField("flows", s.flows());
        g.writeNumberField("clients", s.clients());
        g.writeBooleanField("new_service", s.newService());
    }

    /**
     * A source's scan evidence: {@code failed}, {@code answered}, {@code targets}, {@code ports},
     * {@code log_likelihood_ratio}, {@code target_sample}, {@code port_sample}.
     */
    static void evidenceCounts(JsonGenerator g, ScanEvidence e) throws IOException {
        g.writeNumberField("failed", e.failed());
        g.writeNumberField("answered", e.answered());
        g.writeNumberField("targets", e.targets());
        g.writeNumberField("ports", e.ports());
        g.writeNumberField("log_likelihood_ratio", e.logLikelihoodRatio());
        strings(g, "target_sample", e.targetSample());
        strings(g, "port_sample", e.portSample());
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** A TCP flow's flags as the array {@code tcp_flags} of their names, FIN first; nothing for a UDP flow. */
    static void tcpFlags(JsonGenerator g, FlowRecord f) throws IOException {
        if (f.transport() == Transport.TCP) {
            g.writeArrayFieldStart("tcp_flags");
            for (int i = 0; i < Formats.tcpFlagCount(); i++) {
                String name = Formats.tcpFlagName(f.tcpFlags(), i);
                if (name != null) {
                    g.writeString(name);
                }
            }
            g.writeEndArray();
        }
    }

    /** A summary's packets by kind and its flows: {@code tcp_packets} to {@code flows_evicted}. */
    static void summaryCounts(JsonGenerator g, Summary s) throws IOException {
        g.writeNumberField("tcp_packets", s.tcpPackets());
        g.writeNumberField("udp_packets", s.udpPackets());
        g.writeNumberField("fragments", s.fragmentPackets());
        g.writeNumberField("other_ip_packets", s.otherIpPackets());
        g.writeNumberField("non_ip_packets", s.nonIpPackets());
        g.writeNumberField("flows", s.flows());
        g.writeNumberField("flows_evicted", s.flowsEvicted());
    }

    /**
     * A summary's faults: its decode errors by reason (as the object {@code decodeErrorsField}), then
     * {@code unknown_link_types} and {@code input_errors}.
     */
    static void summaryFaults(JsonGenerator g, Summary s, String decodeErrorsField) throws IOException {
        counts(g, decodeErrorsField, s.decodeErrors());
        counts(g, "unknown_link_types", s.unknownLinkTypes());
        g.writeArrayFieldStart("input_errors");
        for (String e : s.inputErrors()) {
            g.writeString(e);
        }
        g.writeEndArray();
    }

    private static void counts(JsonGenerator g, String name, Map<String, Long> counts) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    /** An alert's details that have a value ({@link #present}), each under the field {@code name} gives its key. */
    static void details(JsonGenerator g, Map<String, Object> details, UnaryOperator<String> name) throws IOException {
        for (Map.Entry<String, Object> e : details.entrySet()) {
            if (present(e.getValue())) {
                g.writeFieldName(name.apply(e.getKey()));
                writeDetail(g, e.getValue());
            }
        }
    }

    /** Whether a detail has a value to write: not null, not a number that is not finite (a detail without is left out). */
    static boolean present(Object v) {
        return v != null && !(v instanceof Double d && !Double.isFinite(d)) && !(v instanceof Float f && !Float.isFinite(f));
    }

    /**
     * Writes one value of an alert's details: a number, string, boolean or a list of those (a list
     * nested in a list is written as a list too). A number that is not finite, and {@code null}, are
     * written as {@code null}; any other object as its text.
     */
    static void writeDetail(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeNull();
            }
        } else if (v instanceof java.math.BigDecimal d) {
            g.writeNumber(d);
        } else if (v instanceof java.math.BigInteger i) {
            g.writeNumber(i);
        } else if (v instanceof Iterable<?> list) {
            g.writeStartArray();
            for (Object x : list) {
                writeDetail(g, x);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }
}
