package io.portwatch.app.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.portwatch.analysis.output.Alert;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.PortStats;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.ServiceStats;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.app.sink.RecordEncoder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feeds a {@link WebModel} with the records of a run, written by the same encoder as {@code --format
 * json} ({@link RecordEncoder#json}), so that the web view and the report show exactly what the JSON
 * output says. It runs where the other outputs run: behind the output's queue in {@code live} (never
 * on a capture thread), on the reading thread's output in {@code read}. It never waits for a browser:
 * the model only keeps references, and browsers read it on threads of their own. Flow records are not
 * kept (the view shows ports, not flows), nor are the port records' sketches (up to 5 KiB a port, for
 * merging elsewhere: an hour of windows would hold a hundred MiB of them).
 */
public final class WebSink implements RecordSink {

    private static final JsonFactory FACTORY = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();

    private final WebModel model;
    private final RecordEncoder encoder;
    private final StringWriter text = new StringWriter(4096);
    private final JsonGenerator gen;
    private final boolean endModel;

    /**
     * @param model    where the records go
     * @param sensor   the sensor's name, in every record
     * @param endModel whether closing this sink ends the model (its followers then stop)
     */
    public WebSink(WebModel model, String sensor, boolean endModel) {
        this.model = model;
        this.encoder = RecordEncoder.json(sensor);
        this.endModel = endModel;
        try {
            this.gen = FACTORY.createGenerator(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gen.setRootValueSeparator(null);
    }

    /** The text the generator wrote since the last call. */
    private String take() throws IOException {
        gen.flush();
        String s = text.toString();
        text.getBuffer().setLength(0);
        return s;
    }

    @Override
    public void window(WindowReport w) {
        try {
            List<PortStats> top = w.top(model.limits().portsLatest());
            List<String> ports = new ArrayList<>(top.size());
            for (PortStats p : top) {
                encoder.portStats(gen, w, p.withSketches(null)); // their sketches are for machines, and large
                ports.add(take());
            }
            encoder.window(gen, w);
            String record = take();
            Map<String, String> services = new LinkedHashMap<>();
            for (ServiceStats s : w.services()) {
                encoder.service(gen, w, s);
                services.put(s.transport().key() + "/" + s.address() + "/" + s.port(), take());
            }
            model.window(w.input(), w.endNanos(), record, ports, w.ports().size(), services);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void flow(FlowRecord flow) {
    }

    @Override
    public void alert(Alert a) {
        try {
            encoder.alert(gen, a);
            String record = take();
            model.alert(record);
            if (a.kind() == Alert.Kind.NEW_SERVICE) {
                model.service(a.transport().key() + "/" + a.target() + "/" + a.port(), record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void summary(Summary s) {
        try {
            encoder.summary(gen, s);
            model.summary(take());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (endModel) {
            model.end();
        }
    }
}
