package io.portwatch.app.cli;

import io.portwatch.analysis.detect.AllowList;
import io.portwatch.analysis.detect.BaselineRecorder;
import io.portwatch.analysis.detect.DetectConfig;
import io.portwatch.analysis.detect.PolicyException;
import io.portwatch.analysis.detect.PortPolicy;
import io.portwatch.analysis.detect.ServiceBaseline;
import io.portwatch.app.Main;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Security detection options, shared by the commands that analyse traffic: port scans, SYN floods,
 * new exposed services and a port policy. Detection is on by default.
 */
public final class DetectOptions {

    @Option(names = "--detect", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Security detection: port scans, SYN floods, new services, port policy "
                    + "(--no-detect turns it off). Default: on.")
    boolean on;

    /** Whether detection is on (it is unless {@code --no-detect}). */
    boolean enabled() {
        return on;
    }

    @Option(names = "--scan-window", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5m",
            description = "Failed attempts within this time add up to a scan; one alert per scanner and target "
                    + "(or port) per window. Default: ${DEFAULT-VALUE} (Zeek's).")
    long scanWindow;

    @Option(names = "--scan-ports", paramLabel = "N", defaultValue = "15",
            description = "Distinct ports of one host with failed attempts from one source that make a vertical "
                    + "scan. Default: ${DEFAULT-VALUE} (Zeek's).")
    int scanPorts;

    @Option(names = "--scan-hosts", paramLabel = "N", defaultValue = "25",
            description = "Distinct hosts on one port with failed attempts from one source that make a horizontal "
                    + "scan. Default: ${DEFAULT-VALUE} (Zeek's).")
    int scanHosts;

    @Option(names = "--trw", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also flag sources whose first contacts with hosts mostly fail (Threshold Random Walk, "
                    + "Jung et al. 2004): --no-trw turns it off. Default: on.")
    boolean trw;

    @Option(names = "--scan-evidence", paramLabel = "N",
            description = "Each window, the scan evidence of the N sources whose first contacts failed the most "
                    + "(TRW's log-likelihood ratio, failed and answered first contacts, targets and ports), "
                    + "whether or not they raised an alert, for a fleet to add up (0: none). Default: "
                    + DEFAULT_SCAN_EVIDENCE + " with --kafka (where a fleet reads it), else 0 (it costs about a "
                    + "quarter more CPU on a busy link).")
    Integer scanEvidence;

    @Option(names = "--slow-scan-window", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "1h",
            description = "How long each source's failed first contacts with (host, port) pairs are kept, to find "
                    + "TCP scans slower than --scan-window (a random walk over the pairs; method slow_trw); "
                    + "0 turns it off. Default: ${DEFAULT-VALUE}.")
    long slowScanWindow;

    @Option(names = "--slow-scan-sources", paramLabel = "N", defaultValue = "4096",
            description = "Sources the slow scan walk follows at most, the strongest; the weakest are evicted "
                    + "(counted). Default: ${DEFAULT-VALUE}.")
    int slowScanSources;

    @Option(names = "--scanner-allow", paramLabel = "NETWORK", split = ",",
            description = "The organisation's own scanners and monitoring systems (e.g. 10.1.2.3,192.0.2.0/24): "
                    + "their traffic is analysed as any other, but a port_scan they cause is counted "
                    + "(window record alerts_allowed, metric portwatch_alerts_allowed_total), not sent.")
    List<String> scannerAllow = new ArrayList<>();

    @Option(names = "--scanner-allow-file", paramLabel = "FILE",
            description = "Networks of --scanner-allow from a file, one a line (# comments).")
    Path scannerAllowFile;

    @Option(names = "--flood-allow", paramLabel = "NETWORK", split = ",",
            description = "Flood targets known to be busy: a syn_flood against them is counted (as --scanner-allow's "
                    + "scans are), not sent.")
    List<String> floodAllow = new ArrayList<>();

    @Option(names = "--flood-allow-file", paramLabel = "FILE",
            description = "Networks of --flood-allow from a file, one a line (# comments).")
    Path floodAllowFile;

    /** Scan evidence records a window when the records go to Kafka and --scan-evidence is not given. */
    static final int DEFAULT_SCAN_EVIDENCE = 100;

    @Option(names = "--flood-window", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "SYN flood measuring window. Default: ${DEFAULT-VALUE}.")
    long floodWindow;

    @Option(names = "--flood-rate", paramLabel = "SYN/S", defaultValue = "100",
            description = "SYNs per second to one server port, over the flood window, from which a flood may be "
                    + "reported. Default: ${DEFAULT-VALUE}.")
    int floodRate;

    @Option(names = "--flood-ratio", paramLabel = "R", defaultValue = "0.25",
            description = "Completed handshakes per SYN at or below which those SYNs are a flood. Default: ${DEFAULT-VALUE}.")
    double floodRatio;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Port policy: alert on traffic to ports it does not allow (see src/examples/port-policy.txt).")
    Path policy;

    @Option(names = "--policy-alerts", paramLabel = "N", defaultValue = "1000",
            description = "Policy alerts per scan window at most; more are counted, not sent. Default: ${DEFAULT-VALUE}.")
    int policyAlerts;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "Known services: alert on a service (server address and port that answered) not in it.")
    Path baseline;

    @Option(names = "--save-baseline", paramLabel = "FILE",
            description = "Write the services seen (and those of --baseline) to FILE when the run ends.")
    Path saveBaseline;

