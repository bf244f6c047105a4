package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;

/**
 * portwatch's JSON records ({@code port_stats}, {@code service}, {@code scan_evidence}, {@code window},
 * {@code flow}, {@code summary}, {@code alert}) in the form {@code src/schema/portwatch-records.schema.json} describes.
 */
final class JsonRecordEncoder extends RecordEncoder {

    /** The fields every alert record has; a detail of the same name is written as {@code detail_<name>}. */
    static final Set<String> ALERT_FIELDS = Set.of("type", "sensor", "input", "kind", "time", "source", "target",
            "transport", "port", "severity");

    private final String sensor;

    JsonRecordEncoder(String sensor) {
        this.sensor = Objects.requireNonNull(sensor, "sensor");
    }

    @Override
    public void window(JsonGenerator gen, WindowReport w) throws IOException {
        windowHead(gen, "window", w);
        gen.writeNumberField("packets", w.packets());
        gen.writeNumberField("bytes", w.bytes());
        RecordFields.windowCounts(gen, w);
        gen.writeEndObject();
    }

    @Override
    public void portStats(JsonGenerator gen, WindowReport w, PortStats p) throws IOException {
        windowHead(gen, "port_stats", w);
        gen.writeStringField("transport", p.transport().key());
        gen.writeNumberField("port", p.port());
        gen.writeStringField("service", p.service());
        RecordFields.portCounts(gen, p, true);
        gen.writeEndObject();
    }

    @Override
    public void service(JsonGenerator gen, WindowReport w, ServiceStats s) throws IOException {
        windowHead(gen, "service", w);
        gen.writeStringField("transport", s.transport().key());
        gen.writeStringField("address", s.address());
        gen.writeNumberField("port", s.port());
        gen.writeStringField("service", s.service());
        RecordFields.serviceCounts(gen, s);
        if (s.hasTraffic()) {
            gen.writeNumberField("packets", s.packets());
            gen.writeNumberField("bytes", s.bytes());
        } else {
            gen.writeNullField("packets");
            gen.writeNullField("bytes");
        }
        gen.writeEndObject();
    }

    @Override
    public void scanEvidence(JsonGenerator gen, WindowReport w, ScanEvidence e) throws IOException {
        windowHead(gen, "scan_evidence", w);
        gen.writeStringField("source", e.source());
        gen.writeStringField("transport", e.transport().key());
        RecordFields.evidenceCounts(gen, e);
        gen.writeEndObject();
    }

    @Override
    public void flow(JsonGenerator gen, FlowRecord f) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "flow");
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", f.input());
        gen.writeStringField("community_id", f.communityId());
        gen.writeStringField("transport", f.transport().key());
        gen.writeStringField("client_ip", f.clientIp());
        gen.writeNumberField("client_port", f.clientPort());
        gen.writeStringField("server_ip", f.serverIp());
        gen.writeNumberField("server_port", f.serverPort());
        gen.writeStringField("start", Formats.instant(f.startNanos()));
        gen.writeStringField("end", Formats.instant(f.endNanos()));
        gen.writeFieldName("duration");
        gen.writeNumber(Formats.seconds(f.endNanos() - f.startNanos()));
        gen.writeNumberField("packets_to_server", f.packetsToServer());
        gen.writeNumberField("packets_to_client", f.packetsToClient());
        gen.writeNumberField("bytes_to_server", f.bytesToServer());
        gen.writeNumberField("bytes_to_client", f.bytesToClient());
        gen.writeNumberField("packets", f.packets());
        gen.writeNumberField("bytes", f.bytes());
        RecordFields.tcpFlags(gen, f);
        gen.writeStringField("state", f.state());
        gen.writeStringField("end_reason", f.endReason().key());
        if (f.vlanId() != FlowRecord.NO_VLAN) {
            gen.writeNumberField("vlan", f.vlanId());
        }
        if (f.tunnel() != null) {
            gen.writeObjectFieldStart("tunnel");
            gen.writeStringField("kind", f.tunnel().kind().key());
            gen.writeStringField("outer_source_ip", f.tunnel().outerSource());
            gen.writeStringField("outer_destination_ip", f.tunnel().outerDestination());
            gen.writeEndObject();
        }
        gen.writeEndObject();
    }

    @Override
    public void summary(JsonGenerator gen, Summary s) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "summary");
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", s.input());
        gen.writeStringField("start", s.packets() == 0 ? null : Formats.instant(s.firstNanos()));
        gen.writeStringField("end", s.packets() == 0 ? null : Formats.instant(s.lastNanos()));
        gen.writeNumberField("packets", s.packets());
        gen.writeNumberField("bytes", s.bytes());
        RecordFields.summaryCounts(gen, s);
        RecordFields.summaryFaults(gen, s, "decode_errors");
        gen.writeEndObject();
    }

    @Override
    public void alert(JsonGenerator gen, Alert a) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "alert");
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", a.input());
        gen.writeStringField("kind", a.kind().key());
        gen.writeStringField("time", Formats.instant(a.timeNanos()));
        gen.writeStringField("source", a.source());
        gen.writeStringField("target", a.target());
        gen.writeStringField("transport", a.transport() == null ? null : a.transport().key());
        gen.writeFieldName("port");
        if (a.port() == null) {
            gen.writeNull();
        } else {
            gen.writeNumber(a.port().intValue());
        }
        gen.writeStringField("severity", a.severity().key());
        RecordFields.details(gen, a.details(), JsonRecordEncoder::detailName);
        gen.writeEndObject();
    }

    /** Opens a record of a window ({@code window}, {@code port_stats}, {@code service}, {@code scan_evidence}): its type, sensor, input and span. */
    private void windowHead(JsonGenerator gen, String type, WindowReport w) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", type);
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", w.input());
        gen.writeStringField("window_start", windowStart(w));
        gen.writeStringField("window_end", windowEnd(w));
    }

    /** The field name of a detail: its own, unless an alert field has it. */
    static String detailName(String key) {
        return ALERT_FIELDS.contains(key) ? "detail_" + key : key;
    }
}
