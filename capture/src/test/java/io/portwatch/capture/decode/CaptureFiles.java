package io.portwatch.capture.decode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small pcap/pcapng reader and pcap writer for the tests (the project's real readers live in the
 * capture sources). Reading stops quietly at the first malformed block: the tests only need the
 * frames before it.
 */
final class CaptureFiles {
    private static final int MAX_FRAME = 1 << 18;

    record Frame(int linkType, long timestampNanos, byte[] data, int originalLength) {
    }

    private CaptureFiles() {
    }

    static List<Frame> read(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path));
        List<Frame> frames = new ArrayList<>();
        if (b.remaining() < 24) {
            return frames;
        }
        int magic = b.getInt(0);
        if (magic == 0x0A0D0D0A) {
            readPcapng(b, frames);
        } else {
            readPcap(b, frames);
        }
        return frames;
    }

    private static void readPcap(ByteBuffer b, List<Frame> frames) {
        int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
        boolean nanos;
        switch (magic) {
            case 0xA1B2C3D4 -> nanos = false;
            case 0xA1B23C4D -> nanos = true;
            case 0xD4C3B2A1 -> {
                nanos = false;
                b.order(ByteOrder.LITTLE_ENDIAN);
            }
            case 0x4D3CB2A1 -> {
                nanos = true;
                b.order(ByteOrder.LITTLE_ENDIAN);
            }
            default -> {
                return;
            }
        }
        int linkType = b.getInt(20) & 0x03FF_FFFF;
        int p = 24;
        while (b.limit() - p >= 16) {
            long sec = b.getInt(p) & 0xFFFF_FFFFL;
            long frac = b.getInt(p + 4) & 0xFFFF_FFFFL;
            int caplen = b.getInt(p + 8);
            int len = b.getInt(p + 12);
            if (caplen < 0 || caplen > MAX_FRAME || b.limit() - p - 16 < caplen) {
                return;
            }
            byte[] data = new byte[caplen];
            b.get(p + 16, data);
            frames.add(new Frame(linkType, sec * 1_000_000_000L + (nanos ? frac : frac * 1000), data, len));
            p += 16 + caplen;
        }
    }

    private static void readPcapng(ByteBuffer b, List<Frame> frames) {
        List<Integer> linkTypes = new ArrayList<>();
        List<Integer> snaplens = new ArrayList<>();
        int p = 0;
        while (b.limit() - p >= 12) {
            int type = b.getInt(p);
            if (type == 0x0A0D0D0A) {
                int bom = b.order(ByteOrder.BIG_ENDIAN).getInt(p + 8);
                if (bom == 0x4D3C2B1A) {
                    b.order(ByteOrder.LITTLE_ENDIAN);
                } else if (bom != 0x1A2B3C4D) {
                    return;
                }
                linkTypes.clear();
                snaplens.clear();
            }
            int length = b.getInt(p + 4);
            if (length < 12 || (length & 3) != 0 || b.limit() - p < length) {
                return;
            }
            int body = p + 8;
            int bodyLength = length - 12;
            if (type == 1 && bodyLength >= 8) {
                linkTypes.add(b.getShort(body) & 0xFFFF);
                snaplens.add(b.getInt(body + 4));
            } else if ((type == 6 || type == 2) && bodyLength >= 20) {
                int iface = type == 6 ? b.getInt(body) : b.getShort(body) & 0xFFFF;
                long ts = ((b.getInt(body + 4) & 0xFFFF_FFFFL) << 32) | (b.getInt(body + 8) & 0xFFFF_FFFFL);
                int caplen = b.getInt(body + 12);
                int len = b.getInt(body + 16);
                if (iface < 0 || iface >= linkTypes.size() || caplen < 0 || caplen > bodyLength - 20) {
                    return;
                }
                byte[] data = new byte[caplen];
                b.get(body + 20, data);
                frames.add(new Frame(linkTypes.get(iface), ts * 1000, data, len));
            } else if (type == 3 && bodyLength >= 4 && !linkTypes.isEmpty()) {
                int len = b.getInt(body);
                int snap = snaplens.get(0);
                int caplen = Math.min(bodyLength - 4, Math.min(len, snap == 0 ? Integer.MAX_VALUE : snap));
                if (caplen < 0) {
                    return;
                }
                byte[] data = new byte[caplen];
                b.get(body + 4, data);
                frames.add(new Frame(linkTypes.get(0), 0, data, len));
            }
            p += length;
        }
    }

    /** Writes a classic little-endian microsecond pcap, one frame per millisecond. */
    static void writePcap(Path path, int linkType, List<byte[]> frames) throws IOException {
        int size = 24;
        for (byte[] f : frames) {
            size += 16 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144).putInt(linkType);
        int i = 0;
        for (byte[] f : frames) {
            b.putInt(1_700_000_000).putInt(i++ * 1000).putInt(f.length).putInt(f.length).put(f);
        }
        Files.write(path, b.array());
    }
}
