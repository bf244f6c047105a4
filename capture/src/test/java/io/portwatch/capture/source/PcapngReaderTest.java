package io.portwatch.capture.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.portwatch.capture.source.CollectingSink.Frame;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PcapngReaderTest {

    private static final BigInteger BILLION = BigInteger.valueOf(1_000_000_000L);
    private static final byte[] NO_OPTIONS = new byte[0];

    enum Order {
        BIG(ByteOrder.BIG_ENDIAN), LITTLE(ByteOrder.LITTLE_ENDIAN);

        final ByteOrder order;

        Order(ByteOrder order) {
            this.order = order;
        }
    }

    @TempDir
    Path dir;

    private final Random random = new Random(0xC0FFEE);

    record Sample(String name, byte[] file, List<Frame> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** What the reader must compute: floor(units * 10^9 / unitsPerSecond) + offset * 10^9, clamped to a long. */
    static long expectedNanos(long units, int tsresol, long offsetSeconds) {
        BigInteger perSecond = (tsresol & 0x80) == 0
                ? BigInteger.TEN.pow(tsresol) : BigInteger.TWO.pow(tsresol & 0x7F);
        BigInteger ns = new BigInteger(Long.toUnsignedString(units)).multiply(BILLION).divide(perSecond)
                .add(BigInteger.valueOf(offsetSeconds).multiply(BILLION));
        return ns.max(BigInteger.valueOf(Long.MIN_VALUE)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /**
     * Three interfaces: Ethernet with the default (microsecond) resolution, Linux cooked with
     * if_tsresol 9, raw IP with binary 2^-20 and an if_tsoffset; packets on all three, some with
     * options after the data.
     */
    private Sample interfaces(ByteOrder order) {
        CaptureBytes w = new CaptureBytes(order).shb();
        w.idb(1, 0, NO_OPTIONS);
        w.idb(113, 262144, CaptureBytes.tsresolOptions(order, 9, null));
        w.idb(101, 96, CaptureBytes.tsresolOptions(order, 0x80 | 20, -3600L));
        int[] linkTypes = {1, 113, 101};
        int[] tsresols = {6, 9, 0x80 | 20};
        long[] offsets = {0, 0, -3600};
        List<Frame> expected = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            int id = i % 3;
            long units = 1_700_000_000L * (1L << 20) + random.nextInt(1 << 30);
            byte[] data = randomBytes(1 + random.nextInt(200));
            int original = data.length + (i % 2) * 1000;
            byte[] options = i % 4 == 0 ? CaptureBytes.commentOption(order, "packet " + i) : NO_OPTIONS;
            w.epb(id, units, data, original, options);
            expected.add(new Frame(linkTypes[id], expectedNanos(units, tsresols[id], offsets[id]), data, original));
        }
        return new Sample("interfaces-" + order + ".pcapng", w.toByteArray(), expected);
    }

    /** Three sections of alternating byte order, each numbering its interfaces from 0. */
    private Sample sections(ByteOrder first) {
        ByteOrder second = first == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        CaptureBytes w = new CaptureBytes(first);
        List<Frame> expected = new ArrayList<>();
        byte[] a = randomBytes(60);
        byte[] b = randomBytes(61);
        byte[] c = randomBytes(62);
        byte[] d = randomBytes(63);
        w.shb().idb(1, 65535, NO_OPTIONS).epb(0, 1_000_000L, a, 60, NO_OPTIONS);
        expected.add(new Frame(1, 1_000_000_000L, a, 60));
        w.order(second).shb().idb(113, 0, CaptureBytes.tsresolOptions(second, 9, null)).idb(228, 0, NO_OPTIONS);
        w.epb(1, 2_000_000L, b, 61, NO_OPTIONS).epb(0, 3_000_000_000L, c, 62, NO_OPTIONS);
        expected.add(new Frame(228, 2_000_000_000L, b, 61));
        expected.add(new Frame(113, 3_000_000_000L, c, 62));
        w.order(first).shb().idb(101, 0, CaptureBytes.tsresolOptions(first, 3, null)).epb(0, 4_000L, d, 100, NO_OPTIONS);
        expected.add(new Frame(101, 4_000_000_000L, d, 100));
        return new Sample("sections-" + first + ".pcapng", w.toByteArray(), expected);
    }

    /** Simple packet blocks (captured = min(original, snaplen, block data)) and obsolete packet blocks. */
    private Sample simpleAndObsolete(ByteOrder order) {
        CaptureBytes w = new CaptureBytes(order).shb().idb(1, 100, NO_OPTIONS).idb(113, 0, NO_OPTIONS);
        byte[] long1 = randomBytes(120);
        byte[] short1 = randomBytes(52);
        byte[] opb = randomBytes(77);
        w.spb(200, long1).spb(50, short1).obsoletePacket(1, 5_000_001L, opb, 1000).spb(100, long1);
        List<Frame> expected = List.of(
                new Frame(1, 0, Arrays.copyOf(long1, 100), 200),
                new Frame(1, 0, Arrays.copyOf(short1, 50), 50),
                new Frame(113, 5_000_001_000L, opb, 1000),
                new Frame(1, 0, Arrays.copyOf(long1, 100), 100));
        return new Sample("simple-" + order + ".pcapng", w.toByteArray(), expected);
    }

    /** Name resolution, statistics, secrets, custom and unknown blocks between packets, one of them 3 MiB. */
    private Sample skippedBlocks(ByteOrder order) {
        CaptureBytes w = new CaptureBytes(order).shb();
        byte[] a = randomBytes(40);
        byte[] b = randomBytes(41);
        w.block(CaptureBytes.NRB, w.body().u16(1).u16(8).bytes(new byte[] {127, 0, 0, 1, 'l', 'o', 0, 0})
                .u16(0).u16(0).toByteArray());
        w.idb(1, 0, NO_OPTIONS).epb(0, 7, a, 40, NO_OPTIONS);
        w.block(CaptureBytes.ISB, w.body().u32(0).u32(0).u32(9).u16(0).u16(0).toByteArray());
        w.block(CaptureBytes.DSB, w.body().u32(0x544c534b).u32(4).bytes(randomBytes(4)).toByteArray());
        w.block(CaptureBytes.CUSTOM, w.body().u32(32473).bytes(randomBytes(3 * CaptureInput.INITIAL_CAPACITY)).toByteArray());
        w.block(CaptureBytes.CUSTOM_NO_COPY, w.body().u32(32473).bytes(randomBytes(8)).toByteArray());
        w.block(0x7FFF_0001, randomBytes(16));
        w.epb(0, 8, b, 41, NO_OPTIONS);
        List<Frame> expected = List.of(new Frame(1, 7_000L, a, 40), new Frame(1, 8_000L, b, 41));
        return new Sample("skipped-" + order + ".pcapng", w.toByteArray(), expected);
    }

    /** A D-Bus packet larger than the read buffer. */
    private Sample hugePacket(ByteOrder order) {
        byte[] huge = randomBytes(2 * CaptureInput.INITIAL_CAPACITY + 3);
        byte[] small = randomBytes(10);
        byte[] file = new CaptureBytes(order).shb().idb(231, 0, NO_OPTIONS)
                .epb(0, 1, small, 10, NO_OPTIONS).epb(0, 2, huge, huge.length, NO_OPTIONS)
                .epb(0, 3, small, 10, NO_OPTIONS).toByteArray();
        return new Sample("huge-" + order + ".pcapng", file,
                List.of(new Frame(231, 1000, small, 10), new Frame(231, 2000, huge, huge.length),
                        new Frame(231, 3000, small, 10)));
    }

    Stream<Sample> samples() {
        List<Sample> all = new ArrayList<>();
        for (Order o : Order.values()) {
            all.add(interfaces(o.order));
            all.add(sections(o.order));
            all.add(simpleAndObsolete(o.order));
            all.add(skippedBlocks(o.order));
            all.add(hugePacket(o.order));
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void deliversEveryFieldOfEveryPacket(Sample s) throws CaptureException {
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, s.name(), s.file())));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void gzipOfEachSampleDeliversTheSameFrames(Sample s) throws CaptureException {
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, s.name() + ".gz",
                CaptureBytes.gzip(s.file()))));
        int n = s.file().length;
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, s.name() + ".2.gz",
                CaptureBytes.gzipMembers(s.file(), 2, n / 3, n / 3 + 1))));
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void theFormatIsToldByTheMagicNotTheName(Order o) throws CaptureException {
        Sample s = sections(o.order);
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, "misnamed.pcap", s.file())));
    }

    /**
     * Every if_tsresol from seconds to the finest decimal (10^-19) and binary (2^-63) resolutions, with
     * timestamps and offsets from zero to the 64-bit extremes: the reader's arithmetic must match
     * exact big-integer arithmetic, saturating where nanoseconds leave the range of a long.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 6, 9, 10, 12, 18, 19, 0x80, 0x81, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 33,
            0x80 | 40, 0x80 | 62, 0x80 | 63})
    void timestampsOfEveryResolutionMatchExactArithmetic(int tsresol) throws CaptureException {
        long[] offsets = {0, 1, -1, -3600, 9_223_372_036L, -9_223_372_037L, 1L << 35, -(1L << 35), Long.MAX_VALUE,
                Long.MIN_VALUE, random.nextLong()};
        BigInteger perSecond = (tsresol & 0x80) == 0
                ? BigInteger.TEN.pow(tsresol) : BigInteger.TWO.pow(tsresol & 0x7F);
        List<Long> units = new ArrayList<>(List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE,
                perSecond.subtract(BigInteger.ONE).longValue(), perSecond.longValue(),
                perSecond.multiply(BigInteger.valueOf(1_700_000_000L)).add(BigInteger.valueOf(12345)).longValue()));
        for (int i = 0; i < 20; i++) {
            units.add(random.nextLong());
            units.add(random.nextLong() >>> random.nextInt(64));
        }
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            CaptureBytes w = new CaptureBytes(order).shb();
            for (long offset : offsets) {
                w.idb(1, 0, CaptureBytes.tsresolOptions(order, tsresol, offset));
            }
            List<Long> expected = new ArrayList<>();
            for (int id = 0; id < offsets.length; id++) {
                for (long u : units) {
                    w.epb(id, u, new byte[] {(byte) id}, 1, NO_OPTIONS);
                    expected.add(expectedNanos(u, tsresol, offsets[id]));
                }
            }
            List<Long> actual = CollectingSink.read(CollectingSink.write(dir, "ts.pcapng", w.toByteArray()))
                    .stream().map(Frame::timestampNanos).toList();
            assertEquals(expected, actual, "tsresol 0x" + Integer.toHexString(tsresol) + " " + order);
        }
    }

    @Test
    void anEmptySectionDeliversNothing() throws CaptureException {
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).shb().idb(1, 0, NO_OPTIONS).toByteArray();
        assertEquals(List.of(), CollectingSink.read(CollectingSink.write(dir, "empty.pcapng", file)));
    }
}
