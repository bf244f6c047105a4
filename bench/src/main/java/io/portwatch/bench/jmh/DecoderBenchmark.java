package io.portwatch.bench.jmh;

import io.portwatch.capture.decode.DecodeStats;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.decode.PacketDecoder;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link PacketDecoder#decode} on the frames of a synthetic capture (Ethernet, some 802.1Q, IPv4 and
 * IPv6, TCP and UDP, cut at 128 bytes), one frame per operation, in capture order.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DecoderBenchmark {

    @Param("500000")
    int frames;

    private Frames f;
    private Frames.Cursor cursor;
    private final PacketDecoder decoder = new PacketDecoder(new DecodeStats());
    private final DecodedPacket out = new DecodedPacket();

    @Setup(Level.Trial)
    public void setUp() {
        f = Frames.generate(frames, 50_000);
        cursor = new Frames.Cursor(f.count);
    }

    @Benchmark
    public int decode() {
        final int i = cursor.next();
        return decoder.decode(LinkType.ETHERNET, f.timestamp[i], f.buf, f.offset[i], f.captured[i], f.original[i], out);
    }
}
