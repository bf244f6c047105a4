package io.portwatch.app.cli;

import io.portwatch.capture.libpcap.PrivilegeDrop;
import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.FanoutAnalysis;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.MetricsOptions;
import io.portwatch.app.metrics.MetricsServer;
import io.portwatch.app.metrics.MetricsSink;
import io.portwatch.app.metrics.PortwatchMetrics;
import io.portwatch.app.sink.OutputUnavailableException;
import io.portwatch.app.sink.QueuedSink;
import io.portwatch.app.sink.TeeSink;
import io.portwatch.app.sink.ipfix.IpfixExporter;
import io.portwatch.app.web.WebModel;
import io.portwatch.app.web.WebOptions;
import io.portwatch.app.web.WebServer;
import io.portwatch.app.web.WebSink;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.libpcap.InterfaceNotThereException;
import io.portwatch.capture.libpcap.LibpcapLiveSource;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.libpcap.ReattachingLiveSource;
import io.portwatch.capture.libpcap.ReopenBackoff;
import io.portwatch.capture.ring.RingFanout;
import io.portwatch.capture.ring.RingLiveSource;
import io.portwatch.capture.ring.RingUnavailableException;
import io.portwatch.capture.source.CaptureException;
import picocli.CommandLine;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * One {@code portwatch live}, once its command line is parsed and checked: opens the interfaces, then
 * the output and the metrics endpoint, captures until stopped, and closes them all, in that order back
 * (each in a try-with-resources, so that a failure half-way closes what was opened).
 *
 * <p>One capture thread per interface owns its analyzer (decoder, flow table, port table); records
 * go to the output through a bounded hand-off ({@link QueuedSink}), so output never runs on a capture
 * thread. SIGINT/SIGTERM stops capture (breakLoop, join, close), closes the open window and flows
 * (end_of_input), flushes the output; a second signal exits at once.
 *
 * <p>On Linux an interface is captured from the kernel's packet ring read in place ({@link RingLiveSource},
 * {@code --capture ring}, the default there), else, or where the ring cannot be set up (said on one line),
 * or with {@code --capture libpcap}, through libpcap.
 *
 * <p>An interface that goes down or away while captured is opened again once it is back
 * ({@link ReattachingLiveSource}, every second backing off to five): one line says so each way, the
 * windows go on closing meanwhile and report the gap, and the other interfaces are not concerned. Only a
 * stop ends a capture; an interface that is not there at the start is an error, as before.
 *
 * <p>Exit status: 0; 1 when a capture failed for good (its {@link CaptureException}); for an
 * interface that cannot be opened, from the exception's {@link CaptureException.Reason reason}, 3 when
 * the machine lacks something (libpcap, permission) and 2 otherwise (no such interface, a bad filter);
 * 3 when the output or the metrics endpoint is unavailable, or records could not be delivered (Kafka).
 */
final class LiveRun {

    private final List<String> interfaces;
    private final LiveOptions options;
    private final AnalyzerConfig config;
    private final int queueCapacity;
    private final OutputOptions output;
    private final MetricsOptions metricsOptions;
    private final WebOptions web;
    private final CommandLine cmd;
    private final PrintWriter err;

    private PrivilegeDrop.Target runAs;
    private IpfixOptions ipfix;
    private boolean ring;
    private int threads = 1;
    private final List<ReattachingLiveSource> sources = new ArrayList<>();
    /** Each interface's sources: one, or the members of its fanout group ({@code --threads}). */
    private final java.util.Map<String, List<ReattachingLiveSource>> byInterface = new java.util.LinkedHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    /**
     * @param interfaces    the interfaces to capture on, one thread each
     * @param options       how to open them
     * @param config        the analysis's settings (for every interface)
     * @param queueCapacity records that may wait for the output
     * @param output        the output's options (checked), opened once the interfaces are open
     * @param metrics       the metrics endpoint's options (checked)
     * @param web           the web view's options (checked)
     * @param cmd           the command, for its standard error and the options' usage errors
     */
    LiveRun(List<String> interfaces, LiveOptions options, AnalyzerConfig config, int queueCapacity,
            OutputOptions output, MetricsOptions metrics, WebOptions web, CommandLine cmd) {
        this.interfaces = List.copyOf(interfaces);
        this.options = options;
        this.config = config;
        this.queueCapacity = queueCapacity;
        this.output = output;
        this.metricsOptions = metrics;
        this.web = web;
        this.cmd = cmd;
        this.err = cmd.getErr();
    }

