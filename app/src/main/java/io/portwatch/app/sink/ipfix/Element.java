package io.portwatch.app.sink.ipfix;

/**
 * The IANA information elements portwatch exports (https://www.iana.org/assignments/ipfix), with the
 * length each has in portwatch's templates. See docs/ipfix.md for what each carries.
 */
enum Element {
    OCTET_DELTA_COUNT(1, 8),
    PACKET_DELTA_COUNT(2, 8),
    PROTOCOL_IDENTIFIER(4, 1),
    /** unsigned16 since RFC 7125 (the top 4 bits reserved). */
    TCP_CONTROL_BITS(6, 2),
    SOURCE_TRANSPORT_PORT(7, 2),
    SOURCE_IPV4_ADDRESS(8, 4),
    DESTINATION_TRANSPORT_PORT(11, 2),
    DESTINATION_IPV4_ADDRESS(12, 4),
    SOURCE_IPV6_ADDRESS(27, 16),
    DESTINATION_IPV6_ADDRESS(28, 16),
    VLAN_ID(58, 2),
    FLOW_END_REASON(136, 1),
    FLOW_START_MILLISECONDS(152, 8),
    FLOW_END_MILLISECONDS(153, 8),
    /** The outer (tunnel) source address: see docs/ipfix.md for why these four. */
    POST_NAT_SOURCE_IPV4_ADDRESS(225, 4),
    POST_NAT_DESTINATION_IPV4_ADDRESS(226, 4),
    POST_NAT_SOURCE_IPV6_ADDRESS(281, 16),
    POST_NAT_DESTINATION_IPV6_ADDRESS(282, 16),
    BIFLOW_DIRECTION(239, 1),
    /** A string, the tunnel's kind ({@code vxlan}, {@code gre}...): variable length. */
    TUNNEL_TECHNOLOGY(289, IpfixLayout.VARIABLE_LENGTH);

    final int id;
    final int length;

    Element(int id, int length) {
        this.id = id;
        this.length = length;
    }

    boolean variable() {
        return length == IpfixLayout.VARIABLE_LENGTH;
    }
}
