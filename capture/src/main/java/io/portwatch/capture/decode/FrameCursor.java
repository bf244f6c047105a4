package io.portwatch.capture.decode;

import java.nio.ByteBuffer;

/**
 * Where the decoder stands in the current frame. One instance per {@link PacketDecoder}, reset for
 * every frame. Every read a layer makes is bounds-checked against {@link #end} first, and all checks
 * are written as {@code end - pos < n} so that no sum can overflow.
 */
final class FrameCursor {

    /** Returned by a layer's decode step when the next layer should be decoded. */
    static final int CONTINUE = -1;

    /** Start of the frame in the buffer. */
    int start;
    /** End (exclusive) of the captured bytes; never past the buffer's limit. */
    int end;
    /** Length of the frame on the wire, at least the captured length. */
    int wireLength;
    /** Start of the header being decoded. */
    int pos;
    /** What the header at {@link #pos} is: an ethertype after the link layer, an IP protocol after IP. */
    int next;
    /**
     * End (exclusive) of the IP datagram as its header states it; may lie past {@link #end}. A long,
     * so that a huge length taken from the wire length cannot overflow or saturate.
     */
    long ipEnd;

    void reset(int start, int capturedLength, int wireLength) {
        this.start = start;
        this.end = start + capturedLength;
        this.wireLength = wireLength;
        this.pos = start;
        this.next = 0;
        this.ipEnd = 0;
    }

    /** Captured bytes from {@link #pos} on. */
    int remaining() {
        return end - pos;
    }

    /** Wire bytes from {@link #pos} on (what the frame held, captured or not). */
    int wireRemaining() {
        return wireLength - (pos - start);
    }

    /** Sets {@link #ipEnd} to {@code ipStart + length}. */
    void ipEnd(int ipStart, int length) {
        ipEnd = (long) ipStart + length;
    }

    /** IP payload bytes from {@link #pos} on, as the IP header states them (pos is never past ipEnd). */
    int ipRemaining() {
        return (int) (ipEnd - pos);
    }

    /** Records the error on the packet and returns {@link DecodedPacket#KIND_ERROR}. */
    static int fail(DecodedPacket out, DecodeError reason) {
        out.error = reason;
        return DecodedPacket.KIND_ERROR;
    }

    static int u8(ByteBuffer buf, int index) {
        return buf.get(index) & 0xFF;
    }

    static int u16(ByteBuffer buf, int index) {
        return buf.getShort(index) & 0xFFFF;
    }
}
