package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * GTP-U header (3GPP TS 29.281), after UDP to port 2152. Only a G-PDU (message type 255) carries a user
 * packet (IP); its optional sequence number, N-PDU number and extension headers are walked, at most
 * {@link #MAX_EXTENSIONS} of them, each by its own length.
 */
public final class GtpUHeader {
    public static final int FLAGS_OFFSET = 0;
    public static final int MESSAGE_TYPE_OFFSET = 1;
    public static final int LENGTH_OFFSET = 2;
    public static final int TEID_OFFSET = 4;
    /** The mandatory header. */
    public static final int LENGTH = 8;
    /** Sequence number, N-PDU number and next extension type, present when any of E, S, PN is set. */
    public static final int OPTIONAL_LENGTH = 4;
    /** Offset of the next extension header type in the optional part. */
    public static final int NEXT_EXTENSION_OFFSET = 11;
    public static final int VERSION_1 = 1;
    /** Protocol type bit: GTP (not GTP'). */
    public static final int FLAG_PT = 0x10;
    public static final int FLAG_E = 0x04;
    public static final int FLAG_S = 0x02;
    public static final int FLAG_PN = 0x01;
    public static final int MESSAGE_G_PDU = 255;
    /** More extension headers than this is a bad header. */
    public static final int MAX_EXTENSIONS = 8;
    /** The port. */
    public static final int PORT = 2152;

    private GtpUHeader() {
    }

    public static int flags(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + FLAGS_OFFSET);
    }

    public static int version(ByteBuffer buf, int offset) {
        return flags(buf, offset) >>> 5;
    }

    public static int messageType(ByteBuffer buf, int offset) {
        return FrameCursor.u8(buf, offset + MESSAGE_TYPE_OFFSET);
    }

    /** Tunnel endpoint identifier, unsigned. */
    public static long teid(ByteBuffer buf, int offset) {
        return buf.getInt(offset + TEID_OFFSET) & 0xFFFF_FFFFL;
    }

    /** On {@link InnerFrame#IP} the cursor is at the inner IP header. */
    static int decode(ByteBuffer buf, FrameCursor c, InnerFrame t) {
        int p = c.pos;
        if (c.end - p < LENGTH) {
            return t.fail(DecodeError.TRUNCATED_TUNNEL);
        }
        int flags = flags(buf, p);
        if ((flags >>> 5) != VERSION_1 || (flags & FLAG_PT) == 0 || messageType(buf, p) != MESSAGE_G_PDU) {
            return InnerFrame.NONE;
        }
        int q = p + LENGTH;
        if ((flags & (FLAG_E | FLAG_S | FLAG_PN)) != 0) {
            if (c.end - q < OPTIONAL_LENGTH) {
                return t.fail(DecodeError.TRUNCATED_TUNNEL);
            }
            int next = (flags & FLAG_E) != 0 ? FrameCursor.u8(buf, p + NEXT_EXTENSION_OFFSET) : 0;
            q += OPTIONAL_LENGTH;
            for (int n = 0; next != 0; n++) {
                // an extension header: its length in 4-byte words, its contents, the next one's type last
                if (n == MAX_EXTENSIONS) {
                    return t.fail(DecodeError.BAD_TUNNEL_HEADER);
                }
                if (c.end - q < 1) {
                    return t.fail(DecodeError.TRUNCATED_TUNNEL);
                }
                int length = FrameCursor.u8(buf, q) << 2;
                if (length == 0) {
                    return t.fail(DecodeError.BAD_TUNNEL_HEADER);
                }
                if (c.end - q < length) {
                    return t.fail(DecodeError.TRUNCATED_TUNNEL);
                }
                next = FrameCursor.u8(buf, q + length - 1);
                q += length;
            }
        }
        if (c.ipEnd - q < 1) {
            return t.fail(DecodeError.BAD_TUNNEL_HEADER);
        }
        c.pos = q;
        return InnerFrame.IP;
    }
}
