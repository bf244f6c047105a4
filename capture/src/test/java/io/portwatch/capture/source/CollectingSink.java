package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Copies every delivered frame, checking what the sink contract promises about the buffer. */
final class CollectingSink implements PacketSink {

    /** A delivered frame; {@code data} compares by content. */
    record Frame(int linkType, long timestampNanos, int capturedLength, int originalLength, ByteBuffer data) {
        Frame(int linkType, long timestampNanos, byte[] data, int originalLength) {
            this(linkType, timestampNanos, data.length, originalLength, ByteBuffer.wrap(data));
        }
    }

    final List<Frame> frames = new ArrayList<>();

    @Override
    public void onPacket(int linkType, long timestampNanos, ByteBuffer buffer, int offset, int capturedLength,
                         int originalLength) {
        assertEquals(ByteOrder.BIG_ENDIAN, buffer.order(), "buffer order");
        assertTrue(offset >= 0 && capturedLength >= 0 && offset + capturedLength <= buffer.limit(),
                () -> "frame [" + offset + ", +" + capturedLength + ") outside limit " + buffer.limit());
        assertTrue(originalLength >= capturedLength, "original length below captured length");
        byte[] data = new byte[capturedLength];
        buffer.get(offset, data);
        frames.add(new Frame(linkType, timestampNanos, capturedLength, originalLength, ByteBuffer.wrap(data)));
    }

    /** All frames of a file; the source is closed afterwards. */
    static List<Frame> read(String path) throws CaptureException {
        CollectingSink sink = new CollectingSink();
        try (CaptureFileSource source = CaptureFileSource.open(path)) {
            source.run(sink);
        }
        return sink.frames;
    }

    static String write(Path dir, String name, byte[] content) {
        Path file = dir.resolve(name);
        try {
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toString();
    }
}
