package io.portwatch.analysis.output;

/**
 * The alerts of one window that an allow-list held back (the organisation's own scanners, busy flood
 * targets): counted, not sent, so that an allow-list hiding a real attack shows. Immutable.
 *
 * @param portScans port_scan alerts whose source is an allowed scanner
 * @param synFloods syn_flood alerts whose target is an allowed flood target
 */
public record AllowedAlerts(long portScans, long synFloods) {

    /** None held back. */
    public static final AllowedAlerts NONE = new AllowedAlerts(0, 0);
}
