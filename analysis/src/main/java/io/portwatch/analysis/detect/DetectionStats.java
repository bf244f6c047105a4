package io.portwatch.analysis.detect;

/**
 * Counters of one analysis's detectors. Immutable.
 *
 * @param portScans        port_scan alerts sent
 * @param synFloods        syn_flood alerts sent
 * @param newServices      new_service alerts sent
 * @param policyViolations policy_violation alerts sent
 * @param policySuppressed policy alerts not sent because a window's limit was reached
 * @param evictions        entries evicted from the detectors' tables to stay within their memory
 * @param entries          entries held now
 * @param stateBytes       accounted bytes held now
 * @param maxStateBytes    the bound of {@code stateBytes}
 * @param services         exposed services known now
 * @param allowedScans     port_scan alerts held back: their source is an allowed scanner
 * @param allowedFloods    syn_flood alerts held back: their target is an allowed flood target
 * @param slowScanSources  sources the slow scan walk follows now (part of {@code entries})
 * @param slowScanBytes    accounted bytes of the slow scan walk, its sketch included (part of {@code stateBytes})
 * @param slowScanEvictions sources the slow scan walk evicted or did not admit (part of {@code evictions})
 */
public record DetectionStats(long portScans, long synFloods, long newServices, long policyViolations,
                             long policySuppressed, long evictions, long entries, long stateBytes,
                             long maxStateBytes, long services, long allowedScans, long allowedFloods,
                             long slowScanSources, long slowScanBytes, long slowScanEvictions) {

    /** Alerts sent, of every kind. */
    public long alerts() {
        return portScans + synFloods + newServices + policyViolations;
    }
}
