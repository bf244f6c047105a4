package io.portwatch.bench;

import io.portwatch.capture.source.PacketSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a pcap file with nanosecond timestamps (magic {@code a1b23c4d}, little-endian), streaming
 * through one buffer: memory stays the same whatever the file's size. Frames longer than the snap
 * length are cut to it, with their original length kept. As a {@link PacketSink}, it takes frames
 * straight from {@link CaptureGenerator}; all frames must share the file's link type.
 */
public final class PcapWriter implements PacketSink, AutoCloseable {

    static final int MAGIC_NANOS = 0xA1B23C4D;
    private static final int RECORD_HEADER = 16;

    private final FileChannel channel;
    private final ByteBuffer out = ByteBuffer.allocateDirect(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final int snaplen;
    private final int linkType;
    private long packets;
    private long bytes;

    /** Creates (or replaces) the file and writes its header. */
    public PcapWriter(Path file, int snaplen, int linkType) throws IOException {
        this.snaplen = snaplen;
        this.linkType = linkType;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        out.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(snaplen).putInt(linkType);
        bytes = out.position();
    }

    @Override
    public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                         int originalLength) {
        if (linkType != this.linkType) {
            throw new IllegalArgumentException("link type " + linkType + " in a file of link type " + this.linkType);
        }
        int caplen = Math.min(capturedLength, snaplen);
        if (out.remaining() < RECORD_HEADER + caplen) {
            flush();
        }
        int p = out.position();
        out.putInt(p, (int) (timestampNanos / 1_000_000_000L));
        out.putInt(p + 4, (int) (timestampNanos % 1_000_000_000L));
        out.putInt(p + 8, caplen);
        out.putInt(p + 12, Math.max(originalLength, caplen));
        out.put(p + RECORD_HEADER, buffer, offset, caplen);
        out.position(p + RECORD_HEADER + caplen);
        packets++;
        bytes += RECORD_HEADER + caplen;
    }

    /** Frames written so far. */
    public long packets() {
        return packets;
    }

    /** File size so far. */
    public long bytes() {
        return bytes;
    }

    private void flush() {
        out.flip();
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the capture: " + e.getMessage(), e);
        }
        out.clear();
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }
}
