package io.portwatch.app.cli;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.Logging;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.SharedSink;
import io.portwatch.capture.libpcap.BpfCompiler;
import io.portwatch.capture.source.BpfFilter;
import io.portwatch.capture.source.BpfFilterSet;
import io.portwatch.capture.source.CaptureException;
import io.portwatch.capture.source.CaptureFileSource;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LibpcapFileSource;
import io.portwatch.capture.source.MergedSource;
import io.portwatch.capture.source.PacketSink;
import io.portwatch.capture.source.PacketSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** {@code portwatch read}: per-port statistics of capture files. */
@Command(name = "read",
        abbreviateSynopsis = true,
        footerHeading = "%nExamples:%n",
        footer = {"  portwatch read capture.pcap",
                "  portwatch read --interval 1m --format json --flows day*.pcap.gz > stats.jsonl",
                "  tcpdump -i eth0 -U -w - | portwatch read --interval 10s -",
                "  portwatch read --separate --filter 'tcp' sensor-*.pcap",
                "  portwatch read --config portwatch.yaml --kafka broker:9092 capture.pcap",
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
            "Memory: each analysis at work holds its own flow table (up to --max-flows flows, about 128 "
                    + "bytes each: 128 MiB at the default) and detector state (up to --detect-memory), so N "
                    + "at once may need N times that heap; lower --threads or --max-flows for large files "
                    + "on a small heap."})
    boolean separate;

    @Option(names = "--threads", paramLabel = "N",
            description = "With --separate: files analysed at once at most. Default: the processors available.")
    Integer threads;

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

    /** Written by the reading threads (only ever to {@link Main#EXIT_INPUT}). */
    private volatile int exit = Main.EXIT_OK;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (verbose) {
            Logging.verbose(true); // otherwise logback.xml says it all, read when something first logs
        }
        DetectConfig detection;
        try {
            detection = detect.toConfig(spec.commandLine(), false);
        } catch (PolicyException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        if (files.indexOf("-") != files.lastIndexOf("-")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "- (standard input) can be read only once");
        }
        if (threads != null && (threads < 1 || !separate)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    threads < 1 ? "--threads must be at least 1: " + threads : "--threads needs --separate");
        }
        AnalyzerConfig config = new AnalyzerConfig(intervalNanos == null ? 0 : intervalNanos,
                flowOptions.toConfig(spec.commandLine()), output.flows, detection);

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
            sink = output.open(spec.commandLine(), false);
        } catch (OutputUnavailableException e) {
            err.println("portwatch: " + e.getMessage());
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        }
        try {
            int processors = Runtime.getRuntime().availableProcessors();
            int parallel = Math.min(files.size(), threads != null ? threads : processors);
            // One capture at a time: its detectors (and the output) take a second core, if there is one.
            AnalyzerConfig single = config.withDetectionThread(processors > 1);
            if (separate && parallel > 1) {
                new SeparateRun(config, new SharedSink(sink), err).run(parallel);
            } else if (separate) {
                for (String f : files) {
                    TrafficAnalyzer a = new TrafficAnalyzer(single, f, sink);
                    readInto(f, a, filters, err, null);
                    a.finish();
                }
            } else if (files.size() > 1) {
                TrafficAnalyzer a = new TrafficAnalyzer(single, String.join(",", files), sink);
                Consumer<CaptureException> faults = e -> fault(e.getMessage(), a, err);
                try (MergedSource merged = reader == Reader.libpcap ? LibpcapFileSource.merge(files, filter, faults)
                        : MergedSource.java(files, faults)) {
                    merged.run(target(a, filters));
                }
                a.finish();
            } else {
                TrafficAnalyzer a = new TrafficAnalyzer(single, files.get(0), sink);
                readInto(files.get(0), a, filters, err, null);
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

    /**
     * Reads one input into an analyzer.
     *
     * @param run the parallel run this read is part of (it may stop the source), or null
     * @return false when the run stopped the read before the end
     */
    private boolean readInto(String file, TrafficAnalyzer analyzer, BpfFilterSet filters, PrintWriter err,
                             SeparateRun run) {
        PacketSink target = target(analyzer, filters);
        try (PacketSource source = open(file)) {
            if (run == null) {
                source.run(target);
                return true;
            }
            run.sources.add(source);
            try {
                if (!run.stopped) {
                    source.run(target);
                }
            } finally {
                run.sources.remove(source);
            }
            return !run.stopped;
        } catch (CaptureException e) {
            fault(e.getMessage(), analyzer, err);
            return run == null || !run.stopped;
        }
    }

    /** Where the frames go: the analyzer, behind the Java reader's filter when there is one. */
    private PacketSink target(TrafficAnalyzer analyzer, BpfFilterSet filters) {
        if (filters == null || reader != Reader.java) {
            return analyzer;
        }
        return (lt, ts, buf, off, cap, orig) -> {
            if (filters.matches(lt, buf, off, cap, orig)) {
                analyzer.onPacket(lt, ts, buf, off, cap, orig);
            }
        };
    }

    private PacketSource open(String file) throws CaptureException {
        return reader == Reader.libpcap ? LibpcapFileSource.open(file, filter) : CaptureFileSource.open(file);
    }

    private void fault(String message, TrafficAnalyzer analyzer, PrintWriter err) {
        synchronized (err) {
            err.println("portwatch: " + message);
            err.flush();
        }
        analyzer.inputError(message);
        exit = Main.EXIT_INPUT;
    }

    /**
     * {@code --separate} with several files on a fixed pool of threads: each file is read by one task
     * into an analyzer of its own, which writes to a lane of the shared sink. An input fault ends only
     * its file; a failure of the output (or an internal error) stops every file being read, and the
     * files not started are skipped.
     */
    private final class SeparateRun {

        private final AnalyzerConfig config;
        private final SharedSink sink;
        private final PrintWriter err;
        /** The sources being read now, so that a failure can stop them. */
        final Set<PacketSource> sources = ConcurrentHashMap.newKeySet();
        volatile boolean stopped;
        /** Filter messages said so far: each once per run, as one filter set would. */
        private final Set<String> said = ConcurrentHashMap.newKeySet();

        SeparateRun(AnalyzerConfig config, SharedSink sink, PrintWriter err) {
            this.config = config;
            this.sink = sink;
            this.err = err;
        }

        void run(int threads) {
            AtomicInteger n = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "portwatch-read-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            List<Future<?>> tasks = new ArrayList<>();
            try {
                for (String f : files) {
                    tasks.add(pool.submit(() -> analyse(f)));
                }
            } finally {
                pool.shutdown();
            }
            Throwable first = null;
            for (Future<?> t : tasks) {
                try {
                    t.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stop();
                    first = first != null ? first : new IllegalStateException("interrupted");
                    break;
                }
            }
            if (first instanceof RuntimeException e) {
                throw e;
            }
            if (first instanceof Error e) {
                throw e;
            }
        }

        private void analyse(String file) {
            if (stopped) {
                return;
            }
            try {
                TrafficAnalyzer a = new TrafficAnalyzer(config, file, sink.lane());
                if (readInto(file, a, filters(), err, this)) {
                    a.finish();
                }
            } catch (RuntimeException | Error e) {
                stop();
                throw e;
            }
        }

        /** A filter set of this task's own (a set is not thread-safe), or null without --filter. */
        private BpfFilterSet filters() {
            if (filter == null || reader != Reader.java) {
                return null;
            }
            try {
                return BpfFilterSet.compile(filter, BpfFilter.DEFAULT_SNAPLEN, BpfCompiler::compile, msg -> {
                    if (said.add(msg)) {
                        synchronized (err) {
                            err.println("portwatch: " + msg);
                            err.flush();
                        }
                    }
                });
            } catch (CaptureException e) {
                // compiled once already before the run, so this is not the expression's fault
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        private void stop() {
            stopped = true;
            for (PacketSource s : sources) {
                s.stop();
            }
        }
    }
}
