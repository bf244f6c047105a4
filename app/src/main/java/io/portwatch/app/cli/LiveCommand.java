package io.portwatch.app.cli;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.Logging;
import io.portwatch.app.metrics.MetricsOptions;
import io.portwatch.app.metrics.MetricsServer;
import io.portwatch.app.metrics.MetricsSink;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.QueuedSink;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LibpcapLiveSource;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code portwatch live}: per-port statistics of live interfaces, every interval, until stopped.
 *
 * <p>One capture thread per interface owns its analyzer (decoder, flow table, port table); records
 * go to the output through a bounded hand-off ({@link QueuedSink}), so output never runs on a capture
 * thread. SIGINT/SIGTERM stops capture (breakLoop, join, close), closes the open window and flows
 * (end_of_input), flushes the output and exits 0 (3 when records could not be delivered to Kafka); a second
 * signal exits at once.
 */
@Command(name = "live",
        abbreviateSynopsis = true,
        footerHeading = "%nExamples:%n",
        footer = {"  portwatch live -i eth0",
                "  portwatch live -i eth0 -i eth1 --interval 1m --format json --flows",
                "  portwatch live -i any --kafka broker:9092 --format ecs --metrics-port 9464",
                "  portwatch live --config /etc/portwatch/portwatch.yaml",
                "", HelpText.VALUES, HelpText.CONFIG,
                HelpText.EXIT_HEADING, HelpText.EXIT_0, HelpText.EXIT_1, HelpText.EXIT_2, HelpText.EXIT_3,
                HelpText.EXIT_70},
        sortOptions = false,
        mixinStandardHelpOptions = true,
        description = {"Capture on live interfaces and report per-port statistics every interval until stopped "
                + "(Ctrl-C or SIGTERM: the open window and flows are reported, then portwatch exits).",
                "Capturing needs root, or the capabilities: setcap cap_net_raw,cap_net_admin=eip <java binary>."})
public final class LiveCommand implements Callable<Integer> {

