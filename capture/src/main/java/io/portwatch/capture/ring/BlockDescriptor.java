package io.portwatch.capture.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The header of one TPACKET_V3 block ({@code struct tpacket_block_desc} holding a {@code struct
 * tpacket_hdr_v1}), in the ring's native byte order: who owns the block ({@code block_status}), how many
 * frames it holds and where the first one starts. The owner field is read with acquire and written with
 * release semantics, as the kernel's {@code smp_rmb}/{@code smp_wmb} pair around it asks: the frames of a
 * block the kernel handed over are visible once its status is, and the kernel sees the block back only after
 * every read of its frames.
 */
final class BlockDescriptor {

    static final int VERSION_OFFSET = 0;
    static final int OFFSET_TO_PRIV_OFFSET = 4;
    /** {@code struct tpacket_hdr_v1} starts here. */
    static final int BLOCK_STATUS_OFFSET = 8;
    static final int NUM_PKTS_OFFSET = 12;
    static final int OFFSET_TO_FIRST_PKT_OFFSET = 16;
    static final int BLK_LEN_OFFSET = 20;
    static final int SEQ_NUM_OFFSET = 24;
    /** The descriptor's size, aligned: the first frame comes at or after it. */
    static final int LENGTH = 48;

    /** {@code TP_STATUS_KERNEL}: the kernel may fill the block. */
    static final int TP_STATUS_KERNEL = 0;
    /** {@code TP_STATUS_USER}: the kernel handed the block over, full or timed out. */
    static final int TP_STATUS_USER = 1;

    private static final VarHandle STATUS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private BlockDescriptor() {
    }

    /** Whether the block at {@code block} is the reader's now (acquire: its frames are then visible). */
    static boolean userOwned(ByteBuffer ring, int block) {
        return ((int) STATUS.getAcquire(ring, block + BLOCK_STATUS_OFFSET) & TP_STATUS_USER) != 0;
    }

    /** Hands the block back to the kernel (release: after every read of its frames). */
    static void release(ByteBuffer ring, int block) {
        STATUS.setRelease(ring, block + BLOCK_STATUS_OFFSET, TP_STATUS_KERNEL);
    }

    static int numPackets(ByteBuffer ring, int block) {
        return ring.getInt(block + NUM_PKTS_OFFSET);
    }

    static int offsetToFirstPacket(ByteBuffer ring, int block) {
        return ring.getInt(block + OFFSET_TO_FIRST_PKT_OFFSET);
    }
}
