package io.portwatch.app.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
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

    /** A window's own record, with its totals. */
    public abstract void window(JsonGenerator g, WindowReport w) throws IOException;

    /** A finished flow. */
    public abstract void flow(JsonGenerator g, FlowRecord f) throws IOException;

    /** The summary of a run. */
    public abstract void summary(JsonGenerator g, Summary s) throws IOException;

    /** An alert a detector raised. */
    public abstract void alert(JsonGenerator g, Alert a) throws IOException;

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
