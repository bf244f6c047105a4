package io.portwatch.capture.ring;

import java.nio.ByteBuffer;

/**
 * The header of one frame in a TPACKET_V3 block ({@code struct tpacket3_hdr}), in the ring's native byte
 * order: where the next frame is, the timestamp, the captured and wire lengths, the status (VLAN tag taken
 * out), where the frame's link-layer header starts, and the VLAN tag the kernel took out of the frame.
 * A {@link SockaddrLl} follows it at {@link #SOCKADDR_OFFSET}.
 */
final class Tpacket3Header {

    static final int NEXT_OFFSET_OFFSET = 0;
    static final int SEC_OFFSET = 4;
    static final int NSEC_OFFSET = 8;
    static final int SNAPLEN_OFFSET = 12;
    static final int LEN_OFFSET = 16;
    static final int STATUS_OFFSET = 20;
    static final int MAC_OFFSET = 24;
    static final int NET_OFFSET = 26;
    /** {@code struct tpacket_hdr_variant1 hv1}. */
    static final int RXHASH_OFFSET = 28;
    static final int VLAN_TCI_OFFSET = 32;
    static final int VLAN_TPID_OFFSET = 36;
    /** {@code TPACKET_ALIGN(sizeof(struct tpacket3_hdr))}: the {@code sockaddr_ll} starts here. */
    static final int SOCKADDR_OFFSET = 48;
    /** {@code TPACKET3_HDRLEN}: the header and the address; the frame's bytes come after. */
    static final int HEADER_AND_ADDRESS = SOCKADDR_OFFSET + SockaddrLl.LENGTH;

    /** {@code TP_STATUS_VLAN_VALID}: the kernel took a VLAN tag out of the frame ({@link #VLAN_TCI_OFFSET}). */
    static final int TP_STATUS_VLAN_VALID = 0x10;
    /** {@code TP_STATUS_VLAN_TPID_VALID}: {@link #VLAN_TPID_OFFSET} holds the tag's type. */
    static final int TP_STATUS_VLAN_TPID_VALID = 0x40;

    private Tpacket3Header() {
    }

    static int nextOffset(ByteBuffer ring, int frame) {
        return ring.getInt(frame + NEXT_OFFSET_OFFSET);
    }

    static long seconds(ByteBuffer ring, int frame) {
        return ring.getInt(frame + SEC_OFFSET) & 0xFFFF_FFFFL;
    }

    static int nanos(ByteBuffer ring, int frame) {
        return ring.getInt(frame + NSEC_OFFSET);
    }

    static int snaplen(ByteBuffer ring, int frame) {
        return ring.getInt(frame + SNAPLEN_OFFSET);
    }

    static int len(ByteBuffer ring, int frame) {
        return ring.getInt(frame + LEN_OFFSET);
    }

    static int status(ByteBuffer ring, int frame) {
        return ring.getInt(frame + STATUS_OFFSET);
    }

    static int mac(ByteBuffer ring, int frame) {
        return ring.getShort(frame + MAC_OFFSET) & 0xFFFF;
    }

    static int vlanTci(ByteBuffer ring, int frame) {
        return ring.getInt(frame + VLAN_TCI_OFFSET);
    }

    static int vlanTpid(ByteBuffer ring, int frame) {
        return ring.getShort(frame + VLAN_TPID_OFFSET) & 0xFFFF;
    }
}
