package io.portwatch.app.web;

import io.portwatch.analysis.output.RecordSink;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code read --report FILE}, as a picocli mixin, and the report's run: the file is opened before anything
 * is read (a path that cannot be written is said at once, on one line), the interval chosen when
 * {@code --interval} is not given, the records gathered by a {@link WebSink} beside the other outputs, and
 * the page written when the run ends.
 */
public final class ReportOption {

    @Option(names = "--report", paramLabel = "FILE",
            description = "Also write the capture's web view as one self-contained HTML file (it opens offline): "
                    + "top ports over time, the ports, each port's clients and servers, alerts with their "
                    + "evidence, exposed services, the summary. Without --interval, windows are chosen so "
                    + "that the time series has one to two hundred points, for every output of the run. Alone "
                    + "(without --format or --kafka) nothing else is written.")
    Path report;

    private OutputStream out;
    private WebModel model;
    private WebSink sink;
    private List<String> inputs;
    private long intervalNanos;
    private boolean chosen;

    /** Whether {@code --report} was given. */
    public boolean enabled() {
        return report != null;
    }

    /** The report's path. */
    public Path path() {
        return report;
    }

    /**
     * The window length of the run: {@code given} (from {@code --interval}), or one chosen from a quick pass
     * over the files (standard input cannot be read twice: it needs {@code --interval}).
     *
     * @param given the interval given, or null
     * @throws CommandLine.ParameterException when standard input is read without {@code --interval}
     */
    public long interval(CommandLine cmd, List<String> files, Long given) {
        if (given != null) {
            return given;
        }
        if (files.contains("-")) {
            throw new CommandLine.ParameterException(cmd,
                    "--report of standard input needs --interval (the input cannot be read twice to choose one)");
        }
        long[] span = ReportInterval.span(files);
        chosen = true;
        return span == null ? 1_000_000_000L : ReportInterval.choose(span[0], span[1]);
    }

    /** Whether the interval was chosen by {@link #interval}. */
    public boolean chosen() {
        return chosen;
    }

    /**
     * Opens the report's file and returns the sink that gathers its records.
     *
     * @throws IOException with a one-line message naming the file when it cannot be written
     */
    public RecordSink open(List<String> files, long interval, String sensor) throws IOException {
        try {
            out = new BufferedOutputStream(Files.newOutputStream(report), 1 << 16);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot write the report " + report + ": " + io.portwatch.app.IoErrors.reason(e), e);
        }
        inputs = List.copyOf(files);
        intervalNanos = interval;
        model = new WebModel(WebModel.Limits.report(), "report", sensor, interval);
        sink = new WebSink(model, sensor, false);
        return sink;
    }

    /**
     * Writes the page once the run has ended, and closes the file.
     *
     * @throws UncheckedIOException with a message naming the file when it cannot be written (a full disk)
     */
    public void write() {
        try (OutputStream o = out) {
            HtmlReport.write(o, model, inputs, intervalNanos, chosen);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + report + ": " + io.portwatch.app.IoErrors.reason(e), e);
        }
    }

    /** Windows in the report. */
    public int windows() {
        return model.windows();
    }
}
