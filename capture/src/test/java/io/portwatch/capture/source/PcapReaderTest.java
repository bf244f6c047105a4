package io.portwatch.capture.source;

import static io.portwatch.capture.source.CaptureBytes.PCAP_MICROS;
import static io.portwatch.capture.source.CaptureBytes.PCAP_MODIFIED;
import static io.portwatch.capture.source.CaptureBytes.PCAP_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.portwatch.capture.source.CollectingSink.Frame;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PcapReaderTest {

    private static final BigInteger BILLION = BigInteger.valueOf(1_000_000_000L);

    @TempDir
    Path dir;

    private final Random random = new Random(0x5EED);

    /** A capture file and the frames it must deliver. */
    record Sample(String name, byte[] file, List<Frame> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> variants() {
        List<Arguments> a = new ArrayList<>();
        for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
            for (int magic : new int[] {PCAP_MICROS, PCAP_NANOS, PCAP_MODIFIED}) {
                a.add(Arguments.of(order, magic));
            }
        }
        return a.stream();
    }

    static long nanos(long seconds, long fraction, long nanosPerUnit) {
        return BigInteger.valueOf(seconds).multiply(BILLION)
                .add(BigInteger.valueOf(fraction).multiply(BigInteger.valueOf(nanosPerUnit))).longValueExact();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Five records covering zero, maximal and snapped lengths and the extremes of the timestamp fields. */
    private Sample sample(ByteOrder order, int magic, int linkType) {
        long unit = magic == PCAP_NANOS ? 1 : 1000;
        long maxFraction = magic == PCAP_NANOS ? 999_999_999L : 999_999L;
        long[][] times = {{0, 0}, {1_700_000_000L, maxFraction}, {0xFFFF_FFFFL, 123}, {1_234_567_890L, 5}, {42, 7}};
        int[] captured = {60, 1514, 0, 100, 80};
        long[] original = {60, 1514, 0, 1500, 40};
        CaptureBytes w = new CaptureBytes(order).pcapHeader(magic, linkType);
        List<Frame> expected = new ArrayList<>();
        for (int i = 0; i < times.length; i++) {
            byte[] data = randomBytes(captured[i]);
            if (magic == PCAP_MODIFIED) {
                w.modifiedRecord(times[i][0], times[i][1], data, original[i]);
            } else {
                w.pcapRecord(times[i][0], times[i][1], data, original[i]);
            }
            expected.add(new Frame(linkType, nanos(times[i][0], times[i][1], unit), data,
                    (int) Math.max(original[i], captured[i])));
        }
        return new Sample(String.format("%s-%08x.pcap", order, magic), w.toByteArray(), expected);
    }

    @ParameterizedTest
    @MethodSource("variants")
    void deliversEveryFieldOfEveryRecord(ByteOrder order, int magic) throws CaptureException {
        Sample s = sample(order, magic, 1);
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, s.name(), s.file())));
    }

    @ParameterizedTest
    @MethodSource("variants")
    void gzipOfEachVariantDeliversTheSameFrames(ByteOrder order, int magic) throws CaptureException {
        Sample s = sample(order, magic, 101);
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, "a.gz", CaptureBytes.gzip(s.file()))));
        int n = s.file().length;
        byte[] members = CaptureBytes.gzipMembers(s.file(), 1, 30, n / 2, n - 1);
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, "b.gz", members)));
        byte[] fields = CaptureBytes.gzipWithHeaderFields(s.file());
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, "c.gz", fields)));
    }

    @Test
    void zeroPaddingAfterTheLastGzipMemberIsIgnored() throws CaptureException {
        Sample s = sample(ByteOrder.LITTLE_ENDIAN, PCAP_MICROS, 1);
        byte[] z = CaptureBytes.gzip(s.file());
        byte[] padded = java.util.Arrays.copyOf(z, z.length + 3000);
        assertEquals(s.expected(), CollectingSink.read(CollectingSink.write(dir, "p.pcap.gz", padded)));
    }

    @Test
    void linkTypeIsTheLow16BitsOfTheHeaderField() throws CaptureException {
        byte[] data = randomBytes(40);
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(PCAP_MICROS, 2, 4, 65535, 0x3000_0071L)
                .pcapRecord(5, 6, data, 40).toByteArray();
        List<Frame> frames = CollectingSink.read(CollectingSink.write(dir, "fcs.pcap", file));
        assertEquals(List.of(new Frame(113, nanos(5, 6, 1000), data, 40)), frames);
    }

    @Test
    void fractionFieldsBeyondOneSecondAreTakenAsLibpcapTakesThem() throws CaptureException {
        // libpcap reads the fraction as a signed 32-bit field, scales it to nanoseconds and the
        // timestamp keeps its low 32 bits (what tcpdump prints and the libpcap reader delivers).
        long[] fractions = {1_000_000, 2_147_483_648L, 0xFFFF_FFFFL};
        long[][] expectedNanos = {
                {1_000_000_000L, (-2_147_483_648L * 1000) & 0xFFFF_FFFFL, (-1L * 1000) & 0xFFFF_FFFFL},
                {1_000_000L, 2_147_483_648L, 0xFFFF_FFFFL}};
        int m = 0;
        for (int magic : new int[] {PCAP_MICROS, PCAP_NANOS}) {
            CaptureBytes w = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(magic, 1);
            List<Frame> expected = new ArrayList<>();
            for (int i = 0; i < fractions.length; i++) {
                byte[] data = randomBytes(20);
                w.pcapRecord(0xFFFF_FFFFL, fractions[i], data, 20);
                expected.add(new Frame(1, nanos(0xFFFF_FFFFL, expectedNanos[m][i], 1), data, 20));
            }
            assertEquals(expected, CollectingSink.read(CollectingSink.write(dir, "frac.pcap", w.toByteArray())));
            m++;
        }
    }

    @Test
    void recordsLongerThanTheSnapshotLengthAreCutToIt() throws CaptureException {
        // as libpcap delivers them: the captured length is cut to the file's snaplen, the rest skipped
        byte[] a = randomBytes(100);
        byte[] b = randomBytes(30);
        byte[] file = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(PCAP_MICROS, 2, 4, 64, 1)
                .pcapRecord(1, 0, a, 90).pcapRecord(2, 0, b, 30).toByteArray();
        List<Frame> expected = List.of(new Frame(1, nanos(1, 0, 1000), java.util.Arrays.copyOf(a, 64), 90),
                new Frame(1, nanos(2, 0, 1000), b, 30));
        assertEquals(expected, CollectingSink.read(CollectingSink.write(dir, "snap.pcap", file)));
    }

    @Test
    void oldVersionsWithTheLengthsTheOtherWayRoundAreRead() throws CaptureException {
        byte[] a = randomBytes(50);
        byte[] b = randomBytes(70);
        // version 2.2: original length first, then captured length
        CaptureBytes v22 = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(PCAP_MICROS, 2, 2, 96, 1);
        v22.u32(1).u32(2).u32(1500).u32(a.length).bytes(a);
        assertEquals(List.of(new Frame(1, nanos(1, 2, 1000), a, 1500)),
                CollectingSink.read(CollectingSink.write(dir, "v22.pcap", v22.toByteArray())));
        // version 2.3: either order; the larger value is the original length
        CaptureBytes v23 = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(PCAP_MICROS, 2, 3, 96, 1);
        v23.u32(3).u32(4).u32(a.length).u32(600).bytes(a);
        v23.u32(5).u32(6).u32(900).u32(b.length).bytes(b);
        assertEquals(List.of(new Frame(1, nanos(3, 4, 1000), a, 600), new Frame(1, nanos(5, 6, 1000), b, 900)),
                CollectingSink.read(CollectingSink.write(dir, "v23.pcap", v23.toByteArray())));
    }

    @Test
    void recordsStraddlingTheBufferEndAreDeliveredWhole() throws CaptureException {
        CaptureBytes w = new CaptureBytes(ByteOrder.LITTLE_ENDIAN)
                .pcapHeader(PCAP_NANOS, 2, 4, RecordReader.DEFAULT_MAX_CAPTURED_LENGTH, 1);
        List<Frame> expected = new ArrayList<>();
        int i = 0;
        while (w.size() < 5 * CaptureInput.INITIAL_CAPACITY) {
            int length = switch (i % 4) {
                case 0 -> RecordReader.DEFAULT_MAX_CAPTURED_LENGTH;
                case 1 -> random.nextInt(100);
                default -> random.nextInt(RecordReader.DEFAULT_MAX_CAPTURED_LENGTH);
            };
            byte[] data = randomBytes(length);
            w.pcapRecord(i, i * 7L, data, length);
            expected.add(new Frame(1, nanos(i, i * 7L, 1), data, length));
            i++;
        }
        List<Frame> frames = CollectingSink.read(CollectingSink.write(dir, "big.pcap", w.toByteArray()));
        assertEquals(expected.size(), frames.size());
        assertEquals(expected, frames);
    }

    @Test
    void aRecordLargerThanTheBufferGrowsIt() throws CaptureException {
        int dbus = 231; // libpcap allows D-Bus messages up to 128 MiB
        byte[] small = randomBytes(33);
        byte[] huge = randomBytes(3 * CaptureInput.INITIAL_CAPACITY + 5);
        byte[] file = new CaptureBytes(ByteOrder.BIG_ENDIAN).pcapHeader(PCAP_MICROS, 2, 4, 0, dbus)
                .pcapRecord(1, 0, small, 33).pcapRecord(2, 0, huge, huge.length).pcapRecord(3, 0, small, 33)
                .toByteArray();
        List<Frame> expected = List.of(new Frame(dbus, nanos(1, 0, 1000), small, 33),
                new Frame(dbus, nanos(2, 0, 1000), huge, huge.length), new Frame(dbus, nanos(3, 0, 1000), small, 33));
        assertEquals(expected, CollectingSink.read(CollectingSink.write(dir, "dbus.pcap", file)));
        assertEquals(expected, CollectingSink.read(CollectingSink.write(dir, "dbus.pcap.gz", CaptureBytes.gzip(file))));
    }

    @Test
    void standardInputIsReadForDash() throws CaptureException {
        Sample s = sample(ByteOrder.BIG_ENDIAN, PCAP_NANOS, 1);
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(CaptureBytes.gzip(s.file())));
            CollectingSink sink = new CollectingSink();
            try (CaptureFileSource source = CaptureFileSource.open("-")) {
                assertEquals("-", source.name());
                source.run(sink);
            }
            assertEquals(s.expected(), sink.frames);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void stopFromTheSinkEndsTheRunBeforeTheNextRecord() throws CaptureException {
        Sample s = sample(ByteOrder.LITTLE_ENDIAN, PCAP_MICROS, 1);
        try (CaptureFileSource source = CaptureFileSource.open(CollectingSink.write(dir, "s.pcap", s.file()))) {
            CollectingSink sink = new CollectingSink();
            source.run((lt, ts, buf, off, cap, orig) -> {
                sink.onPacket(lt, ts, buf, off, cap, orig);
                if (sink.frames.size() == 2) {
                    source.stop();
                }
            });
            assertEquals(s.expected().subList(0, 2), sink.frames);
            source.run(sink);
            assertEquals(2, sink.frames.size(), "a stopped source stays stopped");
        }
    }

    /** A pcap that never ends: a header, then the same record over and over. */
    private InputStream endlessPcap() {
        byte[] header = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapHeader(PCAP_MICROS, 1).toByteArray();
        byte[] record = new CaptureBytes(ByteOrder.LITTLE_ENDIAN).pcapRecord(1, 1, randomBytes(200), 200).toByteArray();
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                long p = position++;
                return (p < header.length ? header[(int) p] : record[(int) ((p - header.length) % record.length)]) & 0xFF;
            }
        };
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void stopOrCloseFromAnotherThreadEndsAnEndlessInput(boolean close) throws Exception {
        InputStream saved = System.in;
        try {
            System.setIn(endlessPcap());
            AtomicLong delivered = new AtomicLong();
            try (CaptureFileSource source = CaptureFileSource.open("-")) {
                Thread other = new Thread(() -> {
                    while (delivered.get() < 10_000) {
                        Thread.onSpinWait();
                    }
                    if (close) {
                        source.close();
                    } else {
                        source.stop();
                    }
                });
                other.start();
                assertTimeoutPreemptively(Duration.ofSeconds(30),
                        () -> source.run((lt, ts, buf, off, cap, orig) -> delivered.incrementAndGet()));
                other.join();
            }
            assertTrue(delivered.get() >= 10_000);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void closeClosesTheInputAndARunAfterCloseFails() throws CaptureException {
        Sample s = sample(ByteOrder.BIG_ENDIAN, PCAP_MICROS, 1);
        AtomicBoolean closed = new AtomicBoolean();
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(s.file()) {
                @Override
                public void close() {
                    closed.set(true);
                }
            });
            CaptureFileSource source = CaptureFileSource.open("-");
            source.close();
            assertTrue(closed.get());
            CaptureException e = assertThrows(CaptureException.class, () -> source.run(new CollectingSink()));
            assertEquals("-: closed", e.getMessage());
        } finally {
            System.setIn(saved);
        }
    }
}
