package io.portwatch.capture.ring;

import io.portwatch.capture.libpcap.LiveOptions;
import io.portwatch.capture.source.PacketSink;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PacketRing} on rings written here as the kernel writes them (no socket, no root): frames in place,
 * blocks handed back, the walk bounded by the block whatever its headers say, VLAN tags put back and the
 * loopback's sent copies skipped as libpcap does; and {@link RingGeometry}'s sizing.
 */
class PacketRingTest {

    private static final int BLOCK = 4096;
    private static final int MAC = 82; // where the kernel puts an Ethernet frame's header in its slot

    record Seen(long nanos, int offset, int captured, int length, byte[] data) {
    }

    static final class Sink implements PacketSink {
        final List<Seen> seen = new ArrayList<>();

        @Override
        public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                             int originalLength) {
            assertEquals(ByteOrder.BIG_ENDIAN, buffer.order());
            byte[] copy = new byte[capturedLength];
            buffer.get(offset, copy);
            seen.add(new Seen(timestampNanos, offset, capturedLength, originalLength, copy));
        }
    }

    private final ByteBuffer ring = ByteBuffer.allocateDirect(2 * BLOCK).order(ByteOrder.nativeOrder());

    /** Writes a block the kernel handed over, frames of these lengths, each {@code 16 * k} bytes apart. */
    private void block(int index, int... lengths) {
        int base = index * BLOCK;
        ring.putInt(base + BlockDescriptor.NUM_PKTS_OFFSET, lengths.length);
        ring.putInt(base + BlockDescriptor.OFFSET_TO_FIRST_PKT_OFFSET, BlockDescriptor.LENGTH);
        int frame = base + BlockDescriptor.LENGTH;
        for (int i = 0; i < lengths.length; i++) {
            int stride = RingGeometry.align16(MAC + lengths[i]);
            ring.putInt(frame + Tpacket3Header.NEXT_OFFSET_OFFSET, i + 1 < lengths.length ? stride : 0);
            ring.putInt(frame + Tpacket3Header.SEC_OFFSET, 1_700_000_000 + i);
            ring.putInt(frame + Tpacket3Header.NSEC_OFFSET, 123_456_789);
            ring.putInt(frame + Tpacket3Header.SNAPLEN_OFFSET, lengths[i]);
            ring.putInt(frame + Tpacket3Header.LEN_OFFSET, lengths[i] + 1000);
            ring.putShort(frame + Tpacket3Header.MAC_OFFSET, (short) MAC);
            for (int b = 0; b < lengths[i]; b++) {
                ring.put(frame + MAC + b, (byte) (i * 16 + b));
            }
            frame += stride;
        }
        ring.putInt(base + BlockDescriptor.BLOCK_STATUS_OFFSET, BlockDescriptor.TP_STATUS_USER);
    }

    private int frame(int block, int i) {
        int frame = block * BLOCK + BlockDescriptor.LENGTH;
        for (int k = 0; k < i; k++) {
            frame += ring.getInt(frame + Tpacket3Header.NEXT_OFFSET_OFFSET);
        }
        return frame;
    }

    private int status(int block) {
        return ring.getInt(block * BLOCK + BlockDescriptor.BLOCK_STATUS_OFFSET);
    }

    @Test
    void deliversTheFramesInPlaceAndHandsTheBlockBack() {
        PacketRing r = new PacketRing(ring, BLOCK, 2, 256, 1, false);
        Sink sink = new Sink();
        assertEquals(-1, r.readBlock(sink), "the kernel's block is not read");
        block(0, 60, 300, 42);
        assertTrue(r.ready());
        assertEquals(3, r.readBlock(sink));
        assertEquals(BlockDescriptor.TP_STATUS_KERNEL, status(0), "handed back");
        assertEquals(3, sink.seen.size());
        assertEquals(1_700_000_000L * 1_000_000_000L + 123_456_789L, sink.seen.get(0).nanos());
        assertEquals(frame(0, 0) + MAC, sink.seen.get(0).offset(), "a slice of the ring itself");
        assertEquals(256, sink.seen.get(1).captured(), "cut at the snapshot length");
        assertEquals(1300, sink.seen.get(1).length());
        assertEquals((byte) 16, sink.seen.get(1).data()[0]);
        assertEquals(-1, r.readBlock(sink), "the next block is the kernel's");
        block(1, 10);
        assertEquals(1, r.readBlock(sink));
        block(0, 20);
        assertEquals(1, r.readBlock(sink), "round the ring");
        assertEquals(0, r.malformedBlocks());
    }

    @Test
    void aBlockThatDoesNotAddUpIsHandedBackWithTheFramesBefore() {
        PacketRing r = new PacketRing(ring, BLOCK, 2, 65535, 1, false);
        Sink sink = new Sink();
        block(0, 60, 60, 60);
        ring.putInt(frame(0, 1) + Tpacket3Header.SNAPLEN_OFFSET, BLOCK); // runs past the block
        assertEquals(1, r.readBlock(sink));
        assertEquals(1, r.malformedBlocks());
        assertEquals(BlockDescriptor.TP_STATUS_KERNEL, status(0));

        block(1, 60, 60);
        ring.putInt(frame(1, 0) + Tpacket3Header.NEXT_OFFSET_OFFSET, BLOCK * 4); // the next frame outside
        assertEquals(1, r.readBlock(sink));
        block(0, 60);
        ring.putInt(BlockDescriptor.NUM_PKTS_OFFSET, Integer.MAX_VALUE); // more frames than could fit
        assertEquals(0, r.readBlock(sink));
        block(1, 60, 60);
        ring.putInt(frame(1, 0) + Tpacket3Header.NEXT_OFFSET_OFFSET, 0); // no progress
        assertEquals(1, r.readBlock(sink));
        block(0, 60);
        ring.putShort(frame(0, 0) + Tpacket3Header.MAC_OFFSET, (short) 4); // the frame over its header
        assertEquals(0, r.readBlock(sink));
        block(1, 60);
        ring.putInt(BLOCK + BlockDescriptor.OFFSET_TO_FIRST_PKT_OFFSET, BLOCK - 8);
        assertEquals(0, r.readBlock(sink));
        assertEquals(6, r.malformedBlocks());
        assertEquals(3, sink.seen.size());
    }

    @Test
    void putsTheVlanTagBackAsLibpcapDoes() {
        PacketRing r = new PacketRing(ring, BLOCK, 2, 256, 1, false);
        Sink sink = new Sink();
        block(0, 60, 60);
        int f = frame(0, 0);
        ring.putInt(f + Tpacket3Header.STATUS_OFFSET, Tpacket3Header.TP_STATUS_VLAN_VALID | Tpacket3Header.TP_STATUS_VLAN_TPID_VALID);
        ring.putInt(f + Tpacket3Header.VLAN_TCI_OFFSET, 0x2064);
        ring.putShort(f + Tpacket3Header.VLAN_TPID_OFFSET, (short) 0x88a8);
        int g = frame(0, 1);
        ring.putInt(g + Tpacket3Header.VLAN_TCI_OFFSET, 7); // a tag without the status bit: 802.1Q
        assertEquals(2, r.readBlock(sink));
        byte[] d = sink.seen.get(0).data();
        assertEquals(64, d.length);
        assertEquals(1064, sink.seen.get(0).length());
        for (int b = 0; b < 12; b++) {
            assertEquals((byte) b, d[b], "the MAC addresses, moved 4 bytes ahead");
        }
        assertArrayEquals(new byte[]{(byte) 0x88, (byte) 0xa8, 0x20, 0x64, 12, 13}, java.util.Arrays.copyOfRange(d, 12, 18));
        byte[] e = sink.seen.get(1).data();
        assertArrayEquals(new byte[]{(byte) 0x81, 0x00, 0x00, 0x07, 28, 29}, java.util.Arrays.copyOfRange(e, 12, 18));
    }

    @Test
    void skipsWhatTheHostSentOnLoopbackOnly() {
        block(0, 60, 61);
        ring.put(frame(0, 0) + Tpacket3Header.SOCKADDR_OFFSET + SockaddrLl.PKTTYPE_OFFSET, (byte) SockaddrLl.PACKET_OUTGOING);
        Sink loopback = new Sink();
        assertEquals(1, new PacketRing(ring, BLOCK, 2, 256, 1, true).readBlock(loopback));
        assertEquals(61, loopback.seen.get(0).captured());
        block(0, 60, 61);
        ring.put(frame(0, 0) + Tpacket3Header.SOCKADDR_OFFSET + SockaddrLl.PKTTYPE_OFFSET, (byte) SockaddrLl.PACKET_OUTGOING);
        Sink ethernet = new Sink();
        assertEquals(2, new PacketRing(ring, BLOCK, 2, 256, 1, false).readBlock(ethernet), "sent frames count elsewhere");
    }

    @Test
    void geometryFollowsTheBufferAndSnapshotLength() {
        RingGeometry d = RingGeometry.of(LiveOptions.defaults(), 4096);
        assertEquals(new RingGeometry(512 << 10, 64, 352, 50), d, "32 MiB: 64 blocks of 512 KiB");
        RingGeometry small = RingGeometry.of(new LiveOptions(256, true, 4 << 20, false, 50, null), 4096);
        assertEquals(new RingGeometry(64 << 10, 64, 352, 50), small);
        RingGeometry big = RingGeometry.of(new LiveOptions(256, true, 256 << 20, false, 50, null), 4096);
        assertEquals(new RingGeometry(1 << 20, 256, 352, 50), big, "blocks of 1 MiB at most");
        RingGeometry tiny = RingGeometry.of(new LiveOptions(256, true, 1, true, 50, null), 4096);
        assertEquals(new RingGeometry(4096, 2, 352, 1), tiny, "at least two pages; immediate: 1 ms");
        RingGeometry jumbo = RingGeometry.of(new LiveOptions(262144, true, 4 << 20, false, 50, null), 4096);
        assertTrue(jumbo.blockSize() >= jumbo.frameSize(), jumbo.toString());
        assertEquals(4 << 20, jumbo.bytes());
        assertThrows(IllegalArgumentException.class, () -> new RingGeometry(3000, 2, 352, 1));
        assertThrows(IllegalArgumentException.class, () -> new RingGeometry(4096, 1, 352, 1));
    }
}
