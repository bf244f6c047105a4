package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.Transport;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.analysis.ports.IanaServices;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Elastic Common Schema (8.x) documents. Flows are events ({@code event.kind: event}, category
 * {@code network}, type {@code connection, end}); port statistics, windows and summaries are metrics
 * ({@code event.kind: metric}, type {@code info}). {@code @timestamp} is the start of what the document
 * covers (the window, the flow, the run), {@code event.start}/{@code event.end}/{@code event.duration}
 * (nanoseconds) its span. For flows and ports the client is the source and the server the destination;
 * {@code source.bytes} are the bytes the client sent. Counters ECS has no field for are under
 * {@code portwatch.*}. Alerts are {@code event.kind: alert} (category {@code network, intrusion_detection},
 * type {@code info}, dataset {@code portwatch.alert}, action and {@code rule.name} the alert's kind),
 * stamped with the alert's time, its source and target as {@code source.ip} and {@code destination.ip},
 * its details under {@code portwatch.alert.*}. A source's scan evidence is a metric of its window (category
 * {@code network, intrusion_detection}, dataset {@code portwatch.scan_evidence}), the source as
 * {@code source.ip}, the counts under {@code portwatch.*}. docs/output.md lists every field.
 */
final class EcsRecordEncoder extends RecordEncoder {

    /** The ECS version the documents follow. */
    static final String ECS_VERSION = "8.11.0";

    private final String sensor;
    private final boolean live;
    private final Clock clock;

