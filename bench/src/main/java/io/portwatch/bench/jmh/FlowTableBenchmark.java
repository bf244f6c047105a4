package io.portwatch.bench.jmh;

import io.portwatch.analysis.ports.IanaServices;
import io.portwatch.bench.GeneratorConfig;
import io.portwatch.capture.decode.DecodedPacket;
import io.portwatch.capture.flow.FlowConfig;
import io.portwatch.capture.flow.FlowTable;

import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link FlowTable#track} with many flows in the table.
 *
 * <ul>
 * <li>{@code established}: {@code flows} TCP and UDP flows already tracked (TCP ones established);
 * each operation is one more packet of a flow picked at random, so lookups miss the caches as they do
 * with real traffic spread over many flows.</li>
 * <li>{@code capture}: the packets of a synthetic capture with {@code concurrency} sessions open at
 * once, in order: new flows, handshakes, closes, linger and expiry (passes over the capture are an
 * hour apart, so the flows of one pass time out during the next).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FlowTableBenchmark {

    /** A table holding {@code flows} flows, and a random visiting order. */
    @State(Scope.Thread)
    public static class Established {
        @Param({"100000", "1000000"})
        int flows;
        /** Whether the table is taken to its largest size first, as a live capture does. */
        @Param({"false", "true"})
        boolean preallocated;

        FlowTable table;
        final DecodedPacket p = new DecodedPacket();
        int[] order;
        int next;
        long now = 1_000_000_000L;

        @Setup(Level.Trial)
        public void setUp() {
            table = new FlowTable(FlowConfig.defaults(), IanaServices::isServicePort, (t, s, r) -> { });
            if (preallocated && !table.preallocate()) {
                throw new IllegalStateException("the heap cannot hold the table at its largest");
            }
            for (int i = 0; i < flows; i++) {
                boolean tcp = i % 4 != 0;
                if (tcp) {
                    track(i, true, DecodedPacket.TCP_SYN);
                    track(i, false, DecodedPacket.TCP_SYN | DecodedPacket.TCP_ACK);
                    track(i, true, DecodedPacket.TCP_ACK);
                } else {
                    track(i, true, 0);
                }
            }
            if (table.size() != flows) {
                throw new IllegalStateException(table.size() + " flows tracked, not " + flows);
            }
            order = new int[1 << 22];
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < order.length; i++) {
                order[i] = rnd.nextInt(flows) << 1 | rnd.nextInt(2);
            }
        }

        /** Sets p to a packet of flow i (its client 10.x.y.z:port, its server 100.64.x.y:443 or :53). */
        void load(int i, boolean toServer, int flags) {
            final DecodedPacket p = this.p;
            boolean tcp = i % 4 != 0;
            long client = 0x0000_FFFF_0A00_0000L | (i >>> 6);
            long server = 0x0000_FFFF_6440_0000L | (i & 0xFF);
            int clientPort = 1024 + (i & 0x3F) * 1000 + (i >>> 22);
            int serverPort = tcp ? 443 : 53;
            p.kind = DecodedPacket.KIND_TRANSPORT;
            p.ipVersion = 4;
            p.protocol = tcp ? DecodedPacket.PROTO_TCP : DecodedPacket.PROTO_UDP;
            p.tcpFlags = tcp ? flags : 0;
            p.ipLength = 52 + (i & 0x3FF);
            p.timestampNanos = now++;
            p.srcHi = 0;
            p.dstHi = 0;
            if (toServer) {
                p.srcLo = client;
                p.dstLo = server;
                p.srcPort = clientPort;
                p.dstPort = serverPort;
            } else {
                p.srcLo = server;
                p.dstLo = client;
                p.srcPort = serverPort;
                p.dstPort = clientPort;
            }
        }

        private void track(int i, boolean toServer, int flags) {
            load(i, toServer, flags);
            table.track(p);
        }
    }

    /** Decoded packets replayed in order into a table, lap after lap (an hour apart). */
    abstract static class Replay {
        FlowTable table;
        Frames.Decoded packets;
        Frames.Cursor cursor;
        final DecodedPacket p = new DecodedPacket();
        long span;

        void start(Frames.Decoded decoded) {
            packets = decoded;
            span = packets.spanNanos();
            cursor = new Frames.Cursor(packets.count);
            table = new FlowTable(FlowConfig.defaults(), IanaServices::isServicePort, (t, s, r) -> { });
        }

        /** Tracks the next packet. */
        int next() {
            final int i = cursor.next();
            packets.load(i, Frames.lapShift(cursor.lap(), span), p);
            return table.track(p);
        }
    }

    /** The decoded packets of a synthetic capture, replayed in order. */
    @State(Scope.Thread)
    public static class Capture extends Replay {
        @Param({"100000", "400000"})
        int concurrency;

        @Setup(Level.Trial)
        public void setUp() {
            start(Frames.generate(2_000_000, concurrency).decode());
        }
    }

    @Benchmark
    public int established(Established s) {
        final int k = s.order[s.next++ & (s.order.length - 1)];
        s.load(k >>> 1, (k & 1) == 0, DecodedPacket.TCP_ACK);
        return s.table.track(s.p);
    }

    /** A sweep that finds every flow live: the pass a table makes each second, per flow in it. */
    @Benchmark
    public int sweep(Sweep s) {
        return s.table.sweep(s.now);
    }

    /**
     * {@code flows} established flows (a quarter UDP) in a table taken to its largest size, as {@code live}
     * has, none near its timeout: what a sweep costs that ends nothing.
     */
    @State(Scope.Thread)
    public static class Sweep {
        @Param({"100000", "1000000"})
        int flows;

        FlowTable table;
        long now;

        @Setup(Level.Trial)
        public void setUp() {
            Established e = new Established();
            e.flows = flows;
            e.preallocated = true;
            e.setUp();
            table = e.table;
            now = e.now;
        }
    }

    /**
     * The packets of a synthetic capture at 200,000 packets/s with 100,000 sessions open, replayed in order
     * into a table taken to its largest size first: what {@code live} does on the capture thread of
     * {@code bench/live}'s replay, sweeps and flow ends included (the handler does nothing).
     */
    @State(Scope.Thread)
    public static class Live extends Replay {
        /** Whether the table is taken to its largest size first, as {@code live} does, or grows as flows come. */
        @Param({"true", "false"})
        boolean preallocated;

        @Setup(Level.Trial)
        public void setUp() {
            start(Frames.generate(GeneratorConfig.defaults().withPackets(4_000_000).withConcurrency(100_000)
                    .withRate(200_000)).decode());
            if (preallocated && !table.preallocate()) {
                throw new IllegalStateException("the heap cannot hold the table at its largest");
            }
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.printf("%n%d slots, %d flows at the end%n", table.capacity(), table.size());
        }
    }

    @Benchmark
    public int live(Live s) {
        return s.next();
    }

    @Benchmark
    public int capture(Capture s) {
        return s.next();
    }
}