    @Option(names = "--learn", paramLabel = "DURATION",
            description = "Learn the services seen in this first part of the run without alerting; alert on "
                    + "services seen later (0: none). Default: 10m for live without --baseline, else 0.")
    String learn;

    @Option(names = "--detect-memory", paramLabel = "BYTES", converter = SizeConverter.class, defaultValue = "64MiB",
            description = "Memory the detectors may hold; past it the least recently used state is evicted (counted). "
                    + "Default: ${DEFAULT-VALUE}.")
    int memory;

    private static final long LIVE_LEARN_NANOS = 600 * DetectConfig.SECOND;

    /**
     * The detection these options ask for, or null with {@code --no-detect}. Reads the policy and
     * baseline files.
     *
     * @param live live capture (a learning period by default)
     * @throws PolicyException when a policy or baseline file cannot be read or is malformed
     */
    /**
     * The detectors' configuration.
     *
     * @param toKafka whether the records go to Kafka: then scan evidence is on unless {@code --scan-evidence}
     *                says otherwise, for a fleet to add up
     */
    DetectConfig toConfig(CommandLine cmd, boolean live, boolean toKafka) throws PolicyException {
        if (!on) {
            for (Object[] o : new Object[][] {{"--policy", policy}, {"--baseline", baseline},
                    {"--save-baseline", saveBaseline}, {"--learn", learn}, {"--scanner-allow-file", scannerAllowFile},
                    {"--flood-allow-file", floodAllowFile},
                    {"--scanner-allow", scannerAllow.isEmpty() ? null : scannerAllow},
                    {"--flood-allow", floodAllow.isEmpty() ? null : floodAllow}}) {
                if (o[1] != null) {
                    throw new CommandLine.ParameterException(cmd, o[0] + " needs detection (drop --no-detect)");
                }
            }
            return null;
        }
        require(cmd, scanPorts >= 2, "--scan-ports must be at least 2: " + scanPorts);
        require(cmd, scanHosts >= 2, "--scan-hosts must be at least 2: " + scanHosts);
        require(cmd, scanWindow >= DetectConfig.SECOND, "--scan-window must be at least 1s");
        require(cmd, floodWindow >= DetectConfig.SECOND, "--flood-window must be at least 1s");
        require(cmd, floodRate >= 1, "--flood-rate must be at least 1: " + floodRate);
        require(cmd, floodRatio >= 0 && floodRatio <= 1, "--flood-ratio must be 0 to 1: " + floodRatio);
        require(cmd, policyAlerts >= 0, "--policy-alerts must not be negative: " + policyAlerts);
        require(cmd, memory >= (1 << 20), "--detect-memory must be at least 1MiB");
        require(cmd, slowScanWindow == 0 || slowScanWindow > scanWindow,
                "--slow-scan-window must be longer than --scan-window (or 0: off)");
        require(cmd, slowScanSources >= 1, "--slow-scan-sources must be at least 1: " + slowScanSources);
        int evidence = scanEvidence != null ? scanEvidence : toKafka ? DEFAULT_SCAN_EVIDENCE : 0;
        require(cmd, evidence >= 0, "--scan-evidence must not be negative: " + evidence);
        long learnNanos;
        if (learn == null) {
            learnNanos = live && baseline == null ? LIVE_LEARN_NANOS : 0;
        } else if (learn.strip().equals("0") || learn.strip().equalsIgnoreCase("off")) {
            learnNanos = 0;
        } else {
            try {
                learnNanos = Durations.parseNanos(learn);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, "--learn: " + e.getMessage());
            }
        }
        PortPolicy p = policy != null ? PortPolicy.load(policy) : null;
        ServiceBaseline known = baseline != null ? ServiceBaseline.load(baseline) : null;
        BaselineRecorder recorder = saveBaseline != null ? new BaselineRecorder(known) : null;
        AllowList allow = AllowList.of(networks("--scanner-allow", scannerAllow, scannerAllowFile),
                networks("--flood-allow", floodAllow, floodAllowFile));
        return new DetectConfig(scanWindow, scanPorts, scanHosts, trw, floodWindow, floodRate, floodRatio, p, known,
                learnNanos, recorder, memory, policyAlerts, evidence, slowScanWindow, slowScanSources, allow);
    }

    /** The networks of an option and of its file. */
    private static List<AllowList.Network> networks(String option, List<String> given, Path file)
            throws PolicyException {
        List<AllowList.Network> out = new ArrayList<>();
        for (String g : given) {
            out.add(new AllowList.Network(option, 0, g.strip()));
        }
        if (file != null) {
            out.addAll(AllowList.read(file));
        }
        return out;
    }

    /**
     * After the run: writes {@code --save-baseline} if it was asked for.
     *
     * @return {@link Main#EXIT_OK}, or {@link Main#EXIT_UNAVAILABLE} when the file cannot be written
     *         (said on {@code err})
     */
    int saveBaseline(DetectConfig config, PrintWriter err) {
        if (config == null || config.recorder() == null) {
            return Main.EXIT_OK;
        }
        try {
            config.recorder().write(saveBaseline);
            return Main.EXIT_OK;
        } catch (IOException e) {
            err.println("portwatch: cannot write the baseline " + saveBaseline + ": " + io.portwatch.app.IoErrors.reason(e));
            err.flush();
            return Main.EXIT_UNAVAILABLE;
        }
    }

    private static void require(CommandLine cmd, boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(cmd, message);
        }
    }
}
