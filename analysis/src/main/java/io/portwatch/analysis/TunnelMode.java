package io.portwatch.analysis;

import java.util.Locale;

/**
 * Which traffic of a tunnelled frame (VXLAN, Geneve, GRE, ERSPAN, IP-in-IP, GTP-U) counts as flows:
 * {@code --tunnels outer|inner|both}. Whatever the mode, the frame itself counts once in a window's and
 * the summary's packets and bytes, as it was on the wire (its outer IP header).
 */
public enum TunnelMode {
    /** The tunnel only, as it is on the wire (UDP to 4789, GRE as other IP): its contents are not opened. */
    OUTER,
    /** The innermost traffic only: the tunnel is not a flow of its own. */
    INNER,
    /** Both: the tunnel as the flow it is on the wire, and its contents as flows of their own (as Zeek does). */
    BOTH;

    /** The lower-case name used on the command line, e.g. {@code both}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code text} (any case), or null when none is. */
    public static TunnelMode parse(String text) {
        for (TunnelMode m : values()) {
            if (m.key().equalsIgnoreCase(text)) {
                return m;
            }
        }
        return null;
    }
}
