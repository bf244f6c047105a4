package io.portwatch.capture.ring;

import java.nio.ByteBuffer;

/**
 * {@code struct sockaddr_ll}, the link-layer address of a packet socket: what {@code bind} is given (family,
 * protocol in network order, interface index), and what the kernel writes after each frame's
 * {@link Tpacket3Header} (among it the packet type: {@link #PACKET_OUTGOING} for what the host sent).
 */
final class SockaddrLl {

    static final int FAMILY_OFFSET = 0;
    static final int PROTOCOL_OFFSET = 2;
    static final int IFINDEX_OFFSET = 4;
    static final int HATYPE_OFFSET = 8;
    static final int PKTTYPE_OFFSET = 10;
    static final int HALEN_OFFSET = 11;
    static final int ADDR_OFFSET = 12;
    static final int LENGTH = 20;

    /** {@code PACKET_OUTGOING}: a frame this host sent. */
    static final int PACKET_OUTGOING = 4;

    private SockaddrLl() {
    }

    static int packetType(ByteBuffer ring, int address) {
        return ring.get(address + PKTTYPE_OFFSET) & 0xFF;
    }

    static int ifindex(ByteBuffer ring, int address) {
        return ring.getInt(address + IFINDEX_OFFSET);
    }
}
