package io.portwatch.capture.flow;

import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.TunnelKind;

/**
 * What a flow's first packet said about where it was seen, kept beside the {@link FlowTable}'s slots:
 * the frame's outermost VLAN id, and for a flow inside a tunnel the tunnel's kind and outer IP
 * addresses. Not part of the flow's key. Two arrays indexed by slot, each allocated only once a flow
 * needs it: a table that never saw a VLAN tag or a tunnel pays nothing; one that did pays 2 bytes a slot
 * for VLANs and 40 for tunnels. The table moves an entry wherever it moves a slot ({@link #copy}).
 */
final class FlowTags {
    /** Longs per tunnel entry: kind and outer IP version, then the outer source and destination. */
    private static final int TUNNEL = 5;
    private static final TunnelKind[] KINDS = TunnelKind.values();

    private final int capacity;
    /** VLAN id + 1 by slot (0: none), or null while no flow had a VLAN tag. */
    private short[] vlans;
    /** By slot: kind ordinal + 1 and IP version << 8 (0: not tunnelled), outer addresses; or null. */
    private long[] tunnels;

    FlowTags(int capacity) {
        this.capacity = capacity;
    }

    /** Empty tags for a table of {@code capacity} slots, with the arrays this one has. */
    FlowTags resized(int newCapacity) {
        FlowTags t = new FlowTags(newCapacity);
        t.vlans = vlans == null ? null : new short[newCapacity];
        t.tunnels = tunnels == null ? null : new long[newCapacity * TUNNEL];
        return t;
    }

    /** Sets the tags of a flow that starts in slot with packet p. */
    void set(int slot, DecodedPacket p) {
        if (p.vlanId != DecodedPacket.NO_VLAN && vlans == null) {
            vlans = new short[capacity];
        }
        if (vlans != null) {
            vlans[slot] = (short) (p.vlanId + 1);
        }
        if (p.tunnel != null && tunnels == null) {
            tunnels = new long[capacity * TUNNEL];
        }
        if (tunnels != null) {
            final int b = slot * TUNNEL;
            if (p.tunnel == null) {
                tunnels[b] = 0;
            } else {
                tunnels[b] = (p.tunnel.ordinal() + 1) | (long) p.outerIpVersion << 8;
                tunnels[b + 1] = p.outerSrcHi;
                tunnels[b + 2] = p.outerSrcLo;
                tunnels[b + 3] = p.outerDstHi;
                tunnels[b + 4] = p.outerDstLo;
            }
        }
    }

    /** Copies the tags of {@code from}'s slot {@code fromSlot} to slot {@code toSlot} here. */
    void copy(FlowTags from, int fromSlot, int toSlot) {
        if (from.vlans != null) {
            vlans[toSlot] = from.vlans[fromSlot];
        }
        if (from.tunnels != null) {
            System.arraycopy(from.tunnels, fromSlot * TUNNEL, tunnels, toSlot * TUNNEL, TUNNEL);
        }
    }

    int vlanId(int slot) {
        return vlans == null ? DecodedPacket.NO_VLAN : vlans[slot] - 1;
    }

    TunnelKind tunnel(int slot) {
        final int k = tunnels == null ? 0 : (int) tunnels[slot * TUNNEL] & 0xFF;
        return k == 0 ? null : KINDS[k - 1];
    }

    int outerIpVersion(int slot) {
        return tunnels == null ? 0 : (int) (tunnels[slot * TUNNEL] >>> 8) & 0xFF;
    }

    /** The outer address word {@code i}: 0 source high, 1 source low, 2 destination high, 3 destination low. */
    long outer(int slot, int i) {
        return tunnels == null || tunnels[slot * TUNNEL] == 0 ? 0 : tunnels[slot * TUNNEL + 1 + i];
    }

    long memoryBytes() {
        return (vlans == null ? 0 : (long) vlans.length * Short.BYTES) + (tunnels == null ? 0 : (long) tunnels.length * Long.BYTES);
    }
}
