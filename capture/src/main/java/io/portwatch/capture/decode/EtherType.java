package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * Ethertype values and the step shared by every link layer that carries one (Ethernet, Linux cooked
 * v1/v2): it walks VLAN tags, LLC/SNAP, a PPPoE session header or an MPLS label stack down to IPv4 or
 * IPv6. Anything else is non-IP.
 */
public final class EtherType {
    public static final int IPV4 = 0x0800;
    public static final int ARP = 0x0806;
    public static final int VLAN = 0x8100;
    public static final int IPV6 = 0x86DD;
    public static final int MPLS_UNICAST = 0x8847;
    public static final int MPLS_MULTICAST = 0x8848;
    public static final int PPPOE_DISCOVERY = 0x8863;
    public static final int PPPOE_SESSION = 0x8864;
    /** IEEE 802.1ad service tag (outer QinQ tag). */
    public static final int QINQ = 0x88A8;
    /** The pre-standard QinQ tag some switches still send. */
    public static final int QINQ_LEGACY = 0x9100;

    /** More VLAN tags than this in one frame is {@link DecodeError#TOO_MANY_VLAN_TAGS}. */
    public static final int MAX_VLAN_TAGS = 4;

    private EtherType() {
    }

    /** True for the three VLAN tag protocol identifiers. */
    public static boolean isVlan(int type) {
        return type == VLAN || type == QINQ || type == QINQ_LEGACY;
    }

    /**
     * Decodes what follows a link header of the given type at {@code c.pos}. On CONTINUE, {@code c.next}
     * is {@link #IPV4} or {@link #IPV6} and {@code c.pos} is at the IP header.
     */
    static int decode(ByteBuffer buf, FrameCursor c, int type, DecodedPacket out) {
        int tags = 0;
        while (isVlan(type)) {
            if (++tags > MAX_VLAN_TAGS) {
                return FrameCursor.fail(out, DecodeError.TOO_MANY_VLAN_TAGS);
            }
            if (c.remaining() < VlanTag.LENGTH) {
                return FrameCursor.fail(out, DecodeError.TRUNCATED_LINK);
            }
            if (out.vlanId == DecodedPacket.NO_VLAN) {
                out.vlanId = VlanTag.vlanId(buf, c.pos);
            }
            type = VlanTag.encapsulatedType(buf, c.pos);
            c.pos += VlanTag.LENGTH;
        }
        if (type <= EthernetHeader.MAX_8023_LENGTH) {
            int r = LlcHeader.decode(buf, c, out);
            if (r != FrameCursor.CONTINUE) {
                return r;
            }
            type = c.next;
        }
        switch (type) {
            case IPV4:
            case IPV6:
                c.next = type;
                return FrameCursor.CONTINUE;
            case PPPOE_SESSION:
                return PppoeHeader.decode(buf, c, out);
            case MPLS_UNICAST:
            case MPLS_MULTICAST:
                return MplsLabel.decode(buf, c, out);
            default:
                return DecodedPacket.KIND_NON_IP;
        }
    }
}
