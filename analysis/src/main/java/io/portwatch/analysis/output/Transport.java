package io.portwatch.analysis.output;

import io.portwatch.capture.decode.DecodedPacket;

import java.util.Locale;

/**
 * The transport of a port, flow, service or alert: TCP or UDP, the only two portwatch tracks. Records carry
 * this rather than its name, so that code compares and switches on a value, never on text; the name is
 * written only where records are written ({@link #key}) and read only where files name a transport
 * ({@link #parse}).
 *
 * <p>It lives with the records rather than in capture: capture decodes and tracks packets by IP protocol
 * number ({@link DecodedPacket#PROTO_TCP}, kept an {@code int} on the per-packet path) and never names a
 * transport; naming one is what records, their sinks and the detectors' files do. Declared in the order
 * of the names ({@code tcp} before {@code udp}), so that ordering by the value orders as by the name.
 */
public enum Transport {
    TCP(DecodedPacket.PROTO_TCP),
    UDP(DecodedPacket.PROTO_UDP);

    private final int protocol;
    private final String key;

    Transport(int protocol) {
        this.protocol = protocol;
        this.key = name().toLowerCase(Locale.ROOT);
    }

    /** The transport of an IP protocol number that portwatch tracks: TCP for 6, UDP for any other (17). */
    public static Transport of(int protocol) {
        return protocol == DecodedPacket.PROTO_TCP ? TCP : UDP;
    }

    /** The transport a file names ({@code tcp} or {@code udp}, in any case), or null when it names neither. */
    public static Transport parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            default -> null;
        };
    }

    /** The IP protocol number: 6 or 17. */
    public int protocol() {
        return protocol;
    }

    /** The name used in output: {@code tcp} or {@code udp}. */
    public String key() {
        return key;
    }

    /** The name used in output, as {@link #key}: text made from a transport reads as output does. */
    @Override
    public String toString() {
        return key;
    }
}
