package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** An IEEE 802.1Q / 802.1ad tag after its tag protocol identifier: TCI and the encapsulated type. */
public final class VlanTag {
    public static final int TCI_OFFSET = 0;
    public static final int TYPE_OFFSET = 2;
    public static final int LENGTH = 4;

    private VlanTag() {
    }

    /** The 12-bit VLAN identifier. */
    public static int vlanId(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + TCI_OFFSET) & 0x0FFF;
    }

    /** The 3-bit priority code point. */
    public static int priority(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + TCI_OFFSET) >>> 13;
    }

    /** The drop eligible indicator bit. */
    public static boolean dropEligible(ByteBuffer buf, int offset) {
        return (FrameCursor.u16(buf, offset + TCI_OFFSET) & 0x1000) != 0;
    }

    /** The ethertype (or 802.3 length) of what the tag encloses. */
    public static int encapsulatedType(ByteBuffer buf, int offset) {
        return FrameCursor.u16(buf, offset + TYPE_OFFSET);
    }
}