    EcsRecordEncoder(String sensor, boolean live, Clock clock) {
        this.sensor = Objects.requireNonNull(sensor, "sensor");
        this.live = live;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void portStats(JsonGenerator g, WindowReport w, PortStats p) throws IOException {
        windowHead(g, "metric", "portwatch.ports", w);
        side(g, "source", null, -1, p.bytesToServer(), p.packetsToServer());
        side(g, "destination", null, p.port(), p.bytesToClient(), p.packetsToClient());
        side(g, "client", null, -1, p.bytesToServer(), p.packetsToServer());
        side(g, "server", null, p.port(), p.bytesToClient(), p.packetsToClient());
        g.writeObjectFieldStart("network");
        g.writeStringField("transport", p.transport().key());
        g.writeStringField("iana_number", ianaNumber(p.transport()));
        g.writeNumberField("bytes", p.bytes());
        g.writeNumberField("packets", p.packets());
        g.writeEndObject();
        service(g, p.service());
        portwatchHead(g, "port_stats", w.input());
        RecordFields.portCounts(g, p, false);
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void service(JsonGenerator g, WindowReport w, ServiceStats s) throws IOException {
        windowHead(g, "state", "portwatch.service", w);
        side(g, "destination", s.address(), s.port(), -1, -1);
        side(g, "server", s.address(), s.port(), -1, -1);
        g.writeObjectFieldStart("network");
        g.writeStringField("transport", s.transport().key());
        g.writeStringField("iana_number", ianaNumber(s.transport()));
        if (s.hasTraffic()) {
            g.writeNumberField("bytes", s.bytes());
            g.writeNumberField("packets", s.packets());
        }
        g.writeEndObject();
        service(g, s.service());
        portwatchHead(g, "service", w.input());
        RecordFields.serviceCounts(g, s);
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void scanEvidence(JsonGenerator g, WindowReport w, ScanEvidence e) throws IOException {
        g.writeStartObject();
        head(g, windowStart(w));
        g.writeObjectFieldStart("event");
        g.writeStringField("kind", "metric");
        intrusionCategory(g);
        g.writeStringField("dataset", "portwatch.scan_evidence");
        g.writeStringField("module", "portwatch");
        g.writeStringField("start", windowStart(w));
        g.writeStringField("end", windowEnd(w));
        g.writeNumberField("duration", w.endNanos() - w.startNanos());
        g.writeEndObject();
        observer(g, w.input());
        g.writeObjectFieldStart("source");
        g.writeStringField("ip", e.source());
        g.writeEndObject();
        g.writeObjectFieldStart("network");
        g.writeStringField("transport", e.transport().key());
        g.writeStringField("iana_number", ianaNumber(e.transport()));
        g.writeEndObject();
        g.writeObjectFieldStart("related");
        g.writeArrayFieldStart("ip");
        g.writeString(e.source());
        g.writeEndArray();
        g.writeEndObject();
        portwatchHead(g, "scan_evidence", w.input());
        RecordFields.evidenceCounts(g, e);
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void window(JsonGenerator g, WindowReport w) throws IOException {
        windowHead(g, "metric", "portwatch.window", w);
        g.writeObjectFieldStart("network");
        g.writeNumberField("bytes", w.bytes());
        g.writeNumberField("packets", w.packets());
        g.writeEndObject();
        portwatchHead(g, "window", w.input());
        RecordFields.windowCounts(g, w);
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void flow(JsonGenerator g, FlowRecord f) throws IOException {
        String start = Formats.instant(f.startNanos());
        g.writeStartObject();
        head(g, start);
        g.writeObjectFieldStart("event");
        g.writeStringField("kind", "event");
        category(g);
        g.writeArrayFieldStart("type");
        g.writeString("connection");
        g.writeString("end");
        g.writeEndArray();
        g.writeStringField("dataset", "portwatch.flow");
        g.writeStringField("module", "portwatch");
        g.writeStringField("start", start);
        g.writeStringField("end", Formats.instant(f.endNanos()));
        g.writeNumberField("duration", f.endNanos() - f.startNanos());
        g.writeStringField("reason", f.endReason().key());
        g.writeEndObject();
        observer(g, f.input());
        side(g, "source", f.clientIp(), f.clientPort(), f.bytesToServer(), f.packetsToServer());
        side(g, "destination", f.serverIp(), f.serverPort(), f.bytesToClient(), f.packetsToClient());
        side(g, "client", f.clientIp(), f.clientPort(), f.bytesToServer(), f.packetsToServer());
        side(g, "server", f.serverIp(), f.serverPort(), f.bytesToClient(), f.packetsToClient());
        g.writeObjectFieldStart("network");
        g.writeStringField("transport", f.transport().key());
        g.writeStringField("type", f.clientIp().indexOf(':') >= 0 ? "ipv6" : "ipv4");
        g.writeStringField("iana_number", ianaNumber(f.transport()));
        g.writeNumberField("bytes", f.bytes());
        g.writeNumberField("packets", f.packets());
        g.writeStringField("community_id", f.communityId());
        if (f.vlanId() != FlowRecord.NO_VLAN) {
            g.writeObjectFieldStart("vlan");
            g.writeStringField("id", Integer.toString(f.vlanId())); // a keyword in ECS
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("related");
        g.writeArrayFieldStart("ip");
        g.writeString(f.clientIp());
        if (!f.serverIp().equals(f.clientIp())) {
            g.writeString(f.serverIp());
        }
        g.writeEndArray();
        g.writeEndObject();
        service(g, IanaServices.serviceName(f.transport().protocol(), f.serverPort()));
        portwatchHead(g, "flow", f.input());
        g.writeStringField("state", f.state());
        g.writeStringField("end_reason", f.endReason().key());
        RecordFields.tcpFlags(g, f);
        if (f.tunnel() != null) { // ECS has no tunnel fields (network.inner is an inner VLAN): portwatch's own
            g.writeObjectFieldStart("tunnel");
            g.writeStringField("kind", f.tunnel().kind().key());
            g.writeStringField("outer_source_ip", f.tunnel().outerSource());
            g.writeStringField("outer_destination_ip", f.tunnel().outerDestination());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void summary(JsonGenerator g, Summary s) throws IOException {
        boolean any = s.packets() > 0;
        String start = any ? Formats.instant(s.firstNanos()) : null;
        g.writeStartObject();
        if (any) {
            head(g, start);
            event(g, "metric", "info", "portwatch.summary", s.firstNanos(), s.lastNanos(), start,
                    Formats.instant(s.lastNanos()));
        } else {
            // no packet gave a time: the document is stamped when it is written
            Instant now = clock.instant();
            head(g, Formats.instant(now.getEpochSecond() * 1_000_000_000L + now.getNano()));
            g.writeObjectFieldStart("event");
            g.writeStringField("kind", "metric");
            category(g);
            g.writeArrayFieldStart("type");
            g.writeString("info");
            g.writeEndArray();
            g.writeStringField("dataset", "portwatch.summary");
            g.writeStringField("module", "portwatch");
            g.writeEndObject();
        }
        observer(g, s.input());
        g.writeObjectFieldStart("network");
        g.writeNumberField("bytes", s.bytes());
        g.writeNumberField("packets", s.packets());
        g.writeEndObject();
        portwatchHead(g, "summary", s.input());
        RecordFields.summaryCounts(g, s);
        // one type per field name across documents: the total here (a long, as in windows), the
        // reasons beside it
        g.writeNumberField("decode_errors", s.decodeErrorTotal());
        RecordFields.summaryFaults(g, s, "decode_errors_by_reason");
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * {@code event.severity} of an alert severity: the risk scores Elastic's detection rules give their
     * severities (low 21, medium 47, high 73, critical 99).
     */
    static int severityScore(Alert.Severity s) {
        return switch (s) {
            case LOW -> 21;
            case MEDIUM -> 47;
            case HIGH -> 73;
            case CRITICAL -> 99;
        };
    }

    @Override
    public void alert(JsonGenerator g, Alert a) throws IOException {
        g.writeStartObject();
        head(g, Formats.instant(a.timeNanos()));
        g.writeStringField("message", Formats.alertLine(a));
        g.writeObjectFieldStart("event");
        g.writeStringField("kind", "alert");
        intrusionCategory(g);
        g.writeStringField("dataset", "portwatch.alert");
        g.writeStringField("module", "portwatch");
        g.writeStringField("action", a.kind().key());
        g.writeNumberField("severity", severityScore(a.severity()));
        g.writeEndObject();
        g.writeObjectFieldStart("rule");
        g.writeStringField("name", a.kind().key());
        g.writeEndObject();
        observer(g, a.input());
        if (a.source() != null) {
            g.writeObjectFieldStart("source");
            g.writeStringField("ip", a.source());
            g.writeEndObject();
        }
        if (a.target() != null || a.port() != null) {
            g.writeObjectFieldStart("destination");
            if (a.target() != null) {
                g.writeStringField("ip", a.target());
            }
            if (a.port() != null) {
                g.writeNumberField("port", a.port().intValue());
            }
            g.writeEndObject();
        }
        if (a.transport() != null) {
            g.writeObjectFieldStart("network");
            g.writeStringField("transport", a.transport().key());
            g.writeStringField("iana_number", ianaNumber(a.transport()));
            g.writeEndObject();
        }
        if (a.source() != null || a.target() != null) {
            g.writeObjectFieldStart("related");
            g.writeArrayFieldStart("ip");
            if (a.source() != null) {
                g.writeString(a.source());
            }
            if (a.target() != null && !a.target().equals(a.source())) {
                g.writeString(a.target());
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        portwatchHead(g, "alert", a.input());
        g.writeStringField("severity", a.severity().key());
        g.writeObjectFieldStart("alert");
        RecordFields.details(g, a.details(), UnaryOperator.identity());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void head(JsonGenerator g, String timestamp) throws IOException {
        g.writeStringField("@timestamp", timestamp);
        g.writeObjectFieldStart("ecs");
        g.writeStringField("version", ECS_VERSION);
        g.writeEndObject();
    }

    private static void event(JsonGenerator g, String kind, String type, String dataset, long startNanos,
                              long endNanos, String start, String end) throws IOException {
        g.writeObjectFieldStart("event");
        g.writeStringField("kind", kind);
        category(g);
        g.writeArrayFieldStart("type");
        g.writeString(type);
        g.writeEndArray();
        g.writeStringField("dataset", dataset);
        g.writeStringField("module", "portwatch");
        g.writeStringField("start", start);
        g.writeStringField("end", end);
        g.writeNumberField("duration", endNanos - startNanos);
        g.writeEndObject();
    }

    private static void category(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("category");
        g.writeString("network");
        g.writeEndArray();
    }

    private void observer(JsonGenerator g, String input) throws IOException {
        g.writeObjectFieldStart("observer");
        g.writeStringField("hostname", sensor);
        g.writeStringField("type", "sensor");
        g.writeStringField("product", "portwatch");
        if (live) {
            g.writeObjectFieldStart("ingress");
            g.writeObjectFieldStart("interface");
            g.writeStringField("name", input);
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** One side of the traffic: address and port when known (port -1: none), what it sent. */
    private static void side(JsonGenerator g, String name, String ip, int port, long bytes, long packets)
            throws IOException {
        g.writeObjectFieldStart(name);
        if (ip != null) {
            g.writeStringField("ip", ip);
        }
        if (port >= 0) {
            g.writeNumberField("port", port);
        }
        if (bytes >= 0) {
            g.writeNumberField("bytes", bytes);
            g.writeNumberField("packets", packets);
        }
        g.writeEndObject();
    }

    private static void service(JsonGenerator g, String name) throws IOException {
        if (name != null) {
            g.writeObjectFieldStart("service");
            g.writeStringField("name", name);
            g.writeEndObject();
        }
    }

    /** Opens a document of a window: stamped with its start, its event of this kind and dataset, the observer. */
    private void windowHead(JsonGenerator g, String kind, String dataset, WindowReport w) throws IOException {
        g.writeStartObject();
        head(g, windowStart(w));
        event(g, kind, "info", dataset, w.startNanos(), w.endNanos(), windowStart(w), windowEnd(w));
        observer(g, w.input());
    }

    /** {@code event.category} {@code ["network","intrusion_detection"]} and {@code event.type} {@code ["info"]}. */
    private static void intrusionCategory(JsonGenerator g) throws IOException {
        g.writeArrayFieldStart("category");
        g.writeString("network");
        g.writeString("intrusion_detection");
        g.writeEndArray();
        g.writeArrayFieldStart("type");
        g.writeString("info");
        g.writeEndArray();
    }

    /** Opens the document's {@code portwatch} object: the JSON record's type and input. */
    private static void portwatchHead(JsonGenerator g, String type, String input) throws IOException {
        g.writeObjectFieldStart("portwatch");
        g.writeStringField("type", type);
        g.writeStringField("input", input);
    }

    private static String ianaNumber(Transport transport) {
        return Integer.toString(transport.protocol());
    }
}
