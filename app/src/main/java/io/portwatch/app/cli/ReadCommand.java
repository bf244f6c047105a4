package io.portwatch.app.cli;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.Logging;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.TeeSink;
import io.portwatch.app.sink.ipfix.IpfixExporter;
import io.portwatch.app.web.ReportInterval;
import io.portwatch.app.web.ReportOption;
import io.portwatch.capture.libpcap.BpfCompiler;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code portwatch read}: per-port statistics of capture files. */
@Command(name = "read",
        abbreviateSynopsis = true,
        footerHeading = "%nExamples:%n",
        footer = {"  portwatch read capture.pcap",
                "  portwatch read --interval 1m --format json --flows day*.pcap.gz > stats.jsonl",
                "  tcpdump -i eth0 -U -w - | portwatch read --interval 10s -",
                "  portwatch read --separate --filter 'tcp' sensor-*.pcap",
                "  portwatch read --config portwatch.yaml --kafka broker:9092 capture.pcap",
                "  portwatch read --report capture.html day*.pcap.gz",
                "  portwatch read --ipfix collector:4739 day*.pcap.gz",
                "", HelpText.VALUES, HelpText.CONFIG,
                HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_1, HelpText.EXIT_2, HelpText.EXIT_3,
                HelpText.EXIT_70},
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {"Analyse capture files (pcap, pcapng, either compressed with gzip, zstd or xz, or - for "
                + "standard input) and report per-port statistics.",
                "Several files are one capture, merged in time order as mergecap does (rotated files in the "
                        + "order of their first packets, whatever order a shell lists them in; overlapping "
                        + "files packet by packet), unless --separate is given."})
public final class ReadCommand implements Callable<Integer> {

