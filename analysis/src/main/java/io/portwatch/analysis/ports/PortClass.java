package io.portwatch.analysis.ports;

import java.util.Locale;

/** IANA port ranges (RFC 6335). */
public enum PortClass {
    /** 0-1023, a.k.a. system ports. */
    WELL_KNOWN,
    /** 1024-49151, a.k.a. user ports. */
    REGISTERED,
    /** 49152-65535, a.k.a. private or ephemeral ports. */
    DYNAMIC;

    public static PortClass of(int port) {
        if (port < 1024) {
            return WELL_KNOWN;
        }
        return port < 49152 ? REGISTERED : DYNAMIC;
    }

    /** The name used in output: {@code well-known}, {@code registered}, {@code dynamic}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
