package io.portwatch.fleet;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One source's scan evidence in one fleet window, summed over the sensors' {@code scan_evidence} records:
 * the sums, each sensor's own sums (for {@code seen_alone}), and the union of the sensors' target and port
 * samples. The union gives the distinct targets (ports) exactly while every record's sample held all of
 * its targets (ports); otherwise the fleet counts the sensors' distinct counts summed, an upper bound (a
 * host behind two sensors counts twice). Mutable, owned by one task; serialized by {@link ScanWindowSerde}.
 */
final class ScanWindow {

    /** Sensors tracked per source and window; records of more count in the sums only. */
    static final int MAX_SENSORS = 4096;
    /** Distinct targets (ports) kept in the union of the samples; past it the union stops being exact. */
    static final int MAX_UNION = 1024;

    /** Per sensor: failed, answered, the most targets and ports of one of its records. */
    final Map<String, long[]> sensors = new LinkedHashMap<>();
    /** Per sensor: the summed log-likelihood ratio. */
    final Map<String, Double> sensorRatios = new LinkedHashMap<>();
    double ratio;
    long failed;
    long answered;
    long targetsSum;
    long portsSum;
    final Set<String> targets = new LinkedHashSet<>();
    final Set<String> ports = new LinkedHashSet<>();
    boolean targetsExact = true;
    boolean portsExact = true;

    void add(ScanEvidenceIn r) {
        ratio += r.logLikelihoodRatio();
        failed += r.failed();
        answered += r.answered();
        targetsSum += r.targets();
        portsSum += r.ports();
        targetsExact &= addAll(targets, r.targetSample(), r.targets());
        portsExact &= addAll(ports, r.portSample(), r.ports());
        long[] s = sensors.get(r.sensor());
        if (s == null) {
            if (sensors.size() == MAX_SENSORS) {
                return;
            }
            s = new long[4];
            sensors.put(r.sensor(), s);
            sensorRatios.put(r.sensor(), 0.0);
        }
        s[0] += r.failed();
        s[1] += r.answered();
        s[2] = Math.max(s[2], r.targets());
        s[3] = Math.max(s[3], r.ports());
        sensorRatios.merge(r.sensor(), r.logLikelihoodRatio(), Double::sum);
    }

    /** Adds the sample to the union; true while the union still holds every distinct value. */
    private static boolean addAll(Set<String> union, List<String> sample, long distinct) {
        boolean complete = sample.size() >= distinct;
        for (String s : sample) {
            if (union.size() == MAX_UNION && !union.contains(s)) {
                return false;
            }
            union.add(s);
        }
        return complete;
    }

    /** Distinct targets: exact from the samples when they were complete, else the sensors' counts summed. */
    long distinctTargets() {
        return targetsExact ? targets.size() : targetsSum;
    }

    long distinctPorts() {
        return portsExact ? ports.size() : portsSum;
    }
}
