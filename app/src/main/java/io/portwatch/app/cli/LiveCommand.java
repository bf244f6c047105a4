package io.portwatch.app.cli;

import io.portwatch.capture.libpcap.PrivilegeDrop;
import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.app.Main;
import io.portwatch.app.metrics.Logging;
import io.portwatch.app.metrics.MetricsOptions;
import io.portwatch.app.web.WebOptions;
import io.portwatch.capture.libpcap.Libpcap;
import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.CaptureException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code portwatch live}: per-port statistics of live interfaces, every interval, until stopped. This class
 * parses and checks the command line; {@link LiveRun} runs the capture (threads, signals, output, exit status).
 */
@Command(name = "live",
        abbreviateSynopsis = true,
        footerHeading = "%nExamples:%n",
        footer = {"  portwatch live -i eth0",
                "  portwatch live -i eth0 -i eth1 --interval 1m --format json --flows",
                "  portwatch live -i any --kafka broker:9092 --format ecs --metrics-port 9464",
                "  portwatch live -i eth0 --http-port 8080    (the web view at http://127.0.0.1:8080/)",
                "  portwatch live -i eth0 --ipfix collector:4739    (every flow to an IPFIX collector)",
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

    @Option(names = "--capture", paramLabel = "METHOD",
            description = "How to capture: ring (Linux: the kernel's packet ring, read in place with no call per "
                    + "packet; where it cannot be set up, e.g. not Linux, 'any', or an interface that is "
                    + "neither Ethernet-like nor raw IP, portwatch says so and uses libpcap) or libpcap. "
                    + "Default: ring on Linux, libpcap elsewhere.")
    String capture;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = {"Threads per interface, each with a kernel ring of its own in one packet fanout group "
                    + "that sends both directions of a flow to the same ring (its share of --buffer-size and of "
                    + "--max-flows); their records are merged into those of one capture. Needs --capture ring "
                    + "(with libpcap, one thread). Default: ${DEFAULT-VALUE}."})
    int threads;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "65536",
            description = "Records that may wait for the output; beyond it they are dropped and counted. Default: ${DEFAULT-VALUE}.")
    int queueCapacity;

    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Mixin
    OutputOptions output;

    @CommandLine.Mixin
    IpfixOptions ipfix;

    @CommandLine.Mixin
    FlowOptions flowOptions;

    @CommandLine.Mixin
    MetricsOptions metricsOptions;

    @CommandLine.Mixin
    WebOptions web;

    @CommandLine.Mixin
    DetectOptions detect;

    @CommandLine.Mixin
    FleetKeyOption fleetKey;

    @Option(names = "--user", paramLabel = "NAME",
            description = "Once the interfaces are open, run as this user (as tcpdump -Z does): groups, group and "
                    + "user are set before the first packet is read, so the outputs, Kafka and HTTP run "
                    + "unprivileged. Needs root. Default: stay who started it.")
    String user;

    @Option(names = "--group", paramLabel = "NAME",
            description = "With --user: run with this group (and no other). Default: the user's group and "
                    + "supplementary groups.")
    String group;

    @Option(names = "--verbose", negatable = true, description = "Say more about faults (stack traces of internal errors, Kafka client logs).")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

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
        web.validate(spec.commandLine());
        if (snaplen < 64 || snaplen > 262144) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snaplen must be 64 to 262144: " + snaplen);
        }
        if (capture != null && !capture.equals("ring") && !capture.equals("libpcap")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--capture must be ring or libpcap: " + capture);
        }
        boolean ring = capture == null ? System.getProperty("os.name", "").startsWith("Linux") : capture.equals("ring");
        if (threads < 1 || threads > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be 1 to 64: " + threads);
        }
        if (queueCapacity < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--queue must be at least 1: " + queueCapacity);
        }
        PrivilegeDrop.Target runAs = null;
        if (group != null && user == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--group goes with --user");
        }
        if (user != null) {
            if (!PrivilegeDrop.supported()) {
                return fail(err, "--user: not supported on this system", Main.EXIT_USAGE);
            }
            try {
                runAs = PrivilegeDrop.resolve(user, group);
            } catch (IllegalArgumentException e) {
                return fail(err, e.getMessage(), Main.EXIT_USAGE);
            }
        }
        DetectConfig detection;
        try {
            detection = detect.toConfig(spec.commandLine(), true, output.kafka != null);
        } catch (PolicyException e) {
            return fail(err, e.getMessage(), Main.EXIT_USAGE);
        }
        AnalyzerConfig config = new AnalyzerConfig(intervalNanos, flowOptions.toConfig(spec.commandLine()),
                output.flows || ipfix.enabled(), detection).withTopTalkers(output.topTalkers(spec.commandLine()))
                .withFleetKey(fleetKey.key(spec.commandLine(), System.getenv()))
                .withPortMemory(flowOptions.portMemory(spec.commandLine()))
                .withTunnels(flowOptions.tunnels(spec.commandLine()));
        output.alerts = detect.enabled();
        output.validate(spec.commandLine());
        ipfix.validate(spec.commandLine());
        try {
            Libpcap.load();
        } catch (CaptureException e) {
            return fail(err, e.getMessage(), Main.EXIT_UNAVAILABLE);
        }
        LiveOptions options = new LiveOptions(snaplen, promiscuous, bufferSize, immediate,
                LiveOptions.DEFAULT_TIMEOUT_MILLIS, filter);
        return new LiveRun(interfaces, options, config, queueCapacity, output, metricsOptions, web, spec.commandLine())
                .ipfix(ipfix)
                .runAs(runAs)
                .ring(ring)
                .threads(threads)
                .run(() -> detect.saveBaseline(detection, err));
    }

    private static int fail(PrintWriter err, String message, int status) {
        err.println("portwatch: " + message);
        err.flush();
        return status;
    }
}
