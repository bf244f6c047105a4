package io.portwatch.capture.decode;

import java.util.Locale;

/** Why a frame could not be decoded to a transport header. Each reason is counted, none is fatal. */
public enum DecodeError {
    /** The frame ends before the link-layer header does. */
    TRUNCATED_LINK,
    /**
     * The frame ends before the IP header does (fewer than 20 / 40 bytes, or inside IPv4 options or the
     * IPv6 extension header chain); version, addresses and ipLength are set once the fixed header is captured.
     */
    TRUNCATED_IP,
    /** The frame ends before the TCP or UDP ports (the IP lengths are still counted in the summary). */
    TRUNCATED_TRANSPORT,
    /** IPv4 version/IHL wrong, IHL below 5, total length below the header length, or a raw-IP frame whose version is neither 4 nor 6. */
    BAD_IPV4_HEADER,
    /** IPv6 version field is not 6. */
    BAD_IPV6_HEADER,
    /** An IPv6 extension header runs past the payload, or too many of them. */
    BAD_IPV6_EXTENSION,
    /** TCP data offset below 5 words, or past the IP payload. */
    BAD_TCP_HEADER,
    /** UDP length below 8 or past the IP payload. A length of 0 is accepted in IPv6 (jumbograms) and for IPv4 payloads over 65535 bytes (GSO). */
    BAD_UDP_HEADER,
    /** The frame carries too many VLAN tags (more than a sane QinQ stack). */
    TOO_MANY_VLAN_TAGS,
    /** A tunnel's header (VXLAN, Geneve, GRE, ERSPAN, GTP-U) is cut short: its inner frame is not decoded. */
    TRUNCATED_TUNNEL,
    /** A tunnel's header states lengths past its payload (Geneve options, GRE fields, GTP-U extensions). */
    BAD_TUNNEL_HEADER,
    /** Tunnels nested deeper than the decoder opens (4): the innermost one is counted here, not decoded. */
    TUNNEL_TOO_DEEP;

    /** The lower-case name used in output, e.g. {@code truncated_ip}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
