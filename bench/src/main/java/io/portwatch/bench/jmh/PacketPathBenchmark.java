package io.portwatch.bench.jmh;

import io.portwatch.analysis.AnalyzerConfig;
import io.portwatch.analysis.TrafficAnalyzer;
import io.portwatch.analysis.output.FlowRecord;
import io.portwatch.analysis.output.RecordSink;
import io.portwatch.analysis.output.Summary;
import io.portwatch.analysis.output.WindowReport;
import io.portwatch.capture.decode.LinkType;
import io.portwatch.capture.flow.FlowConfig;

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
 * The whole per-packet path, {@link TrafficAnalyzer#onPacket}: decode, track the flow, update the
 * port's counters, on the frames of a synthetic capture with {@code concurrency} sessions open at once.
 * Run it with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per packet (the
 * target is 0). With {@code intervalMillis} above 0, windows close on packet time and their records
 * (allocated once per window, not per packet) count too, spread over the window's packets. Two forks:
 * the bytes allocated per packet have differed from one JVM to the next (the JIT's inlining decides
 * whether short-lived arrays are allocated at all).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PacketPathBenchmark {

    @Param("200000")
    int concurrency;

    @Param({"0", "1000"})
    long intervalMillis;

    private Frames f;
    private Frames.Cursor cursor;
    private TrafficAnalyzer analyzer;
    private long windows;

    @Setup(Level.Trial)
    public void setUp() {
        f = Frames.generate(2_000_000, concurrency);
        cursor = new Frames.Cursor(f.count);
        RecordSink sink = new RecordSink() {
            @Override
            public void window(WindowReport report) {
                windows += report.ports().size();
            }

            @Override
            public void flow(FlowRecord flow) {
            }

            @Override
            public void summary(Summary summary) {
            }
        };
        analyzer = new TrafficAnalyzer(new AnalyzerConfig(intervalMillis * 1_000_000L, FlowConfig.defaults(), false),
                "bench", sink);
    }

    @Benchmark
    public void onPacket() {
        final Frames fr = f;
        final int i = cursor.next();
        analyzer.onPacket(LinkType.ETHERNET, fr.timestamp[i] + Frames.lapShift(cursor.lap(), fr.spanNanos), fr.buf,
                fr.offset[i], fr.captured[i], fr.original[i]);
    }
}
