package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.ScanEvidence;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Writes records as JSON lines, one object per line, in the form a {@link RecordEncoder} gives them:
 * portwatch's records ({@code port_stats}, {@code service}, {@code scan_evidence}, {@code window},
 * {@code flow}, {@code summary}, {@code alert}, as {@code src/schema/portwatch-records.schema.json}
 * describes) or ECS documents. Per window its busiest ports, its services and its scan evidence, then one
 * {@code window} record with its totals. Flushes when a window closes, after each alert
 * and at the summary, so a consumer reading a pipe sees each window as it closes and each alert at once.
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
    private final RecordEncoder encoder;
    private final int topN;

    /**
     * portwatch's JSON records.
     *
     * @param out    where the lines go (UTF-8)
     * @param sensor this sensor's name, written into every record
     * @param topN   at most this many ports per window, busiest first; 0 for all
     */
    public JsonLinesSink(OutputStream out, String sensor, int topN) {
        this(out, RecordEncoder.json(sensor), topN);
    }

    /**
     * @param out     where the lines go (UTF-8)
     * @param encoder the record format
     * @param topN    at most this many ports per window, busiest first; 0 for all
     */
    public JsonLinesSink(OutputStream out, RecordEncoder encoder, int topN) {
        Objects.requireNonNull(out, "out");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        if (topN < 0) {
            throw new IllegalArgumentException("topN must be 0 (all) or positive, not " + topN);
        }
        this.topN = topN;
        try {
            this.gen = newGenerator(out);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** A generator writing objects back to back (each caller ends them as it needs). */
    static JsonGenerator newGenerator(OutputStream out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
        return g;
    }

    @Override
    public void window(WindowReport report) {
        try {
            for (PortStats p : report.top(topN)) {
                encoder.portStats(gen, report, p);
                gen.writeRaw('\n');
            }
            for (ServiceStats s : report.services()) {
                encoder.service(gen, report, s);
                gen.writeRaw('\n');
            }
            for (ScanEvidence e : report.scanEvidence()) {
                encoder.scanEvidence(gen, report, e);
                gen.writeRaw('\n');
            }
            encoder.window(gen, report);
            gen.writeRaw('\n');
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void flow(FlowRecord f) {
        try {
            encoder.flow(gen, f);
            gen.writeRaw('\n');
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void alert(Alert a) {
        try {
            encoder.alert(gen, a);
            gen.writeRaw('\n');
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    @Override
    public void summary(Summary s) {
        try {
            encoder.summary(gen, s);
            gen.writeRaw('\n');
            gen.flush();
        } catch (IOException e) {
            throw failed(e);
        }
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