    @Option(names = {"-i", "--interface"}, paramLabel = "IFACE",
            description = "Interface to capture on (required, here or in the configuration file); repeat for "
                    + "several (see 'portwatch interfaces').")
    List<String> interfaces;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "Window length, aligned on the clock. Default: ${DEFAULT-VALUE}.")
    long intervalNanos;

    @Option(names = "--filter", paramLabel = "BPF", description = "libpcap capture filter, e.g. 'tcp or udp'.")
    String filter;

    @Option(names = "--snaplen", paramLabel = "BYTES", defaultValue = "256",
            description = "Bytes captured of each packet (headers are enough). Default: ${DEFAULT-VALUE}.")
    int snaplen;

    @Option(names = "--promisc", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Put the interface in promiscuous mode (--no-promisc: only traffic to this host). Default: on.")
    boolean promiscuous;

    @Option(names = "--buffer-size", paramLabel = "BYTES", converter = SizeConverter.class, defaultValue = "32MiB",
            description = "Kernel capture buffer, e.g. 4MiB, 64MiB: what waits while portwatch is busy (about "
                    + "160,000 packets of 128 bytes in 32MiB). Default: ${DEFAULT-VALUE}.")
    int bufferSize;

    @Option(names = "--immediate", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Deliver each packet as it arrives (a wakeup per packet: more CPU, drops sooner under "
                    + "load) rather than in kernel batches, each handed over when full or within "
                    + LiveOptions.DEFAULT_TIMEOUT_MILLIS + " ms. "
                    + "Default: off.")
    boolean immediate;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "65536",
            description = "Records that may wait for the output; beyond it they are dropped and counted. Default: ${DEFAULT-VALUE}.")
    int queueCapacity;

    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Mixin
    OutputOptions output;

    @CommandLine.Mixin
    FlowOptions flowOptions;

    @CommandLine.Mixin
    MetricsOptions metricsOptions;

    @CommandLine.Mixin
    DetectOptions detect;

    @Option(names = "--verbose", negatable = true, description = "Say more about faults (stack traces of internal errors, Kafka client logs).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final List<LibpcapLiveSource> sources = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (verbose) {
            Logging.verbose(true); // otherwise logback.xml says it all, read when something first logs
        }
        if (interfaces == null || interfaces.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "an interface is required: -i IFACE (or 'interface:' in the configuration file)");
        }
        metricsOptions.validate(spec.commandLine());
        if (snaplen < 64 || snaplen > 262144) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snaplen must be 64 to 262144: " + snaplen);
        }
        if (queueCapacity < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queue must be at least 1: " + queueCapacity);
        }
        DetectConfig detection;
        try {
            detection = detect.toConfig(spec.commandLine(), true);
        } catch (PolicyException e) {
            return fail(err, e.getMessage(), Main.EXIT_USAGE);
        }
        AnalyzerConfig config = new AnalyzerConfig(intervalNanos, flowOptions.toConfig(spec.commandLine()),
                output.flows, detection).withTopTalkers(output.topTalkers(spec.commandLine()));
        output.alerts = detect.enabled();
        output.validate(spec.commandLine());
        try {
            Libpcap.load();
        } catch (CaptureException e) {
            return fail(err, e.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        LiveOptions options = new LiveOptions(snaplen, promiscuous, bufferSize, immediate,
                LiveOptions.DEFAULT_TIMEOUT_MILLIS, filter);
        for (String iface : interfaces) {
            try {
                sources.add(LibpcapLiveSource.open(iface, options));
            } catch (CaptureException e) {
                sources.forEach(LibpcapLiveSource::close);
                return fail(err, e.getMessage(),
                        e.reason() == CaptureException.Reason.UNAVAILABLE ? Main.EXIT_UNAVAILABLE : Main.EXIT_USAGE);
            }
        }

        for (LibpcapLiveSource s : sources) {
            err.println("portwatch: listening on " + s.name() + ", link-type " + LinkType.name(s.linkType())
                    + ", snapshot length " + snaplen + " bytes" + (s.warning() != null ? " (" + s.warning() + ")" : ""));
        }
        err.flush();
        PortwatchMetrics metrics = metricsOptions.enabled() ? new PortwatchMetrics() : null;
        RecordSink out;
        try {
            out = output.open(spec.commandLine(), true, metrics);
        } catch (OutputUnavailableException | CommandLine.ParameterException e) {
            sources.forEach(LibpcapLiveSource::close);
            if (metrics != null) {
                metrics.close();
            }
            if (e instanceof CommandLine.ParameterException p) {
                throw p;
            }
            return fail(err, e.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        MetricsServer server = null;
        if (metrics != null) {
            try {
                server = metricsOptions.start(spec.commandLine(), metrics);
            } catch (IOException e) {
                sources.forEach(LibpcapLiveSource::close);
                out.close();
                metrics.close();
                return fail(err, e.getMessage(), Main.EXIT_UNAVAILABLE);
            }
            err.println("portwatch: metrics on " + server.url());
            err.flush();
            out = new MetricsSink(out, metrics, metricsOptions.top());
        }
        QueuedSink sink = new QueuedSink(out, queueCapacity);
        if (metrics != null) {
            metrics.outputQueue(sink::queued, queueCapacity);
            metrics.outputDropped(sink::dropped);
        }
        installSignalHandlers();
        AtomicInteger exit = new AtomicInteger(Main.EXIT_OK);
        List<Thread> threads = new ArrayList<>();
        // Each interface's detectors (and its calls to the output) on a thread of their own, beside its
        // capture thread, while there are processors for them.
        AnalyzerConfig each = config.withDetectionThread(Runtime.getRuntime().availableProcessors() > sources.size());
        for (LibpcapLiveSource source : sources) {
            TrafficAnalyzer analyzer = new TrafficAnalyzer(each, source.name(), sink);
            analyzer.captureStats(source::health);
            analyzer.startClock(System.currentTimeMillis() * 1_000_000L);
            Thread t = new Thread(() -> capture(source, analyzer, err, exit), "capture-" + source.name());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(200);
                if (sink.failure() != null) {
                    stopAll(); // the output went away (a closed pipe): nothing more can be reported
                }
            }
        }
        sources.forEach(LibpcapLiveSource::close);
        sink.close();
        if (server != null) {
            server.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        RuntimeException outputFailure = sink.failure();
        if (outputFailure != null) {
            // a closed pipe (`portwatch live ... | head`) ends quietly, as command-line tools do
            return OutputOptions.isBrokenPipe(outputFailure) ? exit.get()
                    : fail(err, "cannot write the output: " + outputFailure.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        if (sink.dropped() > 0) {
            err.println("portwatch: the output fell behind: " + sink.dropped() + " records dropped");
        }
        err.flush();
        int saved = detect.saveBaseline(detection, err);
        if (exit.get() == Main.EXIT_OK && output.undelivered()) {
            return Main.EXIT_UNAVAILABLE; // records were not delivered (the line above said how many and why)
        }
        return exit.get() == Main.EXIT_OK ? saved : exit.get();
    }

    /** The body of a capture thread: it owns the analyzer from the first packet to finish(). */
    private void capture(LibpcapLiveSource source, TrafficAnalyzer analyzer, PrintWriter err, AtomicInteger exit) {
        try {
            source.run(analyzer);
        } catch (CaptureException e) {
            synchronized (err) {
                err.println("portwatch: " + e.getMessage());
                err.flush();
            }
            analyzer.inputError(e.getMessage());
            exit.set(Main.EXIT_INPUT);
        } finally {
            analyzer.finish();
        }
    }

    private void stopAll() {
        for (LibpcapLiveSource s : sources) {
            s.stop();
        }
    }

    private void installSignalHandlers() {
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    if (stopping.getAndSet(true)) {
                        Runtime.getRuntime().halt(128 + sig.getNumber()); // a second signal: at once
                    }
                    stopAll();
                });
            } catch (IllegalArgumentException e) {
                // the signal is not available on this platform (or is taken by the JVM): the default stays
            }
        }
    }


    private static int fail(PrintWriter err, String message, int status) {
        err.println("portwatch: " + message);
        err.flush();
        return status;
    }
}
