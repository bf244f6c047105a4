package io.portwatch.capture.ring;

import com.sun.jna.Memory;

/**
 * {@code struct tpacket_req3}, the ring's shape as {@code PACKET_RX_RING} takes it: blocks of
 * {@link RingGeometry#blockSize()} bytes, the nominal frame size, and how long the kernel keeps a block that
 * is not full before it hands it over ({@code tp_retire_blk_tov}, the capture's latency bound).
 */
final class TpacketReq3 {

    static final int BLOCK_SIZE_OFFSET = 0;
    static final int BLOCK_NR_OFFSET = 4;
    static final int FRAME_SIZE_OFFSET = 8;
    static final int FRAME_NR_OFFSET = 12;
    static final int RETIRE_BLK_TOV_OFFSET = 16;
    static final int SIZEOF_PRIV_OFFSET = 20;
    static final int FEATURE_REQ_WORD_OFFSET = 24;
    static final int LENGTH = 28;

    private TpacketReq3() {
    }

    /** The request for {@code g}, in native memory (the caller closes it). */
    static Memory of(RingGeometry g) {
        Memory m = new Memory(LENGTH);
        m.clear();
        m.setInt(BLOCK_SIZE_OFFSET, g.blockSize());
        m.setInt(BLOCK_NR_OFFSET, g.blockCount());
        m.setInt(FRAME_SIZE_OFFSET, g.frameSize());
        m.setInt(FRAME_NR_OFFSET, g.blockSize() / g.frameSize() * g.blockCount());
        m.setInt(RETIRE_BLK_TOV_OFFSET, g.retireMillis());
        return m;
    }
}
