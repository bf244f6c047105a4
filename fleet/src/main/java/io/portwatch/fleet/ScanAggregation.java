package io.portwatch.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * {@code fleet_scan}: one source's scan evidence summed over the sensors, per fleet window, written once
 * when the window closes and the sum reaches a sensor's threshold: TRW's log-likelihood ratio (additive
 * across sensors, which see independent first contacts) at the sensors' upper bound ln(PD/PF); or the
 * failed first contacts, when all of them went to one host, at the vertical scan threshold (15); or, when
 * all went to one port, at the horizontal one (25). So a scanner that stays under every sensor's threshold
 * by spreading its probes over the sensors is reported, and a source whose first contacts are mostly
 * answered (ordinary clients) is not: each answer takes the ratio down as much as a failure takes it up.
 *
 * <p>{@code seen_alone} names the sensors whose own evidence in the window reached a threshold: those whose
 * records alone would have made the fleet report the source. That is not the sensors that raised an alert
 * of their own: the evidence counts first contacts with (host, port) pairs, a sensor's TRW walk those with
 * hosts, so a sensor that sees 14 ports of each of three hosts probed raises nothing while its evidence
 * alone is far over the bound (FleetSplitScanIT). Added to the contract's fields: {@code method}, the
 * first of {@code trw}, {@code vertical}, {@code horizontal} that the sums reached.
 */
final class ScanAggregation implements WindowAggregation<ScanEvidenceIn, ScanWindow> {

    /** Targets and ports listed in a fleet_scan at most. */
    static final int SAMPLE = 20;
    private static final double EPSILON = 1e-9;

    private final FleetConfig cfg;
    private final FleetMetrics metrics;

    ScanAggregation(FleetConfig cfg, FleetMetrics metrics) {
        this.cfg = cfg;
        this.metrics = metrics;
    }

    @Override
    public String group(ScanEvidenceIn r) {
        return r.source();
    }

    @Override
    public ScanWindow create(String group, long windowStart) {
        return new ScanWindow();
    }

    @Override
    public void merge(ScanWindow w, ScanEvidenceIn r) {
        w.add(r);
    }

    @Override
    public boolean late(ScanEvidenceIn r) {
        metrics.lateScanEvidence.increment();
        return false; // counted only: a fleet_scan has no place for it, and sources seldom come back
    }

    @Override
    public KeyValue<String, String> close(String source, long windowStart, long windowEnd, ScanWindow w, long late) {
        metrics.scanWindows.increment();
        boolean oneTarget = w.targetsExact && w.targets.size() == 1;
        boolean onePort = w.portsExact && w.ports.size() == 1;
        String method = method(w.ratio, w.failed, w.distinctTargets(), oneTarget, onePort);
        if (method == null) {
            return null;
        }
        metrics.fleetScans.increment();
        ObjectNode n = FleetJson.record("fleet_scan");
        n.put("source", source);
        n.put("window_start", FleetJson.time(windowStart));
        n.put("window_end", FleetJson.time(windowEnd));
        List<String> names = new ArrayList<>(w.sensors.keySet());
        names.sort(null);
        ArrayNode sensors = n.putArray("sensors");
        names.forEach(sensors::add);
        n.put("log_likelihood_ratio", FleetJson.round3(w.ratio));
        n.put("failed", w.failed);
        n.put("answered", w.answered);
        n.put("targets", w.distinctTargets());
        n.put("ports", w.distinctPorts());
        sample(n.putArray("target_sample"), w.targets);
        sample(n.putArray("port_sample"), w.ports);
        n.put("threshold", FleetJson.round3(cfg.scanThreshold()));
        n.put("method", method);
        ArrayNode alone = n.putArray("seen_alone");
        for (String s : names) {
            long[] e = w.sensors.get(s);
            if (method(w.sensorRatios.get(s), e[0], e[2], e[2] == 1, e[3] == 1) != null) {
                alone.add(s);
            }
        }
        return KeyValue.pair(source, FleetJson.text(n));
    }

    /**
     * The first threshold the evidence reaches, or null. The sensors' evidence counts (target, port) first
     * contacts, so that it adds up across any split of the traffic, where their own TRW walks count hosts: a
     * ratio reaches TRW's bound only over as many targets as that bound needs failed hosts (4 at ln 99), so
     * that a client refused on a few ports of one host, which no sensor would call a scan, is none here
     * either; the ports of one host are the vertical test's.
     */
    private String method(double ratio, long failed, long targets, boolean oneTarget, boolean onePort) {
        if (ratio >= cfg.scanThreshold() - EPSILON && targets >= trwTargets()) {
            return "trw";
        }
        if (oneTarget && failed >= cfg.scanPorts()) {
            return "vertical";
        }
        if (onePort && failed >= cfg.scanHosts()) {
            return "horizontal";
        }
        return null;
    }

    /** The fewest failed hosts whose first contacts reach the TRW bound: ceil(bound / ln 4), 4 by default. */
    private long trwTargets() {
        return (long) Math.ceil(cfg.scanThreshold() / FleetConfig.TRW_FAILURE_STEP - EPSILON);
    }

    private static void sample(ArrayNode a, Collection<String> values) {
        int n = 0;
        for (String v : values) {
            if (n++ == SAMPLE) {
                break;
            }
            a.add(v);
        }
    }
}
