package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LiveOptions;

/**
 * The shape of a ring for the live options: {@code --buffer-size} bytes in {@link #blockCount()} blocks of
 * {@link #blockSize()} bytes, frames of up to the snapshot length, and the block timeout
 * ({@link LiveOptions#timeoutMillis()}, or 1 ms with {@code --immediate}).
 *
 * <p>Blocks are a power of two of at most {@value #MAX_BLOCK_SIZE} bytes and at least a page, and there are
 * at least {@value #MIN_BLOCKS} of them (fewer when the buffer is small): 32 MiB is 64 blocks of 512 KiB, the
 * 4 MiB of bench/live 64 blocks of 64 KiB. The kernel fills one block while the reader empties others, and
 * drops a frame when the block it would go to is still the reader's; a block that is not full is handed over
 * after the timeout all the same, so a ring of N blocks rides out a stall of the reader of N x 50 ms at least,
 * however light the traffic. With 8 blocks (the first choice) that was 400 ms, and bench/live dropped frames
 * at 48,000 packets/s on a loaded machine where libpcap (blocks of one page) did not; the cost of a block to
 * the reader is two reads and a store, so many blocks cost nothing that shows. libpcap uses blocks of one
 * page (32 MiB: 8,192 blocks of about eighteen 128-byte frames). Immutable.
 *
 * @param blockSize    bytes per block, a power of two
 * @param blockCount   blocks in the ring
 * @param frameSize    the nominal frame size: header, address and a snapshot-length frame, 16-byte aligned
 * @param retireMillis how long the kernel keeps a block that is not full before it hands it over
 */
public record RingGeometry(int blockSize, int blockCount, int frameSize, int retireMillis) {

    /** The largest block: 1 MiB (order-8 pages, which the kernel still finds contiguous on a busy host). */
    public static final int MAX_BLOCK_SIZE = 1 << 20;
    /** Blocks a buffer is cut into at least, when it is big enough. */
    public static final int MIN_BLOCKS = 64;
    /** Where a frame's link-layer header starts, at most, in its slot: {@code TPACKET_ALIGN(TPACKET3_HDRLEN) + 16}. */
    static final int MAC_ROOM = align16(Tpacket3Header.HEADER_AND_ADDRESS) + 16;

    public RingGeometry {
        if (blockSize < 4096 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("the block size must be a power of two of at least 4096: " + blockSize);
        }
        if (blockCount < 2) {
            throw new IllegalArgumentException("a ring needs at least two blocks: " + blockCount);
        }
        if (frameSize < MAC_ROOM || frameSize > blockSize || (frameSize & 15) != 0) {
            throw new IllegalArgumentException("the frame size must be 16-byte aligned, from " + MAC_ROOM
                    + " to the block size: " + frameSize);
        }
        if ((long) blockSize * blockCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a ring must be under 2 GiB: " + blockCount + " blocks of " + blockSize);
        }
        if (retireMillis < 1) {
            throw new IllegalArgumentException("the block timeout must be at least 1 ms: " + retireMillis);
        }
    }

    /** The shape for these options on a system with {@code pageSize}-byte pages. */
    public static RingGeometry of(LiveOptions options, int pageSize) {
        int frame = align16(MAC_ROOM + options.snaplen());
        int byBuffer = Integer.highestOneBit(Math.max(1, options.bufferSizeBytes() / MIN_BLOCKS));
        int block = Math.max(Math.max(pageSize, 4096), Math.min(MAX_BLOCK_SIZE, byBuffer));
        while (block < frame) {
            block <<= 1;
        }
        int count = Math.max(2, options.bufferSizeBytes() / block);
        int retire = options.immediate() ? 1 : Math.max(1, options.timeoutMillis());
        return new RingGeometry(block, count, frame, retire);
    }

    /** The ring's size in bytes: what is mapped. */
    public int bytes() {
        return blockSize * blockCount;
    }

    static int align16(int n) {
        return (n + 15) & ~15;
    }
}