    /** Capture file readers. */
    public enum Reader { java, libpcap }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files; - reads standard input.")
    List<String> files;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Tumbling windows aligned on packet time, e.g. 500ms, 10s, 5m; on a live pipe "
                    + "(its packets' times near the clock; the java reader) also closed on the clock while it "
                    + "is quiet, as live does. Default: one window of the whole input.")
    Long intervalNanos;

    @Option(names = "--filter", paramLabel = "BPF", description = "Only frames matching this libpcap filter, e.g. 'tcp port 80'.")
    String filter;

    @Option(names = "--reader", paramLabel = "READER",
            description = "java (pure Java, the default: needs no libpcap) or libpcap (through pcap4j).",
            defaultValue = "java")
    Reader reader;

    @Option(names = "--separate", negatable = true, description = {
            "Report each file on its own instead of as one capture. Several files are analysed at once "
                    + "(up to --threads), each by an analysis of its own: the records of different files "
                    + "interleave. Each record names its input; a file's records keep their order, and a "
                    + "window comes with the flows and alerts that ended in it.",
            "Memory: each analysis at work holds its own flow table (up to --max-flows flows, about 129 "
                    + "bytes each: 129 MiB at the default) and detector state (up to --detect-memory), so N "
                    + "at once may need N times that heap; lower --threads or --max-flows for large files "
                    + "on a small heap."})
    boolean separate;

    @Option(names = "--threads", paramLabel = "N",
            description = {"With --separate: files analysed at once at most. Default: the processors available.",
                    "Without it: threads that share the capture's flows out among them, by host pair (the reader "
                            + "hands each frame on); the records are those one thread gives. Default: 1. Each "
                            + "thread holds its share of --max-flows."})
    Integer threads;

    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Mixin
    OutputOptions output;

    @CommandLine.Mixin
    IpfixOptions ipfix;

    @CommandLine.Mixin
    FlowOptions flowOptions;

    @CommandLine.Mixin
    DetectOptions detect;

    @CommandLine.Mixin
    FleetKeyOption fleetKey;

    @CommandLine.Mixin
    ReportOption report;

    @Option(names = "--verbose", negatable = true, description = "Say more about faults (stack traces of internal errors, Kafka client logs).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private int exit = Main.EXIT_OK;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (verbose) {
            Logging.verbose(true); // otherwise logback.xml says it all, read when something first logs
        }
        DetectConfig detection;
        try {
            detection = detect.toConfig(spec.commandLine(), false, output.kafka != null);
        } catch (PolicyException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        if (files.indexOf("-") != files.lastIndexOf("-")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "- (standard input) can be read only once");
        }
        if (threads != null && threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1: " + threads);
        }
        Long interval = report.enabled() ? Long.valueOf(report.interval(spec.commandLine(), files, intervalNanos))
                : intervalNanos;
        AnalyzerConfig config = new AnalyzerConfig(interval == null ? 0 : interval,
                flowOptions.toConfig(spec.commandLine()), output.flows || ipfix.enabled(), detection)
                .withTopTalkers(output.topTalkers(spec.commandLine()))
                .withFleetKey(fleetKey.key(spec.commandLine(), System.getenv()))
                .withPortMemory(flowOptions.portMemory(spec.commandLine()))
                .withTunnels(flowOptions.tunnels(spec.commandLine()));

        BpfFilterSet filters = null;
        if (filter != null || reader == Reader.libpcap) {
            try {
                Libpcap.load();
                if (filter != null) {
                    final PrintWriter e = err;
                    filters = BpfFilterSet.compile(filter, BpfFilter.DEFAULT_SNAPLEN, BpfCompiler::compile, msg -> {
                        e.println("portwatch: " + msg);
                        e.flush();
                    });
                }
            } catch (CaptureException e) {
                err.println("portwatch: " + e.getMessage());
                err.flush();
                return e.reason() == CaptureException.Reason.UNAVAILABLE ? Main.EXIT_UNAVAILABLE : Main.EXIT_USAGE;
            }
        }

        RecordSink sink;
        try {
            output.alerts = detect.enabled();
            output.validate(spec.commandLine());
            ipfix.validate(spec.commandLine());
            RecordSink reportSink = report.enabled() ? report.open(files, interval, output.sensorName()) : null;
            // the report alone (no --format, no --kafka) writes nothing else
            sink = reportSink == null ? output.open(spec.commandLine(), false)
                    : output.format == null && output.kafka == null ? reportSink
                    : new TeeSink(List.of(output.open(spec.commandLine(), false), reportSink));
        } catch (OutputUnavailableException | IOException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        }
        IpfixExporter exporter = null;
        if (ipfix.enabled()) {
            try {
                exporter = ipfix.open(spec.commandLine(), output.sensorName(), err);
            } catch (OutputUnavailableException e) {
                sink.close();
                err.println("portwatch: " + e.getMessage());
                err.flush();
                return Main.EXIT_UNAVAILABLE;
            }
            sink = IpfixOptions.wrap(sink, exporter, output.flows, true, null);
        }
        if (report.chosen()) {
            err.println("portwatch: windows of " + ReportInterval.text(interval)
                    + " for the report (chosen for 100-200 points; --interval to choose)");
            err.flush();
        }
        try {
            exit = new ReadRun(files, reader == Reader.libpcap, filter, filters, config, separate, threads, err)
                    .run(sink);
            sink.close();
            IpfixOptions.sayLost(exporter, err);
            if (report.enabled()) {
                report.write();
            }
            int saved = detect.saveBaseline(detection, err);
            if (exit == Main.EXIT_OK) {
                exit = saved;
            }
        } catch (UncheckedIOException e) {
            // The reader of our output went away (a closed pipe: `portwatch read ... | head`) or the
            // output cannot be written (disk full): stop, as other command-line tools do.
            if (!OutputOptions.isBrokenPipe(e)) {
                err.println("portwatch: " + (e.getMessage() != null && e.getMessage().startsWith("cannot write the report")
                        ? e.getMessage() : "cannot write the output: "
                        + String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
                err.flush();
                return Main.EXIT_UNAVAILABLE;
            }
            return exit;
        }
        err.flush();
        return exit;
    }
}
