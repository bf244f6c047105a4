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
import java.time.Clock;
import java.util.Objects;

/**
 * Writes one record as one JSON object to a generator, in one of the output formats: the same encoder
 * serves standard output ({@link JsonLinesSink}) and Kafka ({@link KafkaSink}), so both carry the same
 * bytes. Not thread-safe: one encoder per sink.
 */
public abstract sealed class RecordEncoder permits JsonRecordEncoder, EcsRecordEncoder {

    /** Record formats. */
    public enum Format {
        /** portwatch's own records, as {@code src/schema/portwatch-records.schema.json} describes them. */
        json,
        /** Elastic Common Schema 8.x documents. */
        ecs
    }

    private WindowReport timesOf;
    private String start;
    private String end;

    RecordEncoder() {
    }

    /** portwatch's JSON records. */
    public static RecordEncoder json(String sensor) {
        return new JsonRecordEncoder(sensor);
    }

    /**
     * ECS documents.
     *
     * @param sensor the observer's name
     * @param live   whether inputs are interfaces (named in {@code observer.ingress.interface.name})
     * @param clock  gives {@code @timestamp} of a summary without packets
     */
    public static RecordEncoder ecs(String sensor, boolean live, Clock clock) {
        return new EcsRecordEncoder(sensor, live, clock);
    }

    /** The encoder of a format. */
    public static RecordEncoder of(Format format, String sensor, boolean live) {
        return Objects.requireNonNull(format, "format") == Format.json
                ? json(sensor) : ecs(sensor, live, Clock.systemUTC());
    }

    /** One port of a window: a {@code port_stats} record. */
    public abstract void portStats(JsonGenerator g, WindowReport w, PortStats p) throws IOException;

    /** An exposed service seen in a window: a {@code service} record. */
    public abstract void service(JsonGenerator g, WindowReport w, ServiceStats s) throws IOException;

    /** A source's scan evidence in a window: a {@code scan_evidence} record. */
    public abstract void scanEvidence(JsonGenerator g, WindowReport w, ScanEvidence e) throws IOException;

    /** A window's own record, with its totals. */
    public abstract void window(JsonGenerator g, WindowReport w) throws IOException;

    /** A finished flow. */
    public abstract void flow(JsonGenerator g, FlowRecord f) throws IOException;

    /** The summary of a run. */
    public abstract void summary(JsonGenerator g, Summary s) throws IOException;

    /** An alert a detector raised. */
    public abstract void alert(JsonGenerator g, Alert a) throws IOException;

    /** The window's start as text (computed once per window). */
    final String windowStart(WindowReport w) {
        times(w);
        return start;
    }

    /** The window's end as text (computed once per window). */
    final String windowEnd(WindowReport w) {
        times(w);
        return end;
    }

    private void times(WindowReport w) {
        if (w != timesOf) {
            start = Formats.instant(w.startNanos());
            end = Formats.instant(w.endNanos());
            timesOf = w;
        }
    }
}
