package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/** VXLAN header (RFC 7348), after UDP to port 4789: flags, the 24-bit VNI, then an Ethernet frame. */
public final class VxlanHeader {
    public static final int FLAGS_OFFSET = 0;
    public static final int VNI_OFFSET = 4;
    public static final int LENGTH = 8;
    /** The I flag: the VNI is valid. A header without it is not taken for VXLAN. */
    public static final int FLAG_VNI = 0x08;
    /** The IANA port. */
    public static final int PORT = 4789;

    private VxlanHeader() {
    }

    public static int flags(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + FLAGS_OFFSET);
    }

    /** The VXLAN network identifier. */
    public static int vni(ByteBuffer buf, int offset) {
        return buf.getInt(offset + VNI_OFFSET) >>> 8;
    }

    /** On {@link InnerFrame#ETHERNET} the cursor is at the inner Ethernet header. */
    static int decode(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        if (c.end - c.pos < LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        if ((flags(buf, c.pos) & FLAG_VNI) == 0) {
            return InnerFrame.NONE;
        }
        c.pos += LENGTH;
        return InnerFrame.ETHERNET;
    }
}
