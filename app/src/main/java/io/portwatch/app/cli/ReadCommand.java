package io.portwatch.app.cli;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.Logging;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.source.Libpcap;
import io.portwatch.capture.source.LibpcapFileSource;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
                "  tcpdump -i eth0 -w - | portwatch read --interval 10s -",
                "  portwatch read --separate --filter 'tcp' sensor-*.pcap",
                "  portwatch read --config portwatch.yaml --kafka broker:9092 capture.pcap",
                "", HelpText.VALUES, HelpText.CONFIG,
                HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_1, HelpText.EXIT_2, HelpText.EXIT_3,
                HelpText.EXIT_70},
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {"Analyse capture files (pcap, pcapng, gzip-compressed, or - for standard input) "
                + "and report per-port statistics.",
                "Several files are one capture, in the order given (as tcpdump's rotation writes them), "
                        + "unless --separate is given."})
public final class ReadCommand implements Callable<Integer> {

    /** Capture file readers. */
    public enum Reader { java, libpcap }

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Capture files; - reads standard input.")
    List<String> files;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Tumbling windows aligned on packet time, e.g. 500ms, 10s, 5m. "
                    + "Default: one window of the whole input.")
    Long intervalNanos;

    @Option(names = "--filter", paramLabel = "BPF", description = "Only frames matching this libpcap filter, e.g. 'tcp port 80'.")
    String filter;

    @Option(names = "--reader", paramLabel = "READER",
            description = "java (pure Java, the default: needs no libpcap) or libpcap (through pcap4j).",
            defaultValue = "java")
    Reader reader;

    @Option(names = "--separate", negatable = true, description = "Report each file on its own instead of as one capture.")
    boolean separate;

    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Mixin
    OutputOptions output;

    @CommandLine.Mixin
    FlowOptions flowOptions;

    @CommandLine.Mixin
    DetectOptions detect;

    @Option(names = "--verbose", negatable = true, description = "Say more about faults (stack traces of internal errors, Kafka client logs).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private int exit = Main.EXIT_OK;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Logging.verbose(verbose);
        DetectConfig detection;
        try {
            detection = detect.toConfig(spec.commandLine(), false);
        } catch (PolicyException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        AnalyzerConfig config = new AnalyzerConfig(intervalNanos == null ? 0 : intervalNanos,
                flowOptions.toConfig(spec.commandLine()), output.flows, detection);

        BpfFilterSet filters = null;
        if (filter != null || reader == Reader.libpcap) {
            try {
                Libpcap.load();
                if (filter != null) {
                    final PrintWriter e = err;
                    filters = BpfFilterSet.compile(filter, BpfFilter.DEFAULT_SNAPLEN, msg -> {
                        e.println("portwatch: " + msg);
                        e.flush();
                    });
                }
            } catch (CaptureException e) {
                err.println("portwatch: " + e.getMessage());
                err.flush();
                return e.getMessage().startsWith("libpcap not found") ? Main.EXIT_UNAVAILABLE : Main.EXIT_USAGE;
            }
        }

        RecordSink sink;
        try {
            output.alerts = detect.enabled();
            sink = output.open(spec.commandLine(), false);
        } catch (OutputUnavailableException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        }
        try {
            if (separate) {
                for (String f : files) {
                    TrafficAnalyzer a = new TrafficAnalyzer(config, f, sink);
                    readInto(f, a, filters, err);
                    a.finish();
                }
            } else {
                TrafficAnalyzer a = new TrafficAnalyzer(config, String.join(",", files), sink);
                for (String f : files) {
                    readInto(f, a, filters, err);
                }
                a.finish();
            }
            sink.close();
            int saved = detect.saveBaseline(detection, err);
            if (exit == Main.EXIT_OK) {
                exit = saved;
            }
        } catch (UncheckedIOException e) {
            // The reader of our output went away (a closed pipe: `portwatch read ... | head`) or the
            // output cannot be written (disk full): stop, as other command-line tools do.
            if (!OutputOptions.isBrokenPipe(e)) {
                err.println("portwatch: cannot write the output: "
                        + String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
                err.flush();
                return Main.EXIT_UNAVAILABLE;
            }
            return exit;
        }
        err.flush();
        return exit;
    }

    private void readInto(String file, TrafficAnalyzer analyzer, BpfFilterSet filters, PrintWriter err) {
        PacketSink target = analyzer;
        if (filters != null && reader == Reader.java) {
            final BpfFilterSet f = filters;
            target = (lt, ts, buf, off, cap, orig) -> {
                if (f.matches(lt, buf, off, cap, orig)) {
                    analyzer.onPacket(lt, ts, buf, off, cap, orig);
                }
            };
        }
        try (PacketSource source = open(file)) {
            source.run(target);
        } catch (CaptureException e) {
            fault(e.getMessage(), analyzer, err);
        }
    }

    private PacketSource open(String file) throws CaptureException {
        return reader == Reader.libpcap ? LibpcapFileSource.open(file, filter) : CaptureFileSource.open(file);
    }

    private void fault(String message, TrafficAnalyzer analyzer, PrintWriter err) {
        err.println("portwatch: " + message);
        err.flush();
        analyzer.inputError(message);
        exit = Main.EXIT_INPUT;
    }
}