    /** Exports flows over IPFIX when these options say so (checked). */
    LiveRun ipfix(IpfixOptions options) {
        this.ipfix = options;
        return this;
    }

    /** Gives up root for this user once the interfaces are open (null: stays who it is). */
    LiveRun runAs(PrivilegeDrop.Target target) {
        this.runAs = target;
        return this;
    }

    /**
     * Captures from the kernel ring ({@link RingLiveSource}) where it can be set up, else (saying so on one
     * line) with libpcap; false: with libpcap.
     */
    LiveRun ring(boolean useRing) {
        this.ring = useRing;
        return this;
    }

    /** Threads (and rings in one fanout group) per interface, with the ring; libpcap's capture has one. */
    LiveRun threads(int n) {
        this.threads = n;
        return this;
    }

    /**
     * Captures until stopped (a signal, or the output going away), then closes everything.
     *
     * @param saveBaseline called once the output has closed in good order: saves what detection learned
     *                     and returns its exit status (not called when the run did not start, or its
     *                     output failed)
     * @return the exit status
     * @throws CommandLine.ParameterException for invalid output options
     */
    int run(IntSupplier saveBaseline) throws InterruptedException {
        try (Interfaces opened = new Interfaces()) {
            for (String iface : interfaces) {
                try {
                    opened.open(iface);
                } catch (CaptureException e) {
                    return fail(e.getMessage(),
                            e.reason() == CaptureException.Reason.UNAVAILABLE ? Main.EXIT_UNAVAILABLE : Main.EXIT_USAGE);
                }
            }
            if (runAs != null) {
                // before anything reads a packet or opens an output: only opening the captures needs root
                try {
                    PrivilegeDrop.Identity now = PrivilegeDrop.to(runAs);
                    err.println("portwatch: running as " + runAs.user() + " (" + now + ")");
                } catch (IllegalStateException e) {
                    return fail(e.getMessage(), Main.EXIT_UNAVAILABLE);
                }
            }
            // before "listening" is said: whoever then sends a signal (a script, a test) finds the stop in place
            installSignalHandlers();
            for (List<ReattachingLiveSource> members : byInterface.values()) {
                ReattachingLiveSource s = members.get(0);
                err.println("portwatch: listening on " + s.name() + ", link-type " + LinkType.name(s.linkType())
                        + ", snapshot length " + options.snaplen() + " bytes, " + s.method()
                        + (members.size() > 1 ? ", " + members.size() + " threads (fanout)" : "")
                        + (s.warning() != null ? " (" + s.warning() + ")" : ""));
            }
            err.flush();
            // the web view's server serves /metrics too
            try (PortwatchMetrics metrics = metricsOptions.enabled() || web.enabled() ? new PortwatchMetrics() : null) {
                return withOutput(metrics, saveBaseline);
            }
        }
    }

