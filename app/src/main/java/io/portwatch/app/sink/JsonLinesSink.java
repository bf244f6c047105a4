package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.ports.PortStats;
import io.portwatch.analysis.ports.TcpCounts;
import io.portwatch.analysis.ports.WindowReport;
import io.portwatch.capture.flow.FlowRecord;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes records as JSON lines, one object per line ({@code port_stats}, {@code window}, {@code flow},
 * {@code summary}), in the form {@code src/schema/portwatch-records.schema.json} describes: per window its
 * busiest ports, then one {@code window} record with its totals. Flushes when a window closes and
 * at the summary, so a consumer reading a pipe sees each window as it closes.
 *
 * <p>Not thread-safe: call it from one thread (the analysis thread). {@link #close()} flushes but leaves
 * the stream open (it belongs to the caller). A write that fails (a closed pipe, a full disk) is thrown
 * as {@link UncheckedIOException}: output that cannot be written should stop the run.
 */
public final class JsonLinesSink implements RecordSink {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private final JsonGenerator gen;
    private final String sensor;
    private final int topN;

    /**
     * @param out    where the lines go (UTF-8)
     * @param sensor this sensor's name, written into every record
     * @param topN   at most this many ports per window, busiest first; 0 for all
     */
    public JsonLinesSink(OutputStream out, String sensor, int topN) {
        Objects.requireNonNull(out, "out");
        this.sensor = Objects.requireNonNull(sensor, "sensor");
        if (topN < 0) {
            throw new IllegalArgumentException("topN must be 0 (all) or positive, not " + topN);
        }
        this.topN = topN;
        try {
            this.gen = FACTORY.createGenerator(out, JsonEncoding.UTF8);
            gen.setRootValueSeparator(null); // each line ends with '\n' instead
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON output: " + e.getMessage(), e);
        }
    }

    @Override
    public void window(WindowReport report) {
        List<PortStats> ports = Formats.busiestFirst(report.ports());
        int shown = Formats.shown(ports.size(), topN);
        String start = Formats.instant(report.startNanos());
        String end = Formats.instant(report.endNanos());
        try {
            for (int i = 0; i < shown; i++) {
                writePort(report.input(), start, end, ports.get(i));
            }
            writeWindow(report, start, end);
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void writeWindow(WindowReport w, String start, String end) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "window");
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", w.input());
        gen.writeStringField("window_start", start);
        gen.writeStringField("window_end", end);
        gen.writeNumberField("packets", w.packets());
        gen.writeNumberField("bytes", w.bytes());
        gen.writeNumberField("ports", w.ports().size());
        gen.writeNumberField("active_flows", w.activeFlows());
        gen.writeNumberField("decode_errors", w.decodeErrors());
        if (w.capture() != null) {
            gen.writeObjectFieldStart("capture");
            gen.writeNumberField("received", w.capture().received());
            gen.writeNumberField("dropped_kernel", w.capture().droppedByKernel());
            gen.writeNumberField("dropped_interface", w.capture().droppedByInterface());
            gen.writeEndObject();
        }
        gen.writeNumberField("output_dropped", w.outputDropped());
        gen.writeEndObject();
        gen.writeRaw('\n');
    }

    private void writePort(String input, String start, String end, PortStats p) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("type", "port_stats");
        gen.writeStringField("sensor", sensor);
        gen.writeStringField("input", input);
        gen.writeStringField("window_start", start);
        gen.writeStringField("window_end", end);
        gen.writeStringField("transport", p.transport());
        gen.writeNumberField("port", p.port());
        gen.writeStringField("service", p.service());
        gen.writeStringField("port_class", p.portClass().key());
        gen.writeNumberField("flows", p.flows());
        gen.writeNumberField("active_flows", p.activeFlows());
        gen.writeNumberField("packets", p.packets());
        gen.writeNumberField("bytes", p.bytes());
        gen.writeNumberField("packets_to_server", p.packetsToServer());
        gen.writeNumberField("packets_to_client", p.packetsToClient());
        gen.writeNumberField("bytes_to_server", p.bytesToServer());
        gen.writeNumberField("bytes_to_client", p.bytesToClient());
        gen.writeNumberField("unique_clients", p.uniqueClients());
        gen.writeNumberField("unique_servers", p.uniqueServers());
        TcpCounts t = p.tcp();
        if (t != null) {
            gen.writeObjectFieldStart("tcp");
            gen.writeNumberField("syn", t.syn());
            gen.writeNumberField("syn_ack", t.synAck());
            gen.writeNumberField("rst", t.rst());
            gen.writeNumberField("fin", t.fin());
            gen.writeNumberField("established", t.established());
            gen.writeNumberField("rejected", t.rejected());
            gen.writeNumberField("unanswered", t.unanswered());
            gen.writeEndObject();
        }
        endLine();
    }

    @Override
    public void flow(FlowRecord f) {
        try {
            gen.writeStartObject();
            gen.writeStringField("type", "flow");
            gen.writeStringField("sensor", sensor);
            gen.writeStringField("input", f.input());
            gen.writeStringField("community_id", f.communityId());
            gen.writeStringField("transport", f.transport());
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
            if ("tcp".equals(f.transport())) {
                gen.writeArrayFieldStart("tcp_flags");
                for (int i = 0; i < Formats.tcpFlagCount(); i++) {
                    String name = Formats.tcpFlagName(f.tcpFlags(), i);
                    if (name != null) {
                        gen.writeString(name);
                    }
                }
                gen.writeEndArray();
            }
            gen.writeStringField("state", f.state());
            gen.writeStringField("end_reason", f.endReason().key());
            endLine();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void summary(Summary s) {
        try {
            gen.writeStartObject();
            gen.writeStringField("type", "summary");
            gen.writeStringField("sensor", sensor);
            gen.writeStringField("input", s.input());
            gen.writeStringField("start", s.packets() == 0 ? null : Formats.instant(s.firstNanos()));
            gen.writeStringField("end", s.packets() == 0 ? null : Formats.instant(s.lastNanos()));
            gen.writeNumberField("packets", s.packets());
            gen.writeNumberField("bytes", s.bytes());
            gen.writeNumberField("tcp_packets", s.tcpPackets());
            gen.writeNumberField("udp_packets", s.udpPackets());
            gen.writeNumberField("fragments", s.fragmentPackets());
            gen.writeNumberField("other_ip_packets", s.otherIpPackets());
            gen.writeNumberField("non_ip_packets", s.nonIpPackets());
            gen.writeNumberField("flows", s.flows());
            gen.writeNumberField("flows_evicted", s.flowsEvicted());
            writeCounts("decode_errors", s.decodeErrors());
            writeCounts("unknown_link_types", s.unknownLinkTypes());
            gen.writeArrayFieldStart("input_errors");
            for (String e : s.inputErrors()) {
                gen.writeString(e);
            }
            gen.writeEndArray();
            endLine();
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void writeCounts(String name, Map<String, Long> counts) throws IOException {
        gen.writeObjectFieldStart(name);
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            gen.writeNumberField(e.getKey(), e.getValue());
        }
        gen.writeEndObject();
    }

    private void endLine() throws IOException {
        gen.writeEndObject();
        gen.writeRaw('\n');
    }

    @Override
    public void flush() {
        try {
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void close() {
        try {
            gen.close();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private static UncheckedIOException failed(IOException e) {
        return new UncheckedIOException("cannot write JSON output: " + e.getMessage(), e);
    }
}
