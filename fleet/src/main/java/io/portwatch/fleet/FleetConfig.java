package io.portwatch.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * What the fleet job reads and writes and how it windows. Immutable.
 *
 * @param window          the fleet's window: a sensor record belongs to the window holding its
 *                        {@code window_start} (truncated to it); sensors run with an {@code --interval}
 *                        equal to it or dividing it (default 1 min)
 * @param grace           how long after a window's end its records are still merged; records later than
 *                        that are counted as late, not merged (default 30 s)
 * @param punctuateEvery  how often the wall clock is looked at to close windows (default 1 s): a window's
 *                        record comes out at most this long after its end and grace have passed
 * @param portsTopic      the sensors' topic of {@code port_stats} and {@code service} records
 * @param alertsTopic     the sensors' topic of alerts and {@code scan_evidence} records
 * @param fleetPortsTopic    where {@code fleet_port_stats} go, keyed {@code tcp/443@<window_start>}
 * @param fleetServicesTopic where {@code fleet_service} records go (compacted), keyed {@code tcp/192.0.2.1/22}
 * @param fleetAlertsTopic   where {@code fleet_scan} records go, keyed by the source address
 * @param hllKey          how the sensors hash addresses into their sketches: {@code "public"} (DataSketches'
 *                        own hash) or {@code "fleet"} (the fleet-wide key); records saying otherwise are
 *                        counted and their sketches left out
 * @param scanThreshold   the summed TRW log-likelihood ratio that makes a fleet scan (default ln(0.99/0.01),
 *                        the sensors' own upper bound)
 * @param scanPorts       summed failed first contacts to one host (on as many ports) that make a vertical
 *                        scan (default 15, as the sensors)
 * @param scanHosts       summed failed first contacts on one port (to as many hosts) that make a horizontal
 *                        scan (default 25, as the sensors)
 */
public record FleetConfig(Duration window, Duration grace, Duration punctuateEvery, String portsTopic,
                          String alertsTopic, String fleetPortsTopic, String fleetServicesTopic,
                          String fleetAlertsTopic, String hllKey, double scanThreshold, int scanPorts,
                          int scanHosts) {

    /** The sensors' TRW upper bound: ln(PD / PF) with PD = 0.99, PF = 0.01 (analysis's TrwDetector). */
    public static final double TRW_UPPER = Math.log(0.99 / 0.01);
    /** What one failed first contact adds to the sensors' TRW ratio: ln(theta1 / theta0) = ln(0.8 / 0.2). */
    public static final double TRW_FAILURE_STEP = Math.log(0.8 / 0.2);

    public FleetConfig {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(punctuateEvery, "punctuateEvery");
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("--window must be at least 1s");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("--grace must not be negative");
        }
        if (punctuateEvery.toMillis() < 10) {
            throw new IllegalArgumentException("the punctuation interval must be at least 10ms");
        }
        for (String t : new String[] {portsTopic, alertsTopic, fleetPortsTopic, fleetServicesTopic,
                fleetAlertsTopic}) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("topic names must not be empty");
            }
        }
        if (!"public".equals(hllKey) && !"fleet".equals(hllKey)) {
            throw new IllegalArgumentException("the sketch hashing must be \"public\" or \"fleet\", not " + hllKey);
        }
        if (!(scanThreshold > 0) || scanPorts < 2 || scanHosts < 2) {
            throw new IllegalArgumentException("scan thresholds must be positive (ports and hosts at least 2)");
        }
    }

    /** A 1 min window, 30 s grace, the default topics, public hashing, the sensors' scan thresholds. */
    public static FleetConfig defaults() {
        return new FleetConfig(Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(1),
                "portwatch.ports", "portwatch.alerts", "portwatch.fleet.ports", "portwatch.fleet.services",
                "portwatch.fleet.alerts", "public", TRW_UPPER, 15, 25);
    }

    public FleetConfig withWindow(Duration newWindow, Duration newGrace) {
        return new FleetConfig(newWindow, newGrace, punctuateEvery, portsTopic, alertsTopic, fleetPortsTopic,
                fleetServicesTopic, fleetAlertsTopic, hllKey, scanThreshold, scanPorts, scanHosts);
    }

    public FleetConfig withPunctuateEvery(Duration every) {
        return new FleetConfig(window, grace, every, portsTopic, alertsTopic, fleetPortsTopic, fleetServicesTopic,
                fleetAlertsTopic, hllKey, scanThreshold, scanPorts, scanHosts);
    }

    public FleetConfig withInputTopics(String ports, String alerts) {
        return new FleetConfig(window, grace, punctuateEvery, ports, alerts, fleetPortsTopic, fleetServicesTopic,
                fleetAlertsTopic, hllKey, scanThreshold, scanPorts, scanHosts);
    }

    public FleetConfig withOutputTopics(String ports, String services, String alerts) {
        return new FleetConfig(window, grace, punctuateEvery, portsTopic, alertsTopic, ports, services, alerts,
                hllKey, scanThreshold, scanPorts, scanHosts);
    }

    public FleetConfig withHllKey(String key) {
        return new FleetConfig(window, grace, punctuateEvery, portsTopic, alertsTopic, fleetPortsTopic,
                fleetServicesTopic, fleetAlertsTopic, key, scanThreshold, scanPorts, scanHosts);
    }

    public FleetConfig withScanThresholds(double threshold, int ports, int hosts) {
        return new FleetConfig(window, grace, punctuateEvery, portsTopic, alertsTopic, fleetPortsTopic,
                fleetServicesTopic, fleetAlertsTopic, hllKey, threshold, ports, hosts);
    }

    long windowMs() {
        return window.toMillis();
    }

    long graceMs() {
        return grace.toMillis();
    }
}
