package io.portwatch.capture.decode;

import java.util.Locale;

/** The encapsulations whose contents are decoded as traffic of their own (see {@code PacketDecoder}). */
public enum TunnelKind {
    /** VXLAN, udp/4789 (RFC 7348): Ethernet inside. */
    VXLAN,
    /** Geneve, udp/6081 (RFC 8926): Ethernet or IP inside. */
    GENEVE,
    /** GRE (RFC 2784, 2890): IP or Ethernet (transparent bridging) inside. */
    GRE,
    /** ERSPAN type I over GRE (protocol 0x88BE without a sequence number, no ERSPAN header): Ethernet inside. */
    ERSPAN_I,
    /** ERSPAN type II over GRE: Ethernet inside. */
    ERSPAN_II,
    /** ERSPAN type III over GRE: Ethernet inside. */
    ERSPAN_III,
    /** IPv4 or IPv6 inside IPv4 or IPv6 (IP protocols 4 and 41). */
    IP_IN_IP,
    /** GTP-U, udp/2152 (3GPP TS 29.281): IP inside. */
    GTP_U;

    /** The lower-case name used in output, e.g. {@code erspan_ii}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
