package io.portwatch.analysis.detect;

/**
 * What the detectors look for and how much they may remember. Immutable apart from the recorder,
 * which is thread-safe and shared by the analyses of one run.
 *
 * @param windowNanos      scan window: failed attempts within it add up; also how long a policy
 *                         alert for one flow key holds back the next (default 5 min, as Zeek's scan
 *                         intervals)
 * @param scanPorts        distinct ports of one target with failed attempts from one source that make
 *                         a vertical scan (default 15, Zeek's {@code port_scan_threshold})
 * @param scanHosts        distinct targets on one port with failed attempts from one source that make a
 *                         horizontal scan (default 25, Zeek's {@code addr_scan_threshold})
 * @param trw              also run the Threshold Random Walk test on each source's first contacts
 * @param floodWindowNanos SYN flood measuring window, aligned on packet time (default 10 s)
 * @param floodRate        SYNs per second to one server port, averaged over the window, from which a
 *                         flood may be reported (default 100, so 1,000 SYNs in 10 s)
 * @param floodRatio       completed handshakes per SYN at or below which those SYNs are a flood
 *                         (default 0.25: three SYNs in four left half-open)
 * @param policy           port policy to check traffic against, or null
 * @param baseline         known services; a service outside it raises new_service, or null
 * @param learnNanos       services first seen within this time from the start are learned without an
 *                         alert, those seen later raise new_service (0: no learning period)
 * @param recorder         where the analysis leaves the services it saw when it finishes, or null
 * @param maxStateBytes    memory the detectors may hold, shared equally by their six tables (seven with
 *                         scan evidence); past it the least recently used entries are evicted (default 64 MiB)
 * @param maxPolicyAlerts  policy alerts per window at most; more are counted, not sent (default 1,000)
 * @param scanEvidence     sources whose scan evidence (TRW's, of their first contacts) each reporting window
 *                         reports at most, the strongest; 0 for none (default 100)
 * @param slowWindowNanos  how long a source's failed first contacts with (target, port) pairs are kept for the
 *                         slow scan walk, which finds scans slower than the scan window (default 1 h; 0: off)
 * @param slowSources      sources the slow scan walk follows at most: past it the weakest are evicted (default 4,096)
 * @param allow            the organisation's own scanners and busy flood targets, whose alerts are counted, not sent
 *                         ({@link AllowList#NONE} for none)
 */
