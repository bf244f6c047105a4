package io.portwatch.bench.jmh;

import io.portwatch.bench.CaptureGenerator;
import io.portwatch.bench.GeneratorConfig;
import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.PacketDecoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The frames of a synthetic capture held in memory for benchmarks: exactly the records the generator
 * writes to a file, cut to the snap length, in one direct buffer (as the pure-Java reader hands them
 * over), with their timestamps and lengths.
 */
final class Frames {
    final int count;
    final ByteBuffer buf;
    final int[] offset;
    final int[] captured;
    final int[] original;
    final long[] timestamp;
    /** Time from the first frame to the last, plus one second. */
    final long spanNanos;

    private Frames(int count, ByteBuffer buf, int[] offset, int[] captured, int[] original, long[] timestamp) {
        this.count = count;
        this.buf = buf;
        this.offset = offset;
        this.captured = captured;
        this.original = original;
        this.timestamp = timestamp;
        this.spanNanos = timestamp[count - 1] - timestamp[0] + 1_000_000_000L;
    }

    /** Generates {@code packets} frames with the default mix and the given concurrency. */
    static Frames generate(int packets, int concurrency) {
        return generate(GeneratorConfig.defaults().withPackets(packets).withConcurrency(concurrency));
    }

    /** Generates the frames of these settings (at most 2^31 - 1 of them). */
    static Frames generate(GeneratorConfig cfg) {
        final int packets = Math.toIntExact(cfg.packets());
        ByteBuffer buf = ByteBuffer.allocateDirect(packets * cfg.snaplen()).order(ByteOrder.BIG_ENDIAN);
        int[] offset = new int[packets];
        int[] captured = new int[packets];
        int[] original = new int[packets];
        long[] timestamp = new long[packets];
        int[] n = {0, 0};
        new CaptureGenerator(cfg).run((linkType, ts, frame, off, cap, orig) -> {
            int i = n[0]++;
            int at = n[1];
            buf.put(at, frame, off, cap);
            offset[i] = at;
            captured[i] = cap;
            original[i] = orig;
            timestamp[i] = ts;
            n[1] = at + cap;
        });
        return new Frames(packets, buf, offset, captured, original, timestamp);
    }

    /**
     * The frames decoded once, field by field (struct of arrays), for benchmarks of what comes after
     * the decoder; non-transport frames are left out.
     */
    Decoded decode() {
        Decoded d = new Decoded(count);
        PacketDecoder decoder = new PacketDecoder(new DecodeStats());
        DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < count; i++) {
            if (decoder.decode(LinkType.ETHERNET, timestamp[i], buf, offset[i], captured[i], original[i], p)
                    == DecodedPacket.KIND_TRANSPORT) {
                d.add(p);
            }
        }
        return d;
    }

    /** Decoded transport packets as arrays; {@link #load} puts one back into a {@link DecodedPacket}. */
    static final class Decoded {
        int count;
        final long[] srcHi;
        final long[] srcLo;
        final long[] dstHi;
        final long[] dstLo;
        final long[] timestamp;
        /** protocol | ipVersion << 8 | tcpFlags << 16. */
        final int[] meta;
        final int[] ports;
        final int[] ipLength;

        Decoded(int capacity) {
            srcHi = new long[capacity];
            srcLo = new long[capacity];
            dstHi = new long[capacity];
            dstLo = new long[capacity];
            timestamp = new long[capacity];
            meta = new int[capacity];
            ports = new int[capacity];
            ipLength = new int[capacity];
        }

        void add(DecodedPacket p) {
            int i = count++;
            srcHi[i] = p.srcHi;
            srcLo[i] = p.srcLo;
            dstHi[i] = p.dstHi;
            dstLo[i] = p.dstLo;
            timestamp[i] = p.timestampNanos;
            meta[i] = p.protocol | p.ipVersion << 8 | p.tcpFlags << 16;
            ports[i] = p.srcPort << 16 | p.dstPort;
            ipLength[i] = p.ipLength;
        }

        /** Packet i into p, its timestamp moved by {@code shift}. */
        void load(int i, long shift, DecodedPacket p) {
            p.kind = DecodedPacket.KIND_TRANSPORT;
            p.timestampNanos = timestamp[i] + shift;
            p.srcHi = srcHi[i];
            p.srcLo = srcLo[i];
            p.dstHi = dstHi[i];
            p.dstLo = dstLo[i];
            int m = meta[i];
            p.protocol = m & 0xFF;
            p.ipVersion = (m >>> 8) & 0xFF;
            p.tcpFlags = m >>> 16;
            p.srcPort = ports[i] >>> 16;
            p.dstPort = ports[i] & 0xFFFF;
            p.ipLength = ipLength[i];
        }

        long spanNanos() {
            return timestamp[count - 1] - timestamp[0] + 1_000_000_000L;
        }
    }

    /** A lap's time shift: each pass over the frames comes an hour after the last, so flows time out between. */
    static long lapShift(int lap, long span) {
        return (long) lap * (span + 3_600_000_000_000L);
    }

    /** Allocation-free index into the frames: next() cycles, lap() counts the passes. */
    static final class Cursor {
        private final int count;
        private int i = -1;
        private int lap;

        Cursor(int count) {
            this.count = count;
        }

        int next() {
            if (++i == count) {
                i = 0;
                lap++;
            }
            return i;
        }

        int lap() {
            return lap;
        }
    }
}
