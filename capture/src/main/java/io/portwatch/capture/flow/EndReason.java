package io.portwatch.capture.flow;

import java.util.Locale;

/** Why a flow record was emitted. */
public enum EndReason {
    /** FIN seen both ways (after a short linger for the last ACK). */
    FIN,
    /** A RST ended the connection. */
    RST,
    /** No packet for the idle timeout of the flow's transport and state. */
    IDLE,
    /** The flow lasted the active timeout: this record is one part, the flow goes on. */
    ACTIVE,
    /** The input ended (end of file, or capture stopped) with the flow still open. */
    END_OF_INPUT,
    /** The flow table was full and this flow, among the longest idle, was evicted. */
    EVICTED;

    /** The lower-case name used in output, e.g. {@code end_of_input}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