public record DetectConfig(long windowNanos, int scanPorts, int scanHosts, boolean trw, long floodWindowNanos,
                           int floodRate, double floodRatio, PortPolicy policy, ServiceBaseline baseline,
                           long learnNanos, BaselineRecorder recorder, long maxStateBytes, int maxPolicyAlerts,
                           int scanEvidence, long slowWindowNanos, int slowSources, AllowList allow) {

    /** Sources a window reports the scan evidence of, by default. */
    public static final int DEFAULT_SCAN_EVIDENCE = 100;
    /** How long the slow scan walk keeps a source's evidence, by default. */
    public static final long DEFAULT_SLOW_WINDOW = 3600 * 1_000_000_000L;
    /** Sources the slow scan walk follows at most, by default. */
    public static final int DEFAULT_SLOW_SCAN_SOURCES = 4096;

    public static final long SECOND = 1_000_000_000L;

    public DetectConfig {
        if (windowNanos < SECOND) {
            throw new IllegalArgumentException("the scan window must be at least 1s");
        }
        if (scanPorts < 2 || scanHosts < 2) {
            throw new IllegalArgumentException("scan thresholds must be at least 2");
        }
        if (floodWindowNanos < SECOND) {
            throw new IllegalArgumentException("the flood window must be at least 1s");
        }
        if (floodRate < 1) {
            throw new IllegalArgumentException("the flood rate must be at least 1 SYN/s");
        }
        if (!(floodRatio >= 0 && floodRatio <= 1)) {
            throw new IllegalArgumentException("the flood ratio must be 0 to 1");
        }
        if (learnNanos < 0) {
            throw new IllegalArgumentException("the learning period must not be negative");
        }
        if (maxStateBytes < (1 << 20)) {
            throw new IllegalArgumentException("detector memory must be at least 1 MiB");
        }
        if (maxPolicyAlerts < 0) {
            throw new IllegalArgumentException("the policy alert limit must not be negative");
        }
        if (scanEvidence < 0) {
            throw new IllegalArgumentException("the scan evidence limit must not be negative");
        }
        if (slowWindowNanos != 0 && slowWindowNanos <= windowNanos) {
            throw new IllegalArgumentException("the slow scan window must be longer than the scan window (or 0: off)");
        }
        if (slowSources < 1) {
            throw new IllegalArgumentException("the slow scan sources must be at least 1");
        }
        if (allow == null) {
            allow = AllowList.NONE;
        }
    }

    /** With no slow scan walk options given: the defaults (1 h, 4,096 sources), and nothing allowed. */
    public DetectConfig(long windowNanos, int scanPorts, int scanHosts, boolean trw, long floodWindowNanos,
                        int floodRate, double floodRatio, PortPolicy policy, ServiceBaseline baseline,
                        long learnNanos, BaselineRecorder recorder, long maxStateBytes, int maxPolicyAlerts,
                        int scanEvidence) {
        this(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio, policy, baseline,
                learnNanos, recorder, maxStateBytes, maxPolicyAlerts, scanEvidence,
                windowNanos < DEFAULT_SLOW_WINDOW ? DEFAULT_SLOW_WINDOW : 0, DEFAULT_SLOW_SCAN_SOURCES, AllowList.NONE);
    }

    /** With the default scan evidence (the strongest 100 sources a window). */
    public DetectConfig(long windowNanos, int scanPorts, int scanHosts, boolean trw, long floodWindowNanos,
                        int floodRate, double floodRatio, PortPolicy policy, ServiceBaseline baseline,
                        long learnNanos, BaselineRecorder recorder, long maxStateBytes, int maxPolicyAlerts) {
        this(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio, policy, baseline,
                learnNanos, recorder, maxStateBytes, maxPolicyAlerts, DEFAULT_SCAN_EVIDENCE);
    }

    /** Scans 15 ports or 25 hosts in 5 min, TRW on; floods 100 SYN/s over 10 s with at most 1 in 4 completed. */
    public static DetectConfig defaults() {
        return new DetectConfig(300 * SECOND, 15, 25, true, 10 * SECOND, 100, 0.25, null, null, 0, null,
                64L << 20, 1000);
    }

    /** SYNs in one flood window that may make a flood: the rate times the window. */
    public long floodMinSyns() {
        return Math.max(1, Math.round(floodRate * (floodWindowNanos / (double) SECOND)));
    }

    /** Whether new services raise alerts: there is a baseline, or a learning period. */
    public boolean alertsNewServices() {
        return baseline != null || learnNanos > 0;
    }

    public DetectConfig withScan(long window, int ports, int hosts, boolean withTrw) {
        return new DetectConfig(window, ports, hosts, withTrw, floodWindowNanos, floodRate, floodRatio, policy,
                baseline, learnNanos, recorder, maxStateBytes, maxPolicyAlerts, scanEvidence, slow(window), slowSources,
                allow);
    }

    public DetectConfig withFlood(long window, int rate, double ratio) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, window, rate, ratio, policy, baseline,
                learnNanos, recorder, maxStateBytes, maxPolicyAlerts, scanEvidence, slowWindowNanos,
                slowSources, allow);
    }

    public DetectConfig withPolicy(PortPolicy p, int maxAlerts) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio, p,
                baseline, learnNanos, recorder, maxStateBytes, maxAlerts, scanEvidence, slowWindowNanos,
                slowSources, allow);
    }

    public DetectConfig withServices(ServiceBaseline known, long learn, BaselineRecorder saveTo) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio,
                policy, known, learn, saveTo, maxStateBytes, maxPolicyAlerts, scanEvidence, slowWindowNanos,
                slowSources, allow);
    }

    public DetectConfig withMaxStateBytes(long bytes) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio,
                policy, baseline, learnNanos, recorder, bytes, maxPolicyAlerts, scanEvidence, slowWindowNanos,
                slowSources, allow);
    }

    /** This configuration reporting the scan evidence of at most {@code sources} sources a window (0: none). */
    public DetectConfig withScanEvidence(int sources) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio,
                policy, baseline, learnNanos, recorder, maxStateBytes, maxPolicyAlerts, sources, slowWindowNanos,
                slowSources, allow);
    }

    /**
     * This configuration with the slow scan walk keeping evidence {@code window} long (0: off) for at most
     * {@code sources} sources.
     */
    public DetectConfig withSlowScan(long window, int sources) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio,
                policy, baseline, learnNanos, recorder, maxStateBytes, maxPolicyAlerts, scanEvidence, window, sources,
                allow);
    }

    /** This configuration with these scanners and flood targets allowed. */
    public DetectConfig withAllow(AllowList a) {
        return new DetectConfig(windowNanos, scanPorts, scanHosts, trw, floodWindowNanos, floodRate, floodRatio,
                policy, baseline, learnNanos, recorder, maxStateBytes, maxPolicyAlerts, scanEvidence, slowWindowNanos,
                slowSources, a);
    }

    /** The slow scan window kept with a new scan window: off when the scan window is as long. */
    private long slow(long window) {
        return slowWindowNanos > window ? slowWindowNanos : 0;
    }
}