    /** Opens the output and the metrics endpoint, captures into them, closes them and tells how it went. */
    private int withOutput(PortwatchMetrics metrics, IntSupplier saveBaseline) throws InterruptedException {
        RecordSink out;
        IpfixExporter exporter = null;
        try {
            if (ipfix != null && ipfix.enabled()) {
                exporter = ipfix.open(cmd, output.sensorName(), err);
            }
            out = output.open(cmd, true, metrics);
        } catch (OutputUnavailableException e) {
            if (exporter != null) {
                exporter.close();
            }
            return fail(e.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        MetricsServer server = null;
        WebServer webServer = null;
        if (metrics != null) {
            WebModel model = web.enabled()
                    ? new WebModel(WebModel.Limits.live(), "live", output.sensorName(), config.intervalNanos()) : null;
            try {
                if (metricsOptions.enabled()) {
                    server = metricsOptions.start(cmd, metrics);
                }
                if (model != null) {
                    webServer = web.start(cmd, metrics, model);
                }
            } catch (IOException | RuntimeException e) {
                out.close();
                if (exporter != null) {
                    exporter.close();
                }
                if (server != null) {
                    server.close();
                }
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                return fail(e.getMessage(), Main.EXIT_UNAVAILABLE);
            }
            if (model != null) {
                // the view reads the records where the other outputs do: behind the queue, never on a capture thread
                out = new TeeSink(List.of(out, new WebSink(model, output.sensorName(), true)));
            }
            out = new MetricsSink(out, metrics, metricsOptions.top());
        }
        if (exporter != null) {
            // first behind the queue: the other outputs see flows only with --flows, and windows with the loss
            out = IpfixOptions.wrap(out, exporter, output.flows, false, metrics);
        }
        QueuedSink sink;
        int exit;
        // the queue owns the output from here: it closes it (unless the output failed)
        try (MetricsServer s = server; WebServer w = webServer; QueuedSink q = new QueuedSink(out, queueCapacity)) {
            sink = q;
            if (s != null) {
                err.println("portwatch: metrics on " + s.url());
                err.flush();
            }
            if (w != null) {
                err.println("portwatch: web view on " + w.url() + (w.authenticated() ? " (password required)" : ""));
                err.flush();
            }
            if (metrics != null) {
                metrics.outputQueue(q::queued, queueCapacity);
                metrics.outputDropped(q::dropped);
            }
            exit = capture(q, metrics);
        }
        RuntimeException outputFailure = sink.failure();
        if (outputFailure != null) {
            // a closed pipe (`portwatch live ... | head`) ends quietly, as command-line tools do
            return OutputOptions.isBrokenPipe(outputFailure) ? exit
                    : fail("cannot write the output: " + outputFailure.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        if (sink.dropped() > 0) {
            err.println("portwatch: the output fell behind: " + sink.dropped() + " records dropped");
        }
        IpfixOptions.sayLost(exporter, err);
        err.flush();
        int saved = saveBaseline.getAsInt();
        if (exit == Main.EXIT_OK && output.undelivered()) {
            return Main.EXIT_UNAVAILABLE; // records were not delivered (the line above said how many and why)
        }
        return exit == Main.EXIT_OK ? saved : exit;
    }

    /**
     * Runs a capture thread per interface until every one has ended, stopping them all when the output
     * fails, then closes the interfaces (the output is closed after them).
     *
     * @param metrics the meters (each interface's {@code up} gauge is added), or null
     * @return {@link Main#EXIT_OK}, or {@link Main#EXIT_INPUT} when an interface failed
     */
    private int capture(QueuedSink sink, PortwatchMetrics metrics) throws InterruptedException {
        AtomicInteger exit = new AtomicInteger(Main.EXIT_OK);
        List<Thread> threads = new ArrayList<>();
        // Each interface's detectors (and its calls to the output) on a thread of their own, beside its
        // capture thread, while there are processors for them.
        AnalyzerConfig each = config.withDetectionThread(Runtime.getRuntime().availableProcessors() > sources.size());
        List<FanoutAnalysis> fanouts = new ArrayList<>();
        for (List<ReattachingLiveSource> members : byInterface.values()) {
            ReattachingLiveSource first = members.get(0);
            if (metrics != null) {
                metrics.captureUp(first.name(), () -> members.stream().allMatch(ReattachingLiveSource::capturing));
            }
            FanoutAnalysis fanout = members.size() > 1 ? new FanoutAnalysis(config, first.name(), sink, members.size())
                    : null;
            if (fanout != null) {
                fanouts.add(fanout);
            }
            for (int i = 0; i < members.size(); i++) {
                ReattachingLiveSource source = members.get(i);
                TrafficAnalyzer analyzer = fanout != null ? fanout.share(i)
                        : new TrafficAnalyzer(each, source.name(), sink);
                analyzer.captureStats(source::health);
                if (!analyzer.preallocateFlows()) {
                    err.println("portwatch: " + source.name() + ": the heap cannot hold a flow table of "
                            + "--max-flows " + config.flows().maxFlows() + " (129 bytes a flow): it grows as flows "
                            + "come, and the capture may drop packets while it does (raise -Xmx in "
                            + "PORTWATCH_JAVA_OPTS, or lower --max-flows)");
                }
                analyzer.startClock(System.currentTimeMillis() * 1_000_000L);
                Thread t = new Thread(() -> capture(source, analyzer, exit),
                        "capture-" + source.name() + (fanout != null ? "-" + i : ""));
                threads.add(t);
                t.start();
            }
        }
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(200);
                if (sink.failure() != null) {
                    stopAll(); // the output went away (a closed pipe): nothing more can be reported
                }
            }
        }
        for (FanoutAnalysis f : fanouts) {
            f.join(); // every share finished: the merged records are handed on
        }
        sources.forEach(ReattachingLiveSource::close);
        return exit.get();
    }

    /** The body of a capture thread: it owns the analyzer from the first packet to finish(). */
    private void capture(ReattachingLiveSource source, TrafficAnalyzer analyzer, AtomicInteger exit) {
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
        for (ReattachingLiveSource s : sources) {
            s.stop();
        }
    }

    /**
     * SIGINT and SIGTERM stop every interface (a second one exits at once). Installed once every interface
     * is open and before anything is said: a signal while the output or the metrics endpoint is being
     * opened stops the capture as soon as it starts (a stopped source stays stopped), and the run ends as
     * any stopped run does, with the summary.
     */
    private void installSignalHandlers() {
        List<ReattachingLiveSource> all = List.copyOf(sources);
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    if (stopping.getAndSet(true)) {
                        Runtime.getRuntime().halt(128 + sig.getNumber()); // a second signal: at once
                    }
                    all.forEach(ReattachingLiveSource::stop);
                });
            } catch (IllegalArgumentException e) {
                // the signal is not available on this platform (or is taken by the JVM): the default stays
            }
        }
    }

    /**
     * A capture thread's line about its interface (it went down or away, it is captured again, it cannot
     * be opened again yet): one line, whole, among the other threads' lines.
     */
    private void notice(String line) {
        synchronized (err) {
            err.println("portwatch: " + line);
            err.flush();
        }
    }

    private int fail(String message, int status) {
        err.println("portwatch: " + message);
        err.flush();
        return status;
    }

    /** The interfaces opened so far, closed (again: closing is idempotent) whatever happens. */
    private final class Interfaces implements AutoCloseable {
        void open(String iface) throws CaptureException {
            if (ring) {
                List<ReattachingLiveSource> members = new ArrayList<>();
                try {
                    if (threads > 1) {
                        RingFanout group = RingFanout.create(threads);
                        for (int i = 0; i < threads; i++) {
                            members.add(add(ReattachingLiveSource.open(iface, options, group::open,
                                    ReopenBackoff.DEFAULT, LiveRun.this::notice)));
                        }
                    } else {
                        members.add(add(ReattachingLiveSource.open(iface, options, RingLiveSource::open,
                                ReopenBackoff.DEFAULT, LiveRun.this::notice)));
                    }
                    byInterface.put(iface, members);
                    return;
                } catch (RingUnavailableException e) {
                    drop(members);
                    notice(e.getMessage() + "; capturing with libpcap instead");
                } catch (InterfaceNotThereException e) {
                    drop(members);
                    // not a network interface the ring knows (e.g. nflog), or down: libpcap's own answer follows
                }
            }
            if (threads > 1) {
                notice(iface + ": --threads needs the kernel ring (--capture ring); one thread with libpcap");
            }
            byInterface.put(iface, List.of(add(ReattachingLiveSource.open(iface, options, LibpcapLiveSource::open,
                    ReopenBackoff.DEFAULT, LiveRun.this::notice))));
        }

        /** Members of a fanout group opened before one failed: closed, for libpcap to capture instead. */
        private void drop(List<ReattachingLiveSource> members) {
            members.forEach(ReattachingLiveSource::close);
            sources.removeAll(members);
        }

        private ReattachingLiveSource add(ReattachingLiveSource s) {
            sources.add(s);
            return s;
        }

        @Override
        public void close() {
            sources.forEach(ReattachingLiveSource::close);
        }
    }
}
